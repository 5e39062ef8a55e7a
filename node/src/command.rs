//! Parses the command line and runs the node or a subcommand.

use sc_cli::SubstrateCli;

use crate::{
    chain_spec,
    cli::{Cli, Subcommand},
    service,
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

pub fn run() -> sc_cli::Result<()> {
    let cli = Cli::from_args();
    match &cli.subcommand {
        Some(Subcommand::BuildSpec(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
        }
        Some(Subcommand::PurgeChain(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.database))
        }
        None => {
            let runner = cli.create_runner(&cli.run)?;
            let params = cli.europa.clone();
            params.select_sandbox().map_err(sc_cli::Error::Input)?;
            runner.run_node_until_exit(|config| async move {
                service::new_full(config, params).map_err(sc_cli::Error::Service)
            })
        }
    }
}
