//! Parses the command line and runs the node or a subcommand.

use sc_cli::SubstrateCli;

use crate::{
    chain_settings::ChainSettings,
    chain_spec,
    cli::{Cli, Subcommand, WorkspaceCmd},
    service,
    workspace::Workspaces,
};

impl SubstrateCli for Cli {
    fn impl_name() -> String {
        "Europa".into()
    }

    fn impl_version() -> String {
        env!("CARGO_PKG_VERSION").into()
    }

    fn description() -> String {
        "europa: a sandbox development chain for pallet-contracts / ink! contracts.\n\n\
         It seals a block whenever a transaction arrives. Without --chain it runs the dev \
         chain (Alice..Ferdie and their stash accounts funded, Alice sudo); `europa --tmp` \
         starts one in a throwaway directory."
            .into()
    }

    fn author() -> String {
        "Europa developers".into()
    }

    fn support_url() -> String {
        "https://github.com/europa-dev/europa/issues".into()
    }

    fn copyright_start_year() -> i32 {
        2026
    }

    fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
        Ok(match id {
            // The dev chain is the default.
            "" | "dev" => Box::new(chain_spec::development()?),
            path => Box::new(chain_spec::ChainSpec::from_json_file(path.into())?),
        })
    }
}

/// The state (trie) cache europa uses unless `--trie-cache-size` says otherwise.
///
/// sc-cli's default, 1 GiB, suits a validator with a production-sized state; a dev chain's
/// state is small and served fast from ParityDB's memory-mapped tables, while the cache only
/// fills up as blocks go by. Measured with `scripts/bench-node.sh` (10 000 blocks): anonymous
/// memory 86–110 MiB and flat without the cache, 316 MiB and still growing with sc-cli's
/// default; sealing latency unchanged, contract calls per second about a quarter lower
/// (still over 1 000/s).
const TRIE_CACHE_BYTES: &str = "0";

/// The largest RPC response europa sends unless `--rpc-max-response-size` says otherwise,
/// in MiB. sc-cli's 15 MiB is too little for a bounded trace of a hostile contract (2 MiB
/// of debug text in the result and again in the trace, JSON-escaped up to six bytes a
/// byte, plus 10 000 host calls and 4 MiB of values as hex: about 35 MiB at worst).
const RPC_MAX_RESPONSE_MIB: &str = "64";

/// sc-cli flags that mean nothing on a Europa chain (a validator's, GRANDPA, peers and
/// discovery, telemetry, offchain workers, keystores, executors for runtime WASM): still
/// accepted, left out of `--help`.
const HIDDEN_FLAGS: &[&str] = &[
    "validator",
    "no-grandpa",
    "no-telemetry",
    "telemetry-url",
    "max-runtime-instances",
    "runtime-cache-size",
    "offchain-worker",
    "enable-offchain-indexing",
    "wasm-execution",
    "wasmtime-instantiation-strategy",
    "wasm-runtime-overrides",
    "execution-syncing",
    "execution-import-block",
    "execution-block-construction",
    "execution-offchain-worker",
    "execution-other",
    "execution",
    "bootnodes",
    "reserved-nodes",
    "reserved-only",
    "public-addr",
    "force-enable-webrtc",
    "no-private-ip",
    "allow-private-ip",
    "out-peers",
    "in-peers",
    "in-peers-light",
    "no-mdns",
    "max-parallel-downloads",
    "node-key",
    "node-key-type",
    "node-key-file",
    "unsafe-force-node-key-generation",
    "discover-local",
    "kademlia-disjoint-query-paths",
    "kademlia-replication-factor",
    "ipfs-server",
    "ipfs-bootnodes",
    "sync",
    "max-blocks-per-request",
    "network-backend",
    "keystore-path",
    "password-interactive",
    "password",
    "password-filename",
    "alice",
    "bob",
    "charlie",
    "dave",
    "eve",
    "ferdie",
    "one",
    "two",
    "force-authoring",
    "pool-type",
    "pool-best-blocks-only",
    "tracing-targets",
    "tracing-receiver",
    "enable-log-reloading",
    "experimental-rpc-endpoint",
    "warm-up-trie-cache",
];

/// Flags few people need: left out of `--help`, shown by `--help-all`.
const RARE_FLAGS: &[&str] = &[
    "name",
    "unsafe-rpc-external",
    "rpc-rate-limit",
    "rpc-rate-limit-whitelisted-ips",
    "rpc-rate-limit-trust-proxy-headers",
    "rpc-max-response-size",
    "rpc-max-subscriptions-per-connection",
    "rpc-max-connections",
    "rpc-message-buffer-capacity-per-connection",
    "rpc-disable-batch-requests",
    "rpc-max-batch-request-len",
    "prometheus-port",
    "prometheus-external",
    "no-prometheus",
    "detailed-log-output",
    "disable-log-color",
    "blocks-pruning",
    "database",
    "db-cache",
    "trie-cache-size",
    "listen-addr",
    "pool-limit",
    "pool-kbytes",
    "tx-ban-seconds",
    "coverage-filter",
];

/// Which flags `--help` shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Help {
    /// Those most people use.
    Usual,
    /// Every one europa takes (`--help-all`), but those that mean nothing on a Europa
    /// chain.
    All,
}

const EXAMPLES: &str = "\
Examples:
  europa --tmp                                  a throwaway dev chain on ws://127.0.0.1:9944
  europa -w audit                               a chain kept in workspace `audit`
  europa --tmp --wasm-profile strict            accept exactly the code production accepts
                                                (gas and results are production's anyway)
  europa --tmp --sandbox wasmtime               JIT speed for compute-heavy contracts, at
                                                the price of gas that is not production's
  curl -s -H 'Content-Type: application/json' -d '{\"id\":1,\"jsonrpc\":\"2.0\",
    \"method\":\"europa_traceCall\",\"params\":[{\"origin\":\"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY\",
    \"dest\":\"<contract>\",\"inputData\":\"0x<selector and arguments>\"}]}' http://127.0.0.1:9944
                                                trace a dry-run call (docs/rpc.md lists every method)
  europa revert 10 -w audit                     rewind a stopped chain to block 10";

/// The command line europa parses: sc-cli's, with europa's own defaults and help.
fn command(help: Help) -> clap::Command {
    use clap::Args;
    let europa_flags: Vec<_> = crate::cli::EuropaParams::augment_args(clap::Command::new("europa"))
        .get_arguments()
        .map(|arg| arg.get_id().clone())
        .collect();
    Cli::setup_command(<Cli as clap::CommandFactory>::command())
        .after_help(EXAMPLES)
        // `--help` is the summary `-h` gives (a line a flag, the usual ones); the whole
        // text of every flag waits for `--help-all`.
        .disable_help_flag(true)
        .arg(
            clap::Arg::new("help")
                .short('h')
                .long("help")
                .action(clap::ArgAction::HelpShort)
                .help("Print help (--help-all: every flag, in full)"),
        )
        .arg(
            clap::Arg::new(HELP_ALL)
                .long(HELP_ALL)
                .action(clap::ArgAction::SetTrue)
                .help("Print help with every flag, the rarely used ones too, in full"),
        )
        .mut_args(move |arg| {
            let long = arg.get_long().unwrap_or_default();
            let rare = help == Help::Usual && RARE_FLAGS.contains(&long);
            if HIDDEN_FLAGS.contains(&long) || rare {
                arg.hide(true)
            } else if europa_flags.contains(arg.get_id()) {
                arg.help_heading("Europa")
            } else if !matches!(long, "help" | "version" | HELP_ALL) {
                // sc-cli's one-line help, not its long text: that is written for other
                // chains (peers, `--dev` defaults) and hides what Europa says of a flag.
                arg.help_heading("Node").long_help(None::<&str>)
            } else {
                arg
            }
        })
        .mut_arg("trie_cache_size", |arg| arg.default_value(TRIE_CACHE_BYTES))
        .mut_arg("rpc_max_response_size", |arg| {
            arg.default_value(RPC_MAX_RESPONSE_MIB)
        })
        // What these mean on a Europa chain, which has no peers (see `service::isolate`).
        .mut_arg("port", |arg| {
            arg.help("Open a p2p listener on this TCP port; without it (or --listen-addr) europa opens none. A Europa chain never accepts or dials peers either way")
        })
        .mut_arg("rpc_cors", |arg| {
            arg.help("Web pages (origins) allowed to use the RPC server, HTTP and WebSocket alike: a comma-separated list, `*` for any port (`http://localhost:*`), or `all` (any page may then drive the chain: unsafe). Default, on every chain: pages on this machine (localhost, 127.0.0.1, [::1]), the Explorer and https://polkadot.js.org. Clients that are not browsers send no origin and are always served")
        })
        .mut_arg("prometheus_port", |arg| {
            arg.help("Serve Prometheus metrics on this TCP port; without it (or --prometheus-external) europa serves none")
        })
}

/// The flag that prints every flag's help.
const HELP_ALL: &str = "help-all";

/// Parses a command line as `SubstrateCli::from_iter` does, with europa's own defaults;
/// `--help-all` prints the whole help and exits.
fn parse_args<I>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator,
    I::Item: Into<std::ffi::OsString> + Clone,
{
    let matches = command(Help::Usual).try_get_matches_from(args)?;
    if matches.get_flag(HELP_ALL) {
        let _ = command(Help::All).print_long_help();
        std::process::exit(0);
    }
    <Cli as clap::FromArgMatches>::from_arg_matches(&matches)
}

pub fn run() -> sc_cli::Result<()> {
    let cli = parse_args(std::env::args_os()).unwrap_or_else(|error| error.exit());
    match &cli.subcommand {
        Some(Subcommand::BuildSpec(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
        }
        Some(Subcommand::PurgeChain(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.database))
        }
        Some(Subcommand::Workspace(cmd)) => workspace_command(cmd).map_err(sc_cli::Error::Input),
        Some(Subcommand::Debug) => crate::dap::serve().map_err(sc_cli::Error::Io),
        Some(Subcommand::Revert(cmd)) => {
            let runner = cli.create_runner(&cmd.chain.in_workspace()?)?;
            runner.sync_run(|config| revert_stopped_chain(&config, cmd.height))
        }
        Some(Subcommand::StateKv(cmd)) => {
            let runner = cli.create_runner(&cmd.chain.in_workspace()?)?;
            runner.sync_run(|config| print_state_changes(&config, cmd))
        }
        Some(Subcommand::ExportState(cmd)) => {
            let runner = cli.create_runner(&cmd.chain.in_workspace()?)?;
            runner.sync_run(|config| export_state(config, cmd.at.as_deref()))
        }
        None => {
            let mut cli = cli;
            choose_workspace(&mut cli).map_err(sc_cli::Error::Input)?;
            quiet_networking(&mut cli.run.shared_params.log);
            let runner = cli.create_runner(&cli.run)?;
            runner.run_node_until_exit(|config| async move {
                start_node(&cli, config).map(|started| started.task_manager)
            })
        }
    }
}

/// Reads a node's command line (without the program's name), as `europa` does; for
/// [`crate::spawn`], which has no subcommands, help or workspaces to choose.
pub(crate) fn node_command_line(args: Vec<std::ffi::OsString>) -> Result<Cli, String> {
    let refused = ["--help", "-h", "--help-all", "--version", "-V"];
    if let Some(arg) = args.iter().find(|arg| refused.iter().any(|r| *arg == *r)) {
        return Err(format!("{} is for the command line", arg.to_string_lossy()));
    }
    let mut cli = parse_args(std::iter::once("europa".into()).chain(args))
        .map_err(|error| error.to_string())?;
    if cli.subcommand.is_some() {
        return Err("a node runs no subcommand".into());
    }
    choose_workspace(&mut cli)?;
    Ok(cli)
}

/// Starts the node `cli` describes with `config` (made from it), its tasks on
/// `config`'s runtime.
pub(crate) fn start_node(
    cli: &Cli,
    mut config: sc_service::Configuration,
) -> sc_cli::Result<service::Started> {
    let params = cli.europa.clone();
    let network = &cli.run.network_params;
    let metrics = &cli.run.prometheus_params;
    let exposure = service::Exposure {
        p2p_listener: network.port.is_some() || !network.listen_addr.is_empty(),
        metrics: metrics.prometheus_port.is_some() || metrics.prometheus_external,
    };
    keep_every_state_of_a_new_chain(&mut config);
    // sc-cli lets any web page in on `--dev`; Europa never does unless told.
    if cli.run.rpc_params.rpc_cors.is_none() {
        let origins: Vec<String> = crate::rpc_server::origin::DEFAULT_ORIGINS
            .iter()
            .map(|origin| origin.to_string())
            .collect();
        // sc-cli copied its choice into each endpoint it made too.
        for endpoint in config.rpc.addr.iter_mut().flatten() {
            endpoint.cors = Some(origins.clone());
        }
        config.rpc.cors = Some(origins);
    }
    let chain_dir = config.base_path.config_dir(config.chain_spec.id());
    let settings = ChainSettings::resolve(&chain_dir, &params).map_err(sc_cli::Error::Input)?;
    log::info!(target: "europa", "{}", settings.summary());
    service::new_full(config, params, settings, exposure, cli.run.tmp)
        .map_err(sc_cli::Error::Service)
}

/// A new chain keeps the state of every block (unless `--state-pruning` says otherwise):
/// any block can be traced (its parent's state re-executes it) and the chain can be
/// reverted to any height, which pruned state would prevent. A chain created before
/// keeps the pruning it was created with (the database records it).
fn keep_every_state_of_a_new_chain(config: &mut sc_service::Configuration) {
    let exists = config.database.path().is_some_and(|path| path.exists());
    if config.state_pruning.is_none() && !exists {
        config.state_pruning = Some(sc_service::PruningMode::ArchiveAll);
    }
}

impl crate::cli::StoppedChain {
    /// These flags with the base path pointed at the workspace, when one is named.
    fn in_workspace(&self) -> sc_cli::Result<Self> {
        let mut chain = self.clone();
        if let Some(name) = &self.workspace {
            let workspaces = Workspaces::under(chain.shared_params.base_path.as_deref());
            chain.shared_params.base_path =
                Some(workspaces.path(name).map_err(sc_cli::Error::Input)?);
        }
        Ok(chain)
    }
}

use crate::service::{FullBackend, FullClient};

/// The client and backend of a stopped chain, for subcommands that read or rewrite it.
/// Blocks it re-executes run as they ran (with the chain's settings), traces logged.
fn open_chain(
    config: &sc_service::Configuration,
) -> sc_cli::Result<(std::sync::Arc<FullClient>, std::sync::Arc<FullBackend>)> {
    let chain_dir = config.base_path.config_dir(config.chain_spec.id());
    let host = ChainSettings::of_existing(&chain_dir)
        .and_then(|settings| settings.host(None))
        .map_err(sc_cli::Error::Input)?;
    let (client, backend, _, _) = sc_service::new_full_parts::<
        europa_runtime::opaque::Block,
        europa_runtime::apis::RuntimeApi,
        _,
    >(
        config,
        None,
        crate::executor::NativeExecutor::new(host),
        vec![],
    )?;
    Ok((std::sync::Arc::new(client), backend))
}

/// The hash of the block `text` names on a stopped chain: a number (decimal or 0x-hex)
/// or a hash, read as the RPC reads blocks.
fn block_hash(client: &FullClient, text: &str) -> sc_cli::Result<europa_runtime::Hash> {
    use europa_rpc_api::params::BlockRef;
    use sp_blockchain::HeaderBackend;
    let block: BlockRef = text.parse().map_err(sc_cli::Error::Input)?;
    let hash = match block {
        BlockRef::Hash(hash) => client.header(hash)?.map(|_| hash),
        BlockRef::Number(number) => client.hash(number)?,
    };
    hash.ok_or_else(|| sc_cli::Error::Input(format!("there is no block {block}")))
}

/// `europa state-kv`: the keys a block changed, as JSON on stdout.
fn print_state_changes(
    config: &sc_service::Configuration,
    cmd: &crate::cli::StateKvCmd,
) -> sc_cli::Result<()> {
    use sc_client_api::BlockBackend;
    let (client, backend) = open_chain(config)?;
    let hash = block_hash(&client, &cmd.block)?;
    let contract = cmd
        .contract
        .as_ref()
        .map(|text| {
            text.parse::<europa_rpc_api::params::Account>()
                .map(|account| account.0)
                .map_err(|e| sc_cli::Error::Input(format!("--contract: {e}")))
        })
        .transpose()?;
    let block = client
        .block(hash)?
        .ok_or_else(|| sc_cli::Error::Input(format!("there is no block {hash:?}")))?
        .block;
    let changes = crate::history::changed_keys(&*client, &backend, block, contract.as_ref())
        .map_err(|e| sc_cli::Error::Input(e.to_string()))?;
    let json = serde_json::to_string_pretty(&crate::history::storage_changes(&changes))
        .map_err(|e| sc_cli::Error::Input(e.to_string()))?;
    println!("{json}");
    Ok(())
}

/// `europa export-state`: the state at block `at` (a number or hash; default the best)
/// as a raw chain spec on stdout.
fn export_state(config: sc_service::Configuration, at: Option<&str>) -> sc_cli::Result<()> {
    use sp_blockchain::HeaderBackend;
    use std::io::Write;
    let (client, _) = open_chain(&config)?;
    let hash = match at {
        None => client.info().best_hash,
        Some(text) => block_hash(&client, text)?,
    };
    let mut state = sc_service::chain_ops::export_raw_state(client, hash)?;
    as_genesis(&mut state.top);
    let mut spec = config.chain_spec;
    spec.set_storage(state);
    let json = sc_service::chain_ops::build_spec(&*spec, true)?;
    std::io::stdout()
        .write_all(json.as_bytes())
        .map_err(|e| sc_cli::Error::Input(format!("cannot write the state: {e}")))
}

/// Makes a chain's state the genesis of a new chain: block numbering starts again and
/// the old chain's block hashes go, as `frame_system` leaves them at genesis. A
/// transaction commits to the genesis hash it reads from `System.BlockHash(0)`, which
/// block 1 sets to the new chain's; the old one's there would make every signature bad.
fn as_genesis(top: &mut std::collections::BTreeMap<Vec<u8>, Vec<u8>>) {
    use codec::Encode;
    use frame_support::storage::{storage_prefix, StoragePrefixedMap};
    type System = europa_runtime::Runtime;
    // What `frame_system`'s genesis build puts where a parent hash belongs.
    let placeholder = europa_runtime::Hash::repeat_byte(69).encode();
    let block_hashes = frame_system::BlockHash::<System>::final_prefix();
    top.retain(|key, _| !key.starts_with(&block_hashes));
    top.insert(
        frame_system::BlockHash::<System>::hashed_key_for(0),
        placeholder.clone(),
    );
    top.insert(storage_prefix(b"System", b"Number").to_vec(), 0u32.encode());
    top.insert(
        storage_prefix(b"System", b"ParentHash").to_vec(),
        placeholder,
    );
}

/// `europa revert HEIGHT`: the database reverted to HEIGHT (finalized blocks included).
fn revert_stopped_chain(config: &sc_service::Configuration, height: u32) -> sc_cli::Result<()> {
    let (_, backend) = open_chain(config)?;
    let discarded = crate::history::revert_to(&*backend, height).map_err(sc_cli::Error::Input)?;
    println!("Reverted to #{height}, discarding {discarded} blocks");
    Ok(())
}

/// Log targets whose start-up lines are networking a private dev chain has no use for
/// (protocol id, gap sync, litep2p's identity and listen addresses, the pool's
/// limits), and the level they are logged at unless `-l` names them.
const QUIET_TARGETS: &[(&str, &str)] = &[
    ("sc_service::config", "error"),
    ("sync", "warn"),
    ("sub-libp2p", "warn"),
    ("litep2p", "error"),
    ("txpool", "warn"),
];

/// Adds the [`QUIET_TARGETS`] the `-l` directives in `log` do not mention.
fn quiet_networking(log: &mut Vec<String>) {
    let named = |target: &str| {
        log.iter()
            .flat_map(|directives| directives.split(','))
            .any(|directive| directive.split('=').next() == Some(target))
    };
    let quiet: Vec<String> = QUIET_TARGETS
        .iter()
        .filter(|(target, _)| !named(target))
        .map(|(target, level)| format!("{target}={level}"))
        .collect();
    log.extend(quiet);
}

/// Points the node's base path at the chosen (or default) workspace.
fn choose_workspace(cli: &mut Cli) -> Result<(), String> {
    let shared = &mut cli.run.shared_params;
    let workspaces = Workspaces::under(shared.base_path.as_deref());
    let name = match &cli.europa.workspace {
        Some(_) if cli.run.tmp => return Err("--workspace and --tmp exclude each other".into()),
        Some(name) => name.clone(),
        None if cli.run.tmp || shared.base_path.is_some() => return Ok(()),
        None => match workspaces.default()? {
            Some(name) => name,
            None => return Ok(()),
        },
    };
    shared.base_path = Some(workspaces.path(&name)?);
    Ok(())
}

fn workspace_command(cmd: &WorkspaceCmd) -> Result<(), String> {
    match cmd {
        WorkspaceCmd::List(base) => {
            let workspaces = Workspaces::under(base.base_path.as_deref());
            let default = workspaces.default()?;
            for name in workspaces.list()? {
                let mark = if default.as_deref() == Some(name.as_str()) {
                    "*"
                } else {
                    " "
                };
                println!("{mark} {name}");
            }
            Ok(())
        }
        WorkspaceCmd::Default { name, base } => {
            Workspaces::under(base.base_path.as_deref()).set_default(Some(name))
        }
        WorkspaceCmd::Delete { name, base } => {
            Workspaces::under(base.base_path.as_deref()).delete(name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trie_cache_size(args: &[&str]) -> usize {
        let cli = parse_args(args).expect("the command line parses");
        cli.run.import_params.trie_cache_size
    }

    #[test]
    fn the_trie_cache_is_off_unless_asked_for() {
        assert_eq!(trie_cache_size(&["europa", "--tmp"]), 0);
        assert_eq!(
            trie_cache_size(&["europa", "--tmp", "--trie-cache-size", "67108864"]),
            64 << 20
        );
        assert!(parse_args(["europa", "--trie-cache-size", "lots"]).is_err());
    }

    #[test]
    fn help_leads_with_europa_and_keeps_what_clients_pass() {
        let help = command(Help::Usual).render_help().to_string();
        let europa = help.find("Europa:").expect("a Europa heading");
        let node = help.find("Node:").expect("a Node heading");
        assert!(europa < node, "Europa's flags come first");
        assert!(help.contains("Examples:"));
        for hidden in [
            "--validator",
            "--no-grandpa",
            "--bootnodes",
            "--telemetry-url",
        ] {
            assert!(!help.contains(hidden), "{hidden} is shown");
        }
        for shown in [
            "--tmp",
            "--dev",
            "--chain",
            "--base-path",
            "--rpc-port",
            "--rpc-cors",
            "--rpc-methods",
            "--rpc-external",
            "--port",
            "--sandbox",
            "--wasm-profile",
            "--workspace",
            "--sealing",
            "--log",
            "--state-pruning",
            "--help-all",
        ] {
            assert!(help.contains(shown), "{shown} is not shown");
        }
        // Rare flags wait for --help-all, and are accepted either way.
        let all = command(Help::All).render_help().to_string();
        for rare in ["--rpc-rate-limit", "--db-cache", "--pool-limit"] {
            assert!(!help.contains(rare) && all.contains(rare), "{rare}");
        }
        assert!(parse_args(["europa", "--tmp", "--db-cache", "64"]).is_ok());
        // Hidden flags are still accepted (tools pass some of them).
        assert!(parse_args([
            "europa",
            "--tmp",
            "--alice",
            "--no-telemetry",
            "--validator"
        ])
        .is_ok());
        // `--help` is the summary: a line or two a flag, Europa's word where it has one
        // (804 lines before Europa trimmed sc-cli's help, about 90 now).
        assert!(help.contains("Clients that are not browsers"), "{help}");
        assert!(!help.contains("When running in `--dev` mode"), "{help}");
        assert!(help.lines().count() < 120, "{} lines", help.lines().count());
        let Err(asked) = parse_args(["europa", "--help"]) else {
            panic!("--help prints help")
        };
        assert_eq!(asked.kind(), clap::error::ErrorKind::DisplayHelp);
        // The whole word on every flag waits for --help-all.
        let all = command(Help::All).render_long_help().to_string();
        assert!(!help.contains("Recorded with the chain"));
        assert!(all.contains("Recorded with the chain"));
    }

    #[test]
    fn responses_may_hold_a_bounded_trace() {
        let max = |args: &[&str]| {
            parse_args(args)
                .expect("parses")
                .run
                .rpc_params
                .rpc_max_response_size
        };
        assert_eq!(max(&["europa", "--tmp"]), 64);
        let help = command(Help::Usual).render_help();
        assert!(help
            .to_string()
            .contains("without it (or --listen-addr) europa opens none"));
        assert_eq!(
            max(&["europa", "--tmp", "--rpc-max-response-size", "15"]),
            15
        );
    }
}
