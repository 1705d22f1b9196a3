//! Records filed on a case by hand: post that arrived on paper (scanned),
//! documents, and the files that go with a logged call, meeting or visit.
//! Each is a row of `correspondence` (so its files are attachments with the
//! same permission checks as email) and an entry on the case's history.

use crate::common::{append_entry, case_constituent, insert_attachments};
use crate::correspondence::NewAttachment;
use crate::model::NewEntry;
use crate::{Error, OfficeData, Result, in_transaction};
use casework_domain::{Channel, Direction};

/// A record to keep on a case, its files already in the blob store.
#[derive(Debug, Clone)]
pub struct NewRecord {
    /// Post, a document, a call, a meeting, a visit or a note.
    pub channel: Channel,
    /// In for what came to the office (post, a document handed in),
    /// internal for the office's own notes of a call or meeting.
    pub direction: Direction,
    pub subject: String,
    pub body_text: String,
    /// Who recorded it (shown as its author).
    pub recorded_by: i64,
    pub recorded_by_name: String,
    /// Unique per record (the office's dedupe key for correspondence).
    pub dedupe_key: String,
    pub attachments: Vec<NewAttachment>,
}

impl OfficeData {
    /// Keeps a record and its files on a case and adds it to the case's
    /// history, in one transaction. Returns the record's id.
    pub async fn add_case_record(
        &self,
        case_id: i64,
        r: &NewRecord,
        entry: &NewEntry,
        now: i64,
    ) -> Result<i64> {
        let office_id = self.scope.office_id;
        let id = in_transaction!(self, |tx| {
            let constituent = case_constituent!(tx, office_id, case_id);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO correspondence (office_id, direction, channel, state, case_id, constituent_id, dedupe_key, \
                 from_name, subject, received_at, body_text, source, filed_by, filed_at, unread) \
                 VALUES ($1, $2, $3, 'filed', $4, $5, $6, $7, $8, $9, $10, 'casework', $11, $9, FALSE) RETURNING id",
            )
            .bind(office_id)
            .bind(r.direction.as_str())
            .bind(r.channel.as_str())
            .bind(case_id)
            .bind(constituent)
            .bind(&r.dedupe_key)
            .bind(&r.recorded_by_name)
            .bind(&r.subject)
            .bind(now)
            .bind(&r.body_text)
            .bind(r.recorded_by)
            .fetch_one(&mut *tx)
            .await?;
            insert_attachments!(tx, id, &r.attachments);
            let mut e = entry.clone();
            e.correspondence_id = Some(id);
            append_entry!(tx, office_id, Some(constituent), Some(case_id), now, &e);
            sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(case_id)
                .execute(&mut *tx)
                .await?;
            id
        });
        Ok(id)
    }
}
