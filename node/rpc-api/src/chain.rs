//! Moving the chain (`europa_forwardToHeight`, snapshots, time) and changing its state
//! directly (`europa_set*`).

use jsonrpsee::{core::RpcResult, proc_macros::rpc};

use crate::params::{Account, Amount, BlockNumber, Hash, HexBytes};

/// Moving the chain through heights and time.
#[cfg_attr(not(feature = "client"), rpc(server, namespace = "europa"))]
#[cfg_attr(feature = "client", rpc(server, client, namespace = "europa"))]
pub trait ChainControlApi {
    /// Seals empty blocks until the chain is `height` blocks high; returns the new
    /// head's number.
    #[method(name = "forwardToHeight")]
    async fn forward_to_height(&self, height: BlockNumber) -> RpcResult<BlockNumber>;

    /// Reverts the chain to `height` (below the head), discarding the later blocks;
    /// returns the new head's number.
    #[method(name = "backwardToHeight")]
    async fn backward_to_height(&self, height: BlockNumber) -> RpcResult<BlockNumber>;

    /// Remembers the head; returns the snapshot's id.
    #[method(name = "snapshot")]
    async fn snapshot(&self) -> RpcResult<u64>;

    /// Reverts the chain to snapshot `id`'s block; that snapshot and later ones are
    /// used up. Returns `true`.
    #[method(name = "revert")]
    async fn revert(&self, id: u64) -> RpcResult<bool>;

    /// Moves the timestamps of all following blocks `ms` later; returns how far the
    /// clock is now ahead of the system's, in milliseconds.
    #[method(name = "increaseTime")]
    async fn increase_time(&self, ms: u64) -> RpcResult<i64>;

    /// Gives the next block timestamp `ms` (not below the head's); time runs on from
    /// there.
    #[method(name = "setNextBlockTimestamp")]
    async fn set_next_block_timestamp(&self, ms: u64) -> RpcResult<()>;
}

/// Changing the chain's state directly, each change sealed in a block of its own.
#[cfg_attr(not(feature = "client"), rpc(server, namespace = "europa"))]
#[cfg_attr(feature = "client", rpc(server, client, namespace = "europa"))]
pub trait CheatsApi {
    /// Sets `account`'s free balance (`Balances.force_set_balance`); returns the hash
    /// of the block that did it.
    #[method(name = "setBalance")]
    async fn set_balance(&self, account: Account, free: Amount) -> RpcResult<Hash>;

    /// Writes storage items, `[key, value]` or `[key, null]` to remove one: of the top
    /// trie, or with `contract` of that contract's storage, keys as its child trie
    /// holds them. Returns the block's hash.
    #[method(name = "setStorage")]
    async fn set_storage(
        &self,
        items: Vec<(HexBytes, Option<HexBytes>)>,
        contract: Option<Account>,
    ) -> RpcResult<Hash>;

    /// Points `contract` at other stored code (`Contracts.set_code`), to try a fix
    /// without redeploying; returns the block's hash.
    #[method(name = "setContractCode")]
    async fn set_contract_code(&self, contract: Account, code_hash: Hash) -> RpcResult<Hash>;
}
