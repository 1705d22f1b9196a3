//! Files kept in the database (`stored_files`, `stored_file_chunks`): the
//! shared file store of installations whose app servers share one
//! PostgreSQL database. Files handed to an [`OfficeData`] with
//! [`OfficeData::with_files`] are written by its next transaction, with the
//! records that name them: a crash leaves either both or neither, and
//! a dump of the database holds every file.

use crate::{Db, OfficeData, Result, Store, in_transaction, on_read};
use sha2::Digest;
use std::sync::Arc;

/// Largest piece of a file in one row.
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// Files to insert per statement (each a few binds).
pub(crate) const FILES_PER_STATEMENT: usize = 500;

/// Where a key is named by a record: every (table, column) holding file
/// keys. `files check` and backups read the keys from here.
pub const FILE_COLUMNS: &[(&str, &str)] = &[
    ("correspondence", "raw_blob"),
    ("attachments", "blob"),
    ("mail_rejections", "raw_blob"),
    ("offices", "letterhead_logo"),
];

/// Whether `key` is a file key (64 hex digits).
pub fn is_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The SHA-256 of `bytes`, hex: a file's key.
pub fn file_key(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A file to keep: its key (the SHA-256 of `bytes`, hex) and its bytes.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub key: String,
    pub bytes: Vec<u8>,
}

impl NewFile {
    pub fn new(bytes: Vec<u8>) -> NewFile {
        NewFile {
            key: file_key(&bytes),
            bytes,
        }
    }
}

/// Files kept for a write: empty when they are in a folder (written
/// already); the files themselves when they go into the database with
/// the write's records ([`crate::OfficeData::with_files`]).
#[derive(Debug, Clone, Default)]
pub struct Kept(pub(crate) Arc<Vec<NewFile>>);

impl Kept {
    pub(crate) fn files(&self) -> &[NewFile] {
        &self.0
    }

    /// The files of several writes, for one.
    pub fn join(parts: impl IntoIterator<Item = Kept>) -> Kept {
        let mut all = Vec::new();
        for p in parts {
            match Arc::try_unwrap(p.0) {
                Ok(files) => all.extend(files),
                Err(shared) => all.extend(shared.iter().cloned()),
            }
        }
        Kept(Arc::new(all))
    }
}

/// A backup made with `casework backup`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BackupRecord {
    /// Unix milliseconds.
    pub made_at: i64,
    pub database: String,
    pub files: i64,
    pub bytes: i64,
    pub damaged: i64,
}

/// Whatever the files handed to a write are: something the transaction
/// macro can ask for them.
pub(crate) trait PendingFiles {
    fn pending_files(&self) -> &[NewFile];
}

impl<T: PendingFiles + ?Sized> PendingFiles for &T {
    fn pending_files(&self) -> &[NewFile] {
        (**self).pending_files()
    }
}

impl PendingFiles for Store {
    fn pending_files(&self) -> &[NewFile] {
        &[]
    }
}

impl PendingFiles for OfficeData {
    fn pending_files(&self) -> &[NewFile] {
        self.files.files()
    }
}

/// Writes `$files` (`&[NewFile]`) on `$tx`: each file not already stored,
/// in pieces. Used by `in_transaction!` on both backends.
macro_rules! write_files {
    ($tx:ident, $files:expr, $now:expr) => {{
        // Each once, in key order: two transactions that share files lock
        // their rows in the same order, so they wait rather than deadlock.
        let mut files: Vec<&$crate::files::NewFile> = $files.iter().collect();
        files.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        files.dedup_by(|a, b| a.key == b.key);
        for batch in files.chunks($crate::files::FILES_PER_STATEMENT) {
            let mut qb =
                sqlx::QueryBuilder::new("INSERT INTO stored_files (key, size, stored_at) ");
            qb.push_values(batch, |mut b, f| {
                b.push_bind(f.key.as_str())
                    .push_bind(f.bytes.len() as i64)
                    .push_bind($now);
            });
            qb.push(" ON CONFLICT (key) DO NOTHING RETURNING key");
            let new: Vec<(String,)> = qb.build_query_as().fetch_all(&mut *$tx).await?;
            let new: std::collections::HashSet<String> = new.into_iter().map(|(k,)| k).collect();
            let pieces: Vec<(&str, i32, &[u8])> = batch
                .iter()
                .filter(|f| new.contains(&f.key))
                .flat_map(|f| $crate::files::pieces(&f.key, &f.bytes))
                .collect();
            for rows in $crate::files::statements(&pieces) {
                let mut qb =
                    sqlx::QueryBuilder::new("INSERT INTO stored_file_chunks (key, seq, data) ");
                qb.push_values(rows, |mut b, (key, seq, data)| {
                    b.push_bind(*key).push_bind(*seq).push_bind(*data);
                });
                qb.build().execute(&mut *$tx).await?;
            }
        }
    }};
}
pub(crate) use write_files;

/// Most bytes of pieces sent in one statement (the statement is held whole
/// in memory on both sides).
pub(crate) const BYTES_PER_STATEMENT: usize = 16 * 1024 * 1024;

/// Pieces cut into statements of at most [`FILES_PER_STATEMENT`] rows and
/// about [`BYTES_PER_STATEMENT`] bytes (a piece is at most 1 MiB).
pub(crate) fn statements<'a, 'b>(
    pieces: &'b [(&'a str, i32, &'a [u8])],
) -> Vec<&'b [(&'a str, i32, &'a [u8])]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, p) in pieces.iter().enumerate() {
        if i > start
            && (i - start >= FILES_PER_STATEMENT || bytes + p.2.len() > BYTES_PER_STATEMENT)
        {
            out.push(&pieces[start..i]);
            start = i;
            bytes = 0;
        }
        bytes += p.2.len();
    }
    if start < pieces.len() {
        out.push(&pieces[start..]);
    }
    out
}

/// A file's pieces as rows `(key, seq, data)`; an empty file is one empty piece.
pub(crate) fn pieces<'a>(key: &'a str, bytes: &'a [u8]) -> Vec<(&'a str, i32, &'a [u8])> {
    if bytes.is_empty() {
        return vec![(key, 0, bytes)];
    }
    bytes
        .chunks(CHUNK_BYTES)
        .enumerate()
        .map(|(i, c)| (key, i as i32, c))
        .collect()
}

/// Seconds since the epoch, for `stored_at` (when a file was first kept).
pub(crate) fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl OfficeData {
    /// This door, with `files` to be written by its next transaction, with
    /// the records that name them (database files; for files kept in a
    /// folder, `files` is empty: they were written before).
    pub fn with_files(mut self, files: Kept) -> OfficeData {
        self.files = files;
        self
    }
}

impl Store {
    /// A file's bytes from the database, or `None` when it is not there.
    pub async fn stored_file(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let (size, chunks): (Option<i64>, Vec<(Vec<u8>,)>) = on_read!(self, |pool| {
            let size: Option<(i64,)> =
                sqlx::query_as("SELECT size FROM stored_files WHERE key = $1")
                    .bind(key)
                    .fetch_optional(pool)
                    .await?;
            match size {
                None => (None, Vec::new()),
                Some((size,)) => (
                    Some(size),
                    sqlx::query_as(
                        "SELECT data FROM stored_file_chunks WHERE key = $1 ORDER BY seq",
                    )
                    .bind(key)
                    .fetch_all(pool)
                    .await?,
                ),
            }
        });
        let Some(size) = size else { return Ok(None) };
        let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        for (c,) in chunks {
            out.extend_from_slice(&c);
        }
        if out.len() as i64 != size {
            return Err(crate::Error::Database(sqlx::Error::Protocol(format!(
                "the stored file {key} has {} of its {size} bytes",
                out.len()
            ))));
        }
        Ok(Some(out))
    }

    /// Whether the database holds the file `key`.
    pub async fn has_stored_file(&self, key: &str) -> Result<bool> {
        let n: Option<(i64,)> = on_read!(self, |pool| {
            sqlx::query_as("SELECT size FROM stored_files WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
        });
        Ok(n.is_some())
    }

    /// Stores one file in a transaction of its own (moving files in; a
    /// file already there is left as it is).
    pub async fn store_file(&self, file: NewFile) -> Result<()> {
        let files = [file];
        let now = now_seconds();
        match &self.db {
            Db::Sqlite { write, .. } => {
                let mut tx = write.begin().await?;
                write_files!(tx, &files, now);
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                write_files!(tx, &files, now);
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// SQLite: writes a consistent copy of the whole database to `path`
    /// (`VACUUM INTO`), while the server goes on; readers and the writer
    /// are not held up. Not for PostgreSQL (`pg_dump` does this there).
    pub async fn sqlite_snapshot(&self, path: &std::path::Path) -> Result<()> {
        match &self.db {
            Db::Sqlite { read, .. } => {
                sqlx::query("VACUUM INTO $1")
                    .bind(path.display().to_string())
                    .execute(read)
                    .await?;
                Ok(())
            }
            Db::Postgres(_) => Err(crate::Error::Url(
                "a snapshot of PostgreSQL is made with pg_dump".into(),
            )),
        }
    }

    /// Records a backup made now (`casework backup`).
    pub async fn record_backup(&self, b: &BackupRecord) -> Result<()> {
        crate::on_write!(self, |pool| {
            sqlx::query(
                "INSERT INTO backups (made_at, database, files, bytes, damaged) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(b.made_at)
            .bind(&b.database)
            .bind(b.files)
            .bind(b.bytes)
            .bind(b.damaged)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The last backup made with `casework backup`, if any.
    pub async fn last_backup(&self) -> Result<Option<BackupRecord>> {
        Ok(on_read!(self, |pool| {
            sqlx::query_as(
                "SELECT made_at, database, files, bytes, damaged FROM backups ORDER BY made_at DESC, id DESC LIMIT 1",
            )
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Up to `limit` keys of files held in the database, after `after`,
    /// in order (for moving them out in steps).
    pub async fn stored_file_keys(&self, after: &str, limit: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = on_read!(self, |pool| {
            sqlx::query_as("SELECT key FROM stored_files WHERE key > $1 ORDER BY key LIMIT $2")
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|(k,)| k).collect())
    }

    /// Removes a file from the database (once it is safely elsewhere).
    pub async fn delete_stored_file(&self, key: &str) -> Result<()> {
        in_transaction!(self, |tx| {
            sqlx::query("DELETE FROM stored_file_chunks WHERE key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM stored_files WHERE key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Whether the database holds any file.
    pub async fn has_stored_files(&self) -> Result<bool> {
        let row: Option<(String,)> = on_read!(self, |pool| {
            sqlx::query_as("SELECT key FROM stored_files LIMIT 1")
                .fetch_optional(pool)
                .await?
        });
        Ok(row.is_some())
    }

    /// How many files the database holds, and their bytes.
    pub async fn stored_file_totals(&self) -> Result<(i64, i64)> {
        let (n, bytes): (i64, Option<i64>) = on_read!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*), CAST(SUM(size) AS BIGINT) FROM stored_files")
                .fetch_one(pool)
                .await?
        });
        Ok((n, bytes.unwrap_or(0)))
    }

    /// Every file key a record names, sorted, each once.
    pub async fn file_keys(&self) -> Result<Vec<String>> {
        let union = FILE_COLUMNS
            .iter()
            .map(|(t, c)| format!("SELECT {c} AS k FROM {t} WHERE {c} IS NOT NULL AND {c} <> ''"))
            .collect::<Vec<_>>()
            .join(" UNION ");
        let sql = format!("SELECT k FROM ({union}) u ORDER BY k");
        let rows: Vec<(String,)> = on_read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|(k,)| k).collect())
    }

    /// Each table's row count and a digest of its rows (in a stable
    /// order), sorted by table: two databases with the same digests hold
    /// the same records. For checking a restored backup.
    pub async fn table_digests(&self) -> Result<Vec<(String, i64, String)>> {
        let mut columns: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (t, c) in self.schema_columns().await? {
            columns.entry(t).or_default().push(c);
        }
        let mut out = Vec::with_capacity(columns.len());
        for (table, cols) in columns {
            // Each row as one text: every column quoted, NULL as NULL.
            let quote = match self.db {
                Db::Sqlite { .. } => "quote",
                Db::Postgres(_) => "quote_nullable",
            };
            let row = cols
                .iter()
                .map(|c| format!("{quote}(\"{c}\")"))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            let sql = format!("SELECT {row} FROM \"{table}\"");
            let rows: Vec<(String,)> = on_read!(self, |pool| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await?
            });
            let mut rows: Vec<String> = rows.into_iter().map(|(r,)| r).collect();
            rows.sort_unstable();
            let mut h = sha2::Sha256::new();
            for r in &rows {
                h.update(r.as_bytes());
                h.update(b"\n");
            }
            out.push((table, rows.len() as i64, hex::encode(h.finalize())));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_go_in_statements_of_bounded_rows_and_bytes() {
        let big = vec![7u8; CHUNK_BYTES * 40 + 5];
        let rows = pieces("a", &big);
        assert_eq!(rows.len(), 41);
        assert_eq!(rows.iter().map(|r| r.2.len()).sum::<usize>(), big.len());
        let cut = statements(&rows);
        assert_eq!(cut.len(), 3, "16 + 16 + 9 pieces of 1 MiB");
        assert!(
            cut.iter()
                .all(|s| s.iter().map(|r| r.2.len()).sum::<usize>() <= BYTES_PER_STATEMENT)
        );
        assert_eq!(cut.iter().map(|s| s.len()).sum::<usize>(), 41);
        let small: Vec<Vec<u8>> = (0..1200).map(|i| vec![1u8; i % 7]).collect();
        let keys: Vec<String> = (0..1200).map(|i| format!("{i}")).collect();
        let rows: Vec<(&str, i32, &[u8])> = keys
            .iter()
            .zip(&small)
            .flat_map(|(k, b)| pieces(k, b))
            .collect();
        let cut = statements(&rows);
        assert_eq!(
            cut.iter().map(|s| s.len()).collect::<Vec<_>>(),
            [500, 500, 200]
        );
        assert!(statements(&[]).is_empty());
        assert_eq!(pieces("e", &[]), [("e", 0, &[][..])]);
    }
}
