//! Letter and email templates in the JSON API (`/api/v1/templates`): list,
//! read, and (office managers and administrators) save.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use casework_app::letters;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::common::{
    ApiResult, Conflict, Forbidden, Invalid, NotFound, Unauthorized, created,
};
use crate::extract::{ApiActor, ApiJson, Id};
use crate::fmt::iso;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/templates", get(list_templates).post(create_template))
        .route("/templates/{id}", get(get_template).put(save_template))
}

/// A template: merge fields such as `{{ constituent.first_name }}` are
/// filled for each letter or email (the list: `signer.name`,
/// `case.reference`, … as on the Templates page).
#[derive(Serialize, ToSchema)]
pub struct TemplateOut {
    id: i64,
    name: String,
    subject: String,
    body: String,
    /// Letters from it are signed by the representative (and wait for
    /// approval when someone else makes them).
    signed_by_representative: bool,
    updated_at: String,
    version: i64,
}

impl From<casework_app::views::Template> for TemplateOut {
    fn from(t: casework_app::views::Template) -> Self {
        TemplateOut {
            id: t.id,
            name: t.name,
            subject: t.subject,
            body: t.body,
            signed_by_representative: t.signed_by_representative,
            updated_at: iso(t.updated_at),
            version: t.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TemplateList {
    items: Vec<TemplateOut>,
}

/// A template to save. Its syntax is checked against sample values.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateIn {
    #[schema(max_length = 100)]
    name: String,
    #[serde(default)]
    #[schema(max_length = 300)]
    subject: String,
    #[schema(max_length = 50_000)]
    body: String,
    #[serde(default)]
    signed_by_representative: bool,
    /// For a change: the version it was made against.
    #[serde(default)]
    version: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/templates", tag = "correspondence",
    responses((status = 200, body = TemplateList), Unauthorized))]
pub(crate) async fn list_templates(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> ApiResult<axum::Json<TemplateList>> {
    Ok(axum::Json(TemplateList {
        items: letters::templates(&s.app, &a)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/templates/{id}", tag = "correspondence", params(("id" = i64, Path)),
    responses((status = 200, body = TemplateOut), Unauthorized, NotFound))]
pub(crate) async fn get_template(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<TemplateOut>> {
    Ok(axum::Json(letters::template(&s.app, &a, id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/templates", tag = "correspondence", request_body = TemplateIn,
    responses((status = 201, body = TemplateOut), Unauthorized, Forbidden, Invalid))]
pub(crate) async fn create_template(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(t): ApiJson<TemplateIn>,
) -> ApiResult<Response> {
    let id = letters::save_template(
        &s.app,
        &a,
        None,
        0,
        &t.name,
        &t.subject,
        &t.body,
        t.signed_by_representative,
    )
    .await?;
    Ok(created(TemplateOut::from(
        letters::template(&s.app, &a, id).await?,
    )))
}

#[utoipa::path(put, path = "/api/v1/templates/{id}", tag = "correspondence", params(("id" = i64, Path)),
    request_body = TemplateIn,
    responses((status = 200, body = TemplateOut), Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
pub(crate) async fn save_template(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(t): ApiJson<TemplateIn>,
) -> ApiResult<axum::Json<TemplateOut>> {
    let version = match t.version {
        Some(v) => v,
        None => letters::template(&s.app, &a, id).await?.version,
    };
    letters::save_template(
        &s.app,
        &a,
        Some(id),
        version,
        &t.name,
        &t.subject,
        &t.body,
        t.signed_by_representative,
    )
    .await?;
    Ok(axum::Json(letters::template(&s.app, &a, id).await?.into()))
}
