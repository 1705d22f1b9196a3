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
use utoipa::ToSchema;

use crate::api::common::{ApiResult, ErrorBody, created, if_match};
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
    body: String,
    /// `note` (default), `call`, `meeting`, `visit`, `post` or `document`.
    #[serde(default)]
    kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    status: String,
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = CaseList), (status = 422, body = ErrorBody)))]
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

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseInput,
    responses((status = 201, body = CaseOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
    responses((status = 200, body = CaseOut), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_case(
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
    responses((status = 200, body = TimelineList), (status = 404, body = ErrorBody)))]
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
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
