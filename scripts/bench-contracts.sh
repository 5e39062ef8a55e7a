#!/usr/bin/env bash
# Contract calls per second: this pallet on wasmtime and wasmi vs upstream
# pallet-contracts 51, in the mock runtime, release build. Prints a table.
#   EUROPA_BENCH_SECONDS=N  measuring time per case (default 3)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}"
cargo bench --locked -p pallet-europa-contracts --bench calls
