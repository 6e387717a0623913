package dev.sandcrate.e2e;

import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kills a `sandcrate serve` process (SIGKILL) at different moments of a publish, restarts on the same data dir and
 * checks the invariant: the version is either fully there (index line, and the download is the uploaded .crate) or
 * not there at all (no index file, no blob, no temp file).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CrashDuringPublishTest {
    @TempDir
    Path tmp;

    @Test
    void aKilledPublishLeavesAllOrNothing() throws Exception {
        Path data = tmp.resolve("data");
        String token;
        try (Registry setup = Registry.start(RegistryConfig.loopback(data))) {
            long id = setup.users().add("crash", false).id();
            token = setup.tokens().create(id, "t", EnumSet.allOf(Scope.class), List.of(), null).secret();
        }
        HttpClient http = HttpClient.newHttpClient();
        int present = 0, absent = 0;
        long[] delaysMillis = {0, 150, 500, 3000}; // from before the upload to well after the commit
        for (int i = 0; i < delaysMillis.length; i++) {
            String version = "1.0." + i;
            byte[] crate = bigCrate(tmp.resolve("src" + i), version, i);
            Process server = startServer(data);
            try {
                String url = awaitUrl(server);
                var pending = http.sendAsync(HttpRequest.newBuilder(URI.create(url + "/api/v1/crates/new"))
                        .header("Authorization", token)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(DebianCratesTest.publishBody(
                                new CratePacker.PackedCrate("crashy", version, crate)))).build(), HttpResponse.BodyHandlers.ofString());
                Thread.sleep(delaysMillis[i]);
                server.destroyForcibly().waitFor();
                pending.handle((r, e) -> null).join();
            } finally {
                server.destroyForcibly().waitFor();
            }

            long t0 = System.nanoTime();
            try (Registry after = Registry.start(RegistryConfig.loopback(data))) {
                System.out.printf("restart after kill at %d ms took %d ms%n", delaysMillis[i], (System.nanoTime() - t0) / 1_000_000);
                var version0 = after.crates().versions("crashy").stream().filter(v -> v.num().equals(version)).findFirst();
                if (version0.isPresent()) {
                    present++;
                    assertEquals(Checksums.sha256Hex(crate), version0.get().cksum());
                    assertArrayEquals(crate, after.crates().crateBytes("crashy", version).orElseThrow());
                } else {
                    absent++;
                    assertFalse(blobExists(data, Checksums.sha256Hex(crate)), "no blob without its version row");
                }
                try (Stream<Path> temp = Files.list(data.resolve("blobs/tmp"))) {
                    assertEquals(0, temp.count(), "no half-written files");
                }
            }
        }
        System.out.printf("versions present after the kill: %d, absent: %d%n", present, absent);
        assertEquals(delaysMillis.length, present + absent);
    }

    static boolean blobExists(Path data, String sha) {
        return Files.exists(data.resolve("blobs").resolve(sha.substring(0, 2)).resolve(sha.substring(2, 4)).resolve(sha));
    }

    /** A crate of a few MiB of incompressible content, so the upload and the blob write take measurable time. */
    static byte[] bigCrate(Path dir, String version, int seed) throws Exception {
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("Cargo.toml"), "[package]\nname = \"crashy\"\nversion = \"" + version + "\"\n");
        byte[] noise = new byte[3 << 20];
        new Random(seed).nextBytes(noise);
        Files.write(dir.resolve("src/data.bin"), noise);
        return CratePacker.pack(dir).bytes();
    }

    static Process startServer(Path data) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.sandcrate.registry.cli.SandcrateCommand", "serve", "--port", "0", "--data-dir", data.toString())
                .redirectErrorStream(true).start();
    }

    static String awaitUrl(Process server) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("sandcrate: serving ")) {
                String url = line.substring("sandcrate: serving ".length()).split(" ")[0];
                Thread drain = new Thread(() -> {
                    try {
                        out.transferTo(java.io.Writer.nullWriter());
                    } catch (java.io.IOException ignored) {
                        // the process was killed
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return url;
            }
        }
        throw new AssertionError("the server exited before serving");
    }
}
