package dev.sandcrate.precompile.pipeline;

import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.artifact.ArtifactManifest;
import dev.sandcrate.precompile.artifact.ArtifactValidator;
import dev.sandcrate.precompile.source.MacroDecl;
import dev.sandcrate.runtime.wire.Outcome;
import dev.sandcrate.runtime.wire.Request;
import dev.sandcrate.runtime.wire.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The whole pipeline on a small dependency-free macro crate: double build, verification, rejection, rebuild. */
class PipelineTest {
    private static final MacroCrate TEST_MACROS = MacroCrate.load(TestEnv.TEST_CRATES.resolve("sandcrate-test-macros"));

    @Test
    void buildsTwiceVerifiesEmbedsTheManifestAndRebuildsBitForBit(@TempDir Path out) throws Exception {
        List<String> steps = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        BuildRecord record = new Precompiler(TestEnv.toolchain(), TestEnv.sysroot(), out, dev.sandcrate.precompile.sandbox.BuildLimits.defaults(),
                m -> { steps.add(m); TestEnv.LOG.step(m); }).precompile(TEST_MACROS, FeatureSet.defaults(), TestEnv.debian());
        assertTrue(record.verified(), record.rejection());
        assertEquals(2, record.builds().size());
        if (Precompiler.concurrentBuilds()) {
            int firstDone = indexOf(steps, "done in");
            assertTrue(indexOf(steps, "build a-") < firstDone && indexOf(steps, "build b-") < firstDone,
                    "with 2+ cores both builds start before either ends: " + steps);
        }
        assertEquals(record.builds().get(0).wasmSha256(), record.builds().get(1).wasmSha256());
        assertNotEquals(record.builds().get(0).jobs(), record.builds().get(1).jobs(), "the builds differ in parallelism");
        byte[] wasm = Files.readAllBytes(out.resolve(record.artifact()));
        assertEquals(record.artifactSha256(), Checksums.sha256Hex(wasm));
        long workersBefore = engineWorkers();
        assertEquals(List.of(), ArtifactValidator.problems(wasm));
        assertEquals(workersBefore, engineWorkers(), "validation stops the engine worker it started");

        ArtifactManifest manifest = ArtifactManifest.of(wasm);
        assertEquals(List.of(new MacroDecl("bang", "shout", "shout", List.of(), List.of()),
                new MacroDecl("derive", "Describe", "describe", List.of(), List.of()),
                new MacroDecl("bang", "hashed", "hashed", List.of(), List.of())), manifest.macros(),
                "job_id is cfg'd out without its feature");

        // a manifest that names a macro the module does not dispatch is caught by validation
        var sections = dev.sandcrate.precompile.artifact.WasmSections.read(wasm);
        byte[] bare = java.util.Arrays.copyOf(wasm, sections.getLast().offset());
        List<MacroDecl> withGhost = new java.util.ArrayList<>(manifest.macros());
        withGhost.add(new MacroDecl("bang", "ghost", "ghost", List.of(), List.of()));
        ArtifactManifest lying = new ArtifactManifest(manifest.format(), manifest.crate(), manifest.version(), manifest.crateSha256(),
                manifest.features(), withGhost, manifest.toolchain(), manifest.lockfileSha256(), manifest.recipe(), manifest.lockfile());
        assertEquals(List.of("the module does not dispatch bang ghost named in its manifest"), ArtifactValidator.problems(
                dev.sandcrate.precompile.artifact.WasmSections.appendCustom(bare, ArtifactManifest.SECTION, lying.toJson())));
        assertEquals(Checksums.sha256Hex(manifest.lockfile()), manifest.lockfileSha256());
        assertTrue(manifest.toolchain().rustc().contains("release: 1.96"), manifest.toolchain().rustc());

        // the artifact runs: function-like macro keeps spans, the derive's panic comes back with its message
        SandboxedExpansion sandbox = new SandboxedExpansion(wasm);
        Response shout = sandbox.expand(Request.MacroKind.BANG, "shout", null, "let x = y + 1;");
        assertEquals("LET X = Y + 1 ;", dumpText(shout));
        assertEquals("1:5", SandboxedExpansion.location(shout, ((Outcome.Expanded) shout.outcome()).stream().get(1) instanceof
                dev.sandcrate.runtime.wire.TokenTree.Ident i ? i.span() : -1));
        Response panic = sandbox.expand(Request.MacroKind.DERIVE, "Describe", null, "enum E { A }");
        assertEquals("panicked: Describe supports structs only, but `E` is declared with `enum`", SandboxedExpansion.render(panic));

        // anyone can reproduce it from the .wasm alone
        Path again = out.resolve("rebuild");
        BuildRecord rebuilt = TestEnv.precompiler(again).rebuild(manifest, dev.sandcrate.precompile.source.CrateSources.layered(
                List.of(new dev.sandcrate.precompile.source.UnpackedCrateFolderSource(TestEnv.TEST_CRATES), TestEnv.debian())));
        assertTrue(rebuilt.verified(), rebuilt.rejection());
        assertArrayEquals(wasm, Files.readAllBytes(again.resolve(rebuilt.artifact())));
    }

    @Test
    void rejectsBuildsThatDependOnTheBuildEnvironmentAndPublishesNothing(@TempDir Path out) throws Exception {
        BuildRecord record = TestEnv.precompiler(out).precompile(TEST_MACROS, new FeatureSet(true, List.of("job-id")), TestEnv.debian());
        assertFalse(record.verified());
        assertNull(record.artifactSha256());
        assertTrue(record.rejection().startsWith("irreproducible"), record.rejection());
        assertTrue(record.rejection().contains("differs"), "a diff summary names the differing section: " + record.rejection());
        assertNotEquals(record.builds().get(0).wasmSha256(), record.builds().get(1).wasmSha256());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".wasm") || p.toString().endsWith(".build.json")).toList(),
                    "nothing is published as verified");
        }
        Path rejected;
        try (Stream<Path> dirs = Files.list(out.resolve("rejected"))) {
            rejected = dirs.findFirst().orElseThrow();
        }
        try (Stream<Path> kept = Files.list(rejected)) {
            assertEquals(2, kept.filter(p -> p.toString().endsWith(".wasm")).count(), "both modules are kept for forensics");
        }
        assertTrue(Files.readString(rejected.resolve("reason.txt")).contains("irreproducible"));
    }

    @Test
    void refusesCratesThatAreNotProcMacros() {
        PrecompileException e = assertThrows(PrecompileException.class,
                () -> MacroCrate.load(TestEnv.DEBIAN_REGISTRY.resolve("serde_json-1.0.87")));
        assertTrue(e.getMessage().contains("not a proc-macro crate"), e.getMessage());
    }

    @Test
    void namesDependenciesThatDoNotResolve(@TempDir Path out, @TempDir Path emptySource) {
        MacroCrate serdeDerive = MacroCrate.load(TestEnv.DEBIAN_REGISTRY.resolve("serde_derive-1.0.152"));
        PrecompileException e = assertThrows(PrecompileException.class, () -> TestEnv.precompiler(out)
                .precompile(serdeDerive, FeatureSet.defaults(), dev.sandcrate.precompile.source.CrateSources.open(emptySource)));
        assertTrue(e.getMessage().contains("do not resolve") && e.getMessage().contains("syn"), e.getMessage());
    }

    private static String dumpText(Response r) {
        return ((Outcome.Expanded) r.outcome()).stream().stream().map(t -> switch (t) {
            case dev.sandcrate.runtime.wire.TokenTree.Ident i -> i.name();
            case dev.sandcrate.runtime.wire.TokenTree.Punct p -> String.valueOf(p.ch());
            case dev.sandcrate.runtime.wire.TokenTree.Literal l -> l.text();
            case dev.sandcrate.runtime.wire.TokenTree.Group g -> "group";
        }).reduce((a, b) -> a + " " + b).orElse("");
    }

    private static int indexOf(List<String> steps, String text) {
        for (int i = 0; i < steps.size(); i++) if (steps.get(i).contains(text)) return i;
        return Integer.MAX_VALUE;
    }

    /** Engine worker processes (the default engine's Wasmtime runs in one) this JVM started and that still run. */
    private static long engineWorkers() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.isAlive() && p.info().commandLine().orElse("").contains("EngineWorker")).count();
    }
}
