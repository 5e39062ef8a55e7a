//! Gas profiles in the developer's terms: the frames' profiles (recorded by the sandbox
//! on wasmtime, in `ref_time`) joined into one call tree across contracts — contract
//! message, WASM functions by name, host functions, nested contract calls under the
//! host call that made them — and given as folded stacks (the input of flame-graph
//! tools), speedscope JSON, an SVG flame graph and the top functions by own cost.

use std::collections::{BTreeMap, HashMap};

use europa_rpc_api::trace::Cost;
use pallet_europa_contracts::trace::{FrameTrace, GasProfile};
use serde_json::{json, Value};
use wasmparser::{KnownCustom, Name, Parser, Payload};

use super::{notes::FrameNotes, Annotated, Insight};

/// How many functions the summary lists.
const TOP: usize = 10;
/// Gas a frame was charged outside its code and host calls (what its caller's host
/// call charged to start it is in that host call).
const BASE_COSTS: &str = "[frame base]";
/// The weight an execution is charged outside its outermost frame (its base weight
/// and the outermost code's loading).
const OUTSIDE_FRAMES: &str = "[execution base]";

/// A call's gas profile.
pub struct GasReport {
    /// The execution's `gasConsumed.ref_time`.
    pub total: u64,
    /// `stack;of;names ref_time` lines, one per call path (and source line, when
    /// profiled by line) with a positive own cost.
    pub folded: Vec<(Vec<String>, u64)>,
    /// Own cost by function (and host function, and base cost), over all call paths.
    functions: HashMap<String, u64>,
    /// Own cost by source line (`file:line`), over all call paths.
    lines: HashMap<String, u64>,
}

/// Where the source lines of code start, by code hash: offset → `file:line`.
pub type LineTables = HashMap<[u8; 32], BTreeMap<u32, String>>;

impl GasReport {
    /// Joins the frames' profiles of `annotated`, naming WASM functions from the code
    /// (`stored_code` reads it by hash) or its registered debug build.
    /// `total` is the execution's `gasConsumed` when known (a dry run's, which also
    /// counts the weight charged before the outermost frame).
    pub fn of(
        insight: &Insight,
        annotated: &Annotated,
        stored_code: &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
        total: Option<u64>,
        line_tables: &LineTables,
    ) -> Option<GasReport> {
        let root = annotated.trace.root.as_ref()?;
        root.profile.as_ref()?;
        let frames: Vec<&FrameTrace> = root.frames().collect();
        let mut builder = Builder {
            insight,
            stored_code,
            frames: &frames,
            notes: &annotated.frames,
            names: HashMap::new(),
            line_tables,
            report: GasReport {
                total: total.unwrap_or(root.gas_consumed.ref_time),
                folded: Vec::new(),
                functions: HashMap::new(),
                lines: HashMap::new(),
            },
        };
        builder.frame(root, &[]);
        let outside = builder.report.total as i64 - root.gas_consumed.ref_time as i64;
        builder.push(vec![OUTSIDE_FRAMES.to_owned()], outside, Count::AsFunction);
        let mut report = builder.report;
        report.folded = merged(report.folded);
        Some(report)
    }

    /// The folded stacks, as flame-graph tools read them.
    pub fn folded_text(&self) -> String {
        self.folded
            .iter()
            .map(|(stack, cost)| format!("{} {cost}\n", stack.join(";")))
            .collect()
    }

    /// What the profile accounts for: the sum of its own costs.
    pub fn accounted(&self) -> u64 {
        self.folded.iter().map(|(_, cost)| cost).sum()
    }

    /// Functions (and host functions, and base costs) by own cost, most first,
    /// summed over call paths.
    pub fn top(&self) -> Vec<(String, u64)> {
        most(&self.functions)
    }

    /// Source lines by own cost, most first (empty without DWARF).
    pub fn top_lines(&self) -> Vec<(String, u64)> {
        most(&self.lines)
    }

    /// The profile in speedscope's file format (a sampled profile weighted by gas).
    pub fn speedscope(&self, name: &str) -> Value {
        let mut frames: Vec<&str> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut samples = Vec::new();
        for (stack, _) in &self.folded {
            let sample: Vec<usize> = stack
                .iter()
                .map(|frame| {
                    *index.entry(frame.as_str()).or_insert_with(|| {
                        frames.push(frame.as_str());
                        frames.len() - 1
                    })
                })
                .collect();
            samples.push(sample);
        }
        let weights: Vec<u64> = self.folded.iter().map(|(_, cost)| *cost).collect();
        json!({
            "$schema": "https://www.speedscope.app/file-format-schema.json",
            "name": name,
            "exporter": "europa",
            "shared": { "frames": frames.iter().map(|f| json!({ "name": f })).collect::<Vec<_>>() },
            "profiles": [{
                "type": "sampled",
                "name": name,
                "unit": "none",
                "startValue": 0,
                "endValue": self.accounted(),
                "samples": samples,
                "weights": weights,
            }],
        })
    }

    /// An SVG flame graph, widths in `ref_time`.
    pub fn svg(&self, title: &str) -> Option<String> {
        let folded = self.folded_text();
        let mut options = inferno::flamegraph::Options::default();
        options.title = title.to_owned();
        options.count_name = "ref_time".to_owned();
        let mut svg = Vec::new();
        inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg).ok()?;
        String::from_utf8(svg).ok()
    }

    /// The report as the RPC answers it: totals, top functions, folded stacks,
    /// speedscope, SVG.
    pub fn report(&self, title: &str) -> europa_rpc_api::trace::GasReport {
        let listed = |list: Vec<(String, u64)>| {
            let entry = |(name, self_ref_time)| Cost {
                name,
                self_ref_time,
            };
            list.into_iter().map(entry).collect()
        };
        europa_rpc_api::trace::GasReport {
            ref_time: self.total,
            accounted_ref_time: self.accounted(),
            top: listed(self.top()),
            top_lines: listed(self.top_lines()),
            folded: self.folded_text(),
            speedscope: self.speedscope(title),
            svg: self.svg(title),
        }
    }

    /// The log's summary: the top functions and lines by own cost.
    pub fn summary(&self) -> String {
        let total = self.total.max(1) as f64;
        let row = |(name, cost): &(String, u64)| {
            format!(
                "  {:>5.1}%  {cost:>12}  {name}",
                *cost as f64 * 100.0 / total
            )
        };
        let mut text: Vec<String> = self.top().iter().map(row).collect();
        let lines = self.top_lines();
        if !lines.is_empty() {
            text.push("  by source line:".to_owned());
            text.extend(lines.iter().map(row));
        }
        text.join("\n")
    }
}

/// `folded` with the costs of equal stacks added up (several line starts can name one
/// source line), in the order each stack first came.
fn merged(folded: Vec<(Vec<String>, u64)>) -> Vec<(Vec<String>, u64)> {
    let mut at: HashMap<Vec<String>, usize> = HashMap::new();
    let mut merged: Vec<(Vec<String>, u64)> = Vec::with_capacity(folded.len());
    for (stack, cost) in folded {
        match at.get(&stack) {
            Some(&i) => merged[i].1 += cost,
            None => {
                at.insert(stack.clone(), merged.len());
                merged.push((stack, cost));
            }
        }
    }
    merged
}

/// The [`TOP`] entries of `costs`, most first.
fn most(costs: &HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut top: Vec<(String, u64)> = costs.iter().map(|(n, c)| (n.clone(), *c)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(TOP);
    top
}

/// Which of the report's top lists a drawn cost also counts in.
enum Count {
    /// Neither (a function's own cost is counted once, over its lines too).
    Not,
    AsFunction,
    AsLine,
}

struct Builder<'a> {
    insight: &'a Insight,
    stored_code: &'a dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
    frames: &'a [&'a FrameTrace],
    notes: &'a [FrameNotes],
    /// Function names of each code, by code hash.
    names: HashMap<Vec<u8>, HashMap<u32, String>>,
    line_tables: &'a LineTables,
    report: GasReport,
}

impl<'a> Builder<'a> {
    fn frame(&mut self, frame: &FrameTrace, prefix: &[String]) {
        let label = self.label(frame);
        let mut stack = prefix.to_vec();
        stack.push(label);
        let Some(profile) = &frame.profile else {
            self.push(stack, frame.gas_consumed.ref_time as i64, Count::Not);
            return;
        };
        let no_lines = BTreeMap::new();
        let tables: &'a LineTables = self.line_tables;
        let line_names = <[u8; 32]>::try_from(&frame.code_hash.0[..])
            .ok()
            .and_then(|hash| tables.get(&hash))
            .unwrap_or(&no_lines);
        let names = self.function_names(&frame.code_hash.0);
        let contract = stack
            .last()
            .and_then(|label| label.split("::").next())
            .unwrap_or_default();
        let paths = node_paths(profile, &names, contract);
        // A nested frame's gas is in the host call that ran it: taken out of that
        // node's own cost and shown as the frame, under it.
        let mut own: Vec<i64> = profile.nodes.iter().map(|n| n.ref_time).collect();
        let mut nested_under: Vec<(usize, &FrameTrace)> = Vec::new();
        for (k, call) in frame.host_calls.iter().enumerate() {
            let Some(nested) = call.nested_frame.and_then(|i| frame.nested.get(i as usize)) else {
                continue;
            };
            // The node the call ran from; a profile that ran out of room may not know
            // it, and then the frame stays inside its host call's cost, undrawn.
            if let Some(&node) = profile.host_calls.get(k) {
                own[node as usize] -= nested.gas_consumed.ref_time as i64;
                nested_under.push((node as usize, nested));
            }
        }
        let accounted: i64 = profile.nodes.iter().map(|n| n.ref_time).sum();
        self.push(
            [stack.clone(), vec![BASE_COSTS.to_owned()]].concat(),
            frame.gas_consumed.ref_time as i64 - accounted,
            Count::AsFunction,
        );
        for (i, (path, node)) in paths.iter().zip(&profile.nodes).enumerate() {
            let at = [stack.clone(), path.clone()].concat();
            // A frame's root is the frame itself, not a function.
            let function = (node.parent.is_some())
                .then(|| at.last().cloned())
                .flatten();
            if let Some(function) = &function {
                *self.report.functions.entry(function.clone()).or_default() += own[i].max(0) as u64;
            }
            let mut by_line = 0;
            for (offset, cost) in &node.lines {
                // Hooks also mark where control arrives: the line that contains it.
                let line = line_names
                    .range(..=offset)
                    .next_back()
                    .map_or_else(|| format!("@{offset:#x}"), |(_, line)| line.clone());
                self.push([at.clone(), vec![line]].concat(), *cost, Count::AsLine);
                by_line += cost;
            }
            self.push(at, own[i] - by_line, Count::Not);
        }
        for (i, nested) in nested_under {
            let under = [stack.clone(), paths[i].clone()].concat();
            self.frame(nested, &under);
        }
    }

    /// Draws `cost` at `stack`, counting it as `count` says under the stack's last
    /// name; what is not positive is neither drawn nor counted.
    fn push(&mut self, stack: Vec<String>, cost: i64, count: Count) {
        if cost <= 0 {
            return;
        }
        let costs = match count {
            Count::Not => None,
            Count::AsFunction => Some(&mut self.report.functions),
            Count::AsLine => Some(&mut self.report.lines),
        };
        if let (Some(costs), Some(name)) = (costs, stack.last()) {
            *costs.entry(name.clone()).or_default() += cost as u64;
        }
        self.report.folded.push((stack, cost as u64));
    }

    /// `erc20::transfer`, or the contract's short address and selector.
    fn label(&self, frame: &FrameTrace) -> String {
        let index = self.frames.iter().position(|f| std::ptr::eq(*f, frame));
        let notes = index.and_then(|i| self.notes.get(i));
        let contract = notes.and_then(|n| n.abi.as_ref()).map_or_else(
            || super::accounts::short(&frame.contract.0),
            |abi| abi.name.clone(),
        );
        let entry = notes.and_then(|n| n.call.as_ref()).map(|c| c.label.clone());
        let entry = entry.unwrap_or_else(|| {
            frame
                .selector
                .as_ref()
                .map_or_else(String::new, |s| s.to_string())
        });
        format!("{contract}::{entry}")
    }

    /// The names of the functions of code `hash`: from its debug build when one is
    /// registered, else from its own `name` section.
    fn function_names(&mut self, hash: &[u8]) -> HashMap<u32, String> {
        if let Some(names) = self.names.get(hash) {
            return names.clone();
        }
        let names = <[u8; 32]>::try_from(hash)
            .ok()
            .and_then(|hash| {
                let code = (self.stored_code)(&hash)?;
                let debug = self.insight.debug_build_of(hash, &code);
                Some(function_names(
                    debug.as_ref().map_or(&code[..], |d| d.wasm()),
                ))
            })
            .unwrap_or_default();
        self.names.insert(hash.to_vec(), names.clone());
        names
    }
}

/// The deepest call path a profile draws: deeper calls (a recursion) are drawn as one
/// `[deeper calls]` node under it, so that the paths stay linear in the profile's size.
const MAX_PATH_DEPTH: usize = 64;
/// Below the deepest path, what is drawn.
const DEEPER_CALLS: &str = "[deeper calls]";
/// The longest function name a profile shows, in bytes (names come from the contract).
const MAX_NAME_BYTES: usize = 512;

/// Each node's path of names from the frame's root (the root itself: empty); functions
/// without a name are named by `contract` and index. Paths stop at [`MAX_PATH_DEPTH`].
fn node_paths(
    profile: &GasProfile,
    names: &HashMap<u32, String>,
    contract: &str,
) -> Vec<Vec<String>> {
    let mut paths: Vec<Vec<String>> = Vec::with_capacity(profile.nodes.len());
    for node in &profile.nodes {
        // Parents come before their children.
        let mut path = node
            .parent
            .and_then(|p| paths.get(p as usize).cloned())
            .unwrap_or_default();
        if path.len() >= MAX_PATH_DEPTH {
            if path.len() == MAX_PATH_DEPTH {
                path.push(DEEPER_CALLS.to_owned());
            }
        } else if let Some(host) = &node.host {
            path.push(host.clone());
        } else if let Some(function) = node.function {
            path.push(
                names
                    .get(&function)
                    .cloned()
                    .unwrap_or_else(|| format!("{contract}::func[{function}]")),
            );
        }
        paths.push(path);
    }
    paths
}

/// Function names from a module's `name` section, demangled.
pub fn function_names(wasm: &[u8]) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(Payload::CustomSection(section)) = payload else {
            continue;
        };
        let KnownCustom::Name(reader) = section.as_known() else {
            continue;
        };
        for subsection in reader {
            let Ok(Name::Function(map)) = subsection else {
                continue;
            };
            for naming in map.into_iter().flatten() {
                let mut end = naming.name.len().min(MAX_NAME_BYTES);
                while !naming.name.is_char_boundary(end) {
                    end -= 1;
                }
                names.insert(
                    naming.index,
                    format!("{:#}", rustc_demangle::demangle(&naming.name[..end])),
                );
            }
        }
    }
    names
}
