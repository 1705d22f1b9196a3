//! Safekeeping: a backup made while the server runs restores every record
//! and file byte for byte; files move from the local folder into the
//! database in steps, each checked; two app servers with their own data
//! folders on one PostgreSQL database read each other's files; files no
//! record names are swept from the folder and the bucket.

use crate::harness::{Backend, ImapServer, TestApp, free_port, postgres_url, unique};
use crate::mail::corpus_dir;
use crate::on_both_backends;
use casework_app::App;
use casework_app::domain::Role;
use casework_store::blobs::{Files, LocalBlobs, NewFile};
use casework_store::s3::{S3Files, S3Settings};
use casework_store::{ConnectOptions, Store};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

on_both_backends!(
    a_backup_made_while_the_server_runs_restores_every_record_and_file_byte_for_byte,
    files_move_from_the_folder_into_the_database_in_steps_each_checked,
    files_in_an_object_store_are_shared_checked_backed_up_restored_and_moved_in,
    unnamed_files_are_swept_from_the_folder_and_the_bucket_and_named_and_recent_ones_kept,
    files_move_from_a_bucket_back_into_the_database_in_steps,
);

/// Runs the `casework` binary on `t`'s database and data folder.
fn casework(t: &TestApp, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    casework_on(&t.database_url(), &t.data_dir(), args, env)
}

fn casework_on(
    database_url: &str,
    data_dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casework"))
        .args(["--database-url", database_url, "--data-dir"])
        .arg(data_dir)
        .args(args)
        .env_remove("CASEWORK_DATABASE_URL")
        .env_remove("CASEWORK_DATA_DIR")
        .env_remove("CASEWORK_FILES")
        .envs(env.iter().copied())
        .env("CASEWORK_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An office with the whole mail corpus imported through `app` (originals
/// and attachments).
async fn office_with_mail(t: &TestApp, app: &App) -> i64 {
    let office = t.office("Office").await;
    let report = casework_app::intake::import_path(app, office, &corpus_dir(), 200)
        .await
        .unwrap();
    assert!(report.imported > 300, "{report:?}");
    office
}

/// As [`office_with_mail`], and a letter made through the API (a PDF).
async fn office_with_files(t: &TestApp, app: &App) -> i64 {
    let office = office_with_mail(t, app).await;
    let user = t.user(office, Role::OfficeManager).await;
    let api = t.api(&user);
    let person = api.constituent("Ada", "Lindqvist").await;
    let case = api.case(person, json!({})).await;
    api.letter(
        case["id"].as_i64().unwrap(),
        json!({"body": "Dear Ada,\n\nYour passport is on its way.\n"}),
    )
    .await;
    office
}

fn without_backups(digests: Vec<(String, i64, String)>) -> Vec<(String, i64, String)> {
    digests
        .into_iter()
        .filter(|(t, _, _)| t != "backups")
        .collect()
}

/// Copies a folder and what it holds.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

/// A new, empty PostgreSQL database (dropped by the guard).
struct Database(String);

impl Database {
    async fn create() -> Database {
        let name = format!("restore_{}", unique());
        let pool = sqlx::PgPool::connect(&postgres_url()).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        Database(name)
    }

    fn url(&self) -> String {
        let base = postgres_url();
        let server = base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s);
        format!("{server}/{}", self.0)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let name = self.0.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(pool) = sqlx::PgPool::connect(&postgres_url()).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    )))
                    .execute(&pool)
                    .await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

/// Where a backup of `t` is restored: (the binary's database URL, its data
/// folder, how to open it, the database to drop afterwards).
async fn restore_target(t: &TestApp) -> (String, PathBuf, ConnectOptions, Option<Database>) {
    let dir = std::env::temp_dir().join(format!("casework-restored-{}", unique()));
    match t.backend {
        Backend::Sqlite => {
            let url = format!("sqlite:{}", dir.join("casework.db").display());
            (url.clone(), dir, ConnectOptions::new(url), None)
        }
        Backend::Postgres => {
            // The dump holds the test's schema, which the new database gets.
            let db = Database::create().await;
            let schema = t.schema().unwrap().to_owned();
            let url = format!("{}?options=-c%20search_path%3D{schema}", db.url());
            let mut opts = ConnectOptions::new(db.url());
            opts.schema = Some(schema);
            (url, dir, opts, Some(db))
        }
    }
}

async fn a_backup_made_while_the_server_runs_restores_every_record_and_file_byte_for_byte(
    t: TestApp,
) {
    let office = office_with_files(&t, &t.app).await;
    // The administrators' status page asks for a backup until one is made.
    let admin = t.user(office, Role::Admin).await;
    let browser = t.browser();
    browser
        .sign_in(&admin.email, crate::harness::PASSWORD)
        .await;
    let status = browser.get("/admin/status").await.html;
    assert!(
        status.contains("No backup has been made") && status.contains("A backup is due"),
        "{status}"
    );
    let keys = t.store.file_keys().await.unwrap();
    assert!(keys.len() > 300, "{} files", keys.len());

    // The server (t) is running while the backup is made.
    let dest = std::env::temp_dir().join(format!("casework-backup-{}", unique()));
    let dest_arg = dest.display().to_string();
    let (ok, out, err) = casework(&t, &["backup", &dest_arg], &[]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("Backed up"), "{out}");
    // What was backed up (the binary brings an office's data up to date
    // when it starts, as every command does: read after it). The record
    // of the backup itself is written after the copy: not compared.
    let digests = without_backups(t.store.table_digests().await.unwrap());
    let status = browser.get("/admin/status").await.html;
    assert!(
        status.contains("The last backup was made") && !status.contains("A backup is due"),
        "{status}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dest.join("manifest.json")).unwrap())
            .unwrap();
    match t.backend {
        // SQLite keeps its files in the folder: the backup holds them all.
        Backend::Sqlite => assert_eq!(manifest["files"], keys.len(), "{manifest}"),
        // PostgreSQL keeps them in the database: the dump holds them.
        Backend::Postgres => assert_eq!(manifest["files"], 0, "{manifest}"),
    }
    // A second backup into the same folder is refused.
    let (ok, _, err) = casework(&t, &["backup", &dest_arg], &[]);
    assert!(!ok && err.contains("not empty"), "{err}");

    // A damaged backup is refused before anything is written.
    let damaged = std::env::temp_dir().join(format!("casework-damaged-{}", unique()));
    std::fs::create_dir_all(&damaged).unwrap();
    for entry in std::fs::read_dir(&dest).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, damaged.join(p.file_name().unwrap())).unwrap();
        }
    }
    let db_file = manifest["database_file"].as_str().unwrap();
    let mut bytes = std::fs::read(damaged.join(db_file)).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(damaged.join(db_file), bytes).unwrap();
    let (url, dir, opts, _db) = restore_target(&t).await;
    let (ok, _, err) = casework_on(
        &url,
        &dir,
        &["restore", &damaged.display().to_string()],
        &[],
    );
    assert!(!ok && err.contains("damaged"), "{err}");
    assert!(!dir.join("casework.db").exists(), "nothing written");

    // A backup whose files were not all copied (a copy cut short) is
    // refused before anything is written.
    if manifest["files"].as_u64().unwrap() > 0 {
        let short = std::env::temp_dir().join(format!("casework-short-{}", unique()));
        copy_tree(&dest, &short);
        let one = LocalBlobs::new(short.join("files")).keys().unwrap()[0].clone();
        std::fs::remove_file(LocalBlobs::new(short.join("files")).path(&one).unwrap()).unwrap();
        let (url, dir, _, _db) = restore_target(&t).await;
        let (ok, _, err) = casework_on(&url, &dir, &["restore", &short.display().to_string()], &[]);
        assert!(!ok && err.contains("not all there"), "{err}");
        assert!(!dir.join("casework.db").exists() && !dir.join("blobs").exists());
        let _ = std::fs::remove_dir_all(&short);
    }
    // Files kept in the database are never silently lost by a change of
    // setting: the binary refuses to start and says why.
    if t.backend == Backend::Postgres {
        let (ok, _, err) = casework(&t, &["files", "check"], &[("CASEWORK_FILES", "folder")]);
        assert!(
            !ok && err.contains("set files = \"database\" again"),
            "{err}"
        );
    }

    // Restored into a new place: every table's rows and every file.
    let (ok, out, err) = casework_on(&url, &dir, &["restore", &dest_arg], &[]);
    assert!(ok, "{out}{err}");
    let restored = Store::open(&opts).await.unwrap();
    assert_eq!(
        without_backups(restored.table_digests().await.unwrap()),
        digests
    );
    let files = match t.backend {
        Backend::Sqlite => Files::folder(dir.join("blobs")),
        Backend::Postgres => Files::database(restored.clone(), None),
    };
    for key in &keys {
        let got = files.get(key).await.unwrap();
        assert_eq!(got, t.app.files.get(key).await.unwrap(), "{key}");
    }
    let (ok, out, err) = casework_on(&url, &dir, &["files", "check"], &[]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&format!(
            "{} files named by records; {} read back whole",
            keys.len(),
            keys.len()
        )),
        "{out}"
    );

    // Restoring over a database that has data is refused; it is unchanged.
    let (ok, _, err) = casework_on(&url, &dir, &["restore", &dest_arg], &[]);
    assert!(!ok, "{err}");
    assert!(
        err.contains("exists already") || err.contains("already holds"),
        "{err}"
    );
    assert_eq!(
        without_backups(restored.table_digests().await.unwrap()),
        digests
    );
    restored.close().await;
    for d in [&dest, &damaged, &dir] {
        let _ = std::fs::remove_dir_all(d);
    }
}

async fn files_move_from_the_folder_into_the_database_in_steps_each_checked(t: TestApp) {
    // An installation that kept its files in the folder.
    let folder = t.data_dir().join("blobs");
    let old = App::new(
        t.store.clone(),
        Files::folder(&folder),
        t.app.settings.clone(),
    );
    office_with_files(&t, &old).await;
    let local = LocalBlobs::new(&folder);
    let mut keys = local.keys().unwrap();
    // One file damaged on disk: it must not be moved as if it were good.
    let bad = keys.pop().unwrap();
    std::fs::write(local.path(&bad).unwrap(), b"not what the name says").unwrap();
    let total = keys.len() + 1;
    let database = [("CASEWORK_FILES", "database")];

    // The first run stops after 100 files, as if interrupted.
    let (ok, out, err) = casework(&t, &["files", "move", "--limit", "100"], &database);
    assert!(ok, "{out}{err}");
    assert!(out.contains("Moved 100 files"), "{out}");
    assert!(out.contains("files are left"), "{out}");
    // Meanwhile the server reads every file, moved or not.
    let reading = Files::database(t.store.clone(), Some(folder.clone()));
    for key in &keys {
        assert_eq!(reading.get(key).await.unwrap(), local.get(key).unwrap());
    }
    // Run again: it goes on where it stopped.
    let (ok, out, err) = casework(&t, &["files", "move"], &database);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&format!("Moved {} files", total - 101)),
        "{out}"
    );
    assert!(out.contains("100 were there already"), "{out}");
    assert!(out.contains(&bad), "the damaged file is named: {out}");
    // Every good file is in the database, byte for byte; the damaged one is not.
    let only_database = Files::database(t.store.clone(), None);
    for key in &keys {
        assert_eq!(
            only_database.get(key).await.unwrap(),
            local.get(key).unwrap()
        );
    }
    assert!(only_database.get(&bad).await.is_err());
    assert!(!t.store.has_stored_file(&bad).await.unwrap());
    // `files check` reads them all back and names the damaged one.
    let (ok, out, err) = casework(&t, &["files", "check"], &database);
    assert!(!ok, "{out}");
    assert!(err.contains(&bad) && err.contains("1 damaged"), "{err}");
    // A third run has nothing left to move.
    let (ok, out, _) = casework(&t, &["files", "move"], &database);
    assert!(ok && out.contains("Moved 0 files"), "{out}");
    // A backup copies every good file it finds, leaves the damaged one
    // out, names it and fails, so that the nightly job is noticed.
    let dest = std::env::temp_dir().join(format!("casework-backup-{}", unique()));
    let (ok, out, err) = casework(&t, &["backup", &dest.display().to_string()], &database);
    assert!(
        !ok && err.contains(&bad) && err.contains("damaged"),
        "{out}{err}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dest.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["damaged"], json!([bad]));
    assert_eq!(manifest["files"], keys.len());
    let _ = std::fs::remove_dir_all(&dest);
}

/// An S3-compatible server (s3rver, from tests/s3: it checks each
/// request's signature against its one key pair), with two buckets.
struct S3Server {
    child: std::process::Child,
    dir: PathBuf,
    port: u16,
}

impl S3Server {
    const BUCKETS: [&str; 2] = ["casework", "restored"];

    async fn start() -> S3Server {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("casework-s3-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/s3/node_modules/.bin/s3rver");
        let mut cmd = Command::new(&bin);
        cmd.arg("-d")
            .arg(&dir)
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "--silent"]);
        for b in Self::BUCKETS {
            cmd.args(["--configure-bucket", b]);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "s3rver ({}; .ci/run installs it: cd tests/s3 && npm ci): {e}",
                    bin.display()
                )
            });
        let server = S3Server { child, dir, port };
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("s3rver did not start");
    }

    fn settings(&self, bucket: &str) -> S3Settings {
        S3Settings {
            endpoint: format!("http://127.0.0.1:{}", self.port),
            bucket: bucket.into(),
            region: String::new(),
            access_key: "S3RVER".into(),
            secret_key: "S3RVER".into(),
            path_style: true,
        }
    }

    fn files(&self, bucket: &str) -> Files {
        Files::s3(S3Files::new(&self.settings(bucket)).unwrap(), None, None)
    }

    /// The binary's configuration for the bucket.
    fn env(&self, bucket: &str) -> Vec<(String, String)> {
        vec![
            ("CASEWORK_FILES".into(), "s3".into()),
            (
                "CASEWORK_S3_ENDPOINT".into(),
                format!("http://127.0.0.1:{}", self.port),
            ),
            ("CASEWORK_S3_BUCKET".into(), bucket.into()),
            ("CASEWORK_S3_ACCESS_KEY".into(), "S3RVER".into()),
            ("CASEWORK_S3_SECRET_KEY".into(), "S3RVER".into()),
        ]
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn pairs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn files_in_an_object_store_are_shared_checked_backed_up_restored_and_moved_in(t: TestApp) {
    let s3 = S3Server::start().await;
    // Mail imported through one app server keeps its files in the bucket.
    let app = App::new(
        t.store.clone(),
        s3.files("casework"),
        t.app.settings.clone(),
    );
    office_with_mail(&t, &app).await;
    let keys = t.store.file_keys().await.unwrap();
    assert!(keys.len() > 300);
    // Another app server (its own client) reads every one; nothing is in
    // a folder or the database.
    let other = s3.files("casework");
    let mut sizes = 0;
    for key in &keys {
        let bytes = other.get(key).await.unwrap();
        assert_eq!(casework_store::files::file_key(&bytes), *key);
        sizes += bytes.len();
    }
    assert!(sizes > 0);
    assert!(!t.data_dir().join("blobs").exists());
    assert_eq!(t.store.stored_file_totals().await.unwrap().0, 0);
    let env = s3.env("casework");
    let (ok, out, err) = casework(&t, &["files", "check"], &pairs(&env));
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&format!(
            "{} files named by records; {} read back whole (s3 store)",
            keys.len(),
            keys.len()
        )),
        "{out}"
    );
    // A key the store does not know is refused, and said so. (s3rver
    // checks the access key; it does not check version 4 signatures,
    // which rusty-s3 makes and its own tests check.)
    let mut wrong = env.clone();
    wrong[3].1 = "NOT-A-KEY".into();
    let (ok, _, err) = casework(&t, &["files", "check"], &pairs(&wrong));
    assert!(
        !ok && err.contains("refused") && err.contains("s3.access_key"),
        "{err}"
    );
    // A backup that cannot read the bucket fails, says why, and leaves no
    // half-written folder to be mistaken for a backup.
    let failed = std::env::temp_dir().join(format!("casework-backup-{}", unique()));
    let (ok, _, err) = casework(
        &t,
        &["backup", &failed.display().to_string()],
        &pairs(&wrong),
    );
    assert!(!ok && err.contains("s3.access_key"), "{err}");
    assert!(!failed.exists(), "nothing left behind");

    // The backup copies the bucket's files (a dump does not hold them);
    // the restore puts them into another bucket, byte for byte.
    let dest = std::env::temp_dir().join(format!("casework-backup-{}", unique()));
    let dest_arg = dest.display().to_string();
    let (ok, out, err) = casework(&t, &["backup", &dest_arg], &pairs(&env));
    assert!(ok, "{out}{err}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dest.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["files"], keys.len(), "{manifest}");
    let (url, dir, opts, _db) = restore_target(&t).await;
    let restored_env = s3.env("restored");
    let (ok, out, err) = casework_on(&url, &dir, &["restore", &dest_arg], &pairs(&restored_env));
    assert!(ok, "{out}{err}");
    let restored = s3.files("restored");
    for key in &keys {
        assert_eq!(
            restored.get(key).await.unwrap(),
            other.get(key).await.unwrap()
        );
    }
    let restored_store = Store::open(&opts).await.unwrap();
    assert_eq!(restored_store.file_keys().await.unwrap(), keys);
    restored_store.close().await;

    // Files kept in a folder, and in the database, before: moved into the
    // bucket in steps (read from where they are meanwhile), and then gone
    // from the database.
    let local = LocalBlobs::new(t.data_dir().join("blobs"));
    let new: Vec<NewFile> = (0..5)
        .map(|i| NewFile::new(format!("scanned page {i} {}", unique()).into_bytes()))
        .collect();
    for f in &new[..3] {
        local.put(&f.key, &f.bytes).unwrap();
    }
    for f in &new[3..] {
        t.store.store_file(f.clone()).await.unwrap();
    }
    let reading = Files::s3(
        S3Files::new(&s3.settings("casework")).unwrap(),
        Some(t.data_dir().join("blobs")),
        Some(t.store.clone()),
    );
    let (ok, out, err) = casework(&t, &["files", "move", "--limit", "2"], &pairs(&env));
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("Moved 2 files") && out.contains("object store"),
        "{out}"
    );
    assert!(out.contains("3 files are left"), "{out}");
    for f in &new {
        assert_eq!(reading.get(&f.key).await.unwrap(), f.bytes);
    }
    let (ok, out, err) = casework(&t, &["files", "move"], &pairs(&env));
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("Moved 3 files") && out.contains("2 were there already"),
        "{out}"
    );
    for f in &new {
        assert_eq!(other.get(&f.key).await.unwrap(), f.bytes);
    }
    for f in &new[3..] {
        assert!(
            !t.store.has_stored_file(&f.key).await.unwrap(),
            "out of the database"
        );
    }
    assert!(!t.store.has_stored_files().await.unwrap());
    for d in [&dest, &dir] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// A `casework serve` process, killed when dropped (also when a test fails).
struct Server(std::process::Child, PathBuf);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

/// Its address, from the line it prints when it listens.
fn address(log: &Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    let at = text.find("running at http://")? + "running at http://".len();
    Some(
        text[at..]
            .split_whitespace()
            .next()?
            .trim_end_matches('/')
            .to_owned(),
    )
}

/// Files no record names (a server stopped between keeping a file and
/// saving its record) are removed by `files sweep`, from the folder and
/// from the bucket; named files and recent unnamed ones stay.
async fn unnamed_files_are_swept_from_the_folder_and_the_bucket_and_named_and_recent_ones_kept(
    t: TestApp,
) {
    let unnamed = |n: u8| NewFile::new(format!("unnamed {n}").into_bytes());
    let day_ago = std::time::SystemTime::now() - Duration::from_secs(25 * 3600);
    // The folder, through the command line.
    let folder_files = Files::folder(t.data_dir().join("blobs"));
    let app = App::new(t.store.clone(), folder_files, t.app.settings.clone());
    three_letters_by_email(&t, &app).await;
    let named = t.store.file_keys().await.unwrap();
    assert_eq!(named.len(), 6, "three originals and three attachments");
    let dir = LocalBlobs::new(t.data_dir().join("blobs"));
    let written_a_day_ago = |key: &str| {
        std::fs::File::options()
            .write(true)
            .open(dir.path(key).unwrap())
            .unwrap()
            .set_modified(day_ago)
            .unwrap();
    };
    let (old, recent) = (unnamed(1), unnamed(2));
    for f in [&old, &recent] {
        dir.put(&f.key, &f.bytes).unwrap();
    }
    written_a_day_ago(&old.key);
    // A named file written long ago is never a candidate.
    written_a_day_ago(&named[0]);
    let folder = [("CASEWORK_FILES", "folder")];
    let (ok, out, err) = casework(&t, &["files", "sweep", "--dry-run"], &folder);
    assert!(ok, "{out}{err}");
    let expected = format!(
        "8 files in the folder; 1 named by no record and older than 24 h ({} bytes), not removed (dry run); 1 unnamed but recent, kept.",
        old.bytes.len()
    );
    assert!(out.contains(&expected), "{out}");
    assert!(
        dir.path(&old.key).unwrap().exists(),
        "a dry run removes nothing"
    );
    let (ok, out, err) = casework(&t, &["files", "sweep"], &folder);
    assert!(ok && out.contains("), removed;"), "{out}{err}");
    assert!(!dir.path(&old.key).unwrap().exists());
    assert!(dir.path(&recent.key).unwrap().exists());
    assert_eq!(dir.keys().unwrap().len(), 7);
    let (ok, out, err) = casework(&t, &["files", "check"], &folder);
    assert!(ok && out.contains("6 read back whole"), "{out}{err}");
    // Kept again while unnamed (the same bytes arriving once more): it
    // counts as written now, so a sweep spares it for its new record.
    dir.put(&old.key, &old.bytes).unwrap();
    written_a_day_ago(&old.key);
    dir.put(&old.key, &old.bytes).unwrap();
    let (ok, out, err) = casework(&t, &["files", "sweep", "--dry-run"], &folder);
    assert!(ok && out.contains("; 0 named by no record"), "{out}{err}");
    // Refused: nonsense hours.
    let (ok, _, err) = casework(&t, &["files", "sweep", "--older-than-hours", "0"], &folder);
    assert!(!ok && err.contains("older-than-hours"), "{err}");

    // The bucket (the store's own sweep: an object's time cannot be set).
    let s3 = S3Server::start().await;
    let bucket = s3.files("casework");
    for key in &named {
        let bytes = dir.get(key).unwrap();
        bucket.put_now(NewFile::new(bytes)).await.unwrap();
    }
    bucket.put_now(unnamed(3)).await.unwrap();
    let now = std::time::SystemTime::now();
    let spared = bucket
        .sweep(&t.store, now - Duration::from_secs(3600), false)
        .await
        .unwrap();
    assert_eq!((spared.files, spared.unnamed, spared.recent), (7, 0, 1));
    let swept = bucket
        .sweep(&t.store, now + Duration::from_secs(60), false)
        .await
        .unwrap();
    assert_eq!((swept.files, swept.unnamed, swept.recent), (7, 1, 0));
    assert_eq!(swept.bytes, unnamed(3).bytes.len() as u64);
    let left = bucket.object_store_keys().await.unwrap().unwrap();
    assert_eq!(
        left, named,
        "every named file stays, the unnamed one is gone"
    );
    // In the database, files are written with their records: nothing to sweep.
    let env = s3.env("casework");
    let (ok, out, err) = casework(&t, &["files", "sweep"], &[("CASEWORK_FILES", "database")]);
    assert!(ok && out.contains("nothing to sweep"), "{out}{err}");
    let (ok, out, err) = casework(&t, &["files", "sweep", "--dry-run"], &pairs(&env));
    assert!(
        ok && out.contains("6 files in the object store; 0 named by no record"),
        "{out}{err}"
    );
}

/// An installation leaving its object store sets `files = "database"`,
/// keeps its `[s3]` settings while it moves the files in, and reads each
/// file from the bucket until then.
async fn files_move_from_a_bucket_back_into_the_database_in_steps(t: TestApp) {
    let s3 = S3Server::start().await;
    let app = App::new(
        t.store.clone(),
        s3.files("casework"),
        t.app.settings.clone(),
    );
    three_letters_by_email(&t, &app).await;
    let keys = t.store.file_keys().await.unwrap();
    assert_eq!(keys.len(), 6);
    assert_eq!(t.store.stored_file_totals().await.unwrap().0, 0);
    let mut env = s3.env("casework");
    env[0].1 = "database".into();
    let leaving = pairs(&env);
    // Read from the bucket meanwhile.
    let (ok, out, err) = casework(&t, &["files", "check"], &leaving);
    assert!(
        ok && out.contains("6 read back whole (database store)"),
        "{out}{err}"
    );
    // In steps, each checked; run again to go on.
    let (ok, out, err) = casework(&t, &["files", "move", "--limit", "4"], &leaving);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("Moved 4 files") && out.contains("2 files are left"),
        "{out}"
    );
    let (ok, out, err) = casework(&t, &["files", "move"], &leaving);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("Moved 2 files") && out.contains("4 were there already"),
        "{out}"
    );
    assert_eq!(t.store.stored_file_totals().await.unwrap().0, 6);
    // Every file is now in the database alone; the bucket is left as it was.
    let database = [("CASEWORK_FILES", "database")];
    let (ok, out, err) = casework(&t, &["files", "check"], &database);
    assert!(
        ok && out.contains("6 read back whole (database store)"),
        "{out}{err}"
    );
    let only_database = Files::database(t.store.clone(), None);
    for key in &keys {
        assert!(only_database.get_here(key).await.unwrap().is_some());
    }
    assert_eq!(
        s3.files("casework")
            .object_store_keys()
            .await
            .unwrap()
            .unwrap(),
        keys
    );
}

/// An office with three messages imported through `app`, each with an
/// attachment: six files.
async fn three_letters_by_email(t: &TestApp, app: &App) {
    use casework_app::intake::{RawMessage, ingest};
    let office = t.office("Office").await;
    let batch = (1..=3)
        .map(|i| RawMessage {
            source: format!("m{i}"),
            bytes: attachment_message(i),
        })
        .collect();
    assert_eq!(ingest(app, office, batch).await.unwrap().imported, 3);
}

fn attachment_message(i: usize) -> Vec<u8> {
    let pdf = format!(
        "%PDF-1.4\n% scanned letter {i}\n{}\n",
        "x".repeat(i * 37 % 5000)
    );
    let encoded = base64_lines(pdf.as_bytes());
    format!(
        "From: person{i}@example.net\r\nTo: office@riverside.example\r\nSubject: Letter {i}\r\n\
         Message-ID: <shared-{i}@example.net>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n\
         --b{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease see the letter {i} {}.\r\n\
         --b{i}\r\nContent-Type: application/pdf; name=\"letter-{i}.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"letter-{i}.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
         {encoded}\r\n--b{i}--\r\n",
        i * 7919 % 104_729
    )
    .into_bytes()
}

fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine;
    let s = base64::engine::general_purpose::STANDARD.encode(bytes);
    s.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// The office's incoming messages.
async fn incoming(t: &TestApp, office: i64) -> Vec<casework_store::CorrespondenceSummary> {
    let filter = casework_store::MessageFilter {
        direction: Some("in".into()),
        ..Default::default()
    };
    t.data(office)
        .list_messages(&filter, None, 1000)
        .await
        .unwrap()
        .items
}

/// Two `casework serve` processes with their own data folders on one
/// PostgreSQL database, as two hosts would run them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_app_servers_with_their_own_folders_share_every_file_and_carry_on_when_one_dies() {
    const MESSAGES: usize = 400;
    let t = TestApp::spawn(Backend::Postgres).await;
    let imap = ImapServer::start().await;
    imap.append_all(&(0..MESSAGES).map(attachment_message).collect::<Vec<_>>());
    let office = t.office("Office").await;
    let user = t.user(office, Role::OfficeManager).await;
    casework_app::mailboxes::add(&t.app, office, &imap.settings(), false)
        .await
        .unwrap();
    let server = |name: &str| {
        let data = std::env::temp_dir().join(format!("casework-host-{name}-{}", unique()));
        std::fs::create_dir_all(&data).unwrap();
        let log = data.join("server.log");
        let child = Command::new(env!("CARGO_BIN_EXE_casework"))
            .args(["--database-url", &t.database_url(), "--data-dir"])
            .arg(&data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env_remove("CASEWORK_FILES")
            .env("CASEWORK_JOB_LEASE_SECONDS", "10")
            .env("CASEWORK_MAIL_POLL_SECONDS", "5")
            .env("CASEWORK_LOG", "info")
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        (Server(child, data), log)
    };
    let fetched = || async { t.data(office).count_fetched().await.unwrap() as usize };

    // Host A starts fetching the mailbox and is killed part way.
    let (mut a, a_log) = server("a");
    let started = Instant::now();
    while fetched().await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "nothing fetched"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.0.kill().unwrap();
    a.0.wait().unwrap();
    let at_kill = fetched().await;
    assert!(at_kill < MESSAGES, "killed too late: {at_kill} fetched");
    let a_address = address(&a_log);

    // Host B, with a data folder of its own, carries on.
    let (b, b_log) = server("b");
    let started = Instant::now();
    while fetched().await < MESSAGES {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "{} of {MESSAGES}: {}",
            fetched().await,
            std::fs::read_to_string(&b_log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let b_address = loop {
        if let Some(a) = address(&b_log) {
            break a;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_ne!(Some(b_address.clone()), a_address);
    // Nothing in either folder: the files are in the database.
    assert!(!b.1.join("blobs").exists());

    // Every message stored once, and every original and attachment,
    // whichever host fetched it, read through host B byte for byte.
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        let url = format!("http://{b_address}{path}");
        let token = user.token.clone();
        async move {
            let r = client.get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), reqwest::StatusCode::OK);
            r.bytes().await.unwrap().to_vec()
        }
    };
    let sent: std::collections::HashMap<String, Vec<u8>> = (0..MESSAGES)
        .map(|i| (format!("shared-{i}@example.net"), attachment_message(i)))
        .collect();
    let stored = incoming(&t, office).await;
    assert_eq!(stored.len(), MESSAGES, "each message stored once");
    for m in &stored {
        let c = t.data(office).correspondence(m.id).await.unwrap();
        let raw = get(format!("/api/v1/correspondence/{}/raw", m.id)).await;
        assert_eq!(
            Some(&raw),
            sent.get(&c.message_id),
            "original of {}",
            c.message_id
        );
        let attachments = t.data(office).attachments(m.id).await.unwrap();
        assert_eq!(attachments.len(), 1);
        let pdf = get(format!(
            "/api/v1/correspondence/{}/attachments/{}",
            m.id, attachments[0].id
        ))
        .await;
        assert!(pdf.starts_with(b"%PDF-1.4\n% scanned letter "));
        assert_eq!(casework_store::files::file_key(&pdf), attachments[0].blob);
    }

    // A letter made through B reads back through A, restarted with its
    // own (empty) folder, while B runs: and both poll one mailbox.
    let (a2, a2_log) = server("a2");
    let a2_address = loop {
        if let Some(a) = address(&a2_log) {
            break a;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let api_b = crate::harness::Api {
        base: format!("http://{b_address}"),
        token: user.token.clone(),
        client: reqwest::Client::new(),
    };
    let person = api_b.constituent("Ada", "Lindqvist").await;
    let case = api_b.case(person, json!({})).await;
    let letter = api_b
        .letter(
            case["id"].as_i64().unwrap(),
            json!({"body": "Dear Ada,\n\nYour passport is on its way.\n"}),
        )
        .await;
    let r = client
        .get(format!(
            "http://{a2_address}/api/v1/correspondence/{letter}/raw"
        ))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    // More mail while both run: each message stored exactly once.
    let more: Vec<Vec<u8>> = (MESSAGES..MESSAGES + 50).map(attachment_message).collect();
    imap.append_all(&more);
    let started = Instant::now();
    while fetched().await < MESSAGES + 50 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{}",
            fetched().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(6)).await; // another poll on each
    let stored = incoming(&t, office).await;
    assert_eq!(stored.len(), MESSAGES + 50, "each message stored once");
    drop((a2, b));
}
