package dev.sandcrate.precompile.pipeline;

import dev.sandcrate.precompile.FileTrees;
import dev.sandcrate.precompile.artifact.ArtifactManifest;
import dev.sandcrate.precompile.sandbox.BuildFolder;
import dev.sandcrate.precompile.sandbox.BuildLimits;
import dev.sandcrate.precompile.sandbox.ProcessRunner;
import dev.sandcrate.precompile.source.CrateSource;
import dev.sandcrate.precompile.source.MacroDecl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Expands inputs with the same macro compiled natively and run under rustc's real proc_macro server, through the
 * Rust helper's oracle (precompile/rust/oracle): the workspace of the artifact (same lockfile, same rewritten
 * macro crate) gets a proc-macro crate with one dump macro per macro fn and a program that prints the dumps.
 */
final class NativeOracle {
    /** One input: for attribute macros {@code attr} holds the arguments. */
    record Case(String id, String macroName, String attr, String input) {
    }

    private static final Path ORACLE_SOURCES = Path.of("rust/oracle");
    /**
     * Part of what cargo sets when it compiles the oracle's program crate {@code oracle-run 0.0.0}, where the native
     * macros run: the sandboxed side gets the same, so macros that read the environment compare.
     */
    static final Map<String, String> CARGO_ENV = Map.of("CARGO_CRATE_NAME", "oracle_run", "CARGO_PKG_NAME", "oracle-run",
            "CARGO_PKG_VERSION", "0.0.0", "CARGO_PKG_VERSION_MAJOR", "0", "CARGO_PKG_VERSION_MINOR", "0",
            "CARGO_PKG_VERSION_PATCH", "0", "CARGO_PKG_VERSION_PRE", "");

    private NativeOracle() {
    }

    static Map<String, String> expand(ArtifactManifest manifest, CrateSource deps, List<Case> cases, Path work) throws Exception {
        MacroCrate macro = MacroCrate.of(deps.crateBytes(manifest.crate(), manifest.version()));
        Path ws = work.resolve("oracle-ws");
        BuildWorkspace.prepare(ws, macro, manifest.features(), deps, manifest.lockfile(), TestEnv.toolchain(), TestEnv.LOG);
        Files.delete(ws.resolve("lib.rs"));
        FileTrees.copy(ORACLE_SOURCES, ws.resolve("sandcrate-rust/oracle"), rel -> rel.startsWith("target"));
        String inherited = Files.readString(ws.resolve("Cargo.toml"));
        Files.writeString(ws.resolve("Cargo.toml"), "[workspace]\nresolver = \"2\"\nmembers = [\"oracle-macros\", \"oracle-run\"]\n"
                + inherited.substring(inherited.indexOf("\n[workspace.package]")));

        Map<String, MacroDecl> byName = manifest.macros().stream().collect(Collectors.toMap(MacroDecl::name, m -> m));
        Files.createDirectories(ws.resolve("oracle-macros/src"));
        String features = manifest.features().features().stream().map(f -> "\"" + f + "\"").collect(Collectors.joining(", "));
        Files.writeString(ws.resolve("oracle-macros/Cargo.toml"), """
                [package]
                name = "oracle-macros"
                version = "0.0.0"
                edition = "2021"
                [lib]
                proc-macro = true
                [dependencies]
                sandcrate-oracle = { path = "../sandcrate-rust/oracle" }
                sandcrate_macro_crate = { package = "%s", path = "../crate", default-features = %s, features = [%s] }
                %s
                """.formatted(manifest.crate(), manifest.features().defaultFeatures(), features,
                // syn as the artifact and a consumer's build have it
                String.join("\n", HarnessGenerator.unifiedSyn(manifest.lockfile(), ws.resolve("vendor")))));
        Files.writeString(ws.resolve("oracle-macros/src/lib.rs"), "sandcrate_oracle::oracle! {\n" + manifest.macros().stream()
                .map(m -> "    " + m.kind() + " dump_" + m.function() + " => sandcrate_macro_crate::" + m.function() + ",")
                .collect(Collectors.joining("\n")) + "\n}\n");

        Files.createDirectories(ws.resolve("oracle-run/src"));
        Files.writeString(ws.resolve("oracle-run/Cargo.toml"), """
                [package]
                name = "oracle-run"
                version = "0.0.0"
                edition = "2021"
                [dependencies]
                oracle-macros = { path = "../oracle-macros" }
                """);
        StringBuilder main = new StringBuilder("fn main() {\n");
        for (Case c : cases) {
            MacroDecl m = byName.get(c.macroName());
            if (m == null) throw new IllegalArgumentException("no macro " + c.macroName() + " in " + manifest.label());
            String args = c.attr() == null ? raw(c.input()) : raw(c.attr()) + ", " + raw(c.input());
            main.append("    println!(\"=== ").append(c.id()).append("\");\n");
            main.append("    println!(\"{}\", oracle_macros::dump_").append(m.function()).append("!(").append(args).append("));\n");
        }
        Files.writeString(ws.resolve("oracle-run/src/main.rs"), main.append("}\n").toString());

        Path log = work.resolve("oracle.log");
        ProcessRunner.Result r = Sandboxes.cargo(ws, TestEnv.toolchain(), null, Map.of()).run(List.of("/bin/sh", "-c",
                        TestEnv.toolchain().cargo() + " build --offline -p oracle-run && " + BuildWorkspace.MOUNT
                                + "/target/debug/oracle-run > " + BuildWorkspace.MOUNT + "/oracle.out"),
                new BuildLimits(Duration.ofMinutes(15), 1800, 8L << 30, 256L << 20), log);
        if (!r.ok()) throw new AssertionError("native oracle build failed:\n" + BuildFolder.tail(log, 40));

        Map<String, String> out = new LinkedHashMap<>();
        String current = null;
        StringBuilder dump = new StringBuilder();
        for (String line : Files.readAllLines(ws.resolve("oracle.out"))) {
            if (line.startsWith("=== ")) {
                if (current != null) out.put(current, dump.toString());
                current = line.substring(4);
                dump.setLength(0);
            } else {
                dump.append(line).append('\n');
            }
        }
        if (current != null) out.put(current, dump.toString());
        return out;
    }

    /** A raw string literal that can hold {@code s}. */
    private static String raw(String s) {
        String hashes = "#";
        while (s.contains("\"" + hashes)) hashes += "#";
        return "r" + hashes + "\"" + s + "\"" + hashes;
    }
}
