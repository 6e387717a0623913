package dev.sandcrate.runtime.wire;

import java.util.List;

/** One token tree of a wire-format token stream; span fields are ids into the message's span table. */
public sealed interface TokenTree {

    int span();

    enum Delimiter { PARENTHESIS, BRACE, BRACKET, NONE }

    enum Spacing { ALONE, JOINT }

    record Group(Delimiter delimiter, int span, int open, int close, List<TokenTree> stream) implements TokenTree {
        public Group {
            stream = List.copyOf(stream);
        }
    }

    /** {@code ch} is one of {@code =<>!~+-*}{@code /%^&|@.,;:#$?'}. */
    record Punct(char ch, Spacing spacing, int span) implements TokenTree {}

    /** {@code name} without any {@code r#} prefix. */
    record Ident(String name, boolean raw, int span) implements TokenTree {}

    /** {@code text} exactly as {@code proc_macro::Literal::to_string()} prints it, suffix included. */
    record Literal(String text, int span) implements TokenTree {}

    static boolean isPunctChar(char ch) {
        return "=<>!~+-*/%^&|@.,;:#$?'".indexOf(ch) >= 0;
    }
}
