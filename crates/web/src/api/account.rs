//! The signed-in person (`/api/v1/me`).

use axum::Router;
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::common::Unauthorized;
use crate::extract::ApiActor;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/me", get(me))
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    id: i64,
    office_id: i64,
    email: String,
    display_name: String,
    role: String,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), Unauthorized))]
pub(crate) async fn me(ApiActor(a): ApiActor) -> axum::Json<Me> {
    axum::Json(Me {
        id: a.user_id,
        office_id: a.office_id,
        email: a.email,
        display_name: a.display_name,
        role: a.role.as_str().into(),
    })
}
