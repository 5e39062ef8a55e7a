//! `engine_*`: manual sealing as sc-consensus-manual-seal serves it, behind the
//! unsafe-method check.

use europa_runtime::Hash;
use jsonrpsee::{
    core::{async_trait, RpcResult},
    proc_macros::rpc,
};
use sc_consensus_manual_seal::rpc::{CreatedBlock, ManualSeal, ManualSealApiServer};

/// `engine_createBlock` and `engine_finalizeBlock` as manual seal serves them, behind
/// the unsafe-method check.
#[rpc(server)]
pub trait EngineApi {
    /// Seals a block: `createEmpty` even without transactions, `finalize` at once,
    /// on `parentHash` (default: the best block).
    #[method(name = "engine_createBlock")]
    async fn create_block(
        &self,
        create_empty: bool,
        finalize: bool,
        parent_hash: Option<Hash>,
    ) -> RpcResult<CreatedBlock<Hash>>;

    /// Finalizes the block `hash` (and its ancestors).
    #[method(name = "engine_finalizeBlock")]
    async fn finalize_block(&self, hash: Hash, justification: Option<Vec<u8>>) -> RpcResult<bool>;
}

pub struct Engine(pub ManualSeal<Hash>);

#[async_trait]
impl EngineApiServer for Engine {
    async fn create_block(
        &self,
        create_empty: bool,
        finalize: bool,
        parent_hash: Option<Hash>,
    ) -> RpcResult<CreatedBlock<Hash>> {
        ManualSealApiServer::create_block(&self.0, create_empty, finalize, parent_hash)
            .await
            .map_err(Into::into)
    }

    async fn finalize_block(&self, hash: Hash, justification: Option<Vec<u8>>) -> RpcResult<bool> {
        ManualSealApiServer::finalize_block(&self.0, hash, justification)
            .await
            .map_err(Into::into)
    }
}
