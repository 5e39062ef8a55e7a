//! The node's long-running work besides sealing: what sc-service's `spawn_tasks` starts,
//! without telemetry or session keys (a Europa chain has neither), and with Europa's
//! own RPC server in place of sc-rpc-server's (see [`crate::rpc_server`]).

use std::sync::Arc;

use europa_runtime::{apis::RuntimeApi, opaque::Block, Hash};
use futures::FutureExt;
use jsonrpsee::RpcModule;
use sc_network::service::traits::NetworkService;
use sc_rpc::SubscriptionTaskExecutor;
use sc_service::{error::Error as ServiceError, Configuration, MetricsService, TaskManager};
use sc_utils::mpsc::TracingUnboundedSender;

use super::standard_rpc;
use crate::{
    executor::NativeExecutor,
    explorer::{self, ExplorerConfig},
    rpc_server,
};

/// The node's client: its runtime, executed natively.
pub type FullClient = sc_service::TFullClient<Block, RuntimeApi, NativeExecutor>;
/// The node's database backend.
pub type FullBackend = sc_service::TFullBackend<Block>;
pub type Pool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;

/// The node's parts the tasks run on.
pub struct Parts {
    pub config: Configuration,
    pub client: Arc<FullClient>,
    pub backend: Arc<FullBackend>,
    pub keystore: sp_keystore::KeystorePtr,
    pub pool: Arc<Pool>,
    pub network: Arc<dyn NetworkService>,
    pub system_rpc_tx: TracingUnboundedSender<sc_rpc::system::Request<Block>>,
    pub tx_handler_controller: sc_network_transactions::TransactionsHandlerController<Hash>,
    pub sync_service: Arc<sc_network_sync::SyncingService<Block>>,
    /// The storage and head subscriptions a revert notifies.
    pub revert_watchers: Arc<crate::rpc::revert_watchers::RevertWatchers>,
    /// Where the Explorer is served; `None`: it is not.
    pub explorer: Option<ExplorerConfig>,
    /// The chain's directory goes when the node stops (`--tmp`).
    pub temporary: bool,
}

/// Europa's RPC methods, added to the standard ones.
pub type RpcExtensions = dyn Fn(SubscriptionTaskExecutor) -> Result<RpcModule<()>, ServiceError>;

/// Starts the pool's block notifications, metrics, the informant and the RPC server, all
/// owned by `task_manager`.
pub fn spawn(
    parts: Parts,
    task_manager: &mut TaskManager,
    rpc_extensions: &RpcExtensions,
) -> Result<Vec<std::net::SocketAddr>, ServiceError> {
    let Parts {
        config,
        client,
        backend,
        keystore,
        pool,
        network,
        system_rpc_tx,
        tx_handler_controller,
        sync_service,
        revert_watchers,
        explorer,
        temporary,
    } = parts;
    let spawn_handle = task_manager.spawn_handle();
    spawn_handle.spawn(
        "txpool-notifications",
        Some("transaction-pool"),
        sc_transaction_pool::notification_future(
            client.clone(),
            pool.clone(),
            config.transaction_pool.use_all_block_notifications(),
        ),
    );
    spawn_handle.spawn(
        "on-transaction-imported",
        Some("transaction-pool"),
        sc_service::propagate_transaction_notifications(pool.clone(), tx_handler_controller, None),
    );

    let metrics = match config.prometheus_config.clone() {
        Some(prometheus) => {
            let metrics = MetricsService::with_prometheus(
                None,
                &prometheus.registry,
                config.role,
                &config.network.node_name,
                &config.impl_version,
            )?;
            spawn_handle.spawn(
                "prometheus-endpoint",
                None,
                substrate_prometheus_endpoint::init_prometheus(
                    prometheus.port,
                    prometheus.registry,
                )
                .map(drop),
            );
            metrics
        }
        None => MetricsService::new(None),
    };
    spawn_handle.spawn(
        "telemetry-periodic-send",
        None,
        metrics.run(
            client.clone(),
            pool.clone(),
            network.clone(),
            sync_service.clone(),
        ),
    );

    let rpc_runtime = sc_service::create_rpc_runtime(config.rpc.max_connections)
        .map_err(|error| ServiceError::Application(Box::new(error)))?;
    let executor: SubscriptionTaskExecutor = Arc::new(sc_rpc_server::RpcSpawnHandle::new(
        rpc_runtime.handle().clone(),
    ));
    let in_block_reads = Arc::new(crate::rpc::in_block_reads::InBlockReads::default());
    let mut module = standard_rpc::module(standard_rpc::Sources {
        config: &config,
        client: client.clone(),
        backend,
        pool,
        keystore,
        system_rpc_tx,
        sync_oracle: sync_service.clone(),
        executor: executor.clone(),
        revert_watchers,
        in_block_reads: in_block_reads.clone(),
    })?;
    module
        .merge(rpc_extensions(executor)?)
        .map_err(|error| ServiceError::Application(error.into()))?;
    let explorer_port = Arc::new(std::sync::atomic::AtomicU16::new(0));
    let rpc_server = rpc_server::start(rpc_server::ServerConfig {
        endpoints: rpc_server::endpoints(&config.rpc),
        module,
        metrics: sc_rpc_server::RpcMetrics::new(config.prometheus_registry())?,
        request_logger_limit: config.rpc.request_logger_limit,
        runtime: rpc_runtime,
        explorer_port: explorer_port.clone(),
        in_block_reads,
    })
    .map_err(|error| ServiceError::Application(Box::new(error)))?;
    if let (Some(explorer), Some(rpc_addr), Some(runtime)) = (
        explorer,
        rpc_server.local_addrs().first(),
        rpc_server.runtime(),
    ) {
        let addr = explorer::start(
            explorer,
            rpc_addr.port(),
            &runtime,
            rpc_server.stop_handle(),
        )
        .map_err(|error| ServiceError::Application(Box::new(error)))?;
        explorer_port.store(addr.port(), std::sync::atomic::Ordering::Relaxed);
    }
    let chain_dir = config.base_path.config_dir(config.chain_spec.id());
    let banner = super::banner::Banner {
        rpc: rpc_server.local_addrs(),
        chain_id: config.chain_spec.id(),
        chain_dir: &chain_dir,
        temporary,
    };
    log::info!(target: "europa", "{}", banner.text());

    spawn_handle.spawn(
        "informant",
        None,
        sc_informant::build(client, network, sync_service),
    );
    let rpc = rpc_server.local_addrs().to_vec();
    // Kept until the node stops (the RPC server, with its tasks, stops when dropped).
    task_manager.keep_alive((config.base_path, rpc_server));
    Ok(rpc)
}
