//! Hostile on purpose: each feature turns this build script into an attack on the sandbox's limits.
use std::process::Command;
use std::time::Duration;

fn main() {
    if std::env::var_os("CARGO_FEATURE_FORK_BOMB").is_some() {
        let me = std::env::current_exe().unwrap();
        loop {
            // errors (the process limit) are ignored: a bomb keeps trying
            let _ = Command::new(&me).spawn();
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    if std::env::var_os("CARGO_FEATURE_MEMORY_BOMB").is_some() {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![0x5a; 32 << 20]);
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    if std::env::var_os("CARGO_FEATURE_POISON_DEPENDENCIES").is_some() {
        // OUT_DIR is <target>/<triple>/<profile>/build/<package>-<hash>/out; the restored rlibs are in <profile>/deps
        let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
        let deps = out.ancestors().nth(3).unwrap().join("deps");
        for entry in std::fs::read_dir(&deps).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("libsandcrate_wire") || name.starts_with("libsandcrate_bridge_server") {
                // in place, not replaced: a file shared with the cache (a hard link) would change too
                use std::io::Write;
                let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                file.write_all(b"poisoned by a build script").unwrap();
                println!("cargo:warning=poisoned {}", path.display());
            }
        }
    }
    if std::env::var_os("CARGO_FEATURE_DISK_FILLER").is_some() {
        let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
        let chunk = vec![0x5a; 32 << 20];
        for i in 0.. {
            let _ = std::fs::write(out.join(format!("fill-{i}")), &chunk);
        }
    }
}
