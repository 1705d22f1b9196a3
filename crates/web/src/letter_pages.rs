//! Letters to print: the queue of letters not yet printed, printing a
//! batch as one PDF, and approving letters signed by the representative.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use casework_app::domain::FieldErrors;
use casework_app::{AppError, letters};
use std::collections::HashMap;

use crate::AppState;
use crate::error::{PageError, render};
use crate::extract::{CsrfForm, Id, PageActor};
use crate::fmt::when;
use crate::pages::{Nav, correspondence_view, nav};

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/letters", get(queue_page))
        .route("/letters/print", post(print))
        .route("/correspondence/{id}/approve", post(approve))
        .route("/correspondence/{id}/comments", post(comment))
}

struct Row {
    id: i64,
    case: Option<(i64, String)>,
    subject: String,
    recipient: String,
    created: String,
    awaiting: bool,
    printed: String,
}

impl From<casework_app::store::PrintItem> for Row {
    fn from(i: casework_app::store::PrintItem) -> Self {
        Row {
            id: i.id,
            case: i.case_id.zip(i.case_reference),
            subject: i.subject,
            recipient: i.recipient,
            created: when(i.created_at),
            awaiting: i.approval == "awaiting",
            printed: i.printed_at.map(when).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "letters.html")]
struct QueuePage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    rows: Vec<Row>,
    /// Printed recently, newest first, to print again.
    printed: Vec<Row>,
    errors: FieldErrors,
}

async fn queue_view(
    s: &AppState,
    who: &PageActor,
    errors: FieldErrors,
) -> Result<QueuePage, PageError> {
    let items = letters::print_queue(&s.app, &who.actor).await?;
    let printed = letters::recently_printed(&s.app, &who.actor).await?;
    Ok(QueuePage {
        nav: nav(who, "letters"),
        notice: None,
        csrf: who.csrf.clone(),
        rows: items.into_iter().map(Row::from).collect(),
        printed: printed.into_iter().map(Row::from).collect(),
        errors,
    })
}

async fn queue_page(State(s): State<AppState>, who: PageActor) -> PageResult {
    Ok(render(&queue_view(&s, &who, FieldErrors::new()).await?)?.into_response())
}

/// The checked letters come as `letter_ID=on` fields.
async fn print(State(s): State<AppState>, form: CsrfForm<HashMap<String, String>>) -> PageResult {
    let mut ids: Vec<i64> = form
        .data
        .keys()
        .filter_map(|k| k.strip_prefix("letter_"))
        .filter_map(|id| id.parse().ok())
        .collect();
    ids.sort_unstable();
    match letters::print(&s.app, &form.who.actor, &ids).await {
        Ok(pdf) => Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"letters-{}.pdf\"", ids.len()),
                ),
            ],
            pdf,
        )
            .into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = queue_view(&s, &form.who, errors).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn approve(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    match letters::approve(&s.app, &form.who.actor, id).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/correspondence/{id}?notice=letter_approved")).into_response(),
        ),
        Err(AppError::Invalid(errors)) => {
            let page = correspondence_view(&s, &form.who, id, &None, errors).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CommentForm {
    comment: String,
}

async fn comment(State(s): State<AppState>, Id(id): Id, form: CsrfForm<CommentForm>) -> PageResult {
    match casework_app::comments::add_to_correspondence(
        &s.app,
        &form.who.actor,
        id,
        &form.data.comment,
    )
    .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/correspondence/{id}?notice=comment#comments-h"))
                .into_response(),
        ),
        Err(AppError::Invalid(errors)) => {
            let page = correspondence_view(&s, &form.who, id, &None, errors).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
