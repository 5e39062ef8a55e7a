//! `europa_register*`: teaching Europa about contracts at run time — their ink! metadata
//! (`europa_registerContract`), and the DWARF build of stripped deployed code
//! (`europa_registerDebugInfo`). What is registered is kept with the chain and read by
//! every trace from then on.

use std::sync::Arc;

use europa_runtime::{opaque::Block, Hash, Runtime};
use jsonrpsee::{
    core::{async_trait, RpcResult},
    proc_macros::rpc,
    types::ErrorObjectOwned,
};
use serde_json::{json, Value};
use sp_blockchain::HeaderBackend;

use crate::insight::{Insight, InsightError};

use super::{invalid_params, params::HexBytes, runtime_error, FullBackend};

#[rpc(server)]
pub trait InsightApi {
    /// Learns a contract's ink! metadata: the metadata JSON or `.contract` bundle, as a
    /// JSON object or as its text. Returns `{name, codeHash}`.
    #[method(name = "europa_registerContract")]
    async fn register_contract(&self, metadata: Value) -> RpcResult<Value>;

    /// Attaches `wasm`, a DWARF-carrying build, to the stored code `codeHash`, when their
    /// Code sections are identical. Returns `{codeHash, codeSection}` (the section's
    /// BLAKE2-256).
    #[method(name = "europa_registerDebugInfo")]
    async fn register_debug_info(&self, code_hash: Hash, wasm: HexBytes) -> RpcResult<Value>;

    /// The contracts whose metadata Europa has: `[{name, codeHash}]`.
    #[method(name = "europa_registeredContracts")]
    async fn registered_contracts(&self) -> RpcResult<Value>;
}

pub struct InsightRpc<C> {
    client: Arc<C>,
    insight: Arc<Insight>,
}

impl<C> InsightRpc<C> {
    pub fn new(client: Arc<C>, insight: Arc<Insight>) -> Self {
        InsightRpc { client, insight }
    }
}

/// Why a registration failed: the input's fault, or (writing it beside the chain) the
/// node's.
fn refused(error: InsightError) -> ErrorObjectOwned {
    match error {
        InsightError::Io(_) => runtime_error(error),
        _ => invalid_params(error.to_string()),
    }
}

/// The input that calls `message` with `args` (as `cargo contract call` takes them) on
/// code `code_hash`, from its registered metadata.
pub fn encode_message(
    insight: &Insight,
    code_hash: Hash,
    message: &str,
    args: &[String],
) -> Result<Vec<u8>, ErrorObjectOwned> {
    let reader = insight
        .abi(code_hash.as_ref())
        .and_then(|abi| abi.reader())
        .ok_or_else(|| {
            invalid_params(format!(
                "Europa has no metadata for code {code_hash:?}: register its .contract \
                 (europa_registerContract) or give the input as bytes"
            ))
        })?;
    reader
        .encode_call(message, args)
        .map_err(|error| invalid_params(format!("{message}: {error}")))
}

/// The code hash of `contract` at block `at`; `None` for an account without code.
pub fn code_hash_of<C>(client: &C, at: Hash, contract: &europa_runtime::AccountId) -> Option<Hash>
where
    C: sc_client_api::StorageProvider<Block, FullBackend>,
{
    use codec::Decode;
    let key = pallet_europa_contracts::ContractInfoOf::<Runtime>::hashed_key_for(contract);
    let value = client
        .storage(at, &sp_core::storage::StorageKey(key))
        .ok()??;
    pallet_europa_contracts::ContractInfo::<Runtime>::decode(&mut &value.0[..])
        .ok()
        .map(|info| info.code_hash)
}

/// The code stored under `hash` at block `at`, as uploaded.
pub fn stored_code<C>(client: &C, at: Hash, hash: &[u8; 32]) -> Option<Vec<u8>>
where
    C: sc_client_api::StorageProvider<Block, FullBackend>,
{
    use codec::Decode;
    let key = pallet_europa_contracts::PristineCode::<Runtime>::hashed_key_for(Hash::from(*hash));
    let value = client
        .storage(at, &sp_core::storage::StorageKey(key))
        .ok()??;
    Vec::<u8>::decode(&mut &value.0[..]).ok()
}

#[async_trait]
impl<C> InsightApiServer for InsightRpc<C>
where
    C: sc_client_api::StorageProvider<Block, FullBackend> + HeaderBackend<Block>,
    C: Send + Sync + 'static,
{
    async fn register_contract(&self, metadata: Value) -> RpcResult<Value> {
        let bytes = match metadata {
            Value::String(text) => text.into_bytes(),
            object @ Value::Object(_) => object.to_string().into_bytes(),
            _ => {
                return Err(invalid_params(
                    "give the metadata as a JSON object or its text",
                ))
            }
        };
        let abi = self
            .insight
            .register_contract(&bytes, true)
            .map_err(|e| invalid_params(e.to_string()))?;
        Ok(json!({ "name": abi.name, "codeHash": Hash::from(abi.code_hash) }))
    }

    async fn register_debug_info(&self, code_hash: Hash, wasm: HexBytes) -> RpcResult<Value> {
        let best = self.client.info().best_hash;
        let code = stored_code(&*self.client, best, &code_hash.0)
            .ok_or_else(|| invalid_params(format!("no code is stored under {code_hash:?}")))?;
        let digest = self
            .insight
            .register_debug_info(code_hash.0, &code, &wasm.0)
            .map_err(refused)?;
        Ok(json!({ "codeHash": code_hash, "codeSection": Hash::from(digest) }))
    }

    async fn registered_contracts(&self) -> RpcResult<Value> {
        let list = self
            .insight
            .contracts()
            .into_iter()
            .map(|(name, hash)| json!({ "name": name, "codeHash": Hash::from(hash) }));
        Ok(Value::Array(list.collect()))
    }
}
