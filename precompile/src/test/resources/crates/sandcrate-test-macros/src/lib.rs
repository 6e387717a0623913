//! Proc macros used by Sandcrate's precompile tests. No dependencies, so they build in seconds.
use proc_macro::{Ident, TokenStream, TokenTree};

/// `shout!(a + b)` gives `A + B`: identifiers upper-cased, everything else (and every span) unchanged.
#[proc_macro]
pub fn shout(input: TokenStream) -> TokenStream {
    input
        .into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) => TokenTree::Ident(Ident::new(&i.to_string().to_uppercase(), i.span())),
            other => other,
        })
        .collect()
}

/// `#[derive(Describe)]` on a struct adds `fn describe() -> &'static str`; on anything else it panics.
#[proc_macro_derive(Describe)]
pub fn describe(input: TokenStream) -> TokenStream {
    let mut tokens = input.into_iter();
    while let Some(t) = tokens.next() {
        if let TokenTree::Ident(i) = &t {
            let keyword = i.to_string();
            if keyword == "struct" || keyword == "enum" || keyword == "union" {
                let name = tokens.next().map(|n| n.to_string()).unwrap_or_default();
                if keyword != "struct" {
                    panic!("Describe supports structs only, but `{}` is declared with `{}`", name, keyword);
                }
                return format!("impl {0} {{ pub fn describe() -> &'static str {{ \"struct {0}\" }} }}", name)
                    .parse()
                    .unwrap();
            }
        }
    }
    panic!("Describe found no item")
}

/// The SANDCRATE_JOB_ID the macro crate was compiled with, as a string literal.
#[cfg(feature = "job-id")]
#[proc_macro]
pub fn job_id(_input: TokenStream) -> TokenStream {
    format!("{:?}", option_env!("SANDCRATE_JOB_ID").unwrap_or("")).parse().unwrap()
}

/// `hashed!(a b c)` gives the `DefaultHasher` hash of values built from the input: its token count and lengths
/// (`usize`), their negations (`isize`), a slice of them and an `Option`, as a `u64` literal. Natively that is the
/// hash of a 64-bit host; cpp_macros and wasm-bindgen-macro name items by such hashes.
#[proc_macro]
pub fn hashed(input: TokenStream) -> TokenStream {
    use std::hash::{Hash, Hasher};
    let lengths: Vec<usize> = input.into_iter().map(|t| t.to_string().len()).collect();
    let negated: Vec<isize> = lengths.iter().map(|&n| -(n as isize)).collect();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    lengths.len().hash(&mut hasher);
    lengths.hash(&mut hasher);
    negated.hash(&mut hasher);
    lengths.first().hash(&mut hasher);
    format!("{}u64", hasher.finish()).parse().unwrap()
}
