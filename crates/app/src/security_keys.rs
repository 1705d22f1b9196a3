//! Security keys and passkeys (WebAuthn, with webauthn-rs) as a second
//! factor at sign-in, beside the authenticator app (which comes first: it
//! and its recovery codes are the way in when a key is lost). The key must verify its
//! user (a PIN, a fingerprint): the password and the key together are then
//! two factors even if the password is stolen. A ceremony's state waits in
//! the database between its two requests, so any app server can finish it.

use casework_store::SecurityKeyRow;
use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, WebauthnBuilder,
};

use crate::auth::{NewSession, Stage, pending_actor, record, start_session, token_hash};
use crate::{Actor, App, AppError, AppResult};

/// How long a person has to touch their key.
const CEREMONY_MINUTES: i64 = 5;

/// WebAuthn for this site: `origin` is the address the browser is at
/// (`https://casework.example.org`); the key is bound to its host name.
fn webauthn(origin: &str) -> AppResult<Webauthn> {
    let url =
        Url::parse(origin).map_err(|_| AppError::Internal(format!("not an origin: {origin}")))?;
    let Some(host) = url.domain().map(str::to_owned) else {
        return Err(AppError::field(
            "key",
            "Security keys work only when Casework is reached by a name (like casework.example.org), not by an address like 127.0.0.1.",
        ));
    };
    WebauthnBuilder::new(&host, &url)
        .and_then(|b| b.rp_name("Casework").build())
        .map_err(|e| AppError::Internal(format!("WebAuthn set-up for {origin}: {e}")))
}

fn refused(e: impl std::fmt::Display) -> AppError {
    tracing::info!(error = %e, "security key refused");
    AppError::field(
        "key",
        "The security key was not accepted. Try again, or use your authenticator app.",
    )
}

fn to_json<T: serde::Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(format!("WebAuthn state: {e}")))
}

fn passkey_of(row: &SecurityKeyRow) -> AppResult<Passkey> {
    serde_json::from_str(&row.credential)
        .map_err(|e| AppError::Internal(format!("security key {}: {e}", row.id)))
}

/// A stable WebAuthn user handle for a staff account.
fn user_handle(user_id: i64) -> Uuid {
    Uuid::from_u128(user_id as u128)
}

/// One's own security keys: (id, name, added, last used).
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<SecurityKeyRow>> {
    Ok(app.store.security_keys(actor.user_id).await?)
}

/// Starts adding a key: the options for `navigator.credentials.create`.
pub async fn begin_adding(app: &App, actor: &Actor, origin: &str) -> AppResult<serde_json::Value> {
    if !crate::auth::enrolled(app, actor.user_id).await? {
        return Err(AppError::field(
            "key",
            "Set up the authenticator app first: it and its recovery codes are your way in if a key is lost.",
        ));
    }
    let w = webauthn(origin)?;
    let existing = app.store.security_keys(actor.user_id).await?;
    let exclude = existing
        .iter()
        .map(passkey_of)
        .map(|p| p.map(|p| p.cred_id().clone()))
        .collect::<AppResult<Vec<_>>>()?;
    let (options, state) = w
        .start_passkey_registration(
            user_handle(actor.user_id),
            &actor.email,
            &actor.display_name,
            Some(exclude),
        )
        .map_err(refused)?;
    app.store
        .put_webauthn_challenge(
            &format!("add:{}", actor.user_id),
            &to_json(&state)?,
            app.now() + CEREMONY_MINUTES * 60_000,
        )
        .await?;
    serde_json::to_value(&options).map_err(|e| AppError::Internal(e.to_string()))
}

/// Finishes adding a key with what the browser's `create` returned.
pub async fn finish_adding(
    app: &App,
    actor: &Actor,
    origin: &str,
    name: &str,
    credential: &str,
    address: &str,
) -> AppResult<()> {
    let mut e = casework_domain::FieldErrors::new();
    let name = e.name("name", "A name for the key", name, 100, true);
    crate::check(e)?;
    let state = app
        .store
        .take_webauthn_challenge(&format!("add:{}", actor.user_id), app.now())
        .await?
        .ok_or_else(|| refused("no registration under way"))?;
    let w = webauthn(origin)?;
    let state: PasskeyRegistration = serde_json::from_str(&state).map_err(refused)?;
    let reply: RegisterPublicKeyCredential = serde_json::from_str(credential).map_err(refused)?;
    let key = w
        .finish_passkey_registration(&reply, &state)
        .map_err(refused)?;
    app.store
        .add_security_key(actor.user_id, &name, &to_json(&key)?, app.now())
        .await?;
    let user = app.data_for(actor).user(actor.user_id).await?;
    record(app, &user, None, "security_key_added", address).await?;
    tracing::info!(user_id = actor.user_id, "security key added");
    Ok(())
}

/// Removes one of one's own keys.
pub async fn remove(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    if app
        .store
        .remove_security_keys(actor.user_id, Some(id))
        .await?
        == 0
    {
        return Err(AppError::NotFound);
    }
    let user = app.data_for(actor).user(actor.user_id).await?;
    record(app, &user, None, "security_key_removed", "").await?;
    Ok(())
}

fn sign_in_key(pending_token: &str) -> String {
    format!("sign-in:{}", token_hash(pending_token))
}

/// Has the person behind a half-done sign-in a security key?
pub async fn has_keys(app: &App, user_id: i64) -> AppResult<bool> {
    Ok(!app.store.security_keys(user_id).await?.is_empty())
}

/// Starts the second step of a sign-in with a key: the options for
/// `navigator.credentials.get`.
pub async fn begin_sign_in(
    app: &App,
    pending_token: &str,
    origin: &str,
) -> AppResult<serde_json::Value> {
    let (actor, _) = pending_actor(app, pending_token, Stage::SecondFactor).await?;
    let w = webauthn(origin)?;
    let keys = app
        .store
        .security_keys(actor.user_id)
        .await?
        .iter()
        .map(passkey_of)
        .collect::<AppResult<Vec<_>>>()?;
    if keys.is_empty() {
        return Err(AppError::field(
            "key",
            "You have no security key: use your authenticator app.",
        ));
    }
    let (options, state) = w.start_passkey_authentication(&keys).map_err(refused)?;
    app.store
        .put_webauthn_challenge(
            &sign_in_key(pending_token),
            &to_json(&state)?,
            app.now() + CEREMONY_MINUTES * 60_000,
        )
        .await?;
    serde_json::to_value(&options).map_err(|e| AppError::Internal(e.to_string()))
}

/// Finishes a sign-in with what the browser's `get` returned: the full
/// session, which replaces the half-done one.
pub async fn finish_sign_in(
    app: &App,
    pending_token: &str,
    origin: &str,
    credential: &str,
    address: &str,
) -> AppResult<NewSession> {
    let (actor, _) = pending_actor(app, pending_token, Stage::SecondFactor).await?;
    crate::two_factor::throttled(app, actor.user_id).await?;
    let w = webauthn(origin)?;
    let attempt = async {
        let state = app
            .store
            .take_webauthn_challenge(&sign_in_key(pending_token), app.now())
            .await?
            .ok_or_else(|| refused("no sign-in under way"))?;
        let state: PasskeyAuthentication = serde_json::from_str(&state).map_err(refused)?;
        let reply: PublicKeyCredential = serde_json::from_str(credential).map_err(refused)?;
        w.finish_passkey_authentication(&reply, &state)
            .map_err(refused)
    };
    let result = match attempt.await {
        Ok(r) => r,
        Err(e) => {
            crate::two_factor::count_wrong_code(app, actor.user_id).await?;
            return Err(e);
        }
    };
    for row in app.store.security_keys(actor.user_id).await? {
        let mut key = passkey_of(&row)?;
        if key.update_credential(&result).is_some() {
            app.store
                .used_security_key(row.id, &to_json(&key)?, app.now())
                .await?;
        }
    }
    let user = app.data_for(&actor).user(actor.user_id).await?;
    record(app, &user, None, "signed_in_security_key", address).await?;
    tracing::info!(user_id = actor.user_id, "signed in with a security key");
    start_session(app, actor.user_id, Stage::Full, Some(pending_token)).await
}
