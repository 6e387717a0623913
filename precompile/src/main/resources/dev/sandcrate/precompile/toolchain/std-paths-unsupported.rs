//! Sandcrate's replacement for `library/std/src/sys/paths/unsupported.rs` in the std built for
//! wasm32-unknown-unknown (see `WasmStd`): upstream's file, except that `getcwd` answers with the working
//! directory the consumer gave as an explicit input of the expansion.

use crate::ffi::{OsStr, OsString};
use crate::marker::PhantomData;
use crate::path::{self, PathBuf};
use crate::sys::pal::unsupported;
use crate::{fmt, io};

/// rustc's working directory, as the consumer gave it when the macro asked (`__sandcrate_input_current_dir`, in
/// Sandcrate's bridge server); until then an error, and the consumer runs the macro again with it.
pub fn getcwd() -> io::Result<PathBuf> {
    unsafe extern "Rust" {
        fn __sandcrate_input_current_dir() -> Option<crate::string::String>;
    }
    match unsafe { __sandcrate_input_current_dir() } {
        Some(dir) => Ok(PathBuf::from(OsString::from(dir))),
        None => Err(io::const_error!(
            io::ErrorKind::Other,
            "sandcrate: the working directory is not among this expansion's inputs yet (the consumer gives it when the macro runs again)"
        )),
    }
}

pub fn chdir(_: &path::Path) -> io::Result<()> {
    unsupported()
}

pub struct SplitPaths<'a>(!, PhantomData<&'a ()>);

pub fn split_paths(_unparsed: &OsStr) -> SplitPaths<'_> {
    panic!("unsupported")
}

impl<'a> Iterator for SplitPaths<'a> {
    type Item = PathBuf;
    fn next(&mut self) -> Option<PathBuf> {
        self.0
    }
}

#[derive(Debug)]
pub struct JoinPathsError;

pub fn join_paths<I, T>(_paths: I) -> Result<OsString, JoinPathsError>
where
    I: Iterator<Item = T>,
    T: AsRef<OsStr>,
{
    Err(JoinPathsError)
}

impl fmt::Display for JoinPathsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        "not supported on this platform yet".fmt(f)
    }
}

impl crate::error::Error for JoinPathsError {}

pub fn current_exe() -> io::Result<PathBuf> {
    unsupported()
}

pub fn temp_dir() -> PathBuf {
    panic!("no filesystem on this platform")
}

pub fn home_dir() -> Option<PathBuf> {
    None
}
