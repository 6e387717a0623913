package dev.sandcrate.registry.mirror;

import dev.sandcrate.registry.crates.PublishedVersions;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.precompile.artifact.ArtifactManifest;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.eligibility.Eligibility;
import dev.sandcrate.precompile.toolchain.Toolchain;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.precompile.PrecompileFixtures;
import dev.sandcrate.registry.precompile.JobState;
import dev.sandcrate.registry.precompile.PrecompileStore;
import dev.sandcrate.registry.storage.BlobStorage;
import dev.sandcrate.registry.storage.S3MockServer;
import dev.sandcrate.registry.db.DatabaseConfig;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Precompiled artifacts carried in a bundle are installed at the receiving site, whose precompiled view then serves
 * them, with a real artifact (Debian's paste 1.0.7, the precompile tests' cached fixture) made verified at the
 * exporting site exactly as a worker would record it.
 */
class BundleArtifactsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CRATE = "paste", VERSION = "1.0.7";

    @TempDir
    Path tmp;
    PrecompileFixtures.BuiltArtifact built;
    String sha;
    String toolchain;
    Path bundle;

    @BeforeEach
    void exportFromTheConnectedSite() throws Exception {
        built = PrecompileFixtures.debianArtifact(CRATE + "-" + VERSION);
        sha = Checksums.sha256Hex(built.wasm());
        ArtifactManifest m = ArtifactManifest.of(built.wasm());
        toolchain = Toolchain.identityHash(m.toolchain().rustc(), m.toolchain().cargo(), m.recipe().std());
        try (Services connected = MirrorImportTest.open(tmp.resolve("connected"))) {
            Files.write(tmp.resolve("paste.crate"), built.crate().bytes());
            assertEquals(1, MirrorImportTest.importer(connected).importPath(tmp.resolve("paste.crate")).imported());
            // the precompile service's own path to a verified artifact: queued, claimed by a worker, finished
            PrecompileStore store = new PrecompileStore(connected.database().jdbi());
            PublishedVersions.VersionRef v = store.version(CRATE, VERSION).orElseThrow();
            store.upsertJob(v, FeatureSet.defaults(), toolchain, "default", 1, new Eligibility(true, List.of()), 1);
            var job = store.claim("worker", toolchain, 60_000).orElseThrow();
            connected.store(BlobStorage.Area.ARTIFACTS).put(built.wasm());
            assertTrue(store.finish(job.id(), "worker", JobState.VERIFIED, sha, (long) built.wasm().length,
                    JSON.writeValueAsString(built.record()), null, null));
            bundle = tmp.resolve("mirror.tar");
            assertEquals(1, MirrorBundle.export(connected.database().jdbi(), connected.crates(), connected.store(BlobStorage.Area.ARTIFACTS), bundle, null, "test").artifacts());
        }
    }

    @Test
    void installsOnceUpgradingAQueuedJobAndTheViewServesTheShimWithThatWasm() throws Exception {
        Path site = tmp.resolve("air-gapped");
        try (Services s = MirrorImportTest.open(site)) {
            CrateImporter.Summary skipped = importer(s, false).importPath(bundle);
            assertEquals(1, skipped.imported());
            assertEquals(1, skipped.artifactsSkipped(), skipped.describe());
            assertEquals(0, skipped.artifactsInstalled());
            assertTrue(skipped.describe().contains("--no-artifacts"), skipped.describe());
            PrecompileStore store = new PrecompileStore(s.database().jdbi());
            PublishedVersions.VersionRef v = store.version(CRATE, VERSION).orElseThrow();
            assertEquals(List.of(), store.jobsOf(v.id()), "--no-artifacts installs nothing");

            // this site queued its own build of the same key: the carried artifact takes its place
            store.upsertJob(v, FeatureSet.defaults(), toolchain, "default", 1, new Eligibility(true, List.of()), 3);
            CrateImporter.Summary installed = importer(s, true).importPath(bundle);
            assertEquals(List.of(), installed.failures(), installed.describe());
            assertEquals(1, installed.alreadyPresent());
            assertEquals(1, installed.artifactsInstalled(), installed.describe());
            assertTrue(installed.describe().contains("precompiled artifacts: installed 1, already present 0, failed 0"), installed.describe());

            CrateImporter.Summary again = importer(s, true).importPath(bundle);
            assertEquals(0, again.artifactsInstalled());
            assertEquals(1, again.artifactsPresent(), again.describe());
            assertEquals(List.of(), again.failures());
            PrecompileStore.Job job = store.jobsOf(v.id()).getFirst();
            assertEquals(1, store.jobsOf(v.id()).size());
            assertEquals(JobState.VERIFIED, job.state());
            assertEquals("bundle", job.origin());
            assertEquals(sha, job.artifactSha256());
            assertTrue(s.store(BlobStorage.Area.ARTIFACTS).exists(sha));
        }

        try (Registry registry = Registry.start(RegistryConfig.loopback(site))) {
            // this site's own analysis flags paste (std::env, a flag, not a refusal) and its planner records that on the
            // same job, but a verified row keeps its state and artifact
            registry.precompile().planNow();
            PrecompileStore.Job job = registry.precompile().store().jobsOf(registry.precompile().store().version(CRATE, VERSION).orElseThrow().id()).getFirst();
            assertTrue(job.checks().checks().stream().anyMatch(c -> c.rule().equals("host-apis")
                    && c.outcome() == dev.sandcrate.precompile.eligibility.Eligibility.Outcome.FLAG), "the planner has analysed it here: " + job.checks());
            assertEquals(JobState.VERIFIED, job.state());
            assertEquals(sha, job.artifactSha256());

            var shim = registry.precompiledView().shim(CRATE, VERSION).orElseThrow();
            assertEquals(List.of(sha), shim.artifacts());
            HttpResponse<byte[]> dl = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + "/precompiled/dl/paste/1.0.7")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, dl.statusCode());
            assertEquals(shim.cksum(), Checksums.sha256Hex(dl.body()));
            assertTrue(CrateArchive.read(dl.body(), CrateLimits.DEFAULT).manifest().procMacro());
            List<byte[]> wasm = new java.util.ArrayList<>();
            try (var tar = new TarArchiveInputStream(new GzipCompressorInputStream(new java.io.ByteArrayInputStream(dl.body())))) {
                for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    if (e.getName().endsWith(".wasm")) wasm.add(tar.readAllBytes());
                }
            }
            assertEquals(1, wasm.size());
            assertArrayEquals(built.wasm(), wasm.getFirst(), "the shim embeds the carried artifact");
        }
    }

    /**
     * The same on a site whose blobs are in an S3-compatible bucket (S3Mock): the carried artifact is installed as an
     * object under precompiled/, and the shim the view generates from it is stored under shims/ and downloads intact.
     */
    @Test
    void onABucketTheArtifactAndTheShimAreObjects() throws Exception {
        Path site = tmp.resolve("bucket-site");
        try (S3MockServer s3 = S3MockServer.start()) {
            BlobStorage storage = s3.storage("site");
            try (Services s = Services.open(site, DatabaseConfig.EMBEDDED, storage,
                    Services.Publishing.at(null, RegistryConfig.DEFAULT_MAX_UPLOAD, RegistryConfig.DEFAULT_MAX_UNPACKED))) {
                CrateImporter.Summary installed = importer(s, true).importPath(bundle);
                assertEquals(1, installed.artifactsInstalled(), installed.describe());
            }
            assertEquals(java.util.Set.of(sha), storage.open(site, BlobStorage.Area.ARTIFACTS).keys());
            assertEquals(1, storage.open(site, BlobStorage.Area.CRATES).keys().size());

            try (Registry registry = Registry.start(RegistryConfig.loopback(site).withBlobs(storage))) {
                var shim = registry.precompiledView().shim(CRATE, VERSION).orElseThrow();
                String supportCksum = Checksums.sha256Hex(dev.sandcrate.precompile.shim.ShimGenerator.support().bytes());
                assertEquals(java.util.Set.of(shim.cksum(), supportCksum), storage.open(site, BlobStorage.Area.SHIMS).keys(),
                        "the shim and the support crate it depends on");
                HttpResponse<byte[]> dl = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + "/precompiled/dl/paste/1.0.7")).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, dl.statusCode());
                assertEquals(shim.cksum(), Checksums.sha256Hex(dl.body()));
            }
            try (var files = Files.walk(site)) {
                assertEquals(List.of(), files.filter(f -> f.getFileName().toString().equals(sha)).toList(), "no artifact file in the data dir");
            }
        }
    }

    @Test
    void aTamperedWasmIsRefusedAndTheCratesStillImport() throws Exception {
        Path tampered = rewrite(bundle, (name, bytes) -> {
            if (name.endsWith(".wasm")) bytes[bytes.length / 2] ^= 0x01;
            return bytes;
        });
        try (Services s = MirrorImportTest.open(tmp.resolve("site"))) {
            CrateImporter.Summary r = importer(s, true).importPath(tampered);
            assertEquals(1, r.imported(), "a bad artifact never stops the crates");
            assertEquals(1, r.artifactsFailed(), r.describe());
            assertTrue(r.failures().getFirst().reason().contains("sha256"), r.describe());
            assertTrue(r.failures().getFirst().source().endsWith(sha + ".wasm"), r.describe());
            PrecompileStore store = new PrecompileStore(s.database().jdbi());
            assertEquals(List.of(), store.jobsOf(store.version(CRATE, VERSION).orElseThrow().id()));
        }
    }

    @Test
    void anArtifactOfAVersionThisRegistryLacksIsRefused() throws Exception {
        Path withoutCrate = rewrite(bundle, (name, bytes) -> name.startsWith("crates/") ? null : bytes);
        try (Services s = MirrorImportTest.open(tmp.resolve("site"))) {
            CrateImporter.Summary r = importer(s, true).importPath(withoutCrate);
            assertEquals(0, r.imported());
            assertEquals(1, r.artifactsFailed(), r.describe());
            assertTrue(r.failures().stream().anyMatch(f -> f.source().endsWith(".wasm") && f.reason().contains("paste 1.0.7 is not in this registry")),
                    r.describe());
        }
    }

    @Test
    void anIncrementalBundleCarriesAnArtifactBuiltAfterTheEarlierOne() throws Exception {
        Path earlier = rewrite(bundle, (name, bytes) -> name.startsWith("artifacts/") ? null : bytes); // made before the build
        Path incremental = tmp.resolve("incremental.tar");
        try (Services connected = MirrorImportTest.open(tmp.resolve("connected"))) {
            MirrorBundle.ExportSummary e = MirrorBundle.export(connected.database().jdbi(), connected.crates(), connected.store(BlobStorage.Area.ARTIFACTS),
                    incremental, earlier, "test");
            assertEquals(List.of(0, 1), List.of(e.crateFiles(), e.artifacts()));
            assertEquals(0, MirrorBundle.export(connected.database().jdbi(), connected.crates(), connected.store(BlobStorage.Area.ARTIFACTS),
                    tmp.resolve("next.tar"), incremental, "test").artifacts(), "the artifact is not carried twice");
        }
        try (Services s = MirrorImportTest.open(tmp.resolve("site"))) {
            assertEquals(1, importer(s, true).importPath(earlier).imported());
            CrateImporter.Summary r = importer(s, true).importPath(incremental);
            assertEquals(List.of(), r.failures(), r.describe());
            assertEquals(1, r.artifactsInstalled(), r.describe());
        }
    }

    @Test
    void anotherVerifiedArtifactForTheSameKeyIsNeverOverwritten() throws Exception {
        try (Services s = MirrorImportTest.open(tmp.resolve("site"))) {
            importer(s, false).importPath(bundle);
            PrecompileStore store = new PrecompileStore(s.database().jdbi());
            PublishedVersions.VersionRef v = store.version(CRATE, VERSION).orElseThrow();
            store.upsertJob(v, FeatureSet.defaults(), toolchain, "default", 1, new Eligibility(true, List.of()), 1);
            var job = store.claim("local-worker", toolchain, 60_000).orElseThrow();
            assertTrue(store.finish(job.id(), "local-worker", JobState.VERIFIED, "ab".repeat(32), 8L, "{}", null, null));

            CrateImporter.Summary r = importer(s, true).importPath(bundle);
            assertEquals(1, r.artifactsFailed(), r.describe());
            assertTrue(r.failures().getFirst().reason().contains("is verified with another artifact"), r.describe());
            assertEquals("ab".repeat(32), store.job(job.id()).orElseThrow().artifactSha256());
        }
    }

    private static CrateImporter importer(Services s, boolean artifacts) throws IOException {
        return new CrateImporter(s.database().jdbi(), s.crates(), CrateImporter.importerPrincipal(s.users(), "mirror-bot"),
                ImportProgress.silent(), artifacts ? s.store(BlobStorage.Area.ARTIFACTS) : null);
    }

    /** A copy of a bundle with each entry's bytes passed through {@code edit} (null drops the entry). */
    private Path rewrite(Path in, BiFunction<String, byte[], byte[]> edit) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (var tar = new TarArchiveInputStream(Files.newInputStream(in))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) entries.put(e.getName(), tar.readAllBytes());
        }
        Path out = tmp.resolve("edited-" + in.getFileName());
        try (var tar = new TarArchiveOutputStream(Files.newOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (var e : entries.entrySet()) {
                byte[] bytes = edit.apply(e.getKey(), e.getValue());
                if (bytes == null) continue;
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(bytes.length);
                tar.putArchiveEntry(entry);
                tar.write(bytes);
                tar.closeArchiveEntry();
            }
        }
        return out;
    }
}
