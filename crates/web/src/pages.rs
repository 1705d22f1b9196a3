//! The HTML pages. Every write is a form post checked for CSRF by
//! [`CsrfForm`]; every read goes through the same services as the API.

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use casework_app::cases::{CaseInput, CasePatch, CaseQuery, NOTE_KINDS};
use casework_app::constituents::{ConstituentInput, ConstituentPatch};
use casework_app::domain::{Action, FieldErrors, Level, Role, Status, Urgency};
use casework_app::store::{Case, Constituent, TimelineEntry, User};
use casework_app::users::NewAccount;
use casework_app::{Actor, AppError, auth, cases, constituents, mail, users};
use serde::Deserialize;
use std::net::SocketAddr;

use crate::AppState;
use crate::error::{PageError, render};
use crate::extract::{
    CsrfForm, Id, LOGIN_CSRF_COOKIE, PageActor, PageQuery, SESSION_COOKIE, cookie, same_token,
};
use crate::fmt::{day, iso, when};

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route(
            "/constituents",
            get(constituent_list).post(constituent_create),
        )
        .route("/constituents/new", get(constituent_new))
        .route(
            "/constituents/{id}",
            get(constituent_page).post(constituent_save),
        )
        .route("/constituents/{id}/edit", get(constituent_edit))
        .route("/constituents/{id}/notes", post(constituent_note))
        .route("/constituents/{id}/cases/new", get(case_new))
        .route("/cases", get(case_list).post(case_create))
        .route("/cases/{id}", get(case_page).post(case_save))
        .route("/cases/{id}/edit", get(case_edit))
        .route("/cases/{id}/status", post(case_status))
        .route("/cases/{id}/assign", post(case_assign))
        .route("/cases/{id}/notes", post(case_note))
        .route("/cases/{id}/people", post(case_person))
        .route("/admin/users", get(user_list).post(user_create))
        .route("/admin/users/new", get(user_new))
        .route("/admin/users/{id}", get(user_page).post(user_save))
        .route(
            "/admin/users/{id}/sessions/revoke",
            post(user_revoke_sessions),
        )
        .route("/intake", get(intake_page))
        .route("/cases/{id}/emails/new", get(email_new))
        // Files may come with it: the size limit is the configured one,
        // checked as the upload arrives (UploadForm), not axum's default.
        .route(
            "/cases/{id}/emails",
            post(email_send).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/outbox", get(outbox_page))
        .route("/cases/{id}/letters/new", get(letter_new))
        .route("/cases/{id}/letters", post(letter_create))
        .route("/templates", get(templates_page).post(template_create))
        .route("/templates/new", get(template_new))
        .route("/templates/letterhead", post(letterhead_save))
        .route("/templates/letterhead/logo", get(letterhead_logo))
        .route("/templates/{id}", get(template_page).post(template_save))
        .route("/outbox/{id}/approve", post(outbox_approve))
        .route("/outbox/{id}/retry", post(outbox_retry))
        .route("/correspondence/{id}", get(correspondence_page))
        .route("/correspondence/{id}/html", get(correspondence_html))
        .route("/correspondence/{id}/raw", get(correspondence_raw))
        .route(
            "/correspondence/{id}/attachments/{attachment}",
            get(correspondence_attachment),
        )
        .route("/correspondence/{id}/file", post(correspondence_file))
        .route(
            "/correspondence/{id}/no-action",
            post(correspondence_no_action),
        )
        .route("/account", get(account_page))
        .route("/account/password", post(account_password))
        .route("/account/tokens", post(account_token_create))
        .route("/account/tokens/{id}/revoke", post(account_token_revoke))
        .fallback(not_found)
}

async fn not_found() -> PageError {
    PageError(AppError::NotFound)
}

/// What the page header needs to know about the person.
pub struct Nav {
    pub name: String,
    pub csrf: String,
    pub is_admin: bool,
    pub section: &'static str,
}

pub(crate) fn nav(who: &PageActor, section: &'static str) -> Option<Nav> {
    Some(Nav {
        name: who.actor.display_name.clone(),
        csrf: who.csrf.clone(),
        is_admin: who.actor.role.can(Action::ManageUsers),
        section,
    })
}

/// Short messages shown after a redirect, chosen by a code in the URL so no
/// text from the address is ever echoed.
fn notice(code: &Option<String>) -> Option<String> {
    let text = match code.as_deref()? {
        "saved" => "Saved.",
        "created" => "Created.",
        "note" => "Added to the history.",
        "status" => "Status changed.",
        "assigned" => "Assignment changed.",
        "person" => "Person added to the case.",
        "password" => "Password changed. Your other sessions have been signed out.",
        "revoked" => "Signed out everywhere.",
        "token_revoked" => "Token revoked.",
        "user" => "Account created.",
        "filed" => "Message filed.",
        "email" => "Email queued: it goes out within a few seconds (see the outbox).",
        "approved" => "Approved: the message goes out within a few seconds.",
        "retry" => "The message will be tried again.",
        "letter" => "Letter created: download it below to print.",
        "no_action" => "Message marked as needing no action.",
        "letter_approved" => "Letter approved: it can be printed.",
        "comment" => "Comment added.",
        "files" => "Added to the history, with the files.",
        _ => return None,
    };
    Some(text.to_owned())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    notice: Option<String>,
}

fn see(path: String) -> Response {
    Redirect::to(&path).into_response()
}

fn status_options(list: &[Status]) -> Vec<(String, String)> {
    list.iter()
        .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
        .collect()
}

// ----- sign in and out -----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

fn login_form(
    status: axum::http::StatusCode,
    next: &str,
    email: &str,
    error: Option<String>,
) -> PageResult {
    let csrf = hex::encode(rand::random::<[u8; 32]>());
    let page = LoginPage {
        nav: None,
        notice: None,
        csrf: csrf.clone(),
        next: safe_next(next),
        email: email.to_owned(),
        error,
    };
    let mut res = (status, render(&page)?).into_response();
    let cookie = format!("{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

async fn login_page(PageQuery(q): PageQuery<NextQuery>) -> PageResult {
    login_form(axum::http::StatusCode::OK, &q.next, "", None)
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> PageResult {
    let (parts, body) = req.into_parts();
    let expected = cookie(&parts, LOGIN_CSRF_COOKIE).unwrap_or("").to_owned();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|_| PageError(AppError::field("form", "The form is too large.")))?;
    let Ok(form) = serde_urlencoded::from_bytes::<LoginForm>(&bytes) else {
        return login_form(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "/",
            "",
            Some("Enter your email and password.".into()),
        );
    };
    if expected.is_empty() || !same_token(&form.csrf, &expected) {
        return login_form(
            axum::http::StatusCode::FORBIDDEN,
            &form.next,
            &form.email,
            Some("The sign-in form had expired. Please try again.".into()),
        );
    }
    match auth::sign_in(&s.app, &form.email, &form.password, &addr.ip().to_string()).await {
        Ok((session, _)) => {
            let secure = if s.config.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let mut res = see(safe_next(&form.next));
            let c = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
                session.token
            );
            if let Ok(v) = HeaderValue::from_str(&c) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_static(
                    "casework_login=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict",
                ),
            );
            Ok(res)
        }
        Err(e @ (AppError::Unauthorized(_) | AppError::Throttled { .. })) => {
            let status = if matches!(e, AppError::Throttled { .. }) {
                axum::http::StatusCode::TOO_MANY_REQUESTS
            } else {
                axum::http::StatusCode::UNAUTHORIZED
            };
            let msg = match &e {
                AppError::Unauthorized(m) => m.clone(),
                other => format!(
                    "Too many failed attempts. {}",
                    capitalise(&other.to_string())
                ),
            };
            login_form(status, &form.next, &form.email, Some(msg))
        }
        Err(e) => Err(e.into()),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str() + ".",
        None => String::new(),
    }
}

async fn logout(State(s): State<AppState>, form: CsrfForm<serde_json::Value>) -> PageResult {
    auth::sign_out(&s.app, &form.who.token).await?;
    let mut res = see("/login".into());
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("casework_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
    );
    Ok(res)
}

async fn home(_who: PageActor) -> Response {
    see("/cases?view=mine".into())
}

// ----- constituents -----

struct ConstituentRow {
    id: i64,
    name: String,
    email: String,
    phone: String,
    postcode: String,
    address: String,
}

impl From<&Constituent> for ConstituentRow {
    fn from(c: &Constituent) -> Self {
        ConstituentRow {
            id: c.id,
            name: c.full_name(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            postcode: c.postcode.clone(),
            address: c.address.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "constituents.html")]
struct ConstituentsPage {
    nav: Option<Nav>,
    notice: Option<String>,
    q: String,
    rows: Vec<ConstituentRow>,
    next: Option<String>,
    can_create: bool,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchForm {
    q: String,
    cursor: String,
}

async fn constituent_list(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<SearchForm>,
) -> PageResult {
    let (rows, next, error) =
        match constituents::search(&s.app, &who.actor, &q.q, Some(&q.cursor), 50).await {
            Ok(page) => (
                page.items.iter().map(ConstituentRow::from).collect(),
                page.next.map(|c| c.encode()),
                None,
            ),
            Err(AppError::Invalid(f)) => (Vec::new(), None, f.0.values().next().cloned()),
            Err(e) => return Err(e.into()),
        };
    let page = ConstituentsPage {
        nav: nav(&who, "constituents"),
        notice: None,
        q: q.q,
        rows,
        next,
        can_create: who.actor.role.can(Action::EditConstituent),
        error,
    };
    Ok(render(&page)?.into_response())
}

struct TextField {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    multiline: bool,
    autocomplete: &'static str,
}

struct CheckField {
    name: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "constituent_form.html")]
struct ConstituentFormPage {
    nav: Option<Nav>,
    notice: Option<String>,
    heading: String,
    action: String,
    cancel: String,
    csrf: String,
    version: String,
    text_fields: Vec<TextField>,
    checkboxes: Vec<CheckField>,
    errors: FieldErrors,
    conflict: Option<String>,
    /// The intake message this record is being made from.
    message: Option<i64>,
}

/// The constituent form as posted: checkboxes arrive as "on" or not at all.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ConstituentForm {
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    postcode: String,
    address: String,
    mailing_address: String,
    do_not_email: Option<String>,
    do_not_mail: Option<String>,
    do_not_phone: Option<String>,
    notes: String,
    version: String,
    message: String,
}

impl ConstituentForm {
    fn input(&self) -> ConstituentInput {
        ConstituentInput {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            postcode: self.postcode.clone(),
            address: self.address.clone(),
            mailing_address: self.mailing_address.clone(),
            do_not_email: self.do_not_email.is_some(),
            do_not_mail: self.do_not_mail.is_some(),
            do_not_phone: self.do_not_phone.is_some(),
            notes: self.notes.clone(),
        }
    }
}

fn constituent_form_page(
    who: &PageActor,
    heading: String,
    action: String,
    cancel: String,
    version: String,
    i: &ConstituentInput,
    errors: FieldErrors,
    conflict: Option<String>,
) -> ConstituentFormPage {
    let t = |name, label, kind, value: &str, autocomplete| TextField {
        name,
        label,
        kind,
        value: value.to_owned(),
        multiline: false,
        autocomplete,
    };
    ConstituentFormPage {
        nav: nav(who, "constituents"),
        notice: None,
        heading,
        action,
        cancel,
        csrf: who.csrf.clone(),
        version,
        text_fields: vec![
            t("first_name", "First name", "text", &i.first_name, "off"),
            t("last_name", "Last name", "text", &i.last_name, "off"),
            t("email", "Email", "email", &i.email, "off"),
            t("phone", "Phone", "tel", &i.phone, "off"),
            t("address", "Residential address", "text", &i.address, "off"),
            t("postcode", "Postcode", "text", &i.postcode, "off"),
            TextField {
                name: "mailing_address",
                label: "Mailing address (if different)",
                kind: "text",
                value: i.mailing_address.clone(),
                multiline: true,
                autocomplete: "",
            },
            TextField {
                name: "notes",
                label: "Notes",
                kind: "text",
                value: i.notes.clone(),
                multiline: true,
                autocomplete: "",
            },
        ],
        checkboxes: vec![
            CheckField {
                name: "do_not_email",
                label: "Do not email",
                checked: i.do_not_email,
            },
            CheckField {
                name: "do_not_mail",
                label: "Do not send post",
                checked: i.do_not_mail,
            },
            CheckField {
                name: "do_not_phone",
                label: "Do not phone",
                checked: i.do_not_phone,
            },
        ],
        errors,
        conflict,
        message: None,
    }
}

/// The same page again with the problems shown, as 422.
fn refused<T: Template>(page: &T) -> PageResult {
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
}

fn unprocessable(html: Html<String>, status: axum::http::StatusCode) -> Response {
    (status, html).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MessageQuery {
    message: Option<i64>,
}

async fn constituent_new(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<MessageQuery>,
) -> PageResult {
    who.actor.require(Action::EditConstituent)?;
    // From an intake message: pre-filled from its sender and signature.
    let input = match q.message {
        Some(mid) => mail::prefill(&mail::get(&s.app, &who.actor, mid).await?),
        None => ConstituentInput::default(),
    };
    let mut page = constituent_form_page(
        &who,
        "Add a constituent".into(),
        "/constituents".into(),
        "/constituents".into(),
        String::new(),
        &input,
        FieldErrors::new(),
        None,
    );
    page.message = q.message;
    Ok(render(&page)?.into_response())
}

async fn constituent_create(
    State(s): State<AppState>,
    form: CsrfForm<ConstituentForm>,
) -> PageResult {
    let input = form.data.input();
    let message: Option<i64> = form.data.message.trim().parse().ok();
    match constituents::create(&s.app, &form.who.actor, &input).await {
        Ok(c) => match message {
            // Made from an intake message: file it on them, then offer to open a case with it.
            Some(mid) => {
                mail::file(&s.app, &form.who.actor, mid, None, Some(c.id)).await?;
                Ok(see(format!(
                    "/constituents/{}/cases/new?message={mid}",
                    c.id
                )))
            }
            None => Ok(see(format!("/constituents/{}?notice=created", c.id))),
        },
        Err(AppError::Invalid(errors)) => {
            let mut page = constituent_form_page(
                &form.who,
                "Add a constituent".into(),
                "/constituents".into(),
                "/constituents".into(),
                String::new(),
                &input,
                errors,
                None,
            );
            page.message = message;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn constituent_edit(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    who.actor.require(Action::EditConstituent)?;
    let c = constituents::get(&s.app, &who.actor, id).await?;
    let input = ConstituentInput {
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        postcode: c.postcode.clone(),
        address: c.address.clone(),
        mailing_address: c.mailing_address.clone(),
        do_not_email: c.do_not_email,
        do_not_mail: c.do_not_mail,
        do_not_phone: c.do_not_phone,
        notes: c.notes.clone(),
    };
    let page = constituent_form_page(
        &who,
        format!("Edit {}", c.full_name()),
        format!("/constituents/{id}"),
        format!("/constituents/{id}"),
        c.version.to_string(),
        &input,
        FieldErrors::new(),
        None,
    );
    Ok(render(&page)?.into_response())
}

async fn constituent_save(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<ConstituentForm>,
) -> PageResult {
    let input = form.data.input();
    let mut patch = ConstituentPatch::from(input.clone());
    patch.version = form.data.version.trim().parse().ok();
    match constituents::update(&s.app, &form.who.actor, id, &patch).await {
        Ok(_) => Ok(see(format!("/constituents/{id}?notice=saved"))),
        Err(AppError::Invalid(errors)) => {
            let page = constituent_form_page(
                &form.who,
                "Edit constituent".into(),
                format!("/constituents/{id}"),
                format!("/constituents/{id}"),
                form.data.version.clone(),
                &input,
                errors,
                None,
            );
            refused(&page)
        }
        Err(AppError::Conflict) => {
            // Show the current record; the person's own edits would silently overwrite someone else's.
            let current = constituents::get(&s.app, &form.who.actor, id).await?;
            let page = constituent_form_page(
                &form.who,
                "Edit constituent".into(),
                format!("/constituents/{id}"),
                format!("/constituents/{id}"),
                current.version.to_string(),
                &input,
                FieldErrors::new(),
                Some("Someone else saved changes to this constituent while you were editing. Your version is below; check it against the record and save again.".into()),
            );
            Ok(unprocessable(
                render(&page)?,
                axum::http::StatusCode::CONFLICT,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

struct TimelineRow {
    kind: String,
    kind_label: &'static str,
    iso: String,
    when: String,
    actor: String,
    case_link: Option<(i64, String)>,
    body: String,
    changes: Vec<(String, String, String)>,
    correspondence: Option<i64>,
    /// A note, call, meeting, post or document kept with files: its text is
    /// shown in full, with a link to the files.
    record: bool,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "created" => "Record created",
        "updated" => "Details changed",
        "case_opened" => "Case opened",
        "status" => "Status",
        "assigned" => "Assignment",
        "note" => "Note",
        "call" => "Phone call",
        "meeting" => "Meeting",
        "visit" => "Visit",
        "post" => "Post received",
        "document" => "Document",
        "person_added" => "Person added",
        "email_in" => "Email received",
        "email_out" => "Email sent",
        "letter_out" => "Letter",
        _ => "Entry",
    }
}

fn timeline_rows(entries: Vec<TimelineEntry>, show_case: bool) -> Vec<TimelineRow> {
    entries
        .into_iter()
        .map(|t| {
            let changes = t
                .changes
                .as_deref()
                .and_then(|c| {
                    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(c).ok()
                })
                .map(|m| {
                    m.into_iter()
                        .map(|(k, v)| {
                            let part = |i: usize| {
                                v.get(i).and_then(|x| x.as_str()).unwrap_or("").to_owned()
                            };
                            (k.replace('_', " "), part(0), part(1))
                        })
                        .collect()
                })
                .unwrap_or_default();
            TimelineRow {
                record: t.correspondence_id.is_some()
                    && NOTE_KINDS.iter().any(|(k, _)| *k == t.kind),
                kind_label: kind_label(&t.kind),
                kind: t.kind,
                iso: iso(t.at),
                when: when(t.at),
                actor: t.actor_name.unwrap_or_default(),
                case_link: if show_case {
                    t.case_id.zip(t.case_reference)
                } else {
                    None
                },
                body: t.body,
                changes,
                correspondence: t.correspondence_id,
            }
        })
        .collect()
}

struct ConstituentDetail {
    id: i64,
    name: String,
    email: String,
    phone: String,
    address: String,
    postcode: String,
    mailing_address: String,
    preferences: String,
    notes: String,
}

struct CaseLine {
    id: i64,
    reference: String,
    title: String,
    status: String,
    status_label: &'static str,
}

#[derive(Template)]
#[template(path = "constituent.html")]
struct ConstituentPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    c: ConstituentDetail,
    household: Vec<ConstituentRow>,
    cases: Vec<CaseLine>,
    timeline: Vec<TimelineRow>,
    can_edit: bool,
    can_open_case: bool,
}

async fn constituent_page(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let v = constituents::view(&s.app, &who.actor, id).await?;
    let c = &v.constituent;
    let mut prefs = Vec::new();
    if c.do_not_email {
        prefs.push("Do not email");
    }
    if c.do_not_mail {
        prefs.push("Do not send post");
    }
    if c.do_not_phone {
        prefs.push("Do not phone");
    }
    let page = ConstituentPage {
        nav: nav(&who, "constituents"),
        notice: notice(&q.notice),
        csrf: who.csrf.clone(),
        c: ConstituentDetail {
            id: c.id,
            name: c.full_name(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            address: c.address.clone(),
            postcode: c.postcode.clone(),
            mailing_address: c.mailing_address.clone(),
            preferences: prefs.join(", "),
            notes: c.notes.clone(),
        },
        household: v.household.iter().map(ConstituentRow::from).collect(),
        cases: v
            .cases
            .iter()
            .map(|k| CaseLine {
                id: k.id,
                reference: k.reference.clone(),
                title: k.title.clone(),
                status: k.status.clone(),
                status_label: k.status().label(),
            })
            .collect(),
        timeline: timeline_rows(v.timeline, true),
        can_edit: who.actor.role.can(Action::EditConstituent),
        can_open_case: who.actor.role.can(Action::OpenCase),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoteForm {
    body: String,
    kind: String,
}

async fn constituent_note(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<NoteForm>,
) -> PageResult {
    constituents::add_note(&s.app, &form.who.actor, id, &form.data.body).await?;
    Ok(see(format!("/constituents/{id}?notice=note#history-h")))
}

// ----- cases -----

struct CaseRow {
    id: i64,
    reference: String,
    title: String,
    constituent: String,
    status: String,
    status_label: &'static str,
    urgency: &'static str,
    assignee: String,
    category: String,
    opened: String,
    updated: String,
    sensitive: bool,
    unread: bool,
}

impl From<&Case> for CaseRow {
    fn from(k: &Case) -> Self {
        CaseRow {
            id: k.id,
            reference: k.reference.clone(),
            title: k.title.clone(),
            constituent: k.constituent_name.clone(),
            status: k.status.clone(),
            status_label: k.status().label(),
            urgency: k.urgency().label(),
            assignee: k.assignee_name.clone().unwrap_or_else(|| "—".into()),
            category: k.category.clone(),
            opened: day(k.opened_at),
            updated: when(k.updated_at),
            sensitive: k.sensitive,
            unread: false,
        }
    }
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    nav: Option<Nav>,
    notice: Option<String>,
    heading: &'static str,
    q: CaseQuery,
    views: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    sorts: Vec<(String, String)>,
    categories: Vec<String>,
    agencies: Vec<String>,
    rows: Vec<CaseRow>,
    next: Option<String>,
    error: Option<String>,
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

async fn case_list(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<CaseQuery>,
) -> PageResult {
    let (rows, next, error) = match cases::list(&s.app, &who.actor, &q).await {
        Ok(page) => {
            let next = page.next.map(|c| {
                let mut url = format!(
                    "/cases?view={}&status={}&category={}&agency={}&sort={}&cursor={}",
                    q.view,
                    q.status,
                    urlencode(&q.category),
                    urlencode(&q.agency),
                    q.sort,
                    c.encode()
                );
                if let Some(a) = q.assignee_id {
                    url.push_str(&format!("&assignee_id={a}"));
                }
                url
            });
            let ids: Vec<i64> = page.items.iter().map(|k| k.id).collect();
            let unread = mail::unread_cases(&s.app, &who.actor, &ids).await?;
            let rows = page
                .items
                .iter()
                .map(|k| CaseRow {
                    unread: unread.contains(&k.id),
                    ..CaseRow::from(k)
                })
                .collect();
            (rows, next, None)
        }
        Err(AppError::Invalid(f)) => (
            Vec::new(),
            None,
            Some(f.0.values().cloned().collect::<Vec<_>>().join(" ")),
        ),
        Err(e) => return Err(e.into()),
    };
    let (categories, agencies) = cases::facets(&s.app, &who.actor).await?;
    let heading = match q.view.as_str() {
        "mine" => "My cases",
        "unassigned" => "Unassigned cases",
        _ => "All cases",
    };
    let page = CasesPage {
        nav: nav(&who, if q.view == "mine" { "mine" } else { "cases" }),
        notice: None,
        heading,
        views: vec![
            pair("", "All cases"),
            pair("active", "Active cases"),
            pair("mine", "My active cases"),
            pair("unassigned", "Unassigned active cases"),
        ],
        statuses: status_options(Status::ALL),
        sorts: vec![
            pair("updated", "Last activity"),
            pair("oldest", "Oldest first"),
            pair("newest", "Newest first"),
        ],
        categories,
        agencies,
        rows,
        next,
        error,
        q,
    };
    Ok(render(&page)?.into_response())
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|x| x.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// The case form's values as text, for redisplay.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct CaseForm {
    constituent_id: String,
    title: String,
    summary: String,
    category: String,
    level: String,
    agency: String,
    urgency: String,
    sensitivity: String,
    assignee_id: String,
    review_date: String,
    version: String,
    message: String,
}

impl CaseForm {
    fn from_case(k: &Case) -> Self {
        CaseForm {
            constituent_id: k.constituent_id.to_string(),
            title: k.title.clone(),
            summary: k.summary.clone(),
            category: k.category.clone(),
            level: k.level.clone(),
            agency: k.agency.clone(),
            urgency: k.urgency.clone(),
            sensitivity: k.sensitivity().as_str().to_owned(),
            assignee_id: k.assignee_id.map(|a| a.to_string()).unwrap_or_default(),
            review_date: k.review_date.clone().unwrap_or_default(),
            version: k.version.to_string(),
            message: String::new(),
        }
    }

    fn assignee(&self) -> Option<i64> {
        self.assignee_id.trim().parse().ok()
    }
}

#[derive(Template)]
#[template(path = "case_form.html")]
struct CaseFormPage {
    nav: Option<Nav>,
    notice: Option<String>,
    heading: String,
    action: String,
    cancel: String,
    submit: &'static str,
    csrf: String,
    constituent_id: i64,
    constituent_name: String,
    version: String,
    f: CaseForm,
    levels: Vec<(String, String)>,
    urgencies: Vec<(String, String)>,
    sensitivities: Vec<(String, String)>,
    assignees: Vec<(String, String)>,
    categories: Vec<String>,
    agencies: Vec<String>,
    show_assignee: bool,
    errors: FieldErrors,
    conflict: Option<String>,
    message: Option<i64>,
}

async fn assignee_options(s: &AppState, actor: &Actor) -> Result<Vec<(String, String)>, PageError> {
    Ok(users::list_users(&s.app, actor)
        .await?
        .into_iter()
        .filter(|u: &User| u.active && u.role().can_hold_cases())
        .map(|u| (u.id.to_string(), u.display_name))
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn case_form_page(
    s: &AppState,
    who: &PageActor,
    heading: String,
    action: String,
    cancel: String,
    submit: &'static str,
    constituent: &Constituent,
    f: CaseForm,
    errors: FieldErrors,
    conflict: Option<String>,
) -> Result<CaseFormPage, PageError> {
    let (categories, agencies) = cases::facets(&s.app, &who.actor).await?;
    Ok(CaseFormPage {
        nav: nav(who, "cases"),
        notice: None,
        heading,
        action,
        cancel,
        submit,
        csrf: who.csrf.clone(),
        constituent_id: constituent.id,
        constituent_name: constituent.full_name(),
        version: f.version.clone(),
        levels: Level::ALL
            .iter()
            .map(|l| pair(l.as_str(), l.label()))
            .collect(),
        urgencies: Urgency::ALL
            .iter()
            .map(|l| pair(l.as_str(), l.label()))
            .collect(),
        sensitivities: vec![pair("normal", "Normal"), pair("sensitive", "Sensitive")],
        assignees: assignee_options(s, &who.actor).await?,
        show_assignee: who.actor.role.can(Action::AssignCase),
        categories,
        agencies,
        f,
        errors,
        conflict,
        message: None,
    })
}

async fn case_new(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<MessageQuery>,
) -> PageResult {
    who.actor.require(Action::OpenCase)?;
    let c = constituents::get(&s.app, &who.actor, id).await?;
    let mut f = CaseForm {
        constituent_id: id.to_string(),
        urgency: "normal".into(),
        level: "federal".into(),
        sensitivity: "normal".into(),
        ..CaseForm::default()
    };
    // From a message: its subject is a good first title, its text a first summary.
    if let Some(mid) = q.message {
        let m = mail::get(&s.app, &who.actor, mid).await?;
        let subject = m.subject.trim();
        let subject = subject
            .strip_prefix("Re:")
            .or_else(|| subject.strip_prefix("RE:"))
            .unwrap_or(subject);
        f.title = subject.trim().chars().take(200).collect();
        f.summary = m.body_text.chars().take(2000).collect();
    }
    let mut page = case_form_page(
        &s,
        &who,
        "Open a case".into(),
        "/cases".into(),
        format!("/constituents/{id}"),
        "Open case",
        &c,
        f,
        FieldErrors::new(),
        None,
    )
    .await?;
    page.message = q.message;
    Ok(render(&page)?.into_response())
}

async fn case_create(State(s): State<AppState>, form: CsrfForm<CaseForm>) -> PageResult {
    let f = form.data;
    let constituent_id: i64 = f
        .constituent_id
        .trim()
        .parse()
        .map_err(|_| PageError(AppError::NotFound))?;
    let input = CaseInput {
        constituent_id,
        title: f.title.clone(),
        summary: f.summary.clone(),
        category: f.category.clone(),
        level: f.level.clone(),
        agency: f.agency.clone(),
        urgency: f.urgency.clone(),
        sensitivity: f.sensitivity.clone(),
        assignee_id: f.assignee(),
        review_date: Some(f.review_date.clone()),
    };
    let message: Option<i64> = f.message.trim().parse().ok();
    match cases::open(&s.app, &form.who.actor, &input).await {
        Ok(k) => {
            if let Some(mid) = message {
                mail::file(&s.app, &form.who.actor, mid, Some(k.id), None).await?;
            }
            Ok(see(format!("/cases/{}?notice=created", k.id)))
        }
        Err(AppError::Invalid(errors)) => {
            let c = constituents::get(&s.app, &form.who.actor, constituent_id).await?;
            let mut page = case_form_page(
                &s,
                &form.who,
                "Open a case".into(),
                "/cases".into(),
                format!("/constituents/{constituent_id}"),
                "Open case",
                &c,
                f,
                errors,
                None,
            )
            .await?;
            page.message = message;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn case_edit(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    let k = cases::get(&s.app, &who.actor, id).await?;
    who.actor.require(Action::EditCase)?;
    let c = constituents::get(&s.app, &who.actor, k.constituent_id).await?;
    let page = case_form_page(
        &s,
        &who,
        format!("Edit {}", k.reference),
        format!("/cases/{id}"),
        format!("/cases/{id}"),
        "Save",
        &c,
        CaseForm::from_case(&k),
        FieldErrors::new(),
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

async fn case_save(State(s): State<AppState>, Id(id): Id, form: CsrfForm<CaseForm>) -> PageResult {
    let f = form.data;
    let actor = &form.who.actor;
    let patch = CasePatch {
        title: Some(f.title.clone()),
        summary: Some(f.summary.clone()),
        category: Some(f.category.clone()),
        level: Some(f.level.clone()),
        agency: Some(f.agency.clone()),
        urgency: Some(f.urgency.clone()),
        sensitivity: Some(f.sensitivity.clone()),
        assignee_id: if actor.role.can(Action::AssignCase) {
            Some(f.assignee())
        } else {
            None
        },
        review_date: Some(Some(f.review_date.clone())),
        version: Some(f.version.trim().parse().unwrap_or(-1)),
        status: None,
    };
    match cases::update(&s.app, actor, id, &patch).await {
        Ok(_) => Ok(see(format!("/cases/{id}?notice=saved"))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict)) => {
            let k = cases::get(&s.app, actor, id).await?;
            let c = constituents::get(&s.app, actor, k.constituent_id).await?;
            let (errors, conflict, status) = match e {
                AppError::Invalid(errors) => (errors, None, axum::http::StatusCode::UNPROCESSABLE_ENTITY),
                _ => (
                    FieldErrors::new(),
                    Some("Someone else changed this case while you were editing. Your version is below; check it against the case and save again.".to_owned()),
                    axum::http::StatusCode::CONFLICT,
                ),
            };
            let mut shown = f.clone();
            if conflict.is_some() {
                shown.version = k.version.to_string();
            }
            let page = case_form_page(
                &s,
                &form.who,
                format!("Edit {}", k.reference),
                format!("/cases/{id}"),
                format!("/cases/{id}"),
                "Save",
                &c,
                shown,
                errors,
                conflict,
            )
            .await?;
            Ok(unprocessable(render(&page)?, status))
        }
        Err(e) => Err(e.into()),
    }
}

struct CaseDetail {
    id: i64,
    reference: String,
    title: String,
    summary: String,
    constituent_id: i64,
    constituent: String,
    status: String,
    status_label: &'static str,
    assignee: String,
    assignee_id: String,
    urgency: &'static str,
    sensitive: bool,
    category: String,
    level: &'static str,
    agency: String,
    opened: String,
    review_date: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    k: CaseDetail,
    people: Vec<casework_app::store::CasePerson>,
    timeline: Vec<TimelineRow>,
    next_statuses: Vec<(String, String)>,
    assignees: Vec<(String, String)>,
    note_kinds: Vec<(String, String)>,
    can_edit: bool,
    can_assign: bool,
    can_note: bool,
    errors: FieldErrors,
    correspondence: Vec<MailRow>,
    max_upload_mb: usize,
}

async fn case_view(
    s: &AppState,
    who: &PageActor,
    id: i64,
    notice_code: &Option<String>,
    errors: FieldErrors,
) -> Result<CasePage, PageError> {
    let k = cases::get(&s.app, &who.actor, id).await?;
    let people = cases::people(&s.app, &who.actor, id).await?;
    let timeline = cases::timeline(&s.app, &who.actor, id).await?;
    // Email sent from the case shows how its sending is going, failures too.
    let outbox = casework_app::outbox::for_case(&s.app, &who.actor, id).await?;
    let correspondence = mail::for_case(&s.app, &who.actor, id)
        .await?
        .iter()
        .map(|c| {
            let mut row = MailRow::from(c);
            row.delivery = outbox
                .iter()
                .find(|o| o.correspondence_id == c.id)
                .map(|o| (o.state.clone(), outbox_label(o), o.last_error.clone()));
            row
        })
        .collect();
    let role = who.actor.role;
    let dash = |v: &str| {
        if v.is_empty() {
            "—".to_owned()
        } else {
            v.to_owned()
        }
    };
    Ok(CasePage {
        nav: nav(who, "cases"),
        notice: notice(notice_code),
        csrf: who.csrf.clone(),
        next_statuses: status_options(k.status().next()),
        assignees: if role.can(Action::AssignCase) {
            assignee_options(s, &who.actor).await?
        } else {
            Vec::new()
        },
        note_kinds: NOTE_KINDS.iter().map(|(a, b)| pair(a, b)).collect(),
        can_edit: role.can(Action::EditCase),
        can_assign: role.can(Action::AssignCase),
        can_note: role.can(Action::AddCaseNote),
        people,
        timeline: timeline_rows(timeline.into_iter().rev().collect(), false),
        errors,
        correspondence,
        max_upload_mb: s.app.settings.max_message_bytes / (1024 * 1024),
        k: CaseDetail {
            id: k.id,
            status_label: k.status().label(),
            urgency: k.urgency().label(),
            level: k.level().label(),
            reference: k.reference,
            title: k.title,
            summary: k.summary,
            constituent_id: k.constituent_id,
            constituent: k.constituent_name,
            status: k.status,
            assignee: k.assignee_name.unwrap_or_else(|| "Nobody".into()),
            assignee_id: k.assignee_id.map(|a| a.to_string()).unwrap_or_default(),
            sensitive: k.sensitive,
            category: dash(&k.category),
            agency: dash(&k.agency),
            opened: day(k.opened_at),
            review_date: dash(k.review_date.as_deref().unwrap_or("")),
            version: k.version,
        },
    })
}

async fn case_page(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let page = case_view(&s, &who, id, &q.notice, FieldErrors::new()).await?;
    Ok(render(&page)?.into_response())
}

/// Re-shows the case page with field errors from a failed action.
async fn case_with_errors(s: &AppState, who: &PageActor, id: i64, e: AppError) -> PageResult {
    match e {
        AppError::Invalid(errors) => {
            let page = case_view(s, who, id, &None, errors).await?;
            refused(&page)
        }
        other => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusForm {
    status: String,
    assignee_id: String,
    version: String,
}

async fn case_status(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<StatusForm>,
) -> PageResult {
    let patch = CasePatch {
        status: Some(form.data.status.clone()),
        version: form.data.version.trim().parse().ok(),
        ..CasePatch::default()
    };
    match cases::update(&s.app, &form.who.actor, id, &patch).await {
        Ok(_) => Ok(see(format!("/cases/{id}?notice=status"))),
        Err(e) => case_with_errors(&s, &form.who, id, e).await,
    }
}

async fn case_assign(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<StatusForm>,
) -> PageResult {
    let patch = CasePatch {
        assignee_id: Some(form.data.assignee_id.trim().parse().ok()),
        version: form.data.version.trim().parse().ok(),
        ..CasePatch::default()
    };
    match cases::update(&s.app, &form.who.actor, id, &patch).await {
        Ok(_) => Ok(see(format!("/cases/{id}?notice=assigned"))),
        Err(e) => case_with_errors(&s, &form.who, id, e).await,
    }
}

/// A note, logged call, meeting or visit, or post or a document, with or
/// without files.
async fn case_note(
    State(s): State<AppState>,
    Id(id): Id,
    form: crate::extract::UploadForm,
) -> PageResult {
    let field = |k: &str| form.fields.get(k).cloned().unwrap_or_default();
    let (kind, body) = (field("kind"), field("body"));
    let result = if form.files.is_empty() {
        cases::add_note(&s.app, &form.who.actor, id, &kind, &body)
            .await
            .map(|()| "note")
    } else {
        let files = form
            .files
            .into_iter()
            .map(crate::extract::Upload::into_file)
            .collect();
        cases::add_record(&s.app, &form.who.actor, id, &kind, &body, files)
            .await
            .map(|_| "files")
    };
    match result {
        Ok(code) => Ok(see(format!("/cases/{id}?notice={code}#history-h"))),
        Err(e) => case_with_errors(&s, &form.who, id, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PersonForm {
    constituent_id: String,
    relationship: String,
}

async fn case_person(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<PersonForm>,
) -> PageResult {
    let Ok(person) = form.data.constituent_id.trim().parse::<i64>() else {
        return case_with_errors(
            &s,
            &form.who,
            id,
            AppError::field("constituent_id", "Enter the constituent's number."),
        )
        .await;
    };
    match cases::add_person(&s.app, &form.who.actor, id, person, &form.data.relationship).await {
        Ok(()) => Ok(see(format!("/cases/{id}?notice=person"))),
        Err(e) => case_with_errors(&s, &form.who, id, e).await,
    }
}

// ----- staff administration -----

struct UserRow {
    id: i64,
    name: String,
    email: String,
    role: String,
    active: bool,
    version: i64,
}

impl From<&User> for UserRow {
    fn from(u: &User) -> Self {
        UserRow {
            id: u.id,
            name: u.display_name.clone(),
            email: u.email.clone(),
            role: u.role.clone(),
            active: u.active,
            version: u.version,
        }
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Option<Nav>,
    notice: Option<String>,
    rows: Vec<UserRow>,
}

fn role_options() -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| pair(r.as_str(), r.label()))
        .collect()
}

async fn user_list(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    who.actor.require(Action::ManageUsers)?;
    let rows = users::list_users(&s.app, &who.actor)
        .await?
        .iter()
        .map(UserRow::from)
        .collect();
    Ok(render(&UsersPage {
        nav: nav(&who, "users"),
        notice: notice(&q.notice),
        rows,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct UserNewPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    display_name: String,
    email: String,
    role: String,
    roles: Vec<(String, String)>,
    errors: FieldErrors,
}

async fn user_new(who: PageActor) -> PageResult {
    who.actor.require(Action::ManageUsers)?;
    let page = UserNewPage {
        nav: nav(&who, "users"),
        notice: None,
        csrf: who.csrf.clone(),
        display_name: String::new(),
        email: String::new(),
        role: "caseworker".into(),
        roles: role_options(),
        errors: FieldErrors::new(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserForm {
    display_name: String,
    email: String,
    role: String,
    password: String,
}

async fn user_create(State(s): State<AppState>, form: CsrfForm<UserForm>) -> PageResult {
    let f = form.data;
    let actor = &form.who.actor;
    let new = NewAccount {
        email: f.email.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        password: f.password.clone(),
    };
    match users::create_user(&s.app, Some(actor), actor.office_id, &new).await {
        Ok(_) => Ok(see("/admin/users?notice=user".into())),
        Err(AppError::Invalid(errors)) => {
            let page = UserNewPage {
                nav: nav(&form.who, "users"),
                notice: None,
                csrf: form.who.csrf.clone(),
                display_name: f.display_name,
                email: f.email,
                role: f.role,
                roles: role_options(),
                errors,
            };
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    u: UserRow,
    sessions: i64,
    roles: Vec<(String, String)>,
    errors: FieldErrors,
}

async fn user_view(
    s: &AppState,
    who: &PageActor,
    id: i64,
    notice_code: &Option<String>,
    errors: FieldErrors,
) -> Result<UserPage, PageError> {
    let u = users::get_user(&s.app, &who.actor, id).await?;
    let sessions = users::count_sessions(&s.app, &who.actor, id).await?;
    Ok(UserPage {
        nav: nav(who, "users"),
        notice: notice(notice_code),
        csrf: who.csrf.clone(),
        u: UserRow::from(&u),
        sessions,
        roles: role_options(),
        errors,
    })
}

async fn user_page(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let page = user_view(&s, &who, id, &q.notice, FieldErrors::new()).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserEditForm {
    role: String,
    active: Option<String>,
    version: String,
}

async fn user_save(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<UserEditForm>,
) -> PageResult {
    let f = &form.data;
    let version = f.version.trim().parse().unwrap_or(-1);
    match users::update_user(
        &s.app,
        &form.who.actor,
        id,
        version,
        &f.role,
        f.active.is_some(),
    )
    .await
    {
        Ok(()) => Ok(see(format!("/admin/users/{id}?notice=saved"))),
        Err(AppError::Invalid(errors)) => {
            let page = user_view(&s, &form.who, id, &None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn user_revoke_sessions(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    users::revoke_sessions(&s.app, &form.who.actor, id).await?;
    Ok(see(format!("/admin/users/{id}?notice=revoked")))
}

// ----- own account -----

struct TokenRow {
    id: i64,
    label: String,
    created: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    name: String,
    email: String,
    role: &'static str,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    errors: FieldErrors,
}

async fn account_view(
    s: &AppState,
    who: &PageActor,
    notice_code: &Option<String>,
    new_token: Option<String>,
    errors: FieldErrors,
) -> Result<AccountPage, PageError> {
    let tokens = auth::api_tokens(&s.app, &who.actor)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            label: t.label,
            created: day(t.created_at),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    Ok(AccountPage {
        nav: nav(who, "account"),
        notice: notice(notice_code),
        csrf: who.csrf.clone(),
        name: who.actor.display_name.clone(),
        email: who.actor.email.clone(),
        role: who.actor.role.label(),
        tokens,
        new_token,
        errors,
    })
}

async fn account_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    Ok(
        render(&account_view(&s, &who, &q.notice, None, FieldErrors::new()).await?)?
            .into_response(),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
}

async fn account_password(State(s): State<AppState>, form: CsrfForm<PasswordForm>) -> PageResult {
    let f = &form.data;
    match auth::change_password(
        &s.app,
        &form.who.actor,
        &f.current_password,
        &f.new_password,
        Some(&form.who.token),
    )
    .await
    {
        Ok(()) => Ok(see("/account?notice=password".into())),
        Err(AppError::Invalid(errors)) => {
            let page = account_view(&s, &form.who, &None, None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    label: String,
}

async fn account_token_create(State(s): State<AppState>, form: CsrfForm<TokenForm>) -> PageResult {
    match auth::create_api_token(&s.app, &form.who.actor, &form.data.label).await {
        Ok((token, _)) => Ok(render(
            &account_view(&s, &form.who, &None, Some(token), FieldErrors::new()).await?,
        )?
        .into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = account_view(&s, &form.who, &None, None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn account_token_revoke(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    auth::revoke_api_token(&s.app, &form.who.actor, id).await?;
    Ok(see("/account?notice=token_revoked".into()))
}

// ----- intake and correspondence -----

/// A message in a list.
struct MailRow {
    id: i64,
    from: String,
    from_name: String,
    subject: String,
    received: String,
    unread: bool,
    problems: String,
    /// For email sent from a case: its outbox state, what that means, and
    /// the mail server's last refusal.
    delivery: Option<(String, String, String)>,
}

impl From<&casework_app::store::CorrespondenceSummary> for MailRow {
    fn from(c: &casework_app::store::CorrespondenceSummary) -> Self {
        MailRow {
            id: c.id,
            from: c.from_address.clone(),
            from_name: c.from_name.clone(),
            subject: c.subject.clone(),
            received: when(c.received_at),
            unread: c.unread,
            problems: c.problems.clone(),
            delivery: None,
        }
    }
}

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    nav: Option<Nav>,
    notice: Option<String>,
    campaigns: Vec<crate::campaign_pages::CampaignRow>,
    rows: Vec<MailRow>,
    next: Option<String>,
    mailboxes: Vec<MailboxStatus>,
}

/// How an office mailbox's polling is going, in words.
struct MailboxStatus {
    name: String,
    status: String,
    ok: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IntakeQuery {
    cursor: String,
    notice: Option<String>,
}

async fn intake_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<IntakeQuery>,
) -> PageResult {
    let page = mail::intake(&s.app, &who.actor, Some(&q.cursor), 50).await?;
    let view = IntakePage {
        nav: nav(&who, "intake"),
        notice: notice(&q.notice),
        campaigns: if q.cursor.is_empty() {
            crate::campaign_pages::open_rows(&s, &who).await?
        } else {
            Vec::new()
        },
        rows: page.items.iter().map(MailRow::from).collect(),
        next: page.next.map(|c| c.encode()),
        mailboxes: casework_app::mailboxes::list(&s.app, &who.actor)
            .await?
            .into_iter()
            .map(|m| {
                let ok = m.last_error.is_empty();
                let status = if !ok {
                    format!("not reachable — {} (the server keeps trying)", m.last_error)
                } else if let Some(t) = m.last_success_at {
                    format!("checked {}", when(t))
                } else {
                    "waiting for the first check".to_owned()
                };
                MailboxStatus {
                    name: format!("{}@{}", m.username, m.host),
                    status,
                    ok,
                }
            })
            .collect(),
    };
    Ok(render(&view)?.into_response())
}

struct MessageDetail {
    id: i64,
    subject: String,
    from: String,
    from_name: String,
    to: String,
    cc: String,
    received: String,
    sent: String,
    state: String,
    state_label: &'static str,
    problems: String,
    text: String,
    has_html: bool,
    raw_size: String,
    constituent_id: i64,
    is_letter: bool,
    /// For a note, call, meeting, post or document kept with files: what it
    /// is ("Letter received by post"); empty for email and letters.
    record_label: &'static str,
    /// Letters: `awaiting` approval, `approved`, or empty.
    approval: String,
    printed: String,
}

struct AttachmentRow {
    id: i64,
    filename: String,
    content_type: String,
    size: String,
}

fn human_size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} bytes"),
    }
}

#[derive(Template)]
#[template(path = "correspondence.html")]
pub(crate) struct CorrespondencePage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    m: MessageDetail,
    attachments: Vec<AttachmentRow>,
    back: Option<(String, String)>,
    can_triage: bool,
    matches: Vec<(i64, String)>,
    open_cases: Vec<(i64, String)>,
    errors: FieldErrors,
    /// The case a reply would be written from, if the person may write.
    reply_case: Option<i64>,
    /// An office manager or the representative, who may approve letters.
    can_approve: bool,
    /// Comments on an outgoing email or letter (drafting and approval).
    comments: Vec<CommentRow>,
    is_out: bool,
}

/// A comment as shown.
pub(crate) struct CommentRow {
    pub author: String,
    pub body: String,
    pub at: String,
}

impl From<casework_app::store::Comment> for CommentRow {
    fn from(c: casework_app::store::Comment) -> Self {
        CommentRow {
            author: c.author_name,
            body: c.body,
            at: when(c.at),
        }
    }
}

pub(crate) async fn correspondence_view(
    s: &AppState,
    who: &PageActor,
    id: i64,
    notice_code: &Option<String>,
    errors: FieldErrors,
) -> Result<CorrespondencePage, PageError> {
    let (m, attachments) = mail::open(&s.app, &who.actor, id).await?;
    let back = match (m.case_id, m.constituent_id) {
        (Some(k), _) => Some((format!("/cases/{k}"), "Back to the case".to_owned())),
        (None, Some(c)) => Some((
            format!("/constituents/{c}"),
            "Back to the constituent".to_owned(),
        )),
        _ => Some(match m.campaign_id {
            Some(c) => (format!("/campaigns/{c}"), "Back to the campaign".to_owned()),
            None => ("/intake".to_owned(), "Back to the intake inbox".to_owned()),
        }),
    };
    let open_to_filing = m.state == "intake" || (m.state == "filed" && m.case_id.is_none());
    let can_triage = open_to_filing && who.actor.role.can(Action::EditConstituent);
    let mut matches = Vec::new();
    let mut open_cases = Vec::new();
    if can_triage {
        if m.state == "intake" && !m.from_address.is_empty() {
            let q = constituents::search(&s.app, &who.actor, &m.from_address, None, 10).await?;
            matches = q
                .items
                .iter()
                .filter(|c| c.email == m.from_address)
                .map(|c| (c.id, c.full_name()))
                .collect();
        }
        if let Some(c) = m.constituent_id {
            let q = CaseQuery {
                constituent_id: Some(c),
                view: "active".into(),
                ..CaseQuery::default()
            };
            open_cases = cases::list(&s.app, &who.actor, &q)
                .await?
                .items
                .iter()
                .map(|k| (k.id, format!("{} {}", k.reference, k.title)))
                .collect();
        }
    }
    let is_out = m.direction == "out";
    let comments = if is_out {
        casework_app::comments::on_correspondence(&s.app, &who.actor, m.id)
            .await?
            .into_iter()
            .map(CommentRow::from)
            .collect()
    } else {
        Vec::new()
    };
    let reply_case = m.case_id.filter(|_| {
        m.direction == "in" && m.channel == "email" && who.actor.role.can(Action::EditCase)
    });
    let state_label = match m.state.as_str() {
        "intake" => "Waiting in the intake inbox",
        "no_action" => "No action needed",
        _ if m.case_id.is_some() => "On a case",
        _ => "On a constituent's record",
    };
    Ok(CorrespondencePage {
        nav: nav(who, "intake"),
        notice: notice(notice_code),
        csrf: who.csrf.clone(),
        attachments: attachments
            .into_iter()
            .map(|a| AttachmentRow {
                id: a.id,
                filename: a.filename,
                content_type: a.content_type,
                size: human_size(a.size),
            })
            .collect(),
        back,
        can_triage,
        matches,
        open_cases,
        errors,
        reply_case,
        m: MessageDetail {
            id: m.id,
            subject: m.subject,
            from: m.from_address,
            from_name: m.from_name,
            to: m.to_addresses,
            cc: m.cc_addresses,
            received: when(m.received_at),
            sent: m.sent_at.map(when).unwrap_or_default(),
            state: m.state,
            state_label,
            problems: m.problems,
            text: m.body_text,
            has_html: m.body_html.is_some(),
            raw_size: human_size(m.raw_size),
            is_letter: m.channel == "letter",
            record_label: NOTE_KINDS
                .iter()
                .find(|(k, _)| *k == m.channel)
                .map(|(_, l)| *l)
                .unwrap_or(""),
            constituent_id: m.constituent_id.unwrap_or(0),
            approval: m.approval,
            printed: m.printed_at.map(when).unwrap_or_default(),
        },
        can_approve: matches!(who.actor.role, Role::OfficeManager | Role::Representative),
        comments,
        is_out,
    })
}

async fn correspondence_page(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let page = correspondence_view(&s, &who, id, &q.notice, FieldErrors::new()).await?;
    Ok(render(&page)?.into_response())
}

/// The message's own HTML, already sanitised, as a page of its own with a
/// policy that forbids scripts, forms and anything remote.
async fn correspondence_html(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    let m = mail::get(&s.app, &who.actor, id).await?;
    let Some(html) = m.body_html else {
        return Err(PageError(AppError::NotFound));
    };
    let doc = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Formatted message</title></head><body><main>{html}</main></body></html>"
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
            ),
        ],
        doc,
    )
        .into_response())
}

async fn correspondence_raw(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    let (c, bytes) = mail::original(&s.app, &who.actor, id).await?;
    Ok(crate::original_response(&c.channel, bytes))
}

async fn correspondence_attachment(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    raw: axum::extract::RawPathParams,
) -> PageResult {
    let attachment = crate::attachment_param(&raw).ok_or(PageError(AppError::NotFound))?;
    let (a, bytes) = mail::attachment(&s.app, &who.actor, id, attachment).await?;
    Ok(crate::file_download(&a.filename, bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FileForm {
    reference: String,
    case_id: String,
    constituent_id: String,
}

async fn correspondence_file(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<FileForm>,
) -> PageResult {
    let f = &form.data;
    let actor = &form.who.actor;
    let mut case_id: Option<i64> = f.case_id.trim().parse().ok();
    let constituent_id: Option<i64> = f.constituent_id.trim().parse().ok();
    let result = if !f.reference.trim().is_empty() {
        match cases::by_reference(&s.app, actor, &f.reference).await {
            Ok(k) => {
                case_id = Some(k.id);
                mail::file(&s.app, actor, id, case_id, None).await
            }
            Err(e) => Err(e),
        }
    } else {
        mail::file(&s.app, actor, id, case_id, constituent_id).await
    };
    match result {
        Ok(()) => Ok(see(match case_id {
            Some(k) => format!("/cases/{k}?notice=filed"),
            None => format!("/correspondence/{id}?notice=filed"),
        })),
        Err(AppError::Invalid(errors)) => {
            let page = correspondence_view(&s, &form.who, id, &None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn correspondence_no_action(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    match mail::no_action(&s.app, &form.who.actor, id).await {
        Ok(()) => Ok(see("/intake?notice=no_action".into())),
        Err(AppError::Invalid(errors)) => {
            let page = correspondence_view(&s, &form.who, id, &None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

// ----- writing email and the outbox -----

#[derive(Template)]
#[template(path = "email_form.html")]
struct EmailFormPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    case_id: i64,
    reference: String,
    case_title: String,
    constituent: String,
    do_not_email: bool,
    needs_approval: bool,
    reply_to: Option<i64>,
    to: String,
    subject: String,
    body: String,
    errors: FieldErrors,
    /// Files on the case that can go with it: (field name, label, ticked).
    documents: Vec<(String, String, bool)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReplyQuery {
    reply_to: Option<i64>,
}

async fn email_form(
    s: &AppState,
    who: &PageActor,
    case_id: i64,
    reply_to: Option<i64>,
    form: Option<&EmailForm>,
    errors: FieldErrors,
) -> Result<EmailFormPage, PageError> {
    let k = cases::get(&s.app, &who.actor, case_id).await?;
    let c = constituents::get(&s.app, &who.actor, k.constituent_id).await?;
    let (mut to, mut subject, mut body) = (c.email.clone(), k.title.clone(), String::new());
    if let Some(mid) = reply_to {
        let m = mail::get(&s.app, &who.actor, mid).await?;
        if m.direction == "in" && !m.from_address.is_empty() {
            to = m.from_address.clone();
        }
        subject = if m.subject.to_lowercase().starts_with("re:") {
            m.subject.clone()
        } else {
            format!("Re: {}", m.subject)
        };
        let quoted: String = m
            .body_text
            .lines()
            .take(200)
            .map(|l| format!("> {l}\n"))
            .collect();
        body = format!(
            "\n\nOn {}, {} wrote:\n{quoted}",
            when(m.received_at),
            if m.from_name.is_empty() {
                &m.from_address
            } else {
                &m.from_name
            }
        );
    }
    if let Some(f) = form {
        to = f.to.clone();
        subject = f.subject.clone();
        body = f.body.clone();
    }
    let documents = casework_app::outbox::case_documents(&s.app, &who.actor, k.id)
        .await?
        .into_iter()
        .map(|d| {
            let field = format!(
                "attach_{}{}",
                if d.kind == "letter" { "l" } else { "a" },
                d.id
            );
            let label = format!(
                "{} ({}{})",
                d.name,
                human_size(d.size),
                if d.kind == "letter" { ", letter" } else { "" }
            );
            let ticked = form.is_some_and(|f| f.files.contains_key(&field));
            (field, label, ticked)
        })
        .collect();
    Ok(EmailFormPage {
        nav: nav(who, "cases"),
        notice: None,
        csrf: who.csrf.clone(),
        case_id: k.id,
        reference: k.reference.clone(),
        case_title: k.title.clone(),
        constituent: c.full_name(),
        do_not_email: c.do_not_email,
        needs_approval: k.sensitive
            && !matches!(who.actor.role, Role::OfficeManager | Role::Representative),
        reply_to,
        to,
        subject,
        body,
        errors,
        documents,
    })
}

async fn email_new(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<ReplyQuery>,
) -> PageResult {
    who.actor.require(Action::EditCase)?;
    let page = email_form(&s, &who, id, q.reply_to, None, FieldErrors::new()).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailForm {
    to: String,
    subject: String,
    body: String,
    reply_to: String,
    send_anyway: Option<String>,
    /// Ticked case files: `attach_a{attachment id}` and `attach_l{letter id}`.
    #[serde(flatten)]
    files: std::collections::HashMap<String, String>,
}

/// The ids of ticked checkboxes named `{prefix}{id}`.
fn ticked(fields: &std::collections::HashMap<String, String>, prefix: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = fields
        .keys()
        .filter_map(|k| k.strip_prefix(prefix)?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

async fn email_send(
    State(s): State<AppState>,
    Id(id): Id,
    form: crate::extract::UploadForm,
) -> PageResult {
    let field = |k: &str| form.fields.get(k).cloned().unwrap_or_default();
    let f = EmailForm {
        to: field("to"),
        subject: field("subject"),
        body: field("body"),
        reply_to: field("reply_to"),
        send_anyway: form.fields.get("send_anyway").cloned(),
        files: form
            .fields
            .iter()
            .filter(|(k, _)| k.starts_with("attach_"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    let reply_to: Option<i64> = f.reply_to.trim().parse().ok();
    let req = casework_app::outbox::EmailRequest {
        to: f
            .to
            .split([',', ';'])
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        subject: f.subject.clone(),
        body: f.body.clone(),
        reply_to,
        send_anyway: f.send_anyway.is_some(),
        template: None,
        attachment_ids: ticked(&f.files, "attach_a"),
        letter_ids: ticked(&f.files, "attach_l"),
        uploads: form
            .files
            .into_iter()
            .map(crate::extract::Upload::into_file)
            .collect(),
    };
    match casework_app::outbox::send_email(&s.app, &form.who.actor, id, &req).await {
        Ok(_) => Ok(see(format!("/cases/{id}?notice=email"))),
        Err(AppError::Invalid(errors)) => {
            let page = email_form(&s, &form.who, id, reply_to, Some(&f), errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

struct OutboxRow {
    id: i64,
    correspondence_id: i64,
    case: Option<(i64, String)>,
    subject: String,
    to: String,
    state: String,
    state_label: String,
    error: String,
}

fn outbox_label(item: &casework_app::store::OutboxItem) -> String {
    match item.state.as_str() {
        "awaiting_approval" => "Waiting for approval".into(),
        "queued" if item.attempts == 0 => "Waiting to be sent".into(),
        "queued" => format!(
            "Not sent yet: will try again at {}",
            when(item.next_attempt_at)
        ),
        "sending" => "Being sent".into(),
        "sent" => format!("Sent {}", item.sent_at.map(when).unwrap_or_default()),
        "failed" => format!("Failed after {} attempts", item.attempts),
        other => other.to_owned(),
    }
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    status: String,
    rows: Vec<OutboxRow>,
    can_approve: bool,
}

async fn outbox_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let items = casework_app::outbox::list(&s.app, &who.actor).await?;
    let status = if s.app.settings.smtp.is_configured() {
        format!(
            "Email goes out through {} as {}.",
            s.app.settings.smtp.host, s.app.settings.smtp.from
        )
    } else {
        "Outgoing email is not set up yet: messages wait here until an administrator configures the mail server ([smtp] in the configuration).".to_owned()
    };
    let page = OutboxPage {
        nav: nav(&who, "outbox"),
        notice: notice(&q.notice),
        csrf: who.csrf.clone(),
        status,
        can_approve: matches!(who.actor.role, Role::OfficeManager | Role::Representative),
        rows: items
            .iter()
            .map(|i| OutboxRow {
                id: i.id,
                correspondence_id: i.correspondence_id,
                case: i.case_id.zip(i.case_reference.clone()),
                subject: i.subject.clone(),
                to: i.envelope_to.replace(',', ", "),
                state: i.state.clone(),
                state_label: outbox_label(i),
                error: i.last_error.clone(),
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

async fn outbox_approve(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    casework_app::outbox::approve(&s.app, &form.who.actor, id).await?;
    Ok(see("/outbox?notice=approved".into()))
}

async fn outbox_retry(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    casework_app::outbox::retry(&s.app, &form.who.actor, id).await?;
    Ok(see("/outbox?notice=retry".into()))
}

// ----- letters and templates -----

#[derive(Template)]
#[template(path = "letter_form.html")]
struct LetterFormPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    case_id: i64,
    reference: String,
    case_title: String,
    constituent: String,
    templates: Vec<String>,
    template: String,
    body: String,
    fields: &'static [&'static str],
    errors: FieldErrors,
}

async fn letter_form(
    s: &AppState,
    who: &PageActor,
    case_id: i64,
    template: String,
    body: String,
    errors: FieldErrors,
) -> Result<LetterFormPage, PageError> {
    let k = cases::get(&s.app, &who.actor, case_id).await?;
    Ok(LetterFormPage {
        nav: nav(who, "cases"),
        notice: None,
        csrf: who.csrf.clone(),
        case_id: k.id,
        reference: k.reference.clone(),
        case_title: k.title.clone(),
        constituent: k.constituent_name.clone(),
        templates: casework_app::letters::templates(&s.app, &who.actor)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        template,
        body,
        fields: casework_app::letters::FIELD_NAMES,
        errors,
    })
}

async fn letter_new(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    who.actor.require(Action::EditCase)?;
    let body = "Dear {{ constituent.first_name }},\n\n\n\n".to_owned();
    Ok(
        render(&letter_form(&s, &who, id, String::new(), body, FieldErrors::new()).await?)?
            .into_response(),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LetterForm {
    template: String,
    body: String,
}

async fn letter_create(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<LetterForm>,
) -> PageResult {
    let f = &form.data;
    // A template fills the letter when the text is left as the starting greeting or empty.
    let untouched =
        f.body.trim().is_empty() || f.body.trim() == "Dear {{ constituent.first_name }},";
    let req = casework_app::letters::LetterRequest {
        template: Some(f.template.clone()).filter(|t| !t.trim().is_empty()),
        body: if untouched && !f.template.trim().is_empty() {
            None
        } else {
            Some(f.body.clone())
        },
    };
    match casework_app::letters::create(&s.app, &form.who.actor, id, &req).await {
        Ok(cid) => Ok(see(format!("/correspondence/{cid}?notice=letter"))),
        Err(AppError::Invalid(errors)) => {
            let page = letter_form(
                &s,
                &form.who,
                id,
                f.template.clone(),
                f.body.clone(),
                errors,
            )
            .await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "templates.html")]
struct TemplatesPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    rows: Vec<(i64, String, bool)>,
    can_edit: bool,
    letterhead: String,
    has_logo: bool,
    max_logo_mb: usize,
}

fn can_edit_templates(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::OfficeManager)
}

async fn templates_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let rows = casework_app::letters::templates(&s.app, &who.actor)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name, t.signed_by_representative))
        .collect();
    let page = TemplatesPage {
        nav: nav(&who, "templates"),
        notice: notice(&q.notice),
        csrf: who.csrf.clone(),
        rows,
        can_edit: can_edit_templates(&who.actor),
        letterhead: casework_app::letters::letterhead(&s.app, &who.actor).await?,
        has_logo: s
            .app
            .store
            .letterhead_logo(who.actor.office_id)
            .await
            .map_err(AppError::from)?
            .is_some(),
        max_logo_mb: casework_app::letters::MAX_LOGO_BYTES / (1024 * 1024),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "template_form.html")]
struct TemplateFormPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    heading: String,
    action: String,
    version: i64,
    name: String,
    subject: String,
    body: String,
    signed: bool,
    fields: &'static [&'static str],
    preview: Option<(String, String)>,
    errors: FieldErrors,
}

async fn template_new(who: PageActor) -> PageResult {
    if !can_edit_templates(&who.actor) {
        return Err(PageError(AppError::Forbidden(
            "Only an office manager or an administrator can change templates.".into(),
        )));
    }
    let page = TemplateFormPage {
        nav: nav(&who, "templates"),
        notice: None,
        csrf: who.csrf.clone(),
        heading: "New template".into(),
        action: "/templates".into(),
        version: 0,
        name: String::new(),
        subject: "{{ case.title }}".into(),
        body: "Dear {{ constituent.first_name }},\n\n\n".into(),
        signed: false,
        fields: casework_app::letters::FIELD_NAMES,
        preview: None,
        errors: FieldErrors::new(),
    };
    Ok(render(&page)?.into_response())
}

async fn template_page(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let t = casework_app::letters::template(&s.app, &who.actor, id).await?;
    let preview = casework_app::letters::preview(&t.subject, &t.body).ok();
    let page = TemplateFormPage {
        nav: nav(&who, "templates"),
        notice: notice(&q.notice),
        csrf: who.csrf.clone(),
        heading: format!("Template: {}", t.name),
        action: format!("/templates/{id}"),
        version: t.version,
        name: t.name,
        subject: t.subject,
        body: t.body,
        signed: t.signed_by_representative,
        fields: casework_app::letters::FIELD_NAMES,
        preview,
        errors: FieldErrors::new(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TemplateForm {
    name: String,
    subject: String,
    body: String,
    signed: Option<String>,
    version: i64,
    action: String,
}

async fn template_save_as(
    s: &AppState,
    form: CsrfForm<TemplateForm>,
    id: Option<i64>,
) -> PageResult {
    let f = form.data;
    let actor = &form.who.actor;
    let (errors, preview) = if f.action == "preview" {
        match casework_app::letters::preview(&f.subject, &f.body) {
            Ok(p) => (FieldErrors::new(), Some(p)),
            Err(AppError::Invalid(e)) => (e, None),
            Err(e) => return Err(e.into()),
        }
    } else {
        match casework_app::letters::save_template(
            &s.app,
            actor,
            id,
            f.version,
            &f.name,
            &f.subject,
            &f.body,
            f.signed.is_some(),
        )
        .await
        {
            Ok(saved) => return Ok(see(format!("/templates/{saved}?notice=saved"))),
            Err(AppError::Invalid(e)) => (e, None),
            Err(AppError::Conflict) => {
                let mut e = FieldErrors::new();
                e.add("body", "Someone else changed this template meanwhile. Copy your text, reload, and make your change again.");
                (e, None)
            }
            Err(e) => return Err(e.into()),
        }
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = TemplateFormPage {
        nav: nav(&form.who, "templates"),
        notice: None,
        csrf: form.who.csrf.clone(),
        heading: if id.is_some() {
            format!("Template: {}", f.name)
        } else {
            "New template".into()
        },
        action: id
            .map(|i| format!("/templates/{i}"))
            .unwrap_or_else(|| "/templates".into()),
        version: f.version,
        name: f.name,
        subject: f.subject,
        body: f.body,
        signed: f.signed.is_some(),
        fields: casework_app::letters::FIELD_NAMES,
        preview,
        errors,
    };
    Ok(unprocessable(render(&page)?, status))
}

async fn template_create(State(s): State<AppState>, form: CsrfForm<TemplateForm>) -> PageResult {
    template_save_as(&s, form, None).await
}

async fn template_save(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<TemplateForm>,
) -> PageResult {
    template_save_as(&s, form, Some(id)).await
}

/// The letterhead's address lines, and its logo: a new file, or
/// `remove_logo` ticked.
async fn letterhead_save(
    State(s): State<AppState>,
    form: crate::extract::UploadForm,
) -> PageResult {
    use casework_app::letters::LogoChange;
    let text = form.fields.get("letterhead").cloned().unwrap_or_default();
    let logo = match form.files.into_iter().next() {
        Some(file) => LogoChange::Set(file.data),
        None if form.fields.contains_key("remove_logo") => LogoChange::Remove,
        None => LogoChange::Keep,
    };
    casework_app::letters::save_letterhead(&s.app, &form.who.actor, &text, logo).await?;
    Ok(see("/templates?notice=saved".into()))
}

/// The office's logo, for the templates page.
async fn letterhead_logo(State(s): State<AppState>, who: PageActor) -> PageResult {
    let bytes = casework_app::letters::logo(&s.app, &who.actor)
        .await?
        .ok_or(PageError(AppError::NotFound))?;
    let kind = if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok(([(header::CONTENT_TYPE, kind)], bytes).into_response())
}
