//! The files and working directory a request gives its macro (`wire::FileInputs`), and what the macro asked for
//! beyond them. Sandcrate's std for wasm32-unknown-unknown (`WasmStd`) answers `std::fs` and
//! `std::env::current_dir` through the two `__sandcrate_input*` functions below; a path the request does not give
//! is noted, and the expansion then answers `NeedsInputs` so the consumer can send the request again with it.
//! Natively (the Rust tests run this server on the host) std never calls them.

use crate::wire;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path};

#[derive(Default)]
struct State {
    current_dir: Option<String>,
    files: BTreeMap<String, wire::FileEntry>,
    asked_current_dir: bool,
    asked: BTreeSet<String>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Makes `inputs` what the next expansion sees, and forgets what earlier expansions asked for.
pub(crate) fn begin(inputs: Option<&wire::FileInputs>) {
    let state = match inputs {
        None => State::default(),
        Some(inputs) => State {
            current_dir: inputs.current_dir.clone(),
            files: inputs.files.iter().map(|f| (f.path.clone(), f.entry.clone())).collect(),
            ..State::default()
        },
    };
    STATE.with(|s| *s.borrow_mut() = state);
}

/// `NeedsInputs` if the expansion asked for anything the request did not give. Safe to call from the panic hook.
pub(crate) fn needed() -> Option<wire::Outcome> {
    STATE
        .try_with(|s| {
            let s = s.try_borrow().ok()?;
            if !s.asked_current_dir && s.asked.is_empty() {
                return None;
            }
            Some(wire::Outcome::NeedsInputs { current_dir: s.asked_current_dir, paths: s.asked.iter().cloned().collect() })
        })
        .ok()
        .flatten()
}

/// The path as a key of `FileInputs::files`: `.` components (but a leading one) and repeated or trailing `/` dropped.
pub fn normalize(path: &Path) -> Option<String> {
    let mut out = String::new();
    for component in path.components() {
        let segment = match component {
            Component::RootDir => {
                out.push('/');
                continue;
            }
            Component::CurDir => ".",
            Component::ParentDir => "..",
            Component::Normal(name) => name.to_str()?,
            Component::Prefix(_) => return None,
        };
        if !out.is_empty() && !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(segment);
    }
    Some(out)
}

/// For std's file system (see `std-fs-unsupported.rs`): `(0, ..)` not given (noted), `(1, ..)` missing,
/// `(2, reason, ..)` denied, `(3, canonical, contents, modified)` a file, `(4, canonical, entries, modified)` a
/// directory, its entries encoded as `kind (3 file, 4 directory, 5 other), name, 0`; `modified` is seconds and
/// nanoseconds since the Unix epoch.
#[no_mangle]
pub fn __sandcrate_input(path: &[u8]) -> (u8, Vec<u8>, Vec<u8>, Option<(u64, u32)>) {
    let Some(key) = std::str::from_utf8(path).ok().and_then(|p| normalize(Path::new(p))) else {
        return (1, vec![], vec![], None); // the wire format names paths in UTF-8 only: such a path cannot be given
    };
    if key.is_empty() {
        return (1, vec![], vec![], None); // as natively: the empty path names nothing
    }
    let time = |m: &Option<wire::Modified>| m.map(|m| (m.seconds, m.nanos));
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        match s.files.get(&key) {
            None => {
                s.asked.insert(key);
                (0, vec![], vec![], None)
            }
            Some(wire::FileEntry::Missing) => (1, vec![], vec![], None),
            Some(wire::FileEntry::Denied(reason)) => (2, reason.clone().into_bytes(), vec![], None),
            Some(wire::FileEntry::File { canonical, modified, contents }) => (3, canonical.clone().into_bytes(), contents.clone(), time(modified)),
            Some(wire::FileEntry::Dir { canonical, modified, entries }) => {
                let mut encoded = Vec::new();
                for (name, kind) in entries {
                    encoded.push(match kind {
                        wire::EntryKind::File => 3,
                        wire::EntryKind::Dir => 4,
                        wire::EntryKind::Other => 5,
                    });
                    encoded.extend_from_slice(name.as_bytes());
                    encoded.push(0);
                }
                (4, canonical.clone().into_bytes(), encoded, time(modified))
            }
        }
    })
}

/// For std's `current_dir` (see `std-paths-unsupported.rs`): the working directory the request gives, or `None`
/// (noted).
#[no_mangle]
pub fn __sandcrate_input_current_dir() -> Option<String> {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        if s.current_dir.is_none() {
            s.asked_current_dir = true;
        }
        s.current_dir.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_like_the_consumer_names_them() {
        let n = |p: &str| normalize(Path::new(p)).unwrap();
        assert_eq!(n("/a//b/./c/"), "/a/b/c");
        assert_eq!(n("./src/../x.pest"), "./src/../x.pest");
        assert_eq!(n("src/x"), "src/x");
        assert_eq!(n("/"), "/");
        assert_eq!(n(""), "");
    }

    #[test]
    fn what_is_not_given_is_asked_for_once_and_what_is_given_is_answered() {
        let given = wire::FileInputs {
            current_dir: None,
            files: vec![
                wire::FileInput { path: "/c/a.txt".into(), entry: wire::FileEntry::File { canonical: "/c/a.txt".into(),
                    modified: Some(wire::Modified { seconds: 1_700_000_000, nanos: 5 }), contents: b"hi".to_vec() } },
                wire::FileInput { path: "/c/d".into(), entry: wire::FileEntry::Dir { canonical: "/c/d".into(), modified: None,
                    entries: vec![("x".into(), wire::EntryKind::File), ("y".into(), wire::EntryKind::Dir)] } },
                wire::FileInput { path: "/etc/passwd".into(), entry: wire::FileEntry::Denied("outside".into()) },
            ],
        };
        begin(Some(&given));
        assert_eq!(needed(), None);
        assert_eq!(__sandcrate_input(b"/c//a.txt"), (3, b"/c/a.txt".to_vec(), b"hi".to_vec(), Some((1_700_000_000, 5))));
        assert_eq!(__sandcrate_input(b"/c/d/"), (4, b"/c/d".to_vec(), b"\x03x\x00\x04y\x00".to_vec(), None));
        assert_eq!(__sandcrate_input(b"/etc/passwd"), (2, b"outside".to_vec(), vec![], None));
        assert_eq!(__sandcrate_input(b"/c/b.txt").0, 0);
        assert_eq!(__sandcrate_input(b"/c/./b.txt").0, 0);
        assert_eq!(__sandcrate_input(b"").0, 1);
        assert_eq!(__sandcrate_input_current_dir(), None);
        assert_eq!(needed(), Some(wire::Outcome::NeedsInputs { current_dir: true, paths: vec!["/c/b.txt".into()] }));
        begin(None);
        assert_eq!(needed(), None);
    }
}
