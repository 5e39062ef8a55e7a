//! The wasmtime executor: Cranelift JIT, a compiled-module cache, fuel metering and
//! DWARF-aware backtraces.

use alloc::{
    boxed::Box,
    format,
    string::{String, ToString},
    vec::Vec,
};

use ::wasmtime as wt;

use super::{
    check_arguments, check_host_result, BackendEngine, BackendInstance, ImportItem, ImportSpec,
};
use crate::{
    cache::ModuleCache,
    config::{Limits, SandboxConfig, WasmFeature},
    debug_info::{self, DebugLimits},
    error::{Error, Frame, Limit, SourceLocation, Trap, TrapKind, MAX_BACKTRACE_FRAMES},
    host::{CallerAccess, MemoryView, PAGE_SIZE},
    metering::{self, Layout},
    profiling::{self, Recorder},
    scoped_state::{ScopePtr, Trampoline},
    value::{HostError, Signature, Value, ValueType},
};

pub(crate) struct WasmtimeEngine {
    engine: wt::Engine,
    cache: ModuleCache<Compiled>,
    limits: Limits,
    /// Host function types by signature: made once, since making one registers it with
    /// the engine (a lock and an allocation) and every instantiation needs each import's.
    func_types: std::sync::Mutex<std::collections::HashMap<Signature, wt::FuncType>>,
}

/// A compiled module, and how its code differs from the code it was given.
#[derive(Clone)]
struct Compiled {
    module: wt::Module,
    /// Set when bulk instructions were metered (see `metering`).
    metering: Option<Layout>,
    /// Set when instrumented for profiling: the index of the first profiling hook.
    hooks_at: Option<u32>,
    /// Why the code's DWARF was hidden from wasmtime, if it was.
    debug_info_ignored: Option<alloc::sync::Arc<str>>,
}

impl WasmtimeEngine {
    /// Meters `code`'s bulk instructions (wasmtime charges each one unit of fuel
    /// whatever its length) and compiles it. DWARF over [`debug_info`]'s limits is
    /// hidden from wasmtime, whose trap symbolization would read it unbounded.
    fn compile(&self, code: &[u8]) -> Result<(Compiled, usize), Error> {
        let checked = debug_info::check(code, &DebugLimits::default());
        let debug_info_ignored = checked.err().map(|error| error.to_string().into());
        let hidden;
        let code = if debug_info_ignored.is_some() {
            hidden = debug_info::without_dwarf(code);
            &hidden[..]
        } else {
            code
        };
        let metered = metering::meter_bulk_instructions(code).map_err(Error::InvalidModule)?;
        let binary = metered.as_ref().map_or(code, |m| &m.code[..]);
        let module = wt::Module::from_binary(&self.engine, binary)
            .map_err(|e| Error::InvalidModule(format!("{e:#}")))?;
        // The compiled image is what the module keeps in memory.
        let image = module.image_range();
        let bytes = (image.end as usize)
            .saturating_sub(image.start as usize)
            .max(binary.len());
        let metering = metered.map(|m| m.layout);
        Ok((
            Compiled {
                module,
                metering,
                hooks_at: None,
                debug_info_ignored,
            },
            bytes,
        ))
    }
}

impl WasmtimeEngine {
    pub(crate) fn new(config: &SandboxConfig) -> Result<Self, Error> {
        let stack_bytes = config.limits.wasmtime_stack_bytes();
        let mut wasmtime_config = wt::Config::new();
        wasmtime_config
            .consume_fuel(true)
            .wasm_backtrace(true)
            .wasm_backtrace_details(wt::WasmBacktraceDetails::Enable)
            .max_wasm_stack(stack_bytes)
            .wasm_threads(config.features.contains(WasmFeature::Threads))
            // Floats must give the same bits as on wasmi, whatever the host CPU.
            .cranelift_nan_canonicalization(true);
        let engine =
            wt::Engine::new(&wasmtime_config).map_err(|e| Error::Config(format!("{e:#}")))?;
        Ok(WasmtimeEngine {
            engine,
            cache: ModuleCache::new(config.module_cache_capacity, config.module_cache_bytes),
            limits: config.limits,
            func_types: Default::default(),
        })
    }

    /// The wasmtime type of a host function with `signature`.
    fn func_type(&self, signature: &Signature) -> wt::FuncType {
        // The map is only ever extended by whole inserts: a poisoned lock is still sound.
        let mut types = self
            .func_types
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        types
            .entry(signature.clone())
            .or_insert_with(|| {
                wt::FuncType::new(
                    &self.engine,
                    signature.params.iter().copied().map(val_type),
                    signature.results.iter().copied().map(val_type),
                )
            })
            .clone()
    }
}

/// What the store carries besides the instance.
struct StoreData {
    scope: Option<ScopePtr>,
    limits: GrowthMeter,
    memory: Option<wt::Memory>,
    /// Where the fuel goes, when profiling.
    profile: Option<Recorder>,
}

impl StoreData {
    /// The store's fuel less what memory growth still owes.
    fn fuel_after_growth(&self, store_fuel: u64) -> u64 {
        store_fuel.saturating_sub(self.limits.owed_fuel)
    }
}

/// The store's limits, which also price memory growth as wasmi does: one unit of fuel
/// per [`metering::MEMORY_BYTES_PER_FUEL`] bytes a successful `memory.grow` adds
/// (wasmtime charges the instruction one unit). wasmtime gives a limiter no access to
/// the fuel, so the price is owed and taken whenever the fuel is next read.
struct GrowthMeter {
    limits: wt::StoreLimits,
    owed_fuel: u64,
    /// The price of the growth in progress, returned if it fails.
    pending: u64,
    /// Whether the memory exists: wasmtime asks the limiter for its initial pages too,
    /// and those are the host's to give (a module has one memory at most).
    memory_created: bool,
}

impl wt::ResourceLimiter for GrowthMeter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wt::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        if !core::mem::replace(&mut self.memory_created, true) {
            return Ok(allowed);
        }
        if allowed {
            let added = desired.saturating_sub(current) as u64;
            self.pending = added / u64::from(metering::MEMORY_BYTES_PER_FUEL);
            self.owed_fuel = self.owed_fuel.saturating_add(self.pending);
        }
        Ok(allowed)
    }

    fn memory_grow_failed(&mut self, error: wt::Error) -> wt::Result<()> {
        self.owed_fuel = self
            .owed_fuel
            .saturating_sub(core::mem::take(&mut self.pending));
        self.limits.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wt::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wt::Error) -> wt::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

impl BackendEngine for WasmtimeEngine {
    fn instantiate(
        &self,
        code: &[u8],
        imports: &[ImportSpec],
        trampoline: Trampoline,
        scope: ScopePtr,
        fuel: u64,
        profile: Option<&crate::Instrumentation<'_>>,
    ) -> Result<Box<dyn BackendInstance>, Error> {
        let compiled = match profile {
            None => self.cache.get_or_compile(code, || self.compile(code))?,
            Some(instrumentation) => {
                // Cached under the code and how it is instrumented, so that executions
                // instrumented alike (coverage: all of them) rewrite it once.
                let key = instrumented_key(code, instrumentation);
                self.cache.get_or_compile(&key, || {
                    let instrumented = profiling::instrument(code, instrumentation)
                        .map_err(Error::InvalidModule)?;
                    let (compiled, bytes) = self.compile(&instrumented.code)?;
                    let hooks_at = Some(instrumented.hooks_at);
                    Ok((
                        Compiled {
                            hooks_at,
                            ..compiled
                        },
                        bytes,
                    ))
                })?
            }
        };
        let limits = wt::StoreLimitsBuilder::new()
            .memory_size((u64::from(self.limits.max_memory_pages) * PAGE_SIZE) as usize)
            .table_elements(self.limits.max_table_elements as usize)
            .build();
        let mut store = wt::Store::new(
            &self.engine,
            StoreData {
                scope: None,
                limits: GrowthMeter {
                    limits,
                    owed_fuel: 0,
                    pending: 0,
                    memory_created: false,
                },
                memory: None,
                profile: profile.map(|p| Recorder::new(fuel, p.max_steps, p.capture.map(|c| c.at))),
            },
        );
        store.limiter(|data| &mut data.limits);
        store.set_fuel(fuel).map_err(executor_error)?;

        let mut externs: Vec<wt::Extern> = Vec::with_capacity(imports.len());
        for import in imports {
            externs.push(match &import.item {
                ImportItem::Func { signature, index } => {
                    let name = format!("{}.{}", import.module, import.field);
                    let ty = self.func_type(signature);
                    host_func(&mut store, ty, signature.clone(), *index, trampoline, name).into()
                }
                ImportItem::Memory(memory) => {
                    let ty = wt::MemoryType::new(memory.initial(), memory.maximum());
                    let memory = wt::Memory::new(&mut store, ty).map_err(executor_error)?;
                    store.data_mut().memory = Some(memory);
                    memory.into()
                }
            });
        }

        if profile.is_some() {
            externs.push(profiling_hook(&mut store, Recorder::enter).into());
            externs.push(profiling_hook(&mut store, Recorder::leave).into());
            externs.push(profiling_hook(&mut store, Recorder::line).into());
            externs.push(profiling_hook(&mut store, Recorder::reach).into());
            externs.push(profiling_hook(&mut store, Recorder::site).into());
            externs.push(capture_hook::<i32>(&mut store, Value::I32).into());
            externs.push(capture_hook::<i64>(&mut store, Value::I64).into());
            externs.push(capture_hook::<f32>(&mut store, |v| Value::F32(v.to_bits())).into());
            externs.push(capture_hook::<f64>(&mut store, |v| Value::F64(v.to_bits())).into());
        }

        store.data_mut().scope = Some(scope);
        let instance = wt::Instance::new(&mut store, &compiled.module, &externs);
        store.data_mut().scope = None;
        let instance = instance.map_err(|e| convert_error(e, &self.limits, &compiled))?;
        if store.data().memory.is_none() {
            store.data_mut().memory = instance.get_memory(&mut store, "memory");
        }
        Ok(Box::new(WasmtimeInstance {
            store,
            instance,
            limits: self.limits,
            compiled,
        }))
    }

    fn compilations(&self) -> u64 {
        self.cache.compilations()
    }
}

fn host_func(
    store: &mut wt::Store<StoreData>,
    ty: wt::FuncType,
    signature: Signature,
    index: usize,
    trampoline: Trampoline,
    name: String,
) -> wt::Func {
    wt::Func::new(store, ty, move |mut caller, params, results| {
        let scope = caller
            .data()
            .scope
            .ok_or_else(|| wt::Error::msg("host function called outside an invocation"))?;
        let args = params
            .iter()
            .map(from_val)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| wt::Error::msg("host function received a non-numeric argument"))?;
        if caller.data().profile.is_some() {
            let fuel = CallerAccess::fuel(&caller);
            if let Some(profile) = &mut caller.data_mut().profile {
                profile.host_start(&name, fuel);
            }
            keep_snapshot_if_due(&mut caller)?;
        }
        let returned = trampoline(scope, index, &mut caller, &args)
            .and_then(|r| check_host_result(&signature, &r));
        if caller.data().profile.is_some() {
            let fuel = CallerAccess::fuel(&caller);
            if let Some(profile) = &mut caller.data_mut().profile {
                profile.host_end(&name, fuel);
            }
        }
        match returned {
            Ok(Some(value)) => {
                results[0] = to_val(value);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(error) => Err(wt::Error::new(error)),
        }
    })
}

impl CallerAccess for wt::Caller<'_, StoreData> {
    fn memory(&mut self) -> Option<&mut [u8]> {
        let memory = self.data().memory?;
        Some(memory.data_mut(self))
    }

    fn fuel(&self) -> u64 {
        self.data().fuel_after_growth(self.get_fuel().unwrap_or(0))
    }

    fn set_fuel(&mut self, fuel: u64) {
        // Fuel is enabled on every engine we build, so this cannot fail.
        let _ = wt::Caller::set_fuel(self, fuel);
        self.data_mut().limits.owed_fuel = 0;
    }
}

struct WasmtimeInstance {
    store: wt::Store<StoreData>,
    instance: wt::Instance,
    limits: Limits,
    compiled: Compiled,
}

impl BackendInstance for WasmtimeInstance {
    fn invoke(&mut self, name: &str, args: &[Value], scope: ScopePtr) -> Result<Vec<Value>, Error> {
        let func = self
            .instance
            .get_func(&mut self.store, name)
            .ok_or_else(|| Error::ExportNotFound(name.to_string()))?;
        let ty = func.ty(&self.store);
        let signature = signature_of(&ty).ok_or_else(|| {
            Error::Executor(format!(
                "export `{name}` has non-numeric parameters or results"
            ))
        })?;
        check_arguments(name, signature, args)?;
        let params: Vec<wt::Val> = args.iter().copied().map(to_val).collect();
        let mut results = alloc::vec![wt::Val::I32(0); ty.results().len()];

        self.store.data_mut().scope = Some(scope);
        let outcome = func.call(&mut self.store, &params, &mut results);
        self.store.data_mut().scope = None;
        outcome.map_err(|e| convert_error(e, &self.limits, &self.compiled))?;

        results
            .iter()
            .map(from_val)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Error::Executor(format!("export `{name}` returned a non-numeric value")))
    }

    fn global(&mut self, name: &str) -> Option<Value> {
        let global = self.instance.get_global(&mut self.store, name)?;
        from_val(&global.get(&mut self.store))
    }

    fn memory(&mut self) -> Option<MemoryView<'_>> {
        let memory = self.store.data().memory?;
        Some(MemoryView::new(memory.data_mut(&mut self.store)))
    }

    fn fuel(&self) -> u64 {
        self.store
            .data()
            .fuel_after_growth(self.store.get_fuel().unwrap_or(0))
    }

    fn set_fuel(&mut self, fuel: u64) {
        let _ = self.store.set_fuel(fuel);
        self.store.data_mut().limits.owed_fuel = 0;
    }

    fn take_profile(&mut self) -> Option<crate::Profile> {
        let fuel = BackendInstance::fuel(self);
        let recorder = self.store.data_mut().profile.take()?;
        Some(recorder.finish(fuel))
    }
}

/// What the compiled-module cache keeps an instrumented module under: the code, then
/// how it is instrumented. The cache compares whole keys, and a key that is not WASM
/// never meets one that is.
fn instrumented_key(code: &[u8], instrumentation: &crate::Instrumentation<'_>) -> Vec<u8> {
    let mut key = Vec::with_capacity(code.len() + 8 + 4 * instrumentation.line_starts.len());
    key.extend_from_slice(code);
    key.extend_from_slice(b"\0europa-instrumented");
    key.push(u8::from(instrumentation.every_block));
    for start in instrumentation.line_starts {
        key.extend_from_slice(&start.to_le_bytes());
    }
    // The capture's point does not change the module; the functions captured do.
    if let Some(capture) = &instrumentation.capture {
        key.extend_from_slice(b"\0capture");
        for function in capture.functions {
            key.extend_from_slice(&function.to_le_bytes());
        }
    }
    key
}

/// Keeps the profile's snapshot, with the memory as it is now, when its point was just
/// reached; then stops the instance (a trap): a run for a snapshot has nothing more to
/// show, and its caller discards the rest of the execution.
fn keep_snapshot_if_due(caller: &mut wt::Caller<'_, StoreData>) -> wt::Result<()> {
    if !caller
        .data()
        .profile
        .as_ref()
        .is_some_and(Recorder::snapshot_due)
    {
        return Ok(());
    }
    let memory = caller
        .data()
        .memory
        .map(|memory| memory.data(&*caller).to_vec())
        .unwrap_or_default();
    if let Some(profile) = &mut caller.data_mut().profile {
        profile.keep_snapshot(&memory);
    }
    Err(wt::Error::msg(profiling::SNAPSHOT_TAKEN))
}

/// A capture hook (`europa_profile.capture_*`): keeps a local's or global's value, and
/// gives back the fuel of the instructions that passed it.
fn capture_hook<T: wt::WasmTy + 'static>(
    store: &mut wt::Store<StoreData>,
    value: fn(T) -> Value,
) -> wt::Func {
    wt::Func::wrap(
        store,
        move |mut caller: wt::Caller<'_, StoreData>, index: i32, argument: T| {
            let raw = caller.get_fuel().unwrap_or(0);
            if let Some(profile) = &mut caller.data_mut().profile {
                profile.capture(index as u32, value(argument));
            }
            let _ = caller.set_fuel(raw.saturating_add(profiling::FUEL_PER_CAPTURE));
        },
    )
}

/// A profiling hook (`europa_profile.enter`, `.leave`, `.line` or `.reach`): records the fuel as
/// it was before the hook's own instructions, and gives those back.
fn profiling_hook(
    store: &mut wt::Store<StoreData>,
    record: fn(&mut Recorder, u32, u64),
) -> wt::Func {
    wt::Func::wrap(
        store,
        move |mut caller: wt::Caller<'_, StoreData>, argument: i32| {
            let raw = caller.get_fuel().unwrap_or(0);
            let before_hook = raw.saturating_add(profiling::FUEL_PER_HOOK);
            let fuel = caller.data().fuel_after_growth(before_hook);
            if let Some(profile) = &mut caller.data_mut().profile {
                record(profile, argument as u32, fuel);
            }
            keep_snapshot_if_due(&mut caller)?;
            let _ = caller.set_fuel(before_hook);
            Ok(())
        },
    )
}

fn convert_error(error: wt::Error, limits: &Limits, compiled: &Compiled) -> Error {
    if let Some(host) = error.downcast_ref::<HostError>() {
        return Error::Host(host.clone());
    }
    let Some(trap) = error.downcast_ref::<wt::Trap>() else {
        return executor_error(error);
    };
    let kind = match trap {
        wt::Trap::OutOfFuel => return Error::OutOfFuel,
        wt::Trap::StackOverflow => {
            return Error::LimitExceeded(Limit::CallStack {
                max_depth: limits.max_call_depth,
            })
        }
        wt::Trap::UnreachableCodeReached => TrapKind::Unreachable,
        wt::Trap::MemoryOutOfBounds | wt::Trap::HeapMisaligned => TrapKind::MemoryOutOfBounds,
        wt::Trap::TableOutOfBounds => TrapKind::TableOutOfBounds,
        wt::Trap::IndirectCallToNull => TrapKind::IndirectCallToNull,
        wt::Trap::BadSignature => TrapKind::BadSignature,
        wt::Trap::IntegerOverflow => TrapKind::IntegerOverflow,
        wt::Trap::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        wt::Trap::BadConversionToInteger => TrapKind::BadConversionToInteger,
        wt::Trap::NullReference => TrapKind::NullReference,
        other => TrapKind::Other(other.to_string()),
    };
    let mut backtrace = error
        .downcast_ref::<wt::WasmBacktrace>()
        .map(|backtrace| backtrace_frames(backtrace, compiled))
        .unwrap_or_default();
    let omitted_frames = backtrace.len().saturating_sub(MAX_BACKTRACE_FRAMES);
    backtrace.truncate(MAX_BACKTRACE_FRAMES);
    Error::Trap(Trap {
        kind,
        backtrace,
        omitted_frames,
        debug_info_ignored: compiled.debug_info_ignored.as_deref().map(Into::into),
    })
}

fn executor_error(error: wt::Error) -> Error {
    Error::Executor(format!("{error:#}"))
}

/// Flattens wasmtime's frames, expanding DWARF inline chains into one frame each. A
/// metering helper's frame is left out: its caller's frame is at the instruction the
/// helper stands for. Offsets are the given code's, except in code instrumented for
/// profiling (whose function indices are mapped back, and offsets are its own).
fn backtrace_frames(backtrace: &wt::WasmBacktrace, compiled: &Compiled) -> Vec<Frame> {
    let metering = compiled.metering;
    let mut frames = Vec::new();
    for frame in backtrace.frames() {
        let func_index = match compiled.hooks_at {
            Some(hooks) if frame.func_index() >= hooks + profiling::HOOKS => {
                frame.func_index() - profiling::HOOKS
            }
            _ => frame.func_index(),
        };
        if metering.is_some_and(|m| func_index >= m.original_functions) {
            continue;
        }
        let code_shift = metering.map_or(0, |m| m.code_shift);
        let module_offset = frame
            .module_offset()
            .and_then(|offset| u32::try_from(offset.checked_sub(code_shift)?).ok());
        let section_name = frame.func_name();
        let symbols = frame.symbols();
        if symbols.is_empty() {
            frames.push(Frame {
                func_index,
                func_name: section_name.map(demangle),
                module_offset,
                location: None,
                inlined: false,
            });
            continue;
        }
        let outermost = symbols.len() - 1;
        for (position, symbol) in symbols.iter().enumerate() {
            frames.push(Frame {
                func_index,
                func_name: symbol.name().or(section_name).map(demangle),
                module_offset,
                location: symbol.file().map(|file| SourceLocation {
                    file: file.to_string(),
                    line: symbol.line(),
                    column: symbol.column(),
                }),
                inlined: position < outermost,
            });
        }
    }
    frames
}

/// The longest function name a frame keeps, in bytes (names come from the contract).
const MAX_FUNCTION_NAME_BYTES: usize = 4096;

/// Demangles a Rust symbol, without its hash suffix; other names pass through. A name
/// longer than [`MAX_FUNCTION_NAME_BYTES`] is cut there first.
fn demangle(name: &str) -> String {
    let mut end = name.len().min(MAX_FUNCTION_NAME_BYTES);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:#}", rustc_demangle::demangle(&name[..end]))
}

fn val_type(ty: ValueType) -> wt::ValType {
    match ty {
        ValueType::I32 => wt::ValType::I32,
        ValueType::I64 => wt::ValType::I64,
        ValueType::F32 => wt::ValType::F32,
        ValueType::F64 => wt::ValType::F64,
    }
}

fn value_type(ty: &wt::ValType) -> Option<ValueType> {
    Some(match ty {
        wt::ValType::I32 => ValueType::I32,
        wt::ValType::I64 => ValueType::I64,
        wt::ValType::F32 => ValueType::F32,
        wt::ValType::F64 => ValueType::F64,
        _ => return None,
    })
}

fn signature_of(ty: &wt::FuncType) -> Option<Signature> {
    Some(Signature {
        params: ty.params().map(|t| value_type(&t)).collect::<Option<_>>()?,
        results: ty
            .results()
            .map(|t| value_type(&t))
            .collect::<Option<_>>()?,
    })
}

fn to_val(value: Value) -> wt::Val {
    match value {
        Value::I32(v) => wt::Val::I32(v),
        Value::I64(v) => wt::Val::I64(v),
        Value::F32(bits) => wt::Val::F32(bits),
        Value::F64(bits) => wt::Val::F64(bits),
    }
}

fn from_val(val: &wt::Val) -> Option<Value> {
    Some(match val {
        wt::Val::I32(v) => Value::I32(*v),
        wt::Val::I64(v) => Value::I64(*v),
        wt::Val::F32(bits) => Value::F32(*bits),
        wt::Val::F64(bits) => Value::F64(*bits),
        _ => return None,
    })
}
