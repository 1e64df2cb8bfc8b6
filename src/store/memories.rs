//! Memories of MemoryExpansionWorkflow: stored once per content hash of user, conversation
//! and memory (a retry or a re-run of the same conversation stores nothing twice), indexed
//! for full-text search (FTS5, BM25) by a separate, incremental step, and erasable per
//! conversation or per user.

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use std::time::Duration;

use super::erasure::{Deletion, erase_rows};
use super::{Store, StoreError, now};
use crate::wire::memory::Memory;
use crate::wire::memory::MemoryKind;

/// Most results one search returns.
pub const MAX_SEARCH_LIMIT: u32 = 1_000;
/// Longest search text (characters).
pub const MAX_QUERY_CHARS: usize = 1_000;
/// Most memories one indexing transaction takes.
const INDEX_CHUNK: u64 = 20_000;
/// Most matches one search of a shared (PostgreSQL) store ranks: the newest ones, when more
/// match. The embedded store ranks all of them (see `index`).
pub const MAX_RANKED: i64 = 2_000;

/// A stored memory: the memory and where it belongs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMemory {
    pub id: i64,
    pub conversation_id: String,
    pub user_id: Option<String>,
    #[serde(flatten)]
    pub memory: Memory,
    pub workflow_id: Option<String>,
    pub created_at: f64,
}

/// A search result: the memory, a snippet with the matches in [brackets], and its rank
/// (BM25 times confidence; lower is better).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryHit {
    #[serde(flatten)]
    pub memory: StoredMemory,
    pub snippet: String,
    pub rank: f64,
}

/// The identity of a memory: hex SHA-256 of the user, the conversation and what the memory
/// says. Keywords belong to the whole conversation, so their message index is left out: a
/// conversation sent again with more messages does not store its keywords twice.
pub fn memory_hash(user_id: Option<&str>, conversation_id: &str, m: &Memory) -> String {
    let index = (m.kind != MemoryKind::Keyword).then_some(m.message_index);
    let identity = (
        user_id,
        conversation_id,
        m.kind,
        index,
        &m.text,
        &m.subject,
        &m.value,
    );
    let json = serde_json::to_vec(&identity).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

const COLUMNS: &str = "m.id, m.conversation_id, m.user_id, m.kind, m.text, m.subject, m.value, m.role, m.message_index, m.timestamp, m.confidence, m.workflow_id, m.created_at";

fn stored(row: &Row<'_>) -> rusqlite::Result<StoredMemory> {
    let kind: String = row.get(3)?;
    Ok(StoredMemory {
        id: row.get(0)?,
        conversation_id: row.get(1)?,
        user_id: row.get(2)?,
        memory: Memory {
            kind: MemoryKind::parse(&kind).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, e.into())
            })?,
            text: row.get(4)?,
            subject: row.get(5)?,
            value: row.get(6)?,
            role: row.get(7)?,
            message_index: u32::try_from(row.get::<_, i64>(8)?).unwrap_or(u32::MAX),
            timestamp: row.get(9)?,
            confidence: row.get(10)?,
        },
        workflow_id: row.get(11)?,
        created_at: row.get(12)?,
    })
}

impl Store {
    /// Stores the memories of one conversation that are not stored yet, in one transaction;
    /// returns how many were new.
    pub fn insert_memories(
        &self,
        conversation_id: &str,
        user_id: Option<&str>,
        workflow_id: Option<&str>,
        memories: &[Memory],
    ) -> Result<u64, StoreError> {
        if let Some(shared) = self.shared() {
            return shared.insert_memories(conversation_id, user_id, workflow_id, memories);
        }
        let mut connection = self.connection();
        let tx = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        let mut new = 0;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO memories (hash, conversation_id, user_id, kind, text, subject, value, role,
                                           message_index, timestamp, confidence, workflow_id, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                     ON CONFLICT(hash) DO NOTHING",
                )
                .map_err(|e| self.err(e))?;
            let created_at = now();
            for m in memories {
                new += insert
                    .execute(params![
                        memory_hash(user_id, conversation_id, m),
                        conversation_id,
                        user_id,
                        m.kind.as_str(),
                        m.text,
                        m.subject,
                        m.value,
                        m.role,
                        i64::from(m.message_index),
                        m.timestamp,
                        m.confidence,
                        workflow_id,
                        created_at
                    ])
                    .map_err(|e| self.err(e))? as u64;
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(new)
    }

    /// Adds every memory not yet in the full-text index to it and to the search index
    /// (`index`); returns how many. Rows are marked in the same transaction, so a retry or a
    /// second worker indexes nothing twice. A transaction takes at most `INDEX_CHUNK`
    /// memories, which bounds the memory a large backlog (a store from before the search
    /// index) needs.
    pub fn index_pending_memories(&self) -> Result<u64, StoreError> {
        if let Some(shared) = self.shared() {
            return shared.index_pending_memories();
        }
        let mut total = 0;
        loop {
            let added = self.index_pending_chunk().map_err(|e| self.err(e))?;
            total += added;
            if added < INDEX_CHUNK {
                return Ok(total);
            }
        }
    }

    fn index_pending_chunk(&self) -> rusqlite::Result<u64> {
        let mut connection = self.connection();
        let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let upto: i64 = tx
            .query_row(
                "SELECT id FROM memories WHERE indexed = 0 ORDER BY id LIMIT 1 OFFSET ?1",
                [INDEX_CHUNK as i64 - 1],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(i64::MAX);
        let added = tx.execute(
            "INSERT INTO memories_fts (rowid, text, subject, value)
             SELECT id, text, subject, value FROM memories WHERE indexed = 0 AND id <= ?1",
            [upto],
        )?;
        index::add(
            &tx,
            &format!(
                "SELECT {} FROM memories m WHERE m.indexed = 0 AND m.id <= ?1 ORDER BY m.id",
                index::ROW_COLUMNS
            ),
            &[&upto],
        )?;
        tx.execute(
            "UPDATE memories SET indexed = 1 WHERE indexed = 0 AND id <= ?1",
            [upto],
        )?;
        tx.commit()?;
        Ok(added as u64)
    }

    /// Every memory of a conversation, in message order.
    pub fn conversation_memories(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<StoredMemory>, StoreError> {
        if let Some(shared) = self.shared() {
            return shared.conversation_memories(conversation_id);
        }
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM memories m WHERE m.conversation_id = ?1 ORDER BY m.message_index, m.id"
            ))
            .map_err(|e| self.err(e))?;
        statement
            .query_map([conversation_id], stored)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    pub fn memory_count(&self) -> Result<u64, StoreError> {
        if let Some(shared) = self.shared() {
            return shared.memory_count();
        }
        let count: i64 = self
            .connection()
            .query_row("SELECT count(*) FROM memories", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(count.max(0) as u64)
    }

    /// Removes the memories of a conversation, of a user, or of a user's conversation (both
    /// given), with their index entries; returns how many. For a user's right to erasure the
    /// removed text is overwritten in the file (secure_delete), the index is rebuilt without
    /// it, and the write-ahead log is emptied, waiting up to `wait` for readers of an older
    /// snapshot (else `StoreError::Busy`; calling again finishes).
    pub fn forget_memories(
        &self,
        conversation_id: Option<&str>,
        user_id: Option<&str>,
        wait: Duration,
    ) -> Result<u64, StoreError> {
        if conversation_id.is_none() && user_id.is_none() {
            return Err(StoreError::Query(
                "forget needs a conversation_id, a user_id or both".into(),
            ));
        }
        if let Some(shared) = self.shared() {
            return shared.forget_memories(conversation_id, user_id);
        }
        let removed = erase_rows(
            self,
            &[Deletion {
                sql: "DELETE FROM memories WHERE (?1 IS NULL OR conversation_id = ?1) AND (?2 IS NULL OR user_id = ?2)",
                fts: Some("memories_fts"),
                unindex: Some(unindex_conversation),
            }],
            params![conversation_id, user_id],
            wait,
            "the memories",
        )?;
        Ok(removed[0])
    }
}

/// Takes the memories a forget of (conversation, user) deletes out of the search index.
fn unindex_conversation(
    tx: &rusqlite::Transaction<'_>,
    args: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<()> {
    unindex(
        tx,
        "(?1 IS NULL OR m.conversation_id = ?1) AND (?2 IS NULL OR m.user_id = ?2)",
        args,
    )
}

/// Takes a user's memories out of the search index, before their erasure.
pub(crate) fn unindex_user(
    tx: &rusqlite::Transaction<'_>,
    args: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<()> {
    unindex(tx, "m.user_id = ?1", args)
}

fn unindex(
    tx: &rusqlite::Transaction<'_>,
    condition: &str,
    args: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<()> {
    let select = format!(
        "SELECT {} FROM memories m WHERE m.indexed = 1 AND {condition} ORDER BY m.id",
        index::ROW_COLUMNS
    );
    index::remove(tx, &select, args)
}

mod index;
mod rank;
mod search;
mod snippet;
mod tokens;

pub use rank::register as register_functions;

#[cfg(test)]
mod tests;
