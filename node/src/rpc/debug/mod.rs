//! `europa_debug*`: debugging sessions. A session is one execution's line record kept on
//! the node with a position and breakpoints (`debugger::Timeline`); the DAP adapter
//! (`europa debug`) and the Explorer move it and read the state at each step. Sessions
//! are few and expire when idle, so forgotten ones cost nothing for long.

mod inspect;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use codec::Encode;
use europa_rpc_api::{
    debug::{
        Breakpoint, DebugApiServer, DebugTarget, Exception, FrameVariables, Launched, MemoryRead,
        Move, StepState, StorageAccess, Variable,
    },
    line_record::{ExtrinsicRef, LineRecordRequest},
    params::BlockRef,
};
use europa_runtime::{opaque::Block, AccountId, Balance, EventRecord, Hash};
use futures::StreamExt;
use jsonrpsee::core::{async_trait, RpcResult};
use pallet_europa_contracts::{api::ContractsTraceApi, trace::Snapshot};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::{Block as BlockT, Header as _};

use super::{
    invalid_params, runtime_error,
    trace::{
        call_request, find_block,
        line_record::{self, answer_with, Replay},
        Tracer,
    },
    FullBackend,
};
use crate::{
    debugger::{
        next_dry_run::{self, DryRunWatch},
        storage_accesses, variables, Stop, Timeline,
    },
    insight::{Insight, LineRecord},
    lens::runtime_api,
    rpc::RpcError,
};
use inspect::{memory_expression, read_memory, read_variables};

/// Sessions kept at once; launching another ends the one idle longest.
pub const MAX_SESSIONS: usize = 8;
/// A session nobody moved for this long is ended.
pub const IDLE_EXPIRY: Duration = Duration::from_secs(30 * 60);
/// How long a launch on a contract's next execution waits, unless told otherwise.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(120);
/// How long it may be told to wait at most (an adapter's call must still end).
pub const MAX_WAIT: Duration = Duration::from_secs(280);

struct Session {
    timeline: Timeline,
    replay: Replay,
    /// The latest snapshots taken, newest last.
    snapshots: Vec<(pallet_europa_contracts::Capture, Arc<Snapshot>)>,
    used: Instant,
}

#[derive(Default)]
struct Sessions {
    next: u64,
    open: BTreeMap<u64, Session>,
}

pub struct DebugRpc<C> {
    tracer: Tracer<C>,
    sessions: Arc<Mutex<Sessions>>,
    dry_runs: Arc<DryRunWatch>,
}

impl<C> DebugRpc<C> {
    pub fn new(tracer: Tracer<C>, dry_runs: Arc<DryRunWatch>) -> Self {
        DebugRpc {
            tracer,
            sessions: Arc::default(),
            dry_runs,
        }
    }

    /// Runs `f` on session `id`, ending idle ones first.
    fn with<R>(&self, id: u64, f: impl FnOnce(&mut Session) -> R) -> Result<R, RpcError> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions
            .open
            .retain(|_, session| session.used.elapsed() < IDLE_EXPIRY);
        let session = sessions.open.get_mut(&id).ok_or_else(|| no_session(id))?;
        session.used = Instant::now();
        Ok(f(session))
    }
}

fn no_session(id: u64) -> RpcError {
    invalid_params(format!(
        "no debugging session {id}: it ended, expired after {} minutes idle, or never was",
        IDLE_EXPIRY.as_secs() / 60
    ))
}

/// Lines with code of their own, by file as DWARF names them (an instruction's own line,
/// not the call sites it is inlined into): from the DWARF of every code the record ran
/// (`code` reads it), and the lines it entered.
fn lines_with_code(
    insight: &Insight,
    record: &LineRecord,
    code: &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
) -> BTreeMap<String, BTreeSet<u32>> {
    let mut lines: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    let hashes: BTreeSet<[u8; 32]> = record
        .frames
        .iter()
        .map(|frame| frame.code_hash.0)
        .collect();
    for hash in hashes {
        let Some(bytes) = code(&hash) else { continue };
        let source = insight.source_lines(hash, &bytes);
        for function in &source.functions {
            for (_, located) in &function.instructions {
                if let Some(&(file, line)) = located.first() {
                    if let Some(path) = source.files.get(file as usize) {
                        lines.entry(path.clone()).or_default().insert(line);
                    }
                }
            }
        }
    }
    for location in &record.locations {
        if let (Some(file), Some(line)) = (&location.file, location.line) {
            lines.entry(file.clone()).or_default().insert(line);
        }
    }
    lines
}

impl<C> DebugRpc<C>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
    C: sc_client_api::BlockchainEvents<Block>,
    C: Send + Sync + 'static,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
{
    /// The next execution that runs `contract` (in any frame), within `wait`: an
    /// extrinsic of the blocks imported from now on, or a dry-run call.
    async fn next_execution(
        &self,
        contract: AccountId,
        wait: Duration,
    ) -> Result<LineRecordRequest, RpcError> {
        let dry_run = self.dry_runs.wait(contract.clone()).ok_or_else(|| {
            invalid_params(format!(
                "{} launches wait for a contract's next execution already",
                next_dry_run::MAX_WAITING
            ))
        })?;
        let deadline = tokio::time::Instant::now() + wait;
        let timed_out = || {
            invalid_params(format!(
                "{contract} ran in no block and no dry run within {} s",
                wait.as_secs()
            ))
        };
        let extrinsic = self.next_extrinsic(contract.clone());
        tokio::select! {
            found = extrinsic => {
                let (block, index) = found?;
                Ok(LineRecordRequest {
                    extrinsic: Some(ExtrinsicRef { block: BlockRef::Hash(block), index }),
                    ..LineRecordRequest::default()
                })
            }
            caught = dry_run => {
                let caught = caught.map_err(|_| runtime_error("the node is shutting down"))?;
                let at = self
                    .tracer
                    .client()
                    .hash(caught.number)
                    .ok()
                    .flatten()
                    .ok_or_else(|| runtime_error("the dry run's block is gone"))?;
                Ok(LineRecordRequest::of_call(call_request(caught.call), Some(at)))
            }
            _ = tokio::time::sleep_until(deadline) => Err(timed_out()),
        }
    }

    /// The block and index of the next extrinsic that runs `contract` (in any frame), of
    /// the blocks imported from now on.
    async fn next_extrinsic(&self, contract: AccountId) -> Result<(Hash, u32), RpcError> {
        let mut blocks = self.tracer.client().import_notification_stream();
        let account = contract.encode();
        loop {
            let imported = blocks
                .next()
                .await
                .ok_or_else(|| runtime_error("the node is shutting down"))?;
            let hash = imported.hash;
            let account = account.clone();
            let found = self
                .tracer
                .run("europa_debugLaunch", move |client, _, _| {
                    let block = find_block(client, BlockRef::Hash(hash))?;
                    let parent = *block.header().parent_hash();
                    let traces = runtime_api(client, false)
                        .trace_block(parent, block)
                        .map_err(runtime_error)?;
                    Ok(traces.into_iter().find_map(|(index, trace)| {
                        let ran = trace.root.iter().flat_map(|root| root.frames());
                        ran.into_iter()
                            .any(|frame| frame.contract.0 == account)
                            .then_some(index)
                    }))
                })
                .await?;
            if let Some(index) = found {
                return Ok((hash, index));
            }
        }
    }
}

#[async_trait]
impl<C> DebugApiServer for DebugRpc<C>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
    C: sc_client_api::StorageProvider<Block, FullBackend> + sc_client_api::BlockchainEvents<Block>,
    C: Send + Sync + 'static,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
{
    async fn launch(&self, target: DebugTarget) -> RpcResult<Launched> {
        let execution = target.execution;
        let request = if let Some(contract) = target.contract {
            let alone = LineRecordRequest {
                max_steps: execution.max_steps,
                ..LineRecordRequest::default()
            };
            if execution != alone {
                return Err(invalid_params(
                    "give `contract` alone, or one of `call`, `instantiate` and `extrinsic`",
                )
                .into());
            }
            let wait = target
                .timeout_secs
                .map_or(DEFAULT_WAIT, Duration::from_secs)
                .min(MAX_WAIT);
            LineRecordRequest {
                max_steps: execution.max_steps,
                ..self.next_execution(contract.0, wait).await?
            }
        } else {
            execution
        };
        let request = line_record::checked(request)?;
        let (timeline, launched, replay) = self
            .tracer
            .run("europa_debugLaunch", move |client, _, insight| {
                answer_with(client, insight, request, |answer, code, replay| {
                    let lines = lines_with_code(insight, &answer.record, code);
                    let launched = Launched {
                        session: 0,
                        steps: answer.record.steps.len() as u32,
                        executor: answer.executor,
                        steps_executor: answer.record.steps_executor.clone(),
                        ref_time: answer.ref_time,
                        explanation: answer.explanation,
                        sources: answer.record.sources.clone(),
                    };
                    (Timeline::new(answer.record, lines), launched, replay)
                })
            })
            .await?;
        if timeline.steps() == 0 {
            return Err(invalid_params("the execution reached no code to step through").into());
        }
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions
            .open
            .retain(|_, session| session.used.elapsed() < IDLE_EXPIRY);
        if sessions.open.len() >= MAX_SESSIONS {
            let idlest = sessions
                .open
                .iter()
                .min_by_key(|(_, session)| session.used)
                .map(|(id, _)| *id);
            if let Some(id) = idlest {
                sessions.open.remove(&id);
            }
        }
        sessions.next += 1;
        let session = sessions.next;
        sessions.open.insert(
            session,
            Session {
                timeline,
                replay,
                snapshots: Vec::new(),
                used: Instant::now(),
            },
        );
        Ok(Launched {
            session,
            ..launched
        })
    }

    fn set_breakpoints(
        &self,
        session: u64,
        path: String,
        lines: Vec<u32>,
    ) -> RpcResult<Vec<Breakpoint>> {
        self.with(session, |session| {
            session.timeline.set_breakpoints(&path, &lines)
        })
        .map_err(Into::into)
    }

    fn set_function_breakpoints(&self, session: u64, names: Vec<String>) -> RpcResult<Vec<bool>> {
        self.with(session, |session| {
            session.timeline.set_function_breakpoints(names)
        })
        .map_err(Into::into)
    }

    fn set_exception_filters(
        &self,
        session: u64,
        filters: Vec<Exception>,
    ) -> RpcResult<Vec<Exception>> {
        self.with(session, |session| {
            session.timeline.set_exceptions(filters.iter().copied());
            filters
        })
        .map_err(Into::into)
    }

    fn step(&self, session: u64, how: Move) -> RpcResult<StepState> {
        self.with(session, |session| session.timeline.go(how))
            .map_err(Into::into)
    }

    fn state(&self, session: u64) -> RpcResult<StepState> {
        self.with(session, |session| session.timeline.state(Stop::Step))
            .map_err(Into::into)
    }

    async fn variables(&self, session: u64, frame: Option<u32>) -> RpcResult<FrameVariables> {
        let state = self.entry_state(session, frame).await?;
        self.tracer
            .run("europa_debugVariables", move |client, _, insight| {
                let (function, variables) = read_variables(client, insight, &state)?;
                Ok(FrameVariables {
                    function,
                    variables,
                    memory_bytes: state.snapshot.memory.0.len() as u64,
                })
            })
            .await
            .map_err(Into::into)
    }

    async fn evaluate(
        &self,
        session: u64,
        expression: String,
        frame: Option<u32>,
    ) -> RpcResult<Variable> {
        let state = self.entry_state(session, frame).await?;
        if let Some((address, length)) = memory_expression(&expression) {
            let read = read_memory(&state.snapshot, address, length)?;
            return Ok(Variable {
                name: expression,
                type_name: format!("[u8; {length}]"),
                value: read.data,
                address: Some(address),
                children: Vec::new(),
            });
        }
        self.tracer
            .run("europa_debugEvaluate", move |client, _, insight| {
                let (_, variables) = read_variables(client, insight, &state)?;
                variables::find(&variables, expression.trim())
                    .cloned()
                    .ok_or_else(|| {
                        invalid_params(format!(
                            "no variable `{expression}` here (give a name, a path like \
                             `a.b[2]`, or `mem[ADDRESS; LENGTH]`)"
                        ))
                    })
            })
            .await
            .map_err(Into::into)
    }

    async fn read_memory(
        &self,
        session: u64,
        address: u64,
        count: u32,
        frame: Option<u32>,
    ) -> RpcResult<MemoryRead> {
        let state = self.entry_state(session, frame).await?;
        read_memory(&state.snapshot, address, count).map_err(Into::into)
    }

    async fn storage(&self, session: u64) -> RpcResult<Vec<StorageAccess>> {
        let state = self.with(session, |session| session.timeline.state(Stop::Step))?;
        let mut accesses = storage_accesses(&state.host_calls);
        self.tracer
            .run("europa_debugStorage", move |_, _, insight| {
                let Some(reader) = insight
                    .abi(state.code_hash.as_bytes())
                    .and_then(|abi| abi.reader())
                else {
                    return Ok(accesses);
                };
                let decode = |key: &[u8], value: &Option<String>| {
                    let value = sp_core::bytes::from_hex(value.as_deref()?).ok()?;
                    reader.decode_storage(key, &value)
                };
                for access in &mut accesses {
                    let key = sp_core::bytes::from_hex(&access.key).unwrap_or_default();
                    access.decoded_before = decode(&key, &access.before);
                    access.decoded_after = decode(&key, &access.after);
                }
                Ok(accesses)
            })
            .await
            .map_err(Into::into)
    }

    fn close(&self, session: u64) -> RpcResult<bool> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        Ok(sessions.open.remove(&session).is_some())
    }
}
