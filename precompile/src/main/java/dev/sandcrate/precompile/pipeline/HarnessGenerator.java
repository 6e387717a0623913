package dev.sandcrate.precompile.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.source.MacroDecl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders the harness template of precompile/rust/harness-template (its README documents the placeholders) as
 * the root package of the build workspace: a cdylib that links the rewritten macro crate and the bridge server
 * and exports the macros through {@code export_macros!} (the ABI of docs/architecture.md). Being the workspace
 * root keeps every path dependency inside the workspace, which reproducible builds need.
 */
public final class HarnessGenerator {
    /** The harness crate's name; its wasm is {@code target/wasm32-unknown-unknown/release/sandcrate_harness.wasm}. */
    public static final String CRATE = "sandcrate-harness";
    public static final String WASM_FILE = "sandcrate_harness.wasm";
    /** How the harness names the macro crate, whatever its package name. */
    static final String MACRO_ALIAS = "sandcrate_macro_crate";
    private static final TomlMapper TOML = new TomlMapper();

    private HarnessGenerator() {
    }

    /** Cargo.toml of the workspace root; the macro list (lib.rs) comes once cargo has resolved the features. */
    static void writeManifest(Path workspace, MacroCrate macro, FeatureSet features) throws IOException {
        String featureList = features.features().stream().map(f -> "\"" + f + "\"").collect(Collectors.joining(", "));
        String dependency = "%s = { package = \"%s\", path = \"crate\", default-features = %s, features = [%s] }"
                .formatted(MACRO_ALIAS, macro.name(), features.defaultFeatures(), featureList);
        String manifest = render(RustSources.harnessTemplate("Cargo.toml"), macro)
                .replace("@@BRIDGE_SERVER_PATH@@", "sandcrate-rust/bridge-server")
                .replace("@@MACRO_CRATE_DEPENDENCY@@", dependency);
        // the bridge crates inherit edition/version/license from precompile/rust's [workspace.package]
        JsonNode inherited = RustSources.workspacePackage();
        if (inherited.isObject() && !inherited.isEmpty()) {
            manifest += "\n[workspace.package]\n" + TOML.writeValueAsString(inherited);
        }
        Files.writeString(workspace.resolve("Cargo.toml"), manifest);
    }

    static void writeSource(Path workspace, MacroCrate macro, List<MacroDecl> macros) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (MacroDecl m : macros) {
            lines.append("    ").append(m.kind()).append(" \"").append(m.name()).append('"');
            if (!m.attributes().isEmpty()) lines.append(" [").append(String.join(", ", m.attributes())).append(']');
            lines.append(" => ").append(MACRO_ALIAS).append("::").append(m.function()).append(",\n");
        }
        String lib = render(RustSources.harnessTemplate("lib.rs"), macro).replace("@@MACROS@@", lines.toString().stripTrailing());
        if (lib.contains("@@")) throw new PrecompileException("the harness template has a placeholder this sandcrate does not know");
        Files.writeString(workspace.resolve("lib.rs"), lib);
    }

    private static String render(String template, MacroCrate macro) {
        return template.replace("@@CRATE_NAME@@", macro.name()).replace("@@CRATE_VERSION@@", macro.version());
    }
}
