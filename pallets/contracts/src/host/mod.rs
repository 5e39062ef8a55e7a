//! The host functions contracts import (`seal0`, `seal1`, `seal2`, memory from
//! `env`), with upstream's signatures, semantics and return codes.
//!
//! Each host function is declared once with [`declare::host_functions!`] (module,
//! name, flags, typed parameters and result, body). Every one runs through
//! [`host_fn`], which charges the fuel the contract burnt since the last host call
//! plus the function's base weight, refuses a mutating function in a read-only call,
//! records the call into the frame's trace (arguments, return code, output, gas,
//! error), and turns a [`Stop`] into the sandbox error that unwinds the contract.

mod calls;
mod crypto;
pub(crate) mod declare;
mod events;
mod info;
mod storage;
mod transient;
mod xcm;

use alloc::{format, string::String, vec::Vec};
use codec::{Decode, DecodeLimit, MaxEncodedLen};
use core::fmt::Display;
use europa_sandbox::{FunctionContext, HostError, ReturnValue, Signature, Value};
use frame_support::{traits::Get, weights::Weight};
use pallet_contracts_uapi::ReturnErrorCode;

pub(crate) use self::declare::Returned;
use self::declare::{Declaration, Flags, Output, Stability};
use crate::{
    costs::Cost,
    exec::{describe, Env, Stack, Stop},
    recorder::Recorder,
    schedule::Schedule,
    trace::{Bytes, HostCall},
    Config, Error,
};

/// `u32::MAX` as an output pointer means "I don't want the output".
pub(crate) const SENTINEL: u32 = u32::MAX;

pub(crate) type Ctx<'a, T> = FunctionContext<'a, Stack<T>>;
pub(crate) type HostResult = Result<ReturnValue, HostError>;

/// The environment contracts are linked against, built once per thread: it depends
/// only on the runtime's constants (memory pages, unstable interface).
pub(crate) fn shared_environment<T: Config>() -> alloc::rc::Rc<HostFunctions<T>> {
    #[cfg(feature = "std")]
    {
        use std::{any::Any, any::TypeId, cell::RefCell, collections::BTreeMap, rc::Rc};
        std::thread_local! {
            static ENVIRONMENTS: RefCell<BTreeMap<TypeId, Rc<dyn Any>>> = RefCell::new(BTreeMap::new());
        }
        ENVIRONMENTS.with(|environments| {
            let shared = environments
                .borrow_mut()
                .entry(TypeId::of::<HostFunctions<T>>())
                .or_insert_with(|| Rc::new(environment::<T>(&T::Schedule::get())))
                .clone();
            shared
                .downcast::<HostFunctions<T>>()
                .expect("entries are keyed by their own type")
        })
    }
    #[cfg(not(feature = "std"))]
    alloc::rc::Rc::new(environment::<T>(&T::Schedule::get()))
}

/// The host functions contracts are linked against.
pub(crate) struct HostFunctions<T: Config> {
    pub env: Env<T>,
    /// What `env` links, as declared.
    declared: Vec<Declaration<T>>,
}

/// A host function contracts can import, for tools and tests that compare Europa's
/// ABI with upstream's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedHostFunction {
    /// The module it is imported from, which carries its version: `seal0`, `seal1`, ...
    pub module: String,
    /// The name it is imported under (a function linked with and without the `seal_`
    /// prefix has an entry for each).
    pub name: String,
    /// Its WASM parameter and result types.
    pub signature: Signature,
    /// Linked for code already stored; new code may not import it.
    pub deprecated: bool,
    /// Fails with `StateChangeDenied` in a read-only call.
    pub mutating: bool,
    /// The doc comment it is declared with.
    pub docs: String,
}

/// Every host function contracts can import on this runtime (unstable ones included
/// when the runtime allows them), once per name it is linked under.
pub fn inventory<T: Config>() -> Vec<LinkedHostFunction> {
    let host_functions = shared_environment::<T>();
    let mut inventory: Vec<_> = host_functions
        .declared
        .iter()
        .flat_map(|declared| {
            declared.link_names().map(|name| LinkedHostFunction {
                module: declared.module.into(),
                name,
                signature: declared.signature(),
                deprecated: declared.flags.stability == Stability::Deprecated,
                mutating: declared.flags.mutating,
                docs: declared.docs.into(),
            })
        })
        .collect();
    inventory.sort_by(|a, b| (&a.module, &a.name).cmp(&(&b.module, &b.name)));
    inventory
}

impl<T: Config> HostFunctions<T> {
    /// Whether new code may no longer import `module.name` (upstream refuses such
    /// uploads; contracts stored before keep running).
    pub(crate) fn is_deprecated(&self, module: &str, name: &str) -> bool {
        self.declared.iter().any(|declared| {
            declared.flags.stability == Stability::Deprecated
                && declared.module == module
                && declared.link_names().any(|linked| linked == name)
        })
    }
}

/// The environment contracts are linked against: every declared host function the
/// runtime offers (unstable ones only when it enables them).
pub(crate) fn environment<T: Config>(schedule: &Schedule) -> HostFunctions<T> {
    let mut env = Env::<T>::new();
    env.add_memory_as_imported("env", "memory", schedule.limits.memory_pages);
    let unstable = T::UnsafeUnstableInterface::get();
    let declared: Vec<Declaration<T>> = [
        storage::declarations::<T>(),
        info::declarations::<T>(),
        calls::declarations::<T>(),
        crypto::declarations::<T>(),
        events::declarations::<T>(),
        transient::declarations::<T>(),
        xcm::declarations::<T>(),
    ]
    .into_iter()
    .flatten()
    .filter(|declared| unstable || declared.flags.stability != Stability::Unstable)
    .collect();
    for declared in &declared {
        for name in declared.link_names() {
            env.add_host_func(declared.module, name, declared.signature(), declared.func);
        }
    }
    HostFunctions { env, declared }
}

/// A host function call in progress: access to the stack and the caller's memory,
/// metering, and the trace record (`None` when the trace does not keep this call).
pub(crate) struct Host<'c, 'a, T: Config> {
    ctx: &'c mut Ctx<'a, T>,
    record: Option<HostCall>,
}

impl<T: Config> Host<'_, '_, T> {
    pub(crate) fn stack(&mut self) -> &mut Stack<T> {
        self.ctx.state()
    }

    /// Charges `cost` to the frame; returns what was charged, for [`Host::adjust`].
    pub(crate) fn charge(&mut self, cost: Cost) -> Result<Weight, Stop> {
        let weight = cost.weight::<T>();
        self.stack()
            .top_mut()
            .gas
            .charge(weight)
            .map_err(|_| Stop::Error(Error::<T>::OutOfGas.into()))?;
        Ok(weight)
    }

    /// Settles a charge made for the worst case at what `actual` costs.
    pub(crate) fn adjust(&mut self, charged: Weight, actual: Cost) {
        let actual = actual.weight::<T>();
        self.stack().top_mut().gas.adjust(charged, actual);
    }

    /// Reads `len` bytes of the contract's memory (what the copy costs is part of
    /// each function's price).
    pub(crate) fn read(&mut self, ptr: u32, len: u32) -> Result<Vec<u8>, Stop> {
        self.ctx
            .memory()
            .and_then(|memory| memory.read(ptr, len))
            .map_err(|_| Error::<T>::OutOfBounds.into())
    }

    /// Reads `len` bytes for the trace alone: nothing is charged, and memory the
    /// contract cannot read yields `None` rather than a trap.
    pub(crate) fn peek(&mut self, ptr: u32, len: u32) -> Option<Vec<u8>> {
        self.ctx
            .memory()
            .and_then(|memory| memory.read(ptr, len))
            .ok()
    }

    /// Reads a SCALE value of a bounded size (an account, a balance, a hash).
    pub(crate) fn read_as<D: Decode + MaxEncodedLen>(&mut self, ptr: u32) -> Result<D, Stop> {
        let bytes = self.read(ptr, D::max_encoded_len() as u32)?;
        D::decode_with_depth_limit(crate::MAX_DECODE_NESTING, &mut &bytes[..])
            .map_err(|_| Error::<T>::DecodingFailed.into())
    }

    pub(crate) fn read_array<const N: usize>(&mut self, ptr: u32) -> Result<[u8; N], Stop> {
        let bytes = self.read(ptr, N as u32)?;
        bytes
            .try_into()
            .map_err(|_| Error::<T>::DecodingFailed.into())
    }

    /// Writes `data` at `ptr` (no length).
    pub(crate) fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), Stop> {
        self.ctx
            .memory()
            .and_then(|mut memory| memory.set(ptr, data))
            .map_err(|_| Stop::from(Error::<T>::OutOfBounds))?;
        self.with_record(|recorder, record| record.output = Some(recorder.value(data)));
        Ok(())
    }

    /// Upstream's output convention: `out_len_ptr` holds the buffer's size on entry
    /// and the data's length on return; a buffer too small traps. With `allow_skip`,
    /// an `out_ptr` of [`SENTINEL`] skips the output.
    pub(crate) fn write_output(
        &mut self,
        out_ptr: u32,
        out_len_ptr: u32,
        data: &[u8],
        allow_skip: bool,
        copy: OutputCopy,
    ) -> Result<(), Stop> {
        if allow_skip && out_ptr == SENTINEL {
            return Ok(());
        }
        let capacity = u32::from_le_bytes(self.read_array::<4>(out_len_ptr)?);
        if capacity < data.len() as u32 {
            return Err(Error::<T>::OutputBufferTooSmall.into());
        }
        if copy == OutputCopy::Charged {
            self.charge(Cost::CopyToContract(data.len() as u32))?;
        }
        self.write(out_ptr, data)?;
        let len = (data.len() as u32).to_le_bytes();
        self.ctx
            .memory()
            .and_then(|mut memory| memory.set(out_len_ptr, &len))
            .map_err(|_| Stop::from(Error::<T>::OutOfBounds))
    }

    /// Records an argument for the trace (formatted only when the trace keeps it).
    pub(crate) fn arg(&mut self, name: &str, value: impl Display) {
        self.with_record(|recorder, record| {
            record
                .args
                .push((name.into(), recorder.text(format!("{value}"))))
        });
    }

    pub(crate) fn arg_bytes(&mut self, name: &str, bytes: &[u8]) {
        self.with_record(|recorder, record| record.args.push((name.into(), recorder.hex(bytes))));
    }

    /// Edits this call's trace record, if the trace keeps it, with the recorder that
    /// bounds what it holds.
    fn with_record(&mut self, edit: impl FnOnce(&mut Recorder, &mut HostCall)) {
        if let Some(record) = &mut self.record {
            edit(&mut self.ctx.state().recorder, record);
        }
    }
}

/// Whether [`Host::write_output`] charges for copying the output: `Charged` once the
/// buffer is known to fit, or not at all when the function's price `Covered` it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputCopy {
    Charged,
    Covered,
}

/// Runs the body of host function `name` with metering, tracing and error handling,
/// as upstream runs every host function: the fuel burnt since the last host call and
/// [`Cost::HostFn`] are charged on entry, a mutating function is refused in a
/// read-only call before its body runs, and on the way out what the body charged
/// must fit the sandbox's fuel.
pub(crate) fn host_fn<T: Config, R: Output>(
    ctx: &mut Ctx<'_, T>,
    name: &'static str,
    flags: Flags,
    body: impl FnOnce(&mut Host<'_, '_, T>) -> Result<R, Stop>,
) -> HostResult {
    let recorded = ctx.state().recorder.admit_host_call();
    let fuel = ctx.fuel_remaining();
    let frame = ctx.state().top_mut();
    let nested_before = frame.trace.nested.len();
    let out_of_gas = || Stop::Error(Error::<T>::OutOfGas.into());
    let entered = frame.gas.sync_fuel(fuel).map_err(|_| out_of_gas());
    // What the call charges, not the code that ran before it (synced just above).
    let consumed_before = frame.gas.consumed().ref_time();
    let ref_time_before = frame.gas.left().ref_time();

    let mut host = Host {
        ctx,
        record: recorded.then(|| HostCall::new(name)),
    };
    let mut result = entered
        .clone()
        .and_then(|_| host.charge(Cost::HostFn))
        .and_then(|_| {
            if flags.mutating && host.stack().is_read_only() {
                return Err(Error::<T>::StateChangeDenied.into());
            }
            body(&mut host).map(Output::into_returned)
        });
    let Host { ctx, mut record } = host;

    let frame = ctx.state().top_mut();
    if entered.is_ok() {
        if frame.gas.check_host_charges(ref_time_before).is_err() {
            result = Err(out_of_gas());
        }
        // The sandbox keeps the fuel it had on entry (clearing what the executor may
        // still owe for memory growth, which the entry charged).
        let fuel = frame.gas.fuel();
        ctx.set_fuel(fuel);
    }
    let frame = ctx.state().top_mut();
    if let Some(record) = &mut record {
        record.gas = frame
            .gas
            .consumed()
            .ref_time()
            .saturating_sub(consumed_before);
        if frame.trace.nested.len() > nested_before {
            record.nested_frame = Some(nested_before as u32);
        }
    }
    let returned = match result {
        Ok(returned) => {
            if let Some(record) = &mut record {
                match &returned {
                    Returned::Code(code) => record.code = Some(code_name(code).into()),
                    Returned::U32(value) => {
                        record.output = Some(Bytes(value.to_le_bytes().to_vec()))
                    }
                    Returned::U64(value) => {
                        record.output = Some(Bytes(value.to_le_bytes().to_vec()))
                    }
                    Returned::Unit => {}
                }
            }
            Ok(match returned {
                Returned::Unit => ReturnValue::Unit,
                Returned::Code(code) => ReturnValue::Value(Value::I32(u32::from(code) as i32)),
                Returned::U32(value) => ReturnValue::Value(Value::I32(value as i32)),
                Returned::U64(value) => ReturnValue::Value(Value::I64(value as i64)),
            })
        }
        Err(stop) => {
            let reason = stop_reason::<T>(&stop);
            if let Some(record) = &mut record {
                record.error = Some(reason.clone());
            }
            frame.stop = Some(stop);
            Err(HostError::new(reason))
        }
    };
    if let Some(record) = record {
        frame.trace.host_calls.push(record);
    }
    returned
}

fn stop_reason<T: Config>(stop: &Stop) -> String {
    match stop {
        Stop::Return { flags, .. } => format!("returned (flags {flags})"),
        Stop::Terminate { .. } => "terminated".into(),
        Stop::Error(error) => describe::<T>(error),
    }
}

pub(crate) fn code_name(code: &ReturnErrorCode) -> &'static str {
    use ReturnErrorCode::*;
    match code {
        Success => "Success",
        CalleeTrapped => "CalleeTrapped",
        CalleeReverted => "CalleeReverted",
        KeyNotFound => "KeyNotFound",
        TransferFailed => "TransferFailed",
        CodeNotFound => "CodeNotFound",
        NotCallable => "NotCallable",
        LoggingDisabled => "LoggingDisabled",
        CallRuntimeFailed => "CallRuntimeFailed",
        EcdsaRecoveryFailed => "EcdsaRecoveryFailed",
        Sr25519VerifyFailed => "Sr25519VerifyFailed",
        XcmExecutionFailed => "XcmExecutionFailed",
        XcmSendFailed => "XcmSendFailed",
        _ => "Unknown",
    }
}
