//! The PostgreSQL tables, in one place, with numbered migrations applied once per database
//! under an advisory lock: workers that start together wait for the first, which migrates,
//! and find the schema current.

use postgres::Client;

/// Each entry brings the schema from version i to i + 1. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: knowledge learned by AILearningWorkflow, with a full-text index (English stemming;
    // title and summary weigh more than the content and keywords).
    "CREATE TABLE knowledge (
        id           TEXT PRIMARY KEY,
        category     TEXT NOT NULL,
        title        TEXT NOT NULL,
        summary      TEXT NOT NULL,
        content      TEXT NOT NULL,
        keywords     TEXT NOT NULL,          -- JSON array of strings
        word_count   BIGINT NOT NULL,
        content_hash TEXT NOT NULL,
        source       TEXT NOT NULL,
        user_id      TEXT,
        workflow_id  TEXT,
        created_at   DOUBLE PRECISION NOT NULL,
        updated_at   DOUBLE PRECISION NOT NULL,
        -- The searched forms, without diacritics (store::fts::without_diacritics).
        search_title TEXT NOT NULL,
        search_summary TEXT NOT NULL,
        search_body  TEXT NOT NULL,         -- content and keywords
        search       TSVECTOR GENERATED ALWAYS AS (
            setweight(to_tsvector('english', search_title), 'A')
            || setweight(to_tsvector('english', search_summary), 'B')
            || to_tsvector('english', search_body)
        ) STORED
    );
    CREATE INDEX knowledge_category ON knowledge (category);
    CREATE INDEX knowledge_user ON knowledge (user_id);
    -- fastupdate off: a search never scans a pending list of up to 4 MB of recent entries
    -- (with one, common-word searches took 8.5 ms at p50 in benchmarks/store_search.py).
    CREATE INDEX knowledge_search ON knowledge USING GIN (search) WITH (fastupdate = off);",
    // 2: images made by ImageGenerationWorkflow, one row per workflow.
    "CREATE TABLE images (
        workflow_id TEXT PRIMARY KEY,
        image_path  TEXT NOT NULL,
        prompt      TEXT NOT NULL,
        style       TEXT NOT NULL,
        size        TEXT NOT NULL,
        backend     TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        bytes       BIGINT NOT NULL,
        user_id     TEXT,
        metadata    TEXT NOT NULL,          -- JSON object
        created_at  DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX images_created ON images (created_at);
    CREATE INDEX images_user ON images (user_id);",
    // 3: memories of MemoryExpansionWorkflow, one row per content hash of user,
    // conversation and memory (store::memories::memory_hash). A memory is searchable once
    // update_memory_indexes marked it indexed, as in the embedded store; the text vector is
    // kept by PostgreSQL (subject and value weigh twice the text).
    "CREATE TABLE memories (
        id              BIGSERIAL PRIMARY KEY,
        hash            TEXT NOT NULL UNIQUE,
        conversation_id TEXT NOT NULL,
        user_id         TEXT,
        kind            TEXT NOT NULL,
        text            TEXT NOT NULL,
        subject         TEXT,
        value           TEXT,
        role            TEXT NOT NULL,
        message_index   BIGINT NOT NULL,
        timestamp       TEXT,
        confidence      DOUBLE PRECISION NOT NULL,
        workflow_id     TEXT,
        created_at      DOUBLE PRECISION NOT NULL,
        indexed         BOOLEAN NOT NULL DEFAULT false,
        -- The searched forms, without diacritics (store::fts::without_diacritics).
        search_text     TEXT NOT NULL,
        search_key      TEXT NOT NULL,      -- subject and value
        search          TSVECTOR GENERATED ALWAYS AS (
            setweight(to_tsvector('english', search_text), 'B')
            || setweight(to_tsvector('english', search_key), 'A')
        ) STORED
    );
    CREATE INDEX memories_conversation ON memories (conversation_id, message_index);
    CREATE INDEX memories_user ON memories (user_id);
    CREATE INDEX memories_pending ON memories (id) WHERE NOT indexed;
    CREATE INDEX memories_search ON memories USING GIN (search) WITH (fastupdate = off);",
    // 4: whose analysis output folders (in the artifacts folder) are, for erasure.
    "CREATE TABLE analysis_outputs (
        folder      TEXT PRIMARY KEY,
        workflow_id TEXT,
        user_id     TEXT,
        created_at  DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX analysis_outputs_user ON analysis_outputs (user_id);",
];

/// The key of the advisory lock migrations run under (any constant no other application
/// of the database uses).
const MIGRATION_LOCK: i64 = 0x7072_6a61_6974_6d70; // "prjaitmp"

/// Applies the migrations this database lacks, in one transaction under the lock.
pub fn migrate(client: &mut Client) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS project_ai_schema (
            version    INTEGER PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )?;
    let current: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM project_ai_schema",
            &[],
        )?
        .get(0);
    for (version, sql) in (1..)
        .zip(MIGRATIONS)
        .skip(usize::try_from(current).unwrap_or(0))
    {
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO project_ai_schema (version) VALUES ($1)",
            &[&version],
        )?;
    }
    tx.commit()
}
