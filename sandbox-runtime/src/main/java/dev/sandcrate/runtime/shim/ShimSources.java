package dev.sandcrate.runtime.shim;

import dev.sandcrate.runtime.wire.RustKeywords;
import dev.sandcrate.runtime.RuntimeVersion;
import dev.sandcrate.runtime.engine.ArtifactAbi;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Renders the source files of a shim crate from a {@link ShimSpec}: a proc-macro crate that re-declares the original's
 * macros and runs them through the runtime, and of the one crate every shim depends on, {@value #SUPPORT_CRATE}: the
 * client, the wire codec and the token conversion (template: {@code sandbox-runtime/shim-template}; {@code src/wire.rs}
 * and {@code src/proc_macro_wire.rs} are {@code precompile/rust/wire/src/lib.rs} and {@code proc_macro_wire.rs}
 * verbatim, bundled into the runtime jar next to the template). A build compiles that code once, however many shims it
 * has, instead of once per shim (about 2 s of CPU each, unoptimised as cargo builds proc macros).
 * The output is a pure function of the spec, so the packed .crate is byte-for-byte reproducible.
 */
public final class ShimSources {

    /** Oldest rustc with every stable proc_macro API the client uses ({@code Span::file}, {@code Span::start}...). */
    public static final String RUST_VERSION = "1.88";
    /** The support crate every shim depends on, served beside the shims ({@link #renderSupport()}). */
    public static final String SUPPORT_CRATE = "sandcrate-shim";
    private static final String SUPPORT_EDITION = "2015";
    private static final String TEMPLATE = "/dev/sandcrate/runtime/shim/template/";
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern CRATE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");
    private static final Pattern VERSION = Pattern.compile("[0-9]+\\.[0-9]+\\.[0-9]+[0-9A-Za-z.+-]*");
    private static final Pattern FEATURE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_+.-]*");
    private static final Set<String> EDITIONS = Set.of("2015", "2018", "2021", "2024");

    private ShimSources() {}

    /** Path inside the crate (e.g. {@code src/lib.rs}) to file bytes, in a fixed order. */
    public static SortedMap<String, byte[]> render(ShimSpec spec) {
        validate(spec);
        SortedMap<String, byte[]> files = new TreeMap<>();
        files.put("Cargo.toml", utf8(cargoToml(spec)));
        files.put("README.md", utf8(readme(spec)));
        files.put("src/lib.rs", utf8(libRs(spec)));
        for (ShimSpec.Artifact artifact : spec.artifacts()) {
            files.put(wasmPath(artifact), artifact.wasm().clone());
        }
        return files;
    }

    /** The files of the support crate at {@link #supportVersion()}, in a fixed order. */
    public static SortedMap<String, byte[]> renderSupport() {
        return Support.FILES;
    }

    /**
     * The support crate's version: this runtime's version with a pre-release part naming its contents, so that changed
     * sources are a new version and a published version's bytes (pinned by consumers' lockfiles) never change.
     */
    public static String supportVersion() {
        return Support.VERSION;
    }

    /** The support crate, rendered once: its version is a hash of its files. */
    private static final class Support {
        static final String VERSION;
        static final SortedMap<String, byte[]> FILES;

        static {
            SortedMap<String, byte[]> files = new TreeMap<>();
            files.put("README.md", utf8(supportReadme()));
            files.put("src/lib.rs", utf8("""
                    //! Sandcrate shim support: the code every generated Sandcrate shim shares. See README.md.

                    extern crate proc_macro;

                    pub mod client;
                    #[allow(dead_code, clippy::all)]
                    pub mod wire;
                    #[allow(clippy::all)]
                    pub mod proc_macro_wire;
                    """));
            files.put("src/client.rs", template("client.rs"));
            files.put("src/wire.rs", template("lib.rs"));
            files.put("src/proc_macro_wire.rs", template("proc_macro_wire.rs"));
            files.put("Cargo.toml", utf8(supportCargoToml("0.0.0")));
            java.security.MessageDigest sha = sha256();
            files.forEach((path, bytes) -> {
                sha.update(utf8(path + "\n" + bytes.length + "\n"));
                sha.update(bytes);
            });
            VERSION = RuntimeVersion.VERSION + "-h" + java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 12);
            files.put("Cargo.toml", utf8(supportCargoToml(VERSION)));
            FILES = Collections.unmodifiableSortedMap(files);
        }
    }

    private static java.security.MessageDigest sha256() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String supportCargoToml(String version) {
        return "# Generated by Sandcrate: the code every Sandcrate shim shares.\n"
                + "[package]\n"
                + "name = " + tomlString(SUPPORT_CRATE) + "\n"
                + "version = " + tomlString(version) + "\n"
                + "edition = " + tomlString(SUPPORT_EDITION) + "\n"
                + "rust-version = " + tomlString(RUST_VERSION) + "\n"
                + "description = \"Sandcrate shim support: runs precompiled, sandboxed WebAssembly proc macros through the Sandcrate runtime\"\n"
                + "\n[lib]\npath = \"src/lib.rs\"\n";
    }

    private static String supportReadme() {
        return "# " + SUPPORT_CRATE + " (Sandcrate shim support)\n\n"
                + "Generated by Sandcrate. Every Sandcrate shim (a generated crate that replaces a proc-macro crate and runs its\n"
                + "precompiled WebAssembly build in the sandboxed Sandcrate runtime) depends on this crate, which holds the code\n"
                + "they share: finding or starting the runtime (`client.rs`), the wire format (`wire.rs`) and the conversion\n"
                + "between `proc_macro` tokens and the wire (`proc_macro_wire.rs`). A build compiles it once for all its shims.\n";
    }

    /** The features a feature set enables, following the crate's own feature graph. */
    public static SortedSet<String> closure(Map<String, List<String>> features, Set<String> requested) {
        SortedSet<String> enabled = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(requested);
        while (!todo.isEmpty()) {
            String feature = todo.pop();
            if (!features.containsKey(feature)) {
                throw new IllegalArgumentException("feature set names '" + feature + "', which the crate does not have");
            }
            if (enabled.add(feature)) {
                todo.addAll(features.get(feature));
            }
        }
        return enabled;
    }

    private static void validate(ShimSpec spec) {
        require(CRATE_NAME.matcher(spec.crateName()).matches(), "invalid crate name '" + spec.crateName() + "'");
        require(VERSION.matcher(spec.version()).matches(), "invalid version '" + spec.version() + "'");
        require(EDITIONS.contains(spec.edition()), "unsupported edition '" + spec.edition() + "'");
        for (ShimSpec.Artifact artifact : spec.artifacts()) {
            require(!artifact.macros().isEmpty(), "an artifact of " + spec.crateName() + " exports no macros");
            Set<String> names = new java.util.HashSet<>();
            for (ShimSpec.MacroDecl macro : artifact.macros()) {
                require(IDENT.matcher(macro.name()).matches() && !RustKeywords.isReserved(macro.name()),
                        "invalid macro name '" + macro.name() + "'");
                require(names.add(macro.kind() + " " + macro.name()), "macro " + macro.name() + " is declared twice");
                require(macro.kind() == ShimSpec.Kind.DERIVE || macro.helperAttributes().isEmpty(),
                        "only derive macros have helper attributes (" + macro.name() + ")");
                for (String helper : macro.helperAttributes()) {
                    require(IDENT.matcher(helper).matches(), "invalid helper attribute '" + helper + "' of " + macro.name());
                }
            }
        }
        spec.features().forEach((feature, members) -> {
            require(FEATURE.matcher(feature).matches(), "invalid feature name '" + feature + "'");
            for (String member : members) {
                require(spec.features().containsKey(member),
                        "feature '" + feature + "' enables '" + member + "', which is not a feature of this crate");
            }
        });
        Map<SortedSet<String>, Integer> seen = new HashMap<>();
        for (ShimSpec.Artifact artifact : spec.artifacts()) {
            SortedSet<String> key = cfgFeatures(spec, artifact);
            require(seen.put(key, 1) == null, "two artifacts for the same feature set " + key);
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("cannot generate shim: " + message);
        }
    }

    /** The enabled features the shim's cfg compares ({@code default} only enables others, so it is left out). */
    private static SortedSet<String> cfgFeatures(ShimSpec spec, ShimSpec.Artifact artifact) {
        SortedSet<String> enabled = closure(spec.features(), artifact.features());
        enabled.remove("default");
        return enabled;
    }

    private static String cfg(ShimSpec spec, ShimSpec.Artifact artifact) {
        SortedSet<String> enabled = cfgFeatures(spec, artifact);
        List<String> terms = new ArrayList<>();
        for (String feature : spec.features().keySet()) {
            if (feature.equals("default")) {
                continue;
            }
            String test = "feature = " + rustString(feature);
            terms.add(enabled.contains(feature) ? test : "not(" + test + ")");
        }
        return "all(" + String.join(", ", terms) + ")";
    }

    private static String wasmPath(ShimSpec.Artifact artifact) {
        return "wasm/" + ArtifactAbi.sha256(artifact.wasm()) + ".wasm";
    }

    private static String cargoToml(ShimSpec spec) {
        StringBuilder out = new StringBuilder();
        out.append("# Generated by Sandcrate ").append(RuntimeVersion.VERSION).append(": a sandboxed, precompiled build of ")
                .append(spec.crateName()).append(' ').append(spec.version()).append(".\n");
        out.append("[package]\n");
        out.append("name = ").append(tomlString(spec.crateName())).append('\n');
        out.append("version = ").append(tomlString(spec.version())).append('\n');
        out.append("edition = ").append(tomlString(spec.edition())).append('\n');
        out.append("rust-version = ").append(tomlString(RUST_VERSION)).append('\n');
        out.append("description = ").append(tomlString("Sandcrate shim: runs the precompiled, sandboxed WebAssembly build of "
                + spec.crateName() + " " + spec.version())).append('\n');
        if (spec.license() != null) {
            out.append("license = ").append(tomlString(spec.license())).append('\n');
        }
        out.append("\n[lib]\nproc-macro = true\npath = \"src/lib.rs\"\n");
        out.append("\n[dependencies]\n").append(SUPPORT_CRATE).append(" = ").append(tomlString("=" + supportVersion())).append('\n');
        out.append("\n[features]\n");
        spec.features().forEach((feature, members) -> out.append(tomlString(feature)).append(" = [")
                .append(members.stream().sorted().map(ShimSources::tomlString).collect(Collectors.joining(", ")))
                .append("]\n"));
        out.append("\n[package.metadata.sandcrate]\nartifacts = [\n");
        for (ShimSpec.Artifact artifact : spec.artifacts()) {
            out.append("  { sha256 = ").append(tomlString(ArtifactAbi.sha256(artifact.wasm())))
                    .append(", features = [")
                    .append(new TreeSet<>(artifact.features()).stream().map(ShimSources::tomlString).collect(Collectors.joining(", ")))
                    .append("] },\n");
        }
        out.append("]\n");
        return out.toString();
    }

    private static String libRs(ShimSpec spec) {
        StringBuilder out = new StringBuilder();
        out.append("//! Sandcrate shim for `").append(spec.crateName()).append("` ").append(spec.version()).append(".\n");
        out.append("//!\n//! Generated: the macros below run the precompiled, sandboxed WebAssembly build of the original crate\n");
        out.append("//! through the Sandcrate runtime. See README.md.\n\n");
        out.append("extern crate proc_macro;\nextern crate sandcrate_shim;\n\nuse sandcrate_shim::{client, wire};\n\n");
        List<String> cfgs = new ArrayList<>();
        for (ShimSpec.Artifact artifact : spec.artifacts()) {
            String cfg = cfg(spec, artifact);
            cfgs.add(cfg);
            out.append("#[cfg(").append(cfg).append(")]\n");
            out.append("static ARTIFACT: client::Artifact = client::Artifact {\n");
            out.append("    crate_name: ").append(rustString(spec.crateName())).append(",\n");
            out.append("    version: ").append(rustString(spec.version())).append(",\n");
            out.append("    sha256: ").append(rustString(ArtifactAbi.sha256(artifact.wasm()))).append(",\n");
            out.append("    wasm: include_bytes!(").append(rustString("../" + wasmPath(artifact))).append("),\n");
            out.append("};\n\n");
        }
        String none = "not(any(" + String.join(", ", cfgs) + "))";
        out.append("#[cfg(").append(none).append(")]\n");
        out.append("compile_error!(").append(rustString(missingArtifactMessage(spec))).append(");\n");
        out.append("#[cfg(").append(none).append(")]\n");
        out.append("static ARTIFACT: client::Artifact = client::Artifact { crate_name: ")
                .append(rustString(spec.crateName())).append(", version: ").append(rustString(spec.version()))
                .append(", sha256: \"\", wasm: &[] };\n");
        // each macro is declared under the feature sets whose artifact exports it
        Map<ShimSpec.MacroDecl, List<String>> macroCfgs = new java.util.LinkedHashMap<>();
        for (int i = 0; i < spec.artifacts().size(); i++) {
            for (ShimSpec.MacroDecl macro : spec.artifacts().get(i).macros()) {
                macroCfgs.computeIfAbsent(macro, m -> new ArrayList<>()).add(cfgs.get(i));
            }
        }
        for (Map.Entry<ShimSpec.MacroDecl, List<String>> entry : macroCfgs.entrySet()) {
            ShimSpec.MacroDecl macro = entry.getKey();
            out.append("\n");
            if (entry.getValue().size() < cfgs.size()) {
                out.append("#[cfg(any(").append(String.join(", ", entry.getValue())).append("))]\n");
            }
            switch (macro.kind()) {
                case DERIVE -> {
                    out.append("#[proc_macro_derive(").append(macro.name());
                    if (!macro.helperAttributes().isEmpty()) {
                        out.append(", attributes(").append(String.join(", ", macro.helperAttributes())).append(')');
                    }
                    out.append(")]\n#[allow(non_snake_case)]\n");
                    out.append("pub fn sandcrate_derive_").append(macro.name())
                            .append("(input: proc_macro::TokenStream) -> proc_macro::TokenStream {\n");
                    out.append("    client::expand(&ARTIFACT, wire::MacroKind::Derive, ").append(rustString(macro.name()))
                            .append(", None, input)\n}\n");
                }
                case ATTR -> {
                    out.append("#[proc_macro_attribute]\npub fn ").append(macro.name())
                            .append("(args: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {\n");
                    out.append("    client::expand(&ARTIFACT, wire::MacroKind::Attr, ").append(rustString(macro.name()))
                            .append(", Some(args), item)\n}\n");
                }
                case BANG -> {
                    out.append("#[proc_macro]\npub fn ").append(macro.name())
                            .append("(input: proc_macro::TokenStream) -> proc_macro::TokenStream {\n");
                    out.append("    client::expand(&ARTIFACT, wire::MacroKind::Bang, ").append(rustString(macro.name()))
                            .append(", None, input)\n}\n");
                }
            }
        }
        return out.toString();
    }

    private static String missingArtifactMessage(ShimSpec spec) {
        List<String> sets = new ArrayList<>();
        for (ShimSpec.Artifact artifact : spec.artifacts()) {
            sets.add(cfgFeatures(spec, artifact).toString());
        }
        Collections.sort(sets);
        return "sandcrate: " + spec.crateName() + " " + spec.version()
                + " has no precompiled artifact for the features enabled in this build (precompiled feature sets: "
                + (sets.isEmpty() ? "none" : String.join(", ", sets)) + "). Build it from source by removing the "
                + "Sandcrate precompiled index (source replacement) or the [patch] entry for " + spec.crateName()
                + ", or request a precompile of this feature set" + (spec.sourceHint() == null ? "" : ": " + spec.sourceHint());
    }

    private static String readme(ShimSpec spec) {
        return "# " + spec.crateName() + " " + spec.version() + " (Sandcrate shim)\n\n"
                + "This crate was generated by Sandcrate. It declares the same macros as `" + spec.crateName() + "` "
                + spec.version() + " and runs them from the precompiled WebAssembly files in `wasm/`, inside the\n"
                + "sandboxed Sandcrate runtime (started on demand; install it once from your registry), through the code of\n"
                + "its one dependency, `" + SUPPORT_CRATE + "`, which all shims share.\n\n"
                + "Every artifact was built twice from the original sources and gave the same bytes; its sha256 is its\n"
                + "file name and is listed in `Cargo.toml` under `[package.metadata.sandcrate]`.\n";
    }

    private static byte[] template(String name) {
        try (InputStream in = ShimSources.class.getResourceAsStream(TEMPLATE + name)) {
            if (in == null) {
                throw new IllegalStateException("shim template file " + name + " is missing from the runtime jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A Rust string literal (also valid in cfg attributes). */
    static String rustString(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u{%x}", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** A TOML basic string. */
    static String tomlString(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
