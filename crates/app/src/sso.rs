//! Single sign-on with the office's identity provider (Microsoft Entra ID,
//! Google Workspace, Keycloak …) over OpenID Connect: the authorization code
//! flow with PKCE, a client secret, and an ID token whose signature (RS256,
//! from the provider's published keys), issuer, audience, expiry and nonce
//! are checked. The person is the staff account with the token's email;
//! roles are still set in Casework, and an unknown or deactivated email is
//! refused. The provider does its own second factor, so Casework's is not
//! asked again.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use casework_store::{Error as StoreError, SsoRequest};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Duration;

use crate::auth::{NewSession, Stage, record, start_session, token_hash};
use crate::{App, AppError, AppResult};

/// The identity provider, as configured (`[sso]`).
#[derive(Clone, Default)]
pub struct SsoSettings {
    /// The issuer, e.g. `https://login.microsoftonline.com/TENANT/v2.0`;
    /// its discovery document is at `/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// What the button on the sign-in page says.
    pub label: String,
}

impl std::fmt::Debug for SsoSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .finish_non_exhaustive()
    }
}

impl SsoSettings {
    pub fn is_configured(&self) -> bool {
        !self.issuer.trim().is_empty() && !self.client_id.trim().is_empty()
    }
}

/// How long a person has at the provider before the sign-in expires.
const REQUEST_MINUTES: i64 = 10;

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<bool>,
    /// Entra ID gives the sign-in name here when `email` is absent.
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
}

fn provider_failed(what: impl std::fmt::Display) -> AppError {
    tracing::warn!(error = %what, "single sign-on failed at the identity provider");
    AppError::Unauthorized(
        "Signing in with your organisation's account did not work (the identity provider did not answer as expected). Try again, or sign in with your password.".into(),
    )
}

fn settings(app: &App) -> AppResult<&SsoSettings> {
    match &app.settings.sso {
        s if s.is_configured() => Ok(s),
        _ => Err(AppError::NotFound),
    }
}

fn client() -> AppResult<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| AppError::Internal(format!("HTTP client: {e}")))
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
) -> AppResult<T> {
    let res = http.get(url).send().await.map_err(provider_failed)?;
    if !res.status().is_success() {
        return Err(provider_failed(format!("{url} answered {}", res.status())));
    }
    res.json().await.map_err(provider_failed)
}

async fn discover(http: &reqwest::Client, s: &SsoSettings) -> AppResult<Discovery> {
    let issuer = s.issuer.trim().trim_end_matches('/');
    let d: Discovery =
        get_json(http, &format!("{issuer}/.well-known/openid-configuration")).await?;
    if d.issuer.trim_end_matches('/') != issuer {
        return Err(provider_failed(format!(
            "the discovery document names the issuer {}, not {issuer}",
            d.issuer
        )));
    }
    Ok(d)
}

fn random_b64(bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    URL_SAFE_NO_PAD.encode(raw)
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent(k), percent(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A sign-in to send to the provider.
#[derive(Debug, Clone)]
pub struct Started {
    /// Where to send the browser.
    pub url: String,
    /// The state, for the browser's cookie: the return must come to the
    /// browser that set out (no one else's sign-in can be slipped in).
    pub state: String,
}

/// Starts a sign-in: `redirect_uri` is this server's callback address,
/// `next` where to go afterwards, `login_hint` the email typed, if any.
pub async fn start(
    app: &App,
    redirect_uri: &str,
    next: &str,
    login_hint: &str,
) -> AppResult<Started> {
    let s = settings(app)?;
    let http = client()?;
    let d = discover(&http, s).await?;
    let state = random_b64(32);
    let nonce = random_b64(32);
    let verifier = random_b64(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let now = app.now();
    app.store
        .save_sso_request(
            &SsoRequest {
                state_hash: token_hash(&state),
                nonce: nonce.clone(),
                verifier,
                redirect_uri: redirect_uri.to_owned(),
                next: next.to_owned(),
                expires_at: now + REQUEST_MINUTES * 60_000,
            },
            now,
        )
        .await?;
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", s.client_id.trim()),
        ("redirect_uri", redirect_uri),
        ("scope", "openid email profile"),
        ("state", &state),
        ("nonce", &nonce),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    let hint = login_hint.trim();
    if !hint.is_empty() && hint.len() <= 254 {
        query.push(("login_hint", hint));
    }
    let sep = if d.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    Ok(Started {
        url: format!("{}{sep}{}", d.authorization_endpoint, form_encode(&query)),
        state,
    })
}

/// What the provider sent back to the callback.
#[derive(Debug, Clone, Default)]
pub struct Returned<'a> {
    pub state: &'a str,
    /// The state in the browser's cookie.
    pub cookie_state: &'a str,
    pub code: &'a str,
    /// `access_denied` and the like, when the provider refused.
    pub error: &'a str,
    pub client: &'a str,
}

/// A finished sign-in: the session and where to go.
#[derive(Debug, Clone)]
pub struct Finished {
    pub session: NewSession,
    pub next: String,
}

/// Finishes a sign-in that came back from the provider.
pub async fn finish(app: &App, r: Returned<'_>) -> AppResult<Finished> {
    let s = settings(app)?;
    let expired = || {
        AppError::Unauthorized(
            "That sign-in had expired or was not started here. Please sign in again.".into(),
        )
    };
    if r.state.is_empty() || !casework_domain::same_secret(r.state, r.cookie_state) {
        return Err(expired());
    }
    let now = app.now();
    let pending = app
        .store
        .take_sso_request(&token_hash(r.state), now)
        .await?
        .ok_or_else(expired)?;
    if !r.error.is_empty() {
        tracing::info!(error = r.error, "the identity provider refused the sign-in");
        return Err(AppError::Unauthorized(
            "Your organisation's sign-in did not let you in. Try again, or sign in with your password.".into(),
        ));
    }
    let http = client()?;
    let d = discover(&http, s).await?;
    let form = form_encode(&[
        ("grant_type", "authorization_code"),
        ("code", r.code),
        ("redirect_uri", &pending.redirect_uri),
        ("code_verifier", &pending.verifier),
        ("client_id", s.client_id.trim()),
    ]);
    let res = http
        .post(&d.token_endpoint)
        .basic_auth(percent(s.client_id.trim()), Some(percent(&s.client_secret)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .map_err(provider_failed)?;
    if !res.status().is_success() {
        return Err(provider_failed(format!(
            "the token endpoint answered {}",
            res.status()
        )));
    }
    let token: TokenResponse = res.json().await.map_err(provider_failed)?;
    let id_token = token
        .id_token
        .ok_or_else(|| provider_failed("no ID token"))?;
    let claims = verify_id_token(&http, &d, s, &id_token, &pending.nonce).await?;
    if claims.email_verified == Some(false) {
        return Err(AppError::Unauthorized(
            "Your organisation's account has an email address it has not verified, so Casework cannot tell who you are. Sign in with your password.".into(),
        ));
    }
    let email = claims
        .email
        .or(claims.preferred_username.filter(|u| u.contains('@')))
        .map(|e| e.trim().to_lowercase())
        .ok_or_else(|| provider_failed("the ID token carries no email"))?;
    let refused = || {
        AppError::Unauthorized(format!(
            "No active Casework account has the email {email}. An administrator adds staff in Casework (Staff)."
        ))
    };
    let user = match app.store.user_by_email(&email).await {
        Ok(u) if u.active => u,
        Ok(_) | Err(StoreError::NotFound) => {
            tracing::info!("single sign-on for an email with no active account");
            return Err(refused());
        }
        Err(e) => return Err(e.into()),
    };
    let session = start_session(app, user.id, Stage::Full, None).await?;
    record(app, &user, None, "signed_in_sso", r.client).await?;
    tracing::info!(user_id = user.id, "signed in through the identity provider");
    Ok(Finished {
        session,
        next: pending.next,
    })
}

async fn verify_id_token(
    http: &reqwest::Client,
    d: &Discovery,
    s: &SsoSettings,
    id_token: &str,
    nonce: &str,
) -> AppResult<Claims> {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
    let header = decode_header(id_token).map_err(provider_failed)?;
    if header.alg != Algorithm::RS256 {
        return Err(provider_failed(format!(
            "the ID token is signed with {:?}, not RS256",
            header.alg
        )));
    }
    let jwks: Jwks = get_json(http, &d.jwks_uri).await?;
    let key = jwks
        .keys
        .iter()
        .filter(|k| k.kty == "RSA")
        .find(|k| header.kid.is_none() || k.kid == header.kid)
        .ok_or_else(|| provider_failed("no published key matches the ID token"))?;
    let (Some(n), Some(e)) = (&key.n, &key.e) else {
        return Err(provider_failed("the published key has no modulus"));
    };
    let decoding = DecodingKey::from_rsa_components(n, e).map_err(provider_failed)?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[s.client_id.trim()]);
    v.set_issuer(&[d.issuer.as_str()]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = decode::<Claims>(id_token, &decoding, &v)
        .map_err(provider_failed)?
        .claims;
    if claims.nonce.as_deref() != Some(nonce) {
        return Err(provider_failed(
            "the ID token's nonce is not this sign-in's",
        ));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_percent_encoded() {
        assert_eq!(
            form_encode(&[("redirect_uri", "http://a/b?c=d e"), ("x", "a+b")]),
            "redirect_uri=http%3A%2F%2Fa%2Fb%3Fc%3Dd%20e&x=a%2Bb"
        );
    }

    #[test]
    fn the_pkce_challenge_is_the_rfc_7636_example() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
