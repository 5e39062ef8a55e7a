//! `europa_coverage` and `europa_resetCoverage`: the coverage the node collects with
//! `--coverage`, as lcov text.

use std::sync::Arc;

use europa_runtime::Hash;
use jsonrpsee::{
    core::{async_trait, RpcResult},
    proc_macros::rpc,
    types::ErrorObjectOwned,
};

use crate::{
    coverage::{Coverage, CoverageFilter},
    insight::Insight,
};

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

    fn reset_coverage(&self) -> RpcResult<u32> {
        Ok(self.collected()?.reset() as u32)
    }
}
