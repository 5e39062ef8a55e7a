//! The dev chain: genesis storage built natively from the runtime's dev preset.

use europa_runtime::{genesis, BuildStorage};
use sc_chain_spec::{ChainSpec as _, ChainType, Properties};
use sp_core::storage::well_known_keys;

use crate::executor::NATIVE_CODE_PLACEHOLDER;

pub type ChainSpec = sc_service::GenericChainSpec;

/// The token's symbol and decimals, as the chain properties tell clients.
pub const TOKEN_SYMBOL: &str = "UNIT";
pub const TOKEN_DECIMALS: u32 = 12;

/// The dev chain's id (its directory under `chains/`).
pub const DEV_CHAIN_ID: &str = "europa_dev";

/// `--dev`: Alice..Ferdie and their stash accounts funded, Alice sudo.
pub fn development() -> Result<ChainSpec, String> {
    let mut properties = Properties::new();
    properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
    properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
    properties.insert("ss58Format".into(), 42.into());

    let mut spec = ChainSpec::builder(NATIVE_CODE_PLACEHOLDER, None)
        .with_name("Europa Development")
        .with_id(DEV_CHAIN_ID)
        .with_chain_type(ChainType::Development)
        .with_properties(properties)
        .build();
    // Raw genesis storage built here, natively: the JSON genesis path would need a
    // WASM runtime to run the genesis builder.
    let mut storage = genesis::development().build_storage()?;
    storage.top.insert(
        well_known_keys::CODE.to_vec(),
        NATIVE_CODE_PLACEHOLDER.to_vec(),
    );
    spec.set_storage(storage);
    Ok(spec)
}
