package dev.sandcrate.precompile.source;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RlibRewriteTest {
    /** Debian's rsass-macros 0.27.0 keeps `rsass = { path = "../rsass", version = "0.27.0" }`, as cargo package would not. */
    @Test
    void versionedPathDependenciesLoseTheirPathAsCargoPackageWrites(@TempDir Path crate) throws Exception {
        Files.createDirectories(crate.resolve("src"));
        Files.writeString(crate.resolve("Cargo.toml"), """
                [package]
                name = "m"
                version = "0.1.0"
                [lib]
                proc-macro = true
                [dependencies]
                rsass = { path = "../rsass", version = "0.27.0" }
                quote = "1"
                [target.'cfg(unix)'.build-dependencies]
                helper = { path = "helper", version = "1", features = ["x"] }
                """);
        Files.writeString(crate.resolve("src/lib.rs"), "#[proc_macro]\npub fn m(i: proc_macro::TokenStream) -> proc_macro::TokenStream { i }\n");
        assertEquals(List.of("m"), RlibRewrite.apply(crate).stream().map(MacroDecl::name).toList());
        String manifest = Files.readString(crate.resolve("Cargo.toml"));
        assertFalse(manifest.contains("path = \"../rsass\"") || manifest.contains("path = \"helper\""), manifest);
        assertTrue(manifest.contains("0.27.0") && manifest.contains("features"), manifest);
    }
}
