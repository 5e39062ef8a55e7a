//! The runtime APIs the node and clients call.

#![warn(missing_docs)]

use alloc::vec::Vec;

use frame_support::{
    genesis_builder_helper::{build_state, get_preset},
    weights::Weight,
};
use sp_api::impl_runtime_apis;
use sp_core::OpaqueMetadata;
use sp_genesis_builder::PresetId;
use sp_inherents::{CheckInherentsResult, InherentData};
use sp_runtime::{
    traits::Block as BlockT,
    transaction_validity::{TransactionSource, TransactionValidity},
    ApplyExtrinsicResult, ExtrinsicInclusionMode,
};
use sp_version::RuntimeVersion;

use crate::*;
use pallet_europa_contracts::trace::ExecutionTrace;

type ContractExecResult = pallet_europa_contracts::ContractExecResult<Balance, EventRecord>;
type ContractInstantiateResult =
    pallet_europa_contracts::ContractInstantiateResult<AccountId, Balance, EventRecord>;

pub use implementation::*;

// The macro writes `RuntimeApi`, its implementation and `RUNTIME_API_VERSIONS` without
// doc comments.
#[allow(missing_docs)]
mod implementation {
    use super::*;

    impl_runtime_apis! {
        impl sp_api::Core<Block> for Runtime {
            fn version() -> RuntimeVersion {
                VERSION
            }

            fn execute_block(block: <Block as BlockT>::LazyBlock) {
                Executive::execute_block(block);
            }

            fn initialize_block(header: &<Block as BlockT>::Header) -> ExtrinsicInclusionMode {
                Executive::initialize_block(header)
            }
        }

        impl sp_api::Metadata<Block> for Runtime {
            fn metadata() -> OpaqueMetadata {
                OpaqueMetadata::new(Runtime::metadata().into())
            }

            fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
                Runtime::metadata_at_version(version)
            }

            fn metadata_versions() -> Vec<u32> {
                Runtime::metadata_versions()
            }
        }

        impl sp_block_builder::BlockBuilder<Block> for Runtime {
            fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
                Executive::apply_extrinsic(extrinsic)
            }

            fn finalize_block() -> <Block as BlockT>::Header {
                Executive::finalize_block()
            }

            fn inherent_extrinsics(data: InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
                data.create_extrinsics()
            }

            fn check_inherents(block: <Block as BlockT>::LazyBlock, data: InherentData) -> CheckInherentsResult {
                data.check_extrinsics(&block)
            }
        }

        impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
            fn validate_transaction(
                source: TransactionSource,
                tx: <Block as BlockT>::Extrinsic,
                block_hash: <Block as BlockT>::Hash,
            ) -> TransactionValidity {
                Executive::validate_transaction(source, tx, block_hash)
            }
        }

        impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
            fn offchain_worker(header: &<Block as BlockT>::Header) {
                Executive::offchain_worker(header)
            }
        }

        impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
            fn account_nonce(account: AccountId) -> Nonce {
                System::account_nonce(account)
            }
        }

        impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
            fn query_info(
                uxt: <Block as BlockT>::Extrinsic,
                len: u32,
            ) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
                TransactionPayment::query_info(uxt, len)
            }

            fn query_fee_details(
                uxt: <Block as BlockT>::Extrinsic,
                len: u32,
            ) -> pallet_transaction_payment::FeeDetails<Balance> {
                TransactionPayment::query_fee_details(uxt, len)
            }

            fn query_weight_to_fee(weight: Weight) -> Balance {
                TransactionPayment::weight_to_fee(weight)
            }

            fn query_length_to_fee(length: u32) -> Balance {
                TransactionPayment::length_to_fee(length)
            }
        }

        impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
            for Runtime
        {
            fn query_call_info(
                call: RuntimeCall,
                len: u32,
            ) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
                TransactionPayment::query_call_info(call, len)
            }

            fn query_call_fee_details(
                call: RuntimeCall,
                len: u32,
            ) -> pallet_transaction_payment::FeeDetails<Balance> {
                TransactionPayment::query_call_fee_details(call, len)
            }

            fn query_weight_to_fee(weight: Weight) -> Balance {
                TransactionPayment::weight_to_fee(weight)
            }

            fn query_length_to_fee(length: u32) -> Balance {
                TransactionPayment::length_to_fee(length)
            }
        }

        // The dev chain has no session keys; the API exists because the author RPCs need it.
        impl sp_session::SessionKeys<Block> for Runtime {
            fn generate_session_keys(_owner: Vec<u8>, _seed: Option<Vec<u8>>) -> sp_session::OpaqueGeneratedSessionKeys {
                Default::default()
            }

            fn decode_session_keys(_encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, sp_core::crypto::KeyTypeId)>> {
                None
            }
        }

        impl pallet_europa_contracts::api::ContractsApi<Block, AccountId, Balance, BlockNumber, Hash, EventRecord>
            for Runtime
        {
            fn call(
                origin: AccountId,
                dest: AccountId,
                value: Balance,
                gas_limit: Option<Weight>,
                storage_deposit_limit: Option<Balance>,
                input_data: Vec<u8>,
            ) -> ContractExecResult {
                if !contracts::dry_runs_observed() {
                    return Contracts::bare_call_untraced(origin, dest, value, gas_limit, storage_deposit_limit, input_data);
                }
                let call = contracts::DryRunCall {
                    origin: origin.clone(),
                    dest: dest.clone(),
                    value,
                    gas_limit,
                    storage_deposit_limit,
                    input_data: input_data.clone(),
                };
                let (result, trace) =
                    Contracts::bare_call(origin, dest, value, gas_limit, storage_deposit_limit, input_data);
                contracts::observe_dry_run(&trace, Some(call));
                result
            }

            fn instantiate(
                origin: AccountId,
                value: Balance,
                gas_limit: Option<Weight>,
                storage_deposit_limit: Option<Balance>,
                code: pallet_europa_contracts::Code<Hash>,
                data: Vec<u8>,
                salt: Vec<u8>,
            ) -> ContractInstantiateResult {
                if !contracts::dry_runs_observed() {
                    return Contracts::bare_instantiate_untraced(origin, value, gas_limit, storage_deposit_limit, code, data, salt);
                }
                let (result, trace) =
                    Contracts::bare_instantiate(origin, value, gas_limit, storage_deposit_limit, code, data, salt);
                contracts::observe_dry_run(&trace, None);
                result
            }

            fn upload_code(
                origin: AccountId,
                code: Vec<u8>,
                storage_deposit_limit: Option<Balance>,
                determinism: pallet_europa_contracts::Determinism,
            ) -> pallet_europa_contracts::CodeUploadResult<Hash, Balance> {
                Contracts::bare_upload_code(origin, code, storage_deposit_limit, determinism)
            }

            fn get_storage(address: AccountId, key: Vec<u8>) -> pallet_europa_contracts::GetStorageResult {
                Contracts::get_storage(address, key)
            }
        }

        impl pallet_europa_contracts::api::ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> for Runtime {
            fn trace_call(
                origin: AccountId,
                dest: AccountId,
                value: Balance,
                gas_limit: Option<Weight>,
                storage_deposit_limit: Option<Balance>,
                input_data: Vec<u8>,
            ) -> (ContractExecResult, ExecutionTrace) {
                contracts::replaying(|| {
                    Contracts::bare_call(origin, dest, value, gas_limit, storage_deposit_limit, input_data)
                })
            }

            fn trace_instantiate(
                origin: AccountId,
                value: Balance,
                gas_limit: Option<Weight>,
                storage_deposit_limit: Option<Balance>,
                code: pallet_europa_contracts::Code<Hash>,
                data: Vec<u8>,
                salt: Vec<u8>,
            ) -> (ContractInstantiateResult, ExecutionTrace) {
                contracts::replaying(|| {
                    Contracts::bare_instantiate(origin, value, gas_limit, storage_deposit_limit, code, data, salt)
                })
            }

            fn trace_block(block: Block) -> Vec<(u32, ExecutionTrace)> {
                let (header, extrinsics) = block.deconstruct();
                Executive::initialize_block(&header);
                let numbered = extrinsics.into_iter().enumerate().map(|(index, xt)| (index as u32, xt));
                contracts::collect_traces(numbered, |extrinsic| {
                    let _ = Executive::apply_extrinsic(extrinsic);
                })
            }

            fn trace_extrinsic(
                block: Block,
                index: u32,
            ) -> Option<(ApplyExtrinsicResult, Vec<EventRecord>, Vec<ExecutionTrace>)> {
                extrinsic_traces(block, index, None)
            }

            fn profile_call(
                origin: AccountId,
                dest: AccountId,
                value: Balance,
                gas_limit: Option<Weight>,
                storage_deposit_limit: Option<Balance>,
                input_data: Vec<u8>,
                line_starts: Vec<(Hash, Vec<u32>)>,
                max_steps: u32,
                capture: Option<pallet_europa_contracts::Capture>,
            ) -> (ContractExecResult, ExecutionTrace) {
                let recording = profiled(line_starts, max_steps, capture);
                contracts::replaying(|| {
                    Contracts::bare_call_recorded(recording, origin, dest, value, gas_limit, storage_deposit_limit, input_data)
                })
            }

            fn profile_instantiate(
                origin: AccountId,
                value: Balance,
                gas_limit: Option<Weight>,
                storage_deposit_limit: Option<Balance>,
                code: pallet_europa_contracts::Code<Hash>,
                data: Vec<u8>,
                salt: Vec<u8>,
                line_starts: Vec<(Hash, Vec<u32>)>,
                max_steps: u32,
                capture: Option<pallet_europa_contracts::Capture>,
            ) -> (ContractInstantiateResult, ExecutionTrace) {
                let recording = profiled(line_starts, max_steps, capture);
                contracts::replaying(|| {
                    Contracts::bare_instantiate_recorded(recording, origin, value, gas_limit, storage_deposit_limit, code, data, salt)
                })
            }

            fn profile_extrinsic(
                block: Block,
                index: u32,
                line_starts: Vec<(Hash, Vec<u32>)>,
                max_steps: u32,
                capture: Option<pallet_europa_contracts::Capture>,
            ) -> Option<(ApplyExtrinsicResult, Vec<EventRecord>, Vec<ExecutionTrace>)> {
                let profiling =
                    pallet_europa_contracts::Profiling::by_line(by_code(line_starts), max_steps, capture);
                extrinsic_traces(block, index, Some(profiling))
            }
        }

        impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
            fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
                build_state::<RuntimeGenesisConfig>(config)
            }

            fn get_preset(id: &Option<PresetId>) -> Option<Vec<u8>> {
                get_preset::<RuntimeGenesisConfig>(id, genesis::preset)
            }

            fn preset_names() -> Vec<PresetId> {
                genesis::preset_names()
            }
        }
    }
}

/// A dry run's recording with gas profiles by line for the code `line_starts` covers,
/// with `max_steps`, a line record, and with `capture`, a frame's state at one point.
fn profiled(
    line_starts: Vec<(Hash, Vec<u32>)>,
    max_steps: u32,
    capture: Option<pallet_europa_contracts::Capture>,
) -> pallet_europa_contracts::Recording {
    pallet_europa_contracts::Recording::profiled(pallet_europa_contracts::Profiling::by_line(
        by_code(line_starts),
        max_steps,
        capture,
    ))
}

/// Line starts by the SCALE encoding of the code hash, as the contracts pallet takes
/// them.
fn by_code(line_starts: Vec<(Hash, Vec<u32>)>) -> pallet_europa_contracts::LineStarts {
    use codec::Encode;
    line_starts
        .into_iter()
        .map(|(hash, starts)| (hash.encode(), starts))
        .collect()
}

/// Re-executes `block` on its parent's state up to extrinsic `index`: what that
/// extrinsic did, and its traces (with gas profiles when `profile` gives line starts).
fn extrinsic_traces(
    block: Block,
    index: u32,
    profile: Option<pallet_europa_contracts::Profiling>,
) -> Option<(ApplyExtrinsicResult, Vec<EventRecord>, Vec<ExecutionTrace>)> {
    let (header, extrinsics) = block.deconstruct();
    if index as usize >= extrinsics.len() {
        return None;
    }
    Executive::initialize_block(&header);
    let numbered = extrinsics
        .into_iter()
        .take(index as usize + 1)
        .enumerate()
        .map(|(index, xt)| (index as u32, xt));
    let mut outcome = None;
    let traces = contracts::collect_traces_of(index, profile, numbered, |extrinsic| {
        outcome = Some(Executive::apply_extrinsic(extrinsic));
    });
    let events = System::read_events_no_consensus()
        .filter(
            |record| matches!(record.phase, frame_system::Phase::ApplyExtrinsic(i) if i == index),
        )
        .map(|record| *record)
        .collect();
    Some((outcome?, events, traces))
}
