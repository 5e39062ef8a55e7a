#!/usr/bin/env bash
# Builds the ink! 5.1.1 contract fixtures in pallets/contracts/fixtures/contracts/<name>/
# into two artifacts each, and records them in pallets/contracts/fixtures/manifest.txt:
#
#   dwarf/<name>.wasm  The repository's stable Rust (rust-toolchain.toml), plain cargo:
#                      --release --target wasm32-unknown-unknown --no-default-features with
#                      the crate's release profile (debug = true, panic = "abort", lto,
#                      opt-level "z", overflow-checks off, codegen-units 1). Keeps DWARF
#                      (.debug_*) and the `name` section; no wasm-opt, no stripping. May use
#                      post-MVP instructions (bulk memory, sign extension, ...).
#   mvp/<name>.wasm    What upstream pallet-contracts accepts: Rust 1.86 with core/alloc
#                      rebuilt for -C target-cpu=mvp (-Zbuild-std, panic_immediate_abort), no
#                      debug info, then fixtures/strip_exports.py keeps only the `call` and
#                      `deploy` exports, drops custom sections and checks that the result is
#                      MVP-only without floats.
#
# Both link with -zstack-size=65536 --import-memory --max-memory=1048576: the contract
# imports `env.memory` with a declared maximum of 16 pages, which upstream requires.
# Paths are remapped (contracts dir -> /europa, $CARGO_HOME/registry -> /cargo, the target
# dir -> /target, $RUSTUP_HOME -> /rustup), so the artifacts do not depend on where the
# repository, the cargo home or the target dir are, and rebuilding gives the same bytes.
#
# Manifest hashing rule (the lead's staleness test recomputes `source`):
#   source = SHA-256 of the text made of one line per file of contracts/<name>/ that is
#            named Cargo.toml or Cargo.lock or ends in .rs (any depth; target/ excluded):
#            "<lowercase hex SHA-256 of the file's bytes><two spaces><path>\n", where <path>
#            is relative to contracts/<name>/ with '/' separators (e.g. "lib.rs",
#            "Cargo.toml"), lines sorted by <path> bytewise. (= `sha256sum` output of the
#            files, sorted, piped into sha256sum.)
#   dwarf, mvp = lowercase hex SHA-256 of dwarf/<name>.wasm, mvp/<name>.wasm.
#
# Usage: scripts/build-contract-fixtures.sh [--no-metadata] [NAME...]
#   NAME...        only these contracts (default: every directory under contracts/); the
#                  manifest keeps the other contracts' lines as they were.
#   --no-metadata  skip metadata/<name>.json (ink! ABI metadata from the `metadata-gen`
#                  host crate; a host build of ink! with std, ~2 min cold).
# Needs: rustup (installs the 1.86 toolchain if missing), python3. Cargo.lock files are
# generated when missing, then builds use --locked. Target dirs:
# ${EUROPA_CONTRACTS_TARGET:-$HOME/.cache/europa/contracts-target}/{dwarf,mvp,metadata}.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
fixtures="$root/pallets/contracts/fixtures"
contracts="$fixtures/contracts"
target="${EUROPA_CONTRACTS_TARGET:-$HOME/.cache/europa/contracts-target}"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
stable="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$root/rust-toolchain.toml")"
mvp_toolchain="1.86"
wasm_target="wasm32-unknown-unknown"

metadata=1
names=()
for arg in "$@"; do
    case "$arg" in
        --no-metadata) metadata=0 ;;
        -*) echo "unknown option $arg" >&2; exit 2 ;;
        *) names+=("$arg") ;;
    esac
done
if [ ${#names[@]} -eq 0 ]; then
    for dir in "$contracts"/*/; do names+=("$(basename "$dir")"); done
fi
for name in "${names[@]}"; do
    [ -f "$contracts/$name/Cargo.toml" ] || { echo "no contract $contracts/$name" >&2; exit 2; }
done

# Prints the command (with the RUSTFLAGS it gets) before running it.
run() { echo "+ ${RUSTFLAGS:+RUSTFLAGS=\"$RUSTFLAGS\" }$*" >&2; "$@"; }

# The source hash rule described above.
source_hash() {
    (cd "$contracts/$1" && find . -path ./target -prune -o -type f \
        \( -name Cargo.toml -o -name Cargo.lock -o -name '*.rs' \) -print |
        sed 's|^\./||' | LC_ALL=C sort | while IFS= read -r f; do
            printf '%s  %s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$f"
        done) | sha256sum | cut -d' ' -f1
}
file_hash() { sha256sum < "$1" | cut -d' ' -f1; }

if ! rustup run "$mvp_toolchain" rustc --version >/dev/null 2>&1; then
    run rustup toolchain install "$mvp_toolchain" --profile minimal -c rust-src -t "$wasm_target"
fi
for tc in "$stable" "$mvp_toolchain"; do echo "toolchain $tc: $(rustup run "$tc" rustc --version)"; done

remap="--remap-path-prefix=$contracts=/europa --remap-path-prefix=$cargo_home/registry=/cargo"
remap="$remap --remap-path-prefix=$target=/target --remap-path-prefix=$rustup_home=/rustup"
link="-C link-arg=-zstack-size=65536 -C link-arg=--import-memory -C link-arg=--max-memory=1048576"

mkdir -p "$fixtures/dwarf" "$fixtures/mvp"
for name in "${names[@]}"; do
    manifest_path="$contracts/$name/Cargo.toml"
    locked="--locked"
    if [ ! -f "$contracts/$name/Cargo.lock" ]; then
        echo "== $name: no Cargo.lock, generating it"
        run cargo "+$stable" generate-lockfile --manifest-path "$manifest_path"
    fi

    echo "== $name: dwarf build (rustc $stable)"
    start=$SECONDS
    RUSTFLAGS="$link $remap" run cargo "+$stable" build --manifest-path "$manifest_path" \
        --release --target "$wasm_target" --no-default-features $locked \
        --target-dir "$target/dwarf"
    install -m 644 "$target/dwarf/$wasm_target/release/$name.wasm" "$fixtures/dwarf/$name.wasm"
    echo "   dwarf/$name.wasm: $(wc -c < "$fixtures/dwarf/$name.wasm") bytes, $((SECONDS - start)) s"

    echo "== $name: mvp build (rustc $mvp_toolchain, -Zbuild-std)"
    start=$SECONDS
    RUSTC_BOOTSTRAP=1 CARGO_PROFILE_RELEASE_DEBUG=false \
        RUSTFLAGS="-C target-cpu=mvp $link $remap" \
        run cargo "+$mvp_toolchain" build --manifest-path "$manifest_path" \
        --release --target "$wasm_target" --no-default-features $locked \
        -Zbuild-std=core,alloc -Zbuild-std-features=panic_immediate_abort \
        --target-dir "$target/mvp"
    run python3 "$fixtures/strip_exports.py" "$target/mvp/$wasm_target/release/$name.wasm" \
        "$fixtures/mvp/$name.wasm"
    echo "   mvp/$name.wasm: $(wc -c < "$fixtures/mvp/$name.wasm") bytes, $((SECONDS - start)) s"
done

# ink! metadata the way cargo-contract gets it: a host crate (generated in $target/metadata/ws,
# source fixtures/metadata-gen/main.rs) links the contract as an rlib with `std` and calls
# the `__ink_generate_metadata` that #[ink::contract] defines.
if [ "$metadata" = 1 ]; then
    ws="$target/metadata/ws"
    mkdir -p "$fixtures/metadata" "$ws"
    for name in "${names[@]}"; do
        echo "== $name: ink! metadata -> metadata/$name.json"
        mkdir -p "$ws/contracts/$name"
        sed -e "s|^path = \"lib.rs\"|path = \"$contracts/$name/lib.rs\"|" \
            -e 's|^crate-type = .*|crate-type = ["rlib"]|' \
            -e '/^\[workspace\]/d' -e '/^\[profile\.release\]/,/^$/d' \
            "$contracts/$name/Cargo.toml" > "$ws/contracts/$name/Cargo.toml"
        printf '%s\n' '[package]' 'name = "metadata-gen"' 'version = "0.1.0"' \
            'edition = "2021"' 'publish = false' '' '[[bin]]' 'name = "metadata-gen"' \
            "path = \"$fixtures/metadata-gen/main.rs\"" '' '[dependencies]' \
            "contract = { package = \"$name\", path = \"contracts/$name\" }" \
            'ink = "=5.1.1"' 'serde_json = "1"' '' '[workspace]' > "$ws/Cargo.toml"
        # Start from the contract's lock so ink! and its dependencies are the same versions.
        cp "$contracts/$name/Cargo.lock" "$ws/Cargo.lock"
        RUSTFLAGS="" run cargo "+$stable" run --quiet --manifest-path "$ws/Cargo.toml" \
            --target-dir "$target/metadata" -- "$name" "$fixtures/mvp/$name.wasm" \
            > "$fixtures/metadata/$name.json"
        # The cargo-contract bundle: the metadata with the code in `source.wasm`, what
        # polkadot.js apps and @polkadot/api-contract load.
        echo "== $name: bundle -> metadata/$name.contract"
        python3 - "$fixtures/metadata/$name.json" "$fixtures/mvp/$name.wasm" \
            > "$fixtures/metadata/$name.contract" <<'PY'
import json, sys
metadata = json.load(open(sys.argv[1]))
metadata["source"]["wasm"] = "0x" + open(sys.argv[2], "rb").read().hex()
print(json.dumps(metadata, indent=2))
PY
    done
fi

# Manifest: lines of the contracts built now replace their old lines.
manifest="$fixtures/manifest.txt"
declare -A lines=()
if [ -f "$manifest" ]; then
    while IFS= read -r line; do
        case "$line" in '#'* | '') continue ;; esac
        lines["${line%% *}"]="$line"
    done < "$manifest"
fi
for name in "${names[@]}"; do
    lines["$name"]="$name source=$(source_hash "$name") dwarf=$(file_hash "$fixtures/dwarf/$name.wasm") mvp=$(file_hash "$fixtures/mvp/$name.wasm")"
done
{
    cat <<'EOF'
# ink! contract fixtures: written by scripts/build-contract-fixtures.sh, do not edit.
# One line per contract: <name> source=<hex> dwarf=<hex> mvp=<hex>
# source = SHA-256 of the lines "<hex SHA-256 of file>  <path>\n" (two spaces), one per file
#   of contracts/<name>/ named Cargo.toml or Cargo.lock or ending in .rs (any depth, target/
#   excluded), <path> relative to contracts/<name>/ with '/' separators, lines sorted by
#   <path> bytewise; i.e. `sha256sum` of the sorted files, hashed again.
# dwarf, mvp = SHA-256 of dwarf/<name>.wasm, mvp/<name>.wasm. All hex is lowercase.
EOF
    for key in $(printf '%s\n' "${!lines[@]}" | LC_ALL=C sort); do echo "${lines[$key]}"; done
} > "$manifest.tmp"
mv "$manifest.tmp" "$manifest"
echo "wrote ${manifest#"$root"/}"
