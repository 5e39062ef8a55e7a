//! # pallet-europa-contracts
//!
//! A contracts pallet that speaks the `pallet-contracts` ABI (stable2609, 51.x) on both
//! sides — to contracts (the `seal0`/`seal1`/`seal2` host functions of
//! `pallet-contracts-uapi`) and to clients (pallet name, calls, storage items, events,
//! errors, `ContractsApi` and its SCALE types) — while executing contracts on
//! [`europa_sandbox`] and recording a [`trace`] of every execution.
//!
//! Layout:
//! - this file: the pallet surface (config, calls, storage, events, errors, constants);
//! - `bare`: the `bare_*` entry points the runtime APIs use;
//! - [`primitives`]: the client-facing result types, SCALE-identical to upstream's;
//! - `code`: upload, validation against the ABI, removal and reference counting;
//! - `exec`: the call stack — frames, value transfers, transactional rollback — and
//!   (`exec::run`) one top-level execution around it;
//! - [`costs`]: every price, from the runtime's `WeightInfo`;
//! - `transient`: per-execution transient storage;
//! - `host`: the host functions contracts import, one module per area, each function
//!   declared once with `host_functions!` (`host::declare`);
//! - `gas`, `deposit`: the gas meter and the storage deposit meter;
//! - `storage`: contract and code metadata, and the per-contract child trie;
//! - [`schedule`]: limits; [`trace`]: the trace data model;
//! - [`chain_extension`]: the hook runtimes use to offer extra functions to contracts.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod api;
mod bare;
pub mod chain_extension;
mod code;
pub mod costs;
mod deposit;
mod exec;
mod gas;
mod host;
pub mod primitives;
mod recorder;
mod sandbox_trace;
pub mod schedule;
mod storage;
pub use europa_trace as trace;
mod transient;

pub use exec::describe as describe_error;
pub use host::{inventory as host_function_inventory, LinkedHostFunction};
/// The weights execution is priced with: upstream's benchmarked `SubstrateWeight`, or
/// any chain's own implementation of upstream's `WeightInfo`.
pub use pallet_contracts::{weights::SubstrateWeight, WeightInfo};

use alloc::vec::Vec;

use codec::{Decode, DecodeWithMemTracking, Encode, HasCompact};
use core::fmt::Debug;
use frame_support::{
    dispatch::{DispatchResult, DispatchResultWithPostInfo, GetDispatchInfo, PostDispatchInfo},
    pallet_prelude::*,
    traits::{
        fungible::{Inspect, Mutate, MutateHold},
        Contains, Randomness, Time,
    },
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_runtime::{
    traits::{Convert, Dispatchable, StaticLookup},
    Perbill,
};

pub use crate::{
    pallet::*,
    primitives::*,
    recorder::{Capture, CaptureAt, CodeHits, LineStarts, Profiling, Recording, TraceLimits},
    schedule::Schedule,
    storage::{CodeInfo, ContractInfo, DeletionQueueCounters},
};

/// The runtime's account id: contracts' addresses, callers, deployers.
pub type AccountIdOf<T> = <T as frame_system::Config>::AccountId;
/// A balance of the pallet's `Currency`: values, fees and deposits.
pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<AccountIdOf<T>>>::Balance;
/// The hash that code is stored under: the runtime's hash of the code as uploaded.
pub type CodeHash<T> = <T as frame_system::Config>::Hash;
/// Names the child trie a contract's storage lives in.
pub type TrieId = BoundedVec<u8, ConstU32<128>>;
type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;
type CodeVec<T> = BoundedVec<u8, <T as Config>::MaxCodeLen>;

/// How deeply nested a value decoded from a contract's memory may be (upstream's
/// limit): decoding recurses, so bytes from outside must not choose the depth.
pub const MAX_DECODE_NESTING: u32 = 256;

/// Where the pallet gets its sandbox engine from. The engine decides the executor
/// (wasmtime or wasmi) and the validation profile (permissive or strict); it is cheap
/// to clone and shares its module cache.
pub trait SandboxSource {
    /// The engine contracts run on and code is validated with.
    fn engine() -> europa_sandbox::Engine;

    /// Whether this execution is a lens run: a re-execution on another executor that
    /// decides nothing and shows where things happened. Its top-level gas limit is
    /// doubled (at most a block's): wasmtime's fuel for the same code is at most 1.8
    /// times wasmi's on the measured contracts, so it reaches the end the decisive run
    /// reached, and the work stays within twice what the decisive run could spend.
    fn is_lens() -> bool {
        false
    }

    /// The engine lens runs execute on (wasmtime), for coverage runs beside the
    /// decisive one.
    fn lens_engine() -> europa_sandbox::Engine {
        Self::engine()
    }
}

/// Receives the trace of every contract execution that runs inside a dispatchable
/// (dry runs return theirs to the caller instead).
pub trait OnTrace {
    /// Takes the trace of one dispatched execution, once it has ended.
    fn on_trace(trace: &trace::ExecutionTrace);

    /// How much of a trace `on_trace` wants; `None` when it uses none, and dispatched
    /// executions then record no trace and pay for none.
    fn trace_limits() -> Option<TraceLimits> {
        Some(TraceLimits::default())
    }

    /// Whether the traces `on_trace` receives should carry gas profiles: `Some`, with
    /// how frames are instrumented.
    fn profile() -> Option<Profiling> {
        None
    }

    /// Whether this execution (dispatched or a dry run) is covered: run first on the
    /// lens engine, instrumented, in a storage transaction that is rolled back, its
    /// hits handed to [`OnTrace::on_coverage`]. The decisive run after it is untouched.
    fn coverage() -> bool {
        false
    }

    /// What a covered execution reached, by code.
    fn on_coverage(hits: CodeHits) {
        let _ = hits;
    }
}

impl OnTrace for () {
    fn on_trace(_: &trace::ExecutionTrace) {}

    fn trace_limits() -> Option<TraceLimits> {
        None
    }
}

// FRAME's macros write out paths the module has in scope already.
#[allow(unused_qualifications)]
#[frame_support::pallet]
pub mod pallet {
    use super::*;

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::config]
    pub trait Config: frame_system::Config {
        /// Supplies `now` to contracts.
        type Time: Time;
        /// Supplies the deprecated `random` to contracts.
        type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;
        /// The currency of values, fees and deposits; deposits are held on accounts.
        type Currency: Inspect<Self::AccountId>
            + Mutate<Self::AccountId>
            + MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching event type.
        #[allow(deprecated)]
        type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
        /// The calls contracts may dispatch through `call_runtime`.
        type RuntimeCall: Dispatchable<RuntimeOrigin = Self::RuntimeOrigin, PostInfo = PostDispatchInfo>
            + GetDispatchInfo
            + Decode
            + IsType<<Self as frame_system::Config>::RuntimeCall>;
        /// The overarching hold reason, which holds this pallet's [`HoldReason`].
        type RuntimeHoldReason: From<HoldReason>;
        /// Which runtime calls contracts may dispatch, on top of the system's base filter.
        type CallFilter: Contains<<Self as frame_system::Config>::RuntimeCall>;
        /// Converts weight to a fee, for `weight_to_fee`.
        type WeightPrice: Convert<Weight, BalanceOf<Self>>;
        /// Functions the runtime offers to contracts through `call_chain_extension`.
        type ChainExtension: chain_extension::ChainExtension<Self> + Default;
        /// Limits of execution.
        type Schedule: Get<Schedule>;
        /// The benchmarked weights execution is priced with (see [`costs`]).
        type WeightInfo: WeightInfo;
        /// The executor and validation profile contracts run with.
        type Sandbox: SandboxSource;
        /// Where the traces of dispatched executions go.
        type OnTrace: OnTrace;
        /// Deposit per byte of contract storage and code.
        #[pallet::constant]
        type DepositPerByte: Get<BalanceOf<Self>>;
        /// Deposit per storage item.
        #[pallet::constant]
        type DepositPerItem: Get<BalanceOf<Self>>;
        /// Fallback storage deposit limit for dry runs that give none.
        #[pallet::constant]
        type DefaultDepositLimit: Get<BalanceOf<Self>>;
        /// Share of the code's deposit an instantiation locks as part of its base deposit.
        #[pallet::constant]
        type CodeHashLockupDepositPercent: Get<Perbill>;
        /// Largest code, in bytes.
        #[pallet::constant]
        type MaxCodeLen: Get<u32>;
        /// Longest variable-sized storage key.
        #[pallet::constant]
        type MaxStorageKeyLen: Get<u32>;
        /// Most code hashes a contract may lock as delegate dependencies.
        #[pallet::constant]
        type MaxDelegateDependencies: Get<u32>;
        /// Longest debug message buffer of one execution.
        #[pallet::constant]
        type MaxDebugBufferLen: Get<u32>;
        /// Most memory, in bytes, one execution's transient storage may use.
        #[pallet::constant]
        type MaxTransientStorageSize: Get<u32>;
        /// Deepest contract call stack, the outermost frame included (upstream's
        /// `CallStack` size plus one).
        #[pallet::constant]
        type MaxCallDepth: Get<u32>;
        /// Whether contracts may use host functions upstream marks unstable.
        #[pallet::constant]
        type UnsafeUnstableInterface: Get<bool>;
    }

    #[pallet::extra_constants]
    impl<T: Config> Pallet<T> {
        /// Costs and limits of contract execution, in upstream's shape.
        #[pallet::constant_name(Schedule)]
        fn published_schedule() -> schedule::PublishedSchedule {
            T::Schedule::get().published::<T>()
        }

        /// The types contracts are built against (see [`Environment`]).
        #[pallet::constant_name(Environment)]
        fn environment() -> Environment<T> {
            Default::default()
        }

        /// The host function ABI version (see [`ApiVersion`]).
        #[pallet::constant_name(ApiVersion)]
        fn api_version() -> ApiVersion {
            ApiVersion(4)
        }
    }

    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// Contract deployed by address at the specified address.
        Instantiated {
            /// The account that instantiated the contract.
            deployer: T::AccountId,
            /// The new contract's address.
            contract: T::AccountId,
        },
        /// Contract has been removed; its remaining balance went to `beneficiary`.
        Terminated {
            /// The contract that was terminated.
            contract: T::AccountId,
            /// The account that received the contract's remaining balance.
            beneficiary: T::AccountId,
        },
        /// Code with the specified hash has been stored.
        CodeStored {
            /// The hash the code is stored under.
            code_hash: T::Hash,
            /// The deposit held on the uploader for the code.
            deposit_held: BalanceOf<T>,
            /// The account that uploaded the code.
            uploader: T::AccountId,
        },
        /// A custom event emitted by the contract.
        ContractEmitted {
            /// The contract that emitted the event.
            contract: T::AccountId,
            /// Data supplied by the contract. Metadata generated during contract compilation
            /// is needed to decode it.
            data: Vec<u8>,
        },
        /// A code with the specified hash was removed.
        CodeRemoved {
            /// The hash of the code removed.
            code_hash: T::Hash,
            /// The deposit released to the uploader.
            deposit_released: BalanceOf<T>,
            /// The account that removed the code (its uploader).
            remover: T::AccountId,
        },
        /// A contract's code was updated.
        ContractCodeUpdated {
            /// The contract that has been updated.
            contract: T::AccountId,
            /// New code hash that was set for the contract.
            new_code_hash: T::Hash,
            /// Previous code hash of the contract.
            old_code_hash: T::Hash,
        },
        /// A contract was called either by a plain account or another contract.
        Called {
            /// The caller of the `contract`.
            caller: Origin<T>,
            /// The contract that was called.
            contract: T::AccountId,
        },
        /// A contract delegate called a code hash.
        DelegateCalled {
            /// The contract that performed the delegate call and hence in whose context
            /// the `code_hash` is executed.
            contract: T::AccountId,
            /// The code hash that was delegate called.
            code_hash: CodeHash<T>,
        },
        /// Some funds have been transferred and held as storage deposit.
        StorageDepositTransferredAndHeld {
            /// The account that paid the deposit: the execution's origin.
            from: T::AccountId,
            /// The contract the deposit is held on.
            to: T::AccountId,
            /// The amount transferred and held.
            amount: BalanceOf<T>,
        },
        /// Some storage deposit funds have been transferred and released.
        StorageDepositTransferredAndReleased {
            /// The contract the deposit was held on.
            from: T::AccountId,
            /// The account refunded: the execution's origin.
            to: T::AccountId,
            /// The amount released and transferred.
            amount: BalanceOf<T>,
        },
    }

    /// Upstream's errors, in upstream's order: clients decode module errors by index.
    #[pallet::error]
    pub enum Error<T> {
        /// The schedule is not valid (kept for upstream's error indices; Europa never
        /// returns it).
        InvalidSchedule,
        /// A contract passed call flags that are not defined, or returned with such flags.
        InvalidCallFlags,
        /// The execution used all the gas it was given; `gas_required` of a dry run tells
        /// how much it needs.
        OutOfGas,
        /// A host function's output did not fit the buffer the contract provided.
        OutputBufferTooSmall,
        /// A value transfer failed: the sender would fall below the existential deposit or
        /// lacks the balance.
        TransferFailed,
        /// A call or instantiation would nest contracts deeper than the chain allows.
        MaxCallDepthReached,
        /// No contract lives at the address called (or it is still being constructed).
        ContractNotFound,
        /// The code is larger than `MaxCodeLen`.
        CodeTooLarge,
        /// No code is stored under the given hash.
        CodeNotFound,
        /// The metadata of stored code is missing (kept for upstream's error indices).
        CodeInfoNotFound,
        /// A contract passed a pointer or length outside its memory.
        OutOfBounds,
        /// Bytes a contract passed to a host function did not decode as the expected type.
        DecodingFailed,
        /// The contract trapped: it panicked, hit `unreachable`, or performed an invalid
        /// operation; the trace shows where.
        ContractTrapped,
        /// A storage value or event payload is larger than the schedule allows.
        ValueTooLarge,
        /// A contract tried to terminate while it also had another frame on the call stack.
        TerminatedWhileReentrant,
        /// A contract read or forwarded its input after forwarding it with `FORWARD_INPUT`.
        InputForwarded,
        /// The subject given to the deprecated `random` is longer than the schedule allows.
        RandomSubjectTooLong,
        /// An event has more topics than the schedule allows.
        TooManyTopics,
        /// A contract called a chain extension on a chain that has none.
        NoChainExtension,
        /// An XCM message from a contract did not decode (kept for upstream's error
        /// indices).
        XCMDecodeFailed,
        /// A contract already lives at the address an instantiation would use: change the
        /// salt or the input.
        DuplicateContract,
        /// A constructor terminated the contract it was constructing.
        TerminatedInConstructor,
        /// A contract was called again while its frame on the stack forbids re-entry.
        ReentranceDenied,
        /// A read-only call tried to change state (storage, value, events, instantiation,
        /// termination).
        StateChangeDenied,
        /// The origin cannot pay the storage deposit limit it set (beyond the value and the
        /// existential deposit).
        StorageDepositNotEnoughFunds,
        /// The storage deposit the execution needs exceeds its limit (or a sub-call's own
        /// limit).
        StorageDepositLimitExhausted,
        /// Code cannot be removed while contracts use it.
        CodeInUse,
        /// The contract reverted: it returned with the revert flag, and its changes were
        /// rolled back.
        ContractReverted,
        /// The code was refused on upload: not valid WASM for this chain, or an import the
        /// chain does not offer; the trace names the reason.
        CodeRejected,
        /// The code may behave differently on different machines and cannot be used here.
        Indeterministic,
        /// A storage migration is running (kept for upstream's error indices; Europa has
        /// none).
        MigrationInProgress,
        /// `migrate` found nothing to migrate.
        NoMigrationPerformed,
        /// The contract already locks as many delegate dependencies as allowed.
        MaxDelegateDependenciesReached,
        /// The contract does not lock the delegate dependency it tried to unlock.
        DelegateDependencyNotFound,
        /// The contract already locks this delegate dependency.
        DelegateDependencyAlreadyExists,
        /// A contract cannot lock its own code as a delegate dependency.
        CannotAddSelfAsDelegateDependency,
        /// The execution's transient storage is full.
        OutOfTransientStorage,
    }

    /// Why the pallet holds funds.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// Deposit for code stored on chain, held on the uploader.
        CodeUploadDepositReserve,
        /// Storage deposit of a contract, held on the contract.
        StorageDepositReserve,
    }

    /// Uploaded code as it was uploaded, by its hash.
    #[pallet::storage]
    pub type PristineCode<T: Config> = StorageMap<_, Identity, CodeHash<T>, CodeVec<T>>;

    /// What the chain knows about stored code: its uploader and deposit, how many
    /// contracts use it, its length.
    #[pallet::storage]
    pub type CodeInfoOf<T: Config> = StorageMap<_, Identity, CodeHash<T>, CodeInfo<T>>;

    /// Bumped by every instantiation; seeds trie ids and `instantiation_nonce`.
    #[pallet::storage]
    pub type Nonce<T: Config> = StorageValue<_, u64, ValueQuery>;

    /// Every contract, by its address: its code, where its storage lives and the
    /// deposits held for it.
    #[pallet::storage]
    pub type ContractInfoOf<T: Config> = StorageMap<_, Twox64Concat, T::AccountId, ContractInfo<T>>;

    /// Upstream's queue of terminated contracts' storage to delete later. Europa deletes
    /// a terminated contract's storage at once, so the queue stays empty; it is here for
    /// clients that read it.
    #[pallet::storage]
    pub type DeletionQueue<T: Config> = StorageMap<_, Twox64Concat, u32, TrieId>;

    /// Where upstream's deletion queue starts and ends (always empty on Europa).
    #[pallet::storage]
    pub type DeletionQueueCounter<T: Config> = StorageValue<_, DeletionQueueCounters, ValueQuery>;

    /// Upstream's cursor of a storage migration in progress. Europa has no migrations,
    /// so it is never set; it is here for clients that read it.
    #[pallet::storage]
    pub type MigrationInProgress<T: Config> =
        StorageValue<_, BoundedVec<u8, ConstU32<1024>>, OptionQuery>;

    #[pallet::call]
    impl<T: Config> Pallet<T>
    where
        <BalanceOf<T> as HasCompact>::Type: Clone + Eq + PartialEq + Debug + TypeInfo + Encode,
    {
        /// `call` with a one-dimensional gas limit (`ref_time`), for calls encoded
        /// before weights had two dimensions.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::call().saturating_add(Pallet::<T>::compat_weight_limit(*gas_limit)))]
        #[allow(deprecated)]
        #[deprecated(note = "a one-dimensional gas limit; use `call`")]
        pub fn call_old_weight(
            origin: OriginFor<T>,
            dest: AccountIdLookupOf<T>,
            #[pallet::compact] value: BalanceOf<T>,
            #[pallet::compact] gas_limit: u64,
            storage_deposit_limit: Option<<BalanceOf<T> as HasCompact>::Type>,
            data: Vec<u8>,
        ) -> DispatchResultWithPostInfo {
            let gas_limit = Pallet::<T>::compat_weight_limit(gas_limit);
            Self::call(origin, dest, value, gas_limit, storage_deposit_limit, data)
        }

        /// `instantiate_with_code` with a one-dimensional gas limit (`ref_time`).
        #[pallet::call_index(1)]
        #[pallet::weight(
            T::WeightInfo::instantiate_with_code(code.len() as u32, data.len() as u32, salt.len() as u32)
                .saturating_add(Pallet::<T>::compat_weight_limit(*gas_limit))
        )]
        #[allow(deprecated)]
        #[deprecated(note = "a one-dimensional gas limit; use `instantiate_with_code`")]
        pub fn instantiate_with_code_old_weight(
            origin: OriginFor<T>,
            #[pallet::compact] value: BalanceOf<T>,
            #[pallet::compact] gas_limit: u64,
            storage_deposit_limit: Option<<BalanceOf<T> as HasCompact>::Type>,
            code: Vec<u8>,
            data: Vec<u8>,
            salt: Vec<u8>,
        ) -> DispatchResultWithPostInfo {
            let gas_limit = Pallet::<T>::compat_weight_limit(gas_limit);
            Self::instantiate_with_code(
                origin,
                value,
                gas_limit,
                storage_deposit_limit,
                code,
                data,
                salt,
            )
        }

        /// `instantiate` with a one-dimensional gas limit (`ref_time`).
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::instantiate(data.len() as u32, salt.len() as u32).saturating_add(Pallet::<T>::compat_weight_limit(*gas_limit)))]
        #[allow(deprecated)]
        #[deprecated(note = "a one-dimensional gas limit; use `instantiate`")]
        pub fn instantiate_old_weight(
            origin: OriginFor<T>,
            #[pallet::compact] value: BalanceOf<T>,
            #[pallet::compact] gas_limit: u64,
            storage_deposit_limit: Option<<BalanceOf<T> as HasCompact>::Type>,
            code_hash: CodeHash<T>,
            data: Vec<u8>,
            salt: Vec<u8>,
        ) -> DispatchResultWithPostInfo {
            let gas_limit = Pallet::<T>::compat_weight_limit(gas_limit);
            Self::instantiate(
                origin,
                value,
                gas_limit,
                storage_deposit_limit,
                code_hash,
                data,
                salt,
            )
        }

        /// Stores code without instantiating it, holding a deposit from the sender.
        ///
        /// `determinism` is taken for compatibility: Europa accepts only deterministic
        /// code (no floats) and records it as `Enforced`, as upstream records such code
        /// whatever was asked.
        #[pallet::call_index(3)]
        #[pallet::weight(match determinism {
            Determinism::Enforced => T::WeightInfo::upload_code_determinism_enforced(code.len() as u32),
            Determinism::Relaxed => T::WeightInfo::upload_code_determinism_relaxed(code.len() as u32),
        })]
        pub fn upload_code(
            origin: OriginFor<T>,
            code: Vec<u8>,
            storage_deposit_limit: Option<<BalanceOf<T> as HasCompact>::Type>,
            determinism: Determinism,
        ) -> DispatchResult {
            let origin = ensure_signed(origin)?;
            let _ = determinism;
            let (result, trace) =
                Self::upload_code_traced(origin, code, storage_deposit_limit.map(Into::into));
            T::OnTrace::on_trace(&trace);
            result.map(|_| ())
        }

        /// Removes code that no contract uses and releases its deposit to the uploader.
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::remove_code())]
        pub fn remove_code(
            origin: OriginFor<T>,
            code_hash: CodeHash<T>,
        ) -> DispatchResultWithPostInfo {
            let origin = ensure_signed(origin)?;
            code::remove::<T>(&origin, code_hash)?;
            Ok(Pays::No.into())
        }

        /// Root only: points a contract at other code.
        #[pallet::call_index(5)]
        #[pallet::weight(T::WeightInfo::set_code())]
        pub fn set_code(
            origin: OriginFor<T>,
            dest: AccountIdLookupOf<T>,
            code_hash: CodeHash<T>,
        ) -> DispatchResult {
            ensure_root(origin)?;
            let dest = T::Lookup::lookup(dest)?;
            exec::set_contract_code::<T>(&dest, code_hash)
        }

        /// Calls a contract, optionally transferring value to it.
        #[pallet::call_index(6)]
        #[pallet::weight(T::WeightInfo::call().saturating_add(*gas_limit))]
        pub fn call(
            origin: OriginFor<T>,
            dest: AccountIdLookupOf<T>,
            #[pallet::compact] value: BalanceOf<T>,
            gas_limit: Weight,
            storage_deposit_limit: Option<<BalanceOf<T> as HasCompact>::Type>,
            data: Vec<u8>,
        ) -> DispatchResultWithPostInfo {
            let origin = Origin::from_runtime_origin(origin)?;
            let dest = T::Lookup::lookup(dest)?;
            let run = exec::Run::<T>::dispatched(
                origin,
                gas_limit,
                storage_deposit_limit.map(Into::into),
            );
            let outcome = run.call(dest, value, data);
            T::OnTrace::on_trace(&outcome.trace);
            outcome.into_dispatch_result(T::WeightInfo::call())
        }

        /// Uploads code and instantiates a contract from it in one go.
        #[pallet::call_index(7)]
        #[pallet::weight(
            T::WeightInfo::instantiate_with_code(code.len() as u32, data.len() as u32, salt.len() as u32)
                .saturating_add(*gas_limit)
        )]
        pub fn instantiate_with_code(
            origin: OriginFor<T>,
            #[pallet::compact] value: BalanceOf<T>,
            gas_limit: Weight,
            storage_deposit_limit: Option<<BalanceOf<T> as HasCompact>::Type>,
            code: Vec<u8>,
            data: Vec<u8>,
            salt: Vec<u8>,
        ) -> DispatchResultWithPostInfo {
            let origin = ensure_signed(origin)?;
            let base_weight = T::WeightInfo::instantiate_with_code(
                code.len() as u32,
                data.len() as u32,
                salt.len() as u32,
            );
            let run = exec::Run::<T>::dispatched(
                Origin::Signed(origin),
                gas_limit,
                storage_deposit_limit.map(Into::into),
            );
            let outcome = run.instantiate(value, Code::Upload(code), data, salt);
            T::OnTrace::on_trace(&outcome.trace);
            outcome.into_dispatch_result(base_weight)
        }

        /// Instantiates a contract from code already on chain.
        #[pallet::call_index(8)]
        #[pallet::weight(T::WeightInfo::instantiate(data.len() as u32, salt.len() as u32).saturating_add(*gas_limit))]
        pub fn instantiate(
            origin: OriginFor<T>,
            #[pallet::compact] value: BalanceOf<T>,
            gas_limit: Weight,
            storage_deposit_limit: Option<<BalanceOf<T> as HasCompact>::Type>,
            code_hash: CodeHash<T>,
            data: Vec<u8>,
            salt: Vec<u8>,
        ) -> DispatchResultWithPostInfo {
            let origin = ensure_signed(origin)?;
            let (data_len, salt_len) = (data.len() as u32, salt.len() as u32);
            let run = exec::Run::<T>::dispatched(
                Origin::Signed(origin),
                gas_limit,
                storage_deposit_limit.map(Into::into),
            );
            let outcome = run.instantiate(value, Code::Existing(code_hash), data, salt);
            T::OnTrace::on_trace(&outcome.trace);
            outcome.into_dispatch_result(T::WeightInfo::instantiate(data_len, salt_len))
        }

        /// Runs a step of a pending storage migration. Europa has no migrations: this
        /// always fails with `NoMigrationPerformed`, as upstream does when none is due.
        #[pallet::call_index(9)]
        #[pallet::weight(T::WeightInfo::migrate().saturating_add(*weight_limit))]
        pub fn migrate(origin: OriginFor<T>, weight_limit: Weight) -> DispatchResultWithPostInfo {
            ensure_signed(origin)?;
            let _ = weight_limit;
            let error: DispatchError = Error::<T>::NoMigrationPerformed.into();
            Err(frame_support::dispatch::WithPostDispatchInfo::with_weight(
                error,
                T::WeightInfo::migrate(),
            ))
        }
    }
}

/// The types contracts are built against, published as a constant so that tools find
/// them in the metadata: cargo-contract compares a contract's environment with the
/// type at `pallet_contracts::Environment` before it uploads or instantiates.
#[derive(Encode, Decode, TypeInfo, frame_support::DefaultNoBound)]
#[scale_info(
    skip_type_params(T),
    replace_segment("pallet_europa_contracts", "pallet_contracts")
)]
pub struct Environment<T: Config> {
    account_id: EnvironmentType<AccountIdOf<T>>,
    balance: EnvironmentType<BalanceOf<T>>,
    hash: EnvironmentType<<T as frame_system::Config>::Hash>,
    hasher: EnvironmentType<<T as frame_system::Config>::Hashing>,
    timestamp: EnvironmentType<<<T as Config>::Time as Time>::Moment>,
    block_number: EnvironmentType<BlockNumberFor<T>>,
}

/// One of [`Environment`]'s types; it encodes to nothing.
#[derive(Encode, Decode, TypeInfo, frame_support::DefaultNoBound)]
#[scale_info(replace_segment("pallet_europa_contracts", "pallet_contracts"))]
pub struct EnvironmentType<T>(PhantomData<T>);

/// The version of the host function ABI contracts can use: upstream 51's, whose stable
/// functions Europa links.
#[derive(Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("pallet_europa_contracts", "pallet_contracts"))]
pub struct ApiVersion(u16);

/// Who started an execution: a signed account or root.
#[derive(
    frame_support::CloneNoBound,
    Encode,
    Decode,
    DecodeWithMemTracking,
    frame_support::PartialEqNoBound,
    frame_support::EqNoBound,
    TypeInfo,
    frame_support::DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub enum Origin<T: Config> {
    /// Root: it may call contracts, without a storage deposit, but not instantiate them.
    Root,
    /// A signed account.
    Signed(T::AccountId),
}

impl<T: Config> Origin<T> {
    /// The origin of a dispatchable; `BadOrigin` for any but root and signed.
    pub fn from_runtime_origin(origin: OriginFor<T>) -> Result<Self, DispatchError> {
        match origin.into() {
            Ok(frame_system::RawOrigin::Root) => Ok(Origin::Root),
            Ok(frame_system::RawOrigin::Signed(who)) => Ok(Origin::Signed(who)),
            _ => Err(sp_runtime::traits::BadOrigin.into()),
        }
    }

    /// The signed account; `RootNotAllowed` for root.
    pub fn account_id(&self) -> Result<&T::AccountId, DispatchError> {
        match self {
            Origin::Signed(who) => Ok(who),
            Origin::Root => Err(DispatchError::RootNotAllowed),
        }
    }
}

impl<T: Config> Pallet<T> {
    /// A one-dimensional gas limit as a weight: upstream allows proof size for twice
    /// the largest code.
    fn compat_weight_limit(gas_limit: u64) -> Weight {
        Weight::from_parts(gas_limit, u64::from(T::MaxCodeLen::get()) * 2)
    }
}

/// A dry run's result for this runtime: `R` is what a successful run returns.
pub type ContractResultOf<T, R> =
    ContractResult<Result<R, DispatchError>, BalanceOf<T>, EventRecordOf<T>>;

/// An event record of this runtime, as a dry run returns the events it deposited.
pub type EventRecordOf<T> = frame_system::EventRecord<
    <T as frame_system::Config>::RuntimeEvent,
    <T as frame_system::Config>::Hash,
>;
