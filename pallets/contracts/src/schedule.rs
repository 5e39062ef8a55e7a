//! What execution costs and how far it may go.
//!
//! The costs are Europa's own estimates, of the same magnitude as upstream's
//! benchmarked weights (so that gas limits clients compute against a production chain
//! also work here); they are not benchmarked on this pallet.

use codec::{Decode, Encode};
use europa_sandbox::{Executor, Limits as SandboxLimits, SandboxConfig, WasmFeatures};
use frame_support::weights::{RuntimeDbWeight, Weight};
use scale_info::TypeInfo;

/// Costs and limits of contract execution.
#[derive(Clone, Encode, Decode, PartialEq, Eq, Debug, TypeInfo)]
pub struct Schedule {
    pub limits: Limits,
    /// `ref_time` one unit of sandbox fuel (about one WASM instruction) costs.
    pub ref_time_per_fuel: u64,
    pub host_fn_weights: HostFnWeights,
}

#[derive(Clone, Encode, Decode, PartialEq, Eq, Debug, TypeInfo)]
pub struct Limits {
    /// Most topics an event may have.
    pub event_topics: u32,
    /// Largest linear memory, in 64 KiB pages.
    pub memory_pages: u32,
    /// Longest subject of the deprecated `random`.
    pub subject_len: u32,
    /// Largest event payload and storage value, in bytes.
    pub payload_len: u32,
    /// Deepest WASM call stack within one contract frame.
    pub wasm_call_depth: u32,
}

/// Weights of host functions. A host function costs `host_fn` plus what its work adds.
#[derive(Clone, Encode, Decode, PartialEq, Eq, Debug, TypeInfo)]
pub struct HostFnWeights {
    /// Every host function call.
    pub host_fn: Weight,
    /// Per byte copied between contract memory and the host.
    pub copy_per_byte: Weight,
    /// Per byte of code loaded to run a frame.
    pub code_load_per_byte: Weight,
    /// A storage read (get, contains, take), before its bytes; priced like a read
    /// from a large trie, as on a production chain.
    pub storage_read: Weight,
    /// A storage write (set, clear), before its bytes.
    pub storage_write: Weight,
    /// Per byte read from or written to storage.
    pub storage_per_byte: Weight,
    /// A transient storage access (set, clear, get, contains, take), before its bytes.
    pub transient_storage: Weight,
    /// Per byte read from or written to transient storage.
    pub transient_per_byte: Weight,
    /// A hash function, before its input.
    pub hash: Weight,
    pub hash_per_byte: Weight,
    /// An event, before its topics and payload (upstream's benchmarked weights, so that
    /// events fill no more memory per unit of gas than on a production chain).
    pub deposit_event: Weight,
    pub event_per_topic: Weight,
    pub event_per_byte: Weight,
    /// A value transfer.
    pub transfer: Weight,
    /// A nested call or delegate call, before its input.
    pub call: Weight,
    /// A nested instantiation, before its input and salt.
    pub instantiate: Weight,
    /// A signature recovery or verification.
    pub crypto: Weight,
    /// Reading the current contract's or another account's state (balance, code hash, ...).
    pub account_read: Weight,
    /// Terminating a contract, before its storage accesses (see
    /// [`HostFnWeights::terminate_with`]).
    pub terminate: Weight,
    /// Terminating a contract, per delegate dependency it unlocks.
    pub terminate_per_dependency: Weight,
    /// Replacing the current contract's code.
    pub set_code_hash: Weight,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            limits: Limits::default(),
            ref_time_per_fuel: 1_250,
            host_fn_weights: HostFnWeights::default(),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            event_topics: 4,
            memory_pages: 16,
            subject_len: 32,
            payload_len: 16 * 1024,
            wasm_call_depth: 256,
        }
    }
}

impl Default for HostFnWeights {
    fn default() -> Self {
        HostFnWeights {
            host_fn: Weight::from_parts(750_000, 0),
            copy_per_byte: Weight::from_parts(100, 0),
            code_load_per_byte: Weight::from_parts(1_200, 1),
            storage_read: Weight::from_parts(50_000_000, 10_000),
            storage_write: Weight::from_parts(50_000_000, 10_000),
            storage_per_byte: Weight::from_parts(300, 1),
            transient_storage: Weight::from_parts(2_600_000, 0),
            transient_per_byte: Weight::from_parts(220, 0),
            hash: Weight::from_parts(4_000_000, 0),
            hash_per_byte: Weight::from_parts(1_500, 0),
            deposit_event: Weight::from_parts(4_143_031, 990),
            event_per_topic: Weight::from_parts(2_186_206, 2_475),
            event_per_byte: Weight::from_parts(60_025, 0),
            transfer: Weight::from_parts(9_000_000, 0),
            call: Weight::from_parts(130_000_000, 4_000),
            instantiate: Weight::from_parts(160_000_000, 4_000),
            crypto: Weight::from_parts(45_000_000, 0),
            account_read: Weight::from_parts(8_000_000, 3_700),
            // Upstream 51's benchmarked `seal_terminate(n)`.
            terminate: Weight::from_parts(15_426_466, 3_647),
            terminate_per_dependency: Weight::from_parts(4_507_899, 2_553),
            set_code_hash: Weight::from_parts(12_000_000, 7_000),
        }
    }
}

impl HostFnWeights {
    /// Terminating a contract with `dependencies` delegate dependencies: upstream's
    /// benchmark plus its storage accesses (2 reads and 3 writes, and one of each per
    /// dependency) at the runtime's database weights.
    pub fn terminate_with(&self, db: RuntimeDbWeight, dependencies: u32) -> Weight {
        let per_dependency = u64::from(dependencies);
        self.terminate
            .saturating_add(self.terminate_per_dependency.saturating_mul(per_dependency))
            .saturating_add(db.reads_writes(2 + per_dependency, 3 + per_dependency))
    }
}

/// The schedule as upstream publishes it in the metadata (`Contracts::Schedule`), for
/// clients that read it.
#[derive(Clone, Encode, Decode, PartialEq, Eq, Debug, TypeInfo)]
pub struct PublishedSchedule {
    pub limits: PublishedLimits,
    pub instruction_weights: InstructionWeights,
}

/// Upstream's limits. `runtime_memory` and `validator_runtime_memory` are upstream's
/// defaults, which only its runtime checks use; Europa does not enforce them.
#[derive(Clone, Encode, Decode, PartialEq, Eq, Debug, TypeInfo)]
pub struct PublishedLimits {
    pub event_topics: u32,
    pub memory_pages: u32,
    pub subject_len: u32,
    pub payload_len: u32,
    pub runtime_memory: u32,
    pub validator_runtime_memory: u32,
    /// `ref_time` per byte of an event's payload.
    pub event_ref_time: u64,
}

/// Upstream's instruction weights: `ref_time` per unit of fuel.
#[derive(Clone, Encode, Decode, PartialEq, Eq, Debug, TypeInfo)]
pub struct InstructionWeights {
    pub base: u32,
}

impl Schedule {
    /// This schedule in upstream's published shape.
    pub fn published(&self) -> PublishedSchedule {
        PublishedSchedule {
            limits: PublishedLimits {
                event_topics: self.limits.event_topics,
                memory_pages: self.limits.memory_pages,
                subject_len: self.limits.subject_len,
                payload_len: self.limits.payload_len,
                runtime_memory: 128 * 1024 * 1024,
                validator_runtime_memory: 512 * 1024 * 1024,
                event_ref_time: self.host_fn_weights.event_per_byte.ref_time(),
            },
            instruction_weights: InstructionWeights {
                base: self.ref_time_per_fuel.try_into().unwrap_or(u32::MAX),
            },
        }
    }
}

/// How strictly code is validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Accepts what current stable Rust emits (bulk-memory, sign-extension, ...); the
    /// trace says which of those features a contract uses. The development default.
    Permissive,
    /// Accepts exactly the WASM 1.0 integer code upstream pallet-contracts accepts.
    Strict,
}

impl Schedule {
    /// The sandbox configuration this schedule's limits call for.
    pub fn sandbox_config(&self, executor: Executor, profile: Profile) -> SandboxConfig {
        let features = match profile {
            Profile::Permissive => WasmFeatures::permissive(),
            Profile::Strict => WasmFeatures::strict(),
        };
        SandboxConfig::new(executor)
            .with_features(features)
            .with_limits(SandboxLimits {
                max_memory_pages: self.limits.memory_pages,
                max_call_depth: self.limits.wasm_call_depth,
                // Code size is the pallet's `MaxCodeLen`, checked before the sandbox.
                max_code_size: usize::MAX,
                ..SandboxLimits::default()
            })
    }
}
