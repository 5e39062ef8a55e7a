//! `europa`: a sandbox development chain for pallet-contracts / ink! contracts.

// The error types crossing our functions are sc-cli's and sc-service's own.
#![allow(clippy::result_large_err)]

mod chain_settings;
mod chain_spec;
mod cli;
mod clock;
mod command;
mod executor;
mod explorer;
mod history;
mod insight;
mod recording;
mod rpc;
mod rpc_server;
mod service;
mod workspace;

fn main() -> sc_cli::Result<()> {
    command::run()
}
