//! Drives macros through the sandcrate bridge server natively: the test binary links the host's
//! libproc_macro, whose bridge client talks to our server exactly as it does inside wasm.
#![feature(proc_macro_diagnostic)]
#![allow(internal_features)]

extern crate proc_macro;

use proc_macro::{Span, TokenStream};
use sandcrate_wire as wire;

/// Emits a warning with a note on its input's first token, then returns the input unchanged.
pub fn warn_first(input: TokenStream) -> TokenStream {
    let span = input.clone().into_iter().next().map(|t| t.span()).unwrap_or_else(Span::call_site);
    span.warning("first token noticed").span_note(Span::call_site(), "called here").emit();
    input
}

sandcrate_bridge_server::export_macros! {
    derive "Serialize" [serde] => serde_derive_rlib::derive_serialize,
    derive "Deserialize" [serde] => serde_derive_rlib::derive_deserialize,
    derive "Error" [backtrace, error, from, source] => thiserror_impl_rlib::derive_error,
    attr "async_trait" => async_trait_rlib::async_trait,
    derive "Hello" => fixture_macros::derive_hello,
    attr "tag" => fixture_macros::tag,
    bang "panicking" => fixture_macros::panicking,
    bang "probe_lex" => fixture_macros::probe_lex,
    bang "probe_literal" => fixture_macros::probe_literal,
    bang "span_probe" => fixture_macros::span_probe,
    bang "warn_first" => warn_first,
}

/// A request whose input (and attribute arguments) are source text lexed in the server.
pub fn source_request(kind: wire::MacroKind, name: &str, attr: Option<&str>, src: &str) -> wire::Request {
    let call_site = wire::SpanInfo::Located(wire::Location {
        file: Some("caller.rs".into()),
        local: true,
        start_line: 1,
        start_column: 1,
        end_line: 1,
        end_column: 10,
        byte_start: 0,
        byte_end: 9,
        source_text: Some("#[derive]".into()),
    });
    wire::Request {
        kind,
        name: name.into(),
        spans: vec![call_site],
        def_site: 0,
        call_site: 0,
        mixed_site: 0,
        attr: attr.map(|a| wire::Input::Source { file: "attr.rs".into(), text: a.into() }),
        input: wire::Input::Source { file: "input.rs".into(), text: src.into() },
        env: vec![],
        inputs: None,
    }
}

pub fn run(request: &wire::Request) -> wire::Response {
    let bytes = sandcrate_bridge_server::expand(SANDCRATE_MACROS, &request.encode());
    wire::Response::decode(&bytes).expect("the server answers with a valid response")
}

/// What the oracle reports for the same expansion: the token dump, or `panicked: <message>`.
pub fn dump(response: &wire::Response) -> String {
    match &response.outcome {
        wire::Outcome::Expanded(stream) => wire::dump_tokens(stream),
        wire::Outcome::Panicked { message, .. } => format!("panicked: {message}"),
        wire::Outcome::Failed(message) => format!("failed: {message}"),
        wire::Outcome::NeedsInputs { current_dir, paths } => format!("needs inputs: current dir {current_dir}, {paths:?}"),
    }
}

pub fn expand_source(kind: wire::MacroKind, name: &str, attr: Option<&str>, src: &str) -> String {
    dump(&run(&source_request(kind, name, attr, src)))
}

/// The value of the single string literal a probe macro returns.
pub fn probe(name: &str, args: &[&str]) -> String {
    let src = args.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>().join(", ");
    let response = run(&source_request(wire::MacroKind::Bang, name, None, &src));
    match &response.outcome {
        wire::Outcome::Expanded(stream) => match stream.as_slice() {
            [wire::TokenTree::Literal(l)] => unescape(&l.text),
            other => panic!("probe returned {other:?}"),
        },
        other => panic!("probe failed: {other:?}"),
    }
}

/// The value of a `"..."` literal as `proc_macro::Literal::string` escapes it.
pub fn unescape(text: &str) -> String {
    let body = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).expect("a string literal");
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next().expect("escape") {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            'u' => {
                let hex: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
            }
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(u8::from_str_radix(&hex, 16).unwrap() as char);
            }
            other => out.push(other),
        }
    }
    out
}
