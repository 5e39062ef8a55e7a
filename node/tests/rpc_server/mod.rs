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

    // Beyond what the transport reads (twice the limit) the message is refused unread,
    // so without its id (413), possibly before the client has sent all of it; the node
    // goes on serving.
    let response = node.rpc().exchange(
        &format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n",
            node.rpc().address(),
            3 * MIB
        ),
        &state_call(44, 3 * MIB)[..3 * MIB],
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
