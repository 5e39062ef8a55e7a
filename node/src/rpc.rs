//! RPC methods beyond the standard ones sc-service installs: account nonces and dry runs,
//! fee queries, manual sealing, and contract traces.
//!
//! Europa's own methods (`europa_*`) and manual sealing (`engine_*`) are unsafe in
//! Substrate's sense: served on local interfaces, refused on external ones unless the
//! node runs with `--rpc-methods unsafe`.

use std::sync::Arc;

use europa_runtime::{opaque::Block, AccountId, Balance, Hash, Nonce};
use futures::channel::mpsc;
use jsonrpsee::{
    core::{async_trait, RpcResult},
    proc_macros::rpc,
    types::{ErrorObject, ErrorObjectOwned},
    Extensions, RpcModule,
};
use sc_consensus_manual_seal::{
    rpc::{CreatedBlock, ManualSeal, ManualSealApiServer},
    EngineCommand,
};
use sc_rpc_api::DenyUnsafe;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

pub struct Dependencies<C, P> {
    pub client: Arc<C>,
    pub pool: Arc<P>,
    pub seal_commands: mpsc::Sender<EngineCommand<Hash>>,
}

pub fn create<C, P>(
    deps: Dependencies<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
    C: ProvideRuntimeApi<Block>
        + HeaderBackend<Block>
        + HeaderMetadata<Block, Error = BlockChainError>,
    C: Send + Sync + 'static,
    C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
    C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
    C::Api: sp_block_builder::BlockBuilder<Block>,
    C::Api: pallet_europa_contracts::api::ContractsTraceApi<
        Block,
        AccountId,
        Balance,
        Hash,
        europa_runtime::EventRecord,
    >,
    C: sc_client_api::BlockBackend<Block>,
    P: TransactionPool + 'static,
{
    use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
    use substrate_frame_rpc_system::{System, SystemApiServer};

    let mut module = RpcModule::new(());
    module.merge(System::new(deps.client.clone(), deps.pool).into_rpc())?;
    module.merge(TransactionPayment::new(deps.client.clone()).into_rpc())?;
    module.merge(crate::trace_rpc::module(deps.client)?)?;
    module.merge(Engine(ManualSeal::new(deps.seal_commands)).into_rpc())?;
    Ok(module)
}

/// JSON-RPC's "method not found", which Substrate also answers for unsafe methods.
const METHOD_NOT_ALLOWED: i32 = -32601;

/// Refuses an unsafe method on an interface where unsafe methods are denied, saying how
/// to allow it.
pub fn ensure_unsafe_allowed(ext: &Extensions, method: &str) -> Result<(), ErrorObjectOwned> {
    match ext.get::<DenyUnsafe>() {
        Some(DenyUnsafe::No) => Ok(()),
        // sc-rpc-server marks every request; unmarked ones are not trusted either.
        Some(DenyUnsafe::Yes) | None => Err(ErrorObject::owned(
            METHOD_NOT_ALLOWED,
            format!(
                "{method} is an unsafe method, refused on this interface: europa serves unsafe \
                 methods on local interfaces only; on a trusted network, start it with \
                 `--rpc-methods unsafe`"
            ),
            None::<()>,
        )),
    }
}

/// `engine_createBlock` and `engine_finalizeBlock` as manual seal serves them, behind
/// the unsafe-method check.
#[rpc(server)]
pub trait EngineApi {
    /// Seals a block: `createEmpty` even without transactions, `finalize` at once,
    /// on `parentHash` (default: the best block).
    #[method(name = "engine_createBlock", with_extensions)]
    async fn create_block(
        &self,
        create_empty: bool,
        finalize: bool,
        parent_hash: Option<Hash>,
    ) -> RpcResult<CreatedBlock<Hash>>;

    /// Finalizes the block `hash` (and its ancestors).
    #[method(name = "engine_finalizeBlock", with_extensions)]
    async fn finalize_block(&self, hash: Hash, justification: Option<Vec<u8>>) -> RpcResult<bool>;
}

pub struct Engine(ManualSeal<Hash>);

#[async_trait]
impl EngineApiServer for Engine {
    async fn create_block(
        &self,
        ext: &Extensions,
        create_empty: bool,
        finalize: bool,
        parent_hash: Option<Hash>,
    ) -> RpcResult<CreatedBlock<Hash>> {
        ensure_unsafe_allowed(ext, "engine_createBlock")?;
        ManualSealApiServer::create_block(&self.0, create_empty, finalize, parent_hash)
            .await
            .map_err(Into::into)
    }

    async fn finalize_block(
        &self,
        ext: &Extensions,
        hash: Hash,
        justification: Option<Vec<u8>>,
    ) -> RpcResult<bool> {
        ensure_unsafe_allowed(ext, "engine_finalizeBlock")?;
        ManualSealApiServer::finalize_block(&self.0, hash, justification)
            .await
            .map_err(Into::into)
    }
}
