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
