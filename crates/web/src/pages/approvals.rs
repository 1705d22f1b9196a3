//! The approvals page: everything waiting for an office manager or the
//! representative, oldest first, approved from the list.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::error::{PageError, PageResult, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::fmt::when;
use crate::layout::{Nav, NoticeQuery, nav, notice, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/approvals", get(approvals_page))
        .route("/approvals/letters/{id}", post(approve_letter))
        .route("/approvals/emails/{id}", post(approve_email))
}

/// One thing waiting, as listed.
pub(crate) struct WaitingRow {
    pub kind: &'static str,
    /// Where it is read in full.
    pub href: String,
    /// Where the approve button posts (none for a campaign's reply, which
    /// is approved on its page, at the version read).
    pub approve: Option<String>,
    pub case: Option<(i64, String)>,
    pub subject: String,
    pub author: String,
    pub since: String,
}

impl From<casework_app::views::Waiting> for WaitingRow {
    fn from(w: casework_app::views::Waiting) -> Self {
        let (kind, href, approve) = match w.kind.as_str() {
            "letter" => (
                "Letter",
                format!("/correspondence/{}", w.item_id),
                Some(format!("/approvals/letters/{}", w.item_id)),
            ),
            "email" => (
                "Email",
                format!(
                    "/correspondence/{}",
                    w.correspondence_id.unwrap_or_default()
                ),
                Some(format!("/approvals/emails/{}", w.item_id)),
            ),
            _ => (
                "Campaign reply",
                format!("/campaigns/{}#reply-h", w.item_id),
                None,
            ),
        };
        WaitingRow {
            kind,
            href,
            approve,
            case: w.case_id.zip(w.case_reference),
            subject: if w.subject.trim().is_empty() {
                "(no subject)".into()
            } else {
                w.subject
            },
            author: w.author.unwrap_or_else(|| "Someone".into()),
            since: when(w.since),
        }
    }
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    rows: Vec<WaitingRow>,
}

async fn approvals_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let rows = casework_app::approvals::waiting(&s.app, &who.actor)
        .await?
        .into_iter()
        .map(WaitingRow::from)
        .collect();
    let page = ApprovalsPage {
        nav: nav(&who, "approvals"),
        notice: notice(&q.notice),
        csrf: who.csrf.clone(),
        rows,
    };
    Ok(render(&page)?.into_response())
}

async fn approve_letter(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    casework_app::letters::approve(&s.app, &form.who.actor, id)
        .await
        .map_err(PageError)?;
    Ok(see("/approvals?notice=letter_approved".into()))
}

async fn approve_email(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    casework_app::outbox::approve(&s.app, &form.who.actor, id)
        .await
        .map_err(PageError)?;
    Ok(see("/approvals?notice=approved".into()))
}
