include!("../blank-rlib.rs");

fn main() {
    write_blanked_root("/usr/share/cargo/registry/serde_derive-1.0.152");
}
