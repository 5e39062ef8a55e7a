#!/usr/bin/env bash
# Gas-profiler benchmark: builds the release `europa`, then
# node/tests/polkadot-js/bench-profile.mjs measures, through the node over WebSocket, the
# p50/p90 wall time of europa_traceCall and europa_profileCall of the same dry run — an
# erc20 `transfer` and compute `work(1)` (its DWARF build) — and prints them side by side
# with the overhead. EUROPA_BIN=path/to/europa uses that binary instead of building one
# (e.g. a debug build: its figures are not the release's). Samples of each:
# EUROPA_BENCH_PROFILE_SAMPLES (20).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}"

if [ -z "${EUROPA_BIN:-}" ]; then
  cargo build --release --locked -p europa-node
  EUROPA_BIN="$CARGO_TARGET_DIR/release/europa"
fi
npm ci --prefix node/tests/polkadot-js --no-audit --no-fund --loglevel=error
EUROPA_BIN="$EUROPA_BIN" node node/tests/polkadot-js/bench-profile.mjs
