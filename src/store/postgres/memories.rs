//! Memories on PostgreSQL: stored once per content hash, searchable once indexed (as in the
//! embedded store), ranked by `ts_rank` (subject and value weigh twice the text) times the
//! memory's confidence over the newest `MAX_RANKED` matches that pass the filters.

use postgres::Row;

use super::knowledge::postgres_query;
use super::{Postgres, StoreError};
use crate::store::fts::without_diacritics;
use crate::store::memories::{MAX_RANKED, MemoryHit, StoredMemory, memory_hash};
use crate::store::now;
use crate::wire::memory::Memory;
use crate::wire::memory::MemoryKind;

const COLUMNS: &str = "m.id, m.conversation_id, m.user_id, m.kind, m.text, m.subject, m.value, m.role, m.message_index, m.timestamp, m.confidence, m.workflow_id, m.created_at";

fn stored(row: &Row) -> Result<StoredMemory, String> {
    let kind: String = row.get(3);
    Ok(StoredMemory {
        id: row.get(0),
        conversation_id: row.get(1),
        user_id: row.get(2),
        memory: Memory {
            kind: MemoryKind::parse(&kind)?,
            text: row.get(4),
            subject: row.get(5),
            value: row.get(6),
            role: row.get(7),
            message_index: u32::try_from(row.get::<_, i64>(8)).unwrap_or(u32::MAX),
            timestamp: row.get(9),
            confidence: row.get(10),
        },
        workflow_id: row.get(11),
        created_at: row.get(12),
    })
}

impl Postgres {
    fn memories(&self, rows: &[Row]) -> Result<Vec<StoredMemory>, StoreError> {
        rows.iter()
            .map(|r| stored(r).map_err(StoreError::Invalid))
            .collect()
    }

    /// Stores the memories of one conversation that are not stored yet, in one
    /// transaction; returns how many were new.
    pub fn insert_memories(
        &self,
        conversation_id: &str,
        user_id: Option<&str>,
        workflow_id: Option<&str>,
        memories: &[Memory],
    ) -> Result<u64, StoreError> {
        let mut client = self.client()?;
        let insert = client
            .prepared(
                "INSERT INTO memories (hash, conversation_id, user_id, kind, text, subject, value, role,
                                       message_index, timestamp, confidence, workflow_id, created_at,
                                       search_text, search_key)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                 ON CONFLICT (hash) DO NOTHING",
            )
            .map_err(|e| self.err(&e))?;
        let mut tx = client.transaction().map_err(|e| self.err(&e))?;
        let created_at = now();
        let mut new = 0;
        for m in memories {
            let key = format!(
                "{} {}",
                m.subject.as_deref().unwrap_or_default(),
                m.value.as_deref().unwrap_or_default()
            );
            new += tx
                .execute(
                    &insert,
                    &[
                        &memory_hash(user_id, conversation_id, m),
                        &conversation_id,
                        &user_id,
                        &m.kind.as_str(),
                        &m.text,
                        &m.subject,
                        &m.value,
                        &m.role,
                        &i64::from(m.message_index),
                        &m.timestamp,
                        &m.confidence,
                        &workflow_id,
                        &created_at,
                        &without_diacritics(&m.text),
                        &without_diacritics(&key),
                    ],
                )
                .map_err(|e| self.err(&e))?;
        }
        tx.commit().map_err(|e| self.err(&e))?;
        Ok(new)
    }

    /// Makes every memory not yet searchable searchable; returns how many.
    pub fn index_pending_memories(&self) -> Result<u64, StoreError> {
        self.client()?
            .execute("UPDATE memories SET indexed = true WHERE NOT indexed", &[])
            .map_err(|e| self.err(&e))
    }

    /// Every memory of a conversation, in message order.
    pub fn conversation_memories(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<StoredMemory>, StoreError> {
        let rows = self
            .client()?
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM memories m WHERE m.conversation_id = $1 ORDER BY m.message_index, m.id"
                ),
                &[&conversation_id],
            )
            .map_err(|e| self.err(&e))?;
        self.memories(&rows)
    }

    pub fn memory_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .client()?
            .query_one("SELECT count(*) FROM memories", &[])
            .map_err(|e| self.err(&e))?
            .get(0);
        Ok(count.max(0) as u64)
    }

    /// Removes the memories of a conversation, of a user, or of both; returns how many.
    pub fn forget_memories(
        &self,
        conversation_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<u64, StoreError> {
        self.client()?
            .execute(
                "DELETE FROM memories WHERE ($1::text IS NULL OR conversation_id = $1)
                                        AND ($2::text IS NULL OR user_id = $2)",
                &[&conversation_id, &user_id],
            )
            .map_err(|e| self.err(&e))
    }

    /// Indexed memories matching every word of `text` that pass the filters, best first.
    pub fn search_memories(
        &self,
        text: &str,
        user_id: Option<&str>,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<MemoryHit>, StoreError> {
        let (Some(query), Some(shown)) = (
            postgres_query(&without_diacritics(text), "&"),
            postgres_query(text, "|"),
        ) else {
            return Ok(Vec::new());
        };
        let sql = format!(
                    "WITH q AS (SELECT to_tsquery('english', $1) AS q, to_tsquery('english', $6) AS shown),
                     recent AS (
                         SELECT m.id, m.search, m.confidence FROM memories m, q
                         WHERE m.indexed AND m.search @@ q.q
                           AND ($2::text IS NULL OR m.user_id = $2) AND ($3::text IS NULL OR m.kind = $3)
                         ORDER BY m.id DESC LIMIT $4
                     ),
                     best AS (
                         SELECT r.id, ts_rank('{{0, 0, 0.5, 1}}', r.search, q.q, 1) * r.confidence AS score
                         FROM recent r, q ORDER BY score DESC, r.id LIMIT $5
                     )
                     SELECT {COLUMNS},
                            ts_headline('english', m.text, q.shown,
                                'StartSel=[, StopSel=], MaxWords=12, MinWords=4, MaxFragments=1, FragmentDelimiter=…'),
                            -(b.score::float8)
                     FROM best b JOIN memories m ON m.id = b.id, q
                     ORDER BY b.score DESC, b.id"
                );
        let mut client = self.client()?;
        let statement = client.prepared(&sql).map_err(|e| self.err(&e))?;
        let rows = client
            .query(
                &statement,
                &[&query, &user_id, &kind, &MAX_RANKED, &limit, &shown],
            )
            .map_err(|e| self.err(&e))?;
        rows.iter()
            .map(|r| {
                Ok(MemoryHit {
                    memory: stored(r).map_err(StoreError::Invalid)?,
                    snippet: r.get(13),
                    rank: r.get(14),
                })
            })
            .collect()
    }
}
