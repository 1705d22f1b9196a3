//! What several parts of the API share: the error body and the refusals
//! that carry it, the `If-Match` header, answering 201.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use casework_app::AppError;
use casework_app::domain::{Level, Status};
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

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

// The refusals every operation documents, each with the same error body.
// Listed in `#[utoipa::path(responses(...))]` by name, so an operation
// states each answer it can give without repeating the wording.

/// No API token, or one that is unknown, revoked or expired, or whose user
/// is deactivated (`code`: `unauthorized`).
#[derive(IntoResponses)]
#[response(status = 401)]
pub(crate) struct Unauthorized(#[allow(dead_code)] ErrorBody);

/// The token's role may not do this (`code`: `forbidden`).
#[derive(IntoResponses)]
#[response(status = 403)]
pub(crate) struct Forbidden(#[allow(dead_code)] ErrorBody);

/// No such record in the token's office, or one its role may not see
/// (`code`: `not_found`).
#[derive(IntoResponses)]
#[response(status = 404)]
pub(crate) struct NotFound(#[allow(dead_code)] ErrorBody);

/// The record changed since the version sent (`If-Match` or `version`):
/// read it again (`code`: `conflict`).
#[derive(IntoResponses)]
#[response(status = 409)]
pub(crate) struct Conflict(#[allow(dead_code)] ErrorBody);

/// The request cannot be done as sent: unreadable JSON or query, a field
/// out of bounds, a reference to a record that does not exist, or a step the
/// record's state does not allow (`code`: `invalid`; `fields` has a message
/// per field).
#[derive(IntoResponses)]
#[response(status = 422)]
pub(crate) struct Invalid(#[allow(dead_code)] ErrorBody);

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

/// A word from a fixed list, for the document only: handlers read these
/// fields as text and the service parses them (trimmed; refused with a 422
/// naming the field), so the lists come from the same place the service
/// uses. `""` in a list means "the default".
macro_rules! one_of {
    ($name:ident, $description:literal, $values:expr) => {
        #[doc = $description]
        pub(crate) struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let values: Vec<&'static str> = $values;
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::Type::String)
                    .description(Some($description))
                    .enum_values(Some(values))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use one_of;

fn with_default<T: Copy>(all: &[T], text: fn(T) -> &'static str) -> Vec<&'static str> {
    std::iter::once("")
        .chain(all.iter().map(|v| text(*v)))
        .collect()
}

one_of!(
    CaseLevel,
    "The level of government that can resolve the problem; empty: `other`.",
    with_default(Level::ALL, Level::as_str)
);
one_of!(
    CaseStatus,
    "Where a case is in its life; a change must follow the lifecycle.",
    Status::ALL.iter().map(|s| s.as_str()).collect()
);
one_of!(
    CaseStatusFilter,
    "Only cases with this status; empty: any.",
    with_default(Status::ALL, Status::as_str)
);
one_of!(
    CaseView,
    "`mine` and `unassigned` list active cases only; empty: `all`.",
    vec!["", "all", "mine", "unassigned", "active"]
);
one_of!(
    CaseOrder,
    "The order of the list; empty: `updated`.",
    vec!["", "updated", "oldest", "newest"]
);
one_of!(
    TransferChannel,
    "How the case is handed over; empty: `email`.",
    std::iter::once("")
        .chain(casework_app::transfers::CHANNELS.iter().map(|(k, _)| *k))
        .collect()
);
one_of!(
    NoteKind,
    "What a note or a kept file records; empty: `note`.",
    std::iter::once("")
        .chain(casework_app::cases::NOTE_KINDS.iter().map(|(k, _)| *k))
        .collect()
);
one_of!(
    ReplyOutside,
    "What senders outside the district get: the `same` reply, none (`skip`), or an `other` reply; empty: `same`.",
    vec!["", "same", "skip", "other"]
);
