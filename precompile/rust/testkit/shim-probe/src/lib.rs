//! Runs the consumer side of the wire format inside a real rustc expansion: the input (real
//! tokens with real spans) becomes a request via `proc_macro_wire`, the bridge server expands it
//! (on its own thread, so its proc_macro client state is separate from rustc's), and
//! `response_tokens` rebuilds the output with the original spans. Compared with running the
//! same macro fn natively, position by position.
#![feature(proc_macro_internals)]
#![allow(internal_features)]

extern crate proc_macro;

use proc_macro::bridge::client::ProcMacro;
use proc_macro::TokenStream;
use sandcrate_oracle::proc_macro_wire::{self as pmw, SourceText, SpanRecorder};
use sandcrate_oracle::{string_literal, wire};
use std::panic::{catch_unwind, AssertUnwindSafe};

static MACROS: &[ProcMacro] = &[
    ProcMacro::custom_derive("Serialize", &["serde"], serde_derive_rlib::derive_serialize),
    ProcMacro::custom_derive("Deserialize", &["serde"], serde_derive_rlib::derive_deserialize),
    ProcMacro::bang("panicking", fixture_macros::panicking),
    ProcMacro::bang("to_string_literal", fixture_macros::to_string_literal),
    ProcMacro::bang("keep", fixture_macros::keep),
    ProcMacro::bang("rename_f", fixture_macros::rename_f),
    ProcMacro::bang("rebuilt", fixture_macros::rebuilt),
    ProcMacro::bang("negative_literals", fixture_macros::negative_literals),
    ProcMacro::bang("at_call_site", fixture_macros::at_call_site),
    ProcMacro::attr("tag", fixture_macros::tag),
];

/// The shim path: request, sandboxed expansion, rebuilt tokens.
pub fn sandboxed(kind: wire::MacroKind, name: &str, input: TokenStream) -> TokenStream {
    sandboxed_with(kind, name, None, input)
}

fn sandboxed_with(kind: wire::MacroKind, name: &str, attr: Option<TokenStream>, input: TokenStream) -> TokenStream {
    let (request, kept) = pmw::request(kind, name, attr, input, SourceText::Tokens);
    let bytes = request.encode();
    let response = std::thread::spawn(move || sandcrate_bridge_server::expand(MACROS, &bytes)).join().expect("server thread");
    let response = wire::Response::decode(&response).expect("valid response");
    pmw::response_tokens(&response, &request, &kept)
}

/// One token per line with its span's start and end position, as seen through stable proc_macro.
fn dump_with_positions(stream: TokenStream) -> String {
    let mut spans = SpanRecorder::new(SourceText::None);
    let tokens = pmw::to_wire(stream, &mut spans);
    wire::dump_with(&tokens, &mut |id| match &spans.infos[id as usize] {
        wire::SpanInfo::Located(l) => format!("{}:{}-{}:{}", l.start_line, l.start_column, l.end_line, l.end_column),
        other => format!("{other:?}"),
    })
}

fn compare(native: fn(TokenStream) -> TokenStream, kind: wire::MacroKind, name: &str, input: TokenStream) -> TokenStream {
    let expected = dump_with_positions(catch_unwind(AssertUnwindSafe(|| native(input.clone()))).expect("native expansion"));
    let actual = dump_with_positions(sandboxed(kind, name, input));
    string_literal(&if expected == actual {
        format!("same: {} tokens", expected.lines().count())
    } else {
        format!("differ\n--- native\n{expected}--- sandboxed\n{actual}")
    })
}

/// `compare_serialize! { struct ... }`: "same: N tokens" when the shim path gives serde's exact
/// tokens at the exact positions, else both dumps.
pub fn compare_serialize(input: TokenStream) -> TokenStream {
    compare(serde_derive_rlib::derive_serialize, wire::MacroKind::Derive, "Serialize", input)
}

pub fn compare_deserialize(input: TokenStream) -> TokenStream {
    compare(serde_derive_rlib::derive_deserialize, wire::MacroKind::Derive, "Deserialize", input)
}

/// The dump of what the shim path produces for the panicking macro (a `compile_error!`).
pub fn sandboxed_panicking(input: TokenStream) -> TokenStream {
    string_literal(&pmw::dump_tokens(sandboxed(wire::MacroKind::Bang, "panicking", input)))
}

/// `input.to_string()` natively vs through the shim path: the sandbox only sees proc_macro
/// spacing, and must recover rustc's hidden spacing from the positions of touching tokens.
pub fn compare_to_string(input: TokenStream) -> TokenStream {
    compare(fixture_macros::to_string_literal, wire::MacroKind::Bang, "to_string_literal", input)
}

/// What the shim makes of a hand-made response to `first second`: an error diagnostic with a
/// note, at `first`, and output whose span id 3 is the response's own first span (`first`
/// resolved at the call site) even though the request had more spans: `first_span_id` decides.
/// Expands to the dump of the result with positions, then `---`, then the input's dump.
pub fn sandboxed_diagnostic(input: TokenStream) -> TokenStream {
    let (request, kept) = pmw::request(wire::MacroKind::Bang, "diagnostic", None, input.clone(), SourceText::None);
    let (first, call_site) = (2, 0); // ids: call site, mixed site, then the input's tokens
    let note = wire::Diagnostic { level: wire::Level::Note, message: "write `second` first".into(), spans: vec![], children: vec![] };
    let response = wire::Response {
        first_span_id: 3,
        spans: vec![wire::SpanInfo::ResolvedAt { position: first, context: call_site }],
        diagnostics: vec![wire::Diagnostic { level: wire::Level::Error, message: "`first` is wrong".into(), spans: vec![first], children: vec![note] }],
        outcome: wire::Outcome::Expanded(vec![wire::TokenTree::Ident(wire::Ident { name: "x".into(), is_raw: false, span: 3 })]),
    };
    let output = pmw::response_tokens(&response, &request, &kept);
    string_literal(&format!("{}---\n{}", dump_with_positions(output), dump_with_positions(input)))
}

/// How rustc prints a macro's output natively and through the shim path: "same: <text>" or both.
/// Tokens a macro passes through unchanged print as the source had them (`/// doc`, `a::b`);
/// tokens it rebuilt print as `#[doc = "..."]` and `a :: b`, natively as in the shim.
fn compare_printed(native: TokenStream, sandboxed: TokenStream) -> TokenStream {
    let (expected, actual) = (native.to_string(), sandboxed.to_string());
    string_literal(&if expected == actual { format!("same: {expected}") } else { format!("differ\n--- native\n{expected}\n--- sandboxed\n{actual}") })
}

/// A macro that returns its input.
pub fn compare_printed_keep(input: TokenStream) -> TokenStream {
    compare_printed(fixture_macros::keep(input.clone()), sandboxed(wire::MacroKind::Bang, "keep", input))
}

/// An attribute macro that returns its item followed by more tokens.
pub fn compare_printed_tag(input: TokenStream) -> TokenStream {
    let attr = || "x".parse::<TokenStream>().unwrap();
    compare_printed(fixture_macros::tag(attr(), input.clone()), sandboxed_with(wire::MacroKind::Attr, "tag", Some(attr()), input))
}

/// A macro that changes one top-level token and keeps the groups whole.
pub fn compare_printed_rename_f(input: TokenStream) -> TokenStream {
    compare_printed(fixture_macros::rename_f(input.clone()), sandboxed(wire::MacroKind::Bang, "rename_f", input))
}

/// A macro that rebuilds every group: nothing may be handed back as the original.
pub fn compare_printed_rebuilt(input: TokenStream) -> TokenStream {
    compare_printed(fixture_macros::rebuilt(input.clone()), sandboxed(wire::MacroKind::Bang, "rebuilt", input))
}

/// Negative number literals a macro makes: the same tokens and positions as natively, and printed alike
/// (`-1`, not `- 1`).
pub fn compare_negative_literals(input: TokenStream) -> TokenStream {
    compare(fixture_macros::negative_literals, wire::MacroKind::Bang, "negative_literals", input)
}

pub fn compare_printed_negative_literals(input: TokenStream) -> TokenStream {
    compare_printed(fixture_macros::negative_literals(input.clone()), sandboxed(wire::MacroKind::Bang, "negative_literals", input))
}

/// Output at the call site, with spacing only a macro can make: the same tokens, spacing and positions
/// as natively.
pub fn compare_at_call_site(input: TokenStream) -> TokenStream {
    compare(fixture_macros::at_call_site, wire::MacroKind::Bang, "at_call_site", input)
}

pub fn compare_printed_at_call_site(input: TokenStream) -> TokenStream {
    compare_printed(fixture_macros::at_call_site(input.clone()), sandboxed(wire::MacroKind::Bang, "at_call_site", input))
}

/// Whether the request's source texts (cut from enclosing groups where the tokens lie inside
/// them) are exactly what `Span::source_text` answers for each token: "same: N texts" or the
/// first difference.
pub fn compare_source_texts(input: TokenStream) -> TokenStream {
    fn expected(stream: TokenStream, out: &mut Vec<Option<String>>) {
        for tree in stream {
            match tree {
                proc_macro::TokenTree::Group(g) => {
                    out.extend([None, g.span_open().source_text(), g.span_close().source_text()]);
                    expected(g.stream(), out);
                }
                other => out.push(other.span().source_text()),
            }
        }
    }
    let mut want = vec![proc_macro::Span::call_site().source_text(), proc_macro::Span::mixed_site().source_text()];
    expected(input.clone(), &mut want);
    let (request, _) = pmw::request(wire::MacroKind::Bang, "probe", None, input, SourceText::Tokens);
    let got: Vec<Option<String>> = request.spans.iter().map(|info| match info {
        wire::SpanInfo::Located(l) => l.source_text.clone(),
        other => Some(format!("{other:?}")),
    }).collect();
    let first_difference = want.iter().zip(&got).position(|(w, g)| w != g);
    string_literal(&match first_difference {
        None if want.len() == got.len() => format!("same: {} texts", got.iter().flatten().count()),
        None => format!("differ: {} spans wanted, {} recorded", want.len(), got.len()),
        Some(i) => format!("differ at span {i}: compiler {:?}, request {:?}", want[i], got[i]),
    })
}
