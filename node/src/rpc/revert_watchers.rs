//! The subscriptions a revert must reach. Substrate notifies storage and head
//! subscribers on block import and finality only, and `Backend::revert` notifies no one:
//! after `europa_backwardToHeight` or `europa_revert` a connected client would keep the
//! values of the discarded blocks — @polkadot/api, for one, signs the next transaction
//! with the nonce its `system.account` subscription last reported, one the chain is no
//! longer at.
//!
//! So Europa serves `state_subscribeStorage`, `chain_subscribeNewHeads` and
//! `chain_subscribeFinalizedHeads` itself (the same answers as sc-rpc's, see
//! `service/standard_rpc.rs`) and keeps each open subscription here with what it
//! watches. After a revert [`RevertWatchers::reverted`] sends each the new values: a
//! storage subscription its keys' values at the new head (as the `StorageChangeSet`
//! sc-rpc sends), a heads subscription the new best or finalized header. Notifications
//! of reverted blocks still queued for a subscription are dropped, so none arrives after
//! the revert's. A subscription to every key (an unsafe one, no keys given) is not told:
//! which keys the reverted blocks changed is not known without re-executing them.
//!
//! The registry holds open subscriptions only: an entry goes when its subscription's
//! task ends (unsubscribed, connection closed), and closed ones are swept on every
//! registration and revert.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use europa_runtime::{opaque::Block, Hash};
use futures::{future, stream, StreamExt};
use jsonrpsee::{
    types::{ErrorObjectOwned, Params},
    Extensions, PendingSubscriptionSink, SubscriptionMessage, SubscriptionSink,
};
use sc_client_api::{Backend, BlockchainEvents, StorageProvider};
use sc_rpc::{
    utils::{spawn_subscription_task, BoundedVecDeque, Subscription},
    DenyUnsafe, SubscriptionTaskExecutor,
};
use sp_blockchain::HeaderBackend;
use sp_core::storage::{StorageChangeSet, StorageKey};

/// How long a revert waits for a subscriber's connection to take a notification: a
/// client that reads nothing must not hold up the revert.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(1);

/// The open subscriptions a revert notifies; one per node, shared.
#[derive(Default)]
pub struct RevertWatchers {
    registry: Mutex<Registry>,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    /// `Arc`s so that a revert sends without holding the lock: a `SubscriptionSink`
    /// itself must not be cloned and dropped while its subscription is open (dropping
    /// any clone of an open sink ends the subscription).
    watchers: HashMap<u64, Arc<Watcher>>,
}

impl Registry {
    /// Takes the entries of closed subscriptions out (to be dropped outside the lock).
    fn take_closed(&mut self) -> Vec<Arc<Watcher>> {
        let closed: Vec<u64> = self
            .watchers
            .iter()
            .filter(|(_, watcher)| watcher.sink.is_closed())
            .map(|(id, _)| *id)
            .collect();
        closed
            .into_iter()
            .filter_map(|id| self.watchers.remove(&id))
            .collect()
    }
}

struct Watcher {
    sink: SubscriptionSink,
    watches: Watches,
}

/// What a subscription is told about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Watches {
    /// These keys' values at the new head.
    Storage(Vec<StorageKey>),
    /// The new best header.
    NewHeads,
    /// The new finalized header.
    FinalizedHeads,
}

/// An entry in [`RevertWatchers`]; removed when dropped, which the subscription's task
/// does when the subscription ends.
#[must_use]
pub struct Registration {
    watchers: Arc<RevertWatchers>,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let removed = self.watchers.lock().watchers.remove(&self.id);
        drop(removed);
    }
}

impl RevertWatchers {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps `sink` (a clone of the one the subscription's task sends on) to notify
    /// after a revert, until the returned registration is dropped.
    pub fn register(self: &Arc<Self>, sink: SubscriptionSink, watches: Watches) -> Registration {
        let (id, closed) = {
            let mut registry = self.lock();
            let closed = registry.take_closed();
            let id = registry.next_id;
            registry.next_id += 1;
            registry
                .watchers
                .insert(id, Arc::new(Watcher { sink, watches }));
            (id, closed)
        };
        drop(closed);
        Registration {
            watchers: self.clone(),
            id,
        }
    }

    /// How many subscriptions are registered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().watchers.len()
    }

    /// Tells every registered subscription the chain's values after a revert: the keys
    /// of storage subscriptions at `best_hash`, the best header to new-heads
    /// subscriptions and the finalized one to finalized-heads subscriptions. Each
    /// connection gets [`SEND_TIMEOUT`] to take its notifications; once this returns
    /// they are queued ahead of anything the connection is sent next.
    pub async fn reverted<C, B>(&self, client: &C, best_hash: Hash, finalized_hash: Hash)
    where
        C: StorageProvider<Block, B> + HeaderBackend<Block>,
        B: Backend<Block>,
    {
        let header = |hash| client.header(hash).ok().flatten();
        let (best, finalized) = (header(best_hash), header(finalized_hash));
        self.notify(|watches| match watches {
            Watches::Storage(keys) => {
                SubscriptionMessage::from_json(&values_at(client, best_hash, keys)).ok()
            }
            Watches::NewHeads => SubscriptionMessage::from_json(best.as_ref()?).ok(),
            Watches::FinalizedHeads => SubscriptionMessage::from_json(finalized.as_ref()?).ok(),
        })
        .await
    }

    /// Sends each open subscription the message `message` makes for what it watches
    /// (none if `None`), all at once, each waiting at most [`SEND_TIMEOUT`].
    async fn notify(&self, message: impl Fn(&Watches) -> Option<SubscriptionMessage>) {
        let (open, closed) = {
            let mut registry = self.lock();
            let closed = registry.take_closed();
            let open: Vec<Arc<Watcher>> = registry.watchers.values().cloned().collect();
            (open, closed)
        };
        drop(closed);
        let sends = open.iter().filter_map(|watcher| {
            let message = message(&watcher.watches)?;
            Some(async move {
                if let Err(error) = watcher.sink.send_timeout(message, SEND_TIMEOUT).await {
                    log::debug!(
                        target: "europa",
                        "{} subscription not told of the revert: {error}",
                        watcher.sink.method_name()
                    );
                }
            })
        });
        future::join_all(sends).await;
    }
}

/// `keys`' values at `block`, as a storage subscription reports them.
fn values_at<C, B>(client: &C, block: Hash, keys: &[StorageKey]) -> StorageChangeSet<Hash>
where
    C: StorageProvider<Block, B>,
    B: Backend<Block>,
{
    let changes = keys
        .iter()
        .map(|key| (key.clone(), client.storage(block, key).ok().flatten()))
        .collect();
    StorageChangeSet { block, changes }
}

/// Whether `block` is still in the database: notifications of reverted blocks are
/// dropped.
fn is_known<C: HeaderBackend<Block>>(client: &C, block: Hash) -> bool {
    matches!(client.number(block), Ok(Some(_)))
}

/// The keys of `state_subscribeStorage` (`[keys?]` or `{"keys": …}`).
fn storage_keys(params: Params) -> Result<Option<Vec<StorageKey>>, ErrorObjectOwned> {
    #[derive(serde::Deserialize)]
    struct Named {
        keys: Option<Vec<StorageKey>>,
    }
    if params.is_object() {
        params.parse::<Named>().map(|named| named.keys)
    } else {
        params.sequence().optional_next()
    }
}

/// `state_subscribeStorage` as sc-rpc serves it — refused without keys where unsafe
/// methods are denied, the keys' current values first (none without keys), then every
/// imported block's changes to them — and registered in `watchers`.
pub fn subscribe_storage<C, B>(
    client: &Arc<C>,
    executor: &SubscriptionTaskExecutor,
    watchers: &Arc<RevertWatchers>,
    params: Params,
    pending: PendingSubscriptionSink,
    extensions: &Extensions,
) where
    C: StorageProvider<Block, B>
        + HeaderBackend<Block>
        + BlockchainEvents<Block>
        + Send
        + Sync
        + 'static,
    B: Backend<Block> + 'static,
{
    let keys = match storage_keys(params) {
        Ok(keys) => keys,
        Err(error) => return spawn_subscription_task(executor, pending.reject(error)),
    };
    if keys.is_none() {
        // The server marks every request; an unmarked one is not trusted.
        let deny_unsafe = extensions
            .get::<DenyUnsafe>()
            .copied()
            .unwrap_or(DenyUnsafe::Yes);
        if let Err(error) = deny_unsafe.check_if_safe() {
            return spawn_subscription_task(
                executor,
                pending.reject(ErrorObjectOwned::from(error)),
            );
        }
    }
    let changes = match client.storage_changes_notification_stream(keys.as_deref(), None) {
        Ok(stream) => stream,
        Err(error) => {
            let error = sc_rpc_api::state::Error::Client(Box::new(error));
            return spawn_subscription_task(executor, pending.reject(error));
        }
    };
    let client = client.clone();
    let watchers = watchers.clone();
    spawn_subscription_task(executor, async move {
        let Ok(sink) = pending.accept().await else {
            return;
        };
        // Registered before the current values are read: a revert from here on is
        // either in those values or sent after them.
        let registration = keys
            .as_ref()
            .filter(|keys| !keys.is_empty())
            .map(|keys| watchers.register(sink.clone(), Watches::Storage(keys.clone())));
        let current = keys.map(|keys| values_at(&*client, client.info().best_hash, &keys));
        let changes = changes.map(|notification| StorageChangeSet {
            block: notification.block,
            changes: notification
                .changes
                .iter()
                .filter(|(child, _, _)| child.is_none())
                .map(|(_, key, value)| (key.clone(), value.cloned()))
                .collect(),
        });
        let stream = stream::iter(current).chain(changes).filter(move |set| {
            future::ready(!set.changes.is_empty() && is_known(&*client, set.block))
        });
        pipe_while_registered(sink, stream.boxed(), registration).await;
    });
}

/// Sends what `stream` yields on `sink`'s subscription until either ends, then lets its
/// registration go.
async fn pipe_while_registered<T>(
    sink: SubscriptionSink,
    stream: stream::BoxStream<'static, T>,
    registration: Option<Registration>,
) where
    T: serde::Serialize + Send + 'static,
{
    let subscription = Subscription::from(sink);
    subscription
        .pipe_from_stream(stream, BoundedVecDeque::default())
        .await;
    // The subscription's own sink first: dropped while the subscription is open (its
    // stream ended), it closes it, so that the registry's copy goes quietly.
    drop(subscription);
    drop(registration);
}

/// `chain_subscribeNewHeads` (or with `finalized`, `chain_subscribeFinalizedHeads`) as
/// sc-rpc serves it — the current best (finalized) header, then each new one — and
/// registered in `watchers`.
pub fn subscribe_heads<C>(
    client: &Arc<C>,
    executor: &SubscriptionTaskExecutor,
    watchers: &Arc<RevertWatchers>,
    pending: PendingSubscriptionSink,
    finalized: bool,
) where
    C: HeaderBackend<Block> + BlockchainEvents<Block> + Send + Sync + 'static,
{
    let headers = if finalized {
        client
            .finality_notification_stream()
            .map(|notification| notification.header)
            .boxed()
    } else {
        client
            .import_notification_stream()
            .filter(|notification| future::ready(notification.is_new_best))
            .map(|notification| notification.header)
            .boxed()
    };
    let client = client.clone();
    let watchers = watchers.clone();
    spawn_subscription_task(executor, async move {
        let Ok(sink) = pending.accept().await else {
            return;
        };
        let watches = if finalized {
            Watches::FinalizedHeads
        } else {
            Watches::NewHeads
        };
        let registration = watchers.register(sink.clone(), watches);
        let info = client.info();
        let current = if finalized {
            info.finalized_hash
        } else {
            info.best_hash
        };
        let current = match client.header(current) {
            Ok(Some(header)) => Some(header),
            other => {
                let which = if finalized { "finalized" } else { "best" };
                log::warn!(target: "europa", "no {which} header to start {}: {other:?}", sink.method_name());
                None
            }
        };
        let stream = stream::iter(current)
            .chain(headers)
            .filter(move |header| future::ready(is_known(&*client, header.hash())));
        pipe_while_registered(sink, stream.boxed(), Some(registration)).await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonrpsee::{
        core::{server::SubscriptionCloseResponse, EmptyServerParams},
        RpcModule,
    };

    /// A module whose `test_subscribe` registers its sink in `watchers` and keeps the
    /// subscription open until the client ends it, as the real ones do.
    fn module(watchers: Arc<RevertWatchers>) -> RpcModule<()> {
        let mut module = RpcModule::new(());
        module
            .register_subscription_raw(
                "test_subscribe",
                "test_notification",
                "test_unsubscribe",
                move |_, pending, _, _| {
                    let watchers = watchers.clone();
                    tokio::spawn(async move {
                        let sink = pending.accept().await.unwrap();
                        let registration = watchers.register(sink.clone(), Watches::NewHeads);
                        sink.closed().await;
                        drop(sink);
                        drop(registration);
                    });
                    SubscriptionCloseResponse::None
                },
            )
            .unwrap();
        module
    }

    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn a_revert_reaches_open_subscriptions_and_closed_ones_leave() {
        let watchers = Arc::new(RevertWatchers::default());
        let module = module(watchers.clone());
        let mut first = module
            .subscribe_unbounded("test_subscribe", EmptyServerParams::new())
            .await
            .unwrap();
        let mut second = module
            .subscribe_unbounded("test_subscribe", EmptyServerParams::new())
            .await
            .unwrap();
        settle().await;
        assert_eq!(watchers.len(), 2);

        // Sending (twice) neither ends nor leaks the subscriptions.
        for round in 0..2u32 {
            watchers
                .notify(|watches| {
                    assert_eq!(watches, &Watches::NewHeads);
                    SubscriptionMessage::from_json(&round).ok()
                })
                .await;
            let (value, _) = first.next::<u32>().await.unwrap().unwrap();
            assert_eq!(value, round);
            let (value, _) = second.next::<u32>().await.unwrap().unwrap();
            assert_eq!(value, round);
        }
        assert_eq!(watchers.len(), 2);

        // A closed subscription leaves the registry; the other is still told.
        first.close();
        drop(first);
        settle().await;
        watchers
            .notify(|_| SubscriptionMessage::from_json(&7u32).ok())
            .await;
        assert_eq!(watchers.len(), 1);
        let (value, _) = second.next::<u32>().await.unwrap().unwrap();
        assert_eq!(value, 7);
    }
}
