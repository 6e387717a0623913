package dev.sandcrate.precompile.eligibility;

import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.source.CrateSource;
import dev.sandcrate.precompile.source.UnpackedCrateFolderSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The eligibility rules on real crates packaged by Debian (none of them written for Sandcrate). */
class EligibilityAnalyzerTest {
    static final Path DEBIAN = Path.of("/usr/share/cargo/registry");
    static CrateSource debian;
    static EligibilityAnalyzer analyzer;

    @BeforeAll
    static void source() {
        debian = new UnpackedCrateFolderSource(DEBIAN);
        analyzer = new EligibilityAnalyzer(debian, Set.of("target_arch=\"wasm32\"", "target_os=\"unknown\"", "target_family=\"wasm\""));
    }

    static byte[] debianCrate(String folder) throws Exception {
        return CratePacker.pack(DEBIAN.resolve(folder)).bytes();
    }

    @Test
    void serdeDeriveIsEligibleWithItsBuildScriptFlagged() throws Exception {
        Eligibility e = analyzer.analyze(debianCrate("serde_derive-1.0.152"), FeatureSet.defaults(), Policy.none());
        assertTrue(e.eligible(), e.failures().toString());
        Eligibility.Check deps = check(e, Eligibility.DEPS_RESOLVE);
        assertTrue(deps.detail().contains("syn 1.0.107") && deps.detail().contains("proc-macro2 1.0.47")
                && deps.detail().contains("quote 1.0.21") && deps.detail().contains("unicode-ident"), deps.detail());
        assertEquals(Eligibility.Outcome.FLAG, check(e, Eligibility.BUILD_SCRIPT).outcome());
        assertEquals(Eligibility.Outcome.PASS, check(e, Eligibility.HOST_APIS).outcome());
    }

    @Test
    void constRandomMacroDependsOnAProcMacroAndUsesRandomness() throws Exception {
        Eligibility e = analyzer.analyze(debianCrate("const-random-macro-0.1.13"), FeatureSet.defaults(), Policy.none());
        assertFalse(e.eligible());
        assertTrue(check(e, Eligibility.NO_PROC_MACRO_DEPS).detail().contains("proc-macro-hack 0.5.19"), e.checks().toString());
        // randomness is flagged, not refused (rule 6): only the proc-macro dependency fails
        assertEquals(Eligibility.Outcome.FLAG, check(e, Eligibility.HOST_APIS).outcome());
        assertTrue(check(e, Eligibility.HOST_APIS).detail().contains("randomness"), check(e, Eligibility.HOST_APIS).detail());
        assertEquals(List.of(Eligibility.NO_PROC_MACRO_DEPS), e.failures().stream().map(f -> f.substring(0, f.indexOf(':'))).toList());

        // the allow list cannot lift the proc-macro dependency
        Eligibility allowed = analyzer.analyze(debianCrate("const-random-macro-0.1.13"), FeatureSet.defaults(),
                new Policy(List.of("const_random_macro"), List.of()));
        assertEquals(Eligibility.Outcome.FLAG, check(allowed, Eligibility.HOST_APIS).outcome());
        assertFalse(allowed.eligible());
        assertEquals(List.of(Eligibility.NO_PROC_MACRO_DEPS), allowed.failures().stream().map(f -> f.substring(0, f.indexOf(':'))).toList());
        assertTrue(check(allowed, Eligibility.NO_PROC_MACRO_DEPS).detail().contains("--precompile-native-dependency-macros"));

        // the operator's setting does: the dependency macros run natively inside the build sandbox, flagged
        Eligibility sandboxedNative = analyzer.analyze(debianCrate("const-random-macro-0.1.13"), FeatureSet.defaults(),
                Policy.none().withNativeDependencyMacros(true));
        assertTrue(sandboxedNative.eligible(), sandboxedNative.checks().toString());
        assertEquals(Eligibility.Outcome.FLAG, check(sandboxedNative, Eligibility.NO_PROC_MACRO_DEPS).outcome());
        assertTrue(check(sandboxedNative, Eligibility.NO_PROC_MACRO_DEPS).detail().contains("proc-macro-hack 0.5.19"));
        // and a deny still blocks
        assertFalse(analyzer.analyze(debianCrate("const-random-macro-0.1.13"), FeatureSet.defaults(),
                new Policy(List.of(), List.of("const-random-macro"), true)).eligible());
    }

    @Test
    void hostApiUseIsFlaggedNotRefusedAndTheDenyListStillBlocks() throws Exception {
        // paste 1.0.7 reads std::env (its env! segments): in the sandbox that call fails at expansion time
        Eligibility paste = analyzer.analyze(debianCrate("paste-1.0.7"), FeatureSet.defaults(), Policy.none());
        assertTrue(paste.eligible(), paste.failures().toString());
        assertEquals(Eligibility.Outcome.FLAG, check(paste, Eligibility.HOST_APIS).outcome());
        assertTrue(check(paste, Eligibility.HOST_APIS).detail().contains("std::env"), check(paste, Eligibility.HOST_APIS).detail());
        Eligibility denied = analyzer.analyze(debianCrate("paste-1.0.7"), FeatureSet.defaults(), new Policy(List.of(), List.of("paste")));
        assertFalse(denied.eligible());
        assertEquals(List.of(Eligibility.OPERATOR), denied.failures().stream().map(f -> f.substring(0, f.indexOf(':'))).toList());
    }

    @Test
    void denyListBlocksAnEligibleCrateAndUnknownFeaturesAreNamed() throws Exception {
        Eligibility denied = analyzer.analyze(debianCrate("thiserror-impl-1.0.38"), FeatureSet.defaults(),
                new Policy(List.of(), List.of("thiserror-impl@1.0.38")));
        assertFalse(denied.eligible());
        assertTrue(denied.failed(Eligibility.OPERATOR));
        assertTrue(analyzer.analyze(debianCrate("thiserror-impl-1.0.38"), FeatureSet.defaults(),
                new Policy(List.of(), List.of("thiserror-impl@9.9.9"))).eligible());

        Eligibility unknown = analyzer.analyze(debianCrate("thiserror-impl-1.0.38"), new FeatureSet(true, List.of("nope")), Policy.none());
        assertTrue(unknown.failed(Eligibility.FEATURES), unknown.checks().toString());
    }

    @Test
    void missingDependenciesAndNonMacrosAreReported(@TempDir Path empty, @TempDir Path dir) throws Exception {
        Eligibility e = new EligibilityAnalyzer(new UnpackedCrateFolderSource(empty), null)
                .analyze(debianCrate("serde_derive-1.0.152"), FeatureSet.defaults(), Policy.none());
        assertTrue(e.failed(Eligibility.DEPS_RESOLVE));
        assertTrue(check(e, Eligibility.DEPS_RESOLVE).detail().contains("syn 1.0.104 (needed by serde_derive 1.0.152): not in this registry"),
                check(e, Eligibility.DEPS_RESOLVE).detail());

        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("Cargo.toml"), "[package]\nname = \"plain\"\nversion = \"0.1.0\"\n");
        Files.writeString(dir.resolve("src/lib.rs"), "");
        Eligibility plain = analyzer.analyze(CratePacker.pack(dir).bytes(), FeatureSet.defaults(), Policy.none());
        assertTrue(plain.failed(Eligibility.PROC_MACRO));
        assertEquals(1, plain.checks().size());
    }

    @Test
    void optionalAndTargetSpecificDependenciesFollowFeaturesAndTheWasmTarget() throws Exception {
        // getrandom 0.2: libc only on unix targets, wasm-bindgen/js-sys only with feature "js"
        var root = dev.sandcrate.index.crate.CrateArchive.read(debianCrate("const-random-macro-0.1.13"),
                dev.sandcrate.index.crate.CrateLimits.DEFAULT).manifest().toIndexEntry("unused", null, null);
        DependencyGraph graph = DependencyGraph.resolve(root, FeatureSet.defaults(), debian,
                Set.of("target_arch=\"wasm32\"", "target_os=\"unknown\"", "target_family=\"wasm\""));
        List<String> names = graph.packages().stream().map(DependencyGraph.Package::name).toList();
        assertTrue(names.contains("getrandom") && names.contains("tiny-keccak") && names.contains("proc-macro-hack"), names.toString());
        assertFalse(names.contains("libc"), "libc is a cfg(unix) dependency of getrandom: " + names);
        assertTrue(graph.packages().stream().filter(p -> p.name().equals("tiny-keccak")).findFirst().orElseThrow().features().contains("sha3"));
    }

    @Test
    void artifactDependenciesAreRefusedWithTheReasonButDevOnesIgnored(@TempDir Path withBuildArtifact, @TempDir Path withDevArtifact) throws Exception {
        String macro = "[package]\nname = \"gen-macro\"\nversion = \"0.1.0\"\n[lib]\nproc-macro = true\n";
        Files.createDirectories(withBuildArtifact.resolve("src"));
        Files.writeString(withBuildArtifact.resolve("src/lib.rs"), "");
        Files.writeString(withBuildArtifact.resolve("Cargo.toml"), macro
                + "[build-dependencies.gen-tool]\nversion = \"0.1\"\nartifact = \"bin\"\ntarget = \"x86_64-unknown-linux-gnu\"\n");
        Eligibility e = analyzer.analyze(CratePacker.pack(withBuildArtifact).bytes(), FeatureSet.defaults(), Policy.none());
        assertFalse(e.eligible());
        assertEquals("needs gen-tool 0.1 (needed by gen-macro 0.1.0): an artifact dependency (artifact = bin, target = x86_64-unknown-linux-gnu);"
                        + " artifact dependencies need nightly cargo -Zbindeps, which the sandboxed wasm build does not use",
                check(e, Eligibility.NO_ARTIFACT_DEPS).detail());
        assertFalse(e.failed(Eligibility.DEPS_RESOLVE), "an artifact dependency is refused for what it is, not as unresolved");

        Files.createDirectories(withDevArtifact.resolve("src"));
        Files.writeString(withDevArtifact.resolve("src/lib.rs"), "");
        Files.writeString(withDevArtifact.resolve("Cargo.toml"), macro + "[dev-dependencies.gen-tool]\nversion = \"0.1\"\nartifact = \"bin\"\n");
        Eligibility dev = analyzer.analyze(CratePacker.pack(withDevArtifact).bytes(), FeatureSet.defaults(), Policy.none());
        assertTrue(dev.eligible(), dev.failures().toString());
        assertTrue(dev.checks().stream().noneMatch(c -> c.rule().equals(Eligibility.NO_ARTIFACT_DEPS)), dev.checks().toString());
    }

    private static Eligibility.Check check(Eligibility e, String rule) {
        return e.checks().stream().filter(c -> c.rule().equals(rule)).findFirst().orElseThrow(() -> new AssertionError("no check " + rule + " in " + e.checks()));
    }
}
