//! `europa_lineRecord`: one execution — a dry-run call or instantiation, or an extrinsic
//! re-executed — line by line (`insight::line_record`). The decisive run comes first and
//! says which code runs (for its DWARF's line starts); the steps come from a run with
//! every block and line marked: on a wasmi chain the lens, which must agree with the
//! decisive run frame by frame, else the record says why it has no steps.

use europa_rpc_api::{
    line_record::{ExtrinsicRef, LineRecordAnswer, LineRecordRequest},
    params::BlockRef,
    trace::{CallRequest, InstantiateRequest},
};
use europa_runtime::{opaque::Block, AccountId, Balance, EventRecord, Hash};
use pallet_europa_contracts::{
    api::ContractsTraceApi,
    trace::{ExecutionTrace, Snapshot},
    Capture, Code,
};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::{BlakeTwo256, Block as BlockT, Hash as _};

use super::{
    code_to_instantiate, dry_run_call, encode_call, find_block, limits::Limits, message,
    profile::line_tables, ProfileRequest,
};
use crate::{
    insight::{line_record, Annotated, Insight},
    lens::{self, runtime_api, LensNote, LENS_EXECUTOR},
    rpc::RpcError,
    rpc::{insight::stored_code, invalid_params, runtime_error, FullBackend},
};

/// Steps a record keeps unless asked for another number.
pub const DEFAULT_STEPS: u32 = 100_000;
/// Steps a record keeps at most: about 40 MiB of JSON, under the 64 MiB responses.
pub const MAX_STEPS: u32 = 1_000_000;

/// A request that names one execution and a step cap within bounds.
pub struct Checked {
    what: What,
    at: Option<Hash>,
    max_steps: u32,
}

#[derive(Clone)]
enum What {
    Call(CallRequest),
    Instantiate(InstantiateRequest, Code<Hash>),
    Extrinsic(ExtrinsicRef),
}

/// `request` checked: it names one execution and a step cap within bounds.
pub fn checked(request: LineRecordRequest) -> Result<Checked, RpcError> {
    let max_steps = request.max_steps.unwrap_or(DEFAULT_STEPS);
    if max_steps > MAX_STEPS {
        return Err(invalid_params(format!(
            "maxSteps is at most {MAX_STEPS}, not {max_steps}"
        )));
    }
    let what = match (request.call, request.instantiate, request.extrinsic) {
        (Some(call), None, None) => What::Call(call),
        (None, Some(instantiate), None) => {
            let code = code_to_instantiate(&instantiate)?;
            What::Instantiate(instantiate, code)
        }
        (None, None, Some(extrinsic)) => What::Extrinsic(extrinsic),
        _ => {
            return Err(invalid_params(
                "give exactly one of `call`, `instantiate` and `extrinsic`",
            ))
        }
    };
    Ok(Checked {
        what,
        at: request.at,
        max_steps,
    })
}

/// The record of the execution `request` names.
pub fn answer<C>(
    client: &C,
    insight: &Insight,
    request: Checked,
) -> Result<LineRecordAnswer, RpcError>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
    C: sc_client_api::StorageProvider<Block, FullBackend>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
{
    answer_with(client, insight, request, |answer, _, _| answer)
}

/// [`answer`], handed to `then` with a reader of the code the execution ran (by hash,
/// as the state it ran on holds it, or as a dry run uploaded it) and how to run it
/// again.
pub fn answer_with<C, R>(
    client: &C,
    insight: &Insight,
    request: Checked,
    then: impl FnOnce(LineRecordAnswer, &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>, Replay) -> R,
) -> Result<R, RpcError>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
    C: sc_client_api::StorageProvider<Block, FullBackend>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
{
    let steps = request.max_steps;
    let at = request.at.unwrap_or_else(|| client.info().best_hash);
    let (what, title, state, upload) = match request.what {
        What::Extrinsic(ExtrinsicRef { block, index }) => {
            let found = find_block(client, block)?;
            let (number, hash) = (found.header().number, found.header().hash());
            let count = found.extrinsics().len();
            if number == 0 || index as usize >= count {
                return Err(invalid_params(format!(
                    "block {block} has {count} extrinsics: there is no extrinsic {index}"
                )));
            }
            // By hash from now on, so that a replay runs this very block.
            let block = BlockRef::Hash(hash);
            let what = What::Extrinsic(ExtrinsicRef { block, index });
            (what, format!("extrinsic {number}.{index}"), hash, None)
        }
        What::Instantiate(instantiate, code) => {
            let upload = match &code {
                Code::Upload(bytes) => Some(bytes.clone()),
                Code::Existing(_) => None,
            };
            let what = What::Instantiate(instantiate, code);
            (what, "instantiation".to_owned(), at, upload)
        }
        What::Call(call) => {
            let call = encode_call(call, client, insight, at)?;
            (What::Call(call), "call".to_owned(), at, None)
        }
    };
    let code = |hash: &[u8; 32]| with_upload(&upload, hash, || stored_code(client, state, hash));
    let traces = run(client, &what, at, None, false)?;
    if traces.is_empty() {
        return Err(invalid_params(format!("{title} ran no contract")));
    }
    let (_, line_starts) = line_tables(insight, &traces, &code);
    let decisive_ref_time = traces
        .first()
        .and_then(|trace| trace.root.as_ref())
        .map(|root| root.gas_consumed.ref_time);
    let profile = ProfileRequest {
        line_starts: line_starts.clone(),
        max_steps: steps,
        capture: None,
    };
    let (trace, lens, on_lens) = stepped(traces, |lens| {
        run(client, &what, at, Some(profile.clone()), lens)
    })?;
    let executor = trace.executor.clone();
    let annotated: Annotated = insight.annotate(trace, &code);
    let ran_code = annotated
        .trace
        .root
        .iter()
        .flat_map(|root| root.frames())
        .any(|frame| frame.profile.is_some());
    if !ran_code {
        return Err(invalid_params(format!(
            "no line record: no contract code ran in the {title}{}",
            annotated
                .trace
                .error
                .as_ref()
                .map_or_else(String::new, |error| format!(" ({error})"))
        )));
    }
    if let Some(LensNote::Disagrees(why) | LensNote::Failed(why)) = &lens {
        return Err(invalid_params(format!(
            "no line record: its re-run on {LENS_EXECUTOR}, which records a wasmi \
             execution's lines, did not follow it ({why})"
        )));
    }
    let steps_executor = match on_lens {
        true => LENS_EXECUTOR,
        false => executor.as_str(),
    };
    let record = line_record(insight, &annotated, &code, steps_executor, steps);
    let answer = LineRecordAnswer {
        record,
        explanation: annotated.explanation.clone(),
        executor,
        ref_time: decisive_ref_time,
    };
    let replay = Replay {
        what,
        at,
        state,
        upload: upload.clone(),
        line_starts,
        lens: on_lens,
    };
    Ok(then(answer, &code, replay))
}

/// How to run a recorded execution again for a debugger's snapshots: the same
/// execution on the same state, instrumented the same way, on the executor whose steps
/// the record has.
#[derive(Clone)]
pub struct Replay {
    what: What,
    /// The state a dry run runs on.
    at: Hash,
    /// The state the execution's code is read from, and the code a dry run uploads.
    state: Hash,
    upload: Option<Vec<u8>>,
    line_starts: Vec<(Hash, Vec<u32>)>,
    lens: bool,
}

impl Replay {
    /// The code the execution ran under `hash`.
    pub fn code<C>(&self, client: &C, hash: &[u8; 32]) -> Option<Vec<u8>>
    where
        C: sc_client_api::StorageProvider<Block, FullBackend>,
    {
        with_upload(&self.upload, hash, || stored_code(client, self.state, hash))
    }

    /// Runs the execution again and returns the state `capture` names, if the run
    /// reached it.
    pub fn snapshot<C>(&self, client: &C, capture: Capture) -> Result<Option<Snapshot>, RpcError>
    where
        C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
        C::Api:
            ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
    {
        // Steps are counted whether kept or not: none are kept.
        let profile = ProfileRequest {
            line_starts: self.line_starts.clone(),
            max_steps: 0,
            capture: Some(capture),
        };
        let traces = run(client, &self.what, self.at, Some(profile), self.lens)?;
        // The record is of the first execution; captures count its frames.
        let root = traces.into_iter().next().and_then(|trace| trace.root);
        Ok(root.and_then(|root| {
            root.frames()
                .find_map(|frame| frame.profile.as_ref()?.snapshot.clone())
        }))
    }
}

/// Runs the execution `what` names once (a dry run on state `at`): with gas profiles
/// as `profile` asks, on the lens when `lens`. Each run is on an API instance of its
/// own.
fn run<C>(
    client: &C,
    what: &What,
    at: Hash,
    profile: Option<ProfileRequest>,
    lens: bool,
) -> Result<Vec<ExecutionTrace>, RpcError>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
{
    match what {
        What::Call(call) => {
            let limits = Limits::of(call.gas_limit, call.storage_deposit_limit);
            let (_, trace) = dry_run_call(call, client, at, limits, profile, lens)?;
            Ok(vec![trace])
        }
        What::Instantiate(instantiate, code) => {
            let limits = Limits::of(instantiate.gas_limit, instantiate.storage_deposit_limit);
            let api = runtime_api(client, lens);
            let (origin, value) = (instantiate.origin.0.clone(), instantiate.value.0);
            let (data, salt) = (
                instantiate.data.bytes().to_vec(),
                instantiate.salt.bytes().to_vec(),
            );
            let (gas, deposit, code) = (limits.gas, limits.deposit, code.clone());
            match profile {
                None => api.trace_instantiate(at, origin, value, gas, deposit, code, data, salt),
                Some(p) => api.profile_instantiate(
                    at,
                    origin,
                    value,
                    gas,
                    deposit,
                    code,
                    data,
                    salt,
                    p.line_starts,
                    p.max_steps,
                    p.capture,
                ),
            }
            .map(|(_, trace)| vec![trace])
            .map_err(runtime_error)
        }
        What::Extrinsic(ExtrinsicRef { block, index }) => {
            let found = find_block(client, *block)?;
            let (number, parent) = (found.header().number, found.header().parent_hash);
            let api = runtime_api(client, lens);
            let answer = match profile {
                None => api.trace_extrinsic(parent, found, *index),
                Some(p) => api.profile_extrinsic(
                    parent,
                    found,
                    *index,
                    p.line_starts,
                    p.max_steps,
                    p.capture,
                ),
            };
            lens::extrinsic_traces(answer)
                .map_err(|why| runtime_error(format!("extrinsic {number}.{index}: {why}")))
        }
    }
}

/// The first of the decisive `traces` (one runtime call's executions) with its frames'
/// steps: from `rerun(lens)` on the lens where the decisive executor keeps no steps
/// (wasmi), else from a re-run on it; and whether they came from the lens.
fn stepped(
    mut traces: Vec<ExecutionTrace>,
    rerun: impl Fn(bool) -> Result<Vec<ExecutionTrace>, RpcError>,
) -> Result<(ExecutionTrace, Option<LensNote>, bool), RpcError> {
    let mut notes = Vec::new();
    let on_lens = traces.iter().any(lens::wanted_for_profiles);
    if on_lens {
        notes = lens::profile_all(&mut traces, || rerun(true).map_err(message));
    } else {
        let rerun = rerun(false)?;
        if rerun.len() == traces.len() {
            traces = rerun;
        }
    }
    let trace = traces.into_iter().next().unwrap_or_default();
    Ok((trace, notes.into_iter().next().flatten(), on_lens))
}

/// The code a dry run uploads when `hash` is its hash (it is not stored yet), else
/// what `stored` reads.
fn with_upload(
    upload: &Option<Vec<u8>>,
    hash: &[u8; 32],
    stored: impl FnOnce() -> Option<Vec<u8>>,
) -> Option<Vec<u8>> {
    match upload {
        Some(code) if BlakeTwo256::hash(code).0 == *hash => Some(code.clone()),
        _ => stored(),
    }
}
