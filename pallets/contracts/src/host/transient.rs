//! Transient storage (see [`crate::transient`]): upstream's unstable functions, with
//! its return values. As upstream, writing it is allowed in read-only calls.

use alloc::vec::Vec;
use pallet_contracts_uapi::ReturnErrorCode;

use super::{
    declare::host_functions,
    storage::{read_key, KeyArg},
    Host, OutputCopy, SENTINEL,
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
        let max_len = max_len(h);
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
        let max_len = max_len(h);
        let charged = h.charge(Cost::ClearTransientStorage(max_len))?;
        let key = read_key(h, KeyArg::Var(key_ptr, key_len))?;
        let outcome = write(h, key, None, false)?;
        let old_len = outcome.old_len();
        h.adjust(charged, Cost::ClearTransientStorage(old_len.unwrap_or(0)));
        Ok(old_len.unwrap_or(SENTINEL))
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
        let max_len = max_len(h);
        let charged = h.charge(Cost::GetTransientStorage(max_len))?;
        let key = read_key(h, KeyArg::Var(key_ptr, key_len))?;
        let stack = h.stack();
        let value = stack.transient.read(&stack.top().account, &key).cloned();
        let len = value.as_ref().map_or(0, |v| v.len() as u32);
        h.adjust(charged, Cost::GetTransientStorage(len));
        output(h, value, out_ptr, out_len_ptr)
    }

    /// The size of a transient value, or `u32::MAX` if there is none.
    #[host(seal0, unstable)]
    fn contains_transient_storage(h, key_ptr: u32, key_len: u32) -> u32 {
        let max_len = max_len(h);
        let charged = h.charge(Cost::ContainsTransientStorage(max_len))?;
        let key = read_key(h, KeyArg::Var(key_ptr, key_len))?;
        let stack = h.stack();
        let size = stack
            .transient
            .read(&stack.top().account, &key)
            .map(|v| v.len() as u32);
        h.adjust(charged, Cost::ContainsTransientStorage(size.unwrap_or(0)));
        Ok(size.unwrap_or(SENTINEL))
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
        let max_len = max_len(h);
        let charged = h.charge(Cost::TakeTransientStorage(max_len))?;
        let key = read_key(h, KeyArg::Var(key_ptr, key_len))?;
        let value = match write(h, key, None, true)? {
            WriteOutcome::Taken(value) => Some(value),
            _ => None,
        };
        let len = value.as_ref().map_or(0, |v| v.len() as u32);
        h.adjust(charged, Cost::TakeTransientStorage(len));
        output(h, value, out_ptr, out_len_ptr)
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

fn max_len<T: Config>(h: &mut Host<'_, '_, T>) -> u32 {
    h.stack().schedule.limits.payload_len
}

/// Hands a value found to the contract (its price covers the copy), or says there
/// was none.
fn output<T: Config>(
    h: &mut Host<'_, '_, T>,
    value: Option<Vec<u8>>,
    out: u32,
    out_len: u32,
) -> Result<ReturnErrorCode, Stop> {
    let Some(value) = value else {
        return Ok(ReturnErrorCode::KeyNotFound);
    };
    h.write_output(out, out_len, &value, false, OutputCopy::Covered)?;
    Ok(ReturnErrorCode::Success)
}
