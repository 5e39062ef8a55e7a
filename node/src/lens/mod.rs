//! The lens: where a wasmi chain's execution happened, seen on wasmtime.
//!
//! On a chain that runs wasmi (production's interpreter) wasmi decides every result,
//! event and gas figure, and keeps no source locations. When a decisive trace has a
//! frame that trapped, the same runtime call runs again with
//! [`WasmtimeLens`](europa_runtime::contracts::WasmtimeLens): contracts on wasmtime, with
//! DWARF, their top-level gas raised so that wasmtime's other fuel count reaches the same
//! end. Where the two runs agree on what happened — the same frames, the same host calls
//! in the same order with the same answers, the same outcomes — the lens's backtraces go
//! into the decisive trace's trapped frames (and, for a gas profile, its profiles, see
//! below); nothing else of the lens is kept. Where
//! they disagree (code that reads the gas left, running out of gas on one side only) the
//! trace says so instead of showing a location from another path.
//!
//! Gas profiles of a wasmi execution come from the lens too: it runs profiled, and each
//! frame's profile is reconciled with the decisive frame ([`reconciled`]): host calls
//! keep the gas the decisive run charged (nested frames included), and what the lens
//! spent on WASM instructions is scaled so that the frame adds up to the decisive
//! frame's `gasConsumed` — wasmi's own instruction and compilation fuel, apportioned by
//! where wasmtime spent its fuel.

mod logged;

pub use logged::{LogLens, LoggedTrap};

use europa_runtime::opaque::Block;
use pallet_europa_contracts::trace::{ExecutionTrace, FrameTrace, GasProfile, Lens, Outcome};
use sp_api::ProvideRuntimeApi;

/// The executor the lens runs on.
pub const LENS_EXECUTOR: &str = "wasmtime";
/// The executor whose traces the lens locates.
const DECIDING_EXECUTOR: &str = "wasmi";

/// What the lens did for a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LensNote {
    /// Its trapped frames carry the lens's locations.
    Located,
    /// The lens took another path; the trace has no locations from it.
    Disagrees(String),
    /// The lens run itself failed.
    Failed(String),
}

impl LensNote {
    /// The note as the trace's `lens` field.
    pub fn report(&self) -> Lens {
        let (disagrees, failed) = match self {
            LensNote::Located => (None, None),
            LensNote::Disagrees(why) => (Some(why.clone()), None),
            LensNote::Failed(why) => (None, Some(why.clone())),
        };
        Lens {
            executor: LENS_EXECUTOR.to_owned(),
            located: matches!(self, LensNote::Located),
            disagrees,
            failed,
        }
    }

    /// One line for a failure's explanation, when the lens gave no location.
    pub fn unlocated_text(&self) -> Option<String> {
        match self {
            LensNote::Located => None,
            LensNote::Disagrees(why) => Some(format!(
                "no source line: re-run on {LENS_EXECUTOR} to locate it, the execution took \
                 another path ({why})"
            )),
            LensNote::Failed(why) => Some(format!(
                "no source line: the re-run on {LENS_EXECUTOR} to locate it failed ({why})"
            )),
        }
    }
}

/// Whether the lens would locate something in `trace`: it is a decisive wasmi run with
/// a trapped frame.
pub fn wanted(trace: &ExecutionTrace) -> bool {
    trace.executor == DECIDING_EXECUTOR
        && frames(trace).any(|frame| matches!(frame.outcome, Outcome::Trapped { .. }))
}

/// The runtime API, running contracts through the lens when `lens`.
pub fn runtime_api<C>(client: &C, lens: bool) -> sp_api::ApiRef<'_, C::Api>
where
    C: ProvideRuntimeApi<Block>,
    C::Api: sp_api::ApiExt<Block>,
{
    let mut api = client.runtime_api();
    if lens {
        sp_api::ApiExt::register_extension(&mut *api, europa_runtime::contracts::WasmtimeLens(()));
    }
    api
}

/// The traces a runtime call re-executing an extrinsic through the lens answered
/// (`ContractsTraceApi::trace_extrinsic`, `profile_extrinsic`), or why there are none.
pub fn extrinsic_traces<Outcome, Events, E: std::fmt::Display>(
    answer: Result<Option<(Outcome, Events, Vec<ExecutionTrace>)>, E>,
) -> Result<Vec<ExecutionTrace>, String> {
    match answer {
        Ok(Some((_, _, traces))) => Ok(traces),
        Ok(None) => Err("the extrinsic is gone".to_owned()),
        Err(error) => Err(error.to_string()),
    }
}

/// Whether a gas profile of `trace` comes from the lens: it is a decisive wasmi run
/// (wasmi has no profiles).
pub fn wanted_for_profiles(trace: &ExecutionTrace) -> bool {
    trace.executor == DECIDING_EXECUTOR && trace.root.is_some()
}

/// Runs the lens for `decisive` if it is [`wanted`]: `lens` re-runs the execution with
/// the lens on. Returns what became of it.
pub fn apply<E: std::fmt::Display>(
    decisive: &mut ExecutionTrace,
    lens: impl FnOnce() -> Result<ExecutionTrace, E>,
) -> Option<LensNote> {
    apply_where(wanted, std::slice::from_mut(decisive), || {
        lens().map(|trace| vec![trace])
    })
    .pop()
    .flatten()
}

/// [`apply`] for the executions one runtime call made (e.g. an extrinsic's), which
/// `lens` re-runs together; the notes are in the same order.
pub fn apply_all<E: std::fmt::Display>(
    decisive: &mut [ExecutionTrace],
    lens: impl FnOnce() -> Result<Vec<ExecutionTrace>, E>,
) -> Vec<Option<LensNote>> {
    apply_where(wanted, decisive, lens)
}

/// [`apply_all`] for gas profiles: `lens` re-runs the executions profiled, and their
/// profiles (reconciled) and locations go into `decisive` where
/// [`wanted_for_profiles`].
pub fn profile_all<E: std::fmt::Display>(
    decisive: &mut [ExecutionTrace],
    lens: impl FnOnce() -> Result<Vec<ExecutionTrace>, E>,
) -> Vec<Option<LensNote>> {
    apply_where(wanted_for_profiles, decisive, lens)
}

fn apply_where<E: std::fmt::Display>(
    wanted: fn(&ExecutionTrace) -> bool,
    decisive: &mut [ExecutionTrace],
    lens: impl FnOnce() -> Result<Vec<ExecutionTrace>, E>,
) -> Vec<Option<LensNote>> {
    let mut notes = vec![None; decisive.len()];
    if !decisive.iter().any(wanted) {
        return notes;
    }
    let outcome = match lens() {
        Ok(lens) if lens.len() == decisive.len() => Ok(lens),
        Ok(lens) => Err(LensNote::Disagrees(format!(
            "{} contract executions instead of {}",
            lens.len(),
            decisive.len()
        ))),
        Err(error) => Err(LensNote::Failed(error.to_string())),
    };
    for (index, trace) in decisive.iter_mut().enumerate() {
        if wanted(trace) {
            notes[index] = Some(match &outcome {
                Ok(lens) => locate(trace, &lens[index]),
                Err(note) => note.clone(),
            });
        }
    }
    notes
}

/// Puts the backtraces of `lens` into the trapped frames of `decisive`, and its gas
/// profiles (reconciled) into their frames, where the two agree on what happened.
pub fn locate(decisive: &mut ExecutionTrace, lens: &ExecutionTrace) -> LensNote {
    if let Some(why) = disagreement(decisive, lens) {
        return LensNote::Disagrees(why);
    }
    let mut seen = frames(lens);
    // Depth first, as `FrameTrace::frames` walks, without recursion.
    let mut stack: Vec<&mut FrameTrace> = decisive.root.iter_mut().collect();
    while let Some(frame) = stack.pop() {
        let Some(lens) = seen.next() else { break };
        if let Some(profile) = &lens.profile {
            frame.profile = Some(reconciled(frame, lens, profile));
        }
        let FrameTrace {
            outcome, nested, ..
        } = frame;
        if let (
            Outcome::Trapped {
                backtrace,
                debug_info_ignored,
                ..
            },
            Outcome::Trapped {
                backtrace: located,
                debug_info_ignored: ignored,
                ..
            },
        ) = (outcome, &lens.outcome)
        {
            backtrace.clone_from(located);
            debug_info_ignored.clone_from(ignored);
        }
        stack.extend(nested.iter_mut().rev());
    }
    LensNote::Located
}

/// The lens frame's `profile`, reconciled with the decisive `frame` (as the module
/// says): host calls at the decisive run's charges, WASM execution scaled so that the
/// frame's part outside its code stays the lens's and the whole is the decisive
/// frame's `gasConsumed`.
pub fn reconciled(frame: &FrameTrace, lens: &FrameTrace, profile: &GasProfile) -> GasProfile {
    let charged = |frame: &FrameTrace, call: usize| {
        frame
            .host_calls
            .get(call)
            .map_or(0, |call| i64::try_from(call.gas).unwrap_or(i64::MAX))
    };
    let mut profile = profile.clone();
    // What each node spent on WASM execution: its cost without the host calls' charges.
    let mut execution: Vec<i64> = profile.nodes.iter().map(|node| node.ref_time).collect();
    let mut decisive_charges = 0i64;
    for (call, node) in profile.host_calls.iter().enumerate() {
        if let Some(cost) = execution.get_mut(*node as usize) {
            *cost = cost.saturating_sub(charged(lens, call));
        }
        decisive_charges = decisive_charges.saturating_add(charged(frame, call));
    }
    let lens_nodes: i64 = profile.nodes.iter().map(|node| node.ref_time).sum();
    let outside_code = (lens.gas_consumed.ref_time as i64).saturating_sub(lens_nodes);
    let decisive_execution = (frame.gas_consumed.ref_time as i64)
        .saturating_sub(outside_code)
        .saturating_sub(decisive_charges);
    let lens_execution = execution.clone();
    scale_to(&mut execution, decisive_execution);
    for ((node, after), before) in profile
        .nodes
        .iter_mut()
        .zip(&execution)
        .zip(&lens_execution)
    {
        // Lines split a node's execution: they split its new one alike.
        let mut lines: Vec<i64> = node.lines.iter().map(|(_, cost)| *cost).collect();
        let lines_total: i64 = lines.iter().sum();
        scale_to(&mut lines, scaled(lines_total, *after, *before));
        for ((_, cost), scaled) in node.lines.iter_mut().zip(lines) {
            *cost = scaled;
        }
        node.ref_time = *after;
    }
    for (call, node) in profile.host_calls.iter().enumerate() {
        if let Some(node) = profile.nodes.get_mut(*node as usize) {
            node.ref_time = node.ref_time.saturating_add(charged(frame, call));
        }
    }
    profile
}

/// `value × numerator / denominator`, rounded toward zero (`value` when the
/// denominator is zero).
fn scaled(value: i64, numerator: i64, denominator: i64) -> i64 {
    if denominator == 0 {
        return value;
    }
    let exact = i128::from(value) * i128::from(numerator) / i128::from(denominator);
    i64::try_from(exact).unwrap_or(if exact < 0 { i64::MIN } else { i64::MAX })
}

/// Scales `values` in proportion so that they add up to `target` exactly (what rounding
/// leaves goes to the largest); all of it to the first when they add up to nothing.
fn scale_to(values: &mut [i64], target: i64) {
    if values.is_empty() {
        return;
    }
    let total: i64 = values.iter().sum();
    if total <= 0 {
        values.iter_mut().for_each(|value| *value = 0);
        values[0] = target;
        return;
    }
    for value in values.iter_mut() {
        *value = scaled(*value, target, total);
    }
    let left = target - values.iter().sum::<i64>();
    if let Some(largest) = (0..values.len()).max_by_key(|&index| values[index].abs()) {
        values[largest] += left;
    }
}

fn frames(trace: &ExecutionTrace) -> impl Iterator<Item = &FrameTrace> {
    trace.root.iter().flat_map(FrameTrace::frames)
}

/// Where the lens's execution differs from the decisive one, if it does.
fn disagreement(decisive: &ExecutionTrace, lens: &ExecutionTrace) -> Option<String> {
    let (ours, theirs): (Vec<_>, Vec<_>) = (frames(decisive).collect(), frames(lens).collect());
    if ours.len() != theirs.len() {
        return Some(format!(
            "{} contract frames instead of {}",
            theirs.len(),
            ours.len()
        ));
    }
    for (number, (ours, theirs)) in ours.iter().zip(&theirs).enumerate() {
        let at = |what: String| Some(format!("frame {number}: {what}"));
        if ours.contract != theirs.contract
            || ours.entry != theirs.entry
            || ours.nested.len() != theirs.nested.len()
        {
            return at("another call".into());
        }
        if ours.host_calls.len() != theirs.host_calls.len() {
            return at(format!(
                "{} host calls instead of {}",
                theirs.host_calls.len(),
                ours.host_calls.len()
            ));
        }
        for (index, (ours, theirs)) in ours.host_calls.iter().zip(&theirs.host_calls).enumerate() {
            if ours.func != theirs.func {
                return at(format!(
                    "host call {index} is {} instead of {}",
                    theirs.func, ours.func
                ));
            }
            if ours.output != theirs.output || ours.error != theirs.error {
                return at(format!(
                    "host call {index} ({}) answered otherwise",
                    ours.func
                ));
            }
        }
        if !same_outcome(&ours.outcome, &theirs.outcome) {
            return at(format!(
                "{} instead of {}",
                outcome_name(&theirs.outcome),
                outcome_name(&ours.outcome)
            ));
        }
    }
    None
}

fn same_outcome(ours: &Outcome, theirs: &Outcome) -> bool {
    match (ours, theirs) {
        (Outcome::Trapped { .. }, Outcome::Trapped { .. }) => true,
        _ => ours == theirs,
    }
}

fn outcome_name(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Returned { .. } => "returned".into(),
        Outcome::Reverted { .. } => "reverted".into(),
        Outcome::Terminated { .. } => "terminated".into(),
        Outcome::Trapped { .. } => "trapped".into(),
        Outcome::Failed { error } => format!("failed with {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pallet_europa_contracts::trace::{BacktraceFrame, Bytes, EntryPoint, HostCall};

    fn frame(
        host_calls: &[(&str, &[u8])],
        outcome: Outcome,
        nested: Vec<FrameTrace>,
    ) -> FrameTrace {
        FrameTrace {
            depth: 1,
            entry: EntryPoint::Call,
            caller: Bytes::default(),
            contract: Bytes(vec![1; 32]),
            code_hash: Bytes::default(),
            selector: None,
            args: Bytes::default(),
            value: 0,
            gas_limit: Default::default(),
            gas_consumed: Default::default(),
            storage_deposit: 0,
            host_calls: host_calls
                .iter()
                .map(|(func, output)| {
                    let mut call = HostCall::new(*func);
                    call.output = Some(Bytes(output.to_vec()));
                    call
                })
                .collect(),
            events: Vec::new(),
            debug_message: String::new(),
            outcome,
            nested,
            profile: None,
            decoded: None,
            explanation: None,
        }
    }

    fn trapped(line: Option<u32>) -> Outcome {
        Outcome::Trapped {
            reason: "unreachable".into(),
            backtrace: line
                .map(|line| BacktraceFrame {
                    func_index: 3,
                    func: Some("flip".into()),
                    offset: Some(40),
                    file: Some("lib.rs".into()),
                    line: Some(line),
                    column: None,
                    inlined: false,
                })
                .into_iter()
                .collect(),
            debug_info_ignored: None,
        }
    }

    fn returned() -> Outcome {
        Outcome::Returned {
            flags: 0,
            data: Bytes::default(),
        }
    }

    /// A caller that called a contract which trapped (at `line`, if known).
    fn trace(executor: &str, gas_left: &[u8], line: Option<u32>) -> ExecutionTrace {
        let callee = frame(&[("seal0.input", b"")], trapped(line), Vec::new());
        ExecutionTrace {
            executor: executor.into(),
            root: Some(frame(
                &[("seal0.gas_left", gas_left), ("seal2.call", b"")],
                returned(),
                vec![callee],
            )),
            ..Default::default()
        }
    }

    fn callee_outcome(trace: &ExecutionTrace) -> &Outcome {
        &trace.root.as_ref().unwrap().nested[0].outcome
    }

    #[test]
    fn agreeing_runs_locate_the_trap() {
        let mut decisive = trace("wasmi", b"1", None);
        assert!(wanted(&decisive));
        let note = apply(&mut decisive, || {
            Ok::<_, String>(trace("wasmtime", b"1", Some(7)))
        });
        assert_eq!(note, Some(LensNote::Located));
        assert_eq!(callee_outcome(&decisive), &trapped(Some(7)));
    }

    #[test]
    fn a_lens_on_another_path_locates_nothing_and_says_why() {
        let mut decisive = trace("wasmi", b"1", None);
        let note = apply(&mut decisive, || {
            Ok::<_, String>(trace("wasmtime", b"2", Some(7)))
        });
        let Some(LensNote::Disagrees(why)) = note else {
            panic!("{note:?}")
        };
        assert_eq!(
            why,
            "frame 0: host call 0 (seal0.gas_left) answered otherwise"
        );
        assert_eq!(callee_outcome(&decisive), &trapped(None));

        let mut other = trace("wasmtime", b"1", Some(7));
        other.root.as_mut().unwrap().nested[0].outcome = Outcome::Failed {
            error: "Contracts::OutOfGas".into(),
        };
        assert_eq!(
            locate(&mut decisive, &other),
            LensNote::Disagrees(
                "frame 1: failed with Contracts::OutOfGas instead of trapped".into()
            )
        );
        let failed = apply(&mut decisive, || Err("no engine"));
        assert_eq!(failed, Some(LensNote::Failed("no engine".into())));
    }

    #[test]
    fn a_reconciled_profile_keeps_decisive_charges_and_adds_up_to_decisive_gas() {
        use pallet_europa_contracts::trace::{Gas, ProfileNode};
        let node = |parent, function, ref_time, lines: Vec<(u32, i64)>| ProfileNode {
            parent,
            function,
            host: None,
            ref_time,
            calls: 1,
            lines,
        };
        // The lens: 1 000 outside the code, a root, two functions (one by line) and a
        // host call that charged 300 (on the second function's node).
        let profile = GasProfile {
            nodes: vec![
                node(None, None, 100, vec![]),
                node(Some(0), Some(1), 600, vec![(10, 450), (20, 150)]),
                node(Some(0), Some(2), 300 + 300, vec![]),
            ],
            host_calls: vec![2],
            ..Default::default()
        };
        let mut lens = frame(&[("seal0.input", b"")], returned(), Vec::new());
        lens.host_calls[0].gas = 300;
        lens.gas_consumed = Gas {
            ref_time: 1_000 + 1_300,
            proof_size: 0,
        };
        // The decisive run charged 310 for the host call and spent 2 000 on execution.
        let mut decisive = lens.clone();
        decisive.host_calls[0].gas = 310;
        decisive.gas_consumed.ref_time = 1_000 + 310 + 2_000;
        let reconciled = reconciled(&decisive, &lens, &profile);
        let costs: Vec<i64> = reconciled.nodes.iter().map(|node| node.ref_time).collect();
        // 100 : 600 : 300 of execution, scaled to 2 000; the host call's 310 on top.
        assert_eq!(costs, [200, 1_200, 600 + 310]);
        assert_eq!(reconciled.nodes[1].lines, [(10, 900), (20, 300)]);
        let whole: i64 = costs.iter().sum::<i64>() + 1_000;
        assert_eq!(whole, decisive.gas_consumed.ref_time as i64);
    }

    #[test]
    fn only_wasmi_traps_want_the_lens() {
        assert!(!wanted(&trace("wasmtime", b"1", Some(7))));
        let mut fine = trace("wasmi", b"1", None);
        fine.root.as_mut().unwrap().nested[0].outcome = returned();
        assert!(!wanted(&fine));
        assert_eq!(
            apply(&mut fine, || -> Result<_, String> { unreachable!() }),
            None
        );
    }
}
