//! The page frame: what every page's header needs to know about the
//! person, the notices shown after a redirect, and small helpers many pages
//! share.

use axum::response::{IntoResponse, Redirect, Response};
use casework_app::Actor;
use casework_app::domain::Permission;
use serde::Deserialize;

/// What the page header needs to know about the person.
pub(crate) struct Nav {
    pub name: String,
    pub csrf: String,
    pub is_admin: bool,
    pub can_tags: bool,
    /// Whether the person has a weekly review (the office's, or their own).
    pub can_review: bool,
    /// Whether the person approves letters and emails.
    pub can_approve: bool,
    pub section: &'static str,
    pub user_id: i64,
    /// Beside Intake, Approvals and New replies: how many wait there.
    pub intake: Option<String>,
    pub approvals: Option<String>,
    pub replies: Option<String>,
    pub notifications: Option<String>,
    /// The person's saved views: (name, address, count shown).
    pub views: Vec<(String, String, Option<String>)>,
}

/// A count for the menu: none when zero, "500+" at the cap.
fn menu_count(n: Option<i64>) -> Option<String> {
    match n? {
        0 => None,
        n if n >= casework_app::approvals::COUNT_CAP => {
            Some(format!("{}+", casework_app::approvals::COUNT_CAP))
        }
        n => Some(n.to_string()),
    }
}

/// A signed-in person as the page header sees them (the page extractor's
/// `PageActor`).
pub(crate) trait SignedIn {
    fn actor(&self) -> &Actor;
    fn csrf(&self) -> &str;
    /// The menu's counts, when they were read.
    fn counts(&self) -> Option<casework_app::approvals::MenuCounts>;
}

/// The header of a page for the signed-in person, whose forms carry their
/// CSRF token; `section` is the part of the menu to mark as current.
pub(crate) fn nav(who: &impl SignedIn, section: &'static str) -> Option<Nav> {
    let actor = who.actor();
    let counts = who.counts().unwrap_or_default();
    Some(Nav {
        name: actor.display_name.clone(),
        csrf: who.csrf().to_owned(),
        is_admin: actor.can(Permission::ManageStaff),
        can_tags: actor.can(Permission::ManageTags),
        can_review: actor.can(Permission::SeeReview),
        can_approve: actor.can(Permission::ApproveOutgoing),
        section,
        user_id: actor.user_id,
        intake: menu_count(counts.intake),
        approvals: menu_count(counts.approvals),
        replies: menu_count(counts.replies),
        notifications: menu_count(counts.notifications),
        views: counts
            .views
            .into_iter()
            .map(|v| {
                let shown = match v.count {
                    0 => None,
                    n if n > casework_app::saved_views::VIEW_COUNT_CAP => {
                        Some(format!("{}+", casework_app::saved_views::VIEW_COUNT_CAP))
                    }
                    n => Some(n.to_string()),
                };
                (v.view.name, v.href, shown)
            })
            .collect(),
    })
}

/// What the outbox and the status page say about sending: why it cannot
/// go yet (with the setting to change, for administrators) or from where.
pub(crate) fn sending_status(not_set_up: Option<String>, admin: bool, from: &str) -> String {
    match not_set_up {
        // Setting names are for administrators.
        Some(text) if admin => format!(
            "{text} (Sending is set in [smtp] in the configuration, or CASEWORK_SMTP_HOST and CASEWORK_SMTP_FROM.)"
        ),
        Some(text) => text,
        None => format!("Email goes out as {from}."),
    }
}

/// Why an email did not go, for this reader: the mail server's own words
/// (an "os error", a status code) for administrators, who can act on
/// them; for everyone else what it means and who can see more.
pub(crate) fn send_error_for(actor: &Actor, raw: &str) -> String {
    // The reason a message was set aside is Casework's own, for everyone.
    if raw.is_empty() || casework_app::outbox::is_unsure(raw) || actor.can(Permission::ManageStaff)
    {
        raw.to_owned()
    } else {
        "The mail server did not take it; an administrator can see why in the outbox.".to_owned()
    }
}

/// Short messages shown after a redirect, chosen by a code in the URL so no
/// text from the address is ever echoed.
pub(crate) fn notice(code: &Option<String>) -> Option<String> {
    let text = match code.as_deref()? {
        "saved" => "Saved.",
        "created" => "Created.",
        "note" => "Added to the history.",
        "status" => "Status changed.",
        "assigned" => "Assignment changed.",
        "person" => "Person added to the case.",
        "password" => "Password changed. Your other sessions have been signed out.",
        "revoked" => "Signed out everywhere: every session ended, every API token revoked.",
        "token_revoked" => "Token revoked.",
        "two_factor_off" => "Two-factor sign-in is off.",
        "key_added" => "Security key added: you can use it at the second step of signing in.",
        "key_removed" => "Security key removed.",
        "two_factor_reset" => {
            "Two-factor sign-in reset: they set it up again at their next sign-in if the office requires it."
        }
        "two_factor_required" => "Saved: two-factor sign-in settings for the office.",
        "user" => "Account created.",
        "filed" => "Message filed.",
        "email" => "Email queued: it goes out within a few seconds (see the outbox).",
        "approved" => "Approved: the message goes out within a few seconds.",
        "retry" => "The message will be tried again.",
        "marked_sent" => "Recorded as sent.",
        "letter" => "Letter created: download it below to print.",
        "no_action" => "Message marked as needing no action.",
        "letter_approved" => "Letter approved: it can be printed.",
        "returned" => "Returned to its author, who has been told why.",
        "email_held" => {
            "Email saved: it waits for approval by an office manager or the representative, and goes out once approved. You are told when it is."
        }
        "view_saved" => "View saved: it is in the menu with how many cases it holds.",
        "view_deleted" => "View deleted.",
        "comment" => "Comment added.",
        "review_recorded" => "Review recorded: each action is now a task on its case.",
        "flagged" => "Raised with the representative: it will be in this week's review.",
        "tag_added" => "Value added.",
        "tags" => "Tags saved.",
        "hidden" => {
            "Saved. The message is highly sensitive now: only office managers, the representative and the assignee of its case can open it."
        }
        "wards" => "Ward table loaded: Trends counts by ward where it knows the postcode.",
        "merged" => "Merged. You can undo it below.",
        "merge_undone" => "Merge undone: the tag is back on what it was on.",
        "files" => "Added to the history, with the files.",
        "task_added" => "Task added.",
        "task_changed" => "Task updated.",
        "contact_added" => "Contact added.",
        "contact_retired" => "Contact marked as no longer there.",
        "enquiry" => {
            "Enquiry opened: the reply is due on the date shown below (an email goes out within a few seconds; a letter waits in the print queue)."
        }
        "answered" => "Reply logged: the enquiry is answered.",
        "consent" => "Consent recorded.",
        "digest_on" => "You will get a daily digest of what is due and overdue.",
        "digest_off" => "No more daily digests.",
        "settings" => "Follow-up settings saved.",
        "quiet" => "Days without news by category saved.",
        "calendar_revoked" => "Your calendar address is revoked: it stops working at once.",
        "consent_withdrawn" => "Consent withdrawn from today.",
        "consent_form" => "Consent form made: download it below, print it and have it signed.",
        "chased" => "Chased: the reply date moved on.",
        "transferred" => {
            "Transferred. The referral is on the case (an email goes out within a few seconds; a letter waits in the print queue)."
        }
        _ => return None,
    };
    Some(text.to_owned())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct NoticeQuery {
    pub(crate) notice: Option<String>,
}

pub(crate) fn see(path: String) -> Response {
    Redirect::to(&path).into_response()
}

pub(crate) fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

/// What the form says when it starts from someone's draft.
pub(crate) fn from_note(what: &str, d: &casework_app::approvals::DraftToEdit) -> String {
    let whose = d
        .author
        .as_deref()
        .map_or_else(|| format!("the {what}"), |a| format!("{a}'s {what}"));
    if d.replaces.is_some() {
        format!(
            "You are editing {whose}, which waits for approval. Saving makes a new version that replaces it; both stay on the case's history."
        )
    } else {
        format!("This starts from the text of {whose}, which was returned for changes.")
    }
}
