//! Runtime APIs: upstream's `ContractsApi` (same name, version and SCALE types, so
//! polkadot.js, cargo-contract and subxt dry runs work unchanged) and Europa's
//! `ContractsTraceApi`, which returns the trace with the result.

// The signatures are upstream's; the lints fire on what the macro generates from them.
#![allow(clippy::too_many_arguments, clippy::multiple_bound_locations)]

use alloc::vec::Vec;
use codec::Codec;
use frame_support::weights::Weight;
use sp_runtime::ApplyExtrinsicResult;

use crate::{
    trace::ExecutionTrace, Code, CodeUploadResult, ContractExecResult, ContractInstantiateResult,
    Determinism, GetStorageResult,
};

sp_api::decl_runtime_apis! {
    /// Dry runs and storage reads, exactly as upstream pallet-contracts offers them.
    #[api_version(2)]
    pub trait ContractsApi<AccountId, Balance, BlockNumber, Hash, EventRecord> where
        AccountId: Codec,
        Balance: Codec,
        BlockNumber: Codec,
        Hash: Codec,
        EventRecord: Codec,
    {
        /// Dry-runs a call; `gas_limit: None` means the most a block allows.
        fn call(
            origin: AccountId,
            dest: AccountId,
            value: Balance,
            gas_limit: Option<Weight>,
            storage_deposit_limit: Option<Balance>,
            input_data: Vec<u8>,
        ) -> ContractExecResult<Balance, EventRecord>;

        /// Dry-runs an instantiation.
        fn instantiate(
            origin: AccountId,
            value: Balance,
            gas_limit: Option<Weight>,
            storage_deposit_limit: Option<Balance>,
            code: Code<Hash>,
            data: Vec<u8>,
            salt: Vec<u8>,
        ) -> ContractInstantiateResult<AccountId, Balance, EventRecord>;

        /// Dry-runs an upload.
        fn upload_code(
            origin: AccountId,
            code: Vec<u8>,
            storage_deposit_limit: Option<Balance>,
            determinism: Determinism,
        ) -> CodeUploadResult<Hash, Balance>;

        /// Reads a contract's storage item by its unhashed key.
        fn get_storage(address: AccountId, key: Vec<u8>) -> GetStorageResult;
    }

    /// Europa: dry runs that also return what the contracts did.
    pub trait ContractsTraceApi<AccountId, Balance, Hash, EventRecord> where
        AccountId: Codec,
        Balance: Codec,
        Hash: Codec,
        EventRecord: Codec,
    {
        /// `ContractsApi::call`, with the execution's trace.
        fn trace_call(
            origin: AccountId,
            dest: AccountId,
            value: Balance,
            gas_limit: Option<Weight>,
            storage_deposit_limit: Option<Balance>,
            input_data: Vec<u8>,
        ) -> (ContractExecResult<Balance, EventRecord>, ExecutionTrace);

        /// `ContractsApi::instantiate`, with the execution's trace.
        fn trace_instantiate(
            origin: AccountId,
            value: Balance,
            gas_limit: Option<Weight>,
            storage_deposit_limit: Option<Balance>,
            code: Code<Hash>,
            data: Vec<u8>,
            salt: Vec<u8>,
        ) -> (ContractInstantiateResult<AccountId, Balance, EventRecord>, ExecutionTrace);

        /// Re-executes `block` on its parent's state and returns the trace of every
        /// extrinsic that ran contracts, by extrinsic index.
        fn trace_block(block: Block) -> Vec<(u32, ExecutionTrace)>;

        /// Re-executes `block` on its parent's state up to extrinsic `index` and returns
        /// what that extrinsic did: its result, the events it deposited and the traces of
        /// the contract executions it ran, in order; `None` when the block has no
        /// extrinsic `index`.
        fn trace_extrinsic(
            block: Block,
            index: u32,
        ) -> Option<(ApplyExtrinsicResult, Vec<EventRecord>, Vec<ExecutionTrace>)>;

        /// `trace_call`, each frame with its gas profile (on wasmtime; wasmi records
        /// none), by source line for the code `line_starts` gives the offsets of the
        /// instructions that start a line of; with `max_steps`, the frames together also
        /// keep that many steps (lines and blocks of code entered), in order.
        fn profile_call(
            origin: AccountId,
            dest: AccountId,
            value: Balance,
            gas_limit: Option<Weight>,
            storage_deposit_limit: Option<Balance>,
            input_data: Vec<u8>,
            line_starts: Vec<(Hash, Vec<u32>)>,
            max_steps: u32,
            capture: Option<crate::Capture>,
        ) -> (ContractExecResult<Balance, EventRecord>, ExecutionTrace);

        /// `trace_instantiate`, profiled as `profile_call`.
        fn profile_instantiate(
            origin: AccountId,
            value: Balance,
            gas_limit: Option<Weight>,
            storage_deposit_limit: Option<Balance>,
            code: Code<Hash>,
            data: Vec<u8>,
            salt: Vec<u8>,
            line_starts: Vec<(Hash, Vec<u32>)>,
            max_steps: u32,
            capture: Option<crate::Capture>,
        ) -> (ContractInstantiateResult<AccountId, Balance, EventRecord>, ExecutionTrace);

        /// `trace_extrinsic`, each frame with its gas profile (on wasmtime), by line and
        /// with steps as `profile_call`.
        fn profile_extrinsic(
            block: Block,
            index: u32,
            line_starts: Vec<(Hash, Vec<u32>)>,
            max_steps: u32,
            capture: Option<crate::Capture>,
        ) -> Option<(ApplyExtrinsicResult, Vec<EventRecord>, Vec<ExecutionTrace>)>;
    }
}
