//! The debugger's timeline: one execution's line record, a position on it, and
//! breakpoints. Every execution is deterministic and recorded whole, so moving is
//! choosing another step — forwards or backwards at the same cost — and the state at a
//! step (its stack, the frame's contract, the host calls so far) is read off the record.
//! The node keeps sessions of these (`rpc::debug`); the DAP adapter (`dap`) and the
//! Explorer drive them.

pub mod next_dry_run;
pub mod variables;

use std::collections::{BTreeMap, BTreeSet};

use crate::insight::{line_record::Location, LineRecord};

/// Breakpoints one session holds at most, over all files.
pub const MAX_BREAKPOINTS: usize = 10_000;

pub use europa_rpc_api::debug::{
    Breakpoint, Exception, HostCallSoFar, Move, StackEntry, StepState, Stop, StorageAccess,
};

/// How a frame with this outcome (as the record words it) ended, if exceptionally.
fn exception_of(outcome: &str) -> Option<Exception> {
    if outcome.starts_with("trapped") {
        Some(Exception::Trap)
    } else if outcome == "reverted" {
        Some(Exception::Revert)
    } else if outcome.contains("OutOfGas") {
        Some(Exception::OutOfGas)
    } else if outcome.contains("StorageDeposit") {
        Some(Exception::StorageDepositLimit)
    } else {
        None
    }
}

/// What to capture for a stack entry's variables: which frame of the execution, where,
/// and the functions on its stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapturePlace {
    /// The contract frame's code hash.
    pub code_hash: [u8; 32],
    pub capture: pallet_europa_contracts::Capture,
}

/// The storage accesses among `host_calls` (one frame's, in order): each key's value
/// before and after, followed from one access to the next.
pub fn storage_accesses(host_calls: &[HostCallSoFar]) -> Vec<StorageAccess> {
    let mut known: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut accesses = Vec::new();
    for call in host_calls {
        let arg = |name: &str| {
            call.args
                .iter()
                .find(|(arg, _)| arg == name)
                .map(|(_, value)| value.clone())
        };
        let Some(key) = arg("key") else { continue };
        let found = call.code.as_deref() == Some("Success");
        let read = found.then(|| call.output.clone()).flatten();
        let earlier = known.get(&key).cloned().flatten();
        let (before, after) = match call.func.rsplit('.').next().unwrap_or_default() {
            "get_storage" | "contains_storage" => {
                let before = read.or(earlier);
                (before.clone(), before)
            }
            "take_storage" => (read.or(earlier), None),
            "set_storage" => (earlier, arg("value")),
            "clear_storage" => (earlier, None),
            _ => continue,
        };
        known.insert(key.clone(), after.clone());
        accesses.push(StorageAccess {
            func: call.func.clone(),
            key,
            before,
            after,
            ..StorageAccess::default()
        });
    }
    accesses
}

/// One execution's timeline.
pub struct Timeline {
    record: LineRecord,
    /// Each step's depth: the contract frame's, then the WASM call path's length.
    depths: Vec<(u32, u32)>,
    /// Lines with code, by file as DWARF names it (where breakpoints may go).
    lines_with_code: BTreeMap<String, BTreeSet<u32>>,
    breakpoints: BTreeMap<String, BTreeSet<u32>>,
    /// Names (or parts of names) of functions to stop on entering.
    function_breakpoints: Vec<String>,
    exceptions: BTreeSet<Exception>,
    /// Each frame's last step, and how it ended.
    frame_ends: BTreeMap<usize, Option<Exception>>,
    position: usize,
}

impl Timeline {
    /// A timeline at the first step of `record`; `lines_with_code` are the lines DWARF
    /// maps code to, for breakpoints.
    pub fn new(record: LineRecord, lines_with_code: BTreeMap<String, BTreeSet<u32>>) -> Self {
        let depths = record
            .steps
            .iter()
            .map(|&(frame, node, _, _)| {
                let frame_info = &record.frames[frame as usize];
                let mut depth = 0;
                let mut at = Some(node);
                // The path is at most the frame's node count long.
                while let Some(node) = at.filter(|_| depth as usize <= frame_info.functions.len()) {
                    depth += 1;
                    at = frame_info
                        .functions
                        .get(node as usize)
                        .and_then(|f| f.parent);
                }
                (frame_info.depth, depth)
            })
            .collect();
        let mut last_steps = BTreeMap::new();
        for (step, &(frame, ..)) in record.steps.iter().enumerate() {
            last_steps.insert(frame, step);
        }
        let frame_ends = last_steps
            .into_iter()
            .map(|(frame, step)| (step, exception_of(&record.frames[frame as usize].outcome)))
            .collect();
        Timeline {
            record,
            depths,
            lines_with_code,
            breakpoints: BTreeMap::new(),
            function_breakpoints: Vec::new(),
            exceptions: BTreeSet::from([Exception::Trap]),
            frame_ends,
            position: 0,
        }
    }

    pub fn steps(&self) -> usize {
        self.record.steps.len()
    }

    /// Replaces the breakpoints of the source file `path` (a client's path: matched to
    /// the DWARF file with the longest common ending) with `lines`.
    pub fn set_breakpoints(&mut self, path: &str, lines: &[u32]) -> Vec<Breakpoint> {
        let file = matching_file(path, self.lines_with_code.keys());
        let Some(file) = file else {
            return lines
                .iter()
                .map(|&requested| Breakpoint {
                    requested,
                    line: None,
                    file: None,
                })
                .collect();
        };
        let room = MAX_BREAKPOINTS.saturating_sub(
            self.breakpoints
                .iter()
                .filter(|(other, _)| **other != file)
                .map(|(_, lines)| lines.len())
                .sum(),
        );
        let with_code = &self.lines_with_code[&file];
        let set: Vec<Breakpoint> = lines
            .iter()
            .take(room)
            .map(|&requested| Breakpoint {
                requested,
                line: with_code.range(requested..).next().copied(),
                file: Some(file.clone()),
            })
            .collect();
        self.breakpoints.insert(
            file,
            set.iter()
                .filter_map(|breakpoint| breakpoint.line)
                .collect(),
        );
        set
    }

    /// Stops at functions whose names contain one of `names` when they are entered;
    /// returns, for each, whether a function of the execution has such a name.
    pub fn set_function_breakpoints(&mut self, names: Vec<String>) -> Vec<bool> {
        let names: Vec<String> = names.into_iter().take(MAX_BREAKPOINTS).collect();
        let found = names
            .iter()
            .map(|name| {
                self.record.frames.iter().any(|frame| {
                    frame
                        .functions
                        .iter()
                        .any(|f| f.name.as_deref().is_some_and(|n| n.contains(name.as_str())))
                })
            })
            .collect();
        self.function_breakpoints = names;
        found
    }

    /// Which ways a frame can end `continue` stops at.
    pub fn set_exceptions(&mut self, exceptions: impl IntoIterator<Item = Exception>) {
        self.exceptions = exceptions.into_iter().collect();
    }

    /// Moves as `how` says; the state there.
    pub fn go(&mut self, how: Move) -> StepState {
        let last = self.steps().saturating_sub(1);
        let here = self.position;
        let depth = self.depths.get(here).copied().unwrap_or_default();
        let (to, stop) = match how {
            Move::Restart => (0, Stop::Entry),
            Move::Goto(step) => ((step as usize).min(last), Stop::Step),
            Move::In => self.forward(here + 1, |_| true),
            Move::Over => self.forward(here + 1, |step| self.depths[step] <= depth),
            Move::Out => self.forward(here + 1, |step| self.depths[step] < depth),
            Move::Back => (
                (0..here)
                    .rev()
                    .find(|&step| self.depths[step] <= depth)
                    .unwrap_or(0),
                Stop::Step,
            ),
            Move::Continue => (here + 1..self.steps())
                .find_map(|step| self.stops_at(step).map(|stop| (step, stop)))
                .unwrap_or((last, Stop::End)),
            Move::ReverseContinue => (0..here)
                .rev()
                .find_map(|step| self.breaks_at(step).map(|stop| (step, stop)))
                .unwrap_or((0, Stop::Entry)),
        };
        self.position = to;
        self.state(stop)
    }

    /// The first step from `from` that `stops`; with none, the last step and why the
    /// execution goes no further (it trapped there, or it ended).
    fn forward(&self, from: usize, stops: impl Fn(usize) -> bool) -> (usize, Stop) {
        match (from..self.steps()).find(|&step| stops(step)) {
            Some(step) => (step, Stop::Step),
            None => (
                self.steps().saturating_sub(1),
                if self.trapped() {
                    Stop::Exception
                } else {
                    Stop::End
                },
            ),
        }
    }

    /// Why `continue` stops at `step`, if it does: a breakpoint, or the end of a frame
    /// as the exception filters select.
    fn stops_at(&self, step: usize) -> Option<Stop> {
        let exception = self
            .frame_ends
            .get(&step)
            .copied()
            .flatten()
            .filter(|kind| self.exceptions.contains(kind));
        self.breaks_at(step).or(exception.map(|_| Stop::Exception))
    }

    /// Which breakpoint stops at `step`, if one does.
    fn breaks_at(&self, step: usize) -> Option<Stop> {
        if self.at_breakpoint(step) {
            Some(Stop::Breakpoint)
        } else if self.enters_named_function(step) {
            Some(Stop::FunctionBreakpoint)
        } else {
            None
        }
    }

    /// Whether `step` enters a function a function breakpoint names.
    fn enters_named_function(&self, step: usize) -> bool {
        if self.function_breakpoints.is_empty() {
            return false;
        }
        let entering = step == 0 || self.depths[step] > self.depths[step - 1];
        let (frame, node, _, _) = self.record.steps[step];
        let name = self.record.frames[frame as usize]
            .functions
            .get(node as usize)
            .and_then(|f| f.name.as_deref());
        entering
            && name.is_some_and(|name| {
                self.function_breakpoints
                    .iter()
                    .any(|wanted| name.contains(wanted.as_str()))
            })
    }

    fn trapped(&self) -> bool {
        self.record
            .frames
            .iter()
            .any(|frame| frame.outcome.starts_with("trapped"))
    }

    /// Whether `step` enters a line with a breakpoint: its own line, as DWARF's line
    /// table has it (code inlined from elsewhere stops at its own lines, as in gdb).
    fn at_breakpoint(&self, step: usize) -> bool {
        let Some(Location {
            file: Some(file),
            line: Some(line),
            ..
        }) = self.location(step)
        else {
            return false;
        };
        self.breakpoints
            .get(file)
            .is_some_and(|lines| lines.contains(line))
    }

    fn location(&self, step: usize) -> Option<&Location> {
        let (_, _, location, _) = self.record.steps.get(step)?;
        self.record.locations.get((*location)? as usize)
    }

    /// The state at the current step.
    pub fn state(&self, stop: Stop) -> StepState {
        let step = self.position;
        let (frame, _, _, ref_time) = self.record.steps.get(step).copied().unwrap_or_default();
        let info = &self.record.frames[frame as usize];
        StepState {
            step: step as u32,
            steps: self.steps() as u32,
            stop,
            stack: self.stack(step),
            frame,
            call: info.call.clone(),
            contract: info.contract.clone(),
            caller: info.caller.clone(),
            value: info.value.clone(),
            gas_limit: info.gas_limit,
            code_hash: info.code_hash,
            outcome: info.outcome.clone(),
            ref_time,
            host_calls: self
                .record
                .host_calls
                .iter()
                .filter(|call| call.frame == frame && (call.step as usize) <= step)
                .map(|call| HostCallSoFar {
                    func: call.func.clone(),
                    args: call.args.clone(),
                    code: call.code.clone(),
                    output: call.output.clone(),
                    error: call.error.clone(),
                })
                .collect(),
        }
    }

    /// The stack at `step`, innermost first: the step's location (each inlined function
    /// an entry), each calling WASM function at its latest earlier step, then the
    /// calling contract at the step before its call.
    fn stack(&self, step: usize) -> Vec<StackEntry> {
        let mut stack = Vec::new();
        let mut at = Some(step);
        let mut via = None;
        // Each round goes to a calling contract frame: at most as many as frames.
        for _ in 0..=self.record.frames.len() {
            let Some(step) = at else { break };
            let Some(&(frame, node, _, _)) = self.record.steps.get(step) else {
                break;
            };
            let functions = &self.record.frames[frame as usize].functions;
            let place = (step, via);
            self.push_step(&mut stack, step, 0, place);
            let mut parent = functions.get(node as usize).and_then(|f| f.parent);
            for wasm_frame in 1..=functions.len() as u32 {
                let Some(caller) = parent else { break };
                if functions
                    .get(caller as usize)
                    .is_some_and(|f| f.name.is_none())
                {
                    break;
                }
                match (0..step)
                    .rev()
                    .find(|&s| self.record.steps[s].0 == frame && self.record.steps[s].1 == caller)
                {
                    Some(earlier) => self.push_step(&mut stack, earlier, wasm_frame, place),
                    None => stack.push(StackEntry {
                        name: name_of(functions, caller),
                        file: None,
                        line: None,
                        column: None,
                        frame,
                        wasm_frame,
                        inline_depth: 0,
                        place,
                    }),
                }
                parent = functions.get(caller as usize).and_then(|f| f.parent);
            }
            via = self
                .record
                .host_calls
                .iter()
                .position(|call| call.nested_frame == Some(frame));
            at = via.and_then(|call| (self.record.host_calls[call].step as usize).checked_sub(1));
        }
        stack
    }

    fn push_step(
        &self,
        stack: &mut Vec<StackEntry>,
        step: usize,
        wasm_frame: u32,
        place: (usize, Option<usize>),
    ) {
        let (frame, node, _, _) = self.record.steps[step];
        let functions = &self.record.frames[frame as usize].functions;
        match self.location(step) {
            Some(location) => {
                let chain = std::iter::once(location).chain(&location.inlined_at);
                for (inline_depth, source) in chain.enumerate() {
                    stack.push(StackEntry {
                        name: source
                            .function
                            .clone()
                            .unwrap_or_else(|| name_of(functions, node)),
                        file: source.file.clone(),
                        line: source.line,
                        column: source.column,
                        frame,
                        wasm_frame,
                        inline_depth: inline_depth as u32,
                        place,
                    });
                }
            }
            None => stack.push(StackEntry {
                name: name_of(functions, node),
                file: None,
                line: None,
                column: None,
                frame,
                wasm_frame,
                inline_depth: 0,
                place,
            }),
        }
    }

    /// What to capture for the variables of `entry` (of this timeline's stack): the
    /// state of its contract frame at its step, or for a calling frame, as it made the
    /// call. `None` for a frame without code that ran.
    pub fn capture_place(&self, entry: &StackEntry) -> Option<CapturePlace> {
        use pallet_europa_contracts::{Capture, CaptureAt};
        let frames = &self.record.frames;
        let this = frames.get(entry.frame as usize)?;
        if this.functions.is_empty() {
            return None;
        }
        // Frames whose code ran are the pallet's profiled instances, in the same order.
        let instance = frames[..entry.frame as usize]
            .iter()
            .filter(|frame| !frame.functions.is_empty())
            .count() as u32;
        let (step, via) = entry.place;
        let at = match via {
            Some(call) => {
                let calls = self.record.host_calls.get(..call)?;
                CaptureAt::HostCall(calls.iter().filter(|c| c.frame == entry.frame).count() as u32)
            }
            None => CaptureAt::Step(u64::from(*self.record.origins.get(step)?)),
        };
        let (_, node, _, _) = *self.record.steps.get(step)?;
        let mut functions = Vec::new();
        let mut at_node = Some(node);
        // A path is at most as long as the frame has nodes.
        for _ in 0..this.functions.len() {
            let Some(function) = at_node.and_then(|node| this.functions.get(node as usize)) else {
                break;
            };
            functions.extend(function.function);
            at_node = function.parent;
        }
        Some(CapturePlace {
            code_hash: this.code_hash.into(),
            capture: Capture {
                instance,
                at,
                functions,
            },
        })
    }

    /// The stack at the current step, innermost first.
    pub fn current_stack(&self) -> Vec<StackEntry> {
        self.stack(self.position)
    }
}

fn name_of(functions: &[crate::insight::line_record::FunctionNode], node: u32) -> String {
    functions
        .get(node as usize)
        .and_then(|f| f.name.clone())
        .unwrap_or_else(|| "(outside any function)".into())
}

/// Of `files` (as DWARF names them), the one `path` (a client's) names: the longest
/// common ending by path components, at least the file name.
fn matching_file<'a>(path: &str, files: impl Iterator<Item = &'a String>) -> Option<String> {
    let wanted: Vec<&str> = path.rsplit(['/', '\\']).collect();
    files
        .map(|file| {
            let common = file
                .rsplit('/')
                .zip(&wanted)
                .take_while(|(a, b)| a == *b)
                .count();
            (common, file)
        })
        .filter(|(common, _)| *common > 0)
        .max_by_key(|(common, _)| *common)
        .map(|(_, file)| file.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insight::line_record::{FunctionNode, RecordFrame, RecordHostCall};

    fn location(line: u32) -> Location {
        Location {
            function: Some(format!("f{line}")),
            file: Some("/europa/c/lib.rs".into()),
            line: Some(line),
            column: None,
            inlined_at: Vec::new(),
        }
    }

    /// `main` (node 1) at lines 1, 2, calls `helper` (node 2) at 10, 11, then 3.
    fn timeline(trapped: bool) -> Timeline {
        let node = |parent: Option<u32>, name: &str| FunctionNode {
            parent,
            name: Some(name.into()),
            function: parent.map(|p| p + 7),
        };
        let record = LineRecord {
            steps_executor: "wasmtime".into(),
            frames: vec![RecordFrame {
                parent: None,
                depth: 1,
                contract: "c".into(),
                caller: "a".into(),
                value: "0".into(),
                gas_limit: 1_000,
                code_hash: Default::default(),
                call: "c::m()".into(),
                entry: "call".into(),
                outcome: if trapped { "trapped: x" } else { "returned" }.into(),
                functions: vec![
                    FunctionNode {
                        parent: None,
                        name: None,
                        function: None,
                    },
                    node(Some(0), "main"),
                    node(Some(1), "helper"),
                ],
            }],
            locations: [1, 2, 10, 11, 3].map(location).to_vec(),
            steps: vec![
                (0, 1, Some(0), 10),
                (0, 1, Some(1), 20),
                (0, 2, Some(2), 30),
                (0, 2, Some(3), 40),
                (0, 1, Some(4), 50),
            ],
            host_calls: vec![RecordHostCall {
                step: 3,
                frame: 0,
                func: "seal0.input".into(),
                args: Vec::new(),
                code: None,
                output: None,
                error: None,
                nested_frame: None,
            }],
            origins: vec![0, 3, 5, 7, 9],
            ..Default::default()
        };
        let lines = BTreeMap::from([(
            "/europa/c/lib.rs".to_owned(),
            BTreeSet::from([1, 2, 3, 10, 11]),
        )]);
        Timeline::new(record, lines)
    }

    fn line(state: &StepState) -> u32 {
        state.stack[0].line.unwrap()
    }

    /// A stack entry's variables are captured at its frame's step, counted as the frame
    /// counts what it reached, with every WASM function on the stack kept.
    #[test]
    fn variables_are_captured_where_the_step_is() {
        use pallet_europa_contracts::{Capture, CaptureAt};
        let mut timeline = timeline(false);
        let state = timeline.go(Move::Goto(2));
        let [helper, main] = &state.stack[..] else {
            panic!("{:?}", state.stack)
        };
        assert_eq!((helper.wasm_frame, main.wasm_frame), (0, 1));
        let expected = Capture {
            instance: 0,
            at: CaptureAt::Step(5),
            functions: vec![8, 7],
        };
        for entry in [helper, main] {
            let place = timeline.capture_place(entry).unwrap();
            assert_eq!(place.capture, expected);
        }
    }

    /// Each key's value is followed from access to access: a read says what it held,
    /// a write what it holds next, a clear empties it.
    #[test]
    fn storage_accesses_follow_each_key() {
        let call = |func: &str, args: &[(&str, &str)], code: Option<&str>, output: Option<&str>| {
            HostCallSoFar {
                func: func.into(),
                args: args
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect(),
                code: code.map(Into::into),
                output: output.map(Into::into),
                error: None,
            }
        };
        let calls = [
            call(
                "seal1.get_storage",
                &[("key", "0x00")],
                Some("Success"),
                Some("0x01"),
            ),
            call("seal0.input", &[], None, Some("0xff")),
            call(
                "seal2.set_storage",
                &[("key", "0x00"), ("value", "0x02")],
                None,
                None,
            ),
            call("seal1.clear_storage", &[("key", "0x00")], None, None),
            call(
                "seal1.get_storage",
                &[("key", "0x00")],
                Some("KeyNotFound"),
                None,
            ),
            call(
                "seal2.set_storage",
                &[("key", "0x01"), ("value", "0x03")],
                None,
                None,
            ),
        ];
        let seen: Vec<(String, Option<String>, Option<String>)> = storage_accesses(&calls)
            .into_iter()
            .map(|a| (a.key, a.before, a.after))
            .collect();
        let some = |v: &str| Some(v.to_owned());
        assert_eq!(
            seen,
            [
                ("0x00".into(), some("0x01"), some("0x01")),
                ("0x00".into(), some("0x01"), some("0x02")),
                ("0x00".into(), some("0x02"), None),
                ("0x00".into(), None, None),
                ("0x01".into(), None, some("0x03")),
            ]
        );
    }

    #[test]
    fn steps_go_in_over_out_and_back() {
        let mut timeline = timeline(false);
        assert_eq!(line(&timeline.go(Move::Over)), 2);
        let into = timeline.go(Move::In);
        assert_eq!(line(&into), 10, "into helper");
        assert_eq!(
            into.stack
                .iter()
                .map(|e| e.line.unwrap())
                .collect::<Vec<_>>(),
            [10, 2],
            "helper, called from main's line 2"
        );
        assert_eq!(line(&timeline.go(Move::Out)), 3, "out to main");
        assert_eq!(line(&timeline.go(Move::Back)), 2, "back over helper");
        assert_eq!(timeline.go(Move::Over).stop, Stop::Step);
        let end = timeline.go(Move::Over);
        assert_eq!((line(&end), end.stop), (3, Stop::End));
        assert_eq!(timeline.go(Move::Restart).step, 0);
        assert_eq!(line(&timeline.go(Move::Goto(3))), 11);
        assert_eq!(
            timeline.go(Move::Goto(99)).step,
            4,
            "past the end: the last step"
        );
    }

    #[test]
    fn breakpoints_move_to_code_and_stop_continue_both_ways() {
        let mut timeline = timeline(true);
        let set = timeline.set_breakpoints("/home/me/c/lib.rs", &[4, 11, 99]);
        assert_eq!(
            set.iter().map(|b| b.line).collect::<Vec<_>>(),
            [Some(10), Some(11), None],
            "4 moves to 10, the next line with code; 99 has none"
        );
        let hit = timeline.go(Move::Continue);
        assert_eq!((line(&hit), hit.stop), (10, Stop::Breakpoint));
        assert_eq!(hit.host_calls.len(), 0);
        assert_eq!(line(&timeline.go(Move::Continue)), 11);
        let trap = timeline.go(Move::Continue);
        assert_eq!((line(&trap), trap.stop), (3, Stop::Exception));
        assert_eq!(
            trap.host_calls.len(),
            1,
            "the host call before step 3 happened"
        );
        let back = timeline.go(Move::ReverseContinue);
        assert_eq!((line(&back), back.stop), (11, Stop::Breakpoint));
        assert!(timeline.set_breakpoints("/elsewhere/other.rs", &[1])[0]
            .line
            .is_none());
    }

    #[test]
    fn function_breakpoints_stop_on_entry_and_exception_filters_choose_the_ends() {
        let mut timeline = timeline(true);
        let found = timeline.set_function_breakpoints(vec!["help".into(), "nowhere".into()]);
        assert_eq!(found, [true, false]);
        let entered = timeline.go(Move::Continue);
        assert_eq!(
            (line(&entered), entered.stop),
            (10, Stop::FunctionBreakpoint)
        );
        assert_eq!(
            timeline.go(Move::Continue).stop,
            Stop::Exception,
            "a trap, by default"
        );
        timeline.set_exceptions([Exception::Revert]);
        timeline.go(Move::Restart);
        timeline.set_function_breakpoints(Vec::new());
        assert_eq!(
            timeline.go(Move::Continue).stop,
            Stop::End,
            "traps not selected"
        );
        assert_eq!(
            exception_of("failed: Contracts::OutOfGas"),
            Some(Exception::OutOfGas)
        );
        assert_eq!(exception_of("reverted"), Some(Exception::Revert));
        assert_eq!(exception_of("returned"), None);
    }

    #[test]
    fn a_client_path_matches_the_dwarf_file_with_the_longest_ending() {
        let files = ["/europa/a/lib.rs".to_owned(), "/europa/b/lib.rs".to_owned()];
        assert_eq!(
            matching_file("/home/me/work/b/lib.rs", files.iter()).as_deref(),
            Some("/europa/b/lib.rs")
        );
        assert_eq!(matching_file("/x/main.rs", files.iter()), None);
    }
}
