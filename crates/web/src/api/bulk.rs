//! Work on many rows at once in the JSON API: `POST /api/v1/bulk/{list}`
//! makes one change on each (cases: assign or change status; intake: mark
//! no action; outbox: approve or retry), `POST /api/v1/bulk/{list}/export`
//! gives the rows as CSV.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use casework_app::AppError;
use casework_app::bulk::{self, BulkRequest, List};
use casework_app::tag_bulk::BulkResult;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::common::{ApiResult, Forbidden, Invalid, NotFound, Unauthorized};
use crate::download::csv_download;
use crate::extract::{ApiActor, ApiJson};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/bulk/{list}", post(bulk_change))
        .route("/bulk/{list}/export", post(bulk_export))
}

/// The rows to export.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportIn {
    /// Case, constituent, correspondence (intake) or outbox ids; at most
    /// 500. Rows the reader cannot see are left out.
    ids: Vec<i64>,
}

#[utoipa::path(post, path = "/api/v1/bulk/{list}", tag = "bulk",
    params(("list" = String, Path, description = "`cases`, `intake` or `outbox`")),
    request_body = BulkRequest,
    responses((status = 200, body = BulkResult), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn bulk_change(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(list): Path<String>,
    ApiJson(req): ApiJson<BulkRequest>,
) -> ApiResult<axum::Json<BulkResult>> {
    let list = List::parse(&list).ok_or(AppError::NotFound)?;
    Ok(axum::Json(bulk::apply(&s.app, &a, list, &req).await?))
}

#[utoipa::path(post, path = "/api/v1/bulk/{list}/export", tag = "bulk",
    params(("list" = String, Path, description = "`cases`, `constituents`, `intake` or `outbox`")),
    request_body = ExportIn,
    responses((status = 200, description = "The rows as CSV, a header first", content_type = "text/csv"),
        Unauthorized, NotFound, Invalid))]
pub(crate) async fn bulk_export(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(list): Path<String>,
    ApiJson(req): ApiJson<ExportIn>,
) -> ApiResult<Response> {
    let list = List::parse(&list).ok_or(AppError::NotFound)?;
    let csv = bulk::export(&s.app, &a, list, &req.ids).await?;
    Ok(csv_download(list.file_name(), csv.into_bytes()))
}
