//! The stores on PostgreSQL (`store_url = postgresql://...`), for workers on many hosts:
//! knowledge, memories and image records in one database that every worker shares, with
//! the same keys as the embedded store (a knowledge id, a memory's content hash, an image's
//! workflow id), so that `INSERT ... ON CONFLICT DO NOTHING` stores each record once however
//! many workers run the same step at once. Connections come from a pool sized from the
//! worker's concurrency; a database that is away fails a call retryably, and the pool
//! connects again when it is back.

mod images;
mod knowledge;
mod memories;
mod schema;
mod tls;

use std::collections::HashMap;
use std::time::Duration;

use postgres::{Client, Statement};
use r2d2::{Pool, PooledConnection};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::StoreError;
use super::erasure::Artifacts;
use crate::config::store_url::redacted;

/// How long a call waits for a pooled connection (or for the database to answer a new
/// one) before it fails, retryably.
const CONNECT_WAIT: Duration = Duration::from_secs(10);
/// The most connections one store keeps, whatever the worker's concurrency: store calls
/// are short, so a few connections serve many activity slots.
const MAX_POOL: u32 = 16;

/// Opens the pool's connections; its errors say what the server said (a
/// `postgres::Error` alone shows only "db error").
struct Manager {
    config: postgres::Config,
    tls: MakeRustlsConnect,
}

#[derive(Debug)]
struct ConnectError(String);

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnectError {}

/// A pooled connection and the statements it prepared, so a statement is parsed once per
/// connection. Each call is still planned for its own values (`force_custom_plan`): a
/// generic plan cannot tell a rare word from a common one, and searches slowed many times
/// over with one (benchmarks/store_search.py tells).
pub struct Connection {
    client: Client,
    prepared: HashMap<String, Statement>,
}

impl Connection {
    /// `sql` prepared on this connection, once.
    pub fn prepared(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.prepared.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

impl std::ops::Deref for Connection {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = ConnectError;

    fn connect(&self) -> Result<Connection, ConnectError> {
        let client = self
            .config
            .connect(self.tls.clone())
            .map_err(|e| ConnectError(describe(&e)))?;
        let mut client = client;
        client
            .batch_execute("SET plan_cache_mode = force_custom_plan")
            .map_err(|e| ConnectError(describe(&e)))?;
        Ok(Connection {
            client,
            prepared: HashMap::new(),
        })
    }

    fn is_valid(&self, connection: &mut Connection) -> Result<(), ConnectError> {
        connection
            .simple_query("")
            .map(drop)
            .map_err(|e| ConnectError(describe(&e)))
    }

    fn has_broken(&self, connection: &mut Connection) -> bool {
        connection.is_closed()
    }
}

/// What went wrong, with the server's own message when it sent one (a refused login, a
/// failed query) and the cause of a connection failure.
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{}: {} ({})", db.severity(), db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// A pool of connections to one PostgreSQL database.
pub struct Postgres {
    /// Always set but while dropping (see `Drop`).
    pool: Option<Pool<Manager>>,
    /// The URL without its password, for messages.
    shown: String,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Postgres({})", self.shown)
    }
}

/// Each pooled client runs a tokio runtime of its own, which tokio will not drop inside
/// async code (a worker drops its activities, and so this store, in its runtime): the pool
/// is dropped on a thread of its own.
impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let closing = std::thread::Builder::new()
                .name("postgres-close".into())
                .spawn(move || drop(pool));
            if let Err(e) = closing {
                tracing::warn!(error = %e, "cannot start a thread to close the store's connections");
            }
        }
    }
}

/// The pool size for a worker that runs `concurrency` activities at once.
pub fn pool_size(concurrency: u64) -> u32 {
    u32::try_from(concurrency)
        .unwrap_or(MAX_POOL)
        .clamp(2, MAX_POOL)
}

impl Postgres {
    /// Connects to the database at `url` and brings its schema up to date (once, under a
    /// lock, whichever worker comes first).
    pub fn connect(url: &str, pool_size: u32) -> Result<Self, StoreError> {
        let shown = redacted(url);
        let refused = |message: String| StoreError::Postgres {
            target: shown.clone(),
            message,
        };
        let target = tls::target(url).map_err(&refused)?;
        let mut config: postgres::Config = target
            .url
            .parse()
            .map_err(|e| refused(format!("the URL is not one PostgreSQL accepts: {e}")))?;
        config.ssl_mode(target.ssl_mode);
        config.connect_timeout(CONNECT_WAIT);
        config.application_name("project-ai-temporal");
        let tls = tls::connector(target.root_cert.as_ref()).map_err(&refused)?;
        // The first connection directly: a refused login or a missing database is told at
        // once, not after the pool's wait.
        let mut first = config
            .connect(tls.clone())
            .map_err(|e| refused(format!("cannot connect: {}", describe(&e))))?;
        schema::migrate(&mut first).map_err(|e| {
            refused(format!(
                "cannot bring the schema up to date: {}",
                describe(&e)
            ))
        })?;
        drop(first);
        let pool = Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(0))
            .connection_timeout(CONNECT_WAIT)
            // A connection the database dropped (a restart) is replaced, not handed out.
            .test_on_check_out(true)
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(Manager { config, tls });
        Ok(Postgres {
            pool: Some(pool),
            shown,
        })
    }

    /// A connection from the pool, or a retryable error naming the database.
    fn client(&self) -> Result<PooledConnection<Manager>, StoreError> {
        let pool = self.pool.as_ref().ok_or_else(|| StoreError::Postgres {
            target: self.shown.clone(),
            message: "the store is closing".into(),
        })?;
        pool.get().map_err(|e| StoreError::Postgres {
            target: self.shown.clone(),
            message: format!("cannot connect: {e}"),
        })
    }

    fn err(&self, e: &postgres::Error) -> StoreError {
        StoreError::Postgres {
            target: self.shown.clone(),
            message: describe(e),
        }
    }

    /// The URL without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

impl Postgres {
    /// The knowledge entries (id, category) and image paths stored for `user_id`.
    pub(crate) fn artifacts_of(&self, user_id: &str) -> Result<Artifacts, StoreError> {
        let mut client = self.client()?;
        let knowledge = client
            .query(
                "SELECT id, category FROM knowledge WHERE user_id = $1",
                &[&user_id],
            )
            .map_err(|e| self.err(&e))?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let mut column = |sql: &str| -> Result<Vec<String>, StoreError> {
            Ok(client
                .query(sql, &[&user_id])
                .map_err(|e| self.err(&e))?
                .iter()
                .map(|r| r.get(0))
                .collect())
        };
        Ok(Artifacts {
            knowledge,
            image_paths: column("SELECT image_path FROM images WHERE user_id = $1")?,
            analysis_folders: column("SELECT folder FROM analysis_outputs WHERE user_id = $1")?,
        })
    }

    /// Records that the analysis output folder `folder` (a name in the artifacts folder's
    /// `analysis/`) holds the output of `workflow_id` for `user_id`.
    pub(crate) fn record_analysis_output(
        &self,
        folder: &str,
        workflow_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<(), StoreError> {
        self.client()?
            .execute(
                "INSERT INTO analysis_outputs (folder, workflow_id, user_id, created_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (folder) DO NOTHING",
                &[&folder, &workflow_id, &user_id, &crate::store::now()],
            )
            .map_err(|e| self.err(&e))?;
        Ok(())
    }

    /// Deletes the memories, knowledge entries, image records and analysis output records
    /// of `user_id` in one transaction; how many of each.
    pub(crate) fn erase_user(&self, user_id: &str) -> Result<[u64; 4], StoreError> {
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(|e| self.err(&e))?;
        let mut removed = [0; 4];
        let tables = ["memories", "knowledge", "images", "analysis_outputs"];
        for (n, table) in removed.iter_mut().zip(tables) {
            *n = tx
                .execute(
                    &format!("DELETE FROM {table} WHERE user_id = $1"),
                    &[&user_id],
                )
                .map_err(|e| self.err(&e))?;
        }
        tx.commit().map_err(|e| self.err(&e))?;
        Ok(removed)
    }
}
