package dev.sandcrate.precompile.source;

import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.source.RustTokens.Kind;
import dev.sandcrate.precompile.source.RustTokens.Token;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the {@code #[proc_macro_derive]}, {@code #[proc_macro_attribute]} and {@code #[proc_macro]} functions at a
 * macro crate's root, and rewrites the root so it compiles as an ordinary rlib: those attributes become spaces
 * (line and column numbers stay, so spans and panic locations match the original), and
 * {@code extern crate proc_macro;} is added when the crate relied on the proc-macro prelude. A
 * {@code #[proc_macro_error]} on a macro function (proc-macro-error refuses to wrap a function it cannot see a
 * proc-macro attribute on) gets the arguments that make it expand exactly as it does on the original:
 * {@code allow_not_macro, assert_unwind_safe}. A macro attribute under {@code #[cfg_attr(predicate, ...)]} is a
 * macro whose cfg includes the predicate (strum_macros names its derives by feature this way). synstructure's
 * {@code decl_derive!([Name, attributes(..)] => function)} declares a derive too: a local copy of that macro without
 * its {@code #[proc_macro_derive]} is put before the first item. proc-macro-hack's {@code #[proc_macro_hack]} on a
 * function declares the two macros proc-macro-hack generates for it. A {@code macro_rules!} at the root whose body
 * has a proc-macro attribute declares the macros of its invocations at the root ({@link MacroRules} expands them for
 * reading); the attributes in its body are blanked like the others.
 */
public final class MacroScanner {
    private static final List<String> MACRO_ATTRIBUTES = List.of("proc_macro_derive", "proc_macro_attribute", "proc_macro");
    /** What proc-macro-error-attr implies when it sees a proc-macro attribute on the function. */
    private static final List<String> PROC_MACRO_ERROR_AS_ON_A_MACRO = List.of("allow_not_macro", "assert_unwind_safe");

    /** The macros found and the rewritten root source. */
    public record Result(List<MacroDecl> macros, String rewrittenSource) {
    }

    private MacroScanner() {
    }

    public static Result scan(String source, String fileForMessages) {
        List<Token> tokens = RustTokens.lex(source);
        List<MacroDecl> macros = new ArrayList<>();
        StringBuilder rewritten = new StringBuilder(source);
        boolean hasExternProcMacro = false;
        boolean declDerive = false;
        StringBuilder appended = new StringBuilder(); // after the last line, so that no line moves
        List<Attribute> pending = new ArrayList<>();
        List<Insertion> insertions = new ArrayList<>(); // applied last, so the offsets above stay valid
        java.util.Map<String, MacroRules> declaring = new java.util.HashMap<>(); // macro_rules that declare proc macros
        int depth = 0;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (depth == 0 && t.is("#") && i + 1 < tokens.size() && tokens.get(i + 1).is("[")) {
                int close = matching(tokens, i + 1);
                pending.add(new Attribute(tokens.subList(i + 2, close), t.start(), tokens.get(close).end()));
                i = close;
                continue;
            }
            if (depth == 0 && t.is("#") && i + 2 < tokens.size() && tokens.get(i + 1).is("!") && tokens.get(i + 2).is("[")) {
                i = matching(tokens, i + 2); // inner attribute of the crate: not ours
                continue;
            }
            if (depth == 0 && t.is("decl_derive") && i + 2 < tokens.size() && tokens.get(i + 1).is("!")
                    && List.of("(", "[", "{").contains(tokens.get(i + 2).text())) {
                int close = matching(tokens, i + 2);
                List<String> cfg = pending.stream().filter(a -> a.path().equals("cfg")).map(a -> a.argsText(source)).toList();
                pending.clear();
                macros.add(declDerive(tokens.subList(i + 3, close), cfg, fileForMessages));
                declDerive = true;
                // a #[proc_macro_error] passed on to the generated function no longer sees #[proc_macro_derive] next to it
                for (int k = i + 3; k + 2 < close; k++) {
                    if (tokens.get(k).is("#") && tokens.get(k + 1).is("[") && tokens.get(k + 2).is("proc_macro_error")) {
                        int end = matching(tokens, k + 1);
                        procMacroErrorArguments(new Attribute(tokens.subList(k + 2, end), tokens.get(k).start(), tokens.get(end).end()), source)
                                .ifPresent(insertions::add);
                    }
                }
                i = close;
                continue;
            }
            if (depth == 0 && t.is("macro_rules") && i + 3 < tokens.size() && tokens.get(i + 1).is("!")
                    && tokens.get(i + 2).kind() == Kind.IDENT && List.of("(", "[", "{").contains(tokens.get(i + 3).text())) {
                int close = matching(tokens, i + 3);
                List<Attribute> inBody = macroAttributesWithin(tokens, i + 4, close);
                MacroRules rules = inBody.isEmpty() ? null : MacroRules.define(tokens.get(i + 2).text(), tokens, i + 3, close);
                if (rules != null) {
                    declaring.put(rules.name(), rules);
                    inBody.forEach(a -> blank(rewritten, a));
                }
                pending.clear();
                i = close;
                continue;
            }
            if (depth == 0 && t.kind() == Kind.IDENT && declaring.containsKey(t.text()) && i + 2 < tokens.size()
                    && tokens.get(i + 1).is("!") && List.of("(", "[", "{").contains(tokens.get(i + 2).text())) {
                int close = matching(tokens, i + 2);
                List<String> cfg = pending.stream().filter(a -> a.path().equals("cfg")).map(a -> a.argsText(source)).toList();
                pending.clear();
                String expansion = declaring.get(t.text()).expand(tokens, i + 3, close, fileForMessages);
                for (MacroDecl m : scan(expansion, fileForMessages + " (" + t.text() + "! expanded)").macros()) {
                    List<String> all = new ArrayList<>(cfg);
                    all.addAll(m.cfg());
                    macros.add(new MacroDecl(m.kind(), m.name(), m.function(), m.attributes(), all));
                }
                i = close;
                continue;
            }
            if (depth == 0 && t.is("extern") && i + 2 < tokens.size() && tokens.get(i + 1).is("crate")
                    && tokens.get(i + 2).is("proc_macro")) {
                hasExternProcMacro = true;
            }
            if (depth == 0 && !pending.isEmpty()) {
                List<Attribute> attrs = List.copyOf(pending);
                pending.clear();
                Attribute hack = attrs.stream().filter(MacroScanner::isProcMacroHack).findFirst().orElse(null);
                Attribute macroAttr = attrs.stream().filter(a -> MACRO_ATTRIBUTES.contains(a.path())).findFirst().orElse(null);
                List<Attribute> conditional = attrs.stream()
                        .filter(a -> a.path().equals("cfg_attr") && mentionsMacroAttribute(a)).toList();
                if (hack != null || macroAttr != null || !conditional.isEmpty()) {
                    String function = functionName(tokens, i, fileForMessages);
                    List<String> cfg = attrs.stream().filter(a -> a.path().equals("cfg")).map(a -> a.argsText(source)).toList();
                    if (hack != null) {
                        // proc-macro-hack 0.5's #[proc_macro_hack] on `pub fn name` exports the bang macro proc_macro_hack_name
                        // and the derive _proc_macro_hack_name that its declaring crate's hack calls; the derive's body is
                        // appended as a plain function
                        macros.add(new MacroDecl(MacroDecl.BANG, "proc_macro_hack_" + function, function, List.of(), cfg));
                        macros.add(new MacroDecl(MacroDecl.DERIVE, "_proc_macro_hack_" + function, "_proc_macro_hack_" + function, List.of(), cfg));
                        blank(rewritten, hack);
                        appended.append('\n');
                        cfg.forEach(c -> appended.append("#[cfg(").append(c).append(")]\n"));
                        appended.append(PROC_MACRO_HACK_DERIVE.replace("@NAME@", function));
                    }
                    if (macroAttr != null) {
                        macros.add(declare(macroAttr, function, cfg, source, fileForMessages));
                        blank(rewritten, macroAttr);
                    }
                    // #[cfg_attr(feature = "x", proc_macro_derive(A))]: the macro exists where its predicate holds
                    for (Attribute a : conditional) {
                        CfgAttr c = cfgAttr(a, source, fileForMessages);
                        List<String> withPredicate = new ArrayList<>(cfg);
                        withPredicate.add(c.predicate());
                        macros.add(declare(c.macroAttribute(), function, withPredicate, source, fileForMessages));
                        blank(rewritten, a);
                    }
                    attrs.stream().filter(a -> a.path().equals("proc_macro_error"))
                            .forEach(a -> procMacroErrorArguments(a, source).ifPresent(insertions::add));
                }
            }
            if (t.is("{")) depth++;
            if (t.is("}")) depth--;
        }
        for (Insertion insertion : insertions.reversed()) rewritten.insert(insertion.offset(), insertion.text());
        if (declDerive) {
            // before the first item, after the inner attributes, on the same line: a macro_rules is visible only after
            // its definition, and no line may move
            rewritten.insert(firstItemOffset(tokens, source), DECL_DERIVE_WITHOUT_ATTRIBUTE);
        }
        if (!hasExternProcMacro) {
            // at the end so no line moves; at the crate root it also puts proc_macro in the extern prelude
            if (rewritten.length() > 0 && rewritten.charAt(rewritten.length() - 1) != '\n') rewritten.append('\n');
            rewritten.append("#[allow(unused_extern_crates)]\nextern crate proc_macro;\n");
        }
        if (!appended.isEmpty()) {
            if (rewritten.charAt(rewritten.length() - 1) != '\n') rewritten.append('\n');
            rewritten.append(appended);
        }
        return new Result(List.copyOf(macros), rewritten.toString());
    }

    private record Insertion(int offset, String text) {
    }

    /**
     * synstructure 0.12's {@code decl_derive!} without its {@code #[proc_macro_derive]} line: it shadows the imported
     * macro (a macro_rules defined in the file comes first), so the derive becomes a plain {@code pub fn Name}.
     */
    private static final String DECL_DERIVE_WITHOUT_ATTRIBUTE = "/* sandcrate: decl_derive! as a plain function */ "
            + "macro_rules! decl_derive { ([$derives:ident $($derive_t:tt)*] => $(#[$($attrs:tt)*])* $inner:path) => { "
            + "#[allow(non_snake_case)] $(#[$($attrs)*])* "
            + "pub fn $derives(i: ::synstructure::macros::TokenStream) -> ::synstructure::macros::TokenStream { "
            + "match ::synstructure::macros::parse::<::synstructure::macros::DeriveInput>(i) { "
            + "Ok(p) => match ::synstructure::Structure::try_new(&p) { "
            + "Ok(s) => ::synstructure::MacroResult::into_stream($inner(s)), Err(e) => e.to_compile_error().into() }, "
            + "Err(e) => e.to_compile_error().into() } } }; } ";

    private static final List<String> PROC_MACRO_HACK_PATHS = List.of("proc_macro_hack", "proc_macro_hack::proc_macro_hack",
            "::proc_macro_hack::proc_macro_hack");

    private static boolean isProcMacroHack(Attribute a) {
        StringBuilder path = new StringBuilder();
        for (Token t : a.body()) path.append(t.text());
        return PROC_MACRO_HACK_PATHS.contains(path.toString());
    }

    /**
     * The derive proc-macro-hack 0.5.19 generates beside a {@code #[proc_macro_hack] fn} ({@code expand_define}), without
     * its {@code #[proc_macro_derive]}: it takes the input out of {@code enum ProcMacroHack { Value = (stringify!(..), 0).1 }}
     * and wraps the macro's output in {@code macro_rules! proc_macro_call}.
     */
    private static final String PROC_MACRO_HACK_DERIVE = """
            #[doc(hidden)]
            #[allow(non_snake_case, unused_imports)]
            pub fn _proc_macro_hack_@NAME@(input: ::proc_macro::TokenStream) -> ::proc_macro::TokenStream {
                use std::iter::FromIterator;
                use ::proc_macro::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};
                let mut iter = input.into_iter();
                iter.next().unwrap(); // `enum`
                iter.next().unwrap(); // `ProcMacroHack`
                iter.next().unwrap(); // `#`
                iter.next().unwrap(); // `[allow(dead_code)]`
                let mut braces = match iter.next().unwrap() {
                    TokenTree::Group(group) => group.stream().into_iter(),
                    _ => unimplemented!(),
                };
                let variant = braces.next().unwrap(); // `Value` or `Nested`
                let varname = variant.to_string();
                let support_nested = varname.starts_with("Nested");
                braces.next().unwrap(); // `=`
                let mut parens = match braces.next().unwrap() {
                    TokenTree::Group(group) => group.stream().into_iter(),
                    _ => unimplemented!(),
                };
                parens.next().unwrap(); // `stringify`
                parens.next().unwrap(); // `!`
                let inner = match parens.next().unwrap() {
                    TokenTree::Group(group) => group.stream(),
                    _ => unimplemented!(),
                };
                let output: TokenStream = @NAME@(inner.clone());
                fn count_bangs(input: TokenStream) -> usize {
                    let mut count = 0;
                    for token in input {
                        match token {
                            TokenTree::Punct(punct) => {
                                if punct.as_char() == '!' {
                                    count += 1;
                                }
                            }
                            TokenTree::Group(group) => {
                                count += count_bangs(group.stream());
                            }
                            _ => {}
                        }
                    }
                    count
                }
                TokenStream::from_iter(vec![
                    TokenTree::Ident(Ident::new("macro_rules", Span::call_site())),
                    TokenTree::Punct(Punct::new('!', Spacing::Alone)),
                    TokenTree::Ident(Ident::new(
                        &if support_nested {
                            let extra_bangs = if varname == "Nested" { 0 } else { varname["Nested".len()..].parse().unwrap() };
                            format!("proc_macro_call_{}", extra_bangs + count_bangs(inner))
                        } else {
                            String::from("proc_macro_call")
                        },
                        Span::call_site(),
                    )),
                    TokenTree::Group(Group::new(Delimiter::Brace, TokenStream::from_iter(vec![
                        TokenTree::Group(Group::new(Delimiter::Parenthesis, TokenStream::new())),
                        TokenTree::Punct(Punct::new('=', Spacing::Joint)),
                        TokenTree::Punct(Punct::new('>', Spacing::Alone)),
                        TokenTree::Group(Group::new(Delimiter::Brace, output)),
                    ]))),
                ])
            }
            """;

    /** {@code [Name, attributes(a, b)] => ... function}: a derive named Name whose function is {@code pub fn Name}. */
    private static MacroDecl declDerive(List<Token> args, List<String> cfg, String file) {
        if (args.size() < 3 || !args.get(0).is("[") || args.get(1).kind() != Kind.IDENT) {
            throw new PrecompileException(file + ": cannot read a decl_derive! invocation (expected [Name, ...] => function)");
        }
        String name = args.get(1).text();
        List<String> helpers = new ArrayList<>();
        int close = matching(args, 0);
        for (int k = 2; k + 1 < close; k++) {
            if (args.get(k).is("attributes") && args.get(k + 1).is("(")) {
                for (int m = k + 2; m < close && !args.get(m).is(")"); m++) {
                    if (args.get(m).kind() == Kind.IDENT) helpers.add(args.get(m).text());
                }
                break;
            }
        }
        return new MacroDecl(MacroDecl.DERIVE, name, name, helpers, cfg);
    }

    /** Offset of the first token after the crate's inner attributes. */
    private static int firstItemOffset(List<Token> tokens, String source) {
        int k = 0;
        while (k + 2 < tokens.size() && tokens.get(k).is("#") && tokens.get(k + 1).is("!") && tokens.get(k + 2).is("[")) {
            k = matching(tokens, k + 2) + 1;
        }
        return k < tokens.size() ? tokens.get(k).start() : source.length();
    }

    /** Spaces over the attribute, newlines kept: no line or column of the function moves. */
    private static void blank(StringBuilder rewritten, Attribute a) {
        for (int p = a.start; p < a.end; p++) {
            if (rewritten.charAt(p) != '\n') rewritten.setCharAt(p, ' ');
        }
    }

    private record CfgAttr(String predicate, Attribute macroAttribute) {
    }

    /**
     * Reads {@code cfg_attr(PREDICATE, proc_macro_derive(...))}. Only that form: a cfg_attr that also applies other
     * attributes, or nests cfg_attr, would need those kept on the function, so it is refused with this message.
     */
    private static CfgAttr cfgAttr(Attribute a, String source, String file) {
        List<Token> b = a.body();
        List<Integer> commas = new ArrayList<>();
        int nesting = 0;
        for (int k = 1; k < b.size(); k++) {
            String t = b.get(k).text();
            if (t.equals("(") || t.equals("[") || t.equals("{")) nesting++;
            else if (t.equals(")") || t.equals("]") || t.equals("}")) nesting--;
            else if (t.equals(",") && nesting == 1) commas.add(k);
        }
        int last = b.size() - 1;
        if (!commas.isEmpty() && commas.getLast() == last - 1) commas.removeLast(); // trailing comma
        boolean single = b.size() > 3 && b.get(1).is("(") && b.get(last).is(")") && commas.size() == 1
                && MACRO_ATTRIBUTES.contains(b.get(commas.getFirst() + 1).text());
        if (!single) {
            throw new PrecompileException(file + ": #[" + source.substring(a.start() + 2, a.end() - 1).strip()
                    + "] applies a proc-macro attribute together with other attributes; only"
                    + " #[cfg_attr(predicate, proc_macro_derive(...))] and the like are supported");
        }
        int comma = commas.getFirst();
        int innerEnd = b.get(last - 1).is(",") ? last - 1 : last;
        String predicate = source.substring(b.get(1).end(), b.get(comma).start()).strip();
        return new CfgAttr(predicate, new Attribute(b.subList(comma + 1, innerEnd), a.start(), a.end()));
    }

    /** The arguments a {@code #[proc_macro_error]} on a macro function lacks to behave as it did on the macro. */
    private static java.util.Optional<Insertion> procMacroErrorArguments(Attribute a, String source) {
        String args = a.argsText(source);
        List<String> missing = PROC_MACRO_ERROR_AS_ON_A_MACRO.stream().filter(arg -> !args.contains(arg)).toList();
        if (missing.isEmpty()) return java.util.Optional.empty();
        boolean parenthesised = a.body().size() >= 3 && a.body().get(1).is("(");
        if (!parenthesised) return java.util.Optional.of(new Insertion(a.end - 1, "(" + String.join(", ", missing) + ")"));
        return java.util.Optional.of(new Insertion(a.body().getLast().start(), (args.isEmpty() ? "" : ", ") + String.join(", ", missing)));
    }

    private record Attribute(List<Token> body, int start, int end) {
        String path() {
            return body.isEmpty() ? "" : body.getFirst().text();
        }

        /** The text between the parentheses of {@code path(...)}, or "" if there are none. */
        String argsText(String source) {
            if (body.size() < 3 || !body.get(1).is("(")) return "";
            return source.substring(body.get(1).end(), body.getLast().start()).strip();
        }
    }

    /** The {@code #[proc_macro...]} attributes among {@code tokens[from..to)}, wherever they are nested. */
    private static List<Attribute> macroAttributesWithin(List<Token> tokens, int from, int to) {
        List<Attribute> found = new ArrayList<>();
        for (int k = from; k + 2 < to; k++) {
            if (tokens.get(k).is("#") && tokens.get(k + 1).is("[") && MACRO_ATTRIBUTES.contains(tokens.get(k + 2).text())) {
                int end = matching(tokens, k + 1);
                found.add(new Attribute(tokens.subList(k + 2, end), tokens.get(k).start(), tokens.get(end).end()));
                k = end;
            }
        }
        return found;
    }

    private static boolean mentionsMacroAttribute(Attribute a) {
        return a.body().stream().anyMatch(t -> t.kind() == Kind.IDENT && MACRO_ATTRIBUTES.contains(t.text()));
    }

    private static MacroDecl declare(Attribute attr, String function, List<String> cfg, String source, String file) {
        return switch (attr.path()) {
            case "proc_macro" -> new MacroDecl(MacroDecl.BANG, function, function, List.of(), cfg);
            case "proc_macro_attribute" -> new MacroDecl(MacroDecl.ATTR, function, function, List.of(), cfg);
            default -> {
                // proc_macro_derive(Name) or proc_macro_derive(Name, attributes(a, b))
                List<Token> b = attr.body();
                if (b.size() < 4 || !b.get(1).is("(") || b.get(2).kind() != Kind.IDENT) {
                    throw new PrecompileException(file + ": cannot read #[" + source.substring(attr.start() + 2, attr.end() - 1) + "]");
                }
                List<String> helpers = new ArrayList<>();
                for (int k = 3; k < b.size(); k++) {
                    if (b.get(k).is("attributes") && k + 1 < b.size() && b.get(k + 1).is("(")) {
                        for (int m = k + 2; m < b.size() && !b.get(m).is(")"); m++) {
                            if (b.get(m).kind() == Kind.IDENT) helpers.add(b.get(m).text());
                        }
                        break;
                    }
                }
                yield new MacroDecl(MacroDecl.DERIVE, b.get(2).text(), function, helpers, cfg);
            }
        };
    }

    /** The name of the function item starting at token i ({@code pub fn name}, maybe {@code pub(crate)}, {@code unsafe}). */
    private static String functionName(List<Token> tokens, int i, String file) {
        for (int k = i; k < Math.min(tokens.size() - 1, i + 12); k++) {
            if (tokens.get(k).is("fn") && tokens.get(k + 1).kind() == Kind.IDENT) {
                String name = tokens.get(k + 1).text();
                return name.startsWith("r#") ? name.substring(2) : name;
            }
            if (tokens.get(k).is("{") || tokens.get(k).is(";")) break;
        }
        throw new PrecompileException(file + ": a proc-macro attribute at offset " + tokens.get(i).start() + " is not on a function");
    }

    private static int matching(List<Token> tokens, int open) {
        int depth = 0;
        for (int k = open; k < tokens.size(); k++) {
            String s = tokens.get(k).text();
            if (tokens.get(k).kind() != Kind.PUNCT) continue;
            if (s.equals("[") || s.equals("(") || s.equals("{")) depth++;
            if (s.equals("]") || s.equals(")") || s.equals("}")) depth--;
            if (depth == 0) return k;
        }
        throw new PrecompileException("unbalanced brackets in the crate root");
    }
}
