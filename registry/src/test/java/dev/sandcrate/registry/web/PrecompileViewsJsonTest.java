package dev.sandcrate.registry.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.registry.precompile.JobState;
import dev.sandcrate.registry.precompile.PrecompileAdmin;
import dev.sandcrate.registry.precompile.PrecompileStore;
import io.javalin.json.JavalinJackson;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The typed records the admin page and the admin API answer with serialize, through Javalin's JSON mapper, to the
 * bytes the maps they replaced gave (the maps are kept here as they were). Where the old code used {@code Map.of},
 * whose order is not defined, the JSON is compared as a tree.
 */
class PrecompileViewsJsonTest {
    private static final JavalinJackson JAVALIN = new JavalinJackson();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String json(Object o) {
        return JAVALIN.toJsonString(o, o.getClass());
    }

    static PrecompileStore.Job job(long id, JobState state, boolean finished) {
        long t = 1_700_000_000_000L + id;
        return new PrecompileStore.Job(id, 7, "serde_derive", "1.0.152", "default", FeatureSet.defaults(), "tc", "default", 2.5,
                state, null, finished ? 2 : 0, 3, t, finished ? null : "w1", finished ? null : t + 60_000,
                finished ? "it broke" : null, t, finished ? t + 1 : null, finished ? t + 2 : null,
                state == JobState.VERIFIED ? "ab".repeat(32) : null, state == JobState.VERIFIED ? 123L : null, null, null,
                finished ? null : t + 3, 4.0, finished ? null : "building", finished ? null : t + 4);
    }

    /** The admin page's job row as the map it was. */
    static Map<String, Object> oldRow(PrecompileStore.Job j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", j.id());
        m.put("crate", j.crate());
        m.put("version", j.num());
        m.put("features", j.featureKey());
        m.put("state", j.state());
        m.put("origin", j.origin());
        m.put("demand", j.demand());
        m.put("attempts", j.attempts());
        m.put("max_attempts", j.maxAttempts());
        m.put("reasons", j.checks() == null ? List.of() : j.checks().failures());
        m.put("last_error", j.lastError());
        m.put("artifact_sha256", j.artifactSha256());
        m.put("queued_at", Instant.ofEpochMilli(j.createdAt()).toString());
        m.put("finished_at", j.finishedAt() == null ? null : Instant.ofEpochMilli(j.finishedAt()).toString());
        m.put("started_at", j.startedAt() == null ? null : Instant.ofEpochMilli(j.startedAt()).toString());
        m.put("priority", j.priority());
        m.put("requested", j.requestedAt() != null);
        m.put("phase", j.phase());
        m.put("phase_at", j.phaseAt() == null ? null : Instant.ofEpochMilli(j.phaseAt()).toString());
        m.put("retryable", !List.of(JobState.INELIGIBLE, JobState.DENIED, JobState.VERIFIED, JobState.QUEUED, JobState.RUNNING).contains(j.state()));
        return m;
    }

    @Test
    void jobRowsAreByteForByteTheOldMaps() {
        for (JobState state : JobState.values()) {
            for (boolean finished : new boolean[]{false, true}) {
                PrecompileStore.Job j = job(11, state, finished);
                assertEquals(json(oldRow(j)), json(PrecompileViews.JobRow.of(j)), state + " " + finished);
            }
        }
    }

    @Test
    void statsToolchainsAndShimFailuresAreTheOldJson() throws Exception {
        Map<String, Long> byState = new TreeMap<>(Map.of("queued", 2L, "verified", 5L));
        for (String rustc : new String[]{"rustc 1.85.0", null}) {
            Map<String, Object> old = new LinkedHashMap<>();
            old.put("macro_versions", 3);
            old.put("eligible_versions", 2L);
            old.put("jobs_by_state", byState);
            old.put("toolchain", rustc);
            assertEquals(json(old), json(new PrecompileViews.Stats(3, 2L, byState, rustc)));
        }
        Map<String, Object> available = new LinkedHashMap<>();
        available.put("available", true);
        available.put("rustc", "rustc 1.85.0");
        assertEquals(json(available), json(new PrecompileViews.Toolchain(true, "rustc 1.85.0", null)));
        Map<String, Object> missing = new LinkedHashMap<>();
        missing.put("available", false);
        missing.put("problem", "no rustc");
        assertEquals(json(missing), json(new PrecompileViews.Toolchain(false, null, "no rustc")));
        String at = Instant.ofEpochMilli(1_700_000_000_000L).toString();
        assertEquals(JSON.readTree(json(Map.of("crate", "c", "version", "1.0.0", "error", "e", "at", at))),
                JSON.readTree(json(new PrecompileViews.ShimFailure("c", "1.0.0", "e", at))));
    }

    @Test
    void policyEntriesAreTheOldJson() throws Exception {
        String at = Instant.ofEpochMilli(1_700_000_000_000L).toString();
        // the admin API's entries were ordered maps: the same bytes
        Map<String, Object> fromCommandLine = new LinkedHashMap<>();
        fromCommandLine.put("entry", "foo");
        fromCommandLine.put("action", "allow");
        fromCommandLine.put("source", "command line");
        assertEquals(json(fromCommandLine), json(new PrecompileAdmin.PolicyListing("foo", "allow", "command line", null, null, null)));
        Map<String, Object> fromAdmin = new LinkedHashMap<>();
        fromAdmin.put("entry", "foo@1.0.0");
        fromAdmin.put("action", "deny");
        fromAdmin.put("source", "admin API");
        fromAdmin.put("by", "root");
        fromAdmin.put("at", at);
        assertEquals(json(fromAdmin), json(new PrecompileAdmin.PolicyListing("foo@1.0.0", "deny", "admin API", "root", at, null)));
        fromAdmin.put("reason", "expands differently");
        assertEquals(json(fromAdmin), json(new PrecompileAdmin.PolicyListing("foo@1.0.0", "deny", "admin API", "root", at, "expands differently")));
        // the admin page's were Map.of: the same members
        assertEquals(JSON.readTree(json(Map.of("entry", "foo@1.0.0", "action", "deny", "source", "admin", "by", "root", "at", at))),
                JSON.readTree(json(new PrecompileAdmin.PolicyListing("foo@1.0.0", "deny", "admin", "root", at, null))));
    }
}
