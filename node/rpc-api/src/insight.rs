//! `europa_register*`: what the node knows about contracts beyond the chain — their ink!
//! metadata and DWARF-carrying builds.

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::params::{Hash, HashSchema, HexBytes};

/// A contract whose metadata the node has.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredContract {
    /// Its name, from the metadata.
    pub name: String,
    /// The hash of its code.
    #[schemars(with = "HashSchema")]
    pub code_hash: Hash,
}

/// A debug build attached to stored code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredDebugInfo {
    /// The stored code's hash.
    #[schemars(with = "HashSchema")]
    pub code_hash: Hash,
    /// The BLAKE2-256 of the Code section both share.
    #[schemars(with = "HashSchema")]
    pub code_section: Hash,
}

/// Contract metadata and debug builds.
#[cfg_attr(not(feature = "client"), rpc(server, namespace = "europa"))]
#[cfg_attr(feature = "client", rpc(server, client, namespace = "europa"))]
pub trait InsightApi {
    /// Learns a contract's ink! metadata: the metadata JSON or `.contract` bundle, as a
    /// JSON object or as its text (ink!'s format, whose schema is ink!'s).
    #[method(name = "registerContract")]
    async fn register_contract(&self, metadata: serde_json::Value)
        -> RpcResult<RegisteredContract>;

    /// Attaches `wasm`, a DWARF-carrying build, to the stored code `codeHash`, when
    /// their Code sections are identical.
    #[method(name = "registerDebugInfo")]
    async fn register_debug_info(
        &self,
        code_hash: Hash,
        wasm: HexBytes,
    ) -> RpcResult<RegisteredDebugInfo>;

    /// The contracts whose metadata the node has.
    #[method(name = "registeredContracts")]
    async fn registered_contracts(&self) -> RpcResult<Vec<RegisteredContract>>;
}
