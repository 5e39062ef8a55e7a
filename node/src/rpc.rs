//! RPC methods beyond the standard ones sc-service installs: account nonces and dry runs,
//! fee queries, manual sealing, and contract traces.

use std::sync::Arc;

use europa_runtime::{opaque::Block, AccountId, Balance, Hash, Nonce};
use futures::channel::mpsc;
use jsonrpsee::RpcModule;
use sc_consensus_manual_seal::{
    rpc::{ManualSeal, ManualSealApiServer},
    EngineCommand,
};
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
    module.merge(ManualSeal::new(deps.seal_commands).into_rpc())?;
    Ok(module)
}
