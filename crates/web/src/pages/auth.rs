//! Signing in (password, then a second factor when the person has one or
//! the office requires it) and out.

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use casework_app::auth::{self, Attempt, NewSession, Stage};
use casework_app::{AppError, two_factor};
use serde::Deserialize;
use std::net::SocketAddr;

use crate::error::{PageError, PageResult, render};
use crate::extract::{CsrfForm, LOGIN_CSRF_COOKIE, PageQuery, SESSION_COOKIE, cookie, same_token};
use crate::layout::{Nav, see};
use crate::state::AppState;

/// A sign-in half done (password given, second factor awaited): its own
/// cookie, seen only by the sign-in pages.
const PENDING_COOKIE: &str = "casework_pending";
/// A browser this person has signed in from before (see `auth::sign_in`).
const DEVICE_COOKIE: &str = "casework_device";
/// A sign-in sent to the identity provider: its state, to match the return.
const SSO_COOKIE: &str = "casework_sso";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route(
            "/login/two-factor",
            get(second_factor_page).post(second_factor),
        )
        .route("/login/enrol", get(enrol_page).post(enrol))
        .route("/login/two-factor/key/begin", post(key_begin))
        .route("/login/two-factor/key/finish", post(key_finish))
        .route("/login/sso", get(sso_start))
        .route("/login/sso/callback", get(sso_callback))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
    /// The single sign-on button's words, when an identity provider is set up.
    sso: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

/// Where to go after signing in: a path on this site, or the home page.
/// Only visible ASCII is accepted (a URL sent here arrives percent-encoded):
/// browsers drop tabs and newlines, so "/\t/evil.example" would be read as
/// "//evil.example", another site; and a control character cannot be a
/// `Location` header at all.
pub(crate) fn safe_next(next: &str) -> String {
    let visible = next.bytes().all(|b| b.is_ascii_graphic());
    let path = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    if visible && path {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

/// `; Secure` when cookies must be (served over HTTPS).
fn secure(s: &AppState) -> &'static str {
    if s.config.secure_cookies {
        "; Secure"
    } else {
        ""
    }
}

fn set_cookie(res: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn login_form(
    s: &AppState,
    status: StatusCode,
    next: &str,
    email: &str,
    error: Option<String>,
) -> PageResult {
    let csrf = hex::encode(rand::random::<[u8; 32]>());
    let page = LoginPage {
        nav: None,
        notice: None,
        csrf: csrf.clone(),
        next: safe_next(next),
        email: email.to_owned(),
        error,
        sso: s.app.settings.sso.is_configured().then(|| {
            let label = s.app.settings.sso.label.trim();
            if label.is_empty() {
                "Sign in with your organisation's account".to_owned()
            } else {
                label.to_owned()
            }
        }),
    };
    let mut res = (status, render(&page)?).into_response();
    set_cookie(
        &mut res,
        format!(
            "{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict{}",
            secure(s)
        ),
    );
    Ok(res)
}

async fn login_page(State(s): State<AppState>, PageQuery(q): PageQuery<NextQuery>) -> PageResult {
    login_form(&s, StatusCode::OK, &q.next, "", None)
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// A small urlencoded form of the sign-in pages (no session yet, so not a
/// `CsrfForm`).
async fn small_form<T: serde::de::DeserializeOwned>(
    body: axum::body::Body,
) -> Result<Option<T>, PageError> {
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|_| PageError(AppError::field("form", "The form is too large.")))?;
    Ok(serde_urlencoded::from_bytes::<T>(&bytes).ok())
}

fn throttled_or_refused(e: &AppError) -> Option<(StatusCode, String)> {
    match e {
        AppError::Unauthorized(m) => Some((StatusCode::UNAUTHORIZED, m.clone())),
        AppError::Throttled { .. } => Some((
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed attempts. {}", capitalise(&e.to_string())),
        )),
        _ => None,
    }
}

async fn login(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> PageResult {
    let (parts, body) = req.into_parts();
    let expected = cookie(&parts, LOGIN_CSRF_COOKIE).unwrap_or("").to_owned();
    let device = cookie(&parts, DEVICE_COOKIE).map(str::to_owned);
    let client = s.config.client_ip(addr.ip(), &parts.headers).to_string();
    let Some(form) = small_form::<LoginForm>(body).await? else {
        return login_form(
            &s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "/",
            "",
            Some("Enter your email and password.".into()),
        );
    };
    if expected.is_empty() || !same_token(&form.csrf, &expected) {
        return login_form(
            &s,
            StatusCode::FORBIDDEN,
            &form.next,
            &form.email,
            Some("The sign-in form had expired. Please try again.".into()),
        );
    }
    let attempt = Attempt {
        email: &form.email,
        password: &form.password,
        client: &client,
        device: device.as_deref(),
    };
    let signed = match auth::sign_in(&s.app, attempt).await {
        Ok(signed) => signed,
        Err(e) => {
            return match throttled_or_refused(&e) {
                Some((status, msg)) => login_form(&s, status, &form.next, &form.email, Some(msg)),
                None => Err(e.into()),
            };
        }
    };
    let next = safe_next(&form.next);
    let mut res = match signed.stage {
        Stage::Full => signed_in(&s, see(next), &signed.session),
        Stage::SecondFactor | Stage::Enrol => {
            let path = if signed.stage == Stage::Enrol {
                "/login/enrol"
            } else {
                "/login/two-factor"
            };
            let mut res = see(format!(
                "{path}?{}",
                serde_urlencoded::to_string([("next", &next)]).unwrap_or_default()
            ));
            set_cookie(
                &mut res,
                format!(
                    "{PENDING_COOKIE}={}; Path=/login; Max-Age=600; HttpOnly; SameSite=Strict{}",
                    signed.session.token,
                    secure(&s)
                ),
            );
            res
        }
    };
    set_cookie(
        &mut res,
        format!(
            "{DEVICE_COOKIE}={}; Path=/login; Max-Age=31536000; HttpOnly; SameSite=Strict{}",
            signed.device,
            secure(&s)
        ),
    );
    set_cookie(
        &mut res,
        format!(
            "{LOGIN_CSRF_COOKIE}=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict{}",
            secure(&s)
        ),
    );
    Ok(res)
}

/// Gives the browser its session cookie (and drops a half-done sign-in's).
fn signed_in(s: &AppState, mut res: Response, session: &NewSession) -> Response {
    set_cookie(
        &mut res,
        format!(
            "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{}",
            session.token,
            secure(s)
        ),
    );
    set_cookie(
        &mut res,
        format!(
            "{PENDING_COOKIE}=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict{}",
            secure(s)
        ),
    );
    res
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str() + ".",
        None => String::new(),
    }
}

// ----- the second factor -----

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    next: String,
    error: Option<String>,
    /// An authenticator app is set up (the code field is shown).
    has_app: bool,
    /// Security keys are set up (their button is shown).
    has_keys: bool,
}

/// The second step's page, with what this person has set up.
async fn second_factor_view(
    s: &AppState,
    actor: &casework_app::Actor,
    csrf: String,
    next: String,
    error: Option<String>,
) -> Result<SecondFactorPage, PageError> {
    Ok(SecondFactorPage {
        nav: None,
        notice: None,
        csrf,
        next,
        error,
        has_app: auth::enrolled(&s.app, actor.user_id).await?,
        has_keys: casework_app::security_keys::has_keys(&s.app, actor.user_id).await?,
    })
}

/// The half-done sign-in behind the pending cookie, or back to the start.
async fn pending(
    s: &AppState,
    parts: &axum::http::request::Parts,
    stage: Stage,
) -> Result<(String, casework_app::Actor, String), Response> {
    let token = cookie(parts, PENDING_COOKIE).unwrap_or("").to_owned();
    if token.len() != 64 {
        return Err(see("/login".into()));
    }
    match auth::pending_actor(&s.app, &token, stage).await {
        Ok((actor, csrf)) => Ok((token, actor, csrf)),
        Err(AppError::Unauthorized(_)) => Err(see("/login".into())),
        Err(e) => Err(PageError(e).into_response()),
    }
}

async fn second_factor_page(
    State(s): State<AppState>,
    PageQuery(q): PageQuery<NextQuery>,
    req: axum::extract::Request,
) -> PageResult {
    let (parts, _) = req.into_parts();
    let (_, actor, csrf) = match pending(&s, &parts, Stage::SecondFactor).await {
        Ok(p) => p,
        Err(res) => return Ok(res),
    };
    let page = second_factor_view(&s, &actor, csrf, safe_next(&q.next), None).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct CodeForm {
    csrf: String,
    #[serde(default)]
    code: String,
    /// A security key's answer (JSON), from the script.
    #[serde(default)]
    credential: String,
    #[serde(default)]
    next: String,
}

/// A second-factor form, its CSRF token checked against the half-done
/// session's: who sent it, from where, and where they go next.
struct CodeSubmission {
    client: String,
    token: String,
    actor: casework_app::Actor,
    code: String,
    credential: String,
    origin: String,
    csrf: String,
    next: String,
}

async fn code_form(
    s: &AppState,
    addr: SocketAddr,
    req: axum::extract::Request,
    stage: Stage,
) -> Result<CodeSubmission, Response> {
    let client = s.config.client_ip(addr.ip(), req.headers()).to_string();
    let origin = s.config.origin(req.headers());
    let (parts, body) = req.into_parts();
    let (token, actor, csrf) = pending(s, &parts, stage).await?;
    let form = small_form::<CodeForm>(body)
        .await
        .map_err(IntoResponse::into_response)?
        .filter(|f| same_token(&f.csrf, &csrf))
        .ok_or_else(|| {
            PageError(AppError::Forbidden(
                "This form has expired or did not come from Casework. Sign in again.".into(),
            ))
            .into_response()
        })?;
    Ok(CodeSubmission {
        client,
        token,
        actor,
        code: form.code,
        credential: form.credential,
        origin,
        csrf,
        next: safe_next(&form.next),
    })
}

async fn second_factor(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> PageResult {
    let sub = match code_form(&s, addr, req, Stage::SecondFactor).await {
        Ok(f) => f,
        Err(res) => return Ok(res),
    };
    let result = two_factor::complete_sign_in(&s.app, &sub.token, &sub.code, &sub.client).await;
    let CodeSubmission {
        actor, csrf, next, ..
    } = sub;
    match result {
        Ok(session) => Ok(signed_in(&s, see(next), &session)),
        Err(e) => {
            let (status, error) = match &e {
                AppError::Invalid(errors) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    errors
                        .get("code")
                        .unwrap_or("That code is not right.")
                        .to_owned(),
                ),
                other => match throttled_or_refused(other) {
                    Some(x) => x,
                    None => return Err(e.into()),
                },
            };
            let page = second_factor_view(&s, &actor, csrf, next, Some(error)).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}

// ----- the second step with a security key (from the script) -----

async fn key_begin(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> Response {
    let sub = match code_form(&s, addr, req, Stage::SecondFactor).await {
        Ok(f) => f,
        Err(res) => return res,
    };
    crate::error::script_answer(
        casework_app::security_keys::begin_sign_in(&s.app, &sub.token, &sub.origin).await,
    )
}

async fn key_finish(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> Response {
    let sub = match code_form(&s, addr, req, Stage::SecondFactor).await {
        Ok(f) => f,
        Err(res) => return res,
    };
    match casework_app::security_keys::finish_sign_in(
        &s.app,
        &sub.token,
        &sub.origin,
        &sub.credential,
        &sub.client,
    )
    .await
    {
        Ok(session) => signed_in(
            &s,
            axum::Json(serde_json::json!({ "next": sub.next })).into_response(),
            &session,
        ),
        Err(e) => crate::error::script_answer(Err(e)),
    }
}

// ----- setting up two-factor (when the office requires it) -----

#[derive(Template)]
#[template(path = "enrol.html")]
pub(crate) struct EnrolPage {
    pub nav: Option<Nav>,
    pub notice: Option<String>,
    pub csrf: String,
    /// Where the form goes: `/login/enrol` or `/account/two-factor`.
    pub action: &'static str,
    pub next: String,
    pub required: bool,
    pub secret: String,
    pub qr: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub(crate) struct RecoveryCodesPage {
    pub nav: Option<Nav>,
    pub notice: Option<String>,
    pub codes: Vec<String>,
    pub next: String,
}

/// The secret grouped by four for typing, and its QR code as SVG.
pub(crate) fn enrolment_view(e: &two_factor::Enrolment) -> (String, String) {
    let grouped = e
        .secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let qr = qrcode::QrCode::new(e.uri.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    // The XML declaration has no place inside HTML.
    let qr = match qr.find("<svg") {
        Some(i) => qr[i..].to_owned(),
        None => qr,
    };
    (grouped, qr)
}

async fn enrol_page(
    State(s): State<AppState>,
    PageQuery(q): PageQuery<NextQuery>,
    req: axum::extract::Request,
) -> PageResult {
    let (parts, _) = req.into_parts();
    let (_, actor, csrf) = match pending(&s, &parts, Stage::Enrol).await {
        Ok(p) => p,
        Err(res) => return Ok(res),
    };
    let e = two_factor::current(&s.app, &actor).await?;
    let (secret, qr) = enrolment_view(&e);
    let page = EnrolPage {
        nav: None,
        notice: None,
        csrf,
        action: "/login/enrol",
        next: safe_next(&q.next),
        required: true,
        secret,
        qr,
        error: None,
    };
    Ok(render(&page)?.into_response())
}

async fn enrol(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> PageResult {
    let sub = match code_form(&s, addr, req, Stage::Enrol).await {
        Ok(f) => f,
        Err(res) => return Ok(res),
    };
    let result = two_factor::complete_enrolment(&s.app, &sub.token, &sub.code, &sub.client).await;
    let CodeSubmission {
        actor, csrf, next, ..
    } = sub;
    match result {
        Ok((codes, session)) => {
            let page = RecoveryCodesPage {
                nav: None,
                notice: None,
                codes,
                next,
            };
            Ok(signed_in(&s, render(&page)?.into_response(), &session))
        }
        Err(AppError::Invalid(errors)) => {
            let e = two_factor::current(&s.app, &actor).await?;
            let (secret, qr) = enrolment_view(&e);
            let page = EnrolPage {
                nav: None,
                notice: None,
                csrf,
                action: "/login/enrol",
                next,
                required: true,
                secret,
                qr,
                error: errors.get("code").map(str::to_owned),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => match throttled_or_refused(&e) {
            Some((status, msg)) => login_form(&s, status, &next, "", Some(msg)),
            None => Err(e.into()),
        },
    }
}

// ----- single sign-on -----

#[derive(Deserialize, Default)]
#[serde(default)]
struct SsoStartQuery {
    next: String,
    login_hint: String,
}

/// This server's callback address, as the browser reached it (the identity
/// provider must have it registered exactly).
fn callback_uri(s: &AppState, headers: &axum::http::HeaderMap) -> String {
    format!("{}/login/sso/callback", s.config.origin(headers))
}

async fn sso_start(
    State(s): State<AppState>,
    PageQuery(q): PageQuery<SsoStartQuery>,
    headers: axum::http::HeaderMap,
) -> PageResult {
    let next = safe_next(&q.next);
    match casework_app::sso::start(&s.app, &callback_uri(&s, &headers), &next, &q.login_hint).await
    {
        Ok(started) => {
            let mut res = see(started.url);
            set_cookie(
                &mut res,
                format!(
                    "{SSO_COOKIE}={}; Path=/login/sso; Max-Age=600; HttpOnly; SameSite=Lax{}",
                    started.state,
                    secure(&s)
                ),
            );
            Ok(res)
        }
        Err(e @ AppError::Unauthorized(_)) => {
            login_form(&s, StatusCode::BAD_GATEWAY, &next, "", Some(e.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SsoCallbackQuery {
    state: String,
    code: String,
    error: String,
}

async fn sso_callback(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    PageQuery(q): PageQuery<SsoCallbackQuery>,
    req: axum::extract::Request,
) -> PageResult {
    let (parts, _) = req.into_parts();
    let client = s.config.client_ip(addr.ip(), &parts.headers).to_string();
    let returned = casework_app::sso::Returned {
        state: &q.state,
        cookie_state: cookie(&parts, SSO_COOKIE).unwrap_or(""),
        code: &q.code,
        error: &q.error,
        client: &client,
    };
    let mut res = match casework_app::sso::finish(&s.app, returned).await {
        Ok(done) => signed_in(&s, see(safe_next(&done.next)), &done.session),
        Err(e @ AppError::Unauthorized(_)) => {
            login_form(&s, StatusCode::UNAUTHORIZED, "/", "", Some(e.to_string()))?
        }
        Err(e) => return Err(e.into()),
    };
    set_cookie(
        &mut res,
        format!(
            "{SSO_COOKIE}=; Path=/login/sso; Max-Age=0; HttpOnly; SameSite=Lax{}",
            secure(&s)
        ),
    );
    Ok(res)
}

async fn logout(State(s): State<AppState>, form: CsrfForm<serde_json::Value>) -> PageResult {
    auth::sign_out(&s.app, &form.who.token).await?;
    let mut res = see("/login".into());
    set_cookie(
        &mut res,
        format!(
            "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
            secure(&s)
        ),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_path_on_this_site_or_home() {
        for ok in ["/", "/cases/3", "/cases?status=open&page=2", "/a%2F%2Fb"] {
            assert_eq!(safe_next(ok), ok);
        }
        for bad in [
            "//evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/\u{b}x",
            "/\u{7f}x",
            "/\\evil.example",
            "https://evil.example/",
            "evil.example",
            "/ /x",
            "/é",
            "",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
