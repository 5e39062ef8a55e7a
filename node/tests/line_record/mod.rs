//! `europa_lineRecord`: one execution line by line, through the real node (a default
//! chain: wasmi decides, the wasmtime lens records), read through the typed client.

use europa_rpc_api::{
    line_record::{ExtrinsicRef, LineRecord, LineRecordAnswer, LineRecordRequest},
    params::BlockRef,
    trace::{CallRequest, TraceApiClient},
};
use serde_json::{json, Value};

use super::*;

fn record(node: &Node, request: LineRecordRequest) -> LineRecordAnswer {
    node.api()
        .run(|c| c.line_record(request))
        .expect("europa_lineRecord")
}

/// A dry-run call of `contract` with `input` as Alice, as a line record takes it.
fn call(contract: &sp_runtime::AccountId32, input: &[u8]) -> LineRecordRequest {
    let call: CallRequest =
        serde_json::from_value(call_request(contract, input)).expect("a call request");
    LineRecordRequest::of_call(call, None)
}

/// A step of a record: `(frame, node, location, refTime)`.
type Step = (u32, u32, Option<u32>, u64);

/// `file:line` of each location of a step: its own, then the call sites it is inlined
/// into.
fn lines_of_step(record: &LineRecord, step: &Step) -> Vec<String> {
    let Some(location) = step.2 else {
        return Vec::new();
    };
    let location = &record.locations[location as usize];
    std::iter::once(location)
        .chain(&location.inlined_at)
        .map(|l| {
            let line = l
                .line
                .map_or_else(|| "null".to_owned(), |line| line.to_string());
            format!("{}:{line}", l.file.as_deref().unwrap_or("?"))
        })
        .collect()
}

/// The source lines on the stack at step `at`, innermost first: the step's own, then for
/// each calling function (the node's parents) the line its last step before was on.
fn stack_at(record: &LineRecord, at: usize) -> Vec<String> {
    let steps = &record.steps;
    let frame = steps[at].0;
    let functions = &record.frames[frame as usize].functions;
    let mut lines = lines_of_step(record, &steps[at]);
    let mut node = Some(steps[at].1);
    while let Some(parent) = node.and_then(|n| functions[n as usize].parent) {
        let caller = steps[..at]
            .iter()
            .rev()
            .find(|s| s.0 == frame && s.1 == parent);
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
    let answer = record(&node, call(&contract, &ink_input("run", 0u32)));
    assert_eq!(answer.executor, "wasmi");
    let answer = answer.record;
    assert_eq!(answer.steps_executor, "wasmtime", "the lens records");
    let steps = &answer.steps;
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
    let gas: Vec<u64> = steps.iter().map(|s| s.3).collect();
    assert!(gas.windows(2).all(|w| w[0] <= w[1]), "{gas:?}");
    assert!(answer.frames[0].outcome.starts_with("trapped"));
    assert_eq!(answer.steps_dropped, 0);

    // Past the cap: truncated, with the count of what was left out.
    let capped = record(
        &node,
        LineRecordRequest {
            max_steps: Some(5),
            ..call(&contract, &ink_input("run", 0u32))
        },
    );
    assert_eq!(capped.record.steps.len(), 5);
    assert!(capped.record.steps_dropped > 0, "{capped:?}");
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
    let answer = record(&node, call(&caller, &ink_input("call_get", callee.clone()))).record;
    let frames = &answer.frames;
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(frames[1].parent, Some(0));
    assert_eq!(frames[1].contract, callee.to_string());
    // The caller's steps, the callee's, then the caller's again.
    let by_frame: Vec<u32> = answer.steps.iter().map(|s| s.0).collect();
    let mut runs = by_frame.clone();
    runs.dedup();
    assert_eq!(runs, [0, 1, 0], "{by_frame:?}");
    let made = answer
        .host_calls
        .iter()
        .find(|c| c.func == "seal2.call")
        .expect("the call");
    assert_eq!(made.nested_frame, Some(1));
    let first_callee_step = by_frame.iter().position(|f| *f == 1).unwrap() as u32;
    assert_eq!(
        made.step, first_callee_step,
        "the call comes right before the callee"
    );
    // From the sources: the caller's `call_get` (78-84) and the callee's `get` (28-30).
    let lines: Vec<String> = answer
        .steps
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
    let extrinsic = ExtrinsicRef {
        block: BlockRef::Hash(serde_json::from_value(block.clone()).expect("a hash")),
        index: index as u32,
    };
    let answer = record(
        &node,
        LineRecordRequest {
            extrinsic: Some(extrinsic),
            ..LineRecordRequest::default()
        },
    )
    .record;
    let lines: Vec<String> = answer
        .steps
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
    assert_eq!(answer.frames[0].outcome, "returned");

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
