//! Files the node keeps beside a chain (snapshots, chain settings, the workspace list,
//! registered metadata and debug builds): written so that a crash at any moment leaves
//! either the old file or the new one, never a part of one.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

/// Writes `bytes` to `path` aside (`<path>.partial`, flushed to disk) and renames it over
/// `path`: a reader, or the node after a crash, sees the old contents or the new ones.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let mut file = fs::File::create(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&partial, path)?;
    // The rename itself reaches the disk with the directory (not every platform can
    // open a directory for that: best effort).
    if let Some(dir) = path.parent().and_then(|dir| fs::File::open(dir).ok()) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Moves a damaged file aside (`<path>.damaged`), so that the node goes on without it
/// and the file is still there to look at; returns where it went.
pub fn set_aside(path: &Path) -> io::Result<PathBuf> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(".damaged");
    let aside = PathBuf::from(aside);
    fs::rename(path, &aside)?;
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_a_damaged_one_set_aside() {
        let dir = std::env::temp_dir().join(format!("europa-files-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kept.json");
        write_atomically(&path, b"{\"a\":1}").unwrap();
        write_atomically(&path, b"{\"a\":2}").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{\"a\":2}");
        assert!(!dir.join("kept.json.partial").exists());
        let aside = set_aside(&path).unwrap();
        assert!(!path.exists());
        assert_eq!(fs::read(aside).unwrap(), b"{\"a\":2}");
        let _ = fs::remove_dir_all(&dir);
    }
}
