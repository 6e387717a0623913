//! Sandcrate's replacement for `library/std/src/sys/env/unsupported.rs` in the std built for
//! wasm32-unknown-unknown (see `WasmStd`). Upstream has no environment there: `var` is always absent and
//! `set_var` fails. Here the environment is an in-memory map that the in-wasm bridge server fills before
//! each expansion with the request's explicit inputs (the variables cargo sets for the crate being
//! compiled), so `std::env::var("CARGO_PKG_NAME")` inside a macro sees what it sees natively, and nothing
//! of the host is ever visible. The module is single-threaded; the lock only satisfies `static`.

use crate::collections::BTreeMap;
use crate::ffi::{OsStr, OsString};
use crate::sync::Mutex;
use crate::{fmt, io};

static VARS: Mutex<BTreeMap<OsString, OsString>> = Mutex::new(BTreeMap::new());

fn vars() -> crate::sync::MutexGuard<'static, BTreeMap<OsString, OsString>> {
    VARS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct Env {
    iter: crate::vec::IntoIter<(OsString, OsString)>,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter.as_slice()).finish()
    }
}

impl Iterator for Env {
    type Item = (OsString, OsString);
    fn next(&mut self) -> Option<(OsString, OsString)> {
        self.iter.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }
}

pub fn env() -> Env {
    let snapshot: crate::vec::Vec<(OsString, OsString)> = vars().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    Env { iter: snapshot.into_iter() }
}

pub fn getenv(key: &OsStr) -> Option<OsString> {
    vars().get(key).cloned()
}

pub unsafe fn setenv(key: &OsStr, value: &OsStr) -> io::Result<()> {
    vars().insert(key.to_os_string(), value.to_os_string());
    Ok(())
}

pub unsafe fn unsetenv(key: &OsStr) -> io::Result<()> {
    vars().remove(key);
    Ok(())
}
