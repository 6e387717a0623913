//! Sandcrate wire format, version 3 (and 2, which it extends): requests and responses exchanged between a
//! consumer (the generated shim, the runtime CLI, tests) and a precompiled proc-macro wasm module.
//!
//! The byte layout is specified in `docs/wire-format.md`. This file is deliberately ONE
//! dependency-free file (std only): it is copied verbatim into every generated shim crate, so the
//! encoder the shim uses and the decoder inside the wasm are the same code.
#![forbid(unsafe_code)]
#![allow(dead_code)]

#[allow(unused_imports)] // in the prelude only since edition 2021; shims keep the original crate's edition
use std::convert::TryFrom;
use std::fmt;

/// First four bytes of every message.
pub const MAGIC: [u8; 4] = *b"SCWF";
/// Newest wire format version this file reads and writes: the one that carries file inputs.
pub const VERSION: u16 = 3;
/// Oldest version this file reads. A message that needs nothing of version 3 (a request without file inputs, a
/// response that does not ask for them) is written as version 2, so modules and runtimes of version 2 read it.
pub const OLDEST_VERSION: u16 = 2;
/// Message type byte of a request.
pub const MESSAGE_REQUEST: u8 = 1;
/// Message type byte of a response.
pub const MESSAGE_RESPONSE: u8 = 2;
/// Encodes "no string" / "no value" in `u32` string-index fields.
pub const NONE: u32 = u32::MAX;
/// Deepest group nesting a decoder accepts (a bound, so hostile input cannot exhaust the stack).
pub const MAX_DEPTH: usize = 512;

/// Index into the message's span table. Request spans are numbered `0..n` in table order;
/// spans created while expanding continue at `Response::first_span_id`.
pub type SpanId = u32;

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delimiter {
    Parenthesis,
    Brace,
    Bracket,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spacing {
    Alone,
    Joint,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub delimiter: Delimiter,
    /// Span of the whole group (`Group::span`).
    pub span: SpanId,
    pub open: SpanId,
    pub close: SpanId,
    pub stream: TokenStream,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Punct {
    /// One of `=<>!~+-*/%^&|@.,;:#$?'`.
    pub ch: char,
    pub spacing: Spacing,
    pub span: SpanId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The identifier without any `r#` prefix.
    pub name: String,
    pub is_raw: bool,
    pub span: SpanId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    /// The literal exactly as `proc_macro::Literal::to_string()` prints it, suffix included
    /// (`1u8`, `"a\n"`, `r#"x"#`, `b'q'`, `c"z"`, `-1.5`). `Literal::from_str` parses it back.
    pub text: String,
    pub span: SpanId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenTree {
    Group(Group),
    Punct(Punct),
    Ident(Ident),
    Literal(Literal),
}

pub type TokenStream = Vec<TokenTree>;

/// A source position range. Lines and columns are 1-based; columns count chars (as
/// `proc_macro::Span::column`); byte offsets are relative to the start of `file`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Location {
    pub file: Option<String>,
    /// Whether `file` is a real path on the consumer's disk (`Span::local_file`).
    pub local: bool,
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub byte_start: u32,
    pub byte_end: u32,
    pub source_text: Option<String>,
}

/// What a span table entry says about one span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpanInfo {
    /// A span known by position: from the consumer, or created by lexing request source text.
    Located(Location),
    /// `position` moved into the hygiene context of `context` (`Span::resolved_at`;
    /// `a.located_at(b)` is `b.resolved_at(a)`).
    ResolvedAt { position: SpanId, context: SpanId },
    /// `Span::join`: from the start of `first` to the end of `second` (hygiene of `first`).
    Join { first: SpanId, second: SpanId },
    /// Bytes `start..end` of `base` (offsets relative to `base`'s first byte).
    Subspan { base: SpanId, start: u32, end: u32 },
    /// Empty span at the start of `base`.
    Start { base: SpanId },
    /// Empty span at the end of `base`.
    End { base: SpanId },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacroKind {
    Derive,
    Attr,
    Bang,
}

/// A macro input: tokens with span ids, or Rust source text that the module lexes itself
/// (spans created by that lexing are reported in `Response::spans` as `Located`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Tokens(TokenStream),
    Source { file: String, text: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub kind: MacroKind,
    /// Derive: the trait name (`Serialize`); attr/bang: the macro name.
    pub name: String,
    pub spans: Vec<SpanInfo>,
    pub def_site: SpanId,
    pub call_site: SpanId,
    pub mixed_site: SpanId,
    /// The attribute's arguments; present exactly when `kind` is `Attr`.
    pub attr: Option<Input>,
    pub input: Input,
    /// The environment the macro's `std::env` sees, sorted by name, names unique: the variables cargo
    /// sets for the crate being compiled (`CARGO_PKG_NAME`, ...), as an explicit input of the expansion.
    pub env: Vec<(String, String)>,
    /// The files (and working directory) the macro asked for in an earlier answer; `None` until it asked. Only
    /// version 3 carries them.
    pub inputs: Option<FileInputs>,
}

/// What a macro may see of the consumer's disk: exactly what it asked for, given by the consumer (the shim reads
/// it, inside the crate's directory and `OUT_DIR` only) as an explicit input of the expansion.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileInputs {
    /// `std::env::current_dir()` inside the module (rustc's working directory); `None` if not asked for.
    pub current_dir: Option<String>,
    /// One entry per path the macro named, sorted by path, paths unique.
    pub files: Vec<FileInput>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInput {
    /// The path as the macro named it, normalised (`.` components and repeated `/` dropped).
    pub path: String,
    pub entry: FileEntry,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileEntry {
    /// Nothing there (`NotFound` inside the module).
    Missing,
    /// Not given to the macro (`PermissionDenied` with this message inside the module).
    Denied(String),
    /// A file (symbolic links followed): its canonical path, modification time and contents.
    File { canonical: String, modified: Option<Modified>, contents: Vec<u8> },
    /// A directory: its canonical path, modification time and entries, sorted by name.
    Dir { canonical: String, modified: Option<Modified>, entries: Vec<(String, EntryKind)> },
}

/// A modification time as the consumer's file system has it, since the Unix epoch (`Metadata::modified`): part of
/// the request like the contents, so a macro that embeds it or keys a cache on it (proc-macro-crate) sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Modified {
    pub seconds: u64,
    pub nanos: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    /// Anything else, including a link that leads nowhere.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Note,
    Help,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    pub message: String,
    pub spans: Vec<SpanId>,
    pub children: Vec<Diagnostic>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PanicLocation {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The macro returned this stream.
    Expanded(TokenStream),
    /// The macro panicked (a `compile_error!` for the consumer).
    Panicked { message: String, location: Option<PanicLocation> },
    /// The request could not be run (bad request, unknown macro, source text that does not lex).
    Failed(String),
    /// The macro named files (or the working directory) the request did not give: send the request again with
    /// them in `Request::inputs` (together with the ones given before). Version 3 only.
    NeedsInputs { current_dir: bool, paths: Vec<String> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Id of `spans[0]`: the number of spans in the request.
    pub first_span_id: SpanId,
    /// Spans created during the expansion, in creation order.
    pub spans: Vec<SpanInfo>,
    /// Diagnostics the macro emitted (`proc_macro::Diagnostic::emit`), in order.
    pub diagnostics: Vec<Diagnostic>,
    pub outcome: Outcome,
}

/// A decoding failure: what was wrong and at which byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid sandcrate wire message at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for WireError {}

pub fn is_punct_char(ch: char) -> bool {
    matches!(
        ch,
        '=' | '<' | '>' | '!' | '~' | '+' | '-' | '*' | '/' | '%' | '^' | '&' | '|' | '@' | '.'
            | ',' | ';' | ':' | '#' | '$' | '?' | '\''
    )
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/// Writes a message body while interning its strings; `finish` prepends header and string table.
struct Writer {
    body: Vec<u8>,
    strings: Vec<String>,
    index: StringIndex,
}

/// Open-addressing table from string to its index in `Writer::strings` (FNV-1a, linear probing).
/// Not std's `HashMap`: the shim is compiled in every consumer's debug build, where SipHash and
/// hashbrown's generic code cost compile time and run slowly.
struct StringIndex {
    /// `strings` index + 1 per slot, 0 = empty; the length is a power of two.
    slots: Vec<u32>,
}

impl StringIndex {
    fn hash(s: &str) -> usize {
        let mut h: u32 = 0x811c_9dc5;
        for &b in s.as_bytes() {
            h = (h ^ b as u32).wrapping_mul(0x0100_0193);
        }
        h as usize
    }

    /// The index of `s` in `strings`, or the free slot where it belongs.
    fn find(&self, strings: &[String], s: &str) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut slot = Self::hash(s) & mask;
        loop {
            let entry = self.slots[slot];
            if entry == 0 {
                return Err(slot);
            }
            if strings[(entry - 1) as usize] == s {
                return Ok(entry - 1);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Records that `strings[index]` is new; keeps the table at most half full.
    fn insert(&mut self, strings: &[String], slot: usize, index: u32) {
        self.slots[slot] = index + 1;
        if strings.len() * 2 > self.slots.len() {
            let mut slots = vec![0u32; self.slots.len() * 2];
            let mask = slots.len() - 1;
            for (i, s) in strings.iter().enumerate() {
                let mut slot = Self::hash(s) & mask;
                while slots[slot] != 0 {
                    slot = (slot + 1) & mask;
                }
                slots[slot] = i as u32 + 1;
            }
            self.slots = slots;
        }
    }
}

impl Writer {
    fn new() -> Self {
        Writer { body: Vec::new(), strings: Vec::new(), index: StringIndex { slots: vec![0; 64] } }
    }

    fn u8(&mut self, v: u8) {
        self.body.push(v);
    }

    fn u32(&mut self, v: u32) {
        self.body.extend_from_slice(&v.to_le_bytes());
    }

    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).expect("wire: collection longer than u32::MAX"));
    }

    fn string(&mut self, s: &str) {
        let i = match self.index.find(&self.strings, s) {
            Ok(i) => i,
            Err(slot) => {
                let i = u32::try_from(self.strings.len()).expect("wire: too many strings");
                self.strings.push(s.to_owned());
                self.index.insert(&self.strings, slot, i);
                i
            }
        };
        self.u32(i);
    }

    fn opt_string(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.string(s),
            None => self.u32(NONE),
        }
    }

    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.body.extend_from_slice(b);
    }

    /// `u32 seconds (low), u32 seconds (high), u32 nanos`, nanos `u32::MAX` for "unknown".
    fn modified(&mut self, m: Option<Modified>) {
        let m = m.unwrap_or(Modified { seconds: 0, nanos: u32::MAX });
        self.u32(m.seconds as u32);
        self.u32((m.seconds >> 32) as u32);
        self.u32(m.nanos);
    }

    fn finish(self, message_type: u8, version: u16) -> Vec<u8> {
        let strings_len: usize = self.strings.iter().map(|s| 4 + s.len()).sum();
        let mut out = Vec::with_capacity(12 + strings_len + self.body.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&version.to_le_bytes());
        out.push(message_type);
        out.push(0);
        out.extend_from_slice(&(self.strings.len() as u32).to_le_bytes());
        for s in &self.strings {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        out.extend_from_slice(&self.body);
        out
    }

    fn stream(&mut self, stream: &[TokenTree]) {
        self.len(stream.len());
        for tree in stream {
            match tree {
                TokenTree::Group(g) => {
                    self.u8(0);
                    self.u8(match g.delimiter {
                        Delimiter::Parenthesis => 0,
                        Delimiter::Brace => 1,
                        Delimiter::Bracket => 2,
                        Delimiter::None => 3,
                    });
                    self.u32(g.span);
                    self.u32(g.open);
                    self.u32(g.close);
                    self.stream(&g.stream);
                }
                TokenTree::Punct(p) => {
                    self.u8(1);
                    self.u8(p.ch as u8);
                    self.u8(match p.spacing {
                        Spacing::Alone => 0,
                        Spacing::Joint => 1,
                    });
                    self.u32(p.span);
                }
                TokenTree::Ident(i) => {
                    self.u8(2);
                    self.string(&i.name);
                    self.u8(i.is_raw as u8);
                    self.u32(i.span);
                }
                TokenTree::Literal(l) => {
                    self.u8(3);
                    self.string(&l.text);
                    self.u32(l.span);
                }
            }
        }
    }

    fn spans(&mut self, spans: &[SpanInfo]) {
        self.len(spans.len());
        for span in spans {
            match span {
                SpanInfo::Located(l) => {
                    self.u8(0);
                    self.opt_string(l.file.as_deref());
                    self.u8(l.local as u8);
                    self.u32(l.start_line);
                    self.u32(l.start_column);
                    self.u32(l.end_line);
                    self.u32(l.end_column);
                    self.u32(l.byte_start);
                    self.u32(l.byte_end);
                    self.opt_string(l.source_text.as_deref());
                }
                SpanInfo::ResolvedAt { position, context } => {
                    self.u8(1);
                    self.u32(*position);
                    self.u32(*context);
                }
                SpanInfo::Join { first, second } => {
                    self.u8(2);
                    self.u32(*first);
                    self.u32(*second);
                }
                SpanInfo::Subspan { base, start, end } => {
                    self.u8(3);
                    self.u32(*base);
                    self.u32(*start);
                    self.u32(*end);
                }
                SpanInfo::Start { base } => {
                    self.u8(4);
                    self.u32(*base);
                }
                SpanInfo::End { base } => {
                    self.u8(5);
                    self.u32(*base);
                }
            }
        }
    }

    fn input(&mut self, input: &Input) {
        match input {
            Input::Tokens(stream) => {
                self.u8(0);
                self.stream(stream);
            }
            Input::Source { file, text } => {
                self.u8(1);
                self.string(file);
                self.string(text);
            }
        }
    }

    fn diagnostics(&mut self, diagnostics: &[Diagnostic]) {
        self.len(diagnostics.len());
        for d in diagnostics {
            self.u8(match d.level {
                Level::Error => 0,
                Level::Warning => 1,
                Level::Note => 2,
                Level::Help => 3,
            });
            self.string(&d.message);
            self.len(d.spans.len());
            for &s in &d.spans {
                self.u32(s);
            }
            self.diagnostics(&d.children);
        }
    }
}

impl Request {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(match self.kind {
            MacroKind::Derive => 0,
            MacroKind::Attr => 1,
            MacroKind::Bang => 2,
        });
        w.string(&self.name);
        w.spans(&self.spans);
        w.u32(self.def_site);
        w.u32(self.call_site);
        w.u32(self.mixed_site);
        if let Some(attr) = &self.attr {
            w.input(attr);
        }
        w.input(&self.input);
        w.len(self.env.len());
        for (name, value) in &self.env {
            w.string(name);
            w.string(value);
        }
        match &self.inputs {
            None => w.finish(MESSAGE_REQUEST, OLDEST_VERSION),
            Some(inputs) => {
                w.opt_string(inputs.current_dir.as_deref());
                w.len(inputs.files.len());
                for file in &inputs.files {
                    w.string(&file.path);
                    match &file.entry {
                        FileEntry::Missing => w.u8(0),
                        FileEntry::Denied(reason) => {
                            w.u8(1);
                            w.string(reason);
                        }
                        FileEntry::File { canonical, modified, contents } => {
                            w.u8(2);
                            w.string(canonical);
                            w.modified(*modified);
                            w.bytes(contents);
                        }
                        FileEntry::Dir { canonical, modified, entries } => {
                            w.u8(3);
                            w.string(canonical);
                            w.modified(*modified);
                            w.len(entries.len());
                            for (name, kind) in entries {
                                w.string(name);
                                w.u8(match kind {
                                    EntryKind::File => 0,
                                    EntryKind::Dir => 1,
                                    EntryKind::Other => 2,
                                });
                            }
                        }
                    }
                }
                w.finish(MESSAGE_REQUEST, VERSION)
            }
        }
    }

    /// Decodes and validates a request: every span id must name a span of the request's table.
    pub fn decode(bytes: &[u8]) -> Result<Request, WireError> {
        let mut r = Reader::new(bytes, MESSAGE_REQUEST)?;
        let kind = match r.u8()? {
            0 => MacroKind::Derive,
            1 => MacroKind::Attr,
            2 => MacroKind::Bang,
            t => return Err(r.error_before(1, format!("unknown macro kind {t}"))),
        };
        let name = r.string()?;
        let spans = r.spans(0)?;
        r.span_limit = spans.len() as u64;
        let def_site = r.span_id()?;
        let call_site = r.span_id()?;
        let mixed_site = r.span_id()?;
        let attr = if kind == MacroKind::Attr { Some(r.input()?) } else { None };
        let input = r.input()?;
        let n = r.count(8)?;
        let mut env: Vec<(String, String)> = Vec::with_capacity(n);
        for _ in 0..n {
            let name = r.string()?;
            let value = r.string()?;
            if env.last().is_some_and(|(last, _)| *last >= name) {
                return Err(r.error_before(8, format!("environment variable `{name}` is out of order or repeated")));
            }
            env.push((name, value));
        }
        let inputs = if r.version >= 3 { Some(r.file_inputs()?) } else { None };
        r.end()?;
        Ok(Request { kind, name, spans, def_site, call_site, mixed_site, attr, input, env, inputs })
    }
}

impl Response {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match &self.outcome {
            Outcome::Expanded(_) => w.u8(0),
            Outcome::Panicked { .. } => w.u8(1),
            Outcome::Failed(_) => w.u8(2),
            Outcome::NeedsInputs { .. } => w.u8(3),
        }
        w.u32(self.first_span_id);
        w.spans(&self.spans);
        w.diagnostics(&self.diagnostics);
        match &self.outcome {
            Outcome::Expanded(stream) => w.stream(stream),
            Outcome::Panicked { message, location } => {
                w.string(message);
                match location {
                    Some(l) => {
                        w.string(&l.file);
                        w.u32(l.line);
                        w.u32(l.column);
                    }
                    None => w.u32(NONE),
                }
            }
            Outcome::Failed(message) => w.string(message),
            Outcome::NeedsInputs { current_dir, paths } => {
                w.u8(*current_dir as u8);
                w.len(paths.len());
                for path in paths {
                    w.string(path);
                }
                return w.finish(MESSAGE_RESPONSE, VERSION);
            }
        }
        w.finish(MESSAGE_RESPONSE, OLDEST_VERSION)
    }

    /// Decodes and validates a response. Span ids may name request spans (below
    /// `first_span_id`) or the response's own spans; derived spans may only refer to earlier ids.
    pub fn decode(bytes: &[u8]) -> Result<Response, WireError> {
        let mut r = Reader::new(bytes, MESSAGE_RESPONSE)?;
        let status = r.u8()?;
        if status > 3 || (status == 3 && r.version < 3) {
            return Err(r.error_before(1, format!("unknown response status {status}")));
        }
        let first_span_id = r.u32()?;
        let spans = r.spans(first_span_id)?;
        r.span_limit = first_span_id as u64 + spans.len() as u64;
        let diagnostics = r.diagnostics(0)?;
        let outcome = match status {
            0 => Outcome::Expanded(r.stream(0)?),
            1 => {
                let message = r.string()?;
                let file = r.opt_string()?;
                let location = match file {
                    Some(file) => Some(PanicLocation { file, line: r.u32()?, column: r.u32()? }),
                    None => None,
                };
                Outcome::Panicked { message, location }
            }
            2 => Outcome::Failed(r.string()?),
            _ => {
                let current_dir = r.bool()?;
                let n = r.count(4)?;
                let mut paths = Vec::with_capacity(n);
                for _ in 0..n {
                    paths.push(r.string()?);
                }
                Outcome::NeedsInputs { current_dir, paths }
            }
        };
        r.end()?;
        Ok(Response { first_span_id, spans, diagnostics, outcome })
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    strings: Vec<String>,
    /// Span ids must be below this (request: table size; response: first id + table size).
    span_limit: u64,
    /// The message's version, `OLDEST_VERSION..=VERSION`.
    version: u16,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], message_type: u8) -> Result<Self, WireError> {
        let mut r = Reader { bytes, pos: 0, strings: Vec::new(), span_limit: 0, version: 0 };
        if bytes.len() < 4 || bytes[..4] != MAGIC {
            return Err(r.error("not a sandcrate wire message (magic \"SCWF\" missing)".into()));
        }
        r.pos = 4;
        let version = u16::from_le_bytes([r.u8()?, r.u8()?]);
        if !(OLDEST_VERSION..=VERSION).contains(&version) {
            return Err(r.error_before(2, format!("unsupported wire format version {version} (this side speaks {OLDEST_VERSION} to {VERSION})")));
        }
        r.version = version;
        let found = r.u8()?;
        if found != message_type {
            return Err(r.error_before(1, format!("expected message type {message_type}, found {found}")));
        }
        if r.u8()? != 0 {
            return Err(r.error_before(1, "reserved header byte must be 0".into()));
        }
        let count = r.count(4)?;
        let mut strings = Vec::with_capacity(count);
        for _ in 0..count {
            let len = r.count(1)?;
            let raw = r.take(len)?;
            match std::str::from_utf8(raw) {
                Ok(s) => strings.push(s.to_owned()),
                Err(_) => return Err(r.error_before(len, "string is not valid UTF-8".into())),
            }
        }
        r.strings = strings;
        Ok(r)
    }

    fn error(&self, message: String) -> WireError {
        WireError { offset: self.pos, message }
    }

    fn error_before(&self, back: usize, message: String) -> WireError {
        WireError { offset: self.pos.saturating_sub(back), message }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.bytes.len() - self.pos < n {
            return Err(self.error(format!("truncated: needs {n} more bytes, {} left", self.bytes.len() - self.pos)));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    // u8 and u32 index directly instead of going through `take`: the shim runs this decoder
    // unoptimized (consumers' debug builds), where every slice helper is a real call
    fn u8(&mut self) -> Result<u8, WireError> {
        match self.bytes.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.error("truncated: needs 1 more bytes, 0 left".into())),
        }
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        let (b, p) = (self.bytes, self.pos);
        if b.len() - p < 4 {
            return Err(self.error(format!("truncated: needs 4 more bytes, {} left", b.len() - p)));
        }
        self.pos = p + 4;
        Ok(b[p] as u32 | (b[p + 1] as u32) << 8 | (b[p + 2] as u32) << 16 | (b[p + 3] as u32) << 24)
    }

    /// A count of items that each take at least `min_item_size` bytes (guards allocations).
    fn count(&mut self, min_item_size: usize) -> Result<usize, WireError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_item_size) > self.bytes.len() - self.pos {
            return Err(self.error_before(4, format!("count {n} exceeds the remaining message")));
        }
        Ok(n)
    }

    fn bool(&mut self) -> Result<bool, WireError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.error_before(1, format!("boolean byte must be 0 or 1, found {b}"))),
        }
    }

    fn opt_string(&mut self) -> Result<Option<String>, WireError> {
        let i = self.u32()?;
        if i == NONE {
            return Ok(None);
        }
        match self.strings.get(i as usize) {
            Some(s) => Ok(Some(s.clone())),
            None => Err(self.error_before(4, format!("string index {i} out of range ({} strings)", self.strings.len()))),
        }
    }

    fn string(&mut self) -> Result<String, WireError> {
        match self.opt_string()? {
            Some(s) => Ok(s),
            None => Err(self.error_before(4, "string required here".into())),
        }
    }

    fn span_id(&mut self) -> Result<SpanId, WireError> {
        let id = self.u32()?;
        if id as u64 >= self.span_limit {
            return Err(self.error_before(4, format!("span id {id} is not in the span table (limit {})", self.span_limit)));
        }
        Ok(id)
    }

    /// Span table whose first entry has id `first`; derived entries may only name earlier ids.
    fn spans(&mut self, first: u32) -> Result<Vec<SpanInfo>, WireError> {
        let n = self.count(5)?;
        let mut spans = Vec::with_capacity(n);
        for i in 0..n {
            self.span_limit = first as u64 + i as u64;
            let info = match self.u8()? {
                0 => {
                    let file = self.opt_string()?;
                    let local = self.bool()?;
                    SpanInfo::Located(Location {
                        file,
                        local,
                        start_line: self.u32()?,
                        start_column: self.u32()?,
                        end_line: self.u32()?,
                        end_column: self.u32()?,
                        byte_start: self.u32()?,
                        byte_end: self.u32()?,
                        source_text: self.opt_string()?,
                    })
                }
                1 => SpanInfo::ResolvedAt { position: self.span_id()?, context: self.span_id()? },
                2 => SpanInfo::Join { first: self.span_id()?, second: self.span_id()? },
                3 => SpanInfo::Subspan { base: self.span_id()?, start: self.u32()?, end: self.u32()? },
                4 => SpanInfo::Start { base: self.span_id()? },
                5 => SpanInfo::End { base: self.span_id()? },
                t => return Err(self.error_before(1, format!("unknown span entry tag {t}"))),
            };
            spans.push(info);
        }
        Ok(spans)
    }

    fn input(&mut self) -> Result<Input, WireError> {
        match self.u8()? {
            0 => Ok(Input::Tokens(self.stream(0)?)),
            1 => Ok(Input::Source { file: self.string()?, text: self.string()? }),
            t => Err(self.error_before(1, format!("unknown input form {t}"))),
        }
    }

    fn stream(&mut self, depth: usize) -> Result<TokenStream, WireError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("groups nested deeper than {MAX_DEPTH}")));
        }
        let n = self.count(6)?;
        let mut stream = Vec::with_capacity(n);
        for _ in 0..n {
            let tree = match self.u8()? {
                0 => {
                    let delimiter = match self.u8()? {
                        0 => Delimiter::Parenthesis,
                        1 => Delimiter::Brace,
                        2 => Delimiter::Bracket,
                        3 => Delimiter::None,
                        d => return Err(self.error_before(1, format!("unknown delimiter {d}"))),
                    };
                    let span = self.span_id()?;
                    let open = self.span_id()?;
                    let close = self.span_id()?;
                    TokenTree::Group(Group { delimiter, span, open, close, stream: self.stream(depth + 1)? })
                }
                1 => {
                    let ch = self.u8()? as char;
                    if !is_punct_char(ch) {
                        return Err(self.error_before(1, format!("{ch:?} is not a punctuation character")));
                    }
                    let spacing = if self.bool()? { Spacing::Joint } else { Spacing::Alone };
                    TokenTree::Punct(Punct { ch, spacing, span: self.span_id()? })
                }
                2 => {
                    let name = self.string()?;
                    if name.is_empty() {
                        return Err(self.error_before(4, "empty identifier".into()));
                    }
                    TokenTree::Ident(Ident { name, is_raw: self.bool()?, span: self.span_id()? })
                }
                3 => {
                    let text = self.string()?;
                    if text.is_empty() {
                        return Err(self.error_before(4, "empty literal".into()));
                    }
                    TokenTree::Literal(Literal { text, span: self.span_id()? })
                }
                t => return Err(self.error_before(1, format!("unknown token tree tag {t}"))),
            };
            stream.push(tree);
        }
        Ok(stream)
    }

    fn diagnostics(&mut self, depth: usize) -> Result<Vec<Diagnostic>, WireError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("diagnostics nested deeper than {MAX_DEPTH}")));
        }
        let n = self.count(13)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let level = match self.u8()? {
                0 => Level::Error,
                1 => Level::Warning,
                2 => Level::Note,
                3 => Level::Help,
                l => return Err(self.error_before(1, format!("unknown diagnostic level {l}"))),
            };
            let message = self.string()?;
            let count = self.count(4)?;
            let mut spans = Vec::with_capacity(count);
            for _ in 0..count {
                spans.push(self.span_id()?);
            }
            let children = self.diagnostics(depth + 1)?;
            out.push(Diagnostic { level, message, spans, children });
        }
        Ok(out)
    }

    fn bytes(&mut self) -> Result<Vec<u8>, WireError> {
        let n = self.count(1)?;
        Ok(self.take(n)?.to_vec())
    }

    fn modified(&mut self) -> Result<Option<Modified>, WireError> {
        let low = self.u32()? as u64;
        let high = self.u32()? as u64;
        let nanos = self.u32()?;
        if nanos == u32::MAX {
            return Ok(None);
        }
        if nanos >= 1_000_000_000 {
            return Err(self.error_before(4, format!("{nanos} nanoseconds is not below one second")));
        }
        Ok(Some(Modified { seconds: high << 32 | low, nanos }))
    }

    fn file_inputs(&mut self) -> Result<FileInputs, WireError> {
        let current_dir = self.opt_string()?;
        let n = self.count(5)?;
        let mut files: Vec<FileInput> = Vec::with_capacity(n);
        for _ in 0..n {
            let path = self.string()?;
            if files.last().is_some_and(|last| last.path >= path) {
                return Err(self.error_before(4, format!("file input `{path}` is out of order or repeated")));
            }
            let entry = match self.u8()? {
                0 => FileEntry::Missing,
                1 => FileEntry::Denied(self.string()?),
                2 => FileEntry::File { canonical: self.string()?, modified: self.modified()?, contents: self.bytes()? },
                3 => {
                    let canonical = self.string()?;
                    let modified = self.modified()?;
                    let count = self.count(5)?;
                    let mut entries: Vec<(String, EntryKind)> = Vec::with_capacity(count);
                    for _ in 0..count {
                        let name = self.string()?;
                        if entries.last().is_some_and(|(last, _)| *last >= name) {
                            return Err(self.error_before(4, format!("directory entry `{name}` is out of order or repeated")));
                        }
                        let kind = match self.u8()? {
                            0 => EntryKind::File,
                            1 => EntryKind::Dir,
                            2 => EntryKind::Other,
                            k => return Err(self.error_before(1, format!("unknown directory entry kind {k}"))),
                        };
                        entries.push((name, kind));
                    }
                    FileEntry::Dir { canonical, modified, entries }
                }
                t => return Err(self.error_before(1, format!("unknown file entry tag {t}"))),
            };
            files.push(FileInput { path, entry });
        }
        Ok(FileInputs { current_dir, files })
    }

    fn end(&self) -> Result<(), WireError> {
        if self.pos != self.bytes.len() {
            return Err(self.error(format!("{} unexpected trailing bytes", self.bytes.len() - self.pos)));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Structural dump: one token per line, used to compare expansions token for token.
// ---------------------------------------------------------------------------------------------

/// Dumps `stream` with each token's span id (`#12`).
pub fn dump(stream: &[TokenTree]) -> String {
    dump_with(stream, &mut |id| format!("#{id}"))
}

/// Dumps `stream` without span information (compares the tokens only).
pub fn dump_tokens(stream: &[TokenTree]) -> String {
    dump_with(stream, &mut |_| String::new())
}

/// Dumps `stream`, rendering each span id with `span` (an empty string omits the span column).
///
/// Line format (two spaces of indentation per group level):
/// `group <()|{}|[]|none> <span>` followed by the group's tokens one level deeper,
/// `punct <ch> <alone|joint> <span>`, `ident <name, with r# if raw> <span>`,
/// `literal <text> <span>`. In names and literal text `\` is written `\\`, and newline,
/// carriage return and tab are written `\n`, `\r`, `\t`, so every token stays on one line.
pub fn dump_with(stream: &[TokenTree], span: &mut dyn FnMut(SpanId) -> String) -> String {
    let mut out = String::new();
    dump_into(&mut out, stream, 0, span);
    out
}

fn dump_into(out: &mut String, stream: &[TokenTree], depth: usize, span: &mut dyn FnMut(SpanId) -> String) {
    for tree in stream {
        for _ in 0..depth {
            out.push_str("  ");
        }
        let (line, id) = match tree {
            TokenTree::Group(g) => {
                let d = match g.delimiter {
                    Delimiter::Parenthesis => "()",
                    Delimiter::Brace => "{}",
                    Delimiter::Bracket => "[]",
                    Delimiter::None => "none",
                };
                (format!("group {d}"), g.span)
            }
            TokenTree::Punct(p) => {
                let s = match p.spacing {
                    Spacing::Alone => "alone",
                    Spacing::Joint => "joint",
                };
                (format!("punct {} {s}", p.ch), p.span)
            }
            TokenTree::Ident(i) => {
                (format!("ident {}{}", if i.is_raw { "r#" } else { "" }, escape(&i.name)), i.span)
            }
            TokenTree::Literal(l) => (format!("literal {}", escape(&l.text)), l.span),
        };
        out.push_str(&line);
        let rendered = span(id);
        if !rendered.is_empty() {
            out.push(' ');
            out.push_str(&rendered);
        }
        out.push('\n');
        if let TokenTree::Group(g) = tree {
            dump_into(out, &g.stream, depth + 1, span);
        }
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}
