package dev.sandcrate.precompile.pipeline;

import dev.sandcrate.precompile.artifact.ArtifactManifest;
import dev.sandcrate.precompile.sandbox.BuildLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The verified dependency cache with real builds of Debian's thiserror-impl (syn 1, quote, proc-macro2,
 * unicode-ident, and sandcrate's bridge server and wire codec): the first job builds each dependency twice by itself
 * and stores it, its own builds then find them all fresh; a second job reuses them and produces the same bytes; a rebuild
 * from nothing compiles everything and reproduces the artifact bit for bit.
 */
class DependencyCacheTest {
    private static final MacroCrate THISERROR_IMPL = MacroCrate.load(TestEnv.DEBIAN_REGISTRY.resolve("thiserror-impl-1.0.38"));
    private static final List<String> DEPS = List.of("proc-macro2 1.0.47", "quote 1.0.21", "sandcrate-bridge-server 0.1.0",
            "sandcrate-wire 0.1.0", "syn 1.0.107", "unicode-ident 1.0.0");

    @Test
    void storesVerifiedDependenciesReusesThemAndRebuildsFromNothing(@TempDir Path tmp) throws Exception {
        DependencyCache.Store store = DependencyCache.folder(tmp.resolve("cache"));

        BuildRecord first = precompiler(tmp.resolve("first")).withDependencyCache(store)
                .precompile(THISERROR_IMPL, FeatureSet.defaults(), TestEnv.debian());
        assertTrue(first.verified(), first.rejection());
        assertEquals(List.of("unicode-ident 1.0.0", "proc-macro2 1.0.47", "quote 1.0.21", "sandcrate-wire 0.1.0", "sandcrate-bridge-server 0.1.0",
                "syn 1.0.107"), first.dependencyCache().stored(), "each dependency built twice by itself, after what it depends on: " + first.dependencyCache());
        assertEquals(DEPS, first.dependencyCache().reused(), "the job's own builds already find them fresh: " + first.dependencyCache());
        List<DependencyCache.Dependency> keys = first.manifest().dependencies();
        assertEquals(DEPS, keys.stream().map(DependencyCache.Dependency::label).toList());
        try (Stream<Path> entries = Files.list(tmp.resolve("cache"))) {
            assertEquals(keys.stream().map(d -> d.key() + ".tar.gz").sorted().toList(),
                    entries.map(p -> p.getFileName().toString()).sorted().toList(), "one entry per key named in the manifest");
        }

        BuildRecord second = precompiler(tmp.resolve("second")).withDependencyCache(store)
                .precompile(THISERROR_IMPL, FeatureSet.defaults(), TestEnv.debian());
        assertTrue(second.verified(), second.rejection());
        assertEquals(DEPS, second.dependencyCache().reused(), "cargo found every restored unit fresh: " + second.dependencyCache());
        assertEquals(List.of(), second.dependencyCache().stored());
        assertEquals(first.artifactSha256(), second.artifactSha256(), "with cached dependencies the artifact is the same bytes");
        // the macro crate and the harness are still compiled by both builds
        for (BuildRecord.BuildRun run : second.builds()) {
            String log = Files.readString(Path.of(run.log()));
            assertTrue(log.contains("\"fresh\":false") && log.contains("thiserror-impl@1.0.38"), run.id() + " compiled the macro crate");
            assertFalse(log.contains("Compiling syn") || log.contains("Compiling sandcrate-bridge-server"), run.id() + " compiled no dependency");
        }

        Path wasm = tmp.resolve("second").resolve(second.artifact());
        BuildRecord rebuilt = precompiler(tmp.resolve("rebuilt")).withDependencyCache(store)
                .rebuild(ArtifactManifest.of(Files.readAllBytes(wasm)), TestEnv.debian());
        assertTrue(rebuilt.verified(), rebuilt.rejection());
        assertNull(rebuilt.dependencyCache(), "a rebuild never uses the cache");
        for (BuildRecord.BuildRun run : rebuilt.builds()) {
            assertTrue(Files.readString(Path.of(run.log())).contains("Compiling syn v1.0.107"), run.id() + " compiled syn from source");
        }
        assertEquals(second.artifactSha256(), rebuilt.artifactSha256(), "from nothing, bit for bit");
    }

    /**
     * A job whose build script overwrites the dependencies restored into its build folder changes nothing in the cache:
     * entries come only from each dependency's own double build, and the next job reuses them and produces the same
     * artifact as with a cache of its own.
     */
    @Test
    void aBuildScriptOverwritingRestoredDependenciesDoesNotReachTheCache(@TempDir Path tmp) throws Exception {
        DependencyCache.Store store = DependencyCache.folder(tmp.resolve("cache"));
        MacroCrate hostile = MacroCrate.load(TestEnv.TEST_CRATES.resolve("sandcrate-hostile-build"));
        try {
            precompiler(tmp.resolve("hostile")).withDependencyCache(store)
                    .precompile(hostile, new FeatureSet(true, List.of("poison-dependencies")), TestEnv.debian());
        } catch (dev.sandcrate.precompile.PrecompileException e) {
            TestEnv.LOG.step("the poisoned job failed: " + e.getMessage().lines().findFirst().orElse(""));
        }
        String logs;
        try (Stream<Path> files = Files.walk(tmp.resolve("hostile"))) {
            logs = files.filter(p -> p.toString().endsWith(".log")).map(p -> {
                try {
                    return Files.readString(p);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).collect(java.util.stream.Collectors.joining("\n"));
        }
        assertTrue(logs.contains("poisoned ") && logs.contains("libsandcrate_wire"), "the build script reached the restored rlibs");
        java.util.Map<String, String> entries = entryHashes(tmp.resolve("cache"));
        assertFalse(entries.isEmpty(), "the job stored its dependencies first");

        MacroCrate clean = MacroCrate.load(TestEnv.TEST_CRATES.resolve("sandcrate-test-macros"));
        BuildRecord reusing = precompiler(tmp.resolve("reusing")).withDependencyCache(store).precompile(clean, FeatureSet.defaults(), TestEnv.debian());
        assertTrue(reusing.verified(), reusing.rejection());
        assertTrue(reusing.dependencyCache().reused().containsAll(List.of("sandcrate-bridge-server 0.1.0", "sandcrate-wire 0.1.0")), "" + reusing.dependencyCache());
        BuildRecord own = precompiler(tmp.resolve("own")).withDependencyCache(DependencyCache.folder(tmp.resolve("own-cache")))
                .precompile(clean, FeatureSet.defaults(), TestEnv.debian());
        assertTrue(own.verified(), own.rejection());
        assertEquals(own.artifactSha256(), reusing.artifactSha256(), "the shared cache gave the same artifact as a cache of its own");
        assertEquals(entries, entryHashes(tmp.resolve("cache")), "no entry changed");
    }

    private static java.util.Map<String, String> entryHashes(Path cache) throws Exception {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        try (Stream<Path> entries = Files.list(cache)) {
            for (Path p : entries.toList()) out.put(p.getFileName().toString(), dev.sandcrate.index.Checksums.sha256Hex(p));
        }
        return out;
    }

    private static Precompiler precompiler(Path out) {
        return new Precompiler(TestEnv.toolchain(), TestEnv.sysroot(), out, BuildLimits.defaults(), TestEnv.LOG);
    }
}
