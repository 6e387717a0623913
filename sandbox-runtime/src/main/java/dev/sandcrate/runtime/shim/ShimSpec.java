package dev.sandcrate.runtime.shim;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything a shim crate is generated from.
 *
 * @param crateName the original crate's name (the shim replaces it under the same name and version)
 * @param version the original crate's version
 * @param edition the original crate's edition: tokens a macro creates at the call site take the edition of the
 *     crate that defines the macro (serde_derive 1.0.152, edition 2015, emits {@code macro_rules! try})
 * @param license the original's SPDX license expression, or null
 * @param features the original's features restricted to its own feature graph: each feature lists the other
 *     features of this crate it enables (dependency features, {@code dep:} entries removed; optional dependencies
 *     appear as their implicit feature with no members)
 * @param artifacts one verified wasm per precompiled feature set, each with the macros it exports (a macro can be
 *     declared only under some features)
 * @param sourceHint how to get a source build or request a precompile, shown when the enabled feature set has no
 *     artifact (e.g. a registry URL)
 */
public record ShimSpec(String crateName, String version, String edition, String license, Map<String, List<String>> features,
                       List<Artifact> artifacts, String sourceHint) {

    public ShimSpec {
        features = new TreeMap<>(features);
        artifacts = List.copyOf(artifacts);
    }

    public enum Kind { DERIVE, ATTR, BANG }

    /** One macro: its kind, name (the derive's trait name for derives) and helper attributes (derives only). */
    public record MacroDecl(Kind kind, String name, List<String> helperAttributes) {
        public MacroDecl {
            helperAttributes = List.copyOf(helperAttributes);
        }
    }

    /**
     * A verified artifact, the feature set it was built with (feature names as requested, e.g. {@code default};
     * the shim compares the transitive closure) and the macros it exports, in declaration order.
     */
    public record Artifact(Set<String> features, byte[] wasm, List<MacroDecl> macros) {
        public Artifact {
            features = Set.copyOf(features);
            macros = List.copyOf(macros);
        }
    }
}
