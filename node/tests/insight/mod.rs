//! Traces in the contract's own words, through the real node: ink! metadata from
//! `--contracts` and `europa_registerContract` (kept with the chain), decoded frames and
//! events in the JSON and the log, failures explained, and DWARF sidecars of stripped
//! code (`--debug-symbols`, `europa_registerDebugInfo`), gas profiles.

use serde_json::{json, Value};
use sp_keyring::Sr25519Keyring;

use europa_runtime::RuntimeCall;
use frame_support::weights::Weight;

use super::{
    blake2_256, call_in_block, contract_fixture, deploy, dry_run, europa, fixtures, ink_input,
    on_disk, seal, ss58, tempdir,
};
use crate::node::{hex, Node};

/// The answer of `europa_traceExtrinsic` for the last extrinsic of `block` (the contract
/// call the block was sealed for).
fn traced(node: &Node, block: &Value) -> Value {
    let body = node.call("chain_getBlock", json!([block])).expect("block");
    let last = body["block"]["extrinsics"]
        .as_array()
        .expect("extrinsics")
        .len()
        - 1;
    node.call("europa_traceExtrinsic", json!([block, last]))
        .expect("europa_traceExtrinsic")
}

fn traced_at(node: &Node, block: &Value, index: usize) -> Value {
    node.call("europa_traceExtrinsic", json!([block, index]))
        .expect("europa_traceExtrinsic")
}

/// A dry run through `europa_traceCall` as Alice, with `extra` request fields.
fn trace_call(
    node: &Node,
    contract: &sp_runtime::AccountId32,
    input: Vec<u8>,
    extra: Value,
) -> Value {
    let mut request = json!({
        "origin": ss58(Sr25519Keyring::Alice),
        "dest": contract.to_string(),
        "inputData": hex(&input),
    });
    for (key, value) in extra.as_object().expect("an object") {
        request[key] = value.clone();
    }
    node.call("europa_traceCall", json!([request]))
        .expect("europa_traceCall")
}

fn message(error: Value) -> String {
    error["message"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn traces_read_in_the_contracts_own_words() {
    let node = Node::start_dev(&["--contracts", &fixtures("metadata")]);
    let erc20 = deploy(
        &node,
        contract_fixture("mvp", "erc20"),
        ink_input("new", 1_000u128),
    );
    let bob = Sr25519Keyring::Bob.to_account_id();
    let block = call_in_block(&node, &erc20, ink_input("transfer", (bob.clone(), 100u128)));

    let trace = traced(&node, &block)["trace"].clone();
    let root = &trace["root"];
    let decoded = &root["decoded"];
    assert_eq!(decoded["contract"], "erc20", "{trace}");
    assert_eq!(decoded["entry"], "transfer");
    assert_eq!(decoded["kind"], "message");
    let bob_ss58 = ss58(Sr25519Keyring::Bob);
    assert_eq!(decoded["args"], json!([["to", bob_ss58], ["value", "100"]]));
    assert_eq!(
        decoded["call"],
        format!("erc20::transfer(to: {bob_ss58}, value: 100)")
    );
    // As cargo-contract prints it (the same decoder): `()` inside a variant reads empty.
    assert_eq!(decoded["returned"], "Ok(Ok())");
    assert_eq!(decoded["callerName"], "Alice");
    assert_eq!(decoded["address"], erc20.to_string());
    let event = &root["events"][0];
    assert_eq!(event["decoded"]["name"], "Transfer", "{event}");
    assert_eq!(
        event["decoded"]["fields"],
        json!([
            ["from", format!("Some({})", ss58(Sr25519Keyring::Alice))],
            ["to", format!("Some({bob_ss58})")],
            ["value", "100"]
        ])
    );
    // The raw fields stay, beside the decoded ones.
    assert_eq!(root["selector"], hex(&ink_input("transfer", ())));
    assert!(event["data"].as_str().is_some_and(|d| d.starts_with("0x")));
    assert!(
        root.get("explanation").is_none(),
        "a frame that returned has none: {root}"
    );

    // The log reads the same way, in order.
    node.wait_for_log("] Alice → new erc20::new(total_supply: 1000) deposit 1.14299 UNIT @ ");
    node.wait_for_log("├─ emit Transfer { from: None, to: Some(Alice), value: 1000 }");
    node.wait_for_log("└─ ← Ok()");
    node.wait_for_log("] Alice → erc20::transfer(to: Bob, value: 100) deposit 0.1016 UNIT @ ");
    node.wait_for_log("├─ emit Transfer { from: Some(Alice), to: Some(Bob), value: 100 }");
    node.wait_for_log("└─ ← Ok(Ok())");

    // A transfer beyond the balance: reverted, decoded, explained.
    let answer = trace_call(
        &node,
        &erc20,
        ink_input("transfer", (bob, 1_000_000u128)),
        json!({}),
    );
    let root = &answer["trace"]["root"];
    assert_eq!(
        root["decoded"]["returned"], "Ok(Err(InsufficientBalance))",
        "{answer}"
    );
    assert_eq!(
        root["explanation"]["text"],
        "reverted with Ok(Err(InsufficientBalance))"
    );
}

#[test]
fn contracts_without_metadata_read_as_before_until_registered_and_registrations_persist() {
    let dir = tempdir();
    let base = dir.to_str().unwrap().to_owned();
    let flipper_code = contract_fixture("mvp", "flipper");
    let flipper_hash = hex(&blake2_256(&flipper_code));
    let block;
    {
        let node = Node::start(&on_disk(&base));
        let flipper = deploy(&node, flipper_code, ink_input("new", false));
        block = call_in_block(&node, &flipper, ink_input("flip", ()));
        let plain = traced(&node, &block);
        let root = &plain["trace"]["root"];
        assert!(root.get("decoded").is_none(), "{plain}");
        assert!(root.get("explanation").is_none(), "{plain}");

        // What is not metadata is refused, and the node carries on.
        let error = node
            .call("europa_registerContract", json!([{ "not": "metadata" }]))
            .unwrap_err();
        assert!(
            message(error.clone()).starts_with("not contract metadata"),
            "{error}"
        );
        let error = node
            .call("europa_registerContract", json!([17]))
            .unwrap_err();
        assert!(message(error.clone()).contains("JSON object"), "{error}");

        let metadata = std::fs::read_to_string(fixtures("metadata/flipper.json")).unwrap();
        let metadata: Value = serde_json::from_str(&metadata).unwrap();
        let registered = node
            .call("europa_registerContract", json!([metadata]))
            .expect("registered");
        assert_eq!(
            registered,
            json!({ "name": "flipper", "codeHash": flipper_hash })
        );
        let decoded = traced(&node, &block);
        assert_eq!(
            decoded["trace"]["root"]["decoded"]["entry"], "flip",
            "{decoded}"
        );
        node.stop_gracefully();
    }
    // A restarted node still knows it.
    let node = Node::start(&on_disk(&base));
    let listed = node
        .call("europa_registeredContracts", json!([]))
        .expect("listed");
    assert_eq!(
        listed,
        json!([{ "name": "flipper", "codeHash": flipper_hash }])
    );
    let decoded = traced(&node, &block);
    assert_eq!(
        decoded["trace"]["root"]["decoded"]["call"], "flipper::flip()",
        "{decoded}"
    );
    drop(node);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn failures_are_explained() {
    let node = Node::start_dev(&["--contracts", &fixtures("metadata")]);

    // A trap in a DWARF build: the panic's own source line, not core's.
    let panic_deep = deploy(
        &node,
        contract_fixture("dwarf", "panic_deep"),
        ink_input("new", ()),
    );
    let answer = trace_call(&node, &panic_deep, ink_input("run", 1u32), json!({}));
    let explanation = &answer["trace"]["root"]["explanation"];
    let text = explanation["text"].as_str().expect("explained");
    assert!(text.starts_with("trapped: "), "{text}");
    assert!(
        text.ends_with("in panic_deep::panic_deep::level_three at /europa/panic_deep/lib.rs:26:13"),
        "{text}"
    );
    assert_eq!(explanation["location"]["line"], 26);
    // The source is not on this machine under /europa: no excerpt.
    assert_eq!(explanation["location"]["excerpt"], json!([]));

    // Out of gas under a limit: how much the call needs with a block's worth.
    let erc20 = deploy(
        &node,
        contract_fixture("mvp", "erc20"),
        ink_input("new", 1_000u128),
    );
    let bob = Sr25519Keyring::Bob.to_account_id();
    let transfer = ink_input("transfer", (bob, 1u128));
    let needed = trace_call(&node, &erc20, transfer.clone(), json!({}))["gasRequired"]["refTime"]
        .as_u64()
        .expect("gas required");
    let starved = trace_call(
        &node,
        &erc20,
        transfer,
        json!({ "gasLimit": { "refTime": needed / 2, "proofSize": 1 << 20 } }),
    );
    assert_eq!(starved["result"]["err"], "Contracts::OutOfGas", "{starved}");
    let explanation = starved["trace"]["explanation"].as_str().expect("explained");
    assert!(
        explanation.starts_with("Contracts::OutOfGas: "),
        "{explanation}"
    );
    let needs = format!("with the block's maximum gas it needs {needed} ref_time");
    assert!(explanation.contains(&needs), "{explanation}");
    // A profile of the same call says so too.
    let request = json!([{
        "origin": ss58(Sr25519Keyring::Alice),
        "dest": erc20.to_string(),
        "inputData": hex(&ink_input("transfer", (Sr25519Keyring::Bob.to_account_id(), 1u128))),
        "gasLimit": { "refTime": needed / 2, "proofSize": 1 << 20 },
    }]);
    // (On wasmi the lens that profiles it has more gas and goes further: no profile.)
    let refused = message(node.call("europa_profileCall", request).unwrap_err());
    assert!(
        refused.starts_with("no gas profile: its re-run on wasmtime") && refused.contains(&needs),
        "{refused}"
    );
    let frame = starved["trace"]["root"]["explanation"]["text"]
        .as_str()
        .expect("frame explained");
    assert!(frame.starts_with("ran out of gas "), "{frame}");
    // The same in a block: the explanation re-runs the extrinsic's call without its limit.
    let block = seal(
        &node,
        RuntimeCall::Contracts(pallet_europa_contracts::Call::call {
            dest: erc20.clone().into(),
            value: 0,
            gas_limit: Weight::from_parts(needed / 2, 1 << 20),
            storage_deposit_limit: None,
            data: ink_input("transfer", (Sr25519Keyring::Bob.to_account_id(), 1u128)),
        }),
    );
    let in_block = traced(&node, &block);
    assert_eq!(
        in_block["outcome"]["err"], "Contracts::OutOfGas",
        "{in_block}"
    );
    let explanation = in_block["trace"]["explanation"]
        .as_str()
        .expect("explained");
    assert!(explanation.contains(&needs), "{explanation}");

    // A deposit limit too small for a new contract's storage.
    let request = json!({
        "origin": ss58(Sr25519Keyring::Alice),
        "code": hex(&contract_fixture("mvp", "flipper")),
        "data": hex(&ink_input("new", true)),
        "storageDepositLimit": 1,
    });
    let answer = node
        .call("europa_traceInstantiate", json!([request]))
        .expect("traced");
    assert_eq!(
        answer["result"]["err"], "Contracts::StorageDepositLimitExhausted",
        "{answer}"
    );
    let explanation = answer["trace"]["explanation"].as_str().expect("explained");
    assert!(explanation.contains("without a deposit limit it charges a storage deposit of "));
    assert!(
        explanation.ends_with("the limit was 0.000000000001 UNIT"),
        "{explanation}"
    );

    // A pallet error, with its documentation from the runtime's metadata.
    let nobody = sp_runtime::AccountId32::new([9; 32]);
    let answer = trace_call(&node, &nobody, vec![], json!({}));
    let explanation = answer["trace"]["explanation"].as_str().expect("explained");
    let prefix = "Contracts::ContractNotFound: ";
    assert!(explanation.starts_with(prefix) && explanation.len() > prefix.len() + 10);
}

#[test]
fn stripped_code_gets_source_lines_from_its_debug_build() {
    let stripped = std::fs::read(fixtures("sidecar/panic_deep.wasm")).unwrap();
    let debug_build = std::fs::read(fixtures("sidecar/panic_deep.debug.wasm")).unwrap();
    let code_hash = hex(&blake2_256(&stripped));
    let dir = tempdir();
    let base = dir.to_str().unwrap().to_owned();
    let panic_deep;
    let explained = |node: &Node, contract: &sp_runtime::AccountId32| {
        let answer = trace_call(node, contract, ink_input("run", 1u32), json!({}));
        answer["trace"]["root"]["explanation"]["text"].clone()
    };
    let source_line = "in panic_deep::panic_deep::level_three at /europa/panic_deep/lib.rs:26:13";
    {
        let node = Node::start(&on_disk(&base));
        panic_deep = deploy(&node, stripped.clone(), ink_input("new", ()));
        let bare = explained(&node, &panic_deep);
        assert!(
            bare.as_str().unwrap().contains("the code has no DWARF"),
            "{bare}"
        );

        // What does not fit is refused, saying why.
        let call = |hash: &str, wasm: &[u8]| {
            message(
                node.call("europa_registerDebugInfo", json!([hash, hex(wasm)]))
                    .unwrap_err(),
            )
        };
        let other_build = contract_fixture("dwarf", "panic_deep");
        assert!(call(&code_hash, &other_build).contains("Code sections differ"));
        let unknown = format!("0x{}", "11".repeat(32));
        assert!(call(&unknown, &debug_build).contains("no code is stored"));
        assert!(call(&code_hash, &stripped).contains("no .debug_info section"));
        assert!(call(&code_hash, b"\0asm garbage").contains("not a usable WASM module"));

        node.call(
            "europa_registerDebugInfo",
            json!([code_hash, hex(&debug_build)]),
        )
        .expect("the matching debug build is attached");
        let text = explained(&node, &panic_deep);
        assert!(text.as_str().unwrap().ends_with(source_line), "{text}");
        node.stop_gracefully();
    }
    // A restarted node still has it.
    let node = Node::start(&on_disk(&base));
    let text = explained(&node, &panic_deep);
    assert!(text.as_str().unwrap().ends_with(source_line), "{text}");
    node.stop_gracefully();

    // Without what was kept, `--debug-symbols` finds it in a directory.
    std::fs::remove_dir_all(dir.join("chains/europa_dev/europa-insight")).unwrap();
    let mut args = on_disk(&base).to_vec();
    let sidecars = fixtures("sidecar");
    args.extend(["--debug-symbols", &sidecars]);
    let node = Node::start(&args);
    let text = explained(&node, &panic_deep);
    assert!(text.as_str().unwrap().ends_with(source_line), "{text}");
    drop(node);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_log_shows_what_trace_asks_for() {
    // Every host call, and dry runs too.
    let node = Node::start_dev(&["--trace", "host-calls", "--trace-dry-runs"]);
    let flipper = deploy(
        &node,
        contract_fixture("mvp", "flipper"),
        ink_input("new", false),
    );
    node.wait_for_log("seal2.set_storage(");
    let _ = dry_run(&node, &flipper, ink_input("get", ()));
    node.wait_for_log("dry run");
    node.wait_for_log("seal1.get_storage(");
    drop(node);

    // By default, dry runs are not logged and the host calls of a frame that returned
    // are folded.
    let node = Node::start_dev(&[]);
    let flipper = deploy(
        &node,
        contract_fixture("mvp", "flipper"),
        ink_input("new", false),
    );
    let lines = node.wait_for_log("Imported #1");
    assert!(
        lines.iter().any(|l| l.contains("contract execution")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("seal2.set_storage(")),
        "{lines:#?}"
    );
    let _ = dry_run(&node, &flipper, ink_input("get", ()));
    call_in_block(&node, &flipper, ink_input("flip", ()));
    let lines = node.wait_for_log("Imported #2");
    assert!(!lines.iter().any(|l| l.contains("dry run")), "{lines:#?}");

    // A trap in a block of this (wasmi) chain: the log shows its Rust line, located by
    // re-running the extrinsic on wasmtime once the block is in.
    let panic_deep = deploy(
        &node,
        contract_fixture("dwarf", "panic_deep"),
        ink_input("new", ()),
    );
    call_in_block(&node, &panic_deep, ink_input("run", 1u32));
    let lines = node.wait_for_log("at /europa/panic_deep/lib.rs:26:13");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("contract execution (block #4, extrinsic 1)")),
        "{lines:#?}"
    );
    drop(node);

    // `off`: nothing.
    let node = Node::start_dev(&["--trace", "off"]);
    deploy(
        &node,
        contract_fixture("mvp", "flipper"),
        ink_input("new", false),
    );
    let lines = node.wait_for_log("Imported #1");
    assert!(
        !lines.iter().any(|l| l.contains("contract execution")),
        "{lines:#?}"
    );
}

/// Deploys the fixtures' `callee` (`new(7)`) and `caller`, and profiles
/// `caller.call_get(callee)`: the caller, the call's input and the answer.
fn profile_caller_call_get(node: &Node) -> (sp_runtime::AccountId32, Vec<u8>, Value) {
    let callee = deploy(
        node,
        contract_fixture("mvp", "callee"),
        ink_input("new", 7u32),
    );
    let caller = deploy(
        node,
        contract_fixture("mvp", "caller"),
        ink_input("new", ()),
    );
    let input = ink_input("call_get", callee);
    let answer = node
        .call(
            "europa_profileCall",
            json!([{
                "origin": ss58(Sr25519Keyring::Alice),
                "dest": caller.to_string(),
                "inputData": hex(&input),
            }]),
        )
        .expect("europa_profileCall");
    (caller, input, answer)
}

#[test]
fn gas_profiles_account_for_the_gas_of_a_call_across_contracts() {
    let node = Node::start_dev(&["--contracts", &fixtures("metadata")]);
    let (caller, input, answer) = profile_caller_call_get(&node);
    let profile = &answer["profile"];
    let consumed = answer["gasConsumed"]["refTime"]
        .as_u64()
        .expect("gas consumed");
    assert_eq!(profile["refTime"], consumed, "{profile}");
    // A wasmi chain's profile comes from the lens, reconciled with wasmi's gas: what it
    // attributes adds up to the call's gas to the unit.
    assert_eq!(answer["trace"]["executor"], "wasmi");
    assert_eq!(answer["trace"]["lens"]["located"], true, "{answer}");
    let accounted = profile["accountedRefTime"].as_u64().unwrap();
    assert_eq!(accounted, consumed);
    let folded = profile["folded"].as_str().unwrap();
    let sum: u64 = folded
        .lines()
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
        .sum();
    assert_eq!(sum, accounted);
    // The nested call sits under the host call that made it.
    assert!(
        folded
            .lines()
            .any(|l| l.starts_with("caller::call_get;") && l.contains(";seal2.call;callee::get;")),
        "{folded}"
    );
    assert!(
        folded.lines().any(|l| l.starts_with("[execution base] ")),
        "{folded}"
    );
    assert!(
        folded.lines().any(|l| l.contains(";seal1.get_storage ")),
        "{folded}"
    );
    let weights: u64 = profile["speedscope"]["profiles"][0]["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_u64().unwrap())
        .sum();
    assert_eq!(weights, accounted);
    assert!(
        profile["svg"].as_str().unwrap().contains("<svg"),
        "an SVG flame graph"
    );
    assert!(!profile["top"].as_array().unwrap().is_empty());
    // The dry run's own answer is unchanged by profiling.
    let traced = trace_call(&node, &caller, input, json!({}));
    assert_eq!(traced["gasConsumed"], answer["gasConsumed"]);
    assert_eq!(traced["result"], answer["result"]);

    // A DWARF build names its functions; an extrinsic is profiled as it ran.
    let compute = deploy(
        &node,
        contract_fixture("dwarf", "compute"),
        ink_input("new", ()),
    );
    let block = call_in_block(&node, &compute, ink_input("work", 1u32));
    let body = node.call("chain_getBlock", json!([block])).expect("block");
    let last = body["block"]["extrinsics"].as_array().unwrap().len() - 1;
    let answer = node
        .call("europa_profileExtrinsic", json!([block, last]))
        .expect("europa_profileExtrinsic");
    let top = &answer["profile"]["top"];
    let names: Vec<&str> = top
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    // `work` sorts: the sort, by its demangled name, costs most.
    assert!(names[0].starts_with("core::slice::sort::"), "{top}");
    assert!(names.iter().all(|name| !name.starts_with("func[")), "{top}");
    // Its DWARF gives the cost of each source line.
    let lines = &answer["profile"]["topLines"];
    assert!(!lines.as_array().unwrap().is_empty());
    let folded = answer["profile"]["folded"].as_str().unwrap();
    assert!(folded.contains(";/europa/compute/lib.rs:"), "{folded}");
    assert!(
        !folded.contains(";@0x"),
        "every offset is on a line: {folded}"
    );
    assert_eq!(answer["outcome"], json!({ "ok": null }));
    assert_eq!(
        answer["trace"]["lens"]["located"], true,
        "profiled through the lens"
    );
    node.wait_for_log("gas profile of extrinsic ");
    let plain = traced_at(&node, &block, last);
    assert!(plain.get("profile").is_none(), "only asked for: {plain}");
}

#[test]
fn gas_profiles_on_a_wasmtime_chain_are_counted_on_the_deciding_run() {
    let node = Node::start_dev(&[
        "--sandbox",
        "wasmtime",
        "--contracts",
        &fixtures("metadata"),
    ]);
    let (caller, input, answer) = profile_caller_call_get(&node);
    assert_eq!(answer["trace"]["executor"], "wasmtime");
    assert!(answer["trace"].get("lens").is_none(), "no lens: {answer}");
    let consumed = answer["gasConsumed"]["refTime"].as_u64().unwrap();
    let profile = &answer["profile"];
    assert_eq!(profile["refTime"], consumed, "{profile}");
    // Counted from wasmtime's own fuel, rounding aside.
    let accounted = profile["accountedRefTime"].as_u64().unwrap();
    assert!(
        accounted.abs_diff(consumed) * 100 <= consumed,
        "{accounted} vs {consumed}"
    );
    let folded = profile["folded"].as_str().unwrap();
    assert!(
        folded
            .lines()
            .any(|l| l.starts_with("caller::call_get;") && l.contains(";seal2.call;callee::get;")),
        "{folded}"
    );
    // Profiling did not change the answer.
    let traced = trace_call(&node, &caller, input, json!({}));
    assert_eq!(traced["gasConsumed"], answer["gasConsumed"]);
}

#[test]
fn a_profile_of_no_contract_says_so() {
    let node = Node::start_dev(&[]);
    let nobody = sp_runtime::AccountId32::new([9; 32]);
    let request = json!([{ "origin": ss58(Sr25519Keyring::Alice), "dest": nobody.to_string() }]);
    let error = node.call("europa_profileCall", request).unwrap_err();
    let expected = "no gas profile: no contract code ran (Contracts::ContractNotFound)";
    assert_eq!(message(error.clone()), expected, "{error}");
}

#[test]
fn wasmi_traces_are_decoded_and_explained_too() {
    let node = Node::start_dev(&["--sandbox", "wasmi", "--contracts", &fixtures("metadata")]);
    let erc20 = deploy(
        &node,
        contract_fixture("mvp", "erc20"),
        ink_input("new", 1_000u128),
    );
    let bob = Sr25519Keyring::Bob.to_account_id();
    let block = call_in_block(&node, &erc20, ink_input("transfer", (bob, 100u128)));
    let trace = traced(&node, &block)["trace"].clone();
    assert_eq!(trace["executor"], "wasmi", "{trace}");
    assert_eq!(
        trace["root"]["decoded"]["call"],
        format!(
            "erc20::transfer(to: {}, value: 100)",
            ss58(Sr25519Keyring::Bob)
        )
    );
    assert_eq!(trace["root"]["events"][0]["decoded"]["name"], "Transfer");
    node.wait_for_log("├─ emit Transfer { from: Some(Alice), to: Some(Bob), value: 100 }");

    // wasmi keeps no backtrace: a trap's source line comes from the lens, a re-run on
    // wasmtime; the gas and result stay wasmi's.
    let source_line = "in panic_deep::panic_deep::level_three at /europa/panic_deep/lib.rs:26:13";
    let panic_deep = deploy(
        &node,
        contract_fixture("dwarf", "panic_deep"),
        ink_input("new", ()),
    );
    let answer = trace_call(&node, &panic_deep, ink_input("run", 1u32), json!({}));
    let root = &answer["trace"]["root"];
    assert_eq!(answer["trace"]["executor"], "wasmi", "{answer}");
    assert_eq!(
        answer["trace"]["lens"],
        json!({ "executor": "wasmtime", "located": true })
    );
    let text = root["explanation"]["text"].as_str().expect("explained");
    assert!(
        text.starts_with("trapped: ") && text.ends_with(source_line),
        "{text}"
    );
    let explanation = answer["trace"]["explanation"].as_str().unwrap();
    assert!(
        explanation.starts_with("Contracts::ContractTrapped: "),
        "{explanation}"
    );
    // The same trap in a block, re-executed.
    let block = call_in_block(&node, &panic_deep, ink_input("run", 1u32));
    let in_block = traced(&node, &block)["trace"].clone();
    assert_eq!(in_block["lens"]["located"], true, "{in_block}");
    let text = in_block["root"]["explanation"]["text"].as_str().unwrap();
    assert!(text.ends_with(source_line), "{text}");

    // Stripped code: the lens's offsets find the line in a registered debug build.
    let stripped = std::fs::read(fixtures("sidecar/panic_deep.wasm")).unwrap();
    let debug_build = std::fs::read(fixtures("sidecar/panic_deep.debug.wasm")).unwrap();
    let stripped_contract = deploy(&node, stripped.clone(), ink_input("new", ()));
    node.call(
        "europa_registerDebugInfo",
        json!([hex(&blake2_256(&stripped)), hex(&debug_build)]),
    )
    .expect("the matching debug build is attached");
    let answer = trace_call(&node, &stripped_contract, ink_input("run", 1u32), json!({}));
    let text = answer["trace"]["root"]["explanation"]["text"]
        .as_str()
        .unwrap();
    assert!(text.ends_with(source_line), "{text}");

    // Code whose path depends on the gas left: the lens, with other gas, goes another
    // way, and the trace says so instead of locating the trap.
    let gas_dependent = wat::parse_str(
        r#"(module
            (import "seal0" "gas_left" (func $gas_left (param i32 i32)))
            (import "env" "memory" (memory 1 1))
            (func (export "deploy"))
            (func (export "call")
                (i32.store (i32.const 0) (i32.const 32))
                (call $gas_left (i32.const 8) (i32.const 0))
                unreachable))"#,
    )
    .expect("valid WAT");
    let gas_dependent = deploy(&node, gas_dependent, vec![]);
    let answer = trace_call(&node, &gas_dependent, vec![], json!({}));
    let lens = &answer["trace"]["lens"];
    assert_eq!(lens["located"], false, "{answer}");
    assert_eq!(
        lens["disagrees"],
        "frame 0: host call 0 (seal0.gas_left) answered otherwise"
    );
    let text = answer["trace"]["root"]["explanation"]["text"]
        .as_str()
        .unwrap();
    assert!(
        text.contains(
            "no source line: re-run on wasmtime to locate it, the execution took another path"
        ),
        "{text}"
    );
}

#[test]
fn the_executor_a_chain_runs_is_said_and_wasmtime_gas_is_marked_as_not_productions() {
    let said = |node: &Node, text: &str| node.startup_log.iter().any(|line| line.contains(text));
    let node = Node::start_dev(&[]);
    assert!(
        said(&node, "Contracts run on wasmi, as on production"),
        "{:#?}",
        node.startup_log
    );
    let flipper = deploy(
        &node,
        contract_fixture("mvp", "flipper"),
        ink_input("new", false),
    );
    let answer = trace_call(&node, &flipper, ink_input("get", ()), json!({}));
    assert_eq!(answer["trace"]["executor"], "wasmi");
    assert!(answer["trace"].get("gasModel").is_none(), "{answer}");
    drop(node);

    let node = Node::start_dev(&["--sandbox", "wasmtime"]);
    assert!(said(
        &node,
        "Contracts run on wasmtime: gas is wasmtime's own fuel count"
    ));
    let flipper = deploy(
        &node,
        contract_fixture("mvp", "flipper"),
        ink_input("new", false),
    );
    let answer = trace_call(&node, &flipper, ink_input("get", ()), json!({}));
    assert_eq!(answer["trace"]["executor"], "wasmtime");
    let model = answer["trace"]["gasModel"].as_str().expect("said");
    assert!(model.contains("not production's"), "{model}");
    // And in the log's tree of every execution.
    node.wait_for_log("gas: wasmtime's own fuel count, not production's");
}

#[test]
fn a_named_file_that_is_not_what_its_flag_wants_stops_the_start_saying_why() {
    let not_metadata = fixtures("mvp/flipper.wasm");
    let (started, _, stderr) = europa(&["--dev", "--tmp", "--contracts", &not_metadata], &[]);
    assert!(!started, "{stderr}");
    assert!(
        stderr.contains(&format!("{not_metadata}: not contract metadata")),
        "{stderr}"
    );
    let stripped = fixtures("sidecar/panic_deep.wasm");
    let (started, _, stderr) = europa(&["--dev", "--tmp", "--debug-symbols", &stripped], &[]);
    assert!(!started, "{stderr}");
    assert!(stderr.contains("no .debug_info section"), "{stderr}");
}

/// A custom section `name` holding `payload`, as WASM encodes it.
pub(crate) fn custom_section(name: &str, payload: &[u8]) -> Vec<u8> {
    fn leb128(mut value: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    let mut contents = Vec::new();
    leb128(name.len(), &mut contents);
    contents.extend_from_slice(name.as_bytes());
    contents.extend_from_slice(payload);
    let mut section = vec![0];
    leb128(contents.len(), &mut section);
    section.extend(contents);
    section
}

#[test]
fn a_debug_build_with_garbage_dwarf_is_refused_and_harmless() {
    let node = Node::start_dev(&[]);
    let stripped = std::fs::read(fixtures("sidecar/panic_deep.wasm")).unwrap();
    let panic_deep = deploy(&node, stripped.clone(), ink_input("new", ()));
    // The same Code section, with DWARF sections of noise (and one claiming to be huge).
    let mut forged = stripped.clone();
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    forged.extend(custom_section(
        ".debug_info",
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
    ));
    forged.extend(custom_section(".debug_line", &noise));
    forged.extend(custom_section(".debug_abbrev", &noise));
    let code_hash = hex(&blake2_256(&stripped));
    // Its Code section matches, but its DWARF does not read: refused, saying so.
    let refused = node
        .call("europa_registerDebugInfo", json!([code_hash, hex(&forged)]))
        .expect_err("refused");
    assert!(
        message(refused.clone()).contains("its debug info is not read: malformed DWARF"),
        "{refused}"
    );
    for _ in 0..3 {
        let answer = trace_call(&node, &panic_deep, ink_input("run", 1u32), json!({}));
        let text = answer["trace"]["root"]["explanation"]["text"]
            .as_str()
            .unwrap_or_default();
        assert!(text.contains("no source lines"), "{answer}");
        let profiled = node.call(
            "europa_profileCall",
            json!([{ "origin": ss58(Sr25519Keyring::Alice), "dest": panic_deep.to_string(),
                     "inputData": hex(&ink_input("ok", ())) }]),
        );
        assert!(profiled.is_ok(), "{profiled:?}");
    }
    assert_eq!(
        node.call("system_health", json!([])).unwrap()["isSyncing"],
        false
    );
}

/// erc20's metadata with `types` appended to its registry (numbered from its end) and
/// `transfer`'s first argument of type `argument`.
fn erc20_with_types(types: impl FnOnce(usize) -> (Vec<Value>, usize)) -> Value {
    let metadata = std::fs::read_to_string(fixtures("metadata/erc20.json")).unwrap();
    let mut metadata: Value = serde_json::from_str(&metadata).unwrap();
    let registry = metadata["types"].as_array_mut().expect("types");
    let first = registry.len();
    let (defs, argument) = types(first);
    for (offset, def) in defs.into_iter().enumerate() {
        registry.push(json!({ "id": first + offset, "type": { "def": def } }));
    }
    let messages = metadata["spec"]["messages"]
        .as_array_mut()
        .expect("messages");
    let transfer = messages
        .iter_mut()
        .find(|m| m["label"] == "transfer")
        .expect("transfer");
    transfer["args"][0]["type"]["type"] = json!(argument);
    metadata
}

#[test]
fn metadata_whose_types_would_overflow_the_decoder_is_refused() {
    let node = Node::start_dev(&[]);
    // A struct containing itself: contract-transcode would recurse until the stack ran out
    // decoding (or encoding) a `transfer`.
    let recursive = erc20_with_types(|first| {
        (
            vec![json!({ "composite": { "fields": [{ "name": "next", "type": first }] } })],
            first,
        )
    });
    // `[(); 4294967295]`: four billion values from no input at all.
    let units = erc20_with_types(|first| {
        (
            vec![
                json!({ "tuple": [] }),
                json!({ "array": { "len": u32::MAX, "type": first } }),
            ],
            first + 1,
        )
    });
    // `Vec<()>`: a billion values from a 5-byte length.
    let sequence = erc20_with_types(|first| {
        (
            vec![
                json!({ "tuple": [] }),
                json!({ "sequence": { "type": first } }),
            ],
            first + 1,
        )
    });
    for (metadata, what) in [
        (&recursive, "contains itself"),
        (&units, "values from no bytes of input"),
        (&sequence, "encodes to no bytes"),
    ] {
        // As an object and as text alike.
        for request in [metadata.clone(), Value::String(metadata.to_string())] {
            let error = node
                .call("europa_registerContract", json!([request]))
                .unwrap_err();
            assert_eq!(error["code"], -32602, "{error}");
            let text = message(error.clone());
            assert!(
                text.starts_with("not contract metadata: its type registry is not accepted: "),
                "{error}"
            );
            assert!(text.contains(what), "{error}");
        }
    }
    assert_eq!(
        node.call("europa_registeredContracts", json!([]))
            .expect("listed"),
        json!([])
    );
    // The node still answers, and the real metadata is still taken.
    assert!(node.call("system_health", json!([])).is_ok());
    let metadata = std::fs::read_to_string(fixtures("metadata/erc20.json")).unwrap();
    let metadata: Value = serde_json::from_str(&metadata).unwrap();
    let registered = node
        .call("europa_registerContract", json!([metadata]))
        .expect("registered");
    assert_eq!(registered["name"], "erc20");
}

#[test]
fn hostile_metadata_kept_from_before_is_skipped_at_start_and_never_decoded() {
    let dir = tempdir();
    let base = dir.to_str().unwrap().to_owned();
    let code = contract_fixture("mvp", "erc20");
    {
        let node = Node::start(&on_disk(&base));
        node.stop_gracefully();
    }
    // As a Europa that did not bound metadata could have kept it beside the chain.
    let kept = dir.join("chains/europa_dev/europa-insight/contracts");
    std::fs::create_dir_all(&kept).unwrap();
    let recursive = erc20_with_types(|first| {
        (
            vec![json!({ "composite": { "fields": [{ "name": "next", "type": first }] } })],
            first,
        )
    });
    let name = format!("{}.json", hex(&blake2_256(&code)).trim_start_matches("0x"));
    std::fs::write(kept.join(name), recursive.to_string()).unwrap();

    let node = Node::start(&on_disk(&base));
    assert_eq!(
        node.call("europa_registeredContracts", json!([])),
        Ok(json!([]))
    );
    // The contract runs and is logged (undecoded) without the kept file.
    let erc20 = deploy(&node, code, ink_input("new", 1000u128));
    let bob = Sr25519Keyring::Bob.to_account_id();
    let block = call_in_block(&node, &erc20, ink_input("transfer", (bob, 100u128)));
    let trace = traced(&node, &block);
    assert!(trace["trace"]["root"].get("decoded").is_none(), "{trace}");
    assert!(node.call("system_health", json!([])).is_ok());
    drop(node);
    let _ = std::fs::remove_dir_all(dir);
}
