#!/usr/bin/env bash
# Hostile-contract benchmark: the release node, started as a process, dry-runs each
# behaviour of pallets/contracts/fixtures/hostile.wat at a block's maximum weight (what
# clients send by default) on both executors, then submits it as an extrinsic, and
# prints per case the dry run's wall time and the node's peak RSS growth (VmHWM).
# The same test, in the default test run, asserts only generous bounds.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}"

cargo test --release --locked -p europa-node --test e2e \
    hostile_contracts_end_in_their_errors_and_the_node_keeps_sealing \
    -- --nocapture --test-threads=1 2>&1 | grep -E '^hostile |test result'
