//! What waits for approval (letters, emails, a campaign's reply to all),
//! and the counts in the menu.

use crate::{OfficeData, Result, on_read};

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

/// The most listed at once; the menu shows "500+" beyond it.
pub const MAX_WAITING: i64 = 500;

impl OfficeData {
    /// Everything waiting for approval that the reader may see, oldest first.
    pub async fn approvals_waiting(&self) -> Result<Vec<Waiting>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("c");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT * FROM (\
                 SELECT 'letter' AS kind, c.id AS item_id, c.id AS correspondence_id, c.case_id, k.reference AS case_reference, \
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
                 WHERE g.office_id = $1 AND g.reply_state = 'awaiting_approval'\
                 ) w ORDER BY since, kind, item_id LIMIT {MAX_WAITING}"
            )))
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Unread incoming mail on the cases assigned to `user`, at most
    /// `limit` counted (the list: `MessageFilter` with `assignee` and
    /// `unread`).
    pub async fn new_replies_count(&self, user: i64, limit: i64) -> Result<i64> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("c");
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM correspondence c WHERE c.office_id = $1 AND c.unread = TRUE \
                 AND c.direction = 'in' AND c.case_id IN (SELECT id FROM cases WHERE office_id = $1 AND assignee_id = $2)\
                 {visible} LIMIT $3) n",
            )))
            .bind(office_id)
            .bind(user)
            .bind(limit)
            .fetch_one(pool)
            .await?)
        })
    }
}
