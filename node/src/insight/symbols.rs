//! DWARF sidecars: a contract is deployed stripped (size limits), and its DWARF-carrying
//! build is registered beside it. When their Code sections are byte-identical, a trap in
//! the deployed code is symbolized from the sidecar: WASM DWARF addresses are offsets
//! from the start of the Code section's contents, so an offset in the deployed module
//! maps to the sidecar's DWARF by that section's start alone.

use std::ops::Range;

use addr2line::{
    gimli::{Dwarf, EndianSlice, LittleEndian, SectionId},
    Context, LookupResult,
};
use europa_sandbox::debug_info::{self, DebugLimits};
use pallet_europa_contracts::trace::BacktraceFrame;
use sp_runtime::traits::{BlakeTwo256, Hash as _};
use wasmparser::{Parser, Payload};

use super::InsightError;

/// The largest sidecar Europa reads.
pub const MAX_SIDECAR_BYTES: usize = 64 * 1024 * 1024;

/// A DWARF-carrying build of some contract code.
pub struct DebugSymbols {
    wasm: Vec<u8>,
    /// BLAKE2-256 of the Code section's contents: what deployed code must match.
    pub code_digest: [u8; 32],
}

/// Where a module's Code section contents are, and their digest.
pub struct CodeSection {
    pub range: Range<usize>,
    pub digest: [u8; 32],
}

/// The Code section of `wasm`.
pub fn code_section(wasm: &[u8]) -> Result<CodeSection, InsightError> {
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| InsightError::Wasm(e.to_string()))?;
        if let Payload::CodeSectionStart { range, .. } = payload {
            let contents = wasm
                .get(range.clone())
                .ok_or_else(|| InsightError::Wasm("the Code section is cut short".into()))?;
            return Ok(CodeSection {
                digest: BlakeTwo256::hash(contents).0,
                range,
            });
        }
    }
    Err(InsightError::Wasm("the module has no Code section".into()))
}

impl DebugSymbols {
    /// Reads a sidecar: a WASM module with a Code section and DWARF line information.
    pub fn parse(wasm: Vec<u8>) -> Result<Self, InsightError> {
        if wasm.len() > MAX_SIDECAR_BYTES {
            return Err(InsightError::Wasm(format!(
                "{} bytes, more than the {MAX_SIDECAR_BYTES} Europa reads",
                wasm.len()
            )));
        }
        let code = code_section(&wasm)?;
        let symbols = DebugSymbols {
            code_digest: code.digest,
            wasm,
        };
        let sections = symbols.custom_sections()?;
        for needed in [".debug_info", ".debug_line"] {
            if !sections.iter().any(|(name, _)| *name == needed) {
                return Err(InsightError::Wasm(format!(
                    "no {needed} section: build the contract with debug info \
                     (`debug = true` in its release profile) and do not strip it"
                )));
            }
        }
        // addr2line recurses per nested entry and materialises every row and path.
        debug_info::check(&symbols.wasm, &DebugLimits::default())
            .map_err(|e| InsightError::Wasm(format!("its debug info is not read: {e}")))?;
        Ok(symbols)
    }

    /// The sidecar's bytes, as registered.
    pub fn wasm(&self) -> &[u8] {
        &self.wasm
    }

    fn custom_sections(&self) -> Result<Vec<(&str, &[u8])>, InsightError> {
        let mut sections = Vec::new();
        for payload in Parser::new(0).parse_all(&self.wasm) {
            match payload.map_err(|e| InsightError::Wasm(e.to_string()))? {
                Payload::CustomSection(section) => sections.push((section.name(), section.data())),
                _ => continue,
            }
        }
        Ok(sections)
    }

    /// Rewrites `backtrace` (of deployed code whose Code section contents start at
    /// `code_start`) with source frames: each WASM frame becomes its source frames,
    /// innermost first, inlined ones marked. Frames DWARF does not cover stay as they are.
    pub fn symbolize(&self, backtrace: &mut Vec<BacktraceFrame>, code_start: usize) {
        self.with_context(|context| symbolize(context, backtrace, code_start));
    }

    /// Where the source lines start in `code` (a module with this build's Code
    /// section): the offset of each line's first instruction, and `file:line`.
    pub fn line_starts(&self, code: &[u8]) -> Vec<(u32, String)> {
        let Ok(section) = code_section(code) else {
            return Vec::new();
        };
        self.with_context(|context| line_starts(context, code, section.range.start))
            .unwrap_or_default()
    }

    /// The source frames at each of `offsets` (in `code`, a module with this build's
    /// Code section), innermost first as [`Self::symbolize`] gives them; empty where
    /// DWARF names none.
    pub fn locate_all(&self, code: &[u8], offsets: &[u32]) -> Vec<Vec<BacktraceFrame>> {
        let start = code_section(code).map_or(0, |section| section.range.start);
        self.with_context(|context| {
            offsets
                .iter()
                .map(|&offset| {
                    let Some(address) = (offset as usize).checked_sub(start) else {
                        return Vec::new();
                    };
                    let frame = BacktraceFrame {
                        func_index: 0,
                        func: None,
                        offset: Some(offset),
                        file: None,
                        line: None,
                        column: None,
                        inlined: false,
                    };
                    source_frames(context, &frame, address as u64)
                })
                .collect()
        })
        .unwrap_or_else(|| vec![Vec::new(); offsets.len()])
    }

    /// The source line of every instruction of `code` (a module with this build's Code
    /// section), by function.
    pub fn source_lines(&self, code: &[u8]) -> SourceLines {
        let start = code_section(code).map_or(0, |section| section.range.start);
        self.with_context(|context| source_lines(Some((context, start)), code))
            .unwrap_or_else(|| source_lines(None, code))
    }

    /// Runs `f` with this build's DWARF, if it reads.
    fn with_context<R>(&self, f: impl FnOnce(&Context<Reader<'_>>) -> R) -> Option<R> {
        self.with_dwarf(|dwarf| Some(f(&Context::from_dwarf(dwarf).ok()?)))
            .flatten()
    }

    /// Runs `f` with this build's DWARF sections, if they read. They were checked
    /// against the sandbox's debug-info bounds when the build was read.
    pub fn with_dwarf<R>(&self, f: impl FnOnce(Dwarf<Reader<'_>>) -> R) -> Option<R> {
        let sections = self.custom_sections().ok()?;
        let section = |id: SectionId| {
            let data = sections
                .iter()
                .find(|(name, _)| *name == id.name())
                .map_or(&[][..], |(_, data)| *data);
            Ok::<_, ()>(EndianSlice::new(data, LittleEndian))
        };
        Some(f(Dwarf::load(section).ok()?))
    }
}

/// Rewrites `backtrace` (of deployed code whose Code section contents start at
/// `code_start`) with the source frames `context` gives.
fn symbolize(
    context: &Context<Reader<'_>>,
    backtrace: &mut Vec<BacktraceFrame>,
    code_start: usize,
) {
    let mut symbolized = Vec::with_capacity(backtrace.len());
    for frame in backtrace.drain(..) {
        let address = frame
            .offset
            .and_then(|offset| u64::from(offset).checked_sub(code_start as u64));
        let frames =
            address.map_or_else(Vec::new, |address| source_frames(context, &frame, address));
        if frames.is_empty() {
            symbolized.push(frame);
        } else {
            symbolized.extend(frames);
        }
    }
    *backtrace = symbolized;
}

fn line_starts(
    context: &Context<Reader<'_>>,
    code: &[u8],
    code_start: usize,
) -> Vec<(u32, String)> {
    let mut starts = Vec::new();
    for payload in Parser::new(0).parse_all(code) {
        let Ok(Payload::CodeSectionEntry(body)) = payload else {
            continue;
        };
        let Ok(mut reader) = body.get_operators_reader() else {
            continue;
        };
        // Each function starts a line of its own.
        let mut previous = None;
        while !reader.eof() {
            let offset = reader.original_position();
            if reader.read().is_err() {
                break;
            }
            let address = offset.saturating_sub(code_start) as u64;
            let Ok(Some(location)) = context.find_location(address) else {
                continue;
            };
            let (Some(file), Some(line)) = (location.file, location.line) else {
                continue;
            };
            let here = format!("{file}:{line}");
            if previous.as_ref() != Some(&here) {
                starts.push((offset as u32, here.clone()));
                previous = Some(here);
            }
        }
    }
    starts
}

/// Where each instruction of a module comes from in the source.
#[derive(Debug, Default)]
pub struct SourceLines {
    /// The source files named, each once.
    pub files: Vec<String>,
    pub functions: Vec<FunctionLines>,
}

/// The instructions of one defined function and their source lines.
#[derive(Debug)]
pub struct FunctionLines {
    /// The function's index in the module (imports first).
    pub index: u32,
    /// Each instruction's offset in the module, and the lines it runs for: `(file,
    /// line)`, the file an index into [`SourceLines::files`]; its own line first, then
    /// where each function inlined around it was called (so `panic!` inlined from
    /// `core` counts for the contract's line that panics). Empty where DWARF names none.
    pub instructions: Vec<(u32, Vec<(u32, u32)>)>,
}

/// The source lines of `code`'s instructions, from `dwarf` (a context and where the
/// Code section's contents start) or, without one, none.
pub fn source_lines(dwarf: Option<(&Context<Reader<'_>>, usize)>, code: &[u8]) -> SourceLines {
    let mut lines = SourceLines::default();
    let mut files: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut next_index = 0;
    for payload in Parser::new(0).parse_all(code) {
        let body = match payload {
            Ok(Payload::ImportSection(imports)) => {
                next_index += imports
                    .into_iter()
                    .filter(|import| {
                        matches!(import, Ok(i) if matches!(i.ty, wasmparser::TypeRef::Func(_)))
                    })
                    .count() as u32;
                continue;
            }
            Ok(Payload::CodeSectionEntry(body)) => body,
            Ok(_) => continue,
            Err(_) => break,
        };
        let mut function = FunctionLines {
            index: next_index,
            instructions: Vec::new(),
        };
        next_index += 1;
        let Ok(mut reader) = body.get_operators_reader() else {
            lines.functions.push(function);
            continue;
        };
        while !reader.eof() {
            let offset = reader.original_position();
            if reader.read().is_err() {
                break;
            }
            let mut located = Vec::new();
            if let Some((context, code_start)) = dwarf {
                let address = offset.saturating_sub(code_start) as u64;
                for (file, line) in inline_chain(context, address) {
                    let next = files.len() as u32;
                    let index = *files.entry(file.clone()).or_insert_with(|| {
                        lines.files.push(file);
                        next
                    });
                    if !located.contains(&(index, line)) {
                        located.push((index, line));
                    }
                }
            }
            function.instructions.push((offset as u32, located));
        }
        lines.functions.push(function);
    }
    lines
}

/// Frames of inlined functions DWARF nests at one address at most (a chain is
/// bounded by the DWARF checks too; this keeps one instruction's share small).
const MAX_INLINE_CHAIN: usize = 64;

/// The source lines `address` runs for, innermost first: its own, then each inlined
/// function's call site.
fn inline_chain(context: &Context<Reader<'_>>, address: u64) -> Vec<(String, u32)> {
    let mut chain = Vec::new();
    if let LookupResult::Output(Ok(mut frames)) = context.find_frames(address) {
        while let Ok(Some(frame)) = frames.next() {
            if chain.len() == MAX_INLINE_CHAIN {
                break;
            }
            if let Some((file, line)) = frame.location.and_then(|l| Some((l.file?, l.line?))) {
                chain.push((file.to_owned(), line));
            }
        }
    }
    chain
}

/// How Europa reads DWARF: from the module's bytes, in place.
pub type Reader<'a> = EndianSlice<'a, LittleEndian>;

/// The source frames DWARF gives for `address`, as frames of `frame`'s WASM function.
fn source_frames(
    context: &Context<Reader<'_>>,
    frame: &BacktraceFrame,
    address: u64,
) -> Vec<BacktraceFrame> {
    let mut iter = match context.find_frames(address) {
        LookupResult::Output(Ok(iter)) => iter,
        // Split DWARF would need a second file, which a sidecar does not come with.
        LookupResult::Output(Err(_)) | LookupResult::Load { .. } => return Vec::new(),
    };
    let mut frames = Vec::new();
    while let Ok(Some(source)) = iter.next() {
        let name = source.function.as_ref().and_then(|f| f.raw_name().ok());
        let location = source.location.as_ref();
        frames.push(BacktraceFrame {
            func_index: frame.func_index,
            func: name.map(|n| format!("{:#}", rustc_demangle::demangle(&n))),
            offset: frame.offset,
            file: location.and_then(|l| l.file).map(str::to_owned),
            line: location.and_then(|l| l.line),
            column: location.and_then(|l| l.column),
            inlined: true,
        });
    }
    if let Some(outermost) = frames.last_mut() {
        outermost.inlined = false;
    }
    frames
}
