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

/// Least-recently-used eviction once `capacity` entries are held.
pub(crate) struct ModuleCache<M> {
    capacity: usize,
    entries: Mutex<Entries<M>>,
    compilations: AtomicU64,
}

struct Entries<M> {
    modules: HashMap<CodeHash, M>,
    /// Most recently used last.
    order: VecDeque<CodeHash>,
}

impl<M: Clone> ModuleCache<M> {
    pub fn new(capacity: usize) -> Self {
        ModuleCache {
            capacity,
            entries: Mutex::new(Entries {
                modules: HashMap::new(),
                order: VecDeque::new(),
            }),
            compilations: AtomicU64::new(0),
        }
    }

    /// The cached module for `code`, compiling and caching it on a miss. Compilation
    /// runs outside the lock, so concurrent misses on different code do not wait for
    /// each other; two racing misses on the same code both compile and the last wins.
    pub fn get_or_compile<E>(
        &self,
        code: &[u8],
        compile: impl FnOnce() -> Result<M, E>,
    ) -> Result<M, E> {
        let hash = code_hash(code);
        if let Some(module) = self.lock().touch(&hash) {
            return Ok(module);
        }
        let module = compile()?;
        self.compilations.fetch_add(1, Ordering::Relaxed);
        if self.capacity > 0 {
            self.lock().insert(hash, module.clone(), self.capacity);
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
        let module = self.modules.get(hash)?.clone();
        if let Some(position) = self.order.iter().position(|h| h == hash) {
            self.order.remove(position);
        }
        self.order.push_back(*hash);
        Some(module)
    }

    fn insert(&mut self, hash: CodeHash, module: M, capacity: usize) {
        if self.modules.insert(hash, module).is_none() {
            self.order.push_back(hash);
        }
        while self.modules.len() > capacity {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.modules.remove(&oldest);
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
        let cache = ModuleCache::<u32>::new(2);
        let ok = |v| move || Ok::<_, ()>(v);
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
    fn failed_compilation_is_not_cached() {
        let cache = ModuleCache::<u32>::new(2);
        assert_eq!(
            cache.get_or_compile(b"a", || Err::<u32, _>("bad")),
            Err("bad")
        );
        assert_eq!(cache.len(), 0);
        assert_eq!(cache.compilations(), 0);
    }
}
