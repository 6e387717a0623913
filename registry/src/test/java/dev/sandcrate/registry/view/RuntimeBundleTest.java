package dev.sandcrate.registry.view;

import dev.sandcrate.index.Checksums;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class RuntimeBundleTest {
    static final String INSTALL = "#!/bin/sh\nregistry=\"${SANDCRATE_REGISTRY:-@REGISTRY_URL@}\"\necho $registry\n";

    @TempDir
    Path tmp;

    /** A bundle file with the given bytes, its .sha256 and an installer beside it (the layout of a served bundle dir). */
    static Path bundle(Path dir, byte[] bytes) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("sandcrate-runtime-linux-x86_64.tar.gz");
        Files.write(file, bytes);
        Files.writeString(dir.resolve(file.getFileName() + ".sha256"), Checksums.sha256Hex(bytes) + "  " + file.getFileName() + "\n");
        Files.writeString(dir.resolve("install.sh"), INSTALL);
        return file;
    }

    @Test
    void servesTheBundleItsSha256AndAnInstallerWithTheRegistryUrl() throws Exception {
        byte[] bytes = "not really a tarball, but bytes with a hash".getBytes(StandardCharsets.UTF_8);
        RuntimeBundle b = RuntimeBundle.of(bundle(tmp, bytes));
        assertEquals("sandcrate-runtime-linux-x86_64.tar.gz", b.fileName());
        assertEquals(Checksums.sha256Hex(bytes), b.sha256());
        assertEquals(b.sha256() + "  sandcrate-runtime-linux-x86_64.tar.gz\n", b.sha256File());
        assertEquals(bytes.length, b.size());
        try (var in = b.open()) {
            assertArrayEquals(bytes, in.readAllBytes());
        }
        String script = b.installScript("http://reg.example:8080");
        assertTrue(script.contains("${SANDCRATE_REGISTRY:-http://reg.example:8080}"), script);
        assertFalse(script.contains("@REGISTRY_URL@"));
    }

    @Test
    void findsTheInstallerOfASourceCheckout() throws Exception {
        // sandbox-runtime/target/bundle/<file> with sandbox-runtime/bundle/install.sh, as build.sh leaves it
        Path module = tmp.resolve("sandbox-runtime");
        Path file = module.resolve("target/bundle/sandcrate-runtime-linux-aarch64.tar.gz");
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[]{1, 2, 3});
        Files.createDirectories(module.resolve("bundle"));
        Files.writeString(module.resolve("bundle/install.sh"), INSTALL);
        assertTrue(RuntimeBundle.of(file).installScript("http://x").contains("http://x"));
    }

    @Test
    void refusesAWrongName() throws Exception {
        Path file = tmp.resolve("runtime.tar.gz");
        Files.write(file, new byte[]{1});
        IOException e = assertThrows(IOException.class, () -> RuntimeBundle.of(file));
        assertTrue(e.getMessage().contains("is not named sandcrate-runtime-linux-<arch>.tar.gz"), e.getMessage());
    }

    @Test
    void refusesABundleWhoseSha256FileDisagrees() throws Exception {
        Path file = bundle(tmp, new byte[]{1, 2});
        Files.write(file, new byte[]{1, 2, 3});
        IOException e = assertThrows(IOException.class, () -> RuntimeBundle.of(file));
        assertTrue(e.getMessage().contains("says"), e.getMessage());
    }

    @Test
    void refusesAMissingBundleOrInstaller() throws Exception {
        IOException missing = assertThrows(IOException.class, () -> RuntimeBundle.of(tmp.resolve("sandcrate-runtime-linux-x86_64.tar.gz")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        Path file = bundle(tmp.resolve("a"), new byte[]{1});
        Files.delete(file.resolveSibling("install.sh"));
        IOException noInstaller = assertThrows(IOException.class, () -> RuntimeBundle.of(file));
        assertTrue(noInstaller.getMessage().contains("no install.sh"), noInstaller.getMessage());
        Files.writeString(file.resolveSibling("install.sh"), "#!/bin/sh\necho hard-coded\n");
        IOException noMarker = assertThrows(IOException.class, () -> RuntimeBundle.of(file));
        assertTrue(noMarker.getMessage().contains("@REGISTRY_URL@"), noMarker.getMessage());
    }
}
