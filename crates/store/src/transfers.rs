//! Transfers of cases to another office or level of government, and what a
//! handover package holds: the case's correspondence in full, with the
//! names of its attachments, under the reader's scope.

use casework_domain::{Channel, Direction};

use crate::{OfficeData, Result, on_read};

/// A transfer to record with the case's change of status.
#[derive(Debug, Clone)]
pub struct NewTransfer {
    pub recipient: String,
    pub recipient_email: String,
    /// `email`, `letter` or `none`.
    pub channel: String,
    pub correspondence_id: Option<i64>,
    /// The Transferability value, as it is named now.
    pub destination: String,
    pub reason: String,
    pub previous_status: String,
    pub by: i64,
}

/// A transfer as recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Transfer {
    pub id: i64,
    pub case_id: i64,
    pub recipient: String,
    pub recipient_email: String,
    pub channel: String,
    pub correspondence_id: Option<i64>,
    pub destination: String,
    pub reason: String,
    pub previous_status: String,
    pub transferred_by: i64,
    pub by_name: String,
    pub transferred_at: i64,
}

/// A piece of correspondence as the handover package shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HandoverMessage {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub direction: Direction,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub from_address: String,
    pub from_name: String,
    pub to_addresses: String,
    pub subject: String,
    pub received_at: i64,
    pub body_text: String,
}

/// An attachment's name, type, size and hash (not its content).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HandoverAttachment {
    pub correspondence_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub blob: String,
}

/// The most messages a handover package holds (the oldest first).
pub const HANDOVER_MAX_MESSAGES: i64 = 5000;

/// Inserts a transfer row in the transaction `$tx`.
macro_rules! insert_transfer {
    ($tx:expr, $office_id:expr, $case_id:expr, $t:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO case_transfers (office_id, case_id, recipient, recipient_email, channel, \
             correspondence_id, destination, reason, previous_status, transferred_by, transferred_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind($office_id)
        .bind($case_id)
        .bind(&$t.recipient)
        .bind(&$t.recipient_email)
        .bind(&$t.channel)
        .bind($t.correspondence_id)
        .bind(&$t.destination)
        .bind(&$t.reason)
        .bind(&$t.previous_status)
        .bind($t.by)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    };
}
pub(crate) use insert_transfer;

impl OfficeData {
    /// A case's transfers, oldest first (the case must be one the reader
    /// may see).
    pub async fn case_transfers(&self, case_id: i64) -> Result<Vec<Transfer>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.case_condition("c");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT t.id, t.case_id, t.recipient, t.recipient_email, t.channel, t.correspondence_id, \
                 t.destination, t.reason, t.previous_status, t.transferred_by, \
                 COALESCE(u.display_name, '') AS by_name, t.transferred_at \
                 FROM case_transfers t JOIN cases c ON c.id = t.case_id \
                 LEFT JOIN users u ON u.id = t.transferred_by \
                 WHERE t.case_id = $1 AND t.office_id = $2{visible} ORDER BY t.transferred_at, t.id",
            )))
            .bind(case_id)
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// A case's correspondence in full, oldest first, that the reader may
    /// see, with its attachments' names.
    pub async fn handover_messages(
        &self,
        case_id: i64,
    ) -> Result<(Vec<HandoverMessage>, Vec<HandoverAttachment>)> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("m");
        let messages: Vec<HandoverMessage> = on_read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT m.id, m.direction, m.channel, m.from_address, m.from_name, m.to_addresses, m.subject, \
                 m.received_at, m.body_text FROM correspondence m \
                 WHERE m.case_id = $1 AND m.office_id = $2{visible} ORDER BY m.received_at, m.id LIMIT $3",
            )))
            .bind(case_id)
            .bind(office_id)
            .bind(HANDOVER_MAX_MESSAGES)
            .fetch_all(pool)
            .await?
        });
        let Some(last) = messages.last() else {
            return Ok((messages, Vec::new()));
        };
        let (first, last) = (messages[0].received_at, last.received_at);
        let attachments: Vec<HandoverAttachment> = on_read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT a.correspondence_id, a.filename, a.content_type, a.size, a.blob FROM attachments a \
                 JOIN correspondence m ON m.id = a.correspondence_id \
                 WHERE m.case_id = $1 AND m.office_id = $2 AND m.received_at >= $3 AND m.received_at <= $4{visible} \
                 ORDER BY a.correspondence_id, a.id",
            )))
            .bind(case_id)
            .bind(office_id)
            .bind(first)
            .bind(last)
            .fetch_all(pool)
            .await?
        });
        let ids: std::collections::HashSet<i64> = messages.iter().map(|m| m.id).collect();
        let attachments = attachments
            .into_iter()
            .filter(|a| ids.contains(&a.correspondence_id))
            .collect();
        Ok((messages, attachments))
    }
}
