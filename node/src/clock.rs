//! The time blocks are sealed at: the system clock, moved by `europa_increaseTime` and
//! `europa_setNextBlockTimestamp` (as Anvil's `evm_increaseTime` and
//! `evm_setNextBlockTimestamp`). A block's timestamp never goes below its parent's,
//! which the runtime's timestamp pallet requires.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Shared by the sealing task (which asks it for each block's timestamp) and the RPC
/// methods that move it.
#[derive(Default)]
pub struct Clock {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Added to the system clock, in milliseconds.
    offset_ms: i128,
    /// The exact timestamp of the next block, when one was asked for.
    next_ms: Option<u64>,
}

impl Clock {
    /// The timestamp of a block whose parent has timestamp `parent_ms`. A timestamp asked
    /// for the next block is used once; after it, time runs on from there.
    pub fn next_block_timestamp(&self, parent_ms: u64) -> u64 {
        let mut state = self.lock();
        let now = system_ms();
        let timestamp = match state.next_ms.take() {
            Some(next) => {
                state.offset_ms = i128::from(next) - i128::from(now);
                next
            }
            None => clamp(i128::from(now) + state.offset_ms),
        };
        timestamp.max(parent_ms)
    }

    /// Moves all following blocks `ms` later; returns how far this clock is now ahead
    /// of the system's.
    pub fn increase(&self, ms: u64) -> i64 {
        let mut state = self.lock();
        state.offset_ms += i128::from(ms);
        if let Some(next) = &mut state.next_ms {
            *next = next.saturating_add(ms);
        }
        state.offset_ms.clamp(i64::MIN.into(), i64::MAX.into()) as i64
    }

    /// Gives the next block timestamp `ms`.
    pub fn set_next(&self, ms: u64) {
        self.lock().next_ms = Some(ms);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock left plain numbers behind: still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The timestamp of block `hash` (`Timestamp.Now`), in milliseconds; 0 for genesis.
pub fn timestamp_at<C, B>(client: &C, hash: europa_runtime::Hash) -> sp_blockchain::Result<u64>
where
    C: sc_client_api::StorageProvider<europa_runtime::opaque::Block, B>,
    B: sc_client_api::Backend<europa_runtime::opaque::Block>,
{
    use codec::Decode;
    let key = sp_core::storage::StorageKey(
        frame_support::storage::storage_prefix(b"Timestamp", b"Now").to_vec(),
    );
    Ok(client
        .storage(hash, &key)?
        .and_then(|data| u64::decode(&mut &data.0[..]).ok())
        .unwrap_or_default())
}

fn system_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

fn clamp(ms: i128) -> u64 {
    ms.clamp(0, i128::from(u64::MAX)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_moves_forward_as_asked_and_never_below_the_parent() {
        let clock = Clock::default();
        let now = system_ms();
        let first = clock.next_block_timestamp(0);
        assert!(first >= now && first < now + 60_000, "{first} vs {now}");

        assert_eq!(clock.increase(3_600_000), 3_600_000);
        let later = clock.next_block_timestamp(first);
        assert!(later >= first + 3_600_000, "{later}");

        let target = later + 86_400_000;
        clock.set_next(target);
        assert_eq!(clock.next_block_timestamp(later), target);
        // Time runs on from the timestamp set.
        let after = clock.next_block_timestamp(target);
        assert!(after >= target && after < target + 60_000, "{after}");

        // Never below the parent's.
        assert_eq!(clock.next_block_timestamp(u64::MAX), u64::MAX);
    }
}
