//! A fuzz test of the type bounds. ink! metadata whose type registry is
//! mutated or generated at random goes through the entry point everything Europa learns
//! goes through, [`ContractAbi::parse`] (`europa_registerContract`, the Explorer's upload,
//! `--contracts` and a restart all use it), and, when it is accepted, through what the
//! node then runs on it: `reader()`, `decode_call`, `decode_event`, `decode_return`,
//! `encode_call`, `messages` and `variant_docs`, on a thread with a small stack
//! ([`STACK_SIZE`]). A bound that let a too-deep type through shows up as a stack
//! overflow, one that let too many values through as a slow case (the slowest is
//! printed), and a panic in contract-transcode as a failed run: the node turns one into
//! an undecoded value (its panic hook would otherwise end the process) and counts it in
//! `metadata::TRANSCODER_PANICS`, which must stay at zero.
//!
//! Each case starts from one of the fixtures' metadata
//! (`pallets/contracts/fixtures/metadata/*.json`) and either mutates its registry
//! (retargets a type reference to a random id, the type itself, one of its ancestors or
//! an id out of range; changes an array's length to 0, 1, 63, 64, 4096 or `u32::MAX`;
//! turns a type into `()`; changes a primitive; gives a type the path of an `AccountId`
//! or `Hash`, which the transcoder decodes its own way; adds a chain of new types up to
//! and past [`MAX_TYPE_DEPTH`] levels) or appends a small registry generated from
//! scratch, and attaches what it made to a message's or constructor's arguments or
//! return type, or to an event's fields.
//!
//! Reproducible: case `i` draws everything from seed `EUROPA_METADATA_FUZZ_SEED + i`
//! (default 0) with a splitmix64 generator, and `EUROPA_METADATA_FUZZ_CASES` cases run
//! (default 200, a few seconds in the normal `cargo test`). A long run, outside CI:
//!
//! ```text
//! EUROPA_METADATA_FUZZ_CASES=100000 cargo test -p europa-node --release --bin europa \
//!     type_bounds_fuzz -- --nocapture
//! ```
//!
//! A failed case names its seed; a stack overflow, which ends the process, names it in
//! the thread's name (`thread 'metadata fuzz seed 1234' has overflowed its stack`). Run
//! that case alone with `EUROPA_METADATA_FUZZ_SEED=1234 EUROPA_METADATA_FUZZ_CASES=1`.
//! `EUROPA_METADATA_FUZZ_STACK_KIB` changes the cases' stack, to see how much of it the
//! deepest accepted types need (in a debug build, the default run passes on 128 KiB and
//! overflows on 64).

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use serde_json::{json, Value};

use super::{
    metadata::{nesting, DecodedCall},
    type_bounds::MAX_TYPE_DEPTH,
    ContractAbi,
};

/// The stack each case runs on, unless `EUROPA_METADATA_FUZZ_STACK_KIB` says otherwise: an
/// eighth of the 2 MiB that tokio's workers and blocking threads (where the node decodes)
/// have.
const STACK_SIZE: usize = 256 * 1024;

/// Array lengths around the bounds.
const ARRAY_LENS: [u64; 6] = [0, 1, 63, 64, 4096, u32::MAX as u64];

const PRIMITIVES: [&str; 16] = [
    "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "u256", "i8", "i16", "i32", "i64",
    "i128", "i256", "u8",
];

/// Paths the transcoder gives a decoder (or encoder) of its own, and a few it does not.
const PATHS: [&[&str]; 5] = [
    &["ink_primitives", "types", "AccountId"],
    &["ink_primitives", "types", "Hash"],
    &["Option"],
    &["Result"],
    &["fuzz", "Type"],
];

/// Arguments as `cargo contract call --args` takes them.
const ARGS: [&str; 20] = [
    "0",
    "1",
    "-1",
    "true",
    "\"text\"",
    "()",
    "(1)",
    "(1, 2)",
    "[]",
    "[1, 2, 3]",
    "0x0102",
    "Some(1)",
    "None",
    "Ok(())",
    "Err(Error)",
    "{ a: 1 }",
    "S { value: 5 }",
    "A(1)",
    "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
    "340282366920938463463374607431768211455",
];

/// splitmix64: reproducible draws without a dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        match n {
            0 => 0,
            _ => (self.next() % n as u64) as usize,
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value}: not a number")),
    )
}

fn fixtures() -> Vec<(String, Value)> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pallets/contracts/fixtures/metadata"
    );
    let mut fixtures: Vec<(String, Value)> = std::fs::read_dir(dir)
        .expect("fixtures")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let bytes = std::fs::read(&path).expect("read");
            let name = path
                .file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            (name, serde_json::from_slice(&bytes).expect("JSON"))
        })
        .collect();
    // The directory's order is the file system's: sorted, a seed means one case.
    fixtures.sort_by(|a, b| a.0.cmp(&b.0));
    fixtures
}

// ---------------------------------------------------------------------------------------
// The registry, as JSON.

fn types(metadata: &mut Value) -> &mut Vec<Value> {
    metadata["types"].as_array_mut().expect("types")
}

fn def(metadata: &mut Value, id: usize) -> &mut Value {
    &mut types(metadata)[id]["type"]["def"]
}

/// The places in a type's `def` that hold the id of a type it is decoded through.
fn slots(def: &mut Value) -> Vec<&mut Value> {
    let mut slots = Vec::new();
    let Some(def) = def.as_object_mut() else {
        return slots;
    };
    for (kind, body) in def.iter_mut() {
        match kind.as_str() {
            "composite" => {
                let fields = body.get_mut("fields").and_then(Value::as_array_mut);
                slots.extend(
                    fields
                        .into_iter()
                        .flatten()
                        .filter_map(|f| f.get_mut("type")),
                );
            }
            "variant" => {
                let variants = body.get_mut("variants").and_then(Value::as_array_mut);
                for variant in variants.into_iter().flatten() {
                    let fields = variant.get_mut("fields").and_then(Value::as_array_mut);
                    slots.extend(
                        fields
                            .into_iter()
                            .flatten()
                            .filter_map(|f| f.get_mut("type")),
                    );
                }
            }
            "tuple" => slots.extend(body.as_array_mut().into_iter().flatten()),
            "sequence" | "array" | "compact" => slots.extend(body.get_mut("type")),
            "bitsequence" => slots.extend(
                body.as_object_mut()
                    .into_iter()
                    .flat_map(|o| o.values_mut()),
            ),
            _ => {}
        }
    }
    slots
}

fn references(def: &Value) -> Vec<u64> {
    let mut def = def.clone();
    slots(&mut def)
        .iter()
        .filter_map(|slot| slot.as_u64())
        .collect()
}

/// The places in the spec that hold a type id: arguments, return types, event fields,
/// the language error and the environment's types.
fn spec_slots(spec: &mut Value) -> Vec<&mut Value> {
    let Some(spec) = spec.as_object_mut() else {
        return Vec::new();
    };
    let mut slots = Vec::new();
    for (key, part) in spec.iter_mut() {
        match key.as_str() {
            "constructors" | "messages" | "events" => {
                for item in part.as_array_mut().into_iter().flatten() {
                    let Some(item) = item.as_object_mut() else {
                        continue;
                    };
                    for (key, value) in item.iter_mut() {
                        match key.as_str() {
                            "args" => {
                                for arg in value.as_array_mut().into_iter().flatten() {
                                    slots.extend(arg.pointer_mut("/type/type"));
                                }
                            }
                            "returnType" => slots.extend(value.get_mut("type")),
                            _ => {}
                        }
                    }
                }
            }
            "lang_error" => slots.extend(part.get_mut("type")),
            "environment" => {
                for value in part
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|o| o.values_mut())
                {
                    slots.extend(value.get_mut("type"));
                }
            }
            _ => {}
        }
    }
    slots
}

/// A type id for a reference held by type `holder`: any type, the holder itself, one of
/// the types that contain it, or one the registry does not have.
fn target(metadata: &mut Value, rng: &mut Rng, holder: Option<usize>) -> (u64, &'static str) {
    let count = types(metadata).len();
    match (rng.below(10), holder) {
        (0 | 1, Some(holder)) => (holder as u64, "self"),
        (2 | 3, Some(holder)) => {
            // Walk up from the holder through the types that refer to it.
            let mut parents: Vec<Vec<usize>> = vec![Vec::new(); count];
            for (id, ty) in types(metadata).iter().enumerate() {
                for child in references(&ty["type"]["def"]) {
                    if let Some(list) = parents.get_mut(child as usize) {
                        list.push(id);
                    }
                }
            }
            let mut at = holder;
            for _ in 0..1 + rng.below(8) {
                match parents[at].is_empty() {
                    true => break,
                    false => at = *rng.pick(&parents[at]),
                }
            }
            (at as u64, "ancestor")
        }
        (4, _) => {
            let out = [
                count as u64,
                count as u64 + 1 + rng.below(16) as u64,
                u64::from(u32::MAX),
                // Not a u32: the metadata does not deserialize.
                u64::from(u32::MAX) + 1,
            ];
            (*rng.pick(&out), "out of range")
        }
        _ => (rng.below(count) as u64, "random"),
    }
}

fn retarget_type_reference(metadata: &mut Value, rng: &mut Rng) -> &'static str {
    let holders: Vec<(usize, usize)> = types(metadata)
        .iter()
        .enumerate()
        .flat_map(|(id, ty)| (0..references(&ty["type"]["def"]).len()).map(move |k| (id, k)))
        .collect();
    if holders.is_empty() {
        return "retarget: nothing to retarget";
    }
    let (holder, k) = *rng.pick(&holders);
    let (to, kind) = target(metadata, rng, Some(holder));
    if let Some(slot) = slots(def(metadata, holder)).into_iter().nth(k) {
        *slot = json!(to);
    }
    match kind {
        "self" => "retarget a reference: to its own type",
        "ancestor" => "retarget a reference: to an ancestor",
        "out of range" => "retarget a reference: out of range",
        _ => "retarget a reference: to a random type",
    }
}

fn retarget_spec_reference(metadata: &mut Value, rng: &mut Rng) -> &'static str {
    let count = spec_slots(&mut metadata["spec"]).len();
    if count == 0 {
        return "retarget spec: nothing to retarget";
    }
    let k = rng.below(count);
    let (to, kind) = target(metadata, rng, None);
    if let Some(slot) = spec_slots(&mut metadata["spec"]).into_iter().nth(k) {
        *slot = json!(to);
    }
    match kind {
        "out of range" => "retarget a spec reference: out of range",
        _ => "retarget a spec reference: to a random type",
    }
}

fn change_array_len(metadata: &mut Value, rng: &mut Rng) -> &'static str {
    let arrays: Vec<usize> = types(metadata)
        .iter()
        .enumerate()
        .filter(|(_, ty)| ty["type"]["def"].get("array").is_some())
        .map(|(id, _)| id)
        .collect();
    let count = types(metadata).len();
    let id = match arrays.is_empty() || rng.chance(30) {
        true => {
            // Make one: an array of any type (`()` among them, when there is one).
            let id = rng.below(count);
            let element = rng.below(count);
            *def(metadata, id) = json!({ "array": { "len": 1, "type": element } });
            id
        }
        false => *rng.pick(&arrays),
    };
    let len = match rng.chance(80) {
        true => *rng.pick(&ARRAY_LENS),
        false => rng.below(200) as u64,
    };
    def(metadata, id)["array"]["len"] = json!(len);
    "change an array's length"
}

fn make_unit(metadata: &mut Value, rng: &mut Rng) -> &'static str {
    let id = rng.below(types(metadata).len());
    *def(metadata, id) = json!({ "tuple": [] });
    "turn a type into ()"
}

fn change_primitive(metadata: &mut Value, rng: &mut Rng) -> &'static str {
    let primitives: Vec<usize> = types(metadata)
        .iter()
        .enumerate()
        .filter(|(_, ty)| ty["type"]["def"].get("primitive").is_some())
        .map(|(id, _)| id)
        .collect();
    if primitives.is_empty() {
        return "change a primitive: none";
    }
    let id = *rng.pick(&primitives);
    *def(metadata, id) = json!({ "primitive": rng.pick(&PRIMITIVES) });
    "change a primitive"
}

fn change_path(metadata: &mut Value, rng: &mut Rng) -> &'static str {
    let id = rng.below(types(metadata).len());
    types(metadata)[id]["type"]["path"] = json!(rng.pick(&PATHS));
    "give a type an AccountId/Hash/other path"
}

fn make_sequence(metadata: &mut Value, rng: &mut Rng) -> &'static str {
    let count = types(metadata).len();
    let id = rng.below(count);
    let element = match rng.chance(30) {
        true => id,
        false => rng.below(count),
    };
    *def(metadata, id) = json!({ "sequence": { "type": element } });
    "turn a type into a sequence"
}

fn break_id(metadata: &mut Value, rng: &mut Rng) -> &'static str {
    let count = types(metadata).len();
    let id = rng.below(count);
    types(metadata)[id]["id"] = json!(rng.below(count + 2));
    "change a type's id"
}

/// A type holding type `next`: when `plain`, with nothing else that reads input (so a value
/// of a chain of them decodes from a byte, however deep); otherwise also a variant (which
/// reads its index), a sequence (its length) or a struct holding `next` twice (a chain of
/// them doubles at each level).
fn wrapper(rng: &mut Rng, next: u64, plain: bool) -> Value {
    match rng.below(if plain { 5 } else { 8 }) {
        0 | 1 => json!({ "composite": { "fields": [{ "name": "inner", "type": next }] } }),
        2 => json!({ "composite": { "fields": [{ "type": next }] } }),
        3 => json!({ "tuple": [next] }),
        4 => json!({ "array": { "len": 1, "type": next } }),
        5 => json!({ "variant": { "variants": [
            { "name": "A", "index": 0, "fields": [{ "type": next }] },
            { "name": "B", "index": 1 },
        ] } }),
        6 => json!({ "sequence": { "type": next } }),
        _ => json!({ "composite": { "fields": [
            { "name": "inner", "type": next },
            { "name": "again", "type": next },
        ] } }),
    }
}

/// Makes type `ty` an argument of a message or constructor, its return type, or a field
/// of an event.
fn attach(metadata: &mut Value, rng: &mut Rng, ty: u64) -> &'static str {
    let spec = &mut metadata["spec"];
    let which = match rng.below(10) {
        0..=5 => "messages",
        6 | 7 => "constructors",
        _ => "events",
    };
    let which = match spec[which]
        .as_array()
        .is_some_and(|items| !items.is_empty())
    {
        true => which,
        false => "messages",
    };
    let Some(items) = spec[which].as_array_mut().filter(|items| !items.is_empty()) else {
        return "attach: nowhere";
    };
    let item = rng.below(items.len());
    let item = &mut items[item];
    if which != "events" && rng.chance(25) {
        item["returnType"]["type"] = json!(ty);
        return "attach as a return type";
    }
    let args = item["args"].as_array_mut().expect("args");
    if args.is_empty() || rng.chance(50) {
        let label = format!("fuzz{}", args.len());
        let mut arg = json!({ "label": label, "type": { "displayName": ["Fuzz"], "type": ty } });
        if which == "events" {
            arg["indexed"] = json!(rng.chance(50));
            arg["docs"] = json!([]);
        }
        let at = rng.below(args.len() + 1);
        args.insert(at, arg);
    } else {
        let at = rng.below(args.len());
        args[at]["type"]["type"] = json!(ty);
    }
    match which {
        "events" => "attach as an event field",
        _ => "attach as an argument",
    }
}

/// Adds a chain of new types, each holding the next, and puts it where a type was or in
/// the spec.
fn add_chain(metadata: &mut Value, rng: &mut Rng) -> &'static str {
    let base = types(metadata).len();
    let len = match rng.below(10) {
        0..=2 => 1 + rng.below(8),
        // Around the bound: the chain and what it ends in are MAX_TYPE_DEPTH levels.
        3..=7 => MAX_TYPE_DEPTH - 8 + rng.below(16),
        _ => 1 + rng.below(200),
    };
    let plain = rng.chance(50);
    for i in 0..len {
        let id = base + i;
        let def = match i + 1 == len {
            false => wrapper(rng, id as u64 + 1, plain),
            true => match rng.chance(70) {
                true => json!({ "primitive": rng.pick(&["u8", "u8", "bool", "u32", "str"]) }),
                // An existing type, or (rarely) the chain's own start: a cycle.
                false => match rng.chance(90) {
                    true => json!({ "tuple": [rng.below(base)] }),
                    false => json!({ "tuple": [base] }),
                },
            },
        };
        types(metadata).push(json!({ "id": id, "type": { "def": def } }));
    }
    match rng.chance(70) {
        true => attach(metadata, rng, base as u64),
        false => {
            let holders: Vec<usize> = (0..base)
                .filter(|id| !references(&types(metadata)[*id]["type"]["def"]).is_empty())
                .collect();
            if holders.is_empty() {
                return attach(metadata, rng, base as u64);
            }
            let holder = *rng.pick(&holders);
            let mut places = slots(def(metadata, holder));
            let k = rng.below(places.len());
            *places[k] = json!(base);
            "splice a chain into a type"
        }
    }
}

/// Appends a small registry made from scratch (mostly each type holding later ones,
/// sometimes earlier ones or itself) and attaches its first type.
fn generate(metadata: &mut Value, rng: &mut Rng) -> &'static str {
    let base = types(metadata).len();
    let count = 1 + rng.below(12);
    let reference = |rng: &mut Rng, i: usize| -> u64 {
        let id = base + i;
        match rng.below(10) {
            0..=6 if i + 1 < count => (id + 1 + rng.below(count - i - 1)) as u64,
            0..=6 => rng.below(base) as u64,
            7 | 8 => rng.below(base) as u64,
            _ => rng.below(base + count) as u64,
        }
    };
    for i in 0..count {
        let def = match rng.below(10) {
            0 | 1 => json!({ "primitive": rng.pick(&PRIMITIVES) }),
            2 | 3 => {
                // Named, unnamed, or (wrongly) both.
                let names = rng.below(3);
                let fields: Vec<Value> = (0..rng.below(4))
                    .map(|f| match (names, f % 2) {
                        (0, _) | (2, 0) => {
                            json!({ "name": format!("f{f}"), "type": reference(rng, i) })
                        }
                        _ => json!({ "type": reference(rng, i) }),
                    })
                    .collect();
                json!({ "composite": { "fields": fields } })
            }
            4 => {
                let fields: Vec<u64> = (0..rng.below(4)).map(|_| reference(rng, i)).collect();
                json!({ "tuple": fields })
            }
            5 => {
                let variants: Vec<Value> = (0..rng.below(4))
                    .map(|v| {
                        let fields: Vec<Value> = (0..rng.below(3))
                            .map(|_| json!({ "type": reference(rng, i) }))
                            .collect();
                        let index = match rng.chance(80) {
                            true => v as u64,
                            false => rng.below(256) as u64,
                        };
                        json!({ "name": format!("V{v}"), "index": index, "fields": fields })
                    })
                    .collect();
                json!({ "variant": { "variants": variants } })
            }
            6 => json!({ "sequence": { "type": reference(rng, i) } }),
            7 => {
                let len = match rng.chance(50) {
                    true => *rng.pick(&ARRAY_LENS),
                    false => rng.below(8) as u64,
                };
                json!({ "array": { "len": len, "type": reference(rng, i) } })
            }
            8 => json!({ "compact": { "type": reference(rng, i) } }),
            _ => json!({ "bitsequence": {
                "bit_store_type": reference(rng, i),
                "bit_order_type": reference(rng, i),
            } }),
        };
        let mut ty = json!({ "def": def });
        if rng.chance(15) {
            ty["path"] = json!(rng.pick(&PATHS));
        }
        types(metadata).push(json!({ "id": base + i, "type": ty }));
    }
    let attached = attach(metadata, rng, base as u64);
    if rng.chance(30) {
        let other = base + rng.below(count);
        attach(metadata, rng, other as u64);
    }
    match attached {
        "attach as a return type" => "generate a registry: a return type",
        "attach as an event field" => "generate a registry: an event field",
        _ => "generate a registry: an argument",
    }
}

/// One case's metadata, and what was done to it.
fn mutated(fixtures: &[(String, Value)], rng: &mut Rng) -> (Value, Vec<&'static str>) {
    let (_, fixture) = rng.pick(fixtures);
    let mut metadata = fixture.clone();
    let mut done = Vec::new();
    if rng.chance(25) {
        done.push(generate(&mut metadata, rng));
    }
    let rounds = match done.is_empty() {
        true => 1 + rng.below(3),
        false => rng.below(2),
    };
    for _ in 0..rounds {
        let op = match rng.below(20) {
            0..=5 => retarget_type_reference,
            6 | 7 => retarget_spec_reference,
            8 | 9 => change_array_len,
            10 => make_unit,
            11 => change_primitive,
            12 => change_path,
            13 => make_sequence,
            14 => break_id,
            _ => add_chain,
        };
        done.push(op(&mut metadata, rng));
    }
    (metadata, done)
}

// ---------------------------------------------------------------------------------------
// Running a case.

/// What a case's decoders are given: the spec's messages, constructors and events and the
/// registry as the mutated metadata has them, to make inputs that decode.
struct Probes {
    calls: Vec<Call>,
    /// Each event's signature topic and its fields' types.
    events: Vec<(Vec<u8>, Vec<u64>)>,
    /// The registry's types, each `{ "id", "type" }`.
    types: Vec<Value>,
    /// The types the transcoder decodes its own way (`AccountId`, `Hash`): by path, the
    /// last of the types with that path.
    custom: Vec<u64>,
}

#[derive(Clone)]
struct Call {
    label: String,
    selector: Vec<u8>,
    args: Vec<u64>,
    returns: u64,
    constructor: bool,
}

fn hex_bytes(text: &str) -> Vec<u8> {
    let text = text.trim_start_matches("0x");
    (0..text.len() / 2)
        .filter_map(|i| u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

fn type_ids(args: &Value) -> Vec<u64> {
    let args = args.as_array().into_iter().flatten();
    args.map(|arg| arg["type"]["type"].as_u64().unwrap_or(u64::MAX))
        .collect()
}

fn probes(metadata: &Value) -> Probes {
    let mut calls = Vec::new();
    for (which, constructor) in [("constructors", true), ("messages", false)] {
        for item in metadata["spec"][which].as_array().into_iter().flatten() {
            calls.push(Call {
                label: item["label"].as_str().unwrap_or_default().to_owned(),
                selector: hex_bytes(item["selector"].as_str().unwrap_or_default()),
                args: type_ids(&item["args"]),
                returns: item["returnType"]["type"].as_u64().unwrap_or(u64::MAX),
                constructor,
            });
        }
    }
    let events = metadata["spec"]["events"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|event| {
            let topic = event["signature_topic"].as_str().unwrap_or_default();
            (hex_bytes(topic), type_ids(&event["args"]))
        })
        .collect();
    let types = metadata["types"].as_array().cloned().unwrap_or_default();
    let custom = PATHS[..2]
        .iter()
        .filter_map(|path| {
            let has = |ty: &&Value| ty["type"]["path"] == json!(path);
            types
                .iter()
                .rev()
                .find(has)
                .and_then(|ty| ty["id"].as_u64())
        })
        .collect();
    Probes {
        calls,
        events,
        types,
        custom,
    }
}

/// Bytes encoding a value of each of types `ids`, one after another, drawn at random
/// (variants, sequences' lengths, integers): what decodes, as far as the transcoder
/// decodes it, however deep the types nest. Cut short past a few hundred bytes.
fn encoded(probes: &Probes, ids: &[u64], rng: &mut Rng) -> Vec<u8> {
    const MAX_BYTES: usize = 400;
    const MAX_STEPS: usize = 20_000;
    let mut out = Vec::new();
    // Types still to encode, the next last; `whole` when the transcoder decodes it through
    // its id (not as an array's or sequence's element), so a custom decoder applies.
    let mut work: Vec<(u64, bool)> = ids.iter().rev().map(|id| (*id, true)).collect();
    let mut steps = 0;
    while let Some((id, whole)) = work.pop() {
        steps += 1;
        if out.len() > MAX_BYTES || steps > MAX_STEPS {
            break;
        }
        if whole && probes.custom.contains(&id) {
            out.extend(rng.bytes(32));
            continue;
        }
        let Some(def) = probes.types.get(id as usize).map(|ty| &ty["type"]["def"]) else {
            break;
        };
        let mut parts: Vec<(u64, bool)> = Vec::new();
        let field_types = |fields: &Value| -> Vec<(u64, bool)> {
            let fields = fields.as_array().into_iter().flatten();
            fields
                .filter_map(|f| f["type"].as_u64())
                .map(|id| (id, true))
                .collect()
        };
        if let Some(primitive) = def["primitive"].as_str() {
            let size = match primitive {
                "bool" => {
                    out.push(rng.below(2) as u8);
                    0
                }
                "str" => {
                    let len = rng.below(8);
                    out.push((len as u8) << 2);
                    out.extend((0..len).map(|_| b'a' + rng.below(26) as u8));
                    0
                }
                "u8" | "i8" => 1,
                "u16" | "i16" => 2,
                "u32" | "i32" | "char" => 4,
                "u64" | "i64" => 8,
                "u128" | "i128" => 16,
                _ => 32,
            };
            out.extend(rng.bytes(size));
        } else if let Some(composite) = def.get("composite") {
            parts = field_types(&composite["fields"]);
        } else if let Some(tuple) = def.get("tuple") {
            let fields = tuple.as_array().into_iter().flatten();
            parts = fields
                .filter_map(Value::as_u64)
                .map(|id| (id, true))
                .collect();
        } else if let Some(variant) = def.get("variant") {
            let variants = variant["variants"].as_array().cloned().unwrap_or_default();
            match variants.is_empty() {
                true => out.push(rng.next() as u8),
                false => {
                    let variant = rng.pick(&variants);
                    out.push(variant["index"].as_u64().unwrap_or(0) as u8);
                    parts = field_types(&variant["fields"]);
                }
            }
        } else if let Some(sequence) = def.get("sequence") {
            let len = rng.below(4);
            out.push((len as u8) << 2);
            let element = sequence["type"].as_u64().unwrap_or(u64::MAX);
            parts = vec![(element, false); len];
        } else if let Some(array) = def.get("array") {
            let len = array["len"].as_u64().unwrap_or(0).min(MAX_STEPS as u64);
            let element = array["type"].as_u64().unwrap_or(u64::MAX);
            parts = vec![(element, false); len as usize];
        } else if def.get("compact").is_some() {
            out.push((rng.below(64) as u8) << 2);
        } else {
            out.push(rng.next() as u8);
        }
        work.extend(parts.into_iter().rev());
    }
    out
}

/// Input that decodes (sometimes with a byte changed, cut or added), or not.
fn input_for(probes: &Probes, ids: &[u64], rng: &mut Rng) -> Vec<u8> {
    if rng.chance(35) {
        return input(rng);
    }
    let mut bytes = encoded(probes, ids, rng);
    if rng.chance(25) {
        match (rng.below(3), bytes.is_empty()) {
            (0, false) => {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            (1, false) => bytes.truncate(rng.below(bytes.len())),
            _ => bytes.push(rng.next() as u8),
        }
    }
    bytes
}

/// What a case did.
#[derive(Default)]
struct Outcome {
    refused: Option<String>,
    calls: u64,
    events: u64,
    returns: u64,
    encoded: u64,
    /// The deepest nesting of a decoded value, in brackets as the transcoder prints it.
    deepest: usize,
}

/// Input bytes for a decoder: random, or runs of one byte (zeros make every variant its
/// first and every sequence empty, small bytes make them short).
fn input(rng: &mut Rng) -> Vec<u8> {
    let len = match rng.chance(20) {
        true => rng.below(8),
        false => rng.below(320),
    };
    match rng.below(6) {
        0 => vec![0; len],
        1 => vec![0xff; len],
        2 => vec![4; len],
        3 => (0..len).map(|_| rng.below(5) as u8).collect(),
        _ => rng.bytes(len),
    }
}

fn argument(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => {
            // Nested, up to past the 32 levels `encode_call` reads.
            let depth = rng.below(40);
            let (open, close) = *rng.pick(&[("(", ")"), ("[", "]"), ("A(", ")"), ("Some(", ")")]);
            format!("{}1{}", open.repeat(depth), close.repeat(depth))
        }
        _ => rng.pick(&ARGS).to_string(),
    }
}

/// Parses `bytes` as the node does and, when accepted, decodes and encodes with it.
fn run(bytes: Vec<u8>, probes: Probes, seed: u64) -> Outcome {
    let abi = match ContractAbi::parse(&bytes) {
        Ok(abi) => abi,
        Err(error) => {
            return Outcome {
                refused: Some(error.to_string()),
                ..Outcome::default()
            }
        }
    };
    // What the node stores beside the chain, and reads again after a restart.
    if let Err(error) = ContractAbi::parse(&abi.json) {
        panic!("accepted, but refused when read back as stored: {error}");
    }
    let reader = abi.reader().expect("accepted metadata has a reader");
    let _ = reader.messages();
    let _ = reader.variant_docs("Error");
    let mut rng = Rng::new(seed ^ 0x5EED_0F1A_7E57);
    let mut outcome = Outcome::default();
    let nobody = Call {
        label: "nobody".to_owned(),
        selector: Vec::new(),
        args: Vec::new(),
        returns: u64::MAX,
        constructor: false,
    };
    for _ in 0..8 {
        // A call to a message or constructor the metadata has, or to no one.
        let call = match probes.calls.is_empty() || rng.chance(5) {
            true => Call {
                selector: rng.bytes(4),
                constructor: rng.chance(50),
                ..nobody.clone()
            },
            false => rng.pick(&probes.calls).clone(),
        };
        let mut data = call.selector.clone();
        data.extend(input_for(&probes, &call.args, &mut rng));
        if let Some(call) = reader.decode_call(&data, call.constructor) {
            outcome.calls += 1;
            for (_, value) in &call.args {
                outcome.deepest = outcome.deepest.max(nesting(value));
            }
        }
        let data = input_for(&probes, &[call.returns], &mut rng);
        let decoded = DecodedCall {
            label: call.label.clone(),
            constructor: call.constructor,
            args: Vec::new(),
        };
        if let Some(value) = reader.decode_return(&decoded, &data) {
            outcome.returns += 1;
            outcome.deepest = outcome.deepest.max(nesting(&value.to_string()));
        }
        let (topic, fields) = match probes.events.is_empty() || rng.chance(5) {
            true => (rng.bytes(32), Vec::new()),
            false => rng.pick(&probes.events).clone(),
        };
        let data = input_for(&probes, &fields, &mut rng);
        if let Some(event) = reader.decode_event(&[topic], &data) {
            outcome.events += 1;
            for (_, value) in &event.fields {
                outcome.deepest = outcome.deepest.max(nesting(value));
            }
        }
    }
    for _ in 0..4 {
        let Some(call) = (!probes.calls.is_empty()).then(|| rng.pick(&probes.calls)) else {
            break;
        };
        let count = call.args.len() + usize::from(rng.chance(10));
        let args: Vec<String> = (0..count).map(|_| argument(&mut rng)).collect();
        if reader.encode_call(&call.label, &args).is_ok() {
            outcome.encoded += 1;
        }
    }
    outcome
}

/// Why metadata was refused, in a word.
fn reason(error: &str) -> &'static str {
    let reasons = [
        ("contains itself", "a type contains itself"),
        ("levels deep", "nested too deep"),
        ("which the registry does not have", "an unknown type"),
        ("values from no bytes", "too many values from no bytes"),
        ("values between two bytes", "too many values between bytes"),
        (
            "which encodes to no bytes",
            "a sequence of zero-size elements",
        ),
        ("ids must be the types' positions", "an id out of place"),
        (
            "not ink! metadata this Europa reads",
            "does not deserialize as ink! metadata",
        ),
    ];
    reasons
        .iter()
        .find(|(text, _)| error.contains(text))
        .map_or("other", |(_, reason)| reason)
}

#[test]
fn type_bounds_fuzz() {
    let cases = env_number("EUROPA_METADATA_FUZZ_CASES").unwrap_or(200);
    let first = env_number("EUROPA_METADATA_FUZZ_SEED").unwrap_or(0);
    let stack =
        env_number("EUROPA_METADATA_FUZZ_STACK_KIB").map_or(STACK_SIZE, |k| k as usize * 1024);
    let fixtures = fixtures();
    assert!(fixtures.len() >= 2, "fixtures");
    let started = Instant::now();
    let mut accepted = 0u64;
    let mut refused: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut ops: BTreeMap<&'static str, (u64, u64)> = BTreeMap::new();
    let (mut calls, mut events, mut returns, mut encoded) = (0u64, 0u64, 0u64, 0u64);
    let mut deepest = (0usize, 0u64);
    let mut slowest = (Duration::ZERO, 0u64);
    let mut other_refusals: Vec<(u64, String)> = Vec::new();
    let mut failures: Vec<(u64, String)> = Vec::new();
    for seed in first..first.saturating_add(cases) {
        let mut rng = Rng::new(seed);
        let (metadata, done) = mutated(&fixtures, &mut rng);
        let bytes = serde_json::to_vec(&metadata).expect("serialized");
        let probes = probes(&metadata);
        let start = Instant::now();
        let joined = std::thread::Builder::new()
            .name(format!("metadata fuzz seed {seed}"))
            .stack_size(stack)
            .spawn(move || run(bytes, probes, seed))
            .expect("spawned")
            .join();
        let took = start.elapsed();
        if took > slowest.0 {
            slowest = (took, seed);
        }
        let outcome = match joined {
            Ok(outcome) => outcome,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                eprintln!("seed {seed} ({done:?}) panicked: {message}");
                failures.push((seed, message));
                continue;
            }
        };
        let was_accepted = outcome.refused.is_none();
        for op in done {
            let entry = ops.entry(op).or_default();
            match was_accepted {
                true => entry.0 += 1,
                false => entry.1 += 1,
            }
        }
        match outcome.refused {
            None => accepted += 1,
            Some(error) => {
                let reason = reason(&error);
                *refused.entry(reason).or_default() += 1;
                if reason == "other" && other_refusals.len() < 5 {
                    other_refusals.push((seed, error));
                }
            }
        }
        calls += outcome.calls;
        events += outcome.events;
        returns += outcome.returns;
        encoded += outcome.encoded;
        if outcome.deepest > deepest.0 {
            deepest = (outcome.deepest, seed);
        }
    }
    let refused_total: u64 = refused.values().sum();
    eprintln!(
        "metadata fuzz: {cases} cases from seed {first} in {:.1?} on a {} KiB stack: \
         {accepted} accepted, {refused_total} refused, {} panicked",
        started.elapsed(),
        stack / 1024,
        failures.len()
    );
    for (reason, count) in &refused {
        eprintln!("  refused, {reason}: {count}");
    }
    for (seed, error) in &other_refusals {
        eprintln!("  refused otherwise (seed {seed}): {error}");
    }
    for (op, (yes, no)) in &ops {
        eprintln!("  {op}: {yes} accepted, {no} refused");
    }
    eprintln!(
        "  decoded {calls} calls, {events} events, {returns} return values, encoded {encoded} \
         calls; deepest value decoded: {} levels of brackets (seed {}); slowest case: \
         {:.1?} (seed {})",
        deepest.0, deepest.1, slowest.0, slowest.1
    );
    assert!(
        failures.is_empty(),
        "panicked (rerun one with EUROPA_METADATA_FUZZ_SEED=<seed> \
         EUROPA_METADATA_FUZZ_CASES=1): {failures:?}"
    );
    let caught = super::metadata::TRANSCODER_PANICS.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        caught, 0,
        "contract-transcode panicked (see the warnings above)"
    );
    if cases >= 200 {
        // The default run covers both sides of every bound.
        assert!(accepted >= cases / 10, "{accepted} accepted");
        for reason in [
            "a type contains itself",
            "nested too deep",
            "an unknown type",
            "too many values from no bytes",
        ] {
            assert!(refused.contains_key(reason), "no case refused for {reason}");
        }
        assert!(calls > 0 && events > 0 && returns > 0 && encoded > 0);
        // Values as deep as the bound allows were decoded on the small stack.
        assert!(
            deepest.0 + 8 >= MAX_TYPE_DEPTH,
            "deepest value decoded: {} levels",
            deepest.0
        );
    }
}
