//! Starts a node — the `europa` binary as a process, or in this process with
//! `europa_node::spawn` where the binary itself is not what a test is about — and talks
//! JSON-RPC to it over plain HTTP.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, ChildStderr, Command, ExitStatus, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use serde_json::{json, Value};

const STARTUP: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(20);
/// Longer than any answer may take: a dry run at a block's weight in a debug build.
const RESPONSE: Duration = Duration::from_secs(120);

pub(crate) struct Node {
    runs: Runs,
    rpc: String,
    /// Where the node said its database is.
    pub database: Option<String>,
    /// What it logged before serving RPC.
    pub startup_log: Vec<String>,
    /// Stderr keeps being read (into this channel) after startup, so the node never
    /// blocks on a full pipe; dropping it closes the pipe (see `close_pipes`).
    log_lines: Option<mpsc::Receiver<String>>,
}

/// How a test's node runs.
enum Runs {
    /// As the `europa` binary.
    Process(Child),
    /// In the test's own process (it stops when dropped).
    InProcess { _node: Box<europa_node::NodeHandle> },
}

impl Node {
    /// A throwaway dev chain in this process, as [`Node::start_dev`] starts one as a
    /// process; it has no log and no process to signal.
    pub(crate) fn spawn_dev(extra: &[&str]) -> Node {
        let config = europa_node::NodeConfig::dev().args(extra.iter().copied());
        let handle = europa_node::spawn(config).expect("the node starts in this process");
        Node {
            rpc: handle.rpc_addr().to_string(),
            runs: Runs::InProcess {
                _node: Box::new(handle),
            },
            database: None,
            startup_log: Vec::new(),
            log_lines: None,
        }
    }

    /// The node's process, for what only a process has (signals, memory, pipes).
    fn child(&mut self) -> &mut Child {
        match &mut self.runs {
            Runs::Process(child) => child,
            Runs::InProcess { .. } => panic!("this test needs the node as a process (start_dev)"),
        }
    }

    fn pid(&self) -> u32 {
        match &self.runs {
            Runs::Process(child) => child.id(),
            Runs::InProcess { .. } => panic!("this test needs the node as a process (start_dev)"),
        }
    }

    /// A throwaway dev chain on free ports.
    pub(crate) fn start_dev(extra: &[&str]) -> Node {
        let mut args = vec![
            "--dev",
            "--tmp",
            "--port=0",
            "--rpc-port=0",
            "--no-prometheus",
        ];
        args.extend_from_slice(extra);
        Node::start(&args)
    }

    pub(crate) fn start(args: &[&str]) -> Node {
        Node::start_with_env(args, &[])
    }

    /// Starts the node with extra environment variables (e.g. another `HOME`).
    pub(crate) fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_europa"))
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the europa binary starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let startup = read_until_rpc_line(stderr, &mut child);
        Node {
            runs: Runs::Process(child),
            rpc: startup.rpc,
            database: startup.database,
            startup_log: startup.seen,
            log_lines: Some(startup.lines),
        }
    }

    /// Drops stdout and stderr, as ink! e2e does once it has the RPC address.
    pub(crate) fn close_pipes(&mut self) {
        self.child().stdout.take();
        self.log_lines.take();
    }

    /// Starts measuring the node's peak resident memory afresh; returns what it holds
    /// now, in KiB.
    pub(crate) fn reset_peak_rss(&self) -> u64 {
        // `5` resets the peak (VmHWM) to the current resident set (Linux ≥ 4.0).
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5")
            .expect("the node's clear_refs is writable by its parent's user");
        self.memory_kib("VmRSS")
    }

    /// The node's peak resident memory since it started or since `reset_peak_rss`, in KiB.
    pub(crate) fn peak_rss_kib(&self) -> u64 {
        self.memory_kib("VmHWM")
    }

    fn memory_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("the node's /proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} in /proc status"))
    }

    pub(crate) fn is_running(&mut self) -> bool {
        match &mut self.runs {
            Runs::Process(child) => matches!(child.try_wait(), Ok(None)),
            Runs::InProcess { .. } => true,
        }
    }

    /// A client of this node's RPC server, for use from other threads.
    pub(crate) fn rpc(&self) -> Rpc {
        Rpc(self.rpc.clone())
    }

    /// Calls `method`; `Ok(result)` or `Err(error object)`.
    pub(crate) fn call(&self, method: &str, params: Value) -> Result<Value, Value> {
        self.rpc().call(method, params)
    }

    /// POSTs `body` as is and returns the response body.
    pub(crate) fn raw_post(&self, body: &str) -> String {
        self.rpc().raw_post(body)
    }

    /// Reads the node's log until a line contains `needle`; returns the lines read.
    pub(crate) fn wait_for_log(&self, needle: &str) -> Vec<String> {
        let lines = self.log_lines.as_ref().expect("the log pipe is open");
        let deadline = Instant::now() + WAIT;
        let mut read = Vec::new();
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(remaining) {
                Ok(line) => {
                    let found = line.contains(needle);
                    read.push(line);
                    if found {
                        return read;
                    }
                }
                Err(_) => panic!(
                    "the log never said {needle:?}; it said:\n{}",
                    read.join("\n")
                ),
            }
        }
    }

    pub(crate) fn wait_for(&self, mut condition: impl FnMut() -> bool, what: &str) {
        let deadline = Instant::now() + WAIT;
        while !condition() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn signal_and_wait(mut self, signal: &str) -> ExitStatus {
        self.send(signal);
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child().try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the node did not stop on {signal}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGINT and goes on: the log says what the node does as it stops.
    pub(crate) fn interrupt(&self) {
        self.send("-INT");
    }

    pub(crate) fn stop_gracefully(self) {
        let status = self.signal_and_wait("-INT");
        assert!(status.success(), "{status:?}");
    }

    pub(crate) fn kill_9(mut self) {
        self.send("-KILL");
        let _ = self.child().wait();
    }

    fn send(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(signal)
            .arg(self.pid().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
    }
}

/// JSON-RPC over plain HTTP to one address.
#[derive(Clone)]
pub(crate) struct Rpc(String);

impl Rpc {
    /// A client of the HTTP server at `address` (`host:port`).
    pub(crate) fn at(address: &str) -> Rpc {
        Rpc(address.to_owned())
    }

    /// Calls `method`; `Ok(result)` or `Err(error object)`.
    pub(crate) fn call(&self, method: &str, params: Value) -> Result<Value, Value> {
        let request =
            json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
        let body = self.raw_post(&request);
        let response: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{method}: bad JSON {body:?}: {e}"));
        match response.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(response["result"].clone()),
        }
    }

    /// POSTs `body` as is and returns the response body.
    pub(crate) fn raw_post(&self, body: &str) -> String {
        let head = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.0,
            body.len()
        );
        let response = self.exchange(&head, body);
        response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default()
    }

    /// Sends an HTTP request made of `head` (request line and headers, each ending in
    /// CRLF) and `body` on a new connection; returns the whole response, or what went
    /// wrong if the server answered and closed before reading all of the request.
    pub(crate) fn exchange(&self, head: &str, body: &str) -> String {
        let mut stream = TcpStream::connect(&self.0).expect("RPC port accepts connections");
        stream.set_read_timeout(Some(RESPONSE)).unwrap();
        let sent = write!(stream, "{head}Connection: close\r\n\r\n{body}");
        let mut response = String::new();
        let received = stream.read_to_string(&mut response);
        match (sent, received) {
            (_, Ok(_)) if !response.is_empty() => response,
            (Err(error), _) | (Ok(()), Err(error)) => format!("connection closed: {error}"),
            (Ok(()), Ok(_)) => panic!("no response to {head}"),
        }
    }

    /// The `host:port` this client talks to.
    pub(crate) fn address(&self) -> &str {
        &self.0
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Runs::Process(child) = &mut self.runs {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

struct Startup {
    lines: mpsc::Receiver<String>,
    rpc: String,
    database: Option<String>,
    seen: Vec<String>,
}

/// Reads stderr until sc-rpc's `Running JSON-RPC server: addr=IP:PORT,...` line; returns
/// its first address, the database path logged before it, and a channel that keeps
/// draining the rest.
fn read_until_rpc_line(stderr: ChildStderr, child: &mut Child) -> Startup {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                // Nobody listens any more (`close_pipes`): close our end of the pipe.
                break;
            }
        }
    });
    let deadline = Instant::now() + STARTUP;
    let mut seen = Vec::new();
    let mut database = None;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(remaining) {
            Ok(line) => {
                if let Some(rest) = line.split("Running JSON-RPC server: addr=").nth(1) {
                    let rpc = rest.split(',').next().unwrap_or_default().trim().to_owned();
                    return Startup {
                        lines: receiver,
                        rpc,
                        database,
                        seen,
                    };
                }
                if let Some(path) = line.split("Database: ParityDb at ").nth(1) {
                    database = Some(path.trim().to_owned());
                }
                seen.push(line);
            }
            Err(_) => {
                let _ = child.kill();
                panic!("no RPC line from the node; it said:\n{}", seen.join("\n"));
            }
        }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::from("0x");
    for byte in bytes {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

pub(crate) fn unhex(text: &str) -> Vec<u8> {
    let digits = text.trim_start_matches("0x");
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Europa's typed client (europa-rpc-api) on a node, for tests that read answers as a
/// Rust user does: each call blocks on a runtime of its own.
pub(crate) struct Api {
    runtime: tokio::runtime::Runtime,
    client: jsonrpsee::http_client::HttpClient,
}

impl Api {
    /// Runs one call of the client, e.g. `api.run(|c| c.trace_call(request, None))`.
    pub(crate) fn run<'a, F, T>(
        &'a self,
        call: impl FnOnce(&'a jsonrpsee::http_client::HttpClient) -> F,
    ) -> Result<T, jsonrpsee::core::ClientError>
    where
        F: std::future::Future<Output = Result<T, jsonrpsee::core::ClientError>> + 'a,
    {
        self.runtime.block_on(call(&self.client))
    }
}

impl Node {
    /// The typed client, on the node's RPC address.
    pub(crate) fn api(&self) -> Api {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let client = {
            let _entered = runtime.enter();
            jsonrpsee::http_client::HttpClientBuilder::default()
                .request_timeout(RESPONSE)
                .max_response_size(u32::MAX)
                .build(format!("http://{}", self.rpc))
                .expect("an HTTP client")
        };
        Api { runtime, client }
    }
}
