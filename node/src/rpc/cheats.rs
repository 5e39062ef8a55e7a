//! State cheats: `europa_setBalance`, `europa_setStorage` (a contract's storage through
//! `pallet-europa-cheats`), `europa_setContractCode`. Each is a root call the chain's sudo
//! key (a dev account) dispatches through `Sudo.sudo`, in a block sealed for it, so the
//! chain's history shows it like any other change. All unsafe.

use std::sync::Arc;

use codec::{Decode, Encode};
use europa_runtime::{
    opaque::Block, AccountId, EventRecord, Hash, Nonce, RuntimeCall, RuntimeEvent,
};
use futures::{channel::mpsc, SinkExt, StreamExt};
use jsonrpsee::core::{async_trait, RpcResult};
use sc_client_api::StorageProvider;
use sc_consensus_manual_seal::EngineCommand;
use sc_transaction_pool_api::{TransactionPool, TransactionSource, TransactionStatus};
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_core::storage::StorageKey;
use sp_keyring::Sr25519Keyring;
use substrate_frame_rpc_system::{AccountNonceApi, System, SystemApiServer};

use europa_rpc_api::{
    chain::CheatsApiServer,
    params::{Account, Amount, HexBytes},
};

use super::{invalid_params, runtime_error, FullBackend, RpcError};

/// How long a cheat waits for its block.
const SEALED_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

pub struct Cheats<C, P: TransactionPool> {
    client: Arc<C>,
    pool: Arc<P>,
    system: System<P, C, Block>,
    /// Set when blocks are sealed only on request: a cheat then asks for its own.
    seal_commands: Option<mpsc::Sender<EngineCommand<Hash>>>,
    /// One cheat at a time: each picks its sudo nonce.
    busy: tokio::sync::Mutex<()>,
}

impl<C, P: TransactionPool> Cheats<C, P> {
    pub fn new(
        client: Arc<C>,
        pool: Arc<P>,
        seal_commands: Option<mpsc::Sender<EngineCommand<Hash>>>,
    ) -> Self {
        Cheats {
            system: System::new(client.clone(), pool.clone()),
            client,
            pool,
            seal_commands,
            busy: tokio::sync::Mutex::new(()),
        }
    }
}

impl<C, P> Cheats<C, P>
where
    C: HeaderBackend<Block> + StorageProvider<Block, FullBackend> + Send + Sync + 'static,
    C: ProvideRuntimeApi<Block> + HeaderMetadata<Block, Error = BlockChainError>,
    C::Api: AccountNonceApi<Block, AccountId, Nonce> + BlockBuilder<Block>,
    P: TransactionPool<Block = Block, Hash = Hash> + 'static,
{
    fn read<T: Decode>(&self, at: Hash, key: Vec<u8>) -> Result<Option<T>, RpcError> {
        let stored = self
            .client
            .storage(at, &StorageKey(key))
            .map_err(runtime_error)?;
        Ok(stored.and_then(|data| T::decode(&mut &data.0[..]).ok()))
    }

    /// Dispatches `call` as root through `Sudo.sudo`, signed by the sudo key, and waits
    /// for its block; the call's own failure is an error naming it.
    async fn as_root(&self, call: RuntimeCall) -> Result<Hash, RpcError> {
        let _busy = self.busy.lock().await;
        let info = self.client.info();
        let sudo: Option<AccountId> = self.read(
            info.best_hash,
            frame_support::storage::storage_prefix(b"Sudo", b"Key").to_vec(),
        )?;
        let key = Sr25519Keyring::iter()
            .find(|key| Some(key.to_account_id()) == sudo)
            .ok_or_else(|| {
                runtime_error(format!(
                    "state cheats dispatch as root through Sudo.sudo, signed with the sudo key, \
                     but this chain's sudo key {sudo:?} is not a dev account"
                ))
            })?;
        // As `system_accountNextIndex` answers: the account's nonce past its transactions
        // already in the pool.
        let nonce = SystemApiServer::nonce(&self.system, key.to_account_id())
            .await
            .map_err(|error| runtime_error(error.message()))?;
        let sudo_call = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
            call: Box::new(call),
        });
        let xt = europa_runtime::dev_tx::signed_by(sudo_call, key, key, nonce, info.genesis_hash);
        let xt = Decode::decode(&mut &xt.encode()[..]).map_err(runtime_error)?;
        let mut watcher = self
            .pool
            .submit_and_watch(info.best_hash, TransactionSource::Local, xt)
            .await
            .map_err(|e| runtime_error(format!("the pool refused the cheat: {e}")))?;
        if let Some(seal) = &self.seal_commands {
            let _ = seal
                .clone()
                .send(EngineCommand::SealNewBlock {
                    create_empty: false,
                    finalize: true,
                    parent_hash: None,
                    sender: None,
                })
                .await;
        }
        let sealed = async {
            loop {
                match watcher.next().await {
                    Some(TransactionStatus::InBlock((block, index)))
                    | Some(TransactionStatus::Finalized((block, index))) => {
                        return Ok((block, index))
                    }
                    Some(TransactionStatus::Invalid)
                    | Some(TransactionStatus::Dropped)
                    | Some(TransactionStatus::Usurped(_))
                    | None => return Err(runtime_error("the cheat's transaction was not sealed")),
                    Some(_) => continue,
                }
            }
        };
        let (block, index) =
            tokio::time::timeout(SEALED_WITHIN, sealed)
                .await
                .map_err(|_| {
                    runtime_error(format!(
                        "the cheat's transaction was not sealed within {} s",
                        SEALED_WITHIN.as_secs()
                    ))
                })??;
        self.sudo_outcome(block, index as u32)?;
        Ok(block)
    }

    /// Refuses the cheat when its `Sudo.Sudid` (extrinsic `index` of `block`) says the
    /// root call failed.
    fn sudo_outcome(&self, block: Hash, index: u32) -> Result<(), RpcError> {
        let events: Vec<EventRecord> = self
            .read(
                block,
                frame_support::storage::storage_prefix(b"System", b"Events").to_vec(),
            )?
            .unwrap_or_default();
        let own = |phase: &frame_system::Phase| matches!(phase, frame_system::Phase::ApplyExtrinsic(i) if *i == index);
        for record in events.into_iter().filter(|record| own(&record.phase)) {
            if let RuntimeEvent::Sudo(pallet_sudo::Event::Sudid {
                sudo_result: Err(error),
            }) = record.event
            {
                return Err(invalid_params(format!(
                    "the chain refused it: {} (sealed in block {block:?})",
                    super::error_name(&error)
                )));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl<C, P> CheatsApiServer for Cheats<C, P>
where
    C: HeaderBackend<Block> + StorageProvider<Block, FullBackend> + Send + Sync + 'static,
    C: ProvideRuntimeApi<Block> + HeaderMetadata<Block, Error = BlockChainError>,
    C::Api: AccountNonceApi<Block, AccountId, Nonce> + BlockBuilder<Block>,
    P: TransactionPool<Block = Block, Hash = Hash> + 'static,
{
    async fn set_balance(&self, account: Account, free: Amount) -> RpcResult<Hash> {
        let call = RuntimeCall::Balances(pallet_balances::Call::force_set_balance {
            who: account.0.into(),
            new_free: free.0,
        });
        self.as_root(call).await.map_err(Into::into)
    }

    async fn set_storage(
        &self,
        items: Vec<(HexBytes, Option<HexBytes>)>,
        contract: Option<Account>,
    ) -> RpcResult<Hash> {
        if items.is_empty() {
            return Err(invalid_params("give at least one [key, value | null]").into());
        }
        if let Some(contract) = contract {
            let items = items
                .into_iter()
                .map(|(key, value)| (key.into_bytes(), value.map(HexBytes::into_bytes)))
                .collect();
            let call = RuntimeCall::Cheats(pallet_europa_cheats::Call::set_contract_storage {
                contract: contract.0,
                items,
            });
            return Ok(self.as_root(call).await?);
        }
        let (mut set, mut kill) = (Vec::new(), Vec::new());
        for (key, value) in items {
            match value {
                Some(value) => set.push((key.into_bytes(), value.into_bytes())),
                None => kill.push(key.into_bytes()),
            }
        }
        let mut calls = Vec::new();
        if !set.is_empty() {
            calls.push(RuntimeCall::System(frame_system::Call::set_storage {
                items: set,
            }));
        }
        if !kill.is_empty() {
            calls.push(RuntimeCall::System(frame_system::Call::kill_storage {
                keys: kill,
            }));
        }
        let call = match calls.len() {
            1 => calls.remove(0),
            _ => RuntimeCall::Utility(pallet_utility::Call::batch_all { calls }),
        };
        self.as_root(call).await.map_err(Into::into)
    }

    async fn set_contract_code(&self, contract: Account, code_hash: Hash) -> RpcResult<Hash> {
        let call = RuntimeCall::Contracts(pallet_europa_contracts::Call::set_code {
            dest: contract.0.into(),
            code_hash,
        });
        self.as_root(call).await.map_err(Into::into)
    }
}
