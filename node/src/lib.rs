//! Europa, a sandbox development chain for pallet-contracts / ink! contracts, as a
//! library: [`spawn`] starts a node in this process — its own chain, RPC server and
//! contract engines, so several run side by side — and hands back a [`NodeHandle`] with
//! its RPC address, a typed client (`europa-rpc-api`) and its chain's directory; the
//! node stops when the handle is dropped. The `europa` binary is [`run`] on the command
//! line.
//!
//! ```no_run
//! use europa_node::{spawn, NodeConfig};
//! use europa_rpc_api::chain::ChainControlApiClient;
//!
//! let node = spawn(NodeConfig::dev())?;
//! let height = node.block_on(node.client().forward_to_height(3))?;
//! assert_eq!(height, 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// The error types crossing our functions are sc-cli's and sc-service's own.
#![allow(clippy::result_large_err)]
// The modules are the node's internals: `pub` in them marks what a module offers the
// rest of the crate. What the library offers is what this file exports.
#![allow(unreachable_pub)]

mod chain_settings;
mod chain_spec;
mod cli;
mod clock;
pub(crate) mod command;
mod coverage;
mod dap;
mod debugger;
mod executor;
mod explorer;
mod files;
mod hex;
mod history;
mod insight;
mod lens;
mod recording;
mod rpc;
mod rpc_server;
mod service;
mod workspace;

mod spawned;

pub use spawned::{spawn, NodeConfig, NodeError, NodeHandle};

/// Runs `europa` with the process's command line: a node, or a subcommand.
pub fn run() -> sc_cli::Result<()> {
    command::run()
}
