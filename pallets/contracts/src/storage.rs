//! What the pallet keeps per contract and per code, and contract storage itself: a
//! child trie per contract, keyed like upstream so that cargo-contract and
//! `childstate_*` readers find the same items.

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
    storage::child::{self, ChildInfo},
    traits::Get,
    BoundedBTreeMap, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound, StorageHasher,
};
use scale_info::TypeInfo;
use sp_runtime::traits::{Hash, Zero};

use crate::{deposit::Diff, AccountIdOf, BalanceOf, CodeHash, Config, Determinism, TrieId};

/// A contract's metadata: where its storage lives, which code it runs, how much
/// storage it uses and the deposits held for it.
#[derive(
    Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct ContractInfo<T: Config> {
    /// The child trie holding the contract's storage.
    pub trie_id: TrieId,
    /// The code the contract runs.
    pub code_hash: CodeHash<T>,
    /// Bytes of storage values the contract holds.
    pub storage_bytes: u32,
    /// Storage items the contract holds.
    pub storage_items: u32,
    /// Deposit held for `storage_bytes`.
    pub storage_byte_deposit: BalanceOf<T>,
    /// Deposit held for `storage_items`.
    pub storage_item_deposit: BalanceOf<T>,
    /// Deposit held for the contract's existence: this metadata plus a share of its
    /// code's deposit.
    pub storage_base_deposit: BalanceOf<T>,
    /// Code hashes this contract locked for delegate calls, with the deposit locked.
    pub delegate_dependencies:
        BoundedBTreeMap<CodeHash<T>, BalanceOf<T>, T::MaxDelegateDependencies>,
}

/// Stored code's metadata.
#[derive(
    Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
pub struct CodeInfo<T: Config> {
    /// Who uploaded it, and holds its deposit.
    pub owner: AccountIdOf<T>,
    /// Deposit held from `owner` for the code and this metadata.
    #[codec(compact)]
    pub deposit: BalanceOf<T>,
    /// How many contracts use this code.
    #[codec(compact)]
    pub refcount: u64,
    /// Always `Enforced`: Europa stores only deterministic code.
    pub determinism: Determinism,
    /// The code's length in bytes, which prices loading it.
    pub code_len: u32,
}

/// A key of contract storage: `seal0` functions use fixed 32-byte keys, later
/// versions keys of any length up to `MaxStorageKeyLen`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Key {
    Fix([u8; 32]),
    Var(Vec<u8>),
}

impl Key {
    pub fn try_from_var<T: Config>(key: Vec<u8>) -> Result<Key, Vec<u8>> {
        if key.len() > T::MaxStorageKeyLen::get() as usize {
            return Err(key);
        }
        Ok(Key::Var(key))
    }

    /// The contract's view of the key.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Fix(key) => key,
            Key::Var(key) => key,
        }
    }

    /// The key inside the child trie.
    pub(crate) fn hashed(&self) -> Vec<u8> {
        match self {
            Key::Fix(key) => sp_io::hashing::blake2_256(key).to_vec(),
            Key::Var(key) => frame_support::Blake2_128Concat::hash(key),
        }
    }
}

/// What a write found under its key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum WriteOutcome {
    /// Nothing was there.
    New,
    /// A value of this many bytes was there (not read, unless it was taken).
    Overwritten(u32),
    /// This value was there and was taken.
    Taken(Vec<u8>),
}

impl WriteOutcome {
    /// The size of the previous value, if there was one.
    pub fn old_len(&self) -> Option<u32> {
        match self {
            WriteOutcome::New => None,
            WriteOutcome::Overwritten(len) => Some(*len),
            WriteOutcome::Taken(value) => Some(value.len() as u32),
        }
    }
}

impl<T: Config> ContractInfo<T> {
    /// Metadata for a new contract at `account`, its trie derived from the account and
    /// the instantiation nonce.
    pub fn new(account: &AccountIdOf<T>, nonce: u64, code_hash: CodeHash<T>) -> Self {
        let hash = (account, nonce).using_encoded(T::Hashing::hash);
        let trie_id = TrieId::truncate_from(hash.as_ref().to_vec());
        ContractInfo {
            trie_id,
            code_hash,
            storage_bytes: 0,
            storage_items: 0,
            storage_byte_deposit: Zero::zero(),
            storage_item_deposit: Zero::zero(),
            storage_base_deposit: Zero::zero(),
            delegate_dependencies: Default::default(),
        }
    }

    fn child_info(&self) -> ChildInfo {
        ChildInfo::new_default(self.trie_id.as_ref())
    }

    /// The value under `key`, if any.
    pub fn read(&self, key: &Key) -> Option<Vec<u8>> {
        child::get_raw(&self.child_info(), &key.hashed())
    }

    /// The size in bytes of the value under `key`, if any.
    pub fn size(&self, key: &Key) -> Option<u32> {
        child::len(&self.child_info(), &key.hashed())
    }

    /// Writes (or with `None` removes) a value, recording the change in storage use
    /// into `diff`. With `take` the old value is read and returned.
    pub fn write(
        &self,
        key: &Key,
        value: Option<Vec<u8>>,
        diff: &mut Diff,
        take: bool,
    ) -> WriteOutcome {
        let child_info = self.child_info();
        let hashed = key.hashed();
        let outcome = if take {
            match child::get_raw(&child_info, &hashed) {
                Some(old) => WriteOutcome::Taken(old),
                None => WriteOutcome::New,
            }
        } else {
            match child::len(&child_info, &hashed) {
                Some(len) => WriteOutcome::Overwritten(len),
                None => WriteOutcome::New,
            }
        };
        diff.record_write(outcome.old_len(), value.as_ref().map(|v| v.len() as u32));
        match value {
            Some(value) => child::put_raw(&child_info, &hashed, &value),
            None => child::kill(&child_info, &hashed),
        }
        outcome
    }

    /// Removes all of the contract's storage.
    pub fn erase_storage(&self) {
        let _ = child::clear_storage(&self.child_info(), None, None);
    }
}

impl<T: Config> CodeInfo<T> {
    /// Code Europa accepted: it never accepts floats, so the code is deterministic, and
    /// upstream records such code as `Enforced` whatever determinism the upload asked for.
    pub fn new(owner: AccountIdOf<T>, code_len: u32) -> Self {
        CodeInfo {
            owner,
            deposit: Zero::zero(),
            refcount: 0,
            determinism: Determinism::Enforced,
            code_len,
        }
    }
}

/// Upstream's deletion queue bounds: the next slot to insert at and to delete from.
#[derive(Encode, Decode, Clone, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct DeletionQueueCounters {
    /// The slot the next queued trie would take (always 0 on Europa).
    pub insert_counter: u32,
    /// The slot of the next queued trie to delete (always 0 on Europa).
    pub delete_counter: u32,
}
