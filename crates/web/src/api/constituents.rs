//! Constituents in the JSON API (`/api/v1/constituents…`).

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use casework_app::constituents;
use casework_app::constituents::{ConstituentInput, ConstituentPatch};
use casework_app::views::Constituent;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{
    ApiResult, Conflict, Forbidden, Invalid, NotFound, Unauthorized, created, if_match,
};
use crate::api::timeline::TimelineList;
use crate::extract::{ApiActor, ApiJson, ApiQuery, Id};
use crate::fmt::iso;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/constituents",
            get(list_constituents).post(create_constituent),
        )
        .route(
            "/constituents/{id}",
            get(get_constituent).patch(patch_constituent),
        )
        .route("/constituents/{id}/timeline", get(constituent_timeline))
        .route("/constituents/matches", get(constituent_matches))
}

/// A constituent.
#[derive(Serialize, ToSchema)]
pub struct ConstituentOut {
    id: i64,
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    postcode: String,
    address: String,
    mailing_address: String,
    do_not_email: bool,
    do_not_mail: bool,
    do_not_phone: bool,
    notes: String,
    created_at: String,
    updated_at: String,
    version: i64,
}

impl From<Constituent> for ConstituentOut {
    fn from(c: Constituent) -> Self {
        ConstituentOut {
            id: c.id,
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone: c.phone,
            postcode: c.postcode,
            address: c.address,
            mailing_address: c.mailing_address,
            do_not_email: c.do_not_email,
            do_not_mail: c.do_not_mail,
            do_not_phone: c.do_not_phone,
            notes: c.notes,
            created_at: iso(c.created_at),
            updated_at: iso(c.updated_at),
            version: c.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConstituentList {
    items: Vec<ConstituentOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Start of a name, email, phone number or postcode.
    #[serde(default)]
    #[param(max_length = 200)]
    q: String,
    /// `next_cursor` of the page before.
    #[serde(default)]
    cursor: Option<String>,
    /// How many to answer, default 50; taken as 1–200.
    #[serde(default)]
    limit: Option<i64>,
}

/// A new constituent (`casework_app::constituents::ConstituentInput` as the
/// API reads it). A first or a last name is needed; text is trimmed, and
/// lengths count characters.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default)]
#[schema(as = ConstituentInput)]
#[allow(dead_code)]
pub(crate) struct ConstituentInputDoc {
    #[schema(max_length = 100)]
    first_name: String,
    #[schema(max_length = 100)]
    last_name: String,
    /// An email address like `name@example.org`, or empty.
    email: String,
    /// 6 to 20 digits with spaces, `+`, `-`, `(`, `)`, `.` or `x`, or empty.
    phone: String,
    #[schema(max_length = 20)]
    postcode: String,
    #[schema(max_length = 500)]
    address: String,
    #[schema(max_length = 500)]
    mailing_address: String,
    do_not_email: bool,
    do_not_mail: bool,
    do_not_phone: bool,
    #[schema(max_length = 10_000)]
    notes: String,
}

/// A partial change of a constituent: absent (or `null`) fields stay as
/// they are. The same rules as `ConstituentInput` apply to what is sent.
#[derive(Deserialize, ToSchema)]
#[schema(as = ConstituentPatch)]
#[allow(dead_code)]
pub(crate) struct ConstituentPatchDoc {
    #[schema(max_length = 100)]
    first_name: Option<String>,
    #[schema(max_length = 100)]
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    #[schema(max_length = 20)]
    postcode: Option<String>,
    #[schema(max_length = 500)]
    address: Option<String>,
    #[schema(max_length = 500)]
    mailing_address: Option<String>,
    do_not_email: Option<bool>,
    do_not_mail: Option<bool>,
    do_not_phone: Option<bool>,
    #[schema(max_length = 10_000)]
    notes: Option<String>,
    /// The version the change was made against (or the `If-Match` header).
    version: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/constituents", tag = "constituents", params(SearchQuery),
    responses((status = 200, body = ConstituentList), Unauthorized, Invalid))]
pub(crate) async fn list_constituents(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<axum::Json<ConstituentList>> {
    let page =
        constituents::search(&s.app, &a, &q.q, q.cursor.as_deref(), q.limit.unwrap_or(50)).await?;
    Ok(axum::Json(ConstituentList {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

#[utoipa::path(post, path = "/api/v1/constituents", tag = "constituents", request_body = ConstituentInputDoc,
    responses((status = 201, body = ConstituentOut), Unauthorized, Forbidden, Invalid))]
pub(crate) async fn create_constituent(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<ConstituentInput>,
) -> ApiResult<Response> {
    let c = constituents::create(&s.app, &a, &input).await?;
    Ok(created(ConstituentOut::from(c)))
}

#[utoipa::path(get, path = "/api/v1/constituents/{id}", tag = "constituents", params(("id" = i64, Path)),
    responses((status = 200, body = ConstituentOut), Unauthorized, NotFound))]
pub(crate) async fn get_constituent(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<ConstituentOut>> {
    Ok(axum::Json(constituents::get(&s.app, &a, id).await?.into()))
}

#[utoipa::path(patch, path = "/api/v1/constituents/{id}", tag = "constituents",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header, description = "The version the change is made against")),
    request_body = ConstituentPatchDoc,
    responses((status = 200, body = ConstituentOut), Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
pub(crate) async fn patch_constituent(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut patch): ApiJson<ConstituentPatch>,
) -> ApiResult<axum::Json<ConstituentOut>> {
    if let Some(v) = if_match(&headers)? {
        patch.version = Some(v);
    }
    Ok(axum::Json(
        constituents::update(&s.app, &a, id, &patch).await?.into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/constituents/{id}/timeline", tag = "constituents", params(("id" = i64, Path)),
    responses((status = 200, body = TimelineList), Unauthorized, NotFound))]
pub(crate) async fn constituent_timeline(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<TimelineList>> {
    let items = constituents::timeline(&s.app, &a, id, 1000).await?;
    Ok(axum::Json(TimelineList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct MatchQuery {
    /// What is known of the person (a name, email, phone number or
    /// postcode), for choosing them: the people it could mean.
    #[param(max_length = 200)]
    q: String,
    /// Or the details of a person about to be created: those already on
    /// file with the same email, the same phone number, or the same first
    /// and last name at the same postcode.
    #[param(max_length = 100)]
    first_name: String,
    #[param(max_length = 100)]
    last_name: String,
    #[param(max_length = 320)]
    email: String,
    #[param(max_length = 40)]
    phone: String,
    #[param(max_length = 20)]
    postcode: String,
}

/// A person who may be the one meant.
#[derive(Serialize, ToSchema)]
pub struct ConstituentMatch {
    constituent: ConstituentOut,
    /// Why they are offered as a likely duplicate ("the same email
    /// address", "the same phone number", "the same name at the same
    /// postcode"); empty for matches of `q`.
    reasons: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MatchList {
    items: Vec<ConstituentMatch>,
}

#[utoipa::path(get, path = "/api/v1/constituents/matches", tag = "constituents", params(MatchQuery),
    responses((status = 200, body = MatchList), Unauthorized, Invalid))]
pub(crate) async fn constituent_matches(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<MatchQuery>,
) -> ApiResult<axum::Json<MatchList>> {
    let mut e = casework_app::domain::FieldErrors::new();
    for (field, value, max) in [
        ("q", &q.q, 200),
        ("first_name", &q.first_name, 100),
        ("last_name", &q.last_name, 100),
        ("email", &q.email, 320),
        ("phone", &q.phone, 40),
        ("postcode", &q.postcode, 20),
    ] {
        if value.chars().count() > max {
            e.add(field, format!("At most {max} characters."));
        }
    }
    if !e.is_empty() {
        return Err(casework_app::AppError::Invalid(e).into());
    }
    let found = if q.q.trim().is_empty() {
        let input = ConstituentInput {
            first_name: q.first_name,
            last_name: q.last_name,
            email: q.email,
            phone: q.phone,
            postcode: q.postcode,
            ..ConstituentInput::default()
        };
        constituents::likely_duplicates(&s.app, &a, &input).await?
    } else {
        constituents::matches(&s.app, &a, &q.q, 20).await?
    };
    Ok(axum::Json(MatchList {
        items: found
            .into_iter()
            .map(|m| ConstituentMatch {
                constituent: m.constituent.into(),
                reasons: m.reasons.iter().map(|r| (*r).to_owned()).collect(),
            })
            .collect(),
    }))
}
