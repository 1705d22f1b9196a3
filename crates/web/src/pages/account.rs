//! One's own account: password and API tokens.

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::domain::FieldErrors;
use casework_app::{AppError, auth, security_keys, two_factor};
use serde::Deserialize;
use std::net::SocketAddr;

use crate::error::{PageError, PageResult, refused, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::fmt::day;
use crate::layout::{Nav, NoticeQuery, nav, notice, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(account_page))
        .route("/account/password", post(account_password))
        .route("/account/tokens", post(account_token_create))
        .route("/account/tokens/{id}/revoke", post(account_token_revoke))
        .route(
            "/account/two-factor",
            get(two_factor_page).post(two_factor_confirm),
        )
        .route("/account/two-factor/off", post(two_factor_off))
        .route(
            "/account/two-factor/recovery-codes",
            post(two_factor_recovery_codes),
        )
        .route("/account/security-keys/begin", post(key_begin))
        .route("/account/security-keys/finish", post(key_finish))
        .route("/account/security-keys/{id}/remove", post(key_remove))
}

/// A security event as a row: when, what, who (if not the person), from where.
pub(crate) struct EventRow {
    pub when: String,
    pub what: &'static str,
    pub by: String,
    pub address: String,
}

pub(crate) fn event_rows(events: Vec<casework_app::views::SecurityEvent>) -> Vec<EventRow> {
    events
        .into_iter()
        .map(|e| EventRow {
            when: crate::fmt::when(e.at),
            what: match e.kind.as_str() {
                "signed_in" => "Signed in",
                "signed_in_sso" => "Signed in through the identity provider",
                "two_factor_enrolled" => "Two-factor sign-in set up",
                "two_factor_turned_off" => "Two-factor sign-in turned off",
                "two_factor_reset" => "Two-factor sign-in reset",
                "recovery_code_used" => "Signed in with a recovery code",
                "recovery_codes_renewed" => "New recovery codes",
                "signed_out_everywhere" => "Signed out everywhere",
                "office_requires_two_factor" => "Required two-factor sign-in for the office",
                "office_two_factor_optional" => "Made two-factor sign-in optional for the office",
                _ => "Other",
            },
            by: e.actor_name.unwrap_or_default(),
            address: e.address,
        })
        .collect()
}

struct TokenRow {
    id: i64,
    label: String,
    created: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    name: String,
    email: String,
    role: &'static str,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    errors: FieldErrors,
    two_factor: two_factor::Status,
    events: Vec<EventRow>,
    keys: Vec<KeyRow>,
}

struct KeyRow {
    id: i64,
    name: String,
    added: String,
    used: String,
}

async fn account_view(
    s: &AppState,
    who: &PageActor,
    notice_code: &Option<String>,
    new_token: Option<String>,
    errors: FieldErrors,
) -> Result<AccountPage, PageError> {
    let tokens = auth::api_tokens(&s.app, &who.actor)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            label: t.label,
            created: day(t.created_at),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    Ok(AccountPage {
        nav: nav(who, "account"),
        notice: notice(notice_code),
        csrf: who.csrf.clone(),
        name: who.actor.display_name.clone(),
        email: who.actor.email.clone(),
        role: who.actor.role.label(),
        tokens,
        new_token,
        errors,
        two_factor: two_factor::status(&s.app, &who.actor).await?,
        events: event_rows(two_factor::events(&s.app, &who.actor, who.actor.user_id).await?),
        keys: security_keys::list(&s.app, &who.actor)
            .await?
            .into_iter()
            .map(|k| KeyRow {
                id: k.id,
                name: k.name,
                added: day(k.created_at),
                used: k.last_used_at.map(day).unwrap_or_else(|| "never".into()),
            })
            .collect(),
    })
}

async fn account_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    Ok(
        render(&account_view(&s, &who, &q.notice, None, FieldErrors::new()).await?)?
            .into_response(),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
}

async fn account_password(State(s): State<AppState>, form: CsrfForm<PasswordForm>) -> PageResult {
    let f = &form.data;
    match auth::change_password(
        &s.app,
        &form.who.actor,
        &f.current_password,
        &f.new_password,
        Some(&form.who.token),
    )
    .await
    {
        Ok(()) => Ok(see("/account?notice=password".into())),
        Err(AppError::Invalid(errors)) => {
            let page = account_view(&s, &form.who, &None, None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    label: String,
}

async fn account_token_create(State(s): State<AppState>, form: CsrfForm<TokenForm>) -> PageResult {
    match auth::create_api_token(&s.app, &form.who.actor, &form.data.label).await {
        Ok((token, _)) => Ok(render(
            &account_view(&s, &form.who, &None, Some(token), FieldErrors::new()).await?,
        )?
        .into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = account_view(&s, &form.who, &None, None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn account_token_revoke(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    auth::revoke_api_token(&s.app, &form.who.actor, id).await?;
    Ok(see("/account?notice=token_revoked".into()))
}

async fn two_factor_page(State(s): State<AppState>, who: PageActor) -> PageResult {
    enrol_view(&s, &who, None).await
}

async fn enrol_view(s: &AppState, who: &PageActor, error: Option<String>) -> PageResult {
    let e = two_factor::current(&s.app, &who.actor).await?;
    let (secret, qr) = super::auth::enrolment_view(&e);
    let page = super::auth::EnrolPage {
        nav: nav(who, "account"),
        notice: None,
        csrf: who.csrf.clone(),
        action: "/account/two-factor",
        next: "/account".into(),
        required: false,
        secret,
        qr,
        error: error.clone(),
    };
    if error.is_some() {
        refused(&page)
    } else {
        Ok(render(&page)?.into_response())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeForm {
    code: String,
}

fn recovery_codes(s: &AppState, who: &PageActor, codes: Vec<String>) -> PageResult {
    let _ = s;
    let page = super::auth::RecoveryCodesPage {
        nav: nav(who, "account"),
        notice: None,
        codes,
        next: "/account".into(),
    };
    Ok(render(&page)?.into_response())
}

async fn two_factor_confirm(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    form: CsrfForm<CodeForm>,
) -> PageResult {
    let client = s.config.client_ip(addr.ip(), &headers).to_string();
    match two_factor::confirm(&s.app, &form.who.actor, &form.data.code, &client).await {
        Ok(codes) => recovery_codes(&s, &form.who, codes),
        Err(AppError::Invalid(errors)) => {
            enrol_view(&s, &form.who, errors.get("code").map(str::to_owned)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn two_factor_off(State(s): State<AppState>, form: CsrfForm<CodeForm>) -> PageResult {
    match two_factor::turn_off(&s.app, &form.who.actor, &form.data.code).await {
        Ok(()) => Ok(see("/account?notice=two_factor_off".into())),
        Err(AppError::Invalid(errors)) => {
            let page = account_view(&s, &form.who, &None, None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn two_factor_recovery_codes(
    State(s): State<AppState>,
    form: CsrfForm<CodeForm>,
) -> PageResult {
    match two_factor::renew_recovery_codes(&s.app, &form.who.actor, &form.data.code).await {
        Ok(codes) => recovery_codes(&s, &form.who, codes),
        Err(AppError::Invalid(errors)) => {
            let page = account_view(&s, &form.who, &None, None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn key_begin(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    form: CsrfForm<serde_json::Value>,
) -> axum::response::Response {
    let origin = s.config.origin(&headers);
    crate::error::script_answer(security_keys::begin_adding(&s.app, &form.who.actor, &origin).await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KeyForm {
    name: String,
    credential: String,
}

async fn key_finish(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    form: CsrfForm<KeyForm>,
) -> axum::response::Response {
    let origin = s.config.origin(&headers);
    let client = s.config.client_ip(addr.ip(), &headers).to_string();
    let f = &form.data;
    crate::error::script_answer(
        security_keys::finish_adding(
            &s.app,
            &form.who.actor,
            &origin,
            &f.name,
            &f.credential,
            &client,
        )
        .await
        .map(|()| serde_json::json!({ "ok": true })),
    )
}

async fn key_remove(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    security_keys::remove(&s.app, &form.who.actor, id).await?;
    Ok(see("/account?notice=key_removed".into()))
}
