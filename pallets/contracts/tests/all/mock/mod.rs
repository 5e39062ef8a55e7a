//! A minimal runtime around the contracts pallet, with the types ink! 5's default
//! environment expects (32-byte accounts, u128 balances, u32 block numbers, u64
//! timestamps), the executor chosen per test thread, and helpers to run fixtures.
#![allow(dead_code)]

use std::{cell::RefCell, path::PathBuf, sync::OnceLock};

use codec::{Decode, Encode};
use europa_sandbox::{Engine, Executor};
use frame_support::{
    derive_impl, parameter_types,
    traits::{ConstBool, ConstU128, ConstU32, ConstU64, Contains},
    weights::Weight,
};
use pallet_europa_contracts::{
    chain_extension::{ChainExtension, Environment, RetVal},
    schedule::Profile,
    trace::ExecutionTrace,
    Code, ExecReturnValue, Schedule,
};
use sp_runtime::{traits::AccountIdLookup, AccountId32, BuildStorage, DispatchError, Perbill};

pub(crate) type AccountId = AccountId32;
pub(crate) type Balance = u128;
type Block = frame_system::mocking::MockBlockU32<Test>;

#[frame_support::runtime]
mod runtime {
    #[runtime::runtime]
    #[runtime::derive(
        RuntimeCall,
        RuntimeEvent,
        RuntimeError,
        RuntimeOrigin,
        RuntimeTask,
        RuntimeHoldReason,
        RuntimeFreezeReason
    )]
    pub struct Test;

    #[runtime::pallet_index(0)]
    pub type System = frame_system;
    #[runtime::pallet_index(1)]
    pub type Timestamp = pallet_timestamp;
    /// Index 2, like the Europa runtime: the `runtime_call` fixture encodes it.
    #[runtime::pallet_index(2)]
    pub type Balances = pallet_balances;
    #[runtime::pallet_index(3)]
    pub type Randomness = pallet_insecure_randomness_collective_flip;
    #[runtime::pallet_index(4)]
    pub type Contracts = pallet_europa_contracts;
    /// The reference: upstream pallet-contracts, configured like ours.
    #[runtime::pallet_index(5)]
    pub type Upstream = pallet_contracts;
    /// Calls that nest calls (`batch`), for decoding limits.
    #[runtime::pallet_index(6)]
    pub type Utility = pallet_utility;
}

parameter_types! {
    /// Half a second of weight per block: upstream's integrity check bounds the storage
    /// a block can write, and rejects the test default.
    pub BlockWeights: frame_system::limits::BlockWeights =
        frame_system::limits::BlockWeights::simple_max(Weight::from_parts(500_000_000_000, u64::MAX));
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
    type BlockWeights = BlockWeights;
    type Block = Block;
    type AccountId = AccountId;
    /// `MultiAddress`, as in the Europa runtime (the `runtime_call` fixture encodes it).
    type Lookup = AccountIdLookup<AccountId, ()>;
    type AccountData = pallet_balances::AccountData<Balance>;
}

impl pallet_timestamp::Config for Test {
    type Moment = u64;
    type OnTimestampSet = ();
    type MinimumPeriod = ConstU64<1>;
    type WeightInfo = ();
}

pub(crate) const ED: Balance = 1_000;

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
    type Balance = Balance;
    type ExistentialDeposit = ConstU128<ED>;
    type AccountStore = System;
}

impl pallet_insecure_randomness_collective_flip::Config for Test {}

impl pallet_utility::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type PalletsOrigin = OriginCaller;
    type WeightInfo = ();
}

/// Contracts may dispatch balance transfers and nothing else.
pub struct OnlyBalances;
impl Contains<RuntimeCall> for OnlyBalances {
    fn contains(call: &RuntimeCall) -> bool {
        matches!(call, RuntimeCall::Balances(_))
    }
}

pub struct WeightToFee;
impl sp_runtime::traits::Convert<Weight, Balance> for WeightToFee {
    fn convert(weight: Weight) -> Balance {
        weight.ref_time().into()
    }
}

thread_local! {
    static EXECUTOR: RefCell<(Executor, Profile)> = const { RefCell::new((Executor::Wasmtime, Profile::Permissive)) };
    static TRACES: RefCell<Vec<ExecutionTrace>> = const { RefCell::new(Vec::new()) };
    static DEFAULT_DEPOSIT_LIMIT: RefCell<Balance> = const { RefCell::new(1_000_000_000) };
    static CHAIN_EXTENSION_ENABLED: RefCell<bool> = const { RefCell::new(true) };
}

/// Whether this pallet's chain extension is on (upstream's test configuration has none).
pub(crate) fn set_chain_extension_enabled(enabled: bool) {
    CHAIN_EXTENSION_ENABLED.with(|current| *current.borrow_mut() = enabled);
}

/// Both pallets' `DefaultDepositLimit`: a test may lower it to reach it.
pub struct DefaultDepositLimit;
impl frame_support::traits::Get<Balance> for DefaultDepositLimit {
    fn get() -> Balance {
        DEFAULT_DEPOSIT_LIMIT.with(|limit| *limit.borrow())
    }
}

pub(crate) fn set_default_deposit_limit(limit: Balance) {
    DEFAULT_DEPOSIT_LIMIT.with(|current| *current.borrow_mut() = limit);
}

/// Runs the contracts of this thread's tests on `executor` with `profile`.
pub(crate) fn use_sandbox(executor: Executor, profile: Profile) {
    EXECUTOR.with(|e| *e.borrow_mut() = (executor, profile));
}

pub struct TestSandbox;
type Engines = std::sync::Mutex<Vec<((Executor, Profile), Engine)>>;
impl pallet_europa_contracts::SandboxSource for TestSandbox {
    fn engine() -> Engine {
        // One engine per configuration for the whole test binary, as the node has one.
        static ENGINES: OnceLock<Engines> = OnceLock::new();
        let key = EXECUTOR.with(|e| *e.borrow());
        let mut engines = ENGINES
            .get_or_init(Default::default)
            .lock()
            .expect("not poisoned");
        if let Some((_, engine)) = engines.iter().find(|(k, _)| *k == key) {
            return engine.clone();
        }
        let config = Schedule::default().sandbox_config(key.0, key.1);
        let engine = Engine::new(config).expect("a valid sandbox configuration");
        engines.push((key, engine.clone()));
        engine
    }
}

pub struct CollectTraces;
impl pallet_europa_contracts::OnTrace for CollectTraces {
    fn on_trace(trace: &ExecutionTrace) {
        TRACES.with(|t| t.borrow_mut().push(trace.clone()));
    }
}

/// The traces of the dispatchables run since the last call.
pub(crate) fn take_traces() -> Vec<ExecutionTrace> {
    TRACES.with(|t| std::mem::take(&mut *t.borrow_mut()))
}

/// The chain extension of the `chain_extension` fixture: function 1 echoes its SCALE
/// `Vec<u8>` input, 1101 returns a fixed "random" value derived from the subject.
#[derive(Default)]
pub struct TestExtension;
impl ChainExtension<Test> for TestExtension {
    fn call(&mut self, env: &mut Environment<Test>) -> Result<RetVal, DispatchError> {
        env.charge(Weight::from_parts(10_000, 0));
        match env.func_id() {
            1 => {
                env.output = env.input.clone();
                Ok(RetVal::Converging(0))
            }
            1101 => {
                let subject: [u8; 32] = Decode::decode(&mut &env.input[..])
                    .map_err(|_| DispatchError::Other("bad subject"))?;
                env.output = sp_io::hashing::blake2_256(&subject).encode();
                Ok(RetVal::Converging(0))
            }
            _ => Err(DispatchError::Other("unknown chain extension function")),
        }
    }

    fn enabled() -> bool {
        CHAIN_EXTENSION_ENABLED.with(|enabled| *enabled.borrow())
    }
}

parameter_types! {
    pub TestSchedule: Schedule = Schedule::default();
    pub const CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(30);
}

pub(crate) const DEPOSIT_PER_BYTE: Balance = 1;
pub(crate) const DEPOSIT_PER_ITEM: Balance = 2;
pub(crate) const MAX_CODE_LEN: u32 = 4 * 1024 * 1024;
/// Frames on the stack at most, the outermost included (upstream: `CallStack` size + 1).
pub(crate) const MAX_CALL_DEPTH: u32 = 6;

impl pallet_europa_contracts::Config for Test {
    type Time = Timestamp;
    type Randomness = Randomness;
    type Currency = Balances;
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type RuntimeHoldReason = RuntimeHoldReason;
    type CallFilter = OnlyBalances;
    type WeightPrice = WeightToFee;
    type ChainExtension = TestExtension;
    type Schedule = TestSchedule;
    type Sandbox = TestSandbox;
    type OnTrace = CollectTraces;
    type DepositPerByte = ConstU128<DEPOSIT_PER_BYTE>;
    type DepositPerItem = ConstU128<DEPOSIT_PER_ITEM>;
    type DefaultDepositLimit = DefaultDepositLimit;
    type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
    type MaxCodeLen = ConstU32<MAX_CODE_LEN>;
    type MaxStorageKeyLen = ConstU32<128>;
    type MaxDelegateDependencies = ConstU32<32>;
    type MaxDebugBufferLen = ConstU32<{ 2 * 1024 * 1024 }>;
    type MaxTransientStorageSize = ConstU32<{ 64 * 1024 }>;
    type WeightInfo = pallet_europa_contracts::SubstrateWeight<Test>;
    type MaxCallDepth = ConstU32<MAX_CALL_DEPTH>;
    type UnsafeUnstableInterface = ConstBool<true>;
}

parameter_types! {
    pub UpstreamSchedule: pallet_contracts::Schedule<Test> = Default::default();
}

#[derive_impl(pallet_contracts::config_preludes::TestDefaultConfig)]
impl pallet_contracts::Config for Test {
    type Time = Timestamp;
    type Randomness = Randomness;
    type Currency = Balances;
    type CallFilter = OnlyBalances;
    type WeightPrice = WeightToFee;
    type WeightInfo = pallet_contracts::weights::SubstrateWeight<Test>;
    type Schedule = UpstreamSchedule;
    type CallStack = [pallet_contracts::Frame<Self>; MAX_CALL_DEPTH as usize - 1];
    type DepositPerByte = ConstU128<DEPOSIT_PER_BYTE>;
    type DepositPerItem = ConstU128<DEPOSIT_PER_ITEM>;
    type DefaultDepositLimit = DefaultDepositLimit;
    type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
    type MaxCodeLen = ConstU32<{ 123 * 1024 }>;
    // Small enough for upstream's memory integrity check with the test block weights.
    type MaxTransientStorageSize = ConstU32<{ 64 * 1024 }>;
    type MaxDelegateDependencies = ConstU32<32>;
    type UploadOrigin = frame_system::EnsureSigned<AccountId>;
    type InstantiateOrigin = frame_system::EnsureSigned<AccountId>;
}

pub(crate) const ALICE: AccountId = AccountId32::new([1; 32]);
pub(crate) const BOB: AccountId = AccountId32::new([2; 32]);
pub(crate) const CHARLIE: AccountId = AccountId32::new([3; 32]);
pub(crate) const ENDOWMENT: Balance = 1_000_000_000_000;
pub(crate) const GAS_LIMIT: Weight = Weight::from_parts(100_000_000_000, 3 * 1024 * 1024);

/// Runs `test` on fresh chain state with Alice, Bob and Charlie funded.
pub(crate) fn new_test_ext<R>(test: impl FnOnce() -> R) -> R {
    let mut storage = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .expect("valid genesis");
    pallet_balances::GenesisConfig::<Test> {
        balances: vec![(ALICE, ENDOWMENT), (BOB, ENDOWMENT), (CHARLIE, ENDOWMENT)],
        ..Default::default()
    }
    .assimilate_storage(&mut storage)
    .expect("valid balances");
    let mut ext = sp_io::TestExternalities::new(storage);
    set_default_deposit_limit(1_000_000_000);
    set_chain_extension_enabled(true);
    ext.execute_with(|| {
        System::set_block_number(1);
        Timestamp::set_timestamp(1_700_000_000_000);
        take_traces();
        test()
    })
}

/// Which build of a fixture.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Build {
    /// Current Rust, DWARF kept, bulk-memory used.
    Dwarf,
    /// WASM 1.0 only, as upstream pallet-contracts accepts.
    Mvp,
}

pub(crate) fn fixtures_dir() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")).join("fixtures")
}

pub(crate) fn fixture(name: &str, build: Build) -> Vec<u8> {
    let dir = match build {
        Build::Dwarf => "dwarf",
        Build::Mvp => "mvp",
    };
    let path = fixtures_dir().join(dir).join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run scripts/build-contract-fixtures.sh",
            path.display()
        )
    })
}

/// The selector of an ink! message or constructor: BLAKE2b-256 of its name, 4 bytes.
pub(crate) fn selector(name: &str) -> [u8; 4] {
    let hash = sp_io::hashing::blake2_256(name.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

/// A message's input: selector followed by SCALE-encoded arguments.
pub(crate) fn input(name: &str, args: impl Encode) -> Vec<u8> {
    let mut data = selector(name).to_vec();
    args.encode_to(&mut data);
    data
}

/// Instantiates a fixture (uploading it) as Alice; returns its address.
pub(crate) fn deploy(code: Vec<u8>, constructor: Vec<u8>, value: Balance) -> AccountId {
    let (result, trace) = Contracts::bare_instantiate(
        ALICE,
        value,
        Some(GAS_LIMIT),
        None,
        Code::Upload(code),
        constructor,
        vec![],
    );
    let value = result
        .result
        .unwrap_or_else(|e| panic!("instantiation failed: {e:?}\n{trace}"));
    assert!(!value.result.did_revert(), "constructor reverted\n{trace}");
    value.account_id
}

/// Dry-run style call as Alice (the state changes stay, as in a block).
pub(crate) fn call(
    contract: &AccountId,
    data: Vec<u8>,
) -> (Result<ExecReturnValue, DispatchError>, ExecutionTrace) {
    let (result, trace) =
        Contracts::bare_call(ALICE, contract.clone(), 0, Some(GAS_LIMIT), None, data);
    (result.result, trace)
}

/// Calls and decodes a successful message's `Result<T, LangError>` output.
pub(crate) fn query<R: Decode>(contract: &AccountId, data: Vec<u8>) -> R {
    let (result, trace) = call(contract, data);
    let value = result.unwrap_or_else(|e| panic!("call failed: {e:?}\n{trace}"));
    assert!(!value.did_revert(), "call reverted\n{trace}");
    let decoded: Result<R, u8> = Decode::decode(&mut &value.data[..]).expect("ink! message output");
    decoded.unwrap_or_else(|e| panic!("ink! LangError {e}"))
}

/// The contract events deposited so far, as (contract, data).
pub(crate) fn contract_events() -> Vec<(AccountId, Vec<u8>)> {
    System::events()
        .into_iter()
        .filter_map(|record| match record.event {
            RuntimeEvent::Contracts(pallet_europa_contracts::Event::ContractEmitted {
                contract,
                data,
            }) => Some((contract, data)),
            _ => None,
        })
        .collect()
}

/// Host functions of a frame, by name, in order.
pub(crate) fn host_calls(frame: &pallet_europa_contracts::trace::FrameTrace) -> Vec<&str> {
    frame.host_calls.iter().map(|c| c.func.as_str()).collect()
}

/// Defines one test per executor (`name::wasmtime`, `name::wasmi`), each on the
/// permissive profile: the sandbox's `executor_tests!` with the mock runtime set up.
#[macro_export]
macro_rules! both_executors {
    ($(fn $name:ident() $body:block)*) => {
        europa_sandbox::executor_tests! {
            $(
                fn $name(executor) {
                    $crate::mock::use_sandbox(executor, pallet_europa_contracts::schedule::Profile::Permissive);
                    $body
                }
            )*
        }
    };
}

/// `fixtures/hostile.wat`: the worst a contract can do, by mode (see the file).
pub(crate) fn hostile() -> Vec<u8> {
    wat::parse_file(fixtures_dir().join("hostile.wat")).expect("fixtures/hostile.wat is valid WAT")
}

#[path = "../../../fixtures/hostile_inputs.rs"]
pub(crate) mod hostile_inputs;

/// The modes of `fixtures/hostile.wat`.
pub(crate) mod mode {
    pub(crate) const CALL_RUNTIME: u8 = 0;
    pub(crate) const DEBUG_TEXT: u8 = 1;
    pub(crate) const EVENTS: u8 = 2;
    pub(crate) const BULK_MEMORY: u8 = 3;
    pub(crate) const HOST_CALLS: u8 = 4;
    pub(crate) const EMPTY_LOOP: u8 = 5;
    pub(crate) const WASM_RECURSION: u8 = 6;
    pub(crate) const NESTED_RECURSION: u8 = 7;
    pub(crate) const RETURN_DATA: u8 = 8;
    pub(crate) const TRANSIENT_STORAGE: u8 = 10;
    pub(crate) const XCM_EXECUTE: u8 = 11;
}

/// A call nested `depth` times in `Utility.batch`, SCALE-encoded: what a contract can
/// hand `call_runtime` to make an unlimited decoder recurse.
pub(crate) fn nested_batch(depth: usize) -> Vec<u8> {
    // Utility (6), batch (0), a vector of one call: the next level.
    let mut call = [6u8, 0, 4].repeat(depth);
    call.extend(RuntimeCall::System(frame_system::Call::remark { remark: vec![] }).encode());
    call
}

/// A WASM 1.0 contract whose `call` calls its own address (re-entry allowed) and
/// returns that call's return code.
pub(crate) const SELF_CALLER: &str = r#"(module
    (import "seal0" "address" (func $address (param i32 i32)))
    (import "seal1" "call" (func $call (param i32 i32 i64 i32 i32 i32 i32 i32) (result i32)))
    (import "seal0" "seal_return" (func $ret (param i32 i32 i32)))
    (import "env" "memory" (memory 1 16))
    (func (export "deploy"))
    (func (export "call")
        (i32.store (i32.const 100) (i32.const 32))
        (call $address (i32.const 0) (i32.const 100))
        (i32.store (i32.const 200)
            (call $call (i32.const 8) (i32.const 0) (i64.const 0) (i32.const 300)
                        (i32.const 0) (i32.const 0) (i32.const -1) (i32.const 0)))
        (call $ret (i32.const 0) (i32.const 200) (i32.const 4))))"#;
