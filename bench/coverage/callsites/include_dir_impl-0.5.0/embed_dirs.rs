// Follows the include_dir README (usage of `include_dir!` on a project folder) and the way the
// include_dir 0.5 facade re-exports this impl crate through `#[proc_macro_hack]`.
// dependency: proc-macro-hack = "0.5"
use proc_macro_hack::proc_macro_hack;

/// The expansion names `$crate::Dir` and `$crate::File`, as the include_dir facade defines them.
#[proc_macro_hack]
use include_dir_impl::include_dir;

#[derive(Debug, Clone, Copy)]
pub struct File<'a> {
    pub path: &'a str,
    pub contents: &'a [u8],
}

#[derive(Debug, Clone, Copy)]
pub struct Dir<'a> {
    pub path: &'a str,
    pub files: &'a [File<'a>],
    pub dirs: &'a [Dir<'a>],
}

impl<'a> Dir<'a> {
    pub fn get_file(&self, name: &str) -> Option<File<'a>> {
        self.files
            .iter()
            .copied()
            .find(|f| f.path == name)
            .or_else(|| self.dirs.iter().find_map(|d| d.get_file(name)))
    }
}

static SOURCES: Dir = include_dir!("src");
const SOURCES_AGAIN: Dir<'static> = include_dir!("./src");

fn main() {
    let nested: Dir = include_dir!("src/../src");
    for f in SOURCES.files.iter().chain(SOURCES_AGAIN.files).chain(nested.files) {
        println!("{} ({} bytes)", f.path, f.contents.len());
    }
    if let Some(lib) = SOURCES.get_file("lib.rs") {
        println!("{}", String::from_utf8_lossy(lib.contents));
    }
}
