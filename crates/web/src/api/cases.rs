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

use casework_app::tags::ItemTagOut;

use crate::api::common::{
    ApiResult, CaseLevel, CaseOrder, CaseStatus, CaseStatusFilter, CaseView, Conflict, Forbidden,
    Invalid, NotFound, NoteKind, Unauthorized, created, if_match,
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
    /// Its Category value ("Housing › Disrepair"), or empty.
    category: String,
    agency: String,
    /// `new`, `open`, `awaiting_third_party`, `awaiting_constituent`, `resolved`,
    /// `closed` or `transferred`.
    status: String,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    /// Its Urgency value (the office's names: Routine, Soon, Urgent,
    /// Emergency in the starter framework), or empty.
    urgency: String,
    /// `sensitive` when its Sensitivity value restricts who may see it
    /// (assignee, office managers and the representative), else `normal`.
    sensitivity: String,
    /// One value per dimension of the office's framework, and free tags.
    tags: Vec<ItemTagOut>,
    /// YYYY-MM-DD.
    review_date: Option<String>,
    opened_at: String,
    closed_at: Option<String>,
    updated_at: String,
    version: i64,
}

impl CaseOut {
    pub(crate) fn new(c: Case, tags: Vec<ItemTagOut>) -> Self {
        CaseOut {
            sensitivity: if c.sensitive { "sensitive" } else { "normal" }.to_owned(),
            category: cases::tag_value(&tags, "category").to_owned(),
            urgency: cases::tag_value(&tags, "urgency").to_owned(),
            tags,
            id: c.id,
            reference: c.reference,
            constituent_id: c.constituent_id,
            constituent_name: c.constituent_name,
            title: c.title,
            summary: c.summary,
            agency: c.agency,
            status: c.status,
            assignee_id: c.assignee_id,
            assignee_name: c.assignee_name,
            review_date: c.review_date,
            opened_at: iso(c.opened_at),
            closed_at: c.closed_at.map(iso),
            updated_at: iso(c.updated_at),
            version: c.version,
        }
    }
}

/// Cases as the API shows them, with their tags.
pub(crate) async fn with_tags(
    s: &AppState,
    a: &casework_app::Actor,
    list: Vec<Case>,
) -> ApiResult<Vec<CaseOut>> {
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let mut tags = cases::tags_of(&s.app, a, &ids).await?;
    Ok(list
        .into_iter()
        .map(|c| {
            let t = tags.remove(&c.id).unwrap_or_default();
            CaseOut::new(c, t)
        })
        .collect())
}

async fn one(s: &AppState, a: &casework_app::Actor, c: Case) -> ApiResult<CaseOut> {
    Ok(with_tags(s, a, vec![c]).await?.remove(0))
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
    /// Dimension key → value: the value's name, "Parent › Child", an old
    /// name, or its id. Urgency and Sensitivity take their first value when
    /// not given; a dimension the office requires must be given.
    tags: std::collections::BTreeMap<String, String>,
    /// Shorthand for `tags.category`.
    category: String,
    /// Shorthand for `tags.transferability`: the office's own level is
    /// "Ours", another "Another level of government".
    #[schema(value_type = CaseLevel)]
    level: String,
    #[schema(max_length = 200)]
    agency: String,
    /// Shorthand for `tags.urgency` (the old `low`, `normal`, `high`,
    /// `critical` still resolve).
    urgency: String,
    /// Shorthand for `tags.sensitivity` (`sensitive` is "Highly
    /// sensitive").
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
    /// Dimensions to change: key → value; an empty string clears one (not a
    /// required one). Dimensions not named keep their value.
    tags: Option<std::collections::BTreeMap<String, String>>,
    category: Option<String>,
    #[schema(value_type = Option<CaseLevel>)]
    level: Option<String>,
    #[schema(max_length = 200)]
    agency: Option<String>,
    #[schema(value_type = Option<CaseStatus>)]
    status: Option<String>,
    assignee_id: Option<i64>,
    urgency: Option<String>,
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
    /// A Category value: cases with it or a value under it.
    category: Option<String>,
    /// A tag's id: cases with it or a value under it.
    tag: Option<i64>,
    /// With `tag`: only that value, not the values under it.
    exact: Option<bool>,
    /// Opened on or after this day, `YYYY-MM-DD`.
    opened_from: Option<String>,
    /// Opened before this day, `YYYY-MM-DD`.
    opened_before: Option<String>,
    /// Transferred on or after this day, `YYYY-MM-DD`.
    transferred_from: Option<String>,
    /// Transferred before this day, `YYYY-MM-DD`.
    transferred_before: Option<String>,
    /// The constituent's ward, or postcode district.
    location: Option<String>,
    agency: Option<String>,
    assignee_id: Option<i64>,
    /// Only cases assigned to nobody (whatever their status).
    unassigned: Option<bool>,
    constituent_id: Option<i64>,
    /// Resolved (or closed while open) on or after this day, `YYYY-MM-DD`.
    resolved_from: Option<String>,
    /// Resolved (or closed while open) before this day, `YYYY-MM-DD`.
    resolved_before: Option<String>,
    /// Closed on or after this day, `YYYY-MM-DD`.
    closed_from: Option<String>,
    /// Closed before this day, `YYYY-MM-DD`.
    closed_before: Option<String>,
    /// Whose review date is before this day, `YYYY-MM-DD`.
    review_before: Option<String>,
    /// Not changed since before this day, `YYYY-MM-DD`.
    updated_before: Option<String>,
    /// Only sensitive cases (a Sensitivity value that restricts who sees them).
    sensitive: Option<bool>,
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
        items: with_tags(&s, &a, page.items).await?,
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
    let case = cases::open(&s.app, &a, &input).await?;
    // Shown once as the office sees it: a case opened highly sensitive
    // for a colleague is not the author's to see afterwards.
    let tags = cases::opened_tags(&s.app, &a, case.id).await?;
    Ok(created(CaseOut::new(case, tags)))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseOut), Unauthorized, NotFound))]
pub(crate) async fn get_case(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<CaseOut>> {
    let case = cases::get(&s.app, &a, id).await?;
    Ok(axum::Json(one(&s, &a, case).await?))
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
    let case = cases::update(&s.app, &a, id, &patch).await?;
    Ok(axum::Json(one(&s, &a, case).await?))
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
