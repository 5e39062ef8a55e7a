//! RPC methods beyond the standard ones sc-service installs: account nonces and dry runs,
//! fee queries, manual sealing (`engine`), and contract traces (`trace`). Europa's own
//! families are declared, with their types, in `europa-rpc-api` (node/rpc-api); each file
//! here implements one family's server trait, failing with an [`RpcError`].
//!
//! Europa's own methods (`europa_*`) and manual sealing (`engine_*`) are unsafe in
//! Substrate's sense: served on local interfaces, refused on external ones unless the
//! node runs with `--rpc-methods unsafe`. The server refuses them by name before their
//! parameters are read (`rpc_server::gate`), so their bodies need not check.

mod chain_control;
mod cheats;
mod coverage;
mod debug;
mod engine;
mod error;
pub use error::{invalid_params, runtime_error, RpcError};
mod explore;
pub mod in_block_reads;
mod insight;
pub use insight::stored_code;
pub mod revert_watchers;
mod trace;

use std::sync::Arc;

use europa_runtime::{opaque::Block, AccountId, Balance, Hash, Nonce};
use futures::channel::mpsc;
use jsonrpsee::RpcModule;
use sc_consensus_manual_seal::{rpc::ManualSeal, EngineCommand};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

pub struct Dependencies<C, P> {
    pub client: Arc<C>,
    pub backend: Arc<FullBackend>,
    pub pool: Arc<P>,
    pub seal_commands: mpsc::Sender<EngineCommand<Hash>>,
    /// Blocks are sealed only on request (`--sealing manual`).
    pub manual_sealing: bool,
    pub clock: Arc<crate::clock::Clock>,
    /// The chain's directory, where its snapshots are kept.
    pub chain_dir: std::path::PathBuf,
    /// What Europa knows about the chain's contracts (metadata, debug symbols).
    pub insight: Arc<crate::insight::Insight>,
    /// The storage and head subscriptions a revert notifies.
    pub revert_watchers: Arc<revert_watchers::RevertWatchers>,
    /// The coverage collected, with `--coverage`.
    pub coverage: Option<Arc<crate::coverage::Coverage>>,
    /// Debugging sessions waiting for a contract's next dry run.
    pub dry_run_watch: Arc<crate::debugger::next_dry_run::DryRunWatch>,
}

pub use crate::service::FullBackend;

pub fn create<C, P>(
    deps: Dependencies<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
    C: sc_client_api::StorageProvider<Block, FullBackend>,
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
    C: sc_client_api::BlockBackend<Block> + sc_client_api::BlockchainEvents<Block>,
    P: sc_transaction_pool_api::MaintainedTransactionPool<Block = Block, Hash = Hash> + 'static,
{
    use chain_control::ChainControl;
    use cheats::Cheats;
    use coverage::CoverageRpc;
    use engine::{Engine, EngineApiServer};
    use europa_rpc_api::{
        chain::{ChainControlApiServer, CheatsApiServer},
        coverage::CoverageApiServer,
        debug::DebugApiServer,
        explore::ExploreApiServer,
        insight::InsightApiServer,
        trace::TraceApiServer,
    };
    use explore::Explore;
    use insight::InsightRpc;
    use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
    use substrate_frame_rpc_system::{System, SystemApiServer};
    use trace::Tracer;

    let mut module = RpcModule::new(());
    module.merge(System::new(deps.client.clone(), deps.pool.clone()).into_rpc())?;
    module.merge(TransactionPayment::new(deps.client.clone()).into_rpc())?;
    let tracer = Tracer::new(
        deps.client.clone(),
        deps.backend.clone(),
        deps.insight.clone(),
    );
    module.merge(DebugApiServer::into_rpc(debug::DebugRpc::new(
        tracer.clone(),
        deps.dry_run_watch,
    )))?;
    module.merge(tracer.into_rpc())?;
    module.merge(Explore::new(deps.client.clone(), deps.insight.clone()).into_rpc())?;
    module.merge(CoverageRpc::new(deps.coverage, deps.insight.clone()).into_rpc())?;
    module.merge(InsightRpc::new(deps.client.clone(), deps.insight).into_rpc())?;
    let cheats_seal = deps.manual_sealing.then(|| deps.seal_commands.clone());
    module.merge(Cheats::new(deps.client.clone(), deps.pool.clone(), cheats_seal).into_rpc())?;
    let control = ChainControl::new(
        deps.client,
        deps.backend,
        deps.pool,
        deps.seal_commands.clone(),
        deps.clock,
        deps.chain_dir,
        deps.revert_watchers,
    );
    module.merge(control.into_rpc())?;
    module.merge(Engine(ManualSeal::new(deps.seal_commands)).into_rpc())?;
    Ok(module)
}

/// `Contracts::OutOfGas` rather than a module index (names do not cross the runtime
/// API) for the errors of Europa's own pallets; others as they are.
pub fn error_name(error: &sp_runtime::DispatchError) -> String {
    use codec::Decode;
    use europa_runtime::{Cheats, Contracts, Runtime};
    use frame_support::traits::PalletInfoAccess;
    use sp_runtime::DispatchError;
    if let DispatchError::Module(module) = error {
        let index = module.index as usize;
        let bytes = &mut &module.error[..];
        let named = if index == Contracts::index() {
            pallet_europa_contracts::Error::<Runtime>::decode(bytes)
                .map(|error| format!("Contracts::{error:?}"))
        } else if index == Cheats::index() {
            pallet_europa_cheats::Error::<Runtime>::decode(bytes)
                .map(|error| format!("Cheats::{error:?}"))
        } else {
            Err(codec::Error::from("another pallet"))
        };
        if let Ok(named) = named {
            return named;
        }
    }
    format!("{error:?}")
}
