//! Fuel for the length of bulk-memory and table instructions, for executors that
//! charge such an instruction one unit whatever its length (wasmtime does).
//!
//! Each `memory.fill`, `memory.copy`, `memory.init`, `table.fill`, `table.copy`,
//! `table.init` and `table.grow` is replaced by a call, of exactly the same number of
//! bytes, to a helper function appended to the module. The helper first burns fuel in
//! proportion to the instruction's length operand — [`MEMORY_BYTES_PER_FUEL`] bytes or
//! [`TABLE_ELEMENTS_PER_FUEL`] elements per unit, wasmi's rates — by running a counted
//! loop, then performs the original instruction, copied byte for byte.
//!
//! Because every replaced instruction keeps its size and the helpers go after the
//! existing functions, no function index and no code offset inside the code section
//! changes, so DWARF line information stays valid for the rewritten module. (The only
//! exception is a function count that needs one more LEB128 byte once the helpers are
//! counted, which shifts the code by that byte.)

use alloc::{
    collections::BTreeMap,
    format,
    string::{String, ToString},
    vec::Vec,
};

use wasmparser::{
    BinaryReader, CodeSectionReader, FunctionSectionReader, ImportSectionReader, Operator, RefType,
    TableSectionReader, TypeRef, TypeSectionReader,
};

/// wasmi charges one unit of fuel per 64 bytes a bulk-memory instruction touches.
pub(crate) const MEMORY_BYTES_PER_FUEL: u32 = 64;
/// wasmi charges one unit of fuel per 8 table elements a table instruction touches.
pub(crate) const TABLE_ELEMENTS_PER_FUEL: u32 = 8;
/// Fuel one turn of a helper's counting loop burns on wasmtime (every operator in it
/// costs one unit; `block`, `loop` and `end` are free).
const FUEL_PER_TURN: u32 = 8;

/// A module with its bulk instructions metered.
pub(crate) struct Metered {
    pub code: Vec<u8>,
    pub layout: Layout,
}

/// How a metered module differs from the original, for mapping trap locations back.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    /// Functions the original module has (imported and defined): indices at or past
    /// this are metering helpers.
    pub original_functions: u32,
    /// How far the code section moved: subtract from a rewritten module's offsets
    /// inside the code section to get the original module's.
    pub code_shift: usize,
}

/// Rewrites `code` so that bulk instructions burn fuel for their length; `None` when
/// it has none. `code` must be valid WASM (the sandbox validates before it meters).
pub(crate) fn meter_bulk_instructions(code: &[u8]) -> Result<Option<Metered>, String> {
    let sections = sections(code)?;
    let module = Module::read(code, &sections)?;
    if module.patches.is_empty() {
        return Ok(None);
    }

    // One helper per distinct instruction (its bytes name its operands).
    let mut helpers: BTreeMap<&[u8], Helper> = BTreeMap::new();
    let first_helper = module.imported_functions + module.defined_functions;
    for patch in &module.patches {
        let bytes = &code[patch.range.clone()];
        if !helpers.contains_key(bytes) {
            let index = first_helper + helpers.len() as u32;
            helpers.insert(bytes, Helper::new(patch.kind, bytes, index, &module)?);
        }
    }
    let mut ordered: Vec<&Helper> = helpers.values().collect();
    ordered.sort_by_key(|h| h.index);

    let mut out = Vec::with_capacity(code.len() + 64 * helpers.len());
    out.extend_from_slice(&code[..8]);
    let mut code_shift = 0usize;
    for section in &sections {
        let payload = &code[section.payload.clone()];
        match section.id {
            TYPE_SECTION => {
                let mut types = Vec::new();
                for helper in &ordered {
                    types.extend_from_slice(&helper.func_type);
                }
                let payload = extend_vector(payload, module.types, ordered.len() as u32, &types)?;
                push_section(&mut out, section.id, &payload);
            }
            FUNCTION_SECTION => {
                let mut entries = Vec::new();
                for (i, _) in ordered.iter().enumerate() {
                    leb(&mut entries, module.types + i as u32, 0);
                }
                let payload = extend_vector(
                    payload,
                    module.defined_functions,
                    ordered.len() as u32,
                    &entries,
                )?;
                push_section(&mut out, section.id, &payload);
            }
            CODE_SECTION => {
                let mut patched = payload.to_vec();
                for patch in &module.patches {
                    let helper = &helpers[&code[patch.range.clone()]];
                    let at = patch.range.start - section.payload.start;
                    let len = patch.range.len();
                    let mut call = Vec::with_capacity(len);
                    call.push(CALL);
                    leb(&mut call, helper.index, len - 1);
                    if call.len() != len {
                        return Err(format!(
                            "too many functions ({}) to meter the bulk instruction at offset {}",
                            helper.index + 1,
                            patch.range.start
                        ));
                    }
                    patched[at..at + len].copy_from_slice(&call);
                }
                let mut bodies = Vec::new();
                for helper in &ordered {
                    leb(&mut bodies, helper.body.len() as u32, 0);
                    bodies.extend_from_slice(&helper.body);
                }
                let payload = extend_vector(
                    &patched,
                    module.defined_functions,
                    ordered.len() as u32,
                    &bodies,
                )?;
                // Where the original bodies end, here and there.
                let bodies_end =
                    out.len() + section_header_len(payload.len()) + payload.len() - bodies.len();
                code_shift = bodies_end - section.payload.end;
                push_section(&mut out, section.id, &payload);
            }
            _ => push_section(&mut out, section.id, payload),
        }
    }
    Ok(Some(Metered {
        code: out,
        layout: Layout {
            original_functions: first_helper,
            code_shift,
        },
    }))
}

const TYPE_SECTION: u8 = 1;
const FUNCTION_SECTION: u8 = 3;
const CODE_SECTION: u8 = 10;
const CALL: u8 = 0x10;

struct Section {
    id: u8,
    payload: core::ops::Range<usize>,
}

/// The module's sections, in order, with their payloads' positions.
fn sections(code: &[u8]) -> Result<Vec<Section>, String> {
    let mut reader = BinaryReader::new(code, 0);
    reader.read_bytes(8).map_err(|e| e.to_string())?;
    let mut sections = Vec::new();
    while !reader.eof() {
        let id = reader.read_u8().map_err(|e| e.to_string())?;
        let len = reader.read_var_u32().map_err(|e| e.to_string())? as usize;
        let start = reader.original_position();
        reader.read_bytes(len).map_err(|e| e.to_string())?;
        sections.push(Section {
            id,
            payload: start..start + len,
        });
    }
    Ok(sections)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Operands `(i32, i32, length)`; `per_fuel` units of length per fuel.
    Span { per_fuel: u32 },
    /// `table.fill`: `(i32, ref, length)`.
    TableFill { table: u32 },
    /// `table.grow`: `(ref, length) -> i32`.
    TableGrow { table: u32 },
}

struct Patch {
    range: core::ops::Range<usize>,
    kind: Kind,
}

/// What the rewrite needs to know about the original module.
struct Module {
    types: u32,
    imported_functions: u32,
    defined_functions: u32,
    tables: Vec<RefType>,
    patches: Vec<Patch>,
}

impl Module {
    fn read(code: &[u8], sections: &[Section]) -> Result<Module, String> {
        let mut module = Module {
            types: 0,
            imported_functions: 0,
            defined_functions: 0,
            tables: Vec::new(),
            patches: Vec::new(),
        };
        let err = |e: wasmparser::BinaryReaderError| e.to_string();
        for section in sections {
            let reader = BinaryReader::new(&code[section.payload.clone()], section.payload.start);
            match section.id {
                TYPE_SECTION => module.types = TypeSectionReader::new(reader).map_err(err)?.count(),
                2 => {
                    for import in ImportSectionReader::new(reader).map_err(err)? {
                        match import.map_err(err)?.ty {
                            TypeRef::Func(_) => module.imported_functions += 1,
                            TypeRef::Table(table) => module.tables.push(table.element_type),
                            _ => {}
                        }
                    }
                }
                FUNCTION_SECTION => {
                    module.defined_functions =
                        FunctionSectionReader::new(reader).map_err(err)?.count()
                }
                4 => {
                    for table in TableSectionReader::new(reader).map_err(err)? {
                        module.tables.push(table.map_err(err)?.ty.element_type);
                    }
                }
                CODE_SECTION => {
                    for body in CodeSectionReader::new(reader).map_err(err)? {
                        module.find_bulk_instructions(body.map_err(err)?)?;
                    }
                }
                _ => {}
            }
        }
        Ok(module)
    }

    fn find_bulk_instructions(&mut self, body: wasmparser::FunctionBody<'_>) -> Result<(), String> {
        let mut operators = body.get_operators_reader().map_err(|e| e.to_string())?;
        while !operators.eof() {
            let (operator, start) = operators.read_with_offset().map_err(|e| e.to_string())?;
            let memory = Kind::Span {
                per_fuel: MEMORY_BYTES_PER_FUEL,
            };
            let table = Kind::Span {
                per_fuel: TABLE_ELEMENTS_PER_FUEL,
            };
            let kind = match operator {
                Operator::MemoryFill { .. }
                | Operator::MemoryCopy { .. }
                | Operator::MemoryInit { .. } => memory,
                Operator::TableCopy { .. } | Operator::TableInit { .. } => table,
                Operator::TableFill { table } => Kind::TableFill { table },
                Operator::TableGrow { table } => Kind::TableGrow { table },
                _ => continue,
            };
            self.patches.push(Patch {
                range: start..operators.original_position(),
                kind,
            });
        }
        Ok(())
    }

    fn table_type(&self, table: u32) -> Result<u8, String> {
        let ty = self
            .tables
            .get(table as usize)
            .ok_or_else(|| format!("table {table} does not exist"))?;
        if *ty == RefType::FUNCREF {
            Ok(0x70)
        } else if *ty == RefType::EXTERNREF {
            Ok(0x6f)
        } else {
            Err(format!("cannot meter instructions on tables of {ty}"))
        }
    }
}

/// A function that burns fuel for a length operand and then runs one instruction.
struct Helper {
    index: u32,
    /// Its type, encoded for the type section.
    func_type: Vec<u8>,
    /// Its body (locals and code), encoded for the code section without the size.
    body: Vec<u8>,
}

impl Helper {
    fn new(kind: Kind, instruction: &[u8], index: u32, module: &Module) -> Result<Helper, String> {
        const I32: u8 = 0x7f;
        let (params, results, per_fuel) = match kind {
            Kind::Span { per_fuel } => (alloc::vec![I32, I32, I32], alloc::vec![], per_fuel),
            Kind::TableFill { table } => (
                alloc::vec![I32, module.table_type(table)?, I32],
                alloc::vec![],
                TABLE_ELEMENTS_PER_FUEL,
            ),
            Kind::TableGrow { table } => (
                alloc::vec![module.table_type(table)?, I32],
                alloc::vec![I32],
                TABLE_ELEMENTS_PER_FUEL,
            ),
        };
        let mut func_type = alloc::vec![0x60, params.len() as u8];
        func_type.extend_from_slice(&params);
        func_type.push(results.len() as u8);
        func_type.extend_from_slice(&results);

        // One turn of the loop burns FUEL_PER_TURN, so a turn pays for this much length;
        // the shift fits one byte of a signed LEB128 `i32.const`.
        let length_per_turn = per_fuel * FUEL_PER_TURN;
        debug_assert!(length_per_turn.is_power_of_two());
        let shift = length_per_turn.trailing_zeros() as u8;
        // The length is the last parameter; the one local, after them, counts turns.
        let length = params.len() as u8 - 1;
        let turns = params.len() as u8;
        let mut body = alloc::vec![1, 1, I32];
        let mut op = |bytes: &[u8]| body.extend_from_slice(bytes);
        op(&[0x20, length, 0x41, shift, 0x76, 0x21, turns]); // turns = length >> shift
        op(&[0x02, 0x40, 0x03, 0x40]); // block; loop
        op(&[0x20, turns, 0x45, 0x0d, 0x01]); // br_if 1 (turns == 0)
        op(&[0x20, turns, 0x41, 0x01, 0x6b, 0x21, turns]); // turns -= 1
        op(&[0x0c, 0x00, 0x0b, 0x0b]); // br 0; end; end
        for param in 0..params.len() as u8 {
            op(&[0x20, param]);
        }
        op(instruction);
        op(&[0x0b]);
        Ok(Helper {
            index,
            func_type,
            body,
        })
    }
}

/// A vector payload (`count`, then entries) with `added` more entries appended. The
/// new count keeps the old count's encoded length when it fits in it.
fn extend_vector(
    payload: &[u8],
    count: u32,
    added: u32,
    entries: &[u8],
) -> Result<Vec<u8>, String> {
    let mut reader = BinaryReader::new(payload, 0);
    reader.read_var_u32().map_err(|e| e.to_string())?;
    let old_len = reader.original_position();
    let mut out = Vec::with_capacity(payload.len() + entries.len() + 5);
    leb(&mut out, count + added, old_len);
    out.extend_from_slice(&payload[old_len..]);
    out.extend_from_slice(entries);
    Ok(out)
}

fn push_section(out: &mut Vec<u8>, id: u8, payload: &[u8]) {
    out.push(id);
    leb(out, payload.len() as u32, 0);
    out.extend_from_slice(payload);
}

/// The length of a section's id and size for a payload of `payload_len` bytes.
fn section_header_len(payload_len: usize) -> usize {
    let mut size = Vec::new();
    leb(&mut size, payload_len as u32, 0);
    1 + size.len()
}

/// Appends `value` as unsigned LEB128, padded to at least `min_len` bytes.
fn leb(out: &mut Vec<u8>, mut value: u32, min_len: usize) {
    let mut written = 0;
    loop {
        let mut byte = (value & 0x7f) as u8;
        value >>= 7;
        written += 1;
        let more = value != 0 || written < min_len;
        if more {
            byte |= 0x80;
        }
        out.push(byte);
        if !more {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb_pads_to_the_length_asked_for() {
        let mut out = Vec::new();
        leb(&mut out, 5, 2);
        assert_eq!(out, [0x85, 0x00]);
        out.clear();
        leb(&mut out, 300, 0);
        assert_eq!(out, [0xac, 0x02]);
    }

    #[test]
    fn code_without_bulk_instructions_is_left_alone() {
        let code =
            wat::parse_str("(module (func (export \"f\") (result i32) i32.const 1))").unwrap();
        assert!(meter_bulk_instructions(&code).unwrap().is_none());
    }

    #[test]
    fn bulk_instructions_keep_their_offsets() {
        let code = wat::parse_str(
            r#"(module
                (memory 1)
                (table 4 funcref)
                (elem declare func 0)
                (data "abc")
                (func (export "f")
                    (memory.fill (i32.const 0) (i32.const 1) (i32.const 10))
                    (memory.copy (i32.const 0) (i32.const 5) (i32.const 10))
                    (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 3))
                    (table.fill (i32.const 0) (ref.null func) (i32.const 2))
                    (drop (table.grow (ref.null func) (i32.const 1)))))"#,
        )
        .unwrap();
        let metered = meter_bulk_instructions(&code).unwrap().expect("rewritten");
        assert_eq!(metered.layout.original_functions, 1);
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(&metered.code)
            .expect("the rewritten module is valid");
        // Same body bytes at the same offsets, but for the calls.
        let original_body = body_of(&code, 0);
        let rewritten_body = body_of(&metered.code, 0);
        assert_eq!(original_body.len(), rewritten_body.len());
        assert_eq!(
            rewritten_body.iter().filter(|b| **b == CALL).count(),
            5,
            "five instructions became calls"
        );
    }

    fn body_of(code: &[u8], index: usize) -> Vec<u8> {
        let sections = sections(code).unwrap();
        let section = sections.iter().find(|s| s.id == CODE_SECTION).unwrap();
        let reader = BinaryReader::new(&code[section.payload.clone()], section.payload.start);
        let body = CodeSectionReader::new(reader)
            .unwrap()
            .into_iter()
            .nth(index)
            .unwrap()
            .unwrap();
        body.as_bytes().to_vec()
    }
}
