#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine with rustup lacks, and nothing that is there:
#   scripts/setup.sh run    the pinned toolchain pieces, and protoc and the OpenSSL headers
#                           the node's networking needs to build
#   scripts/setup.sh test   those, and what the tests need besides: Chromium (the Explorer's
#                           tests), lcov (genhtml reads the coverage tests' lcov), Node.js
#                           18+ with npm (the @polkadot/api, Explorer and DAP tests)
# System packages come from apt (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-test}"
case "$purpose" in run | test) ;; *) echo "usage: scripts/setup.sh run|test" >&2; exit 2 ;; esac

toolchain="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"
if ! command -v rustup >/dev/null; then
    echo "rustup is required (https://rustup.rs)" >&2
    exit 1
fi
# rust-toolchain.toml names the toolchain, its components and the wasm32 target;
# install whatever of it is missing (an installed toolchain is left as it is).
if ! rustup toolchain list | grep -q "^$toolchain"; then
    rustup toolchain install "$toolchain" --profile minimal
fi
rustup component add --toolchain "$toolchain" rust-src rustfmt clippy
rustup target add --toolchain "$toolchain" wasm32-unknown-unknown

# The node's networking (litep2p) compiles protobuf schemas with protoc and links
# OpenSSL (WebRTC, through str0m) at build time.
packages=(protobuf-compiler libssl-dev pkg-config)
if [ "$purpose" = test ]; then
    packages+=(chromium lcov)
fi
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "$purpose" = test ] && { ! command -v node >/dev/null || ! command -v npm >/dev/null; }; then
    missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
    as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "installing ${missing[*]} needs root (or sudo)" >&2; exit 1; }
        as_root=(sudo)
    fi
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

if [ "$purpose" = test ]; then
    node_major="$(node -p 'process.versions.node.split(".")[0]')"
    if [ "$node_major" -lt 18 ]; then
        echo "Node.js 18 or newer is required for the @polkadot/api tests (found $(node --version))" >&2
        exit 1
    fi
fi
