package dev.sandcrate.registry.precompile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.http.ApiJson;
import dev.sandcrate.registry.http.IndexResponses;
import io.javalin.json.JavalinJackson;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The records that replaced hand-built maps write, through Javalin's JSON mapper, the bytes the maps gave (the maps are
 * built here as the old code built them): keys, order, nulls written, and keys left out where the old code left them
 * out.
 */
class PrecompileJsonTest {
    private static final JavalinJackson JAVALIN = new JavalinJackson();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String json(Object o) {
        return JAVALIN.toJsonString(o, o.getClass());
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }

    private static PrecompileJson.Job job(PrecompileJson.Artifact artifact, PrecompileJson.BuildRecord build, Long prepareMs) {
        return new PrecompileJson.Job("default", true, List.of("derive"), JobState.QUEUED, "request", 2.5, 7, true, List.of(),
                List.of(), "tc", 1, 3, null, 4.0, "2026-12-05T10:00:00Z", null, null, artifact, build,
                new PrecompileJson.Timings("2026-12-05T09:00:00Z", null, null, prepareMs), List.of());
    }

    private static Map<String, Object> jobMap(boolean verified, boolean built) {
        Map<String, Object> m = ordered("key", "default", "default_features", true, "features", List.of("derive"), "state", JobState.QUEUED,
                "origin", "request", "demand", 2.5, "job_id", 7L, "eligible", true, "reasons", List.of(), "checks", List.of(),
                "toolchain_id", "tc", "attempts", 1, "max_attempts", 3, "last_error", null, "priority", 4.0,
                "requested_at", "2026-12-05T10:00:00Z", "phase", null, "phase_at", null);
        if (verified) m.put("artifact", ordered("sha256", "ab", "size", 12L, "url", "http://r/api/v1/precompiled/ab.wasm"));
        Map<String, Object> timings = ordered("queued_at", "2026-12-05T09:00:00Z", "started_at", null, "finished_at", null);
        if (built) {
            m.putAll(ordered("crate_sha256", "cd", "toolchain", JSON.createObjectNode(), "recipe", JSON.createObjectNode(),
                    "macros", JSON.createArrayNode(), "lockfile_sha256", null, "lockfile", null, "rejection", null,
                    "dependencies", JSON.createArrayNode(), "dependency_cache", JSON.createObjectNode(), "flags", JSON.createArrayNode(),
                    "patches", JSON.createArrayNode(),
                    "builds", List.of(ordered("id", "a", "jobs", 2, "wasm_sha256", "ab", "wasm_bytes", 12L, "duration_ms", 5L)),
                    "hashes_match", false));
            timings.put("prepare_ms", 9L);
        }
        m.put("timings", timings);
        m.put("logs", List.of());
        return m;
    }

    @Test
    void aJobWritesTheKeysItsStateHasInTheOrderTheyHadAsAMap() {
        assertEquals(json(jobMap(false, false)), json(job(null, null, null)));
        JsonNode empty = JSON.createObjectNode();
        PrecompileJson.BuildRecord build = new PrecompileJson.BuildRecord("cd", empty, empty, JSON.createArrayNode(), null, null, null,
                JSON.createArrayNode(), empty, JSON.createArrayNode(), JSON.createArrayNode(),
                List.of(new PrecompileJson.Build("a", 2, "ab", 12, 5)), false);
        PrecompileJson.Artifact artifact = new PrecompileJson.Artifact("ab", 12L, "http://r/api/v1/precompiled/ab.wasm");
        assertEquals(json(jobMap(true, true)), json(job(artifact, build, 9L)));

        // the admin list puts crate and version first and the lease owner last
        Map<String, Object> listed = ordered("crate", "serde_derive", "version", "1.0.152");
        listed.putAll(jobMap(false, false));
        listed.put("lease_owner", "w1");
        assertEquals(json(listed), json(new PrecompileJson.ListedJob("serde_derive", "1.0.152", job(null, null, null), "w1")));
    }

    @Test
    void aVerifiedBuiltJobIsWrittenExactlyAsTheApiAlwaysWroteIt() {
        JsonNode empty = JSON.createObjectNode();
        PrecompileJson.BuildRecord build = new PrecompileJson.BuildRecord("cd", empty, empty, JSON.createArrayNode(), "ef", "[[package]]",
                null, JSON.createArrayNode(), empty, JSON.createArrayNode(), JSON.createArrayNode(),
                List.of(new PrecompileJson.Build("a", 2, "ab", 12, 5), new PrecompileJson.Build("b", 1, "ab", 12, 6)), true);
        PrecompileJson.Job job = new PrecompileJson.Job("default", true, List.of(), JobState.VERIFIED, "request", 1.0, 7, true,
                List.of(), List.of(), "tc", 1, 3, null, 0.0, null, "done", "2026-12-05T10:00:00Z",
                new PrecompileJson.Artifact("ab", 12L, "http://r/api/v1/precompiled/ab.wasm"), build,
                new PrecompileJson.Timings("2026-12-05T09:00:00Z", "2026-12-05T09:30:00Z", "2026-12-05T10:00:00Z", 9L),
                List.of(new PrecompileJson.Log("a", "http://r/api/v1/precompiled/logs/11")));
        String expected = "{\"key\":\"default\",\"default_features\":true,\"features\":[],\"state\":\"verified\",\"origin\":\"request\","
                + "\"demand\":1.0,\"job_id\":7,\"eligible\":true,\"reasons\":[],\"checks\":[],\"toolchain_id\":\"tc\",\"attempts\":1,"
                + "\"max_attempts\":3,\"last_error\":null,\"priority\":0.0,\"requested_at\":null,\"phase\":\"done\","
                + "\"phase_at\":\"2026-12-05T10:00:00Z\","
                + "\"artifact\":{\"sha256\":\"ab\",\"size\":12,\"url\":\"http://r/api/v1/precompiled/ab.wasm\"},"
                + "\"crate_sha256\":\"cd\",\"toolchain\":{},\"recipe\":{},\"macros\":[],\"lockfile_sha256\":\"ef\","
                + "\"lockfile\":\"[[package]]\",\"rejection\":null,\"dependencies\":[],\"dependency_cache\":{},\"flags\":[],"
                + "\"patches\":[],\"builds\":[{\"id\":\"a\",\"jobs\":2,\"wasm_sha256\":\"ab\",\"wasm_bytes\":12,\"duration_ms\":5},"
                + "{\"id\":\"b\",\"jobs\":1,\"wasm_sha256\":\"ab\",\"wasm_bytes\":12,\"duration_ms\":6}],\"hashes_match\":true,"
                + "\"timings\":{\"queued_at\":\"2026-12-05T09:00:00Z\",\"started_at\":\"2026-12-05T09:30:00Z\","
                + "\"finished_at\":\"2026-12-05T10:00:00Z\",\"prepare_ms\":9},"
                + "\"logs\":[{\"build\":\"a\",\"url\":\"http://r/api/v1/precompiled/logs/11\"}]}";
        assertEquals(expected, json(job));
        assertEquals("{\"crate\":\"serde_derive\",\"version\":\"1.0.152\"," + expected.substring(1, expected.length() - 1)
                + ",\"lease_owner\":null}", json(new PrecompileJson.ListedJob("serde_derive", "1.0.152", job, null)));
    }

    @Test
    void aBuildRecordMissingManifestFieldsWritesThemAsTheMapDid() throws Exception {
        // an old or partial record: path() gives MissingNode for what is not there
        JsonNode record = JSON.readTree("{\"builds\":[]}");
        JsonNode manifest = record.path("manifest");
        PrecompileJson.BuildRecord build = new PrecompileJson.BuildRecord(manifest.path("crateSha256").asText(null), manifest.path("toolchain"),
                manifest.path("recipe"), manifest.path("macros"), null, null, null, manifest.path("dependencies"),
                record.path("dependencyCache"), record.path("flags"), record.path("patches"), List.of(), false);
        Map<String, Object> old = ordered("crate_sha256", null, "toolchain", manifest.path("toolchain"), "recipe", manifest.path("recipe"),
                "macros", manifest.path("macros"), "lockfile_sha256", null, "lockfile", null, "rejection", null,
                "dependencies", manifest.path("dependencies"), "dependency_cache", record.path("dependencyCache"),
                "flags", record.path("flags"), "patches", record.path("patches"), "builds", List.of(), "hashes_match", false);
        assertEquals(json(old), json(build));
    }

    @Test
    void theToolchainNamesItsIdentityOrItsProblem() {
        assertEquals(json(ordered("available", true, "id", "h", "rustc", "rustc 1.96")),
                json(new PrecompileJson.Toolchain.Available("h", "rustc 1.96")));
        assertEquals(json(ordered("available", false, "problem", "no rustc")), json(new PrecompileJson.Toolchain.Missing("no rustc")));
        // as the status answer declares it (the interface): the record's own keys, nothing more
        assertEquals("{\"available\":false,\"problem\":null}",
                JAVALIN.toJsonString(new PrecompileJson.Toolchain.Missing(null), PrecompileJson.Toolchain.class));
    }

    @Test
    void theQueueAndPolicyAnswers() {
        assertEquals("{\"queued\":3,\"due\":2,\"running\":1,\"average_job_seconds\":null,\"eta_seconds\":null,"
                + "\"dependency_cache\":{\"entries\":4,\"bytes\":5}}",
                json(new PrecompileJson.Queue(3, 2, 1, null, null, new PrecompileJson.DependencyCache(4, 5))));
        assertEquals("{\"queued\":0,\"due\":0,\"running\":0,\"average_job_seconds\":1.5,\"eta_seconds\":7,"
                + "\"dependency_cache\":{\"entries\":0,\"bytes\":0}}",
                json(new PrecompileJson.Queue(0, 0, 0, 1.5, 7L, new PrecompileJson.DependencyCache(0, 0))));
        // PolicyListing leaves out what an entry does not have (the command line's have no author or time)
        assertEquals("{\"entries\":[{\"entry\":\"deny foo\",\"action\":\"deny\",\"source\":\"admin API\",\"by\":\"alice\"}]}",
                json(new PrecompileJson.Policy(List.of(new PrecompileAdmin.PolicyListing("deny foo", "deny", "admin API", "alice", null, null)))));
    }

    @Test
    void sharedAnswersAndConfigJsonKeepTheirBytes() throws Exception {
        assertEquals("{\"ok\":true}", json(ApiJson.Ok.OK));
        assertEquals("{\"ok\":true,\"msg\":\"done\"}", json(new ApiJson.OkMessage("done")));
        assertEquals("{\"errors\":[{\"detail\":\"a\"},{\"detail\":\"b\"}]}", json(ApiJson.Errors.of(List.of("a", "b"))));
        for (boolean authRequired : new boolean[] {false, true}) {
            Map<String, Object> old = ordered("dl", "http://r/api/v1/crates", "api", "http://r", "auth-required", authRequired);
            IndexResponses.ConfigJson config = new IndexResponses.ConfigJson("http://r/api/v1/crates", "http://r", authRequired);
            assertEquals(JSON.valueToTree(old).toString(), JSON.writeValueAsString(config));
            // the git index commits the pretty-printed form: a change would be a new commit on every replica
            assertEquals(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(old), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        }
        assertEquals("{\"dl\":\"http://r/api/v1/crates\",\"api\":\"http://r\",\"auth-required\":true}",
                JSON.writeValueAsString(new IndexResponses.ConfigJson("http://r/api/v1/crates", "http://r", true)));
        assertEquals("{\n  \"dl\" : \"http://r/api/v1/crates\",\n  \"api\" : \"http://r\",\n  \"auth-required\" : false\n}",
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(new IndexResponses.ConfigJson("http://r/api/v1/crates", "http://r", false)));
    }
}
