package dev.sandcrate.runtime.shim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandcrate.runtime.engine.ArtifactAbi;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

class ShimSourcesTest {

    private static final ShimSpec.MacroDecl SERIALIZE = new ShimSpec.MacroDecl(ShimSpec.Kind.DERIVE, "Serialize", List.of("serde"));
    private static final ShimSpec.MacroDecl EXTRA = new ShimSpec.MacroDecl(ShimSpec.Kind.BANG, "extra", List.of());
    private static final byte[] WASM_DEFAULT = {0, 'a', 's', 'm', 1};
    private static final byte[] WASM_FAST = {0, 'a', 's', 'm', 2};
    private static final Map<String, List<String>> FEATURES = Map.of("default", List.of("std"), "std", List.of(), "fast", List.of("std"));

    private static ShimSpec spec() {
        return new ShimSpec("serde_derive", "1.0.152", "2015", "MIT OR Apache-2.0", FEATURES, List.of(
                new ShimSpec.Artifact(Set.of("default"), WASM_DEFAULT, List.of(SERIALIZE)),
                new ShimSpec.Artifact(Set.of("fast"), WASM_FAST, List.of(SERIALIZE, EXTRA))), "https://registry.example");
    }

    private static String text(SortedMap<String, byte[]> files, String path) {
        return new String(files.get(path), StandardCharsets.UTF_8);
    }

    @Test
    void rendersTheSameFilesEveryTime() {
        SortedMap<String, byte[]> first = ShimSources.render(spec());
        SortedMap<String, byte[]> second = ShimSources.render(spec());
        assertEquals(List.of("Cargo.toml", "README.md", "src/lib.rs",
                "wasm/" + ArtifactAbi.sha256(WASM_FAST) + ".wasm", "wasm/" + ArtifactAbi.sha256(WASM_DEFAULT) + ".wasm")
                .stream().sorted().toList(), List.copyOf(first.keySet()));
        first.forEach((path, bytes) -> assertArrayEquals(bytes, second.get(path), path));
        assertTrue(text(first, "src/lib.rs").contains("\nextern crate sandcrate_shim;\n\nuse sandcrate_shim::{client, wire};\n"),
                text(first, "src/lib.rs"));
    }

    /**
     * One copy of each concept: the support crate's Rust files are the template and the wire crate's files, byte for
     * byte, and every shim depends on exactly that version of it.
     */
    @Test
    void theSupportCrateCopiesTheSharedRustFilesVerbatim() throws Exception {
        SortedMap<String, byte[]> files = ShimSources.renderSupport();
        assertEquals(List.of("Cargo.toml", "README.md", "src/client.rs", "src/lib.rs", "src/proc_macro_wire.rs", "src/wire.rs"),
                List.copyOf(files.keySet()));
        Path wire = Path.of("../precompile/rust/wire/src");
        assertArrayEquals(Files.readAllBytes(wire.resolve("lib.rs")), files.get("src/wire.rs"));
        assertArrayEquals(Files.readAllBytes(wire.resolve("proc_macro_wire.rs")), files.get("src/proc_macro_wire.rs"));
        assertArrayEquals(Files.readAllBytes(Path.of("shim-template/src/client.rs")), files.get("src/client.rs"));
        String lib = text(files, "src/lib.rs");
        assertTrue(lib.contains("\npub mod client;\n") && lib.contains("\npub mod wire;\n") && lib.contains("\npub mod proc_macro_wire;\n"), lib);
        String toml = text(files, "Cargo.toml");
        assertTrue(toml.contains("name = \"sandcrate-shim\"\nversion = \"" + ShimSources.supportVersion() + "\"\n"), toml);
        assertTrue(text(ShimSources.render(spec()), "Cargo.toml")
                .contains("\n[dependencies]\nsandcrate-shim = \"=" + ShimSources.supportVersion() + "\"\n"));
    }

    /** The support crate's version names its contents: changed sources are a new version, never new bytes for an old one. */
    @Test
    void theSupportVersionIsThisRuntimesWithAHashOfItsFiles() {
        assertTrue(ShimSources.supportVersion().matches(java.util.regex.Pattern.quote(dev.sandcrate.runtime.RuntimeVersion.VERSION)
                + "-h[0-9a-f]{12}"), ShimSources.supportVersion());
    }

    @Test
    void selectsTheArtifactByTheClosureOfEnabledFeatures() {
        String lib = text(ShimSources.render(spec()), "src/lib.rs");
        // default enables std; fast enables std too: "default" itself is not compared
        assertTrue(lib.contains("#[cfg(all(not(feature = \"fast\"), feature = \"std\"))]\nstatic ARTIFACT"), lib);
        assertTrue(lib.contains("#[cfg(all(feature = \"fast\", feature = \"std\"))]\nstatic ARTIFACT"), lib);
        assertTrue(lib.contains("#[cfg(not(any(all(not(feature = \"fast\"), feature = \"std\"), all(feature = \"fast\", feature = \"std\"))))]\n"
                + "compile_error!(\"sandcrate: serde_derive 1.0.152 has no precompiled artifact for the features enabled in this build "
                + "(precompiled feature sets: [fast, std], [std])."), lib);
        assertTrue(lib.contains("#[proc_macro_derive(Serialize, attributes(serde))]"), lib);
        // extra! only exists in the fast build
        assertTrue(lib.contains("#[cfg(any(all(feature = \"fast\", feature = \"std\")))]\n#[proc_macro]\npub fn extra("), lib);
    }

    @Test
    void cargoTomlDeclaresTheOriginalsFeaturesAndOnlyTheSupportCrate() {
        String toml = text(ShimSources.render(spec()), "Cargo.toml");
        assertTrue(toml.contains("name = \"serde_derive\"\nversion = \"1.0.152\"\n"), toml);
        assertTrue(toml.contains("[features]\n\"default\" = [\"std\"]\n\"fast\" = [\"std\"]\n\"std\" = []\n"), toml);
        assertTrue(toml.contains("license = \"MIT OR Apache-2.0\""), toml);
        assertTrue(toml.contains("edition = \"2015\""), "the original's edition: " + toml);
        assertTrue(toml.contains("[dependencies]\nsandcrate-shim = "), toml);
        assertEquals(1, toml.split("\n\\[dependencies\\]\n")[1].split("\n\n")[0].lines().count(), toml);
    }

    @Test
    void rejectsSpecsThatWouldInjectCode() {
        var evil = new ShimSpec.MacroDecl(ShimSpec.Kind.BANG, "x() {} fn y", List.of());
        var e = assertThrows(IllegalArgumentException.class, () -> ShimSources.render(new ShimSpec("a", "1.0.0", "2021", null, Map.of(),
                List.of(new ShimSpec.Artifact(Set.of(), WASM_DEFAULT, List.of(evil))), null)));
        assertEquals("cannot generate shim: invalid macro name 'x() {} fn y'", e.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> ShimSources.render(new ShimSpec("a", "1.0.0", "2021", null, Map.of(),
                List.of(new ShimSpec.Artifact(Set.of("nope"), WASM_DEFAULT, List.of(SERIALIZE))), null)));
        assertEquals("feature set names 'nope', which the crate does not have", unknown.getMessage());
        var twice = assertThrows(IllegalArgumentException.class, () -> ShimSources.render(new ShimSpec("a", "1.0.0", "2021", null, FEATURES, List.of(
                new ShimSpec.Artifact(Set.of("default"), WASM_DEFAULT, List.of(SERIALIZE)),
                new ShimSpec.Artifact(Set.of("std"), WASM_FAST, List.of(SERIALIZE))), null)));
        assertEquals("cannot generate shim: two artifacts for the same feature set [std]", twice.getMessage());
    }
}
