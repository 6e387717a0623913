package dev.sandcrate.e2e;

import dev.sandcrate.registry.crates.PublishedVersions;
import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.precompile.pipeline.BuildRecord;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.pipeline.MacroCrate;
import dev.sandcrate.precompile.pipeline.TestEnv;
import dev.sandcrate.precompile.eligibility.Eligibility;
import dev.sandcrate.precompile.toolchain.Toolchain;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.storage.BlobStorage;
import dev.sandcrate.registry.precompile.PrecompileConfig;
import dev.sandcrate.registry.precompile.JobState;
import dev.sandcrate.registry.precompile.PrecompileStore;
import dev.sandcrate.registry.view.RuntimeBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.sandcrate.e2e.ImportTest.count;
import static dev.sandcrate.e2e.ImportTest.sandcrate;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Carrying a registry into an air-gapped site: crates published over HTTP (one of them yanked) are exported with
 * {@code sandcrate export}, then a second export {@code --since} the first carries only a newer crate; both bundles
 * are imported into a fresh data dir, which then serves a project's existing Cargo.lock unchanged. A precompiled
 * macro travels too, and a consumer at the air-gapped site builds with it through that site's precompiled view.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ExportTest {
    @TempDir
    Path tmp;
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void exportedBundlesImportAtTheAirGappedSiteAndServeTheSameLockfile() throws Exception {
        Path site = tmp.resolve("connected");
        Path app = Cargo.project(tmp.resolve("app"), """
                [package]
                name = "app"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                serde_json = "1"
                """, Map.of("src/main.rs", "fn main() { println!(\"{}\", serde_json::json!({\"air\": \"gapped\"})); }\n"));
        String replace = "[source.crates-io]\nreplace-with = \"sandcrate\"\n";
        String lock;
        String yankedItoa;
        try (Registry registry = Registry.start(RegistryConfig.loopback(site))) {
            long id = registry.users().add("alice", false).id();
            String token = registry.tokens().create(id, "t", EnumSet.allOf(Scope.class), List.of(), null).secret();
            for (String name : List.of("serde", "itoa", "ryu")) publish(registry, token, CratePacker.pack(DebianCratesTest.debianFolder(name)));
            Cargo cargo = Cargo.withRegistry(tmp.resolve("home"), registry.sparseIndexUrl(), replace);
            Path first = tmp.resolve("first.tar");
            assertEquals(0, sandcrate("export", "--data-dir", site.toString(), "-o", first.toString()).exit());

            publish(registry, token, CratePacker.pack(DebianCratesTest.debianFolder("serde_json")));
            yankedItoa = registry.crates().versions("itoa").getFirst().num();
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/itoa/" + yankedItoa + "/yank"))
                    .header("Authorization", token).DELETE().build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            ImportTest.Cli second = sandcrate("export", "--data-dir", site.toString(), "-o", tmp.resolve("second.tar").toString(),
                    "--since", first.toString());
            assertEquals(0, second.exit(), second.out());
            assertTrue(second.out().contains("4 versions, 1 .crate files"), second.out());

            // the lockfile is made before the yank takes effect for resolution: unyank, lock, yank again
            http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/itoa/" + yankedItoa + "/unyank"))
                    .header("Authorization", token).PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("{\"air\":\"gapped\"}", cargo.ok(app, "run", "-q").output().strip());
            lock = Files.readString(app.resolve("Cargo.lock"));
        }

        Path gapped = tmp.resolve("air-gapped");
        ImportTest.Cli in1 = sandcrate("import", "--quiet", "--data-dir", gapped.toString(), tmp.resolve("first.tar").toString());
        assertEquals(0, in1.exit(), in1.out());
        assertEquals(3, count(in1.out(), "imported"));
        ImportTest.Cli in2 = sandcrate("import", "--quiet", "--data-dir", gapped.toString(), tmp.resolve("second.tar").toString());
        assertEquals(0, in2.exit(), in2.out());
        assertEquals(1, count(in2.out(), "imported"));
        assertEquals(3, count(in2.out(), "already present"));

        try (Registry registry = Registry.start(RegistryConfig.loopback(gapped))) {
            assertTrue(registry.crates().versions("itoa").getFirst().yanked(), "the yank travelled with the second bundle");
            Cargo cargo = Cargo.withRegistry(tmp.resolve("home-gapped"), registry.sparseIndexUrl(), replace);
            cargo.ok(app, "fetch", "--locked"); // a locked yanked version still resolves, as on crates.io
            assertEquals(lock, Files.readString(app.resolve("Cargo.lock")));
            HttpResponse<String> refs = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/git/index/info/refs?service=git-upload-pack"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, refs.statusCode());
            assertEquals("Yank itoa " + registry.crates().versions("itoa").getFirst().num(),
                    registry.gitIndex().repository().log(1).getFirst().message().lines().findFirst().orElseThrow(),
                    "crates imported while no server ran reach the git index when it is next served");
        }

        ImportTest.Cli bad = sandcrate("export", "--data-dir", tmp.resolve("nothing").toString(), "-o", tmp.resolve("x.tar").toString());
        assertEquals(2, bad.exit());
        assertFalse(Files.exists(tmp.resolve("x.tar")));
    }

    /**
     * A macro precompiled at the connected site travels in the bundle: the air-gapped site, which builds nothing itself
     * (no precompile workers), installs the artifact and a consumer there builds through its precompiled view with it.
     */
    @Test
    void aMacroPrecompiledAtTheConnectedSiteRunsAtTheAirGappedSite() throws Exception {
        Path connected = tmp.resolve("connected");
        CratePacker.PackedCrate paste = CratePacker.pack(DebianCratesTest.debianFolder("paste"));
        Files.write(tmp.resolve("paste.crate"), paste.bytes());
        assertEquals(0, sandcrate("import", "--quiet", "--data-dir", connected.toString(), tmp.resolve("paste.crate").toString()).exit());
        // its verified artifact, recorded as the connected site's worker records one; the bytes are the precompile
        // tests' cached build of exactly this .crate (the same Precompiler a worker runs), so no build runs here
        Path wasmFile = TestEnv.artifactFile(MacroCrate.of(paste.bytes()), FeatureSet.defaults(), TestEnv.debian());
        BuildRecord record = BuildRecord.read(wasmFile.resolveSibling(wasmFile.getFileName() + ".build.json"));
        byte[] wasm = Files.readAllBytes(wasmFile);
        try (Services s = Services.open(connected, DatabaseConfig.EMBEDDED, BlobStorage.LOCAL, Services.Publishing.NONE)) {
            PrecompileStore store = new PrecompileStore(s.database().jdbi());
            PublishedVersions.VersionRef version = store.version("paste", paste.version()).orElseThrow();
            var toolchain = record.manifest().toolchain();
            String toolchainId = Toolchain.identityHash(toolchain.rustc(), toolchain.cargo(), record.manifest().recipe().std());
            store.upsertJob(version, FeatureSet.defaults(), toolchainId, "default", 1, new Eligibility(true, List.of()), 1);
            PrecompileStore.Job job = store.claim("connected-worker", toolchainId, 60_000).orElseThrow();
            s.store(BlobStorage.Area.ARTIFACTS).put(wasm);
            assertTrue(store.finish(job.id(), "connected-worker", JobState.VERIFIED, record.artifactSha256(), (long) wasm.length,
                    PrecompileHarness.JSON.writeValueAsString(record), null, null));
        }
        Path bundle = tmp.resolve("mirror.tar");
        ImportTest.Cli export = sandcrate("export", "--data-dir", connected.toString(), "-o", bundle.toString());
        assertTrue(export.out().contains(", 1 artifacts"), export.out());

        Path gapped = tmp.resolve("air-gapped");
        ImportTest.Cli in = sandcrate("import", "--quiet", "--data-dir", gapped.toString(), bundle.toString());
        assertEquals(0, in.exit(), in.out());
        assertTrue(in.out().contains("precompiled artifacts: installed 1, already present 0, failed 0"), in.out());
        ImportTest.Cli own = sandcrate("import", "--quiet", "--no-artifacts", "--data-dir", tmp.resolve("builds-its-own").toString(), bundle.toString());
        assertEquals(0, own.exit(), own.out());
        assertTrue(own.out().contains("1 precompiled artifact(s) in the bundle were skipped"), own.out());

        try (Registry registry = Registry.start(RegistryConfig.loopback(gapped), PrecompileConfig.defaults().withWorkers(0))) {
            registry.precompiledView().serveRuntime(RuntimeBundle.of(PrecompileHarness.runtimeBundle()));
            Path home = PrecompileHarness.installRuntime(registry, tmp.resolve("home"));
            Path runtimeDir = Files.createDirectories(tmp.resolve("run"));
            Files.setPosixFilePermissions(runtimeDir, PosixFilePermissions.fromString("rwx------"));
            Path app = Cargo.project(tmp.resolve("pasted"), """
                    [package]
                    name = "pasted"
                    version = "0.1.0"
                    edition = "2021"

                    [dependencies]
                    paste = "1"
                    """, Map.of("src/main.rs", """
                    paste::paste! {
                        fn [<air_ gapped>]() -> &'static str { "expanded in the sandbox" }
                    }

                    fn main() { println!("{}", air_gapped()); }
                    """));
            Map<String, String> env = PrecompileHarness.cargoEnv(tmp.resolve("cargo-view"), "sparse+" + registry.url() + "/precompiled/index/",
                    home, runtimeDir);
            try {
                PrecompileHarness.Proc run = PrecompileHarness.cargoOk(app, env, "run", "-v");
                assertEquals("expanded in the sandbox", run.out().strip(), run.all());
                String shim = registry.precompiledView().shim("paste", paste.version()).orElseThrow().cksum();
                assertNotEquals(Checksums.sha256Hex(paste.bytes()), shim);
                assertTrue(Files.readString(app.resolve("Cargo.lock")).contains("checksum = \"" + shim + "\""), "cargo took the shim");
            } finally {
                PrecompileHarness.run(tmp, Map.of("HOME", home.toString()), home.resolve(".sandcrate/runtime/bin/sandcrate-runtime").toString(),
                        "stop", "--dir", runtimeDir.toString());
            }
            PrecompileStore.Job job = registry.precompile().store().jobsOf(
                    registry.precompile().store().version("paste", paste.version()).orElseThrow().id()).getFirst();
            assertEquals(List.of(JobState.VERIFIED, "bundle", record.artifactSha256(), 0),
                    List.of(job.state(), job.origin(), job.artifactSha256(), job.attempts()), "installed, never built here");
        }
    }

    private void publish(Registry registry, String token, CratePacker.PackedCrate packed) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/new"))
                .header("Authorization", token)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(DebianCratesTest.publishBody(packed))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }
}
