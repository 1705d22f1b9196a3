//! Incoming mail: import, exactly-once storage, automatic filing, the intake
//! inbox, and the shared corpus of real-world and malformed messages.

use crate::harness::{PASSWORD, TestApp, TestUser};
use crate::on_both_backends;
use casework_app::domain::Role;
use casework_app::intake::{RawMessage, import_path, ingest};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;

on_both_backends!(
    messages_are_filed_by_thread_by_reference_by_sender_or_left_in_intake,
    importing_the_same_mail_twice_stores_it_once,
    the_whole_corpus_is_stored_or_rejected_with_a_reason_and_kept_byte_for_byte,
    intake_messages_are_filed_through_the_api_once,
    mail_on_a_sensitive_case_is_as_restricted_as_the_case,
    hostile_html_is_sanitised_and_attachments_download_only_for_those_allowed,
    a_caseworker_triages_an_intake_message_into_a_new_constituent_and_case,
    an_oversized_message_is_kept_aside_and_a_compressed_bomb_is_stored_unexpanded,
);

/// The shared corpus (see crates/mail/tests/corpus.rs).
pub fn corpus_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CASEWORK_MAIL_CORPUS") {
        return PathBuf::from(dir);
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/mail-corpus");
    if beside.is_dir() {
        beside
    } else {
        PathBuf::from("/work/shared/mail-corpus")
    }
}

fn email(from: &str, subject: &str, message_id: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: office@example.gov\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn raw(source: &str, bytes: Vec<u8>) -> RawMessage {
    RawMessage {
        source: source.into(),
        bytes,
    }
}

async fn setup(t: &TestApp) -> (i64, TestUser) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    (office, cw)
}

async fn messages_are_filed_by_thread_by_reference_by_sender_or_left_in_intake(t: TestApp) {
    let (office, cw) = setup(&t).await;
    let api = t.api(&cw);
    let person = api.constituent("Amara", "Okonkwo").await; // amara.okonkwo@example.net
    let case = api.case(person, json!({})).await;
    let reference = case["reference"].as_str().unwrap().to_owned();
    let case_id = case["id"].as_i64().unwrap();
    // By reference in the subject (from an unknown address).
    let r1 = ingest(
        &t.app,
        office,
        vec![raw(
            "a",
            email(
                "someone@elsewhere.org",
                &format!("Re: [{reference}] update"),
                "m1@x",
                "",
                "About the case.",
            ),
        )],
    )
    .await
    .unwrap();
    assert_eq!((r1.imported, r1.filed), (1, 1));
    // By thread: a reply to m1 without the reference.
    let r2 = ingest(
        &t.app,
        office,
        vec![raw(
            "b",
            email(
                "other@elsewhere.org",
                "Re: update",
                "m2@x",
                "In-Reply-To: <m1@x>\r\nReferences: <m1@x>\r\n",
                "Reply.",
            ),
        )],
    )
    .await
    .unwrap();
    assert_eq!(r2.filed, 1);
    // By sender: a known constituent, no case.
    let r3 = ingest(
        &t.app,
        office,
        vec![raw(
            "c",
            email(
                "Amara <Amara.Okonkwo@example.net>",
                "A new problem",
                "m3@x",
                "",
                "Hello.",
            ),
        )],
    )
    .await
    .unwrap();
    assert_eq!(r3.filed, 1);
    // Nobody we know: the intake inbox.
    let r4 = ingest(
        &t.app,
        office,
        vec![raw(
            "d",
            email("stranger@example.com", "Help", "m4@x", "", "Who do I ask?"),
        )],
    )
    .await
    .unwrap();
    assert_eq!((r4.imported, r4.filed), (1, 0));

    let on_case = api
        .get(&format!("/api/v1/cases/{case_id}/correspondence"))
        .await;
    let subjects: Vec<&str> = on_case.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        vec![format!("Re: [{reference}] update").as_str(), "Re: update"]
    );
    let timeline = api
        .get(&format!("/api/v1/constituents/{person}/timeline"))
        .await;
    let emails = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "email_in")
        .count();
    assert_eq!(emails, 3, "two on the case, one on the constituent");
    let intake = api.get("/api/v1/intake").await;
    let items = intake.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["subject"], "Help");
    assert_eq!(items[0]["from"], "stranger@example.com");
    // The case shows a new reply until someone reads it.
    let listed = api.get("/api/v1/cases").await;
    assert!(listed.status.is_success());
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    assert!(b.get("/cases").await.html.contains("New reply"));
    for m in on_case.body["items"].as_array().unwrap() {
        api.get(&format!("/api/v1/correspondence/{}", m["id"]))
            .await;
    }
    assert!(!b.get("/cases").await.html.contains("New reply"));
}

async fn importing_the_same_mail_twice_stores_it_once(t: TestApp) {
    let (office, cw) = setup(&t).await;
    let dir = std::env::temp_dir().join(format!("casework-import-{}", crate::harness::unique()));
    let maildir = dir.join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    std::fs::write(
        maildir.join("new/1.host"),
        email("a@example.org", "One", "one@x", "", "1"),
    )
    .unwrap();
    std::fs::write(
        maildir.join("cur/2.host:2,S"),
        email("b@example.org", "Two", "two@x", "", "2"),
    )
    .unwrap();
    // The same message as one.host, but with LF line endings and in an mbox with another.
    let one_lf = String::from_utf8(email("a@example.org", "One", "one@x", "", "1"))
        .unwrap()
        .replace("\r\n", "\n");
    let three = String::from_utf8(email(
        "c@example.org",
        "Three",
        "three@x",
        "",
        "From the start of a line",
    ))
    .unwrap()
    .replace("\r\n", "\n")
    .replace("\nFrom the", "\n>From the");
    std::fs::write(dir.join("export.mbox"), format!("From a@example.org Tue Nov 24 10:00:00 2026\n{one_lf}\nFrom c@example.org Tue Nov 24 10:00:00 2026\n{three}")).unwrap();
    // A different message that reuses one@x as its Message-ID.
    std::fs::write(
        dir.join("clash.eml"),
        email("d@example.org", "Not one", "one@x", "", "different"),
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not mail").unwrap();

    let first = import_path(&t.app, office, &dir, 500).await.unwrap();
    assert_eq!(
        (first.imported, first.skipped, first.rejected.len()),
        (4, 1, 0),
        "{first:?}"
    );
    let again = import_path(&t.app, office, &dir, 500).await.unwrap();
    assert_eq!((again.imported, again.skipped), (0, 5));
    let api = t.api(&cw);
    let subjects: Vec<String> = api.get("/api/v1/intake").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(subjects.len(), 4);
    for s in ["One", "Two", "Three", "Not one"] {
        assert!(subjects.iter().any(|x| x == s), "{s} in {subjects:?}");
    }
    let three_id = api.get("/api/v1/intake").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "Three")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let text = api
        .get(&format!("/api/v1/correspondence/{three_id}"))
        .await
        .body["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        text.contains("From the start"),
        "mbox quoting undone: {text}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

async fn the_whole_corpus_is_stored_or_rejected_with_a_reason_and_kept_byte_for_byte(t: TestApp) {
    let (office, cw) = setup(&t).await;
    let dir = corpus_dir();
    let first = import_path(&t.app, office, &dir, 500).await.unwrap();
    assert_eq!(
        first.imported + first.skipped + first.rejected.len(),
        398,
        "every message accounted for: {first:?}"
    );
    assert!(first.imported >= 390, "{first:?}");
    for (source, reason) in &first.rejected {
        assert!(!reason.is_empty(), "{source} rejected without a reason");
    }
    let again = import_path(&t.app, office, &dir, 500).await.unwrap();
    assert_eq!(again.imported, 0, "nothing is imported twice");
    assert_eq!(again.skipped, first.imported + first.skipped);
    // Originals come back byte for byte. Every message is in the intake
    // inbox or in a campaign (the corpus has near-identical test messages).
    let api = t.api(&cw);
    let mut listed: Vec<Value> = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = api
            .get(&format!("/api/v1/intake?limit=200&cursor={cursor}"))
            .await;
        listed.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    for c in api.get("/api/v1/campaigns").await.body["items"]
        .as_array()
        .unwrap()
    {
        let msgs = api
            .get(&format!(
                "/api/v1/campaigns/{}/messages?limit=1000",
                c["id"]
            ))
            .await;
        listed.extend(msgs.body["items"].as_array().unwrap().iter().cloned());
    }
    let mut checked = 0;
    {
        for m in &listed {
            let full = api
                .get(&format!("/api/v1/correspondence/{}", m["id"]))
                .await;
            assert_eq!(full.status, StatusCode::OK);
            if checked % 7 == 0 {
                let raw = api
                    .client
                    .get(format!(
                        "{}/api/v1/correspondence/{}/raw",
                        api.base, m["id"]
                    ))
                    .bearer_auth(&api.token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(raw.status(), StatusCode::OK);
                let bytes = raw.bytes().await.unwrap();
                assert_eq!(bytes.len() as i64, full.body["raw_size"].as_i64().unwrap());
            }
            checked += 1;
        }
    }
    assert_eq!(checked, first.imported);
    // A file's original is exactly the file.
    let sample = dir.join("rubymail-raw_email_with_nested_attachment.eml");
    if sample.exists() {
        let bytes = std::fs::read(&sample).unwrap();
        let list = api.get("/api/v1/intake?limit=200").await;
        let _ = list;
        let key = casework_mail::sha256_hex(&bytes);
        assert_eq!(t.app.files.get(&key).await.unwrap(), bytes);
    }
}

async fn intake_messages_are_filed_through_the_api_once(t: TestApp) {
    let (office, cw) = setup(&t).await;
    let api = t.api(&cw);
    let person = api.constituent("Farid", "Gill").await;
    let case = api.case(person, json!({})).await;
    ingest(
        &t.app,
        office,
        vec![raw(
            "x",
            email(
                "unknown@example.com",
                "Pothole on Elm",
                "p1@x",
                "",
                "There is a pothole.",
            ),
        )],
    )
    .await
    .unwrap();
    let id = api.get("/api/v1/intake").await.body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let missing = api
        .post(&format!("/api/v1/intake/{id}/file"), json!({}))
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let filed = api
        .post(
            &format!("/api/v1/intake/{id}/file"),
            json!({"case_id": case["id"]}),
        )
        .await;
    assert_eq!(filed.status, StatusCode::OK, "{:?}", filed.body);
    assert_eq!(filed.body["state"], "filed");
    assert_eq!(filed.body["case_id"], case["id"]);
    assert_eq!(
        api.get("/api/v1/intake").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let twice = api
        .post(
            &format!("/api/v1/intake/{id}/file"),
            json!({"constituent_id": person}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    let timeline = api
        .get(&format!("/api/v1/cases/{}/timeline", case["id"]))
        .await;
    let entry = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "email_in")
        .cloned()
        .unwrap();
    assert_eq!(entry["correspondence_id"], id);
    assert_eq!(entry["actor_id"], cw.id);
    // Another office sees nothing of it.
    let other = t.office("Other").await;
    let stranger = t.user(other, Role::OfficeManager).await;
    assert_eq!(
        t.api(&stranger)
            .get(&format!("/api/v1/correspondence/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.api(&stranger)
            .post(
                &format!("/api/v1/intake/{id}/file"),
                json!({"constituent_id": 1})
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Representatives read but do not file.
    ingest(
        &t.app,
        office,
        vec![raw(
            "y",
            email("unknown2@example.com", "Another", "p2@x", "", "x"),
        )],
    )
    .await
    .unwrap();
    let rep = t.user(office, Role::Representative).await;
    let id2 = api.get("/api/v1/intake").await.body["items"][0]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        t.api(&rep)
            .get(&format!("/api/v1/correspondence/{id2}"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        t.api(&rep)
            .post(
                &format!("/api/v1/intake/{id2}/file"),
                json!({"constituent_id": person})
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let done = api
        .post(&format!("/api/v1/intake/{id2}/no-action"), json!({}))
        .await;
    assert_eq!(done.body["state"], "no_action");
}

async fn mail_on_a_sensitive_case_is_as_restricted_as_the_case(t: TestApp) {
    let (office, cw) = setup(&t).await;
    let colleague = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Leila", "Haddad").await;
    let case = api
        .case(
            person,
            json!({"sensitivity": "sensitive", "assignee_id": cw.id}),
        )
        .await;
    let reference = case["reference"].as_str().unwrap();
    ingest(
        &t.app,
        office,
        vec![raw(
            "s",
            email(
                "helper@shelter.example",
                &format!("[{reference}] safe address"),
                "s1@x",
                "",
                "The new address is ...",
            ),
        )],
    )
    .await
    .unwrap();
    let items = api
        .get(&format!("/api/v1/cases/{}/correspondence", case["id"]))
        .await;
    let id = items.body["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        api.get(&format!("/api/v1/correspondence/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    let other = t.api(&colleague);
    assert_eq!(
        other
            .get(&format!("/api/v1/correspondence/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .send(
                reqwest::Method::GET,
                &format!("/api/v1/correspondence/{id}/raw"),
                None,
                &[]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn hostile_html_is_sanitised_and_attachments_download_only_for_those_allowed(t: TestApp) {
    let (office, cw) = setup(&t).await;
    let message = "From: x@example.org\r\nTo: office@example.gov\r\nSubject: Look\r\nMessage-ID: <h1@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p onclick=\"steal()\">Hi</p><script>alert(1)</script><img src=\"https://tracker.example/pixel.gif\">\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"../../letter.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
    ingest(&t.app, office, vec![raw("h", message.as_bytes().to_vec())])
        .await
        .unwrap();
    let api = t.api(&cw);
    let id = api.get("/api/v1/intake").await.body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let m = api.get(&format!("/api/v1/correspondence/{id}")).await.body;
    let html = m["html"].as_str().unwrap();
    assert!(html.contains("Hi"));
    assert!(
        !html.contains("script") && !html.contains("onclick") && !html.contains("tracker.example"),
        "{html}"
    );
    assert_eq!(m["attachments"][0]["filename"], "letter.pdf");
    let attachment = m["attachments"][0]["id"].as_i64().unwrap();
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let res = b
        .client
        .get(t.url(&format!("/correspondence/{id}/attachments/{attachment}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"%PDF-1.4\n");
    let page = b
        .client
        .get(t.url(&format!("/correspondence/{id}/html")))
        .send()
        .await
        .unwrap();
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    let other = t.office("Other").await;
    let outsider = t.user(other, Role::Caseworker).await;
    let ob = t.browser();
    ob.sign_in(&outsider.email, PASSWORD).await;
    assert_eq!(
        ob.get(&format!("/correspondence/{id}/attachments/{attachment}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn a_caseworker_triages_an_intake_message_into_a_new_constituent_and_case(t: TestApp) {
    let (office, cw) = setup(&t).await;
    let body = "Dear Member,\r\n\r\nMy work permit renewal has been stuck for eight months.\r\n\r\nThank you,\r\nWen Xu\r\n44 Willow Lane\r\nRiverside, MB R2M 3K3\r\nTel: 204-555-0199";
    ingest(
        &t.app,
        office,
        vec![raw(
            "t",
            email(
                "\"Wen Xu\" <wen.xu@example.net>",
                "Work permit renewal",
                "t1@x",
                "",
                body,
            ),
        )],
    )
    .await
    .unwrap();
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let inbox = b.get("/intake").await;
    assert!(inbox.html.contains("Work permit renewal"));
    let id = t.api(&cw).get("/api/v1/intake").await.body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let message = b.get(&format!("/correspondence/{id}")).await;
    assert!(message.html.contains("New constituent from this message"));
    let form = b.get(&format!("/constituents/new?message={id}")).await;
    for prefilled in [
        "value=\"Wen\"",
        "value=\"Xu\"",
        "value=\"wen.xu@example.net\"",
        "value=\"R2M 3K3\"",
        "44 Willow Lane",
    ] {
        assert!(
            form.html.contains(prefilled),
            "{prefilled} pre-filled: {}",
            form.html
        );
    }
    let csrf = form.csrf();
    let mid = id.to_string();
    let created = b
        .post(
            "/constituents",
            &[
                ("csrf", &csrf),
                ("message", &mid),
                ("first_name", "Wen"),
                ("last_name", "Xu"),
                ("email", "wen.xu@example.net"),
                ("postcode", "R2M 3K3"),
                ("address", "44 Willow Lane, Riverside, MB"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    assert!(
        created.location.contains("/cases/new?message="),
        "{}",
        created.location
    );
    let case_form = b.get(&created.location).await;
    assert!(case_form.html.contains("value=\"Work permit renewal\""));
    let constituent_id = created.location.split('/').nth(2).unwrap().to_owned();
    let opened = b
        .post(
            "/cases",
            &[
                ("csrf", &csrf),
                ("message", &mid),
                ("constituent_id", &constituent_id),
                ("title", "Work permit renewal"),
                ("level", "federal"),
                ("urgency", "normal"),
                ("sensitivity", "normal"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.html);
    let case_page = b.get(&opened.location).await;
    assert!(case_page.html.contains("Correspondence"));
    assert!(case_page.html.contains(&format!("/correspondence/{id}")));
    assert!(
        !b.get("/intake").await.html.contains("Work permit renewal"),
        "the inbox is empty again"
    );
}

async fn an_oversized_message_is_kept_aside_and_a_compressed_bomb_is_stored_unexpanded(t: TestApp) {
    let small = TestApp::spawn_with(
        t.backend,
        casework_app::Settings {
            max_message_bytes: 256 * 1024,
            ..casework_app::Settings::default()
        },
    )
    .await;
    let office = small.office("Office").await;
    // Over the limit: not stored as mail, reported with the reason, the
    // original kept byte for byte; importing it again reports it again.
    let big = format!(
        "From: big@example.net\r\nSubject: Scans\r\nMessage-ID: <big@example.net>\r\n\r\n{}\r\n",
        "x".repeat(400 * 1024)
    )
    .into_bytes();
    for _ in 0..2 {
        let r = ingest(
            &small.app,
            office,
            vec![RawMessage {
                source: "big.eml".into(),
                bytes: big.clone(),
            }],
        )
        .await
        .unwrap();
        assert_eq!(r.imported, 0);
        assert_eq!(r.rejected.len(), 1, "{:?}", r.rejected);
        assert_eq!(r.rejected[0].0, "big.eml");
        assert!(
            r.rejected[0].1.contains("401 KB, over the 256 KB limit")
                && r.rejected[0].1.contains("kept aside"),
            "{}",
            r.rejected[0].1
        );
    }
    let key = casework_mail::sha256_hex(&big);
    assert_eq!(small.app.files.get(&key).await.unwrap(), big);

    // A compressed bomb: 50 MB of zeros as a 50 KB gzip attachment. It is
    // kept as it came, never expanded.
    let bomb = std::process::Command::new("sh")
        .arg("-c")
        .arg("head -c 52428800 /dev/zero | gzip -9")
        .output()
        .unwrap()
        .stdout;
    assert!(bomb.len() < 100 * 1024, "{} bytes", bomb.len());
    let b64 = {
        use std::io::Write;
        let mut enc = std::process::Command::new("base64")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        enc.stdin.take().unwrap().write_all(&bomb).unwrap();
        String::from_utf8(enc.wait_with_output().unwrap().stdout)
            .unwrap()
            .replace('\n', "\r\n")
    };
    let message = format!(
        "From: bomb@example.net\r\nSubject: Archive\r\nMessage-ID: <bomb@example.net>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the archive.\r\n\
         --b\r\nContent-Type: application/gzip\r\nContent-Disposition: attachment; filename=\"all.gz\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b--\r\n"
    );
    let r = ingest(
        &small.app,
        office,
        vec![RawMessage {
            source: "bomb.eml".into(),
            bytes: message.into_bytes(),
        }],
    )
    .await
    .unwrap();
    assert_eq!(r.imported, 1, "{:?}", r.rejected);
    let cw = small.user(office, Role::Caseworker).await;
    let api = small.api(&cw);
    let id = api.get("/api/v1/intake").await.body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let m = api.get(&format!("/api/v1/correspondence/{id}")).await.body;
    assert_eq!(m["attachments"][0]["filename"], "all.gz");
    assert_eq!(m["attachments"][0]["size"], bomb.len());
    let aid = m["attachments"][0]["id"].as_i64().unwrap();
    let got = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/correspondence/{id}/attachments/{aid}",
            small.base
        ))
        .bearer_auth(&cw.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.as_ref(), bomb.as_slice());
}
