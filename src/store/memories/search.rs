//! Full-text search over indexed memories: BM25 from FTS5's index (`memory_bm25`, see
//! rank.rs), weighed by each memory's confidence, with snippets of the matches.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};

use rusqlite::{OptionalExtension, Transaction, params};

use super::{COLUMNS, MAX_QUERY_CHARS, MAX_RANKED, MAX_SEARCH_LIMIT, MemoryHit, stored};
use crate::store::fts::every_word;
use crate::store::{Store, StoreError};
use crate::wire::memory::MemoryKind;

/// What a search keeps: only one user's memories, only one kind, or both.
#[derive(Clone, Copy)]
struct Filters<'a> {
    user_id: Option<&'a str>,
    kind: Option<&'static str>,
}

impl Filters<'_> {
    fn none(&self) -> bool {
        self.user_id.is_none() && self.kind.is_none()
    }
}

impl Store {
    /// Indexed memories matching every word of `text`, best first: BM25 (a match in the
    /// subject or value counts twice a match in the text) times the memory's confidence, so
    /// a less certain memory ranks lower. Optionally of one user and one kind. When more
    /// than `MAX_RANKED` memories match, the newest `MAX_RANKED` of them are ranked: that
    /// bounds the time a very common word takes. Any text is a valid query (see `fts`);
    /// text without words finds nothing.
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
        let Some(query) = every_word(text) else {
            return Ok(Vec::new());
        };
        let filters = Filters {
            user_id,
            kind: kind.map(MemoryKind::as_str),
        };
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut guard = self.connection();
        // One read transaction for the steps below: one snapshot, and the file locks taken
        // once instead of for each statement.
        let tx = guard.transaction().map_err(|e| self.err(e))?;
        let hits = search(&tx, &query, filters, limit).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(hits)
    }
}

fn search(
    tx: &Transaction<'_>,
    query: &str,
    filters: Filters<'_>,
    limit: usize,
) -> rusqlite::Result<Vec<MemoryHit>> {
    let candidates = candidates(tx, query, filters)?;
    let ranked = top(tx, candidates, filters, limit)?;
    let mut snippets = snippets(tx, query, &ranked)?;
    let mut row =
        tx.prepare_cached(&format!("SELECT {COLUMNS} FROM memories m WHERE m.id = ?1"))?;
    ranked
        .into_iter()
        .map(|(rank, id)| {
            Ok(MemoryHit {
                memory: row.query_row([id], stored)?,
                snippet: snippets.remove(&id).unwrap_or_default(),
                rank,
            })
        })
        .collect()
}

/// (BM25, rowid) of the newest `MAX_RANKED` matches that pass the filters, and of any
/// other match among them, scored from the index alone (see rank.rs).
fn candidates(
    tx: &Transaction<'_>,
    query: &str,
    filters: Filters<'_>,
) -> rusqlite::Result<Vec<(f64, i64)>> {
    // The filters are on the memory's row, so their window's oldest end comes first: the
    // MAX_RANKED-th newest match that passes them. FTS5 walks its matches by rowid without
    // scoring them, so this is cheap. Without filters, the scoring walk below goes newest
    // first and stops at the window's end.
    let oldest = if filters.none() {
        None
    } else {
        let oldest: Option<i64> = tx
            .prepare_cached(
                "SELECT memories_fts.rowid FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
                 WHERE memories_fts MATCH ?1 AND (?2 IS NULL OR m.user_id = ?2) AND (?3 IS NULL OR m.kind = ?3)
                 ORDER BY memories_fts.rowid DESC LIMIT 1 OFFSET ?4",
            )?
            .query_row(
                params![query, filters.user_id, filters.kind, MAX_RANKED - 1],
                |r| r.get(0),
            )
            .optional()?;
        Some(oldest.unwrap_or(0))
    };
    let window = match oldest {
        None => "ORDER BY memories_fts.rowid DESC LIMIT ?2",
        Some(_) => "AND memories_fts.rowid >= ?2",
    };
    let bound = oldest.unwrap_or(MAX_RANKED);
    tx.prepare_cached(&format!(
        "SELECT memories_fts.rowid, memory_bm25(memories_fts, d.sz) FROM memories_fts
         CROSS JOIN memories_fts_docsize d ON d.id = memories_fts.rowid
         WHERE memories_fts MATCH ?1 {window}"
    ))?
    .query_map(params![query, bound], |r| Ok((r.get(1)?, r.get(0)?)))?
    .collect()
}

/// A candidate in a heap that yields the best (lowest) BM25 first, ties by rowid, as SQL's
/// ORDER BY score, rowid would.
#[derive(PartialEq)]
struct Candidate(f64, i64);

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

/// The best `limit` candidates that pass the filters, weighed by confidence: (rank, id),
/// best first. Scores are negative and a confidence is at most 1, so once a candidate's
/// BM25 is weaker than the limit-th weighted score so far, no later candidate can enter the
/// top: the candidates come off a heap best first and the walk stops there, so only the
/// few read are ordered.
fn top(
    tx: &Transaction<'_>,
    candidates: Vec<(f64, i64)>,
    filters: Filters<'_>,
    limit: usize,
) -> rusqlite::Result<Vec<(f64, i64)>> {
    let mut heap: BinaryHeap<Reverse<Candidate>> = candidates
        .into_iter()
        .map(|(bm25, id)| Reverse(Candidate(bm25, id)))
        .collect();
    let mut facts =
        tx.prepare_cached("SELECT confidence, user_id, kind FROM memories WHERE id = ?1")?;
    let mut ranked: Vec<(f64, i64)> = Vec::with_capacity(limit + 1);
    while let Some(Reverse(Candidate(bm25, id))) = heap.pop() {
        if ranked.len() == limit && ranked.last().is_some_and(|(worst, _)| bm25 > *worst) {
            break;
        }
        let (confidence, owner, of_kind): (f64, Option<String>, String) =
            facts.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        if filters.user_id.is_some_and(|u| owner.as_deref() != Some(u))
            || filters.kind.is_some_and(|k| k != of_kind)
        {
            continue;
        }
        let entry = (bm25 * confidence.clamp(0.0, 1.0), id);
        let at = ranked.partition_point(|e| e.0 < entry.0 || (e.0 == entry.0 && e.1 < entry.1));
        ranked.insert(at, entry);
        ranked.truncate(limit);
    }
    Ok(ranked)
}

/// FTS5's snippet of each ranked memory, from one walk over the matches between the oldest
/// and the newest of them. A statement per memory would seek the rowid in every segment
/// of the index each time, which costs more than walking the matches in between: the
/// candidates' walk has passed over all of them already (without filters, at most
/// `MAX_RANKED`).
fn snippets(
    tx: &Transaction<'_>,
    query: &str,
    ranked: &[(f64, i64)],
) -> rusqlite::Result<HashMap<i64, String>> {
    let (Some(oldest), Some(newest)) = (
        ranked.iter().map(|(_, id)| *id).min(),
        ranked.iter().map(|(_, id)| *id).max(),
    ) else {
        return Ok(HashMap::new());
    };
    let ids = serde_json::to_string(&ranked.iter().map(|(_, id)| id).collect::<Vec<_>>())
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
    // The membership test sits inside CASE so that the planner walks the range instead of
    // looking each rowid up (which is what `rowid IN (...)` in the WHERE clause makes it do).
    let mut statement = tx.prepare_cached(
        "SELECT rowid, CASE WHEN rowid IN (SELECT value FROM json_each(?4))
                THEN snippet(memories_fts, -1, '[', ']', '…', 12) END
         FROM memories_fts WHERE memories_fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3",
    )?;
    let mut snippets = HashMap::with_capacity(ranked.len());
    let mut rows = statement.query(params![query, oldest, newest, ids])?;
    while let Some(row) = rows.next()? {
        if let Some(snippet) = row.get::<_, Option<String>>(1)? {
            snippets.insert(row.get(0)?, snippet);
        }
    }
    Ok(snippets)
}
