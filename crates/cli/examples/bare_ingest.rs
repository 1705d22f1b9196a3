//! The least work of mail ingest, for comparison with `casework mail
//! import` (bench/ingest.sh prints both, measured in the same run): read
//! each file of a Maildir, parse it with mail-parser, hash it, and insert
//! its headers and text into SQLite with an FTS5 index, 1,000 messages a
//! transaction. No filing, campaigns, attachments or history.
//!
//!   cargo run --release -p casework --example bare_ingest -- MAILDIR DB_FILE

use mail_parser::MessageParser;
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, maildir, db] = &args[..] else {
        eprintln!("usage: bare_ingest MAILDIR DB_FILE");
        std::process::exit(2);
    };
    let mut files = Vec::new();
    for sub in ["cur", "new"] {
        if let Ok(dir) = std::fs::read_dir(std::path::Path::new(maildir).join(sub)) {
            files.extend(dir.filter_map(|e| e.ok()).map(|e| e.path()));
        }
    }
    files.sort();
    let mut conn = SqliteConnectOptions::from_str(&format!("sqlite:{db}"))
        .unwrap()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .connect()
        .await
        .unwrap();
    for sql in [
        "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, hash TEXT UNIQUE, message_id TEXT, \
         subject TEXT, sender TEXT, body TEXT)",
        "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(subject, sender, body, \
         content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2')",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    let started = std::time::Instant::now();
    let parser = MessageParser::default();
    let mut stored = 0usize;
    for chunk in files.chunks(1000) {
        let mut tx = conn.begin().await.unwrap();
        for path in chunk {
            let Ok(raw) = std::fs::read(path) else {
                continue;
            };
            let hash = hex::encode(Sha256::digest(&raw));
            let (message_id, subject, sender, body) = match parser.parse(&raw) {
                Some(m) => (
                    m.message_id().unwrap_or("").to_owned(),
                    m.subject().unwrap_or("").to_owned(),
                    m.from()
                        .and_then(|f| f.first())
                        .and_then(|a| a.address())
                        .unwrap_or("")
                        .to_owned(),
                    m.body_text(0).map(|b| b.into_owned()).unwrap_or_default(),
                ),
                None => Default::default(),
            };
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO messages (hash, message_id, subject, sender, body) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (hash) DO NOTHING RETURNING id",
            )
            .bind(&hash)
            .bind(&message_id)
            .bind(&subject)
            .bind(&sender)
            .bind(&body)
            .fetch_optional(&mut *tx)
            .await
            .unwrap();
            if let Some(id) = id {
                sqlx::query(
                    "INSERT INTO messages_fts (rowid, subject, sender, body) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(&subject)
                .bind(&sender)
                .bind(&body)
                .execute(&mut *tx)
                .await
                .unwrap();
                stored += 1;
            }
        }
        tx.commit().await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "bare loop: {} files, {stored} stored in {secs:.1} s = {:.0} messages/s",
        files.len(),
        files.len() as f64 / secs
    );
}
