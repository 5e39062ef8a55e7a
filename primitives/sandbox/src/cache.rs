//! A bounded, thread-safe cache of compiled modules keyed by their code.
//!
//! Every instantiation looks its code up here, so the lookup must cost little next to
//! running a small contract: the code is hashed with xxh3 (fast, not cryptographic) and
//! a hit is confirmed by comparing the code byte for byte, which makes it exact without a
//! cryptographic hash per call. Two codes with one xxh3 share a slot: the later replaces
//! the earlier (a cache miss, never a wrong module).

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
};

type CodeKey = u64;

fn code_key(code: &[u8]) -> CodeKey {
    xxhash_rust::xxh3::xxh3_64(code)
}

/// Least-recently-used eviction once `capacity` entries, or entries weighing more than
/// `max_bytes` together, are held.
pub(crate) struct ModuleCache<M> {
    capacity: usize,
    max_bytes: usize,
    entries: Mutex<Entries<M>>,
    compilations: AtomicU64,
}

struct Entries<M> {
    /// Each module with the code it was compiled from and its weight in bytes (what
    /// compiling it reported, plus the code kept to confirm hits).
    modules: HashMap<CodeKey, Entry<M>>,
    /// Most recently used last.
    order: VecDeque<CodeKey>,
    bytes: usize,
}

struct Entry<M> {
    code: Box<[u8]>,
    module: M,
    bytes: usize,
}

impl<M: Clone> ModuleCache<M> {
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Self {
        ModuleCache {
            capacity,
            max_bytes,
            entries: Mutex::new(Entries {
                modules: HashMap::new(),
                order: VecDeque::new(),
                bytes: 0,
            }),
            compilations: AtomicU64::new(0),
        }
    }

    /// The cached module for `code`, compiling and caching it on a miss; `compile`
    /// returns the module and what it weighs in bytes (the code kept beside it is
    /// added). Compilation runs outside the lock, so concurrent misses on different code
    /// do not wait for each other; two racing misses on the same code both compile and
    /// the last wins. A module heavier than the whole cache is not kept.
    pub(crate) fn get_or_compile<E>(
        &self,
        code: &[u8],
        compile: impl FnOnce() -> Result<(M, usize), E>,
    ) -> Result<M, E> {
        let key = code_key(code);
        if let Some(module) = self.lock().touch(key, code) {
            return Ok(module);
        }
        let (module, bytes) = compile()?;
        self.compilations.fetch_add(1, Ordering::Relaxed);
        let bytes = bytes.saturating_add(code.len());
        if self.capacity > 0 && bytes <= self.max_bytes {
            let entry = Entry {
                code: code.into(),
                module: module.clone(),
                bytes,
            };
            self.lock()
                .insert(key, entry, self.capacity, self.max_bytes);
        }
        Ok(module)
    }

    pub(crate) fn compilations(&self) -> u64 {
        self.compilations.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().modules.len()
    }

    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<M>> {
        // A panic while holding the lock leaves the maps consistent (each update is a
        // single insert or remove), so a poisoned lock is safe to keep using.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<M: Clone> Entries<M> {
    /// The module compiled from `code`, marked most recently used.
    fn touch(&mut self, key: CodeKey, code: &[u8]) -> Option<M> {
        let entry = self.modules.get(&key)?;
        if *entry.code != *code {
            return None;
        }
        let module = entry.module.clone();
        if let Some(position) = self.order.iter().rposition(|k| *k == key) {
            self.order.remove(position);
        }
        self.order.push_back(key);
        Some(module)
    }

    fn insert(&mut self, key: CodeKey, entry: Entry<M>, capacity: usize, max_bytes: usize) {
        self.bytes += entry.bytes;
        match self.modules.insert(key, entry) {
            Some(replaced) => self.bytes -= replaced.bytes,
            None => self.order.push_back(key),
        }
        while self.modules.len() > capacity || self.bytes > max_bytes {
            match self.order.pop_front() {
                Some(oldest) => {
                    if let Some(freed) = self.modules.remove(&oldest) {
                        self.bytes -= freed.bytes;
                    }
                }
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used() {
        let cache = ModuleCache::<u32>::new(2, usize::MAX);
        let ok = |v| move || Ok::<_, ()>((v, 1));
        assert_eq!(cache.get_or_compile(b"a", ok(1)), Ok(1));
        assert_eq!(cache.get_or_compile(b"b", ok(2)), Ok(2));
        assert_eq!(
            cache.get_or_compile(b"a", ok(99)),
            Ok(1),
            "hit keeps the cached module"
        );
        assert_eq!(cache.get_or_compile(b"c", ok(3)), Ok(3));
        assert_eq!(cache.len(), 2);
        assert_eq!(
            cache.get_or_compile(b"b", ok(4)),
            Ok(4),
            "b was least recently used and evicted"
        );
        assert_eq!(cache.compilations(), 4);
    }

    #[test]
    fn evicts_by_weight_and_never_keeps_a_module_heavier_than_the_cache() {
        let cache = ModuleCache::<u32>::new(100, 10);
        let weighing = |v, bytes| move || Ok::<_, ()>((v, bytes));
        // Each weighs what compiling it reported plus its one byte of code.
        assert_eq!(cache.get_or_compile(b"a", weighing(1, 4)), Ok(1));
        assert_eq!(cache.get_or_compile(b"b", weighing(2, 4)), Ok(2));
        assert_eq!(cache.get_or_compile(b"c", weighing(3, 4)), Ok(3));
        assert_eq!((cache.len(), cache.bytes()), (2, 10), "a made room for c");
        assert_eq!(cache.get_or_compile(b"huge", weighing(4, 7)), Ok(4));
        assert_eq!((cache.len(), cache.bytes()), (2, 10), "too heavy to keep");
    }

    #[test]
    fn codes_sharing_a_key_are_told_apart_by_their_bytes() {
        let cache = ModuleCache::<u32>::new(4, usize::MAX);
        let ok = |v| move || Ok::<_, ()>((v, 1));
        assert_eq!(cache.get_or_compile(b"a", ok(1)), Ok(1));
        // As if b"b" had b"a"'s key: its entry is not b"b"'s module.
        let mut entries = cache.lock();
        assert_eq!(entries.touch(code_key(b"a"), b"b"), None);
        assert_eq!(entries.touch(code_key(b"a"), b"a"), Some(1));
        drop(entries);
        assert_eq!(cache.compilations(), 1);
    }

    #[test]
    fn failed_compilation_is_not_cached() {
        let cache = ModuleCache::<u32>::new(2, usize::MAX);
        assert_eq!(
            cache.get_or_compile(b"a", || Err::<(u32, usize), _>("bad")),
            Err("bad")
        );
        assert_eq!(cache.len(), 0);
        assert_eq!(cache.compilations(), 0);
    }
}
