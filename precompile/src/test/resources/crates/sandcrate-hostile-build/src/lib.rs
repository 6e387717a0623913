//! The macro is harmless; the build script is not (see build.rs).
use proc_macro::TokenStream;

/// `same!(tokens)` gives the tokens back.
#[proc_macro]
pub fn same(input: TokenStream) -> TokenStream {
    input
}
