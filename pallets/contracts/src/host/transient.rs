//! Transient storage (see [`crate::transient`]): upstream's unstable functions, with
//! its return values. As upstream, writing it is allowed in read-only calls.

use alloc::vec::Vec;
use pallet_contracts_uapi::ReturnErrorCode;

use super::{
    declare::host_functions,
    storage::{output_found, priced_access, read_key, value_len, KeyArg},
    Host, SENTINEL,
};
use crate::{
    costs::Cost,
    exec::Stop,
    storage::{Key, WriteOutcome},
    Config, Error,
};

host_functions! {
    /// Stores `value_len` bytes under a variable-length key of this contract's
    /// transient storage; returns the size of the value replaced, or `u32::MAX`.
    #[host(seal0, unstable)]
    fn set_transient_storage(
        h,
        key_ptr: u32,
        key_len: u32,
        value_ptr: u32,
        value_len: u32,
    ) -> u32 {
        let max_len = h.stack().schedule.limits.payload_len;
        let charged = h.charge(Cost::SetTransientStorage {
            new_bytes: value_len,
            old_bytes: max_len,
        })?;
        if value_len > max_len {
            return Err(Error::<T>::ValueTooLarge.into());
        }
        let key = read_key(h, KeyArg::Var(key_ptr, key_len))?;
        let value = h.read(value_ptr, value_len)?;
        h.arg_bytes("value", &value);
        let outcome = write(h, key, Some(value), false)?;
        h.adjust(
            charged,
            Cost::SetTransientStorage {
                new_bytes: value_len,
                old_bytes: outcome.old_len().unwrap_or(0),
            },
        );
        Ok(outcome.old_len().unwrap_or(SENTINEL))
    }

    /// Removes a transient value; returns its size, or `u32::MAX` if there was none.
    #[host(seal0, unstable)]
    fn clear_transient_storage(h, key_ptr: u32, key_len: u32) -> u32 {
        let key = KeyArg::Var(key_ptr, key_len);
        priced_access(h, key, Cost::ClearTransientStorage, |h, key| {
            let old_len = write(h, key, None, false)?.old_len();
            Ok((old_len.unwrap_or(0), old_len.unwrap_or(SENTINEL)))
        })
    }

    /// Copies a transient value to the output buffer.
    #[host(seal0, unstable)]
    fn get_transient_storage(
        h,
        key_ptr: u32,
        key_len: u32,
        out_ptr: u32,
        out_len_ptr: u32,
    ) -> ReturnErrorCode {
        let key = KeyArg::Var(key_ptr, key_len);
        let value = priced_access(h, key, Cost::GetTransientStorage, |h, key| {
            let stack = h.stack();
            let value = stack.transient.read(&stack.top().account, &key).cloned();
            Ok((value_len(&value), value))
        })?;
        output_found(h, value, out_ptr, out_len_ptr)
    }

    /// The size of a transient value, or `u32::MAX` if there is none.
    #[host(seal0, unstable)]
    fn contains_transient_storage(h, key_ptr: u32, key_len: u32) -> u32 {
        let key = KeyArg::Var(key_ptr, key_len);
        priced_access(h, key, Cost::ContainsTransientStorage, |h, key| {
            let stack = h.stack();
            let size = stack
                .transient
                .read(&stack.top().account, &key)
                .map(|v| v.len() as u32);
            Ok((size.unwrap_or(0), size.unwrap_or(SENTINEL)))
        })
    }

    /// Removes a transient value and copies it to the output buffer.
    #[host(seal0, unstable)]
    fn take_transient_storage(
        h,
        key_ptr: u32,
        key_len: u32,
        out_ptr: u32,
        out_len_ptr: u32,
    ) -> ReturnErrorCode {
        let key = KeyArg::Var(key_ptr, key_len);
        let value = priced_access(h, key, Cost::TakeTransientStorage, |h, key| {
            let value = match write(h, key, None, true)? {
                WriteOutcome::Taken(value) => Some(value),
                _ => None,
            };
            Ok((value_len(&value), value))
        })?;
        output_found(h, value, out_ptr, out_len_ptr)
    }
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
