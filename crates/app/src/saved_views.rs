//! Saved views: a person keeps a list's filters under a name, and the menu
//! shows each with how many rows it holds (the length of the list its link
//! opens, under the same permissions).

use casework_domain::FieldErrors;
use casework_store::SavedView;

use crate::cases::CaseQuery;
use crate::{Actor, App, AppError, AppResult, check};

/// The most views a person keeps.
pub const MAX_VIEWS: usize = 20;
/// Counts above this show as "100+".
pub const VIEW_COUNT_CAP: i64 = 100;

/// A saved view with the number of rows it holds now (at most the cap).
#[derive(Debug, Clone)]
pub struct ViewCount {
    pub view: SavedView,
    /// Where it opens.
    pub href: String,
    pub count: i64,
}

/// The filters that were set, in a stable form: blank values dropped,
/// paging left out (a view opens at its first page).
fn tidy(query: &str) -> AppResult<String> {
    let unreadable = || AppError::field("query", "These filters cannot be read.");
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|_| unreadable())?;
    let kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, v)| !v.trim().is_empty() && k != "cursor" && k != "limit")
        .collect();
    serde_urlencoded::to_string(&kept).map_err(|_| unreadable())
}

/// The case-list query a saved view holds.
fn case_query(query: &str) -> AppResult<CaseQuery> {
    serde_urlencoded::from_str(&tidy(query)?)
        .map_err(|_| AppError::field("query", "These filters cannot be read."))
}

fn href(v: &SavedView) -> String {
    if v.query.is_empty() {
        format!("/{}", v.list)
    } else {
        format!("/{}?{}", v.list, v.query)
    }
}

/// Saves the filters of a list under a name (replacing a view of that
/// name). The filters are checked by running them.
pub async fn save(app: &App, actor: &Actor, name: &str, list: &str, query: &str) -> AppResult<i64> {
    let mut e = FieldErrors::new();
    let name = e.required("name", "The view's name", name, 60);
    if list != "cases" {
        e.add("list", "Only the case list can be saved as a view.");
    }
    check(e)?;
    let query = tidy(query)?;
    let mut q = case_query(&query)?;
    q.limit = Some(1);
    crate::cases::list(app, actor, &q).await?;
    let data = app.data_for(actor);
    let mine = data.saved_views(actor.user_id).await?;
    if mine.len() >= MAX_VIEWS && !mine.iter().any(|v| v.name == name) {
        return Err(AppError::field(
            "name",
            format!("You have {MAX_VIEWS} saved views: delete one first."),
        ));
    }
    let id = data
        .save_view(actor.user_id, &name, list, &query, app.now())
        .await?;
    tracing::info!(by = actor.user_id, view = id, "view saved");
    Ok(id)
}

pub async fn delete(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    Ok(app.data_for(actor).delete_view(actor.user_id, id).await?)
}

/// The person's saved views, each with its count (at most the cap). A
/// view whose filters no longer work (a category merged away) counts 0.
pub async fn counts(app: &App, actor: &Actor) -> AppResult<Vec<ViewCount>> {
    let views = crate::memo::saved_views(app, actor).await?;
    let mut out = Vec::with_capacity(views.len());
    for view in views {
        let count = match case_query(&view.query) {
            Ok(mut q) => {
                q.limit = Some(VIEW_COUNT_CAP + 1);
                match crate::cases::list(app, actor, &q).await {
                    Ok(page) => page.items.len() as i64,
                    Err(AppError::Invalid(_)) => 0,
                    Err(e) => return Err(e),
                }
            }
            Err(_) => 0,
        };
        out.push(ViewCount {
            href: href(&view),
            view,
            count,
        });
    }
    Ok(out)
}

/// The person's saved views, by name, with where each opens.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<(SavedView, String)>> {
    Ok(crate::memo::saved_views(app, actor)
        .await?
        .into_iter()
        .map(|v| {
            let h = href(&v);
            (v, h)
        })
        .collect())
}
