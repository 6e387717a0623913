package dev.sandcrate.precompile.source;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * One procedural macro a crate declares.
 *
 * @param kind        "derive", "attr" or "bang" (the manifest's names for the three proc-macro kinds)
 * @param name        the name users write ({@code Serialize}, {@code async_trait}, {@code paste})
 * @param function    the Rust function implementing it, at the macro crate's root
 * @param attributes  helper attributes of a derive (e.g. {@code serde})
 * @param cfg         the {@code cfg(...)} predicates on the function, as source text; all must hold
 */
public record MacroDecl(@JsonProperty("kind") String kind, @JsonProperty("name") String name,
                        @JsonProperty("function") String function, @JsonProperty("attributes") List<String> attributes,
                        @JsonProperty("cfg") List<String> cfg) {
    public static final String DERIVE = "derive";
    public static final String ATTR = "attr";
    public static final String BANG = "bang";

    public MacroDecl {
        attributes = attributes == null ? List.of() : List.copyOf(attributes);
        cfg = cfg == null ? List.of() : List.copyOf(cfg);
    }
}
