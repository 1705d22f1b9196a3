//! The weekly review in the JSON API: a week's figures, recorded reviews
//! with their actions, and raising a case with the representative.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use casework_app::briefing::{self, Briefing};
use casework_app::review::{self, Review, ReviewQuery};
use casework_app::review_meeting::{self, RecordInput, Recorded, RecordedReview};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::common::{ApiResult, Forbidden, Invalid, NotFound, Unauthorized, created};
use crate::download::made_download;
use crate::extract::{ApiActor, ApiJson, ApiQuery, Id};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews", get(list_reviews).post(record_review))
        .route("/reviews/figures", get(review_figures))
        .route("/reviews/{id}", get(get_review))
        .route("/cases/{id}/flags", post(flag_case))
        .route("/reviews/{id}/briefing", get(review_briefing))
        .route("/reviews/{id}/briefing.pdf", get(review_briefing_pdf))
}

/// The figures of a week's review, as the review page shows them: what
/// came in (against the four weeks before), what went out and closed, what
/// needs action now, each caseworker's load, open cases by age, the
/// slowest agencies this quarter and the cases raised with the
/// representative. Each number carries `list`, the page that lists
/// exactly those (the same query works on the API's list of that kind).
/// Office managers and the representative get the office's (or one
/// caseworker's with `person_id`); anyone else who holds cases their own.
#[utoipa::path(get, path = "/api/v1/reviews/figures", tag = "reviews", params(ReviewQuery),
    responses((status = 200, body = Review), Unauthorized, Forbidden, Invalid))]
pub(crate) async fn review_figures(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<ReviewQuery>,
) -> ApiResult<axum::Json<Review>> {
    Ok(axum::Json(review::review(&s.app, &a, &q).await?))
}

/// The reviews recorded that the reader may read (the office's and every
/// caseworker's for office managers and the representative; one's own
/// otherwise), newest week first.
#[utoipa::path(get, path = "/api/v1/reviews", tag = "reviews",
    responses((status = 200, body = Vec<Recorded>), Unauthorized, Forbidden))]
pub(crate) async fn list_reviews(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> ApiResult<axum::Json<Vec<Recorded>>> {
    Ok(axum::Json(review_meeting::history(&s.app, &a).await?))
}

/// The id of what was made.
#[derive(Serialize, ToSchema)]
pub struct Made {
    pub id: i64,
}

/// Records the review of a week: who attended, what was decided, and the
/// actions on cases, each made a task on its case (all or none). The
/// figures are kept as they stand.
#[utoipa::path(post, path = "/api/v1/reviews", tag = "reviews", request_body = RecordInput,
    responses((status = 201, body = Made), Unauthorized, Forbidden, Invalid))]
pub(crate) async fn record_review(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<RecordInput>,
) -> ApiResult<Response> {
    let id = review_meeting::record(&s.app, &a, &input).await?;
    Ok(created(Made { id }))
}

/// A recorded review: its actions with whether each task is done, and the
/// figures as they were when it was recorded.
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "reviews", params(("id" = i64, Path)),
    responses((status = 200, body = RecordedReview), Unauthorized, NotFound))]
pub(crate) async fn get_review(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<RecordedReview>> {
    Ok(axum::Json(review_meeting::recorded(&s.app, &a, id).await?))
}

/// A case raised with the representative.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagIn {
    /// One line for the representative: not blank, no line breaks.
    #[schema(min_length = 1, max_length = 300, pattern = r"^[^\r\n]*\S[^\r\n]*$")]
    pub summary: String,
}

/// Raises a case with the representative: it is listed, with its line,
/// in the week's review.
#[utoipa::path(post, path = "/api/v1/cases/{id}/flags", tag = "reviews", params(("id" = i64, Path)),
    request_body = FlagIn,
    responses((status = 201, body = Made), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn flag_case(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(input): ApiJson<FlagIn>,
) -> ApiResult<Response> {
    let id = review_meeting::flag(&s.app, &a, id, &input.summary).await?;
    Ok(created(Made { id }))
}

/// The representative's briefing made from a recorded review: the top
/// issues and those rising, the cases raised with the representative
/// (those the reader may not see named only as raised), the agencies slow
/// to reply, the week's counts and what the review decided.
#[utoipa::path(get, path = "/api/v1/reviews/{id}/briefing", tag = "reviews", params(("id" = i64, Path)),
    responses((status = 200, body = Briefing), Unauthorized, NotFound))]
pub(crate) async fn review_briefing(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<Briefing>> {
    Ok(axum::Json(
        briefing::briefing(&s.app, &a, Some(id), "").await?,
    ))
}

/// The briefing as a PDF on the office's letterhead.
#[utoipa::path(get, path = "/api/v1/reviews/{id}/briefing.pdf", tag = "reviews", params(("id" = i64, Path)),
    responses((status = 200, description = "The briefing", content_type = "application/pdf"),
        Unauthorized, NotFound))]
pub(crate) async fn review_briefing_pdf(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<Response> {
    let (name, pdf) = briefing::pdf(&s.app, &a, Some(id), "").await?;
    Ok(made_download("application/pdf", &name, pdf))
}
