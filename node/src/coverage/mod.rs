//! Code coverage (`--coverage`): which lines of their contracts the chain's executions
//! ran. Every execution the chain runs — dispatched or a dry run — is first run on the
//! lens engine with every straight run of code marked (`Run::cover` in the pallet), and
//! the hits by offset come here, kept per code hash. Lines are read from DWARF only
//! when a report is asked for, so code whose debug build is registered later is
//! reported by line as soon as it is.

mod file;
mod lcov;
mod report;

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use pallet_europa_contracts::CodeHits;

pub use file::CoverageOutput;
pub use report::{CodeReport, CoverageFilter, FunctionReport};

use crate::insight::Insight;

/// Codes whose hits are kept; hits of further codes are counted as dropped.
pub const MAX_COVERED_CODES: usize = 512;

/// The hits of every code executed since the node started (or coverage was reset).
pub struct Coverage {
    codes: Mutex<Codes>,
    /// Bumped on every change, so writers know when to write again.
    generation: AtomicU64,
    /// What reports include by default (`--coverage-filter`).
    pub filter: CoverageFilter,
}

#[derive(Default)]
struct Codes {
    by_hash: BTreeMap<[u8; 32], Covered>,
    /// Executions of codes not kept for want of room.
    dropped: u64,
}

/// One code's bytes (kept as executed: its line map is read from them) and hits.
#[derive(Clone)]
struct Covered {
    code: Arc<Vec<u8>>,
    hits: BTreeMap<u32, u64>,
}

impl Coverage {
    pub fn new(filter: CoverageFilter) -> Self {
        Coverage {
            codes: Mutex::new(Codes::default()),
            generation: AtomicU64::new(0),
            filter,
        }
    }

    fn codes(&self) -> std::sync::MutexGuard<'_, Codes> {
        self.codes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds what one execution reached; `stored_code` reads a code not seen before.
    pub fn add(&self, hits: CodeHits, stored_code: impl Fn(&[u8; 32]) -> Option<Vec<u8>>) {
        let mut codes = self.codes();
        for (hash, offsets) in hits {
            let Ok(hash) = <[u8; 32]>::try_from(&hash[..]) else {
                continue;
            };
            if !codes.by_hash.contains_key(&hash) {
                let room = codes.by_hash.len() < MAX_COVERED_CODES;
                let Some(code) = room.then(|| stored_code(&hash)).flatten() else {
                    codes.dropped += 1;
                    continue;
                };
                let covered = Covered {
                    code: Arc::new(code),
                    hits: BTreeMap::new(),
                };
                codes.by_hash.insert(hash, covered);
            }
            let Some(covered) = codes.by_hash.get_mut(&hash) else {
                continue;
            };
            for (offset, count) in offsets {
                let total = covered.hits.entry(offset).or_default();
                *total = total.saturating_add(count);
            }
        }
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// Forgets every hit; returns how many codes had some.
    pub fn reset(&self) -> usize {
        let forgotten = std::mem::take(&mut *self.codes()).by_hash.len();
        self.generation.fetch_add(1, Ordering::Relaxed);
        forgotten
    }

    /// Changes so far: a writer compares it with what it last wrote.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Executions of codes not covered because [`MAX_COVERED_CODES`] were already.
    pub fn dropped(&self) -> u64 {
        self.codes().dropped
    }

    /// The report of each covered code (of `only`, when given), by line where its
    /// DWARF (or debug build) says, in code-hash order.
    pub fn reports(
        &self,
        insight: &Insight,
        only: Option<[u8; 32]>,
        filter: CoverageFilter,
    ) -> Vec<CodeReport> {
        // The lock is not held while DWARF is read.
        let codes: Vec<([u8; 32], Covered)> = self
            .codes()
            .by_hash
            .iter()
            .filter(|(hash, _)| only.is_none_or(|only| only == **hash))
            .map(|(hash, covered)| (*hash, covered.clone()))
            .collect();
        codes
            .into_iter()
            .map(|(hash, covered)| {
                report::of_code(insight, hash, &covered.code, &covered.hits, filter)
            })
            .collect()
    }

    /// The reports as lcov text.
    pub fn lcov(
        &self,
        insight: &Insight,
        only: Option<[u8; 32]>,
        filter: CoverageFilter,
    ) -> String {
        lcov::render(&self.reports(insight, only, filter))
    }
}
