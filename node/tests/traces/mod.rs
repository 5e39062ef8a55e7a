//! `europa_traceExtrinsic` (and the `contractsExt_*` aliases) against blocks the node
//! sealed: each extrinsic, re-executed, reproduces its block's own events and outcome.

use codec::Encode;
use serde_json::{json, Value};
use sp_keyring::Sr25519Keyring;

use europa_rpc_api::{
    params::{Account, BlockRef, Hash},
    trace::{ExtrinsicOutcome, StateOperation, TraceApiClient},
    trace_format::EntryPoint,
};

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

    let api = node.api();
    let mut entries = Vec::new();
    for number in 1..=head_number(&node) as u32 {
        let hash = node
            .call("chain_getBlockHash", json!([number]))
            .expect("hash");
        let hash: Hash = serde_json::from_value(hash).expect("a hash");
        let body = node.call("chain_getBlock", json!([hash])).expect("block");
        let count = body["block"]["extrinsics"].as_array().map_or(0, Vec::len);
        let events = block_events(&node, number.into());
        for index in 0..count as u32 {
            let traced = api
                .run(|c| c.trace_extrinsic(BlockRef::Hash(hash), index))
                .expect("europa_traceExtrinsic");
            let phase = frame_system::Phase::ApplyExtrinsic(index);
            let own: Vec<_> = events
                .iter()
                .filter(|record| record.phase == phase)
                .collect();
            let expected: Vec<Vec<u8>> = own.iter().map(|record| record.encode()).collect();
            let reproduced: Vec<Vec<u8>> = traced
                .events
                .iter()
                .map(|event| event.encoded.0.clone())
                .collect();
            assert_eq!(reproduced, expected, "#{number}.{index}: {traced:?}");
            let failed = own.iter().any(|record| {
                matches!(
                    record.event,
                    europa_runtime::RuntimeEvent::System(
                        frame_system::Event::ExtrinsicFailed { .. }
                    )
                )
            });
            assert_eq!(
                matches!(traced.outcome, ExtrinsicOutcome::Err(_)),
                failed,
                "#{number}.{index}: {traced:?}"
            );
            assert_eq!((traced.block_number, traced.block_hash), (number, hash));

            // By number, and under the original Europa's name: the same answer, which
            // is the typed one written back.
            let by_number = api
                .run(|c| c.trace_extrinsic(BlockRef::Number(number), index))
                .expect("by number");
            assert_eq!(by_number, traced);
            assert_eq!(
                node.call("contractsExt_tracing", json!([number, index])),
                Ok(serde_json::to_value(&traced).expect("JSON"))
            );
            let entry = traced.trace.as_ref().and_then(|trace| trace.root.as_ref());
            entries.push((entry.map(|root| root.entry), traced.outcome.clone()));
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
            &(Some(EntryPoint::Deploy), ExtrinsicOutcome::Ok(())),
            &(
                Some(EntryPoint::Call),
                ExtrinsicOutcome::Err("Contracts::ContractTrapped".into())
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
    let flipped_in = BlockRef::Hash(serde_json::from_value(flipped.clone()).expect("a hash"));
    let operations = node
        .api()
        .run(|c| c.extrinsic_state_changes(flipped_in, 1))
        .expect("operations");
    let flipper_account = Some(Account(flipper.clone()));
    let flip_write = operations
        .iter()
        .find_map(|op| match op {
            StateOperation::ChildPut {
                contract, value, ..
            } if *contract == flipper_account => Some(value),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the flip's write: {operations:?}"));
    assert_eq!(
        flip_write.as_ref().map(|value| value.0.clone()),
        Some(vec![1])
    );
    let events_key = frame_support::storage::storage_prefix(b"System", b"Events");
    assert!(
        operations
            .iter()
            .any(|op| matches!(op, StateOperation::Append { key, .. } if key.0 == events_key)),
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
    let block = BlockRef::Hash(serde_json::from_value(block).expect("a hash"));
    let api = node.api();
    let traced = api.run(|c| c.trace_extrinsic(block, 1)).expect("traced");
    assert_eq!(
        traced.outcome,
        ExtrinsicOutcome::Err("Contracts::ContractTrapped".into())
    );
    let operations = api
        .run(|c| c.extrinsic_state_changes(block, 1))
        .expect("operations");
    assert!(
        !operations
            .iter()
            .any(|op| matches!(op, StateOperation::ChildPut { .. })),
        "the trapped frame's write is gone: {operations:?}"
    );
    // The fee and the events remain.
    assert!(
        operations
            .iter()
            .any(|op| matches!(op, StateOperation::Put { .. })),
        "{operations:?}"
    );
}
