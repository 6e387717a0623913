package dev.sandcrate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.artifact.ArtifactManifest;
import dev.sandcrate.precompile.artifact.ArtifactValidator;
import dev.sandcrate.precompile.source.MacroDecl;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.precompile.PrecompileConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.sandcrate.e2e.PrecompileHarness.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The automatic precompilation service end to end, with the real sandboxed double build: Debian's macro crates
 * published with their dependencies end verified and are served; ineligible crates are reported with the right
 * reason; a build whose two runs differ is rejected and never served.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class PrecompileServiceTest {
    @TempDir
    Path tmp;

    @Test
    void publishedDebianMacrosArePrecompiledVerifiedAndServed() throws Exception {
        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")), PrecompileConfig.defaults().withTopFeatureSets(0))) {
            String token = token(registry, "debian", false);
            // the macros first: they wait (ineligible: unresolved) until their dependencies are published
            publishDebian(registry, token, "serde_derive", "thiserror-impl");
            publishDebian(registry, token, "unicode-ident", "proc-macro2", "quote", "syn", "thiserror",
                    "cfg-if", "getrandom", "lazy_static", "proc-macro-hack", "crunchy", "tiny-keccak", "const-random-macro");

            JsonNode constRandom = awaitDefault(registry, "const-random-macro", "0.1.13", Duration.ofMinutes(1),
                    s -> s.path("state").asText().equals("ineligible"));
            String reasons = constRandom.path("reasons").toString();
            assertTrue(reasons.contains("no-proc-macro-dependencies: depends on proc-macro crate(s) proc-macro-hack 0.5.19"), reasons);
            assertFalse(reasons.contains("host-apis"), "host APIs are flagged, not refused: " + reasons);

            long t0 = System.nanoTime();
            List<JsonNode> sets = new ArrayList<>();
            for (String[] macro : new String[][]{{"serde_derive", "1.0.152"}, {"thiserror-impl", "1.0.38"}}) {
                JsonNode set = awaitDefault(registry, macro[0], macro[1], Duration.ofMinutes(8), PrecompileHarness::finished);
                System.out.printf("%s %s: %s after %d s (builds %s ms, dependency cache %s)%n", macro[0], macro[1], set.path("state").asText(),
                        (System.nanoTime() - t0) / 1_000_000_000, set.path("builds").findValuesAsText("duration_ms"), set.path("dependency_cache"));
                assertEquals("verified", set.path("state").asText(), set.toPrettyString());
                checkVerified(registry, macro[0], macro[1], set);
                sets.add(set);
            }
            // one worker builds them one after the other: the later job reuses what the earlier one verified and stored
            sets.sort(java.util.Comparator.comparing(s -> s.path("timings").path("finished_at").asText()));
            JsonNode reusedLater = sets.get(1).path("dependency_cache").path("reused");
            for (String shared : List.of("proc-macro2 1.0.47", "quote 1.0.21", "unicode-ident 1.0.0")) {
                assertTrue(sets.get(0).path("dependency_cache").path("stored").toString().contains(shared), sets.get(0).path("dependency_cache").toString());
                assertTrue(reusedLater.toString().contains(shared), reusedLater.toString());
            }
            // the bridge server is in every job: whichever job ran first (proc-macro-hack may) stored it, both reuse it
            for (JsonNode set : sets) {
                assertTrue(set.path("dependency_cache").path("reused").toString().contains("sandcrate-bridge-server 0.1.0"), set.path("dependency_cache").toString());
            }
            assertEquals(keyOf(sets.get(0), "proc-macro2"), keyOf(sets.get(1), "proc-macro2"), "one key per crate, version, features and toolchain");
            String admin = token(registry, "root", true);
            HttpResponse<byte[]> jobs = PrecompileHarness.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    registry.url() + "/api/v1/admin/precompile/jobs")).header("Authorization", admin).build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode queue = new com.fasterxml.jackson.databind.ObjectMapper().readTree(jobs.body()).path("queue");
            assertTrue(queue.path("average_job_seconds").asDouble() > 0, queue.toString());
            assertTrue(queue.path("dependency_cache").path("entries").asLong() >= 4, queue.toString());
            JsonNode serde = status(registry, "serde_derive", "1.0.152");
            assertTrue(serde.path("analysis").path("eligible").asBoolean());
            assertEquals(1, serde.path("feature_sets").size(), "top-N 0: the default set only");
        }
    }

    private static String keyOf(JsonNode set, String dependency) {
        for (JsonNode d : set.path("dependencies")) if (d.path("name").asText().equals(dependency)) return d.path("key").asText();
        throw new AssertionError(dependency + " not in " + set.path("dependencies"));
    }

    private static void checkVerified(Registry registry, String crate, String version, JsonNode set) throws Exception {
        JsonNode builds = set.path("builds");
        assertEquals(2, builds.size());
        assertEquals(builds.get(0).path("wasm_sha256").asText(), builds.get(1).path("wasm_sha256").asText(), "both builds give the same module");
        assertTrue(set.path("hashes_match").asBoolean());
        assertTrue(set.path("toolchain").path("rustc").asText().contains("release: 1.96"), set.path("toolchain").toString());
        String lockfile = set.path("lockfile").asText();
        assertTrue(lockfile.contains("name = \"syn\"") && lockfile.contains("checksum = \"" + registry.crates().versions("syn").getFirst().cksum() + "\""),
                "the lockfile pins this registry's syn:\n" + lockfile);
        assertEquals(Checksums.sha256Hex(lockfile.getBytes(StandardCharsets.UTF_8)), set.path("lockfile_sha256").asText());
        assertFalse(set.path("timings").path("started_at").isNull());
        assertFalse(set.path("timings").path("finished_at").isNull());

        // content-addressed download, cached forever, and what it says it is
        String sha = set.path("artifact").path("sha256").asText();
        HttpResponse<byte[]> wasm = get(set.path("artifact").path("url").asText());
        assertEquals(200, wasm.statusCode());
        assertEquals(sha, Checksums.sha256Hex(wasm.body()));
        assertEquals("public, max-age=31536000, immutable", wasm.headers().firstValue("Cache-Control").orElse(""));
        assertEquals("application/wasm", wasm.headers().firstValue("Content-Type").orElse(""));
        assertEquals(List.of(), ArtifactValidator.problems(wasm.body()));
        ArtifactManifest manifest = ArtifactManifest.of(wasm.body());
        assertEquals(crate, manifest.crate());
        assertEquals(version, manifest.version());
        assertEquals(registry.crates().versions(crate).getFirst().cksum(), manifest.crateSha256());
        assertFalse(manifest.macros().isEmpty());
        if (crate.equals("serde_derive")) {
            assertEquals(List.of("Deserialize", "Serialize"), manifest.macros().stream().map(MacroDecl::name).sorted().toList());
        }

        // both build logs and the progress log are linked and served
        List<String> logNames = new ArrayList<>();
        for (JsonNode log : set.path("logs")) {
            logNames.add(log.path("build").asText());
            HttpResponse<byte[]> body = get(log.path("url").asText());
            assertEquals(200, body.statusCode());
            assertTrue(body.body().length > 0);
        }
        assertEquals(3, logNames.size(), logNames.toString());
        assertTrue(logNames.contains("progress"));
    }

    @Test
    void aBuildWhoseTwoRunsDifferIsRejectedAndNeverServed() throws Exception {
        Path data = tmp.resolve("data");
        try (Registry registry = Registry.start(RegistryConfig.loopback(data), PrecompileConfig.defaults())) {
            String token = token(registry, "alice", false);
            publish(registry, token, smallMacro(tmp, "baked-job-id", true));
            JsonNode set = awaitDefault(registry, "baked-job-id", "0.1.0", Duration.ofMinutes(5), PrecompileHarness::finished);
            assertEquals("rejected", set.path("state").asText(), set.toPrettyString());
            assertTrue(set.path("rejection").asText().startsWith("irreproducible: the two builds differ"), set.path("rejection").asText());
            assertTrue(set.path("last_error").asText().startsWith("irreproducible"));
            assertFalse(set.path("hashes_match").asBoolean());
            String a = set.path("builds").get(0).path("wasm_sha256").asText();
            String b = set.path("builds").get(1).path("wasm_sha256").asText();
            assertNotEquals(a, b);
            assertTrue(set.path("artifact").isMissingNode(), "no artifact is offered");
            for (String sha : List.of(a, b)) {
                assertEquals(404, get(registry.url() + "/api/v1/precompiled/" + sha + ".wasm").statusCode());
            }
            // nothing the store holds for it is served as an artifact: only its logs
            try (Stream<Path> blobs = Files.walk(data.resolve("precompiled/blobs"))) {
                for (Path blob : blobs.filter(Files::isRegularFile).filter(p -> !p.getParent().endsWith("tmp")).toList()) {
                    byte[] bytes = Files.readAllBytes(blob);
                    assertFalse(bytes.length >= 4 && bytes[0] == 0 && bytes[1] == 'a' && bytes[2] == 's' && bytes[3] == 'm',
                            "a wasm module was stored: " + blob);
                    assertEquals(404, get(registry.url() + "/api/v1/precompiled/" + blob.getFileName() + ".wasm").statusCode());
                }
            }
            // both modules are kept for forensics beside the job
            try (Stream<Path> kept = Files.walk(data.resolve("precompiled/work"))) {
                assertEquals(2, kept.filter(p -> p.toString().contains("/rejected/") && p.toString().endsWith(".wasm")).count());
            }
            // an admin retry builds it again, and it is rejected again (the difference is real)
            String admin = token(registry, "root", true);
            HttpResponse<String> retry = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(registry.url()
                    + "/api/v1/admin/precompile/jobs/" + set.path("job_id").asLong() + "/retry")).header("Authorization", admin)
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, retry.statusCode(), retry.body());
            JsonNode again = awaitDefault(registry, "baked-job-id", "0.1.0", Duration.ofMinutes(5),
                    s -> finished(s) && s.path("attempts").asInt() == 1 && !s.path("builds").get(0).path("wasm_sha256").asText().equals(a));
            assertEquals("rejected", again.path("state").asText());
        }
    }
}
