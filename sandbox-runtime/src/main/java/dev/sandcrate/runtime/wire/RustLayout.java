package dev.sandcrate.runtime.wire;

import java.util.List;
import java.util.Set;

/**
 * Prints a token stream as Rust source for reading: a line per item, statement, field or match arm, with braces
 * indented. Token text and order are exactly the expansion's; only whitespace is chosen here.
 */
public final class RustLayout {
    private RustLayout() {}

    public static String format(List<TokenTree> stream) {
        StringBuilder out = new StringBuilder();
        print(out, stream, 0, true);
        return out.toString().strip() + "\n";
    }

    /** Keywords that take a group after a space ({@code if (x)}, {@code in [..]}); the rest are called or used as paths. */
    private static boolean spacedBeforeGroup(String ident) {
        return RustKeywords.isReserved(ident) && !CALLED.contains(ident);
    }

    private static final Set<String> CALLED = Set.of("fn", "pub", "self", "Self", "super", "crate", "true", "false");

    /** {@code lines}: this stream is a top level or brace body, where ';' and ',' end a line. */
    private static void print(StringBuilder out, List<TokenTree> stream, int depth, boolean lines) {
        for (int i = 0; i < stream.size(); i++) {
            TokenTree t = stream.get(i);
            boolean last = i + 1 == stream.size();
            boolean newline = false;
            switch (t) {
                case TokenTree.Group g when g.delimiter() == TokenTree.Delimiter.BRACE -> {
                    if (g.stream().isEmpty()) {
                        out.append("{}");
                    } else if (fitsOnOneLine(g)) {
                        out.append("{ ");
                        print(out, g.stream(), depth, false);
                        trimLine(out);
                        out.append(" }");
                    }
                    if (g.stream().isEmpty() || fitsOnOneLine(g)) {
                        newline = lines && !(!last && stream.get(i + 1) instanceof TokenTree.Punct p
                                && (p.ch() == ',' || p.ch() == ';' || p.ch() == '.'));
                    } else {
                        out.append("{\n");
                        indent(out, depth + 1);
                        print(out, g.stream(), depth + 1, true);
                        trimLine(out);
                        out.append('\n');
                        indent(out, depth);
                        out.append('}');
                        // a block ends its line unless a separator follows
                        newline = lines && !(!last && stream.get(i + 1) instanceof TokenTree.Punct p
                                && (p.ch() == ',' || p.ch() == ';' || p.ch() == '.'));
                    }
                }
                case TokenTree.Group g -> {
                    String[] d = switch (g.delimiter()) {
                        case PARENTHESIS -> new String[] {"(", ")"};
                        case BRACKET -> new String[] {"[", "]"};
                        default -> new String[] {"", ""};
                    };
                    out.append(d[0]);
                    print(out, g.stream(), depth, false);
                    trimLine(out);
                    out.append(d[1]);
                }
                case TokenTree.Punct p -> {
                    out.append(p.ch());
                    newline = lines && p.spacing() == TokenTree.Spacing.ALONE && (p.ch() == ';' || p.ch() == ',');
                }
                case TokenTree.Ident id -> out.append(id.raw() ? "r#" : "").append(id.name());
                case TokenTree.Literal l -> out.append(l.text());
            }
            if (last) continue;
            if (newline) {
                out.append('\n');
                indent(out, depth);
            } else if (spaceBetween(stream, i)) {
                out.append(' ');
            }
        }
    }

    /** A brace group without statements or blocks inside, short enough to read on one line: {@code { a, b }}. */
    private static boolean fitsOnOneLine(TokenTree.Group g) {
        for (TokenTree t : g.stream()) {
            if (t instanceof TokenTree.Punct p && p.ch() == ';') return false;
            if (t instanceof TokenTree.Group inner && inner.delimiter() == TokenTree.Delimiter.BRACE) return false;
        }
        return TokenPrinter.print(g.stream()).length() <= 60;
    }

    /** Whether a space goes between token i and token i+1 (the usual rustfmt spacing for the common cases). */
    private static boolean spaceBetween(List<TokenTree> s, int i) {
        TokenTree a = s.get(i);
        TokenTree b = s.get(i + 1);
        if (a instanceof TokenTree.Punct p && p.spacing() == TokenTree.Spacing.JOINT) return false;
        if (b instanceof TokenTree.Punct q && (q.ch() == ',' || q.ch() == ';' || q.ch() == '.')) return false;
        if (a instanceof TokenTree.Punct p && p.ch() == '.') return false;
        // `name: Type`
        if (a instanceof TokenTree.Ident && b instanceof TokenTree.Punct q && q.ch() == ':' && q.spacing() == TokenTree.Spacing.ALONE) return false;
        // `a::b`: nothing around a path separator
        if (isPathSep(s, i - 1) || (b instanceof TokenTree.Punct q && q.ch() == ':' && q.spacing() == TokenTree.Spacing.JOINT
                && a instanceof TokenTree.Ident)) return false;
        // `#[attr]`, `#![attr]`, `name!(...)`
        if (a instanceof TokenTree.Punct p && (p.ch() == '#' || p.ch() == '!') && b instanceof TokenTree.Group) return false;
        if (a instanceof TokenTree.Punct p && p.ch() == '#' && b instanceof TokenTree.Punct q && q.ch() == '!') return false;
        if (a instanceof TokenTree.Ident && b instanceof TokenTree.Punct q && q.ch() == '!' && i + 2 < s.size()
                && s.get(i + 2) instanceof TokenTree.Group) return false;
        // calls and indexing: `f(x)`, `v[0]`, but `if (x)`, `in [..]`
        if (a instanceof TokenTree.Ident id && b instanceof TokenTree.Group g
                && (g.delimiter() == TokenTree.Delimiter.PARENTHESIS || g.delimiter() == TokenTree.Delimiter.BRACKET)) {
            return spacedBeforeGroup(id.name());
        }
        if (a instanceof TokenTree.Punct p && p.ch() == '&' && b instanceof TokenTree.Ident id && (id.name().equals("self")
                || id.name().equals("mut") || id.name().equals("str"))) return false;
        return true;
    }

    /** Whether tokens i-1, i are the two ':' of a {@code ::}. */
    private static boolean isPathSep(List<TokenTree> s, int i) {
        return i >= 0 && i + 1 < s.size() && s.get(i) instanceof TokenTree.Punct p && p.ch() == ':'
                && p.spacing() == TokenTree.Spacing.JOINT && s.get(i + 1) instanceof TokenTree.Punct q && q.ch() == ':';
    }

    private static void indent(StringBuilder out, int depth) {
        out.append("    ".repeat(depth));
    }

    private static void trimLine(StringBuilder out) {
        while (!out.isEmpty() && out.charAt(out.length() - 1) == ' ') out.setLength(out.length() - 1);
    }
}
