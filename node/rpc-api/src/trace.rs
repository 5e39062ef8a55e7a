//! `europa_trace*`, `europa_profile*` and the state-change methods: what contracts did,
//! for a dry-run call, a dry-run instantiation, a block on chain or one of its
//! extrinsics (docs/rpc.md, "Traces" and "Gas profiles"; the trace is
//! docs/trace-format.md). The original Europa's `contractsExt_*` names are aliases.

use europa_trace::{Bytes, ExecutionTrace, Gas};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    line_record::{LineRecordAnswer, LineRecordRequest},
    params::{Account, Amount, BlockNumber, BlockRef, GasLimit, Hash, HashSchema, HexBytes},
};

/// A dry-run call: `ContractsApi_call`'s arguments, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallRequest {
    /// Who calls.
    pub origin: Account,
    /// The contract called.
    pub dest: Account,
    /// The value sent with the call (default 0).
    #[serde(default)]
    pub value: Amount,
    /// The gas the call may use (default: a block's worth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas_limit: Option<GasLimit>,
    /// The storage deposit the call may charge (default: unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_deposit_limit: Option<Amount>,
    /// The call's input (selector and SCALE-encoded arguments); `input` as debugger
    /// launch configurations name it.
    #[serde(default, alias = "input")]
    pub input_data: HexBytes,
    /// Instead of `inputData`: the message to call, as `cargo contract call --message`
    /// names it (the contract's metadata must be registered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// With `message`: its arguments, as `cargo contract call --args` takes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
}

/// A dry-run instantiation: new `code`, or the `codeHash` of code on chain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstantiateRequest {
    /// Who instantiates.
    pub origin: Account,
    /// The value the new contract is sent (default 0).
    #[serde(default)]
    pub value: Amount,
    /// The gas it may use (default: a block's worth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas_limit: Option<GasLimit>,
    /// The storage deposit it may charge (default: unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_deposit_limit: Option<Amount>,
    /// The code to upload and instantiate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<HexBytes>,
    /// Or the hash of code already on chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<HashSchema>")]
    pub code_hash: Option<Hash>,
    /// The constructor's input (selector and arguments).
    #[serde(default)]
    pub data: HexBytes,
    /// The salt of the new contract's address.
    #[serde(default)]
    pub salt: HexBytes,
}

/// What a dry run did: its gas, deposit and result as `ContractsApi_*` answers them,
/// its trace, and for a profile where its gas went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DryRunReport<R> {
    /// The gas the execution consumed.
    pub gas_consumed: Gas,
    /// The gas it needs as a limit (more than consumed when some was given back).
    pub gas_required: Gas,
    /// The storage deposit charged or refunded.
    pub storage_deposit: StorageDeposit,
    /// What the contracts printed with `debug_message`.
    pub debug_message: String,
    /// What the entry point returned, or the error that stopped it.
    pub result: DryRunResult<R>,
    /// What the contracts did, annotated (docs/trace-format.md).
    pub trace: ExecutionTrace,
    /// Where the gas went (`europa_profileCall` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<GasReport>,
}

/// A storage deposit, in the chain's smallest unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum StorageDeposit {
    /// Charged to the origin.
    Charge(Amount),
    /// Refunded to the origin.
    Refund(Amount),
}

/// An execution's result: `{"ok": …}` or `{"err": "Pallet::Error"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum DryRunResult<R> {
    /// The entry point returned (perhaps with the revert flag).
    Ok(R),
    /// The error that stopped it, as `Pallet::Error` (`Contracts::OutOfGas`).
    Err(String),
}

/// What a called contract returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallReturn {
    /// The flags it returned with (1: revert).
    pub flags: u32,
    /// The data it returned.
    pub data: Bytes,
}

/// What an instantiated contract returned, and its address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstantiateReturn {
    /// The flags its constructor returned with (1: revert).
    pub flags: u32,
    /// The data its constructor returned.
    pub data: Bytes,
    /// The new contract's address.
    pub account_id: Account,
}

/// A contract's gas profile: totals, the costliest functions and lines, and the call
/// tree as folded stacks, speedscope and SVG.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GasReport {
    /// The `ref_time` the outermost frame consumed.
    pub ref_time: u64,
    /// How much of it the profile places in the code (the rest was charged outside it).
    pub accounted_ref_time: u64,
    /// Functions by the `ref_time` they spent themselves, costliest first.
    pub top: Vec<Cost>,
    /// Source lines by the `ref_time` spent on them, costliest first.
    pub top_lines: Vec<Cost>,
    /// Folded stacks (`a;b;c cost` per line), for flame graph tools.
    pub folded: String,
    /// The profile in speedscope's own file format (its schema is speedscope's).
    pub speedscope: serde_json::Value,
    /// An SVG flame graph.
    pub svg: Option<String>,
}

/// What one function or line spent itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Cost {
    /// The function, or `file:line`.
    pub name: String,
    /// The `ref_time` it spent itself.
    pub self_ref_time: u64,
}

/// One extrinsic of a block, re-executed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExtrinsicReport {
    /// The block's hash.
    #[schemars(with = "HashSchema")]
    pub block_hash: Hash,
    /// The block's number.
    pub block_number: BlockNumber,
    /// The extrinsic's index in the block.
    pub extrinsic_index: u32,
    /// How it ended.
    pub outcome: ExtrinsicOutcome,
    /// The events it deposited.
    pub events: Vec<EventRecord>,
    /// Its first contract execution, when it ran one.
    pub trace: Option<ExecutionTrace>,
    /// The others (a batch of contract calls).
    pub other_traces: Vec<ExecutionTrace>,
    /// Where the first execution's gas went (`europa_profileExtrinsic` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<GasReport>,
}

/// How an extrinsic ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ExtrinsicOutcome {
    /// It succeeded (`{"ok": null}`).
    Ok(()),
    /// It failed with this error, as `Pallet::Error`.
    Err(String),
    /// It was not valid (it would not have been included on a production chain).
    Invalid(String),
}

/// An event of the chain: as `System.Events` holds it, and readable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    /// When it was deposited (`ApplyExtrinsic(1)`).
    pub phase: String,
    /// The event, as Rust's `Debug` prints it.
    pub event: String,
    /// Its SCALE encoding (a `frame_system::EventRecord`).
    pub encoded: Bytes,
}

/// The trace of one extrinsic of a block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlockTrace {
    /// The extrinsic's index in the block.
    pub extrinsic_index: u32,
    /// What its contracts did.
    pub trace: ExecutionTrace,
}

/// A storage key a block changed, and its value after it (`None`: removed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StorageChange {
    /// The key.
    pub key: Bytes,
    /// Its value after the block; `None` when it was removed.
    pub value: Option<Bytes>,
}

/// One write an extrinsic made to the state, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum StateOperation {
    /// A key of the main trie set (`None`: removed).
    Put {
        /// The key.
        key: Bytes,
        /// The value; `None` when removed.
        value: Option<Bytes>,
    },
    /// A value appended to a key of the main trie.
    Append {
        /// The key.
        key: Bytes,
        /// The value appended.
        value: Bytes,
    },
    /// Keys of the main trie removed by prefix.
    ClearPrefix {
        /// The prefix.
        prefix: Bytes,
    },
    /// A key of a child trie (a contract's storage) set (`None`: removed).
    ChildPut {
        /// The child trie's id.
        child: Bytes,
        /// The contract whose storage it is, when known.
        contract: Option<Account>,
        /// The key.
        key: Bytes,
        /// The value; `None` when removed.
        value: Option<Bytes>,
    },
    /// A child trie removed.
    ChildKill {
        /// The child trie's id.
        child: Bytes,
        /// The contract whose storage it was, when known.
        contract: Option<Account>,
    },
    /// Keys of a child trie removed by prefix.
    ChildClearPrefix {
        /// The child trie's id.
        child: Bytes,
        /// The contract whose storage it is, when known.
        contract: Option<Account>,
        /// The prefix.
        prefix: Bytes,
    },
}

/// The dry-run result of a call.
pub type CallReport = DryRunReport<CallReturn>;
/// The dry-run result of an instantiation.
pub type InstantiateReport = DryRunReport<InstantiateReturn>;

/// Traces, gas profiles, line records and state changes.
#[cfg_attr(not(feature = "client"), rpc(server, namespace = "europa"))]
#[cfg_attr(feature = "client", rpc(server, client, namespace = "europa"))]
pub trait TraceApi {
    /// Dry-runs a contract call, as `ContractsApi_call` does, at `at` (default: the
    /// best block), and returns what it did.
    #[method(name = "traceCall", aliases = ["contractsExt_call"])]
    async fn trace_call(&self, request: CallRequest, at: Option<Hash>) -> RpcResult<CallReport>;

    /// Dry-runs an instantiation, as `ContractsApi_instantiate` does.
    #[method(name = "traceInstantiate", aliases = ["contractsExt_instantiate"])]
    async fn trace_instantiate(
        &self,
        request: InstantiateRequest,
        at: Option<Hash>,
    ) -> RpcResult<InstantiateReport>;

    /// Re-executes a block on its parent's state; the traces of the extrinsics that ran
    /// contracts.
    #[method(name = "traceBlock")]
    async fn trace_block(&self, block: BlockRef) -> RpcResult<Vec<BlockTrace>>;

    /// Every key a block changed, re-executing it on its parent's state: in the top
    /// trie, or with `contract` in that contract's storage (its child trie).
    #[method(name = "modifiedStateKvs")]
    async fn modified_state_kvs(
        &self,
        block: BlockRef,
        contract: Option<Account>,
    ) -> RpcResult<Vec<StorageChange>>;

    /// The storage operations extrinsic `index` of a block made, in order, each with
    /// its key (or prefix), value, and for a contract's child trie the contract.
    /// Operations the extrinsic rolled back are left out.
    #[method(name = "extrinsicStateChanges")]
    async fn extrinsic_state_changes(
        &self,
        block: BlockRef,
        index: u32,
    ) -> RpcResult<Vec<StateOperation>>;

    /// Re-executes a block up to extrinsic `index`: that extrinsic's outcome, events and
    /// traces.
    #[method(name = "traceExtrinsic", aliases = ["contractsExt_tracing"])]
    async fn trace_extrinsic(&self, block: BlockRef, index: u32) -> RpcResult<ExtrinsicReport>;

    /// Dry-runs a call as `traceCall` does, recording where its gas went (on a wasmi
    /// chain, from the lens, reconciled with wasmi's gas).
    #[method(name = "profileCall")]
    async fn profile_call(&self, request: CallRequest, at: Option<Hash>) -> RpcResult<CallReport>;

    /// Re-executes extrinsic `index` of a block as `traceExtrinsic` does, with its gas
    /// profile.
    #[method(name = "profileExtrinsic")]
    async fn profile_extrinsic(&self, block: BlockRef, index: u32) -> RpcResult<ExtrinsicReport>;

    /// What one execution did line by line: a dry-run call or instantiation, or an
    /// extrinsic re-executed (docs/rpc.md, "Line records").
    #[method(name = "lineRecord")]
    async fn line_record(&self, request: LineRecordRequest) -> RpcResult<LineRecordAnswer>;
}
