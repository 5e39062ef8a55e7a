//! What a contract can ask about its call and the chain: input, caller, address,
//! balances, time, block, gas, code hashes, re-entrance and nonce.

use alloc::vec::Vec;
use codec::Encode;
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

use super::{declare::host_functions, Host, OutputCopy};
use crate::{
    costs::Cost, exec::Stop, AccountIdOf, BalanceOf, CodeHash, Config, ContractInfoOf, Error,
    Origin,
};

host_functions! {
    /// Copies the call's input to the output buffer (once: a forwarded input is gone).
    #[host(seal0, prefixed)]
    fn input(h, out_ptr: u32, out_len_ptr: u32) {
        let input = h.stack().top().input.clone();
        let input = input.ok_or(Error::<T>::InputForwarded)?;
        h.write_output(out_ptr, out_len_ptr, &input, false, OutputCopy::Charged)
    }

    /// The caller's account (traps when the caller is root).
    #[host(seal0, prefixed)]
    fn caller(h, out_ptr: u32, out_len_ptr: u32) {
        output(h, out_ptr, out_len_ptr, Cost::Caller, |h| {
            let caller = h.stack().top().caller.clone();
            Ok(caller.account_id()?.encode())
        })
    }

    /// This contract's account.
    #[host(seal0, prefixed)]
    fn address(h, out_ptr: u32, out_len_ptr: u32) {
        output(h, out_ptr, out_len_ptr, Cost::Address, |h| {
            Ok(h.stack().top().account.encode())
        })
    }

    /// This contract's free balance, less what must stay for the account to live.
    #[host(seal0, prefixed)]
    fn balance(h, out_ptr: u32, out_len_ptr: u32) {
        output(h, out_ptr, out_len_ptr, Cost::Balance, |h| {
            let account = h.stack().top().account.clone();
            Ok(
                T::Currency::reducible_balance(&account, Preservation::Preserve, Fortitude::Polite)
                    .encode(),
            )
        })
    }

    /// The value the caller transferred with this call.
    #[host(seal0, prefixed)]
    fn value_transferred(h, out_ptr: u32, out_len_ptr: u32) {
        output(h, out_ptr, out_len_ptr, Cost::ValueTransferred, |h| {
            Ok(h.stack().top().value_transferred.encode())
        })
    }

    /// The block's timestamp.
    #[host(seal0, prefixed)]
    fn now(h, out_ptr: u32, out_len_ptr: u32) {
        output(h, out_ptr, out_len_ptr, Cost::Now, |_| Ok(T::Time::now().encode()))
    }

    /// The block's number.
    #[host(seal0, prefixed)]
    fn block_number(h, out_ptr: u32, out_len_ptr: u32) {
        output(h, out_ptr, out_len_ptr, Cost::BlockNumber, |_| {
            Ok(frame_system::Pallet::<T>::block_number().encode())
        })
    }

    /// The existential deposit.
    #[host(seal0, prefixed)]
    fn minimum_balance(h, out_ptr: u32, out_len_ptr: u32) {
        output(h, out_ptr, out_len_ptr, Cost::MinimumBalance, |_| {
            Ok(T::Currency::minimum_balance().encode())
        })
    }

    /// The `ref_time` this frame has left.
    #[host(seal0, prefixed)]
    fn gas_left(h, out_ptr: u32, out_len_ptr: u32) {
        output(h, out_ptr, out_len_ptr, Cost::GasLeft, |h| {
            Ok(h.stack().top().gas.left().ref_time().encode())
        })
    }

    /// The weight this frame has left.
    #[host(seal1, unstable)]
    fn gas_left(h, out_ptr: u32, out_len_ptr: u32) {
        output(h, out_ptr, out_len_ptr, Cost::GasLeft, |h| {
            Ok(h.stack().top().gas.left().encode())
        })
    }

    /// The fee of `ref_time`.
    #[host(seal0, prefixed)]
    fn weight_to_fee(h, ref_time: u64, out_ptr: u32, out_len_ptr: u32) {
        h.arg("ref_time", ref_time);
        fee(h, Weight::from_parts(ref_time, 0), out_ptr, out_len_ptr)
    }

    /// The fee of a weight.
    #[host(seal1, unstable)]
    fn weight_to_fee(h, ref_time: u64, proof_size: u64, out_ptr: u32, out_len_ptr: u32) {
        let weight = Weight::from_parts(ref_time, proof_size);
        h.arg("weight", alloc::format!("{weight:?}"));
        fee(h, weight, out_ptr, out_len_ptr)
    }

    /// Whether the account at `account_ptr` is a contract.
    #[host(seal0, prefixed)]
    fn is_contract(h, account_ptr: u32) -> u32 {
        h.charge(Cost::IsContract)?;
        let account = read_account(h, account_ptr)?;
        Ok(ContractInfoOf::<T>::contains_key(&account) as u32)
    }

    /// The code hash of the contract at `account_ptr`.
    #[host(seal0, prefixed)]
    fn code_hash(h, account_ptr: u32, out_ptr: u32, out_len_ptr: u32) -> ReturnErrorCode {
        h.charge(Cost::CodeHash)?;
        let account = read_account(h, account_ptr)?;
        match ContractInfoOf::<T>::get(&account) {
            Some(info) => {
                let hash = info.code_hash.encode();
                h.write_output(out_ptr, out_len_ptr, &hash, false, OutputCopy::Covered)?;
                Ok(ReturnErrorCode::Success)
            }
            None => Ok(ReturnErrorCode::KeyNotFound),
        }
    }

    /// This contract's code hash.
    #[host(seal0, prefixed)]
    fn own_code_hash(h, out_ptr: u32, out_len_ptr: u32) {
        output(h, out_ptr, out_len_ptr, Cost::OwnCodeHash, |h| {
            let account = h.stack().top().account.clone();
            let info = ContractInfoOf::<T>::get(&account).ok_or(Error::<T>::ContractNotFound)?;
            let hash: CodeHash<T> = info.code_hash;
            Ok(hash.encode())
        })
    }

    /// Whether the caller is the origin of the whole call (an account, not a contract).
    #[host(seal0, prefixed)]
    fn caller_is_origin(h) -> u32 {
        h.charge(Cost::CallerIsOrigin)?;
        let stack = h.stack();
        Ok((stack.top().caller == stack.origin) as u32)
    }

    /// Whether the caller is the root origin.
    #[host(seal0)]
    fn caller_is_root(h) -> u32 {
        h.charge(Cost::CallerIsRoot)?;
        let stack = h.stack();
        let root = stack.top().caller == stack.origin && stack.origin == Origin::Root;
        Ok(root as u32)
    }

    /// How many times this contract is already on the call stack below this frame.
    #[host(seal0, unstable)]
    fn reentrance_count(h) -> u32 {
        h.charge(Cost::ReentranceCount)?;
        let stack = h.stack();
        let account = stack.top().account.clone();
        Ok(stack.entrances_of(&account).saturating_sub(1))
    }

    /// How many times the contract at `account_ptr` is on the call stack.
    #[host(seal0, unstable)]
    fn account_reentrance_count(h, account_ptr: u32) -> u32 {
        h.charge(Cost::AccountReentranceCount)?;
        let account = read_account(h, account_ptr)?;
        Ok(h.stack().entrances_of(&account))
    }

    /// The nonce the next instantiation will use.
    #[host(seal0)]
    fn instantiation_nonce(h) -> u64 {
        h.charge(Cost::InstantiationNonce)?;
        Ok(h.stack().nonce())
    }

    /// The runtime's randomness for a subject (without the block it is known from).
    #[host(seal0, prefixed, deprecated)]
    fn random(h, subject_ptr: u32, subject_len: u32, out_ptr: u32, out_len_ptr: u32) {
        random(h, subject_ptr, subject_len, out_ptr, out_len_ptr, false)
    }

    /// The runtime's randomness for a subject, with the block it is known from.
    #[host(seal1, prefixed, deprecated)]
    fn random(h, subject_ptr: u32, subject_len: u32, out_ptr: u32, out_len_ptr: u32) {
        random(h, subject_ptr, subject_len, out_ptr, out_len_ptr, true)
    }

    /// Rent was removed long ago; kept for contracts stored before: zero.
    #[host(seal0, prefixed, deprecated)]
    fn tombstone_deposit(h, out_ptr: u32, out_len_ptr: u32) {
        output(h, out_ptr, out_len_ptr, Cost::Balance, |_| {
            Ok(BalanceOf::<T>::zero().encode())
        })
    }

    /// Rent was removed long ago; kept for contracts stored before: the largest balance.
    #[host(seal0, prefixed, deprecated)]
    fn rent_allowance(h, out_ptr: u32, out_len_ptr: u32) {
        output(h, out_ptr, out_len_ptr, Cost::Balance, |_| {
            Ok(BalanceOf::<T>::max_value().encode())
        })
    }

    /// Rent was removed long ago; kept for contracts stored before: does nothing.
    #[host(seal0, prefixed, deprecated)]
    fn restore_to(
        h,
        _dest_ptr: u32,
        _dest_len: u32,
        _code_hash_ptr: u32,
        _code_hash_len: u32,
        _rent_allowance_ptr: u32,
        _rent_allowance_len: u32,
        _delta_ptr: u32,
        _delta_count: u32,
    ) {
        rent_noop(h)
    }

    /// Rent was removed long ago; kept for contracts stored before: does nothing.
    #[host(seal1, prefixed, deprecated)]
    fn restore_to(
        h,
        _dest_ptr: u32,
        _code_hash_ptr: u32,
        _rent_allowance_ptr: u32,
        _delta_ptr: u32,
        _delta_count: u32,
    ) {
        rent_noop(h)
    }

    /// Rent was removed long ago; kept for contracts stored before: does nothing.
    #[host(seal0, prefixed, deprecated)]
    fn set_rent_allowance(h, _value_ptr: u32, _value_len: u32) {
        rent_noop(h)
    }

    /// Rent was removed long ago; kept for contracts stored before: does nothing.
    #[host(seal1, prefixed, deprecated)]
    fn set_rent_allowance(h, _value_ptr: u32) {
        rent_noop(h)
    }
}

/// The common shape: charge `cost`, write an encoded value to the output buffer (the
/// cost covers the copy).
fn output<T: Config>(
    h: &mut Host<'_, '_, T>,
    out_ptr: u32,
    out_len_ptr: u32,
    cost: Cost,
    value: impl FnOnce(&mut Host<'_, '_, T>) -> Result<Vec<u8>, Stop>,
) -> Result<(), Stop> {
    h.charge(cost)?;
    let value = value(h)?;
    h.write_output(out_ptr, out_len_ptr, &value, false, OutputCopy::Covered)
}

fn fee<T: Config>(
    h: &mut Host<'_, '_, T>,
    weight: Weight,
    out_ptr: u32,
    out_len_ptr: u32,
) -> Result<(), Stop> {
    h.charge(Cost::WeightToFee)?;
    let fee = T::WeightPrice::convert(weight);
    h.write_output(
        out_ptr,
        out_len_ptr,
        &fee.encode(),
        false,
        OutputCopy::Covered,
    )
}

fn read_account<T: Config>(h: &mut Host<'_, '_, T>, ptr: u32) -> Result<AccountIdOf<T>, Stop> {
    let account: AccountIdOf<T> = h.read_as(ptr)?;
    h.arg_bytes("account", &account.encode());
    Ok(account)
}

fn random<T: Config>(
    h: &mut Host<'_, '_, T>,
    subject_ptr: u32,
    subject_len: u32,
    out_ptr: u32,
    out_len_ptr: u32,
    with_block: bool,
) -> Result<(), Stop> {
    h.charge(Cost::Random)?;
    if subject_len > h.stack().schedule.limits.subject_len {
        return Err(Error::<T>::RandomSubjectTooLong.into());
    }
    let subject = h.read(subject_ptr, subject_len)?;
    h.arg_bytes("subject", &subject);
    let (seed, block) = T::Randomness::random(&subject);
    let value = if with_block {
        (seed, block).encode()
    } else {
        seed.encode()
    };
    h.write_output(out_ptr, out_len_ptr, &value, false, OutputCopy::Covered)
}

/// `restore_to` and `set_rent_allowance`: nothing left to do, priced as upstream does.
fn rent_noop<T: Config>(h: &mut Host<'_, '_, T>) -> Result<(), Stop> {
    h.charge(Cost::DebugMessage(0))?;
    Ok(())
}
