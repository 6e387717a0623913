package dev.sandcrate.registry.http;

import dev.sandcrate.registry.crates.PublishedVersions;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.eligibility.Eligibility;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.precompile.PrecompileConfig;
import dev.sandcrate.registry.precompile.PrecompileFixtures;
import dev.sandcrate.registry.precompile.PrecompileStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** {@code GET /metrics}: Prometheus text that a scraper parses, with counters that move as the registry is used. */
class MetricsTest {
    @TempDir
    Path tmp;
    Registry registry;
    String token;

    @BeforeEach
    void start() throws Exception {
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")).withAuthRequired(true), PrecompileConfig.embedded());
        token = PrecompileFixtures.token(registry, "alice", false);
    }

    @AfterEach
    void stop() {
        if (registry != null) registry.close();
    }

    String scrape() throws Exception {
        HttpResponse<String> r = PrecompileFixtures.send(registry, "GET", "/metrics", null, null);
        assertEquals(200, r.statusCode(), "no token needed, even with --auth-required: " + r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"));
        return r.body();
    }

    /** The value of the one sample whose name and labels contain every given part (0 if there is none). */
    static double value(String scrape, String name, String... labels) {
        double found = 0;
        int matches = 0;
        for (String line : scrape.lines().toList()) {
            if (line.startsWith("#") || !line.startsWith(name + "{") && !line.startsWith(name + " ")) continue;
            if (!List.of(labels).stream().allMatch(line::contains)) continue;
            found = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            matches++;
        }
        assertTrue(matches <= 1, "labels " + List.of(labels) + " pick one sample of " + name);
        return found;
    }

    @Test
    void countsRequestsPerRouteTemplateAndTheRegistrysOwnEvents() throws Exception {
        String before = scrape();
        for (String jvm : List.of("jvm_memory_used_bytes{", "jvm_threads_live_threads", "jvm_classes_loaded_classes", "process_cpu_usage", "process_uptime_seconds")) {
            assertTrue(before.contains(jvm), "JVM metric " + jvm);
        }
        assertEquals(0, value(before, "sandcrate_downloads_total"));

        PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "metered", "1.0.0", "", "pub fn f() {}\n"));
        for (int i = 0; i < 3; i++) {
            assertEquals(200, PrecompileFixtures.send(registry, "GET", "/index/me/te/metered", token, null).statusCode());
        }
        assertEquals(200, PrecompileFixtures.send(registry, "GET", "/api/v1/crates/metered/1.0.0/download", token, null).statusCode());
        assertEquals(404, PrecompileFixtures.send(registry, "GET", "/no/such/path", token, null).statusCode());

        String after = scrape();
        assertEquals(3, value(after, "http_server_requests_seconds_count", "route=\"/index/<path>\"", "status=\"200\"", "method=\"GET\""), after);
        assertEquals(1, value(after, "http_server_requests_seconds_count", "route=\"/api/v1/crates/{name}/{version}/download\"", "status=\"200\""));
        assertEquals(1, value(after, "http_server_requests_seconds_count", "route=\"/api/v1/crates/new\"", "status=\"200\""));
        assertEquals(1, value(after, "http_server_requests_seconds_count", "route=\"unmatched\"", "status=\"404\""));
        assertFalse(after.contains("metered"), "no raw paths or crate names in labels");
        assertTrue(value(after, "http_server_requests_seconds_bucket", "route=\"/index/<path>\"", "status=\"200\"", "le=\"+Inf\"") == 3,
                "a latency histogram per route");
        assertEquals(1, value(after, "sandcrate_index_changes_total", "change=\"published\""));
        assertEquals(1, value(after, "sandcrate_downloads_total"));
        double lookups = value(after, "sandcrate_index_lookups_total", "source=\"memory\"") + value(after, "sandcrate_index_lookups_total", "source=\"database\"");
        assertTrue(lookups >= 3, "index lookups counted: " + lookups);
        assertTrue(value(after, "sandcrate_index_lookups_total", "source=\"memory\"") >= 2, "repeated reads come from memory");
    }

    @Test
    void showsTheQueueDepthAndTimesBuildAttemptsByOutcome() throws Exception {
        PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "queued", "1.0.0", "", "pub fn f() {}\n"));
        PrecompileStore store = registry.precompile().store();
        PublishedVersions.VersionRef version = store.version("queued", "1.0.0").orElseThrow();
        store.upsertJob(version, FeatureSet.defaults(), "metrics-test-toolchain", "default", 0, Eligibility.of(List.of()), 3);
        store.upsertJob(version, new FeatureSet(false, List.of()), "metrics-test-toolchain", "request", 0, Eligibility.of(List.of()), 3);
        Thread.sleep(2_100); // the job counts are read at most every 2 s
        assertEquals(2, value(scrape(), "sandcrate_precompile_jobs", "state=\"queued\""));

        PrecompileStore.Job job = store.claim("metrics-test", "metrics-test-toolchain", 60_000).orElseThrow();
        Thread.sleep(20);
        assertTrue(store.fail(job.id(), "metrics-test", "the build broke", 1_000, null, false));
        String s = scrape();
        assertEquals(1, value(s, "sandcrate_precompile_builds_seconds_count", "outcome=\"retry\""), s);
        assertTrue(value(s, "sandcrate_precompile_builds_seconds_sum", "outcome=\"retry\"") > 0);
    }
}
