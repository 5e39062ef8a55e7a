//! Bounds on a module's DWARF, checked before any DWARF reader sees it.
//!
//! A contract's custom sections are the contract author's to write, and the readers that
//! turn them into source lines (addr2line, inside wasmtime's trap symbolization and in
//! the node) recurse once per nested DIE and materialise every line-table row and file
//! path. [`check`] walks the same structures without recursion, within [`DebugLimits`],
//! so that DWARF which would make those readers overflow the stack, or run out of memory
//! or time, is found first; [`without_dwarf`] then hides it from them. Every limit is far
//! above what a real ink! contract's debug build needs (the largest fixture uses about a
//! fiftieth of each).

use std::{collections::HashSet, string::String, vec::Vec};

use gimli::{
    AttributeValue, DebugAbbrev, DebugAbbrevOffset, DebugInfo, DebugLine, DebugLineOffset,
    DebugLineStr, DebugRngLists, DebugStr, DebugStrOffsets, DebugStrOffsetsBase, DwarfFileType,
    Encoding, EndianSlice, LittleEndian, RangeLists, RangeListsOffset, Reader as _,
};
use wasmparser::{Parser, Payload};

type Reader<'a> = EndianSlice<'a, LittleEndian>;

/// How much DWARF a module may carry for Europa to read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DebugLimits {
    /// All `.debug_*` sections together, in bytes.
    pub total_bytes: usize,
    /// `.debug_abbrev`, in bytes (parsed once per unit that names a table in it).
    pub abbrev_bytes: usize,
    /// `.debug_line`, in bytes.
    pub line_bytes: usize,
    /// Compilation units.
    pub units: usize,
    /// Debugging information entries, over all units.
    pub entries: usize,
    /// How deeply entries nest (addr2line recurses once per level).
    pub depth: usize,
    /// The longest string (a name or a path component), in bytes.
    pub string_bytes: usize,
    /// Line-table file entries, over all units.
    pub files: usize,
    /// The file paths a reader builds from them (directory and name), in bytes.
    pub path_bytes: usize,
    /// Line-table rows, over all units.
    pub line_rows: usize,
    /// Address ranges read for entries with `DW_AT_ranges`.
    pub ranges: usize,
}

impl Default for DebugLimits {
    fn default() -> Self {
        DebugLimits {
            total_bytes: 32 << 20,
            abbrev_bytes: 128 << 10,
            line_bytes: 2 << 20,
            units: 1_024,
            entries: 1 << 18,
            depth: 128,
            string_bytes: 32 << 10,
            files: 1 << 16,
            path_bytes: 16 << 20,
            line_rows: 1 << 20,
            ranges: 1 << 20,
        }
    }
}

/// Why a module's DWARF is not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DebugInfoError {
    /// The DWARF is larger than a limit allows.
    #[error("{what} exceeds Europa's limit of {limit}")]
    OverLimit {
        /// What was counted.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The DWARF does not parse.
    #[error("malformed DWARF: {0}")]
    Malformed(String),
    /// The DWARF has what no contract's debug build has and this check does not read.
    #[error("unsupported DWARF: {0}")]
    Unsupported(String),
}

impl From<gimli::Error> for DebugInfoError {
    fn from(error: gimli::Error) -> Self {
        DebugInfoError::Malformed(error.to_string())
    }
}

/// The DWARF sections a contract's debug build may have (any of them also with the
/// `.dwo` suffix, which wasmtime reads as the same section). Type units, supplementary
/// strings and package indexes are not among them: no contract needs them, and this
/// check does not walk them.
const KNOWN_SECTIONS: &[&str] = &[
    ".debug_abbrev",
    ".debug_addr",
    ".debug_aranges",
    ".debug_frame",
    ".debug_info",
    ".debug_line",
    ".debug_line_str",
    ".debug_loc",
    ".debug_loclists",
    ".debug_pubnames",
    ".debug_pubtypes",
    ".debug_ranges",
    ".debug_rnglists",
    ".debug_str",
    ".debug_str_offsets",
];

/// The DWARF sections of `code` (custom sections named `.debug_*`), by the name a
/// reader knows them by. Each may appear once: wasmtime reads the last section of a
/// name and the node's readers the first, so a second one would let a reader see DWARF
/// this check did not.
fn dwarf_sections(code: &[u8]) -> Result<Vec<(&str, &[u8])>, DebugInfoError> {
    let mut sections: Vec<(&str, &[u8])> = Vec::new();
    for payload in Parser::new(0).parse_all(code) {
        match payload {
            Ok(Payload::CustomSection(section)) if section.name().starts_with(".debug_") => {
                let name = section.name().trim_end_matches(".dwo");
                if !KNOWN_SECTIONS.contains(&name) {
                    return Err(DebugInfoError::Unsupported(format!(
                        "a `{}` section",
                        section.name()
                    )));
                }
                if sections.iter().any(|(known, _)| *known == name) {
                    return Err(DebugInfoError::Unsupported(format!(
                        "a second `{name}` section"
                    )));
                }
                sections.push((name, section.data()))
            }
            Ok(_) => continue,
            // Validation reports a malformed module; here it just has no more sections.
            Err(_) => break,
        }
    }
    Ok(sections)
}

/// Checks that `code`'s DWARF (if any) stays within `limits`. Linear in the size of the
/// sections and without recursion.
pub fn check(code: &[u8], limits: &DebugLimits) -> Result<(), DebugInfoError> {
    let sections = dwarf_sections(code)?;
    if sections.is_empty() {
        return Ok(());
    }
    let total: usize = sections.iter().map(|(_, data)| data.len()).sum();
    within(total, limits.total_bytes, "the size of the DWARF sections")?;
    let section = |name: &str| {
        let data = sections
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&[][..], |(_, data)| *data);
        EndianSlice::new(data, LittleEndian)
    };
    let mut walk = Walk {
        limits,
        debug_str: DebugStr::from(section(".debug_str")),
        debug_line_str: DebugLineStr::from(section(".debug_line_str")),
        debug_str_offsets: DebugStrOffsets::from(section(".debug_str_offsets")),
        ranges: RangeLists::new(
            section(".debug_ranges").into(),
            DebugRngLists::from(section(".debug_rnglists")),
        ),
        entries: 0,
        files: 0,
        path_bytes: 0,
        line_rows: 0,
        ranges_read: 0,
    };
    for name in [".debug_str", ".debug_line_str"] {
        let longest = section(name)
            .slice()
            .split(|byte| *byte == 0)
            .map(<[u8]>::len)
            .max()
            .unwrap_or(0);
        within(longest, limits.string_bytes, "a string in the DWARF")?;
    }
    let debug_abbrev = section(".debug_abbrev");
    within(
        debug_abbrev.len(),
        limits.abbrev_bytes,
        "the size of .debug_abbrev",
    )?;
    let debug_line = section(".debug_line");
    within(
        debug_line.len(),
        limits.line_bytes,
        "the size of .debug_line",
    )?;
    walk.units(
        DebugInfo::from(section(".debug_info")),
        DebugAbbrev::from(debug_abbrev),
        DebugLine::from(debug_line),
    )
}

fn within(value: usize, limit: usize, what: &'static str) -> Result<(), DebugInfoError> {
    if value > limit {
        return Err(DebugInfoError::OverLimit { what, limit });
    }
    Ok(())
}

/// Counts kept across the units of one module.
struct Walk<'a, 'l> {
    limits: &'l DebugLimits,
    debug_str: DebugStr<Reader<'a>>,
    debug_line_str: DebugLineStr<Reader<'a>>,
    debug_str_offsets: DebugStrOffsets<Reader<'a>>,
    ranges: RangeLists<Reader<'a>>,
    entries: usize,
    files: usize,
    path_bytes: usize,
    line_rows: usize,
    ranges_read: usize,
}

/// What a unit's root entry says that its line table needs.
#[derive(Default)]
struct UnitRoot {
    stmt_list: Option<DebugLineOffset>,
    comp_dir: usize,
    str_offsets_base: Option<DebugStrOffsetsBase>,
}

impl<'a> Walk<'a, '_> {
    fn units(
        &mut self,
        debug_info: DebugInfo<Reader<'a>>,
        debug_abbrev: DebugAbbrev<Reader<'a>>,
        debug_line: DebugLine<Reader<'a>>,
    ) -> Result<(), DebugInfoError> {
        let mut units = debug_info.units();
        let mut count = 0;
        let mut line_programs = HashSet::new();
        let mut abbreviations: Option<(DebugAbbrevOffset, gimli::Abbreviations)> = None;
        while let Some(unit) = units.next()? {
            count += 1;
            within(count, self.limits.units, "the number of compilation units")?;
            // Units usually share their table with the unit before (or have their own).
            let offset = unit.debug_abbrev_offset();
            let table = match abbreviations.take() {
                Some((at, table)) if at == offset => table,
                _ => debug_abbrev.abbreviations(offset)?,
            };
            let root = self.entries(&unit, &table)?;
            abbreviations = Some((offset, table));
            if let Some(stmt_list) = root.stmt_list {
                if line_programs.insert(stmt_list.0) {
                    self.line_program(&debug_line, stmt_list, unit.encoding(), &root)?;
                }
            }
        }
        Ok(())
    }

    /// Walks a unit's entries: their number, nesting, strings and ranges.
    fn entries(
        &mut self,
        unit: &gimli::UnitHeader<Reader<'a>>,
        abbreviations: &gimli::Abbreviations,
    ) -> Result<UnitRoot, DebugInfoError> {
        let encoding = unit.encoding();
        let mut root = UnitRoot::default();
        let mut entries = unit.entries_raw(abbreviations, None)?;
        let mut first = true;
        while !entries.is_empty() {
            let depth = usize::try_from(entries.next_depth()).unwrap_or(0);
            within(depth, self.limits.depth, "the nesting of DWARF entries")?;
            let Some(abbreviation) = entries.read_abbreviation()? else {
                continue;
            };
            self.entries += 1;
            within(
                self.entries,
                self.limits.entries,
                "the number of DWARF entries",
            )?;
            for spec in abbreviation.attributes() {
                let attribute = entries.read_attribute(*spec)?;
                let value = attribute.value();
                match value {
                    AttributeValue::String(text) => within(
                        text.len(),
                        self.limits.string_bytes,
                        "a string in the DWARF",
                    )?,
                    AttributeValue::RangeListsRef(offset) => {
                        self.count_ranges(RangeListsOffset(offset.0), encoding)?
                    }
                    AttributeValue::DebugRngListsIndex(_) if encoding.version >= 5 => {
                        // Read through `DW_AT_rnglists_base`: counted as one range.
                        self.add_ranges(1)?
                    }
                    _ => {}
                }
                if first {
                    match (attribute.name(), value) {
                        (gimli::DW_AT_stmt_list, AttributeValue::DebugLineRef(offset)) => {
                            root.stmt_list = Some(offset)
                        }
                        (gimli::DW_AT_str_offsets_base, AttributeValue::DebugStrOffsetsBase(b)) => {
                            root.str_offsets_base = Some(b)
                        }
                        (gimli::DW_AT_comp_dir, value) => {
                            root.comp_dir = self.string_len(value, encoding, &root)
                        }
                        _ => {}
                    }
                }
            }
            first = false;
        }
        Ok(root)
    }

    fn count_ranges(
        &mut self,
        offset: RangeListsOffset,
        encoding: Encoding,
    ) -> Result<(), DebugInfoError> {
        let mut ranges = self.ranges.raw_ranges(offset, encoding)?;
        while ranges.next()?.is_some() {
            self.add_ranges(1)?;
        }
        Ok(())
    }

    fn add_ranges(&mut self, count: usize) -> Result<(), DebugInfoError> {
        self.ranges_read += count;
        within(
            self.ranges_read,
            self.limits.ranges,
            "the number of address ranges",
        )
    }

    /// Checks a line program: its file entries, the paths made of them, its rows.
    fn line_program(
        &mut self,
        debug_line: &DebugLine<Reader<'a>>,
        offset: DebugLineOffset,
        encoding: Encoding,
        root: &UnitRoot,
    ) -> Result<(), DebugInfoError> {
        let program = debug_line.program(offset, encoding.address_size, None, None)?;
        let header = program.header();
        let encoding = header.encoding();
        self.files += header.file_names().len() + header.include_directories().len();
        within(
            self.files,
            self.limits.files,
            "the number of line-table files",
        )?;
        for file in header.file_names() {
            let directory = file
                .directory(header)
                .map_or(0, |dir| self.string_len(dir, encoding, root));
            let name = self.string_len(file.path_name(), encoding, root);
            self.path_bytes += root.comp_dir + directory + name;
            within(
                self.path_bytes,
                self.limits.path_bytes,
                "the length of the line tables' file paths",
            )?;
        }
        let mut rows = program.rows();
        while rows.next_row()?.is_some() {
            self.line_rows += 1;
            within(
                self.line_rows,
                self.limits.line_rows,
                "the number of line-table rows",
            )?;
        }
        Ok(())
    }

    /// The length of a string attribute, wherever it is kept (0 if it cannot be read:
    /// the readers then have nothing to build from it either).
    fn string_len(
        &self,
        value: AttributeValue<Reader<'a>>,
        encoding: Encoding,
        root: &UnitRoot,
    ) -> usize {
        let text = match value {
            AttributeValue::String(text) => Ok(text),
            AttributeValue::DebugStrRef(offset) => self.debug_str.get_str(offset),
            AttributeValue::DebugLineStrRef(offset) => self.debug_line_str.get_str(offset),
            AttributeValue::DebugStrOffsetsIndex(index) => {
                let base = root.str_offsets_base.unwrap_or_else(|| {
                    DebugStrOffsetsBase::default_for_encoding_and_file(
                        encoding,
                        DwarfFileType::Main,
                    )
                });
                self.debug_str_offsets
                    .get_str_offset(encoding.format, base, index)
                    .and_then(|offset| self.debug_str.get_str(offset))
            }
            _ => return 0,
        };
        text.map_or(0, |text| text.len())
    }
}

/// `code` with its DWARF sections renamed so that no reader finds them (`.debug_info`
/// becomes `.ignoreinfo`): every byte keeps its offset, so code offsets, the Code
/// section and the module's size are unchanged.
pub fn without_dwarf(code: &[u8]) -> Vec<u8> {
    let mut hidden = code.to_vec();
    for payload in Parser::new(0).parse_all(code) {
        let Ok(Payload::CustomSection(section)) = payload else {
            continue;
        };
        let name = section.name();
        if !name.starts_with(".debug_") {
            continue;
        }
        // The name's bytes sit just before the section's data.
        let end = section.data_offset();
        let start = end - name.len();
        hidden[start..start + 7].copy_from_slice(b".ignore");
    }
    hidden
}
