//! Third parties in the JSON API: the office's directory of agencies and
//! their contacts, the enquiries written to them from cases (answered,
//! chased), and tasks.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use casework_app::AppError;
use casework_app::agencies::{self, AgencyInput, ContactInput};
use casework_app::enquiries::{self, AnswerRequest, ChaseRequest, EnquiryRequest, EnquiryView};
use casework_app::tasks::{self, TaskInput, TaskUpdate, Whose};
use casework_app::views::{Agency, AgencyContact, Task};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{
    ApiResult, Conflict, Forbidden, Invalid, NotFound, Unauthorized, created, if_match,
};
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, ApiQuery, Id};
use crate::fmt::iso;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/agencies", get(list_agencies).post(create_agency))
        .route("/agencies/{id}", get(get_agency).patch(patch_agency))
        .route("/agencies/{id}/contacts", post(add_contact))
        .route(
            "/agencies/{id}/contacts/{contact_id}/retire",
            post(retire_contact),
        )
        .route(
            "/cases/{id}/enquiries",
            get(case_enquiries).post(open_enquiry),
        )
        .route(
            "/cases/{id}/consents",
            get(case_consents).post(record_consent),
        )
        .route(
            "/cases/{id}/consents/{consent_id}/withdraw",
            post(withdraw_consent),
        )
        .route("/cases/{id}/consent-form", post(consent_form))
        .route(
            "/me/calendar-feed",
            get(calendar_feed_status)
                .post(calendar_feed_create)
                .delete(calendar_feed_revoke),
        )
        .route("/me/digest", get(digest_status).put(digest_put))
        .route("/enquiries", get(list_enquiries))
        .route("/enquiries/{id}", get(get_enquiry))
        .route("/enquiries/{id}/answer", post(answer_enquiry))
        .route("/enquiries/{id}/chase", post(chase_enquiry))
        .route("/tasks", get(list_tasks).post(create_task))
        .route("/tasks/{id}", get(get_task).patch(patch_task))
}

use crate::api::common::one_of;

fn keys_with_default(list: &[(&'static str, &'static str)]) -> Vec<&'static str> {
    std::iter::once("")
        .chain(list.iter().map(|(k, _)| *k))
        .collect()
}

one_of!(
    AgencyKind,
    "The kind of third party; empty: `department`.",
    keys_with_default(agencies::KINDS)
);
one_of!(
    AgencyLevel,
    "The level of government; empty: not said (`other`: not government).",
    agencies::LEVELS.iter().map(|(k, _)| *k).collect()
);
one_of!(
    EnquiryChannel,
    "How it goes: `email` from Casework, a `letter` printed here, or made by `phone` or an `other` way (recorded only); empty: `email`.",
    keys_with_default(enquiries::CHANNELS)
);
one_of!(
    TaskAction,
    "What to do with the task.",
    vec!["complete", "snooze", "reassign", "reopen"]
);

/// The `{contact_id}` segment of a path, as a number.
fn contact_param(raw: &axum::extract::RawPathParams) -> ApiResult<i64> {
    path_param(raw, "contact_id")
}

fn path_param(raw: &axum::extract::RawPathParams, name: &str) -> ApiResult<i64> {
    raw.iter()
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| v.parse().ok())
        .ok_or(ApiError(AppError::NotFound))
}

// ----- Agencies -----

/// An agency of the office's directory.
#[derive(Serialize, ToSchema)]
pub struct AgencyOut {
    id: i64,
    /// Unique in the office (case and spacing do not count).
    name: String,
    /// `department`, `agency`, `ministry`, `minister`, `local_authority`,
    /// `housing_provider`, `health`, `representative` or `other`.
    kind: String,
    /// `federal`, `provincial`, `municipal`, `other` (not government), or
    /// empty (not said).
    level: String,
    /// Its general address for enquiries, or empty.
    email: String,
    phone: String,
    /// Its postal address, a line each, or empty.
    address: String,
    /// Days it has to reply before Casework chases.
    reply_days: i64,
    /// Whether the constituent's written consent is needed before writing.
    needs_consent: bool,
    /// Where to escalate when it does not reply (another agency's id).
    escalate_to: Option<i64>,
    notes: String,
    /// No longer written to (kept for the enquiries made to it).
    retired: bool,
    updated_at: String,
    version: i64,
}

impl From<Agency> for AgencyOut {
    fn from(a: Agency) -> Self {
        AgencyOut {
            id: a.id,
            name: a.name,
            kind: a.kind,
            level: a.level,
            email: a.email,
            phone: a.phone,
            address: a.address,
            reply_days: a.reply_days,
            needs_consent: a.needs_consent,
            escalate_to: a.escalate_to,
            notes: a.notes,
            retired: a.retired,
            updated_at: iso(a.updated_at),
            version: a.version,
        }
    }
}

/// A person at an agency.
#[derive(Serialize, ToSchema)]
pub struct AgencyContactOut {
    id: i64,
    agency_id: i64,
    name: String,
    /// Their role ("Caseworker, MP enquiries"), or empty.
    role: String,
    email: String,
    phone: String,
    /// Their postal address, a line each; empty: the agency's.
    address: String,
    /// No longer there (kept for the enquiries sent to them).
    retired: bool,
}

impl From<AgencyContact> for AgencyContactOut {
    fn from(c: AgencyContact) -> Self {
        AgencyContactOut {
            id: c.id,
            agency_id: c.agency_id,
            name: c.name,
            role: c.role,
            email: c.email,
            phone: c.phone,
            address: c.address,
            retired: c.retired,
        }
    }
}

/// An agency with its contacts.
#[derive(Serialize, ToSchema)]
pub struct AgencyDetailOut {
    #[serde(flatten)]
    agency: AgencyOut,
    /// Current contacts first (by name), then retired ones.
    contacts: Vec<AgencyContactOut>,
}

#[derive(Serialize, ToSchema)]
pub struct AgencyList {
    /// Every agency of the office by name, retired ones too (marked).
    items: Vec<AgencyOut>,
    /// How each agency with enquiries in the period answered them (only
    /// enquiries on cases the reader may see), the slowest first.
    turnaround: Vec<agencies::Turnaround>,
    /// The period: enquiries sent from this day…
    from: String,
    /// …until before this one.
    until: String,
}

/// The period of the turnaround figures.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub(crate) struct PeriodParams {
    /// Sent on or after, `YYYY-MM-DD` (default: 90 days before `until`).
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    from: String,
    /// Sent before, `YYYY-MM-DD` (default: tomorrow, so today counts).
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    until: String,
}

/// A new agency (`casework_app::agencies::AgencyInput` as the API reads
/// it). Text is trimmed; lengths count characters.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = AgencyInput)]
#[allow(dead_code)]
pub(crate) struct AgencyInputDoc {
    /// Unique in the office (case and spacing do not count); not blank.
    #[schema(required = true, min_length = 1, max_length = 200, pattern = r"\S")]
    name: String,
    #[schema(value_type = AgencyKind)]
    kind: String,
    #[schema(value_type = AgencyLevel)]
    level: String,
    /// Its general email address for enquiries.
    email: String,
    /// 6 to 20 digits with the usual punctuation.
    phone: String,
    /// Its postal address, a line each (at most 10 lines of 200 characters).
    address: String,
    /// Days it has to reply before Casework chases; default 21.
    #[schema(minimum = 1, maximum = 365)]
    reply_days: Option<i64>,
    /// Whether the constituent's written consent is needed before writing.
    needs_consent: bool,
    /// Where to escalate when it does not reply: another agency of the
    /// office (its id).
    escalate_to: Option<i64>,
    #[schema(max_length = 2000)]
    notes: String,
    /// No longer written to (kept for the enquiries made to it).
    retired: bool,
}

/// A partial change of an agency: absent fields stay as they are. For
/// `escalate_to`, an explicit `null` clears it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgencyPatch {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    name: Option<String>,
    #[schema(value_type = Option<AgencyKind>, inline)]
    kind: Option<String>,
    #[schema(value_type = Option<AgencyLevel>, inline)]
    level: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    /// A line each (at most 10 lines of 200 characters).
    address: Option<String>,
    #[schema(minimum = 1, maximum = 365)]
    reply_days: Option<i64>,
    needs_consent: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    escalate_to: Option<Option<i64>>,
    #[schema(max_length = 2000)]
    notes: Option<String>,
    retired: Option<bool>,
    /// The version the change is made against (needed here or in the
    /// `If-Match` header).
    version: Option<i64>,
}

/// A field that is present, even as `null`, is `Some`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl AgencyPatch {
    /// The agency as it is, with the fields given changed.
    fn onto(self, a: Agency) -> AgencyInput {
        AgencyInput {
            name: self.name.unwrap_or(a.name),
            kind: self.kind.unwrap_or(a.kind),
            level: self.level.unwrap_or(a.level),
            email: self.email.unwrap_or(a.email),
            phone: self.phone.unwrap_or(a.phone),
            address: self.address.unwrap_or(a.address),
            reply_days: Some(self.reply_days.unwrap_or(a.reply_days)),
            needs_consent: self.needs_consent.unwrap_or(a.needs_consent),
            escalate_to: self.escalate_to.unwrap_or(a.escalate_to),
            notes: self.notes.unwrap_or(a.notes),
            retired: self.retired.unwrap_or(a.retired),
        }
    }
}

/// A new contact at an agency (`casework_app::agencies::ContactInput` as
/// the API reads it). Text is trimmed; lengths count characters.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = ContactInput)]
#[allow(dead_code)]
pub(crate) struct ContactInputDoc {
    /// Not blank.
    #[schema(required = true, min_length = 1, max_length = 200, pattern = r"\S")]
    name: String,
    /// Their role ("Caseworker, MP enquiries").
    #[schema(max_length = 200)]
    role: String,
    email: String,
    /// 6 to 20 digits with the usual punctuation.
    phone: String,
    /// Their postal address, a line each (at most 10 lines of 200
    /// characters); empty: the agency's.
    address: String,
}

async fn agency_detail(
    s: &AppState,
    a: &casework_app::Actor,
    id: i64,
) -> ApiResult<AgencyDetailOut> {
    let (agency, contacts) = agencies::get(&s.app, a, id).await?;
    Ok(AgencyDetailOut {
        agency: agency.into(),
        contacts: contacts.into_iter().map(Into::into).collect(),
    })
}

async fn contact(
    s: &AppState,
    a: &casework_app::Actor,
    agency_id: i64,
    contact_id: i64,
) -> ApiResult<AgencyContactOut> {
    let (_, contacts) = agencies::get(&s.app, a, agency_id).await?;
    contacts
        .into_iter()
        .find(|c| c.id == contact_id)
        .map(Into::into)
        .ok_or(ApiError(AppError::NotFound))
}

/// The office's directory of third parties: everyone in the office may read it.
#[utoipa::path(get, path = "/api/v1/agencies", tag = "agencies", params(PeriodParams),
    responses((status = 200, body = AgencyList), Unauthorized, Invalid))]
pub(crate) async fn list_agencies(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<PeriodParams>,
) -> ApiResult<axum::Json<AgencyList>> {
    let items = agencies::list(&s.app, &a).await?;
    let (from, until) = agencies::period(&s.app.today(a.office_id).await?, &q.from, &q.until)?;
    let turnaround = agencies::turnaround(&s.app, &a, &from, &until).await?;
    Ok(axum::Json(AgencyList {
        items: items.into_iter().map(Into::into).collect(),
        turnaround,
        from,
        until,
    }))
}

/// Enquiries by agency, period and state, on cases the reader may see,
/// newest first, a page at a time: the lists behind the turnaround figures.
#[utoipa::path(get, path = "/api/v1/enquiries", tag = "enquiries", params(enquiries::ListQuery),
    responses((status = 200, body = EnquiryList), Unauthorized, Invalid))]
pub(crate) async fn list_enquiries(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<enquiries::ListQuery>,
) -> ApiResult<axum::Json<EnquiryList>> {
    let page = enquiries::list(&s.app, &a, &q).await?;
    Ok(axum::Json(EnquiryList {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// Adds an agency to the directory (office managers and administrators).
#[utoipa::path(post, path = "/api/v1/agencies", tag = "agencies", request_body = AgencyInputDoc,
    responses((status = 201, body = AgencyDetailOut), Unauthorized, Forbidden, Invalid))]
pub(crate) async fn create_agency(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<AgencyInput>,
) -> ApiResult<Response> {
    let id = agencies::create(&s.app, &a, &input).await?;
    Ok(created(agency_detail(&s, &a, id).await?))
}

#[utoipa::path(get, path = "/api/v1/agencies/{id}", tag = "agencies", params(("id" = i64, Path)),
    responses((status = 200, body = AgencyDetailOut), Unauthorized, NotFound))]
pub(crate) async fn get_agency(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<AgencyDetailOut>> {
    Ok(axum::Json(agency_detail(&s, &a, id).await?))
}

/// Changes an agency (office managers and administrators); retiring it
/// (`retired`) keeps it for the enquiries made to it.
#[utoipa::path(patch, path = "/api/v1/agencies/{id}", tag = "agencies",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The version the change is made against")),
    request_body = AgencyPatch,
    responses((status = 200, body = AgencyDetailOut), Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
pub(crate) async fn patch_agency(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<AgencyPatch>,
) -> ApiResult<axum::Json<AgencyDetailOut>> {
    let Some(version) = if_match(&headers)?.or(patch.version) else {
        return Err(ApiError(AppError::field(
            "version",
            "Send the version the change is made against (`version` or If-Match).",
        )));
    };
    let (current, _) = agencies::get(&s.app, &a, id).await?;
    let input = patch.onto(current);
    agencies::update(&s.app, &a, id, version, &input).await?;
    Ok(axum::Json(agency_detail(&s, &a, id).await?))
}

/// Adds a contact to an agency (office managers and administrators).
#[utoipa::path(post, path = "/api/v1/agencies/{id}/contacts", tag = "agencies", params(("id" = i64, Path)),
    request_body = ContactInputDoc,
    responses((status = 201, body = AgencyContactOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn add_contact(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(input): ApiJson<ContactInput>,
) -> ApiResult<Response> {
    let contact_id = agencies::add_contact(&s.app, &a, id, &input).await?;
    Ok(created(contact(&s, &a, id, contact_id).await?))
}

/// Marks a contact as no longer there (office managers and
/// administrators); kept for the enquiries sent to them. Doing it again
/// changes nothing.
#[utoipa::path(post, path = "/api/v1/agencies/{id}/contacts/{contact_id}/retire", tag = "agencies",
    params(("id" = i64, Path), ("contact_id" = i64, Path, description = "A contact id from `GET /api/v1/agencies/{id}`")),
    responses((status = 200, body = AgencyContactOut), Unauthorized, Forbidden, NotFound))]
pub(crate) async fn retire_contact(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    raw: axum::extract::RawPathParams,
) -> ApiResult<axum::Json<AgencyContactOut>> {
    let contact_id = contact_param(&raw)?;
    agencies::retire_contact(&s.app, &a, id, contact_id).await?;
    Ok(axum::Json(contact(&s, &a, id, contact_id).await?))
}

// ----- Calendar feed -----

/// One's calendar feed.
#[derive(Serialize, ToSchema)]
pub struct CalendarFeedOut {
    /// Whether there is a live address.
    active: bool,
    /// When it was made (RFC 3339).
    since: Option<String>,
    /// The secret address, only in the answer that makes it.
    url: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me/calendar-feed", tag = "tasks",
    responses((status = 200, body = CalendarFeedOut), Unauthorized))]
pub(crate) async fn calendar_feed_status(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> ApiResult<axum::Json<CalendarFeedOut>> {
    let since = casework_app::calendar::feed_since(&s.app, &a).await?;
    Ok(axum::Json(CalendarFeedOut {
        active: since.is_some(),
        since: since.map(iso),
        url: None,
    }))
}

/// Makes one's calendar feed address (an iCalendar file of one's tasks,
/// reply dates and review dates), revoking any earlier one. The address is
/// in this answer only.
#[utoipa::path(post, path = "/api/v1/me/calendar-feed", tag = "tasks",
    responses((status = 201, body = CalendarFeedOut), Unauthorized))]
pub(crate) async fn calendar_feed_create(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let path = casework_app::calendar::create_feed(&s.app, &a).await?;
    let since = casework_app::calendar::feed_since(&s.app, &a).await?;
    Ok(created(CalendarFeedOut {
        active: true,
        since: since.map(iso),
        url: Some(format!("{}{path}", crate::pages::origin(&headers))),
    }))
}

/// Revokes one's calendar feed: its address stops working at once.
#[utoipa::path(delete, path = "/api/v1/me/calendar-feed", tag = "tasks",
    responses((status = 204, description = "Revoked (or there was none)"), Unauthorized))]
pub(crate) async fn calendar_feed_revoke(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> ApiResult<StatusCode> {
    casework_app::calendar::revoke_feed(&s.app, &a).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether one gets the daily digest of tasks due and overdue.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DigestSetting {
    enabled: bool,
}

#[utoipa::path(get, path = "/api/v1/me/digest", tag = "tasks",
    responses((status = 200, body = DigestSetting), Unauthorized))]
pub(crate) async fn digest_status(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> ApiResult<axum::Json<DigestSetting>> {
    Ok(axum::Json(DigestSetting {
        enabled: tasks::digest_enabled(&s.app, &a).await?,
    }))
}

/// Turns one's daily digest email on or off.
#[utoipa::path(put, path = "/api/v1/me/digest", tag = "tasks", request_body = DigestSetting,
    responses((status = 200, body = DigestSetting), Unauthorized, Invalid))]
pub(crate) async fn digest_put(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(d): ApiJson<DigestSetting>,
) -> ApiResult<axum::Json<DigestSetting>> {
    tasks::set_digest(&s.app, &a, d.enabled).await?;
    Ok(axum::Json(DigestSetting {
        enabled: tasks::digest_enabled(&s.app, &a).await?,
    }))
}

// ----- Consent -----

/// The constituent's written consent for the office to act for them.
#[derive(Serialize, ToSchema)]
pub struct ConsentOut {
    id: i64,
    case_id: i64,
    given_by: String,
    /// For whom, when not the person who gave it.
    for_whom: String,
    /// Every agency, or only `agency_ids`.
    all_agencies: bool,
    agency_ids: Vec<i64>,
    /// `signed_form`, `email`, `phone` or `in_person`.
    method: String,
    note: String,
    /// YYYY-MM-DD.
    given_on: String,
    /// YYYY-MM-DD; null: until withdrawn.
    expires_on: Option<String>,
    /// The signed form or the email on the case (a correspondence id).
    document_id: Option<i64>,
    /// YYYY-MM-DD, when withdrawn.
    withdrawn_on: Option<String>,
    /// Whether it holds today.
    valid: bool,
}

impl From<enquiries::ConsentView> for ConsentOut {
    fn from(v: enquiries::ConsentView) -> Self {
        let c = v.consent;
        ConsentOut {
            id: c.id,
            case_id: c.case_id,
            given_by: c.given_by,
            for_whom: c.for_whom,
            all_agencies: c.all_agencies,
            agency_ids: c
                .agency_ids
                .split(',')
                .filter_map(|a| a.trim().parse().ok())
                .collect(),
            method: c.method,
            note: c.note,
            given_on: c.given_on,
            expires_on: c.expires_on,
            document_id: c.document_id,
            withdrawn_on: c.withdrawn_on,
            valid: v.valid,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConsentList {
    /// Newest first.
    items: Vec<ConsentOut>,
}

/// Consent to record (`casework_app::enquiries::ConsentRequest` as the API
/// reads it).
#[derive(Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = ConsentRequest)]
#[allow(dead_code)]
pub(crate) struct ConsentRequestDoc {
    /// Who gave it; default: the case's constituent.
    #[schema(max_length = 200)]
    given_by: String,
    /// For whom, when not themselves.
    #[schema(max_length = 200)]
    for_whom: String,
    /// Every agency (true), or only `agency_ids` (of the office's directory).
    all_agencies: bool,
    agency_ids: Vec<i64>,
    /// `signed_form`, `email`, `phone` or `in_person` (the last two need a `note`).
    #[schema(required = true)]
    method: String,
    #[schema(max_length = 2000)]
    note: String,
    /// `YYYY-MM-DD`, not in the future; default today.
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    given_on: String,
    /// `YYYY-MM-DD`, after `given_on`; empty: until withdrawn.
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    expires_on: String,
    /// The signed form or the email, on this case (a correspondence id).
    document_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/consents", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = ConsentList), Unauthorized, NotFound))]
pub(crate) async fn case_consents(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<ConsentList>> {
    let items = enquiries::consents(&s.app, &a, id).await?;
    Ok(axum::Json(ConsentList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

async fn consent(
    s: &AppState,
    a: &casework_app::Actor,
    case: i64,
    id: i64,
) -> ApiResult<ConsentOut> {
    enquiries::consents(&s.app, a, case)
        .await?
        .into_iter()
        .find(|c| c.consent.id == id)
        .map(Into::into)
        .ok_or(ApiError(AppError::NotFound))
}

/// Records the constituent's consent on a case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/consents", tag = "cases", params(("id" = i64, Path)),
    request_body = ConsentRequestDoc,
    responses((status = 201, body = ConsentOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn record_consent(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(req): ApiJson<enquiries::ConsentRequest>,
) -> ApiResult<Response> {
    let consent_id = enquiries::record_consent(&s.app, &a, id, &req).await?;
    Ok(created(consent(&s, &a, id, consent_id).await?))
}

/// Withdraws a consent from today.
#[utoipa::path(post, path = "/api/v1/cases/{id}/consents/{consent_id}/withdraw", tag = "cases",
    params(("id" = i64, Path), ("consent_id" = i64, Path)),
    responses((status = 200, body = ConsentOut), Unauthorized, Forbidden, NotFound))]
pub(crate) async fn withdraw_consent(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    raw: axum::extract::RawPathParams,
) -> ApiResult<axum::Json<ConsentOut>> {
    let consent_id = path_param(&raw, "consent_id")?;
    enquiries::withdraw_consent(&s.app, &a, id, consent_id).await?;
    Ok(axum::Json(consent(&s, &a, id, consent_id).await?))
}

/// What was made.
#[derive(Serialize, ToSchema)]
pub struct MadeLetter {
    /// The letter's correspondence id (its PDF: `GET /api/v1/correspondence/{id}/raw`).
    correspondence_id: i64,
}

/// Makes the consent form for a case as a letter on it, pre-filled, ready
/// to print and sign: the office's template called "Consent form", or the
/// standard form.
#[utoipa::path(post, path = "/api/v1/cases/{id}/consent-form", tag = "cases", params(("id" = i64, Path)),
    responses((status = 201, body = MadeLetter), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn consent_form(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<Response> {
    let correspondence_id = enquiries::consent_form(&s.app, &a, id).await?;
    Ok(created(MadeLetter { correspondence_id }))
}

// ----- Enquiries -----

/// An enquiry to a third party, made from a case.
#[derive(Serialize, ToSchema)]
pub struct EnquiryOut {
    id: i64,
    case_id: i64,
    agency_id: i64,
    agency_name: String,
    /// The contact written to, if a person there.
    contact_id: Option<i64>,
    contact_name: Option<String>,
    /// The unanswered enquiry this one escalates (its id).
    escalated_from: Option<i64>,
    /// The enquiry that escalated this one (its id): it is then no longer
    /// chased nor counted overdue.
    escalated_to: Option<i64>,
    /// `email`, `letter`, `phone` or `other`.
    channel: String,
    /// What was asked, in a line.
    asked: String,
    /// YYYY-MM-DD.
    sent_on: String,
    /// When the reply is due, YYYY-MM-DD (moved on by each chase).
    due_on: String,
    /// How many times it was chased.
    chases: i64,
    /// When the reply came, YYYY-MM-DD; null while unanswered.
    answered_on: Option<String>,
    /// The message on the case that is the reply (its correspondence id), if any.
    answer_id: Option<i64>,
    /// What they said, in short (a reply logged by hand).
    answer_note: String,
    /// Who made it (a user's id).
    created_by: i64,
    /// Days waited: from sent to the reply, or to today.
    days_waited: i64,
    /// Unanswered past its due date.
    overdue: bool,
    /// Chased as many times as the office chases: escalation is proposed
    /// rather than another chase.
    escalate_next: bool,
    /// Why it was sent without the constituent's consent on record (an
    /// office manager's override); empty otherwise.
    consent_override: String,
    version: i64,
}

impl From<EnquiryView> for EnquiryOut {
    fn from(v: EnquiryView) -> Self {
        let e = v.enquiry;
        EnquiryOut {
            id: e.id,
            case_id: e.case_id,
            agency_id: e.agency_id,
            agency_name: e.agency_name,
            contact_id: e.contact_id,
            contact_name: e.contact_name,
            escalated_from: e.escalated_from,
            escalated_to: e.escalated_to,
            channel: e.channel,
            asked: e.asked,
            sent_on: e.sent_on,
            due_on: e.due_on,
            chases: e.chases,
            answered_on: e.answered_on,
            answer_id: e.answer_id,
            answer_note: e.answer_note,
            created_by: e.created_by,
            days_waited: v.days_waited,
            overdue: v.overdue,
            escalate_next: v.escalate_next,
            consent_override: e.consent_override,
            version: e.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EnquiryList {
    /// A case's: oldest first, all of them. A search's: newest first (by
    /// the day sent), a page at a time.
    items: Vec<EnquiryOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

/// An enquiry to make (`casework_app::enquiries::EnquiryRequest` as the
/// API reads it). Text is trimmed; lengths count characters.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = EnquiryRequest)]
#[allow(dead_code)]
pub(crate) struct EnquiryRequestDoc {
    /// The agency written to: one of the office's directory, not retired.
    #[schema(required = true)]
    agency_id: Option<i64>,
    /// One of its current contacts, if writing to a person there.
    contact_id: Option<i64>,
    /// `email` needs an email address in the directory (the contact's or
    /// the agency's) and a role that may send email; `letter` a postal
    /// address and a role that may write letters.
    #[schema(value_type = EnquiryChannel)]
    send: String,
    /// What is asked, in a line (shown on the case and in chase-ups); not blank.
    #[schema(required = true, min_length = 1, max_length = 300, pattern = r"\S")]
    asked: String,
    /// A template's name (merge fields include `agency.*` and `enquiry.*`).
    template: String,
    /// The email's subject (default: the template's, or what is asked).
    #[schema(max_length = 300)]
    subject: String,
    /// The text of one's own, instead of a template (merge fields allowed);
    /// needed for `email` and `letter` unless `template` is given.
    #[schema(max_length = 100_000)]
    body: String,
    /// When it was sent, `YYYY-MM-DD`, not in the future; default today.
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    sent_on: String,
    /// When the reply is due, `YYYY-MM-DD`, after `sent_on`; default: the
    /// sent date plus the agency's reply window.
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    due_on: String,
    /// An unanswered enquiry of this case that this one escalates (its id),
    /// when writing to another agency.
    escalates: Option<i64>,
    /// Office managers only: why this goes to an agency that needs the
    /// constituent's written consent when the case has none covering it
    /// (recorded on the case). Without consent and without this, 422 on
    /// `consent`.
    #[schema(max_length = 500)]
    override_consent: String,
}

/// A reply logged by hand (`casework_app::enquiries::AnswerRequest` as the
/// API reads it).
#[derive(Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = AnswerRequest)]
#[allow(dead_code)]
pub(crate) struct AnswerRequestDoc {
    /// When the reply came, `YYYY-MM-DD`: not before the enquiry was sent,
    /// not in the future; default today.
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    answered_on: String,
    /// What they said, in short.
    #[schema(max_length = 2000)]
    note: String,
    /// The message on the case that is the reply (its correspondence id), if any.
    correspondence_id: Option<i64>,
    /// The enquiry's `version` as read; another is a 409.
    #[schema(required = true)]
    version: i64,
}

/// A chase of an unanswered enquiry (`casework_app::enquiries::ChaseRequest`
/// as the API reads it).
#[derive(Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = ChaseRequest)]
#[allow(dead_code)]
pub(crate) struct ChaseRequestDoc {
    #[schema(value_type = EnquiryChannel)]
    send: String,
    /// A template's name; empty (and no `body`): the standard chase.
    template: String,
    /// Default: "Chasing: " and what was asked.
    #[schema(max_length = 300)]
    subject: String,
    /// The text of one's own (merge fields allowed).
    #[schema(max_length = 100_000)]
    body: String,
    /// The new reply date, `YYYY-MM-DD`, after today; default: today plus
    /// the agency's reply window.
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    due_on: String,
    /// The enquiry's `version` as read; another is a 409.
    #[schema(required = true)]
    version: i64,
}

async fn enquiry(s: &AppState, a: &casework_app::Actor, id: i64) -> ApiResult<EnquiryOut> {
    Ok(enquiries::get(&s.app, a, id).await?.into())
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/enquiries", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = EnquiryList), Unauthorized, NotFound))]
pub(crate) async fn case_enquiries(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<EnquiryList>> {
    let items = enquiries::for_case(&s.app, &a, id).await?;
    Ok(axum::Json(EnquiryList {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor: None,
    }))
}

/// Writes to a third party from a case (or records an enquiry made by
/// phone or another way) and opens an enquiry with its reply due; the email
/// goes through the outbox, the letter to the print queue. A `new` or
/// `open` case becomes `awaiting_third_party`. A case that is not active is
/// refused.
#[utoipa::path(post, path = "/api/v1/cases/{id}/enquiries", tag = "cases", params(("id" = i64, Path)),
    request_body = EnquiryRequestDoc,
    responses((status = 201, body = EnquiryOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn open_enquiry(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(req): ApiJson<EnquiryRequest>,
) -> ApiResult<Response> {
    let enquiry_id = enquiries::open(&s.app, &a, id, &req).await?;
    Ok(created(enquiry(&s, &a, enquiry_id).await?))
}

#[utoipa::path(get, path = "/api/v1/enquiries/{id}", tag = "enquiries", params(("id" = i64, Path)),
    responses((status = 200, body = EnquiryOut), Unauthorized, NotFound))]
pub(crate) async fn get_enquiry(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<EnquiryOut>> {
    Ok(axum::Json(enquiry(&s, &a, id).await?))
}

/// Records the reply to an enquiry by hand; its chase tasks are done.
/// An answered enquiry is refused.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/answer", tag = "enquiries", params(("id" = i64, Path)),
    request_body = AnswerRequestDoc,
    responses((status = 200, body = EnquiryOut), Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
pub(crate) async fn answer_enquiry(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(req): ApiJson<AnswerRequest>,
) -> ApiResult<axum::Json<EnquiryOut>> {
    enquiries::answer(&s.app, &a, id, &req).await?;
    Ok(axum::Json(enquiry(&s, &a, id).await?))
}

/// Chases an unanswered enquiry: sends (or records) the chase, counts it,
/// moves the reply date and closes its chase task. An answered enquiry, or
/// one on a case that is not active, is refused.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/chase", tag = "enquiries", params(("id" = i64, Path)),
    request_body = ChaseRequestDoc,
    responses((status = 200, body = EnquiryOut), Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
pub(crate) async fn chase_enquiry(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(req): ApiJson<ChaseRequest>,
) -> ApiResult<axum::Json<EnquiryOut>> {
    enquiries::chase(&s.app, &a, id, &req).await?;
    Ok(axum::Json(enquiry(&s, &a, id).await?))
}

// ----- Tasks -----

/// A task: on a case or on its own, made by someone or by Casework.
#[derive(Serialize, ToSchema)]
pub struct TaskOut {
    id: i64,
    /// `task` (made by someone); made by Casework: `chase` (an enquiry is
    /// past its reply date), `escalate` (chased as many times as the office
    /// chases) or `review` (a case's review date has come).
    kind: String,
    /// What is to be done, in a line.
    title: String,
    note: String,
    case_id: Option<i64>,
    case_reference: Option<String>,
    case_title: Option<String>,
    /// The enquiry it follows up, for `chase` and `escalate`.
    enquiry_id: Option<i64>,
    /// Who does it; null: nobody yet.
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    /// YYYY-MM-DD.
    due_on: String,
    /// Why it was last put off; empty: never.
    snoozed: String,
    /// When it was done; null while open.
    done_at: Option<String>,
    /// Who added it (a user's id); null: made by Casework.
    created_by: Option<i64>,
    version: i64,
}

impl From<Task> for TaskOut {
    fn from(t: Task) -> Self {
        TaskOut {
            id: t.id,
            kind: t.kind,
            title: t.title,
            note: t.note,
            case_id: t.case_id,
            case_reference: t.case_reference,
            case_title: t.case_title,
            enquiry_id: t.enquiry_id,
            assignee_id: t.assignee_id,
            assignee_name: t.assignee_name,
            due_on: t.due_on,
            snoozed: t.snoozed,
            done_at: t.done_at.map(iso),
            created_by: t.created_by,
            version: t.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TaskList {
    /// By due date (then newest first); at most 500.
    items: Vec<TaskOut>,
}

/// The task-list query.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub(crate) struct TaskQuery {
    /// `mine` (the default), `everyone`, `unassigned`, or a user's id.
    /// Other people's tasks are an office manager's to list, except
    /// `everyone` with `case_id`: a case's tasks, for everyone who sees it.
    #[param(pattern = "^(|mine|everyone|unassigned|[0-9]+)$")]
    whose: String,
    /// Only tasks on this case.
    case_id: Option<i64>,
    /// Only tasks not done (the default), or all (`false`).
    open: Option<bool>,
}

/// A task to add (`casework_app::tasks::TaskInput` as the API reads it).
/// Text is trimmed; lengths count characters.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = TaskInput)]
#[allow(dead_code)]
pub(crate) struct TaskInputDoc {
    /// What is to be done, in a line; not blank.
    #[schema(required = true, min_length = 1, max_length = 300, pattern = r"\S")]
    title: String,
    #[schema(max_length = 5000)]
    note: String,
    /// A case the writer sees (its id), if it is about one.
    case_id: Option<i64>,
    /// Who does it: an active user of the office; default the writer.
    /// Giving it to someone else needs a role that may assign cases.
    assignee_id: Option<i64>,
    /// When, `YYYY-MM-DD`; default today.
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    due_on: String,
}

/// A change to a task (`casework_app::tasks::TaskUpdate` as the API reads
/// it): the assignee's own, the writer's, or anyone's for an office manager.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = TaskUpdate)]
#[allow(dead_code)]
pub(crate) struct TaskUpdateDoc {
    /// `complete`, `snooze` (with `until` and `reason`), `reassign` (with
    /// `assignee_id`) or `reopen` (a task done).
    #[schema(required = true, value_type = TaskAction)]
    action: String,
    /// Snooze: the new due date, `YYYY-MM-DD`, after today.
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    until: String,
    /// Snooze: why it is put off.
    #[schema(max_length = 300)]
    reason: String,
    /// Reassign: to whom (an active user of the office; someone else needs
    /// a role that may assign cases).
    assignee_id: Option<i64>,
    /// The task's `version` as read (or the `If-Match` header); another is
    /// a 409.
    version: i64,
}

/// Whose tasks a query asks for.
fn whose(text: &str, me: i64) -> ApiResult<Whose> {
    match text.trim() {
        "" | "mine" => Ok(Whose::Mine),
        "everyone" => Ok(Whose::Everyone),
        "unassigned" => Ok(Whose::Unassigned),
        other => match other.parse::<i64>() {
            Ok(id) if id == me => Ok(Whose::Mine),
            Ok(id) => Ok(Whose::Person(id)),
            Err(_) => Err(ApiError(AppError::field(
                "whose",
                "whose is mine, everyone, unassigned or a user's id.",
            ))),
        },
    }
}

#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(TaskQuery),
    responses((status = 200, body = TaskList), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn list_tasks(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<TaskQuery>,
) -> ApiResult<axum::Json<TaskList>> {
    let who = whose(&q.whose, a.user_id)?;
    let items = tasks::list(&s.app, &a, who, q.case_id, q.open.unwrap_or(true)).await?;
    Ok(axum::Json(TaskList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Adds a task; every role may add its own.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = TaskInputDoc,
    responses((status = 201, body = TaskOut), Unauthorized, Forbidden, Invalid))]
pub(crate) async fn create_task(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<TaskInput>,
) -> ApiResult<Response> {
    let id = tasks::create(&s.app, &a, &input).await?;
    Ok(created(TaskOut::from(tasks::get(&s.app, &a, id).await?)))
}

/// One task: the reader's own (assigned or added), one on a case they see,
/// or any for an office manager.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = TaskOut), Unauthorized, NotFound))]
pub(crate) async fn get_task(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<TaskOut>> {
    Ok(axum::Json(tasks::get(&s.app, &a, id).await?.into()))
}

/// Completes, puts off, reassigns or reopens a task.
#[utoipa::path(patch, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The version the change is made against")),
    request_body = TaskUpdateDoc,
    responses((status = 200, body = TaskOut),
        (status = 204, description = "Done, and the task, now someone else's, is no longer the reader's to see"),
        Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
pub(crate) async fn patch_task(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut update): ApiJson<TaskUpdate>,
) -> ApiResult<Response> {
    if let Some(v) = if_match(&headers)? {
        update.version = Some(v);
    }
    tasks::change(&s.app, &a, id, &update).await?;
    match tasks::get(&s.app, &a, id).await {
        Ok(t) => Ok(axum::Json(TaskOut::from(t)).into_response()),
        Err(AppError::NotFound) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(other) => Err(other.into()),
    }
}
