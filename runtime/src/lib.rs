//! The Europa runtime: a FRAME runtime for developing contracts.
//!
//! The node executes it natively (docs/design.md, D1); it still builds without `std` for
//! wasm32, as every Substrate runtime must. Pallet configuration lives in [`configs`],
//! runtime APIs in [`apis`], the dev chain's genesis in [`genesis`].
#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`-style macros expand to large types.
#![recursion_limit = "256"]
// FRAME's `#[frame_support::runtime]` writes the runtime's types (`Runtime`,
// `RuntimeCall`, …) here without doc comments, and a lint attribute does not reach its
// output: missing_docs is allowed at the root only, and every module below warns again.
#![allow(missing_docs)]

extern crate alloc;

pub mod apis;
pub mod configs;
pub mod contracts;
#[cfg(feature = "std")]
pub mod dev_tx;
pub mod genesis;
pub mod input_limits;
mod signature;

use alloc::vec::Vec;
use sp_runtime::{generic, traits::BlakeTwo256, MultiAddress};
use sp_version::RuntimeVersion;

pub use apis::RUNTIME_API_VERSIONS;
#[cfg(feature = "std")]
pub use sp_runtime::BuildStorage;

/// Block number: u32, as cargo-contract and subxt expect.
pub type BlockNumber = u32;
/// MultiSignature over sr25519, ed25519 and ecdsa, verified once per transaction.
pub use signature::Signature;
/// AccountId32.
pub type AccountId = sp_runtime::AccountId32;
/// Balance of an account, in plancks (see [`configs::UNIT`]).
pub type Balance = u128;
/// An account's transaction counter: each signed transaction carries the next one.
pub type Nonce = u32;
/// Output of the chain's hasher, BlakeTwo256: block hashes, code hashes and the like.
pub type Hash = sp_core::H256;
/// A timestamp, in milliseconds since the Unix epoch.
pub type Moment = u64;
/// A system event with its topics, as events are stored and returned by dry runs.
pub type EventRecord = frame_system::EventRecord<RuntimeEvent, Hash>;

/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header, with [`BlockNumber`] numbers and BlakeTwo256 hashes.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// A block of [`UncheckedExtrinsic`]s.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// Exactly the transaction extensions subxt 0.35 (ink! e2e, cargo-contract) knows; any
/// other one breaks those clients.
pub type TxExtension = (
    frame_system::CheckNonZeroSender<Runtime>,
    frame_system::CheckSpecVersion<Runtime>,
    frame_system::CheckTxVersion<Runtime>,
    frame_system::CheckGenesis<Runtime>,
    frame_system::CheckEra<Runtime>,
    frame_system::CheckNonce<Runtime>,
    frame_system::CheckWeight<Runtime>,
    pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
);

/// An extrinsic as submitted, before its signature and extensions are checked.
pub type UncheckedExtrinsic =
    generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// What the sender of a signed extrinsic signs: the call and the extensions' data.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Executes blocks and extrinsics, dispatching calls to the pallets.
pub type Executive = frame_executive::Executive<
    Runtime,
    Block,
    frame_system::ChainContext<Runtime>,
    Runtime,
    AllPalletsWithSystem,
>;

/// The runtime's version, as the `Core` API reports it.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: alloc::borrow::Cow::Borrowed("europa"),
    impl_name: alloc::borrow::Cow::Borrowed("europa"),
    authoring_version: 1,
    spec_version: 1,
    impl_version: 1,
    apis: RUNTIME_API_VERSIONS,
    transaction_version: 1,
    system_version: 1,
};

/// Opaque types for the node, which needs no knowledge of the runtime's call types.
pub mod opaque {
    use super::*;
    pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;
    /// A block whose extrinsics are kept as opaque bytes.
    pub type Block = generic::Block<Header, UncheckedExtrinsic>;
}

#[frame_support::runtime]
mod runtime {
    #[runtime::runtime]
    #[runtime::derive(
        RuntimeCall,
        RuntimeEvent,
        RuntimeError,
        RuntimeOrigin,
        RuntimeFreezeReason,
        RuntimeHoldReason,
        RuntimeSlashReason,
        RuntimeLockId,
        RuntimeTask,
        RuntimeViewFunction
    )]
    pub struct Runtime;

    #[runtime::pallet_index(0)]
    pub type System = frame_system;

    #[runtime::pallet_index(1)]
    pub type Timestamp = pallet_timestamp;

    #[runtime::pallet_index(2)]
    pub type Balances = pallet_balances;

    #[runtime::pallet_index(3)]
    pub type TransactionPayment = pallet_transaction_payment;

    #[runtime::pallet_index(4)]
    pub type Sudo = pallet_sudo;

    #[runtime::pallet_index(5)]
    pub type Utility = pallet_utility;

    #[runtime::pallet_index(6)]
    pub type RandomnessCollectiveFlip = pallet_insecure_randomness_collective_flip;

    #[runtime::pallet_index(7)]
    pub type Contracts = pallet_europa_contracts;

    #[runtime::pallet_index(8)]
    pub type Cheats = pallet_europa_cheats;
}
