include!("../blank-rlib.rs");

fn main() {
    write_blanked_root("/usr/share/cargo/registry/async-trait-0.1.56");
}
