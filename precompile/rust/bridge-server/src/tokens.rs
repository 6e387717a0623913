//! The server's token model. It mirrors rustc's own internal token trees (not the split-up
//! `proc_macro` view): operators are glued (`::`, `..=`), lifetimes and doc comments are single
//! tokens, and every token carries rustc's three-way spacing. This is what makes `to_string()`
//! print exactly like rustc; `into_trees` splits tokens the way rustc's `from_internal` does.

use std::rc::Rc;

pub type SpanId = u32;
pub type Symbol = Rc<str>;

/// rustc's `Spacing`: `JointHidden` means "followed by a non-punctuation token without
/// whitespace" — invisible to proc macros but respected by the printer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spacing {
    Alone,
    Joint,
    JointHidden,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delimiter {
    Parenthesis,
    Brace,
    Bracket,
    Invisible,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LitKind {
    Byte,
    Char,
    Integer,
    Float,
    Str,
    StrRaw(u8),
    ByteStr,
    ByteStrRaw(u8),
    CStr,
    CStrRaw(u8),
    Err,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentKind {
    Line,
    Block,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrStyle {
    Outer,
    Inner,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// An operator of 1–3 ASCII punctuation chars, glued like rustc glues them.
    Op(&'static str),
    Ident(Symbol, bool),
    /// A lifetime, name without the quote.
    Lifetime(Symbol, bool),
    Literal(Lit),
    DocComment(CommentKind, AttrStyle, Symbol),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lit {
    pub kind: LitKind,
    /// The literal's text between its quotes/prefix (as rustc's `token::Lit::symbol`), or the
    /// number, possibly with a leading `-` (only for literals a macro created).
    pub symbol: Symbol,
    pub suffix: Option<Symbol>,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub kind: TokenKind,
    /// One span per operator char (glued operators keep each char's span), else one.
    pub spans: [SpanId; 3],
}

impl Token {
    pub fn new(kind: TokenKind, span: SpanId) -> Token {
        Token { kind, spans: [span; 3] }
    }

    pub fn span(&self) -> SpanId {
        self.spans[0]
    }
}

#[derive(Clone, Debug)]
pub struct DelimSpan {
    pub open: SpanId,
    pub close: SpanId,
    pub entire: SpanId,
}

#[derive(Clone, Debug)]
pub enum Tree {
    Token(Token, Spacing),
    Delimited { span: DelimSpan, open_spacing: Spacing, close_spacing: Spacing, delimiter: Delimiter, stream: TokenStream },
}

/// A cheaply clonable token stream (copy on write), like rustc's `Arc<Vec<TokenTree>>`.
#[derive(Clone, Debug, Default)]
pub struct TokenStream(pub Rc<Vec<Tree>>);

impl TokenStream {
    pub fn new(trees: Vec<Tree>) -> TokenStream {
        TokenStream(Rc::new(trees))
    }

    pub fn trees(&self) -> &[Tree] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends a tree, gluing it onto a preceding joint operator as rustc's `push_tree` does.
    pub fn push_tree(&mut self, tree: Tree) {
        let trees = Rc::make_mut(&mut self.0);
        if !try_glue_to_last(trees, &tree) {
            trees.push(tree);
        }
    }

    /// Appends a stream; only its first tree may glue onto our last (rustc's `push_stream`).
    pub fn push_stream(&mut self, stream: TokenStream) {
        let trees = Rc::make_mut(&mut self.0);
        let mut rest = stream.0.iter();
        if let Some(first) = stream.0.first() {
            if try_glue_to_last(trees, first) {
                rest.next();
            }
        }
        trees.extend(rest.cloned());
    }
}

fn try_glue_to_last(trees: &mut [Tree], tree: &Tree) -> bool {
    let Some(Tree::Token(last, Spacing::Joint | Spacing::JointHidden)) = trees.last() else { return false };
    let Tree::Token(next, spacing) = tree else { return false };
    match glue(last, next) {
        Some(glued) => {
            *trees.last_mut().unwrap() = Tree::Token(glued, *spacing);
            true
        }
        None => false,
    }
}

/// rustc's `Token::glue`.
pub fn glue(first: &Token, second: &Token) -> Option<Token> {
    match (&first.kind, &second.kind) {
        (TokenKind::Op(a), TokenKind::Op(b)) => {
            let glued = match (*a, *b) {
                ("=", "=") => "==",
                ("=", ">") => "=>",
                ("<", "=") => "<=",
                ("<", "<") => "<<",
                ("<", "<=") => "<<=",
                ("<", "-") => "<-",
                (">", "=") => ">=",
                (">", ">") => ">>",
                (">", ">=") => ">>=",
                ("!", "=") => "!=",
                ("+", "=") => "+=",
                ("-", "=") => "-=",
                ("-", ">") => "->",
                ("*", "=") => "*=",
                ("/", "=") => "/=",
                ("%", "=") => "%=",
                ("^", "=") => "^=",
                ("&", "=") => "&=",
                ("&", "&") => "&&",
                ("|", "=") => "|=",
                ("|", "|") => "||",
                ("<<", "=") => "<<=",
                (">>", "=") => ">>=",
                (".", ".") => "..",
                (".", "..") => "...",
                ("..", ".") => "...",
                ("..", "=") => "..=",
                (":", ":") => "::",
                _ => return None,
            };
            let mut spans = [first.spans[0]; 3];
            let n = a.len();
            for i in 0..b.len() {
                spans[n + i] = second.spans[i];
            }
            Some(Token { kind: TokenKind::Op(glued), spans })
        }
        (TokenKind::Op("'"), TokenKind::Ident(name, raw)) => {
            Some(Token { kind: TokenKind::Lifetime(name.clone(), *raw), spans: [first.spans[0], second.spans[0], second.spans[0]] })
        }
        _ => None,
    }
}

/// The single-char operator for a `proc_macro::Punct` char.
pub fn op_for_char(ch: u8) -> Option<&'static str> {
    Some(match ch {
        b'=' => "=",
        b'<' => "<",
        b'>' => ">",
        b'!' => "!",
        b'~' => "~",
        b'+' => "+",
        b'-' => "-",
        b'*' => "*",
        b'/' => "/",
        b'%' => "%",
        b'^' => "^",
        b'&' => "&",
        b'|' => "|",
        b'@' => "@",
        b'.' => ".",
        b',' => ",",
        b';' => ";",
        b':' => ":",
        b'#' => "#",
        b'$' => "$",
        b'?' => "?",
        b'\'' => "'",
        _ => return None,
    })
}

/// Whether the printer treats the token as punctuation (rustc's `Token::is_punct`).
pub fn is_punct(kind: &TokenKind) -> bool {
    matches!(kind, TokenKind::Op(_))
}

/// The literal's source text, as rustc's `literal_to_string`.
pub fn literal_text(lit: &Lit) -> String {
    let s = &*lit.symbol;
    let hashes = |n: u8| "#".repeat(n as usize);
    let mut out = match lit.kind {
        LitKind::Byte => format!("b'{s}'"),
        LitKind::Char => format!("'{s}'"),
        LitKind::Str => format!("\"{s}\""),
        LitKind::StrRaw(n) => format!("r{h}\"{s}\"{h}", h = hashes(n)),
        LitKind::ByteStr => format!("b\"{s}\""),
        LitKind::ByteStrRaw(n) => format!("br{h}\"{s}\"{h}", h = hashes(n)),
        LitKind::CStr => format!("c\"{s}\""),
        LitKind::CStrRaw(n) => format!("cr{h}\"{s}\"{h}", h = hashes(n)),
        LitKind::Integer | LitKind::Float | LitKind::Err => s.to_string(),
    };
    if let Some(suffix) = &lit.suffix {
        out.push_str(suffix);
    }
    out
}

/// Keywords that are reserved in edition 2021 (rustc's `Ident::is_reserved`, incl. `_`, `$crate`).
pub fn is_reserved(sym: &str) -> bool {
    matches!(
        sym,
        "_" | "$crate" | "as" | "break" | "const" | "continue" | "crate" | "else" | "enum" | "extern" | "false" | "fn"
            | "for" | "if" | "impl" | "in" | "let" | "loop" | "match" | "mod" | "move" | "mut" | "pub" | "ref"
            | "return" | "self" | "Self" | "static" | "struct" | "super" | "trait" | "true" | "type" | "unsafe"
            | "use" | "where" | "while" | "async" | "await" | "dyn" | "abstract" | "become" | "box" | "do"
            | "final" | "macro" | "override" | "priv" | "typeof" | "unsized" | "virtual" | "yield" | "try"
    )
}
