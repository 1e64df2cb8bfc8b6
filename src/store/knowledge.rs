//! Knowledge entries: stored once per id (derived from content and category), searchable
//! by full text, and mirrored into Project-AI's `memory/knowledge.json`.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::fts::any_word;
use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeEntry {
    pub id: String,
    pub category: String,
    pub title: String,
    pub summary: String,
    pub content: String,
    pub keywords: Vec<String>,
    pub word_count: u64,
    pub content_hash: String,
    pub source: String,
    pub user_id: Option<String>,
    pub workflow_id: Option<String>,
    pub created_at: f64,
}

/// A search result: the entry's id, title, category, a snippet with the matches in
/// [brackets], and its BM25 rank (lower is better).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnowledgeHit {
    pub id: String,
    pub title: String,
    pub category: String,
    pub snippet: String,
    pub rank: f64,
}

/// Project-AI's knowledge file under a data dir.
pub fn knowledge_json_path(data_dir: &Path) -> PathBuf {
    data_dir.join("memory").join("knowledge.json")
}

const COLUMNS: &str = "id, category, title, summary, content, keywords, word_count, content_hash, source, user_id, workflow_id, created_at";

fn entry(row: &Row<'_>) -> rusqlite::Result<KnowledgeEntry> {
    let keywords: String = row.get(5)?;
    Ok(KnowledgeEntry {
        id: row.get(0)?,
        category: row.get(1)?,
        title: row.get(2)?,
        summary: row.get(3)?,
        content: row.get(4)?,
        keywords: serde_json::from_str(&keywords).unwrap_or_default(),
        word_count: row.get::<_, i64>(6)?.max(0) as u64,
        content_hash: row.get(7)?,
        source: row.get(8)?,
        user_id: row.get(9)?,
        workflow_id: row.get(10)?,
        created_at: row.get(11)?,
    })
}

impl Store {
    /// Stores the entry unless one with its id exists; true when it was new. A new entry is
    /// also listed as not yet in knowledge.json (see `knowledge_mirror`), in the same
    /// transaction. With a shared store the entry is stored there, exactly once whichever
    /// worker comes first, and in this host's copy, which knowledge.json follows.
    pub fn insert_knowledge(&self, e: &KnowledgeEntry) -> Result<bool, StoreError> {
        let Some(shared) = self.shared() else {
            return self.insert_host_knowledge(e);
        };
        let new = shared.insert_knowledge(e)?;
        // Whether or not it was new there: a retry after a failure here puts it here.
        self.insert_host_knowledge(e)?;
        self.mark_shared(std::slice::from_ref(&e.id))?;
        Ok(new)
    }

    /// Stores the entry in the data dir's file (the store, or this host's copy).
    pub(super) fn insert_host_knowledge(&self, e: &KnowledgeEntry) -> Result<bool, StoreError> {
        let keywords = serde_json::to_string(&e.keywords)
            .map_err(|err| StoreError::Invalid(err.to_string()))?;
        let mut connection = self.connection();
        let tx = connection.transaction().map_err(|err| self.err(err))?;
        let inserted = tx
            .execute(
                &format!(
                    "INSERT INTO knowledge ({COLUMNS}, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
                     ON CONFLICT(id) DO NOTHING"
                ),
                params![
                    e.id,
                    e.category,
                    e.title,
                    e.summary,
                    e.content,
                    keywords,
                    i64::try_from(e.word_count).unwrap_or(i64::MAX),
                    e.content_hash,
                    e.source,
                    e.user_id,
                    e.workflow_id,
                    e.created_at
                ],
            )
            .map_err(|err| self.err(err))?;
        if inserted == 1 {
            tx.execute(
                "INSERT INTO knowledge_unmirrored (id) VALUES (?1)",
                params![e.id],
            )
            .map_err(|err| self.err(err))?;
        }
        tx.commit().map_err(|err| self.err(err))?;
        Ok(inserted == 1)
    }

    /// Lists these entries of this host's copy as being in the shared store.
    pub(super) fn mark_shared(&self, ids: &[String]) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let tx = connection.transaction().map_err(|e| self.err(e))?;
        for id in ids {
            tx.execute(
                "INSERT OR IGNORE INTO knowledge_shared (id) SELECT id FROM knowledge WHERE id = ?1",
                params![id],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    pub fn knowledge(&self, id: &str) -> Result<Option<KnowledgeEntry>, StoreError> {
        match self.shared() {
            Some(shared) => shared.knowledge(id),
            None => self.host_knowledge(id),
        }
    }

    /// The entry in the data dir's file (the store, or this host's copy).
    pub(super) fn host_knowledge(&self, id: &str) -> Result<Option<KnowledgeEntry>, StoreError> {
        self.connection()
            .query_row(
                &format!("SELECT {COLUMNS} FROM knowledge WHERE id = ?1"),
                [id],
                entry,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn knowledge_count(&self) -> Result<u64, StoreError> {
        if let Some(shared) = self.shared() {
            return shared.knowledge_count();
        }
        let count: i64 = self
            .connection()
            .query_row("SELECT count(*) FROM knowledge", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(count.max(0) as u64)
    }

    /// Entries matching any word of `text`, best first (BM25).
    pub fn search_knowledge(
        &self,
        text: &str,
        category: Option<&str>,
        limit: u32,
    ) -> Result<Vec<KnowledgeHit>, StoreError> {
        if let Some(shared) = self.shared() {
            return shared.search_knowledge(text, category, limit);
        }
        let Some(query) = any_word(text) else {
            return Ok(Vec::new());
        };
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached(
                "SELECT k.id, k.title, k.category,
                        snippet(knowledge_fts, 2, '[', ']', '…', 12), bm25(knowledge_fts) AS rank
                 FROM knowledge_fts JOIN knowledge k ON k.rowid = knowledge_fts.rowid
                 WHERE knowledge_fts MATCH ?1 AND (?2 IS NULL OR k.category = ?2)
                 ORDER BY rank LIMIT ?3",
            )
            .map_err(|e| self.err(e))?;
        let hits = statement
            .query_map(params![query, category, limit], |r| {
                Ok(KnowledgeHit {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    category: r.get(2)?,
                    snippet: r.get(3)?,
                    rank: r.get(4)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.err(e))?;
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(id: &str, category: &str, content: &str) -> KnowledgeEntry {
        KnowledgeEntry {
            id: id.into(),
            category: category.into(),
            title: format!("title {id}"),
            summary: content.chars().take(40).collect(),
            content: content.into(),
            keywords: vec!["rust".into()],
            word_count: 3,
            content_hash: "h".into(),
            source: "test".into(),
            user_id: None,
            workflow_id: Some("wf".into()),
            created_at: 1.0,
        }
    }

    #[test]
    fn insert_once_get_and_search() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = sample("a", "programming", "Rust ownership and borrowing explained");
        assert!(store.insert_knowledge(&a).unwrap());
        assert!(
            !store.insert_knowledge(&a).unwrap(),
            "a second insert stores nothing"
        );
        store
            .insert_knowledge(&sample("b", "facts", "Cats sleep a lot; ownership of cats"))
            .unwrap();
        assert_eq!(store.knowledge_count().unwrap(), 2);
        assert_eq!(store.knowledge("a").unwrap(), Some(a));
        let hits = store
            .search_knowledge("borrowing ownership", None, 10)
            .unwrap();
        assert_eq!(hits[0].id, "a");
        assert!(hits[0].snippet.contains("[borrowing]"));
        assert_eq!(
            store
                .search_knowledge("ownership", Some("facts"), 10)
                .unwrap()
                .len(),
            1
        );
        assert!(
            store
                .search_knowledge("\"; DROP TABLE", None, 10)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn mirror_keeps_other_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = knowledge_json_path(dir.path());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, r#"{"tips": {"existing": "kept"}}"#).unwrap();
        let store = Store::open(dir.path()).unwrap();
        let e = sample("k1", "tips", "Short tip text");
        store.insert_knowledge(&e).unwrap();
        assert_eq!(store.catch_up_knowledge_json().unwrap(), 1);
        assert_eq!(store.catch_up_knowledge_json().unwrap(), 0, "written once");
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(v["tips"]["existing"], "kept");
        assert_eq!(v["tips"]["k1"], "Short tip text");
    }
}
