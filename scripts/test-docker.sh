#!/usr/bin/env bash
# The Docker image, run for real (not part of scripts/test.sh): builds the release binary
# on the host, the run stage of docker/Dockerfile around it with podman (base image made
# with debootstrap, as no image registry is reachable here), then runs the image as the
# Dockerfile says and checks: RPC through the published port, unsafe methods refused
# from outside by default, the chain in the volume surviving a restart, SIGINT stopping
# the container. Needs root (or rootless podman); installs podman, runc and debootstrap
# from Debian when missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/europa/target}"
base_image=localhost/europa-test-base:bookworm
image=localhost/europa:test
name=europa-test
volume=europa-test-data
port="${EUROPA_DOCKER_PORT:-19944}"
# These machines run containers with runc and low limits.
run_flags=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1000:1000)

step() { printf '\n==> %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; podman logs "$name" 2>&1 | tail -20 >&2 || true; exit 1; }

missing=()
for tool in podman runc debootstrap; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

step "release binary"
cargo build --release --locked -p europa-node
context="$(mktemp -d)"
trap 'podman rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$context"' EXIT
strip -o "$context/europa" "$CARGO_TARGET_DIR/release/europa"
echo "stripped: $(du -h "$context/europa" | cut -f1) (unstripped $(du -h "$CARGO_TARGET_DIR/release/europa" | cut -f1))"

if ! podman image exists "$base_image"; then
    step "base image (debootstrap bookworm, minbase)"
    rootfs="$context/rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" >/dev/null
    tar -C "$rootfs" -c . | podman import - "$base_image" >/dev/null
    rm -rf "$rootfs"
fi

step "image: the run stage of docker/Dockerfile around the host's binary"
podman build --runtime runc -q -f docker/Dockerfile \
    --build-arg BINARY=prebuilt --build-arg RUN_BASE="$base_image" \
    -t "$image" "$context" >/dev/null

rpc() {
    curl -sS --max-time 10 -H 'Content-Type: application/json' \
        -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "http://127.0.0.1:$port"
}
wait_for_rpc() {
    for _ in $(seq 1 60); do
        rpc system_health '[]' >/dev/null 2>&1 && return 0
        sleep 1
    done
    fail "no RPC on port $port"
}
# Starts the image with its default command, or with the flags given.
start() {
    podman run -d --name "$name" "${run_flags[@]}" -p "127.0.0.1:$port:9944" \
        -v "$volume:/data" "$image" "$@" >/dev/null
    wait_for_rpc
}
# Stops the container with SIGINT, as `docker stop` with the compose file's signal does.
stop() {
    podman kill --signal INT "$name" >/dev/null
    for _ in $(seq 1 30); do
        [ "$(podman inspect -f '{{.State.Running}}' "$name")" = false ] && break
        sleep 1
    done
    [ "$(podman inspect -f '{{.State.Running}}' "$name")" = false ] || fail "still running after SIGINT"
    [ "$(podman inspect -f '{{.State.ExitCode}}' "$name")" = 0 ] || fail "exit code after SIGINT"
    podman rm "$name" >/dev/null
}

podman rm -f "$name" >/dev/null 2>&1 || true
podman volume rm -f "$volume" >/dev/null 2>&1 || true

step "runs with the image's defaults, RPC through the published port"
start
rpc system_chain '[]' | grep -q '"Europa Development"' || fail "system_chain"

step "unsafe methods are refused from outside by default"
refused="$(rpc engine_createBlock '[true,true,null]')"
echo "$refused" | grep -q -- '--rpc-methods unsafe' || fail "engine_createBlock was not refused: $refused"
rpc europa_traceCall '[{}]' | grep -q -- '--rpc-methods unsafe' || fail "europa_traceCall was not refused"

step "SIGINT stops it"
stop

step "with --rpc-methods unsafe (a trusted network) they are served"
start --dev --base-path /data --rpc-external --rpc-cors all --rpc-methods unsafe
rpc engine_createBlock '[true,true,null]' | grep -q '"hash"' || fail "engine_createBlock"
block_1="$(rpc chain_getBlockHash '[1]')"
echo "$block_1" | grep -q '"result":"0x' || fail "no block 1: $block_1"
stop

step "the volume keeps the chain across restarts"
start
[ "$(rpc chain_getBlockHash '[1]')" = "$block_1" ] || fail "block 1 is gone after the restart"
stop
podman volume rm -f "$volume" >/dev/null
echo "1 passed, 0 failed"
