//! `europa_blockSummary`, `europa_contracts`, `europa_encodeMessage`: the chain as a
//! person reads it, for the Explorer and scripts.

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::params::{Account, Amount, BlockNumber, BlockRef, Bytes, Hash, HashSchema};

/// A block as a person reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlockSummary {
    /// Its number.
    pub number: BlockNumber,
    /// Its hash.
    #[schemars(with = "HashSchema")]
    pub hash: Hash,
    /// Its parent's hash.
    #[schemars(with = "HashSchema")]
    pub parent_hash: Hash,
    /// Its timestamp, in milliseconds since the Unix epoch.
    pub timestamp: Option<u64>,
    /// Its extrinsics, in order.
    pub extrinsics: Vec<ExtrinsicSummary>,
}

/// An extrinsic as a person reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExtrinsicSummary {
    /// Its index in the block.
    pub index: u32,
    /// The pallet it calls; `None` when it does not decode.
    pub pallet: Option<String>,
    /// The call's name.
    pub call: Option<String>,
    /// The call as text, accounts named (cut at 2 000 characters).
    pub text: String,
    /// Who signed it (SS58).
    pub signer: Option<Account>,
    /// The signer's name, when it is a development account.
    pub signer_name: Option<String>,
    /// How it ended.
    pub outcome: SummaryOutcome,
    /// The events it deposited.
    pub events: Vec<EventSummary>,
}

/// How an extrinsic ended: `{"ok": null}`, or `{"err": "Pallet::Error", "docs": …}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SummaryOutcome {
    /// Present (as `null`) when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "present")]
    #[schemars(with = "Option<()>")]
    pub ok: Option<()>,
    /// The error it failed with, as `Pallet::Error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err: Option<String>,
    /// The error's documentation, from the runtime's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
}

/// `Some(())` as a key present with `null`, `None` as no key.
mod present {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        _: &Option<()>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<()>, D::Error> {
        <()>::deserialize(deserializer).map(Some)
    }
}

/// An event as a person reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventSummary {
    /// `Pallet.Event`, from the runtime's metadata.
    pub name: Option<String>,
    /// Its documentation.
    pub docs: Option<String>,
    /// The event as text, accounts named.
    pub text: String,
}

/// A contract on chain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContractSummary {
    /// Its address.
    pub address: Account,
    /// Its name, when it is a development account's address.
    pub address_name: Option<String>,
    /// The hash of its code.
    #[schemars(with = "HashSchema")]
    pub code_hash: Hash,
    /// Its name, from its metadata.
    pub name: Option<String>,
    /// Its free balance.
    pub balance: Amount,
    /// Items in its storage.
    pub storage_items: u32,
    /// Bytes in its storage.
    pub storage_bytes: u32,
    /// The deposit its storage holds.
    pub storage_deposit: Amount,
    /// Its messages, from its metadata.
    pub messages: Option<Vec<MessageSignature>>,
}

/// A message as its caller sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageSignature {
    /// Its name.
    pub label: String,
    /// Its selector.
    pub selector: Bytes,
    /// Whether it may change the contract's storage.
    pub mutates: bool,
    /// Whether it accepts value.
    pub payable: bool,
    /// Argument names and their types' names.
    pub args: Vec<(String, String)>,
    /// The return type's name.
    pub returns: String,
    /// Its documentation.
    pub docs: String,
}

/// The chain as a person reads it.
#[cfg_attr(not(feature = "client"), rpc(server, namespace = "europa"))]
#[cfg_attr(feature = "client", rpc(server, client, namespace = "europa"))]
pub trait ExploreApi {
    /// A block as a person reads it.
    #[method(name = "blockSummary")]
    async fn block_summary(&self, block: BlockRef) -> RpcResult<BlockSummary>;

    /// The contracts on chain at `at` (default: the best block), 10 000 at most.
    #[method(name = "contracts")]
    async fn contracts(&self, at: Option<Hash>) -> RpcResult<Vec<ContractSummary>>;

    /// The input that calls `message` of the contract whose code is `codeHash` (its
    /// metadata registered) with `args`, each as `cargo contract call --args` takes it.
    #[method(name = "encodeMessage")]
    async fn encode_message(
        &self,
        code_hash: Hash,
        message: String,
        args: Vec<String>,
    ) -> RpcResult<Bytes>;
}
