//! Two-factor sign-in: a code from an authenticator app (TOTP, RFC 6238:
//! SHA-1, six digits, 30-second steps, one step of clock drift either way),
//! with ten single-use recovery codes for a lost phone. An office can
//! require it of everyone. Enrolling, using a recovery code, turning it off
//! and an administrator's reset are recorded as security events.

use casework_domain::Permission;
use casework_store::SecurityEvent;
use totp_rs::{Algorithm, TOTP};

use crate::auth::{
    Counter, NewSession, Stage, check_counters, count_failure, enrolled, record, start_session,
    token_hash,
};
use crate::{Actor, App, AppError, AppResult};

const STEP_SECONDS: u64 = 30;
const RECOVERY_CODES: usize = 10;

/// Has a colleague two-factor sign-in (for an administrator)?
pub async fn colleague_enrolled(app: &App, actor: &Actor, user_id: i64) -> AppResult<bool> {
    actor.require(Permission::ManageStaff)?;
    let target = app.data_for(actor).user(user_id).await?;
    crate::auth::has_second_factor(app, target.id).await
}

fn totp(secret_base32: &str) -> AppResult<TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|e| AppError::Internal(format!("two-factor secret: {e:?}")))?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECONDS, bytes)
        .map_err(|e| AppError::Internal(format!("two-factor secret: {e}")))
}

/// The time step whose code `code` is (this one, or one either side), if any.
fn matching_step(secret: &str, code: &str, now_ms: i64) -> AppResult<Option<i64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret)?;
    let now_step = (now_ms.max(0) as u64 / 1000) / STEP_SECONDS;
    for step in [now_step, now_step.saturating_sub(1), now_step + 1] {
        let expected = t.generate(step * STEP_SECONDS);
        if casework_domain::same_secret(&expected, &code) {
            return Ok(Some(step as i64));
        }
    }
    Ok(None)
}

/// The code an authenticator shows at `now_ms` (for tests and the demo).
pub fn code_at(secret_base32: &str, now_ms: i64) -> AppResult<String> {
    Ok(totp(secret_base32)?.generate(now_ms.max(0) as u64 / 1000))
}

/// What a person sees when setting up two-factor sign-in.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret in base32, for typing into an app by hand (grouped by four).
    pub secret: String,
    /// The `otpauth://` address a QR code carries.
    pub uri: String,
}

fn otpauth_uri(secret: &str, issuer: &str, email: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
        enc(issuer),
        enc(email),
        enc(issuer)
    )
}

/// Starts (or restarts) setting up an authenticator for `actor`: a new
/// secret, kept unconfirmed until a code from it is entered.
pub async fn begin(app: &App, actor: &Actor) -> AppResult<Enrolment> {
    if enrolled(app, actor.user_id).await? {
        return Err(AppError::field(
            "code",
            "Two-factor sign-in is already set up. Turn it off first to move it to another phone.",
        ));
    }
    let secret = totp_rs::Secret::Raw(rand::random::<[u8; 20]>().to_vec())
        .to_encoded()
        .to_string();
    app.store
        .begin_two_factor(actor.user_id, &secret, app.now())
        .await?;
    enrolment_of(app, actor, secret).await
}

async fn enrolment_of(app: &App, actor: &Actor, secret: String) -> AppResult<Enrolment> {
    let office = app.store.office(actor.office_id).await?;
    Ok(Enrolment {
        uri: otpauth_uri(&secret, &format!("Casework {}", office.name), &actor.email),
        secret,
    })
}

/// The enrolment under way (after a wrong code), or a new one.
pub async fn current(app: &App, actor: &Actor) -> AppResult<Enrolment> {
    match app.store.two_factor(actor.user_id).await? {
        Some(t) if t.confirmed_at.is_none() => enrolment_of(app, actor, t.secret).await,
        _ => begin(app, actor).await,
    }
}

fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw: String = (0..10)
                .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &raw[..5], &raw[5..])
        })
        .collect()
}

fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    token_hash(&normal)
}

async fn issue_recovery_codes(app: &App, user_id: i64) -> AppResult<Vec<String>> {
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
    app.store.replace_recovery_codes(user_id, &hashes).await?;
    Ok(codes)
}

fn wrong_code() -> AppError {
    AppError::field(
        "code",
        "That code is not right. Enter the six digits your authenticator app shows now.",
    )
}

/// Confirms the authenticator with a code from it: two-factor sign-in is on.
/// Returns the recovery codes, shown once.
pub async fn confirm(
    app: &App,
    actor: &Actor,
    code: &str,
    address: &str,
) -> AppResult<Vec<String>> {
    let Some(t) = app.store.two_factor(actor.user_id).await? else {
        return Err(AppError::field(
            "code",
            "Start setting up two-factor sign-in first.",
        ));
    };
    if t.confirmed_at.is_some() {
        return Err(AppError::field(
            "code",
            "Two-factor sign-in is already set up.",
        ));
    }
    throttled(app, actor.user_id).await?;
    let now = app.now();
    let accepted = match matching_step(&t.secret, code, now)? {
        Some(step) => {
            app.store
                .accept_two_factor_step(actor.user_id, step, now)
                .await?
        }
        None => false,
    };
    if !accepted {
        count_wrong_code(app, actor.user_id).await?;
        return Err(wrong_code());
    }
    let user = app.data_for(actor).user(actor.user_id).await?;
    record(app, &user, None, "two_factor_enrolled", address).await?;
    tracing::info!(user_id = actor.user_id, "two-factor sign-in set up");
    issue_recovery_codes(app, actor.user_id).await
}

/// Wrong codes for a person, slowed like wrong passwords (see
/// `auth::sign_in`): five, then waits that double. Only someone who had
/// the password gets this far.
fn code_counter(app: &App, user_id: i64) -> [Counter; 1] {
    [Counter {
        key: format!("second-factor:{user_id}"),
        free: app.settings.max_failed_logins,
    }]
}

pub(crate) async fn throttled(app: &App, user_id: i64) -> AppResult<()> {
    check_counters(app, &code_counter(app, user_id), app.now()).await
}

pub(crate) async fn count_wrong_code(app: &App, user_id: i64) -> AppResult<()> {
    count_failure(app, &code_counter(app, user_id), app.now()).await
}

/// Completes a sign-in that waits for a second factor: a code from the
/// authenticator, or one of the recovery codes (used up, and recorded).
/// Returns the full session, which replaces the half-done one.
pub async fn complete_sign_in(
    app: &App,
    pending_token: &str,
    code: &str,
    address: &str,
) -> AppResult<NewSession> {
    let (actor, _) = crate::auth::pending_actor(app, pending_token, Stage::SecondFactor).await?;
    throttled(app, actor.user_id).await?;
    let now = app.now();
    let user = app.data_for(&actor).user(actor.user_id).await?;
    let t = app
        .store
        .two_factor(actor.user_id)
        .await?
        .filter(|t| t.confirmed_at.is_some())
        .ok_or_else(|| {
            AppError::Unauthorized(
                "Two-factor sign-in is no longer set up for this account. Please sign in again."
                    .into(),
            )
        })?;
    let by_app = match matching_step(&t.secret, code, now)? {
        Some(step) => {
            app.store
                .accept_two_factor_step(actor.user_id, step, now)
                .await?
        }
        None => false,
    };
    let by_recovery = !by_app
        && code.trim().len() >= 10
        && app
            .store
            .use_recovery_code(actor.user_id, &recovery_hash(code), now)
            .await?;
    if !by_app && !by_recovery {
        count_wrong_code(app, actor.user_id).await?;
        tracing::info!(user_id = actor.user_id, "second factor refused");
        return Err(AppError::field(
            "code",
            "That code is not right. Enter the six digits your authenticator app shows now, or one of your recovery codes.",
        ));
    }
    if by_recovery {
        record(app, &user, None, "recovery_code_used", address).await?;
    }
    record(app, &user, None, "signed_in", address).await?;
    tracing::info!(user_id = actor.user_id, "signed in with a second factor");
    start_session(app, actor.user_id, Stage::Full, Some(pending_token)).await
}

/// Completes a sign-in that had to set up two-factor first (the office
/// requires it): confirms the code and returns the recovery codes and the
/// full session, which replaces the half-done one.
pub async fn complete_enrolment(
    app: &App,
    pending_token: &str,
    code: &str,
    address: &str,
) -> AppResult<(Vec<String>, NewSession)> {
    let (actor, _) = crate::auth::pending_actor(app, pending_token, Stage::Enrol).await?;
    let codes = confirm(app, &actor, code, address).await?;
    let user = app.data_for(&actor).user(actor.user_id).await?;
    record(app, &user, None, "signed_in", address).await?;
    let session = start_session(app, actor.user_id, Stage::Full, Some(pending_token)).await?;
    Ok((codes, session))
}

/// Two-factor sign-in as one person has it.
#[derive(Debug, Clone)]
pub struct Status {
    pub enrolled: bool,
    pub unused_recovery_codes: i64,
    /// Their office requires it (so it cannot be turned off).
    pub required: bool,
}

pub async fn status(app: &App, actor: &Actor) -> AppResult<Status> {
    Ok(Status {
        enrolled: enrolled(app, actor.user_id).await?,
        unused_recovery_codes: app.store.unused_recovery_codes(actor.user_id).await?,
        required: app
            .store
            .office_requires_two_factor(actor.office_id)
            .await?,
    })
}

/// New recovery codes (the old ones stop working); needs a current code.
pub async fn renew_recovery_codes(app: &App, actor: &Actor, code: &str) -> AppResult<Vec<String>> {
    check_current_code(app, actor, code).await?;
    let user = app.data_for(actor).user(actor.user_id).await?;
    record(app, &user, None, "recovery_codes_renewed", "").await?;
    issue_recovery_codes(app, actor.user_id).await
}

async fn check_current_code(app: &App, actor: &Actor, code: &str) -> AppResult<()> {
    throttled(app, actor.user_id).await?;
    let now = app.now();
    let t = app
        .store
        .two_factor(actor.user_id)
        .await?
        .filter(|t| t.confirmed_at.is_some())
        .ok_or_else(|| AppError::field("code", "Two-factor sign-in is not set up."))?;
    let ok = match matching_step(&t.secret, code, now)? {
        Some(step) => {
            app.store
                .accept_two_factor_step(actor.user_id, step, now)
                .await?
        }
        None => false,
    };
    if !ok {
        count_wrong_code(app, actor.user_id).await?;
        return Err(wrong_code());
    }
    Ok(())
}

/// Turns one's own two-factor sign-in off (the app and any security keys),
/// with a current code; refused when the office requires it.
pub async fn turn_off(app: &App, actor: &Actor, code: &str) -> AppResult<()> {
    if app
        .store
        .office_requires_two_factor(actor.office_id)
        .await?
    {
        return Err(AppError::Forbidden(
            "Your office requires two-factor sign-in, so it cannot be turned off. An administrator can reset it if your phone is lost.".into(),
        ));
    }
    check_current_code(app, actor, code).await?;
    app.store.remove_two_factor(actor.user_id).await?;
    // Keys without the app and its recovery codes would leave no way back in.
    app.store.remove_security_keys(actor.user_id, None).await?;
    let user = app.data_for(actor).user(actor.user_id).await?;
    record(app, &user, None, "two_factor_turned_off", "").await?;
    Ok(())
}

/// An administrator's reset of a colleague's two-factor sign-in (a lost
/// phone and no recovery codes): it is removed and their sessions end; at
/// their next sign-in they set it up again if the office requires it.
pub async fn reset(app: &App, actor: &Actor, user_id: i64) -> AppResult<()> {
    actor.require(Permission::ManageStaff)?;
    let target = app.data_for(actor).user(user_id).await?;
    let had_app = app.store.remove_two_factor(target.id).await?;
    let had_keys = app.store.remove_security_keys(target.id, None).await? > 0;
    if !had_app && !had_keys {
        return Err(AppError::field(
            "code",
            "They have no two-factor sign-in to reset.",
        ));
    }
    app.store.delete_user_sessions(target.id).await?;
    record(app, &target, Some(actor), "two_factor_reset", "").await?;
    tracing::info!(user_id, by = actor.user_id, "two-factor sign-in reset");
    Ok(())
}

/// Requires (or stops requiring) two-factor sign-in of everyone in the office.
pub async fn set_required(app: &App, actor: &Actor, on: bool) -> AppResult<()> {
    actor.require(Permission::ManageStaff)?;
    app.store
        .set_office_requires_two_factor(actor.office_id, on)
        .await?;
    let user = app.data_for(actor).user(actor.user_id).await?;
    record(
        app,
        &user,
        None,
        if on {
            "office_requires_two_factor"
        } else {
            "office_two_factor_optional"
        },
        "",
    )
    .await?;
    Ok(())
}

/// A colleague's (or one's own) latest security events.
pub async fn events(app: &App, actor: &Actor, user_id: i64) -> AppResult<Vec<SecurityEvent>> {
    if user_id != actor.user_id {
        actor.require(Permission::ManageStaff)?;
    }
    Ok(app.data_for(actor).security_events(user_id, 20).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_this_step_and_one_either_side_match_and_no_other() {
        let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let now = 1_800_000_000_000i64;
        for (offset, expect) in [
            (0i64, true),
            (-30_000, true),
            (30_000, true),
            (-90_000, false),
            (90_000, false),
        ] {
            let code = code_at(secret, now + offset).unwrap();
            assert_eq!(
                matching_step(secret, &code, now).unwrap().is_some(),
                expect,
                "offset {offset}"
            );
        }
        assert_eq!(matching_step(secret, "12345", now).unwrap(), None);
        assert_eq!(matching_step(secret, "abcdef", now).unwrap(), None);
    }

    #[test]
    fn the_rfc_6238_test_vector_for_sha1() {
        // RFC 6238 appendix B: the ASCII secret "12345678901234567890" at
        // 59 s gives 94287082 in eight digits; six digits are its last six.
        let secret = totp_rs::Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(code_at(&secret, 59_000).unwrap(), "287082");
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_match_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let set: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(set.len(), 10);
        let c = &codes[0];
        assert_eq!(
            recovery_hash(c),
            recovery_hash(&c.to_uppercase().replace('-', " "))
        );
    }

    #[test]
    fn the_otpauth_address_escapes_names() {
        let u = otpauth_uri("ABC", "Casework Office & Co", "a+b@example.org");
        assert!(u.starts_with("otpauth://totp/Casework%20Office%20%26%20Co:a%2Bb@example.org?secret=ABC&issuer=Casework%20Office%20%26%20Co"), "{u}");
    }
}
