//! `TokenStream::to_string()` exactly as rustc 1.96 prints it: the token-tree rules of
//! `rustc_ast_pretty::pprust::state` (`print_tts`, `space_between`, brace groups) on top of the
//! Oppen-style line-breaking printer of `rustc_ast_pretty::pp` (78-column margin), re-implemented
//! here because the output of real macros (`quote!(..).to_string()`) depends on both.

use crate::tokens::*;
use std::collections::VecDeque;

pub fn tts_to_string(stream: &TokenStream) -> String {
    let mut p = Printer::new();
    print_tts(&mut p, stream);
    p.eof()
}

const INDENT_UNIT: isize = 4;

fn print_tts(p: &mut Printer, stream: &TokenStream) {
    let trees = stream.trees();
    for (i, tt) in trees.iter().enumerate() {
        let spacing = print_tt(p, tt);
        if let Some(next) = trees.get(i + 1) {
            if spacing == Spacing::Alone && space_between(tt, next) {
                p.space();
            } else if spacing != Spacing::Alone && idents_would_merge(tt, next) {
                p.space();
            }
        }
    }
}

fn print_tt(p: &mut Printer, tt: &Tree) -> Spacing {
    match tt {
        Tree::Token(token, spacing) => {
            p.word(token_to_string(&token.kind));
            if let TokenKind::DocComment(..) = token.kind {
                p.hardbreak();
            }
            *spacing
        }
        Tree::Delimited { open_spacing, close_spacing, delimiter, stream, .. } => {
            print_delimited(p, *delimiter, *open_spacing, stream);
            *close_spacing
        }
    }
}

fn print_delimited(p: &mut Printer, delimiter: Delimiter, open_spacing: Spacing, stream: &TokenStream) {
    match delimiter {
        Delimiter::Brace => {
            p.cbox(INDENT_UNIT);
            p.word("{".to_string());
            let open_space = open_spacing == Spacing::Alone && !stream.is_empty();
            if open_space {
                p.space();
            }
            p.ibox(0);
            print_tts(p, stream);
            p.end();
            // bclose: no comments here, so only the `open_space` symmetry decides.
            if open_space {
                p.break_offset_if_not_bol(1, -INDENT_UNIT);
            }
            p.word("}".to_string());
            p.end();
        }
        other => {
            let (open, close) = match other {
                Delimiter::Parenthesis => ("(", ")"),
                Delimiter::Bracket => ("[", "]"),
                _ => ("", ""),
            };
            p.word(open.to_string());
            p.ibox(0);
            print_tts(p, stream);
            p.end();
            p.word(close.to_string());
        }
    }
}

pub fn token_to_string(kind: &TokenKind) -> String {
    match kind {
        TokenKind::Op(op) => op.to_string(),
        TokenKind::Ident(sym, raw) => {
            if *raw {
                format!("r#{sym}")
            } else {
                sym.to_string()
            }
        }
        TokenKind::Lifetime(sym, raw) => {
            if *raw {
                format!("'r#{sym}")
            } else {
                format!("'{sym}")
            }
        }
        TokenKind::Literal(lit) => literal_text(lit),
        TokenKind::DocComment(kind, style, data) => match (kind, style) {
            (CommentKind::Line, AttrStyle::Outer) => format!("///{data}"),
            (CommentKind::Line, AttrStyle::Inner) => format!("//!{data}"),
            (CommentKind::Block, AttrStyle::Outer) => format!("/**{data}*/"),
            (CommentKind::Block, AttrStyle::Inner) => format!("/*!{data}*/"),
        },
    }
}

fn idents_would_merge(a: &Tree, b: &Tree) -> bool {
    let ident = |t: &Tree| matches!(t, Tree::Token(Token { kind: TokenKind::Ident(..), .. }, _));
    ident(a) && ident(b)
}

/// rustc's `space_between`: whether an `Alone` token is followed by a space.
fn space_between(a: &Tree, b: &Tree) -> bool {
    fn tok(t: &Tree) -> Option<&TokenKind> {
        match t {
            Tree::Token(tok, _) => Some(&tok.kind),
            Tree::Delimited { .. } => None,
        }
    }
    let punct = |t: &Tree| tok(t).is_some_and(is_punct);
    let op = |t: &Tree, s: &str| matches!(tok(t), Some(TokenKind::Op(o)) if *o == s);
    let delim = |t: &Tree, d: Delimiter| matches!(t, Tree::Delimited { delimiter, .. } if *delimiter == d);

    if let Some(TokenKind::DocComment(CommentKind::Line, ..)) = tok(a) {
        return false;
    }
    if op(a, ".") && !punct(b) {
        return false;
    }
    if op(a, "$") && matches!(tok(b), Some(TokenKind::Ident(..))) {
        return false;
    }
    if (op(b, ",") || op(b, ";") || op(b, ".")) && !punct(a) {
        return false;
    }
    if let Some(TokenKind::Ident(sym, raw)) = tok(a) {
        if op(b, "!") && (!is_reserved(sym) || *raw) {
            return false;
        }
        if delim(b, Delimiter::Parenthesis) && (!is_reserved(sym) || matches!(&**sym, "fn" | "Self" | "pub") || *raw) {
            return false;
        }
    }
    if op(a, "#") && delim(b, Delimiter::Bracket) {
        return false;
    }
    true
}

// ---------------------------------------------------------------------------------------------
// The line-breaking printer (rustc_ast_pretty::pp), same algorithm and constants.
// ---------------------------------------------------------------------------------------------

const MARGIN: isize = 78;
const MIN_SPACE: isize = 60;
const SIZE_INFINITY: isize = 0xffff;

#[derive(Clone, Copy, PartialEq)]
enum Breaks {
    Consistent,
    Inconsistent,
}

#[derive(Clone, Copy, PartialEq, Default)]
struct BreakToken {
    offset: isize,
    blank_space: isize,
}

#[derive(Clone, Copy, PartialEq)]
struct BeginToken {
    offset: isize,
    breaks: Breaks,
}

#[derive(Clone, PartialEq)]
enum PpToken {
    String(String),
    Break(BreakToken),
    Begin(BeginToken),
    End,
}

impl PpToken {
    fn is_hardbreak(&self) -> bool {
        *self == PpToken::Break(BreakToken { offset: 0, blank_space: SIZE_INFINITY })
    }
}

#[derive(Clone, Copy)]
enum PrintFrame {
    Fits,
    Broken { indent: usize, breaks: Breaks },
}

struct BufEntry {
    token: PpToken,
    size: isize,
}

/// A deque addressed by ever-increasing absolute indices (rustc's `RingBuffer`).
struct Ring {
    data: VecDeque<BufEntry>,
    offset: usize,
}

impl Ring {
    fn push(&mut self, e: BufEntry) -> usize {
        let i = self.offset + self.data.len();
        self.data.push_back(e);
        i
    }
    fn at(&mut self, i: usize) -> &mut BufEntry {
        &mut self.data[i - self.offset]
    }
    fn pop_first(&mut self) -> Option<BufEntry> {
        let e = self.data.pop_front()?;
        self.offset += 1;
        Some(e)
    }
}

struct Printer {
    out: String,
    space: isize,
    buf: Ring,
    left_total: isize,
    right_total: isize,
    scan_stack: VecDeque<usize>,
    print_stack: Vec<PrintFrame>,
    indent: usize,
    pending_indentation: isize,
    last_printed: Option<PpToken>,
}

impl Printer {
    fn new() -> Printer {
        Printer {
            out: String::new(),
            space: MARGIN,
            buf: Ring { data: VecDeque::new(), offset: 0 },
            left_total: 0,
            right_total: 0,
            scan_stack: VecDeque::new(),
            print_stack: Vec::new(),
            indent: 0,
            pending_indentation: 0,
            last_printed: None,
        }
    }

    fn eof(mut self) -> String {
        if !self.scan_stack.is_empty() {
            self.check_stack(0);
            self.advance_left();
        }
        self.out
    }

    fn last_token(&self) -> Option<&PpToken> {
        self.buf.data.back().map(|e| &e.token).or(self.last_printed.as_ref())
    }

    fn is_beginning_of_line(&self) -> bool {
        self.last_token().is_none_or(PpToken::is_hardbreak)
    }

    fn break_offset_if_not_bol(&mut self, n: isize, off: isize) {
        if !self.is_beginning_of_line() {
            self.break_offset(n, off);
        } else if off != 0 {
            if let Some(last) = self.buf.data.back_mut() {
                if last.token.is_hardbreak() {
                    last.token = PpToken::Break(BreakToken { offset: off, blank_space: SIZE_INFINITY });
                }
            }
        }
    }

    fn cbox(&mut self, offset: isize) {
        self.scan_begin(BeginToken { offset, breaks: Breaks::Consistent });
    }

    fn ibox(&mut self, offset: isize) {
        self.scan_begin(BeginToken { offset, breaks: Breaks::Inconsistent });
    }

    fn space(&mut self) {
        self.break_offset(1, 0);
    }

    fn hardbreak(&mut self) {
        self.break_offset(SIZE_INFINITY, 0);
    }

    fn break_offset(&mut self, n: isize, off: isize) {
        self.scan_break(BreakToken { offset: off, blank_space: n });
    }

    fn word(&mut self, s: String) {
        self.scan_string(s);
    }

    fn end(&mut self) {
        self.scan_end();
    }

    fn scan_begin(&mut self, token: BeginToken) {
        if self.scan_stack.is_empty() {
            self.left_total = 1;
            self.right_total = 1;
            self.buf.data.clear();
        }
        let right = self.buf.push(BufEntry { token: PpToken::Begin(token), size: -self.right_total });
        self.scan_stack.push_back(right);
    }

    fn scan_end(&mut self) {
        if self.scan_stack.is_empty() {
            self.print_end();
        } else {
            let right = self.buf.push(BufEntry { token: PpToken::End, size: -1 });
            self.scan_stack.push_back(right);
        }
    }

    fn scan_break(&mut self, token: BreakToken) {
        if self.scan_stack.is_empty() {
            self.left_total = 1;
            self.right_total = 1;
            self.buf.data.clear();
        } else {
            self.check_stack(0);
        }
        let right = self.buf.push(BufEntry { token: PpToken::Break(token), size: -self.right_total });
        self.scan_stack.push_back(right);
        self.right_total += token.blank_space;
    }

    fn scan_string(&mut self, s: String) {
        if self.scan_stack.is_empty() {
            self.print_string(&s);
        } else {
            let len = s.len() as isize;
            self.buf.push(BufEntry { token: PpToken::String(s), size: len });
            self.right_total += len;
            self.check_stream();
        }
    }

    fn check_stream(&mut self) {
        while self.right_total - self.left_total > self.space {
            if *self.scan_stack.front().unwrap() == self.buf.offset {
                self.scan_stack.pop_front().unwrap();
                self.buf.data.front_mut().unwrap().size = SIZE_INFINITY;
            }
            self.advance_left();
            if self.buf.data.is_empty() {
                break;
            }
        }
    }

    fn advance_left(&mut self) {
        while self.buf.data.front().unwrap().size >= 0 {
            let left = self.buf.pop_first().unwrap();
            match &left.token {
                PpToken::String(s) => {
                    self.left_total += s.len() as isize;
                    self.print_string(s);
                }
                PpToken::Break(b) => {
                    self.left_total += b.blank_space;
                    self.print_break(*b, left.size);
                }
                PpToken::Begin(b) => self.print_begin(*b, left.size),
                PpToken::End => self.print_end(),
            }
            self.last_printed = Some(left.token);
            if self.buf.data.is_empty() {
                break;
            }
        }
    }

    fn check_stack(&mut self, mut depth: usize) {
        while let Some(&index) = self.scan_stack.back() {
            let right_total = self.right_total;
            let entry = self.buf.at(index);
            match entry.token {
                PpToken::Begin(_) => {
                    if depth == 0 {
                        break;
                    }
                    self.scan_stack.pop_back();
                    entry.size += right_total;
                    depth -= 1;
                }
                PpToken::End => {
                    self.scan_stack.pop_back();
                    entry.size = 1;
                    depth += 1;
                }
                _ => {
                    self.scan_stack.pop_back();
                    entry.size += right_total;
                    if depth == 0 {
                        break;
                    }
                }
            }
        }
    }

    fn get_top(&self) -> PrintFrame {
        *self.print_stack.last().unwrap_or(&PrintFrame::Broken { indent: 0, breaks: Breaks::Inconsistent })
    }

    fn print_begin(&mut self, token: BeginToken, size: isize) {
        if size > self.space {
            self.print_stack.push(PrintFrame::Broken { indent: self.indent, breaks: token.breaks });
            self.indent = (self.indent as isize + token.offset).max(0) as usize;
        } else {
            self.print_stack.push(PrintFrame::Fits);
        }
    }

    fn print_end(&mut self) {
        if let Some(PrintFrame::Broken { indent, .. }) = self.print_stack.pop() {
            self.indent = indent;
        }
    }

    fn print_break(&mut self, token: BreakToken, size: isize) {
        let fits = match self.get_top() {
            PrintFrame::Fits => true,
            PrintFrame::Broken { breaks: Breaks::Consistent, .. } => false,
            PrintFrame::Broken { breaks: Breaks::Inconsistent, .. } => size <= self.space,
        };
        if fits {
            self.pending_indentation += token.blank_space;
            self.space -= token.blank_space;
        } else {
            self.out.push('\n');
            let indent = self.indent as isize + token.offset;
            self.pending_indentation = indent;
            self.space = (MARGIN - indent).max(MIN_SPACE);
        }
    }

    fn print_string(&mut self, s: &str) {
        for _ in 0..self.pending_indentation.max(0) {
            self.out.push(' ');
        }
        self.pending_indentation = 0;
        self.out.push_str(s);
        self.space -= s.len() as isize;
    }
}
