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
    void theToolchainNamesItsIdentityOrItsProblem() {
        assertEquals(json(ordered("available", true, "id", "h", "rustc", "rustc 1.96")),
                json(new PrecompileJson.Toolchain(true, "h", "rustc 1.96", null)));
        assertEquals(json(ordered("available", false, "problem", "no rustc")), json(new PrecompileJson.Toolchain(false, null, null, "no rustc")));
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
    }
}
