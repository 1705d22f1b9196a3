//! The file store: messages' originals, attachments, letters and logos,
//! addressed by the SHA-256 of their content, so the same bytes are kept
//! once and a key always means the same bytes.
//!
//! Two homes, chosen in the configuration ([`Files`]):
//! - a local folder (`LocalBlobs`), the default on SQLite: a file is
//!   written before the records that name it, so a record never names a
//!   missing file (a crash between leaves an unnamed file, harmless);
//! - the database (`files`), the default on PostgreSQL: every app server
//!   reads the same files, each written in the same transaction as the
//!   records that name it, and a dump of the database holds them all.

use crate::Store;
pub use crate::files::{Kept, NewFile};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Blobs as files under a folder: `ab/cd/abcd…`.
pub struct LocalBlobs {
    root: PathBuf,
}

/// Whether `key` is a file key (64 hex digits).
pub fn is_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit())
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
            return Ok(());
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

/// Where this installation keeps its files.
#[derive(Clone)]
pub enum Files {
    /// A local folder: one app server, or a folder every server shares.
    Folder(Arc<LocalBlobs>),
    /// The database; `folder` is where files were kept before they were
    /// moved in (`casework files move`), read while any are still there.
    Database {
        store: Store,
        folder: Option<Arc<LocalBlobs>>,
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
        }
    }

    /// "database" or "folder", for the start-up log and the status page.
    pub fn kind(&self) -> &'static str {
        match self {
            Files::Folder(_) => "folder",
            Files::Database { .. } => "database",
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
        let folder = match self {
            Files::Folder(dir) => dir.clone(),
            Files::Database { store, folder } => {
                if let Some(bytes) = store.stored_file(key).await.map_err(io::Error::other)? {
                    return Ok(bytes);
                }
                match folder {
                    Some(dir) => dir.clone(),
                    None => {
                        return Err(io::Error::new(
                            io::ErrorKind::NotFound,
                            "the file is not in the database",
                        ));
                    }
                }
            }
        };
        let key = key.to_owned();
        tokio::task::spawn_blocking(move || folder.get(&key))
            .await
            .map_err(io::Error::other)?
    }
}
