package dev.sandcrate.runtime.wire;

import java.util.List;
import java.util.function.IntFunction;

/**
 * The structural dump shared with the Rust side ({@code dump}/{@code dump_tokens} in the wire crate): one token
 * per line, two spaces of indentation per group level, so expansions compare token for token.
 */
public final class TokenDump {

    private TokenDump() {}

    /** Dump with each token's span id ({@code #12}). */
    public static String dump(List<TokenTree> stream) {
        return dumpWith(stream, id -> "#" + Integer.toUnsignedString(id));
    }

    /** Dump without span information. */
    public static String dumpTokens(List<TokenTree> stream) {
        return dumpWith(stream, id -> "");
    }

    public static String dumpWith(List<TokenTree> stream, IntFunction<String> span) {
        StringBuilder out = new StringBuilder();
        dumpInto(out, stream, 0, span);
        return out.toString();
    }

    private static void dumpInto(StringBuilder out, List<TokenTree> stream, int depth, IntFunction<String> span) {
        for (TokenTree tree : stream) {
            out.append("  ".repeat(depth));
            out.append(switch (tree) {
                case TokenTree.Group g -> "group " + switch (g.delimiter()) {
                    case PARENTHESIS -> "()";
                    case BRACE -> "{}";
                    case BRACKET -> "[]";
                    case NONE -> "none";
                };
                case TokenTree.Punct p -> "punct " + p.ch() + " " + (p.spacing() == TokenTree.Spacing.JOINT ? "joint" : "alone");
                case TokenTree.Ident i -> "ident " + (i.raw() ? "r#" : "") + escape(i.name());
                case TokenTree.Literal l -> "literal " + escape(l.text());
            });
            String rendered = span.apply(tree.span());
            if (!rendered.isEmpty()) {
                out.append(' ').append(rendered);
            }
            out.append('\n');
            if (tree instanceof TokenTree.Group g) {
                dumpInto(out, g.stream(), depth + 1, span);
            }
        }
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
