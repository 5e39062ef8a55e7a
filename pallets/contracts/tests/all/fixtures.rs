//! Every contract fixture has both built artifacts, and they were built from the
//! sources as they are now: `scripts/build-contract-fixtures.sh` records the hashes in
//! `fixtures/manifest.txt` (the rule is in its header), this test recomputes them, and
//! checks that each `.contract` bundle holds the WASM 1.0 build.

use std::{collections::BTreeMap, path::Path};

fn hex_sha256(data: &[u8]) -> String {
    sp_io::hashing::sha2_256(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The files of a contract crate that define its build, relative, with `/`.
fn source_files(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable")
        .map(|e| e.expect("entry"))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().into_string().expect("utf-8 file name");
        let path = format!("{prefix}{name}");
        if entry.file_type().expect("file type").is_dir() {
            if name != "target" {
                source_files(&entry.path(), &format!("{path}/"), out);
            }
        } else if name == "Cargo.toml" || name == "Cargo.lock" || name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn source_hash(dir: &Path) -> String {
    let mut files = Vec::new();
    source_files(dir, "", &mut files);
    files.sort();
    let listing: String = files
        .iter()
        .map(|f| {
            format!(
                "{}  {f}\n",
                hex_sha256(&std::fs::read(dir.join(f)).expect("readable"))
            )
        })
        .collect();
    hex_sha256(listing.as_bytes())
}

#[test]
fn every_fixture_is_built_and_up_to_date() {
    let root = crate::mock::fixtures_dir();
    let manifest =
        std::fs::read_to_string(root.join("manifest.txt")).expect("fixtures/manifest.txt");
    let recorded: BTreeMap<&str, BTreeMap<&str, &str>> = manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let mut parts = line.split_whitespace();
            let name = parts.next().expect("a name");
            (name, parts.filter_map(|p| p.split_once('=')).collect())
        })
        .collect();

    let mut contracts: Vec<String> = std::fs::read_dir(root.join("contracts"))
        .expect("fixtures/contracts")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    contracts.sort();
    assert!(contracts.len() >= 9, "{contracts:?}");
    let rebuild = "run scripts/build-contract-fixtures.sh";
    for name in &contracts {
        let hashes = recorded
            .get(name.as_str())
            .unwrap_or_else(|| panic!("{name} is not in the manifest; {rebuild}"));
        assert_eq!(
            hashes.get("source").copied(),
            Some(source_hash(&root.join("contracts").join(name)).as_str()),
            "the sources of {name} changed since its artifacts were built; {rebuild}"
        );
        let bundle_path = root.join("metadata").join(format!("{name}.contract"));
        let bundle: serde_json::Value = serde_json::from_slice(
            &std::fs::read(&bundle_path)
                .unwrap_or_else(|e| panic!("{}: {e}; {rebuild}", bundle_path.display())),
        )
        .expect("a JSON bundle");
        let mvp = std::fs::read(root.join("mvp").join(format!("{name}.wasm"))).unwrap_or_default();
        let hex = |bytes: &[u8]| {
            format!(
                "0x{}",
                bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
            )
        };
        assert_eq!(
            bundle["source"]["wasm"],
            hex(&mvp),
            "{name}.contract holds other code; {rebuild}"
        );
        assert_eq!(
            bundle["source"]["hash"],
            hex(&sp_io::hashing::blake2_256(&mvp)),
            "{name}.contract: code hash; {rebuild}"
        );
        for build in ["dwarf", "mvp"] {
            let path = root.join(build).join(format!("{name}.wasm"));
            let artifact = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("{}: {e}; {rebuild}", path.display()));
            assert_eq!(
                hashes.get(build).copied(),
                Some(hex_sha256(&artifact).as_str()),
                "{} is not the artifact the manifest records; {rebuild}",
                path.display()
            );
        }
    }
}
