//! XCM from contracts. Europa is a chain of its own, without XCM: as upstream with no
//! XCM configured (`Xcm = ()`), a message is decoded like any (bad bytes trap with
//! `DecodingFailed`), executing it fails with `XcmExecutionFailed`, and sending it
//! succeeds without going anywhere, with an all-zero message hash.

use pallet_contracts_uapi::ReturnErrorCode;
use xcm::{VersionedLocation, VersionedXcm};

use super::{declare::host_functions, Host};
use crate::{costs::Cost, exec::Stop, Config, Error};

host_functions! {
    /// Executes the XCM message of `len` bytes at `message_ptr` (without XCM here:
    /// `XcmExecutionFailed` once it decodes).
    #[host(seal0, mutating)]
    fn xcm_execute(h, message_ptr: u32, len: u32) -> ReturnErrorCode {
        h.charge(Cost::CopyFromContract(len))?;
        read_message(h, message_ptr, len)?;
        // Upstream's wording for the error of an executor that is not there.
        h.stack()
            .append_debug("call failed with: ExecuteController::execute not implemented");
        Ok(ReturnErrorCode::XcmExecutionFailed)
    }

    /// Sends an XCM message to the destination at `destination_ptr` and writes its
    /// 32-byte hash to `output_ptr` (without XCM here: sent nowhere, hash all zero).
    #[host(seal0, mutating)]
    fn xcm_send(
        h,
        destination_ptr: u32,
        message_ptr: u32,
        len: u32,
        output_ptr: u32,
    ) -> ReturnErrorCode {
        // As upstream: the message's copy is charged before the destination is read.
        h.charge(Cost::CopyFromContract(len))?;
        let destination: VersionedLocation = h.read_as(destination_ptr)?;
        h.arg("destination", alloc::format!("{destination:?}"));
        // Sending weighs nothing where there is no XCM (upstream charges `()`'s zero).
        read_message(h, message_ptr, len)?;
        h.write(output_ptr, &[0; 32])?;
        Ok(ReturnErrorCode::Success)
    }
}

/// Reads and decodes a message of `len` bytes at `ptr` (its copy already charged).
fn read_message<T: Config>(h: &mut Host<'_, '_, T>, ptr: u32, len: u32) -> Result<(), Stop> {
    use codec::DecodeAll;
    let encoded = h.read(ptr, len)?;
    h.arg_bytes("message", &encoded);
    // The message's own decoding bounds its nesting.
    VersionedXcm::<()>::decode_all(&mut &encoded[..]).map_err(|_| Error::<T>::DecodingFailed)?;
    Ok(())
}
