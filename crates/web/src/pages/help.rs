//! Help pages: the keyboard shortcuts (the keys themselves are
//! `/static/keys.js`, which also works the page's switch to turn them off).

use askama::Template;
use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::error::{PageResult, render};
use crate::extract::PageActor;
use crate::layout::{Nav, nav};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/help/keys", get(keys_page))
}

#[derive(Template)]
#[template(path = "help_keys.html")]
struct KeysPage {
    nav: Option<Nav>,
    notice: Option<String>,
}

async fn keys_page(who: PageActor) -> PageResult {
    let page = KeysPage {
        nav: nav(&who, "help"),
        notice: None,
    };
    Ok(render(&page)?.into_response())
}
