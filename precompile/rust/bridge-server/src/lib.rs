//! Sandcrate's in-wasm proc_macro bridge server.
//!
//! A precompiled macro module links the macro crate (as an rlib), the real libproc_macro client
//! and this crate. A request in the wire format (`docs/wire-format.md`) names a macro; `expand`
//! runs it through `proc_macro::bridge::client::ProcMacro` with the same-thread strategy against
//! [`server::SandcrateServer`], and encodes the output, the diagnostics and any panic.
//! [`export_macros!`] generates the module's `sandcrate_*` exports (see `docs/architecture.md`).
#![feature(proc_macro_internals, proc_macro_diagnostic, panic_can_unwind, allow_internal_unstable)]
#![allow(internal_features)]

pub extern crate proc_macro;
pub use sandcrate_wire as wire;

pub mod alloc;
pub mod inputs;
mod lexer;
mod printer;
pub mod server;
mod spans;
mod tokens;
#[allow(clippy::all)]
mod unicode_tables;

use proc_macro::bridge::client::ProcMacro;
use proc_macro::bridge::server::SAME_THREAD;
use server::{Expansion, SandcrateServer, EXPANSION};
use std::cell::RefCell;

#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: alloc::SizeClassAlloc = alloc::SizeClassAlloc::new();

/// Value of the `sandcrate_abi_version` export.
pub const ABI_VERSION: i32 = 1;

/// Runs one wire request against `macros` and returns the encoded response. Never panics on bad
/// input: undecodable requests and unknown macros give a `failed` response.
pub fn expand(macros: &[ProcMacro], request: &[u8]) -> Vec<u8> {
    install_panic_hook();
    let request = match wire::Request::decode(request) {
        Ok(r) => r,
        Err(e) => return failed(0, e.to_string()),
    };
    let first_span_id = request.spans.len() as u32;
    let Some(proc_macro) = find(macros, request.kind, &request.name) else {
        return failed(first_span_id, unknown_macro_message(macros, request.kind, &request.name));
    };
    EXPANSION.with(|e| *e.borrow_mut() = Some(Expansion::new(&request)));
    LAST_PANIC.with(|p| p.borrow_mut().take());
    set_environment(&request.env);
    inputs::begin(request.inputs.as_ref());

    let outcome = run(proc_macro, &request);
    let expansion = EXPANSION.with(|e| e.borrow_mut().take()).expect("expansion state");
    if let Some(needs) = inputs::needed() {
        // what the macro made without the files it asked for does not count: it runs again with them
        return wire::Response { first_span_id: expansion.spans.first_new(), spans: vec![], diagnostics: vec![], outcome: needs }.encode();
    }
    let outcome = match outcome {
        Ok(Ok(stream)) => wire::Outcome::Expanded(server::to_wire(&stream)),
        Ok(Err(panic)) => {
            let recorded = LAST_PANIC.with(|p| p.borrow_mut().take());
            let message = panic.as_str().map(str::to_string).or_else(|| recorded.as_ref().map(|r| r.0.clone()));
            wire::Outcome::Panicked {
                message: message.unwrap_or_else(|| "proc macro panicked".to_string()),
                location: recorded.and_then(|r| r.1),
            }
        }
        Err(message) => wire::Outcome::Failed(message),
    };
    wire::Response {
        first_span_id: expansion.spans.first_new(),
        spans: expansion.spans.new_spans().to_vec(),
        diagnostics: expansion.diagnostics,
        outcome,
    }
    .encode()
}

/// Makes the request's variables the whole environment `std::env` sees during this expansion. Sandcrate's std
/// for wasm32-unknown-unknown keeps the environment in memory (see `WasmStd`); natively (the Rust tests run this
/// server on the host) the process environment is left alone.
#[allow(unused_unsafe)] // set_var and remove_var are unsafe only from edition 2024
fn set_environment(env: &[(String, String)]) {
    #[cfg(target_family = "wasm")]
    {
        let old: Vec<std::ffi::OsString> = std::env::vars_os().map(|(name, _)| name).collect();
        for name in old {
            unsafe { std::env::remove_var(name) };
        }
        for (name, value) in env {
            if !name.is_empty() && !name.contains(['=', '\0']) && !value.contains('\0') {
                unsafe { std::env::set_var(name, value) };
            }
        }
    }
    #[cfg(not(target_family = "wasm"))]
    let _ = env;
}

type PanicResult = Result<tokens::TokenStream, proc_macro::bridge::PanicMessage>;

fn run(proc_macro: &ProcMacro, request: &wire::Request) -> Result<PanicResult, String> {
    let input = |input: &wire::Input, what: &str| -> Result<tokens::TokenStream, String> {
        match input {
            wire::Input::Tokens(stream) => EXPANSION
                .with(|e| server::from_wire(stream, &e.borrow().as_ref().unwrap().spans))
                .map_err(|err| format!("invalid {what} tokens: {err}")),
            wire::Input::Source { file, text } => {
                server::lex_source(file, text).map_err(|err| format!("cannot lex {what} source text of {file}: {err}"))
            }
        }
    };
    let item = input(&request.input, "input")?;
    Ok(match proc_macro {
        ProcMacro::CustomDerive { client, .. } | ProcMacro::Bang { client, .. } => client.run(&SAME_THREAD, SandcrateServer, item, true),
        ProcMacro::Attr { client, .. } => {
            let attr = match &request.attr {
                Some(a) => input(a, "attribute")?,
                None => return Err("attribute macro request without attribute input".into()),
            };
            client.run(&SAME_THREAD, SandcrateServer, attr, item, true)
        }
    })
}

fn kind_of(m: &ProcMacro) -> wire::MacroKind {
    match m {
        ProcMacro::CustomDerive { .. } => wire::MacroKind::Derive,
        ProcMacro::Attr { .. } => wire::MacroKind::Attr,
        ProcMacro::Bang { .. } => wire::MacroKind::Bang,
    }
}

fn find<'a>(macros: &'a [ProcMacro], kind: wire::MacroKind, name: &str) -> Option<&'a ProcMacro> {
    macros.iter().find(|m| kind_of(m) == kind && m.name() == name)
}

fn kind_name(kind: wire::MacroKind) -> &'static str {
    match kind {
        wire::MacroKind::Derive => "derive",
        wire::MacroKind::Attr => "attribute",
        wire::MacroKind::Bang => "function-like",
    }
}

fn unknown_macro_message(macros: &[ProcMacro], kind: wire::MacroKind, name: &str) -> String {
    let mut names: Vec<String> = macros.iter().map(|m| format!("{} `{}`", kind_name(kind_of(m)), m.name())).collect();
    names.sort();
    format!("this module has no {} macro named `{name}` (it has: {})", kind_name(kind), names.join(", "))
}

fn failed(first_span_id: u32, message: String) -> Vec<u8> {
    wire::Response { first_span_id, spans: vec![], diagnostics: vec![], outcome: wire::Outcome::Failed(message) }.encode()
}

// ---------------------------------------------------------------------------------------------
// Panics
// ---------------------------------------------------------------------------------------------

type RecordedPanic = (String, Option<wire::PanicLocation>);

thread_local! {
    static LAST_PANIC: RefCell<Option<RecordedPanic>> = const { RefCell::new(None) };
    /// The encoded panic response for `sandcrate_last_panic` (wasm: written just before the trap).
    static PANIC_RESPONSE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Installs (once) the hook that records a panic's message and location during an expansion
/// (other panics go to the previous hook). The proc_macro client
/// wraps it and, because we run clients with `force_show_panics`, always calls it. With
/// `panic = "abort"` (wasm) it also encodes the panic response `sandcrate_last_panic` returns.
fn install_panic_hook() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let outside_expansions = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let expanding = EXPANSION.try_with(|e| e.try_borrow().map(|e| e.is_some()).unwrap_or(true)).unwrap_or(false);
            if !expanding {
                return outside_expansions(info);
            }
            let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
                s.to_string()
            } else if let Some(s) = info.payload().downcast_ref::<String>() {
                s.clone()
            } else {
                "proc macro panicked".to_string()
            };
            let location = info.location().map(|l| wire::PanicLocation { file: l.file().to_string(), line: l.line(), column: l.column() });
            if !info.can_unwind() || cfg!(panic = "abort") {
                record_panic_response(&message, location.clone());
            }
            let _ = LAST_PANIC.try_with(|p| p.try_borrow_mut().map(|mut p| *p = Some((message, location))));
        }));
    });
}

fn record_panic_response(message: &str, location: Option<wire::PanicLocation>) {
    // The expansion state may be borrowed if the server itself panicked; then report no spans.
    let (first_span_id, spans, diagnostics) = EXPANSION
        .try_with(|e| match e.try_borrow() {
            Ok(e) => match e.as_ref() {
                Some(e) => (e.spans.first_new(), e.spans.new_spans().to_vec(), e.diagnostics.clone()),
                None => (0, vec![], vec![]),
            },
            Err(_) => (0, vec![], vec![]),
        })
        .unwrap_or((0, vec![], vec![]));
    // Diagnostics may name spans we could not list; keep them only when the table is complete.
    let diagnostics = if spans.is_empty() && first_span_id == 0 { vec![] } else { diagnostics };
    let bytes = match inputs::needed() {
        // a macro that panics because a file it asked for was not given yet (most do) runs again with it
        Some(needs) => wire::Response { first_span_id, spans: vec![], diagnostics: vec![], outcome: needs },
        None => wire::Response { first_span_id, spans, diagnostics, outcome: wire::Outcome::Panicked { message: message.to_string(), location } },
    }
    .encode();
    let _ = PANIC_RESPONSE.try_with(|r| r.try_borrow_mut().map(|mut r| *r = bytes));
}

// ---------------------------------------------------------------------------------------------
// The wasm ABI (docs/architecture.md), used through `export_macros!`
// ---------------------------------------------------------------------------------------------

#[doc(hidden)]
pub mod abi {
    use std::cell::RefCell;

    thread_local! {
        static REQUEST: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        static RESPONSE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }

    fn pack(bytes: &[u8]) -> i64 {
        ((bytes.as_ptr() as usize as i64) << 32) | bytes.len() as i64
    }

    /// `sandcrate_alloc`: a buffer of `len` bytes for the next request.
    pub fn alloc(len: i32) -> i32 {
        REQUEST.with(|r| {
            let mut r = r.borrow_mut();
            *r = vec![0; len.max(0) as usize];
            r.as_mut_ptr() as usize as i32
        })
    }

    /// `sandcrate_expand`: `ptr`/`len` must be the buffer `alloc` returned.
    pub fn expand(macros: &[super::ProcMacro], ptr: i32, len: i32) -> i64 {
        let request = REQUEST.with(|r| {
            let r = r.borrow();
            if ptr as usize as *const u8 == r.as_ptr() && len as usize <= r.len() {
                Ok(r[..len as usize].to_vec())
            } else {
                Err(())
            }
        });
        let response = match request {
            Ok(request) => super::expand(macros, &request),
            Err(()) => super::failed(0, "sandcrate_expand: pass the buffer sandcrate_alloc returned".into()),
        };
        RESPONSE.with(|r| {
            *r.borrow_mut() = response;
            pack(&r.borrow())
        })
    }

    /// `sandcrate_last_panic`: the panic response recorded before the last trap, or 0.
    pub fn last_panic() -> i64 {
        super::PANIC_RESPONSE.with(|r| {
            let r = r.borrow();
            if r.is_empty() {
                0
            } else {
                pack(&r)
            }
        })
    }
}

/// Generates the module's exports for a list of macros:
///
/// ```ignore
/// sandcrate_bridge_server::export_macros! {
///     derive "Serialize" [serde] => serde_derive::derive_serialize,
///     attr "async_trait" => async_trait::async_trait,
///     bang "paste" => paste::paste,
/// }
/// ```
///
/// `derive` takes the trait name and its helper attributes; each path names the macro crate's
/// (attribute-blanked) fn. Defines `SANDCRATE_MACROS` and the `sandcrate_*` `extern "C"` fns.
/// The calling crate needs no nightly features.
#[macro_export]
#[allow_internal_unstable(proc_macro_internals)]
macro_rules! export_macros {
    ($($kind:ident $name:literal $([$($helper:ident),* $(,)?])? => $path:path),* $(,)?) => {
        pub static SANDCRATE_MACROS: &[$crate::proc_macro::bridge::client::ProcMacro] = &[
            $($crate::export_macros!(@one $kind $name [$($($helper),*)?] $path)),*
        ];

        #[no_mangle]
        pub extern "C" fn sandcrate_abi_version() -> i32 {
            $crate::ABI_VERSION
        }

        #[no_mangle]
        pub extern "C" fn sandcrate_alloc(len: i32) -> i32 {
            $crate::abi::alloc(len)
        }

        #[no_mangle]
        pub extern "C" fn sandcrate_expand(ptr: i32, len: i32) -> i64 {
            $crate::abi::expand(SANDCRATE_MACROS, ptr, len)
        }

        #[no_mangle]
        pub extern "C" fn sandcrate_last_panic() -> i64 {
            $crate::abi::last_panic()
        }
    };
    (@one derive $name:literal [$($helper:ident),*] $path:path) => {
        $crate::proc_macro::bridge::client::ProcMacro::custom_derive($name, &[$(stringify!($helper)),*], $path)
    };
    (@one attr $name:literal [] $path:path) => {
        $crate::proc_macro::bridge::client::ProcMacro::attr($name, $path)
    };
    (@one bang $name:literal [] $path:path) => {
        $crate::proc_macro::bridge::client::ProcMacro::bang($name, $path)
    };
}
