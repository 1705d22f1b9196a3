//! The authorization matrix: every route × every role × own or other office,
//! against the expected answer. A new route must be added here.
//!
//! Left out on purpose: `GET /healthz` and `GET /static/app.css` (public),
//! and `GET|POST /login` and `POST /logout` (they make or end the session
//! the matrix signs in with).

use crate::harness::{Browser, PASSWORD, TestApp, TestUser};
use crate::on_both_backends;
use casework_app::domain::{Permission, Role};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(every_route_answers_every_role_as_expected);

/// Who may do something, as the status each role gets in its own office.
/// The roles allowed are those the domain gives the permission named
/// ([`Role::can`]); the domain's own test pins that table, so a change to
/// who may do what shows there.
#[derive(Clone, Copy)]
enum Rule {
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
    /// A letter on the sensitive case (approved as it was written, by a manager).
    sensitive_letter: i64,
    /// An email from outside filed on the sensitive case (by its reference), with HTML.
    sensitive_email: i64,
    /// A message from a stranger, with HTML, taken out of the intake inbox
    /// ("no action"): filing it again or marking it again is refused.
    dealt_with: i64,
    /// An email queued in the outbox from the ordinary case (not held, not failed).
    outbox: i64,
    /// The same from the sensitive case.
    sensitive_outbox: i64,
    /// A letter template.
    template: i64,
    /// A case no row changes, and its version: (id, version).
    edit_case: (i64, i64),
    /// An API token of a colleague (the case holder).
    colleague_token: i64,
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
        "1 Main Street",
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
    let l = ids.letter;
    let sl = ids.sensitive_letter;
    let se = ids.sensitive_email;
    let m = ids.dealt_with;
    let o = ids.outbox;
    let so = ids.sensitive_outbox;
    let tp = ids.template;
    let tk = ids.colleague_token;
    let (e, ev) = ids.edit_case;
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
            Rule::May(Permission::EditConstituents, 201),
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
            Rule::May(Permission::EditConstituents, 200),
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
            Rule::May(Permission::OpenCases, 201),
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
            Rule::May(Permission::EditCases, 200),
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
            Rule::May(Permission::AddCaseNotes, 201),
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
        (
            page("/constituents/new".into()),
            Rule::May(Permission::EditConstituents, 200),
            false,
        ),
        (page(format!("/constituents/{c}")), Rule::All(200), true),
        (
            page(format!("/constituents/{c}/edit")),
            Rule::May(Permission::EditConstituents, 200),
            true,
        ),
        (
            page(format!("/constituents/{c}/cases/new")),
            Rule::May(Permission::OpenCases, 200),
            true,
        ),
        (
            form(
                format!("/constituents/{c}/notes"),
                vec![("body", "x".into())],
            ),
            Rule::May(Permission::EditConstituents, 303),
            true,
        ),
        (page(format!("/cases/{k}")), Rule::All(200), true),
        (
            page(format!("/cases/{k}/edit")),
            Rule::May(Permission::EditCases, 200),
            true,
        ),
        (
            form(format!("/cases/{k}/notes"), vec![("body", "x".into())]),
            Rule::May(Permission::AddCaseNotes, 303),
            true,
        ),
        (
            form(
                format!("/cases/{k}/status"),
                vec![("status", "open".into())],
            ),
            Rule::May(Permission::EditCases, 303),
            true,
        ),
        (page(format!("/cases/{s}")), Rule::Sensitive(200), true),
        // Transfers: the request leaves out who takes the case over, so it
        // is refused for the roles that may transfer, and changes nothing.
        (
            api(
                Method::POST,
                format!("/api/v1/cases/{k}/transfer"),
                Some(json!({"send": "none", "to": ""})),
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/cases/{k}/transfers"), None),
            Rule::All(200),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/cases/{k}/handover"), None),
            Rule::All(200),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/cases/{s}/handover"), None),
            Rule::Sensitive(200),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/cases/{k}/handover.pdf"), None),
            Rule::All(200),
            true,
        ),
        (
            page(format!("/cases/{k}/transfer")),
            Rule::May(Permission::EditCases, 200),
            true,
        ),
        (
            form(
                format!("/cases/{k}/transfer"),
                vec![("send", "none".into()), ("to", String::new())],
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        (
            page(format!("/cases/{k}/handover.pdf")),
            Rule::All(200),
            true,
        ),
        (
            page(format!("/cases/{s}/handover.json")),
            Rule::Sensitive(200),
            true,
        ),
        (
            upload(true, format!("/api/v1/cases/{k}/documents")),
            Rule::May(Permission::AddCaseNotes, 201),
            true,
        ),
        (
            upload(false, format!("/cases/{k}/notes")),
            Rule::May(Permission::AddCaseNotes, 303),
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
        (
            page("/admin/users".into()),
            Rule::May(Permission::ManageStaff, 200),
            false,
        ),
        (
            page("/admin/users/new".into()),
            Rule::May(Permission::ManageStaff, 200),
            false,
        ),
        (
            page(format!("/admin/users/{u}")),
            Rule::May(Permission::ManageStaff, 200),
            true,
        ),
        (
            form(format!("/admin/users/{u}/sessions/revoke"), vec![]),
            Rule::May(Permission::ManageStaff, 303),
            true,
        ),
        // The colleague has no two-factor sign-in to reset: 422 says so.
        (
            form(format!("/admin/users/{u}/two-factor/reset"), vec![]),
            Rule::May(Permission::ManageStaff, 422),
            true,
        ),
        (
            form("/admin/two-factor".into(), vec![]),
            Rule::May(Permission::ManageStaff, 303),
            false,
        ),
        (page("/account/two-factor".into()), Rule::All(200), false),
        // Security keys: the app must be set up first (422 says so); no
        // such key to remove; no half-done sign-in to finish with a key.
        (
            form("/account/security-keys/begin".into(), vec![]),
            Rule::All(422),
            false,
        ),
        (
            form(
                "/account/security-keys/finish".into(),
                vec![("name", "k".into())],
            ),
            Rule::All(422),
            false,
        ),
        (
            form("/account/security-keys/999999/remove".into(), vec![]),
            Rule::All(404),
            false,
        ),
        (
            form("/login/two-factor/key/begin".into(), vec![]),
            Rule::All(303),
            false,
        ),
        // No identity provider is set up in these tests.
        (page("/login/sso".into()), Rule::All(404), false),
        // A wrong code: refused with the reason, for everyone alike.
        (
            form(
                "/account/two-factor".into(),
                vec![("code", "000000".into())],
            ),
            Rule::All(422),
            false,
        ),
        // Not set up: nothing to turn off or renew.
        (
            form(
                "/account/two-factor/off".into(),
                vec![("code", "000000".into())],
            ),
            Rule::All(422),
            false,
        ),
        (
            form(
                "/account/two-factor/recovery-codes".into(),
                vec![("code", "000000".into())],
            ),
            Rule::All(422),
            false,
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
            Rule::May(Permission::ManageCampaigns, 200),
            true,
        ),
        (
            api(
                Method::PUT,
                format!("/api/v1/campaigns/{g}/reply"),
                Some(json!({"subject": "s", "body": "b", "version": 0})),
            ),
            // A stale version: allowed roles get 422, the rest 403.
            Rule::May(Permission::SendEmail, 422),
            true,
        ),
        (
            api(
                Method::POST,
                format!("/api/v1/campaigns/{g}/reply/approve"),
                Some(json!({"version": 0})),
            ),
            Rule::May(Permission::ApproveOutgoing, 422),
            true,
        ),
        (
            page("/letters".into()),
            Rule::May(Permission::PrintLetters, 200),
            false,
        ),
        (
            api(Method::GET, "/api/v1/letters".into(), None),
            Rule::May(Permission::PrintLetters, 200),
            false,
        ),
        (
            api(Method::GET, "/api/v1/letters?printed=true".into(), None),
            Rule::May(Permission::PrintLetters, 200),
            false,
        ),
        // Nothing chosen: refused for those who may print, forbidden to the rest.
        (
            api(
                Method::POST,
                "/api/v1/letters/print".into(),
                Some(json!({"ids": []})),
            ),
            Rule::May(Permission::PrintLetters, 422),
            false,
        ),
        // Needs no approval: approvers are told so, the rest are forbidden.
        (
            api(
                Method::POST,
                format!("/api/v1/letters/{}/approve", ids.letter),
                None,
            ),
            Rule::May(Permission::ApproveOutgoing, 422),
            true,
        ),
        // Nothing ticked: refused for those who may print, forbidden to the rest.
        (
            form("/letters/print".into(), vec![]),
            Rule::May(Permission::PrintLetters, 422),
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
            Rule::May(Permission::ManageCampaigns, 303),
            true,
        ),
        // ----- routes added to cover the whole router -----
        // Public: the API's description, for everyone.
        (
            api(Method::GET, "/api/v1/openapi.json".into(), None),
            Rule::All(200),
            false,
        ),
        (
            api(
                Method::GET,
                format!("/api/v1/cases/{k}/correspondence"),
                None,
            ),
            Rule::All(200),
            true,
        ),
        (
            api(
                Method::GET,
                format!("/api/v1/cases/{s}/correspondence"),
                None,
            ),
            Rule::Sensitive(200),
            true,
        ),
        // Nothing to send: refused for those who may write, forbidden to the rest.
        (
            api(
                Method::POST,
                format!("/api/v1/cases/{k}/emails"),
                Some(json!({"subject": "", "body": ""})),
            ),
            Rule::May(Permission::SendEmail, 422),
            true,
        ),
        // No text and no template: refused for those who may write, forbidden to the rest.
        (
            api(
                Method::POST,
                format!("/api/v1/cases/{k}/letters"),
                Some(json!({})),
            ),
            Rule::May(Permission::WriteLetters, 422),
            true,
        ),
        (
            api(Method::GET, "/api/v1/intake".into(), None),
            Rule::All(200),
            false,
        ),
        // Already dealt with: refused for intake roles, forbidden to the representative.
        (
            api(
                Method::POST,
                format!("/api/v1/intake/{m}/file"),
                Some(json!({"case_id": k})),
            ),
            Rule::May(Permission::TriageIntake, 422),
            true,
        ),
        (
            api(Method::POST, format!("/api/v1/intake/{m}/no-action"), None),
            Rule::May(Permission::TriageIntake, 422),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/correspondence/{l}"), None),
            Rule::All(200),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/correspondence/{se}"), None),
            Rule::Sensitive(200),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/correspondence/{l}/raw"), None),
            Rule::All(200),
            true,
        ),
        (
            api(
                Method::GET,
                format!("/api/v1/correspondence/{se}/raw"),
                None,
            ),
            Rule::Sensitive(200),
            true,
        ),
        // An empty name: refused for intake roles, forbidden to the representative.
        (
            api(
                Method::POST,
                format!("/api/v1/campaigns/{g}/rename"),
                Some(json!({"name": "", "version": 0})),
            ),
            Rule::May(Permission::ManageCampaigns, 422),
            true,
        ),
        // Into itself: refused for intake roles, forbidden to the representative.
        (
            api(
                Method::POST,
                format!("/api/v1/campaigns/{g}/merge"),
                Some(json!({"into": g})),
            ),
            Rule::May(Permission::ManageCampaigns, 422),
            true,
        ),
        // A message not in the campaign: refused for intake roles, forbidden to the representative.
        (
            api(
                Method::POST,
                format!("/api/v1/campaigns/{g}/split"),
                Some(json!({"message_id": 0})),
            ),
            Rule::May(Permission::ManageCampaigns, 422),
            true,
        ),
        // No approved reply: refused for those who may send, forbidden to the rest.
        (
            api(
                Method::POST,
                format!("/api/v1/campaigns/{g}/reply/send"),
                None,
            ),
            Rule::May(Permission::SendEmail, 422),
            true,
        ),
        // Approved when it was written (by a manager): approvers are told so;
        // the rest cannot see it.
        (
            api(Method::POST, format!("/api/v1/letters/{sl}/approve"), None),
            Rule::SensitiveMay(Permission::ApproveOutgoing, 422),
            true,
        ),
        (page("/".into()), Rule::All(303), false),
        (
            form("/constituents".into(), vec![("last_name", "New".into())]),
            Rule::May(Permission::EditConstituents, 303),
            false,
        ),
        // A stale version: allowed roles get the form again (409), the rest 403.
        (
            form(
                format!("/constituents/{c}"),
                vec![("last_name", "Person".into()), ("version", "0".into())],
            ),
            Rule::May(Permission::EditConstituents, 409),
            true,
        ),
        // Another office's constituent is not found.
        (
            form(
                "/cases".into(),
                vec![("constituent_id", c.to_string()), ("title", "New".into())],
            ),
            Rule::May(Permission::OpenCases, 303),
            true,
        ),
        // The current version and no title: refused for those who may edit, forbidden to the rest.
        (
            form(
                format!("/cases/{e}"),
                vec![("title", String::new()), ("version", ev.to_string())],
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        // Unassigned already: no change, but only for those who may assign.
        (
            form(
                format!("/cases/{k}/assign"),
                vec![("assignee_id", String::new())],
            ),
            Rule::May(Permission::AssignCases, 303),
            true,
        ),
        // The case's own constituent: refused for those who may edit, forbidden to the rest.
        (
            form(
                format!("/cases/{k}/people"),
                vec![("constituent_id", c.to_string())],
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        // Nothing filled in: refused for the admin, forbidden to the rest.
        (
            form("/admin/users".into(), vec![]),
            Rule::May(Permission::ManageStaff, 422),
            false,
        ),
        // No role chosen: refused for the admin, forbidden to the rest.
        (
            form(
                format!("/admin/users/{u}"),
                vec![("role", String::new()), ("active", "on".into())],
            ),
            Rule::May(Permission::ManageStaff, 422),
            true,
        ),
        (page("/intake".into()), Rule::All(200), false),
        (
            page(format!("/cases/{k}/emails/new")),
            Rule::May(Permission::SendEmail, 200),
            true,
        ),
        // No subject: refused for those who may write, forbidden to the rest.
        (
            upload(false, format!("/cases/{k}/emails")),
            Rule::May(Permission::SendEmail, 422),
            true,
        ),
        (page("/outbox".into()), Rule::All(200), false),
        // Queued, not held: approvers are told so, the rest are forbidden.
        (
            form(format!("/outbox/{o}/approve"), vec![]),
            Rule::May(Permission::ApproveOutgoing, 422),
            true,
        ),
        // Queued, not failed: refused for those who may write, forbidden to the rest.
        (
            form(format!("/outbox/{o}/retry"), vec![]),
            Rule::May(Permission::SendEmail, 422),
            true,
        ),
        (
            page(format!("/cases/{k}/letters/new")),
            Rule::May(Permission::WriteLetters, 200),
            true,
        ),
        // No text and no template: refused for those who may write, forbidden to the rest.
        (
            form(format!("/cases/{k}/letters"), vec![("body", String::new())]),
            Rule::May(Permission::WriteLetters, 422),
            true,
        ),
        (page("/templates".into()), Rule::All(200), false),
        (
            page("/templates/new".into()),
            Rule::May(Permission::EditTemplates, 200),
            false,
        ),
        (page(format!("/templates/{tp}")), Rule::All(200), true),
        // No name: refused for managers, forbidden to the rest.
        (
            form(
                "/templates".into(),
                vec![("name", String::new()), ("body", "x".into())],
            ),
            Rule::May(Permission::EditTemplates, 422),
            false,
        ),
        // Too long: refused for managers, forbidden to the rest.
        (
            form(
                "/templates/letterhead".into(),
                vec![("letterhead", "x".repeat(1001))],
            ),
            Rule::May(Permission::EditTemplates, 422),
            false,
        ),
        (
            page("/templates/letterhead/logo".into()),
            Rule::All(200),
            false,
        ),
        // A stale version: refused for managers, forbidden to the rest.
        (
            form(
                format!("/templates/{tp}"),
                vec![
                    ("name", "Matrix".into()),
                    ("body", "x".into()),
                    ("version", "999".into()),
                ],
            ),
            Rule::May(Permission::EditTemplates, 422),
            true,
        ),
        // The sensitive case's email, already filed and still queued: managers
        // are told why not, the representative may not, the rest cannot see it.
        (
            form(format!("/outbox/{so}/retry"), vec![]),
            Rule::SensitiveMay(Permission::SendEmail, 422),
            true,
        ),
        (
            api(
                Method::POST,
                format!("/api/v1/intake/{se}/file"),
                Some(json!({"case_id": s})),
            ),
            Rule::SensitiveMay(Permission::TriageIntake, 422),
            true,
        ),
        (
            api(Method::POST, format!("/api/v1/intake/{se}/no-action"), None),
            Rule::SensitiveMay(Permission::TriageIntake, 422),
            true,
        ),
        (page(format!("/correspondence/{l}")), Rule::All(200), true),
        (
            page(format!("/correspondence/{se}")),
            Rule::Sensitive(200),
            true,
        ),
        (
            page(format!("/correspondence/{m}/html")),
            Rule::All(200),
            true,
        ),
        (
            page(format!("/correspondence/{se}/html")),
            Rule::Sensitive(200),
            true,
        ),
        (
            page(format!("/correspondence/{l}/raw")),
            Rule::All(200),
            true,
        ),
        (
            page(format!("/correspondence/{se}/raw")),
            Rule::Sensitive(200),
            true,
        ),
        // Already dealt with: refused for intake roles, forbidden to the representative.
        (
            form(
                format!("/correspondence/{m}/file"),
                vec![("case_id", k.to_string())],
            ),
            Rule::May(Permission::TriageIntake, 422),
            true,
        ),
        (
            form(format!("/correspondence/{m}/no-action"), vec![]),
            Rule::May(Permission::TriageIntake, 422),
            true,
        ),
        // Needs no approval: approvers are told so, the rest are forbidden.
        (
            form(format!("/correspondence/{l}/approve"), vec![]),
            Rule::May(Permission::ApproveOutgoing, 422),
            true,
        ),
        (
            form(format!("/correspondence/{sl}/approve"), vec![]),
            Rule::SensitiveMay(Permission::ApproveOutgoing, 422),
            true,
        ),
        // Whoever can see a piece of correspondence may comment on it.
        (
            form(
                format!("/correspondence/{l}/comments"),
                vec![("comment", "x".into())],
            ),
            Rule::All(303),
            true,
        ),
        (
            form(
                format!("/correspondence/{sl}/comments"),
                vec![("comment", "x".into())],
            ),
            Rule::Sensitive(303),
            true,
        ),
        // Not the current password: refused, whatever the role.
        (
            form(
                "/account/password".into(),
                vec![
                    ("current_password", "not my password".into()),
                    ("new_password", "a new long password".into()),
                ],
            ),
            Rule::All(422),
            false,
        ),
        (
            form("/account/tokens".into(), vec![("label", "x".into())]),
            Rule::All(200),
            false,
        ),
        // A colleague's token: not found, whatever the role.
        (
            form(format!("/account/tokens/{tk}/revoke"), vec![]),
            Rule::All(404),
            true,
        ),
        // An empty name: refused for intake roles, forbidden to the representative.
        (
            form(
                format!("/campaigns/{g}/rename"),
                vec![("name", String::new()), ("version", "0".into())],
            ),
            Rule::May(Permission::ManageCampaigns, 422),
            true,
        ),
        // Into itself: refused for intake roles, forbidden to the representative.
        (
            form(
                format!("/campaigns/{g}/merge"),
                vec![("into", g.to_string())],
            ),
            Rule::May(Permission::ManageCampaigns, 422),
            true,
        ),
        // A message not in the campaign: refused for intake roles, forbidden to the representative.
        (
            form(
                format!("/campaigns/{g}/split"),
                vec![("message", "0".into())],
            ),
            Rule::May(Permission::ManageCampaigns, 422),
            true,
        ),
        // No subject or text: refused for those who may write, forbidden to the rest.
        (
            form(
                format!("/campaigns/{g}/reply"),
                vec![("version", "0".into())],
            ),
            Rule::May(Permission::SendEmail, 422),
            true,
        ),
        // A stale version: approvers get 422, the rest 403.
        (
            form(
                format!("/campaigns/{g}/reply/approve"),
                vec![("version", "0".into())],
            ),
            Rule::May(Permission::ApproveOutgoing, 422),
            true,
        ),
        // No approved reply: refused for those who may send, forbidden to the rest.
        (
            form(format!("/campaigns/{g}/reply/send"), vec![]),
            Rule::May(Permission::SendEmail, 422),
            true,
        ),
        (
            form(
                format!("/campaigns/{g}/comments"),
                vec![("comment", "x".into())],
            ),
            Rule::All(303),
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
