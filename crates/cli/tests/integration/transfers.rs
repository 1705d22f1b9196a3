//! Transferring a case to another office or level of government: the
//! referral email through a real SMTP server with the handover package
//! attached, a referral letter, the package as PDF and JSON, transfers in
//! Trends with their drill-down, and bad input refused with nothing changed.

use crate::harness::{Api, PASSWORD, SmtpSink, TestApp};
use crate::letters::pdf_text;
use crate::on_both_backends;
use casework_app::domain::Role;
use casework_app::intake::{RawMessage, ingest};
use casework_app::outbox::deliver_due;
use reqwest::StatusCode;
use serde_json::{Value, json};

crate::with_sink!(a_case_goes_by_email_with_its_handover_package_and_counts_in_trends);

on_both_backends!(
    a_referral_letter_or_a_recorded_handover_and_bad_input_changes_nothing,
    transfers_count_only_what_the_reader_may_see,
);

async fn bytes(api: &Api, path: &str) -> (StatusCode, String, Vec<u8>) {
    let r = api
        .client
        .get(format!("{}{path}", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

fn this_month(t: &TestApp) -> (String, String) {
    let (y, m, _) = casework_app::civil_date(t.app.now());
    let next = if m == 12 {
        format!("{}-01-01", y + 1)
    } else {
        format!("{y}-{:02}-01", m + 1)
    };
    (format!("{y}-{m:02}-01"), next)
}

async fn transfers_total(api: &Api) -> i64 {
    let r = api
        .get("/api/v1/trends?kind=transfers&dimension=transferability&periods=1")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["totals"].as_array().unwrap()[0].as_i64().unwrap()
}

async fn a_case_goes_by_email_with_its_handover_package_and_counts_in_trends(
    t: TestApp,
    sink: SmtpSink,
) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Ximena", "Vasquez").await;
    let case = api
        .case(
            person,
            json!({"title": "Bins not collected", "category": "Housing"}),
        )
        .await;
    let (id, reference) = (case["id"].as_i64().unwrap(), case["reference"].clone());
    let reference = reference.as_str().unwrap().to_owned();
    // She writes about it; the message is filed on the case by its reference.
    let mail = format!(
        "From: Ximena Vasquez <ximena.vasquez@example.net>\r\nTo: office@riverside.example\r\nSubject: Bins [{reference}]\r\nMessage-ID: <bins1@example.net>\r\n\r\nThe bins on Elm Street have not been emptied for three weeks.\r\n"
    );
    ingest(
        &t.app,
        office,
        vec![RawMessage {
            source: "in".into(),
            bytes: mail.into_bytes(),
        }],
    )
    .await
    .unwrap();
    assert_eq!(transfers_total(&api).await, 0);

    let r = api
        .post(
            &format!("/api/v1/cases/{id}/transfer"),
            json!({
                "to": "Riverside City Council",
                "email": "casework@council.example",
                "destination": "Another level of government",
                "reason": "Waste collection is a council service."
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["send"], "email");
    assert_eq!(r.body["destination"], "Another level of government");
    assert_eq!(r.body["to"], "Riverside City Council");
    let referral = r.body["correspondence_id"].as_i64().unwrap();

    // The case is transferred, with its Transferability value.
    let now = api.get(&format!("/api/v1/cases/{id}")).await.body;
    assert_eq!(now["status"], "transferred");
    let tags = api.get(&format!("/api/v1/cases/{id}/tags")).await.body;
    assert!(
        tags["tags"].as_array().unwrap().iter().any(|t| {
            t["dimension"] == "transferability" && t["value"] == "Another level of government"
        }),
        "{tags}"
    );
    let history = api.get(&format!("/api/v1/cases/{id}/timeline")).await.body;
    assert!(
        history
            .to_string()
            .contains("Transferred to Riverside City Council"),
        "{history}"
    );

    // The referral goes out once, to the council, with the package attached.
    assert_eq!(deliver_due(&t.app).await.unwrap(), 1);
    let sent = sink.messages();
    assert_eq!(sent.len(), 1);
    let parsed = casework_mail::parse(&sent[0]);
    assert!(
        parsed
            .to
            .iter()
            .any(|a| a.contains("casework@council.example")),
        "{:?}",
        parsed.to
    );
    assert!(parsed.subject.contains("Referral: Bins not collected"));
    assert!(parsed.subject.contains(&reference));
    assert!(
        parsed
            .text
            .contains("Why we are referring it: Waste collection is a council service."),
        "{}",
        parsed.text
    );
    let package = parsed
        .attachments
        .iter()
        .find(|a| a.filename == format!("Handover {reference}.pdf"))
        .expect("the handover package is attached");
    assert_eq!(package.content_type, "application/pdf");
    let text = pdf_text(&package.data);
    for want in [
        reference.as_str(),
        "Ximena Vasquez",
        "The bins on Elm Street have not been emptied for three weeks.",
        "Housing",
    ] {
        assert!(text.contains(want), "{want} not in the package:\n{text}");
    }
    assert_eq!(deliver_due(&t.app).await.unwrap(), 0);

    // The package as JSON now also holds the referral and the transfer.
    let h = api.get(&format!("/api/v1/cases/{id}/handover")).await;
    assert_eq!(h.status, StatusCode::OK, "{:?}", h.body);
    assert_eq!(h.body["format"], "casework-handover");
    assert_eq!(h.body["version"], 1);
    assert_eq!(h.body["case"]["reference"], reference.as_str());
    assert_eq!(h.body["constituent"]["full_name"], "Ximena Vasquez");
    let items = h.body["correspondence"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0]["direction"], "in");
    assert_eq!(items[1]["id"], referral);
    assert_eq!(
        items[1]["attachments"][0]["content_type"],
        "application/pdf"
    );
    assert_eq!(h.body["transfers"][0]["to"], "Riverside City Council");
    assert_eq!(h.body["notes"], json!([]));
    let (status, kind, pdf) = bytes(&api, &format!("/api/v1/cases/{id}/handover.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/pdf");
    assert!(pdf_text(&pdf).contains("Transferred to Riverside City Council"));

    // Trends counts the transfer, and its number opens to the case.
    let (from, before) = this_month(&t);
    let trends = api
        .get("/api/v1/trends?kind=transfers&dimension=transferability&periods=1")
        .await
        .body;
    assert_eq!(trends["kind"], "transfers");
    let row = trends["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["value"] == "Another level of government")
        .unwrap_or_else(|| panic!("{trends}"));
    assert_eq!(row["counts"], json!([1]));
    let list = api
        .get(&format!(
            "/api/v1/cases?tag={}&transferred_from={from}&transferred_before={before}",
            row["tag_id"]
        ))
        .await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    let listed: Vec<i64> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [id]);

    // Transferred once: a second transfer is refused and sends nothing.
    let again = api
        .post(
            &format!("/api/v1/cases/{id}/transfer"),
            json!({"to": "Someone else", "email": "x@council.example"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.body.to_string().contains("reopen it"),
        "{:?}",
        again.body
    );
    assert_eq!(deliver_due(&t.app).await.unwrap(), 0);
    assert_eq!(transfers_total(&api).await, 1);
    // It can be reopened (the council sent it back).
    let v = now["version"].as_i64().unwrap();
    let reopened = api
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"status": "open", "version": v}),
        )
        .await;
    assert_eq!(reopened.status, StatusCode::OK, "{:?}", reopened.body);
    let listed = api.get(&format!("/api/v1/cases/{id}/transfers")).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
}

async fn a_referral_letter_or_a_recorded_handover_and_bad_input_changes_nothing(t: TestApp) {
    let office = t.office("Office").await;
    let other = t.office("Other").await;
    let cw = t.user(office, Role::Caseworker).await;
    let volunteer = t.user(office, Role::Volunteer).await;
    let stranger = t.user(other, Role::OfficeManager).await;
    let api = t.api(&cw);
    let person = api.constituent("Emeka", "Okafor").await;
    let case = api
        .case(person, json!({"title": "Provincial health card"}))
        .await;
    let id = case["id"].as_i64().unwrap();
    let transfer = format!("/api/v1/cases/{id}/transfer");

    // Bad input: each refused with the field named, and nothing changes.
    for (body, field) in [
        (json!({"to": "", "send": "none"}), "to"),
        (json!({"to": "MPP", "send": "fax"}), "send"),
        (json!({"to": "MPP"}), "email"),
        (json!({"to": "MPP", "email": "not an address"}), "email"),
        (
            json!({"to": "MPP", "send": "none", "destination": "Ours"}),
            "destination",
        ),
        (
            json!({"to": "MPP", "send": "none", "destination": "Nowhere"}),
            "destination",
        ),
        (
            json!({"to": "MPP", "send": "letter", "template": "No such template"}),
            "template",
        ),
    ] {
        let r = api.post(&transfer, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            r.body
        );
        assert!(
            r.body["error"]["fields"][field].is_string(),
            "{body}: {:?}",
            r.body
        );
    }
    // Two values transfer: with neither named nor on the case, it asks.
    let r = api
        .post(&transfer, json!({"to": "MPP", "send": "none"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["error"]["fields"]["destination"]
            .as_str()
            .unwrap()
            .contains("Another office"),
        "{:?}",
        r.body
    );
    let stale = api
        .post(
            &transfer,
            json!({"to": "MPP", "send": "none", "destination": "Another office", "version": 99}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let r = t
        .api(&volunteer)
        .post(&transfer, json!({"to": "MPP", "send": "none"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .api(&stranger)
        .post(&transfer, json!({"to": "MPP", "send": "none"}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t
        .api(&stranger)
        .get(&format!("/api/v1/cases/{id}/handover"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let unchanged = api.get(&format!("/api/v1/cases/{id}")).await.body;
    assert_eq!(unchanged["status"], case["status"]);
    assert_eq!(unchanged["version"], case["version"]);
    let mail = api
        .get(&format!("/api/v1/cases/{id}/correspondence"))
        .await
        .body;
    assert_eq!(mail["items"], json!([]), "no referral was made");
    assert_eq!(transfers_total(&api).await, 0);

    // A referral letter, addressed to the other office.
    let r = api
        .post(
            &transfer,
            json!({
                "to": "Office of the MPP for Riverside North",
                "send": "letter",
                "address": "1 Queen's Park\nToronto ON M7A 1A1",
                "destination": "Another office",
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["send"], "letter");
    let letter = r.body["correspondence_id"].as_i64().unwrap();
    let (status, kind, pdf) = bytes(&api, &format!("/api/v1/correspondence/{letter}/raw")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/pdf");
    let text = pdf_text(&pdf);
    for want in [
        "Office of the MPP for Riverside North",
        "1 Queen's Park",
        "Dear colleagues at Office of the MPP for Riverside North,",
        "Emeka Okafor",
    ] {
        assert!(text.contains(want), "{want} not in the letter:\n{text}");
    }
    assert_eq!(
        api.get(&format!("/api/v1/cases/{id}")).await.body["status"],
        "transferred"
    );

    // Recorded only, from the pages: the form, its errors, then the case.
    let second = api.case(person, json!({"title": "Parking permit"})).await;
    let k = second["id"].as_i64().unwrap();
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let form = b.get(&format!("/cases/{k}/transfer")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("Transfer the case"));
    let csrf = form.csrf();
    let refused = b
        .post(
            &format!("/cases/{k}/transfer"),
            &[("csrf", &csrf), ("send", "none"), ("to", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .html
            .contains("Who takes the case over is required.")
    );
    let done = b
        .post(
            &format!("/cases/{k}/transfer"),
            &[
                ("csrf", &csrf),
                ("send", "none"),
                ("to", "Riverside City Council"),
                ("destination", "Another level of government"),
                ("reason", "Parking is the city's."),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let page = b.get(&format!("/cases/{k}")).await;
    assert!(page.html.contains("status-transferred"));
    assert!(
        page.html
            .contains("to Riverside City Council (Another level of government)")
    );
    assert!(
        !page.html.contains(&format!("/cases/{k}/transfer\"")),
        "a transferred case offers no second transfer"
    );
    let json_page = b.get(&format!("/cases/{k}/handover.json")).await;
    assert_eq!(json_page.status, StatusCode::OK);
    let h: Value = serde_json::from_str(&json_page.html).unwrap();
    assert_eq!(h["transfers"][0]["send"], "none");
    assert_eq!(h["transfers"][0]["reason"], "Parking is the city's.");
    assert_eq!(transfers_total(&api).await, 2);
}

async fn transfers_count_only_what_the_reader_may_see(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let m = t.api(&manager);
    let person = m.constituent("Ada", "Lovelace").await;
    let open = m.case(person, json!({"title": "Council tax"})).await;
    let hidden = m
        .case(
            person,
            json!({"title": "Safeguarding", "tags": {"sensitivity": "Highly sensitive"}}),
        )
        .await;
    for k in [&open, &hidden] {
        let r = m
            .post(
                &format!("/api/v1/cases/{}/transfer", k["id"]),
                json!({"to": "Council", "send": "none", "destination": "Another office"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    assert_eq!(transfers_total(&m).await, 2);
    let api = t.api(&cw);
    assert_eq!(
        transfers_total(&api).await,
        1,
        "the sensitive case is not counted"
    );
    let (from, before) = this_month(&t);
    let list = api
        .get(&format!(
            "/api/v1/cases?transferred_from={from}&transferred_before={before}"
        ))
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    let r = api
        .get(&format!("/api/v1/cases/{}/handover", hidden["id"]))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api
        .get(&format!("/api/v1/cases/{}/transfers", hidden["id"]))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
