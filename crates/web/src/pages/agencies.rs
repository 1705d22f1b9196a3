//! The agency directory (agencies, contacts, starter lists, CSV), the
//! office's follow-up settings, agency turnaround and the lists of
//! enquiries behind its figures.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::domain::{FieldErrors, Permission};
use casework_app::views::{Agency, AgencyContact};
use casework_app::{AppError, agencies, enquiries, tasks};
use serde::Deserialize;

use super::enquiries::{EnquiryRow, enquiry_row};
use crate::download::csv_download;
use crate::error::{PageError, PageResult, refused, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery, UploadForm};
use crate::layout::{Nav, nav, notice, pair, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/agencies", get(agencies_page).post(agency_add))
        .route("/agencies.csv", get(agencies_csv))
        .route("/agencies/import", post(agencies_import))
        .route("/agencies/starter", post(agencies_starter))
        .route("/agencies/settings", post(settings_save))
        .route("/agencies/quiet", get(quiet_page).post(quiet_save))
        .route("/agencies/turnaround", get(turnaround_page))
        .route("/agencies/{id}", get(agency_page).post(agency_save))
        .route("/agencies/{id}/contacts", post(contact_add))
        .route("/agencies/{id}/contacts/retire", post(contact_retire))
        .route("/enquiries", get(enquiries_page))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct SettingsForm {
    chases_before_escalation: String,
    time_zone: String,
    digest_hour: String,
    quiet_days: String,
}

async fn settings_save(State(s): State<AppState>, form: CsrfForm<SettingsForm>) -> PageResult {
    let f = &form.data;
    match tasks::save_settings(
        &s.app,
        &form.who.actor,
        f.chases_before_escalation.trim().parse().ok(),
        &f.time_zone,
        f.digest_hour.trim().parse().ok(),
        f.quiet_days.trim().parse().ok(),
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

// ----- days without news, by category -----

struct QuietRow {
    field: String,
    label: String,
    child: bool,
    value: String,
}

#[derive(Template)]
#[template(path = "quiet.html")]
struct QuietPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    office_days: i64,
    rows: Vec<QuietRow>,
    errors: FieldErrors,
}

async fn quiet_view(
    s: &AppState,
    who: &PageActor,
    sent: Option<&[(String, String)]>,
    errors: FieldErrors,
) -> Result<QuietPage, PageError> {
    let list = tasks::category_quiet(&s.app, &who.actor).await?;
    let office_days = tasks::settings(&s.app, &who.actor).await?.quiet_days;
    let names: std::collections::HashMap<i64, String> =
        list.iter().map(|c| (c.tag_id, c.name.clone())).collect();
    let rows = list
        .iter()
        .map(|c| {
            let field = format!("quiet_{}", c.tag_id);
            let value = sent
                .and_then(|p| p.iter().find(|(k, _)| *k == field))
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| c.quiet_days.map(|d| d.to_string()).unwrap_or_default());
            QuietRow {
                label: match c.parent_id.and_then(|p| names.get(&p)) {
                    Some(parent) => format!("{parent} › {}", c.name),
                    None => c.name.clone(),
                },
                child: c.parent_id.is_some(),
                field,
                value,
            }
        })
        .collect();
    Ok(QuietPage {
        nav: nav(who, "agencies"),
        notice: None,
        csrf: who.csrf.clone(),
        office_days,
        rows,
        errors,
    })
}

async fn quiet_page(State(s): State<AppState>, who: PageActor) -> PageResult {
    Ok(render(&quiet_view(&s, &who, None, FieldErrors::new()).await?)?.into_response())
}

async fn quiet_save(
    State(s): State<AppState>,
    form: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let values: Vec<(i64, String)> = form
        .data
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("quiet_")?.parse().ok()?, v.clone())))
        .collect();
    match tasks::save_category_quiet(&s.app, &form.who.actor, &values).await {
        Ok(()) => Ok(see("/agencies?notice=quiet".into())),
        Err(AppError::Invalid(errors)) => {
            refused(&quiet_view(&s, &form.who, Some(&form.data), errors).await?)
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
        nav: nav(who, "agencies"),
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
                quiet_days: o.quiet_days.to_string(),
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
        nav: nav(who, "agencies"),
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
    let (from, until) =
        agencies::period(&s.app.today(who.actor.office_id).await?, &q.from, &q.until)
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
        nav: nav(&who, "agencies"),
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
    /// Only those on cases assigned to this person.
    assignee_id: String,
    cursor: String,
}

#[derive(Template)]
#[template(path = "enquiries.html")]
struct EnquiriesPage {
    nav: Option<Nav>,
    notice: Option<String>,
    heading: String,
    rows: Vec<EnquiryRow>,
    /// The next page's address, if there is one.
    next: Option<String>,
    first_page: bool,
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
        assignee_id: q.assignee_id.trim().parse().ok(),
        cursor: Some(q.cursor.clone()),
        limit: Some(100),
    };
    let page = enquiries::list(&s.app, &who.actor, &f).await?;
    let name = match agency {
        Some(a) => agencies::get(&s.app, &who.actor, a).await?.0.name,
        None => "all agencies".into(),
    };
    let state = match q.state.as_str() {
        "answered" => "answered ",
        "open" => "waiting ",
        "overdue" => "overdue ",
        "due_soon" => "due within a week, ",
        "chase" => "to chase ",
        _ => "",
    };
    let period = match (q.from.is_empty(), q.until.is_empty()) {
        (false, false) => format!(", sent from {} until {}", q.from, q.until),
        _ => String::new(),
    };
    // The next page: the same filters, from the cursor.
    let next = page.next.map(|c| {
        let cursor = c.encode();
        let kept: Vec<(&str, &str)> = [
            ("agency", q.agency.as_str()),
            ("from", &q.from),
            ("until", &q.until),
            ("state", &q.state),
            ("assignee_id", &q.assignee_id),
            ("cursor", &cursor),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
        format!(
            "/enquiries?{}",
            serde_urlencoded::to_string(kept).unwrap_or_default()
        )
    });
    Ok(render(&EnquiriesPage {
        nav: nav(&who, "agencies"),
        notice: None,
        heading: format!("Enquiries {state}to {name}{period}"),
        rows: page.items.into_iter().map(enquiry_row).collect(),
        next,
        first_page: q.cursor.trim().is_empty(),
    })?
    .into_response())
}
