// Follows scale-info's README ("Derive TypeInfo", the #[scale_info(bounds, skip_type_params,
// capture_docs, crate)] attributes and the honoured #[codec(skip/compact/index)] attributes).
// scale-info itself is not in the corpus, so a minimal `scale_info` module is selected via crate = ...

use scale_info_derive::TypeInfo;

/// Minimal stand-in for the `scale-info` runtime API that the derive's output names.
pub mod scale_info {
    use std::marker::PhantomData;

    pub mod prelude {
        pub use std::vec;
    }

    pub mod scale {
        pub trait HasCompact {}
        impl HasCompact for u32 {}
        impl HasCompact for u64 {}
        impl HasCompact for u128 {}
    }

    pub trait TypeInfo {
        type Identity: ?Sized + 'static;
        fn type_info() -> Type;
    }

    #[derive(Debug, Clone)]
    pub struct MetaType(&'static str);
    pub fn meta_type<T: ?Sized + 'static>() -> MetaType {
        MetaType(std::any::type_name::<T>())
    }

    #[derive(Debug)]
    pub struct Path(&'static str, &'static str);
    impl Path {
        pub fn new(ident: &'static str, module_path: &'static str) -> Self {
            Path(ident, module_path)
        }
    }

    #[derive(Debug)]
    pub struct TypeParameter(&'static str, Option<MetaType>);
    impl TypeParameter {
        pub fn new(name: &'static str, ty: Option<MetaType>) -> Self {
            TypeParameter(name, ty)
        }
    }

    #[derive(Debug, Default)]
    pub struct Type {
        pub path: Option<Path>,
        pub params: Vec<TypeParameter>,
        pub docs: Vec<&'static str>,
        pub def: Vec<String>,
    }
    impl Type {
        pub fn builder() -> Type {
            Type::default()
        }
        pub fn path(mut self, p: Path) -> Self {
            self.path = Some(p);
            self
        }
        pub fn type_params(mut self, p: Vec<TypeParameter>) -> Self {
            self.params = p;
            self
        }
        pub fn docs(mut self, d: &[&'static str]) -> Self {
            self.docs.extend_from_slice(d);
            self
        }
        pub fn docs_always(self, d: &[&'static str]) -> Self {
            self.docs(d)
        }
        pub fn composite<T>(mut self, f: build::Fields<T>) -> Type {
            self.def = f.0;
            self
        }
        pub fn variant(mut self, v: build::Variants) -> Type {
            self.def = v.0;
            self
        }
    }

    pub mod build {
        use super::*;

        pub struct NamedFields;
        pub struct UnnamedFields;
        pub struct NoFields;

        pub struct Fields<T>(pub Vec<String>, PhantomData<T>);
        impl Fields<()> {
            pub fn named() -> Fields<NamedFields> {
                Fields(Vec::new(), PhantomData)
            }
            pub fn unnamed() -> Fields<UnnamedFields> {
                Fields(Vec::new(), PhantomData)
            }
            pub fn unit() -> Fields<NoFields> {
                Fields(Vec::new(), PhantomData)
            }
        }
        impl<T> Fields<T> {
            pub fn field(mut self, f: impl FnOnce(FieldBuilder) -> FieldBuilder) -> Self {
                self.0.push(f(FieldBuilder::default()).0);
                self
            }
        }

        #[derive(Default)]
        pub struct FieldBuilder(pub String);
        impl FieldBuilder {
            pub fn ty<T: ?Sized + 'static>(mut self) -> Self {
                self.0 += std::any::type_name::<T>();
                self
            }
            pub fn compact<T: ?Sized + 'static>(mut self) -> Self {
                self.0 += "Compact<";
                self.0 += std::any::type_name::<T>();
                self.0 += ">";
                self
            }
            pub fn name(mut self, n: &'static str) -> Self {
                self.0 = format!("{}: {}", n, self.0);
                self
            }
            pub fn type_name(self, _n: &'static str) -> Self {
                self
            }
            pub fn docs(self, _d: &[&'static str]) -> Self {
                self
            }
            pub fn docs_always(self, _d: &[&'static str]) -> Self {
                self
            }
        }

        #[derive(Default)]
        pub struct Variants(pub Vec<String>);
        impl Variants {
            pub fn new() -> Self {
                Variants::default()
            }
            pub fn variant(mut self, name: &'static str, f: impl FnOnce(VariantBuilder) -> VariantBuilder) -> Self {
                let v = f(VariantBuilder::default());
                self.0.push(format!("{}#{}{:?}", name, v.0, v.1));
                self
            }
        }

        #[derive(Default)]
        pub struct VariantBuilder(pub u8, pub Vec<String>);
        impl VariantBuilder {
            pub fn index(mut self, i: u8) -> Self {
                self.0 = i;
                self
            }
            pub fn fields<T>(mut self, f: Fields<T>) -> Self {
                self.1 = f.0;
                self
            }
            pub fn docs(self, _d: &[&'static str]) -> Self {
                self
            }
            pub fn docs_always(self, _d: &[&'static str]) -> Self {
                self
            }
        }
    }
}

/// A plain struct with named fields; docs are captured by default.
#[derive(TypeInfo)]
#[scale_info(crate = crate::scale_info)]
pub struct Account {
    /// The account identifier.
    pub id: [u8; 32],
    /// Free balance, SCALE-compact encoded.
    #[codec(compact)]
    pub free: u128,
    pub nonce: u32,
    #[codec(skip)]
    pub cache: Option<String>,
}

/// Tuple struct with a generic parameter and a lifetime.
#[derive(TypeInfo)]
#[scale_info(crate = crate::scale_info)]
pub struct Wrapper<'a, T>(pub &'a T, pub Vec<(u8, (bool, T))>);

#[derive(TypeInfo)]
#[scale_info(crate = crate::scale_info)]
pub struct Unit;

/// Enum with explicit SCALE indices, unit/tuple/struct variants and a skipped variant.
#[derive(TypeInfo)]
#[scale_info(crate = crate::scale_info, capture_docs = "always")]
pub enum Call<AccountId, Balance> {
    /// Transfer some balance.
    #[codec(index = 3)]
    Transfer { dest: AccountId, #[codec(compact)] value: Balance },
    /// Remark without effect.
    Remark(Vec<u8>),
    #[codec(index = 7)]
    Kill,
    #[codec(skip)]
    Internal(Balance),
}

/// C-like enum with discriminants.
#[derive(TypeInfo)]
#[scale_info(crate = crate::scale_info, capture_docs = "never")]
pub enum Level {
    /// never captured
    Low = 1,
    Mid = 5,
    High = 10,
}

pub trait Config {
    type Hash;
    type Index;
}

/// Custom bounds: only require TypeInfo on the associated types actually used; T itself is skipped.
#[derive(TypeInfo)]
#[scale_info(crate = crate::scale_info, skip_type_params(T))]
#[scale_info(bounds(T::Hash: crate::scale_info::TypeInfo + 'static, T::Index: crate::scale_info::TypeInfo + 'static))]
pub struct Header<T: Config> {
    pub parent: T::Hash,
    pub number: T::Index,
}

/// A phantom type parameter that is skipped from the type params.
#[derive(TypeInfo)]
#[scale_info(crate = crate::scale_info, skip_type_params(Marker))]
pub struct Tagged<Marker, V> {
    pub value: V,
    pub _marker: std::marker::PhantomData<Marker>,
}

macro_rules! declare_event {
    ($name:ident, $($field:ident: $ty:ty),*) => {
        #[derive(TypeInfo)]
        #[scale_info(crate = crate::scale_info)]
        pub struct $name { $(pub $field: $ty),* }
    };
}
declare_event!(Deposited, who: [u8; 32], amount: u64, memo: Option<Vec<u8>>);

fn main() {}
