//! Untrusted DWARF: every limit of `debug_info::check` holds against the guest fixture's
//! real DWARF, code over a limit still runs and traps with its DWARF hidden (and says
//! so), and mutated DWARF never takes the process down on its way through wasmtime's trap
//! symbolization.
//!
//! The normal run checks `EUROPA_DWARF_FUZZ_CASES` mutations (default 100); a long run:
//! EUROPA_DWARF_FUZZ_CASES=20000 cargo test -p europa-sandbox --release --test all debug_info

use europa_sandbox::{
    debug_info::{self, DebugInfoError, DebugLimits},
    *,
};
use wasmparser::{Parser, Payload};

fn guest() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"))
            .join("fixtures/guest.wasm"),
    )
    .expect("fixtures/guest.wasm")
}

/// Where the DWARF sections' contents are in `code`.
fn dwarf_ranges(code: &[u8]) -> Vec<std::ops::Range<usize>> {
    Parser::new(0)
        .parse_all(code)
        .filter_map(|payload| match payload {
            Ok(Payload::CustomSection(section)) if section.name().starts_with(".debug_") => {
                Some(section.data_offset()..section.data_offset() + section.data().len())
            }
            _ => None,
        })
        .collect()
}

fn wasmtime() -> Engine {
    Engine::new(SandboxConfig::new(Executor::Wasmtime)).expect("engine")
}

/// Runs the guest's panic on wasmtime: the trap, symbolized from whatever DWARF `code`
/// has.
fn trap_of(engine: &Engine, code: &[u8]) -> Trap {
    let mut state = ();
    let mut instance = Instance::new(
        engine,
        code,
        &EnvironmentDefinitionBuilder::new(),
        &mut state,
    )
    .expect("the guest instantiates");
    instance.set_fuel(1_000_000);
    match instance.invoke("panic_deep", &[Value::I32(1)], &mut state) {
        Err(Error::Trap(trap)) => trap,
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn every_limit_holds_against_real_dwarf() {
    let code = guest();
    assert_eq!(debug_info::check(&code, &DebugLimits::default()), Ok(()));
    let defaults = DebugLimits::default();
    for (limits, what) in [
        (
            DebugLimits {
                depth: 2,
                ..defaults
            },
            "nesting",
        ),
        (
            DebugLimits {
                entries: 10,
                ..defaults
            },
            "DWARF entries",
        ),
        (
            DebugLimits {
                string_bytes: 8,
                ..defaults
            },
            "string",
        ),
        (
            DebugLimits {
                files: 1,
                ..defaults
            },
            "files",
        ),
        (
            DebugLimits {
                path_bytes: 16,
                ..defaults
            },
            "file paths",
        ),
        (
            DebugLimits {
                line_rows: 10,
                ..defaults
            },
            "rows",
        ),
        (
            DebugLimits {
                units: 0,
                ..defaults
            },
            "units",
        ),
        (
            DebugLimits {
                abbrev_bytes: 8,
                ..defaults
            },
            ".debug_abbrev",
        ),
        (
            DebugLimits {
                line_bytes: 8,
                ..defaults
            },
            ".debug_line",
        ),
        (
            DebugLimits {
                total_bytes: 8,
                ..defaults
            },
            "DWARF sections",
        ),
    ] {
        match debug_info::check(&code, &limits) {
            Err(DebugInfoError::OverLimit { what: said, .. }) => {
                assert!(said.contains(what), "{what}: {said}")
            }
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[test]
fn hidden_dwarf_keeps_every_offset_and_is_read_by_no_one() {
    let code = guest();
    let hidden = debug_info::without_dwarf(&code);
    assert_eq!(hidden.len(), code.len());
    assert!(dwarf_ranges(&hidden).is_empty());
    // Hidden, the trap has its frames and offsets but no source lines.
    let engine = wasmtime();
    let (plain, without) = (trap_of(&engine, &code), trap_of(&engine, &hidden));
    assert!(plain.backtrace.iter().any(|f| f.location.is_some()));
    assert!(without.backtrace.iter().all(|f| f.location.is_none()));
    let offsets =
        |trap: &Trap| -> Vec<_> { trap.backtrace.iter().map(|f| f.module_offset).collect() };
    let mut plain_offsets = offsets(&plain);
    plain_offsets.dedup();
    assert_eq!(plain_offsets, offsets(&without));
}

#[test]
fn mutated_dwarf_is_read_within_bounds_or_ignored() {
    let code = guest();
    let ranges = dwarf_ranges(&code);
    let cases: u64 = std::env::var("EUROPA_DWARF_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(100);
    let (mut ignored, mut read) = (0, 0);
    let engine = wasmtime();
    for seed in 0..cases {
        // splitmix64: reproducible mutations without a dependency.
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let mut mutated = code.clone();
        for _ in 0..1 + next() % 16 {
            let range = &ranges[next() as usize % ranges.len()];
            let at = range.start + next() as usize % range.len();
            mutated[at] = match next() % 3 {
                0 => next() as u8,
                1 => 0,
                _ => 0xff,
            };
        }
        let checked = debug_info::check(&mutated, &DebugLimits::default());
        let trap = trap_of(&engine, &mutated);
        assert_eq!(trap.kind, TrapKind::Unreachable, "seed {seed}");
        match checked {
            Ok(()) => {
                assert_eq!(trap.debug_info_ignored, None, "seed {seed}");
                read += 1;
            }
            Err(error) => {
                assert_eq!(
                    trap.debug_info_ignored,
                    Some(error.to_string()),
                    "seed {seed}"
                );
                ignored += 1;
            }
        }
    }
    eprintln!("mutated DWARF: {read} read, {ignored} ignored");
}

/// A custom section named `name` holding `data`.
fn custom_section(name: &str, data: &[u8]) -> Vec<u8> {
    let leb = |mut value: usize, out: &mut Vec<u8>| loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    };
    let mut contents = Vec::new();
    leb(name.len(), &mut contents);
    contents.extend(name.as_bytes());
    contents.extend(data);
    let mut section = vec![0];
    leb(contents.len(), &mut section);
    section.extend(contents);
    section
}

#[test]
fn a_section_a_reader_would_take_instead_is_refused() {
    let code = guest();
    // wasmtime reads the last section of a name (and `.dwo` ones as the same), the
    // node's readers the first: DWARF this check did not see must not reach either.
    let info = |code: &[u8]| {
        Parser::new(0)
            .parse_all(code)
            .find_map(|payload| match payload {
                Ok(Payload::CustomSection(s)) if s.name() == ".debug_info" => {
                    Some(s.data().to_vec())
                }
                _ => None,
            })
            .expect("the guest has .debug_info")
    };
    let engine = wasmtime();
    for name in [
        ".debug_info",
        ".debug_info.dwo",
        ".debug_types",
        ".debug_str_sup",
    ] {
        let mut twice = code.clone();
        twice.extend(custom_section(name, &info(&code)));
        let checked = debug_info::check(&twice, &DebugLimits::default());
        assert!(
            matches!(checked, Err(DebugInfoError::Unsupported(_))),
            "{name}: {checked:?}"
        );
        let trap = trap_of(&engine, &twice);
        assert_eq!(
            trap.debug_info_ignored,
            checked.err().map(|e| e.to_string()),
            "{name}"
        );
        assert!(
            trap.backtrace.iter().all(|f| f.location.is_none()),
            "{name}"
        );
    }
}
