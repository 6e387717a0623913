package dev.sandcrate.registry.view;

import dev.sandcrate.registry.crates.PublishedVersions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.IndexPaths;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.precompile.artifact.ArtifactManifest;
import dev.sandcrate.precompile.artifact.WasmSections;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.shim.ShimGenerator;
import dev.sandcrate.precompile.source.MacroDecl;
import dev.sandcrate.runtime.shim.ShimSources;
import dev.sandcrate.registry.precompile.PrecompileFixtures;
import dev.sandcrate.registry.precompile.PrecompileStore;
import dev.sandcrate.registry.storage.BlobStorage;
import dev.sandcrate.registry.storage.BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The view over versions that have no verified artifact (here: a registry that plans but does not build), so
 * everything must be exactly the source index; shims themselves are covered end to end by ConsumerOptInTest.
 */
class PrecompiledViewTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void withoutVerifiedArtifactsTheViewIsTheSourceIndex() throws Exception {
        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")))) {
            registry.precompiledView().serveRuntime(RuntimeBundle.of(RuntimeBundleTest.bundle(tmp.resolve("bundle"), new byte[]{7})));
            String token = PrecompileFixtures.token(registry, "alice", false);
            PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "plain-lib", "1.0.0", "[features]\ndefault = [\"std\"]\nstd = []\n", "pub fn f() {}\n"));
            PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "plain-lib", "1.1.0", "", "pub fn f() {}\n"));
            PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "my-macro", "0.1.0", "[lib]\nproc-macro = true\n",
                    "use proc_macro::TokenStream;\n#[proc_macro]\npub fn id(i: TokenStream) -> TokenStream { i }\n"));

            for (String crate : List.of("plain-lib", "my-macro")) {
                HttpResponse<byte[]> source = get(registry.url() + "/index/" + IndexPaths.pathOf(crate), null);
                HttpResponse<byte[]> viewed = get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf(crate), null);
                assertEquals(200, viewed.statusCode());
                assertArrayEquals(source.body(), viewed.body(), crate);
                String etag = viewed.headers().firstValue("ETag").orElseThrow();
                assertEquals(304, get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf(crate), etag).statusCode());
                assertEquals(200, get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf(crate), "\"other\"").statusCode());
            }
            registry.precompile().planNow();
            PrecompileStore store = registry.precompile().store();
            long macroVersion = store.version("my-macro", "0.1.0").orElseThrow().id();
            assertNull(store.jobsOf(macroVersion).getFirst().requestedAt());
            assertArrayEquals(registry.crates().crateBytes("my-macro", "0.1.0").orElseThrow(),
                    get(registry.url() + "/precompiled/dl/my-macro/0.1.0", null).body(), "no artifact: the original .crate");
            assertNotNull(store.jobsOf(macroVersion).getFirst().requestedAt(), "a consumer downloaded its source through the view: built first");

            JsonNode config = JSON.readTree(get(registry.url() + "/precompiled/index/config.json", null).body());
            assertEquals(registry.url() + "/precompiled/dl/{crate}/{version}", config.path("dl").asText());
            assertEquals(registry.url(), config.path("api").asText());
            assertFalse(config.path("auth-required").asBoolean());

            HttpResponse<byte[]> noShim = get(registry.url() + "/api/v1/crates/my-macro/0.1.0/shim", null);
            assertEquals(404, noShim.statusCode());
            assertTrue(detail(noShim).contains("has no shim"), detail(noShim));
            assertEquals(404, get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf(ShimSources.SUPPORT_CRATE), null).statusCode(),
                    "no shim yet, so no support crate either");
            HttpResponse<byte[]> unknown = get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf("nope"), null);
            assertEquals(404, unknown.statusCode());
            assertEquals("crate `nope` does not exist", detail(unknown));
            assertEquals(404, get(registry.url() + "/precompiled/dl/plain-lib/9.0.0", null).statusCode());
            HttpResponse<byte[]> runtime = get(registry.url() + "/runtime/sandcrate-runtime-linux-x86_64.tar.gz", null);
            assertEquals(200, runtime.statusCode());
            assertArrayEquals(new byte[]{7}, runtime.body());
            HttpResponse<byte[]> otherArch = get(registry.url() + "/runtime/sandcrate-runtime-linux-riscv64.tar.gz", null);
            assertEquals(404, otherArch.statusCode());
            assertTrue(detail(otherArch).contains("this registry serves sandcrate-runtime-linux-x86_64.tar.gz"), detail(otherArch));
        }
    }

    /** A module carrying only a manifest (the view packages verified artifacts, it does not run them). */
    static byte[] manifestOnlyArtifact(String crate, String version, FeatureSet features) {
        ArtifactManifest manifest = new ArtifactManifest(ArtifactManifest.FORMAT, crate, version, "00".repeat(32), features,
                List.of(new MacroDecl(MacroDecl.BANG, "id", "id", List.of(), List.of())),
                new ArtifactManifest.ToolchainIdentity("rustc 1.96.0", "cargo 1.96.0", "11".repeat(32)), "22".repeat(32),
                new ArtifactManifest.Recipe(1, 1, 1, "33".repeat(32)), "# lockfile\n");
        return WasmSections.appendCustom(new byte[]{0, 'a', 's', 'm', 1, 0, 0, 0}, ArtifactManifest.SECTION, manifest.toJson());
    }

    /** Records {@code wasm} as the verified artifact of a feature set, as a worker or a mirror import does. */
    static String install(Registry registry, BlobStore artifacts, String crate, String version, FeatureSet features, byte[] wasm) throws Exception {
        String sha = artifacts.put(wasm);
        PublishedVersions.VersionRef v = registry.precompile().store().version(crate, version).orElseThrow();
        registry.precompile().store().installArtifact(v, features, "test-toolchain", "test", sha, wasm.length, "{}");
        return sha;
    }

    @Test
    void verifiedSetsOfOneEffectiveSetMakeOneShimAndAFailingShimIsReported() throws Exception {
        String macro = "[lib]\nproc-macro = true\n";
        String lib = "use proc_macro::TokenStream;\n#[proc_macro]\npub fn id(i: TokenStream) -> TokenStream { i }\n";
        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")))) {
            String token = PrecompileFixtures.token(registry, "alice", false);
            PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "nofeat-macro", "0.3.21", macro, lib));
            PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "broken-macro", "1.0.0", macro, lib));
            registry.precompile().planNow();
            BlobStore artifacts = BlobStorage.LOCAL.open(tmp.resolve("data"), BlobStorage.Area.ARTIFACTS);
            // verified before sets were normalised: "default" and "no-default" of a crate without features (futures-macro)
            String withDefaults = install(registry, artifacts, "nofeat-macro", "0.3.21", FeatureSet.defaults(),
                    manifestOnlyArtifact("nofeat-macro", "0.3.21", FeatureSet.defaults()));
            install(registry, artifacts, "nofeat-macro", "0.3.21", new FeatureSet(false, List.of()),
                    manifestOnlyArtifact("nofeat-macro", "0.3.21", new FeatureSet(false, List.of())));
            // a verified artifact whose manifest names another crate: generating the shim fails (a bug, reported)
            install(registry, artifacts, "broken-macro", "1.0.0", FeatureSet.defaults(),
                    manifestOnlyArtifact("other-macro", "1.0.0", FeatureSet.defaults()));

            JsonNode pending = JSON.readTree(get(registry.url() + "/api/v1/crates/nofeat-macro/0.3.21/precompiled", null).body()).path("shim");
            assertEquals("pending", pending.path("state").asText(), pending.toString());
            HttpResponse<byte[]> source = get(registry.url() + "/index/" + IndexPaths.pathOf("nofeat-macro"), null);
            HttpResponse<byte[]> viewed = get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf("nofeat-macro"), null);
            assertFalse(java.util.Arrays.equals(source.body(), viewed.body()), "the view serves the shim line");
            JsonNode shim = JSON.readTree(get(registry.url() + "/api/v1/crates/nofeat-macro/0.3.21/shim", null).body());
            assertEquals("[\"default\"]", shim.path("feature_sets").toString());
            assertEquals("[\"" + withDefaults + "\"]", shim.path("artifacts").toString());
            JsonNode served = JSON.readTree(get(registry.url() + "/api/v1/crates/nofeat-macro/0.3.21/precompiled", null).body()).path("shim");
            assertEquals("shim", served.path("state").asText());
            assertEquals(shim.path("cksum").asText(), served.path("cksum").asText());

            // the shim's one dependency, the support crate, comes from the view: stored with the first shim, served as stored
            JsonNode line = JSON.readTree(get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf("nofeat-macro"), null).body());
            assertEquals(1, line.path("deps").size(), line.toString());
            JsonNode dep = line.path("deps").get(0);
            assertEquals(ShimSources.SUPPORT_CRATE, dep.path("name").asText());
            assertEquals("=" + ShimSources.supportVersion(), dep.path("req").asText());
            assertTrue(dep.path("registry").isMissingNode(), "the same registry as the shim, whatever its URL: " + dep);
            JsonNode support = JSON.readTree(get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf(ShimSources.SUPPORT_CRATE), null).body());
            assertEquals(ShimSources.supportVersion(), support.path("vers").asText(), support.toString());
            assertEquals(0, support.path("deps").size());
            byte[] supportCrate = get(registry.url() + "/precompiled/dl/" + ShimSources.SUPPORT_CRATE + "/" + ShimSources.supportVersion(), null).body();
            assertArrayEquals(ShimGenerator.support().bytes(), supportCrate);
            assertEquals(support.path("cksum").asText(), java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(supportCrate)));
            assertEquals(404, get(registry.url() + "/precompiled/dl/" + ShimSources.SUPPORT_CRATE + "/0.0.1", null).statusCode());
            HttpResponse<String> taken = HTTP.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/new"))
                    .header("Authorization", token).PUT(HttpRequest.BodyPublishers.ofByteArray(
                            PrecompileFixtures.publishBody(PrecompileFixtures.crate(tmp, "sandcrate_shim", "9.0.0", "", "pub fn f() {}\n"))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, taken.statusCode(), taken.body());
            assertTrue(taken.body().contains("the crate name `sandcrate_shim` is reserved"), taken.body());

            // the broken one: the report says so before any view request (generated in memory only) and after
            JsonNode failed = JSON.readTree(get(registry.url() + "/api/v1/crates/broken-macro/1.0.0/precompiled", null).body()).path("shim");
            assertEquals("failed", failed.path("state").asText(), failed.toString());
            assertTrue(failed.path("error").asText().contains("artifact other-macro 1.0.0 [default] does not belong to broken-macro 1.0.0"), failed.toString());
            assertArrayEquals(get(registry.url() + "/index/" + IndexPaths.pathOf("broken-macro"), null).body(),
                    get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf("broken-macro"), null).body(), "source line");
            assertEquals(404, get(registry.url() + "/api/v1/crates/broken-macro/1.0.0/shim", null).statusCode());
            failed = JSON.readTree(get(registry.url() + "/api/v1/crates/broken-macro/1.0.0/precompiled", null).body()).path("shim");
            assertEquals("failed", failed.path("state").asText(), failed.toString());
            // what the admin page lists (/ui/api/admin/precompile, session-only)
            List<PrecompiledView.Failure> failures = registry.precompiledView().failures();
            assertEquals(List.of("broken-macro 1.0.0"), failures.stream().map(f -> f.crate() + " " + f.version()).toList());

            // a consumer's Cargo.lock: which macros come as shims, and which one brings syn back
            String lock = """
                    version = 4

                    [[package]]
                    name = "app"
                    version = "0.1.0"
                    dependencies = ["broken-macro", "nofeat-macro"]

                    [[package]]
                    name = "broken-macro"
                    version = "1.0.0"
                    source = "registry+https://github.com/rust-lang/crates.io-index"
                    checksum = "00"
                    dependencies = ["quote", "syn"]

                    [[package]]
                    name = "nofeat-macro"
                    version = "0.3.21"
                    source = "registry+https://github.com/rust-lang/crates.io-index"
                    dependencies = ["sandcrate-shim"]

                    [[package]]
                    name = "sandcrate-shim"
                    version = "0.1.0-h0123456789ab"
                    source = "registry+https://github.com/rust-lang/crates.io-index"

                    [[package]]
                    name = "syn"
                    version = "2.0.0"
                    source = "registry+https://github.com/rust-lang/crates.io-index"
                    """;
            HttpResponse<String> why = PrecompileFixtures.send(registry, "POST", "/api/v1/precompiled/why", null, lock);
            assertEquals(200, why.statusCode(), why.body());
            JsonNode report = JSON.readTree(why.body());
            assertEquals("broken-macro=failed, nofeat-macro=shim", String.join(", ", report.path("macros").findValuesAsText("name").stream()
                    .map(n -> n + "=" + report.path("macros").get(report.path("macros").findValuesAsText("name").indexOf(n)).path("state").asText()).toList()));
            assertEquals(1, report.path("syn_required_by").size(), report.toString());
            JsonNode requirer = report.path("syn_required_by").get(0);
            assertEquals("broken-macro", requirer.path("name").asText());
            assertEquals("quote, syn", requirer.path("requires").asText());
            assertTrue(requirer.path("why").asText().startsWith("proc macro from source: generating its shim fails"), requirer.toString());
            assertEquals("[\"syn 2.0.0\"]", report.path("unknown").toString(), "the shims' support crate is the view's own");
            assertTrue(report.path("text").asText().contains("broken-macro 1.0.0 (needs quote, syn)"), report.path("text").asText());
            // the consumer's command: finds Cargo.lock and the registry (the project's .cargo/config.toml) itself
            Path project = Files.createDirectories(tmp.resolve("project/src"));
            Files.writeString(tmp.resolve("project/Cargo.lock"), lock);
            Files.createDirectories(tmp.resolve("project/.cargo"));
            Files.writeString(tmp.resolve("project/.cargo/config.toml"), "[source.crates-io]\nreplace-with = \"sc\"\n\n"
                    + "[registries.sc]\nindex = \"sparse+" + registry.url() + "/precompiled/index/\"\n");
            java.io.StringWriter printed = new java.io.StringWriter();
            picocli.CommandLine cli = dev.sandcrate.runtime.cli.RuntimeCommand.commandLine();
            cli.setOut(new java.io.PrintWriter(printed));
            assertEquals(0, cli.execute("why", "--manifest-dir", project.toString()), printed.toString());
            assertTrue(printed.toString().contains("registry: " + registry.url() + "\n"), printed.toString());
            assertTrue(printed.toString().contains("proc-macro crates in Cargo.lock: 2 (1 as shims, 1 from source)"), printed.toString());
            assertTrue(printed.toString().contains("  broken-macro 1.0.0 (needs quote, syn): proc macro from source: generating its shim fails"),
                    printed.toString());
            java.io.StringWriter err = new java.io.StringWriter();
            cli.setErr(new java.io.PrintWriter(err));
            assertEquals(1, cli.execute("why", "--manifest-dir", tmp.resolve("data").toString()));
            assertTrue(err.toString().contains("no Cargo.lock in"), err.toString());

            HttpResponse<String> notALock = PrecompileFixtures.send(registry, "POST", "/api/v1/precompiled/why", null, "[package]\nname = 1\n");
            assertEquals(400, notALock.statusCode());
            assertTrue(notALock.body().contains("not a Cargo.lock"), notALock.body());
        }
    }

    @Test
    void anAuthRequiredRegistryGuardsItsViewToo() throws Exception {
        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")).withAuthRequired(true))) {
            String token = PrecompileFixtures.token(registry, "alice", false);
            PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "plain-lib", "1.0.0", "", "pub fn f() {}\n"));
            HttpResponse<byte[]> anonymous = get(registry.url() + "/precompiled/index/" + IndexPaths.pathOf("plain-lib"), null);
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Cargo login_url="));
            assertEquals(401, get(registry.url() + "/precompiled/dl/plain-lib/1.0.0", null).statusCode());
            HttpResponse<byte[]> withToken = HTTP.send(HttpRequest.newBuilder(URI.create(registry.url() + "/precompiled/index/" + IndexPaths.pathOf("plain-lib")))
                    .header("Authorization", token).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, withToken.statusCode());
            assertEquals(401, get(registry.url() + "/precompiled/index/config.json", null).statusCode());
            HttpResponse<byte[]> noRuntime = get(registry.url() + "/runtime/install.sh", null);
            assertEquals(404, noRuntime.statusCode(), "the installer is public, but none is configured");
            assertTrue(detail(noRuntime).contains(RuntimeBundle.ENV), detail(noRuntime));
        }
    }

    private static String detail(HttpResponse<byte[]> resp) throws Exception {
        return JSON.readTree(resp.body()).path("errors").get(0).path("detail").asText();
    }

    private static HttpResponse<byte[]> get(String url, String ifNoneMatch) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (ifNoneMatch != null) b.header("If-None-Match", ifNoneMatch);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
