//! What a block changed, found by re-executing it on its parent's state: the answer of
//! `europa_modifiedStateKvs` and of `europa state-kv`; and going back in the chain's
//! history (`europa_backwardToHeight`, `europa_revert`, `europa revert`).

use europa_rpc_api::{
    params::{Account, Bytes},
    trace::{StateOperation, StorageChange},
};
use europa_runtime::{opaque::Block, AccountId, Hash};
use sc_client_api::{Backend as _, StorageProvider};
use sp_api::{ApiExt, Core, ProvideRuntimeApi};
use sp_block_builder::BlockBuilder;
use sp_core::crypto::Ss58Codec;
use sp_runtime::traits::{Block as BlockT, Header as HeaderT};

use crate::{
    recording::{self, Operation},
    rpc::FullBackend,
};

/// Keys and their values after the block; `None` for a key it removed.
pub type Changes = Vec<(Vec<u8>, Option<Vec<u8>>)>;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("block #0 is the genesis: it was built, not executed, and changed nothing")]
    Genesis,
    #[error("{0} is not a contract at block {1:?}")]
    NotAContract(String, Hash),
    #[error("block {0:?} has {1} extrinsics: there is no extrinsic {2}")]
    NoSuchExtrinsic(Hash, usize, u32),
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
pub fn storage_changes(changes: &Changes) -> Vec<StorageChange> {
    changes
        .iter()
        .map(|(key, value)| StorageChange {
            key: Bytes(key.clone()),
            value: value.clone().map(Bytes),
        })
        .collect()
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

/// The storage operations extrinsic `index` of `block` made, in order (those of storage
/// transactions it rolled back left out), re-executing the block up to it.
pub fn extrinsic_operations<C>(
    client: &C,
    block: Block,
    index: u32,
) -> Result<Vec<Operation>, HistoryError>
where
    C: ProvideRuntimeApi<Block>,
    C::Api: Core<Block> + BlockBuilder<Block>,
{
    if block.header().number == 0 {
        return Err(HistoryError::Genesis);
    }
    let hash = block.header().hash();
    let (header, extrinsics) = block.deconstruct();
    let count = extrinsics.len();
    if index as usize >= count {
        return Err(HistoryError::NoSuchExtrinsic(hash, count, index));
    }
    let parent = *header.parent_hash();
    // One API handle: its overlay carries each extrinsic's changes to the next.
    let api = client.runtime_api();
    api.initialize_block(parent, &header).map_err(chain)?;
    let mut extrinsics = extrinsics.into_iter();
    for extrinsic in extrinsics.by_ref().take(index as usize) {
        let _ = api.apply_extrinsic(parent, extrinsic).map_err(chain)?;
    }
    let extrinsic = extrinsics
        .next()
        .ok_or(HistoryError::NoSuchExtrinsic(hash, count, index))?;
    let (applied, operations) = recording::record(|| api.apply_extrinsic(parent, extrinsic));
    // The extrinsic's own outcome is `europa_traceExtrinsic`'s to tell; a runtime that
    // could not apply it at all is an error here.
    let _outcome = applied.map_err(chain)?;
    Ok(operations)
}

/// Which contract owns each child trie, by the trie's storage key, at `at`.
pub fn contracts_by_trie<C>(
    client: &C,
    at: Hash,
) -> Result<std::collections::BTreeMap<Vec<u8>, AccountId>, HistoryError>
where
    C: StorageProvider<Block, FullBackend>,
{
    use codec::Decode;
    let prefix = sp_core::storage::StorageKey(
        frame_support::storage::storage_prefix(b"Contracts", b"ContractInfoOf").to_vec(),
    );
    let mut owners = std::collections::BTreeMap::new();
    for (key, data) in client
        .storage_pairs(at, Some(&prefix), None)
        .map_err(chain)?
    {
        // The key ends in the account (Twox64Concat: 8 bytes of hash, then the account).
        let Some(account) = key.0.get(prefix.0.len() + 8..) else {
            continue;
        };
        let (Ok(account), Ok(info)) = (
            AccountId::decode(&mut &account[..]),
            pallet_europa_contracts::ContractInfo::<europa_runtime::Runtime>::decode(
                &mut &data.0[..],
            ),
        ) else {
            continue;
        };
        owners.insert(info.trie_id.to_vec(), account);
    }
    Ok(owners)
}

/// An operation as the RPC answers it, naming the contract a child trie belongs to when
/// it is known.
pub fn state_operation(
    operation: &Operation,
    owners: &std::collections::BTreeMap<Vec<u8>, AccountId>,
) -> StateOperation {
    let contract = |child: &Vec<u8>| owners.get(child).cloned().map(Account);
    let bytes = |bytes: &Vec<u8>| Bytes(bytes.clone());
    let value = |value: &Option<Vec<u8>>| value.clone().map(Bytes);
    match operation {
        Operation::Put { key, value: v } => StateOperation::Put {
            key: bytes(key),
            value: value(v),
        },
        Operation::Append { key, value } => StateOperation::Append {
            key: bytes(key),
            value: bytes(value),
        },
        Operation::ClearPrefix { prefix } => StateOperation::ClearPrefix {
            prefix: bytes(prefix),
        },
        Operation::ChildPut {
            child,
            key,
            value: v,
        } => StateOperation::ChildPut {
            child: bytes(child),
            contract: contract(child),
            key: bytes(key),
            value: value(v),
        },
        Operation::ChildKill { child } => StateOperation::ChildKill {
            child: bytes(child),
            contract: contract(child),
        },
        Operation::ChildClearPrefix { child, prefix } => StateOperation::ChildClearPrefix {
            child: bytes(child),
            contract: contract(child),
            prefix: bytes(prefix),
        },
    }
}

/// Reverts the chain in `backend` to `height`, finalized blocks too, under the lock every
/// block import and finalization takes (none runs halfway through). Returns how many
/// blocks were discarded, or why the chain is not at `height`.
pub fn revert_to<B>(backend: &B, height: europa_runtime::BlockNumber) -> Result<u32, String>
where
    B: sc_client_api::Backend<Block>,
{
    use sp_blockchain::HeaderBackend;
    let _import_lock = backend.get_import_lock().write();
    let head = backend.blockchain().info().best_number;
    if height >= head {
        return Err(format!(
            "the chain is at #{head}: a revert needs a height below it"
        ));
    }
    let blocks = head - height;
    let (reverted, _) = backend
        .revert(blocks, true)
        .map_err(|error| format!("cannot revert to #{height}: {error}"))?;
    let now = backend.blockchain().info().best_number;
    if reverted != blocks || now != height {
        return Err(format!(
            "reverted {reverted} of {blocks} blocks: the head is #{now}, not #{height} (a chain \
             whose state is pruned cannot go back past what it kept)"
        ));
    }
    Ok(blocks)
}
