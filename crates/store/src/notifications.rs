//! Notifications: what needs a person, each event once.

use crate::{OfficeData, Result, Store, on_read, on_write};

/// One notification as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub user_id: i64,
    /// `assigned`, `reply`, `approved`, `comment`.
    pub kind: String,
    pub case_id: Option<i64>,
    pub correspondence_id: Option<i64>,
    pub text: String,
    /// The page it is about.
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// A notification to record.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: i64,
    pub kind: &'static str,
    pub case_id: Option<i64>,
    pub correspondence_id: Option<i64>,
    pub text: String,
    pub link: String,
    /// The event: a person gets one notification per key, however often
    /// it is recorded.
    pub dedupe_key: String,
}

/// Notifications claimed for emailing to one person.
#[derive(Debug, Clone)]
pub struct ToEmail {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub items: Vec<Notification>,
}

const COLUMNS: &str = "SELECT id, user_id, kind, case_id, correspondence_id, text, link, created_at, read_at FROM notifications ";

impl OfficeData {
    /// Records notifications; one already recorded for its event is left
    /// as it is. Returns how many are new.
    pub async fn notify(&self, items: &[NewNotification], now: i64) -> Result<u64> {
        let office_id = self.scope.office_id;
        let mut added = 0;
        for n in items {
            added += on_write!(self, |pool| {
                sqlx::query(
                    "INSERT INTO notifications (office_id, user_id, kind, case_id, correspondence_id, text, link, dedupe_key, created_at) \
                     SELECT $1, id, $3, $4, $5, $6, $7, $8, $9 FROM users WHERE id = $2 AND office_id = $1 AND active = TRUE \
                     ON CONFLICT (user_id, dedupe_key) DO NOTHING",
                )
                .bind(office_id)
                .bind(n.user_id)
                .bind(n.kind)
                .bind(n.case_id)
                .bind(n.correspondence_id)
                .bind(&n.text)
                .bind(&n.link)
                .bind(&n.dedupe_key)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
            });
        }
        Ok(added)
    }

    /// A person's notifications, newest first.
    pub async fn notifications(&self, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{COLUMNS}WHERE user_id = $1 AND office_id = $2 ORDER BY id DESC LIMIT $3"
            )))
            .bind(user_id)
            .bind(office_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// One of a person's notifications (another's is not found).
    pub async fn notification(&self, user_id: i64, id: i64) -> Result<Notification> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{COLUMNS}WHERE id = $1 AND user_id = $2 AND office_id = $3"
            )))
            .bind(id)
            .bind(user_id)
            .bind(office_id)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Marks one of a person's notifications read, or all of them.
    pub async fn mark_notifications_read(
        &self,
        user_id: i64,
        id: Option<i64>,
        now: i64,
    ) -> Result<u64> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            Ok(sqlx::query(
                "UPDATE notifications SET read_at = $3 WHERE user_id = $1 AND office_id = $2 \
                 AND read_at IS NULL AND ($4 IS NULL OR id = $4)",
            )
            .bind(user_id)
            .bind(office_id)
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected())
        })
    }
}

impl Store {
    /// Whether a person asked for their notifications by email.
    pub async fn notify_by_email(&self, user_id: i64) -> Result<bool> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT notify_by_email FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    pub async fn set_notify_by_email(&self, user_id: i64, on: bool) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query("UPDATE users SET notify_by_email = $2 WHERE id = $1")
                .bind(user_id)
                .bind(on)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Claims the unread notifications made since `since` of everyone who
    /// wants them by email, marking them emailed (a second server finds
    /// them taken); grouped by person.
    pub async fn claim_notification_emails(&self, since: i64, now: i64) -> Result<Vec<ToEmail>> {
        let claimed: Vec<Notification> = on_write!(self, |pool| {
            sqlx::query_as(
                "UPDATE notifications SET emailed_at = $2 WHERE emailed_at IS NULL AND read_at IS NULL \
                 AND created_at >= $1 AND user_id IN (SELECT id FROM users WHERE notify_by_email = TRUE AND active = TRUE) \
                 RETURNING id, user_id, kind, case_id, correspondence_id, text, link, created_at, read_at",
            )
            .bind(since)
            .bind(now)
            .fetch_all(pool)
            .await?
        });
        let mut out: Vec<ToEmail> = Vec::new();
        for n in claimed {
            match out.iter_mut().find(|t| t.user_id == n.user_id) {
                Some(t) => t.items.push(n),
                None => {
                    let (email, name): (String, String) = on_read!(self, |pool| {
                        sqlx::query_as("SELECT email, display_name FROM users WHERE id = $1")
                            .bind(n.user_id)
                            .fetch_one(pool)
                            .await?
                    });
                    out.push(ToEmail {
                        user_id: n.user_id,
                        email,
                        name,
                        items: vec![n],
                    });
                }
            }
        }
        for t in &mut out {
            t.items.sort_by_key(|n| n.id);
        }
        Ok(out)
    }

    /// Gives claimed notifications back (their email failed).
    pub async fn release_notification_emails(&self, ids: &[i64]) -> Result<()> {
        for id in ids {
            on_write!(self, |pool| {
                sqlx::query("UPDATE notifications SET emailed_at = NULL WHERE id = $1")
                    .bind(*id)
                    .execute(pool)
                    .await?;
            });
        }
        Ok(())
    }
}
