//! Sign-in: sessions, API tokens and sign-in throttling (installation-wide:
//! they are looked up before anyone's office is known).

use std::sync::LazyLock;

use crate::model::*;
use crate::{Error, MenuNumbers, Result, Store, on_read, on_write};

/// The statement that reads a session (`$1` its token's hash, `$2` now,
/// `$3` its stage) with its user and office: `SESSION_COLUMNS`, then
/// `SESSION_FROM`.
const SESSION_COLUMNS: &str = "SELECT s.token_hash, s.csrf_token, s.created_at AS session_created_at, s.last_seen_at, s.expires_at, \
     me.id, me.office_id, me.email, me.display_name, me.role, me.password_hash, me.active, me.created_at, me.version, \
     o.chases_before_escalation, o.time_zone, o.digest_hour, o.quiet_days, f.version AS tag_framework_version";
const SESSION_FROM: &str = " FROM sessions s JOIN users me ON me.id = s.user_id JOIN offices o ON o.id = me.office_id \
     LEFT JOIN tag_frameworks f ON f.office_id = me.office_id \
     WHERE s.token_hash = $1 AND s.expires_at > $2 AND me.active = TRUE AND s.stage = $3";

static SESSION: LazyLock<String> = LazyLock::new(|| format!("{SESSION_COLUMNS}{SESSION_FROM}"));
/// The same with the menu's numbers for the user's role.
static SESSION_WITH_MENU: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{SESSION_COLUMNS}, {}{SESSION_FROM}",
        crate::approvals::menu_of_session_user()
    )
});

/// A session row and the menu's numbers.
#[derive(sqlx::FromRow)]
struct WithMenu {
    #[sqlx(flatten)]
    row: SessionRow,
    #[sqlx(flatten)]
    menu: MenuNumbers,
}

/// A session row with its user and office, as [`Store::session_row`] reads it.
#[derive(sqlx::FromRow)]
struct SessionRow {
    token_hash: String,
    csrf_token: String,
    session_created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    id: i64,
    office_id: i64,
    email: String,
    display_name: String,
    role: String,
    password_hash: String,
    active: bool,
    created_at: i64,
    version: i64,
    chases_before_escalation: i64,
    time_zone: String,
    digest_hour: i64,
    quiet_days: i64,
    tag_framework_version: Option<i64>,
}

impl SessionRow {
    fn split(self, stage: &str) -> (Session, User) {
        let session = Session {
            token_hash: self.token_hash,
            user_id: self.id,
            csrf_token: self.csrf_token,
            created_at: self.session_created_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
            stage: stage.to_owned(),
        };
        let user = User {
            id: self.id,
            office_id: self.office_id,
            email: self.email,
            display_name: self.display_name,
            role: self.role,
            password_hash: self.password_hash,
            active: self.active,
            created_at: self.created_at,
            version: self.version,
        };
        (session, user)
    }
}

impl Store {
    // ----- sessions -----

    pub async fn create_session(&self, s: &Session) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, stage) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&s.token_hash)
            .bind(s.user_id)
            .bind(&s.csrf_token)
            .bind(s.created_at)
            .bind(s.last_seen_at)
            .bind(s.expires_at)
            .bind(&s.stage)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The live, fully signed-in session with this token hash, its (active)
    /// user, and what most pages then ask about the user's office (its
    /// settings and its tag framework's version), in one query: it runs on
    /// every request. With `menu` (a page, not a form's post), the same
    /// statement also reads the menu's numbers for the user's role
    /// ([`crate::approvals::menu_of_session_user`]).
    pub async fn session(&self, token_hash: &str, now: i64, menu: bool) -> Result<SignedIn> {
        let (r, menu) = if menu {
            let r: WithMenu = self
                .session_query(&SESSION_WITH_MENU, token_hash, now, "full")
                .await?;
            (r.row, Some(r.menu))
        } else {
            (self.session_row(token_hash, now, "full").await?, None)
        };
        let office = OfficeSettings {
            chases_before_escalation: r.chases_before_escalation,
            time_zone: r.time_zone.clone(),
            digest_hour: r.digest_hour,
            quiet_days: r.quiet_days,
        };
        let tag_framework_version = r.tag_framework_version;
        let (session, user) = r.split("full");
        Ok(SignedIn {
            session,
            user,
            office,
            tag_framework_version,
            menu,
        })
    }

    /// A live session at `stage` (`full`, or a sign-in half done:
    /// `second_factor`, `enrol`) and its active user.
    pub async fn session_at_stage(
        &self,
        token_hash: &str,
        now: i64,
        stage: &str,
    ) -> Result<(Session, User)> {
        Ok(self.session_row(token_hash, now, stage).await?.split(stage))
    }

    async fn session_row(&self, token_hash: &str, now: i64, stage: &str) -> Result<SessionRow> {
        self.session_query(&SESSION, token_hash, now, stage).await
    }

    async fn session_query<R>(
        &self,
        sql: &'static str,
        token_hash: &str,
        now: i64,
        stage: &str,
    ) -> Result<R>
    where
        R: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
    {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(token_hash)
                .bind(now)
                .bind(stage)
                .fetch_one(pool)
                .await?)
        })
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64, expires_at: i64) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3",
            )
            .bind(now)
            .bind(expires_at)
            .bind(token_hash)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Ends every session of a user; returns how many there were.
    pub async fn delete_user_sessions(&self, user_id: i64) -> Result<u64> {
        on_write!(self, |pool| {
            Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(pool)
                .await?
                .rows_affected())
        })
    }

    pub async fn count_user_sessions(&self, user_id: i64, now: i64) -> Result<i64> {
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND expires_at > $2",
            )
            .bind(user_id)
            .bind(now)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        on_write!(self, |pool| {
            Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected())
        })
    }

    // ----- API tokens -----

    pub async fn create_api_token(
        &self,
        user_id: i64,
        token_hash: &str,
        label: &str,
        now: i64,
    ) -> Result<ApiToken> {
        on_write!(self, |pool| {
            Ok(sqlx::query_as(
                "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4) \
                 RETURNING id, user_id, label, created_at, last_used_at, revoked_at",
            )
            .bind(user_id)
            .bind(token_hash)
            .bind(label)
            .bind(now)
            .fetch_one(pool)
            .await?)
        })
    }

    /// The active user owning a live (unrevoked) token.
    pub async fn user_by_token(&self, token_hash: &str) -> Result<User> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT u.id, u.office_id, u.email, u.display_name, u.role, u.password_hash, u.active, u.created_at, u.version \
                 FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = TRUE",
            )
            .bind(token_hash)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, user_id, label, created_at, last_used_at, revoked_at FROM api_tokens \
                 WHERE user_id = $1 ORDER BY id DESC",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Revokes every live API token of a user; returns how many there were.
    pub async fn revoke_user_api_tokens(&self, user_id: i64, now: i64) -> Result<u64> {
        on_write!(self, |pool| {
            Ok(sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected())
        })
    }

    pub async fn revoke_api_token(&self, user_id: i64, id: i64, now: i64) -> Result<()> {
        on_write!(self, |pool| {
            let n = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::NotFound);
            }
        });
        Ok(())
    }

    // ----- sign-in throttling -----

    pub async fn record_login_failure(&self, key: &str, now: i64) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Failures for `key` since `since`, and the latest of them.
    pub async fn login_failures(&self, key: &str, since: i64) -> Result<(i64, Option<i64>)> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT COUNT(*), MAX(at) FROM login_failures WHERE key = $1 AND at > $2",
            )
            .bind(key)
            .bind(since)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn clear_login_failures(&self, key: &str, older_than: i64) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query("DELETE FROM login_failures WHERE key = $1 OR at < $2")
                .bind(key)
                .bind(older_than)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Entries of a kind with their raw data, for tests of the audit trail.
    pub async fn try_rewrite_timeline(&self, entry_id: i64) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query("UPDATE timeline SET body = 'rewritten' WHERE id = $1")
                .bind(entry_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
