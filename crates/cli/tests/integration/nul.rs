//! Text from people is checked once, at the edge: a NUL character (U+0000),
//! which PostgreSQL cannot store as text and SQLite would, is refused with a
//! 422 that names the field, wherever it comes in (a JSON field, a query
//! parameter, a form, a multipart form); mail, which nobody can send back,
//! is kept without it. Both databases answer the same.

use crate::harness::{PASSWORD, TestApp};
use crate::on_both_backends;
use casework_app::domain::Role;
use casework_app::intake::{RawMessage, ingest};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    a_nul_in_a_json_field_is_refused_naming_the_field_and_nothing_is_stored,
    a_nul_in_a_query_parameter_is_refused_naming_it,
    a_nul_in_a_form_field_is_refused_naming_it_and_nothing_is_stored,
    a_nul_in_a_multipart_form_is_refused_naming_it_and_nothing_is_kept,
    signing_in_with_a_nul_is_refused_like_any_wrong_email,
    mail_with_nul_characters_is_kept_without_them,
);

/// Asserts a 422 API answer whose `fields` name `field`, and only it.
fn assert_refused(r: &crate::harness::Reply, field: &str) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert_eq!(r.code(), "invalid", "{:?}", r.body);
    let fields = r.body["error"]["fields"].as_object().expect("fields");
    assert_eq!(
        fields.keys().collect::<Vec<_>>(),
        vec![field],
        "{:?}",
        r.body
    );
    assert!(
        fields[field].as_str().unwrap().contains("U+0000"),
        "{:?}",
        r.body
    );
}

async fn a_nul_in_a_json_field_is_refused_naming_the_field_and_nothing_is_stored(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);

    let r = api
        .post(
            "/api/v1/constituents",
            json!({"first_name": "Ada", "last_name": "Byron", "notes": "Prefers\u{0} mornings"}),
        )
        .await;
    assert_refused(&r, "notes");
    let listed = api.get("/api/v1/constituents").await;
    assert_eq!(listed.body["items"], json!([]), "nothing was stored");

    // A backslash followed by "u0000" is ordinary text.
    let r = api
        .post(
            "/api/v1/constituents",
            json!({"first_name": "Ada", "last_name": "Byron", "notes": "C:\\u0000 is not a NUL"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["notes"], "C:\\u0000 is not a NUL");
    let person = r.body["id"].as_i64().unwrap();

    let r = api
        .patch(
            &format!("/api/v1/constituents/{person}"),
            json!({"notes": "\u{0}", "version": 1}),
        )
        .await;
    assert_refused(&r, "notes");
    let kept = api.get(&format!("/api/v1/constituents/{person}")).await;
    assert_eq!(kept.body["notes"], "C:\\u0000 is not a NUL");

    let case = api.case(person, json!({})).await;
    let k = case["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/api/v1/cases/{k}/notes"),
            json!({"body": "Called\u{0}back"}),
        )
        .await;
    assert_refused(&r, "body");
    let r = api
        .post(
            &format!("/api/v1/cases/{k}/letters"),
            json!({"template": "Thank\u{0}you"}),
        )
        .await;
    assert_refused(&r, "template");
    // Inside a list, the field is named with its position.
    let r = api
        .post(
            &format!("/api/v1/cases/{k}/emails"),
            json!({"to": ["ada@example.net", "ada\u{0}@example.net"], "subject": "Your passport", "body": "Hello"}),
        )
        .await;
    assert_refused(&r, "to[1]");
    assert_case_untouched(&api, k).await;
}

async fn a_nul_in_a_query_parameter_is_refused_naming_it(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    assert_refused(&api.get("/api/v1/cases?agency=%00").await, "agency");
    assert_refused(
        &api.get("/api/v1/cases?category=Pass%00ports").await,
        "category",
    );
    assert_refused(&api.get("/api/v1/constituents?q=Ada%00").await, "q");
    assert_eq!(
        api.get("/api/v1/cases?agency=Passport%20Program")
            .await
            .status,
        StatusCode::OK
    );

    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    for path in ["/cases?agency=%00", "/constituents?q=Ada%00"] {
        let p = b.get(path).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        let field = if path.contains("agency") {
            "agency"
        } else {
            "q"
        };
        assert!(p.html.contains(&format!("“{field}”")), "{path}: {}", p.html);
        assert!(p.html.contains("U+0000"), "{}", p.html);
    }
}

async fn a_nul_in_a_form_field_is_refused_naming_it_and_nothing_is_stored(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let csrf = b.csrf().await;

    let p = b
        .post(
            "/constituents",
            &[
                ("csrf", &csrf),
                ("first_name", "Ada"),
                ("last_name", "Byron"),
                ("notes", "Prefers\0 mornings"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.html);
    assert!(p.html.contains("“notes”"), "{}", p.html);
    assert!(p.html.contains("U+0000"));
    assert_eq!(
        api.get("/api/v1/constituents").await.body["items"],
        json!([])
    );

    let person = api.constituent("Ada", "Byron").await;
    let p = b
        .post(
            &format!("/constituents/{person}/notes"),
            &[("csrf", &csrf), ("body", "Called\0back")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.html);
    assert!(p.html.contains("“body”"), "{}", p.html);
    let history = api
        .get(&format!("/api/v1/constituents/{person}/timeline"))
        .await;
    assert!(
        history.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] != "note"),
        "{:?}",
        history.body
    );

    // A forged form is refused as forged, whatever it carries.
    let p = b
        .post(
            &format!("/constituents/{person}/notes"),
            &[("csrf", &"0".repeat(64)), ("body", "Called\0back")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

/// A `multipart/form-data` body written out by hand, so that a file name
/// can carry a NUL exactly as a client could send it.
fn multipart(parts: &[(&str, Option<&str>, &str)]) -> (String, Vec<u8>) {
    let boundary = "nul-test-boundary";
    let mut body = Vec::new();
    for (name, filename, value) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/plain\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn a_nul_in_a_multipart_form_is_refused_naming_it_and_nothing_is_kept(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Ada", "Byron").await;
    let k = api.case(person, json!({})).await["id"].as_i64().unwrap();
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let csrf = b.csrf().await;

    let page_post = |path: String, parts: Vec<(&'static str, Option<&'static str>, String)>| {
        let b = &b;
        let csrf = csrf.clone();
        async move {
            let mut all: Vec<(&str, Option<&str>, &str)> = vec![("csrf", None, csrf.as_str())];
            all.extend(parts.iter().map(|(n, f, v)| (*n, *f, v.as_str())));
            let (content_type, body) = multipart(&all);
            let res = b
                .client
                .post(format!("{}{path}", b.base))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };

    // The email form of a case page.
    let (status, html) = page_post(
        format!("/cases/{k}/emails"),
        vec![
            ("to", None, "ada.byron@example.net".into()),
            ("subject", None, "Your\0passport".into()),
            ("body", None, "Hello".into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("“subject”"), "{html}");
    // A file whose name carries a NUL, on the notes form of a case page:
    // a NUL cannot be in a part's headers, so the form cannot be read at all.
    let (status, html) = page_post(
        format!("/cases/{k}/notes"),
        vec![
            ("kind", None, "document".into()),
            ("body", None, "A scan".into()),
            ("files", Some("scan\0.pdf"), "%PDF-1.4".into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("The form could not be read"), "{html}");

    // The API's documents upload.
    for (parts, field) in [
        (
            vec![
                ("body", None, "A\0scan"),
                ("files", Some("scan.pdf"), "%PDF-1.4"),
            ],
            "body",
        ),
        (vec![("files", Some("scan\0.pdf"), "%PDF-1.4")], "form"),
    ] {
        let (content_type, body) = multipart(&parts);
        let res = api
            .client
            .post(format!("{}/api/v1/cases/{k}/documents", api.base))
            .bearer_auth(&api.token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        let reply = crate::harness::Reply { status, body };
        if field == "form" {
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(reply.body["error"]["fields"]["form"].is_string());
        } else {
            assert_refused(&reply, field);
        }
    }

    assert_case_untouched(&api, k).await;
}

async fn signing_in_with_a_nul_is_refused_like_any_wrong_email(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let b = t.browser();
    let p = b.sign_in(&format!("{}\0", cw.email), PASSWORD).await;
    assert!(
        p.status == StatusCode::UNAUTHORIZED || p.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}: {}",
        p.status,
        p.html
    );
    let p = b.sign_in(&cw.email, &format!("{PASSWORD}\0")).await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{}", p.html);
    assert_eq!(
        b.sign_in(&cw.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

async fn mail_with_nul_characters_is_kept_without_them(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let raw = b"From: \"Ada\x00 Byron\" <ada.byron@example.net>\r\n\
        To: office@casework.test\r\n\
        Subject: Pass\x00port renewal\r\n\
        Message-ID: <nul\x00@example.net>\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
        --b\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\r\n\
        My passport\x00 is late.\r\n\
        --b\r\n\
        Content-Type: text/plain; name=\"notes\x00.txt\"\r\n\
        Content-Disposition: attachment; filename=\"notes\x00.txt\"\r\n\r\n\
        attached\x00 text\r\n\
        --b--\r\n"
        .to_vec();
    let report = ingest(
        &t.app,
        office,
        vec![RawMessage {
            source: "nul".into(),
            bytes: raw.clone(),
        }],
    )
    .await
    .unwrap();
    assert_eq!(report.imported, 1, "{report:?}");
    let api = t.api(&cw);
    let intake = api.get("/api/v1/intake").await;
    let item = &intake.body["items"][0];
    assert_eq!(item["subject"], "Passport renewal", "{:?}", intake.body);
    let id = item["id"].as_i64().unwrap();
    let one = api.get(&format!("/api/v1/correspondence/{id}")).await;
    let text = one.body.to_string();
    assert!(!text.contains("\\u0000"), "{text}");
    assert!(text.contains("My passport is late."), "{text}");
    assert!(text.contains("notes.txt"), "{text}");
    // The original is kept byte for byte, NULs and all.
    let original = api
        .client
        .get(format!("{}/api/v1/correspondence/{id}/raw", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(original.as_ref(), raw.as_slice());
}

/// The case still has only its opening entry and no correspondence.
async fn assert_case_untouched(api: &crate::harness::Api, case: impl std::fmt::Display) {
    let timeline = api.get(&format!("/api/v1/cases/{case}/timeline")).await;
    let kinds: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert_eq!(kinds, vec!["case_opened"], "nothing was added to the case");
    let mail = api
        .get(&format!("/api/v1/cases/{case}/correspondence"))
        .await;
    assert_eq!(mail.body["items"], json!([]));
}
