//! Transient storage: key-value storage per contract that lives for one execution
//! (upstream's unstable `*_transient_storage` functions). A frame that fails or
//! reverts undoes its writes, and memory use is bounded as upstream bounds it: the
//! execution may hold `MaxTransientStorageSize` bytes, and each nested frame may use
//! what its caller has left less a sixteenth, so a caller always keeps some room.

use alloc::{collections::BTreeMap, vec::Vec};
use codec::Encode;

use crate::storage::{Key, WriteOutcome};

/// What upstream counts for one undo record and for a map entry's key vector: the
/// sizes of its `JournalEntry` and of a `Vec` on the wasm32 runtime production runs.
const UNDO_RECORD_BYTES: u32 = 24;
const KEY_VECTOR_BYTES: u32 = 12;

/// A frame's share of the memory transient storage may use.
#[derive(Clone, Copy)]
struct Budget {
    limit: u32,
    used: u32,
    /// Where the frame's undo records start.
    undo_from: usize,
}

/// Why a write was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OutOfTransientStorage;

pub(crate) struct TransientStorage {
    values: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Each write's key and the value it replaced, oldest first.
    undo: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    execution: Budget,
    /// One budget per running frame, innermost last.
    frames: Vec<Budget>,
}

impl TransientStorage {
    pub(crate) fn new(limit: u32) -> Self {
        TransientStorage {
            values: BTreeMap::new(),
            undo: Vec::new(),
            execution: Budget {
                limit,
                used: 0,
                undo_from: 0,
            },
            frames: Vec::new(),
        }
    }

    fn current(&mut self) -> &mut Budget {
        self.frames.last_mut().unwrap_or(&mut self.execution)
    }

    /// A frame starts: its writes can be undone, and its budget is what is left.
    pub(crate) fn start_frame(&mut self) {
        let nested = !self.frames.is_empty();
        let current = *self.current();
        let mut limit = current.limit.saturating_sub(current.used);
        if nested {
            limit = limit.saturating_sub(limit / 16);
        }
        let undo_from = self.undo.len();
        self.frames.push(Budget {
            limit,
            used: 0,
            undo_from,
        });
    }

    /// The frame ends: its writes stay (`keep`) and count for its caller, or are undone.
    pub(crate) fn end_frame(&mut self, keep: bool) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        if keep {
            let used = frame.used;
            let current = self.current();
            current.used = current.used.saturating_add(used);
        } else {
            for (key, previous) in self.undo.drain(frame.undo_from..).rev() {
                match previous {
                    Some(value) => self.values.insert(key, value),
                    None => self.values.remove(&key),
                };
            }
        }
    }

    pub(crate) fn read(&self, contract: &impl Encode, key: &Key) -> Option<&Vec<u8>> {
        self.values.get(&entry_key(contract, key))
    }

    /// Writes or (with `None`) removes a value; `take` returns the previous value.
    pub(crate) fn write(
        &mut self,
        contract: &impl Encode,
        key: &Key,
        value: Option<Vec<u8>>,
        take: bool,
    ) -> Result<WriteOutcome, OutOfTransientStorage> {
        let key = entry_key(contract, key);
        let previous = self.values.get(&key).cloned();
        if previous != value {
            if let Some(value) = &value {
                let key_len = key.len() as u32;
                let mut cost = (value.len() as u32)
                    .saturating_add(key_len)
                    .saturating_add(UNDO_RECORD_BYTES);
                if previous.is_none() {
                    cost = cost.saturating_add(key_len.saturating_add(KEY_VECTOR_BYTES));
                }
                let budget = self.current();
                if budget.used.saturating_add(cost) > budget.limit {
                    return Err(OutOfTransientStorage);
                }
                budget.used = budget.used.saturating_add(cost);
            }
            match value {
                Some(value) => self.values.insert(key.clone(), value),
                None => self.values.remove(&key),
            };
            self.undo.push((key, previous.clone()));
        }
        Ok(match (previous, take) {
            (None, _) => WriteOutcome::New,
            (Some(previous), false) => WriteOutcome::Overwritten(previous.len() as u32),
            (Some(previous), true) => WriteOutcome::Taken(previous),
        })
    }
}

/// The map's key: the contract, then the key as the contract's storage hashes it.
fn entry_key(contract: &impl Encode, key: &Key) -> Vec<u8> {
    let mut entry = contract.encode();
    entry.extend_from_slice(&key.hashed());
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: [u8; 32] = [1; 32];

    fn key(byte: u8) -> Key {
        Key::Fix([byte; 32])
    }

    #[test]
    fn a_failed_frame_undoes_its_writes_and_a_kept_one_counts_for_its_caller() {
        let mut storage = TransientStorage::new(10_000);
        storage.start_frame();
        storage
            .write(&ALICE, &key(1), Some(vec![1]), false)
            .unwrap();
        storage.start_frame();
        assert_eq!(
            storage.write(&ALICE, &key(1), Some(vec![2, 2]), true),
            Ok(WriteOutcome::Taken(vec![1]))
        );
        storage
            .write(&ALICE, &key(2), Some(vec![3]), false)
            .unwrap();
        storage.end_frame(false);
        assert_eq!(storage.read(&ALICE, &key(1)), Some(&vec![1]));
        assert_eq!(storage.read(&ALICE, &key(2)), None);
        storage.start_frame();
        storage
            .write(&ALICE, &key(2), Some(vec![3]), false)
            .unwrap();
        storage.end_frame(true);
        assert_eq!(storage.read(&ALICE, &key(2)), Some(&vec![3]));
        // A new key costs its value, its key twice, an undo record and a key vector.
        let new_entry = 1 + 2 * 64 + UNDO_RECORD_BYTES + KEY_VECTOR_BYTES;
        assert_eq!(storage.frames[0].used, 2 * new_entry);
    }

    #[test]
    fn nested_frames_leave_their_caller_a_sixteenth() {
        let entry = |len: u32| len + 2 * 64 + UNDO_RECORD_BYTES + KEY_VECTOR_BYTES;
        let mut storage = TransientStorage::new(entry(1_000));
        storage.start_frame();
        storage.start_frame();
        assert_eq!(
            storage.write(&ALICE, &key(1), Some(vec![0; 1_000]), false),
            Err(OutOfTransientStorage)
        );
        storage.end_frame(false);
        assert!(storage
            .write(&ALICE, &key(1), Some(vec![0; 1_000]), false)
            .is_ok());
        assert_eq!(
            storage.write(&ALICE, &key(2), Some(vec![0]), false),
            Err(OutOfTransientStorage)
        );
    }
}
