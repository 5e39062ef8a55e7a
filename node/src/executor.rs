//! Runs the runtime natively (DESIGN D1): runtime API calls go straight to the
//! dispatcher that `impl_runtime_apis!` generates, inside the call's externalities.

use europa_runtime::{apis::api, configs::RUNTIME_UPGRADE_REFUSED, VERSION};
use sc_executor::error::{Error, Result};
use sp_core::traits::{CallContext, CodeExecutor, Externalities, ReadRuntimeVersion, RuntimeCode};
use sp_version::RuntimeVersion;

/// Placeholder stored under `:code`: the client keys runtime code by its hash, but the
/// code that runs is the runtime compiled into this binary.
pub const NATIVE_CODE_PLACEHOLDER: &[u8] = b"europa: the runtime is executed natively";

#[derive(Clone, Copy, Default)]
pub struct NativeExecutor;

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
        // `with_externalities_safe` also turns a panic in the runtime into an error for
        // this one call instead of the process-wide abort sc-cli installs.
        let result = sc_executor::with_externalities_safe(ext, || api::dispatch(method, data))
            .and_then(|output| output.ok_or_else(|| Error::MethodNotFound(method.to_owned())));
        (result, true)
    }
}

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
