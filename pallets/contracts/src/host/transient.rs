//! Transient storage (see [`crate::transient`]): upstream's unstable functions, with
//! its return values. As upstream, writing it is allowed in read-only calls.

use alloc::vec::Vec;
use europa_sandbox::Value;
use pallet_contracts_uapi::ReturnErrorCode;

use super::{
    host_fn,
    storage::{read_key, KeyArg},
    u32_args, Ctx, Definer, Host, HostResult, Returned, I32, SENTINEL,
};
use crate::{exec::Stop, storage::WriteOutcome, Config, Error};

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
    key: KeyArg,
    value: Option<Vec<u8>>,
    take: bool,
) -> Result<WriteOutcome, Stop> {
    let key = read_key(h, key)?;
    let stack = h.stack();
    let contract = stack.top().account.clone();
    stack
        .transient
        .write(&contract, &key, value, take)
        .map_err(|_| Error::<T>::OutOfTransientStorage.into())
}

fn set<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.set_transient_storage", |h| {
        let [key, key_len, value, value_len] = u32_args(args);
        let weights = h.weights();
        h.charge(
            weights
                .transient_storage
                .saturating_add(weights.transient_per_byte.saturating_mul(value_len.into())),
        )?;
        if value_len > h.stack().schedule.limits.payload_len {
            return Err(Error::<T>::ValueTooLarge.into());
        }
        let value = h.read(value, value_len)?;
        h.arg_bytes("value", &value);
        let outcome = write(h, KeyArg::Var(key, key_len), Some(value), false)?;
        Ok(Returned::U32(outcome.old_len().unwrap_or(SENTINEL)))
    })
}

fn clear<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.clear_transient_storage", |h| {
        let [key, key_len] = u32_args(args);
        let weight = h.weights().transient_storage;
        h.charge(weight)?;
        let outcome = write(h, KeyArg::Var(key, key_len), None, false)?;
        Ok(Returned::U32(outcome.old_len().unwrap_or(SENTINEL)))
    })
}

fn get<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.get_transient_storage", |h| {
        let [key, key_len, out, out_len] = u32_args(args);
        let weight = h.weights().transient_storage;
        h.charge(weight)?;
        let key = read_key(h, KeyArg::Var(key, key_len))?;
        let stack = h.stack();
        let value = stack.transient.read(&stack.top().account, &key).cloned();
        output(h, value, out, out_len)
    })
}

fn contains<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.contains_transient_storage", |h| {
        let [key, key_len] = u32_args(args);
        let weight = h.weights().transient_storage;
        h.charge(weight)?;
        let key = read_key(h, KeyArg::Var(key, key_len))?;
        let stack = h.stack();
        let size = stack
            .transient
            .read(&stack.top().account, &key)
            .map(Vec::len);
        Ok(Returned::U32(size.map_or(SENTINEL, |len| len as u32)))
    })
}

fn take<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.take_transient_storage", |h| {
        let [key, key_len, out, out_len] = u32_args(args);
        let weight = h.weights().transient_storage;
        h.charge(weight)?;
        let value = match write(h, KeyArg::Var(key, key_len), None, true)? {
            WriteOutcome::Taken(value) => Some(value),
            _ => None,
        };
        output(h, value, out, out_len)
    })
}

/// Hands a value found to the contract, or says there was none.
fn output<T: Config>(
    h: &mut Host<'_, '_, T>,
    value: Option<Vec<u8>>,
    out: u32,
    out_len: u32,
) -> Result<Returned, Stop> {
    let Some(value) = value else {
        return Ok(ReturnErrorCode::KeyNotFound.into());
    };
    let per_byte = h.weights().transient_per_byte;
    h.charge(per_byte.saturating_mul(value.len() as u64))?;
    h.write_output(out, out_len, &value, false)?;
    Ok(ReturnErrorCode::Success.into())
}
