//! The span table: every span the macro can see is an id into it. Request spans come first
//! (with what the consumer knows about them); spans the macro derives (`resolved_at`, `join`,
//! `subspan`, `start`, `end`) or that lexing source text creates are appended and reported back
//! in the response, so the consumer can rebuild them from spans it owns.

use sandcrate_wire as wire;
use std::collections::HashMap;

pub type SpanId = u32;

/// What the span methods answer for one span.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    pub file: Option<String>,
    pub local: bool,
    pub start: (u32, u32),
    pub end: (u32, u32),
    pub bytes: (u32, u32),
    pub source_text: Option<String>,
}

impl Loc {
    pub fn from_wire(l: &wire::Location) -> Loc {
        Loc {
            file: l.file.clone(),
            local: l.local,
            start: (l.start_line, l.start_column),
            end: (l.end_line, l.end_column),
            bytes: (l.byte_start, l.byte_end),
            source_text: l.source_text.clone(),
        }
    }

    pub fn to_wire(&self) -> wire::Location {
        wire::Location {
            file: self.file.clone(),
            local: self.local,
            start_line: self.start.0,
            start_column: self.start.1,
            end_line: self.end.0,
            end_column: self.end.1,
            byte_start: self.bytes.0,
            byte_end: self.bytes.1,
            source_text: self.source_text.clone(),
        }
    }

    /// Byte length, from the byte range or else the source text.
    fn len(&self) -> Option<u32> {
        if self.bytes.1 > self.bytes.0 {
            Some(self.bytes.1 - self.bytes.0)
        } else {
            self.source_text.as_ref().map(|t| t.len() as u32)
        }
    }
}

pub struct SpanTable {
    locs: Vec<Loc>,
    infos: Vec<wire::SpanInfo>,
    first_new: u32,
    derived: HashMap<DerivedKey, SpanId>,
}

#[derive(Hash, PartialEq, Eq)]
enum DerivedKey {
    ResolvedAt(SpanId, SpanId),
    Join(SpanId, SpanId),
    Subspan(SpanId, u32, u32),
    Start(SpanId),
    End(SpanId),
    Located(String, u32, u32),
}

impl SpanTable {
    /// A table holding the request's spans; derived request entries are resolved in order.
    pub fn new(request_spans: &[wire::SpanInfo]) -> SpanTable {
        let mut t = SpanTable { locs: Vec::new(), infos: Vec::new(), first_new: 0, derived: HashMap::new() };
        for info in request_spans {
            let loc = t.resolve(info).unwrap_or_default();
            t.locs.push(loc);
        }
        t.first_new = t.locs.len() as u32;
        t
    }

    pub fn first_new(&self) -> u32 {
        self.first_new
    }

    /// Spans created since the request, in creation order.
    pub fn new_spans(&self) -> &[wire::SpanInfo] {
        &self.infos
    }

    pub fn loc(&self, id: SpanId) -> &Loc {
        &self.locs[id as usize]
    }

    fn resolve(&self, info: &wire::SpanInfo) -> Option<Loc> {
        use wire::SpanInfo::*;
        Some(match info {
            Located(l) => Loc::from_wire(l),
            ResolvedAt { position, .. } => self.loc(*position).clone(),
            Join { first, second } => {
                let (a, b) = (self.loc(*first), self.loc(*second));
                if a.file != b.file {
                    return None;
                }
                let (lo, hi) = (a.start.min(b.start), a.end.max(b.end));
                let bytes = (a.bytes.0.min(b.bytes.0), a.bytes.1.max(b.bytes.1));
                Loc { file: a.file.clone(), local: a.local, start: lo, end: hi, bytes, source_text: None }
            }
            Subspan { base, start, end } => {
                let b = self.loc(*base);
                let len = b.len()?;
                if start >= end || *end > len {
                    return None;
                }
                let text = b.source_text.as_ref().and_then(|t| t.get(*start as usize..*end as usize)).map(str::to_string);
                let advance = |upto: u32| -> (u32, u32) {
                    match &b.source_text {
                        Some(t) if t.is_char_boundary(upto as usize) => {
                            let mut pos = b.start;
                            for c in t[..upto as usize].chars() {
                                if c == '\n' {
                                    pos = (pos.0 + 1, 1);
                                } else {
                                    pos.1 += 1;
                                }
                            }
                            pos
                        }
                        _ => (b.start.0, b.start.1 + upto),
                    }
                };
                Loc {
                    file: b.file.clone(),
                    local: b.local,
                    start: advance(*start),
                    end: advance(*end),
                    bytes: (b.bytes.0 + start, b.bytes.0 + end),
                    source_text: text,
                }
            }
            Start { base } => {
                let b = self.loc(*base);
                Loc { start: b.start, end: b.start, bytes: (b.bytes.0, b.bytes.0), source_text: Some(String::new()), ..b.clone() }
            }
            End { base } => {
                let b = self.loc(*base);
                Loc { start: b.end, end: b.end, bytes: (b.bytes.1, b.bytes.1), source_text: Some(String::new()), ..b.clone() }
            }
        })
    }

    fn add(&mut self, key: DerivedKey, info: wire::SpanInfo) -> Option<SpanId> {
        if let Some(&id) = self.derived.get(&key) {
            return Some(id);
        }
        let loc = self.resolve(&info)?;
        let id = self.locs.len() as SpanId;
        self.locs.push(loc);
        self.infos.push(info);
        self.derived.insert(key, id);
        Some(id)
    }

    pub fn resolved_at(&mut self, position: SpanId, context: SpanId) -> SpanId {
        if position == context {
            return position;
        }
        self.add(DerivedKey::ResolvedAt(position, context), wire::SpanInfo::ResolvedAt { position, context }).unwrap()
    }

    pub fn join(&mut self, first: SpanId, second: SpanId) -> Option<SpanId> {
        if first == second {
            return Some(first);
        }
        self.add(DerivedKey::Join(first, second), wire::SpanInfo::Join { first, second })
    }

    pub fn subspan(&mut self, base: SpanId, start: u32, end: u32) -> Option<SpanId> {
        self.add(DerivedKey::Subspan(base, start, end), wire::SpanInfo::Subspan { base, start, end })
    }

    pub fn start(&mut self, base: SpanId) -> SpanId {
        self.add(DerivedKey::Start(base), wire::SpanInfo::Start { base }).unwrap()
    }

    pub fn end(&mut self, base: SpanId) -> SpanId {
        self.add(DerivedKey::End(base), wire::SpanInfo::End { base }).unwrap()
    }

    /// A span for bytes `lo..hi` of request source text (`Input::Source`).
    pub fn located(&mut self, file: &str, text: &str, line_starts: &[usize], lo: usize, hi: usize) -> SpanId {
        let pos = |b: usize| -> (u32, u32) {
            let line = line_starts.partition_point(|&s| s <= b) - 1;
            let col = text[line_starts[line]..b].chars().count() + 1;
            (line as u32 + 1, col as u32)
        };
        let loc = wire::Location {
            file: Some(file.to_string()),
            local: false,
            start_line: pos(lo).0,
            start_column: pos(lo).1,
            end_line: pos(hi).0,
            end_column: pos(hi).1,
            byte_start: lo as u32,
            byte_end: hi as u32,
            source_text: Some(text[lo..hi].to_string()),
        };
        self.add(DerivedKey::Located(file.to_string(), lo as u32, hi as u32), wire::SpanInfo::Located(loc)).unwrap()
    }
}

/// Byte offsets where each line of `text` starts.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect()
}
