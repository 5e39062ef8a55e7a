#!/usr/bin/env bash
# Builds the sandbox's guest fixture (primitives/sandbox/fixtures/guest) to
# primitives/sandbox/fixtures/guest.wasm: wasm32, optimised, with full DWARF kept
# (no wasm-opt, no stripping) so traps can be mapped to Rust file:line.
# Needs: rustup target add wasm32-unknown-unknown
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
guest="$root/primitives/sandbox/fixtures/guest"
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}/sandbox-guest"

# Paths in DWARF get fixed prefixes (/europa for this repository, /home for $HOME), so the
# committed fixture is the same whoever builds it and wherever.
export RUSTFLAGS="-C link-arg=-zstack-size=65536 --remap-path-prefix=$root=/europa --remap-path-prefix=$HOME=/home"
cargo build --manifest-path "$guest/Cargo.toml" --release --target wasm32-unknown-unknown \
    --target-dir "$target_dir"
cp "$target_dir/wasm32-unknown-unknown/release/sandbox_guest.wasm" "$root/primitives/sandbox/fixtures/guest.wasm"
echo "wrote primitives/sandbox/fixtures/guest.wasm ($(wc -c < "$root/primitives/sandbox/fixtures/guest.wasm") bytes)"
