package dev.sandcrate.index.crate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.IndexEntry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of a packaged Cargo.toml the registry needs: identity, dependencies and features for the index line
 * (as crates.io takes them from the tarball, not from the publish request), and descriptive metadata.
 * Expects the normalized manifest that {@code cargo package} writes (no workspace inheritance, no path-only deps).
 */
public record CrateManifest(String name, String version, String links, String rustVersion,
                            Map<String, List<String>> features, List<ManifestDependency> dependencies,
                            boolean procMacro, String description, String license, String repository,
                            String homepage, String documentation, List<String> keywords, List<String> categories,
                            List<String> authors, String readme) {

    private static final TomlMapper TOML = new TomlMapper();
    private static final Map<String, String> DEPENDENCY_TABLES = dependencyTables();

    public static CrateManifest parse(byte[] cargoToml) {
        JsonNode root;
        try {
            root = TOML.readTree(cargoToml);
        } catch (IOException e) {
            throw new InvalidCrateException("Cargo.toml is not valid TOML: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new InvalidCrateException("Cargo.toml is empty");
        JsonNode pkg = root.get("package");
        if (pkg == null) pkg = root.get("project");
        if (pkg == null || !pkg.isObject()) throw new InvalidCrateException("Cargo.toml has no [package] table");
        String name = requiredString(pkg, "name");
        String version = requiredString(pkg, "version");

        List<ManifestDependency> deps = new ArrayList<>();
        readDependencyTables(root, null, deps);
        JsonNode targets = root.get("target");
        if (targets != null) {
            if (!targets.isObject()) throw new InvalidCrateException("Cargo.toml: [target] must be a table");
            for (var t : targets.properties()) readDependencyTables(t.getValue(), t.getKey(), deps);
        }

        JsonNode lib = root.get("lib");
        boolean procMacro = lib != null && (lib.path("proc-macro").asBoolean(false) || lib.path("proc_macro").asBoolean(false));
        return new CrateManifest(name, version, optionalString(pkg, "links"), optionalString(pkg, "rust-version"),
                readFeatures(root.get("features")), List.copyOf(deps), procMacro,
                optionalString(pkg, "description"), optionalString(pkg, "license"), optionalString(pkg, "repository"),
                optionalString(pkg, "homepage"), optionalString(pkg, "documentation"),
                stringList(pkg.get("keywords"), "package.keywords"), stringList(pkg.get("categories"), "package.categories"),
                stringList(pkg.get("authors"), "package.authors"),
                pkg.path("readme").isTextual() ? pkg.get("readme").asText() : null);
    }

    /** The index line for this manifest, published to the registry at {@code ownIndexUrl}. */
    public IndexEntry toIndexEntry(String cksum, String ownIndexUrl, String pubtime) {
        List<IndexDependency> deps = dependencies.stream().map(d -> d.toIndex(ownIndexUrl)).toList();
        return IndexEntry.of(name, version, deps, cksum, features, links, rustVersion, pubtime);
    }

    private static Map<String, String> dependencyTables() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("dependencies", IndexDependency.NORMAL);
        m.put("build-dependencies", IndexDependency.BUILD);
        m.put("build_dependencies", IndexDependency.BUILD);
        m.put("dev-dependencies", IndexDependency.DEV);
        m.put("dev_dependencies", IndexDependency.DEV);
        return m;
    }

    private static void readDependencyTables(JsonNode scope, String target, List<ManifestDependency> out) {
        for (var table : DEPENDENCY_TABLES.entrySet()) {
            JsonNode deps = scope.get(table.getKey());
            if (deps == null) continue;
            String where = (target == null ? "" : "target." + target + ".") + table.getKey();
            if (!deps.isObject()) throw new InvalidCrateException("Cargo.toml: [" + where + "] must be a table");
            for (var d : deps.properties()) {
                ManifestDependency dep = readDependency(d.getKey(), d.getValue(), target, table.getValue(), where);
                if (dep != null) out.add(dep);
            }
        }
    }

    /** The dependency, or null for a dev-dependency that {@code cargo package} would drop (path/git without a version). */
    private static ManifestDependency readDependency(String name, JsonNode spec, String target, String kind, String where) {
        String at = "Cargo.toml: dependency `" + name + "` in [" + where + "]";
        if (spec.isTextual()) {
            return new ManifestDependency(name, null, spec.asText(), List.of(), false, true, target, kind, null);
        }
        if (!spec.isObject()) throw new InvalidCrateException(at + " must be a version string or a table");
        if (spec.has("workspace")) throw new InvalidCrateException(at + " inherits from a workspace; publish the packaged Cargo.toml");
        String req = optionalString(spec, "version");
        if (req == null) {
            if (spec.has("path") || spec.has("git")) {
                // cargo package strips these from dev-dependencies (they only serve the crate's own tests); unpacked
                // folders such as Debian's isahc still carry them
                if (kind.equals(IndexDependency.DEV)) return null;
                throw new InvalidCrateException(at + " is a path/git dependency without a version");
            }
            req = "*";
        }
        if (spec.has("registry") && !spec.has("registry-index")) {
            throw new InvalidCrateException(at + " names a registry; the packaged manifest must give registry-index");
        }
        JsonNode df = spec.has("default-features") ? spec.get("default-features") : spec.get("default_features");
        List<String> artifact = readArtifact(spec.get("artifact"), at);
        String bindepTarget = optionalString(spec, "target");
        boolean lib = optionalBoolean(spec, "lib", at);
        if (artifact == null && (bindepTarget != null || lib)) {
            throw new InvalidCrateException(at + " sets `target` or `lib` without `artifact`");
        }
        return new ManifestDependency(name, optionalString(spec, "package"), req,
                stringList(spec.get("features"), at + " features"), spec.path("optional").asBoolean(false),
                df == null || df.asBoolean(true), target, kind, optionalString(spec, "registry-index"),
                optionalBoolean(spec, "public", at), artifact, bindepTarget, lib);
    }

    /** {@code artifact = "bin"} or {@code ["bin:tool", "cdylib"]}: the kinds cargo's {@code -Zbindeps} knows, or null. */
    private static List<String> readArtifact(JsonNode node, String at) {
        if (node == null || node.isNull()) return null;
        List<String> kinds = node.isTextual() ? List.of(node.asText()) : stringList(node, at + " artifact");
        if (kinds.isEmpty()) throw new InvalidCrateException(at + ": `artifact` is empty");
        for (String k : kinds) {
            boolean known = k.equals("bin") || k.equals("cdylib") || k.equals("staticlib")
                    || (k.startsWith("bin:") && k.length() > 4);
            if (!known) {
                throw new InvalidCrateException(at + ": unknown artifact kind `" + k + "` (expected bin, bin:NAME, cdylib or staticlib)");
            }
        }
        return kinds;
    }

    private static boolean optionalBoolean(JsonNode table, String key, String at) {
        JsonNode v = table.get(key);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw new InvalidCrateException(at + ": `" + key + "` must be true or false");
        return v.asBoolean();
    }

    private static Map<String, List<String>> readFeatures(JsonNode features) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (features == null) return out;
        if (!features.isObject()) throw new InvalidCrateException("Cargo.toml: [features] must be a table");
        for (var f : features.properties()) out.put(f.getKey(), stringList(f.getValue(), "feature `" + f.getKey() + "`"));
        return out;
    }

    private static List<String> stringList(JsonNode node, String what) {
        if (node == null || node.isNull()) return List.of();
        if (!node.isArray()) throw new InvalidCrateException("Cargo.toml: " + what + " must be an array of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode v : node) {
            if (!v.isTextual()) throw new InvalidCrateException("Cargo.toml: " + what + " must be an array of strings");
            out.add(v.asText());
        }
        return List.copyOf(out);
    }

    private static String requiredString(JsonNode table, String key) {
        String v = optionalString(table, key);
        if (v == null || v.isBlank()) {
            if (table.path(key).has("workspace")) {
                throw new InvalidCrateException("Cargo.toml: package." + key + " inherits from a workspace; publish the packaged Cargo.toml");
            }
            throw new InvalidCrateException("Cargo.toml: package." + key + " is missing");
        }
        return v;
    }

    private static String optionalString(JsonNode table, String key) {
        JsonNode v = table.get(key);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) {
            if (v.isObject() && v.has("workspace")) return null;
            throw new InvalidCrateException("Cargo.toml: `" + key + "` must be a string");
        }
        return v.asText();
    }
}
