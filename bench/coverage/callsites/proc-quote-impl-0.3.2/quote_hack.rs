// Follows the README/docs of the `proc-quote` facade (quote! and quote_spanned! with #var,
// #(#iter)* and #(#iter),* repetitions); the facade is declared here with proc-macro-hack
// as proc-quote 0.3 does (#[proc_macro_hack] pub use proc_quote_impl::{quote, quote_spanned}).
// dependency: proc-macro-hack = "0.5"
// dependency: proc-macro2 = "1"
// dependency: quote = "1"

// ---- facade, as in proc-quote 0.3 src/lib.rs (+ its runtime module and Repeat trait) ----
extern crate self as proc_quote;

use proc_macro_hack::proc_macro_hack;

pub use quote::{ToTokens, TokenStreamExt};

/// The whole point.
#[proc_macro_hack]
pub use proc_quote_impl::quote;

/// Same as `quote!`, but applies a given span to all tokens originating within the macro invocation.
#[proc_macro_hack]
pub use proc_quote_impl::quote_spanned;

#[doc(hidden)]
pub mod __rt {
    pub use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};
    use quote::{ToTokens, TokenStreamExt};

    pub fn append_ident(stream: &mut TokenStream, ident: &str, span: Span) {
        if let Some(raw) = ident.strip_prefix("r#") {
            stream.append(Ident::new_raw(raw, span));
        } else {
            stream.append(Ident::new(ident, span));
        }
    }

    pub fn append_punct(stream: &mut TokenStream, punct: char, spacing: Spacing, span: Span) {
        let mut p = Punct::new(punct, spacing);
        p.set_span(span);
        stream.append(p);
    }

    pub fn append_stringified_tokens(stream: &mut TokenStream, s: &str, span: Span) {
        let tokens: TokenStream = s.parse().expect("invalid token stream");
        stream.extend(tokens.into_iter().map(|mut t| {
            t.set_span(span);
            t
        }));
    }

    pub fn append_to_tokens<T: ToTokens + ?Sized>(stream: &mut TokenStream, to_tokens: &T) {
        to_tokens.to_tokens(stream);
    }

    pub fn append_group(stream: &mut TokenStream, inner: TokenStream, delimiter: Delimiter, span: Span) {
        let mut group = Group::new(delimiter, inner);
        group.set_span(span);
        stream.append(group);
    }
}

/// Types that can be interpolated inside a `#(...)*` repetition.
pub trait Repeat<T: Iterator>: private::Sealed<T> {
    #[allow(non_snake_case)]
    #[doc(hidden)]
    fn __proc_quote__as_repeat(self) -> T;
}

mod private {
    pub trait Sealed<T> {}
    impl<T: Iterator> Sealed<T> for T {}
}

impl<T: Iterator> Repeat<T> for T {
    fn __proc_quote__as_repeat(self) -> T {
        self
    }
}

// ---- users ----
use proc_macro2::{Ident, Span, TokenStream};

struct Field {
    name: Ident,
    ty: TokenStream,
}

fn derive_getters(struct_name: &Ident, fields: &[Field]) -> TokenStream {
    let names: Vec<&Ident> = fields.iter().map(|f| &f.name).collect();
    let types: Vec<&TokenStream> = fields.iter().map(|f| &f.ty).collect();
    let getters = names.iter().map(|n| Ident::new(&format!("get_{}", n), Span::call_site()));
    quote! {
        impl #struct_name {
            #(
                pub fn #getters(&self) -> &#types {
                    &self.#names
                }
            )*
        }
    }
}

fn derive_debug(struct_name: &Ident, fields: &[Field]) -> TokenStream {
    let names = fields.iter().map(|f| &f.name);
    let labels = fields.iter().map(|f| f.name.to_string());
    let name_str = struct_name.to_string();
    quote! {
        impl ::core::fmt::Debug for #struct_name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#name_str)
                    #(.field(#labels, &self.#names))*
                    .finish()
            }
        }
    }
}

fn constructor(struct_name: &Ident, fields: &[Field]) -> TokenStream {
    let names = fields.iter().map(|f| &f.name);
    let names2 = fields.iter().map(|f| &f.name);
    let types = fields.iter().map(|f| &f.ty);
    quote! {
        impl #struct_name {
            pub fn new(#(#names: #types),*) -> Self {
                Self { #(#names2),* }
            }
        }
    }
}

fn assert_sync(ty: &TokenStream, span: Span) -> TokenStream {
    // docs: quote_spanned! { span=> ... } puts the span on every generated token.
    quote_spanned! {span=>
        struct _AssertSync where #ty: Sync;
    }
}

fn nested_repetition(rows: &[Vec<u32>]) -> TokenStream {
    let row_tokens = rows.iter().map(|row| {
        let cells = row.iter();
        quote!([#(#cells),*])
    });
    quote! {
        const TABLE: &[&[u32]] = &[#(&#row_tokens),*];
    }
}

fn main() {
    let name = Ident::new("Point", Span::call_site());
    let fields = vec![
        Field { name: Ident::new("x", Span::call_site()), ty: quote!(f64) },
        Field { name: Ident::new("y", Span::call_site()), ty: quote!(f64) },
        Field { name: Ident::new("label", Span::call_site()), ty: quote!(::std::string::String) },
    ];
    let mut out = TokenStream::new();
    out.extend(derive_getters(&name, &fields));
    out.extend(derive_debug(&name, &fields));
    out.extend(constructor(&name, &fields));
    out.extend(assert_sync(&quote!(Vec<u8>), Span::call_site()));
    out.extend(nested_repetition(&[vec![1, 2], vec![3, 4, 5]]));
    let lifetime_and_ops = quote! {
        fn f<'a, T: 'a + ?Sized>(x: &'a T) -> bool where T: PartialEq { x == x && !false || 1 <= 2 }
    };
    out.extend(lifetime_and_ops);
    println!("{}", out);
}
