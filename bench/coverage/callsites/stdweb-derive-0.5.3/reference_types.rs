// Follows the `ReferenceType` derive docs in stdweb-derive's lib.rs (instance_of,
// subclass_of), plus the `event = ...` and `(Reference, PhantomData<T>)` forms it accepts.
#[macro_use]
extern crate stdweb_derive;

// The derive's output names `::stdweb::...` and `__js_raw_asm_bool!`; the stdweb crate
// is not in the corpus, so this module stands in for the items the output resolves to.
#[allow(dead_code)]
mod stdweb {
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Reference(i32);
    pub enum Value { Reference(Reference) }
    pub trait ReferenceType { unsafe fn from_reference_unchecked(reference: Reference) -> Self; }
    pub trait InstanceOf { fn instance_of(reference: &Reference) -> bool; }
    pub mod unstable {
        pub trait TryFrom<T>: Sized { type Error; fn try_from(value: T) -> Result<Self, Self::Error>; }
        pub trait TryInto<T> { type Error; fn try_into(self) -> Result<T, Self::Error>; }
        pub enum Void {}
    }
    pub mod private {
        pub enum ConversionError { Custom(String) }
        pub struct SerializedValue<'a>(&'a ());
        pub trait JsSerialize { fn _into_js<'a>(&'a self) -> SerializedValue<'a>; }
        pub trait JsSerializeOwned: Sized { fn into_js_owned<'a>(value: &'a mut Option<Self>) -> SerializedValue<'a>; }
    }
    pub mod web {
        pub mod event {
            pub trait ConcreteEvent { const EVENT_TYPE: &'static str; }
        }
    }
}

macro_rules! __js_raw_asm_bool {
    ($code:expr, $($arg:expr),*) => {{ let _ = $code; $(let _ = $arg;)* false }};
}

use std::marker::PhantomData;
use stdweb::Reference;

#[derive(Clone, Debug, PartialEq, Eq, ReferenceType)]
#[reference(instance_of = "Error")]
pub struct Error( Reference );

#[derive(Clone, Debug, PartialEq, Eq, ReferenceType)]
#[reference(instance_of = "TypeError")]
#[reference(subclass_of(Error))]
pub struct TypeError( Reference );

#[derive(Clone, Debug, PartialEq, Eq, ReferenceType)]
#[reference(instance_of = "Event")]
pub struct Event( Reference );

#[derive(Clone, Debug, PartialEq, Eq, ReferenceType)]
#[reference(instance_of = "UIEvent")]
#[reference(subclass_of(Event))]
pub struct UiEvent( Reference );

#[derive(Clone, Debug, PartialEq, Eq, ReferenceType)]
#[reference(instance_of = "MouseEvent")]
#[reference(event = "click")]
#[reference(subclass_of(Event, UiEvent))]
pub struct ClickEvent( Reference );

#[derive(Clone, Debug, PartialEq, Eq, ReferenceType)]
#[reference(event = "resize")]
#[reference(subclass_of(Event))]
pub struct ResizeEvent( stdweb::Reference );

pub trait ArrayKind {}
impl ArrayKind for u8 {}

#[derive(Clone, Debug, PartialEq, Eq, ReferenceType)]
#[reference(instance_of = "ArrayBufferView")]
pub struct TypedArray< T: ArrayKind >( Reference, PhantomData< T > );

fn main() {}
