//! What a contract can ask about its call and the chain: input, caller, address,
//! balances, time, block, gas, code hashes, re-entrance and nonce.

use codec::Encode;
use europa_sandbox::Value;
use frame_support::{
    traits::{
        fungible::Inspect,
        tokens::{Fortitude, Preservation},
        Randomness, Time,
    },
    weights::Weight,
};
use pallet_contracts_uapi::ReturnErrorCode;
use sp_runtime::traits::{Bounded, Convert, Zero};

use super::{
    host_fn, u32_args, u64_arg, Alias, Ctx, Definer, Host, HostResult, OutputCopy, Returned, I32,
    I64,
};
use crate::{
    costs::Cost, exec::Stop, AccountIdOf, BalanceOf, CodeHash, Config, ContractInfoOf, Error,
    Origin,
};

pub fn define<T: Config>(d: &mut Definer<'_, T>) {
    d.func(
        "seal0",
        "input",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        input::<T>,
    );
    d.func(
        "seal0",
        "caller",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        caller::<T>,
    );
    d.func(
        "seal0",
        "address",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        address::<T>,
    );
    d.func(
        "seal0",
        "balance",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        balance::<T>,
    );
    d.func(
        "seal0",
        "value_transferred",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        value_transferred::<T>,
    );
    d.func("seal0", "now", Alias::Prefixed, &[I32, I32], &[], now::<T>);
    d.func(
        "seal0",
        "block_number",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        block_number::<T>,
    );
    d.func(
        "seal0",
        "minimum_balance",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        minimum_balance::<T>,
    );
    d.func(
        "seal0",
        "gas_left",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        gas_left_v0::<T>,
    );
    d.unstable("seal1", "gas_left", &[I32, I32], &[], gas_left_v1::<T>);
    d.func(
        "seal0",
        "weight_to_fee",
        Alias::Prefixed,
        &[I64, I32, I32],
        &[],
        weight_to_fee_v0::<T>,
    );
    d.unstable(
        "seal1",
        "weight_to_fee",
        &[I64, I64, I32, I32],
        &[],
        weight_to_fee_v1::<T>,
    );
    d.func(
        "seal0",
        "is_contract",
        Alias::Prefixed,
        &[I32],
        &[I32],
        is_contract::<T>,
    );
    d.func(
        "seal0",
        "code_hash",
        Alias::Prefixed,
        &[I32, I32, I32],
        &[I32],
        code_hash::<T>,
    );
    d.func(
        "seal0",
        "own_code_hash",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        own_code_hash::<T>,
    );
    d.func(
        "seal0",
        "caller_is_origin",
        Alias::Prefixed,
        &[],
        &[I32],
        caller_is_origin::<T>,
    );
    d.func(
        "seal0",
        "caller_is_root",
        Alias::None,
        &[],
        &[I32],
        caller_is_root::<T>,
    );
    d.unstable(
        "seal0",
        "reentrance_count",
        &[],
        &[I32],
        reentrance_count::<T>,
    );
    d.unstable(
        "seal0",
        "account_reentrance_count",
        &[I32],
        &[I32],
        account_reentrance_count::<T>,
    );
    d.func(
        "seal0",
        "instantiation_nonce",
        Alias::None,
        &[],
        &[I64],
        instantiation_nonce::<T>,
    );
    d.deprecated(
        "seal0",
        "random",
        Alias::Prefixed,
        &[I32, I32, I32, I32],
        &[],
        random_v0::<T>,
    );
    d.deprecated(
        "seal1",
        "random",
        Alias::Prefixed,
        &[I32, I32, I32, I32],
        &[],
        random_v1::<T>,
    );
    // Rent was removed long ago; upstream keeps these for contracts stored before.
    d.deprecated(
        "seal0",
        "tombstone_deposit",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        tombstone_deposit::<T>,
    );
    d.deprecated(
        "seal0",
        "rent_allowance",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        rent_allowance::<T>,
    );
    d.deprecated(
        "seal0",
        "restore_to",
        Alias::Prefixed,
        &[I32; 8],
        &[],
        restore_to_v0::<T>,
    );
    d.deprecated(
        "seal1",
        "restore_to",
        Alias::Prefixed,
        &[I32; 5],
        &[],
        restore_to_v1::<T>,
    );
    d.deprecated(
        "seal0",
        "set_rent_allowance",
        Alias::Prefixed,
        &[I32, I32],
        &[],
        set_rent_allowance_v0::<T>,
    );
    d.deprecated(
        "seal1",
        "set_rent_allowance",
        Alias::Prefixed,
        &[I32],
        &[],
        set_rent_allowance_v1::<T>,
    );
}

/// The common shape: charge `cost`, write an encoded value to the output buffer (the
/// cost covers the copy).
fn output<T: Config>(
    ctx: &mut Ctx<'_, T>,
    name: &'static str,
    args: &[Value],
    cost: Cost,
    value: impl FnOnce(&mut Host<'_, '_, T>) -> Result<alloc::vec::Vec<u8>, Stop>,
) -> HostResult {
    host_fn(ctx, name, |h| {
        let [out, out_len] = u32_args(args);
        h.charge(cost)?;
        let value = value(h)?;
        h.write_output(out, out_len, &value, false, OutputCopy::Covered)?;
        Ok(Returned::Unit)
    })
}

fn input<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.input", |h| {
        let [out, out_len] = u32_args(args);
        let input = h.stack().top().input.clone();
        let input = input.ok_or(Error::<T>::InputForwarded)?;
        h.write_output(out, out_len, &input, false, OutputCopy::Charged)?;
        Ok(Returned::Unit)
    })
}

fn caller<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    output(ctx, "seal0.caller", args, Cost::Caller, |h| {
        let caller = h.stack().top().caller.clone();
        Ok(caller.account_id()?.encode())
    })
}

fn address<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    output(ctx, "seal0.address", args, Cost::Address, |h| {
        Ok(h.stack().top().account.encode())
    })
}

fn balance<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    output(ctx, "seal0.balance", args, Cost::Balance, |h| {
        let account = h.stack().top().account.clone();
        Ok(
            T::Currency::reducible_balance(&account, Preservation::Preserve, Fortitude::Polite)
                .encode(),
        )
    })
}

fn value_transferred<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    output(
        ctx,
        "seal0.value_transferred",
        args,
        Cost::ValueTransferred,
        |h| Ok(h.stack().top().value_transferred.encode()),
    )
}

fn now<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    output(ctx, "seal0.now", args, Cost::Now, |_| {
        Ok(T::Time::now().encode())
    })
}

fn block_number<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    output(ctx, "seal0.block_number", args, Cost::BlockNumber, |_| {
        Ok(frame_system::Pallet::<T>::block_number().encode())
    })
}

fn minimum_balance<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    output(
        ctx,
        "seal0.minimum_balance",
        args,
        Cost::MinimumBalance,
        |_| Ok(T::Currency::minimum_balance().encode()),
    )
}

fn gas_left_v0<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    output(ctx, "seal0.gas_left", args, Cost::GasLeft, |h| {
        Ok(h.stack().top().gas.left().ref_time().encode())
    })
}

fn gas_left_v1<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    output(ctx, "seal1.gas_left", args, Cost::GasLeft, |h| {
        Ok(h.stack().top().gas.left().encode())
    })
}

fn weight_to_fee_v0<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.weight_to_fee", |h| {
        let ref_time = u64_arg(args, 0);
        let [_, out, out_len] = u32_args(args);
        h.charge(Cost::WeightToFee)?;
        h.arg("ref_time", ref_time);
        let fee = T::WeightPrice::convert(Weight::from_parts(ref_time, 0));
        h.write_output(out, out_len, &fee.encode(), false, OutputCopy::Covered)?;
        Ok(Returned::Unit)
    })
}

fn weight_to_fee_v1<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal1.weight_to_fee", |h| {
        let weight = Weight::from_parts(u64_arg(args, 0), u64_arg(args, 1));
        let [_, _, out, out_len] = u32_args(args);
        h.charge(Cost::WeightToFee)?;
        h.arg("weight", alloc::format!("{weight:?}"));
        let fee = T::WeightPrice::convert(weight);
        h.write_output(out, out_len, &fee.encode(), false, OutputCopy::Covered)?;
        Ok(Returned::Unit)
    })
}

fn read_account<T: Config>(h: &mut Host<'_, '_, T>, ptr: u32) -> Result<AccountIdOf<T>, Stop> {
    let account: AccountIdOf<T> = h.read_as(ptr)?;
    h.arg_bytes("account", &account.encode());
    Ok(account)
}

fn is_contract<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.is_contract", |h| {
        let [account] = u32_args(args);
        h.charge(Cost::IsContract)?;
        let account = read_account(h, account)?;
        Ok(Returned::U32(
            ContractInfoOf::<T>::contains_key(&account) as u32
        ))
    })
}

fn code_hash<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.code_hash", |h| {
        let [account, out, out_len] = u32_args(args);
        h.charge(Cost::CodeHash)?;
        let account = read_account(h, account)?;
        match ContractInfoOf::<T>::get(&account) {
            Some(info) => {
                let hash = info.code_hash.encode();
                h.write_output(out, out_len, &hash, false, OutputCopy::Covered)?;
                Ok(ReturnErrorCode::Success.into())
            }
            None => Ok(ReturnErrorCode::KeyNotFound.into()),
        }
    })
}

fn own_code_hash<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    output(ctx, "seal0.own_code_hash", args, Cost::OwnCodeHash, |h| {
        let account = h.stack().top().account.clone();
        let info = ContractInfoOf::<T>::get(&account).ok_or(Error::<T>::ContractNotFound)?;
        let hash: CodeHash<T> = info.code_hash;
        Ok(hash.encode())
    })
}

fn caller_is_origin<T: Config>(ctx: &mut Ctx<'_, T>, _: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.caller_is_origin", |h| {
        h.charge(Cost::CallerIsOrigin)?;
        let stack = h.stack();
        Ok(Returned::U32((stack.top().caller == stack.origin) as u32))
    })
}

fn caller_is_root<T: Config>(ctx: &mut Ctx<'_, T>, _: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.caller_is_root", |h| {
        h.charge(Cost::CallerIsRoot)?;
        let stack = h.stack();
        let root = stack.top().caller == stack.origin && stack.origin == Origin::Root;
        Ok(Returned::U32(root as u32))
    })
}

fn reentrance_count<T: Config>(ctx: &mut Ctx<'_, T>, _: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.reentrance_count", |h| {
        h.charge(Cost::ReentranceCount)?;
        let stack = h.stack();
        let account = stack.top().account.clone();
        Ok(Returned::U32(
            stack.entrances_of(&account).saturating_sub(1),
        ))
    })
}

fn account_reentrance_count<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.account_reentrance_count", |h| {
        let [account] = u32_args(args);
        h.charge(Cost::AccountReentranceCount)?;
        let account = read_account(h, account)?;
        Ok(Returned::U32(h.stack().entrances_of(&account)))
    })
}

fn instantiation_nonce<T: Config>(ctx: &mut Ctx<'_, T>, _: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.instantiation_nonce", |h| {
        h.charge(Cost::InstantiationNonce)?;
        Ok(Returned::U64(h.stack().nonce()))
    })
}

fn random<T: Config>(
    h: &mut Host<'_, '_, T>,
    args: &[Value],
    with_block: bool,
) -> Result<Returned, Stop> {
    let [subject, subject_len, out, out_len] = u32_args(args);
    h.charge(Cost::Random)?;
    if subject_len > h.stack().schedule.limits.subject_len {
        return Err(Error::<T>::RandomSubjectTooLong.into());
    }
    let subject = h.read(subject, subject_len)?;
    h.arg_bytes("subject", &subject);
    let (seed, block) = T::Randomness::random(&subject);
    let value = if with_block {
        (seed, block).encode()
    } else {
        seed.encode()
    };
    h.write_output(out, out_len, &value, false, OutputCopy::Covered)?;
    Ok(Returned::Unit)
}

fn random_v0<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.random", |h| random(h, args, false))
}

fn random_v1<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal1.random", |h| random(h, args, true))
}

fn tombstone_deposit<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    output(ctx, "seal0.tombstone_deposit", args, Cost::Balance, |_| {
        Ok(BalanceOf::<T>::zero().encode())
    })
}

fn rent_allowance<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    output(ctx, "seal0.rent_allowance", args, Cost::Balance, |_| {
        Ok(BalanceOf::<T>::max_value().encode())
    })
}

/// `restore_to` and `set_rent_allowance`: nothing left to do, priced as upstream does.
fn rent_noop<T: Config>(ctx: &mut Ctx<'_, T>, name: &'static str) -> HostResult {
    host_fn(ctx, name, |h| {
        h.charge(Cost::DebugMessage(0))?;
        Ok(Returned::Unit)
    })
}

fn restore_to_v0<T: Config>(ctx: &mut Ctx<'_, T>, _: &[Value]) -> HostResult {
    rent_noop(ctx, "seal0.restore_to")
}

fn restore_to_v1<T: Config>(ctx: &mut Ctx<'_, T>, _: &[Value]) -> HostResult {
    rent_noop(ctx, "seal1.restore_to")
}

fn set_rent_allowance_v0<T: Config>(ctx: &mut Ctx<'_, T>, _: &[Value]) -> HostResult {
    rent_noop(ctx, "seal0.set_rent_allowance")
}

fn set_rent_allowance_v1<T: Config>(ctx: &mut Ctx<'_, T>, _: &[Value]) -> HostResult {
    rent_noop(ctx, "seal1.set_rent_allowance")
}
