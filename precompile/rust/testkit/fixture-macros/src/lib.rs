//! Macro fns used by the tests. They use only stable `proc_macro` API, so the same fn runs under
//! rustc's server (through the oracle) and under the sandcrate server, and the answers compare.
extern crate proc_macro;

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use sandcrate_oracle::{proc_macro_wire::dump_tokens, string_args, string_literal};
use std::str::FromStr;

fn rebuild(stream: TokenStream) -> TokenStream {
    stream
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(g) => {
                let mut rebuilt = Group::new(g.delimiter(), rebuild(g.stream()));
                rebuilt.set_span(g.span());
                TokenTree::Group(rebuilt)
            }
            other => other,
        })
        .collect()
}

/// For each string literal: lex it with `TokenStream::from_str`, and report the token dump, its
/// `to_string()`, and the `to_string()` of the same trees rebuilt by a macro (spacing as
/// proc_macro sees it). A string that does not lex reports `error`.
pub fn probe_lex(input: TokenStream) -> TokenStream {
    let mut out = String::new();
    for src in string_args(input).expect("probe_lex takes string literals") {
        out.push_str("=== source\n");
        match TokenStream::from_str(&src) {
            Ok(ts) => {
                out.push_str(&dump_tokens(ts.clone()));
                out.push_str("--- to_string\n");
                out.push_str(&ts.to_string());
                out.push_str("\n--- rebuilt\n");
                out.push_str(&rebuild(ts).to_string());
                out.push('\n');
            }
            Err(_) => out.push_str("error\n"),
        }
    }
    string_literal(&out)
}

/// For each string literal: `Literal::from_str` and what the literal prints as.
pub fn probe_literal(input: TokenStream) -> TokenStream {
    let mut out = String::new();
    for src in string_args(input).expect("probe_literal takes string literals") {
        match Literal::from_str(&src) {
            Ok(lit) => out.push_str(&format!("ok {lit} | {}\n", TokenStream::from(TokenTree::Literal(lit.clone())))),
            Err(_) => out.push_str("error\n"),
        }
    }
    string_literal(&out)
}

/// Panics with a message naming its input.
pub fn panicking(input: TokenStream) -> TokenStream {
    let first = input.into_iter().next().map(|t| t.to_string()).unwrap_or_default();
    panic!("fixture macro refuses `{first}`");
}

/// A derive that rejects enums with `compile_error!` (the syn style) and otherwise emits an impl.
pub fn derive_hello(input: TokenStream) -> TokenStream {
    let mut trees = input.into_iter();
    let mut name = None;
    while let Some(t) = trees.next() {
        if let TokenTree::Ident(i) = &t {
            if i.to_string() == "enum" {
                return TokenStream::from_str("::core::compile_error!(\"Hello cannot be derived for enums\");").unwrap();
            }
            if i.to_string() == "struct" {
                name = trees.next().map(|n| n.to_string());
                break;
            }
        }
    }
    let name = name.expect("a struct name");
    TokenStream::from_str(&format!("impl Hello for {name} {{ fn hello() -> &'static str {{ \"{name}\" }} }}")).unwrap()
}

/// An attribute macro: emits the item, then `const _: &str = "<attr args>";`.
pub fn tag(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut out = item;
    let suffix = TokenStream::from_str(&format!("const _: &str = {:?};", attr.to_string())).unwrap();
    out.extend(suffix);
    out
}

/// Returns its input as it came.
pub fn keep(input: TokenStream) -> TokenStream {
    input
}

/// Renames the top-level identifier `f` to `g` and keeps every other token, groups whole.
pub fn rename_f(input: TokenStream) -> TokenStream {
    input
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(i) if i.to_string() == "f" => TokenTree::Ident(proc_macro::Ident::new("g", i.span())),
            other => other,
        })
        .collect()
}

/// `f(-1, -2.5f64, - 3, x - -4)`: negative numbers as macros make them (one literal each, which
/// rustc prints `-1`), next to a `-` the macro placed itself (printed `- 3`).
pub fn negative_literals(_input: TokenStream) -> TokenStream {
    let punct = |ch| TokenTree::Punct(Punct::new(ch, Spacing::Alone));
    let args: TokenStream = [
        TokenTree::Literal(Literal::i32_unsuffixed(-1)),
        punct(','),
        TokenTree::Literal(Literal::f64_suffixed(-2.5)),
        punct(','),
        punct('-'),
        TokenTree::Literal(Literal::u8_unsuffixed(3)),
        punct(','),
        TokenTree::Ident(Ident::new("x", Span::call_site())),
        punct('-'),
        TokenTree::Literal(Literal::i64_unsuffixed(-4)),
    ]
    .into_iter()
    .collect();
    [TokenTree::Ident(Ident::new("f", Span::call_site())), TokenTree::Group(Group::new(Delimiter::Parenthesis, args))].into_iter().collect()
}

/// Its input with every span set to the call site (spacing, delimiters and literals kept), followed by
/// puncts only a macro can make: `Joint` before a group, an identifier, a lifetime and the stream's end,
/// and a lone `'`: spacing that source text cannot spell, which the shim must rebuild as it is.
pub fn at_call_site(input: TokenStream) -> TokenStream {
    fn respan(stream: TokenStream) -> TokenStream {
        stream
            .into_iter()
            .map(|mut tree| {
                if let TokenTree::Group(g) = &tree {
                    tree = TokenTree::Group(Group::new(g.delimiter(), respan(g.stream())));
                }
                tree.set_span(Span::call_site());
                tree
            })
            .collect()
    }
    let joint = |ch| TokenTree::Punct(Punct::new(ch, Spacing::Joint));
    let tail = [
        joint('#'),
        TokenTree::Group(Group::new(Delimiter::Bracket, TokenStream::from_str("x").unwrap())),
        joint('-'),
        TokenTree::Ident(Ident::new("y", Span::call_site())),
        joint('&'),
        joint('\''),
        TokenTree::Ident(Ident::new("z", Span::call_site())),
        TokenTree::Punct(Punct::new('\'', Spacing::Alone)),
        joint('/'),
        joint('/'),
        TokenTree::Punct(Punct::new('*', Spacing::Alone)),
        joint('!'),
    ];
    let mut out = respan(input);
    out.extend(tail);
    out
}

/// Rebuilds every group of its input (same delimiters, tokens and spans).
pub fn rebuilt(input: TokenStream) -> TokenStream {
    rebuild(input)
}

/// Reports what span methods say about each input token (sandbox-only: positions differ
/// between a test file and source text, so this is checked against expectations, not rustc).
pub fn span_probe(input: TokenStream) -> TokenStream {
    let mut out = String::new();
    let trees: Vec<TokenTree> = input.into_iter().collect();
    for t in &trees {
        let s = t.span();
        let end = s.end();
        out.push_str(&format!(
            "{t} {}:{}-{}:{} {:?} {:?}\n",
            s.line(),
            s.column(),
            end.line(),
            end.column(),
            s.source_text(),
            s.file()
        ));
    }
    if let (Some(first), Some(last)) = (trees.first(), trees.last()) {
        let located = Span::call_site().located_at(first.span());
        out.push_str(&format!("located_at {}:{}\n", located.line(), located.column()));
        let start = last.span().start();
        out.push_str(&format!("start {}:{} {:?}\n", start.line(), start.column(), start.source_text()));
    }
    if let Some(TokenTree::Literal(lit)) = trees.iter().find(|t| matches!(t, TokenTree::Literal(_))) {
        out.push_str(&format!("literal {lit}\n"));
    }
    string_literal(&out)
}

/// Returns its input's `to_string()` as a string literal (so spacing decisions are visible).
pub fn to_string_literal(input: TokenStream) -> TokenStream {
    string_literal(&input.to_string())
}
