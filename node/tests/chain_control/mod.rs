//! Moving the chain and its clock over RPC: forward and back by height, snapshots (kept
//! across a restart), time travel that contracts see; bad requests refused saying why.

use serde_json::{json, Value};
use sp_keyring::Sr25519Keyring;

use super::{head_number, next_index, submit_alice_transfer, tempdir, wait_for_block};
use crate::node::{hex, unhex, Node};

fn refusal(node: &Node, method: &str, params: Value) -> String {
    let error = node.call(method, params.clone()).expect_err("refused");
    assert_eq!(error["code"], -32602, "{method} {params}: {error}");
    error["message"].as_str().unwrap_or_default().to_owned()
}

/// `who`'s free balance at the head.
pub(crate) fn free_balance(node: &Node, who: Sr25519Keyring) -> u128 {
    let info = node
        .call(
            "system_accountNextIndex",
            json!([who.to_account_id().to_string()]),
        )
        .expect("account");
    let _ = info;
    use frame_support::StorageHasher;
    let key = [
        frame_support::storage::storage_prefix(b"System", b"Account").to_vec(),
        frame_support::Blake2_128Concat::hash(who.to_account_id().as_ref()),
    ]
    .concat();
    let stored = node
        .call("state_getStorage", json!([hex(&key)]))
        .expect("System.Account");
    let account: frame_system::AccountInfo<u32, pallet_balances::AccountData<u128>> =
        codec::Decode::decode(&mut &unhex(stored.as_str().expect("funded"))[..]).expect("decodes");
    account.data.free
}

#[test]
fn the_chain_moves_forward_and_back_and_keeps_sealing() {
    let node = Node::start_dev(&[]);
    assert_eq!(
        node.call("europa_forwardToHeight", json!([5])),
        Ok(json!(5))
    );
    assert_eq!(head_number(&node), 5);
    assert!(refusal(&node, "europa_forwardToHeight", json!([3])).contains("at #5 already"));
    assert!(refusal(&node, "europa_forwardToHeight", json!([1_000_000])).contains("at most"));

    assert_eq!(
        node.call("europa_backwardToHeight", json!([2])),
        Ok(json!(2))
    );
    assert_eq!(head_number(&node), 2);
    assert_eq!(node.call("chain_getBlockHash", json!([3])), Ok(Value::Null));
    assert!(
        refusal(&node, "europa_backwardToHeight", json!([2])).contains("needs a height below it")
    );
    assert!(refusal(&node, "europa_backwardToHeight", json!([-1])).contains("Invalid params"));

    // Sealing goes on from the new head.
    submit_alice_transfer(&node, next_index(&node, Sr25519Keyring::Alice) as u32);
    wait_for_block(&node, 3);
    assert_eq!(head_number(&node), 3);
}

#[test]
fn snapshots_revert_state_and_survive_a_restart() {
    let dir = tempdir();
    let base = dir.to_str().unwrap().to_owned();
    let args = super::on_disk(&base);
    let (snapshot, bob_before) = {
        let node = Node::start(&args);
        let bob_before = free_balance(&node, Sr25519Keyring::Bob);
        let snapshot = node.call("europa_snapshot", json!([])).expect("a snapshot");
        submit_alice_transfer(&node, 0);
        wait_for_block(&node, 1);
        assert_ne!(free_balance(&node, Sr25519Keyring::Bob), bob_before);
        node.stop_gracefully();
        (snapshot, bob_before)
    };
    let node = Node::start(&args);
    assert_eq!(head_number(&node), 1);
    assert_eq!(
        node.call("europa_revert", json!([snapshot])),
        Ok(json!(true))
    );
    assert_eq!(head_number(&node), 0);
    assert_eq!(free_balance(&node, Sr25519Keyring::Bob), bob_before);
    // The discarded block's transaction can be made again, and the pool, told of the
    // revert, lets go of it once it is sealed.
    submit_alice_transfer(&node, 0);
    wait_for_block(&node, 1);
    assert_ne!(free_balance(&node, Sr25519Keyring::Bob), bob_before);
    node.wait_for(
        || node.call("author_pendingExtrinsics", json!([])) == Ok(json!([])),
        "the pool to prune the sealed transaction",
    );
    assert_eq!(
        node.call("europa_backwardToHeight", json!([0])),
        Ok(json!(0))
    );
    // Used up, and unknown ids are refused saying so.
    assert!(refusal(&node, "europa_revert", json!([snapshot])).contains("there is no snapshot"));
    assert!(refusal(&node, "europa_revert", json!([99])).contains("there is no snapshot 99"));
    // A snapshot of a block that was reverted away cannot be used.
    assert_eq!(
        node.call("europa_forwardToHeight", json!([2])),
        Ok(json!(2))
    );
    let later = node.call("europa_snapshot", json!([])).expect("a snapshot");
    assert_eq!(
        node.call("europa_backwardToHeight", json!([1])),
        Ok(json!(1))
    );
    assert_eq!(
        node.call("europa_forwardToHeight", json!([2])),
        Ok(json!(2))
    );
    assert!(refusal(&node, "europa_revert", json!([later])).contains("no longer on the chain"));
    drop(node);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn time_travel_moves_block_timestamps_and_contracts_see_it() {
    let node = Node::start_dev(&[]);
    let alice = Sr25519Keyring::Alice.to_account_id().to_string();
    let code = wat::parse_str(super::NOW_WAT).unwrap();
    let timestamp = |node: &Node| -> u64 {
        let key = frame_support::storage::storage_prefix(b"Timestamp", b"Now");
        let stored = node
            .call("state_getStorage", json!([hex(&key)]))
            .expect("Timestamp.Now");
        codec::Decode::decode(&mut &unhex(stored.as_str().expect("set"))[..]).expect("u64")
    };
    assert_eq!(
        node.call("europa_forwardToHeight", json!([1])),
        Ok(json!(1))
    );
    let start = timestamp(&node);

    let day = 86_400_000u64;
    assert_eq!(
        node.call("europa_setNextBlockTimestamp", json!([start + day])),
        Ok(Value::Null)
    );
    assert_eq!(
        node.call("europa_forwardToHeight", json!([2])),
        Ok(json!(2))
    );
    assert_eq!(timestamp(&node), start + day);

    let offset = node
        .call("europa_increaseTime", json!([3_600_000]))
        .expect("moved");
    assert!(offset.as_i64() >= Some(3_600_000), "{offset}");
    assert_eq!(
        node.call("europa_forwardToHeight", json!([3])),
        Ok(json!(3))
    );
    let later = timestamp(&node);
    assert!(
        later >= start + day + 3_600_000,
        "{later} vs {}",
        start + day
    );

    assert!(
        refusal(&node, "europa_setNextBlockTimestamp", json!([start]))
            .contains("before the head's timestamp")
    );

    // A contract reads the new time: deployed and called at the head.
    let contract = super::deploy(&node, code, vec![]);
    let head_time = timestamp(&node);
    let called = node
        .call(
            "europa_traceCall",
            json!([{ "origin": alice, "dest": contract.to_string() }]),
        )
        .expect("dry run");
    assert_eq!(
        called["result"]["ok"]["data"],
        hex(&head_time.to_le_bytes()),
        "{called}"
    );
    assert!(head_time >= later);
}

#[test]
fn a_stopped_chain_is_reverted_from_the_command_line() {
    let dir = tempdir();
    let base = dir.to_str().unwrap().to_owned();
    let args = super::on_disk(&base);
    {
        let node = Node::start(&args);
        assert_eq!(
            node.call("europa_forwardToHeight", json!([5])),
            Ok(json!(5))
        );
        node.stop_gracefully();
    }
    let (ok, stdout, stderr) = super::europa(&["revert", "2", "--dev", "-d", &base], &[]);
    assert!(
        ok && stdout.contains("Reverted to #2"),
        "{stdout}\n{stderr}"
    );
    let (ok, _, stderr) = super::europa(&["revert", "9", "--dev", "-d", &base], &[]);
    assert!(!ok && stderr.contains("the chain is at #2"), "{stderr}");
    let node = Node::start(&args);
    assert_eq!(head_number(&node), 2);
    assert_eq!(
        node.call("europa_forwardToHeight", json!([3])),
        Ok(json!(3))
    );
    drop(node);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_exported_state_starts_a_new_chain_with_its_contracts() {
    use super::{contract_fixture, deploy, dry_run, ink_input};
    let dir = tempdir();
    let base = dir.to_str().unwrap().to_owned();
    let args = super::on_disk(&base);
    fn flip(node: &Node, flipper: &sp_runtime::AccountId32) {
        super::call_in_block(node, flipper, ink_input("flip", ()));
    }
    let flipper = {
        let node = Node::start(&args);
        let flipper = deploy(
            &node,
            contract_fixture("mvp", "flipper"),
            ink_input("new", false),
        );
        flip(&node, &flipper);
        assert_eq!(
            dry_run(&node, &flipper, ink_input("get", ()))
                .result
                .map(|r| r.data),
            Ok(vec![0, 1])
        );
        node.stop_gracefully();
        flipper
    };
    // What block 2 (the flip) changed, read from the stopped chain as the RPC answers it.
    let flipper_address = flipper.to_string();
    let state_kv = |extra: &[&str]| {
        let (ok, stdout, stderr) = super::europa(
            &[&["state-kv", "--dev", "-d", &base][..], extra].concat(),
            &[],
        );
        assert!(ok, "{stderr}");
        serde_json::from_str::<Value>(&stdout).expect("JSON")
    };
    let contract_changes = state_kv(&["2", "--contract", &flipper_address]);
    assert_eq!(
        contract_changes.as_array().map(Vec::len),
        Some(1),
        "{contract_changes}"
    );
    assert_eq!(contract_changes[0]["value"], "0x01");
    assert_eq!(
        state_kv(&["0x2", "--contract", &flipper_address]),
        contract_changes,
        "0x2 is block 2 here as over RPC"
    );
    assert!(state_kv(&["2"]).as_array().is_some_and(|top| top.len() > 3));
    let (ok, _, stderr) = super::europa(&["state-kv", "9", "--dev", "-d", &base], &[]);
    assert!(!ok && stderr.contains("there is no block #9"), "{stderr}");

    // The state after the flip, and at block 1 (before it).
    let export = |at: &[&str]| {
        let (ok, spec, stderr) = super::europa(
            &[&["export-state", "--dev", "-d", &base][..], at].concat(),
            &[],
        );
        assert!(ok, "{stderr}");
        let path = dir.join(format!("state{}.json", at.len()));
        std::fs::write(&path, spec).unwrap();
        path.to_str().unwrap().to_owned()
    };
    for (at, flipped) in [(&[][..], vec![0, 1]), (&["--at", "1"][..], vec![0, 0])] {
        let spec = export(at);
        let node = Node::start(&[
            "--chain",
            &spec,
            "--tmp",
            "--port=0",
            "--rpc-port=0",
            "--no-prometheus",
        ]);
        assert_eq!(head_number(&node), 0, "a new chain");
        let got = dry_run(&node, &flipper, ink_input("get", ()));
        assert_eq!(got.result.map(|r| r.data), Ok(flipped.clone()), "{at:?}");
        // It runs on: the contract is callable in blocks of the new chain.
        flip(&node, &flipper);
        let got = dry_run(&node, &flipper, ink_input("get", ()));
        assert_ne!(got.result.map(|r| r.data), Ok(flipped), "{at:?}");
    }
    let (ok, _, stderr) = super::europa(&["export-state", "--dev", "-d", &base, "--at", "99"], &[]);
    assert!(!ok && stderr.contains("there is no block #99"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn damaged_files_kept_with_the_chain_are_set_aside_and_never_stop_it() {
    let dir = tempdir();
    let base = dir.to_str().unwrap().to_owned();
    let args = super::on_disk(&base);
    {
        let node = Node::start(&args);
        node.call("europa_snapshot", json!([])).expect("a snapshot");
        node.stop_gracefully();
    }
    let chain_dir = dir.join("chains/europa_dev");
    let mut damaged = Vec::new();
    for name in ["europa-snapshots.json", "europa-settings.json"] {
        let path = chain_dir.join(name);
        assert!(path.exists(), "{} is kept", path.display());
        std::fs::write(&path, b"{\"cut short").unwrap();
        damaged.push(path);
    }
    let node = Node::start(&args);
    // The settings are recorded anew.
    let settings = std::fs::read(&damaged[1]).unwrap();
    assert!(serde_json::from_slice::<Value>(&settings).is_ok());
    // Snapshots work again (the damaged list is set aside when first read).
    let snapshot = node.call("europa_snapshot", json!([])).expect("a snapshot");
    submit_alice_transfer(&node, 0);
    wait_for_block(&node, 1);
    assert_eq!(
        node.call("europa_revert", json!([snapshot])),
        Ok(json!(true))
    );
    for path in damaged {
        let mut aside = path.into_os_string();
        aside.push(".damaged");
        assert_eq!(std::fs::read(&aside).unwrap(), b"{\"cut short");
    }
    drop(node);
    let _ = std::fs::remove_dir_all(dir);
}
