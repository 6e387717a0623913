//! thiserror-impl-1.0.38 as a plain rlib (see ../blank-rlib.rs): its macro fns are ordinary `pub fn`s.
include!(concat!(env!("OUT_DIR"), "/lib.rs"));
