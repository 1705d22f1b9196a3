//! Letters in the JSON API: writing one for a case, the letters to print,
//! printing them and approving them.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use casework_app::letters;
use casework_app::views::PrintItem;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{ApiResult, Forbidden, Invalid, NotFound, Unauthorized, created};
use crate::extract::{ApiActor, ApiJson, ApiQuery, Id};
use crate::fmt::iso;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/letters",
            axum::routing::post(create_case_letter),
        )
        .route("/letters", get(list_letters))
        .route("/letters/print", post(print_letters))
        .route("/letters/{id}/approve", post(approve_letter))
}

/// A letter to write on a case (`casework_app::letters::LetterRequest` as
/// the API reads it): a template's name, or a text of its own.
#[derive(Deserialize, ToSchema)]
#[schema(as = LetterRequest)]
#[allow(dead_code)]
pub(crate) struct LetterRequestDoc {
    /// A template's name; used when not blank.
    template: Option<String>,
    /// The letter's text, with merge fields such as
    /// `{{ constituent.first_name }}`; needed when there is no template.
    body: Option<String>,
    /// Whom the letter is addressed to, a line each (name, then address;
    /// at most 200 characters a line); empty: the case's constituent.
    #[schema(max_items = 10)]
    to: Option<Vec<String>>,
    /// A letter on this case waiting for approval that this one replaces
    /// (its edited version, by an approver or its author): one step, and
    /// the new version waits for approval as the old one did unless an
    /// approver writes it. A draft no longer waiting is a 422.
    replaces: Option<i64>,
}

/// A letter created on a case.
#[derive(Serialize, ToSchema)]
pub struct LetterCreated {
    /// The correspondence id of the letter; its PDF is at `/api/v1/correspondence/{id}/raw`.
    id: i64,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/letters", tag = "correspondence", params(("id" = i64, Path)),
    request_body = LetterRequestDoc,
    responses((status = 201, body = LetterCreated), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn create_case_letter(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(req): ApiJson<casework_app::letters::LetterRequest>,
) -> ApiResult<Response> {
    let cid = casework_app::letters::create(&s.app, &a, id, &req).await?;
    Ok(created(LetterCreated { id: cid }))
}

/// A letter to print, or printed.
#[derive(Serialize, ToSchema)]
pub struct LetterOut {
    /// The letter's correspondence id (its PDF: `/api/v1/correspondence/{id}/raw`).
    id: i64,
    case_id: Option<i64>,
    case_reference: Option<String>,
    subject: String,
    recipient: String,
    created_at: String,
    /// `awaiting` (signed by the representative, not yet approved),
    /// `approved`, or empty (no approval needed).
    approval: String,
    /// When it was last printed; absent if never.
    printed_at: Option<String>,
}

impl From<PrintItem> for LetterOut {
    fn from(i: PrintItem) -> Self {
        LetterOut {
            id: i.id,
            case_id: i.case_id,
            case_reference: i.case_reference,
            subject: i.subject,
            recipient: i.recipient,
            created_at: iso(i.created_at),
            approval: i.approval.to_string(),
            printed_at: i.printed_at.map(iso),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LetterList {
    items: Vec<LetterOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LettersQuery {
    /// `false` (default): letters not yet printed, oldest first (up to 500);
    /// `true`: the 50 printed most recently, newest first.
    #[serde(default)]
    printed: bool,
}

#[utoipa::path(get, path = "/api/v1/letters", tag = "correspondence", params(LettersQuery),
    responses((status = 200, body = LetterList), Unauthorized, Forbidden, Invalid))]
pub(crate) async fn list_letters(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<LettersQuery>,
) -> ApiResult<axum::Json<LetterList>> {
    let items = if q.printed {
        letters::recently_printed(&s.app, &a).await?
    } else {
        letters::print_queue(&s.app, &a).await?
    };
    Ok(axum::Json(LetterList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrintIn {
    /// The letters to print (1–500), in this order of their cases' letters;
    /// printed letters may be printed again.
    #[schema(min_items = 1, max_items = 500)]
    ids: Vec<i64>,
}

#[utoipa::path(post, path = "/api/v1/letters/print", tag = "correspondence", request_body = PrintIn,
    responses((status = 200, description = "One PDF, each letter on its own pages; the letters are marked printed", content_type = "application/pdf"),
        Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn print_letters(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(req): ApiJson<PrintIn>,
) -> ApiResult<Response> {
    let mut ids = req.ids;
    ids.sort_unstable();
    ids.dedup();
    let pdf = letters::print(&s.app, &a, &ids).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"letters-{}.pdf\"", ids.len()),
            ),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ApprovedOut {
    /// `approved`.
    status: String,
}

impl ApprovedOut {
    pub(crate) fn approved() -> Self {
        ApprovedOut {
            status: "approved".into(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/letters/{id}/approve", tag = "correspondence", params(("id" = i64, Path)),
    responses((status = 200, body = ApprovedOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn approve_letter(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<ApprovedOut>> {
    letters::approve(&s.app, &a, id).await?;
    Ok(axum::Json(ApprovedOut::approved()))
}
