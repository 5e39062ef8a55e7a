//! `europa`: a sandbox development chain for pallet-contracts / ink! contracts.

mod chain_spec;
mod cli;
mod command;
mod executor;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
    command::run()
}
