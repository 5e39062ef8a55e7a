//! `europa_debug*`: debugging sessions. A session is one execution's line record kept on
//! the node with a position on it; moving is choosing another step, forwards or
//! backwards (docs/rpc.md, "Debugging sessions").

use std::collections::BTreeMap;

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    line_record::LineRecordRequest,
    params::{Account, Hash, HashSchema},
};

/// What a session opens on: an execution as `europa_lineRecord` names it, or, with
/// `contract`, the next extrinsic or dry-run call that runs that contract.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DebugTarget {
    /// Wait for the next extrinsic or dry-run call that runs this contract (in any
    /// frame).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<Account>,
    /// How long to wait for it, in seconds (default 120, at most 280).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// The execution, without `contract` (only `maxSteps` with it).
    #[serde(flatten)]
    pub execution: LineRecordRequest,
}

/// A session started.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Launched {
    /// The session's id, for the other `europa_debug*` methods.
    pub session: u64,
    /// How many steps the execution has.
    pub steps: u32,
    /// The executor that decides (the chain's).
    pub executor: String,
    /// The executor whose run the steps are (wasmtime: on a wasmi chain, the lens).
    pub steps_executor: String,
    /// What the decisive run charged for the outermost frame (`ref_time`); the steps'
    /// `refTime` are as `stepsExecutor` counts.
    pub ref_time: Option<u64>,
    /// Why the execution failed, when it did.
    pub explanation: Option<String>,
    /// The text of the Rust files the record names that are on the node's machine.
    pub sources: BTreeMap<String, Vec<String>>,
}

/// How to move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Move {
    /// The next step, into calls.
    In,
    /// The next step in this function or a caller.
    Over,
    /// The next step in a caller.
    Out,
    /// Back to the previous step in this function or a caller (reverse of `over`).
    Back,
    /// Forwards to a breakpoint, a trap, or the end.
    Continue,
    /// Backwards to a breakpoint, or the first step.
    ReverseContinue,
    /// To the first step.
    Restart,
    /// To step N (the last, if there are fewer): a timeline scrubbed.
    Goto(u32),
}

/// How a frame can end that a user may want to stop at, as DAP's exception filters
/// name them.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum Exception {
    /// It trapped (a panic, `unreachable`, an invalid operation).
    Trap,
    /// It returned with the revert flag.
    Revert,
    /// It ran out of gas.
    OutOfGas,
    /// It hit the storage deposit limit.
    StorageDepositLimit,
}

/// Why a session stopped where it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Stop {
    /// At the first step, on launch or restart.
    Entry,
    /// After a step.
    Step,
    /// At a line breakpoint.
    Breakpoint,
    /// Entering a function a function breakpoint names.
    FunctionBreakpoint,
    /// The last step of a frame that ended as a selected exception filter says (by
    /// default, a trap).
    Exception,
    /// Past the last step: the execution is over.
    End,
}

/// A breakpoint as set: the line asked for, and where it went.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Breakpoint {
    /// The line asked for.
    pub requested: u32,
    /// The nearest line at or after it with code, in `file`; `None`: unverified.
    pub line: Option<u32>,
    /// The source file as the code's DWARF names it.
    pub file: Option<String>,
}

/// One entry of the stack at a step, innermost first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StackEntry {
    /// The function, demangled.
    pub name: String,
    /// Its source file.
    pub file: Option<String>,
    /// The line.
    pub line: Option<u32>,
    /// The column.
    pub column: Option<u32>,
    /// The contract frame (index into the record's frames).
    pub frame: u32,
    /// Which WASM function of the contract frame it is in: 0 for the innermost.
    pub wasm_frame: u32,
    /// Which of that function's source frames: 0 for the innermost inlined one.
    pub inline_depth: u32,
    /// Where the contract frame's state is read: its step, and for a calling frame,
    /// the host call (index into the record's) it is in. The node's own; not sent.
    #[serde(skip)]
    #[schemars(skip)]
    pub place: (usize, Option<usize>),
}

/// What there is to see at a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepState {
    /// The step, from 0.
    pub step: u32,
    /// How many steps the execution has.
    pub steps: u32,
    /// Why the session stopped here.
    pub stop: Stop,
    /// The stack, innermost first.
    pub stack: Vec<StackEntry>,
    /// The contract frame running (index into the record's frames).
    pub frame: u32,
    /// `contract::message(args)`.
    pub call: String,
    /// The contract: its name with metadata, else its address.
    pub contract: String,
    /// Who called the frame (SS58).
    pub caller: String,
    /// The value it was sent, in the smallest unit, as text.
    pub value: String,
    /// Its `ref_time` limit.
    pub gas_limit: u64,
    /// The hash of the code it runs.
    #[schemars(with = "HashSchema")]
    pub code_hash: Hash,
    /// How the frame ended, in words.
    pub outcome: String,
    /// `ref_time` the frame's code had burnt, as the steps' executor counts it.
    pub ref_time: u64,
    /// Host calls this frame made before this step.
    pub host_calls: Vec<HostCallSoFar>,
}

/// A host call a frame made before the current step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HostCallSoFar {
    /// `module.name`.
    pub func: String,
    /// Its arguments: name and value.
    pub args: Vec<(String, String)>,
    /// Its return code's name.
    pub code: Option<String>,
    /// What the host wrote back (0x-hex).
    pub output: Option<String>,
    /// Why it stopped the contract, if it did.
    pub error: Option<String>,
}

/// One storage access of a frame, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StorageAccess {
    /// The host function (`seal1.get_storage`, …).
    pub func: String,
    /// The key (0x-hex).
    pub key: String,
    /// What the key held before (0x-hex), as far as the frame shows: what a read or
    /// take found, else what an earlier access of the frame read or wrote; `None` when
    /// unknown or empty.
    pub before: Option<String>,
    /// What it holds after: what was written, `None` once cleared or taken.
    pub after: Option<String>,
    /// `before` decoded with the contract's storage layout (its metadata).
    pub decoded_before: Option<String>,
    /// `after` decoded likewise.
    pub decoded_after: Option<String>,
}

/// The variables of one stack entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrameVariables {
    /// The source function they belong to, as DWARF names it.
    pub function: Option<String>,
    /// Its parameters and locals in scope.
    pub variables: Vec<Variable>,
    /// The size of the contract's linear memory there.
    pub memory_bytes: u64,
}

/// A variable and what it holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// The type as DWARF names it.
    #[serde(rename = "type")]
    pub type_name: String,
    /// A number, `true`, `'c'`, `0x…` for a pointer, `{…}` or `[…]` for an aggregate,
    /// `<optimized out>` where DWARF has no location here, `<unavailable>` where the
    /// location cannot be read.
    pub value: String,
    /// Where it is in the linear memory, when it is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<u64>,
    /// Members, elements, a pointee.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Variable>,
}

/// Bytes of a contract's memory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoryRead {
    /// Where the bytes start.
    pub address: u64,
    /// The bytes (0x-hex).
    pub data: String,
    /// How many of the bytes asked for are past the memory's end.
    pub unreadable: u32,
}

/// Debugging sessions.
#[cfg_attr(not(feature = "client"), rpc(server, namespace = "europa"))]
#[cfg_attr(feature = "client", rpc(server, client, namespace = "europa"))]
pub trait DebugApi {
    /// Starts a session on one execution, named as `europa_lineRecord` takes it, or on
    /// the next extrinsic or dry-run call that runs `contract`, at the first step.
    #[method(name = "debugLaunch")]
    async fn launch(&self, target: DebugTarget) -> RpcResult<Launched>;

    /// Sets the breakpoints of one source file (a client's path, matched to the file
    /// DWARF names with the longest common ending).
    #[method(name = "debugSetBreakpoints")]
    fn set_breakpoints(
        &self,
        session: u64,
        path: String,
        lines: Vec<u32>,
    ) -> RpcResult<Vec<Breakpoint>>;

    /// Stops on entering functions whose names contain one of `names` (replacing the
    /// earlier ones). Returns, for each, whether the execution has such a function.
    #[method(name = "debugSetFunctionBreakpoints")]
    fn set_function_breakpoints(&self, session: u64, names: Vec<String>) -> RpcResult<Vec<bool>>;

    /// Which ways a frame can end `continue` stops at (by default, a trap). Returns
    /// them.
    #[method(name = "debugSetExceptionFilters")]
    fn set_exception_filters(
        &self,
        session: u64,
        filters: Vec<Exception>,
    ) -> RpcResult<Vec<Exception>>;

    /// Moves, and returns the state there with why it stopped.
    #[method(name = "debugStep")]
    fn step(&self, session: u64, how: Move) -> RpcResult<StepState>;

    /// The state at the current step.
    #[method(name = "debugState")]
    fn state(&self, session: u64) -> RpcResult<StepState>;

    /// The parameters and locals of stack entry `frame` (an index into the state's
    /// `stack`; default 0, the innermost) at the current step, read from its DWARF.
    /// The execution runs again to the step for them (docs/design.md).
    #[method(name = "debugVariables")]
    async fn variables(&self, session: u64, frame: Option<u32>) -> RpcResult<FrameVariables>;

    /// A variable of stack entry `frame` by path (`to`, `self.total_supply`, `kept.0`,
    /// `bytes[3]`), or `mem[ADDRESS; LENGTH]`: the contract memory there (0x-hex).
    #[method(name = "debugEvaluate")]
    async fn evaluate(
        &self,
        session: u64,
        expression: String,
        frame: Option<u32>,
    ) -> RpcResult<Variable>;

    /// `count` bytes (at most 64 KiB) of the contract's linear memory from `address`,
    /// as stack entry `frame`'s contract has it at the current step.
    #[method(name = "debugReadMemory")]
    async fn read_memory(
        &self,
        session: u64,
        address: u64,
        count: u32,
        frame: Option<u32>,
    ) -> RpcResult<MemoryRead>;

    /// The storage the current frame read and wrote up to the current step, in order,
    /// decoded with the contract's storage layout when its metadata is registered.
    #[method(name = "debugStorage")]
    async fn storage(&self, session: u64) -> RpcResult<Vec<StorageAccess>>;

    /// Ends a session. Returns whether there was one.
    #[method(name = "debugClose")]
    fn close(&self, session: u64) -> RpcResult<bool>;
}
