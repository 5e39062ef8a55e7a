//! # europa-sandbox
//!
//! One API for running untrusted WebAssembly, over two executors:
//!
//! - **wasmtime** (with `std`, the default): Cranelift JIT, a cache of compiled modules
//!   keyed by code hash, and trap backtraces that carry the Rust `file:line:column` when
//!   the module has DWARF debug sections;
//! - **wasmi** (always available, the only one without `std`): an interpreter.
//!
//! Both are compiled in under `std` and picked at run time through
//! [`SandboxConfig::executor`]. Every module is validated by this crate before an
//! executor sees it, against one configurable [`WasmFeatures`] set and [`Limits`], so
//! both accept and reject the same code for the same reason.
//!
//! ```
//! use europa_sandbox::*;
//!
//! fn double(ctx: &mut FunctionContext<'_, u32>, args: &[Value]) -> Result<ReturnValue, HostError> {
//!     *ctx.state() += 1;
//!     let x = args[0].as_i32().ok_or_else(|| HostError::new("expected i32"))?;
//!     Ok(ReturnValue::Value(Value::I32(x * 2)))
//! }
//!
//! let code = wat::parse_str(r#"(module
//!     (import "env" "double" (func $double (param i32) (result i32)))
//!     (func (export "run") (param i32) (result i32) (call $double (local.get 0))))"#).unwrap();
//! let mut env = EnvironmentDefinitionBuilder::new();
//! env.add_host_func("env", "double", Signature::new(&[ValueType::I32], &[ValueType::I32]), double);
//!
//! for executor in Executor::ALL {
//!     let engine = Engine::new(SandboxConfig::new(*executor)).unwrap();
//!     let mut calls = 0u32;
//!     let mut instance = Instance::new(&engine, &code, &env, &mut calls).unwrap();
//!     instance.set_fuel(1_000);
//!     assert_eq!(instance.invoke("run", &[Value::I32(21)], &mut calls), Ok(vec![Value::I32(42)]));
//!     assert_eq!(calls, 1);
//! }
//! ```
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod backend;
#[cfg(feature = "std")]
mod cache;
mod config;
#[cfg(feature = "std")]
pub mod debug_info;
mod env;
mod error;
mod host;
mod instance;
#[cfg(feature = "std")]
mod metering;
mod profiling;
mod scoped_state;
mod validation;
mod value;

pub use config::{
    Executor, Limits, SandboxConfig, WasmFeature, WasmFeatures, WASMTIME_MAX_STACK_BYTES,
    WASMTIME_STACK_BYTES_PER_FRAME,
};
pub use env::{EnvironmentDefinitionBuilder, HostFuncType, Memory};
pub use error::{
    Error, Frame, Limit, LinkError, MemoryLimits, SourceLocation, Trap, TrapKind,
    MAX_BACKTRACE_FRAMES,
};
pub use host::{FunctionContext, MemoryView, PAGE_SIZE};
pub use instance::{Engine, Instance, ModuleReport};
#[cfg(feature = "std")]
pub use profiling::block_starts;
pub use profiling::{
    Capture, CapturePoint, FrameSnapshot, Instrumentation, Profile, ProfileNode, Site, Snapshot,
    Step, CAPTURED_GLOBAL, MAX_CAPTURED_GLOBALS, MAX_CAPTURED_LOCALS, MAX_CAPTURES_PER_MODULE,
    MAX_PROFILE_HOST_CALLS, MAX_PROFILE_NODES,
};
pub use validation::Export;
pub use value::{HostError, ReturnValue, Signature, Value, ValueType};

/// Defines tests that run on every executor: each `fn name(executor) { body }` becomes a
/// module `name` with the tests `name::wasmtime` and `name::wasmi`, each running the body
/// with its [`Executor`]. The body sees the items of the module the macro is used in.
#[macro_export]
macro_rules! executor_tests {
    ($(fn $name:ident($executor:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                fn run($executor: $crate::Executor) $body

                #[test]
                fn wasmtime() {
                    run($crate::Executor::Wasmtime)
                }

                #[test]
                fn wasmi() {
                    run($crate::Executor::Wasmi)
                }
            }
        )*
    };
}
