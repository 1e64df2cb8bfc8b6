//! Which files a worker may read for analysis: a regular file with a known extension,
//! under the size limit, whose real path (symlinks followed) lies inside an allowed root.
//! A worker must not read any file a client names.

use std::path::{Path, PathBuf};

/// Extensions the loaders read (compared case-insensitively).
pub const EXTENSIONS: &[&str] = &["csv", "tsv", "txt", "json", "jsonl", "xlsx", "parquet"];

#[derive(Debug, Clone)]
pub struct FilePolicy {
    /// Folders analysis may read from, already resolved.
    roots: Vec<PathBuf>,
    pub max_bytes: u64,
}

impl FilePolicy {
    /// Roots that do not exist are dropped: nothing can be inside them.
    pub fn new(roots: &[PathBuf], max_bytes: u64) -> Self {
        FilePolicy {
            roots: roots.iter().filter_map(|r| r.canonicalize().ok()).collect(),
            max_bytes,
        }
    }

    /// The file's real path when it may be analysed, else why not.
    pub fn check(&self, path: &str) -> Result<PathBuf, String> {
        if path.trim().is_empty() {
            return Err("file_path is empty".into());
        }
        let given = Path::new(path);
        let real = given.canonicalize().map_err(|e| format!("{path}: {e}"))?;
        if !self.roots.iter().any(|root| real.starts_with(root)) {
            let roots: Vec<String> = self.roots.iter().map(|r| r.display().to_string()).collect();
            return Err(format!(
                "{path} resolves to {}, outside the folders analysis may read ({})",
                real.display(),
                roots.join(", ")
            ));
        }
        let meta = std::fs::metadata(&real).map_err(|e| format!("{path}: {e}"))?;
        if !meta.is_file() {
            return Err(format!("{path} is not a regular file"));
        }
        let extension = real
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if !EXTENSIONS.contains(&extension.as_str()) {
            return Err(format!(
                "{path} has extension {extension:?}; allowed: .{}",
                EXTENSIONS.join(", .")
            ));
        }
        if meta.len() > self.max_bytes {
            return Err(format!(
                "{path} has {} bytes, over the {}-byte limit",
                meta.len(),
                self.max_bytes
            ));
        }
        Ok(real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_symlinks_extensions_and_size() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let data = root.path().join("data.CSV");
        std::fs::write(&data, "a\n1\n").unwrap();
        let policy = FilePolicy::new(&[root.path().to_path_buf()], 100);
        assert_eq!(
            policy.check(data.to_str().unwrap()).unwrap(),
            data.canonicalize().unwrap()
        );

        let secret = outside.path().join("secret.csv");
        std::fs::write(&secret, "x\n").unwrap();
        let err = policy.check(secret.to_str().unwrap()).unwrap_err();
        assert!(err.contains("outside the folders"), "{err}");
        let dotdot = root
            .path()
            .join("..")
            .join(outside.path().file_name().unwrap())
            .join("secret.csv");
        assert!(
            policy
                .check(dotdot.to_str().unwrap())
                .unwrap_err()
                .contains("outside")
        );
        let link = root.path().join("link.csv");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        assert!(
            policy
                .check(link.to_str().unwrap())
                .unwrap_err()
                .contains("outside"),
            "symlinks are followed"
        );

        let exe = root.path().join("run.sh");
        std::fs::write(&exe, "x").unwrap();
        assert!(
            policy
                .check(exe.to_str().unwrap())
                .unwrap_err()
                .contains("allowed: .csv")
        );
        assert!(
            policy
                .check(root.path().to_str().unwrap())
                .unwrap_err()
                .contains("not a regular file")
        );
        std::fs::write(&data, "x".repeat(101)).unwrap();
        assert!(
            policy
                .check(data.to_str().unwrap())
                .unwrap_err()
                .contains("over the 100-byte limit")
        );
        assert!(
            policy
                .check(root.path().join("missing.csv").to_str().unwrap())
                .is_err()
        );
    }
}
