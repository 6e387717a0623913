//! Committed test vectors (`wire/vectors/`): every `<name>.bin` must be exactly what this codec
//! encodes for the message built here, must decode back to it, and its `<name>.json` /
//! `<name>.dump` must match. Invalid vectors (`invalid-*.bin`) must fail with the committed
//! offset and message. The Java decoder in sandbox-runtime is tested against the same files.
//!
//! Regenerate after an intentional format change: `SANDCRATE_BLESS=1 cargo test -p sandcrate-wire`.

use sandcrate_wire::*;
use std::fmt::Write;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

fn bless() -> bool {
    std::env::var_os("SANDCRATE_BLESS").is_some()
}

fn loc(file: &str, l1: u32, c1: u32, l2: u32, c2: u32, b1: u32, b2: u32, text: Option<&str>) -> SpanInfo {
    SpanInfo::Located(Location {
        file: Some(file.to_string()),
        local: true,
        start_line: l1,
        start_column: c1,
        end_line: l2,
        end_column: c2,
        byte_start: b1,
        byte_end: b2,
        source_text: text.map(str::to_string),
    })
}

fn ident(name: &str, span: SpanId) -> TokenTree {
    TokenTree::Ident(Ident { name: name.into(), is_raw: false, span })
}

fn punct(ch: char, joint: bool, span: SpanId) -> TokenTree {
    TokenTree::Punct(Punct { ch, spacing: if joint { Spacing::Joint } else { Spacing::Alone }, span })
}

fn lit(text: &str, span: SpanId) -> TokenTree {
    TokenTree::Literal(Literal { text: text.into(), span })
}

fn group(delimiter: Delimiter, span: SpanId, open: SpanId, close: SpanId, stream: TokenStream) -> TokenTree {
    TokenTree::Group(Group { delimiter, span, open, close, stream })
}

/// `#[serde(rename = "p")] struct Point { x: i32, r#type: ::std::string::String }`
/// at line 3 of src/lib.rs, span per token, call site = the derive attribute.
fn request_derive_tokens() -> Request {
    let f = "src/lib.rs";
    let src = "#[serde(rename = \"p\")] struct Point { x: i32, r#type: ::std::string::String }";
    let mut spans = vec![loc(f, 2, 10, 2, 19, 20, 29, Some("Serialize"))]; // 0: call site
    // Each input token gets its own span: (1-based column, length) on line 3, which starts at byte 40.
    let mut at = |col: u32, len: u32| -> SpanId {
        let id = spans.len() as u32;
        let b = 40 + col - 1;
        let text = &src[(col - 1) as usize..(col - 1 + len) as usize];
        spans.push(loc(f, 3, col, 3, col + len, b, b + len, Some(text)));
        id
    };
    let hash = at(1, 1);
    let bracket = at(2, 22);
    let serde = at(3, 5);
    let paren = at(8, 15);
    let rename = at(9, 6);
    let eq = at(16, 1);
    let p = at(18, 3);
    let kw_struct = at(25, 6);
    let name = at(32, 5);
    let brace = at(38, src.len() as u32 - 37);
    let input = vec![
        punct('#', false, hash),
        group(
            Delimiter::Bracket,
            bracket,
            bracket,
            bracket,
            vec![
                ident("serde", serde),
                group(Delimiter::Parenthesis, paren, paren, paren, vec![ident("rename", rename), punct('=', false, eq), lit("\"p\"", p)]),
            ],
        ),
        ident("struct", kw_struct),
        ident("Point", name),
        group(
            Delimiter::Brace,
            brace,
            brace,
            brace,
            vec![
                ident("x", brace),
                punct(':', false, brace),
                ident("i32", brace),
                punct(',', false, brace),
                TokenTree::Ident(Ident { name: "type".into(), is_raw: true, span: brace }),
                punct(':', false, brace),
                punct(':', true, brace),
                punct(':', false, brace),
                ident("std", brace),
                punct(':', true, brace),
                punct(':', false, brace),
                ident("string", brace),
                punct(':', true, brace),
                punct(':', false, brace),
                ident("String", brace),
            ],
        ),
    ];
    Request { kind: MacroKind::Derive, name: "Serialize".into(), spans, def_site: 0, call_site: 0, mixed_site: 0, attr: None, input: Input::Tokens(input),
        env: vec![("CARGO_CRATE_NAME".into(), "geometry".into()), ("CARGO_PKG_NAME".into(), "geometry".into()),
                  ("CARGO_PKG_VERSION".into(), "0.1.0-ß".into())], inputs: None }
}

/// An attribute macro whose arguments are tokens and whose item is source text to lex in wasm.
fn request_attr_source() -> Request {
    Request {
        kind: MacroKind::Attr,
        name: "instrument".into(),
        spans: vec![
            SpanInfo::Located(Location { file: None, local: false, ..Location::default() }),
            loc("main.rs", 1, 3, 1, 13, 2, 12, None),
        ],
        def_site: 0,
        call_site: 1,
        mixed_site: 1,
        attr: Some(Input::Tokens(vec![ident("level", 1), punct('=', false, 1), lit("\"débug\"", 1)])),
        input: Input::Source { file: "main.rs".into(), text: "fn größe() -> u8 {\n    b'\\n' /* ✓ */\n}\n".into() },
        env: vec![],
        inputs: None,
    }
}

/// A function-like macro with every literal form, a lifetime, a `None`-delimited group.
fn request_bang_literals() -> Request {
    let c = 0;
    let input = vec![
        lit("\"a\\nb\"", c),
        lit("r#\"raw \" str\"#", c),
        lit("b'q'", c),
        lit("b\"bytes\"", c),
        lit("br\"raw bytes\"", c),
        lit("c\"cstr\"", c),
        lit("cr#\"raw c\"#", c),
        lit("'c'", c),
        lit("1u8", c),
        lit("-1.5e3f64", c),
        lit("0x_FF_i128", c),
        lit("\"multi\nline\ttab\\\\\"", c),
        punct('\'', true, c),
        ident("a", c),
        group(Delimiter::None, c, c, c, vec![ident("T", c), punct('?', false, c)]),
        group(Delimiter::Bracket, c, c, c, vec![]),
        punct('$', false, c),
        ident("crate", c),
    ];
    Request {
        kind: MacroKind::Bang,
        name: "all_literals".into(),
        spans: vec![loc("src/main.rs", 7, 5, 7, 40, 100, 135, None)],
        def_site: 0,
        call_site: 0,
        mixed_site: 0,
        attr: None,
        input: Input::Tokens(input),
        env: vec![],
        inputs: None,
    }
}

/// An expansion that created spans of every derived kind and emitted a warning with a note.
fn response_expanded() -> Response {
    // The request had 3 spans: 0 = call site, 1 = an input ident, 2 = an input literal.
    let spans = vec![
        SpanInfo::ResolvedAt { position: 1, context: 0 }, // 3: ident located at input, hygiene of call site
        SpanInfo::Join { first: 1, second: 2 },           // 4
        SpanInfo::Subspan { base: 2, start: 1, end: 4 },  // 5
        SpanInfo::Start { base: 4 },                       // 6
        SpanInfo::End { base: 3 },                         // 7
        loc("<lexed>", 1, 1, 1, 4, 0, 3, Some("foo")),    // 8
    ];
    let output = vec![
        ident("impl", 0),
        ident("Foo", 3),
        ident("for", 0),
        TokenTree::Ident(Ident { name: "match".into(), is_raw: true, span: 4 }),
        group(Delimiter::Brace, 0, 6, 7, vec![ident("fn", 0), ident("f", 8), group(Delimiter::Parenthesis, 0, 0, 0, vec![]), lit("\"x\"", 5), punct(';', false, 0)]),
    ];
    Response {
        first_span_id: 3,
        spans,
        diagnostics: vec![Diagnostic {
            level: Level::Warning,
            message: "field `x` is never read".into(),
            spans: vec![1, 3],
            children: vec![Diagnostic { level: Level::Note, message: "note: see here".into(), spans: vec![], children: vec![] }],
        }],
        outcome: Outcome::Expanded(output),
    }
}

fn response_panicked() -> Response {
    Response {
        first_span_id: 5,
        spans: vec![],
        diagnostics: vec![Diagnostic { level: Level::Error, message: "expected struct".into(), spans: vec![2], children: vec![] }],
        outcome: Outcome::Panicked {
            message: "called `Option::unwrap()` on a `None` value".into(),
            location: Some(PanicLocation { file: "src/de.rs".into(), line: 42, column: 17 }),
        },
    }
}

fn response_panicked_no_location() -> Response {
    Response { first_span_id: 1, spans: vec![], diagnostics: vec![], outcome: Outcome::Panicked { message: "Box<dyn Any>".into(), location: None } }
}

fn response_failed() -> Response {
    Response { first_span_id: 1, spans: vec![], diagnostics: vec![], outcome: Outcome::Failed("no derive macro named `Serialise` in this module (it has: Deserialize, Serialize)".into()) }
}

/// A request sent again with the inputs the macro asked for (version 3): the working directory, a file, a
/// directory, something missing and something outside what the consumer gives.
fn request_file_inputs() -> Request {
    let inputs = FileInputs {
        current_dir: Some("/work/geometry".into()),
        files: vec![
            FileInput { path: "/etc/passwd".into(), entry: FileEntry::Denied("outside the crate's directory and OUT_DIR".into()) },
            FileInput { path: "/work/geometry/assets".into(), entry: FileEntry::Dir {
                canonical: "/work/geometry/assets".into(), modified: None,
                entries: vec![("logo.svg".into(), EntryKind::File), ("old".into(), EntryKind::Other), ("sub".into(), EntryKind::Dir)] } },
            FileInput { path: "/work/geometry/grammar.pest".into(), entry: FileEntry::File {
                canonical: "/work/geometry/src/grammar.pest".into(), modified: Some(Modified { seconds: 0x1_2345_6789, nanos: 999_999_999 }), contents: b"num = { ASCII_DIGIT+ }\n\xff\x00".to_vec() } },
            FileInput { path: "/work/geometry/missing.txt".into(), entry: FileEntry::Missing },
        ],
    };
    Request { inputs: Some(inputs), ..request_bang_literals() }
}

fn response_needs_inputs() -> Response {
    Response { first_span_id: 4, spans: vec![], diagnostics: vec![],
        outcome: Outcome::NeedsInputs { current_dir: true, paths: vec!["/work/geometry/grammar.pest".into(), "src/../data".into()] } }
}

enum Message {
    Request(Request),
    Response(Response),
}

fn vectors() -> Vec<(&'static str, Message)> {
    vec![
        ("request-derive-tokens", Message::Request(request_derive_tokens())),
        ("request-attr-source", Message::Request(request_attr_source())),
        ("request-bang-literals", Message::Request(request_bang_literals())),
        ("request-file-inputs", Message::Request(request_file_inputs())),
        ("response-expanded", Message::Response(response_expanded())),
        ("response-panicked", Message::Response(response_panicked())),
        ("response-panicked-no-location", Message::Response(response_panicked_no_location())),
        ("response-failed", Message::Response(response_failed())),
        ("response-needs-inputs", Message::Response(response_needs_inputs())),
    ]
}

/// Invalid messages and the exact error (offset, message) every decoder must report.
fn invalid_vectors() -> Vec<(&'static str, Vec<u8>, bool)> {
    let good = request_bang_literals().encode();
    let mut bad_magic = good.clone();
    bad_magic[0] = b'X';
    let mut bad_version = good.clone();
    bad_version[4] = 1; // a shim of the previous format
    let truncated = good[..good.len() - 3].to_vec();
    let mut trailing = good.clone();
    trailing.push(0);
    // The encoder writes what it is given; the decoder must notice the call site names span 7 of 1.
    let bad_span = Request { call_site: 7, ..request_bang_literals() }.encode();
    let wrong_type = response_failed().encode();
    // The encoder writes what it is given; the decoder must refuse names that are not sorted and unique.
    let unsorted_env = Request { env: vec![("B".into(), "1".into()), ("A".into(), "2".into())], ..request_bang_literals() }.encode();
    let mut unsorted_files = request_file_inputs();
    unsorted_files.inputs.as_mut().unwrap().files.swap(0, 1);
    // status 3 (needs inputs) exists only from version 3 on
    let mut needs_inputs_v2 = response_needs_inputs().encode();
    needs_inputs_v2[4] = 2;
    vec![
        ("invalid-magic", bad_magic, true),
        ("invalid-version", bad_version, true),
        ("invalid-truncated", truncated, true),
        ("invalid-trailing", trailing, true),
        ("invalid-span-id", bad_span, true),
        ("invalid-response-as-request", wrong_type, true),
        ("invalid-env-order", unsorted_env, true),
        ("invalid-file-order", unsorted_files.encode(), true),
        ("invalid-needs-inputs-v2", needs_inputs_v2, false),
    ]
}

// ------------------------------------------------------------------ JSON rendering of a message

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_opt_str(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => json_str(out, s),
        None => out.push_str("null"),
    }
}

fn json_stream(out: &mut String, stream: &[TokenTree]) {
    out.push('[');
    for (i, t) in stream.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match t {
            TokenTree::Group(g) => {
                write!(out, "{{\"group\":\"{:?}\",\"span\":{},\"open\":{},\"close\":{},\"stream\":", g.delimiter, g.span, g.open, g.close).unwrap();
                json_stream(out, &g.stream);
                out.push('}');
            }
            TokenTree::Punct(p) => {
                out.push_str("{\"punct\":");
                json_str(out, &p.ch.to_string());
                write!(out, ",\"spacing\":\"{:?}\",\"span\":{}}}", p.spacing, p.span).unwrap();
            }
            TokenTree::Ident(id) => {
                out.push_str("{\"ident\":");
                json_str(out, &id.name);
                write!(out, ",\"raw\":{},\"span\":{}}}", id.is_raw, id.span).unwrap();
            }
            TokenTree::Literal(l) => {
                out.push_str("{\"literal\":");
                json_str(out, &l.text);
                write!(out, ",\"span\":{}}}", l.span).unwrap();
            }
        }
    }
    out.push(']');
}

fn json_spans(out: &mut String, spans: &[SpanInfo]) {
    out.push('[');
    for (i, s) in spans.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match s {
            SpanInfo::Located(l) => {
                out.push_str("{\"located\":{\"file\":");
                json_opt_str(out, l.file.as_deref());
                write!(
                    out,
                    ",\"local\":{},\"start_line\":{},\"start_column\":{},\"end_line\":{},\"end_column\":{},\"byte_start\":{},\"byte_end\":{},\"source_text\":",
                    l.local, l.start_line, l.start_column, l.end_line, l.end_column, l.byte_start, l.byte_end
                )
                .unwrap();
                json_opt_str(out, l.source_text.as_deref());
                out.push_str("}}");
            }
            SpanInfo::ResolvedAt { position, context } => write!(out, "{{\"resolved_at\":{{\"position\":{position},\"context\":{context}}}}}").unwrap(),
            SpanInfo::Join { first, second } => write!(out, "{{\"join\":{{\"first\":{first},\"second\":{second}}}}}").unwrap(),
            SpanInfo::Subspan { base, start, end } => write!(out, "{{\"subspan\":{{\"base\":{base},\"start\":{start},\"end\":{end}}}}}").unwrap(),
            SpanInfo::Start { base } => write!(out, "{{\"start\":{{\"base\":{base}}}}}").unwrap(),
            SpanInfo::End { base } => write!(out, "{{\"end\":{{\"base\":{base}}}}}").unwrap(),
        }
    }
    out.push(']');
}

fn json_input(out: &mut String, input: &Input) {
    match input {
        Input::Tokens(s) => {
            out.push_str("{\"tokens\":");
            json_stream(out, s);
            out.push('}');
        }
        Input::Source { file, text } => {
            out.push_str("{\"source\":{\"file\":");
            json_str(out, file);
            out.push_str(",\"text\":");
            json_str(out, text);
            out.push_str("}}");
        }
    }
}

fn json_diagnostics(out: &mut String, ds: &[Diagnostic]) {
    out.push('[');
    for (i, d) in ds.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write!(out, "{{\"level\":\"{:?}\",\"message\":", d.level).unwrap();
        json_str(out, &d.message);
        write!(out, ",\"spans\":{:?},\"children\":", d.spans).unwrap();
        json_diagnostics(out, &d.children);
        out.push('}');
    }
    out.push(']');
}

fn json_modified(out: &mut String, m: &Option<Modified>) {
    match m {
        Some(m) => write!(out, ",\"modified\":{{\"seconds\":{},\"nanos\":{}}}", m.seconds, m.nanos).unwrap(),
        None => out.push_str(",\"modified\":null"),
    }
}

fn json(m: &Message) -> String {
    let mut out = String::new();
    match m {
        Message::Request(r) => {
            write!(out, "{{\"request\":{{\"kind\":\"{:?}\",\"name\":", r.kind).unwrap();
            json_str(&mut out, &r.name);
            out.push_str(",\"spans\":");
            json_spans(&mut out, &r.spans);
            write!(out, ",\"def_site\":{},\"call_site\":{},\"mixed_site\":{},\"attr\":", r.def_site, r.call_site, r.mixed_site).unwrap();
            match &r.attr {
                Some(a) => json_input(&mut out, a),
                None => out.push_str("null"),
            }
            out.push_str(",\"input\":");
            json_input(&mut out, &r.input);
            out.push_str(",\"env\":[");
            for (i, (name, value)) in r.env.iter().enumerate() {
                out.push_str(if i == 0 { "[" } else { ",[" });
                json_str(&mut out, name);
                out.push(',');
                json_str(&mut out, value);
                out.push(']');
            }
            out.push(']');
            if let Some(inputs) = &r.inputs {
                out.push_str(",\"inputs\":{\"current_dir\":");
                json_opt_str(&mut out, inputs.current_dir.as_deref());
                out.push_str(",\"files\":[");
                for (i, f) in inputs.files.iter().enumerate() {
                    out.push_str(if i == 0 { "{\"path\":" } else { ",{\"path\":" });
                    json_str(&mut out, &f.path);
                    match &f.entry {
                        FileEntry::Missing => out.push_str(",\"missing\":true"),
                        FileEntry::Denied(reason) => {
                            out.push_str(",\"denied\":");
                            json_str(&mut out, reason);
                        }
                        FileEntry::File { canonical, modified, contents } => {
                            out.push_str(",\"canonical\":");
                            json_str(&mut out, canonical);
                            json_modified(&mut out, modified);
                            out.push_str(",\"contents_hex\":\"");
                            for b in contents {
                                write!(out, "{b:02x}").unwrap();
                            }
                            out.push('"');
                        }
                        FileEntry::Dir { canonical, modified, entries } => {
                            out.push_str(",\"canonical\":");
                            json_str(&mut out, canonical);
                            json_modified(&mut out, modified);
                            out.push_str(",\"entries\":[");
                            for (j, (name, kind)) in entries.iter().enumerate() {
                                out.push_str(if j == 0 { "[" } else { ",[" });
                                json_str(&mut out, name);
                                write!(out, ",\"{kind:?}\"]").unwrap();
                            }
                            out.push(']');
                        }
                    }
                    out.push('}');
                }
                out.push_str("]}");
            }
            out.push_str("}}");
        }
        Message::Response(r) => {
            write!(out, "{{\"response\":{{\"first_span_id\":{},\"spans\":", r.first_span_id).unwrap();
            json_spans(&mut out, &r.spans);
            out.push_str(",\"diagnostics\":");
            json_diagnostics(&mut out, &r.diagnostics);
            out.push_str(",\"outcome\":");
            match &r.outcome {
                Outcome::Expanded(s) => {
                    out.push_str("{\"expanded\":");
                    json_stream(&mut out, s);
                    out.push('}');
                }
                Outcome::Panicked { message, location } => {
                    out.push_str("{\"panicked\":{\"message\":");
                    json_str(&mut out, message);
                    out.push_str(",\"location\":");
                    match location {
                        Some(l) => {
                            out.push_str("{\"file\":");
                            json_str(&mut out, &l.file);
                            write!(out, ",\"line\":{},\"column\":{}}}", l.line, l.column).unwrap();
                        }
                        None => out.push_str("null"),
                    }
                    out.push_str("}}");
                }
                Outcome::Failed(msg) => {
                    out.push_str("{\"failed\":");
                    json_str(&mut out, msg);
                    out.push('}');
                }
                Outcome::NeedsInputs { current_dir, paths } => {
                    write!(out, "{{\"needs_inputs\":{{\"current_dir\":{current_dir},\"paths\":[").unwrap();
                    for (i, path) in paths.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        json_str(&mut out, path);
                    }
                    out.push_str("]}}");
                }
            }
            out.push_str("}}");
        }
    }
    out.push('\n');
    out
}

fn dump_message(m: &Message) -> String {
    let mut out = String::new();
    match m {
        Message::Request(r) => {
            for (label, input) in r.attr.iter().map(|a| ("attr", a)).chain([("input", &r.input)]) {
                match input {
                    Input::Tokens(s) => {
                        writeln!(out, "== {label}").unwrap();
                        out.push_str(&dump(s));
                    }
                    Input::Source { file, .. } => writeln!(out, "== {label}: source text of {file}").unwrap(),
                }
            }
        }
        Message::Response(r) => match &r.outcome {
            Outcome::Expanded(s) => {
                out.push_str("== expanded\n");
                out.push_str(&dump(s));
            }
            Outcome::Panicked { message, .. } => writeln!(out, "== panicked: {message}").unwrap(),
            Outcome::Failed(m) => writeln!(out, "== failed: {m}").unwrap(),
            Outcome::NeedsInputs { current_dir, paths } => writeln!(out, "== needs inputs: current dir {current_dir}, {}", paths.join(", ")).unwrap(),
        },
    }
    out
}

/// Compares `actual` with the committed file, or writes it when blessing.
fn check_file(name: &str, actual: &[u8]) {
    let path = dir().join(name);
    if bless() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run with SANDCRATE_BLESS=1 to create)", path.display()));
    assert!(expected == actual, "{name} differs from the committed vector (format change? re-bless and bump VERSION)");
}

#[test]
fn valid_vectors_encode_decode_and_render_as_committed() {
    for (name, message) in vectors() {
        let bytes = match &message {
            Message::Request(r) => r.encode(),
            Message::Response(r) => r.encode(),
        };
        check_file(&format!("{name}.bin"), &bytes);
        check_file(&format!("{name}.json"), json(&message).as_bytes());
        check_file(&format!("{name}.dump"), dump_message(&message).as_bytes());
        // The committed bytes decode back to the same message.
        let committed = std::fs::read(dir().join(format!("{name}.bin"))).unwrap();
        match &message {
            Message::Request(r) => assert_eq!(&Request::decode(&committed).unwrap(), r, "{name}"),
            Message::Response(r) => assert_eq!(&Response::decode(&committed).unwrap(), r, "{name}"),
        }
    }
}

#[test]
fn invalid_vectors_fail_with_committed_errors() {
    for (name, bytes, is_request) in invalid_vectors() {
        let err = if is_request { Request::decode(&bytes).unwrap_err() } else { Response::decode(&bytes).unwrap_err() };
        check_file(&format!("{name}.bin"), &bytes);
        check_file(&format!("{name}.error"), format!("{}\t{}\n", err.offset, err.message).as_bytes());
    }
}

#[test]
fn every_prefix_of_a_message_is_rejected_without_panicking() {
    let bytes = response_expanded().encode();
    for n in 0..bytes.len() {
        assert!(Response::decode(&bytes[..n]).is_err(), "prefix of {n} bytes was accepted");
    }
    let bytes = request_derive_tokens().encode();
    for n in 0..bytes.len() {
        assert!(Request::decode(&bytes[..n]).is_err(), "prefix of {n} bytes was accepted");
    }
}

#[test]
fn strings_are_interned_once() {
    let bytes = request_derive_tokens().encode();
    let count = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    // 1 file name + the distinct source texts, names and literals; "src/lib.rs" appears once.
    let hay = String::from_utf8_lossy(&bytes);
    assert_eq!(hay.matches("src/lib.rs").count(), 1);
    assert!(count > 10);
}

#[test]
fn many_strings_are_interned_once_in_first_use_order() {
    // enough distinct names to grow the writer's string index several times, each used three times
    let names: Vec<String> = (0..5000).map(|i| format!("name_{i}")).collect();
    let mut stream = Vec::new();
    for round in 0..3 {
        for (i, name) in names.iter().enumerate() {
            stream.push(ident(name, 0));
            if round == 0 && i % 7 == 0 {
                stream.push(lit(&format!("\"{name}\""), 0));
            }
        }
    }
    let mut request = request_derive_tokens();
    request.input = Input::Tokens(stream.clone());
    let bytes = request.encode();
    let decoded = Request::decode(&bytes).unwrap();
    assert_eq!(decoded.input, Input::Tokens(stream));
    let hay = String::from_utf8_lossy(&bytes);
    for name in [&names[0], &names[2499], &names[4998]] {
        assert_eq!(hay.matches(&format!("{name}\"")).count(), 1, "{name}'s literal is stored once");
    }
    assert_eq!(hay.matches("name_4998").count(), 2, "the ident and its literal, once each");
    assert_eq!(hay.matches("name_4999").count(), 1);
    let at = |s: &str| hay.find(s).unwrap();
    assert!(at("name_100") < at("name_200") && at("name_200") < at("name_4999"), "strings are stored in first-use order");
}

#[test]
fn derived_span_may_not_refer_forward() {
    let r = Response { first_span_id: 2, spans: vec![SpanInfo::Start { base: 2 }], diagnostics: vec![], outcome: Outcome::Expanded(vec![]) };
    let err = Response::decode(&r.encode()).unwrap_err();
    assert!(err.message.contains("span id 2 is not in the span table"), "{err}");
}

#[test]
fn dump_escapes_and_indents() {
    let s = vec![group(Delimiter::Brace, 4, 4, 4, vec![lit("\"a\nb\\\"", 1), TokenTree::Ident(Ident { name: "fn".into(), is_raw: true, span: 2 }), punct('\'', true, 3)])];
    assert_eq!(dump(&s), "group {} #4\n  literal \"a\\nb\\\\\" #1\n  ident r#fn #2\n  punct ' joint #3\n");
    assert_eq!(dump_tokens(&s), "group {}\n  literal \"a\\nb\\\\\"\n  ident r#fn\n  punct ' joint\n");
}
