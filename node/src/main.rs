//! `europa`: a sandbox development chain for pallet-contracts / ink! contracts.

// The error types crossing our functions are sc-cli's and sc-service's own.
#![allow(clippy::result_large_err)]
// A binary: nothing in it is reachable from outside, and `pub` marks what a module
// offers the rest of the crate.
#![allow(unreachable_pub)]

mod chain_settings;
mod chain_spec;
mod cli;
mod clock;
mod command;
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

fn main() -> sc_cli::Result<()> {
    // wasmtime hands a host function's error (every `seal_return` is one) around as an
    // `anyhow::Error`, which captures a Rust backtrace whenever `RUST_BACKTRACE` is set
    // for panics: ~10% of a small contract call, for a backtrace nobody reads. Panics
    // keep theirs; library backtraces stay off unless `RUST_LIB_BACKTRACE` asks.
    // (Set before any thread starts.)
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    command::run()
}
