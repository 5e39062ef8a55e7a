//! Contract storage: set, clear, get, contains and take, in every ABI version.

use alloc::vec::Vec;
use frame_support::traits::Get;
use pallet_contracts_uapi::ReturnErrorCode;

use super::{declare::host_functions, Host, OutputCopy, SENTINEL};
use crate::{
    costs::Cost,
    exec::Stop,
    storage::{Key, WriteOutcome},
    Config, Error,
};

host_functions! {
    /// Stores `value_len` bytes at `value_ptr` under the 32-byte key at `key_ptr`.
    #[host(seal0, prefixed, mutating)]
    fn set_storage(h, key_ptr: u32, value_ptr: u32, value_len: u32) {
        write(h, KeyArg::Fix(key_ptr), Some((value_ptr, value_len))).map(|_| ())
    }

    /// As `seal0`; returns the size of the value replaced, or `u32::MAX` if none.
    #[host(seal1, prefixed, mutating)]
    fn set_storage(h, key_ptr: u32, value_ptr: u32, value_len: u32) -> u32 {
        write(h, KeyArg::Fix(key_ptr), Some((value_ptr, value_len)))
    }

    /// As `seal1`, with a variable-length key.
    #[host(seal2, prefixed, mutating)]
    fn set_storage(h, key_ptr: u32, key_len: u32, value_ptr: u32, value_len: u32) -> u32 {
        write(h, KeyArg::Var(key_ptr, key_len), Some((value_ptr, value_len)))
    }

    /// Removes the value under the 32-byte key at `key_ptr`.
    #[host(seal0, prefixed, mutating)]
    fn clear_storage(h, key_ptr: u32) {
        write(h, KeyArg::Fix(key_ptr), None).map(|_| ())
    }

    /// Removes the value under a variable-length key; returns its size, or
    /// `u32::MAX` if there was none.
    #[host(seal1, prefixed, mutating)]
    fn clear_storage(h, key_ptr: u32, key_len: u32) -> u32 {
        write(h, KeyArg::Var(key_ptr, key_len), None)
    }

    /// Copies the value under the 32-byte key at `key_ptr` to the output buffer.
    #[host(seal0, prefixed)]
    fn get_storage(h, key_ptr: u32, out_ptr: u32, out_len_ptr: u32) -> ReturnErrorCode {
        read(h, KeyArg::Fix(key_ptr), out_ptr, out_len_ptr)
    }

    /// As `seal0`, with a variable-length key.
    #[host(seal1, prefixed)]
    fn get_storage(
        h,
        key_ptr: u32,
        key_len: u32,
        out_ptr: u32,
        out_len_ptr: u32,
    ) -> ReturnErrorCode {
        read(h, KeyArg::Var(key_ptr, key_len), out_ptr, out_len_ptr)
    }

    /// The size of the value under the 32-byte key at `key_ptr`, or `u32::MAX`.
    #[host(seal0, prefixed)]
    fn contains_storage(h, key_ptr: u32) -> u32 {
        contains(h, KeyArg::Fix(key_ptr))
    }

    /// As `seal0`, with a variable-length key.
    #[host(seal1, prefixed)]
    fn contains_storage(h, key_ptr: u32, key_len: u32) -> u32 {
        contains(h, KeyArg::Var(key_ptr, key_len))
    }

    /// Removes the value under a variable-length key and copies it to the output
    /// buffer.
    #[host(seal0, prefixed, mutating)]
    fn take_storage(
        h,
        key_ptr: u32,
        key_len: u32,
        out_ptr: u32,
        out_len_ptr: u32,
    ) -> ReturnErrorCode {
        let value = priced_access(h, KeyArg::Var(key_ptr, key_len), Cost::TakeStorage, |h, key| {
            let frame = h.stack().top_mut();
            let value = match frame.info.write(&key, None, frame.deposit.record(), true) {
                WriteOutcome::Taken(value) => Some(value),
                _ => None,
            };
            Ok((value_len(&value), value))
        })?;
        output_found(h, value, out_ptr, out_len_ptr)
    }
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
) -> Result<ReturnErrorCode, Stop> {
    let value = priced_access(h, key, Cost::GetStorage, |h, key| {
        let value = h.stack().top().info.read(&key);
        Ok((value_len(&value), value))
    })?;
    output_found(h, value, out_ptr, out_len_ptr)
}

fn contains<T: Config>(h: &mut Host<'_, '_, T>, key: KeyArg) -> Result<u32, Stop> {
    priced_access(h, key, Cost::ContainsStorage, |h, key| {
        let size = h.stack().top().info.size(&key);
        Ok((size.unwrap_or(0), size.unwrap_or(SENTINEL)))
    })
}

/// A keyed access priced as upstream prices it: charged for the largest value first,
/// then the key read, then the charge settled at the size of the value `access` found
/// (the first thing it returns).
pub(super) fn priced_access<T: Config, R>(
    h: &mut Host<'_, '_, T>,
    key: KeyArg,
    cost: fn(u32) -> Cost,
    access: impl FnOnce(&mut Host<'_, '_, T>, Key) -> Result<(u32, R), Stop>,
) -> Result<R, Stop> {
    let max_len = h.stack().schedule.limits.payload_len;
    let charged = h.charge(cost(max_len))?;
    let key = read_key(h, key)?;
    let (size, result) = access(h, key)?;
    h.adjust(charged, cost(size));
    Ok(result)
}

/// The size of a value found, 0 for none.
pub(super) fn value_len(value: &Option<Vec<u8>>) -> u32 {
    value.as_ref().map_or(0, |value| value.len() as u32)
}

/// Hands a value found to the contract (its price covers the copy), or says there
/// was none.
pub(super) fn output_found<T: Config>(
    h: &mut Host<'_, '_, T>,
    value: Option<Vec<u8>>,
    out_ptr: u32,
    out_len_ptr: u32,
) -> Result<ReturnErrorCode, Stop> {
    let Some(value) = value else {
        return Ok(ReturnErrorCode::KeyNotFound);
    };
    h.write_output(out_ptr, out_len_ptr, &value, false, OutputCopy::Covered)?;
    Ok(ReturnErrorCode::Success)
}
