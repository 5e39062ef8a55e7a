//! The wasmi executor: wasmi 0.32, the interpreter production pallet-contracts 51
//! runs, configured as it configures it for execution (lazy compilation, whose fuel
//! counts, and its fuel costs), so that fuel here is fuel there. It also builds
//! without `std`.

use alloc::{boxed::Box, format, string::ToString, vec::Vec};
use core::sync::atomic::{AtomicU64, Ordering};

use super::{
    check_arguments, check_host_result, BackendEngine, BackendInstance, ImportItem, ImportSpec,
};
use crate::{
    config::{Limits, SandboxConfig, WasmFeature},
    error::{Error, Limit, Trap, TrapKind},
    host::{CallerAccess, MemoryView, PAGE_SIZE},
    scoped_state::{ScopePtr, Trampoline},
    value::{HostError, Signature, Value, ValueType},
};

impl ::wasmi::core::HostError for HostError {}

pub(crate) struct WasmiEngine {
    /// Every instance gets an engine of its own, as upstream builds one per execution:
    /// a contract's host call may run another contract, and a wasmi engine must not be
    /// entered again while it executes.
    config: ::wasmi::Config,
    limits: Limits,
    compilations: AtomicU64,
}

impl WasmiEngine {
    pub(crate) fn new(config: &SandboxConfig) -> Result<Self, Error> {
        if config.features.contains(WasmFeature::Threads) {
            return Err(Error::Config(
                "wasmi does not support the threads feature".to_string(),
            ));
        }
        if config.features.contains(WasmFeature::Simd) {
            return Err(Error::Config(
                "wasmi 0.32 does not support the simd feature".to_string(),
            ));
        }
        // wasmi's default value stack, with the configured recursion depth.
        let stack =
            ::wasmi::StackLimits::new(1024, 1024 * 1024, config.limits.max_call_depth as usize)
                .map_err(|e| Error::Config(e.to_string()))?;
        let mut wasmi_config = ::wasmi::Config::default();
        wasmi_config
            .consume_fuel(true)
            .compilation_mode(::wasmi::CompilationMode::Lazy)
            .set_stack_limits(stack)
            // Validation already enforced the configured feature set; these only have
            // to admit it.
            .floats(true)
            .wasm_saturating_float_to_int(true)
            .wasm_mutable_global(true)
            .wasm_bulk_memory(true)
            .wasm_sign_extension(true)
            .wasm_multi_value(true)
            .wasm_reference_types(true);
        Ok(WasmiEngine {
            config: wasmi_config,
            limits: config.limits,
            compilations: AtomicU64::new(0),
        })
    }
}

struct StoreData {
    scope: Option<ScopePtr>,
    limits: ::wasmi::StoreLimits,
    memory: Option<::wasmi::Memory>,
}

impl BackendEngine for WasmiEngine {
    fn instantiate(
        &self,
        code: &[u8],
        imports: &[ImportSpec],
        trampoline: Trampoline,
        scope: ScopePtr,
        fuel: u64,
        profile: Option<&crate::Instrumentation<'_>>,
    ) -> Result<Box<dyn BackendInstance>, Error> {
        if profile.is_some() {
            return Err(Error::Config(
                "gas profiles need the wasmtime executor".into(),
            ));
        }
        // SAFETY: `Engine::validate`/`Instance::new` ran the sandbox's validation over
        // this exact code (wasmparser, with a feature set this engine admits) before
        // any backend sees it, which is what wasmi's unchecked loading requires. As
        // upstream, loading it unchecked also makes its lazy compilation cost the fuel
        // upstream's does.
        let engine = ::wasmi::Engine::new(&self.config);
        let module = unsafe { ::wasmi::Module::new_unchecked(&engine, code) }
            .map_err(|e| Error::InvalidModule(e.to_string()))?;
        self.compilations.fetch_add(1, Ordering::Relaxed);
        let limits = ::wasmi::StoreLimitsBuilder::new()
            .memory_size((u64::from(self.limits.max_memory_pages) * PAGE_SIZE) as usize)
            .table_elements(self.limits.max_table_elements)
            .build();
        let mut store = ::wasmi::Store::new(
            &engine,
            StoreData {
                scope: None,
                limits,
                memory: None,
            },
        );
        store.limiter(|data| &mut data.limits);
        store.set_fuel(fuel).map_err(executor_error)?;

        let mut linker = ::wasmi::Linker::<StoreData>::new(&engine);
        for import in imports {
            let item: ::wasmi::Extern = match &import.item {
                ImportItem::Func { signature, index } => {
                    host_func(&mut store, signature.clone(), *index, trampoline).into()
                }
                ImportItem::Memory(memory) => {
                    let ty = ::wasmi::MemoryType::new(memory.initial(), memory.maximum())
                        .map_err(executor_error)?;
                    let memory = ::wasmi::Memory::new(&mut store, ty).map_err(executor_error)?;
                    store.data_mut().memory = Some(memory);
                    memory.into()
                }
            };
            linker
                .define(&import.module, &import.field, item)
                .map_err(executor_error)?;
        }

        store.data_mut().scope = Some(scope);
        let instance = linker
            .instantiate(&mut store, &module)
            .and_then(|pre| pre.start(&mut store));
        store.data_mut().scope = None;
        let instance = instance.map_err(|e| convert_error(e, &self.limits))?;
        if store.data().memory.is_none() {
            store.data_mut().memory = instance.get_memory(&store, "memory");
        }
        Ok(Box::new(WasmiInstance {
            store,
            instance,
            limits: self.limits,
        }))
    }

    fn compilations(&self) -> u64 {
        self.compilations.load(Ordering::Relaxed)
    }
}

fn host_func(
    store: &mut ::wasmi::Store<StoreData>,
    signature: Signature,
    index: usize,
    trampoline: Trampoline,
) -> ::wasmi::Func {
    let ty = ::wasmi::FuncType::new(
        signature.params.iter().copied().map(val_type),
        signature.results.iter().copied().map(val_type),
    );
    ::wasmi::Func::new(store, ty, move |mut caller, params, results| {
        let scope = caller
            .data()
            .scope
            .ok_or_else(|| ::wasmi::Error::new("host function called outside an invocation"))?;
        let args = params
            .iter()
            .map(from_val)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ::wasmi::Error::new("host function received a non-numeric argument"))?;
        let returned = trampoline(scope, index, &mut caller, &args)
            .and_then(|r| check_host_result(&signature, &r));
        match returned {
            Ok(Some(value)) => {
                results[0] = to_val(value);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(error) => Err(::wasmi::Error::host(error)),
        }
    })
}

impl CallerAccess for ::wasmi::Caller<'_, StoreData> {
    fn memory(&mut self) -> Option<&mut [u8]> {
        let memory = self.data().memory?;
        Some(memory.data_mut(self))
    }

    fn fuel(&self) -> u64 {
        self.get_fuel().unwrap_or(0)
    }

    fn set_fuel(&mut self, fuel: u64) {
        // Fuel is enabled on every engine we build, so this cannot fail.
        let _ = ::wasmi::Caller::set_fuel(self, fuel);
    }
}

struct WasmiInstance {
    store: ::wasmi::Store<StoreData>,
    instance: ::wasmi::Instance,
    limits: Limits,
}

impl BackendInstance for WasmiInstance {
    fn invoke(&mut self, name: &str, args: &[Value], scope: ScopePtr) -> Result<Vec<Value>, Error> {
        let func = self
            .instance
            .get_func(&self.store, name)
            .ok_or_else(|| Error::ExportNotFound(name.to_string()))?;
        let ty = func.ty(&self.store);
        let signature = signature_of(&ty).ok_or_else(|| {
            Error::Executor(format!(
                "export `{name}` has non-numeric parameters or results"
            ))
        })?;
        check_arguments(name, signature, args)?;
        let params: Vec<::wasmi::Val> = args.iter().copied().map(to_val).collect();
        let mut results = alloc::vec![::wasmi::Val::I32(0); ty.results().len()];

        self.store.data_mut().scope = Some(scope);
        let outcome = func.call(&mut self.store, &params, &mut results);
        self.store.data_mut().scope = None;
        outcome.map_err(|e| convert_error(e, &self.limits))?;

        results
            .iter()
            .map(from_val)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Error::Executor(format!("export `{name}` returned a non-numeric value")))
    }

    fn global(&mut self, name: &str) -> Option<Value> {
        let global = self.instance.get_global(&self.store, name)?;
        from_val(&global.get(&self.store))
    }

    fn memory(&mut self) -> Option<MemoryView<'_>> {
        let memory = self.store.data().memory?;
        Some(MemoryView::new(memory.data_mut(&mut self.store)))
    }

    fn fuel(&self) -> u64 {
        self.store.get_fuel().unwrap_or(0)
    }

    fn set_fuel(&mut self, fuel: u64) {
        let _ = self.store.set_fuel(fuel);
    }
}

fn convert_error(error: ::wasmi::Error, limits: &Limits) -> Error {
    if let Some(host) = error.downcast_ref::<HostError>() {
        return Error::Host(host.clone());
    }
    let Some(code) = error.as_trap_code().or_else(|| segment_trap(&error)) else {
        return executor_error(error);
    };
    use ::wasmi::core::TrapCode as Code;
    let kind = match code {
        Code::OutOfFuel => return Error::OutOfFuel,
        Code::StackOverflow => {
            return Error::LimitExceeded(Limit::CallStack {
                max_depth: limits.max_call_depth,
            })
        }
        Code::UnreachableCodeReached => TrapKind::Unreachable,
        Code::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        Code::TableOutOfBounds => TrapKind::TableOutOfBounds,
        Code::IndirectCallToNull => TrapKind::IndirectCallToNull,
        Code::BadSignature => TrapKind::BadSignature,
        Code::IntegerOverflow => TrapKind::IntegerOverflow,
        Code::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        Code::BadConversionToInteger => TrapKind::BadConversionToInteger,
        other => TrapKind::Other(other.to_string()),
    };
    Error::Trap(Trap {
        kind,
        backtrace: Vec::new(),
        omitted_frames: 0,
        debug_info_ignored: None,
    })
}

/// wasmi reports active segments that do not fit as instantiation errors; the WASM
/// spec (and wasmtime) call them traps.
fn segment_trap(error: &::wasmi::Error) -> Option<::wasmi::core::TrapCode> {
    use ::wasmi::errors::{ErrorKind, InstantiationError, MemoryError, TableError};
    match error.kind() {
        ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. })
        | ErrorKind::Table(TableError::CopyOutOfBounds) => {
            Some(::wasmi::core::TrapCode::TableOutOfBounds)
        }
        ErrorKind::Memory(MemoryError::OutOfBoundsAccess) => {
            Some(::wasmi::core::TrapCode::MemoryOutOfBounds)
        }
        _ => None,
    }
}

fn executor_error(error: impl core::fmt::Display) -> Error {
    Error::Executor(error.to_string())
}

fn val_type(ty: ValueType) -> ::wasmi::core::ValType {
    match ty {
        ValueType::I32 => ::wasmi::core::ValType::I32,
        ValueType::I64 => ::wasmi::core::ValType::I64,
        ValueType::F32 => ::wasmi::core::ValType::F32,
        ValueType::F64 => ::wasmi::core::ValType::F64,
    }
}

fn value_type(ty: &::wasmi::core::ValType) -> Option<ValueType> {
    Some(match ty {
        ::wasmi::core::ValType::I32 => ValueType::I32,
        ::wasmi::core::ValType::I64 => ValueType::I64,
        ::wasmi::core::ValType::F32 => ValueType::F32,
        ::wasmi::core::ValType::F64 => ValueType::F64,
        _ => return None,
    })
}

fn signature_of(ty: &::wasmi::FuncType) -> Option<Signature> {
    Some(Signature {
        params: ty.params().iter().map(value_type).collect::<Option<_>>()?,
        results: ty.results().iter().map(value_type).collect::<Option<_>>()?,
    })
}

fn to_val(value: Value) -> ::wasmi::Val {
    match value {
        Value::I32(v) => ::wasmi::Val::I32(v),
        Value::I64(v) => ::wasmi::Val::I64(v),
        Value::F32(bits) => ::wasmi::Val::F32(::wasmi::core::F32::from_bits(bits)),
        Value::F64(bits) => ::wasmi::Val::F64(::wasmi::core::F64::from_bits(bits)),
    }
}

fn from_val(val: &::wasmi::Val) -> Option<Value> {
    Some(match val {
        ::wasmi::Val::I32(v) => Value::I32(*v),
        ::wasmi::Val::I64(v) => Value::I64(*v),
        ::wasmi::Val::F32(v) => Value::F32(v.to_bits()),
        ::wasmi::Val::F64(v) => Value::F64(v.to_bits()),
        _ => return None,
    })
}
