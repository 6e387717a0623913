//! `proc_macro::bridge::server::Server` for rustc 1.96, answering the real libproc_macro client
//! from inside the module. Expansion state lives in a thread-local so the panic hook can still
//! report diagnostics after a macro panicked (in wasm a panic aborts).

use crate::lexer;
use crate::printer;
use crate::spans::{line_starts, SpanTable};
use crate::tokens::{self, *};
use proc_macro::bridge::{self, server, DelimSpan as BDelimSpan, ExpnGlobals};
use sandcrate_wire as wire;
use std::cell::RefCell;
use std::ops::{Bound, Range};
use std::rc::Rc;

pub type BTree = bridge::TokenTree<TokenStream, SpanId, Symbol>;

/// Everything one expansion knows: the span table, the three sites, emitted diagnostics.
pub struct Expansion {
    pub spans: SpanTable,
    pub def_site: SpanId,
    pub call_site: SpanId,
    pub mixed_site: SpanId,
    pub diagnostics: Vec<wire::Diagnostic>,
    saved_spans: Vec<SpanId>,
}

impl Expansion {
    pub fn new(request: &wire::Request) -> Expansion {
        Expansion {
            spans: SpanTable::new(&request.spans),
            def_site: request.def_site,
            call_site: request.call_site,
            mixed_site: request.mixed_site,
            diagnostics: Vec::new(),
            saved_spans: Vec::new(),
        }
    }
}

thread_local! {
    pub static EXPANSION: RefCell<Option<Expansion>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&mut Expansion) -> R) -> R {
    EXPANSION.with(|e| f(e.borrow_mut().as_mut().expect("no expansion in progress")))
}

/// The server handed to `Client::run`; all state is in `EXPANSION`.
pub struct SandcrateServer;

// ---------------------------------------------------------------------------------------------
// Conversions between the bridge's split-up token trees and our rustc-shaped trees
// ---------------------------------------------------------------------------------------------

fn to_bridge_delimiter(d: Delimiter) -> proc_macro::Delimiter {
    match d {
        Delimiter::Parenthesis => proc_macro::Delimiter::Parenthesis,
        Delimiter::Brace => proc_macro::Delimiter::Brace,
        Delimiter::Bracket => proc_macro::Delimiter::Bracket,
        Delimiter::Invisible => proc_macro::Delimiter::None,
    }
}

fn from_bridge_delimiter(d: proc_macro::Delimiter) -> Delimiter {
    match d {
        proc_macro::Delimiter::Parenthesis => Delimiter::Parenthesis,
        proc_macro::Delimiter::Brace => Delimiter::Brace,
        proc_macro::Delimiter::Bracket => Delimiter::Bracket,
        proc_macro::Delimiter::None => Delimiter::Invisible,
    }
}

fn to_bridge_lit_kind(k: LitKind) -> bridge::LitKind {
    match k {
        LitKind::Byte => bridge::LitKind::Byte,
        LitKind::Char => bridge::LitKind::Char,
        LitKind::Integer => bridge::LitKind::Integer,
        LitKind::Float => bridge::LitKind::Float,
        LitKind::Str => bridge::LitKind::Str,
        LitKind::StrRaw(n) => bridge::LitKind::StrRaw(n),
        LitKind::ByteStr => bridge::LitKind::ByteStr,
        LitKind::ByteStrRaw(n) => bridge::LitKind::ByteStrRaw(n),
        LitKind::CStr => bridge::LitKind::CStr,
        LitKind::CStrRaw(n) => bridge::LitKind::CStrRaw(n),
        LitKind::Err => bridge::LitKind::ErrWithGuar,
    }
}

fn from_bridge_lit_kind(k: bridge::LitKind) -> LitKind {
    match k {
        bridge::LitKind::Byte => LitKind::Byte,
        bridge::LitKind::Char => LitKind::Char,
        bridge::LitKind::Integer => LitKind::Integer,
        bridge::LitKind::Float => LitKind::Float,
        bridge::LitKind::Str => LitKind::Str,
        bridge::LitKind::StrRaw(n) => LitKind::StrRaw(n),
        bridge::LitKind::ByteStr => LitKind::ByteStr,
        bridge::LitKind::ByteStrRaw(n) => LitKind::ByteStrRaw(n),
        bridge::LitKind::CStr => LitKind::CStr,
        bridge::LitKind::CStrRaw(n) => LitKind::CStrRaw(n),
        bridge::LitKind::ErrWithGuar => LitKind::Err,
    }
}

/// rustc's `from_internal`: split operators and lifetimes into `Punct`s, doc comments into
/// `#[doc = "..."]`.
pub fn into_trees(stream: &TokenStream) -> Vec<BTree> {
    let mut out = Vec::with_capacity(stream.trees().len());
    for tree in stream.trees() {
        push_bridge_trees(tree, &mut out);
    }
    out
}

/// One of our trees as the bridge trees rustc's `from_internal` makes of it.
fn push_bridge_trees(tree: &Tree, out: &mut Vec<BTree>) {
    match tree {
        Tree::Delimited { span, delimiter, stream, .. } => out.push(bridge::TokenTree::Group(bridge::Group {
            delimiter: to_bridge_delimiter(*delimiter),
            stream: Some(stream.clone()),
            span: BDelimSpan { open: span.open, close: span.close, entire: span.entire },
        })),
        Tree::Token(token, spacing) => {
            let joint = *spacing == Spacing::Joint;
            match &token.kind {
                TokenKind::Op(op) => {
                    let n = op.len();
                    for (i, ch) in op.bytes().enumerate() {
                        let joint = if i == n - 1 { joint } else { true };
                        out.push(bridge::TokenTree::Punct(bridge::Punct { ch, joint, span: token.spans[i] }));
                    }
                }
                TokenKind::Ident(sym, raw) => {
                    out.push(bridge::TokenTree::Ident(bridge::Ident { sym: sym.clone(), is_raw: *raw, span: token.span() }))
                }
                TokenKind::Lifetime(sym, raw) => {
                    out.push(bridge::TokenTree::Punct(bridge::Punct { ch: b'\'', joint: true, span: token.spans[0] }));
                    out.push(bridge::TokenTree::Ident(bridge::Ident { sym: sym.clone(), is_raw: *raw, span: token.spans[1] }));
                }
                TokenKind::Literal(lit) => out.push(bridge::TokenTree::Literal(bridge::Literal {
                    kind: to_bridge_lit_kind(lit.kind),
                    symbol: lit.symbol.clone(),
                    suffix: lit.suffix.clone(),
                    span: token.span(),
                })),
                TokenKind::DocComment(_, style, data) => {
                    let span = token.span();
                    let escaped: String = data.chars().flat_map(char::escape_debug).collect();
                    let alone = |kind| Tree::Token(Token::new(kind, span), Spacing::Alone);
                    let inner = TokenStream::new(vec![
                        alone(TokenKind::Ident(Rc::from("doc"), false)),
                        alone(TokenKind::Op("=")),
                        alone(TokenKind::Literal(Lit { kind: LitKind::Str, symbol: Rc::from(escaped), suffix: None })),
                    ]);
                    out.push(bridge::TokenTree::Punct(bridge::Punct { ch: b'#', joint: false, span }));
                    if *style == AttrStyle::Inner {
                        out.push(bridge::TokenTree::Punct(bridge::Punct { ch: b'!', joint: false, span }));
                    }
                    out.push(bridge::TokenTree::Group(bridge::Group {
                        delimiter: proc_macro::Delimiter::Bracket,
                        stream: Some(inner),
                        span: BDelimSpan::from_single(span),
                    }));
                }
            }
        }
    }
}

/// rustc's `to_internal`: one bridge tree as one or two of our trees.
pub fn to_internal(tree: BTree, push: &mut impl FnMut(Tree)) {
    match tree {
        bridge::TokenTree::Punct(p) => {
            let op = tokens::op_for_char(p.ch).expect("unsupported character in Punct");
            push(Tree::Token(Token::new(TokenKind::Op(op), p.span), if p.joint { Spacing::Joint } else { Spacing::Alone }));
        }
        bridge::TokenTree::Group(g) => push(Tree::Delimited {
            span: tokens::DelimSpan { open: g.span.open, close: g.span.close, entire: g.span.entire },
            open_spacing: Spacing::Alone,
            close_spacing: Spacing::Alone,
            delimiter: from_bridge_delimiter(g.delimiter),
            stream: g.stream.unwrap_or_default(),
        }),
        bridge::TokenTree::Ident(i) => push(Tree::Token(Token::new(TokenKind::Ident(i.sym, i.is_raw), i.span), Spacing::Alone)),
        bridge::TokenTree::Literal(l) => {
            let kind = from_bridge_lit_kind(l.kind);
            match (kind, l.symbol.strip_prefix('-')) {
                (LitKind::Integer | LitKind::Float, Some(positive)) => {
                    push(Tree::Token(Token::new(TokenKind::Op("-"), l.span), Spacing::JointHidden));
                    let lit = Lit { kind, symbol: Rc::from(positive), suffix: l.suffix };
                    push(Tree::Token(Token::new(TokenKind::Literal(lit), l.span), Spacing::Alone));
                }
                _ => {
                    let lit = Lit { kind, symbol: l.symbol, suffix: l.suffix };
                    push(Tree::Token(Token::new(TokenKind::Literal(lit), l.span), Spacing::Alone));
                }
            }
        }
    }
}

/// `literal_from_str`: an optionally negated single literal, nothing around it.
pub fn parse_literal(s: &str, span: SpanId) -> Result<Lit, String> {
    let (negative, rest) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let stream = lexer::lex(rest, &mut |_, _| span).map_err(|e| e.to_string())?;
    let lit = match stream.trees() {
        [Tree::Token(Token { kind: TokenKind::Literal(lit), .. }, _)] => lit.clone(),
        [Tree::Token(..)] | [Tree::Delimited { .. }] | [] => return Err("not a literal".into()),
        _ => return Err("comment or whitespace around literal".into()),
    };
    if rest.len() != tokens::literal_text(&lit).len() {
        return Err("comment or whitespace around literal".into());
    }
    if negative {
        if !matches!(lit.kind, LitKind::Integer | LitKind::Float) {
            return Err("non-numeric literal may not be negated".into());
        }
        return Ok(Lit { symbol: Rc::from(format!("-{}", lit.symbol)), ..lit });
    }
    Ok(lit)
}

// ---------------------------------------------------------------------------------------------
// Wire <-> server streams
// ---------------------------------------------------------------------------------------------

/// Converts a request stream. Tokens the consumer wrote without whitespace between them (their
/// spans touch) get rustc's hidden joint spacing so `to_string()` prints them like rustc.
pub fn from_wire(stream: &[wire::TokenTree], spans: &SpanTable) -> Result<TokenStream, String> {
    let touching = |a: SpanId, b: SpanId| {
        let (a, b) = (spans.loc(a), spans.loc(b));
        a.file.is_some() && a.file == b.file && a.end == b.start && a.start != a.end && b.start.0 > 0
    };
    let first_span = |t: &wire::TokenTree| match t {
        wire::TokenTree::Group(g) => g.open,
        wire::TokenTree::Punct(p) => p.span,
        wire::TokenTree::Ident(i) => i.span,
        wire::TokenTree::Literal(l) => l.span,
    };
    let mut out = TokenStream::default();
    let mut i = 0;
    while i < stream.len() {
        if let Some((doc, consumed)) = doc_comment_at(&stream[i..], spans) {
            let next = stream.get(i + consumed);
            let spacing = if next.is_some_and(|n| touching(doc.span(), first_span(n))) { Spacing::JointHidden } else { Spacing::Alone };
            out.push_tree(Tree::Token(doc, spacing));
            i += consumed;
            continue;
        }
        let tree = &stream[i];
        i += 1;
        let next = stream.get(i);
        let hidden = |end: SpanId| next.is_some_and(|n| touching(end, first_span(n)));
        let tree = match tree {
            wire::TokenTree::Group(g) => {
                let inner = from_wire(&g.stream, spans)?;
                let open_spacing = match g.stream.first() {
                    Some(first) if touching(g.open, first_span(first)) => Spacing::JointHidden,
                    _ => Spacing::Alone,
                };
                Tree::Delimited {
                    span: tokens::DelimSpan { open: g.open, close: g.close, entire: g.span },
                    open_spacing,
                    close_spacing: if hidden(g.close) { Spacing::JointHidden } else { Spacing::Alone },
                    delimiter: match g.delimiter {
                        wire::Delimiter::Parenthesis => Delimiter::Parenthesis,
                        wire::Delimiter::Brace => Delimiter::Brace,
                        wire::Delimiter::Bracket => Delimiter::Bracket,
                        wire::Delimiter::None => Delimiter::Invisible,
                    },
                    stream: inner,
                }
            }
            wire::TokenTree::Punct(p) => {
                let op = tokens::op_for_char(p.ch as u8).ok_or_else(|| format!("{:?} is not a punctuation character", p.ch))?;
                let spacing = match p.spacing {
                    wire::Spacing::Joint => Spacing::Joint,
                    wire::Spacing::Alone if hidden(p.span) => Spacing::JointHidden,
                    wire::Spacing::Alone => Spacing::Alone,
                };
                Tree::Token(Token::new(TokenKind::Op(op), p.span), spacing)
            }
            wire::TokenTree::Ident(id) => {
                let valid = lexer::is_ident(&id.name) || id.name == "$crate";
                if !valid {
                    return Err(format!("`{}` is not a valid identifier", id.name));
                }
                let spacing = if hidden(id.span) { Spacing::JointHidden } else { Spacing::Alone };
                Tree::Token(Token::new(TokenKind::Ident(Rc::from(id.name.as_str()), id.is_raw), id.span), spacing)
            }
            wire::TokenTree::Literal(l) => {
                let lit = parse_literal(&l.text, l.span).map_err(|e| format!("invalid literal `{}`: {e}", l.text))?;
                let spacing = if hidden(l.span) { Spacing::JointHidden } else { Spacing::Alone };
                let mut trees = Vec::new();
                to_internal(
                    bridge::TokenTree::Literal(bridge::Literal { kind: to_bridge_lit_kind(lit.kind), symbol: lit.symbol, suffix: lit.suffix, span: l.span }),
                    &mut |t| trees.push(t),
                );
                if let Some(Tree::Token(_, s)) = trees.last_mut() {
                    *s = spacing;
                }
                for t in trees {
                    out.push_tree(t);
                }
                continue;
            }
        };
        out.push_tree(tree);
    }
    Ok(out)
}

/// A doc comment as proc_macro shows it (`#`, maybe `!`, `[doc = "..."]`, all on the comment's
/// span) turned back into the doc comment token rustc had, when the span's source text shows
/// one: `to_string()` prints doc comments as comments. Returns the token and trees consumed.
fn doc_comment_at(trees: &[wire::TokenTree], spans: &SpanTable) -> Option<(Token, usize)> {
    let wire::TokenTree::Punct(pound) = trees.first()? else { return None };
    if pound.ch != '#' {
        return None;
    }
    let loc = spans.loc(pound.span);
    let text = loc.source_text.as_deref()?;
    let (kind, style) = if text.starts_with("///") && !text.starts_with("////") {
        (CommentKind::Line, AttrStyle::Outer)
    } else if text.starts_with("//!") {
        (CommentKind::Line, AttrStyle::Inner)
    } else if text.starts_with("/**") && !text.starts_with("/***") && !text.starts_with("/**/") {
        (CommentKind::Block, AttrStyle::Outer)
    } else if text.starts_with("/*!") {
        (CommentKind::Block, AttrStyle::Inner)
    } else {
        return None;
    };
    let mut consumed = 1;
    if style == AttrStyle::Inner {
        match trees.get(1)? {
            wire::TokenTree::Punct(p) if p.ch == '!' && spans.loc(p.span) == loc => consumed += 1,
            _ => return None,
        }
    }
    match trees.get(consumed)? {
        wire::TokenTree::Group(g)
            if g.delimiter == wire::Delimiter::Bracket
                && spans.loc(g.open).start == loc.start
                && matches!(g.stream.first(), Some(wire::TokenTree::Ident(id)) if id.name == "doc")
                // rustc hands a doc comment to a macro as a plain string; `r".."` is one a macro_rules! desugared
                // (openssl's macros), which stays an attribute
                && matches!(g.stream.last(), Some(wire::TokenTree::Literal(l)) if l.text.starts_with('"')) => {}
        _ => return None,
    }
    let data = match kind {
        CommentKind::Line => text.get(3..)?,
        CommentKind::Block => text.get(3..text.len().checked_sub(2)?)?,
    };
    Some((Token::new(TokenKind::DocComment(kind, style, Rc::from(data)), pound.span), consumed + 1))
}

/// Converts an output stream to the wire form the consumer rebuilds. A negative number a macro made
/// (`Literal::i32_unsuffixed(-1)`), which `to_internal` split into a `-` with hidden spacing and the
/// number, goes back as the one literal `-1`: the wire has no hidden spacing, and a `-` rebuilt alone
/// would print `- 1` where rustc prints `-1`.
pub fn to_wire(stream: &TokenStream) -> wire::TokenStream {
    let trees = stream.trees();
    let mut bridge_trees = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        if let (Tree::Token(minus, Spacing::JointHidden), Some(Tree::Token(number, _))) = (&trees[i], trees.get(i + 1)) {
            if let (TokenKind::Op("-"), TokenKind::Literal(lit)) = (&minus.kind, &number.kind) {
                if matches!(lit.kind, LitKind::Integer | LitKind::Float) && minus.span() == number.span() {
                    let symbol: Symbol = Rc::from(format!("-{}", lit.symbol));
                    bridge_trees.push(bridge::TokenTree::Literal(bridge::Literal {
                        kind: to_bridge_lit_kind(lit.kind),
                        symbol,
                        suffix: lit.suffix.clone(),
                        span: number.span(),
                    }));
                    i += 2;
                    continue;
                }
            }
        }
        push_bridge_trees(&trees[i], &mut bridge_trees);
        i += 1;
    }
    bridge_trees
        .into_iter()
        .map(|tree| match tree {
            bridge::TokenTree::Group(g) => wire::TokenTree::Group(wire::Group {
                delimiter: match g.delimiter {
                    proc_macro::Delimiter::Parenthesis => wire::Delimiter::Parenthesis,
                    proc_macro::Delimiter::Brace => wire::Delimiter::Brace,
                    proc_macro::Delimiter::Bracket => wire::Delimiter::Bracket,
                    proc_macro::Delimiter::None => wire::Delimiter::None,
                },
                span: g.span.entire,
                open: g.span.open,
                close: g.span.close,
                stream: to_wire(&g.stream.unwrap_or_default()),
            }),
            bridge::TokenTree::Punct(p) => wire::TokenTree::Punct(wire::Punct {
                ch: p.ch as char,
                spacing: if p.joint { wire::Spacing::Joint } else { wire::Spacing::Alone },
                span: p.span,
            }),
            bridge::TokenTree::Ident(i) => wire::TokenTree::Ident(wire::Ident { name: i.sym.to_string(), is_raw: i.is_raw, span: i.span }),
            bridge::TokenTree::Literal(l) => {
                let lit = Lit { kind: from_bridge_lit_kind(l.kind), symbol: l.symbol, suffix: l.suffix };
                wire::TokenTree::Literal(wire::Literal { text: tokens::literal_text(&lit), span: l.span })
            }
        })
        .collect()
}

/// Lexes request source text, giving every token a new located span in `file`.
pub fn lex_source(file: &str, text: &str) -> Result<TokenStream, String> {
    let starts = line_starts(text);
    with(|e| lexer::lex(text, &mut |lo, hi| e.spans.located(file, text, &starts, lo, hi)))
}

// ---------------------------------------------------------------------------------------------
// The bridge Server
// ---------------------------------------------------------------------------------------------

fn level(l: proc_macro::Level) -> wire::Level {
    match l {
        proc_macro::Level::Error => wire::Level::Error,
        proc_macro::Level::Warning => wire::Level::Warning,
        proc_macro::Level::Note => wire::Level::Note,
        proc_macro::Level::Help => wire::Level::Help,
        _ => wire::Level::Note,
    }
}

fn diagnostic(d: bridge::Diagnostic<SpanId>) -> wire::Diagnostic {
    wire::Diagnostic {
        level: level(d.level),
        message: d.message,
        spans: d.spans,
        children: d.children.into_iter().map(diagnostic).collect(),
    }
}

impl server::Server for SandcrateServer {
    type TokenStream = TokenStream;
    type Span = SpanId;
    type Symbol = Symbol;

    fn globals(&mut self) -> ExpnGlobals<SpanId> {
        with(|e| ExpnGlobals { def_site: e.def_site, call_site: e.call_site, mixed_site: e.mixed_site })
    }

    fn intern_symbol(ident: &str) -> Symbol {
        Rc::from(ident)
    }

    fn with_symbol_string(symbol: &Symbol, f: impl FnOnce(&str)) {
        f(symbol)
    }

    fn injected_env_var(&mut self, _var: &str) -> Option<String> {
        None
    }

    fn track_env_var(&mut self, _var: &str, _value: Option<&str>) {}

    fn track_path(&mut self, _path: &str) {}

    fn literal_from_str(&mut self, s: &str) -> Result<bridge::Literal<SpanId, Symbol>, String> {
        let span = with(|e| e.call_site);
        let lit = parse_literal(s, span)?;
        Ok(bridge::Literal { kind: to_bridge_lit_kind(lit.kind), symbol: lit.symbol, suffix: lit.suffix, span })
    }

    fn emit_diagnostic(&mut self, d: bridge::Diagnostic<SpanId>) {
        let d = diagnostic(d);
        with(|e| e.diagnostics.push(d));
    }

    fn ts_drop(&mut self, stream: TokenStream) {
        drop(stream);
    }

    fn ts_clone(&mut self, stream: &TokenStream) -> TokenStream {
        stream.clone()
    }

    fn ts_is_empty(&mut self, stream: &TokenStream) -> bool {
        stream.is_empty()
    }

    fn ts_expand_expr(&mut self, _stream: &TokenStream) -> Result<TokenStream, ()> {
        // Eager expansion needs the consumer's compiler; proc_macro reports it as unsupported.
        Err(())
    }

    fn ts_from_str(&mut self, src: &str) -> Result<TokenStream, String> {
        // Like rustc, every token of a parsed string gets the call-site span.
        let span = with(|e| e.call_site);
        lexer::lex(src, &mut |_, _| span)
    }

    fn ts_to_string(&mut self, stream: &TokenStream) -> String {
        printer::tts_to_string(stream)
    }

    fn ts_from_token_tree(&mut self, tree: BTree) -> TokenStream {
        let mut trees = Vec::with_capacity(2);
        to_internal(tree, &mut |t| trees.push(t));
        TokenStream::new(trees)
    }

    fn ts_concat_trees(&mut self, base: Option<TokenStream>, trees: Vec<BTree>) -> TokenStream {
        let mut stream = base.unwrap_or_default();
        for tree in trees {
            to_internal(tree, &mut |t| stream.push_tree(t));
        }
        stream
    }

    fn ts_concat_streams(&mut self, base: Option<TokenStream>, streams: Vec<TokenStream>) -> TokenStream {
        let mut stream = base.unwrap_or_default();
        for s in streams {
            stream.push_stream(s);
        }
        stream
    }

    fn ts_into_trees(&mut self, stream: TokenStream) -> Vec<BTree> {
        into_trees(&stream)
    }

    fn span_debug(&mut self, span: SpanId) -> String {
        with(|e| {
            let l = e.spans.loc(span);
            format!("#{span} bytes({}..{})", l.bytes.0, l.bytes.1)
        })
    }

    fn span_parent(&mut self, _span: SpanId) -> Option<SpanId> {
        None
    }

    fn span_source(&mut self, span: SpanId) -> SpanId {
        span
    }

    fn span_byte_range(&mut self, span: SpanId) -> Range<usize> {
        with(|e| {
            let l = e.spans.loc(span);
            l.bytes.0 as usize..l.bytes.1 as usize
        })
    }

    fn span_start(&mut self, span: SpanId) -> SpanId {
        with(|e| e.spans.start(span))
    }

    fn span_end(&mut self, span: SpanId) -> SpanId {
        with(|e| e.spans.end(span))
    }

    fn span_line(&mut self, span: SpanId) -> usize {
        with(|e| e.spans.loc(span).start.0 as usize)
    }

    fn span_column(&mut self, span: SpanId) -> usize {
        with(|e| e.spans.loc(span).start.1 as usize)
    }

    fn span_file(&mut self, span: SpanId) -> String {
        with(|e| e.spans.loc(span).file.clone().unwrap_or_default())
    }

    fn span_local_file(&mut self, span: SpanId) -> Option<String> {
        with(|e| {
            let l = e.spans.loc(span);
            if l.local {
                l.file.clone()
            } else {
                None
            }
        })
    }

    fn span_join(&mut self, span: SpanId, other: SpanId) -> Option<SpanId> {
        with(|e| e.spans.join(span, other))
    }

    fn span_subspan(&mut self, span: SpanId, start: Bound<usize>, end: Bound<usize>) -> Option<SpanId> {
        let start = match start {
            Bound::Included(lo) => lo,
            Bound::Excluded(lo) => lo.checked_add(1)?,
            Bound::Unbounded => 0,
        };
        with(|e| {
            let end = match end {
                Bound::Included(hi) => hi.checked_add(1)?,
                Bound::Excluded(hi) => hi,
                Bound::Unbounded => {
                    let l = e.spans.loc(span);
                    if l.bytes.1 > l.bytes.0 {
                        (l.bytes.1 - l.bytes.0) as usize
                    } else {
                        l.source_text.as_ref()?.len()
                    }
                }
            };
            e.spans.subspan(span, u32::try_from(start).ok()?, u32::try_from(end).ok()?)
        })
    }

    fn span_resolved_at(&mut self, span: SpanId, at: SpanId) -> SpanId {
        with(|e| e.spans.resolved_at(span, at))
    }

    fn span_source_text(&mut self, span: SpanId) -> Option<String> {
        with(|e| e.spans.loc(span).source_text.clone())
    }

    fn span_save_span(&mut self, span: SpanId) -> usize {
        with(|e| {
            e.saved_spans.push(span);
            e.saved_spans.len() - 1
        })
    }

    fn span_recover_proc_macro_span(&mut self, id: usize) -> SpanId {
        with(|e| e.saved_spans.get(id).copied().unwrap_or(e.def_site))
    }

    fn symbol_normalize_and_validate_ident(&mut self, string: &str) -> Result<Symbol, ()> {
        if lexer::is_ident(string) {
            Ok(Rc::from(string))
        } else {
            Err(())
        }
    }
}
