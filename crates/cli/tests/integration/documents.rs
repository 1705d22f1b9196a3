//! Files kept on a case on their own: post that came on paper (scanned),
//! documents, and papers from a logged call or meeting — from the case page
//! and from the API, downloaded byte for byte by those who may see the case.

use crate::harness::{PASSWORD, TestApp};
use crate::on_both_backends;
use casework_app::Settings;
use casework_app::domain::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::json;

on_both_backends!(
    files_kept_on_a_case_are_on_its_history_and_download_byte_for_byte,
    uploads_that_are_too_big_empty_or_unreadable_are_refused_and_nothing_is_kept,
);

/// Bytes that are not text: a PDF header, a NUL, invalid UTF-8.
const SCAN: &[u8] = b"%PDF-1.4\n\x00\xff\xfe scanned letter from the Passport Program";

async fn files_kept_on_a_case_are_on_its_history_and_download_byte_for_byte(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Ines", "Okafor").await;
    let case = api.case(person, json!({})).await;
    let k = case["id"].as_i64().unwrap();

    // From the case page: post received, two files, one with a path in its name.
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let page = b.get(&format!("/cases/{k}")).await;
    assert!(page.html.contains("enctype=\"multipart/form-data\""));
    assert!(
        page.html
            .contains("type=\"file\" id=\"files\" name=\"files\" multiple")
    );
    assert!(
        page.html
            .contains("<option value=\"post\">Letter received by post</option>")
    );
    let form = Form::new()
        .text("csrf", page.csrf())
        .text("kind", "post")
        .text(
            "body",
            "Reply from the Passport Program, scanned.\nThey need a new photo.",
        )
        .part(
            "files",
            Part::bytes(SCAN.to_vec())
                .file_name("scan.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        )
        .part(
            "files",
            Part::bytes(b"envelope front".to_vec()).file_name("../../etc/envelope.jpg"),
        );
    let res = b
        .client
        .post(format!("{}/cases/{k}/notes", b.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        format!("/cases/{k}?notice=files#history-h").as_str()
    );
    let shown = b.get(&format!("/cases/{k}?notice=files")).await.html;
    assert!(shown.contains("Added to the history, with the files."));
    assert!(shown.contains("Post received"));
    assert!(shown.contains("They need a new photo."));
    assert!(shown.contains("Files: scan.pdf, envelope.jpg"));
    assert!(shown.contains("Open the files"));

    // The history entry points at the record; the record has both files.
    let timeline = api.get(&format!("/api/v1/cases/{k}/timeline")).await.body;
    let entry = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "post")
        .expect("a post entry")
        .clone();
    let record = entry["correspondence_id"]
        .as_i64()
        .expect("linked to the record");
    let r = api.get(&format!("/api/v1/correspondence/{record}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["channel"], "post");
    assert_eq!(r.body["case_id"], k);
    assert_eq!(
        r.body["subject"],
        "Reply from the Passport Program, scanned."
    );
    let files = r.body["attachments"].as_array().unwrap().clone();
    let names: Vec<&str> = files
        .iter()
        .map(|f| f["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["scan.pdf", "envelope.jpg"]);
    let scan_id = files[0]["id"].as_i64().unwrap();

    // Its page says what it is and who recorded it; no "Reply" to a paper letter.
    let rp = b.get(&format!("/correspondence/{record}")).await.html;
    assert!(rp.contains("Letter received by post"));
    assert!(rp.contains("Recorded by"));
    assert!(rp.contains(&format!("/correspondence/{record}/attachments/{scan_id}")));
    assert!(!rp.contains("emails/new?reply_to"));

    // Downloads, from the page and from the API: the same bytes, as a download.
    let dl = b
        .client
        .get(format!(
            "{}/correspondence/{record}/attachments/{scan_id}",
            b.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(dl.status(), StatusCode::OK);
    assert_eq!(dl.headers()["content-type"], "application/octet-stream");
    assert_eq!(
        dl.headers()["content-disposition"],
        "attachment; filename=\"scan.pdf\""
    );
    assert_eq!(dl.bytes().await.unwrap().as_ref(), SCAN);
    let dl = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/correspondence/{record}/attachments/{scan_id}",
            t.base
        ))
        .bearer_auth(&cw.token)
        .send()
        .await
        .unwrap();
    assert_eq!(dl.status(), StatusCode::OK);
    assert_eq!(dl.bytes().await.unwrap().as_ref(), SCAN);

    // From the API: notes of a meeting with the papers handed over.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/cases/{k}/documents", t.base))
        .bearer_auth(&cw.token)
        .multipart(
            Form::new()
                .text("kind", "meeting")
                .text(
                    "body",
                    "Met at the surgery; she brought the refusal letter.",
                )
                .part(
                    "file",
                    Part::bytes(b"refusal letter".to_vec()).file_name("refusal.txt"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let m = api.get(&format!("/api/v1/correspondence/{id}")).await.body;
    assert_eq!(m["channel"], "meeting");
    assert_eq!(m["attachments"][0]["filename"], "refusal.txt");
    let timeline = api.get(&format!("/api/v1/cases/{k}/timeline")).await.body;
    assert!(
        timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "meeting" && e["correspondence_id"] == id)
    );
    // The case's correspondence lists both records.
    let list = api
        .get(&format!("/api/v1/cases/{k}/correspondence"))
        .await
        .body;
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&record) && ids.contains(&id));

    // Another office sees none of it.
    let other = t.office("Other").await;
    let stranger = t.user(other, Role::OfficeManager).await;
    let sapi = t.api(&stranger);
    assert_eq!(
        sapi.get(&format!("/api/v1/correspondence/{record}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        sapi.get(&format!(
            "/api/v1/correspondence/{record}/attachments/{scan_id}"
        ))
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // An attachment id of another record is not reachable through this one.
    assert_eq!(
        api.get(&format!(
            "/api/v1/correspondence/{id}/attachments/{scan_id}"
        ))
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

async fn uploads_that_are_too_big_empty_or_unreadable_are_refused_and_nothing_is_kept(t: TestApp) {
    let small = TestApp::spawn_with(
        t.backend,
        Settings {
            max_message_bytes: 1024,
            ..Settings::default()
        },
    )
    .await;
    let office = small.office("Office").await;
    let cw = small.user(office, Role::Caseworker).await;
    let api = small.api(&cw);
    let person = api.constituent("Theo", "Marsh").await;
    let k = api.case(person, json!({})).await["id"].as_i64().unwrap();
    let entries = || async {
        api.get(&format!("/api/v1/cases/{k}/timeline")).await.body["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = entries().await;
    let b = small.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let csrf = b.get(&format!("/cases/{k}")).await.csrf();

    // Over the limit, from the page: refused as it arrives, with the limit named.
    let res = b
        .client
        .post(format!("{}/cases/{k}/notes", b.base))
        .multipart(
            Form::new()
                .text("csrf", csrf.clone())
                .text("kind", "post")
                .part("files", Part::bytes(vec![b'x'; 4096]).file_name("big.pdf")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Nothing was kept or sent.")
    );

    // A forged form (wrong CSRF token) with a file: refused.
    let res = b
        .client
        .post(format!("{}/cases/{k}/notes", b.base))
        .multipart(
            Form::new()
                .text("csrf", "0".repeat(64))
                .part("files", Part::bytes(b"x".to_vec()).file_name("x.txt")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let post = |form: Form| {
        let url = format!("{}/api/v1/cases/{k}/documents", small.base);
        let token = cw.token.clone();
        async move {
            let res = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .multipart(form)
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<serde_json::Value>().await.unwrap())
        }
    };
    // Over the limit, from the API.
    let (status, body) =
        post(Form::new().part("files", Part::bytes(vec![b'x'; 4096]).file_name("big.pdf"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid");
    // No file at all.
    let (status, body) = post(Form::new().text("kind", "post").text("body", "x")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["files"].is_string(), "{body}");
    // An empty file, and a kind that does not exist.
    let (status, body) = post(
        Form::new()
            .text("kind", "telegram")
            .part("files", Part::bytes(Vec::new()).file_name("empty.txt")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["kind"].is_string(), "{body}");
    assert!(body["error"]["fields"]["files"].is_string(), "{body}");
    // JSON instead of a form.
    let r = api
        .post(
            &format!("/api/v1/cases/{k}/documents"),
            json!({"body": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A case that does not exist.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/cases/999999/documents", small.base))
        .bearer_auth(&cw.token)
        .multipart(Form::new().part("files", Part::bytes(b"x".to_vec()).file_name("x.txt")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Nothing of any of that was kept.
    assert_eq!(entries().await, before);
    let list = api
        .get(&format!("/api/v1/cases/{k}/correspondence"))
        .await
        .body;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}
