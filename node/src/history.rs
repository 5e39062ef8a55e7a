//! What a block changed, found by re-executing it on its parent's state: the answer of
//! `europa_modifiedStateKvs` and of `europa state-kv`.

use europa_runtime::{opaque::Block, AccountId, Hash};
use sc_client_api::{Backend as _, StorageProvider};
use serde_json::{json, Value};
use sp_api::{ApiExt, Core, ProvideRuntimeApi};
use sp_core::crypto::Ss58Codec;
use sp_runtime::traits::{Block as BlockT, Header as HeaderT};

use crate::rpc::{params::hex, FullBackend};

/// Keys and their values after the block; `None` for a key it removed.
pub type Changes = Vec<(Vec<u8>, Option<Vec<u8>>)>;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("block #0 is the genesis: it was built, not executed, and changed nothing")]
    Genesis,
    #[error("{0} is not a contract at block {1:?}")]
    NotAContract(String, Hash),
    /// The chain could not answer.
    #[error("{0}")]
    Chain(String),
}

fn chain(error: impl std::fmt::Display) -> HistoryError {
    HistoryError::Chain(error.to_string())
}

/// Every key `block` changed: in the top trie, or in `contract`'s storage (child trie).
pub fn changed_keys<C>(
    client: &C,
    backend: &FullBackend,
    block: Block,
    contract: Option<&AccountId>,
) -> Result<Changes, HistoryError>
where
    C: ProvideRuntimeApi<Block> + StorageProvider<Block, FullBackend>,
    C::Api: Core<Block> + ApiExt<Block>,
{
    if block.header().number == 0 {
        return Err(HistoryError::Genesis);
    }
    let (parent, hash) = (*block.header().parent_hash(), block.header().hash());
    let child = contract
        .map(|contract| trie_id(client, hash, contract))
        .transpose()?;
    let api = client.runtime_api();
    api.execute_block(parent, block.into()).map_err(chain)?;
    let state = backend
        .state_at(parent, sc_client_api::TrieCacheContext::Untrusted)
        .map_err(chain)?;
    let changes = api.into_storage_changes(&state, parent).map_err(chain)?;
    Ok(match child {
        None => changes.main_storage_changes,
        Some(trie_id) => changes
            .child_storage_changes
            .into_iter()
            .find(|(key, _)| *key == trie_id)
            .map(|(_, changed)| changed)
            .unwrap_or_default(),
    })
}

/// `[{key, value | null}]`, as both the RPC and the CLI print changes.
pub fn changes_json(changes: &Changes) -> Value {
    Value::Array(
        changes
            .iter()
            .map(|(key, value)| json!({ "key": hex(key), "value": value.as_deref().map(hex) }))
            .collect(),
    )
}

/// The child trie of `contract` after block `at`.
fn trie_id<C>(client: &C, at: Hash, contract: &AccountId) -> Result<Vec<u8>, HistoryError>
where
    C: StorageProvider<Block, FullBackend>,
{
    use codec::Decode;
    let key = pallet_europa_contracts::ContractInfoOf::<europa_runtime::Runtime>::hashed_key_for(
        contract,
    );
    let info = client
        .storage(at, &sp_core::storage::StorageKey(key))
        .map_err(chain)?
        .and_then(|data| {
            pallet_europa_contracts::ContractInfo::<europa_runtime::Runtime>::decode(
                &mut &data.0[..],
            )
            .ok()
        })
        .ok_or_else(|| HistoryError::NotAContract(contract.to_ss58check(), at))?;
    Ok(info.trie_id.to_vec())
}
