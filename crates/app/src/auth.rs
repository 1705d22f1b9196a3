//! Sign-in, sessions, passwords and API tokens.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use casework_store::{ApiToken, Error as StoreError, Session, User};
use sha2::{Digest, Sha256};

use crate::{Actor, App, AppError, AppResult};

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Hashes a password with argon2id, off the async threads (it is slow on purpose).
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let password = password.to_owned();
    let hash = hash.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Checks a new password against the rules, as a field error on `field`.
pub fn check_new_password(field: &str, password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::field(
            field,
            format!("Use at least {MIN_PASSWORD_LEN} characters."),
        ));
    }
    if password.len() > 1024 {
        return Err(AppError::field(field, "Use at most 1024 characters."));
    }
    Ok(())
}

/// SHA-256 in hex: how session and API tokens are stored, so a copy of the
/// database does not hand out live credentials.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// A new session: the cookie value (shown once) and the CSRF token for forms.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

fn actor_of(u: &User) -> Actor {
    Actor {
        user_id: u.id,
        office_id: u.office_id,
        role: u.role(),
        display_name: u.display_name.clone(),
        email: u.email.clone(),
    }
}

/// Signs in with email and password; `client` (the IP address) is throttled
/// as well as the account, so guessing across accounts is slowed too.
pub async fn sign_in(
    app: &App,
    email: &str,
    password: &str,
    client: &str,
) -> AppResult<(NewSession, Actor)> {
    let now = app.now();
    let s = &app.settings;
    let window = s.throttle_window_minutes * 60_000;
    // A NUL matches no account and PostgreSQL cannot store it (in the
    // throttling key): keep it as a character that also matches nothing.
    let email = email.trim().to_lowercase().replace('\0', "\u{FFFD}");
    let account_key = format!("account:{email}");
    let client_key = format!("client:{client}");
    for (key, max) in [
        (&account_key, s.max_failed_logins),
        (&client_key, s.max_failed_logins * 10),
    ] {
        let (count, first) = app.store.login_failures(key, now - window).await?;
        if count >= max {
            let wait = (first.unwrap_or(now) + window - now).max(60_000);
            return Err(AppError::Throttled {
                retry_after_minutes: (wait + 59_999) / 60_000,
            });
        }
    }
    let refused =
        || AppError::Unauthorized("That email and password do not match an active account.".into());
    let user = match app.store.user_by_email(&email).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    // Verify against a fixed hash for unknown accounts so timing does not tell which exist.
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$J9c3D0Wt+0ZpQkzpS4mJ1pT3z1Jm3pS2m1yQzB1N6Yw";
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.as_str())
        .unwrap_or(DUMMY);
    let ok = verify_password(password, hash).await;
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => {
            app.store.record_login_failure(&account_key, now).await?;
            app.store.record_login_failure(&client_key, now).await?;
            tracing::info!("sign-in refused");
            return Err(refused());
        }
    };
    app.store
        .clear_login_failures(&account_key, now - window)
        .await?;
    let session = NewSession {
        token: random_token(),
        csrf_token: random_token(),
        expires_at: now + s.session_idle_minutes * 60_000,
    };
    app.store
        .create_session(&Session {
            token_hash: token_hash(&session.token),
            user_id: user.id,
            csrf_token: session.csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at: session.expires_at,
        })
        .await?;
    tracing::info!(user_id = user.id, "signed in");
    Ok((session, actor_of(&user)))
}

/// The actor behind a session cookie, and the session's CSRF token. Extends
/// an active session (at most every few minutes, to spare the database).
pub async fn session_actor(app: &App, token: &str) -> AppResult<(Actor, String)> {
    let now = app.now();
    let hash = token_hash(token);
    let (session, user) = match app.store.session(&hash, now).await {
        Ok(found) => found,
        Err(StoreError::NotFound) => {
            return Err(AppError::Unauthorized(
                "Your session has ended. Please sign in again.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if now - session.last_seen_at > 5 * 60_000 {
        let s = &app.settings;
        let expires = (now + s.session_idle_minutes * 60_000)
            .min(session.created_at + s.session_absolute_hours * 3_600_000);
        app.store.touch_session(&hash, now, expires).await?;
    }
    Ok((actor_of(&user), session.csrf_token))
}

/// Removes expired sessions so the table does not grow forever.
pub async fn sweep_sessions(app: &App) -> AppResult<u64> {
    Ok(app.store.delete_expired_sessions(app.now()).await?)
}

pub async fn sign_out(app: &App, token: &str) -> AppResult<()> {
    app.store.delete_session(&token_hash(token)).await?;
    Ok(())
}

/// Changes the actor's own password after checking the current one; every
/// other session of theirs ends.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    current: &str,
    new: &str,
    session_token: Option<&str>,
) -> AppResult<()> {
    let user = app.data_for(actor).user(actor.user_id).await?;
    if !verify_password(current, &user.password_hash).await {
        return Err(AppError::field(
            "current_password",
            "That is not your current password.",
        ));
    }
    check_new_password("new_password", new)?;
    let hash = hash_password(new).await?;
    let keep = session_token.map(token_hash);
    app.store
        .set_password(user.id, &hash, keep.as_deref())
        .await?;
    tracing::info!(user_id = user.id, "password changed");
    Ok(())
}

/// The actor behind an API bearer token.
pub async fn token_actor(app: &App, token: &str) -> AppResult<Actor> {
    match app.store.user_by_token(&token_hash(token.trim())).await {
        Ok(u) => Ok(actor_of(&u)),
        Err(StoreError::NotFound) => Err(AppError::Unauthorized(
            "The API token is missing, revoked or invalid.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Creates an API token for the actor; the token itself is returned once and
/// only its hash is kept.
pub async fn create_api_token(
    app: &App,
    actor: &Actor,
    label: &str,
) -> AppResult<(String, ApiToken)> {
    let mut errors = casework_domain::FieldErrors::new();
    let label = errors.required("label", "A name for the token", label, 100);
    crate::check(errors)?;
    let token = format!("cw_{}", random_token());
    let saved = app
        .store
        .create_api_token(actor.user_id, &token_hash(&token), &label, app.now())
        .await?;
    tracing::info!(
        user_id = actor.user_id,
        token_id = saved.id,
        "API token created"
    );
    Ok((token, saved))
}

/// Creates an API token for a user by email, from the command line.
pub async fn create_api_token_for(app: &App, email: &str, label: &str) -> AppResult<String> {
    let user = app
        .store
        .user_by_email(&email.trim().to_lowercase())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::field("email", "No user has that email address."),
            other => other.into(),
        })?;
    if !user.active {
        return Err(AppError::field("email", "That user is deactivated."));
    }
    let (token, _) = create_api_token(app, &actor_of(&user), label).await?;
    Ok(token)
}

pub async fn api_tokens(app: &App, actor: &Actor) -> AppResult<Vec<ApiToken>> {
    Ok(app.store.api_tokens(actor.user_id).await?)
}

pub async fn revoke_api_token(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    app.store
        .revoke_api_token(actor.user_id, id, app.now())
        .await?;
    Ok(())
}
