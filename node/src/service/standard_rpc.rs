//! The RPC methods every Substrate node serves (sc-service builds the same set, but its
//! builder is tied to its own server): the legacy `chain_*`, `state_*`, `childstate_*`,
//! `author_*`, `system_*` and `offchain_*` families and the new JSON-RPC spec's
//! `chainHead_v1`, `transaction_v1`, `transactionWatch_v1`, `chainSpec_v1`,
//! `bitswap_v1` and, on an archive chain, `archive_v1`.

use std::sync::Arc;

use jsonrpsee::RpcModule;
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
        sc_rpc::author::Author::new(client, pool, keystore, executor)
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
    Ok(module)
}
