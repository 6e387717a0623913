package dev.sandcrate.runtime.wire;

import java.util.List;

/** Renders a token stream as Rust source text (like {@code TokenStream::to_string}, modulo whitespace). */
public final class TokenPrinter {

    private TokenPrinter() {}

    public static String print(List<TokenTree> stream) {
        StringBuilder out = new StringBuilder();
        print(out, stream);
        return out.toString();
    }

    private static void print(StringBuilder out, List<TokenTree> stream) {
        for (int i = 0; i < stream.size(); i++) {
            TokenTree tree = stream.get(i);
            switch (tree) {
                case TokenTree.Group g -> {
                    String[] delimiters = switch (g.delimiter()) {
                        case PARENTHESIS -> new String[] {"(", ")"};
                        case BRACE -> new String[] {"{", "}"};
                        case BRACKET -> new String[] {"[", "]"};
                        case NONE -> new String[] {"", ""};
                    };
                    out.append(delimiters[0]);
                    print(out, g.stream());
                    out.append(delimiters[1]);
                }
                case TokenTree.Punct p -> out.append(p.ch());
                case TokenTree.Ident id -> out.append(id.raw() ? "r#" : "").append(id.name());
                case TokenTree.Literal l -> out.append(l.text());
            }
            boolean joint = tree instanceof TokenTree.Punct p && p.spacing() == TokenTree.Spacing.JOINT;
            if (i + 1 < stream.size() && !joint) {
                out.append(' ');
            }
        }
    }
}
