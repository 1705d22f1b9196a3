//! Fetching from a real IMAP server: exactly once across polls and lost
//! positions, filing, clear errors, and the whole round trip with SMTP.

use crate::harness::{ImapServer, SmtpSink, TestApp};
use crate::on_both_backends;
use casework_app::Settings;
use casework_app::domain::Role;
use casework_app::mailboxes::{add, poll_one};
use casework_app::outbox::deliver_due;
use serde_json::json;

on_both_backends!(
    a_mailbox_is_polled_and_each_message_stored_exactly_once,
    a_wrong_password_or_a_dead_server_is_reported_clearly
);

fn email(from: &str, subject: &str, id: &str, extra: &str) -> Vec<u8> {
    format!("From: {from}\r\nTo: office@riverside.example\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n{extra}\r\nHello from {from}.\r\n").into_bytes()
}

async fn a_mailbox_is_polled_and_each_message_stored_exactly_once(t: TestApp) {
    let imap = ImapServer::start().await;
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Jun", "Park").await; // jun.park@example.net
    let case = api.case(person, json!({})).await;
    imap.append(&email(
        "jun.park@example.net",
        "About my pension",
        "i1@x",
        "",
    ));
    imap.append(&email(
        "someone@else.example",
        &format!("Re: [{}]", case["reference"].as_str().unwrap()),
        "i2@x",
        "",
    ));
    imap.append(&email("stranger@example.com", "Hello", "i3@x", ""));
    let mailbox = add(&t.app, office, &imap.settings(), true).await.unwrap();
    let first = poll_one(&t.app, mailbox).await.unwrap().unwrap();
    assert_eq!((first.imported, first.filed, first.skipped), (3, 2, 0));
    let again = poll_one(&t.app, mailbox).await.unwrap().unwrap();
    assert_eq!(
        (again.imported, again.skipped),
        (0, 0),
        "nothing new, nothing fetched"
    );
    imap.append(&email("stranger@example.com", "Second", "i4@x", ""));
    let next = poll_one(&t.app, mailbox).await.unwrap().unwrap();
    assert_eq!(next.imported, 1);
    // The position is lost (as if a crash had happened before it was saved):
    // everything is fetched again and nothing is stored twice.
    t.data(office)
        .store_incoming_at(&[], 0, Some((mailbox, 0, 0)))
        .await
        .unwrap();
    let replay = poll_one(&t.app, mailbox).await.unwrap().unwrap();
    assert_eq!((replay.imported, replay.skipped), (0, 4));
    assert_eq!(
        api.get("/api/v1/intake").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let status = &t.data(office).mailboxes().await.unwrap()[0];
    assert_eq!(status.last_uid, 4);
    assert!(status.last_error.is_empty());
    // The same messages imported from a file later are recognised too.
    let dir = std::env::temp_dir().join(format!(
        "casework-imap-import-{mailbox}-{}",
        crate::harness::unique()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("one.eml"),
        email("stranger@example.com", "Hello", "i3@x", ""),
    )
    .unwrap();
    let imported = casework_app::intake::import_path(&t.app, office, &dir, 500)
        .await
        .unwrap();
    assert_eq!((imported.imported, imported.skipped), (0, 1));
    let _ = std::fs::remove_dir_all(dir);
}

async fn a_wrong_password_or_a_dead_server_is_reported_clearly(t: TestApp) {
    let imap = ImapServer::start().await;
    let office = t.office("Office").await;
    let mut wrong = imap.settings();
    wrong.password = "not the password".into();
    let refused = add(&t.app, office, &wrong, true).await.unwrap_err();
    assert!(
        format!("{refused:?}").contains("refused the sign-in"),
        "{refused:?}"
    );
    let id = add(&t.app, office, &imap.settings(), true).await.unwrap();
    drop(imap);
    let report = poll_one(&t.app, id).await.unwrap().unwrap();
    assert_eq!(report.imported, 0);
    let status = &t.data(office).mailboxes().await.unwrap()[0];
    assert!(
        status.last_error.contains("Cannot reach the mail server"),
        "{}",
        status.last_error
    );
}

mod round_trip {
    use super::*;
    use crate::harness::Backend;

    async fn run(backend: Backend) {
        let imap = ImapServer::start().await;
        let sink = SmtpSink::start().await;
        let t = TestApp::spawn_with(
            backend,
            Settings {
                smtp: sink.settings(),
                ..Settings::default()
            },
        )
        .await;
        let office = t.office("Office").await;
        let cw = t.user(office, Role::Caseworker).await;
        let api = t.api(&cw);
        let person = api.constituent("Kateri", "Whitehorse").await; // kateri.whitehorse@example.net
        let case = api
            .case(person, json!({"title": "Disability support stopped"}))
            .await;
        let case_id = case["id"].as_i64().unwrap();
        let mailbox = add(&t.app, office, &imap.settings(), true).await.unwrap();
        // 1. The constituent emails the office; it is fetched and filed on her record.
        imap.append(&email(
            "kateri.whitehorse@example.net",
            "My support payments stopped",
            "k1@example.net",
            "",
        ));
        assert_eq!(poll_one(&t.app, mailbox).await.unwrap().unwrap().filed, 1);
        let timeline = api
            .get(&format!("/api/v1/constituents/{person}/timeline"))
            .await;
        let incoming = timeline.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "email_in")
            .unwrap()["correspondence_id"]
            .as_i64()
            .unwrap();
        // The caseworker puts it on the case and replies.
        let filed = api
            .post(
                &format!("/api/v1/intake/{incoming}/file"),
                json!({"case_id": case_id}),
            )
            .await;
        assert_eq!(filed.status, reqwest::StatusCode::OK, "{:?}", filed.body);
        let sent = api.post(&format!("/api/v1/cases/{case_id}/emails"), json!({"subject": "Re: My support payments stopped", "body": "We have contacted the programme.", "reply_to": incoming})).await;
        assert_eq!(sent.status, reqwest::StatusCode::CREATED);
        assert_eq!(deliver_due(&t.app).await.unwrap(), 1);
        // 2. The reply reaches the SMTP server with threading headers.
        let out = String::from_utf8_lossy(&sink.messages()[0]).into_owned();
        assert!(out.contains("In-Reply-To: <k1@example.net>"));
        assert!(out.contains(case["reference"].as_str().unwrap()));
        let our_id = out.lines().find(|l| l.starts_with("Message-ID:")).unwrap()[11..]
            .trim()
            .to_owned();
        // 3. She answers the reply; it comes back through IMAP onto the same case.
        imap.append(&email(
            "kateri.whitehorse@example.net",
            "Re: thank you",
            "k2@example.net",
            &format!("In-Reply-To: {our_id}\r\nReferences: <k1@example.net> {our_id}\r\n"),
        ));
        assert_eq!(poll_one(&t.app, mailbox).await.unwrap().unwrap().filed, 1);
        let on_case = api
            .get(&format!("/api/v1/cases/{case_id}/correspondence"))
            .await;
        let subjects: Vec<&str> = on_case.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["subject"].as_str().unwrap())
            .collect();
        assert_eq!(subjects.len(), 3, "{subjects:?}");
        assert_eq!(subjects[2], "Re: thank you");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn constituent_writes_office_replies_constituent_answers_all_on_one_case_sqlite() {
        run(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn constituent_writes_office_replies_constituent_answers_all_on_one_case_postgres() {
        run(Backend::Postgres).await;
    }
}

/// A batch holds no more mail than its byte cap (by the server's own
/// sizes), so a folder of large messages is read a few at a time; one
/// message larger than the cap still comes, alone; none is skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_capped_in_bytes_and_a_message_larger_than_the_cap_comes_alone() {
    use casework_mail::imap::fetch_new;
    let imap = ImapServer::start().await;
    // About n bytes of header lines, each within the 998-character limit.
    let padding = |n: usize| format!("X-Padding: {}\r\n", "p".repeat(68)).repeat(n / 80);
    for i in 0..5 {
        imap.append(&email(
            "ada@example.net",
            &format!("Big {i}"),
            &format!("big{i}@x"),
            &padding(6_000),
        ));
    }
    imap.append(&email(
        "ada@example.net",
        "Huge",
        "huge@x",
        &padding(40_000),
    ));
    imap.append(&email("ada@example.net", "Small", "small@x", ""));
    let s = imap.settings();
    let (mut validity, mut after) = (None, 0);
    let mut batches = Vec::new();
    loop {
        let got = fetch_new(&s, validity, after, 100, 13_000).await.unwrap();
        validity = Some(got.uid_validity);
        let subjects: Vec<String> = got
            .messages
            .iter()
            .map(|(_, raw)| {
                let text = String::from_utf8_lossy(raw).into_owned();
                let line = text.lines().find(|l| l.starts_with("Subject: ")).unwrap();
                line["Subject: ".len()..].to_owned()
            })
            .collect();
        let total: usize = got.messages.iter().map(|(_, raw)| raw.len()).sum();
        assert!(
            got.messages.len() == 1 || total <= 13_000,
            "{subjects:?}: {total} bytes"
        );
        after = got.messages.last().map_or(after, |(u, _)| *u);
        batches.push(subjects);
        assert!(batches.len() <= 5, "{batches:?}");
        if !got.more {
            break;
        }
    }
    assert_eq!(
        batches,
        [
            vec!["Big 0", "Big 1"],
            vec!["Big 2", "Big 3"],
            vec!["Big 4"],
            vec!["Huge"],
            vec!["Small"],
        ]
    );
    // Without a cap in the way, the count still limits the batch.
    let all = fetch_new(&s, None, 0, 3, u64::MAX).await.unwrap();
    assert_eq!((all.messages.len(), all.more), (3, true));
}

/// Mail servers with a private certificate: refused until its authority is
/// trusted (`tls_ca_file`), then reached over TLS and STARTTLS, for IMAP
/// and for SMTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_servers_with_a_private_certificate_are_reached_once_trusted() {
    use casework_mail::imap::fetch_new;
    let certs = crate::harness::TestCerts::make();
    let imap = ImapServer::start_with(Some(&certs)).await;
    imap.append(&email(
        "ada@example.net",
        "Over TLS",
        "tls1@example.net",
        "",
    ));
    let trusted = |tls: &str, port: u16| casework_mail::imap::ImapSettings {
        host: "localhost".into(),
        port,
        tls: tls.into(),
        ca_pem: certs.ca_pem.clone(),
        ..imap.settings()
    };
    for (mode, port) in [("tls", imap.tls_port), ("starttls", imap.port)] {
        let got = fetch_new(&trusted(mode, port), None, 0, 10, u64::MAX)
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert_eq!(got.messages.len(), 1, "{mode}");
        // Without the authority the certificate is refused, with a reason.
        let untrusted = casework_mail::imap::ImapSettings {
            ca_pem: String::new(),
            ..trusted(mode, port)
        };
        let err = fetch_new(&untrusted, None, 0, 10, u64::MAX)
            .await
            .unwrap_err();
        assert!(
            err.contains("TLS") && err.contains("certificate"),
            "{mode}: {err}"
        );
    }

    let sink = SmtpSink::start_with(Some(&certs)).await;
    let mut smtp = sink.settings();
    smtp.host = "localhost".into();
    smtp.tls = "starttls".into();
    let raw = b"From: office@riverside.example\r\nTo: ada@example.net\r\nSubject: Over STARTTLS\r\nMessage-ID: <s1@riverside.example>\r\n\r\nHello.\r\n";
    let to = vec!["ada@example.net".to_owned()];
    let err = casework_mail::outgoing::send(&smtp, "office@riverside.example", &to, raw)
        .await
        .unwrap_err();
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    assert!(sink.messages().is_empty());
    smtp.ca_pem = certs.ca_pem.clone();
    casework_mail::outgoing::send(&smtp, "office@riverside.example", &to, raw)
        .await
        .unwrap();
    assert_eq!(sink.messages().len(), 1);
    // A server that requires STARTTLS refuses mail sent in the clear.
    smtp.tls = "none".into();
    assert!(
        casework_mail::outgoing::send(&smtp, "office@riverside.example", &to, raw)
            .await
            .is_err()
    );
}

/// SMTP with a login: the office's account is used after STARTTLS; a wrong
/// password or none is refused and nothing is delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_server_that_requires_a_login_takes_mail_with_the_right_one() {
    let certs = crate::harness::TestCerts::make();
    let sink =
        SmtpSink::start_with_login(&certs, "office@riverside.example", "smtp-secret-1").await;
    let mut smtp = sink.settings();
    smtp.host = "localhost".into();
    smtp.tls = "starttls".into();
    smtp.ca_pem = certs.ca_pem.clone();
    let raw = b"From: office@riverside.example\r\nTo: ada@example.net\r\nSubject: With a login\r\nMessage-ID: <a1@riverside.example>\r\n\r\nHello.\r\n";
    let to = vec!["ada@example.net".to_owned()];
    let send = |s: casework_mail::outgoing::SmtpSettings| {
        let to = to.clone();
        async move { casework_mail::outgoing::send(&s, "office@riverside.example", &to, raw).await }
    };
    // The right login: delivered.
    smtp.username = "office@riverside.example".into();
    smtp.password = "smtp-secret-1".into();
    send(smtp.clone()).await.unwrap();
    assert_eq!(sink.messages().len(), 1);
    // A wrong password, then none: refused with the server's reason.
    smtp.password = "wrong-password".into();
    let err = send(smtp.clone()).await.unwrap_err();
    assert!(err.contains("535"), "{err}");
    smtp.username.clear();
    smtp.password.clear();
    let err = send(smtp.clone()).await.unwrap_err();
    assert!(err.contains("530"), "{err}");
    assert_eq!(sink.messages().len(), 1, "nothing more delivered");
}
