package dev.sandcrate.precompile.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.index.crate.CrateManifest;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.index.crate.ManifestDependency;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.artifact.ArtifactManifest;
import dev.sandcrate.precompile.source.MacroDecl;
import dev.sandcrate.runtime.shim.ShimSources;
import dev.sandcrate.runtime.shim.ShimSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Turns the verified artifacts of one crate version into its shim .crate: a proc-macro crate with the original's name,
 * version and features that runs the artifacts in the Sandcrate runtime (docs/runtime.md), through the code of its one
 * dependency, the support crate ({@link #support()}). The .crates are packed deterministically ({@link CratePacker}),
 * so the same inputs always give the same checksum. Callers pass only artifacts that passed the double build and
 * verification.
 */
public final class ShimGenerator {

    private ShimGenerator() {}

    /**
     * @param originalCargoToml the Cargo.toml inside the original .crate
     * @param artifacts the verified wasm artifacts of this version (each carries its manifest section); of artifacts
     *                  that enable the same features only the first is embedded ({@link #embedded})
     * @param sourceHint shown when a consumer's feature set has no artifact: how to get a source build or request one
     */
    public static CratePacker.PackedCrate generate(byte[] originalCargoToml, List<byte[]> artifacts, String sourceHint)
            throws IOException {
        CrateManifest original = procMacro(originalCargoToml);
        Map<String, List<String>> features = ownFeatures(original);
        List<ShimSpec.Artifact> shimArtifacts = new ArrayList<>();
        for (int i : embedded(originalCargoToml, artifacts)) {
            ArtifactManifest manifest = ArtifactManifest.of(artifacts.get(i));
            shimArtifacts.add(new ShimSpec.Artifact(requested(manifest, features), artifacts.get(i), macros(manifest)));
        }
        ShimSpec spec = new ShimSpec(original.name(), original.version(), edition(originalCargoToml), original.license(),
                features, shimArtifacts, sourceHint);
        try {
            return pack(original.name() + "-" + original.version(), ShimSources.render(spec));
        } catch (IllegalArgumentException e) {
            throw new PrecompileException(e.getMessage(), e);
        }
    }

    /** The support crate every shim of this runtime depends on ({@link ShimSources#SUPPORT_CRATE} at {@link ShimSources#supportVersion()}). */
    public static CratePacker.PackedCrate support() throws IOException {
        return pack(ShimSources.SUPPORT_CRATE + "-" + ShimSources.supportVersion(), ShimSources.renderSupport());
    }

    private static CratePacker.PackedCrate pack(String rootName, Map<String, byte[]> files) throws IOException {
        Path dir = Files.createTempDirectory("sandcrate-shim-");
        try {
            Path root = dir.resolve(rootName);
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path path = root.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.write(path, file.getValue());
            }
            return CratePacker.pack(root);
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * The positions of the artifacts a shim of these embeds: the first of each group of artifacts whose feature sets
     * enable the same features of the crate (the shim's own features, without {@code default}, which only enables
     * others). Such artifacts are builds of one effective feature set, e.g. a crate without features built with
     * and without default features, and the shim's cfg cannot tell them apart, so one of them serves both.
     *
     * @throws PrecompileException when an artifact belongs to another crate or version, or names unknown features
     */
    public static List<Integer> embedded(byte[] originalCargoToml, List<byte[]> artifacts) throws IOException {
        CrateManifest original = procMacro(originalCargoToml);
        Map<String, List<String>> features = ownFeatures(original);
        Set<Set<String>> seen = new HashSet<>();
        List<Integer> embedded = new ArrayList<>();
        for (int i = 0; i < artifacts.size(); i++) {
            ArtifactManifest manifest = ArtifactManifest.of(artifacts.get(i));
            if (!manifest.crate().equals(original.name()) || !manifest.version().equals(original.version())) {
                throw new PrecompileException("artifact " + manifest.label() + " does not belong to "
                        + original.name() + " " + original.version());
            }
            Set<String> enabled = new TreeSet<>(ShimSources.closure(features, requested(manifest, features)));
            enabled.remove("default");
            if (seen.add(enabled)) embedded.add(i);
        }
        return embedded;
    }

    private static CrateManifest procMacro(byte[] originalCargoToml) {
        CrateManifest original = CrateManifest.parse(originalCargoToml);
        if (!original.procMacro()) {
            throw new PrecompileException(original.name() + " " + original.version() + " is not a proc-macro crate; it has no shim");
        }
        return original;
    }

    /**
     * The shim's line in the precompiled view of the index: the source line's name, version, yank state and
     * publication time, with the shim's checksum, its features and minimum rustc, and its dependencies (the support
     * crate; none for shims generated before there was one) from the view itself.
     *
     * @param shimManifest the manifest inside the shim .crate whose sha256 is {@code cksum}
     */
    public static IndexEntry indexEntry(CrateManifest shimManifest, String cksum, IndexEntry source) {
        if (!shimManifest.name().equals(source.name()) || !shimManifest.version().equals(source.vers())) {
            throw new PrecompileException("shim " + shimManifest.name() + " " + shimManifest.version() + " does not replace "
                    + source.name() + " " + source.vers());
        }
        IndexEntry entry = shimManifest.toIndexEntry(cksum, null, source.pubtime());
        List<IndexDependency> fromTheView = entry.deps().stream().map(d -> new IndexDependency(d.name(), d.req(), d.features(),
                d.optional(), d.defaultFeatures(), d.target(), d.kind(), null, d.packageName())).toList();
        return new IndexEntry(entry.name(), entry.vers(), fromTheView, entry.cksum(), entry.features(), source.yanked(),
                null, entry.v(), entry.features2(), entry.rustVersion(), source.pubtime());
    }

    /** {@link #indexEntry(CrateManifest, String, IndexEntry)} of a packed shim. */
    public static IndexEntry indexEntry(CratePacker.PackedCrate shim, IndexEntry source) {
        return indexEntry(CrateArchive.read(shim.bytes(), CrateLimits.DEFAULT).manifest(), Checksums.sha256Hex(shim.bytes()), source);
    }

    /** {@code package.edition}, or 2015 when absent (cargo's default). */
    static String edition(byte[] cargoToml) throws IOException {
        JsonNode edition = new TomlMapper().readTree(cargoToml).path("package").path("edition");
        return edition.isTextual() ? edition.asText() : "2015";
    }

    /**
     * The original's feature graph restricted to its own features: {@code dep:x} and {@code x/y} entries go (the shim
     * has no dependencies), except that {@code x/y} still enables the implicit feature of an optional dependency
     * {@code x}; optional dependencies not named with {@code dep:} keep their implicit feature.
     */
    static Map<String, List<String>> ownFeatures(CrateManifest original) {
        Set<String> explicitDep = new HashSet<>();
        original.features().values().forEach(members -> members.stream()
                .filter(m -> m.startsWith("dep:")).forEach(m -> explicitDep.add(m.substring(4))));
        Map<String, List<String>> features = new TreeMap<>();
        for (ManifestDependency dependency : original.dependencies()) {
            if (dependency.optional() && !explicitDep.contains(dependency.name())) {
                features.put(dependency.name(), List.of());
            }
        }
        original.features().forEach((feature, members) -> features.put(feature, List.of()));
        original.features().forEach((feature, members) -> {
            Set<String> own = new LinkedHashSet<>();
            for (String member : members) {
                String name = member.startsWith("dep:") ? null
                        : member.contains("?/") ? null
                        : member.contains("/") ? member.substring(0, member.indexOf('/'))
                        : member;
                if (name != null && features.containsKey(name)) {
                    own.add(name);
                }
            }
            features.put(feature, List.copyOf(own));
        });
        return features;
    }

    /** The feature names an artifact was built with, as the shim's own features. */
    private static Set<String> requested(ArtifactManifest manifest, Map<String, List<String>> features) {
        Set<String> requested = new HashSet<>();
        if (manifest.features().defaultFeatures() && features.containsKey("default")) {
            requested.add("default");
        }
        for (String feature : manifest.features().features()) {
            String own = feature.contains("/") ? feature.substring(0, feature.indexOf('/')).replace("?", "") : feature;
            if (features.containsKey(own) && !feature.contains("?/")) {
                requested.add(own);
            } else if (!feature.contains("/")) {
                throw new PrecompileException("artifact " + manifest.label() + " was built with feature '" + feature
                        + "', which " + manifest.crate() + " does not declare");
            }
        }
        return requested;
    }

    private static List<ShimSpec.MacroDecl> macros(ArtifactManifest manifest) {
        return manifest.macros().stream().map(m -> new ShimSpec.MacroDecl(switch (m.kind()) {
            case MacroDecl.DERIVE -> ShimSpec.Kind.DERIVE;
            case MacroDecl.ATTR -> ShimSpec.Kind.ATTR;
            case MacroDecl.BANG -> ShimSpec.Kind.BANG;
            default -> throw new PrecompileException("artifact " + manifest.label() + " declares a macro of unknown kind '" + m.kind() + "'");
        }, m.name(), m.attributes())).toList();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
