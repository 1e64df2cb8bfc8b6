//! The store's tables, in one place, with numbered migrations (SQLite's user_version).

use rusqlite::Connection;

/// Each entry brings the schema from version i to i + 1. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: knowledge learned by AILearningWorkflow, with a full-text index.
    "CREATE TABLE knowledge (
        id           TEXT PRIMARY KEY,
        category     TEXT NOT NULL,
        title        TEXT NOT NULL,
        summary      TEXT NOT NULL,
        content      TEXT NOT NULL,
        keywords     TEXT NOT NULL,          -- JSON array of strings
        word_count   INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        source       TEXT NOT NULL,
        user_id      TEXT,
        workflow_id  TEXT,
        created_at   REAL NOT NULL,
        updated_at   REAL NOT NULL
    );
    CREATE INDEX knowledge_category ON knowledge(category);
    CREATE VIRTUAL TABLE knowledge_fts USING fts5(
        title, summary, content, keywords, content='knowledge', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER knowledge_ai AFTER INSERT ON knowledge BEGIN
        INSERT INTO knowledge_fts(rowid, title, summary, content, keywords)
        VALUES (new.rowid, new.title, new.summary, new.content, new.keywords);
    END;
    CREATE TRIGGER knowledge_ad AFTER DELETE ON knowledge BEGIN
        INSERT INTO knowledge_fts(knowledge_fts, rowid, title, summary, content, keywords)
        VALUES ('delete', old.rowid, old.title, old.summary, old.content, old.keywords);
    END;
    CREATE TRIGGER knowledge_au AFTER UPDATE ON knowledge BEGIN
        INSERT INTO knowledge_fts(knowledge_fts, rowid, title, summary, content, keywords)
        VALUES ('delete', old.rowid, old.title, old.summary, old.content, old.keywords);
        INSERT INTO knowledge_fts(rowid, title, summary, content, keywords)
        VALUES (new.rowid, new.title, new.summary, new.content, new.keywords);
    END;",
    // 2: images made by ImageGenerationWorkflow, one row per workflow.
    "CREATE TABLE images (
        workflow_id TEXT PRIMARY KEY,
        image_path  TEXT NOT NULL,
        prompt      TEXT NOT NULL,
        style       TEXT NOT NULL,
        size        TEXT NOT NULL,
        backend     TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        bytes       INTEGER NOT NULL,
        user_id     TEXT,
        metadata    TEXT NOT NULL,          -- JSON object
        created_at  REAL NOT NULL
    );
    CREATE INDEX images_created ON images(created_at);",
    // 3: memories of MemoryExpansionWorkflow (typed memories and kept messages), one row per
    // content hash of user, conversation and memory; a full-text index that
    // update_memory_indexes fills incrementally (rows with indexed = 0 are not in it yet).
    "CREATE TABLE memories (
        id              INTEGER PRIMARY KEY,
        hash            TEXT NOT NULL UNIQUE,   -- hex SHA-256, see store::memories::memory_hash
        conversation_id TEXT NOT NULL,
        user_id         TEXT,
        kind            TEXT NOT NULL,          -- message, fact, preference, request, date, keyword
        text            TEXT NOT NULL,
        subject         TEXT,
        value           TEXT,
        role            TEXT NOT NULL,
        message_index   INTEGER NOT NULL,
        timestamp       TEXT,
        confidence      REAL NOT NULL,
        workflow_id     TEXT,
        created_at      REAL NOT NULL,
        indexed         INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX memories_conversation ON memories(conversation_id, message_index);
    CREATE INDEX memories_user ON memories(user_id);
    CREATE INDEX memories_pending ON memories(id) WHERE indexed = 0;
    CREATE VIRTUAL TABLE memories_fts USING fts5(
        text, subject, value, content='memories', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER memories_ad AFTER DELETE ON memories WHEN old.indexed = 1 BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text, subject, value)
        VALUES ('delete', old.id, old.text, old.subject, old.value);
    END;
    CREATE TRIGGER memories_au AFTER UPDATE OF text, subject, value ON memories WHEN old.indexed = 1 BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text, subject, value)
        VALUES ('delete', old.id, old.text, old.subject, old.value);
        INSERT INTO memories_fts(rowid, text, subject, value) VALUES (new.id, new.text, new.subject, new.value);
    END;",
    // 4: whose analysis output folders are (their files carry no user id), for erasure; and
    // a mark on stores that already held data: they were written without secure_delete, so
    // their first erasure rebuilds the file once (store::erasure).
    "CREATE TABLE analysis_outputs (
        folder      TEXT PRIMARY KEY,       -- a folder name in <data_dir>/analysis/
        workflow_id TEXT,
        user_id     TEXT,
        created_at  REAL NOT NULL
    );
    CREATE INDEX analysis_outputs_user ON analysis_outputs(user_id);
    CREATE INDEX images_user ON images(user_id);
    CREATE INDEX knowledge_user ON knowledge(user_id);
    CREATE TABLE erasure_state (key TEXT PRIMARY KEY);
    INSERT INTO erasure_state (key) SELECT 'vacuum_once'
        WHERE EXISTS (SELECT 1 FROM knowledge) OR EXISTS (SELECT 1 FROM images)
           OR EXISTS (SELECT 1 FROM memories);",
    // 5: knowledge entries stored but not yet in Project-AI's knowledge.json (it is brought
    // up to date in batches; a worker starting after a crash writes what is left here).
    "CREATE TABLE knowledge_unmirrored (
        id TEXT PRIMARY KEY REFERENCES knowledge(id) ON DELETE CASCADE
    );",
    // 6: with a shared store (store_url), the entries of this host's copy known to be in it.
    // An entry listed here and gone from the shared store was erased by another host; one
    // not listed was stored here before the shared store was configured, and is sent there.
    "CREATE TABLE knowledge_shared (
        id TEXT PRIMARY KEY REFERENCES knowledge(id) ON DELETE CASCADE
    );",
    // 7: the memory search index beside memories_fts (store::memories::index), kept in the
    // same transactions. Existing memories are indexed again from scratch, FTS5 included,
    // when the store is next opened (Store::open).
    "CREATE TABLE memory_index_owners (
        id          INTEGER PRIMARY KEY,    -- 0: memories without a user
        user_id     TEXT UNIQUE,
        memories    INTEGER NOT NULL
    );
    INSERT INTO memory_index_owners (id, user_id, memories) VALUES (0, NULL, 0);
    CREATE TABLE memory_index_terms (
        term        TEXT PRIMARY KEY,
        memories    INTEGER NOT NULL,       -- how many indexed memories hold the term
        blocks      INTEGER NOT NULL DEFAULT 0  -- 1: its postings are in memory_index_blocks
    ) WITHOUT ROWID;
    CREATE VIRTUAL TABLE memory_index_instances USING fts5vocab(memories_fts, instance);
    CREATE TABLE memory_index_blocks (
        term        TEXT NOT NULL,
        owner       INTEGER NOT NULL,
        first       INTEGER NOT NULL,       -- the block's lowest and highest memory id
        last        INTEGER NOT NULL,
        count       INTEGER NOT NULL,
        frontier    BLOB NOT NULL,          -- see store::memories::index::postings
        PRIMARY KEY (term, owner, first)
    ) WITHOUT ROWID;
    CREATE TABLE memory_index_postings (
        term        TEXT NOT NULL,
        owner       INTEGER NOT NULL,
        first       INTEGER NOT NULL,
        postings    BLOB NOT NULL,
        PRIMARY KEY (term, owner, first)
    ) WITHOUT ROWID;
    CREATE TABLE memory_index_totals (
        memories    INTEGER NOT NULL,
        tokens      INTEGER NOT NULL
    );
    INSERT INTO memory_index_totals (memories, tokens) VALUES (0, 0);
    INSERT INTO memories_fts(memories_fts) VALUES ('delete-all');
    UPDATE memories SET indexed = 0;",
];

/// The version whose migration made the memory search index: a file older than that has
/// its memories indexed again when opened.
pub const MEMORY_INDEX_VERSION: i64 = 7;

/// The schema version this build's migrations reach.
pub fn latest() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Why a file's schema could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// A later version of this package made the file: this build would write it without
    /// what the later migrations added (the memory search index since version 7) and leave
    /// it inconsistent, so it does not open it.
    #[error(
        "its schema is version {0}, newer than this build's {latest}: a later \
         project-ai-temporal wrote it; open it with that version or a newer one",
        latest = latest()
    )]
    Newer(i64),
    /// No version of this package writes a negative one: the file is not one of its stores.
    #[error("its schema version {0} is not one project-ai-temporal writes (0 to {latest})", latest = latest())]
    Unknown(i64),
}

/// Applies the migrations this file has not seen, each in its own transaction, so two
/// workers opening a new store at once do not both apply one; returns the version the file
/// had.
pub fn migrate(connection: &Connection) -> Result<i64, MigrateError> {
    let mut found = None;
    loop {
        let tx = rusqlite::Transaction::new_unchecked(
            connection,
            rusqlite::TransactionBehavior::Immediate,
        )?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let found = *found.get_or_insert(version);
        if version > latest() {
            return Err(MigrateError::Newer(version));
        }
        if version < 0 {
            return Err(MigrateError::Unknown(version));
        }
        let Some(step) = usize::try_from(version)
            .ok()
            .and_then(|v| MIGRATIONS.get(v))
        else {
            tx.commit()?;
            return Ok(found);
        };
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op() {
        let c = Connection::open_in_memory().unwrap();
        migrate(&c).unwrap();
        migrate(&c).unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, latest());
    }

    #[test]
    fn a_file_from_a_later_version_is_refused_untouched() {
        let c = Connection::open_in_memory().unwrap();
        migrate(&c).unwrap();
        c.pragma_update(None, "user_version", latest() + 1).unwrap();
        let message = migrate(&c).unwrap_err().to_string();
        assert!(
            message.contains(&format!(
                "version {}, newer than this build's {}",
                latest() + 1,
                latest()
            )),
            "{message}"
        );
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, latest() + 1);
    }

    #[test]
    fn a_negative_version_is_refused() {
        let c = Connection::open_in_memory().unwrap();
        c.pragma_update(None, "user_version", -1).unwrap();
        let message = migrate(&c).unwrap_err().to_string();
        assert!(
            message.contains("schema version -1 is not one"),
            "{message}"
        );
    }
}
