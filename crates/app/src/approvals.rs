//! What waits for approval, for those who approve, and the counts in the
//! menu (each the length of a list the reader may open).

use casework_domain::Permission;
use casework_store::{MAX_WAITING, Waiting};

use crate::{Actor, App, AppResult};

/// Everything waiting for approval (letters, emails, a campaign's reply to
/// all), oldest first: for office managers and the representative.
pub async fn waiting(app: &App, actor: &Actor) -> AppResult<Vec<Waiting>> {
    actor.require(Permission::ApproveOutgoing)?;
    Ok(app.data_for(actor).approvals_waiting().await?)
}

/// The numbers beside the menu's links; `None` where the reader has no
/// such list.
#[derive(Debug, Clone, Copy, Default)]
pub struct MenuCounts {
    /// Messages waiting in the intake inbox (`/intake`).
    pub intake: Option<i64>,
    /// Things waiting for the reader's approval (`/approvals`).
    pub approvals: Option<i64>,
    /// Unread replies on the reader's cases (`/messages?assignee_id=me&unread=true`).
    pub replies: Option<i64>,
    /// The reader's unread notifications (`/notifications`).
    pub notifications: Option<i64>,
}

/// Counts at or above this show as "500+".
pub const COUNT_CAP: i64 = MAX_WAITING;

pub async fn menu_counts(app: &App, actor: &Actor) -> AppResult<MenuCounts> {
    let data = app.data_for(actor);
    let intake = if actor.can(Permission::TriageIntake) {
        Some(data.count_intake().await?)
    } else {
        None
    };
    let approvals = if actor.can(Permission::ApproveOutgoing) {
        Some(data.approvals_waiting().await?.len() as i64)
    } else {
        None
    };
    let replies = if actor.can(Permission::EditCases) {
        Some(data.new_replies_count(actor.user_id, COUNT_CAP).await?)
    } else {
        None
    };
    let notifications = Some(crate::notifications::unread(app, actor).await?);
    Ok(MenuCounts {
        intake,
        approvals,
        replies,
        notifications,
    })
}
