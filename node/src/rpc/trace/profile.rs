//! Gas profiles for the trace RPCs: the line starts to profile code by (from its DWARF),
//! and the profile of an annotated trace as the RPC answers it, summarized in the log.

use europa_runtime::Hash;
use pallet_europa_contracts::trace::ExecutionTrace;

use crate::{
    insight::{Annotated, GasReport, Insight, LineTables},
    lens::{LensNote, LENS_EXECUTOR},
    rpc::{invalid_params, RpcError},
};

/// Where the source lines start in the code `traces` ran, where its DWARF (or debug
/// build) says: by code hash for naming lines, and as the runtime takes them.
pub fn line_tables(
    insight: &Insight,
    traces: &[ExecutionTrace],
    stored_code: &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
) -> (LineTables, Vec<(Hash, Vec<u32>)>) {
    let hashes: std::collections::BTreeSet<[u8; 32]> = traces
        .iter()
        .flat_map(|trace| trace.root.iter().flat_map(|root| root.frames()))
        .filter_map(|frame| <[u8; 32]>::try_from(&frame.code_hash.0[..]).ok())
        .collect();
    let mut tables = LineTables::new();
    let mut starts = Vec::new();
    for hash in hashes {
        let Some(code) = stored_code(&hash) else {
            continue;
        };
        let lines = insight.line_starts(hash, &code);
        if lines.is_empty() {
            continue;
        }
        starts.push((
            Hash::from(hash),
            lines.iter().map(|(offset, _)| *offset).collect(),
        ));
        tables.insert(hash, lines.into_iter().collect());
    }
    (tables, starts)
}

/// The gas profile of `annotated` as JSON, summarized in the log; an error when the
/// trace has none, saying why (no code ran, or the lens that profiles a wasmi execution
/// could not).
pub fn gas_report(
    insight: &Insight,
    annotated: &Annotated,
    stored_code: &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
    total: Option<u64>,
    line_tables: &LineTables,
    title: &str,
    lens: Option<&LensNote>,
) -> Result<europa_rpc_api::trace::GasReport, RpcError> {
    let report = GasReport::of(insight, annotated, stored_code, total, line_tables);
    let trace = &annotated.trace;
    // What the execution's failure was, for a profile the lens could not make: often it
    // ran out of gas, which the lens, with more, did not.
    let failure = annotated
        .explanation
        .as_ref()
        .map_or_else(String::new, |explanation| {
            format!("; the execution: {explanation}")
        });
    let report = report.ok_or_else(|| {
        invalid_params(match lens {
            Some(LensNote::Disagrees(why)) => format!(
                "no gas profile: its re-run on {LENS_EXECUTOR}, which profiles a wasmi \
                 execution, took another path ({why}){failure}"
            ),
            Some(LensNote::Failed(why)) => format!(
                "no gas profile: its re-run on {LENS_EXECUTOR}, which profiles a wasmi \
                 execution, failed ({why}){failure}"
            ),
            _ => format!(
                "no gas profile: no contract code ran{}",
                trace
                    .error
                    .as_ref()
                    .map_or_else(String::new, |error| format!(" ({error})"))
            ),
        })
    })?;
    log::info!(
        target: "europa::trace",
        "gas profile of {title}: {} of {} ref_time by own cost\n{}",
        report.accounted(),
        report.total,
        report.summary()
    );
    Ok(report.report(title))
}
