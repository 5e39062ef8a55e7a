//! `europa_lineRecord`: one execution line by line, through the real node (a default
//! chain: wasmi decides, the wasmtime lens records).

use serde_json::{json, Value};

use super::*;

fn record(node: &Node, request: Value) -> Value {
    node.call("europa_lineRecord", json!([request]))
        .expect("europa_lineRecord")
}

/// `file:line` of each location of a step: its own, then the call sites it is inlined
/// into.
fn lines_of_step(record: &Value, step: &Value) -> Vec<String> {
    let Some(location) = step[2].as_u64() else {
        return Vec::new();
    };
    let location = &record["locations"][location as usize];
    std::iter::once(location)
        .chain(location["inlinedAt"].as_array().into_iter().flatten())
        .map(|l| format!("{}:{}", l["file"].as_str().unwrap_or("?"), l["line"]))
        .collect()
}

/// The source lines on the stack at step `at`, innermost first: the step's own, then for
/// each calling function (the node's parents) the line its last step before was on.
fn stack_at(record: &Value, at: usize) -> Vec<String> {
    let steps = record["steps"].as_array().unwrap();
    let frame = &steps[at][0];
    let functions = record["frames"][frame.as_u64().unwrap() as usize]["functions"]
        .as_array()
        .unwrap();
    let mut lines = lines_of_step(record, &steps[at]);
    let mut node = steps[at][1].as_u64();
    while let Some(parent) = node.and_then(|n| functions[n as usize]["parent"].as_u64()) {
        let caller = steps[..at]
            .iter()
            .rev()
            .find(|s| s[0] == *frame && s[1].as_u64() == Some(parent));
        lines.extend(caller.map(|s| lines_of_step(record, s)).unwrap_or_default());
        node = Some(parent);
    }
    lines
}

#[test]
fn a_trapping_call_ends_on_the_line_that_trapped() {
    let node = Node::start_dev(&[]);
    let contract = deploy(
        &node,
        contract_fixture("dwarf", "panic_deep"),
        ink_input("new", ()),
    );
    let answer = record(
        &node,
        json!({ "call": call_request(&contract, &ink_input("run", 0u32)) }),
    );
    assert_eq!(answer["executor"], "wasmi");
    assert_eq!(answer["stepsExecutor"], "wasmtime", "the lens records");
    let steps = answer["steps"].as_array().unwrap();
    // From the source: `run` (40) → level_one (15) → level_two (20) → level_three (25),
    // which panics on 26: the last step is in the panic handler it called from there.
    let stack = stack_at(&answer, steps.len() - 1);
    let own: Vec<&String> = stack.iter().filter(|l| l.starts_with("/europa/")).collect();
    assert_eq!(
        own.first().map(|l| l.as_str()),
        Some("/europa/panic_deep/lib.rs:26"),
        "{stack:?}"
    );
    let visited: Vec<Vec<String>> = steps.iter().map(|s| lines_of_step(&answer, s)).collect();
    let first_at = |line: &str| visited.iter().position(|l| l.iter().any(|x| x == line));
    let order: Vec<Option<usize>> = [40, 15, 20, 25, 26]
        .iter()
        .map(|line| first_at(&format!("/europa/panic_deep/lib.rs:{line}")))
        .collect();
    assert!(order.iter().all(Option::is_some), "{order:?}: {visited:?}");
    assert!(order.windows(2).all(|w| w[0] < w[1]), "in order: {order:?}");
    assert!(!visited
        .iter()
        .flatten()
        .any(|l| l == "/europa/panic_deep/lib.rs:28"));
    // Gas only grows, and the frame says how it ended.
    let gas: Vec<u64> = steps.iter().map(|s| s[3].as_u64().unwrap()).collect();
    assert!(gas.windows(2).all(|w| w[0] <= w[1]), "{gas:?}");
    assert!(answer["frames"][0]["outcome"]
        .as_str()
        .unwrap()
        .starts_with("trapped"));
    assert_eq!(answer["stepsDropped"], 0);

    // Past the cap: truncated, with the count of what was left out.
    let capped = record(
        &node,
        json!({ "call": call_request(&contract, &ink_input("run", 0u32)), "maxSteps": 5 }),
    );
    assert_eq!(capped["steps"].as_array().unwrap().len(), 5);
    assert!(capped["stepsDropped"].as_u64().unwrap() > 0, "{capped}");
}

#[test]
fn a_call_across_contracts_interleaves_their_lines_in_order() {
    let node = Node::start_dev(&[]);
    let callee = deploy(
        &node,
        contract_fixture("dwarf", "callee"),
        ink_input("new", 7u32),
    );
    let caller = deploy(
        &node,
        contract_fixture("dwarf", "caller"),
        ink_input("new", ()),
    );
    let answer = record(
        &node,
        json!({ "call": call_request(&caller, &ink_input("call_get", callee.clone())) }),
    );
    let frames = answer["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(frames[1]["parent"], 0);
    assert_eq!(frames[1]["contract"], callee.to_string());
    // The caller's steps, the callee's, then the caller's again.
    let by_frame: Vec<u64> = answer["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[0].as_u64().unwrap())
        .collect();
    let mut runs = by_frame.clone();
    runs.dedup();
    assert_eq!(runs, [0, 1, 0], "{by_frame:?}");
    let call = answer["hostCalls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["func"] == "seal2.call")
        .expect("the call");
    assert_eq!(call["nestedFrame"], 1);
    let first_callee_step = by_frame.iter().position(|f| *f == 1).unwrap() as u64;
    assert_eq!(
        call["step"], first_callee_step,
        "the call comes right before the callee"
    );
    // From the sources: the caller's `call_get` (78-84) and the callee's `get` (28-30).
    let steps = answer["steps"].as_array().unwrap();
    let lines: Vec<String> = steps
        .iter()
        .flat_map(|s| lines_of_step(&answer, s))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("/europa/caller/lib.rs:8")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("/europa/callee/lib.rs:")),
        "{lines:?}"
    );
}

#[test]
fn an_extrinsic_is_recorded_as_it_ran_and_bad_requests_are_refused() {
    let node = Node::start_dev(&[]);
    let flipper = deploy(
        &node,
        contract_fixture("dwarf", "flipper"),
        ink_input("new", false),
    );
    let block = call_in_block(&node, &flipper, ink_input("flip", ()));
    let body = node.call("chain_getBlock", json!([block])).unwrap();
    let index = body["block"]["extrinsics"].as_array().unwrap().len() - 1;
    let answer = record(
        &node,
        json!({ "extrinsic": { "block": block, "index": index } }),
    );
    let steps = answer["steps"].as_array().unwrap();
    let lines: Vec<String> = steps
        .iter()
        .flat_map(|s| lines_of_step(&answer, s))
        .collect();
    assert!(
        lines.contains(&"/europa/flipper/lib.rs:24".to_owned()),
        "flip's body: {lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l == "/europa/flipper/lib.rs:29"),
        "not get's"
    );
    assert_eq!(answer["frames"][0]["outcome"], "returned");

    let refuse = |request: Value, expected: &str| {
        let error = node
            .call("europa_lineRecord", json!([request]))
            .unwrap_err();
        let message = error["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains(expected), "{message}");
    };
    refuse(json!({}), "exactly one of");
    refuse(
        json!({ "call": call_request(&flipper, &[]), "maxSteps": 10_000_000 }),
        "maxSteps is at most",
    );
    refuse(
        json!({ "extrinsic": { "block": block, "index": 99 } }),
        "there is no extrinsic 99",
    );
    let nobody = sp_runtime::AccountId32::new([9; 32]);
    refuse(
        json!({ "call": call_request(&nobody, &[]) }),
        "no contract code ran",
    );
}
