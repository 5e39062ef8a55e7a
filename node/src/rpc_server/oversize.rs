//! A WebSocket message beyond the transport's limit fails its client at once.
//!
//! jsonrpsee skips such a message unread and answers it with an error whose id is
//! `null`, which no client can match to its call: @polkadot/api waits for its 60 s
//! timeout. Messages up to four times `--rpc-max-request-size` are read and answered by
//! their id (`request_limit`); past that, this wrapper of the connection's socket
//! replaces jsonrpsee's id-less error with a WebSocket close (1009, "message too big")
//! whose reason names the limit and the flag. Clients fail their pending calls with that
//! reason straight away (@polkadot/api then reconnects by itself).
//!
//! Only what the server writes is looked at, and only on a connection the server
//! switched to WebSocket: the `101` response, then frames, which the server never
//! masks, fragments or compresses. Anything unexpected turns the wrapper into a plain
//! pass-through.

use std::{
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    task::{ready, Context, Poll},
};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The WebSocket close code for a message too big to process.
const MESSAGE_TOO_BIG: u16 = 1009;
/// The longest close reason a frame carries (a control frame's payload is 125 bytes).
const MAX_REASON: usize = 123;
/// Frames larger than this are passed on without being looked at (jsonrpsee's error is
/// about a hundred bytes).
const MAX_INSPECTED_FRAME: usize = 512;
/// The longest response head looked for (a `101` is a few hundred bytes).
const MAX_RESPONSE_HEAD: usize = 8 * 1024;
/// jsonrpsee's code for a request over its size limit.
const OVERSIZED_REQUEST: i64 = jsonrpsee::types::error::OVERSIZED_REQUEST_CODE as i64;

/// Set when the connection's request asks for a WebSocket upgrade.
#[derive(Clone, Default)]
pub struct UpgradeAsked(Arc<AtomicBool>);

impl UpgradeAsked {
    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The close reason for a message over the transport's limit, for a
/// `--rpc-max-request-size` of `limit_mib`.
pub fn close_reason(limit_mib: u32) -> String {
    let mut reason = format!(
        "message over {} MiB not read: calls are limited to {limit_mib} MiB \
         (--rpc-max-request-size)",
        super::request_limit::transport_limit_mib(limit_mib)
    );
    reason.truncate(MAX_REASON);
    reason
}

/// A connection's socket, whose writes are watched as the module says.
pub struct OversizeClose<S> {
    inner: S,
    upgrade_asked: UpgradeAsked,
    reason: Arc<str>,
    state: State,
    /// Bytes accepted from the server, not yet written to the socket.
    out: Vec<u8>,
}

enum State {
    /// HTTP, or anything not understood: written as it comes.
    PassThrough,
    /// The response to an upgrade request, up to the end of its head.
    ResponseHead(Vec<u8>),
    /// A frame's header, as far as written.
    FrameHeader(Vec<u8>),
    /// A frame's payload being looked at: its header and payload so far, and its length.
    InspectedPayload {
        header: Vec<u8>,
        payload: Vec<u8>,
        length: usize,
    },
    /// A frame's payload passed on: bytes still to come.
    PassedPayload(u64),
    /// The connection was closed: nothing more may be sent.
    Closed,
}

impl<S> OversizeClose<S> {
    pub fn new(inner: S, upgrade_asked: UpgradeAsked, reason: &str) -> Self {
        OversizeClose {
            inner,
            upgrade_asked,
            reason: reason.into(),
            state: State::PassThrough,
            out: Vec::new(),
        }
    }

    /// Takes `bytes` the server writes, putting what goes to the socket in `out`.
    fn accept(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if matches!(self.state, State::PassThrough)
                && self.upgrade_asked.0.swap(false, Ordering::Relaxed)
            {
                self.state = State::ResponseHead(Vec::new());
            }
            bytes = match &mut self.state {
                State::PassThrough => {
                    self.out.extend_from_slice(bytes);
                    &[]
                }
                State::Closed => &[],
                State::ResponseHead(head) => {
                    let (taken, rest) = take_head(head, bytes);
                    self.out.extend_from_slice(taken);
                    if head.ends_with(b"\r\n\r\n") {
                        self.state = if head.starts_with(b"HTTP/1.1 101 ") {
                            State::FrameHeader(Vec::new())
                        } else {
                            State::PassThrough
                        };
                    } else if head.len() >= MAX_RESPONSE_HEAD {
                        self.state = State::PassThrough;
                    }
                    rest
                }
                State::FrameHeader(header) => {
                    let needed = header_length(header).saturating_sub(header.len()).max(1);
                    let (taken, rest) = bytes.split_at(needed.min(bytes.len()));
                    header.extend_from_slice(taken);
                    if header.len() >= header_length(header) {
                        let header = std::mem::take(header);
                        self.state = after_header(header, &mut self.out);
                    }
                    rest
                }
                State::InspectedPayload {
                    header,
                    payload,
                    length,
                } => {
                    let (taken, rest) = bytes.split_at((*length - payload.len()).min(bytes.len()));
                    payload.extend_from_slice(taken);
                    if payload.len() == *length {
                        if is_oversized_error(payload) {
                            self.out.extend_from_slice(&close_frame(&self.reason));
                            self.state = State::Closed;
                        } else {
                            self.out.extend_from_slice(header);
                            self.out.extend_from_slice(payload);
                            self.state = State::FrameHeader(Vec::new());
                        }
                    }
                    rest
                }
                State::PassedPayload(remaining) => {
                    let count = (*remaining).min(bytes.len() as u64) as usize;
                    let (taken, rest) = bytes.split_at(count);
                    self.out.extend_from_slice(taken);
                    *remaining -= count as u64;
                    if *remaining == 0 {
                        self.state = State::FrameHeader(Vec::new());
                    }
                    rest
                }
            };
        }
    }
}

/// Moves bytes of a response head from `bytes` into `head` (up to its end), returning
/// the bytes moved and those after.
fn take_head<'a>(head: &mut Vec<u8>, bytes: &'a [u8]) -> (&'a [u8], &'a [u8]) {
    let mut count = 0;
    while count < bytes.len() && !head.ends_with(b"\r\n\r\n") && head.len() < MAX_RESPONSE_HEAD {
        head.push(bytes[count]);
        count += 1;
    }
    bytes.split_at(count)
}

/// How long a frame header whose first bytes are `header` is (2 until known).
fn header_length(header: &[u8]) -> usize {
    let Some(second) = header.get(1) else {
        return 2;
    };
    let mask = if second & 0x80 != 0 { 4 } else { 0 };
    match second & 0x7f {
        126 => 4 + mask,
        127 => 10 + mask,
        _ => 2 + mask,
    }
}

/// What follows a complete frame header: its payload looked at (a small, final text
/// frame) or passed on.
fn after_header(header: Vec<u8>, out: &mut Vec<u8>) -> State {
    let (first, second) = (header[0], header[1]);
    let length = match second & 0x7f {
        126 => u64::from(u16::from_be_bytes([header[2], header[3]])),
        127 => u64::from_be_bytes(header[2..10].try_into().unwrap_or([0xff; 8])),
        short => u64::from(short),
    };
    let is_final_text = first == 0x81 && second & 0x80 == 0;
    if is_final_text && length <= MAX_INSPECTED_FRAME as u64 {
        let length = length as usize;
        if length == 0 {
            out.extend_from_slice(&header);
            return State::FrameHeader(Vec::new());
        }
        return State::InspectedPayload {
            header,
            payload: Vec::with_capacity(length),
            length,
        };
    }
    out.extend_from_slice(&header);
    if length == 0 {
        State::FrameHeader(Vec::new())
    } else {
        State::PassedPayload(length)
    }
}

/// Whether `payload` is jsonrpsee's answer to a message it did not read.
fn is_oversized_error(payload: &[u8]) -> bool {
    let Ok(answer) = serde_json::from_slice::<serde_json::Value>(payload) else {
        return false;
    };
    answer.get("id") == Some(&serde_json::Value::Null)
        && answer
            .pointer("/error/code")
            .and_then(serde_json::Value::as_i64)
            == Some(OVERSIZED_REQUEST)
}

/// A close frame with code 1009 and `reason`.
fn close_frame(reason: &str) -> Vec<u8> {
    let reason = &reason.as_bytes()[..reason.len().min(MAX_REASON)];
    let mut frame = vec![0x88, (2 + reason.len()) as u8];
    frame.extend_from_slice(&MESSAGE_TOO_BIG.to_be_bytes());
    frame.extend_from_slice(reason);
    frame
}

impl<S: AsyncWrite + Unpin> OversizeClose<S> {
    /// Writes what is buffered; ready once all of it is written.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.out.is_empty() {
            let written = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.out))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.out.drain(..written);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for OversizeClose<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if matches!(self.state, State::Closed) {
            // Once the close is on its way, the server reads the end of the connection
            // and lets it go: a client that ignores the close gets nothing more done.
            ready!(self.poll_drain(cx))?;
            ready!(Pin::new(&mut self.inner).poll_flush(cx))?;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for OversizeClose<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_drain(cx))?;
        // HTTP, and a WebSocket frame's payload passed on, go to the socket as they are.
        let upgrade_asked = self.upgrade_asked.0.load(Ordering::Relaxed);
        match &mut self.state {
            State::PassThrough if !upgrade_asked => {
                return Pin::new(&mut self.inner).poll_write(cx, bytes);
            }
            State::PassedPayload(remaining) => {
                let count = (*remaining).min(bytes.len() as u64) as usize;
                let this = &mut *self;
                let written = ready!(Pin::new(&mut this.inner).poll_write(cx, &bytes[..count]))?;
                if let State::PassedPayload(remaining) = &mut this.state {
                    *remaining -= written as u64;
                    if *remaining == 0 {
                        this.state = State::FrameHeader(Vec::new());
                    }
                }
                return Poll::Ready(Ok(written));
            }
            _ => {}
        }
        self.accept(bytes);
        // Accepted: what the socket does not take now goes with the next write or flush.
        if let Poll::Ready(Err(error)) = self.poll_drain(cx) {
            return Poll::Ready(Err(error));
        }
        Poll::Ready(Ok(bytes.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_frame(payload: &str) -> Vec<u8> {
        let mut frame = vec![0x81];
        match payload.len() {
            short @ 0..=125 => frame.push(short as u8),
            medium @ 126..=0xffff => {
                frame.push(126);
                frame.extend_from_slice(&(medium as u16).to_be_bytes());
            }
            long => {
                frame.push(127);
                frame.extend_from_slice(&(long as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(payload.as_bytes());
        frame
    }

    /// Writes `written` through a wrapper in pieces of `piece` bytes; returns what the
    /// socket got.
    fn through(written: &[u8], upgrade: bool, piece: usize) -> Vec<u8> {
        use tokio::io::AsyncWriteExt;
        let asked = UpgradeAsked::default();
        if upgrade {
            asked.set();
        }
        let mut wrapper = OversizeClose::new(Vec::<u8>::new(), asked, "too big");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            for chunk in written.chunks(piece) {
                wrapper.write_all(chunk).await.expect("written");
            }
            wrapper.flush().await.expect("flushed");
        });
        wrapper.inner
    }

    const SWITCH: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n";
    const OVERSIZED: &str =
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32007,"message":"Request is too big"}}"#;

    #[test]
    fn the_id_less_oversize_error_becomes_a_close_and_nothing_follows() {
        let answer = text_frame(r#"{"jsonrpc":"2.0","id":1,"result":"0x00"}"#);
        let large = text_frame(&"x".repeat(70_000));
        let written = [SWITCH, &answer, &large, &text_frame(OVERSIZED), &answer].concat();
        let expected = [SWITCH, &answer, &large, &close_frame("too big")].concat();
        for piece in [1, 3, 64, written.len()] {
            assert_eq!(
                through(&written, true, piece),
                expected,
                "pieces of {piece}"
            );
        }
    }

    #[tokio::test]
    async fn after_the_close_the_server_reads_the_end_of_the_connection() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (server_end, mut client_end) = tokio::io::duplex(4096);
        let asked = UpgradeAsked::default();
        asked.set();
        let mut wrapper = OversizeClose::new(server_end, asked, "too big");
        let written = [SWITCH, &text_frame(OVERSIZED)].concat();
        wrapper.write_all(&written).await.expect("written");
        client_end.write_all(b"more requests").await.expect("sent");
        let mut read = Vec::new();
        wrapper.read_to_end(&mut read).await.expect("read");
        assert!(read.is_empty(), "nothing is read after the close: {read:?}");
        drop(wrapper);
        let mut got = Vec::new();
        client_end.read_to_end(&mut got).await.expect("read");
        assert_eq!(got, [SWITCH, &close_frame("too big")].concat());
    }

    #[test]
    fn other_connections_and_answers_pass_unchanged() {
        // Not an upgrade: an HTTP answer that happens to hold the same bytes.
        let http = [
            b"HTTP/1.1 200 OK\r\n\r\n".as_slice(),
            &text_frame(OVERSIZED),
        ]
        .concat();
        assert_eq!(through(&http, false, 7), http);
        // An upgrade refused: HTTP goes on.
        let refused = [
            b"HTTP/1.1 403 Forbidden\r\n\r\n".as_slice(),
            &text_frame(OVERSIZED),
        ]
        .concat();
        assert_eq!(through(&refused, true, 5), refused);
        // The same error with an id is the server's answer to a call, and stays.
        let answered = text_frame(&OVERSIZED.replace("null", "7"));
        let written = [SWITCH, &answered].concat();
        assert_eq!(through(&written, true, 2), written);
    }

    #[test]
    fn the_reason_names_the_limit_and_the_flag_and_fits_a_close_frame() {
        assert!(close_reason(u32::MAX).len() <= MAX_REASON);
        let reason = close_reason(15);
        assert!(
            reason.contains("60 MiB")
                && reason.contains("15 MiB")
                && reason.contains("--rpc-max-request-size"),
            "{reason}"
        );
    }
}
