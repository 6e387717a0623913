package dev.sandcrate.index;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One line of a sparse-index file: one published version of a crate, exactly as cargo reads it.
 * Optional fields that are absent are left out of the JSON (as crates.io does).
 *
 * @param features    features whose values use no `dep:` / `?/` syntax
 * @param features2   the other features (cargo &ge; 1.60 reads them when {@code v} is 2)
 * @param v           index schema version: 3 when a dependency is an artifact dependency (cargo reads those only with
 *                    {@code -Zbindeps}), 2 when features2 is present, else absent (1)
 * @param pubtime     publication time, "yyyy-mm-ddThh:mm:ssZ" (UTC, whole seconds), or null; never changes after publish
 */
// the field order crates.io writes (crates_io_index::Crate); lines without features2/v render as they always did
@JsonPropertyOrder({"name", "vers", "deps", "cksum", "features", "features2", "yanked", "links", "rust_version", "pubtime", "v"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IndexEntry(
        @JsonProperty("name") String name,
        @JsonProperty("vers") String vers,
        @JsonProperty("deps") List<IndexDependency> deps,
        @JsonProperty("cksum") String cksum,
        @JsonProperty("features") Map<String, List<String>> features,
        @JsonProperty("yanked") boolean yanked,
        @JsonProperty("links") String links,
        @JsonProperty("v") Integer v,
        @JsonProperty("features2") Map<String, List<String>> features2,
        @JsonProperty("rust_version") String rustVersion,
        @JsonProperty("pubtime") String pubtime) {

    public IndexEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(vers, "vers");
        deps = deps == null ? List.of() : List.copyOf(deps);
        features = features == null ? Map.of() : copy(features);
        features2 = features2 == null || features2.isEmpty() ? null : copy(features2);
    }

    public static final int V_FEATURES2 = 2;
    public static final int V_ARTIFACT_DEPS = 3;

    /**
     * Builds an entry the way crates.io does: features sorted by name, those that use `dep:` or `?/` go to features2
     * (and v becomes 2) so that old cargo versions, which cannot read them, ignore them. An entry with an artifact
     * dependency gets v 3, which cargo reads only with {@code -Zbindeps}: others skip the version rather than
     * mistake the artifact for an ordinary library dependency.
     */
    public static IndexEntry of(String name, String vers, List<IndexDependency> deps, String cksum,
                                Map<String, List<String>> allFeatures, String links, String rustVersion,
                                String pubtime) {
        Map<String, List<String>> features = new java.util.TreeMap<>();
        Map<String, List<String>> features2 = new java.util.TreeMap<>();
        allFeatures.forEach((feature, values) -> {
            boolean newSyntax = values.stream().anyMatch(v -> v.startsWith("dep:") || v.contains("?/"));
            (newSyntax ? features2 : features).put(feature, values);
        });
        Integer v = deps.stream().anyMatch(IndexDependency::isArtifact) ? Integer.valueOf(V_ARTIFACT_DEPS)
                : features2.isEmpty() ? null : V_FEATURES2;
        return new IndexEntry(name, vers, deps, cksum, features, false, links,
                v, features2.isEmpty() ? null : features2, rustVersion, pubtime);
    }

    /** All features, whether listed in features or features2. */
    public Map<String, List<String>> allFeatures() {
        Map<String, List<String>> all = new LinkedHashMap<>(features);
        if (features2 != null) all.putAll(features2);
        return all;
    }

    public IndexEntry withYanked(boolean yanked) {
        return new IndexEntry(name, vers, deps, cksum, features, yanked, links, v, features2, rustVersion, pubtime);
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> in) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        in.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return java.util.Collections.unmodifiableMap(out);
    }
}
