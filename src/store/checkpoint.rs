//! Emptying the write-ahead log after an erasure. Deleted rows are overwritten in the
//! database pages (secure_delete), but the log still holds the pages as they were until a
//! checkpoint copies the new ones back and truncates it; a connection reading an older
//! snapshot keeps the log alive, so the checkpoint waits for it, within a bound.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::{BUSY_TIMEOUT, StoreError};

/// How long an erasure waits for readers of an older snapshot by default: as long as a
/// writer waits for another's lock.
pub const DEFAULT_WAIT: Duration = BUSY_TIMEOUT;
/// The most an erasure may be told to wait.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);
const POLL: Duration = Duration::from_millis(50);

/// The write-ahead log of the database at `path`.
pub fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Checkpoints the log into the database and truncates it to zero bytes, retrying while
/// another connection still reads from it, for at most `wait`. `erased` says what the
/// caller removed, for the error when the log outlives the wait.
pub fn empty_wal(
    connection: &Connection,
    path: &Path,
    wait: Duration,
    erased: &str,
) -> Result<(), StoreError> {
    let started = Instant::now();
    // The checkpoint itself waits through the busy handler; keep each try short so that
    // the bound is ours, then put the usual timeout back.
    connection
        .busy_timeout(POLL)
        .map_err(|e| StoreError::sqlite(path, e))?;
    let outcome = loop {
        let result = connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        });
        let (busy, frames) = match result {
            Ok(row) => row,
            Err(e) => break Err(StoreError::sqlite(path, e)),
        };
        // Done: every page, ours included, went back into the database and the log was cut
        // to zero bytes (frames a writer appends afterwards are copies of pages without the
        // erased text).
        if busy == 0 {
            break Ok(());
        }
        if started.elapsed() >= wait {
            let wal = wal_path(path);
            let left = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
            break Err(StoreError::Busy(format!(
                "{erased} were deleted, but their text is still in the write-ahead log {} \
                 ({frames} pages, {left} bytes) because another connection to {} has been \
                 reading an older snapshot for over {:.1} s; end that reader (a worker or \
                 an app holding a read transaction open) and call forget again, or wait longer",
                wal.display(),
                path.display(),
                wait.as_secs_f64()
            )));
        }
        std::thread::sleep(POLL);
    };
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| StoreError::sqlite(path, e))?;
    outcome
}
