//! `memory_bm25(memories_fts, docsize)`: FTS5's own bm25() with memory search's column
//! weights, taking the row's length from the `memories_fts_docsize` blob that the query
//! joins. FTS5's bm25() looks that length up itself with a statement of its own per row,
//! which is most of the time a search of a common word takes; a join reads the same value
//! for a fraction of that. The formula, its constants and the order of its operations are
//! FTS5's (see fts5Bm25Function in sqlite3.c), so the scores are the same to the last bit;
//! a test compares them with bm25() on every row of a store.

use std::ffi::{c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use rusqlite::Connection;
use rusqlite::ffi;

use crate::wire::memory::Memory;

/// The weight of a match in each column of `memories_fts` (text, subject, value): a match
/// in the subject or the value counts twice a match in the text.
pub const COLUMN_WEIGHTS: [f64; 3] = [1.0, 2.0, 2.0];
/// The columns of `memories_fts`, in order.
pub const COLUMN_NAMES: [&str; 3] = ["text", "subject", "value"];

/// A memory's text in the columns of `memories_fts`, in order (None: NULL, no text).
pub fn column_texts(memory: &Memory) -> [Option<&str>; 3] {
    [
        Some(memory.text.as_str()),
        memory.subject.as_deref(),
        memory.value.as_deref(),
    ]
}

/// The SQL name of the function.
pub const FUNCTION: &str = "memory_bm25";

// FTS5's BM25 constants.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// Registers `memory_bm25` on the connection (once per connection).
pub fn register(connection: &Connection) -> rusqlite::Result<()> {
    // SAFETY: the handle is this open connection's, used on this thread while we hold it.
    unsafe {
        let db = connection.handle();
        let api = fts5_api(db)?;
        let create = (*api)
            .xCreateFunction
            .ok_or_else(|| failure("no xCreateFunction"))?;
        let name = c"memory_bm25";
        let rc = create(api, name.as_ptr(), ptr::null_mut(), Some(memory_bm25), None);
        check(db, rc)
    }
}

/// FTS5's API object, as its documentation says to get it: `SELECT fts5(?1)` with a
/// pointer bound as "fts5_api_ptr".
pub(super) unsafe fn fts5_api(db: *mut ffi::sqlite3) -> rusqlite::Result<*mut ffi::fts5_api> {
    let mut statement: *mut ffi::sqlite3_stmt = ptr::null_mut();
    let sql = c"SELECT fts5(?1)";
    // SAFETY: db is open; the statement is finalized on every path below.
    unsafe {
        check(
            db,
            ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut statement, ptr::null_mut()),
        )?;
        let mut api: *mut ffi::fts5_api = ptr::null_mut();
        let out = (&mut api as *mut *mut ffi::fts5_api).cast::<c_void>();
        let mut rc = ffi::sqlite3_bind_pointer(statement, 1, out, c"fts5_api_ptr".as_ptr(), None);
        if rc == ffi::SQLITE_OK {
            rc = ffi::sqlite3_step(statement);
        }
        let finalized = ffi::sqlite3_finalize(statement);
        if rc != ffi::SQLITE_ROW {
            check(db, rc)?;
        }
        check(db, finalized)?;
        if api.is_null() || (*api).iVersion < 2 {
            return Err(failure("this SQLite has no FTS5 API of version 2 or later"));
        }
        Ok(api)
    }
}

pub(super) fn check(db: *mut ffi::sqlite3, rc: c_int) -> rusqlite::Result<()> {
    if rc == ffi::SQLITE_OK || rc == ffi::SQLITE_DONE || rc == ffi::SQLITE_ROW {
        return Ok(());
    }
    // SAFETY: db is open; sqlite3_errmsg returns a string it owns, copied at once.
    let message = unsafe { std::ffi::CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned();
    Err(rusqlite::Error::SqliteFailure(
        ffi::Error::new(rc),
        Some(message),
    ))
}

fn failure(message: &str) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        ffi::Error::new(ffi::SQLITE_ERROR),
        Some(format!("{FUNCTION}: {message}")),
    )
}

/// FTS5's IDF of a phrase found in `hits` of `rows` rows (never below a millionth).
pub fn inverse_document_frequency(rows: i64, hits: i64) -> f64 {
    let value = (((rows - hits) as f64 + 0.5) / (hits as f64 + 0.5)).ln();
    if value <= 0.0 { 1e-6 } else { value }
}

/// The average row length, as FTS5 computes it.
pub fn average_length(rows: i64, tokens: i64) -> f64 {
    tokens as f64 / rows as f64
}

/// One phrase's share of a row's BM25: its IDF, its weighted frequency `f` in a row of `d`
/// tokens. FTS5's operations in FTS5's order, so the sum over the phrases (in query order)
/// is bm25()'s to the last bit.
pub fn term_score(idf: f64, f: f64, d: f64, avgdl: f64) -> f64 {
    idf * ((f * (K1 + 1.0)) / (f + K1 * (1.0 - B + B * d / avgdl)))
}

/// The most `term_score` can be for a phrase of this IDF, whatever its frequency and the
/// row's length: the limit of its ratio as the frequency grows.
pub fn term_score_bound(idf: f64) -> f64 {
    idf * (K1 + 1.0)
}

/// What one query computes once: the average row length and each phrase's IDF. Kept as
/// FTS5 auxiliary data, freed by FTS5 when the query ends.
struct QueryData {
    avgdl: f64,
    idf: Vec<f64>,
    freq: Vec<f64>,
}

unsafe extern "C" fn free_query_data(data: *mut c_void) {
    // SAFETY: FTS5 hands back the pointer made by Box::into_raw below, once.
    drop(unsafe { Box::from_raw(data.cast::<QueryData>()) });
}

unsafe extern "C" fn count_rows(
    _api: *const ffi::Fts5ExtensionApi,
    _fts: *mut ffi::Fts5Context,
    count: *mut c_void,
) -> c_int {
    // SAFETY: count is the &mut i64 passed to xQueryPhrase below.
    unsafe { *count.cast::<i64>() += 1 };
    ffi::SQLITE_OK
}

/// The FTS5 callback. A panic must not cross into SQLite: it becomes an SQL error.
unsafe extern "C" fn memory_bm25(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    context: *mut ffi::sqlite3_context,
    n_args: c_int,
    args: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 passes valid pointers for the duration of the call.
    let outcome = catch_unwind(AssertUnwindSafe(|| unsafe {
        score(api, fts, n_args, args)
    }));
    let message = match outcome {
        // SAFETY (all three): context is the call's own.
        Ok(Ok(score)) => return unsafe { ffi::sqlite3_result_double(context, score) },
        Ok(Err(Fault::Sqlite(rc))) => {
            return unsafe { ffi::sqlite3_result_error_code(context, rc) };
        }
        Ok(Err(Fault::Usage(message))) => message,
        Err(_) => "memory_bm25 failed",
    };
    let len = c_int::try_from(message.len()).unwrap_or(0);
    unsafe { ffi::sqlite3_result_error(context, message.as_ptr().cast(), len) }
}

enum Fault {
    Sqlite(c_int),
    Usage(&'static str),
}

fn ok(rc: c_int) -> Result<(), Fault> {
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(Fault::Sqlite(rc))
    }
}

unsafe fn score(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    n_args: c_int,
    args: *mut *mut ffi::sqlite3_value,
) -> Result<f64, Fault> {
    const MISSING: Fault =
        Fault::Usage("memory_bm25: this SQLite's FTS5 lacks a function it needs");
    // SAFETY: api, fts and args are FTS5's for this call; args holds n_args values.
    unsafe {
        let api = &*api;
        if n_args != 1 {
            return Err(Fault::Usage(
                "memory_bm25 takes the FTS table and the row's memories_fts_docsize.sz",
            ));
        }
        let length = row_length(*args).ok_or(Fault::Usage(
            "memory_bm25: the second argument is not a memories_fts_docsize.sz blob",
        ))?;
        let data = query_data(api, fts)?;
        data.freq.fill(0.0);
        let mut instances: c_int = 0;
        ok(api.xInstCount.ok_or(MISSING)?(fts, &mut instances))?;
        let inst = api.xInst.ok_or(MISSING)?;
        for i in 0..instances {
            let (mut phrase, mut column, mut offset) = (0, 0, 0);
            ok(inst(fts, i, &mut phrase, &mut column, &mut offset))?;
            let weight = usize::try_from(column)
                .ok()
                .and_then(|c| COLUMN_WEIGHTS.get(c))
                .copied()
                .unwrap_or(1.0);
            if let Some(f) = usize::try_from(phrase)
                .ok()
                .and_then(|p| data.freq.get_mut(p))
            {
                *f += weight;
            }
        }
        let d = length as f64;
        let mut score = 0.0;
        for (idf, f) in data.idf.iter().zip(&data.freq) {
            score += term_score(*idf, *f, d, data.avgdl);
        }
        Ok(-score)
    }
}

/// The query's data, computed on its first row as FTS5's bm25() does.
unsafe fn query_data<'a>(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
) -> Result<&'a mut QueryData, Fault> {
    const MISSING: Fault =
        Fault::Usage("memory_bm25: this SQLite's FTS5 lacks a function it needs");
    // SAFETY: fts is the current query's context; the auxiliary data is ours (set below).
    unsafe {
        let existing = api.xGetAuxdata.ok_or(MISSING)?(fts, 0);
        if !existing.is_null() {
            return Ok(&mut *existing.cast::<QueryData>());
        }
        let phrases = api.xPhraseCount.ok_or(MISSING)?(fts);
        let (mut rows, mut tokens) = (0i64, 0i64);
        ok(api.xRowCount.ok_or(MISSING)?(fts, &mut rows))?;
        ok(api.xColumnTotalSize.ok_or(MISSING)?(fts, -1, &mut tokens))?;
        let mut idf = Vec::with_capacity(usize::try_from(phrases).unwrap_or(0));
        let query_phrase = api.xQueryPhrase.ok_or(MISSING)?;
        for phrase in 0..phrases {
            let mut hits: i64 = 0;
            let out = (&mut hits as *mut i64).cast::<c_void>();
            ok(query_phrase(fts, phrase, out, Some(count_rows)))?;
            idf.push(inverse_document_frequency(rows, hits));
        }
        let data = Box::new(QueryData {
            avgdl: average_length(rows, tokens),
            freq: vec![0.0; idf.len()],
            idf,
        });
        let raw = Box::into_raw(data);
        let rc = api.xSetAuxdata.ok_or(MISSING)?(fts, raw.cast(), Some(free_query_data));
        if rc != ffi::SQLITE_OK {
            // FTS5 has called the destructor on failure.
            return Err(Fault::Sqlite(rc));
        }
        Ok(&mut *raw)
    }
}

/// The row's length in tokens: the sum of the per-column counts in its docsize blob, each a
/// SQLite varint. None when the value is not such a blob.
unsafe fn row_length(value: *mut ffi::sqlite3_value) -> Option<u64> {
    // SAFETY: value is a live argument of the current call; the blob pointer stays valid
    // until the value is changed, which nothing does before we return.
    let blob = unsafe {
        if ffi::sqlite3_value_type(value) != ffi::SQLITE_BLOB {
            return None;
        }
        let bytes = ffi::sqlite3_value_blob(value).cast::<u8>();
        let len = usize::try_from(ffi::sqlite3_value_bytes(value)).ok()?;
        if bytes.is_null() {
            return None;
        }
        std::slice::from_raw_parts(bytes, len)
    };
    sum_of_varints(blob)
}

/// The sum of the SQLite varints (big-endian, 7 bits a byte, a 9th byte of 8 bits) that
/// make up `blob`; None when the last one is cut short.
pub fn sum_of_varints(mut blob: &[u8]) -> Option<u64> {
    let mut total: u64 = 0;
    while !blob.is_empty() {
        let mut value: u64 = 0;
        let mut used = 0;
        loop {
            let byte = *blob.get(used)?;
            used += 1;
            if used == 9 {
                value = (value << 8) | u64::from(byte);
                break;
            }
            value = (value << 7) | u64::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                break;
            }
        }
        total = total.saturating_add(value);
        blob = &blob[used..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::wire::memory::Memory;
    use crate::wire::memory::MemoryKind;

    #[test]
    fn varints_as_sqlite_writes_them() {
        assert_eq!(sum_of_varints(&[]), Some(0));
        assert_eq!(sum_of_varints(&[3, 0, 1]), Some(4));
        assert_eq!(sum_of_varints(&[0x81, 0x00, 2]), Some(130));
        assert_eq!(sum_of_varints(&[0xff; 9]), Some(u64::MAX));
        assert_eq!(sum_of_varints(&[5, 0x81]), None, "cut short");
    }

    /// memory_bm25 gives bm25()'s scores to the last bit, for one and several words, on
    /// rows with the words in any column, any number of times.
    #[test]
    fn scores_are_fts5_bm25() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let words = ["tea", "green", "coffee", "Zürich", "morning", "ritual"];
        let mut rng = fastrand::Rng::with_seed(5);
        let mut some_words = |n: usize| -> String {
            let picked: Vec<&str> = (0..n).map(|_| words[rng.usize(..words.len())]).collect();
            picked.join(" ")
        };
        let memories: Vec<Memory> = (0..300u32)
            .map(|i| Memory {
                kind: MemoryKind::Preference,
                text: format!("{} and more words {i}", some_words(i as usize % 13 + 1)),
                subject: (i % 3 == 0).then(|| some_words(1)),
                value: (i % 5 == 0).then(|| some_words(2)),
                role: "user".into(),
                message_index: i,
                timestamp: None,
                confidence: 0.7,
            })
            .collect();
        store.insert_memories("c", None, None, &memories).unwrap();
        store.index_pending_memories().unwrap();
        let connection = store.connection();
        let [t, s, v] = COLUMN_WEIGHTS;
        let sql = format!(
            "SELECT memories_fts.rowid, bm25(memories_fts, {t:?}, {s:?}, {v:?}),
                    memory_bm25(memories_fts, d.sz)
             FROM memories_fts CROSS JOIN memories_fts_docsize d ON d.id = memories_fts.rowid
             WHERE memories_fts MATCH ?1"
        );
        let mut statement = connection.prepare(&sql).unwrap();
        for query in [
            "\"tea\"",
            "\"green\" AND \"tea\"",
            "\"zurich\"",
            "\"tea\" OR \"ritual\"",
            "\"more\"",
        ] {
            let rows: Vec<(i64, f64, f64)> = statement
                .query_map([query], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(rows.len() > 20, "{query}: {} rows", rows.len());
            for (id, theirs, ours) in rows {
                assert_eq!(theirs.to_bits(), ours.to_bits(), "{query}, row {id}");
            }
        }
        let wrong = connection.query_row(
            "SELECT memory_bm25(memories_fts, 'text') FROM memories_fts WHERE memories_fts MATCH 'tea'",
            [],
            |r| r.get::<_, f64>(0),
        );
        assert!(
            wrong
                .unwrap_err()
                .to_string()
                .contains("memories_fts_docsize.sz")
        );
    }
}
