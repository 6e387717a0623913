// The build script of cpp_closures.rs's probe package, as cpp's README asks: cpp_build compiles the C++ of the
// cpp! blocks and writes the metadata cpp_macros reads while expanding.
// build-dependency: cpp_build = "=0.5.6"
fn main() {
    cpp_build::build("written/cpp_closures.rs");
}
