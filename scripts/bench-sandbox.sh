#!/usr/bin/env bash
# Runs the sandbox benchmarks (criterion) and prints the ratios the sandbox is held to:
# wasmtime vs wasmi on the compute loop (goal >= 5x) and cached vs cold wasmtime
# instantiation (goal >= 20x).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}"
cd "$root"
cargo bench -p europa-sandbox --bench executors -- "$@"
python3 - "$CARGO_TARGET_DIR/criterion" <<'PY'
import json, sys, os
base = sys.argv[1]
def mean(group, name):
    with open(os.path.join(base, group, name, "new", "estimates.json")) as f:
        return json.load(f)["mean"]["point_estimate"]  # nanoseconds
def show(label, slow, fast, goal):
    ratio = slow / fast
    verdict = "meets" if ratio >= goal else "MISSES"
    print(f"{label}: {slow/1e6:.3f} ms vs {fast/1e6:.3f} ms = {ratio:.1f}x ({verdict} the {goal}x goal)")
show("compute, wasmi vs wasmtime", mean("compute", "wasmi"), mean("compute", "wasmtime"), 5)
show("instantiate, wasmtime cold vs cached", mean("instantiate", "wasmtime_cold"), mean("instantiate", "wasmtime_cached"), 20)
print(f"instantiate, wasmi: {mean('instantiate', 'wasmi')/1e6:.3f} ms")
PY
