//! Third parties and follow-up: "my day" (the home page) with its tasks,
//! the agency directory, and enquiries written from a case with their
//! replies and chases.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::domain::{FieldErrors, Permission};
use casework_app::enquiries::{self, AnswerRequest, ChaseRequest, EnquiryRequest, EnquiryView};
use casework_app::tasks::{self, TaskInput, TaskUpdate, Whose};
use casework_app::views::{Agency, AgencyContact, Task};
use casework_app::{AppError, agencies, cases, letters};
use serde::Deserialize;

use crate::download::csv_download;
use crate::error::{PageError, PageResult, refused, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery, UploadForm};
use crate::layout::{Nav, nav, notice, pair, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(my_day))
        .route("/calendar", get(calendar_page).post(calendar_create))
        .route("/calendar/revoke", post(calendar_revoke))
        .route("/calendar/{file}", get(calendar_feed))
        .route("/tasks", post(task_add))
        .route("/digest", post(digest_set))
        .route("/agencies/settings", post(settings_save))
        .route("/tasks/{id}", post(task_change))
        .route("/agencies", get(agencies_page).post(agency_add))
        .route("/agencies.csv", get(agencies_csv))
        .route("/agencies/import", post(agencies_import))
        .route("/agencies/starter", post(agencies_starter))
        .route("/agencies/turnaround", get(turnaround_page))
        .route("/enquiries", get(enquiries_page))
        .route("/agencies/{id}", get(agency_page).post(agency_save))
        .route("/agencies/{id}/contacts", post(contact_add))
        .route("/agencies/{id}/contacts/retire", post(contact_retire))
        .route(
            "/cases/{id}/enquiries",
            get(enquiry_new_page).post(enquiry_open),
        )
        .route("/enquiries/{id}", get(enquiry_page))
        .route("/enquiries/{id}/answer", post(enquiry_answer))
        .route("/enquiries/{id}/chase", post(enquiry_chase))
}

/// A local address to go back to after a form (never another site).
fn back(to: &str, default: String) -> String {
    if to.starts_with('/') && !to.starts_with("//") && !to.contains('\\') {
        to.to_owned()
    } else {
        default
    }
}

// ----- my day -----

/// A task as lists show it.
pub(crate) struct TaskRow {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub case_id: Option<i64>,
    pub case_label: String,
    pub enquiry_id: Option<i64>,
    pub assignee: String,
    pub due_on: String,
    pub snoozed: String,
    pub note: String,
    pub done: bool,
    pub version: i64,
}

pub(crate) fn task_row(t: Task) -> TaskRow {
    TaskRow {
        kind: match t.kind.as_str() {
            "chase" => "Chase-up",
            "escalate" => "Escalation",
            "review" => "Review",
            _ => "Task",
        },
        case_label: match (&t.case_reference, &t.case_title) {
            (Some(r), Some(title)) => format!("{r} {title}"),
            _ => String::new(),
        },
        assignee: t.assignee_name.unwrap_or_else(|| "Nobody yet".into()),
        id: t.id,
        title: t.title,
        case_id: t.case_id,
        enquiry_id: t.enquiry_id,
        due_on: t.due_on,
        snoozed: t.snoozed,
        note: t.note,
        done: t.done_at.is_some(),
        version: t.version,
    }
}

#[derive(Template)]
#[template(path = "my_day.html")]
struct DayPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    today: String,
    heading: String,
    whose: String,
    oversee: bool,
    people: Vec<(String, String)>,
    overdue: Vec<TaskRow>,
    due_today: Vec<TaskRow>,
    this_week: Vec<TaskRow>,
    digest: bool,
    f: TaskForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DayQuery {
    notice: Option<String>,
    /// `everyone`, `unassigned` or a user's id (office managers).
    whose: String,
}

fn whose_of(text: &str, actor: &casework_app::Actor) -> Whose {
    match text {
        "everyone" => Whose::Everyone,
        "unassigned" => Whose::Unassigned,
        "" | "mine" => Whose::Mine,
        id => match id.parse::<i64>() {
            Ok(i) if i == actor.user_id => Whose::Mine,
            Ok(i) => Whose::Person(i),
            Err(_) => Whose::Mine,
        },
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct TaskForm {
    title: String,
    note: String,
    due_on: String,
    assignee_id: String,
    case_id: String,
    back: String,
}

async fn day_view(
    s: &AppState,
    who: &PageActor,
    whose_text: &str,
    f: TaskForm,
    errors: FieldErrors,
) -> Result<DayPage, PageError> {
    let whose = whose_of(whose_text, &who.actor);
    let day = tasks::day(&s.app, &who.actor, whose).await?;
    let oversee = who.actor.can(Permission::OverseeTasks);
    let staff = casework_app::staff::list_users(&s.app, &who.actor)
        .await
        .unwrap_or_default();
    let heading = match whose {
        Whose::Mine => "My day".to_owned(),
        Whose::Everyone => "Everyone's day".to_owned(),
        Whose::Unassigned => "Tasks nobody has".to_owned(),
        Whose::Person(p) => staff.iter().find(|m| m.id == p).map_or_else(
            || "Their day".to_owned(),
            |m| format!("{}'s day", m.display_name),
        ),
    };
    Ok(DayPage {
        nav: nav(&who.actor, &who.csrf, "home"),
        notice: None,
        csrf: who.csrf.clone(),
        today: day.today,
        heading,
        whose: whose_text.to_owned(),
        oversee,
        people: staff
            .iter()
            .filter(|m| m.active)
            .map(|m| (m.id.to_string(), m.display_name.clone()))
            .collect(),
        overdue: day.overdue.into_iter().map(task_row).collect(),
        due_today: day.due_today.into_iter().map(task_row).collect(),
        this_week: day.this_week.into_iter().map(task_row).collect(),
        digest: tasks::digest_enabled(&s.app, &who.actor).await?,
        f,
        errors,
    })
}

async fn my_day(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<DayQuery>,
) -> PageResult {
    let mut page = day_view(&s, &who, &q.whose, TaskForm::default(), FieldErrors::new()).await?;
    page.notice = notice(&q.notice);
    Ok(render(&page)?.into_response())
}

fn task_input(f: &TaskForm) -> TaskInput {
    TaskInput {
        title: f.title.clone(),
        note: f.note.clone(),
        case_id: f.case_id.trim().parse().ok(),
        assignee_id: f.assignee_id.trim().parse().ok(),
        due_on: f.due_on.clone(),
    }
}

async fn task_add(State(s): State<AppState>, form: CsrfForm<TaskForm>) -> PageResult {
    let f = &form.data;
    match tasks::create(&s.app, &form.who.actor, &task_input(f)).await {
        Ok(_) => Ok(see(with_notice(&back(&f.back, "/".into()), "task_added"))),
        Err(AppError::Invalid(errors)) => {
            let page = day_view(&s, &form.who, "", form.data.clone(), errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

fn with_notice(path: &str, code: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}notice={code}")
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct TaskChangeForm {
    action: String,
    until: String,
    reason: String,
    assignee_id: String,
    version: String,
    back: String,
}

async fn task_change(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<TaskChangeForm>,
) -> PageResult {
    let f = &form.data;
    let u = TaskUpdate {
        action: f.action.clone(),
        until: f.until.clone(),
        reason: f.reason.clone(),
        assignee_id: f.assignee_id.trim().parse().ok(),
        version: f.version.trim().parse().ok(),
    };
    let to = back(&f.back, "/".into());
    match tasks::change(&s.app, &form.who.actor, id, &u).await {
        Ok(()) => Ok(see(with_notice(&to, "task_changed"))),
        Err(AppError::Invalid(errors)) => {
            // Shown on the day page, with the message of each field.
            let page = day_view(&s, &form.who, "", TaskForm::default(), errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DigestForm {
    digest: String,
}

async fn digest_set(State(s): State<AppState>, form: CsrfForm<DigestForm>) -> PageResult {
    let on = form.data.digest == "on";
    tasks::set_digest(&s.app, &form.who.actor, on).await?;
    Ok(see(format!(
        "/?notice={}",
        if on { "digest_on" } else { "digest_off" }
    )))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct SettingsForm {
    chases_before_escalation: String,
    time_zone: String,
    digest_hour: String,
}

async fn settings_save(State(s): State<AppState>, form: CsrfForm<SettingsForm>) -> PageResult {
    let f = &form.data;
    match tasks::save_settings(
        &s.app,
        &form.who.actor,
        f.chases_before_escalation.trim().parse().ok(),
        &f.time_zone,
        f.digest_hour.trim().parse().ok(),
    )
    .await
    {
        Ok(()) => Ok(see("/agencies?notice=settings".into())),
        Err(AppError::Invalid(errors)) => {
            let mut page = agencies_view(&s, &form.who, AgencyForm::default(), errors).await?;
            page.settings = form.data.clone();
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

// ----- the agency directory -----

struct AgencyRow {
    id: i64,
    name: String,
    kind: &'static str,
    level: String,
    reply_days: i64,
    needs_consent: bool,
    email: String,
    retired: bool,
}

fn agency_row(a: &Agency) -> AgencyRow {
    AgencyRow {
        id: a.id,
        name: a.name.clone(),
        kind: agencies::kind_label(&a.kind),
        level: agencies::LEVELS
            .iter()
            .find(|(k, _)| *k == a.level)
            .map_or("", |(_, l)| *l)
            .to_owned(),
        reply_days: a.reply_days,
        needs_consent: a.needs_consent,
        email: a.email.clone(),
        retired: a.retired,
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct AgencyForm {
    name: String,
    kind: String,
    level: String,
    email: String,
    phone: String,
    address: String,
    reply_days: String,
    needs_consent: String,
    escalate_to: String,
    notes: String,
    retired: String,
    version: String,
}

impl AgencyForm {
    fn of(a: &Agency) -> Self {
        AgencyForm {
            name: a.name.clone(),
            kind: a.kind.clone(),
            level: a.level.clone(),
            email: a.email.clone(),
            phone: a.phone.clone(),
            address: a.address.clone(),
            reply_days: a.reply_days.to_string(),
            needs_consent: if a.needs_consent {
                "on".into()
            } else {
                String::new()
            },
            escalate_to: a.escalate_to.map(|i| i.to_string()).unwrap_or_default(),
            notes: a.notes.clone(),
            retired: if a.retired {
                "on".into()
            } else {
                String::new()
            },
            version: a.version.to_string(),
        }
    }

    fn input(&self) -> Result<agencies::AgencyInput, AppError> {
        let reply_days = match self.reply_days.trim() {
            "" => None,
            d => Some(d.parse::<i64>().map_err(|_| {
                AppError::field(
                    "reply_days",
                    "The reply window is a number of days from 1 to 365.",
                )
            })?),
        };
        Ok(agencies::AgencyInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            level: self.level.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            reply_days,
            needs_consent: self.needs_consent == "on",
            escalate_to: self.escalate_to.trim().parse().ok(),
            notes: self.notes.clone(),
            retired: self.retired == "on",
        })
    }
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    can_manage: bool,
    rows: Vec<AgencyRow>,
    kinds: Vec<(String, String)>,
    levels: Vec<(String, String)>,
    starters: Vec<(String, String)>,
    report: Option<String>,
    settings: SettingsForm,
    f: AgencyForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AgenciesQuery {
    notice: Option<String>,
    added: Option<u64>,
    kept: Option<u64>,
}

async fn agencies_view(
    s: &AppState,
    who: &PageActor,
    f: AgencyForm,
    errors: FieldErrors,
) -> Result<AgenciesPage, PageError> {
    let list = agencies::list(&s.app, &who.actor).await?;
    Ok(AgenciesPage {
        nav: nav(&who.actor, &who.csrf, "agencies"),
        notice: None,
        csrf: who.csrf.clone(),
        can_manage: who.actor.can(Permission::ManageAgencies),
        rows: list.iter().map(agency_row).collect(),
        kinds: agencies::KINDS.iter().map(|(a, b)| pair(a, b)).collect(),
        levels: agencies::LEVELS.iter().map(|(a, b)| pair(a, b)).collect(),
        starters: casework_app::agency_starters::STARTERS
            .iter()
            .map(|st| pair(st.key, st.label))
            .collect(),
        report: agencies::report(&s.app, &who.actor).await?,
        settings: {
            let o = tasks::settings(&s.app, &who.actor).await?;
            SettingsForm {
                chases_before_escalation: o.chases_before_escalation.to_string(),
                time_zone: o.time_zone,
                digest_hour: o.digest_hour.to_string(),
            }
        },
        f,
        errors,
    })
}

async fn agencies_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<AgenciesQuery>,
) -> PageResult {
    let mut page = agencies_view(&s, &who, AgencyForm::default(), FieldErrors::new()).await?;
    page.notice = match (q.added, q.kept) {
        (Some(a), Some(k)) => Some(format!(
            "{a} agencies added; {k} were in the directory already and were left as they are."
        )),
        _ => notice(&q.notice),
    };
    Ok(render(&page)?.into_response())
}

async fn agency_add(State(s): State<AppState>, form: CsrfForm<AgencyForm>) -> PageResult {
    let outcome = match form.data.input() {
        Ok(input) => agencies::create(&s.app, &form.who.actor, &input).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(id) => Ok(see(format!("/agencies/{id}?notice=created"))),
        Err(AppError::Invalid(errors)) => {
            let page = agencies_view(&s, &form.who, form.data.clone(), errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn agencies_csv(State(s): State<AppState>, who: PageActor) -> PageResult {
    let text = agencies::export_csv(&s.app, &who.actor).await?;
    Ok(csv_download("agencies.csv", text.into_bytes()))
}

async fn agencies_import(State(s): State<AppState>, form: UploadForm) -> PageResult {
    let who = form.who;
    let file = form.files.into_iter().find(|f| !f.data.is_empty());
    let outcome = match file {
        Some(f) => agencies::import_csv(&s.app, &who.actor, &f.data).await,
        None => Err(AppError::field(
            "file",
            format!(
                "Choose a CSV file with the header {}.",
                agencies::CSV_HEADER.join(",")
            ),
        )),
    };
    import_outcome(&s, &who, outcome).await
}

async fn import_outcome(
    s: &AppState,
    who: &PageActor,
    outcome: Result<agencies::ImportReport, AppError>,
) -> PageResult {
    match outcome {
        Ok(r) => Ok(see(format!(
            "/agencies?added={}&kept={}",
            r.added, r.already_there
        ))),
        Err(AppError::Invalid(errors)) => {
            let page = agencies_view(s, who, AgencyForm::default(), errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StarterForm {
    starter: String,
}

async fn agencies_starter(State(s): State<AppState>, form: CsrfForm<StarterForm>) -> PageResult {
    let outcome = agencies::add_starter(&s.app, &form.who.actor, &form.data.starter).await;
    import_outcome(&s, &form.who, outcome).await
}

#[derive(Template)]
#[template(path = "agency.html")]
struct AgencyPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    id: i64,
    name: String,
    can_manage: bool,
    kinds: Vec<(String, String)>,
    levels: Vec<(String, String)>,
    others: Vec<(String, String)>,
    contacts: Vec<AgencyContact>,
    f: AgencyForm,
    c: ContactForm,
    errors: FieldErrors,
    contact_errors: FieldErrors,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ContactForm {
    name: String,
    role: String,
    email: String,
    phone: String,
    address: String,
    contact_id: String,
}

async fn agency_view(
    s: &AppState,
    who: &PageActor,
    id: i64,
    f: Option<AgencyForm>,
    c: ContactForm,
    errors: FieldErrors,
    contact_errors: FieldErrors,
) -> Result<AgencyPage, PageError> {
    let (agency, contacts) = agencies::get(&s.app, &who.actor, id).await?;
    let others = agencies::list(&s.app, &who.actor)
        .await?
        .into_iter()
        .filter(|a| a.id != id && !a.retired)
        .map(|a| (a.id.to_string(), a.name))
        .collect();
    Ok(AgencyPage {
        nav: nav(&who.actor, &who.csrf, "agencies"),
        notice: None,
        csrf: who.csrf.clone(),
        id,
        name: agency.name.clone(),
        can_manage: who.actor.can(Permission::ManageAgencies),
        kinds: agencies::KINDS.iter().map(|(a, b)| pair(a, b)).collect(),
        levels: agencies::LEVELS.iter().map(|(a, b)| pair(a, b)).collect(),
        others,
        contacts,
        f: f.unwrap_or_else(|| AgencyForm::of(&agency)),
        c,
        errors,
        contact_errors,
    })
}

async fn agency_page(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<crate::layout::NoticeQuery>,
) -> PageResult {
    let mut page = agency_view(
        &s,
        &who,
        id,
        None,
        ContactForm::default(),
        FieldErrors::new(),
        FieldErrors::new(),
    )
    .await?;
    page.notice = notice(&q.notice);
    Ok(render(&page)?.into_response())
}

async fn agency_save(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<AgencyForm>,
) -> PageResult {
    let version = form.data.version.trim().parse().unwrap_or(-1);
    let outcome = match form.data.input() {
        Ok(input) => agencies::update(&s.app, &form.who.actor, id, version, &input).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(see(format!("/agencies/{id}?notice=saved"))),
        Err(AppError::Invalid(errors)) => {
            let page = agency_view(
                &s,
                &form.who,
                id,
                Some(form.data.clone()),
                ContactForm::default(),
                errors,
                FieldErrors::new(),
            )
            .await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn contact_add(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<ContactForm>,
) -> PageResult {
    let c = &form.data;
    let input = agencies::ContactInput {
        name: c.name.clone(),
        role: c.role.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        address: c.address.clone(),
    };
    match agencies::add_contact(&s.app, &form.who.actor, id, &input).await {
        Ok(_) => Ok(see(format!("/agencies/{id}?notice=contact_added"))),
        Err(AppError::Invalid(errors)) => {
            let page = agency_view(
                &s,
                &form.who,
                id,
                None,
                form.data.clone(),
                FieldErrors::new(),
                errors,
            )
            .await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn contact_retire(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<ContactForm>,
) -> PageResult {
    let Ok(contact) = form.data.contact_id.trim().parse::<i64>() else {
        return Err(AppError::NotFound.into());
    };
    agencies::retire_contact(&s.app, &form.who.actor, id, contact).await?;
    Ok(see(format!("/agencies/{id}?notice=contact_retired")))
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
        sent_on: e.sent_on,
        due_on: e.due_on,
        answered_on: e.answered_on.unwrap_or_default(),
        answer_note: e.answer_note,
        answer_id: e.answer_id,
        days_waited: v.days_waited,
        overdue: v.overdue,
        chases: e.chases,
        escalate_next: v.escalate_next,
        escalated_from: e.escalated_from,
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
        nav: nav(&who.actor, &who.csrf, "cases"),
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
        nav: nav(&who.actor, &who.csrf, "cases"),
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

// ----- agency turnaround and lists of enquiries -----

#[derive(Deserialize, Default)]
#[serde(default)]
struct PeriodQuery {
    from: String,
    until: String,
    /// `csv`: the table as a file.
    format: String,
}

#[derive(Template)]
#[template(path = "turnaround.html")]
struct TurnaroundPage {
    nav: Option<Nav>,
    notice: Option<String>,
    from: String,
    until: String,
    rows: Vec<agencies::Turnaround>,
    chart: String,
    errors: FieldErrors,
    csv_link: String,
    period_query: String,
}

async fn turnaround_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<PeriodQuery>,
) -> PageResult {
    let (rows, errors) = match agencies::turnaround(&s.app, &who.actor, &q.from, &q.until).await {
        Ok(r) => (r, FieldErrors::new()),
        Err(AppError::Invalid(e)) => (Vec::new(), e),
        Err(e) => return Err(e.into()),
    };
    if q.format == "csv" && errors.is_empty() {
        let text = agencies::turnaround_csv(&rows)?;
        return Ok(csv_download("agency-turnaround.csv", text.into_bytes()));
    }
    let (from, until) = agencies::period(&s.app, &q.from, &q.until)
        .unwrap_or_else(|_| (q.from.clone(), q.until.clone()));
    let bars: Vec<(String, i64)> = rows
        .iter()
        .filter_map(|r| r.median_days.map(|d| (r.name.clone(), d)))
        .collect();
    let chart = crate::chart::bar_chart(
        "turnaround",
        "Median days to reply, by agency",
        &format!(
            "The slowest agency, {}, took a median of {} days to reply to enquiries sent from {from} until {until}. The table below has every figure.",
            bars.first().map_or("none", |b| b.0.as_str()),
            bars.first().map_or(0, |b| b.1)
        ),
        &bars,
    );
    let period_query = format!("from={from}&until={until}");
    let page = TurnaroundPage {
        nav: nav(&who.actor, &who.csrf, "agencies"),
        notice: None,
        csv_link: format!("/agencies/turnaround?{period_query}&format=csv"),
        period_query,
        from,
        until,
        rows,
        chart,
        errors,
    };
    if page.errors.is_empty() {
        Ok(render(&page)?.into_response())
    } else {
        refused(&page)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EnquiriesQuery {
    agency: String,
    from: String,
    until: String,
    state: String,
}

#[derive(Template)]
#[template(path = "enquiries.html")]
struct EnquiriesPage {
    nav: Option<Nav>,
    notice: Option<String>,
    heading: String,
    rows: Vec<EnquiryRow>,
    truncated: bool,
}

async fn enquiries_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<EnquiriesQuery>,
) -> PageResult {
    let agency: Option<i64> = q.agency.trim().parse().ok();
    let f = enquiries::ListQuery {
        agency_id: agency,
        from: q.from.clone(),
        until: q.until.clone(),
        state: q.state.clone(),
    };
    let list = enquiries::list(&s.app, &who.actor, &f).await?;
    let name = match agency {
        Some(a) => agencies::get(&s.app, &who.actor, a).await?.0.name,
        None => "all agencies".into(),
    };
    let state = match q.state.as_str() {
        "answered" => "answered ",
        "open" => "waiting ",
        "overdue" => "overdue ",
        "chase" => "to chase ",
        _ => "",
    };
    let period = match (q.from.is_empty(), q.until.is_empty()) {
        (false, false) => format!(", sent from {} until {}", q.from, q.until),
        _ => String::new(),
    };
    let truncated = list.len() >= enquiries::LIST_MOST;
    Ok(render(&EnquiriesPage {
        nav: nav(&who.actor, &who.csrf, "agencies"),
        notice: None,
        heading: format!("Enquiries {state}to {name}{period}"),
        rows: list.into_iter().map(enquiry_row).collect(),
        truncated,
    })?
    .into_response())
}

// ----- calendar feed -----

/// The address the browser used, for showing full links (the scheme from
/// a proxy's X-Forwarded-Proto, else http).
pub(crate) fn origin(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    since: Option<String>,
    /// The new address, shown once.
    url: Option<String>,
}

async fn calendar_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<crate::layout::NoticeQuery>,
) -> PageResult {
    let since = casework_app::calendar::feed_since(&s.app, &who.actor).await?;
    Ok(render(&CalendarPage {
        nav: nav(&who.actor, &who.csrf, "home"),
        notice: notice(&q.notice),
        csrf: who.csrf.clone(),
        since: since.map(crate::fmt::day),
        url: None,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoFields {}

async fn calendar_create(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    form: CsrfForm<NoFields>,
) -> PageResult {
    let path = casework_app::calendar::create_feed(&s.app, &form.who.actor).await?;
    let since = casework_app::calendar::feed_since(&s.app, &form.who.actor).await?;
    Ok(render(&CalendarPage {
        nav: nav(&form.who.actor, &form.who.csrf, "home"),
        notice: Some("Your calendar address is made. Copy it now: it is shown only once.".into()),
        csrf: form.who.csrf.clone(),
        since: since.map(crate::fmt::day),
        url: Some(format!("{}{path}", origin(&headers))),
    })?
    .into_response())
}

async fn calendar_revoke(State(s): State<AppState>, form: CsrfForm<NoFields>) -> PageResult {
    casework_app::calendar::revoke_feed(&s.app, &form.who.actor).await?;
    Ok(see("/calendar?notice=calendar_revoked".into()))
}

/// The feed itself: no sign-in, the secret address is the key.
async fn calendar_feed(
    State(s): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    let token = file.strip_suffix(".ics").unwrap_or("");
    match casework_app::calendar::feed(&s.app, token).await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            text,
        )
            .into_response(),
        Err(AppError::NotFound) => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "This calendar address is not valid (it may have been revoked).\n",
        )
            .into_response(),
        Err(e) => crate::error::PageError(e).into_response(),
    }
}
