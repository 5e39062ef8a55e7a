//! A node in this process: [`spawn`] starts one on a tokio runtime of its own, as
//! `europa` would with the same flags, and the [`NodeHandle`] stops it when dropped.
//! Nothing the node uses is process-wide: its contract engines and trace observer go
//! with each runtime call it makes (`europa_runtime::contracts::ContractsHost`).

use std::{
    ffi::OsString,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use sc_cli::SubstrateCli;
use sc_service::TaskManager;

use crate::command;

/// How long a stopping node's tasks get to end before its runtime leaves them.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// What to start: `europa`'s command-line flags (without the program's name).
#[derive(Clone, Debug, Default)]
pub struct NodeConfig {
    args: Vec<OsString>,
    /// A chain of its own in a directory of its own, removed when the node stops
    /// (`--tmp`: sc-service's temporary directory is one per process).
    throwaway: bool,
}

impl NodeConfig {
    /// A throwaway development chain, as `europa --tmp` starts it, but serving RPC on a
    /// free local port and without the Explorer, P2P or metrics ports: nodes spawned
    /// side by side never collide.
    pub fn dev() -> Self {
        NodeConfig {
            throwaway: true,
            ..NodeConfig::default()
        }
        .args([
            "--dev",
            "--rpc-port=0",
            "--port=0",
            "--no-prometheus",
            "--no-ui",
        ])
    }

    /// These flags added, as `europa` reads them (`--sandbox=wasmtime`, `--coverage`,
    /// `--base-path=DIR` for a chain that outlives the node, …). `--tmp` gives the node
    /// a directory of its own.
    pub fn args<I, A>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = A>,
        A: Into<OsString>,
    {
        for arg in args.into_iter().map(Into::into) {
            match arg == "--tmp" {
                true => self.throwaway = true,
                false => self.args.push(arg),
            }
        }
        self
    }
}

/// Why a node did not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The flags do not describe a node.
    #[error("bad node flags: {0}")]
    Flags(String),
    /// Its runtime could not be made.
    #[error("cannot make the node's runtime: {0}")]
    Runtime(#[from] std::io::Error),
    /// The node failed to start.
    #[error(transparent)]
    Start(#[from] sc_cli::Error),
    /// It serves no RPC (e.g. `--rpc-port` pointed nowhere).
    #[error("the node serves no RPC")]
    NoRpc,
    /// The client of its RPC server could not be made.
    #[error("cannot make a client of the node: {0}")]
    Client(String),
}

/// A node running in this process; dropping it stops the node (a `--tmp` chain goes
/// with it).
pub struct NodeHandle {
    rpc: SocketAddr,
    chain_dir: PathBuf,
    client: HttpClient,
    /// A throwaway chain's directory, removed after the node stopped.
    throwaway: Option<tempfile::TempDir>,
    /// Dropped first, so that the tasks end while their runtime still runs them.
    tasks: Option<TaskManager>,
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
}

/// Starts the node `config` describes on a runtime of its own.
pub fn spawn(config: NodeConfig) -> Result<NodeHandle, NodeError> {
    let NodeConfig {
        mut args,
        throwaway,
    } = config;
    let throwaway = match throwaway {
        true => Some(tempfile::Builder::new().prefix("europa-").tempdir()?),
        false => None,
    };
    if let Some(dir) = &throwaway {
        let mut base_path = OsString::from("--base-path=");
        base_path.push(dir.path());
        args.push(base_path);
    }
    let cli = command::node_command_line(args).map_err(NodeError::Flags)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("europa-node")
        .build()?;
    let configuration = cli.create_configuration(&cli.run, runtime.handle().clone())?;
    let started = runtime.block_on(async { command::start_node(&cli, configuration) })?;
    let rpc = *started.rpc.first().ok_or(NodeError::NoRpc)?;
    let client = {
        let _entered = runtime.enter();
        HttpClientBuilder::default()
            .max_response_size(u32::MAX)
            .request_timeout(Duration::from_secs(600))
            .build(format!("http://{rpc}"))
            .map_err(|error| NodeError::Client(error.to_string()))?
    };
    Ok(NodeHandle {
        rpc,
        chain_dir: started.chain_dir,
        client,
        tasks: Some(started.task_manager),
        throwaway,
        handle: runtime.handle().clone(),
        runtime: Some(runtime),
    })
}

impl NodeHandle {
    /// Where the node serves JSON-RPC, HTTP and WebSocket alike.
    pub fn rpc_addr(&self) -> SocketAddr {
        self.rpc
    }

    /// `http://ADDR` of the RPC server.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.rpc)
    }

    /// `ws://ADDR` of the RPC server, for @polkadot/api, subxt or cargo-contract.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.rpc)
    }

    /// A client of the node: Europa's typed methods (the `*ApiClient` traits of
    /// `europa-rpc-api`) and any other through `jsonrpsee::core::client::ClientT`.
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// Runs `future` (e.g. a client call) to its end on the node's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// The chain's directory: its database, settings, snapshots and what the node
    /// learnt about its contracts.
    pub fn chain_dir(&self) -> &Path {
        &self.chain_dir
    }
}

impl Drop for NodeHandle {
    fn drop(&mut self) {
        // The tasks hear that they are to end, then get a moment to.
        drop(self.tasks.take());
        if let Some(runtime) = self.runtime.take() {
            match tokio::runtime::Handle::try_current() {
                // Blocking to wait is not allowed inside another runtime.
                Ok(_) => runtime.shutdown_background(),
                Err(_) => runtime.shutdown_timeout(STOP_TIMEOUT),
            }
        }
        // Then the throwaway chain's directory goes (`TempDir`'s own drop).
        drop(self.throwaway.take());
    }
}
