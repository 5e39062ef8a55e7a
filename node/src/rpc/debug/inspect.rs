//! What a session shows of a step beyond its state: the variables of a stack entry
//! (read from DWARF in a snapshot the execution, run again, takes there), its memory,
//! and expressions over them.

use std::sync::Arc;

use europa_rpc_api::debug::MemoryRead;
use europa_runtime::{opaque::Block, AccountId, Balance, EventRecord, Hash};
use pallet_europa_contracts::{api::ContractsTraceApi, trace::Snapshot};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;

use super::{invalid_params, runtime_error, DebugRpc, FullBackend, Replay};
use crate::{
    debugger::{
        variables::{self, Budget, Variable},
        CapturePlace,
    },
    insight::{symbols::code_section, Insight},
    rpc::RpcError,
};

/// Snapshots a session keeps (the linear memory each, 1 MiB at most on this chain).
pub const KEPT_SNAPSHOTS: usize = 4;
/// Bytes one `europa_debugReadMemory` returns at most.
pub const MAX_MEMORY_READ: u32 = 64 * 1024;

/// A stack entry's state: where it was captured and the snapshot there.
pub(super) struct EntryState {
    place: CapturePlace,
    wasm_frame: u32,
    inline_depth: u32,
    pub(super) snapshot: Arc<Snapshot>,
    replay: Replay,
}

impl<C> DebugRpc<C>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
    C: Send + Sync + 'static,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord> + sp_api::ApiExt<Block>,
{
    /// Stack entry `frame` of session `id` at its current step, with the snapshot of
    /// its contract frame there: kept, or taken by running the execution again.
    pub(super) async fn entry_state(
        &self,
        id: u64,
        frame: Option<u32>,
    ) -> Result<EntryState, RpcError> {
        let frame = frame.unwrap_or(0);
        let (place, entry, replay, kept) = self.with(id, |session| {
            let stack = session.timeline.current_stack();
            let entry = stack.get(frame as usize).cloned().ok_or_else(|| {
                invalid_params(format!("the stack has {} entries: no {frame}", stack.len()))
            })?;
            let place = session
                .timeline
                .capture_place(&entry)
                .ok_or_else(|| invalid_params("this frame ran no code: it has no variables"))?;
            let kept = session
                .snapshots
                .iter()
                .find(|(capture, _)| *capture == place.capture)
                .map(|(_, snapshot)| snapshot.clone());
            Ok::<_, RpcError>((place, entry, session.replay.clone(), kept))
        })??;
        let snapshot = match kept {
            Some(snapshot) => snapshot,
            None => {
                let (capture, rerun) = (place.capture.clone(), replay.clone());
                let snapshot = self
                    .tracer
                    .run("europa_debugVariables", move |client, _, _| {
                        rerun.snapshot(client, capture)
                    })
                    .await?
                    .ok_or_else(|| {
                        runtime_error(
                            "the execution, run again, did not reach this step: it no \
                             longer runs as recorded",
                        )
                    })?;
                let snapshot = Arc::new(snapshot);
                self.with(id, |session| {
                    if session.snapshots.len() >= KEPT_SNAPSHOTS {
                        session.snapshots.remove(0);
                    }
                    session
                        .snapshots
                        .push((place.capture.clone(), snapshot.clone()));
                })?;
                snapshot
            }
        };
        Ok(EntryState {
            place,
            wasm_frame: entry.wasm_frame,
            inline_depth: entry.inline_depth,
            snapshot,
            replay,
        })
    }
}

/// `mem[ADDRESS; LENGTH]` (decimal or 0x-hex numbers).
pub(super) fn memory_expression(expression: &str) -> Option<(u64, u32)> {
    let inner = expression.trim().strip_prefix("mem[")?.strip_suffix(']')?;
    let (address, length) = inner.split_once(';')?;
    let number = |text: &str| {
        let text = text.trim();
        match text.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => text.parse().ok(),
        }
    };
    Some((number(address)?, u32::try_from(number(length)?).ok()?))
}

/// `count` bytes of `snapshot`'s memory from `address`.
pub(super) fn read_memory(
    snapshot: &Snapshot,
    address: u64,
    count: u32,
) -> Result<MemoryRead, RpcError> {
    if count > MAX_MEMORY_READ {
        return Err(invalid_params(format!(
            "at most {MAX_MEMORY_READ} bytes are read at once, not {count}"
        )));
    }
    let memory = &snapshot.memory.0;
    let start = usize::try_from(address)
        .unwrap_or(usize::MAX)
        .min(memory.len());
    let end = start.saturating_add(count as usize).min(memory.len());
    Ok(MemoryRead {
        address,
        data: crate::hex::hex(&memory[start..end]),
        unreadable: count - (end - start) as u32,
    })
}

/// The variables of the scope `state` names: its function's name and its variables.
pub(super) fn read_variables<C>(
    client: &C,
    insight: &Insight,
    state: &EntryState,
) -> Result<(Option<String>, Vec<Variable>), RpcError>
where
    C: sc_client_api::StorageProvider<Block, FullBackend>,
{
    let hash = state.place.code_hash;
    let code = state
        .replay
        .code(client, &hash)
        .ok_or_else(|| invalid_params("the frame's code is no longer on the chain"))?;
    let no_dwarf = || {
        invalid_params(format!(
            "code {} has no DWARF Europa reads: variables need a debug build \
             (its own custom sections, or a sidecar registered with \
             europa_registerDebugInfo)",
            crate::hex::hex(&hash)
        ))
    };
    let symbols = insight.symbols_of(hash, &code).ok_or_else(no_dwarf)?;
    let code_start = code_section(&code)
        .map_err(|e| invalid_params(e.to_string()))?
        .range
        .start;
    let frames = &state.snapshot.frames;
    let frame = frames
        .len()
        .checked_sub(1 + state.wasm_frame as usize)
        .and_then(|at| frames.get(at))
        .ok_or_else(|| runtime_error("the re-run's stack differs from the record's"))?;
    let mut budget = Budget::default();
    let mut scopes = symbols
        .with_dwarf(|dwarf| {
            variables::scopes_at(&dwarf, code_start, &state.snapshot, frame, &mut budget)
        })
        .ok_or_else(no_dwarf)?
        .scopes;
    if scopes.is_empty() {
        return Ok((None, Vec::new()));
    }
    let scope = scopes.swap_remove((state.inline_depth as usize).min(scopes.len() - 1));
    Ok((scope.function, scope.variables))
}
