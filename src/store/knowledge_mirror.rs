//! Project-AI's `memory/knowledge.json`, brought up to date from the store in batches. The
//! store is the source of truth (get and search read it); the file is Project-AI's, rewritten
//! whole on every change (its format and lock protocol), which at 200,000 entries is a 23 MB
//! rewrite. So `store_knowledge` queues its entry and returns: one writer thread per store
//! rewrites the file once for every entry queued meanwhile (group commit), then rests twice
//! as long as that rewrite took, so it never takes more than a third of a core whatever the
//! file's size. The file lags the store by about three rewrites at most. Entries stored but
//! not yet written are listed in `knowledge_unmirrored`; a worker starting after a crash,
//! or anyone who needs the file current now (`catch_up_knowledge_json`), writes them.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::params;

use super::knowledge::{KnowledgeEntry, knowledge_json_path};
use super::postgres::Postgres;
use super::{Store, StoreError, update_json_file};

/// How long the writer rests after a rewrite, in rewrites' time.
const REST_PER_REWRITE: u32 = 2;
/// Entries fetched from the shared store per query when this host's copy catches up.
const COPIED_PER_QUERY: usize = 1_000;

/// What knowledge.json holds of an entry: `{category: {id: summary}}`.
#[derive(Debug, Clone)]
struct Mirrored {
    id: String,
    category: String,
    summary: String,
}

impl From<&KnowledgeEntry> for Mirrored {
    fn from(e: &KnowledgeEntry) -> Self {
        Mirrored {
            id: e.id.clone(),
            category: e.category.clone(),
            summary: e.summary.clone(),
        }
    }
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Mirrored>,
    /// True while the writer thread runs.
    writing: bool,
    /// The end of the rest after the last rewrite.
    rest_until: Option<Instant>,
}

/// Lets a writer that panicked be replaced: the queue's next entry starts a new one.
struct WriterEnd<'a>(&'a MirrorQueue);

impl Drop for WriterEnd<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().writing = false;
            self.0.idle.notify_all();
        }
    }
}

/// The entries of one store waiting for knowledge.json, whether its writer runs, and how
/// many rewrites it made.
#[derive(Default)]
pub struct MirrorQueue {
    queue: Mutex<Queue>,
    idle: Condvar,
    rewrites: AtomicU64,
}

impl MirrorQueue {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // The queue is changed only under the lock, so a panic elsewhere left it whole.
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Store {
    /// Queues the entry (already in the store) for knowledge.json; the store's writer thread
    /// puts it there with the others queued meanwhile, soon.
    pub fn queue_for_knowledge_json(&self, e: &KnowledgeEntry) {
        let start = {
            let mut queue = self.mirror.lock();
            queue.waiting.push(Mirrored::from(e));
            !std::mem::replace(&mut queue.writing, true)
        };
        if start {
            let store = self.clone();
            let spawned = std::thread::Builder::new()
                .name("knowledge-json".into())
                .spawn(move || store.write_queued());
            if let Err(e) = spawned {
                // The entries stay listed as unwritten: the next start writes them.
                tracing::warn!(error = %e, "cannot start the knowledge.json writer");
                let mut queue = self.mirror.lock();
                queue.waiting.clear();
                queue.writing = false;
                self.mirror.idle.notify_all();
            }
        }
    }

    /// The writer thread: a rewrite for everything queued, until nothing is. Each rewrite
    /// is followed by a rest twice as long as it took (a third of a core at most, left to
    /// the workflows), which the next writer keeps too if this one ends first. A failed
    /// rewrite (the file is not JSON, the disk is full) is logged; its entries stay listed
    /// as unwritten.
    fn write_queued(&self) {
        let _reset = WriterEnd(&self.mirror);
        loop {
            let resting = self.mirror.lock().rest_until;
            if let Some(wait) =
                resting.and_then(|until| until.checked_duration_since(Instant::now()))
            {
                std::thread::sleep(wait);
            }
            let batch = {
                let mut queue = self.mirror.lock();
                if queue.waiting.is_empty() {
                    queue.writing = false;
                    self.mirror.idle.notify_all();
                    return;
                }
                std::mem::take(&mut queue.waiting)
            };
            let began = Instant::now();
            if let Err(e) = self.write_mirror_batch(&batch) {
                tracing::warn!(entries = batch.len(), error = %e, "cannot write knowledge.json; the entries are kept in the store and written at the next start");
            }
            let took = began.elapsed();
            self.mirror.rewrites.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(entries = batch.len(), ?took, "knowledge.json rewritten");
            self.mirror.lock().rest_until = Some(Instant::now() + took * REST_PER_REWRITE);
        }
    }

    /// Waits up to `timeout` for this store's writer to write what was queued; false when
    /// it was still writing. A worker waits so when it stops.
    pub fn wait_for_knowledge_json(&self, timeout: Duration) -> bool {
        let queue = self.mirror.lock();
        let (queue, _) = self
            .mirror
            .idle
            .wait_timeout_while(queue, timeout, |q| q.writing)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        !queue.writing
    }

    /// One rewrite of knowledge.json with `entries` (whether each changed the file), then
    /// the entries are no longer listed as unwritten.
    fn write_mirror_batch(&self, entries: &[Mirrored]) -> Result<Vec<bool>, StoreError> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let path = knowledge_json_path(self.data_dir());
        let changed = update_json_file(&path, |root| {
            let Some(categories) = root.as_object_mut() else {
                return Err(StoreError::Invalid(format!(
                    "{} does not hold a JSON object",
                    path.display()
                )));
            };
            // Under the file's lock: an entry erased from the store since it was queued
            // is not written (erasure removes it from the file after the rows).
            let stored = self.stored_ids(entries)?;
            let mut changed = Vec::with_capacity(entries.len());
            for e in entries {
                if !stored.contains(e.id.as_str()) {
                    changed.push(false);
                    continue;
                }
                let category = categories
                    .entry(e.category.clone())
                    .or_insert_with(|| serde_json::json!({}));
                let Some(ids) = category.as_object_mut() else {
                    return Err(StoreError::Invalid(format!(
                        "{}: category {:?} is not an object",
                        path.display(),
                        e.category
                    )));
                };
                let value = serde_json::Value::String(e.summary.clone());
                changed.push(ids.get(&e.id) != Some(&value));
                ids.insert(e.id.clone(), value);
            }
            Ok((changed.iter().any(|c| *c), changed))
        })?;
        let mut connection = self.connection();
        let tx = connection.transaction().map_err(|e| self.err(e))?;
        for e in entries {
            tx.execute(
                "DELETE FROM knowledge_unmirrored WHERE id = ?1",
                params![e.id],
            )
            .map_err(|err| self.err(err))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(changed)
    }

    /// Brings this host's copy of the knowledge to what the shared store holds: entries
    /// this copy held before the shared store was configured are sent there; the entries
    /// other hosts stored are added here (and listed as not yet in knowledge.json); those
    /// another host erased are removed from here and from knowledge.json.
    fn copy_shared_knowledge(&self, shared: &Postgres) -> Result<(), StoreError> {
        // id -> (category, known to be in the shared store)
        let here: HashMap<String, (String, bool)> = {
            let connection = self.connection();
            let mut statement = connection
                .prepare(
                    "SELECT k.id, k.category, s.id IS NOT NULL FROM knowledge k
                     LEFT JOIN knowledge_shared s ON s.id = k.id",
                )
                .map_err(|e| self.err(e))?;
            statement
                .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
                .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
                .map_err(|e| self.err(e))?
        };
        let local: Vec<String> = here
            .iter()
            .filter(|(_, (_, shared))| !shared)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &local {
            if let Some(entry) = self.host_knowledge(id)? {
                shared.insert_knowledge(&entry)?;
            }
        }
        self.mark_shared(&local)?;
        let there: HashSet<String> = shared.knowledge_ids()?.into_iter().collect();
        let erased: Vec<(String, String)> = here
            .iter()
            .filter(|(id, (_, shared))| *shared && !there.contains(*id))
            .map(|(id, (category, _))| (id.clone(), category.clone()))
            .collect();
        self.forget_host_knowledge(&erased)?;
        let missing: Vec<String> = there
            .into_iter()
            .filter(|id| !here.contains_key(id))
            .collect();
        for ids in missing.chunks(COPIED_PER_QUERY) {
            for entry in shared.knowledge_with_ids(ids)? {
                self.insert_host_knowledge(&entry)?;
            }
            self.mark_shared(ids)?;
        }
        Ok(())
    }

    /// Which of `entries` the store holds.
    fn stored_ids<'a>(&self, entries: &'a [Mirrored]) -> Result<HashSet<&'a str>, StoreError> {
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached("SELECT 1 FROM knowledge WHERE id = ?1")
            .map_err(|e| self.err(e))?;
        let mut stored = HashSet::new();
        for e in entries {
            if statement
                .exists(params![e.id])
                .map_err(|err| self.err(err))?
            {
                stored.insert(e.id.as_str());
            }
        }
        Ok(stored)
    }

    /// Writes to knowledge.json the entries stored but not written there (a worker or a
    /// process that died between the two; with a shared store, also the entries other hosts
    /// stored); how many there were. A worker runs it when it starts.
    pub fn catch_up_knowledge_json(&self) -> Result<usize, StoreError> {
        if let Some(shared) = self.shared() {
            self.copy_shared_knowledge(shared)?;
        }
        let entries = {
            let connection = self.connection();
            let mut statement = connection
                .prepare(
                    "SELECT k.id, k.category, k.summary FROM knowledge_unmirrored u
                     JOIN knowledge k ON k.id = u.id ORDER BY k.rowid",
                )
                .map_err(|e| self.err(e))?;
            statement
                .query_map([], |r| {
                    Ok(Mirrored {
                        id: r.get(0)?,
                        category: r.get(1)?,
                        summary: r.get(2)?,
                    })
                })
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| self.err(e))?
        };
        self.write_mirror_batch(&entries)?;
        Ok(entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::lock_file::lock;

    fn entry(id: &str) -> KnowledgeEntry {
        KnowledgeEntry {
            id: id.into(),
            category: "facts".into(),
            title: id.into(),
            summary: format!("summary of {id}"),
            content: format!("content of {id}"),
            keywords: vec![],
            word_count: 3,
            content_hash: id.into(),
            source: "test".into(),
            user_id: None,
            workflow_id: None,
            created_at: 0.0,
        }
    }

    fn file_ids(store: &Store) -> Vec<String> {
        let path = knowledge_json_path(store.data_dir());
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let mut ids: Vec<String> = v["facts"].as_object().unwrap().keys().cloned().collect();
        ids.sort();
        ids
    }

    #[test]
    fn entries_queued_together_share_a_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let path = knowledge_json_path(dir.path());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // Another writer holds the file: the writer waits for it with the first entry, and
        // the other 15 queue meanwhile.
        let held = lock(&path).unwrap();
        let ids: Vec<String> = (0..16).map(|i| format!("k{i:02}")).collect();
        for id in &ids {
            store.insert_knowledge(&entry(id)).unwrap();
            store.queue_for_knowledge_json(&entry(id));
        }
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            !store.wait_for_knowledge_json(Duration::ZERO),
            "still writing"
        );
        drop(held);
        assert!(store.wait_for_knowledge_json(Duration::from_secs(30)));
        assert_eq!(file_ids(&store), ids);
        let rewrites = store.mirror.rewrites.load(Ordering::Relaxed);
        assert!(rewrites <= 2, "{rewrites} rewrites for 16 entries");
        assert_eq!(
            store.catch_up_knowledge_json().unwrap(),
            0,
            "none left unwritten"
        );
    }

    #[test]
    fn entries_stored_but_not_written_are_written_by_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.insert_knowledge(&entry("a")).unwrap();
        assert_eq!(store.catch_up_knowledge_json().unwrap(), 1);
        // A process that died between the two writes.
        store.insert_knowledge(&entry("b")).unwrap();
        store.insert_knowledge(&entry("c")).unwrap();
        let restarted = Store::open(dir.path()).unwrap();
        assert_eq!(restarted.catch_up_knowledge_json().unwrap(), 2);
        assert_eq!(file_ids(&restarted), ["a", "b", "c"]);
        assert_eq!(restarted.catch_up_knowledge_json().unwrap(), 0);
        // An entry erased before it was written is not written afterwards.
        restarted.insert_knowledge(&entry("d")).unwrap();
        restarted
            .connection()
            .execute("DELETE FROM knowledge WHERE id = 'd'", [])
            .unwrap();
        assert_eq!(restarted.catch_up_knowledge_json().unwrap(), 0);
    }
}
