//! Chain extensions: functions a runtime offers to contracts beyond the standard ABI,
//! reached through `seal0.call_chain_extension(id, input, output)`.
//!
//! An id's upper 16 bits name the extension, its lower 16 bits the function (ink!'s
//! convention). The runtime implements [`ChainExtension`] for a type of its own and
//! sets it as `Config::ChainExtension`; `()` offers none, and contracts calling one
//! fail with `NoChainExtension`.

use alloc::vec::Vec;
use frame_support::weights::Weight;
use pallet_contracts_uapi::ReturnFlags;
use sp_runtime::DispatchError;

use crate::{AccountIdOf, Config};

/// A chain extension call in progress.
pub struct Environment<T: Config> {
    /// The id the contract called with.
    pub id: u32,
    /// The input the contract passed.
    pub input: Vec<u8>,
    /// What the extension returns to the contract's output buffer.
    pub output: Vec<u8>,
    /// The contract making the call.
    pub contract: AccountIdOf<T>,
    /// Weight the extension charges for its work (on top of the call itself).
    pub charged: Weight,
}

impl<T: Config> Environment<T> {
    /// The extension called: the id's upper 16 bits.
    pub fn extension_id(&self) -> u16 {
        (self.id >> 16) as u16
    }

    /// The function called: the id's lower 16 bits.
    pub fn func_id(&self) -> u16 {
        self.id as u16
    }

    /// Adds `weight` to what the contract pays for the call, charged once the extension
    /// returns.
    pub fn charge(&mut self, weight: Weight) {
        self.charged = self.charged.saturating_add(weight);
    }
}

/// What the contract gets back.
pub enum RetVal {
    /// Return to the contract with this value as the call's return code.
    Converging(u32),
    /// End the contract's frame as if it called `seal_return`.
    Diverging {
        /// The flags the frame returns with (`REVERT` rolls back its changes).
        flags: ReturnFlags,
        /// The data the frame returns.
        data: Vec<u8>,
    },
}

/// What a runtime offers through `call_chain_extension`. Each call is handled by a
/// new `Default` value of the implementing type.
pub trait ChainExtension<T: Config> {
    /// Handles a call. An error traps the contract with it.
    fn call(&mut self, env: &mut Environment<T>) -> Result<RetVal, DispatchError>;

    /// Whether contracts may call the extension at all.
    fn enabled() -> bool {
        true
    }
}

impl<T: Config> ChainExtension<T> for () {
    fn call(&mut self, _: &mut Environment<T>) -> Result<RetVal, DispatchError> {
        Err(DispatchError::Other("no chain extension"))
    }

    fn enabled() -> bool {
        false
    }
}
