//! Trends in the JSON API: the figures of the Trends page.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use casework_app::trends::{self, MessagesQuery, Trends, TrendsQuery};

use crate::api::common::{ApiResult, Invalid, Unauthorized};
use crate::api::correspondence::CorrespondenceList;
use crate::extract::{ApiActor, ApiQuery};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/trends", get(get_trends))
        .route("/correspondence", get(list_messages))
}

/// Counts of cases, messages or transfers by a dimension's values (or by
/// location) per week or month, with each value's change and trailing
/// average; the cases behind a count are
/// `GET /api/v1/cases?tag=…&opened_from=…&opened_before=…` (transfers:
/// `transferred_from`, `transferred_before`), the messages behind one
/// `GET /api/v1/correspondence?tag=…&received_from=…&received_before=…`.
#[utoipa::path(get, path = "/api/v1/trends", tag = "tags", params(TrendsQuery),
    responses((status = 200, body = Trends), Unauthorized, Invalid))]
pub(crate) async fn get_trends(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<TrendsQuery>,
) -> ApiResult<axum::Json<Trends>> {
    Ok(axum::Json(trends::trends(&s.app, &a, &q).await?))
}

/// The messages the reader may see that arrived (or were sent) in a period
/// with a tag, or from a location: the list behind a count of
/// `GET /api/v1/trends?kind=messages`, newest first.
#[utoipa::path(get, path = "/api/v1/correspondence", tag = "correspondence", params(MessagesQuery),
    responses((status = 200, body = CorrespondenceList), Unauthorized, Invalid))]
pub(crate) async fn list_messages(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<MessagesQuery>,
) -> ApiResult<axum::Json<CorrespondenceList>> {
    let page = trends::messages(&s.app, &a, &q).await?;
    Ok(axum::Json(CorrespondenceList {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}
