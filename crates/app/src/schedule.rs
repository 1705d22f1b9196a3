//! Scheduling background work, and the leases it runs under: what the
//! runner ([`crate::jobs`]) and the work itself (a mailbox's poll) share.

use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use casework_store::NewJob;

use crate::{App, AppResult};

/// What a job does. Stored as text in `jobs.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Sends the outgoing email that is due (one job for all offices).
    Outbox,
    /// Fetches new mail from one mailbox (the key is the mailbox id).
    MailboxPoll,
    /// Removes expired sessions.
    SessionSweep,
    /// Drops campaign candidates too old to start a campaign.
    CampaignUpkeep,
    /// Makes the chase-up, escalation and review tasks that have come due,
    /// and sends the daily digests and weekly briefings whose hour has come
    /// (one job for all offices).
    FollowUp,
    /// Does nothing but count its runs in this process ([`probe_runs`]):
    /// for tests of the scheduler itself.
    Probe,
}

impl JobKind {
    pub const ALL: [JobKind; 6] = [
        JobKind::Outbox,
        JobKind::MailboxPoll,
        JobKind::SessionSweep,
        JobKind::CampaignUpkeep,
        JobKind::FollowUp,
        JobKind::Probe,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Outbox => "outbox",
            JobKind::MailboxPoll => "mailbox_poll",
            JobKind::SessionSweep => "session_sweep",
            JobKind::CampaignUpkeep => "campaign_upkeep",
            JobKind::FollowUp => "follow_up",
            JobKind::Probe => "probe",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A lease holder's name: this process (random, so app servers differ)
/// and a number for each lease it takes.
pub fn lease_token() -> String {
    static PROCESS: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let process = PROCESS.get_or_init(|| format!("{:016x}", rand::random::<u64>()));
    format!("{process}/{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The lease on a job or a mailbox, in milliseconds.
pub(crate) fn lease_ms(app: &App) -> i64 {
    app.settings.job_lease_seconds.clamp(1, 3600) * 1000
}

/// Makes sure a job exists. A recurring one (`every_ms`) is due at once if
/// new; an existing one keeps its time unless that is more than a period
/// away. A one-off job is due now.
pub async fn schedule(
    app: &App,
    kind: JobKind,
    key: &str,
    office_id: Option<i64>,
    every_ms: Option<i64>,
) -> AppResult<()> {
    let now = app.now();
    let job = NewJob {
        kind: kind.as_str(),
        key,
        office_id,
        due_at: now,
        due_by: now + every_ms.unwrap_or(0),
        every_ms,
    };
    app.store.schedule_job(&job, now).await?;
    Ok(())
}

/// The poller of a mailbox, every `mail_poll_seconds`.
pub(crate) async fn schedule_mailbox(
    app: &App,
    mailbox_id: i64,
    office_id: Option<i64>,
) -> AppResult<()> {
    let every = app.settings.mail_poll_seconds.max(5) * 1000;
    schedule(
        app,
        JobKind::MailboxPoll,
        &mailbox_id.to_string(),
        office_id,
        Some(every),
    )
    .await
}

/// Runs `work` while renewing a lease every third of `lease_ms` with
/// `renew`. `None` (and `work` is cancelled) when the lease is lost: the
/// renewal says it belongs to someone else, or renewals have failed for a
/// whole lease, after which another runner may have it.
///
/// The work goes on while a renewal waits: a renewal can wait for the very
/// row (or, on SQLite, the writer connection) that the work holds.
pub(crate) async fn with_heartbeat<T, R, F>(
    lease_ms: i64,
    mut renew: R,
    work: impl Future<Output = T>,
) -> Option<T>
where
    R: FnMut() -> F,
    F: Future<Output = casework_store::Result<bool>>,
{
    let every = Duration::from_millis((lease_ms / 3).max(100) as u64);
    let lease = Duration::from_millis(lease_ms.max(0) as u64);
    let heartbeat = async {
        let mut renewed = Instant::now();
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match renew().await {
                Ok(true) => renewed = Instant::now(),
                Ok(false) => return,
                Err(e) if renewed.elapsed() >= lease => {
                    tracing::warn!(error = %e, "could not renew a lease for a whole lease");
                    return;
                }
                Err(e) => tracing::warn!(error = %e, "could not renew a lease; trying again"),
            }
        }
    };
    // Both are polled each time either can go on.
    tokio::select! {
        out = work => Some(out),
        () = heartbeat => None,
    }
}
