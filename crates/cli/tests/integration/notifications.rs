//! Notifications: a case assigned to you, a reply on your case, your draft
//! approved, a comment on your draft; each once, never for what one did
//! oneself; by email to those who ask, once.

use crate::harness::{PASSWORD, SmtpSink, TestApp};
use crate::{on_both_backends, with_sink};
use casework_app::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(each_event_reaches_the_person_it_concerns_once);
with_sink!(notifications_are_emailed_once_to_those_who_ask);

async fn texts(api: &crate::harness::Api) -> Vec<String> {
    api.get("/api/v1/notifications").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn each_event_reaches_the_person_it_concerns_once(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let (m_api, api) = (t.api(&manager), t.api(&cw));
    let m_name = t.actor(&manager).await.display_name;
    let person = api.constituent("Ann", "Lee").await;
    let case = api.case(person, json!({"title": "Benefits"})).await;
    let (id, reference) = (
        case["id"].as_i64().unwrap(),
        case["reference"].as_str().unwrap().to_owned(),
    );

    // Assigned by the manager: the caseworker is told, the manager is not.
    let r = m_api
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"assignee_id": cw.id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        texts(&api).await,
        vec![format!("{m_name} assigned case {reference} to you")]
    );
    assert!(
        texts(&m_api).await.is_empty(),
        "not for what one did oneself"
    );
    // Assigning oneself tells nobody.
    let own = api
        .case(person, json!({"title": "Housing", "assignee_id": cw.id}))
        .await;
    assert!(own["id"].is_i64());
    assert_eq!(texts(&api).await.len(), 1);

    // A reply on the case, imported (and imported again): one notification.
    let mail = format!(
        "From: Ann <ann@example.net>\r\nSubject: Re: {reference}\r\nMessage-ID: <r1@x>\r\n\r\nThanks.\r\n"
    );
    for _ in 0..2 {
        casework_app::intake::ingest(
            &t.app,
            office,
            vec![casework_app::intake::RawMessage {
                source: "r1".into(),
                bytes: mail.clone().into_bytes(),
            }],
        )
        .await
        .unwrap();
    }
    let now = texts(&api).await;
    assert_eq!(now[0], format!("New reply on case {reference}"));
    assert_eq!(now.len(), 2);

    // A letter signed by the representative: a comment, then approval.
    t.template(
        &manager,
        "Signed",
        "From the member",
        "Dear {{ constituent.first_name }},",
        true,
    )
    .await;
    let letter = api.letter(id, json!({"template": "Signed"})).await;
    let m = t.browser();
    m.sign_in(&manager.email, PASSWORD).await;
    let page = m.get(&format!("/correspondence/{letter}")).await;
    let commented = m
        .post(
            &format!("/correspondence/{letter}/comments"),
            &[("csrf", &page.csrf()), ("comment", "Shorter, please.")],
        )
        .await;
    assert!(commented.status.is_redirection(), "{}", commented.html);
    let approved = m_api
        .post(&format!("/api/v1/letters/{letter}/approve"), json!({}))
        .await;
    assert!(approved.status.is_success());
    let now = texts(&api).await;
    assert_eq!(
        now[0],
        format!("{m_name} approved your letter on case {reference}")
    );
    assert_eq!(
        now[1],
        format!("{m_name} commented on your letter on case {reference}")
    );
    assert_eq!(now.len(), 4);

    // The menu counts them; opening one marks it read and goes to its page.
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let list = b.get("/notifications").await;
    assert!(
        list.html.contains("Notifications <span class=\"count\">4"),
        "{}",
        list.html
    );
    let first: Value = api.get("/api/v1/notifications").await.body["items"][0].clone();
    let opened = b
        .client
        .get(format!("{}/notifications/{}/open", b.base, first["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        opened.headers()["location"],
        format!("/correspondence/{letter}").as_str()
    );
    assert_eq!(api.get("/api/v1/notifications").await.body["unread"], 3);
    // Someone else's notification does not open.
    let theirs = t.browser();
    theirs.sign_in(&manager.email, PASSWORD).await;
    assert_eq!(
        theirs
            .get(&format!("/notifications/{}/open", first["id"]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = api.post("/api/v1/notifications/read", json!({})).await;
    assert_eq!(r.body["marked"], 3);
    assert_eq!(api.get("/api/v1/notifications").await.body["unread"], 0);
}

async fn notifications_are_emailed_once_to_those_who_ask(t: TestApp, sink: SmtpSink) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let other = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let r = api
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/notifications",
            Some(json!({"by_email": true})),
            &[],
        )
        .await;
    assert_eq!(r.body["by_email"], true);
    let person = api.constituent("Ann", "Lee").await;
    let m_api = t.api(&manager);
    for assignee in [cw.id, other.id] {
        let case = api.case(person, json!({"title": "Benefits"})).await;
        m_api
            .patch(
                &format!("/api/v1/cases/{}", case["id"]),
                json!({"assignee_id": assignee}),
            )
            .await;
    }
    assert_eq!(
        casework_app::tasks::send_notification_emails(&t.app)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        casework_app::tasks::send_notification_emails(&t.app)
            .await
            .unwrap(),
        0,
        "once"
    );
    let sent = sink.messages();
    assert_eq!(sent.len(), 1, "only to the one who asked");
    let text = String::from_utf8_lossy(&sent[0]).into_owned();
    assert!(text.contains(&cw.email), "{text}");
    assert!(text.contains("assigned case CW-"), "{text}");
    assert!(
        !text.contains("Ann") && !text.contains("Lee"),
        "no constituent's details: {text}"
    );
}
