//! The harness template (`precompile/rust/harness-template/`) rendered for the fixture macros
//! builds, and the generated module expands: a smoke test compiled into the rendered crate
//! runs requests through its `SANDCRATE_MACROS` and checks the exports.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Fills the placeholders the way the precompile pipeline does.
fn render(template: &str, macros: &str) -> String {
    let ws = workspace();
    template
        .replace("@@CRATE_NAME@@", "fixture-macros")
        .replace("@@CRATE_VERSION@@", "0.1.0")
        .replace("@@BRIDGE_SERVER_PATH@@", ws.join("bridge-server").to_str().unwrap())
        .replace("@@MACRO_CRATE_DEPENDENCY@@", &format!("fixture-macros = {{ path = {:?} }}", ws.join("testkit/fixture-macros").to_str().unwrap()))
        .replace("@@MACROS@@", macros)
}

const SMOKE_TEST: &str = r#"
use sandcrate_bridge_server::wire;

fn request(kind: wire::MacroKind, name: &str, text: &str) -> wire::Response {
    let request = wire::Request {
        kind,
        name: name.into(),
        spans: vec![wire::SpanInfo::Located(wire::Location::default())],
        def_site: 0,
        call_site: 0,
        mixed_site: 0,
        attr: None,
        input: wire::Input::Source { file: "smoke.rs".into(), text: text.into() },
        env: vec![],
        inputs: None,
    };
    wire::Response::decode(&sandcrate_bridge_server::expand(sandcrate_harness::SANDCRATE_MACROS, &request.encode())).unwrap()
}

#[test]
fn generated_module_expands() {
    assert_eq!(sandcrate_harness::sandcrate_abi_version(), 1);
    let response = request(wire::MacroKind::Derive, "Hello", "struct Smoke;");
    let wire::Outcome::Expanded(out) = &response.outcome else { panic!("{response:?}") };
    assert!(wire::dump_tokens(out).starts_with("ident impl\nident Hello\nident for\nident Smoke\n"), "{}", wire::dump_tokens(out));
    match request(wire::MacroKind::Bang, "panicking", "x").outcome {
        wire::Outcome::Panicked { message, .. } => assert_eq!(message, "fixture macro refuses `x`"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(request(wire::MacroKind::Attr, "nope", "x").outcome, wire::Outcome::Failed(_)));
}
"#;

#[test]
fn rendered_template_builds_and_expands() {
    let ws = workspace();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("harness-test");
    let dir = scratch.join("fixture-macros");
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    let macros = "    derive \"Hello\" => fixture_macros::derive_hello,\n    attr \"tag\" => fixture_macros::tag,\n    bang \"panicking\" => fixture_macros::panicking,";
    for file in ["Cargo.toml", "lib.rs"] {
        let template = std::fs::read_to_string(ws.join("harness-template").join(file)).unwrap();
        let rendered = render(&template, macros);
        assert!(!rendered.contains("@@"), "{file}: placeholder left:\n{rendered}");
        std::fs::write(dir.join(file), rendered).unwrap();
    }
    std::fs::write(dir.join("tests/smoke.rs"), SMOKE_TEST).unwrap();
    // The scratch dir may be outside this workspace: bring its toolchain settings along.
    std::fs::create_dir_all(scratch.join(".cargo")).unwrap();
    std::fs::copy(ws.join(".cargo/config.toml"), scratch.join(".cargo/config.toml")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "/usr/bin/cargo".into());
    let output = Command::new(cargo)
        .args(["test", "--offline", "-j2", "--target-dir"])
        .arg(scratch.join("target"))
        .current_dir(&dir)
        .env("RUSTC_BOOTSTRAP", "1")
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the rendered harness failed:\n{log}");
    assert!(log.contains("test generated_module_expands ... ok"), "{log}");
}
