//! `europa_traceExtrinsic` (and the `contractsExt_*` aliases) against blocks the node
//! sealed: each extrinsic, re-executed, reproduces its block's own events and outcome.

use codec::Encode;
use serde_json::{json, Value};
use sp_keyring::Sr25519Keyring;

use super::{
    block_events, call_in_block, deploy, head_number, hostile::deploy_hostile, next_index,
    submit_alice_transfer, wait_for_block,
};
use crate::node::{hex, Node};

/// `hostile.wat`'s mode that traps at once (WASM recursion).
const TRAP: u8 = 6;

#[test]
fn extrinsic_traces_reproduce_their_blocks_events_and_outcomes() {
    let node = Node::start_dev(&[]);
    let contract = deploy_hostile(&node);
    call_in_block(&node, &contract, vec![TRAP]);
    let block = head_number(&node);
    submit_alice_transfer(&node, next_index(&node, Sr25519Keyring::Alice) as u32);
    wait_for_block(&node, block + 1);

    let mut entries = Vec::new();
    for number in 1..=head_number(&node) {
        let hash = node
            .call("chain_getBlockHash", json!([number]))
            .expect("hash");
        let body = node.call("chain_getBlock", json!([hash])).expect("block");
        let count = body["block"]["extrinsics"].as_array().map_or(0, Vec::len);
        let events = block_events(&node, number);
        for index in 0..count {
            let traced = node
                .call("europa_traceExtrinsic", json!([hash, index]))
                .expect("europa_traceExtrinsic");
            let phase = frame_system::Phase::ApplyExtrinsic(index as u32);
            let own: Vec<_> = events
                .iter()
                .filter(|record| record.phase == phase)
                .collect();
            let expected: Vec<Value> = own
                .iter()
                .map(|record| json!(hex(&record.encode())))
                .collect();
            let reproduced: Vec<Value> = traced["events"]
                .as_array()
                .expect("events")
                .iter()
                .map(|event| event["encoded"].clone())
                .collect();
            assert_eq!(reproduced, expected, "#{number}.{index}: {traced}");
            let failed = own.iter().any(|record| {
                matches!(
                    record.event,
                    europa_runtime::RuntimeEvent::System(
                        frame_system::Event::ExtrinsicFailed { .. }
                    )
                )
            });
            assert_eq!(
                traced["outcome"]["err"].is_string(),
                failed,
                "#{number}.{index}: {traced}"
            );
            assert_eq!(
                (traced["blockNumber"].clone(), traced["blockHash"].clone()),
                (json!(number), hash.clone())
            );

            // By number, and under the original Europa's name: the same answer.
            assert_eq!(
                node.call("europa_traceExtrinsic", json!([number, index])),
                Ok(traced.clone())
            );
            assert_eq!(
                node.call("contractsExt_tracing", json!([number, index])),
                Ok(traced.clone())
            );
            entries.push((
                traced["trace"]["root"]["entry"].as_str().map(str::to_owned),
                traced["outcome"].clone(),
            ));
        }
    }
    // The timestamp inherents and the transfer ran no contract; the deployment and the
    // trapping call did, with the block's outcome.
    let contract_entries: Vec<_> = entries
        .iter()
        .filter(|(entry, _)| entry.is_some())
        .collect();
    assert_eq!(
        contract_entries,
        [
            &(Some("deploy".to_owned()), json!({ "ok": null })),
            &(
                Some("call".to_owned()),
                json!({ "err": "Contracts::ContractTrapped" })
            ),
        ],
        "{entries:?}"
    );
    assert!(entries.iter().filter(|(entry, _)| entry.is_none()).count() >= 4);

    // The original Europa's dry-run names answer as europa_trace* do.
    let alice = Sr25519Keyring::Alice.to_account_id().to_string();
    let request =
        json!([{ "origin": alice, "dest": contract.to_string(), "inputData": hex(&[TRAP]) }]);
    let traced = node
        .call("europa_traceCall", request.clone())
        .expect("europa_traceCall");
    assert_eq!(traced["result"]["err"], "Contracts::ContractTrapped");
    assert_eq!(node.call("contractsExt_call", request), Ok(traced));
    let instantiate = json!([{ "origin": alice, "code": "0x00" }]);
    assert_eq!(
        node.call("contractsExt_instantiate", instantiate.clone()),
        node.call("europa_traceInstantiate", instantiate)
    );
}

#[test]
fn unknown_blocks_and_extrinsics_are_refused_saying_which() {
    let node = Node::start_dev(&[]);
    let block = head_number(&node);
    submit_alice_transfer(&node, next_index(&node, Sr25519Keyring::Alice) as u32);
    wait_for_block(&node, block + 1);
    let head = head_number(&node);
    let unknown_hash = format!("{:?}", sp_core::H256::repeat_byte(0x42));
    let refusals = [
        (json!([unknown_hash, 0]), "is not on this chain"),
        (json!([head + 10, 0]), "is not on this chain"),
        (json!([head, 99]), "there is no extrinsic 99"),
        (json!([0, 0]), "has 0 extrinsics"),
        (json!(["0x12", 0]), "block #18 is not on this chain"),
        (json!(["0xnothex", 0]), "not a block"),
        (json!([head, -1]), "Invalid params"),
        (json!([head]), "Invalid params"),
        (json!([{ "block": head }, 0]), "not a block"),
    ];
    for (params, says) in refusals {
        let error = node
            .call("europa_traceExtrinsic", params.clone())
            .expect_err("refused");
        assert_eq!(error["code"], -32602, "{params}: {error}");
        let text = format!("{} {}", error["message"], error["data"]);
        assert!(text.contains(says), "{params}: {error}");
    }
    let error = node
        .call("europa_traceBlock", json!([unknown_hash]))
        .expect_err("refused");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or("")
            .contains("is not on this chain"),
        "{error}"
    );
    // And the node goes on serving.
    assert!(node.call("europa_traceExtrinsic", json!([head, 0])).is_ok());
}

#[test]
fn a_blocks_changed_keys_are_what_the_chain_holds_after_it() {
    use super::{contract_fixture, ink_input};
    let node = Node::start_dev(&[]);
    let flipper = deploy(
        &node,
        contract_fixture("mvp", "flipper"),
        ink_input("new", false),
    );
    let deployed = node
        .call("chain_getBlockHash", json!([head_number(&node)]))
        .expect("hash");
    let flipped = call_in_block(&node, &flipper, ink_input("flip", ()));

    for block in [&deployed, &flipped] {
        let changed = node
            .call("europa_modifiedStateKvs", json!([block]))
            .expect("changes");
        let changed = changed.as_array().expect("a list");
        assert!(changed.len() > 3, "{changed:?}");
        for entry in changed {
            let held = node
                .call("state_getStorage", json!([entry["key"], block]))
                .expect("storage");
            assert_eq!(held, entry["value"], "{entry}");
        }
    }
    // The contract's own storage: its one value, false when deployed, true after the flip.
    let storage = |block: &Value| {
        node.call(
            "europa_modifiedStateKvs",
            json!([block, flipper.to_string()]),
        )
        .expect("changes")
    };
    let values = |changes: Value| -> Vec<Value> {
        changes
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["value"].clone())
            .collect()
    };
    assert_eq!(values(storage(&deployed)), [json!("0x00")]);
    assert_eq!(values(storage(&flipped)), [json!("0x01")]);

    // The flip's storage operations, in order: the contract's value written, events
    // appended, fees moved.
    let operations = node
        .call("europa_extrinsicStateChanges", json!([flipped, 1]))
        .expect("operations");
    let operations = operations.as_array().expect("a list");
    let flip_write = operations
        .iter()
        .find(|op| op["op"] == "childPut" && op["contract"] == json!(flipper.to_string()))
        .unwrap_or_else(|| panic!("the flip's write: {operations:?}"));
    assert_eq!(flip_write["value"], "0x01");
    let events_key = hex(&frame_support::storage::storage_prefix(
        b"System", b"Events",
    ));
    assert!(
        operations
            .iter()
            .any(|op| op["op"] == "append" && op["key"] == json!(events_key)),
        "{operations:?}"
    );
    let error = node
        .call("europa_extrinsicStateChanges", json!([flipped, 99]))
        .expect_err("no such extrinsic");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or("")
            .contains("there is no extrinsic 99"),
        "{error}"
    );

    // A cheat writes the contract's storage back to false, by the key the changes show.
    let key = storage(&flipped)[0]["key"].clone();
    let cheated = node
        .call(
            "europa_setStorage",
            json!([[[key, "0x00"]], flipper.to_string()]),
        )
        .expect("set");
    assert_eq!(values(storage(&cheated)), [json!("0x00")]);
    let got = super::dry_run(&node, &flipper, ink_input("get", ()));
    assert_eq!(
        got.result.map(|r| r.data),
        Ok(vec![0, 0]),
        "Ok(false) again"
    );

    let alice = Sr25519Keyring::Alice.to_account_id().to_string();
    let error = node
        .call("europa_setStorage", json!([[["0x00", "0x00"]], alice]))
        .expect_err("not a contract");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or("")
            .contains("Cheats::NotAContract"),
        "{error}"
    );
    let error = node
        .call("europa_modifiedStateKvs", json!([flipped, alice]))
        .expect_err("not a contract");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or("")
            .contains("is not a contract"),
        "{error}"
    );
    let error = node
        .call("europa_modifiedStateKvs", json!([0]))
        .expect_err("genesis");
    assert!(
        error["message"].as_str().unwrap_or("").contains("genesis"),
        "{error}"
    );
}

/// Writes its storage, then traps: the write is rolled back with the frame.
const WRITE_THEN_TRAP: &str = r#"(module
    (import "seal0" "seal_set_storage" (func $set (param i32 i32 i32)))
    (import "env" "memory" (memory 1 1))
    (func (export "deploy"))
    (func (export "call")
        (call $set (i32.const 0) (i32.const 0) (i32.const 4))
        unreachable))"#;

#[test]
fn operations_a_failed_extrinsic_rolled_back_are_left_out() {
    let node = Node::start_dev(&[]);
    let contract = deploy(&node, wat::parse_str(WRITE_THEN_TRAP).unwrap(), vec![]);
    let block = call_in_block(&node, &contract, vec![]);
    let traced = node
        .call("europa_traceExtrinsic", json!([block, 1]))
        .expect("traced");
    assert_eq!(
        traced["outcome"]["err"], "Contracts::ContractTrapped",
        "{traced}"
    );
    let operations = node
        .call("europa_extrinsicStateChanges", json!([block, 1]))
        .expect("operations");
    let operations = operations.as_array().expect("a list");
    assert!(
        !operations.iter().any(|op| op["op"] == "childPut"),
        "the trapped frame's write is gone: {operations:?}"
    );
    // The fee and the events remain.
    assert!(
        operations.iter().any(|op| op["op"] == "put"),
        "{operations:?}"
    );
}
