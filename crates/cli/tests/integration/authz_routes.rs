//! The routes of the authorization matrix (`authz.rs`): each route, the
//! answer every role gets in its own office, and whether another office's
//! id is "not found". A new route must be added here.

use crate::authz::{Ids, Rule};
use casework_app::domain::Permission;
use reqwest::Method;
use serde_json::{Value, json};

pub(crate) enum Via {
    Api(Method, String, Option<Value>),
    Page(Method, String, Vec<(&'static str, String)>),
    /// A `multipart/form-data` post with one small file: to the API with
    /// the bearer token, or as a page form with the CSRF token.
    Upload {
        api: bool,
        path: String,
    },
}

pub(crate) fn routes(ids: &Ids) -> Vec<(Via, Rule, bool)> {
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
    let ag = ids.agency;
    let ct = ids.contact;
    let eq = ids.enquiry;
    let seq = ids.sensitive_enquiry;
    let ts = ids.task;
    let upload = |api: bool, path: String| Via::Upload { api, path };
    let api = |m: Method, p: String, b: Option<Value>| Via::Api(m, p, b);
    let page = |p: String| Via::Page(Method::GET, p, Vec::new());
    let form = |p: String, f: Vec<(&'static str, String)>| Via::Page(Method::POST, p, f);
    // Tick-box names of the bulk forms (leaked: the table holds `&'static str`).
    let item_k: &'static str = Box::leak(format!("item_{k}").into_boxed_str());
    let item_c: &'static str = Box::leak(format!("item_{c}").into_boxed_str());
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
        // Choosing a person by name, as one types.
        (
            page(format!("/cases/{k}/people/choices?person=a")),
            Rule::May(Permission::EditCases, 200),
            true,
        ),
        (
            page(format!("/correspondence/{l}/people/choices?person=a")),
            Rule::May(Permission::TriageIntake, 200),
            true,
        ),
        (
            api(Method::GET, "/api/v1/constituents/matches?q=a".into(), None),
            Rule::All(200),
            false,
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
        (page("/notifications".into()), Rule::All(200), false),
        // The keyboard shortcuts: anyone signed in.
        (page("/help/keys".into()), Rule::All(200), false),
        (
            api(Method::GET, "/api/v1/templates".into(), None),
            Rule::All(200),
            false,
        ),
        (
            api(Method::GET, format!("/api/v1/templates/{tp}"), None),
            Rule::All(200),
            true,
        ),
        // No text: refused for those who may edit templates, forbidden to the rest.
        (
            api(
                Method::PUT,
                format!("/api/v1/templates/{tp}"),
                Some(json!({"name": "T", "body": ""})),
            ),
            Rule::May(Permission::EditTemplates, 422),
            true,
        ),
        (
            api(
                Method::POST,
                "/api/v1/templates".into(),
                Some(json!({"name": "", "body": ""})),
            ),
            Rule::May(Permission::EditTemplates, 422),
            false,
        ),
        (
            api(Method::GET, "/api/v1/notifications".into(), None),
            Rule::All(200),
            false,
        ),
        (
            api(
                Method::POST,
                "/api/v1/notifications/read".into(),
                Some(json!({})),
            ),
            Rule::All(200),
            false,
        ),
        (
            api(Method::GET, "/api/v1/me/notifications".into(), None),
            Rule::All(200),
            false,
        ),
        (
            form("/notifications/read".into(), vec![]),
            Rule::All(303),
            false,
        ),
        (
            page("/approvals".into()),
            Rule::May(Permission::ApproveOutgoing, 200),
            false,
        ),
        (
            api(Method::GET, "/api/v1/approvals".into(), None),
            Rule::May(Permission::ApproveOutgoing, 200),
            false,
        ),
        // Not waiting for approval: approvers are told so, the rest are forbidden.
        (
            form(format!("/approvals/letters/{}", ids.letter), vec![]),
            Rule::May(Permission::ApproveOutgoing, 422),
            true,
        ),
        (
            form(format!("/approvals/emails/{o}"), vec![]),
            Rule::May(Permission::ApproveOutgoing, 422),
            true,
        ),
        (
            api(Method::POST, format!("/api/v1/outbox/{o}/approve"), None),
            Rule::May(Permission::ApproveOutgoing, 422),
            true,
        ),
        (
            page("/admin/status".into()),
            Rule::May(Permission::ManageStaff, 200),
            false,
        ),
        // Saved views: each person's own.
        (
            api(Method::GET, "/api/v1/me/views".into(), None),
            Rule::All(200),
            false,
        ),
        (
            api(
                Method::POST,
                "/api/v1/me/views".into(),
                Some(json!({"name": "Mine", "query": "view=mine"})),
            ),
            Rule::All(201),
            false,
        ),
        (
            form(
                "/views".into(),
                vec![("name", "Mine".into()), ("query", "view=mine".into())],
            ),
            Rule::All(303),
            false,
        ),
        // Bulk: the actions a role has; export for all who see the list.
        (
            api(
                Method::POST,
                "/api/v1/bulk/cases".into(),
                Some(json!({"action": "assign", "ids": [k]})),
            ),
            Rule::May(Permission::AssignCases, 200),
            false,
        ),
        (
            form(
                "/bulk/cases".into(),
                vec![("action", "assign".into()), (item_k, "on".into())],
            ),
            Rule::May(Permission::AssignCases, 200),
            false,
        ),
        (
            api(
                Method::POST,
                "/api/v1/bulk/cases/export".into(),
                Some(json!({"ids": [k]})),
            ),
            Rule::All(200),
            false,
        ),
        (
            form(
                "/bulk/constituents".into(),
                vec![("action", "export".into()), (item_c, "on".into())],
            ),
            Rule::All(200),
            false,
        ),
        // Not waiting: approvers are told so, the rest are forbidden.
        (
            form(
                format!("/correspondence/{}/return", ids.letter),
                vec![("comment", "x".into())],
            ),
            Rule::May(Permission::ApproveOutgoing, 422),
            true,
        ),
        (
            api(
                Method::POST,
                format!("/api/v1/correspondence/{}/return", ids.letter),
                Some(json!({"comment": "x"})),
            ),
            Rule::May(Permission::ApproveOutgoing, 422),
            true,
        ),
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
        // Queued, not failed: cannot be marked sent; the same answers.
        (
            form(format!("/outbox/{o}/sent"), vec![]),
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
            form(format!("/outbox/{so}/sent"), vec![]),
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
        // ----- third parties: pages -----
        (page("/".into()), Rule::All(200), false),
        (page("/agencies".into()), Rule::All(200), false),
        (page("/agencies.csv".into()), Rule::All(200), false),
        (page(format!("/agencies/{ag}")), Rule::All(200), true),
        // An empty name: refused for those who keep the directory, forbidden to the rest.
        (
            form("/agencies".into(), vec![("name", String::new())]),
            Rule::May(Permission::ManageAgencies, 422),
            false,
        ),
        (
            form(
                format!("/agencies/{ag}"),
                vec![("name", String::new()), ("version", "1".into())],
            ),
            Rule::May(Permission::ManageAgencies, 422),
            true,
        ),
        (
            form(
                format!("/agencies/{ag}/contacts"),
                vec![("name", String::new())],
            ),
            Rule::May(Permission::ManageAgencies, 422),
            true,
        ),
        (
            form(
                format!("/agencies/{ag}/contacts/retire"),
                vec![("contact_id", ct.to_string())],
            ),
            Rule::May(Permission::ManageAgencies, 303),
            true,
        ),
        // Not a directory file; not a starter list.
        (
            upload(false, "/agencies/import".into()),
            Rule::May(Permission::ManageAgencies, 422),
            false,
        ),
        (
            form("/agencies/starter".into(), vec![("starter", "nope".into())]),
            Rule::May(Permission::ManageAgencies, 422),
            false,
        ),
        (
            page(format!("/cases/{k}/enquiries")),
            Rule::May(Permission::EditCases, 200),
            true,
        ),
        (
            form(
                format!("/cases/{k}/enquiries"),
                vec![("send", "phone".into()), ("asked", String::new())],
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        (page(format!("/enquiries/{eq}")), Rule::All(200), true),
        (
            page(format!("/enquiries/{seq}")),
            Rule::Sensitive(200),
            true,
        ),
        (
            form(
                format!("/enquiries/{eq}/answer"),
                vec![
                    ("answered_on", "2000-01-01".into()),
                    ("version", "0".into()),
                ],
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        (
            form(
                format!("/enquiries/{eq}/chase"),
                vec![
                    ("send", "phone".into()),
                    ("due_on", "2000-01-01".into()),
                    ("version", "0".into()),
                ],
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        // No title: the day page again, with the error, for everyone.
        (
            form("/tasks".into(), vec![("title", String::new())]),
            Rule::All(422),
            false,
        ),
        (
            form(
                format!("/tasks/{ts}"),
                vec![("action", String::new()), ("version", "0".into())],
            ),
            Rule::May(Permission::OverseeTasks, 422),
            true,
        ),
        // No way given: refused for those who may edit cases, forbidden to the rest.
        (
            form(
                format!("/cases/{k}/consents"),
                vec![("method", String::new())],
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        (
            form(
                format!("/cases/{k}/consents/withdraw"),
                vec![("consent_id", "0".into())],
            ),
            Rule::May(Permission::EditCases, 404),
            true,
        ),
        (
            form(format!("/cases/{k}/consent-form"), vec![]),
            Rule::May(Permission::WriteLetters, 303),
            true,
        ),
        (page("/agencies/turnaround".into()), Rule::All(200), false),
        // Days without news by category: for those who keep the directory;
        // a value out of range is refused, naming it.
        (
            page("/agencies/quiet".into()),
            Rule::May(Permission::ManageAgencies, 200),
            false,
        ),
        (
            form("/agencies/quiet".into(), vec![("quiet_1", "3".into())]),
            Rule::May(Permission::ManageAgencies, 422),
            false,
        ),
        (
            page("/agencies/turnaround?format=csv".into()),
            Rule::All(200),
            false,
        ),
        (
            page(format!("/enquiries?agency={ag}&state=open")),
            Rule::All(200),
            false,
        ),
        (
            api(
                Method::GET,
                format!("/api/v1/enquiries?agency_id={ag}"),
                None,
            ),
            Rule::All(200),
            false,
        ),
        (page("/calendar".into()), Rule::All(200), false),
        (form("/calendar".into(), vec![]), Rule::All(200), false),
        (
            form("/calendar/revoke".into(), vec![]),
            Rule::All(303),
            false,
        ),
        (
            api(Method::GET, "/api/v1/me/calendar-feed".into(), None),
            Rule::All(200),
            false,
        ),
        (
            api(Method::POST, "/api/v1/me/calendar-feed".into(), None),
            Rule::All(201),
            false,
        ),
        (
            api(Method::DELETE, "/api/v1/me/calendar-feed".into(), None),
            Rule::All(204),
            false,
        ),
        (
            form("/digest".into(), vec![("digest", "on".into())]),
            Rule::All(303),
            false,
        ),
        // A time zone nobody knows: refused for those who keep the directory.
        (
            form(
                "/agencies/settings".into(),
                vec![
                    ("chases_before_escalation", "2".into()),
                    ("time_zone", "Mars/Olympus".into()),
                    ("digest_hour", "7".into()),
                ],
            ),
            Rule::May(Permission::ManageAgencies, 422),
            false,
        ),
        (
            api(Method::GET, "/api/v1/me/digest".into(), None),
            Rule::All(200),
            false,
        ),
        (
            api(
                Method::PUT,
                "/api/v1/me/digest".into(),
                Some(json!({"enabled": true})),
            ),
            Rule::All(200),
            false,
        ),
        // ----- consent through the API -----
        (
            api(Method::GET, format!("/api/v1/cases/{k}/consents"), None),
            Rule::All(200),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/cases/{s}/consents"), None),
            Rule::Sensitive(200),
            true,
        ),
        (
            api(
                Method::POST,
                format!("/api/v1/cases/{k}/consents"),
                Some(json!({"method": ""})),
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        (
            api(
                Method::POST,
                format!("/api/v1/cases/{k}/consents/0/withdraw"),
                None,
            ),
            Rule::May(Permission::EditCases, 404),
            true,
        ),
        (
            api(
                Method::POST,
                format!("/api/v1/cases/{k}/consent-form"),
                None,
            ),
            Rule::May(Permission::WriteLetters, 201),
            true,
        ),
        // ----- search: anyone signed in; what it finds follows the reader -----
        (page("/search?q=passport".into()), Rule::All(200), false),
        (
            api(Method::GET, "/api/v1/search?q=passport".into(), None),
            Rule::All(200),
            false,
        ),
        // ----- third parties: the directory, enquiries, tasks -----
        (
            api(Method::GET, "/api/v1/agencies".into(), None),
            Rule::All(200),
            false,
        ),
        // An empty name: refused for those who keep the directory, forbidden to the rest.
        (
            api(
                Method::POST,
                "/api/v1/agencies".into(),
                Some(json!({"name": ""})),
            ),
            Rule::May(Permission::ManageAgencies, 422),
            false,
        ),
        (
            api(Method::GET, format!("/api/v1/agencies/{ag}"), None),
            Rule::All(200),
            true,
        ),
        // An empty name: refused for those who keep the directory, forbidden to the rest.
        (
            api(
                Method::PATCH,
                format!("/api/v1/agencies/{ag}"),
                Some(json!({"name": "", "version": 1})),
            ),
            Rule::May(Permission::ManageAgencies, 422),
            true,
        ),
        (
            api(
                Method::POST,
                format!("/api/v1/agencies/{ag}/contacts"),
                Some(json!({"name": "Another Contact"})),
            ),
            Rule::May(Permission::ManageAgencies, 201),
            true,
        ),
        // Retiring again changes nothing.
        (
            api(
                Method::POST,
                format!("/api/v1/agencies/{ag}/contacts/{ct}/retire"),
                None,
            ),
            Rule::May(Permission::ManageAgencies, 200),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/cases/{k}/enquiries"), None),
            Rule::All(200),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/cases/{s}/enquiries"), None),
            Rule::Sensitive(200),
            true,
        ),
        // Nothing asked of no agency: refused for caseworkers, forbidden to the rest.
        (
            api(
                Method::POST,
                format!("/api/v1/cases/{k}/enquiries"),
                Some(json!({"send": "phone", "asked": ""})),
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/enquiries/{eq}"), None),
            Rule::All(200),
            true,
        ),
        (
            api(Method::GET, format!("/api/v1/enquiries/{seq}"), None),
            Rule::Sensitive(200),
            true,
        ),
        // A reply before the enquiry was sent: refused for caseworkers, forbidden to the rest.
        (
            api(
                Method::POST,
                format!("/api/v1/enquiries/{eq}/answer"),
                Some(json!({"answered_on": "2000-01-01", "version": 0})),
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        // A new reply date in the past: refused for caseworkers, forbidden to the rest.
        (
            api(
                Method::POST,
                format!("/api/v1/enquiries/{eq}/chase"),
                Some(json!({"send": "phone", "due_on": "2000-01-01", "version": 0})),
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        (
            api(Method::GET, "/api/v1/tasks".into(), None),
            Rule::All(200),
            false,
        ),
        (
            api(Method::GET, "/api/v1/tasks?whose=everyone".into(), None),
            Rule::May(Permission::OverseeTasks, 200),
            false,
        ),
        // A case's tasks, for everyone who sees the case.
        (
            api(
                Method::GET,
                format!("/api/v1/tasks?whose=everyone&case_id={k}"),
                None,
            ),
            Rule::All(200),
            true,
        ),
        // Everyone may add a task of their own.
        (
            api(
                Method::POST,
                "/api/v1/tasks".into(),
                Some(json!({"title": "My task"})),
            ),
            Rule::All(201),
            false,
        ),
        (
            api(Method::GET, format!("/api/v1/tasks/{ts}"), None),
            Rule::All(200),
            true,
        ),
        // The case holder's task, and no action: refused for office managers,
        // forbidden to the rest.
        (
            api(
                Method::PATCH,
                format!("/api/v1/tasks/{ts}"),
                Some(json!({"action": "", "version": 0})),
            ),
            Rule::May(Permission::OverseeTasks, 422),
            true,
        ),
        // The weekly review: the office's for those who run it, one's own
        // for anyone else who holds cases; a bad week is refused, naming it.
        (
            page("/review".into()),
            Rule::May(Permission::SeeReview, 200),
            false,
        ),
        (
            page("/review.csv?table=workload".into()),
            Rule::May(Permission::SeeReview, 200),
            false,
        ),
        (
            form("/review".into(), vec![("week", "next year".into())]),
            Rule::May(Permission::SeeReview, 422),
            false,
        ),
        (
            form("/review/settings".into(), vec![("week_starts", "9".into())]),
            Rule::May(Permission::RunReview, 422),
            false,
        ),
        // The overdue tasks behind the review's counts: one's own for all.
        (page("/tasks?state=overdue".into()), Rule::All(200), false),
        (
            page("/reviews".into()),
            Rule::May(Permission::SeeReview, 200),
            false,
        ),
        (
            form(format!("/cases/{k}/flag"), vec![("summary", String::new())]),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
        (
            api(Method::GET, "/api/v1/reviews/figures".into(), None),
            Rule::May(Permission::SeeReview, 200),
            false,
        ),
        (
            api(Method::GET, "/api/v1/reviews".into(), None),
            Rule::May(Permission::SeeReview, 200),
            false,
        ),
        (
            api(
                Method::POST,
                "/api/v1/reviews".into(),
                Some(json!({"week": "next year"})),
            ),
            Rule::May(Permission::SeeReview, 422),
            false,
        ),
        (
            api(
                Method::POST,
                format!("/api/v1/cases/{k}/flags"),
                Some(json!({"summary": ""})),
            ),
            Rule::May(Permission::EditCases, 422),
            true,
        ),
    ]
}
