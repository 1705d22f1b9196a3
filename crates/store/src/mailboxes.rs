//! Office mailboxes and their polling state.

use crate::{OfficeData, Result, Store, on_read, on_write};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Mailbox {
    pub id: i64,
    pub office_id: i64,
    pub host: String,
    pub port: i64,
    pub username: String,
    pub password: String,
    pub tls: String,
    pub folder: String,
    pub uid_validity: Option<i64>,
    pub last_uid: i64,
    pub active: bool,
    pub last_polled_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_error: String,
}

const COLUMNS: &str = "SELECT id, office_id, host, port, username, password, tls, folder, uid_validity, last_uid, active, \
    last_polled_at, last_success_at, last_error FROM mailboxes ";

pub struct NewMailbox<'a> {
    pub office_id: i64,
    pub host: &'a str,
    pub port: i64,
    pub username: &'a str,
    pub password: &'a str,
    pub tls: &'a str,
    pub folder: &'a str,
}

impl Store {
    pub async fn create_mailbox(&self, m: &NewMailbox<'_>, now: i64) -> Result<i64> {
        on_write!(self, |pool| {
            Ok(sqlx::query_scalar(
                "INSERT INTO mailboxes (office_id, host, port, username, password, tls, folder, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(m.office_id)
            .bind(m.host)
            .bind(m.port)
            .bind(m.username)
            .bind(m.password)
            .bind(m.tls)
            .bind(m.folder)
            .bind(now)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Takes the right to poll a mailbox for `owner` until `lease_until`, if
    /// nobody else holds it (one poller per mailbox across app servers).
    pub async fn claim_mailbox(
        &self,
        id: i64,
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<Mailbox>> {
        let claimed = on_write!(self, |pool| {
            sqlx::query(
                "UPDATE mailboxes SET lease_owner = $1, lease_until = $2, last_polled_at = $3 \
                 WHERE id = $4 AND active = TRUE AND (lease_until IS NULL OR lease_until < $3)",
            )
            .bind(owner)
            .bind(lease_until)
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if claimed == 0 {
            return Ok(None);
        }
        on_write!(self, |pool| {
            let sql = format!("{COLUMNS} WHERE id = $1");
            Ok(Some(
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_one(pool)
                    .await?,
            ))
        })
    }

    /// Extends `owner`'s lease on a mailbox while it polls; false when the
    /// lease is no longer theirs (it ran out and another poller took it).
    pub async fn renew_mailbox(&self, id: i64, owner: &str, lease_until: i64) -> Result<bool> {
        let n = on_write!(self, |pool| {
            sqlx::query("UPDATE mailboxes SET lease_until = $1 WHERE id = $2 AND lease_owner = $3")
                .bind(lease_until)
                .bind(id)
                .bind(owner)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Whether the mailbox exists and is to be polled.
    pub async fn mailbox_active(&self, id: i64) -> Result<bool> {
        on_read!(self, |pool| {
            let active: Option<bool> =
                sqlx::query_scalar("SELECT active FROM mailboxes WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await?;
            Ok(active == Some(true))
        })
    }

    /// Every active mailbox of every office (for the poller).
    pub async fn active_mailbox_ids(&self) -> Result<Vec<i64>> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT id FROM mailboxes WHERE active = TRUE ORDER BY id")
                    .fetch_all(pool)
                    .await?,
            )
        })
    }

    /// Gives up `owner`'s lease, recording the poll's error if any (an
    /// owner whose lease was taken over leaves the mailbox alone).
    pub async fn release_mailbox(&self, id: i64, owner: &str, error: Option<&str>) -> Result<()> {
        on_write!(self, |pool| {
            match error {
                Some(e) => {
                    sqlx::query(
                        "UPDATE mailboxes SET lease_owner = NULL, lease_until = NULL, last_error = $1 \
                         WHERE id = $2 AND lease_owner = $3",
                    )
                    .bind(e)
                    .bind(id)
                    .bind(owner)
                    .execute(pool)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "UPDATE mailboxes SET lease_owner = NULL, lease_until = NULL \
                         WHERE id = $1 AND lease_owner = $2",
                    )
                    .bind(id)
                    .bind(owner)
                    .execute(pool)
                    .await?;
                }
            }
        });
        Ok(())
    }
}

impl OfficeData {
    pub async fn mailboxes(&self) -> Result<Vec<Mailbox>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            let sql = format!("{COLUMNS} WHERE office_id = $1 ORDER BY id");
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .fetch_all(pool)
                .await?)
        })
    }
    /// How many messages of the office the reader may see came in over IMAP
    /// (for tests and diagnostics).
    pub async fn count_fetched(&self) -> Result<i64> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("correspondence");
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM correspondence WHERE office_id = $1 AND source LIKE 'imap:%'{visible}",
            )))
            .bind(office_id)
            .fetch_one(pool)
            .await?)
        })
    }
}
