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
 */
@JsonPropertyOrder({"name", "req", "features", "optional", "default_features", "target", "kind", "registry", "package"})
public record IndexDependency(
        @JsonProperty("name") String name,
        @JsonProperty("req") String req,
        @JsonProperty("features") List<String> features,
        @JsonProperty("optional") boolean optional,
        @JsonProperty("default_features") boolean defaultFeatures,
        @JsonProperty("target") @JsonInclude(JsonInclude.Include.ALWAYS) String target,
        @JsonProperty("kind") String kind,
        @JsonProperty("registry") @JsonInclude(JsonInclude.Include.NON_NULL) String registry,
        @JsonProperty("package") @JsonInclude(JsonInclude.Include.NON_NULL) String packageName) {

    public static final String NORMAL = "normal";
    public static final String BUILD = "build";
    public static final String DEV = "dev";

    public IndexDependency {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(req, "req");
        features = features == null ? List.of() : List.copyOf(features);
        kind = kind == null ? NORMAL : kind;
    }

    /** The crate's real name in the registry (the package name when renamed). */
    public String crateName() {
        return packageName != null ? packageName : name;
    }
}
