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
    // like std's panic message: "panicked at <file>:<line>:<column>: <message>"
    assert!(lines[8].starts_with("  literal \"proc macro panicked at "), "{dump}");
    assert!(lines[8].contains("fixture-macros/src/lib.rs:"), "{dump}");
    assert!(lines[8].ends_with(": fixture macro refuses `boom`\""), "{dump}");
}

#[test]
fn an_error_diagnostic_becomes_compile_error_at_its_span_with_its_notes_before_the_output() {
    let result: &str = oracle_probes::sandboxed_diagnostic! { first second };
    let (output, input) = result.split_once("---\n").unwrap();
    let position = |line: &str| line.rsplit(' ').next().unwrap().to_string();
    let input: Vec<&str> = input.lines().collect();
    assert_eq!(input.len(), 2, "{result}");
    let (first, second) = (position(input[0]), position(input[1]));
    assert_ne!(first, second);
    let output: Vec<&str> = output.lines().collect();
    assert_eq!(output.len(), 10, "{result}");
    assert!(output[5].starts_with("ident compile_error "), "{result}");
    // the literal's text is `"...\n..."`, and the dump writes its `\` as `\\`
    assert_eq!(output[8].trim_start(), format!("literal \"`first` is wrong\\\\nnote: write `second` first\" {first}"), "{result}");
    for line in &output[..9] {
        assert_eq!(position(line), first, "the compile_error! is at the diagnostic's span: {result}");
    }
    // id 3 is the response's first span (first_span_id = 3), not the request's fourth (`second`)
    assert_eq!(output[9], format!("ident x {first}"), "{result}");
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

// What a macro passes through unchanged comes back as rustc's own tokens, so it prints as the
// source had it (`/// doc`, `a::B`), natively and through the shim path alike: `-Zunpretty=expanded`
// of noop_proc_macro and openssl-macros call sites differed before.
#[test]
fn a_macro_returning_its_input_prints_like_the_native_macro() {
    let result: &str = oracle_probes::compare_printed_keep! {
        /// Outer doc
        #[allow(clippy::should_implement_trait)]
        fn f() -> a::B { /// inner
            struct S; a::b() }
    };
    assert!(result.starts_with("same: /// Outer doc"), "{result}");
    assert!(result.contains("clippy::should_implement_trait"), "{result}");
}

#[test]
fn an_attribute_macro_extending_its_item_prints_like_the_native_macro() {
    let result: &str = oracle_probes::compare_printed_tag! {
        /// Outer doc
        #[allow(clippy::useless_conversion)]
        fn f() -> a::B { a::b() }
    };
    assert!(result.starts_with("same: /// Outer doc"), "{result}");
    assert!(result.contains("const _ : & str") && result.ends_with("\"x\";"), "{result}");
}

#[test]
fn groups_a_macro_kept_whole_print_like_the_native_macro() {
    let result: &str = oracle_probes::compare_printed_rename_f! {
        /// Outer doc
        #[allow(clippy::should_implement_trait)]
        fn f() -> a::B { /// inner
            struct S; a::b() }
    };
    // natively too, the top-level doc comment becomes `#[doc]` once the macro iterates its input
    assert!(result.starts_with("same: #[doc = \" Outer doc\"]"), "{result}");
    assert!(result.contains("fn g()") && result.contains("clippy::should_implement_trait") && result.contains("/// inner"), "{result}");
}

#[test]
fn rebuilt_groups_are_not_mistaken_for_the_originals() {
    let result: &str = oracle_probes::compare_printed_rebuilt! {
        /// Outer doc
        #[allow(clippy::should_implement_trait)]
        fn f() -> a::B { /// inner
            struct S; a::b() }
    };
    assert!(result.starts_with("same: #[doc = \" Outer doc\"]"), "{result}");
    assert!(result.contains("clippy :: should_implement_trait"), "{result}");
}

// A doc comment that a macro_rules! matched as `tt` reaches the macro as `#[doc = r".."]` and must stay that
// attribute: the bridge turned it back into a doc comment, which prints `///` (openssl-macros differed so).
macro_rules! to_string_through_macro_rules {
    ($($t:tt)*) => { oracle_probes::compare_to_string! { $($t)* } };
}

#[test]
fn doc_comments_desugared_by_macro_rules_stay_attributes() {
    let result: &str = to_string_through_macro_rules! {
        /// Creates a new hasher.
        fn f() {}
    };
    assert_eq!(result, "same: 1 tokens");
}

/// The request cuts each token's source text from its enclosing group's instead of asking the
/// compiler per token: it must be exactly what the compiler answers, across lines, non-ASCII
/// text, tabs, doc comments, multi-line literals, and tokens a macro_rules! definition mixes in
/// from elsewhere in the file (their group's text does not contain them).
#[test]
fn source_texts_cut_from_groups_are_the_compilers() {
    let result: &str = oracle_probes::compare_source_texts! {
        #[derive(Clone)] struct Ünïcode<'a, T: ?Sized> where T: Clone {
	        /// doc comment: é ü ß
            field: &'a str, // a comment between tokens
            r#type: [u8; 3], emoji: char = '😀', x: f32 = 1.5e3f32,
            s: "multi
line ü string",
            raw: r#"raw "quoted" text"#, bytes: b"\x00\xff",
        }
        fn f() -> i32 { let (a, b) = (1, 2); a + b /* ünïcode comment */ * { 3 } }
    };
    assert!(result.starts_with("same: "), "{result}");
    let texts: usize = result["same: ".len()..].trim_end_matches(" texts").parse().unwrap();
    assert!(texts > 80, "{result}");

    macro_rules! mixed {
        ($e:expr, $($t:tt)*) => {
            oracle_probes::compare_source_texts! { outer { $($t)* [from the definition] ($e) } after }
        };
    }
    let result: &str = mixed!(1 + é_ident, caller (tokens [nested]) é);
    assert!(result.starts_with("same: "), "{result}");
}

// The shim builds plain strings and decimal integers without the compiler's lexer (`Literal::string`,
// `Literal::u64_suffixed`, ...): each must be the token the lexer makes of the same text, and every other
// literal must still go through the lexer.
#[test]
fn literals_rebuilt_by_the_shim_are_the_lexers_tokens() {
    let result: &str = oracle_probes::compare_printed_rebuilt! {
        ( "plain" "it's" "a \"quote\"" "tab\t" "é" "" r"raw" b"bytes" 'c' b'c' c"c"
          0 7 007 0x1F 0b1 0o7 1u8 255u8 256u8 12usize 42i64 7i32 3u16 9u32 5u64 1_000 1.5 1e3 2f32 8i128
          18446744073709551615 18446744073709551616 )
    };
    assert!(result.starts_with("same: "), "{result}");
    assert!(result.contains("\"it's\"") && result.contains("007") && result.contains("256u8"), "{result}");
}

// A negative number a macro makes is one literal; rustc splits it into a `-` with hidden spacing and
// prints `-1`. The module sends it back as the literal `-1`, not as a `-` rebuilt alone (`- 1`), while
// a `-` the macro placed itself stays a token of its own.
#[test]
fn negative_literals_print_like_the_native_macro() {
    let tokens: &str = oracle_probes::compare_negative_literals!();
    assert!(tokens.starts_with("same: "), "{tokens}");
    let printed: &str = oracle_probes::compare_printed_negative_literals!();
    assert!(printed.starts_with("same: ") && printed.contains("-1") && printed.contains("- 3"), "{printed}");
}

// Output at the call site (most of what `quote!` makes): spacing (`::`, `'a`, `..=`, `=>`, a `Joint`
// punct before a group, an identifier or the end, a lone `'`), raw identifiers, every kind of literal and
// doc comments come back as natively, tokens and printed text.
#[test]
fn call_site_output_is_the_native_macros() {
    let tokens: &str = oracle_probes::compare_at_call_site! {
        #!x /// doc "quoted"
        a::b::<'a, T> &'a x => y ..= z # !w / / c / * d -> r#type r#r $ ( 1 ) [2u8]
        { "s" "é" "a\"b" "line
two" 1_000 007 0x1F 1.5 1e3 'c' b"b" r"raw" 5usize 3i128 9u7 } &&'b '_ 'static x .. ; ::std
    };
    assert!(tokens.starts_with("same: "), "{tokens}");
    let printed: &str = oracle_probes::compare_printed_at_call_site! {
        #!x /// doc "quoted"
        a::b::<'a, T> &'a x => y ..= z # !w / / c / * d -> r#type r#r $ ( 1 ) [2u8]
        { "s" "é" "a\"b" 1_000 007 0x1F 1.5 1e3 'c' b"b" r"raw" 5usize 3i128 } &&'b '_ 'static x .. ; ::std
    };
    assert!(printed.starts_with("same: ") && printed.contains("a :: b ::< 'a, T >") && printed.contains("//* !"), "{printed}");
}
