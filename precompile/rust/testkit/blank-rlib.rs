// Shared by the testkit's `*-rlib` fixture crates (each build.rs `include!`s it and calls
// `write_blanked_root`). Writes `$OUT_DIR/lib.rs`: a proc-macro crate's root with `#[proc_macro_derive(..)]` blanked
// (spaces, so lines stay put), inner attributes and inner doc comments dropped (the root is `include!`d) and every
// `mod x;` pointed at the original file, so the other sources are used unchanged.
use std::path::{Path, PathBuf};

fn blank_attributes(src: &str, names: &[&str]) -> String {
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        let rest = &src[i..];
        let blank_len = if rest.starts_with("#!") {
            bracket_len(&rest[2..]).map(|n| n + 2)
        } else if rest.starts_with("#[") && names.iter().any(|n| rest[2..].trim_start().starts_with(n)) {
            bracket_len(&rest[1..]).map(|n| n + 1)
        } else {
            None
        };
        match blank_len {
            Some(n) => {
                out.extend(src[i..i + n].chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
                i += n;
            }
            None => {
                let c = rest.chars().next().unwrap();
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// Length of the balanced `[...]` at the start of `s`.
fn bracket_len(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

fn point_modules_at(src: &str, dir: &Path) -> String {
    src.lines()
        .map(|line| {
            let t = line.trim();
            if let Some(doc) = t.strip_prefix("//!") {
                return format!("// {doc}");
            }
            match t.strip_prefix("mod ").and_then(|m| m.strip_suffix(';')) {
                Some(name) => {
                    let file = dir.join(format!("{name}.rs"));
                    let file = if file.exists() { file } else { dir.join(name).join("mod.rs") };
                    format!("#[path = {:?}] mod {name};", file.display().to_string())
                }
                None => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes the blanked crate root of the crate unpacked at `crate_dir` to `$OUT_DIR/lib.rs`.
fn write_blanked_root(crate_dir: &str) {
    let src_dir = Path::new(crate_dir).join("src");
    let lib = std::fs::read_to_string(src_dir.join("lib.rs")).unwrap_or_else(|e| panic!("{crate_dir}: {e} (install it: see scripts/setup.sh --test)"));
    let lib = blank_attributes(&lib, &["proc_macro_derive", "proc_macro_attribute", "proc_macro]"]);
    let lib = point_modules_at(&lib, &src_dir);
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("lib.rs");
    std::fs::write(out, lib).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../blank-rlib.rs");
}
