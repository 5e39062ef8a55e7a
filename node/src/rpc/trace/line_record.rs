//! `europa_lineRecord`: one execution — a dry-run call or instantiation, or an extrinsic
//! re-executed — line by line (`insight::line_record`). The decisive run comes first and
//! says which code runs (for its DWARF's line starts); the steps come from a run with
//! every block and line marked: on a wasmi chain the lens, which must agree with the
//! decisive run frame by frame, else the record says why it has no steps.

use europa_runtime::{opaque::Block, AccountId, Balance, EventRecord, Hash};
use jsonrpsee::types::ErrorObjectOwned;
use pallet_europa_contracts::{api::ContractsTraceApi, trace::ExecutionTrace, Code};
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::{BlakeTwo256, Block as BlockT, Hash as _};

use super::{
    find_block, limits::Limits, message, profile::line_tables, CallRequest, InstantiateRequest,
    ProfileRequest,
};
use crate::{
    insight::{line_record, Annotated, Insight, LineRecord},
    lens::{self, runtime_api, LensNote, LENS_EXECUTOR},
    rpc::{insight::stored_code, invalid_params, params::BlockRef, runtime_error, FullBackend},
};

/// Steps a record keeps unless asked for another number.
pub const DEFAULT_STEPS: u32 = 100_000;
/// Steps a record keeps at most: about 40 MiB of JSON, under the 64 MiB responses.
pub const MAX_STEPS: u32 = 1_000_000;

/// What to record: exactly one of `call`, `instantiate` and `extrinsic`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LineRecordRequest {
    call: Option<CallRequest>,
    instantiate: Option<InstantiateRequest>,
    extrinsic: Option<ExtrinsicRef>,
    /// The block a dry run runs on (default: the best block).
    at: Option<Hash>,
    max_steps: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtrinsicRef {
    block: BlockRef,
    index: u32,
}

/// The answer: the record, with what decided the execution and why it failed. Served
/// as it is, not through a JSON tree: a million steps take 20 MiB as text and ten times
/// that as `serde_json::Value`s.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineRecordAnswer {
    /// The executor that decides (wasmi on a default chain).
    pub executor: String,
    #[serde(flatten)]
    pub record: LineRecord,
    /// Why the execution failed, when it did.
    pub explanation: Option<String>,
}

/// A request that names one execution and a step cap within bounds.
pub struct Checked {
    what: What,
    at: Option<Hash>,
    max_steps: u32,
}

enum What {
    Call(CallRequest),
    Instantiate(InstantiateRequest, Code<Hash>),
    Extrinsic(ExtrinsicRef),
}

impl LineRecordRequest {
    pub fn checked(self) -> Result<Checked, ErrorObjectOwned> {
        let max_steps = self.max_steps.unwrap_or(DEFAULT_STEPS);
        if max_steps > MAX_STEPS {
            return Err(invalid_params(format!(
                "maxSteps is at most {MAX_STEPS}, not {max_steps}"
            )));
        }
        let what = match (self.call, self.instantiate, self.extrinsic) {
            (Some(call), None, None) => What::Call(call),
            (None, Some(instantiate), None) => {
                let code = instantiate.code()?;
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
            at: self.at,
            max_steps,
        })
    }
}

/// The record of the execution `request` names.
pub fn answer<C>(
    client: &C,
    insight: &Insight,
    request: Checked,
) -> Result<LineRecordAnswer, ErrorObjectOwned>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
    C: sc_client_api::StorageProvider<Block, FullBackend>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
{
    answer_with(client, insight, request, |answer, _| answer)
}

/// [`answer`], handed to `then` with a reader of the code the execution ran (by hash,
/// as the state it ran on holds it, or as a dry run uploaded it).
pub fn answer_with<C, R>(
    client: &C,
    insight: &Insight,
    request: Checked,
    then: impl FnOnce(LineRecordAnswer, &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>) -> R,
) -> Result<R, ErrorObjectOwned>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
    C: sc_client_api::StorageProvider<Block, FullBackend>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
{
    let steps = request.max_steps;
    let (trace, lens, title, state, upload) = match request.what {
        What::Call(call) => {
            let at = request.at.unwrap_or_else(|| client.info().best_hash);
            let limits = Limits::of(call.gas_limit, call.storage_deposit_limit);
            let code = |hash: &[u8; 32]| stored_code(client, at, hash);
            let (_, first) = call.dry_run(client, at, limits, None, false)?;
            let (_, starts) = line_tables(insight, std::slice::from_ref(&first), &code);
            let (trace, lens) = stepped(vec![first], |lens| {
                let profile = Some((starts.clone(), steps));
                call.dry_run(client, at, limits, profile, lens)
                    .map(|(_, trace)| vec![trace])
            })?;
            (trace, lens, "call".to_owned(), at, None)
        }
        What::Instantiate(instantiate, code) => {
            let at = request.at.unwrap_or_else(|| client.info().best_hash);
            let limits = Limits::of(instantiate.gas_limit, instantiate.storage_deposit_limit);
            let run = |profile: Option<ProfileRequest>, lens: bool| {
                let api = runtime_api(client, lens);
                let (origin, value) = (instantiate.origin.0.clone(), instantiate.value.0);
                let (data, salt) = (instantiate.data.0.clone(), instantiate.salt.0.clone());
                let (gas, deposit, code) = (limits.gas, limits.deposit, code.clone());
                match profile {
                    None => {
                        api.trace_instantiate(at, origin, value, gas, deposit, code, data, salt)
                    }
                    Some((starts, steps)) => api.profile_instantiate(
                        at, origin, value, gas, deposit, code, data, salt, starts, steps,
                    ),
                }
                .map(|(_, trace)| trace)
                .map_err(runtime_error)
            };
            let first = run(None, false)?;
            let upload = match &code {
                Code::Upload(bytes) => Some(bytes.clone()),
                Code::Existing(_) => None,
            };
            let code_of =
                |hash: &[u8; 32]| with_upload(&upload, hash, || stored_code(client, at, hash));
            let (_, starts) = line_tables(insight, std::slice::from_ref(&first), &code_of);
            let (trace, lens) = stepped(vec![first], |lens| {
                run(Some((starts.clone(), steps)), lens).map(|trace| vec![trace])
            })?;
            (trace, lens, "instantiation".to_owned(), at, upload)
        }
        What::Extrinsic(ExtrinsicRef { block, index }) => {
            let found = find_block(client, block)?;
            let (number, hash) = (found.header().number, found.header().hash());
            let parent = found.header().parent_hash;
            let count = found.extrinsics().len();
            if number == 0 || index as usize >= count {
                return Err(invalid_params(format!(
                    "block {block} has {count} extrinsics: there is no extrinsic {index}"
                )));
            }
            let run = |profile: Option<ProfileRequest>, lens: bool| {
                let api = runtime_api(client, lens);
                let block = found.clone();
                let answer = match profile {
                    None => api.trace_extrinsic(parent, block, index),
                    Some((starts, steps)) => {
                        api.profile_extrinsic(parent, block, index, starts, steps)
                    }
                };
                lens::extrinsic_traces(answer)
                    .map_err(|why| runtime_error(format!("extrinsic {number}.{index}: {why}")))
            };
            let traces = run(None, false)?;
            let title = format!("extrinsic {number}.{index}");
            if traces.is_empty() {
                return Err(invalid_params(format!("{title} ran no contract")));
            }
            let code = |code: &[u8; 32]| stored_code(client, hash, code);
            let (_, starts) = line_tables(insight, &traces, &code);
            let (trace, lens) = stepped(traces, |lens| run(Some((starts.clone(), steps)), lens))?;
            (trace, lens, title, hash, None)
        }
    };
    let executor = trace.executor.clone();
    let code = |hash: &[u8; 32]| with_upload(&upload, hash, || stored_code(client, state, hash));
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
    let steps_executor = match lens {
        Some(_) => LENS_EXECUTOR,
        None => executor.as_str(),
    };
    let record = line_record(insight, &annotated, &code, steps_executor, steps);
    let answer = LineRecordAnswer {
        record,
        explanation: annotated.explanation.clone(),
        executor,
    };
    Ok(then(answer, &code))
}

/// The first of the decisive `traces` (one runtime call's executions) with its frames'
/// steps: from `rerun(lens)` on the lens where the decisive executor keeps no steps
/// (wasmi), else from a re-run on it.
fn stepped(
    mut traces: Vec<ExecutionTrace>,
    rerun: impl Fn(bool) -> Result<Vec<ExecutionTrace>, ErrorObjectOwned>,
) -> Result<(ExecutionTrace, Option<LensNote>), ErrorObjectOwned> {
    let mut notes = Vec::new();
    if traces.iter().any(lens::wanted_for_profiles) {
        notes = lens::profile_all(&mut traces, || rerun(true).map_err(message));
    } else {
        let rerun = rerun(false)?;
        if rerun.len() == traces.len() {
            traces = rerun;
        }
    }
    let trace = traces.into_iter().next().unwrap_or_default();
    Ok((trace, notes.into_iter().next().flatten()))
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

impl InstantiateRequest {
    /// The code to instantiate: new code or a stored code's hash.
    pub fn code(&self) -> Result<Code<Hash>, ErrorObjectOwned> {
        match (&self.code, self.code_hash) {
            (Some(code), None) => Ok(Code::Upload(code.0.clone())),
            (None, Some(hash)) => Ok(Code::Existing(hash)),
            _ => Err(invalid_params("give exactly one of `code` and `codeHash`")),
        }
    }
}
