//! Assembles the node: client and ParityDB backend over the native runtime, transaction
//! pool, block sealing on demand, networking, and the tasks that serve RPC (`tasks`).

use std::sync::Arc;

use europa_runtime::{apis::RuntimeApi, opaque::Block, Hash};
use futures::{channel::mpsc, FutureExt, StreamExt};
use sc_consensus_manual_seal::{EngineCommand, ManualSealParams};
use sc_service::{error::Error as ServiceError, Configuration, TaskManager};
use sc_transaction_pool_api::TransactionPool as _;

use crate::{
    chain_settings::ChainSettings,
    cli::{EuropaParams, Sealing},
    clock::Clock,
    coverage::{Coverage, CoverageOutput},
    debugger::next_dry_run::DryRunWatch,
    executor::NativeExecutor,
    insight::{Insight, Kind, LogObserver},
    lens::{LogLens, LoggedTrap},
    rpc,
};

mod banner;
mod standard_rpc;
mod tasks;

pub use tasks::{FullBackend, FullClient};

/// How many seal requests may wait; more pile up only if sealing cannot keep up.
const SEAL_QUEUE: usize = 1024;

/// What of the node's network exposure the command line asked for.
#[derive(Clone, Copy, Debug)]
pub struct Exposure {
    /// `--port` or `--listen-addr`: listen for p2p connections (still accepting no peer).
    pub p2p_listener: bool,
    /// `--prometheus-port` or `--prometheus-external`: serve metrics.
    pub metrics: bool,
}

/// A Europa chain is private: it never discovers, dials or accepts peers, so it never
/// imports blocks or transactions from elsewhere, and it opens no p2p or metrics port
/// unless asked. Several chains run side by side on one machine.
fn isolate(config: &mut Configuration, exposure: Exposure) {
    use sc_network::config::{NonReservedPeerMode, TransportConfig};
    let network = &mut config.network;
    network.boot_nodes.clear();
    network.default_peers_set.in_peers = 0;
    network.default_peers_set.out_peers = 0;
    network.default_peers_set.reserved_nodes.clear();
    network.default_peers_set.non_reserved_mode = NonReservedPeerMode::Deny;
    network.default_peers_set_num_full = 0;
    network.enable_dht_random_walk = false;
    network.transport = TransportConfig::Normal {
        enable_mdns: false,
        allow_private_ip: false,
    };
    if !exposure.p2p_listener {
        network.listen_addresses.clear();
    }
    if !exposure.metrics {
        config.prometheus_config = None;
    }
}

/// What Europa knows about contracts on this chain: what it kept, and what the command
/// line adds (`--contracts`, `--debug-symbols`); the log's trace observer reads with it,
/// and queues traps to locate on the returned receiver (see `lens::LogLens`). With
/// `--coverage`, the observer collects it too.
fn learn(chain_dir: &std::path::Path, params: &EuropaParams) -> Result<Learned, ServiceError> {
    let insight = Arc::new(Insight::open(Some(chain_dir)));
    let sources = [
        (&params.contracts, Kind::Contracts),
        (&params.debug_symbols, Kind::DebugSymbols),
    ];
    for (paths, kind) in sources {
        for learned in insight.load(paths, kind, true) {
            let learned = learned.map_err(|error| ServiceError::Other(error.to_string()))?;
            log::info!(target: "europa", "Learned {learned}");
        }
    }
    let (lens, traps) = LogLens::new();
    let covered = params.coverage || params.coverage_file.is_some();
    let coverage = covered.then(|| Arc::new(Coverage::new(params.coverage_filter)));
    let dry_run_watch = Arc::new(DryRunWatch::default());
    let observer = LogObserver {
        insight: insight.clone(),
        level: params.trace,
        dry_runs: params.trace_dry_runs,
        lens: Some(lens),
        coverage: coverage.clone(),
        dry_run_watch: dry_run_watch.clone(),
    };
    Ok(Learned {
        insight,
        traps,
        coverage,
        dry_run_watch,
        observer,
    })
}

/// What [`learn`] sets up.
struct Learned {
    insight: Arc<Insight>,
    traps: std::sync::mpsc::Receiver<LoggedTrap>,
    coverage: Option<Arc<Coverage>>,
    dry_run_watch: Arc<DryRunWatch>,
    /// Where the runtime's traces go: the log, coverage, a debugger's watch.
    observer: LogObserver,
}

/// Starts the node, running contracts as `settings` say; `temporary`: its directory goes
/// when it stops (`--tmp`).
pub fn new_full(
    mut config: Configuration,
    params: EuropaParams,
    settings: ChainSettings,
    exposure: Exposure,
    temporary: bool,
) -> Result<Started, ServiceError> {
    isolate(&mut config, exposure);
    // What the command line teaches is checked before any task starts: a bad file stops
    // the start cleanly.
    let chain_dir = config.base_path.config_dir(config.chain_spec.id());
    let started_in = chain_dir.clone();
    let Learned {
        insight,
        traps: logged_traps,
        coverage,
        dry_run_watch,
        observer,
    } = learn(&chain_dir, &params)?;
    let host = settings
        .host(Some(Box::new(observer)))
        .map_err(ServiceError::Other)?;
    let (client, backend, keystore_container, mut task_manager) =
        sc_service::new_full_parts::<Block, RuntimeApi, _>(
            &config,
            None,
            NativeExecutor::new(host),
            vec![],
        )?;
    let client = Arc::new(client);
    if let Some(coverage) = &coverage {
        let output = CoverageOutput::start(
            coverage.clone(),
            insight.clone(),
            params.coverage_file.clone(),
        )
        .map_err(|error| ServiceError::Other(error.to_string()))?;
        task_manager.keep_alive(output);
    }
    LogLens::spawn(client.clone(), insight.clone(), params.trace, logged_traps)
        .map_err(|error| ServiceError::Other(format!("cannot start the log's lens: {error}")))?;
    let select_chain = sc_consensus::LongestChain::new(backend.clone());

    // The single-state pool: the fork-aware one (sc-cli's default) needs a first block
    // before it accepts transactions, and a dev chain has no forks.
    let transaction_pool = Arc::from(
        sc_transaction_pool::Builder::new(
            task_manager.spawn_essential_handle(),
            client.clone(),
            config.role.is_authority().into(),
        )
        .with_options(Default::default())
        .with_prometheus(config.prometheus_registry())
        .build(),
    );

    let import_queue = sc_consensus_manual_seal::import_queue(
        Box::new(client.clone()),
        &task_manager.spawn_essential_handle(),
        config.prometheus_registry(),
    );

    let net_config = sc_network::config::FullNetworkConfiguration::<
        Block,
        <Block as sp_runtime::traits::Block>::Hash,
        sc_network::Litep2pNetworkBackend,
    >::new(&config.network, config.prometheus_registry().cloned());
    let metrics = <sc_network::Litep2pNetworkBackend as sc_network::NetworkBackend<Block, Hash>>::register_notification_metrics(
        config.prometheus_registry(),
    );
    let (network, system_rpc_tx, tx_handler_controller, sync_service, _) =
        sc_service::build_network(sc_service::BuildNetworkParams {
            config: &config,
            net_config,
            client: client.clone(),
            transaction_pool: transaction_pool.clone(),
            spawn_handle: task_manager.spawn_handle(),
            spawn_essential_handle: task_manager.spawn_essential_handle(),
            import_queue,
            block_announce_validator_builder: None,
            warp_sync_config: None,
            block_relay: None,
            metrics,
            gap_sync_body_policy: None,
        })?;

    let (seal_commands, seal_requests) = mpsc::channel::<EngineCommand<Hash>>(SEAL_QUEUE);
    let clock = Arc::new(Clock::default());
    let revert_watchers = Arc::new(rpc::revert_watchers::RevertWatchers::default());
    let rpc_extensions = {
        let client = client.clone();
        let backend = backend.clone();
        let pool = transaction_pool.clone();
        let seal_commands = seal_commands.clone();
        let clock = clock.clone();
        let insight = insight.clone();
        let revert_watchers = revert_watchers.clone();
        let manual_sealing = params.sealing == Sealing::Manual;
        move |_| {
            rpc::create(rpc::Dependencies {
                client: client.clone(),
                backend: backend.clone(),
                pool: pool.clone(),
                seal_commands: seal_commands.clone(),
                manual_sealing,
                clock: clock.clone(),
                chain_dir: chain_dir.clone(),
                insight: insight.clone(),
                revert_watchers: revert_watchers.clone(),
                coverage: coverage.clone(),
                dry_run_watch: dry_run_watch.clone(),
            })
            .map_err(Into::into)
        }
    };

    let prometheus_registry = config.prometheus_registry().cloned();
    let rpc = tasks::spawn(
        tasks::Parts {
            config,
            client: client.clone(),
            backend: backend.clone(),
            keystore: keystore_container.keystore(),
            pool: transaction_pool.clone(),
            network,
            system_rpc_tx,
            tx_handler_controller,
            sync_service,
            revert_watchers,
            temporary,
            explorer: (!params.no_ui).then_some(crate::explorer::ExplorerConfig {
                port: params.ui_port,
                external: params.ui_external,
            }),
        },
        &mut task_manager,
        &rpc_extensions,
    )?;

    // Instant sealing: every transaction entering the pool asks for a block (an empty
    // one is never made), alongside the blocks requested over RPC. The block is
    // finalized a moment later (below), so that watchers see it in a block first.
    let commands = match params.sealing {
        Sealing::Instant => futures::stream::select(
            transaction_pool.import_notification_stream().map(move |_| {
                EngineCommand::SealNewBlock {
                    create_empty: false,
                    finalize: false,
                    parent_hash: None,
                    sender: None,
                }
            }),
            seal_requests,
        )
        .boxed(),
        Sealing::Manual => seal_requests.boxed(),
    };
    let proposer = sc_basic_authorship::ProposerFactory::new(
        task_manager.spawn_handle(),
        client.clone(),
        transaction_pool.clone(),
        prometheus_registry.as_ref(),
        None,
    );
    let sealing = sc_consensus_manual_seal::run_manual_seal(ManualSealParams {
        block_import: client.clone(),
        env: proposer,
        client: client.clone(),
        pool: transaction_pool,
        commands_stream: commands,
        select_chain,
        consensus_data_provider: None,
        create_inherent_data_providers: {
            let client = client.clone();
            move |parent, ()| {
                // Unreadable parent state: the clock alone decides.
                let parent_ms = crate::clock::timestamp_at(&*client, parent).unwrap_or_default();
                let timestamp = clock.next_block_timestamp(parent_ms);
                async move {
                    Ok(sp_timestamp::InherentDataProvider::new(
                        sp_timestamp::Timestamp::new(timestamp),
                    ))
                }
            }
        },
    });
    task_manager
        .spawn_essential_handle()
        .spawn_blocking("manual-seal", None, sealing.boxed());

    // Manual sealing finalizes as `engine_createBlock` and `engine_finalizeBlock` say,
    // unless a delay is asked for.
    let lag = match (params.finalize_delay_sec, params.sealing) {
        (Some(seconds), _) => Some(std::time::Duration::from_secs(seconds)),
        (None, Sealing::Instant) => Some(FINALITY_LAG),
        (None, Sealing::Manual) => None,
    };
    if let Some(lag) = lag {
        let finality = finalize_each_block_after(client, task_manager.spawn_handle(), lag);
        task_manager.spawn_essential_handle().spawn_blocking(
            "delayed-finalize",
            None,
            finality.boxed(),
        );
    }

    Ok(Started {
        task_manager,
        rpc,
        chain_dir: started_in,
    })
}

/// A node started: its tasks (dropping them stops it), where it serves RPC and where
/// its chain lives.
pub struct Started {
    /// The node's tasks.
    pub task_manager: TaskManager,
    /// The addresses its RPC server listens on.
    pub rpc: Vec<std::net::SocketAddr>,
    /// The chain's directory (database, settings, snapshots, what insight keeps).
    pub chain_dir: std::path::PathBuf,
}

/// How long after it is imported a block is finalized (without `--finalize-delay-sec`).
/// Long enough for a client that watches a transaction to hear "in block" and fetch the
/// block's events before "finalized" arrives: @polkadot/api's `signAndSend` drops an
/// in-block status whose events are still being fetched when finality comes. A client
/// slower than this is held for (`rpc::in_block_reads`).
pub const FINALITY_LAG: std::time::Duration = std::time::Duration::from_millis(100);

/// Finalizes each block imported as the new best `lag` after its import, unless it (or
/// a descendant) was finalized meanwhile or it is gone (reverted).
async fn finalize_each_block_after(
    client: Arc<FullClient>,
    spawn: sc_service::SpawnTaskHandle,
    lag: std::time::Duration,
) {
    use sc_client_api::{BlockchainEvents, Finalizer};
    use sp_blockchain::HeaderBackend;
    use sp_runtime::traits::Header;
    let mut imported = client.import_notification_stream();
    while let Some(block) = imported.next().await {
        if !block.is_new_best || *block.header.number() <= client.info().finalized_number {
            continue;
        }
        let client = client.clone();
        spawn.spawn(
            "finalize-block",
            None,
            async move {
                tokio::time::sleep(lag).await;
                let number = *block.header.number();
                let known = client.hash(number).ok().flatten() == Some(block.hash);
                if known && number > client.info().finalized_number {
                    if let Err(error) = client.finalize_block(block.hash, None, true) {
                        log::debug!(target: "europa", "block #{number} not finalized: {error}");
                    }
                }
            }
            .boxed(),
        );
    }
}
