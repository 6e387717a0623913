package dev.sandcrate.index.crate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CratePackerTest {

    static Path crateFolder(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("src/nested"));
        Files.writeString(dir.resolve("Cargo.toml"), "[package]\nname = \"packme\"\nversion = \"1.0.0\"\n");
        Files.writeString(dir.resolve("src/lib.rs"), "mod nested;\n");
        Files.writeString(dir.resolve("src/nested/mod.rs"), "// " + "x".repeat(200) + "\n");
        Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(dir.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve(".cargo-checksum.json"), "{\"package\":\"00\",\"files\":{}}");
        // a path longer than ustar's 100 characters needs a PAX header
        Path deep = dir.resolve("d".repeat(60)).resolve("e".repeat(60) + ".rs");
        Files.createDirectories(deep.getParent());
        Files.writeString(deep, "deep\n");
        return dir;
    }

    @Test
    void packsDeterministicallyAndReadsBack(@TempDir Path a, @TempDir Path b) throws IOException {
        CratePacker.PackedCrate first = CratePacker.pack(crateFolder(a));
        CratePacker.PackedCrate second = CratePacker.pack(crateFolder(b));
        Files.setLastModifiedTime(b.resolve("src/lib.rs"), FileTime.fromMillis(123456789));
        CratePacker.PackedCrate third = CratePacker.pack(b);
        assertArrayEquals(first.bytes(), second.bytes(), "same content in another folder gives the same bytes");
        assertArrayEquals(first.bytes(), third.bytes(), "mtimes do not matter");
        assertEquals("packme", first.name());

        CrateContents contents = CrateArchive.read(first.bytes(), CrateLimits.DEFAULT);
        assertEquals("packme-1.0.0", contents.root());
        List<String> paths = contents.entries().stream().map(CrateEntry::path).toList();
        assertEquals(List.of("Cargo.toml", "d".repeat(60) + "/" + "e".repeat(60) + ".rs", "run.sh", "src/lib.rs",
                "src/nested/mod.rs"), paths, "sorted, without .cargo-checksum.json");
        assertTrue(contents.entries().get(2).executable());
        assertFalse(contents.entries().get(3).executable());
    }

    @Test
    void contentChangesTheBytes(@TempDir Path a) throws IOException {
        byte[] before = CratePacker.pack(crateFolder(a)).bytes();
        Files.writeString(a.resolve("src/lib.rs"), "mod nested; // changed\n");
        assertFalse(Arrays.equals(before, CratePacker.pack(a).bytes()));
    }

    @Test
    void packsRealDebianCrates() throws IOException {
        Path debian = Path.of("/usr/share/cargo/registry");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(debian), "Debian crate sources installed");
        try (var dirs = Files.list(debian)) {
            for (Path dir : dirs.sorted().toList()) {
                CratePacker.PackedCrate packed = CratePacker.pack(dir);
                CrateContents contents = CrateArchive.read(packed.bytes(), CrateLimits.DEFAULT);
                assertEquals(dir.getFileName().toString(), contents.root());
            }
        }
    }
}
