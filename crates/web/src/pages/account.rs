//! One's own account: password and API tokens.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::domain::FieldErrors;
use casework_app::{AppError, auth};
use serde::Deserialize;

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
        nav: nav(&who.actor, &who.csrf, "account"),
        notice: notice(notice_code),
        csrf: who.csrf.clone(),
        name: who.actor.display_name.clone(),
        email: who.actor.email.clone(),
        role: who.actor.role.label(),
        tokens,
        new_token,
        errors,
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
