#!/usr/bin/env bash
# Node benchmark: builds the release `europa`, then node/tests/polkadot-js/bench.mjs measures
# start → RPC-ready, submit → in-block latency (transfer and contract call, p50/p99), the
# wall time of an ink! e2e-style test (deploy + 20 messages, each dry-run and watched),
# sustained contract calls per second, and resident memory after 10 000 blocks; then
# bench-inblock.mjs counts the `signAndSend` callbacks that saw InBlock while busy
# processes load every core (EUROPA_BENCH_INBLOCK_TRANSACTIONS, 200;
# EUROPA_BENCH_INBLOCK_BUSY, eight per core).
# Sizes: EUROPA_BENCH_STARTUPS (5), EUROPA_BENCH_LATENCY_SAMPLES (200),
# EUROPA_BENCH_E2E_RUNS (5), EUROPA_BENCH_CALLS (3000), EUROPA_BENCH_BLOCKS (10000),
# EUROPA_BENCH_COMPUTE_ROUNDS (20) and _RUNS (20) for a compute-heavy dry run;
# The node benchmark runs once per executor, side by side: a default chain (wasmi) and
# one created with --sandbox wasmtime (EUROPA_BENCH_EXECUTORS, "wasmi wasmtime").
# EUROPA_BENCH_NODE_ARGS adds node flags to every run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}"

cargo build --release --locked -p europa-node
npm ci --prefix node/tests/polkadot-js --no-audit --no-fund --loglevel=error
for executor in ${EUROPA_BENCH_EXECUTORS:-wasmi wasmtime}; do
    printf '\n==> %s\n' "--sandbox $executor"
    EUROPA_BENCH_NODE_ARGS="--sandbox $executor ${EUROPA_BENCH_NODE_ARGS:-}" \
        EUROPA_BIN="$CARGO_TARGET_DIR/release/europa" node node/tests/polkadot-js/bench.mjs
done
EUROPA_BIN="$CARGO_TARGET_DIR/release/europa" node node/tests/polkadot-js/bench-inblock.mjs
