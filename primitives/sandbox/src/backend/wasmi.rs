//! The wasmi executor: an interpreter with fuel metering that also builds without `std`.

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

impl ::wasmi::errors::HostError for HostError {}

pub(crate) struct WasmiEngine {
    engine: ::wasmi::Engine,
    limits: Limits,
    compilations: AtomicU64,
}

impl WasmiEngine {
    pub fn new(config: &SandboxConfig) -> Result<Self, Error> {
        if config.features.contains(WasmFeature::Threads) {
            return Err(Error::Config(
                "wasmi does not support the threads feature".to_string(),
            ));
        }
        let mut wasmi_config = ::wasmi::Config::default();
        wasmi_config
            .consume_fuel(true)
            .set_max_recursion_depth(config.limits.max_call_depth as usize)
            // Validation already enforced the configured feature set; these only have
            // to admit it.
            .floats(true)
            .wasm_bulk_memory(true)
            .wasm_sign_extension(true)
            .wasm_multi_value(true)
            .wasm_reference_types(true)
            .wasm_simd(true);
        Ok(WasmiEngine {
            engine: ::wasmi::Engine::new(&wasmi_config),
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
    ) -> Result<Box<dyn BackendInstance>, Error> {
        let module = ::wasmi::Module::new(&self.engine, code)
            .map_err(|e| Error::InvalidModule(e.to_string()))?;
        self.compilations.fetch_add(1, Ordering::Relaxed);
        let limits = ::wasmi::StoreLimitsBuilder::new()
            .memory_size((u64::from(self.limits.max_memory_pages) * PAGE_SIZE) as usize)
            .table_elements(self.limits.max_table_elements as usize)
            .build();
        let mut store = ::wasmi::Store::new(
            &self.engine,
            StoreData {
                scope: None,
                limits,
                memory: None,
            },
        );
        store.limiter(|data| &mut data.limits);
        store.set_fuel(fuel).map_err(executor_error)?;

        let mut externs: Vec<::wasmi::Extern> = Vec::with_capacity(imports.len());
        for import in imports {
            externs.push(match &import.item {
                ImportItem::Func { signature, index } => {
                    host_func(&mut store, signature.clone(), *index, trampoline).into()
                }
                ImportItem::Memory(memory) => {
                    let ty = ::wasmi::MemoryType::new(memory.initial(), memory.maximum());
                    let memory = ::wasmi::Memory::new(&mut store, ty).map_err(executor_error)?;
                    store.data_mut().memory = Some(memory);
                    memory.into()
                }
            });
        }

        // wasmi wants imports grouped by kind (its own order), not in module order.
        let externs = module
            .imports()
            .map(|wanted| {
                imports
                    .iter()
                    .position(|i| i.module == wanted.module() && i.field == wanted.name())
                    .map(|position| externs[position])
                    .ok_or_else(|| {
                        Error::Executor(format!(
                            "import `{}.{}` was not resolved",
                            wanted.module(),
                            wanted.name()
                        ))
                    })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        store.data_mut().scope = Some(scope);
        let instance = ::wasmi::Instance::new(&mut store, &module, &externs);
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
    use ::wasmi::TrapCode as Code;
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
    })
}

/// wasmi reports active segments that do not fit as instantiation errors; the WASM
/// spec (and wasmtime) call them traps.
fn segment_trap(error: &::wasmi::Error) -> Option<::wasmi::TrapCode> {
    use ::wasmi::errors::{ErrorKind, InstantiationError, MemoryError, TableError};
    match error.kind() {
        ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. })
        | ErrorKind::Table(TableError::InitOutOfBounds) => {
            Some(::wasmi::TrapCode::TableOutOfBounds)
        }
        ErrorKind::Memory(MemoryError::OutOfBoundsAccess) => {
            Some(::wasmi::TrapCode::MemoryOutOfBounds)
        }
        _ => None,
    }
}

fn executor_error(error: ::wasmi::Error) -> Error {
    Error::Executor(error.to_string())
}

fn val_type(ty: ValueType) -> ::wasmi::ValType {
    match ty {
        ValueType::I32 => ::wasmi::ValType::I32,
        ValueType::I64 => ::wasmi::ValType::I64,
        ValueType::F32 => ::wasmi::ValType::F32,
        ValueType::F64 => ::wasmi::ValType::F64,
    }
}

fn value_type(ty: &::wasmi::ValType) -> Option<ValueType> {
    Some(match ty {
        ::wasmi::ValType::I32 => ValueType::I32,
        ::wasmi::ValType::I64 => ValueType::I64,
        ::wasmi::ValType::F32 => ValueType::F32,
        ::wasmi::ValType::F64 => ValueType::F64,
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
        Value::F32(bits) => ::wasmi::Val::F32(::wasmi::F32::from_bits(bits)),
        Value::F64(bits) => ::wasmi::Val::F64(::wasmi::F64::from_bits(bits)),
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
