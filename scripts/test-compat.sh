#!/usr/bin/env bash
# Real clients against the real node, beyond the default test command (too slow cold:
# installing cargo-contract alone compiles binaryen's C++ for ~25 min):
#
#  1. cargo-contract 5.0.3 builds two of the project's ink! fixtures (flipper, callee; the
#     others fail its mandatory clippy lints, e.g. unchecked arithmetic) and drives
#     a running `europa --tmp` with its CLI: upload, instantiate, call (dry run and
#     executed), info, storage and remove. Its stderr must not carry the "does not yet
#     support checking for compatibility" warning (Europa publishes the Environment type).
#  2. The differential harness (pallets/contracts/tests/all/differential.rs) deploys and
#     calls the code of those bundles on this pallet and on upstream pallet-contracts 51:
#     equal results, deposits and, on wasmi, gas.
#  3. ink_e2e 5.1: the crate node/tests/ink-e2e runs its #[ink_e2e::test]s (deploy, dry
#     run and call, an event, a revert, a call between two instances) with
#     CONTRACTS_NODE pointing at the europa binary.
#
# Installs what is missing, once, outside the clone: Rust 1.86 with rust-src, clippy and
# wasm32 (ink 5.1 contracts need it), and cargo-contract 5.0.3 into
# $HOME/.cache/europa/tools/cargo-contract. Needs what scripts/setup.sh test installs, plus a C++
# compiler and cmake for cargo-contract's wasm-opt (installed if missing on Debian).
#
# Usage: scripts/test-compat.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}"
tools="$HOME/.cache/europa/tools"
contract_toolchain="1.86"
cargo_contract_version="5.0.3"
work="$HOME/.cache/europa/compat"

step() { printf '\n==> %s\n' "$*"; }
fail() { echo "test-compat: $*" >&2; exit 1; }

step "Rust $contract_toolchain for ink! contracts"
rustup toolchain install "$contract_toolchain" --profile minimal \
    -c rust-src -c clippy -t wasm32-unknown-unknown

cargo_contract="$tools/cargo-contract/bin/cargo-contract"
if ! "$cargo_contract" --version 2>/dev/null | grep -q "$cargo_contract_version"; then
    step "cargo-contract $cargo_contract_version (once; ~25 min)"
    missing=()
    for package in g++ cmake; do
        command -v "$package" >/dev/null || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
    CARGO_TARGET_DIR="$tools/build" cargo install cargo-contract \
        --version "$cargo_contract_version" --locked --root "$tools/cargo-contract"
fi
export PATH="$tools/cargo-contract/bin:$PATH"

step "europa"
# The same build as the default test command's (its features), so after that has run
# this is a no-op.
cargo test --workspace --locked --no-run
europa="$CARGO_TARGET_DIR/debug/europa"

step "cargo contract build: the flipper and callee fixtures"
# A copy of each, as cargo-contract expects a contract crate: with an author (its
# metadata needs one) and no crate type of its own (it builds the contract as a binary).
fixtures="$root/pallets/contracts/fixtures/contracts"
for name in flipper callee; do
    rm -rf "$work/contracts/$name"
    mkdir -p "$work/contracts/$name"
    cp "$fixtures/$name/lib.rs" "$fixtures/$name/Cargo.lock" "$work/contracts/$name/"
    sed -e 's/^version = \(.*\)/version = \1\nauthors = ["Europa"]/' -e '/^crate-type/d' \
        "$fixtures/$name/Cargo.toml" >"$work/contracts/$name/Cargo.toml"
    CARGO_TARGET_DIR="$work/target" cargo +"$contract_toolchain" contract build --release \
        --quiet --manifest-path "$work/contracts/$name/Cargo.toml"
done
bundle() { echo "$work/target/ink/$1.contract"; }
for name in flipper callee; do
    [ -f "$(bundle "$name")" ] || fail "no bundle for $name at $(bundle "$name")"
done

step "cargo contract against europa --tmp"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$work/europa.log"
"$europa" --tmp --rpc-port "$port" >"$log" 2>&1 &
node_pid=$!
trap 'kill $node_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    grep -q "Running JSON-RPC server" "$log" && break
    sleep 0.2
done
grep -q "Running JSON-RPC server" "$log" || fail "europa did not start: $(tail -5 "$log")"
url="ws://127.0.0.1:$port"
chain=(--suri //Alice --url "$url")
stderr="$work/cargo-contract.stderr"
: >"$stderr"
contract() { cargo contract "$@" 2>>"$stderr"; }
json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

flipper="$(bundle flipper)"
code_hash=$(contract upload "$flipper" "${chain[@]}" -x --output-json | json_field code_hash)
echo "uploaded flipper: $code_hash"
address=$(contract instantiate "$flipper" "${chain[@]}" --constructor new --args false \
    -x --skip-confirm --output-json | json_field contract)
echo "instantiated flipper: $address"
# At default verbosity (JSON output is quiet), where cargo-contract warns when the chain
# publishes no environment types to check the contract's against.
contract instantiate "$flipper" "${chain[@]}" --constructor new --args true >/dev/null
get() {
    contract call "$flipper" "${chain[@]}" --contract "$address" --message get --output-json |
        python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["data"]))'
}
before=$(get)
echo "get (dry run): $before"
contract call "$flipper" "${chain[@]}" --contract "$address" --message flip -x --skip-confirm >/dev/null
after=$(get)
echo "get after flip: $after"
[ "$before" != "$after" ] || fail "flip did not change get: $before -> $after"
contract info --url "$url" --contract "$address" --output-json >"$work/info.json"
grep -q "${code_hash#0x}" "$work/info.json" || fail "info does not show the code hash: $(cat "$work/info.json")"
echo "info: $(tr -d '\n ' <"$work/info.json" | head -c 200)"
contract storage --url "$url" --contract "$address" "$flipper" >"$work/storage.txt"
grep -q "value" "$work/storage.txt" || fail "storage does not show the flipper's value: $(cat "$work/storage.txt")"
echo "storage: $(tr -s ' ' <"$work/storage.txt" | head -c 300)"

callee="$(bundle callee)"
callee_hash=$(contract upload "$callee" "${chain[@]}" -x --output-json | json_field code_hash)
echo "uploaded callee: $callee_hash"
contract remove "$callee" "${chain[@]}" --code-hash "$callee_hash" -x --output-json >"$work/remove.json"
grep -q "CodeRemoved" "$work/remove.json" || fail "remove: $(cat "$work/remove.json")"
echo "removed callee's code"

if grep -qi "does not yet support checking" "$stderr"; then
    fail "cargo-contract warned about the chain's environment types: $(cat "$stderr")"
fi
kill "$node_pid"
trap - EXIT

step "differential: cargo-contract's bundles on this pallet (wasmi, wasmtime) and upstream 51"
EUROPA_COMPAT_BUNDLES="$work/target/ink" cargo test --locked -p pallet-europa-contracts \
    --test all differential_cargo_contract_bundles -- --ignored

step "ink_e2e 5.1 (node/tests/ink-e2e) with CONTRACTS_NODE=$europa"
CONTRACTS_NODE="$europa" CARGO_TARGET_DIR="$work/target" cargo +"$contract_toolchain" test \
    --locked --manifest-path "$root/node/tests/ink-e2e/Cargo.toml" --features e2e-tests

step "compat: all passed"
