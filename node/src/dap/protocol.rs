//! The Debug Adapter Protocol's wire format: JSON messages, each after a
//! `Content-Length` header, in both directions.

use std::io::{BufRead, Write};

use serde_json::{json, Value};

/// Largest message the adapter reads; a client sends small requests.
const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;
/// Longest header line read.
const MAX_HEADER_BYTES: usize = 1024;

/// A message from the client.
pub enum Incoming {
    Request {
        seq: u64,
        command: String,
        arguments: Value,
    },
    /// Responses to reverse requests and anything else: not acted on.
    Other,
}

pub struct Connection<R, W> {
    input: R,
    output: W,
    seq: u64,
}

impl<R: BufRead, W: Write> Connection<R, W> {
    pub fn new(input: R, output: W) -> Self {
        Connection {
            input,
            output,
            seq: 0,
        }
    }

    /// The next message; `None` at the end of the input.
    pub fn read(&mut self) -> std::io::Result<Option<Incoming>> {
        let mut length = None;
        loop {
            let mut line = Vec::new();
            let mut header = std::io::Read::take(&mut self.input, MAX_HEADER_BYTES as u64);
            let read = header.read_until(b'\n', &mut line)?;
            if read == 0 {
                return Ok(None);
            }
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line
                .split_once(':')
                .filter(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                .map(|(_, value)| value.trim())
            {
                length = value.parse::<usize>().ok();
            }
        }
        let length = length
            .filter(|length| *length <= MAX_MESSAGE_BYTES)
            .ok_or_else(|| invalid("a message without a Content-Length within 16 MiB"))?;
        let mut body = vec![0; length];
        self.input.read_exact(&mut body)?;
        let message: Value = serde_json::from_slice(&body)
            .map_err(|e| invalid(&format!("a message that is not JSON: {e}")))?;
        Ok(Some(match message["type"].as_str() {
            Some("request") => Incoming::Request {
                seq: message["seq"].as_u64().unwrap_or(0),
                command: message["command"].as_str().unwrap_or_default().to_owned(),
                arguments: message["arguments"].clone(),
            },
            _ => Incoming::Other,
        }))
    }

    /// Answers request `request_seq` (`command`) with a body or an error message.
    pub fn respond(
        &mut self,
        request_seq: u64,
        command: &str,
        answer: Result<Value, String>,
    ) -> std::io::Result<()> {
        let mut message = json!({
            "type": "response",
            "request_seq": request_seq,
            "command": command,
            "success": answer.is_ok(),
        });
        match answer {
            Ok(Value::Null) => {}
            Ok(body) => message["body"] = body,
            Err(error) => {
                message["message"] = json!(error);
                message["body"] = json!({ "error": { "id": 1, "format": error } });
            }
        }
        self.send(message)
    }

    pub fn event(&mut self, event: &str, body: Value) -> std::io::Result<()> {
        let mut message = json!({ "type": "event", "event": event });
        if !body.is_null() {
            message["body"] = body;
        }
        self.send(message)
    }

    fn send(&mut self, mut message: Value) -> std::io::Result<()> {
        self.seq += 1;
        message["seq"] = json!(self.seq);
        let body = message.to_string();
        write!(self.output, "Content-Length: {}\r\n\r\n{body}", body.len())?;
        self.output.flush()
    }
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_framed_by_their_length() {
        let request = r#"{"seq":1,"type":"request","command":"initialize"}"#;
        let input = format!("Content-Length: {}\r\n\r\n{request}", request.len());
        let mut output = Vec::new();
        let mut connection = Connection::new(input.as_bytes(), &mut output);
        match connection.read().unwrap() {
            Some(Incoming::Request { seq, command, .. }) => {
                assert_eq!((seq, command.as_str()), (1, "initialize"))
            }
            _ => panic!("a request"),
        }
        connection
            .respond(1, "initialize", Ok(json!({"a": 1})))
            .unwrap();
        let written = String::from_utf8(output).unwrap();
        let (head, body) = written.split_once("\r\n\r\n").unwrap();
        assert_eq!(head, format!("Content-Length: {}", body.len()));
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            (body["request_seq"].as_u64(), body["success"].as_bool()),
            (Some(1), Some(true))
        );
    }

    #[test]
    fn a_message_without_a_length_or_too_long_is_refused() {
        let mut connection = Connection::new("Content-Type: x\r\n\r\n{}".as_bytes(), Vec::new());
        assert!(connection.read().is_err());
        let huge = format!("Content-Length: {}\r\n\r\n", MAX_MESSAGE_BYTES + 1);
        let mut connection = Connection::new(huge.as_bytes(), Vec::new());
        assert!(connection.read().is_err());
    }
}
