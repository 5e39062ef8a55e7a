//! `europa_blockSummary`, `europa_contracts`, `europa_encodeMessage`: the chain as a
//! person reads it (what the Explorer shows): a block's extrinsics with their calls,
//! signers, outcomes and events by name; the contracts on chain with their deposits and,
//! where Europa has their metadata, their messages; and a message's input from its
//! arguments written as `cargo contract call --args` takes them.

use std::{collections::HashMap, sync::Arc};

use codec::{Decode, Encode};
use europa_rpc_api::{
    explore::{
        BlockSummary, ContractSummary, EventSummary, ExploreApiServer, ExtrinsicSummary,
        MessageSignature, SummaryOutcome,
    },
    params::{Account, Amount, BlockRef, Bytes},
};
use europa_runtime::{
    opaque::Block, AccountId, Balance, EventRecord, Hash, Nonce, Runtime, RuntimeCall,
    RuntimeEvent, UncheckedExtrinsic,
};
use frame_support::{storage::storage_prefix, traits::GetCallMetadata, StoragePrefixedMap};
use frame_system::Phase;
use jsonrpsee::core::{async_trait, RpcResult};
use sp_blockchain::HeaderBackend;
use sp_core::storage::StorageKey;
use sp_runtime::{generic::Preamble, traits::Block as BlockT, MultiAddress};

use crate::insight::{
    accounts::{dev_name, with_accounts_named},
    runtime_metadata::{error_docs, event_name},
    Insight,
};

use super::{error_name, invalid_params, runtime_error, trace::find_block, FullBackend, RpcError};

/// The most contracts `europa_contracts` lists.
pub const MAX_CONTRACTS_LISTED: usize = 10_000;
/// A call's or an event's text is cut after this many characters (an upload's code
/// would otherwise print as a list of every byte).
const MAX_TEXT_CHARS: usize = 600;

pub struct Explore<C> {
    client: Arc<C>,
    insight: Arc<Insight>,
}

impl<C> Explore<C> {
    pub fn new(client: Arc<C>, insight: Arc<Insight>) -> Self {
        Explore { client, insight }
    }
}

#[async_trait]
impl<C> ExploreApiServer for Explore<C>
where
    C: sc_client_api::StorageProvider<Block, FullBackend>
        + sc_client_api::BlockBackend<Block>
        + HeaderBackend<Block>,
    C: Send + Sync + 'static,
{
    async fn block_summary(&self, block_ref: BlockRef) -> RpcResult<BlockSummary> {
        let block = find_block(&*self.client, block_ref)?;
        let header = block.header();
        let hash = header.hash();
        let events: Vec<EventRecord> = self
            .storage(hash, storage_prefix(b"System", b"Events").to_vec())?
            .unwrap_or_default();
        let timestamp: Option<u64> =
            self.storage(hash, storage_prefix(b"Timestamp", b"Now").to_vec())?;
        let extrinsics = block
            .extrinsics()
            .iter()
            .enumerate()
            .map(|(index, opaque)| {
                let own_events = events
                    .iter()
                    .filter(|record| record.phase == Phase::ApplyExtrinsic(index as u32));
                extrinsic_summary(index, &opaque.encode(), own_events)
            })
            .collect();
        Ok(BlockSummary {
            number: header.number,
            hash,
            parent_hash: header.parent_hash,
            timestamp,
            extrinsics,
        })
    }

    async fn contracts(&self, at: Option<Hash>) -> RpcResult<Vec<ContractSummary>> {
        let at = at.unwrap_or_else(|| self.client.info().best_hash);
        if self.client.header(at).map_err(runtime_error)?.is_none() {
            return Err(invalid_params(format!("block {at:?} is not on this chain")).into());
        }
        let prefix = pallet_europa_contracts::ContractInfoOf::<Runtime>::final_prefix();
        let pairs = self
            .client
            .storage_pairs(at, Some(&StorageKey(prefix.to_vec())), None)
            .map_err(runtime_error)?;
        let mut listed = Vec::new();
        // Read once per code: many contracts often share one.
        type Known = (Option<String>, Option<Vec<MessageSignature>>);
        let mut known: HashMap<Hash, Known> = HashMap::new();
        for (key, value) in pairs.take(MAX_CONTRACTS_LISTED) {
            // The map's key ends with the address (`Twox64Concat`).
            let Some(address) = key.0.len().checked_sub(32).map(|at| &key.0[at..]) else {
                continue;
            };
            let Ok(info) =
                pallet_europa_contracts::ContractInfo::<Runtime>::decode(&mut &value.0[..])
            else {
                continue;
            };
            let account = AccountId::new(address.try_into().unwrap_or_default());
            let balance = self.free_balance(at, &account)?;
            let (name, messages) = known
                .entry(info.code_hash)
                .or_insert_with(|| {
                    let abi = self.insight.abi(info.code_hash.as_ref());
                    let messages = abi
                        .as_ref()
                        .and_then(|abi| abi.reader())
                        .map(|reader| reader.messages());
                    (abi.map(|abi| abi.name.clone()), messages)
                })
                .clone();
            let deposit = info
                .storage_base_deposit
                .saturating_add(info.storage_byte_deposit)
                .saturating_add(info.storage_item_deposit);
            listed.push(ContractSummary {
                address_name: dev_name(address).map(str::to_owned),
                address: Account(account),
                code_hash: info.code_hash,
                name,
                balance: Amount(balance),
                storage_items: info.storage_items,
                storage_bytes: info.storage_bytes,
                storage_deposit: Amount(deposit),
                messages,
            });
        }
        Ok(listed)
    }

    async fn encode_message(
        &self,
        code_hash: Hash,
        message: String,
        args: Vec<String>,
    ) -> RpcResult<Bytes> {
        let input = super::insight::encode_message(&self.insight, code_hash, &message, &args)?;
        Ok(Bytes(input))
    }
}

impl<C> Explore<C>
where
    C: sc_client_api::StorageProvider<Block, FullBackend>,
{
    /// The value under `key` at `at`, decoded; `None` when there is none.
    fn storage<T: Decode>(&self, at: Hash, key: Vec<u8>) -> Result<Option<T>, RpcError> {
        let Some(value) = self
            .client
            .storage(at, &StorageKey(key))
            .map_err(runtime_error)?
        else {
            return Ok(None);
        };
        T::decode(&mut &value.0[..])
            .map(Some)
            .map_err(|error| runtime_error(format!("the chain's storage did not decode: {error}")))
    }

    fn free_balance(&self, at: Hash, account: &AccountId) -> Result<Balance, RpcError> {
        type AccountInfo = frame_system::AccountInfo<Nonce, pallet_balances::AccountData<Balance>>;
        let key = frame_system::Account::<Runtime>::hashed_key_for(account);
        Ok(self
            .storage::<AccountInfo>(at, key)?
            .map_or(0, |info| info.data.free))
    }
}

/// One extrinsic: its call by name and as text, its signer, outcome and events.
fn extrinsic_summary<'a>(
    index: usize,
    encoded: &[u8],
    events: impl Iterator<Item = &'a EventRecord>,
) -> ExtrinsicSummary {
    let mut outcome = SummaryOutcome {
        ok: Some(()),
        ..SummaryOutcome::default()
    };
    let events = events
        .map(|record| {
            if let RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
                dispatch_error,
                ..
            }) = &record.event
            {
                let error = error_name(dispatch_error);
                outcome = SummaryOutcome {
                    ok: None,
                    docs: error_docs(&error),
                    err: Some(error),
                };
            }
            let (name, docs) = event_name(&record.event.encode()).unzip();
            EventSummary {
                name,
                docs,
                text: readable(&format!("{:?}", record.event)),
            }
        })
        .collect();
    let index = u32::try_from(index).unwrap_or(u32::MAX);
    let Ok(extrinsic) = UncheckedExtrinsic::decode(&mut &encoded[..]) else {
        return ExtrinsicSummary {
            index,
            text: "(does not decode)".to_owned(),
            outcome,
            events,
            ..ExtrinsicSummary::default()
        };
    };
    let signer = match &extrinsic.preamble {
        Preamble::Signed(MultiAddress::Id(account), ..) => Some(account.clone()),
        _ => None,
    };
    let call: &RuntimeCall = &extrinsic.function;
    let metadata = call.get_call_metadata();
    ExtrinsicSummary {
        index,
        pallet: Some(metadata.pallet_name.to_owned()),
        call: Some(metadata.function_name.to_owned()),
        text: readable(&format!("{call:?}")),
        signer_name: signer
            .as_ref()
            .and_then(|account| dev_name(account.as_ref()))
            .map(str::to_owned),
        signer: signer.map(Account),
        outcome,
        events,
    }
}

/// Debug text with accounts named, cut to [`MAX_TEXT_CHARS`].
fn readable(text: &str) -> String {
    let text = with_accounts_named(text);
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((cut, _)) => format!("{}… ({} characters)", &text[..cut], text.chars().count()),
        None => text,
    }
}
