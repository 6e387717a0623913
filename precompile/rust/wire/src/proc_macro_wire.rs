//! Conversion between `proc_macro::TokenStream` and sandcrate wire streams, using only STABLE
//! `proc_macro` API (Rust 1.88+), for the consumer shim, the oracle and tests.
//!
//! Dependency-free, and copied verbatim into every generated shim (`src/proc_macro_wire.rs`),
//! which keeps the original crate's edition: this file must compile on editions 2015 to 2024.
//! Include it next to the wire codec (`wire/src/lib.rs`), which it reaches as `super::wire`:
//! e.g. in a shim's `lib.rs`: `mod wire; mod proc_macro_wire;`
//! (or `use sandcrate_wire as wire;` at the crate root when depending on the crate).
#![allow(dead_code)]

extern crate proc_macro;

use super::wire as w;
use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use std::str::FromStr;

/// Which spans carry their source text to the module (`Span::source_text`, needed by macros
/// that call it; it costs bytes: a group's text contains all its tokens' texts).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SourceText {
    None,
    /// Idents, puncts and literals, not groups.
    Tokens,
    All,
}

/// The request's span table being built: the real spans (kept by the consumer, index = span id)
/// and what the module is told about each.
pub struct SpanRecorder {
    pub spans: Vec<Span>,
    pub infos: Vec<w::SpanInfo>,
    /// Every group converted, by the id of its span (ascending; its open and close spans follow
    /// it): what a macro passes through unchanged is given back as the compiler's own group.
    pub groups: Vec<(w::SpanId, Group)>,
    pub source_text: SourceText,
    /// Whether to ask for positions at all (a dump does not need them).
    locate: bool,
}

impl SpanRecorder {
    pub fn new(source_text: SourceText) -> SpanRecorder {
        SpanRecorder { spans: Vec::new(), infos: Vec::new(), groups: Vec::new(), source_text, locate: true }
    }

    /// A recorder that keeps spans but asks nothing about them (their entries say "unknown").
    pub fn without_locations() -> SpanRecorder {
        SpanRecorder { spans: Vec::new(), infos: Vec::new(), groups: Vec::new(), source_text: SourceText::None, locate: false }
    }

    /// Adds `span` to the table (every call is a new id: stable spans cannot be compared).
    pub fn record(&mut self, span: Span, is_group: bool) -> w::SpanId {
        self.record_within(span, is_group, None)
    }

    /// Adds `span`, cutting its source text from `within` when it lies there rather than calling
    /// `Span::source_text`, a call into the compiler that copies a string, once per token.
    fn record_within(&mut self, span: Span, is_group: bool, within: Option<&Enclosing>) -> w::SpanId {
        let text = match self.source_text {
            SourceText::None => false,
            SourceText::Tokens => !is_group,
            SourceText::All => true,
        };
        let id = self.spans.len() as w::SpanId;
        self.spans.push(span);
        let location = if !self.locate {
            w::Location::default()
        } else {
            let mut l = location(span, within);
            if text {
                l.source_text = within.and_then(|e| e.cut(&l)).or_else(|| span.source_text());
            }
            l
        };
        self.infos.push(w::SpanInfo::Located(location));
        id
    }

    /// The text to cut the source texts of group `id`'s tokens from, when `within` does not
    /// contain the group: the group's own source text (one call for all its tokens).
    fn enclosing(&self, id: w::SpanId, span: Span, within: Option<&Enclosing>) -> Option<Enclosing> {
        if !self.locate || self.source_text == SourceText::None {
            return None;
        }
        let w::SpanInfo::Located(l) = &self.infos[id as usize] else { return None };
        if within.map_or(false, |e| e.contains(l)) {
            return None;
        }
        let text = match &l.source_text {
            Some(text) => text.clone(),
            None => span.source_text()?,
        };
        Enclosing::new(l, text)
    }
}

/// A stretch of source text with its position. The source text of a span inside it is the part
/// between the span's positions; a span is inside when it names the same file and lies within
/// the stretch's lines and columns (columns count chars, as the compiler's positions do).
struct Enclosing {
    file: String,
    local: bool,
    start: (u32, u32),
    end: (u32, u32),
    text: String,
    /// Where each line of `text` starts (byte offset), and whether that line is ASCII.
    lines: Vec<(usize, bool)>,
    /// The column of a line's first char (1 today; derived from the end position, not assumed).
    first_column: u32,
}

impl Enclosing {
    fn new(l: &w::Location, text: String) -> Option<Enclosing> {
        let mut lines = Vec::new();
        let (mut line_start, mut ascii) = (0, true);
        for (at, b) in text.bytes().enumerate() {
            if b == b'\n' {
                lines.push((line_start, ascii));
                line_start = at + 1;
                ascii = true;
            } else if b >= 0x80 {
                ascii = false;
            }
        }
        lines.push((line_start, ascii));
        if l.end_line < l.start_line || (l.end_line - l.start_line) as usize + 1 != lines.len() {
            return None; // the text does not cover the lines the positions say
        }
        let first_column = if lines.len() == 1 {
            l.start_column
        } else {
            l.end_column.checked_sub(text[line_start..].chars().count() as u32)?
        };
        let e = Enclosing { file: l.file.clone()?, local: l.local, start: (l.start_line, l.start_column), end: (l.end_line, l.end_column), text, lines, first_column };
        // the end position must fall on the text's end, or the positions do not describe this text
        (e.offset(l.end_line, l.end_column)? == e.text.len()).then_some(e)
    }

    fn contains(&self, l: &w::Location) -> bool {
        l.file.as_deref() == Some(self.file.as_str())
            && (l.start_line, l.start_column) >= self.start
            && (l.end_line, l.end_column) <= self.end
            && (l.start_line, l.start_column) <= (l.end_line, l.end_column)
    }

    /// The byte offset in `text` of a position inside it.
    fn offset(&self, line: u32, column: u32) -> Option<usize> {
        let index = line.checked_sub(self.start.0)? as usize;
        let &(line_start, ascii) = self.lines.get(index)?;
        let line_end = self.lines.get(index + 1).map_or(self.text.len(), |&(next, _)| next - 1);
        let chars = column.checked_sub(if index == 0 { self.start.1 } else { self.first_column })? as usize;
        if ascii {
            return (chars <= line_end - line_start).then_some(line_start + chars);
        }
        let line = &self.text[line_start..line_end];
        line.char_indices().map(|(at, _)| at).chain(std::iter::once(line.len())).nth(chars).map(|at| line_start + at)
    }

    /// The source text of a span at `l`, if it lies inside.
    fn cut(&self, l: &w::Location) -> Option<String> {
        if !self.contains(l) {
            return None;
        }
        let (from, to) = (self.offset(l.start_line, l.start_column)?, self.offset(l.end_line, l.end_column)?);
        self.text.get(from..to).map(str::to_string)
    }
}

/// What stable `proc_macro` tells about a span's position, without its source text (no byte
/// offsets: `byte_range` is unstable, so they are 0). Whether its file is local is `within`'s
/// answer when it names the same file.
fn location(span: Span, within: Option<&Enclosing>) -> w::Location {
    let end = span.end();
    let file = span.file();
    let local = match within {
        Some(e) if e.file == file => e.local,
        _ => span.local_file().is_some(),
    };
    w::Location {
        file: Some(file),
        local,
        start_line: span.line() as u32,
        start_column: span.column() as u32,
        end_line: end.line() as u32,
        end_column: end.column() as u32,
        byte_start: 0,
        byte_end: 0,
        source_text: None,
    }
}

/// Converts a token stream, recording each token's span.
pub fn to_wire(stream: TokenStream, spans: &mut SpanRecorder) -> w::TokenStream {
    to_wire_within(stream, spans, None)
}

fn to_wire_within(stream: TokenStream, spans: &mut SpanRecorder, within: Option<&Enclosing>) -> w::TokenStream {
    stream
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(g) => {
                let span = spans.record_within(g.span(), true, within);
                let own = spans.enclosing(span, g.span(), within);
                let inside = own.as_ref().or(within);
                let open = spans.record_within(g.span_open(), false, inside);
                let close = spans.record_within(g.span_close(), false, inside);
                let delimiter = match g.delimiter() {
                    Delimiter::Parenthesis => w::Delimiter::Parenthesis,
                    Delimiter::Brace => w::Delimiter::Brace,
                    Delimiter::Bracket => w::Delimiter::Bracket,
                    Delimiter::None => w::Delimiter::None,
                };
                let inner = g.stream();
                spans.groups.push((span, g)); // before its inner groups: ascending ids
                w::TokenTree::Group(w::Group { delimiter, span, open, close, stream: to_wire_within(inner, spans, inside) })
            }
            TokenTree::Punct(p) => w::TokenTree::Punct(w::Punct {
                ch: p.as_char(),
                spacing: match p.spacing() {
                    Spacing::Joint => w::Spacing::Joint,
                    _ => w::Spacing::Alone,
                },
                span: spans.record_within(p.span(), false, within),
            }),
            TokenTree::Ident(i) => {
                let text = i.to_string();
                let (name, is_raw) = match text.strip_prefix("r#") {
                    Some(name) => (name.to_string(), true),
                    None => (text, false),
                };
                w::TokenTree::Ident(w::Ident { name, is_raw, span: spans.record_within(i.span(), false, within) })
            }
            TokenTree::Literal(l) => w::TokenTree::Literal(w::Literal { text: l.to_string(), span: spans.record_within(l.span(), false, within) }),
        })
        .collect()
}

/// What the consumer keeps of a request to rebuild the answer: the real spans (index = span id),
/// the input's groups and the input stream itself.
pub struct Kept {
    pub spans: Vec<Span>,
    groups: Vec<(w::SpanId, Group)>,
    input: TokenStream,
}

/// Builds a request: the input (and attribute) tokens with all their spans, call and mixed site
/// (def site is unstable, so it is the call site).
pub fn request(kind: w::MacroKind, name: &str, attr: Option<TokenStream>, input: TokenStream, source_text: SourceText) -> (w::Request, Kept) {
    let mut spans = SpanRecorder::new(source_text);
    let call_site = spans.record(Span::call_site(), false);
    let mixed_site = spans.record(Span::mixed_site(), false);
    let attr = attr.map(|a| w::Input::Tokens(to_wire(a, &mut spans)));
    let kept_input = input.clone();
    let input = w::Input::Tokens(to_wire(input, &mut spans));
    let env = cargo_env(std::env::vars_os());
    let request = w::Request { kind, name: name.to_string(), spans: spans.infos, def_site: call_site, call_site, mixed_site, attr, input, env, inputs: None };
    (request, Kept { spans: spans.spans, groups: spans.groups, input: kept_input })
}

/// The variables cargo sets for the crate being compiled (its "environment variables Cargo sets for
/// crates"), sorted: the whole environment a sandboxed macro's `std::env` sees. Everything else of the
/// compiler's environment stays outside; values that are not UTF-8 are left out.
pub fn cargo_env(vars: impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)>) -> Vec<(String, String)> {
    const EXACT: &[&str] = &[
        "CARGO", "CARGO_BIN_NAME", "CARGO_CRATE_NAME", "CARGO_MANIFEST_DIR", "CARGO_MANIFEST_PATH",
        "CARGO_PRIMARY_PACKAGE", "CARGO_RUSTC_CURRENT_DIR", "CARGO_TARGET_TMPDIR", "OUT_DIR",
    ];
    // sorted by insertion, not `sort`: a few dozen entries, and no generic sort code in every shim
    let mut env: Vec<(String, String)> = Vec::new();
    for (name, value) in vars {
        let (name, value) = match (name.into_string(), value.into_string()) {
            (Ok(name), Ok(value)) => (name, value),
            _ => continue,
        };
        if !(EXACT.contains(&name.as_str()) || name.starts_with("CARGO_PKG_") || name.starts_with("CARGO_BIN_EXE_")) {
            continue;
        }
        let mut at = env.len();
        while at > 0 && env[at - 1].0 > name {
            at -= 1;
        }
        if at > 0 && env[at - 1].0 == name {
            // a name set twice: keep the smaller value, as sorting and deduplicating would
            if value < env[at - 1].1 {
                env[at - 1].1 = value;
            }
            continue;
        }
        env.insert(at, (name, value));
    }
    env
}

/// The real span for every id a response may use: the request's spans followed by the
/// response's new spans, each rebuilt as far as stable `proc_macro` allows (`join` and
/// `subspan` are unstable: they fall back to their first/base span; spans from lexed source
/// text fall back to `fallback`).
pub fn resolve_spans(request_spans: &[Span], response: &w::Response, fallback: Span) -> Vec<Span> {
    let mut all: Vec<Span> = request_spans.to_vec();
    all.truncate(response.first_span_id as usize);
    while all.len() < response.first_span_id as usize {
        all.push(fallback);
    }
    for info in &response.spans {
        let get = |id: w::SpanId| all.get(id as usize).copied().unwrap_or(fallback);
        let span = match info {
            w::SpanInfo::Located(_) => fallback,
            w::SpanInfo::ResolvedAt { position, context } => get(*position).resolved_at(get(*context)),
            w::SpanInfo::Join { first, .. } => get(*first),
            w::SpanInfo::Subspan { base, .. } => get(*base),
            w::SpanInfo::Start { base } => get(*base).start(),
            w::SpanInfo::End { base } => get(*base).end(),
        };
        all.push(span);
    }
    all
}

/// Rebuilds output with real spans, handing back what the macro passed through unchanged as the
/// compiler's own tokens. A natively run macro that returns its input stream, or one of its
/// groups, returns rustc's tokens as they were: doc comments stay `///` and `a::b` keeps its hidden
/// spacing when printed (`-Zunpretty=expanded`, `TokenStream::to_string`). A rebuilt group would
/// print `#[doc = "..."]` and `a :: b`.
struct Rebuild<'a> {
    spans: &'a [Span],
    kept: &'a Kept,
    /// Whether ids below the request's span count still mean the request's spans (a response
    /// whose own spans start earlier renumbers them, and nothing is passed through).
    request_ids: bool,
}

/// Whether `out` is the bracket of a doc comment the module passed through, and `input` the one the
/// consumer sent. The module (like rustc) turns `#` `[doc = ".."]` from a `///` comment back into a
/// doc comment token and splits it again on output, the bracket then taking the `#`'s span for
/// its span, open and close (rustc's `DelimSpan::from_single`); the `#` itself kept its id.
fn doc_comment_group(before: &w::TokenTree, out: &w::Group, input: &w::Group) -> bool {
    let pound = match before {
        w::TokenTree::Punct(p) if p.ch == '#' || p.ch == '!' => p.span,
        _ => return false,
    };
    out.delimiter == w::Delimiter::Bracket
        && input.delimiter == w::Delimiter::Bracket
        && out.span == pound
        && out.open == pound
        && out.close == pound
        && matches!(input.stream.first(), Some(w::TokenTree::Ident(i)) if i.name == "doc")
}

impl Rebuild<'_> {
    fn span(&self, id: w::SpanId) -> Span {
        self.spans.get(id as usize).copied().unwrap_or_else(Span::call_site)
    }

    /// The input's group this one is: the same span, open and close ids. A group the module built
    /// itself has other ids (`set_span` gives open and close the group's span), so only a group the
    /// macro kept whole, contents included, matches.
    fn original(&self, g: &w::Group) -> Option<&Group> {
        if !self.request_ids || g.open != g.span.wrapping_add(1) || g.close != g.span.wrapping_add(2) {
            return None;
        }
        let groups = &self.kept.groups;
        groups.binary_search_by_key(&g.span, |(id, _)| *id).ok().map(|i| &groups[i].1)
    }

    /// The whole output; where it contains the input's top-level tokens in a row, unchanged, that
    /// stretch is the input stream itself (a macro that returns or extends its `item`).
    fn output(&self, output: &[w::TokenTree], input: &[w::TokenTree]) -> Result<TokenStream, String> {
        let same = |o: usize, i: usize| match (&output[o], &input[i]) {
            (w::TokenTree::Group(a), w::TokenTree::Group(b)) => {
                (a.span == b.span && a.open == b.open && a.close == b.close) || (o > 0 && doc_comment_group(&output[o - 1], a, b))
            }
            (a, b) => a == b,
        };
        let n = input.len();
        let start = if self.request_ids && n > 0 && output.len() >= n {
            (0..=output.len() - n).find(|&at| (0..n).all(|i| same(at + i, i)))
        } else {
            None
        };
        match start {
            None => self.stream(output),
            Some(at) => {
                // streams, not their trees: iterating a stream would turn its doc comments into `#[doc]`
                let (before, after) = (self.stream(&output[..at])?, self.stream(&output[at + n..])?);
                Ok(std::iter::once(before).chain(std::iter::once(self.kept.input.clone())).chain(std::iter::once(after)).collect())
            }
        }
    }

    fn stream(&self, stream: &[w::TokenTree]) -> Result<TokenStream, String> {
        let mut out = Vec::with_capacity(stream.len());
        for tree in stream {
            out.push(match tree {
                w::TokenTree::Group(g) => match self.original(g) {
                    Some(original) => TokenTree::Group(original.clone()),
                    None => {
                        let delimiter = match g.delimiter {
                            w::Delimiter::Parenthesis => Delimiter::Parenthesis,
                            w::Delimiter::Brace => Delimiter::Brace,
                            w::Delimiter::Bracket => Delimiter::Bracket,
                            w::Delimiter::None => Delimiter::None,
                        };
                        let mut group = Group::new(delimiter, self.stream(&g.stream)?);
                        group.set_span(self.span(g.span));
                        TokenTree::Group(group)
                    }
                },
                w::TokenTree::Punct(p) => {
                    let mut punct = Punct::new(p.ch, if p.spacing == w::Spacing::Joint { Spacing::Joint } else { Spacing::Alone });
                    punct.set_span(self.span(p.span));
                    TokenTree::Punct(punct)
                }
                w::TokenTree::Ident(i) => {
                    if !valid_ident(&i.name) {
                        return Err(format!("invalid identifier `{}` in macro output", i.name));
                    }
                    let span = self.span(i.span);
                    TokenTree::Ident(if i.is_raw { Ident::new_raw(&i.name, span) } else { Ident::new(&i.name, span) })
                }
                w::TokenTree::Literal(l) => {
                    let mut literal = literal(&l.text).ok_or_else(|| format!("invalid literal `{}` in macro output", l.text))?;
                    literal.set_span(self.span(l.span));
                    TokenTree::Literal(literal)
                }
            });
        }
        Ok(out.into_iter().collect())
    }
}

/// The literal token `text` is. `Literal::from_str` is a call into the compiler's lexer; the plain strings and
/// decimal integers most generated code is made of are built without one, as the same token (kind, text, suffix).
fn literal(text: &str) -> Option<Literal> {
    let bytes = text.as_bytes();
    if let [b'"', inner @ .., b'"'] = bytes {
        // nothing `Literal::string` would escape: printable ASCII but quotes and `\`
        if inner.iter().all(|&b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\'' && b != b'\\') {
            return Some(Literal::string(&text[1..text.len() - 1]));
        }
    } else if let [b'0'..=b'9', ..] = bytes {
        let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        // a decimal number printed back as written: no leading zero (`007`); `0x..`, `1e3`, `1.5` go to the lexer
        if let (false, Ok(value)) = (bytes[0] == b'0' && digits > 1, text[..digits].parse::<u64>()) {
            return Some(match &text[digits..] {
                "" => Literal::u64_unsuffixed(value),
                "u8" if value <= u8::MAX as u64 => Literal::u8_suffixed(value as u8),
                "u16" if value <= u16::MAX as u64 => Literal::u16_suffixed(value as u16),
                "u32" if value <= u32::MAX as u64 => Literal::u32_suffixed(value as u32),
                "u64" => Literal::u64_suffixed(value),
                "usize" if value <= usize::MAX as u64 => Literal::usize_suffixed(value as usize),
                "i32" if value <= i32::MAX as u64 => Literal::i32_suffixed(value as i32),
                "i64" if value <= i64::MAX as u64 => Literal::i64_suffixed(value as i64),
                _ => return Literal::from_str(text).ok(),
            });
        }
    }
    Literal::from_str(text).ok()
}

/// Whether `Ident::new` accepts `name` without panicking (a loose check: rustc validates it exactly).
/// Bytes first: most identifiers are ASCII, and this runs unoptimized in consumers' debug builds.
fn valid_ident(name: &str) -> bool {
    let mut ascii = true;
    for &b in name.as_bytes() {
        if b >= 0x80 {
            ascii = false;
        } else if !(b.is_ascii_alphanumeric() || b == b'_' || b == b'$') {
            return false;
        }
    }
    !name.is_empty() && (ascii || name.chars().all(|c| c == '_' || c == '$' || c.is_alphanumeric()))
}

/// `::core::compile_error! { "message" }` at `span`.
pub fn compile_error(message: &str, span: Span) -> TokenStream {
    let mut tokens = Vec::new();
    for (ch, joint) in [(':', true), (':', false)] {
        let mut p = Punct::new(ch, if joint { Spacing::Joint } else { Spacing::Alone });
        p.set_span(span);
        tokens.push(TokenTree::Punct(p));
    }
    tokens.push(TokenTree::Ident(Ident::new("core", span)));
    for (ch, joint) in [(':', true), (':', false)] {
        let mut p = Punct::new(ch, if joint { Spacing::Joint } else { Spacing::Alone });
        p.set_span(span);
        tokens.push(TokenTree::Punct(p));
    }
    tokens.push(TokenTree::Ident(Ident::new("compile_error", span)));
    let mut bang = Punct::new('!', Spacing::Alone);
    bang.set_span(span);
    tokens.push(TokenTree::Punct(bang));
    let mut msg = Literal::string(message);
    msg.set_span(span);
    let mut group = Group::new(Delimiter::Brace, TokenTree::Literal(msg).into());
    group.set_span(span);
    tokens.push(TokenTree::Group(group));
    tokens.into_iter().collect()
}

/// The tokens a response stands for: the output (preceded by a `compile_error!` per error
/// diagnostic, at its first span, its child notes appended: first, so that a bang macro in
/// expression position still reports it), or a `compile_error!` with the macro's panic message
/// and location or the failure.
pub fn response_tokens(response: &w::Response, request: &w::Request, kept: &Kept) -> TokenStream {
    let call_site = Span::call_site();
    let spans = resolve_spans(&kept.spans, response, call_site);
    let mut out = TokenStream::new();
    for d in &response.diagnostics {
        if d.level == w::Level::Error {
            let span = d.spans.first().and_then(|&id| spans.get(id as usize).copied()).unwrap_or(call_site);
            let mut message = d.message.clone();
            for child in &d.children {
                message.push_str(&format!("\n{}: {}", level_name(child.level), child.message));
            }
            out.extend(compile_error(&message, span));
        }
    }
    match &response.outcome {
        w::Outcome::Expanded(stream) => {
            let rebuild = Rebuild { spans: &spans, kept, request_ids: kept.spans.len() as u64 <= u64::from(response.first_span_id) };
            let input: &[w::TokenTree] = match &request.input {
                w::Input::Tokens(input) => input,
                w::Input::Source { .. } => &[],
            };
            match rebuild.output(stream, input) {
                Ok(tokens) => out.extend(std::iter::once(tokens)),
                Err(e) => out.extend(compile_error(&e, call_site)),
            }
        }
        w::Outcome::Panicked { message, location } => {
            // like std's own panic message: "panicked at src/de.rs:42:17: <message>"
            let at = match location {
                Some(l) => format!(" at {}:{}:{}", l.file, l.line, l.column),
                None => String::new(),
            };
            out.extend(compile_error(&format!("proc macro panicked{at}: {message}"), call_site));
        }
        w::Outcome::Failed(message) => out.extend(compile_error(&format!("sandboxed proc macro failed: {message}"), call_site)),
        w::Outcome::NeedsInputs { .. } => {
            out.extend(compile_error("sandboxed proc macro kept asking for files after it was given them", call_site))
        }
    }
    out
}

fn level_name(level: w::Level) -> &'static str {
    match level {
        w::Level::Error => "error",
        w::Level::Warning => "warning",
        w::Level::Note => "note",
        w::Level::Help => "help",
    }
}

/// The structural dump of a `proc_macro` stream, without spans (see `wire::dump_tokens`).
pub fn dump_tokens(stream: TokenStream) -> String {
    let mut spans = SpanRecorder::without_locations();
    w::dump_tokens(&to_wire(stream, &mut spans))
}

// ---------------------------------------------------------------------------------------------
// File inputs: what a macro asked to read, given from this machine
// ---------------------------------------------------------------------------------------------

/// Most bytes of file contents one request gives a macro.
pub const MAX_INPUT_BYTES: usize = 32 << 20;
/// A directory a macro asks for comes with what lies under it (most macros that list one read it all, and most stop
/// at the first file they cannot read, so each file asked for separately would cost a run), up to this many bytes
/// of contents and `MAX_PREFETCH_ENTRIES` entries, leaving out `target` and hidden entries (build output, `.git`);
/// the macro asks for anything else it reads.
pub const MAX_PREFETCH_BYTES: usize = 8 << 20;
pub const MAX_PREFETCH_ENTRIES: usize = 4096;

/// Adds to `request.inputs` what the module asked for (`Outcome::NeedsInputs`): the working directory, and each
/// path as this machine has it, following symbolic links, but only inside the directories cargo gives the crate
/// being compiled (`CARGO_MANIFEST_DIR` and `OUT_DIR` of `request.env`). A path outside them is given as denied,
/// without looking at it. `current_dir` is the compiler's working directory, which relative paths start from.
pub fn give_inputs(request: &mut w::Request, current_dir: &std::path::Path, wants_current_dir: bool, paths: &[String]) -> Result<(), String> {
    let mut inputs = request.inputs.take().unwrap_or_default();
    let roots = input_roots(&request.env);
    if wants_current_dir {
        match current_dir.to_str() {
            Some(dir) => inputs.current_dir = Some(dir.to_string()),
            None => return Err(format!("the working directory {} is not UTF-8", current_dir.display())),
        }
    }
    let mut budget = MAX_INPUT_BYTES.saturating_sub(given_bytes(&inputs));
    for path in paths {
        if find_input(&inputs.files, path).is_ok() {
            return Err(format!("the macro asked again for {path}, which it was given"));
        }
        let entry = file_entry(path, current_dir, &roots, budget).unwrap_or_else(|| {
            w::FileEntry::Denied(format!(
                "{path} is larger than what a sandboxed macro is given ({} MiB of files per expansion)",
                MAX_INPUT_BYTES >> 20
            ))
        });
        budget -= contents_len(&entry);
        let mut queue: std::collections::VecDeque<String> = children(path, &entry).collect();
        insert_input(&mut inputs.files, path.clone(), entry);
        let (mut prefetched, mut entries) = (0, 0);
        while let Some(child) = queue.pop_front() {
            entries += 1;
            if entries > MAX_PREFETCH_ENTRIES || find_input(&inputs.files, &child).is_ok() {
                continue;
            }
            // past the budget the macro asks for the rest itself
            let Some(entry) = file_entry(&child, current_dir, &roots, budget.min(MAX_PREFETCH_BYTES - prefetched)) else { continue };
            budget -= contents_len(&entry);
            prefetched += contents_len(&entry);
            queue.extend(children(&child, &entry));
            insert_input(&mut inputs.files, child, entry);
        }
    }
    request.inputs = Some(inputs);
    Ok(())
}

fn input_roots(env: &[(String, String)]) -> Vec<(std::path::PathBuf, std::path::PathBuf)> {
    env.iter()
        .filter(|(name, _)| name == "CARGO_MANIFEST_DIR" || name == "OUT_DIR")
        .filter_map(|(_, dir)| {
            let given = std::path::PathBuf::from(dir);
            std::fs::canonicalize(&given).ok().map(|canonical| (lexical(&given), canonical))
        })
        .collect()
}

/// `path` with `.` and `..` resolved without looking at the disk.
fn lexical(path: &std::path::Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn children<'a>(path: &'a str, entry: &'a w::FileEntry) -> impl Iterator<Item = String> + 'a {
    let names: &[(String, w::EntryKind)] = match entry {
        w::FileEntry::Dir { entries, .. } => entries,
        _ => &[],
    };
    names
        .iter()
        .filter(|(name, _)| name != "target" && !name.starts_with('.'))
        .map(move |(name, _)| format!("{}/{}", path.trim_end_matches('/'), name))
}

fn contents_len(entry: &w::FileEntry) -> usize {
    match entry {
        w::FileEntry::File { contents, .. } => contents.len(),
        _ => 0,
    }
}

/// What the consumer gives for `path`, or `None` if it is a file of more than `budget` bytes.
fn file_entry(path: &str, current_dir: &std::path::Path, roots: &[(std::path::PathBuf, std::path::PathBuf)], budget: usize) -> Option<w::FileEntry> {
    let outside = || {
        w::FileEntry::Denied(format!(
            "{path} is outside the crate's directory and OUT_DIR, the only files a sandboxed macro is given (Sandcrate)"
        ))
    };
    let host = lexical(&current_dir.join(path));
    if !roots.iter().any(|(given, canonical)| host.starts_with(given) || host.starts_with(canonical)) {
        return Some(outside());
    }
    let canonical = match std::fs::canonicalize(&host) {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(w::FileEntry::Missing),
        Err(e) => return Some(w::FileEntry::Denied(e.to_string())),
    };
    if !roots.iter().any(|(_, root)| canonical.starts_with(root)) {
        return Some(outside()); // a link that leads out of the crate
    }
    let canonical_name = match canonical.to_str() {
        Some(c) => c.to_string(),
        None => return Some(w::FileEntry::Denied(format!("{} is not UTF-8", canonical.display()))),
    };
    if canonical.is_dir() {
        let listing = match std::fs::read_dir(&canonical) {
            Ok(listing) => listing,
            Err(e) => return Some(w::FileEntry::Denied(e.to_string())),
        };
        let mut entries: Vec<(String, w::EntryKind)> = Vec::new();
        for entry in listing.flatten() {
            let Ok(name) = entry.file_name().into_string() else { continue };
            let kind = match std::fs::metadata(entry.path()) {
                Ok(m) if m.is_dir() => w::EntryKind::Dir,
                Ok(m) if m.is_file() => w::EntryKind::File,
                _ => w::EntryKind::Other,
            };
            let at = entries.partition_point(|(n, _)| *n < name);
            entries.insert(at, (name, kind));
        }
        return Some(w::FileEntry::Dir { canonical: canonical_name, modified: modified(&canonical), entries });
    }
    let size = std::fs::metadata(&canonical).map(|m| m.len()).unwrap_or(0);
    if size > budget as u64 {
        return None;
    }
    match std::fs::read(&canonical) {
        Ok(contents) if contents.len() > budget => None,
        Ok(contents) => Some(w::FileEntry::File { canonical: canonical_name, modified: modified(&canonical), contents }),
        Err(e) => Some(w::FileEntry::Denied(e.to_string())),
    }
}

fn modified(path: &std::path::Path) -> Option<w::Modified> {
    let since_epoch = std::fs::metadata(path).ok()?.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(w::Modified { seconds: since_epoch.as_secs(), nanos: since_epoch.subsec_nanos() })
}

fn given_bytes(inputs: &w::FileInputs) -> usize {
    inputs.files.iter().map(|f| if let w::FileEntry::File { contents, .. } = &f.entry { contents.len() } else { 0 }).sum()
}

fn find_input(files: &[w::FileInput], path: &str) -> Result<usize, usize> {
    files.binary_search_by(|f| f.path.as_str().cmp(path))
}

fn insert_input(files: &mut Vec<w::FileInput>, path: String, entry: w::FileEntry) {
    if let Err(at) = find_input(files, &path) {
        files.insert(at, w::FileInput { path, entry });
    }
}
