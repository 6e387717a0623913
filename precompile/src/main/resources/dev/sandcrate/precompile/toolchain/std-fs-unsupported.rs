//! Sandcrate's replacement for `library/std/src/sys/fs/unsupported.rs` in the std built for
//! wasm32-unknown-unknown (see `WasmStd`). Upstream has no file system there: every call fails. Here a macro
//! reads a read-only view of exactly the files the consumer gave it as explicit inputs of the expansion: the
//! in-wasm bridge server holds them (`__sandcrate_input`, precompile/rust/bridge-server/src/inputs.rs) and
//! notes each path it was asked for but was not given, so the consumer can send the request again with it.
//! Nothing can be written; only modification times are known; symbolic links were already followed by the consumer.

use crate::ffi::OsString;
use crate::fmt;
use crate::fs::TryLockError;
use crate::io::{self, BorrowedCursor, IoSlice, IoSliceMut, SeekFrom};
use crate::path::{Path, PathBuf};
use crate::sync::atomic::{AtomicUsize, Ordering};
pub use crate::sys::fs::common::Dir;
use crate::sys::time::SystemTime;
use crate::vec::Vec;

unsafe extern "Rust" {
    /// What the request gives for `path` (the path as the macro named it): `(0, ..)` not given yet (the bridge
    /// server asks the consumer for it), `(1, ..)` missing, `(2, reason, ..)` denied, `(3, canonical, contents,
    /// modified)` a file, `(4, canonical, entries, modified)` a directory whose entries are `kind byte (3 file, 4 dir,
    /// 5 other), name, 0`; `modified` is seconds and nanoseconds since the Unix epoch, if the consumer knows it.
    fn __sandcrate_input(path: &[u8]) -> (u8, Vec<u8>, Vec<u8>, Option<(u64, u32)>);
}

const READ_ONLY: io::Error =
    io::const_error!(io::ErrorKind::ReadOnlyFilesystem, "a sandboxed macro cannot change files");
const NO_TIMES: io::Error =
    io::const_error!(io::ErrorKind::Unsupported, "a sandboxed macro sees only modification times");
const NOT_GIVEN: io::Error = io::const_error!(
    io::ErrorKind::Other,
    "sandcrate: not among this expansion's inputs yet (the consumer gives it when the macro runs again)"
);
const NOT_FOUND: io::Error = io::const_error!(io::ErrorKind::NotFound, "No such file or directory (os error 2)");
const IS_A_DIRECTORY: io::Error = io::const_error!(io::ErrorKind::IsADirectory, "Is a directory (os error 21)");
const NOT_A_DIRECTORY: io::Error = io::const_error!(io::ErrorKind::NotADirectory, "Not a directory (os error 20)");

const KIND_FILE: u8 = 3;
const KIND_DIR: u8 = 4;

enum Input {
    File { canonical: PathBuf, contents: Vec<u8>, modified: Option<SystemTime> },
    Dir { canonical: PathBuf, entries: Vec<(OsString, u8)>, modified: Option<SystemTime> },
}

fn path_buf(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(OsString::from(crate::string::String::from_utf8_lossy(&bytes).into_owned()))
}

fn input(path: &Path) -> io::Result<Input> {
    let (tag, first, second, modified) = unsafe { __sandcrate_input(path.as_os_str().as_encoded_bytes()) };
    let modified = modified.and_then(|(seconds, nanos)| {
        crate::sys::time::UNIX_EPOCH.checked_add_duration(&crate::time::Duration::new(seconds, nanos))
    });
    match tag {
        1 => Err(NOT_FOUND),
        2 => Err(io::Error::new(io::ErrorKind::PermissionDenied, crate::string::String::from_utf8_lossy(&first).into_owned())),
        3 => Ok(Input::File { canonical: path_buf(first), contents: second, modified }),
        4 => {
            let mut entries = Vec::new();
            let mut rest = &second[..];
            while let Some((&kind, tail)) = rest.split_first() {
                let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
                let name = crate::string::String::from_utf8_lossy(&tail[..end]).into_owned();
                entries.push((OsString::from(name), kind));
                rest = tail.get(end + 1..).unwrap_or(&[]);
            }
            Ok(Input::Dir { canonical: path_buf(first), entries, modified })
        }
        _ => Err(NOT_GIVEN),
    }
}

fn attr_of(input: &Input) -> FileAttr {
    match input {
        Input::File { contents, modified, .. } => FileAttr { kind: FileType(KIND_FILE), size: contents.len() as u64, modified: *modified },
        Input::Dir { modified, .. } => FileAttr { kind: FileType(KIND_DIR), size: 0, modified: *modified },
    }
}

pub struct File {
    contents: Vec<u8>,
    position: AtomicUsize,
    modified: Option<SystemTime>,
}

#[derive(Clone)]
pub struct FileAttr {
    kind: FileType,
    size: u64,
    modified: Option<SystemTime>,
}

pub struct ReadDir {
    dir: PathBuf,
    entries: crate::vec::IntoIter<(OsString, u8)>,
}

pub struct DirEntry {
    dir: PathBuf,
    name: OsString,
    kind: FileType,
}

#[derive(Clone, Debug)]
pub struct OpenOptions {
    write: bool,
}

#[derive(Copy, Clone, Debug, Default)]
pub struct FileTimes {}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FilePermissions {}

#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct FileType(u8);

#[derive(Debug)]
pub struct DirBuilder {}

impl FileAttr {
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn perm(&self) -> FilePermissions {
        FilePermissions {}
    }

    pub fn file_type(&self) -> FileType {
        self.kind
    }

    pub fn modified(&self) -> io::Result<SystemTime> {
        self.modified.ok_or(NO_TIMES)
    }

    pub fn accessed(&self) -> io::Result<SystemTime> {
        Err(NO_TIMES)
    }

    pub fn created(&self) -> io::Result<SystemTime> {
        Err(NO_TIMES)
    }
}

impl FilePermissions {
    /// As the consumer's own files usually are: writable by their owner (the macro still cannot write them).
    pub fn readonly(&self) -> bool {
        false
    }

    pub fn set_readonly(&mut self, _readonly: bool) {}
}

impl FileTimes {
    pub fn set_accessed(&mut self, _t: SystemTime) {}
    pub fn set_modified(&mut self, _t: SystemTime) {}
}

impl FileType {
    pub fn is_dir(&self) -> bool {
        self.0 == KIND_DIR
    }

    pub fn is_file(&self) -> bool {
        self.0 == KIND_FILE
    }

    pub fn is_symlink(&self) -> bool {
        false
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReadDir").field(&self.dir).finish()
    }
}

impl Iterator for ReadDir {
    type Item = io::Result<DirEntry>;

    fn next(&mut self) -> Option<io::Result<DirEntry>> {
        let (name, kind) = self.entries.next()?;
        Some(Ok(DirEntry { dir: self.dir.clone(), name, kind: FileType(kind) }))
    }
}

impl DirEntry {
    pub fn path(&self) -> PathBuf {
        self.dir.join(&self.name)
    }

    pub fn file_name(&self) -> OsString {
        self.name.clone()
    }

    pub fn metadata(&self) -> io::Result<FileAttr> {
        stat(&self.path())
    }

    pub fn file_type(&self) -> io::Result<FileType> {
        Ok(self.kind)
    }
}

impl OpenOptions {
    pub fn new() -> OpenOptions {
        OpenOptions { write: false }
    }

    pub fn read(&mut self, _read: bool) {}
    pub fn write(&mut self, write: bool) {
        self.write |= write;
    }
    pub fn append(&mut self, append: bool) {
        self.write |= append;
    }
    pub fn truncate(&mut self, truncate: bool) {
        self.write |= truncate;
    }
    pub fn create(&mut self, create: bool) {
        self.write |= create;
    }
    pub fn create_new(&mut self, create_new: bool) {
        self.write |= create_new;
    }
}

impl File {
    pub fn open(path: &Path, opts: &OpenOptions) -> io::Result<File> {
        if opts.write {
            return Err(READ_ONLY);
        }
        match input(path)? {
            Input::File { contents, modified, .. } => Ok(File { contents, position: AtomicUsize::new(0), modified }),
            Input::Dir { .. } => Err(IS_A_DIRECTORY),
        }
    }

    pub fn file_attr(&self) -> io::Result<FileAttr> {
        Ok(FileAttr { kind: FileType(KIND_FILE), size: self.contents.len() as u64, modified: self.modified })
    }

    pub fn fsync(&self) -> io::Result<()> {
        Ok(())
    }

    pub fn datasync(&self) -> io::Result<()> {
        Ok(())
    }

    pub fn lock(&self) -> io::Result<()> {
        Ok(())
    }

    pub fn lock_shared(&self) -> io::Result<()> {
        Ok(())
    }

    pub fn try_lock(&self) -> Result<(), TryLockError> {
        Ok(())
    }

    pub fn try_lock_shared(&self) -> Result<(), TryLockError> {
        Ok(())
    }

    pub fn unlock(&self) -> io::Result<()> {
        Ok(())
    }

    pub fn truncate(&self, _size: u64) -> io::Result<()> {
        Err(READ_ONLY)
    }

    fn remaining(&self) -> &[u8] {
        let at = self.position.load(Ordering::Relaxed).min(self.contents.len());
        &self.contents[at..]
    }

    fn advance(&self, n: usize) {
        self.position.fetch_add(n, Ordering::Relaxed);
    }

    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let remaining = self.remaining();
        let n = remaining.len().min(buf.len());
        buf[..n].copy_from_slice(&remaining[..n]);
        self.advance(n);
        Ok(n)
    }

    pub fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        crate::io::default_read_vectored(|b| self.read(b), bufs)
    }

    pub fn is_read_vectored(&self) -> bool {
        false
    }

    pub fn read_buf(&self, cursor: BorrowedCursor<'_>) -> io::Result<()> {
        crate::io::default_read_buf(|b| self.read(b), cursor)
    }

    pub fn write(&self, _buf: &[u8]) -> io::Result<usize> {
        Err(READ_ONLY)
    }

    pub fn write_vectored(&self, _bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        Err(READ_ONLY)
    }

    pub fn is_write_vectored(&self) -> bool {
        false
    }

    pub fn flush(&self) -> io::Result<()> {
        Ok(())
    }

    pub fn seek(&self, pos: SeekFrom) -> io::Result<u64> {
        let len = self.contents.len() as i128;
        let current = self.position.load(Ordering::Relaxed) as i128;
        let target = match pos {
            SeekFrom::Start(n) => n as i128,
            SeekFrom::End(n) => len + n as i128,
            SeekFrom::Current(n) => current + n as i128,
        };
        if target < 0 || target > usize::MAX as i128 {
            return Err(io::const_error!(io::ErrorKind::InvalidInput, "invalid seek to a negative or overflowing position"));
        }
        self.position.store(target as usize, Ordering::Relaxed);
        Ok(target as u64)
    }

    pub fn size(&self) -> Option<io::Result<u64>> {
        Some(Ok(self.contents.len() as u64))
    }

    pub fn tell(&self) -> io::Result<u64> {
        Ok(self.position.load(Ordering::Relaxed) as u64)
    }

    pub fn duplicate(&self) -> io::Result<File> {
        Ok(File {
            contents: self.contents.clone(),
            position: AtomicUsize::new(self.position.load(Ordering::Relaxed)),
            modified: self.modified,
        })
    }

    pub fn set_permissions(&self, _perm: FilePermissions) -> io::Result<()> {
        Err(READ_ONLY)
    }

    pub fn set_times(&self, _times: FileTimes) -> io::Result<()> {
        Err(READ_ONLY)
    }
}

impl DirBuilder {
    pub fn new() -> DirBuilder {
        DirBuilder {}
    }

    pub fn mkdir(&self, _p: &Path) -> io::Result<()> {
        Err(READ_ONLY)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File").field("len", &self.contents.len()).finish()
    }
}

pub fn readdir(p: &Path) -> io::Result<ReadDir> {
    match input(p)? {
        Input::Dir { entries, .. } => Ok(ReadDir { dir: p.to_path_buf(), entries: entries.into_iter() }),
        Input::File { .. } => Err(NOT_A_DIRECTORY),
    }
}

pub fn unlink(_p: &Path) -> io::Result<()> {
    Err(READ_ONLY)
}

pub fn rename(_old: &Path, _new: &Path) -> io::Result<()> {
    Err(READ_ONLY)
}

pub fn set_perm(_p: &Path, _perm: FilePermissions) -> io::Result<()> {
    Err(READ_ONLY)
}

pub fn set_times(_p: &Path, _times: FileTimes) -> io::Result<()> {
    Err(READ_ONLY)
}

pub fn set_times_nofollow(_p: &Path, _times: FileTimes) -> io::Result<()> {
    Err(READ_ONLY)
}

pub fn rmdir(_p: &Path) -> io::Result<()> {
    Err(READ_ONLY)
}

pub fn remove_dir_all(_path: &Path) -> io::Result<()> {
    Err(READ_ONLY)
}

pub fn exists(path: &Path) -> io::Result<bool> {
    crate::sys::fs::common::exists(path)
}

pub fn readlink(p: &Path) -> io::Result<PathBuf> {
    input(p)?;
    Err(io::const_error!(io::ErrorKind::InvalidInput, "Invalid argument (os error 22)"))
}

pub fn symlink(_original: &Path, _link: &Path) -> io::Result<()> {
    Err(READ_ONLY)
}

pub fn link(_src: &Path, _dst: &Path) -> io::Result<()> {
    Err(READ_ONLY)
}

pub fn stat(p: &Path) -> io::Result<FileAttr> {
    input(p).map(|input| attr_of(&input))
}

pub fn lstat(p: &Path) -> io::Result<FileAttr> {
    stat(p)
}

pub fn canonicalize(p: &Path) -> io::Result<PathBuf> {
    match input(p)? {
        Input::File { canonical, .. } | Input::Dir { canonical, .. } => Ok(canonical),
    }
}

pub fn copy(_from: &Path, _to: &Path) -> io::Result<u64> {
    Err(READ_ONLY)
}
