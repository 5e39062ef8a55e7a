//! Transient storage (see [`crate::transient`]): upstream's unstable functions, with
//! its return values. As upstream, writing it is allowed in read-only calls.

use alloc::vec::Vec;
use europa_sandbox::Value;
use pallet_contracts_uapi::ReturnErrorCode;

use super::{
    host_fn,
    storage::{read_key, KeyArg},
    u32_args, Ctx, Definer, Host, HostResult, OutputCopy, Returned, I32, SENTINEL,
};
use crate::{
    costs::Cost,
    exec::Stop,
    storage::{Key, WriteOutcome},
    Config, Error,
};

pub fn define<T: Config>(d: &mut Definer<'_, T>) {
    d.unstable(
        "seal0",
        "set_transient_storage",
        &[I32, I32, I32, I32],
        &[I32],
        set::<T>,
    );
    d.unstable(
        "seal0",
        "clear_transient_storage",
        &[I32, I32],
        &[I32],
        clear::<T>,
    );
    d.unstable(
        "seal0",
        "get_transient_storage",
        &[I32, I32, I32, I32],
        &[I32],
        get::<T>,
    );
    d.unstable(
        "seal0",
        "contains_transient_storage",
        &[I32, I32],
        &[I32],
        contains::<T>,
    );
    d.unstable(
        "seal0",
        "take_transient_storage",
        &[I32, I32, I32, I32],
        &[I32],
        take::<T>,
    );
}

/// Writes (or with `None` removes) a value of the top frame's contract.
fn write<T: Config>(
    h: &mut Host<'_, '_, T>,
    key: Key,
    value: Option<Vec<u8>>,
    take: bool,
) -> Result<WriteOutcome, Stop> {
    let stack = h.stack();
    let contract = stack.top().account.clone();
    stack
        .transient
        .write(&contract, &key, value, take)
        .map_err(|_| Error::<T>::OutOfTransientStorage.into())
}

fn max_len<T: Config>(h: &mut Host<'_, '_, T>) -> u32 {
    h.stack().schedule.limits.payload_len
}

fn set<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.set_transient_storage", |h| {
        let [key, key_len, value, value_len] = u32_args(args);
        let max_len = max_len(h);
        let charged = h.charge(Cost::SetTransientStorage {
            new_bytes: value_len,
            old_bytes: max_len,
        })?;
        if value_len > max_len {
            return Err(Error::<T>::ValueTooLarge.into());
        }
        let key = read_key(h, KeyArg::Var(key, key_len))?;
        let value = h.read(value, value_len)?;
        h.arg_bytes("value", &value);
        let outcome = write(h, key, Some(value), false)?;
        h.adjust(
            charged,
            Cost::SetTransientStorage {
                new_bytes: value_len,
                old_bytes: outcome.old_len().unwrap_or(0),
            },
        );
        Ok(Returned::U32(outcome.old_len().unwrap_or(SENTINEL)))
    })
}

fn clear<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.clear_transient_storage", |h| {
        let [key, key_len] = u32_args(args);
        let max_len = max_len(h);
        let charged = h.charge(Cost::ClearTransientStorage(max_len))?;
        let key = read_key(h, KeyArg::Var(key, key_len))?;
        let outcome = write(h, key, None, false)?;
        let old_len = outcome.old_len();
        h.adjust(charged, Cost::ClearTransientStorage(old_len.unwrap_or(0)));
        Ok(Returned::U32(old_len.unwrap_or(SENTINEL)))
    })
}

fn get<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.get_transient_storage", |h| {
        let [key, key_len, out, out_len] = u32_args(args);
        let max_len = max_len(h);
        let charged = h.charge(Cost::GetTransientStorage(max_len))?;
        let key = read_key(h, KeyArg::Var(key, key_len))?;
        let stack = h.stack();
        let value = stack.transient.read(&stack.top().account, &key).cloned();
        let len = value.as_ref().map_or(0, |v| v.len() as u32);
        h.adjust(charged, Cost::GetTransientStorage(len));
        output(h, value, out, out_len)
    })
}

fn contains<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.contains_transient_storage", |h| {
        let [key, key_len] = u32_args(args);
        let max_len = max_len(h);
        let charged = h.charge(Cost::ContainsTransientStorage(max_len))?;
        let key = read_key(h, KeyArg::Var(key, key_len))?;
        let stack = h.stack();
        let size = stack
            .transient
            .read(&stack.top().account, &key)
            .map(|v| v.len() as u32);
        h.adjust(charged, Cost::ContainsTransientStorage(size.unwrap_or(0)));
        Ok(Returned::U32(size.unwrap_or(SENTINEL)))
    })
}

fn take<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.take_transient_storage", |h| {
        let [key, key_len, out, out_len] = u32_args(args);
        let max_len = max_len(h);
        let charged = h.charge(Cost::TakeTransientStorage(max_len))?;
        let key = read_key(h, KeyArg::Var(key, key_len))?;
        let value = match write(h, key, None, true)? {
            WriteOutcome::Taken(value) => Some(value),
            _ => None,
        };
        let len = value.as_ref().map_or(0, |v| v.len() as u32);
        h.adjust(charged, Cost::TakeTransientStorage(len));
        output(h, value, out, out_len)
    })
}

/// Hands a value found to the contract (its price covers the copy), or says there
/// was none.
fn output<T: Config>(
    h: &mut Host<'_, '_, T>,
    value: Option<Vec<u8>>,
    out: u32,
    out_len: u32,
) -> Result<Returned, Stop> {
    let Some(value) = value else {
        return Ok(ReturnErrorCode::KeyNotFound.into());
    };
    h.write_output(out, out_len, &value, false, OutputCopy::Covered)?;
    Ok(ReturnErrorCode::Success.into())
}
