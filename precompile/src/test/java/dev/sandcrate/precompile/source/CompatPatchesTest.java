package dev.sandcrate.precompile.source;

import dev.sandcrate.precompile.FileTrees;
import dev.sandcrate.precompile.PrecompileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CompatPatchesTest {
    private static final Path REGISTRY = Path.of("/usr/share/cargo/registry");

    @Test
    void patchesTheWasmGuardsOfOldTokenCrates(@TempDir Path tmp) throws Exception {
        for (String[] c : List.of(new String[]{"proc-macro2", "1.0.47"}, new String[]{"syn", "1.0.107"}, new String[]{"quote", "1.0.21"})) {
            Path dir = tmp.resolve(c[0]);
            FileTrees.copy(REGISTRY.resolve(c[0] + "-" + c[1]), dir, rel -> false);
            List<String> applied = CompatPatches.apply(c[0], c[1], dir);
            assertFalse(applied.isEmpty(), c[0]);
            try (var files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".rs")).toList()) {
                    String text = Files.readString(f);
                    assertFalse(text.contains("target.contains(\"wasm32\")") || text.contains("not(all(target_arch = \"wasm32\""),
                            f + " still switches proc_macro off on wasm32");
                }
            }
        }
    }

    @Test
    void patchesSynstructure012FromTheDebianCorpus(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("synstructure");
        FileTrees.copy(dev.sandcrate.precompile.pipeline.TestEnv.debianCorpus().resolve("synstructure-0.12.3"), dir, rel -> false);
        List<String> applied = CompatPatches.apply("synstructure", "0.12.3", dir);
        assertEquals(List.of("synstructure 0.12.3: src/lib.rs (3x wasm32 guard)", "synstructure 0.12.3: src/macros.rs (4x wasm32 guard)"), applied);
        assertFalse(Files.readString(dir.resolve("src/macros.rs")).contains("target_arch = \"wasm32\""));
        assertEquals(List.of(), CompatPatches.apply("synstructure", "0.13.1", dir), "0.13 is not claimed");
        assertEquals(List.of(), CompatPatches.apply("synstructure", "0.11.0", dir), "nor is 0.11");
    }

    @Test
    void getrandomCompilesForTheSandboxAndAlwaysFails(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("getrandom");
        FileTrees.copy(dev.sandcrate.precompile.pipeline.TestEnv.debianCorpus().resolve("getrandom-0.2.8"), dir, rel -> false);
        assertEquals(List.of("getrandom 0.2.8: src/lib.rs (1x wasm32 guard)"), CompatPatches.apply("getrandom", "0.2.8", dir));
        String lib = Files.readString(dir.resolve("src/lib.rs"));
        assertTrue(lib.contains("Err(crate::Error::UNSUPPORTED)"), "every call fails");
        assertFalse(lib.contains("compile_error!(\"the wasm32-unknown-unknown"), "the refusal is gone");
        Files.writeString(dir.resolve("src/lib.rs"), "// a version without the refusal");
        assertEquals(List.of(), CompatPatches.apply("getrandom", "0.2.15", dir), "optional: nothing to patch is not an error");
    }

    @Test
    void randSmallRngIsTheAlgorithmOf64BitHosts(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("rand");
        FileTrees.copy(dev.sandcrate.precompile.pipeline.TestEnv.debianCorpus().resolve("rand-0.8.5"), dir, rel -> false);
        assertEquals(List.of("rand 0.8.5: src/rngs/mod.rs (1x 64-bit SmallRng)", "rand 0.8.5: src/rngs/mod.rs (1x 64-bit SmallRng)",
                "rand 0.8.5: src/rngs/small.rs (1x 64-bit SmallRng)", "rand 0.8.5: src/rngs/small.rs (1x 64-bit SmallRng)"),
                CompatPatches.apply("rand", "0.8.5", dir));
        String small = Files.readString(dir.resolve("src/rngs/small.rs"));
        assertTrue(small.contains("#[cfg(all())]\ntype Rng = super::xoshiro256plusplus::Xoshiro256PlusPlus;"), small);
        assertFalse(small.contains("target_pointer_width"), small);
        String rngs = Files.readString(dir.resolve("src/rngs/mod.rs"));
        assertTrue(rngs.contains("#[cfg(feature = \"small_rng\")]\nmod xoshiro256plusplus;"), rngs);
        assertFalse(rngs.contains("target_pointer_width"), rngs);
        assertEquals(List.of(), CompatPatches.apply("rand", "0.9.0", dir), "0.9 is not claimed");
    }

    @Test
    void fastrandReadsStdsClockOnWasm32(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("fastrand");
        FileTrees.copy(dev.sandcrate.precompile.pipeline.TestEnv.debianCorpus().resolve("fastrand-1.8.0"), dir, rel -> false);
        assertEquals(List.of("fastrand 1.8.0: src/lib.rs (1x std clock on wasm32)"), CompatPatches.apply("fastrand", "1.8.0", dir));
        String lib = Files.readString(dir.resolve("src/lib.rs"));
        assertTrue(lib.contains("#[cfg(target_arch = \"wasm32\")]\nuse std::time::Instant;"), lib);
        assertFalse(lib.contains("instant::"), "Debian's fastrand has no instant dependency");
        assertEquals(List.of(), CompatPatches.apply("fastrand", "2.0.1", dir), "2.x is not claimed");
        Files.writeString(dir.resolve("src/lib.rs"), "// a version that does not use instant");
        assertEquals(List.of(), CompatPatches.apply("fastrand", "1.3.0", dir), "optional: nothing to patch is not an error");
    }

    @Test
    void leavesNewVersionsAndOtherCratesAlone(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("build.rs"), "fn main() { if target.contains(\"wasm32\") {} }");
        assertEquals(List.of(), CompatPatches.apply("proc-macro2", "1.0.59", tmp));
        assertEquals(List.of(), CompatPatches.apply("serde", "1.0.152", tmp));
        assertTrue(Files.readString(tmp.resolve("build.rs")).contains("wasm32"));
    }

    @Test
    void failsLoudlyWhenAnOldVersionLacksTheExpectedGuard(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("build.rs"), "fn main() {}");
        PrecompileException e = assertThrows(PrecompileException.class, () -> CompatPatches.apply("proc-macro2", "1.0.30", tmp));
        assertTrue(e.getMessage().contains("proc-macro2 1.0.30"), e.getMessage());
    }
}
