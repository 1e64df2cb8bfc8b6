//! Keeping the side index equal to `memories_fts`: memories are added to it in the
//! transaction that adds them to FTS5, and taken out of it in the transaction that deletes
//! them (before the rows go, while their text is there to tokenize again).

use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, ToSql, Transaction, params};

use super::postings::{
    BLOCK_POSTINGS, Posting, SMALL_BLOCK, damaged, decode, encode, encode_frontier, frontier,
    kind_code_of,
};
use crate::store::memories::rank::{COLUMN_NAMES, COLUMN_WEIGHTS, sum_of_varints};
use crate::store::memories::tokens::{Purpose, Tokenizer};

/// A memory as the index needs it.
struct Row {
    id: i64,
    columns: [Option<String>; 3],
    user_id: Option<String>,
    kind: u8,
    confidence: f64,
}

/// A term gets blocks once this many memories hold it. A rarer term's few matches are
/// ranked by FTS5 at search time as fast as blocks would be, and leaving them out spares
/// the index most of its writes: each indexing step touches the blocks of the common terms
/// only, not of every word of the conversation.
pub const BLOCKS_FROM: i64 = 1_000;

/// Postings to add or remove, by (term, owner), ids ascending.
type Groups = BTreeMap<(String, i64), Vec<Posting>>;

/// Adds the memories `select` returns (id, text, subject, value, user_id, kind,
/// confidence; ids ascending) to the index; they must be in `memories_fts` already (a term
/// that reaches `BLOCKS_FROM` memories gets its blocks from FTS5's entries, theirs too).
pub fn add(tx: &Transaction<'_>, select: &str, args: &[&dyn ToSql]) -> rusqlite::Result<()> {
    let rows = read_rows(tx, select, args)?;
    if rows.is_empty() {
        return Ok(());
    }
    let (groups, tokens) = group(tx, &rows, true)?;
    // One statement for all the terms of the batch (thousands): counted, and told which
    // have blocks and how many memories hold each now.
    let counts = serde_json::to_string(&per_term(&groups))
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
    let mut statement = tx.prepare_cached(
        "INSERT INTO memory_index_terms (term, memories)
         SELECT key, value FROM json_each(?1) WHERE true
         ON CONFLICT(term) DO UPDATE SET memories = memories + excluded.memories
         RETURNING term, memories, blocks",
    )?;
    let counted: Vec<(String, i64, bool)> = statement
        .query_map([counts], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (term, held, has_blocks) in counted {
        if has_blocks {
            for ((_, owner), postings) in
                groups.range((term.clone(), i64::MIN)..=(term.clone(), i64::MAX))
            {
                merge_into_blocks(tx, &term, *owner, postings)?;
            }
        } else if held >= BLOCKS_FROM {
            make_blocks(tx, &term)?;
        }
    }
    tx.execute(
        "UPDATE memory_index_totals SET memories = memories + ?1, tokens = tokens + ?2",
        params![rows.len() as i64, tokens],
    )?;
    Ok(())
}

/// Gives a term its blocks: the postings of every memory holding it, from FTS5's entries
/// (which word in which column of which memory) and row lengths.
fn make_blocks(tx: &Transaction<'_>, term: &str) -> rusqlite::Result<()> {
    let mut statement = tx.prepare_cached(
        "SELECT i.doc, i.col, d.sz, m.user_id, m.kind, m.confidence
         FROM memory_index_instances i
         JOIN memories_fts_docsize d ON d.id = i.doc JOIN memories m ON m.id = i.doc
         WHERE i.term = ?1",
    )?;
    let mut rows = statement.query([term])?;
    let mut owners = Owners::new(false);
    let mut postings: BTreeMap<(i64, i64), Posting> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let column: String = row.get(1)?;
        let weight = COLUMN_NAMES
            .iter()
            .position(|c| *c == column)
            .map(|c| COLUMN_WEIGHTS[c] as u32)
            .ok_or_else(|| damaged(super::postings::Malformed))?;
        let owner = owners.of(tx, row.get_ref(3)?.as_str_or_null()?)?;
        match postings.get_mut(&(owner, id)) {
            Some(p) => p.f += weight,
            None => {
                let length = sum_of_varints(row.get_ref(2)?.as_blob()?)
                    .ok_or_else(|| damaged(super::postings::Malformed))?;
                let kind: String = row.get(4)?;
                postings.insert(
                    (owner, id),
                    Posting {
                        id,
                        f: weight,
                        d: u32::try_from(length).unwrap_or(u32::MAX),
                        kind: kind_code_of(&kind),
                        confidence: row.get::<_, f64>(5)?.clamp(0.0, 1.0),
                    },
                );
            }
        }
    }
    let mut by_owner: BTreeMap<i64, Vec<Posting>> = BTreeMap::new();
    for ((owner, _), p) in postings {
        by_owner.entry(owner).or_default().push(p);
    }
    for (owner, postings) in by_owner {
        write_blocks(tx, term, owner, &postings)?;
    }
    tx.prepare_cached("UPDATE memory_index_terms SET blocks = 1 WHERE term = ?1")?
        .execute([term])?;
    Ok(())
}

/// Removes the memories `select` returns (same columns as for `add`) from the index; to be
/// called before they are deleted.
pub fn remove(tx: &Transaction<'_>, select: &str, args: &[&dyn ToSql]) -> rusqlite::Result<()> {
    let rows = read_rows(tx, select, args)?;
    if rows.is_empty() {
        return Ok(());
    }
    let (groups, tokens) = group(tx, &rows, false)?;
    for ((term, owner), postings) in &groups {
        remove_from_blocks(tx, term, *owner, postings)?;
    }
    let mut term_count = tx
        .prepare_cached("UPDATE memory_index_terms SET memories = memories - ?2 WHERE term = ?1")?;
    for (term, n) in per_term(&groups) {
        term_count.execute(params![term, n])?;
    }
    tx.execute("DELETE FROM memory_index_terms WHERE memories <= 0", [])?;
    let mut per_owner: HashMap<Option<&str>, i64> = HashMap::new();
    for row in &rows {
        *per_owner.entry(row.user_id.as_deref()).or_default() += 1;
    }
    for (user_id, n) in per_owner {
        tx.execute(
            "UPDATE memory_index_owners SET memories = memories - ?2 WHERE user_id IS ?1",
            params![user_id, n],
        )?;
    }
    // A user's id is theirs to erase too; the row of memories without a user stays.
    tx.execute(
        "DELETE FROM memory_index_owners WHERE memories <= 0 AND id <> 0",
        [],
    )?;
    tx.execute(
        "UPDATE memory_index_totals SET memories = memories - ?1, tokens = tokens - ?2",
        params![rows.len() as i64, tokens],
    )?;
    Ok(())
}

fn read_rows(
    tx: &Transaction<'_>,
    select: &str,
    args: &[&dyn ToSql],
) -> rusqlite::Result<Vec<Row>> {
    let mut statement = tx.prepare_cached(select)?;
    let rows = statement.query_map(args, |r| {
        let kind: String = r.get(5)?;
        Ok(Row {
            id: r.get(0)?,
            columns: [Some(r.get(1)?), r.get(2)?, r.get(3)?],
            user_id: r.get(4)?,
            kind: kind_code_of(&kind),
            confidence: r.get::<_, f64>(6)?.clamp(0.0, 1.0),
        })
    })?;
    rows.collect()
}

/// Each row's postings, grouped by (term, owner), and the rows' total length in tokens.
/// Owners are made as needed when `adding`, and counted.
fn group(tx: &Transaction<'_>, rows: &[Row], adding: bool) -> rusqlite::Result<(Groups, i64)> {
    let tokenizer = Tokenizer::new(tx)?;
    let mut groups = Groups::new();
    let mut owners = Owners::new(adding);
    let mut total: i64 = 0;
    let mut added: HashMap<i64, i64> = HashMap::new();
    for row in rows {
        let owner = owners.of(tx, row.user_id.as_deref())?;
        if adding {
            *added.entry(owner).or_default() += 1;
        }
        let mut frequencies: HashMap<String, u32> = HashMap::new();
        let mut length: u32 = 0;
        for (column, text) in row.columns.iter().enumerate() {
            let Some(text) = text else { continue };
            // Column weights are whole numbers (a test checks), so frequencies are too.
            let weight = COLUMN_WEIGHTS[column] as u32;
            for token in tokenizer.tokens(text, Purpose::Document)? {
                length = length.saturating_add(1);
                *frequencies.entry(token).or_default() += weight;
            }
        }
        total += i64::from(length);
        for (term, f) in frequencies {
            groups.entry((term, owner)).or_default().push(Posting {
                id: row.id,
                f,
                d: length,
                kind: row.kind,
                confidence: row.confidence,
            });
        }
    }
    for (owner, n) in added {
        tx.prepare_cached("UPDATE memory_index_owners SET memories = memories + ?2 WHERE id = ?1")?
            .execute([owner, n])?;
    }
    Ok((groups, total))
}

/// Owner ids of users' memories (0 for memories without a user), looked up once per user;
/// made when `create`.
pub struct Owners {
    known: HashMap<String, i64>,
    create: bool,
}

impl Owners {
    pub fn new(create: bool) -> Self {
        Self {
            known: HashMap::new(),
            create,
        }
    }

    pub fn of(&mut self, tx: &Transaction<'_>, user_id: Option<&str>) -> rusqlite::Result<i64> {
        let Some(user_id) = user_id else {
            return Ok(0);
        };
        if let Some(owner) = self.known.get(user_id) {
            return Ok(*owner);
        }
        if self.create {
            tx.prepare_cached(
                "INSERT INTO memory_index_owners (user_id, memories) VALUES (?1, 0)
                 ON CONFLICT(user_id) DO NOTHING",
            )?
            .execute([user_id])?;
        }
        let owner = tx
            .prepare_cached("SELECT id FROM memory_index_owners WHERE user_id = ?1")?
            .query_row([user_id], |r| r.get(0))
            .optional()?
            .unwrap_or(-1);
        self.known.insert(user_id.to_owned(), owner);
        Ok(owner)
    }
}

fn per_term(groups: &Groups) -> BTreeMap<&str, i64> {
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for ((term, _), postings) in groups {
        *counts.entry(term.as_str()).or_default() += postings.len() as i64;
    }
    counts
}

/// The blocks of (term, owner) that hold ids from `from` to `to`: (first id, postings).
/// Blocks do not overlap, so the walk goes down from the last one starting at or before
/// `to` and stops at the first that ends before `from`.
fn blocks_overlapping(
    tx: &Transaction<'_>,
    term: &str,
    owner: i64,
    from: i64,
    to: i64,
) -> rusqlite::Result<Vec<(i64, Vec<Posting>)>> {
    let mut statement = tx.prepare_cached(
        "SELECT b.first, b.last, p.postings FROM memory_index_blocks b
         JOIN memory_index_postings p ON (p.term, p.owner, p.first) = (b.term, b.owner, b.first)
         WHERE b.term = ?1 AND b.owner = ?2 AND b.first <= ?3 ORDER BY b.first DESC",
    )?;
    let mut rows = statement.query(params![term, owner, to])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        let (first, last): (i64, i64) = (row.get(0)?, row.get(1)?);
        if last < from {
            break;
        }
        let postings = decode(first, row.get_ref(2)?.as_blob()?).map_err(damaged)?;
        found.push((first, postings));
    }
    Ok(found)
}

fn merge_into_blocks(
    tx: &Transaction<'_>,
    term: &str,
    owner: i64,
    new: &[Posting],
) -> rusqlite::Result<()> {
    let (Some(lowest), Some(highest)) = (new.first(), new.last()) else {
        return Ok(());
    };
    let last: Option<(i64, i64, i64)> = tx
        .prepare_cached(
            "SELECT first, last, count FROM memory_index_blocks WHERE term = ?1 AND owner = ?2
             ORDER BY first DESC LIMIT 1",
        )?
        .query_row(params![term, owner], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    match last {
        // New memories come after every indexed one, so they go at the end: into the last
        // block while it is small, then into new blocks.
        None => {}
        Some((first, last_id, count)) if lowest.id > last_id && (count as usize) < SMALL_BLOCK => {
            let bytes: Vec<u8> = tx
                .prepare_cached(
                    "SELECT postings FROM memory_index_postings
                     WHERE term = ?1 AND owner = ?2 AND first = ?3",
                )?
                .query_row(params![term, owner, first], |r| r.get(0))?;
            let mut postings = decode(first, &bytes).map_err(damaged)?;
            let room = BLOCK_POSTINGS - postings.len().min(BLOCK_POSTINGS);
            let (into_last, rest) = new.split_at(room.min(new.len()));
            postings.extend_from_slice(into_last);
            write_block(tx, term, owner, &postings)?;
            return write_blocks(tx, term, owner, rest);
        }
        Some((_, last_id, _)) if lowest.id > last_id => {}
        // Should one fall inside the indexed range, the blocks there are rewritten with it.
        Some(_) => {
            let mut merged: BTreeMap<i64, Posting> = BTreeMap::new();
            for (first, postings) in blocks_overlapping(tx, term, owner, lowest.id, highest.id)? {
                delete_block(tx, term, owner, first)?;
                merged.extend(postings.into_iter().map(|p| (p.id, p)));
            }
            merged.extend(new.iter().map(|p| (p.id, *p)));
            let all: Vec<Posting> = merged.into_values().collect();
            return write_blocks(tx, term, owner, &all);
        }
    }
    write_blocks(tx, term, owner, new)
}

fn remove_from_blocks(
    tx: &Transaction<'_>,
    term: &str,
    owner: i64,
    gone: &[Posting],
) -> rusqlite::Result<()> {
    let (Some(lowest), Some(highest)) = (gone.first(), gone.last()) else {
        return Ok(());
    };
    let ids: std::collections::HashSet<i64> = gone.iter().map(|p| p.id).collect();
    for (first, postings) in blocks_overlapping(tx, term, owner, lowest.id, highest.id)? {
        let kept: Vec<Posting> = postings
            .into_iter()
            .filter(|p| !ids.contains(&p.id))
            .collect();
        delete_block(tx, term, owner, first)?;
        if !kept.is_empty() {
            write_block(tx, term, owner, &kept)?;
        }
    }
    Ok(())
}

fn delete_block(tx: &Transaction<'_>, term: &str, owner: i64, first: i64) -> rusqlite::Result<()> {
    for sql in [
        "DELETE FROM memory_index_blocks WHERE term = ?1 AND owner = ?2 AND first = ?3",
        "DELETE FROM memory_index_postings WHERE term = ?1 AND owner = ?2 AND first = ?3",
    ] {
        tx.prepare_cached(sql)?
            .execute(params![term, owner, first])?;
    }
    Ok(())
}

/// Writes `postings` (ids ascending) as new blocks of at most `BLOCK_POSTINGS`.
fn write_blocks(
    tx: &Transaction<'_>,
    term: &str,
    owner: i64,
    postings: &[Posting],
) -> rusqlite::Result<()> {
    for chunk in postings.chunks(BLOCK_POSTINGS) {
        write_block(tx, term, owner, chunk)?;
    }
    Ok(())
}

/// Writes a block, new or in place of the stored one with the same first id.
fn write_block(
    tx: &Transaction<'_>,
    term: &str,
    owner: i64,
    postings: &[Posting],
) -> rusqlite::Result<()> {
    let (Some(first), Some(last)) = (postings.first(), postings.last()) else {
        return Ok(());
    };
    tx.prepare_cached(
        "INSERT INTO memory_index_blocks (term, owner, first, last, count, frontier)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO UPDATE SET last = excluded.last, count = excluded.count,
                                   frontier = excluded.frontier",
    )?
    .execute(params![
        term,
        owner,
        first.id,
        last.id,
        postings.len() as i64,
        encode_frontier(&frontier(postings))
    ])?;
    tx.prepare_cached(
        "INSERT INTO memory_index_postings (term, owner, first, postings) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO UPDATE SET postings = excluded.postings",
    )?
    .execute(params![term, owner, first.id, encode(postings)])?;
    Ok(())
}
