//! The administrators' status page (`/admin/status`): failed emails with
//! the mail server's own words, the office's mailboxes and the background
//! jobs, each with its last error. Staff pages say only what these mean.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::error::{PageResult, render};
use crate::extract::PageActor;
use crate::fmt::when;
use crate::layout::{Nav, nav};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/admin/status", get(status_page))
}

struct FailedRow {
    correspondence_id: i64,
    case: Option<String>,
    subject: String,
    to: String,
    attempts: i64,
    error: String,
}

struct MailboxRow {
    name: String,
    active: bool,
    polled: String,
    success: String,
    error: String,
}

struct JobRow {
    what: String,
    server_wide: bool,
    last_run: String,
    due: String,
    attempts: i64,
    error: String,
}

#[derive(Template)]
#[template(path = "admin_status.html")]
struct StatusPage {
    nav: Option<Nav>,
    notice: Option<String>,
    problems: usize,
    sending: String,
    oldest_queued: Option<String>,
    failed: Vec<FailedRow>,
    mailboxes: Vec<MailboxRow>,
    jobs: Vec<JobRow>,
    /// The last backup, in words, and whether one is due.
    backup: String,
    backup_due: bool,
}

fn never(t: Option<i64>) -> String {
    t.map(when).unwrap_or_else(|| "Never".into())
}

async fn status_page(State(s): State<AppState>, who: PageActor) -> PageResult {
    let st = casework_app::status::overview(&s.app, &who.actor).await?;
    let backup = match &st.last_backup {
        None => "No backup has been made with casework backup on this installation.".to_owned(),
        Some(b) => {
            let mut text = format!(
                "The last backup was made {} ({} database, {} files kept beside it).",
                when(b.made_at),
                if b.database == "postgres" {
                    "PostgreSQL"
                } else {
                    "SQLite"
                },
                b.files
            );
            if b.damaged > 0 {
                text.push_str(&format!(
                    " {} damaged files were left out of it: put them back from an older backup.",
                    b.damaged
                ));
            }
            text
        }
    };
    let page = StatusPage {
        backup,
        backup_due: st.backup_due,
        nav: nav(&who, "users"),
        notice: None,
        problems: st.problems(),
        // Only administrators reach this page.
        sending: crate::layout::sending_status(st.not_set_up.clone(), true, &st.sending_as),
        oldest_queued: st.oldest_queued.map(when),
        failed: st
            .failed
            .into_iter()
            .map(|o| FailedRow {
                correspondence_id: o.correspondence_id,
                case: o.case_reference,
                subject: o.subject,
                to: o.envelope_to.replace(',', ", "),
                attempts: o.attempts,
                error: o.last_error,
            })
            .collect(),
        mailboxes: st
            .mailboxes
            .into_iter()
            .map(|m| MailboxRow {
                name: m.name,
                active: m.active,
                polled: never(m.last_polled_at),
                success: never(m.last_success_at),
                error: m.last_error,
            })
            .collect(),
        jobs: st
            .jobs
            .into_iter()
            .map(|j| JobRow {
                what: if j.key.is_empty() {
                    j.kind
                } else {
                    format!("{} {}", j.kind, j.key)
                },
                server_wide: j.server_wide,
                last_run: never(j.last_run_at),
                due: when(j.due_at),
                attempts: j.attempts,
                error: j.last_error,
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}
