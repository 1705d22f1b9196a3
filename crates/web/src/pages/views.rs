//! Saved views: the case list's filters kept under a name, shown in the
//! menu with their counts; saved and deleted from the case list.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;

use crate::error::{PageError, PageResult};
use crate::extract::{CsrfForm, Id};
use crate::layout::see;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/views", post(save))
        .route("/views/{id}/delete", post(delete))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ViewForm {
    name: String,
    /// The list's filters, as its address's query.
    query: String,
}

async fn save(State(s): State<AppState>, form: CsrfForm<ViewForm>) -> PageResult {
    let f = &form.data;
    casework_app::saved_views::save(&s.app, &form.who.actor, &f.name, "cases", &f.query)
        .await
        .map_err(PageError)?;
    Ok(see(if f.query.is_empty() {
        "/cases?notice=view_saved".to_owned()
    } else {
        format!("/cases?{}&notice=view_saved", f.query)
    }))
}

async fn delete(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    casework_app::saved_views::delete(&s.app, &form.who.actor, id)
        .await
        .map_err(PageError)?;
    Ok(see("/cases?notice=view_deleted".into()))
}
