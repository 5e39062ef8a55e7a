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
