//! A watched transaction's "finalized" status waits until the watching client has read
//! the block its "in block" status named.
//!
//! Instant sealing finalizes each block [`FINALITY_LAG`](crate::service::FINALITY_LAG)
//! after its import. @polkadot/api's `signAndSend` fetches the block and its events when
//! it hears "in block" and drops that fetch when "finalized" arrives (it switches to the
//! newest status): a client slower than the lag, e.g. one sharing its cores with a
//! build, never reports `InBlock` to its callback. So `author_submitAndWatchExtrinsic`
//! is Europa's (the same answers as sc-rpc's, see `service/standard_rpc.rs`) and holds
//! a subscription's `finalized` while its connection is reading the in-block block:
//!
//! - A connection *reads in-block blocks* once it has asked for anything naming a block
//!   it was told a transaction is in, before that block's `finalized` was sent
//!   ([`ReadLayer`] sees every call). Connections that only wait for finality (subxt,
//!   ink! e2e tests) never do, and their `finalized` is never held.
//! - For such a connection `finalized` waits until its reads naming the block have been
//!   answered, its read of `System.Events` among them, and then a margin for the client
//!   to take the answers in (more for a client that was slow to read); at most
//!   [`READ_WAIT_LIMIT`] in all. The chain's own finality is not delayed, and other
//!   connections see nothing of it.
//!
//! The registry holds connections with a watched transaction in a block not yet
//! final, and connections known to read in-block blocks until they close.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, MutexGuard, PoisonError,
    },
    time::{Duration, Instant},
};

use codec::Decode;
use europa_runtime::{opaque::Block, Hash};
use futures::{
    future::{BoxFuture, Either},
    FutureExt, StreamExt,
};
use jsonrpsee::{
    server::middleware::rpc::RpcServiceT,
    types::{ErrorObjectOwned, Params, Request},
    Extensions, MethodResponse, PendingSubscriptionSink,
};
use sc_rpc::{
    utils::{spawn_subscription_task, BoundedVecDeque, PendingSubscription},
    SubscriptionTaskExecutor,
};
use sc_rpc_api::author::error::Error as AuthorError;
use sc_transaction_pool_api::{
    error::IntoPoolError, TransactionFor, TransactionPool, TransactionSource, TransactionStatus,
};
use sp_blockchain::HeaderBackend;

/// The longest a `finalized` status waits for its connection's reads.
pub const READ_WAIT_LIMIT: Duration = Duration::from_secs(2);
/// How long after its reads were answered a connection is told `finalized`, at least:
/// the server sends an answer after its method returns, and the client must have taken
/// the answer in before `finalized` arrives (a client that reads both in one go, as
/// Node's `ws` does with frames that arrive together, acts on `finalized` first).
const MIN_ANSWER_MARGIN: Duration = Duration::from_millis(150);
/// The margin is this many times the client's slowest step while reading (from one
/// answer, or the in-block status, to its next read): a loaded client gets more time.
const MARGIN_PER_STEP: u32 = 3;
/// The margin never exceeds this.
const MAX_ANSWER_MARGIN: Duration = Duration::from_secs(1);
/// Calls with larger parameters are not looked into (a block reference is small; a
/// submitted extrinsic is not, and names no block).
const MAX_SCANNED_PARAMS: usize = 1024;
const LOG_TARGET: &str = "rpc::in_block";
/// The storage key of `System.Events`, as clients send it.
const EVENTS_KEY: &str = "0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7";

/// Identifies a connection for as long as the node runs (jsonrpsee's connection ids
/// count per listener, so two listeners reuse them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConnectionKey(u64);

impl ConnectionKey {
    /// A key no other connection has had.
    pub fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        ConnectionKey(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Which connections are reading which in-block blocks; one per node, shared by the
/// watch subscriptions and the server's [`ReadLayer`].
#[derive(Default)]
pub struct InBlockReads {
    connections: Mutex<HashMap<ConnectionKey, Connection>>,
}

#[derive(Default)]
struct Connection {
    /// It asked for a block it was told a watched transaction is in, before that block
    /// was final for it.
    reads_in_block: bool,
    /// Blocks a watched transaction of this connection is in, not yet final for it.
    blocks: HashMap<Hash, PendingBlock>,
}

struct PendingBlock {
    /// The block hash as clients write it, to find it in a call's parameters.
    hex: String,
    /// Watched transactions in this block whose `finalized` has not been sent.
    watchers: usize,
    reads_in_flight: usize,
    events_read: bool,
    /// When the client last heard from the node about this block (the in-block status,
    /// then each answer), and its slowest step since.
    last_heard: Instant,
    slowest_step: Duration,
    /// When `finalized` may follow, once the reads are answered.
    answered: tokio::sync::watch::Sender<Option<Instant>>,
}

impl PendingBlock {
    fn new(hash: Hash) -> Self {
        PendingBlock {
            hex: format!("{hash:?}"),
            watchers: 0,
            reads_in_flight: 0,
            events_read: false,
            last_heard: Instant::now(),
            slowest_step: Duration::ZERO,
            answered: tokio::sync::watch::channel(None).0,
        }
    }
}

impl InBlockReads {
    fn lock(&self) -> MutexGuard<'_, HashMap<ConnectionKey, Connection>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn told_in_block(&self, connection: ConnectionKey, block: Hash) {
        let mut connections = self.lock();
        let pending = connections
            .entry(connection)
            .or_default()
            .blocks
            .entry(block)
            .or_insert_with(|| PendingBlock::new(block));
        pending.watchers += 1;
    }

    /// Returns once `connection` may be told `block` is final.
    async fn finality_may_follow(&self, connection: ConnectionKey, block: Hash) {
        let mut answered = {
            let connections = self.lock();
            let Some(known) = connections.get(&connection) else {
                return;
            };
            match known.blocks.get(&block) {
                // A connection reads in-block blocks from its first read of one on.
                Some(pending) if known.reads_in_block => pending.answered.subscribe(),
                _ => return,
            }
        };
        let started = tokio::time::Instant::now();
        let deadline = started + READ_WAIT_LIMIT;
        let released =
            match tokio::time::timeout_at(deadline, answered.wait_for(Option::is_some)).await {
                Ok(Ok(released)) => *released,
                _ => None,
            };
        let outcome = match released {
            Some(at) => {
                tokio::time::sleep_until(deadline.min(at.into())).await;
                "until its reads were answered"
            }
            None => "in vain: its reads were not answered",
        };
        log::debug!(
            target: LOG_TARGET,
            "{block:?} final for connection {}, held {:?} {outcome}",
            connection.0,
            started.elapsed()
        );
    }

    fn watch_left(&self, connection: ConnectionKey, block: Hash) {
        let mut connections = self.lock();
        let Some(known) = connections.get_mut(&connection) else {
            return;
        };
        if let Some(pending) = known.blocks.get_mut(&block) {
            pending.watchers = pending.watchers.saturating_sub(1);
            if pending.watchers == 0 {
                known.blocks.remove(&block);
            }
        }
        if known.blocks.is_empty() && !known.reads_in_block {
            connections.remove(&connection);
        }
    }

    /// Forgets a closed connection.
    pub fn connection_closed(&self, connection: ConnectionKey) {
        self.lock().remove(&connection);
    }

    /// Notes a call of `connection` that names one of its in-block blocks; the read
    /// counts until the returned value is dropped.
    fn read_started(
        self: &Arc<Self>,
        connection: ConnectionKey,
        method: &str,
        params: &str,
    ) -> Option<Read> {
        if params.len() > MAX_SCANNED_PARAMS {
            return None;
        }
        let mut connections = self.lock();
        let known = connections.get_mut(&connection)?;
        if known.blocks.is_empty() {
            return None;
        }
        let params = params.to_ascii_lowercase();
        let (block, pending) = known
            .blocks
            .iter_mut()
            .find(|(_, pending)| params.contains(&pending.hex))?;
        known.reads_in_block = true;
        pending.reads_in_flight += 1;
        pending.slowest_step = pending.slowest_step.max(pending.last_heard.elapsed());
        pending.answered.send_replace(None);
        Some(Read {
            reads: self.clone(),
            connection,
            block: *block,
            of_events: method.starts_with("state_getStorage") && params.contains(EVENTS_KEY),
        })
    }

    fn read_ended(&self, read: &Read) {
        let mut connections = self.lock();
        let Some(pending) = connections
            .get_mut(&read.connection)
            .and_then(|known| known.blocks.get_mut(&read.block))
        else {
            return;
        };
        pending.reads_in_flight = pending.reads_in_flight.saturating_sub(1);
        pending.events_read |= read.of_events;
        pending.last_heard = Instant::now();
        if pending.events_read && pending.reads_in_flight == 0 {
            let margin = (pending.slowest_step * MARGIN_PER_STEP)
                .clamp(MIN_ANSWER_MARGIN, MAX_ANSWER_MARGIN);
            pending
                .answered
                .send_replace(Some(pending.last_heard + margin));
        }
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

/// A call that reads an in-block block, while it runs.
struct Read {
    reads: Arc<InBlockReads>,
    connection: ConnectionKey,
    block: Hash,
    of_events: bool,
}

impl Drop for Read {
    fn drop(&mut self) {
        self.reads.read_ended(self);
    }
}

/// One watched transaction's in-block blocks, released when its subscription ends.
struct Watch {
    reads: Arc<InBlockReads>,
    connection: ConnectionKey,
    blocks: Mutex<Vec<Hash>>,
}

impl Watch {
    fn in_block(&self, block: Hash) {
        self.reads.told_in_block(self.connection, block);
        self.blocks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(block);
    }

    async fn before_finalized(&self, block: Hash) {
        self.reads.finality_may_follow(self.connection, block).await;
        let mut blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(position) = blocks.iter().position(|held| *held == block) {
            blocks.swap_remove(position);
            self.reads.watch_left(self.connection, block);
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let blocks = std::mem::take(
            self.blocks
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for block in blocks {
            self.reads.watch_left(self.connection, block);
        }
    }
}

/// Serves `author_submitAndWatchExtrinsic`: submits the extrinsic in `params` at the best
/// block and sends its statuses as sc-rpc does, holding `finalized` as the module says.
pub fn submit_and_watch<P, C>(
    pool: &Arc<P>,
    client: &C,
    executor: &SubscriptionTaskExecutor,
    reads: &Arc<InBlockReads>,
    params: Params,
    pending: PendingSubscriptionSink,
    extensions: &Extensions,
) where
    P: TransactionPool<Block = Block> + 'static,
    C: HeaderBackend<Block>,
{
    let best = client.info().best_hash;
    let extrinsic = params.one::<sp_core::Bytes>().and_then(|bytes| {
        TransactionFor::<P>::decode(&mut &bytes[..])
            .map_err(|error| ErrorObjectOwned::from(AuthorError::from(error)))
    });
    let extrinsic = match extrinsic {
        Ok(extrinsic) => extrinsic,
        Err(error) => return spawn_subscription_task(executor, pending.reject(error)),
    };
    let watch = extensions.get::<ConnectionKey>().map(|connection| {
        Arc::new(Watch {
            reads: reads.clone(),
            connection: *connection,
            blocks: Mutex::new(Vec::new()),
        })
    });
    let pool = pool.clone();
    spawn_subscription_task(executor, async move {
        let statuses = match pool
            .submit_and_watch(best, TransactionSource::External, extrinsic)
            .await
        {
            Ok(statuses) => statuses,
            Err(error) => {
                let error = error
                    .into_pool_error()
                    .map(AuthorError::from)
                    .unwrap_or_else(|error| AuthorError::Verification(Box::new(error)));
                pending.reject(ErrorObjectOwned::from(error)).await;
                return;
            }
        };
        let statuses = statuses
            .then(move |status| {
                let watch = watch.clone();
                async move {
                    if let Some(watch) = &watch {
                        match &status {
                            TransactionStatus::InBlock((block, _)) => watch.in_block(*block),
                            TransactionStatus::Finalized((block, _)) => {
                                watch.before_finalized(*block).await
                            }
                            _ => {}
                        }
                    }
                    status
                }
            })
            .boxed();
        PendingSubscription::from(pending)
            .pipe_from_stream(statuses, BoundedVecDeque::default())
            .await;
    });
}

/// Wraps each connection's RPC service in [`ReadService`].
#[derive(Clone)]
pub struct ReadLayer {
    reads: Arc<InBlockReads>,
}

impl ReadLayer {
    pub fn new(reads: Arc<InBlockReads>) -> Self {
        ReadLayer { reads }
    }
}

impl<S> tower::Layer<S> for ReadLayer {
    type Service = ReadService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ReadService {
            inner,
            reads: self.reads.clone(),
        }
    }
}

/// Counts a connection's calls that name its in-block blocks while they run.
#[derive(Clone)]
pub struct ReadService<S> {
    inner: S,
    reads: Arc<InBlockReads>,
}

impl<'a, S> RpcServiceT<'a> for ReadService<S>
where
    S: RpcServiceT<'a> + 'a,
{
    type Future = Either<S::Future, BoxFuture<'a, MethodResponse>>;

    fn call(&self, request: Request<'a>) -> Self::Future {
        let read = request
            .extensions
            .get::<ConnectionKey>()
            .zip(request.params.as_ref())
            .and_then(|(connection, params)| {
                self.reads
                    .read_started(*connection, request.method_name(), params.get())
            });
        let answer = self.inner.call(request);
        match read {
            None => Either::Left(answer),
            Some(read) => Either::Right(
                async move {
                    let response = answer.await;
                    drop(read);
                    response
                }
                .boxed(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(byte: u8) -> Hash {
        Hash::repeat_byte(byte)
    }

    #[tokio::test]
    async fn finality_waits_for_a_reading_connection_only() {
        let reads = Arc::new(InBlockReads::default());
        let (reader, waiter) = (ConnectionKey::next(), ConnectionKey::next());
        let hex = format!("{:?}", block(1));
        for connection in [reader, waiter] {
            reads.told_in_block(connection, block(1));
        }

        // The reader asks for the block, then for its events (hex in any case); the
        // waiter asks nothing.
        let block_read = reads
            .read_started(reader, "chain_getBlock", &format!("[\"{hex}\"]"))
            .expect("names the block");
        let events_read = reads
            .read_started(
                reader,
                "state_getStorage",
                &format!("[\"{EVENTS_KEY}\", \"{}\"]", hex.to_ascii_uppercase()),
            )
            .expect("names the block");
        assert!(reads
            .read_started(reader, "chain_getBlock", "[\"0x1234\"]")
            .is_none());

        let started = Instant::now();
        reads.finality_may_follow(waiter, block(1)).await;
        assert!(
            started.elapsed() < READ_WAIT_LIMIT / 4,
            "never read: not held"
        );

        let held = {
            let reads = reads.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                reads.finality_may_follow(reader, block(1)).await;
                started.elapsed()
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(events_read);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!held.is_finished(), "the block read is still running");
        drop(block_read);
        let waited = held.await.expect("joins");
        assert!(
            waited >= Duration::from_millis(200) + MIN_ANSWER_MARGIN && waited < READ_WAIT_LIMIT,
            "{waited:?}"
        );

        for connection in [reader, waiter] {
            reads.watch_left(connection, block(1));
        }
        // The reader is remembered: its next in-block block is held from the start, and
        // never longer than the limit.
        reads.told_in_block(reader, block(2));
        let started = Instant::now();
        reads.finality_may_follow(reader, block(2)).await;
        assert!(started.elapsed() >= READ_WAIT_LIMIT);
        reads.watch_left(reader, block(2));
        reads.connection_closed(reader);
        assert!(reads.is_empty());
    }
}
