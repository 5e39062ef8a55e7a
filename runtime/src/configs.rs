//! How each pallet is configured.

#![warn(missing_docs)]

use frame_support::{
    derive_impl,
    dispatch::DispatchClass,
    parameter_types,
    traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
    weights::{
        constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
        IdentityFee, Weight,
    },
};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_runtime::{traits::One, Perbill};

use crate::*;

/// 1 unit = 10^12 plancks, as on the Substrate dev chains clients know.
pub const UNIT: Balance = 1_000_000_000_000;
/// The least balance an account may keep; one that falls below it is removed.
pub const EXISTENTIAL_DEPOSIT: Balance = UNIT / 1_000;

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
    /// The runtime's version, as `frame_system` reports it.
    pub const Version: RuntimeVersion = VERSION;
    /// Blocks are sealed on demand, so a block may take a while: two seconds of weight.
    pub RuntimeBlockWeights: frame_system::limits::BlockWeights =
        frame_system::limits::BlockWeights::with_sensible_defaults(
            Weight::from_parts(2 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
            NORMAL_DISPATCH_RATIO,
        );
    /// A block's encoded size: 10 MiB, of which normal extrinsics may use 75%.
    pub RuntimeBlockLength: frame_system::limits::BlockLength =
        frame_system::limits::BlockLength::builder()
            .max_length(10 * 1024 * 1024)
            .modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
            .build();
    /// Addresses are shown in the generic Substrate format (`5…`).
    pub const SS58Prefix: u8 = 42;
    /// Fees do not rise with block fullness: a dev chain's blocks are mostly empty.
    pub FeeMultiplier: Multiplier = Multiplier::one();
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
    type Block = Block;
    type BlockWeights = RuntimeBlockWeights;
    type BlockLength = RuntimeBlockLength;
    type AccountId = AccountId;
    type Nonce = Nonce;
    type Hash = Hash;
    type BlockHashCount = ConstU32<2400>;
    type DbWeight = ParityDbWeight;
    type Version = Version;
    type AccountData = pallet_balances::AccountData<Balance>;
    type SS58Prefix = SS58Prefix;
    type MaxConsumers = ConstU32<16>;
    type OnSetCode = RefuseRuntimeUpgrade;
}

/// Why `System.set_code` (and every other way to replace the runtime) fails here.
pub const RUNTIME_UPGRADE_REFUSED: &str = "runtime upgrades are not supported: europa executes \
     the runtime compiled into the node, not the code in `:code`; rebuild europa to change it";

/// Refuses to store new runtime code: the node would keep running its native runtime,
/// so accepting it would only pretend the upgrade happened.
pub struct RefuseRuntimeUpgrade;

impl frame_system::SetCode<Runtime> for RefuseRuntimeUpgrade {
    fn set_code(_code: Vec<u8>) -> sp_runtime::DispatchResult {
        log::error!(target: "runtime::system", "System.set_code refused: {RUNTIME_UPGRADE_REFUSED}");
        Err(sp_runtime::DispatchError::Other(RUNTIME_UPGRADE_REFUSED))
    }
}

impl pallet_timestamp::Config for Runtime {
    type Moment = Moment;
    type OnTimestampSet = ();
    // Instant seal may produce several blocks within one millisecond.
    type MinimumPeriod = ConstU64<0>;
    type WeightInfo = ();
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Runtime {
    type Balance = Balance;
    type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
    type AccountStore = System;
    type ReserveIdentifier = [u8; 8];
    type MaxLocks = ConstU32<50>;
    type MaxReserves = ConstU32<50>;
    type FreezeIdentifier = RuntimeFreezeReason;
    type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
    type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
}

impl pallet_transaction_payment::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type OnChargeTransaction = FungibleAdapter<Balances, ()>;
    type OperationalFeeMultiplier = ConstU8<5>;
    type WeightToFee = IdentityFee<Balance>;
    type LengthToFee = IdentityFee<Balance>;
    type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
    type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

impl pallet_europa_cheats::Config for Runtime {}

impl pallet_utility::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type PalletsOrigin = OriginCaller;
    type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

impl pallet_insecure_randomness_collective_flip::Config for Runtime {}

/// Storage deposits: 1/10 UNIT per item, 1/10_000 UNIT per byte (a 20 KB contract
/// costs about 2 UNIT to store).
pub const DEPOSIT_PER_ITEM: Balance = UNIT / 10;
/// The storage deposit per byte stored (see [`DEPOSIT_PER_ITEM`]).
pub const DEPOSIT_PER_BYTE: Balance = UNIT / 10_000;

parameter_types! {
    /// The contracts pallet's costs and limits: upstream pallet-contracts 51's defaults.
    pub ContractsSchedule: pallet_europa_contracts::Schedule = Default::default();
    /// The share of a code's deposit a contract locks while it uses that code, as upstream.
    pub const CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(30);
}

impl pallet_europa_contracts::Config for Runtime {
    type Time = Timestamp;
    type Randomness = RandomnessCollectiveFlip;
    type Currency = Balances;
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type RuntimeHoldReason = RuntimeHoldReason;
    type CallFilter = contracts::ContractsCallFilter;
    type WeightPrice = TransactionPayment;
    type ChainExtension = ();
    type Schedule = ContractsSchedule;
    type Sandbox = contracts::RuntimeSandbox;
    type OnTrace = contracts::TraceSink;
    type DepositPerByte = ConstU128<DEPOSIT_PER_BYTE>;
    type DepositPerItem = ConstU128<DEPOSIT_PER_ITEM>;
    type DefaultDepositLimit = ConstU128<{ 1_000 * UNIT }>;
    type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
    /// Debug builds that keep their DWARF are large.
    type MaxCodeLen = ConstU32<{ 4 * 1024 * 1024 }>;
    type MaxStorageKeyLen = ConstU32<128>;
    type MaxDelegateDependencies = ConstU32<32>;
    type MaxDebugBufferLen = ConstU32<{ 2 * 1024 * 1024 }>;
    type MaxTransientStorageSize = ConstU32<{ 1024 * 1024 }>;
    /// Upstream's benchmarked weights, as production chains without their own use.
    type WeightInfo = pallet_europa_contracts::SubstrateWeight<Runtime>;
    /// The outermost frame and five nested ones, like a `CallStack` of 5 upstream.
    type MaxCallDepth = ConstU32<6>;
    type UnsafeUnstableInterface = ConstBool<true>;
}
