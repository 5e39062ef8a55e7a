//! A bounded, thread-safe cache of compiled modules keyed by the hash of their code.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
};

use blake2::{digest::consts::U32, Blake2b, Digest};

pub(crate) type CodeHash = [u8; 32];

pub(crate) fn code_hash(code: &[u8]) -> CodeHash {
    Blake2b::<U32>::digest(code).into()
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
    /// Each module with its weight in bytes.
    modules: HashMap<CodeHash, (M, usize)>,
    /// Most recently used last.
    order: VecDeque<CodeHash>,
    bytes: usize,
}

impl<M: Clone> ModuleCache<M> {
    pub fn new(capacity: usize, max_bytes: usize) -> Self {
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
    /// returns the module and what it weighs in bytes. Compilation runs outside the
    /// lock, so concurrent misses on different code do not wait for each other; two
    /// racing misses on the same code both compile and the last wins. A module heavier
    /// than the whole cache is not kept.
    pub fn get_or_compile<E>(
        &self,
        code: &[u8],
        compile: impl FnOnce() -> Result<(M, usize), E>,
    ) -> Result<M, E> {
        let hash = code_hash(code);
        if let Some(module) = self.lock().touch(&hash) {
            return Ok(module);
        }
        let (module, bytes) = compile()?;
        self.compilations.fetch_add(1, Ordering::Relaxed);
        if self.capacity > 0 && bytes <= self.max_bytes {
            self.lock()
                .insert(hash, module.clone(), bytes, self.capacity, self.max_bytes);
        }
        Ok(module)
    }

    pub fn compilations(&self) -> u64 {
        self.compilations.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().modules.len()
    }

    #[cfg(test)]
    pub fn bytes(&self) -> usize {
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
    fn touch(&mut self, hash: &CodeHash) -> Option<M> {
        let module = self.modules.get(hash)?.0.clone();
        if let Some(position) = self.order.iter().position(|h| h == hash) {
            self.order.remove(position);
        }
        self.order.push_back(*hash);
        Some(module)
    }

    fn insert(
        &mut self,
        hash: CodeHash,
        module: M,
        bytes: usize,
        capacity: usize,
        max_bytes: usize,
    ) {
        match self.modules.insert(hash, (module, bytes)) {
            Some((_, replaced)) => self.bytes -= replaced,
            None => self.order.push_back(hash),
        }
        self.bytes += bytes;
        while self.modules.len() > capacity || self.bytes > max_bytes {
            match self.order.pop_front() {
                Some(oldest) => {
                    if let Some((_, freed)) = self.modules.remove(&oldest) {
                        self.bytes -= freed;
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
        assert_eq!(cache.get_or_compile(b"a", weighing(1, 4)), Ok(1));
        assert_eq!(cache.get_or_compile(b"b", weighing(2, 4)), Ok(2));
        assert_eq!(cache.get_or_compile(b"c", weighing(3, 4)), Ok(3));
        assert_eq!((cache.len(), cache.bytes()), (2, 8), "a made room for c");
        assert_eq!(cache.get_or_compile(b"huge", weighing(4, 11)), Ok(4));
        assert_eq!((cache.len(), cache.bytes()), (2, 8), "too heavy to keep");
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
