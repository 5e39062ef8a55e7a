//! The adapter's line to the node: JSON-RPC calls over plain HTTP (the node serves HTTP
//! and WebSocket on one port), one connection per call. The node is the user's own,
//! usually on this machine; its answers are still read within bounds.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpStream, ToSocketAddrs},
    time::Duration,
};

use serde_json::{json, Value};

/// Waiting for a connection.
const CONNECT: Duration = Duration::from_secs(5);
/// Waiting for an answer: a launch re-executes, which may take a while.
const ANSWER: Duration = Duration::from_secs(300);
/// Largest answer read (the node's own limit on responses is 64 MiB).
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

pub struct NodeClient {
    /// `host:port`.
    address: String,
}

impl NodeClient {
    /// A client of the node at `url` (`ws://`, `wss://` is refused, or `http://`).
    pub fn new(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("ws://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| {
                format!("`{url}`: give the node as ws://HOST:PORT or http://HOST:PORT")
            })?;
        let address = rest.split('/').next().unwrap_or_default();
        if !address.contains(':') {
            return Err(format!("`{url}` names no port"));
        }
        Ok(NodeClient {
            address: address.to_owned(),
        })
    }

    /// Calls `method`; its result, or the node's error message.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        let unreachable =
            |e: std::io::Error| format!("cannot reach the node at {}: {e}", self.address);
        let socket = self
            .address
            .to_socket_addrs()
            .map_err(unreachable)?
            .next()
            .ok_or_else(|| format!("`{}` resolves to no address", self.address))?;
        let mut stream = TcpStream::connect_timeout(&socket, CONNECT).map_err(unreachable)?;
        stream.set_read_timeout(Some(ANSWER)).map_err(unreachable)?;
        let body =
            json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params }).to_string();
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .map_err(unreachable)?;
        let mut reader = BufReader::new(stream);
        let mut length = None;
        loop {
            let mut line = String::new();
            if (&mut reader)
                .take(8 * 1024)
                .read_line(&mut line)
                .map_err(unreachable)?
                == 0
            {
                return Err(format!(
                    "the node at {} closed the connection",
                    self.address
                ));
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                }
            }
        }
        let mut answer = Vec::new();
        match length {
            Some(length) if length <= MAX_ANSWER_BYTES => {
                answer.resize(length, 0);
                reader.read_exact(&mut answer).map_err(unreachable)?;
            }
            Some(_) => return Err("the node's answer is over 64 MiB".into()),
            // No length: the answer ends with the connection.
            None => {
                reader
                    .take(MAX_ANSWER_BYTES as u64)
                    .read_to_end(&mut answer)
                    .map_err(unreachable)?;
            }
        }
        let answer: Value = serde_json::from_slice(&answer)
            .map_err(|e| format!("the node's answer is not JSON: {e}"))?;
        match answer.get("error") {
            Some(error) => {
                let message = error["message"].as_str().unwrap_or("the node refused it");
                // jsonrpsee says what was wrong with the parameters in `data`.
                Err(match error["data"].as_str() {
                    Some(data) => format!("{method}: {message}: {data}"),
                    None => format!("{method}: {message}"),
                })
            }
            None => Ok(answer["result"].clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_host_and_port() {
        assert_eq!(
            NodeClient::new("ws://127.0.0.1:9944").unwrap().address,
            "127.0.0.1:9944"
        );
        assert_eq!(
            NodeClient::new("http://localhost:1/x").unwrap().address,
            "localhost:1"
        );
        assert!(NodeClient::new("wss://a:1").is_err());
        assert!(NodeClient::new("ws://nohost").is_err());
    }
}
