//! Project-AI's Black Vault: content the user denied, by the hex SHA-256 of its UTF-8 text,
//! in the app's own `<data_dir>/learning_requests/requests.db`
//! (`black_vault(hash TEXT PRIMARY KEY)`, written by its LearningRequestManager), plus the
//! legacy JSON files where they exist. Checks fail closed: a vault that exists but cannot be
//! read is an error, never an "allowed".
//!
//! Content is denied when the hash of its raw text or of its canonical form
//! (`crate::canonical`) is in the vault. Project-AI's own entries hash the raw text; `add`
//! records both hashes, so a variant that reads the same (a trailing space, CRLF, NFD,
//! full-width letters) is denied as well as the text as given.

use std::path::{Path, PathBuf};

use rusqlite::{OpenFlags, OptionalExtension};
use sha2::{Digest, Sha256};

use super::{StoreError, open_connection, without_checkpoint_on_close};
use crate::canonical::canonical;

/// The hash Project-AI stores: `hashlib.sha256(text.encode()).hexdigest()`.
pub fn content_hash(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// The hashes under which content is denied: of its raw text and of its canonical form
/// (one hash when they are the same).
pub fn vault_hashes(content: &str) -> Vec<String> {
    let mut hashes = vec![content_hash(content)];
    let canonical_hash = content_hash(&canonical(content));
    if canonical_hash != hashes[0] {
        hashes.push(canonical_hash);
    }
    hashes
}

#[derive(Debug, Clone)]
pub struct BlackVault {
    folder: PathBuf,
}

impl BlackVault {
    pub fn new(data_dir: &Path) -> Self {
        BlackVault {
            folder: data_dir.join("learning_requests"),
        }
    }

    /// The app's database.
    pub fn database(&self) -> PathBuf {
        self.folder.join("requests.db")
    }

    /// The file the original Temporal activity read: `{"hashes": [...]}`.
    pub fn legacy_vault_file(&self) -> PathBuf {
        self.folder.join("black_vault.json")
    }

    /// The app's pre-SQLite file, whose "black_vault" list it migrates into the database.
    pub fn legacy_requests_file(&self) -> PathBuf {
        self.folder.join("requests.json")
    }

    /// Whether the vault denies the content: its raw or its canonical hash is there.
    pub fn denies(&self, content: &str) -> Result<bool, StoreError> {
        self.contains_any(&vault_hashes(content))
    }

    /// Whether the hash is in the vault.
    pub fn contains_hash(&self, hash: &str) -> Result<bool, StoreError> {
        self.contains_any(&[hash.to_owned()])
    }

    /// Whether any of the hashes is in the vault. Absent files are an empty vault;
    /// unreadable ones are an error.
    pub fn contains_any(&self, hashes: &[String]) -> Result<bool, StoreError> {
        Ok(self.in_database(hashes)?
            || self.in_json(&self.legacy_vault_file(), "hashes", hashes)?
            || self.in_json(&self.legacy_requests_file(), "black_vault", hashes)?)
    }

    fn in_database(&self, hashes: &[String]) -> Result<bool, StoreError> {
        let path = self.database();
        if !path.exists() {
            return Ok(false);
        }
        let connection =
            rusqlite::Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| StoreError::sqlite(&path, e))?;
        without_checkpoint_on_close(&path, &connection)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| StoreError::sqlite(&path, e))?;
        let has_table: bool = connection
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'black_vault'",
                [],
                |_| Ok(true),
            )
            .optional()
            .map_err(|e| StoreError::sqlite(&path, e))?
            .unwrap_or(false);
        if !has_table {
            // The app creates the table with its first request; until then nothing is denied.
            return Ok(false);
        }
        for hash in hashes {
            let found = connection
                .query_row("SELECT 1 FROM black_vault WHERE hash = ?1", [hash], |_| {
                    Ok(())
                })
                .optional()
                .map_err(|e| StoreError::sqlite(&path, e))?;
            if found.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn in_json(&self, path: &Path, key: &str, hashes: &[String]) -> Result<bool, StoreError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(StoreError::io(path, e)),
        };
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            StoreError::Invalid(format!("{} is not valid JSON: {e}", path.display()))
        })?;
        Ok(value
            .get(key)
            .and_then(|v| v.as_array())
            .is_some_and(|list| {
                list.iter()
                    .any(|h| h.as_str().is_some_and(|h| hashes.iter().any(|x| x == h)))
            }))
    }

    /// Adds content to the app's vault table under its raw and its canonical hash
    /// (creating the database and table with the app's own schema when needed); true when
    /// either was not there yet.
    pub fn add(&self, content: &str) -> Result<bool, StoreError> {
        self.write_each(
            "INSERT OR IGNORE INTO black_vault(hash) VALUES (?1)",
            content,
        )
    }

    /// Removes content's raw and canonical hash from the app's vault table, which lets
    /// its variants through again; true when either was there.
    pub fn remove(&self, content: &str) -> Result<bool, StoreError> {
        self.write_each("DELETE FROM black_vault WHERE hash = ?1", content)
    }

    /// Runs `statement` once for each of the content's hashes, in one transaction.
    fn write_each(&self, statement: &str, content: &str) -> Result<bool, StoreError> {
        let hashes = vault_hashes(content);
        self.write(|c| {
            let transaction = c.unchecked_transaction()?;
            let mut changed = 0;
            for hash in &hashes {
                changed += transaction.execute(statement, [hash])?;
            }
            transaction.commit()?;
            Ok(changed)
        })
    }

    fn write(
        &self,
        op: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<usize>,
    ) -> Result<bool, StoreError> {
        std::fs::create_dir_all(&self.folder).map_err(|e| StoreError::io(&self.folder, e))?;
        let path = self.database();
        let connection = open_connection(&path)?;
        // The app's schema, exactly as its LearningRequestManager creates it.
        connection
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, topic TEXT, description TEXT, \
                 priority INTEGER, status TEXT, created TEXT, response TEXT, reason TEXT);
                 CREATE TABLE IF NOT EXISTS black_vault (hash TEXT PRIMARY KEY);",
            )
            .map_err(|e| StoreError::sqlite(&path, e))?;
        op(&connection)
            .map(|n| n > 0)
            .map_err(|e| StoreError::sqlite(&path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_python() {
        // hashlib.sha256("hello".encode()).hexdigest()
        assert_eq!(
            content_hash("hello"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }

    #[test]
    fn add_check_remove_and_legacy_files() {
        let dir = tempfile::tempdir().unwrap();
        let vault = BlackVault::new(dir.path());
        assert!(
            !vault.contains_hash(&content_hash("x")).unwrap(),
            "no files: empty vault"
        );
        assert!(vault.add("secret plans").unwrap());
        assert!(!vault.add("secret plans").unwrap());
        assert!(vault.contains_hash(&content_hash("secret plans")).unwrap());
        assert!(vault.remove("secret plans").unwrap());
        assert!(!vault.contains_hash(&content_hash("secret plans")).unwrap());
        std::fs::write(
            vault.legacy_vault_file(),
            format!(r#"{{"hashes": ["{}"]}}"#, content_hash("old")),
        )
        .unwrap();
        assert!(vault.contains_hash(&content_hash("old")).unwrap());
        std::fs::write(
            vault.legacy_requests_file(),
            format!(r#"{{"black_vault": ["{}"]}}"#, content_hash("older")),
        )
        .unwrap();
        assert!(vault.contains_hash(&content_hash("older")).unwrap());
    }

    #[test]
    fn variants_of_denied_content_are_denied() {
        let dir = tempfile::tempdir().unwrap();
        let vault = BlackVault::new(dir.path());
        let denied = "Secret plans for the café\nSecond line";
        // Project-AI's own entry: the SHA-256 of the raw text, in the JSON file.
        std::fs::create_dir_all(dir.path().join("learning_requests")).unwrap();
        std::fs::write(
            vault.legacy_vault_file(),
            format!(r#"{{"hashes": ["{}"]}}"#, content_hash(denied)),
        )
        .unwrap();
        let nfd = denied.replace('é', "e\u{301}");
        let variants = [
            denied.to_owned(),
            format!("{denied} "),
            denied.replace('\n', "\r\n"),
            format!("\n{denied}"),
            nfd,
            denied.replace("Secret", "Ｓｅｃｒｅｔ"),
        ];
        for variant in &variants {
            assert!(vault.denies(variant).unwrap(), "{variant:?}");
        }
        assert!(!vault.denies("Secret plans for the cafe").unwrap());
        // Added in the app's table: the raw and the canonical hash, and the variants of a
        // variant are denied too.
        std::fs::remove_file(vault.legacy_vault_file()).unwrap();
        assert!(vault.add(&format!("{denied}\r\n")).unwrap());
        for variant in &variants {
            assert!(vault.denies(variant).unwrap(), "{variant:?}");
        }
        assert!(vault.remove(denied).unwrap());
        assert!(!vault.denies(denied).unwrap());
    }

    #[test]
    fn unreadable_vault_fails_closed() {
        let dir = tempfile::tempdir().unwrap();
        let vault = BlackVault::new(dir.path());
        std::fs::create_dir_all(dir.path().join("learning_requests")).unwrap();
        std::fs::write(
            vault.database(),
            b"this is not a database, just text that is long enough",
        )
        .unwrap();
        assert!(vault.contains_hash("h").is_err());
        std::fs::remove_file(vault.database()).unwrap();
        std::fs::write(vault.legacy_vault_file(), "{oops").unwrap();
        assert!(vault.contains_hash("h").is_err());
    }
}
