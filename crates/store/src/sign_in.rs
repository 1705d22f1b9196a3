//! Sign-in security (installation-wide, looked up before an office is
//! known): known devices, two-factor secrets and recovery codes, an office's
//! demand for two-factor sign-in, and the record of security events.

use crate::model::SecurityEvent;
use crate::{OfficeData, Result, Store, in_transaction, on_read, on_write};

/// A person's authenticator secret (base32) and whether it is confirmed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TwoFactor {
    pub user_id: i64,
    pub secret: String,
    pub confirmed_at: Option<i64>,
    pub last_step: i64,
}

impl Store {
    // ----- known devices -----

    pub async fn add_known_device(&self, user_id: i64, token_hash: &str, now: i64) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "INSERT INTO known_devices (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3) \
                 ON CONFLICT (token_hash) DO UPDATE SET last_seen_at = $3",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Is the device with this token hash one the (active) user with this
    /// email has signed in from?
    pub async fn is_known_device(&self, email: &str, token_hash: &str) -> Result<bool> {
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM known_devices d JOIN users u ON u.id = d.user_id \
                 WHERE d.token_hash = $1 AND u.email = $2",
            )
            .bind(token_hash)
            .bind(email)
            .fetch_one(pool)
            .await?
                > 0)
        })
    }

    /// Forgets every device of a user (signing out everywhere).
    pub async fn forget_devices(&self, user_id: i64) -> Result<u64> {
        on_write!(self, |pool| {
            Ok(sqlx::query("DELETE FROM known_devices WHERE user_id = $1")
                .bind(user_id)
                .execute(pool)
                .await?
                .rows_affected())
        })
    }

    // ----- sessions half signed in -----

    /// Replaces a half-done session (password given) by a full one.
    pub async fn complete_session(
        &self,
        pending_hash: &str,
        full: &crate::model::Session,
    ) -> Result<()> {
        in_transaction!(self, |tx| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(pending_hash)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, stage) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&full.token_hash)
            .bind(full.user_id)
            .bind(&full.csrf_token)
            .bind(full.created_at)
            .bind(full.last_seen_at)
            .bind(full.expires_at)
            .bind(&full.stage)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    // ----- two-factor -----

    pub async fn two_factor(&self, user_id: i64) -> Result<Option<TwoFactor>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT user_id, secret, confirmed_at, last_step FROM two_factor WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Starts enrolling: a new, unconfirmed secret (replacing an unconfirmed one).
    pub async fn begin_two_factor(&self, user_id: i64, secret: &str, now: i64) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "INSERT INTO two_factor (user_id, secret, confirmed_at, last_step, created_at) \
                 VALUES ($1, $2, NULL, 0, $3) \
                 ON CONFLICT (user_id) DO UPDATE SET secret = $2, confirmed_at = NULL, last_step = 0, created_at = $3 \
                 WHERE two_factor.confirmed_at IS NULL",
            )
            .bind(user_id)
            .bind(secret)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Accepts the code of time step `step` once: true when it is later
    /// than the last one accepted (and marks the secret confirmed).
    pub async fn accept_two_factor_step(&self, user_id: i64, step: i64, now: i64) -> Result<bool> {
        on_write!(self, |pool| {
            Ok(sqlx::query(
                "UPDATE two_factor SET last_step = $2, confirmed_at = COALESCE(confirmed_at, $3) \
                 WHERE user_id = $1 AND last_step < $2",
            )
            .bind(user_id)
            .bind(step)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
                == 1)
        })
    }

    /// Removes a user's two-factor secret and recovery codes.
    pub async fn remove_two_factor(&self, user_id: i64) -> Result<bool> {
        in_transaction!(self, |tx| {
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let n = sqlx::query("DELETE FROM two_factor WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            Ok(n > 0)
        })
    }

    pub async fn replace_recovery_codes(&self, user_id: i64, hashes: &[String]) -> Result<()> {
        in_transaction!(self, |tx| {
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            for h in hashes {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind(user_id)
                    .bind(h)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    /// Uses up an unused recovery code: true when there was one.
    pub async fn use_recovery_code(&self, user_id: i64, hash: &str, now: i64) -> Result<bool> {
        on_write!(self, |pool| {
            Ok(sqlx::query(
                "UPDATE recovery_codes SET used_at = $3 \
                 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
            )
            .bind(user_id)
            .bind(hash)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
                > 0)
        })
    }

    pub async fn unused_recovery_codes(&self, user_id: i64) -> Result<i64> {
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
            )
            .bind(user_id)
            .fetch_one(pool)
            .await?)
        })
    }

    // ----- the office's demand -----

    pub async fn office_requires_two_factor(&self, office_id: i64) -> Result<bool> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT require_two_factor FROM offices WHERE id = $1")
                    .bind(office_id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    pub async fn set_office_requires_two_factor(&self, office_id: i64, on: bool) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query("UPDATE offices SET require_two_factor = $2 WHERE id = $1")
                .bind(office_id)
                .bind(on)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    // ----- security events -----

    pub async fn record_security_event(&self, e: &SecurityEvent) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "INSERT INTO security_events (office_id, user_id, actor_id, kind, address, at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(e.office_id)
            .bind(e.user_id)
            .bind(e.actor_id)
            .bind(&e.kind)
            .bind(&e.address)
            .bind(e.at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

impl OfficeData {
    /// A user's latest security events, newest first, in this office.
    pub async fn security_events(&self, user_id: i64, limit: i64) -> Result<Vec<SecurityEvent>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT e.office_id, e.user_id, e.actor_id, a.display_name AS actor_name, e.kind, e.address, e.at \
                 FROM security_events e LEFT JOIN users a ON a.id = e.actor_id \
                 WHERE e.office_id = $1 AND e.user_id = $2 ORDER BY e.at DESC, e.id DESC LIMIT $3",
            )
            .bind(office_id)
            .bind(user_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }
}

/// A sign-in sent to the identity provider, waiting for its return.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SsoRequest {
    pub state_hash: String,
    pub nonce: String,
    pub verifier: String,
    pub redirect_uri: String,
    pub next: String,
    pub expires_at: i64,
}

impl Store {
    /// Keeps a sign-in sent to the identity provider (and drops expired ones).
    pub async fn save_sso_request(&self, r: &SsoRequest, now: i64) -> Result<()> {
        in_transaction!(self, |tx| {
            sqlx::query("DELETE FROM sso_requests WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO sso_requests (state_hash, nonce, verifier, redirect_uri, next, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&r.state_hash)
            .bind(&r.nonce)
            .bind(&r.verifier)
            .bind(&r.redirect_uri)
            .bind(&r.next)
            .bind(r.expires_at)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Takes (once) the live sign-in with this state's hash.
    pub async fn take_sso_request(&self, state_hash: &str, now: i64) -> Result<Option<SsoRequest>> {
        on_write!(self, |pool| {
            Ok(sqlx::query_as(
                "DELETE FROM sso_requests WHERE state_hash = $1 \
                 RETURNING state_hash, nonce, verifier, redirect_uri, next, expires_at",
            )
            .bind(state_hash)
            .fetch_optional(pool)
            .await?
            .filter(|r: &SsoRequest| r.expires_at > now))
        })
    }
}

/// A security key (WebAuthn credential) of a person.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SecurityKeyRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The credential as webauthn-rs keeps it (JSON).
    pub credential: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl Store {
    pub async fn add_security_key(
        &self,
        user_id: i64,
        name: &str,
        credential: &str,
        now: i64,
    ) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "INSERT INTO security_keys (user_id, name, credential, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(user_id)
            .bind(name)
            .bind(credential)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn security_keys(&self, user_id: i64) -> Result<Vec<SecurityKeyRow>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, user_id, name, credential, created_at, last_used_at FROM security_keys \
                 WHERE user_id = $1 ORDER BY id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Keeps a key's new state (its signature counter) after a use.
    pub async fn used_security_key(&self, id: i64, credential: &str, now: i64) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "UPDATE security_keys SET credential = $2, last_used_at = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(credential)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Removes one of a user's keys (`Some(id)`) or all of them; how many went.
    pub async fn remove_security_keys(&self, user_id: i64, id: Option<i64>) -> Result<u64> {
        on_write!(self, |pool| {
            Ok(sqlx::query(
                "DELETE FROM security_keys WHERE user_id = $1 AND ($2 IS NULL OR id = $2)",
            )
            .bind(user_id)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected())
        })
    }

    /// Keeps a WebAuthn ceremony's state under `key` (replacing one there).
    pub async fn put_webauthn_challenge(
        &self,
        key: &str,
        state: &str,
        expires_at: i64,
    ) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "INSERT INTO webauthn_challenges (challenge_key, state, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (challenge_key) DO UPDATE SET state = $2, expires_at = $3",
            )
            .bind(key)
            .bind(state)
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Takes (once) the live ceremony state under `key`.
    pub async fn take_webauthn_challenge(&self, key: &str, now: i64) -> Result<Option<String>> {
        on_write!(self, |pool| {
            let row: Option<(String, i64)> = sqlx::query_as(
                "DELETE FROM webauthn_challenges WHERE challenge_key = $1 RETURNING state, expires_at",
            )
            .bind(key)
            .fetch_optional(pool)
            .await?;
            Ok(row.filter(|(_, exp)| *exp > now).map(|(s, _)| s))
        })
    }
}
