//! The log's lens: a trap in a sealed block of a wasmi chain, located on wasmtime.
//!
//! The log's observer runs inside the execution that made a trace, where no other
//! runtime call can be made. It queues a trap that wants the lens here ([`LogLens`]);
//! a thread of its own waits until the trap's block is imported, re-executes its
//! extrinsic through the lens and logs the trace (once, instead of the observer) with
//! the trap located, or saying why not. The queue is bounded: a trap that finds it full
//! is logged at once, unlocated.

use std::{
    sync::{
        mpsc::{self, Receiver, SyncSender},
        Arc,
    },
    time::{Duration, Instant},
};

use europa_runtime::{opaque::Block, AccountId, Balance, BlockNumber, EventRecord, Hash};
use pallet_europa_contracts::{api::ContractsTraceApi, trace::ExecutionTrace};
use sc_client_api::{BlockBackend, StorageProvider};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::{Block as BlockT, Header as _};

use super::{locate, runtime_api, LensNote};
use crate::{
    insight::{log_execution, Insight, TraceLog},
    rpc::{stored_code, FullBackend},
};

/// Traps waiting to be located, at most.
const QUEUE: usize = 16;
/// How long the thread waits for a trap's block to be imported.
const IMPORT_WAIT: Duration = Duration::from_secs(10);
const IMPORT_POLL: Duration = Duration::from_millis(20);

/// A trap of a dispatched execution, to be located and logged.
pub struct LoggedTrap {
    pub parent: Hash,
    pub number: BlockNumber,
    pub extrinsic: u32,
    pub trace: ExecutionTrace,
}

/// Where the observer queues traps for the lens.
#[derive(Clone)]
pub struct LogLens {
    queue: SyncSender<LoggedTrap>,
}

impl LogLens {
    /// The queue, and its receiving end for [`LogLens::spawn`].
    pub fn new() -> (LogLens, Receiver<LoggedTrap>) {
        let (queue, traps) = mpsc::sync_channel(QUEUE);
        (LogLens { queue }, traps)
    }

    /// Queues `trap`; gives it back when the queue is full or its thread gone.
    pub fn queue(&self, trap: LoggedTrap) -> Result<(), LoggedTrap> {
        self.queue.try_send(trap).map_err(|error| match error {
            mpsc::TrySendError::Full(trap) | mpsc::TrySendError::Disconnected(trap) => trap,
        })
    }

    /// Starts the thread that locates and logs the traps `traps` receives; it ends
    /// with the process.
    pub fn spawn<C>(
        client: Arc<C>,
        insight: Arc<Insight>,
        level: TraceLog,
        traps: Receiver<LoggedTrap>,
    ) -> std::io::Result<()>
    where
        C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + BlockBackend<Block>,
        C: StorageProvider<Block, FullBackend> + Send + Sync + 'static,
        C::Api:
            ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
    {
        std::thread::Builder::new()
            .name("europa-log-lens".into())
            .spawn(move || {
                for trap in traps {
                    locate_and_log(&*client, &insight, level, trap);
                }
            })
            .map(drop)
    }
}

fn locate_and_log<C>(client: &C, insight: &Insight, level: TraceLog, trap: LoggedTrap)
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + BlockBackend<Block>,
    C: StorageProvider<Block, FullBackend>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
{
    let LoggedTrap {
        parent,
        number,
        extrinsic,
        mut trace,
    } = trap;
    let what = format!("contract execution (block #{number}, extrinsic {extrinsic})");
    let Some(block) = imported(client, parent, number) else {
        // Never imported (e.g. a block that failed), or reverted meanwhile.
        let annotated = insight.annotate(trace, &|code| stored_code(client, parent, code));
        return log_execution(&annotated, level, &what);
    };
    let hash = block.header().hash();
    let lensed = runtime_api(client, true).trace_extrinsic(parent, block, extrinsic);
    let note = match super::extrinsic_traces(lensed) {
        Ok(lensed) => match lensed.iter().find(|lens| same_call(lens, &trace)) {
            Some(lens) => locate(&mut trace, lens),
            None => LensNote::Disagrees("another execution".into()),
        },
        Err(why) => LensNote::Failed(why),
    };
    let mut annotated = insight.annotate(trace, &|code| stored_code(client, hash, code));
    if let Some(text) = note.unlocated_text() {
        annotated.explain_traps_further(&text);
    }
    log_execution(&annotated, level, &what);
}

/// The block `number` on top of `parent`, once imported (within [`IMPORT_WAIT`]).
fn imported<C>(client: &C, parent: Hash, number: BlockNumber) -> Option<Block>
where
    C: HeaderBackend<Block> + BlockBackend<Block>,
{
    let started = Instant::now();
    loop {
        let hash = client.hash(number).ok().flatten();
        let header = hash.and_then(|hash| client.header(hash).ok().flatten());
        if let Some(header) = header.filter(|header| *header.parent_hash() == parent) {
            return client
                .block(header.hash())
                .ok()
                .flatten()
                .map(|signed| signed.block);
        }
        if started.elapsed() > IMPORT_WAIT {
            return None;
        }
        std::thread::sleep(IMPORT_POLL);
    }
}

/// Whether two traces are of the same call: the same contract, entry point and input.
fn same_call(lens: &ExecutionTrace, decisive: &ExecutionTrace) -> bool {
    match (&lens.root, &decisive.root) {
        (Some(lens), Some(decisive)) => {
            lens.contract == decisive.contract
                && lens.entry == decisive.entry
                && lens.selector == decisive.selector
                && lens.args == decisive.args
        }
        _ => false,
    }
}
