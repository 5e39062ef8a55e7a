//! The trace of a contract execution, as data (docs/design.md, D4): SCALE for the runtime API,
//! serde JSON (camelCase) for RPC and logs (docs/trace-format.md; with the `schema`
//! feature, its JSON Schema), and a readable tree via `Display`.
//!
//! Accounts and hashes are kept as their SCALE encoding (`Bytes`) so the model does not
//! depend on a runtime's types; balances as `u128`.
//!
//! The runtime fills what executions did. What the node reads into a trace afterwards —
//! a frame's call decoded with the contract's metadata, the explanation of a failure,
//! the re-run that located a trap — has its fields here too ([`DecodedFrame`],
//! [`Explanation`], [`Lens`]), so one type describes the JSON a client receives; they
//! are never in SCALE, and the runtime leaves them empty.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::{boxed::Box, string::String, vec::Vec};
use codec::{Decode, Encode};
use core::fmt;
use scale_info::TypeInfo;

/// Raw bytes; hex (`0x…`) in JSON and in the tree.
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct Bytes(pub Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

#[cfg(feature = "std")]
impl serde::Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "std")]
impl<'de> serde::Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let hex = text
            .strip_prefix("0x")
            .ok_or_else(|| serde::de::Error::custom("expected 0x-prefixed hex"))?;
        if hex.len() % 2 != 0 {
            return Err(serde::de::Error::custom("odd number of hex digits"));
        }
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map(Bytes)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Bytes {
    fn schema_name() -> alloc::borrow::Cow<'static, str> {
        "Bytes".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^0x([0-9a-fA-F]{2})*$",
            "description": "Bytes as 0x-prefixed hex."
        })
    }
}

/// Everything one dispatchable or dry run did with contracts.
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct ExecutionTrace {
    /// Which executor ran the contracts.
    pub executor: String,
    /// Code stored (or rejected) on the way.
    pub uploads: Vec<UploadTrace>,
    /// The outermost contract frame, if execution got that far.
    pub root: Option<FrameTrace>,
    /// Why the execution failed before or after its frames, if it did.
    pub error: Option<String>,
    /// What the trace left out to stay bounded; `None` when it is complete.
    pub truncated: Option<Truncation>,
    /// Why the execution failed, in plain words (added by the node).
    #[codec(skip)]
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub explanation: Option<String>,
    /// On an executor whose gas is not production's, what its figures are (added by the
    /// node).
    #[codec(skip)]
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub gas_model: Option<String>,
    /// The re-run on another executor that located the trace's traps in the source
    /// (added by the node, on chains whose executor keeps no source locations).
    #[codec(skip)]
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub lens: Option<Lens>,
}

/// How a trace's source locations were found by re-running it on another executor.
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct Lens {
    /// The executor of the re-run.
    pub executor: String,
    /// The re-run took the same path, and the traps' locations are its.
    pub located: bool,
    /// Why the re-run's path was not the chain's, when it was not.
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub disagrees: Option<String>,
    /// Why the re-run itself failed, when it did.
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub failed: Option<String>,
}

/// Counts of what a trace left out (see `TraceLimits` in the pallet's recorder).
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct Truncation {
    /// Host calls not recorded.
    pub host_calls: u32,
    /// Nested frames not recorded.
    pub frames: u32,
    /// Events not recorded.
    pub events: u32,
    /// Values (arguments, outputs, inputs, event data) kept only in part.
    pub values: u32,
    /// Bytes of debug text that did not fit the debug buffer.
    pub debug_bytes: u64,
}

/// Code an execution uploaded (`upload_code`, `instantiate_with_code`), whether stored,
/// already there or rejected.
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct UploadTrace {
    /// The code's hash.
    pub code_hash: Bytes,
    /// The code's length in bytes.
    pub code_len: u32,
    /// WASM features beyond 1.0 the code uses (accepted by the permissive profile;
    /// upstream pallet-contracts would reject the code).
    pub features_used: Vec<String>,
    /// Why the code was rejected, if it was.
    pub rejected: Option<String>,
}

/// How a frame was entered.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub enum EntryPoint {
    /// A call of a contract: its code's `call` export runs.
    Call,
    /// An instantiation: the new contract's `deploy` export runs.
    Deploy,
    /// A delegate call: other code's `call` export runs as the calling contract, with
    /// its storage, caller and value.
    DelegateCall,
}

/// An amount of gas: a weight's two dimensions.
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct Gas {
    /// Computation time, in picoseconds on reference hardware.
    pub ref_time: u64,
    /// Size of the storage proof, in bytes.
    pub proof_size: u64,
}

impl From<sp_weights::Weight> for Gas {
    fn from(weight: sp_weights::Weight) -> Self {
        Gas {
            ref_time: weight.ref_time(),
            proof_size: weight.proof_size(),
        }
    }
}

/// One contract execution: a call, a deployment or a delegate call.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct FrameTrace {
    /// 1 for the outermost frame.
    pub depth: u32,
    /// How the frame was entered.
    pub entry: EntryPoint,
    /// The account that called; empty for root. A delegate call has the caller of the
    /// frame that made it.
    pub caller: Bytes,
    /// The contract the frame runs as: the one called or deployed, or for a delegate
    /// call the contract that made it. Empty for an instantiation by root (refused).
    pub contract: Bytes,
    /// The hash of the code the frame runs (for a delegate call, the code delegated
    /// to); all zeros for a call of an account with no contract.
    pub code_hash: Bytes,
    /// The first four bytes of the input (an ink! selector), if there are four.
    pub selector: Option<Bytes>,
    /// The input after the selector.
    pub args: Bytes,
    /// The value transferred to the contract. A delegate call has its caller's, which
    /// is not transferred again.
    pub value: u128,
    /// The gas the frame could spend, its nested frames included.
    pub gas_limit: Gas,
    /// The gas the frame spent, its nested frames included.
    pub gas_consumed: Gas,
    /// Net deposit of this frame and its nested frames: positive is charged.
    pub storage_deposit: i128,
    /// The host functions the frame's code called, in order.
    pub host_calls: Vec<HostCall>,
    /// The events the frame deposited, in order.
    pub events: Vec<ContractEvent>,
    /// Text the frame printed with `debug_message`, as kept in the execution's debug
    /// buffer.
    pub debug_message: String,
    /// How the frame ended.
    pub outcome: Outcome,
    /// The frames this frame started (calls, instantiations, delegate calls), in order.
    pub nested: Vec<FrameTrace>,
    /// Where the frame's gas went, when profiled (wasmtime only).
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub profile: Option<GasProfile>,
    /// The frame read with its code's ink! metadata, when the node has it.
    #[codec(skip)]
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub decoded: Option<DecodedFrame>,
    /// Why the frame failed, in plain words, when it did.
    #[codec(skip)]
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub explanation: Option<Explanation>,
}

/// A frame read with its code's ink! metadata.
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct DecodedFrame {
    /// The contract's name, from its metadata.
    pub contract: String,
    /// The contract's SS58 address.
    pub address: String,
    /// The caller's SS58 address.
    pub caller: String,
    /// The caller's name, when it is a development account (`alice`).
    pub caller_name: Option<String>,
    /// The value transferred, in the chain's unit (`1.5 UNIT`).
    pub value: String,
    /// The message or constructor called, when the input decodes.
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub entry: Option<String>,
    /// Whether `entry` is a constructor or a message.
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub kind: Option<EntryKind>,
    /// The arguments' names and values, as cargo-contract renders them.
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub args: Option<Vec<(String, String)>>,
    /// The whole call as one line: `erc20::transfer(to: 5F…, value: 100)`.
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub call: Option<String>,
    /// The value returned, decoded (`Ok(..)`, `Err(..)`), as cargo-contract prints it.
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub returned: Option<String>,
}

/// What an ink! entry point is.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub enum EntryKind {
    /// A constructor (`deploy`).
    Constructor,
    /// A message (`call`).
    Message,
}

/// Why a frame failed, in plain words.
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct Explanation {
    /// One line: a panic's message, a revert's error and its documentation, what ran
    /// out.
    pub text: String,
    /// The contract's own source line that failed, when DWARF names one.
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub location: Option<SourceLine>,
}

/// A line of a contract's source, with the lines around it when the file is on the
/// node's machine.
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct SourceLine {
    /// The function the line is in, demangled.
    pub function: Option<String>,
    /// The source file.
    pub file: String,
    /// The line in `file`, when DWARF gives one.
    pub line: Option<u32>,
    /// The column in `line`, when DWARF gives one.
    pub column: Option<u32>,
    /// The line and one on each side, `[number, text]`; empty when the file is not on
    /// the node's machine.
    pub excerpt: Vec<(u32, String)>,
}

impl SourceLine {
    /// `file:line:column`, as far as known.
    pub fn position(&self) -> String {
        let mut text = self.file.clone();
        if let Some(line) = self.line {
            text += &alloc::format!(":{line}");
            if let Some(column) = self.column {
                text += &alloc::format!(":{column}");
            }
        }
        text
    }
}

/// A frame's gas profile: its call tree, root first, with the `ref_time` each node
/// spent itself (not in a child): WASM execution from the sandbox's fuel, host calls
/// from what they charged (a nested frame's gas is in the host call that ran it). What
/// is left of the frame's `gasConsumed` was charged outside its code (base costs, code
/// loading, transfers).
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct GasProfile {
    /// The call tree, root first, each node after its parent.
    pub nodes: Vec<ProfileNode>,
    /// The node of each of the frame's host calls, in order.
    pub host_calls: Vec<u32>,
    /// Nodes were not created for want of room: the deepest kept took their gas.
    pub truncated: bool,
    /// What the frame's code reached, in order, when asked for (a line record): each
    /// line or straight run of code entered.
    #[cfg_attr(feature = "std", serde(default, skip_serializing_if = "Vec::is_empty"))]
    pub steps: Vec<Step>,
    /// Steps past the cap, counted only.
    #[cfg_attr(feature = "std", serde(default, skip_serializing_if = "is_zero"))]
    pub steps_dropped: u64,
    /// For each of `host_calls`, how many steps came before it.
    #[cfg_attr(feature = "std", serde(default, skip_serializing_if = "Vec::is_empty"))]
    pub host_call_steps: Vec<u32>,
    /// The state at the point a debugger asked for, when this frame reached it (see
    /// the contracts pallet's `Capture`).
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub snapshot: Option<Snapshot>,
}

/// A frame's state at one point, for a debugger: its WASM frames' locals, the globals
/// and the linear memory. Values are their bits, zero-extended (an `i32` as `u32`): the
/// code's DWARF says how to read them.
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct Snapshot {
    /// The WASM frames on the stack, outermost first.
    pub frames: Vec<FrameSnapshot>,
    /// Each global's value by index; `None` where not captured.
    pub globals: Vec<Option<u64>>,
    /// The contents of the linear memory.
    pub memory: Bytes,
}

/// One WASM frame of a [`Snapshot`].
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct FrameSnapshot {
    /// The function's index in the code.
    pub function: u32,
    /// The code offset its locals are as of: the step's for the innermost frame, the
    /// call's for the others; `None` when its locals were not asked for.
    pub offset: Option<u32>,
    /// Its locals, parameters first; `None` where not captured.
    pub locals: Vec<Option<u64>>,
}

#[cfg(feature = "std")]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One place a frame's code reached: where a source line or a straight run of code
/// starts.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct Step {
    /// The offset in the code of the instruction reached.
    pub offset: u32,
    /// The profile node (call path of WASM functions) it was reached in.
    pub node: u32,
    /// `ref_time` the frame's code had burnt up to here, host calls included, in the
    /// fuel of the executor that ran it.
    pub ref_time: u64,
}

/// One node of a [`GasProfile`]'s call tree: a path of calls from the root, ending in a
/// WASM function or a host function.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct ProfileNode {
    /// Index of the calling node; `None` for the root (code outside any function).
    pub parent: Option<u32>,
    /// The WASM function's index, for a function.
    pub function: Option<u32>,
    /// `module.name`, for a host function.
    pub host: Option<String>,
    /// `ref_time` spent in this node itself (negative when it gave gas back).
    pub ref_time: i64,
    /// How many times this path was entered.
    pub calls: u64,
    /// `ref_time` by source line, when profiled by line: the offset in the code of the
    /// line's first instruction, and what was spent on the line.
    pub lines: Vec<(u32, i64)>,
}

/// How a frame ended.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub enum Outcome {
    /// The contract returned (`seal_return` or the end of its entry point).
    Returned {
        /// The flags it returned with (REVERT not among them).
        flags: u32,
        /// The data it returned, as far as the trace keeps it.
        data: Bytes,
    },
    /// The contract returned with the REVERT flag; its changes were rolled back.
    Reverted {
        /// The data it returned, as far as the trace keeps it.
        data: Bytes,
    },
    /// The contract terminated itself.
    Terminated {
        /// The account that received its remaining balance.
        beneficiary: Bytes,
    },
    /// Execution trapped (or a host function stopped it); changes were rolled back.
    Trapped {
        /// Why it trapped, in the executor's words (e.g. `unreachable instruction
        /// executed`).
        reason: String,
        /// The WASM frames at the trap, innermost first; empty when the executor gives
        /// none (wasmi).
        backtrace: Vec<BacktraceFrame>,
        /// Why the code's DWARF was not read (it exceeds Europa's bounds on debug
        /// info), so the backtrace has no source lines.
        #[cfg_attr(
            feature = "std",
            serde(
                rename = "debugInfoIgnored",
                default,
                skip_serializing_if = "Option::is_none"
            )
        )]
        debug_info_ignored: Option<String>,
    },
    /// The frame ended in an error of the pallet rather than its code's own ending: it
    /// did not get to run (a failed value transfer, re-entrance refused), or ran out of
    /// gas or of storage deposit.
    Failed {
        /// The error, as `Pallet::Error` (e.g. `Contracts::ReentranceDenied`).
        error: String,
    },
}

/// One frame of a trap's backtrace. A WASM frame whose code was inlined from several
/// source functions yields one per source function, innermost first.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct BacktraceFrame {
    /// The WASM function's index in the code.
    pub func_index: u32,
    /// The function's name, demangled and without the hash suffix: from DWARF when the
    /// code has it, else from the `name` section.
    pub func: Option<String>,
    /// The offset in the code of the instruction the frame was at: the trapping one,
    /// or in an outer frame the call.
    pub offset: Option<u32>,
    /// The source file, from DWARF.
    pub file: Option<String>,
    /// The line in `file`, when DWARF gives one.
    pub line: Option<u32>,
    /// The column in `line`, when DWARF gives one.
    pub column: Option<u32>,
    /// The function was inlined into the next frame's: both are one WASM frame.
    pub inlined: bool,
}

/// One host function call, in the order the contract made them.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct HostCall {
    /// `module.name`, e.g. `seal1.get_storage`.
    pub func: String,
    /// Decoded arguments, in order: name and value.
    pub args: Vec<(String, String)>,
    /// The return code, by its `ReturnErrorCode` name, for functions that return one.
    pub code: Option<String>,
    /// What the host wrote back to the contract (or a scalar result).
    pub output: Option<Bytes>,
    /// `ref_time` charged for the call, nested frames included.
    pub gas: u64,
    /// Why the call stopped the contract, if it did (a trap, running out of gas, ...).
    pub error: Option<String>,
    /// The index in the frame's `nested` of the frame this call ran, if it ran one.
    pub nested_frame: Option<u32>,
}

impl HostCall {
    /// A call of `func`, before anything about it is recorded.
    pub fn new(func: impl Into<String>) -> Self {
        HostCall {
            func: func.into(),
            args: Vec::new(),
            code: None,
            output: None,
            gas: 0,
            error: None,
            nested_frame: None,
        }
    }
}

/// An event a contract deposited.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct ContractEvent {
    /// The event's topics, in order.
    pub topics: Vec<Bytes>,
    /// The event's data, as far as the trace keeps it.
    pub data: Bytes,
    /// The event read with the contract's ink! metadata, when the node has it.
    #[codec(skip)]
    #[cfg_attr(
        feature = "std",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub decoded: Option<DecodedEvent>,
}

/// An event read with its contract's ink! metadata.
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "std", serde(rename_all = "camelCase"))]
pub struct DecodedEvent {
    /// The event's name.
    pub name: String,
    /// Its fields' names and values, as cargo-contract renders them.
    pub fields: Vec<(String, String)>,
}

/// What a trace holds, in the units of the pallet's `TraceLimits`.
pub struct Held {
    /// Host calls recorded, all frames together.
    pub host_calls: u32,
    /// Contract frames recorded, the outermost included.
    pub frames: u32,
    /// Events recorded, all frames together.
    pub events: u32,
    /// Bytes of values: inputs, arguments, outputs, return data, event data.
    pub value_bytes: u32,
}

impl ExecutionTrace {
    /// What this trace holds.
    pub fn held(&self) -> Held {
        let mut held = Held {
            host_calls: 0,
            frames: 0,
            events: 0,
            value_bytes: 0,
        };
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        for frame in self.root.iter().flat_map(FrameTrace::frames) {
            let calls = frame.host_calls.iter().map(|call| {
                let args: usize = call.args.iter().map(|(_, value)| value.len()).sum();
                args + call.output.as_ref().map_or(0, |o| o.0.len())
            });
            let events = frame.events.iter().map(|event| event.data.0.len());
            let returned = match &frame.outcome {
                Outcome::Returned { data, .. } | Outcome::Reverted { data } => data.0.len(),
                _ => 0,
            };
            let bytes =
                frame.args.0.len() + returned + calls.sum::<usize>() + events.sum::<usize>();
            held.host_calls = held
                .host_calls
                .saturating_add(count(frame.host_calls.len()));
            held.frames = held.frames.saturating_add(1);
            held.events = held.events.saturating_add(count(frame.events.len()));
            held.value_bytes = held.value_bytes.saturating_add(count(bytes));
        }
        held
    }
}

impl FrameTrace {
    /// Every frame of the tree, depth first, this one first.
    pub fn frames(&self) -> Box<dyn Iterator<Item = &FrameTrace> + '_> {
        Box::new(core::iter::once(self).chain(self.nested.iter().flat_map(|f| f.frames())))
    }
}

impl fmt::Display for ExecutionTrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for upload in &self.uploads {
            write!(f, "upload {} ({} bytes)", upload.code_hash, upload.code_len)?;
            if !upload.features_used.is_empty() {
                write!(f, ", uses {}", upload.features_used.join(", "))?;
            }
            if let Some(reason) = &upload.rejected {
                write!(f, ", REJECTED: {reason}")?;
            }
            writeln!(f)?;
        }
        if let Some(root) = &self.root {
            root.write_tree(f, 0)?;
        }
        if let Some(error) = &self.error {
            writeln!(f, "error: {error}")?;
        }
        if let Some(t) = &self.truncated {
            writeln!(
                f,
                "TRUNCATED: not recorded {} host calls, {} frames, {} events; {} values shortened; {} bytes of debug text dropped",
                t.host_calls, t.frames, t.events, t.values, t.debug_bytes
            )?;
        }
        Ok(())
    }
}

impl FrameTrace {
    fn write_tree(&self, f: &mut fmt::Formatter<'_>, indent: usize) -> fmt::Result {
        let pad = "  ".repeat(indent);
        let entry = match self.entry {
            EntryPoint::Call => "call",
            EntryPoint::Deploy => "deploy",
            EntryPoint::DelegateCall => "delegate_call",
        };
        write!(f, "{pad}{entry} {} by {}", self.contract, self.caller)?;
        if let Some(selector) = &self.selector {
            write!(f, " selector {selector}")?;
        }
        if !self.args.0.is_empty() {
            write!(f, " args {}", self.args)?;
        }
        if self.value != 0 {
            write!(f, " value {}", self.value)?;
        }
        writeln!(
            f,
            " gas {}/{} deposit {}",
            self.gas_consumed.ref_time, self.gas_limit.ref_time, self.storage_deposit
        )?;
        for call in &self.host_calls {
            write!(f, "{pad}  {}(", call.func)?;
            for (i, (name, value)) in call.args.iter().enumerate() {
                write!(f, "{}{name}: {value}", if i == 0 { "" } else { ", " })?;
            }
            write!(f, ")")?;
            if let Some(code) = &call.code {
                write!(f, " -> {code}")?;
            }
            if let Some(output) = &call.output {
                write!(f, " => {output}")?;
            }
            if let Some(error) = &call.error {
                write!(f, " !! {error}")?;
            }
            writeln!(f, " [gas {}]", call.gas)?;
            if let Some(frame) = call.nested_frame.and_then(|i| self.nested.get(i as usize)) {
                frame.write_tree(f, indent + 2)?;
            }
        }
        for event in &self.events {
            writeln!(
                f,
                "{pad}  event topics {:?} data {}",
                event.topics, event.data
            )?;
        }
        if !self.debug_message.is_empty() {
            writeln!(f, "{pad}  debug: {}", self.debug_message.trim_end())?;
        }
        match &self.outcome {
            Outcome::Returned { flags, data } => {
                writeln!(f, "{pad}  returned flags {flags} data {data}")
            }
            Outcome::Reverted { data } => writeln!(f, "{pad}  REVERTED data {data}"),
            Outcome::Terminated { beneficiary } => {
                writeln!(f, "{pad}  terminated, remaining balance to {beneficiary}")
            }
            Outcome::Failed { error } => writeln!(f, "{pad}  FAILED: {error}"),
            Outcome::Trapped {
                reason,
                backtrace,
                debug_info_ignored,
            } => {
                writeln!(f, "{pad}  TRAPPED: {reason}")?;
                if let Some(why) = debug_info_ignored {
                    writeln!(f, "{pad}    (debug info ignored: {why})")?;
                }
                for frame in backtrace {
                    write!(
                        f,
                        "{pad}    at {}",
                        frame.func.as_deref().unwrap_or("<unknown>")
                    )?;
                    if let Some(file) = &frame.file {
                        write!(f, " ({file}")?;
                        if let Some(line) = frame.line {
                            write!(f, ":{line}")?;
                            if let Some(column) = frame.column {
                                write!(f, ":{column}")?;
                            }
                        }
                        write!(f, ")")?;
                    }
                    writeln!(f)?;
                }
                Ok(())
            }
        }
    }
}
