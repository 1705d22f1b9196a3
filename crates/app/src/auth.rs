//! Sign-in, sessions, passwords and API tokens.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use casework_store::{ApiToken, Error as StoreError, SecurityEvent, Session, User};
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

pub(crate) fn actor_of(u: &User) -> Actor {
    Actor {
        user_id: u.id,
        office_id: u.office_id,
        role: u.role(),
        display_name: u.display_name.clone(),
        email: u.email.clone(),
    }
}

/// How far a sign-in has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Signed in.
    Full,
    /// The password was right; a code from the authenticator app (or a
    /// recovery code) is awaited.
    SecondFactor,
    /// The password was right, the office requires two-factor sign-in and
    /// this person has not set it up: they must, before anything else.
    Enrol,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Full => "full",
            Stage::SecondFactor => "second_factor",
            Stage::Enrol => "enrol",
        }
    }
}

/// A sign-in attempt: what was typed, and where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The client's address (behind a trusted proxy, the one it reports).
    pub client: &'a str,
    /// The device cookie, if the browser has one.
    pub device: Option<&'a str>,
}

/// A sign-in whose password was right.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: NewSession,
    pub stage: Stage,
    pub actor: Actor,
    /// The device cookie to give the browser (the same one when it had a
    /// known one): next time, this browser's right password is not slowed
    /// by anyone else's failures.
    pub device: String,
}

/// One throttling counter: failures under `key` within the window, of which
/// `free` pass unhindered; after that each further attempt must wait, twice
/// as long each time (1, 2, 4, 8, then 15 minutes), counted from the last
/// failure. Nothing is ever locked: the wait always ends.
pub(crate) struct Counter {
    pub(crate) key: String,
    pub(crate) free: i64,
}

/// Milliseconds still to wait before trying `counter` again, if any.
async fn wait_for(app: &App, counter: &Counter, now: i64) -> AppResult<Option<i64>> {
    let window = app.settings.throttle_window_minutes * 60_000;
    let (count, last) = app.store.login_failures(&counter.key, now - window).await?;
    if count < counter.free {
        return Ok(None);
    }
    let doublings = (count - counter.free).min(4) as u32;
    let wait = (60_000i64 << doublings).min(window.max(60_000));
    let until = last.unwrap_or(now) + wait;
    Ok((until > now).then_some(until - now))
}

/// The counters a sign-in attempt is checked against. From a device this
/// account has signed in from: that device's own failures only, so nobody
/// elsewhere can slow the real person down. From anywhere else: the account
/// from this address, the account from everywhere (guessing spread over
/// many addresses), and the address across accounts (guessing many accounts).
fn counters(app: &App, email: &str, client: &str, known_device: Option<&str>) -> Vec<Counter> {
    let max = app.settings.max_failed_logins;
    match known_device {
        Some(hash) => vec![Counter {
            key: format!("device:{hash}"),
            free: max,
        }],
        None => vec![
            Counter {
                key: format!("account-address:{email}|{client}"),
                free: max,
            },
            Counter {
                key: format!("account:{email}"),
                free: max * 4,
            },
            Counter {
                key: format!("address:{client}"),
                free: max * 10,
            },
        ],
    }
}

/// Waits out (refuses with [`AppError::Throttled`]) while any counter says so.
pub(crate) async fn check_counters(app: &App, counters: &[Counter], now: i64) -> AppResult<()> {
    let mut longest = None;
    for c in counters {
        if let Some(w) = wait_for(app, c, now).await? {
            longest = Some(longest.unwrap_or(0).max(w));
        }
    }
    match longest {
        Some(wait) => Err(AppError::Throttled {
            retry_after_minutes: (wait + 59_999) / 60_000,
        }),
        None => Ok(()),
    }
}

pub(crate) async fn count_failure(app: &App, counters: &[Counter], now: i64) -> AppResult<()> {
    for c in counters {
        app.store.record_login_failure(&c.key, now).await?;
    }
    Ok(())
}

/// Has this person a confirmed authenticator app?
pub async fn enrolled(app: &App, user_id: i64) -> AppResult<bool> {
    Ok(app
        .store
        .two_factor(user_id)
        .await?
        .is_some_and(|t| t.confirmed_at.is_some()))
}

/// Has this person a second factor: an authenticator app or a security key?
pub async fn has_second_factor(app: &App, user_id: i64) -> AppResult<bool> {
    Ok(enrolled(app, user_id).await? || !app.store.security_keys(user_id).await?.is_empty())
}

/// Records a security event on `user`'s account; `by` when someone else did it.
pub(crate) async fn record(
    app: &App,
    user: &User,
    by: Option<&Actor>,
    kind: &str,
    address: &str,
) -> AppResult<()> {
    app.store
        .record_security_event(&SecurityEvent {
            office_id: user.office_id,
            user_id: user.id,
            actor_id: by.map(|a| a.user_id),
            actor_name: None,
            kind: kind.to_owned(),
            address: address.chars().take(100).collect(),
            at: app.now(),
        })
        .await?;
    Ok(())
}

/// Signs in with email and password. Failures are throttled, never locked:
/// see [`counters`]. The session is full, or waits for a second factor (or
/// for setting one up, when the office requires it).
pub async fn sign_in(app: &App, attempt: Attempt<'_>) -> AppResult<SignedIn> {
    let now = app.now();
    let s = &app.settings;
    let window = s.throttle_window_minutes * 60_000;
    // A NUL matches no account and PostgreSQL cannot store it (in the
    // throttling key): keep it as a character that also matches nothing.
    let email = attempt
        .email
        .trim()
        .to_lowercase()
        .replace('\0', "\u{FFFD}");
    let client = attempt.client.replace('\0', "\u{FFFD}");
    let device_hash = attempt
        .device
        .filter(|d| !d.is_empty() && d.len() <= 128)
        .map(token_hash);
    let known = match &device_hash {
        Some(h) => app.store.is_known_device(&email, h).await?,
        None => false,
    };
    let counters = counters(
        app,
        &email,
        &client,
        device_hash.as_deref().filter(|_| known),
    );
    check_counters(app, &counters, now).await?;
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
    let ok = verify_password(attempt.password, hash).await;
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => {
            count_failure(app, &counters, now).await?;
            tracing::info!("sign-in refused");
            return Err(refused());
        }
    };
    for c in counters
        .iter()
        .filter(|c| !c.key.starts_with("account:") && !c.key.starts_with("address:"))
    {
        app.store.clear_login_failures(&c.key, now - window).await?;
    }
    let device = match attempt.device.filter(|_| known) {
        Some(d) => d.to_owned(),
        None => random_token(),
    };
    app.store
        .add_known_device(user.id, &token_hash(&device), now)
        .await?;
    let stage = if has_second_factor(app, user.id).await? {
        Stage::SecondFactor
    } else if app.store.office_requires_two_factor(user.office_id).await? {
        Stage::Enrol
    } else {
        Stage::Full
    };
    let session = start_session(app, user.id, stage, None).await?;
    if stage == Stage::Full {
        record(app, &user, None, "signed_in", &client).await?;
        tracing::info!(user_id = user.id, "signed in");
    }
    Ok(SignedIn {
        session,
        stage,
        actor: actor_of(&user),
        device,
    })
}

/// A new session at `stage`; a half-done one lasts ten minutes. With
/// `replacing`, that (half-done) session is replaced in the same transaction.
pub(crate) async fn start_session(
    app: &App,
    user_id: i64,
    stage: Stage,
    replacing: Option<&str>,
) -> AppResult<NewSession> {
    let now = app.now();
    let s = &app.settings;
    let session = NewSession {
        token: random_token(),
        csrf_token: random_token(),
        expires_at: if stage == Stage::Full {
            now + s.session_idle_minutes * 60_000
        } else {
            now + 10 * 60_000
        },
    };
    let row = Session {
        token_hash: token_hash(&session.token),
        user_id,
        csrf_token: session.csrf_token.clone(),
        created_at: now,
        last_seen_at: now,
        expires_at: session.expires_at,
        stage: stage.as_str().to_owned(),
    };
    match replacing {
        Some(old) => app.store.complete_session(&token_hash(old), &row).await?,
        None => app.store.create_session(&row).await?,
    }
    Ok(session)
}

/// A sign-in half done (`stage` is not [`Stage::Full`]): its person and
/// the session's CSRF token.
pub async fn pending_actor(app: &App, token: &str, stage: Stage) -> AppResult<(Actor, String)> {
    match app
        .store
        .session_at_stage(&token_hash(token), app.now(), stage.as_str())
        .await
    {
        Ok((session, user)) => Ok((actor_of(&user), session.csrf_token)),
        Err(StoreError::NotFound) => Err(AppError::Unauthorized(
            "Your sign-in has expired. Please sign in again.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The actor behind a session cookie, and the session's CSRF token. Extends
/// an active session (at most every few minutes, to spare the database).
pub async fn session_actor(app: &App, token: &str) -> AppResult<(Actor, String)> {
    let (actor, csrf, _) = signed_in(app, token, false).await?;
    Ok((actor, csrf))
}

/// Like [`session_actor`], for a page: also the menu's numbers, read with
/// the session in one statement.
pub async fn page_actor(
    app: &App,
    token: &str,
) -> AppResult<(Actor, String, crate::approvals::MenuCounts)> {
    let (actor, csrf, menu) = signed_in(app, token, true).await?;
    let counts = crate::approvals::menu_counts_of(app, &actor, menu.unwrap_or_default()).await?;
    Ok((actor, csrf, counts))
}

async fn signed_in(
    app: &App,
    token: &str,
    menu: bool,
) -> AppResult<(Actor, String, Option<casework_store::MenuNumbers>)> {
    let now = app.now();
    let hash = token_hash(token);
    let casework_store::SignedIn {
        session,
        user,
        office,
        tag_framework_version,
        menu,
    } = match app.store.session(&hash, now, menu).await {
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
    // The page that follows asks for these: read with the session, kept for it.
    crate::memo::keep_office(user.office_id, &office, tag_framework_version);
    Ok((actor_of(&user), session.csrf_token, menu))
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
