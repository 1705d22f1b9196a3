//! What several parts of the API share: the error body, the `If-Match`
//! header, answering 201.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use casework_app::AppError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

pub(crate) type ApiResult<T> = Result<T, ApiError>;

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

/// The version in an `If-Match` header (`3`, `"3"` or `W/"3"`), if any.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
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

pub(crate) fn created<T: Serialize>(body: T) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}
