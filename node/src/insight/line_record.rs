//! Line records: what one execution did, line by line. The execution runs with every
//! straight run of its code and every source line marked (the sandbox's `reach` and
//! `line` hooks), each frame keeping the offsets it reached in order; here they become
//! steps — a source line (or, without DWARF, a function) entered — with the host calls
//! and nested frames placed between the steps where they happened. A step names its
//! frame and its profile node (the call path of WASM functions, for a stack at any
//! step) and the gas the frame had burnt, so a reader can move to any step and back.

use std::collections::{BTreeSet, HashMap};

pub use europa_rpc_api::line_record::{
    FunctionNode, LineRecord, Location, RecordFrame, RecordHostCall,
};
use pallet_europa_contracts::trace::{BacktraceFrame, FrameTrace, Outcome};

use super::{accounts, sources::SourceBudget, Annotated, DebugSymbols, Insight};

/// Frames nested deeper than this are left out of a record (the pallet allows far
/// fewer; this bounds the walk whatever a trace holds).
const MAX_FRAME_DEPTH: u32 = 64;

/// Source text one record carries at most.
pub const MAX_SOURCE_BYTES: usize = 8 * 1024 * 1024;

/// The record of `annotated`, whose frames carry profiles with steps; at most
/// `max_steps` steps. `stored_code` reads the chain's code by hash.
pub fn line_record(
    insight: &Insight,
    annotated: &Annotated,
    stored_code: &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
    steps_executor: &str,
    max_steps: u32,
) -> LineRecord {
    let mut builder = Builder {
        insight,
        annotated,
        stored_code,
        max_steps: max_steps as usize,
        record: LineRecord {
            steps_executor: steps_executor.to_owned(),
            ..Default::default()
        },
        interned: HashMap::new(),
        codes: HashMap::new(),
    };
    if let Some(root) = &annotated.trace.root {
        builder.frame(root, None);
    }
    let mut record = builder.record;
    let files: BTreeSet<&String> = record
        .locations
        .iter()
        .flat_map(|location| std::iter::once(location).chain(&location.inlined_at))
        .filter_map(|location| location.file.as_ref())
        .collect();
    let mut budget = SourceBudget::new(MAX_SOURCE_BYTES);
    let sources = files
        .into_iter()
        .filter_map(|file| Some((file.clone(), budget.lines(file)?)))
        .collect();
    record.sources = sources;
    record
}

/// What is known of one code: its DWARF and function names.
struct CodeInfo {
    code: Vec<u8>,
    symbols: Option<std::sync::Arc<DebugSymbols>>,
    names: HashMap<u32, String>,
}

struct Builder<'a> {
    insight: &'a Insight,
    annotated: &'a Annotated,
    stored_code: &'a dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
    max_steps: usize,
    record: LineRecord,
    interned: HashMap<Location, u32>,
    codes: HashMap<[u8; 32], Option<CodeInfo>>,
}

impl Builder<'_> {
    fn code(&mut self, hash: &[u8]) -> Option<&CodeInfo> {
        let hash: [u8; 32] = hash.try_into().ok()?;
        let (insight, stored_code) = (self.insight, self.stored_code);
        self.codes
            .entry(hash)
            .or_insert_with(|| {
                let code = stored_code(&hash)?;
                Some(CodeInfo {
                    symbols: insight.symbols_of(hash, &code),
                    names: insight.function_names(hash, &code),
                    code,
                })
            })
            .as_ref()
    }

    fn intern(&mut self, location: Location) -> u32 {
        let next = self.record.locations.len() as u32;
        *self.interned.entry(location.clone()).or_insert_with(|| {
            self.record.locations.push(location);
            next
        })
    }

    /// Adds `frame` and, as its host calls ran them, its nested frames.
    fn frame(&mut self, frame: &FrameTrace, parent: Option<u32>) {
        let index = self.record.frames.len() as u32;
        let call = self.annotated.frames.get(index as usize).map_or_else(
            || accounts::short(&frame.contract.0),
            |notes| notes.call_text(frame),
        );
        let profile = frame.profile.as_ref();
        let info = self.code(&frame.code_hash.0);
        let function_name = |function: Option<u32>, host: &Option<String>| match (function, host) {
            (_, Some(host)) => Some(host.clone()),
            (Some(index), None) => Some(
                info.and_then(|info| info.names.get(&index).cloned())
                    .unwrap_or_else(|| format!("func[{index}]")),
            ),
            (None, None) => None,
        };
        let functions = profile.map_or_else(Vec::new, |profile| {
            profile
                .nodes
                .iter()
                .map(|node| FunctionNode {
                    parent: node.parent,
                    name: function_name(node.function, &node.host),
                    function: node.function.filter(|_| node.host.is_none()),
                })
                .collect()
        });
        self.record.frames.push(RecordFrame {
            parent,
            depth: frame.depth,
            contract: accounts::ss58(&frame.contract.0),
            caller: accounts::ss58(&frame.caller.0),
            value: frame.value.to_string(),
            gas_limit: frame.gas_limit.ref_time,
            // The pallet's hashes are 32 bytes (zeros for an account without code).
            code_hash: <[u8; 32]>::try_from(frame.code_hash.0.as_slice())
                .unwrap_or_default()
                .into(),
            call,
            entry: format!("{:?}", frame.entry).to_lowercase(),
            outcome: outcome_text(&frame.outcome),
            functions,
        });
        if frame.depth > MAX_FRAME_DEPTH {
            return;
        }
        let locations = self.locations_of(frame);
        let mut nested_done = 0;
        let mut next_call = 0;
        let host_call_steps = profile.map_or(&[][..], |p| &p.host_call_steps[..]);
        let steps = profile.map_or(&[][..], |p| &p.steps[..]);
        let mut last: Option<(u32, Option<u32>, u32)> = None;
        for (at, step) in steps.iter().enumerate() {
            while next_call < frame.host_calls.len()
                && host_call_steps
                    .get(next_call)
                    .is_some_and(|s| *s as usize <= at)
            {
                self.host_call(frame, index, next_call, &mut nested_done);
                next_call += 1;
            }
            let location = locations.get(&step.offset).copied().flatten();
            // A new step when the line (or the function) changes, or when control went
            // back (a loop's next round on the same line).
            let same = last.is_some_and(|(node, loc, offset)| {
                node == step.node && loc == location && offset < step.offset
            });
            last = Some((step.node, location, step.offset));
            if same {
                continue;
            }
            if self.record.steps.len() >= self.max_steps {
                self.record.steps_dropped += 1;
                continue;
            }
            self.record
                .steps
                .push((index, step.node, location, step.ref_time));
            self.record.origins.push(at as u32);
        }
        while next_call < frame.host_calls.len() {
            self.host_call(frame, index, next_call, &mut nested_done);
            next_call += 1;
        }
        for nested in frame.nested.iter().skip(nested_done) {
            self.frame(nested, Some(index));
        }
        if let Some(profile) = profile {
            self.record.steps_dropped += profile.steps_dropped;
        }
    }

    fn host_call(&mut self, frame: &FrameTrace, index: u32, call: usize, nested_done: &mut usize) {
        let host = &frame.host_calls[call];
        let nested_frame = host
            .nested_frame
            .and_then(|nested| frame.nested.get(nested as usize).map(|f| (nested, f)))
            .filter(|(nested, _)| *nested as usize == *nested_done);
        self.record.host_calls.push(RecordHostCall {
            step: self.record.steps.len() as u32,
            frame: index,
            func: host.func.clone(),
            args: host.args.clone(),
            code: host.code.clone(),
            output: host.output.as_ref().map(|bytes| crate::hex::hex(&bytes.0)),
            error: host.error.clone(),
            nested_frame: nested_frame.map(|_| self.record.frames.len() as u32),
        });
        if let Some((_, nested)) = nested_frame {
            *nested_done += 1;
            self.frame(nested, Some(index));
        }
    }

    /// The location of each offset `frame`'s steps reached (`None` without DWARF).
    fn locations_of(&mut self, frame: &FrameTrace) -> HashMap<u32, Option<u32>> {
        let Some(profile) = &frame.profile else {
            return HashMap::new();
        };
        let mut offsets: Vec<u32> = profile.steps.iter().map(|step| step.offset).collect();
        offsets.sort_unstable();
        offsets.dedup();
        let located = match self.code(&frame.code_hash.0) {
            Some(CodeInfo {
                code,
                symbols: Some(symbols),
                ..
            }) => symbols.locate_all(code, &offsets),
            _ => vec![Vec::new(); offsets.len()],
        };
        offsets
            .into_iter()
            .zip(located)
            .map(|(offset, frames)| {
                let location = (!frames.is_empty()).then(|| self.intern(location_of(&frames)));
                (offset, location)
            })
            .collect()
    }
}

/// The innermost of `frames` (source frames, innermost first), inlined into the rest.
fn location_of(frames: &[BacktraceFrame]) -> Location {
    let one = |frame: &BacktraceFrame| Location {
        function: frame.func.clone(),
        file: frame.file.clone(),
        line: frame.line,
        column: frame.column,
        inlined_at: Vec::new(),
    };
    Location {
        inlined_at: frames.iter().skip(1).map(one).collect(),
        ..one(&frames[0])
    }
}

fn outcome_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Returned { .. } => "returned".into(),
        Outcome::Reverted { .. } => "reverted".into(),
        Outcome::Terminated { .. } => "terminated".into(),
        Outcome::Trapped { reason, .. } => format!("trapped: {reason}"),
        Outcome::Failed { error } => format!("failed: {error}"),
    }
}
