//! One's notifications in the JSON API (`/api/v1/notifications`) and the
//! choice to have them by email (`/api/v1/me/notifications`).

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::common::{ApiResult, Invalid, Unauthorized};
use crate::extract::{ApiActor, ApiJson};
use crate::fmt::iso;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list_notifications))
        .route("/notifications/read", post(read_notifications))
        .route(
            "/me/notifications",
            get(email_setting).put(set_email_setting),
        )
}

/// Something that needs the reader.
#[derive(Serialize, ToSchema)]
pub struct NotificationOut {
    id: i64,
    /// `assigned`, `reply`, `approved` or `comment`.
    kind: String,
    case_id: Option<i64>,
    correspondence_id: Option<i64>,
    text: String,
    /// The page of the app it is about.
    link: String,
    created_at: String,
    read_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    /// The latest 100, newest first.
    items: Vec<NotificationOut>,
    /// How many are unread (at most 500 counted).
    unread: i64,
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "account",
    responses((status = 200, body = NotificationList), Unauthorized))]
pub(crate) async fn list_notifications(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> ApiResult<axum::Json<NotificationList>> {
    let items = casework_app::notifications::list(&s.app, &a)
        .await?
        .into_iter()
        .map(|n| NotificationOut {
            id: n.id,
            kind: n.kind,
            case_id: n.case_id,
            correspondence_id: n.correspondence_id,
            text: n.text,
            link: n.link,
            created_at: iso(n.created_at),
            read_at: n.read_at.map(iso),
        })
        .collect();
    Ok(axum::Json(NotificationList {
        items,
        unread: casework_app::notifications::unread(&s.app, &a).await?,
    }))
}

/// Which to mark read: one (`id`), or all when absent.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ReadRequest {
    #[serde(deserialize_with = "whole_number")]
    #[schema(value_type = Option<i64>)]
    id: Option<i64>,
}

/// A whole number however JSON writes it (`7` or `7.0`).
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::de::Error;
    match Option::<serde_json::Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or_else(|| D::Error::custom("expected a whole number")),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReadOut {
    /// How many were marked read.
    marked: u64,
}

#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "account", request_body = ReadRequest,
    responses((status = 200, body = ReadOut), Unauthorized, Invalid))]
pub(crate) async fn read_notifications(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(r): ApiJson<ReadRequest>,
) -> ApiResult<axum::Json<ReadOut>> {
    Ok(axum::Json(ReadOut {
        marked: casework_app::notifications::mark_read(&s.app, &a, r.id).await?,
    }))
}

/// Whether one's notifications are also emailed.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSetting {
    by_email: bool,
}

#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "account",
    responses((status = 200, body = NotificationSetting), Unauthorized))]
pub(crate) async fn email_setting(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> ApiResult<axum::Json<NotificationSetting>> {
    Ok(axum::Json(NotificationSetting {
        by_email: casework_app::notifications::by_email(&s.app, &a).await?,
    }))
}

#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "account", request_body = NotificationSetting,
    responses((status = 200, body = NotificationSetting), Unauthorized, Invalid))]
pub(crate) async fn set_email_setting(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(n): ApiJson<NotificationSetting>,
) -> ApiResult<axum::Json<NotificationSetting>> {
    casework_app::notifications::set_by_email(&s.app, &a, n.by_email).await?;
    Ok(axum::Json(NotificationSetting {
        by_email: casework_app::notifications::by_email(&s.app, &a).await?,
    }))
}
