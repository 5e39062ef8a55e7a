//! How far execution may go. What it costs is in [`crate::costs`].

use codec::{Decode, Encode};
use europa_sandbox::{Executor, Limits as SandboxLimits, SandboxConfig, WasmFeatures};
use scale_info::TypeInfo;

use crate::Config;

/// Limits of contract execution.
#[derive(Clone, Encode, Decode, PartialEq, Eq, Debug, Default, TypeInfo)]
pub struct Schedule {
    /// How far a contract may go (see [`Limits`]).
    pub limits: Limits,
}

/// Bounds on contract execution. All but `wasm_call_depth` are upstream's, with
/// upstream's defaults.
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
    /// `ref_time` per byte of an event's payload, on top of its benchmarked weight
    /// (upstream's figure, which bounds the memory events take per block).
    pub event_ref_time: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            event_topics: 4,
            memory_pages: 16,
            subject_len: 32,
            payload_len: 16 * 1024,
            wasm_call_depth: 256,
            event_ref_time: 60_000,
        }
    }
}

/// The schedule as upstream publishes it in the metadata (`Contracts::Schedule`), for
/// clients that read it.
#[derive(Clone, Encode, Decode, PartialEq, Eq, Debug, TypeInfo)]
pub struct PublishedSchedule {
    /// Upstream's limits, as Europa's [`Limits`] fill them.
    pub limits: PublishedLimits,
    /// Upstream's instruction weights, from the runtime's `WeightInfo`.
    pub instruction_weights: InstructionWeights,
}

/// Upstream's limits. `runtime_memory` and `validator_runtime_memory` are upstream's
/// defaults, which only its runtime checks use; Europa does not enforce them.
#[derive(Clone, Encode, Decode, PartialEq, Eq, Debug, TypeInfo)]
pub struct PublishedLimits {
    /// Most topics an event may have.
    pub event_topics: u32,
    /// Largest linear memory, in 64 KiB pages.
    pub memory_pages: u32,
    /// Longest subject of the deprecated `random`.
    pub subject_len: u32,
    /// Largest event payload and storage value, in bytes.
    pub payload_len: u32,
    /// Node runtime memory, in bytes, for upstream's integrity checks.
    pub runtime_memory: u32,
    /// Validator runtime memory, in bytes, for upstream's integrity checks.
    pub validator_runtime_memory: u32,
    /// `ref_time` per byte of an event's payload.
    pub event_ref_time: u64,
}

/// Upstream's instruction weights: `ref_time` per unit of fuel.
#[derive(Clone, Encode, Decode, PartialEq, Eq, Debug, TypeInfo)]
pub struct InstructionWeights {
    /// `ref_time` of one unit of fuel (see [`crate::costs::ref_time_per_fuel`]).
    pub base: u32,
}

impl Schedule {
    /// This schedule in upstream's published shape.
    pub fn published<T: Config>(&self) -> PublishedSchedule {
        PublishedSchedule {
            limits: PublishedLimits {
                event_topics: self.limits.event_topics,
                memory_pages: self.limits.memory_pages,
                subject_len: self.limits.subject_len,
                payload_len: self.limits.payload_len,
                runtime_memory: 128 * 1024 * 1024,
                validator_runtime_memory: 512 * 1024 * 1024,
                event_ref_time: self.limits.event_ref_time,
            },
            instruction_weights: InstructionWeights {
                base: crate::costs::ref_time_per_fuel::<T>()
                    .try_into()
                    .unwrap_or(u32::MAX),
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
