//! A trace annotated for reading: per frame, the contract's name, its message or
//! constructor with decoded arguments, its decoded return value and events, and the
//! explanation of a failure. JSON keeps everything the trace had and adds these beside.

use std::sync::Arc;

use pallet_europa_contracts::trace::{
    DecodedEvent as TraceEvent, DecodedFrame, EntryKind, EntryPoint, ExecutionTrace, Explanation,
    FrameTrace, Outcome,
};

use super::{
    accounts, explain,
    metadata::{self, ContractAbi, DecodedCall, DecodedEvent},
    Insight,
};

/// What Europa could say about one frame.
pub struct FrameNotes {
    pub abi: Option<Arc<ContractAbi>>,
    pub call: Option<DecodedCall>,
    /// The decoded return value (`Ok(..)`, `Err(..)`), as cargo-contract prints it.
    pub returned: Option<String>,
    /// The frame's events, decoded where the metadata knows them.
    pub events: Vec<Option<DecodedEvent>>,
    pub explanation: Option<Explanation>,
}

/// What every trace of an execution on wasmtime says of its gas (its `gasModel` field and
/// a line in the log): the figures are not production's.
pub const WASMTIME_GAS: &str = "wasmtime's own fuel count, not production's: ref_time differs \
     from what production (wasmi) charges, from about 0.4 to 1.8 times it, proof_size is the same; \
     a chain created without --sandbox wasmtime charges production's gas";

/// A trace with what Europa could say about it.
pub struct Annotated {
    pub trace: ExecutionTrace,
    /// Notes of every frame, in `FrameTrace::frames` order.
    pub frames: Vec<FrameNotes>,
    /// Why the execution failed, in plain words, when it did.
    pub explanation: Option<String>,
}

pub fn annotate(insight: &Insight, trace: ExecutionTrace) -> Annotated {
    let frames = trace
        .root
        .iter()
        .flat_map(FrameTrace::frames)
        .map(|frame| notes(insight, frame))
        .collect();
    let explanation = trace.error.as_deref().map(explain::error_text);
    Annotated {
        trace,
        frames,
        explanation,
    }
}

fn notes(insight: &Insight, frame: &FrameTrace) -> FrameNotes {
    let abi = insight.abi(&frame.code_hash.0);
    let input: Vec<u8> = frame
        .selector
        .iter()
        .flat_map(|s| s.0.iter())
        .chain(frame.args.0.iter())
        .copied()
        .collect();
    let reader = abi.as_ref().and_then(|abi| abi.reader());
    let call = reader
        .as_ref()
        .and_then(|r| r.decode_call(&input, frame.entry == EntryPoint::Deploy));
    let returned = match (&reader, &call, &frame.outcome) {
        (Some(reader), Some(call), Outcome::Returned { data, .. } | Outcome::Reverted { data }) => {
            reader.decode_return(call, &data.0)
        }
        _ => None,
    };
    let events = frame
        .events
        .iter()
        .map(|event| {
            let topics: Vec<Vec<u8>> = event.topics.iter().map(|t| t.0.clone()).collect();
            reader
                .as_ref()
                .and_then(|r| r.decode_event(&topics, &event.data.0))
        })
        .collect();
    let explanation = explain::frame(frame, reader.as_ref(), returned.as_ref());
    FrameNotes {
        returned: returned.map(|value| value.to_string()),
        abi,
        call,
        events,
        explanation,
    }
}

impl FrameNotes {
    /// `erc20::transfer(to: 5F…, value: 100)`, or what is known without metadata.
    pub fn call_text(&self, frame: &FrameTrace) -> String {
        let contract = self.abi.as_ref().map_or_else(
            || accounts::short(&frame.contract.0),
            |abi| abi.name.clone(),
        );
        match &self.call {
            Some(call) => {
                let args = metadata::named(&call.args);
                format!("{contract}::{}({args})", call.label)
            }
            None => {
                let selector = frame
                    .selector
                    .as_ref()
                    .map_or_else(String::new, |s| format!("{s}"));
                let args = if frame.args.0.is_empty() {
                    String::new()
                } else {
                    format!("{}", frame.args)
                };
                format!("{contract}::{selector}({args})")
            }
        }
    }
}

impl Annotated {
    /// Adds to the execution's explanation (e.g. what a re-run with more gas needed).
    pub fn explain_further(&mut self, text: &str) {
        match &mut self.explanation {
            Some(explanation) => {
                // Error documentation ends its sentence; what follows continues it.
                explanation.truncate(explanation.trim_end_matches('.').len());
                explanation.push_str("; ");
                explanation.push_str(text);
            }
            None => self.explanation = Some(text.to_owned()),
        }
    }

    /// Adds to the explanation of every frame that trapped (e.g. why it has no source
    /// line).
    pub fn explain_traps_further(&mut self, text: &str) {
        let frames = self.trace.root.iter().flat_map(FrameTrace::frames);
        for (frame, notes) in frames.zip(&mut self.frames) {
            if let (Outcome::Trapped { .. }, Some(explanation)) =
                (&frame.outcome, &mut notes.explanation)
            {
                explanation.text.push_str("; ");
                explanation.text.push_str(text);
            }
        }
    }

    /// The trace with what Europa could say filled in (docs/trace-format.md):
    /// `decoded` and `explanation` on frames and events where it has something to say,
    /// the execution's `explanation`, and on wasmtime its `gasModel`.
    pub fn into_trace(self) -> ExecutionTrace {
        let mut trace = self.trace;
        if let Some(root) = &mut trace.root {
            let mut notes = self.frames.into_iter();
            add_notes(root, &mut notes);
        }
        trace.explanation = self.explanation;
        if trace.executor == "wasmtime" {
            trace.gas_model = Some(WASMTIME_GAS.to_owned());
        }
        trace
    }
}

/// Fills each frame's notes in, walking the tree in the order `FrameTrace::frames`
/// does.
fn add_notes(frame: &mut FrameTrace, notes: &mut impl Iterator<Item = FrameNotes>) {
    let Some(note) = notes.next() else {
        return;
    };
    if let Some(abi) = &note.abi {
        let call = note.call.as_ref();
        frame.decoded = Some(DecodedFrame {
            contract: abi.name.clone(),
            address: accounts::ss58(&frame.contract.0),
            caller: accounts::ss58(&frame.caller.0),
            caller_name: accounts::dev_name(&frame.caller.0).map(str::to_owned),
            value: accounts::balance(frame.value),
            entry: call.map(|call| call.label.clone()),
            kind: call.map(|call| match call.constructor {
                true => EntryKind::Constructor,
                false => EntryKind::Message,
            }),
            args: call.map(|call| call.args.clone()),
            call: call.map(|_| note.call_text(frame)),
            returned: note.returned.clone(),
        });
    }
    for (event, decoded) in frame.events.iter_mut().zip(note.events) {
        event.decoded = decoded.map(|decoded| TraceEvent {
            name: decoded.label,
            fields: decoded.fields,
        });
    }
    frame.explanation = note.explanation;
    for child in &mut frame.nested {
        add_notes(child, notes);
    }
}
