//! The jobs table: all background work, claimed with short leases.
//!
//! A runner claims one due job at a time with a lease naming itself, renews
//! the lease while it works, and finishes the job (a recurring job is then
//! due again a period after the finish; a one-off job is deleted). A runner
//! that dies simply stops renewing: the job is claimable again as soon as
//! its lease runs out, on this app server or another.

use crate::{Db, Result, Store, on_read, on_write};

/// A job as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    /// What to run, e.g. `outbox` or `mailbox_poll` (the app names the kinds).
    pub kind: String,
    /// Which one of its kind, e.g. the mailbox id; empty for a single job.
    pub job_key: String,
    pub office_id: Option<i64>,
    pub due_at: i64,
    /// Recurring jobs: the pause between the end of one run and the next.
    pub every_ms: Option<i64>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    /// Claims since the last success (for backoff).
    pub attempts: i64,
    pub last_error: String,
    pub last_run_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, kind, job_key, office_id, due_at, every_ms, lease_owner, lease_until, attempts, \
    last_error, last_run_at, created_at";

/// A job to make sure of (see [`Store::schedule_job`]).
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub key: &'a str,
    pub office_id: Option<i64>,
    /// When a new job is first due.
    pub due_at: i64,
    /// An existing job due later than this is brought forward to it.
    pub due_by: i64,
    pub every_ms: Option<i64>,
}

impl Store {
    /// Adds the job, or updates the one of the same kind and key: its period
    /// and office are replaced and it is brought forward to `due_by` if it
    /// was due later. Idempotent, so every app server can call it at start-up.
    pub async fn schedule_job(&self, job: &NewJob<'_>, now: i64) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "INSERT INTO jobs (kind, job_key, office_id, due_at, every_ms, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (kind, job_key) DO UPDATE SET office_id = COALESCE(excluded.office_id, jobs.office_id), \
                 every_ms = excluded.every_ms, due_at = CASE WHEN jobs.due_at > $7 THEN $7 ELSE jobs.due_at END",
            )
            .bind(job.kind)
            .bind(job.key)
            .bind(job.office_id)
            .bind(job.due_at)
            .bind(job.every_ms)
            .bind(now)
            .bind(job.due_by)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Claims the job due first (or whose runner's lease ran out) for `owner`
    /// until `lease_until`, in one statement: several app servers claiming
    /// at once each get a different job.
    pub async fn claim_job(&self, owner: &str, now: i64, lease_until: i64) -> Result<Option<Job>> {
        let due = "SELECT id FROM jobs WHERE due_at <= $3 AND (lease_until IS NULL OR lease_until < $3) \
            ORDER BY due_at, id LIMIT 1";
        // SQLite has one writer: the statement is the claim. PostgreSQL skips
        // rows another server is claiming at this moment.
        let lock = match self.db {
            Db::Sqlite { .. } => "",
            Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id = ({due}{lock}) RETURNING {COLUMNS}"
        );
        // Most ticks find nothing due: ask a reader first, so that the claim
        // (a write, SQLite's one writer connection) is only made when there
        // is something to claim.
        let any_due: Option<i64> = on_read!(self, |pool| {
            sqlx::query_scalar(
                "SELECT id FROM jobs WHERE due_at <= $1 AND (lease_until IS NULL OR lease_until < $1) LIMIT 1",
            )
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        if any_due.is_none() {
            return Ok(None);
        }
        on_write!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(owner)
                .bind(lease_until)
                .bind(now)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Extends `owner`'s lease on a job; false when it is no longer theirs.
    pub async fn renew_job(&self, id: i64, owner: &str, lease_until: i64) -> Result<bool> {
        let n = on_write!(self, |pool| {
            sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3")
                .bind(lease_until)
                .bind(id)
                .bind(owner)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Records a successful run by `owner`: the job is next due at
    /// `next_due`, or deleted when that is `None`. False when the lease was
    /// no longer theirs (the job was left alone).
    pub async fn finish_job(
        &self,
        id: i64,
        owner: &str,
        now: i64,
        next_due: Option<i64>,
    ) -> Result<bool> {
        let n = on_write!(self, |pool| {
            match next_due {
                Some(due) => sqlx::query(
                    "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, attempts = 0, last_error = '', \
                     last_run_at = $1, due_at = $2 WHERE id = $3 AND lease_owner = $4",
                )
                .bind(now)
                .bind(due)
                .bind(id)
                .bind(owner)
                .execute(pool)
                .await?
                .rows_affected(),
                None => sqlx::query("DELETE FROM jobs WHERE id = $1 AND lease_owner = $2")
                    .bind(id)
                    .bind(owner)
                    .execute(pool)
                    .await?
                    .rows_affected(),
            }
        });
        Ok(n > 0)
    }

    /// Records a failed run by `owner`; the job is tried again at `retry_at`.
    pub async fn fail_job(
        &self,
        id: i64,
        owner: &str,
        now: i64,
        error: &str,
        retry_at: i64,
    ) -> Result<bool> {
        let n = on_write!(self, |pool| {
            sqlx::query(
                "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, last_error = $1, last_run_at = $2, \
                 due_at = $3 WHERE id = $4 AND lease_owner = $5",
            )
            .bind(error)
            .bind(now)
            .bind(retry_at)
            .bind(id)
            .bind(owner)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n > 0)
    }

    /// Removes a job (e.g. the poller of a mailbox that was disconnected).
    pub async fn drop_job(&self, kind: &str, key: &str) -> Result<bool> {
        let n = on_write!(self, |pool| {
            sqlx::query("DELETE FROM jobs WHERE kind = $1 AND job_key = $2")
                .bind(kind)
                .bind(key)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Every job, soonest due first (for diagnostics and tests).
    pub async fn jobs(&self) -> Result<Vec<Job>> {
        on_read!(self, |pool| {
            let sql = format!("SELECT {COLUMNS} FROM jobs ORDER BY due_at, id");
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?)
        })
    }
}
