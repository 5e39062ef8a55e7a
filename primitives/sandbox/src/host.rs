//! What a host function sees while it runs: the host state, the instance's memory and
//! its fuel.

use crate::{error::Error, value::HostError};
use alloc::vec::Vec;

/// Executor-side access that a host function needs from the calling instance.
pub(crate) trait CallerAccess {
    /// The instance's linear memory: the imported one, else the one exported as `memory`.
    fn memory(&mut self) -> Option<&mut [u8]>;
    fn fuel(&self) -> u64;
    fn set_fuel(&mut self, fuel: u64);
}

/// Passed to every host function call.
pub struct FunctionContext<'a, T> {
    state: &'a mut T,
    caller: &'a mut dyn CallerAccess,
}

impl<'a, T> FunctionContext<'a, T> {
    pub(crate) fn new(state: &'a mut T, caller: &'a mut dyn CallerAccess) -> Self {
        FunctionContext { state, caller }
    }

    /// The host state lent to the current [`Instance::invoke`](crate::Instance::invoke).
    pub fn state(&mut self) -> &mut T {
        self.state
    }

    /// The calling instance's linear memory.
    pub fn memory(&mut self) -> Result<MemoryView<'_>, Error> {
        self.caller
            .memory()
            .map(MemoryView::new)
            .ok_or(Error::NoMemory)
    }

    /// Both at once, for host functions that copy between memory and state.
    pub fn state_and_memory(&mut self) -> Result<(&mut T, MemoryView<'_>), Error> {
        let memory = self
            .caller
            .memory()
            .map(MemoryView::new)
            .ok_or(Error::NoMemory)?;
        Ok((self.state, memory))
    }

    /// The fuel the calling instance has left.
    pub fn fuel_remaining(&self) -> u64 {
        self.caller.fuel()
    }

    /// Sets the calling instance's fuel: what it may still burn before its next host
    /// call (or its end).
    pub fn set_fuel(&mut self, fuel: u64) {
        self.caller.set_fuel(fuel);
    }

    /// Burns `amount` fuel for work the host did. If less is left, all of it is burnt
    /// and the call fails; the host function should then return that error.
    pub fn consume_fuel(&mut self, amount: u64) -> Result<(), HostError> {
        let left = self.caller.fuel();
        match left.checked_sub(amount) {
            Some(rest) => {
                self.caller.set_fuel(rest);
                Ok(())
            }
            None => {
                self.caller.set_fuel(0);
                Err(HostError::new("out of fuel"))
            }
        }
    }
}

/// Bounds-checked access to a linear memory.
pub struct MemoryView<'a> {
    data: &'a mut [u8],
}

/// Size of a WASM page in bytes.
pub const PAGE_SIZE: u64 = 65536;

impl<'a> MemoryView<'a> {
    pub(crate) fn new(data: &'a mut [u8]) -> Self {
        MemoryView { data }
    }

    /// Current size in bytes.
    pub fn size(&self) -> u64 {
        self.data.len() as u64
    }

    /// Current size in pages.
    pub fn pages(&self) -> u32 {
        (self.size() / PAGE_SIZE) as u32
    }

    /// Copies `buf.len()` bytes starting at `offset` into `buf`.
    pub fn get(&self, offset: u32, buf: &mut [u8]) -> Result<(), Error> {
        let range = self.range(offset, buf.len())?;
        buf.copy_from_slice(&self.data[range]);
        Ok(())
    }

    /// Reads `len` bytes starting at `offset`.
    pub fn read(&self, offset: u32, len: u32) -> Result<Vec<u8>, Error> {
        let range = self.range(offset, len as usize)?;
        Ok(self.data[range].to_vec())
    }

    /// Writes `data` starting at `offset`.
    pub fn set(&mut self, offset: u32, data: &[u8]) -> Result<(), Error> {
        let range = self.range(offset, data.len())?;
        self.data[range].copy_from_slice(data);
        Ok(())
    }

    fn range(&self, offset: u32, len: usize) -> Result<core::ops::Range<usize>, Error> {
        let start = offset as usize;
        start
            .checked_add(len)
            .filter(|end| *end <= self.data.len())
            .map(|end| start..end)
            .ok_or(Error::OutOfBounds {
                offset,
                len: len.try_into().unwrap_or(u32::MAX),
                size: self.size(),
            })
    }
}
