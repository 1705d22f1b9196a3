//! The administrators' status page: what the server's own errors are, in
//! the words the systems gave them (mail servers, mailboxes, background
//! jobs), which staff pages only describe in plain words.

use casework_domain::{OutboxState, Permission};
use casework_store::OutboxItem;

use crate::{Actor, App, AppResult};

/// An office mailbox as its administrator checks it (no password).
#[derive(Debug, Clone)]
pub struct MailboxStatus {
    /// `user@host/folder`.
    pub name: String,
    pub active: bool,
    pub last_polled_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_error: String,
}

/// A background job of the office, or of the whole server.
#[derive(Debug, Clone)]
pub struct JobStatus {
    pub kind: String,
    pub key: String,
    /// The server's own (the session sweep …), not one office's.
    pub server_wide: bool,
    pub last_run_at: Option<i64>,
    pub due_at: i64,
    /// Failed runs since the last success.
    pub attempts: i64,
    pub last_error: String,
}

#[derive(Debug, Clone)]
pub struct SystemStatus {
    /// Why email cannot go yet, if it cannot.
    pub not_set_up: Option<String>,
    pub sending_as: String,
    /// Emails that could not be sent (given up, or to be tried again),
    /// with the mail server's words.
    pub failed: Vec<OutboxItem>,
    /// When the oldest email waiting to go was written.
    pub oldest_queued: Option<i64>,
    pub mailboxes: Vec<MailboxStatus>,
    pub jobs: Vec<JobStatus>,
    /// The last backup made with `casework backup`, if any.
    pub last_backup: Option<casework_store::files::BackupRecord>,
    /// No backup in the last [`BACKUP_DUE_DAYS`] days (or none at all), or
    /// the last one left damaged files out.
    pub backup_due: bool,
}

/// Days after which the status page asks for a backup (the README asks
/// for one every night).
pub const BACKUP_DUE_DAYS: i64 = 2;

impl SystemStatus {
    /// How many things need an administrator: failed emails, mailboxes and
    /// jobs whose last attempt failed.
    pub fn problems(&self) -> usize {
        self.failed.len()
            + self
                .mailboxes
                .iter()
                .filter(|m| m.active && !m.last_error.is_empty())
                .count()
            + self
                .jobs
                .iter()
                .filter(|j| j.attempts > 0 && !j.last_error.is_empty())
                .count()
            + usize::from(self.backup_due)
    }
}

pub async fn overview(app: &App, actor: &Actor) -> AppResult<SystemStatus> {
    actor.require(Permission::ManageStaff)?;
    let data = app.data_for(actor);
    let outbox = data.outbox(500).await?;
    let failed = outbox
        .iter()
        .filter(|o| {
            o.state == OutboxState::Failed
                || (o.state == OutboxState::Queued && o.attempts > 0 && !o.last_error.is_empty())
        })
        .cloned()
        .collect();
    let oldest_queued = outbox
        .iter()
        .filter(|o| o.state == OutboxState::Queued)
        .map(|o| o.created_at)
        .min();
    let mailboxes = data
        .mailboxes()
        .await?
        .into_iter()
        .map(|m| MailboxStatus {
            name: format!("{}@{}/{}", m.username, m.host, m.folder),
            active: m.active,
            last_polled_at: m.last_polled_at,
            last_success_at: m.last_success_at,
            last_error: m.last_error,
        })
        .collect();
    let jobs = app
        .store
        .jobs()
        .await?
        .into_iter()
        .filter(|j| j.office_id.is_none() || j.office_id == Some(actor.office_id))
        .map(|j| JobStatus {
            server_wide: j.office_id.is_none(),
            kind: j.kind,
            key: j.job_key,
            last_run_at: j.last_run_at,
            due_at: j.due_at,
            attempts: j.attempts,
            last_error: j.last_error,
        })
        .collect();
    let last_backup = app.store.last_backup().await?;
    let backup_due = match &last_backup {
        None => true,
        Some(b) => b.damaged > 0 || app.now() - b.made_at > BACKUP_DUE_DAYS * 86_400_000,
    };
    Ok(SystemStatus {
        last_backup,
        backup_due,
        not_set_up: crate::outbox::not_set_up(app, actor).await?,
        sending_as: app.settings.smtp.from.clone(),
        failed,
        oldest_queued,
        mailboxes,
        jobs,
    })
}
