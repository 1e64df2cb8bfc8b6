//! A user's right to erasure: everything the activities stored for a user id, removed so
//! that its text is in no file of the data dir any more: memories, knowledge rows and
//! their `knowledge.json` entries, image records and image files, analysis output folders.
//!
//! Files go first and rows last, in one transaction: a failure part way leaves the rows
//! that lead to what is left, so calling again finishes the job. Rows are overwritten in
//! their pages (secure_delete, on for every connection), the full-text indexes are merged
//! into segments without the removed entries, and the write-ahead log is emptied
//! (`checkpoint::empty_wal`), waiting out readers of older snapshots within a bound.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, params};
use serde::Serialize;

use super::analysis_outputs::analysis_folder;
use super::checkpoint::{MAX_WAIT, empty_wal};
use super::images::IMAGES_FOLDER;
use super::knowledge::knowledge_json_path;
use super::{Store, StoreError, update_json_file};

/// How much was erased for a user, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Erased {
    pub memories: u64,
    pub knowledge: u64,
    /// Entries removed from Project-AI's `memory/knowledge.json`.
    pub knowledge_json_entries: u64,
    pub images: u64,
    pub image_files: u64,
    /// Analysis output folders removed (`<data_dir>/analysis/<workflow>-<hash>/`).
    pub analysis_outputs: u64,
}

/// What a user's rows lead to outside the database.
pub(crate) struct Artifacts {
    /// (id, category) of each knowledge entry.
    pub knowledge: Vec<(String, String)>,
    pub image_paths: Vec<String>,
    pub analysis_folders: Vec<String>,
}

/// What takes rows out of an index kept beside them before they are deleted; given the
/// deletion's parameters.
pub(crate) type Unindex =
    fn(&rusqlite::Transaction<'_>, &[&dyn rusqlite::ToSql]) -> rusqlite::Result<()>;

/// One DELETE of an erasure, the full-text index its rows are in, if any, and what takes
/// them out of an index of ours, if any.
pub(crate) struct Deletion<'a> {
    pub sql: &'a str,
    pub fts: Option<&'a str>,
    pub unindex: Option<Unindex>,
}

/// Runs `deletions` (each bound to `params`) in one transaction, merges the full-text
/// indexes they touched so no segment keeps a removed entry, then empties the write-ahead
/// log; returns the rows each deleted. `what` names the erased data for the error when the
/// log outlives `wait`.
pub(crate) fn erase_rows(
    store: &Store,
    deletions: &[Deletion<'_>],
    params: &[&dyn rusqlite::ToSql],
    wait: Duration,
    what: &str,
) -> Result<Vec<u64>, StoreError> {
    if wait > MAX_WAIT {
        return Err(StoreError::Query(format!(
            "a wait of {:.0} s is too long; at most {} s is allowed",
            wait.as_secs_f64(),
            MAX_WAIT.as_secs()
        )));
    }
    let mut connection = store.connection();
    let tx = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| store.err(e))?;
    let mut removed = Vec::with_capacity(deletions.len());
    for deletion in deletions {
        if let Some(unindex) = deletion.unindex {
            unindex(&tx, params).map_err(|e| store.err(e))?;
        }
        let n = tx.execute(deletion.sql, params).map_err(|e| store.err(e))? as u64;
        if let (Some(fts), true) = (deletion.fts, n > 0) {
            // Deleted entries linger in older segments until those are merged away.
            tx.execute(&format!("INSERT INTO {fts}({fts}) VALUES ('optimize')"), [])
                .map_err(|e| store.err(e))?;
        }
        removed.push(n);
    }
    tx.commit().map_err(|e| store.err(e))?;
    vacuum_once(&connection).map_err(|e| store.err(e))?;
    // Always, even with nothing deleted: a second call after a timeout finishes the first.
    empty_wal(&connection, &store.path, wait, what)?;
    Ok(removed)
}

/// Stores made before every connection turned secure_delete on may hold text of rows that
/// were rewritten or merged away earlier in their free space: the first erasure rebuilds
/// such a file once (migration 4 marks it), which leaves no free space behind.
fn vacuum_once(connection: &Connection) -> rusqlite::Result<()> {
    let marked: i64 = connection.query_row(
        "SELECT count(*) FROM erasure_state WHERE key = 'vacuum_once'",
        [],
        |r| r.get(0),
    )?;
    if marked == 0 {
        return Ok(());
    }
    // The copy VACUUM builds stays in memory, not in a temporary file on disk.
    connection.execute_batch("PRAGMA temp_store = MEMORY; VACUUM; PRAGMA temp_store = DEFAULT;")?;
    connection.execute("DELETE FROM erasure_state WHERE key = 'vacuum_once'", [])?;
    Ok(())
}

impl Store {
    /// Erases everything stored for `user_id` (see the module's doc) and returns the counts.
    /// Fails with `StoreError::Busy` when another connection still reads an older snapshot
    /// after `wait`: the rows are gone then, the log still holds their text, and calling
    /// again finishes.
    /// With a shared store, its rows go in one transaction there, after this host's files
    /// they lead to; other hosts' files go when they erase too (or from a shared
    /// artifacts folder).
    pub fn forget_user(&self, user_id: &str, wait: Duration) -> Result<Erased, StoreError> {
        if user_id.trim().is_empty() {
            return Err(StoreError::Query(
                "user_id is empty; give the user id the workflows were started with".into(),
            ));
        }
        let Some(shared) = self.shared() else {
            return self.forget_user_here(user_id, wait);
        };
        let theirs = shared.artifacts_of(user_id)?;
        let json_entries = self.unmirror_knowledge(&theirs.knowledge)?;
        let image_files = remove_image_files(self.artifacts_dir(), &theirs.image_paths)?;
        let folders = remove_analysis_folders(self.artifacts_dir(), &theirs.analysis_folders)?;
        let [memories, knowledge, images, _] = shared.erase_user(user_id)?;
        let here = self.forget_user_here(user_id, wait)?;
        Ok(Erased {
            memories,
            knowledge,
            knowledge_json_entries: json_entries + here.knowledge_json_entries,
            images,
            image_files: image_files + here.image_files,
            analysis_outputs: folders + here.analysis_outputs,
        })
    }

    /// Erases what the data dir's file and folders hold for `user_id`.
    fn forget_user_here(&self, user_id: &str, wait: Duration) -> Result<Erased, StoreError> {
        let artifacts = self.artifacts_of(user_id)?;
        let mut erased = Erased {
            knowledge_json_entries: self.unmirror_knowledge(&artifacts.knowledge)?,
            image_files: remove_image_files(self.artifacts_dir(), &artifacts.image_paths)?,
            analysis_outputs: remove_analysis_folders(
                self.artifacts_dir(),
                &artifacts.analysis_folders,
            )?,
            ..Erased::default()
        };
        let removed = erase_rows(
            self,
            &[
                Deletion {
                    sql: "DELETE FROM memories WHERE user_id = ?1",
                    fts: Some("memories_fts"),
                    unindex: Some(super::memories::unindex_user),
                },
                Deletion {
                    sql: "DELETE FROM knowledge WHERE user_id = ?1",
                    fts: Some("knowledge_fts"),
                    unindex: None,
                },
                Deletion {
                    sql: "DELETE FROM images WHERE user_id = ?1",
                    fts: None,
                    unindex: None,
                },
                Deletion {
                    sql: "DELETE FROM analysis_outputs WHERE user_id = ?1",
                    fts: None,
                    unindex: None,
                },
            ],
            params![user_id],
            wait,
            &format!("the data of user {user_id:?}"),
        );
        // The knowledge.json writer may have put back an entry it read from the store before
        // the rows went; it checks the store under the file's lock, so after this removal
        // none comes back.
        erased.knowledge_json_entries += self.unmirror_knowledge(&artifacts.knowledge)?;
        let removed = removed?;
        (erased.memories, erased.knowledge, erased.images) = (removed[0], removed[1], removed[2]);
        Ok(erased)
    }

    fn artifacts_of(&self, user_id: &str) -> Result<Artifacts, StoreError> {
        let connection = self.connection();
        let column = |sql: &str| -> Result<Vec<String>, StoreError> {
            let mut statement = connection.prepare(sql).map_err(|e| self.err(e))?;
            statement
                .query_map([user_id], |r| r.get(0))
                .and_then(|rows| rows.collect())
                .map_err(|e| self.err(e))
        };
        let image_paths = column("SELECT image_path FROM images WHERE user_id = ?1")?;
        let analysis_folders = column("SELECT folder FROM analysis_outputs WHERE user_id = ?1")?;
        let mut statement = connection
            .prepare("SELECT id, category FROM knowledge WHERE user_id = ?1")
            .map_err(|e| self.err(e))?;
        let knowledge = statement
            .query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        Ok(Artifacts {
            knowledge,
            image_paths,
            analysis_folders,
        })
    }

    /// Removes entries erased from the shared store by another host from this host's copy:
    /// knowledge.json first, then the rows.
    pub(super) fn forget_host_knowledge(
        &self,
        entries: &[(String, String)],
    ) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.unmirror_knowledge(entries)?;
        let mut connection = self.connection();
        let tx = connection.transaction().map_err(|e| self.err(e))?;
        for (id, _) in entries {
            tx.execute("DELETE FROM knowledge WHERE id = ?1", [id])
                .map_err(|e| self.err(e))?;
        }
        tx.execute(
            "INSERT INTO knowledge_fts(knowledge_fts) VALUES ('optimize')",
            [],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// Removes the entries from `knowledge.json` (with Project-AI's lock and an atomic
    /// rewrite); returns how many were there.
    fn unmirror_knowledge(&self, entries: &[(String, String)]) -> Result<u64, StoreError> {
        if entries.is_empty() {
            return Ok(0);
        }
        let path = knowledge_json_path(self.data_dir());
        update_json_file(&path, |root| {
            let mut removed = 0;
            if let Some(categories) = root.as_object_mut() {
                for (id, category) in entries {
                    if let Some(entries) =
                        categories.get_mut(category).and_then(|c| c.as_object_mut())
                    {
                        removed += u64::from(entries.remove(id).is_some());
                    }
                }
            }
            Ok((removed > 0, removed))
        })
    }
}

/// A file or folder removed; one already gone counts as not removed.
fn removed(path: &Path, result: std::io::Result<()>) -> Result<u64, StoreError> {
    match result {
        Ok(()) => Ok(1),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

/// Removes the images by their file names in `<data_dir>/generated_images/`, the only
/// place generate_image writes: a record's path (which a direct call may have given) never
/// leads an erasure anywhere else.
fn remove_image_files(artifacts_dir: &Path, paths: &[String]) -> Result<u64, StoreError> {
    let folder = artifacts_dir.join(IMAGES_FOLDER);
    let mut count = 0;
    for name in paths.iter().filter_map(|p| Path::new(p).file_name()) {
        let path = folder.join(name);
        count += removed(&path, std::fs::remove_file(&path))?;
    }
    Ok(count)
}

fn remove_analysis_folders(artifacts_dir: &Path, folders: &[String]) -> Result<u64, StoreError> {
    let mut count = 0;
    for folder in folders {
        let path: PathBuf = analysis_folder(artifacts_dir, folder)?;
        count += removed(&path, std::fs::remove_dir_all(&path))?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests;
