package dev.sandcrate.runtime.wire;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RustLayoutTest {

    @Test
    void layoutChangesOnlyWhitespace() {
        List<TokenTree> stream = List.of(ident("impl"), ident("X"), group(TokenTree.Delimiter.BRACE,
                ident("fn"), ident("f"), group(TokenTree.Delimiter.PARENTHESIS, ident("a"), punct(',', false), ident("b")),
                group(TokenTree.Delimiter.BRACE, ident("x"), punct(':', true), punct(':', false), ident("y"), punct(';', false),
                        new TokenTree.Literal("1u8", 0))));
        assertEquals("impl X {\n    fn f(a, b) {\n        x::y;\n        1u8\n    }\n}\n", RustLayout.format(stream));
        assertEquals(TokenPrinter.print(stream).replaceAll("\\s+", ""), RustLayout.format(stream).replaceAll("\\s+", ""),
                "only whitespace differs from the plain printer");
    }

    @Test
    void keywordsTakeASpaceBeforeAGroupButCallsAndVisibilityDoNot() {
        assertEquals("if (a) {}\n", RustLayout.format(List.of(ident("if"), group(TokenTree.Delimiter.PARENTHESIS, ident("a")),
                group(TokenTree.Delimiter.BRACE))));
        assertEquals("pub(crate) x\n", RustLayout.format(List.of(ident("pub"), group(TokenTree.Delimiter.PARENTHESIS, ident("crate")),
                ident("x"))));
        assertEquals("Self(a)\n", RustLayout.format(List.of(ident("Self"), group(TokenTree.Delimiter.PARENTHESIS, ident("a")))));
        assertEquals("for x in [a]\n", RustLayout.format(List.of(ident("for"), ident("x"), ident("in"),
                group(TokenTree.Delimiter.BRACKET, ident("a")))));
    }

    private static TokenTree ident(String name) {
        return new TokenTree.Ident(name, false, 0);
    }

    private static TokenTree punct(char ch, boolean joint) {
        return new TokenTree.Punct(ch, joint ? TokenTree.Spacing.JOINT : TokenTree.Spacing.ALONE, 0);
    }

    private static TokenTree group(TokenTree.Delimiter d, TokenTree... trees) {
        return new TokenTree.Group(d, 0, 0, 0, List.of(trees));
    }
}
