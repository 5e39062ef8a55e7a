//! Runs the runtime natively (docs/design.md, D1): runtime API calls go straight to the
//! dispatcher that `impl_runtime_apis!` generates, inside the call's externalities, with
//! the node's contract engines and trace observer as their host.

use std::sync::Arc;

use europa_runtime::{
    apis::api,
    configs::RUNTIME_UPGRADE_REFUSED,
    contracts::{execution_stack_bytes, hosted, ContractsHost},
    input_limits::check_api_input,
    VERSION,
};
use sc_executor::error::{Error, Result};
use sp_core::traits::{CallContext, CodeExecutor, Externalities, ReadRuntimeVersion, RuntimeCode};
use sp_version::RuntimeVersion;

/// Placeholder stored under `:code`: the client keys runtime code by its hash, but the
/// code that runs is the runtime compiled into this binary.
pub const NATIVE_CODE_PLACEHOLDER: &[u8] = b"europa: the runtime is executed natively";

/// One node's executor: every runtime call runs under its [`ContractsHost`].
#[derive(Clone)]
pub struct NativeExecutor {
    host: Arc<ContractsHost>,
}

impl NativeExecutor {
    /// Runs runtime calls with `host`'s engines and observer.
    pub fn new(host: ContractsHost) -> Self {
        NativeExecutor {
            host: Arc::new(host),
        }
    }
}

impl CodeExecutor for NativeExecutor {
    type Error = Error;

    fn call(
        &self,
        ext: &mut dyn Externalities,
        _runtime_code: &RuntimeCode,
        method: &str,
        data: &[u8],
        _context: CallContext,
    ) -> (Result<Vec<u8>>, bool) {
        if let Err(refused) = check_api_input(method, data) {
            return (Err(Error::Other(refused)), true);
        }
        // A caller that records the call's storage operations (a re-executed extrinsic
        // for `europa_extrinsicStateChanges`) gets them back on its own thread.
        let result = if crate::recording::wanted() {
            let mut recording = crate::recording::Recording::new(ext);
            let result = execute(&self.host, &mut recording, method, data);
            crate::recording::deliver(recording.operations);
            result
        } else {
            execute(&self.host, ext, method, data)
        };
        (result, true)
    }
}

/// Dispatches runtime API `method` natively, on a thread of its own, under `host`.
fn execute(
    host: &Arc<ContractsHost>,
    ext: &mut dyn Externalities,
    method: &str,
    data: &[u8],
) -> Result<Vec<u8>> {
    let ext = ExternalitiesOnLoan(ext);
    let host = host.clone();
    on_execution_thread(method, move || {
        let ext = ext;
        // `with_externalities_safe` also turns a panic in the runtime into an error
        // for this one call instead of the process-wide abort sc-cli installs.
        hosted(host, || {
            sc_executor::with_externalities_safe(ext.0, || api::dispatch(method, data))
        })
    })
    .and_then(|output| output.ok_or_else(|| Error::MethodNotFound(method.to_owned())))
}

/// Runs `call` on a thread of its own with the stack the runtime asks for
/// ([`execution_stack_bytes`]), whichever thread (an RPC worker, the block builder)
/// wants the runtime: contracts and outside data choose how deep execution goes, so
/// the stack is sized for the deepest legal execution rather than left to chance.
fn on_execution_thread<R: Send>(
    method: &str,
    call: impl FnOnce() -> Result<R> + Send,
) -> Result<R> {
    // The runtime's figure is a constant; work it out once, not on every call.
    static STACK_BYTES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let stack_bytes = *STACK_BYTES.get_or_init(execution_stack_bytes);
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("runtime".into())
            .stack_size(stack_bytes)
            .spawn_scoped(scope, call)
            .map_err(|e| Error::Other(format!("cannot start a thread for {method}: {e}")))?
            .join()
            .unwrap_or_else(|_| Err(Error::Other(format!("{method} panicked"))))
    })
}

/// The externalities of a runtime call, lent to the thread that executes it.
struct ExternalitiesOnLoan<'a>(&'a mut dyn Externalities);

// SAFETY: the lending thread waits in `on_execution_thread` until the borrowing thread
// is done, so the externalities are only ever used by one thread at a time, and they
// keep no thread-bound state (the thread-local externalities environment is set up
// on the executing thread by `with_externalities_safe`).
unsafe impl Send for ExternalitiesOnLoan<'_> {}

/// Asked only by `System.set_code` (through `sp_io::misc::runtime_version`) about the
/// code it would install: this executor cannot run any code but its own, so the
/// upgrade fails here, before the runtime's own refusal would.
impl ReadRuntimeVersion for NativeExecutor {
    fn read_runtime_version(
        &self,
        _wasm_code: &[u8],
        _ext: &mut dyn Externalities,
    ) -> std::result::Result<Vec<u8>, String> {
        log::error!(target: "europa", "System.set_code refused: {RUNTIME_UPGRADE_REFUSED}");
        Err(RUNTIME_UPGRADE_REFUSED.to_owned())
    }
}

impl sc_executor::RuntimeVersionOf for NativeExecutor {
    fn runtime_version(
        &self,
        _ext: &mut dyn Externalities,
        _runtime_code: &RuntimeCode,
    ) -> Result<RuntimeVersion> {
        Ok(VERSION)
    }
}
