//! Insight: a contract's execution in the developer's own terms. Europa learns contracts'
//! ink! metadata (matched by code hash) and DWARF sidecars of stripped code (matched by
//! Code section), and with them turns an [`ExecutionTrace`] into decoded JSON, a readable
//! log tree and a plain explanation of every failure. What it learns is kept beside the
//! chain (`<chain dir>/europa-insight/`), so a restarted node still knows it.

pub mod accounts;
mod explain;
pub mod line_record;
mod logging;
mod metadata;
mod notes;
mod profile;
mod render;
pub mod runtime_metadata;
pub mod sources;
pub mod symbols;
mod type_bounds;
#[cfg(test)]
mod type_bounds_fuzz;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, RwLock},
};

use pallet_europa_contracts::trace::ExecutionTrace;

pub use line_record::{line_record, LineRecord};
pub use logging::{log_execution, LogObserver};
pub use metadata::ContractAbi;
pub use notes::Annotated;
pub use profile::{GasReport, LineTables};
pub use render::TraceLog;
pub use symbols::{DebugSymbols, SourceLines};

/// Why Europa could not learn from a file or a request.
#[derive(Debug, thiserror::Error)]
pub enum InsightError {
    #[error("not contract metadata: {0}")]
    Metadata(String),
    #[error("not a usable WASM module: {0}")]
    Wasm(String),
    #[error("the debug build does not match the stored code {code_hash}: {reason}")]
    Mismatch { code_hash: String, reason: String },
    #[error("{path}: {error}")]
    File {
        path: PathBuf,
        error: Box<InsightError>,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Files a directory scan looks at, at most: a scan of the wrong directory stays short.
const MAX_SCANNED_FILES: usize = 10_000;
/// How deep a directory scan goes.
const MAX_SCAN_DEPTH: usize = 16;
/// Code hashes whose Code section Europa remembers (stored code never changes).
const MAX_REMEMBERED_CODE: usize = 4_096;

/// Where a code's Code section contents start, and their digest.
type CodeStart = (usize, [u8; 32]);

/// What Europa knows about contracts beyond the chain.
pub struct Insight {
    abis: RwLock<HashMap<[u8; 32], Arc<ContractAbi>>>,
    /// Sidecars by the digest of their Code section.
    symbols: RwLock<HashMap<[u8; 32], Arc<DebugSymbols>>>,
    /// Stored code's Code section (start, digest) by code hash, once looked up.
    code_sections: Mutex<HashMap<[u8; 32], Option<CodeStart>>>,
    /// Where registrations are kept; `None` keeps them in memory only.
    store: Option<PathBuf>,
}

impl Insight {
    /// Europa's knowledge of the chain kept in `chain_dir`, with what was registered
    /// there before. Unreadable entries are skipped with a warning.
    pub fn open(chain_dir: Option<&Path>) -> Self {
        let insight = Insight {
            abis: RwLock::default(),
            symbols: RwLock::default(),
            code_sections: Mutex::default(),
            store: chain_dir.map(|dir| dir.join("europa-insight")),
        };
        if let Some(store) = &insight.store {
            for kind in [Kind::Contracts, Kind::DebugSymbols] {
                let kept = store.join(kind.directory());
                if !kept.is_dir() {
                    continue;
                }
                for loaded in insight.load(&[kept], kind, false) {
                    if let Err(error) = loaded {
                        log::warn!(target: "europa", "kept {} unreadable: {error}", kind.directory());
                    }
                }
            }
        }
        insight
    }

    /// Registers every file under `paths` (files, or directories scanned recursively)
    /// of `kind`: `.contract`/`.json` metadata, or `.wasm`/`.contract` debug builds.
    /// A named file that is not one is an error; in a directory it is skipped.
    pub fn load(
        &self,
        paths: &[PathBuf],
        kind: Kind,
        persist: bool,
    ) -> Vec<Result<String, InsightError>> {
        let mut results = Vec::new();
        for path in paths {
            let mut files = Vec::new();
            if let Err(error) = scan(path, 0, kind, &mut files) {
                results.push(Err(InsightError::File {
                    path: path.clone(),
                    error: Box::new(error.into()),
                }));
                continue;
            }
            let named = files.len() == 1 && files[0] == *path;
            for file in files {
                let learned = read_bounded(&file).and_then(|bytes| match kind {
                    Kind::Contracts => self.register_contract(&bytes, persist).map(|abi| {
                        format!(
                            "metadata of {} (code {})",
                            abi.name,
                            crate::hex::hex_digits(&abi.code_hash)
                        )
                    }),
                    Kind::DebugSymbols => self.register_symbols(&bytes, persist).map(|digest| {
                        format!(
                            "debug symbols for Code section {}",
                            crate::hex::hex_digits(&digest)
                        )
                    }),
                });
                match learned {
                    Ok(what) => results.push(Ok(format!("{}: {what}", file.display()))),
                    Err(error) if named => results.push(Err(InsightError::File {
                        path: file,
                        error: Box::new(error),
                    })),
                    Err(error) => {
                        log::debug!(target: "europa", "skipped {}: {error}", file.display())
                    }
                }
            }
        }
        results
    }

    /// Learns a contract's metadata (JSON or `.contract` bundle), replacing what was
    /// known for its code hash.
    pub fn register_contract(
        &self,
        bytes: &[u8],
        persist: bool,
    ) -> Result<Arc<ContractAbi>, InsightError> {
        let abi = Arc::new(ContractAbi::parse(bytes)?);
        if persist {
            self.keep(
                Kind::Contracts,
                &format!("{}.json", crate::hex::hex_digits(&abi.code_hash)),
                &abi.json,
            )?;
        }
        self.abis
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(abi.code_hash, abi.clone());
        Ok(abi)
    }

    /// Learns a DWARF build from a `.wasm` or a `.contract` bundle carrying one,
    /// returning its Code section digest.
    fn register_symbols(&self, bytes: &[u8], persist: bool) -> Result<[u8; 32], InsightError> {
        let wasm = match bytes.first() {
            Some(b'{') => bundled_wasm(bytes)?,
            _ => bytes.to_vec(),
        };
        let symbols = Arc::new(DebugSymbols::parse(wasm)?);
        let digest = symbols.code_digest;
        if persist {
            self.keep(
                Kind::DebugSymbols,
                &format!("{}.wasm", crate::hex::hex_digits(&digest)),
                symbols.wasm(),
            )?;
        }
        self.symbols
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(digest, symbols);
        Ok(digest)
    }

    /// Attaches a DWARF build to the stored code `code` (whose hash is `code_hash`),
    /// when their Code sections are identical.
    pub fn register_debug_info(
        &self,
        code_hash: [u8; 32],
        code: &[u8],
        debug_build: &[u8],
    ) -> Result<[u8; 32], InsightError> {
        let mismatch = |reason: String| InsightError::Mismatch {
            code_hash: crate::hex::hex(&code_hash),
            reason,
        };
        let stored =
            symbols::code_section(code).map_err(|e| mismatch(format!("the stored code: {e}")))?;
        let debug = symbols::code_section(debug_build)?;
        if stored.digest != debug.digest {
            return Err(mismatch(format!(
                "their Code sections differ ({} bytes stored, {} in the debug build); attach the \
                 DWARF build the deployed code was stripped from (scripts/build-contract.sh makes both)",
                stored.range.len(),
                debug.range.len()
            )));
        }
        self.register_symbols(debug_build, true)
    }

    /// The metadata of code `code_hash`, if Europa has it.
    pub fn abi(&self, code_hash: &[u8]) -> Option<Arc<ContractAbi>> {
        let hash: [u8; 32] = code_hash.try_into().ok()?;
        self.abis
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&hash)
            .cloned()
    }

    /// Every contract whose metadata Europa has: name and code hash.
    pub fn contracts(&self) -> Vec<(String, [u8; 32])> {
        let abis = self.abis.read().unwrap_or_else(|e| e.into_inner());
        let mut list: Vec<_> = abis
            .values()
            .map(|abi| (abi.name.clone(), abi.code_hash))
            .collect();
        list.sort();
        list
    }

    /// `trace` in the contract's own words: backtraces of stripped code symbolized from
    /// sidecars, then messages, results and events decoded, and failures explained.
    /// `stored_code` reads the chain's code by hash (for sidecars).
    pub fn annotate(
        &self,
        mut trace: ExecutionTrace,
        stored_code: &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
    ) -> Annotated {
        self.symbolize(&mut trace, stored_code);
        notes::annotate(self, trace)
    }

    fn symbolize(
        &self,
        trace: &mut ExecutionTrace,
        stored_code: &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
    ) {
        use pallet_europa_contracts::trace::Outcome;
        if self
            .symbols
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
        {
            return;
        }
        let Some(root) = trace.root.as_mut() else {
            return;
        };
        let mut pending = vec![root];
        while let Some(frame) = pending.pop() {
            if let Outcome::Trapped { backtrace, .. } = &mut frame.outcome {
                let without_source = backtrace.iter().all(|f| f.file.is_none());
                if let (true, Ok(hash)) =
                    (without_source, <[u8; 32]>::try_from(&frame.code_hash.0[..]))
                {
                    if let Some((start, symbols)) = self.symbols_for(hash, stored_code) {
                        symbols.symbolize(backtrace, start);
                    }
                }
            }
            pending.extend(frame.nested.iter_mut());
        }
    }

    /// Where the source lines start in stored code `hash` (whose bytes are `code`),
    /// from its debug build or its own DWARF: each line's first instruction's offset,
    /// and `file:line`. Empty without DWARF.
    pub fn line_starts(&self, hash: [u8; 32], code: &[u8]) -> Vec<(u32, String)> {
        self.symbols_of(hash, code)
            .map_or_else(Vec::new, |symbols| symbols.line_starts(code))
    }

    /// The DWARF of stored code `hash` (whose bytes are `code`): its registered debug
    /// build, else its own when it has some that Europa reads.
    pub fn symbols_of(&self, hash: [u8; 32], code: &[u8]) -> Option<Arc<DebugSymbols>> {
        match self.symbols_for(hash, &|_| Some(code.to_vec())) {
            Some((_, symbols)) => Some(symbols),
            None => DebugSymbols::parse(code.to_vec()).ok().map(Arc::new),
        }
    }

    /// The source line of each instruction of stored code `hash` (whose bytes are
    /// `code`), from its debug build or its own DWARF; without either, the functions
    /// with no lines.
    pub fn source_lines(&self, hash: [u8; 32], code: &[u8]) -> SourceLines {
        match self.symbols_of(hash, code) {
            Some(symbols) => symbols.source_lines(code),
            None => symbols::source_lines(None, code),
        }
    }

    /// Function names of stored code `hash` (whose bytes are `code`), from its `name`
    /// section or its debug build's, demangled.
    pub fn function_names(&self, hash: [u8; 32], code: &[u8]) -> HashMap<u32, String> {
        let names = profile::function_names(code);
        if !names.is_empty() {
            return names;
        }
        self.debug_build_of(hash, code)
            .map(|build| profile::function_names(build.wasm()))
            .unwrap_or_default()
    }

    /// The registered debug build of stored code `hash` (whose bytes are `code`).
    pub fn debug_build_of(&self, hash: [u8; 32], code: &[u8]) -> Option<Arc<DebugSymbols>> {
        self.symbols_for(hash, &|_| Some(code.to_vec()))
            .map(|(_, symbols)| symbols)
    }

    /// The sidecar of stored code `hash` and where its Code section starts.
    fn symbols_for(
        &self,
        hash: [u8; 32],
        stored_code: &dyn Fn(&[u8; 32]) -> Option<Vec<u8>>,
    ) -> Option<(usize, Arc<DebugSymbols>)> {
        let section = {
            let mut sections = self.code_sections.lock().unwrap_or_else(|e| e.into_inner());
            if sections.len() >= MAX_REMEMBERED_CODE {
                sections.clear();
            }
            *sections.entry(hash).or_insert_with(|| {
                let code = stored_code(&hash)?;
                symbols::code_section(&code)
                    .ok()
                    .map(|s| (s.range.start, s.digest))
            })
        };
        let (start, digest) = section?;
        let symbols = self
            .symbols
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&digest)
            .cloned()?;
        Some((start, symbols))
    }

    fn keep(&self, kind: Kind, name: &str, bytes: &[u8]) -> Result<(), InsightError> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let dir = store.join(kind.directory());
        std::fs::create_dir_all(&dir)?;
        crate::files::write_atomically(&dir.join(name), bytes)?;
        Ok(())
    }
}

/// What a path given to Europa holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// ink! metadata: `.json` or `.contract`.
    Contracts,
    /// DWARF builds: `.wasm` or `.contract`.
    DebugSymbols,
}

impl Kind {
    /// Where registrations of this kind are kept, under the chain's `europa-insight`.
    fn directory(self) -> &'static str {
        match self {
            Kind::Contracts => "contracts",
            Kind::DebugSymbols => "debug-symbols",
        }
    }
}

/// The files of `kind` at `path`: the file itself, or those in the directory tree.
fn scan(path: &Path, depth: usize, kind: Kind, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let metadata = std::fs::metadata(path)?;
    if metadata.is_file() {
        if depth == 0 || wanted(path, kind) {
            files.push(path.to_owned());
        }
        return Ok(());
    }
    if depth >= MAX_SCAN_DEPTH || !metadata.is_dir() {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(path)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for entry in entries {
        if files.len() >= MAX_SCANNED_FILES {
            break;
        }
        // Unreadable entries inside a tree are skipped, not fatal.
        let _ = scan(&entry, depth + 1, kind, files);
    }
    Ok(())
}

fn wanted(path: &Path, kind: Kind) -> bool {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    match kind {
        Kind::Contracts => matches!(extension, "contract" | "json"),
        Kind::DebugSymbols => matches!(extension, "contract" | "wasm"),
    }
}

/// The largest file Europa reads from a path it is given (a sidecar's bound).
const MAX_FILE_BYTES: u64 = symbols::MAX_SIDECAR_BYTES as u64;

/// The file's bytes, unless it is larger than any file Europa learns from.
fn read_bounded(path: &Path) -> Result<Vec<u8>, InsightError> {
    let size = std::fs::metadata(path)?.len();
    if size > MAX_FILE_BYTES {
        return Err(InsightError::Wasm(format!(
            "{size} bytes, more than the {MAX_FILE_BYTES} Europa reads"
        )));
    }
    Ok(std::fs::read(path)?)
}

/// The WASM inside a `.contract` bundle (`source.wasm`).
fn bundled_wasm(bytes: &[u8]) -> Result<Vec<u8>, InsightError> {
    if bytes.len() > metadata::MAX_METADATA_BYTES * 4 {
        return Err(InsightError::Metadata("the bundle is too large".into()));
    }
    let bundle: contract_metadata::ContractMetadata =
        serde_json::from_slice(bytes).map_err(|e| InsightError::Metadata(e.to_string()))?;
    bundle
        .source
        .wasm
        .map(|wasm| wasm.0)
        .ok_or_else(|| InsightError::Metadata("the bundle has no `source.wasm`".into()))
}
