//! Cases: the list with its filters, the case form, and one case with its
//! history, status, assignment, notes and the people on it.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::cases::{CaseInput, CasePatch, CaseQuery, NOTE_KINDS};
use std::collections::BTreeMap;

use casework_app::domain::{FieldErrors, Permission, Status};
use casework_app::tags::ItemTagOut;
use casework_app::views::{Case, Constituent};
use casework_app::{AppError, cases, constituents, correspondence, intake, tags};
use serde::Deserialize;

use crate::error::{PageError, PageResult, refused, render, unprocessable};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::fmt::{day, when};
use crate::layout::{Nav, NoticeQuery, nav, notice, pair, see};
use crate::pages::correspondence::MailRow;
use crate::pages::intake::MessageQuery;
use crate::pages::options::{assignee_options, status_options};
use crate::pages::outbox::outbox_label;
use crate::pages::tag_fields::{DimensionField, dimension_fields};
use crate::pages::timeline::{TimelineRow, timeline_rows};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/constituents/{id}/cases/new", get(case_new))
        .route("/cases", get(case_list).post(case_create))
        .route("/cases/{id}", get(case_page).post(case_save))
        .route("/cases/{id}/edit", get(case_edit))
        .route("/cases/{id}/status", post(case_status))
        .route("/cases/{id}/assign", post(case_assign))
        .route("/cases/{id}/notes", post(case_note))
        .route("/cases/{id}/consents", post(consent_add))
        .route("/cases/{id}/consents/withdraw", post(consent_withdraw))
        .route("/cases/{id}/consent-form", post(consent_form))
        .route("/cases/{id}/people", post(case_person))
        .route("/cases/{id}/people/choices", get(case_person_choices))
}

struct CaseRow {
    id: i64,
    reference: String,
    title: String,
    constituent: String,
    status: String,
    status_label: &'static str,
    urgency: String,
    assignee: String,
    category: String,
    opened: String,
    updated: String,
    sensitive: bool,
    unread: bool,
}

impl CaseRow {
    fn new(k: &Case, tags: &[ItemTagOut]) -> Self {
        CaseRow {
            id: k.id,
            reference: k.reference.clone(),
            title: k.title.clone(),
            constituent: k.constituent_name.clone(),
            status: k.status.clone(),
            status_label: k.status().label(),
            urgency: cases::tag_value(tags, "urgency").to_owned(),
            assignee: k.assignee_name.clone().unwrap_or_else(|| "—".into()),
            category: cases::tag_value(tags, "category").to_owned(),
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
    csrf: String,
    can_bulk: bool,
    tag_choices: crate::pages::tag_bulk::TagChoices,
    /// This list's address, to come back to after tagging.
    back: String,
    bulk: crate::pages::bulk::BulkBar,
    /// These filters, to save as a view.
    view_query: String,
    /// The person's saved views: (id, name, address).
    saved: Vec<(i64, String, String)>,
}

async fn case_list(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<CaseQuery>,
    PageQuery(n): PageQuery<NoticeQuery>,
) -> PageResult {
    let (rows, next, error) = match cases::list(&s.app, &who.actor, &q).await {
        Ok(page) => {
            let next = page
                .next
                .map(|c| format!("/cases?{}&cursor={}", list_query(&q), c.encode()));
            let ids: Vec<i64> = page.items.iter().map(|k| k.id).collect();
            let (tags, unread) = cases::list_marks(&s.app, &who.actor, &ids).await?;
            let rows = page
                .items
                .iter()
                .map(|k| CaseRow {
                    unread: unread.contains(&k.id),
                    ..CaseRow::new(k, tags.get(&k.id).map(Vec::as_slice).unwrap_or(&[]))
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
    let agencies = cases::facets(&s.app, &who.actor).await?;
    let categories = tags::framework(&s.app, &who.actor)
        .await?
        .dimension("category")
        .map(|d| {
            d.values
                .iter()
                .filter(|v| !v.retired)
                .map(|v| v.path.clone())
                .collect()
        })
        .unwrap_or_default();
    let heading = match q.view.as_str() {
        "mine" => "My cases",
        "unassigned" => "Unassigned cases",
        _ => "All cases",
    };
    let can_bulk = who.actor.can(Permission::EditCases);
    let page = CasesPage {
        csrf: who.csrf.clone(),
        can_bulk,
        tag_choices: if can_bulk {
            crate::pages::tag_bulk::tag_choices(&s, &who).await?
        } else {
            Vec::new()
        },
        back: format!("/cases?{}", list_query(&q)),
        bulk: crate::pages::bulk::BulkBar::new(&s, &who, "cases").await?,
        view_query: list_query(&q),
        saved: casework_app::saved_views::list(&s.app, &who.actor)
            .await?
            .into_iter()
            .map(|(v, href)| (v.id, v.name, href))
            .collect(),
        nav: nav(&who, if q.view == "mine" { "mine" } else { "cases" }),
        notice: notice(&n.notice),
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

/// The list's filters as a query string (without the paging cursor).
fn list_query(q: &CaseQuery) -> String {
    let number = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let pairs = [
        ("view", q.view.clone()),
        ("status", q.status.clone()),
        ("category", q.category.clone()),
        ("tag", number(q.tag)),
        (
            "exact",
            if q.exact {
                "true".into()
            } else {
                String::new()
            },
        ),
        ("opened_from", q.opened_from.clone()),
        ("opened_before", q.opened_before.clone()),
        ("transferred_from", q.transferred_from.clone()),
        ("transferred_before", q.transferred_before.clone()),
        ("location", q.location.clone()),
        ("agency", q.agency.clone()),
        ("assignee_id", number(q.assignee_id)),
        (
            "unassigned",
            if q.unassigned {
                "true".into()
            } else {
                String::new()
            },
        ),
        ("constituent_id", number(q.constituent_id)),
        ("resolved_from", q.resolved_from.clone()),
        ("resolved_before", q.resolved_before.clone()),
        ("closed_from", q.closed_from.clone()),
        ("closed_before", q.closed_before.clone()),
        ("review_before", q.review_before.clone()),
        ("updated_before", q.updated_before.clone()),
        (
            "sensitive",
            if q.sensitive {
                "true".into()
            } else {
                String::new()
            },
        ),
        ("sort", q.sort.clone()),
    ];
    let kept: Vec<(&str, String)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// The case form's values as text, for redisplay.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct CaseForm {
    constituent_id: String,
    title: String,
    summary: String,
    agency: String,
    assignee_id: String,
    review_date: String,
    version: String,
    message: String,
    /// `tag_<dimension>` fields (and the rest of the form, ignored).
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

impl CaseForm {
    fn from_case(k: &Case, tags: &[ItemTagOut]) -> Self {
        CaseForm {
            constituent_id: k.constituent_id.to_string(),
            title: k.title.clone(),
            summary: k.summary.clone(),
            agency: k.agency.clone(),
            rest: tags
                .iter()
                .filter(|t| t.dimension != "free")
                .map(|t| (format!("tag_{}", t.dimension), t.tag_id.to_string()))
                .collect(),
            assignee_id: k.assignee_id.map(|a| a.to_string()).unwrap_or_default(),
            review_date: k.review_date.clone().unwrap_or_default(),
            version: k.version.to_string(),
            message: String::new(),
        }
    }

    fn assignee(&self) -> Option<i64> {
        self.assignee_id.trim().parse().ok()
    }

    /// The chosen value of each dimension, by dimension key.
    fn tags(&self) -> BTreeMap<String, String> {
        self.rest
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("tag_")?.to_owned(), v.clone())))
            .collect()
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
    dimensions: Vec<DimensionField>,
    assignees: Vec<(String, String)>,
    agencies: Vec<String>,
    show_assignee: bool,
    errors: FieldErrors,
    conflict: Option<String>,
    message: Option<i64>,
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
    let agencies = cases::facets(&s.app, &who.actor).await?;
    let framework = tags::framework(&s.app, &who.actor).await?;
    Ok(CaseFormPage {
        dimensions: dimension_fields(&framework, &f.tags()),
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
        assignees: assignee_options(s, &who.actor).await?,
        show_assignee: who.actor.can(Permission::AssignCases),
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
    who.actor.require(Permission::OpenCases)?;
    let c = constituents::get(&s.app, &who.actor, id).await?;
    let mut f = CaseForm {
        constituent_id: id.to_string(),
        ..CaseForm::default()
    };
    // From a message: its subject is a good first title, its text a first summary.
    if let Some(mid) = q.message {
        let m = correspondence::get(&s.app, &who.actor, mid).await?;
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
        tags: f.tags(),
        agency: f.agency.clone(),
        assignee_id: f.assignee(),
        review_date: Some(f.review_date.clone()),
        ..CaseInput::default()
    };
    let message: Option<i64> = f.message.trim().parse().ok();
    match cases::open(&s.app, &form.who.actor, &input).await {
        Ok(k) => {
            if let Some(mid) = message {
                intake::file(
                    &s.app,
                    &form.who.actor,
                    mid,
                    Some(k.id),
                    None,
                    &Default::default(),
                )
                .await?;
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
    who.actor.require(Permission::EditCases)?;
    let c = constituents::get(&s.app, &who.actor, k.constituent_id).await?;
    let page = case_form_page(
        &s,
        &who,
        format!("Edit {}", k.reference),
        format!("/cases/{id}"),
        format!("/cases/{id}"),
        "Save",
        &c,
        CaseForm::from_case(
            &k,
            cases::tags_of(&s.app, &who.actor, &[k.id])
                .await?
                .get(&k.id)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        ),
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
        tags: Some(f.tags()),
        agency: Some(f.agency.clone()),
        assignee_id: if actor.can(Permission::AssignCases) {
            Some(f.assignee())
        } else {
            None
        },
        review_date: Some(Some(f.review_date.clone())),
        version: Some(f.version.trim().parse().unwrap_or(-1)),
        ..CasePatch::default()
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
    sensitive: bool,
    tags: Vec<ItemTagOut>,
    free_tags: Vec<String>,
    agency: String,
    opened: String,
    review_date: String,
    version: i64,
    /// Still needing work (and so transferable).
    active: bool,
}

/// A transfer as the case page shows it.
struct TransferRow {
    to: String,
    destination: String,
    when: String,
    by: String,
    correspondence_id: Option<i64>,
    reason: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    k: CaseDetail,
    people: Vec<casework_app::views::CasePerson>,
    timeline: Vec<TimelineRow>,
    next_statuses: Vec<(String, String)>,
    assignees: Vec<(String, String)>,
    note_kinds: Vec<(String, String)>,
    can_edit: bool,
    can_assign: bool,
    can_note: bool,
    errors: FieldErrors,
    correspondence: Vec<MailRow>,
    transfers: Vec<TransferRow>,
    enquiries: Vec<super::enquiries::EnquiryRow>,
    case_tasks: Vec<super::my_day::TaskRow>,
    consents: Vec<super::enquiries::ConsentRow>,
    consent_methods: Vec<(String, String)>,
    consent_agencies: Vec<(String, String)>,
    back_to: String,
    max_upload_mb: usize,
    /// Times the case was raised with the representative, newest first.
    flags: Vec<casework_app::review::Flag>,
    /// Adding a person: what was typed, and the people it could mean.
    person_query: String,
    relationship: String,
    person_choices: Vec<super::person_choice::PersonChoice>,
}

async fn case_view(
    s: &AppState,
    who: &PageActor,
    id: i64,
    notice_code: &Option<String>,
    errors: FieldErrors,
) -> Result<CasePage, PageError> {
    // The case first: it decides whether the reader may see it at all (and
    // is kept for the sections, which each check it). Then the sections,
    // most of them usually empty, read side by side: a page of a dozen
    // statements waits for the slowest, not for their sum (on a busy
    // server each waits its turn at the database).
    let k = cases::get(&s.app, &who.actor, id).await?;
    let (a, w, ids) = (&s.app, &who.actor, [id]);
    let (
        people,
        timeline,
        outbox,
        mail,
        mut tags,
        transfers,
        enquiries,
        case_tasks,
        consents,
        agencies,
        flags,
        assignees,
    ) = tokio::try_join!(
        cases::people(a, w, id),
        cases::timeline(a, w, id),
        // Email sent from the case shows how its sending is going, failures too.
        casework_app::outbox::for_case(a, w, id),
        correspondence::for_case(a, w, id),
        cases::tags_of(a, w, &ids),
        casework_app::transfers::of_case(a, w, id),
        casework_app::enquiries::for_case(a, w, id),
        casework_app::tasks::list(a, w, casework_app::tasks::Whose::Everyone, Some(id), true),
        casework_app::enquiries::consents(a, w, id),
        casework_app::agencies::list(a, w),
        casework_app::review_meeting::case_flags(a, w, id),
        async {
            if w.role.can(Permission::AssignCases) {
                casework_app::staff::list_users(a, w).await
            } else {
                Ok(Vec::new())
            }
        },
    )?;
    let correspondence = mail
        .iter()
        .map(|c| {
            let mut row = MailRow::from(c);
            row.delivery = outbox
                .iter()
                .find(|o| o.correspondence_id == c.id)
                .map(|o| {
                    (
                        o.state.to_string(),
                        outbox_label(o),
                        crate::layout::send_error_for(&who.actor, &o.last_error),
                    )
                });
            row
        })
        .collect();
    let tags = tags.remove(&k.id).unwrap_or_default();
    let assignees = super::options::assignee_choices(assignees);
    let transfers = transfers
        .into_iter()
        .map(|t| TransferRow {
            to: t.to,
            destination: t.destination,
            when: day(t.at_ms),
            by: t.by,
            correspondence_id: t.correspondence_id,
            reason: t.reason,
        })
        .collect();
    let enquiries = enquiries
        .into_iter()
        .map(super::enquiries::enquiry_row)
        .collect();
    let case_tasks = case_tasks
        .into_iter()
        .map(super::my_day::task_row)
        .collect();
    let consents = consents
        .into_iter()
        .map(super::enquiries::consent_row)
        .collect();
    let consent_agencies = agencies
        .into_iter()
        .filter(|a| !a.retired)
        .map(|a| (a.id.to_string(), a.name))
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
        assignees,
        note_kinds: NOTE_KINDS.iter().map(|(a, b)| pair(a, b)).collect(),
        can_edit: role.can(Permission::EditCases),
        can_assign: role.can(Permission::AssignCases),
        can_note: role.can(Permission::AddCaseNotes),
        people,
        person_query: String::new(),
        relationship: String::new(),
        person_choices: Vec::new(),
        timeline: timeline_rows(timeline.into_iter().rev().collect(), false),
        errors,
        correspondence,
        transfers,
        enquiries,
        case_tasks,
        consents,
        consent_methods: casework_app::enquiries::CONSENT_METHODS
            .iter()
            .map(|(a, b)| pair(a, b))
            .collect(),
        consent_agencies,
        back_to: format!("/cases/{id}"),
        flags,
        max_upload_mb: s.app.settings.max_message_bytes / (1024 * 1024),
        k: CaseDetail {
            id: k.id,
            status_label: k.status().label(),
            active: k.status().is_active(),
            free_tags: tags
                .iter()
                .filter(|t| t.dimension == "free")
                .map(|t| t.value.clone())
                .collect(),
            tags,
            reference: k.reference,
            title: k.title,
            summary: k.summary,
            constituent_id: k.constituent_id,
            constituent: k.constituent_name,
            status: k.status,
            assignee: k.assignee_name.unwrap_or_else(|| "Nobody".into()),
            assignee_id: k.assignee_id.map(|a| a.to_string()).unwrap_or_default(),
            sensitive: k.sensitive,
            agency: dash(&k.agency),
            opened: day(k.opened_at),
            review_date: dash(&crate::fmt::day_label(
                k.review_date.as_deref().unwrap_or(""),
            )),
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
pub(crate) async fn case_with_errors(
    s: &AppState,
    who: &PageActor,
    id: i64,
    e: AppError,
) -> PageResult {
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
    /// The person chosen.
    constituent_id: String,
    /// Or what is known of them: a name, email, phone number or postcode.
    person: String,
    relationship: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChoicesQuery {
    person: String,
}

/// The people to add to the case, as one types (people.js).
async fn case_person_choices(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<ChoicesQuery>,
) -> PageResult {
    cases::get(&s.app, &who.actor, id).await?;
    who.actor.require(Permission::EditCases)?;
    super::person_choice::fragment(&s, &who, &q.person, format!("/cases/{id}/people"), "Add").await
}

async fn case_person(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<PersonForm>,
) -> PageResult {
    let Ok(person) = form.data.constituent_id.trim().parse::<i64>() else {
        // A search step: the people what was typed could mean, to choose.
        let q = form.data.person.trim();
        if q.is_empty() {
            return case_with_errors(
                &s,
                &form.who,
                id,
                AppError::field("person", "Type a name, email, phone number or postcode."),
            )
            .await;
        }
        let found = match casework_app::constituents::matches(&s.app, &form.who.actor, q, 10).await
        {
            Ok(found) => found,
            Err(e) => return case_with_errors(&s, &form.who, id, e).await,
        };
        if found.is_empty() {
            return case_with_errors(
                &s,
                &form.who,
                id,
                AppError::field(
                    "person",
                    format!("Nobody on file matches \"{q}\". Check the spelling, or add them as a constituent first."),
                ),
            )
            .await;
        }
        let mut page = case_view(&s, &form.who, id, &None, FieldErrors::new()).await?;
        page.person_query = q.to_owned();
        page.relationship = form.data.relationship.trim().to_owned();
        page.person_choices = found.into_iter().map(Into::into).collect();
        return Ok(render(&page)?.into_response());
    };
    match cases::add_person(&s.app, &form.who.actor, id, person, &form.data.relationship).await {
        Ok(()) => Ok(see(format!("/cases/{id}?notice=person"))),
        Err(e) => case_with_errors(&s, &form.who, id, e).await,
    }
}

// ----- consent to act -----

async fn consent_add(
    State(s): State<AppState>,
    Id(id): Id,
    form: crate::extract::UploadForm,
) -> PageResult {
    let field = |k: &str| form.fields.get(k).cloned().unwrap_or_default();
    let req = casework_app::enquiries::ConsentRequest {
        given_by: field("given_by"),
        for_whom: field("for_whom"),
        all_agencies: field("scope") != "listed",
        agency_ids: form
            .fields
            .iter()
            .filter(|(k, _)| k.starts_with("agency-"))
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
        method: field("method"),
        note: field("consent_note"),
        given_on: field("given_on"),
        expires_on: field("expires_on"),
        document_id: None,
    };
    let files = form
        .files
        .into_iter()
        .filter(|f| !f.data.is_empty())
        .map(crate::extract::Upload::into_file)
        .collect();
    match casework_app::enquiries::record_consent_with_form(
        &s.app,
        &form.who.actor,
        id,
        &req,
        files,
    )
    .await
    {
        Ok(_) => Ok(see(format!("/cases/{id}?notice=consent#consent-h"))),
        Err(e) => case_with_errors(&s, &form.who, id, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WithdrawForm {
    consent_id: String,
}

async fn consent_withdraw(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<WithdrawForm>,
) -> PageResult {
    let Ok(consent) = form.data.consent_id.trim().parse::<i64>() else {
        return Err(AppError::NotFound.into());
    };
    casework_app::enquiries::withdraw_consent(&s.app, &form.who.actor, id, consent).await?;
    Ok(see(format!(
        "/cases/{id}?notice=consent_withdrawn#consent-h"
    )))
}

async fn consent_form(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<WithdrawForm>,
) -> PageResult {
    match casework_app::enquiries::consent_form(&s.app, &form.who.actor, id).await {
        Ok(letter) => Ok(see(format!("/correspondence/{letter}?notice=consent_form"))),
        Err(e) => case_with_errors(&s, &form.who, id, e).await,
    }
}
