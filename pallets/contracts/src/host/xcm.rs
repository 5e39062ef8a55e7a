//! XCM from contracts. Europa is a chain of its own, without XCM: as upstream with no
//! XCM configured (`Xcm = ()`), a message is decoded like any (bad bytes trap with
//! `DecodingFailed`), executing it fails with `XcmExecutionFailed`, and sending it
//! succeeds without going anywhere, with an all-zero message hash.

use europa_sandbox::Value;
use pallet_contracts_uapi::ReturnErrorCode;
use xcm::{VersionedLocation, VersionedXcm};

use super::{host_fn, u32_args, Alias, Ctx, Definer, Host, HostResult, I32};
use crate::{costs::Cost, exec::Stop, Config, Error};

pub fn define<T: Config>(d: &mut Definer<'_, T>) {
    d.func(
        "seal0",
        "xcm_execute",
        Alias::None,
        &[I32, I32],
        &[I32],
        execute::<T>,
    );
    d.func(
        "seal0",
        "xcm_send",
        Alias::None,
        &[I32, I32, I32, I32],
        &[I32],
        send::<T>,
    );
}

/// Reads and decodes a message of `len` bytes at `ptr`.
fn read_message<T: Config>(h: &mut Host<'_, '_, T>, ptr: u32, len: u32) -> Result<(), Stop> {
    use codec::DecodeAll;
    h.charge(Cost::CopyFromContract(len))?;
    let encoded = h.read(ptr, len)?;
    h.arg_bytes("message", &encoded);
    // The message's own decoding bounds its nesting.
    VersionedXcm::<()>::decode_all(&mut &encoded[..]).map_err(|_| Error::<T>::DecodingFailed)?;
    Ok(())
}

fn execute<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.xcm_execute", |h| {
        let [message, len] = u32_args(args);
        h.ensure_mutable()?;
        read_message(h, message, len)?;
        // Upstream's wording for the error of an executor that is not there.
        h.stack()
            .append_debug("call failed with: ExecuteController::execute not implemented");
        Ok(ReturnErrorCode::XcmExecutionFailed.into())
    })
}

fn send<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.xcm_send", |h| {
        let [destination, message, len, output] = u32_args(args);
        h.ensure_mutable()?;
        let destination: VersionedLocation = h.read_as(destination)?;
        h.arg("destination", alloc::format!("{destination:?}"));
        // Sending weighs nothing where there is no XCM (upstream charges `()`'s zero).
        read_message(h, message, len)?;
        h.write(output, &[0; 32])?;
        Ok(ReturnErrorCode::Success.into())
    })
}
