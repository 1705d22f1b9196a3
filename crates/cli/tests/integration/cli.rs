//! The command-line contract: offices, users, tokens, and a server started
//! by the binary itself, on SQLite and PostgreSQL.

use crate::harness::{Backend, postgres_url};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn casework(target: &[String], args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_casework"))
        .args(target)
        .args(args)
        .env_remove("CASEWORK_DATABASE_URL")
        .env_remove("CASEWORK_DATA_DIR")
        .env("CASEWORK_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn the_command_line_sets_up_an_office_and_a_token_that_works(backend: Backend) {
    let tag: String = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let dir = std::env::temp_dir().join(format!("casework-cli-{tag}"));
    let schema = format!("cli_{tag}");
    let target: Vec<String> = match backend {
        Backend::Sqlite => vec!["--data-dir".into(), dir.display().to_string()],
        Backend::Postgres => {
            casework_store::create_postgres_schema(&postgres_url(), &schema)
                .await
                .unwrap();
            // Attachments still live in a data directory beside the database.
            vec![
                "--database-url".into(),
                format!("{}?options=-c%20search_path%3D{schema}", postgres_url()),
                "--data-dir".into(),
                dir.display().to_string(),
            ]
        }
    };
    let (ok, _, err) = casework(
        &target,
        &[
            "user",
            "add",
            "--office",
            "Nowhere",
            "--role",
            "admin",
            "--email",
            "a@example.org",
            "--password-stdin",
        ],
        Some("long enough password\n"),
    );
    assert!(!ok);
    assert!(
        err.contains("There is no office called \"Nowhere\""),
        "{err}"
    );
    let (ok, out, err) = casework(&target, &["office", "add", "Office of Test MP"], None);
    assert!(ok, "{err}");
    assert!(out.contains("Created office Office of Test MP"));
    let (ok, _, err) = casework(&target, &["office", "add", "Office of Test MP"], None);
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = casework(
        &target,
        &[
            "user",
            "add",
            "--office",
            "Office of Test MP",
            "--role",
            "admin",
            "--email",
            "admin@example.org",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(!ok && err.contains("at least 10"), "{err}");
    let (ok, _, err) = casework(
        &target,
        &[
            "user",
            "add",
            "--office",
            "Office of Test MP",
            "--role",
            "admin",
            "--email",
            "admin@example.org",
            "--password-stdin",
        ],
        Some("long enough password\n"),
    );
    assert!(ok, "{err}");
    let (ok, out, err) = casework(
        &target,
        &["token", "create", "--email", "admin@example.org"],
        None,
    );
    assert!(ok, "{err}");
    let token = out.lines().last().unwrap().trim().to_owned();
    assert!(token.starts_with("cw_") && token.len() > 40, "{out}");

    // An IMAP mailbox: a wrong password is refused at once, the right one connects.
    let imap = crate::harness::ImapServer::start().await;
    imap.append(b"From: x@example.org\r\nSubject: Via IMAP\r\nMessage-ID: <cli1@x>\r\n\r\nHi\r\n");
    let port = imap.port.to_string();
    let add = [
        "mailbox",
        "add",
        "--office",
        "Office of Test MP",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--username",
        "office",
        "--password-stdin",
    ];
    let (ok, _, err) = casework(&target, &add, Some("wrong password\n"));
    assert!(!ok && err.contains("refused the sign-in"), "{err}");
    let (ok, out, err) = casework(&target, &add, Some(&format!("{}\n", imap.password)));
    assert!(
        ok && out.contains("Connected mailbox office"),
        "{out} {err}"
    );
    let (ok, out, err) = casework(&target, &["mailbox", "poll"], None);
    assert!(ok && out.contains("Imported 1 messages"), "{out} {err}");
    let (ok, out, _) = casework(&target, &["mailbox", "poll"], None);
    assert!(ok && out.contains("Imported 0 messages"), "{out}");
    // Importing a file prints what happened; twice imports nothing.
    let eml = std::env::temp_dir().join(format!("casework-cli-{tag}.eml"));
    std::fs::write(
        &eml,
        b"From: y@example.org\r\nSubject: From a file\r\nMessage-ID: <cli2@x>\r\n\r\nHi\r\n",
    )
    .unwrap();
    let path = eml.display().to_string();
    let (ok, out, err) = casework(
        &target,
        &["mail", "import", &path, "--office", "Office of Test MP"],
        None,
    );
    assert!(
        ok && out.contains("Imported 1 messages")
            && out.contains("skipped 0")
            && out.contains("rejected 0"),
        "{out} {err}"
    );
    let (ok, out, _) = casework(
        &target,
        &["mail", "import", &path, "--office", "Office of Test MP"],
        None,
    );
    assert!(
        ok && out.contains("Imported 0 messages") && out.contains("skipped 1"),
        "{out}"
    );
    let _ = std::fs::remove_file(eml);

    // The binary's own server, on a port it picks, with the token.
    let mut server = Command::new(env!("CARGO_BIN_EXE_casework"))
        .args(&target)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CASEWORK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .trim_start_matches("Casework is running at ")
        .trim_end_matches('/')
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    let client = reqwest::Client::new();
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let me: serde_json::Value = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "admin@example.org");
    assert_eq!(me["role"], "admin");
    server.kill().unwrap();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(dir);
    if backend == Backend::Postgres {
        casework_store::drop_postgres_schema(&postgres_url(), &schema)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_sets_up_an_office_and_a_token_that_works_on_sqlite() {
    the_command_line_sets_up_an_office_and_a_token_that_works(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_sets_up_an_office_and_a_token_that_works_on_postgres() {
    the_command_line_sets_up_an_office_and_a_token_that_works(Backend::Postgres).await;
}

#[test]
fn help_documents_every_command() {
    let (ok, out, _) = casework(&[], &["--help"], None);
    assert!(ok);
    for command in [
        "serve", "office", "user", "token", "demo", "migrate", "openapi", "mail", "mailbox",
    ] {
        assert!(out.contains(command), "--help lists {command}");
    }
    let (ok, out, _) = casework(&[], &["mail", "import", "--help"], None);
    assert!(ok && out.contains("--office") && out.contains("--batch"));
    let (ok, out, _) = casework(&[], &["mailbox", "add", "--help"], None);
    assert!(
        ok && [
            "--host",
            "--port",
            "--username",
            "--password-stdin",
            "--tls",
            "--starttls",
            "--folder"
        ]
        .iter()
        .all(|f| out.contains(f)),
        "{out}"
    );
    let (ok, out, _) = casework(&[], &["serve", "--help"], None);
    assert!(
        ok && out.contains("--demo")
            && out.contains("--listen")
            && out.contains("--data-dir")
            && out.contains("--database-url")
    );
}

/// `casework demo --constituents N` builds an office of that size; the
/// data directory can come from `CASEWORK_DATA_DIR` instead of a flag.
#[test]
fn demo_builds_an_office_of_the_asked_size_where_casework_data_dir_says() {
    let dir = std::env::temp_dir().join(format!("casework-demo-{}", crate::harness::unique()));
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_casework"))
            .args(args)
            .env_remove("CASEWORK_DATABASE_URL")
            .env("CASEWORK_DATA_DIR", &dir)
            .env("CASEWORK_LOG", "warn")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Above 5,000 the bulk generator is used (as for a million).
    let (ok, out, err) = run(&["demo", "--constituents", "6000", "--office", "Size Test"]);
    assert!(ok, "{err}");
    assert!(out.contains("Built Size Test: 6000 constituents"), "{out}");
    assert!(
        dir.join("casework.db").is_file(),
        "the database is in CASEWORK_DATA_DIR"
    );
    // The same database: the office is there.
    let (ok, _, err) = run(&["office", "add", "Size Test"]);
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, out, err) = run(&["demo", "--constituents", "40", "--office", "Small Test"]);
    assert!(
        ok && out.contains("Built Small Test: 40 constituents"),
        "{out}{err}"
    );
    // Mail per case out of range (or not a number) is refused before
    // anything is written: the office's name is still free.
    for bad in ["1001", "-1", "NaN"] {
        let arg = format!("--emails-per-case={bad}");
        let (ok, _, err) = run(&[
            "demo",
            "--constituents",
            "6000",
            &arg,
            "--office",
            "Too Much",
        ]);
        assert!(!ok && err.contains("between 0 and 1,000"), "{bad}: {err}");
    }
    let (ok, _, err) = run(&["office", "add", "Too Much"]);
    assert!(ok, "no half-made office is left behind: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}
