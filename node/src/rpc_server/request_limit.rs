//! `--rpc-max-request-size`, enforced per call where the call's id is known.
//!
//! jsonrpsee refuses a message over its own limit before parsing it, so its error
//! carries `"id": null`, which no client can match to the call it sent (polkadot.js
//! waits for its 60 s timeout). Europa's transport therefore admits messages up to
//! [`transport_limit`] (four times the flag's value: a client's mistaken upload of a
//! debug build is typically a few times too large), and this layer refuses each call over
//! the flag's value with the call's own id and a message naming the limit and the flag.
//! A WebSocket message beyond the transport limit closes the connection instead, with a
//! reason naming the limit (`oversize`).

use futures::future::{ready, Either, Ready};
use jsonrpsee::{
    server::middleware::rpc::RpcServiceT,
    types::{error::OVERSIZED_REQUEST_CODE, ErrorObject, Request},
    MethodResponse,
};

use super::MEBIBYTE;

/// The largest message the transport reads, in bytes, for a limit of `limit_mib`:
/// room for a call over the limit to be parsed far enough to answer it by id.
pub fn transport_limit(limit_mib: u32) -> u32 {
    transport_limit_mib(limit_mib).saturating_mul(MEBIBYTE)
}

/// [`transport_limit`] in MiB.
pub fn transport_limit_mib(limit_mib: u32) -> u32 {
    limit_mib.saturating_mul(4).max(1)
}

/// Wraps each connection's RPC service in [`RequestLimit`].
#[derive(Clone, Debug)]
pub struct RequestLimitLayer {
    limit_mib: u32,
}

impl RequestLimitLayer {
    pub fn new(limit_mib: u32) -> Self {
        Self { limit_mib }
    }
}

impl<S> tower::Layer<S> for RequestLimitLayer {
    type Service = RequestLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestLimit {
            inner,
            limit_mib: self.limit_mib,
        }
    }
}

/// Refuses a call whose method name and parameters exceed the limit.
#[derive(Clone, Debug)]
pub struct RequestLimit<S> {
    inner: S,
    limit_mib: u32,
}

impl<'a, S> RpcServiceT<'a> for RequestLimit<S>
where
    S: RpcServiceT<'a>,
{
    type Future = Either<S::Future, Ready<MethodResponse>>;

    fn call(&self, request: Request<'a>) -> Self::Future {
        let size = request.method.len() + request.params.as_ref().map_or(0, |p| p.get().len());
        let limit = u64::from(self.limit_mib) * u64::from(MEBIBYTE);
        if (size as u64) <= limit {
            return Either::Left(self.inner.call(request));
        }
        let message = format!(
            "{} request of {size} bytes exceeds the node's limit of {} MiB \
             (start europa with a larger `--rpc-max-request-size <MiB>`)",
            request.method, self.limit_mib
        );
        Either::Right(ready(MethodResponse::error(
            request.id,
            ErrorObject::owned(OVERSIZED_REQUEST_CODE, message, None::<()>),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transport_reads_four_times_the_limit() {
        assert_eq!(transport_limit(15), 60 * MEBIBYTE);
        assert_eq!(transport_limit(0), MEBIBYTE);
        assert_eq!(transport_limit(u32::MAX), u32::MAX);
    }
}
