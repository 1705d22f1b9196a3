//! The JSON API, version 1. Every handler calls the same service function as
//! the matching page. The OpenAPI document is generated from these
//! handlers and types, so it describes what the server does.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use casework_app::cases::{CaseInput, CasePatch, CaseQuery};
use casework_app::constituents::{ConstituentInput, ConstituentPatch};
use casework_app::store::{AttachmentRecord, Correspondence, CorrespondenceSummary};
use casework_app::store::{Case, Constituent, TimelineEntry};
use casework_app::{AppError, cases, constituents, mail};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, ApiQuery, Id};
use crate::fmt::iso;
use crate::state::AppState;

type ApiResult<T> = Result<T, ApiError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me))
        .route(
            "/constituents",
            get(list_constituents).post(create_constituent),
        )
        .route(
            "/constituents/{id}",
            get(get_constituent).patch(patch_constituent),
        )
        .route("/constituents/{id}/timeline", get(constituent_timeline))
        .route("/cases", get(list_cases).post(create_case))
        .route("/cases/{id}", get(get_case).patch(patch_case))
        .route("/cases/{id}/timeline", get(case_timeline))
        .route("/cases/{id}/notes", axum::routing::post(add_case_note))
        .route(
            "/cases/{id}/documents",
            axum::routing::post(add_case_document),
        )
        .route("/cases/{id}/correspondence", get(case_correspondence))
        .route("/cases/{id}/emails", axum::routing::post(send_case_email))
        .route(
            "/cases/{id}/letters",
            axum::routing::post(create_case_letter),
        )
        .route("/intake", get(list_intake))
        .route("/intake/{id}/file", axum::routing::post(file_intake))
        .route(
            "/intake/{id}/no-action",
            axum::routing::post(intake_no_action),
        )
        .route("/correspondence/{id}", get(get_correspondence))
        .route("/correspondence/{id}/raw", get(raw_correspondence))
        .route(
            "/correspondence/{id}/attachments/{attachment}",
            get(correspondence_attachment),
        )
        .merge(crate::api_campaigns::routes())
        .merge(crate::api_letters::routes())
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
}

/// A constituent.
#[derive(Serialize, ToSchema)]
pub struct ConstituentOut {
    id: i64,
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    postcode: String,
    address: String,
    mailing_address: String,
    do_not_email: bool,
    do_not_mail: bool,
    do_not_phone: bool,
    notes: String,
    created_at: String,
    updated_at: String,
    version: i64,
}

impl From<Constituent> for ConstituentOut {
    fn from(c: Constituent) -> Self {
        ConstituentOut {
            id: c.id,
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone: c.phone,
            postcode: c.postcode,
            address: c.address,
            mailing_address: c.mailing_address,
            do_not_email: c.do_not_email,
            do_not_mail: c.do_not_mail,
            do_not_phone: c.do_not_phone,
            notes: c.notes,
            created_at: iso(c.created_at),
            updated_at: iso(c.updated_at),
            version: c.version,
        }
    }
}

/// A case.
#[derive(Serialize, ToSchema)]
pub struct CaseOut {
    id: i64,
    /// Human-friendly reference, e.g. `CW-2026-00417`.
    reference: String,
    constituent_id: i64,
    constituent_name: String,
    title: String,
    summary: String,
    category: String,
    /// `federal`, `provincial`, `municipal` or `other`.
    level: String,
    agency: String,
    /// `new`, `open`, `awaiting_third_party`, `awaiting_constituent`, `resolved` or `closed`.
    status: String,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    /// `low`, `normal`, `high` or `critical`.
    urgency: String,
    /// `normal` or `sensitive`.
    sensitivity: String,
    /// YYYY-MM-DD.
    review_date: Option<String>,
    opened_at: String,
    closed_at: Option<String>,
    updated_at: String,
    version: i64,
}

impl From<Case> for CaseOut {
    fn from(c: Case) -> Self {
        CaseOut {
            sensitivity: c.sensitivity().as_str().to_owned(),
            id: c.id,
            reference: c.reference,
            constituent_id: c.constituent_id,
            constituent_name: c.constituent_name,
            title: c.title,
            summary: c.summary,
            category: c.category,
            level: c.level,
            agency: c.agency,
            status: c.status,
            assignee_id: c.assignee_id,
            assignee_name: c.assignee_name,
            urgency: c.urgency,
            review_date: c.review_date,
            opened_at: iso(c.opened_at),
            closed_at: c.closed_at.map(iso),
            updated_at: iso(c.updated_at),
            version: c.version,
        }
    }
}

/// One entry of a history: a note, a status change, an audit record, …
#[derive(Serialize, ToSchema)]
pub struct TimelineOut {
    id: i64,
    /// `created`, `updated`, `case_opened`, `status`, `assigned`, `note`, `call`, `meeting`, `visit`, `post`, `document`, `person_added`, `email_in`, `email_out`, `letter_out`.
    kind: String,
    at: String,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    constituent_id: Option<i64>,
    case_id: Option<i64>,
    case_reference: Option<String>,
    body: String,
    /// For changes: `{"field": [before, after]}`.
    #[schema(value_type = Option<Object>)]
    changes: Option<serde_json::Value>,
    /// For `email_in` and other correspondence entries: the correspondence.
    correspondence_id: Option<i64>,
}

impl From<TimelineEntry> for TimelineOut {
    fn from(t: TimelineEntry) -> Self {
        TimelineOut {
            id: t.id,
            kind: t.kind,
            at: iso(t.at),
            actor_id: t.actor_id,
            actor_name: t.actor_name,
            constituent_id: t.constituent_id,
            case_id: t.case_id,
            case_reference: t.case_reference,
            body: t.body,
            changes: t.changes.and_then(|c| serde_json::from_str(&c).ok()),
            correspondence_id: t.correspondence_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConstituentList {
    items: Vec<ConstituentOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    items: Vec<CaseOut>,
    next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TimelineList {
    items: Vec<TimelineOut>,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    id: i64,
    office_id: i64,
    email: String,
    display_name: String,
    role: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteIn {
    body: String,
    /// `note` (default), `call`, `meeting`, `visit`, `post` or `document`.
    #[serde(default)]
    kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    status: String,
}

/// The error body of every refusal.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `unauthorized`, `forbidden`, `not_found`, `invalid`, `conflict`, `throttled` or `internal`.
    code: String,
    message: String,
    /// For `invalid`: a message per field.
    fields: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Start of a name, email, phone number or postcode.
    #[serde(default)]
    q: String,
    #[serde(default)]
    cursor: Option<String>,
    /// 1–200, default 50.
    #[serde(default)]
    limit: Option<i64>,
}

/// The version in an `If-Match` header (`3`, `"3"` or `W/"3"`), if any.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = v
        .to_str()
        .unwrap_or("")
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"');
    text.parse().map(Some).map_err(|_| {
        ApiError(AppError::field(
            "If-Match",
            "If-Match must be the record's version number.",
        ))
    })
}

fn created<T: Serialize>(body: T) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(ApiActor(a): ApiActor) -> axum::Json<Me> {
    axum::Json(Me {
        id: a.user_id,
        office_id: a.office_id,
        email: a.email,
        display_name: a.display_name,
        role: a.role.as_str().into(),
    })
}

#[utoipa::path(get, path = "/api/v1/constituents", tag = "constituents", params(SearchQuery),
    responses((status = 200, body = ConstituentList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_constituents(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<axum::Json<ConstituentList>> {
    let page =
        constituents::search(&s.app, &a, &q.q, q.cursor.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(axum::Json(ConstituentList {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

#[utoipa::path(post, path = "/api/v1/constituents", tag = "constituents", request_body = ConstituentInput,
    responses((status = 201, body = ConstituentOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_constituent(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<ConstituentInput>,
) -> ApiResult<Response> {
    let c = constituents::create(&s.app, &a, &input).await?;
    Ok(created(ConstituentOut::from(c)))
}

#[utoipa::path(get, path = "/api/v1/constituents/{id}", tag = "constituents", params(("id" = i64, Path)),
    responses((status = 200, body = ConstituentOut), (status = 404, body = ErrorBody)))]
async fn get_constituent(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<ConstituentOut>> {
    Ok(axum::Json(constituents::get(&s.app, &a, id).await?.into()))
}

#[utoipa::path(patch, path = "/api/v1/constituents/{id}", tag = "constituents",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The version the change is made against")),
    request_body = ConstituentPatch,
    responses((status = 200, body = ConstituentOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_constituent(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut patch): ApiJson<ConstituentPatch>,
) -> ApiResult<axum::Json<ConstituentOut>> {
    if let Some(v) = if_match(&headers)? {
        patch.version = Some(v);
    }
    Ok(axum::Json(
        constituents::update(&s.app, &a, id, &patch).await?.into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/constituents/{id}/timeline", tag = "constituents", params(("id" = i64, Path)),
    responses((status = 200, body = TimelineList), (status = 404, body = ErrorBody)))]
async fn constituent_timeline(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<TimelineList>> {
    let items = constituents::timeline(&s.app, &a, id, 1000).await?;
    Ok(axum::Json(TimelineList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = CaseList), (status = 422, body = ErrorBody)))]
async fn list_cases(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> ApiResult<axum::Json<CaseList>> {
    let page = cases::list(&s.app, &a, &q).await?;
    Ok(axum::Json(CaseList {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseInput,
    responses((status = 201, body = CaseOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_case(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<CaseInput>,
) -> ApiResult<Response> {
    Ok(created(CaseOut::from(
        cases::open(&s.app, &a, &input).await?,
    )))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseOut), (status = 404, body = ErrorBody)))]
async fn get_case(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<CaseOut>> {
    Ok(axum::Json(cases::get(&s.app, &a, id).await?.into()))
}

#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The version the change is made against")),
    request_body = CasePatch,
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_case(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut patch): ApiJson<CasePatch>,
) -> ApiResult<axum::Json<CaseOut>> {
    if let Some(v) = if_match(&headers)? {
        patch.version = Some(v);
    }
    Ok(axum::Json(
        cases::update(&s.app, &a, id, &patch).await?.into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/timeline", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = TimelineList), (status = 404, body = ErrorBody)))]
async fn case_timeline(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<TimelineList>> {
    let items = cases::timeline(&s.app, &a, id).await?;
    Ok(axum::Json(TimelineList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", tag = "cases", params(("id" = i64, Path)), request_body = NoteIn,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_case_note(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(note): ApiJson<NoteIn>,
) -> ApiResult<Response> {
    cases::add_note(&s.app, &a, id, &note.kind, &note.body).await?;
    Ok(created(Created {
        status: "created".into(),
    }))
}

/// A piece of correspondence in a list.
#[derive(Serialize, ToSchema)]
pub struct CorrespondenceSummaryOut {
    id: i64,
    /// `in` or `out`; `internal` for the office's own record of a call,
    /// meeting or visit kept with files.
    direction: String,
    /// `email`, `letter`, or for files kept on a case `post`, `document`,
    /// `note`, `call`, `meeting` or `visit`.
    channel: String,
    /// `intake` (waiting to be filed), `filed` or `no_action`.
    state: String,
    case_id: Option<i64>,
    constituent_id: Option<i64>,
    from: String,
    from_name: String,
    subject: String,
    received_at: String,
    unread: bool,
    /// What was wrong with the message when it arrived, if anything.
    problems: String,
    /// For email sent from a case: `awaiting_approval`, `queued`,
    /// `sending`, `sent` or `failed`. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery: Option<String>,
    /// For email sent from a case: the mail server's last refusal, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery_error: Option<String>,
}

impl From<CorrespondenceSummary> for CorrespondenceSummaryOut {
    fn from(c: CorrespondenceSummary) -> Self {
        CorrespondenceSummaryOut {
            id: c.id,
            direction: c.direction,
            channel: c.channel,
            state: c.state,
            case_id: c.case_id,
            constituent_id: c.constituent_id,
            from: c.from_address,
            from_name: c.from_name,
            subject: c.subject,
            received_at: iso(c.received_at),
            unread: c.unread,
            problems: c.problems,
            delivery: None,
            delivery_error: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentOut {
    id: i64,
    filename: String,
    content_type: String,
    size: i64,
}

impl From<AttachmentRecord> for AttachmentOut {
    fn from(a: AttachmentRecord) -> Self {
        AttachmentOut {
            id: a.id,
            filename: a.filename,
            content_type: a.content_type,
            size: a.size,
        }
    }
}

/// A piece of correspondence with its content.
#[derive(Serialize, ToSchema)]
pub struct CorrespondenceOut {
    id: i64,
    direction: String,
    channel: String,
    state: String,
    case_id: Option<i64>,
    constituent_id: Option<i64>,
    message_id: String,
    in_reply_to: String,
    references: String,
    from: String,
    from_name: String,
    to: String,
    cc: String,
    subject: String,
    sent_at: Option<String>,
    received_at: String,
    /// The text of the message.
    text: String,
    /// The HTML of the message, sanitised: no scripts, no remote images.
    html: Option<String>,
    /// Size of the original in bytes (fetch it from `/raw`).
    raw_size: i64,
    problems: String,
    attachments: Vec<AttachmentOut>,
}

impl CorrespondenceOut {
    fn new(c: Correspondence, attachments: Vec<AttachmentRecord>) -> Self {
        CorrespondenceOut {
            id: c.id,
            direction: c.direction,
            channel: c.channel,
            state: c.state,
            case_id: c.case_id,
            constituent_id: c.constituent_id,
            message_id: c.message_id,
            in_reply_to: c.in_reply_to,
            references: c.reference_ids,
            from: c.from_address,
            from_name: c.from_name,
            to: c.to_addresses,
            cc: c.cc_addresses,
            subject: c.subject,
            sent_at: c.sent_at.map(iso),
            received_at: iso(c.received_at),
            text: c.body_text,
            html: c.body_html,
            raw_size: c.raw_size,
            problems: c.problems,
            attachments: attachments.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CorrespondenceList {
    items: Vec<CorrespondenceSummaryOut>,
    next_cursor: Option<String>,
}

/// Where to file an intake message: a case, or a constituent without a case.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileIn {
    #[serde(default)]
    case_id: Option<i64>,
    #[serde(default)]
    constituent_id: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    #[serde(default)]
    cursor: Option<String>,
    /// 1–200, default 50.
    #[serde(default)]
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/intake", tag = "correspondence", params(PageQuery),
    responses((status = 200, body = CorrespondenceList), (status = 422, body = ErrorBody)))]
async fn list_intake(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<axum::Json<CorrespondenceList>> {
    let page = mail::intake(&s.app, &a, q.cursor.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(axum::Json(CorrespondenceList {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

#[utoipa::path(post, path = "/api/v1/intake/{id}/file", tag = "correspondence", params(("id" = i64, Path)), request_body = FileIn,
    responses((status = 200, body = CorrespondenceOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn file_intake(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(f): ApiJson<FileIn>,
) -> ApiResult<axum::Json<CorrespondenceOut>> {
    mail::file(&s.app, &a, id, f.case_id, f.constituent_id).await?;
    let (c, att) = mail::open(&s.app, &a, id).await?;
    Ok(axum::Json(CorrespondenceOut::new(c, att)))
}

#[utoipa::path(post, path = "/api/v1/intake/{id}/no-action", tag = "correspondence", params(("id" = i64, Path)),
    responses((status = 200, body = CorrespondenceOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn intake_no_action(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<CorrespondenceOut>> {
    mail::no_action(&s.app, &a, id).await?;
    let (c, att) = mail::open(&s.app, &a, id).await?;
    Ok(axum::Json(CorrespondenceOut::new(c, att)))
}

#[utoipa::path(get, path = "/api/v1/correspondence/{id}", tag = "correspondence", params(("id" = i64, Path)),
    responses((status = 200, body = CorrespondenceOut), (status = 404, body = ErrorBody)))]
async fn get_correspondence(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<CorrespondenceOut>> {
    let (c, att) = mail::open(&s.app, &a, id).await?;
    Ok(axum::Json(CorrespondenceOut::new(c, att)))
}

#[utoipa::path(get, path = "/api/v1/correspondence/{id}/raw", tag = "correspondence", params(("id" = i64, Path)),
    responses((status = 200, description = "The original, byte for byte: an email as received or sent (message/rfc822), or a letter's PDF (application/pdf)", content_type = "message/rfc822"), (status = 404, body = ErrorBody)))]
async fn raw_correspondence(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<Response> {
    let (c, bytes) = mail::original(&s.app, &a, id).await?;
    Ok(crate::download::original_response(&c.channel, bytes))
}

#[utoipa::path(get, path = "/api/v1/correspondence/{id}/attachments/{attachment}", tag = "correspondence",
    params(("id" = i64, Path), ("attachment" = i64, Path, description = "An attachment id from `GET /api/v1/correspondence/{id}`")),
    responses((status = 200, description = "The file, byte for byte", content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
async fn correspondence_attachment(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    raw: axum::extract::RawPathParams,
) -> ApiResult<Response> {
    let attachment = crate::download::attachment_param(&raw).ok_or(ApiError(AppError::NotFound))?;
    let (att, bytes) = mail::attachment(&s.app, &a, id, attachment).await?;
    Ok(crate::download::file_download(&att.filename, bytes))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/correspondence", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CorrespondenceList), (status = 404, body = ErrorBody)))]
async fn case_correspondence(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<CorrespondenceList>> {
    let items = mail::for_case(&s.app, &a, id).await?;
    let outbox = casework_app::outbox::for_case(&s.app, &a, id).await?;
    Ok(axum::Json(CorrespondenceList {
        items: items
            .into_iter()
            .map(|c| {
                let mut out = CorrespondenceSummaryOut::from(c);
                if let Some(o) = outbox.iter().find(|o| o.correspondence_id == out.id) {
                    out.delivery = Some(o.state.clone());
                    out.delivery_error = Some(o.last_error.clone()).filter(|e| !e.is_empty());
                }
                out
            })
            .collect(),
        next_cursor: None,
    }))
}

/// The result of sending: the new correspondence and its outbox state.
#[derive(Serialize, ToSchema)]
pub struct EmailQueued {
    /// The correspondence id of the outgoing email.
    id: i64,
    /// `queued` or `awaiting_approval`.
    state: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/emails", tag = "correspondence", params(("id" = i64, Path)),
    request_body = casework_app::outbox::EmailRequest,
    responses((status = 201, body = EmailQueued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn send_case_email(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(req): ApiJson<casework_app::outbox::EmailRequest>,
) -> ApiResult<Response> {
    let cid = casework_app::outbox::send_email(&s.app, &a, id, &req).await?;
    let state = casework_app::outbox::for_case(&s.app, &a, id)
        .await?
        .into_iter()
        .find(|o| o.correspondence_id == cid)
        .map(|o| o.state)
        .unwrap_or_else(|| "queued".into());
    Ok(created(EmailQueued { id: cid, state }))
}

/// A letter created on a case.
#[derive(Serialize, ToSchema)]
pub struct LetterCreated {
    /// The correspondence id of the letter; its PDF is at `/api/v1/correspondence/{id}/raw`.
    id: i64,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/letters", tag = "correspondence", params(("id" = i64, Path)),
    request_body = casework_app::letters::LetterRequest,
    responses((status = 201, body = LetterCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_case_letter(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(req): ApiJson<casework_app::letters::LetterRequest>,
) -> ApiResult<Response> {
    let cid = casework_app::letters::create(&s.app, &a, id, &req).await?;
    Ok(created(LetterCreated { id: cid }))
}

/// The form of `POST /api/v1/cases/{id}/documents` (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// `post` (a letter that came on paper, scanned), `document`, `note`,
    /// `call`, `meeting` or `visit`; `note` if absent.
    kind: Option<String>,
    /// What the files are (optional).
    body: Option<String>,
    /// One or more files (any part with a file name); together at most the
    /// configured message size.
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
}

/// Files kept on a case.
#[derive(Serialize, ToSchema)]
pub struct DocumentCreated {
    /// The record's correspondence id: `GET /api/v1/correspondence/{id}` lists its files.
    id: i64,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/documents", tag = "correspondence", params(("id" = i64, Path)),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_case_document(
    State(s): State<AppState>,
    Id(id): Id,
    up: crate::extract::ApiUpload,
) -> ApiResult<Response> {
    let field = |k: &str| up.fields.get(k).cloned().unwrap_or_default();
    let files = up
        .files
        .into_iter()
        .map(crate::extract::Upload::into_file)
        .collect();
    let rid =
        cases::add_record(&s.app, &up.actor, id, &field("kind"), &field("body"), files).await?;
    Ok(created(DocumentCreated { id: rid }))
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Casework API", version = "1", description = "Constituents, cases and their history. Authenticate with `Authorization: Bearer TOKEN` (create a token on your account page or with `casework token create`)."),
    paths(me, list_constituents, create_constituent, get_constituent, patch_constituent, constituent_timeline,
          list_cases, create_case, get_case, patch_case, case_timeline, add_case_note, case_correspondence,
          list_intake, file_intake, intake_no_action, get_correspondence, raw_correspondence, send_case_email, create_case_letter,
          add_case_document, correspondence_attachment,
          crate::api_letters::list_letters, crate::api_letters::print_letters, crate::api_letters::approve_letter,
          crate::api_campaigns::list_campaigns, crate::api_campaigns::get_campaign, crate::api_campaigns::campaign_messages,
          crate::api_campaigns::rename_campaign, crate::api_campaigns::merge_campaign, crate::api_campaigns::split_campaign,
          crate::api_campaigns::campaign_no_action, crate::api_campaigns::save_campaign_reply,
          crate::api_campaigns::approve_campaign_reply, crate::api_campaigns::send_campaign_reply),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The OpenAPI document as JSON text.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}
