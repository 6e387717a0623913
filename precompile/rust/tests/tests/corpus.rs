//! Whole real source files lexed and printed by our server vs rustc (see build.rs): token dumps,
//! `to_string()` with rustc's line breaking, and the macro-rebuilt `to_string()`.
include!(concat!(env!("OUT_DIR"), "/corpus.rs"));

#[test]
fn real_files_lex_and_print_like_rustc() {
    for (path, text, native) in CORPUS {
        let sandboxed = sandcrate_rust_tests::probe("probe_lex", &[text]);
        assert!(native.len() > text.len(), "{path}: the oracle answered too little");
        if sandboxed != *native {
            let line = sandboxed.lines().zip(native.lines()).position(|(a, b)| a != b);
            let show = |s: &str| s.lines().skip(line.unwrap_or(0).saturating_sub(3)).take(8).collect::<Vec<_>>().join("\n");
            panic!("{path}: differs at output line {line:?}\n--- sandboxed:\n{}\n--- rustc:\n{}", show(&sandboxed), show(native));
        }
    }
}
