//! Oracle macros for the tests (see `sandcrate_oracle`).
sandcrate_oracle::oracle! {
    derive dump_serialize => serde_derive_rlib::derive_serialize,
    derive dump_deserialize => serde_derive_rlib::derive_deserialize,
    derive dump_error => thiserror_impl_rlib::derive_error,
    attr dump_async_trait => async_trait_rlib::async_trait,
    derive dump_hello => fixture_macros::derive_hello,
    attr dump_tag => fixture_macros::tag,
    bang dump_panicking => fixture_macros::panicking,
    direct probe_lex => fixture_macros::probe_lex,
    direct probe_literal => fixture_macros::probe_literal,
    direct compare_serialize => shim_probe::compare_serialize,
    direct compare_deserialize => shim_probe::compare_deserialize,
    direct sandboxed_panicking => shim_probe::sandboxed_panicking,
    direct compare_to_string => shim_probe::compare_to_string,
    direct sandboxed_diagnostic => shim_probe::sandboxed_diagnostic,
}
