//! The tagging framework in the JSON API: dimensions and values
//! (`/api/v1/tags`), keeping them (add, rename, move, retire, merge, undo),
//! and the tags of a case or a piece of correspondence.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, patch, post};
use casework_app::tag_admin::{
    self, DimensionInput, MergePreview, NearDuplicate, NewValue, TagRow, ValuePatch,
};
use casework_app::tag_bulk::{self, BulkApply, BulkResult};
use casework_app::tags::{self, ItemTagOut, Tagged, TagsInput, Value};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{
    ApiResult, Conflict, Forbidden, Invalid, NotFound, Unauthorized, created,
};
use crate::extract::{ApiActor, ApiJson, ApiQuery, Id};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tags", get(list_tags).post(add_tag))
        .route("/tags/usage", get(tag_usage))
        .route("/tags/{id}/apply", post(apply_tag))
        .route("/tags/mapping", post(map_tags))
        .route(
            "/tags/framework",
            get(export_framework).post(import_framework),
        )
        .route("/tags/{id}", patch(change_tag))
        .route("/tags/{id}/merge", get(preview_merge).post(merge_tag))
        .route("/tag-merges/{id}/undo", post(undo_merge))
        .route("/tag-dimensions", post(add_dimension))
        .route("/tag-dimensions/{key}", patch(change_dimension))
        .route("/cases/{id}/tags", get(case_tags).patch(change_case_tags))
        .route(
            "/correspondence/{id}/tags",
            get(message_tags).patch(change_message_tags),
        )
}

/// A dimension with its values.
#[derive(Serialize, ToSchema)]
pub struct DimensionOut {
    /// `category`, `urgency`, `sensitivity`, `transferability`, an office's
    /// own, or `free` (tags outside the framework, several per item).
    key: String,
    name: String,
    required: bool,
    /// Whether values may have values under them (Category).
    hierarchical: bool,
    /// Parents first, each followed by its children; retired ones marked.
    values: Vec<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct Framework {
    dimensions: Vec<DimensionOut>,
}

#[utoipa::path(get, path = "/api/v1/tags", tag = "tags",
    responses((status = 200, body = Framework), Unauthorized))]
pub(crate) async fn list_tags(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> ApiResult<axum::Json<Framework>> {
    // Read afresh: each value's last use is part of the answer.
    let f = tags::framework_now(&s.app, &a).await?;
    Ok(axum::Json(Framework {
        dimensions: f
            .dimensions
            .into_iter()
            .map(|d| DimensionOut {
                key: d.dim.key,
                name: d.dim.name,
                required: d.dim.required,
                hierarchical: d.dim.hierarchical,
                values: d.values,
            })
            .collect(),
    }))
}

/// Every value with its use (counting what the reader may see), and the
/// pairs that look like one tag.
#[derive(Serialize, ToSchema)]
pub struct Usage {
    tags: Vec<TagRow>,
    near_duplicates: Vec<NearDuplicate>,
}

#[utoipa::path(get, path = "/api/v1/tags/usage", tag = "tags",
    responses((status = 200, body = Usage), Unauthorized, Forbidden))]
pub(crate) async fn tag_usage(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> ApiResult<axum::Json<Usage>> {
    let o = tag_admin::overview(&s.app, &a).await?;
    Ok(axum::Json(Usage {
        tags: o.rows,
        near_duplicates: o.near_duplicates,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CreatedId {
    id: i64,
}

#[utoipa::path(post, path = "/api/v1/tags", tag = "tags", request_body = NewValue,
    responses((status = 201, body = CreatedId), Unauthorized, Forbidden, Invalid))]
pub(crate) async fn add_tag(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<NewValue>,
) -> ApiResult<Response> {
    let id = tag_admin::add_value(&s.app, &a, &input).await?;
    Ok(created(CreatedId { id }))
}

#[derive(Serialize, ToSchema)]
pub struct Done {
    status: String,
}

fn done() -> axum::Json<Done> {
    axum::Json(Done {
        status: "done".into(),
    })
}

#[utoipa::path(patch, path = "/api/v1/tags/{id}", tag = "tags", params(("id" = i64, Path)),
    request_body = ValuePatch,
    responses((status = 200, body = Done), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn change_tag(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(patch): ApiJson<ValuePatch>,
) -> ApiResult<axum::Json<Done>> {
    tag_admin::change_value(&s.app, &a, id, &patch).await?;
    Ok(done())
}

#[derive(Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MergeInto {
    /// The value to merge into (same dimension).
    into: i64,
}

#[utoipa::path(get, path = "/api/v1/tags/{id}/merge", tag = "tags",
    params(("id" = i64, Path), MergeInto),
    responses((status = 200, body = MergePreview), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn preview_merge(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiQuery(q): ApiQuery<MergeInto>,
) -> ApiResult<axum::Json<MergePreview>> {
    Ok(axum::Json(
        tag_admin::preview_merge(&s.app, &a, id, q.into).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct MergeDone {
    /// The merge's id, for `POST /api/v1/tag-merges/{id}/undo`.
    merge_id: i64,
}

#[utoipa::path(post, path = "/api/v1/tags/{id}/merge", tag = "tags",
    params(("id" = i64, Path)), request_body = MergeInto,
    responses((status = 200, body = MergeDone), Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
pub(crate) async fn merge_tag(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(m): ApiJson<MergeInto>,
) -> ApiResult<axum::Json<MergeDone>> {
    let merge_id = tag_admin::merge(&s.app, &a, id, m.into).await?;
    Ok(axum::Json(MergeDone { merge_id }))
}

#[utoipa::path(post, path = "/api/v1/tag-merges/{id}/undo", tag = "tags",
    params(("id" = i64, Path)),
    responses((status = 200, body = Done), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn undo_merge(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<Done>> {
    tag_admin::undo_merge(&s.app, &a, id).await?;
    Ok(done())
}

#[utoipa::path(post, path = "/api/v1/tag-dimensions", tag = "tags", request_body = DimensionInput,
    responses((status = 201, body = CreatedId), Unauthorized, Forbidden, Invalid))]
pub(crate) async fn add_dimension(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<DimensionInput>,
) -> ApiResult<Response> {
    let id = tag_admin::add_dimension(&s.app, &a, &input).await?;
    Ok(created(CreatedId { id }))
}

#[utoipa::path(patch, path = "/api/v1/tag-dimensions/{key}", tag = "tags",
    params(("key" = String, Path)), request_body = DimensionInput,
    responses((status = 200, body = Done), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn change_dimension(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<DimensionInput>,
) -> ApiResult<axum::Json<Done>> {
    tag_admin::change_dimension(&s.app, &a, &key, &input).await?;
    Ok(done())
}

#[derive(Serialize, ToSchema)]
pub struct ItemTags {
    tags: Vec<ItemTagOut>,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/tags", tag = "tags", params(("id" = i64, Path)),
    responses((status = 200, body = ItemTags), Unauthorized, NotFound))]
pub(crate) async fn case_tags(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<ItemTags>> {
    let tags = tags::of_item(&s.app, &a, Tagged::Case, id).await?;
    Ok(axum::Json(ItemTags { tags }))
}

#[utoipa::path(patch, path = "/api/v1/cases/{id}/tags", tag = "tags", params(("id" = i64, Path)),
    request_body = TagsInput,
    responses((status = 200, body = ItemTags), Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
pub(crate) async fn change_case_tags(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(input): ApiJson<TagsInput>,
) -> ApiResult<axum::Json<ItemTags>> {
    let tags = tags::change(&s.app, &a, Tagged::Case, id, &input).await?;
    Ok(axum::Json(ItemTags { tags }))
}

#[utoipa::path(get, path = "/api/v1/correspondence/{id}/tags", tag = "tags", params(("id" = i64, Path)),
    responses((status = 200, body = ItemTags), Unauthorized, NotFound))]
pub(crate) async fn message_tags(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<ItemTags>> {
    let tags = tags::of_item(&s.app, &a, Tagged::Correspondence, id).await?;
    Ok(axum::Json(ItemTags { tags }))
}

#[utoipa::path(patch, path = "/api/v1/correspondence/{id}/tags", tag = "tags", params(("id" = i64, Path)),
    request_body = TagsInput,
    responses((status = 200, body = ItemTags), Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
pub(crate) async fn change_message_tags(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(input): ApiJson<TagsInput>,
) -> ApiResult<axum::Json<ItemTags>> {
    let tags = tags::change(&s.app, &a, Tagged::Correspondence, id, &input).await?;
    Ok(axum::Json(ItemTags { tags }))
}

#[utoipa::path(post, path = "/api/v1/tags/{id}/apply", tag = "tags", params(("id" = i64, Path)),
    request_body = BulkApply,
    responses((status = 200, body = BulkResult), Unauthorized, NotFound, Invalid))]
pub(crate) async fn apply_tag(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(items): ApiJson<BulkApply>,
) -> ApiResult<axum::Json<BulkResult>> {
    Ok(axum::Json(tag_bulk::apply(&s.app, &a, id, &items).await?))
}

/// A CSV file's text.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvIn {
    /// The whole file, its header first.
    #[schema(min_length = 1)]
    csv: String,
}

#[derive(Serialize, ToSchema)]
pub struct Report {
    /// What was done, a line per row (or one line for an import).
    lines: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/tags/mapping", tag = "tags", request_body = CsvIn,
    description = "Maps old tags onto the framework: a CSV with the header `old,dimension,new`. Every row is checked first; any bad row changes nothing and every bad row is reported with its line.",
    responses((status = 200, body = Report), Unauthorized, Forbidden, Invalid))]
pub(crate) async fn map_tags(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(body): ApiJson<CsvIn>,
) -> ApiResult<axum::Json<Report>> {
    let lines = tag_bulk::map_from_csv(&s.app, &a, body.csv.as_bytes()).await?;
    Ok(axum::Json(Report { lines }))
}

#[derive(Serialize, ToSchema)]
pub struct FrameworkCsv {
    /// `dimension,value,parent,required`, one row per value.
    csv: String,
}

#[utoipa::path(get, path = "/api/v1/tags/framework", tag = "tags",
    responses((status = 200, body = FrameworkCsv), Unauthorized))]
pub(crate) async fn export_framework(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> ApiResult<axum::Json<FrameworkCsv>> {
    let bytes = tag_bulk::export_csv(&s.app, &a).await?;
    Ok(axum::Json(FrameworkCsv {
        csv: String::from_utf8_lossy(&bytes).into_owned(),
    }))
}

#[utoipa::path(post, path = "/api/v1/tags/framework", tag = "tags", request_body = CsvIn,
    description = "Adds a shared framework's dimensions and values that the office lacks (CSV with the header `dimension,value,parent,required`); nothing is removed or renamed.",
    responses((status = 200, body = Report), Unauthorized, Forbidden, Invalid))]
pub(crate) async fn import_framework(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(body): ApiJson<CsvIn>,
) -> ApiResult<axum::Json<Report>> {
    let line = tag_bulk::import_csv(&s.app, &a, body.csv.as_bytes()).await?;
    Ok(axum::Json(Report { lines: vec![line] }))
}
