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
    pub storage_deposit: StorageDeposit<Balance>,
    /// UTF-8 text the contracts printed with `debug_message`.
    pub debug_message: Vec<u8>,
    pub result: R,
    /// Events deposited during the execution, when the caller asked for them.
    pub events: Option<Vec<EventRecord>>,
}

pub type ContractExecResult<Balance, EventRecord> =
    ContractResult<Result<ExecReturnValue, DispatchError>, Balance, EventRecord>;

pub type ContractInstantiateResult<AccountId, Balance, EventRecord> =
    ContractResult<Result<InstantiateReturnValue<AccountId>, DispatchError>, Balance, EventRecord>;

pub type CodeUploadResult<CodeHash, Balance> =
    Result<CodeUploadReturnValue<CodeHash, Balance>, DispatchError>;

pub type GetStorageResult = Result<Option<Vec<u8>>, ContractAccessError>;

/// Why `get_storage` could not read.
#[derive(Copy, Clone, Eq, PartialEq, Encode, Decode, MaxEncodedLen, Debug, TypeInfo)]
pub enum ContractAccessError {
    DoesntExist,
    KeyDecodingFailed,
    /// Never returned by this pallet (it has no migrations); kept for the encoding.
    MigrationInProgress,
}

/// What a contract returned: its flags and data.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo)]
pub struct ExecReturnValue {
    pub flags: ReturnFlags,
    pub data: Vec<u8>,
}

impl ExecReturnValue {
    pub fn did_revert(&self) -> bool {
        self.flags.contains(ReturnFlags::REVERT)
    }
}

#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo)]
pub struct InstantiateReturnValue<AccountId> {
    pub result: ExecReturnValue,
    pub account_id: AccountId,
}

#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, Debug, TypeInfo)]
pub struct CodeUploadReturnValue<CodeHash, Balance> {
    pub code_hash: CodeHash,
    pub deposit: Balance,
}

/// Code to instantiate from: new bytes, or the hash of code already stored.
#[derive(Clone, Eq, PartialEq, Encode, Decode, Debug, TypeInfo)]
pub enum Code<Hash> {
    Upload(Vec<u8>),
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
    Enforced,
    Relaxed,
}

/// A storage deposit: charged from the origin, or refunded to it.
#[derive(Clone, Eq, PartialEq, Ord, PartialOrd, Encode, Decode, MaxEncodedLen, Debug, TypeInfo)]
pub enum StorageDeposit<Balance> {
    Refund(Balance),
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
