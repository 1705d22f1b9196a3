//! Casework's storage: one interface over two backends, SQLite (embedded, the
//! default) and PostgreSQL (several app servers on one database).
//!
//! Every query is written once. The [`on_read!`], [`on_write!`] and
//! [`in_transaction!`] macros expand the same code for each backend's concrete
//! types, which keeps the SQL shared without sqlx's `Any` driver.
//!
//! On SQLite, writes go through a pool of one connection so that writers queue
//! in the application instead of failing with `SQLITE_BUSY`; reads use a
//! separate pool and, with WAL, never wait for writers.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

mod agencies;
mod approvals;
mod auth;
pub mod blobs;
mod bulk;
mod campaigns;
mod cases;
mod comments;
mod common;
mod constituents;
mod correspondence;
pub mod files;
mod follow_up;
mod jobs;
mod letters;
mod mailboxes;
mod migrate;
pub mod model;
mod notifications;
mod offices;
mod outbox;
mod quiet;
mod records;
mod review;
pub mod s3;
mod saved_views;
mod scope;
mod search;
mod sign_in;
mod staff;
mod tag_admin;
mod tags;
mod timeline;
mod transfers;
mod trends;

pub use agencies::{Agency, AgencyContact, AgencyFields, ContactFields};
pub use approvals::{MAX_WAITING, MenuAsk, MenuNumbers, Waiting};
pub use bulk::*;
pub use campaigns::*;
pub use comments::*;
pub use correspondence::*;
pub use follow_up::{
    AgencyCounts, Consent, Enquiry, EnquiryFilter, FollowUpMade, NewConsent, NewEnquiry, NewTask,
    Task, TaskChange, TaskFilter,
};
pub use jobs::*;
pub use letters::*;
pub use mailboxes::*;
pub use model::*;
pub use notifications::{NewNotification, Notification, ToEmail};
pub use outbox::*;
pub use quiet::*;
pub use records::*;
pub use review::*;
pub use saved_views::SavedView;
pub use scope::{CaseVisibility, OfficeData, Scope};
pub use search::{CaseHit, Hits, MailHit, NoteHit, SearchFilter, WINDOW as SEARCH_WINDOW};
pub use sign_in::{SecurityKeyRow, SsoRequest, TwoFactor};
pub use tag_admin::{MergeCounts, TagMerge};
pub use tags::{
    CaseMarks, ItemTag, NewTag, Tag, TagAlias, TagChange, TagDimension, TagEvent, TagUse, Tagged,
};
pub use transfers::{
    HANDOVER_MAX_MESSAGES, HandoverAttachment, HandoverMessage, NewTransfer, Transfer,
};
pub use trends::{TrendBy, TrendCount, TrendKind};

/// Storage errors the layers above act on. Everything else is `Database`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// The record changed since the caller read it (optimistic concurrency).
    #[error("the record was changed by someone else")]
    Conflict,
    /// A unique constraint refused the write; carries the constraint's column hint.
    #[error("already exists: {0}")]
    Duplicate(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("invalid database URL: {0}")]
    Url(String),
    /// A search that matches too much to be listed in the time a search
    /// may take (PostgreSQL: common words that seldom meet).
    #[error("the search matches too much to list in time")]
    SearchTooBroad,
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Error::Duplicate(db.constraint().unwrap_or(db.message()).to_owned())
            }
            _ => Error::Database(e),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Clone)]
pub(crate) enum Db {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Db,
}

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `$body` with `$pool` bound to the read pool of whichever backend this is.
macro_rules! on_read {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { read: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}
/// Runs `$body` with `$pool` bound to the pool that takes writes.
/// Files handed to the door are only written by `in_transaction!`: a write
/// that names files must use it.
macro_rules! on_write {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { write: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}
/// Runs `$body` inside one transaction on the write pool, committing when the
/// body finishes without `?` returning early (which rolls back).
///
/// Files handed to the door with `with_files` are written first, in the
/// same transaction (see `files`).
macro_rules! in_transaction {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { write, .. } => {
                let mut $tx = write.begin().await?;
                let pending = $crate::files::PendingFiles::pending_files(&$store);
                if !pending.is_empty() {
                    $crate::files::write_files!($tx, pending, $crate::files::now_seconds());
                }
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let pending = $crate::files::PendingFiles::pending_files(&$store);
                if !pending.is_empty() {
                    $crate::files::write_files!($tx, pending, $crate::files::now_seconds());
                }
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}
pub(crate) use {in_transaction, on_read, on_write};

/// How to open the database.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `sqlite:PATH` or `postgres://…`.
    pub url: String,
    /// Largest number of pooled connections (PostgreSQL; SQLite readers).
    pub max_connections: u32,
    /// PostgreSQL only: use this schema instead of `public` (tests use one per test).
    pub schema: Option<String>,
}

impl ConnectOptions {
    pub fn new(url: impl Into<String>) -> Self {
        ConnectOptions {
            url: url.into(),
            max_connections: 8,
            schema: None,
        }
    }
}

/// How many prepared statements a PostgreSQL connection keeps.
const STATEMENT_CACHE: usize = 500;

/// How long a pooled connection may lie idle and still be handed out
/// untested.
const TRUSTED_IDLE: Duration = Duration::from_secs(10);

/// A pool that tests a connection (a round trip) before handing it out
/// only when it has been idle for [`TRUSTED_IDLE`] (the database may have
/// restarted meanwhile), not before every statement: a search of
/// everything takes a dozen connections, and the tests were a third of
/// its round trips.
fn checked<DB: sqlx::Database>(
    options: sqlx::pool::PoolOptions<DB>,
) -> sqlx::pool::PoolOptions<DB> {
    options
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > TRUSTED_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

impl Store {
    /// Opens (creating if needed) the database and applies pending migrations.
    pub async fn open(options: &ConnectOptions) -> Result<Store> {
        let url = options.url.as_str();
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut pg = PgConnectOptions::from_str(url).map_err(|e| Error::Url(e.to_string()))?;
            // No JIT compilation: this application's statements run in
            // milliseconds, and a plan whose cost is estimated high (a search
            // reading newest first, under a LIMIT, is costed as if it read
            // the whole table) spent 270 ms compiling a statement that then
            // ran in 1 ms.
            pg = pg.options([("jit", "off")]);
            // Statements are prepared once per connection and kept: the
            // searches' differ by kind, form and what the reader may see,
            // more than the default hundred.
            pg = pg.statement_cache_capacity(STATEMENT_CACHE);
            if let Some(schema) = &options.schema {
                pg = pg.options([("search_path", schema.as_str())]);
            }
            let pool = checked(PgPoolOptions::new())
                .max_connections(options.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(pg)
                .await?;
            Store {
                db: Db::Postgres(pool),
            }
        } else if url.starts_with("sqlite:") {
            let base = SqliteConnectOptions::from_str(url)
                .map_err(|e| Error::Url(e.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // 8 MB of page cache per connection keeps the server's memory
                // small with several readers; the OS caches the file as well.
                .pragma("cache_size", "-8000")
                .pragma("temp_store", "memory");
            // The writer first: it creates the file and switches it to WAL.
            // It alone has 64 MB of cache: every index it writes is in it.
            let write = checked(SqlitePoolOptions::new())
                .max_connections(1)
                .connect_with(base.clone().pragma("cache_size", "-64000"))
                .await?;
            // Readers beyond two per core only queue for the same cores, and
            // take CPU from the one writer: every write waits for it, so a
            // busy writer makes a queue of writes. At 1,000,000 constituents
            // on 2 cores, 8 readers gave the 50-user mixed benchmark a p95 of
            // 196 ms; 4 readers gave 101 ms (docs/benchmarks.md).
            let cores = std::thread::available_parallelism()
                .map(|n| n.get() as u32)
                .unwrap_or(2);
            let readers = options.max_connections.min(2 * cores).clamp(2, 8);
            let read = checked(SqlitePoolOptions::new())
                .max_connections(readers)
                .connect_with(base.read_only(true))
                .await?;
            Store {
                db: Db::Sqlite { read, write },
            }
        } else {
            return Err(Error::Url(
                "the database URL must start with sqlite: or postgres://".into(),
            ));
        };
        migrate::run(&store).await?;
        migrate::rebuild_terms(&store).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Answers once the database takes queries (used by `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        on_read!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Refreshes the planner's statistics after a bulk load; on PostgreSQL
    /// also vacuums, so that index-only scans need no heap fetches (what
    /// autovacuum would do later, done before the office is used).
    pub async fn analyze(&self) -> Result<()> {
        match &self.db {
            Db::Postgres(pool) => {
                sqlx::query("VACUUM (ANALYZE)").execute(pool).await?;
            }
            Db::Sqlite { write, .. } => {
                sqlx::query("ANALYZE").execute(write).await?;
            }
        }
        Ok(())
    }

    /// Every (table, column) of the migrated schema, sorted: lets a test
    /// check that the two backends' migrations describe the same tables.
    /// Every table's columns, but for the full-text indexes, which each
    /// backend keeps its own way (FTS5 tables on SQLite, `search` columns
    /// on PostgreSQL).
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>> {
        let mut cols: Vec<(String, String)> =
            match &self.db {
                Db::Sqlite { read, .. } => sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                     AND m.name NOT LIKE '%\\_fts' ESCAPE '\\' AND m.name NOT LIKE '%\\_fts\\_%' ESCAPE '\\'",
                )
                .fetch_all(read)
                .await?,
                Db::Postgres(pool) => sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND column_name <> 'search'",
                )
                .fetch_all(pool)
                .await?,
            };
        cols.sort();
        Ok(cols)
    }

    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// Creates a PostgreSQL schema (for a test database) and returns its name.
pub async fn create_postgres_schema(url: &str, schema: &str) -> Result<()> {
    let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
    let sql = format!(
        "CREATE SCHEMA IF NOT EXISTS \"{}\"",
        schema.replace('"', "")
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await?;
    pool.close().await;
    Ok(())
}

/// Drops a PostgreSQL schema made by [`create_postgres_schema`].
pub async fn drop_postgres_schema(url: &str, schema: &str) -> Result<()> {
    let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
    let sql = format!(
        "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
        schema.replace('"', "")
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await?;
    pool.close().await;
    Ok(())
}
