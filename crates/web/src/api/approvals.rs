//! What waits for approval, in the JSON API (`/api/v1/approvals`),
//! approving an email held in the outbox, and returning a draft.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::common::{ApiResult, Forbidden, Invalid, NotFound, Unauthorized};
use crate::api::letters::ApprovedOut;
use crate::extract::{ApiActor, ApiJson, Id};
use crate::fmt::iso;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/approvals", get(list_approvals))
        .route("/outbox/{id}/approve", post(approve_email))
        .route("/correspondence/{id}/return", post(return_draft))
}

/// One thing waiting for approval.
#[derive(Serialize, ToSchema)]
pub struct WaitingOut {
    /// `letter`, `email` or `campaign_reply`.
    kind: String,
    /// The letter's correspondence id, the email's outbox id, or the
    /// campaign's id.
    id: i64,
    /// The letter's or email's correspondence id (its text:
    /// `/api/v1/correspondence/{id}`).
    correspondence_id: Option<i64>,
    case_id: Option<i64>,
    case_reference: Option<String>,
    /// The subject, or the campaign's name.
    subject: String,
    /// Who wrote it.
    author: Option<String>,
    /// Waiting since.
    since: String,
    /// Where to approve it: `POST` this path (a campaign's reply with
    /// `{"version": …}`, the version read).
    approve: String,
    /// Where to return it to its author, for a letter or email: `POST`
    /// this path with `{"comment": …}`.
    #[serde(rename = "return")]
    return_to_author: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WaitingList {
    /// Oldest first; at most 500.
    items: Vec<WaitingOut>,
}

#[utoipa::path(get, path = "/api/v1/approvals", tag = "correspondence",
    responses((status = 200, body = WaitingList), Unauthorized, Forbidden))]
pub(crate) async fn list_approvals(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> ApiResult<axum::Json<WaitingList>> {
    let items = casework_app::approvals::waiting(&s.app, &a)
        .await?
        .into_iter()
        .map(|w| WaitingOut {
            return_to_author: w
                .correspondence_id
                .map(|c| format!("/api/v1/correspondence/{c}/return")),
            approve: match w.kind.as_str() {
                "letter" => format!("/api/v1/letters/{}/approve", w.item_id),
                "email" => format!("/api/v1/outbox/{}/approve", w.item_id),
                _ => format!("/api/v1/campaigns/{}/reply/approve", w.item_id),
            },
            kind: w.kind,
            id: w.item_id,
            correspondence_id: w.correspondence_id,
            case_id: w.case_id,
            case_reference: w.case_reference,
            subject: w.subject,
            author: w.author,
            since: iso(w.since),
        })
        .collect();
    Ok(axum::Json(WaitingList { items }))
}

#[utoipa::path(post, path = "/api/v1/outbox/{id}/approve", tag = "correspondence", params(("id" = i64, Path)),
    responses((status = 200, body = ApprovedOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn approve_email(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<ApprovedOut>> {
    casework_app::outbox::approve(&s.app, &a, id).await?;
    Ok(axum::Json(ApprovedOut::approved()))
}

/// Why a draft goes back to its author.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnIn {
    /// What should change (required; the author reads it in the draft's comments).
    #[schema(min_length = 1, max_length = 5000)]
    comment: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReturnedOut {
    /// `returned`.
    status: String,
}

#[utoipa::path(post, path = "/api/v1/correspondence/{id}/return", tag = "correspondence", params(("id" = i64, Path)),
    request_body = ReturnIn,
    responses((status = 200, body = ReturnedOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn return_draft(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(r): ApiJson<ReturnIn>,
) -> ApiResult<axum::Json<ReturnedOut>> {
    casework_app::approvals::return_draft(&s.app, &a, id, &r.comment).await?;
    Ok(axum::Json(ReturnedOut {
        status: "returned".into(),
    }))
}
