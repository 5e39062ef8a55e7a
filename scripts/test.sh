#!/usr/bin/env bash
# The one test command: formatting, every workspace test (including the differential
# fuzz run, the DWARF fixture checks and the node's end-to-end tests), the @polkadot/api
# end-to-end tests against the binary those built, the no_std wasm32 builds of the
# sandbox, the contracts pallet and the runtime, then the lint and doc gates: clippy and
# rustdoc with warnings denied (the lints are the workspace's, in Cargo.toml).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# Builds live outside the clone, so repeated runs (and CI) are incremental.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}"

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo test --workspace"
cargo test --workspace --locked

step "@polkadot/api and @polkadot/api-contract against the node (node/tests/polkadot-js)"
polkadot_js="$root/node/tests/polkadot-js"
npm ci --prefix "$polkadot_js" --no-audit --no-fund --loglevel=error
# `cargo test` above built the binary these tests start.
EUROPA_BIN="$CARGO_TARGET_DIR/debug/europa" npm test --prefix "$polkadot_js"

step "sandbox, contracts pallet and runtime without std, for wasm32"
cargo check -p europa-sandbox -p europa-trace -p pallet-europa-contracts -p europa-runtime --no-default-features --target wasm32-unknown-unknown --locked

step "cargo clippy, warnings denied"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo doc, warnings denied"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
