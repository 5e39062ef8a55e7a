//! What one execution records into its trace, and how much.
//!
//! A contract decides how many host calls, events and bytes it produces, so a trace
//! kept without bounds grows with the gas a caller grants (a dry run gets a whole
//! block's). The recorder admits records up to [`TraceLimits`] and counts what it
//! leaves out, so the trace says it is incomplete ([`Truncation`]) instead of the node
//! running out of memory. A run nobody will read (a plain `ContractsApi` dry run)
//! records nothing at all.

use alloc::vec::Vec;
use alloc::{format, string::String};

use crate::trace::{Bytes, ExecutionTrace, Truncation};
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// How much one trace keeps. Large enough that a trace a developer reads is whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceLimits {
    /// Host calls recorded, all frames together.
    pub host_calls: u32,
    /// Contract frames recorded, the outermost included.
    pub frames: u32,
    /// Events recorded, all frames together.
    pub events: u32,
    /// Bytes kept of one value (an argument, an output, an input, event data).
    pub value_bytes: u32,
    /// Bytes kept of all values together.
    pub total_value_bytes: u32,
}

impl TraceLimits {
    /// The tighter of two limits, field by field.
    pub fn min(self, other: TraceLimits) -> TraceLimits {
        TraceLimits {
            host_calls: self.host_calls.min(other.host_calls),
            frames: self.frames.min(other.frames),
            events: self.events.min(other.events),
            value_bytes: self.value_bytes.min(other.value_bytes),
            total_value_bytes: self.total_value_bytes.min(other.total_value_bytes),
        }
    }

    /// What is left of these limits once `trace` has taken its share: for traces that
    /// share one budget (every extrinsic of a block).
    pub fn less(self, trace: &ExecutionTrace) -> TraceLimits {
        let held = trace.held();
        TraceLimits {
            host_calls: self.host_calls.saturating_sub(held.host_calls),
            frames: self.frames.saturating_sub(held.frames),
            events: self.events.saturating_sub(held.events),
            value_bytes: self.value_bytes,
            total_value_bytes: self.total_value_bytes.saturating_sub(held.value_bytes),
        }
    }
}

impl Default for TraceLimits {
    fn default() -> Self {
        TraceLimits {
            host_calls: 10_000,
            frames: 1_000,
            events: 1_000,
            value_bytes: 4 * 1024,
            total_value_bytes: 4 * 1024 * 1024,
        }
    }
}

/// Offsets of the instructions that start a source line, by the SCALE encoding of the
/// code's hash: with them a gas profile is kept by line too.
pub type LineStarts = alloc::collections::BTreeMap<Vec<u8>, Vec<u32>>;

/// How the frames of a profiled execution are instrumented.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profiling {
    /// Gas by source line for the code these line starts are given for.
    pub line_starts: LineStarts,
    /// Every straight run of code marked too: for coverage (hits by offset, whatever
    /// the code's DWARF) and for line records.
    pub every_block: bool,
    /// Steps the execution's frames keep in order, together (see
    /// [`crate::trace::GasProfile::steps`]).
    pub max_steps: u32,
    /// A frame's state to keep at one point, for a debugger.
    pub capture: Option<Capture>,
}

/// Which frame's state a profiled execution keeps, and where (the frame's profile
/// then has a [`crate::trace::Snapshot`]).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct Capture {
    /// The frame: the `instance`-th (from 0) whose code was instantiated with a
    /// profile, in the order they started.
    pub instance: u32,
    /// The point in the frame: one of its steps, or the start of one of its host calls.
    pub at: CaptureAt,
    /// The functions whose locals are kept: those on the stack there.
    pub functions: Vec<u32>,
}

/// Where in its frame a [`Capture`] is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum CaptureAt {
    /// Before the `n`-th (from 0) place the frame's code reached runs: its step `n`.
    Step(u64),
    /// As the frame's `n`-th (from 0) host call starts.
    HostCall(u32),
}

impl Profiling {
    /// Gas profiles, by source line for the code `line_starts` covers; with
    /// `max_steps`, every block marked and what ran kept in order (a line record); with
    /// `capture`, a frame's state at one of the steps such a record counts (so every
    /// block is marked then too, whatever is kept).
    pub fn by_line(line_starts: LineStarts, max_steps: u32, capture: Option<Capture>) -> Self {
        Profiling {
            line_starts,
            every_block: max_steps > 0 || capture.is_some(),
            max_steps,
            capture,
        }
    }
}

/// Hits by offset (of a line or block start) of each code that ran, by the SCALE
/// encoding of the code's hash: what coverage is counted from.
pub type CodeHits = alloc::collections::BTreeMap<Vec<u8>, alloc::collections::BTreeMap<u32, u64>>;

/// Whether an execution records a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recording {
    /// Nothing beyond the result: host calls, events and values are not kept.
    Off,
    /// Everything, up to these limits.
    Within(TraceLimits),
    /// Everything, up to these limits, and each frame's gas profile (wasmtime only),
    /// instrumented as [`Profiling`] says.
    Profiled(TraceLimits, Profiling),
}

impl Recording {
    /// Everything, up to the default [`TraceLimits`].
    pub fn full() -> Self {
        Recording::Within(TraceLimits::default())
    }

    /// Everything with gas profiles, up to the default [`TraceLimits`].
    pub fn profiled(profiling: Profiling) -> Self {
        Recording::Profiled(TraceLimits::default(), profiling)
    }

    /// What a coverage run records: no trace beyond its frames, each with the hits of
    /// every block its code reached.
    pub fn coverage() -> Self {
        let frames_only = TraceLimits {
            host_calls: 0,
            frames: TraceLimits::default().frames,
            events: 0,
            value_bytes: 0,
            total_value_bytes: 0,
        };
        Recording::Profiled(
            frames_only,
            Profiling {
                every_block: true,
                ..Default::default()
            },
        )
    }
}

/// Admits trace records against the limits and counts what it turns away.
pub(crate) struct Recorder {
    /// `None` when nothing is recorded.
    limits: Option<TraceLimits>,
    profiling: Option<Profiling>,
    hits: CodeHits,
    /// Steps frames may still keep.
    steps_left: u32,
    /// Profiled instances started so far.
    instances: u32,
    host_calls: u32,
    frames: u32,
    events: u32,
    value_bytes: u32,
    dropped: Truncation,
}

impl Recorder {
    pub(crate) fn new(recording: Recording) -> Self {
        let limits = match recording {
            Recording::Off => None,
            Recording::Within(limits) | Recording::Profiled(limits, _) => Some(limits),
        };
        let steps_left = match &recording {
            Recording::Profiled(_, profiling) => profiling.max_steps,
            _ => 0,
        };
        Recorder {
            limits,
            profiling: match recording {
                Recording::Profiled(_, profiling) => Some(profiling),
                _ => None,
            },
            hits: CodeHits::new(),
            steps_left,
            instances: 0,
            host_calls: 0,
            frames: 0,
            events: 0,
            value_bytes: 0,
            dropped: Truncation::default(),
        }
    }

    pub(crate) fn is_on(&self) -> bool {
        self.limits.is_some()
    }

    /// When frames record where their gas goes: how code `code_hash` (SCALE-encoded)
    /// is instrumented.
    pub(crate) fn instrumentation(
        &self,
        code_hash: &[u8],
    ) -> Option<europa_sandbox::Instrumentation<'_>> {
        let profiling = self.profiling.as_ref()?;
        Some(europa_sandbox::Instrumentation {
            line_starts: profiling
                .line_starts
                .get(code_hash)
                .map_or(&[], Vec::as_slice),
            every_block: profiling.every_block,
            max_steps: self.steps_left,
            capture: profiling
                .capture
                .as_ref()
                .filter(|capture| capture.instance == self.instances)
                .map(|capture| europa_sandbox::Capture {
                    functions: &capture.functions,
                    at: match capture.at {
                        CaptureAt::Step(n) => europa_sandbox::CapturePoint::Step(n),
                        CaptureAt::HostCall(n) => europa_sandbox::CapturePoint::HostCall(n),
                    },
                }),
        })
    }

    /// Counts a profiled instance started (what [`Capture::instance`] counts).
    pub(crate) fn started_instance(&mut self) {
        self.instances = self.instances.saturating_add(1);
    }

    /// Counts the steps a frame kept against what the execution may keep.
    pub(crate) fn took_steps(&mut self, steps: usize) {
        self.steps_left = self.steps_left.saturating_sub(steps as u32);
    }

    /// Adds what a frame of code `code_hash` reached to the execution's hits.
    pub(crate) fn add_hits(&mut self, code_hash: Vec<u8>, hits: &[(u32, u64)]) {
        let of_code = self.hits.entry(code_hash).or_default();
        for (offset, count) in hits {
            let total = of_code.entry(*offset).or_default();
            *total = total.saturating_add(*count);
        }
    }

    /// The hits of every code the execution ran, by code.
    pub(crate) fn take_hits(&mut self) -> CodeHits {
        core::mem::take(&mut self.hits)
    }

    /// Whether the next host call is recorded.
    pub(crate) fn admit_host_call(&mut self) -> bool {
        let limit = self.limits.map(|l| l.host_calls);
        Self::admit(limit, &mut self.host_calls, &mut self.dropped.host_calls)
    }

    /// Whether a finished nested frame is kept in its parent's trace.
    pub(crate) fn admit_frame(&mut self) -> bool {
        let limit = self.limits.map(|l| l.frames);
        Self::admit(limit, &mut self.frames, &mut self.dropped.frames)
    }

    /// Whether the next event is recorded.
    pub(crate) fn admit_event(&mut self) -> bool {
        let limit = self.limits.map(|l| l.events);
        Self::admit(limit, &mut self.events, &mut self.dropped.events)
    }

    /// Admits one more record under `limit` (`None`: not recording).
    fn admit(limit: Option<u32>, used: &mut u32, dropped: &mut u32) -> bool {
        let Some(limit) = limit else {
            return false;
        };
        if *used >= limit {
            *dropped = dropped.saturating_add(1);
            return false;
        }
        *used += 1;
        true
    }

    /// The part of `bytes` the trace keeps: all of it while the limits allow.
    pub(crate) fn value(&mut self, bytes: &[u8]) -> Bytes {
        Bytes(bytes[..self.keep(bytes.len())].to_vec())
    }

    /// `text` as the trace keeps it; a shortened text ends in `…(N bytes)`.
    pub(crate) fn text(&mut self, text: String) -> String {
        let kept = self.keep(text.len());
        if kept == text.len() {
            return text;
        }
        let mut end = kept;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        shortened(&text[..end], text.len())
    }

    /// `bytes` as hex, as the trace keeps them; shortened hex ends in `…(N bytes)`.
    pub(crate) fn hex(&mut self, bytes: &[u8]) -> String {
        let kept = self.value(bytes);
        if kept.0.len() == bytes.len() {
            return format!("{kept}");
        }
        shortened(&format!("{kept}"), bytes.len())
    }

    /// How many of `len` bytes fit; counts a shortened value.
    fn keep(&mut self, len: usize) -> usize {
        let Some(limits) = self.limits else {
            return 0;
        };
        let room = limits
            .value_bytes
            .min(limits.total_value_bytes - self.value_bytes) as usize;
        let kept = len.min(room);
        self.value_bytes += kept as u32;
        if kept < len {
            self.dropped.values = self.dropped.values.saturating_add(1);
        }
        kept
    }

    /// Counts debug text that did not fit the debug buffer.
    pub(crate) fn drop_debug_bytes(&mut self, len: usize) {
        self.dropped.debug_bytes = self.dropped.debug_bytes.saturating_add(len as u64);
    }

    /// What the trace lacks, if anything.
    pub(crate) fn truncation(&self) -> Option<Truncation> {
        (self.dropped != Truncation::default()).then_some(self.dropped)
    }
}

/// The start of a value that was `len` bytes long, marked as shortened.
fn shortened(start: &str, len: usize) -> String {
    format!("{start}…({len} bytes)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> TraceLimits {
        TraceLimits {
            host_calls: 2,
            frames: 1,
            events: 1,
            value_bytes: 4,
            total_value_bytes: 6,
        }
    }

    #[test]
    fn admits_up_to_the_limits_and_counts_the_rest() {
        let mut recorder = Recorder::new(Recording::Within(small()));
        assert!(recorder.admit_host_call() && recorder.admit_host_call());
        assert!(!recorder.admit_host_call());
        assert!(recorder.admit_event() && !recorder.admit_event());
        assert_eq!(recorder.value(b"abcdef").0, b"abcd", "per value");
        assert_eq!(recorder.value(b"xyz").0, b"xy", "total");
        assert_eq!(recorder.value(b"q").0, b"", "budget spent");
        let truncation = recorder.truncation().expect("something was dropped");
        assert_eq!(
            (truncation.host_calls, truncation.events, truncation.values),
            (1, 1, 3)
        );
    }

    #[test]
    fn shortened_text_says_how_long_it_was() {
        let mut recorder = Recorder::new(Recording::Within(small()));
        assert_eq!(recorder.text("ab".into()), "ab");
        assert_eq!(
            recorder.text("héllo".into()),
            "hél…(6 bytes)",
            "4 bytes of 6 left"
        );
        assert_eq!(recorder.hex(&[1, 2]), "0x…(2 bytes)", "the budget is spent");
    }

    #[test]
    fn off_records_nothing_and_reports_nothing() {
        let mut recorder = Recorder::new(Recording::Off);
        assert!(!recorder.admit_host_call() && !recorder.admit_event() && !recorder.admit_frame());
        assert_eq!(recorder.value(b"abc").0, b"");
        assert_eq!(recorder.truncation(), None);
    }
}
