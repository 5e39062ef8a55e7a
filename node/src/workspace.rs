//! Workspaces: named chains side by side under one base path
//! (`<base>/workspaces/<name>`), and a small metadata file naming the default one
//! (`<base>/workspaces/workspaces.json`).

use std::{
    fs,
    path::{Path, PathBuf},
};

use serde_json::json;

const METADATA: &str = "workspaces.json";

pub struct Workspaces {
    root: PathBuf,
}

impl Workspaces {
    /// The workspaces under `base` (`-d`), or under the default base path.
    pub fn under(base: Option<&Path>) -> Workspaces {
        let base = base.map(Path::to_path_buf).unwrap_or_else(|| {
            sc_service::BasePath::from_project("", "", "europa")
                .path()
                .to_path_buf()
        });
        Workspaces {
            root: base.join("workspaces"),
        }
    }

    /// A workspace name: 1 to 64 ASCII letters, digits, `-` or `_` (it becomes a
    /// directory name, so nothing that could leave the workspaces directory).
    pub fn check_name(name: &str) -> Result<(), String> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            Ok(())
        } else {
            Err(format!(
                "invalid workspace name '{name}': use 1 to 64 letters, digits, - or _"
            ))
        }
    }

    /// Where workspace `name` keeps its chain.
    pub fn path(&self, name: &str) -> Result<PathBuf, String> {
        Self::check_name(name)?;
        Ok(self.root.join(name))
    }

    pub fn list(&self) -> Result<Vec<String>, String> {
        let entries = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("{}: {e}", self.root.display())),
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| Self::check_name(name).is_ok())
            .collect();
        names.sort();
        Ok(names)
    }

    /// The default workspace, if one was chosen and still exists.
    pub fn default(&self) -> Result<Option<String>, String> {
        let path = self.root.join(METADATA);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let metadata: serde_json::Value = match serde_json::from_str(&text) {
            Ok(metadata) => metadata,
            // A damaged list only loses the choice of default: never blocks a start.
            Err(error) => {
                log::warn!(target: "europa", "{} is damaged ({error}): no default workspace", path.display());
                return Ok(None);
            }
        };
        Ok(metadata["default"]
            .as_str()
            .filter(|name| Self::check_name(name).is_ok() && self.root.join(name).is_dir())
            .map(str::to_owned))
    }

    /// Makes `name` the default (creating it if needed).
    pub fn set_default(&self, name: Option<&str>) -> Result<(), String> {
        if let Some(name) = name {
            fs::create_dir_all(self.path(name)?).map_err(|e| format!("{name}: {e}"))?;
        }
        fs::create_dir_all(&self.root).map_err(|e| format!("{}: {e}", self.root.display()))?;
        let path = self.root.join(METADATA);
        crate::files::write_atomically(&path, json!({ "default": name }).to_string().as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Removes workspace `name` and its chain; it stops being the default.
    pub fn delete(&self, name: &str) -> Result<(), String> {
        let path = self.path(name)?;
        if !path.is_dir() {
            return Err(format!("no workspace '{name}' in {}", self.root.display()));
        }
        if self.default()?.as_deref() == Some(name) {
            self.set_default(None)?;
        }
        fs::remove_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))
    }
}
