//! The tagging framework: merge with its alias and undo, retire, required
//! dimensions, counts under the reader's permissions, one office's tags
//! kept from another, and bad input refused with a clear message.

use crate::harness::{Api, PASSWORD, TestApp};
use crate::on_both_backends;
use casework_app::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    a_merge_repoints_every_use_keeps_an_alias_and_can_be_undone,
    bad_framework_changes_are_refused_with_a_reason,
    a_required_dimension_is_refused_in_the_api_and_the_pages,
    tag_counts_never_include_what_the_reader_may_not_see,
    an_offices_tags_are_never_seen_or_used_by_another,
);

/// The id of a value by its full name, from `GET /api/v1/tags`.
async fn value_id(api: &Api, dimension: &str, path: &str) -> i64 {
    let f = api.get("/api/v1/tags").await.body;
    f["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == dimension)
        .and_then(|d| {
            d["values"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["path"] == path)
        })
        .unwrap_or_else(|| panic!("{dimension}: {path} not in {f}"))["id"]
        .as_i64()
        .unwrap()
}

fn category(case: &Value) -> String {
    case["category"].as_str().unwrap_or_default().to_owned()
}

async fn a_merge_repoints_every_use_keeps_an_alias_and_can_be_undone(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let m = t.api(&manager);
    let api = t.api(&cw);
    for name in ["Housing repairs", "housing-repair"] {
        let r = m
            .post(
                "/api/v1/tags",
                json!({"dimension": "category", "name": name}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    let good = value_id(&m, "category", "Housing repairs").await;
    let bad = value_id(&m, "category", "housing-repair").await;
    let p = api.constituent("Ada", "Okafor").await;
    let a = api.case(p, json!({"category": "Housing repairs"})).await;
    let b = api.case(p, json!({"category": "housing-repair"})).await;
    let c = api.case(p, json!({"category": "HOUSING-REPAIR "})).await;
    assert_eq!(
        category(&c),
        "housing-repair",
        "case and spacing do not matter"
    );

    // The tags page finds the pair.
    let usage = m.get("/api/v1/tags/usage").await;
    assert_eq!(usage.status, StatusCode::OK);
    let pairs = usage.body["near_duplicates"].as_array().unwrap();
    assert!(
        pairs
            .iter()
            .any(|p| (p["a"] == good && p["b"] == bad) || (p["a"] == bad && p["b"] == good)),
        "{pairs:?}"
    );

    // Preview, then merge.
    let preview = m
        .get(&format!("/api/v1/tags/{bad}/merge?into={good}"))
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{:?}", preview.body);
    assert_eq!(preview.body["changes"]["cases"], 2);
    let merged = m
        .post(&format!("/api/v1/tags/{bad}/merge"), json!({"into": good}))
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{:?}", merged.body);
    let merge_id = merged.body["merge_id"].as_i64().unwrap();
    for case in [&a, &b, &c] {
        let now = api.get(&format!("/api/v1/cases/{}", case["id"])).await;
        assert_eq!(category(&now.body), "Housing repairs");
    }
    // The old name is an alias: the API still resolves it.
    let d = api.case(p, json!({"category": "housing-repair"})).await;
    assert_eq!(category(&d), "Housing repairs");
    let listed = api.get("/api/v1/cases?category=housing-repair").await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 4);

    // Undo: the old tag is back on the cases it was on, and only those.
    let undone = m
        .post(&format!("/api/v1/tag-merges/{merge_id}/undo"), json!({}))
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{:?}", undone.body);
    for (case, wanted) in [
        (&a, "Housing repairs"),
        (&b, "housing-repair"),
        (&c, "housing-repair"),
        (&d, "Housing repairs"),
    ] {
        let now = api.get(&format!("/api/v1/cases/{}", case["id"])).await;
        assert_eq!(category(&now.body), wanted);
    }
    let again = m
        .post(&format!("/api/v1/tag-merges/{merge_id}/undo"), json!({}))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Retire: hidden from use, history kept.
    let retired = m
        .patch(&format!("/api/v1/tags/{bad}"), json!({"retired": true}))
        .await;
    assert_eq!(retired.status, StatusCode::OK, "{:?}", retired.body);
    let refused = api
        .post(
            "/api/v1/cases",
            json!({"constituent_id": p, "title": "x", "category": "housing-repair"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body["error"]["fields"]["tags.category"]
            .as_str()
            .unwrap()
            .contains("retired"),
        "{:?}",
        refused.body
    );
    let still = api.get(&format!("/api/v1/cases/{}", b["id"])).await;
    assert_eq!(category(&still.body), "housing-repair");
    // Every change is on the case's timeline and in the framework's audit.
    let timeline = api
        .get(&format!("/api/v1/cases/{}/timeline", b["id"]))
        .await;
    assert!(timeline.status.is_success());
}

async fn bad_framework_changes_are_refused_with_a_reason(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let m = t.api(&manager);
    let housing = value_id(&m, "category", "Housing").await;
    let disrepair = value_id(&m, "category", "Housing › Disrepair").await;
    let urgent = value_id(&m, "urgency", "Urgent").await;
    let field = |r: &crate::harness::Reply, f: &str| -> String {
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
        r.body["error"]["fields"][f]
            .as_str()
            .unwrap_or_else(|| panic!("{f}: {:?}", r.body))
            .to_owned()
    };
    let itself = m
        .post(
            &format!("/api/v1/tags/{housing}/merge"),
            json!({"into": housing}),
        )
        .await;
    assert!(field(&itself, "into").contains("itself"));
    let descendant = m
        .post(
            &format!("/api/v1/tags/{housing}/merge"),
            json!({"into": disrepair}),
        )
        .await;
    assert!(field(&descendant, "into").contains("descendant"));
    let across = m
        .post(
            &format!("/api/v1/tags/{housing}/merge"),
            json!({"into": urgent}),
        )
        .await;
    assert!(field(&across, "into").contains("one dimension"));
    let twin = m
        .post(
            "/api/v1/tags",
            json!({"dimension": "category", "name": "  housing "}),
        )
        .await;
    assert!(field(&twin, "name").contains("already has"));
    let long = m
        .post(
            "/api/v1/tags",
            json!({"dimension": "category", "name": "x".repeat(61)}),
        )
        .await;
    assert!(field(&long, "name").contains("60"));
    let deep = m
        .post(
            "/api/v1/tags",
            json!({"dimension": "category", "name": "Damp", "parent_id": disrepair}),
        )
        .await;
    assert!(field(&deep, "parent_id").contains("two levels"));
    // Keeping the framework is for admins and office managers.
    let api = t.api(&cw);
    let forbidden = api
        .post(
            "/api/v1/tags",
            json!({"dimension": "category", "name": "Mine"}),
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    // A free tag close to an existing one is offered that one first.
    let p = api.constituent("Ben", "Ito").await;
    let case = api.case(p, json!({})).await;
    let path = format!("/api/v1/cases/{}/tags", case["id"]);
    let close = api.patch(&path, json!({"add": ["Housings"]})).await;
    assert!(field(&close, "add").contains("\"Housing\""));
    let made = api
        .patch(&path, json!({"add": ["Housings"], "create_new": true}))
        .await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.body);
    let tags = made.body["tags"].as_array().unwrap();
    assert!(
        tags.iter()
            .any(|t| t["dimension"] == "free" && t["value"] == "Housings")
    );
}

async fn a_required_dimension_is_refused_in_the_api_and_the_pages(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let m = t.api(&manager);
    let api = t.api(&cw);
    let p = api.constituent("Cleo", "Diaz").await;
    let before = api
        .post(
            "/api/v1/cases",
            json!({"constituent_id": p, "title": "No category"}),
        )
        .await;
    assert_eq!(before.status, StatusCode::CREATED);
    let r = m
        .patch("/api/v1/tag-dimensions/category", json!({"required": true}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    // The API names the dimension.
    let refused = api
        .post(
            "/api/v1/cases",
            json!({"constituent_id": p, "title": "Still none"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.body["error"]["fields"]["tags.category"],
        "Choose a Category: this office requires it."
    );
    let ok = api
        .post(
            "/api/v1/cases",
            json!({"constituent_id": p, "title": "Tax", "tags": {"category": "Tax › Income tax"}}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{:?}", ok.body);
    assert_eq!(ok.body["category"], "Tax › Income tax");
    // A required value cannot be cleared.
    let cleared = api
        .patch(
            &format!("/api/v1/cases/{}/tags", ok.body["id"]),
            json!({"tags": {"category": ""}}),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A call on the case opened before has nowhere to go until it is tagged.
    let call = api
        .post(
            &format!("/api/v1/cases/{}/notes", before.body["id"]),
            json!({"kind": "call", "body": "Rang about the form"}),
        )
        .await;
    assert_eq!(call.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        call.body["error"]["fields"]["kind"]
            .as_str()
            .unwrap()
            .contains("Category")
    );

    // The page form says the same, beside the field.
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let form = b.get(&format!("/constituents/{p}/cases/new")).await;
    assert!(form.html.contains("Category (required)"));
    let page = b
        .post(
            "/cases",
            &[
                ("csrf", &form.csrf()),
                ("constituent_id", &p.to_string()),
                ("title", "From the page"),
                ("tag_category", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.html
            .contains("Choose a Category: this office requires it.")
    );
}

async fn tag_counts_never_include_what_the_reader_may_not_see(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let admin = t.user(office, Role::Admin).await;
    let cw = t.user(office, Role::Caseworker).await;
    let volunteer = t.user(office, Role::Volunteer).await;
    let api = t.api(&cw);
    let p = api.constituent("Dev", "Rao").await;
    api.case(p, json!({"category": "Tax"})).await;
    let hidden = api
        .case(
            p,
            json!({"category": "Tax", "tags": {"sensitivity": "Highly sensitive"}, "assignee_id": cw.id}),
        )
        .await;
    assert_eq!(hidden["sensitivity"], "sensitive");
    let tax = value_id(&t.api(&manager), "category", "Tax").await;
    let uses = |body: Value| -> i64 {
        body["tags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == tax)
            .unwrap()["cases"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        uses(t.api(&manager).get("/api/v1/tags/usage").await.body),
        2
    );
    assert_eq!(uses(t.api(&admin).get("/api/v1/tags/usage").await.body), 1);
    // What the count leaves out, the list leaves out too.
    let listed = t.api(&admin).get("/api/v1/cases?category=Tax").await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let seen = t
        .api(&volunteer)
        .get(&format!("/api/v1/cases/{}/tags", hidden["id"]))
        .await;
    assert_eq!(seen.status, StatusCode::NOT_FOUND);
    // A volunteer may not make a case highly sensitive.
    let vapi = t.api(&volunteer);
    let q = vapi.constituent("Eve", "Ng").await;
    let r = vapi
        .post(
            "/api/v1/cases",
            json!({"constituent_id": q, "title": "x", "tags": {"sensitivity": "Highly sensitive"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn an_offices_tags_are_never_seen_or_used_by_another(t: TestApp) {
    let ours = t.office("Ours").await;
    let theirs = t.office("Theirs").await;
    let manager = t.user(ours, Role::OfficeManager).await;
    let stranger = t.user(theirs, Role::OfficeManager).await;
    let m = t.api(&manager);
    let s = t.api(&stranger);
    let r = m
        .post(
            "/api/v1/tags",
            json!({"dimension": "category", "name": "Ferry service"}),
        )
        .await;
    let ours_tag = r.body["id"].as_i64().unwrap();
    let p = m.constituent("Fay", "Orr").await;
    let case = m.case(p, json!({"category": "Ferry service"})).await;
    let framework = s.get("/api/v1/tags").await.body.to_string();
    assert!(!framework.contains("Ferry service"));
    assert_eq!(
        s.patch(
            &format!("/api/v1/tags/{ours_tag}"),
            json!({"name": "Mine now"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get(&format!("/api/v1/cases/{}/tags", case["id"]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let their_tax = value_id(&s, "category", "Tax").await;
    let q = s.constituent("Gus", "Lee").await;
    let theirs_case = s.case(q, json!({})).await;
    // Our value's id means nothing in their office.
    let r = s
        .patch(
            &format!("/api/v1/cases/{}/tags", theirs_case["id"]),
            json!({"tags": {"category": ours_tag.to_string()}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let merge = s
        .post(
            &format!("/api/v1/tags/{their_tax}/merge"),
            json!({"into": ours_tag}),
        )
        .await;
    assert_eq!(merge.status, StatusCode::NOT_FOUND);
}
