package dev.sandcrate.precompile.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.source.MacroDecl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

    /**
     * The syn features a consumer's build practically always has. Cargo unifies a crate's features across the
     * whole graph of host dependencies, so natively a macro sees syn with what any macro of the project asked for
     * (nearly every project has one that asks for {@code full}). Macros rely on it without saying so:
     * gtk3-macros and gtk4-macros clone syn types without {@code clone-impls}, and rkyv_derive panics without
     * {@code full} ("unsupported expression; enable syn's features=["full"]"). The artifact is built once for
     * every consumer, so it gets the union. More features only add parsers and trait impls; none changes what
     * a successful parse or the printing of a syntax tree gives.
     */
    static final List<String> UNIFIED_SYN_FEATURES = List.of(
            "derive", "full", "parsing", "printing", "clone-impls", "extra-traits", "visit", "visit-mut", "fold", "proc-macro");

    /** Cargo.toml of the workspace root; the macro list (lib.rs) comes once cargo has resolved the features. */
    static void writeManifest(Path workspace, MacroCrate macro, FeatureSet features, List<String> unifyingDependencies) throws IOException {
        String featureList = quoted(features.features());
        String dependency = "%s = { package = \"%s\", path = \"crate\", default-features = %s, features = [%s] }"
                .formatted(MACRO_ALIAS, macro.name(), features.defaultFeatures(), featureList);
        if (!unifyingDependencies.isEmpty()) dependency += "\n" + String.join("\n", unifyingDependencies);
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

    /**
     * Dependency lines that give each syn (1.0 and later) of the lockfile the {@link #UNIFIED_SYN_FEATURES} its
     * version has, pinned to the locked version so that the resolution stays the same.
     */
    static List<String> unifiedSyn(String cargoLock, Path vendor) throws IOException {
        List<String> lines = new ArrayList<>();
        for (LockedPackage p : LockedPackage.parse(cargoLock)) {
            if (!p.name().equals("syn") || p.version().startsWith("0.")) continue;
            JsonNode declared = TOML.readTree(vendor.resolve(p.dirName()).resolve("Cargo.toml").toFile()).path("features");
            List<String> features = UNIFIED_SYN_FEATURES.stream().filter(declared::has).toList();
            lines.add("sandcrate-unified-syn-%s = { package = \"syn\", version = \"=%s\", default-features = false, features = [%s] }"
                    .formatted(p.version().split("\\.")[0], p.version(), quoted(features)));
        }
        return lines;
    }

    private static String quoted(List<String> names) {
        return names.stream().map(f -> "\"" + f + "\"").collect(Collectors.joining(", "));
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
