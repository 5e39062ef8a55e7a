//! The Explorer's server and the RPC methods it reads the chain with, through the real
//! node: the page and its files served from the binary, the RPC port handed to the page,
//! foreign hosts refused on loopback, `--no-ui` and `--ui-external`; blocks summarized
//! with their calls, signers, outcomes and events; contracts listed with their messages;
//! message inputs encoded from cargo-contract-style arguments. (The page itself is tested
//! in Chromium: node/tests/polkadot-js/explorer.test.mjs.)

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use europa_runtime::RuntimeCall;
use serde_json::{json, Value};
use sp_keyring::Sr25519Keyring;

use super::{call_in_block, contract_fixture, deploy, fixtures, ink_input, seal, ss58};
use crate::node::Node;

/// The address the log says the Explorer is at.
fn explorer_address(node: &Node) -> String {
    let lines = node.wait_for_log("Europa Explorer: http://");
    let line = lines.last().expect("the Explorer's line");
    let url = line.split("http://").nth(1).expect("a URL");
    url.split('/').next().expect("host:port").to_owned()
}

/// `GET path` with `Host: host`: the status line, the headers and the body.
fn get(address: &str, host: &str, path: &str) -> (String, String) {
    try_get(address, host, path).expect("a response")
}

/// `GET path`, or `None` when the connection closes without an answer.
fn try_get(address: &str, host: &str, path: &str) -> Option<(String, String)> {
    let mut stream = TcpStream::connect(address).expect("the Explorer accepts connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    Some((head.to_owned(), body.to_owned()))
}

#[test]
fn connections_past_the_limit_are_turned_away_and_the_node_goes_on() {
    let node = Node::start_dev(&["--ui-port=0"]);
    let address = explorer_address(&node);
    // Connections that send the start of a request and then nothing hold their places
    // (for at most the Explorer's connection lifetime); those that send nothing at all
    // never get one (`rpc_server::connections_that_send_nothing_…`). Of 80 such, those
    // past the 64 places are closed unanswered: seen on the idle connections themselves,
    // whatever order a loaded machine accepts them in.
    let mut idle: Vec<TcpStream> = (0..80)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).expect("accepted");
            stream.write_all(b"G").expect("sent");
            stream
                .set_read_timeout(Some(Duration::from_millis(5)))
                .expect("a read timeout");
            stream
        })
        .collect();
    let closed = |stream: &mut TcpStream| {
        use std::io::ErrorKind;
        match stream.read(&mut [0; 1]) {
            Ok(0) => true,
            Err(error) => !matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            Ok(_) => panic!("a connection past the limit was answered"),
        }
    };
    node.wait_for(
        || idle.iter_mut().map(closed).filter(|closed| *closed).count() >= 80 - 64,
        "the connections past the limit closed unanswered",
    );
    assert!(node.call("system_health", json!([])).is_ok());
    drop(idle);
    node.wait_for(
        || {
            try_get(&address, &address, "/")
                .is_some_and(|(head, _)| head.starts_with("HTTP/1.1 200"))
        },
        "the page served again once the idle connections closed",
    );
}

#[test]
fn the_page_is_served_from_the_binary_with_the_rpc_port_and_only_to_loopback_hosts() {
    let node = Node::start_dev(&["--ui-port=0"]);
    let address = explorer_address(&node);
    assert!(address.starts_with("127.0.0.1:"), "{address}");

    let (head, body) = get(&address, &address, "/");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'self'"),
        "{head}"
    );
    assert!(body.contains("<title>Europa Explorer</title>"), "{body}");

    let (head, body) = get(&address, &address, "/js/app.js");
    assert!(head.contains("content-type: text/javascript"), "{head}");
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("explorer/js/app.js"),
    )
    .unwrap();
    assert_eq!(
        body, source,
        "the binary serves the page as node/explorer holds it"
    );

    let (_, config) = get(&address, &address, "/config.json");
    let config: Value = serde_json::from_str(&config).expect("JSON");
    let rpc_port = node.rpc().address().rsplit(':').next().unwrap().to_owned();
    assert_eq!(config["rpcPort"].to_string(), rpc_port);

    let (head, _) = get(&address, &address, "/../Cargo.toml");
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    // DNS rebinding: a page elsewhere naming another host is refused.
    let (head, _) = get(&address, "attacker.example", "/config.json");
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");
    assert!(node.call("system_health", json!([])).is_ok());
}

#[test]
fn no_ui_serves_nothing_and_only_ui_external_exposes_the_page() {
    let node = Node::start_dev(&["--no-ui", "--ui-port=0"]);
    let lines = node.wait_for_log("Idle");
    assert!(
        !lines.iter().any(|line| line.contains("Europa Explorer")),
        "{lines:#?}"
    );

    // `--rpc-external` exposes RPC, not the page.
    let node = Node::start_dev(&["--rpc-external", "--ui-port=0"]);
    assert!(explorer_address(&node).starts_with("127.0.0.1:"));

    let node = Node::start_dev(&["--ui-external", "--ui-port=0"]);
    let address = explorer_address(&node);
    let port = address.rsplit(':').next().unwrap();
    let (head, _) = get(&format!("127.0.0.1:{port}"), "europa.lan", "/");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
}

#[test]
fn blocks_are_summarized_with_calls_signers_outcomes_and_events() {
    let node = Node::start_dev(&["--ui-port=0"]);
    let block = seal(
        &node,
        RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
            dest: Sr25519Keyring::Bob.to_account_id().into(),
            value: 5,
        }),
    );
    let summary = node
        .call("europa_blockSummary", json!([block]))
        .expect("a summary");
    assert_eq!(summary["number"], 1, "{summary}");
    assert_eq!(summary["hash"], block);
    assert!(summary["timestamp"].as_u64().is_some(), "{summary}");
    let inherent = &summary["extrinsics"][0];
    assert_eq!(inherent["pallet"], "Timestamp", "{summary}");
    assert_eq!(inherent["signer"], Value::Null);
    let transfer = &summary["extrinsics"][1];
    assert_eq!(transfer["pallet"], "Balances", "{transfer}");
    assert_eq!(transfer["call"], "transfer_allow_death");
    assert_eq!(transfer["signer"], ss58(Sr25519Keyring::Alice));
    assert_eq!(transfer["signerName"], "Alice");
    assert_eq!(transfer["outcome"], json!({ "ok": null }));
    assert!(
        transfer["text"].as_str().unwrap().contains("Bob"),
        "{transfer}"
    );
    let events: Vec<&str> = transfer["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|event| event["name"].as_str())
        .collect();
    assert!(events.contains(&"Balances.Transfer"), "{events:?}");
    assert!(events.contains(&"System.ExtrinsicSuccess"), "{events:?}");

    // A failed call: its error by name, with its documentation.
    let failed = seal(
        &node,
        RuntimeCall::Contracts(pallet_europa_contracts::Call::call {
            dest: Sr25519Keyring::Bob.to_account_id().into(),
            value: 0,
            gas_limit: frame_support::weights::Weight::from_parts(1_000_000_000, 100_000),
            storage_deposit_limit: None,
            data: vec![],
        }),
    );
    let summary = node
        .call("europa_blockSummary", json!([failed]))
        .expect("a summary");
    let outcome = &summary["extrinsics"][1]["outcome"];
    assert_eq!(outcome["err"], "Contracts::ContractNotFound", "{summary}");
    assert!(
        outcome["docs"]
            .as_str()
            .is_some_and(|docs| !docs.is_empty()),
        "{outcome}"
    );

    let error = node.call("europa_blockSummary", json!([99])).unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
    let error = node
        .call("europa_blockSummary", json!(["0x12"]))
        .unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
}

#[test]
fn contracts_are_listed_with_their_messages_and_inputs_encoded_from_arguments() {
    let node = Node::start_dev(&["--ui-port=0", "--contracts", &fixtures("metadata")]);
    assert_eq!(node.call("europa_contracts", json!([])).unwrap(), json!([]));
    let erc20 = deploy(
        &node,
        contract_fixture("mvp", "erc20"),
        ink_input("new", 1_000u128),
    );
    let flipper = deploy(
        &node,
        contract_fixture("dwarf", "flipper"),
        ink_input("new", true),
    );
    call_in_block(
        &node,
        &erc20,
        ink_input("transfer", (Sr25519Keyring::Bob.to_account_id(), 10u128)),
    );

    let listed = node.call("europa_contracts", json!([])).expect("contracts");
    let find = |address: &sp_runtime::AccountId32| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|contract| contract["address"] == address.to_string())
            .unwrap_or_else(|| panic!("{address} in {listed}"))
            .clone()
    };
    let listed_erc20 = find(&erc20);
    assert_eq!(listed_erc20["name"], "erc20");
    assert!(
        listed_erc20["storageItems"].as_u64().unwrap() >= 2,
        "{listed_erc20}"
    );
    assert_ne!(listed_erc20["storageDeposit"], "0");
    let transfer = listed_erc20["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["label"] == "transfer")
        .expect("transfer")
        .clone();
    assert_eq!(
        transfer["args"],
        json!([["to", "AccountId"], ["value", "Balance"]])
    );
    assert_eq!(transfer["mutates"], true);
    // The DWARF build's metadata is not the mvp one Europa has: no name, no messages.
    let listed_flipper = find(&flipper);
    assert_eq!(listed_flipper["name"], Value::Null, "{listed_flipper}");
    assert_eq!(listed_flipper["messages"], Value::Null);

    let code_hash = listed_erc20["codeHash"].clone();
    let bob = ss58(Sr25519Keyring::Bob);
    let input = node
        .call(
            "europa_encodeMessage",
            json!([code_hash, "transfer", [bob, "10"]]),
        )
        .expect("an input");
    let expected = ink_input("transfer", (Sr25519Keyring::Bob.to_account_id(), 10u128));
    assert_eq!(input, crate::node::hex(&expected));

    let error = node
        .call(
            "europa_encodeMessage",
            json!([code_hash, "transfer", ["not an account", "10"]]),
        )
        .unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
    let error = node
        .call(
            "europa_encodeMessage",
            json!([code_hash, "no_such_message", []]),
        )
        .unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
    let error = node
        .call(
            "europa_encodeMessage",
            json!([listed_flipper["codeHash"], "flip", []]),
        )
        .unwrap_err();
    assert!(
        error["message"].as_str().unwrap().contains("no metadata"),
        "{error}"
    );
    // An argument nested a request's worth deep is refused, not parsed (it overflowed
    // the RPC worker's stack); within the limit, the transcoder answers as usual.
    let deep = "(".repeat(200_000);
    let error = node
        .call(
            "europa_encodeMessage",
            json!([code_hash, "transfer", [deep, "10"]]),
        )
        .unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("nests deeper than 32"),
        "{error}"
    );
    let error = node
        .call(
            "europa_encodeMessage",
            json!([code_hash, "transfer", ["(".repeat(32), "10"]]),
        )
        .unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
    assert!(
        !error["message"].as_str().unwrap().contains("nests deeper"),
        "{error}"
    );
    let unknown = format!("0x{}", "ab".repeat(32));
    let error = node.call("europa_contracts", json!([unknown])).unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
    assert!(node.call("system_health", json!([])).is_ok());
}
