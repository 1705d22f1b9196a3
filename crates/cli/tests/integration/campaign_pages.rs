//! A campaign's page in sections, the reply to everyone asked for before it
//! is sent (with the number of people it will go to), and a paragraph many
//! copies share: in the campaign's text when most carry it, each sender's own
//! (and flagged as casework) when only some do.

use crate::harness::{PASSWORD, TestApp};
use casework_app::domain::Role;
use casework_app::intake::{RawMessage, ingest};
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::on_both_backends!(
    the_campaign_page_is_in_sections_and_sending_asks_first_with_the_number_of_people,
    a_paragraph_most_copies_share_is_the_campaigns_and_one_some_share_is_theirs,
);

const LETTER: &str = "I am writing to ask you to oppose the proposal by Riverside Transit to withdraw the number 14 \
bus service between Eastbank and the town centre from January.\n\n\
For many households in Eastbank, Hollin and Northgate the 14 is the only way to get anywhere. People who cannot \
drive, including pensioners, disabled residents and students, rely on it every single day.\n\n\
The consultation ran for only three weeks and most passengers did not know it was happening. Please speak to \
Riverside Transit, ask for the decision to be paused, and support a proper consultation.";

/// The same personal paragraph, as members of one family might each add it.
const PASSPORT: &str = "My son applied to renew his passport in March and it still has not arrived. He flies to \
his grandmother's funeral on 12 December and nobody at the Passport Office answers our letters. Can you help us?";

/// A copy of the campaign from writer `n` (message `k` of theirs), with a
/// paragraph of their own above the letter if `own` is not empty.
fn copy(n: usize, k: usize, own: &str) -> RawMessage {
    let own = if own.is_empty() {
        String::new()
    } else {
        format!("{own}\r\n\r\n")
    };
    let letter = LETTER.replace('\n', "\r\n");
    RawMessage {
        source: format!("copy{n}-{k}"),
        bytes: format!(
            "From: Writer {n} <writer{n}@example.net>\r\nTo: office@riverside.example\r\nSubject: Save the 14 bus\r\n\
             Message-ID: <bus{n}-{k}@example.net>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             Dear Ms Rivera,\r\n\r\n{own}{letter}\r\n\r\nKind regards,\r\nWriter {n}\r\n{} Elm Road\r\nRiverside RV1 2AB\r\n",
            n + 1
        )
        .into_bytes(),
    }
}

/// The office's one campaign, as the API lists it.
async fn the_campaign(api: &crate::harness::Api) -> Value {
    let list = api.get("/api/v1/campaigns").await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    items[0].clone()
}

/// How far the campaign's reply has gone: (state, replies queued or beyond,
/// people not emailed because they asked not to be).
async fn progress(api: &crate::harness::Api, id: i64) -> (String, i64, i64) {
    let c = api.get(&format!("/api/v1/campaigns/{id}")).await.body;
    let p = &c["progress"];
    let replies: i64 = ["queued", "sending", "sent", "failed"]
        .iter()
        .map(|k| p[*k].as_i64().unwrap())
        .sum();
    (
        c["reply_state"].as_str().unwrap().to_owned(),
        replies,
        p["do_not_email"].as_i64().unwrap(),
    )
}

/// The value of the hidden `version` field of a page's form.
fn version_in(html: &str) -> i64 {
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).expect("a version field") + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].parse().unwrap()
}

async fn the_campaign_page_is_in_sections_and_sending_asks_first_with_the_number_of_people(
    t: TestApp,
) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let api = t.api(&manager);
    // Seven people, one of whom wrote twice, and one who asked not to be
    // emailed: the reply goes to six.
    let mut batch: Vec<RawMessage> = (0..7).map(|n| copy(n, 0, "")).collect();
    batch.push(copy(0, 1, ""));
    let report = ingest(&t.app, office, batch).await.unwrap();
    assert_eq!(report.imported, 8);
    let quiet = api
        .post(
            "/api/v1/constituents",
            json!({"first_name": "Quiet", "last_name": "Writer", "email": "writer6@example.net", "do_not_email": true}),
        )
        .await;
    assert_eq!(quiet.status, StatusCode::CREATED, "{:?}", quiet.body);
    let c = the_campaign(&api).await;
    assert_eq!(c["message_count"], 8);
    let id = c["id"].as_i64().unwrap();
    let version = api.get(&format!("/api/v1/campaigns/{id}")).await.body["version"].clone();
    let saved = api
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/campaigns/{id}/reply"),
            Some(json!({"subject": "Your message about the 14 bus",
                "body": "Thank you for writing about the number 14 bus.\n\nWe have raised it with Riverside Transit.",
                "submit": true, "version": version})),
            &[],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    assert_eq!(saved.body["reply_state"], "approved");

    // The page: a list of its sections, each a labelled section.
    let b = t.browser();
    b.sign_in(&manager.email, PASSWORD).await;
    let page = b.get(&format!("/campaigns/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html
            .contains("<h2 id=\"contents-h\">On this page</h2>"),
        "{}",
        page.html
    );
    for (anchor, heading) in [
        ("text-h", "The campaign's text"),
        ("casework-h", "Possible personal casework"),
        ("reply-h", "One reply to everyone"),
        ("messages-h", "Messages"),
    ] {
        assert!(
            page.html.contains(&format!("href=\"#{anchor}\"")),
            "{anchor}"
        );
        assert!(
            page.html
                .contains(&format!("<section aria-labelledby=\"{anchor}\"")),
            "{anchor}"
        );
        assert!(
            page.html
                .contains(&format!("<h2 id=\"{anchor}\">{heading}</h2>")),
            "{anchor}: {}",
            page.html
        );
    }
    assert!(page.html.contains("Send to everyone who wrote"));

    // Pressing send asks first, with the number of people, and sends nothing.
    let csrf = page.csrf();
    let path = format!("/campaigns/{id}/reply/send");
    let ask = b.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.html);
    assert!(
        ask.html.contains("Send this reply to 6 people?"),
        "{}",
        ask.html
    );
    assert!(ask.html.contains("Send to 6 people"), "{}", ask.html);
    assert!(ask.html.contains("Your message about the 14 bus"));
    assert!(
        ask.html
            .contains("Thank you for writing about the number 14 bus.")
    );
    assert!(ask.html.contains("Not emailed: 1 who asked not to be."));
    assert!(ask.html.contains("name=\"confirm\" value=\"yes\""));
    assert!(ask.html.contains(&format!("href=\"/campaigns/{id}\"")));
    assert_eq!(
        progress(&api, id).await,
        ("approved".to_owned(), 0, 0),
        "nothing is sent before it is confirmed"
    );

    // A confirmation of the reply as it was before a change is refused.
    let read = version_in(&ask.html);
    let stale = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("confirm", "yes"),
                ("version", &(read - 1).to_string()),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.html.contains("nothing was sent"), "{}", stale.html);
    assert_eq!(progress(&api, id).await, ("approved".to_owned(), 0, 0));

    // Confirmed, it is sent: once to each of the six, and the one who asked
    // not to be emailed is not.
    let sent = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("confirm", "yes"),
                ("version", &read.to_string()),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    assert_eq!(sent.location, format!("/campaigns/{id}?notice=sent"));
    assert_eq!(progress(&api, id).await, ("sending".to_owned(), 6, 1));
    // Confirmed twice (a double click): nobody gets it twice.
    let again = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("confirm", "yes"),
                ("version", &read.to_string()),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(progress(&api, id).await, ("sending".to_owned(), 6, 1));
    // Asked again, nobody is left to send it to.
    let page = b.get(&format!("/campaigns/{id}")).await;
    assert!(page.html.contains("Send to people not yet answered"));
    let ask = b.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(
        ask.html.contains("Nobody is waiting for this reply"),
        "{}",
        ask.html
    );
    assert!(!ask.html.contains("name=\"confirm\""));
}

async fn a_paragraph_most_copies_share_is_the_campaigns_and_one_some_share_is_theirs(t: TestApp) {
    // (copies of ten carrying the paragraph, flagged copies, campaign flagged)
    for (with, flagged, shared) in [(6, 0, true), (3, 3, false)] {
        let office = t.office("Office").await;
        let cw = t.user(office, Role::Caseworker).await;
        let api = t.api(&cw);
        let batch: Vec<RawMessage> = (0..10)
            .map(|n| copy(n, 0, if n < with { PASSPORT } else { "" }))
            .collect();
        let report = ingest(&t.app, office, batch).await.unwrap();
        assert_eq!(report.imported, 10);
        let c = the_campaign(&api).await;
        assert_eq!(c["message_count"], 10, "{with} of 10");
        assert_eq!(c["flagged_count"], flagged, "{with} of 10");
        let id = c["id"].as_i64().unwrap();
        let messages = api
            .get(&format!("/api/v1/campaigns/{id}/messages?limit=100"))
            .await
            .body;
        for m in messages["items"].as_array().unwrap() {
            let addition = m["personal_addition"].as_str().unwrap();
            assert_eq!(
                addition.contains("passport"),
                !shared && m["flagged"].as_bool().unwrap(),
                "{with} of 10: {m}"
            );
        }
        let b = t.browser();
        b.sign_in(&cw.email, PASSWORD).await;
        let page = b.get(&format!("/campaigns/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.html.contains("Casework in the shared text"),
            shared,
            "{with} of 10: {}",
            page.html
        );
        if shared {
            assert!(page.html.contains("My son applied to renew his passport"));
            assert!(
                page.html
                    .contains("No message has a personal addition that looks like casework.")
            );
        } else {
            assert!(
                page.html
                    .contains("3 messages have a personal addition that looks like casework")
            );
        }
    }
}
