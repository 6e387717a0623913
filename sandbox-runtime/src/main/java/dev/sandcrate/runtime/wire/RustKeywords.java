package dev.sandcrate.runtime.wire;

import java.util.Set;

/** Rust's strict and reserved keywords (edition 2018 and later, {@code gen} from 2024): words that are never plain identifiers. */
public final class RustKeywords {
    private static final Set<String> RESERVED = Set.of("as", "break", "const", "continue", "crate", "else", "enum",
            "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
            "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
            "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
            "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen");

    private RustKeywords() {}

    public static boolean isReserved(String word) {
        return RESERVED.contains(word);
    }
}
