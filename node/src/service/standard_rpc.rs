//! The RPC methods every Substrate node serves (sc-service builds the same set, but its
//! builder is tied to its own server): the legacy `chain_*`, `state_*`, `childstate_*`,
//! `author_*`, `system_*` and `offchain_*` families and the new JSON-RPC spec's
//! `chainHead_v1`, `transaction_v1`, `transactionWatch_v1`, `chainSpec_v1`,
//! `bitswap_v1` and, on an archive chain, `archive_v1`.
//!
//! `state_subscribeStorage`, `chain_subscribeNewHeads` and `chain_subscribeFinalizedHeads`
//! (with their aliases) are Europa's: they answer as sc-rpc's do and are also told the
//! new values after a revert (`rpc::revert_watchers`). So is
//! `author_submitAndWatchExtrinsic`, whose "finalized" waits for a client still reading
//! the block "in block" named (`rpc::in_block_reads`).

use std::sync::Arc;

use jsonrpsee::{
    core::server::SubscriptionCloseResponse, types::Params, Extensions, PendingSubscriptionSink,
    RpcModule,
};
use sc_chain_spec::ChainSpec;
use sc_client_api::{Backend as _, HeaderBackend as _};
use sc_rpc::{
    author::AuthorApiServer,
    chain::ChainApiServer,
    offchain::OffchainApiServer,
    state::{ChildStateApiServer, StateApiServer},
    system::SystemApiServer,
    SubscriptionTaskExecutor,
};
use sc_rpc_spec_v2::{
    self as v2,
    archive::ArchiveApiServer,
    bitswap::BitswapApiServer,
    chain_head::ChainHeadApiServer,
    chain_spec::ChainSpecApiServer,
    transaction::{TransactionApiServer, TransactionBroadcastApiServer},
};
use sc_service::{error::Error as ServiceError, Configuration};
use sc_utils::mpsc::TracingUnboundedSender;

use super::tasks::{FullBackend, FullClient, Pool};
use crate::rpc::{
    in_block_reads::{self, InBlockReads},
    revert_watchers::{self, RevertWatchers},
};
use europa_runtime::opaque::Block;

/// Transactions one connection may watch at once with the new spec's methods.
const MAX_WATCHED_TRANSACTIONS: usize = 16;

/// What the methods serve from.
pub struct Sources<'a> {
    pub config: &'a Configuration,
    pub client: Arc<FullClient>,
    pub backend: Arc<FullBackend>,
    pub pool: Arc<Pool>,
    pub keystore: sp_keystore::KeystorePtr,
    pub system_rpc_tx: TracingUnboundedSender<sc_rpc::system::Request<Block>>,
    pub sync_oracle: Arc<dyn sp_consensus::SyncOracle + Send + Sync>,
    /// Spawns subscriptions and other work on the RPC server's runtime.
    pub executor: SubscriptionTaskExecutor,
    /// Where the storage and head subscriptions are registered for reverts.
    pub revert_watchers: Arc<RevertWatchers>,
    /// Which connections are reading the blocks their watched transactions are in.
    pub in_block_reads: Arc<InBlockReads>,
}

pub fn module(sources: Sources) -> Result<RpcModule<()>, ServiceError> {
    let Sources {
        config,
        client,
        backend,
        pool,
        keystore,
        system_rpc_tx,
        sync_oracle,
        executor,
        revert_watchers,
        in_block_reads,
    } = sources;
    let chain_spec: &dyn ChainSpec = config.chain_spec.as_ref();
    let genesis_hash = client.info().genesis_hash;
    let transaction_metrics = config
        .prometheus_registry()
        .map(v2::transaction::TransactionMetrics::new)
        .transpose()?;
    let (state, child_state) = sc_rpc::state::new_full(client.clone(), executor.clone(), None);

    let mut module = RpcModule::new(());
    let mut merge = |methods: jsonrpsee::Methods| {
        module
            .merge(methods)
            .map_err(|error| ServiceError::Application(error.into()))
    };
    merge(
        v2::transaction::Transaction::new(
            client.clone(),
            pool.clone(),
            executor.clone(),
            transaction_metrics,
        )
        .into_rpc()
        .into(),
    )?;
    merge(
        v2::transaction::TransactionBroadcast::new(
            client.clone(),
            pool.clone(),
            executor.clone(),
            MAX_WATCHED_TRANSACTIONS,
        )
        .into_rpc()
        .into(),
    )?;
    merge(
        v2::chain_head::ChainHead::new(
            client.clone(),
            backend.clone(),
            executor.clone(),
            v2::chain_head::ChainHeadConfig::default(),
        )
        .into_rpc()
        .into(),
    )?;
    merge(
        v2::chain_spec::ChainSpec::new(
            chain_spec.name().into(),
            genesis_hash,
            chain_spec.properties(),
        )
        .into_rpc()
        .into(),
    )?;
    merge(
        v2::bitswap::Bitswap::new(client.clone(), sync_oracle)
            .into_rpc()
            .into(),
    )?;
    // `archive_v1` promises every block's state and body.
    let is_archive = config
        .state_pruning
        .as_ref()
        .is_some_and(|pruning| pruning.is_archive())
        && config.blocks_pruning.is_archive();
    if is_archive {
        merge(
            v2::archive::Archive::new(
                client.clone(),
                backend.clone(),
                genesis_hash,
                executor.clone(),
            )
            .into_rpc()
            .into(),
        )?;
    }
    if let Some(storage) = backend.offchain_storage() {
        merge(sc_rpc::offchain::Offchain::new(storage).into_rpc().into())?;
    }
    merge(
        sc_rpc::chain::new_full(client.clone(), executor.clone())
            .into_rpc()
            .into(),
    )?;
    merge(
        sc_rpc::author::Author::new(client.clone(), pool.clone(), keystore, executor.clone())
            .into_rpc()
            .into(),
    )?;
    merge(
        sc_rpc::system::System::new(
            sc_rpc::system::SystemInfo {
                chain_name: chain_spec.name().into(),
                impl_name: config.impl_name.clone(),
                impl_version: config.impl_version.clone(),
                properties: chain_spec.properties(),
                chain_type: chain_spec.chain_type(),
            },
            system_rpc_tx,
        )
        .into_rpc()
        .into(),
    )?;
    merge(state.into_rpc().into())?;
    merge(child_state.into_rpc().into())?;
    replace_subscriptions(&mut module, &client, &executor, &revert_watchers)?;
    {
        let (client, executor) = (client.clone(), executor.clone());
        replace_subscription(
            &mut module,
            WATCH_EXTRINSIC,
            move |params, pending, _, extensions| {
                in_block_reads::submit_and_watch(
                    &pool,
                    &*client,
                    &executor,
                    &in_block_reads,
                    params,
                    pending,
                    extensions,
                );
                SubscriptionCloseResponse::None
            },
        )?;
    }
    Ok(module)
}

/// A subscription's method names, as sc-rpc-api declares them.
struct Names {
    subscribe: &'static str,
    notification: &'static str,
    unsubscribe: &'static str,
    aliases: &'static [&'static str],
    unsubscribe_aliases: &'static [&'static str],
}

const STORAGE: Names = Names {
    subscribe: "state_subscribeStorage",
    notification: "state_storage",
    unsubscribe: "state_unsubscribeStorage",
    aliases: &[],
    unsubscribe_aliases: &[],
};
const NEW_HEADS: Names = Names {
    subscribe: "chain_subscribeNewHeads",
    notification: "chain_newHead",
    unsubscribe: "chain_unsubscribeNewHeads",
    aliases: &["subscribe_newHead", "chain_subscribeNewHead"],
    unsubscribe_aliases: &["unsubscribe_newHead", "chain_unsubscribeNewHead"],
};
const FINALIZED_HEADS: Names = Names {
    subscribe: "chain_subscribeFinalizedHeads",
    notification: "chain_finalizedHead",
    unsubscribe: "chain_unsubscribeFinalizedHeads",
    aliases: &["chain_subscribeFinalisedHeads"],
    unsubscribe_aliases: &["chain_unsubscribeFinalisedHeads"],
};

const WATCH_EXTRINSIC: Names = Names {
    subscribe: "author_submitAndWatchExtrinsic",
    notification: "author_extrinsicUpdate",
    unsubscribe: "author_unwatchExtrinsic",
    aliases: &[],
    unsubscribe_aliases: &[],
};

/// Puts Europa's storage and head subscriptions, which a revert reaches, in the place
/// of sc-rpc's.
fn replace_subscriptions(
    module: &mut RpcModule<()>,
    client: &Arc<FullClient>,
    executor: &SubscriptionTaskExecutor,
    watchers: &Arc<RevertWatchers>,
) -> Result<(), ServiceError> {
    {
        let (client, executor, watchers) = (client.clone(), executor.clone(), watchers.clone());
        replace_subscription(module, STORAGE, move |params, pending, _, extensions| {
            revert_watchers::subscribe_storage(
                &client, &executor, &watchers, params, pending, extensions,
            );
            SubscriptionCloseResponse::None
        })?;
    }
    for (names, finalized) in [(NEW_HEADS, false), (FINALIZED_HEADS, true)] {
        let (client, executor, watchers) = (client.clone(), executor.clone(), watchers.clone());
        replace_subscription(module, names, move |_, pending, _, _| {
            revert_watchers::subscribe_heads(&client, &executor, &watchers, pending, finalized);
            SubscriptionCloseResponse::None
        })?;
    }
    Ok(())
}

/// Removes the subscription `names` sc-rpc registered (failing if it has not: its
/// names changed) and registers `subscribe` under them.
fn replace_subscription<F>(
    module: &mut RpcModule<()>,
    names: Names,
    subscribe: F,
) -> Result<(), ServiceError>
where
    F: Fn(Params, PendingSubscriptionSink, Arc<()>, &Extensions) -> SubscriptionCloseResponse
        + Send
        + Sync
        + Clone
        + 'static,
{
    let failed = |error: String| ServiceError::Application(error.into());
    let all = [names.subscribe, names.unsubscribe];
    for name in all
        .iter()
        .chain(names.aliases)
        .chain(names.unsubscribe_aliases)
    {
        if module.remove_method(name).is_none() {
            return Err(failed(format!("sc-rpc serves no {name} to replace")));
        }
    }
    module
        .register_subscription_raw(
            names.subscribe,
            names.notification,
            names.unsubscribe,
            subscribe,
        )
        .map_err(|error| failed(error.to_string()))?;
    for alias in names.aliases {
        module
            .register_alias(alias, names.subscribe)
            .map_err(|error| failed(error.to_string()))?;
    }
    for alias in names.unsubscribe_aliases {
        module
            .register_alias(alias, names.unsubscribe)
            .map_err(|error| failed(error.to_string()))?;
    }
    Ok(())
}
