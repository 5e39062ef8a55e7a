//! `europa_debug*`: debugging sessions. A session is one execution's line record kept on
//! the node with a position and breakpoints (`debugger::Timeline`); the DAP adapter
//! (`europa debug`) and the Explorer move it and read the state at each step. Sessions
//! are few and expire when idle, so forgotten ones cost nothing for long.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use europa_runtime::{opaque::Block, AccountId, Balance, EventRecord, Hash};
use jsonrpsee::{
    core::{async_trait, RpcResult},
    proc_macros::rpc,
    types::ErrorObjectOwned,
};
use pallet_europa_contracts::api::ContractsTraceApi;
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;

use super::{
    invalid_params,
    trace::{
        line_record::{answer_with, LineRecordRequest},
        Tracer,
    },
    FullBackend,
};
use crate::{
    debugger::{Breakpoint, Move, StepState, Stop, Timeline},
    insight::{Insight, LineRecord},
};

/// Sessions kept at once; launching another ends the one idle longest.
pub const MAX_SESSIONS: usize = 8;
/// A session nobody moved for this long is ended.
pub const IDLE_EXPIRY: Duration = Duration::from_secs(30 * 60);

#[rpc(server)]
pub trait DebugApi {
    /// Starts a session on one execution, named as `europa_lineRecord` takes it (at the
    /// first step). Returns `{session, steps, executor, stepsExecutor, explanation}`.
    #[method(name = "europa_debugLaunch")]
    async fn launch(&self, target: LineRecordRequest) -> RpcResult<Launched>;

    /// Sets the breakpoints of one source file (a client's path, matched to the file
    /// DWARF names with the longest common ending): `[{requested, line, file}]`, `line`
    /// the nearest line at or after the one asked for with code, `null` if none.
    #[method(name = "europa_debugSetBreakpoints")]
    fn set_breakpoints(
        &self,
        session: u64,
        path: String,
        lines: Vec<u32>,
    ) -> RpcResult<Vec<Breakpoint>>;

    /// Moves: `in`, `over`, `out`, `back`, `continue`, `reverseContinue`, `restart`, or
    /// `{"goto": STEP}`. Returns the state there, with why it stopped.
    #[method(name = "europa_debugStep")]
    fn step(&self, session: u64, how: Move) -> RpcResult<StepState>;

    /// The state at the current step.
    #[method(name = "europa_debugState")]
    fn state(&self, session: u64) -> RpcResult<StepState>;

    /// Ends a session. Returns whether there was one.
    #[method(name = "europa_debugClose")]
    fn close(&self, session: u64) -> RpcResult<bool>;
}

/// A session started.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Launched {
    session: u64,
    steps: u32,
    executor: String,
    steps_executor: String,
    explanation: Option<String>,
    /// The text of the Rust files the record names that are on the node's machine.
    sources: BTreeMap<String, Vec<String>>,
}

struct Session {
    timeline: Timeline,
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
}

impl<C> DebugRpc<C> {
    pub fn new(tracer: Tracer<C>) -> Self {
        DebugRpc {
            tracer,
            sessions: Arc::default(),
        }
    }

    /// Runs `f` on session `id`, ending idle ones first.
    fn with<R>(&self, id: u64, f: impl FnOnce(&mut Timeline) -> R) -> RpcResult<R> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions
            .open
            .retain(|_, session| session.used.elapsed() < IDLE_EXPIRY);
        let session = sessions.open.get_mut(&id).ok_or_else(|| no_session(id))?;
        session.used = Instant::now();
        Ok(f(&mut session.timeline))
    }
}

fn no_session(id: u64) -> ErrorObjectOwned {
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
        .filter_map(|frame| {
            let bytes = sp_core::bytes::from_hex(&frame.code_hash).ok()?;
            bytes.try_into().ok()
        })
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

#[async_trait]
impl<C> DebugApiServer for DebugRpc<C>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
    C: sc_client_api::StorageProvider<Block, FullBackend>,
    C: Send + Sync + 'static,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
{
    async fn launch(&self, target: LineRecordRequest) -> RpcResult<Launched> {
        let request = target.checked()?;
        let (timeline, launched) = self
            .tracer
            .run("europa_debugLaunch", move |client, _, insight| {
                answer_with(client, insight, request, |answer, code| {
                    let lines = lines_with_code(insight, &answer.record, code);
                    let launched = Launched {
                        session: 0,
                        steps: answer.record.steps.len() as u32,
                        executor: answer.executor,
                        steps_executor: answer.record.steps_executor.clone(),
                        explanation: answer.explanation,
                        sources: answer.record.sources.clone(),
                    };
                    (Timeline::new(answer.record, lines), launched)
                })
            })
            .await?;
        if timeline.steps() == 0 {
            return Err(invalid_params(
                "the execution reached no code to step through",
            ));
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
        self.with(session, |timeline| timeline.set_breakpoints(&path, &lines))
    }

    fn step(&self, session: u64, how: Move) -> RpcResult<StepState> {
        self.with(session, |timeline| timeline.go(how))
    }

    fn state(&self, session: u64) -> RpcResult<StepState> {
        self.with(session, |timeline| timeline.state(Stop::Step))
    }

    fn close(&self, session: u64) -> RpcResult<bool> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        Ok(sessions.open.remove(&session).is_some())
    }
}
