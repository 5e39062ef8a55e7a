//! What an execution that failed for want of gas or deposit under the limits it was
//! given would need: from a re-run without them, said in its explanation.

use codec::Encode;
use europa_rpc_api::params::{Amount, GasLimit};
use europa_runtime::{opaque::Block, AccountId, Balance, EventRecord, Hash};
use pallet_europa_contracts::{
    api::ContractsTraceApi, trace::ExecutionTrace, Code, ContractResult, StorageDeposit,
};
use sp_api::ProvideRuntimeApi;
use sp_runtime::{traits::Block as BlockT, DispatchError, Weight};

use crate::{
    insight::{accounts, Annotated, Insight},
    rpc::{runtime_error, RpcError},
};

/// A dry run's result.
type DryRunResult<R> = ContractResult<Result<R, DispatchError>, Balance, EventRecord>;

/// Annotates the trace of a dry run under `limits`; when it failed for want of gas or
/// deposit under them, the explanation says what a run without them (`unlimited`, run
/// only then) needs.
pub fn explained<R>(
    insight: &Insight,
    stored_code: &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
    limits: Limits,
    (result, trace): (DryRunResult<R>, ExecutionTrace),
    unlimited: impl FnOnce() -> Result<(DryRunResult<R>, ExecutionTrace), RpcError>,
) -> Result<(DryRunResult<R>, Annotated), RpcError> {
    let mut annotated = insight.annotate(trace, stored_code);
    if let Some(needs) = limits.exceeded(&result.result) {
        let (unlimited, _) = unlimited()?;
        annotated.explain_further(&needs(&unlimited));
    }
    Ok((result, annotated))
}

/// For a contract extrinsic that failed for want of gas or deposit: what a dry run of
/// it without its limits, on its parent block's state, needs (the extrinsics before it
/// in its block are not applied: an estimate when there are any).
pub fn needs_of_extrinsic<C>(
    client: &C,
    parent: Hash,
    extrinsic: &<Block as BlockT>::Extrinsic,
    error: &DispatchError,
) -> Result<Option<String>, RpcError>
where
    C: ProvideRuntimeApi<Block>,
    C::Api: ContractsTraceApi<Block, AccountId, Balance, Hash, EventRecord>,
{
    use codec::Decode;
    use europa_runtime::{RuntimeCall, UncheckedExtrinsic};
    use pallet_europa_contracts::Call;
    use sp_runtime::{generic::Preamble, MultiAddress};
    let Ok(xt) = UncheckedExtrinsic::decode(&mut &extrinsic.encode()[..]) else {
        return Ok(None);
    };
    let Preamble::Signed(MultiAddress::Id(origin), ..) = xt.preamble else {
        return Ok(None);
    };
    let failed: Result<(), DispatchError> = Err(*error);
    let limits = |gas, deposit: Option<codec::Compact<Balance>>| Limits {
        gas: Some(gas),
        deposit: deposit.map(|limit| limit.0),
    };
    let api = client.runtime_api();
    let (needs, value, code, data, salt) = match xt.function {
        RuntimeCall::Contracts(Call::call {
            dest: MultiAddress::Id(dest),
            value,
            gas_limit,
            storage_deposit_limit,
            data,
        }) => {
            let Some(needs) = limits(gas_limit, storage_deposit_limit).exceeded(&failed) else {
                return Ok(None);
            };
            let (unlimited, _) = api
                .trace_call(parent, origin, dest, value, None, None, data)
                .map_err(runtime_error)?;
            return Ok(Some(needs(&unlimited)));
        }
        RuntimeCall::Contracts(Call::instantiate_with_code {
            value,
            gas_limit,
            storage_deposit_limit,
            code,
            data,
            salt,
        }) => {
            let needs = limits(gas_limit, storage_deposit_limit).exceeded(&failed);
            (needs, value, Code::Upload(code), data, salt)
        }
        RuntimeCall::Contracts(Call::instantiate {
            value,
            gas_limit,
            storage_deposit_limit,
            code_hash,
            data,
            salt,
        }) => {
            let needs = limits(gas_limit, storage_deposit_limit).exceeded(&failed);
            (needs, value, Code::Existing(code_hash), data, salt)
        }
        _ => return Ok(None),
    };
    let Some(needs) = needs else { return Ok(None) };
    let (unlimited, _) = api
        .trace_instantiate(parent, origin, value, None, None, code, data, salt)
        .map_err(runtime_error)?;
    Ok(Some(needs(&unlimited)))
}

/// The limits of a dry run: `None` is the most a block allows (gas) or no limit
/// (deposit).
#[derive(Clone, Copy)]
pub struct Limits {
    pub gas: Option<Weight>,
    pub deposit: Option<Balance>,
}

impl Limits {
    pub const MAX: Limits = Limits {
        gas: None,
        deposit: None,
    };

    pub fn of(gas: Option<GasLimit>, deposit: Option<Amount>) -> Self {
        Limits {
            gas: gas.map(|GasLimit(gas)| Weight::from_parts(gas.ref_time, gas.proof_size)),
            deposit: deposit.map(|limit| limit.0),
        }
    }

    /// When `result` failed for want of gas or deposit under limits the caller set, what
    /// to say given the result of a run without them.
    pub fn exceeded<R, T>(
        self,
        result: &Result<T, DispatchError>,
    ) -> Option<impl FnOnce(&ContractResult<R, Balance, EventRecord>) -> String> {
        let error = super::super::error_name(result.as_ref().err()?);
        let wanted = match error.as_str() {
            "Contracts::OutOfGas" => self.gas.is_some(),
            "Contracts::StorageDepositLimitExhausted" => self.deposit.is_some(),
            _ => false,
        };
        wanted.then_some(move |unlimited: &ContractResult<R, Balance, EventRecord>| {
            let required = unlimited.gas_required;
            let deposit = match unlimited.storage_deposit {
                StorageDeposit::Charge(amount) => amount,
                StorageDeposit::Refund(_) => 0,
            };
            match (self.gas, self.deposit) {
                (Some(limit), _) if error == "Contracts::OutOfGas" => format!(
                    "with the block's maximum gas it needs {} ref_time and {} proof_size \
                     (gasRequired); the limit was {} ref_time and {} proof_size",
                    required.ref_time(),
                    required.proof_size(),
                    limit.ref_time(),
                    limit.proof_size()
                ),
                (_, Some(limit)) => format!(
                    "without a deposit limit it charges a storage deposit of {}; the limit \
                     was {}",
                    accounts::balance(deposit),
                    accounts::balance(limit)
                ),
                _ => String::new(),
            }
        })
    }
}
