//! The approvals page and the counts in the menu: each count the length of
//! a list its reader may open.

use crate::harness::{PASSWORD, TestApp};
use crate::on_both_backends;
use casework_app::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    what_waits_for_approval_is_listed_oldest_first_and_approved_from_the_list,
    the_menu_counts_intake_approvals_and_new_replies_the_reader_may_open,
    writing_an_email_when_sending_is_not_set_up_says_who_to_ask,
);

/// The number the menu shows beside a link (none when there is none).
fn menu_count(html: &str, label: &str) -> Option<i64> {
    let nav = &html[html.find("<nav aria-label=\"Main\">")?..];
    let nav = &nav[..nav.find("</nav>")?];
    let at = nav.find(&format!(">{label} <span class=\"count\">"))?;
    let rest = &nav[at + label.len() + 22..];
    rest[..rest.find('<')?].trim().parse().ok()
}

async fn what_waits_for_approval_is_listed_oldest_first_and_approved_from_the_list(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    t.template(
        &manager,
        "Signed",
        "From the member",
        "Dear {{ constituent.first_name }},",
        true,
    )
    .await;
    let api = t.api(&cw);
    let person = api.constituent("Ann", "Lee").await;
    let case = api.case(person, json!({"title": "Benefits"})).await;
    let letter = api.letter(&case["id"], json!({"template": "Signed"})).await;
    // Later by at least a clock tick, so "oldest first" has one answer.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let sensitive = api
        .case(
            person,
            json!({"sensitivity": "sensitive", "assignee_id": cw.id}),
        )
        .await;
    let email = api
        .post(
            &format!("/api/v1/cases/{}/emails", sensitive["id"]),
            json!({"subject": "About your case", "body": "Dear Ann,"}),
        )
        .await;
    assert!(email.status.is_success(), "{:?}", email.body);

    let m = t.browser();
    m.sign_in(&manager.email, PASSWORD).await;
    let page = m.get("/approvals").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        menu_count(&page.html, "Approvals"),
        Some(2),
        "{}",
        page.html
    );
    let (l, e) = (
        page.html.find("From the member").unwrap(),
        page.html.find("About your case").unwrap(),
    );
    assert!(l < e, "oldest first");
    assert!(page.html.contains(case["reference"].as_str().unwrap()));
    // A caseworker neither sees the menu entry nor the page.
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let home = b.get("/").await;
    assert!(!home.html.contains("href=\"/approvals\""));
    assert_eq!(b.get("/approvals").await.status, StatusCode::FORBIDDEN);

    // Approved from the list: the letter, laid out again without DRAFT.
    let approved = m
        .post(
            &format!("/approvals/letters/{letter}"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let page = m.get("/approvals").await;
    assert_eq!(menu_count(&page.html, "Approvals"), Some(1));
    assert!(!page.html.contains("From the member"));
    // The email through the API.
    let manager_api = t.api(&manager);
    let waiting = manager_api.get("/api/v1/approvals").await;
    let items = waiting.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "email");
    let path = items[0]["approve"].as_str().unwrap().to_owned();
    let r = manager_api.post(&path, json!({})).await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let page = m.get("/approvals").await;
    assert_eq!(menu_count(&page.html, "Approvals"), None);
    assert!(page.html.contains("Nothing is waiting for approval."));
}

async fn the_menu_counts_intake_approvals_and_new_replies_the_reader_may_open(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let other = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Ann", "Lee").await;
    let case = api
        .case(person, json!({"title": "Benefits", "assignee_id": cw.id}))
        .await;
    let reference = case["reference"].as_str().unwrap().to_owned();
    let mail = |n: u32, subject: &str| {
        casework_app::intake::RawMessage {
        source: format!("m{n}"),
        bytes: format!(
            "From: Someone {n} <someone{n}@example.com>\r\nSubject: {subject}\r\nMessage-ID: <m{n}@x>\r\n\r\nHello {n}.\r\n"
        )
        .into_bytes(),
    }
    };
    // Two for intake, one reply on the caseworker's case (its reference).
    casework_app::intake::ingest(
        &t.app,
        office,
        vec![
            mail(1, "A question"),
            mail(2, "Another question"),
            mail(3, &format!("Re: {reference}")),
        ],
    )
    .await
    .unwrap();
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let home = b.get("/").await;
    assert_eq!(menu_count(&home.html, "Intake"), Some(2), "{}", home.html);
    assert_eq!(menu_count(&home.html, "New replies"), Some(1));
    // The count is the list behind the link.
    let link = format!("/messages?assignee_id={}&amp;unread=true", cw.id);
    assert!(home.html.contains(&link), "{}", home.html);
    let list = b.get(&link.replace("&amp;", "&")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.html.contains(&format!("Re: {reference}")),
        "{}",
        list.html
    );
    assert!(!list.html.contains("A question"));
    // Someone else's cases: no replies of theirs.
    let o = t.browser();
    o.sign_in(&other.email, PASSWORD).await;
    assert_eq!(menu_count(&o.get("/").await.html, "New replies"), None);
    // Opened: no longer new.
    let id = api
        .get(&format!("/api/v1/cases/{}/correspondence", case["id"]))
        .await
        .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    b.get(&format!("/correspondence/{id}")).await;
    assert_eq!(menu_count(&b.get("/").await.html, "New replies"), None);
}

async fn writing_an_email_when_sending_is_not_set_up_says_who_to_ask(t: TestApp) {
    // This server has an office sending address but no mail server.
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let admin = t.user(office, Role::Admin).await;
    let api = t.api(&cw);
    let person = api.constituent("Ann", "Lee").await;
    let case = api.case(person, json!({})).await;
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let form = b.get(&format!("/cases/{}/emails/new", case["id"])).await;
    assert!(
        form.html.contains("Email is not set up on this server yet")
            && form.html.contains(&t.actor(&admin).await.display_name),
        "{}",
        form.html
    );
    // Setting names are for administrators.
    let outbox = b.get("/outbox").await;
    assert!(
        outbox
            .html
            .contains("Email is not set up on this server yet")
    );
    assert!(!outbox.html.contains("[smtp]"));
    let a = t.browser();
    a.sign_in(&admin.email, PASSWORD).await;
    assert!(a.get("/outbox").await.html.contains("[smtp]"));
}
