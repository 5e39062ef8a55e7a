//! A contract's ink! metadata, as cargo-contract writes it (`<name>.json`, or inside a
//! `<name>.contract` bundle), and the decoding it allows, done by cargo-contract's own
//! `contract-transcode` so that values read exactly as `cargo contract` prints them.

use contract_metadata::ContractMetadata;
use contract_transcode::{ContractMessageTranscoder, Value};
use ink_metadata::InkProject;
use scale_info::{form::PortableForm, TypeDef};
use serde_json::{Map, Value as Json};

use super::{type_bounds, InsightError};

/// The largest metadata file or bundle Europa reads (a bundle carries the code too).
pub const MAX_METADATA_BYTES: usize = 16 * 1024 * 1024;
/// Storage layout nodes a storage key is looked for among at most.
const MAX_LAYOUT_NODES: usize = 100_000;

/// What Europa keeps of a contract's metadata.
pub struct ContractAbi {
    /// The contract's name (`contract.name`).
    pub name: String,
    /// The code hash the metadata was built for (`source.hash`).
    pub code_hash: [u8; 32],
    /// The ink! part of the metadata (read into an `InkProject` for each use: the
    /// decoder is neither `Clone` nor `Send`).
    abi: Map<String, Json>,
    /// The metadata without the code, as Europa stores it beside the chain.
    pub json: Vec<u8>,
}

/// A message or constructor call, decoded.
pub struct DecodedCall {
    pub label: String,
    pub constructor: bool,
    /// Argument names and values, as cargo-contract renders them.
    pub args: Vec<(String, String)>,
}

pub use europa_rpc_api::explore::MessageSignature;

/// An event, decoded.
pub struct DecodedEvent {
    pub label: String,
    pub fields: Vec<(String, String)>,
}

impl ContractAbi {
    /// Reads metadata JSON or a `.contract` bundle.
    pub fn parse(bytes: &[u8]) -> Result<Self, InsightError> {
        if bytes.len() > MAX_METADATA_BYTES {
            return Err(InsightError::Metadata(format!(
                "{} bytes, more than the {MAX_METADATA_BYTES} Europa reads",
                bytes.len()
            )));
        }
        let mut metadata: ContractMetadata =
            serde_json::from_slice(bytes).map_err(|e| InsightError::Metadata(e.to_string()))?;
        let project = project(&metadata.abi).map_err(|e| {
            InsightError::Metadata(format!("not ink! metadata this Europa reads: {e}"))
        })?;
        // contract-transcode recurses per type level and allocates what a type says:
        // a registry it could overflow the stack or exhaust memory with is refused here.
        type_bounds::check_project(&project).map_err(|reason| {
            InsightError::Metadata(format!("its type registry is not accepted: {reason}"))
        })?;
        metadata.remove_source_wasm_attribute();
        let json =
            serde_json::to_vec(&metadata).map_err(|e| InsightError::Metadata(e.to_string()))?;
        Ok(ContractAbi {
            name: metadata.contract.name.clone(),
            code_hash: metadata.source.hash.0,
            abi: metadata.abi,
            json,
        })
    }

    /// A reader of values in this contract's types.
    pub fn reader(&self) -> Option<AbiReader> {
        let project = project(&self.abi).ok()?;
        Some(AbiReader {
            transcoder: unpanicking(|| ContractMessageTranscoder::new(project))?,
        })
    }
}

/// Runs the transcoder, turning a panic in it into `None`. It has none known (the type
/// bounds' fuzz test looks for them), but the panic hook the node runs under ends the
/// process on a panic in any thread unless that thread asks to unwind: a value that
/// cannot be read must not stop the node.
fn unpanicking<R>(transcode: impl FnOnce() -> R) -> Option<R> {
    let _unwind = sp_panic_handler::AbortGuard::force_unwind();
    let transcoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(transcode));
    if transcoded.is_err() {
        TRANSCODER_PANICS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        log::warn!(target: "europa", "contract-transcode panicked: the value is left undecoded");
    }
    transcoded.ok()
}

/// The transcoder's panics caught so far (the type bounds' fuzz test holds it at zero).
pub static TRANSCODER_PANICS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn project(abi: &Map<String, Json>) -> Result<InkProject, serde_json::Error> {
    serde_json::from_value(Json::Object(abi.clone()))
}

/// Decodes values of one contract's types.
pub struct AbiReader {
    transcoder: ContractMessageTranscoder,
}

impl AbiReader {
    /// The message (or, for a deployment, constructor) that `input` calls.
    pub fn decode_call(&self, input: &[u8], constructor: bool) -> Option<DecodedCall> {
        let transcoder = &self.transcoder;
        let data = &mut &input[..];
        let value = unpanicking(|| match constructor {
            true => transcoder.decode_contract_constructor(data),
            false => transcoder.decode_contract_message(data),
        })?
        .ok()?;
        let Value::Map(map) = value else { return None };
        Some(DecodedCall {
            label: map.ident()?,
            constructor,
            args: map
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        })
    }

    /// What `call` returned (`Ok(..)`, `Err(..)`, an ink! `LangError`). As in
    /// cargo-contract, bytes after the value are not an error (ink! 5 constructors
    /// return one more than their type says).
    pub fn decode_return(&self, call: &DecodedCall, data: &[u8]) -> Option<Value> {
        let transcoder = &self.transcoder;
        let data = &mut &data[..];
        let value = unpanicking(|| match call.constructor {
            true => transcoder.decode_constructor_return(&call.label, data),
            false => transcoder.decode_message_return(&call.label, data),
        })?;
        value.ok()
    }

    /// An event by its signature topic (ink! 5), if the metadata knows it.
    pub fn decode_event(&self, topics: &[Vec<u8>], data: &[u8]) -> Option<DecodedEvent> {
        let signature = topics.first()?;
        // The decoder expects the event data as the `Vec<u8>` the chain's event holds.
        let mut encoded = codec::Encode::encode(&codec::Compact(u32::try_from(data.len()).ok()?));
        encoded.extend_from_slice(data);
        let value = unpanicking(|| {
            self.transcoder
                .decode_contract_event(signature, &mut &encoded[..])
        })?
        .ok()?;
        let Value::Map(map) = value else { return None };
        Some(DecodedEvent {
            label: map.ident()?,
            fields: map
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        })
    }

    /// A value this contract stores under `key`, decoded by its storage layout: the
    /// value of a root (the contract's struct, a `Lazy`) whose key is `key`, or an entry
    /// of a `Mapping` (`key` is its root key, then the entry's key). `None` where the
    /// layout names no such key or the value does not decode.
    pub fn decode_storage(&self, key: &[u8], value: &[u8]) -> Option<String> {
        use ink_metadata::layout::Layout;
        let project = self.transcoder.metadata();
        // The layout comes from the metadata: walked with a stack, and only so far.
        let mut pending = vec![project.layout()];
        let mut walked = 0;
        let mut found = None;
        while let Some(layout) = pending.pop() {
            walked += 1;
            if walked > MAX_LAYOUT_NODES {
                break;
            }
            match layout {
                Layout::Root(root) => {
                    let root_key = root.root_key().key().to_le_bytes();
                    if key == root_key || (key.len() > 4 && key.starts_with(&root_key)) {
                        found = Some(match root.layout() {
                            Layout::Leaf(leaf) if key.len() > 4 => leaf.ty().id,
                            _ => root.ty().id,
                        });
                        break;
                    }
                    pending.push(root.layout());
                }
                Layout::Struct(layout) => {
                    pending.extend(layout.fields().iter().map(|f| f.layout()))
                }
                Layout::Enum(layout) => pending.extend(
                    layout
                        .variants()
                        .values()
                        .flat_map(|variant| variant.fields().iter().map(|f| f.layout())),
                ),
                Layout::Array(layout) => pending.push(layout.layout()),
                Layout::Hash(layout) => pending.push(layout.layout()),
                Layout::Leaf(_) => {}
            }
        }
        let ty = found?;
        let data = &mut &value[..];
        let decoded = unpanicking(|| self.transcoder.decode(ty, data))?.ok()?;
        Some(decoded.to_string())
    }

    /// The contract's messages, as a form to call them needs them.
    pub fn messages(&self) -> Vec<MessageSignature> {
        let project = self.transcoder.metadata();
        let type_name =
            |spec: &ink_metadata::TypeSpec<PortableForm>| spec.display_name().segments.join("::");
        project
            .spec()
            .messages()
            .iter()
            .map(|message| MessageSignature {
                label: message.label().clone(),
                selector: pallet_europa_contracts::trace::Bytes(
                    message.selector().to_bytes().to_vec(),
                ),
                mutates: message.mutates(),
                payable: message.payable(),
                args: message
                    .args()
                    .iter()
                    .map(|arg| (arg.label().clone(), type_name(arg.ty())))
                    .collect(),
                returns: type_name(message.return_type().ret_type()),
                docs: message.docs().join(" ").trim().to_owned(),
            })
            .collect()
    }

    /// The input that calls message (or constructor) `label` with `args`, each written as
    /// `cargo contract call --args` takes it. Arguments nested deeper than
    /// [`MAX_ARG_NESTING`] are refused unread: the transcoder's parser recurses per level,
    /// and a request's worth of `(` would overflow the stack.
    pub fn encode_call(&self, label: &str, args: &[String]) -> Result<Vec<u8>, String> {
        for (index, arg) in args.iter().enumerate() {
            if nesting(arg) > MAX_ARG_NESTING {
                return Err(format!(
                    "argument {index} nests deeper than {MAX_ARG_NESTING} levels of (), [] or {{}}"
                ));
            }
        }
        unpanicking(|| self.transcoder.encode(label, args))
            .ok_or_else(|| "the transcoder failed on these arguments".to_owned())?
            .map_err(|error| format!("{error:#}"))
    }

    /// The documentation of an enum variant named `variant` among the contract's types
    /// (its error enum's, for an `Err(Variant)`).
    pub fn variant_docs(&self, variant: &str) -> Option<String> {
        self.transcoder
            .metadata()
            .registry()
            .types
            .iter()
            .find_map(|ty| {
                let TypeDef::<PortableForm>::Variant(def) = &ty.ty.type_def else {
                    return None;
                };
                let found = def.variants.iter().find(|v| v.name == variant)?;
                (!found.docs.is_empty()).then(|| found.docs.join(" ").trim().to_owned())
            })
    }
}

/// How deeply a call's argument may nest brackets, as `encode_call` reads them.
pub const MAX_ARG_NESTING: usize = 32;

/// The deepest nesting of `(`, `[` and `{` in `arg` (an argument, or a decoded value as
/// the transcoder prints it), outside string literals.
pub(super) fn nesting(arg: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for c in arg.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (true, false, _) => {}
            (false, _, '"') => in_string = true,
            (false, _, '(' | '[' | '{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, _, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            (false, _, _) => {}
        }
    }
    deepest
}

/// `name: value, name: value`, as a call's arguments or an event's fields read.
pub fn named(pairs: &[(String, String)]) -> String {
    let pairs: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    pairs.join(", ")
}

/// The error variant inside a decoded `Err(..)` (the innermost, for `Ok(Err(Variant))`),
/// and whether it is ink!'s own `LangError`.
pub fn error_variant(value: &Value) -> Option<String> {
    match value {
        Value::Tuple(tuple) => {
            let ident = tuple.ident()?;
            let inner = tuple.values().next();
            match (ident.as_str(), inner) {
                ("Ok", Some(inner)) => error_variant(inner),
                ("Err", Some(Value::Tuple(err))) => err.ident(),
                ("Err", Some(Value::Map(err))) => err.ident(),
                ("Err", Some(Value::Literal(name))) => Some(name.clone()),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::nesting;

    #[test]
    fn nesting_counts_brackets_outside_strings() {
        assert_eq!(nesting("5"), 0);
        assert_eq!(nesting("Some((1, [2, {x: 3}]))"), 4);
        assert_eq!(nesting(r#""((((\"((((" "#), 0);
        assert_eq!(nesting(&"(".repeat(100_000)), 100_000);
        assert_eq!(nesting(")))(("), 2);
    }
}
