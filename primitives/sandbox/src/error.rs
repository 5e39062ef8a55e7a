//! The one error type of the sandbox and the structured trap it can carry.

use alloc::{boxed::Box, string::String, vec::Vec};
use core::fmt;

use crate::{config::WasmFeature, value::Signature, HostError};

/// Everything that can go wrong while loading, linking or running a module.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The bytes are not a valid WASM module; the message is the validator's.
    #[error("invalid module: {0}")]
    InvalidModule(String),
    /// The module is valid WASM but uses a feature the configured profile forbids.
    #[error("module uses the `{feature}` feature, which this sandbox profile forbids ({message})")]
    ForbiddenFeature {
        /// The first forbidden feature found that the module needs.
        feature: WasmFeature,
        /// The validator's message for the module as it was rejected.
        message: String,
    },
    /// An import could not be satisfied by the environment.
    #[error("cannot link import `{module}.{field}`: {reason}")]
    Link {
        /// The module name of the import.
        module: String,
        /// The field name of the import.
        field: String,
        /// Why it did not link.
        reason: LinkError,
    },
    /// A configured limit was hit.
    #[error("limit exceeded: {0}")]
    LimitExceeded(Limit),
    /// Execution ran out of fuel.
    #[error("out of fuel")]
    OutOfFuel,
    /// Execution trapped.
    #[error("{0}")]
    Trap(Trap),
    /// A host function returned an error and execution stopped there.
    #[error(transparent)]
    Host(HostError),
    /// A host-side memory access fell outside linear memory.
    #[error("memory access out of bounds: {len} bytes at offset {offset}, memory is {size} bytes")]
    OutOfBounds {
        /// Where the access starts, in bytes.
        offset: u32,
        /// How many bytes it covers.
        len: u32,
        /// The memory's size, in bytes.
        size: u64,
    },
    /// The module has no linear memory to access.
    #[error("the instance has no linear memory")]
    NoMemory,
    /// No exported function of that name.
    #[error("no exported function `{0}`")]
    ExportNotFound(String),
    /// The arguments do not match the exported function's signature.
    #[error("wrong arguments for `{name}`: expected {expected}, got {got}")]
    ArgumentMismatch {
        /// The exported function called.
        name: String,
        /// Its signature.
        expected: Box<Signature>,
        /// The arguments' types as parameters, with the expected results.
        got: Box<Signature>,
    },
    /// The sandbox configuration itself is unusable.
    #[error("invalid sandbox configuration: {0}")]
    Config(String),
    /// The executor failed in a way none of the other variants describe.
    #[error("executor error: {0}")]
    Executor(String),
}

/// Why an import did not link.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The environment defines nothing under the import's name.
    #[error("the environment does not provide it")]
    Missing,
    /// The import is a function of another signature than the host function.
    #[error("signature mismatch: the module imports {imported}, the host defines {defined}")]
    SignatureMismatch {
        /// The signature the module declares.
        imported: Box<Signature>,
        /// The signature the host function was defined with.
        defined: Box<Signature>,
    },
    /// The import is a function where the environment defines a memory, or the reverse.
    #[error("the module imports a {imported}, the environment defines a {defined}")]
    KindMismatch {
        /// What the module imports: `function` or `memory`.
        imported: &'static str,
        /// What the environment defines under that name.
        defined: &'static str,
    },
    /// The environment's memory does not satisfy the limits the module imports it with.
    #[error("memory limits do not fit: the module imports {imported}, the environment defines {defined}")]
    MemoryMismatch {
        /// The limits the module declares.
        imported: MemoryLimits,
        /// The limits of the memory the environment offers.
        defined: MemoryLimits,
    },
    /// The module imports a table, a global, a tag or a function with non-numeric types,
    /// which no environment provides; the kind, as text.
    #[error("imports of kind {0} are not supported")]
    Unsupported(&'static str),
}

/// Initial and maximum size of a linear memory, in 64 KiB pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLimits {
    /// Pages the memory starts with.
    pub initial: u32,
    /// Pages it may grow to; `None`: no maximum of its own.
    pub maximum: Option<u32>,
}

impl fmt::Display for MemoryLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.maximum {
            Some(max) => write!(f, "memory of {}..{} pages", self.initial, max),
            None => write!(f, "memory of {}.. pages", self.initial),
        }
    }
}

/// Which configured limit was exceeded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Limit {
    /// The code is larger than [`Limits::max_code_size`](crate::Limits::max_code_size).
    #[error("code is {size} bytes, the maximum is {max}")]
    CodeSize {
        /// The code's size, in bytes.
        size: usize,
        /// The limit, in bytes.
        max: usize,
    },
    /// A memory, the module's own or one the environment provides, starts larger than
    /// [`Limits::max_memory_pages`](crate::Limits::max_memory_pages).
    #[error("memory needs {requested} pages, the maximum is {max}")]
    MemoryPages {
        /// The pages it starts with.
        requested: u64,
        /// The limit, in pages.
        max: u32,
    },
    /// A table starts with more elements than
    /// [`Limits::max_table_elements`](crate::Limits::max_table_elements).
    #[error("table needs {requested} elements, the maximum is {max}")]
    TableElements {
        /// The elements it starts with.
        requested: u64,
        /// The limit, in elements.
        max: u32,
    },
    /// The WASM call stack grew past
    /// [`Limits::max_call_depth`](crate::Limits::max_call_depth) (on wasmtime, past the
    /// stack budget it stands for).
    #[error("call stack deeper than the maximum of {max_depth} frames")]
    CallStack {
        /// The limit, in frames.
        max_depth: u32,
    },
}

/// A trap: what happened and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    /// What went wrong.
    pub kind: TrapKind,
    /// Frames innermost first, at most [`MAX_BACKTRACE_FRAMES`]. Empty when the
    /// executor cannot report them (wasmi).
    pub backtrace: Vec<Frame>,
    /// Outer frames left out to keep the backtrace bounded (deep recursion).
    pub omitted_frames: usize,
    /// Why the module's DWARF was not read, when it has DWARF over Europa's limits
    /// (see [`crate::debug_info`]): the frames then have no source locations.
    pub debug_info_ignored: Option<String>,
}

/// Longest backtrace a trap carries; deeper stacks keep their innermost frames.
pub const MAX_BACKTRACE_FRAMES: usize = 64;

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trap: {}", self.kind)?;
        for frame in &self.backtrace {
            write!(f, "\n    at {frame}")?;
        }
        if self.omitted_frames > 0 {
            write!(f, "\n    ... {} more frames", self.omitted_frames)?;
        }
        if let Some(reason) = &self.debug_info_ignored {
            write!(f, "\n    (debug info ignored: {reason})")?;
        }
        Ok(())
    }
}

/// The reason for a trap, the same on every executor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrapKind {
    /// An `unreachable` instruction ran; Rust code compiled to WASM panics this way.
    Unreachable,
    /// A memory access outside linear memory (on wasmtime, also a misaligned atomic one).
    MemoryOutOfBounds,
    /// A table access outside the table.
    TableOutOfBounds,
    /// `call_indirect` through an uninitialized table element.
    IndirectCallToNull,
    /// `call_indirect` to a function of another type than the one the call expects.
    BadSignature,
    /// A signed division of the minimum by -1, or a float-to-int conversion whose result
    /// does not fit.
    IntegerOverflow,
    /// An integer division or remainder by zero.
    IntegerDivisionByZero,
    /// A float-to-int conversion of NaN.
    BadConversionToInteger,
    /// A null reference used where a non-null one is needed; only wasmtime reports it.
    NullReference,
    /// A trap the common model has no name for; the executor's description.
    Other(String),
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            TrapKind::Unreachable => "unreachable instruction executed",
            TrapKind::MemoryOutOfBounds => "out of bounds memory access",
            TrapKind::TableOutOfBounds => "undefined element: out of bounds table access",
            TrapKind::IndirectCallToNull => "uninitialized element",
            TrapKind::BadSignature => "indirect call type mismatch",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::IntegerDivisionByZero => "integer divide by zero",
            TrapKind::BadConversionToInteger => "invalid conversion to integer",
            TrapKind::NullReference => "null reference",
            TrapKind::Other(text) => text,
        };
        f.write_str(text)
    }
}

/// One frame of a trap backtrace. A WASM frame whose code was inlined from several
/// source functions yields one `Frame` per source function, innermost first, all with
/// the same function index and offset and `inlined` set on all but the outermost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The function's index in the module as given, imported functions first.
    pub func_index: u32,
    /// Demangled, without the hash suffix; from DWARF when present, else the `name` section.
    pub func_name: Option<String>,
    /// Offset of the trapping instruction from the start of the module.
    pub module_offset: Option<u32>,
    /// Where in the source, when the module's DWARF says.
    pub location: Option<SourceLocation>,
    /// Whether this function was inlined into the next frame's, whose WASM function and
    /// offset it shares.
    pub inlined: bool,
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.func_name {
            Some(name) => write!(f, "{name}")?,
            None => write!(f, "<func {}>", self.func_index)?,
        }
        if let Some(offset) = self.module_offset {
            write!(f, " @ {offset:#x}")?;
        }
        if let Some(location) = &self.location {
            write!(f, " ({location})")?;
        }
        if self.inlined {
            f.write_str(" [inlined]")?;
        }
        Ok(())
    }
}

/// A position in the source the module was compiled from, read from DWARF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLocation {
    /// The source file's path, as DWARF records it.
    pub file: String,
    /// The line, if known.
    pub line: Option<u32>,
    /// The column, if known.
    pub column: Option<u32>,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}
