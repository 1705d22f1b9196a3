//! The JSON API: constituents, cases, timelines, validation, concurrency.

use crate::harness::TestApp;
use crate::on_both_backends;
use casework_app::domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    constituents_are_created_found_and_edited,
    search_finds_people_by_the_start_of_name_email_phone_or_postcode,
    invalid_constituents_are_refused_field_by_field_and_nothing_is_written,
    requests_without_a_valid_token_are_refused,
    cases_get_a_reference_and_follow_the_lifecycle,
    changes_are_recorded_on_the_timeline_with_before_and_after,
    another_offices_records_are_not_found,
    sensitive_cases_are_hidden_from_people_not_working_on_them,
    a_stale_version_is_refused_with_a_conflict,
    concurrent_edits_of_one_case_never_lose_an_update,
    case_lists_filter_sort_and_page,
    invalid_cases_are_refused_field_by_field,
    the_timeline_cannot_be_rewritten,
    unknown_api_paths_and_bad_ids_are_json_404s,
    a_note_goes_on_its_case_only_in_the_office_and_marks_it_active,
);

async fn constituents_are_created_found_and_edited(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let r = api
        .post("/api/v1/constituents", json!({"first_name": "Amara", "last_name": "Okonkwo", "email": "Amara.O@Example.net", "phone": "204-555-0142", "postcode": "r2c 1a1", "address": "12 Elm Street"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["email"], "amara.o@example.net");
    assert_eq!(r.body["postcode"], "R2C 1A1");
    assert_eq!(r.body["version"], 1);

    let got = api.get(&format!("/api/v1/constituents/{id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["last_name"], "Okonkwo");

    let patched = api
        .patch(
            &format!("/api/v1/constituents/{id}"),
            json!({"phone": "204-555-0199", "do_not_phone": true, "version": 1}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    assert_eq!(patched.body["phone"], "204-555-0199");
    assert_eq!(patched.body["do_not_phone"], true);
    assert_eq!(
        patched.body["first_name"], "Amara",
        "fields not sent stay as they were"
    );
    assert_eq!(patched.body["version"], 2);

    // An edit of nothing searched (one statement on PostgreSQL): saved,
    // returned as saved, and on the person's history with what changed.
    let path = format!("/api/v1/constituents/{id}");
    let noted = api
        .patch(
            &path,
            json!({"notes": "Prefers a call after 5 pm.", "version": 2}),
        )
        .await;
    assert_eq!(noted.status, StatusCode::OK, "{:?}", noted.body);
    assert_eq!(noted.body["notes"], "Prefers a call after 5 pm.");
    assert_eq!(noted.body["phone"], "204-555-0199");
    assert_eq!(noted.body["version"], 3);
    let history = || async {
        api.get(&format!("{path}/timeline")).await.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "updated")
            .map(|e| e["changes"].to_string())
            .collect::<Vec<_>>()
    };
    let updates = history().await;
    assert_eq!(updates.len(), 2, "{updates:?}");
    assert!(updates[0].contains("Prefers a call"), "{updates:?}");
    assert_eq!(
        api.get(&path).await.body["notes"],
        "Prefers a call after 5 pm."
    );
    // A stale version: a conflict, and nothing written.
    let stale = api
        .patch(&path, json!({"notes": "Stale.", "version": 2}))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{:?}", stale.body);
    assert_eq!(api.get(&path).await.body["version"], 3);
    assert_eq!(history().await.len(), 2);
    // Someone who is not there: not found.
    let missing = api
        .patch(
            &format!("/api/v1/constituents/{}", id + 1000),
            json!({"notes": "x", "version": 1}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{:?}", missing.body);

    // The store's own version check (the app's above runs first; this one
    // closes the race between two servers): an edit made against an old
    // version, with nothing searched changed, is a conflict and writes
    // nothing; one of someone not there is not found.
    let actor = t.actor(&cw).await;
    let data = t.app.data_for(&actor);
    let current = data.constituent(id).await.unwrap();
    let mut fields = casework_store::ConstituentFields::from(&current);
    fields.notes = "Raced.".into();
    let entry = casework_store::NewEntry::new("updated", Some(cw.id), "Changed notes");
    let at = current.updated_at + 1;
    let key = current.household_key.as_deref();
    let raced = data
        .update_constituent(id, current.version - 1, &fields, key, None, &entry, at)
        .await
        .unwrap_err();
    assert!(
        matches!(raced, casework_store::Error::Conflict),
        "{raced:?}"
    );
    let gone = data
        .update_constituent(id + 1000, 1, &fields, key, None, &entry, at)
        .await
        .unwrap_err();
    assert!(matches!(gone, casework_store::Error::NotFound), "{gone:?}");
    let after = data.constituent(id).await.unwrap();
    assert_eq!(
        (after.version, after.notes.as_str()),
        (3, "Prefers a call after 5 pm.")
    );
    assert_eq!(history().await.len(), 2, "nothing written");
}

async fn search_finds_people_by_the_start_of_name_email_phone_or_postcode(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    for (first, last, email, phone, postcode) in [
        (
            "Jane",
            "Smithers",
            "jane@example.net",
            "204-555-1000",
            "R2C 1A1",
        ),
        (
            "John",
            "Smith",
            "jsmith@example.org",
            "(204) 555-2000",
            "R2E 2B2",
        ),
        (
            "Ines",
            "Moreau",
            "ines.m@example.com",
            "+1 204 555 3000",
            "R3T 4C4",
        ),
    ] {
        let r = api.post("/api/v1/constituents", json!({"first_name": first, "last_name": last, "email": email, "phone": phone, "postcode": postcode})).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let names = |r: &crate::harness::Reply| -> Vec<String> {
        let mut v: Vec<String> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["last_name"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&api.get("/api/v1/constituents?q=smi").await),
        vec!["Smith", "Smithers"]
    );
    assert_eq!(
        names(&api.get("/api/v1/constituents?q=jane%20smi").await),
        vec!["Smithers"]
    );
    assert_eq!(
        names(&api.get("/api/v1/constituents?q=ines.m%40").await),
        vec!["Moreau"]
    );
    assert_eq!(
        names(&api.get("/api/v1/constituents?q=204555300").await),
        vec!["Moreau"]
    );
    assert_eq!(
        names(&api.get("/api/v1/constituents?q=555-2000").await),
        vec!["Smith"]
    );
    assert_eq!(
        names(&api.get("/api/v1/constituents?q=r2e%202b").await),
        vec!["Smith"]
    );
    assert_eq!(
        names(&api.get("/api/v1/constituents?q=zzz").await),
        Vec::<String>::new()
    );
    // Whole names either way round, and punctuated text as typed.
    assert_eq!(
        names(&api.get("/api/v1/constituents?q=smithers%20ja").await),
        vec!["Smithers"]
    );
    assert_eq!(
        names(&api.get("/api/v1/constituents?q=ines.m").await),
        vec!["Moreau"]
    );
    assert_eq!(
        names(&api.get("/api/v1/constituents?q=jane%20moreau").await),
        Vec::<String>::new()
    );
    // Paging: one at a time through the two Smiths, then no more.
    let first = api.get("/api/v1/constituents?q=smi&limit=1").await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 1);
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let second = api
        .get(&format!(
            "/api/v1/constituents?q=smi&limit=1&cursor={cursor}"
        ))
        .await;
    assert_eq!(second.body["items"].as_array().unwrap().len(), 1);
    assert_ne!(first.body["items"][0]["id"], second.body["items"][0]["id"]);
    let bad = api.get("/api/v1/constituents?cursor=nonsense").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.body["error"]["fields"]["cursor"],
        "This paging cursor is not valid."
    );
}

async fn invalid_constituents_are_refused_field_by_field_and_nothing_is_written(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let r = api
        .post(
            "/api/v1/constituents",
            json!({"first_name": "", "last_name": "", "email": "not-an-email", "phone": "call me"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "invalid");
    let fields = &r.body["error"]["fields"];
    assert_eq!(fields["last_name"], "Enter a first or last name.");
    assert!(fields["email"].as_str().unwrap().contains("email address"));
    assert!(fields["phone"].is_string());
    let unknown = api
        .post(
            "/api/v1/constituents",
            json!({"last_name": "X", "shoe_size": 9}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.body["error"]["fields"]["body"]
            .as_str()
            .unwrap()
            .contains("shoe_size")
    );
    let broken = api
        .client
        .post(format!("{}/api/v1/constituents", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{\"last_name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let list = api.get("/api/v1/constituents").await;
    assert_eq!(
        list.body["items"].as_array().unwrap().len(),
        0,
        "nothing was written"
    );
}

async fn requests_without_a_valid_token_are_refused(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let client = reqwest::Client::new();
    let none = client
        .get(t.url("/api/v1/constituents"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = none.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let wrong = client
        .get(t.url("/api/v1/constituents"))
        .bearer_auth("cw_0000")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let ok = t.api(&cw).get("/api/v1/me").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["role"], "caseworker");
    // Deactivating the user stops their tokens at once.
    let admin = t.user(office, Role::Admin).await;
    let admin_actor = casework_app::auth::token_actor(&t.app, &admin.token)
        .await
        .unwrap();
    let target = t.data(office).user(cw.id).await.unwrap();
    casework_app::staff::update_user(
        &t.app,
        &admin_actor,
        cw.id,
        target.version,
        "caseworker",
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        t.api(&cw).get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn cases_get_a_reference_and_follow_the_lifecycle(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Kofi", "Mensah").await;
    let case = api.case(person, json!({"assignee_id": cw.id})).await;
    let year = casework_app::current_year(casework_app::now_millis());
    assert_eq!(case["reference"], format!("CW-{year}-00001"));
    assert_eq!(case["status"], "new");
    assert_eq!(case["sensitivity"], "normal");
    assert_eq!(case["assignee_id"], cw.id);
    let second = api.case(person, json!({})).await;
    assert_eq!(second["reference"], format!("CW-{year}-00002"));
    let id = case["id"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{id}");
    for status in ["open", "awaiting_third_party", "resolved", "closed"] {
        let r = api.patch(&path, json!({"status": status})).await;
        assert_eq!(r.status, StatusCode::OK, "{status}: {:?}", r.body);
        assert_eq!(r.body["status"], status);
    }
    assert!(api.get(&path).await.body["closed_at"].is_string());
    let refused = api.patch(&path, json!({"status": "resolved"})).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body["error"]["fields"]["status"]
            .as_str()
            .unwrap()
            .contains("can move to: Open")
    );
    let reopened = api.patch(&path, json!({"status": "open"})).await;
    assert_eq!(reopened.body["status"], "open");
    assert!(reopened.body["closed_at"].is_null());
    let note = api
        .post(
            &format!("{path}/notes"),
            json!({"body": "Called the passport office.", "kind": "call"}),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED);
    let timeline = api.get(&format!("{path}/timeline")).await;
    let kinds: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "case_opened",
            "status",
            "status",
            "status",
            "status",
            "status",
            "call"
        ]
    );
    let statuses: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "status")
        .map(|e| e["body"].as_str().unwrap())
        .collect();
    assert_eq!(statuses[0], "Status changed from New to Open");
    assert_eq!(statuses[4], "Status changed from Closed to Open");
}

async fn changes_are_recorded_on_the_timeline_with_before_and_after(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let other = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Rosa", "Quintero").await;
    let case = api.case(person, json!({})).await;
    let id = case["id"].as_i64().unwrap();
    api.patch(
        &format!("/api/v1/cases/{id}"),
        json!({"title": "Passport lost abroad", "urgency": "high"}),
    )
    .await;
    api.patch(
        &format!("/api/v1/cases/{id}"),
        json!({"assignee_id": other.id}),
    )
    .await;
    api.patch(
        &format!("/api/v1/constituents/{person}"),
        json!({"address": "9 Birch Road"}),
    )
    .await;
    let timeline = api
        .get(&format!("/api/v1/constituents/{person}/timeline"))
        .await;
    let items = timeline.body["items"].as_array().unwrap();
    // Newest first on a constituent's timeline.
    assert_eq!(items[0]["kind"], "updated");
    assert_eq!(
        items[0]["changes"]["address"],
        json!(["1 Elm Street", "9 Birch Road"])
    );
    assert_eq!(items[0]["actor_id"], cw.id);
    assert_eq!(items[1]["kind"], "assigned");
    assert_eq!(items[1]["case_reference"], case["reference"]);
    assert_eq!(items[2]["kind"], "updated");
    assert_eq!(
        items[2]["changes"]["title"],
        json!(["Passport delayed", "Passport lost abroad"])
    );
    // The tags changed first, in their own entry, by their names.
    assert_eq!(items[3]["kind"], "tags");
    assert_eq!(items[3]["body"], "Tags changed: Urgency: Routine → Urgent");
    assert_eq!(items.last().unwrap()["kind"], "created");
}

async fn another_offices_records_are_not_found(t: TestApp) {
    let ours = t.office("Ours").await;
    let theirs = t.office("Theirs").await;
    let me = t.user(ours, Role::OfficeManager).await;
    let them = t.user(theirs, Role::OfficeManager).await;
    let their_api = t.api(&them);
    let person = their_api.constituent("Olga", "Ivanova").await;
    let case = their_api.case(person, json!({})).await;
    let case_id = case["id"].as_i64().unwrap();
    let api = t.api(&me);
    for path in [
        format!("/api/v1/constituents/{person}"),
        format!("/api/v1/constituents/{person}/timeline"),
        format!("/api/v1/cases/{case_id}"),
        format!("/api/v1/cases/{case_id}/timeline"),
    ] {
        let r = api.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.code(), "not_found");
    }
    assert_eq!(
        api.patch(&format!("/api/v1/cases/{case_id}"), json!({"title": "x"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.post(
            &format!("/api/v1/cases/{case_id}/notes"),
            json!({"body": "x"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let open = api
        .post(
            "/api/v1/cases",
            json!({"constituent_id": person, "title": "x"}),
        )
        .await;
    assert_eq!(open.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(open.body["error"]["fields"]["constituent_id"].is_string());
    assert_eq!(
        api.get("/api/v1/cases").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        api.get("/api/v1/constituents?q=ivan").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

async fn sensitive_cases_are_hidden_from_people_not_working_on_them(t: TestApp) {
    let office = t.office("Office").await;
    let assignee = t.user(office, Role::Caseworker).await;
    let colleague = t.user(office, Role::Caseworker).await;
    let manager = t.user(office, Role::OfficeManager).await;
    let rep = t.user(office, Role::Representative).await;
    let volunteer = t.user(office, Role::Volunteer).await;
    let admin = t.user(office, Role::Admin).await;
    let api = t.api(&assignee);
    let person = api.constituent("Leila", "Haddad").await;
    let case = api.case(person, json!({"sensitivity": "sensitive", "assignee_id": assignee.id, "title": "Domestic abuse: housing transfer"})).await;
    let id = case["id"].as_i64().unwrap();
    api.post(
        &format!("/api/v1/cases/{id}/notes"),
        json!({"body": "Safe contact only by phone."}),
    )
    .await;
    for (who, visible) in [
        (&assignee, true),
        (&manager, true),
        (&rep, true),
        (&colleague, false),
        (&volunteer, false),
        (&admin, false),
    ] {
        let a = t.api(who);
        let got = a.get(&format!("/api/v1/cases/{id}")).await;
        assert_eq!(
            got.status == StatusCode::OK,
            visible,
            "{:?} GET {}",
            who.role,
            got.status
        );
        if !visible {
            assert_eq!(got.status, StatusCode::NOT_FOUND);
        }
        let listed = a.get("/api/v1/cases").await.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id);
        assert_eq!(listed, visible, "{:?} list", who.role);
        let timeline = a
            .get(&format!("/api/v1/constituents/{person}/timeline"))
            .await;
        let leaked = timeline.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["case_id"] == id);
        assert_eq!(leaked, visible, "{:?} constituent timeline", who.role);
    }
    // A volunteer may not open a sensitive case at all.
    let v = t
        .api(&volunteer)
        .post(
            "/api/v1/cases",
            json!({"constituent_id": person, "title": "x", "sensitivity": "sensitive"}),
        )
        .await;
    assert_eq!(v.status, StatusCode::FORBIDDEN);
    assert_eq!(v.code(), "forbidden");
    // Reassigning moves the access with the case.
    t.api(&manager)
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"assignee_id": colleague.id}),
        )
        .await;
    assert_eq!(
        t.api(&colleague)
            .get(&format!("/api/v1/cases/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        t.api(&assignee)
            .get(&format!("/api/v1/cases/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn a_stale_version_is_refused_with_a_conflict(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Hiro", "Nakamura").await;
    let case = api.case(person, json!({})).await;
    let path = format!("/api/v1/cases/{}", case["id"]);
    let first = api
        .send(
            Method::PATCH,
            &path,
            Some(json!({"title": "First edit"})),
            &[("If-Match", "1")],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["version"], 2);
    let stale = api
        .send(
            Method::PATCH,
            &path,
            Some(json!({"title": "Second edit"})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.code(), "conflict");
    let stale_field = api
        .patch(&path, json!({"summary": "x", "version": 1}))
        .await;
    assert_eq!(stale_field.status, StatusCode::CONFLICT);
    assert_eq!(api.get(&path).await.body["title"], "First edit");
    let c = format!("/api/v1/constituents/{person}");
    assert_eq!(
        api.patch(&c, json!({"notes": "a", "version": 1}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        api.send(
            Method::PATCH,
            &c,
            Some(json!({"notes": "b"})),
            &[("If-Match", "1")]
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let garbage = api
        .send(
            Method::PATCH,
            &c,
            Some(json!({"notes": "b"})),
            &[("If-Match", "yesterday")],
        )
        .await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn concurrent_edits_of_one_case_never_lose_an_update(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Noah", "Park").await;
    let case = api.case(person, json!({})).await;
    let path = format!("/api/v1/cases/{}", case["id"]);
    let mut tasks = Vec::new();
    for n in 0..8 {
        let client = reqwest::Client::new();
        let url = format!("{}{}", t.base, path);
        let token = cw.token.clone();
        tasks.push(tokio::spawn(async move {
            client
                .patch(url)
                .bearer_auth(token)
                .header("If-Match", "1")
                .json(&json!({"summary": format!("edit {n}")}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        ok, 1,
        "exactly one of the concurrent edits made against version 1 wins"
    );
    let now = api.get(&path).await;
    assert_eq!(now.body["version"], 2);
    let updates = api.get(&format!("{path}/timeline")).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "updated")
        .count();
    assert_eq!(updates, 1);
}

async fn case_lists_filter_sort_and_page(t: TestApp) {
    let office = t.office("Office").await;
    let me = t.user(office, Role::Caseworker).await;
    let other = t.user(office, Role::Caseworker).await;
    let api = t.api(&me);
    let person = api.constituent("Grace", "Chen").await;
    let mine = api
        .case(person, json!({"assignee_id": me.id, "category": "Tax"}))
        .await;
    let theirs = api.case(person, json!({"assignee_id": other.id})).await;
    let nobody = api
        .case(
            person,
            json!({"agency": "City Public Works", "category": "Other", "level": "municipal"}),
        )
        .await;
    let closed = api.case(person, json!({"assignee_id": me.id})).await;
    api.patch(
        &format!("/api/v1/cases/{}", closed["id"]),
        json!({"status": "closed"}),
    )
    .await;
    let ids = |r: crate::harness::Reply| -> Vec<i64> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(
        ids(api.get("/api/v1/cases?view=mine").await),
        vec![mine["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(api.get("/api/v1/cases?view=unassigned").await),
        vec![nobody["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(api.get("/api/v1/cases?status=closed").await),
        vec![closed["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(api.get("/api/v1/cases?category=Tax").await),
        vec![mine["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids(api.get("/api/v1/cases?agency=City%20Public%20Works").await),
        vec![nobody["id"].as_i64().unwrap()]
    );
    let all: Vec<i64> = [&mine, &theirs, &nobody, &closed]
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids(api.get("/api/v1/cases?sort=oldest").await), all);
    assert_eq!(
        ids(api.get("/api/v1/cases?sort=newest").await),
        all.iter().rev().copied().collect::<Vec<_>>()
    );
    // Page through everything two at a time with the cursor.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = api
            .get(&format!(
                "/api/v1/cases?sort=oldest&limit=2&cursor={cursor}"
            ))
            .await;
        let next = r.body["next_cursor"].as_str().map(str::to_owned);
        seen.extend(ids(r));
        match next {
            Some(c) => cursor = c,
            None => break,
        }
    }
    assert_eq!(seen, all);
    let bad = api.get("/api/v1/cases?status=lost&sort=sideways").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body["error"]["fields"]["status"].is_string());
    assert!(bad.body["error"]["fields"]["sort"].is_string());
}

async fn invalid_cases_are_refused_field_by_field(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let volunteer = t.user(office, Role::Volunteer).await;
    let api = t.api(&cw);
    let person = api.constituent("Uma", "Singh").await;
    let r = api
        .post("/api/v1/cases", json!({"constituent_id": person, "title": "  ", "urgency": "yesterday", "level": "galactic", "review_date": "2027-02-30", "assignee_id": volunteer.id}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let f = &r.body["error"]["fields"];
    assert_eq!(f["title"], "Title is required.");
    assert!(
        f["tags.urgency"]
            .as_str()
            .unwrap()
            .starts_with("Urgency has no value \"yesterday\". Choose one of: Routine, Soon"),
        "{f}"
    );
    assert!(f["level"].is_string());
    assert!(f["review_date"].as_str().unwrap().contains("date"));
    assert!(f["assignee_id"].as_str().unwrap().contains("caseworkers"));
    assert_eq!(
        api.get("/api/v1/cases").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let wrong_type = api
        .post(
            "/api/v1/cases",
            json!({"constituent_id": "seven", "title": "x"}),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    let case = api.case(person, json!({})).await;
    let empty_note = api
        .post(
            &format!("/api/v1/cases/{}/notes", case["id"]),
            json!({"body": ""}),
        )
        .await;
    assert_eq!(
        empty_note.body["error"]["fields"]["body"],
        "The note is required."
    );
}

async fn the_timeline_cannot_be_rewritten(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Tess", "Jensen").await;
    let entry = api
        .get(&format!("/api/v1/constituents/{person}/timeline"))
        .await
        .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let refused = t.store.try_rewrite_timeline(entry).await;
    assert!(
        refused.is_err(),
        "the database refuses edits of the audit trail"
    );
    let after = api
        .get(&format!("/api/v1/constituents/{person}/timeline"))
        .await;
    assert_eq!(after.body["items"][0]["body"], "Constituent record created");
}

async fn unknown_api_paths_and_bad_ids_are_json_404s(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    for path in [
        "/api/v1/nothing",
        "/api/v1/cases/abc",
        "/api/v1/constituents/999999",
        "/api/v1/cases/99999999999999999999",
    ] {
        let r = api.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.code(), "not_found", "{path}");
    }
}

/// The store's note write (one statement on PostgreSQL, a transaction on
/// SQLite): the entry and the case's last activity together, and nothing at
/// all for a case of another office or none.
async fn a_note_goes_on_its_case_only_in_the_office_and_marks_it_active(t: TestApp) {
    let office = t.office("Office").await;
    let other = t.office("Other").await;
    let cw = t.user(office, Role::Caseworker).await;
    let stranger = t.user(other, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Nadia", "Ferreira").await;
    let k = api.case(person, json!({})).await["id"].as_i64().unwrap();
    let actor = t.actor(&cw).await;
    let data = t.app.data_for(&actor);
    let before = data.case_timeline(k, 1000).await.unwrap().len();
    let at = data.case(k).await.unwrap().updated_at + 60_000;
    let note = casework_store::NewEntry::new("note", Some(cw.id), "Called back.");
    data.add_case_entry(k, &note, at).await.unwrap();
    let history = data.case_timeline(k, 1000).await.unwrap();
    assert_eq!(history.len(), before + 1);
    let added = history.iter().find(|e| e.body == "Called back.").unwrap();
    assert_eq!((added.kind.as_str(), added.at), ("note", at));
    assert_eq!(added.constituent_id, Some(person));
    assert_eq!(data.case(k).await.unwrap().updated_at, at);
    // Another office's door, and a case that is not there: not found, and
    // nothing written anywhere.
    let theirs = t.actor(&stranger).await;
    let err = t
        .app
        .data_for(&theirs)
        .add_case_entry(k, &note, at + 1)
        .await
        .unwrap_err();
    assert!(matches!(err, casework_store::Error::NotFound), "{err:?}");
    let err = data
        .add_case_entry(k + 1000, &note, at + 1)
        .await
        .unwrap_err();
    assert!(matches!(err, casework_store::Error::NotFound), "{err:?}");
    assert_eq!(data.case_timeline(k, 1000).await.unwrap().len(), before + 1);
    assert_eq!(data.case(k).await.unwrap().updated_at, at);
}
