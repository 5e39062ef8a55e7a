//! The dev chain's genesis: funded dev accounts, Alice as sudo.

#![warn(missing_docs)]

use alloc::{vec, vec::Vec};

use sp_genesis_builder::PresetId;
use sp_keyring::Sr25519Keyring;

use crate::{configs::UNIT, AccountId, BalancesConfig, RuntimeGenesisConfig, SudoConfig};

/// What each dev account starts with.
pub const DEV_ENDOWMENT: crate::Balance = 1_000_000_000 * UNIT;

/// The name of the dev preset (`--dev`), as the SDK's tools spell it.
pub const DEV_PRESET: &str = sp_genesis_builder::DEV_RUNTIME_PRESET;

/// Alice, Bob, Charlie, Dave, Eve, Ferdie and their `//stash` accounts.
pub fn dev_accounts() -> Vec<AccountId> {
    Sr25519Keyring::well_known()
        .map(|k| k.to_account_id())
        .collect()
}

/// The dev chain's genesis.
pub fn development() -> RuntimeGenesisConfig {
    RuntimeGenesisConfig {
        balances: BalancesConfig {
            balances: dev_accounts()
                .into_iter()
                .map(|a| (a, DEV_ENDOWMENT))
                .collect(),
            ..Default::default()
        },
        sudo: SudoConfig {
            key: Some(Sr25519Keyring::Alice.to_account_id()),
        },
        ..Default::default()
    }
}

/// The preset named `id` as JSON, for the GenesisBuilder runtime API.
pub fn preset(id: &PresetId) -> Option<Vec<u8>> {
    match id.as_str() {
        DEV_PRESET => serde_json::to_vec(&development()).ok(),
        _ => None,
    }
}

/// The presets [`preset`] builds: only the dev one.
pub fn preset_names() -> Vec<PresetId> {
    vec![PresetId::from(DEV_PRESET)]
}
