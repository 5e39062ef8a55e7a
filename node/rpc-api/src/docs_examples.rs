//! The reference's examples (docs/rpc.md) against the types: every `result:` written out
//! whole (not shortened with `…`) must read as its method's answer type and write back
//! as the same JSON, so a field the docs show and the types lack, or the other way
//! round, fails here.

use std::path::PathBuf;

use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use crate::{coverage, debug, explore, insight, line_record, params, trace};

/// Reads `json` as `T` and writes it back; `Err` says how they differ.
fn round_trip<T: DeserializeOwned + Serialize>(json: &Value) -> Result<(), String> {
    let typed: T = serde_json::from_value(json.clone()).map_err(|e| e.to_string())?;
    let written = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    match &written == json {
        true => Ok(()),
        false => Err(format!("written back as {written}")),
    }
}

/// The answer of `method`, checked against its type; `None` for a method this table
/// does not know (the test then fails: every documented method is here).
fn check(method: &str, json: &Value) -> Option<Result<(), String>> {
    Some(match method {
        "europa_traceCall" | "europa_profileCall" => round_trip::<trace::CallReport>(json),
        "europa_traceInstantiate" => round_trip::<trace::InstantiateReport>(json),
        "europa_traceBlock" => round_trip::<Vec<trace::BlockTrace>>(json),
        "europa_traceExtrinsic" | "europa_profileExtrinsic" => {
            round_trip::<trace::ExtrinsicReport>(json)
        }
        "europa_modifiedStateKvs" => round_trip::<Vec<trace::StorageChange>>(json),
        "europa_extrinsicStateChanges" => round_trip::<Vec<trace::StateOperation>>(json),
        "europa_lineRecord" => round_trip::<line_record::LineRecordAnswer>(json),
        "europa_debugLaunch" => round_trip::<debug::Launched>(json),
        "europa_debugSetBreakpoints" => round_trip::<Vec<debug::Breakpoint>>(json),
        "europa_debugSetFunctionBreakpoints" => round_trip::<Vec<bool>>(json),
        "europa_debugSetExceptionFilters" => round_trip::<Vec<debug::Exception>>(json),
        "europa_debugStep" | "europa_debugState" => round_trip::<debug::StepState>(json),
        "europa_debugVariables" => round_trip::<debug::FrameVariables>(json),
        "europa_debugEvaluate" => round_trip::<debug::Variable>(json),
        "europa_debugReadMemory" => round_trip::<debug::MemoryRead>(json),
        "europa_debugStorage" => round_trip::<Vec<debug::StorageAccess>>(json),
        "europa_debugClose" | "europa_revert" => round_trip::<bool>(json),
        "europa_coverage" => round_trip::<String>(json),
        "europa_coverageReport" => round_trip::<Vec<coverage::CoveredCode>>(json),
        "europa_resetCoverage" => round_trip::<u32>(json),
        "europa_registerContract" => round_trip::<insight::RegisteredContract>(json),
        "europa_registerDebugInfo" => round_trip::<insight::RegisteredDebugInfo>(json),
        "europa_registeredContracts" => round_trip::<Vec<insight::RegisteredContract>>(json),
        "europa_blockSummary" => round_trip::<explore::BlockSummary>(json),
        "europa_contracts" => round_trip::<Vec<explore::ContractSummary>>(json),
        "europa_encodeMessage" => round_trip::<params::Bytes>(json),
        "europa_forwardToHeight" | "europa_backwardToHeight" => {
            round_trip::<params::BlockNumber>(json)
        }
        "europa_snapshot" => round_trip::<u64>(json),
        "europa_increaseTime" => round_trip::<i64>(json),
        "europa_setNextBlockTimestamp" => round_trip::<()>(json),
        "europa_setBalance" | "europa_setStorage" | "europa_setContractCode" => {
            round_trip::<params::Hash>(json)
        }
        _ => return None,
    })
}

/// Each `result:` of each method's section, as written (lines up to the next
/// `params:`/`result:`/`error:` or the block's end).
fn examples(reference: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let (mut method, mut in_block, mut result) = (String::new(), false, None::<String>);
    for line in reference.lines() {
        if let Some(name) = line.strip_prefix("### `") {
            method = name.split('`').next().unwrap_or_default().to_owned();
        }
        let trimmed = line.trim_start();
        let ends = trimmed.starts_with("```")
            || trimmed.starts_with("params:")
            || trimmed.starts_with("result:")
            || trimmed.starts_with("error:");
        if in_block && ends {
            if let Some(text) = result.take() {
                found.push((method.clone(), text));
            }
        }
        if trimmed.starts_with("```") {
            in_block = !in_block && trimmed.starts_with("```json");
            continue;
        }
        match (in_block, trimmed.strip_prefix("result:"), &mut result) {
            (true, Some(start), _) => result = Some(start.to_owned()),
            (true, None, Some(text)) if !ends => text.push_str(line),
            _ => {}
        }
    }
    found
}

#[test]
fn the_references_whole_examples_are_the_types_answers() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/rpc.md");
    let reference = std::fs::read_to_string(path).expect("docs/rpc.md");
    let mut checked = 0;
    let mut failures = Vec::new();
    for (method, text) in examples(&reference) {
        if text.contains('…') {
            continue;
        }
        let json: Value = match serde_json::from_str(&text) {
            Ok(json) => json,
            Err(error) => {
                failures.push(format!("{method}: not JSON ({error}): {text}"));
                continue;
            }
        };
        match check(&method, &json) {
            Some(Ok(())) => checked += 1,
            Some(Err(why)) => failures.push(format!("{method}: {why}\n  docs: {json}")),
            None if method.starts_with("engine_") => {}
            None => failures.push(format!("{method}: no answer type in this test")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked >= 15,
        "only {checked} whole examples: the reader missed them"
    );
}
