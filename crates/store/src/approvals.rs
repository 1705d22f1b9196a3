//! What waits for approval (letters, emails, a campaign's reply to all),
//! and the counts in the menu.

use crate::model::NewEntry;
use crate::{Error, OfficeData, Result, in_transaction, on_read};

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
/// campaign replies (`$1` is the office), unordered: the list orders it,
/// the menu counts it.
fn waiting_sql(visible: &str) -> String {
    format!(
        "SELECT 'letter' AS kind, c.id AS item_id, c.id AS correspondence_id, c.case_id, k.reference AS case_reference, \
         c.subject, c.filed_by AS author_id, u.display_name AS author, c.received_at AS since \
         FROM correspondence c LEFT JOIN cases k ON k.id = c.case_id LEFT JOIN users u ON u.id = c.filed_by \
         WHERE c.office_id = $1 AND c.approval = 'awaiting'{visible} \
         UNION ALL \
         SELECT 'email', o.id, c.id, c.case_id, k.reference, c.subject, c.filed_by, u.display_name, o.created_at \
         FROM outbox o JOIN correspondence c ON c.id = o.correspondence_id LEFT JOIN cases k ON k.id = c.case_id \
         LEFT JOIN users u ON u.id = c.filed_by \
         WHERE o.office_id = $1 AND o.state = 'awaiting_approval'{visible} \
         UNION ALL \
         SELECT 'campaign_reply', g.id, NULL, NULL, NULL, g.name, g.reply_updated_by, u.display_name, g.updated_at \
         FROM campaigns g LEFT JOIN users u ON u.id = g.reply_updated_by \
         WHERE g.office_id = $1 AND g.reply_state = 'awaiting_approval'"
    )
}

/// The reader's unread notifications, at most [`MAX_WAITING`] counted
/// (`$1` is the office, `$2` the reader).
fn unread_notifications_sql() -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = $2 AND office_id = $1 \
         AND read_at IS NULL LIMIT {MAX_WAITING}) n"
    )
}

/// The numbers beside the menu's links, read in one statement; `None`
/// where the reader was not asked about that list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MenuNumbers {
    /// Messages waiting in the intake inbox, every one counted.
    pub intake: Option<i64>,
    /// Things waiting for approval, at most [`MAX_WAITING`].
    pub approvals: Option<i64>,
    /// Unread incoming mail on the reader's cases, at most [`MAX_WAITING`].
    pub replies: Option<i64>,
    /// The reader's unread notifications, at most [`MAX_WAITING`].
    pub notifications: i64,
    /// How many views the reader has saved: the menu reads them (and
    /// counts each) only when there are some.
    pub saved_views: i64,
}

/// Which of the menu's numbers to read (each one the reader has the list for).
#[derive(Debug, Clone, Copy, Default)]
pub struct MenuAsk {
    pub intake: bool,
    pub approvals: bool,
    pub replies: bool,
}

impl OfficeData {
    /// Everything waiting for approval that the reader may see, oldest first.
    pub async fn approvals_waiting(&self) -> Result<Vec<Waiting>> {
        let office_id = self.scope.office_id;
        let waiting = waiting_sql(&self.scope.message_condition("c"));
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT * FROM ({waiting}) w ORDER BY since, kind, item_id LIMIT {MAX_WAITING}"
            )))
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The menu's numbers for `user`, in one statement: every page shows
    /// them, so each is one scalar subquery rather than a round trip. Each
    /// counts exactly the rows of the list its link opens, through the
    /// same scope conditions:
    /// - intake: the intake inbox (`/intake`);
    /// - approvals: [`Self::approvals_waiting`];
    /// - replies: unread incoming mail on the cases assigned to `user`
    ///   (`MessageFilter` with `assignee` and `unread`), read from the
    ///   unread mail (a partial index), each checked against its case: not
    ///   from the reader's cases, each looked up in the unread mail (38,000
    ///   look-ups, 25 ms a page on SQLite);
    /// - notifications: the reader's unread ones.
    pub async fn menu_numbers(&self, user: i64, ask: MenuAsk) -> Result<MenuNumbers> {
        let office_id = self.scope.office_id;
        let mut parts: Vec<String> = Vec::with_capacity(4);
        if ask.intake {
            let visible = self.scope.message_condition("i");
            parts.push(format!(
                "(SELECT COUNT(*) FROM correspondence i WHERE i.office_id = $1 AND i.state = 'intake' \
                 AND i.campaign_id IS NULL{visible})"
            ));
        } else {
            parts.push("CAST(NULL AS BIGINT)".into());
        }
        if ask.approvals {
            let waiting = waiting_sql(&self.scope.message_condition("c"));
            parts.push(format!(
                "(SELECT COUNT(*) FROM (SELECT 1 FROM ({waiting}) w LIMIT {MAX_WAITING}) a)"
            ));
        } else {
            parts.push("CAST(NULL AS BIGINT)".into());
        }
        if ask.replies {
            let visible = self.scope.message_condition("r");
            parts.push(format!(
                "(SELECT COUNT(*) FROM (SELECT 1 FROM correspondence r WHERE r.office_id = $1 AND r.unread = TRUE \
                 AND r.direction = 'in' AND EXISTS (SELECT 1 FROM cases k WHERE k.id = r.case_id AND k.office_id = $1 \
                 AND k.assignee_id = $2){visible} LIMIT {MAX_WAITING}) n)"
            ));
        } else {
            parts.push("CAST(NULL AS BIGINT)".into());
        }
        parts.push(format!("({})", unread_notifications_sql()));
        parts.push(
            "(SELECT COUNT(*) FROM saved_views sv WHERE sv.office_id = $1 AND sv.user_id = $2)"
                .into(),
        );
        let sql = format!("SELECT {}", parts.join(", "));
        let (intake, approvals, replies, notifications, saved_views): (
            Option<i64>,
            Option<i64>,
            Option<i64>,
            i64,
            i64,
        ) = on_read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(user)
                .fetch_one(pool)
                .await?
        });
        Ok(MenuNumbers {
            intake,
            approvals,
            replies,
            notifications,
            saved_views,
        })
    }

    /// How many of a person's notifications are unread (at most [`MAX_WAITING`]).
    pub async fn unread_notifications(&self, user_id: i64) -> Result<i64> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar(sqlx::AssertSqlSafe(unread_notifications_sql()))
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
