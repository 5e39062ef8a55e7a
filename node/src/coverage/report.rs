//! One code's coverage by source file, line and function, from its hits by offset and
//! the source line of each instruction.

use std::collections::{BTreeMap, HashSet};

use crate::insight::Insight;

pub use europa_rpc_api::coverage::CoverageFilter;

/// Whether a report filtered by `filter` includes the source file at `path`.
fn includes(filter: CoverageFilter, path: &str) -> bool {
    filter == CoverageFilter::All || !crate::insight::sources::is_library_path(path)
}

/// The coverage of one code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeReport {
    pub code_hash: [u8; 32],
    /// The contract's name from its metadata, else its code hash.
    pub name: String,
    /// By path. Without DWARF, one pseudo-file (`NAME.wasm`) with functions only.
    pub files: Vec<FileReport>,
}

/// The coverage of one source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileReport {
    pub path: String,
    pub functions: Vec<FunctionReport>,
    /// Every line with code, and how often it ran.
    pub lines: BTreeMap<u32, u64>,
}

/// A function (a WASM function, by where its code starts) and how often it was called.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionReport {
    pub name: String,
    pub line: u32,
    pub hits: u64,
}

impl CodeReport {
    /// Lines with code.
    pub fn lines_found(&self) -> usize {
        self.files.iter().map(|file| file.lines.len()).sum()
    }

    /// Lines with code that ran.
    pub fn lines_hit(&self) -> usize {
        let hit = |file: &FileReport| file.lines.values().filter(|hits| **hits > 0).count();
        self.files.iter().map(hit).sum()
    }

    /// `flipper: 41/47 lines (87%)`, or its functions when it has no lines.
    pub fn summary(&self) -> String {
        let (found, hit, what) = match self.lines_found() {
            0 => {
                let functions = self.files.iter().flat_map(|file| &file.functions);
                let (found, hit) = functions.fold((0, 0), |(found, hit), function| {
                    (found + 1, hit + usize::from(function.hits > 0))
                });
                (found, hit, "functions (no DWARF)")
            }
            found => (found, self.lines_hit(), "lines"),
        };
        let percent = (hit * 100).checked_div(found).unwrap_or(0);
        format!("{}: {hit}/{found} {what} ({percent}%)", self.name)
    }
}

/// The report of code `hash` (bytes `code`) that reached `hits` (by block start).
pub fn of_code(
    insight: &Insight,
    hash: [u8; 32],
    code: &[u8],
    hits: &BTreeMap<u32, u64>,
    filter: CoverageFilter,
) -> CodeReport {
    let name = insight
        .abi(&hash)
        .map_or_else(|| crate::hex::hex(&hash[..4]), |abi| abi.name.clone());
    let names = insight.function_names(hash, code);
    let lines = insight.source_lines(hash, code);
    let starts: HashSet<u32> = europa_sandbox::block_starts(code)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let function_name = |index: u32| {
        names
            .get(&index)
            .cloned()
            .unwrap_or_else(|| format!("func[{index}]"))
    };
    let mut files: BTreeMap<u32, FileReport> = BTreeMap::new();
    let mut unlocated = Vec::new();
    for function in &lines.functions {
        let called = function
            .instructions
            .first()
            .and_then(|(offset, _)| hits.get(offset))
            .copied()
            .unwrap_or(0);
        let mut count = 0;
        let mut first_line = None;
        for (offset, located) in &function.instructions {
            if starts.contains(offset) {
                count = hits.get(offset).copied().unwrap_or(0);
            }
            for &(file, line) in located {
                let Some(path) = lines.files.get(file as usize) else {
                    continue;
                };
                if !includes(filter, path) {
                    continue;
                }
                first_line.get_or_insert((file, line));
                let report = files.entry(file).or_insert_with(|| FileReport {
                    path: path.clone(),
                    functions: Vec::new(),
                    lines: BTreeMap::new(),
                });
                let ran = report.lines.entry(line).or_default();
                *ran = (*ran).max(count);
            }
        }
        let report = FunctionReport {
            name: function_name(function.index),
            line: 0,
            hits: called,
        };
        match first_line {
            Some((file, line)) => {
                if let Some(file) = files.get_mut(&file) {
                    file.functions.push(FunctionReport { line, ..report });
                }
            }
            None => unlocated.push(FunctionReport {
                line: function.index,
                ..report
            }),
        }
    }
    let mut files: Vec<FileReport> = files.into_values().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    // Code without any line of its own sources is reported by function.
    if files.is_empty() && lines.files.is_empty() {
        files.push(FileReport {
            path: format!("{name}.wasm"),
            functions: unlocated,
            lines: BTreeMap::new(),
        });
    }
    CodeReport {
        code_hash: hash,
        name,
        files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_leaves_library_code_out_and_all_keeps_it() {
        let core = "/rustc/x/library/core/src/lib.rs";
        assert!(!includes(CoverageFilter::Own, core));
        assert!(includes(CoverageFilter::All, core));
        assert!(includes(CoverageFilter::Own, "/home/me/flipper/lib.rs"));
    }
}
