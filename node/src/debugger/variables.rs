//! Variables from DWARF: the parameters and locals of a source function at one point of
//! an execution, read from a [`Snapshot`] (the WASM frames' locals, the globals and the
//! linear memory there) through their DWARF location expressions and typed by their
//! DWARF types.
//!
//! Everything here comes from a contract, so everything is bounded: the DWARF was
//! checked against the sandbox's debug-info limits before it is read (entries, nesting),
//! the DIE walk is a loop, an expression runs at most [`MAX_OPERATIONS`] operations on a
//! stack of [`MAX_STACK`] values, type chains are followed [`MAX_TYPE_HOPS`] deep, and a
//! request builds at most [`Budget`]'s nodes and reads at most its bytes. What cannot be
//! read (no location at that point, a value on the WASM operand stack, a location outside
//! memory, an operation not supported) reads as `<optimized out>` or `<unavailable>`,
//! never as an error of the whole request.

use std::fmt::Write as _;

use addr2line::gimli::{
    self, constants, AttributeValue, DebuggingInformationEntry, Dwarf, Operation, UnitOffset,
    UnitRef,
};
use pallet_europa_contracts::trace::{FrameSnapshot, Snapshot};

use crate::insight::symbols::Reader;

/// Operations one location expression runs at most.
pub const MAX_OPERATIONS: usize = 256;
/// Values its stack holds at most.
pub const MAX_STACK: usize = 64;
/// `typedef`/`const` links followed to a type at most.
pub const MAX_TYPE_HOPS: usize = 16;
/// Levels of members, elements and pointees shown below a variable.
pub const MAX_DEPTH: usize = 8;
/// Elements of an array or slice shown at most; the rest are counted.
pub const MAX_ELEMENTS: u64 = 64;
/// Location-list entries scanned for one variable at most.
const MAX_LOCATION_ENTRIES: usize = 4_096;

pub use europa_rpc_api::debug::Variable;

/// How much one request builds and reads.
pub struct Budget {
    nodes: usize,
    bytes: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            nodes: 4_096,
            bytes: 1 << 20,
        }
    }
}

/// The source scopes at a point of one WASM function, innermost first: each inlined
/// function's, then the function's own.
pub struct Scopes {
    pub scopes: Vec<Scope>,
}

/// One source function's variables at a point.
pub struct Scope {
    /// The function, as DWARF names it.
    pub function: Option<String>,
    pub variables: Vec<Variable>,
}

/// What an expression needs from the execution.
struct Machine<'a> {
    frame: &'a FrameSnapshot,
    snapshot: &'a Snapshot,
    frame_base: Option<u64>,
}

/// Where a variable's value is.
enum Place {
    /// In the linear memory, at this address.
    Memory(u64),
    /// Its bytes (from locals, globals, constants); `None` for bytes not known.
    Bytes(Vec<Option<u8>>),
    /// Nowhere: DWARF has no location for it here.
    OptimizedOut,
    /// Somewhere it cannot be read from.
    Unavailable(String),
}

/// The variables of each source scope at `frame`'s point (its `offset`, in code whose
/// Code section's contents start at `code_start`), innermost first; `dwarf` is the
/// code's.
pub fn scopes_at<'a>(
    dwarf: &Dwarf<Reader<'a>>,
    code_start: usize,
    snapshot: &Snapshot,
    frame: &FrameSnapshot,
    budget: &mut Budget,
) -> Scopes {
    let Some(pc) = frame
        .offset
        .and_then(|offset| (offset as usize).checked_sub(code_start))
    else {
        return Scopes { scopes: Vec::new() };
    };
    let pc = pc as u64;
    // Types may be in any unit: all are read (their count was bounded with the DWARF).
    let mut units = Vec::new();
    let mut headers = dwarf.units();
    while let Ok(Some(header)) = headers.next() {
        if let Ok(unit) = dwarf.unit(header) {
            units.push(unit);
        }
    }
    let values = Values {
        dwarf,
        units: &units,
        memory: &snapshot.memory.0,
    };
    for (index, unit) in units.iter().enumerate() {
        let unit = unit.unit_ref(dwarf);
        if !contains(unit.unit_ranges(), pc) {
            continue;
        }
        let found = scope_dies(unit, pc);
        if found.is_empty() {
            continue;
        }
        let frame_base = found
            .first()
            .and_then(|(function, _)| unit.entry(*function).ok())
            .and_then(|entry| frame_base(unit, &entry, frame, snapshot));
        let machine = Machine {
            frame,
            snapshot,
            frame_base,
        };
        let scopes = found
            .iter()
            .rev()
            .map(|(function, variables)| Scope {
                function: values
                    .name((index, *function))
                    .map(|name| format!("{:#}", rustc_demangle::demangle(&name))),
                variables: variables
                    .iter()
                    .filter_map(|offset| variable(&values, (index, *offset), pc, &machine, budget))
                    .collect(),
            })
            .collect();
        return Scopes { scopes };
    }
    Scopes { scopes: Vec::new() }
}

/// Whether `ranges` holds `pc`.
fn contains<'a>(ranges: gimli::Result<gimli::RangeIter<Reader<'a>>>, pc: u64) -> bool {
    let Ok(mut ranges) = ranges else {
        return false;
    };
    while let Ok(Some(range)) = ranges.next() {
        if range.begin <= pc && pc < range.end {
            return true;
        }
    }
    false
}

/// The function-like DIEs around `pc` (the subprogram, then each inlined subroutine
/// inward), each with the variables and parameters declared in it or in a lexical block
/// around `pc`.
fn scope_dies<'a>(unit: UnitRef<'_, Reader<'a>>, pc: u64) -> Vec<(UnitOffset, Vec<UnitOffset>)> {
    let mut found: Vec<(UnitOffset, Vec<UnitOffset>)> = Vec::new();
    // The open ancestors: depth, and for scope DIEs whether they hold `pc` and which
    // entry of `found` is the function they belong to.
    let mut open: Vec<(isize, Option<usize>)> = Vec::new();
    let mut depth = 0isize;
    // Entries deeper than this are in a scope that does not hold `pc`.
    let mut skip_below: Option<isize> = None;
    let mut entries = unit.entries();
    while let Ok(Some((delta, entry))) = entries.next_dfs() {
        depth += delta;
        while open.last().is_some_and(|(d, _)| *d >= depth) {
            open.pop();
        }
        if skip_below.is_some_and(|d| depth > d) {
            continue;
        }
        skip_below = None;
        let function = open.last().and_then(|(_, function)| *function);
        match entry.tag() {
            constants::DW_TAG_subprogram | constants::DW_TAG_inlined_subroutine => {
                if !contains(unit.die_ranges(entry), pc) {
                    skip_below = Some(depth);
                    continue;
                }
                // A function inside another's scope is inlined into it; a new
                // subprogram starts the chain afresh.
                if entry.tag() == constants::DW_TAG_subprogram {
                    found.clear();
                }
                found.push((entry.offset(), Vec::new()));
                open.push((depth, Some(found.len() - 1)));
            }
            constants::DW_TAG_lexical_block => {
                if function.is_none() || !contains(unit.die_ranges(entry), pc) {
                    skip_below = Some(depth);
                    continue;
                }
                open.push((depth, function));
            }
            constants::DW_TAG_formal_parameter | constants::DW_TAG_variable => {
                if let Some(function) = function {
                    found[function].1.push(entry.offset());
                }
                open.push((depth, None));
            }
            _ => open.push((depth, function.filter(|_| false))),
        }
    }
    found
}

/// The frame base of `function` at the frame's point: what `DW_OP_fbreg` counts from.
fn frame_base<'a>(
    unit: UnitRef<'_, Reader<'a>>,
    function: &DebuggingInformationEntry<'_, '_, Reader<'a>>,
    frame: &FrameSnapshot,
    snapshot: &Snapshot,
) -> Option<u64> {
    let Ok(Some(AttributeValue::Exprloc(expression))) =
        function.attr_value(constants::DW_AT_frame_base)
    else {
        return None;
    };
    let machine = Machine {
        frame,
        snapshot,
        frame_base: None,
    };
    match machine.evaluate(expression, unit.encoding()) {
        Place::Bytes(bytes) => {
            let bytes: Option<Vec<u8>> = bytes.into_iter().take(4).collect();
            Some(u64::from(u32::from_le_bytes(bytes?.try_into().ok()?)))
        }
        Place::Memory(address) => Some(address),
        _ => None,
    }
}

/// The variable or parameter at `at`, read at `pc`.
fn variable(
    values: &Values<'_, '_>,
    at: TypeRef,
    pc: u64,
    machine: &Machine<'_>,
    budget: &mut Budget,
) -> Option<Variable> {
    let unit = values.unit(at.0)?;
    let entry = values.entry(at)?;
    let name = values.name(at).unwrap_or_else(|| "?".into());
    let place = match entry.attr_value(constants::DW_AT_location) {
        Ok(Some(AttributeValue::Exprloc(expression))) => {
            machine.evaluate(expression, unit.encoding())
        }
        Ok(Some(list)) => match location_at(unit, list, pc) {
            Some(expression) => machine.evaluate(expression, unit.encoding()),
            None => Place::OptimizedOut,
        },
        _ => Place::OptimizedOut,
    };
    Some(values.value(name, values.type_of(at), &place, 0, budget))
}

/// The expression of location list `list` that holds at `pc`.
fn location_at<'a>(
    unit: UnitRef<'_, Reader<'a>>,
    list: AttributeValue<Reader<'a>>,
    pc: u64,
) -> Option<gimli::Expression<Reader<'a>>> {
    let mut entries = unit.attr_locations(list).ok()??;
    for _ in 0..MAX_LOCATION_ENTRIES {
        let entry = entries.next().ok()??;
        if entry.range.begin <= pc && pc < entry.range.end {
            return Some(entry.data);
        }
    }
    None
}

/// What the top of an expression's stack stands for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Top {
    /// An address in memory (the default).
    Address,
    /// The value itself (`DW_OP_stack_value`, or a WASM local or global named).
    Value,
}

impl Machine<'_> {
    /// Runs `expression`: where the value it locates is.
    fn evaluate(
        &self,
        expression: gimli::Expression<Reader<'_>>,
        encoding: gimli::Encoding,
    ) -> Place {
        let mut operations = expression.operations(encoding);
        let mut stack: Vec<Option<u64>> = Vec::new();
        let mut top = Top::Address;
        let mut pieces: Vec<Option<u8>> = Vec::new();
        let mut pieced = false;
        for _ in 0..MAX_OPERATIONS {
            let operation = match operations.next() {
                Ok(Some(operation)) => operation,
                Ok(None) => break,
                Err(error) => return Place::Unavailable(format!("bad DWARF expression: {error}")),
            };
            if stack.len() > MAX_STACK {
                return Place::Unavailable("DWARF expression stack too deep".into());
            }
            match operation {
                Operation::WasmLocal { index } => {
                    stack.push(self.frame.locals.get(index as usize).copied().flatten());
                    top = Top::Value;
                }
                Operation::WasmGlobal { index } => {
                    stack.push(self.snapshot.globals.get(index as usize).copied().flatten());
                    top = Top::Value;
                }
                Operation::WasmStack { .. } => {
                    stack.push(None);
                    top = Top::Value;
                }
                Operation::FrameOffset { offset } => {
                    stack.push(self.frame_base.map(|base| base.wrapping_add(offset as u64)));
                    top = Top::Address;
                }
                Operation::UnsignedConstant { value } | Operation::Address { address: value } => {
                    stack.push(Some(value));
                    top = Top::Address;
                }
                Operation::SignedConstant { value } => {
                    stack.push(Some(value as u64));
                    top = Top::Address;
                }
                Operation::PlusConstant { value } => match stack.last_mut() {
                    Some(Some(top_value)) => *top_value = top_value.wrapping_add(value),
                    Some(None) => {}
                    None => return Place::Unavailable("DWARF expression underflow".into()),
                },
                Operation::Deref {
                    size, space: false, ..
                } => {
                    let address = match stack.pop() {
                        Some(address) => address,
                        None => return Place::Unavailable("DWARF expression underflow".into()),
                    };
                    stack.push(address.and_then(|address| self.read_word(address, size)));
                    top = Top::Address;
                }
                Operation::Drop => {
                    stack.pop();
                }
                Operation::Pick { index } => {
                    let Some(at) = stack.len().checked_sub(1 + index as usize) else {
                        return Place::Unavailable("DWARF expression underflow".into());
                    };
                    stack.push(stack[at]);
                }
                Operation::Swap => {
                    let n = stack.len();
                    if n < 2 {
                        return Place::Unavailable("DWARF expression underflow".into());
                    }
                    stack.swap(n - 1, n - 2);
                }
                Operation::Rot => {
                    let n = stack.len();
                    if n < 3 {
                        return Place::Unavailable("DWARF expression underflow".into());
                    }
                    stack[n - 3..].rotate_right(1);
                }
                Operation::Neg | Operation::Not | Operation::Abs => {
                    let Some(value) = stack.last_mut() else {
                        return Place::Unavailable("DWARF expression underflow".into());
                    };
                    *value = value.map(|v| match operation {
                        Operation::Neg => v.wrapping_neg(),
                        Operation::Not => !v,
                        _ => (v as i64).unsigned_abs(),
                    });
                }
                Operation::Plus
                | Operation::Minus
                | Operation::Mul
                | Operation::And
                | Operation::Or
                | Operation::Xor
                | Operation::Shl
                | Operation::Shr
                | Operation::Shra
                | Operation::Div
                | Operation::Mod => {
                    let (Some(b), Some(a)) = (stack.pop(), stack.pop()) else {
                        return Place::Unavailable("DWARF expression underflow".into());
                    };
                    stack.push(a.zip(b).and_then(|(a, b)| binary(&operation, a, b)));
                }
                Operation::StackValue => top = Top::Value,
                Operation::Nop => {}
                Operation::ImplicitValue { data } => {
                    stack.clear();
                    pieces.extend(data.slice().iter().map(|b| Some(*b)));
                    pieced = true;
                }
                Operation::Piece {
                    size_in_bits,
                    bit_offset: None,
                } if size_in_bits % 8 == 0 => {
                    let size = (size_in_bits / 8).min(1 << 16) as usize;
                    let piece = self.materialize(stack.last().copied(), top, size);
                    pieces.extend(piece);
                    pieced = true;
                    stack.clear();
                    top = Top::Address;
                }
                other => {
                    return Place::Unavailable(format!(
                        "DWARF operation {other:?} is not supported"
                    ))
                }
            }
        }
        if pieced {
            return Place::Bytes(pieces);
        }
        match (stack.last().copied(), top) {
            (None, _) => Place::OptimizedOut,
            (Some(None), _) => Place::Unavailable("a value the snapshot does not have".into()),
            (Some(Some(address)), Top::Address) => Place::Memory(address),
            (Some(Some(value)), Top::Value) => {
                Place::Bytes(value.to_le_bytes().into_iter().map(Some).collect())
            }
        }
    }

    /// `size` bytes of a piece whose location is `value` (its top of stack).
    fn materialize(&self, value: Option<Option<u64>>, top: Top, size: usize) -> Vec<Option<u8>> {
        match (value, top) {
            (Some(Some(value)), Top::Value) => {
                let bytes = value.to_le_bytes();
                (0..size)
                    .map(|i| bytes.get(i).copied().or(Some(0)))
                    .collect()
            }
            (Some(Some(address)), Top::Address) => (0..size)
                .map(|i| {
                    let at = usize::try_from(address.checked_add(i as u64)?).ok()?;
                    self.snapshot.memory.0.get(at).copied()
                })
                .collect(),
            _ => vec![None; size],
        }
    }

    /// A little-endian word of `size` bytes at `address`.
    fn read_word(&self, address: u64, size: u8) -> Option<u64> {
        let start = usize::try_from(address).ok()?;
        let bytes = self
            .snapshot
            .memory
            .0
            .get(start..start.checked_add(usize::from(size.min(8)))?)?;
        let mut word = [0u8; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        Some(u64::from_le_bytes(word))
    }
}

fn binary(operation: &Operation<Reader<'_>>, a: u64, b: u64) -> Option<u64> {
    Some(match operation {
        Operation::Plus => a.wrapping_add(b),
        Operation::Minus => a.wrapping_sub(b),
        Operation::Mul => a.wrapping_mul(b),
        Operation::And => a & b,
        Operation::Or => a | b,
        Operation::Xor => a ^ b,
        Operation::Shl => a.checked_shl(u32::try_from(b).ok()?).unwrap_or(0),
        Operation::Shr => a.checked_shr(u32::try_from(b).ok()?).unwrap_or(0),
        Operation::Shra => (a as i64).checked_shr(u32::try_from(b).ok()?).unwrap_or(0) as u64,
        Operation::Div => (a as i64).checked_div(b as i64)? as u64,
        Operation::Mod => a.checked_rem(b)?,
        _ => return None,
    })
}

/// A type (or any DIE): its unit (index into the units read) and offset there.
type TypeRef = (usize, UnitOffset);

/// Reads typed values out of places. Types may be in any unit of the DWARF (Rust puts
/// `bool` and `u64` where they are first used, and refers to them across units).
struct Values<'u, 'a> {
    dwarf: &'u Dwarf<Reader<'a>>,
    units: &'u [gimli::Unit<Reader<'a>>],
    memory: &'u [u8],
}

/// What a type is, once `typedef`s and qualifiers are followed.
enum Shape {
    Base {
        encoding: gimli::DwAte,
        size: u64,
    },
    Pointer {
        pointee: Option<TypeRef>,
    },
    Struct,
    Array {
        element: Option<TypeRef>,
        count: Option<u64>,
    },
    Enumeration {
        size: u64,
    },
    Unknown,
}

type Entry<'u, 'a> = DebuggingInformationEntry<'u, 'u, Reader<'a>>;

impl<'u, 'a> Values<'u, 'a> {
    fn unit(&self, unit: usize) -> Option<UnitRef<'u, Reader<'a>>> {
        Some(self.units.get(unit)?.unit_ref(self.dwarf))
    }

    fn entry(&self, at: TypeRef) -> Option<Entry<'u, 'a>> {
        let unit: &'u gimli::Unit<Reader<'a>> = self.units.get(at.0)?;
        unit.entry(at.1).ok()
    }

    /// The name of the DIE at `at`, its own or its abstract origin's (an inlined or
    /// out-of-line instance names its declaration); the linkage name without one.
    fn name(&self, at: TypeRef) -> Option<String> {
        [constants::DW_AT_name, constants::DW_AT_linkage_name]
            .into_iter()
            .find_map(|name| {
                let (unit, value) = self.attr(at, name)?;
                let text = self.unit(unit)?.attr_string(value).ok()?;
                Some(text.to_string_lossy().into_owned())
            })
    }

    /// The attribute `name` of the DIE at `at`, else of its abstract origin or the
    /// declaration it specifies (three links at most, in any unit), with the unit it
    /// was read in.
    fn attr(
        &self,
        mut at: TypeRef,
        name: constants::DwAt,
    ) -> Option<(usize, AttributeValue<Reader<'a>>)> {
        for _ in 0..4 {
            let entry = self.entry(at)?;
            if let Ok(Some(value)) = entry.attr_value(name) {
                return Some((at.0, value));
            }
            let link = [
                constants::DW_AT_abstract_origin,
                constants::DW_AT_specification,
            ]
            .into_iter()
            .find_map(|link| entry.attr_value(link).ok().flatten())?;
            at = self.refer(at.0, link)?;
        }
        None
    }

    /// The DIE attribute `name` of the DIE at `at` refers to, in its unit or another.
    fn reference(&self, at: TypeRef, name: constants::DwAt) -> Option<TypeRef> {
        let (unit, value) = self.attr(at, name)?;
        self.refer(unit, value)
    }

    /// Where reference `value`, read in unit `unit`, points.
    fn refer(&self, unit: usize, value: AttributeValue<Reader<'a>>) -> Option<TypeRef> {
        match value {
            AttributeValue::UnitRef(offset) => Some((unit, offset)),
            AttributeValue::DebugInfoRef(offset) => self
                .units
                .iter()
                .enumerate()
                .find_map(|(index, unit)| Some((index, offset.to_unit_offset(&unit.header)?))),
            _ => None,
        }
    }

    fn type_of(&self, at: TypeRef) -> Option<TypeRef> {
        self.reference(at, constants::DW_AT_type)
    }

    fn udata(&self, at: TypeRef, name: constants::DwAt) -> Option<u64> {
        self.entry(at)?.attr_value(name).ok()??.udata_value()
    }

    /// `name`'s value of type `ty` at `place`.
    fn value(
        &self,
        name: String,
        ty: Option<TypeRef>,
        place: &Place,
        depth: usize,
        budget: &mut Budget,
    ) -> Variable {
        let mut variable = Variable {
            name,
            type_name: String::new(),
            value: String::new(),
            address: match place {
                Place::Memory(address) => Some(*address),
                _ => None,
            },
            children: Vec::new(),
        };
        if budget.nodes == 0 {
            variable.value = "<not read: the request's budget is spent>".into();
            return variable;
        }
        budget.nodes -= 1;
        let declared = ty;
        let (ty, shape) = self.resolve(ty);
        variable.type_name = declared.map_or_else(|| "()".into(), |ty| self.type_name(ty));
        match place {
            Place::OptimizedOut => {
                variable.value = "<optimized out>".into();
                return variable;
            }
            Place::Unavailable(why) => {
                variable.value = format!("<unavailable: {why}>");
                return variable;
            }
            _ => {}
        }
        let Some(ty) = ty else {
            variable.value = match declared {
                None => "()".into(),
                Some(_) => "<a type Europa does not read>".into(),
            };
            return variable;
        };
        match shape {
            Shape::Base { encoding, size } => {
                variable.value = match self.bytes(place, 0, size, budget) {
                    Some(bytes) => base_value(encoding, &bytes),
                    None => "<unavailable>".into(),
                };
            }
            Shape::Enumeration { size } => {
                variable.value = match self.bytes(place, 0, size, budget) {
                    Some(bytes) => self.enumerator(ty, word(&bytes)),
                    None => "<unavailable>".into(),
                };
            }
            Shape::Pointer { pointee } => {
                let Some(address) = self.bytes(place, 0, 4, budget).map(|b| word(&b)) else {
                    variable.value = "<unavailable>".into();
                    return variable;
                };
                variable.value = format!("{address:#x}");
                let readable = (address as usize) < self.memory.len() && address != 0;
                if depth < MAX_DEPTH && readable && pointee.is_some() {
                    let deref = format!("*{}", variable.name);
                    let pointee =
                        self.value(deref, pointee, &Place::Memory(address), depth + 1, budget);
                    variable.children.push(pointee);
                }
            }
            Shape::Array { element, count } => {
                let count = count.unwrap_or(0);
                let size = self.size_of(element).unwrap_or(0);
                variable.children = self.elements(place, element, size, count, depth, budget);
                variable.value = summary(&variable.children, '[', ']', count);
            }
            Shape::Struct => self.structure(&mut variable, ty, place, depth, budget),
            Shape::Unknown => variable.value = "<a type Europa does not read>".into(),
        }
        variable
    }

    /// Members of a structure (a tuple, a struct, a Rust enum's active variant; a slice
    /// or `&str` as its elements).
    fn structure(
        &self,
        variable: &mut Variable,
        ty: TypeRef,
        place: &Place,
        depth: usize,
        budget: &mut Budget,
    ) {
        if depth >= MAX_DEPTH {
            variable.value = "{…}".into();
            return;
        }
        let members = self.members(ty);
        if let Some(()) = self.slice(variable, &members, place, depth, budget) {
            return;
        }
        let (prefix, members) = match self.active_variant(ty, place, budget) {
            Some((variant, fields)) => (Some(variant), fields),
            None => (None, members),
        };
        for (name, offset, member_ty) in members {
            let at = self.at(place, offset, self.size_of(member_ty).unwrap_or(0));
            variable
                .children
                .push(self.value(name, member_ty, &at, depth + 1, budget));
        }
        let count = variable.children.len() as u64;
        let tuple = variable.type_name.starts_with('(');
        variable.value = match prefix {
            Some(variant) if count == 0 => variant,
            Some(variant) => format!("{variant}{}", summary(&variable.children, '(', ')', count)),
            None if tuple => summary(&variable.children, '(', ')', count),
            None => summary(&variable.children, '{', '}', count),
        };
    }

    /// A slice or `&str` (a `data_ptr` and a `length`) as its elements or text.
    fn slice(
        &self,
        variable: &mut Variable,
        members: &[(String, u64, Option<TypeRef>)],
        place: &Place,
        depth: usize,
        budget: &mut Budget,
    ) -> Option<()> {
        let [(data, 0, Some(pointer)), (length_name, length_at, length_ty)] = members else {
            return None;
        };
        if data != "data_ptr" || length_name != "length" {
            return None;
        }
        let length_size = self.size_of(*length_ty).unwrap_or(4);
        let length = word(&self.bytes(place, *length_at, length_size, budget)?);
        let address = word(&self.bytes(place, 0, 4, budget)?);
        let (_, Shape::Pointer { pointee }) = self.resolve(Some(*pointer)) else {
            return None;
        };
        let memory = Place::Memory(address);
        if variable.type_name == "&str" {
            let shown = length.min(256);
            let text = self
                .bytes(&memory, 0, shown, budget)
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            variable.value = match text {
                Some(text) if shown == length => format!("{text:?}"),
                Some(text) => format!("{text:?}… ({length} bytes)"),
                None => "<unavailable>".into(),
            };
            return Some(());
        }
        let size = self.size_of(pointee).unwrap_or(0);
        variable.children = self.elements(&memory, pointee, size, length, depth, budget);
        variable.value = summary(&variable.children, '[', ']', length);
        Some(())
    }

    /// `count` elements of type `element` (`size` bytes each) from the start of
    /// `place`, at most [`MAX_ELEMENTS`].
    fn elements(
        &self,
        place: &Place,
        element: Option<TypeRef>,
        size: u64,
        count: u64,
        depth: usize,
        budget: &mut Budget,
    ) -> Vec<Variable> {
        (0..count.min(MAX_ELEMENTS))
            .map(|i| {
                let at = self.at(place, i.saturating_mul(size), size);
                self.value(format!("[{i}]"), element, &at, depth + 1, budget)
            })
            .collect()
    }

    /// The part of `place` `offset` bytes in, `size` long.
    fn at(&self, place: &Place, offset: u64, size: u64) -> Place {
        match place {
            Place::Memory(address) => Place::Memory(address.saturating_add(offset)),
            Place::Bytes(bytes) => {
                let start = offset.min(bytes.len() as u64) as usize;
                let end = offset.saturating_add(size).min(bytes.len() as u64) as usize;
                Place::Bytes(bytes[start..end].to_vec())
            }
            Place::OptimizedOut => Place::OptimizedOut,
            Place::Unavailable(why) => Place::Unavailable(why.clone()),
        }
    }

    /// `size` bytes from `offset` in `place`, when all are known (and the budget
    /// allows).
    fn bytes(&self, place: &Place, offset: u64, size: u64, budget: &mut Budget) -> Option<Vec<u8>> {
        let size = usize::try_from(size).ok()?;
        if size > budget.bytes {
            return None;
        }
        budget.bytes -= size;
        match place {
            Place::Memory(address) => {
                let start = usize::try_from(address.checked_add(offset)?).ok()?;
                self.memory
                    .get(start..start.checked_add(size)?)
                    .map(<[u8]>::to_vec)
            }
            Place::Bytes(bytes) => {
                let start = usize::try_from(offset).ok()?;
                bytes
                    .get(start..start.checked_add(size)?)?
                    .iter()
                    .copied()
                    .collect()
            }
            _ => None,
        }
    }

    /// `ty` with typedefs and qualifiers followed, and its shape.
    fn resolve(&self, mut ty: Option<TypeRef>) -> (Option<TypeRef>, Shape) {
        for _ in 0..MAX_TYPE_HOPS {
            let Some(at) = ty else {
                return (None, Shape::Unknown);
            };
            let Some(entry) = self.entry(at) else {
                return (None, Shape::Unknown);
            };
            let size = self.udata(at, constants::DW_AT_byte_size);
            let shape = match entry.tag() {
                constants::DW_TAG_typedef
                | constants::DW_TAG_const_type
                | constants::DW_TAG_volatile_type
                | constants::DW_TAG_restrict_type
                | constants::DW_TAG_atomic_type => {
                    ty = self.type_of(at);
                    continue;
                }
                constants::DW_TAG_base_type => match entry.attr_value(constants::DW_AT_encoding) {
                    Ok(Some(AttributeValue::Encoding(encoding))) => Shape::Base {
                        encoding,
                        size: size.unwrap_or(0).min(16),
                    },
                    _ => Shape::Unknown,
                },
                constants::DW_TAG_pointer_type
                | constants::DW_TAG_reference_type
                | constants::DW_TAG_rvalue_reference_type => Shape::Pointer {
                    pointee: self.type_of(at),
                },
                constants::DW_TAG_structure_type
                | constants::DW_TAG_class_type
                | constants::DW_TAG_union_type => Shape::Struct,
                constants::DW_TAG_array_type => Shape::Array {
                    element: self.type_of(at),
                    count: self.array_count(at),
                },
                constants::DW_TAG_enumeration_type => Shape::Enumeration {
                    size: size.unwrap_or(4).min(8),
                },
                _ => Shape::Unknown,
            };
            return (Some(at), shape);
        }
        (None, Shape::Unknown)
    }

    /// How many bytes a value of type `ty` takes.
    fn size_of(&self, ty: Option<TypeRef>) -> Option<u64> {
        let (resolved, shape) = self.resolve(ty);
        let resolved = resolved?;
        match shape {
            Shape::Array { element, count } => {
                // An array of arrays: the inner one's size is not followed further.
                let (element, _) = self.resolve(element);
                let element = self.udata(element?, constants::DW_AT_byte_size)?;
                Some(element.saturating_mul(count?))
            }
            Shape::Pointer { .. } => Some(
                self.udata(resolved, constants::DW_AT_byte_size)
                    .unwrap_or(4),
            ),
            _ => self.udata(resolved, constants::DW_AT_byte_size),
        }
    }

    /// The element count of array type `ty` (its first dimension).
    fn array_count(&self, ty: TypeRef) -> Option<u64> {
        let subrange = self
            .children(ty)
            .into_iter()
            .find(|at| self.tag(*at) == Some(constants::DW_TAG_subrange_type))?;
        self.udata(subrange, constants::DW_AT_count).or_else(|| {
            let upper = match self
                .entry(subrange)?
                .attr_value(constants::DW_AT_upper_bound)
                .ok()??
            {
                AttributeValue::Sdata(value) => u64::try_from(value).ok()?,
                other => other.udata_value()?,
            };
            upper.checked_add(1)
        })
    }

    fn tag(&self, at: TypeRef) -> Option<constants::DwTag> {
        Some(self.entry(at)?.tag())
    }

    /// The direct children of the DIE at `parent`, at most 4 096.
    fn children(&self, parent: TypeRef) -> Vec<TypeRef> {
        let mut children = Vec::new();
        let Some(unit) = self.unit(parent.0) else {
            return children;
        };
        if let Ok(mut tree) = unit.entries_tree(Some(parent.1)) {
            if let Ok(root) = tree.root() {
                let mut nodes = root.children();
                while let Ok(Some(child)) = nodes.next() {
                    children.push((parent.0, child.entry().offset()));
                    if children.len() >= 4_096 {
                        break;
                    }
                }
            }
        }
        children
    }

    /// The children of `parent` tagged `tag`.
    fn children_tagged(&self, parent: TypeRef, tag: constants::DwTag) -> Vec<TypeRef> {
        let children = self.children(parent).into_iter();
        children.filter(|at| self.tag(*at) == Some(tag)).collect()
    }

    /// The data members of structure `ty`: name, offset, type.
    fn members(&self, ty: TypeRef) -> Vec<(String, u64, Option<TypeRef>)> {
        self.children_tagged(ty, constants::DW_TAG_member)
            .into_iter()
            .map(|member| self.member(member))
            .collect()
    }

    fn member(&self, member: TypeRef) -> (String, u64, Option<TypeRef>) {
        let name = self.name(member).unwrap_or_else(|| "?".into());
        let offset = self
            .udata(member, constants::DW_AT_data_member_location)
            .unwrap_or(0);
        (name, offset, self.type_of(member))
    }

    /// For a Rust enum (a structure with a variant part): the active variant's name and
    /// fields, read from its discriminant.
    #[allow(clippy::type_complexity)]
    fn active_variant(
        &self,
        ty: TypeRef,
        place: &Place,
        budget: &mut Budget,
    ) -> Option<(String, Vec<(String, u64, Option<TypeRef>)>)> {
        let part = *self
            .children_tagged(ty, constants::DW_TAG_variant_part)
            .first()?;
        let discriminant = self
            .reference(part, constants::DW_AT_discr)
            .and_then(|member| {
                let (_, offset, member_ty) = self.member(member);
                let size = self.size_of(member_ty).unwrap_or(4).min(8);
                Some(word(&self.bytes(place, offset, size, budget)?))
            });
        let variants: Vec<(Option<u64>, TypeRef)> = self
            .children_tagged(part, constants::DW_TAG_variant)
            .into_iter()
            .map(|variant| (self.udata(variant, constants::DW_AT_discr_value), variant))
            .collect();
        let chosen = variants
            .iter()
            .find(|(value, _)| value.is_some() && *value == discriminant)
            .or_else(|| variants.iter().find(|(value, _)| value.is_none()))?;
        // A variant holds one member: the variant's own structure, at its offset.
        let holder = *self
            .children_tagged(chosen.1, constants::DW_TAG_member)
            .first()?;
        let (name, offset, variant_ty) = self.member(holder);
        let fields = variant_ty
            .map(|variant_ty| {
                self.members(variant_ty)
                    .into_iter()
                    .map(|(field, at, field_ty)| (field, offset.saturating_add(at), field_ty))
                    .collect()
            })
            .unwrap_or_default();
        Some((name, fields))
    }

    /// The name of enumeration `ty`'s enumerator with `value`, or the number.
    fn enumerator(&self, ty: TypeRef, value: u64) -> String {
        self.children_tagged(ty, constants::DW_TAG_enumerator)
            .into_iter()
            .find(|at| {
                let constant = self
                    .entry(*at)
                    .and_then(|entry| entry.attr_value(constants::DW_AT_const_value).ok()?);
                constant.is_some_and(|v| {
                    v.udata_value() == Some(value) || v.sdata_value() == Some(value as i64)
                })
            })
            .and_then(|at| self.name(at))
            .unwrap_or_else(|| value.to_string())
    }

    /// The type's name: DWARF's, or for arrays `[T; N]`.
    fn type_name(&self, ty: TypeRef) -> String {
        if let Some(name) = self.name(ty) {
            return name;
        }
        let element = || {
            self.type_of(ty)
                .and_then(|element| self.name(element))
                .unwrap_or_else(|| "?".into())
        };
        match self.tag(ty) {
            Some(constants::DW_TAG_array_type) => match self.array_count(ty) {
                Some(count) => format!("[{}; {count}]", element()),
                None => format!("[{}]", element()),
            },
            Some(constants::DW_TAG_pointer_type) => format!("*{}", element()),
            _ => "?".into(),
        }
    }
}

/// Little-endian bytes (at most 8) as a number.
fn word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    let n = bytes.len().min(8);
    word[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(word)
}

/// A base type's value as Rust would print it.
fn base_value(encoding: gimli::DwAte, bytes: &[u8]) -> String {
    let unsigned = word(bytes);
    let bits = (bytes.len().min(8) * 8) as u32;
    let signed = match bits {
        0 => 0,
        64 => unsigned as i64,
        _ => ((unsigned << (64 - bits)) as i64) >> (64 - bits),
    };
    match encoding {
        constants::DW_ATE_boolean => (unsigned != 0).to_string(),
        constants::DW_ATE_signed | constants::DW_ATE_signed_char if bytes.len() == 16 => {
            i128::from_le_bytes(bytes.try_into().unwrap_or([0; 16])).to_string()
        }
        constants::DW_ATE_unsigned | constants::DW_ATE_unsigned_char if bytes.len() == 16 => {
            u128::from_le_bytes(bytes.try_into().unwrap_or([0; 16])).to_string()
        }
        constants::DW_ATE_signed | constants::DW_ATE_signed_char => signed.to_string(),
        constants::DW_ATE_UTF => match char::from_u32(unsigned as u32) {
            Some(c) => format!("{c:?}"),
            None => format!("{unsigned:#x}"),
        },
        constants::DW_ATE_float if bytes.len() == 4 => f32::from_bits(unsigned as u32).to_string(),
        constants::DW_ATE_float => f64::from_bits(unsigned).to_string(),
        _ => unsigned.to_string(),
    }
}

/// `{a: 1, b: 2}` (or `[…]`, `(…)`) of `children`, about 120 characters at most; `count`
/// the elements there are, with those not shown counted at the end.
fn summary(children: &[Variable], open: char, close: char, count: u64) -> String {
    let mut text = String::new();
    text.push(open);
    let mut shown = 0u64;
    for child in children {
        if text.len() > 120 {
            break;
        }
        if shown > 0 {
            text.push_str(", ");
        }
        match open {
            '{' => {
                let _ = write!(text, "{}: {}", child.name, child.value);
            }
            _ => text.push_str(&child.value),
        }
        shown += 1;
    }
    if shown < count {
        let comma = if shown > 0 { ", " } else { "" };
        let _ = write!(text, "{comma}… {} more", count - shown);
    }
    text.push(close);
    text
}

/// The variable `path` names among `variables`: `a`, `a.b`, `a[3]`, `a.0` (a tuple's
/// field), through pointers (`*a` is entered on the way).
pub fn find<'v>(variables: &'v [Variable], path: &str) -> Option<&'v Variable> {
    let mut parts = Vec::new();
    for part in path.split('.') {
        let (head, indices) = match part.find('[') {
            Some(at) => part.split_at(at),
            None => (part, ""),
        };
        if !head.is_empty() {
            parts.push(head.trim().to_owned());
        }
        for index in indices.split('[').filter(|i| !i.is_empty()) {
            parts.push(format!("[{}]", index.trim_end_matches(']').trim()));
        }
    }
    let (first, rest) = parts.split_first()?;
    let mut at = variables.iter().find(|v| v.name == *first)?;
    for part in rest {
        at = child(at, part)?;
    }
    Some(at)
}

/// `variable`'s child named `part` (a tuple's `0` is DWARF's `__0`), through a pointee.
fn child<'v>(variable: &'v Variable, part: &str) -> Option<&'v Variable> {
    let tuple_field = format!("__{part}");
    let own = variable
        .children
        .iter()
        .find(|c| c.name == part || c.name == tuple_field);
    own.or_else(|| {
        let [pointee] = &variable.children[..] else {
            return None;
        };
        pointee
            .name
            .starts_with('*')
            .then(|| child(pointee, part))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(name: &str, value: &str) -> Variable {
        Variable {
            name: name.into(),
            type_name: "u32".into(),
            value: value.into(),
            address: None,
            children: Vec::new(),
        }
    }

    #[test]
    fn paths_find_members_elements_tuple_fields_and_pointees() {
        let point = Variable {
            children: vec![leaf("x", "5"), leaf("y", "-7")],
            ..leaf("point", "{x: 5, y: -7}")
        };
        let kept = Variable {
            children: vec![leaf("__0", "5"), point.clone()],
            ..leaf("kept", "(…)")
        };
        let pointer = Variable {
            children: vec![Variable {
                name: "*self".into(),
                children: vec![leaf("total", "9")],
                ..leaf("", "")
            }],
            ..leaf("self", "0x10")
        };
        let array = Variable {
            children: vec![leaf("[0]", "1"), leaf("[1]", "2")],
            ..leaf("bytes", "[1, 2]")
        };
        let variables = [kept, pointer, array];
        assert_eq!(find(&variables, "kept.0").unwrap().value, "5");
        assert_eq!(find(&variables, "kept.point.y").unwrap().value, "-7");
        assert_eq!(find(&variables, "self.total").unwrap().value, "9");
        assert_eq!(find(&variables, "bytes[1]").unwrap().value, "2");
        assert!(find(&variables, "bytes[2]").is_none());
        assert!(find(&variables, "nothing").is_none());
    }

    /// DWARF a contract could ship: a type that points to itself over a memory cycle,
    /// an array of a billion elements, a grid that outgrows the budget, a typedef loop,
    /// location expressions that loop, overflow the stack or point outside memory. Each
    /// reads as far as the bounds allow, quickly, and the request goes on.
    #[test]
    fn hostile_dwarf_reads_within_bounds() {
        use gimli::write::{self, Address, AttributeValue as W, DwarfUnit, EndianVec, Expression};
        let encoding = gimli::Encoding {
            format: gimli::Format::Dwarf32,
            version: 4,
            address_size: 4,
        };
        let mut dwarf = DwarfUnit::new(encoding);
        let unit = &mut dwarf.unit;
        let root = unit.root();
        let unit_entry = unit.get_mut(root);
        unit_entry.set(constants::DW_AT_low_pc, W::Address(Address::Constant(0)));
        unit_entry.set(constants::DW_AT_high_pc, W::Udata(0x100));
        fn add(
            unit: &mut write::Unit,
            parent: write::UnitEntryId,
            tag: constants::DwTag,
            attributes: Vec<(constants::DwAt, W)>,
        ) -> write::UnitEntryId {
            let id = unit.add(parent, tag);
            for (name, value) in attributes {
                unit.get_mut(id).set(name, value);
            }
            id
        }
        fn array(
            unit: &mut write::Unit,
            element: write::UnitEntryId,
            count: u64,
        ) -> write::UnitEntryId {
            let root = unit.root();
            let element = (constants::DW_AT_type, W::UnitRef(element));
            let array = add(unit, root, constants::DW_TAG_array_type, vec![element]);
            let count = (constants::DW_AT_count, W::Udata(count));
            add(unit, array, constants::DW_TAG_subrange_type, vec![count]);
            array
        }
        let name = |text: &str| (constants::DW_AT_name, W::String(text.as_bytes().to_vec()));
        let u32_ty = add(
            unit,
            root,
            constants::DW_TAG_base_type,
            vec![
                name("u32"),
                (
                    constants::DW_AT_encoding,
                    W::Encoding(constants::DW_ATE_unsigned),
                ),
                (constants::DW_AT_byte_size, W::Udata(4)),
            ],
        );
        let node = add(
            unit,
            root,
            constants::DW_TAG_structure_type,
            vec![name("Node"), (constants::DW_AT_byte_size, W::Udata(8))],
        );
        let node_ptr = add(
            unit,
            root,
            constants::DW_TAG_pointer_type,
            vec![
                name("*const Node"),
                (constants::DW_AT_type, W::UnitRef(node)),
            ],
        );
        add(
            unit,
            node,
            constants::DW_TAG_member,
            vec![
                name("value"),
                (constants::DW_AT_type, W::UnitRef(u32_ty)),
                (constants::DW_AT_data_member_location, W::Udata(0)),
            ],
        );
        add(
            unit,
            node,
            constants::DW_TAG_member,
            vec![
                name("next"),
                (constants::DW_AT_type, W::UnitRef(node_ptr)),
                (constants::DW_AT_data_member_location, W::Udata(4)),
            ],
        );
        let huge = array(unit, u32_ty, 1_000_000_000);
        let row = array(unit, u32_ty, 64);
        let grid = array(unit, row, 64);
        let knot = add(unit, root, constants::DW_TAG_typedef, vec![name("A")]);
        let other = add(
            unit,
            root,
            constants::DW_TAG_typedef,
            vec![name("B"), (constants::DW_AT_type, W::UnitRef(knot))],
        );
        unit.get_mut(knot)
            .set(constants::DW_AT_type, W::UnitRef(other));
        let function = add(
            unit,
            root,
            constants::DW_TAG_subprogram,
            vec![
                name("hostile"),
                (constants::DW_AT_low_pc, W::Address(Address::Constant(0))),
                (constants::DW_AT_high_pc, W::Udata(0x100)),
                // The frame base is WASM local 0.
                (
                    constants::DW_AT_frame_base,
                    W::Exprloc(Expression::raw(vec![0xed, 0x00, 0x00, 0x9f])),
                ),
            ],
        );
        let fbreg = |offset: u8| Expression::raw(vec![0x91, offset]);
        let variables: Vec<(&str, Expression, write::UnitEntryId)> = vec![
            ("list", fbreg(16), node),
            ("huge", fbreg(0), huge),
            ("knotted", fbreg(0), knot),
            // DW_OP_lit1, DW_OP_skip -3: back to itself, forever.
            (
                "looping",
                Expression::raw(vec![0x31, 0x2f, 0xfd, 0xff]),
                u32_ty,
            ),
            // 300 × DW_OP_lit0.
            ("deep", Expression::raw(vec![0x30; 300]), u32_ty),
            // DW_OP_addr 0xfffffff0: past the memory.
            (
                "outside",
                Expression::raw(vec![0x03, 0xf0, 0xff, 0xff, 0xff]),
                u32_ty,
            ),
            // Last: it spends what is left of the budget.
            ("grid", fbreg(0), grid),
        ];
        for (variable, location, ty) in variables {
            add(
                unit,
                function,
                constants::DW_TAG_variable,
                vec![
                    name(variable),
                    (constants::DW_AT_location, W::Exprloc(location)),
                    (constants::DW_AT_type, W::UnitRef(ty)),
                ],
            );
        }
        let mut sections = write::Sections::new(EndianVec::new(gimli::LittleEndian));
        dwarf.write(&mut sections).unwrap();
        let read = Dwarf::load(|id| {
            let data = sections.get(id).map_or(&[][..], |section| section.slice());
            Ok::<_, ()>(gimli::EndianSlice::new(data, gimli::LittleEndian))
        })
        .unwrap();

        // The frame base is 0; at 16 a node whose `next` is itself.
        let mut memory = vec![0u8; 64 * 1024];
        memory[16..20].copy_from_slice(&7u32.to_le_bytes());
        memory[20..24].copy_from_slice(&16u32.to_le_bytes());
        let snapshot = Snapshot {
            frames: Vec::new(),
            globals: Vec::new(),
            memory: pallet_europa_contracts::trace::Bytes(memory),
        };
        let frame = FrameSnapshot {
            function: 0,
            offset: Some(0x10),
            locals: vec![Some(0)],
        };
        let started = std::time::Instant::now();
        let mut budget = Budget::default();
        let scopes = scopes_at(&read, 0, &snapshot, &frame, &mut budget).scopes;
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let [scope] = &scopes[..] else {
            panic!("one scope")
        };
        assert_eq!(scope.function.as_deref(), Some("hostile"));
        let value = |name: &str| find(&scope.variables, name).unwrap_or_else(|| panic!("{name}"));

        let mut list = value("list");
        let mut depth = 0;
        while let Some(next) = list.children.iter().find(|c| c.name == "next") {
            assert_eq!(next.value, "0x10");
            match next.children.first() {
                Some(node) => list = node,
                None => break,
            }
            depth += 1;
        }
        assert!(
            depth > 0 && depth <= MAX_DEPTH,
            "the cycle is followed {depth} times"
        );
        let huge = value("huge");
        assert_eq!(huge.children.len() as u64, MAX_ELEMENTS);
        assert!(
            huge.value.contains(", … 9999999") && huge.value.ends_with(" more]"),
            "{}",
            huge.value
        );
        assert!(value("knotted").value.contains("does not read"));
        for (name, why) in [
            ("looping", "not supported"),
            ("deep", "too deep"),
            ("outside", "unavailable"),
        ] {
            assert!(
                value(name).value.contains(why),
                "{name}: {}",
                value(name).value
            );
        }
        // The grid has 4 160 cells and rows: past the budget, what is left says so.
        let grid = value("grid");
        let last_row = grid.children.last().unwrap();
        assert!(last_row.value.contains("budget"), "{}", last_row.value);
        assert_eq!(budget.nodes, 0);
    }

    #[test]
    fn base_values_read_as_rust_prints_them() {
        use constants::*;
        assert_eq!(base_value(DW_ATE_signed, &(-7i32).to_le_bytes()), "-7");
        assert_eq!(base_value(DW_ATE_unsigned, &5000u64.to_le_bytes()), "5000");
        assert_eq!(base_value(DW_ATE_boolean, &[1]), "true");
        assert_eq!(base_value(DW_ATE_UTF, &('é' as u32).to_le_bytes()), "'é'");
        assert_eq!(
            base_value(DW_ATE_unsigned, &u128::MAX.to_le_bytes()),
            u128::MAX.to_string()
        );
    }
}
