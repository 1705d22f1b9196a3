//! Constituents: the list and search, the record form, and one
//! constituent with their cases and history.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::constituents::{ConstituentInput, ConstituentPatch};
use casework_app::domain::{FieldErrors, Permission};
use casework_app::views::Constituent;
use casework_app::{AppError, constituents, correspondence, intake};
use serde::Deserialize;

use crate::error::{PageResult, refused, render, unprocessable};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::layout::{Nav, NoticeQuery, nav, notice, see};
use crate::pages::intake::MessageQuery;
use crate::pages::timeline::{TimelineRow, timeline_rows};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
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
}

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
    csrf: String,
    /// This list's address, to come back to after a bulk action.
    back: String,
    bulk: crate::pages::bulk::BulkBar,
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
    let back = if q.q.is_empty() {
        "/constituents".to_owned()
    } else {
        format!(
            "/constituents?{}",
            serde_urlencoded::to_string([("q", &q.q)]).unwrap_or_default()
        )
    };
    let page = ConstituentsPage {
        nav: nav(&who, "constituents"),
        notice: None,
        csrf: who.csrf.clone(),
        back,
        bulk: crate::pages::bulk::BulkBar::new(&s, &who, "constituents").await?,
        q: q.q,
        rows,
        next,
        can_create: who.actor.can(Permission::EditConstituents),
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
    /// People already on file who may be this one (shown before creating).
    duplicates: Vec<super::person_choice::PersonChoice>,
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
    /// Set once likely duplicates were shown: create anyway.
    confirm_new: String,
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
        duplicates: Vec::new(),
    }
}

async fn constituent_new(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<MessageQuery>,
) -> PageResult {
    who.actor.require(Permission::EditConstituents)?;
    // From an intake message: pre-filled from its sender and signature.
    let input = match q.message {
        Some(mid) => intake::prefill(&correspondence::get(&s.app, &who.actor, mid).await?),
        None => ConstituentInput::default(),
    };
    let page = new_constituent_page(&who, &input, FieldErrors::new(), q.message);
    Ok(render(&page)?.into_response())
}

/// The form for a new constituent (from an intake message, when `message`).
fn new_constituent_page(
    who: &PageActor,
    input: &ConstituentInput,
    errors: FieldErrors,
    message: Option<i64>,
) -> ConstituentFormPage {
    let mut page = constituent_form_page(
        who,
        "Add a constituent".into(),
        "/constituents".into(),
        "/constituents".into(),
        String::new(),
        input,
        errors,
        None,
    );
    page.message = message;
    page
}

async fn constituent_create(
    State(s): State<AppState>,
    form: CsrfForm<ConstituentForm>,
) -> PageResult {
    let input = form.data.input();
    let message: Option<i64> = form.data.message.trim().parse().ok();
    // Someone already on file with the same email, phone, or name and
    // postcode: offered first, unless the user has seen them and goes on.
    if form.data.confirm_new.is_empty() {
        let duplicates = constituents::likely_duplicates(&s.app, &form.who.actor, &input).await?;
        if !duplicates.is_empty() {
            let mut page = new_constituent_page(&form.who, &input, FieldErrors::new(), message);
            page.duplicates = duplicates.into_iter().map(Into::into).collect();
            return Ok(render(&page)?.into_response());
        }
    }
    match constituents::create(&s.app, &form.who.actor, &input).await {
        Ok(c) => match message {
            // Made from an intake message: file it on them, then offer to open a case with it.
            Some(mid) => {
                intake::file(
                    &s.app,
                    &form.who.actor,
                    mid,
                    None,
                    Some(c.id),
                    &Default::default(),
                )
                .await?;
                Ok(see(format!(
                    "/constituents/{}/cases/new?message={mid}",
                    c.id
                )))
            }
            None => Ok(see(format!("/constituents/{}?notice=created", c.id))),
        },
        Err(AppError::Invalid(errors)) => {
            let page = new_constituent_page(&form.who, &input, errors, message);
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn constituent_edit(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    who.actor.require(Permission::EditConstituents)?;
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
        can_edit: who.actor.can(Permission::EditConstituents),
        can_open_case: who.actor.can(Permission::OpenCases),
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
