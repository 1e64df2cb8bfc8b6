//! Writing a file atomically: a temporary file in the same folder, fsynced, renamed over
//! the target, the folder fsynced.

use std::fs::{Metadata, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::platform;

/// Writes `bytes` to `folder/name`; a reader sees the old file or the new one, never half.
/// A file it replaces keeps its permission bits and, where we may set them, its owner and
/// group: a private 0600 knowledge.json stays private, one the app's user owns stays its
/// (on Windows, its read-only attribute; ACLs come from the folder).
pub fn write_atomically(folder: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(folder)?;
    let path = folder.join(name);
    let temp = folder.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let replaced = std::fs::metadata(&path).ok().filter(Metadata::is_file);
    let written = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        if replaced.is_some() {
            // Owner-only until the old mode is copied, so a private file is never readable
            // by others, not even as the temporary file.
            platform::create_with_mode(&mut options, 0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        if let Some(old) = &replaced {
            platform::take_owner_and_mode(&file, old)?;
        }
        file.sync_all()?;
        std::fs::rename(&temp, &path)?;
        platform::sync_folder(folder)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map(|()| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_atomically(dir.path(), "a.png", b"data").unwrap();
        assert_eq!(std::fs::read(path).unwrap(), b"data");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    #[cfg(unix)]
    fn atomic_write_keeps_mode_and_owner_of_the_file_it_replaces() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("private.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        // Only root may give a file away; elsewhere the owner is ours already.
        let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
        if root {
            std::os::unix::fs::chown(&path, Some(4321), Some(4322)).unwrap();
        }
        write_atomically(dir.path(), "private.json", b"new").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
        if root {
            assert_eq!((meta.uid(), meta.gid()), (4321, 4322));
        }
    }
}
