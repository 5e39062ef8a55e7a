#!/usr/bin/env bash
# Sight benchmark (coverage, line records, the debugger): builds the release `europa`,
# then node/tests/polkadot-js/bench-sight.mjs prints sustained contract calls per second with
# --coverage against without (EUROPA_BENCH_CALLS flips, 2000), the time and the node's
# peak memory of a line record of the compute fixture's DWARF build
# (compute.work(EUROPA_BENCH_RECORD_ROUNDS), 2: about 1.2 million steps;
# EUROPA_BENCH_RECORD_STEPS, 1 000 000) and
# the time of europa_coverage over the fixture codes (EUROPA_BENCH_COVERAGE_REPORTS, 10), and
# a debugging session of compute.work(1) cut to EUROPA_BENCH_DEBUG_STEPS (100 000) steps:
# its start, the node's memory for it, and steps forward and back (EUROPA_BENCH_DEBUG_MOVES,
# 200 each, p50/p99), and the start of a session on the largest fixture (caller's DWARF
# build); the variables of a step (EUROPA_BENCH_DEBUG_VARIABLES steps, 20: each a re-run,
# then kept).
# EUROPA_BENCH_NODE_ARGS adds node flags to every run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}"

cargo build --release --locked -p europa-node
npm ci --prefix node/tests/polkadot-js --no-audit --no-fund --loglevel=error
EUROPA_BIN="$CARGO_TARGET_DIR/release/europa" node node/tests/polkadot-js/bench-sight.mjs
