//! Offices and staff accounts.

use casework_domain::{FieldErrors, Permission, Role};
use casework_store::{Error as StoreError, NewUser, Office, User};

use crate::auth::{check_new_password, hash_password};
use crate::{Actor, App, AppError, AppResult, check};

/// Creates an office (command line: `casework office add NAME`) with the
/// starter tagging framework for its level of government and the starter
/// templates.
pub async fn create_office(
    app: &App,
    name: &str,
    starter: casework_domain::tags::Starter,
) -> AppResult<Office> {
    let mut errors = FieldErrors::new();
    let name = errors.required("name", "Office name", name, 200);
    check(errors)?;
    match app
        .store
        .create_office(&name, starter.as_str(), app.now())
        .await
    {
        Ok(o) => {
            crate::tags::set_up(app, o.id, starter).await?;
            let data = app.system_data(o.id);
            for (name, subject, body, signed) in crate::template_starters::STARTERS {
                data.save_template(None, 0, name, subject, body, *signed, app.now())
                    .await?;
            }
            Ok(o)
        }
        Err(StoreError::Duplicate(_)) => Err(AppError::field(
            "name",
            "An office with that name already exists.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Every office of the installation, for the command line on the server.
pub async fn offices(app: &App) -> AppResult<Vec<Office>> {
    Ok(app.store.offices().await?)
}

pub async fn office_by_name(app: &App, name: &str) -> AppResult<Office> {
    app.store
        .office_by_name(name.trim())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::field(
                "office",
                format!("There is no office called \"{}\".", name.trim()),
            ),
            other => other.into(),
        })
}

/// What is needed to create a staff account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
}

/// Creates an account in `office_id`. Called for an admin (who must have the
/// right) or, with `actor = None`, from the command line on the server.
pub async fn create_user(
    app: &App,
    actor: Option<&Actor>,
    office_id: i64,
    new: &NewAccount,
) -> AppResult<StaffMember> {
    if let Some(a) = actor {
        a.require(Permission::ManageStaff)?;
        if a.office_id != office_id {
            return Err(AppError::NotFound);
        }
    }
    let mut errors = FieldErrors::new();
    let email = errors.required("email", "Email", &new.email, 254);
    let email = if email.is_empty() {
        email
    } else {
        errors.email("email", &email)
    };
    let mut display_name = errors.name("display_name", "Name", &new.display_name, 100, false);
    if display_name.is_empty() {
        display_name = email.split('@').next().unwrap_or_default().to_owned();
    }
    let role = Role::parse(&new.role);
    if role.is_none() {
        errors.add(
            "role",
            "Choose a role: admin, office_manager, caseworker, volunteer or representative.",
        );
    }
    if let Err(AppError::Invalid(e)) = check_new_password("password", &new.password) {
        for (k, v) in e.0 {
            errors.add(&k, v);
        }
    }
    check(errors)?;
    let hash = hash_password(&new.password).await?;
    let user = NewUser {
        office_id,
        email,
        display_name,
        role: role.unwrap_or(Role::Volunteer),
        password_hash: hash,
    };
    match app.store.create_user(&user, app.now()).await {
        Ok(u) => {
            tracing::info!(user_id = u.id, office_id, role = u.role, "user created");
            Ok(u.into())
        }
        Err(StoreError::Duplicate(_)) => Err(AppError::field(
            "email",
            "An account with that email already exists.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Staff of the actor's office (every role may see who their colleagues are).
pub async fn list_users(app: &App, actor: &Actor) -> AppResult<Vec<StaffMember>> {
    Ok(app
        .data_for(actor)
        .users()
        .await?
        .into_iter()
        .map(StaffMember::from)
        .collect())
}

pub async fn get_user(app: &App, actor: &Actor, id: i64) -> AppResult<StaffMember> {
    actor.require(Permission::ManageStaff)?;
    Ok(app.data_for(actor).user(id).await?.into())
}

/// A member of staff as the pages and the API show them: no password hash.
#[derive(Debug, Clone)]
pub struct StaffMember {
    pub id: i64,
    pub office_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: i64,
    pub version: i64,
}

impl From<User> for StaffMember {
    fn from(u: User) -> Self {
        StaffMember {
            role: u.role(),
            id: u.id,
            office_id: u.office_id,
            email: u.email,
            display_name: u.display_name,
            active: u.active,
            created_at: u.created_at,
            version: u.version,
        }
    }
}

/// Changes a colleague's role or deactivates/reactivates them. Accounts are
/// never deleted: their history stays attributable.
pub async fn update_user(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i64,
    role: &str,
    active: bool,
) -> AppResult<()> {
    actor.require(Permission::ManageStaff)?;
    let target = app.data_for(actor).user(id).await?;
    let Some(role) = Role::parse(role) else {
        return Err(AppError::field("role", "Choose one of the roles listed."));
    };
    if target.id == actor.user_id && (!active || !role.can(Permission::ManageStaff)) {
        return Err(AppError::field(
            "role",
            "You cannot remove your own administrator rights or deactivate yourself.",
        ));
    }
    app.data_for(actor)
        .update_user(id, version, role, active, app.now())
        .await?;
    tracing::info!(
        user_id = id,
        by = actor.user_id,
        role = role.as_str(),
        active,
        "user updated"
    );
    Ok(())
}

/// Signs a colleague out everywhere (a lost laptop, a shared computer):
/// ends every session, revokes every API token and forgets every device
/// they signed in from. Returns how many sessions and tokens there were.
pub async fn revoke_sessions(app: &App, actor: &Actor, id: i64) -> AppResult<(u64, u64)> {
    actor.require(Permission::ManageStaff)?;
    let target = app.data_for(actor).user(id).await?;
    let n = app.store.delete_user_sessions(target.id).await?;
    let tokens = app
        .store
        .revoke_user_api_tokens(target.id, app.now())
        .await?;
    app.store.forget_devices(target.id).await?;
    crate::auth::record(app, &target, Some(actor), "signed_out_everywhere", "").await?;
    tracing::info!(
        user_id = id,
        by = actor.user_id,
        sessions = n,
        tokens,
        "signed out everywhere"
    );
    Ok((n, tokens))
}

pub async fn count_sessions(app: &App, actor: &Actor, id: i64) -> AppResult<i64> {
    actor.require(Permission::ManageStaff)?;
    Ok(app.store.count_user_sessions(id, app.now()).await?)
}
