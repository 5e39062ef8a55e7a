//! The sandbox's findings (fuel profiles, captured state, trap backtraces) in the
//! trace's terms: gas instead of fuel, plain data instead of executor values.

use alloc::vec::Vec;

use crate::trace::{
    BacktraceFrame, Bytes, FrameSnapshot, GasProfile, HostCall, ProfileNode, Snapshot, Step,
};

/// A sandbox profile in `ref_time`, at `ref_time_per_fuel`, with what each of
/// `host_calls` (the frame's, in order) charged put on its node.
pub(crate) fn gas_profile(
    profile: europa_sandbox::Profile,
    ref_time_per_fuel: u64,
    host_calls: &[HostCall],
) -> GasProfile {
    let rate = i64::try_from(ref_time_per_fuel).unwrap_or(i64::MAX);
    let host_call_nodes = profile.host_calls;
    let steps = profile
        .steps
        .into_iter()
        .map(|step| Step {
            offset: step.offset,
            node: step.node,
            ref_time: step.fuel_spent.saturating_mul(ref_time_per_fuel),
        })
        .collect();
    let mut nodes: Vec<ProfileNode> = profile
        .nodes
        .into_iter()
        .map(|node| {
            let (function, host) = match node.site {
                europa_sandbox::Site::Root => (None, None),
                europa_sandbox::Site::Function(index) => (Some(index), None),
                europa_sandbox::Site::Host(name) => (None, Some(name)),
            };
            ProfileNode {
                parent: node.parent,
                function,
                host,
                ref_time: node.self_fuel.saturating_mul(rate),
                calls: node.calls,
                lines: node
                    .lines
                    .into_iter()
                    .map(|(offset, fuel)| (offset, fuel.saturating_mul(rate)))
                    .collect(),
            }
        })
        .collect();
    for (node, call) in host_call_nodes.iter().zip(host_calls) {
        if let Some(node) = nodes.get_mut(*node as usize) {
            let gas = i64::try_from(call.gas).unwrap_or(i64::MAX);
            node.ref_time = node.ref_time.saturating_add(gas);
        }
    }
    GasProfile {
        nodes,
        truncated: profile.truncated || host_call_nodes.len() > host_calls.len(),
        host_calls: host_call_nodes,
        steps,
        steps_dropped: profile.steps_dropped,
        host_call_steps: profile.host_call_steps,
        snapshot: profile.snapshot.map(snapshot),
    }
}

/// A captured state, its values as their bits (zero-extended).
fn snapshot(snapshot: europa_sandbox::Snapshot) -> Snapshot {
    let bits = |value: Option<europa_sandbox::Value>| {
        value.map(|value| match value {
            europa_sandbox::Value::I32(v) => u64::from(v as u32),
            europa_sandbox::Value::I64(v) => v as u64,
            europa_sandbox::Value::F32(v) => u64::from(v),
            europa_sandbox::Value::F64(v) => v,
        })
    };
    Snapshot {
        frames: snapshot
            .frames
            .into_iter()
            .map(|frame| FrameSnapshot {
                function: frame.function,
                offset: frame.offset,
                locals: frame.locals.into_iter().map(bits).collect(),
            })
            .collect(),
        globals: snapshot.globals.into_iter().map(bits).collect(),
        memory: Bytes(snapshot.memory),
    }
}

/// One frame of a trap's backtrace.
pub(crate) fn backtrace_frame(frame: &europa_sandbox::Frame) -> BacktraceFrame {
    BacktraceFrame {
        func_index: frame.func_index,
        func: frame.func_name.clone(),
        offset: frame.module_offset,
        file: frame.location.as_ref().map(|l| l.file.clone()),
        line: frame.location.as_ref().and_then(|l| l.line),
        column: frame.location.as_ref().and_then(|l| l.column),
        inlined: frame.inlined,
    }
}
