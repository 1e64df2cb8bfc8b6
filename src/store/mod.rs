//! The embedded store: one SQLite file per data dir (WAL, bundled SQLite with FTS5) that
//! several workers on one machine share, plus Project-AI's own files where they exist.
//! Every write is keyed by a content hash or a workflow id, so a retry, a replay or a second
//! worker never stores a record twice.

pub mod analysis_outputs;
pub mod black_vault;
pub mod checkpoint;
pub mod erasure;
pub mod fts;
pub mod images;
mod json_file;
pub mod knowledge;
mod knowledge_mirror;
mod lock_file;
pub mod memories;
pub mod postgres;
mod schema;
#[cfg(test)]
mod test_support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;

use crate::config::store_url::StoreLocation;
use postgres::Postgres;

pub use json_file::update_json_file;

/// The store file, relative to the data dir.
pub const STORE_FILE: &str = "project_ai_temporal.sqlite3";
/// How long a connection waits for another's lock before it fails.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    /// A bad argument to a query (an unknown kind, a limit out of range): the caller's
    /// mistake, not the store's.
    #[error("{0}")]
    Query(String),
    /// Another connection held the store longer than the caller would wait.
    #[error("{0}")]
    Busy(String),
    /// The shared store on PostgreSQL failed (away, refused, an error of a query);
    /// `target` is its URL without the password.
    #[error("store {target}: {message}")]
    Postgres { target: String, message: String },
}

impl StoreError {
    pub fn sqlite(path: &Path, source: rusqlite::Error) -> Self {
        StoreError::Sqlite {
            path: path.to_owned(),
            source,
        }
    }

    pub fn io(path: &Path, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// A handle on the data dir's store. Cheap to clone; writes are serialised in-process and
/// by SQLite's lock across processes. With a shared store (`store_url` on PostgreSQL) the
/// records live there, and the data dir's file keeps this host's copy of the knowledge,
/// from which its knowledge.json is written.
#[derive(Clone)]
pub struct Store {
    data_dir: PathBuf,
    /// Where images and analysis output folders are (`artifacts_dir`, else the data dir).
    artifacts_dir: PathBuf,
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
    shared: Option<Arc<Postgres>>,
    /// Knowledge entries queued for knowledge.json, and the state of their writer thread.
    mirror: Arc<knowledge_mirror::MirrorQueue>,
}

impl Store {
    /// Opens (creating when needed) the store under `data_dir` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::io(data_dir, e))?;
        let path = data_dir.join(STORE_FILE);
        let connection = open_connection(&path)?;
        let found = schema::migrate(&connection).map_err(|e| match e {
            schema::MigrateError::Sqlite(e) => StoreError::sqlite(&path, e),
            refused => StoreError::Invalid(format!("store {}: {refused}", path.display())),
        })?;
        memories::register_functions(&connection).map_err(|e| StoreError::sqlite(&path, e))?;
        let store = Store {
            data_dir: data_dir.to_owned(),
            artifacts_dir: data_dir.to_owned(),
            path,
            connection: Arc::new(Mutex::new(connection)),
            shared: None,
            mirror: Arc::default(),
        };
        if found < schema::MEMORY_INDEX_VERSION {
            store.index_pending_memories()?;
        }
        Ok(store)
    }

    /// The store `location` names for a data dir: the embedded one, or PostgreSQL (then
    /// the data dir's file keeps this host's copy of the knowledge); `pool_size`
    /// connections at most.
    pub fn open_at(
        data_dir: &Path,
        location: &StoreLocation,
        pool_size: u32,
    ) -> Result<Self, StoreError> {
        let mut store = Self::open(data_dir)?;
        if let StoreLocation::Postgres(url) = location {
            store.shared = Some(Arc::new(Postgres::connect(url, pool_size)?));
        }
        Ok(store)
    }

    /// Where the records live, as it may be shown: the embedded store's file, or the
    /// shared store's URL without its password.
    pub fn location(&self) -> String {
        match self.shared() {
            Some(shared) => shared.shown().to_owned(),
            None => format!("embedded (SQLite) {}", self.path.display()),
        }
    }

    /// Whether the records live in a shared store (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// The shared store, when the records live on PostgreSQL.
    pub(crate) fn shared(&self) -> Option<&Postgres> {
        self.shared.as_deref()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The same store, its images and analysis output folders in `artifacts_dir`.
    pub fn with_artifacts_dir(mut self, artifacts_dir: &Path) -> Self {
        self.artifacts_dir = artifacts_dir.to_owned();
        self
    }

    /// Where images (`generated_images/`) and analysis output folders (`analysis/`) are.
    pub fn artifacts_dir(&self) -> &Path {
        &self.artifacts_dir
    }

    /// The connection, for one short piece of work. A poisoned lock only means another
    /// thread panicked mid-call; SQLite's transactions keep the data whole, so go on.
    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.path, e)
    }
}

/// Makes closing `connection` skip SQLite's checkpoint of the write-ahead log. SQLite
/// 3.51's unix VFS deadlocks when one connection of a process opens a file while another
/// closes the last connection that holds its log: the close takes the file's lock mutex and
/// then the VFS mutex (to try the exclusive lock that checkpoint needs), the open takes them
/// the other way round. Seen in the test suite as a worker whose 500 blocking threads all
/// waited in `check_black_vault`, which opens Project-AI's requests.db per call. Skipping the
/// close-time checkpoint skips that lock; the log is still checkpointed as it grows (WAL
/// autocheckpoint) and by erasure (`store::checkpoint`).
pub fn without_checkpoint_on_close(path: &Path, connection: &Connection) -> Result<(), StoreError> {
    connection
        .set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .map(|_| ())
        .map_err(|e| StoreError::sqlite(path, e))
}

/// A connection with the settings every user of a store file needs.
pub fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let connection = Connection::open(path).map_err(|e| StoreError::sqlite(path, e))?;
    without_checkpoint_on_close(path, &connection)?;
    // Several workers share the file: wait for each other's locks instead of failing.
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| StoreError::sqlite(path, e))?;
    // secure_delete: whatever SQLite frees (a deleted or rewritten row, an index segment
    // merged away) is overwritten with zeros, so text a user had erased, or that was
    // rewritten before, never lingers in free space of the file.
    // A page cache of up to 32 MiB (SQLite's default is 2 MiB): a search of a common word
    // walks index pages all over a store of 100,000 memories, and pages not cached are read
    // again from the file with a system call each.
    // A checkpoint every 4,000 pages of log (16 MiB) instead of 1,000: the pages an
    // ingest rewrites in every transaction (the memories' hash index, the search index's
    // counts) are copied back to the file once per checkpoint, whatever number of versions
    // the log holds of them. An erasure empties the log itself (checkpoint::empty_wal).
    connection
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -32768; PRAGMA secure_delete = ON; PRAGMA wal_autocheckpoint = 4000;",
        )
        .map_err(|e| StoreError::sqlite(path, e))?;
    Ok(connection)
}

/// Seconds since the epoch, for timestamps in rows.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
