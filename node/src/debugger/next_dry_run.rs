//! A contract's next dry run, caught for the debugger: a session launched on `contract`
//! waits for the next extrinsic that runs it or the next dry-run call that does (a test's
//! `contract.query.*`, cargo-contract's dry run). While someone waits, the runtime traces
//! dry runs for the node's observer, which offers each one here.

use std::sync::Mutex;

use europa_runtime::{contracts::DryRunCall, AccountId, BlockNumber};
use futures::channel::oneshot;
use pallet_europa_contracts::trace::ExecutionTrace;

/// Launches waiting at once at most (each a session being opened).
pub const MAX_WAITING: usize = 16;

/// A dry run caught: what it ran, on the state of which block.
#[derive(Clone, Debug)]
pub struct CaughtDryRun {
    pub number: BlockNumber,
    pub call: DryRunCall,
}

/// Who waits for which contract's next dry run.
#[derive(Default)]
pub struct DryRunWatch {
    waiting: Mutex<Vec<(AccountId, oneshot::Sender<CaughtDryRun>)>>,
}

impl DryRunWatch {
    /// Whether anyone waits (dry runs are traced for the node only then, or when logged).
    pub fn wanted(&self) -> bool {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        waiting.retain(|(_, sender)| !sender.is_canceled());
        !waiting.is_empty()
    }

    /// Waits for the next dry run that runs `contract` (in any frame); `None` when
    /// [`MAX_WAITING`] launches wait already.
    pub fn wait(&self, contract: AccountId) -> Option<oneshot::Receiver<CaughtDryRun>> {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        waiting.retain(|(_, sender)| !sender.is_canceled());
        if waiting.len() >= MAX_WAITING {
            return None;
        }
        let (sender, receiver) = oneshot::channel();
        waiting.push((contract, sender));
        Some(receiver)
    }

    /// Hands the dry run `call` (traced as `trace`, on block `number`'s state) to those
    /// waiting for a contract it ran.
    pub fn offer(&self, trace: &ExecutionTrace, number: BlockNumber, call: &DryRunCall) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        if waiting.is_empty() {
            return;
        }
        let ran = |contract: &AccountId| {
            let account: &[u8] = contract.as_ref();
            trace
                .root
                .iter()
                .flat_map(|root| root.frames())
                .any(|frame| frame.contract.0 == account)
        };
        let (caught, rest): (Vec<_>, Vec<_>) = waiting.drain(..).partition(|(c, _)| ran(c));
        *waiting = rest;
        drop(waiting);
        for (_, sender) in caught {
            let _ = sender.send(CaughtDryRun {
                number,
                call: call.clone(),
            });
        }
    }
}
