package dev.sandcrate.precompile.source;

import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.index.crate.InvalidCrateException;
import dev.sandcrate.precompile.PrecompileException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A folder of {@code .crate} files, served byte for byte (so lockfile checksums stay valid). */
public final class CrateFileFolderSource extends LocalCrateSource {
    private final Path folder;

    public CrateFileFolderSource(Path folder) {
        this.folder = folder;
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(p -> p.getFileName().toString().endsWith(".crate")).sorted().toList()) {
                byte[] bytes = Files.readAllBytes(file);
                try {
                    add(new Found(CrateArchive.read(bytes, CrateLimits.DEFAULT).manifest(), () -> bytes));
                } catch (InvalidCrateException e) {
                    throw new PrecompileException(file + " is not a valid .crate: " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + folder, e);
        }
    }

    @Override
    public String describe() {
        return ".crate files in " + folder;
    }
}
