//! The consumer side (`wire/src/proc_macro_wire.rs`) inside a real rustc expansion: input with
//! real spans -> request -> bridge server -> response -> tokens with the original spans. The
//! comparison with the native macro happens at compile time, position by position.

#[test]
fn serialize_through_the_shim_path_is_identical_with_positions() {
    let result: &str = oracle_probes::compare_serialize! {
        #[serde(rename_all = "camelCase")]
        struct Account<'a, T> where T: Clone {
            #[serde(borrow)] owner: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")] balance: Option<T>,
            r#type: u8,
        }
    };
    assert!(result.starts_with("same: "), "{result}");
    let tokens: usize = result["same: ".len()..].trim_end_matches(" tokens").parse().unwrap();
    assert!(tokens > 300, "{result}");
}

#[test]
fn deserialize_through_the_shim_path_is_identical_with_positions() {
    let result: &str = oracle_probes::compare_deserialize! {
        #[serde(tag = "kind")]
        enum Message { Ping { id: u32 }, Text(String), #[serde(other)] Unknown }
    };
    assert!(result.starts_with("same: "), "{result}");
}

#[test]
fn serde_errors_through_the_shim_path_keep_their_spans() {
    let result: &str = oracle_probes::compare_serialize! { union U { a: u8 } };
    assert!(result.starts_with("same: "), "{result}");
}

#[test]
fn a_panic_becomes_compile_error_with_message_and_location() {
    let dump: &str = oracle_probes::sandboxed_panicking!(boom);
    let lines: Vec<&str> = dump.lines().collect();
    assert_eq!(&lines[..6], ["punct : joint", "punct : alone", "ident core", "punct : joint", "punct : alone", "ident compile_error"]);
    assert!(lines[8].starts_with("  literal \"proc macro panicked: fixture macro refuses `boom` (at "), "{dump}");
    assert!(lines[8].contains("fixture-macros/src/lib.rs:"), "{dump}");
}

#[test]
fn to_string_of_input_matches_rustc_through_the_shim_path() {
    let result: &str = oracle_probes::compare_to_string! {
        a+b a + b f(x)[0]{y} x.0.1 -1 &&x ..=y 'a: 'b Vec<Vec<u8>>::new() #[attr] $crate::m!{} r#match
        /// doc
        fn long_function_name_to_force_a_break(argument_one: u32, argument_two: u32) -> u64 { 0 }
        /** block doc */ struct S; mod m { //! inner
        } #[doc = "explicit"] x
    };
    assert_eq!(result, "same: 1 tokens");
}
