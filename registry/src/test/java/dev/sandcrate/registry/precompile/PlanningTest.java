package dev.sandcrate.registry.precompile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.eligibility.Eligibility;
import dev.sandcrate.precompile.eligibility.Policy;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Analysis and planning on publish, without building (no in-process workers): Debian's real macro crates published
 * out of order, dependents that request feature sets, ineligible crates with their reasons, consumer requests, and
 * the admin API.
 */
class PlanningTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;
    Registry registry;
    String token;
    String adminToken;

    @BeforeEach
    void start() throws Exception {
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")), PrecompileConfig.embedded());
        token = PrecompileFixtures.token(registry, "publisher", false);
        adminToken = PrecompileFixtures.token(registry, "operator", true);
    }

    @AfterEach
    void stop() {
        if (registry != null) registry.close();
    }

    Map<String, PrecompileStore.Job> jobs(String crate, String version) {
        var v = registry.precompile().store().version(crate, version).orElseThrow();
        return registry.precompile().store().jobsOf(v.id()).stream().collect(Collectors.toMap(PrecompileStore.Job::featureKey, Function.identity()));
    }

    JsonNode status(String crate, String version) throws Exception {
        HttpResponse<String> r = PrecompileFixtures.send(registry, "GET", "/api/v1/crates/" + crate + "/" + version + "/precompiled", null, null);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void aMacroPublishedBeforeItsDependenciesBecomesEligibleWhenTheyArrive() throws Exception {
        PrecompileFixtures.publishDebian(registry, token, "serde_derive-1.0.152");
        registry.precompile().planNow();
        PrecompileStore.Job waiting = jobs("serde_derive", "1.0.152").get("default");
        assertEquals(JobState.INELIGIBLE, waiting.state());
        assertTrue(waiting.checks().failed(Eligibility.DEPS_RESOLVE), waiting.checks().toString());
        JsonNode before = status("serde_derive", "1.0.152");
        assertFalse(before.path("analysis").path("eligible").asBoolean());
        assertTrue(before.path("feature_sets").get(0).path("reasons").get(0).asText().contains("syn 1.0.104 (needed by serde_derive 1.0.152): not in this registry"),
                before.toPrettyString());

        PrecompileFixtures.publishDebian(registry, token, "unicode-ident-1.0.0", "proc-macro2-1.0.47", "quote-1.0.21", "syn-1.0.107");
        registry.precompile().planNow();
        assertEquals(JobState.QUEUED, jobs("serde_derive", "1.0.152").get("default").state());
        JsonNode after = status("serde_derive", "1.0.152");
        assertTrue(after.path("analysis").path("eligible").asBoolean(), after.toPrettyString());
        assertEquals("queued", after.path("feature_sets").get(0).path("state").asText());
        assertTrue(after.path("toolchain").path("available").asBoolean());
        List<String> rules = new java.util.ArrayList<>();
        after.path("analysis").path("checks").forEach(c -> rules.add(c.path("rule").asText() + "=" + c.path("outcome").asText()));
        assertEquals(List.of("proc-macro=PASS", "dependencies-resolve=PASS", "no-proc-macro-dependencies=PASS", "build-script=FLAG", "host-apis=PASS"), rules);

        // no job for non-macro crates
        var syn = registry.precompile().store().version("syn", "1.0.107").orElseThrow();
        assertFalse(registry.precompile().store().analysis(syn.id()).orElseThrow().procMacro());
        assertTrue(registry.precompile().store().jobsOf(syn.id()).isEmpty());
    }

    @Test
    void featureSetsFollowWhatDependentsRequestThroughTheirOwnFeatures() throws Exception {
        PrecompileFixtures.publishDebian(registry, token, "unicode-ident-1.0.0", "proc-macro2-1.0.47", "quote-1.0.21", "syn-1.0.107",
                "serde_derive-1.0.152", "serde-1.0.152");
        // two users of serde's "derive" (default set of serde_derive) and one that wants deserialize_in_place
        PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "app-one", "0.1.0",
                "[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\n", ""));
        PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "in-place", "0.1.0",
                "[dependencies]\nserde_derive = { version = \"1.0.100\", features = [\"deserialize_in_place\"] }\n", ""));
        registry.precompile().planNow();
        Map<String, PrecompileStore.Job> jobs = jobs("serde_derive", "1.0.152");
        assertEquals(List.of("default", "default+deserialize_in_place"), jobs.keySet().stream().sorted().toList());
        assertEquals("dependents", jobs.get("default+deserialize_in_place").origin());
        assertEquals(JobState.QUEUED, jobs.get("default+deserialize_in_place").state());

        // N = 0 keeps only the default set for new versions; a consumer request adds one and records the miss
        HttpResponse<String> bad = PrecompileFixtures.send(registry, "POST", "/api/v1/crates/serde_derive/1.0.152/precompiled", null,
                "{\"features\":[\"no-such-feature\"]}");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("has no feature no-such-feature"), bad.body());
        assertEquals(400, PrecompileFixtures.send(registry, "POST", "/api/v1/crates/serde_derive/1.0.152/precompiled", null, "{\"features\":7}").statusCode());
        assertEquals(404, PrecompileFixtures.send(registry, "POST", "/api/v1/crates/serde_derive/9.9.9/precompiled", null, "{}").statusCode());
        HttpResponse<String> req = PrecompileFixtures.send(registry, "POST", "/api/v1/crates/serde_derive/1.0.152/precompiled", null,
                "{\"features\":[\"deserialize_in_place\"],\"default_features\":false}");
        assertEquals(202, req.statusCode(), req.body());
        assertEquals("no-default+deserialize_in_place", JSON.readTree(req.body()).path("key").asText());
        JsonNode s = status("serde_derive", "1.0.152");
        assertEquals(3, s.path("feature_sets").size());
        assertEquals(1, s.path("requests").get(0).path("misses").asLong());
        assertEquals("request", jobs("serde_derive", "1.0.152").get("no-default+deserialize_in_place").origin());

        // build order: the requested set first, then by dependent crates (serde, in-place) x (downloads + 1), then the rest
        Map<String, PrecompileStore.Job> planned = jobs("serde_derive", "1.0.152");
        assertEquals(2.0, planned.get("default").priority(), "serde and in-place depend on serde_derive, no downloads yet");
        assertNotNull(planned.get("no-default+deserialize_in_place").requestedAt());
        assertNull(planned.get("default").requestedAt());
        String admin = PrecompileFixtures.token(registry, "root", true);
        JsonNode queue = JSON.readTree(PrecompileFixtures.send(registry, "GET", "/api/v1/admin/precompile/jobs?state=queued", admin, null).body());
        assertEquals("no-default+deserialize_in_place", queue.path("jobs").get(0).path("key").asText(), queue.toPrettyString());
        assertEquals(2.0, queue.path("jobs").get(1).path("priority").asDouble(), queue.toPrettyString());
        assertEquals(3, queue.path("queue").path("queued").asLong(), queue.toPrettyString());
        assertTrue(queue.path("queue").path("eta_seconds").isNull(), "no job verified yet, so no estimate: " + queue.path("queue"));
        assertTrue(queue.path("jobs").get(0).has("phase"), queue.toPrettyString());
    }

    @Test
    void anOperatorCanLetDependencyMacrosRunNativelyInsideTheBuildSandbox() throws Exception {
        registry.close();
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data-native")),
                PrecompileConfig.embedded().withPolicy(Policy.none().withNativeDependencyMacros(true)));
        token = PrecompileFixtures.token(registry, "publisher", false);
        PrecompileFixtures.publishDebian(registry, token, "unicode-ident-1.0.0", "proc-macro2-1.0.47", "quote-1.0.21", "syn-1.0.107",
                "cfg-if-1.0.0", "getrandom-0.2.8", "lazy_static-1.4.0", "proc-macro-hack-0.5.19", "crunchy-0.2.2", "tiny-keccak-2.0.2",
                "const-random-macro-0.1.13");
        registry.precompile().planNow();
        PrecompileStore.Job constRandom = jobs("const-random-macro", "0.1.13").get("default");
        assertEquals(JobState.QUEUED, constRandom.state(), constRandom.checks().toString());
        Eligibility.Check deps = constRandom.checks().checks().stream()
                .filter(c -> c.rule().equals(Eligibility.NO_PROC_MACRO_DEPS)).findFirst().orElseThrow();
        assertEquals(Eligibility.Outcome.FLAG, deps.outcome());
        assertTrue(deps.detail().contains("proc-macro-hack 0.5.19") && deps.detail().contains("inside the build sandbox"), deps.detail());
    }

    @Test
    void ineligibleCratesAreReportedWithTheRightReasonAndOperatorsDecide() throws Exception {
        PrecompileFixtures.publishDebian(registry, token, "unicode-ident-1.0.0", "proc-macro2-1.0.47", "quote-1.0.21", "syn-1.0.107",
                "cfg-if-1.0.0", "getrandom-0.2.8", "lazy_static-1.4.0", "proc-macro-hack-0.5.19", "crunchy-0.2.2", "tiny-keccak-2.0.2",
                "const-random-macro-0.1.13");
        PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "reads-files", "0.1.0", "[lib]\nproc-macro = true\n", """
                use proc_macro::TokenStream;
                #[proc_macro]
                pub fn include_text(input: TokenStream) -> TokenStream {
                    let path = input.to_string();
                    let text = std::fs::read_to_string(path.trim_matches('"')).unwrap();
                    format!("{:?}", text).parse().unwrap()
                }
                """));
        registry.precompile().planNow();

        PrecompileStore.Job constRandom = jobs("const-random-macro", "0.1.13").get("default");
        assertEquals(JobState.INELIGIBLE, constRandom.state());
        assertTrue(constRandom.checks().failed(Eligibility.NO_PROC_MACRO_DEPS));
        assertTrue(constRandom.checks().failures().toString().contains("proc-macro-hack 0.5.19"), constRandom.checks().failures().toString());

        // host APIs are flagged, not refused (rule 6: in the sandbox std::fs fails at expansion time)
        PrecompileStore.Job readsFiles = jobs("reads-files", "0.1.0").get("default");
        assertEquals(JobState.QUEUED, readsFiles.state(), readsFiles.checks().toString());
        assertTrue(readsFiles.checks().failures().isEmpty(), readsFiles.checks().failures().toString());
        Eligibility.Check hostApis = readsFiles.checks().checks().stream().filter(c -> c.rule().equals(Eligibility.HOST_APIS)).findFirst().orElseThrow();
        assertEquals(Eligibility.Outcome.FLAG, hostApis.outcome());
        assertTrue(hostApis.detail().startsWith("uses std::fs in src/lib.rs"), hostApis.detail());
        JsonNode s = status("reads-files", "0.1.0");
        assertEquals("queued", s.path("feature_sets").get(0).path("state").asText());

        // admin endpoints need an admin's token; retrying an ineligible job is refused with the reason
        assertEquals(401, PrecompileFixtures.send(registry, "PUT", "/api/v1/admin/precompile/allow/reads-files", null, null).statusCode());
        assertEquals(403, PrecompileFixtures.send(registry, "PUT", "/api/v1/admin/precompile/allow/reads-files", token, null).statusCode());
        HttpResponse<String> retry = PrecompileFixtures.send(registry, "POST", "/api/v1/admin/precompile/jobs/" + constRandom.id() + "/retry", adminToken, null);
        assertEquals(409, retry.statusCode());
        assertTrue(retry.body().contains("ineligible"), retry.body());
        assertEquals(400, PrecompileFixtures.send(registry, "PUT", "/api/v1/admin/precompile/deny/bad%20name", adminToken, null).statusCode());

        assertEquals(200, PrecompileFixtures.send(registry, "PUT", "/api/v1/admin/precompile/allow/reads-files", adminToken, null).statusCode());
        registry.precompile().planNow();
        PrecompileStore.Job allowed = jobs("reads-files", "0.1.0").get("default");
        assertEquals(JobState.QUEUED, allowed.state(), allowed.checks().toString());
        assertTrue(allowed.checks().checks().stream().anyMatch(c -> c.rule().equals(Eligibility.HOST_APIS) && c.outcome() == Eligibility.Outcome.FLAG
                && c.detail().contains("allow list")));
        // allowing cannot lift a proc-macro dependency
        assertEquals(200, PrecompileFixtures.send(registry, "PUT", "/api/v1/admin/precompile/allow/const-random-macro", adminToken, null).statusCode());
        registry.precompile().planNow();
        assertEquals(JobState.INELIGIBLE, jobs("const-random-macro", "0.1.13").get("default").state());

        JsonNode queue = JSON.readTree(PrecompileFixtures.send(registry, "GET", "/api/v1/admin/precompile/jobs?state=ineligible", adminToken, null).body());
        assertEquals(List.of("const-random-macro"), queue.path("jobs").findValuesAsText("crate"), queue.toPrettyString());
        assertEquals(400, PrecompileFixtures.send(registry, "GET", "/api/v1/admin/precompile/jobs?state=bogus", adminToken, null).statusCode());
        assertEquals(403, PrecompileFixtures.send(registry, "GET", "/api/v1/admin/precompile/jobs", token, null).statusCode());

        // a reason must be plain text of a bounded size in a JSON object; nothing is denied when it is not
        String denyPath = "/api/v1/admin/precompile/deny/reads-files?version=0.1.0";
        for (String bad : List.of("not json", "[\"reason\"]", "{\"reason\": 42}", "{\"reason\": \"" + "x".repeat(2001) + "\"}",
                "{\"reason\": \"bell\\u0007\"}")) {
            HttpResponse<String> refused = PrecompileFixtures.send(registry, "PUT", denyPath, adminToken, bad);
            assertEquals(400, refused.statusCode(), bad + " -> " + refused.body());
            assertTrue(JSON.readTree(refused.body()).path("errors").get(0).path("detail").isTextual(), refused.body());
            assertEquals(JobState.QUEUED, jobs("reads-files", "0.1.0").get("default").state());
        }
        String evidence = "its shim fails at expansion on 2 of 2 call sites where the native macro succeeds (reads files)";
        HttpResponse<String> deny = PrecompileFixtures.send(registry, "PUT", denyPath, adminToken, "{\"reason\": \"" + evidence + "\"}");
        assertEquals(200, deny.statusCode(), deny.body());
        assertEquals(JobState.DENIED, jobs("reads-files", "0.1.0").get("default").state());
        registry.precompile().planNow();
        assertTrue(jobs("reads-files", "0.1.0").get("default").checks().failed(Eligibility.OPERATOR));
        JsonNode policy = JSON.readTree(PrecompileFixtures.send(registry, "GET", "/api/v1/admin/precompile/policy", adminToken, null).body());
        assertTrue(policy.toString().contains("\"entry\":\"reads-files@0.1.0\",\"action\":\"deny\""), policy.toString());
        assertTrue(policy.toString().contains("\"reason\":\"" + evidence + "\""), policy.toString());
        // the reason is what consumers see for the version the view serves from source
        JsonNode status = JSON.readTree(PrecompileFixtures.send(registry, "GET", "/api/v1/crates/reads-files/0.1.0/precompiled", null, null).body());
        assertEquals("source", status.path("shim").path("state").asText(), status.toPrettyString());
        assertTrue(status.path("shim").path("reason").asText().endsWith("is denied: denied by operator: " + evidence), status.toPrettyString());
        assertEquals(200, PrecompileFixtures.send(registry, "DELETE", "/api/v1/admin/precompile/policy/reads-files?version=0.1.0", adminToken, null).statusCode());
        registry.precompile().planNow();
        assertEquals(JobState.QUEUED, jobs("reads-files", "0.1.0").get("default").state(), "the crate-wide allow applies again");
    }

    @Test
    void unknownArtifactsAndLogsAreNotFound() throws Exception {
        assertEquals(404, PrecompileFixtures.send(registry, "GET", "/api/v1/precompiled/" + "a".repeat(64) + ".wasm", null, null).statusCode());
        assertEquals(404, PrecompileFixtures.send(registry, "GET", "/api/v1/precompiled/../../etc/passwd", null, null).statusCode());
        assertEquals(404, PrecompileFixtures.send(registry, "GET", "/api/v1/precompiled/logs/nothex", null, null).statusCode());
        assertEquals(404, PrecompileFixtures.send(registry, "GET", "/api/v1/crates/nope/1.0.0/precompiled", null, null).statusCode());
        assertEquals(FeatureSet.defaults().key(), "default");
    }
}
