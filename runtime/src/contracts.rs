//! What the runtime plugs into the contracts pallet: the sandbox engine contracts run
//! on, where traces go, and which runtime calls contracts may make.

use alloc::vec::Vec;
use europa_sandbox::Engine;
use frame_support::traits::Contains;
use pallet_europa_contracts::{trace::ExecutionTrace, OnTrace, SandboxSource};

pub use europa_sandbox::Executor;
pub use pallet_europa_contracts::schedule::Profile;

use crate::{configs::ContractsSchedule, RuntimeCall};

/// The engine every contract execution of this process uses. The node picks the
/// executor once at startup ([`select_sandbox`]); without a choice it is wasmtime
/// (std) or wasmi (no_std), with the permissive profile.
pub struct RuntimeSandbox;

#[cfg(feature = "std")]
static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();

/// Chooses the executor and validation profile of contracts, before any runs. Returns
/// an error if the engine cannot be built or another one was chosen already.
#[cfg(feature = "std")]
pub fn select_sandbox(executor: Executor, profile: Profile) -> Result<(), alloc::string::String> {
    let config = ContractsSchedule::get().sandbox_config(executor, profile);
    let engine = Engine::new(config).map_err(|e| alloc::format!("{e}"))?;
    ENGINE
        .set(engine)
        .map_err(|_| "the contracts sandbox was already chosen".into())
}

impl SandboxSource for RuntimeSandbox {
    fn engine() -> Engine {
        #[cfg(feature = "std")]
        return ENGINE
            .get_or_init(|| default_engine(Executor::Wasmtime))
            .clone();
        #[cfg(not(feature = "std"))]
        return default_engine(Executor::Wasmi);
    }
}

/// Native stack that one contract frame may need besides its WASM frames: host
/// functions, instantiation, the executors' own frames (unoptimised in debug builds).
const HOST_STACK_BYTES_PER_FRAME: usize = 1024 * 1024;

/// Native stack the runtime needs outside contract frames: block execution, dispatch
/// of nested calls, decoding (depth-limited, as everything from outside is).
const RUNTIME_STACK_BYTES: usize = 16 * 1024 * 1024;

/// The native stack a thread running this runtime needs: the deepest legal nesting of
/// contract frames, each with wasmtime's stack budget and host margin, plus the
/// runtime's own. The node runs every runtime call on a thread this large, because a
/// stack overflow in native code cannot be caught, only made impossible.
pub fn execution_stack_bytes() -> usize {
    use frame_support::traits::Get;
    type MaxCallDepth = <crate::Runtime as pallet_europa_contracts::Config>::MaxCallDepth;
    let frames = <MaxCallDepth as Get<u32>>::get() as usize;
    let schedule = ContractsSchedule::get();
    let wasm = schedule
        .sandbox_config(Executor::default(), Profile::Permissive)
        .limits
        .wasmtime_stack_bytes();
    frames * (wasm + HOST_STACK_BYTES_PER_FRAME) + RUNTIME_STACK_BYTES
}

fn default_engine(executor: Executor) -> Engine {
    let config = ContractsSchedule::get().sandbox_config(executor, Profile::Permissive);
    Engine::new(config).expect("the default sandbox configuration is valid")
}

/// Traces of dispatched contract executions: logged as a tree (target `europa::trace`),
/// and collected while `ContractsTraceApi::trace_block` re-executes a block.
pub struct TraceSink;

#[cfg(feature = "std")]
std::thread_local! {
    static COLLECTED: core::cell::RefCell<Option<Vec<ExecutionTrace>>> = const { core::cell::RefCell::new(None) };
}

impl OnTrace for TraceSink {
    fn on_trace(trace: &ExecutionTrace) {
        #[cfg(feature = "std")]
        {
            let collecting = COLLECTED.with(|c| {
                c.borrow_mut()
                    .as_mut()
                    .map(|traces| traces.push(trace.clone()))
                    .is_some()
            });
            if !collecting {
                log::info!(target: "europa::trace", "contract execution\n{trace}");
            }
        }
        #[cfg(not(feature = "std"))]
        let _ = trace;
    }

    /// Traces are wanted while a block is re-executed for them, or when the log shows
    /// them (`-l europa::trace=warn` turns them off, and with them their cost).
    fn wants_traces() -> bool {
        #[cfg(feature = "std")]
        return COLLECTED.with(|c| c.borrow().is_some())
            || log::log_enabled!(target: "europa::trace", log::Level::Info);
        #[cfg(not(feature = "std"))]
        return false;
    }
}

/// Runs `f`, returning the traces dispatched contract executions produced meanwhile
/// (always none without `std`).
pub fn collect_traces<R>(f: impl FnOnce() -> R) -> (R, Vec<ExecutionTrace>) {
    #[cfg(feature = "std")]
    {
        let previous = COLLECTED.with(|c| c.replace(Some(Vec::new())));
        let result = f();
        let traces = COLLECTED.with(|c| c.replace(previous)).unwrap_or_default();
        (result, traces)
    }
    #[cfg(not(feature = "std"))]
    (f(), Vec::new())
}

/// Contracts may move balances through `call_runtime`, nothing else.
pub struct ContractsCallFilter;

impl Contains<RuntimeCall> for ContractsCallFilter {
    fn contains(call: &RuntimeCall) -> bool {
        use pallet_balances::Call as BalancesCall;
        matches!(
            call,
            RuntimeCall::Balances(
                BalancesCall::transfer_allow_death { .. }
                    | BalancesCall::transfer_keep_alive { .. }
                    | BalancesCall::transfer_all { .. }
            )
        )
    }
}
