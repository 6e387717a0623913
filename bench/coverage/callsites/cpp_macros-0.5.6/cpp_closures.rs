// Follows cpp's README and lib.rs docs (cpp 0.5.6, the facade that re-exports cpp_macros): a `cpp!{{ }}` block of
// includes, closures that capture Rust variables by value and by `mut` reference and return a value, a block
// without a return value, and `cpp_class!` wrapping a C++ type. cpp_macros reads what the build script
// (cpp_closures.build.rs, with cpp_build, as the README asks) wrote to OUT_DIR.
// dependency: cpp = "=0.5.6"
use cpp::{cpp, cpp_class};

cpp! {{
    #include <iostream>
    #include <cstdint>
    #include <memory>
    #include <string>
}}

cpp_class!(pub unsafe struct Counter as "std::shared_ptr<int>");
cpp_class!(pub unsafe struct Text as "std::string");

fn add(y: i32, mut z: i32) -> i32 {
    unsafe {
        cpp!([y as "int32_t", mut z as "int32_t"] -> i32 as "int32_t" {
            z++;
            return y + z;
        })
    }
}

fn greet(times: u32) {
    unsafe {
        cpp!([times as "uint32_t"] {
            for (uint32_t i = 0; i < times; i++) {
                std::cout << "hello from C++" << std::endl;
            }
        })
    }
}

fn counter() -> Counter {
    unsafe { cpp!([] -> Counter as "std::shared_ptr<int>" { return std::make_shared<int>(42); }) }
}

fn main() {
    println!("{}", add(10, 20));
    greet(2);
    let _ = counter();
}
