package dev.sandcrate.index;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;
import java.util.Objects;

/**
 * One dependency in an index line, in the shape cargo reads (and crates.io writes).
 *
 * @param name            the name the depending crate uses for it (the rename, if renamed)
 * @param req             the semver requirement
 * @param features        features enabled on the dependency
 * @param optional        whether it is an optional dependency
 * @param defaultFeatures whether its default features are enabled
 * @param target          the platform (`cfg(...)` or a triple) it applies to, or null for all
 * @param kind            "normal", "build" or "dev"
 * @param registry        index URL of the registry it comes from, or null for this registry
 * @param packageName     the real package name when {@code name} is a rename, else null
 * @param publicDep       {@code true} for a public dependency (nightly {@code -Zpublic-dependency}), else null (private)
 * @param artifact        the artifacts an artifact dependency builds ("bin", "bin:NAME", "cdylib", "staticlib";
 *                        nightly {@code -Zbindeps}), or null for an ordinary dependency
 * @param bindepTarget    the target triple (or "target") the artifact is built for, or null for the host
 * @param lib             whether an artifact dependency is also an ordinary library dependency ({@code lib = true})
 */
@JsonPropertyOrder({"name", "req", "features", "optional", "default_features", "target", "kind", "registry", "package",
        "public", "artifact", "bindep_target", "lib"})
public record IndexDependency(
        @JsonProperty("name") String name,
        @JsonProperty("req") String req,
        @JsonProperty("features") List<String> features,
        @JsonProperty("optional") boolean optional,
        @JsonProperty("default_features") boolean defaultFeatures,
        @JsonProperty("target") @JsonInclude(JsonInclude.Include.ALWAYS) String target,
        @JsonProperty("kind") String kind,
        @JsonProperty("registry") @JsonInclude(JsonInclude.Include.NON_NULL) String registry,
        @JsonProperty("package") @JsonInclude(JsonInclude.Include.NON_NULL) String packageName,
        @JsonProperty("public") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean publicDep,
        @JsonProperty("artifact") @JsonInclude(JsonInclude.Include.NON_NULL) List<String> artifact,
        @JsonProperty("bindep_target") @JsonInclude(JsonInclude.Include.NON_NULL) String bindepTarget,
        @JsonProperty("lib") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean lib) {

    public static final String NORMAL = "normal";
    public static final String BUILD = "build";
    public static final String DEV = "dev";

    public IndexDependency {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(req, "req");
        features = features == null ? List.of() : List.copyOf(features);
        kind = kind == null ? NORMAL : kind;
        artifact = artifact == null ? null : List.copyOf(artifact);
    }

    /** An ordinary (private, non-artifact) dependency. */
    public IndexDependency(String name, String req, List<String> features, boolean optional, boolean defaultFeatures,
                           String target, String kind, String registry, String packageName) {
        this(name, req, features, optional, defaultFeatures, target, kind, registry, packageName, null, null, null, false);
    }

    /** Whether this is an artifact dependency ({@code -Zbindeps}): cargo builds its binaries/cdylibs, not (only) links it. */
    public boolean isArtifact() {
        return artifact != null;
    }

    /** The crate's real name in the registry (the package name when renamed). */
    public String crateName() {
        return packageName != null ? packageName : name;
    }
}
