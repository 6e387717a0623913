//! Sandcrate shim client: runs this crate's macros in the sandboxed runtime.
//!
//! Copied verbatim into every generated shim (see `sandbox-runtime/shim-template/README.md`). Only stable
//! `proc_macro` API and std. The token conversion is `proc_macro_wire.rs` and the codec `wire.rs` (both
//! copied verbatim from `precompile/rust/wire/src`, the code the wasm side and the Rust tests use); this
//! file finds or starts the runtime, frames requests to it and sends it the artifact the enabled features
//! selected (`lib.rs`). Every failure becomes a
//! `compile_error!` at the macro call, never a panic of the compiler.

use crate::proc_macro_wire as pmw;
use crate::wire;
#[allow(unused_imports)] // in the prelude since edition 2021; shims keep the original crate's edition
use std::convert::TryFrom;
use proc_macro::{Span, TokenStream};
use std::fs::{DirBuilder, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One precompiled artifact of this crate, chosen by the enabled feature set.
pub struct Artifact {
    pub crate_name: &'static str,
    pub version: &'static str,
    /// Lower-case hex sha256 of `wasm`.
    pub sha256: &'static str,
    pub wasm: &'static [u8],
}

const OP_EXPAND: u8 = 1;
const OP_LOAD: u8 = 2;
const STATUS_OK: u8 = 0;
const STATUS_NEED_MODULE: u8 = 1;
const STATUS_ERROR: u8 = 2;
const SOCKET_NAME: &str = "runtime-v1.sock";
/// Longer than any expansion the runtime allows (its own limit stops runaway macros first).
const READ_TIMEOUT: Duration = Duration::from_secs(300);
const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(60);
/// How often one macro call may ask for more files: a directory comes with what lies under it, so a macro that walks
/// a tree asks a few times at most.
const MAX_INPUT_ROUNDS: usize = 16;

/// Runs one macro. `attr` is the attribute's arguments for attribute macros.
pub fn expand(artifact: &Artifact, kind: wire::MacroKind, name: &str, attr: Option<TokenStream>, input: TokenStream) -> TokenStream {
    let what = match kind {
        wire::MacroKind::Derive => format!("derive `{name}`"),
        wire::MacroKind::Attr => format!("attribute `{name}`"),
        wire::MacroKind::Bang => format!("macro `{name}!`"),
    };
    let (mut request, kept) = pmw::request(kind, name, attr, input, pmw::SourceText::Tokens);
    give_asked_before(&mut request);
    let mut answer = call_runtime(artifact, &request.encode())
        .and_then(|bytes| wire::Response::decode(&bytes).map_err(|e| format!("the runtime's answer is unreadable: {e}")));
    // a macro that reads files (or the working directory) runs again with the ones it asked for (docs/wire-format.md)
    for _round in 0..MAX_INPUT_ROUNDS {
        let (wants_current_dir, paths) = match &answer {
            Ok(wire::Response { outcome: wire::Outcome::NeedsInputs { current_dir, paths }, .. }) => (*current_dir, paths.clone()),
            _ => break,
        };
        answer = std::env::current_dir()
            .map_err(|e| format!("cannot find the compiler's working directory: {e}"))
            .and_then(|dir| pmw::give_inputs(&mut request, &dir, wants_current_dir, &paths))
            .map(|()| remember_asked(wants_current_dir, paths))
            .and_then(|()| call_runtime(artifact, &request.encode()))
            .and_then(|bytes| wire::Response::decode(&bytes).map_err(|e| format!("the runtime's answer is unreadable: {e}")));
    }
    match answer {
        Ok(response) => pmw::response_tokens(&response, &request, &kept),
        Err(message) => pmw::compile_error(
            &format!("{message}\n(sandcrate: {what} of {} {}, sandboxed)", artifact.crate_name, artifact.version),
            Span::call_site(),
        ),
    }
}

/// What the macros of this compiler process asked for so far (the working directory, paths): later calls get them
/// with the first request. A macro that reads the crate's Cargo.toml on every call (every proc-macro-crate user) then
/// asks once per compiler process instead of running twice on every call.
static ASKED: Mutex<(bool, Vec<String>)> = Mutex::new((false, Vec::new()));

fn give_asked_before(request: &mut wire::Request) {
    let asked = ASKED.lock().unwrap_or_else(|e| e.into_inner());
    if !asked.0 && asked.1.is_empty() {
        return;
    }
    let given = std::env::current_dir().map_err(|e| e.to_string()).and_then(|dir| pmw::give_inputs(request, &dir, asked.0, &asked.1));
    if given.is_err() {
        request.inputs = None; // the macro asks for what it reads, as on a first call
    }
}

fn remember_asked(current_dir: bool, paths: Vec<String>) {
    let mut asked = ASKED.lock().unwrap_or_else(|e| e.into_inner());
    asked.0 |= current_dir;
    for path in paths {
        if !asked.1.contains(&path) {
            asked.1.push(path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Talking to the runtime
// ---------------------------------------------------------------------------------------------

/// One connection per compiler process, kept for its lifetime: the runtime's session for this process
/// (and so the macro's statics) lives as long as the compiler does.
static CONNECTION: Mutex<Option<Connection>> = Mutex::new(None);

/// Why the runtime could not be started, once that happened: every later macro call of this compiler process fails
/// at once with the same message instead of trying (and waiting) again.
static START_FAILURE: Mutex<Option<String>> = Mutex::new(None);

enum Connection {
    Socket(UnixStream),
    /// `SANDCRATE_RUNTIME_MODE=stdio`: a private runtime process per compiler process, no daemon.
    Stdio { _child: Child, stdin: ChildStdin, stdout: ChildStdout },
}

impl Connection {
    fn call(&mut self, op: u8, parts: &[&[u8]]) -> std::io::Result<(u8, Vec<u8>)> {
        let length: usize = 1 + parts.iter().map(|p| p.len()).sum::<usize>();
        let length = u32::try_from(length).map_err(|_| std::io::Error::other("request too large"))?;
        let mut header = length.to_le_bytes().to_vec();
        header.push(op);
        match self {
            Connection::Socket(stream) => {
                write_frame(stream, &header, parts)?;
                read_frame(stream)
            }
            Connection::Stdio { stdin, stdout, .. } => {
                write_frame(stdin, &header, parts)?;
                read_frame(stdout)
            }
        }
    }
}

/// One write per frame: separate small writes wake the runtime for a partial frame (measured: ~0.5 ms per macro call).
// generic, not `dyn Write`/`dyn Read`: a trait object instantiates every default method of the trait (read_to_end, ...)
// for each stream type, code every consumer compiles for nothing
fn write_frame<W: Write>(writer: &mut W, header: &[u8], parts: &[&[u8]]) -> std::io::Result<()> {
    let mut frame = Vec::with_capacity(header.len() + parts.iter().map(|p| p.len()).sum::<usize>());
    frame.extend_from_slice(header);
    for part in parts {
        frame.extend_from_slice(part);
    }
    writer.write_all(&frame)?;
    writer.flush()
}

fn read_frame<R: Read>(reader: &mut R) -> std::io::Result<(u8, Vec<u8>)> {
    let mut header = [0u8; 5];
    reader.read_exact(&mut header)?;
    let length = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    if length == 0 {
        return Err(std::io::Error::other("empty frame from the runtime"));
    }
    let mut payload = vec![0u8; length - 1];
    reader.read_exact(&mut payload)?;
    Ok((header[4], payload))
}

fn call_runtime(artifact: &Artifact, request: &[u8]) -> Result<Vec<u8>, String> {
    let sha = hex_to_bytes(artifact.sha256)?;
    let pid = std::process::id().to_le_bytes();
    let mut guard = CONNECTION.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut last_error = String::new();
    // a second attempt covers a daemon that exited (idle) between two macro calls
    for _attempt in 0..2 {
        if guard.is_none() {
            *guard = Some(connect_unless_failed_before()?);
        }
        let connection = guard.as_mut().expect("connected above");
        let answer = match connection.call(OP_EXPAND, &[&pid, &sha, request]) {
            Ok((STATUS_NEED_MODULE, _)) => match connection.call(OP_LOAD, &[artifact.wasm]) {
                Ok((STATUS_OK, _)) => connection.call(OP_EXPAND, &[&pid, &sha, request]),
                other => other,
            },
            other => other,
        };
        match answer {
            Ok((STATUS_OK, payload)) => return Ok(payload),
            Ok((STATUS_ERROR, payload)) => {
                let message = String::from_utf8_lossy(payload.get(1..).unwrap_or_default()).into_owned();
                return Err(message);
            }
            Ok((status, _)) => return Err(format!("the runtime answered with unknown status {status}")),
            Err(e) => {
                last_error = e.to_string();
                *guard = None;
            }
        }
    }
    Err(format!("lost the connection to the Sandcrate runtime: {last_error}"))
}

fn hex_to_bytes(hex: &str) -> Result<Vec<u8>, String> {
    (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .filter(|bytes| bytes.len() == 32)
        .ok_or_else(|| format!("corrupt shim: bad artifact sha256 {hex}"))
}

fn connect_unless_failed_before() -> Result<Connection, String> {
    let mut failure = START_FAILURE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(message) = failure.as_ref() {
        return Err(message.clone());
    }
    connect().inspect_err(|message| *failure = Some(message.clone()))
}

fn connect() -> Result<Connection, String> {
    if std::env::var("SANDCRATE_RUNTIME_MODE").as_deref() == Ok("stdio") {
        return start_stdio();
    }
    let dir = runtime_dir()?;
    let socket = dir.join(SOCKET_NAME);
    if dir.exists() {
        check_private(&dir)?;
        if let Ok(stream) = UnixStream::connect(&socket) {
            return socket_connection(stream);
        }
    }
    start_daemon(&dir, &socket)
}

fn socket_connection(stream: UnixStream) -> Result<Connection, String> {
    stream.set_read_timeout(Some(READ_TIMEOUT)).map_err(|e| e.to_string())?;
    Ok(Connection::Socket(stream))
}

/// Same rule as the runtime (`RuntimePaths`): `$SANDCRATE_RUNTIME_DIR`, `$XDG_RUNTIME_DIR/sandcrate`,
/// `$HOME/.cache/sandcrate/run`.
fn runtime_dir() -> Result<PathBuf, String> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("SANDCRATE_RUNTIME_DIR") {
        return Ok(dir);
    }
    if let Some(xdg) = var("XDG_RUNTIME_DIR") {
        return Ok(xdg.join("sandcrate"));
    }
    match var("HOME") {
        Some(home) => Ok(home.join(".cache").join("sandcrate").join("run")),
        None => Err("neither SANDCRATE_RUNTIME_DIR, XDG_RUNTIME_DIR nor HOME is set: cannot find the Sandcrate runtime socket".into()),
    }
}

/// The socket directory must be ours and closed to everybody else, or another user could answer our compiler.
fn check_private(dir: &Path) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("{} is not a directory; it is where the Sandcrate runtime socket lives", dir.display()));
    }
    if let Ok(me) = std::fs::metadata("/proc/self") {
        if meta.uid() != me.uid() {
            return Err(format!("{} belongs to another user; refusing to talk to a runtime there", dir.display()));
        }
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(format!("{} is accessible to other users (mode {:o}); run `chmod 700 {}`", dir.display(), meta.permissions().mode() & 0o777, dir.display()));
    }
    Ok(())
}

/// `$SANDCRATE_RUNTIME`, else `~/.sandcrate/runtime/bin/sandcrate-runtime`, else `sandcrate-runtime` on PATH.
fn runtime_launcher() -> PathBuf {
    if let Some(explicit) = std::env::var_os("SANDCRATE_RUNTIME").filter(|v| !v.is_empty()) {
        return PathBuf::from(explicit);
    }
    if let Some(home) = std::env::var_os("HOME") {
        let installed = PathBuf::from(home).join(".sandcrate/runtime/bin/sandcrate-runtime");
        if installed.is_file() {
            return installed;
        }
    }
    PathBuf::from("sandcrate-runtime")
}

fn not_installed(launcher: &Path, e: std::io::Error) -> String {
    format!(
        "cannot start the Sandcrate runtime `{}`: {e}. Install it once with the command your registry shows \
         under /runtime (or set SANDCRATE_RUNTIME to its launcher); to build this macro from source instead, \
         remove the Sandcrate precompiled index or [patch] for this crate",
        launcher.display()
    )
}

fn start_daemon(dir: &Path, socket: &Path) -> Result<Connection, String> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    check_private(dir)?;
    let log_path = dir.join("daemon.log");
    let log = OpenOptions::new().create(true).append(true).open(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let launcher = runtime_launcher();
    let mut child = Command::new(&launcher)
        .arg("daemon")
        .arg("--dir")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        // its own process group: Ctrl-C on cargo must not kill the daemon other builds share
        .process_group(0)
        .spawn()
        .map_err(|e| not_installed(&launcher, e))?;
    let timeout = std::env::var("SANDCRATE_RUNTIME_START_TIMEOUT_S")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_START_TIMEOUT);
    let deadline = Instant::now() + timeout;
    let mut exited = None;
    loop {
        if let Ok(stream) = UnixStream::connect(socket) {
            return socket_connection(stream);
        }
        if exited.is_none() {
            // exiting with success is fine: another compiler's daemon won the race, and its socket appears soon
            exited = child.try_wait().ok().flatten();
            if let Some(status) = exited.filter(|s| !s.success()) {
                return Err(format!("the Sandcrate runtime failed to start ({status}); see {}", log_path.display()));
            }
        }
        if Instant::now() > deadline {
            let status = exited.map(|s| format!(" (the runtime exited: {s})")).unwrap_or_default();
            return Err(format!(
                "the Sandcrate runtime did not open {} within {} s{status}; see {}",
                socket.display(),
                timeout.as_secs(),
                log_path.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(5)); // a connect attempt costs microseconds; the daemon is up in ~300 ms
    }
}

fn start_stdio() -> Result<Connection, String> {
    let launcher = runtime_launcher();
    let mut child = Command::new(&launcher)
        .arg("--stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| not_installed(&launcher, e))?;
    let stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    Ok(Connection::Stdio { _child: child, stdin, stdout })
}
