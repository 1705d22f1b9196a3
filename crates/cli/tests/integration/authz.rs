//! The authorization matrix: every route × every role × own or other office,
//! against the expected answer. The routes are in `authz_routes.rs`: a new
//! route must be added there.
//!
//! Left out on purpose: `GET /healthz` and `GET /static/app.css` (public),
//! and `GET|POST /login` and `POST /logout` (they make or end the session
//! the matrix signs in with).

use crate::authz_routes::{Via, routes};
use crate::harness::{Browser, PASSWORD, TestApp, TestUser};
use crate::on_both_backends;
use casework_app::domain::{Permission, Role};
use reqwest::Method;
use serde_json::json;

on_both_backends!(every_route_answers_every_role_as_expected);

/// Who may do something, as the status each role gets in its own office.
/// The roles allowed are those the domain gives the permission named
/// ([`Role::can`]); the domain's own test pins that table, so a change to
/// who may do what shows there.
#[derive(Clone, Copy)]
pub(crate) enum Rule {
    /// Every role: the given status.
    All(u16),
    /// Roles with the permission get the status; the rest are refused.
    May(Permission, u16),
    /// The sensitive case: its assignee (not a role here) and the roles that
    /// see every sensitive case see it; for everyone else it does not exist.
    Sensitive(u16),
    /// Doing something on the sensitive case: roles that see it and have the
    /// permission get the status, those that see it without the permission
    /// (the representative, who does no casework) are refused, and for
    /// everyone else it does not exist.
    SensitiveMay(Permission, u16),
}

impl Rule {
    fn expect(self, role: Role) -> u16 {
        // The test users are not the sensitive case's assignee.
        let sees_sensitive = role.can_see_case(true, false);
        match self {
            Rule::All(s) => s,
            Rule::May(p, s) => {
                if role.can(p) {
                    s
                } else {
                    403
                }
            }
            Rule::Sensitive(s) => {
                if sees_sensitive {
                    s
                } else {
                    404
                }
            }
            Rule::SensitiveMay(p, s) => match (sees_sensitive, role.can(p)) {
                (false, _) => 404,
                (true, true) => s,
                (true, false) => 403,
            },
        }
    }
}

pub(crate) struct Ids {
    pub(crate) constituent: i64,
    pub(crate) case: i64,
    pub(crate) sensitive: i64,
    pub(crate) user: i64,
    pub(crate) campaign: i64,
    /// A file kept on the ordinary case: (record id, attachment id).
    pub(crate) file: (i64, i64),
    /// A file kept on the sensitive case.
    pub(crate) sensitive_file: (i64, i64),
    /// A letter on the ordinary case (needing no approval).
    pub(crate) letter: i64,
    /// A letter on the sensitive case (approved as it was written, by a manager).
    pub(crate) sensitive_letter: i64,
    /// An email from outside filed on the sensitive case (by its reference), with HTML.
    pub(crate) sensitive_email: i64,
    /// A message from a stranger, with HTML, taken out of the intake inbox
    /// ("no action"): filing it again or marking it again is refused.
    pub(crate) dealt_with: i64,
    /// An email queued in the outbox from the ordinary case (not held, not failed).
    pub(crate) outbox: i64,
    /// The same from the sensitive case.
    pub(crate) sensitive_outbox: i64,
    /// A letter template.
    pub(crate) template: i64,
    /// A case no row changes, and its version: (id, version).
    pub(crate) edit_case: (i64, i64),
    /// An API token of a colleague (the case holder).
    pub(crate) colleague_token: i64,
    /// An agency of the directory, and a contact there.
    pub(crate) agency: i64,
    pub(crate) contact: i64,
    /// An unanswered enquiry made by phone from the ordinary case.
    pub(crate) enquiry: i64,
    /// The same from the sensitive case.
    pub(crate) sensitive_enquiry: i64,
    /// A task on the ordinary case, added by a manager for the case holder.
    pub(crate) task: i64,
}

/// A 1 × 1 PNG (a letterhead logo).
const TINY_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\x0cIDATx\x9cc\xf8\xcf\xc0\0\0\x03\x01\x01\0\xc9\xfe\x92\xef\0\0\0\0IEND\xaeB`\x82";

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
    let attachment = t.data(manager.office_id).attachments(record).await.unwrap()[0].id;
    (record, attachment)
}

/// An email with a plain and an HTML part, from a stranger.
fn html_mail(office: i64, n: &str, subject: &str, text: &str) -> casework_app::intake::RawMessage {
    let head = format!(
        "From: Stranger {n} <stranger.{n}.{office}@example.org>\r\nSubject: {subject}\r\n\
         Message-ID: <{n}.{office}@example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n"
    );
    let body = format!(
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
         --b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>{text}</p>\r\n--b--\r\n"
    );
    casework_app::intake::RawMessage {
        source: format!("matrix-{n}"),
        bytes: (head + &body).into_bytes(),
    }
}

async fn setup(t: &TestApp, office: i64) -> Ids {
    let manager = t.user(office, Role::OfficeManager).await;
    let holder = t.user(office, Role::Caseworker).await;
    let api = t.api(&manager);
    let constituent = api.constituent("Matrix", "Person").await;
    let case = api.case(constituent, json!({})).await["id"]
        .as_i64()
        .unwrap();
    let sensitive_case = api
        .case(
            constituent,
            json!({"sensitivity": "sensitive", "assignee_id": holder.id}),
        )
        .await;
    let sensitive = sensitive_case["id"].as_i64().unwrap();
    let edit = api.case(constituent, json!({})).await;
    // A campaign: five copies of one letter from five people.
    let letter = "I am writing to ask you to oppose the closure of the Riverside swimming pool, which \
        hundreds of children, older people and clubs use every week. The nearest other pool is an hour \
        away by bus and the council has not consulted anyone who uses it. Please press the council to \
        keep it open while a proper consultation takes place.";
    let copies = (0..5)
        .map(|n| casework_app::intake::RawMessage {
            source: format!("matrix{n}"),
            bytes: format!(
                "From: Writer {n} <writer{n}.{office}@example.net>\r\nSubject: Save the pool\r\nMessage-ID: <pool{n}.{office}@example.net>\r\n\r\nDear Councillor,\r\n\r\n{letter}\r\n\r\nRegards,\r\nWriter {n}\r\n"
            )
            .into_bytes(),
        })
        .collect();
    casework_app::intake::ingest(&t.app, office, copies)
        .await
        .unwrap();
    let campaign = api.get("/api/v1/campaigns").await.body["items"][0]["id"]
        .as_i64()
        .expect("the copies form a campaign");
    // Two emails with HTML from strangers: one waits in the intake inbox, the
    // other carries the sensitive case's reference and is filed on it.
    let reference = sensitive_case["reference"].as_str().unwrap();
    casework_app::intake::ingest(
        &t.app,
        office,
        vec![
            html_mail(
                office,
                "intake",
                "A question",
                "Could you tell me when the library reopens after the flood?",
            ),
            html_mail(
                office,
                "sensitive",
                &format!("Re: {reference}"),
                "Thank you for your help with my application, here is the letter they sent me.",
            ),
        ],
    )
    .await
    .unwrap();
    let dealt_with = api.get("/api/v1/intake").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "A question")
        .expect("the stranger's message waits in the inbox")["id"]
        .as_i64()
        .unwrap();
    let r = api
        .post(&format!("/api/v1/intake/{dealt_with}/no-action"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let sensitive_email = api
        .get(&format!("/api/v1/cases/{sensitive}/correspondence"))
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["channel"] == "email" && m["direction"] == "in")
        .expect("the email with the reference is filed on the sensitive case")["id"]
        .as_i64()
        .unwrap();
    let actor = casework_app::auth::token_actor(&t.app, &manager.token)
        .await
        .unwrap();
    let r = api
        .post(
            &format!("/api/v1/cases/{case}/emails"),
            json!({"subject": "Your passport", "body": "Dear Matrix,"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let outbox = casework_app::outbox::for_case(&t.app, &actor, case)
        .await
        .unwrap()[0]
        .id;
    let r = api
        .post(
            &format!("/api/v1/cases/{sensitive}/emails"),
            json!({"subject": "Your application", "body": "Dear Matrix,"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let sensitive_outbox = casework_app::outbox::for_case(&t.app, &actor, sensitive)
        .await
        .unwrap()[0]
        .id;
    // A logo on the letterhead, so that it can be fetched.
    casework_app::letters::save_letterhead(
        &t.app,
        &actor,
        &casework_app::views::LetterSettings {
            letterhead: "1 Main Street".into(),
            paper: "a4".into(),
            signature_title: String::new(),
        },
        casework_app::letters::LogoChange::Set(TINY_PNG.to_vec()),
    )
    .await
    .unwrap();
    let template = casework_app::letters::save_template(
        &t.app,
        &actor,
        None,
        0,
        "Matrix",
        "",
        "Dear {{ constituent.first_name }},",
        false,
    )
    .await
    .unwrap();
    // The directory: an agency with a contact; an enquiry made by phone from
    // each case; a task on the ordinary case for the case holder.
    let r = api
        .post("/api/v1/agencies", json!({"name": "Matrix Agency"}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let agency = r.body["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/api/v1/agencies/{agency}/contacts"),
            json!({"name": "Matrix Contact"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let contact = r.body["id"].as_i64().unwrap();
    let enquiry_on = |k: i64| {
        let api = &api;
        async move {
            let r = api
                .post(
                    &format!("/api/v1/cases/{k}/enquiries"),
                    json!({"agency_id": agency, "send": "phone", "asked": "Matrix question"}),
                )
                .await;
            assert_eq!(r.status, 201, "{:?}", r.body);
            r.body["id"].as_i64().unwrap()
        }
    };
    let r = api
        .post(
            "/api/v1/tasks",
            json!({"title": "Matrix task", "case_id": case, "assignee_id": holder.id}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let task = r.body["id"].as_i64().unwrap();
    let letter_on = |k: i64| {
        let api = &api;
        async move { api.letter(k, json!({"body": "Dear Matrix,"})).await }
    };
    Ids {
        constituent,
        case,
        sensitive,
        user: holder.id,
        campaign,
        file: keep_file(t, &manager, case).await,
        sensitive_file: keep_file(t, &manager, sensitive).await,
        letter: letter_on(case).await,
        sensitive_letter: letter_on(sensitive).await,
        sensitive_email,
        dealt_with,
        outbox,
        sensitive_outbox,
        template,
        edit_case: (
            edit["id"].as_i64().unwrap(),
            edit["version"].as_i64().unwrap(),
        ),
        colleague_token: t.store.api_tokens(holder.id).await.unwrap()[0].id,
        agency,
        contact,
        enquiry: enquiry_on(case).await,
        sensitive_enquiry: enquiry_on(sensitive).await,
        task,
    }
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
            // The CSRF token first, as the pages' forms send it.
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf.to_owned())
                .text("kind", "document")
                .text("body", "x")
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
