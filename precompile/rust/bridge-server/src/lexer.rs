//! A Rust lexer producing rustc-shaped token trees (see `tokens.rs`), following `rustc_lexer`
//! and rustc's token-tree builder: same token boundaries, gluing, spacing and errors for what
//! `TokenStream::from_str` accepts (edition 2021 rules). Identifiers are not NFC-normalized.

use crate::tokens::*;
use crate::unicode_tables::*;
use std::rc::Rc;

pub fn is_id_start(c: char) -> bool {
    c == '_' || is_xid_start(c)
}

pub fn is_id_continue(c: char) -> bool {
    is_xid_continue(c)
}

fn is_xid_start(ch: char) -> bool {
    if ch.is_ascii() {
        return ASCII_START.0[ch as usize];
    }
    let chunk = *TRIE_START.0.get(ch as usize / 8 / CHUNK).unwrap_or(&0);
    leaf_bit(chunk, ch)
}

fn is_xid_continue(ch: char) -> bool {
    if ch.is_ascii() {
        return ASCII_CONTINUE.0[ch as usize];
    }
    let chunk = *TRIE_CONTINUE.0.get(ch as usize / 8 / CHUNK).unwrap_or(&0);
    leaf_bit(chunk, ch)
}

fn leaf_bit(chunk: u8, ch: char) -> bool {
    let offset = chunk as usize * CHUNK / 2 + ch as usize / 8 % CHUNK;
    LEAF.0.get(offset).is_some_and(|b| b.wrapping_shr(ch as u32 % 8) & 1 != 0)
}

/// Whether `s` is one identifier (rustc_lexer's `is_ident`).
pub fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_id_start) && chars.all(is_id_continue)
}

pub fn is_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{B}' | '\u{C}' | '\r' | ' ' | '\u{85}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}')
}

#[derive(Debug)]
enum RawKind {
    Token(TokenKind),
    Open(Delimiter),
    Close(Delimiter),
}

struct Raw {
    kind: RawKind,
    lo: usize,
    hi: usize,
    preceded_by_whitespace: bool,
}

struct Cursor<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn nth(&self, n: usize) -> char {
        self.src[self.pos..].chars().nth(n).unwrap_or('\0')
    }
    fn first(&self) -> char {
        self.nth(0)
    }
    fn second(&self) -> char {
        self.nth(1)
    }
    fn third(&self) -> char {
        self.nth(2)
    }
    fn eof(&self) -> bool {
        self.pos >= self.src.len()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.src[self.pos..].chars().next()?;
        self.pos += c.len_utf8();
        Some(c)
    }
    fn eat_while(&mut self, f: impl Fn(char) -> bool) {
        while !self.eof() && f(self.first()) {
            self.bump();
        }
    }
    fn eat_identifier(&mut self) {
        if is_id_start(self.first()) {
            self.bump();
            self.eat_while(is_id_continue);
        }
    }
    fn eat_decimal_digits(&mut self) -> bool {
        let mut has = false;
        loop {
            match self.first() {
                '_' => {}
                '0'..='9' => has = true,
                _ => return has,
            }
            self.bump();
        }
    }
    fn eat_hex_digits(&mut self) -> bool {
        let mut has = false;
        loop {
            match self.first() {
                '_' => {}
                c if c.is_ascii_hexdigit() => has = true,
                _ => return has,
            }
            self.bump();
        }
    }
}

/// Lexes `src` into a token stream; `span(lo, hi)` gives the span id for a byte range.
pub fn lex(src: &str, span: &mut dyn FnMut(usize, usize) -> SpanId) -> Result<TokenStream, String> {
    let raws = raw_tokens(src)?;
    let mut builder = TreeBuilder { raws: &raws, i: 0, span };
    let trees = builder.build(None)?;
    Ok(TokenStream::new(trees))
}

/// Length of a leading shebang line (`#!` not followed by `[`), which rustc skips.
fn shebang_len(src: &str) -> usize {
    let Some(tail) = src.strip_prefix("#!") else { return 0 };
    let mut rest = tail;
    loop {
        rest = rest.trim_start_matches(is_whitespace);
        if rest.starts_with("//") && !rest.starts_with("///") && !rest.starts_with("//!") || rest.starts_with("////") {
            rest = rest.find('\n').map_or("", |i| &rest[i..]);
        } else if rest.starts_with("/*") && !rest.starts_with("/*!") && (!rest.starts_with("/**") || rest.starts_with("/***") || rest.starts_with("/**/")) {
            let mut depth = 0usize;
            let mut end = rest.len();
            let bytes = rest.as_bytes();
            let mut i = 0;
            while i + 1 < bytes.len() {
                if bytes[i] == b'/' && bytes[i + 1] == b'*' {
                    depth += 1;
                    i += 2;
                } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            rest = &rest[end..];
        } else {
            break;
        }
    }
    if rest.starts_with('[') {
        0
    } else {
        2 + tail.lines().next().unwrap_or_default().len()
    }
}

fn raw_tokens(src: &str) -> Result<Vec<Raw>, String> {
    let mut c = Cursor { src, pos: shebang_len(src) };
    let mut out = Vec::new();
    let mut ws = false;
    while !c.eof() {
        let lo = c.pos;
        let first = c.bump().unwrap();
        let kind = match first {
            '/' if c.first() == '/' => {
                c.bump();
                let style = match c.first() {
                    '!' => Some(AttrStyle::Inner),
                    '/' if c.second() != '/' => Some(AttrStyle::Outer),
                    _ => None,
                };
                let start = c.pos + if style.is_some() { 1 } else { 0 };
                while !c.eof() && c.first() != '\n' {
                    c.bump();
                }
                match style {
                    None => {
                        ws = true;
                        continue;
                    }
                    Some(style) => {
                        let data = &src[start..c.pos];
                        if data.contains('\r') {
                            return Err("bare CR not allowed in doc-comment".into());
                        }
                        RawKind::Token(TokenKind::DocComment(CommentKind::Line, style, Rc::from(data)))
                    }
                }
            }
            '/' if c.first() == '*' => {
                c.bump();
                let style = match c.first() {
                    '!' => Some(AttrStyle::Inner),
                    '*' if !matches!(c.second(), '*' | '/') => Some(AttrStyle::Outer),
                    _ => None,
                };
                let start = c.pos + if style.is_some() { 1 } else { 0 };
                let mut depth = 1usize;
                while let Some(ch) = c.bump() {
                    if ch == '/' && c.first() == '*' {
                        c.bump();
                        depth += 1;
                    } else if ch == '*' && c.first() == '/' {
                        c.bump();
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                }
                if depth != 0 {
                    return Err("unterminated block comment".into());
                }
                match style {
                    None => {
                        ws = true;
                        continue;
                    }
                    Some(style) => {
                        let data = &src[start..c.pos - 2];
                        if data.contains('\r') {
                            return Err("bare CR not allowed in block doc-comment".into());
                        }
                        RawKind::Token(TokenKind::DocComment(CommentKind::Block, style, Rc::from(data)))
                    }
                }
            }
            ch if is_whitespace(ch) => {
                c.eat_while(is_whitespace);
                ws = true;
                continue;
            }
            'r' if c.first() == '#' && is_id_start(c.second()) => {
                c.bump();
                c.eat_identifier();
                let name = &src[lo + 2..c.pos];
                if matches!(name, "_" | "crate" | "self" | "super" | "Self") {
                    return Err(format!("`{name}` cannot be a raw identifier"));
                }
                RawKind::Token(TokenKind::Ident(Rc::from(name), true))
            }
            'r' if matches!(c.first(), '#' | '"') => raw_string(&mut c, lo, 1, LitKind::StrRaw)?,
            'b' | 'c' if c.first() == '\'' && first == 'b' => {
                c.bump();
                quoted(&mut c, lo, 2, '\'', LitKind::Byte)?
            }
            'b' | 'c' if c.first() == '"' => {
                c.bump();
                quoted(&mut c, lo, 2, '"', if first == 'b' { LitKind::ByteStr } else { LitKind::CStr })?
            }
            'b' | 'c' if c.first() == 'r' && matches!(c.second(), '"' | '#') => {
                c.bump();
                raw_string(&mut c, lo, 2, if first == 'b' { LitKind::ByteStrRaw } else { LitKind::CStrRaw })?
            }
            ch if is_id_start(ch) => {
                c.eat_while(is_id_continue);
                if matches!(c.first(), '#' | '"' | '\'') {
                    return Err(format!("prefix `{}` is unknown", &src[lo..c.pos]));
                }
                RawKind::Token(TokenKind::Ident(Rc::from(&src[lo..c.pos]), false))
            }
            '0'..='9' => number(&mut c, lo, first)?,
            '\'' => lifetime_or_char(&mut c, lo)?,
            '"' => quoted(&mut c, lo, 1, '"', LitKind::Str)?,
            '(' => RawKind::Open(Delimiter::Parenthesis),
            '[' => RawKind::Open(Delimiter::Bracket),
            '{' => RawKind::Open(Delimiter::Brace),
            ')' => RawKind::Close(Delimiter::Parenthesis),
            ']' => RawKind::Close(Delimiter::Bracket),
            '}' => RawKind::Close(Delimiter::Brace),
            ch if ch.is_ascii() && ch != '\'' && op_for_char(ch as u8).is_some() => {
                RawKind::Token(TokenKind::Op(op_for_char(ch as u8).unwrap()))
            }
            ch => return Err(format!("unknown start of token: {}", ch.escape_debug())),
        };
        out.push(Raw { kind, lo, hi: c.pos, preceded_by_whitespace: ws });
        ws = false;
    }
    Ok(out)
}

fn suffix(c: &mut Cursor, start: usize) -> Option<Symbol> {
    c.eat_identifier();
    (c.pos > start).then(|| Rc::from(&c.src[start..c.pos]))
}

/// `'...'` or `"..."` literals with a prefix of `prefix_len` bytes (`b'`, `"`, `c"`, ...).
fn quoted(c: &mut Cursor, lo: usize, prefix_len: usize, quote: char, kind: LitKind) -> Result<RawKind, String> {
    let body_start = lo + prefix_len;
    loop {
        match c.bump() {
            None => {
                return Err(match kind {
                    LitKind::Byte => "unterminated byte constant".into(),
                    LitKind::ByteStr => "unterminated double quote byte string".into(),
                    LitKind::CStr => "unterminated C string".into(),
                    _ => "unterminated double quote string".into(),
                })
            }
            Some('\\') => {
                c.bump();
            }
            Some(ch) if ch == quote => break,
            Some('\n') if quote == '\'' => return Err("unterminated byte constant".into()),
            Some(_) => {}
        }
    }
    let body = &c.src[body_start..c.pos - 1];
    validate_escapes(body, kind)?;
    let sfx = suffix(c, c.pos);
    Ok(RawKind::Token(TokenKind::Literal(Lit { kind, symbol: Rc::from(body), suffix: sfx })))
}

fn raw_string(c: &mut Cursor, lo: usize, prefix_len: usize, kind: fn(u8) -> LitKind) -> Result<RawKind, String> {
    let mut hashes = 0usize;
    while c.first() == '#' {
        hashes += 1;
        c.bump();
    }
    if c.bump() != Some('"') {
        return Err("found invalid character; only `#` is allowed in raw string delimitation".into());
    }
    let body_start = c.pos;
    loop {
        match c.bump() {
            None => return Err("unterminated raw string".into()),
            Some('"') => {
                let end = c.pos - 1;
                let mut n = 0;
                while n < hashes && c.first() == '#' {
                    c.bump();
                    n += 1;
                }
                if n == hashes {
                    let body = &c.src[body_start..end];
                    if body.contains('\r') {
                        return Err("bare CR not allowed in raw string".into());
                    }
                    let hashes = u8::try_from(hashes).map_err(|_| "too many `#` symbols: raw strings may be delimited by up to 255 `#` symbols".to_string())?;
                    let k = kind(hashes);
                    if matches!(k, LitKind::ByteStrRaw(_)) && !body.is_ascii() {
                        return Err("non-ASCII character in raw byte string literal".into());
                    }
                    if matches!(k, LitKind::CStrRaw(_)) && body.contains('\0') {
                        return Err("null characters in C string literals are not supported".into());
                    }
                    let _ = (lo, prefix_len);
                    let sfx = suffix(c, c.pos);
                    return Ok(RawKind::Token(TokenKind::Literal(Lit { kind: k, symbol: Rc::from(body), suffix: sfx })));
                }
            }
            Some(_) => {}
        }
    }
}

fn number(c: &mut Cursor, lo: usize, first: char) -> Result<RawKind, String> {
    let mut base = 10;
    if first == '0' {
        match c.first() {
            'b' | 'o' | 'x' => {
                base = match c.bump() {
                    Some('b') => 2,
                    Some('o') => 8,
                    _ => 16,
                };
                let has = if base == 16 { c.eat_hex_digits() } else { c.eat_decimal_digits() };
                if !has {
                    return Err("no valid digits found for number".into());
                }
            }
            '0'..='9' | '_' => {
                c.eat_decimal_digits();
            }
            _ => {}
        }
    } else {
        c.eat_decimal_digits();
    }
    let mut kind = LitKind::Integer;
    let mut empty_exponent = false;
    match c.first() {
        '.' if c.second() != '.' && !is_id_start(c.second()) => {
            c.bump();
            kind = LitKind::Float;
            if c.first().is_ascii_digit() {
                c.eat_decimal_digits();
                if matches!(c.first(), 'e' | 'E') {
                    c.bump();
                    empty_exponent = !eat_exponent(c);
                }
            }
        }
        'e' | 'E' if base != 16 => {
            c.bump();
            kind = LitKind::Float;
            empty_exponent = !eat_exponent(c);
        }
        _ => {}
    }
    if empty_exponent {
        return Err("expected at least one digit in exponent".into());
    }
    let digits_end = c.pos;
    let text = &c.src[lo..digits_end];
    if kind == LitKind::Float && base != 10 {
        return Err(format!("{} float literal is not supported", match base {
            2 => "binary",
            8 => "octal",
            _ => "hexadecimal",
        }));
    }
    if base == 2 || base == 8 {
        if let Some(d) = text[2..].chars().find(|d| d.is_ascii_digit() && d.to_digit(10).unwrap() >= base) {
            return Err(format!("invalid digit for a base {base} literal: `{d}`"));
        }
    }
    let sfx = suffix(c, digits_end);
    Ok(RawKind::Token(TokenKind::Literal(Lit { kind, symbol: Rc::from(text), suffix: sfx })))
}

fn eat_exponent(c: &mut Cursor) -> bool {
    if matches!(c.first(), '-' | '+') {
        c.bump();
    }
    c.eat_decimal_digits()
}

fn lifetime_or_char(c: &mut Cursor, lo: usize) -> Result<RawKind, String> {
    let can_be_lifetime = c.second() != '\'' && (is_id_start(c.first()) || c.first().is_ascii_digit());
    if !can_be_lifetime {
        return quoted(c, lo, 1, '\'', LitKind::Char);
    }
    if c.first() == 'r' && c.second() == '#' && is_id_start(c.third()) {
        c.bump();
        c.bump();
        c.eat_identifier();
        let name = &c.src[lo + 3..c.pos];
        if matches!(name, "_" | "crate" | "self" | "super" | "Self" | "static") {
            return Err(format!("`{name}` cannot be a raw lifetime"));
        }
        return Ok(RawKind::Token(TokenKind::Lifetime(Rc::from(name), true)));
    }
    let starts_with_number = c.first().is_ascii_digit();
    c.bump();
    c.eat_while(is_id_continue);
    match c.first() {
        '\'' => {
            c.bump();
            let body = &c.src[lo + 1..c.pos - 1];
            validate_escapes(body, LitKind::Char)?;
            let sfx = suffix(c, c.pos);
            Ok(RawKind::Token(TokenKind::Literal(Lit { kind: LitKind::Char, symbol: Rc::from(body), suffix: sfx })))
        }
        '#' if !starts_with_number => Err(format!("prefix `'{}` is unknown", &c.src[lo + 1..c.pos])),
        _ if starts_with_number => Err("lifetimes cannot start with a number".into()),
        _ => Ok(RawKind::Token(TokenKind::Lifetime(Rc::from(&c.src[lo + 1..c.pos]), false))),
    }
}

/// Checks the escapes and characters of a quoted literal body (rustc_lexer's `unescape`).
fn validate_escapes(body: &str, kind: LitKind) -> Result<(), String> {
    let bytes_only = matches!(kind, LitKind::Byte | LitKind::ByteStr);
    let single = matches!(kind, LitKind::Byte | LitKind::Char);
    let mut chars = body.chars().peekable();
    let mut count = 0;
    while let Some(ch) = chars.next() {
        count += 1;
        match ch {
            '\\' => match chars.next() {
                Some('0') if kind == LitKind::CStr => return Err("null characters in C string literals are not supported".into()),
                Some('n' | 'r' | 't' | '\\' | '0' | '\'' | '"') => {}
                Some('x') => {
                    let hi = chars.next().and_then(|d| d.to_digit(16));
                    let lo = chars.next().and_then(|d| d.to_digit(16));
                    match (hi, lo) {
                        (Some(h), Some(l)) => {
                            let v = h * 16 + l;
                            if !bytes_only && kind != LitKind::CStr && v > 0x7f {
                                return Err("out of range hex escape: must be a character in the range [\\x00-\\x7f]".into());
                            }
                            if kind == LitKind::CStr && v == 0 {
                                return Err("null characters in C string literals are not supported".into());
                            }
                        }
                        _ => return Err("numeric character escape is too short".into()),
                    }
                }
                Some('u') => {
                    if bytes_only {
                        return Err("unicode escape in byte string".into());
                    }
                    if chars.next() != Some('{') {
                        return Err("incorrect unicode escape sequence".into());
                    }
                    let mut value = 0u32;
                    let mut digits = 0;
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('_') => {}
                            Some(d) if d.is_ascii_hexdigit() => {
                                digits += 1;
                                if digits > 6 {
                                    return Err("overlong unicode escape".into());
                                }
                                value = value * 16 + d.to_digit(16).unwrap();
                            }
                            _ => return Err("invalid character in unicode escape".into()),
                        }
                    }
                    if digits == 0 {
                        return Err("empty unicode escape".into());
                    }
                    if char::from_u32(value).is_none() {
                        return Err("invalid unicode character escape".into());
                    }
                    if kind == LitKind::CStr && value == 0 {
                        return Err("null characters in C string literals are not supported".into());
                    }
                }
                Some('\n') if !single => {
                    while chars.peek().is_some_and(|&c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
                        chars.next();
                    }
                    count -= 1;
                }
                Some(other) => return Err(format!("unknown character escape: `{}`", other.escape_debug())),
                None => return Err("unterminated escape".into()),
            },
            '\r' => return Err("bare CR not allowed in string, use `\\r` instead".into()),
            '\'' if single => return Err("character constant must be escaped: `'`".into()),
            '\n' | '\t' if single => return Err(format!("character constant must be escaped: `{}`", ch.escape_debug())),
            c if bytes_only && !c.is_ascii() => return Err("non-ASCII character in byte literal".into()),
            '\0' if kind == LitKind::CStr => return Err("null characters in C string literals are not supported".into()),
            _ => {}
        }
    }
    if single && count != 1 {
        return Err(if count == 0 { "empty character literal".into() } else { "character literal may only contain one codepoint".into() });
    }
    Ok(())
}

struct TreeBuilder<'a, 'b> {
    raws: &'a [Raw],
    i: usize,
    span: &'b mut dyn FnMut(usize, usize) -> SpanId,
}

impl TreeBuilder<'_, '_> {
    /// rustc's spacing of a token given the raw token after it.
    fn spacing_before(&self, next: usize) -> Spacing {
        match self.raws.get(next) {
            None => Spacing::Alone,
            Some(r) if r.preceded_by_whitespace => Spacing::Alone,
            Some(Raw { kind: RawKind::Token(k), .. }) if is_punct(k) => Spacing::Joint,
            Some(_) => Spacing::JointHidden,
        }
    }

    fn token(&mut self, kind: &TokenKind, lo: usize, hi: usize) -> Token {
        match kind {
            TokenKind::Op(op) => {
                let mut spans = [0; 3];
                for (k, s) in spans.iter_mut().enumerate().take(op.len()) {
                    *s = (self.span)(lo + k, lo + k + 1);
                }
                Token { kind: kind.clone(), spans }
            }
            _ => Token::new(kind.clone(), (self.span)(lo, hi)),
        }
    }

    fn build(&mut self, open: Option<Delimiter>) -> Result<Vec<Tree>, String> {
        let mut trees = Vec::new();
        while self.i < self.raws.len() {
            let raw = &self.raws[self.i];
            match &raw.kind {
                RawKind::Token(kind) => {
                    let mut token = self.token(kind, raw.lo, raw.hi);
                    self.i += 1;
                    // Glue following operators written without whitespace (`:` `:` -> `::`).
                    while let Some(next) = self.raws.get(self.i) {
                        let RawKind::Token(next_kind) = &next.kind else { break };
                        if next.preceded_by_whitespace {
                            break;
                        }
                        let next_token = self.token(next_kind, next.lo, next.hi);
                        match glue(&token, &next_token) {
                            Some(glued) => {
                                token = glued;
                                self.i += 1;
                            }
                            None => break,
                        }
                    }
                    let spacing = self.spacing_before(self.i);
                    trees.push(Tree::Token(token, spacing));
                }
                RawKind::Open(delimiter) => {
                    let delimiter = *delimiter;
                    let lo = raw.lo;
                    self.i += 1;
                    let open_spacing = self.spacing_before(self.i);
                    let stream = self.build(Some(delimiter))?;
                    let close = &self.raws[self.i - 1];
                    let hi = close.hi;
                    let span = DelimSpan { open: (self.span)(lo, lo + 1), close: (self.span)(hi - 1, hi), entire: (self.span)(lo, hi) };
                    let close_spacing = self.spacing_before(self.i);
                    trees.push(Tree::Delimited { span, open_spacing, close_spacing, delimiter, stream: TokenStream::new(stream) });
                }
                RawKind::Close(delimiter) => {
                    let ch = match delimiter {
                        Delimiter::Parenthesis => ')',
                        Delimiter::Bracket => ']',
                        _ => '}',
                    };
                    return match open {
                        Some(d) if d == *delimiter => {
                            self.i += 1;
                            Ok(trees)
                        }
                        Some(_) => Err(format!("mismatched closing delimiter: `{ch}`")),
                        None => Err(format!("unexpected closing delimiter: `{ch}`")),
                    };
                }
            }
        }
        match open {
            Some(_) => Err("this file contains an unclosed delimiter".into()),
            None => Ok(trees),
        }
    }
}
