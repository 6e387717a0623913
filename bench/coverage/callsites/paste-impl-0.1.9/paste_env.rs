// Follows paste 0.1's tests/test.rs env! cases (test_env_literal, test_env_present): an
// `env!("VAR")` segment inside [< >] is replaced by the variable's value at expansion time.
// dependency: proc-macro-hack = "0.5"

// ---- facade, as in paste 0.1 src/lib.rs ----
extern crate self as paste;

use proc_macro_hack::proc_macro_hack;

#[proc_macro_hack]
pub use paste_impl::expr;
pub use paste_impl::item;
pub use paste_impl::item_with_macros;
#[doc(hidden)]
pub use paste_impl::EnumHack;

// ---- users ----
paste::item! {
    /// A type named after the major version of the package being compiled (Cargo sets
    /// CARGO_PKG_VERSION_MAJOR; the benchmark's probe package is 0.0.0, and its name has dashes).
    pub struct [<Lib env!("CARGO_PKG_VERSION_MAJOR")>];

    impl [<Lib env!("CARGO_PKG_VERSION_MAJOR")>] {
        pub fn [<version_of_ env!("CARGO_PKG_VERSION_MAJOR")>]() -> &'static str {
            env!("CARGO_PKG_VERSION")
        }
    }
}

fn main() {
    // `env` not followed by `!` is an ordinary segment.
    expr! {
        struct [<Lib env bar>];
        let _ = Libenvbar;
    }
    let _ = Lib0;
    let _ = Lib0::version_of_0();
}
