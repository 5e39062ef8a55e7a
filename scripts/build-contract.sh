#!/usr/bin/env bash
# Builds an ink! 5 contract once and takes two artifacts out of that one compilation, so a
# chain runs the small code while Europa still maps its traps to Rust file:line:
#
#   <name>.wasm        the deployable: WebAssembly 1.0 (MVP) as upstream pallet-contracts 51
#                      (wasmi) accepts, exports only `call` and `deploy`, no custom sections.
#   <name>.debug.wasm  its DWARF sidecar: the same module with its custom sections (.debug_*,
#                      `name`, ...) kept. Removing them gives <name>.wasm byte for byte; in
#                      particular the Code section, which DWARF addresses count from, is
#                      identical (checked below).
#   <name>.json        ink! metadata (version 5), `source.hash` = the code hash (BLAKE2b-256)
#                      of <name>.wasm, as cargo-contract writes it.
#   <name>.contract    that metadata with the code in `source.wasm` (polkadot.js, cargo-contract).
#
# It is the `mvp` build of scripts/build-contract-fixtures.sh (Rust 1.86, core/alloc rebuilt
# for -C target-cpu=mvp, the same link arguments and path remapping) compiled WITH debug
# info (it stays MVP-only), so stripping custom sections is all that separates the two
# files. Why not a debug build next to a release build: debug info changes code generation
# (for panic_deep, two functions come out in the other order), so the DWARF of a second
# compilation would point at the wrong instructions.
#
# Usage: scripts/build-contract.sh [--out DIR] [--keep-source-paths] CONTRACT_DIR
#   CONTRACT_DIR  an ink! 5 contract crate (Cargo.toml, lib.rs); a member of a larger
#                 workspace works too. Builds happen outside it; cargo writes its Cargo.lock
#                 only when there is none (then resolved for Rust 1.86) or it is outdated.
#   --out DIR     where the four files go (default CONTRACT_DIR/target/europa).
#   --keep-source-paths
#                 DWARF names the contract's sources by their real paths, not
#                 /europa/<dir>/...: what coverage reports (genhtml) and editors open.
#                 The code hash then depends on where the contract is.
# Needs rustup (installs Rust 1.86 when missing) and python3. Target dirs:
# ${EUROPA_CONTRACTS_TARGET:-$HOME/.cache/europa/contracts-target}/user/{wasm,metadata}.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
fixtures="$root/pallets/contracts/fixtures"
target_root="${EUROPA_CONTRACTS_TARGET:-$HOME/.cache/europa/contracts-target}"
target="$target_root/user"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
stable="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$root/rust-toolchain.toml")"
# The newest Rust whose rebuilt core/alloc still compile to MVP-only code for wasmi; see
# scripts/build-contract-fixtures.sh (its header) and pallets/contracts/fixtures/README.md.
mvp_toolchain="1.86"
wasm_target="wasm32-unknown-unknown"

usage() { sed -n 's/^# \{0,1\}//; /^Usage:/,/^Needs/p' "$0" | sed '$d' >&2; exit "${1:-2}"; }
die() { echo "build-contract: $*" >&2; exit 1; }

out=""
contract_dir=""
keep_source_paths=false
while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || usage; out="$2"; shift 2 ;;
        --out=*) out="${1#--out=}"; shift ;;
        --keep-source-paths) keep_source_paths=true; shift ;;
        -h | --help) usage 0 ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) [ -z "$contract_dir" ] || usage; contract_dir="$1"; shift ;;
    esac
done
[ -n "$contract_dir" ] || usage
[ -f "$contract_dir/Cargo.toml" ] || die "no Cargo.toml in $contract_dir"
contract_dir="$(cd "$contract_dir" && pwd)"
out="${out:-$contract_dir/target/europa}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# Prints the command, then runs it at the lowest priority: other builds share the cores.
run() { echo "+ $*" >&2; nice -n 19 "$@"; }
# Cargo reads .cargo/config.toml from the current directory upwards: run it from the
# contract, as its author would.
cargo_in_contract() { (cd "$contract_dir" && run "$@"); }
took() { echo "   $1 s"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! rustup run "$mvp_toolchain" rustc --version >/dev/null 2>&1; then
    run rustup toolchain install "$mvp_toolchain" --profile minimal -c rust-src -t "$wasm_target"
fi
echo "toolchain $mvp_toolchain: $(rustup run "$mvp_toolchain" rustc --version)"

# The package, its library target and its workspace, as cargo sees them.
cargo_in_contract cargo "+$mvp_toolchain" metadata --no-deps --format-version 1 \
    --manifest-path "$contract_dir/Cargo.toml" > "$work/cargo-metadata.json"
{ read -r pkg_name; read -r lib_name; read -r ws_root; } < <(
    python3 - "$work/cargo-metadata.json" "$contract_dir/Cargo.toml" <<'PY'
import json, sys
meta = json.load(open(sys.argv[1]))
pkg = next(p for p in meta["packages"] if p["manifest_path"] == sys.argv[2])
libs = [t for t in pkg["targets"] if set(t["kind"]) & {"lib", "rlib", "cdylib"}]
if not libs:
    sys.exit("%s has no library target: not an ink! contract" % sys.argv[2])
print(pkg["name"], libs[0]["name"], meta["workspace_root"], sep="\n")
PY
)
name="$lib_name"

# A missing lock is resolved for 1.86 (a newer stable picks crates 1.86 cannot build).
if [ ! -f "$ws_root/Cargo.lock" ]; then
    echo "== no Cargo.lock, generating one for Rust $mvp_toolchain"
    cargo_in_contract env CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback \
        cargo "+$mvp_toolchain" generate-lockfile --manifest-path "$contract_dir/Cargo.toml"
fi
ink_version="$(python3 - "$ws_root/Cargo.lock" <<'PY'
import sys, tomllib
lock = tomllib.load(open(sys.argv[1], "rb"))
versions = [p["version"] for p in lock.get("package", []) if p["name"] == "ink"]
print(next((v for v in versions if v.startswith("5.")), versions[0] if versions else ""))
PY
)"
case "$ink_version" in
    5.*) ;;
    "") die "$pkg_name does not depend on ink! (no \`ink\` in $ws_root/Cargo.lock)" ;;
    *) die "$pkg_name uses ink! $ink_version; this script builds ink! 5 contracts" ;;
esac

# Profile: what cargo-contract adds when the manifest leaves it unset (fat LTO, opt-level
# "z", one codegen unit), plus what this build needs whatever the manifest says: full debug
# info, nothing stripped, abort on panic. Cargo's environment overrides the manifest.
profile_env=(CARGO_PROFILE_RELEASE_DEBUG=true CARGO_PROFILE_RELEASE_STRIP=none
    CARGO_PROFILE_RELEASE_PANIC=abort)
while IFS= read -r setting; do profile_env+=("$setting"); done < <(
    python3 - "$ws_root/Cargo.toml" <<'PY'
import sys, tomllib
release = tomllib.load(open(sys.argv[1], "rb")).get("profile", {}).get("release", {})
for key, value in (("lto", "fat"), ("opt-level", "z"), ("codegen-units", "1")):
    if key not in release:
        print("CARGO_PROFILE_RELEASE_%s=%s" % (key.upper().replace("-", "_"), value))
PY
)

# Reproducible paths, as the fixtures: the contract -> /europa/<dir> (DWARF then names
# /europa/<dir>/lib.rs), registry and git checkouts -> /cargo, /cargo-git, the target dir
# -> /target, the toolchain's rust-src -> /rustup; the code hash does not depend on where
# things are (path dependencies outside the contract keep their absolute paths). The
# contract's own prefix goes to its crate alone (after `cargo rustc --`): in RUSTFLAGS it
# would differ per contract, and cargo would rebuild core, alloc and ink! (~1 min) each
# time another contract is built in the shared target dir.
contract_remap=("--remap-path-prefix=$contract_dir=/europa/$(basename "$contract_dir")")
if $keep_source_paths; then
    contract_remap=()
fi
remap="--remap-path-prefix=$cargo_home/registry=/cargo"
remap="$remap --remap-path-prefix=$cargo_home/git=/cargo-git"
remap="$remap --remap-path-prefix=$target_root=/target --remap-path-prefix=$rustup_home=/rustup"
# 64 KiB stack; memory imported as env.memory with the 16-page maximum upstream requires.
link="-C link-arg=-zstack-size=65536 -C link-arg=--import-memory -C link-arg=--max-memory=1048576"

echo "== $pkg_name: WASM 1.0 build with DWARF (rustc $mvp_toolchain, -Zbuild-std)"
start=$SECONDS
# `cargo rustc --crate-type cdylib`, as cargo-contract: a crate from the ink! template
# declares no crate-type, and a plain `cargo build` would give no .wasm.
# CARGO_ENCODED_RUSTFLAGS would silently take precedence over RUSTFLAGS: drop it.
cargo_in_contract env -u CARGO_ENCODED_RUSTFLAGS RUSTC_BOOTSTRAP=1 "${profile_env[@]}" \
    RUSTFLAGS="-C target-cpu=mvp $link $remap" \
    cargo "+$mvp_toolchain" rustc --manifest-path "$contract_dir/Cargo.toml" --lib \
    --crate-type cdylib --release --target "$wasm_target" --no-default-features \
    -Zbuild-std=core,alloc -Zbuild-std-features=panic_immediate_abort \
    --target-dir "$target/wasm" -- "${contract_remap[@]}"
built="$target/wasm/$wasm_target/release/$name.wasm"
[ -f "$built" ] || die "cargo built no $built"
took $((SECONDS - start))

# The sidecar first (exports reduced, custom sections kept), then the deployable (custom
# sections dropped too). strip_exports.py fails if the code is not MVP-only, which is what
# a newer toolchain or a missing -Zbuild-std would cause.
run python3 "$fixtures/strip_exports.py" --keep-custom "$built" "$out/$name.debug.wasm" ||
    die "$name.debug.wasm: post-MVP code or wrong exports (see above)"
run python3 "$fixtures/strip_exports.py" "$built" "$out/$name.wasm" ||
    die "$name.wasm: not deployable on upstream pallet-contracts (see above)"

# The sidecar is only useful if its DWARF addresses hold for the deployed code: DWARF in
# WASM counts addresses from the start of the Code section's contents, so that section
# must be the same bytes in both. Fail loudly otherwise.
python3 - "$fixtures" "$out/$name.wasm" "$out/$name.debug.wasm" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from strip_exports import analyse, sections, strip

def read(path):
    with open(path, "rb") as f:
        return f.read()

def code_section(data):
    code = [data[start:end] for sid, start, end in sections(data) if sid == 10]
    if len(code) != 1:
        sys.exit("%d Code sections" % len(code))
    return code[0]

deployable, sidecar = read(sys.argv[2]), read(sys.argv[3])
if code_section(deployable) != code_section(sidecar):
    sys.exit("FATAL: the Code sections of %s and %s differ: the DWARF would point at "
             "the wrong instructions" % (sys.argv[2], sys.argv[3]))
if strip(sidecar) != deployable:
    sys.exit("FATAL: %s without its custom sections is not %s" % (sys.argv[3], sys.argv[2]))
customs = analyse(sidecar)[2]
missing = [s for s in (".debug_info", ".debug_line") if s not in customs]
if missing:
    sys.exit("FATAL: %s has no %s" % (sys.argv[3], ", ".join(missing)))
print("   Code sections identical (%d bytes); sidecar sections: %s"
      % (len(code_section(deployable)), ", ".join(customs)))
PY

# ink! metadata the way cargo-contract gets it, with the fixtures' generator
# (fixtures/metadata-gen/main.rs): a host crate links the contract as an rlib with `std`
# and calls the `__ink_generate_metadata` that #[ink::contract] defines. The contract is
# linked through a manifest written from `cargo metadata` (rlib, absolute paths), so its
# own crate-type, workspace and relative path dependencies do not get in the way.
echo "== $pkg_name: ink! $ink_version metadata (rustc $stable, host build)"
start=$SECONDS
ws="$target/metadata/ws"
mkdir -p "$ws/contract"
python3 - "$work/cargo-metadata.json" "$contract_dir/Cargo.toml" \
    > "$ws/contract/Cargo.toml" <<'PY'
import json, sys
meta = json.load(open(sys.argv[1]))
pkg = next(p for p in meta["packages"] if p["manifest_path"] == sys.argv[2])
q = json.dumps  # JSON strings, booleans and string arrays are valid TOML values

def table(entries):
    return "{ " + ", ".join("%s = %s" % (q(k), q(v)) for k, v in entries.items()) + " }"

def dependency(dep):
    entry = {}
    if dep.get("rename"):
        entry["package"] = dep["name"]
    source = dep.get("source") or ""
    if dep.get("path"):
        entry["path"] = dep["path"]
    elif source.startswith("git+"):
        url, _, query = source[4:].partition("?")
        entry["git"] = url
        for pair in filter(None, query.split("&")):
            key, _, value = pair.partition("=")
            entry[key] = value
    if dep["req"] != "*" or not ("path" in entry or "git" in entry):
        entry["version"] = dep["req"]
    if dep.get("registry"):
        entry["registry-index"] = dep["registry"]
    if not dep["uses_default_features"]:
        entry["default-features"] = False
    if dep["features"]:
        entry["features"] = dep["features"]
    if dep["optional"]:
        entry["optional"] = True
    return "%s = %s" % (q(dep.get("rename") or dep["name"]), table(entry))

lib = next(t for t in pkg["targets"] if set(t["kind"]) & {"lib", "rlib", "cdylib"})
lines = ["[package]", "name = %s" % q(pkg["name"]), "version = %s" % q(pkg["version"]),
         "edition = %s" % q(pkg["edition"]), "publish = false"]
build = [t for t in pkg["targets"] if "custom-build" in t["kind"]]
if build:
    lines.append("build = %s" % q(build[0]["src_path"]))
if pkg.get("links"):
    lines.append("links = %s" % q(pkg["links"]))
lines += ["", "[lib]", "name = %s" % q(lib["name"]), "path = %s" % q(lib["src_path"]),
          'crate-type = ["rlib"]']
sections = {}
for dep in pkg["dependencies"]:
    if dep["kind"] == "dev":
        continue
    kind = "build-dependencies" if dep["kind"] == "build" else "dependencies"
    header = "[target.%s.%s]" % (q(dep["target"]), kind) if dep.get("target") else "[%s]" % kind
    sections.setdefault(header, []).append(dependency(dep))
for header, deps in sections.items():
    lines += ["", header] + deps
lines += ["", "[features]"] + ["%s = %s" % (q(k), q(v)) for k, v in pkg["features"].items()]
print("\n".join(lines))
PY
printf '%s\n' '[package]' 'name = "metadata-gen"' 'version = "0.1.0"' \
    'edition = "2021"' 'publish = false' '' '[[bin]]' 'name = "metadata-gen"' \
    "path = \"$fixtures/metadata-gen/main.rs\"" '' '[dependencies]' \
    "contract = { package = \"$pkg_name\", path = \"contract\" }" \
    "ink = \"=$ink_version\"" 'serde_json = "1"' '' '[workspace]' > "$ws/Cargo.toml"
# Start from the contract's lock so ink! and its dependencies are the same versions.
cp "$ws_root/Cargo.lock" "$ws/Cargo.lock"
RUSTFLAGS="" run cargo "+$stable" run --quiet --manifest-path "$ws/Cargo.toml" \
    --target-dir "$target/metadata" -- "$pkg_name" "$out/$name.wasm" > "$work/metadata.json"

# metadata-gen writes the fixtures' fixed fields; put in this contract's: its version and
# the other [package] fields cargo-contract copies, and the ink! version it was built with.
# Then the bundle, and the code hash computed here as a cross-check of source.hash.
code_hash="$(python3 - "$work/metadata.json" "$work/cargo-metadata.json" \
    "$contract_dir/Cargo.toml" "$ink_version" "$out/$name.wasm" "$out/$name" <<'PY'
import hashlib, json, sys
metadata_path, cargo_path, manifest, ink_version, wasm_path, stem = sys.argv[1:]
metadata = json.load(open(metadata_path))
pkg = next(p for p in json.load(open(cargo_path))["packages"] if p["manifest_path"] == manifest)
contract = {"name": pkg["name"], "version": pkg["version"], "authors": pkg["authors"]}
for key in ("description", "documentation", "repository", "homepage", "license"):
    if pkg.get(key):
        contract[key] = pkg[key]
metadata["contract"] = contract
metadata["source"]["language"] = "ink! " + ink_version
code = open(wasm_path, "rb").read()
code_hash = "0x" + hashlib.blake2b(code, digest_size=32).hexdigest()
if metadata["source"]["hash"] != code_hash:
    sys.exit("FATAL: metadata source.hash %s is not the code hash %s"
             % (metadata["source"]["hash"], code_hash))
# serde_json's pretty layout: two-space indent, non-ASCII (doc comments) left as is.
with open(stem + ".json", "w", encoding="utf-8") as f:
    f.write(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")
metadata["source"]["wasm"] = "0x" + code.hex()
with open(stem + ".contract", "w", encoding="utf-8") as f:
    f.write(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")
print(code_hash)
PY
)"
took $((SECONDS - start))

size() { wc -c < "$1" | tr -d ' '; }
cat <<EOF

$pkg_name (ink! $ink_version, rustc $mvp_toolchain, WASM 1.0), in $out:
  $name.wasm        $(size "$out/$name.wasm") bytes   deploy this (or $name.contract)
  $name.debug.wasm  $(size "$out/$name.debug.wasm") bytes   DWARF sidecar, same Code section
  $name.json        $(size "$out/$name.json") bytes   metadata
  $name.contract    $(size "$out/$name.contract") bytes   metadata + code
  code hash         $code_hash   (= source.hash; BLAKE2b-256 of $name.wasm)

Next steps:
  Start Europa with the metadata and the sidecar, then deploy $name.wasm/.contract as usual
  (cargo contract upload/instantiate, polkadot.js); traps then show Rust file:line:
      europa --tmp --contracts $out --debug-symbols $out
  or hand them to a running node (unsafe RPC methods, served locally), the debug info once
  the code is uploaded:
      europa_registerContract          with $name.json (or $name.contract)
      europa_registerDebugInfo(codeHash, wasm)
          codeHash = $code_hash
          wasm     = 0x-hex of $out/$name.debug.wasm
EOF
