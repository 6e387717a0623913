include!("../blank-rlib.rs");

fn main() {
    write_blanked_root("/usr/share/cargo/registry/thiserror-impl-1.0.38");
}
