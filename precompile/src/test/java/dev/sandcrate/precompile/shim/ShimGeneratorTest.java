package dev.sandcrate.precompile.shim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateContents;
import dev.sandcrate.index.crate.CrateEntry;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.index.crate.CrateManifest;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.artifact.ArtifactManifest;
import dev.sandcrate.precompile.artifact.WasmSections;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.source.MacroDecl;
import dev.sandcrate.runtime.shim.ShimSources;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShimGeneratorTest {

    private static final byte[] CARGO_TOML = """
            [package]
            name = "demo_derive"
            version = "1.2.3"
            edition = "2018"
            license = "MIT"

            [lib]
            proc-macro = true

            [dependencies]
            proc-macro2 = "1"
            quote = { version = "1", optional = true }
            syn = { version = "2", optional = true }

            [features]
            default = ["std"]
            std = []
            extra = ["dep:syn", "quote/proc-macro", "proc-macro2/span-locations"]
            """.getBytes(StandardCharsets.UTF_8);

    /** A module carrying only a manifest: the generator packages verified artifacts, it does not run them. */
    private static byte[] artifact(String crate, FeatureSet features, List<MacroDecl> macros) {
        ArtifactManifest manifest = new ArtifactManifest(ArtifactManifest.FORMAT, crate, "1.2.3", "00".repeat(32), features, macros,
                new ArtifactManifest.ToolchainIdentity("rustc 1.96.0", "cargo 1.96.0", "11".repeat(32)), "22".repeat(32),
                new ArtifactManifest.Recipe(1, 1, 1, "33".repeat(32)), "# lockfile\n");
        byte[] header = {0, 'a', 's', 'm', 1, 0, 0, 0};
        return WasmSections.appendCustom(header, ArtifactManifest.SECTION, manifest.toJson());
    }

    private static final List<MacroDecl> MACROS = List.of(
            new MacroDecl(MacroDecl.DERIVE, "Demo", "derive_demo", List.of("demo"), List.of()),
            new MacroDecl(MacroDecl.ATTR, "demo_attr", "demo_attr", List.of(), List.of()));

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void packsTheSameShimBytesEveryTime() throws Exception {
        List<byte[]> artifacts = List.of(
                artifact("demo_derive", FeatureSet.defaults(), MACROS),
                artifact("demo_derive", new FeatureSet(true, List.of("extra")), MACROS));
        CratePacker.PackedCrate first = ShimGenerator.generate(CARGO_TOML, artifacts, "https://registry.example");
        CratePacker.PackedCrate second = ShimGenerator.generate(CARGO_TOML, artifacts, "https://registry.example");
        assertArrayEquals(first.bytes(), second.bytes());
        assertEquals("demo_derive", first.name());
        assertEquals("1.2.3", first.version());

        CrateContents contents = CrateArchive.read(first.bytes(), CrateLimits.DEFAULT);
        assertEquals("demo_derive-1.2.3", contents.root());
        assertEquals(List.of("Cargo.toml", "README.md", "src/lib.rs",
                        "wasm/" + sha256(artifacts.get(0)) + ".wasm", "wasm/" + sha256(artifacts.get(1)) + ".wasm").stream().sorted().toList(),
                contents.entries().stream().map(CrateEntry::path).sorted().toList());
        CrateManifest shim = contents.manifest();
        assertTrue(shim.procMacro());
        assertEquals(List.of(ShimSources.SUPPORT_CRATE + " =" + ShimSources.supportVersion()),
                shim.dependencies().stream().map(d -> d.name() + " " + d.req()).toList(), "a shim depends on the support crate only");
        assertEquals("MIT", shim.license());
        String toml = new String(contents.cargoToml(), StandardCharsets.UTF_8);
        assertTrue(toml.contains("edition = \"2018\""), "keeps the original's edition: " + toml);
        // own features only; quote keeps its implicit feature, syn (named with dep:) has none
        assertEquals(Map.of("default", List.of("std"), "std", List.of(), "extra", List.of("quote"), "quote", List.of()),
                shim.features());
    }

    @Test
    void artifactsOfTheSameEffectiveFeatureSetAreEmbeddedOnce() throws Exception {
        // default = ["std"]: "no-default+std" enables the same features as "default" (how futures-macro, which has no
        // features at all, got two verified artifacts that used to make every shim generation fail)
        List<byte[]> artifacts = List.of(
                artifact("demo_derive", FeatureSet.defaults(), MACROS),
                artifact("demo_derive", new FeatureSet(false, List.of("std")), MACROS),
                artifact("demo_derive", new FeatureSet(true, List.of("extra")), MACROS));
        assertEquals(List.of(0, 2), ShimGenerator.embedded(CARGO_TOML, artifacts));
        CratePacker.PackedCrate shim = ShimGenerator.generate(CARGO_TOML, artifacts, null);
        assertEquals(List.of("wasm/" + sha256(artifacts.get(0)) + ".wasm", "wasm/" + sha256(artifacts.get(2)) + ".wasm").stream().sorted().toList(),
                CrateArchive.read(shim.bytes(), CrateLimits.DEFAULT).entries().stream().map(CrateEntry::path)
                        .filter(p -> p.startsWith("wasm/")).sorted().toList());
    }

    @Test
    void precompiledIndexLinePointsAtTheShim() throws Exception {
        CratePacker.PackedCrate shim = ShimGenerator.generate(CARGO_TOML,
                List.of(artifact("demo_derive", FeatureSet.defaults(), MACROS)), null);
        IndexEntry source = CrateManifest.parse(CARGO_TOML).toIndexEntry("ab".repeat(32), "http://registry.example/index/", "2026-01-01T00:00:00Z");
        assertEquals(3, source.deps().size());
        IndexEntry line = ShimGenerator.indexEntry(shim, source);
        assertEquals("demo_derive", line.name());
        assertEquals("1.2.3", line.vers());
        assertEquals(sha256(shim.bytes()), line.cksum());
        assertEquals(1, line.deps().size(), "the shim depends on the support crate only: " + line.deps());
        assertEquals(ShimSources.SUPPORT_CRATE, line.deps().get(0).name());
        assertEquals("=" + ShimSources.supportVersion(), line.deps().get(0).req());
        assertNull(line.deps().get(0).registry(), "from the view itself, whichever URL a consumer uses for it");
        assertEquals(Map.of("default", List.of("std"), "std", List.of(), "extra", List.of("quote"), "quote", List.of()), line.features());
        assertEquals("1.88", line.rustVersion());
        assertEquals("2026-01-01T00:00:00Z", line.pubtime());
        var other = assertThrows(PrecompileException.class, () -> ShimGenerator.indexEntry(shim,
                new IndexEntry("demo_derive", "1.2.4", List.of(), "cd".repeat(32), Map.of(), false, null, null, null, null, null)));
        assertEquals("shim demo_derive 1.2.3 does not replace demo_derive 1.2.4", other.getMessage());
    }

    @Test
    void theSupportCrateIsPackedTheSameEveryTime() throws Exception {
        CratePacker.PackedCrate first = ShimGenerator.support();
        assertEquals(ShimSources.SUPPORT_CRATE, first.name());
        assertEquals(ShimSources.supportVersion(), first.version());
        assertArrayEquals(first.bytes(), ShimGenerator.support().bytes());
        CrateManifest manifest = CrateArchive.read(first.bytes(), CrateLimits.DEFAULT).manifest();
        assertFalse(manifest.procMacro());
        assertTrue(manifest.dependencies().isEmpty());
    }

    @Test
    void rejectsArtifactsOfAnotherCrateAndNonMacroCrates() {
        var foreign = assertThrows(PrecompileException.class, () -> ShimGenerator.generate(CARGO_TOML,
                List.of(artifact("other_derive", FeatureSet.defaults(), MACROS)), null));
        assertEquals("artifact other_derive 1.2.3 [default] does not belong to demo_derive 1.2.3", foreign.getMessage());
        byte[] library = new String(CARGO_TOML, StandardCharsets.UTF_8).replace("proc-macro = true", "").getBytes(StandardCharsets.UTF_8);
        var notMacro = assertThrows(PrecompileException.class, () -> ShimGenerator.generate(library, List.of(), null));
        assertEquals("demo_derive 1.2.3 is not a proc-macro crate; it has no shim", notMacro.getMessage());
        var unknownFeature = assertThrows(PrecompileException.class, () -> ShimGenerator.generate(CARGO_TOML,
                List.of(artifact("demo_derive", new FeatureSet(false, List.of("turbo")), MACROS)), null));
        assertEquals("artifact demo_derive 1.2.3 [no-default+turbo] was built with feature 'turbo', which demo_derive does not declare",
                unknownFeature.getMessage());
    }
}
