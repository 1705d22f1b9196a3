//! Intake in the JSON API: new mail not yet filed, filing it, marking it
//! as needing no action.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use casework_app::{correspondence, intake};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{ApiResult, Forbidden, Invalid, NotFound, Unauthorized};
use crate::api::correspondence::{CorrespondenceList, CorrespondenceOut};
use crate::extract::{ApiActor, ApiJson, ApiQuery, Id};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/intake", get(list_intake))
        .route("/intake/{id}/file", axum::routing::post(file_intake))
        .route(
            "/intake/{id}/no-action",
            axum::routing::post(intake_no_action),
        )
}

/// Where to file an intake message: a case, or a constituent without a case.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileIn {
    /// A case of the office: the message goes on it (and to its constituent).
    #[serde(default)]
    case_id: Option<i64>,
    /// A constituent of the office, for a message filed without a case.
    #[serde(default)]
    constituent_id: Option<i64>,
    /// Tags for the message: it takes the case's for dimensions not named.
    /// A dimension the office requires must end up with a value.
    #[serde(default)]
    tags: casework_app::tags::TagsInput,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// `next_cursor` of the page before.
    #[serde(default)]
    cursor: Option<String>,
    /// How many to answer, default 50; taken as 1–200.
    #[serde(default)]
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/intake", tag = "correspondence", params(PageQuery),
    responses((status = 200, body = CorrespondenceList), Unauthorized, Invalid))]
pub(crate) async fn list_intake(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<axum::Json<CorrespondenceList>> {
    let page = intake::intake(&s.app, &a, q.cursor.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(axum::Json(CorrespondenceList {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

#[utoipa::path(post, path = "/api/v1/intake/{id}/file", tag = "correspondence", params(("id" = i64, Path)), request_body = FileIn,
    responses((status = 200, body = CorrespondenceOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn file_intake(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(f): ApiJson<FileIn>,
) -> ApiResult<axum::Json<CorrespondenceOut>> {
    intake::file(&s.app, &a, id, f.case_id, f.constituent_id, &f.tags).await?;
    let (c, att) = correspondence::open(&s.app, &a, id).await?;
    Ok(axum::Json(CorrespondenceOut::new(c, att)))
}

#[utoipa::path(post, path = "/api/v1/intake/{id}/no-action", tag = "correspondence", params(("id" = i64, Path)),
    responses((status = 200, body = CorrespondenceOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn intake_no_action(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<CorrespondenceOut>> {
    intake::no_action(&s.app, &a, id).await?;
    let (c, att) = correspondence::open(&s.app, &a, id).await?;
    Ok(axum::Json(CorrespondenceOut::new(c, att)))
}
