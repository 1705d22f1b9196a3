//! Choosing people by what one knows of them, never by number: the search
//! step when filing mail and adding a person to a case, and the warning
//! about a likely duplicate before a constituent is created.

use crate::harness::{PASSWORD, TestApp};
use crate::on_both_backends;
use casework_app::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    likely_duplicates_are_found_by_email_phone_or_name_at_a_postcode,
    a_duplicate_is_offered_before_a_new_constituent_is_created,
    intake_mail_is_filed_on_a_person_found_by_name,
);

async fn likely_duplicates_are_found_by_email_phone_or_name_at_a_postcode(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let ann = api
        .post(
            "/api/v1/constituents",
            json!({"first_name": "Ann", "last_name": "Lee", "email": "ann.lee@example.org",
                   "phone": "+44 20 7946 0018", "postcode": "SW1A 1AA"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    api.post(
        "/api/v1/constituents",
        json!({"first_name": "Anne", "last_name": "Lee", "postcode": "SW1A 1AA"}),
    )
    .await;
    let reasons = |q: &str| {
        let api = &api;
        let q = q.to_owned();
        async move {
            let r = api.get(&format!("/api/v1/constituents/matches?{q}")).await;
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["constituent"]["id"].as_i64().unwrap(),
                        m["reasons"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|r| r.as_str().unwrap().to_owned())
                            .collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        reasons("email=ANN.LEE%40example.org").await,
        vec![(ann, vec!["the same email address".to_owned()])]
    );
    assert_eq!(
        reasons("phone=020%207946%200018").await,
        vec![(ann, vec!["the same phone number".to_owned()])],
        "with and without the country code"
    );
    assert_eq!(
        reasons("first_name=ann&last_name=LEE&postcode=sw1a1aa").await,
        vec![(ann, vec!["the same name at the same postcode".to_owned()])]
    );
    let all = reasons(
        "first_name=Ann&last_name=Lee&postcode=SW1A%201AA&email=ann.lee@example.org&phone=02079460018",
    )
    .await;
    assert_eq!(all.len(), 1, "one person, every reason: {all:?}");
    assert_eq!(all[0].1.len(), 3);
    assert!(
        reasons("first_name=Ann&last_name=Lee&postcode=E1%206AN")
            .await
            .is_empty(),
        "the same name elsewhere is someone else"
    );
    assert!(reasons("email=other@example.org").await.is_empty());
    // Linking by name: what one knows of them finds them.
    let by_name = reasons("q=lee%20ann").await;
    assert!(by_name.iter().any(|(id, _)| *id == ann), "{by_name:?}");
    // Another office's people are never offered.
    let other = t.office("Other").await;
    let stranger = t.user(other, Role::Caseworker).await;
    let r = t
        .api(&stranger)
        .get("/api/v1/constituents/matches?email=ann.lee@example.org")
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 0);
}

async fn a_duplicate_is_offered_before_a_new_constituent_is_created(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let ann = api
        .post(
            "/api/v1/constituents",
            json!({"first_name": "Ann", "last_name": "Lee", "email": "ann.lee@example.org"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let form = b.get("/constituents/new").await;
    let csrf = form.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("first_name", "Annie"),
        ("last_name", "Lee"),
        ("email", "Ann.Lee@example.org"),
    ];
    let warned = b.post("/constituents", &fields).await;
    assert_eq!(warned.status, StatusCode::OK);
    assert!(
        warned.html.contains("This may be someone already on file"),
        "{}",
        warned.html
    );
    assert!(warned.html.contains(&format!("/constituents/{ann}")));
    assert!(warned.html.contains("the same email address"));
    assert!(warned.html.contains("Add as a new person"));
    let count = || async {
        api.get("/api/v1/constituents?q=lee").await.body["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count().await, 1, "nothing created yet");
    // Seen, and someone else after all: created.
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm_new", "1"));
    let made = b.post("/constituents", &confirmed).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    assert_eq!(count().await, 2);
    // Nobody like them on file: created at once.
    let fresh = b
        .post(
            "/constituents",
            &[
                ("csrf", csrf.as_str()),
                ("first_name", "Zofia"),
                ("last_name", "Nowak"),
            ],
        )
        .await;
    assert_eq!(fresh.status, StatusCode::SEE_OTHER);
}

async fn intake_mail_is_filed_on_a_person_found_by_name(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let ann = api
        .post(
            "/api/v1/constituents",
            json!({"first_name": "Ann", "last_name": "Lee", "email": "ann.lee@example.org"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    // She writes from another address: the email does not find her.
    casework_app::intake::ingest(
        &t.app,
        office,
        vec![casework_app::intake::RawMessage {
            source: "m1".into(),
            bytes: b"From: Ann <annie.work@example.com>\r\nSubject: My passport\r\nMessage-ID: <m1@x>\r\n\r\nStill waiting.\r\n".to_vec(),
        }],
    )
    .await
    .unwrap();
    let intake = api.get("/api/v1/intake").await;
    let mid = intake.body["items"][0]["id"].as_i64().unwrap();
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let page = b.get(&format!("/correspondence/{mid}")).await;
    assert!(!page.html.contains("People with this email address"));
    assert!(page.html.contains("Find the person"));
    let found = b
        .get(&format!("/correspondence/{mid}?person=ann+lee"))
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.html.contains("File on Ann Lee"), "{}", found.html);
    let none = b
        .get(&format!("/correspondence/{mid}?person=zebedee"))
        .await;
    assert!(none.html.contains("Nobody on file matches"));
    let filed = b
        .post(
            &format!("/correspondence/{mid}/file"),
            &[
                ("csrf", &found.csrf()),
                ("constituent_id", &ann.to_string()),
            ],
        )
        .await;
    assert!(filed.status.is_redirection(), "{}", filed.html);
    let timeline = api
        .get(&format!("/api/v1/constituents/{ann}/timeline"))
        .await;
    assert!(
        timeline.body.to_string().contains("My passport"),
        "{:?}",
        timeline.body
    );
}
