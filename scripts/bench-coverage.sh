#!/usr/bin/env bash
# Coverage and line-record benchmark: builds the release `europa`, then
# node/tests/polkadot-js/bench-coverage.mjs prints sustained contract calls per second with
# --coverage against without (EUROPA_BENCH_CALLS flips, 2000), the time and the node's
# peak memory of a line record of the compute fixture's DWARF build
# (compute.work(EUROPA_BENCH_RECORD_ROUNDS), 2: about 1.2 million steps;
# EUROPA_BENCH_RECORD_STEPS, 1 000 000) and
# the time of europa_coverage over the 20 fixture codes (EUROPA_BENCH_COVERAGE_REPORTS, 10).
# EUROPA_BENCH_NODE_ARGS adds node flags to every run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}"

cargo build --release --locked -p europa-node
npm ci --prefix node/tests/polkadot-js --no-audit --no-fund --loglevel=error
EUROPA_BIN="$CARGO_TARGET_DIR/release/europa" node node/tests/polkadot-js/bench-coverage.mjs
