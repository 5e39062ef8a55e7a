//! `europa_*` trace RPCs: what contracts did, as JSON (the trace format of
//! docs/trace-format.md), for a dry-run call, a dry-run instantiation, or every
//! extrinsic of a block already on chain.
//!
//! A trace may take as long as a block's worth of gas buys, so traces run on tokio's
//! blocking pool, at most [`CONCURRENT_TRACES`] at once, never on the RPC server's own
//! workers: other calls are answered meanwhile.

use std::sync::Arc;

use codec::Decode;
use europa_runtime::{opaque::Block, AccountId, Balance, EventRecord, Hash};
use jsonrpsee::{
    types::{ErrorObject, ErrorObjectOwned, Params},
    RpcModule,
};
use pallet_europa_contracts::{api::ContractsTraceApi, Code, StorageDeposit};
use serde_json::{json, Value};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::crypto::Ss58Codec;
use sp_runtime::{traits::Block as BlockT, DispatchError, Weight};

/// Invalid request parameters (JSON-RPC's code).
const INVALID_PARAMS: i32 = -32602;
/// The runtime or the chain could not answer.
const RUNTIME_ERROR: i32 = -32000;

fn invalid(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(INVALID_PARAMS, message.into(), None::<()>)
}

fn runtime_error(message: impl std::fmt::Display) -> ErrorObjectOwned {
    ErrorObject::owned(RUNTIME_ERROR, message.to_string(), None::<()>)
}

/// How many traces run at once; more wait their turn.
pub const CONCURRENT_TRACES: usize = 2;

/// What the trace methods share: the client and the permits to run.
pub struct Tracer<C> {
    client: Arc<C>,
    permits: tokio::sync::Semaphore,
}

type TraceFn<C> = fn(Params<'static>, &Arc<C>) -> Result<Value, ErrorObjectOwned>;

pub fn module<C>(
    client: Arc<C>,
) -> Result<RpcModule<Tracer<C>>, jsonrpsee::core::RegisterMethodError>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
    C: sc_client_api::BlockBackend<Block>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord>,
{
    let mut module = RpcModule::new(Tracer {
        client,
        permits: tokio::sync::Semaphore::new(CONCURRENT_TRACES),
    });
    let methods: [(&'static str, TraceFn<C>); 3] = [
        ("europa_traceCall", trace_call::<C>),
        ("europa_traceInstantiate", trace_instantiate::<C>),
        ("europa_traceBlock", trace_block::<C>),
    ];
    for (name, trace) in methods {
        module.register_async_method(name, move |params, tracer, ext| async move {
            crate::rpc::ensure_unsafe_allowed(&ext, name)?;
            let _permit = tracer
                .permits
                .acquire()
                .await
                .map_err(|_| runtime_error("the node is shutting down"))?;
            let client = tracer.client.clone();
            tokio::task::spawn_blocking(move || trace(params, &client))
                .await
                .map_err(|e| runtime_error(format!("{name} failed: {e}")))?
        })?;
    }
    Ok(module)
}

/// `europa_traceCall({origin, dest, value?, gasLimit?, storageDepositLimit?, inputData}, at?)`
fn trace_call<C>(params: Params<'static>, client: &Arc<C>) -> Result<Value, ErrorObjectOwned>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord>,
{
    let (request, at) = request_and_block(params)?;
    let common = DryRun::parse(&request)?;
    let dest = account(&request, "dest")?;
    let input = bytes(&request, "inputData")?.unwrap_or_default();
    let at = at.unwrap_or_else(|| client.info().best_hash);
    let (result, trace) = client
        .runtime_api()
        .trace_call(
            at,
            common.origin,
            dest,
            common.value,
            common.gas_limit,
            common.deposit_limit,
            input,
        )
        .map_err(runtime_error)?;
    let outcome = result
        .result
        .map(|value| json!({ "flags": value.flags.bits(), "data": hex(&value.data) }));
    Ok(report(
        result.gas_consumed,
        result.gas_required,
        result.storage_deposit,
        &result.debug_message,
        outcome,
        trace,
    ))
}

/// `europa_traceInstantiate({origin, value?, gasLimit?, storageDepositLimit?, code | codeHash, data?, salt?}, at?)`
fn trace_instantiate<C>(params: Params<'static>, client: &Arc<C>) -> Result<Value, ErrorObjectOwned>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord>,
{
    let (request, at) = request_and_block(params)?;
    let common = DryRun::parse(&request)?;
    let code = match (bytes(&request, "code")?, bytes(&request, "codeHash")?) {
        (Some(code), None) => Code::Upload(code),
        (None, Some(hash)) if hash.len() == 32 => Code::Existing(Hash::from_slice(&hash)),
        (None, Some(_)) => return Err(invalid("`codeHash` must be 32 bytes")),
        _ => return Err(invalid("give exactly one of `code` and `codeHash`")),
    };
    let data = bytes(&request, "data")?.unwrap_or_default();
    let salt = bytes(&request, "salt")?.unwrap_or_default();
    let at = at.unwrap_or_else(|| client.info().best_hash);
    let (result, trace) = client
        .runtime_api()
        .trace_instantiate(
            at,
            common.origin,
            common.value,
            common.gas_limit,
            common.deposit_limit,
            code,
            data,
            salt,
        )
        .map_err(runtime_error)?;
    let outcome = result.result.map(|value| {
        json!({
            "flags": value.result.flags.bits(),
            "data": hex(&value.result.data),
            "accountId": value.account_id.to_ss58check(),
        })
    });
    Ok(report(
        result.gas_consumed,
        result.gas_required,
        result.storage_deposit,
        &result.debug_message,
        outcome,
        trace,
    ))
}

/// `europa_traceBlock(hash)`: re-executes the block on its parent's state and returns
/// `[{extrinsicIndex, trace}]` for the extrinsics that ran contracts.
fn trace_block<C>(params: Params<'static>, client: &Arc<C>) -> Result<Value, ErrorObjectOwned>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + sc_client_api::BlockBackend<Block>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord>,
{
    let hash: Hash = params.sequence().next()?;
    let block = client
        .block(hash)
        .map_err(runtime_error)?
        .ok_or_else(|| invalid(format!("no block {hash:?}")))?
        .block;
    let parent = block.header().parent_hash;
    if block.header().number == 0 {
        return Ok(json!([]));
    }
    let traces = client
        .runtime_api()
        .trace_block(parent, block)
        .map_err(runtime_error)?;
    Ok(Value::Array(
        traces
            .into_iter()
            .map(|(index, trace)| json!({ "extrinsicIndex": index, "trace": trace }))
            .collect(),
    ))
}

/// The fields every dry-run request has.
struct DryRun {
    origin: AccountId,
    value: Balance,
    gas_limit: Option<Weight>,
    deposit_limit: Option<Balance>,
}

impl DryRun {
    fn parse(request: &Value) -> Result<DryRun, ErrorObjectOwned> {
        Ok(DryRun {
            origin: account(request, "origin")?,
            value: balance(request, "value")?.unwrap_or_default(),
            gas_limit: weight(request, "gasLimit")?,
            deposit_limit: balance(request, "storageDepositLimit")?,
        })
    }
}

/// A request object, then an optional block hash (the best block when absent).
fn request_and_block(params: Params) -> Result<(Value, Option<Hash>), ErrorObjectOwned> {
    let mut sequence = params.sequence();
    let request: Value = sequence.next()?;
    if !request.is_object() {
        return Err(invalid("the first parameter must be a request object"));
    }
    Ok((request, sequence.optional_next()?))
}

fn report(
    gas_consumed: Weight,
    gas_required: Weight,
    deposit: StorageDeposit<Balance>,
    debug_message: &[u8],
    outcome: Result<Value, DispatchError>,
    trace: pallet_europa_contracts::trace::ExecutionTrace,
) -> Value {
    let gas = |w: Weight| json!({ "refTime": w.ref_time(), "proofSize": w.proof_size() });
    let deposit = match deposit {
        StorageDeposit::Charge(amount) => json!({ "charge": amount.to_string() }),
        StorageDeposit::Refund(amount) => json!({ "refund": amount.to_string() }),
    };
    let result = match outcome {
        Ok(value) => json!({ "ok": value }),
        Err(error) => json!({ "err": error_name(&error) }),
    };
    json!({
        "gasConsumed": gas(gas_consumed),
        "gasRequired": gas(gas_required),
        "storageDeposit": deposit,
        "debugMessage": String::from_utf8_lossy(debug_message),
        "result": result,
        "trace": trace,
    })
}

/// `Contracts::OutOfGas` rather than a module index (names do not cross the runtime API).
fn error_name(error: &DispatchError) -> String {
    use frame_support::traits::PalletInfoAccess;
    if let DispatchError::Module(module) = error {
        if module.index as usize == europa_runtime::Contracts::index() {
            if let Ok(error) = pallet_europa_contracts::Error::<europa_runtime::Runtime>::decode(
                &mut &module.error[..],
            ) {
                return format!("Contracts::{error:?}");
            }
        }
    }
    format!("{error:?}")
}

fn field<'a>(request: &'a Value, name: &str) -> Option<&'a Value> {
    request.get(name).filter(|v| !v.is_null())
}

/// An SS58 address or 32 bytes of hex.
fn account(request: &Value, name: &str) -> Result<AccountId, ErrorObjectOwned> {
    let text = field(request, name)
        .and_then(Value::as_str)
        .ok_or_else(|| {
            invalid(format!(
                "`{name}` must be an SS58 address or 0x-prefixed 32 bytes"
            ))
        })?;
    if let Some(hex) = text.strip_prefix("0x") {
        let raw = decode_hex(hex).map_err(|e| invalid(format!("`{name}`: {e}")))?;
        return <[u8; 32]>::try_from(raw)
            .map(AccountId::from)
            .map_err(|_| invalid(format!("`{name}` must be 32 bytes")));
    }
    AccountId::from_ss58check(text)
        .map_err(|e| invalid(format!("`{name}` is not an SS58 address: {e:?}")))
}

/// A balance as a JSON number, a decimal string or a 0x-hex string.
fn balance(request: &Value, name: &str) -> Result<Option<Balance>, ErrorObjectOwned> {
    let Some(value) = field(request, name) else {
        return Ok(None);
    };
    let bad = || {
        invalid(format!(
            "`{name}` must be a non-negative integer (number, decimal or 0x-hex string)"
        ))
    };
    match value {
        Value::Number(n) => n.as_u64().map(Balance::from).ok_or_else(bad).map(Some),
        Value::String(s) => match s.strip_prefix("0x") {
            Some(hex) => Balance::from_str_radix(hex, 16)
                .map_err(|_| bad())
                .map(Some),
            None => s.parse().map_err(|_| bad()).map(Some),
        },
        _ => Err(bad()),
    }
}

/// `{refTime, proofSize}`.
fn weight(request: &Value, name: &str) -> Result<Option<Weight>, ErrorObjectOwned> {
    let Some(value) = field(request, name) else {
        return Ok(None);
    };
    let part = |key: &str| value.get(key).and_then(Value::as_u64);
    match (part("refTime"), part("proofSize")) {
        (Some(ref_time), Some(proof_size)) => Ok(Some(Weight::from_parts(ref_time, proof_size))),
        _ => Err(invalid(format!(
            "`{name}` must be {{\"refTime\": n, \"proofSize\": n}}"
        ))),
    }
}

fn bytes(request: &Value, name: &str) -> Result<Option<Vec<u8>>, ErrorObjectOwned> {
    let Some(value) = field(request, name) else {
        return Ok(None);
    };
    let text = value
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| invalid(format!("`{name}` must be a 0x-prefixed hex string")))?;
    decode_hex(text)
        .map(Some)
        .map_err(|e| invalid(format!("`{name}`: {e}")))
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|digits| u8::from_str_radix(digits, 16).ok())
                .ok_or_else(|| "not a hex string".to_string())
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    format!(
        "0x{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}
