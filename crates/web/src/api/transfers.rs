//! Transfers in the JSON API: transferring a case, its transfers, and its
//! handover package as JSON (documented in docs/handover.md) and PDF.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use casework_app::transfers::{self, Handover, TransferOut};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{
    ApiResult, Conflict, Forbidden, Invalid, NotFound, TransferChannel, Unauthorized, created,
};
use crate::download::made_download;
use crate::extract::{ApiActor, ApiJson, ApiQuery, Id};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/transfer", post(transfer_case))
        .route("/cases/{id}/transfers", get(case_transfers))
        .route("/cases/{id}/handover", get(case_handover))
        .route("/cases/{id}/handover.pdf", get(case_handover_pdf))
}

/// A transfer to make (`casework_app::transfers::TransferRequest` as the
/// API reads it).
#[derive(Deserialize, ToSchema)]
#[schema(as = TransferRequest)]
#[allow(dead_code)]
pub(crate) struct TransferRequestDoc {
    /// Who takes the case over ("Office of the MPP for Riverside North").
    #[schema(min_length = 1, max_length = 200)]
    to: String,
    /// `email` (default): a referral email to `email`, with the handover
    /// package attached as PDF unless `attach_package` is false; `letter`:
    /// a referral letter addressed to `to` and `address`, kept on the case
    /// for printing; `none`: handed over another way, recorded only.
    #[schema(value_type = Option<TransferChannel>, inline)]
    send: Option<String>,
    /// The referral email's address (needed for `email`).
    email: Option<String>,
    /// The referral letter's postal address, a line each (at most 9 lines
    /// of 200 characters).
    address: Option<String>,
    /// The Transferability value (its id or name) the case goes as; empty:
    /// the case's own when it is one that transfers, or the only such value.
    destination: Option<String>,
    /// Why the case is transferred (kept on the case, written into the
    /// standard referral).
    #[schema(max_length = 2000)]
    reason: Option<String>,
    /// A template's name for the referral; empty: the standard referral,
    /// unless `body` is written.
    template: Option<String>,
    /// The referral's own text (merge fields allowed).
    #[schema(max_length = 100_000)]
    body: Option<String>,
    /// Attach the handover package to a referral email (default true).
    attach_package: Option<bool>,
    /// Put the case's notes in the attached package (default false).
    include_notes: Option<bool>,
    /// The case's `version` as read; a case changed since is a 409.
    version: Option<i64>,
}

/// Transfers a case to another office or level of government: the referral
/// email (with the handover package attached) or letter is made, then the
/// case is marked `transferred` with its Transferability value, the transfer
/// recorded and counted in `GET /api/v1/trends?kind=transfers`. A case that
/// is not active (resolved, closed, already transferred) is refused.
#[utoipa::path(post, path = "/api/v1/cases/{id}/transfer", tag = "cases", params(("id" = i64, Path)),
    request_body = TransferRequestDoc,
    responses((status = 201, body = TransferOut), Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
pub(crate) async fn transfer_case(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(req): ApiJson<transfers::TransferRequest>,
) -> ApiResult<Response> {
    Ok(created(transfers::transfer(&s.app, &a, id, &req).await?))
}

#[derive(Serialize, ToSchema)]
pub struct TransferList {
    /// Oldest first.
    items: Vec<TransferOut>,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/transfers", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = TransferList), Unauthorized, NotFound))]
pub(crate) async fn case_transfers(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<TransferList>> {
    let items = transfers::of_case(&s.app, &a, id).await?;
    Ok(axum::Json(TransferList { items }))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub(crate) struct PackageQuery {
    /// Put the case's notes (calls, meetings, notes) in the package too.
    notes: bool,
}

/// The handover package of a case: the case, the constituent, the people on
/// it and its correspondence (with its attachments' names and SHA-256),
/// under the reader's permissions. Layout: docs/handover.md.
#[utoipa::path(get, path = "/api/v1/cases/{id}/handover", tag = "cases",
    params(("id" = i64, Path), PackageQuery),
    responses((status = 200, body = Handover), Unauthorized, NotFound, Invalid))]
pub(crate) async fn case_handover(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiQuery(q): ApiQuery<PackageQuery>,
) -> ApiResult<axum::Json<Handover>> {
    Ok(axum::Json(
        transfers::handover(&s.app, &a, id, q.notes).await?,
    ))
}

/// The handover package as one PDF on the office's letterhead.
#[utoipa::path(get, path = "/api/v1/cases/{id}/handover.pdf", tag = "cases",
    params(("id" = i64, Path), PackageQuery),
    responses((status = 200, description = "The handover package", content_type = "application/pdf"),
        Unauthorized, NotFound, Invalid))]
pub(crate) async fn case_handover_pdf(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiQuery(q): ApiQuery<PackageQuery>,
) -> ApiResult<Response> {
    let (reference, pdf) = transfers::package_pdf(&s.app, &a, id, q.notes).await?;
    Ok(made_download(
        "application/pdf",
        &format!("handover-{reference}.pdf"),
        pdf,
    ))
}
