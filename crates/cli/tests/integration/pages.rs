//! The HTML side: signing in and out, sessions, CSRF, forms and their errors.

use crate::harness::{Backend, PASSWORD, TestApp};
use crate::on_both_backends;
use casework_app::Settings;
use casework_app::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    a_caseworker_signs_in_and_sees_their_cases,
    the_case_filters_offer_each_category_and_agency_in_use_once,
    a_wrong_password_is_refused_without_saying_which_part_was_wrong,
    repeated_failures_from_a_new_browser_make_it_wait,
    a_forged_form_is_refused_and_changes_nothing,
    a_form_posted_from_another_site_is_refused,
    signing_out_ends_the_session,
    an_admin_can_sign_a_colleague_out_everywhere,
    a_deactivated_colleague_cannot_sign_in,
    an_admin_adds_a_colleague_and_changes_their_role,
    changing_password_checks_the_old_one_and_ends_other_sessions,
    the_constituent_form_shows_each_problem_and_keeps_what_was_typed,
    a_case_is_opened_noted_and_moved_on_through_the_pages,
    household_members_are_found_by_address,
    pages_carry_security_headers_and_safe_cookies,
    editing_a_case_someone_else_just_changed_shows_a_conflict,
);

async fn a_caseworker_signs_in_and_sees_their_cases(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let b = t.browser();
    let first = b.get("/cases").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(
        first.location, "/login?next=%2Fcases",
        "back to the page once signed in"
    );
    let form = b.get(&first.location).await;
    assert!(form.html.contains("name=\"next\" value=\"/cases\""));
    let signed = b.sign_in(&cw.email, PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.html);
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("<h1>My day</h1>"), "{}", home.html);
    let mine = b.get("/cases?view=mine").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.html.contains("<h1>My cases</h1>"));
}

async fn a_wrong_password_is_refused_without_saying_which_part_was_wrong(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let b = t.browser();
    for (email, password) in [
        (cw.email.as_str(), "wrong password!"),
        ("nobody@example.org", PASSWORD),
    ] {
        let p = b.sign_in(email, password).await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
        assert!(
            p.html
                .contains("That email and password do not match an active account.")
        );
    }
    assert_eq!(b.get("/cases").await.status, StatusCode::SEE_OTHER);
}

async fn repeated_failures_from_a_new_browser_make_it_wait(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let b = t.browser();
    for _ in 0..5 {
        assert_eq!(
            b.sign_in(&cw.email, "guess guess guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = b.sign_in(&cw.email, PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(locked.html.contains("Too many failed attempts"));
    // Another account from elsewhere is unaffected.
    let other = t.user(office, Role::Caseworker).await;
    assert_eq!(
        t.browser().sign_in(&other.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

async fn a_forged_form_is_refused_and_changes_nothing(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let forged = b
        .post(
            "/constituents",
            &[("csrf", &"0".repeat(64)), ("last_name", "Forged")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        forged
            .html
            .contains("This form has expired or did not come from Casework.")
    );
    let missing = b.post("/constituents", &[("last_name", "Forged")]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.api(&cw).get("/api/v1/constituents?q=forged").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // The login form has its own token too.
    let login = t
        .browser()
        .post(
            "/login",
            &[("csrf", "x"), ("email", &cw.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
}

async fn a_form_posted_from_another_site_is_refused(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let csrf = b.csrf().await;
    let res = b
        .client
        .post(t.url("/constituents"))
        .header("Origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str()), ("last_name", "CrossSite")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        t.api(&cw)
            .get("/api/v1/constituents?q=crosssite")
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

async fn signing_out_ends_the_session(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let csrf = b.csrf().await;
    let out = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.location, "/login");
    assert_eq!(b.get("/account").await.status, StatusCode::SEE_OTHER);
}

async fn an_admin_can_sign_a_colleague_out_everywhere(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let admin = t.user(office, Role::Admin).await;
    let worker = t.browser();
    worker.sign_in(&cw.email, PASSWORD).await;
    assert_eq!(worker.get("/account").await.status, StatusCode::OK);
    let a = t.browser();
    a.sign_in(&admin.email, PASSWORD).await;
    let page = a.get(&format!("/admin/users/{}", cw.id)).await;
    assert!(page.html.contains("1 signed-in session(s)"));
    let r = a
        .post(
            &format!("/admin/users/{}/sessions/revoke", cw.id),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(worker.get("/account").await.location.starts_with("/login"));
    // A caseworker cannot reach staff administration at all.
    worker.sign_in(&cw.email, PASSWORD).await;
    assert_eq!(
        worker.get("/admin/users").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn a_deactivated_colleague_cannot_sign_in(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let admin = t.user(office, Role::Admin).await;
    let worker = t.browser();
    worker.sign_in(&cw.email, PASSWORD).await;
    let a = t.browser();
    a.sign_in(&admin.email, PASSWORD).await;
    let page = a.get(&format!("/admin/users/{}", cw.id)).await;
    let version = t
        .data(office)
        .user(cw.id)
        .await
        .unwrap()
        .version
        .to_string();
    let saved = a
        .post(
            &format!("/admin/users/{}", cw.id),
            &[
                ("csrf", &page.csrf()),
                ("role", "caseworker"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    assert!(
        worker.get("/account").await.location.starts_with("/login"),
        "their session ended"
    );
    assert_eq!(
        t.browser().sign_in(&cw.email, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The admin cannot lock themselves out.
    let me = t.data(office).user(admin.id).await.unwrap();
    let own = a
        .post(
            &format!("/admin/users/{}", admin.id),
            &[
                ("csrf", &page.csrf()),
                ("role", "caseworker"),
                ("active", "on"),
                ("version", &me.version.to_string()),
            ],
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn changing_password_checks_the_old_one_and_ends_other_sessions(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let here = t.browser();
    here.sign_in(&cw.email, PASSWORD).await;
    let elsewhere = t.browser();
    elsewhere.sign_in(&cw.email, PASSWORD).await;
    let csrf = here.csrf().await;
    let wrong = here
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", "not it"),
                ("new_password", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("That is not your current password."));
    let short = here
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "short"),
            ],
        )
        .await;
    assert!(short.html.contains("Use at least 10 characters."));
    let ok = here
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(ok.location, "/account?notice=password");
    assert_eq!(
        here.get("/account").await.status,
        StatusCode::OK,
        "this session continues"
    );
    assert!(
        elsewhere
            .get("/account")
            .await
            .location
            .starts_with("/login"),
        "other sessions end"
    );
    assert_eq!(
        t.browser()
            .sign_in(&cw.email, "a brand new secret")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

async fn the_constituent_form_shows_each_problem_and_keeps_what_was_typed(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let csrf = b.csrf().await;
    let p = b
        .post(
            "/constituents",
            &[
                ("csrf", &csrf),
                ("first_name", "Zoë"),
                ("email", "zoe@@example"),
                ("phone", "abc"),
                ("do_not_email", "on"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.html.contains("Enter a phone number of 6 to 20 digits"),
        "{}",
        p.html
    );
    assert!(
        p.html
            .contains("Enter an email address like name@example.org.")
    );
    assert!(p.html.contains("value=\"Zoë\""), "what was typed is kept");
    assert!(p.html.contains("aria-invalid=\"true\""));
    let ok = b
        .post(
            "/constituents",
            &[
                ("csrf", &csrf),
                ("first_name", "Zoë"),
                ("last_name", "Yilmaz"),
                ("do_not_email", "on"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let page = b.get(&ok.location).await;
    assert!(page.html.contains("Zoë Yilmaz"));
    assert!(page.html.contains("Do not email"));
}

async fn a_case_is_opened_noted_and_moved_on_through_the_pages(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let person = t.api(&cw).constituent("Desmond", "Abbott").await;
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let form = b.get(&format!("/constituents/{person}/cases/new")).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let pid = person.to_string();
    let me = cw.id.to_string();
    let opened = b
        .post(
            "/cases",
            &[
                ("csrf", &csrf),
                ("constituent_id", &pid),
                ("title", "Pension application delayed"),
                ("level", "federal"),
                ("urgency", "high"),
                ("sensitivity", "normal"),
                ("assignee_id", &me),
                ("review_date", ""),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.html);
    let case_path = opened.location.split('?').next().unwrap().to_owned();
    let note = b
        .post(
            &format!("{case_path}/notes"),
            &[
                ("csrf", &csrf),
                ("kind", "call"),
                ("body", "Spoke to the pension centre."),
            ],
        )
        .await;
    assert_eq!(note.status, StatusCode::SEE_OTHER);
    let status = b
        .post(
            &format!("{case_path}/status"),
            &[("csrf", &csrf), ("status", "open"), ("version", "1")],
        )
        .await;
    assert_eq!(status.status, StatusCode::SEE_OTHER);
    let bad = b
        .post(
            &format!("{case_path}/status"),
            &[("csrf", &csrf), ("status", "new"), ("version", "2")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("cannot move to New"));
    let page = b.get(&case_path).await;
    assert!(page.html.contains("Spoke to the pension centre."));
    assert!(page.html.contains("Status changed from New to Open"));
    assert!(page.html.contains("status-open"));
    let mine = b.get("/cases?view=mine").await;
    assert!(mine.html.contains("Pension application delayed"));
    // Another constituent joins the case.
    let spouse = t.api(&cw).constituent("Ines", "Abbott").await;
    // Found by name (a search step, no numbers typed), then chosen.
    let found = b
        .post(
            &format!("{case_path}/people"),
            &[
                ("csrf", &csrf),
                ("person", "ines abb"),
                ("relationship", "spouse"),
            ],
        )
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.html.contains("Add Ines Abbott"), "{}", found.html);
    assert!(
        found
            .html
            .contains(&format!("name=\"constituent_id\" value=\"{spouse}\""))
    );
    let nobody = b
        .post(
            &format!("{case_path}/people"),
            &[("csrf", &csrf), ("person", "Zebedee Quux")],
        )
        .await;
    assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        nobody.html.contains("Nobody on file matches"),
        "{}",
        nobody.html
    );
    let joined = b
        .post(
            &format!("{case_path}/people"),
            &[
                ("csrf", &csrf),
                ("constituent_id", &spouse.to_string()),
                ("relationship", "spouse"),
            ],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER);
    let page = b.get(&case_path).await;
    assert!(page.html.contains("Ines Abbott</a> (spouse)"));
    let spouse_page = b.get(&format!("/constituents/{spouse}")).await;
    assert!(
        spouse_page.html.contains("Added Ines Abbott to the case"),
        "the case shows on the other person's history"
    );
}

async fn household_members_are_found_by_address(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let a = api.post("/api/v1/constituents", json!({"first_name": "Farid", "last_name": "Gill", "address": "44 Willow Lane", "postcode": "R2M 3K3"})).await.body["id"].as_i64().unwrap();
    api.post("/api/v1/constituents", json!({"first_name": "Parveen", "last_name": "Gill", "address": "44 willow lane", "postcode": "r2m3k3"})).await;
    api.post("/api/v1/constituents", json!({"first_name": "Other", "last_name": "Person", "address": "45 Willow Lane", "postcode": "R2M 3K3"})).await;
    api.post("/api/v1/constituents", json!({"first_name": "Amir", "last_name": "Gill", "address": "44 Willow Lane", "postcode": "R2M 3K3"})).await;
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let page = b.get(&format!("/constituents/{a}")).await;
    // The person, and the others at the address by name (not the person).
    assert!(page.html.contains("<h1>Farid Gill"), "the page is Farid's");
    let household = page.html.split("<h3>Same household</h3>").nth(1).unwrap();
    let household = household.split("</ul>").next().unwrap();
    let names: Vec<&str> = household
        .split("\">")
        .skip(1)
        .map(|s| s.split('<').next().unwrap())
        .collect();
    assert_eq!(names, ["Amir Gill", "Parveen Gill"]);
    assert!(!page.html.contains("Other Person"));
    // Nobody else at the address: no household.
    let other = api.post("/api/v1/constituents", json!({"first_name": "Solo", "last_name": "Lane", "address": "1 Far Road", "postcode": "R2M 3K4"})).await.body["id"].as_i64().unwrap();
    let page = b.get(&format!("/constituents/{other}")).await;
    assert!(page.html.contains("<h1>Solo Lane"));
    assert!(!page.html.contains("Same household"));
}

async fn pages_carry_security_headers_and_safe_cookies(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let login = reqwest::Client::new()
        .get(t.url("/login"))
        .send()
        .await
        .unwrap();
    let h = login.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    let b = t.browser();
    let form = b.get("/login").await;
    let res = b
        .client
        .post(t.url("/login"))
        .form(&[
            ("csrf", form.csrf().as_str()),
            ("email", cw.email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("casework_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
}

async fn editing_a_case_someone_else_just_changed_shows_a_conflict(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Bruno", "Rossi").await;
    let case = api.case(person, json!({})).await;
    let id = case["id"].as_i64().unwrap();
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let form = b.get(&format!("/cases/{id}/edit")).await;
    api.patch(
        &format!("/api/v1/cases/{id}"),
        json!({"summary": "Changed meanwhile"}),
    )
    .await;
    let saved = b
        .post(
            &format!("/cases/{id}"),
            &[
                ("csrf", &form.csrf()),
                ("title", "My title"),
                ("summary", "Mine"),
                ("level", "federal"),
                ("urgency", "normal"),
                ("sensitivity", "normal"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::CONFLICT);
    assert!(saved.html.contains("Someone else changed this case"));
    assert_eq!(
        api.get(&format!("/api/v1/cases/{id}")).await.body["summary"],
        "Changed meanwhile"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires_and_sends_the_person_to_sign_in() {
    let settings = Settings {
        session_idle_minutes: 0,
        ..Settings::default()
    };
    let t = TestApp::spawn_with(Backend::Sqlite, settings).await;
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let b = t.browser();
    assert_eq!(
        b.sign_in(&cw.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let next = b.get("/cases").await;
    assert_eq!(next.status, StatusCode::SEE_OTHER);
    assert!(next.location.starts_with("/login"));
}

async fn the_case_filters_offer_each_category_and_agency_in_use_once(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let p = api.constituent("Filter", "Menus").await;
    for (category, agency) in [
        ("Tax", "Revenue Agency"),
        ("Housing", "City Housing"),
        ("Housing", "Revenue Agency"),
        ("", ""),
        ("Benefits", "City Housing"),
    ] {
        api.case(p, json!({"category": category, "agency": agency}))
            .await;
    }
    // Another office's categories are not offered here.
    let other = t.office("Other").await;
    let stranger = t.user(other, Role::OfficeManager).await;
    let sapi = t.api(&stranger);
    let added = sapi
        .post(
            "/api/v1/tags",
            json!({"dimension": "category", "name": "Aardvarks"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
    let q = sapi.constituent("Other", "Person").await;
    sapi.case(q, json!({"category": "Aardvarks", "agency": "Zoo Board"}))
        .await;
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let html = b.get("/cases").await.html;
    let options = |id: &str| -> Vec<String> {
        let start = html.find(&format!("<select id=\"{id}\"")).expect(id);
        let end = start + html[start..].find("</select>").unwrap();
        html[start..end]
            .split("<option")
            .skip(2) // the select itself and "Any"
            .map(|o| {
                let text = &o[o.find('>').unwrap() + 1..];
                text.split('<').next().unwrap().to_owned()
            })
            .collect()
    };
    // The office's Category values, each once, children under their parent.
    let categories = options("category");
    for wanted in ["Benefits", "Housing", "Housing › Disrepair", "Tax"] {
        assert!(
            categories.iter().any(|c| c == wanted),
            "{wanted}: {categories:?}"
        );
    }
    assert!(!categories.iter().any(|c| c == "Aardvarks"));
    let mut once = categories.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), categories.len());
    assert_eq!(options("agency"), ["City Housing", "Revenue Agency"]);
}

async fn an_admin_adds_a_colleague_and_changes_their_role(t: TestApp) {
    let office = t.office("Office").await;
    let admin = t.user(office, Role::Admin).await;
    let a = t.browser();
    a.sign_in(&admin.email, PASSWORD).await;
    let form = a.get("/admin/users/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    // A short password and a bad address: each named, nobody created.
    let refused = a
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("display_name", "Robin Hale"),
                ("email", "not-an-address"),
                ("role", "volunteer"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("Robin Hale"),
        "what was typed is kept"
    );
    let email = format!("robin.hale.{}@example.org", crate::harness::unique());
    let created = a
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("display_name", "Robin Hale"),
                ("email", &email),
                ("role", "volunteer"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    let users = t.data(office).users().await.unwrap();
    let robin = users.iter().find(|u| u.email == email).expect("created");
    assert_eq!(robin.role(), Role::Volunteer);
    // They sign in as a volunteer: the staff page and case editing are closed to them.
    let r = t.browser();
    assert_eq!(
        r.sign_in(&email, "a long enough password").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(r.get("/admin/users").await.status, StatusCode::FORBIDDEN);
    // The admin makes them a caseworker; the change applies at once.
    let page = a.get(&format!("/admin/users/{}", robin.id)).await;
    let saved = a
        .post(
            &format!("/admin/users/{}", robin.id),
            &[
                ("csrf", &page.csrf()),
                ("role", "caseworker"),
                ("active", "on"),
                ("version", &robin.version.to_string()),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let after = t.data(office).user(robin.id).await.unwrap();
    assert_eq!(after.role(), Role::Caseworker);
    assert!(after.active);
    assert_eq!(
        r.get("/letters").await.status,
        StatusCode::OK,
        "a caseworker's page"
    );
    // A stale version is refused rather than overwriting.
    let stale = a
        .post(
            &format!("/admin/users/{}", robin.id),
            &[
                ("csrf", &page.csrf()),
                ("role", "volunteer"),
                ("active", "on"),
                ("version", &robin.version.to_string()),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.html);
    assert_eq!(
        t.data(office).user(robin.id).await.unwrap().role(),
        Role::Caseworker
    );
}
