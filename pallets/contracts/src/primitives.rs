//! The types clients decode: results of dry runs and uploads. Field order and
//! variants follow upstream pallet-contracts 51 exactly, since clients decode them
//! positionally (SCALE carries no names).

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::weights::Weight;
use pallet_contracts_uapi::ReturnFlags;
use scale_info::TypeInfo;
use sp_runtime::{
    traits::{Saturating, Zero},
    DispatchError,
};

/// The outcome of a dry run, with what it cost.
#[derive(Clone, Eq, PartialEq, Encode, Decode, Debug, TypeInfo)]
pub struct ContractResult<R, Balance, EventRecord> {
    /// Weight the execution consumed.
    pub gas_consumed: Weight,
    /// Weight the execution needs as a limit to succeed (at least `gas_consumed`: a
    /// nested call may need more than it ends up using).
    pub gas_required: Weight,
    /// The storage deposit the execution charged the origin, or refunded to it.
    pub storage_deposit: StorageDeposit<Balance>,
    /// UTF-8 text the contracts printed with `debug_message`.
    pub debug_message: Vec<u8>,
    /// What the contract returned, or the error the execution failed with.
    pub result: R,
    /// Events deposited during the execution, when the caller asked for them.
    pub events: Option<Vec<EventRecord>>,
}

/// The result of a dry-run call (`ContractsApi::call`).
pub type ContractExecResult<Balance, EventRecord> =
    ContractResult<Result<ExecReturnValue, DispatchError>, Balance, EventRecord>;

/// The result of a dry-run instantiation (`ContractsApi::instantiate`).
pub type ContractInstantiateResult<AccountId, Balance, EventRecord> =
    ContractResult<Result<InstantiateReturnValue<AccountId>, DispatchError>, Balance, EventRecord>;

/// The result of an upload (`ContractsApi::upload_code`).
pub type CodeUploadResult<CodeHash, Balance> =
    Result<CodeUploadReturnValue<CodeHash, Balance>, DispatchError>;

/// The result of `ContractsApi::get_storage`: the value under the key, if any.
pub type GetStorageResult = Result<Option<Vec<u8>>, ContractAccessError>;

/// Why `get_storage` could not read.
#[derive(Copy, Clone, Eq, PartialEq, Encode, Decode, MaxEncodedLen, Debug, TypeInfo)]
pub enum ContractAccessError {
    /// No contract lives at the address.
    DoesntExist,
    /// The key is longer than `MaxStorageKeyLen`.
    KeyDecodingFailed,
    /// Never returned by this pallet (it has no migrations); kept for the encoding.
    MigrationInProgress,
}

/// What a contract returned: its flags and data.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo)]
pub struct ExecReturnValue {
    /// The flags the contract returned with; empty if it did not call `seal_return`.
    pub flags: ReturnFlags,
    /// The data the contract returned; empty if it did not call `seal_return`.
    pub data: Vec<u8>,
}

impl ExecReturnValue {
    /// Whether the contract reverted, rolling back its changes.
    pub fn did_revert(&self) -> bool {
        self.flags.contains(ReturnFlags::REVERT)
    }
}

/// What an instantiation returned: the constructor's output and the new contract.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo)]
pub struct InstantiateReturnValue<AccountId> {
    /// What the constructor returned.
    pub result: ExecReturnValue,
    /// The new contract's account.
    pub account_id: AccountId,
}

/// A successful upload: where the code is stored, and the deposit held for it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, Debug, TypeInfo)]
pub struct CodeUploadReturnValue<CodeHash, Balance> {
    /// The hash the code is stored under.
    pub code_hash: CodeHash,
    /// The deposit held from the uploader; zero when the code was already stored.
    pub deposit: Balance,
}

/// Code to instantiate from: new bytes, or the hash of code already stored.
#[derive(Clone, Eq, PartialEq, Encode, Decode, Debug, TypeInfo)]
pub enum Code<Hash> {
    /// WASM code to upload first.
    Upload(Vec<u8>),
    /// The hash of code already stored.
    Existing(Hash),
}

/// Whether code may be indeterministic. Contracts never get float instructions here,
/// so the two differ only in what upstream would accept; both are kept for the
/// encoding of `upload_code`.
#[derive(
    Clone,
    Copy,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    Debug,
    TypeInfo,
    PartialEq,
    Eq,
)]
pub enum Determinism {
    /// No indeterministic instructions; what Europa records for all code.
    Enforced,
    /// Indeterministic instructions allowed (upstream, off-chain only); Europa accepts
    /// the same code either way.
    Relaxed,
}

/// A storage deposit: charged from the origin, or refunded to it.
#[derive(Clone, Eq, PartialEq, Ord, PartialOrd, Encode, Decode, MaxEncodedLen, Debug, TypeInfo)]
pub enum StorageDeposit<Balance> {
    /// Refunded to the origin: storage was freed.
    Refund(Balance),
    /// Charged from the origin: storage was taken up.
    Charge(Balance),
}

impl<Balance: Zero> Default for StorageDeposit<Balance> {
    fn default() -> Self {
        StorageDeposit::Charge(Zero::zero())
    }
}

impl<Balance: Saturating + Ord + Copy + Zero> StorageDeposit<Balance> {
    /// The charge, or zero for a refund.
    pub fn charge_or_zero(&self) -> Balance {
        match self {
            StorageDeposit::Charge(amount) => *amount,
            StorageDeposit::Refund(_) => Zero::zero(),
        }
    }

    /// Whether nothing was charged or refunded.
    pub fn is_zero(&self) -> bool {
        match self {
            StorageDeposit::Charge(amount) | StorageDeposit::Refund(amount) => amount.is_zero(),
        }
    }

    /// The net of two deposits.
    pub fn saturating_add(&self, other: &Self) -> Self {
        let (charged, refunded) = self.split();
        let (other_charged, other_refunded) = other.split();
        Self::net(
            charged.saturating_add(other_charged),
            refunded.saturating_add(other_refunded),
        )
    }

    /// What is left of the limit after this deposit.
    pub fn available(&self, limit: &Balance) -> Balance {
        match self {
            StorageDeposit::Charge(amount) => limit.saturating_sub(*amount),
            StorageDeposit::Refund(amount) => limit.saturating_add(*amount),
        }
    }

    fn split(&self) -> (Balance, Balance) {
        match self {
            StorageDeposit::Charge(amount) => (*amount, Zero::zero()),
            StorageDeposit::Refund(amount) => (Zero::zero(), *amount),
        }
    }

    /// A charge when more was charged than refunded (a zero net is a zero charge).
    fn net(charged: Balance, refunded: Balance) -> Self {
        if charged >= refunded {
            StorageDeposit::Charge(charged.saturating_sub(refunded))
        } else {
            StorageDeposit::Refund(refunded.saturating_sub(charged))
        }
    }
}
