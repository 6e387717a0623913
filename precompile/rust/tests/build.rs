//! Generates `$OUT_DIR/corpus.rs`: one oracle probe per real source file of the corpus below, so
//! `tests/corpus.rs` can compare lexing and printing of whole files with rustc.
use std::fmt::Write;

/// Real Rust files from Debian's registry (installed by scripts/setup.sh --test).
pub const CORPUS: &[&str] = &[
    "/usr/share/cargo/registry/syn-1.0.107/src/expr.rs",
    "/usr/share/cargo/registry/serde_derive-1.0.152/src/de.rs",
    "/usr/share/cargo/registry/async-trait-0.1.56/src/expand.rs",
    "/usr/share/cargo/registry/thiserror-impl-1.0.38/src/attr.rs",
];

fn main() {
    let mut out = String::from("pub const CORPUS: &[(&str, &str, &str)] = &[\n");
    for path in CORPUS {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let hashes = (1..).map(|n| "#".repeat(n)).find(|h| !text.contains(&format!("\"{h}"))).unwrap();
        writeln!(out, "    ({path:?}, include_str!({path:?}), oracle_probes::probe_lex!(r{hashes}\"{text}\"{hashes})),").unwrap();
        println!("cargo:rerun-if-changed={path}");
    }
    out.push_str("];\n");
    std::fs::write(std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("corpus.rs"), out).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}
