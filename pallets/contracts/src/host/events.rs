//! Events and debug messages.

use alloc::{string::String, vec::Vec};
use codec::Decode;
use europa_sandbox::Value;
use pallet_contracts_uapi::ReturnErrorCode;

use super::{host_fn, u32_args, Alias, Ctx, Definer, HostResult, Returned, I32};
use crate::{
    trace::{Bytes, ContractEvent},
    Config, Error, Event,
};

pub fn define<T: Config>(d: &mut Definer<'_, T>) {
    d.func(
        "seal0",
        "deposit_event",
        Alias::Prefixed,
        &[I32, I32, I32, I32],
        &[],
        deposit_event::<T>,
    );
    d.func(
        "seal0",
        "debug_message",
        Alias::Prefixed,
        &[I32, I32],
        &[I32],
        debug_message::<T>,
    );
}

fn deposit_event<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.deposit_event", |h| {
        let [topics, topics_len, data, data_len] = u32_args(args);
        h.ensure_mutable()?;
        let weights = h.weights();
        let limits = h.stack().schedule.limits.clone();
        if data_len > limits.payload_len {
            return Err(Error::<T>::ValueTooLarge.into());
        }
        let encoded_topics = h.read(topics, topics_len)?;
        let topics = Vec::<T::Hash>::decode(&mut &encoded_topics[..])
            .map_err(|_| Error::<T>::DecodingFailed)?;
        if topics.len() > limits.event_topics as usize {
            return Err(Error::<T>::TooManyTopics.into());
        }
        h.charge(
            weights
                .deposit_event
                .saturating_add(weights.event_per_topic.saturating_mul(topics.len() as u64))
                .saturating_add(weights.event_per_byte.saturating_mul(data_len.into())),
        )?;
        let data = h.read(data, data_len)?;
        let topic_bytes: Vec<Bytes> = topics.iter().map(|t| Bytes(t.as_ref().to_vec())).collect();
        h.arg("topics", alloc::format!("{topic_bytes:?}"));
        h.arg_bytes("data", &data);
        let frame = h.stack().top_mut();
        frame.trace.events.push(ContractEvent {
            topics: topic_bytes,
            data: Bytes(data.clone()),
        });
        let contract = frame.account.clone();
        let event: <T as Config>::RuntimeEvent =
            Event::<T>::ContractEmitted { contract, data }.into();
        frame_system::Pallet::<T>::deposit_event_indexed(&topics, event.into());
        Ok(Returned::Unit)
    })
}

/// Europa always records debug messages (upstream only does in dry runs): they go to
/// the trace, and into the result's `debug_message` up to `MaxDebugBufferLen`.
fn debug_message<T: Config>(ctx: &mut Ctx<'_, T>, args: &[Value]) -> HostResult {
    host_fn(ctx, "seal0.debug_message", |h| {
        let [text, len] = u32_args(args);
        let bytes = h.read(text, len)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        h.arg("text", &text);
        h.stack().append_debug(&text);
        Ok(ReturnErrorCode::Success.into())
    })
}
