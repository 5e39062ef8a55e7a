//! State cheats over RPC: each lands in a sealed block through `Sudo.sudo`; what the chain
//! refuses comes back as an error saying so.

use serde_json::{json, Value};
use sp_keyring::Sr25519Keyring;

use super::{blake2_256, chain_control::free_balance, head_number, hostile::deploy_hostile};
use crate::node::{hex, Node};

fn refusal(node: &Node, method: &str, params: Value) -> String {
    let error = node.call(method, params.clone()).expect_err("refused");
    format!("{} {} {}", error["code"], error["message"], error["data"])
}

#[test]
fn balances_storage_and_contract_code_change_in_sealed_blocks() {
    for sealing in ["instant", "manual"] {
        let node = Node::start_dev(&["--sealing", sealing]);
        let bob = Sr25519Keyring::Bob.to_account_id().to_string();
        let before = head_number(&node);
        let block = node
            .call("europa_setBalance", json!([bob, "123456789012345"]))
            .expect("set");
        assert_eq!(head_number(&node), before + 1, "{sealing}: its own block");
        let header = node
            .call("chain_getHeader", json!([block]))
            .expect("its block");
        assert_eq!(
            header["number"],
            json!(format!("{:#x}", before + 1)),
            "{sealing}"
        );
        assert_eq!(
            free_balance(&node, Sr25519Keyring::Bob),
            123_456_789_012_345
        );

        let key = hex(b":europa:test");
        node.call("europa_setStorage", json!([[[key, "0x0102"]]]))
            .expect("set");
        assert_eq!(
            node.call("state_getStorage", json!([key])),
            Ok(json!("0x0102"))
        );
        node.call("europa_setStorage", json!([[[key, null]]]))
            .expect("removed");
        assert_eq!(node.call("state_getStorage", json!([key])), Ok(Value::Null));

        let bad = refusal(&node, "europa_setBalance", json!(["nobody", 1]));
        assert!(bad.contains("-32602") && bad.contains("SS58"), "{bad}");
        let bad = refusal(&node, "europa_setStorage", json!([[]]));
        assert!(bad.contains("at least one"), "{bad}");
        // Keys and values of the wrong shape.
        for items in [
            json!([["nothex", "0x01"]]),
            json!([["0x01"]]),
            json!([[["0x01", 5]]]),
        ] {
            let bad = refusal(&node, "europa_setStorage", items.clone());
            assert!(bad.contains("-32602"), "{items}: {bad}");
        }
    }
}

#[test]
fn a_contract_runs_other_code_without_redeploying() {
    let node = Node::start_dev(&[]);
    let alice = Sr25519Keyring::Alice.to_account_id().to_string();
    let contract = deploy_hostile(&node);
    let now = wat::parse_str(super::NOW_WAT).unwrap();
    super::seal(
        &node,
        europa_runtime::RuntimeCall::Contracts(pallet_europa_contracts::Call::upload_code {
            code: now.clone(),
            storage_deposit_limit: None,
            determinism: pallet_europa_contracts::Determinism::Enforced,
        }),
    );
    let now_hash = hex(&blake2_256(&now));
    node.call(
        "europa_setContractCode",
        json!([contract.to_string(), now_hash]),
    )
    .expect("set");
    let called = node
        .call(
            "europa_traceCall",
            json!([{ "origin": alice, "dest": contract.to_string() }]),
        )
        .expect("dry run");
    let returned = called["result"]["ok"]["data"].as_str().unwrap_or_default();
    assert_eq!(
        returned.len(),
        2 + 16,
        "the new code returns the time: {called}"
    );

    // What the chain refuses: an account that is no contract, code that is not stored.
    let refused = refusal(&node, "europa_setContractCode", json!([alice, now_hash]));
    assert!(refused.contains("ContractNotFound"), "{refused}");
    let unknown = hex(&[7; 32]);
    let refused = refusal(
        &node,
        "europa_setContractCode",
        json!([contract.to_string(), unknown]),
    );
    assert!(refused.contains("CodeNotFound"), "{refused}");
}
