//! Staff accounts of an office.

use casework_domain::Role;

use crate::model::*;
use crate::{Error, OfficeData, Result, Store, in_transaction, on_read, on_write};

impl Store {
    // ----- users -----

    pub async fn create_user(&self, new: &NewUser, now: i64) -> Result<User> {
        on_write!(self, |pool| {
            Ok(sqlx::query_as(
                "INSERT INTO users (office_id, email, display_name, role, password_hash, active, created_at, version) \
                 VALUES ($1, $2, $3, $4, $5, TRUE, $6, 1) \
                 RETURNING id, office_id, email, display_name, role, password_hash, active, created_at, version",
            )
            .bind(new.office_id)
            .bind(&new.email)
            .bind(&new.display_name)
            .bind(new.role.as_str())
            .bind(&new.password_hash)
            .bind(now)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn user_by_email(&self, email: &str) -> Result<User> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, office_id, email, display_name, role, password_hash, active, created_at, version \
                 FROM users WHERE email = $1",
            )
            .bind(email)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Sets a new password hash and ends every other session of the user.
    pub async fn set_password(
        &self,
        user_id: i64,
        hash: &str,
        keep_session: Option<&str>,
    ) -> Result<()> {
        in_transaction!(self, |tx| {
            sqlx::query("UPDATE users SET password_hash = $1, version = version + 1 WHERE id = $2")
                .bind(hash)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id)
                .bind(keep_session.unwrap_or(""))
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }
}

impl OfficeData {
    /// A user of `office_id`; another office's user is "not found".
    pub async fn user(&self, id: i64) -> Result<User> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, office_id, email, display_name, role, password_hash, active, created_at, version \
                 FROM users WHERE id = $1 AND office_id = $2",
            )
            .bind(id)
            .bind(office_id)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, office_id, email, display_name, role, password_hash, active, created_at, version \
                 FROM users WHERE office_id = $1 ORDER BY active DESC, display_name, id",
            )
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Changes a user's role and active flag; deactivation also ends their
    /// sessions and revokes their API tokens, in the same transaction.
    pub async fn update_user(
        &self,
        id: i64,
        expected_version: i64,
        role: Role,
        active: bool,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let n = sqlx::query(
                "UPDATE users SET role = $1, active = $2, version = version + 1 \
                 WHERE id = $3 AND office_id = $4 AND version = $5",
            )
            .bind(role.as_str())
            .bind(active)
            .bind(id)
            .bind(office_id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM users WHERE id = $1 AND office_id = $2")
                        .bind(id)
                        .bind(office_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                return Err(if exists.is_some() {
                    Error::Conflict
                } else {
                    Error::NotFound
                });
            }
            if !active {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }
}
