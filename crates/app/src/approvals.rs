//! What waits for approval, for those who approve, and the counts in the
//! menu (each the length of a list the reader may open).

use casework_domain::{Channel, Direction, FieldErrors, Permission};
use casework_store::{Case, Correspondence, MAX_WAITING, MenuNumbers, Waiting};

use crate::{Actor, App, AppError, AppResult, check};

/// Everything waiting for approval (letters, emails, a campaign's reply to
/// all), oldest first: for office managers and the representative.
pub async fn waiting(app: &App, actor: &Actor) -> AppResult<Vec<Waiting>> {
    actor.require(Permission::ApproveOutgoing)?;
    Ok(app.data_for(actor).approvals_waiting().await?)
}

/// The numbers beside the menu's links; `None` where the reader has no
/// such list.
#[derive(Debug, Clone, Default)]
pub struct MenuCounts {
    /// Messages waiting in the intake inbox (`/intake`).
    pub intake: Option<i64>,
    /// Things waiting for the reader's approval (`/approvals`).
    pub approvals: Option<i64>,
    /// Unread replies on the reader's cases (`/messages?assignee_id=me&unread=true`).
    pub replies: Option<i64>,
    /// The reader's unread notifications (`/notifications`).
    pub notifications: Option<i64>,
    /// The reader's saved views, each with the rows it holds.
    pub views: Vec<crate::saved_views::ViewCount>,
}

/// Counts at or above this show as "500+".
pub const COUNT_CAP: i64 = MAX_WAITING;

/// The menu's counts from its numbers: the saved views are read (and
/// counted) only when the reader has some.
pub(crate) async fn menu_counts_of(
    app: &App,
    actor: &Actor,
    n: MenuNumbers,
) -> AppResult<MenuCounts> {
    if n.saved_views == 0 {
        // Most people save no views: the page need not ask for them again.
        crate::memo::no_saved_views(actor);
    }
    Ok(MenuCounts {
        intake: n.intake,
        approvals: n.approvals,
        replies: n.replies,
        notifications: Some(n.notifications),
        views: crate::saved_views::counts(app, actor).await?,
    })
}

/// The refusal when a draft has left the queue meanwhile (approved,
/// returned or replaced by someone else).
pub(crate) fn not_waiting() -> AppError {
    AppError::field(
        "replaces",
        "This draft is no longer waiting for approval: someone approved, returned or edited it meanwhile.",
    )
}

fn what(c: &Correspondence) -> &'static str {
    if c.channel == Channel::Letter {
        "letter"
    } else {
        "email"
    }
}

/// Sends a letter or email waiting for approval back to its author, with
/// the approver's reason (kept on its history and in its comments). The
/// author is told, and may write it again.
pub async fn return_draft(app: &App, actor: &Actor, id: i64, comment: &str) -> AppResult<()> {
    let c = crate::correspondence::get(app, actor, id).await?;
    if !actor.can(Permission::ApproveOutgoing) {
        return Err(AppError::Forbidden(
            "Only an office manager or the representative can return a draft.".into(),
        ));
    }
    let mut e = FieldErrors::new();
    let comment = e.required("comment", "What should change", comment, 5_000);
    check(e)?;
    match app
        .data_for(actor)
        .return_draft(c.id, actor.user_id, &comment, app.now())
        .await
    {
        Err(casework_store::Error::Conflict) => return Err(not_waiting()),
        other => other?,
    };
    tracing::info!(
        correspondence_id = c.id,
        by = actor.user_id,
        "draft returned"
    );
    if let Some(author) = c.filed_by {
        let reference = reference_of(app, actor, c.case_id).await;
        crate::notifications::notify(
            app,
            actor.office_id,
            Some(actor.user_id),
            vec![crate::notifications::returned(
                what(&c),
                reference.as_ref().map(|(k, r)| (*k, r.as_str())),
                author,
                c.id,
                actor,
            )],
        )
        .await;
    }
    Ok(())
}

async fn reference_of(app: &App, actor: &Actor, case_id: Option<i64>) -> Option<(i64, String)> {
    let k = case_id?;
    let case = app.system_data(actor.office_id).case(k).await.ok()?;
    Some((k, case.reference))
}

/// Whether the actor may write an edited version of draft `old` on this
/// case: its author, or someone who approves. Whether it still waits is
/// checked where the new version is stored, in the same transaction.
pub(crate) async fn may_replace(
    app: &App,
    actor: &Actor,
    case: &Case,
    old: i64,
    channel: Channel,
) -> AppResult<Correspondence> {
    let d = crate::correspondence::get(app, actor, old).await?;
    if d.case_id != Some(case.id) || d.channel != channel || d.direction != Direction::Out {
        return Err(AppError::field(
            "replaces",
            format!("That is not a draft {} on this case.", what(&d)),
        ));
    }
    if !(actor.can(Permission::ApproveOutgoing) || d.filed_by == Some(actor.user_id)) {
        return Err(AppError::Forbidden(
            "Only its author, an office manager or the representative can edit a draft waiting for approval.".into(),
        ));
    }
    Ok(d)
}

/// Tells the author of draft `old` that someone else edited it (and, if
/// they approve, approved it): the new version is `new`.
pub(crate) async fn tell_replaced(app: &App, actor: &Actor, case: &Case, old: i64, new: i64) {
    let Ok(d) = app.system_data(actor.office_id).correspondence(old).await else {
        return;
    };
    if let Some(author) = d.filed_by {
        crate::notifications::notify(
            app,
            actor.office_id,
            Some(actor.user_id),
            vec![crate::notifications::edited(
                what(&d),
                (case.id, case.reference.as_str()),
                author,
                (old, new),
                actor,
            )],
        )
        .await;
    }
}

/// A draft's text, to edit it while it waits (a new version replacing
/// it) or to write it again once returned.
#[derive(Debug, Clone, Default)]
pub struct DraftToEdit {
    pub subject: String,
    pub body: String,
    /// A letter's address lines, or an email's recipients.
    pub to: Vec<String>,
    /// The files sent with an email (attachment ids).
    pub attachment_ids: Vec<i64>,
    /// Set while it waits: the new version replaces it.
    pub replaces: Option<i64>,
    /// Who wrote it.
    pub author: Option<String>,
}

/// The letter or email `id` on this case, to edit or write again.
pub async fn draft_to_edit(
    app: &App,
    actor: &Actor,
    case_id: i64,
    id: i64,
) -> AppResult<DraftToEdit> {
    let case = crate::cases::get(app, actor, case_id).await?;
    let d = crate::correspondence::get(app, actor, id).await?;
    if d.case_id != Some(case.id) || d.direction != Direction::Out {
        return Err(AppError::NotFound);
    }
    let data = app.data_for(actor);
    let (to, awaiting, attachment_ids) = match d.channel {
        Channel::Letter => {
            let layout = data.letter_layouts(&[d.id]).await?.into_iter().next();
            let awaiting = layout
                .as_ref()
                .is_some_and(|l| l.approval == casework_domain::Approval::Awaiting);
            let lines = layout
                .and_then(|l| l.layout)
                .and_then(|l| serde_json::from_str::<casework_letters::Letter>(&l).ok())
                .map(|l| l.recipient)
                .unwrap_or_default();
            (lines, awaiting, Vec::new())
        }
        Channel::Email => {
            let awaiting = data.case_outbox(case.id).await?.iter().any(|o| {
                o.correspondence_id == d.id
                    && o.state == casework_domain::OutboxState::AwaitingApproval
            });
            let to = d
                .to_addresses
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect();
            let files = data
                .attachments(d.id)
                .await?
                .into_iter()
                .map(|a| a.id)
                .collect();
            (to, awaiting, files)
        }
        _ => return Err(AppError::NotFound),
    };
    let author = match d.filed_by {
        Some(u) => app
            .system_data(actor.office_id)
            .user(u)
            .await
            .ok()
            .map(|u| u.display_name),
        None => None,
    };
    Ok(DraftToEdit {
        subject: d.subject,
        body: d.body_text,
        to,
        attachment_ids,
        replaces: Some(d.id).filter(|_| awaiting),
        author,
    })
}
