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
fn a_very_common_word_ranks_the_newest_matches() {
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
    let many: Vec<Memory> = (0..MAX_RANKED as u32 + 10)
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
    let others: Vec<Memory> = (0..3_000)
        .map(|i| memory(MemoryKind::Message, i, &format!("filler {i}"), None, None))
        .collect();
    store
        .insert_memories("others", None, None, &others)
        .unwrap();
    store.index_pending_memories().unwrap();
    let hits = store.search_memories("common", None, None, 5).unwrap();
    assert_eq!(hits.len(), 5);
    assert!(
        hits.iter().all(|h| h.memory.conversation_id == "new"),
        "the oldest match is outside the window"
    );
    // The IDF still counts every match, the ones outside the window too: the ranks are
    // FTS5's bm25() over the whole index, times the confidence, to the last bit; with a
    // filter too.
    let busy = store
        .search_memories("common", Some("busy"), None, 5)
        .unwrap();
    assert_eq!(busy.len(), 5);
    let connection = store.connection();
    let mut bm25 = connection
        .prepare(
            "SELECT bm25(memories_fts, 1.0, 2.0, 2.0) * m.confidence
             FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
             WHERE memories_fts MATCH '\"common\"' AND memories_fts.rowid = ?1",
        )
        .unwrap();
    for hit in hits.iter().chain(&busy) {
        let expected: f64 = bm25.query_row([hit.memory.id], |r| r.get(0)).unwrap();
        assert_eq!(hit.rank.to_bits(), expected.to_bits(), "{}", hit.memory.id);
    }
    drop(bm25);
    drop(connection);
    // A filter narrows the matches before the window: the rare user's memory is found, first.
    let rare = store
        .search_memories("common", Some("rare"), None, 5)
        .unwrap();
    assert_eq!(rare.len(), 1);
    let facts = store
        .search_memories("common", None, Some(MemoryKind::Fact), 5)
        .unwrap();
    assert_eq!(facts[0].memory.conversation_id, "old");
}

#[test]
fn stopping_early_ranks_exactly_as_scoring_everything() {
    let (_dir, store) = open();
    let mut rng = fastrand::Rng::with_seed(3);
    let words = [
        "tea", "river", "lyon", "jazz", "kayak", "blue", "train", "garden",
    ];
    let memories: Vec<Memory> = (0..400)
        .map(|i| {
            let text: Vec<&str> = (0..rng.usize(1..12))
                .map(|_| words[rng.usize(..words.len())])
                .collect();
            let mut m = memory(
                MemoryKind::ALL[rng.usize(..6)],
                i,
                &text.join(" "),
                None,
                None,
            );
            m.confidence = [0.5, 0.6, 0.8, 0.9, 1.0][rng.usize(..5)];
            m
        })
        .collect();
    store
        .insert_memories("c", Some("u"), None, &memories)
        .unwrap();
    store.index_pending_memories().unwrap();
    let mut cases = Vec::new();
    for query in ["tea", "river lyon", "jazz", "blue garden train"] {
        for limit in [1_i64, 3, 10, 50] {
            for kind in [None, Some(MemoryKind::Fact)] {
                cases.push((query, limit, kind));
            }
        }
    }
    // Scoring every match with the weighted score, in SQL, with FTS5's own snippets.
    let expected: Vec<Vec<(i64, String, u64)>> = {
        let connection = store.connection();
        let mut everything = connection
            .prepare(
                "SELECT m.id, snippet(memories_fts, -1, '[', ']', '…', 12),
                        bm25(memories_fts, 1.0, 2.0, 2.0) * m.confidence
                 FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
                 WHERE memories_fts MATCH ?1 AND (?3 IS NULL OR m.kind = ?3)
                 ORDER BY bm25(memories_fts, 1.0, 2.0, 2.0) * m.confidence, m.id LIMIT ?2",
            )
            .unwrap();
        cases
            .iter()
            .map(|(query, limit, kind)| {
                everything
                    .query_map(
                        params![every_word(query), limit, kind.map(MemoryKind::as_str)],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, f64>(2)?.to_bits())),
                    )
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap()
            })
            .collect()
    };
    for ((query, limit, kind), expected) in cases.iter().zip(&expected) {
        let got: Vec<(i64, String, u64)> = store
            .search_memories(query, None, *kind, *limit)
            .unwrap()
            .into_iter()
            .map(|h| (h.memory.id, h.snippet, h.rank.to_bits()))
            .collect();
        assert_eq!(&got, expected, "{query} {limit} {kind:?}");
    }
    assert!(expected.iter().filter(|e| e.len() > 1).count() > 10);
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
