//! `europa_coverage*`: the coverage the node collects with `--coverage`.

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::params::{Hash, HashSchema};

/// Which source files a report includes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum CoverageFilter {
    /// The contract's own sources: not the Rust toolchain's (`core`, `alloc`) nor
    /// crates from a registry or git (ink!, scale, …).
    #[default]
    Own,
    /// Every file DWARF names.
    All,
}

/// One code's coverage, for a page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoveredCode {
    /// The contract's name from its metadata, else its code hash.
    pub name: String,
    /// The code's hash.
    #[schemars(with = "HashSchema")]
    pub code_hash: Hash,
    /// Lines with code.
    pub lines_found: usize,
    /// Lines with code that ran.
    pub lines_hit: usize,
    /// By source file.
    pub files: Vec<CoveredFile>,
}

/// One source file's coverage, with its text when it is on the node's machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoveredFile {
    /// The path DWARF gives.
    pub path: String,
    /// Lines with code.
    pub lines_found: usize,
    /// Lines with code that ran.
    pub lines_hit: usize,
    /// `[line, hits]` for every line with code.
    pub lines: Vec<(u32, u64)>,
    /// The file's functions.
    pub functions: Vec<CoveredFunction>,
    /// The file's lines, when it is a Rust file on the node's machine (8 MiB of sources
    /// per answer at most).
    pub source: Option<Vec<String>>,
}

/// One function's coverage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CoveredFunction {
    /// Demangled.
    pub name: String,
    /// The line it starts on.
    pub line: u32,
    /// How many times it was entered.
    pub hits: u64,
}

/// Coverage.
#[cfg_attr(not(feature = "client"), rpc(server, namespace = "europa"))]
#[cfg_attr(feature = "client", rpc(server, client, namespace = "europa"))]
pub trait CoverageApi {
    /// The coverage collected since the node started (or was last reset), as an lcov
    /// tracefile: a record per source file of each code executed, or of `codeHash`
    /// alone.
    #[method(name = "coverage")]
    async fn coverage(
        &self,
        code_hash: Option<Hash>,
        filter: Option<CoverageFilter>,
    ) -> RpcResult<String>;

    /// The same coverage for reading on a page.
    #[method(name = "coverageReport")]
    async fn coverage_report(
        &self,
        code_hash: Option<Hash>,
        filter: Option<CoverageFilter>,
    ) -> RpcResult<Vec<CoveredCode>>;

    /// Forgets the coverage collected so far. Returns how many codes had some.
    #[method(name = "resetCoverage")]
    fn reset_coverage(&self) -> RpcResult<u32>;
}
