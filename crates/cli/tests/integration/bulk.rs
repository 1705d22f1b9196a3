//! Work on many rows at once: each row changed as by hand (refused alone
//! when it may not be, recorded on its own history), and the selection
//! exported as CSV under the reader's permissions.

use crate::harness::{PASSWORD, TestApp};
use crate::on_both_backends;
use casework_app::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    cases_are_assigned_and_moved_in_bulk_each_recorded_on_its_own_history,
    a_selection_is_exported_as_csv_without_what_the_reader_may_not_see,
    intake_and_the_outbox_are_worked_in_bulk_through_the_api,
);

/// Posts a list's bulk form as the page does, ticking `ids`.
async fn post_bulk(
    b: &crate::harness::Browser,
    list: &str,
    csrf: &str,
    fields: &[(&str, &str)],
    ids: &[i64],
) -> (StatusCode, String, String) {
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf.into())];
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    form.extend(ids.iter().map(|id| (format!("item_{id}"), "on".to_owned())));
    let res = b
        .client
        .post(format!("{}/bulk/{list}", b.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    let p = crate::harness::Browser::page(res).await;
    (p.status, p.content_type, p.html)
}

async fn cases_are_assigned_and_moved_in_bulk_each_recorded_on_its_own_history(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&manager);
    let person = api.constituent("Ann", "Lee").await;
    let a = api.case(person, json!({"title": "One"})).await["id"]
        .as_i64()
        .unwrap();
    let b = api.case(person, json!({"title": "Two"})).await["id"]
        .as_i64()
        .unwrap();
    let c = api
        .case(person, json!({"title": "Three", "assignee_id": cw.id}))
        .await["id"]
        .as_i64()
        .unwrap();
    let m = t.browser();
    m.sign_in(&manager.email, PASSWORD).await;
    let list = m.get("/cases").await;
    assert!(
        list.html.contains("Assign the selected to"),
        "{}",
        list.html
    );
    assert!(list.html.contains("Export the selected as CSV"));
    let csrf = list.csrf();
    let (status, _, html) = post_bulk(
        &m,
        "cases",
        &csrf,
        &[("action", "assign"), ("assignee_id", &cw.id.to_string())],
        &[a, b, c],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("2 changed."), "{html}");
    assert!(html.contains("1 was so already."), "{html}");
    for id in [a, b] {
        let case = api.get(&format!("/api/v1/cases/{id}")).await;
        assert_eq!(case.body["assignee_id"], cw.id);
        // Recorded on each case's own history, by the person who did it.
        let history = api.get(&format!("/api/v1/cases/{id}/timeline")).await;
        let entries = history.body["items"].as_array().unwrap();
        let assigned: Vec<_> = entries.iter().filter(|e| e["kind"] == "assigned").collect();
        assert_eq!(assigned.len(), 1, "{entries:?}");
        assert_eq!(assigned[0]["actor_id"], manager.id, "{entries:?}");
    }
    // Already assigned: nothing written on its history.
    let history = api.get(&format!("/api/v1/cases/{c}/timeline")).await;
    assert!(
        !history.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "assigned")
    );
    // A status a case cannot move to is refused for that row alone, with
    // why: a closed case only reopens.
    api.patch(&format!("/api/v1/cases/{c}"), json!({"status": "closed"}))
        .await;
    let (status, _, html) = post_bulk(
        &m,
        "cases",
        &csrf,
        &[("action", "status"), ("status", "awaiting_third_party")],
        &[a, b, c],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("2 changed."), "{html}");
    assert!(html.contains("1 left as they were"), "{html}");
    for (id, want) in [
        (a, "awaiting_third_party"),
        (b, "awaiting_third_party"),
        (c, "closed"),
    ] {
        assert_eq!(
            api.get(&format!("/api/v1/cases/{id}")).await.body["status"],
            want
        );
    }
    // Nothing ticked: a clear refusal, nothing changed.
    let (status, _, html) = post_bulk(&m, "cases", &csrf, &[("action", "assign")], &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Select at least one row."), "{html}");
    // A volunteer may not assign: refused before anything is done.
    let volunteer = t.user(office, Role::Volunteer).await;
    let w = t.browser();
    w.sign_in(&volunteer.email, PASSWORD).await;
    let csrf = w.get("/account").await.csrf();
    let (status, _, html) = post_bulk(
        &w,
        "cases",
        &csrf,
        &[("action", "assign"), ("assignee_id", "")],
        &[a],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    assert_eq!(
        api.get(&format!("/api/v1/cases/{a}")).await.body["assignee_id"],
        cw.id
    );
}

async fn a_selection_is_exported_as_csv_without_what_the_reader_may_not_see(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&manager);
    let person = api.constituent("Ann", "Lee").await;
    let open = api
        .case(person, json!({"title": "=HYPERLINK(\"x\")"}))
        .await;
    let hidden = api
        .case(
            person,
            json!({"title": "Private", "sensitivity": "sensitive"}),
        )
        .await;
    let ids = [open["id"].as_i64().unwrap(), hidden["id"].as_i64().unwrap()];
    let w = t.browser();
    w.sign_in(&cw.email, PASSWORD).await;
    let csrf = w.get("/cases").await.csrf();
    let (status, kind, csv) = post_bulk(&w, "cases", &csrf, &[("action", "export")], &ids).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("Reference,Title,Constituent"), "{csv}");
    assert_eq!(lines.len(), 2, "the sensitive case is left out: {csv}");
    assert!(lines[1].contains(open["reference"].as_str().unwrap()));
    assert!(
        lines[1].contains("'=HYPERLINK"),
        "formulas made plain: {csv}"
    );
    // The manager sees both; the API gives the same file.
    let r = t
        .api(&manager)
        .send(
            reqwest::Method::POST,
            "/api/v1/bulk/cases/export",
            Some(json!({"ids": ids})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.as_str().unwrap().lines().count(), 3);
    // Constituents too.
    let (status, _, csv) = post_bulk(
        &w,
        "constituents",
        &csrf,
        &[("action", "export")],
        &[person],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("ann.lee@example.net"), "{csv}");
    // At most 500 at once.
    let many: Vec<i64> = (1..=501).collect();
    let r = t
        .api(&manager)
        .post("/api/v1/bulk/constituents/export", json!({"ids": many}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
}

async fn intake_and_the_outbox_are_worked_in_bulk_through_the_api(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let mail = |n: u32| {
        casework_app::intake::RawMessage {
        source: format!("b{n}"),
        bytes: format!(
            "From: Someone {n} <someone{n}@example.com>\r\nSubject: Question {n}\r\nMessage-ID: <b{n}@x>\r\n\r\nHello {n}.\r\n"
        )
        .into_bytes(),
    }
    };
    casework_app::intake::ingest(&t.app, office, vec![mail(1), mail(2), mail(3)])
        .await
        .unwrap();
    let api = t.api(&cw);
    let intake = api.get("/api/v1/intake").await;
    let ids: Vec<i64> = intake.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    let r = api
        .post(
            "/api/v1/bulk/intake",
            json!({"action": "no_action", "ids": &ids[..2]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["changed"], 2);
    // Again: those two were dealt with, and say so one by one.
    let r = api
        .post(
            "/api/v1/bulk/intake",
            json!({"action": "no_action", "ids": ids}),
        )
        .await;
    assert_eq!(r.body["changed"], 1, "{:?}", r.body);
    assert_eq!(r.body["refused"].as_array().unwrap().len(), 2);
    assert!(
        api.get("/api/v1/intake").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Held emails approved in bulk by the manager; a caseworker may not.
    let person = api.constituent("Ann", "Lee").await;
    let case = api
        .case(
            person,
            json!({"sensitivity": "sensitive", "assignee_id": cw.id}),
        )
        .await;
    for n in 0..2 {
        let r = api
            .post(
                &format!("/api/v1/cases/{}/emails", case["id"]),
                json!({"subject": format!("Note {n}"), "body": "Dear Ann,"}),
            )
            .await;
        assert_eq!(r.body["state"], "awaiting_approval");
    }
    let m_api = t.api(&manager);
    let held: Vec<i64> = m_api.get("/api/v1/approvals").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .collect();
    assert_eq!(held.len(), 2);
    let r = api
        .post(
            "/api/v1/bulk/outbox",
            json!({"action": "approve", "ids": held}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    let r = api
        .post(
            "/api/v1/bulk/outbox",
            json!({"action": "send", "ids": held}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let r = m_api
        .post(
            "/api/v1/bulk/outbox",
            json!({"action": "approve", "ids": held}),
        )
        .await;
    assert_eq!(r.body["changed"], 2, "{:?}", r.body);
    assert!(
        m_api.get("/api/v1/approvals").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // An unknown list is not found.
    let r = m_api
        .post(
            "/api/v1/bulk/letters",
            json!({"action": "approve", "ids": [1]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
