//! The authorization matrix: every route × every role × own or other office,
//! against the expected answer. A new route must be added here.

use crate::harness::{Browser, PASSWORD, TestApp, TestUser};
use crate::on_both_backends;
use casework_app::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(every_route_answers_every_role_as_expected);

/// Who may do something, as the status each role gets in its own office.
#[derive(Clone, Copy)]
enum Rule {
    /// Every role: the given status.
    All(u16),
    /// Admin, office manager, caseworker and volunteer succeed; the representative is refused.
    Intake(u16),
    /// Admin, office manager and caseworker succeed; volunteer and representative are refused.
    Casework(u16),
    /// Only the admin.
    AdminOnly(u16),
    /// Office managers and the representative (approvals).
    Approver(u16),
    /// The sensitive case: its assignee (not a role here), office managers and
    /// the representative see it; for everyone else it does not exist.
    Sensitive(u16),
}

impl Rule {
    fn expect(self, role: Role) -> u16 {
        use Role::*;
        match self {
            Rule::All(s) => s,
            Rule::Intake(s) => {
                if role == Representative {
                    403
                } else {
                    s
                }
            }
            Rule::Casework(s) => {
                if matches!(role, Admin | OfficeManager | Caseworker) {
                    s
                } else {
                    403
                }
            }
            Rule::AdminOnly(s) => {
                if role == Admin {
                    s
                } else {
                    403
                }
            }
            Rule::Approver(s) => {
                if matches!(role, OfficeManager | Representative) {
                    s
                } else {
                    403
                }
            }
            Rule::Sensitive(s) => {
                if matches!(role, OfficeManager | Representative) {
                    s
                } else {
                    404
                }
            }
        }
    }
}

struct Ids {
    constituent: i64,
    case: i64,
    sensitive: i64,
    user: i64,
    campaign: i64,
    /// A file kept on the ordinary case: (record id, attachment id).
    file: (i64, i64),
    /// A file kept on the sensitive case.
    sensitive_file: (i64, i64),
    /// A letter on the ordinary case (needing no approval).
    letter: i64,
}

/// Keeps a small file on a case (as the office manager); returns the
/// record's id and the file's attachment id.
async fn keep_file(t: &TestApp, manager: &TestUser, case: i64) -> (i64, i64) {
    let actor = casework_app::auth::token_actor(&t.app, &manager.token)
        .await
        .unwrap();
    let file = casework_app::cases::CaseFile {
        filename: "scan.pdf".into(),
        content_type: "application/pdf".into(),
        data: b"%PDF-1.4 scanned".to_vec(),
    };
    let record =
        casework_app::cases::add_record(&t.app, &actor, case, "post", "Scanned letter", vec![file])
            .await
            .unwrap();
    let attachment = t.app.store.attachments(record).await.unwrap()[0].id;
    (record, attachment)
}

async fn setup(t: &TestApp, office: i64) -> Ids {
    let manager = t.user(office, Role::OfficeManager).await;
    let holder = t.user(office, Role::Caseworker).await;
    let api = t.api(&manager);
    let constituent = api.constituent("Matrix", "Person").await;
    let case = api.case(constituent, json!({})).await["id"]
        .as_i64()
        .unwrap();
    let sensitive = api
        .case(
            constituent,
            json!({"sensitivity": "sensitive", "assignee_id": holder.id}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    // A campaign: five copies of one letter from five people.
    let letter = "I am writing to ask you to oppose the closure of the Riverside swimming pool, which \
        hundreds of children, older people and clubs use every week. The nearest other pool is an hour \
        away by bus and the council has not consulted anyone who uses it. Please press the council to \
        keep it open while a proper consultation takes place.";
    let copies = (0..5)
        .map(|n| casework_app::mail::RawMessage {
            source: format!("matrix{n}"),
            bytes: format!(
                "From: Writer {n} <writer{n}.{office}@example.net>\r\nSubject: Save the pool\r\nMessage-ID: <pool{n}.{office}@example.net>\r\n\r\nDear Councillor,\r\n\r\n{letter}\r\n\r\nRegards,\r\nWriter {n}\r\n"
            )
            .into_bytes(),
        })
        .collect();
    casework_app::mail::ingest(&t.app, office, copies)
        .await
        .unwrap();
    let campaign = api.get("/api/v1/campaigns").await.body["items"][0]["id"]
        .as_i64()
        .expect("the copies form a campaign");
    Ids {
        constituent,
        case,
        sensitive,
        user: holder.id,
        campaign,
        file: keep_file(t, &manager, case).await,
        sensitive_file: keep_file(t, &manager, sensitive).await,
        letter: api
            .post(
                &format!("/api/v1/cases/{case}/letters"),
                json!({"body": "Dear Matrix,"}),
            )
            .await
            .body["id"]
            .as_i64()
            .unwrap(),
    }
}

enum Via {
    Api(Method, String, Option<Value>),
    Page(Method, String, Vec<(&'static str, String)>),
    /// A `multipart/form-data` post with one small file: to the API with
    /// the bearer token, or as a page form with the CSRF token.
    Upload {
        api: bool,
        path: String,
    },
}

fn routes(ids: &Ids) -> Vec<(Via, Rule, bool)> {
    let c = ids.constituent;
    let k = ids.case;
    let s = ids.sensitive;
    let u = ids.user;
    let g = ids.campaign;
    let (r, a) = ids.file;
    let (rs, as_) = ids.sensitive_file;
    let upload = |api: bool, path: String| Via::Upload { api, path };
    let api = |m: Method, p: String, b: Option<Value>| Via::Api(m, p, b);
    let page = |p: String| Via::Page(Method::GET, p, Vec::new());
    let form = |p: String, f: Vec<(&'static str, String)>| Via::Page(Method::POST, p, f);
    // (route, rule in own office, whether another office's id gives 404)
    vec![
        (
            api(Method::GET, "/api/v1/me".into(), None),
            Rule::All(200),
            false,
        ),
        (
            api(Method::GET, "/api/v1/constituents".into(), None),
            Rule::All(200),
            false,
        ),
        (
            api(
                Method::POST,
                "/api/v1/constituents".into(),
                Some(json!({"last_name": "New"})),
            ),
            Rule::Intake(201),
            false,
        ),
        (
            api(Method::GET, format!("/api/v1/constituents/{c}"), None),
            Rule::All(200),
            true,
        ),
        (
            api(
                Method::PATCH,
                format!("/api/v1/constituents/{c}"),
                Some(json!({"notes": "x"})),
            ),
            Rule::Intake(200),
            true,
        ),
        (
            api(
                Method::GET,
                format!("/api/v1/constituents/{c}/timeline"),
                None,
            ),
            Rule::All(200),
            true,
        ),
        (
            api(Method::GET, "/api/v1/cases".into(), None),
            Rule::All(200),
            false,
        ),
        (
            api(
                Method::POST,
                "/api/v1/cases".into(),
                Some(json!({"constituent_id": c, "title": "New"})),
            ),
            Rule::Intake(201),
            false,
        ),
        (
            api(Method::GET, format!("/api/v1/cases/{k}"), None),
            Rule::All(200),
            true,
        ),
        (
            api(
                Method::PATCH,
                format!("/api/v1/cases/{k}"),
                Some(json!({"summary": "x"})),
            ),
            Rule::Casework(200),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/cases/{k}/timeline"), None),
            Rule::All(200),
            true,
        ),
        (
            api(
                Method::POST,
                format!("/api/v1/cases/{k}/notes"),
                Some(json!({"body": "x"})),
            ),
            Rule::Intake(201),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/cases/{s}"), None),
            Rule::Sensitive(200),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/cases/{s}/timeline"), None),
            Rule::Sensitive(200),
            true,
        ),
        (page("/cases".into()), Rule::All(200), false),
        (page("/constituents".into()), Rule::All(200), false),
        (page("/constituents/new".into()), Rule::Intake(200), false),
        (page(format!("/constituents/{c}")), Rule::All(200), true),
        (
            page(format!("/constituents/{c}/edit")),
            Rule::Intake(200),
            true,
        ),
        (
            page(format!("/constituents/{c}/cases/new")),
            Rule::Intake(200),
            true,
        ),
        (
            form(
                format!("/constituents/{c}/notes"),
                vec![("body", "x".into())],
            ),
            Rule::Intake(303),
            true,
        ),
        (page(format!("/cases/{k}")), Rule::All(200), true),
        (page(format!("/cases/{k}/edit")), Rule::Casework(200), true),
        (
            form(format!("/cases/{k}/notes"), vec![("body", "x".into())]),
            Rule::Intake(303),
            true,
        ),
        (
            form(
                format!("/cases/{k}/status"),
                vec![("status", "open".into())],
            ),
            Rule::Casework(303),
            true,
        ),
        (page(format!("/cases/{s}")), Rule::Sensitive(200), true),
        (
            upload(true, format!("/api/v1/cases/{k}/documents")),
            Rule::Intake(201),
            true,
        ),
        (
            upload(false, format!("/cases/{k}/notes")),
            Rule::Intake(303),
            true,
        ),
        (
            api(
                Method::GET,
                format!("/api/v1/correspondence/{r}/attachments/{a}"),
                None,
            ),
            Rule::All(200),
            true,
        ),
        (
            page(format!("/correspondence/{r}/attachments/{a}")),
            Rule::All(200),
            true,
        ),
        (
            api(
                Method::GET,
                format!("/api/v1/correspondence/{rs}/attachments/{as_}"),
                None,
            ),
            Rule::Sensitive(200),
            true,
        ),
        (
            page(format!("/correspondence/{rs}/attachments/{as_}")),
            Rule::Sensitive(200),
            true,
        ),
        (page("/account".into()), Rule::All(200), false),
        (page("/admin/users".into()), Rule::AdminOnly(200), false),
        (page("/admin/users/new".into()), Rule::AdminOnly(200), false),
        (
            page(format!("/admin/users/{u}")),
            Rule::AdminOnly(200),
            true,
        ),
        (
            form(format!("/admin/users/{u}/sessions/revoke"), vec![]),
            Rule::AdminOnly(303),
            true,
        ),
        (
            api(Method::GET, "/api/v1/campaigns".into(), None),
            Rule::All(200),
            false,
        ),
        (
            api(Method::GET, format!("/api/v1/campaigns/{g}"), None),
            Rule::All(200),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/campaigns/{g}/messages"), None),
            Rule::All(200),
            true,
        ),
        (
            api(
                Method::POST,
                format!("/api/v1/campaigns/{g}/no-action"),
                Some(json!({"no_action": false})),
            ),
            Rule::Intake(200),
            true,
        ),
        (
            api(
                Method::PUT,
                format!("/api/v1/campaigns/{g}/reply"),
                Some(json!({"subject": "s", "body": "b", "version": 0})),
            ),
            // A stale version: allowed roles get 422, the rest 403.
            Rule::Casework(422),
            true,
        ),
        (
            api(
                Method::POST,
                format!("/api/v1/campaigns/{g}/reply/approve"),
                Some(json!({"version": 0})),
            ),
            Rule::Approver(422),
            true,
        ),
        (page("/letters".into()), Rule::Casework(200), false),
        (
            api(Method::GET, "/api/v1/letters".into(), None),
            Rule::Casework(200),
            false,
        ),
        (
            api(Method::GET, "/api/v1/letters?printed=true".into(), None),
            Rule::Casework(200),
            false,
        ),
        // Nothing chosen: refused for those who may print, forbidden to the rest.
        (
            api(
                Method::POST,
                "/api/v1/letters/print".into(),
                Some(json!({"ids": []})),
            ),
            Rule::Casework(422),
            false,
        ),
        // Needs no approval: approvers are told so, the rest are forbidden.
        (
            api(
                Method::POST,
                format!("/api/v1/letters/{}/approve", ids.letter),
                None,
            ),
            Rule::Approver(422),
            true,
        ),
        // Nothing ticked: refused for those who may print, forbidden to the rest.
        (
            form("/letters/print".into(), vec![]),
            Rule::Casework(422),
            false,
        ),
        (page("/campaigns".into()), Rule::All(200), false),
        (page(format!("/campaigns/{g}")), Rule::All(200), true),
        (
            page(format!("/campaigns/{g}/export.csv")),
            Rule::All(200),
            true,
        ),
        (
            form(
                format!("/campaigns/{g}/state"),
                vec![("state", "open".into())],
            ),
            Rule::Intake(303),
            true,
        ),
    ]
}

async fn call(t: &TestApp, user: &TestUser, browser: &Browser, csrf: &str, via: &Via) -> u16 {
    match via {
        Via::Api(m, path, body) => t
            .api(user)
            .send(m.clone(), path, body.clone(), &[])
            .await
            .status
            .as_u16(),
        Via::Page(Method::GET, path, _) => browser.get(path).await.status.as_u16(),
        Via::Page(_, path, fields) => {
            let mut form: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            form.push(("csrf", csrf));
            browser.post(path, &form).await.status.as_u16()
        }
        Via::Upload { api, path } => {
            let form = reqwest::multipart::Form::new()
                .text("kind", "document")
                .text("body", "x")
                .text("csrf", csrf.to_owned())
                .part(
                    "files",
                    reqwest::multipart::Part::bytes(b"file".to_vec()).file_name("x.txt"),
                );
            let req = if *api {
                reqwest::Client::new()
                    .post(format!("{}{path}", browser.base))
                    .bearer_auth(&user.token)
            } else {
                browser.client.post(format!("{}{path}", browser.base))
            };
            req.multipart(form).send().await.unwrap().status().as_u16()
        }
    }
}

async fn every_route_answers_every_role_as_expected(t: TestApp) {
    let ours = t.office("Ours").await;
    let theirs = t.office("Theirs").await;
    let own = setup(&t, ours).await;
    let other = setup(&t, theirs).await;
    let mut failures = Vec::new();
    for role in Role::ALL {
        let user = t.user(ours, *role).await;
        let browser = t.browser();
        browser.sign_in(&user.email, PASSWORD).await;
        let csrf = browser.csrf().await;
        for ((via, rule, scoped), (other_via, _, _)) in routes(&own).into_iter().zip(routes(&other))
        {
            let got = call(&t, &user, &browser, &csrf, &via).await;
            let want = rule.expect(*role);
            if got != want {
                failures.push(format!(
                    "{role:?} own office {}: got {got}, want {want}",
                    describe(&via)
                ));
            }
            if scoped {
                let got = call(&t, &user, &browser, &csrf, &other_via).await;
                // Another office's record is "not found", except where the role is refused outright.
                let want = if rule.expect(*role) == 403 && !matches!(rule, Rule::Sensitive(_)) {
                    [403, 404]
                } else {
                    [404, 404]
                };
                if !want.contains(&got) {
                    failures.push(format!(
                        "{role:?} other office {}: got {got}, want {want:?}",
                        describe(&other_via)
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix mismatches:\n{}",
        failures.join("\n")
    );
}

fn describe(via: &Via) -> String {
    match via {
        Via::Api(m, p, _) => format!("{m} {p}"),
        Via::Page(m, p, _) => format!("page {m} {p}"),
        Via::Upload { api, path } => {
            format!("{} upload {path}", if *api { "API" } else { "page" })
        }
    }
}
