//! Real macros run natively through the sandcrate server, compared token for token with the same
//! fns under rustc's server (the oracle); plus the request/response protocol around them.

use sandcrate_rust_tests::*;
use sandcrate_wire as wire;
use wire::MacroKind::{Attr, Bang, Derive};

macro_rules! same_as_rustc {
    ($($test:ident: $kind:ident $name:literal $oracle:ident ($($src:literal),+);)*) => {
        $(
            #[test]
            fn $test() {
                let native: &str = oracle_probes::$oracle!($($src),+);
                let sandboxed = same_as_rustc!(@run $kind $name $($src),+);
                assert!(native.lines().count() > 0);
                if sandboxed != native {
                    let diff = sandboxed.lines().zip(native.lines()).position(|(a, b)| a != b);
                    panic!("sandboxed expansion differs from rustc's at line {diff:?}\n--- sandboxed:\n{sandboxed}\n--- rustc:\n{native}");
                }
            }
        )*
    };
    (@run Attr $name:literal $attr:literal, $item:literal) => { expand_source(Attr, $name, Some($attr), $item) };
    (@run $kind:ident $name:literal $src:literal) => { expand_source($kind, $name, None, $src) };
}

same_as_rustc! {
    serialize_struct: Derive "Serialize" dump_serialize("struct Point { x: i32, y: i32 }");
    deserialize_struct: Derive "Deserialize" dump_deserialize("struct Point { x: i32, y: i32 }");
    serialize_generic_with_attributes: Derive "Serialize" dump_serialize(r#"
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct Wrapper<'a, T: Clone> where T: Default {
            #[serde(borrow)] name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none", default)] value: Option<T>,
            /// A documented field.
            #[serde(rename = "r#type")] r#type: u8,
        }"#);
    deserialize_generic_with_attributes: Derive "Deserialize" dump_deserialize(r#"
        #[serde(rename_all = "camelCase")]
        pub struct Wrapper<'a, T> {
            #[serde(borrow)] name: &'a str,
            #[serde(default, with = "my_module")] value: Option<T>,
            #[serde(flatten)] rest: std::collections::BTreeMap<String, u32>,
        }"#);
    serialize_tagged_enum: Derive "Serialize" dump_serialize(r#"
        #[serde(tag = "type", content = "data")]
        enum Shape { Circle { r: f64 }, Square(f64), Pair(u8, u8), Unit, #[serde(skip)] Hidden }"#);
    deserialize_internally_tagged_generic_enum: Derive "Deserialize" dump_deserialize(r#"
        #[serde(rename_all = "camelCase", tag = "kind")]
        pub enum Event<'a, T: Clone> { Started { at: u64, #[serde(borrow)] by: &'a str }, Data(T), #[serde(skip)] Hidden, Stopped }"#);
    deserialize_untagged_enum: Derive "Deserialize" dump_deserialize(r#"
        #[serde(untagged)]
        enum Value { Int(i64), Text(String), List(Vec<Value>), Nothing }"#);
    deserialize_tuple_and_unit_structs: Derive "Deserialize" dump_deserialize("struct Meters(f64, #[serde(skip)] u8);");
    serialize_unit_struct: Derive "Serialize" dump_serialize("#[derive(Debug)] struct Marker;");
    serialize_remote_and_bounds: Derive "Serialize" dump_serialize(r#"
        #[serde(remote = "Duration", bound(serialize = "T: Serialize"))]
        struct DurationDef<T> { #[serde(getter = "Duration::as_secs")] secs: u64, marker: std::marker::PhantomData<T> }"#);
    serde_rejects_unions_with_compile_error: Derive "Serialize" dump_serialize("union U { a: u8, b: u16 }");
    serde_reports_bad_attribute_with_compile_error: Derive "Deserialize" dump_deserialize(r#"struct Bad { #[serde(rename = 1, unknown_thing)] x: u8 }"#);
    thiserror_enum: Derive "Error" dump_error(r#"
        pub enum DataError {
            #[error("disconnected: {0}")] Disconnect(#[from] std::io::Error),
            #[error("invalid header (expected {expected:?}, found {found:?})")] InvalidHeader { expected: String, found: String },
            #[error(transparent)] Other(#[from] Box<dyn std::error::Error + Send + Sync>),
            #[error("unknown")] Unknown,
        }"#);
    thiserror_struct_with_source: Derive "Error" dump_error(r#"
        #[error("failed to load {path}: {source}")]
        pub struct LoadError<'a> { path: &'a str, #[source] source: std::io::Error }"#);
    thiserror_reports_missing_attribute: Derive "Error" dump_error("pub enum E { NoMessage }");
    async_trait_on_trait: Attr "async_trait" dump_async_trait("", r#"
        pub trait Store: Send {
            async fn get(&self, key: &str) -> Option<Vec<u8>>;
            async fn put(&mut self, key: String, value: Vec<u8>) -> Result<(), String> { Ok(()) }
        }"#);
    async_trait_on_impl_not_send: Attr "async_trait" dump_async_trait("?Send", r#"
        impl<T: Clone> Store for Memory<T> {
            async fn get(&self, key: &str) -> Option<Vec<u8>> { self.map.get(key).cloned() }
            async fn put(&mut self, key: String, value: Vec<u8>) -> Result<(), String> {
                self.map.insert(key, value);
                let _ = self.other().await?;
                Ok(())
            }
        }"#);
    hello_derive: Derive "Hello" dump_hello("pub struct Greeter<T> { t: T }");
    hello_derive_compile_error: Derive "Hello" dump_hello("enum Nope { A }");
    attribute_macro: Attr "tag" dump_tag("version = 2, \"label\"", "fn tagged() -> u8 { 1 + 2 }");
    panicking_macro_message: Bang "panicking" dump_panicking("boom here");
}

#[test]
fn panic_carries_message_and_location() {
    let response = run(&source_request(Bang, "panicking", None, "boom"));
    match response.outcome {
        wire::Outcome::Panicked { message, location } => {
            assert_eq!(message, "fixture macro refuses `boom`");
            let location = location.expect("the panic hook records the location");
            assert!(location.file.ends_with("fixture-macros/src/lib.rs"), "{location:?}");
            assert!(location.line > 1 && location.column > 0);
        }
        other => panic!("expected a panic, got {other:?}"),
    }
}

#[test]
fn emitted_diagnostics_come_back_with_spans() {
    let response = run(&source_request(Bang, "warn_first", None, "first second"));
    assert!(matches!(response.outcome, wire::Outcome::Expanded(ref s) if s.len() == 2));
    let [d] = response.diagnostics.as_slice() else { panic!("{:?}", response.diagnostics) };
    assert_eq!((d.level, d.message.as_str()), (wire::Level::Warning, "first token noticed"));
    // The span is the lexed `first` token: a span the response itself describes.
    let id = d.spans[0];
    assert!(id >= response.first_span_id);
    match &response.spans[(id - response.first_span_id) as usize] {
        wire::SpanInfo::Located(l) => assert_eq!((l.start_column, l.end_column, l.source_text.as_deref()), (1, 6, Some("first"))),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.children[0].level, wire::Level::Note);
    assert_eq!(d.children[0].spans, vec![0], "the note points at the call site");
}

#[test]
fn span_methods_answer_from_the_span_table() {
    let response = run(&source_request(Bang, "span_probe", None, "alpha\n  \"lit\" ;"));
    let wire::Outcome::Expanded(stream) = &response.outcome else { panic!("{response:?}") };
    let [wire::TokenTree::Literal(l)] = stream.as_slice() else { panic!("{stream:?}") };
    assert_eq!(
        unescape(&l.text),
        concat!(
            "alpha 1:1-1:6 Some(\"alpha\") \"input.rs\"\n",
            "\"lit\" 2:3-2:8 Some(\"\\\"lit\\\"\") \"input.rs\"\n",
            "; 2:9-2:10 Some(\";\") \"input.rs\"\n",
            "located_at 1:1\n",
            "start 2:9 Some(\"\")\n",
            "literal \"lit\"\n",
        )
    );
}

#[test]
fn token_input_keeps_the_consumers_span_ids() {
    // As the shim sends it: tokens with span ids into the request's table.
    let located = |col: u32, len: u32| {
        wire::SpanInfo::Located(wire::Location { file: Some("lib.rs".into()), start_line: 4, start_column: col, end_line: 4, end_column: col + len, ..Default::default() })
    };
    let request = wire::Request {
        kind: Attr,
        name: "tag".into(),
        spans: vec![located(1, 20), located(3, 2), located(6, 5), located(11, 1)],
        def_site: 0,
        call_site: 0,
        mixed_site: 0,
        attr: Some(wire::Input::Tokens(vec![wire::TokenTree::Literal(wire::Literal { text: "-1.5".into(), span: 3 })])),
        input: wire::Input::Tokens(vec![
            wire::TokenTree::Ident(wire::Ident { name: "fn".into(), is_raw: false, span: 1 }),
            wire::TokenTree::Ident(wire::Ident { name: "match".into(), is_raw: true, span: 2 }),
        ]),
        env: vec![],
        inputs: None,
    };
    let response = run(&request);
    let wire::Outcome::Expanded(out) = &response.outcome else { panic!("{response:?}") };
    assert_eq!(
        wire::dump(out),
        "ident fn #1\nident r#match #2\nident const #0\nident _ #0\npunct : alone #0\npunct & alone #0\nident str #0\npunct = alone #0\nliteral \"-1.5\" #0\npunct ; alone #0\n"
    );
    assert!(response.spans.is_empty(), "no spans were created");
}

#[test]
fn unknown_macro_and_wrong_kind_fail_clearly() {
    let response = run(&source_request(Derive, "Serialise", None, "struct A;"));
    match response.outcome {
        wire::Outcome::Failed(m) => {
            assert!(m.starts_with("this module has no derive macro named `Serialise` (it has: "), "{m}");
            assert!(m.contains("derive `Serialize`") && m.contains("attribute `tag`"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(run(&source_request(Bang, "Serialize", None, "x")).outcome, wire::Outcome::Failed(_)));
}

#[test]
fn unlexable_source_and_garbage_requests_fail_clearly() {
    match run(&source_request(Derive, "Serialize", None, "struct A { x: u8 ")).outcome {
        wire::Outcome::Failed(m) => assert_eq!(m, "cannot lex input source text of input.rs: this file contains an unclosed delimiter"),
        other => panic!("{other:?}"),
    }
    let response = wire::Response::decode(&sandcrate_bridge_server::expand(SANDCRATE_MACROS, b"SCWF\x07\x00")).unwrap();
    match response.outcome {
        wire::Outcome::Failed(m) => assert!(m.contains("unsupported wire format version 7"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn state_does_not_leak_between_requests() {
    let a = expand_source(Derive, "Serialize", None, "struct A { x: u8 }");
    let _ = run(&source_request(Bang, "panicking", None, "boom"));
    let b = expand_source(Derive, "Serialize", None, "struct A { x: u8 }");
    assert_eq!(a, b);
    assert!(a.contains("ident A") && a.lines().count() > 100);
}

#[test]
fn abi_version_export() {
    assert_eq!(sandcrate_abi_version(), 1);
    assert_eq!(sandcrate_last_panic(), 0, "nothing trapped");
}
