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

    /// Takes the right to poll a mailbox until `lease_until`, if nobody else
    /// holds it (one poller per mailbox across app servers).
    pub async fn claim_mailbox(
        &self,
        id: i64,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<Mailbox>> {
        let claimed = on_write!(self, |pool| {
            sqlx::query(
                "UPDATE mailboxes SET lease_until = $1, last_polled_at = $2 \
                 WHERE id = $3 AND active = TRUE AND (lease_until IS NULL OR lease_until < $2)",
            )
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

    pub async fn release_mailbox(&self, id: i64, error: Option<&str>) -> Result<()> {
        on_write!(self, |pool| {
            match error {
                Some(e) => {
                    sqlx::query(
                        "UPDATE mailboxes SET lease_until = NULL, last_error = $1 WHERE id = $2",
                    )
                    .bind(e)
                    .bind(id)
                    .execute(pool)
                    .await?;
                }
                None => {
                    sqlx::query("UPDATE mailboxes SET lease_until = NULL WHERE id = $1")
                        .bind(id)
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
}
