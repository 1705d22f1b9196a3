//! Staff administration: the office's accounts, new accounts, roles and
//! signing someone out everywhere.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::domain::{FieldErrors, Permission, Role};
use casework_app::staff::NewAccount;
use casework_app::views::StaffMember;
use casework_app::{AppError, staff, two_factor};
use serde::Deserialize;

use crate::error::{PageError, PageResult, refused, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::layout::{Nav, NoticeQuery, nav, notice, pair, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(user_list).post(user_create))
        .route("/admin/users/new", get(user_new))
        .route("/admin/users/{id}", get(user_page).post(user_save))
        .route(
            "/admin/users/{id}/sessions/revoke",
            post(user_revoke_sessions),
        )
        .route(
            "/admin/users/{id}/two-factor/reset",
            post(user_two_factor_reset),
        )
        .route("/admin/two-factor", post(office_two_factor))
}

struct UserRow {
    id: i64,
    name: String,
    email: String,
    role: String,
    /// The role in words ("Office manager").
    role_label: &'static str,
    active: bool,
    version: i64,
}

impl From<&StaffMember> for UserRow {
    fn from(u: &StaffMember) -> Self {
        UserRow {
            id: u.id,
            name: u.display_name.clone(),
            email: u.email.clone(),
            role: u.role.as_str().to_owned(),
            role_label: u.role.label(),
            active: u.active,
            version: u.version,
        }
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    rows: Vec<UserRow>,
    require_two_factor: bool,
}

fn role_options() -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| pair(r.as_str(), r.label()))
        .collect()
}

async fn user_list(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    who.actor.require(Permission::ManageStaff)?;
    let rows = staff::list_users(&s.app, &who.actor)
        .await?
        .iter()
        .map(UserRow::from)
        .collect();
    Ok(render(&UsersPage {
        nav: nav(&who, "users"),
        notice: notice(&q.notice),
        csrf: who.csrf.clone(),
        rows,
        require_two_factor: two_factor::status(&s.app, &who.actor).await?.required,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct UserNewPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    display_name: String,
    email: String,
    role: String,
    roles: Vec<(String, String)>,
    errors: FieldErrors,
}

async fn user_new(who: PageActor) -> PageResult {
    who.actor.require(Permission::ManageStaff)?;
    let page = UserNewPage {
        nav: nav(&who, "users"),
        notice: None,
        csrf: who.csrf.clone(),
        display_name: String::new(),
        email: String::new(),
        role: "caseworker".into(),
        roles: role_options(),
        errors: FieldErrors::new(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserForm {
    display_name: String,
    email: String,
    role: String,
    password: String,
}

async fn user_create(State(s): State<AppState>, form: CsrfForm<UserForm>) -> PageResult {
    let f = form.data;
    let actor = &form.who.actor;
    let new = NewAccount {
        email: f.email.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        password: f.password.clone(),
    };
    match staff::create_user(&s.app, Some(actor), actor.office_id, &new).await {
        Ok(_) => Ok(see("/admin/users?notice=user".into())),
        Err(AppError::Invalid(errors)) => {
            let page = UserNewPage {
                nav: nav(&form.who, "users"),
                notice: None,
                csrf: form.who.csrf.clone(),
                display_name: f.display_name,
                email: f.email,
                role: f.role,
                roles: role_options(),
                errors,
            };
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    u: UserRow,
    sessions: i64,
    roles: Vec<(String, String)>,
    errors: FieldErrors,
    two_factor: bool,
    events: Vec<super::account::EventRow>,
}

async fn user_view(
    s: &AppState,
    who: &PageActor,
    id: i64,
    notice_code: &Option<String>,
    errors: FieldErrors,
) -> Result<UserPage, PageError> {
    let u = staff::get_user(&s.app, &who.actor, id).await?;
    let sessions = staff::count_sessions(&s.app, &who.actor, id).await?;
    Ok(UserPage {
        nav: nav(who, "users"),
        notice: notice(notice_code),
        csrf: who.csrf.clone(),
        u: UserRow::from(&u),
        sessions,
        roles: role_options(),
        errors,
        two_factor: two_factor::colleague_enrolled(&s.app, &who.actor, id).await?,
        events: super::account::event_rows(two_factor::events(&s.app, &who.actor, id).await?),
    })
}

async fn user_page(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let page = user_view(&s, &who, id, &q.notice, FieldErrors::new()).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UserEditForm {
    role: String,
    active: Option<String>,
    version: String,
}

async fn user_save(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<UserEditForm>,
) -> PageResult {
    let f = &form.data;
    let version = f.version.trim().parse().unwrap_or(-1);
    match staff::update_user(
        &s.app,
        &form.who.actor,
        id,
        version,
        &f.role,
        f.active.is_some(),
    )
    .await
    {
        Ok(()) => Ok(see(format!("/admin/users/{id}?notice=saved"))),
        Err(AppError::Invalid(errors)) => {
            let page = user_view(&s, &form.who, id, &None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn user_revoke_sessions(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    staff::revoke_sessions(&s.app, &form.who.actor, id).await?;
    Ok(see(format!("/admin/users/{id}?notice=revoked")))
}

async fn user_two_factor_reset(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    two_factor::reset(&s.app, &form.who.actor, id).await?;
    Ok(see(format!("/admin/users/{id}?notice=two_factor_reset")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RequireForm {
    require: Option<String>,
}

async fn office_two_factor(State(s): State<AppState>, form: CsrfForm<RequireForm>) -> PageResult {
    two_factor::set_required(&s.app, &form.who.actor, form.data.require.is_some()).await?;
    Ok(see("/admin/users?notice=two_factor_required".into()))
}
