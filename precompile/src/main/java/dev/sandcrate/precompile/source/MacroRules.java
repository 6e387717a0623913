package dev.sandcrate.precompile.source;

import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.source.RustTokens.Kind;
import dev.sandcrate.precompile.source.RustTokens.Token;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Just enough of {@code macro_rules!} to expand the root-level macros some crates declare their proc macros with
 * (time-macros' {@code impl_macros![date datetime ...]}, derive_more's {@code create_derive!("from", from, From,
 * from_derive, from)}), so {@link MacroScanner} can read the declarations they produce. Matchers with literal tokens,
 * groups, {@code $x:ident/literal/lifetime/tt} and {@code $x:expr/ty/path/...} (taken up to the next literal token of
 * the matcher), and repetitions {@code $(...) sep? * + ?} without backtracking; arms are tried in order. The expansion is
 * text for the scanner only (tokens separated by spaces); it is never compiled.
 */
final class MacroRules {

    /** A token tree: a token, or a delimited group with the tokens of its open and close bracket. */
    private sealed interface Tree permits Leaf, Group {
    }

    private record Leaf(Token token) implements Tree {
    }

    private record Group(Token open, List<Tree> inner, Token close) implements Tree {
    }

    private sealed interface Element permits Literal, Var, Nested, Repeat {
    }

    private record Literal(String text) implements Element {
    }

    private record Var(String name, String fragment) implements Element {
    }

    private record Nested(String open, List<Element> inner) implements Element {
    }

    private record Repeat(List<Element> inner, String separator, char op) implements Element {
    }

    /** What a matcher variable matched: tokens, or one binding per repetition. */
    private sealed interface Binding permits Fragment, Sequence {
    }

    private record Fragment(List<Tree> trees) implements Binding {
    }

    private record Sequence(List<Binding> items) implements Binding {
    }

    private record Arm(List<Element> matcher, List<Tree> transcriber) {
    }

    private final String name;
    private final List<Arm> arms;

    private MacroRules(String name, List<Arm> arms) {
        this.name = name;
        this.arms = arms;
    }

    String name() {
        return name;
    }

    /**
     * The definition whose body is {@code tokens[open..close]} (the group after {@code macro_rules! name}), or null when
     * it is not made of {@code (matcher) => {transcriber}} arms.
     */
    static MacroRules define(String name, List<Token> tokens, int open, int close) {
        List<Tree> body = trees(tokens, open + 1, close);
        List<Arm> arms = new ArrayList<>();
        int i = 0;
        while (i < body.size()) {
            if (!(body.get(i) instanceof Group matcher) || !isPunct(body, i + 1, "=") || !isPunct(body, i + 2, ">")
                    || i + 3 >= body.size() || !(body.get(i + 3) instanceof Group transcriber)) {
                return null;
            }
            arms.add(new Arm(elements(matcher.inner()), transcriber.inner()));
            i += 4;
            if (isPunct(body, i, ";")) i++;
        }
        return new MacroRules(name, List.copyOf(arms));
    }

    /** The first arm's expansion of the invocation's input {@code tokens[from..to)}, as text. */
    String expand(List<Token> tokens, int from, int to, String file) {
        List<Tree> input = trees(tokens, from, to);
        for (Arm arm : arms) {
            Map<String, Binding> bindings = new HashMap<>();
            if (match(arm.matcher(), input, 0, bindings) == input.size()) {
                StringBuilder out = new StringBuilder();
                transcribe(arm.transcriber(), bindings, out);
                return out.toString();
            }
        }
        throw new PrecompileException(file + ": cannot expand " + name + "! at offset " + tokens.get(from - 1).start()
                + " to read the proc macros it declares (no arm of its macro_rules matches, as far as Sandcrate reads them)");
    }

    private static boolean isPunct(List<Tree> trees, int i, String text) {
        return i < trees.size() && trees.get(i) instanceof Leaf leaf && leaf.token().is(text);
    }

    private static List<Tree> trees(List<Token> tokens, int from, int to) {
        List<Tree> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Token t = tokens.get(i);
            if (t.kind() == Kind.PUNCT && (t.is("(") || t.is("[") || t.is("{"))) {
                int close = closing(tokens, i);
                out.add(new Group(t, trees(tokens, i + 1, close), tokens.get(close)));
                i = close;
            } else {
                out.add(new Leaf(t));
            }
        }
        return out;
    }

    private static int closing(List<Token> tokens, int open) {
        int depth = 0;
        for (int k = open; k < tokens.size(); k++) {
            Token t = tokens.get(k);
            if (t.kind() != Kind.PUNCT) continue;
            if (t.is("(") || t.is("[") || t.is("{")) depth++;
            if (t.is(")") || t.is("]") || t.is("}")) depth--;
            if (depth == 0) return k;
        }
        throw new PrecompileException("unbalanced brackets in the crate root");
    }

    private static List<Element> elements(List<Tree> matcher) {
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < matcher.size(); i++) {
            Tree t = matcher.get(i);
            if (t instanceof Group g) {
                out.add(new Nested(g.open().text(), elements(g.inner())));
            } else if (isPunct(matcher, i, "$") && i + 1 < matcher.size() && matcher.get(i + 1) instanceof Group g) {
                // $( ... ) sep? op
                int k = i + 2;
                String separator = null;
                if (k < matcher.size() && !isOp(matcher, k)) separator = text(matcher.get(k++));
                char op = isOp(matcher, k) ? text(matcher.get(k)).charAt(0) : '*';
                out.add(new Repeat(elements(g.inner()), separator, op));
                i = k;
            } else if (isPunct(matcher, i, "$") && i + 3 < matcher.size() && matcher.get(i + 1) instanceof Leaf v
                    && isPunct(matcher, i + 2, ":") && matcher.get(i + 3) instanceof Leaf f) {
                out.add(new Var(v.token().text(), f.token().text()));
                i += 3;
            } else {
                out.add(new Literal(text(t)));
            }
        }
        return out;
    }

    private static boolean isOp(List<Tree> trees, int i) {
        return isPunct(trees, i, "*") || isPunct(trees, i, "+") || isPunct(trees, i, "?");
    }

    private static String text(Tree t) {
        return t instanceof Leaf l ? l.token().text() : ((Group) t).open().text();
    }

    /** Matches {@code elements} against {@code input} from {@code pos}; the position after the match, or -1. */
    private static int match(List<Element> elements, List<Tree> input, int pos, Map<String, Binding> bindings) {
        for (int e = 0; e < elements.size(); e++) {
            Element element = elements.get(e);
            switch (element) {
                case Literal lit -> {
                    if (pos >= input.size() || !(input.get(pos) instanceof Leaf l) || !l.token().is(lit.text())) return -1;
                    pos++;
                }
                case Nested nested -> {
                    if (pos >= input.size() || !(input.get(pos) instanceof Group g) || !g.open().is(nested.open())
                            || match(nested.inner(), g.inner(), 0, bindings) != g.inner().size()) {
                        return -1;
                    }
                    pos++;
                }
                case Var var -> {
                    int end = fragmentEnd(var.fragment(), input, pos, e + 1 < elements.size() ? elements.get(e + 1) : null);
                    if (end < 0) return -1;
                    bindings.put(var.name(), new Fragment(List.copyOf(input.subList(pos, end))));
                    pos = end;
                }
                case Repeat repeat -> {
                    List<Map<String, Binding>> iterations = new ArrayList<>();
                    int at = pos;
                    while (repeat.op() != '?' || iterations.isEmpty()) {
                        int start = at;
                        if (!iterations.isEmpty() && repeat.separator() != null) {
                            if (at >= input.size() || !(input.get(at) instanceof Leaf l) || !l.token().is(repeat.separator())) break;
                            start = at + 1;
                        }
                        Map<String, Binding> one = new HashMap<>();
                        int end = match(repeat.inner(), input, start, one);
                        if (end < 0 || end == at) break;
                        iterations.add(one);
                        at = end;
                    }
                    if (repeat.op() == '+' && iterations.isEmpty()) return -1;
                    for (String name : variables(repeat.inner())) {
                        bindings.put(name, new Sequence(iterations.stream().map(m -> m.get(name)).toList()));
                    }
                    pos = at;
                }
            }
        }
        return pos;
    }

    /** Where a fragment starting at {@code pos} ends (exclusive), or -1 when none starts there. */
    private static int fragmentEnd(String fragment, List<Tree> input, int pos, Element next) {
        if (pos >= input.size()) return -1;
        Tree t = input.get(pos);
        return switch (fragment) {
            case "tt" -> pos + 1;
            case "ident" -> t instanceof Leaf l && l.token().kind() == Kind.IDENT ? pos + 1 : -1;
            case "literal" -> t instanceof Leaf l && l.token().kind() == Kind.LITERAL ? pos + 1 : -1;
            case "lifetime" -> t instanceof Leaf l && l.token().kind() == Kind.LIFETIME ? pos + 1 : -1;
            default -> { // expr, ty, path, pat, item, ...: up to the matcher's next literal token
                int end = pos;
                while (end < input.size() && !(next instanceof Literal lit && input.get(end) instanceof Leaf l && l.token().is(lit.text()))) end++;
                yield end > pos ? end : -1;
            }
        };
    }

    private static Set<String> variables(List<Element> elements) {
        Set<String> out = new LinkedHashSet<>();
        for (Element element : elements) {
            switch (element) {
                case Var v -> out.add(v.name());
                case Nested n -> out.addAll(variables(n.inner()));
                case Repeat r -> out.addAll(variables(r.inner()));
                case Literal l -> { }
            }
        }
        return out;
    }

    private static void transcribe(List<Tree> trees, Map<String, Binding> bindings, StringBuilder out) {
        for (int i = 0; i < trees.size(); i++) {
            Tree t = trees.get(i);
            if (isPunct(trees, i, "$") && i + 1 < trees.size() && trees.get(i + 1) instanceof Group g) {
                int k = i + 2;
                String separator = null;
                if (k < trees.size() && !isOp(trees, k)) separator = text(trees.get(k++));
                int count = -1;
                for (String name : usedVariables(g.inner())) {
                    if (bindings.get(name) instanceof Sequence s) count = Math.max(count, s.items().size());
                }
                for (int n = 0; n < Math.max(count, 0); n++) {
                    if (n > 0 && separator != null) out.append(separator).append(' ');
                    Map<String, Binding> one = new HashMap<>(bindings);
                    for (String name : usedVariables(g.inner())) {
                        if (bindings.get(name) instanceof Sequence s && n < s.items().size()) one.put(name, s.items().get(n));
                    }
                    transcribe(g.inner(), one, out);
                }
                i = k;
            } else if (isPunct(trees, i, "$") && i + 1 < trees.size() && trees.get(i + 1) instanceof Leaf v
                    && bindings.get(v.token().text()) instanceof Fragment f) {
                transcribe(f.trees(), Map.of(), out);
                i++;
            } else if (t instanceof Group g) {
                out.append(g.open().text()).append(' ');
                transcribe(g.inner(), bindings, out);
                out.append(g.close().text()).append(' ');
            } else {
                out.append(((Leaf) t).token().text()).append(' ');
            }
        }
    }

    private static Set<String> usedVariables(List<Tree> trees) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < trees.size(); i++) {
            if (isPunct(trees, i, "$") && i + 1 < trees.size() && trees.get(i + 1) instanceof Leaf v) out.add(v.token().text());
            if (trees.get(i) instanceof Group g) out.addAll(usedVariables(g.inner()));
        }
        return out;
    }
}
