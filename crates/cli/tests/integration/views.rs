//! Saved views: a person's case-list filters under a name, in the menu
//! with a count that is the length of the list it opens, for them alone.

use crate::harness::{PASSWORD, TestApp};
use crate::on_both_backends;
use casework_app::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    a_saved_view_is_in_the_menu_with_the_count_of_the_list_it_opens,
    saved_views_are_kept_read_and_deleted_through_the_api_by_their_owner,
);

/// The number the menu shows beside a saved view (none when none).
fn view_count(html: &str, name: &str) -> Option<i64> {
    let nav = &html[html.find("<nav aria-label=\"Main\">")?..];
    let nav = &nav[..nav.find("</nav>")?];
    let marker = format!(">{name} <span class=\"count\">");
    let at = nav.find(&marker)?;
    let rest = &nav[at + marker.len()..];
    rest[..rest.find('<')?].trim().parse().ok()
}

async fn a_saved_view_is_in_the_menu_with_the_count_of_the_list_it_opens(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&manager);
    let person = api.constituent("Ann", "Lee").await;
    for title in ["One", "Two"] {
        api.case(person, json!({"title": title, "assignee_id": cw.id}))
            .await;
    }
    // Sensitive, and the caseworker's: still counted only if they may see it.
    api.case(
        person,
        json!({"title": "Private", "sensitivity": "sensitive"}),
    )
    .await;
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let list = b.get("/cases?view=mine").await;
    assert!(list.html.contains("Save these filters as"), "{}", list.html);
    let saved = b
        .post(
            "/views",
            &[
                ("csrf", &list.csrf()),
                ("name", "My open work"),
                ("query", "view=mine&status=&sort="),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let home = b.get("/").await;
    assert_eq!(
        view_count(&home.html, "My open work"),
        Some(2),
        "{}",
        home.html
    );
    // The link opens the list it counts.
    assert!(
        home.html.contains("href=\"/cases?view=mine\""),
        "{}",
        home.html
    );
    let opened = b.get("/cases?view=mine").await;
    assert_eq!(opened.html.matches("name=\"item_").count(), 2);
    // A view of every case: the sensitive one is neither listed nor counted.
    let all = b.get("/cases").await;
    b.post(
        "/views",
        &[("csrf", &all.csrf()), ("name", "Everything"), ("query", "")],
    )
    .await;
    let home = b.get("/").await;
    let shown = all.html.matches("name=\"item_").count() as i64;
    assert_eq!(view_count(&home.html, "Everything"), Some(shown));
    assert_eq!(shown, 2, "the sensitive case is not listed");
    // Filters that do not work are refused, and nothing is saved.
    let bad = b
        .post(
            "/views",
            &[
                ("csrf", &all.csrf()),
                ("name", "Broken"),
                ("query", "status=bogus"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!b.get("/").await.html.contains("Broken"));
    // Another person's menu does not show them.
    let m = t.browser();
    m.sign_in(&manager.email, PASSWORD).await;
    assert!(!m.get("/").await.html.contains("My open work"));
}

async fn saved_views_are_kept_read_and_deleted_through_the_api_by_their_owner(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let other = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Ann", "Lee").await;
    api.case(person, json!({"title": "One"})).await;
    let r = api
        .post(
            "/api/v1/me/views",
            json!({"name": "Open", "query": "status=new"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    // Saved again under the same name: replaced, not doubled.
    let again = api
        .post(
            "/api/v1/me/views",
            json!({"name": "Open", "query": "status=new&sort=oldest"}),
        )
        .await;
    assert_eq!(again.body["id"].as_i64(), Some(id));
    let list = api.get("/api/v1/me/views").await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["count"], 1);
    assert_eq!(items[0]["query"], "status=new&sort=oldest");
    assert!(
        t.api(&other).get("/api/v1/me/views").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let theirs = t
        .api(&other)
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/me/views/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let gone = api
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/me/views/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let empty = api
        .post("/api/v1/me/views", json!({"name": " ", "query": ""}))
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
}
