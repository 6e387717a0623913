//! Expands Rust source text with one of the test macros through the bridge server natively and
//! prints the structural dump: `cargo run -p sandcrate-rust-tests --example expand -- derive Serialize 'struct A;'`
use sandcrate_rust_tests::expand_source;
use sandcrate_wire::MacroKind;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, name, text] = args.as_slice() else {
        eprintln!("usage: expand <derive|bang> <name> <source text>");
        std::process::exit(2);
    };
    let kind = match kind.as_str() {
        "derive" => MacroKind::Derive,
        "bang" => MacroKind::Bang,
        other => {
            eprintln!("unknown macro kind `{other}` (derive or bang)");
            std::process::exit(2);
        }
    };
    print!("{}", expand_source(kind, name, None, text));
}
