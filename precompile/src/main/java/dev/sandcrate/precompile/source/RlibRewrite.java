package dev.sandcrate.precompile.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.sandcrate.precompile.PrecompileException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

/**
 * Turns an unpacked proc-macro crate into an rlib crate the wasm harness can link: wasm32 cannot build the
 * proc-macro crate type, and the proc-macro attributes are errors outside one. The manifest loses
 * {@code proc-macro = true}, dev-dependencies and non-library targets (they would only widen resolution);
 * the library root is rewritten by {@link MacroScanner}. Returns the macros the crate declares.
 */
public final class RlibRewrite {
    private static final TomlMapper TOML = new TomlMapper();
    private static final List<String> DROPPED_TABLES = List.of("dev-dependencies", "dev_dependencies", "bin", "example",
            "test", "bench", "workspace", "patch", "replace", "profile", "badges");

    private RlibRewrite() {
    }

    /**
     * {@code b = { path = "../b", version = "1" }} becomes {@code b = { version = "1" }}, as {@code cargo package} writes
     * it: an unpacked folder (Debian's rsass-macros) can still carry the path, which points outside the crate.
     */
    static void dropPathsOfVersionedDependencies(ObjectNode table) {
        for (String deps : List.of("dependencies", "build-dependencies", "build_dependencies")) {
            if (!(table.get(deps) instanceof ObjectNode specs)) continue;
            for (Iterator<JsonNode> it = specs.elements(); it.hasNext(); ) {
                if (it.next() instanceof ObjectNode spec && spec.has("path") && spec.has("version")) spec.remove("path");
            }
        }
    }

    public static List<MacroDecl> apply(Path crateDir) {
        Path manifestFile = crateDir.resolve("Cargo.toml");
        try {
            ObjectNode root = (ObjectNode) TOML.readTree(Files.readAllBytes(manifestFile));
            ObjectNode lib = root.has("lib") ? (ObjectNode) root.get("lib") : root.putObject("lib");
            boolean procMacro = lib.path("proc-macro").asBoolean(false) || lib.path("proc_macro").asBoolean(false);
            if (!procMacro) throw new PrecompileException(crateDir.getFileName() + " is not a proc-macro crate ([lib] proc-macro = true)");
            lib.remove(List.of("proc-macro", "proc_macro", "crate-type", "crate_type"));
            lib.putArray("crate-type").add("rlib");
            String libPath = lib.path("path").asText("src/lib.rs");
            DROPPED_TABLES.forEach(root::remove);
            dropPathsOfVersionedDependencies(root);
            JsonNode targets = root.get("target");
            if (targets instanceof ObjectNode t) {
                for (Iterator<JsonNode> it = t.elements(); it.hasNext(); ) {
                    if (it.next() instanceof ObjectNode perTarget) {
                        perTarget.remove(List.of("dev-dependencies", "dev_dependencies"));
                        dropPathsOfVersionedDependencies(perTarget);
                    }
                }
            }
            ObjectNode pkg = (ObjectNode) root.get("package");
            for (String auto : List.of("autobins", "autoexamples", "autotests", "autobenches")) pkg.put(auto, false);
            // as a workspace member, an old rust-version would make cargo write a v1 lockfile (no checksums)
            pkg.remove("rust-version");
            Files.writeString(manifestFile, "# rewritten by sandcrate: rlib for the wasm harness\n" + TOML.writeValueAsString(root));

            Path libRoot = crateDir.resolve(libPath).normalize();
            if (!libRoot.startsWith(crateDir) || !Files.isRegularFile(libRoot)) {
                throw new PrecompileException(crateDir.getFileName() + ": library root " + libPath + " not found");
            }
            MacroScanner.Result scanned = MacroScanner.scan(Files.readString(libRoot, StandardCharsets.UTF_8), libPath);
            if (scanned.macros().isEmpty()) {
                throw new PrecompileException(crateDir.getFileName() + ": no #[proc_macro*] functions found at the root of " + libPath);
            }
            Files.writeString(libRoot, scanned.rewrittenSource(), StandardCharsets.UTF_8);
            return scanned.macros();
        } catch (IOException e) {
            throw new PrecompileException("cannot rewrite " + manifestFile + ": " + e.getMessage(), e);
        }
    }
}
