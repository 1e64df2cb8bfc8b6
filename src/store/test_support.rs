//! What the erasure tests of several stores share: a reader holding an old snapshot, and a
//! search of the raw bytes of files; and a store as it was before the memory search index.

use std::path::Path;

use rusqlite::Connection;

use super::{STORE_FILE, Store};

/// A second connection to the store's file in the middle of a read transaction, as a
/// worker or the app may hold one: it keeps the write-ahead log alive until it ends.
pub fn reader_in_transaction(store: &Store) -> Connection {
    let reader = Connection::open(store.data_dir().join(STORE_FILE)).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .unwrap();
    reader
}

/// The files under `dir`, at any depth, whose raw bytes hold `needle`.
pub fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if std::fs::read(&path)
            .unwrap_or_default()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
        {
            found.push(path.display().to_string());
        }
    }
    found
}

/// Drops the memory search index's tables, as a store from before migration 7 was.
pub fn drop_memory_index(connection: &rusqlite::Connection) {
    let tables: Vec<String> = connection
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'memory_index_%'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for table in tables {
        connection
            .execute_batch(&format!("DROP TABLE {table}"))
            .unwrap();
    }
}
