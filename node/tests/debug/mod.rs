//! Debugging sessions (`europa_debug*`) through the real node: what a session shows is
//! what the execution did, and sessions stay bounded whatever a client asks.

use serde_json::{json, Value};

use super::*;

fn launch(node: &Node, contract: &sp_runtime::AccountId32, input: &[u8]) -> Result<Value, Value> {
    node.call(
        "europa_debugLaunch",
        json!([{ "call": call_request(contract, input) }]),
    )
}

#[test]
fn a_session_ends_where_the_execution_ended_and_sessions_stay_bounded() {
    let node = Node::start_dev(&[]);
    let contract = deploy(
        &node,
        contract_fixture("dwarf", "panic_deep"),
        ink_input("new", ()),
    );
    let input = ink_input("run", 1u32);
    let session = launch(&node, &contract, &input).expect("a session")["session"].clone();

    // The end of the timeline is the trap the plain dry run reports.
    let end = node
        .call("europa_debugStep", json!([session, "continue"]))
        .unwrap();
    assert_eq!(end["stop"], "exception");
    let plain = node
        .call("europa_traceCall", json!([call_request(&contract, &input)]))
        .unwrap();
    assert_eq!(
        plain["result"]["err"], "Contracts::ContractTrapped",
        "{plain}"
    );
    assert!(end["outcome"].as_str().unwrap().starts_with("trapped"));
    assert_eq!(
        end["step"].as_u64().unwrap() + 1,
        end["steps"].as_u64().unwrap()
    );
    // Back to the start, and every move answers with a stack.
    for how in ["restart", "in", "over", "out", "back", "reverseContinue"] {
        let state = node
            .call("europa_debugStep", json!([session, how]))
            .unwrap();
        assert!(
            !state["stack"].as_array().unwrap().is_empty(),
            "{how}: {state}"
        );
    }

    // A million breakpoints: at most 10 000 are kept, at once.
    let lines: Vec<u32> = (1..=1_000_000).collect();
    let started = std::time::Instant::now();
    let set = node
        .call(
            "europa_debugSetBreakpoints",
            json!([session, "/x/panic_deep/lib.rs", lines]),
        )
        .unwrap();
    assert_eq!(set.as_array().unwrap().len(), 10_000);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));

    // Nine sessions: the first, idle longest, is gone; the newest answers.
    let mut newest = Value::Null;
    for _ in 0..8 {
        newest = launch(&node, &contract, &input).unwrap()["session"].clone();
    }
    let gone = node
        .call("europa_debugState", json!([session]))
        .unwrap_err();
    assert!(
        gone["message"]
            .as_str()
            .unwrap()
            .contains("no debugging session"),
        "{gone}"
    );
    assert!(node.call("europa_debugState", json!([newest])).is_ok());
    assert_eq!(
        node.call("europa_debugClose", json!([newest])).unwrap(),
        true
    );
    assert_eq!(
        node.call("europa_debugClose", json!([newest])).unwrap(),
        false
    );

    // A call that reaches no code opens no session.
    let nobody = sp_runtime::AccountId32::new([9; 32]);
    let refused = launch(&node, &nobody, &[]).unwrap_err();
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("no contract code ran"),
        "{refused}"
    );
}

/// The index of the first stack entry in `function`.
fn entry_of(state: &Value, function: &str) -> usize {
    state["stack"]
        .as_array()
        .unwrap()
        .iter()
        .position(|entry| entry["name"].as_str().unwrap().ends_with(function))
        .unwrap_or_else(|| panic!("no {function} on the stack: {state}"))
}

/// The value of variable `name` among `variables`.
fn value_of<'a>(variables: &'a Value, name: &str) -> &'a str {
    variables["variables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no variable {name}: {variables}"))["value"]
        .as_str()
        .unwrap()
}

/// Locals read from DWARF are the values the fixture's source implies at that line:
/// arguments in WASM locals, a struct in pieces (one a constant), a tuple in linear
/// memory; the same after a step forwards and back; and what the debugger shows is of
/// an execution that ends as the plain one does.
#[test]
fn variables_are_the_values_the_source_implies() {
    let node = Node::start_dev(&[]);
    let contract = deploy(
        &node,
        contract_fixture("dwarf", "locals"),
        ink_input("new", ()),
    );
    let input = ink_input("run", 5u32);
    let launched = launch(&node, &contract, &input).expect("a session");
    let session = launched["session"].clone();
    let set = node
        .call(
            "europa_debugSetBreakpoints",
            json!([session, "contracts/locals/lib.rs", [24, 26]]),
        )
        .unwrap();
    assert_eq!(
        (&set[0]["line"], &set[1]["line"]),
        (&json!(24), &json!(26)),
        "{set}"
    );
    let variables_at = |state: &Value| {
        let inspect = entry_of(state, "inspect");
        let variables = node
            .call("europa_debugVariables", json!([session, inspect]))
            .unwrap();
        assert_eq!(variables["function"], "inspect", "{variables}");
        (inspect, variables)
    };

    // On entering `inspect`: its arguments, from WASM locals, a struct in two pieces
    // (`y` a constant), an array in one local's bytes.
    let entered = node
        .call("europa_debugStep", json!([session, "continue"]))
        .unwrap();
    assert_eq!(entered["stop"], "breakpoint", "{entered}");
    let (inspect, arguments) = variables_at(&entered);
    assert_eq!(entered["stack"][inspect]["line"], 24, "{entered}");
    assert_eq!(value_of(&arguments, "count"), "5");
    assert_eq!(value_of(&arguments, "flag"), "true");
    assert_eq!(value_of(&arguments, "bytes"), "[1, 2, 3, 5]");
    assert_eq!(value_of(&arguments, "point"), "{x: 5, y: -7}");

    // Line 26: `kept`, a tuple in linear memory.
    let stop = node
        .call("europa_debugStep", json!([session, "continue"]))
        .unwrap();
    assert_eq!(stop["stop"], "breakpoint", "{stop}");
    let (inspect, variables) = variables_at(&stop);
    assert_eq!(stop["stack"][inspect]["line"], 26, "{stop}");
    assert_eq!(
        value_of(&variables, "kept"),
        "(5, true, [1, 2, 3, 5], {x: 5, y: -7}, 5000)"
    );

    let evaluate = |expression: &str| {
        node.call(
            "europa_debugEvaluate",
            json!([session, expression, inspect]),
        )
    };
    assert_eq!(evaluate("kept.4").unwrap()["value"], "5000");
    assert_eq!(evaluate("kept.3.y").unwrap()["value"], "-7");
    let kept = evaluate("kept").unwrap();
    let address = kept["address"].as_u64().expect("kept is in memory");
    let memory = evaluate(&format!("mem[{address:#x}; 4]")).unwrap();
    assert_eq!(memory["value"], "0x05000000", "kept.0 is 5, little-endian");
    let read = node
        .call("europa_debugReadMemory", json!([session, address, 4]))
        .unwrap();
    assert_eq!(read["data"], "0x05000000");
    let missing = evaluate("nothing").unwrap_err();
    assert!(
        missing["message"].as_str().unwrap().contains("no variable"),
        "{missing}"
    );

    // `run`, the caller, as it made the call: its argument.
    let run = entry_of(&stop, "run");
    let caller = node
        .call("europa_debugVariables", json!([session, run]))
        .unwrap();
    assert_eq!(caller["function"], "run", "{caller}");
    assert_eq!(value_of(&caller, "seed"), "5");

    // Back to the previous line, where `kept` is not yet written, and on again: the
    // same values as before.
    let back = node
        .call("europa_debugStep", json!([session, "back"]))
        .unwrap();
    assert!(back["step"].as_u64() < stop["step"].as_u64(), "{back}");
    let (_, before) = variables_at(&back);
    assert_eq!(value_of(&before, "count"), "5", "{before}");
    assert_ne!(before, variables, "{before}");
    let again = node
        .call("europa_debugStep", json!([session, "continue"]))
        .unwrap();
    assert_eq!(again["step"], stop["step"]);
    assert_eq!(variables_at(&again).1, variables);

    // The execution debugged ends as the plain dry run does: 5014 on a total of 0.
    let end = node
        .call("europa_debugStep", json!([session, {"goto": 1_000_000}]))
        .unwrap();
    assert_eq!(end["outcome"], "returned", "{end}");
    let plain = node
        .call("europa_traceCall", json!([call_request(&contract, &input)]))
        .unwrap();
    assert!(plain["result"]["ok"].is_object(), "{plain}");
    // The session's decisive total is the plain run's outermost frame's (the chain's
    // figure, wasmi here), whatever the lens's steps count.
    assert_eq!(launched["executor"], "wasmi");
    assert_eq!(launched["stepsExecutor"], "wasmtime");
    let frame = &plain["trace"]["root"]["gasConsumed"]["refTime"];
    assert_eq!(&launched["refTime"], frame, "{launched} {plain}");
}
