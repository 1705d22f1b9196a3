//! Safekeeping: `casework backup`, `casework restore`, and moving files
//! from the local folder into the database (`casework files move`,
//! `casework files check`).
//!
//! A backup is a folder:
//! - `manifest.json`: what it holds, with the SHA-256 of the database copy;
//! - `casework.db` (SQLite, a consistent copy made with `VACUUM INTO`) or
//!   `casework.pgdump` (PostgreSQL, `pg_dump --format=custom`);
//! - `files/ab/cd/<key>`: the files the database copy does not hold
//!   (those kept in a folder or an object store), each named by the
//!   SHA-256 of its content.
//!
//! Files are written before the records that name them (or with them, in
//! the database), so a copy of the files made after the copy of the
//! database holds every file the database names.

use crate::Config;
use casework_store::Store;
use casework_store::blobs::{Files, LocalBlobs, NewFile, is_key};
use casework_store::files::file_key;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The backup's own description (`manifest.json`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// Format of the backup folder (this is 1).
    pub format: u32,
    pub casework_version: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// The database copy's file name in the folder.
    pub database_file: String,
    pub database_sha256: String,
    /// Files in `files/`, their bytes, and the SHA-256 of their keys in
    /// order (one per line): a restore checks that all are there.
    pub files: u64,
    pub files_bytes: u64,
    pub files_keys_sha256: String,
    /// Files found damaged (content not matching the name) when the
    /// backup was made, and left out of it.
    #[serde(default)]
    pub damaged: Vec<String>,
    /// When the backup was made (UTC, RFC 3339).
    pub made_at: String,
}

/// The SHA-256 of keys, one per line, in order.
fn keys_digest(keys: &[String]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for k in keys {
        h.update(k.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

const FORMAT: u32 = 1;

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The schema a PostgreSQL URL picks with `options=-c search_path=…`
/// (as the tests do), if any.
fn search_path(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    for (k, v) in url_pairs(query) {
        if k == "options"
            && let Some(rest) = v.split("search_path=").nth(1)
        {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                return Some(name);
            }
        }
    }
    None
}

/// `pg_dump`/`pg_restore` for `url`: the URL without its password, which
/// goes in PGPASSWORD instead (a command line is visible to every user of
/// the machine).
fn pg_command(program: &str, url: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    match reqwest::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let password = u.password().unwrap_or_default().to_owned();
            let _ = u.set_password(None);
            cmd.env("PGPASSWORD", percent_decode(&password));
            cmd.arg(format!("--dbname={u}"));
        }
        _ => {
            cmd.arg(format!("--dbname={url}"));
        }
    }
    cmd
}

fn percent_decode(s: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("p={}", s.replace('+', "%2B")))
        .ok()
        .and_then(|v| v.into_iter().next())
        .map_or_else(|| s.to_owned(), |(_, v)| v)
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default()
}

fn sha256_file(path: &Path) -> Result<String, String> {
    use sha2::Digest;
    let mut f =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut h = sha2::Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(hex::encode(h.finalize()))
}

/// What copying files found.
#[derive(Default)]
struct Copied {
    keys: Vec<String>,
    bytes: u64,
    damaged: Vec<String>,
}

impl Copied {
    /// Keeps `data` as `key` in `to` if it is what the key says.
    fn add(&mut self, to: &LocalBlobs, key: String, data: &[u8]) -> Result<(), String> {
        if file_key(data) != key {
            self.damaged.push(key);
            return Ok(());
        }
        to.put(&key, data)
            .map_err(|e| format!("cannot write {}: {e}", to.root().display()))?;
        self.bytes += data.len() as u64;
        self.keys.push(key);
        Ok(())
    }
}

/// `casework backup DEST`: a consistent copy of the database and the
/// files, while the server runs. DEST must not exist yet (or be empty). A
/// file found damaged is left out and named (the rest is still copied, and
/// the backup kept); any other failure removes what was written.
pub async fn backup(
    config: &Config,
    store: &Store,
    files: &Files,
    dest: &Path,
) -> Result<Manifest, String> {
    if dest.exists()
        && std::fs::read_dir(dest)
            .map_err(|e| format!("cannot read {}: {e}", dest.display()))?
            .next()
            .is_some()
    {
        return Err(format!(
            "{} is not empty: give a new folder for the backup",
            dest.display()
        ));
    }
    std::fs::create_dir_all(dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    // It holds constituents' personal data: for its owner's eyes only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dest, std::fs::Permissions::from_mode(0o700));
    }
    let made = write_backup(config, store, files, dest).await;
    if made.is_err() {
        // Half a backup is no backup: nothing is left to be mistaken for one.
        let _ = std::fs::remove_dir_all(dest);
    }
    made
}

async fn write_backup(
    config: &Config,
    store: &Store,
    files: &Files,
    dest: &Path,
) -> Result<Manifest, String> {
    let url = config.database_url();
    let (database, database_file) = if is_postgres(&url) {
        let file = dest.join("casework.pgdump");
        let mut cmd = pg_command("pg_dump", &url);
        cmd.args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
            .arg(&file);
        if let Some(schema) = search_path(&url) {
            cmd.arg(format!("--schema={schema}"));
        }
        let out = cmd.output().map_err(|e| {
            format!("cannot run pg_dump (install the PostgreSQL client, postgresql-client): {e}")
        })?;
        if !out.status.success() {
            return Err(format!(
                "pg_dump failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        ("postgres", file)
    } else {
        let file = dest.join("casework.db");
        store
            .sqlite_snapshot(&file)
            .await
            .map_err(|e| format!("cannot copy the database: {e}"))?;
        ("sqlite", file)
    };
    // After the database: every file it names is kept by now.
    let to = LocalBlobs::new(dest.join("files"));
    let mut copied = Copied::default();
    let folder = LocalBlobs::new(config.files_folder());
    for key in folder
        .keys()
        .map_err(|e| format!("cannot list {}: {e}", folder.root().display()))?
    {
        let data = folder
            .get(&key)
            .map_err(|e| format!("cannot read the file {key}: {e}"))?;
        copied.add(&to, key, &data)?;
    }
    // An object store's files are not in the dump: copied too.
    let in_bucket = files
        .object_store_keys()
        .await
        .map_err(|e| format!("cannot list the object store: {e}"))?;
    for key in in_bucket.unwrap_or_default() {
        let data = files
            .get(&key)
            .await
            .map_err(|e| format!("cannot read the file {key} from the object store: {e}"))?;
        copied.add(&to, key, &data)?;
    }
    copied.keys.sort();
    copied.keys.dedup();
    let manifest = Manifest {
        format: FORMAT,
        casework_version: env!("CARGO_PKG_VERSION").to_owned(),
        database: database.to_owned(),
        database_file: database_file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        database_sha256: sha256_file(&database_file)?,
        files: copied.keys.len() as u64,
        files_bytes: copied.bytes,
        files_keys_sha256: keys_digest(&copied.keys),
        damaged: copied.damaged,
        made_at: jiff::Timestamp::now().to_string(),
    };
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(dest.join("manifest.json"), json)
        .map_err(|e| format!("cannot write the manifest: {e}"))?;
    Ok(manifest)
}

/// Reads and checks a backup folder before anything is restored: its
/// manifest, the database copy against its SHA-256, and every file against
/// its name, their number, bytes and keys against the manifest. Returns the
/// manifest and the files' keys.
pub fn read_backup(src: &Path) -> Result<(Manifest, Vec<String>), String> {
    let text = std::fs::read_to_string(src.join("manifest.json")).map_err(|e| {
        format!(
            "{} is not a Casework backup (no manifest.json: {e})",
            src.display()
        )
    })?;
    let m: Manifest = serde_json::from_str(&text)
        .map_err(|e| format!("the backup's manifest.json cannot be read: {e}"))?;
    if m.format != FORMAT {
        return Err(format!(
            "the backup is in format {}; this Casework reads format {FORMAT}",
            m.format
        ));
    }
    if m.database_file.contains('/') || m.database_file.contains('\\') {
        return Err("the backup's manifest names a database file outside it".into());
    }
    let got = sha256_file(&src.join(&m.database_file))?;
    if got != m.database_sha256 {
        return Err(format!(
            "the backup's {} is damaged (its SHA-256 is not the one recorded): nothing was restored",
            m.database_file
        ));
    }
    let from = LocalBlobs::new(src.join("files"));
    let keys = from
        .keys()
        .map_err(|e| format!("cannot list the backup's files: {e}"))?;
    let mut bytes = 0u64;
    for key in &keys {
        let data = from
            .get(key)
            .map_err(|e| format!("cannot read the backup's file {key}: {e}"))?;
        if file_key(&data) != *key {
            return Err(format!(
                "the backup's file {key} is damaged: nothing was restored"
            ));
        }
        bytes += data.len() as u64;
    }
    if keys.len() as u64 != m.files
        || bytes != m.files_bytes
        || keys_digest(&keys) != m.files_keys_sha256
    {
        return Err(format!(
            "the backup's files are not all there ({} of {} files, {bytes} of {} bytes; a copy cut short?): nothing was restored",
            keys.len(),
            m.files,
            m.files_bytes
        ));
    }
    Ok((m, keys))
}

/// The SQLite database file a `sqlite:` URL names.
fn sqlite_path(url: &str) -> Result<PathBuf, String> {
    use std::str::FromStr;
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .map_err(|e| format!("the database URL cannot be read: {e}"))?;
    Ok(opts.get_filename().to_path_buf())
}

/// `casework restore SRC`: puts a backup back into the configured database
/// (which must be empty: a new SQLite file, or a PostgreSQL database
/// without Casework's tables) and file store. The whole backup is checked
/// before anything is written. Files going to a folder or an object store
/// are written first, then the database; files going into the database
/// after it. With `files_only`, the database is left as it is (already
/// restored) and only the files are put back: to finish a restore that
/// stopped at the files. Returns the manifest and how many files were put
/// back.
pub async fn restore(
    config: &Config,
    src: &Path,
    files_only: bool,
) -> Result<(Manifest, u64), String> {
    let (m, keys) = read_backup(src)?;
    let url = config.database_url();
    let kind = if is_postgres(&url) {
        "postgres"
    } else {
        "sqlite"
    };
    if m.database != kind {
        return Err(format!(
            "the backup is of a {} database and the configuration names a {} one: restore it onto the same kind",
            m.database,
            if kind == "postgres" {
                "PostgreSQL"
            } else {
                "SQLite"
            }
        ));
    }
    // Before any write: the database must be empty (unless only files are
    // wanted), and, for SQLite, no old write-ahead log may sit beside it.
    let sqlite_file = if kind == "sqlite" {
        Some(sqlite_path(&url)?)
    } else {
        None
    };
    if !files_only {
        match &sqlite_file {
            Some(path) => {
                let mut beside = vec![path.clone()];
                for ext in ["-wal", "-shm"] {
                    beside.push(PathBuf::from(format!("{}{ext}", path.display())));
                }
                if let Some(there) = beside.iter().find(|p| p.exists()) {
                    return Err(format!(
                        "{} exists already: restore into a new data folder (or move the old database and its -wal and -shm files away first)",
                        there.display()
                    ));
                }
            }
            None => {
                if postgres_has_tables(&url).await? {
                    return Err(
                        "the database already holds Casework's tables: restore into an empty database"
                            .into(),
                    );
                }
            }
        }
    }
    let files_first = !config.files_in_database();
    let mut n = 0;
    if files_first {
        n = put_files(config, None, src, &keys).await?;
    }
    if !files_only {
        match &sqlite_file {
            Some(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                let tmp = PathBuf::from(format!("{}.restoring", path.display()));
                std::fs::copy(src.join(&m.database_file), &tmp)
                    .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
                if sha256_file(&tmp)? != m.database_sha256 {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(
                        "the copy of the database does not match the backup: nothing was restored"
                            .into(),
                    );
                }
                std::fs::rename(&tmp, path)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            None => {
                let out = pg_command("pg_restore", &url)
                    .args([
                        "--exit-on-error",
                        "--single-transaction",
                        "--no-owner",
                        "--no-privileges",
                    ])
                    .arg(src.join(&m.database_file))
                    .output()
                    .map_err(|e| {
                        format!(
                            "cannot run pg_restore (install the PostgreSQL client, postgresql-client): {e}"
                        )
                    })?;
                if !out.status.success() {
                    return Err(format!(
                        "pg_restore failed, and restored nothing: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ));
                }
            }
        }
    }
    if !files_first {
        // Into the database, now that it has its tables (and is migrated
        // to this version when opened).
        let store = crate::open_store(config).await?;
        let put = put_files(config, Some(&store), src, &keys).await;
        store.close().await;
        n = put.map_err(|e| {
            format!("{e}. The database is restored: run `casework restore --files-only` to put the files back")
        })?;
    }
    Ok((m, n))
}

/// Puts the backup's files (checked already) into the configured store.
async fn put_files(
    config: &Config,
    store: Option<&Store>,
    src: &Path,
    keys: &[String],
) -> Result<u64, String> {
    let files = match store {
        Some(store) => crate::shared_files(config, store, None)?,
        None if config.files_in_s3() => casework_store::blobs::Files::s3(
            casework_store::s3::S3Files::new(&config.s3_settings())
                .map_err(|e| format!("configuration error: {e}"))?,
            None,
            None,
        ),
        None => casework_store::blobs::Files::folder(config.files_folder()),
    };
    let from = LocalBlobs::new(src.join("files"));
    let mut n = 0;
    for key in keys {
        let bytes = from
            .get(key)
            .map_err(|e| format!("cannot read the backup's file {key}: {e}"))?;
        files
            .put_now(NewFile {
                key: key.clone(),
                bytes,
            })
            .await
            .map_err(|e| format!("cannot store the file {key}: {e}"))?;
        n += 1;
    }
    Ok(n)
}

/// Whether the PostgreSQL database (its schema, if the URL picks one)
/// holds Casework's tables.
async fn postgres_has_tables(url: &str) -> Result<bool, String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let schema = search_path(url).unwrap_or_else(|| "public".into());
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'schema_migrations'",
    )
    .bind(&schema)
    .fetch_one(&mut conn)
    .await
    .map_err(|e| format!("cannot read the database: {e}"))?;
    let _ = conn.close().await;
    Ok(n > 0)
}

/// What moving files into the database did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Moved {
    pub moved: u64,
    pub bytes: u64,
    /// Already in the database (moved by an earlier run).
    pub already: u64,
    /// Files whose content does not match their name: left where they are.
    pub damaged: Vec<String>,
    /// Files left for the next run (`limit` reached).
    pub left: u64,
}

/// Moves the files of `from` (a folder, or the bucket they were kept in
/// before) into the shared store `to` (the database: one transaction each;
/// or the object store), reading each back and checking its SHA-256 before
/// counting it, adding to `r`. A run stopped part way is resumed by running
/// again: files already there are skipped. Stops once `r` counts `limit`
/// files moved, if given. `from` is left as it is (empty it once a backup
/// holds the files).
pub async fn move_files(
    to: &Files,
    from: &Files,
    limit: Option<u64>,
    r: &mut Moved,
) -> Result<(), String> {
    let keys = from
        .keys_here()
        .await
        .map_err(|e| format!("cannot list the files to move: {e}"))?
        .unwrap_or_default();
    for (i, key) in keys.iter().enumerate() {
        if limit.is_some_and(|l| r.moved >= l) {
            r.left += (keys.len() - i) as u64;
            break;
        }
        if to
            .has(key)
            .await
            .map_err(|e| format!("cannot read the file store: {e}"))?
        {
            r.already += 1;
            continue;
        }
        let bytes = match from.get_here(key).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => continue,
            Err(e) => return Err(format!("cannot read the file {key}: {e}")),
        };
        if file_key(&bytes) != *key {
            r.damaged.push(key.clone());
            continue;
        }
        let size = bytes.len() as u64;
        store_checked(to, key, bytes).await?;
        r.moved += 1;
        r.bytes += size;
    }
    Ok(())
}

/// Moves the files held in the database into the object store `to`, each
/// read back from the bucket and checked by its SHA-256 before it is
/// removed from the database. Resumable like [`move_files`]: what is moved
/// is no longer in the database.
pub async fn move_out_of_database(
    store: &Store,
    to: &Files,
    limit: Option<u64>,
    r: &mut Moved,
) -> Result<(), String> {
    let read = |e: casework_store::Error| format!("cannot read the database: {e}");
    let mut after = String::new();
    loop {
        let keys = store.stored_file_keys(&after, 500).await.map_err(read)?;
        let Some(last) = keys.last() else {
            return Ok(());
        };
        after = last.clone();
        for key in keys {
            if limit.is_some_and(|l| r.moved >= l) {
                r.left += 1;
                continue;
            }
            let Some(bytes) = store.stored_file(&key).await.map_err(read)? else {
                continue;
            };
            if file_key(&bytes) != key {
                r.damaged.push(key);
                continue;
            }
            let size = bytes.len() as u64;
            // The bucket's copy must be whole before the database's goes.
            store_checked(to, &key, bytes).await?;
            store.delete_stored_file(&key).await.map_err(|e| {
                format!("cannot remove the moved file {key} from the database: {e}")
            })?;
            r.moved += 1;
            r.bytes += size;
        }
    }
}

/// Stores a file in `to` and reads it back from there alone (not from
/// where it is moved from), checking it against its key.
async fn store_checked(to: &Files, key: &str, bytes: Vec<u8>) -> Result<(), String> {
    to.put_now(NewFile {
        key: key.to_owned(),
        bytes,
    })
    .await
    .map_err(|e| format!("cannot store the file {key}: {e}"))?;
    let back = to
        .get_here(key)
        .await
        .map_err(|e| format!("cannot read the file {key} back: {e}"))?;
    if back.as_deref().map(file_key).as_deref() != Some(key) {
        return Err(format!(
            "the file {key} read back differs from the one written: stopped"
        ));
    }
    Ok(())
}

/// What `casework files check` found: of the files records name, how many
/// were read and matched their key, and those missing or damaged.
#[derive(Debug, Default)]
pub struct Checked {
    pub named: u64,
    pub good: u64,
    pub missing: Vec<String>,
    pub damaged: Vec<String>,
}

/// Reads every file a record names and checks it against its key.
pub async fn check_files(
    store: &Store,
    files: &casework_store::blobs::Files,
) -> Result<Checked, String> {
    let keys = store
        .file_keys()
        .await
        .map_err(|e| format!("cannot read the database: {e}"))?;
    let mut c = Checked {
        named: keys.len() as u64,
        ..Checked::default()
    };
    for key in keys {
        if !is_key(&key) {
            c.damaged.push(key);
            continue;
        }
        match files.get(&key).await {
            Ok(bytes) if file_key(&bytes) == key => c.good += 1,
            Ok(_) => c.damaged.push(key),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => c.missing.push(key),
            Err(e) => return Err(format!("cannot read the files: {e}")),
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_of_a_test_url_is_found() {
        assert_eq!(
            search_path("postgres://p@h/test?options=-c%20search_path%3Dtest_ab12").as_deref(),
            Some("test_ab12")
        );
        assert_eq!(search_path("postgres://p@h/casework"), None);
    }

    #[test]
    fn a_password_goes_to_the_environment_not_the_command_line() {
        let cmd = pg_command(
            "pg_dump",
            "postgres://casework:s%40cret+1@db.example.org/casework",
        );
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            ["--dbname=postgres://casework@db.example.org/casework"]
        );
        let env: Vec<_> = cmd.get_envs().collect();
        assert_eq!(
            env,
            [(
                std::ffi::OsStr::new("PGPASSWORD"),
                Some(std::ffi::OsStr::new("s@cret+1"))
            )]
        );
    }
}
