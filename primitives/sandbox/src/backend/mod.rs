//! The executors behind the one sandbox API. Each backend turns validated code and
//! resolved imports into a running instance; everything executor-neutral (validation,
//! linking, host state) happens before, in the crate root.

use alloc::{boxed::Box, string::String, vec::Vec};

use crate::{
    env::Memory,
    error::Error,
    host::MemoryView,
    scoped_state::{ScopePtr, Trampoline},
    value::{Signature, Value},
};

pub(crate) mod wasmi;
#[cfg(feature = "std")]
pub(crate) mod wasmtime;

/// An import, resolved against the environment, without the host state type.
pub(crate) struct ImportSpec {
    pub module: String,
    pub field: String,
    pub item: ImportItem,
}

pub(crate) enum ImportItem {
    /// Host function number `index` of the instance's function table.
    Func {
        signature: Signature,
        index: usize,
    },
    Memory(Memory),
}

pub(crate) trait BackendEngine: Send + Sync {
    /// Instantiates validated `code` with `fuel`, running its start function under
    /// `scope` on that fuel; the instance keeps what the start function left. With
    /// `profile`, the instance records where its fuel goes, by source line where the
    /// given offsets of line starts allow, and what it reached (wasmtime only).
    fn instantiate(
        &self,
        code: &[u8],
        imports: &[ImportSpec],
        trampoline: Trampoline,
        scope: ScopePtr,
        fuel: u64,
        profile: Option<&crate::Instrumentation<'_>>,
    ) -> Result<Box<dyn BackendInstance>, Error>;

    /// How many modules this engine has compiled so far.
    fn compilations(&self) -> u64;
}

pub(crate) trait BackendInstance: Send {
    fn invoke(&mut self, name: &str, args: &[Value], scope: ScopePtr) -> Result<Vec<Value>, Error>;
    fn global(&mut self, name: &str) -> Option<Value>;
    fn memory(&mut self) -> Option<MemoryView<'_>>;
    fn fuel(&self) -> u64;
    fn set_fuel(&mut self, fuel: u64);
    /// The profile recorded so far, for an instance instantiated to profile.
    fn take_profile(&mut self) -> Option<crate::Profile> {
        None
    }
}

/// Checks call arguments against an export's signature.
pub(crate) fn check_arguments(
    name: &str,
    expected: Signature,
    args: &[Value],
) -> Result<(), Error> {
    let got: Vec<_> = args.iter().map(Value::value_type).collect();
    if got != expected.params {
        let got = Signature {
            params: got,
            results: expected.results.clone(),
        };
        return Err(Error::ArgumentMismatch {
            name: String::from(name),
            expected: Box::new(expected),
            got: Box::new(got),
        });
    }
    Ok(())
}

/// Checks what a host function returned against its declared signature.
pub(crate) fn check_host_result(
    signature: &Signature,
    result: &crate::ReturnValue,
) -> Result<Option<Value>, crate::HostError> {
    let value = match result {
        crate::ReturnValue::Unit => None,
        crate::ReturnValue::Value(value) => Some(*value),
    };
    let types: Vec<_> = value.iter().map(Value::value_type).collect();
    if types != signature.results {
        return Err(crate::HostError::new(alloc::format!(
            "host function returned {:?}, its signature declares {signature}",
            value
        )));
    }
    Ok(value)
}
