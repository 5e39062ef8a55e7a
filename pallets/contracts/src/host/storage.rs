//! Contract storage: set, clear, get, contains and take, in every ABI version.

use europa_sandbox::Value;
use frame_support::traits::Get;
use pallet_contracts_uapi::ReturnErrorCode;

use super::{
    host_fn, u32_args, Alias, Ctx, Definer, Host, HostResult, OutputCopy, Returned, I32, SENTINEL,
};
use crate::{
    costs::Cost,
    exec::Stop,
    storage::{Key, WriteOutcome},
    Config, Error,
};

pub fn define<T: Config>(d: &mut Definer<'_, T>) {
    d.func(
        "seal0",
        "set_storage",
        Alias::Prefixed,
        &[I32, I32, I32],
        &[],
        set_storage_v0::<T>,
    );
    d.func(
        "seal1",
        "set_storage",
        Alias::Prefixed,
        &[I32, I32, I32],
        &[I32],
        set_storage_v1::<T>,
    );
    d.func(
        "seal2",
        "set_storage",
        Alias::Prefixed,
        &[I32, I32, I32, I32],
        &[I32],
        set_storage_v2::<T>,
    );
    d.func(
        "seal0",
        "clear_storage",
        Alias::Prefixed,
        &[I32],
        &[],
        clear_storage_v0::<T>,
    );
    d.func(
        "seal1",
        "clear_storage",
        Alias::Prefixed,
        &[I32, I32],
        &[I32],
        clear_storage_v1::<T>,
    );
    d.func(
        "seal0",
        "get_storage",
        Alias::Prefixed,
        &[I32, I32, I32],
        &[I32],
        get_storage_v0::<T>,
    );
    d.func(
        "seal1",
        "get_storage",
        Alias::Prefixed,
        &[I32, I32, I32, I32],
        &[I32],
        get_storage_v1::<T>,
    );
    d.func(
        "seal0",
        "contains_storage",
        Alias::Prefixed,
        &[I32],
        &[I32],
        contains_storage_v0::<T>,
    );
    d.func(
        "seal1",
        "contains_storage",
        Alias::Prefixed,
        &[I32, I32],
        &[I32],
        contains_storage_v1::<T>,
    );
    d.func(
        "seal0",
        "take_storage",
        Alias::Prefixed,
        &[I32, I32, I32, I32],
        &[I32],
        take_storage::<T>,
    );
}

/// How a function passes its key: 32 bytes at a pointer, or pointer and length.
#[derive(Clone, Copy)]
pub(super) enum KeyArg {
    Fix(u32),
    Var(u32, u32),
}

pub(super) fn read_key<T: Config>(h: &mut Host<'_, '_, T>, key: KeyArg) -> Result<Key, Stop> {
    let key = match key {
        KeyArg::Fix(ptr) => Key::Fix(h.read_array::<32>(ptr)?),
        KeyArg::Var(ptr, len) => {
            if len > T::MaxStorageKeyLen::get() {
                return Err(Error::<T>::DecodingFailed.into());
            }
            let bytes = h.read(ptr, len)?;
            Key::try_from_var::<T>(bytes).map_err(|_| Error::<T>::DecodingFailed)?
        }
    };
    h.arg_bytes("key", key.as_bytes());
    Ok(key)
}

/// Writes or removes a value; returns the size of the previous value, or
/// [`SENTINEL`] if there was none. As upstream, priced for the largest value it could
/// replace, then settled at the size it did.
fn write<T: Config>(
    h: &mut Host<'_, '_, T>,
    key: KeyArg,
    value: Option<(u32, u32)>,
) -> Result<u32, Stop> {
    h.ensure_mutable()?;
    let max_len = h.stack().schedule.limits.payload_len;
    let (charged, value) = match value {
        Some((ptr, len)) => {
            let charged = h.charge(Cost::SetStorage {
                new_bytes: len,
                old_bytes: max_len,
            })?;
            if len > max_len {
                return Err(Error::<T>::ValueTooLarge.into());
            }
            (charged, Some((ptr, len)))
        }
        None => (h.charge(Cost::ClearStorage(max_len))?, None),
    };
    let key = read_key(h, key)?;
    let value = match value {
        Some((ptr, len)) => {
            let value = h.read(ptr, len)?;
            h.arg_bytes("value", &value);
            Some(value)
        }
        None => None,
    };
    let new_bytes = value.as_ref().map(|v| v.len() as u32);
    let frame = h.stack().top_mut();
    let outcome = frame.info.write(&key, value, frame.deposit.record(), false);
    let old_bytes = outcome.old_len().unwrap_or(0);
    let actual = match new_bytes {
        Some(new_bytes) => Cost::SetStorage {
            new_bytes,
            old_bytes,
        },
        None => Cost::ClearStorage(old_bytes),
    };
    h.adjust(charged, actual);
    Ok(outcome.old_len().unwrap_or(SENTINEL))
}

fn read<T: Config>(
    h: &mut Host<'_, '_, T>,
    key: KeyArg,
    out_ptr: u32,
    out_len_ptr: u32,
) -> Result<Returned, Stop> {
    let max_len = h.stack().schedule.limits.payload_len;
    let charged = h.charge(Cost::GetStorage(max_len))?;
    let key = read_key(h, key)?;
    let value = h.stack().top().info.read(&key);
    let len = value.as_ref().map_or(0, |v| v.len() as u32);
    h.adjust(charged, Cost::GetStorage(len));
    match value {
        Some(value) => {
            h.write_output(out_ptr, out_len_ptr, &value, false, OutputCopy::Covered)?;
            Ok(ReturnErrorCode::Success.into())
        }
        None => Ok(ReturnErrorCode::KeyNotFound.into()),
    }
}

fn contains<T: Config>(h: &mut Host<'_, '_, T>, key: KeyArg) -> Result<Returned, Stop> {
    let max_len = h.stack().schedule.limits.payload_len;
    let charged = h.charge(Cost::ContainsStorage(max_len))?;
    let key = read_key(h, key)?;
    let size = h.stack().top().info.size(&key);
    h.adjust(charged, Cost::ContainsStorage(size.unwrap_or(0)));
    Ok(Returned::U32(size.unwrap_or(SENTINEL)))
}

fn set_storage_v0<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.set_storage", |h| {
        let [key, value, len] = u32_args(args);
        write(h, KeyArg::Fix(key), Some((value, len))).map(|_| Returned::Unit)
    })
}

fn set_storage_v1<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal1.set_storage", |h| {
        let [key, value, len] = u32_args(args);
        write(h, KeyArg::Fix(key), Some((value, len))).map(Returned::U32)
    })
}

fn set_storage_v2<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal2.set_storage", |h| {
        let [key, key_len, value, len] = u32_args(args);
        write(h, KeyArg::Var(key, key_len), Some((value, len))).map(Returned::U32)
    })
}

fn clear_storage_v0<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.clear_storage", |h| {
        let [key] = u32_args(args);
        write(h, KeyArg::Fix(key), None).map(|_| Returned::Unit)
    })
}

fn clear_storage_v1<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal1.clear_storage", |h| {
        let [key, key_len] = u32_args(args);
        write(h, KeyArg::Var(key, key_len), None).map(Returned::U32)
    })
}

fn get_storage_v0<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.get_storage", |h| {
        let [key, out, out_len] = u32_args(args);
        read(h, KeyArg::Fix(key), out, out_len)
    })
}

fn get_storage_v1<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal1.get_storage", |h| {
        let [key, key_len, out, out_len] = u32_args(args);
        read(h, KeyArg::Var(key, key_len), out, out_len)
    })
}

fn contains_storage_v0<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.contains_storage", |h| {
        let [key] = u32_args(args);
        contains(h, KeyArg::Fix(key))
    })
}

fn contains_storage_v1<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal1.contains_storage", |h| {
        let [key, key_len] = u32_args(args);
        contains(h, KeyArg::Var(key, key_len))
    })
}

fn take_storage<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.take_storage", |h| {
        let [key, key_len, out, out_len] = u32_args(args);
        h.ensure_mutable()?;
        let max_len = h.stack().schedule.limits.payload_len;
        let charged = h.charge(Cost::TakeStorage(max_len))?;
        let key = read_key(h, KeyArg::Var(key, key_len))?;
        let frame = h.stack().top_mut();
        match frame.info.write(&key, None, frame.deposit.record(), true) {
            WriteOutcome::Taken(value) => {
                h.adjust(charged, Cost::TakeStorage(value.len() as u32));
                h.write_output(out, out_len, &value, false, OutputCopy::Covered)?;
                Ok(ReturnErrorCode::Success.into())
            }
            _ => {
                h.adjust(charged, Cost::TakeStorage(0));
                Ok(ReturnErrorCode::KeyNotFound.into())
            }
        }
    })
}
