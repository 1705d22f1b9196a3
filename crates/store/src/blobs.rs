//! The file store: messages' originals, attachments, letters and logos,
//! addressed by the SHA-256 of their content, so the same bytes are kept
//! once and a key always means the same bytes.
//!
//! Two homes, chosen in the configuration ([`Files`]):
//! - a local folder (`LocalBlobs`), the default on SQLite: a file is
//!   written before the records that name it, so a record never names a
//!   missing file (a crash between leaves an unnamed file, harmless, which
//!   `casework files sweep` removes once it is a day old);
//! - the database (`files`), the default on PostgreSQL: every app server
//!   reads the same files, each written in the same transaction as the
//!   records that name it, and a dump of the database holds them all.

use crate::Store;
pub use crate::files::{Kept, NewFile, is_key};
use crate::s3::S3Files;
pub use crate::s3::StoredFile;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Blobs as files under a folder: `ab/cd/abcd…`.
pub struct LocalBlobs {
    root: PathBuf,
}

impl LocalBlobs {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalBlobs { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file `key` lives.
    pub fn path(&self, key: &str) -> io::Result<PathBuf> {
        if !is_key(key) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a blob key",
            ));
        }
        Ok(self.root.join(&key[..2]).join(&key[2..4]).join(key))
    }

    pub fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(key)?;
        if path.exists() {
            // Kept already: marked as written now, so that a sweep of
            // unnamed files (which spares recent ones) leaves it to the
            // record about to name it again.
            return std::fs::File::options()
                .write(true)
                .open(&path)?
                .set_modified(std::time::SystemTime::now());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        // Write aside and rename, so a killed process never leaves half a blob
        // under its key. (No fsync per file: like the database's WAL in NORMAL
        // mode, this survives a crash of the process, not of the machine.)
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(".{key}.{}.{n}.tmp", std::process::id()));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        drop(f);
        std::fs::rename(&tmp, &path)
    }

    pub fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.path(key)?)
    }

    /// Every file in the folder, sorted by key, with its size and when it
    /// was last written.
    pub fn files(&self) -> io::Result<Vec<StoredFile>> {
        let mut out = Vec::new();
        for key in self.keys()? {
            let meta = match std::fs::metadata(self.path(&key)?) {
                Ok(m) => m,
                // Removed since it was listed.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            out.push(StoredFile {
                key,
                size: meta.len(),
                written: meta.modified().ok(),
            });
        }
        Ok(out)
    }

    /// Removes the file `key` (gone already is not an error).
    pub fn remove(&self, key: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Every key in the folder, sorted (files whose names are not keys,
    /// such as a write left aside by a killed process, are skipped).
    pub fn keys(&self) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        if !self.root.exists() {
            return Ok(out);
        }
        for a in std::fs::read_dir(&self.root)? {
            let a = a?;
            if !a.file_type()?.is_dir() {
                continue;
            }
            for b in std::fs::read_dir(a.path())? {
                let b = b?;
                if !b.file_type()?.is_dir() {
                    continue;
                }
                for f in std::fs::read_dir(b.path())? {
                    let name = f?.file_name().to_string_lossy().into_owned();
                    if is_key(&name) {
                        out.push(name);
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// What a sweep found, and removed unless it was a dry run.
#[derive(Debug, Default, Clone)]
pub struct Swept {
    /// Files in the store, named or not.
    pub files: u64,
    /// Unnamed files written before the cut-off.
    pub unnamed: u64,
    pub bytes: u64,
    /// Unnamed files spared because they are recent (a record may be
    /// about to name them).
    pub recent: u64,
}

/// Where this installation keeps its files.
#[derive(Clone)]
pub enum Files {
    /// A local folder: one app server, or a folder every server shares.
    Folder(Arc<LocalBlobs>),
    /// The database; `folder` and `bucket` are where files were kept
    /// before they were moved in (`casework files move`), read while any
    /// are still there.
    Database {
        store: Store,
        folder: Option<Arc<LocalBlobs>>,
        bucket: Option<Arc<S3Files>>,
    },
    /// An S3-compatible object store; `folder` as for the database, and
    /// `database` where files were kept before they were moved out to the
    /// bucket (read while any are still there).
    S3 {
        bucket: Arc<S3Files>,
        folder: Option<Arc<LocalBlobs>>,
        database: Option<Store>,
    },
}

impl Files {
    pub fn folder(root: impl Into<PathBuf>) -> Files {
        Files::Folder(Arc::new(LocalBlobs::new(root)))
    }

    /// Files in `store`'s database, reading those not yet moved in from
    /// `old_folder` (if it exists).
    pub fn database(store: Store, old_folder: Option<PathBuf>) -> Files {
        Files::Database {
            store,
            folder: old_folder
                .filter(|f| f.exists())
                .map(|f| Arc::new(LocalBlobs::new(f))),
            bucket: None,
        }
    }

    /// As [`Files::database`], also reading files not yet moved in from
    /// the object store they were kept in before.
    pub fn database_after_bucket(
        store: Store,
        old_folder: Option<PathBuf>,
        old_bucket: S3Files,
    ) -> Files {
        match Files::database(store, old_folder) {
            Files::Database { store, folder, .. } => Files::Database {
                store,
                folder,
                bucket: Some(Arc::new(old_bucket)),
            },
            other => other,
        }
    }

    /// The object store files are read from until they are moved into
    /// the database (`casework files move`), if any.
    pub fn old_bucket(&self) -> Option<Files> {
        match self {
            Files::Database {
                bucket: Some(b), ..
            } => Some(Files::S3 {
                bucket: b.clone(),
                folder: None,
                database: None,
            }),
            _ => None,
        }
    }

    /// The keys of the files kept here, in the folder or the bucket
    /// (`None` for the database), sorted: for moving them elsewhere.
    pub async fn keys_here(&self) -> io::Result<Option<Vec<String>>> {
        match self {
            Files::Folder(dir) => {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || dir.keys())
                    .await
                    .map_err(io::Error::other)?
                    .map(Some)
            }
            Files::Database { .. } => Ok(None),
            Files::S3 { bucket, .. } => bucket.keys().await.map(Some),
        }
    }

    /// Files in an object store, reading those not yet moved in from
    /// `old_folder` (if it exists) or `database` (files kept there before).
    pub fn s3(bucket: S3Files, old_folder: Option<PathBuf>, database: Option<Store>) -> Files {
        Files::S3 {
            bucket: Arc::new(bucket),
            folder: old_folder
                .filter(|f| f.exists())
                .map(|f| Arc::new(LocalBlobs::new(f))),
            database,
        }
    }

    /// "database", "s3" or "folder", for the start-up log.
    pub fn kind(&self) -> &'static str {
        match self {
            Files::Folder(_) => "folder",
            Files::Database { .. } => "database",
            Files::S3 { .. } => "s3",
        }
    }

    /// Whether `key` is in the shared store (the database or the object
    /// store; for a folder, whether the folder has it).
    pub async fn has(&self, key: &str) -> io::Result<bool> {
        match self {
            Files::Folder(dir) => Ok(dir.path(key)?.exists()),
            Files::Database { store, .. } => {
                store.has_stored_file(key).await.map_err(io::Error::other)
            }
            Files::S3 { bucket, .. } => bucket.has(key).await,
        }
    }

    /// The bytes of `key` from this store alone, never from the folder or
    /// database it falls back on (`None` when it is not here): for
    /// checking what was moved in.
    pub async fn get_here(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        let found = match self {
            Files::Folder(dir) => {
                let (dir, key) = (dir.clone(), key.to_owned());
                tokio::task::spawn_blocking(move || dir.get(&key))
                    .await
                    .map_err(io::Error::other)?
            }
            Files::Database { store, .. } => {
                return store.stored_file(key).await.map_err(io::Error::other);
            }
            Files::S3 { bucket, .. } => bucket.get(key).await,
        };
        match found {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes one file into the shared store now, in a transaction (or
    /// request) of its own: for moving files in and restoring backups.
    pub async fn put_now(&self, file: NewFile) -> io::Result<()> {
        match self {
            Files::Folder(dir) => {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || dir.put(&file.key, &file.bytes))
                    .await
                    .map_err(io::Error::other)?
            }
            Files::Database { store, .. } => store.store_file(file).await.map_err(io::Error::other),
            Files::S3 { bucket, .. } => bucket.put(&file.key, file.bytes).await,
        }
    }

    /// Removes the files in the folder or the bucket that no record names
    /// and that were written before `cutoff` (a file is kept before the
    /// records that name it, so a recent one may be about to be named),
    /// by the names `store`'s records hold. With `dry_run`, only counts.
    /// The database holds no unnamed files (each is written with the
    /// records that name it), so there, nothing is found.
    pub async fn sweep(
        &self,
        store: &Store,
        cutoff: std::time::SystemTime,
        dry_run: bool,
    ) -> io::Result<Swept> {
        let listed = match self {
            Files::Folder(dir) => {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || dir.files())
                    .await
                    .map_err(io::Error::other)??
            }
            Files::Database { .. } => return Ok(Swept::default()),
            Files::S3 { bucket, .. } => bucket.objects().await?,
        };
        // Read after the listing: a file listed and named meanwhile is named.
        let named: std::collections::HashSet<String> = store
            .file_keys()
            .await
            .map_err(io::Error::other)?
            .into_iter()
            .collect();
        let mut swept = Swept {
            files: listed.len() as u64,
            ..Swept::default()
        };
        for f in listed.into_iter().filter(|f| !named.contains(&f.key)) {
            if f.written.is_none_or(|w| w >= cutoff) {
                swept.recent += 1;
                continue;
            }
            if !dry_run {
                match self {
                    Files::Folder(dir) => dir.remove(&f.key)?,
                    Files::S3 { bucket, .. } => bucket.delete(&f.key).await?,
                    Files::Database { .. } => {}
                }
            }
            swept.unnamed += 1;
            swept.bytes += f.size;
        }
        Ok(swept)
    }

    /// The keys of the files in the object store, or in the one a database
    /// still reads from until they are moved in (a backup copies them: a
    /// dump of the database does not hold them); `None` for the folder and
    /// a database alone.
    pub async fn object_store_keys(&self) -> io::Result<Option<Vec<String>>> {
        match self {
            Files::S3 { bucket, .. }
            | Files::Database {
                bucket: Some(bucket),
                ..
            } => bucket.keys().await.map(Some),
            _ => Ok(None),
        }
    }

    /// Keeps `files` (blocking: for threads that parse mail). In a folder
    /// they are written now; in the database they are returned, to be
    /// written with the records that name them.
    pub fn keep_now(&self, files: Vec<NewFile>) -> io::Result<Kept> {
        match self {
            Files::Folder(dir) => {
                for f in &files {
                    dir.put(&f.key, &f.bytes)?;
                }
                Ok(Kept::default())
            }
            Files::Database { .. } => Ok(Kept(Arc::new(files))),
            // From a thread that parses mail (never an async one).
            Files::S3 { bucket, .. } => {
                tokio::runtime::Handle::current().block_on(put_all(bucket, files))?;
                Ok(Kept::default())
            }
        }
    }

    /// As [`Files::keep_now`], off the async threads.
    pub async fn keep(&self, files: Vec<NewFile>) -> io::Result<Kept> {
        match self {
            Files::Folder(_) => {
                let this = self.clone();
                tokio::task::spawn_blocking(move || this.keep_now(files))
                    .await
                    .map_err(io::Error::other)?
            }
            Files::Database { .. } => self.keep_now(files),
            Files::S3 { bucket, .. } => {
                put_all(bucket, files).await?;
                Ok(Kept::default())
            }
        }
    }

    /// The bytes of the file `key`.
    pub async fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        if !is_key(key) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a blob key",
            ));
        }
        let (folder, not_found) = match self {
            Files::Folder(dir) => (Some(dir.clone()), ""),
            Files::Database {
                store,
                folder,
                bucket,
            } => {
                if let Some(bytes) = store.stored_file(key).await.map_err(io::Error::other)? {
                    return Ok(bytes);
                }
                if let Some(b) = bucket {
                    match b.get(key).await {
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        other => return other,
                    }
                }
                (folder.clone(), "the file is not in the database")
            }
            Files::S3 {
                bucket,
                folder,
                database,
            } => match bucket.get(key).await {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    if let Some(store) = database {
                        if let Some(bytes) =
                            store.stored_file(key).await.map_err(io::Error::other)?
                        {
                            return Ok(bytes);
                        }
                        // Moved out of the database between the two reads?
                        match bucket.get(key).await {
                            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                            other => return other,
                        }
                    }
                    (folder.clone(), "the file is not in the object store")
                }
                other => return other,
            },
        };
        let Some(folder) = folder else {
            return Err(io::Error::new(io::ErrorKind::NotFound, not_found));
        };
        let key = key.to_owned();
        tokio::task::spawn_blocking(move || folder.get(&key))
            .await
            .map_err(io::Error::other)?
    }
}

/// Writes files to the object store, a few at a time.
async fn put_all(bucket: &S3Files, files: Vec<NewFile>) -> io::Result<()> {
    for f in files {
        bucket.put(&f.key, f.bytes).await?;
    }
    Ok(())
}
