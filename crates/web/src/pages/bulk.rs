//! Working on many rows at once: the case list, the constituent list, the
//! intake inbox and the outbox put a tick box on each row and a bar of
//! actions under the table; this does the chosen action on every ticked
//! row, or gives the selection as a CSV file.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::post;
use casework_app::AppError;
use casework_app::bulk::{self, BulkRequest, List};
use casework_app::domain::Status;
use serde::Deserialize;

use crate::download::csv_download;
use crate::error::{PageError, PageResult, refused, render};
use crate::extract::{CsrfForm, PageActor};
use crate::layout::{Nav, nav};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/bulk/{list}", post(apply))
}

/// The bar of actions under a list (`_bulk_bar.html`).
pub(crate) struct BulkBar {
    /// `cases`, `constituents`, `intake` or `outbox`.
    pub list: &'static str,
    pub actions: Vec<(&'static str, &'static str)>,
    /// For `assign`: (user id, name).
    pub assignees: Vec<(String, String)>,
    /// For `status`: (value, label).
    pub statuses: Vec<(String, String)>,
}

impl BulkBar {
    pub(crate) async fn new(
        s: &AppState,
        who: &PageActor,
        list: &'static str,
    ) -> Result<BulkBar, PageError> {
        let actions = bulk::actions(List::parse(list).unwrap_or(List::Constituents), &who.actor);
        let assignees = if actions.iter().any(|(a, _)| *a == "assign") {
            crate::pages::options::assignee_options(s, &who.actor).await?
        } else {
            Vec::new()
        };
        Ok(BulkBar {
            list,
            actions,
            assignees,
            statuses: crate::pages::options::status_options(Status::ALL),
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BulkForm {
    /// What to do: one of the list's actions, or `export`.
    action: String,
    assignee_id: String,
    status: String,
    /// Where to go back to.
    back: String,
    /// `item_<id>` tick boxes (and the tagging fields of the same form).
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

#[derive(Template)]
#[template(path = "bulk_result.html")]
pub(crate) struct ResultPage {
    pub nav: Option<Nav>,
    pub notice: Option<String>,
    /// What was done ("Tagged Category: Housing", "Assigned to Sam Lee").
    pub heading: String,
    pub changed: usize,
    pub unchanged: usize,
    /// (row, why it was left as it was).
    pub refused: Vec<(String, String)>,
    pub back: String,
    pub error: Option<String>,
}

/// Only a path on this site, from the list the form came from.
pub(crate) fn back_to(back: &str, default: &str) -> String {
    if back.starts_with('/') && !back.starts_with("//") {
        back.to_owned()
    } else {
        default.to_owned()
    }
}

/// The ids of the ticked `item_<id>` boxes.
pub(crate) fn ticked_items(fields: &std::collections::BTreeMap<String, String>) -> Vec<i64> {
    fields
        .iter()
        .filter(|(_, v)| *v == "on")
        .filter_map(|(k, _)| k.strip_prefix("item_")?.parse().ok())
        .collect()
}

async fn apply(
    State(s): State<AppState>,
    Path(list_name): Path<String>,
    form: CsrfForm<BulkForm>,
) -> PageResult {
    let Some(list) = List::parse(&list_name) else {
        return Err(AppError::NotFound.into());
    };
    let f = &form.data;
    let who = &form.who;
    let ids = ticked_items(&f.rest);
    let back = back_to(&f.back, &format!("/{list_name}"));
    if f.action == "export" {
        return match bulk::export(&s.app, &who.actor, list, &ids).await {
            Ok(csv) => Ok(csv_download(list.file_name(), csv.into_bytes())),
            Err(AppError::Invalid(e)) => {
                let page = failed(who, list, "Nothing was exported", &e, back);
                refused(&page)
            }
            Err(e) => Err(e.into()),
        };
    }
    let req = BulkRequest {
        action: f.action.clone(),
        ids,
        assignee_id: f.assignee_id.trim().parse().ok(),
        status: f.status.clone(),
    };
    let heading = match f.action.as_str() {
        "assign" => match req.assignee_id {
            Some(u) => format!(
                "Assigned to {}",
                crate::pages::options::assignee_options(&s, &who.actor)
                    .await?
                    .into_iter()
                    .find(|(id, _)| *id == u.to_string())
                    .map_or_else(|| "a colleague".to_owned(), |(_, n)| n)
            ),
            None => "Assigned to nobody".to_owned(),
        },
        "status" => format!(
            "Status changed to {}",
            Status::parse(f.status.trim()).map_or("?", |s| s.label())
        ),
        "no_action" => "Marked as needing no action".to_owned(),
        "approve" => "Approved".to_owned(),
        "retry" => "Queued to send again".to_owned(),
        _ => "Done".to_owned(),
    };
    match bulk::apply(&s.app, &who.actor, list, &req).await {
        Ok(r) => {
            let page = ResultPage {
                nav: nav(who, section(list)),
                notice: None,
                heading,
                changed: r.changed,
                unchanged: r.unchanged,
                refused: r
                    .refused
                    .into_iter()
                    .map(|x| (x.id.to_string(), x.reason))
                    .collect(),
                back,
                error: None,
            };
            Ok(render(&page)?.into_response())
        }
        Err(AppError::Invalid(e)) => {
            let page = failed(who, list, "Nothing was changed", &e, back);
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

fn section(list: List) -> &'static str {
    match list {
        List::Cases => "cases",
        List::Constituents => "constituents",
        List::Intake => "intake",
        List::Outbox => "outbox",
    }
}

fn failed(
    who: &PageActor,
    list: List,
    heading: &str,
    e: &casework_app::domain::FieldErrors,
    back: String,
) -> ResultPage {
    ResultPage {
        nav: nav(who, section(list)),
        notice: None,
        heading: heading.to_owned(),
        changed: 0,
        unchanged: 0,
        refused: Vec::new(),
        back,
        error: Some(e.0.values().cloned().collect::<Vec<_>>().join(" ")),
    }
}
