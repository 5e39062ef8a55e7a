//! Which calls a connection may make, decided by the method's name before its
//! parameters are read.
//!
//! - **Unsafe methods** (Europa's own, manual sealing, and Substrate's unsafe ones) are
//!   refused on interfaces where unsafe methods are denied, all with one message that
//!   names `--rpc-methods unsafe`. A method checking this itself would first have its
//!   parameters parsed, and a malformed call would get "invalid params" instead.
//! - **Europa's internal runtime APIs** (`ContractsTraceApi_*`) are refused through the
//!   generic runtime-call methods (`state_call`, …) on every interface: they exist for
//!   Europa's trace methods, which are unsafe, run on the blocking pool under permits and
//!   choose their own inputs (e.g. where a profile's line hooks go).

use futures::future::{ready, Either, Ready};
use jsonrpsee::{
    server::middleware::rpc::RpcServiceT,
    types::{ErrorObject, ErrorObjectOwned, Request},
    MethodResponse,
};

/// JSON-RPC's "method not found", which Substrate also answers for unsafe methods.
const METHOD_NOT_ALLOWED: i32 = -32601;
/// Invalid request parameters (JSON-RPC's code).
const INVALID_PARAMS: i32 = -32602;

/// Prefixes of the unsafe method families: Europa's own methods, their
/// `contractsExt_*` aliases and manual sealing.
const UNSAFE_PREFIXES: &[&str] = &["europa_", "contractsExt_", "engine_"];

/// Substrate's methods that are unsafe whatever their parameters (sc-rpc checks them
/// in their bodies too).
const UNSAFE_SUBSTRATE_METHODS: &[&str] = &[
    "author_hasKey",
    "author_hasSessionKeys",
    "author_insertKey",
    "author_removeExtrinsic",
    "author_rotateKeys",
    "author_rotateKeysWithOwner",
    "dev_getBlockStats",
    "offchain_localStorageClear",
    "offchain_localStorageGet",
    "offchain_localStorageSet",
    "state_callRecorded",
    "state_getPairs",
    "state_getStorageSize",
    "state_getStorageSizeAt",
    "state_queryStorage",
    "state_traceBlock",
    "system_addLogFilter",
    "system_addReservedPeer",
    "system_dryRun",
    "system_dryRunAt",
    "system_peers",
    "system_removeReservedPeer",
    "system_resetLogFilter",
    "system_unstable_networkState",
];

/// Whether `method` is unsafe in Substrate's sense: served on local interfaces only
/// unless the node runs with `--rpc-methods unsafe`.
pub fn is_unsafe(method: &str) -> bool {
    UNSAFE_PREFIXES
        .iter()
        .any(|prefix| method.starts_with(prefix))
        || UNSAFE_SUBSTRATE_METHODS.contains(&method)
}

/// The refusal of unsafe `method` on an interface that denies unsafe methods.
pub fn unsafe_refused(method: &str) -> ErrorObjectOwned {
    ErrorObject::owned(
        METHOD_NOT_ALLOWED,
        format!(
            "{method} is an unsafe method, refused on this interface: europa serves unsafe \
             methods on local interfaces only; on a trusted network, start it with \
             `--rpc-methods unsafe`"
        ),
        None::<()>,
    )
}

/// Runtime API entry points only Europa's own methods may call, with the method to use.
const INTERNAL_RUNTIME_APIS: &[(&str, &str)] = &[
    ("ContractsTraceApi_trace_call", "europa_traceCall"),
    (
        "ContractsTraceApi_trace_instantiate",
        "europa_traceInstantiate",
    ),
    ("ContractsTraceApi_trace_block", "europa_traceBlock"),
    ("ContractsTraceApi_trace_extrinsic", "europa_traceExtrinsic"),
    ("ContractsTraceApi_profile_call", "europa_profileCall"),
    (
        "ContractsTraceApi_profile_extrinsic",
        "europa_profileExtrinsic",
    ),
    ("ContractsTraceApi_profile_instantiate", "europa_lineRecord"),
];
/// What every internal entry point's name starts with (one added later is refused too).
const INTERNAL_RUNTIME_API_PREFIX: &str = "ContractsTraceApi_";

/// The methods that call a runtime API by name: the name's position in positional
/// parameters and its key in named ones.
const RUNTIME_CALL_METHODS: &[(&str, usize, &str)] = &[
    ("state_call", 0, "name"),
    ("state_callAt", 0, "name"),
    ("chainHead_v1_call", 2, "function"),
    ("archive_v1_call", 1, "function"),
    ("archive_unstable_call", 1, "function"),
];

/// The refusal of a generic runtime call of an internal entry point, if `request` is one.
fn internal_runtime_call(request: &Request<'_>) -> Option<ErrorObjectOwned> {
    let (_, position, key) = RUNTIME_CALL_METHODS
        .iter()
        .find(|(method, _, _)| *method == request.method_name())?;
    let params: serde_json::Value = serde_json::from_str(request.params.as_ref()?.get()).ok()?;
    let function = match &params {
        serde_json::Value::Array(items) => items.get(*position),
        serde_json::Value::Object(fields) => fields.get(*key),
        _ => None,
    }?
    .as_str()?;
    if !function.starts_with(INTERNAL_RUNTIME_API_PREFIX) {
        return None;
    }
    let instead = INTERNAL_RUNTIME_APIS
        .iter()
        .find(|(entry, _)| *entry == function)
        .map_or_else(
            || "Europa's trace methods".to_owned(),
            |(_, method)| (*method).to_owned(),
        );
    Some(ErrorObject::owned(
        INVALID_PARAMS,
        format!(
            "{function} is a runtime API internal to europa, not served through {}: use {instead}",
            request.method_name()
        ),
        None::<()>,
    ))
}

/// Wraps each connection's RPC service in [`Gate`].
#[derive(Clone, Copy, Debug)]
pub struct GateLayer {
    deny_unsafe: bool,
}

impl GateLayer {
    /// A gate for an interface that denies unsafe methods, or not.
    pub fn new(deny_unsafe: bool) -> Self {
        GateLayer { deny_unsafe }
    }
}

impl<S> tower::Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Gate {
            inner,
            deny_unsafe: self.deny_unsafe,
        }
    }
}

/// Refuses unsafe methods where they are denied, and internal runtime API calls.
#[derive(Clone, Debug)]
pub struct Gate<S> {
    inner: S,
    deny_unsafe: bool,
}

impl<'a, S> RpcServiceT<'a> for Gate<S>
where
    S: RpcServiceT<'a>,
{
    type Future = Either<S::Future, Ready<MethodResponse>>;

    fn call(&self, request: Request<'a>) -> Self::Future {
        let refusal = if self.deny_unsafe && is_unsafe(request.method_name()) {
            Some(unsafe_refused(request.method_name()))
        } else {
            internal_runtime_call(&request)
        };
        match refusal {
            None => Either::Left(self.inner.call(request)),
            Some(error) => Either::Right(ready(MethodResponse::error(request.id, error))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_methods_are_known_by_name() {
        for method in [
            "europa_traceCall",
            "contractsExt_call",
            "engine_createBlock",
            "system_dryRun",
            "author_insertKey",
        ] {
            assert!(is_unsafe(method), "{method}");
        }
        for method in [
            "state_call",
            "chain_getBlock",
            "author_submitExtrinsic",
            "rpc_methods",
        ] {
            assert!(!is_unsafe(method), "{method}");
        }
    }

    #[test]
    fn internal_runtime_apis_are_refused_through_state_call() {
        let request = |method: &'static str, params: &'static str| {
            let params = serde_json::value::RawValue::from_string(params.to_owned()).unwrap();
            Request::new(
                method.into(),
                Some(&*Box::leak(params)),
                jsonrpsee::types::Id::Number(1),
            )
        };
        let refused = internal_runtime_call(&request(
            "state_call",
            r#"["ContractsTraceApi_profile_call", "0x00"]"#,
        ))
        .expect("refused");
        assert!(refused.message().contains("use europa_profileCall"));
        assert!(internal_runtime_call(&request(
            "state_call",
            r#"{"name": "ContractsTraceApi_trace_block", "bytes": "0x"}"#
        ))
        .is_some());
        assert!(internal_runtime_call(&request(
            "chainHead_v1_call",
            r#"["sub", "0x00", "ContractsTraceApi_trace_call", "0x"]"#
        ))
        .is_some());
        assert!(
            internal_runtime_call(&request("state_call", r#"["ContractsApi_call", "0x00"]"#))
                .is_none()
        );
    }
}
