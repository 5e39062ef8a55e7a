//! `europa`: a sandbox development chain for pallet-contracts / ink! contracts.

// The error is sc-cli's own.
#![allow(clippy::result_large_err)]

fn main() -> sc_cli::Result<()> {
    // wasmtime hands a host function's error (every `seal_return` is one) around as an
    // `anyhow::Error`, which captures a Rust backtrace whenever `RUST_BACKTRACE` is set
    // for panics: ~10% of a small contract call, for a backtrace nobody reads. Panics
    // keep theirs; library backtraces stay off unless `RUST_LIB_BACKTRACE` asks.
    // (Set before any thread starts.)
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    europa_node::run()
}
