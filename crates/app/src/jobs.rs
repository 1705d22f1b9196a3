//! The scheduler: all background work is a row in the jobs table.
//!
//! Every app server runs [`serve`]: each second it claims the jobs that are
//! due, one statement per claim, with a short lease naming itself, and runs
//! each in a task of its own (a slow mailbox does not hold up the outbox).
//! While a job runs its lease is renewed every third of the lease; a runner
//! that loses its lease stops. A runner that dies stops renewing, so the
//! job is taken over within one lease. A recurring job is next due a period
//! after its run *ends*, so one overdue for hours (the server was down)
//! runs once when the server is back, and two servers never run it twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use casework_store::Job;
use tokio::sync::Semaphore;

use crate::{App, AppResult};

pub use crate::schedule::{JobKind, lease_token, schedule};
use crate::schedule::{lease_ms, schedule_mailbox, with_heartbeat};

/// Jobs run at once by one app server.
const CONCURRENCY: usize = 8;
/// How often the outbox is looked at.
const OUTBOX_EVERY_MS: i64 = 2_000;
/// How often expired sessions are removed.
const SESSION_SWEEP_EVERY_MS: i64 = 3_600_000;
/// How often old campaign candidates are dropped.
const CAMPAIGN_UPKEEP_EVERY_MS: i64 = 3_600_000;
/// How often Casework looks for enquiries and reviews that have come due.
const FOLLOW_UP_EVERY_MS: i64 = 600_000;

/// What a run asks of the scheduler.
enum Outcome {
    /// Done: a recurring job is due again a period from now.
    Done,
    /// More is waiting: run again at once.
    Again,
    /// The job has no more reason to exist (its mailbox is gone).
    Drop,
}

/// Registers the recurring work at start-up (idempotent, so every app
/// server does it): the outbox, session sweeping, campaign upkeep, follow-up and one
/// poller per active mailbox; the pollers of mailboxes no longer active go.
pub async fn register(app: &App) -> AppResult<()> {
    schedule(app, JobKind::Outbox, "", None, Some(OUTBOX_EVERY_MS)).await?;
    schedule(
        app,
        JobKind::SessionSweep,
        "",
        None,
        Some(SESSION_SWEEP_EVERY_MS),
    )
    .await?;
    schedule(
        app,
        JobKind::CampaignUpkeep,
        "",
        None,
        Some(CAMPAIGN_UPKEEP_EVERY_MS),
    )
    .await?;
    schedule(app, JobKind::FollowUp, "", None, Some(FOLLOW_UP_EVERY_MS)).await?;
    let active = app.store.active_mailbox_ids().await?;
    for id in &active {
        schedule_mailbox(app, *id, None).await?;
    }
    for job in app.store.jobs().await? {
        if job.kind == JobKind::MailboxPoll.as_str()
            && !active.iter().any(|id| id.to_string() == job.job_key)
        {
            app.store.drop_job(&job.kind, &job.job_key).await?;
        }
    }
    Ok(())
}

/// Every job, soonest due first.
pub async fn list(app: &App) -> AppResult<Vec<Job>> {
    Ok(app.store.jobs().await?)
}

/// Claims and runs the jobs that are due until none is, several at once;
/// returns how many ran. The server uses [`serve`]; tests call this.
pub async fn run_due(app: &App) -> AppResult<usize> {
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    let mut running = tokio::task::JoinSet::new();
    let mut ran = 0;
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let owner = lease_token();
        let now = app.now();
        let Some(job) = app
            .store
            .claim_job(&owner, now, now + lease_ms(app))
            .await?
        else {
            break;
        };
        ran += 1;
        let app = app.clone();
        running.spawn(async move {
            Box::pin(run_claimed(&app, job, owner)).await;
            drop(slot);
        });
    }
    while running.join_next().await.is_some() {}
    Ok(ran)
}

/// The scheduler of an app server: every second, claims what is due (while
/// it has room) and runs each job in its own task. Never returns.
pub async fn serve(app: App) {
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        while let Ok(slot) = slots.clone().try_acquire_owned() {
            let owner = lease_token();
            let now = app.now();
            match app.store.claim_job(&owner, now, now + lease_ms(&app)).await {
                Ok(Some(job)) => {
                    let app = app.clone();
                    tokio::spawn(async move {
                        Box::pin(run_claimed(&app, job, owner)).await;
                        drop(slot);
                    });
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim background jobs");
                    break;
                }
            }
        }
    }
}

/// Runs one claimed job while renewing its lease, then records the outcome.
async fn run_claimed(app: &App, job: Job, owner: String) {
    let lease = lease_ms(app);
    let Some(kind) = JobKind::parse(&job.kind) else {
        // Perhaps a newer version's job, on a server not yet upgraded.
        let now = app.now();
        let _ = app
            .store
            .fail_job(job.id, &owner, now, "unknown kind of job", now + 3_600_000)
            .await;
        return;
    };
    let id = job.id;
    let renew = || app.store.renew_job(id, &owner, app.now() + lease);
    let Some(result) = Box::pin(with_heartbeat(lease, renew, execute(app, kind, &job))).await
    else {
        tracing::warn!(
            job = job.kind,
            key = job.job_key,
            "lost the lease on a background job; another runner has it"
        );
        return;
    };
    let now = app.now();
    let recorded = match result {
        Ok(Outcome::Done) => {
            app.store
                .finish_job(id, &owner, now, job.every_ms.map(|every| now + every))
                .await
        }
        Ok(Outcome::Again) => app.store.finish_job(id, &owner, now, Some(now)).await,
        Ok(Outcome::Drop) => app.store.finish_job(id, &owner, now, None).await,
        Err(e) => {
            // 5 s, 10 s, 20 s … up to the job's period (an hour for one-offs).
            let cap = job.every_ms.unwrap_or(3_600_000).max(5_000);
            let backoff = (5_000i64 << (job.attempts - 1).clamp(0, 20)).min(cap);
            tracing::warn!(job = job.kind, key = job.job_key, attempts = job.attempts, error = %e, "background job failed");
            app.store
                .fail_job(id, &owner, now, &e.to_string(), now + backoff)
                .await
        }
    };
    if let Err(e) = recorded {
        tracing::warn!(job = job.kind, error = %e, "could not record a background job's run");
    }
}

async fn execute(app: &App, kind: JobKind, job: &Job) -> AppResult<Outcome> {
    match kind {
        JobKind::Outbox => {
            // A full batch means more may be waiting.
            let sent = crate::outbox::deliver_due(app).await?;
            crate::tasks::send_notification_emails(app).await?;
            Ok(if sent >= 20 {
                Outcome::Again
            } else {
                Outcome::Done
            })
        }
        JobKind::MailboxPoll => {
            let Ok(id) = job.job_key.parse::<i64>() else {
                return Ok(Outcome::Drop);
            };
            if !app.store.mailbox_active(id).await? {
                return Ok(Outcome::Drop);
            }
            Box::pin(crate::mailboxes::poll_one(app, id)).await?;
            Ok(Outcome::Done)
        }
        JobKind::SessionSweep => {
            let n = app.store.delete_expired_sessions(app.now()).await?;
            tracing::debug!(removed = n, "expired sessions removed");
            Ok(Outcome::Done)
        }
        JobKind::CampaignUpkeep => {
            crate::campaign_grouping::expire_candidates(app).await?;
            Ok(Outcome::Done)
        }
        JobKind::FollowUp => {
            crate::tasks::follow_up(app).await?;
            crate::tasks::send_digests(app).await?;
            crate::briefing::send_due(app).await?;
            Ok(Outcome::Done)
        }
        JobKind::Probe => {
            // Long enough for runs on two servers to overlap if both claimed it.
            tokio::time::sleep(Duration::from_millis(20)).await;
            *probes()
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(job.job_key.clone())
                .or_default() += 1;
            Ok(Outcome::Done)
        }
    }
}

fn probes() -> &'static Mutex<HashMap<String, usize>> {
    static RUNS: OnceLock<Mutex<HashMap<String, usize>>> = OnceLock::new();
    RUNS.get_or_init(Default::default)
}

/// How many times the probe job with this key has run in this process.
pub fn probe_runs(key: &str) -> usize {
    probes()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(key)
        .copied()
        .unwrap_or(0)
}
