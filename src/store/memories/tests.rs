use super::*;
use crate::store::checkpoint::DEFAULT_WAIT;
use crate::store::fts::every_word;
use crate::store::test_support::{files_holding, reader_in_transaction};

fn memory(
    kind: MemoryKind,
    index: u32,
    text: &str,
    subject: Option<&str>,
    value: Option<&str>,
) -> Memory {
    Memory {
        kind,
        text: text.into(),
        subject: subject.map(Into::into),
        value: value.map(Into::into),
        role: "user".into(),
        message_index: index,
        timestamp: Some("2026-11-27T10:00:00Z".into()),
        confidence: 0.8,
    }
}

fn conversation() -> Vec<Memory> {
    vec![
        memory(
            MemoryKind::Message,
            0,
            "Honestly I think that green tea in the morning is a ritual I could never give up, even on holidays",
            None,
            None,
        ),
        memory(
            MemoryKind::Preference,
            0,
            "I love green tea",
            Some("green tea"),
            Some("loves"),
        ),
        memory(
            MemoryKind::Fact,
            1,
            "I live in Zürich",
            Some("location"),
            Some("Zürich"),
        ),
        memory(MemoryKind::Keyword, 0, "tea", None, None),
    ]
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

fn ids(hits: &[MemoryHit]) -> Vec<MemoryKind> {
    hits.iter().map(|h| h.memory.memory.kind).collect()
}

#[test]
fn storing_twice_stores_nothing_new() {
    let (_dir, store) = open();
    let memories = conversation();
    assert_eq!(
        store
            .insert_memories("c1", Some("u1"), Some("wf"), &memories)
            .unwrap(),
        4
    );
    assert_eq!(
        store
            .insert_memories("c1", Some("u1"), Some("wf2"), &memories)
            .unwrap(),
        0
    );
    // A keyword found again in a later message of the same conversation is the same keyword.
    let mut later = memories[3].clone();
    later.message_index = 7;
    assert_eq!(
        store
            .insert_memories("c1", Some("u1"), None, &[later])
            .unwrap(),
        0
    );
    // Another user, or another conversation, has its own memories.
    assert_eq!(
        store
            .insert_memories("c1", Some("u2"), None, &memories)
            .unwrap(),
        4
    );
    assert_eq!(
        store
            .insert_memories("c2", Some("u1"), None, &memories)
            .unwrap(),
        4
    );
    assert_eq!(
        store.insert_memories("c1", None, None, &memories).unwrap(),
        4
    );
    assert_eq!(store.memory_count().unwrap(), 16);
    let stored = store.conversation_memories("c2").unwrap();
    assert_eq!(stored.len(), 4);
    assert_eq!(stored[0].user_id.as_deref(), Some("u1"));
    assert_eq!(stored[3].memory.message_index, 1, "message order");
}

#[test]
fn the_index_grows_incrementally() {
    let (_dir, store) = open();
    store
        .insert_memories("c1", Some("u1"), None, &conversation())
        .unwrap();
    assert!(
        store
            .search_memories("tea", None, None, 10)
            .unwrap()
            .is_empty(),
        "not indexed yet"
    );
    assert_eq!(store.index_pending_memories().unwrap(), 4);
    assert_eq!(store.index_pending_memories().unwrap(), 0, "nothing twice");
    assert_eq!(
        store.search_memories("tea", None, None, 10).unwrap().len(),
        3
    );
    store
        .insert_memories(
            "c2",
            Some("u1"),
            None,
            &[memory(MemoryKind::Fact, 0, "I drink tea", None, None)],
        )
        .unwrap();
    assert_eq!(
        store.index_pending_memories().unwrap(),
        1,
        "only the new row"
    );
    assert_eq!(
        store.search_memories("tea", None, None, 10).unwrap().len(),
        4
    );
}

#[test]
fn search_ranks_filters_and_snippets() {
    let (_dir, store) = open();
    store
        .insert_memories("c1", Some("u1"), None, &conversation())
        .unwrap();
    store
        .insert_memories("c2", Some("u2"), None, &conversation()[..2])
        .unwrap();
    store.index_pending_memories().unwrap();
    let hits = store.search_memories("green tea", None, None, 10).unwrap();
    // Every word must match: the keyword "tea" alone does not.
    assert_eq!(hits.len(), 4);
    assert_eq!(
        hits[0].memory.memory.kind,
        MemoryKind::Preference,
        "short, and in the subject"
    );
    assert_eq!(
        hits.last().unwrap().memory.memory.kind,
        MemoryKind::Message,
        "one mention in a long text"
    );
    assert!(hits.windows(2).all(|w| w[0].rank <= w[1].rank));
    assert!(
        hits[0].snippet.contains("[green] [tea]"),
        "{}",
        hits[0].snippet
    );
    assert_eq!(
        ids(&store.search_memories("tea", Some("u2"), None, 10).unwrap()),
        [MemoryKind::Preference, MemoryKind::Message]
    );
    assert_eq!(
        ids(&store
            .search_memories("tea", None, Some(MemoryKind::Keyword), 10)
            .unwrap()),
        [MemoryKind::Keyword]
    );
    assert_eq!(
        store.search_memories("tea", None, None, 2).unwrap().len(),
        2
    );
    // Stemming, case and diacritics.
    assert_eq!(
        store
            .search_memories("LOVES", None, None, 10)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        ids(&store.search_memories("zurich", None, None, 10).unwrap()),
        [MemoryKind::Fact]
    );
}

#[test]
fn any_user_text_is_a_valid_query() {
    let (_dir, store) = open();
    store
        .insert_memories("c1", Some("u1"), None, &conversation())
        .unwrap();
    store.index_pending_memories().unwrap();
    for text in [
        "tea AND",
        "\"tea",
        "NEAR(tea",
        "text:tea",
        "tea*",
        "-tea",
        "tea OR",
        "(",
        "'; DROP TABLE memories; --",
    ] {
        store
            .search_memories(text, None, None, 10)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    assert!(
        store
            .search_memories("  ?! ", None, None, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.memory_count().unwrap(), 4);
}

#[test]
fn bad_arguments_are_query_errors() {
    let (_dir, store) = open();
    for limit in [-1, 0, i64::from(MAX_SEARCH_LIMIT) + 1] {
        let e = store.search_memories("tea", None, None, limit).unwrap_err();
        assert!(
            matches!(e, StoreError::Query(_)) && e.to_string().contains("1 to 1000"),
            "{e}"
        );
    }
    let e = store
        .search_memories(&"a".repeat(MAX_QUERY_CHARS + 1), None, None, 1)
        .unwrap_err();
    assert!(e.to_string().contains("at most 1000"));
    let e = store.forget_memories(None, None, DEFAULT_WAIT).unwrap_err();
    assert!(matches!(e, StoreError::Query(_)) && e.to_string().contains("conversation_id"));
}

#[test]
fn forget_removes_rows_index_entries_and_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let secret = memory(
        MemoryKind::Message,
        0,
        "my secret is xylophonist42 forever",
        None,
        None,
    );
    store
        .insert_memories("c1", Some("u1"), None, &conversation())
        .unwrap();
    store
        .insert_memories("c2", Some("u1"), None, std::slice::from_ref(&secret))
        .unwrap();
    store
        .insert_memories("c3", Some("u2"), None, &conversation())
        .unwrap();
    store.index_pending_memories().unwrap();
    assert_eq!(
        store
            .forget_memories(Some("c1"), Some("u2"), DEFAULT_WAIT)
            .unwrap(),
        0,
        "both must match"
    );
    assert_eq!(
        store
            .forget_memories(Some("c3"), None, DEFAULT_WAIT)
            .unwrap(),
        4
    );
    assert!(store.conversation_memories("c3").unwrap().is_empty());
    assert_eq!(
        store.search_memories("tea", None, None, 10).unwrap().len(),
        3
    );
    assert_eq!(
        store
            .forget_memories(None, Some("u1"), DEFAULT_WAIT)
            .unwrap(),
        5
    );
    assert_eq!(store.memory_count().unwrap(), 0);
    assert!(
        store
            .search_memories("tea", None, None, 10)
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .search_memories("xylophonist42", None, None, 10)
            .unwrap()
            .is_empty()
    );
    // The erased text is gone from the files, not only from the query results.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(12).any(|w| w == b"xylophonist4"),
            "found in a store file"
        );
    }
    // The index still works for new memories.
    store
        .insert_memories("c4", Some("u3"), None, &[secret])
        .unwrap();
    store.index_pending_memories().unwrap();
    assert_eq!(
        store
            .search_memories("xylophonist42", None, None, 10)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn hashes_depend_on_user_conversation_and_memory() {
    let m = &conversation()[1];
    let h = memory_hash(Some("u"), "c", m);
    assert_eq!(h.len(), 64);
    assert_eq!(h, memory_hash(Some("u"), "c", m));
    assert_ne!(h, memory_hash(None, "c", m));
    assert_ne!(h, memory_hash(Some("u"), "c2", m));
    let mut other = m.clone();
    other.message_index += 1;
    assert_ne!(h, memory_hash(Some("u"), "c", &other));
    other = m.clone();
    other.timestamp = None;
    other.confidence = 0.1;
    assert_eq!(
        h,
        memory_hash(Some("u"), "c", &other),
        "when and how sure are not identity"
    );
}

#[test]
fn the_best_match_is_found_however_many_newer_ones_match() {
    let (_dir, store) = open();
    let best = memory(
        MemoryKind::Fact,
        0,
        "common common common",
        Some("common"),
        None,
    );
    store
        .insert_memories("old", Some("rare"), None, &[best])
        .unwrap();
    let many: Vec<Memory> = (0..3_000)
        .map(|i| {
            memory(
                MemoryKind::Message,
                i,
                &format!("a common word number {i} in a longer text"),
                None,
                None,
            )
        })
        .collect();
    store
        .insert_memories("new", Some("busy"), None, &many)
        .unwrap();
    // Rows without the word, so that its IDF is not the floor FTS5 gives a word in most rows.
    let others: Vec<Memory> = (0..4_000)
        .map(|i| memory(MemoryKind::Message, i, &format!("filler {i}"), None, None))
        .collect();
    store
        .insert_memories("others", None, None, &others)
        .unwrap();
    store.index_pending_memories().unwrap();
    let hits = store.search_memories("common", None, None, 5).unwrap();
    assert_eq!(hits.len(), 5);
    assert_eq!(
        hits[0].memory.conversation_id, "old",
        "the oldest match is the best"
    );
    let rare = store
        .search_memories("common", Some("rare"), None, 5)
        .unwrap();
    assert_eq!(rare.len(), 1);
    let busy = store
        .search_memories("common", Some("busy"), None, 5)
        .unwrap();
    assert!(busy.iter().all(|h| h.memory.conversation_id == "new"));
    let facts = store
        .search_memories("common", None, Some(MemoryKind::Fact), 5)
        .unwrap();
    assert_eq!(facts[0].memory.conversation_id, "old");
}

/// Memories of 3 users and no user, of every kind, in 6 conversations indexed one after
/// the other, with words of very different frequencies (the commonest fill many blocks).
fn varied_store() -> (tempfile::TempDir, Store) {
    let (dir, store) = open();
    let mut rng = fastrand::Rng::with_seed(3);
    let words = [
        "tea", "river", "lyon", "jazz", "kayak", "blue", "train", "garden",
    ];
    for c in 0..6u32 {
        let memories: Vec<Memory> = (0..700)
            .map(|i| {
                // Skewed: "tea" is in most memories, "garden" in few.
                let text: Vec<&str> = (0..rng.usize(1..12))
                    .map(|_| words[rng.usize(..words.len()).min(rng.usize(..words.len()))])
                    .collect();
                let mut m = memory(
                    MemoryKind::ALL[rng.usize(..6)],
                    i,
                    &text.join(" "),
                    (i % 7 == 0).then_some(words[rng.usize(..words.len())]),
                    None,
                );
                m.confidence = [0.5, 0.6, 0.8, 0.9, 1.0, 1.0][rng.usize(..6)];
                m
            })
            .collect();
        let user = ["u1", "u2", "u3"].get(c as usize % 4).copied();
        store
            .insert_memories(&format!("c{c}"), user, None, &memories)
            .unwrap();
        store.index_pending_memories().unwrap();
    }
    (dir, store)
}

/// Search agrees with scoring every match in SQL (FTS5's bm25(), its snippets), for
/// every query, limit and filter tried: the same ids, snippets and ranks to the last bit.
fn assert_search_is_the_full_ranking(store: &Store) {
    let mut cases = Vec::new();
    for query in [
        "tea",
        "river lyon",
        "jazz",
        "blue garden train",
        "garden",
        "tea tea",
    ] {
        for limit in [1_i64, 3, 10, 50] {
            for kind in [None, Some(MemoryKind::Fact)] {
                for user in [None, Some("u2")] {
                    cases.push((query, limit, kind, user));
                }
            }
        }
    }
    let expected: Vec<Vec<(i64, String, u64)>> = {
        let connection = store.connection();
        let mut everything = connection
            .prepare(
                "SELECT m.id, snippet(memories_fts, -1, '[', ']', '…', 12),
                        bm25(memories_fts, 1.0, 2.0, 2.0) * m.confidence
                 FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
                 WHERE memories_fts MATCH ?1 AND (?3 IS NULL OR m.kind = ?3)
                       AND (?4 IS NULL OR m.user_id = ?4)
                 ORDER BY bm25(memories_fts, 1.0, 2.0, 2.0) * m.confidence, m.id LIMIT ?2",
            )
            .unwrap();
        cases
            .iter()
            .map(|(query, limit, kind, user)| {
                everything
                    .query_map(
                        params![every_word(query), limit, kind.map(MemoryKind::as_str), user],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, f64>(2)?.to_bits())),
                    )
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap()
            })
            .collect()
    };
    for ((query, limit, kind, user), expected) in cases.iter().zip(&expected) {
        let got: Vec<(i64, String, u64)> = store
            .search_memories(query, *user, *kind, *limit)
            .unwrap()
            .into_iter()
            .map(|h| (h.memory.id, h.snippet, h.rank.to_bits()))
            .collect();
        assert_eq!(&got, expected, "{query} {limit} {kind:?} {user:?}");
    }
    assert!(expected.iter().filter(|e| e.len() > 1).count() > 10);
}

#[test]
fn search_is_the_full_ranking_before_and_after_forgetting() {
    let (_dir, store) = varied_store();
    let blocks: i64 = store
        .connection()
        .query_row(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM memory_index_blocks GROUP BY term, owner)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(blocks > 3, "the common words span several blocks: {blocks}");
    // Both ways of ranking are tried: blocks for the common words (one of them got its
    // blocks part way, from FTS5's entries), FTS5 alone for a query with a rare one.
    let with_blocks = |term: &str| -> bool {
        store
            .connection()
            .query_row(
                "SELECT blocks FROM memory_index_terms WHERE term = ?1",
                [term],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert!(with_blocks("tea") && with_blocks("train") && !with_blocks("garden"));
    assert_search_is_the_full_ranking(&store);
    store
        .forget_memories(Some("c1"), None, DEFAULT_WAIT)
        .unwrap();
    assert_search_is_the_full_ranking(&store);
    store.forget_user("u3", DEFAULT_WAIT).unwrap();
    assert_search_is_the_full_ranking(&store);
    // Memories whose ids fall inside the indexed range (in the gap c1 left), not after it,
    // go into the blocks there.
    store
        .connection()
        .execute_batch(
            "INSERT INTO memories (id, hash, conversation_id, user_id, kind, text, role,
                                   message_index, confidence, created_at)
             SELECT (SELECT max(id) FROM memories WHERE conversation_id = 'c0')
                        + row_number() OVER (ORDER BY id),
                    hash || 'x', 'gap', user_id, kind, text || ' tea', role,
                    message_index, confidence, created_at
             FROM memories WHERE conversation_id = 'c4' AND message_index % 3 = 0",
        )
        .unwrap();
    assert!(store.index_pending_memories().unwrap() > 100);
    assert_search_is_the_full_ranking(&store);
}

#[test]
fn an_older_store_is_indexed_again_when_opened() {
    let (dir, store) = varied_store();
    drop(store);
    {
        // As migration 6 left it: no search index.
        let c = rusqlite::Connection::open(dir.path().join(crate::store::STORE_FILE)).unwrap();
        crate::store::test_support::drop_memory_index(&c);
        c.execute_batch("PRAGMA user_version = 6").unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_search_is_the_full_ranking(&store);
}

/// A store holding one memory of user u1 with a distinctive word, and a reader holding
/// an old snapshot of it.
fn secret_and_reader() -> (tempfile::TempDir, Store, rusqlite::Connection) {
    let (dir, store) = open();
    let secret = memory(
        MemoryKind::Message,
        0,
        "my secret is quetzalpine77",
        None,
        None,
    );
    store
        .insert_memories("c1", Some("u1"), None, &[secret])
        .unwrap();
    store.index_pending_memories().unwrap();
    let reader = reader_in_transaction(&store);
    (dir, store, reader)
}

/// Forgets user u1 (the default wait); how many memories, once no file holds the secret.
fn forget_u1_without_trace(dir: &tempfile::TempDir, store: &Store) -> u64 {
    let removed = store
        .forget_memories(None, Some("u1"), DEFAULT_WAIT)
        .unwrap();
    assert_eq!(
        files_holding(dir.path(), "quetzalpine"),
        Vec::<String>::new()
    );
    removed
}

#[test]
fn forget_waits_out_a_reader_before_it_reports_success() {
    let (dir, store, reader) = secret_and_reader();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(600));
        drop(reader);
    });
    assert_eq!(forget_u1_without_trace(&dir, &store), 1);
    release.join().unwrap();
}

#[test]
fn forget_fails_naming_the_log_while_a_reader_outlasts_the_wait_and_a_second_call_finishes() {
    let (dir, store, reader) = secret_and_reader();
    let started = std::time::Instant::now();
    let error = store
        .forget_memories(None, Some("u1"), std::time::Duration::from_millis(500))
        .unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let message = error.to_string();
    assert!(matches!(error, StoreError::Busy(_)), "{error:?}");
    assert!(
        message.contains("-wal") && message.contains("older snapshot"),
        "{message}"
    );
    assert_eq!(
        store.memory_count().unwrap(),
        0,
        "the rows are gone already"
    );
    drop(reader);
    assert_eq!(forget_u1_without_trace(&dir, &store), 0);
}

#[test]
fn forgetting_a_user_erases_a_word_only_they_used_from_the_blocks_too() {
    let (dir, store) = open();
    // Enough memories for the word to get blocks, and a word other users share.
    let theirs: Vec<Memory> = (0..1_200)
        .map(|i| {
            memory(
                MemoryKind::Message,
                i,
                &format!("quetzalpine note {i}"),
                None,
                None,
            )
        })
        .collect();
    store
        .insert_memories("c1", Some("u1"), None, &theirs)
        .unwrap();
    store
        .insert_memories(
            "c2",
            Some("u2"),
            None,
            &[memory(MemoryKind::Message, 0, "a note", None, None)],
        )
        .unwrap();
    store.index_pending_memories().unwrap();
    let blocks = |term: &str| -> i64 {
        store
            .connection()
            .query_row(
                "SELECT count(*) FROM memory_index_blocks WHERE term = ?1",
                [term],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert!(blocks("quetzalpin") > 0, "the word has blocks");
    assert_eq!(forget_u1_without_trace(&dir, &store), 1_200);
    assert_eq!(
        (blocks("quetzalpin"), blocks("note")),
        (0, 1),
        "u2's block of note stays"
    );
    assert_eq!(
        store.search_memories("note", None, None, 10).unwrap().len(),
        1,
        "the other user's memory is still found"
    );
}

#[test]
fn the_index_knows_the_columns_of_memories_fts_in_their_order() {
    let (_dir, store) = open();
    let columns: Vec<String> = store
        .connection()
        .prepare("SELECT name FROM pragma_table_info('memories_fts') ORDER BY cid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(columns, rank::COLUMN_NAMES);
    // And a memory's texts in that order, as snippets read them.
    let m = memory(
        MemoryKind::Fact,
        0,
        "the text",
        Some("a subject"),
        Some("a value"),
    );
    store
        .insert_memories("c", None, None, std::slice::from_ref(&m))
        .unwrap();
    let stored: Vec<Option<String>> = store
        .connection()
        .query_row(
            &format!("SELECT {} FROM memories", rank::COLUMN_NAMES.join(", ")),
            [],
            |r| (0..3).map(|i| r.get(i)).collect(),
        )
        .unwrap();
    let texts = rank::column_texts(&m).map(|t| t.map(str::to_owned));
    assert_eq!(stored, texts);
}

/// The snippets made in Rust are FTS5's snippet() to the byte, over memories made to hit
/// its corners: sentences after `.` or `:` and white space, several columns, repeated and
/// stemmed words, matches that touch or run past the window, long and empty columns,
/// characters the two tokenizers' word rules see differently, and NUL bytes.
#[test]
fn snippets_are_fts5_s_to_the_byte() {
    use super::snippet::{CLOSE, ELLIPSIS, OPEN, Phrases, TOKENS, snippet};
    use super::tokens::{Purpose, Tokenizer};
    let (_dir, store) = open();
    let mut rng = fastrand::Rng::with_seed(11);
    let vocabulary = [
        "tea",
        "teas",
        "Tea",
        "running",
        "runs",
        "run",
        "café",
        "CAFE",
        "river",
        "zoë",
        "a²b",
        "Ⅻ",
        "٣",
        "ｆｕｌｌ",
        "x",
        "y",
    ];
    let separators = [
        " ", " ", " ", ". ", ": ", ".", ",\n", " :\t", "  ", "-", "\0",
    ];
    let phrase = |rng: &mut fastrand::Rng, max: usize| -> String {
        let mut text = String::new();
        for _ in 0..rng.usize(0..=max) {
            text.push_str(vocabulary[rng.usize(..vocabulary.len())]);
            text.push_str(separators[rng.usize(..separators.len())]);
        }
        text
    };
    let memories: Vec<Memory> = (0..400)
        .map(|i| {
            let words = [3, 12, 40][rng.usize(..3)];
            let text = phrase(&mut rng, words);
            let subject = rng.bool().then(|| phrase(&mut rng, 4));
            let value = rng.bool().then(|| phrase(&mut rng, 20));
            memory(
                MemoryKind::Fact,
                i,
                &text,
                subject.as_deref(),
                value.as_deref(),
            )
        })
        .collect();
    store.insert_memories("c", None, None, &memories).unwrap();
    store.index_pending_memories().unwrap();
    let connection = store.connection();
    let tokenizer = Tokenizer::new(&connection).unwrap();
    let mut fts5 = connection
        .prepare(&format!(
            "SELECT m.text, m.subject, m.value,
                    snippet(memories_fts, -1, '{OPEN}', '{CLOSE}', '{ELLIPSIS}', {TOKENS})
             FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
             WHERE memories_fts MATCH ?1"
        ))
        .unwrap();
    let (mut compared, mut cut_at_both_ends, mut several) = (0, 0, 0);
    for q in 0..400 {
        // A quarter of the queries repeat one word (its stems too) many times.
        let (words, from) = if q % 4 == 0 {
            (2..=9, 3)
        } else {
            (1..=3, vocabulary.len())
        };
        let text = (0..rng.usize(words))
            .map(|_| vocabulary[rng.usize(..from)])
            .collect::<Vec<_>>()
            .join(" ");
        let query = every_word(&text).unwrap();
        let words: Vec<Vec<String>> = crate::store::fts::words(&text)
            .map(|word| tokenizer.tokens(word, Purpose::Query).unwrap())
            .collect();
        let phrases = Phrases::new(&words);
        let rows = fts5
            .query_map([&query], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap();
        for row in rows {
            let (text, subject, value, expected): (String, Option<String>, Option<String>, String) =
                row.unwrap();
            let columns = [Some(text.as_str()), subject.as_deref(), value.as_deref()];
            let got = snippet(&tokenizer, &phrases, &columns).unwrap();
            assert_eq!(got, expected, "{query} in {columns:?}");
            compared += 1;
            cut_at_both_ends += usize::from(got.starts_with(ELLIPSIS) && got.ends_with(ELLIPSIS));
            several += usize::from(got.matches(OPEN).count() > 1);
        }
    }
    assert!(compared > 5_000, "{compared} snippets compared");
    assert!(
        cut_at_both_ends > 100 && several > 100,
        "{cut_at_both_ends} {several}"
    );
}
