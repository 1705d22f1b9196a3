//! The outbox: outgoing email is recorded and queued in one transaction;
//! a worker claims due messages with a lease, sends them, and records the
//! outcome. A message whose worker died before handing it to the mail
//! server is claimed again when its lease runs out; one whose worker died
//! while handing it over may have gone, and is set aside for a person
//! (`set_aside_unsure`) instead of going twice.

use crate::common::{append_entry, insert_attachments};
use crate::model::NewEntry;
use crate::{Db, Error, OfficeData, Result, Store, in_transaction, on_read, on_write};
use casework_domain::OutboxState;

/// An outgoing email ready to queue; its bytes are already in the blob store.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub case_id: i64,
    pub constituent_id: i64,
    pub dedupe_key: String,
    pub message_id: String,
    pub in_reply_to: String,
    pub reference_ids: String,
    pub from_address: String,
    pub to_addresses: Vec<String>,
    pub subject: String,
    pub body_text: String,
    pub raw_blob: String,
    pub raw_size: i64,
    pub needs_approval: bool,
    pub created_by: i64,
    /// The draft waiting for approval that this edited version replaces.
    pub replaces: Option<i64>,
    /// Files sent with it, kept as its attachments.
    pub attachments: Vec<crate::NewAttachment>,
}

/// Marks an outbox message and its correspondence record sent, in the
/// caller's transaction.
macro_rules! mark_sent {
    ($tx:ident, $id:expr, $now:expr) => {{
        sqlx::query(
            "UPDATE outbox SET state = 'sent', sent_at = $1, lease_until = NULL, last_error = '' WHERE id = $2",
        )
        .bind($now)
        .bind($id)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "UPDATE correspondence SET sent_at = $1 WHERE id = (SELECT correspondence_id FROM outbox WHERE id = $2)",
        )
        .bind($now)
        .bind($id)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// A message claimed for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxJob {
    pub id: i64,
    pub office_id: i64,
    pub correspondence_id: i64,
    pub envelope_from: String,
    pub envelope_to: String,
    pub attempts: i64,
}

/// A line of the outbox page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: i64,
    pub correspondence_id: i64,
    pub case_id: Option<i64>,
    pub case_reference: Option<String>,
    pub subject: String,
    pub envelope_to: String,
    #[sqlx(try_from = "String")]
    pub state: OutboxState,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub next_attempt_at: i64,
}

const ITEM: &str = "SELECT o.id, o.correspondence_id, c.case_id, k.reference AS case_reference, c.subject, o.envelope_to, \
    o.state, o.attempts, o.last_error, o.created_at, o.sent_at, o.next_attempt_at \
    FROM outbox o JOIN correspondence c ON c.id = o.correspondence_id LEFT JOIN cases k ON k.id = c.case_id ";

impl Store {
    /// Claims up to `limit` messages that are due (or whose sender's lease
    /// expired), marking them as being sent until `lease_until`.
    pub async fn claim_outbox(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<OutboxJob>> {
        let due = "(state = 'queued' AND next_attempt_at <= $2) \
                   OR (state = 'sending' AND lease_until < $2 AND handed_at IS NULL)";
        let jobs = match &self.db {
            // One writer at a time on SQLite: a plain UPDATE … RETURNING is a claim.
            Db::Sqlite { write, .. } => {
                let sql = format!(
                    "UPDATE outbox SET state = 'sending', lease_until = $1, handed_at = NULL, attempts = attempts + 1 WHERE id IN \
                     (SELECT id FROM outbox WHERE {due} ORDER BY id LIMIT $3) \
                     RETURNING id, office_id, correspondence_id, envelope_from, envelope_to, attempts"
                );
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(lease_until)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(write)
                    .await?
            }
            // Several app servers: each skips the rows another is claiming.
            Db::Postgres(pool) => {
                let sql = format!(
                    "UPDATE outbox SET state = 'sending', lease_until = $1, handed_at = NULL, attempts = attempts + 1 WHERE id IN \
                     (SELECT id FROM outbox WHERE {due} ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
                     RETURNING id, office_id, correspondence_id, envelope_from, envelope_to, attempts"
                );
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(lease_until)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
            }
        };
        Ok(jobs)
    }

    /// Records that the message is about to be handed to the mail server:
    /// from here until its outcome is recorded, it may go out. False when
    /// the claim `attempts` counted is no longer the message's (its lease
    /// ran out and another worker claimed it, or set it aside): then it
    /// must not be sent.
    pub async fn outbox_handing(&self, id: i64, attempts: i64, now: i64) -> Result<bool> {
        on_write!(self, |pool| {
            Ok(sqlx::query(
                "UPDATE outbox SET handed_at = $1 WHERE id = $2 AND attempts = $3 AND state = 'sending'",
            )
            .bind(now)
            .bind(id)
            .bind(attempts)
            .execute(pool)
            .await?
            .rows_affected()
                == 1)
        })
    }

    /// Messages whose sender died while handing them to the mail server
    /// (their lease ran out with `handed_at` set): the server may have taken
    /// them, so they are marked failed with `why` for a person to check,
    /// not sent again. Returns their ids.
    pub async fn set_aside_unsure(&self, now: i64, why: &str) -> Result<Vec<i64>> {
        // Looked for first on a reader, so the usual tick (nothing to set
        // aside) takes no write lock.
        let unsure: Vec<i64> = on_read!(self, |pool| {
            sqlx::query_scalar(
                "SELECT id FROM outbox WHERE state = 'sending' AND lease_until < $1 AND handed_at IS NOT NULL",
            )
            .bind(now)
            .fetch_all(pool)
            .await?
        });
        if unsure.is_empty() {
            return Ok(unsure);
        }
        on_write!(self, |pool| {
            Ok(sqlx::query_scalar(
                "UPDATE outbox SET state = 'failed', last_error = $1, lease_until = NULL \
                 WHERE state = 'sending' AND lease_until < $2 AND handed_at IS NOT NULL RETURNING id",
            )
            .bind(why)
            .bind(now)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn outbox_sent(&self, id: i64, now: i64) -> Result<()> {
        in_transaction!(self, |tx| {
            mark_sent!(tx, id, now);
        });
        Ok(())
    }

    /// Records a failed attempt (the claim that counted `attempts`):
    /// retried at `retry_at`, or given up on. Nothing is recorded if
    /// another worker has claimed the message since.
    pub async fn outbox_failed(
        &self,
        id: i64,
        attempts: i64,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<()> {
        on_write!(self, |pool| {
            let (state, next) = match retry_at {
                Some(t) => ("queued", t),
                None => ("failed", 0),
            };
            sqlx::query(
                "UPDATE outbox SET state = $1, last_error = $2, lease_until = NULL, handed_at = NULL, \
                 next_attempt_at = CASE WHEN $3 > 0 THEN $3 ELSE next_attempt_at END WHERE id = $4 AND attempts = $5",
            )
            .bind(state)
            .bind(error)
            .bind(next)
            .bind(id)
            .bind(attempts)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

impl OfficeData {
    /// Records an outgoing email on its case, adds it to the timeline and
    /// queues it (or holds it for approval), all in one transaction.
    pub async fn queue_email(&self, m: &Outgoing, entry: &NewEntry, now: i64) -> Result<i64> {
        let office_id = self.scope.office_id;
        let id = in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO correspondence (office_id, direction, channel, state, case_id, constituent_id, dedupe_key, message_id, \
                 in_reply_to, reference_ids, from_address, from_name, to_addresses, cc_addresses, subject, sent_at, received_at, \
                 body_text, body_html, raw_blob, raw_size, source, problems, filed_by, filed_at, unread) \
                 VALUES ($1, 'out', 'email', 'filed', $2, $3, $4, $5, $6, $7, $8, '', $9, '', $10, NULL, $11, $12, NULL, $13, $14, \
                 'casework', '', $15, $11, FALSE) RETURNING id",
            )
            .bind(office_id)
            .bind(m.case_id)
            .bind(m.constituent_id)
            .bind(&m.dedupe_key)
            .bind(&m.message_id)
            .bind(&m.in_reply_to)
            .bind(&m.reference_ids)
            .bind(&m.from_address)
            .bind(m.to_addresses.join(", "))
            .bind(&m.subject)
            .bind(now)
            .bind(&m.body_text)
            .bind(&m.raw_blob)
            .bind(m.raw_size)
            .bind(m.created_by)
            .fetch_one(&mut *tx)
            .await?;
            insert_attachments!(tx, id, &m.attachments);
            if let Some(old) = m.replaces {
                crate::approvals::replace_draft!(tx, office_id, old, m.created_by, now);
            }
            sqlx::query(
                "INSERT INTO outbox (office_id, correspondence_id, state, envelope_from, envelope_to, attempts, next_attempt_at, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $6)",
            )
            .bind(office_id)
            .bind(id)
            .bind(if m.needs_approval { "awaiting_approval" } else { "queued" })
            .bind(&m.from_address)
            .bind(m.to_addresses.join(","))
            .bind(now)
            .bind(m.created_by)
            .execute(&mut *tx)
            .await?;
            let mut e = entry.clone();
            e.correspondence_id = Some(id);
            append_entry!(
                tx,
                office_id,
                Some(m.constituent_id),
                Some(m.case_id),
                now,
                &e
            );
            sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(m.case_id)
                .execute(&mut *tx)
                .await?;
            id
        });
        Ok(id)
    }

    /// The office's outbox: what waits, what failed, what went recently.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxItem>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("c");
        on_read!(self, |pool| {
            let sql = format!(
                "{ITEM} WHERE o.office_id = $1{visible} ORDER BY CASE o.state WHEN 'failed' THEN 0 WHEN 'awaiting_approval' THEN 1 \
                 WHEN 'queued' THEN 2 WHEN 'sending' THEN 3 ELSE 4 END, o.id DESC LIMIT $2"
            );
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }

    /// The outbox state of each outgoing message of a case.
    pub async fn case_outbox(&self, case_id: i64) -> Result<Vec<OutboxItem>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("c");
        on_read!(self, |pool| {
            let sql =
                format!("{ITEM} WHERE o.office_id = $1 AND c.case_id = $2{visible} ORDER BY o.id");
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(case_id)
                .fetch_all(pool)
                .await?)
        })
    }

    pub async fn outbox_item(&self, id: i64) -> Result<OutboxItem> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("c");
        on_read!(self, |pool| {
            let sql = format!("{ITEM} WHERE o.office_id = $1 AND o.id = $2{visible}");
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(id)
                .fetch_one(pool)
                .await?)
        })
    }

    /// Releases a message held for approval into the queue.
    pub async fn approve_outbox(&self, id: i64, approver: i64, now: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            let n = sqlx::query(
                "UPDATE outbox SET state = 'queued', approved_by = $1, next_attempt_at = $2 \
                 WHERE id = $3 AND office_id = $4 AND state = 'awaiting_approval'",
            )
            .bind(approver)
            .bind(now)
            .bind(id)
            .bind(office_id)
            .execute(pool)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::Conflict);
            }
        });
        Ok(())
    }

    /// Records a failed message as sent after all: a person found that the
    /// mail server took it (one set aside by `set_aside_unsure`, say).
    pub async fn outbox_mark_sent(&self, id: i64, now: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            // Taken from 'failed' first, so a retry at the same moment
            // finds it gone (and this finds a retried one gone).
            let n = sqlx::query(
                "UPDATE outbox SET state = 'sent' WHERE id = $1 AND office_id = $2 AND state = 'failed'",
            )
            .bind(id)
            .bind(office_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::Conflict);
            }
            mark_sent!(tx, id, now);
        });
        Ok(())
    }

    /// Puts a failed message back in the queue (after fixing the server settings, say).
    pub async fn retry_outbox(&self, id: i64, now: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            let n = sqlx::query(
                "UPDATE outbox SET state = 'queued', next_attempt_at = $1, attempts = 0 WHERE id = $2 AND office_id = $3 AND state = 'failed'",
            )
            .bind(now)
            .bind(id)
            .bind(office_id)
            .execute(pool)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::Conflict);
            }
        });
        Ok(())
    }
}
