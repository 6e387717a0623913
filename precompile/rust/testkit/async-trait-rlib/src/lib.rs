//! async-trait-0.1.56 as a plain rlib (see ../blank-rlib.rs): its macro fns are ordinary `pub fn`s.
include!(concat!(env!("OUT_DIR"), "/lib.rs"));
