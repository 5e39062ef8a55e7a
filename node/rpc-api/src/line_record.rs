//! `europa_lineRecord`: one execution, line by line — every source line (or, without
//! DWARF, function) its contracts entered, in order, with the host calls and nested
//! frames between them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    params::{BlockRef, Hash, HashSchema},
    trace::{CallRequest, InstantiateRequest},
};

/// What to record: exactly one of `call`, `instantiate` and `extrinsic`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LineRecordRequest {
    /// A dry-run call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<CallRequest>,
    /// A dry-run instantiation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instantiate: Option<InstantiateRequest>,
    /// An extrinsic on chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extrinsic: Option<ExtrinsicRef>,
    /// The block a dry run runs on (default: the best block).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<HashSchema>")]
    pub at: Option<Hash>,
    /// Steps kept at most (default 100 000, at most 1 000 000); the rest are counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_steps: Option<u32>,
}

impl LineRecordRequest {
    /// A dry-run call on the state of block `at`.
    pub fn of_call(call: CallRequest, at: Option<Hash>) -> Self {
        LineRecordRequest {
            call: Some(call),
            at,
            ..LineRecordRequest::default()
        }
    }
}

/// An extrinsic of a block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtrinsicRef {
    /// The block.
    pub block: BlockRef,
    /// The extrinsic's index in it.
    pub index: u32,
}

/// A line record, with what decided the execution and why it failed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LineRecordAnswer {
    /// The executor that decides (wasmi on a default chain).
    pub executor: String,
    /// The `ref_time` the decisive run's outermost frame consumed: what the chain
    /// charges, beside the steps' own counts (the lens's fuel on a wasmi chain).
    pub ref_time: Option<u64>,
    /// The record.
    #[serde(flatten)]
    pub record: LineRecord,
    /// Why the execution failed, when it did.
    pub explanation: Option<String>,
}

/// One execution, line by line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LineRecord {
    /// The executor that ran the steps (wasmtime: on a wasmi chain, the lens), whose
    /// fuel the steps' gas counts.
    pub steps_executor: String,
    /// Every contract frame, in the order they started.
    pub frames: Vec<RecordFrame>,
    /// The source locations steps point at, each once.
    pub locations: Vec<Location>,
    /// `[frame, node, location, refTime]`: the frame (index into `frames`), its profile
    /// node running (into the frame's `functions`), the source location entered (into
    /// `locations`; `null` for code without DWARF: the step is the function's), and the
    /// `ref_time` the frame had burnt on entering it.
    pub steps: Vec<(u32, u32, Option<u32>, u64)>,
    /// Host calls, each placed before step `step` (the steps before it ran first).
    pub host_calls: Vec<RecordHostCall>,
    /// Steps left out past the cap (or the sandbox's own cap), counted only.
    pub steps_dropped: u64,
    /// The lines of each Rust file `locations` name that is on the node's machine.
    pub sources: BTreeMap<String, Vec<String>>,
    /// For each step, the index of the place it entered among all its frame's code
    /// reached: what a debugger's capture of that step names. The node's own; not
    /// sent.
    #[serde(skip)]
    #[schemars(skip)]
    pub origins: Vec<u32>,
}

/// A contract frame of a record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordFrame {
    /// The frame that called it (index into `frames`).
    pub parent: Option<u32>,
    /// 1 for the outermost frame.
    pub depth: u32,
    /// The contract: its name with metadata, else its address.
    pub contract: String,
    /// Who called it (SS58).
    pub caller: String,
    /// The value it was sent, in the smallest unit, as text (it may not fit a JSON
    /// number).
    pub value: String,
    /// Its `ref_time` limit.
    pub gas_limit: u64,
    /// The hash of the code it runs.
    #[schemars(with = "HashSchema")]
    pub code_hash: Hash,
    /// `contract::message(args)` when its metadata is known.
    pub call: String,
    /// `call`, `deploy` or `delegateCall`.
    pub entry: String,
    /// How it ended, in words (`returned`, `reverted`, `trapped: …`).
    pub outcome: String,
    /// The frame's profile nodes: the WASM function (or host function) each runs and
    /// the node it was called from; a step's stack is its node and their parents.
    pub functions: Vec<FunctionNode>,
}

/// A node of a frame's call tree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FunctionNode {
    /// The calling node.
    pub parent: Option<u32>,
    /// Demangled, from the `name` section or debug build; `func[N]` without; `null`
    /// for the code outside any function.
    pub name: Option<String>,
    /// The WASM function's index; `None` for a host function or the code outside any.
    /// The node's own; not sent.
    #[serde(skip)]
    #[schemars(skip)]
    pub function: Option<u32>,
}

/// Where a step is in the source: the innermost (inlined) function's line, and the
/// chain of call sites it is inlined into, innermost first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// The function, demangled.
    pub function: Option<String>,
    /// The source file.
    pub file: Option<String>,
    /// The line.
    pub line: Option<u32>,
    /// The column.
    pub column: Option<u32>,
    /// The call sites it is inlined into, innermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inlined_at: Vec<Location>,
}

/// A host call of a record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordHostCall {
    /// How many steps of the record came before it.
    pub step: u32,
    /// The frame that made it (index into `frames`).
    pub frame: u32,
    /// `module.name`.
    pub func: String,
    /// Its arguments, decoded as the trace keeps them: name and value.
    pub args: Vec<(String, String)>,
    /// Its return code's name, for functions that return one.
    pub code: Option<String>,
    /// What the host wrote back (0x-hex), as the trace keeps it.
    pub output: Option<String>,
    /// Why it stopped the contract, if it did.
    pub error: Option<String>,
    /// The frame it ran (index into `frames`).
    pub nested_frame: Option<u32>,
}
