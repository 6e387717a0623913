package dev.sandcrate.registry.mirror;

import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.storage.BlobStorage;
import dev.sandcrate.registry.auth.Principal;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MirrorImportTest {
    @TempDir
    Path tmp;
    Services registry;
    CrateImporter importer;

    @BeforeEach
    void open() throws IOException {
        registry = open(tmp.resolve("data"));
        importer = importer(registry);
    }

    @AfterEach
    void close() {
        registry.close();
    }

    static Services open(Path dataDir) throws IOException {
        return Services.open(dataDir, DatabaseConfig.EMBEDDED, BlobStorage.LOCAL,
                Services.Publishing.at(null, RegistryConfig.DEFAULT_MAX_UPLOAD, RegistryConfig.DEFAULT_MAX_UNPACKED));
    }

    static CrateImporter importer(Services s) throws IOException {
        Principal who = CrateImporter.importerPrincipal(s.users(), "mirror-bot");
        return new CrateImporter(s.database().jdbi(), s.crates(), who, ImportProgress.silent(), s.store(BlobStorage.Area.ARTIFACTS));
    }

    Path folder(String name, String version, String extraToml) throws IOException {
        Path dir = tmp.resolve("src/" + name + "-" + version);
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("Cargo.toml"), "[package]\nname = \"" + name + "\"\nversion = \"" + version + "\"\n" + extraToml);
        Files.writeString(dir.resolve("src/lib.rs"), "pub fn " + name.replace('-', '_') + "() {}\n");
        return dir;
    }

    @Test
    void importsCrateFilesByteForByteAndFoldersDeterministicallyAndIsIdempotent() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in/nested"));
        byte[] alpha = CratePacker.pack(folder("alpha", "1.0.0", "")).bytes();
        // a .crate that our packer would not produce (different mtime order): it must be kept exactly as given
        byte[] alphaOdd = withTrailingGarbageFreeReorder(alpha);
        Files.write(in.resolve("alpha-1.0.0.crate"), alphaOdd);
        Path vendored = folder("beta", "0.2.0", "[dependencies]\nalpha = \"1\"\n");
        Files.writeString(vendored.resolve(".cargo-checksum.json"), "{\"package\":\"" + "ab".repeat(32) + "\",\"files\":{}}");
        Files.move(vendored, tmp.resolve("in/beta-0.2.0"));

        CrateImporter.Summary first = importer.importPath(tmp.resolve("in"));
        assertEquals(2, first.imported(), first.describe());
        assertEquals(List.of(), first.failures());
        assertEquals(1, first.repacked(), "beta's original checksum differs from the repacked one");
        assertArrayEquals(alphaOdd, registry.crates().crateBytes("alpha", "1.0.0").orElseThrow());
        assertEquals(Checksums.sha256Hex(alphaOdd), registry.crates().versions("alpha").getFirst().cksum());
        assertEquals("https://github.com/rust-lang/crates.io-index",
                registry.crates().versions("beta").getFirst().entry().deps().getFirst().registry(),
                "dependencies of imported crates stay crates.io dependencies (served here through source replacement)");

        CrateImporter.Summary again = importer.importPath(tmp.resolve("in"));
        assertEquals(0, again.imported());
        assertEquals(2, again.alreadyPresent());
        assertEquals(1, registry.crates().versions("beta").size());

        var audit = registry.database().jdbi().withHandle(h -> h.createQuery("""
                        SELECT u.login || ' ' || m.kind || ' ' || COALESCE(m.original_cksum, '-') FROM mirror_imported_versions m
                        JOIN versions v ON v.id = m.version_id JOIN users u ON u.id = v.published_by ORDER BY v.id""")
                .mapTo(String.class).list());
        assertEquals(List.of("mirror-bot folder " + "ab".repeat(32), "mirror-bot crate-file -"), audit); // in path order
        var runs = registry.database().jdbi().withHandle(h -> h.createQuery(
                "SELECT imported || '/' || already_present || '/' || failed FROM mirror_import_runs ORDER BY id").mapTo(String.class).list());
        assertEquals(List.of("2/0/0", "0/2/0"), runs);
    }

    /** The same files in a different tar order: valid, but not what CratePacker writes. */
    private byte[] withTrailingGarbageFreeReorder(byte[] crate) throws IOException {
        var entries = new java.util.ArrayList<Object[]>();
        try (var tar = new TarArchiveInputStream(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(crate)))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) entries.add(new Object[]{e.getName(), tar.readAllBytes()});
        }
        java.util.Collections.reverse(entries);
        var out = new java.io.ByteArrayOutputStream();
        try (var tar = new TarArchiveOutputStream(new java.util.zip.GZIPOutputStream(out))) {
            for (Object[] e : entries) {
                TarArchiveEntry te = new TarArchiveEntry((String) e[0]);
                te.setSize(((byte[]) e[1]).length);
                te.setModTime(1_700_000_000_000L);
                tar.putArchiveEntry(te);
                tar.write((byte[]) e[1]);
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    @Test
    void aDifferentCrateUnderAnExistingVersionAndBrokenCratesFailWithoutLeavingAnything() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.write(in.resolve("a.crate"), CratePacker.pack(folder("gamma", "1.0.0", "")).bytes());
        assertEquals(1, importer.importPath(in).imported());

        Path second = Files.createDirectories(tmp.resolve("in2"));
        Files.write(second.resolve("a.crate"), CratePacker.pack(folder("gamma", "1.0.0", "description = \"changed\"\n")).bytes());
        Files.write(second.resolve("broken.crate"), new byte[]{0x1f, (byte) 0x8b, 1, 2, 3});
        long blobsBefore = countBlobs();
        CrateImporter.Summary s = importer.importPath(second);
        assertEquals(0, s.imported());
        assertEquals(2, s.failures().size(), s.describe());
        assertTrue(s.failures().get(0).reason().contains("already exists with different contents"), s.describe());
        assertTrue(s.failures().get(1).reason().contains("invalid .crate"), s.describe());
        assertEquals(blobsBefore, countBlobs(), "a refused import stores nothing");
        assertEquals(1, registry.crates().versions("gamma").size());
    }

    private long countBlobs() throws IOException {
        try (var walk = Files.walk(tmp.resolve("data/blobs"))) {
            return walk.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void rejectsPathsWithNothingToImport() throws Exception {
        Files.createDirectories(tmp.resolve("empty"));
        var e = assertThrows(IllegalArgumentException.class, () -> importer.importPath(tmp.resolve("empty")));
        assertTrue(e.getMessage().contains("holds no .crate files"), e.getMessage());
        Files.writeString(tmp.resolve("notes.txt"), "hello");
        e = assertThrows(IllegalArgumentException.class, () -> importer.importPath(tmp.resolve("notes.txt")));
        assertTrue(e.getMessage().contains("neither a .crate file nor a sandcrate bundle"), e.getMessage());
    }

    @Test
    void bundleCarriesCratesIndexAndYankedFlagsAndIncrementalBundlesCarryOnlyNewCrates() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        for (String v : List.of("1.0.0", "1.1.0")) Files.write(in.resolve("d-" + v + ".crate"), CratePacker.pack(folder("delta", v, "")).bytes());
        importer.importPath(in);
        Principal bot = CrateImporter.importerPrincipal(registry.users(), "mirror-bot");
        registry.crates().setYanked(bot, "delta", "1.0.0", true);
        Path full = tmp.resolve("full.tar");
        MirrorBundle.ExportSummary exported = MirrorBundle.export(registry.database().jdbi(), registry.crates(), artifacts(), full, null, "test");
        assertEquals(2, exported.crateFiles());

        Files.write(tmp.resolve("in-later.crate"), CratePacker.pack(folder("delta", "1.2.0", "")).bytes());
        importer.importPath(tmp.resolve("in-later.crate"));
        Path incremental = tmp.resolve("incr.tar");
        MirrorBundle.ExportSummary incr = MirrorBundle.export(registry.database().jdbi(), registry.crates(), artifacts(), incremental, full, "test");
        assertEquals(3, incr.versions());
        assertEquals(1, incr.crateFiles());

        try (Services site = open(tmp.resolve("air-gapped"))) {
            CrateImporter there = importer(site);
            CrateImporter.Summary early = there.importPath(incremental);
            assertEquals(1, early.imported());
            assertEquals(2, early.failures().size(), "the incremental bundle alone lacks 1.0.0 and 1.1.0");
            assertTrue(early.failures().getFirst().reason().contains("import the bundle it was made --since first"), early.describe());

            CrateImporter.Summary base = there.importPath(full);
            assertEquals(2, base.imported(), base.describe());
            assertEquals(List.of(), base.failures());
            CrateImporter.Summary rest = there.importPath(incremental);
            assertEquals(3, rest.alreadyPresent(), rest.describe());
            assertEquals(List.of(), rest.failures());
            for (var v : registry.crates().versions("delta")) {
                var mirrored = site.crates().versions("delta").stream().filter(m -> m.num().equals(v.num())).findFirst().orElseThrow();
                assertEquals(v.cksum(), mirrored.cksum());
                assertEquals(v.yanked(), mirrored.yanked(), v.num());
            }
            assertTrue(site.crates().versions("delta").stream().filter(v -> v.num().equals("1.0.0")).findFirst().orElseThrow().yanked());
        }
    }

    @Test
    void aDamagedBundleEntryIsRefused() throws Exception {
        Files.write(tmp.resolve("e.crate"), CratePacker.pack(folder("epsilon", "1.0.0", "")).bytes());
        importer.importPath(tmp.resolve("e.crate"));
        Path bundle = tmp.resolve("b.tar");
        MirrorBundle.export(registry.database().jdbi(), registry.crates(), artifacts(), bundle, null, "test");
        // flip one byte inside the .crate entry's data
        byte[] raw = Files.readAllBytes(bundle);
        int at = indexOf(raw, "crates/epsilon/epsilon-1.0.0.crate".getBytes()) + 512 + 100;
        raw[at] ^= 0x55;
        Files.write(bundle, raw);
        try (Services site = open(tmp.resolve("site"))) {
            CrateImporter.Summary s = importer(site).importPath(bundle);
            assertEquals(0, s.imported());
            assertTrue(s.failures().getFirst().reason().contains("sha256 does not match"), s.describe());
            assertTrue(site.crates().versions("epsilon").isEmpty());
        }
    }

    private dev.sandcrate.registry.storage.LocalBlobStore artifacts() throws IOException {
        return new dev.sandcrate.registry.storage.LocalBlobStore(tmp.resolve("data/precompiled/blobs"));
    }

    @Test
    void bundlesCarryVerifiedArtifactsWithTheirManifests() throws Exception {
        Files.write(tmp.resolve("m.crate"), CratePacker.pack(folder("zeta-macro", "1.0.0", "[lib]\nproc-macro = true\n")).bytes());
        importer.importPath(tmp.resolve("m.crate"));
        // the precompile service's own path to a verified artifact: job queued, claimed by a worker, finished
        var store = new dev.sandcrate.registry.precompile.PrecompileStore(registry.database().jdbi());
        var version = store.version("zeta-macro", "1.0.0").orElseThrow();
        var eligible = new dev.sandcrate.precompile.eligibility.Eligibility(true, List.of());
        store.upsertJob(version, dev.sandcrate.precompile.pipeline.FeatureSet.defaults(), "toolchain-x", "default", 1, eligible, 1);
        var job = store.claim("worker-1", "toolchain-x", 60_000).orElseThrow();
        byte[] wasm = {0, 'a', 's', 'm', 1, 0, 0, 0};
        String sha = artifacts().put(wasm);
        assertTrue(store.finish(job.id(), "worker-1", dev.sandcrate.registry.precompile.JobState.VERIFIED, sha, (long) wasm.length, "{\"builds\":2}", null, null));

        Path bundle = tmp.resolve("with-artifacts.tar");
        MirrorBundle.ExportSummary summary = MirrorBundle.export(registry.database().jdbi(), registry.crates(), artifacts(), bundle, null, "test");
        assertEquals(1, summary.artifacts());
        java.util.Map<String, byte[]> entries = new java.util.HashMap<>();
        try (var tar = new TarArchiveInputStream(Files.newInputStream(bundle))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) entries.put(e.getName(), tar.readAllBytes());
        }
        assertArrayEquals(wasm, entries.get("artifacts/zeta-macro/1.0.0/" + sha + ".wasm"));
        String manifest = new String(entries.get("artifacts/zeta-macro/1.0.0/" + sha + ".json"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(manifest.contains("\"toolchain\" : \"toolchain-x\"") && manifest.contains("\"builds\" : 2"), manifest);

        assertEquals(0, MirrorBundle.export(registry.database().jdbi(), registry.crates(), artifacts(), tmp.resolve("incr.tar"), bundle, "test")
                .artifacts(), "an incremental bundle leaves out artifacts the earlier one carries");
        try (Services site = open(tmp.resolve("site"))) {
            CrateImporter.Summary s = importer(site).importPath(bundle);
            assertEquals(1, s.imported());
            assertEquals(1, s.artifactsFailed(), s.describe());
            assertTrue(s.failures().getFirst().reason().contains("not a sandcrate artifact"), s.describe());
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
