//! The outbox: outgoing mail waiting, approving it, retrying it, and
//! recording one that went after all.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::domain::{OutboxState, Permission};

use crate::error::{PageResult, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::fmt::when;
use crate::layout::{Nav, NoticeQuery, nav, notice, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/outbox", get(outbox_page))
        .route("/outbox/{id}/approve", post(outbox_approve))
        .route("/outbox/{id}/retry", post(outbox_retry))
        .route("/outbox/{id}/sent", post(outbox_mark_sent))
}

struct OutboxRow {
    id: i64,
    correspondence_id: i64,
    case: Option<(i64, String)>,
    subject: String,
    to: String,
    state: String,
    state_label: String,
    error: String,
    /// Set aside because its sender stopped mid-handover: it may have gone.
    unsure: bool,
}

pub(crate) fn outbox_label(item: &casework_app::views::OutboxItem) -> String {
    match item.state {
        OutboxState::Queued if item.attempts > 0 => format!(
            "Not sent yet: will try again at {}",
            when(item.next_attempt_at)
        ),
        OutboxState::Sent => format!("Sent {}", item.sent_at.map(when).unwrap_or_default()),
        OutboxState::Failed if casework_app::outbox::is_unsure(&item.last_error) => {
            "Perhaps sent: check".to_owned()
        }
        OutboxState::Failed => format!("Failed after {} attempts", item.attempts),
        other => other.label().to_owned(),
    }
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    status: String,
    rows: Vec<OutboxRow>,
    can_approve: bool,
    bulk: crate::pages::bulk::BulkBar,
}

async fn outbox_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let items = casework_app::outbox::list(&s.app, &who.actor).await?;
    let admin = who.actor.can(Permission::ManageStaff);
    let status = crate::layout::sending_status(
        casework_app::outbox::not_set_up(&s.app, &who.actor).await?,
        admin,
        &s.app.settings.smtp.from,
    );
    let page = OutboxPage {
        nav: nav(&who, "outbox"),
        notice: notice(&q.notice),
        csrf: who.csrf.clone(),
        status,
        can_approve: who.actor.can(Permission::ApproveOutgoing),
        bulk: crate::pages::bulk::BulkBar::new(&s, &who, "outbox").await?,
        rows: items
            .iter()
            .map(|i| OutboxRow {
                id: i.id,
                correspondence_id: i.correspondence_id,
                case: i.case_id.zip(i.case_reference.clone()),
                subject: i.subject.clone(),
                to: i.envelope_to.replace(',', ", "),
                state: i.state.to_string(),
                state_label: outbox_label(i),
                error: crate::layout::send_error_for(&who.actor, &i.last_error),
                unsure: i.state == OutboxState::Failed
                    && casework_app::outbox::is_unsure(&i.last_error),
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

async fn outbox_approve(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    casework_app::outbox::approve(&s.app, &form.who.actor, id).await?;
    Ok(see("/outbox?notice=approved".into()))
}

async fn outbox_retry(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    casework_app::outbox::retry(&s.app, &form.who.actor, id).await?;
    Ok(see("/outbox?notice=retry".into()))
}

async fn outbox_mark_sent(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    casework_app::outbox::mark_sent(&s.app, &form.who.actor, id).await?;
    Ok(see("/outbox?notice=marked_sent".into()))
}
