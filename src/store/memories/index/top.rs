//! The exact top-k of a search over the side index: blocks of the rarest query term are
//! visited best bound first, and the walk stops at the first block whose bound cannot
//! enter the top-k (block-max pruning). Every other query term is looked up only for the
//! memories that could still enter it. Scores are FTS5's bm25() (see rank.rs) times the
//! memory's confidence, to the last bit, so the result is the full ranking's top-k.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Transaction, params};

use super::postings::{Posting, damaged, decode, decode_frontier, kind_code};
use super::write::Owners;
use crate::store::memories::rank::{
    average_length, inverse_document_frequency, term_score, term_score_bound,
};
use crate::wire::memory::MemoryKind;

/// How much a bound that adds parts in another order than the score may fall short of it
/// in the last bits; a query of one term adds none and needs no margin.
const ROUNDING_MARGIN: f64 = 1e-9;

/// What a search keeps: only one owner's memories, only one kind.
#[derive(Clone, Copy)]
pub struct Filters<'a> {
    pub user_id: Option<&'a str>,
    pub kind: Option<MemoryKind>,
}

/// The query's terms, each with its IDF, and what scoring needs once.
struct Query {
    /// Each query word's term, in query order (repeats kept: each adds to the score).
    phrases: Vec<usize>,
    /// The distinct terms.
    terms: Vec<String>,
    idf: Vec<f64>,
    avgdl: f64,
    /// The term whose blocks lead the walk: the one fewest memories hold.
    lead: usize,
}

impl Query {
    /// A memory's score, given each term's frequency in it, in FTS5's order.
    fn score(&self, f: &[u32], d: u32) -> f64 {
        let mut score = 0.0;
        for (p, &term) in self.phrases.iter().enumerate() {
            score += term_score(self.idf[p], f64::from(f[term]), f64::from(d), self.avgdl);
        }
        score
    }

    /// The best score × confidence a memory with this lead posting can have.
    fn bound(&self, p: &Posting) -> f64 {
        let mut score = 0.0;
        for (i, &term) in self.phrases.iter().enumerate() {
            score += if term == self.lead {
                term_score(self.idf[i], f64::from(p.f), f64::from(p.d), self.avgdl)
            } else {
                term_score_bound(self.idf[i])
            };
        }
        let bound = score * p.confidence;
        if self.terms.len() == 1 {
            bound
        } else {
            bound * (1.0 + ROUNDING_MARGIN)
        }
    }
}

/// (rank, id) of the best `limit` memories matching every word (each word given as its
/// query tokens), best first; None when the index leaves the query to FTS5 (the caller
/// ranks it with FTS5 itself, exactly): when a word is not one token to FTS5, or when some
/// word is rare (it has no blocks).
pub fn top(
    tx: &Transaction<'_>,
    words: &[Vec<String>],
    filters: Filters<'_>,
    limit: usize,
) -> rusqlite::Result<Option<Vec<(f64, i64)>>> {
    let Some(query) = prepare(tx, words)? else {
        return Ok(None);
    };
    let Some(query) = query else {
        return Ok(Some(Vec::new()));
    };
    // An unknown user has no owner id (-1) and so no blocks.
    let owner = match filters.user_id {
        Some(user_id) => Some(Owners::new(false).of(tx, Some(user_id))?),
        None => None,
    };
    let kind = filters.kind.map(kind_code);
    let blocks = lead_blocks(tx, &query, owner, kind)?;
    let mut best = Best::new(limit);
    let mut lookups = Lookups::default();
    let mut f = vec![0u32; query.terms.len()];
    let mut postings_of = tx.prepare_cached(
        "SELECT postings FROM memory_index_postings WHERE term = ?1 AND owner = ?2 AND first = ?3",
    )?;
    for block in blocks {
        if !best.may_enter(block.bound, block.first) {
            break;
        }
        let bytes: Vec<u8> = postings_of.query_row(
            params![query.terms[query.lead], block.owner, block.first],
            |r| r.get(0),
        )?;
        for p in decode(block.first, &bytes).map_err(damaged)? {
            if kind.is_some_and(|k| k != p.kind) {
                continue;
            }
            if query.terms.len() > 1 && !best.may_enter(query.bound(&p), p.id) {
                continue;
            }
            f[query.lead] = p.f;
            let mut holds_all = true;
            for (term, text) in query.terms.iter().enumerate() {
                if term == query.lead {
                    continue;
                }
                match lookups.find(tx, term, text, block.owner, p.id)? {
                    Some(other) => f[term] = other.f,
                    None => {
                        holds_all = false;
                        break;
                    }
                }
            }
            if holds_all {
                best.offer(query.score(&f, p.d) * p.confidence, p.id);
            }
        }
    }
    Ok(Some(best.ranked()))
}

/// The query's terms and statistics: None when the query is left to FTS5; Some(None) when
/// no memory holds some term (nothing matches every word).
fn prepare(tx: &Transaction<'_>, words: &[Vec<String>]) -> rusqlite::Result<Option<Option<Query>>> {
    let mut terms: Vec<String> = Vec::new();
    let mut phrases = Vec::with_capacity(words.len());
    for tokens in words {
        let [token] = tokens.as_slice() else {
            return Ok(None);
        };
        let at = terms.iter().position(|t| t == token).unwrap_or_else(|| {
            terms.push(token.clone());
            terms.len() - 1
        });
        phrases.push(at);
    }
    let (rows, tokens): (i64, i64) = tx
        .prepare_cached("SELECT memories, tokens FROM memory_index_totals")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut held = Vec::with_capacity(terms.len());
    let mut all_have_blocks = true;
    let mut count =
        tx.prepare_cached("SELECT memories, blocks FROM memory_index_terms WHERE term = ?1")?;
    for term in &terms {
        match count
            .query_row([term], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, bool>(1)?)))
            .optional()?
        {
            Some((n, has_blocks)) if n > 0 => {
                held.push(n);
                all_have_blocks &= has_blocks;
            }
            _ => return Ok(Some(None)),
        }
    }
    // A term without blocks is in fewer than BLOCKS_FROM memories, and so is every memory
    // holding all the words: FTS5 ranks those few.
    if !all_have_blocks {
        return Ok(None);
    }
    let lead = (0..terms.len()).min_by_key(|&t| held[t]).unwrap_or(0);
    Ok(Some(Some(Query {
        idf: phrases
            .iter()
            .map(|&t| inverse_document_frequency(rows, held[t]))
            .collect(),
        phrases,
        terms,
        avgdl: average_length(rows, tokens),
        lead,
    })))
}

struct Block {
    owner: i64,
    first: i64,
    bound: f64,
}

/// The lead term's blocks that hold memories of the wanted kind, best bound first (ties:
/// lower ids first, as ranking breaks them).
fn lead_blocks(
    tx: &Transaction<'_>,
    query: &Query,
    owner: Option<i64>,
    kind: Option<u8>,
) -> rusqlite::Result<Vec<Block>> {
    let term = &query.terms[query.lead];
    let mut statement = match owner {
        Some(_) => tx.prepare_cached(
            "SELECT owner, first, frontier FROM memory_index_blocks WHERE term = ?1 AND owner = ?2",
        )?,
        None => tx.prepare_cached(
            "SELECT owner, first, frontier FROM memory_index_blocks WHERE term = ?1 AND ?2 IS NULL",
        )?,
    };
    let mut rows = statement.query(params![term, owner])?;
    let mut blocks = Vec::new();
    while let Some(row) = rows.next()? {
        let frontier = decode_frontier(row.get_ref(2)?.as_blob()?).map_err(damaged)?;
        let bound = frontier
            .iter()
            .filter(|p| kind.is_none_or(|k| k == p.kind))
            .map(|p| query.bound(p))
            .reduce(f64::max);
        if let Some(bound) = bound {
            blocks.push(Block {
                owner: row.get(0)?,
                first: row.get(1)?,
                bound,
            });
        }
    }
    blocks.sort_unstable_by(|a, b| b.bound.total_cmp(&a.bound).then(a.first.cmp(&b.first)));
    Ok(blocks)
}

/// The best `limit` (score × confidence, id) so far: higher first, ties by lower id.
pub struct Best {
    limit: usize,
    entries: Vec<(f64, i64)>,
}

impl Best {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            entries: Vec::with_capacity(limit + 1),
        }
    }

    fn beats(a: (f64, i64), b: (f64, i64)) -> bool {
        a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
    }

    /// Whether a memory scoring at most `bound`, with an id of at least `id`, could enter.
    fn may_enter(&self, bound: f64, id: i64) -> bool {
        self.entries.len() < self.limit
            || self
                .entries
                .last()
                .is_none_or(|&worst| Self::beats((bound, id), worst))
    }

    pub fn offer(&mut self, score: f64, id: i64) {
        let entry = (score, id);
        if self.entries.len() == self.limit
            && self.entries.last().is_some_and(|&w| !Self::beats(entry, w))
        {
            return;
        }
        let at = self.entries.partition_point(|&e| Self::beats(e, entry));
        self.entries.insert(at, entry);
        self.entries.truncate(self.limit);
    }

    /// (rank, id), best first: the rank is FTS5's (negative) BM25 times confidence.
    pub fn ranked(self) -> Vec<(f64, i64)> {
        self.entries.into_iter().map(|(g, id)| (-g, id)).collect()
    }
}

/// The other terms' postings, block by block as the walk asks for them: the last block read
/// for each (term, owner) is kept, since a block's memories are visited in id order.
#[derive(Default)]
struct Lookups {
    cached: HashMap<(usize, i64), Vec<Posting>>,
}

impl Lookups {
    fn find(
        &mut self,
        tx: &Transaction<'_>,
        term: usize,
        text: &str,
        owner: i64,
        id: i64,
    ) -> rusqlite::Result<Option<Posting>> {
        let key = (term, owner);
        let covers = |postings: &Vec<Posting>| {
            postings.first().is_some_and(|p| p.id <= id)
                && postings.last().is_some_and(|p| p.id >= id)
        };
        if !self.cached.get(&key).is_some_and(covers) {
            let block: Option<(i64, Vec<u8>)> = tx
                .prepare_cached(
                    "SELECT first, postings FROM memory_index_postings
                     WHERE term = ?1 AND owner = ?2 AND first <= ?3 ORDER BY first DESC LIMIT 1",
                )?
                .query_row(params![text, owner, id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let postings = match block {
                Some((first, bytes)) => decode(first, &bytes).map_err(damaged)?,
                None => Vec::new(),
            };
            self.cached.insert(key, postings);
        }
        Ok(self.cached.get(&key).and_then(|postings| {
            postings
                .binary_search_by_key(&id, |p| p.id)
                .ok()
                .map(|at| postings[at])
        }))
    }
}
