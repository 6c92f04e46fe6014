//! A small LSP client that drives the real `kro-lsp` binary over stdio: Content-Length framed
//! JSON-RPC, requests with ids, and a queue of the notifications the server sends.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long to wait for an answer before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    notifications: VecDeque<Value>,
    next_id: i64,
    /// The `capabilities` the server answered `initialize` with.
    pub capabilities: Value,
}

impl Client {
    /// Starts the server and completes the `initialize` handshake.
    pub fn start() -> Client {
        Self::start_with(json!({}))
    }

    /// Starts the server with `initializationOptions`.
    pub fn start_with(options: Value) -> Client {
        Self::start_with_env(options, &[])
    }

    /// Starts the server with `initializationOptions` and extra environment variables.
    pub fn start_with_env(options: Value, env: &[(&str, &std::ffi::OsStr)]) -> Client {
        let binary = option_env!("CARGO_BIN_EXE_kro-lsp")
            .map(str::to_owned)
            .or_else(|| std::env::var("KRO_LSP_BIN").ok())
            .expect("the kro-lsp binary");
        let stderr = if std::env::var_os("KRO_LSP_TEST_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        let mut child = Command::new(binary)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("kro-lsp starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            stdin: child.stdin.take(),
            child,
            incoming,
            notifications: VecDeque::new(),
            next_id: 0,
            capabilities: Value::Null,
        };
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": null,
                // As VS Code: the server may ask to refresh inlay hints.
                "capabilities": {"workspace": {"inlayHint": {"refreshSupport": true}}},
                "initializationOptions": options,
            }),
        );
        assert_eq!(result["serverInfo"]["name"], "kro-lsp");
        client.capabilities = result["capabilities"].clone();
        client.notify("initialized", json!({}));
        client
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its result; panics on an error response.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        match self.call(method, params) {
            Ok(result) => result,
            Err(error) => panic!("{method} failed: {error}"),
        }
    }

    /// Sends a request and returns its result or its error object.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.receive(deadline, method);
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return match message.get("error") {
                    Some(error) => Err(error.clone()),
                    None => Ok(message["result"].clone()),
                };
            }
            self.stash(message);
        }
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    /// Sends one incremental change replacing `range` by `text`.
    pub fn change(&mut self, uri: &str, version: i32, range: Value, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": range, "text": text}],
            }),
        );
    }

    /// The next `publishDiagnostics` for `uri`: its parameters.
    pub fn diagnostics(&mut self, uri: &str) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(i) = self
                .notifications
                .iter()
                .position(|n| is_diagnostics_for(n, uri))
            {
                return self.notifications.remove(i).unwrap()["params"].clone();
            }
            let message = self.receive(deadline, "publishDiagnostics");
            self.stash(message);
        }
    }

    /// The first `publishDiagnostics` for `uri` whose diagnostics satisfy `accept`, skipping
    /// the ones before it; panics if none comes in time.
    pub fn diagnostics_until(&mut self, uri: &str, accept: impl Fn(&[Value]) -> bool) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let published = self.diagnostics(uri);
            if accept(published["diagnostics"].as_array().unwrap()) {
                return published;
            }
            assert!(
                Instant::now() < deadline,
                "no fitting diagnostics in time; last: {published}"
            );
        }
    }

    /// The parameters of the first notification `method` whose parameters satisfy `accept`
    /// (kept ones first, then new ones); panics if none comes in time.
    pub fn notification(&mut self, method: &str, accept: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(i) = self
                .notifications
                .iter()
                .position(|n| n["method"] == method && accept(&n["params"]))
            {
                return self.notifications.remove(i).unwrap()["params"].clone();
            }
            let message = self.receive(deadline, method);
            self.stash(message);
        }
    }

    /// The `publishDiagnostics` for `uri` at `version`, skipping those of older versions.
    pub fn diagnostics_of_version(&mut self, uri: &str, version: i32) -> Value {
        loop {
            let published = self.diagnostics(uri);
            if published["version"] == version {
                return published;
            }
            let older = published["version"]
                .as_i64()
                .is_some_and(|v| v < version as i64);
            assert!(older, "diagnostics of an unexpected version: {published}");
        }
    }

    /// Sends `exit` without `shutdown`; the server's exit status.
    pub fn exit_abruptly(mut self) -> ExitStatus {
        self.notify("exit", Value::Null);
        self.wait()
    }

    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for kro-lsp") {
                return status;
            }
            assert!(Instant::now() < deadline, "kro-lsp did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Every notification received so far, consumed.
    pub fn drain_notifications(&mut self, wait: Duration) -> Vec<Value> {
        let deadline = Instant::now() + wait;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.incoming.recv_timeout(left) {
                Ok(message) => self.stash(message),
                Err(_) => break,
            }
        }
        self.notifications.drain(..).collect()
    }

    /// `shutdown`, then `exit`; the server's exit status.
    pub fn shutdown(mut self) -> ExitStatus {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        // stdin stays open, as many editors leave it: the server must exit on its own.
        self.wait()
    }

    /// Writes raw bytes to the server (for malformed input).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write to kro-lsp");
        stdin.flush().expect("flush");
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).unwrap();
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend(body);
        self.send_raw(&frame);
    }

    fn receive(&mut self, deadline: Instant, waiting_for: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(left) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("no answer to {waiting_for} in time"),
            Err(RecvTimeoutError::Disconnected) => panic!("kro-lsp closed stdout"),
        }
    }

    /// Keeps a message for later; a request from the server is answered at once (so it never
    /// waits on us) and kept too.
    fn stash(&mut self, message: Value) {
        if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
            let reply = json!({"jsonrpc": "2.0", "id": id, "result": null});
            self.send(reply);
        }
        self.notifications.push_back(message);
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_diagnostics_for(message: &Value, uri: &str) -> bool {
    message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// The LSP position (line, UTF-16 column) of the `nth` occurrence of `needle` in `text`.
pub fn position(text: &str, needle: &str, nth: usize) -> Value {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no occurrence {nth} of {needle:?}"))
        .0;
    position_of(text, offset)
}

/// The LSP position of byte `offset`.
pub fn position_of(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before[line_start..].encode_utf16().count();
    json!({"line": line, "character": character})
}

/// The LSP range covering the `nth` occurrence of `needle`.
pub fn range(text: &str, needle: &str, nth: usize) -> Value {
    let offset = text.match_indices(needle).nth(nth).expect("needle").0;
    json!({"start": position_of(text, offset), "end": position_of(text, offset + needle.len())})
}
