//! Events and debug messages.

use alloc::vec::Vec;
use codec::{DecodeLimit, MaxEncodedLen};
use frame_support::traits::Get;
use pallet_contracts_uapi::ReturnErrorCode;

use super::declare::host_functions;
use crate::{
    costs::Cost,
    trace::{Bytes, ContractEvent},
    Config, Error, Event, MAX_DECODE_NESTING,
};

host_functions! {
    /// Emits `ContractEmitted` with `data_len` bytes of data, indexed by the
    /// SCALE-encoded `Vec` of topic hashes at `topics_ptr`.
    #[host(seal0, prefixed, mutating)]
    fn deposit_event(h, topics_ptr: u32, topics_len: u32, data_ptr: u32, data_len: u32) {
        // As upstream: charged before anything is checked, topics counted by length.
        let num_topics = topics_len / <T::Hash as MaxEncodedLen>::max_encoded_len() as u32;
        h.charge(Cost::DepositEvent {
            topics: num_topics,
            len: data_len,
        })?;
        let limits = h.stack().schedule.limits.clone();
        if data_len > limits.payload_len {
            return Err(Error::<T>::ValueTooLarge.into());
        }
        let topics = match topics_len {
            0 => Vec::new(),
            _ => {
                let encoded = h.read(topics_ptr, topics_len)?;
                Vec::<T::Hash>::decode_all_with_depth_limit(MAX_DECODE_NESTING, &mut &encoded[..])
                    .map_err(|_| Error::<T>::DecodingFailed)?
            }
        };
        if topics.len() > limits.event_topics as usize {
            return Err(Error::<T>::TooManyTopics.into());
        }
        let data = h.read(data_ptr, data_len)?;
        let stack = h.stack();
        if stack.recorder.admit_event() {
            let event = ContractEvent {
                topics: topics.iter().map(|t| Bytes(t.as_ref().to_vec())).collect(),
                data: stack.recorder.value(&data),
                decoded: None,
            };
            stack.top_mut().trace.events.push(event);
        }
        h.arg("topics", topics.len());
        h.arg("data_len", data.len());
        let contract = h.stack().top().account.clone();
        let event: <T as Config>::RuntimeEvent =
            Event::<T>::ContractEmitted { contract, data }.into();
        frame_system::Pallet::<T>::deposit_event_indexed(&topics, event.into());
        Ok(())
    }

    /// Appends `len` bytes of UTF-8 text to the debug buffer of a dry run.
    ///
    /// As upstream: a dry run collects debug text (a message that does not fit the
    /// buffer whole, or is not UTF-8, is dropped); a dispatched call does not, and does
    /// not even read the message. Either way the contract gets `Success`. Europa still
    /// keeps a dispatched call's messages in its trace when the trace is recorded.
    #[host(seal0, prefixed)]
    fn debug_message(h, text_ptr: u32, len: u32) -> ReturnErrorCode {
        let len = len.min(T::MaxDebugBufferLen::get());
        h.charge(Cost::DebugMessage(len))?;
        h.arg("len", len);
        let bytes = if h.stack().append_debug("") {
            Some(h.read(text_ptr, len)?)
        } else if h.stack().recorder.is_on() {
            h.peek(text_ptr, len)
        } else {
            None
        };
        if let Some(text) = bytes.as_deref().and_then(|b| core::str::from_utf8(b).ok()) {
            h.stack().append_debug(text);
        }
        // Upstream 51 answers `Success` whether or not the output is collected
        // (`LoggingDisabled` is never returned); the differential tests hold us to it.
        Ok(ReturnErrorCode::Success)
    }
}
