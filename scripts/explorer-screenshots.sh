#!/usr/bin/env bash
# Refreshes the Explorer's screenshots in docs/images/ (explorer-*.png): runs the browser
# test (node/tests/polkadot-js/explorer.test.mjs) against a debug build, which saves each
# view as it goes. Needs Chromium (Debian's `chromium`, or CHROMIUM=/path).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}"

cargo build -p europa-node --locked
tests="$root/node/tests/polkadot-js"
npm ci --prefix "$tests" --no-audit --no-fund --loglevel=error
cd "$tests"
EUROPA_BIN="$CARGO_TARGET_DIR/debug/europa" EUROPA_SCREENSHOTS="$root/docs/images" \
    node --test explorer.test.mjs
ls -l "$root"/docs/images/explorer-*.png
