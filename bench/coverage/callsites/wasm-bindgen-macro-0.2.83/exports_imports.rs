// Follows wasm-bindgen's README example and its guide's "attributes" reference
// (on-js-imports: js_namespace, js_name, method, getter/setter, catch, constructor,
// extends, static_method_of; on-rust-exports: constructor, getter/setter, js_name, skip).

// The attribute's output names `wasm_bindgen::...` (runtime traits, `__rt`, the
// `__wbindgen_if_not_std!` macro, the class-marker attribute). The wasm-bindgen 0.2.83
// runtime crate is refused by current rustc, so this module stands in for those items.
extern crate self as wasm_bindgen;

pub mod prelude {
    pub use wasm_bindgen_macro::{__wasm_bindgen_class_marker, wasm_bindgen};
    pub use crate::{JsCast, JsValue};
}

pub struct JsValue(u32);
pub trait JsObject {}
pub trait JsCast {
    fn instanceof(val: &JsValue) -> bool;
    fn unchecked_from_js(val: JsValue) -> Self;
    fn unchecked_from_js_ref(val: &JsValue) -> &Self;
    fn is_type_of(_val: &JsValue) -> bool { false }
}
pub fn throw_str(s: &str) -> ! { panic!("{}", s) }

#[macro_export]
macro_rules! __wbindgen_if_not_std {
    ($($i:item)*) => {};
}

pub mod describe {
    pub trait WasmDescribe { fn describe(); }
    pub fn inform(_: u32) {}
    pub const RUST_STRUCT: u32 = 0;
    pub const ENUM: u32 = 1;
}

pub mod convert {
    pub trait IntoWasmAbi { type Abi; fn into_abi(self) -> Self::Abi; }
    pub trait FromWasmAbi { type Abi; unsafe fn from_abi(js: Self::Abi) -> Self; }
    pub trait RefFromWasmAbi { type Abi; type Anchor; unsafe fn ref_from_abi(js: Self::Abi) -> Self::Anchor; }
    pub trait RefMutFromWasmAbi { type Abi; type Anchor; unsafe fn ref_mut_from_abi(js: Self::Abi) -> Self::Anchor; }
    pub trait OptionIntoWasmAbi { fn none() -> u32; }
    pub trait OptionFromWasmAbi { fn is_none(abi: &u32) -> bool; }
    pub trait ReturnWasmAbi { type Abi; fn return_abi(self) -> Self::Abi; }
}

pub mod __rt {
    pub extern crate core;
    pub extern crate std;
    pub use std::cell::{Ref, RefMut, RefCell as WasmRefCell};
    pub fn assert_not_null<T>(_: *mut T) {}
    pub fn take_last_exception() -> Result<(), super::JsValue> { Ok(()) }
}

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    fn alert(s: &str);

    #[wasm_bindgen(js_namespace = console)]
    fn log(s: &str);

    #[wasm_bindgen(js_namespace = console, js_name = log)]
    fn log_u32(a: u32);

    type Element;

    #[wasm_bindgen(method, getter)]
    fn id(this: &Element) -> String;

    #[wasm_bindgen(method, setter = id)]
    fn set_id(this: &Element, id: &str);

    #[wasm_bindgen(method, js_name = setAttribute, catch)]
    fn set_attribute(this: &Element, name: &str, value: &str) -> Result<(), JsValue>;

    #[wasm_bindgen(extends = Element)]
    type HtmlElement;

    #[wasm_bindgen(constructor)]
    fn new() -> HtmlElement;

    #[wasm_bindgen(static_method_of = HtmlElement, js_name = isSupported)]
    fn is_supported() -> bool;
}

#[wasm_bindgen(raw_module = "./defined-in-js.js")]
extern "C" {
    fn name() -> String;

    type MyClass;

    #[wasm_bindgen(constructor)]
    fn new() -> MyClass;

    #[wasm_bindgen(method, getter)]
    fn number(this: &MyClass) -> u32;

    #[wasm_bindgen(method, setter)]
    fn set_number(this: &MyClass, number: u32) -> MyClass;
}

#[wasm_bindgen]
pub fn greet(name: &str) {
    alert(&format!("Hello, {}!", name));
}

#[wasm_bindgen(js_name = addNumbers)]
pub fn add_numbers(a: u32, b: u32) -> u32 {
    log_u32(a);
    a + b
}

#[wasm_bindgen]
pub struct Counter {
    count: i32,
    pub step: i32,
    #[wasm_bindgen(skip)]
    pub label: String,
}

#[wasm_bindgen]
impl Counter {
    #[wasm_bindgen(constructor)]
    pub fn new(step: i32) -> Counter {
        Counter { count: 0, step, label: String::new() }
    }

    #[wasm_bindgen(getter)]
    pub fn count(&self) -> i32 {
        self.count
    }

    #[wasm_bindgen(setter)]
    pub fn set_count(&mut self, count: i32) {
        self.count = count;
    }

    pub fn increment(&mut self) -> i32 {
        self.count += self.step;
        self.count
    }
}

#[wasm_bindgen]
pub enum Direction {
    Up = 1,
    Down = 2,
}

fn main() {}
