package dev.sandcrate.precompile.build;

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

    private static Precompiler precompiler(Path out) {
        return new Precompiler(TestEnv.toolchain(), TestEnv.sysroot(), out, BuildLimits.defaults(), TestEnv.LOG);
    }
}
