//! `europa debug`: a Debug Adapter Protocol server on stdin/stdout, as editors launch
//! adapters (VS Code, nvim-dap, Helix, Emacs dap-mode), one session per process. It is a
//! client of a running node: a `launch` names the node (`url`) and the execution, the
//! node keeps the session (`europa_debug*`, `rpc::debug`), and every request here is
//! one RPC call there. Stepping back costs what stepping forward does: the execution is
//! recorded whole.

mod node_client;
mod protocol;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use node_client::NodeClient;
use protocol::{Connection, Incoming};

/// The node a launch without `url` debugs against.
pub const DEFAULT_URL: &str = "ws://127.0.0.1:9944";
/// The one thread the adapter reports: the execution.
const THREAD: u64 = 1;
/// `variablesReference`s of the scopes.
const CONTRACT_SCOPE: u64 = 1;
const HOST_CALLS_SCOPE: u64 = 2;
const STORAGE_SCOPE: u64 = 3;
const EVENTS_SCOPE: u64 = 4;
/// `variablesReference`s from here on name the adapter's handles: a stack frame's
/// locals, or a variable's members, until the next stop.
const FIRST_HANDLE: u64 = 1_000;

/// What a `variablesReference` from [`FIRST_HANDLE`] on stands for.
enum Handle {
    /// The locals of stack entry N (from 0).
    Locals(u32),
    /// The members (elements, pointee) of a variable, as the node gave them.
    Children(Vec<Value>),
}

/// Serves one debugging session on stdin/stdout until the client disconnects or the
/// input ends.
pub fn serve() -> std::io::Result<()> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut connection = Connection::new(stdin.lock(), stdout.lock());
    let mut adapter = Adapter::default();
    while let Some(message) = connection.read()? {
        let Incoming::Request {
            seq,
            command,
            arguments,
        } = message
        else {
            continue;
        };
        let answer = adapter.handle(&command, arguments);
        match answer {
            Ok(Reply { body, then }) => {
                connection.respond(seq, &command, Ok(body))?;
                for (event, body) in then {
                    connection.event(&event, body)?;
                }
            }
            Err(message) => connection.respond(seq, &command, Err(message))?,
        }
        if adapter.done {
            break;
        }
    }
    if let (Some(node), Some(session)) = (&adapter.node, adapter.session) {
        let _ = node.call("europa_debugClose", json!([session]));
    }
    Ok(())
}

/// The frame's host calls so far whose function `wanted`, numbered as all of them are.
fn host_calls<'a>(
    state: &'a Value,
    wanted: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = (usize, &'a Value)> + 'a {
    state["hostCalls"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(move |(_, call)| wanted(call["func"].as_str().unwrap_or_default()))
}

/// `name: value, …` → code => output, or ✗ why it stopped the contract.
fn call_text(call: &Value) -> String {
    let args: Vec<String> = call["args"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|pair| {
            format!(
                "{}: {}",
                pair[0].as_str().unwrap_or("?"),
                pair[1].as_str().unwrap_or("?")
            )
        })
        .collect();
    let mut text = format!("({})", args.join(", "));
    if let Some(code) = call["code"].as_str() {
        text.push_str(&format!(" → {code}"));
    }
    if let Some(output) = call["output"].as_str() {
        text.push_str(&format!(" => {output}"));
    }
    if let Some(error) = call["error"].as_str() {
        text.push_str(&format!(" ✗ {error}"));
    }
    text
}

/// A response's body, and the events that follow it.
struct Reply {
    body: Value,
    then: Vec<(String, Value)>,
}

impl Reply {
    fn with(body: Value) -> Self {
        Reply {
            body,
            then: Vec::new(),
        }
    }
}

#[derive(Default)]
struct Adapter {
    node: Option<NodeClient>,
    session: Option<u64>,
    stop_on_entry: bool,
    /// Breakpoints set before the session existed, by client path.
    pending: BTreeMap<String, Vec<u32>>,
    /// Function breakpoints and exception filters set before the session existed.
    pending_settings: BTreeMap<&'static str, Value>,
    /// The client's path of each source file DWARF names, learnt from breakpoints.
    client_paths: BTreeMap<String, String>,
    /// The state at the current step, as the node last said it.
    state: Value,
    /// What the node said of the session it launched (executors, the decisive gas).
    launched: Value,
    /// What each `variablesReference` from [`FIRST_HANDLE`] on is, until the next stop.
    handles: Vec<Handle>,
    done: bool,
}

/// What a `launch` takes: the node, the execution (as `europa_lineRecord`, or the next
/// one of `contract` the chain runs, waited for `timeoutSecs`), whether to stop at the
/// first step.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LaunchArguments {
    url: Option<String>,
    call: Option<Value>,
    instantiate: Option<Value>,
    extrinsic: Option<Value>,
    contract: Option<Value>,
    timeout_secs: Option<u64>,
    #[serde(default)]
    stop_on_entry: bool,
    max_steps: Option<u32>,
}

impl Adapter {
    fn handle(&mut self, command: &str, arguments: Value) -> Result<Reply, String> {
        match command {
            "initialize" => Ok(Reply::with(json!({
                "supportsConfigurationDoneRequest": true,
                "supportsStepBack": true,
                "supportsRestartRequest": true,
                "supportsFunctionBreakpoints": true,
                "supportsReadMemoryRequest": true,
                "supportsEvaluateForHovers": true,
                "exceptionBreakpointFilters": [
                    { "filter": "trap", "label": "Trap", "default": true,
                      "description": "a panic, `unreachable` or an invalid operation" },
                    { "filter": "revert", "label": "Revert", "default": false },
                    { "filter": "outOfGas", "label": "Out of gas", "default": false },
                    { "filter": "storageDepositLimit", "label": "Storage deposit limit", "default": false },
                ],
            }))),
            "launch" => self.launch(arguments),
            "setBreakpoints" => self.set_breakpoints(arguments).map(Reply::with),
            "setFunctionBreakpoints" => {
                let names: Vec<Value> = arguments["breakpoints"]
                    .as_array()
                    .map(|b| b.iter().map(|b| b["name"].clone()).collect())
                    .unwrap_or_default();
                self.session_setting("europa_debugSetFunctionBreakpoints", json!(names))
                    .map(|found| {
                        let breakpoints: Vec<Value> = found
                            .as_array()
                            .map(Vec::as_slice)
                            .unwrap_or_default()
                            .iter()
                            .map(|verified| json!({ "verified": verified.as_bool().unwrap_or(false) }))
                            .collect();
                        Reply::with(json!({ "breakpoints": breakpoints }))
                    })
            }
            "setExceptionBreakpoints" => {
                let filters = arguments["filters"].clone();
                self.session_setting("europa_debugSetExceptionFilters", filters)
                    .map(|_| Reply::with(Value::Null))
            }
            "configurationDone" => {
                let how = if self.stop_on_entry {
                    "restart"
                } else {
                    "continue"
                };
                self.go(Value::Null, how)
            }
            "threads" => Ok(Reply::with(
                json!({ "threads": [{ "id": THREAD, "name": "contract execution" }] }),
            )),
            "stackTrace" => Ok(Reply::with(self.stack_trace())),
            "scopes" => Ok(Reply::with(json!({ "scopes": [
                { "name": "Locals", "variablesReference": self.locals_handle(&arguments),
                  "expensive": true, "presentationHint": "locals" },
                { "name": "Contract", "variablesReference": CONTRACT_SCOPE, "expensive": false },
                { "name": "Host calls", "variablesReference": HOST_CALLS_SCOPE, "expensive": false },
                { "name": "Storage", "variablesReference": STORAGE_SCOPE, "expensive": false },
                { "name": "Events", "variablesReference": EVENTS_SCOPE, "expensive": false },
            ] }))),
            "variables" => self.variables(&arguments).map(Reply::with),
            "evaluate" => self.evaluate(&arguments).map(Reply::with),
            "readMemory" => self.read_memory(&arguments).map(Reply::with),
            "next" => self.go(Value::Null, "over"),
            "stepIn" => self.go(Value::Null, "in"),
            "stepOut" => self.go(Value::Null, "out"),
            "stepBack" => self.go(Value::Null, "back"),
            "continue" => self.go(json!({ "allThreadsContinued": true }), "continue"),
            "reverseContinue" => self.go(Value::Null, "reverseContinue"),
            "restart" => self.go(Value::Null, "restart"),
            // Nothing runs between requests: there is nothing to pause.
            "pause" => Ok(Reply::with(Value::Null)),
            "disconnect" | "terminate" => {
                self.done = true;
                Ok(Reply::with(Value::Null))
            }
            other => Err(format!("europa debug does not support `{other}` yet")),
        }
    }

    fn launch(&mut self, arguments: Value) -> Result<Reply, String> {
        let launch: LaunchArguments = serde_json::from_value(arguments)
            .map_err(|e| format!("bad launch configuration: {e}"))?;
        let mut target = json!({});
        let named = [
            ("call", launch.call),
            ("instantiate", launch.instantiate),
            ("extrinsic", launch.extrinsic),
            ("contract", launch.contract),
            ("timeoutSecs", launch.timeout_secs.map(Value::from)),
        ];
        for (key, value) in named {
            if let Some(value) = value {
                target[key] = value;
            }
        }
        if let Some(steps) = launch.max_steps {
            target["maxSteps"] = json!(steps);
        }
        let url = launch.url.as_deref().unwrap_or(DEFAULT_URL);
        let node = NodeClient::new(url)?;
        let launched = node.call("europa_debugLaunch", json!([target]))?;
        let session = launched["session"]
            .as_u64()
            .ok_or("the node started no session")?;
        self.node = Some(node);
        self.session = Some(session);
        self.launched = launched;
        self.stop_on_entry = launch.stop_on_entry;
        for (path, lines) in std::mem::take(&mut self.pending) {
            self.node_breakpoints(&path, &lines)?;
        }
        for (method, value) in std::mem::take(&mut self.pending_settings) {
            self.session_setting(method, value)?;
        }
        Ok(Reply {
            body: Value::Null,
            then: vec![("initialized".into(), Value::Null)],
        })
    }

    fn node(&self) -> Result<(&NodeClient, u64), String> {
        match (&self.node, self.session) {
            (Some(node), Some(session)) => Ok((node, session)),
            _ => Err("no execution is being debugged: launch one first".into()),
        }
    }

    fn set_breakpoints(&mut self, arguments: Value) -> Result<Value, String> {
        let path = arguments["source"]["path"]
            .as_str()
            .ok_or("setBreakpoints needs source.path")?
            .to_owned();
        let lines: Vec<u32> = match arguments["breakpoints"].as_array() {
            Some(breakpoints) => breakpoints
                .iter()
                .filter_map(|b| b["line"].as_u64())
                .map(|line| line as u32)
                .collect(),
            None => arguments["lines"]
                .as_array()
                .map(|lines| {
                    lines
                        .iter()
                        .filter_map(Value::as_u64)
                        .map(|l| l as u32)
                        .collect()
                })
                .unwrap_or_default(),
        };
        if self.session.is_none() {
            let unverified: Vec<Value> = lines
                .iter()
                .map(|line| json!({ "verified": false, "line": line }))
                .collect();
            self.pending.insert(path, lines);
            return Ok(json!({ "breakpoints": unverified }));
        }
        let set = self.node_breakpoints(&path, &lines)?;
        let breakpoints: Vec<Value> = set
            .iter()
            .map(|b| match b["line"].as_u64() {
                Some(line) => json!({ "verified": true, "line": line, "source": { "path": path } }),
                None => json!({
                    "verified": false,
                    "line": b["requested"],
                    "message": "no code at or after this line in the code this execution ran",
                }),
            })
            .collect();
        Ok(json!({ "breakpoints": breakpoints }))
    }

    /// Sends a session setting (`method(session, value)`), or keeps it for the session
    /// a launch will start; the node's answer, or `null` while kept.
    fn session_setting(&mut self, method: &'static str, value: Value) -> Result<Value, String> {
        match (&self.node, self.session) {
            (Some(node), Some(session)) => node.call(method, json!([session, value])),
            _ => {
                self.pending_settings.insert(method, value);
                Ok(Value::Null)
            }
        }
    }

    /// Sets `lines` of `path` on the node; remembers which DWARF file `path` is.
    fn node_breakpoints(&mut self, path: &str, lines: &[u32]) -> Result<Vec<Value>, String> {
        let (node, session) = self.node()?;
        let set = node.call("europa_debugSetBreakpoints", json!([session, path, lines]))?;
        let set = set.as_array().cloned().unwrap_or_default();
        if let Some(file) = set.iter().find_map(|b| b["file"].as_str()) {
            self.client_paths.insert(file.to_owned(), path.to_owned());
        }
        Ok(set)
    }

    /// Moves on the node, answering with `body`, then says where it stopped (or that
    /// the execution is over).
    fn go(&mut self, body: Value, how: &str) -> Result<Reply, String> {
        let (node, session) = self.node()?;
        let state = node.call("europa_debugStep", json!([session, how]))?;
        let stop = state["stop"].as_str().unwrap_or("step").to_owned();
        self.state = state;
        self.handles.clear();
        let event = match stop.as_str() {
            "end" => ("terminated".to_owned(), Value::Null),
            stop => {
                let reason = match stop {
                    "functionBreakpoint" => "function breakpoint",
                    other => other,
                };
                let description = (reason == "exception")
                    .then(|| self.state["outcome"].as_str().map(str::to_owned))
                    .flatten();
                (
                    "stopped".to_owned(),
                    json!({
                        "reason": reason,
                        "threadId": THREAD,
                        "allThreadsStopped": true,
                        "description": description,
                        "text": description,
                    }),
                )
            }
        };
        Ok(Reply {
            body,
            then: vec![event],
        })
    }

    fn stack_trace(&self) -> Value {
        let frames: Vec<Value> = self.state["stack"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                let source = entry["file"].as_str().map(|file| {
                    let path = self.client_paths.get(file).map_or(file, String::as_str);
                    let name = path.rsplit('/').next().unwrap_or(path);
                    json!({ "name": name, "path": path })
                });
                json!({
                    "id": index + 1,
                    "name": entry["name"],
                    "source": source,
                    "line": entry["line"].as_u64().unwrap_or(0),
                    "column": entry["column"].as_u64().unwrap_or(1),
                })
            })
            .collect();
        json!({ "totalFrames": frames.len(), "stackFrames": frames })
    }

    /// A handle for the locals of the stack frame `arguments.frameId` names.
    fn locals_handle(&mut self, arguments: &Value) -> u64 {
        let frame = arguments["frameId"].as_u64().unwrap_or(1).saturating_sub(1);
        self.new_handle(Handle::Locals(frame as u32))
    }

    fn new_handle(&mut self, handle: Handle) -> u64 {
        self.handles.push(handle);
        FIRST_HANDLE + self.handles.len() as u64 - 1
    }

    /// A node's variable as DAP shows it, its members behind a handle.
    fn dap_variable(&mut self, variable: &Value, key: &str) -> Value {
        let children = variable["children"].as_array().cloned().unwrap_or_default();
        let reference = match children.is_empty() {
            true => 0,
            false => self.new_handle(Handle::Children(children)),
        };
        let memory = variable["address"].as_u64().map(|a| format!("{a:#x}"));
        json!({
            "name": variable["name"],
            key: variable["value"],
            "type": variable["type"],
            "variablesReference": reference,
            "memoryReference": memory,
        })
    }

    /// Locals and members, from the node (see [`Handle`]).
    fn handled_variables(&mut self, handle: u64) -> Result<Value, String> {
        let at = (handle - FIRST_HANDLE) as usize;
        let variables = match self.handles.get(at) {
            Some(Handle::Locals(frame)) => {
                let (node, session) = self.node()?;
                let answer = node.call("europa_debugVariables", json!([session, frame]))?;
                answer["variables"].as_array().cloned().unwrap_or_default()
            }
            Some(Handle::Children(children)) => children.clone(),
            None => {
                return Err(format!(
                    "no variables {handle}: they were of an earlier stop"
                ))
            }
        };
        let variables: Vec<Value> = variables
            .iter()
            .map(|variable| self.dap_variable(variable, "value"))
            .collect();
        Ok(json!({ "variables": variables }))
    }

    fn evaluate(&mut self, arguments: &Value) -> Result<Value, String> {
        let expression = arguments["expression"]
            .as_str()
            .ok_or("evaluate needs an expression")?;
        let frame = arguments["frameId"].as_u64().unwrap_or(1).saturating_sub(1);
        let (node, session) = self.node()?;
        let variable = node.call("europa_debugEvaluate", json!([session, expression, frame]))?;
        Ok(self.dap_variable(&variable, "result"))
    }

    fn read_memory(&self, arguments: &Value) -> Result<Value, String> {
        use base64::Engine as _;
        let reference = arguments["memoryReference"]
            .as_str()
            .ok_or("readMemory needs a memoryReference")?;
        let base = match reference.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => reference.parse(),
        }
        .map_err(|_| format!("bad memoryReference {reference:?}"))?;
        let address = base.saturating_add_signed(arguments["offset"].as_i64().unwrap_or(0));
        let count = arguments["count"]
            .as_u64()
            .unwrap_or(0)
            .min(u64::from(u32::MAX));
        let (node, session) = self.node()?;
        let read = node.call("europa_debugReadMemory", json!([session, address, count]))?;
        let hex = read["data"].as_str().unwrap_or("0x");
        let bytes = sp_core::bytes::from_hex(hex).map_err(|e| e.to_string())?;
        Ok(json!({
            "address": format!("{address:#x}"),
            "data": base64::engine::general_purpose::STANDARD.encode(bytes),
            "unreadableBytes": read["unreadable"],
        }))
    }

    fn variables(&mut self, arguments: &Value) -> Result<Value, String> {
        if let Some(handle) = arguments["variablesReference"]
            .as_u64()
            .filter(|h| *h >= FIRST_HANDLE)
        {
            return self.handled_variables(handle);
        }
        let state = &self.state;
        let text = |value: &Value| match value {
            Value::String(text) => text.clone(),
            Value::Null => "—".into(),
            other => other.to_string(),
        };
        let variable = |name: &str, value: String| json!({ "name": name, "value": value, "variablesReference": 0 });
        let variables: Vec<Value> = match arguments["variablesReference"].as_u64() {
            Some(CONTRACT_SCOPE) => vec![
                variable("call", text(&state["call"])),
                variable("contract", text(&state["contract"])),
                variable("caller", text(&state["caller"])),
                variable("value", text(&state["value"])),
                variable("ref_time limit", text(&state["gasLimit"])),
                variable("code hash", text(&state["codeHash"])),
                variable(
                    &format!(
                        "ref_time burnt so far ({} count)",
                        text(&self.launched["stepsExecutor"])
                    ),
                    text(&state["refTime"]),
                ),
                variable(
                    &format!(
                        "ref_time charged for the call ({})",
                        text(&self.launched["executor"])
                    ),
                    text(&self.launched["refTime"]),
                ),
                variable(
                    "step",
                    format!("{} of {}", text(&state["step"]), text(&state["steps"])),
                ),
                variable("outcome", text(&state["outcome"])),
            ],
            Some(HOST_CALLS_SCOPE) => host_calls(state, |_| true)
                .map(|(index, call)| {
                    variable(&format!("{index} {}", text(&call["func"])), call_text(call))
                })
                .collect(),
            // What the frame read and wrote so far, in order: each key's value before
            // and after, decoded with the contract's storage layout where it can be.
            Some(STORAGE_SCOPE) => {
                let (node, session) = self.node()?;
                let accesses = node.call("europa_debugStorage", json!([session]))?;
                let shown = |access: &Value, which: &str| {
                    let decoded = &access[format!("decoded{which}").as_str()];
                    match decoded.as_str() {
                        Some(decoded) => decoded.to_owned(),
                        None => text(&access[which.to_lowercase().as_str()]),
                    }
                };
                accesses
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                    .map(|(index, access)| {
                        let func = text(&access["func"]);
                        let what = match func.ends_with("get_storage")
                            || func.ends_with("contains_storage")
                        {
                            true => format!("read {}", shown(access, "Before")),
                            false => {
                                format!("{} → {}", shown(access, "Before"), shown(access, "After"))
                            }
                        };
                        variable(
                            &format!("{index} {}", text(&access["key"])),
                            format!("{what} ({func})"),
                        )
                    })
                    .collect()
            }
            Some(EVENTS_SCOPE) => host_calls(state, |func| func.ends_with("deposit_event"))
                .map(|(index, call)| variable(&index.to_string(), call_text(call)))
                .collect(),
            _ => Vec::new(),
        };
        Ok(json!({ "variables": variables }))
    }
}
