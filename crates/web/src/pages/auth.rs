//! Signing in and out.

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::{AppError, auth};
use serde::Deserialize;
use std::net::SocketAddr;

use crate::error::{PageError, PageResult, render};
use crate::extract::{CsrfForm, LOGIN_CSRF_COOKIE, PageQuery, SESSION_COOKIE, cookie, same_token};
use crate::layout::{Nav, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
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
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

fn login_form(
    status: axum::http::StatusCode,
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
    };
    let mut res = (status, render(&page)?).into_response();
    let cookie = format!("{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

async fn login_page(PageQuery(q): PageQuery<NextQuery>) -> PageResult {
    login_form(axum::http::StatusCode::OK, &q.next, "", None)
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> PageResult {
    let (parts, body) = req.into_parts();
    let expected = cookie(&parts, LOGIN_CSRF_COOKIE).unwrap_or("").to_owned();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|_| PageError(AppError::field("form", "The form is too large.")))?;
    let Ok(form) = serde_urlencoded::from_bytes::<LoginForm>(&bytes) else {
        return login_form(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "/",
            "",
            Some("Enter your email and password.".into()),
        );
    };
    if expected.is_empty() || !same_token(&form.csrf, &expected) {
        return login_form(
            axum::http::StatusCode::FORBIDDEN,
            &form.next,
            &form.email,
            Some("The sign-in form had expired. Please try again.".into()),
        );
    }
    match auth::sign_in(&s.app, &form.email, &form.password, &addr.ip().to_string()).await {
        Ok((session, _)) => {
            let secure = if s.config.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let mut res = see(safe_next(&form.next));
            let c = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
                session.token
            );
            if let Ok(v) = HeaderValue::from_str(&c) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_static(
                    "casework_login=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict",
                ),
            );
            Ok(res)
        }
        Err(e @ (AppError::Unauthorized(_) | AppError::Throttled { .. })) => {
            let status = if matches!(e, AppError::Throttled { .. }) {
                axum::http::StatusCode::TOO_MANY_REQUESTS
            } else {
                axum::http::StatusCode::UNAUTHORIZED
            };
            let msg = match &e {
                AppError::Unauthorized(m) => m.clone(),
                other => format!(
                    "Too many failed attempts. {}",
                    capitalise(&other.to_string())
                ),
            };
            login_form(status, &form.next, &form.email, Some(msg))
        }
        Err(e) => Err(e.into()),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str() + ".",
        None => String::new(),
    }
}

async fn logout(State(s): State<AppState>, form: CsrfForm<serde_json::Value>) -> PageResult {
    auth::sign_out(&s.app, &form.who.token).await?;
    let mut res = see("/login".into());
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("casework_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
    );
    Ok(res)
}
