//! The committed guest fixture must exist and keep what the DWARF tests rely on.

use wasmparser::{Parser, Payload};

#[test]
fn guest_fixture_keeps_dwarf_and_names() {
    // Read from the run-time manifest dir: a build directory shared between clones may
    // hold a test binary compiled in another checkout.
    let path = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"))
        .join("fixtures/guest.wasm");
    let code = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run scripts/build-sandbox-fixtures.sh",
            path.display()
        )
    });
    let mut sections = Vec::new();
    for payload in Parser::new(0).parse_all(&code) {
        if let Payload::CustomSection(section) = payload.expect("fixture parses") {
            sections.push(section.name().to_string());
        }
    }
    for required in [
        ".debug_info",
        ".debug_line",
        ".debug_abbrev",
        ".debug_str",
        "name",
    ] {
        assert!(
            sections.iter().any(|s| s == required),
            "fixture lost its `{required}` section; has {sections:?}"
        );
    }
}
