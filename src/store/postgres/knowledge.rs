//! Knowledge entries on PostgreSQL: the embedded store's operations, with PostgreSQL's
//! full-text search (English stemming, `ts_rank` weighted by field, `ts_headline` snippets).

use postgres::Row;

use super::{Postgres, StoreError};
use crate::store::fts::{without_diacritics, words};
use crate::store::knowledge::{KnowledgeEntry, KnowledgeHit};

const COLUMNS: &str = "id, category, title, summary, content, keywords, word_count, content_hash, source, user_id, workflow_id, created_at";

/// A `to_tsquery` text joining the words of `text` with `operator` (`&` or `|`); None when
/// it has no words. Every word is letters and digits only, quoted, so nothing a user typed
/// is read as query syntax.
pub fn postgres_query(text: &str, operator: &str) -> Option<String> {
    let quoted: Vec<String> = words(text).map(|w| format!("'{w}'")).collect();
    (!quoted.is_empty()).then(|| quoted.join(&format!(" {operator} ")))
}

fn entry(row: &Row) -> KnowledgeEntry {
    let keywords: String = row.get(5);
    KnowledgeEntry {
        id: row.get(0),
        category: row.get(1),
        title: row.get(2),
        summary: row.get(3),
        content: row.get(4),
        keywords: serde_json::from_str(&keywords).unwrap_or_default(),
        word_count: row.get::<_, i64>(6).max(0) as u64,
        content_hash: row.get(7),
        source: row.get(8),
        user_id: row.get(9),
        workflow_id: row.get(10),
        created_at: row.get(11),
    }
}

impl Postgres {
    /// Stores the entry unless one with its id exists; true when it was new.
    pub fn insert_knowledge(&self, e: &KnowledgeEntry) -> Result<bool, StoreError> {
        let keywords = serde_json::to_string(&e.keywords)
            .map_err(|err| StoreError::Invalid(err.to_string()))?;
        let word_count = i64::try_from(e.word_count).unwrap_or(i64::MAX);
        let inserted = self
            .client()?
            .execute(
                &format!(
                    "INSERT INTO knowledge ({COLUMNS}, updated_at, search_title, search_summary, search_body)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15)
                     ON CONFLICT (id) DO NOTHING"
                ),
                &[
                    &e.id,
                    &e.category,
                    &e.title,
                    &e.summary,
                    &e.content,
                    &keywords,
                    &word_count,
                    &e.content_hash,
                    &e.source,
                    &e.user_id,
                    &e.workflow_id,
                    &e.created_at,
                    &without_diacritics(&e.title),
                    &without_diacritics(&e.summary),
                    &without_diacritics(&format!("{} {keywords}", e.content)),
                ],
            )
            .map_err(|err| self.err(&err))?;
        Ok(inserted == 1)
    }

    pub fn knowledge(&self, id: &str) -> Result<Option<KnowledgeEntry>, StoreError> {
        let row = self
            .client()?
            .query_opt(
                &format!("SELECT {COLUMNS} FROM knowledge WHERE id = $1"),
                &[&id],
            )
            .map_err(|e| self.err(&e))?;
        Ok(row.as_ref().map(entry))
    }

    /// Entries with these ids (those that exist), for the host's knowledge.json.
    pub fn knowledge_with_ids(&self, ids: &[String]) -> Result<Vec<KnowledgeEntry>, StoreError> {
        let rows = self
            .client()?
            .query(
                &format!("SELECT {COLUMNS} FROM knowledge WHERE id = ANY($1)"),
                &[&ids],
            )
            .map_err(|e| self.err(&e))?;
        Ok(rows.iter().map(entry).collect())
    }

    /// Every entry's id.
    pub fn knowledge_ids(&self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client()?
            .query("SELECT id FROM knowledge", &[])
            .map_err(|e| self.err(&e))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub fn knowledge_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .client()?
            .query_one("SELECT count(*) FROM knowledge", &[])
            .map_err(|e| self.err(&e))?
            .get(0);
        Ok(count.max(0) as u64)
    }

    /// Entries matching any word of `text`, best first (`ts_rank`; the rank is its
    /// negation, so lower is better as in the embedded store).
    pub fn search_knowledge(
        &self,
        text: &str,
        category: Option<&str>,
        limit: u32,
    ) -> Result<Vec<KnowledgeHit>, StoreError> {
        let (Some(query), Some(shown)) = (
            postgres_query(&without_diacritics(text), "|"),
            postgres_query(text, "|"),
        ) else {
            return Ok(Vec::new());
        };
        let limit = i64::from(limit);
        let mut client = self.client()?;
        let statement = client
            .prepared("WITH q AS (SELECT to_tsquery('english', $1) AS q, to_tsquery('english', $4) AS shown),
                 best AS (
                     SELECT k.id, k.title, k.category, k.content, ts_rank(k.search, q.q, 1) AS score
                     FROM knowledge k, q
                     WHERE k.search @@ q.q AND ($2::text IS NULL OR k.category = $2)
                     ORDER BY score DESC, k.id
                     LIMIT $3
                 )
                 SELECT b.id, b.title, b.category,
                        ts_headline('english', b.content, q.shown,
                            'StartSel=[, StopSel=], MaxWords=12, MinWords=4, MaxFragments=1, FragmentDelimiter=…'),
                        -b.score::float8
                 FROM best b, q
                 ORDER BY b.score DESC, b.id")
            .map_err(|e| self.err(&e))?;
        let rows = client
            .query(&statement, &[&query, &category, &limit, &shown])
            .map_err(|e| self.err(&e))?;
        Ok(rows
            .iter()
            .map(|r| KnowledgeHit {
                id: r.get(0),
                title: r.get(1),
                category: r.get(2),
                snippet: r.get(3),
                rank: r.get(4),
            })
            .collect())
    }
}
