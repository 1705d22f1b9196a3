//! Drafts waiting for approval: the approver returns one with a comment, or
//! edits it (a new version replaces it in one step); the author is told.
//! And an email that starts from a template, above the text it answers.

use crate::harness::{Api, Browser, PASSWORD, TestApp, TestUser};
use crate::on_both_backends;
use casework_app::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    an_approver_returns_a_letter_with_a_comment_and_its_author_is_told,
    an_approver_edits_an_email_and_the_new_version_replaces_the_draft,
    an_author_edits_a_waiting_letter_and_the_new_version_still_waits,
    an_email_starts_from_a_template_above_the_text_it_answers,
    an_email_from_a_template_the_representative_signs_waits_for_approval,
);

/// An office with a manager and a caseworker, a template the manager
/// saved, and a case the caseworker opened for Ann Lee.
struct Drafting {
    office: i64,
    manager: TestUser,
    cw: TestUser,
    /// The caseworker's API client.
    api: Api,
    case: Value,
    case_id: i64,
}

async fn with_template(
    t: &TestApp,
    name: &str,
    subject: &str,
    body: &str,
    signed_by_representative: bool,
) -> Drafting {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    t.template(&manager, name, subject, body, signed_by_representative)
        .await;
    let api = t.api(&cw);
    let person = api.constituent("Ann", "Lee").await;
    let case = api.case(person, json!({"title": "Benefits"})).await;
    let case_id = case["id"].as_i64().unwrap();
    Drafting {
        office,
        manager,
        cw,
        api,
        case,
        case_id,
    }
}

async fn notification_texts(api: &Api) -> Vec<String> {
    api.get("/api/v1/notifications").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap().to_owned())
        .collect()
}

/// Posts the email form as the page sends it: (status, location, html).
async fn post_email_form(
    b: &Browser,
    case_id: i64,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let p = b
        .post_multipart(&format!("/cases/{case_id}/emails"), fields)
        .await;
    (p.status, p.location, p.html)
}

/// The case's correspondence, newest first as the API lists it.
async fn correspondence(api: &Api, case_id: i64) -> Vec<Value> {
    api.get(&format!("/api/v1/cases/{case_id}/correspondence"))
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn an_approver_returns_a_letter_with_a_comment_and_its_author_is_told(t: TestApp) {
    let Drafting {
        manager,
        cw,
        api,
        case,
        ..
    } = with_template(
        &t,
        "Signed",
        "From the member",
        "Dear {{ constituent.first_name }},",
        true,
    )
    .await;
    let letter = api.letter(&case["id"], json!({"template": "Signed"})).await;

    // A caseworker cannot return it, and sees no form to.
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let page = b.get(&format!("/correspondence/{letter}")).await;
    assert!(!page.html.contains("Return for changes"));
    let refused = b
        .post(
            &format!("/correspondence/{letter}/return"),
            &[("csrf", &page.csrf()), ("comment", "no")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let m = t.browser();
    m.sign_in(&manager.email, PASSWORD).await;
    let page = m.get(&format!("/correspondence/{letter}")).await;
    assert!(page.html.contains("Return for changes"), "{}", page.html);
    // Without a reason: refused, nothing changed.
    let empty = m
        .post(
            &format!("/correspondence/{letter}/return"),
            &[("csrf", &page.csrf()), ("comment", "  ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.html.contains("What should change"), "{}", empty.html);
    let m_api = t.api(&manager);
    assert_eq!(
        m_api.get("/api/v1/approvals").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let returned = m
        .post(
            &format!("/correspondence/{letter}/return"),
            &[
                ("csrf", &page.csrf()),
                ("comment", "Please add the date of the tribunal."),
            ],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.html);
    // Out of the queue and the print run; the reason in its comments.
    assert!(
        m_api.get("/api/v1/approvals").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let queue = m_api.get("/api/v1/letters").await;
    assert!(
        !queue.body.to_string().contains("From the member"),
        "{:?}",
        queue.body
    );
    let page = b.get(&format!("/correspondence/{letter}")).await;
    assert!(
        page.html.contains("Returned to its author"),
        "{}",
        page.html
    );
    assert!(page.html.contains("Please add the date of the tribunal."));
    // The author may write it again from its text.
    assert!(
        page.html
            .contains(&format!("/cases/{}/letters/new?from={letter}", case["id"]))
    );
    let again = b
        .get(&format!("/cases/{}/letters/new?from={letter}", case["id"]))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.html.contains("Dear Ann,"), "{}", again.html);
    assert!(!again.html.contains("name=\"replaces\""));
    let told = notification_texts(&api).await;
    assert!(
        told.iter().any(|n| n.contains("returned your letter")
            && n.contains(case["reference"].as_str().unwrap())),
        "{told:?}"
    );
    // Returned twice: the second is told it no longer waits.
    let twice = m_api
        .post(
            &format!("/api/v1/correspondence/{letter}/return"),
            json!({"comment": "again"}),
        )
        .await;
    assert_eq!(
        twice.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        twice.body
    );
    assert!(twice.body.to_string().contains("no longer waiting"));
    // The history says who returned it and why.
    let history = api
        .get(&format!("/api/v1/cases/{}/timeline", case["id"]))
        .await;
    assert!(
        history
            .body
            .to_string()
            .contains("returned to its author for changes"),
        "{:?}",
        history.body
    );
}

async fn an_approver_edits_an_email_and_the_new_version_replaces_the_draft(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Ann", "Lee").await;
    let case = api
        .case(
            person,
            json!({"sensitivity": "sensitive", "assignee_id": cw.id}),
        )
        .await;
    let case_id = case["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/api/v1/cases/{case_id}/emails"),
            json!({"subject": "About your case", "body": "Dear Ann, we have news."}),
        )
        .await;
    assert_eq!(r.body["state"], "awaiting_approval", "{:?}", r.body);
    let draft = r.body["id"].as_i64().unwrap();
    let m_api = t.api(&manager);
    let waiting = m_api.get("/api/v1/approvals").await;
    let item = &waiting.body["items"][0];
    assert_eq!(
        item["return"],
        format!("/api/v1/correspondence/{draft}/return")
    );

    let m = t.browser();
    m.sign_in(&manager.email, PASSWORD).await;
    let page = m.get(&format!("/correspondence/{draft}")).await;
    let edit = format!("/cases/{case_id}/emails/new?from={draft}");
    assert!(page.html.contains(&edit), "{}", page.html);
    let form = m.get(&edit).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("Dear Ann, we have news."));
    assert!(
        form.html
            .contains(&format!("name=\"replaces\" value=\"{draft}\""))
    );
    let csrf = form.csrf();
    let (status, location, html) = post_email_form(
        &m,
        case_id,
        &[
            ("csrf", &csrf),
            ("to", "ann.lee@example.net"),
            ("subject", "About your case"),
            ("body", "Dear Ann, we have good news."),
            ("replaces", &draft.to_string()),
            ("action", "send"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    assert!(location.starts_with(&format!("/cases/{case_id}")));
    // The approver's version goes; the draft is replaced, not sent.
    let items = correspondence(&m_api, case_id).await;
    let new = items
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .find(|id| *id != draft)
        .unwrap_or_else(|| panic!("{items:?}"));
    let text = m_api.get(&format!("/api/v1/correspondence/{new}")).await;
    assert!(
        text.body["text"].as_str().unwrap().contains("good news"),
        "{:?}",
        text.body
    );
    assert!(
        m_api.get("/api/v1/approvals").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let old = m.get(&format!("/correspondence/{draft}")).await;
    assert!(
        old.html.contains("Replaced by an edited version"),
        "{}",
        old.html
    );
    let told = notification_texts(&api).await;
    assert!(
        told.iter()
            .any(|n| n.contains("edited your email") && n.contains("approved it")),
        "{told:?}"
    );
    // Editing it again: it no longer waits, and nothing is written.
    let (status, _, html) = post_email_form(
        &m,
        case_id,
        &[
            ("csrf", &csrf),
            ("to", "ann.lee@example.net"),
            ("subject", "About your case"),
            ("body", "A third version."),
            ("replaces", &draft.to_string()),
            ("action", "send"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("no longer waiting"), "{html}");
    assert_eq!(correspondence(&m_api, case_id).await.len(), 2);
}

async fn an_author_edits_a_waiting_letter_and_the_new_version_still_waits(t: TestApp) {
    let Drafting {
        office,
        manager,
        api,
        case_id,
        ..
    } = with_template(
        &t,
        "Signed",
        "From the member",
        "Dear {{ constituent.first_name }},",
        true,
    )
    .await;
    let other = t.user(office, Role::Caseworker).await;
    let letter = api.letter(case_id, json!({"template": "Signed"})).await;
    // Someone else who does not approve may not replace it.
    let refused = t
        .api(&other)
        .post(
            &format!("/api/v1/cases/{case_id}/letters"),
            json!({"body": "Mine instead", "replaces": letter}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    // Its author may: the new version waits for approval as the old did,
    // even though it is written as the author's own text.
    let r = api
        .post(
            &format!("/api/v1/cases/{case_id}/letters"),
            json!({"body": "Dear Ann, a better letter.", "replaces": letter}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let new = r.body["id"].as_i64().unwrap();
    let waiting = t.api(&manager).get("/api/v1/approvals").await;
    let items = waiting.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["id"].as_i64(), Some(new));
    let old = api.get(&format!("/api/v1/correspondence/{letter}")).await;
    assert_eq!(old.body["approval"], "replaced", "{:?}", old.body);
    // The replaced draft cannot be printed.
    let print = t
        .api(&manager)
        .post("/api/v1/letters/print", json!({"ids": [letter]}))
        .await;
    assert_eq!(
        print.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        print.body
    );
}

async fn an_email_starts_from_a_template_above_the_text_it_answers(t: TestApp) {
    let Drafting {
        cw,
        api,
        case,
        case_id,
        ..
    } = with_template(
        &t,
        "Update",
        "News on {{ case.reference }}",
        "Dear {{ constituent.first_name }}, here is an update.",
        false,
    )
    .await;
    let reference = case["reference"].as_str().unwrap();
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let form = b.get(&format!("/cases/{case_id}/emails/new")).await;
    assert!(form.html.contains("Use this template"), "{}", form.html);
    let csrf = form.csrf();
    let quoted = "\n\nOn 1 Dec 2026, Ann wrote:\n> Any news?\n";
    let (status, _, html) = post_email_form(
        &b,
        case_id,
        &[
            ("csrf", &csrf),
            ("to", "ann.lee@example.net"),
            ("subject", "Benefits"),
            ("body", quoted),
            ("template", "Update"),
            ("action", "template"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let body_at = html
        .find("Dear Ann, here is an update.")
        .expect("filled text");
    let quote_at = html.find("Any news?").expect("the quote kept");
    assert!(body_at < quote_at);
    assert!(html.contains(&format!("News on {reference}")));
    // Nothing was sent or kept.
    assert!(correspondence(&api, case_id).await.is_empty());
    // A template that does not exist: said at the field, nothing lost.
    let (status, _, html) = post_email_form(
        &b,
        case_id,
        &[
            ("csrf", &csrf),
            ("subject", "Benefits"),
            ("body", "My own words"),
            ("template", "Nope"),
            ("action", "template"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("There is no template called"));
    assert!(html.contains("My own words"));
}

async fn an_email_from_a_template_the_representative_signs_waits_for_approval(t: TestApp) {
    let Drafting {
        manager,
        cw,
        api,
        case_id,
        ..
    } = with_template(
        &t,
        "From the member",
        "A word from your representative",
        "Dear {{ constituent.first_name }}, I have written to the minister.",
        true,
    )
    .await;
    // Started from the template on the page, then sent: held.
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let csrf = b.get(&format!("/cases/{case_id}/emails/new")).await.csrf();
    let (status, _, html) = post_email_form(
        &b,
        case_id,
        &[
            ("csrf", &csrf),
            ("to", "ann.lee@example.net"),
            ("subject", ""),
            ("body", ""),
            ("template", "From the member"),
            ("action", "template"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("name=\"used_template\" value=\"From the member\""),
        "{html}"
    );
    let (status, location, html) = post_email_form(
        &b,
        case_id,
        &[
            ("csrf", &csrf),
            ("to", "ann.lee@example.net"),
            ("subject", "A word from your representative"),
            (
                "body",
                "Dear Ann, I have written to the minister. And called them.",
            ),
            ("used_template", "From the member"),
            ("action", "send"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    assert!(location.ends_with("notice=email_held"), "{location}");
    // Through the API too; an approver's goes at once.
    let r = api
        .post(
            &format!("/api/v1/cases/{case_id}/emails"),
            json!({"template": "From the member"}),
        )
        .await;
    assert_eq!(r.body["state"], "awaiting_approval", "{:?}", r.body);
    let r = t
        .api(&manager)
        .post(
            &format!("/api/v1/cases/{case_id}/emails"),
            json!({"template": "From the member"}),
        )
        .await;
    assert_eq!(r.body["state"], "queued", "{:?}", r.body);
    // Written without it: goes as before.
    let r = api
        .post(
            &format!("/api/v1/cases/{case_id}/emails"),
            json!({"subject": "Update", "body": "Dear Ann,"}),
        )
        .await;
    assert_eq!(r.body["state"], "queued", "{:?}", r.body);
}
