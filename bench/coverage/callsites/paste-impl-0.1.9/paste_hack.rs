// Follows paste 0.1's README (paste::item!, paste::expr!, paste::item_with_macros!) and its
// tests/test.rs cases; the `paste` 0.1 facade is declared here with proc-macro-hack exactly as
// paste 0.1's lib.rs does (#[proc_macro_hack] pub use paste_impl::expr;).
// dependency: proc-macro-hack = "0.5"

// ---- facade, as in paste 0.1 src/lib.rs ----
extern crate self as paste;

use proc_macro_hack::proc_macro_hack;

/// Paste identifiers within a macro invocation that expands to an expression.
#[proc_macro_hack]
pub use paste_impl::expr;

/// Paste identifiers within a macro invocation that expands to one or more items.
pub use paste_impl::item;

/// Paste identifiers within a macro invocation that expands to one or more
/// macro_rules macros or items containing macros.
pub use paste_impl::item_with_macros;

#[doc(hidden)]
pub use paste_impl::EnumHack;

// ---- users ----

// README: "Pasting identifiers" -- generate getters for the fields of a struct.
macro_rules! make_a_struct_and_getters {
    ($name:ident { $($field:ident),* }) => {
        // Define a struct. This expands to:
        //
        //     pub struct S {
        //         a: String,
        //         b: String,
        //         c: String,
        //     }
        pub struct $name {
            $(
                $field: String,
            )*
        }

        // Build an impl block with getters. This expands to:
        //
        //     impl S {
        //         pub fn get_a(&self) -> &str { &self.a }
        //         pub fn get_b(&self) -> &str { &self.b }
        //         pub fn get_c(&self) -> &str { &self.c }
        //     }
        paste::item! {
            impl $name {
                $(
                    pub fn [<get_ $field>](&self) -> &str {
                        &self.$field
                    }
                )*
            }
        }
    }
}

make_a_struct_and_getters!(S { a, b, c });

// README: "Case conversion" with :lower / :upper modifiers.
macro_rules! make_consts {
    ($($name:ident = $value:expr),*) => {
        paste::item! {
            $(
                pub const [<$name:upper _VALUE>]: u32 = $value;
                pub fn [<read_ $name:lower>]() -> u32 { [<$name:upper _VALUE>] }
            )*
        }
    };
}

make_consts!(Alpha = 1, Beta = 2, GammaRay = 3);

// README: item_with_macros! for expansions that contain macro_rules definitions.
macro_rules! make_helpers {
    ($($name:ident),*) => {
        paste::item_with_macros! {
            $(
                macro_rules! [<helper_ $name>] {
                    () => { stringify!($name) };
                }
            )*
        }
    };
}

make_helpers!(one, two);

// tests/test.rs: literal strings, integers, lifetimes, keywords, raw identifiers.
paste::item! {
    pub struct [<Foo "Bar-Baz">];
    pub const [<CONST 0>]: &str = "const0";
    pub struct Holder<[<'d e>]> {
        pub q: &[<'d e>] str,
    }
    pub struct [<F move>];
    pub fn [<r#fn _raw>]() {}
}

mod nested {
    // item! used from a submodule, going through `paste::` as downstream crates do.
    paste::item! {
        pub trait [<Visit Node>] {
            fn [<visit_ node>](&mut self);
        }
    }
}

fn main() {
    let s = S { a: "a".into(), b: "b".into(), c: "c".into() };
    println!("{} {} {}", s.get_a(), s.get_b(), s.get_c());
    println!("{} {} {}", read_alpha(), read_beta(), read_gammaray());
    println!("{} {}", helper_one!(), helper_two!());
    let _ = FooBar_Baz;
    let _ = Fmove;
    r#fn_raw();

    // README: "Pasting identifiers" in expression position (proc-macro-hack).
    let pasted = expr!([<CONST 0>]);
    assert_eq!(pasted, CONST0);

    expr! {
        let [<a a>] = 1;
        assert_eq!([<a a>], 1);
    }

    const ROCKET_A: &str = "/a";
    const ROCKET_B: &str = "/b";
    macro_rules! routes {
        ($($route:ident),*) => {{
            expr! {
                vec![$( [<ROCKET_ $route>] ),*]
            }
        }}
    }
    let routes = routes!(A, B);
    assert_eq!(routes, vec!["/a", "/b"]);

    let len = expr! {
        const A_B: usize = 7;
        [<A _ B>] + 1
    };
    assert_eq!(len, 8);
}
