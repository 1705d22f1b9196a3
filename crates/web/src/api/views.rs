//! Saved views in the JSON API: a person's case-list filters under names
//! of their own, each with how many cases it holds now.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::common::{ApiResult, Invalid, NotFound, Unauthorized, created};
use crate::extract::{ApiActor, ApiJson, Id};
use crate::fmt::iso;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/views", get(list_views).post(save_view))
        .route("/me/views/{id}", delete(delete_view))
}

/// A saved view.
#[derive(Serialize, ToSchema)]
pub struct ViewOut {
    id: i64,
    name: String,
    /// The list it filters: `cases`.
    list: String,
    /// The filters, as the list's query string (`view=mine&status=open`);
    /// the same names as `GET /api/v1/cases` takes.
    query: String,
    /// How many cases it holds now, up to 101 (more shows as 101).
    count: i64,
    created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ViewList {
    items: Vec<ViewOut>,
}

/// A view to save; one of the same name is replaced.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewIn {
    /// Up to 60 characters.
    #[schema(min_length = 1, max_length = 60)]
    name: String,
    /// The case list's filters as a query string; checked by running them.
    #[serde(default)]
    query: String,
}

#[derive(Serialize, ToSchema)]
pub struct ViewSaved {
    id: i64,
}

#[utoipa::path(get, path = "/api/v1/me/views", tag = "account",
    responses((status = 200, body = ViewList), Unauthorized))]
pub(crate) async fn list_views(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> ApiResult<axum::Json<ViewList>> {
    let items = casework_app::saved_views::counts(&s.app, &a)
        .await?
        .into_iter()
        .map(|v| ViewOut {
            id: v.view.id,
            name: v.view.name,
            list: v.view.list,
            query: v.view.query,
            count: v.count,
            created_at: iso(v.view.created_at),
        })
        .collect();
    Ok(axum::Json(ViewList { items }))
}

#[utoipa::path(post, path = "/api/v1/me/views", tag = "account",
    request_body = ViewIn,
    responses((status = 201, body = ViewSaved), Unauthorized, Invalid))]
pub(crate) async fn save_view(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(v): ApiJson<ViewIn>,
) -> ApiResult<Response> {
    let id = casework_app::saved_views::save(&s.app, &a, &v.name, "cases", &v.query).await?;
    Ok(created(ViewSaved { id }))
}

#[utoipa::path(delete, path = "/api/v1/me/views/{id}", tag = "account", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), Unauthorized, NotFound))]
pub(crate) async fn delete_view(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    casework_app::saved_views::delete(&s.app, &a, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
