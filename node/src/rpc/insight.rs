//! `europa_register*`: teaching Europa about contracts at run time — their ink! metadata
//! (`europa_registerContract`), and the DWARF build of stripped deployed code
//! (`europa_registerDebugInfo`). What is registered is kept with the chain and read by
//! every trace from then on.

use std::sync::Arc;

use europa_rpc_api::{
    insight::{InsightApiServer, RegisteredContract, RegisteredDebugInfo},
    params::HexBytes,
};
use europa_runtime::{opaque::Block, Hash, Runtime};
use jsonrpsee::core::{async_trait, RpcResult};
use serde_json::Value;
use sp_blockchain::HeaderBackend;

use crate::insight::Insight;

use super::{invalid_params, FullBackend, RpcError};

pub struct InsightRpc<C> {
    client: Arc<C>,
    insight: Arc<Insight>,
}

impl<C> InsightRpc<C> {
    pub fn new(client: Arc<C>, insight: Arc<Insight>) -> Self {
        InsightRpc { client, insight }
    }
}

/// The input that calls `message` with `args` (as `cargo contract call` takes them) on
/// code `code_hash`, from its registered metadata.
pub fn encode_message(
    insight: &Insight,
    code_hash: Hash,
    message: &str,
    args: &[String],
) -> Result<Vec<u8>, RpcError> {
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
    async fn register_contract(&self, metadata: Value) -> RpcResult<RegisteredContract> {
        let bytes = match metadata {
            Value::String(text) => text.into_bytes(),
            object @ Value::Object(_) => object.to_string().into_bytes(),
            _ => {
                return Err(invalid_params("give the metadata as a JSON object or its text").into())
            }
        };
        let abi = self
            .insight
            .register_contract(&bytes, true)
            .map_err(|e| invalid_params(e.to_string()))?;
        Ok(RegisteredContract {
            name: abi.name.clone(),
            code_hash: abi.code_hash.into(),
        })
    }

    async fn register_debug_info(
        &self,
        code_hash: Hash,
        wasm: HexBytes,
    ) -> RpcResult<RegisteredDebugInfo> {
        let best = self.client.info().best_hash;
        let code = stored_code(&*self.client, best, &code_hash.0)
            .ok_or_else(|| invalid_params(format!("no code is stored under {code_hash:?}")))?;
        let digest = self
            .insight
            .register_debug_info(code_hash.0, &code, wasm.bytes())
            .map_err(RpcError::from)?;
        Ok(RegisteredDebugInfo {
            code_hash,
            code_section: digest.into(),
        })
    }

    async fn registered_contracts(&self) -> RpcResult<Vec<RegisteredContract>> {
        let list = self.insight.contracts().into_iter();
        Ok(list
            .map(|(name, hash)| RegisteredContract {
                name,
                code_hash: hash.into(),
            })
            .collect())
    }
}
