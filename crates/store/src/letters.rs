//! Templates, letterheads, and letters kept on their case.

use crate::common::append_entry;
use crate::model::NewEntry;
use crate::{Error, OfficeData, Result, in_transaction, on_read, on_write};
use casework_domain::Approval;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Template {
    pub id: i64,
    pub office_id: i64,
    pub name: String,
    pub subject: String,
    pub body: String,
    pub signed_by_representative: bool,
    pub updated_at: i64,
    pub version: i64,
}

/// How an office's letters are laid out.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct LetterSettings {
    /// Address lines under the office's name.
    pub letterhead: String,
    /// `a4` or `letter`.
    pub paper: String,
    /// Printed under the representative's name when they sign.
    pub signature_title: String,
}

const COLUMNS: &str = "SELECT id, office_id, name, subject, body, signed_by_representative, updated_at, version FROM templates ";

/// A letter rendered and stored (its PDF is in the blob store).
#[derive(Debug, Clone)]
pub struct NewLetter {
    pub case_id: i64,
    pub constituent_id: i64,
    pub dedupe_key: String,
    pub subject: String,
    pub body_text: String,
    pub pdf_blob: String,
    pub pdf_size: i64,
    pub recipient: String,
    pub created_by: i64,
    /// Whether it waits for approval (signed by the representative, or on a
    /// sensitive case) or was approved as it was made.
    pub approval: Approval,
    pub approved_by: Option<i64>,
    /// The letter's layout as JSON, for printing it again in a batch.
    pub layout: String,
    /// The draft waiting for approval that this edited version replaces.
    pub replaces: Option<i64>,
}

/// A letter waiting to be printed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PrintItem {
    pub id: i64,
    pub case_id: Option<i64>,
    pub case_reference: Option<String>,
    pub subject: String,
    pub recipient: String,
    pub created_at: i64,
    #[sqlx(try_from = "String")]
    pub approval: Approval,
    pub printed_at: Option<i64>,
}

/// A file on a case that can be sent with an email.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseDocument {
    /// `attachment` (of a message on the case) or `letter`.
    pub kind: String,
    /// The attachment's id, or the letter's correspondence id.
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub blob: String,
    #[sqlx(try_from = "String")]
    pub approval: Approval,
}

/// What printing a letter needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LetterLayout {
    pub id: i64,
    pub case_id: Option<i64>,
    pub subject: String,
    #[sqlx(try_from = "String")]
    pub approval: Approval,
    pub layout: Option<String>,
}

impl OfficeData {
    pub async fn templates(&self) -> Result<Vec<Template>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            let sql = format!("{COLUMNS} WHERE office_id = $1 ORDER BY name");
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .fetch_all(pool)
                .await?)
        })
    }

    pub async fn template(&self, id: i64) -> Result<Template> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            let sql = format!("{COLUMNS} WHERE office_id = $1 AND id = $2");
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(id)
                .fetch_one(pool)
                .await?)
        })
    }

    pub async fn template_by_name(&self, name: &str) -> Result<Template> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            let sql = format!("{COLUMNS} WHERE office_id = $1 AND name = $2");
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(name)
                .fetch_one(pool)
                .await?)
        })
    }

    /// Creates a template, or updates it if `id` is given and `version` is current.
    pub async fn save_template(
        &self,
        id: Option<i64>,
        version: i64,
        name: &str,
        subject: &str,
        body: &str,
        signed: bool,
        now: i64,
    ) -> Result<i64> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            match id {
                None => Ok(sqlx::query_scalar(
                    "INSERT INTO templates (office_id, name, subject, body, signed_by_representative, created_at, updated_at, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6, 1) RETURNING id",
                )
                .bind(office_id)
                .bind(name)
                .bind(subject)
                .bind(body)
                .bind(signed)
                .bind(now)
                .fetch_one(pool)
                .await?),
                Some(id) => {
                    let n = sqlx::query(
                        "UPDATE templates SET name = $1, subject = $2, body = $3, signed_by_representative = $4, updated_at = $5, \
                         version = version + 1 WHERE id = $6 AND office_id = $7 AND version = $8",
                    )
                    .bind(name)
                    .bind(subject)
                    .bind(body)
                    .bind(signed)
                    .bind(now)
                    .bind(id)
                    .bind(office_id)
                    .bind(version)
                    .execute(pool)
                    .await?
                    .rows_affected();
                    if n == 0 {
                        return Err(Error::Conflict);
                    }
                    Ok(id)
                }
            }
        })
    }

    pub async fn letterhead(&self) -> Result<String> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT letterhead FROM offices WHERE id = $1")
                    .bind(office_id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    /// How the office's letters are laid out.
    pub async fn letter_settings(&self) -> Result<LetterSettings> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT letterhead, letter_paper AS paper, signature_title FROM offices WHERE id = $1",
            )
            .bind(office_id)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Saves the letterhead's address lines, the paper, the title under
    /// the representative's signature and, when `logo` is given, the logo
    /// (a blob key, or `None` to remove it), in one statement.
    pub async fn set_letterhead(
        &self,
        settings: &LetterSettings,
        logo: Option<Option<&str>>,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        // A transaction, so that a logo handed with `with_files` is stored with it.
        in_transaction!(self, |tx| {
            sqlx::query(
                "UPDATE offices SET letterhead = $1, letter_paper = $2, signature_title = $3, \
                 letterhead_logo = CASE WHEN $4 THEN $5 ELSE letterhead_logo END WHERE id = $6",
            )
            .bind(&settings.letterhead)
            .bind(&settings.paper)
            .bind(&settings.signature_title)
            .bind(logo.is_some())
            .bind(logo.flatten())
            .bind(office_id)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// The blob key of the office's letterhead logo, if it has one.
    pub async fn letterhead_logo(&self) -> Result<Option<String>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT letterhead_logo FROM offices WHERE id = $1")
                    .bind(office_id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    /// Records a letter on its case with a timeline entry, in one transaction.
    pub async fn store_letter(&self, l: &NewLetter, entry: &NewEntry, now: i64) -> Result<i64> {
        let office_id = self.scope.office_id;
        let id = in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO correspondence (office_id, direction, channel, state, case_id, constituent_id, dedupe_key, message_id, \
                 in_reply_to, reference_ids, from_address, from_name, to_addresses, cc_addresses, subject, sent_at, received_at, \
                 body_text, body_html, raw_blob, raw_size, source, problems, filed_by, filed_at, unread, approval, approved_by, layout) \
                 VALUES ($1, 'out', 'letter', 'filed', $2, $3, $4, '', '', '', '', '', $5, '', $6, NULL, $7, $8, NULL, $9, $10, \
                 'casework', '', $11, $7, FALSE, $12, $13, $14) RETURNING id",
            )
            .bind(office_id)
            .bind(l.case_id)
            .bind(l.constituent_id)
            .bind(&l.dedupe_key)
            .bind(&l.recipient)
            .bind(&l.subject)
            .bind(now)
            .bind(&l.body_text)
            .bind(&l.pdf_blob)
            .bind(l.pdf_size)
            .bind(l.created_by)
            .bind(l.approval.as_str())
            .bind(l.approved_by)
            .bind(&l.layout)
            .fetch_one(&mut *tx)
            .await?;
            let mut e = entry.clone();
            e.correspondence_id = Some(id);
            append_entry!(
                tx,
                office_id,
                Some(l.constituent_id),
                Some(l.case_id),
                now,
                &e
            );
            if let Some(old) = l.replaces {
                crate::approvals::replace_draft!(tx, office_id, old, l.created_by, now);
            }
            sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(l.case_id)
                .execute(&mut *tx)
                .await?;
            id
        });
        Ok(id)
    }

    /// Approves a letter signed by the representative, with a history entry.
    /// Approves a letter waiting for approval; `pdf` (blob key, size)
    /// replaces its PDF, which was marked DRAFT.
    pub async fn approve_letter(
        &self,
        id: i64,
        actor_id: i64,
        now: i64,
        pdf: Option<(&str, i64)>,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let row: Option<(Option<i64>, Option<i64>, String)> = sqlx::query_as(
                "UPDATE correspondence SET approval = 'approved', approved_by = $1, \
                 raw_blob = COALESCE($4, raw_blob), raw_size = COALESCE($5, raw_size) \
                 WHERE id = $2 AND office_id = $3 AND channel = 'letter' AND approval = 'awaiting' \
                 RETURNING case_id, constituent_id, subject",
            )
            .bind(actor_id)
            .bind(id)
            .bind(office_id)
            .bind(pdf.map(|p| p.0))
            .bind(pdf.map(|p| p.1))
            .fetch_optional(&mut *tx)
            .await?;
            let Some((case_id, constituent_id, subject)) = row else {
                return Err(Error::Conflict);
            };
            let entry = NewEntry {
                correspondence_id: Some(id),
                ..NewEntry::new(
                    "letter_approved",
                    Some(actor_id),
                    format!("Letter approved: {subject}"),
                )
            };
            append_entry!(tx, office_id, constituent_id, case_id, now, &entry);
        });
        Ok(())
    }

    /// Letters not yet printed, oldest first.
    pub async fn letters_to_print(&self) -> Result<Vec<PrintItem>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("c");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT c.id, c.case_id, k.reference AS case_reference, c.subject, c.to_addresses AS recipient, \
                 c.received_at AS created_at, c.approval, c.printed_at FROM correspondence c LEFT JOIN cases k ON k.id = c.case_id \
                 WHERE c.office_id = $1 AND c.channel = 'letter' AND c.printed_at IS NULL \
                 AND c.approval NOT IN ('returned', 'replaced') \
                 {visible} ORDER BY c.received_at, c.id LIMIT 500",
            )))
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Letters printed most recently, newest first (to print again).
    pub async fn letters_printed(&self, limit: i64) -> Result<Vec<PrintItem>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("c");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT c.id, c.case_id, k.reference AS case_reference, c.subject, c.to_addresses AS recipient, \
                 c.received_at AS created_at, c.approval, c.printed_at FROM correspondence c LEFT JOIN cases k ON k.id = c.case_id \
                 WHERE c.office_id = $1 AND c.channel = 'letter' AND c.printed_at IS NOT NULL \
                 {visible} ORDER BY c.printed_at DESC, c.id DESC LIMIT $2",
            )))
            .bind(office_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn letter_layouts(&self, ids: &[i64]) -> Result<Vec<LetterLayout>> {
        let office_id = self.scope.office_id;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        on_read!(self, |pool| {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT id, case_id, subject, approval, layout FROM correspondence WHERE channel = 'letter' AND office_id = ",
            );
            qb.push_bind(office_id).push(" AND id IN (");
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            qb.push(")");
            qb.push(self.scope.message_condition("correspondence"));
            qb.push(" ORDER BY received_at, id");
            let rows: Vec<LetterLayout> = qb.build_query_as().fetch_all(pool).await?;
            Ok(rows)
        })
    }

    pub async fn mark_printed(&self, ids: &[i64], now: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        if ids.is_empty() {
            return Ok(());
        }
        on_write!(self, |pool| {
            let mut qb = sqlx::QueryBuilder::new("UPDATE correspondence SET printed_at = ");
            qb.push_bind(now)
                .push(" WHERE channel = 'letter' AND office_id = ")
                .push_bind(office_id)
                .push(" AND id IN (");
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            qb.push(")");
            qb.build().execute(pool).await?;
        });
        Ok(())
    }

    /// Files on a case that can go with an email: attachments of its
    /// correspondence and its letters (as PDF).
    pub async fn case_documents(&self, case_id: i64) -> Result<Vec<CaseDocument>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("c");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT 'attachment' AS kind, a.id, a.filename AS name, a.content_type, a.size, a.blob, '' AS approval \
                 FROM attachments a JOIN correspondence c ON c.id = a.correspondence_id \
                 WHERE c.office_id = $1 AND c.case_id = $2{visible} \
                 UNION ALL \
                 SELECT 'letter' AS kind, c.id, c.subject AS name, 'application/pdf' AS content_type, c.raw_size AS size, \
                 COALESCE(c.raw_blob, '') AS blob, c.approval FROM correspondence c \
                 WHERE c.office_id = $1 AND c.case_id = $2 AND c.channel = 'letter'{visible} \
                 ORDER BY kind, id LIMIT 500",
            )))
            .bind(office_id)
            .bind(case_id)
            .fetch_all(pool)
            .await?)
        })
    }
}
