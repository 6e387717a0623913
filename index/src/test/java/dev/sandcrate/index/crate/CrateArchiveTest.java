package dev.sandcrate.index.crate;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class CrateArchiveTest {
    static final String MANIFEST = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n";

    /** Builds a tar.gz from raw entries, so tests can write what cargo never would. */
    static byte[] tarGz(Consumer<TarArchiveOutputStream> body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            body.accept(tar);
        }
        return out.toByteArray();
    }

    static void file(TarArchiveOutputStream tar, String name, String content) {
        file(tar, name, content.getBytes(StandardCharsets.UTF_8));
    }

    static void file(TarArchiveOutputStream tar, String name, byte[] content) {
        try {
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            e.setSize(content.length);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
        } catch (IOException ex) {
            throw new RuntimeException(ex);
        }
    }

    static void link(TarArchiveOutputStream tar, String name, byte type, String target) {
        try {
            TarArchiveEntry e = new TarArchiveEntry(name, type, true);
            e.setLinkName(target);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
        } catch (IOException ex) {
            throw new RuntimeException(ex);
        }
    }

    static byte[] valid() throws IOException {
        return tarGz(t -> {
            file(t, "demo-0.1.0/Cargo.toml", MANIFEST);
            file(t, "demo-0.1.0/src/lib.rs", "pub fn f() {}\n");
        });
    }

    @Test
    void readsAValidCrate() throws IOException {
        CrateContents c = CrateArchive.read(valid(), CrateLimits.DEFAULT);
        assertEquals("demo-0.1.0", c.root());
        assertEquals(List.of("Cargo.toml", "src/lib.rs"), c.entries().stream().map(CrateEntry::path).toList());
        assertEquals("demo", c.manifest().name());
        assertEquals(MANIFEST, new String(c.cargoToml(), StandardCharsets.UTF_8));
    }

    @Test
    void rejectsParentPaths() throws IOException {
        assertRejected("'..'", tarGz(t -> {
            file(t, "demo-0.1.0/Cargo.toml", MANIFEST);
            file(t, "demo-0.1.0/../../etc/passwd", "x");
        }));
    }

    @Test
    void rejectsAbsolutePaths() throws IOException {
        assertRejected("absolute path", tarGz(t -> {
            file(t, "demo-0.1.0/Cargo.toml", MANIFEST);
            file(t, "/etc/passwd", "x");
        }));
    }

    @Test
    void rejectsSymlinksAndHardLinks() throws IOException {
        assertRejected("is a link", tarGz(t -> {
            file(t, "demo-0.1.0/Cargo.toml", MANIFEST);
            link(t, "demo-0.1.0/evil", TarConstants.LF_SYMLINK, "/etc/passwd");
        }));
        assertRejected("is a link", tarGz(t -> {
            file(t, "demo-0.1.0/Cargo.toml", MANIFEST);
            link(t, "demo-0.1.0/evil", TarConstants.LF_LINK, "demo-0.1.0/Cargo.toml");
        }));
    }

    @Test
    void rejectsDevices() throws IOException {
        assertRejected("not a regular file", tarGz(t -> {
            file(t, "demo-0.1.0/Cargo.toml", MANIFEST);
            link(t, "demo-0.1.0/dev", TarConstants.LF_CHR, "");
        }));
    }

    @Test
    void rejectsEntriesOutsideTheRoot() throws IOException {
        assertRejected("outside the crate's folder", tarGz(t -> {
            file(t, "demo-0.1.0/Cargo.toml", MANIFEST);
            file(t, "other-0.1.0/src/lib.rs", "x");
        }));
    }

    @Test
    void rejectsOversizeUnpackedContent() throws IOException {
        byte[] big = new byte[2 << 20]; // zeros: compresses to almost nothing
        byte[] crate = tarGz(t -> {
            file(t, "demo-0.1.0/Cargo.toml", MANIFEST);
            file(t, "demo-0.1.0/zeros", big);
        });
        assertTrue(crate.length < 10_000);
        assertRejected("more than", crate, CrateLimits.DEFAULT.withMaxUnpackedBytes(1 << 20));
        assertEquals(2, CrateArchive.read(crate, CrateLimits.DEFAULT).entries().size());
    }

    @Test
    void rejectsMissingOrMultipleManifests() throws IOException {
        assertRejected("has no demo-0.1.0/Cargo.toml", tarGz(t -> file(t, "demo-0.1.0/src/lib.rs", "x")));
        assertRejected("appears twice", tarGz(t -> {
            file(t, "demo-0.1.0/Cargo.toml", MANIFEST);
            file(t, "demo-0.1.0/Cargo.toml", MANIFEST);
        }));
        assertRejected("must be spelled Cargo.toml", tarGz(t -> {
            file(t, "demo-0.1.0/Cargo.toml", MANIFEST);
            file(t, "demo-0.1.0/cargo.toml", MANIFEST);
        }));
    }

    @Test
    void rejectsAManifestThatDoesNotMatchTheFolder() throws IOException {
        assertRejected("but its Cargo.toml says demo 0.2.0", tarGz(t ->
                file(t, "demo-0.1.0/Cargo.toml", MANIFEST.replace("0.1.0", "0.2.0"))));
    }

    @Test
    void rejectsGarbage() {
        assertRejected("not a valid gzipped tar", "hello".getBytes(StandardCharsets.UTF_8));
        byte[] truncated;
        try {
            byte[] v = valid();
            truncated = Arrays.copyOf(v, v.length / 2);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        assertRejected("not a valid gzipped tar", truncated);
    }

    @Test
    void unpacksIntoTheCrateFolder(@TempDir Path dir) throws IOException {
        Path crateDir = CrateArchive.unpack(valid(), dir, CrateLimits.DEFAULT);
        assertEquals(dir.resolve("demo-0.1.0"), crateDir);
        assertEquals("pub fn f() {}\n", Files.readString(crateDir.resolve("src/lib.rs")));
        try (var s = Files.list(dir)) {
            assertEquals(List.of(crateDir), s.toList(), "no staging folder is left behind");
        }
    }

    @Test
    void failedUnpackLeavesNothing(@TempDir Path dir) throws IOException {
        byte[] evil = tarGz(t -> {
            file(t, "demo-0.1.0/Cargo.toml", MANIFEST);
            link(t, "demo-0.1.0/evil", TarConstants.LF_SYMLINK, "/etc/passwd");
        });
        assertThrows(InvalidCrateException.class, () -> CrateArchive.unpack(evil, dir, CrateLimits.DEFAULT));
        try (var s = Files.list(dir)) {
            assertEquals(List.of(), s.toList());
        }
    }

    static void assertRejected(String expected, byte[] crate) {
        assertRejected(expected, crate, CrateLimits.DEFAULT);
    }

    static void assertRejected(String expected, byte[] crate, CrateLimits limits) {
        InvalidCrateException e = assertThrows(InvalidCrateException.class, () -> CrateArchive.read(crate, limits));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    /** A valid crate's tar, before gzip. */
    static byte[] demoTar() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            file(tar, "demo-0.1.0/Cargo.toml", MANIFEST);
            file(tar, "demo-0.1.0/src/lib.rs", "pub fn f() {}\n");
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    @Test
    void dataAfterTheTarEndMarkerIsRefusedButItsBlockPaddingIsNot() throws IOException {
        byte[] tar = demoTar();
        assertTrue(tar.length < 10240);
        assertEquals("demo", CrateArchive.read(gzip(tar), CrateLimits.DEFAULT).manifest().name());
        byte[] gnuPadded = Arrays.copyOf(tar, 10240); // GNU tar pads the archive to its 10 KiB block with zeros
        assertEquals("demo", CrateArchive.read(gzip(gnuPadded), CrateLimits.DEFAULT).manifest().name());
        byte[] zerosAfter = Arrays.copyOf(tar, tar.length + (1 << 20)); // a megabyte of zeros after the archive
        var e = assertThrows(InvalidCrateException.class, () -> CrateArchive.read(gzip(zerosAfter), CrateLimits.DEFAULT));
        assertTrue(e.getMessage().contains("after the end of its tar archive"), e.getMessage());
    }

    @Test
    void aGzipStreamWithABadCrcIsRefused() throws IOException {
        byte[] crate = gzip(demoTar());
        crate[crate.length - 8] ^= 1; // the CRC-32 is the trailer's first 4 bytes
        var e = assertThrows(InvalidCrateException.class, () -> CrateArchive.read(crate, CrateLimits.DEFAULT));
        assertTrue(e.getMessage().contains("not a valid gzipped tar archive"), e.getMessage());
    }
}
