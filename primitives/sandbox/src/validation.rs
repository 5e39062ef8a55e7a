//! Checks a module before any executor sees it, so that every executor accepts and
//! rejects exactly the same code, for the same reason.

use alloc::{string::String, string::ToString, vec::Vec};

use wasmparser::{Parser, Payload, TypeRef, Validator, WasmFeatures as ParserFeatures};

use crate::{
    config::{Limits, WasmFeature, WasmFeatures},
    error::{Error, Limit, MemoryLimits},
    value::{Signature, ValueType},
};

/// What linking needs to know about a validated module.
#[derive(Clone, Debug)]
pub(crate) struct ModuleInfo {
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
}

/// An export of a module, as [`Engine::inspect`](crate::Engine::inspect) reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The name it is exported under.
    pub name: String,
    /// The function's signature, or `None` for a non-function export (memory, table,
    /// global) or a function with non-numeric types.
    pub func: Option<Signature>,
}

#[derive(Clone, Debug)]
pub(crate) struct Import {
    pub module: String,
    pub field: String,
    pub kind: ImportKind,
}

#[derive(Clone, Debug)]
pub(crate) enum ImportKind {
    Func(Signature),
    Memory(MemoryLimits),
    Other(&'static str),
}

/// Validates `code` against the allowed features and limits and describes its imports.
pub(crate) fn validate(
    code: &[u8],
    features: WasmFeatures,
    limits: &Limits,
) -> Result<ModuleInfo, Error> {
    if code.len() > limits.max_code_size {
        return Err(Error::LimitExceeded(Limit::CodeSize {
            size: code.len(),
            max: limits.max_code_size,
        }));
    }
    if let Err(error) = Validator::new_with_features(parser_features(features)).validate_all(code) {
        let message = error.to_string();
        return Err(match forbidden_feature(code, features) {
            Some(feature) => Error::ForbiddenFeature { feature, message },
            None => Error::InvalidModule(message),
        });
    }
    inspect(code, limits)
}

/// The wasmparser feature set for an allowed set of sandbox features.
pub(crate) fn parser_features(features: WasmFeatures) -> ParserFeatures {
    // GC_TYPES only lets `funcref` appear as a type (WASM 1.0 tables need it); the
    // instructions of the GC proposal stay behind `GC`.
    let mut set = ParserFeatures::MUTABLE_GLOBAL | ParserFeatures::GC_TYPES;
    for feature in features.iter() {
        set |= match feature {
            WasmFeature::Floats => ParserFeatures::FLOATS | ParserFeatures::SATURATING_FLOAT_TO_INT,
            WasmFeature::BulkMemory => ParserFeatures::BULK_MEMORY,
            WasmFeature::SignExtension => ParserFeatures::SIGN_EXTENSION,
            WasmFeature::MultiValue => ParserFeatures::MULTI_VALUE,
            WasmFeature::ReferenceTypes => ParserFeatures::REFERENCE_TYPES,
            WasmFeature::Simd => ParserFeatures::SIMD,
            WasmFeature::Threads => ParserFeatures::THREADS,
        };
    }
    set
}

/// Finds the forbidden feature a rejected module needs: the first one that, added to
/// the features already allowed (and to those found so far), makes the module valid,
/// or the first that at least moves the failure further into the module. Only runs
/// on the rejection path.
fn forbidden_feature(code: &[u8], allowed: WasmFeatures) -> Option<WasmFeature> {
    let validate = |features: WasmFeatures| -> Result<(), usize> {
        Validator::new_with_features(parser_features(features))
            .validate_all(code)
            .map(|_| ())
            .map_err(|e| e.offset())
    };
    let mut failing_at = validate(allowed).err()?;
    validate(WasmFeatures::all()).ok()?;
    let mut enabled = allowed;
    let mut first = None;
    for feature in WasmFeature::ALL
        .into_iter()
        .filter(|f| !allowed.contains(*f))
    {
        match validate(enabled.with(feature)) {
            Ok(()) => return first.or(Some(feature)),
            Err(offset) if offset > failing_at => {
                first.get_or_insert(feature);
                enabled = enabled.with(feature);
                failing_at = offset;
            }
            Err(_) => {}
        }
    }
    first
}

/// The smallest set of [`WasmFeature`]s the valid module `code` needs beyond WASM 1.0
/// integer code, found one feature at a time.
pub(crate) fn required_features(code: &[u8]) -> WasmFeatures {
    let mut needed = WasmFeatures::none();
    while Validator::new_with_features(parser_features(needed))
        .validate_all(code)
        .is_err()
    {
        match forbidden_feature(code, needed) {
            Some(feature) => needed = needed.with(feature),
            None => break,
        }
    }
    needed
}

/// Collects imports and exports and rejects memories and tables larger than the limits. Runs on valid code only.
fn inspect(code: &[u8], limits: &Limits) -> Result<ModuleInfo, Error> {
    let invalid = |e: wasmparser::BinaryReaderError| Error::InvalidModule(e.to_string());
    let mut func_types: Vec<Option<Signature>> = Vec::new();
    // The type of every function, imported ones first, for the export signatures.
    let mut func_type_of: Vec<u32> = Vec::new();
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(code) {
        match payload.map_err(invalid)? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group.map_err(invalid)?.into_types() {
                        func_types.push(match &sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(ty) => signature(ty),
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(invalid)?;
                    let kind = match import.ty {
                        TypeRef::Func(index) => {
                            func_type_of.push(index);
                            match func_types.get(index as usize).cloned().flatten() {
                                Some(signature) => ImportKind::Func(signature),
                                None => ImportKind::Other("function with non-numeric types"),
                            }
                        }
                        TypeRef::Memory(ty) => {
                            check_memory(&ty, limits)?;
                            ImportKind::Memory(memory_limits(&ty))
                        }
                        TypeRef::Table(ty) => {
                            check_table(&ty, limits)?;
                            ImportKind::Other("table")
                        }
                        TypeRef::Global(_) => ImportKind::Other("global"),
                        TypeRef::Tag(_) => ImportKind::Other("tag"),
                    };
                    imports.push(Import {
                        module: import.module.into(),
                        field: import.name.into(),
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for type_index in reader {
                    func_type_of.push(type_index.map_err(invalid)?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(invalid)?;
                    let func = match export.kind {
                        wasmparser::ExternalKind::Func => func_type_of
                            .get(export.index as usize)
                            .and_then(|ty| func_types.get(*ty as usize).cloned().flatten()),
                        _ => None,
                    };
                    exports.push(Export {
                        name: export.name.into(),
                        func,
                    });
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    check_memory(&memory.map_err(invalid)?, limits)?;
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    check_table(&table.map_err(invalid)?.ty, limits)?;
                }
            }
            _ => {}
        }
    }
    Ok(ModuleInfo { imports, exports })
}

fn check_memory(ty: &wasmparser::MemoryType, limits: &Limits) -> Result<(), Error> {
    check_memory_pages(ty.initial, limits)
}

/// Rejects a memory (declared by the module or provided by the host) that starts larger
/// than the page limit.
pub(crate) fn check_memory_pages(initial: u64, limits: &Limits) -> Result<(), Error> {
    if initial > u64::from(limits.max_memory_pages) {
        return Err(Error::LimitExceeded(Limit::MemoryPages {
            requested: initial,
            max: limits.max_memory_pages,
        }));
    }
    Ok(())
}

fn check_table(ty: &wasmparser::TableType, limits: &Limits) -> Result<(), Error> {
    if ty.initial > u64::from(limits.max_table_elements) {
        return Err(Error::LimitExceeded(Limit::TableElements {
            requested: ty.initial,
            max: limits.max_table_elements,
        }));
    }
    Ok(())
}

fn memory_limits(ty: &wasmparser::MemoryType) -> MemoryLimits {
    // Validation without memory64 guarantees 32-bit page counts.
    MemoryLimits {
        initial: ty.initial.try_into().unwrap_or(u32::MAX),
        maximum: ty.maximum.map(|max| max.try_into().unwrap_or(u32::MAX)),
    }
}

fn signature(ty: &wasmparser::FuncType) -> Option<Signature> {
    let convert = |types: &[wasmparser::ValType]| -> Option<Vec<ValueType>> {
        types
            .iter()
            .map(|t| match t {
                wasmparser::ValType::I32 => Some(ValueType::I32),
                wasmparser::ValType::I64 => Some(ValueType::I64),
                wasmparser::ValType::F32 => Some(ValueType::F32),
                wasmparser::ValType::F64 => Some(ValueType::F64),
                _ => None,
            })
            .collect()
    };
    Some(Signature {
        params: convert(ty.params())?,
        results: convert(ty.results())?,
    })
}
