//! The Rust sources a contract's DWARF names: which are library code, and reading them
//! when they are on this machine. The paths come from the contract, so only `.rs` files
//! of a bounded size are read.

/// Largest source file Europa reads.
pub const MAX_SOURCE_BYTES: u64 = 4 * 1024 * 1024;

/// Whether `path` is library code: the toolchain's sources as rustc names them
/// (`/rustc/<hash>/…`) or as rustup installs them (`…/rustlib/src/rust/…`), or a crate
/// as cargo unpacks it from a registry or git (also when remapped, `/cargo/…`).
pub fn is_library_path(path: &str) -> bool {
    const LIBRARY: &[&str] = &[
        "/rustlib/src/rust/",
        "/registry/src/",
        "/index.crates.io-",
        "/git/checkouts/",
    ];
    path.starts_with("/rustc/")
        || path.starts_with("/cargo/")
        || path.starts_with("/cargo-git/")
        || path.starts_with("library/")
        || LIBRARY.iter().any(|marker| path.contains(marker))
}

/// The text of `path` when it is a Rust source file on this machine of at most
/// [`MAX_SOURCE_BYTES`].
pub fn read_source(path: &str) -> Option<String> {
    let path = std::path::Path::new(path);
    let readable = path.extension().is_some_and(|e| e == "rs")
        && std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= MAX_SOURCE_BYTES);
    readable
        .then(|| std::fs::read_to_string(path).ok())
        .flatten()
}

/// Reads sources for one answer, up to a total: what is past it is left unread.
pub struct SourceBudget {
    left: usize,
}

impl SourceBudget {
    pub fn new(bytes: usize) -> Self {
        SourceBudget { left: bytes }
    }

    /// The lines of `path`, if it is readable and fits what is left.
    pub fn lines(&mut self, path: &str) -> Option<Vec<String>> {
        let text = read_source(path)?;
        self.left = self.left.checked_sub(text.len())?;
        Some(text.lines().map(str::to_owned).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_paths_are_told_from_the_contract_s_own() {
        for library in [
            "/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/option.rs",
            "/home/me/.cargo/registry/src/index.crates.io-6f17d22bba15001f/ink-5.1.1/src/lib.rs",
            "/cargo/src/index.crates.io-1949cf8c6b5b557f/ink_env-5.1.1/src/api.rs",
            "/rustup/toolchains/stable-x86_64-unknown-linux-gnu/lib/rustlib/src/rust/library/core/src/option.rs",
        ] {
            assert!(is_library_path(library), "{library}");
        }
        assert!(!is_library_path("/home/me/flipper/lib.rs"));
        assert!(!is_library_path("/europa/flipper/lib.rs"));
        assert!(!is_library_path("lib.rs"));
    }

    #[test]
    fn only_rust_sources_are_read_and_within_the_budget() {
        let dir = std::env::temp_dir().join(format!("europa-sources-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let source = dir.join("lib.rs");
        std::fs::write(&source, "fn a() {}\nfn b() {}\n").unwrap();
        let other = dir.join("secret.txt");
        std::fs::write(&other, "no").unwrap();
        assert_eq!(read_source(other.to_str().unwrap()), None);
        let mut budget = SourceBudget::new(30);
        assert_eq!(budget.lines(source.to_str().unwrap()).unwrap().len(), 2);
        assert_eq!(
            budget.lines(source.to_str().unwrap()),
            None,
            "the budget is spent"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
