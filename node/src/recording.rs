//! The storage operations of one runtime call, in order, as `europa_extrinsicStateChanges`
//! reports them. The native executor wraps the call's externalities in [`Recording`]
//! when the calling thread asked for it ([`record`]); operations inside a storage
//! transaction that rolls back are dropped with it, as the chain drops them.

use std::{any::Any, any::TypeId, cell::RefCell};

use sp_core::storage::{ChildInfo, StateVersion, TrackedStorageKey};
use sp_externalities::{Extension, ExtensionStore, Externalities, MultiRemovalResults};

/// One storage operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// A top-trie value set (`Some`) or removed (`None`).
    Put {
        key: Vec<u8>,
        value: Option<Vec<u8>>,
    },
    /// A value appended to a top-trie list.
    Append { key: Vec<u8>, value: Vec<u8> },
    /// Top-trie keys removed by prefix.
    ClearPrefix { prefix: Vec<u8> },
    /// A child-trie value set or removed (`child` is the child trie's storage key).
    ChildPut {
        child: Vec<u8>,
        key: Vec<u8>,
        value: Option<Vec<u8>>,
    },
    /// A whole child trie removed.
    ChildKill { child: Vec<u8> },
    /// Child-trie keys removed by prefix.
    ChildClearPrefix { child: Vec<u8>, prefix: Vec<u8> },
}

impl Operation {
    /// Whether it touched a child trie.
    pub fn is_child(&self) -> bool {
        matches!(
            self,
            Operation::ChildPut { .. }
                | Operation::ChildKill { .. }
                | Operation::ChildClearPrefix { .. }
        )
    }
}

std::thread_local! {
    /// Set by [`record`] on the thread that makes the runtime call.
    static RECORDED: RefCell<Option<Vec<Operation>>> = const { RefCell::new(None) };
}

/// Runs `call` (a runtime API call made on this thread) recording its storage operations.
pub fn record<R>(call: impl FnOnce() -> R) -> (R, Vec<Operation>) {
    RECORDED.with(|recorded| *recorded.borrow_mut() = Some(Vec::new()));
    let result = call();
    let operations = RECORDED
        .with(|recorded| recorded.borrow_mut().take())
        .unwrap_or_default();
    (result, operations)
}

/// Whether the calling thread is recording (see [`record`]).
pub fn wanted() -> bool {
    RECORDED.with(|recorded| recorded.borrow().is_some())
}

/// Hands what a call recorded to the thread that asked (see [`record`]).
pub fn deliver(operations: Vec<Operation>) {
    RECORDED.with(|recorded| {
        if let Some(recorded) = recorded.borrow_mut().as_mut() {
            recorded.extend(operations);
        }
    });
}

/// Externalities that log the writes they pass on.
pub struct Recording<'a> {
    inner: &'a mut dyn Externalities,
    pub operations: Vec<Operation>,
    /// Where each open storage transaction began in `operations`.
    transactions: Vec<usize>,
}

impl<'a> Recording<'a> {
    pub fn new(inner: &'a mut dyn Externalities) -> Self {
        Recording {
            inner,
            operations: Vec::new(),
            transactions: Vec::new(),
        }
    }
}

impl ExtensionStore for Recording<'_> {
    fn extension_by_type_id(&mut self, type_id: TypeId) -> Option<&mut dyn Any> {
        self.inner.extension_by_type_id(type_id)
    }

    fn register_extension_with_type_id(
        &mut self,
        type_id: TypeId,
        extension: Box<dyn Extension>,
    ) -> Result<(), sp_externalities::Error> {
        self.inner
            .register_extension_with_type_id(type_id, extension)
    }

    fn deregister_extension_by_type_id(
        &mut self,
        type_id: TypeId,
    ) -> Result<(), sp_externalities::Error> {
        self.inner.deregister_extension_by_type_id(type_id)
    }
}

impl Externalities for Recording<'_> {
    fn set_offchain_storage(&mut self, key: &[u8], value: Option<&[u8]>) {
        self.inner.set_offchain_storage(key, value)
    }

    fn storage(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        self.inner.storage(key)
    }

    fn storage_hash(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        self.inner.storage_hash(key)
    }

    fn child_storage_hash(&mut self, child_info: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
        self.inner.child_storage_hash(child_info, key)
    }

    fn child_storage(&mut self, child_info: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
        self.inner.child_storage(child_info, key)
    }

    fn next_storage_key(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        self.inner.next_storage_key(key)
    }

    fn next_child_storage_key(&mut self, child_info: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
        self.inner.next_child_storage_key(child_info, key)
    }

    fn kill_child_storage(
        &mut self,
        child_info: &ChildInfo,
        maybe_limit: Option<u32>,
        maybe_cursor: Option<&[u8]>,
    ) -> MultiRemovalResults {
        self.operations.push(Operation::ChildKill {
            child: child_info.storage_key().to_vec(),
        });
        self.inner
            .kill_child_storage(child_info, maybe_limit, maybe_cursor)
    }

    fn clear_prefix(
        &mut self,
        prefix: &[u8],
        maybe_limit: Option<u32>,
        maybe_cursor: Option<&[u8]>,
    ) -> MultiRemovalResults {
        self.operations.push(Operation::ClearPrefix {
            prefix: prefix.to_vec(),
        });
        self.inner.clear_prefix(prefix, maybe_limit, maybe_cursor)
    }

    fn clear_child_prefix(
        &mut self,
        child_info: &ChildInfo,
        prefix: &[u8],
        maybe_limit: Option<u32>,
        maybe_cursor: Option<&[u8]>,
    ) -> MultiRemovalResults {
        self.operations.push(Operation::ChildClearPrefix {
            child: child_info.storage_key().to_vec(),
            prefix: prefix.to_vec(),
        });
        self.inner
            .clear_child_prefix(child_info, prefix, maybe_limit, maybe_cursor)
    }

    fn place_storage(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.operations.push(Operation::Put {
            key: key.clone(),
            value: value.clone(),
        });
        self.inner.place_storage(key, value)
    }

    fn place_child_storage(
        &mut self,
        child_info: &ChildInfo,
        key: Vec<u8>,
        value: Option<Vec<u8>>,
    ) {
        self.operations.push(Operation::ChildPut {
            child: child_info.storage_key().to_vec(),
            key: key.clone(),
            value: value.clone(),
        });
        self.inner.place_child_storage(child_info, key, value)
    }

    fn storage_root(&mut self, state_version: StateVersion) -> Vec<u8> {
        self.inner.storage_root(state_version)
    }

    fn child_storage_root(
        &mut self,
        child_info: &ChildInfo,
        state_version: StateVersion,
    ) -> Vec<u8> {
        self.inner.child_storage_root(child_info, state_version)
    }

    fn storage_append(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.operations.push(Operation::Append {
            key: key.clone(),
            value: value.clone(),
        });
        self.inner.storage_append(key, value)
    }

    fn storage_start_transaction(&mut self) {
        self.transactions.push(self.operations.len());
        self.inner.storage_start_transaction()
    }

    fn storage_rollback_transaction(&mut self) -> Result<(), ()> {
        if let Some(start) = self.transactions.pop() {
            self.operations.truncate(start);
        }
        self.inner.storage_rollback_transaction()
    }

    fn storage_commit_transaction(&mut self) -> Result<(), ()> {
        self.transactions.pop();
        self.inner.storage_commit_transaction()
    }

    fn storage_index_transaction(&mut self, index: u32, hash: &[u8], size: u32) {
        self.inner.storage_index_transaction(index, hash, size)
    }

    fn storage_renew_transaction_index(&mut self, index: u32, hash: &[u8]) {
        self.inner.storage_renew_transaction_index(index, hash)
    }

    fn wipe(&mut self) {
        self.inner.wipe()
    }

    fn commit(&mut self) {
        self.inner.commit()
    }

    fn read_write_count(&self) -> (u32, u32, u32, u32) {
        self.inner.read_write_count()
    }

    fn reset_read_write_count(&mut self) {
        self.inner.reset_read_write_count()
    }

    fn get_whitelist(&self) -> Vec<TrackedStorageKey> {
        self.inner.get_whitelist()
    }

    fn set_whitelist(&mut self, new: Vec<TrackedStorageKey>) {
        self.inner.set_whitelist(new)
    }

    fn proof_size(&self) -> Option<u32> {
        self.inner.proof_size()
    }

    fn get_read_and_written_keys(&self) -> Vec<(Vec<u8>, u32, u32, bool)> {
        self.inner.get_read_and_written_keys()
    }
}
