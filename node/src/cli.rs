//! Command-line interface: sc-cli's node flags plus Europa's own.

use std::path::PathBuf;

use sc_cli::RunCmd;

use crate::insight::TraceLog;

#[derive(Debug, clap::Parser)]
// sc-cli sets the name, version and about text (`SubstrateCli::description`).
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Cli {
    #[command(subcommand)]
    pub subcommand: Option<Subcommand>,

    // Europa's own flags first: `europa --help` shows them before the node's.
    #[command(flatten)]
    pub europa: EuropaParams,

    #[command(flatten)]
    pub run: RunCmd,
}

/// How Europa seals blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sealing {
    /// A block for every transaction entering the pool; no empty blocks.
    Instant,
    /// Blocks only on `engine_createBlock`.
    Manual,
}

#[derive(Debug, Clone, clap::Args)]
pub struct EuropaParams {
    /// Keep the chain in workspace NAME (see `europa workspace`).
    ///
    /// The chain lives in `<base path>/workspaces/NAME`, beside other workspaces.
    /// Without -w, -d or --tmp, the default workspace is used if one was chosen.
    #[arg(short = 'w', long, value_name = "NAME")]
    pub workspace: Option<String>,

    /// How blocks are produced.
    ///
    /// Either way `engine_createBlock` and `engine_finalizeBlock` are served over RPC.
    #[arg(long, value_enum, default_value_t = Sealing::Instant)]
    pub sealing: Sealing,

    /// Finalize each block this many seconds after it is sealed.
    ///
    /// Without it, a moment (100 ms) after, which lets clients watching a transaction
    /// see it in a block first.
    #[arg(long, value_name = "SECONDS")]
    pub finalize_delay_sec: Option<u64>,

    /// The executor contracts run on: wasmi (production's; the default) or wasmtime.
    ///
    /// wasmi (the default for a new chain): wasmi 0.32 as production pallet-contracts
    /// runs it, so results, gas and deposits are production's; trap lines and gas
    /// profiles come from re-running the execution on wasmtime. wasmtime: JIT, faster on
    /// compute-heavy contracts, but its gas is its own (ref_time from about 0.4 to 1.8
    /// times production's; every trace says so). Recorded with the chain when it is
    /// created and kept on restarts.
    #[arg(long, value_enum)]
    pub sandbox: Option<SandboxExecutor>,

    /// Which contract code is accepted: `permissive` (the default) or `strict`.
    ///
    /// `permissive` (the default for a new chain) takes what current Rust emits
    /// (bulk-memory, sign-extension, ...) and says so in the trace; `strict` rejects
    /// exactly what production pallet-contracts rejects. Recorded with the chain when it
    /// is created and kept on restarts.
    #[arg(long, value_enum)]
    pub wasm_profile: Option<WasmProfile>,

    /// ink! metadata to read traces with (`.contract`, `.json`, or a directory).
    ///
    /// `.contract` bundles or metadata `.json` files, or directories scanned for them
    /// (e.g. a project's `target/ink`). Matched to contracts by code hash; kept with the
    /// chain, as is what `europa_registerContract` adds. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub contracts: Vec<PathBuf>,

    /// DWARF builds of stripped deployed code, for Rust file:line backtraces.
    ///
    /// `.wasm` files, or `.contract` bundles carrying one, or directories scanned for
    /// them: traps in code whose Code section is identical get Rust file:line
    /// backtraces. Kept with the chain, as is what `europa_registerDebugInfo` adds.
    /// Repeatable.
    #[arg(long, value_name = "PATH")]
    pub debug_symbols: Vec<PathBuf>,

    /// What the log shows of each contract execution in a block.
    ///
    /// `calls` (frames with their decoded messages, events, outcomes, and the host calls
    /// of failed frames), `host-calls` (every host call too) or `off`.
    #[arg(long, value_enum, default_value_t = TraceLog::Calls)]
    pub trace: TraceLog,

    /// Log dry runs as well.
    ///
    /// `ContractsApi` calls, which clients make before every transaction.
    #[arg(long)]
    pub trace_dry_runs: bool,

    /// Collect code coverage (`europa_coverage` returns it as lcov).
    ///
    /// Every execution the chain runs (extrinsics and dry runs) also runs on wasmtime
    /// with its code marked, which changes nothing the chain decides; each contract's
    /// line total is logged when the node stops.
    #[arg(long)]
    pub coverage: bool,

    /// Which source files coverage reports: `own` (the contract's, not the toolchain's
    /// or a dependency's such as ink!) or `all`.
    #[arg(long, value_enum, default_value_t = crate::coverage::CoverageFilter::Own, value_name = "FILES")]
    pub coverage_filter: crate::coverage::CoverageFilter,

    /// Keep an lcov file of the coverage current while the node runs.
    ///
    /// Written aside and renamed, at most every second: it survives a node that is
    /// killed. Implies `--coverage`.
    #[arg(long, value_name = "PATH")]
    pub coverage_file: Option<PathBuf>,

    /// The port of the Explorer, the node's web page (`http://127.0.0.1:PORT/`).
    ///
    /// The page watches the chain and reads its contract executions. It moves to a free
    /// port when this one is taken; the log says where it is.
    #[arg(long, value_name = "PORT", default_value_t = 9955)]
    pub ui_port: u16,

    /// Serve the Explorer on every interface, not only on local ones.
    ///
    /// `--rpc-external` alone does not expose it; the page needs the RPC server to be
    /// reachable as well.
    #[arg(long, conflicts_with = "no_ui")]
    pub ui_external: bool,

    /// Do not serve the Explorer.
    #[arg(long)]
    pub no_ui: bool,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum SandboxExecutor {
    Wasmtime,
    Wasmi,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum WasmProfile {
    Permissive,
    Strict,
}

#[derive(Debug, clap::Subcommand)]
pub enum Subcommand {
    /// Write the chain specification (with its raw genesis) to stdout.
    BuildSpec(sc_cli::BuildSpecCmd),

    /// Remove the chain's database.
    PurgeChain(sc_cli::PurgeChainCmd),

    /// List, choose the default of, or delete workspaces.
    #[command(subcommand)]
    Workspace(WorkspaceCmd),

    /// Revert a stopped chain to block HEIGHT, discarding the blocks after it.
    ///
    /// What `europa_backwardToHeight` does to a running one.
    Revert(RevertCmd),

    /// Write a stopped chain's state at a block as a chain spec, to start new chains from.
    ///
    /// The whole state, contracts' storage included, goes to stdout as a raw chain spec
    /// whose genesis is that state: `europa --chain FILE --tmp` starts a new chain from
    /// it.
    ExportState(ExportStateCmd),

    /// Print every key block BLOCK of a stopped chain changed, as JSON.
    ///
    /// The block is re-executed (what `europa_modifiedStateKvs` answers): the keys of the
    /// top trie, or with --contract of that contract's storage, as
    /// `[{key, value | null}]`.
    StateKv(StateKvCmd),

    /// Serve the Debug Adapter Protocol on stdin/stdout, for an editor to launch.
    ///
    /// For VS Code, nvim-dap, Helix or Emacs: its launch configuration names a running
    /// node (`url`, default ws://127.0.0.1:9944) and the execution to step through
    /// (`call`, `instantiate` or `extrinsic`, as `europa_lineRecord` takes them, or
    /// `contract`: its next extrinsic or dry-run call).
    Debug,
}

#[derive(Debug, Clone, clap::Args)]
pub struct StateKvCmd {
    /// The block: a number (decimal or 0x-hex, as over RPC) or a hash.
    pub block: String,

    /// A contract's address (SS58 or hex): its storage's changes instead of the top trie's.
    #[arg(long, value_name = "ADDRESS")]
    pub contract: Option<String>,

    #[command(flatten)]
    pub chain: StoppedChain,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ExportStateCmd {
    /// The block: a number (decimal or 0x-hex, as over RPC) or a hash (default: the
    /// best block).
    #[arg(long, value_name = "BLOCK")]
    pub at: Option<String>,

    #[command(flatten)]
    pub chain: StoppedChain,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RevertCmd {
    /// The height to go back to (below the head).
    pub height: u32,

    #[command(flatten)]
    pub chain: StoppedChain,
}

#[derive(Debug, clap::Subcommand)]
pub enum WorkspaceCmd {
    /// Print the workspaces, marking the default with `*`.
    List(WorkspaceBase),
    /// Make NAME the default workspace (created if needed).
    Default {
        name: String,
        #[command(flatten)]
        base: WorkspaceBase,
    },
    /// Delete workspace NAME and its chain.
    Delete {
        name: String,
        #[command(flatten)]
        base: WorkspaceBase,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct WorkspaceBase {
    /// The base path the workspaces live under (default: the node's default base path).
    #[arg(short = 'd', long, value_name = "PATH")]
    pub base_path: Option<PathBuf>,
}

/// Which stopped chain a subcommand works on: a workspace, or sc-cli's base path, chain
/// and database flags.
#[derive(Debug, Clone, clap::Args)]
pub struct StoppedChain {
    /// The chain of workspace NAME (see `europa workspace`).
    #[arg(short = 'w', long, value_name = "NAME")]
    pub workspace: Option<String>,

    #[allow(missing_docs)]
    #[command(flatten)]
    pub shared_params: sc_cli::SharedParams,

    #[allow(missing_docs)]
    #[command(flatten)]
    pub pruning_params: sc_cli::PruningParams,

    #[allow(missing_docs)]
    #[command(flatten)]
    pub database_params: sc_cli::DatabaseParams,
}

impl sc_cli::CliConfiguration for StoppedChain {
    fn shared_params(&self) -> &sc_cli::SharedParams {
        &self.shared_params
    }

    fn pruning_params(&self) -> Option<&sc_cli::PruningParams> {
        Some(&self.pruning_params)
    }

    fn database_params(&self) -> Option<&sc_cli::DatabaseParams> {
        Some(&self.database_params)
    }
}
