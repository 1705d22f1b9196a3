//! The tags page (admins and office managers): every value with its use,
//! the near-duplicates, merging with a preview and an undo, renaming,
//! moving, retiring, and the office's own dimensions.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::domain::{FieldErrors, Permission};
use casework_app::tag_admin::{self, DimensionInput, NewValue, ValuePatch};
use casework_app::{AppError, tags};
use serde::Deserialize;

use crate::error::{PageResult, refused, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::fmt::{day, when};
use crate::layout::{Nav, NoticeQuery, nav, notice, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tags", get(tags_page).post(value_add))
        .route("/tags/dimensions", post(dimension_add))
        .route("/tags/dimensions/{key}", post(dimension_save))
        .route("/tags/{id}", get(value_page).post(value_save))
        .route("/tags/{id}/merge", get(merge_preview).post(merge_do))
        .route("/tag-merges/{id}/undo", post(merge_undo))
        .route("/tags/wards", post(wards_upload))
        .route("/tags/mapping", post(mapping_upload))
        .route("/tags/framework", post(framework_upload))
        .route("/tags/framework.csv", get(framework_download))
}

struct Row {
    id: i64,
    path: String,
    child: bool,
    retired: bool,
    cases: i64,
    messages: i64,
    last_used: String,
    aliases: String,
}

struct DimensionBlock {
    key: String,
    name: String,
    required: bool,
    free: bool,
    hierarchical: bool,
    rows: Vec<Row>,
    parents: Vec<(String, String)>,
}

struct MergeRow {
    id: i64,
    text: String,
    at: String,
    undone: bool,
}

struct EventRow {
    at: String,
    who: String,
    text: String,
}

#[derive(Template)]
#[template(path = "tags.html")]
struct TagsPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    dimensions: Vec<DimensionBlock>,
    near: Vec<casework_app::tag_admin::NearDuplicate>,
    merges: Vec<MergeRow>,
    events: Vec<EventRow>,
    report: Vec<String>,
    errors: FieldErrors,
    ward_postcodes: i64,
    /// What a mapping or an import just did.
    done: Vec<String>,
}

async fn tags_view(
    s: &AppState,
    who: &PageActor,
    code: &Option<String>,
    errors: FieldErrors,
) -> Result<TagsPage, crate::error::PageError> {
    let o = tag_admin::overview(&s.app, &who.actor).await?;
    let name = |id: i64| {
        o.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("tag {id}"))
    };
    let dimensions = o
        .framework
        .dimensions
        .iter()
        .filter(|d| d.dim.kind != "location")
        .map(|d| DimensionBlock {
            key: d.dim.key.clone(),
            name: d.dim.name.clone(),
            required: d.dim.required,
            free: d.dim.is_free(),
            hierarchical: d.dim.hierarchical,
            parents: d
                .values
                .iter()
                .filter(|v| v.parent_id.is_none() && !v.retired)
                .map(|v| (v.id.to_string(), v.name.clone()))
                .collect(),
            rows: o
                .rows
                .iter()
                .filter(|r| r.dimension == d.dim.key)
                .map(|r| Row {
                    id: r.id,
                    path: r.path.clone(),
                    child: r.parent_id.is_some(),
                    retired: r.retired,
                    cases: r.cases,
                    messages: r.messages,
                    last_used: r.last_used_at.map(day).unwrap_or_else(|| "—".into()),
                    aliases: r.aliases.join(", "),
                })
                .collect(),
        })
        .collect();
    let merges = o
        .merges
        .iter()
        .map(|m| MergeRow {
            id: m.id,
            text: format!(
                "{} merged into {} ({} cases, {} messages)",
                name(m.from_tag_id),
                name(m.into_tag_id),
                m.cases,
                m.messages
            ),
            at: when(m.at),
            undone: m.undone_at.is_some(),
        })
        .collect();
    let events = o
        .events
        .iter()
        .map(|e| EventRow {
            at: when(e.at),
            who: e.actor_name.clone().unwrap_or_else(|| "Casework".into()),
            text: format!("{}: {}", e.kind.replace('_', " "), e.detail),
        })
        .collect();
    Ok(TagsPage {
        nav: nav(who, "tags"),
        notice: notice(code),
        csrf: who.csrf.clone(),
        dimensions,
        near: o.near_duplicates,
        merges,
        events,
        report: o.report.lines().map(str::to_owned).collect(),
        errors,
        ward_postcodes: o.ward_postcodes,
        done: Vec::new(),
    })
}

async fn tags_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let page = tags_view(&s, &who, &q.notice, FieldErrors::new()).await?;
    Ok(render(&page)?.into_response())
}

/// Re-shows the tags page with the errors of a refused form.
async fn tags_refused(s: &AppState, who: &PageActor, e: AppError) -> PageResult {
    match e {
        AppError::Invalid(errors) => {
            let page = tags_view(s, who, &None, errors).await?;
            refused(&page)
        }
        other => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ValueForm {
    dimension: String,
    name: String,
    parent_id: String,
}

async fn value_add(State(s): State<AppState>, form: CsrfForm<ValueForm>) -> PageResult {
    let f = &form.data;
    let input = NewValue {
        dimension: f.dimension.clone(),
        name: f.name.clone(),
        parent_id: f.parent_id.trim().parse().ok(),
    };
    match tag_admin::add_value(&s.app, &form.who.actor, &input).await {
        Ok(_) => Ok(see("/tags?notice=tag_added".into())),
        Err(e) => tags_refused(&s, &form.who, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DimensionForm {
    name: String,
    required: String,
}

async fn dimension_add(State(s): State<AppState>, form: CsrfForm<DimensionForm>) -> PageResult {
    let input = DimensionInput {
        name: Some(form.data.name.clone()),
        required: Some(form.data.required == "on"),
    };
    match tag_admin::add_dimension(&s.app, &form.who.actor, &input).await {
        Ok(_) => Ok(see("/tags?notice=saved".into())),
        Err(e) => tags_refused(&s, &form.who, e).await,
    }
}

async fn dimension_save(
    State(s): State<AppState>,
    axum::extract::Path(key): axum::extract::Path<String>,
    form: CsrfForm<DimensionForm>,
) -> PageResult {
    let input = DimensionInput {
        name: Some(form.data.name.clone()).filter(|n| !n.trim().is_empty()),
        required: Some(form.data.required == "on"),
    };
    match tag_admin::change_dimension(&s.app, &form.who.actor, &key, &input).await {
        Ok(()) => Ok(see("/tags?notice=saved".into())),
        Err(e) => tags_refused(&s, &form.who, e).await,
    }
}

#[derive(Template)]
#[template(path = "tag.html")]
struct ValuePage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    id: i64,
    name: String,
    path: String,
    dimension: String,
    retired: bool,
    hierarchical: bool,
    parent: String,
    parents: Vec<(String, String)>,
    others: Vec<(String, String)>,
    errors: FieldErrors,
}

async fn value_view(
    s: &AppState,
    who: &PageActor,
    id: i64,
    errors: FieldErrors,
) -> Result<ValuePage, crate::error::PageError> {
    who.actor.require(Permission::ManageTags)?;
    let f = tags::framework(&s.app, &who.actor).await?;
    let (d, v) = f.value(id).ok_or(AppError::NotFound)?;
    Ok(ValuePage {
        nav: nav(who, "tags"),
        notice: None,
        csrf: who.csrf.clone(),
        id,
        name: v.name.clone(),
        path: v.path.clone(),
        dimension: d.dim.name.clone(),
        retired: v.retired,
        hierarchical: d.dim.hierarchical,
        parent: v.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        parents: d
            .values
            .iter()
            .filter(|p| p.parent_id.is_none() && p.id != id && !p.retired)
            .map(|p| (p.id.to_string(), p.name.clone()))
            .collect(),
        others: d
            .values
            .iter()
            .filter(|o| o.id != id && !o.retired && o.parent_id != Some(id))
            .map(|o| (o.id.to_string(), o.path.clone()))
            .collect(),
        errors,
    })
}

async fn value_page(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    let page = value_view(&s, &who, id, FieldErrors::new()).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ValueSaveForm {
    name: String,
    parent_id: String,
    /// `retire`, `restore`, or empty for a rename or move.
    action: String,
}

async fn value_save(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<ValueSaveForm>,
) -> PageResult {
    let f = &form.data;
    let patch = match f.action.as_str() {
        "retire" => ValuePatch {
            retired: Some(true),
            ..ValuePatch::default()
        },
        "restore" => ValuePatch {
            retired: Some(false),
            ..ValuePatch::default()
        },
        _ => ValuePatch {
            name: Some(f.name.clone()),
            parent_id: Some(f.parent_id.trim().parse().unwrap_or(0)),
            retired: None,
        },
    };
    match tag_admin::change_value(&s.app, &form.who.actor, id, &patch).await {
        Ok(()) => Ok(see("/tags?notice=saved".into())),
        Err(AppError::Invalid(errors)) => {
            let page = value_view(&s, &form.who, id, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IntoQuery {
    into: String,
}

#[derive(Template)]
#[template(path = "tag_merge.html")]
struct MergePage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    id: i64,
    into: i64,
    from: String,
    into_name: String,
    cases: i64,
    messages: i64,
    children: i64,
}

async fn merge_preview(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<IntoQuery>,
) -> PageResult {
    let Ok(into) = q.into.trim().parse::<i64>() else {
        let page = value_view(
            &s,
            &who,
            id,
            one_error("into", "Choose the tag to merge into."),
        )
        .await?;
        return refused(&page);
    };
    match tag_admin::preview_merge(&s.app, &who.actor, id, into).await {
        Ok(p) => {
            let page = MergePage {
                nav: nav(&who, "tags"),
                notice: None,
                csrf: who.csrf.clone(),
                id,
                into,
                from: p.from,
                into_name: p.into,
                cases: p.changes.cases,
                messages: p.changes.messages,
                children: p.changes.children,
            };
            Ok(render(&page)?.into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let page = value_view(&s, &who, id, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

fn one_error(field: &str, msg: &str) -> FieldErrors {
    let mut e = FieldErrors::new();
    e.add(field, msg);
    e
}

async fn merge_do(State(s): State<AppState>, Id(id): Id, form: CsrfForm<IntoQuery>) -> PageResult {
    let into: i64 = form.data.into.trim().parse().unwrap_or(0);
    match tag_admin::merge(&s.app, &form.who.actor, id, into).await {
        Ok(_) => Ok(see("/tags?notice=merged".into())),
        Err(AppError::Invalid(errors)) => {
            let page = value_view(&s, &form.who, id, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn merge_undo(State(s): State<AppState>, Id(id): Id, form: CsrfForm<Empty>) -> PageResult {
    match tag_admin::undo_merge(&s.app, &form.who.actor, id).await {
        Ok(()) => Ok(see("/tags?notice=merge_undone".into())),
        Err(e) => tags_refused(&s, &form.who, e).await,
    }
}

/// Loads the office's postcode → ward table from a CSV file.
async fn wards_upload(State(s): State<AppState>, form: crate::extract::UploadForm) -> PageResult {
    let Some(file) = form.files.into_iter().find(|f| !f.data.is_empty()) else {
        return tags_refused(
            &s,
            &form.who,
            AppError::field("file", "Choose a CSV file with the header postcode,ward."),
        )
        .await;
    };
    match casework_app::trends::load_postcode_wards(&s.app, &form.who.actor, &file.data).await {
        Ok(_) => Ok(see("/tags?notice=wards".into())),
        Err(e) => tags_refused(&s, &form.who, e).await,
    }
}

/// The first non-empty file of an upload, or the tags page saying so.
fn one_file(form: crate::extract::UploadForm) -> (PageActor, Option<Vec<u8>>) {
    let data = form
        .files
        .into_iter()
        .find(|f| !f.data.is_empty())
        .map(|f| f.data);
    (form.who, data)
}

async fn done_page(s: &AppState, who: &PageActor, done: Vec<String>) -> PageResult {
    let mut page = tags_view(s, who, &None, FieldErrors::new()).await?;
    page.done = done;
    Ok(render(&page)?.into_response())
}

/// Maps old tags onto the framework from a CSV file (`old,dimension,new`).
async fn mapping_upload(State(s): State<AppState>, form: crate::extract::UploadForm) -> PageResult {
    let (who, file) = one_file(form);
    let Some(bytes) = file else {
        return tags_refused(
            &s,
            &who,
            AppError::field(
                "csv",
                "Choose a CSV file with the header old,dimension,new.",
            ),
        )
        .await;
    };
    match casework_app::tag_bulk::map_from_csv(&s.app, &who.actor, &bytes).await {
        Ok(report) => done_page(&s, &who, report).await,
        Err(e) => tags_refused(&s, &who, e).await,
    }
}

/// Adds a shared framework's dimensions and values from a CSV file.
async fn framework_upload(
    State(s): State<AppState>,
    form: crate::extract::UploadForm,
) -> PageResult {
    let (who, file) = one_file(form);
    let Some(bytes) = file else {
        return tags_refused(
            &s,
            &who,
            AppError::field(
                "csv",
                "Choose a CSV file with the header dimension,value,parent,required.",
            ),
        )
        .await;
    };
    match casework_app::tag_bulk::import_csv(&s.app, &who.actor, &bytes).await {
        Ok(report) => done_page(&s, &who, vec![report]).await,
        Err(e) => tags_refused(&s, &who, e).await,
    }
}

/// The office's framework as CSV, to share.
async fn framework_download(State(s): State<AppState>, who: PageActor) -> PageResult {
    who.actor.require(Permission::ManageTags)?;
    let bytes = casework_app::tag_bulk::export_csv(&s.app, &who.actor).await?;
    Ok(crate::download::csv_download(
        "tagging-framework.csv",
        bytes,
    ))
}
