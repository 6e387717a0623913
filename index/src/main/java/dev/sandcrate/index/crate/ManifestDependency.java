package dev.sandcrate.index.crate;

import dev.sandcrate.index.IndexDependency;

import java.util.List;

/**
 * A dependency as written in a packaged (normalized) Cargo.toml.
 *
 * @param name            the key in the dependencies table (the rename, if {@code package} is set)
 * @param packageName     {@code package = "..."}, or null
 * @param req             {@code version = "..."} ("*" when absent)
 * @param registryIndex   {@code registry-index = "..."} (cargo writes it for non-crates.io deps), or null = crates.io
 * @param target          the {@code [target.X]} it sits under, or null
 * @param kind            "normal", "build" or "dev"
 * @param publicDep       {@code public = true} (nightly {@code -Zpublic-dependency})
 * @param artifact        {@code artifact = "bin" | [...]} (nightly {@code -Zbindeps}), or null
 * @param bindepTarget    the artifact dependency's {@code target = "..."}, or null
 * @param lib             the artifact dependency's {@code lib = true}
 */
public record ManifestDependency(String name, String packageName, String req, List<String> features, boolean optional,
                                 boolean defaultFeatures, String target, String kind, String registryIndex,
                                 boolean publicDep, List<String> artifact, String bindepTarget, boolean lib) {

    /** An ordinary (private, non-artifact) dependency. */
    public ManifestDependency(String name, String packageName, String req, List<String> features, boolean optional,
                              boolean defaultFeatures, String target, String kind, String registryIndex) {
        this(name, packageName, req, features, optional, defaultFeatures, target, kind, registryIndex, false, null, null, false);
    }

    /** The index URL cargo uses for crates.io dependencies of crates published elsewhere. */
    public static final String CRATES_IO_INDEX = "https://github.com/rust-lang/crates.io-index";

    public String crateName() {
        return packageName != null ? packageName : name;
    }

    /**
     * The index form of this dependency, for a crate published to the registry whose index is at
     * {@code ownIndexUrl}: dependencies on that same registry get {@code registry: null}, dependencies
     * without {@code registry-index} come from crates.io (as cargo would resolve them).
     */
    public IndexDependency toIndex(String ownIndexUrl) {
        String registry;
        if (registryIndex == null) registry = CRATES_IO_INDEX;
        else if (ownIndexUrl != null && sameIndex(registryIndex, ownIndexUrl)) registry = null;
        else registry = registryIndex;
        return new IndexDependency(name, req, features, optional, defaultFeatures, target, kind, registry, packageName,
                publicDep ? Boolean.TRUE : null, artifact, bindepTarget, lib);
    }

    /** Compares index URLs ignoring the {@code sparse+} prefix, a trailing slash and the scheme/host case. */
    public static boolean sameIndex(String a, String b) {
        return normalizeIndexUrl(a).equals(normalizeIndexUrl(b));
    }

    static String normalizeIndexUrl(String url) {
        String u = url.strip();
        if (u.startsWith("sparse+")) u = u.substring("sparse+".length());
        while (u.endsWith("/")) u = u.substring(0, u.length() - 1);
        int path = u.indexOf('/', u.indexOf("://") + 3);
        return path < 0 ? u.toLowerCase(java.util.Locale.ROOT)
                : u.substring(0, path).toLowerCase(java.util.Locale.ROOT) + u.substring(path);
    }
}
