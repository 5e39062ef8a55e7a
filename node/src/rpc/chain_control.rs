//! Moving the chain and its clock, as a developer coming from Anvil expects:
//! `europa_forwardToHeight` and `europa_backwardToHeight`, `europa_snapshot` and
//! `europa_revert`, `europa_increaseTime` and `europa_setNextBlockTimestamp`. All unsafe.
//!
//! Going back reverts the chain in the database (its blocks, finalized or not, and
//! their state are discarded; the transactions in them are gone), and sealing goes on
//! from the new head. Snapshots are block numbers and hashes, kept beside the database
//! so they survive a restart; reverting to one goes back to its block.

use std::{path::PathBuf, sync::Arc};

use europa_runtime::{opaque::Block, BlockNumber, Hash};
use futures::{channel::mpsc, SinkExt};
use jsonrpsee::core::{async_trait, RpcResult};
use sc_client_api::{Backend, StorageProvider};
use sc_consensus_manual_seal::EngineCommand;
use sc_transaction_pool_api::{ChainEvent, MaintainedTransactionPool};
use serde::{Deserialize, Serialize};
use sp_blockchain::HeaderBackend;

use europa_rpc_api::chain::ChainControlApiServer;

use super::{invalid_params, revert_watchers::RevertWatchers, runtime_error, RpcError};
use crate::clock::Clock;

/// The most blocks one `europa_forwardToHeight` seals.
pub const MAX_FORWARD_BLOCKS: BlockNumber = 100_000;

/// A remembered head.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Snapshot {
    id: u64,
    number: BlockNumber,
    hash: Hash,
}

/// The snapshots of a chain, as kept in its directory.
#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Snapshots {
    next_id: u64,
    snapshots: Vec<Snapshot>,
}

pub struct ChainControl<C, B, P> {
    client: Arc<C>,
    backend: Arc<B>,
    pool: Arc<P>,
    seal_commands: mpsc::Sender<EngineCommand<Hash>>,
    clock: Arc<Clock>,
    snapshots_file: PathBuf,
    /// The subscriptions told the new values after a revert.
    watchers: Arc<RevertWatchers>,
    /// One control at a time: they read the head (and the snapshots) and then move it.
    busy: tokio::sync::Mutex<()>,
}

impl<C, B, P> ChainControl<C, B, P> {
    pub fn new(
        client: Arc<C>,
        backend: Arc<B>,
        pool: Arc<P>,
        seal_commands: mpsc::Sender<EngineCommand<Hash>>,
        clock: Arc<Clock>,
        chain_dir: PathBuf,
        watchers: Arc<RevertWatchers>,
    ) -> Self {
        ChainControl {
            client,
            backend,
            pool,
            seal_commands,
            clock,
            snapshots_file: chain_dir.join("europa-snapshots.json"),
            watchers,
            busy: tokio::sync::Mutex::new(()),
        }
    }

    fn read_snapshots(&self) -> Result<Snapshots, RpcError> {
        match std::fs::read(&self.snapshots_file) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(snapshots) => Ok(snapshots),
                // Its snapshots are lost; snapshots taken from now on work.
                Err(error) => {
                    let file = self.snapshots_file.display();
                    match crate::files::set_aside(&self.snapshots_file) {
                        Ok(aside) => {
                            log::warn!(target: "europa", "{file} is damaged ({error}): set aside as {}, no snapshots kept", aside.display())
                        }
                        Err(e) => {
                            log::warn!(target: "europa", "{file} is damaged ({error}) and could not be set aside: {e}")
                        }
                    }
                    Ok(Snapshots::default())
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Snapshots::default()),
            Err(e) => Err(runtime_error(format!(
                "cannot read {}: {e}",
                self.snapshots_file.display()
            ))),
        }
    }

    fn write_snapshots(&self, snapshots: &Snapshots) -> Result<(), RpcError> {
        let json = serde_json::to_vec_pretty(snapshots).map_err(runtime_error)?;
        crate::files::write_atomically(&self.snapshots_file, &json).map_err(|e| {
            runtime_error(format!(
                "cannot write {}: {e}",
                self.snapshots_file.display()
            ))
        })
    }
}

impl<C, B, P> ChainControl<C, B, P>
where
    C: HeaderBackend<Block> + StorageProvider<Block, B> + Send + Sync + 'static,
    B: Backend<Block> + Send + Sync + 'static,
    P: MaintainedTransactionPool<Block = Block> + 'static,
{
    fn head(&self) -> (BlockNumber, Hash) {
        let info = self.client.info();
        (info.best_number, info.best_hash)
    }

    async fn seal_empty_block(&self) -> Result<(), RpcError> {
        let (sender, receiver) = futures::channel::oneshot::channel();
        self.seal_commands
            .clone()
            .send(EngineCommand::SealNewBlock {
                create_empty: true,
                finalize: true,
                parent_hash: None,
                sender: Some(sender),
            })
            .await
            .map_err(|e| runtime_error(format!("sealing stopped: {e}")))?;
        receiver
            .await
            .map_err(|_| runtime_error("sealing stopped"))?
            .map(drop)
            .map_err(|e| runtime_error(format!("sealing failed: {e}")))
    }

    /// Reverts the chain to `height`, below the head, and tells the transaction pool:
    /// it tracks the best and finalized blocks to follow the chain from one import to the
    /// next, and would otherwise look for the reverted ones (the transactions of the
    /// discarded blocks are not resubmitted). Then tells the storage and head
    /// subscribers, before the caller is answered: a client keeping an account's nonce
    /// from its subscription signs its next transaction with the reverted chain's.
    async fn revert_to(&self, height: BlockNumber) -> Result<BlockNumber, RpcError> {
        let now = self.revert_database(height)?;
        let (_, hash) = self.head();
        self.pool
            .maintain(ChainEvent::NewBestBlock {
                hash,
                tree_route: None,
            })
            .await;
        self.pool
            .maintain(ChainEvent::Finalized {
                hash,
                tree_route: Arc::from([]),
            })
            .await;
        let finalized = self.client.info().finalized_hash;
        self.watchers
            .reverted::<C, B>(&*self.client, hash, finalized)
            .await;
        Ok(now)
    }

    fn revert_database(&self, height: BlockNumber) -> Result<BlockNumber, RpcError> {
        let discarded = crate::history::revert_to(&*self.backend, height).map_err(runtime_error)?;
        log::info!(target: "europa", "⏪ Reverted to #{height}, discarding {discarded} blocks");
        Ok(height)
    }
}

#[async_trait]
impl<C, B, P> ChainControlApiServer for ChainControl<C, B, P>
where
    C: HeaderBackend<Block> + StorageProvider<Block, B> + Send + Sync + 'static,
    B: Backend<Block> + Send + Sync + 'static,
    P: MaintainedTransactionPool<Block = Block> + 'static,
{
    async fn forward_to_height(&self, height: BlockNumber) -> RpcResult<BlockNumber> {
        let _busy = self.busy.lock().await;
        let (head, _) = self.head();
        if height <= head {
            return Err(invalid_params(format!(
                "the chain is at #{head} already: europa_forwardToHeight needs a height above it \
                 (europa_backwardToHeight goes back)"
            ))
            .into());
        }
        if height - head > MAX_FORWARD_BLOCKS {
            return Err(invalid_params(format!(
                "#{height} is {} blocks ahead of #{head}: at most {MAX_FORWARD_BLOCKS} at once",
                height - head
            ))
            .into());
        }
        for _ in head..height {
            self.seal_empty_block().await?;
        }
        Ok(self.head().0)
    }

    async fn backward_to_height(&self, height: BlockNumber) -> RpcResult<BlockNumber> {
        let _busy = self.busy.lock().await;
        let (head, _) = self.head();
        if height >= head {
            return Err(invalid_params(format!(
                "the chain is at #{head}: europa_backwardToHeight needs a height below it \
                 (europa_forwardToHeight goes forward)"
            ))
            .into());
        }
        self.revert_to(height).await.map_err(Into::into)
    }

    async fn snapshot(&self) -> RpcResult<u64> {
        let _busy = self.busy.lock().await;
        let (number, hash) = self.head();
        let mut snapshots = self.read_snapshots()?;
        let id = snapshots.next_id;
        snapshots.next_id += 1;
        snapshots.snapshots.push(Snapshot { id, number, hash });
        self.write_snapshots(&snapshots)?;
        Ok(id)
    }

    async fn revert(&self, id: u64) -> RpcResult<bool> {
        let _busy = self.busy.lock().await;
        let mut snapshots = self.read_snapshots()?;
        let Some(snapshot) = snapshots.snapshots.iter().find(|s| s.id == id).cloned() else {
            let known: Vec<u64> = snapshots.snapshots.iter().map(|s| s.id).collect();
            return Err(invalid_params(format!(
                "there is no snapshot {id} (snapshots are used up by reverting to them or to \
                 an earlier one); known: {known:?}"
            ))
            .into());
        };
        let on_chain = self.client.hash(snapshot.number).map_err(runtime_error)?;
        if on_chain != Some(snapshot.hash) {
            return Err(invalid_params(format!(
                "snapshot {id}'s block #{} {:?} is no longer on the chain",
                snapshot.number, snapshot.hash
            ))
            .into());
        }
        if snapshot.number < self.head().0 {
            self.revert_to(snapshot.number).await?;
        }
        snapshots.snapshots.retain(|s| s.id < id);
        self.write_snapshots(&snapshots)?;
        Ok(true)
    }

    async fn increase_time(&self, ms: u64) -> RpcResult<i64> {
        Ok(self.clock.increase(ms))
    }

    async fn set_next_block_timestamp(&self, ms: u64) -> RpcResult<()> {
        let (head, hash) = self.head();
        let head_ms = crate::clock::timestamp_at(&*self.client, hash).map_err(runtime_error)?;
        if ms < head_ms {
            return Err(invalid_params(format!(
                "{ms} is before the head's timestamp ({head_ms} at #{head}): time only moves \
                 forward (europa_backwardToHeight goes back)"
            ))
            .into());
        }
        self.clock.set_next(ms);
        Ok(())
    }
}
