//! serde_derive 1.0.152 as a plain rlib (see build.rs): `derive_serialize` and
//! `derive_deserialize` are ordinary `fn(TokenStream) -> TokenStream`.
include!(concat!(env!("OUT_DIR"), "/lib.rs"));
