//! Every price of contract execution, in one place: what each host function, each
//! unit of fuel and each byte of code loaded costs. The figures are the runtime's
//! `Config::WeightInfo` — upstream pallet-contracts' benchmarked weights
//! (`SubstrateWeight`), or a production chain's own — combined as upstream combines
//! them, so a contract's gas here is its gas there.

use frame_support::{traits::Get, weights::Weight};
use pallet_contracts::WeightInfo;

use crate::Config;

/// A priced operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cost {
    /// Entering any host function.
    HostFn,
    /// Copying `n` bytes from the host into contract memory.
    CopyToContract(u32),
    /// Copying `n` bytes from contract memory to the host.
    CopyFromContract(u32),
    /// Asking for the caller's account.
    Caller,
    /// Asking whether an account is a contract.
    IsContract,
    /// Looking up another contract's code hash.
    CodeHash,
    /// Looking up this contract's code hash.
    OwnCodeHash,
    /// Asking whether the caller is the origin of the whole call.
    CallerIsOrigin,
    /// Asking whether the caller is the root origin.
    CallerIsRoot,
    /// Asking for this contract's account.
    Address,
    /// Asking for the gas this frame has left.
    GasLeft,
    /// Asking for this contract's balance (also the price of the deprecated rent queries).
    Balance,
    /// Asking for the value transferred with this call.
    ValueTransferred,
    /// Asking for the existential deposit.
    MinimumBalance,
    /// Asking for the block's number.
    BlockNumber,
    /// Asking for the block's timestamp.
    Now,
    /// Converting a weight to its fee.
    WeightToFee,
    /// Terminating a contract that locks this many delegate dependencies.
    Terminate(u32),
    /// Asking the runtime's randomness for a subject.
    Random,
    /// Emitting an event; each byte of data also costs the schedule's `event_ref_time`.
    DepositEvent {
        /// The number of topics, as upstream counts it: the encoding's length over a hash's.
        topics: u32,
        /// The length of the data, in bytes.
        len: u32,
    },
    /// Appending `n` bytes of text to the debug buffer (at 0, also the price of the
    /// deprecated rent functions, which do nothing).
    DebugMessage(u32),
    /// Writing a value to contract storage.
    SetStorage {
        /// The size of the value written.
        new_bytes: u32,
        /// The size of the value it replaces (0 for none).
        old_bytes: u32,
    },
    /// Removing a value of `n` bytes from contract storage.
    ClearStorage(u32),
    /// Asking for the size of a value of `n` bytes in contract storage.
    ContainsStorage(u32),
    /// Reading a value of `n` bytes from contract storage.
    GetStorage(u32),
    /// Removing and reading a value of `n` bytes from contract storage.
    TakeStorage(u32),
    /// Writing a value to transient storage.
    SetTransientStorage {
        /// The size of the value written.
        new_bytes: u32,
        /// The size of the value it replaces (0 for none).
        old_bytes: u32,
    },
    /// Removing a value of `n` bytes from transient storage.
    ClearTransientStorage(u32),
    /// Asking for the size of a value of `n` bytes in transient storage.
    ContainsTransientStorage(u32),
    /// Reading a value of `n` bytes from transient storage.
    GetTransientStorage(u32),
    /// Removing and reading a value of `n` bytes from transient storage.
    TakeTransientStorage(u32),
    /// Transferring value from this contract to an account.
    Transfer,
    /// Calling a contract, before any value it transfers or input it copies.
    CallBase,
    /// Delegate-calling stored code, before any input it copies.
    DelegateCallBase,
    /// A call that transfers value, on top of [`Cost::CallBase`].
    CallTransferSurcharge,
    /// A call's input of `n` bytes copied rather than forwarded.
    CallInputCloned(u32),
    /// Instantiating a contract from stored code.
    Instantiate {
        /// The length of the constructor's input, in bytes.
        input_len: u32,
        /// The length of the salt, in bytes.
        salt_len: u32,
    },
    /// Hashing `n` bytes with SHA2-256.
    HashSha256(u32),
    /// Hashing `n` bytes with Keccak-256.
    HashKeccak256(u32),
    /// Hashing `n` bytes with BLAKE2-256.
    HashBlake256(u32),
    /// Hashing `n` bytes with BLAKE2-128.
    HashBlake128(u32),
    /// Recovering the ECDSA public key that made a signature.
    EcdsaRecovery,
    /// Verifying an sr25519 signature of a message of `n` bytes.
    Sr25519Verify(u32),
    /// What a chain extension, a runtime call or an XCM execution declares.
    Declared(Weight),
    /// Replacing this contract's code; loading the new code is a further [`Cost::CodeLoad`].
    SetCodeHash,
    /// Deriving the Ethereum address of an ECDSA public key.
    EcdsaToEthAddress,
    /// Counting how many times this contract is already on the call stack.
    ReentranceCount,
    /// Counting how many times a given contract is on the call stack.
    AccountReentranceCount,
    /// Asking for the nonce the next instantiation will use.
    InstantiationNonce,
    /// Locking stored code as a delegate dependency of this contract.
    LockDelegateDependency,
    /// Releasing a delegate dependency.
    UnlockDelegateDependency,
    /// Loading `n` bytes of code to run a frame (or to switch to it).
    CodeLoad(u32),
}

impl Cost {
    /// The weight this operation is charged: `Config::WeightInfo`'s figures, combined
    /// as upstream combines them.
    pub fn weight<T: Config>(self) -> Weight {
        use Cost::*;
        type W<T> = <T as Config>::WeightInfo;
        // Benchmarks run with one storage item; a write or read is priced as if the
        // storage were full, as upstream does.
        let write = || W::<T>::set_storage_full().saturating_sub(W::<T>::set_storage_empty());
        let read = || W::<T>::get_storage_full().saturating_sub(W::<T>::get_storage_empty());
        let write_transient = || {
            W::<T>::rollback_transient_storage().saturating_add(
                W::<T>::set_transient_storage_full()
                    .saturating_sub(W::<T>::set_transient_storage_empty()),
            )
        };
        let read_transient = || {
            W::<T>::get_transient_storage_full()
                .saturating_sub(W::<T>::get_transient_storage_empty())
        };
        match self {
            HostFn => W::<T>::noop_host_fn(1).saturating_sub(W::<T>::noop_host_fn(0)),
            CopyToContract(n) => W::<T>::seal_input(n),
            CopyFromContract(n) => W::<T>::seal_return(n),
            Caller => W::<T>::seal_caller(),
            IsContract => W::<T>::seal_is_contract(),
            CodeHash => W::<T>::seal_code_hash(),
            OwnCodeHash => W::<T>::seal_own_code_hash(),
            CallerIsOrigin => W::<T>::seal_caller_is_origin(),
            CallerIsRoot => W::<T>::seal_caller_is_root(),
            Address => W::<T>::seal_address(),
            GasLeft => W::<T>::seal_gas_left(),
            Balance => W::<T>::seal_balance(),
            ValueTransferred => W::<T>::seal_value_transferred(),
            MinimumBalance => W::<T>::seal_minimum_balance(),
            BlockNumber => W::<T>::seal_block_number(),
            Now => W::<T>::seal_now(),
            WeightToFee => W::<T>::seal_weight_to_fee(),
            Terminate(dependencies) => W::<T>::seal_terminate(dependencies),
            Random => W::<T>::seal_random(),
            DepositEvent { topics, len } => {
                W::<T>::seal_deposit_event(topics, len).saturating_add(Weight::from_parts(
                    T::Schedule::get()
                        .limits
                        .event_ref_time
                        .saturating_mul(len.into()),
                    0,
                ))
            }
            DebugMessage(n) => W::<T>::seal_debug_message(n),
            SetStorage {
                new_bytes,
                old_bytes,
            } => W::<T>::seal_set_storage(new_bytes, old_bytes).saturating_add(write()),
            ClearStorage(n) => W::<T>::seal_clear_storage(n).saturating_add(write()),
            ContainsStorage(n) => W::<T>::seal_contains_storage(n).saturating_add(read()),
            GetStorage(n) => W::<T>::seal_get_storage(n).saturating_add(read()),
            TakeStorage(n) => W::<T>::seal_take_storage(n).saturating_add(write()),
            SetTransientStorage {
                new_bytes,
                old_bytes,
            } => W::<T>::seal_set_transient_storage(new_bytes, old_bytes)
                .saturating_add(write_transient()),
            ClearTransientStorage(n) => {
                W::<T>::seal_clear_transient_storage(n).saturating_add(write_transient())
            }
            ContainsTransientStorage(n) => {
                W::<T>::seal_contains_transient_storage(n).saturating_add(read_transient())
            }
            GetTransientStorage(n) => {
                W::<T>::seal_get_transient_storage(n).saturating_add(read_transient())
            }
            TakeTransientStorage(n) => {
                W::<T>::seal_take_transient_storage(n).saturating_add(write_transient())
            }
            Transfer => W::<T>::seal_transfer(),
            CallBase => W::<T>::seal_call(0, 0),
            DelegateCallBase => W::<T>::seal_delegate_call(),
            CallTransferSurcharge => {
                W::<T>::seal_call(1, 0).saturating_sub(W::<T>::seal_call(0, 0))
            }
            CallInputCloned(n) => W::<T>::seal_call(0, n).saturating_sub(W::<T>::seal_call(0, 0)),
            Instantiate {
                input_len,
                salt_len,
            } => W::<T>::seal_instantiate(input_len, salt_len),
            HashSha256(n) => W::<T>::seal_hash_sha2_256(n),
            HashKeccak256(n) => W::<T>::seal_hash_keccak_256(n),
            HashBlake256(n) => W::<T>::seal_hash_blake2_256(n),
            HashBlake128(n) => W::<T>::seal_hash_blake2_128(n),
            EcdsaRecovery => W::<T>::seal_ecdsa_recover(),
            Sr25519Verify(n) => W::<T>::seal_sr25519_verify(n),
            Declared(weight) => weight,
            SetCodeHash => W::<T>::seal_set_code_hash(),
            EcdsaToEthAddress => W::<T>::seal_ecdsa_to_eth_address(),
            ReentranceCount => W::<T>::seal_reentrance_count(),
            AccountReentranceCount => W::<T>::seal_account_reentrance_count(),
            InstantiationNonce => W::<T>::seal_instantiation_nonce(),
            LockDelegateDependency => W::<T>::lock_delegate_dependency(),
            UnlockDelegateDependency => W::<T>::unlock_delegate_dependency(),
            CodeLoad(n) => W::<T>::call_with_code_per_byte(n)
                .saturating_sub(W::<T>::call_with_code_per_byte(0)),
        }
    }
}

/// `ref_time` of one unit of fuel: upstream's benchmarked cost of an `i64` load and
/// store pair, over the six instructions it takes.
pub fn ref_time_per_fuel<T: Config>() -> u64 {
    let pair = <T as Config>::WeightInfo::instr_i64_load_store(1)
        .saturating_sub(<T as Config>::WeightInfo::instr_i64_load_store(0));
    u64::from(pair.ref_time() as u32 / 6)
}
