//! The notifications page: what needs the reader, newest first; opening
//! one marks it read; email by choice.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Deserialize;

use crate::error::{PageResult, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::fmt::when;
use crate::layout::{Nav, NoticeQuery, nav, notice, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(notifications_page))
        .route("/notifications/{id}/open", get(open))
        .route("/notifications/read", post(read_all))
        .route("/notifications/email", post(email_choice))
}

struct Row {
    id: i64,
    text: String,
    at: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    rows: Vec<Row>,
    by_email: bool,
}

async fn notifications_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let rows = casework_app::notifications::list(&s.app, &who.actor)
        .await?
        .into_iter()
        .map(|n| Row {
            id: n.id,
            text: n.text,
            at: when(n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    let page = NotificationsPage {
        nav: nav(&who, "notifications"),
        notice: notice(&q.notice),
        csrf: who.csrf.clone(),
        rows,
        by_email: casework_app::notifications::by_email(&s.app, &who.actor).await?,
    };
    Ok(render(&page)?.into_response())
}

/// Opens what a notification is about, marking it read.
async fn open(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    let link = casework_app::notifications::open(&s.app, &who.actor, id).await?;
    // Only the app's own pages.
    let to = if link.starts_with('/') && !link.starts_with("//") {
        link
    } else {
        "/notifications".to_owned()
    };
    Ok(see(to))
}

async fn read_all(State(s): State<AppState>, form: CsrfForm<serde_json::Value>) -> PageResult {
    casework_app::notifications::mark_read(&s.app, &form.who.actor, None).await?;
    Ok(see("/notifications?notice=saved".into()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailForm {
    by_email: Option<String>,
}

async fn email_choice(State(s): State<AppState>, form: CsrfForm<EmailForm>) -> PageResult {
    casework_app::notifications::set_by_email(
        &s.app,
        &form.who.actor,
        form.data.by_email.is_some(),
    )
    .await?;
    Ok(see("/notifications?notice=saved".into()))
}
