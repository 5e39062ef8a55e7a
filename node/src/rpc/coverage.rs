//! `europa_coverage` and `europa_resetCoverage`: the coverage the node collects with
//! `--coverage`, as lcov text.

use std::sync::Arc;

use europa_runtime::Hash;
use jsonrpsee::{
    core::{async_trait, RpcResult},
    proc_macros::rpc,
    types::ErrorObjectOwned,
};

use serde::Serialize;

use crate::{
    coverage::{CodeReport, Coverage, CoverageFilter, FunctionReport},
    insight::{sources::SourceBudget, Insight},
};

/// Source text one coverage report carries at most.
const MAX_SOURCE_BYTES_PER_ANSWER: usize = 8 * 1024 * 1024;

/// One code's coverage, for a page.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CoveredCode {
    name: String,
    code_hash: String,
    lines_found: usize,
    lines_hit: usize,
    files: Vec<CoveredFile>,
}

/// One source file's coverage, with its text when it is on this machine.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CoveredFile {
    path: String,
    lines_found: usize,
    lines_hit: usize,
    /// `[line, hits]` for every line with code.
    lines: Vec<(u32, u64)>,
    functions: Vec<CoveredFunction>,
    source: Option<Vec<String>>,
}

#[derive(Clone, Serialize)]
pub struct CoveredFunction {
    name: String,
    line: u32,
    hits: u64,
}

impl CoveredCode {
    fn of(report: CodeReport, sources: &mut SourceBudget) -> Self {
        CoveredCode {
            name: report.name.clone(),
            code_hash: crate::hex::hex(&report.code_hash),
            lines_found: report.lines_found(),
            lines_hit: report.lines_hit(),
            files: report
                .files
                .into_iter()
                .map(|file| CoveredFile {
                    lines_found: file.lines.len(),
                    lines_hit: file.lines.values().filter(|hits| **hits > 0).count(),
                    source: sources.lines(&file.path),
                    lines: file.lines.into_iter().collect(),
                    functions: file
                        .functions
                        .into_iter()
                        .map(|FunctionReport { name, line, hits }| CoveredFunction {
                            name,
                            line,
                            hits,
                        })
                        .collect(),
                    path: file.path,
                })
                .collect(),
        }
    }
}

use super::{invalid_params, runtime_error};

#[rpc(server)]
pub trait CoverageApi {
    /// The coverage collected since the node started (or was last reset), as an lcov
    /// tracefile: a record per source file of each code executed, or of `codeHash`
    /// alone. `filter`: `own` (the contract's own sources; the default of
    /// `--coverage-filter`) or `all` (library code too).
    #[method(name = "europa_coverage")]
    async fn coverage(
        &self,
        code_hash: Option<Hash>,
        filter: Option<CoverageFilter>,
    ) -> RpcResult<String>;

    /// The same coverage for reading on a page: per code `{name, codeHash, linesFound,
    /// linesHit, files: [{path, linesFound, linesHit, lines: [[line, hits]],
    /// functions: [{name, line, hits}], source}]}`, `source` the file's lines when it is
    /// a Rust file on this machine (8 MiB of sources per answer at most), else `null`.
    #[method(name = "europa_coverageReport")]
    async fn coverage_report(
        &self,
        code_hash: Option<Hash>,
        filter: Option<CoverageFilter>,
    ) -> RpcResult<Vec<CoveredCode>>;

    /// Forgets the coverage collected so far. Returns how many codes had some.
    #[method(name = "europa_resetCoverage")]
    fn reset_coverage(&self) -> RpcResult<u32>;
}

pub struct CoverageRpc {
    coverage: Option<Arc<Coverage>>,
    insight: Arc<Insight>,
}

impl CoverageRpc {
    pub fn new(coverage: Option<Arc<Coverage>>, insight: Arc<Insight>) -> Self {
        CoverageRpc { coverage, insight }
    }

    fn collected(&self) -> Result<&Arc<Coverage>, ErrorObjectOwned> {
        self.coverage.as_ref().ok_or_else(|| {
            invalid_params("coverage is not collected: start the node with --coverage")
        })
    }
}

#[async_trait]
impl CoverageApiServer for CoverageRpc {
    async fn coverage(
        &self,
        code_hash: Option<Hash>,
        filter: Option<CoverageFilter>,
    ) -> RpcResult<String> {
        let coverage = self.collected()?.clone();
        let insight = self.insight.clone();
        let filter = filter.unwrap_or(coverage.filter);
        let only = code_hash.map(|hash| hash.0);
        // Reading DWARF is work for the blocking pool.
        tokio::task::spawn_blocking(move || coverage.lcov(&insight, only, filter))
            .await
            .map_err(runtime_error)
    }

    async fn coverage_report(
        &self,
        code_hash: Option<Hash>,
        filter: Option<CoverageFilter>,
    ) -> RpcResult<Vec<CoveredCode>> {
        let coverage = self.collected()?.clone();
        let insight = self.insight.clone();
        let filter = filter.unwrap_or(coverage.filter);
        let only = code_hash.map(|hash| hash.0);
        tokio::task::spawn_blocking(move || {
            let mut sources = SourceBudget::new(MAX_SOURCE_BYTES_PER_ANSWER);
            coverage
                .reports(&insight, only, filter)
                .into_iter()
                .map(|report| CoveredCode::of(report, &mut sources))
                .collect()
        })
        .await
        .map_err(runtime_error)
    }

    fn reset_coverage(&self) -> RpcResult<u32> {
        Ok(self.collected()?.reset() as u32)
    }
}
