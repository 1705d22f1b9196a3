//! Letters: writing one from a template, the templates and the
//! letterhead, the queue of letters to print, printing a batch as one PDF,
//! and approving letters signed by the representative.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use casework_app::domain::{FieldErrors, Permission};
use casework_app::{AppError, cases, letters};
use serde::Deserialize;
use std::collections::HashMap;

use crate::error::{PageError, PageResult, refused, render, unprocessable};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::fmt::when;
use crate::layout::{Nav, NoticeQuery, nav, notice, see};
use crate::pages::correspondence::correspondence_view;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/letters/new", get(letter_new))
        .route("/cases/{id}/letters", post(letter_create))
        .route("/templates", get(templates_page).post(template_create))
        .route("/templates/new", get(template_new))
        .route("/templates/letterhead", post(letterhead_save))
        .route("/templates/letterhead/logo", get(letterhead_logo))
        .route("/templates/{id}", get(template_page).post(template_save))
        .route("/letters", get(queue_page))
        .route("/letters/print", post(print))
        .route("/correspondence/{id}/approve", post(approve))
}

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
    /// The letter as it would be made: (title, text).
    preview: Option<(String, String)>,
    /// Editing a draft waiting for approval: the new version replaces it.
    replaces: Option<i64>,
    /// The address lines of the letter edited or written again.
    to: String,
    /// Said above the form when it starts from another letter.
    from_note: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct FromQuery {
    /// A letter or email on the case to start from (edit, or write again).
    pub from: Option<i64>,
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
        preview: None,
        replaces: None,
        to: String::new(),
        from_note: None,
    })
}

async fn letter_new(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<FromQuery>,
) -> PageResult {
    who.actor.require(Permission::WriteLetters)?;
    let Some(from) = q.from else {
        let body = "Dear {{ constituent.first_name }},\n\n\n\n".to_owned();
        return Ok(render(
            &letter_form(&s, &who, id, String::new(), body, FieldErrors::new()).await?,
        )?
        .into_response());
    };
    let d = casework_app::approvals::draft_to_edit(&s.app, &who.actor, id, from).await?;
    let mut page = letter_form(
        &s,
        &who,
        id,
        String::new(),
        d.body.clone(),
        FieldErrors::new(),
    )
    .await?;
    page.from_note = Some(crate::layout::from_note("letter", &d));
    page.replaces = d.replaces;
    page.to = d.to.join("\n");
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LetterForm {
    template: String,
    body: String,
    /// A draft waiting for approval that this letter replaces.
    replaces: String,
    /// Address lines, one per line (empty: the constituent's address).
    to: String,
    /// `preview`: show the letter filled, make nothing.
    action: String,
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
        to: f.to.lines().map(str::to_owned).collect(),
        replaces: f.replaces.trim().parse().ok(),
    };
    // Shown (nothing made), or made; either way a refusal shows the form
    // again with its problems.
    let outcome = if f.action == "preview" {
        casework_app::letters::preview_letter(&s.app, &form.who.actor, id, &req)
            .await
            .map(Some)
    } else {
        match casework_app::letters::create(&s.app, &form.who.actor, id, &req).await {
            Ok(cid) => return Ok(see(format!("/correspondence/{cid}?notice=letter"))),
            Err(e) => Err(e),
        }
    };
    let (preview, errors) = match outcome {
        Ok(p) => (p, FieldErrors::new()),
        Err(AppError::Invalid(errors)) => (None, errors),
        Err(e) => return Err(e.into()),
    };
    let mut page = letter_form(
        &s,
        &form.who,
        id,
        f.template.clone(),
        f.body.clone(),
        errors,
    )
    .await?;
    page.preview = preview;
    page.replaces = req.replaces;
    page.to = f.to.clone();
    if page.errors.is_empty() {
        Ok(render(&page)?.into_response())
    } else {
        refused(&page)
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
    paper: String,
    signature_title: String,
    has_logo: bool,
    max_logo_mb: usize,
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
    let settings = casework_app::letters::letter_settings(&s.app, &who.actor).await?;
    let page = TemplatesPage {
        nav: nav(&who, "templates"),
        notice: notice(&q.notice),
        csrf: who.csrf.clone(),
        rows,
        can_edit: who.actor.can(Permission::EditTemplates),
        letterhead: settings.letterhead,
        paper: settings.paper,
        signature_title: settings.signature_title,
        has_logo: casework_app::letters::has_logo(&s.app, &who.actor).await?,
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
    if !who.actor.can(Permission::EditTemplates) {
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
    let preview = casework_app::letters::preview_saved(&s.app, &who.actor, id)
        .await
        .ok();
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
        match casework_app::letters::preview(&s.app, actor, &f.subject, &f.body).await {
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
    let field = |name: &str| form.fields.get(name).cloned().unwrap_or_default();
    let settings = casework_app::views::LetterSettings {
        letterhead: field("letterhead"),
        paper: field("paper"),
        signature_title: field("signature_title"),
    };
    let logo = match form.files.into_iter().next() {
        Some(file) => LogoChange::Set(file.data),
        None if form.fields.contains_key("remove_logo") => LogoChange::Remove,
        None => LogoChange::Keep,
    };
    casework_app::letters::save_letterhead(&s.app, &form.who.actor, &settings, logo).await?;
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

struct Row {
    id: i64,
    case: Option<(i64, String)>,
    subject: String,
    recipient: String,
    created: String,
    awaiting: bool,
    printed: String,
}

impl From<casework_app::views::PrintItem> for Row {
    fn from(i: casework_app::views::PrintItem) -> Self {
        Row {
            id: i.id,
            case: i.case_id.zip(i.case_reference),
            subject: i.subject,
            recipient: i.recipient,
            created: when(i.created_at),
            awaiting: i.approval == casework_app::domain::Approval::Awaiting,
            printed: i.printed_at.map(when).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "letters.html")]
struct QueuePage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    rows: Vec<Row>,
    /// Printed recently, newest first, to print again.
    printed: Vec<Row>,
    errors: FieldErrors,
}

async fn queue_view(
    s: &AppState,
    who: &PageActor,
    errors: FieldErrors,
) -> Result<QueuePage, PageError> {
    let items = letters::print_queue(&s.app, &who.actor).await?;
    let printed = letters::recently_printed(&s.app, &who.actor).await?;
    Ok(QueuePage {
        nav: nav(who, "letters"),
        notice: None,
        csrf: who.csrf.clone(),
        rows: items.into_iter().map(Row::from).collect(),
        printed: printed.into_iter().map(Row::from).collect(),
        errors,
    })
}

async fn queue_page(State(s): State<AppState>, who: PageActor) -> PageResult {
    Ok(render(&queue_view(&s, &who, FieldErrors::new()).await?)?.into_response())
}

/// The checked letters come as `letter_ID=on` fields.
async fn print(State(s): State<AppState>, form: CsrfForm<HashMap<String, String>>) -> PageResult {
    let mut ids: Vec<i64> = form
        .data
        .keys()
        .filter_map(|k| k.strip_prefix("letter_"))
        .filter_map(|id| id.parse().ok())
        .collect();
    ids.sort_unstable();
    match letters::print(&s.app, &form.who.actor, &ids).await {
        Ok(pdf) => Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"letters-{}.pdf\"", ids.len()),
                ),
            ],
            pdf,
        )
            .into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = queue_view(&s, &form.who, errors).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn approve(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    match letters::approve(&s.app, &form.who.actor, id).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/correspondence/{id}?notice=letter_approved")).into_response(),
        ),
        Err(AppError::Invalid(errors)) => {
            let page = correspondence_view(&s, &form.who, id, &None, errors).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
