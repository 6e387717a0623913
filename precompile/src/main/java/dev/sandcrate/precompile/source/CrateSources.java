package dev.sandcrate.precompile.source;

import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.precompile.PrecompileException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Opening local sources and layering several (first one that has a version wins). */
public final class CrateSources {
    private CrateSources() {
    }

    /** A folder of .crate files if it holds any, otherwise a folder of unpacked crates. */
    public static CrateSource open(Path folder) {
        if (!Files.isDirectory(folder)) throw new PrecompileException("crate source " + folder + " is not a folder");
        try (Stream<Path> s = Files.list(folder)) {
            boolean crateFiles = s.anyMatch(p -> p.getFileName().toString().endsWith(".crate"));
            return crateFiles ? new CrateFileFolderSource(folder) : new UnpackedCrateFolderSource(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static CrateSource layered(List<CrateSource> sources) {
        if (sources.size() == 1) return sources.getFirst();
        return new CrateSource() {
            @Override
            public List<IndexEntry> versions(String name) {
                List<IndexEntry> all = new ArrayList<>();
                for (CrateSource s : sources) {
                    for (IndexEntry e : s.versions(name)) {
                        if (all.stream().noneMatch(a -> a.vers().equals(e.vers()))) all.add(e);
                    }
                }
                return all;
            }

            @Override
            public byte[] crateBytes(String name, String version) {
                for (CrateSource s : sources) {
                    if (s.versions(name).stream().anyMatch(e -> e.vers().equals(version))) return s.crateBytes(name, version);
                }
                throw new PrecompileException(name + " " + version + " is in none of " + describe());
            }

            @Override
            public String describe() {
                return String.join(", ", sources.stream().map(CrateSource::describe).toList());
            }
        };
    }
}
