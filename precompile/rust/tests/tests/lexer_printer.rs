//! The server's lexer (`TokenStream::from_str`, `Literal::from_str`) and printer (`to_string`)
//! against rustc: the same probe fn runs under rustc (oracle) and under our server.

use sandcrate_rust_tests::probe;

macro_rules! cases {
    ($probe:ident: $($name:ident: [$($src:literal),+ $(,)?];)*) => {
        $(
            #[test]
            fn $name() {
                let native: &str = oracle_probes::$probe!($($src),+);
                let sandboxed = probe(stringify!($probe), &[$($src),+]);
                assert_eq!(sandboxed, native, "\n--- sandboxed:\n{sandboxed}\n--- rustc:\n{native}");
            }
        )*
    };
}

cases! { probe_lex:
    idents_and_keywords: ["fn main() { let x = 1; }", "r#type r#fn r#match self Self crate super _ __x", "größe naïve_ident 变量 ÆØÅ", "$crate::x"];
    operators_glue_and_spacing: ["a::b::<c>() -> d => e", "x..y ..= ... a..=b ..", "<<= >>= && || != == <= >= <- ->", "a+b a + b a+ b a +b", "&&x || !y ?x @ ~ ^= |= %= /= *= -= +="];
    attributes_and_paths: ["#[attr] #![inner] #[a::b(c = \"d\")] pub(crate) fn f() {}", "#[derive(Debug, Clone)] struct S;", "println!(\"{}\", x); vec![1, 2]; if !x {}"];
    lifetimes: ["'a 'static 'r#raw '_", "x: &'a str, y: &'b mut T", "fn f<'a, 'b: 'a>(x: &'a u8) -> impl Fn() + 'b {}", "'a: loop { break 'a; }"];
    integers: ["1 1u8 1_000i64 0x_FF 0o77 0b1010_u8 0xDEAD_beef 1usize 1f32"];
    floats: ["1.0 1e10 1.5e-3f32 1. 2.0f64 1E+5 0.5_f32 1e_3"];
    chars_and_bytes: ["'a' '\\n' '\\u{1F600}' '\\'' '\"' b'x' b'\\xFF' b'\\''", "'🦀' '\\0' '\\\\'"];
    strings: ["\"str\" \"esc\\n\\t\\\"\" r\"raw\" r#\"ra\"w\"# r##\"x\"#y\"## b\"bytes\" br\"raw\" c\"cstr\" cr#\"c\"#", "\"multi\nline\" \"cont\\\n   inued\"", "\"suffix\"sfx 'c'sfx b'x'sfx"];
    field_access: ["1.foo tup.0.1 x.0 a.b.c() 1.0.x"];
    doc_comments: ["/// doc\nfn f() {}", "//! inner\n/** block */ struct S;", "/*! inner block */ mod m {}", "/// with \"quotes\" and \\ and 'q'\nx", "//// not doc\n/*** not doc */ y"];
    comments: ["a /* c /* nested */ */ b // line\n c", "a/**/b", "x // trailing"];
    groups: ["f(a, b)[c]{d}", "{}", "( )", "[1, 2,]", "if !x { y } else { z }", "let (a, b) = (1, 2);", "match x { A => {} _ => () }"];
    unicode_whitespace: ["a\u{200E}b\u{2028}c\td\re"];
    long_lines_break_like_rustc: [
        "impl<T: Clone + Default + std::fmt::Debug> MyTrait for MyStruct<T> where T: Send + Sync + 'static { fn method(&self, argument_one: u32, argument_two: String) -> Result<(), Box<dyn std::error::Error>> { let value = self.compute(argument_one).map(|v| v * 2).unwrap_or_default(); Ok(()) } }",
        "struct Config { alpha: u32, beta: String, gamma: Vec<u8>, delta: Option<Box<Config>>, epsilon: std::collections::HashMap<String, u32>, zeta: bool }",
        "{ { { { { { { { { { a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff gg hh ii jj kk ll } } } } } } } } } }",
    ];
    more_numbers: ["1.e3 1.0e3 0.5e-2 1_f32 0b1_0u8 0o17i8 1u128 0xffu8 1.0.0 9e9e9"];
    more_quotes: ["'\\x7f' b'\\'' \"\\u{10FFFF}\" br##\"a\"#b\"## c\"\\u{1F980}\" r\"\"", "b\"\\xff\\\\\" '\\t'suffix"];
    unary_and_ranges: ["x = -1; y = - 2; z = !-3; w = -x.0;", "match x { 0..=9 => a, 10.. => b, ..=-1 => c, _ => d }"];
    deep_generics: ["HashMap<String, Vec<Option<Box<dyn Fn(&str) -> Result<(), E> + Send>>>>", "impl<'a, T: ?Sized + 'a> X for &'a T where for<'b> &'b T: Y {}"];
    shebang_like: ["#!/not/a/shebang", "#![no_std] #!x", "#!/bin/sh\nfn f() {}", "#! // c\n [x]", "#!/*c*/[a]", "#!  /// doc\nx"];
    macro_fragments: ["$x:ident $($y:expr),* $crate", "macro_rules! m { ($a:tt) => { $a }; }"];
}

cases! { probe_literal:
    literals_from_str: [
        "1u8", "-1", "-1.5f32", "- 1", "\"a\"", "'c'", "true", "1 2", "/*c*/1", "r#\"x\"#", "-\"a\"", "b'a'", "1.0e5",
        "c\"x\"", "br\"y\"", "0x1F_u16", "\"a\" ", "--1", "1.", "'\\u{41}'", "\"\\x41\"",
    ];
}

/// Input rustc cannot lex. rustc 1.96 reports these as compile errors (and for unbalanced
/// delimiters, unterminated strings and comments it even ICEs inside `from_str`), so there is no
/// oracle answer to compare with: the sandbox returns `LexError`, which fails the build too.
#[test]
fn lexing_errors_are_lex_errors() {
    for src in [
        "(", ")", "(]", "{)", "\"unterminated", "'ab'", "1e", "0x", "0b102", "0o8", "0b1.0", "r#_", "r#crate", "foo\"bar\"", "€",
        "/* open", "'1a", "b'ab'", "\"\\q\"", "'\\u{110000}'", "b\"é\"", "c\"\\0\"", "''", "'\n'x'", "r#\"open", "br\"é\"",
        "\"bare\rcr\"", "/// doc\rcr", "'a#", "\\",
    ] {
        assert_eq!(probe("probe_lex", &[src]), "=== source\nerror\n", "{src:?} must not lex");
    }
}

