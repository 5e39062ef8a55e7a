//! Bounds on a contract's type registry, checked before Europa decodes anything with it
//! (D8). Metadata comes from whoever calls `europa_registerContract`, uploads it in the
//! Explorer, passes it with `--contracts` or left it in `<chain dir>/europa-insight/`, and
//! contract-transcode, which decodes and encodes with it, recurses once per type level
//! with no depth limit and allocates as many values as a type says. So a registry is
//! accepted only when:
//!
//! - it has at most [`MAX_TYPES`] types, each with its position as its id (the decoder
//!   resolves an id by position), and every type it refers to is among them;
//! - no type contains itself, however indirectly: recursion then ends with the type
//!   graph, not with the input;
//! - no type nests deeper than [`MAX_TYPE_DEPTH`] levels, so the decoder's recursion
//!   fits any thread's stack;
//! - no sequence has elements that encode to no bytes (a 5-byte length would decode to
//!   2^30 of them), and decoding never produces more than [`MAX_ZERO_SIZE_VALUES`]
//!   values between two bytes of input (an `[(); 4294967295]` decodes to 4 billion
//!   values from no bytes at all). Decoding `n` bytes then produces at most
//!   `MAX_ZERO_SIZE_VALUES × (n + 1)` values.
//!
//! The same bound on values holds for a message's or constructor's arguments and an
//! event's fields, which are decoded one after another ([`TypeBounds::check_fields`]).
//!
//! Nothing here recurses: a registry may be a chain of 65 536 types, and its JSON nests
//! only a few levels whatever the type graph does.

use scale_info::{form::PortableForm, PortableRegistry, Type, TypeDef, TypeDefPrimitive};

/// The most types a registry may hold (real ink! contracts have tens to hundreds).
pub const MAX_TYPES: usize = 65_536;

/// The most levels a type may nest: the types on the longest chain of references that
/// starts at it, itself included (a primitive is 1 level deep, a struct of primitives 2).
/// The fixtures' registries nest 3 or 4 levels; the decoder recurses about three Rust
/// frames per level.
pub const MAX_TYPE_DEPTH: usize = 64;

/// The most values decoding may produce without reading a byte of input (real metadata
/// needs at most 4; decoding `n` bytes then makes at most 64 × (n + 1) values): all of a
/// zero-size type's values (the type's own included: `[(); 63]` is 64 values), or
/// those between two bytes read.
pub const MAX_ZERO_SIZE_VALUES: u64 = 64;

/// What decoding a type costs, at worst.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Measure {
    /// The types on the longest chain of references from this type, itself included.
    depth: usize,
    /// The fewest bytes a value of the type encodes to.
    min_size: u64,
    /// The most values decoded before its first byte (all of them, when `min_size` is 0).
    lead: u64,
    /// The most values decoded between two of its bytes.
    inner: u64,
    /// The most values decoded after its last byte (all of them, when `min_size` is 0).
    trail: u64,
}

impl Measure {
    fn most_without_input(&self) -> u64 {
        self.lead.max(self.inner).max(self.trail)
    }
}

/// Values decoded one after another (fields, elements, arguments), measured as a whole.
#[derive(Default)]
struct Run {
    min_size: u64,
    /// Values decoded since the last byte (or the start).
    open: u64,
    /// Values decoded before the first byte, once a byte was read.
    lead: Option<u64>,
    inner: u64,
}

impl Run {
    fn push(&mut self, part: &Measure) {
        self.min_size = self.min_size.saturating_add(part.min_size);
        if part.min_size == 0 {
            self.open = self.open.saturating_add(part.lead);
            return;
        }
        let before = self.open.saturating_add(part.lead);
        match self.lead {
            None => self.lead = Some(before),
            Some(_) => self.inner = self.inner.max(before),
        }
        self.inner = self.inner.max(part.inner);
        self.open = part.trail;
    }

    /// A byte read outside any part (a variant's index, a message's selector).
    fn byte(&mut self) {
        self.push(&Measure {
            min_size: 1,
            ..Measure::default()
        });
    }

    /// Values decoded without input (an argument's name).
    fn values(&mut self, count: u64) {
        self.open = self.open.saturating_add(count);
    }

    /// The run as one value holding its parts, made after them (`own` values).
    fn finish(self, own: u64, depth: usize) -> Measure {
        let trail = self.open.saturating_add(own);
        Measure {
            depth,
            min_size: self.min_size,
            lead: self.lead.unwrap_or(trail),
            inner: self.inner,
            trail,
        }
    }
}

/// A registry's types, measured and accepted.
pub struct TypeBounds {
    measures: Vec<Measure>,
}

/// Checks `registry` against the bounds above, naming the first type that breaks one.
pub fn check(registry: &PortableRegistry) -> Result<TypeBounds, String> {
    let types = &registry.types;
    if types.len() > MAX_TYPES {
        return Err(format!(
            "{} types, more than the {MAX_TYPES} Europa accepts",
            types.len()
        ));
    }
    let count = types.len();
    let known = |id: u32| (id as usize) < count;
    let mut edges: Vec<Vec<u32>> = Vec::with_capacity(count);
    for (position, entry) in types.iter().enumerate() {
        if entry.id as usize != position {
            return Err(format!(
                "the type at position {position} has id {}: ids must be the types' \
                 positions, 0, 1, 2, …",
                entry.id
            ));
        }
        let refers = references(&entry.ty);
        if let Some(missing) = refers.iter().find(|id| !known(**id)) {
            return Err(format!(
                "{} refers to type {missing}, which the registry does not have",
                name(registry, position)
            ));
        }
        let parameters = entry
            .ty
            .type_params
            .iter()
            .filter_map(|p| p.ty.map(|t| t.id));
        if let Some(missing) = parameters.into_iter().find(|id| !known(*id)) {
            return Err(format!(
                "{} has type {missing} as a parameter, which the registry does not have",
                name(registry, position)
            ));
        }
        edges.push(refers);
    }

    // A depth-first walk on a stack of its own, measuring each type once its references
    // are measured (post-order); reaching a type still on the stack closes a cycle.
    const NEW: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; count];
    let mut measures = vec![Measure::default(); count];
    // The reference each type's depth comes through, to show the deepest chain.
    let mut deepest: Vec<Option<u32>> = vec![None; count];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..count {
        if state[root] != NEW {
            continue;
        }
        state[root] = OPEN;
        stack.push((root, 0));
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            if let Some(&child) = edges[node].get(*next) {
                *next += 1;
                let child = child as usize;
                match state[child] {
                    NEW => {
                        state[child] = OPEN;
                        stack.push((child, 0));
                    }
                    OPEN => return Err(cycle(registry, &stack, child)),
                    _ => {}
                }
                continue;
            }
            stack.pop();
            state[node] = DONE;
            let measure = measure(registry, node, &measures)?;
            deepest[node] = edges[node]
                .iter()
                .copied()
                .max_by_key(|child| measures[*child as usize].depth);
            if measure.depth > MAX_TYPE_DEPTH {
                return Err(too_deep(registry, node, &measure, &deepest));
            }
            if measure.min_size == 0 && measure.lead > MAX_ZERO_SIZE_VALUES {
                return Err(format!(
                    "{} decodes to {} values from no bytes of input, more than the \
                     {MAX_ZERO_SIZE_VALUES} Europa accepts",
                    name(registry, node),
                    shown(measure.lead)
                ));
            }
            if measure.most_without_input() > MAX_ZERO_SIZE_VALUES {
                return Err(format!(
                    "{} decodes to {} values between two bytes of input, more than the \
                     {MAX_ZERO_SIZE_VALUES} Europa accepts",
                    name(registry, node),
                    shown(measure.most_without_input())
                ));
            }
            measures[node] = measure;
        }
    }
    Ok(TypeBounds { measures })
}

impl TypeBounds {
    /// Checks values of types `ids` decoded one after another after some bytes, as a
    /// message's or constructor's arguments (after the selector) or an event's fields
    /// (after the data's length) are: each is known, and together, with a value for each
    /// one's name, they stay within [`MAX_ZERO_SIZE_VALUES`] between two bytes.
    pub fn check_fields(&self, what: &str, ids: &[u32]) -> Result<(), String> {
        let mut run = Run::default();
        run.byte();
        for &id in ids {
            let Some(measure) = self.measures.get(id as usize) else {
                return Err(format!(
                    "{what} has type {id}, which the registry does not have"
                ));
            };
            run.values(1);
            run.push(measure);
        }
        let most = run.finish(1, 0).most_without_input();
        if most > MAX_ZERO_SIZE_VALUES {
            return Err(format!(
                "{what} decodes to {} values between two bytes of input, more than the \
                 {MAX_ZERO_SIZE_VALUES} Europa accepts",
                shown(most)
            ));
        }
        Ok(())
    }
}

/// Checks the types of an ink! project and of what its messages, constructors and
/// events decode.
pub fn check_project(project: &ink_metadata::InkProject) -> Result<(), String> {
    let bounds = check(project.registry())?;
    let spec = project.spec();
    let returns = |what: String, id: u32| bounds.check_fields(&what, &[id]);
    for constructor in spec.constructors() {
        let what = format!("constructor `{}`", clipped(constructor.label()));
        let args: Vec<u32> = constructor.args().iter().map(|a| a.ty().ty().id).collect();
        bounds.check_fields(&what, &args)?;
        returns(
            format!("{what}'s return type"),
            constructor.return_type().ret_type().ty().id,
        )?;
    }
    for message in spec.messages() {
        let what = format!("message `{}`", clipped(message.label()));
        let args: Vec<u32> = message.args().iter().map(|a| a.ty().ty().id).collect();
        bounds.check_fields(&what, &args)?;
        returns(
            format!("{what}'s return type"),
            message.return_type().ret_type().ty().id,
        )?;
    }
    for event in spec.events() {
        let what = format!("event `{}`", clipped(event.label()));
        let fields: Vec<u32> = event.args().iter().map(|a| a.ty().ty().id).collect();
        bounds.check_fields(&what, &fields)?;
    }
    Ok(())
}

/// The types a value of `ty` is decoded (or encoded) through.
fn references(ty: &Type<PortableForm>) -> Vec<u32> {
    match &ty.type_def {
        TypeDef::Composite(composite) => composite.fields.iter().map(|f| f.ty.id).collect(),
        TypeDef::Variant(variant) => variant
            .variants
            .iter()
            .flat_map(|v| v.fields.iter().map(|f| f.ty.id))
            .collect(),
        TypeDef::Sequence(sequence) => vec![sequence.type_param.id],
        TypeDef::Array(array) => vec![array.type_param.id],
        TypeDef::Tuple(tuple) => tuple.fields.iter().map(|f| f.id).collect(),
        TypeDef::Primitive(_) => Vec::new(),
        TypeDef::Compact(compact) => vec![compact.type_param.id],
        TypeDef::BitSequence(bits) => vec![bits.bit_store_type.id, bits.bit_order_type.id],
    }
}

/// Measures type `id`, whose references are measured already. A value is counted where
/// contract-transcode makes it: a primitive after its bytes, a struct, tuple, enum or
/// sequence after its contents.
fn measure(
    registry: &PortableRegistry,
    id: usize,
    measures: &[Measure],
) -> Result<Measure, String> {
    let ty = &registry.types[id].ty;
    let of = |child: u32| measures[child as usize];
    let depth = 1 + references(ty)
        .into_iter()
        .map(|child| of(child).depth)
        .max()
        .unwrap_or(0);
    // `values` made after reading at least `min_size` bytes.
    let read = |min_size: u64, values: u64| Measure {
        depth,
        min_size,
        lead: 0,
        inner: 0,
        trail: values,
    };
    // `values` made without reading.
    let zero_size = |values: u64| Measure {
        depth,
        min_size: 0,
        lead: values,
        inner: 0,
        trail: values,
    };
    Ok(match &ty.type_def {
        TypeDef::Primitive(primitive) => read(primitive_size(primitive), 1),
        // A compact integer, possibly inside a one-field struct.
        TypeDef::Compact(_) => read(1, 2),
        // Its length comes first (and contract-transcode decodes no further).
        TypeDef::BitSequence(_) => read(1, 1),
        TypeDef::Composite(composite) => {
            let mut run = Run::default();
            composite.fields.iter().for_each(|f| run.push(&of(f.ty.id)));
            run.finish(1, depth)
        }
        TypeDef::Tuple(tuple) => {
            let mut run = Run::default();
            tuple.fields.iter().for_each(|f| run.push(&of(f.id)));
            run.finish(1, depth)
        }
        TypeDef::Variant(variant) => {
            // The index byte, then the fields of the variant it names.
            let mut measure = read(u64::MAX, 1);
            for v in &variant.variants {
                let mut run = Run::default();
                run.byte();
                v.fields.iter().for_each(|f| run.push(&of(f.ty.id)));
                let fields = run.finish(1, depth);
                measure.min_size = measure.min_size.min(fields.min_size);
                measure.inner = measure.inner.max(fields.inner);
                measure.trail = measure.trail.max(fields.trail);
            }
            if variant.variants.is_empty() {
                // Decoding fails after the index byte.
                measure.min_size = 1;
            }
            measure
        }
        TypeDef::Sequence(sequence) => {
            let element = of(sequence.type_param.id);
            if element.min_size == 0 {
                return Err(format!(
                    "{} is a sequence of type {}, which encodes to no bytes: a few bytes \
                     of length would decode to a billion values",
                    name(registry, id),
                    sequence.type_param.id
                ));
            }
            // The length, then elements each reading a byte at least.
            Measure {
                depth,
                min_size: 1,
                lead: 0,
                inner: element
                    .inner
                    .max(element.lead)
                    .max(element.trail.saturating_add(element.lead)),
                trail: element.trail.saturating_add(1),
            }
        }
        TypeDef::Array(array) => {
            let element = of(array.type_param.id);
            let len = u64::from(array.len);
            if len == 0 {
                zero_size(1)
            } else if element.min_size == 0 {
                zero_size(len.saturating_mul(element.lead).saturating_add(1))
            } else {
                Measure {
                    depth,
                    min_size: len.saturating_mul(element.min_size),
                    lead: element.lead,
                    inner: match len {
                        1 => element.inner,
                        _ => element
                            .inner
                            .max(element.trail.saturating_add(element.lead)),
                    },
                    trail: element.trail.saturating_add(1),
                }
            }
        }
    })
}

fn primitive_size(primitive: &TypeDefPrimitive) -> u64 {
    match primitive {
        TypeDefPrimitive::Bool | TypeDefPrimitive::U8 | TypeDefPrimitive::I8 => 1,
        // Its length, compact-encoded.
        TypeDefPrimitive::Str => 1,
        TypeDefPrimitive::U16 | TypeDefPrimitive::I16 => 2,
        TypeDefPrimitive::Char | TypeDefPrimitive::U32 | TypeDefPrimitive::I32 => 4,
        TypeDefPrimitive::U64 | TypeDefPrimitive::I64 => 8,
        TypeDefPrimitive::U128 | TypeDefPrimitive::I128 => 16,
        TypeDefPrimitive::U256 | TypeDefPrimitive::I256 => 32,
    }
}

/// `type 7 (erc20::erc20::Error)`, or `type 7` for a type without a path.
fn name(registry: &PortableRegistry, id: usize) -> String {
    let path = &registry.types[id].ty.path.segments;
    match path.is_empty() {
        true => format!("type {id}"),
        false => format!("type {id} ({})", clipped(&path.join("::"))),
    }
}

/// Text from the metadata, cut short enough for an error message.
fn clipped(text: &str) -> String {
    const SHOWN: usize = 80;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// A count, with `u64::MAX` (a saturated one) read as what it stands for.
fn shown(count: u64) -> String {
    match count {
        u64::MAX => "more than 18446744073709551614".to_owned(),
        _ => count.to_string(),
    }
}

/// The cycle closed by a reference to `child`, which is on the walk's `stack`.
fn cycle(registry: &PortableRegistry, stack: &[(usize, usize)], child: usize) -> String {
    let start = stack
        .iter()
        .position(|(node, _)| *node == child)
        .unwrap_or(0);
    let ids: Vec<usize> = stack[start..].iter().map(|(node, _)| *node).collect();
    format!(
        "{} contains itself ({}): a value of it could nest without end",
        name(registry, child),
        chain(&ids, Some(child))
    )
}

fn too_deep(
    registry: &PortableRegistry,
    id: usize,
    measure: &Measure,
    deepest: &[Option<u32>],
) -> String {
    let mut ids = vec![id];
    while let Some(next) = deepest[*ids.last().expect("one at least")] {
        ids.push(next as usize);
        if ids.len() > 8 {
            break;
        }
    }
    format!(
        "{} nests {} levels deep ({}), more than the {MAX_TYPE_DEPTH} Europa accepts",
        name(registry, id),
        measure.depth,
        chain(&ids, None)
    )
}

/// `3 → 5 → 3`, shortened when long.
fn chain(ids: &[usize], closing: Option<usize>) -> String {
    const SHOWN: usize = 6;
    let mut parts: Vec<String> = ids.iter().take(SHOWN).map(usize::to_string).collect();
    if ids.len() > SHOWN {
        parts.push("…".to_owned());
    }
    if let Some(closing) = closing {
        parts.push(closing.to_string());
    }
    parts.join(" → ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// A registry of `defs` (each a `TypeDef` as scale-info serializes it), ids by position.
    fn registry(defs: Vec<Value>) -> PortableRegistry {
        let types: Vec<Value> = defs
            .into_iter()
            .enumerate()
            .map(|(id, def)| json!({ "id": id, "type": { "def": def } }))
            .collect();
        serde_json::from_value(json!({ "types": types })).expect("a registry")
    }

    fn composite(ids: &[usize]) -> Value {
        let fields: Vec<Value> = ids.iter().map(|id| json!({ "type": id })).collect();
        json!({ "composite": { "fields": fields } })
    }

    fn unit() -> Value {
        json!({ "tuple": [] })
    }

    fn u8() -> Value {
        json!({ "primitive": "u8" })
    }

    fn array(len: u32, id: usize) -> Value {
        json!({ "array": { "len": len, "type": id } })
    }

    /// Type 0 refers to 1, 1 to 2, …, and the last is a `u8`: `len` types, type 0 nests
    /// `len` levels deep.
    fn chain(len: usize) -> PortableRegistry {
        let mut defs: Vec<Value> = (1..len).map(|next| composite(&[next])).collect();
        defs.push(u8());
        registry(defs)
    }

    fn refused(registry: &PortableRegistry) -> String {
        match check(registry) {
            Ok(_) => panic!("accepted"),
            Err(reason) => reason,
        }
    }

    #[test]
    fn the_json_shape_is_scale_infos_own() {
        // What scale-info writes, read back: the shape these tests (and metadata) use.
        let mut types = scale_info::Registry::new();
        types.register_type(&scale_info::meta_type::<(u8, [(); 2], Vec<bool>)>());
        let portable: PortableRegistry = types.into();
        let written = serde_json::to_value(&portable).expect("serialized");
        assert_eq!(
            written["types"][0]["type"]["def"]["tuple"],
            json!([1, 2, 4])
        );
        assert_eq!(written["types"][2]["type"]["def"], array(2, 3));
        assert_eq!(written["types"][3]["type"]["def"], unit());
        assert_eq!(
            written["types"][4]["type"]["def"],
            json!({ "sequence": { "type": 5 } })
        );
        let read: PortableRegistry = serde_json::from_value(written).expect("read back");
        assert_eq!(read, portable);
        check(&read).expect("accepted");
    }

    #[test]
    fn a_composite_containing_itself_is_refused() {
        let reason = refused(&registry(vec![u8(), composite(&[0, 1])]));
        assert_eq!(
            reason,
            "type 1 contains itself (1 → 1): a value of it could nest without end"
        );
    }

    #[test]
    fn a_cycle_through_a_variant_is_refused() {
        let variant = json!({ "variant": { "variants": [
            { "name": "Leaf", "index": 0 },
            { "name": "Node", "index": 1, "fields": [{ "type": 2 }] },
        ] } });
        let reason = refused(&registry(vec![u8(), variant, composite(&[0, 1])]));
        assert!(
            reason.starts_with("type 1 contains itself (1 → 2 → 1)"),
            "{reason}"
        );
    }

    #[test]
    fn nesting_is_bounded_at_64_levels() {
        // A chain of 64 types: type 0 is 64 levels deep (a primitive is 1).
        check(&chain(MAX_TYPE_DEPTH)).expect("64 levels are accepted");
        let reason = refused(&chain(MAX_TYPE_DEPTH + 1));
        assert_eq!(
            reason,
            "type 0 nests 65 levels deep (0 → 1 → 2 → 3 → 4 → 5 → …), more than the 64 \
             Europa accepts"
        );
    }

    #[test]
    fn a_64_level_type_decodes_on_a_small_stack() {
        // The bound is there for contract-transcode's recursion: a value of the deepest
        // accepted type decodes on a quarter of a thread's default stack.
        let registry = chain(MAX_TYPE_DEPTH);
        check(&registry).expect("accepted");
        let decoded = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || {
                let transcoder = contract_transcode::TranscoderBuilder::new(&registry).done();
                let value = transcoder
                    .decode(&registry, 0, &mut &[7u8][..])
                    .expect("decoded");
                value.to_string()
            })
            .expect("spawned")
            .join()
            .expect("no overflow");
        assert!(decoded.contains('7'), "{decoded}");
    }

    #[test]
    fn the_walk_does_not_recurse() {
        // As many types as accepted, each containing the next: refused for depth, and
        // the check's own stack is untouched.
        let reason = refused(&chain(MAX_TYPES));
        assert!(
            reason.starts_with("type 65471 nests 65 levels deep"),
            "{reason}"
        );
        // A cycle through all of them.
        let mut defs: Vec<Value> = (1..MAX_TYPES).map(|next| composite(&[next])).collect();
        defs.push(composite(&[0]));
        let reason = refused(&registry(defs));
        assert!(
            reason.starts_with("type 0 contains itself (0 → 1 → 2 → 3 → 4 → 5 → … → 0)"),
            "{reason}"
        );
        let reason = refused(&chain(MAX_TYPES + 1));
        assert_eq!(reason, "65537 types, more than the 65536 Europa accepts");
    }

    #[test]
    fn an_array_of_four_billion_units_is_refused() {
        let reason = refused(&registry(vec![unit(), array(u32::MAX, 0)]));
        assert_eq!(
            reason,
            "type 1 decodes to 4294967296 values from no bytes of input, more than the \
             64 Europa accepts"
        );
        // Nested arrays saturate rather than overflow.
        let reason = refused(&registry(vec![
            unit(),
            array(u32::MAX, 0),
            array(u32::MAX, 1),
        ]));
        assert!(reason.starts_with("type 1 decodes to"), "{reason}");
        // The array counts as a value itself: 63 units are 64 values.
        check(&registry(vec![unit(), array(63, 0)])).expect("64 values");
        let reason = refused(&registry(vec![unit(), array(64, 0)]));
        assert!(
            reason.starts_with("type 1 decodes to 65 values"),
            "{reason}"
        );
        // So does a struct of units.
        let reason = refused(&registry(vec![unit(), array(40, 0), composite(&[1, 1])]));
        assert!(
            reason.starts_with("type 2 decodes to 83 values from no bytes"),
            "{reason}"
        );
        // Between bytes too: a byte (read, then its value), two arrays of 40 units,
        // a byte.
        let reason = refused(&registry(vec![
            unit(),
            array(40, 0),
            u8(),
            composite(&[2, 1, 1, 2]),
        ]));
        assert!(
            reason.starts_with("type 3 decodes to 83 values between two bytes of input"),
            "{reason}"
        );
        // An array of no elements reads nothing, whatever its element: one value.
        check(&registry(vec![u8(), array(0, 0)])).expect("[u8; 0]");
        let reason = refused(&registry(vec![u8(), array(0, 0), array(u32::MAX, 1)]));
        assert!(
            reason.starts_with("type 2 decodes to 4294967296 values"),
            "{reason}"
        );
        // Elements that read bytes are bounded by the input.
        check(&registry(vec![u8(), array(u32::MAX, 0)])).expect("4 GiB of input to decode");
    }

    #[test]
    fn a_sequence_of_zero_size_elements_is_refused() {
        let sequence = json!({ "sequence": { "type": 0 } });
        let reason = refused(&registry(vec![unit(), sequence.clone()]));
        assert_eq!(
            reason,
            "type 1 is a sequence of type 0, which encodes to no bytes: a few bytes of \
             length would decode to a billion values"
        );
        check(&registry(vec![u8(), sequence])).expect("Vec<u8>");
    }

    #[test]
    fn unknown_ids_are_refused() {
        let reason = refused(&registry(vec![u8(), composite(&[0, 7])]));
        assert_eq!(
            reason,
            "type 1 refers to type 7, which the registry does not have"
        );
        let mut types = serde_json::to_value(registry(vec![u8(), u8()])).unwrap();
        types["types"][1]["id"] = json!(0);
        let reason = refused(&serde_json::from_value(types).unwrap());
        assert!(
            reason.starts_with("the type at position 1 has id 0"),
            "{reason}"
        );
    }

    #[test]
    fn arguments_decoded_one_after_another_are_bounded_together() {
        let bounds = check(&registry(vec![unit(), array(40, 0), u8()])).expect("accepted");
        bounds
            .check_fields("message `m`", &[2, 1, 2])
            .expect("one array");
        let reason = bounds
            .check_fields("message `m`", &[1, 1])
            .expect_err("two arrays");
        assert!(
            reason.starts_with("message `m` decodes to 85 values between two bytes"),
            "{reason}"
        );
        let reason = bounds.check_fields("event `E`", &[3]).expect_err("unknown");
        assert_eq!(
            reason,
            "event `E` has type 3, which the registry does not have"
        );
    }

    #[test]
    fn minimum_sizes_follow_the_encoding() {
        let variant = json!({ "variant": { "variants": [
            { "name": "Big", "index": 0, "fields": [{ "type": 3 }] },
            { "name": "Small", "index": 1, "fields": [{ "type": 0 }] },
        ] } });
        let registry = registry(vec![
            u8(),
            json!({ "primitive": "u128" }),
            json!({ "primitive": "str" }),
            array(3, 1),
            composite(&[0, 1, 2]),
            variant,
            json!({ "compact": { "type": 1 } }),
            json!({ "sequence": { "type": 1 } }),
            array(u32::MAX, 3),
            array(u32::MAX, 8),
        ]);
        let bounds = check(&registry).expect("accepted");
        let sizes: Vec<u64> = bounds.measures.iter().map(|m| m.min_size).collect();
        assert_eq!(
            sizes,
            [
                1,
                16,
                1,
                48,
                18,
                2,
                1,
                1,
                48 * u64::from(u32::MAX),
                u64::MAX
            ]
        );
    }

    #[test]
    fn every_fixtures_metadata_is_accepted() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../pallets/contracts/fixtures/metadata"
        );
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read");
            crate::insight::ContractAbi::parse(&bytes)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let metadata: Value = serde_json::from_slice(&bytes).expect("JSON");
            let registry: PortableRegistry =
                serde_json::from_value(json!({ "types": metadata["types"] })).expect("types");
            let bounds = check(&registry).expect("accepted");
            let depth = bounds.measures.iter().map(|m| m.depth).max().unwrap_or(0);
            let values = bounds
                .measures
                .iter()
                .map(Measure::most_without_input)
                .max()
                .unwrap_or(0);
            println!(
                "{}: {} types, {depth} levels deep, at most {values} values between bytes",
                path.display(),
                registry.types.len()
            );
            assert!(depth <= MAX_TYPE_DEPTH / 4, "{}: {depth}", path.display());
            seen += 1;
        }
        assert!(seen >= 10, "{seen} fixtures");
    }
}
