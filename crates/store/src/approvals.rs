//! What waits for approval (letters, emails, a campaign's reply to all),
//! and the counts in the menu.

use casework_domain::{Permission, Role};

use crate::model::{NewEntry, UNKNOWN_ROLE};
use crate::scope::READER_MARK;
use crate::{Error, OfficeData, Result, Scope, in_transaction, on_read};

/// One thing waiting for an approver.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Waiting {
    /// `letter`, `email` or `campaign_reply`.
    pub kind: String,
    /// The letter's correspondence id, the email's outbox id, or the
    /// campaign's id.
    pub item_id: i64,
    /// The letter's or email's correspondence id.
    pub correspondence_id: Option<i64>,
    pub case_id: Option<i64>,
    pub case_reference: Option<String>,
    pub subject: String,
    pub author_id: Option<i64>,
    pub author: Option<String>,
    pub since: i64,
}

/// A draft taken out of the approval queue (returned or replaced).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Withdrawn {
    pub case_id: Option<i64>,
    pub constituent_id: Option<i64>,
    /// Who wrote it.
    pub filed_by: Option<i64>,
    pub subject: String,
    /// `letter` or `email`.
    pub channel: String,
}

/// Takes the letter or email `$id` out of the approval queue inside
/// transaction `$tx`, into `$state` (`returned` or `replaced`); a draft
/// no longer waiting is `Error::Conflict`. Gives the `Withdrawn`.
macro_rules! withdraw_draft {
    ($tx:ident, $office:expr, $id:expr, $state:expr) => {{
        let letters = sqlx::query(
            "UPDATE correspondence SET approval = $1 \
             WHERE id = $2 AND office_id = $3 AND channel = 'letter' AND approval = 'awaiting'",
        )
        .bind($state)
        .bind($id)
        .bind($office)
        .execute(&mut *$tx)
        .await?
        .rows_affected();
        let emails = if letters == 0 {
            sqlx::query(
                "UPDATE outbox SET state = $1 \
                 WHERE correspondence_id = $2 AND office_id = $3 AND state = 'awaiting_approval'",
            )
            .bind($state)
            .bind($id)
            .bind($office)
            .execute(&mut *$tx)
            .await?
            .rows_affected()
        } else {
            0
        };
        if letters + emails == 0 {
            return Err(Error::Conflict);
        }
        let w: $crate::approvals::Withdrawn = sqlx::query_as(
            "SELECT case_id, constituent_id, filed_by, subject, channel FROM correspondence \
             WHERE id = $1 AND office_id = $2",
        )
        .bind($id)
        .bind($office)
        .fetch_one(&mut *$tx)
        .await?;
        w
    }};
}
pub(crate) use withdraw_draft;

/// Inside a transaction that stores the edited version of draft `$old`:
/// takes the draft out of the queue as replaced, on its history.
macro_rules! replace_draft {
    ($tx:ident, $office:expr, $old:expr, $by:expr, $now:expr) => {{
        let w = $crate::approvals::withdraw_draft!($tx, $office, $old, "replaced");
        let what = if w.channel == "letter" {
            "Letter"
        } else {
            "Email"
        };
        let entry = $crate::model::NewEntry {
            correspondence_id: Some($old),
            ..$crate::model::NewEntry::new(
                "draft_replaced",
                Some($by),
                format!(
                    "{what} replaced by an edited version before approval: {}",
                    w.subject
                ),
            )
        };
        $crate::common::append_entry!($tx, $office, w.constituent_id, w.case_id, $now, &entry);
    }};
}
pub(crate) use replace_draft;

/// The most listed at once; the menu shows "500+" beyond it.
pub const MAX_WAITING: i64 = 500;

/// What waits for approval, as one `UNION ALL` of letters, emails and
/// campaign replies (`office` is an SQL expression: a bound parameter or a
/// column), unordered: the list orders it,
/// the menu counts it.
fn waiting_sql(visible: &str, office: &str) -> String {
    format!(
        "SELECT 'letter' AS kind, c.id AS item_id, c.id AS correspondence_id, c.case_id, k.reference AS case_reference, \
         c.subject, c.filed_by AS author_id, u.display_name AS author, c.received_at AS since \
         FROM correspondence c LEFT JOIN cases k ON k.id = c.case_id LEFT JOIN users u ON u.id = c.filed_by \
         WHERE c.office_id = {office} AND c.approval = 'awaiting'{visible} \
         UNION ALL \
         SELECT 'email', o.id, c.id, c.case_id, k.reference, c.subject, c.filed_by, u.display_name, o.created_at \
         FROM outbox o JOIN correspondence c ON c.id = o.correspondence_id LEFT JOIN cases k ON k.id = c.case_id \
         LEFT JOIN users u ON u.id = c.filed_by \
         WHERE o.office_id = {office} AND o.state = 'awaiting_approval'{visible} \
         UNION ALL \
         SELECT 'campaign_reply', g.id, NULL, NULL, NULL, g.name, g.reply_updated_by, u.display_name, g.updated_at \
         FROM campaigns g LEFT JOIN users u ON u.id = g.reply_updated_by \
         WHERE g.office_id = {office} AND g.reply_state = 'awaiting_approval'"
    )
}

/// The reader's unread notifications, at most [`MAX_WAITING`] counted
/// (`office` and `user` are SQL expressions: bound parameters or columns).
fn unread_notifications_sql(office: &str, user: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = {user} AND office_id = {office} \
         AND read_at IS NULL LIMIT {MAX_WAITING}) n"
    )
}

/// The numbers beside the menu's links, read in one statement; `None`
/// where the reader was not asked about that list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct MenuNumbers {
    /// Messages waiting in the intake inbox, every one counted.
    #[sqlx(rename = "menu_intake")]
    pub intake: Option<i64>,
    /// Things waiting for approval, at most [`MAX_WAITING`].
    #[sqlx(rename = "menu_approvals")]
    pub approvals: Option<i64>,
    /// Unread incoming mail on the reader's cases, at most [`MAX_WAITING`].
    #[sqlx(rename = "menu_replies")]
    pub replies: Option<i64>,
    /// The reader's unread notifications, at most [`MAX_WAITING`].
    #[sqlx(rename = "menu_notifications")]
    pub notifications: i64,
    /// How many views the reader has saved: the menu reads them (and
    /// counts each) only when there are some.
    #[sqlx(rename = "menu_saved_views")]
    pub saved_views: i64,
}

/// Which of the menu's numbers to read (each one the reader has the list for).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MenuAsk {
    pub intake: bool,
    pub approvals: bool,
    pub replies: bool,
}

impl MenuAsk {
    /// The lists a role has: the intake inbox, the approvals, the replies
    /// on one's own cases.
    pub fn for_role(role: Role) -> MenuAsk {
        MenuAsk {
            intake: role.can(Permission::TriageIntake),
            approvals: role.can(Permission::ApproveOutgoing),
            replies: role.can(Permission::EditCases),
        }
    }
}

/// The menu's numbers' columns (`menu_intake`, `menu_approvals`,
/// `menu_replies`, `menu_notifications`, `menu_saved_views`) for a reader
/// who sees `scope` and has the lists of `ask`. `office` and `user` are SQL
/// expressions: bound parameters, or the columns of the session's user.
/// Each counts exactly the rows of the list its link opens, through the
/// same scope conditions:
/// - intake: the intake inbox (`/intake`);
/// - approvals: [`OfficeData::approvals_waiting`];
/// - replies: unread incoming mail on the cases assigned to the reader
///   (`MessageFilter` with `assignee` and `unread`), read from the
///   unread mail (a partial index), each checked against its case: not
///   from the reader's cases, each looked up in the unread mail (38,000
///   look-ups, 25 ms a page on SQLite);
/// - notifications: the reader's unread ones;
/// - saved views: how many the reader has.
fn menu_columns(scope: &Scope, ask: MenuAsk, office: &str, user: &str) -> [String; 5] {
    const NONE: &str = "CAST(NULL AS BIGINT)";
    let intake = if ask.intake {
        let visible = scope.message_condition("i");
        format!(
            "(SELECT COUNT(*) FROM correspondence i WHERE i.office_id = {office} AND i.state = 'intake' \
             AND i.campaign_id IS NULL{visible})"
        )
    } else {
        NONE.into()
    };
    let approvals = if ask.approvals {
        let waiting = waiting_sql(&scope.message_condition("c"), office);
        format!("(SELECT COUNT(*) FROM (SELECT 1 FROM ({waiting}) w LIMIT {MAX_WAITING}) a)")
    } else {
        NONE.into()
    };
    let replies = if ask.replies {
        let visible = scope.message_condition("r");
        format!(
            "(SELECT COUNT(*) FROM (SELECT 1 FROM correspondence r WHERE r.office_id = {office} AND r.unread = TRUE \
             AND r.direction = 'in' AND EXISTS (SELECT 1 FROM cases k WHERE k.id = r.case_id AND k.office_id = {office} \
             AND k.assignee_id = {user}){visible} LIMIT {MAX_WAITING}) n)"
        )
    } else {
        NONE.into()
    };
    [
        intake,
        approvals,
        replies,
        format!("({})", unread_notifications_sql(office, user)),
        format!(
            "(SELECT COUNT(*) FROM saved_views sv WHERE sv.office_id = {office} AND sv.user_id = {user})"
        ),
    ]
}

/// The office's id given to the scopes whose conditions become the session
/// statement's branches: no office has it, so it must not appear there.
const OFFICE_MARK: i64 = i64::MIN + 1;

const MENU_NAMES: [&str; 5] = [
    "menu_intake",
    "menu_approvals",
    "menu_replies",
    "menu_notifications",
    "menu_saved_views",
];

/// The menu's numbers as columns of the statement that reads a session,
/// for its user (`me`: `id`, `office_id`, `role`; the subqueries use `u`
/// for other users), whatever their role: each
/// column is a `CASE` on the role, whose branches are [`menu_columns`] for
/// the roles' scopes and lists, with the reader's id the column `me.id`. So
/// one text serves every reader, and a page's session and menu are one
/// statement. PostgreSQL and SQLite run only the branch of the user's role.
pub(crate) fn menu_of_session_user() -> String {
    let mark = READER_MARK.to_string();
    let of_role = |role: Role| {
        // The office is the column `me.office_id`; the scope's conditions
        // must not write its id (the unit test checks the mark is absent).
        menu_columns(
            &Scope::person(OFFICE_MARK, READER_MARK, role),
            MenuAsk::for_role(role),
            "me.office_id",
            "me.id",
        )
        .map(|c| c.replace(&mark, "me.id"))
    };
    // A role this version does not know reads as the least one (`User::role`).
    let fallback = of_role(UNKNOWN_ROLE);
    let by_role: Vec<(Role, [String; 5])> = Role::ALL.iter().map(|&r| (r, of_role(r))).collect();
    let mut columns = Vec::with_capacity(MENU_NAMES.len());
    for (i, name) in MENU_NAMES.iter().enumerate() {
        // Roles that read the same text share one branch.
        let mut branches: Vec<(&str, Vec<&str>)> = Vec::new();
        for (role, texts) in &by_role {
            let text = texts[i].as_str();
            if text == fallback[i] {
                continue;
            }
            match branches.iter_mut().find(|(t, _)| *t == text) {
                Some((_, roles)) => roles.push(role.as_str()),
                None => branches.push((text, vec![role.as_str()])),
            }
        }
        if branches.is_empty() {
            columns.push(format!("{} AS {name}", fallback[i]));
            continue;
        }
        let mut case = String::from("CASE");
        for (text, roles) in branches {
            let roles: Vec<String> = roles.iter().map(|r| format!("'{r}'")).collect();
            case.push_str(&format!(
                " WHEN me.role IN ({}) THEN {text}",
                roles.join(", ")
            ));
        }
        columns.push(format!("{case} ELSE {} END AS {name}", fallback[i]));
    }
    columns.join(", ")
}

impl OfficeData {
    /// Everything waiting for approval that the reader may see, oldest first.
    pub async fn approvals_waiting(&self) -> Result<Vec<Waiting>> {
        let office_id = self.scope.office_id;
        let waiting = waiting_sql(&self.scope.message_condition("c"), "$1");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT * FROM ({waiting}) w ORDER BY since, kind, item_id LIMIT {MAX_WAITING}"
            )))
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The menu's numbers for `user`, in one statement (see
    /// [`menu_columns`]). A page reads them with its session
    /// ([`crate::Store::session`]); this reads them apart.
    pub async fn menu_numbers(&self, user: i64, ask: MenuAsk) -> Result<MenuNumbers> {
        let office_id = self.scope.office_id;
        let columns: Vec<String> = menu_columns(&self.scope, ask, "$1", "$2")
            .iter()
            .zip(MENU_NAMES)
            .map(|(c, name)| format!("{c} AS {name}"))
            .collect();
        let sql = format!("SELECT {}", columns.join(", "));
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(user)
                .fetch_one(pool)
                .await?)
        })
    }

    /// How many of a person's notifications are unread (at most [`MAX_WAITING`]).
    pub async fn unread_notifications(&self, user_id: i64) -> Result<i64> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar(sqlx::AssertSqlSafe(unread_notifications_sql("$1", "$2")))
                    .bind(office_id)
                    .bind(user_id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }
}

impl OfficeData {
    /// Returns a draft waiting for approval to its author, with the
    /// approver's reason on its history and in its comments.
    pub async fn return_draft(
        &self,
        id: i64,
        actor_id: i64,
        comment: &str,
        now: i64,
    ) -> Result<Withdrawn> {
        let office_id = self.scope.office_id;
        let w = in_transaction!(self, |tx| {
            let w = withdraw_draft!(tx, office_id, id, "returned");
            sqlx::query(
                "INSERT INTO comments (office_id, correspondence_id, campaign_id, author_id, body, at) \
                 VALUES ($1, $2, NULL, $3, $4, $5)",
            )
            .bind(office_id)
            .bind(id)
            .bind(actor_id)
            .bind(comment)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let what = if w.channel == "letter" {
                "Letter"
            } else {
                "Email"
            };
            let entry = NewEntry {
                correspondence_id: Some(id),
                ..NewEntry::new(
                    "draft_returned",
                    Some(actor_id),
                    format!(
                        "{what} returned to its author for changes: {}. \"{comment}\"",
                        w.subject
                    ),
                )
            };
            crate::common::append_entry!(tx, office_id, w.constituent_id, w.case_id, now, &entry);
            w
        });
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sessions_menu_names_the_reader_by_column_and_covers_every_role() {
        let sql = menu_of_session_user();
        // The reader is the session's user, never the mark or a fixed id,
        // and nothing is bound (the statement's parameters are the
        // session's).
        assert!(!sql.contains(&READER_MARK.to_string()), "{sql}");
        assert!(!sql.contains(&OFFICE_MARK.to_string()), "{sql}");
        assert!(!sql.contains('$'), "{sql}");
        assert!(sql.contains("k.assignee_id = me.id"), "{sql}");
        for name in MENU_NAMES {
            assert!(sql.contains(&format!(" AS {name}")), "{name}: {sql}");
        }
        // Roles that see other things have branches of their own; the
        // least role (and any unknown one) takes the ELSE.
        for role in Role::ALL {
            let branch = format!("'{}'", role.as_str());
            assert_eq!(
                sql.contains(&branch),
                *role != UNKNOWN_ROLE,
                "{role:?}: {sql}"
            );
        }
    }
}
