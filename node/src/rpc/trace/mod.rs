//! `europa_trace*`: what contracts did, as JSON (the trace format of
//! docs/trace-format.md), for a dry-run call, a dry-run instantiation, a block already on
//! chain, or one extrinsic of it. The original Europa's `contractsExt_*` names are
//! aliases.
//!
//! A trace may take as long as a block's worth of gas buys, so traces run on tokio's
//! blocking pool, at most [`CONCURRENT_TRACES`] at once, never on the RPC server's own
//! workers: other calls are answered meanwhile.

mod limits;
pub(super) mod line_record;
mod profile;

use std::sync::Arc;

use codec::Encode;
use europa_rpc_api::{
    line_record::{LineRecordAnswer, LineRecordRequest},
    params::{Account, Amount, BlockRef, Bytes, GasLimit, HexBytes},
    trace::{
        self as api, BlockTrace, CallReport, CallRequest, CallReturn, DryRunReport, DryRunResult,
        ExtrinsicOutcome, ExtrinsicReport, InstantiateReport, InstantiateRequest,
        InstantiateReturn, StateOperation, StorageChange, TraceApiServer,
    },
};
use europa_runtime::{opaque::Block, AccountId, Balance, EventRecord, Hash};
use jsonrpsee::core::{async_trait, RpcResult};
use pallet_europa_contracts::{
    api::ContractsTraceApi, trace::ExecutionTrace, Code, ContractExecResult, ContractResult,
    StorageDeposit,
};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::{traits::Block as BlockT, DispatchError};

use crate::{
    history,
    insight::{Annotated, Insight, LineTables},
    lens::{self, runtime_api, LensNote},
    recording::Operation,
    rpc::RpcError,
};

use super::{
    insight::{code_hash_of, encode_message, stored_code},
    invalid_params, runtime_error, FullBackend,
};
use limits::{explained, needs_of_extrinsic, Limits};
use profile::{gas_report, line_tables};

/// What a profiled run is asked for.
#[derive(Clone, Default)]
pub struct ProfileRequest {
    /// The line starts of each code to profile by line.
    pub line_starts: Vec<(Hash, Vec<u32>)>,
    /// How many steps its frames keep (0: none; a line record keeps some).
    pub max_steps: u32,
    /// A frame's state to keep at one point, for a debugger.
    pub capture: Option<pallet_europa_contracts::Capture>,
}

impl ProfileRequest {
    /// Gas profiles by line for the code `line_starts` covers, and nothing else.
    fn by_line(line_starts: Vec<(Hash, Vec<u32>)>) -> Self {
        ProfileRequest {
            line_starts,
            ..ProfileRequest::default()
        }
    }
}

/// How many traces run at once; more wait their turn.
pub const CONCURRENT_TRACES: usize = 2;

/// A dry-run call as the trace methods take it, for a call a debugging session caught.
pub fn call_request(call: europa_runtime::contracts::DryRunCall) -> CallRequest {
    CallRequest {
        origin: Account(call.origin),
        dest: Account(call.dest),
        value: Amount(call.value),
        gas_limit: call.gas_limit.map(|weight| GasLimit(weight.into())),
        storage_deposit_limit: call.storage_deposit_limit.map(Amount),
        input_data: HexBytes::from(call.input_data),
        message: None,
        args: Vec::new(),
    }
}

/// `request` with its `message` and `args`, when given, encoded as its input with the
/// metadata of the code its `dest` has at `at`.
pub(super) fn encode_call<C>(
    mut request: CallRequest,
    client: &C,
    insight: &Insight,
    at: Hash,
) -> Result<CallRequest, RpcError>
where
    C: sc_client_api::StorageProvider<Block, FullBackend>,
{
    let Some(message) = request.message.take() else {
        return Ok(request);
    };
    if !request.input_data.bytes().is_empty() {
        return Err(invalid_params("give `inputData` or `message`, not both"));
    }
    let dest = &request.dest.0;
    let code_hash = code_hash_of(client, at, dest)
        .ok_or_else(|| invalid_params(format!("{dest} is not a contract at {at:?}")))?;
    let input = encode_message(insight, code_hash, &message, &request.args)?;
    request.input_data = HexBytes::from(input);
    Ok(request)
}

/// Dry-runs call `request` at `at` under `limits`, traced, and with gas profiles (by
/// line for the code the line starts cover, keeping up to that many steps) when
/// `profile` says so; through the lens when `lens`. Each run is on an API instance of
/// its own: one keeps the state it changed.
pub(super) fn dry_run_call<C>(
    request: &CallRequest,
    client: &C,
    at: Hash,
    limits: Limits,
    profile: Option<ProfileRequest>,
    lens: bool,
) -> Result<(ContractExecResult<Balance, EventRecord>, ExecutionTrace), RpcError>
where
    C: ProvideRuntimeApi<Block>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
{
    let api = runtime_api(client, lens);
    let (origin, dest) = (request.origin.0.clone(), request.dest.0.clone());
    let (value, input) = (request.value.0, request.input_data.bytes().to_vec());
    let (gas, deposit) = (limits.gas, limits.deposit);
    match profile {
        None => api.trace_call(at, origin, dest, value, gas, deposit, input),
        Some(p) => api.profile_call(
            at,
            origin,
            dest,
            value,
            gas,
            deposit,
            input,
            p.line_starts,
            p.max_steps,
            p.capture,
        ),
    }
    .map_err(runtime_error)
}

/// The code an instantiation request names: new code or a stored code's hash.
pub(super) fn code_to_instantiate(request: &InstantiateRequest) -> Result<Code<Hash>, RpcError> {
    match (&request.code, request.code_hash) {
        (Some(code), None) => Ok(Code::Upload(code.bytes().to_vec())),
        (None, Some(hash)) => Ok(Code::Existing(hash)),
        _ => Err(invalid_params("give exactly one of `code` and `codeHash`")),
    }
}

/// What the trace methods share: the client and its backend, what Europa knows about
/// contracts (to read traces with), and the permits to run.
pub struct Tracer<C> {
    client: Arc<C>,
    backend: Arc<FullBackend>,
    insight: Arc<Insight>,
    permits: Arc<tokio::sync::Semaphore>,
}

// By hand: a derive would ask `C: Clone` of the client behind the `Arc`.
impl<C> Clone for Tracer<C> {
    fn clone(&self) -> Self {
        Tracer {
            client: self.client.clone(),
            backend: self.backend.clone(),
            insight: self.insight.clone(),
            permits: self.permits.clone(),
        }
    }
}

impl<C> Tracer<C> {
    /// The client the trace methods read the chain with.
    pub(super) fn client(&self) -> &Arc<C> {
        &self.client
    }

    pub fn new(client: Arc<C>, backend: Arc<FullBackend>, insight: Arc<Insight>) -> Self {
        Tracer {
            client,
            backend,
            insight,
            permits: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_TRACES)),
        }
    }
}

impl<C> Tracer<C>
where
    C: Send + Sync + 'static,
{
    /// Runs `trace` on the blocking pool once a permit is free.
    pub(super) async fn run<R: Send + 'static>(
        &self,
        method: &str,
        trace: impl FnOnce(&C, &FullBackend, &Insight) -> Result<R, RpcError> + Send + 'static,
    ) -> Result<R, RpcError> {
        // Owned and moved into the blocking task: a client that goes away stops waiting,
        // not the re-execution, which keeps its permit until it ends.
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| runtime_error("the node is shutting down"))?;
        let client = self.client.clone();
        let backend = self.backend.clone();
        let insight = self.insight.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            trace(&client, &backend, &insight)
        })
        .await
        .map_err(|e| runtime_error(format!("{method} failed: {e}")))?
    }
}

#[async_trait]
impl<C> TraceApiServer for Tracer<C>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
    C: sc_client_api::StorageProvider<Block, FullBackend>,
    C: Send + Sync + 'static,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord>
        + sp_api::Core<Block>
        + sp_api::ApiExt<Block>
        + sp_block_builder::BlockBuilder<Block>,
{
    async fn trace_call(&self, request: CallRequest, at: Option<Hash>) -> RpcResult<CallReport> {
        self.run("europa_traceCall", move |client, _, insight| {
            let at = at.unwrap_or_else(|| client.info().best_hash);
            let request = encode_call(request, client, insight, at)?;
            let limits = Limits::of(request.gas_limit, request.storage_deposit_limit);
            let code = |hash: &[u8; 32]| stored_code(client, at, hash);
            let (result, mut trace) = dry_run_call(&request, client, at, limits, None, false)?;
            let lens = lens::apply(&mut trace, || {
                let lensed = dry_run_call(&request, client, at, limits, None, true);
                lensed.map(|(_, trace)| trace).map_err(message)
            });
            let unlimited = || dry_run_call(&request, client, at, Limits::MAX, None, false);
            let (result, annotated) =
                explained(insight, &code, limits, (result, trace), unlimited)?;
            let trace = annotated_trace(annotated, lens.as_ref());
            Ok(report(result, trace, call_return))
        })
        .await
        .map_err(Into::into)
    }

    async fn trace_instantiate(
        &self,
        request: InstantiateRequest,
        at: Option<Hash>,
    ) -> RpcResult<InstantiateReport> {
        let code = code_to_instantiate(&request)?;
        self.run("europa_traceInstantiate", move |client, _, insight| {
            let at = at.unwrap_or_else(|| client.info().best_hash);
            let limits = Limits::of(request.gas_limit, request.storage_deposit_limit);
            let dry_run = |limits: Limits, lens: bool| {
                runtime_api(client, lens)
                    .trace_instantiate(
                        at,
                        request.origin.0.clone(),
                        request.value.0,
                        limits.gas,
                        limits.deposit,
                        code.clone(),
                        request.data.bytes().to_vec(),
                        request.salt.bytes().to_vec(),
                    )
                    .map_err(runtime_error)
            };
            let code = |hash: &[u8; 32]| stored_code(client, at, hash);
            let (result, mut trace) = dry_run(limits, false)?;
            let lens = lens::apply(&mut trace, || {
                dry_run(limits, true)
                    .map(|(_, trace)| trace)
                    .map_err(message)
            });
            let unlimited = || dry_run(Limits::MAX, false);
            let (result, annotated) =
                explained(insight, &code, limits, (result, trace), unlimited)?;
            let trace = annotated_trace(annotated, lens.as_ref());
            Ok(report(result, trace, |value| InstantiateReturn {
                flags: value.result.flags.bits(),
                data: Bytes(value.result.data),
                account_id: Account(value.account_id),
            }))
        })
        .await
        .map_err(Into::into)
    }

    async fn trace_block(&self, block: BlockRef) -> RpcResult<Vec<BlockTrace>> {
        self.run("europa_traceBlock", move |client, _, insight| {
            let block = find_block(client, block)?;
            let (hash, parent) = (block.header().hash(), block.header().parent_hash);
            if block.header().number == 0 {
                return Ok(Vec::new());
            }
            let traces = runtime_api(client, false)
                .trace_block(parent, block.clone())
                .map_err(runtime_error)?;
            let (indexes, mut traces): (Vec<u32>, Vec<ExecutionTrace>) = traces.into_iter().unzip();
            let lens = lens::apply_all(&mut traces, || {
                let lensed = runtime_api(client, true).trace_block(parent, block);
                lensed
                    .map(|traces| traces.into_iter().map(|(_, trace)| trace).collect())
                    .map_err(|error| error.to_string())
            });
            Ok(indexes
                .into_iter()
                .zip(traces)
                .zip(lens)
                .map(|((extrinsic_index, trace), lens)| {
                    let annotated =
                        insight.annotate(trace, &|code| stored_code(client, hash, code));
                    BlockTrace {
                        extrinsic_index,
                        trace: annotated_trace(annotated, lens.as_ref()),
                    }
                })
                .collect())
        })
        .await
        .map_err(Into::into)
    }

    async fn modified_state_kvs(
        &self,
        block_ref: BlockRef,
        contract: Option<Account>,
    ) -> RpcResult<Vec<StorageChange>> {
        self.run("europa_modifiedStateKvs", move |client, backend, _| {
            let block = find_block(client, block_ref)?;
            let changes =
                history::changed_keys(client, backend, block, contract.map(|c| c.0).as_ref())?;
            Ok(history::storage_changes(&changes))
        })
        .await
        .map_err(Into::into)
    }

    async fn extrinsic_state_changes(
        &self,
        block_ref: BlockRef,
        index: u32,
    ) -> RpcResult<Vec<StateOperation>> {
        self.run("europa_extrinsicStateChanges", move |client, _, _| {
            let block = find_block(client, block_ref)?;
            let (hash, parent) = (block.header().hash(), block.header().parent_hash);
            let operations = history::extrinsic_operations(client, block, index)?;
            // Contracts before and after the block (one created or removed in it counts),
            // looked up only when a child trie was touched: it reads every contract.
            let mut owners = std::collections::BTreeMap::new();
            if operations.iter().any(Operation::is_child) {
                owners = history::contracts_by_trie(client, parent)?;
                owners.extend(history::contracts_by_trie(client, hash)?);
            }
            Ok(operations
                .iter()
                .map(|operation| history::state_operation(operation, &owners))
                .collect())
        })
        .await
        .map_err(Into::into)
    }

    async fn trace_extrinsic(&self, block_ref: BlockRef, index: u32) -> RpcResult<ExtrinsicReport> {
        self.run("europa_traceExtrinsic", move |client, _, insight| {
            extrinsic_report(client, insight, block_ref, index, false)
        })
        .await
        .map_err(Into::into)
    }

    async fn profile_call(&self, request: CallRequest, at: Option<Hash>) -> RpcResult<CallReport> {
        self.run("europa_profileCall", move |client, _, insight| {
            let at = at.unwrap_or_else(|| client.info().best_hash);
            let request = encode_call(request, client, insight, at)?;
            let limits = Limits::of(request.gas_limit, request.storage_deposit_limit);
            let code = |code: &[u8; 32]| stored_code(client, at, code);
            // A first run finds the code that runs, to profile by line where it has DWARF.
            // On wasmi it is the decisive run, and the lens profiles it.
            let (result, mut first) = dry_run_call(&request, client, at, limits, None, false)?;
            let (line_tables, line_starts) =
                line_tables(insight, std::slice::from_ref(&first), &code);
            let (profiled, lens) = match lens::wanted_for_profiles(&first) {
                true => {
                    let lens = lens::profile_all(std::slice::from_mut(&mut first), || {
                        let profile = Some(ProfileRequest::by_line(line_starts));
                        let lensed = dry_run_call(&request, client, at, limits, profile, true);
                        lensed.map(|(_, trace)| vec![trace]).map_err(message)
                    });
                    ((result, first), lens.into_iter().next().flatten())
                }
                false => (
                    dry_run_call(
                        &request,
                        client,
                        at,
                        limits,
                        Some(ProfileRequest::by_line(line_starts)),
                        false,
                    )?,
                    None,
                ),
            };
            let unlimited = || dry_run_call(&request, client, at, Limits::MAX, None, false);
            let (result, annotated) = explained(insight, &code, limits, profiled, unlimited)?;
            let title = annotated
                .trace
                .root
                .as_ref()
                .zip(annotated.frames.first())
                .map_or_else(|| "call".to_owned(), |(root, notes)| notes.call_text(root));
            let total = Some(result.gas_consumed.ref_time());
            let profile = gas_report(
                insight,
                &annotated,
                &code,
                total,
                &line_tables,
                &title,
                lens.as_ref(),
            )?;
            let trace = annotated_trace(annotated, lens.as_ref());
            Ok(DryRunReport {
                profile: Some(profile),
                ..report(result, trace, call_return)
            })
        })
        .await
        .map_err(Into::into)
    }

    async fn profile_extrinsic(
        &self,
        block_ref: BlockRef,
        index: u32,
    ) -> RpcResult<ExtrinsicReport> {
        self.run("europa_profileExtrinsic", move |client, _, insight| {
            extrinsic_report(client, insight, block_ref, index, true)
        })
        .await
        .map_err(Into::into)
    }

    async fn line_record(&self, request: LineRecordRequest) -> RpcResult<LineRecordAnswer> {
        let request = line_record::checked(request)?;
        self.run("europa_lineRecord", move |client, _, insight| {
            line_record::answer(client, insight, request)
        })
        .await
        .map_err(Into::into)
    }
}

/// What extrinsic `index` of `block_ref` did, re-executed: its outcome, events and
/// annotated traces, and with `profile` its gas profile.
fn extrinsic_report<C>(
    client: &C,
    insight: &Insight,
    block_ref: BlockRef,
    index: u32,
    profile: bool,
) -> Result<ExtrinsicReport, RpcError>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
    C: sc_client_api::StorageProvider<Block, FullBackend>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord>,
{
    let block = find_block(client, block_ref)?;
    let (number, hash) = (block.header().number, block.header().hash());
    let count = block.extrinsics().len();
    let no_such_extrinsic = || {
        invalid_params(format!(
            "block {block_ref} has {count} extrinsics: there is no extrinsic {index}"
        ))
    };
    if number == 0 || index as usize >= count {
        return Err(no_such_extrinsic());
    }
    let parent = block.header().parent_hash;
    let extrinsic = block.extrinsics()[index as usize].clone();
    let code = |code: &[u8; 32]| stored_code(client, hash, code);
    // Each run on an API instance of its own: one keeps the state it changed.
    let api = || runtime_api(client, false);
    // The decisive run; on wasmi a profile comes from the lens, otherwise from a second,
    // profiled run, by line where the code that ran has DWARF.
    let (mut outcome, mut events, mut traces) = api()
        .trace_extrinsic(parent, block.clone(), index)
        .map_err(runtime_error)?
        .ok_or_else(no_such_extrinsic)?;
    let (lens, line_tables) = match profile {
        false => {
            let lens = lens::apply_all(&mut traces, || {
                lens::extrinsic_traces(
                    runtime_api(client, true).trace_extrinsic(parent, block, index),
                )
            });
            (lens, LineTables::new())
        }
        true => {
            let (tables, starts) = line_tables(insight, &traces, &code);
            let lens = if traces.iter().any(lens::wanted_for_profiles) {
                lens::profile_all(&mut traces, || {
                    let lensed = runtime_api(client, true)
                        .profile_extrinsic(parent, block, index, starts, 0, None);
                    lens::extrinsic_traces(lensed)
                })
            } else {
                (outcome, events, traces) = api()
                    .profile_extrinsic(parent, block, index, starts, 0, None)
                    .map_err(runtime_error)?
                    .ok_or_else(no_such_extrinsic)?;
                Vec::new()
            };
            (lens, tables)
        }
    };
    let mut annotated: Vec<Annotated> = traces
        .into_iter()
        .map(|trace| insight.annotate(trace, &|code| stored_code(client, hash, code)))
        .collect();
    if let (Some(first), Ok(Err(error))) = (annotated.first_mut(), &outcome) {
        if let Some(needs) = needs_of_extrinsic(client, parent, &extrinsic, error)? {
            first.explain_further(&needs);
        }
    }
    let outcome = match outcome {
        Ok(Ok(())) => ExtrinsicOutcome::Ok(()),
        Ok(Err(error)) => ExtrinsicOutcome::Err(super::error_name(&error)),
        Err(invalid) => ExtrinsicOutcome::Invalid(format!("{invalid:?}")),
    };
    let title = format!("extrinsic {number}.{index}");
    let report = match (profile, annotated.first()) {
        (false, _) => None,
        (true, None) => return Err(invalid_params(format!("{title} ran no contract"))),
        (true, Some(first)) => Some(gas_report(
            insight,
            first,
            &code,
            None,
            &line_tables,
            &title,
            lens.first().and_then(Option::as_ref),
        )?),
    };
    let mut traces = annotated
        .into_iter()
        .zip(lens.into_iter().chain(std::iter::repeat(None)))
        .map(|(annotated, lens)| annotated_trace(annotated, lens.as_ref()));
    Ok(ExtrinsicReport {
        block_hash: hash,
        block_number: number,
        extrinsic_index: index,
        outcome,
        events: events.iter().map(event_record).collect(),
        trace: traces.next(),
        other_traces: traces.collect(),
        profile: report,
    })
}

/// The block `block` names, or an error that says it is not on this chain.
pub(in crate::rpc) fn find_block<C>(client: &C, block: BlockRef) -> Result<Block, RpcError>
where
    C: HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
{
    let unknown = || invalid_params(format!("block {block} is not on this chain"));
    let hash = match block {
        BlockRef::Hash(hash) => hash,
        BlockRef::Number(number) => client
            .hash(number)
            .map_err(runtime_error)?
            .ok_or_else(unknown)?,
    };
    Ok(client
        .block(hash)
        .map_err(runtime_error)?
        .ok_or_else(unknown)?
        .block)
}

/// An event as its SCALE encoding (what `System.Events` holds) and a readable form.
fn event_record(record: &EventRecord) -> api::EventRecord {
    api::EventRecord {
        phase: format!("{:?}", record.phase),
        event: format!("{:?}", record.event),
        encoded: Bytes(record.encode()),
    }
}

/// What a called contract returned.
fn call_return(value: pallet_europa_contracts::ExecReturnValue) -> CallReturn {
    CallReturn {
        flags: value.flags.bits(),
        data: Bytes(value.data),
    }
}

fn message(error: RpcError) -> String {
    error.to_string()
}

/// An annotated trace as the RPC answers it, with what the lens did for it (`lens`)
/// and, where it gave no source line, why, in the explanations of the frames that
/// trapped.
fn annotated_trace(mut annotated: Annotated, lens: Option<&LensNote>) -> ExecutionTrace {
    if let Some(text) = lens.and_then(LensNote::unlocated_text) {
        annotated.explain_traps_further(&text);
    }
    let mut trace = annotated.into_trace();
    trace.lens = lens.map(LensNote::report);
    trace
}

/// A dry run's answer: its gas, deposit, debug text, result (`ok` as `ok` makes it) and
/// its (annotated) trace.
fn report<R, T>(
    result: ContractResult<Result<R, DispatchError>, Balance, EventRecord>,
    trace: ExecutionTrace,
    ok: impl FnOnce(R) -> T,
) -> DryRunReport<T> {
    let storage_deposit = match result.storage_deposit {
        StorageDeposit::Charge(amount) => api::StorageDeposit::Charge(Amount(amount)),
        StorageDeposit::Refund(amount) => api::StorageDeposit::Refund(Amount(amount)),
    };
    DryRunReport {
        gas_consumed: result.gas_consumed.into(),
        gas_required: result.gas_required.into(),
        storage_deposit,
        debug_message: String::from_utf8_lossy(&result.debug_message).into_owned(),
        result: match result.result {
            Ok(value) => DryRunResult::Ok(ok(value)),
            Err(error) => DryRunResult::Err(super::error_name(&error)),
        },
        trace,
        profile: None,
    }
}
