//! Enquiries written to third parties from a case: the form, an enquiry's
//! page with its reply and chases, and how a case shows its consents.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::domain::{FieldErrors, Permission};
use casework_app::enquiries::{self, AnswerRequest, ChaseRequest, EnquiryRequest, EnquiryView};
use casework_app::tasks::{self, Whose};
use casework_app::{AppError, agencies, cases, letters};
use serde::Deserialize;

use super::my_day::{TaskRow, task_row};
use crate::error::{PageError, PageResult, refused, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::layout::{Nav, nav, notice, pair, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/enquiries",
            get(enquiry_new_page).post(enquiry_open),
        )
        .route("/enquiries/{id}", get(enquiry_page))
        .route("/enquiries/{id}/answer", post(enquiry_answer))
        .route("/enquiries/{id}/chase", post(enquiry_chase))
}

// ----- enquiries -----

/// An enquiry as the case page and its own page show it.
pub(crate) struct EnquiryRow {
    pub id: i64,
    pub agency_id: i64,
    pub to: String,
    pub channel: String,
    pub asked: String,
    pub sent_on: String,
    pub due_on: String,
    pub answered_on: String,
    pub answer_note: String,
    pub answer_id: Option<i64>,
    pub days_waited: i64,
    pub overdue: bool,
    pub chases: i64,
    pub escalate_next: bool,
    pub escalated_from: Option<i64>,
    pub escalated_to: Option<i64>,
    pub case_id: i64,
    pub version: i64,
}

pub(crate) fn enquiry_row(v: EnquiryView) -> EnquiryRow {
    let e = v.enquiry;
    EnquiryRow {
        to: match &e.contact_name {
            Some(c) => format!("{c} ({})", e.agency_name),
            None => e.agency_name.clone(),
        },
        channel: enquiries::CHANNELS
            .iter()
            .find(|(k, _)| *k == e.channel)
            .map_or("", |(_, l)| *l)
            .to_owned(),
        id: e.id,
        agency_id: e.agency_id,
        asked: e.asked,
        sent_on: crate::fmt::day_label(&e.sent_on),
        due_on: crate::fmt::day_label(&e.due_on),
        answered_on: crate::fmt::day_label(&e.answered_on.unwrap_or_default()),
        answer_note: e.answer_note,
        answer_id: e.answer_id,
        days_waited: v.days_waited,
        overdue: v.overdue,
        chases: e.chases,
        escalate_next: v.escalate_next,
        escalated_from: e.escalated_from,
        escalated_to: e.escalated_to,
        case_id: e.case_id,
        version: e.version,
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct EnquiryForm {
    agency_id: String,
    contact_id: String,
    send: String,
    asked: String,
    template: String,
    subject: String,
    body: String,
    sent_on: String,
    due_on: String,
    escalates: String,
    override_consent: String,
}

#[derive(Template)]
#[template(path = "enquiry_form.html")]
struct EnquiryFormPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    case_id: i64,
    reference: String,
    case_title: String,
    blocked: Option<String>,
    agencies: Vec<(String, String)>,
    contacts: Vec<(String, String)>,
    channels: Vec<(String, String)>,
    templates: Vec<String>,
    fields: Vec<String>,
    escalating: Option<String>,
    can_override: bool,
    f: EnquiryForm,
    errors: FieldErrors,
}

async fn enquiry_form_view(
    s: &AppState,
    who: &PageActor,
    case_id: i64,
    f: EnquiryForm,
    errors: FieldErrors,
) -> Result<EnquiryFormPage, PageError> {
    let k = cases::get(&s.app, &who.actor, case_id).await?;
    who.actor.require(Permission::EditCases)?;
    let list = agencies::list(&s.app, &who.actor).await?;
    let mut contacts = Vec::new();
    for a in list.iter().filter(|a| !a.retired) {
        for c in agencies::get(&s.app, &who.actor, a.id).await?.1 {
            if !c.retired {
                let role = if c.role.is_empty() {
                    String::new()
                } else {
                    format!(", {}", c.role)
                };
                contacts.push((c.id.to_string(), format!("{}{role} — {}", c.name, a.name)));
            }
        }
    }
    let escalating = match f.escalates.trim().parse::<i64>() {
        Ok(e) => enquiries::get(&s.app, &who.actor, e).await.ok().map(|v| {
            format!(
                "{} (sent {}): {}",
                v.enquiry.agency_name, v.enquiry.sent_on, v.enquiry.asked
            )
        }),
        Err(_) => None,
    };
    Ok(EnquiryFormPage {
        nav: nav(who, "cases"),
        notice: None,
        csrf: who.csrf.clone(),
        case_id: k.id,
        reference: k.reference.clone(),
        case_title: k.title.clone(),
        blocked: (!k.status().is_active()).then(|| {
            format!(
                "This case is {}: reopen it before writing to a third party.",
                k.status().label().to_lowercase()
            )
        }),
        agencies: list
            .iter()
            .filter(|a| !a.retired)
            .map(|a| {
                let consent = if a.needs_consent {
                    " (needs consent)"
                } else {
                    ""
                };
                (
                    a.id.to_string(),
                    format!("{}{consent} — {} days", a.name, a.reply_days),
                )
            })
            .collect(),
        contacts,
        channels: enquiries::CHANNELS
            .iter()
            .map(|(a, b)| pair(a, b))
            .collect(),
        templates: letters::templates(&s.app, &who.actor)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        fields: letters::FIELD_NAMES
            .iter()
            .map(|f| format!("{{{{ {f} }}}}"))
            .collect(),
        escalating,
        can_override: who.actor.can(Permission::OverrideConsent),
        f,
        errors,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EnquiryNewQuery {
    /// Preselect this agency.
    agency: String,
    /// Escalate this enquiry.
    escalates: String,
}

async fn enquiry_new_page(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<EnquiryNewQuery>,
) -> PageResult {
    let mut f = EnquiryForm {
        send: "email".into(),
        agency_id: q.agency,
        escalates: q.escalates,
        ..Default::default()
    };
    if let Ok(e) = f.escalates.trim().parse::<i64>()
        && let Ok(v) = enquiries::get(&s.app, &who.actor, e).await
    {
        f.asked = v.enquiry.asked.clone();
        if f.agency_id.is_empty()
            && let Ok((a, _)) = agencies::get(&s.app, &who.actor, v.enquiry.agency_id).await
        {
            f.agency_id = a.escalate_to.map(|i| i.to_string()).unwrap_or_default();
        }
    }
    let page = enquiry_form_view(&s, &who, id, f, FieldErrors::new()).await?;
    Ok(render(&page)?.into_response())
}

async fn enquiry_open(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<EnquiryForm>,
) -> PageResult {
    let f = &form.data;
    let contact_id: Option<i64> = f.contact_id.trim().parse().ok();
    let req = EnquiryRequest {
        agency_id: f.agency_id.trim().parse().ok(),
        contact_id,
        send: f.send.clone(),
        asked: f.asked.clone(),
        template: f.template.clone(),
        subject: f.subject.clone(),
        body: f.body.clone(),
        sent_on: f.sent_on.clone(),
        due_on: f.due_on.clone(),
        escalates: f.escalates.trim().parse().ok(),
        override_consent: f.override_consent.clone(),
    };
    match enquiries::open(&s.app, &form.who.actor, id, &req).await {
        Ok(_) => Ok(see(format!("/cases/{id}?notice=enquiry"))),
        Err(AppError::Invalid(errors)) => {
            let page = enquiry_form_view(&s, &form.who, id, form.data.clone(), errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "enquiry.html")]
struct EnquiryPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    e: EnquiryRow,
    reference: String,
    case_title: String,
    templates: Vec<String>,
    channels: Vec<(String, String)>,
    tasks: Vec<TaskRow>,
    back_to: String,
    answer: AnswerForm,
    chase: ChaseForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct AnswerForm {
    answered_on: String,
    note: String,
    version: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ChaseForm {
    send: String,
    template: String,
    subject: String,
    body: String,
    due_on: String,
    version: String,
}

async fn enquiry_view(
    s: &AppState,
    who: &PageActor,
    id: i64,
    answer: AnswerForm,
    chase: ChaseForm,
    errors: FieldErrors,
) -> Result<EnquiryPage, PageError> {
    let v = enquiries::get(&s.app, &who.actor, id).await?;
    let k = cases::get(&s.app, &who.actor, v.enquiry.case_id).await?;
    let tasks = tasks::list(&s.app, &who.actor, Whose::Everyone, Some(k.id), false)
        .await?
        .into_iter()
        .filter(|t| t.enquiry_id == Some(id))
        .map(task_row)
        .collect();
    Ok(EnquiryPage {
        nav: nav(who, "cases"),
        notice: None,
        csrf: who.csrf.clone(),
        e: enquiry_row(v),
        reference: k.reference,
        case_title: k.title,
        templates: letters::templates(&s.app, &who.actor)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        channels: enquiries::CHANNELS
            .iter()
            .map(|(a, b)| pair(a, b))
            .collect(),
        tasks,
        back_to: format!("/enquiries/{id}"),
        answer,
        chase,
        errors,
    })
}

async fn enquiry_page(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<crate::layout::NoticeQuery>,
) -> PageResult {
    let chase = ChaseForm {
        send: "email".into(),
        ..Default::default()
    };
    let mut page = enquiry_view(
        &s,
        &who,
        id,
        AnswerForm::default(),
        chase,
        FieldErrors::new(),
    )
    .await?;
    page.notice = notice(&q.notice);
    Ok(render(&page)?.into_response())
}

async fn enquiry_answer(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<AnswerForm>,
) -> PageResult {
    let f = &form.data;
    let req = AnswerRequest {
        answered_on: f.answered_on.clone(),
        note: f.note.clone(),
        correspondence_id: None,
        version: f.version.trim().parse().ok(),
    };
    match enquiries::answer(&s.app, &form.who.actor, id, &req).await {
        Ok(()) => Ok(see(format!("/enquiries/{id}?notice=answered"))),
        Err(AppError::Invalid(errors)) => {
            let chase = ChaseForm {
                send: "email".into(),
                ..Default::default()
            };
            let page = enquiry_view(&s, &form.who, id, form.data.clone(), chase, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn enquiry_chase(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<ChaseForm>,
) -> PageResult {
    let f = &form.data;
    let req = ChaseRequest {
        send: f.send.clone(),
        template: f.template.clone(),
        subject: f.subject.clone(),
        body: f.body.clone(),
        due_on: f.due_on.clone(),
        version: f.version.trim().parse().ok(),
    };
    match enquiries::chase(&s.app, &form.who.actor, id, &req).await {
        Ok(()) => Ok(see(format!("/enquiries/{id}?notice=chased"))),
        Err(AppError::Invalid(errors)) => {
            let page = enquiry_view(
                &s,
                &form.who,
                id,
                AnswerForm::default(),
                form.data.clone(),
                errors,
            )
            .await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

// ----- consent -----

/// A consent as the case page shows it.
pub(crate) struct ConsentRow {
    pub id: i64,
    pub summary: String,
    pub given_on: String,
    pub until: String,
    pub note: String,
    pub document_id: Option<i64>,
    pub valid: bool,
    pub withdrawn: bool,
}

pub(crate) fn consent_row(v: enquiries::ConsentView) -> ConsentRow {
    let c = v.consent;
    let whom = if c.for_whom.is_empty() {
        String::new()
    } else {
        format!(" for {}", c.for_whom)
    };
    let how = enquiries::CONSENT_METHODS
        .iter()
        .find(|(k, _)| *k == c.method)
        .map_or("", |(_, l)| *l)
        .to_lowercase();
    let scope = if c.all_agencies {
        "all agencies".to_owned()
    } else {
        c.agency_names.clone()
    };
    ConsentRow {
        id: c.id,
        summary: format!("{}{whom} ({how}), covering {scope}", c.given_by),
        given_on: c.given_on,
        until: match (&c.withdrawn_on, &c.expires_on) {
            (Some(w), _) => format!("withdrawn {w}"),
            (None, Some(x)) => format!("until {x}"),
            (None, None) => "until withdrawn".into(),
        },
        note: c.note,
        document_id: c.document_id,
        valid: v.valid,
        withdrawn: c.withdrawn_on.is_some(),
    }
}
