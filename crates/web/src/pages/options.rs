//! Choices many forms offer: the statuses a case can have, and the
//! colleagues a case can be assigned to (by name, never by number).

use casework_app::Actor;
use casework_app::domain::Status;
use casework_app::staff::{self, StaffMember};

use crate::error::PageError;
use crate::state::AppState;

/// Statuses as (value, label) for a select.
pub(crate) fn status_options(list: &[Status]) -> Vec<(String, String)> {
    list.iter()
        .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
        .collect()
}

/// Active colleagues who can hold cases, as (id, name) for a select.
pub(crate) async fn assignee_options(
    s: &AppState,
    actor: &Actor,
) -> Result<Vec<(String, String)>, PageError> {
    Ok(assignee_choices(staff::list_users(&s.app, actor).await?))
}

/// The colleagues among `staff` who can hold cases (active, and a role
/// that holds them), as (id, name) for a select.
pub(crate) fn assignee_choices(staff: Vec<StaffMember>) -> Vec<(String, String)> {
    staff
        .into_iter()
        .filter(|u| u.active && u.role.can_hold_cases())
        .map(|u| (u.id.to_string(), u.display_name))
        .collect()
}
