//! Trends over messages: every count opens to the messages behind it, under
//! the reader's permissions, in the API and on the pages.

use crate::harness::{Api, PASSWORD, TestApp};
use crate::on_both_backends;
use casework_app::domain::Role;
use casework_app::intake::{RawMessage, ingest};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    message_counts_open_to_the_messages_behind_them,
    a_campaigns_sample_subject_stays_hidden_with_its_message,
);

fn mail(n: usize, reference: &str, from: &str) -> RawMessage {
    RawMessage {
        source: format!("m{n}"),
        bytes: format!(
            "From: {from}\r\nTo: office@riverside.example\r\nSubject: Message {n} [{reference}]\r\nMessage-ID: <drill{n}@example.net>\r\n\r\nText {n}.\r\n"
        )
        .into_bytes(),
    }
}

/// The count of `value` in the last period, and the list behind it.
async fn count_and_list(api: &Api, value: &str) -> (i64, usize) {
    let t: Value = api
        .get("/api/v1/trends?kind=messages&dimension=category&periods=1")
        .await
        .body;
    let row = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["value"] == value)
        .cloned();
    let Some(row) = row else { return (0, 0) };
    let period = &t["periods"][0];
    let listed = api
        .get(&format!(
            "/api/v1/correspondence?tag={}&received_from={}&received_before={}&limit=2",
            row["tag_id"],
            period["from"].as_str().unwrap(),
            period["to"].as_str().unwrap()
        ))
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    // Two a page: follow the cursor to the end.
    let mut n = listed.body["items"].as_array().unwrap().len();
    let mut next = listed.body["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = next {
        let more = api
            .get(&format!(
                "/api/v1/correspondence?tag={}&received_from={}&received_before={}&limit=2&cursor={c}",
                row["tag_id"],
                period["from"].as_str().unwrap(),
                period["to"].as_str().unwrap()
            ))
            .await;
        n += more.body["items"].as_array().unwrap().len();
        next = more.body["next_cursor"].as_str().map(str::to_owned);
    }
    (row["counts"][0].as_i64().unwrap(), n)
}

async fn message_counts_open_to_the_messages_behind_them(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let admin = t.user(office, Role::Admin).await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let p = api.constituent("Ida", "Moss").await;
    let tax = api.case(p, json!({"category": "Tax"})).await;
    let hidden = api
        .case(
            p,
            json!({"category": "Tax", "sensitivity": "sensitive", "assignee_id": cw.id}),
        )
        .await;
    let housing = api.case(p, json!({"category": "Housing"})).await;
    let reference = |k: &Value| k["reference"].as_str().unwrap().to_owned();
    let from = "Ida Moss <ida.moss@example.net>";
    let mut batch = Vec::new();
    for n in 0..3 {
        batch.push(mail(n, &reference(&tax), from));
    }
    batch.push(mail(3, &reference(&hidden), from));
    batch.push(mail(4, &reference(&housing), from));
    ingest(&t.app, office, batch).await.unwrap();

    // Each reader: the count and the list behind it agree.
    for (who, user, tax_count) in [
        ("manager", &manager, 4),
        ("admin", &admin, 3),
        ("caseworker", &cw, 4),
    ] {
        let a = t.api(user);
        assert_eq!(
            count_and_list(&a, "Tax").await,
            (tax_count, tax_count as usize),
            "{who}"
        );
        assert_eq!(count_and_list(&a, "Housing").await, (1, 1), "{who}");
    }

    // By location, and what is refused.
    let m = t.api(&manager);
    let by_place = m.get("/api/v1/correspondence?location=R2C").await;
    assert_eq!(by_place.status, StatusCode::OK, "{:?}", by_place.body);
    for bad in ["tag=999999999", "received_from=2026-13-01", "cursor=zz"] {
        let r = m.get(&format!("/api/v1/correspondence?{bad}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    // The Trends page links each number to the messages page, which lists them.
    let b = t.browser();
    b.sign_in(&admin.email, PASSWORD).await;
    let page = b.get("/trends?kind=messages&periods=1").await;
    assert_eq!(page.status, StatusCode::OK);
    let link = page
        .html
        .split("href=\"")
        .filter_map(|h| h.split('"').next())
        .find(|h| h.starts_with("/messages?"))
        .expect("a count links to its messages")
        .replace("&amp;", "&");
    let list = b.get(&link).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.html.contains("Message 4") || list.html.contains("Message 0"),
        "{}",
        list.html
    );
    assert!(
        !list.html.contains("Message 3"),
        "the sensitive case's message stays hidden"
    );
}

/// A campaign shows one copy's subject as a sample; when that copy is
/// highly sensitive, those who may not open it do not see its subject.
async fn a_campaigns_sample_subject_stays_hidden_with_its_message(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let volunteer = t.user(office, Role::Volunteer).await;
    let letter = "I am writing to ask you to oppose the closure of the Riverside swimming pool, which \
        hundreds of children, older people and clubs use every week. The nearest other pool is an hour \
        away by bus and the council has not consulted anyone who uses it. Please press the council to \
        keep it open while a proper consultation takes place.";
    let copies = (0..5)
        .map(|n| RawMessage {
            source: format!("pool{n}"),
            bytes: format!(
                "From: Writer {n} <writer{n}@example.net>\r\nSubject: Pool closure, from writer {n}\r\nMessage-ID: <sample{n}@example.net>\r\n\r\nDear Councillor,\r\n\r\n{letter}\r\n\r\nRegards,\r\nWriter {n}\r\n"
            )
            .into_bytes(),
        })
        .collect();
    ingest(&t.app, office, copies).await.unwrap();
    let m = t.api(&manager);
    let campaign = m.get("/api/v1/campaigns").await.body["items"][0]["id"]
        .as_i64()
        .expect("the copies form a campaign");
    let sample_id = t
        .data(office)
        .campaign(campaign)
        .await
        .unwrap()
        .sample_id
        .unwrap();
    let sample_subject = m
        .get(&format!("/api/v1/correspondence/{sample_id}"))
        .await
        .body["subject"]
        .as_str()
        .unwrap()
        .to_owned();
    // Named apart from its copies, so the page shows the sample beside the name.
    let v = m.get(&format!("/api/v1/campaigns/{campaign}")).await.body["version"].clone();
    let r = m
        .post(
            &format!("/api/v1/campaigns/{campaign}/rename"),
            json!({"name": "Riverside pool", "version": v}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let shown = |html: &str| html.contains(&format!("e.g. “{sample_subject}”"));
    let b = t.browser();
    b.sign_in(&volunteer.email, PASSWORD).await;
    let before = b.get("/intake").await;
    assert!(
        shown(&before.html),
        "the sample is shown while it may be seen"
    );
    let r = m
        .patch(
            &format!("/api/v1/correspondence/{sample_id}/tags"),
            json!({"tags": {"sensitivity": "Highly sensitive"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let after = b.get("/intake").await;
    assert_eq!(after.status, StatusCode::OK);
    assert!(
        !shown(&after.html),
        "the hidden copy's subject is not shown"
    );
    let mb = t.browser();
    mb.sign_in(&manager.email, PASSWORD).await;
    assert!(
        shown(&mb.get("/intake").await.html),
        "the manager still sees it"
    );
}
