//! The environment a module is instantiated in: host functions and imported memory.

use alloc::{boxed::Box, collections::BTreeMap, string::String, vec::Vec};

use crate::{
    error::{Error, LinkError, MemoryLimits},
    host::FunctionContext,
    validation::{ImportKind, ModuleInfo},
    value::{HostError, ReturnValue, Signature, Value},
};

/// A host function. It gets the host state and the instance's memory through the
/// context, and the call's arguments, already checked against its [`Signature`].
pub type HostFuncType<T> =
    fn(&mut FunctionContext<'_, T>, &[Value]) -> Result<ReturnValue, HostError>;

/// A linear memory the host provides to a module as an import. The memory itself is
/// created inside the instance; read and write it through
/// [`FunctionContext::memory`] or [`Instance::memory`](crate::Instance::memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    limits: MemoryLimits,
}

impl Memory {
    /// A memory of `initial` pages that may grow to `maximum` pages (64 KiB each).
    pub fn new(initial: u32, maximum: Option<u32>) -> Result<Memory, Error> {
        if maximum.is_some_and(|max| max < initial) {
            return Err(Error::Config(alloc::format!(
                "memory maximum of {} pages is below its initial {} pages",
                maximum.unwrap_or_default(),
                initial
            )));
        }
        if initial > MAX_PAGES || maximum.is_some_and(|max| max > MAX_PAGES) {
            return Err(Error::Config(alloc::format!(
                "a 32-bit memory has at most {MAX_PAGES} pages"
            )));
        }
        Ok(Memory {
            limits: MemoryLimits { initial, maximum },
        })
    }

    /// The size the memory starts with, in pages.
    pub fn initial(&self) -> u32 {
        self.limits.initial
    }

    /// The size the memory may grow to, in pages; with `None`, only
    /// [`Limits::max_memory_pages`](crate::Limits::max_memory_pages) bounds it.
    pub fn maximum(&self) -> Option<u32> {
        self.limits.maximum
    }

    pub(crate) fn limits(&self) -> MemoryLimits {
        self.limits
    }
}

const MAX_PAGES: u32 = 65536;

enum Definition<T> {
    Func {
        signature: Signature,
        func: HostFuncType<T>,
    },
    Memory(Memory),
    /// A memory of whatever size the module imports, up to a number of pages.
    MemoryAsImported {
        max_pages: u32,
    },
}

/// The host functions and memories a module may import, by module and field name.
pub struct EnvironmentDefinitionBuilder<T> {
    /// By module, then field: lookups borrow the import's names.
    definitions: BTreeMap<String, BTreeMap<String, Definition<T>>>,
}

impl<T> Default for EnvironmentDefinitionBuilder<T> {
    fn default() -> Self {
        EnvironmentDefinitionBuilder {
            definitions: BTreeMap::new(),
        }
    }
}

impl<T> EnvironmentDefinitionBuilder<T> {
    /// An environment that defines nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Defines `module.field` as a host function of the given signature, replacing any
    /// earlier definition of that name.
    pub fn add_host_func(
        &mut self,
        module: impl Into<String>,
        field: impl Into<String>,
        signature: Signature,
        func: HostFuncType<T>,
    ) -> &mut Self {
        self.define(
            module.into(),
            field.into(),
            Definition::Func { signature, func },
        )
    }

    /// Every host function defined, as (module, field, signature), in name order.
    pub fn host_functions(&self) -> impl Iterator<Item = (&str, &str, &Signature)> {
        self.definitions.iter().flat_map(|(module, fields)| {
            fields
                .iter()
                .filter_map(move |(field, definition)| match definition {
                    Definition::Func { signature, .. } => {
                        Some((module.as_str(), field.as_str(), signature))
                    }
                    _ => None,
                })
        })
    }

    /// Defines `module.field` as an imported memory, replacing any earlier definition.
    pub fn add_memory(
        &mut self,
        module: impl Into<String>,
        field: impl Into<String>,
        memory: Memory,
    ) -> &mut Self {
        self.define(module.into(), field.into(), Definition::Memory(memory))
    }

    /// Defines `module.field` as an imported memory shaped like the module's import:
    /// its initial size, and its maximum (or `max_pages` when it declares none). A
    /// module asking for more than `max_pages` does not link.
    pub fn add_memory_as_imported(
        &mut self,
        module: impl Into<String>,
        field: impl Into<String>,
        max_pages: u32,
    ) -> &mut Self {
        self.define(
            module.into(),
            field.into(),
            Definition::MemoryAsImported { max_pages },
        )
    }

    fn define(&mut self, module: String, field: String, definition: Definition<T>) -> &mut Self {
        self.definitions
            .entry(module)
            .or_default()
            .insert(field, definition);
        self
    }

    /// Matches every import of the module with a definition, in import order.
    pub(crate) fn resolve(&self, module: &ModuleInfo) -> Result<Vec<Resolved<T>>, Error> {
        module
            .imports
            .iter()
            .map(|import| {
                let link_error = |reason| Error::Link {
                    module: import.module.clone(),
                    field: import.field.clone(),
                    reason,
                };
                let definition = self
                    .definitions
                    .get(import.module.as_str())
                    .and_then(|fields| fields.get(import.field.as_str()))
                    .ok_or_else(|| link_error(LinkError::Missing))?;
                match (&import.kind, definition) {
                    (ImportKind::Func(imported), Definition::Func { signature, func }) => {
                        if imported != signature {
                            return Err(link_error(LinkError::SignatureMismatch {
                                imported: Box::new(imported.clone()),
                                defined: Box::new(signature.clone()),
                            }));
                        }
                        Ok(Resolved::Func {
                            signature: signature.clone(),
                            func: *func,
                        })
                    }
                    (ImportKind::Memory(imported), Definition::Memory(memory)) => {
                        if !memory_satisfies(memory.limits(), *imported) {
                            return Err(link_error(LinkError::MemoryMismatch {
                                imported: *imported,
                                defined: memory.limits(),
                            }));
                        }
                        Ok(Resolved::Memory(*memory))
                    }
                    (ImportKind::Memory(imported), Definition::MemoryAsImported { max_pages }) => {
                        let maximum = imported.maximum.unwrap_or(*max_pages);
                        let too_large = MemoryLimits {
                            initial: imported.initial.min(*max_pages),
                            maximum: Some(*max_pages),
                        };
                        if imported.initial > *max_pages || maximum > *max_pages {
                            return Err(link_error(LinkError::MemoryMismatch {
                                imported: *imported,
                                defined: too_large,
                            }));
                        }
                        Ok(Resolved::Memory(Memory::new(
                            imported.initial,
                            Some(maximum),
                        )?))
                    }
                    (ImportKind::Other(kind), _) => Err(link_error(LinkError::Unsupported(kind))),
                    (
                        ImportKind::Func(_),
                        Definition::Memory(_) | Definition::MemoryAsImported { .. },
                    ) => Err(link_error(LinkError::KindMismatch {
                        imported: "function",
                        defined: "memory",
                    })),
                    (ImportKind::Memory(_), Definition::Func { .. }) => {
                        Err(link_error(LinkError::KindMismatch {
                            imported: "memory",
                            defined: "function",
                        }))
                    }
                }
            })
            .collect()
    }
}

/// An import matched with what the environment provides for it.
pub(crate) enum Resolved<T> {
    Func {
        signature: Signature,
        func: HostFuncType<T>,
    },
    Memory(Memory),
}

/// The WASM import-matching rule for memories: at least the minimum the module asks
/// for, and a maximum no larger than the module's (if it declares one).
fn memory_satisfies(defined: MemoryLimits, imported: MemoryLimits) -> bool {
    defined.initial >= imported.initial
        && match (imported.maximum, defined.maximum) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(imported_max), Some(defined_max)) => defined_max <= imported_max,
        }
}
