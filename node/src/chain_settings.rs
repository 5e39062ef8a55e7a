//! Settings that belong to a chain rather than to one run of the node: the executor and
//! WASM profile contracts run with. A block re-executed for a trace (`europa_trace*`)
//! must run as it ran when it was sealed, so they are recorded beside the chain's
//! database when it is created and used on every restart: without flags the recorded
//! ones apply, and flags that contradict them are refused.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cli::{EuropaParams, SandboxExecutor, WasmProfile};

/// The file, in the chain's directory (`<base path>/chains/<chain id>`).
const FILE_NAME: &str = "europa-settings.json";

/// The settings of a chain whose database has no settings beside it: it was created
/// before they were recorded, when every chain ran wasmtime.
const BEFORE_RECORDING: ChainSettings = ChainSettings {
    sandbox: SandboxExecutor::Wasmtime,
    wasm_profile: WasmProfile::Permissive,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainSettings {
    pub sandbox: SandboxExecutor,
    pub wasm_profile: WasmProfile,
}

impl ChainSettings {
    /// The settings the chain in `chain_dir` runs with: those recorded with it, or for a
    /// new chain those of the command line (recorded now). Flags that contradict a
    /// recorded setting are refused, saying what the chain was created with.
    pub fn resolve(chain_dir: &Path, params: &EuropaParams) -> Result<ChainSettings, String> {
        let path = chain_dir.join(FILE_NAME);
        let recorded = match read(&path)? {
            None if has_database(chain_dir) => {
                write(&path, &BEFORE_RECORDING)?;
                Some(BEFORE_RECORDING)
            }
            recorded => recorded,
        };
        match recorded {
            Some(recorded) => {
                let sandbox = params.sandbox.unwrap_or(recorded.sandbox);
                let wasm_profile = params.wasm_profile.unwrap_or(recorded.wasm_profile);
                let asked = ChainSettings {
                    sandbox,
                    wasm_profile,
                };
                if asked != recorded {
                    return Err(format!(
                        "this chain was created with {}, and its blocks re-execute (for \
                         europa_trace*) only as they ran: start it without --sandbox and \
                         --wasm-profile (or with these), or start a new chain (--tmp, another \
                         workspace or base path) for {}. The settings are kept in {}",
                        recorded.flags(),
                        asked.flags(),
                        path.display()
                    ));
                }
                Ok(recorded)
            }
            None => {
                let settings = ChainSettings {
                    sandbox: params.sandbox.unwrap_or(SandboxExecutor::Wasmi),
                    wasm_profile: params.wasm_profile.unwrap_or(WasmProfile::Permissive),
                };
                write(&path, &settings)?;
                Ok(settings)
            }
        }
    }

    /// The settings of the existing chain in `chain_dir`, for commands that re-execute
    /// its blocks without running it (e.g. `state-kv`).
    pub fn of_existing(chain_dir: &Path) -> Result<ChainSettings, String> {
        Ok(read(&chain_dir.join(FILE_NAME))?.unwrap_or(BEFORE_RECORDING))
    }

    /// What the runtime runs contracts with on this chain, traces going to `observer`.
    pub fn host(
        &self,
        observer: Option<Box<dyn europa_runtime::contracts::TraceObserver>>,
    ) -> Result<europa_runtime::contracts::ContractsHost, String> {
        use europa_runtime::contracts::{ContractsHost, Executor, Profile};
        let executor = match self.sandbox {
            SandboxExecutor::Wasmtime => Executor::Wasmtime,
            SandboxExecutor::Wasmi => Executor::Wasmi,
        };
        let profile = match self.wasm_profile {
            WasmProfile::Permissive => Profile::Permissive,
            WasmProfile::Strict => Profile::Strict,
        };
        ContractsHost::new(executor, profile, observer)
    }

    /// What the log says at start: which executor decides, what that means for gas, and
    /// the flags recorded with the chain.
    pub fn summary(&self) -> String {
        let executor = match self.sandbox {
            SandboxExecutor::Wasmi => {
                "Contracts run on wasmi, as on production: results and gas are production's \
                 (trap lines and gas profiles come from re-running on wasmtime)"
            }
            SandboxExecutor::Wasmtime => {
                "Contracts run on wasmtime: gas is wasmtime's own fuel count, not \
                 production's (create a chain without --sandbox wasmtime for that)"
            }
        };
        format!("{executor}; recorded with the chain: {}", self.flags())
    }

    /// As command-line flags.
    pub fn flags(&self) -> String {
        use clap::ValueEnum;
        let name = |value: Option<clap::builder::PossibleValue>| {
            value.map_or_else(String::new, |value| value.get_name().to_owned())
        };
        format!(
            "--sandbox {} --wasm-profile {}",
            name(self.sandbox.to_possible_value()),
            name(self.wasm_profile.to_possible_value())
        )
    }
}

/// The recorded settings, if any. A damaged file is set aside with a warning (the chain
/// then records the settings it starts with): it never stops the chain from starting.
fn read(path: &Path) -> Result<Option<ChainSettings>, String> {
    match std::fs::read(path) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(settings) => Ok(Some(settings)),
            Err(error) => {
                let aside = crate::files::set_aside(path).map_err(|e| {
                    format!(
                        "{} is damaged ({error}) and cannot be set aside: {e}",
                        path.display()
                    )
                })?;
                log::warn!(
                    target: "europa",
                    "{} is not a Europa settings file ({error}): set aside as {}; the chain \
                     records the settings it starts with now",
                    path.display(),
                    aside.display()
                );
                Ok(None)
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Whether `chain_dir` holds a chain's database (ParityDB's, or another backend's).
fn has_database(chain_dir: &Path) -> bool {
    ["paritydb", "db"]
        .iter()
        .any(|name| chain_dir.join(name).exists())
}

fn write(path: &Path, settings: &ChainSettings) -> Result<(), String> {
    let dir: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let json = serde_json::to_vec_pretty(settings).map_err(|e| e.to_string())?;
    crate::files::write_atomically(path, &json)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(sandbox: Option<SandboxExecutor>, wasm_profile: Option<WasmProfile>) -> EuropaParams {
        use clap::Parser;
        let mut cli = crate::cli::Cli::parse_from(["europa", "--tmp"]);
        cli.europa.sandbox = sandbox;
        cli.europa.wasm_profile = wasm_profile;
        cli.europa
    }

    #[test]
    fn a_chain_keeps_the_settings_it_was_created_with() {
        let dir = std::env::temp_dir().join(format!("europa-settings-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let wasmi_strict = ChainSettings {
            sandbox: SandboxExecutor::Wasmi,
            wasm_profile: WasmProfile::Strict,
        };
        let created = ChainSettings::resolve(
            &dir,
            &params(Some(SandboxExecutor::Wasmi), Some(WasmProfile::Strict)),
        );
        assert_eq!(created, Ok(wasmi_strict));
        // Without flags, or with the same ones: as recorded.
        assert_eq!(
            ChainSettings::resolve(&dir, &params(None, None)),
            Ok(wasmi_strict)
        );
        assert_eq!(
            ChainSettings::resolve(&dir, &params(Some(SandboxExecutor::Wasmi), None)),
            Ok(wasmi_strict)
        );
        // Contradicting flags: refused, saying what the chain has.
        let refused = ChainSettings::resolve(&dir, &params(Some(SandboxExecutor::Wasmtime), None))
            .expect_err("refused");
        assert!(
            refused.contains("created with --sandbox wasmi --wasm-profile strict"),
            "{refused}"
        );
        // A damaged file is set aside, kept to look at, and the chain starts anyway.
        std::fs::write(dir.join(FILE_NAME), b"{").unwrap();
        let restarted = ChainSettings::resolve(&dir, &params(None, None)).expect("starts");
        assert_eq!(
            restarted.flags(),
            "--sandbox wasmi --wasm-profile permissive"
        );
        assert_eq!(
            std::fs::read(dir.join(format!("{FILE_NAME}.damaged"))).unwrap(),
            b"{"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_new_chain_records_the_defaults() {
        let dir = std::env::temp_dir().join(format!("europa-defaults-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let settings = ChainSettings::resolve(&dir, &params(None, None)).expect("created");
        assert_eq!(
            settings.flags(),
            "--sandbox wasmi --wasm-profile permissive"
        );
        assert_eq!(read(&dir.join(FILE_NAME)), Ok(Some(settings)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_chain_from_before_settings_were_recorded_keeps_wasmtime() {
        let dir = std::env::temp_dir().join(format!("europa-before-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("paritydb")).unwrap();
        assert_eq!(ChainSettings::of_existing(&dir), Ok(BEFORE_RECORDING));
        let settings = ChainSettings::resolve(&dir, &params(None, None)).expect("started");
        assert_eq!(settings, BEFORE_RECORDING);
        assert_eq!(read(&dir.join(FILE_NAME)), Ok(Some(BEFORE_RECORDING)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
