package dev.sandcrate.index.crate;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Packs an unpacked crate folder (e.g. Debian's {@code /usr/share/cargo/registry/serde-1.0.152}) into a .crate,
 * deterministically: files sorted by path, all under {@code name-version/}, fixed mtime, owner and modes (0644, or
 * 0755 when executable), no folder entries, a gzip header without time or name. The same folder always gives the
 * same bytes, so the checksum in the index and in consumers' Cargo.lock stays valid.
 */
public final class CratePacker {
    /** Files that belong to the unpacked form, not to the crate (Debian's and cargo's vendoring checksum file). */
    private static final List<String> SKIPPED_TOP_LEVEL = List.of(".cargo-checksum.json", ".cargo-ok");
    /** 1970-01-01T00:00:01Z: some tools treat an mtime of 0 as "unknown". */
    private static final FileTime MTIME = FileTime.fromMillis(1000);

    private CratePacker() {}

    /** A packed crate: its name and version (from its Cargo.toml) and the .crate bytes. */
    public record PackedCrate(String name, String version, byte[] bytes) {}

    public static PackedCrate pack(Path crateDir) throws IOException {
        Path manifestFile = crateDir.resolve("Cargo.toml");
        if (!Files.isRegularFile(manifestFile)) throw new InvalidCrateException("no Cargo.toml in " + crateDir);
        CrateManifest manifest = CrateManifest.parse(Files.readAllBytes(manifestFile));
        String root = manifest.name() + "-" + manifest.version();

        List<String> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(crateDir)) {
            walk.filter(p -> !p.equals(crateDir)).forEach(p -> {
                String rel = relative(crateDir, p);
                if (Files.isDirectory(p)) return;
                if (!Files.isRegularFile(p)) throw new InvalidCrateException(p + " is neither a regular file nor a folder");
                if (!SKIPPED_TOP_LEVEL.contains(rel)) files.add(rel);
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        files.sort(null);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (String rel : files) {
                Path file = crateDir.resolve(rel);
                TarArchiveEntry entry = new TarArchiveEntry(root + "/" + rel, true);
                entry.setSize(Files.size(file));
                entry.setMode(Files.isExecutable(file) ? 0100755 : 0100644);
                entry.setModTime(MTIME);
                entry.setUserId(0);
                entry.setGroupId(0);
                entry.setUserName("");
                entry.setGroupName("");
                tar.putArchiveEntry(entry);
                Files.copy(file, tar);
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
        return new PackedCrate(manifest.name(), manifest.version(), bytes.toByteArray());
    }

    private static String relative(Path base, Path p) {
        StringBuilder sb = new StringBuilder();
        for (Path part : base.relativize(p)) {
            if (!sb.isEmpty()) sb.append('/');
            sb.append(part);
        }
        return sb.toString();
    }
}
