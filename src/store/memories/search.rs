//! Full-text search over indexed memories: the exact top-k of BM25 (FTS5's, see rank.rs)
//! weighed by each memory's confidence, from the search index (index/), with FTS5's
//! snippets of the matches (made from each hit's row, snippet.rs).

use rusqlite::{Transaction, params};

use super::index::{self, Best, Filters};
use super::rank::column_texts;
use super::snippet::{Phrases, snippet};
use super::tokens::{Purpose, Tokenizer};
use super::{COLUMNS, MAX_QUERY_CHARS, MAX_SEARCH_LIMIT, MemoryHit, stored};
use crate::store::fts::{every_word, words};
use crate::store::{Store, StoreError};
use crate::wire::memory::MemoryKind;

impl Store {
    /// Indexed memories matching every word of `text`, best first: BM25 (a match in the
    /// subject or value counts twice a match in the text) times the memory's confidence, so
    /// a less certain memory ranks lower; ties by id. Optionally of one user and one kind:
    /// the filters apply inside the ranking, so the result is the best `limit` of what
    /// passes them. Any text is a valid query (see `fts`); text without words finds
    /// nothing.
    pub fn search_memories(
        &self,
        text: &str,
        user_id: Option<&str>,
        kind: Option<MemoryKind>,
        limit: i64,
    ) -> Result<Vec<MemoryHit>, StoreError> {
        if !(1..=i64::from(MAX_SEARCH_LIMIT)).contains(&limit) {
            return Err(StoreError::Query(format!(
                "limit {limit} is out of range: 1 to {MAX_SEARCH_LIMIT}"
            )));
        }
        let chars = text.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(StoreError::Query(format!(
                "the query has {chars} characters; at most {MAX_QUERY_CHARS} are allowed"
            )));
        }
        if let Some(shared) = self.shared() {
            return shared.search_memories(text, user_id, kind.map(MemoryKind::as_str), limit);
        }
        let words: Vec<&str> = words(text).collect();
        let Some(query) = every_word(text) else {
            return Ok(Vec::new());
        };
        let filters = Filters { user_id, kind };
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut guard = self.connection();
        // One read transaction for the steps below: one snapshot, and the file locks taken
        // once instead of for each statement.
        let tx = guard.transaction().map_err(|e| self.err(e))?;
        let hits = search(&tx, &words, &query, filters, limit).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(hits)
    }
}

/// The hits of `words`, whose FTS5 query (each word quoted) is `query`.
fn search(
    tx: &Transaction<'_>,
    words: &[&str],
    query: &str,
    filters: Filters<'_>,
    limit: usize,
) -> rusqlite::Result<Vec<MemoryHit>> {
    let tokenizer = Tokenizer::new(tx)?;
    let tokenized = words
        .iter()
        .map(|word| tokenizer.tokens(word, Purpose::Query))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let ranked = match index::top(tx, &tokenized, filters, limit)? {
        Some(ranked) => ranked,
        None => ranked_by_fts5(tx, query, filters, limit)?,
    };
    let phrases = Phrases::new(&tokenized);
    let mut row =
        tx.prepare_cached(&format!("SELECT {COLUMNS} FROM memories m WHERE m.id = ?1"))?;
    ranked
        .into_iter()
        .map(|(rank, id)| {
            let memory = row.query_row([id], stored)?;
            Ok(MemoryHit {
                snippet: snippet(&tokenizer, &phrases, &column_texts(&memory.memory))?,
                memory,
                rank,
            })
        })
        .collect()
}

/// The exact top-k from FTS5 alone, scoring every match: for a query with a rare word
/// (fewer than `BLOCKS_FROM` memories hold it, see index/write.rs, so fewer match), and
/// for the odd one whose words are not one token each to FTS5 (the index holds tokens,
/// not phrases).
fn ranked_by_fts5(
    tx: &Transaction<'_>,
    query: &str,
    filters: Filters<'_>,
    limit: usize,
) -> rusqlite::Result<Vec<(f64, i64)>> {
    let mut statement = tx.prepare_cached(
        "SELECT memories_fts.rowid, memory_bm25(memories_fts, d.sz), m.confidence FROM memories_fts
         CROSS JOIN memories_fts_docsize d ON d.id = memories_fts.rowid
         JOIN memories m ON m.id = memories_fts.rowid
         WHERE memories_fts MATCH ?1 AND (?2 IS NULL OR m.user_id = ?2) AND (?3 IS NULL OR m.kind = ?3)",
    )?;
    let mut best = Best::new(limit);
    let kind = filters.kind.map(MemoryKind::as_str);
    let mut rows = statement.query(params![query, filters.user_id, kind])?;
    while let Some(row) = rows.next()? {
        let (id, bm25, confidence): (i64, f64, f64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        // BM25 is negative, lower is better: its negation is the score Best keeps.
        best.offer(-(bm25 * confidence.clamp(0.0, 1.0)), id);
    }
    Ok(best.ranked())
}
