//! The engine (executor + configuration, shared by every instance) and instances.

use alloc::{boxed::Box, string::String, sync::Arc, vec::Vec};

use crate::{
    backend::{self, BackendEngine, BackendInstance, ImportItem, ImportSpec},
    config::{Executor, SandboxConfig},
    env::{EnvironmentDefinitionBuilder, HostFuncType, Resolved},
    error::Error,
    host::MemoryView,
    scoped_state::{trampoline, Scope},
    validation,
    value::Value,
};

/// A configured executor. Cheap to clone; clones share the executor and its module
/// cache, and may be used from many threads at once.
#[derive(Clone)]
pub struct Engine {
    config: SandboxConfig,
    backend: Arc<dyn BackendEngine>,
    /// Modules already validated by this engine, by code hash: instantiating known
    /// code again skips validation.
    #[cfg(feature = "std")]
    validated: Arc<crate::cache::ModuleCache<Arc<validation::ModuleInfo>>>,
}

impl Engine {
    /// Sets up the configured executor. Fails with [`Error::Config`] when it cannot honour
    /// the configuration (wasmi with SIMD or threads allowed).
    pub fn new(config: SandboxConfig) -> Result<Engine, Error> {
        let backend: Arc<dyn BackendEngine> = match config.executor {
            #[cfg(feature = "std")]
            Executor::Wasmtime => Arc::new(backend::wasmtime::WasmtimeEngine::new(&config)?),
            Executor::Wasmi => Arc::new(backend::wasmi::WasmiEngine::new(&config)?),
        };
        Ok(Engine {
            #[cfg(feature = "std")]
            validated: Arc::new(crate::cache::ModuleCache::new(
                config.module_cache_capacity,
                usize::MAX,
            )),
            config,
            backend,
        })
    }

    /// Validates `code`, or finds it validated before.
    fn validated(&self, code: &[u8]) -> Result<Arc<validation::ModuleInfo>, Error> {
        // What validation keeps is small next to compiled code: entries bound it.
        let validate = || {
            validation::validate(code, self.config.features, &self.config.limits)
                .map(|info| (Arc::new(info), 0))
        };
        #[cfg(feature = "std")]
        return self.validated.get_or_compile(code, validate);
        #[cfg(not(feature = "std"))]
        return validate().map(|(info, _)| info);
    }

    /// The configuration the engine was made with.
    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// The executor the engine runs code on.
    pub fn executor(&self) -> Executor {
        self.config.executor
    }

    /// How many modules this engine has compiled. On wasmtime a cached module is not
    /// compiled again; wasmi translates on every instantiation.
    pub fn compilations(&self) -> u64 {
        self.backend.compilations()
    }

    /// Checks code against the engine's features and limits without running it.
    pub fn validate(&self, code: &[u8]) -> Result<(), Error> {
        validation::validate(code, self.config.features, &self.config.limits).map(|_| ())
    }

    /// Validates `code`, checks that `env` satisfies every import, and describes the
    /// module: its exports, its imported memory and the WASM features beyond 1.0 it
    /// uses. Nothing runs.
    pub fn inspect<T>(
        &self,
        code: &[u8],
        env: &EnvironmentDefinitionBuilder<T>,
    ) -> Result<ModuleReport, Error> {
        let module = self.validated(code)?;
        env.resolve(&module)?;
        let imported_memory = module.imports.iter().find_map(|import| match import.kind {
            validation::ImportKind::Memory(limits) => Some(limits),
            _ => None,
        });
        let imported_functions = module
            .imports
            .iter()
            .filter(|import| matches!(import.kind, validation::ImportKind::Func(_)))
            .map(|import| (import.module.clone(), import.field.clone()))
            .collect();
        Ok(ModuleReport {
            exports: module.exports.clone(),
            imported_functions,
            imported_memory,
            features_used: validation::required_features(code),
        })
    }
}

/// What [`Engine::inspect`] found out about a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleReport {
    /// Every export, in the module's order.
    pub exports: Vec<validation::Export>,
    /// The functions the module imports, as (module, name).
    pub imported_functions: Vec<(String, String)>,
    /// The limits of the memory the module imports, if it imports one.
    pub imported_memory: Option<crate::error::MemoryLimits>,
    /// The features beyond WASM 1.0 integer code that the module needs.
    pub features_used: crate::config::WasmFeatures,
}

/// A module instantiated in an environment, with host state of type `T` lent to its
/// host functions during each call.
pub struct Instance<T> {
    funcs: Vec<HostFuncType<T>>,
    backend: Box<dyn BackendInstance>,
}

impl<T> Instance<T> {
    /// Validates, links and instantiates `code`, running its start function (if any)
    /// with `state` and the engine's `start_fuel`.
    pub fn new(
        engine: &Engine,
        code: &[u8],
        env: &EnvironmentDefinitionBuilder<T>,
        state: &mut T,
    ) -> Result<Instance<T>, Error> {
        Self::with_fuel(engine, code, env, state, engine.config.limits.start_fuel)
    }

    /// Like [`Instance::new`], with `fuel` for the start function and the calls after
    /// it: the start function is paid for like any other code, and
    /// [`Instance::fuel_remaining`] tells what it left.
    pub fn with_fuel(
        engine: &Engine,
        code: &[u8],
        env: &EnvironmentDefinitionBuilder<T>,
        state: &mut T,
        fuel: u64,
    ) -> Result<Instance<T>, Error> {
        Self::instantiate(engine, code, env, state, fuel, None)
    }

    /// Like [`Instance::with_fuel`], recording where the fuel goes (a deterministic
    /// profile, taken with [`Instance::take_profile`]) without changing how much is
    /// burnt: by function and host function, by source line where the instrumentation
    /// gives the offsets in `code` of the instructions that start one, and what ran in
    /// which order as it asks. wasmtime only.
    pub fn profiled(
        engine: &Engine,
        code: &[u8],
        env: &EnvironmentDefinitionBuilder<T>,
        state: &mut T,
        fuel: u64,
        instrumentation: &crate::Instrumentation<'_>,
    ) -> Result<Instance<T>, Error> {
        Self::instantiate(engine, code, env, state, fuel, Some(instrumentation))
    }

    fn instantiate(
        engine: &Engine,
        code: &[u8],
        env: &EnvironmentDefinitionBuilder<T>,
        state: &mut T,
        fuel: u64,
        profile: Option<&crate::Instrumentation<'_>>,
    ) -> Result<Instance<T>, Error> {
        let limits = &engine.config.limits;
        let module = engine.validated(code)?;
        let mut funcs = Vec::new();
        let mut imports = Vec::with_capacity(module.imports.len());
        let resolved = env.resolve(&module)?;
        for (import, resolved) in module.imports.iter().zip(resolved) {
            let item = match resolved {
                Resolved::Func { signature, func } => {
                    funcs.push(func);
                    ImportItem::Func {
                        signature,
                        index: funcs.len() - 1,
                    }
                }
                Resolved::Memory(memory) => {
                    validation::check_memory_pages(memory.initial().into(), limits)?;
                    ImportItem::Memory(memory)
                }
            };
            imports.push(ImportSpec {
                module: import.module.clone(),
                field: import.field.clone(),
                item,
            });
        }
        let mut scope = Scope {
            state,
            funcs: &funcs,
        };
        let backend = engine.backend.instantiate(
            code,
            &imports,
            trampoline::<T>(),
            scope.ptr(),
            fuel,
            profile,
        )?;
        Ok(Instance { funcs, backend })
    }

    /// Calls the exported function `name`, lending `state` to host functions for the
    /// duration of the call. Returns the function's results.
    pub fn invoke(
        &mut self,
        name: &str,
        args: &[Value],
        state: &mut T,
    ) -> Result<Vec<Value>, Error> {
        let mut scope = Scope {
            state,
            funcs: &self.funcs,
        };
        self.backend.invoke(name, args, scope.ptr())
    }

    /// The value of the exported global `name`, if there is one of a numeric type.
    pub fn get_global_val(&mut self, name: &str) -> Option<Value> {
        self.backend.global(name)
    }

    /// The instance's linear memory: the imported one, else the export named `memory`.
    pub fn memory(&mut self) -> Option<MemoryView<'_>> {
        self.backend.memory()
    }

    /// Sets the fuel available to the next calls.
    pub fn set_fuel(&mut self, fuel: u64) {
        self.backend.set_fuel(fuel)
    }

    /// Where the fuel went so far, for an instance made with [`Instance::profiled`];
    /// the profile ends here.
    pub fn take_profile(&mut self) -> Option<crate::Profile> {
        self.backend.take_profile()
    }

    /// Fuel left; after a call, the budget minus this is what the call consumed.
    pub fn fuel_remaining(&self) -> u64 {
        self.backend.fuel()
    }
}
