#!/usr/bin/env bash
# Chain-surface benchmark: builds the release `europa`, then
# node/tests/polkadot-js/bench-chain.mjs measures europa_forwardToHeight and europa_revert
# on a chain of 10 000 blocks, and the re-executing methods (traces, state history) on a block of
# 100 contract calls. Sizes: EUROPA_BENCH_BLOCKS (10000), EUROPA_BENCH_BLOCK_CALLS (100),
# EUROPA_BENCH_TRACES (20).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}"

cargo build --release --locked -p europa-node
npm ci --prefix node/tests/polkadot-js --no-audit --no-fund --loglevel=error
EUROPA_BIN="$CARGO_TARGET_DIR/release/europa" node node/tests/polkadot-js/bench-chain.mjs
