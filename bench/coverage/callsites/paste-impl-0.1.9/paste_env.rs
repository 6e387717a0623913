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
    /// A type named after the crate being compiled (Cargo sets CARGO_PKG_NAME).
    pub struct [<Lib env!("CARGO_PKG_NAME")>];

    impl [<Lib env!("CARGO_PKG_NAME")>] {
        pub fn [<version_of_ env!("CARGO_PKG_NAME")>]() -> &'static str {
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
    let _ = Libprobe;
    let _ = Libprobe::version_of_probe();
}
