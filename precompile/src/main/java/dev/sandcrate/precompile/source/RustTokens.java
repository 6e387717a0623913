package dev.sandcrate.precompile.source;

import java.util.ArrayList;
import java.util.List;

/**
 * Just enough of a Rust lexer to find attributes and items at a crate root without being fooled by comments,
 * strings, raw strings and char literals. Tokens keep their source offsets so rewrites preserve everything else.
 */
final class RustTokens {
    enum Kind { IDENT, PUNCT, LITERAL, LIFETIME }

    record Token(Kind kind, String text, int start, int end) {
        boolean is(String s) {
            return text.equals(s);
        }
    }

    private RustTokens() {
    }

    static List<Token> lex(String src) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = src.length();
        while (i < n) {
            char c = src.charAt(i);
            int start = i;
            if (Character.isWhitespace(c)) {
                i++;
            } else if (src.startsWith("//", i)) {
                while (i < n && src.charAt(i) != '\n') i++;
            } else if (src.startsWith("/*", i)) {
                int depth = 0;
                do {
                    if (src.startsWith("/*", i)) { depth++; i += 2; }
                    else if (src.startsWith("*/", i)) { depth--; i += 2; }
                    else i++;
                } while (depth > 0 && i < n);
            } else if (rawStringStart(src, i) >= 0) {
                int j = rawStringStart(src, i);
                int hashes = 0;
                while (src.charAt(j) == '#') { hashes++; j++; }
                String close = "\"" + "#".repeat(hashes);
                int endQuote = src.indexOf(close, j + 1);
                i = endQuote < 0 ? n : endQuote + close.length();
                out.add(new Token(Kind.LITERAL, src.substring(start, i), start, i));
            } else if (c == '"' || ((c == 'b' || c == 'c') && i + 1 < n && src.charAt(i + 1) == '"')) {
                i = src.indexOf('"', i) + 1;
                while (i < n && src.charAt(i) != '"') i += src.charAt(i) == '\\' ? 2 : 1;
                i = Math.min(n, i + 1);
                i = suffix(src, i);
                out.add(new Token(Kind.LITERAL, src.substring(start, i), start, i));
            } else if (c == '\'' || (c == 'b' && i + 1 < n && src.charAt(i + 1) == '\'')) {
                int q = c == 'b' ? i + 1 : i;
                if (q + 2 < n && src.charAt(q + 1) == '\\') {
                    int j = q + 2;
                    while (j < n && src.charAt(j) != '\'') j++;
                    i = suffix(src, Math.min(n, j + 1));
                    out.add(new Token(Kind.LITERAL, src.substring(start, i), start, i));
                } else if (q + 2 < n && src.charAt(q + 2) == '\'' || (q + 3 < n && Character.isSurrogate(src.charAt(q + 1)) && src.charAt(q + 3) == '\'')) {
                    i = suffix(src, src.indexOf('\'', q + 2) + 1);
                    out.add(new Token(Kind.LITERAL, src.substring(start, i), start, i));
                } else {
                    i = q + 1;
                    while (i < n && identPart(src.charAt(i))) i++;
                    out.add(new Token(Kind.LIFETIME, src.substring(start, i), start, i));
                }
            } else if (identStart(c)) {
                if (src.startsWith("r#", i) && i + 2 < n && identStart(src.charAt(i + 2))) i += 2;
                while (i < n && identPart(src.charAt(i))) i++;
                out.add(new Token(Kind.IDENT, src.substring(start, i), start, i));
            } else if (Character.isDigit(c)) {
                while (i < n && (identPart(src.charAt(i)) || (src.charAt(i) == '.' && i + 1 < n && Character.isDigit(src.charAt(i + 1))))) i++;
                out.add(new Token(Kind.LITERAL, src.substring(start, i), start, i));
            } else {
                i++;
                out.add(new Token(Kind.PUNCT, String.valueOf(c), start, i));
            }
        }
        return out;
    }

    /** Index of the first {@code #} or {@code "} after the r/br/cr prefix of a raw string at i, or -1. */
    private static int rawStringStart(String src, int i) {
        int j = i;
        if (src.startsWith("br", j) || src.startsWith("cr", j)) j += 2;
        else if (src.startsWith("r", j)) j += 1;
        else return -1;
        if (j == i || (i > 0 && identPart(src.charAt(i - 1)))) return -1;
        int k = j;
        while (k < src.length() && src.charAt(k) == '#') k++;
        return k < src.length() && src.charAt(k) == '"' ? j : -1;
    }

    private static int suffix(String src, int i) {
        while (i < src.length() && identPart(src.charAt(i))) i++;
        return i;
    }

    private static boolean identStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean identPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
