//! Code coverage (`--coverage`): the lines the chain's executions ran, as lcov, through
//! the real node — and nothing the chain decides changes for it.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;

/// Hit counts by line of `file` in an lcov text (`DA` records).
fn lines_of(lcov: &str, file: &str) -> BTreeMap<u32, u64> {
    let mut lines = BTreeMap::new();
    let mut in_file = false;
    for record in lcov.lines() {
        if let Some(path) = record.strip_prefix("SF:") {
            in_file = path == file;
        } else if let Some(da) = record.strip_prefix("DA:").filter(|_| in_file) {
            let (line, hits) = da.split_once(',').expect("DA:line,hits");
            let hits: u64 = hits.parse().expect("a count");
            *lines.entry(line.parse().expect("a line")).or_default() += hits;
        }
    }
    lines
}

/// Whether any line in `range` ran, and whether any is instrumentable at all.
fn ran(lines: &BTreeMap<u32, u64>, range: std::ops::RangeInclusive<u32>) -> Option<bool> {
    let hits: Vec<u64> = lines.range(range).map(|(_, hits)| *hits).collect();
    (!hits.is_empty()).then(|| hits.iter().any(|hits| *hits > 0))
}

const FLIPPER_SOURCE: &str = "/europa/flipper/lib.rs";

/// What the test does to a chain: flipper deployed with `new(true)`, `flip` called in a
/// block and dry-run; `get` and `default` never run. Returns what the chain answered:
/// the call's block events, the dry run, and the contract's storage.
fn exercise_flipper(node: &Node) -> (Vec<u8>, Vec<u8>, Value) {
    let flipper = deploy(
        node,
        contract_fixture("dwarf", "flipper"),
        ink_input("new", true),
    );
    let block = call_in_block(node, &flipper, ink_input("flip", ()));
    let header = node
        .call("chain_getHeader", json!([block]))
        .expect("header");
    let number = u64::from_str_radix(
        header["number"].as_str().unwrap().trim_start_matches("0x"),
        16,
    )
    .unwrap();
    let events = block_events(node, number).encode();
    let dry = dry_run(node, &flipper, ink_input("flip", ())).encode();
    let storage_args = (flipper.clone(), vec![0u8; 4]).encode();
    let storage = node
        .call(
            "state_call",
            json!(["ContractsApi_get_storage", hex(&storage_args)]),
        )
        .expect("get_storage");
    (events, dry, storage)
}

#[test]
fn coverage_marks_the_lines_that_ran_and_changes_nothing_the_chain_decides() {
    let file = tempdir().join("flipper.lcov");
    let covered = Node::start_dev(&["--coverage-file", file.to_str().unwrap()]);
    let plain = Node::start_dev(&[]);
    let answers = exercise_flipper(&covered);
    assert_eq!(
        answers,
        exercise_flipper(&plain),
        "gas, results, events and storage"
    );

    let lcov = covered
        .call("europa_coverage", json!([]))
        .expect("europa_coverage");
    let lcov = lcov.as_str().expect("lcov text");
    let lines = lines_of(lcov, FLIPPER_SOURCE);
    // From the source (fixtures/contracts/flipper/lib.rs): `new` 13-15 and `flip` 23-25
    // ran, `default` 18-20 and `get` 28-30 did not.
    assert_eq!(ran(&lines, 13..=15), Some(true), "{lcov}");
    assert_eq!(ran(&lines, 23..=25), Some(true), "{lcov}");
    assert_eq!(ran(&lines, 18..=20), Some(false), "{lcov}");
    assert_eq!(ran(&lines, 28..=30), Some(false), "{lcov}");
    // Only the contract's own sources by default; library code on request.
    assert!(
        !lcov.contains("SF:/rustc/") && !lcov.contains("SF:/cargo/"),
        "{lcov}"
    );
    let all = covered
        .call("europa_coverage", json!([null, "all"]))
        .expect("europa_coverage all");
    assert!(
        all.as_str().unwrap().contains("SF:/cargo/"),
        "ink! is library code"
    );
    for record in ["TN:", "FN:", "FNDA:", "LF:", "LH:", "end_of_record"] {
        assert!(lcov.contains(record), "{record} in {lcov}");
    }
    genhtml_accepts(lcov);

    // The file follows within a second or so, and survives the node being killed.
    covered.wait_for(
        || std::fs::read_to_string(&file).is_ok_and(|text| text == lcov),
        "the coverage file",
    );

    // A dry run of `get` is covered too.
    let flipper = covered_contract(&covered);
    dry_run(&covered, &flipper, ink_input("get", ()));
    let lcov = covered.call("europa_coverage", json!([])).unwrap();
    assert_eq!(
        ran(&lines_of(lcov.as_str().unwrap(), FLIPPER_SOURCE), 28..=30),
        Some(true)
    );
    covered.wait_for(
        || std::fs::read_to_string(&file).is_ok_and(|text| text == lcov.as_str().unwrap()),
        "the coverage file after the dry run",
    );
    covered.kill_9();
    let kept = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        ran(&lines_of(&kept, FLIPPER_SOURCE), 28..=30),
        Some(true),
        "{kept}"
    );

    // Reset forgets; without --coverage the methods say how to get it.
    let error = plain.call("europa_coverage", json!([])).unwrap_err();
    assert!(
        error["message"].as_str().unwrap().contains("--coverage"),
        "{error}"
    );
}

/// genhtml (Debian's `lcov`) turns `lcov` into an HTML report with the source: the
/// fixture's DWARF names its source `/europa/flipper/lib.rs` (its build remaps paths),
/// which is where the repository keeps it.
fn genhtml_accepts(lcov: &str) {
    let dir = tempdir();
    let source = format!("{}/flipper/", fixtures("contracts"));
    let tracefile = dir.join("coverage.lcov");
    std::fs::write(
        &tracefile,
        lcov.replace("SF:/europa/flipper/", &format!("SF:{source}")),
    )
    .unwrap();
    let out = std::process::Command::new("genhtml")
        .arg("--output-directory")
        .arg(dir.join("html"))
        .arg(&tracefile)
        .output()
        .expect("genhtml runs (Debian package lcov; .ci/run installs it)");
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "genhtml: {said}");
    assert!(said.contains("lines......:"), "{said}");
    let page = std::fs::read_to_string(dir.join("html/flipper/lib.rs.gcov.html")).unwrap();
    assert!(
        page.contains("self.value = !self.value;"),
        "the source is shown"
    );
}

/// The flipper `exercise_flipper` deployed (Alice, `new(true)`, no salt).
fn covered_contract(_node: &Node) -> sp_runtime::AccountId32 {
    let code = contract_fixture("dwarf", "flipper");
    pallet_europa_contracts::Pallet::<europa_runtime::Runtime>::contract_address(
        &Sr25519Keyring::Alice.to_account_id(),
        &blake2_256(&code).into(),
        &ink_input("new", true),
        &[],
    )
}

#[test]
fn reset_forgets_and_the_stop_logs_a_line_per_contract() {
    let node = Node::start_dev(&["--coverage"]);
    let flipper = deploy(
        &node,
        contract_fixture("dwarf", "flipper"),
        ink_input("new", false),
    );
    dry_run(&node, &flipper, ink_input("get", ()));
    let forgotten = node.call("europa_resetCoverage", json!([])).unwrap();
    assert_eq!(forgotten, 1);
    assert_eq!(node.call("europa_coverage", json!([])).unwrap(), "");
    dry_run(&node, &flipper, ink_input("flip", ()));
    node.interrupt();
    let log = node.wait_for_log("Coverage of ");
    let line = log.last().unwrap();
    assert!(line.contains(" lines ("), "{line}");
}

/// Stripped code is covered from the moment it runs; its lines appear once its debug
/// build is registered, and a trapping extrinsic's lines count up to the trap.
#[test]
fn stripped_code_is_covered_by_function_until_its_debug_build_is_registered() {
    let node = Node::start_dev(&[
        "--coverage",
        "--contracts",
        &fixtures("sidecar/panic_deep.json"),
    ]);
    let sidecar = |file: &str| std::fs::read(format!("{}/{file}", fixtures("sidecar"))).unwrap();
    let code = sidecar("panic_deep.wasm");
    let code_hash = blake2_256(&code);
    let contract = deploy(&node, code, ink_input("new", ()));
    dry_run(&node, &contract, ink_input("ok", ()));
    // `run(0)` panics in `level_three` (the extrinsic fails; it is covered all the same).
    call_in_block(&node, &contract, ink_input("run", 0u32));

    let lcov = node
        .call("europa_coverage", json!([hex(&code_hash)]))
        .unwrap();
    let lcov = lcov.as_str().unwrap();
    assert!(
        lcov.starts_with("TN:panic_deep\nSF:panic_deep.wasm\n"),
        "{lcov}"
    );
    let no_lines = !lcov.lines().any(|record| record.starts_with("DA:"));
    assert!(
        lcov.contains("FNDA:1,func[") && no_lines,
        "functions only: {lcov}"
    );

    node.call(
        "europa_registerDebugInfo",
        json!([hex(&code_hash), hex(&sidecar("panic_deep.debug.wasm"))]),
    )
    .expect("the debug build is registered");
    let lcov = node
        .call("europa_coverage", json!([hex(&code_hash)]))
        .unwrap();
    let lines = lines_of(lcov.as_str().unwrap(), "/europa/panic_deep/lib.rs");
    // From the source (fixtures/contracts/panic_deep/lib.rs): `run(0)` went 40 → 15 →
    // 20 → 25 → 26 (the panic, `core`'s code inlined there) and never reached 28; `ok`
    // ran (its body, a constant, is in ink!'s dispatch, on the message's first line).
    for line in [15, 20, 25, 26, 40, 43] {
        assert!(
            lines.get(&line).is_some_and(|hits| *hits > 0),
            "line {line}: {lines:?}"
        );
    }
    assert_eq!(lines.get(&28), Some(&0), "{lines:?}");
    assert_eq!(
        ran(&lines, 32..=35),
        Some(true),
        "the constructor: {lines:?}"
    );
}

/// The `.debug_line` section's contents in `wasm`.
fn debug_line_range(wasm: &[u8]) -> std::ops::Range<usize> {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .find_map(|payload| match payload {
            Ok(wasmparser::Payload::CustomSection(section)) if section.name() == ".debug_line" => {
                Some(section.data_offset()..section.data_offset() + section.data().len())
            }
            _ => None,
        })
        .expect("a .debug_line section")
}

/// Debug builds whose line programs are scrambled (rows pointing anywhere, files and lines
/// out of range) are read within bounds: coverage, its report and line records answer or
/// refuse, quickly, and the node goes on.
#[test]
fn scrambled_line_tables_are_read_within_bounds() {
    let node = Node::start_dev(&["--coverage"]);
    let sidecar = |file: &str| std::fs::read(format!("{}/{file}", fixtures("sidecar"))).unwrap();
    let code = sidecar("panic_deep.wasm");
    let code_hash = blake2_256(&code);
    let contract = deploy(&node, code, ink_input("new", ()));
    dry_run(&node, &contract, ink_input("ok", ()));
    let debug = sidecar("panic_deep.debug.wasm");
    let lines = debug_line_range(&debug);
    let mut seed = 0x9e37_79b9_u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let (mut registered, cases) = (0, 24);
    for _ in 0..cases {
        let mut scrambled = debug.clone();
        for _ in 0..1 + next() % 64 {
            let at = lines.start + next() as usize % lines.len();
            scrambled[at] = next() as u8;
        }
        let answer = node.call(
            "europa_registerDebugInfo",
            json!([hex(&code_hash), hex(&scrambled)]),
        );
        registered += usize::from(answer.is_ok());
        let started = std::time::Instant::now();
        for (method, params) in [
            ("europa_coverage", json!([null, "all"])),
            ("europa_coverageReport", json!([null, "all"])),
            (
                "europa_lineRecord",
                json!([{ "call": call_request(&contract, &ink_input("run", 1u32)) }]),
            ),
        ] {
            // An answer or a refusal; either way the node is still there.
            let _ = node.call(method, params);
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "bounded time"
        );
    }
    assert!(
        registered > 0,
        "some scrambled builds pass the checks and are read"
    );
    let lcov = node
        .call("europa_coverage", json!([]))
        .expect("the node still answers");
    assert!(lcov.as_str().unwrap().contains("end_of_record"));
}
