//! Europa's own JSON-RPC server as a client meets it: limits answered by id, the
//! interface checks Substrate's server has (host filter, CORS), and `GET /health`.

use serde_json::{json, Value};

use crate::node::Node;

/// A `state_call` whose parameters are about `bytes` long, with `id`.
fn state_call(id: u64, bytes: usize) -> String {
    let data = format!("0x{}", "ab".repeat(bytes / 2));
    json!({"jsonrpc": "2.0", "id": id, "method": "state_call", "params": ["Core_version", data]})
        .to_string()
}

#[test]
fn an_oversized_call_is_answered_by_id_naming_the_limit_and_its_flag() {
    let node = Node::start_dev(&["--rpc-max-request-size", "1"]);
    const MIB: usize = 1024 * 1024;

    let response: Value = serde_json::from_str(&node.raw_post(&state_call(42, MIB + MIB / 4)))
        .expect("a JSON-RPC response");
    assert_eq!(response["id"], 42, "{response}");
    assert_eq!(response["error"]["code"], -32007, "{response}");
    let message = response["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("limit of 1 MiB") && message.contains("--rpc-max-request-size"),
        "{message}"
    );

    // Within the limit, the same call is served (and fails only in the runtime).
    let response: Value = serde_json::from_str(&node.raw_post(&state_call(43, MIB / 2)))
        .expect("a JSON-RPC response");
    assert_eq!(response["id"], 43, "{response}");
    assert_ne!(response["error"]["code"], -32007, "{response}");

    // More than twice over the limit (what a mistaken upload of a debug build looks
    // like), still answered by id.
    let response: Value = serde_json::from_str(&node.raw_post(&state_call(45, 3 * MIB + MIB / 4)))
        .expect("a JSON-RPC response");
    assert_eq!(response["id"], 45, "{response}");
    assert_eq!(response["error"]["code"], -32007, "{response}");

    // Beyond what the transport reads (four times the limit) the message is refused unread,
    // so without its id (413), possibly before the client has sent all of it; the node
    // goes on serving.
    let response = node.rpc().exchange(
        &format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n",
            node.rpc().address(),
            5 * MIB
        ),
        &state_call(44, 5 * MIB)[..5 * MIB],
    );
    assert!(
        response.starts_with("HTTP/1.1 413") || response.starts_with("connection closed"),
        "{response}"
    );
    assert!(node.call("system_health", json!([])).is_ok());
}

#[test]
fn with_cors_origins_only_local_hosts_and_those_origins_are_served_and_health_is_a_get() {
    let node = Node::start_dev(&["--rpc-cors", "http://allowed.example"]);
    let rpc = node.rpc();
    let health = r#"{"jsonrpc":"2.0","id":1,"method":"system_health","params":[]}"#;
    let post = |host: &str, origin: Option<&str>| {
        let origin = origin.map_or(String::new(), |o| format!("Origin: {o}\r\n"));
        rpc.exchange(
            &format!(
                "POST / HTTP/1.1\r\nHost: {host}\r\n{origin}Content-Type: application/json\r\n\
                 Content-Length: {}\r\n",
                health.len()
            ),
            health,
        )
    };
    let port = rpc.address().rsplit(':').next().unwrap_or_default();

    // DNS rebinding: a foreign Host is refused; the node's own address is served.
    let foreign = post("attacker.example", None);
    assert!(foreign.starts_with("HTTP/1.1 403"), "{foreign}");
    let local = post(&format!("localhost:{port}"), None);
    assert!(local.starts_with("HTTP/1.1 200"), "{local}");

    // Browsers get the CORS header for a listed origin only.
    let allowed = post(rpc.address(), Some("http://allowed.example")).to_ascii_lowercase();
    assert!(
        allowed.contains("access-control-allow-origin: http://allowed.example"),
        "{allowed}"
    );
    let other = post(rpc.address(), Some("http://other.example")).to_ascii_lowercase();
    assert!(!other.contains("access-control-allow-origin"), "{other}");

    // Load balancers' health check, without JSON-RPC.
    let get = rpc.exchange(
        &format!("GET /health HTTP/1.1\r\nHost: {}\r\n", rpc.address()),
        "",
    );
    assert!(get.starts_with("HTTP/1.1 200"), "{get}");
    assert!(get.contains("\"isSyncing\""), "{get}");
}

/// The status line of a WebSocket handshake sent with `origin` (if any).
fn websocket_handshake(address: &str, origin: Option<&str>) -> String {
    use std::io::{BufRead, BufReader, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("RPC port accepts connections");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let origin = origin.map_or(String::new(), |o| format!("Origin: {o}\r\n"));
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: {address}\r\n{origin}Upgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .expect("sent");
    let mut status = String::new();
    BufReader::new(stream)
        .read_line(&mut status)
        .expect("an answer");
    status
}

#[test]
fn web_pages_of_other_origins_are_refused_over_http_and_websocket() {
    // `--dev`, where sc-cli would let any page in.
    let node = Node::start_dev(&[]);
    let rpc = node.rpc();
    let health = r#"{"jsonrpc":"2.0","id":1,"method":"system_health","params":[]}"#;
    let post = |origin: &str| {
        rpc.exchange(
            &format!(
                "POST / HTTP/1.1\r\nHost: {}\r\nOrigin: {origin}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\n",
                rpc.address(),
                health.len()
            ),
            health,
        )
    };
    let refused = post("https://evil.example");
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    assert!(refused.contains("--rpc-cors"), "{refused}");
    let refused = websocket_handshake(rpc.address(), Some("https://evil.example"));
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    for allowed in [
        "http://localhost:3000",
        "http://127.0.0.1:9955",
        "https://polkadot.js.org",
    ] {
        let answer = websocket_handshake(rpc.address(), Some(allowed));
        assert!(answer.starts_with("HTTP/1.1 101"), "{allowed}: {answer}");
        assert!(post(allowed).starts_with("HTTP/1.1 200"), "{allowed}");
    }
    // Clients that are not browsers send no origin.
    let answer = websocket_handshake(rpc.address(), None);
    assert!(answer.starts_with("HTTP/1.1 101"), "{answer}");
    assert!(node.call("system_health", json!([])).is_ok());
    drop(node);

    // `--rpc-cors all`: any page, as before.
    let node = Node::start_dev(&["--rpc-cors", "all"]);
    let answer = websocket_handshake(node.rpc().address(), Some("https://evil.example"));
    assert!(answer.starts_with("HTTP/1.1 101"), "{answer}");
}

/// Whether `error` has `code` and a message that contains `text`.
fn says(error: &Value, code: i64, text: &str) -> bool {
    error["code"] == code && error["message"].as_str().is_some_and(|m| m.contains(text))
}

/// The methods safe by design: what a public endpoint may serve to anyone, as Substrate
/// serves them (reviewed; a method missing here must be refused on external interfaces,
/// so a new one fails this test until it is classified).
#[rustfmt::skip]
const SAFE_METHODS: &[&str] = &[
    "account_nextIndex", "archive_v1_body", "archive_v1_call", "archive_v1_finalizedHeight",
    "archive_v1_genesisHash", "archive_v1_hashByHeight", "archive_v1_header",
    "archive_v1_stopStorage", "archive_v1_storage", "archive_v1_storageDiff",
    "archive_v1_storageDiff_stopStorageDiff", "author_pendingExtrinsics",
    "author_submitAndWatchExtrinsic", "author_submitExtrinsic", "author_unwatchExtrinsic",
    "bitswap_v1_get", "chainHead_v1_body", "chainHead_v1_call", "chainHead_v1_continue",
    "chainHead_v1_follow", "chainHead_v1_header", "chainHead_v1_stopOperation",
    "chainHead_v1_storage", "chainHead_v1_unfollow", "chainHead_v1_unpin",
    "chainSpec_v1_chainName", "chainSpec_v1_genesisHash", "chainSpec_v1_properties",
    "chain_getBlock", "chain_getBlockHash", "chain_getFinalisedHead", "chain_getFinalizedHead",
    "chain_getHead", "chain_getHeader", "chain_getRuntimeVersion", "chain_subscribeAllHeads",
    "chain_subscribeFinalisedHeads", "chain_subscribeFinalizedHeads", "chain_subscribeNewHead",
    "chain_subscribeNewHeads", "chain_subscribeRuntimeVersion", "chain_unsubscribeAllHeads",
    "chain_unsubscribeFinalisedHeads", "chain_unsubscribeFinalizedHeads",
    "chain_unsubscribeNewHead", "chain_unsubscribeNewHeads", "chain_unsubscribeRuntimeVersion",
    "childstate_getKeys", "childstate_getKeysPaged", "childstate_getKeysPagedAt",
    "childstate_getStorage", "childstate_getStorageEntries", "childstate_getStorageHash",
    "childstate_getStorageSize", "payment_queryFeeDetails", "payment_queryInfo", "rpc_methods",
    "state_call", "state_callAt", "state_getChildReadProof", "state_getKeys",
    "state_getKeysPaged", "state_getKeysPagedAt", "state_getMetadata", "state_getReadProof",
    "state_getRuntimeVersion", "state_getStorage", "state_getStorageAt",
    "state_getStorageHash", "state_getStorageHashAt", "state_queryStorageAt",
    "state_subscribeRuntimeVersion", "state_subscribeStorage",
    "state_unsubscribeRuntimeVersion", "state_unsubscribeStorage", "subscribe_newHead",
    "system_accountNextIndex", "system_chain", "system_chainType", "system_health",
    "system_localListenAddresses", "system_localPeerId", "system_name", "system_nodeRoles",
    "system_properties", "system_reservedPeers", "system_syncState", "system_version",
    "transactionWatch_v1_submitAndWatch", "transactionWatch_v1_unwatch",
    "transaction_v1_broadcast", "transaction_v1_stop", "unsubscribe_newHead",
];

#[test]
fn every_listed_method_is_safe_by_design_or_refused_unread_on_external_interfaces() {
    let node = Node::start_dev(&["--rpc-external"]);
    // Refused by name, whatever the parameters: not "invalid params".
    let error = node
        .call("europa_traceCall", json!([{}]))
        .expect_err("refused");
    assert!(says(&error, -32601, "--rpc-methods unsafe"), "{error}");
    let listed = node.call("rpc_methods", json!([])).expect("rpc_methods");
    let methods: Vec<&str> = listed["methods"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(methods.len() > 50, "{listed}");
    let mut wrong = Vec::new();
    for method in methods {
        let refused = node
            .call(method, json!([]))
            .err()
            .is_some_and(|error| says(&error, -32601, "is an unsafe method"));
        if refused == SAFE_METHODS.contains(&method) {
            wrong.push(format!(
                "{method}: {}",
                if refused {
                    "refused but listed safe"
                } else {
                    "served but not listed safe"
                }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn internal_runtime_apis_are_refused_through_state_call() {
    use codec::{Decode, Encode};
    use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
    let node = Node::start_dev(&[]);
    let error = node
        .call("state_call", json!(["ContractsTraceApi_trace_block", "0x"]))
        .expect_err("refused");
    assert!(says(&error, -32602, "use europa_traceBlock"), "{error}");

    // Every entry point the runtime's metadata lists: standard, or refused.
    const STANDARD: &[&str] = &[
        "Core",
        "Metadata",
        "BlockBuilder",
        "TaggedTransactionQueue",
        "OffchainWorkerApi",
        "AccountNonceApi",
        "TransactionPaymentApi",
        "TransactionPaymentCallApi",
        "SessionKeys",
        "ContractsApi",
        "GenesisBuilder",
    ];
    let answer = node
        .call(
            "state_call",
            json!([
                "Metadata_metadata_at_version",
                crate::node::hex(&15u32.encode())
            ]),
        )
        .expect("metadata");
    let bytes = crate::node::unhex(answer.as_str().unwrap_or_default());
    let opaque = Option::<Vec<u8>>::decode(&mut &bytes[..])
        .expect("an option")
        .expect("v15");
    let RuntimeMetadataPrefixed(_, RuntimeMetadata::V15(metadata)) =
        RuntimeMetadataPrefixed::decode(&mut &opaque[..]).expect("metadata")
    else {
        panic!("not v15")
    };
    let mut internal = 0;
    for api in &metadata.apis {
        if STANDARD.contains(&api.name.as_str()) {
            continue;
        }
        for method in &api.methods {
            let entry = format!("{}_{}", api.name, method.name);
            let error = node
                .call("state_call", json!([entry, "0x"]))
                .expect_err("refused");
            assert!(
                says(&error, -32602, "internal to europa"),
                "{entry}: {error}"
            );
            internal += 1;
        }
    }
    assert_eq!(internal, 7, "the trace API's seven entry points");
}

#[test]
fn connections_that_send_nothing_are_closed_and_never_lock_the_explorer_out() {
    use std::{io::Read, net::TcpStream, time::Duration};
    let node = Node::start_dev(&["--ui-port=0"]);
    let line = node.wait_for_log("Europa Explorer: http://").join("\n");
    let explorer = line
        .split("Europa Explorer: http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the Explorer's address")
        .to_owned();
    // More idle connections than the Explorer serves at once.
    let idle: Vec<TcpStream> = (0..80)
        .map(|_| TcpStream::connect(&explorer).expect("connects"))
        .collect();
    let page = crate::node::Rpc::at(&explorer)
        .exchange(&format!("GET / HTTP/1.1\r\nHost: {explorer}\r\n"), "");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    // The idle ones are closed once the first-bytes timeout passes; so is an RPC one.
    let mut rpc_idle = TcpStream::connect(node.rpc().address()).expect("connects");
    rpc_idle
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut byte = [0u8; 1];
    assert_eq!(rpc_idle.read(&mut byte).ok(), Some(0), "closed by the node");
    for mut socket in idle {
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(socket.read(&mut byte).ok(), Some(0), "closed by the node");
    }
    assert!(node.call("system_health", json!([])).is_ok());
}
