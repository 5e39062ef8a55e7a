//! What the runtime plugs into the contracts pallet: the sandbox engine contracts run
//! on, where traces go, and which runtime calls contracts may make.

#![warn(missing_docs)]

use alloc::vec::Vec;
use europa_sandbox::Engine;
use frame_support::traits::Contains;
use pallet_europa_contracts::{
    trace::ExecutionTrace, CodeHits, OnTrace, Profiling, SandboxSource, TraceLimits,
};

pub use europa_sandbox::Executor;
pub use pallet_europa_contracts::schedule::Profile;

use crate::{configs::ContractsSchedule, RuntimeCall};

/// The engine contract executions use: the one of the node hosting the runtime call
/// ([`ContractsHost`]); unhosted (the runtime's own tests, tools), wasmtime (std) or
/// wasmi (no_std) with the permissive profile. A runtime call carrying [`WasmtimeLens`]
/// runs contracts on the host's wasmtime engine instead, with the same profile.
pub struct RuntimeSandbox;

/// What the node hosting the runtime gives contract execution: the engine of the
/// chain's executor, the wasmtime engine of lens runs, and where traces go. Each node
/// has its own and runs every runtime call under it ([`hosted`]), so that nodes in one
/// process never share one.
#[cfg(feature = "std")]
pub struct ContractsHost {
    engine: Engine,
    lens: Engine,
    observer: Option<Box<dyn TraceObserver>>,
}

#[cfg(feature = "std")]
impl ContractsHost {
    /// Contracts on `executor` with validation `profile`, traces to `observer` (without
    /// one, dispatched executions are logged as trees, target `europa::trace`). Fails if
    /// an engine cannot be built.
    pub fn new(
        executor: Executor,
        profile: Profile,
        observer: Option<Box<dyn TraceObserver>>,
    ) -> Result<Self, String> {
        let engine_of = |executor| {
            let config = ContractsSchedule::get().sandbox_config(executor, profile);
            Engine::new(config).map_err(|e| alloc::format!("{e}"))
        };
        let engine = engine_of(executor)?;
        let lens = match executor {
            Executor::Wasmtime => engine.clone(),
            Executor::Wasmi => engine_of(Executor::Wasmtime)?,
        };
        Ok(ContractsHost {
            engine,
            lens,
            observer,
        })
    }
}

#[cfg(feature = "std")]
std::thread_local! {
    /// The host of the runtime call running on this thread.
    static HOST: core::cell::RefCell<Option<std::sync::Arc<ContractsHost>>> =
        const { core::cell::RefCell::new(None) };
}

/// Runs `call` (one runtime call, on this thread) with `host` as its node's.
#[cfg(feature = "std")]
pub fn hosted<R>(host: std::sync::Arc<ContractsHost>, call: impl FnOnce() -> R) -> R {
    /// Puts the previous host back, however `call` ends.
    struct Restore(Option<std::sync::Arc<ContractsHost>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            HOST.with(|h| *h.borrow_mut() = self.0.take());
        }
    }
    let _restore = Restore(HOST.with(|h| h.replace(Some(host))));
    call()
}

/// The host of the runtime call running on this thread, if a node hosts it.
#[cfg(feature = "std")]
fn host() -> Option<std::sync::Arc<ContractsHost>> {
    HOST.with(|h| h.borrow().clone())
}

/// The trace observer of the runtime call running on this thread, if its host has one.
#[cfg(feature = "std")]
fn with_observer<R>(f: impl FnOnce(&dyn TraceObserver) -> R) -> Option<R> {
    let host = host()?;
    host.observer.as_deref().map(f)
}

#[cfg(feature = "std")]
sp_externalities::decl_extension! {
    /// Marks a runtime call as a lens run: a re-execution on wasmtime (with DWARF) of
    /// what the chain's executor decided, to see where it happened. It decides nothing;
    /// its top-level gas limit is doubled (wasmtime counts fuel otherwise), so that it
    /// reaches the end the decisive run reached.
    pub struct WasmtimeLens(());
}

/// Whether the runtime call running now is a lens run.
#[cfg(feature = "std")]
fn is_lens_run() -> bool {
    use sp_externalities::ExternalitiesExt;
    sp_externalities::with_externalities(|mut ext| ext.extension::<WasmtimeLens>().is_some())
        .unwrap_or(false)
}

impl SandboxSource for RuntimeSandbox {
    fn engine() -> Engine {
        #[cfg(feature = "std")]
        return match (host(), is_lens_run()) {
            (Some(host), true) => host.lens.clone(),
            (Some(host), false) => host.engine.clone(),
            (None, _) => unhosted_engine(),
        };
        #[cfg(not(feature = "std"))]
        return default_engine(Executor::Wasmi);
    }

    fn is_lens() -> bool {
        #[cfg(feature = "std")]
        return is_lens_run();
        #[cfg(not(feature = "std"))]
        false
    }

    fn lens_engine() -> Engine {
        #[cfg(feature = "std")]
        return host().map_or_else(unhosted_engine, |host| host.lens.clone());
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

/// The engine of runtime calls no node hosts: one per process, built once, so that
/// they share its compiled modules.
#[cfg(feature = "std")]
fn unhosted_engine() -> Engine {
    static UNHOSTED: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    UNHOSTED
        .get_or_init(|| default_engine(Executor::Wasmtime))
        .clone()
}

/// Traces of dispatched contract executions: handed to the node's [`TraceObserver`] (or,
/// without one, logged as a tree, target `europa::trace`), and collected while
/// `ContractsTraceApi::trace_block` re-executes a block.
pub struct TraceSink;

/// Where the node wants the traces of executions nobody asked for: those dispatched in
/// blocks and, if it says so, dry runs (`ContractsApi`). It renders and logs them.
#[cfg(feature = "std")]
pub trait TraceObserver: Send + Sync {
    /// How much of a dispatched execution's trace to record; `None`: none (and its cost
    /// is not paid).
    fn dispatched_limits(&self) -> Option<TraceLimits>;
    /// Whether dry runs are traced for it.
    fn wants_dry_runs(&self) -> bool;
    /// A trace of a dispatched execution or of a dry run.
    fn observe(&self, trace: &ExecutionTrace, origin: TraceOrigin);
    /// Whether dispatched executions and dry runs are covered (each also run,
    /// instrumented, on the lens engine).
    fn wants_coverage(&self) -> bool {
        false
    }
    /// What a covered execution's code reached.
    fn observe_coverage(&self, hits: CodeHits) {
        let _ = hits;
    }
}

/// A dry-run call as it was asked for: what a debugger needs to run it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DryRunCall {
    /// The account the call was made as.
    pub origin: crate::AccountId,
    /// The contract called.
    pub dest: crate::AccountId,
    /// The balance transferred with the call.
    pub value: crate::Balance,
    /// The gas limit; `None`: the most a block allows.
    pub gas_limit: Option<frame_support::weights::Weight>,
    /// The most the call may charge in storage deposits; `None`: what the origin can spare,
    /// within the pallet's default limit.
    pub storage_deposit_limit: Option<crate::Balance>,
    /// The input passed to the contract (for ink!, the selector and the encoded arguments).
    pub input_data: Vec<u8>,
}

/// Where a trace the observer gets comes from.
#[cfg(feature = "std")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceOrigin {
    /// A dry run (`ContractsApi`) on the state of block `number`; `call` is what it was
    /// asked to run, for a call (an instantiation's is not kept).
    DryRun {
        /// The block whose state it ran on.
        number: crate::BlockNumber,
        /// The call it ran; `None` for an instantiation.
        call: Option<DryRunCall>,
    },
    /// Extrinsic `extrinsic` (`None`: outside any, e.g. block initialization) of block
    /// `number`, built or imported on top of `parent`.
    Block {
        /// The hash of the block it builds on.
        parent: crate::Hash,
        /// The block's number.
        number: crate::BlockNumber,
        /// The extrinsic's index in the block; `None` outside any.
        extrinsic: Option<u32>,
    },
}

/// Whether dry runs should be traced, for the observer.
pub fn dry_runs_observed() -> bool {
    #[cfg(feature = "std")]
    return with_observer(|observer| observer.wants_dry_runs()).unwrap_or(false);
    #[cfg(not(feature = "std"))]
    false
}

/// Hands a dry run's trace to the observer, with the call it ran when it was one.
pub fn observe_dry_run(trace: &ExecutionTrace, call: Option<DryRunCall>) {
    #[cfg(feature = "std")]
    with_observer(|observer| {
        let number = frame_system::Pallet::<crate::Runtime>::block_number();
        observer.observe(trace, TraceOrigin::DryRun { number, call });
    });
    #[cfg(not(feature = "std"))]
    let _ = (trace, call);
}

/// The code stored under `hash`, as uploaded (for the observer, which runs inside the
/// execution that produced a trace).
pub fn stored_code(hash: &crate::Hash) -> Option<Vec<u8>> {
    pallet_europa_contracts::PristineCode::<crate::Runtime>::get(hash).map(|code| code.into_inner())
}

/// What the traces of one block may hold together: each is bounded by the pallet's
/// `TraceLimits`, and a block of many executions shares this budget.
pub const BLOCK_TRACE_LIMITS: TraceLimits = TraceLimits {
    host_calls: 50_000,
    frames: 5_000,
    events: 5_000,
    value_bytes: 4 * 1024,
    total_value_bytes: 16 * 1024 * 1024,
};

/// Traces being collected: by extrinsic index, and what is left of the block's budget.
#[cfg(feature = "std")]
struct Collecting {
    index: u32,
    /// Only this item's executions are traced (the others run untraced and unlogged).
    only: Option<u32>,
    /// Whether the traces carry gas profiles, and how they are instrumented.
    profile: Option<Profiling>,
    traces: Vec<(u32, ExecutionTrace)>,
    left: TraceLimits,
}

#[cfg(feature = "std")]
std::thread_local! {
    static COLLECTING: core::cell::RefCell<Option<Collecting>> = const { core::cell::RefCell::new(None) };
    /// Set while a trace API re-executes a dry run (which coverage does not count).
    static REPLAYING: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Runs `f`, a re-execution for a trace API: what it runs is not covered again.
pub fn replaying<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(feature = "std")]
    {
        let before = REPLAYING.with(|r| r.replace(true));
        let result = f();
        REPLAYING.with(|r| r.set(before));
        result
    }
    #[cfg(not(feature = "std"))]
    f()
}

impl OnTrace for TraceSink {
    fn on_trace(trace: &ExecutionTrace) {
        #[cfg(feature = "std")]
        {
            let collected = COLLECTING.with(|c| {
                let mut collecting = c.borrow_mut();
                let collecting = collecting.as_mut()?;
                collecting.left = collecting.left.less(trace);
                collecting.traces.push((collecting.index, trace.clone()));
                Some(())
            });
            if collected.is_none() {
                let observed = with_observer(|observer| {
                    type System = frame_system::Pallet<crate::Runtime>;
                    let origin = TraceOrigin::Block {
                        parent: System::parent_hash(),
                        number: System::block_number(),
                        extrinsic: System::extrinsic_index(),
                    };
                    observer.observe(trace, origin)
                });
                if observed.is_none() {
                    log::info!(target: "europa::trace", "contract execution\n{trace}");
                }
            }
        }
        #[cfg(not(feature = "std"))]
        let _ = trace;
    }

    /// Executions the chain runs (not re-runs for traces, not lens runs) are covered
    /// when the observer asks.
    fn coverage() -> bool {
        #[cfg(feature = "std")]
        return with_observer(|observer| observer.wants_coverage()).unwrap_or(false)
            && !is_lens_run()
            && !REPLAYING.with(|r| r.get())
            && COLLECTING.with(|c| c.borrow().is_none());
        #[cfg(not(feature = "std"))]
        false
    }

    fn on_coverage(hits: CodeHits) {
        #[cfg(feature = "std")]
        with_observer(|observer| observer.observe_coverage(hits));
        #[cfg(not(feature = "std"))]
        let _ = hits;
    }

    /// Profiles are wanted when the block is re-executed for them.
    fn profile() -> Option<Profiling> {
        #[cfg(feature = "std")]
        return COLLECTING.with(|c| c.borrow().as_ref().and_then(|c| c.profile.clone()));
        #[cfg(not(feature = "std"))]
        None
    }

    /// Traces are wanted while a block is re-executed for them (within what is left of
    /// [`BLOCK_TRACE_LIMITS`]), or when the log shows them (`-l europa::trace=warn` turns
    /// them off, and with them their cost).
    fn trace_limits() -> Option<TraceLimits> {
        #[cfg(feature = "std")]
        {
            let collecting = COLLECTING.with(|c| {
                c.borrow()
                    .as_ref()
                    .map(|c| c.only.is_none_or(|only| only == c.index).then_some(c.left))
            });
            match collecting {
                Some(left) => left.map(|left| TraceLimits::default().min(left)),
                None => {
                    with_observer(|observer| observer.dispatched_limits()).unwrap_or_else(|| {
                        log::log_enabled!(target: "europa::trace", log::Level::Info)
                            .then(TraceLimits::default)
                    })
                }
            }
        }
        #[cfg(not(feature = "std"))]
        None
    }
}

/// Runs `apply` on each of `items` (numbered), returning the traces of the contract
/// executions each dispatched, by number; they share [`BLOCK_TRACE_LIMITS`]. Without
/// `std` there are none.
pub fn collect_traces<I>(
    items: impl IntoIterator<Item = (u32, I)>,
    apply: impl FnMut(I),
) -> Vec<(u32, ExecutionTrace)> {
    collect(None, None, items, apply)
}

/// [`collect_traces`] for the item numbered `only`: the others run untraced.
pub fn collect_traces_of<I>(
    only: u32,
    profile: Option<Profiling>,
    items: impl IntoIterator<Item = (u32, I)>,
    apply: impl FnMut(I),
) -> Vec<ExecutionTrace> {
    collect(Some(only), profile, items, apply)
        .into_iter()
        .map(|(_, trace)| trace)
        .collect()
}

fn collect<I>(
    only: Option<u32>,
    profile: Option<Profiling>,
    items: impl IntoIterator<Item = (u32, I)>,
    mut apply: impl FnMut(I),
) -> Vec<(u32, ExecutionTrace)> {
    #[cfg(feature = "std")]
    {
        let previous = COLLECTING.with(|c| {
            c.replace(Some(Collecting {
                index: 0,
                only,
                profile,
                traces: Vec::new(),
                left: BLOCK_TRACE_LIMITS,
            }))
        });
        for (index, item) in items {
            COLLECTING.with(|c| {
                if let Some(collecting) = c.borrow_mut().as_mut() {
                    collecting.index = index;
                }
            });
            apply(item);
        }
        COLLECTING
            .with(|c| c.replace(previous))
            .map(|collecting| collecting.traces)
            .unwrap_or_default()
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = (only, profile);
        items.into_iter().for_each(|(_, item)| apply(item));
        Vec::new()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use pallet_europa_contracts::trace::{Bytes, EntryPoint, FrameTrace, HostCall, Outcome};

    /// A trace of one frame that made `host_calls` calls.
    fn trace_with(host_calls: u32) -> ExecutionTrace {
        let call = HostCall::new("seal0.caller");
        ExecutionTrace {
            root: Some(FrameTrace {
                depth: 1,
                entry: EntryPoint::Call,
                caller: Bytes::default(),
                contract: Bytes::default(),
                code_hash: Bytes::default(),
                selector: None,
                args: Bytes::default(),
                value: 0,
                gas_limit: Default::default(),
                gas_consumed: Default::default(),
                storage_deposit: 0,
                host_calls: alloc::vec![call; host_calls as usize],
                events: Vec::new(),
                debug_message: Default::default(),
                outcome: Outcome::Failed {
                    error: Default::default(),
                },
                nested: Vec::new(),
                profile: None,
                decoded: None,
                explanation: None,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn the_traces_of_a_block_share_one_budget() {
        let traces = collect_traces((0..8u32).map(|index| (index, ())), |()| {
            // Each execution records as much as it is allowed.
            let limits = TraceSink::trace_limits().expect("collecting wants traces");
            TraceSink::on_trace(&trace_with(limits.host_calls));
        });
        let held: Vec<(u32, u32)> = traces
            .iter()
            .map(|(index, trace)| (*index, trace.held().host_calls))
            .collect();
        let whole = TraceLimits::default().host_calls;
        assert_eq!(BLOCK_TRACE_LIMITS.host_calls, 5 * whole);
        assert_eq!(
            held,
            [
                (0, whole),
                (1, whole),
                (2, whole),
                (3, whole),
                (4, whole),
                (5, 0),
                (6, 0),
                (7, 0)
            ]
        );
    }
}
