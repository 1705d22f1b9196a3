//! Cases in the JSON API (`/api/v1/cases…`): the case, its history and notes.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use casework_app::cases;
use casework_app::cases::{CaseInput, CasePatch, CaseQuery};
use casework_app::views::Case;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

use crate::api::common::{
    ApiResult, CaseLevel, CaseOrder, CaseSensitivity, CaseStatus, CaseStatusFilter, CaseUrgency,
    CaseView, Conflict, Forbidden, Invalid, NotFound, NoteKind, Unauthorized, created, if_match,
};
use crate::api::timeline::TimelineList;
use crate::extract::{ApiActor, ApiJson, ApiQuery, Id};
use crate::fmt::iso;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list_cases).post(create_case))
        .route("/cases/{id}", get(get_case).patch(patch_case))
        .route("/cases/{id}/timeline", get(case_timeline))
        .route("/cases/{id}/notes", axum::routing::post(add_case_note))
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

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    items: Vec<CaseOut>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteIn {
    /// The note; not blank.
    #[schema(min_length = 1, max_length = 20_000, pattern = r"\S")]
    body: String,
    /// `note` if empty or absent.
    #[serde(default)]
    #[schema(value_type = NoteKind)]
    kind: String,
}

/// A new case (`casework_app::cases::CaseInput` as the API reads it). Text
/// is trimmed; lengths count characters.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default)]
#[schema(as = CaseInput)]
#[allow(dead_code)]
pub(crate) struct CaseInputDoc {
    /// A constituent of the token's office.
    #[schema(required = true)]
    constituent_id: i64,
    /// Not blank.
    #[schema(required = true, min_length = 1, max_length = 200, pattern = r"\S")]
    title: String,
    #[schema(max_length = 20_000)]
    summary: String,
    #[schema(max_length = 100)]
    category: String,
    #[schema(value_type = CaseLevel)]
    level: String,
    #[schema(max_length = 200)]
    agency: String,
    #[schema(value_type = CaseUrgency)]
    urgency: String,
    #[schema(value_type = CaseSensitivity)]
    sensitivity: String,
    /// An active caseworker, office manager or administrator of the office
    /// (assigning needs a role that may assign cases).
    assignee_id: Option<i64>,
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    /// `YYYY-MM-DD` (a real date, years 1900–2200), or empty for none.
    review_date: Option<String>,
}

/// A partial change of a case: absent fields stay as they are. For
/// `assignee_id` and `review_date`, an explicit `null` clears the value.
#[derive(Deserialize, ToSchema)]
#[schema(as = CasePatch)]
#[allow(dead_code)]
pub(crate) struct CasePatchDoc {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    title: Option<String>,
    #[schema(max_length = 20_000)]
    summary: Option<String>,
    #[schema(max_length = 100)]
    category: Option<String>,
    #[schema(value_type = Option<CaseLevel>)]
    level: Option<String>,
    #[schema(max_length = 200)]
    agency: Option<String>,
    #[schema(value_type = Option<CaseStatus>)]
    status: Option<String>,
    assignee_id: Option<i64>,
    #[schema(value_type = Option<CaseUrgency>)]
    urgency: Option<String>,
    #[schema(value_type = Option<CaseSensitivity>)]
    sensitivity: Option<String>,
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    review_date: Option<String>,
    /// The version the change is made against (or the `If-Match` header).
    version: Option<i64>,
}

/// The case-list query (`casework_app::cases::CaseQuery` as the API reads it).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub(crate) struct CaseQueryDoc {
    #[param(value_type = Option<CaseView>, inline)]
    view: Option<String>,
    #[param(value_type = Option<CaseStatusFilter>, inline)]
    status: Option<String>,
    category: Option<String>,
    agency: Option<String>,
    assignee_id: Option<i64>,
    constituent_id: Option<i64>,
    #[param(value_type = Option<CaseOrder>, inline)]
    sort: Option<String>,
    /// `next_cursor` of the page before.
    cursor: Option<String>,
    /// How many to answer, default 50; taken as 1–200.
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    status: String,
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQueryDoc),
    responses((status = 200, body = CaseList), Unauthorized, Invalid))]
pub(crate) async fn list_cases(
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

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseInputDoc,
    responses((status = 201, body = CaseOut), Unauthorized, Forbidden, Invalid))]
pub(crate) async fn create_case(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<CaseInput>,
) -> ApiResult<Response> {
    Ok(created(CaseOut::from(
        cases::open(&s.app, &a, &input).await?,
    )))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseOut), Unauthorized, NotFound))]
pub(crate) async fn get_case(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<CaseOut>> {
    Ok(axum::Json(cases::get(&s.app, &a, id).await?.into()))
}

#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The version the change is made against")),
    request_body = CasePatchDoc,
    responses((status = 200, body = CaseOut), Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
pub(crate) async fn patch_case(
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
    responses((status = 200, body = TimelineList), Unauthorized, NotFound))]
pub(crate) async fn case_timeline(
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
    responses((status = 201, body = Created), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn add_case_note(
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
