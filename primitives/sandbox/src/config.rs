//! What a sandbox engine is allowed to run: executor, WASM feature set and limits.

use alloc::{string::String, vec::Vec};
use core::{fmt, str::FromStr};

/// Which WASM executor runs the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Executor {
    /// Cranelift JIT, compiled-module cache, DWARF source locations in backtraces.
    #[cfg(feature = "std")]
    Wasmtime,
    /// Interpreter; the only executor without `std`.
    Wasmi,
}

impl Executor {
    /// Every executor compiled into this build.
    pub const ALL: &'static [Executor] = &[
        #[cfg(feature = "std")]
        Executor::Wasmtime,
        Executor::Wasmi,
    ];

    /// The name `Display` prints and `FromStr` accepts: `wasmtime` or `wasmi`.
    pub fn name(&self) -> &'static str {
        match self {
            #[cfg(feature = "std")]
            Executor::Wasmtime => "wasmtime",
            Executor::Wasmi => "wasmi",
        }
    }
}

impl Default for Executor {
    fn default() -> Self {
        #[cfg(feature = "std")]
        return Executor::Wasmtime;
        #[cfg(not(feature = "std"))]
        return Executor::Wasmi;
    }
}

impl fmt::Display for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Executor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Executor::ALL
            .iter()
            .copied()
            .find(|e| e.name() == s)
            .ok_or_else(|| {
                let known: Vec<_> = Executor::ALL.iter().map(|e| e.name()).collect();
                alloc::format!(
                    "unknown executor `{s}`, expected one of: {}",
                    known.join(", ")
                )
            })
    }
}

/// A WASM proposal the sandbox can allow or forbid. Everything not listed here beyond
/// WASM 1.0 (tail calls, memory64, GC, exceptions, ...) is always forbidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WasmFeature {
    /// Float types and instructions, including saturating float-to-int conversions.
    Floats,
    /// `memory.copy`, `memory.fill` and the other bulk memory and table instructions, with
    /// passive segments.
    BulkMemory,
    /// In-place sign extension: `i32.extend8_s`, `i64.extend32_s` and the like.
    SignExtension,
    /// Functions and blocks with more than one result.
    MultiValue,
    /// `funcref` and `externref` values, several tables, and the `ref.*` and `table.*`
    /// instructions.
    ReferenceTypes,
    /// 128-bit SIMD (`v128`). wasmi does not support it.
    Simd,
    /// Shared memories and atomic instructions. wasmi does not support it.
    Threads,
}

impl WasmFeature {
    /// Every feature, in the order [`WasmFeatures::iter`] yields them.
    pub const ALL: [WasmFeature; 7] = [
        WasmFeature::Floats,
        WasmFeature::BulkMemory,
        WasmFeature::SignExtension,
        WasmFeature::MultiValue,
        WasmFeature::ReferenceTypes,
        WasmFeature::Simd,
        WasmFeature::Threads,
    ];

    /// The proposal's usual name, e.g. `bulk-memory`; also what `Display` prints.
    pub fn name(&self) -> &'static str {
        match self {
            WasmFeature::Floats => "floats",
            WasmFeature::BulkMemory => "bulk-memory",
            WasmFeature::SignExtension => "sign-extension",
            WasmFeature::MultiValue => "multi-value",
            WasmFeature::ReferenceTypes => "reference-types",
            WasmFeature::Simd => "simd",
            WasmFeature::Threads => "threads",
        }
    }

    const fn bit(&self) -> u8 {
        1 << (*self as u8)
    }
}

impl fmt::Display for WasmFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of allowed [`WasmFeature`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct WasmFeatures(u8);

impl WasmFeatures {
    /// WASM 1.0 without floats.
    pub const fn none() -> Self {
        WasmFeatures(0)
    }

    /// What pallet-contracts 51 accepts: WASM 1.0 integer code plus sign-extension
    /// (upstream's wasmi configuration enables that one proposal).
    pub const fn strict() -> Self {
        WasmFeatures(WasmFeature::SignExtension.bit())
    }

    /// What current stable Rust emits for `wasm32-unknown-unknown`, floats excepted.
    pub fn permissive() -> Self {
        Self::none()
            .with(WasmFeature::BulkMemory)
            .with(WasmFeature::SignExtension)
            .with(WasmFeature::MultiValue)
            .with(WasmFeature::ReferenceTypes)
    }

    /// Every [`WasmFeature`]. wasmi has neither SIMD nor threads, so an engine on wasmi
    /// rejects this set.
    pub fn all() -> Self {
        WasmFeature::ALL
            .iter()
            .fold(Self::none(), |set, f| set.with(*f))
    }

    /// This set with `feature` allowed too.
    pub fn with(self, feature: WasmFeature) -> Self {
        WasmFeatures(self.0 | feature.bit())
    }

    /// This set with `feature` forbidden.
    pub fn without(self, feature: WasmFeature) -> Self {
        WasmFeatures(self.0 & !feature.bit())
    }

    /// Whether `feature` is allowed.
    pub fn contains(&self, feature: WasmFeature) -> bool {
        self.0 & feature.bit() != 0
    }

    /// The allowed features, in [`WasmFeature::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = WasmFeature> + '_ {
        WasmFeature::ALL.into_iter().filter(|f| self.contains(*f))
    }
}

/// Resource limits, enforced identically (in what they mean) on every executor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted code, in bytes.
    pub max_code_size: usize,
    /// Largest linear memory, in 64 KiB pages; `memory.grow` past it returns -1.
    pub max_memory_pages: u32,
    /// Largest table, in elements; `table.grow` past it returns -1.
    pub max_table_elements: u32,
    /// Deepest WASM call stack, in frames. wasmi counts frames exactly; wasmtime runs
    /// on the native stack, so there the limit becomes a stack budget of
    /// [`WASMTIME_STACK_BYTES_PER_FRAME`] bytes per frame.
    pub max_call_depth: u32,
    /// Fuel available to a module's start function during instantiation.
    pub start_fuel: u64,
}

/// Native stack bytes granted per allowed frame when wasmtime enforces `max_call_depth`.
pub const WASMTIME_STACK_BYTES_PER_FRAME: usize = 512;

/// The wasmtime stack budget never exceeds this, so that it always fits in the 2 MiB
/// stack of an ordinary thread with room left for the host.
pub const WASMTIME_MAX_STACK_BYTES: usize = 1024 * 1024;

impl Limits {
    /// The native stack one wasmtime invocation may use for WASM frames: what
    /// `max_call_depth` asks for, within [`WASMTIME_MAX_STACK_BYTES`]. Host functions
    /// that call back into WASM (a nested instance) start another such budget.
    pub fn wasmtime_stack_bytes(&self) -> usize {
        (self.max_call_depth as usize)
            .saturating_mul(WASMTIME_STACK_BYTES_PER_FRAME)
            .clamp(WASMTIME_STACK_BYTES_PER_FRAME, WASMTIME_MAX_STACK_BYTES)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_code_size: 4 * 1024 * 1024,
            max_memory_pages: 16,
            max_table_elements: 4096,
            max_call_depth: 1024,
            start_fuel: 10_000_000,
        }
    }
}

/// Everything that defines an [`Engine`](crate::Engine).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SandboxConfig {
    /// The executor every instance of the engine runs on.
    pub executor: Executor,
    /// The WASM features code may use; validation rejects any other.
    pub features: WasmFeatures,
    /// The resource limits code is held to.
    pub limits: Limits,
    /// How many compiled modules the wasmtime module cache keeps.
    pub module_cache_capacity: usize,
    /// How many bytes of compiled code the wasmtime module cache keeps.
    pub module_cache_bytes: usize,
}

impl SandboxConfig {
    /// A configuration for `executor`: [`WasmFeatures::permissive`], the default [`Limits`],
    /// and a module cache of 256 modules or 256 MiB of compiled code.
    pub fn new(executor: Executor) -> Self {
        SandboxConfig {
            executor,
            features: WasmFeatures::permissive(),
            limits: Limits::default(),
            module_cache_capacity: 256,
            module_cache_bytes: 256 * 1024 * 1024,
        }
    }

    /// Replaces the allowed features.
    pub fn with_features(mut self, features: WasmFeatures) -> Self {
        self.features = features;
        self
    }

    /// Replaces the limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig::new(Executor::default())
    }
}
