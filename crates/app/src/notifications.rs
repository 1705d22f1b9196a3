//! Notifications: a case assigned to you, a reply on your case, your draft
//! approved, returned or edited, a comment on your draft. Each event reaches each person once;
//! nobody is told of what they did themselves. In the app always; by email
//! to those who ask (a short note with links, no constituent's details;
//! sent by `tasks::send_notification_emails`).

use casework_store::{NewNotification, Notification};

use crate::{Actor, App, AppResult};

/// Records notifications for an office. A failure is logged, never passed
/// on: the change that caused it has happened and must not look failed.
pub(crate) async fn notify(
    app: &App,
    office_id: i64,
    by: Option<i64>,
    items: Vec<NewNotification>,
) {
    let items: Vec<NewNotification> = items
        .into_iter()
        .filter(|n| Some(n.user_id) != by)
        .collect();
    if items.is_empty() {
        return;
    }
    if let Err(e) = app.system_data(office_id).notify(&items, app.now()).await {
        tracing::warn!(office_id, error = %e, "notifications could not be recorded");
    }
}

/// "Case CW-… assigned to you by …".
pub(crate) fn assigned(
    case_id: i64,
    reference: &str,
    assignee: i64,
    by: &Actor,
    version: i64,
) -> NewNotification {
    NewNotification {
        user_id: assignee,
        kind: "assigned",
        case_id: Some(case_id),
        correspondence_id: None,
        text: format!("{} assigned case {reference} to you", by.display_name),
        link: format!("/cases/{case_id}"),
        dedupe_key: format!("assigned:{case_id}:{version}"),
    }
}

/// Tells the caseworkers of these cases of the replies filed on them:
/// (message, case).
pub(crate) async fn replies(app: &App, office_id: i64, filed: &[(i64, i64)]) {
    let mut items = Vec::new();
    // Each case read once: (case, its assignee and reference if found).
    type Known = Option<(Option<i64>, String)>;
    let mut cases: Vec<(i64, Known)> = Vec::new();
    for (message, case_id) in filed {
        let known = match cases.iter().find(|c| c.0 == *case_id) {
            Some(c) => c.1.clone(),
            None => {
                let found = app
                    .system_data(office_id)
                    .case(*case_id)
                    .await
                    .ok()
                    .map(|c| (c.assignee_id, c.reference));
                cases.push((*case_id, found.clone()));
                found
            }
        };
        if let Some((Some(assignee), reference)) = known {
            items.push(reply(*case_id, &reference, assignee, *message));
        }
    }
    notify(app, office_id, None, items).await;
}

/// "New reply on case CW-…".
pub(crate) fn reply(case_id: i64, reference: &str, assignee: i64, message: i64) -> NewNotification {
    NewNotification {
        user_id: assignee,
        kind: "reply",
        case_id: Some(case_id),
        correspondence_id: Some(message),
        text: format!("New reply on case {reference}"),
        link: format!("/correspondence/{message}"),
        dedupe_key: format!("reply:{message}"),
    }
}

/// "… approved your letter on case CW-…".
pub(crate) fn approved(
    what: &str,
    case: Option<(i64, &str)>,
    author: i64,
    message: i64,
    by: &Actor,
) -> NewNotification {
    about_draft("approved", "approved", what, case, (author, message), by)
}

/// "… returned your letter on case CW-… for changes": the reason is in its
/// comments.
pub(crate) fn returned(
    what: &str,
    case: Option<(i64, &str)>,
    author: i64,
    message: i64,
    by: &Actor,
) -> NewNotification {
    let mut n = about_draft("returned", "returned", what, case, (author, message), by);
    n.text.push_str(" for changes");
    n.link.push_str("#comments-h");
    n
}

/// "{by} {verb} your {what}[ on case {reference}]", once per message.
fn about_draft(
    kind: &'static str,
    verb: &str,
    what: &str,
    case: Option<(i64, &str)>,
    (author, message): (i64, i64),
    by: &Actor,
) -> NewNotification {
    NewNotification {
        user_id: author,
        kind,
        case_id: case.map(|c| c.0),
        correspondence_id: Some(message),
        text: match case {
            Some((_, r)) => format!("{} {verb} your {what} on case {r}", by.display_name),
            None => format!("{} {verb} your {what}", by.display_name),
        },
        link: format!("/correspondence/{message}"),
        dedupe_key: format!("{kind}:{message}"),
    }
}

/// "… edited your letter on case CW-…" (and approved it, if they approve).
pub(crate) fn edited(
    what: &str,
    case: (i64, &str),
    author: i64,
    (old, new): (i64, i64),
    by: &Actor,
) -> NewNotification {
    let approved = if by.can(casework_domain::Permission::ApproveOutgoing) {
        " and approved it"
    } else {
        ""
    };
    NewNotification {
        user_id: author,
        kind: "edited",
        case_id: Some(case.0),
        correspondence_id: Some(new),
        text: format!(
            "{} edited your {what} on case {}{approved}",
            by.display_name, case.1
        ),
        link: format!("/correspondence/{new}"),
        dedupe_key: format!("edited:{old}"),
    }
}

/// "… commented on your draft …".
pub(crate) fn comment(
    author: i64,
    link: String,
    about: &str,
    comment_key: String,
    by: &Actor,
) -> NewNotification {
    NewNotification {
        user_id: author,
        kind: "comment",
        case_id: None,
        correspondence_id: None,
        text: format!("{} commented on {about}", by.display_name),
        link,
        dedupe_key: comment_key,
    }
}

/// The reader's notifications, newest first (the latest 100).
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<Notification>> {
    Ok(app
        .data_for(actor)
        .notifications(actor.user_id, 100)
        .await?)
}

/// Opens one of the reader's notifications: marks it read and gives the
/// page it is about (another person's is not found).
pub async fn open(app: &App, actor: &Actor, id: i64) -> AppResult<String> {
    let n = app.data_for(actor).notification(actor.user_id, id).await?;
    mark_read(app, actor, Some(id)).await?;
    Ok(n.link)
}

/// How many of the reader's notifications are unread (at most 500).
pub async fn unread(app: &App, actor: &Actor) -> AppResult<i64> {
    Ok(app
        .data_for(actor)
        .unread_notifications(actor.user_id)
        .await?)
}

/// Marks one of the reader's notifications read (`Some(id)`), or all.
pub async fn mark_read(app: &App, actor: &Actor, id: Option<i64>) -> AppResult<u64> {
    Ok(app
        .data_for(actor)
        .mark_notifications_read(actor.user_id, id, app.now())
        .await?)
}

pub async fn by_email(app: &App, actor: &Actor) -> AppResult<bool> {
    Ok(app.store.notify_by_email(actor.user_id).await?)
}

pub async fn set_by_email(app: &App, actor: &Actor, on: bool) -> AppResult<()> {
    Ok(app.store.set_notify_by_email(actor.user_id, on).await?)
}
