//! The oracle: expands macros under rustc's REAL proc_macro server and returns the structural
//! dump of the output (`sandcrate_wire::dump_tokens`) as a string literal, so a test can compare
//! it with the same macro run in the sandbox.
//!
//! A per-crate oracle is a 3-line proc-macro crate that depends on this crate and on the macro
//! crate compiled as an rlib (attributes blanked, as the precompile pipeline builds it):
//!
//! ```ignore
//! sandcrate_oracle::oracle! {
//!     derive dump_serialize => serde_derive::derive_serialize,
//!     attr dump_async_trait => async_trait::async_trait,
//!     bang dump_paste => paste::paste,
//! }
//! ```
//!
//! Each generated macro takes the macro's input as Rust source text in string literals
//! (`dump_serialize!("struct A { x: u8 }")`; attribute macros take two: arguments, item),
//! lexes it with rustc (`TokenStream::from_str`), runs the macro fn and expands to a string
//! literal: the dump, or `panicked: <message>` if the macro panicked. `direct name => path`
//! just re-exports a fn as a proc macro, for probe fns that compute their own answer. The sandboxed side feeds
//! the same text as `Input::Source`, so both see the same tokens.
//! Only stable `proc_macro` API is used.
extern crate proc_macro;

pub use sandcrate_wire as wire;
#[path = "../../wire/src/proc_macro_wire.rs"]
pub mod proc_macro_wire;

use proc_macro::{Delimiter, Literal, TokenStream, TokenTree};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;

/// The values of the string literals in `input`, separated by commas (literals forwarded through
/// `macro_rules!` arrive wrapped in invisible groups, which are looked through).
pub fn string_args(input: TokenStream) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for tree in input {
        match tree {
            TokenTree::Punct(p) if p.as_char() == ',' => {}
            TokenTree::Group(g) if g.delimiter() == Delimiter::None => out.extend(string_args(g.stream())?),
            TokenTree::Literal(l) => out.push(string_value(&l).ok_or_else(|| format!("expected a string literal, found `{l}`"))?),
            other => return Err(format!("expected string literals, found `{other}`")),
        }
    }
    Ok(out)
}

/// The value of a (raw or plain) string literal.
pub fn string_value(lit: &Literal) -> Option<String> {
    let text = lit.to_string();
    if let Some(raw) = text.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        return raw.get(hashes + 1..raw.len() - hashes - 1).map(str::to_string);
    }
    let body = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(u8::from_str_radix(&hex, 16).ok()? as char);
            }
            'u' => {
                let hex: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            '\n' => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A string literal token.
pub fn string_literal(s: &str) -> TokenStream {
    TokenTree::Literal(Literal::string(s)).into()
}

/// Runs `expand`, dumping its output or reporting its panic.
pub fn dump_run(expand: impl FnOnce() -> TokenStream) -> String {
    match catch_unwind(AssertUnwindSafe(expand)) {
        Ok(output) => proc_macro_wire::dump_tokens(output),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "Box<dyn Any>".to_string());
            format!("panicked: {message}")
        }
    }
}

fn parse(src: &str) -> Result<TokenStream, String> {
    TokenStream::from_str(src).map_err(|e| format!("rustc cannot lex the input: {e}"))
}

fn answer(result: Result<String, String>) -> TokenStream {
    match result {
        Ok(dump) => string_literal(&dump),
        Err(e) => proc_macro_wire::compile_error(&e, proc_macro::Span::call_site()),
    }
}

/// Oracle for a derive or function-like macro fn: input = one string literal of source text.
pub fn one(f: fn(TokenStream) -> TokenStream, input: TokenStream) -> TokenStream {
    answer((|| {
        let args = string_args(input)?;
        let [src] = args.as_slice() else { return Err("expected one string literal".into()) };
        let tokens = parse(src)?;
        Ok(dump_run(|| f(tokens)))
    })())
}

/// Oracle for an attribute macro fn: input = two string literals (arguments, item).
pub fn two(f: fn(TokenStream, TokenStream) -> TokenStream, input: TokenStream) -> TokenStream {
    answer((|| {
        let args = string_args(input)?;
        let [attr, item] = args.as_slice() else { return Err("expected two string literals: attribute arguments, item".into()) };
        let (attr, item) = (parse(attr)?, parse(item)?);
        Ok(dump_run(|| f(attr, item)))
    })())
}

/// Defines one oracle proc macro per macro fn (see the crate docs). Use in a proc-macro crate.
#[macro_export]
macro_rules! oracle {
    ($($kind:ident $dump:ident => $path:path),* $(,)?) => {
        $($crate::oracle!(@one $kind $dump $path);)*
    };
    (@one derive $dump:ident $path:path) => {
        #[proc_macro]
        pub fn $dump(input: ::proc_macro::TokenStream) -> ::proc_macro::TokenStream {
            $crate::one($path, input)
        }
    };
    (@one bang $dump:ident $path:path) => {
        #[proc_macro]
        pub fn $dump(input: ::proc_macro::TokenStream) -> ::proc_macro::TokenStream {
            $crate::one($path, input)
        }
    };
    (@one direct $dump:ident $path:path) => {
        #[proc_macro]
        pub fn $dump(input: ::proc_macro::TokenStream) -> ::proc_macro::TokenStream {
            $path(input)
        }
    };
    (@one attr $dump:ident $path:path) => {
        #[proc_macro]
        pub fn $dump(input: ::proc_macro::TokenStream) -> ::proc_macro::TokenStream {
            $crate::two($path, input)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::proc_macro_wire::cargo_env;
    use std::ffi::OsString;

    #[test]
    fn the_shim_sends_only_what_cargo_sets_for_the_crate_sorted() {
        let vars = [
            ("HOME", "/root"),
            ("CARGO_PKG_NAME", "demo"),
            ("OUT_DIR", "/t/out"),
            ("CARGO_HOME", "/root/.cargo"),
            ("CARGO_CRATE_NAME", "demo"),
            ("CARGO_BIN_EXE_tool", "/t/tool"),
            ("RUSTFLAGS", "-Copt-level=3"),
            ("CARGO_PKG_VERSION", "1.2.3"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let env = cargo_env(vars.into_iter());
        let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["CARGO_BIN_EXE_tool", "CARGO_CRATE_NAME", "CARGO_PKG_NAME", "CARGO_PKG_VERSION", "OUT_DIR"]);
        assert_eq!(env[3].1, "1.2.3");
    }

    #[test]
    fn a_name_set_twice_keeps_its_smaller_value() {
        let vars = [("OUT_DIR", "/t/b"), ("CARGO_PKG_NAME", "demo"), ("OUT_DIR", "/t/a"), ("OUT_DIR", "/t/c")]
            .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let env = cargo_env(vars.into_iter());
        assert_eq!(env, [("CARGO_PKG_NAME".to_string(), "demo".to_string()), ("OUT_DIR".to_string(), "/t/a".to_string())]);
    }

    /// A crate folder with a file, a nested directory, a link that leads out of it and a `target` folder.
    fn crate_folder() -> (std::path::PathBuf, super::wire::Request) {
        let base = std::env::temp_dir().join(format!("sandcrate-inputs-{}-{:?}", std::process::id(), std::thread::current().id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("demo");
        std::fs::create_dir_all(root.join("assets/icons")).unwrap();
        std::fs::create_dir_all(root.join("target/debug")).unwrap();
        std::fs::write(root.join("grammar.pest"), "num = { ASCII_DIGIT+ }\n").unwrap();
        std::fs::write(root.join("assets/a.txt"), "a").unwrap();
        std::fs::write(root.join("assets/icons/b.svg"), "<svg/>").unwrap();
        std::fs::write(root.join("target/debug/big.rlib"), "x").unwrap();
        std::fs::write(base.join("secret.txt"), "not for macros").unwrap();
        std::os::unix::fs::symlink(base.join("secret.txt"), root.join("assets/leak.txt")).unwrap();
        let request = super::wire::Request {
            kind: super::wire::MacroKind::Bang,
            name: "m".into(),
            spans: vec![super::wire::SpanInfo::Located(super::wire::Location {
                file: None, local: false, start_line: 0, start_column: 0, end_line: 0, end_column: 0, byte_start: 0, byte_end: 0, source_text: None,
            })],
            def_site: 0,
            call_site: 0,
            mixed_site: 0,
            attr: None,
            input: super::wire::Input::Tokens(vec![]),
            env: vec![("CARGO_MANIFEST_DIR".into(), root.to_str().unwrap().into())],
            inputs: None,
        };
        (root, request)
    }

    #[test]
    fn a_macro_is_given_the_files_of_its_crate_and_a_directory_with_what_lies_under_it() {
        use super::proc_macro_wire::give_inputs;
        use super::wire as w;
        let (root, mut request) = crate_folder();
        let r = root.to_str().unwrap();
        let asked = vec![format!("{r}/grammar.pest"), format!("{r}/assets"), format!("{r}/nope.txt")];
        give_inputs(&mut request, &root, true, &asked).unwrap();
        let inputs = request.inputs.clone().unwrap();
        assert_eq!(inputs.current_dir.as_deref(), Some(r));
        let entry = |p: &str| inputs.files.iter().find(|f| f.path == format!("{r}/{p}")).map(|f| f.entry.clone());
        let modified = std::fs::metadata(root.join("grammar.pest")).unwrap().modified().unwrap().duration_since(std::time::UNIX_EPOCH).unwrap();
        let modified = Some(w::Modified { seconds: modified.as_secs(), nanos: modified.subsec_nanos() });
        assert_eq!(entry("grammar.pest"), Some(w::FileEntry::File { canonical: format!("{r}/grammar.pest"), modified, contents: b"num = { ASCII_DIGIT+ }\n".to_vec() }));
        assert_eq!(entry("nope.txt"), Some(w::FileEntry::Missing));
        match entry("assets") {
            Some(w::FileEntry::Dir { entries, .. }) => assert_eq!(entries, [("a.txt".to_string(), w::EntryKind::File),
                ("icons".to_string(), w::EntryKind::Dir), ("leak.txt".to_string(), w::EntryKind::File)]),
            other => panic!("{other:?}"),
        }
        // what lies under the directory comes along, but a link out of the crate does not lead out
        assert!(matches!(entry("assets/icons/b.svg"), Some(w::FileEntry::File { .. })));
        assert!(matches!(entry("assets/leak.txt"), Some(w::FileEntry::Denied(reason)) if reason.contains("outside the crate's directory")));
        let paths: Vec<&str> = inputs.files.iter().map(|f| f.path.as_str()).collect();
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(paths, sorted, "files are sorted by path, as the wire format requires");
        // the request still encodes and decodes
        assert_eq!(w::Request::decode(&request.encode()).unwrap(), request);
        // asking again for something given is a module that does not use its inputs: an error, not a loop
        assert!(give_inputs(&mut request, &root, false, &[format!("{r}/grammar.pest")]).is_err());
    }

    #[test]
    fn nothing_outside_the_crate_is_looked_at_and_target_is_not_sent_along() {
        use super::proc_macro_wire::give_inputs;
        use super::wire as w;
        let (root, mut request) = crate_folder();
        let r = root.to_str().unwrap();
        let asked = vec![format!("{r}/../secret.txt"), "/etc/hostname".to_string(), r.to_string(), "grammar.pest".to_string()];
        give_inputs(&mut request, &root, false, &asked).unwrap();
        let inputs = request.inputs.unwrap();
        let entry = |p: &str| inputs.files.iter().find(|f| f.path == p).map(|f| f.entry.clone()).unwrap();
        for outside in [format!("{r}/../secret.txt"), "/etc/hostname".to_string()] {
            assert!(matches!(entry(&outside), w::FileEntry::Denied(reason) if reason.contains("outside the crate's directory")), "{outside}");
        }
        // a relative path starts from the compiler's working directory
        assert!(matches!(entry("grammar.pest"), w::FileEntry::File { .. }));
        assert!(inputs.files.iter().all(|f| !f.path.contains("/target")), "build output is not sent along");
        assert!(inputs.files.iter().any(|f| f.path.ends_with("assets/icons/b.svg")));
        assert!(inputs.current_dir.is_none());
    }
}
