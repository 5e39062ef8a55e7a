//! End-to-end tests: the real `europa` binary, started as a process, spoken to over
//! JSON-RPC (HTTP) the way clients do; and nodes spawned in this process with
//! `europa_node::spawn` where the library is what a test is about (`typed_client`).
//! The other tests' nodes stay processes, whose logs a failure shows: running them
//! in-process did not make the suite measurably faster (the tests' own work dominates,
//! not starting nodes).

mod chain_control;
mod cheats;
mod coverage;
mod debug;
mod explorer;
mod hostile;
mod insight;
mod line_record;
mod node;
mod rpc_server;
mod traces;
mod typed_client;

use codec::Encode;
use europa_runtime::{configs::UNIT, dev_tx, RuntimeCall};
use node::{hex, unhex, Node};
use serde_json::{json, Value};
use sp_keyring::Sr25519Keyring;

fn genesis_hash(node: &Node) -> sp_core::H256 {
    let hash = node
        .call("chain_getBlockHash", json!([0]))
        .expect("genesis hash");
    sp_core::H256::from_slice(&unhex(hash.as_str().unwrap()))
}

/// A transfer of `value` to Bob from `sender`, signed with `key`'s key (a forgery when
/// the two differ), hex-encoded for `author_submitExtrinsic`.
fn transfer_xt(
    node: &Node,
    sender: Sr25519Keyring,
    key: Sr25519Keyring,
    nonce: u32,
    value: u128,
) -> String {
    let call = RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
        dest: Sr25519Keyring::Bob.to_account_id().into(),
        value,
    });
    hex(&dev_tx::signed_by(call, sender, key, nonce, genesis_hash(node)).encode())
}

/// Alice sends Bob one unit; the node must accept the transaction.
fn submit_alice_transfer(node: &Node, nonce: u32) {
    let xt = transfer_xt(
        node,
        Sr25519Keyring::Alice,
        Sr25519Keyring::Alice,
        nonce,
        UNIT,
    );
    node.call("author_submitExtrinsic", json!([xt]))
        .expect("the node accepts the transaction");
}

/// Waits until the best block is at least `number`.
fn wait_for_block(node: &Node, number: u64) {
    node.wait_for(|| head_number(node) >= number, &format!("block {number}"));
}

fn next_index(node: &Node, who: Sr25519Keyring) -> u64 {
    let ss58 = who.to_account_id().to_string();
    node.call("system_accountNextIndex", json!([ss58]))
        .expect("nonce")
        .as_u64()
        .expect("number")
}

fn head_number(node: &Node) -> u64 {
    let header = node.call("chain_getHeader", json!([])).expect("header");
    u64::from_str_radix(
        header["number"].as_str().unwrap().trim_start_matches("0x"),
        16,
    )
    .unwrap()
}

#[test]
fn the_first_screen_says_where_to_connect_and_which_accounts_to_use() {
    let node = Node::start_dev(&[]);
    let banner = node.wait_for_log("Europa is ready");
    let before: Vec<&String> = node.startup_log.iter().chain(&banner).collect();
    let shown = node.wait_for_log("and their stash accounts");
    let screen = shown.join("\n");
    assert!(
        screen.contains(&format!("ws://{}", node.rpc().address())),
        "{screen}"
    );
    assert!(
        screen.contains("Alice    5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY  //Alice"),
        "{screen}"
    );
    assert!(screen.contains("removed when the node stops"), "{screen}");
    // None of the networking a private dev chain has no use for.
    for noise in [
        "protocol ID",
        "Gap sync",
        "Local node identity",
        "litep2p",
        "Creating transaction pool",
    ] {
        assert!(
            !before.iter().any(|line| line.contains(noise)),
            "{noise}: {before:#?}"
        );
    }
}

#[test]
fn serves_the_dev_chain_over_rpc() {
    let node = Node::start_dev(&[]);
    assert_eq!(
        node.call("system_chain", json!([])).unwrap(),
        "Europa Development"
    );
    let properties = node.call("system_properties", json!([])).unwrap();
    assert_eq!(properties["tokenSymbol"], "UNIT");
    assert_eq!(properties["tokenDecimals"], 12);
    assert_eq!(properties["ss58Format"], 42);
    let version = node.call("state_getRuntimeVersion", json!([])).unwrap();
    assert_eq!(version["specName"], "europa");
    let methods = node.call("rpc_methods", json!([])).unwrap();
    let methods: Vec<&str> = methods["methods"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for method in [
        "system_accountNextIndex",
        "system_dryRun",
        "payment_queryInfo",
        "payment_queryFeeDetails",
        "engine_createBlock",
        "engine_finalizeBlock",
        "state_call",
        "childstate_getStorage",
        "author_submitExtrinsic",
        "author_submitAndWatchExtrinsic",
        "chain_getBlock",
        "chainHead_v1_follow",
        "chainSpec_v1_genesisHash",
        "transactionWatch_v1_submitAndWatch",
        "offchain_localStorageGet",
        "europa_traceCall",
        "rpc_methods",
    ] {
        assert!(methods.contains(&method), "{method} missing");
    }
    let metadata = node.call("state_getMetadata", json!([])).unwrap();
    assert!(metadata.as_str().unwrap().len() > 10_000);
    assert_eq!(
        head_number(&node),
        0,
        "no empty blocks without transactions"
    );
}

#[test]
fn a_transfer_is_sealed_into_a_block_at_once() {
    let node = Node::start_dev(&[]);
    let xt = transfer_xt(&node, Sr25519Keyring::Alice, Sr25519Keyring::Alice, 0, UNIT);
    let fee = node.call("payment_queryInfo", json!([xt])).unwrap();
    assert!(
        fee["partialFee"].as_str().is_some() || fee["partialFee"].is_number(),
        "{fee}"
    );
    let hash = node
        .call("author_submitExtrinsic", json!([xt]))
        .expect("accepted");
    assert!(hash.as_str().unwrap().starts_with("0x"));
    wait_for_block(&node, 1);
    assert_eq!(next_index(&node, Sr25519Keyring::Alice), 1);
    let block = node.call("chain_getBlock", json!([])).unwrap();
    assert_eq!(
        block["block"]["extrinsics"].as_array().unwrap().len(),
        2,
        "timestamp + transfer"
    );
    // Finalized a moment later (watchers hear "in block" first).
    let sealed = node.call("chain_getBlockHash", json!([1])).unwrap();
    node.wait_for(
        || node.call("chain_getFinalizedHead", json!([])).unwrap() == sealed,
        "block 1 finalized",
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(head_number(&node), 1, "no empty blocks follow");
}

#[test]
fn manual_sealing_and_engine_rpcs() {
    let node = Node::start_dev(&["--sealing", "manual"]);
    submit_alice_transfer(&node, 0);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(head_number(&node), 0, "manual sealing waits");
    let created = node
        .call("engine_createBlock", json!([true, false]))
        .expect("block created");
    assert_eq!(head_number(&node), 1);
    assert_eq!(next_index(&node, Sr25519Keyring::Alice), 1);
    let hash = created["hash"].clone();
    assert_eq!(
        node.call("engine_finalizeBlock", json!([hash])).unwrap(),
        true
    );
    assert_eq!(
        node.call("chain_getFinalizedHead", json!([])).unwrap(),
        hash
    );
    node.call("engine_createBlock", json!([true, true]))
        .expect("an empty block on request");
    assert_eq!(head_number(&node), 2);
}

#[test]
fn bad_input_gets_errors_and_the_node_keeps_serving() {
    let node = Node::start_dev(&[]);
    let unknown = node.call("no_such_method", json!([])).unwrap_err();
    assert_eq!(unknown["code"], -32601, "{unknown}");
    let malformed = node
        .call("chain_getBlockHash", json!(["not a number"]))
        .unwrap_err();
    assert!(malformed["code"].as_i64().is_some(), "{malformed}");
    let garbage = node
        .call("author_submitExtrinsic", json!(["0x1234"]))
        .unwrap_err();
    assert!(
        !garbage["message"].as_str().unwrap().is_empty(),
        "{garbage}"
    );
    let not_hex = node
        .call("author_submitExtrinsic", json!(["zz"]))
        .unwrap_err();
    assert!(not_hex["code"].as_i64().is_some(), "{not_hex}");

    let forged = transfer_xt(&node, Sr25519Keyring::Alice, Sr25519Keyring::Eve, 0, 1_000);
    let rejected = node
        .call("author_submitExtrinsic", json!([forged]))
        .unwrap_err();
    assert_eq!(rejected["code"], 1010, "invalid transaction: {rejected}");
    assert!(
        rejected["data"]
            .as_str()
            .unwrap_or_default()
            .contains("bad signature"),
        "{rejected}"
    );

    let broke = transfer_xt(&node, Sr25519Keyring::One, Sr25519Keyring::One, 0, 1_000);
    let rejected = node
        .call("author_submitExtrinsic", json!([broke]))
        .unwrap_err();
    assert_eq!(
        rejected["code"], 1010,
        "an account without funds: {rejected}"
    );

    let truncated = node.raw_post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");
    assert!(truncated.contains("Parse error"), "{truncated}");

    assert_eq!(head_number(&node), 0, "nothing was sealed");
    assert!(
        node.call("system_health", json!([])).is_ok(),
        "still serving"
    );
    submit_alice_transfer(&node, 0);
    wait_for_block(&node, 1);
}

#[test]
fn keeps_running_when_the_spawner_closes_its_pipes() {
    // What ink! e2e does: read stderr until the RPC line, then drop both pipes.
    let mut node = Node::start(&[
        "--dev",
        "--port=0",
        "--rpc-port=0",
        "--no-prometheus",
        "--tmp",
    ]);
    node.close_pipes();
    std::thread::sleep(std::time::Duration::from_millis(300));
    submit_alice_transfer(&node, 0);
    wait_for_block(&node, 1);
    // Block 1's log lines met the closed pipe; the node must go on regardless.
    submit_alice_transfer(&node, 1);
    wait_for_block(&node, 2);
    assert!(node.is_running());
}

#[test]
fn the_chain_persists_across_restarts_and_kill_9() {
    let dir = tempdir();
    let base = dir.to_str().unwrap().to_owned();
    let args = on_disk(&base);
    {
        let node = Node::start(&args);
        submit_alice_transfer(&node, 0);
        wait_for_block(&node, 1);
        node.stop_gracefully();
    }
    {
        let node = Node::start(&args);
        assert_eq!(head_number(&node), 1, "height survives a clean restart");
        assert_eq!(next_index(&node, Sr25519Keyring::Alice), 1);
        submit_alice_transfer(&node, 1);
        wait_for_block(&node, 2);
        node.kill_9();
    }
    let node = Node::start(&args);
    assert_eq!(head_number(&node), 2, "height survives kill -9");
    assert_eq!(next_index(&node, Sr25519Keyring::Alice), 2);
    drop(node);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_executor_and_profile_stay_with_the_chain() {
    let dir = tempdir();
    let base = dir.to_str().unwrap().to_owned();
    let args = on_disk(&base);
    let with = |extra: &[&'static str]| [&args[..], extra].concat();
    // Code only the permissive profile accepts (bulk memory), and what a dry-run
    // instantiation of it says about the executor and the profile.
    let bulk_memory = wat::parse_str(
        r#"(module (import "env" "memory" (memory 1 1))
            (func (export "deploy") (memory.fill (i32.const 0) (i32.const 0) (i32.const 1)))
            (func (export "call")))"#,
    )
    .unwrap();
    let alice = Sr25519Keyring::Alice.to_account_id().to_string();
    let sandbox_of = |node: &Node| {
        let traced = node
            .call(
                "europa_traceInstantiate",
                json!([{ "origin": alice, "code": hex(&bulk_memory) }]),
            )
            .expect("a dry-run instantiation");
        (
            traced["trace"]["executor"].clone(),
            traced["result"]["err"].clone(),
        )
    };
    let wasmi_strict = (json!("wasmi"), json!("Contracts::CodeRejected"));
    {
        let node = Node::start(&with(&["--sandbox", "wasmi", "--wasm-profile", "strict"]));
        assert_eq!(sandbox_of(&node), wasmi_strict);
        node.stop_gracefully();
    }
    // Restarted without the flags, or with the same ones: as created.
    for extra in [&[][..], &["--sandbox", "wasmi"][..]] {
        let node = Node::start(&with(extra));
        assert_eq!(sandbox_of(&node), wasmi_strict, "{extra:?}");
        node.stop_gracefully();
    }
    // Flags that contradict them are refused, saying what the chain has.
    for extra in [["--sandbox", "wasmtime"], ["--wasm-profile", "permissive"]] {
        let (ok, _, stderr) = europa(&with(&extra), &[]);
        assert!(!ok, "{extra:?} started");
        assert!(
            stderr.contains("this chain was created with --sandbox wasmi --wasm-profile strict"),
            "{extra:?}: {stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sigint_and_sigterm_shut_down_cleanly_and_tmp_is_removed() {
    for signal in ["-INT", "-TERM"] {
        let node = Node::start_dev(&[]);
        let database = node
            .database
            .clone()
            .expect("the node logs its database path");
        assert!(std::path::Path::new(&database).exists(), "{database}");
        let status = node.signal_and_wait(signal);
        assert!(status.success(), "{signal}: {status:?}");
        assert!(
            !std::path::Path::new(&database).exists(),
            "--tmp left {database} behind"
        );
    }
}

/// The arguments of a dev chain kept in `base`, to stop and start again.
fn on_disk(base: &str) -> [&str; 6] {
    [
        "--dev",
        "--port=0",
        "--rpc-port=0",
        "--no-prometheus",
        "-d",
        base,
    ]
}

/// A contract that returns `seal0.now`.
const NOW_WAT: &str = r#"(module
    (import "seal0" "now" (func $now (param i32 i32)))
    (import "seal0" "seal_return" (func $return (param i32 i32 i32)))
    (import "env" "memory" (memory 1 1))
    (data (i32.const 0) "\08")
    (func (export "deploy"))
    (func (export "call")
        (call $now (i32.const 8) (i32.const 0))
        (call $return (i32.const 0) (i32.const 8) (i32.const 8))))"#;

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "europa-e2e-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[test]
fn finality_can_be_delayed() {
    let node = Node::start_dev(&["--finalize-delay-sec", "1"]);
    let genesis = node.call("chain_getBlockHash", json!([0])).unwrap();
    submit_alice_transfer(&node, 0);
    wait_for_block(&node, 1);
    assert_eq!(
        node.call("chain_getFinalizedHead", json!([])).unwrap(),
        genesis,
        "not final at once"
    );
    let block_1 = node.call("chain_getBlockHash", json!([1])).unwrap();
    node.wait_for(
        || node.call("chain_getFinalizedHead", json!([])).unwrap() == block_1,
        "delayed finality",
    );
}

/// A fixture contract built by `scripts/build-contract-fixtures.sh`.
/// The path of `pallets/contracts/fixtures/<dir>`.
fn fixtures(dir: &str) -> String {
    format!(
        "{}/../pallets/contracts/fixtures/{dir}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn ss58(who: Sr25519Keyring) -> String {
    who.to_account_id().to_string()
}

/// A dry-run call of `contract` with `input` as Alice, as the trace, line-record and
/// debugging methods take it.
fn call_request(contract: &sp_runtime::AccountId32, input: &[u8]) -> Value {
    json!({
        "origin": ss58(Sr25519Keyring::Alice),
        "dest": contract.to_string(),
        "inputData": hex(input),
    })
}

fn contract_fixture(build: &str, name: &str) -> Vec<u8> {
    let path = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"))
        .join("../pallets/contracts/fixtures")
        .join(build)
        .join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Gas for a test's deployment or call: enough for any fixture, well within a block.
const TEST_GAS: frame_support::weights::Weight =
    frame_support::weights::Weight::from_parts(100_000_000_000, 1024 * 1024);

/// Submits `call` signed by Alice and waits for the block that seals it; returns the
/// block's hash.
fn seal(node: &Node, call: RuntimeCall) -> Value {
    let block = head_number(node);
    submit_signed(node, call);
    wait_for_block(node, block + 1);
    node.call("chain_getBlockHash", json!([block + 1]))
        .expect("the block's hash")
}

/// Instantiates `code` with constructor input `data` as Alice, in a block of its own;
/// returns the contract's address.
fn deploy(node: &Node, code: Vec<u8>, data: Vec<u8>) -> sp_runtime::AccountId32 {
    let address = pallet_europa_contracts::Pallet::<europa_runtime::Runtime>::contract_address(
        &Sr25519Keyring::Alice.to_account_id(),
        &blake2_256(&code).into(),
        &data,
        &[],
    );
    seal(
        node,
        RuntimeCall::Contracts(pallet_europa_contracts::Call::instantiate_with_code {
            value: 0,
            gas_limit: TEST_GAS,
            storage_deposit_limit: None,
            code,
            data,
            salt: vec![],
        }),
    );
    address
}

/// Calls `contract` with `data` as Alice, in a block of its own; returns the block's hash.
fn call_in_block(node: &Node, contract: &sp_runtime::AccountId32, data: Vec<u8>) -> Value {
    seal(
        node,
        RuntimeCall::Contracts(pallet_europa_contracts::Call::call {
            dest: contract.clone().into(),
            value: 0,
            gas_limit: TEST_GAS,
            storage_deposit_limit: None,
            data,
        }),
    )
}

fn blake2_256(data: &[u8]) -> [u8; 32] {
    use sp_runtime::traits::Hash;
    sp_runtime::traits::BlakeTwo256::hash(data).0
}

fn ink_input(message: &str, args: impl Encode) -> Vec<u8> {
    let mut input = blake2_256(message.as_bytes())[..4].to_vec();
    args.encode_to(&mut input);
    input
}

fn submit_signed(node: &Node, call: RuntimeCall) {
    let nonce = next_index(node, Sr25519Keyring::Alice) as u32;
    let xt = dev_tx::signed_by(
        call,
        Sr25519Keyring::Alice,
        Sr25519Keyring::Alice,
        nonce,
        genesis_hash(node),
    );
    node.call("author_submitExtrinsic", json!([hex(&xt.encode())]))
        .expect("the node accepts the transaction");
}

type ContractExecResult = pallet_europa_contracts::ContractExecResult<
    u128,
    frame_system::EventRecord<europa_runtime::RuntimeEvent, sp_core::H256>,
>;

/// `ContractsApi_call` through `state_call`, as polkadot.js and cargo-contract dry-run.
fn dry_run(node: &Node, dest: &sp_runtime::AccountId32, input: Vec<u8>) -> ContractExecResult {
    let alice = Sr25519Keyring::Alice.to_account_id();
    let args = (
        alice,
        dest.clone(),
        0u128,
        None::<frame_support::weights::Weight>,
        None::<u128>,
        input,
    );
    let result = node
        .call(
            "state_call",
            json!(["ContractsApi_call", hex(&args.encode())]),
        )
        .expect("the dry run is served");
    codec::Decode::decode(&mut &unhex(result.as_str().unwrap())[..]).expect("a ContractExecResult")
}

#[test]
fn contracts_are_deployed_called_dry_run_and_traced_on_both_executors() {
    for executor in ["wasmtime", "wasmi"] {
        let node = Node::start_dev(&["--sandbox", executor, "--trace", "host-calls"]);
        let code = contract_fixture("dwarf", "flipper");
        let code_hash = blake2_256(&code).into();
        let constructor = ink_input("new", false);
        submit_signed(
            &node,
            RuntimeCall::Contracts(pallet_europa_contracts::Call::instantiate_with_code {
                value: 0,
                gas_limit: frame_support::weights::Weight::from_parts(100_000_000_000, 1024 * 1024),
                storage_deposit_limit: None,
                code,
                data: constructor.clone(),
                salt: vec![],
            }),
        );
        // The node prints the execution as a tree: the deploy frame with its selector and
        // arguments (no metadata here), its host calls, its outcome.
        let log = node.wait_for_log("contract execution").join("\n");
        let log = log + &node.wait_for_log("└─ ← ").join("\n");
        assert!(
            log.contains("] Alice → new ") && log.contains("::0x9bae9d5e(0x00)"),
            "{executor}: {log}"
        );
        assert!(log.contains("├─ seal2.set_storage("), "{executor}: {log}");

        // The trace is printed while the block is built; queries see it once imported.
        wait_for_block(&node, 1);
        let flipper = pallet_europa_contracts::Pallet::<europa_runtime::Runtime>::contract_address(
            &Sr25519Keyring::Alice.to_account_id(),
            &code_hash,
            &constructor,
            &[],
        );
        let got = dry_run(&node, &flipper, ink_input("get", ()));
        assert_eq!(
            got.result.expect("get succeeds").data,
            vec![0, 0],
            "{executor}: Ok(false)"
        );
        assert!(got.gas_required.ref_time() > 0);

        // As clients do: dry-run to learn the gas, then submit with it.
        let flip = dry_run(&node, &flipper, ink_input("flip", ()));
        assert!(flip.result.is_ok(), "{executor}: {flip:?}");
        submit_signed(
            &node,
            RuntimeCall::Contracts(pallet_europa_contracts::Call::call {
                dest: flipper.clone().into(),
                value: 0,
                gas_limit: flip.gas_required,
                storage_deposit_limit: None,
                data: ink_input("flip", ()),
            }),
        );
        node.wait_for(
            || {
                dry_run(&node, &flipper, ink_input("get", ()))
                    .result
                    .map(|r| r.data)
                    == Ok(vec![0, 1])
            },
            "the flip",
        );

        // The same execution, traced over RPC.
        let alice = Sr25519Keyring::Alice.to_account_id().to_string();
        let traced = node
            .call(
                "europa_traceCall",
                json!([{ "origin": alice, "dest": flipper.to_string(), "inputData": hex(&ink_input("get", ())) }]),
            )
            .expect("europa_traceCall");
        assert_eq!(
            traced["result"]["ok"]["data"], "0x0001",
            "{executor}: {traced}"
        );
        assert_eq!(traced["trace"]["executor"], executor);
        let root = &traced["trace"]["root"];
        assert_eq!(
            (root["entry"].as_str(), root["selector"].as_str()),
            (Some("call"), Some("0x2f865bd9"))
        );
        assert!(
            root["hostCalls"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["func"] == "seal1.get_storage"),
            "{traced}"
        );

        // A dry-run instantiation that traps in its constructor... of code that is not WASM.
        let rejected = node
            .call(
                "europa_traceInstantiate",
                json!([{ "origin": alice, "code": "0x00112233" }]),
            )
            .expect("europa_traceInstantiate");
        assert_eq!(
            rejected["result"]["err"], "Contracts::CodeRejected",
            "{rejected}"
        );
        assert!(rejected["trace"]["uploads"][0]["rejected"]
            .as_str()
            .unwrap()
            .contains("CodeRejected"));

        // Every contract execution of block 1 (the deployment), re-executed.
        let block_1 = node
            .call("chain_getBlockHash", json!([1]))
            .expect("block 1");
        let traces = node
            .call("europa_traceBlock", json!([block_1]))
            .expect("europa_traceBlock");
        assert_eq!(traces.as_array().map(Vec::len), Some(1), "{traces}");
        assert_eq!(traces[0]["trace"]["root"]["entry"], "deploy");

        // Bad parameters: a clear error, and the node keeps serving.
        for bad in [
            json!([{ "origin": "not-an-address", "dest": alice }]),
            json!([{ "origin": alice, "dest": alice, "inputData": "0xzz" }]),
            json!([{ "origin": alice, "dest": alice, "value": -1 }]),
            json!([{ "origin": alice, "dest": alice, "gasLimit": 5 }]),
            json!(["not an object"]),
        ] {
            let error = node
                .call("europa_traceCall", bad.clone())
                .expect_err("refused");
            assert_eq!(error["code"], -32602, "{bad}: {error}");
        }
        let error = node
            .call(
                "europa_traceCall",
                json!([{ "origin": alice, "dest": alice }]),
            )
            .expect("a call to a plain account is a dry run that fails");
        assert_eq!(error["result"]["err"], "Contracts::ContractNotFound");
        assert!(node.call("europa_traceBlock", json!(["0x1234"])).is_err());
    }
}

/// Runs `europa ARGS` to completion (a subcommand); returns success, stdout and stderr.
fn europa(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_europa"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("europa runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn workspaces_keep_separate_chains_and_can_be_listed_chosen_and_deleted() {
    let home = tempdir();
    let home = home.to_str().unwrap();
    let env = [("HOME", home), ("XDG_DATA_HOME", "")];
    let start = |workspace: Option<&str>| {
        let mut args = vec!["--dev", "--port=0", "--rpc-port=0", "--no-prometheus"];
        if let Some(name) = workspace {
            args.extend(["-w", name]);
        }
        Node::start_with_env(&args, &env)
    };

    let alpha = start(Some("alpha"));
    submit_alice_transfer(&alpha, 0);
    wait_for_block(&alpha, 1);
    alpha.stop_gracefully();
    let beta = start(Some("beta"));
    assert_eq!(head_number(&beta), 0, "beta is a chain of its own");
    beta.stop_gracefully();
    let alpha = start(Some("alpha"));
    assert_eq!(head_number(&alpha), 1, "alpha kept its block");
    alpha.stop_gracefully();

    let (ok, listed, _) = europa(&["workspace", "list"], &env);
    assert!(ok);
    assert_eq!(listed, "  alpha\n  beta\n");
    assert!(europa(&["workspace", "default", "alpha"], &env).0);
    assert_eq!(europa(&["workspace", "list"], &env).1, "* alpha\n  beta\n");
    // Without -w, -d or --tmp the default workspace runs.
    let default = start(None);
    assert_eq!(head_number(&default), 1);
    default.stop_gracefully();

    assert!(europa(&["workspace", "delete", "alpha"], &env).0);
    assert_eq!(europa(&["workspace", "list"], &env).1, "  beta\n");

    // Bad input: clear errors, nothing deleted.
    let (ok, _, stderr) = europa(&["workspace", "delete", "nope"], &env);
    assert!(!ok && stderr.contains("no workspace 'nope'"), "{stderr}");
    let (ok, _, stderr) = europa(&["--dev", "-w", "../escape"], &env);
    assert!(!ok && stderr.contains("invalid workspace name"), "{stderr}");
    let (ok, _, stderr) = europa(&["--dev", "--tmp", "-w", "beta"], &env);
    assert!(!ok && stderr.contains("exclude each other"), "{stderr}");
    assert_eq!(europa(&["workspace", "list"], &env).1, "  beta\n");
}

/// The events of block `number`, read from `System.Events`.
fn block_events(
    node: &Node,
    number: u64,
) -> Vec<frame_system::EventRecord<europa_runtime::RuntimeEvent, sp_core::H256>> {
    let hash = node
        .call("chain_getBlockHash", json!([number]))
        .expect("block hash");
    let key = frame_support::storage::storage_prefix(b"System", b"Events");
    let events = node
        .call("state_getStorage", json!([hex(&key), hash]))
        .expect("System.Events");
    codec::Decode::decode(&mut &unhex(events.as_str().expect("events stored"))[..])
        .expect("events decode")
}

#[test]
fn runtime_upgrades_are_refused_with_a_clear_message() {
    use europa_runtime::configs::RUNTIME_UPGRADE_REFUSED;
    use sp_runtime::DispatchError;

    let node = Node::start_dev(&[]);
    let code_key = hex(sp_core::storage::well_known_keys::CODE);
    let code_before = node.call("state_getStorage", json!([code_key]));
    // Any WASM will do: the refusal must not depend on what the code is.
    let new_code = contract_fixture("mvp", "flipper");
    // `set_code` stops at the node's executor, which cannot read another runtime's
    // version; `set_code_without_checks` gets as far as the runtime, which refuses to
    // store the code. Both say why in the log.
    let upgrades = [
        (
            "set_code",
            frame_system::Call::set_code {
                code: new_code.clone(),
            },
            DispatchError::from(
                frame_system::Error::<europa_runtime::Runtime>::FailedToExtractRuntimeVersion,
            ),
        ),
        (
            "set_code_without_checks",
            frame_system::Call::set_code_without_checks { code: new_code },
            DispatchError::Other(RUNTIME_UPGRADE_REFUSED),
        ),
    ];
    for (block, (name, upgrade, refusal)) in (1..).zip(upgrades) {
        submit_signed(
            &node,
            RuntimeCall::Sudo(pallet_sudo::Call::sudo {
                call: Box::new(RuntimeCall::System(upgrade)),
            }),
        );
        wait_for_block(&node, block);
        let sudid = block_events(&node, block)
            .into_iter()
            .find_map(|record| match record.event {
                europa_runtime::RuntimeEvent::Sudo(pallet_sudo::Event::Sudid { sudo_result }) => {
                    Some(sudo_result)
                }
                _ => None,
            })
            .expect("a Sudo.Sudid event");
        let error = sudid.expect_err(name);
        // Compared as clients see them: encoded (the text of `Other` is not).
        assert_eq!(error.encode(), refusal.encode(), "{name}: {error:?}");
        node.wait_for_log(RUNTIME_UPGRADE_REFUSED);
    }
    assert_eq!(
        node.call("state_getStorage", json!([code_key])),
        code_before,
        "`:code` is untouched"
    );
    let version = node.call("state_getRuntimeVersion", json!([])).unwrap();
    assert_eq!(version["specName"], "europa");
    submit_alice_transfer(&node, 2);
    wait_for_block(&node, 3);
}

#[test]
fn the_rpc_reference_lists_exactly_the_methods_served() {
    let node = Node::start_dev(&[]);
    let methods = node.call("rpc_methods", json!([])).expect("rpc_methods");
    let served: std::collections::BTreeSet<String> = methods["methods"]
        .as_array()
        .expect("methods")
        .iter()
        .filter_map(Value::as_str)
        .filter(|name| {
            name.starts_with("europa_")
                || name.starts_with("contractsExt_")
                || name.starts_with("engine_")
        })
        .map(str::to_owned)
        .collect();
    let reference = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rpc.md"),
    )
    .expect("docs/rpc.md");
    // Headings name a method, `### `name``, and may add `(alias `other`)`.
    let documented: std::collections::BTreeSet<String> = reference
        .lines()
        .filter(|line| line.starts_with("### "))
        .flat_map(|line| {
            line.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(documented, served, "docs/rpc.md and the node disagree");
}
