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
    trends_count_what_the_reader_may_see_and_open_to_the_same_cases,
    tags_are_set_in_bulk_mapped_from_a_file_and_shared_between_offices,
    a_highly_sensitive_message_is_hidden_like_a_sensitive_case,
    a_framework_kept_in_memory_follows_changes_made_on_another_server,
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

/// A case's free tags, sorted.
async fn free_of(api: &Api, id: i64) -> Vec<String> {
    let mut v: Vec<String> = api.get(&format!("/api/v1/cases/{id}/tags")).await.body["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["dimension"] == "free")
        .map(|t| t["value"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
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
    // The case list's category view (the value kept on each case) follows
    // the merge's undo and a change of category.
    let ids = |r: crate::harness::Reply| -> Vec<i64> {
        let mut v: Vec<i64> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        v.sort();
        v
    };
    let id = |c: &serde_json::Value| c["id"].as_i64().unwrap();
    assert_eq!(
        ids(api.get("/api/v1/cases?category=housing-repair").await),
        [id(&b), id(&c)]
    );
    assert_eq!(
        ids(api.get("/api/v1/cases?category=Housing%20repairs").await),
        [id(&a), id(&d)]
    );
    let r = api
        .patch(
            &format!("/api/v1/cases/{}", id(&a)),
            json!({"category": "housing-repair"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        ids(api.get("/api/v1/cases?category=housing-repair").await),
        [id(&a), id(&b), id(&c)]
    );
    assert_eq!(
        ids(api.get("/api/v1/cases?category=Housing%20repairs").await),
        [id(&d)]
    );
    let again = m
        .post(&format!("/api/v1/tag-merges/{merge_id}/undo"), json!({}))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A case carrying both free tags keeps one after the merge (the other
    // use is removed, not doubled), and gets both back with the undo.
    let both = api.case(p, json!({})).await["id"].as_i64().unwrap();
    let r = api
        .patch(
            &format!("/api/v1/cases/{both}/tags"),
            json!({"add": ["Flooding", "Flood damage"], "create_new": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let (flooding, damage) = (
        value_id(&m, "free", "Flooding").await,
        value_id(&m, "free", "Flood damage").await,
    );
    let merged = m
        .post(
            &format!("/api/v1/tags/{damage}/merge"),
            json!({"into": flooding}),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{:?}", merged.body);
    assert_eq!(free_of(&api, both).await, ["Flooding"]);
    let undone = m
        .post(
            &format!(
                "/api/v1/tag-merges/{}/undo",
                merged.body["merge_id"].as_i64().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{:?}", undone.body);
    assert_eq!(free_of(&api, both).await, ["Flood damage", "Flooding"]);

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
    let restricted = value_id(&m, "sensitivity", "Highly sensitive").await;
    let retire = m
        .patch(
            &format!("/api/v1/tags/{restricted}"),
            json!({"retired": true}),
        )
        .await;
    assert!(field(&retire, "retired").contains("restricts access"));
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
    // A stale version changes neither the fields nor the tags.
    let path = format!("/api/v1/cases/{}", ok.body["id"]);
    let stale = api
        .patch(
            &path,
            json!({"title": "Changed", "tags": {"category": "Housing"}, "version": 0}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let now = api.get(&path).await.body;
    assert_eq!(
        (now["title"].as_str(), now["category"].as_str()),
        (Some("Tax"), Some("Tax › Income tax"))
    );
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

/// The row of `value` in a trends answer: (last period's count, total).
fn trend_row(t: &Value, value: &str) -> (i64, i64) {
    let row = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["value"] == value)
        .unwrap_or_else(|| panic!("no row {value}: {t}"));
    (
        row["counts"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .as_i64()
            .unwrap(),
        row["total"].as_i64().unwrap(),
    )
}

async fn trends_count_what_the_reader_may_see_and_open_to_the_same_cases(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let admin = t.user(office, Role::Admin).await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let p = api.constituent("Ida", "Moss").await;
    let q = api
        .post(
            "/api/v1/constituents",
            json!({"first_name": "Joe", "last_name": "Park", "postcode": "r2e 1b2"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    api.case(p, json!({"category": "Tax"})).await;
    api.case(
        p,
        json!({"category": "Tax", "sensitivity": "sensitive", "assignee_id": cw.id}),
    )
    .await;
    api.case(q, json!({"category": "Housing › Disrepair"}))
        .await;
    api.case(q, json!({"category": "Housing"})).await;
    api.post(
        "/api/v1/cases",
        json!({"constituent_id": q, "title": "Nothing yet"}),
    )
    .await;

    let m = t.api(&manager);
    let all = m.get("/api/v1/trends?dimension=category").await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    assert_eq!(all.body["periods"].as_array().unwrap().len(), 12);
    assert_eq!(trend_row(&all.body, "Tax"), (2, 2));
    assert_eq!(
        trend_row(&all.body, "Housing"),
        (2, 2),
        "children count under their parent"
    );
    assert_eq!(trend_row(&all.body, "No value"), (1, 1));
    assert_eq!(all.body["totals"].as_array().unwrap().last().unwrap(), 5);
    let detail = m.get("/api/v1/trends?dimension=category&detail=true").await;
    assert_eq!(trend_row(&detail.body, "Housing › Disrepair"), (1, 1));
    assert_eq!(trend_row(&detail.body, "Housing"), (1, 1));

    // An administrator who is not the assignee neither counts nor lists the
    // highly sensitive case, and every count opens to its list.
    let a = t.api(&admin);
    let theirs = a.get("/api/v1/trends?dimension=category").await.body;
    assert_eq!(trend_row(&theirs, "Tax"), (1, 1));
    let last = theirs["periods"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    for (who, api, expected) in [("admin", &a, 1), ("manager", &m, 2)] {
        let row = if who == "admin" { &theirs } else { &all.body };
        let tax = row["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["value"] == "Tax")
            .unwrap()["tag_id"]
            .as_i64()
            .unwrap();
        let listed = api
            .get(&format!(
                "/api/v1/cases?tag={tax}&opened_from={}&opened_before={}",
                last["from"].as_str().unwrap(),
                last["to"].as_str().unwrap()
            ))
            .await;
        assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
        assert_eq!(
            listed.body["items"].as_array().unwrap().len(),
            expected,
            "{who}"
        );
    }

    // By location: the postcode district, opening to the same cases.
    let places = m.get("/api/v1/trends?dimension=location").await.body;
    assert_eq!(trend_row(&places, "R2E"), (3, 3));
    assert_eq!(trend_row(&places, "R2C"), (2, 2));
    let r2e = m.get("/api/v1/cases?location=R2E").await;
    assert_eq!(r2e.body["items"].as_array().unwrap().len(), 3);

    // Weeks, messages, and what is refused.
    let weeks = m.get("/api/v1/trends?period=week&periods=4").await;
    assert_eq!(weeks.status, StatusCode::OK);
    assert_eq!(weeks.body["periods"].as_array().unwrap().len(), 4);
    assert!(
        weeks.body["periods"][0]["label"]
            .as_str()
            .unwrap()
            .starts_with("Week of")
    );
    let messages = m.get("/api/v1/trends?kind=messages").await;
    assert_eq!(messages.status, StatusCode::OK, "{:?}", messages.body);
    for bad in [
        "period=year",
        "periods=0",
        "until=2026-02-30",
        "dimension=nope",
        "kind=letters",
    ] {
        let r = m.get(&format!("/api/v1/trends?{bad}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    // The page draws the chart with its table, and the table comes as CSV.
    let b = t.browser();
    b.sign_in(&manager.email, PASSWORD).await;
    let page = b.get("/trends").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("<svg class=\"chart\""));
    assert!(page.html.contains("Cases opened by category per month"));
    let csv = b.get("/trends.csv?dimension=category").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.html.starts_with("Category,"), "{}", csv.html);
    assert!(csv.html.contains("\nTax,"));

    // A ward table: a bad file changes nothing and says which lines; a good
    // one puts the postcode under its ward.
    let tags_page = b.get("/tags").await;
    let csrf = tags_page.csrf();
    let bad = b
        .post_file(
            "/tags/wards",
            &csrf,
            "file",
            "w.csv",
            b"postcode,ward\nR2E1B2,North End\n!!,X\n",
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("Line 3:"), "{}", bad.html);
    assert_eq!(
        trend_row(
            &m.get("/api/v1/trends?dimension=location").await.body,
            "R2E"
        ),
        (3, 3)
    );
    let good = b
        .post_file(
            "/tags/wards",
            &csrf,
            "file",
            "w.csv",
            b"postcode,ward\nr2e 1b2,North End\n",
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.html);
    let places = m.get("/api/v1/trends?dimension=location").await.body;
    assert_eq!(trend_row(&places, "North End"), (3, 3));
    let north = m.get("/api/v1/cases?location=North%20End").await;
    assert_eq!(north.body["items"].as_array().unwrap().len(), 3);
}

async fn tags_are_set_in_bulk_mapped_from_a_file_and_shared_between_offices(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let m = t.api(&manager);
    let api = t.api(&cw);
    let p = api.constituent("Kim", "Lo").await;
    let a = api.case(p, json!({"category": ""})).await["id"]
        .as_i64()
        .unwrap();
    let b = api.case(p, json!({"category": "Tax"})).await["id"]
        .as_i64()
        .unwrap();
    let c = api.case(p, json!({"category": "Tax"})).await["id"]
        .as_i64()
        .unwrap();
    for id in [a, b] {
        let r = api
            .patch(
                &format!("/api/v1/cases/{id}/tags"),
                json!({"add": ["housing-repairs"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    // Another office's case is refused, not changed.
    let other = t.office("Other").await;
    let stranger = t.user(other, Role::Caseworker).await;
    let sapi = t.api(&stranger);
    let q = sapi.constituent("Zed", "Ray").await;
    let theirs = sapi.case(q, json!({})).await["id"].as_i64().unwrap();

    let urgent = value_id(&m, "urgency", "Urgent").await;
    let r = api
        .post(
            &format!("/api/v1/tags/{urgent}/apply"),
            json!({"cases": [a, b, c, theirs]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["changed"], 3);
    assert_eq!(r.body["refused"][0]["id"], theirs);
    assert_eq!(r.body["refused"][0]["reason"], "not found");
    let again = api
        .post(
            &format!("/api/v1/tags/{urgent}/apply"),
            json!({"cases": [a]}),
        )
        .await;
    assert_eq!(again.body["unchanged"], 1);
    // The same from the case list's tick boxes.
    let soon = value_id(&m, "urgency", "Soon").await;
    let br = t.browser();
    br.sign_in(&cw.email, PASSWORD).await;
    let list = br.get("/cases").await;
    assert!(list.html.contains(&format!("name=\"item_{a}\"")));
    let page = br
        .post(
            "/tags/apply",
            &[
                ("csrf", &list.csrf()),
                ("kind", "cases"),
                ("back", "/cases"),
                ("tag", &soon.to_string()),
                (&format!("item_{a}"), "on"),
                (&format!("item_{c}"), "on"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("2 changed."), "{}", page.html);
    let now = api.get(&format!("/api/v1/cases/{c}")).await.body;
    assert_eq!(now["urgency"], "Soon");

    // A mapping with a bad row changes nothing and names every bad line.
    let bad = m
        .post(
            "/api/v1/tags/mapping",
            json!({"csv": "old,dimension,new\nnope,Category,Tax\nhousing-repairs,Colour,Tax\n"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let msg = bad.body["error"]["fields"]["csv"].as_str().unwrap();
    assert!(msg.contains("Line 2:") && msg.contains("Line 3:"), "{msg}");
    let good = m
        .post(
            "/api/v1/tags/mapping",
            json!({"csv": "old,dimension,new\nhousing-repairs,Category,Housing › Disrepair\n"}),
        )
        .await;
    assert_eq!(good.status, StatusCode::OK, "{:?}", good.body);
    let line = good.body["lines"][0].as_str().unwrap();
    assert!(
        line.contains("1 cases") && line.contains("1 already had a value"),
        "{line}"
    );
    let case_a = api.get(&format!("/api/v1/cases/{a}")).await.body;
    assert_eq!(case_a["category"], "Housing › Disrepair");
    assert!(!case_a["tags"].to_string().contains("housing-repairs"));
    let case_b = api.get(&format!("/api/v1/cases/{b}")).await.body;
    assert_eq!(case_b["category"], "Tax", "a case with a Category keeps it");
    let via_alias = api.case(p, json!({"category": "housing-repairs"})).await;
    assert_eq!(via_alias["category"], "Housing › Disrepair");

    // Share: export here, import into the other office (twice: nothing new).
    let exported = m.get("/api/v1/tags/framework").await.body["csv"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(exported.starts_with("dimension,value,parent,required\n"));
    assert!(
        exported.contains("Category,Disrepair,Housing,no"),
        "{exported}"
    );
    let other_manager = t.user(other, Role::OfficeManager).await;
    let om = t.api(&other_manager);
    let shared = "dimension,value,parent,required\nPolicy area,Climate,,no\nCategory,Ferries,,no\nCategory,Late sailings,Ferries,no\n";
    let first = om
        .post("/api/v1/tags/framework", json!({"csv": shared}))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(
        first.body["lines"][0],
        "1 dimensions and 3 values added; 0 values were there already."
    );
    value_id(&om, "category", "Ferries › Late sailings").await;
    value_id(&om, "policy_area", "Climate").await;
    let second = om
        .post("/api/v1/tags/framework", json!({"csv": shared}))
        .await;
    assert_eq!(
        second.body["lines"][0],
        "0 dimensions and 0 values added; 3 values were there already."
    );
    let orphan = om
        .post(
            "/api/v1/tags/framework",
            json!({"csv": "dimension,value,parent,required\nCategory,Night buses,Transit,no\n"}),
        )
        .await;
    assert_eq!(orphan.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_highly_sensitive_message_is_hidden_like_a_sensitive_case(t: TestApp) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let volunteer = t.user(office, Role::Volunteer).await;
    let raw = |n: u32| {
        casework_app::intake::RawMessage {
        source: format!("s{n}"),
        bytes: format!(
            "From: someone{n}@example.org\r\nSubject: Disclosure {n}\r\nMessage-ID: <sens{n}@x>\r\n\r\nPrivate matter\r\n"
        )
        .into_bytes(),
    }
    };
    casework_app::intake::ingest(&t.app, office, vec![raw(1), raw(2)])
        .await
        .unwrap();
    let v = t.api(&volunteer);
    let intake = v.get("/api/v1/intake").await.body;
    let ids: Vec<i64> = intake["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{intake}");
    let hidden = ids[0];
    // A volunteer at intake marks one highly sensitive: it leaves their view.
    let r = v
        .patch(
            &format!("/api/v1/correspondence/{hidden}/tags"),
            json!({"tags": {"sensitivity": "Highly sensitive"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    for (who, sees) in [(&volunteer, false), (&cw, false), (&manager, true)] {
        let api = t.api(who);
        let list = api.get("/api/v1/intake").await.body;
        let listed: Vec<i64> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect();
        assert_eq!(listed.contains(&hidden), sees, "{:?} list", who.role);
        let one = api.get(&format!("/api/v1/correspondence/{hidden}")).await;
        assert_eq!(
            one.status,
            if sees {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            },
            "{:?}",
            who.role
        );
        let uses = api.get("/api/v1/trends?kind=messages").await.body;
        assert_eq!(
            uses["totals"]
                .as_array()
                .unwrap()
                .last()
                .unwrap()
                .as_i64()
                .unwrap(),
            if sees { 2 } else { 1 },
            "{:?} counts",
            who.role
        );
    }
    // Filed on a case assigned to the caseworker, it is theirs to see.
    let m = t.api(&manager);
    let p = m.constituent("Nia", "Hart").await;
    let case = m.case(p, json!({"assignee_id": cw.id})).await;
    let filed = m
        .post(
            &format!("/api/v1/intake/{hidden}/file"),
            json!({"case_id": case["id"]}),
        )
        .await;
    assert!(filed.status.is_success(), "{:?}", filed.body);
    let api = t.api(&cw);
    assert_eq!(
        api.get(&format!("/api/v1/correspondence/{hidden}"))
            .await
            .status,
        StatusCode::OK
    );
    let other = t.user(office, Role::Caseworker).await;
    assert_eq!(
        t.api(&other)
            .get(&format!("/api/v1/correspondence/{hidden}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let timeline = t
        .api(&other)
        .get(&format!("/api/v1/cases/{}/timeline", case["id"]))
        .await
        .body
        .to_string();
    assert!(
        !timeline.contains("Disclosure 1") && !timeline.contains("Tags changed"),
        "{timeline}"
    );
}

/// Each app server keeps the framework in memory while the database says it
/// is current: a change made through one server is seen by another at its
/// next read, and an unchanged framework is not read again.
async fn a_framework_kept_in_memory_follows_changes_made_on_another_server(t: TestApp) {
    use casework_app::tags::framework;
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let actor = t.actor(&manager).await;
    let (second, _store) = t.second_app().await;
    let kept = framework(&second, &actor).await.unwrap();
    let again = framework(&second, &actor).await.unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&kept, &again),
        "kept while unchanged"
    );
    let names = |f: &casework_app::tags::Framework, key: &str| -> Vec<String> {
        f.dimension(key)
            .map(|d| d.values.iter().map(|v| v.path.clone()).collect())
            .unwrap_or_default()
    };

    // Through the first server: a value added, renamed, retired, merged.
    let m = t.api(&manager);
    let r = m
        .post(
            "/api/v1/tags",
            json!({"dimension": "category", "name": "Potholes"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert!(
        names(&framework(&second, &actor).await.unwrap(), "category")
            .contains(&"Potholes".to_owned())
    );
    let id = value_id(&m, "category", "Potholes").await;
    let r = m
        .patch(
            &format!("/api/v1/tags/{id}"),
            json!({"name": "Road repairs"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let now = framework(&second, &actor).await.unwrap();
    assert!(names(&now, "category").contains(&"Road repairs".to_owned()));
    assert!(!names(&now, "category").contains(&"Potholes".to_owned()));
    // The old name resolves on the second server too (an alias).
    let r = m
        .patch(&format!("/api/v1/tags/{id}"), json!({"retired": true}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let now = framework(&second, &actor).await.unwrap();
    assert!(
        now.dimension("category")
            .unwrap()
            .values
            .iter()
            .any(|v| v.id == id && v.retired)
    );
    // A dimension added, and made required.
    let r = m
        .post("/api/v1/tag-dimensions", json!({"name": "Policy area"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let now = framework(&second, &actor).await.unwrap();
    let added = now
        .dimensions
        .iter()
        .find(|d| d.dim.name == "Policy area")
        .expect("the new dimension on the second server");
    assert!(!added.dim.required);
    let key = added.dim.key.clone();
    let r = m
        .patch(
            &format!("/api/v1/tag-dimensions/{key}"),
            json!({"required": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(
        framework(&second, &actor)
            .await
            .unwrap()
            .dimension(&key)
            .unwrap()
            .dim
            .required
    );
}
