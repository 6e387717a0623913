// Follows the include_dir 0.7 README and lib.rs docs: `static PROJECT_DIR: Dir<'_> =
// include_dir!("$CARGO_MANIFEST_DIR/...")`, with environment-variable interpolation and plain relative paths.
// The expansion names `include_dir::{Dir, File, DirEntry}`; a minimal stand-in of that facade API is below.
use include_dir_macros::include_dir;

mod include_dir {
    use std::path::Path;

    #[derive(Debug, Clone, PartialEq)]
    pub struct File<'a> {
        path: &'a str,
        contents: &'a [u8],
    }

    impl<'a> File<'a> {
        pub const fn new(path: &'a str, contents: &'a [u8]) -> Self {
            File { path, contents }
        }
        pub fn path(&self) -> &'a Path {
            Path::new(self.path)
        }
        pub fn contents(&self) -> &'a [u8] {
            self.contents
        }
    }

    #[derive(Debug, Clone, PartialEq)]
    pub enum DirEntry<'a> {
        Dir(Dir<'a>),
        File(File<'a>),
    }

    impl<'a> DirEntry<'a> {
        pub fn path(&self) -> &'a Path {
            match self {
                DirEntry::Dir(d) => Path::new(d.path),
                DirEntry::File(f) => f.path(),
            }
        }
    }

    #[derive(Debug, Clone, PartialEq)]
    pub struct Dir<'a> {
        path: &'a str,
        entries: &'a [DirEntry<'a>],
    }

    impl<'a> Dir<'a> {
        pub const fn new(path: &'a str, entries: &'a [DirEntry<'a>]) -> Self {
            Dir { path, entries }
        }
        pub fn entries(&self) -> &'a [DirEntry<'a>] {
            self.entries
        }
        pub fn files(&self) -> impl Iterator<Item = &'a File<'a>> + 'a {
            self.entries.iter().filter_map(|e| match e {
                DirEntry::File(f) => Some(f),
                DirEntry::Dir(_) => None,
            })
        }
        pub fn get_file(&self, path: impl AsRef<Path>) -> Option<&'a File<'a>> {
            let path = path.as_ref();
            self.files().find(|f| f.path() == path)
        }
    }
}

static SOURCES: include_dir::Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/src");
static RELATIVE: include_dir::Dir<'static> = include_dir!("./src");

fn sources() -> include_dir::Dir<'static> {
    include_dir!("src")
}

fn main() {
    for dir in [&SOURCES, &RELATIVE] {
        for entry in dir.entries() {
            println!("{}", entry.path().display());
        }
    }
    let sources = sources();
    if let Some(file) = sources.get_file("lib.rs") {
        println!("{} bytes", file.contents().len());
    }
    let nested = include_dir!("$CARGO_MANIFEST_DIR/src/../src");
    assert_eq!(nested.files().count(), SOURCES.files().count());
}
