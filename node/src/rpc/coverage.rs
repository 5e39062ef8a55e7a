//! `europa_coverage` and `europa_resetCoverage`: the coverage the node collects with
//! `--coverage`, as lcov text.

use std::sync::Arc;

use europa_rpc_api::coverage::{CoverageApiServer, CoveredCode, CoveredFile, CoveredFunction};
use europa_runtime::Hash;
use jsonrpsee::core::{async_trait, RpcResult};

use crate::{
    coverage::{CodeReport, Coverage, CoverageFilter, FunctionReport},
    insight::{sources::SourceBudget, Insight},
};

/// Source text one coverage report carries at most.
const MAX_SOURCE_BYTES_PER_ANSWER: usize = 8 * 1024 * 1024;

/// One code's coverage as the RPC answers it, with the text of its Rust sources on this
/// machine as far as `sources` allows.
fn covered_code(report: CodeReport, sources: &mut SourceBudget) -> CoveredCode {
    CoveredCode {
        name: report.name.clone(),
        code_hash: report.code_hash.into(),
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
                    .map(|FunctionReport { name, line, hits }| CoveredFunction { name, line, hits })
                    .collect(),
                path: file.path,
            })
            .collect(),
    }
}

use super::{invalid_params, runtime_error, RpcError};

pub struct CoverageRpc {
    coverage: Option<Arc<Coverage>>,
    insight: Arc<Insight>,
}

impl CoverageRpc {
    pub fn new(coverage: Option<Arc<Coverage>>, insight: Arc<Insight>) -> Self {
        CoverageRpc { coverage, insight }
    }

    fn collected(&self) -> Result<&Arc<Coverage>, RpcError> {
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
            .map_err(Into::into)
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
                .map(|report| covered_code(report, &mut sources))
                .collect()
        })
        .await
        .map_err(runtime_error)
        .map_err(Into::into)
    }

    fn reset_coverage(&self) -> RpcResult<u32> {
        Ok(self.collected()?.reset() as u32)
    }
}
