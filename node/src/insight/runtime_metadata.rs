//! What the runtime's own metadata says of its pallets: their names by index, the
//! documentation of their errors, and the names of their events.

use std::{collections::HashMap, sync::LazyLock};

use frame_metadata::v14::RuntimeMetadataV14;
use scale_info::{form::PortableForm, TypeDef};

/// The documentation of an error `Pallet::Variant` (or `Module #index::Variant`) in the
/// runtime's metadata.
pub fn error_docs(error: &str) -> Option<String> {
    let (pallet, variant) = error.rsplit_once("::")?;
    let pallet = match pallet.strip_prefix("Module #") {
        Some(index) => PALLET_NAMES.get(&index.parse::<u8>().ok()?)?.as_str(),
        None => pallet,
    };
    ERROR_DOCS.get(&format!("{pallet}::{variant}")).cloned()
}

/// Pallet names by index, from the runtime's metadata.
static PALLET_NAMES: LazyLock<HashMap<u8, String>> = LazyLock::new(|| {
    runtime_metadata()
        .map(|m| {
            m.pallets
                .iter()
                .map(|p| (p.index, p.name.clone()))
                .collect()
        })
        .unwrap_or_default()
});

/// Every pallet error's documentation, by `Pallet::Variant`.
static ERROR_DOCS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let Some(metadata) = runtime_metadata() else {
        return HashMap::new();
    };
    let mut docs = HashMap::new();
    for pallet in &metadata.pallets {
        let Some(error) = &pallet.error else { continue };
        let Some(ty) = metadata.types.resolve(error.ty.id) else {
            continue;
        };
        let TypeDef::Variant(def) = &ty.type_def else {
            continue;
        };
        for variant in &def.variants {
            let text = variant.docs.join(" ").trim().to_owned();
            if !text.is_empty() {
                docs.insert(format!("{}::{}", pallet.name, variant.name), text);
            }
        }
    }
    docs
});

fn runtime_metadata() -> Option<RuntimeMetadataV14> {
    match europa_runtime::Runtime::metadata().1 {
        frame_metadata::RuntimeMetadata::V14(metadata) => Some(metadata),
        _ => None,
    }
}

/// `Pallet.Event` for an event as the runtime encodes it (the pallet's index, then the
/// variant's), with the event's documentation.
pub fn event_name(encoded: &[u8]) -> Option<(String, String)> {
    let [pallet, variant, ..] = encoded else {
        return None;
    };
    EVENT_NAMES.get(&(*pallet, *variant)).cloned()
}

/// Every pallet event's name and documentation, by pallet and variant index.
static EVENT_NAMES: LazyLock<HashMap<(u8, u8), (String, String)>> = LazyLock::new(|| {
    let Some(metadata) = runtime_metadata() else {
        return HashMap::new();
    };
    let mut names = HashMap::new();
    for pallet in &metadata.pallets {
        let Some(event) = &pallet.event else { continue };
        let Some(TypeDef::<PortableForm>::Variant(def)) =
            metadata.types.resolve(event.ty.id).map(|ty| &ty.type_def)
        else {
            continue;
        };
        for variant in &def.variants {
            let name = format!("{}.{}", pallet.name, variant.name);
            names.insert(
                (pallet.index, variant.index),
                (name, variant.docs.join(" ").trim().to_owned()),
            );
        }
    }
    names
});
