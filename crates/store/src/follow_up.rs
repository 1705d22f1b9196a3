//! Enquiries to third parties (with their reply window and chases) and
//! tasks, including those Casework makes itself, each exactly once: a
//! chase-up when an enquiry passes its due date, a review when a case's
//! review date comes.

use crate::common::{append_entry, case_constituent};
use crate::{Error, NewEntry, OfficeData, Result, Store, in_transaction, on_read, on_write};

/// An enquiry as the case page shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Enquiry {
    pub id: i64,
    pub case_id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub contact_id: Option<i64>,
    pub contact_name: Option<String>,
    pub escalated_from: Option<i64>,
    /// The enquiry it was escalated by (it is then no longer chased or
    /// counted overdue).
    pub escalated_to: Option<i64>,
    pub channel: String,
    pub asked: String,
    pub sent_on: String,
    pub due_on: String,
    pub chases: i64,
    pub answered_on: Option<String>,
    pub answer_id: Option<i64>,
    pub answer_note: String,
    pub consent_override: String,
    pub created_by: i64,
    pub version: i64,
}

/// An enquiry to record (checked by the caller).
#[derive(Debug, Clone)]
pub struct NewEnquiry {
    pub case_id: i64,
    pub agency_id: i64,
    pub contact_id: Option<i64>,
    pub escalated_from: Option<i64>,
    pub channel: String,
    pub asked: String,
    pub sent_on: String,
    pub due_on: String,
    /// The email or letter that carried it.
    pub correspondence_id: Option<i64>,
    pub consent_override: String,
    pub by: i64,
}

/// A task as lists show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    pub case_id: Option<i64>,
    pub case_reference: Option<String>,
    pub case_title: Option<String>,
    pub enquiry_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub note: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub due_on: String,
    pub snoozed: String,
    pub done_at: Option<i64>,
    pub created_by: Option<i64>,
    pub version: i64,
}

/// A task to add (checked by the caller).
#[derive(Debug, Clone)]
pub struct NewTask {
    pub case_id: Option<i64>,
    pub title: String,
    pub note: String,
    pub assignee_id: Option<i64>,
    pub due_on: String,
    pub by: i64,
}

/// A change to a task.
#[derive(Debug, Clone)]
pub enum TaskChange {
    Complete { by: i64 },
    Snooze { until: String, reason: String },
    Reassign { to: Option<i64> },
    Reopen,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// One person's (`Some(None)`: nobody's); everyone's when `None`.
    pub assignee: Option<Option<i64>>,
    pub case_id: Option<i64>,
    /// Only those not done.
    pub open_only: bool,
    /// Only those due on or after this day.
    pub due_from: Option<String>,
    /// Only those due on or before this day.
    pub due_by: Option<String>,
    /// Those after this one in the order (its due day and id): the next
    /// page of a list.
    pub after: Option<crate::Cursor>,
    pub limit: i64,
}

/// Written consent on a case, as recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Consent {
    pub id: i64,
    pub case_id: i64,
    pub given_by: String,
    pub for_whom: String,
    pub all_agencies: bool,
    pub method: String,
    pub note: String,
    pub given_on: String,
    pub expires_on: Option<String>,
    pub document_id: Option<i64>,
    pub withdrawn_on: Option<String>,
    pub recorded_by: i64,
    /// The agencies it covers when not all, by name, joined with "; ".
    pub agency_names: String,
    /// Their ids, joined with ",".
    pub agency_ids: String,
}

/// Consent to record (checked by the caller).
#[derive(Debug, Clone)]
pub struct NewConsent {
    pub case_id: i64,
    pub given_by: String,
    pub for_whom: String,
    pub all_agencies: bool,
    pub agencies: Vec<i64>,
    pub method: String,
    pub note: String,
    pub given_on: String,
    pub expires_on: Option<String>,
    pub document_id: Option<i64>,
    pub by: i64,
}

/// An agency's enquiries over a period, counted.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct AgencyCounts {
    pub agency_id: i64,
    /// Sent in the period.
    pub sent: i64,
    /// Of those, answered.
    pub answered: i64,
    /// Unanswered past their due date now (whenever sent).
    pub overdue: i64,
    /// Chase or escalation tasks waiting to be done now.
    pub chases_needed: i64,
}

impl AgencyCounts {
    fn none(agency_id: i64) -> AgencyCounts {
        AgencyCounts {
            agency_id,
            sent: 0,
            answered: 0,
            overdue: 0,
            chases_needed: 0,
        }
    }
}

/// Which enquiries to list.
#[derive(Debug, Clone, Default)]
pub struct EnquiryFilter {
    pub agency_id: Option<i64>,
    /// Sent on or after this day.
    pub sent_from: Option<String>,
    /// Sent before this day.
    pub sent_until: Option<String>,
    /// `answered`, `open`, `overdue` (on `today`), `due_soon` (due within
    /// a week of `today`) or `chase` (a chase or escalation task waiting).
    pub state: Option<String>,
    pub today: String,
    /// Only those on cases assigned to this person.
    pub assignee: Option<i64>,
    /// Those after this one in the order (its sent day and id): the next
    /// page.
    pub after: Option<crate::Cursor>,
    pub limit: i64,
}

/// What a pass of the follow-up job made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowUpMade {
    pub chases: u64,
    pub reviews: u64,
    /// Tasks to update the constituent on a case quiet for the office's days.
    pub quiet: u64,
}

const ENQUIRY_COLUMNS: &str = "SELECT e.id, e.case_id, e.agency_id, a.name AS agency_name, e.contact_id, \
    k.name AS contact_name, e.escalated_from, e.escalated_to, e.channel, e.asked, e.sent_on, e.due_on, e.chases, \
    e.answered_on, e.answer_id, e.answer_note, e.consent_override, e.created_by, e.version \
    FROM enquiries e JOIN agencies a ON a.id = e.agency_id \
    LEFT JOIN agency_contacts k ON k.id = e.contact_id JOIN cases c ON c.id = e.case_id ";

const TASK_COLUMNS: &str = "SELECT t.id, t.case_id, c.reference AS case_reference, c.title AS case_title, \
    t.enquiry_id, t.kind, t.title, t.note, t.assignee_id, u.display_name AS assignee_name, t.due_on, \
    t.snoozed, t.done_at, t.created_by, t.version \
    FROM tasks t LEFT JOIN cases c ON c.id = t.case_id LEFT JOIN users u ON u.id = t.assignee_id ";

/// Whom a task Casework makes on a case goes to: the case's caseworker
/// (`c`, with `u` their user row), or nobody if they have been deactivated,
/// so that it is on the list of tasks nobody has rather than lost.
pub(crate) const ASSIGNEE: &str = "CASE WHEN u.active THEN c.assignee_id END";

/// The case statuses on which Casework no longer chases or reviews.
const ENDED: &str = "('resolved', 'closed', 'transferred')";

impl OfficeData {
    /// Records an enquiry (and the message that carried it) with an entry
    /// in the case's history.
    pub async fn create_enquiry(&self, e: &NewEnquiry, note: &str, now: i64) -> Result<i64> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let constituent = case_constituent!(tx, office_id, e.case_id);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO enquiries (office_id, case_id, agency_id, contact_id, escalated_from, channel, asked, \
                 sent_on, due_on, chase_on, consent_override, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $12) RETURNING id",
            )
            .bind(office_id)
            .bind(e.case_id)
            .bind(e.agency_id)
            .bind(e.contact_id)
            .bind(e.escalated_from)
            .bind(&e.channel)
            .bind(&e.asked)
            .bind(&e.sent_on)
            .bind(&e.due_on)
            .bind(&e.consent_override)
            .bind(e.by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(m) = e.correspondence_id {
                sqlx::query(
                    "INSERT INTO enquiry_messages (enquiry_id, correspondence_id, kind) VALUES ($1, $2, 'enquiry')",
                )
                .bind(id)
                .bind(m)
                .execute(&mut *tx)
                .await?;
            }
            if let Some(from) = e.escalated_from {
                // The escalation carries the waiting on: no more chases of the first.
                let escalated = sqlx::query(
                    "UPDATE enquiries SET chase_on = NULL, escalated_to = $3, updated_at = $4, version = version + 1 \
                     WHERE id = $1 AND office_id = $2 AND answered_on IS NULL AND escalated_to IS NULL",
                )
                .bind(from)
                .bind(office_id)
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if escalated == 0 {
                    // Answered or escalated by someone else meanwhile.
                    return Err(crate::Error::Conflict);
                }
                close_tasks!(tx, from, Some(e.by), now);
            }
            let mut entry = NewEntry::new("enquiry", Some(e.by), note);
            entry.correspondence_id = e.correspondence_id;
            append_entry!(
                tx,
                office_id,
                Some(constituent),
                Some(e.case_id),
                now,
                &entry
            );
            Ok(id)
        })
    }

    /// A case's enquiries, oldest first (the case must be one the reader may see).
    pub async fn case_enquiries(&self, case_id: i64) -> Result<Vec<Enquiry>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.case_condition("c");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{ENQUIRY_COLUMNS} WHERE e.case_id = $1 AND e.office_id = $2{visible} ORDER BY e.sent_on, e.id"
            )))
            .bind(case_id)
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// One enquiry the reader may see.
    pub async fn enquiry(&self, id: i64) -> Result<Enquiry> {
        let office_id = self.scope.office_id;
        let visible = self.scope.case_condition("c");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{ENQUIRY_COLUMNS} WHERE e.id = $1 AND e.office_id = $2{visible}"
            )))
            .bind(id)
            .bind(office_id)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Records the reply to an enquiry written at `version` (by hand, or a
    /// message on the case), closing its open chase tasks.
    pub async fn answer_enquiry(
        &self,
        id: i64,
        version: i64,
        answered_on: &str,
        answer_id: Option<i64>,
        note: &str,
        by: i64,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        let e = self.enquiry(id).await?;
        in_transaction!(self, |tx| {
            let done = sqlx::query(
                "UPDATE enquiries SET answered_on = $3, answer_id = $4, answer_note = $5, answered_by = $6, \
                 chase_on = NULL, updated_at = $7, version = version + 1 \
                 WHERE id = $1 AND office_id = $2 AND version = $8 AND answered_on IS NULL",
            )
            .bind(id)
            .bind(office_id)
            .bind(answered_on)
            .bind(answer_id)
            .bind(note)
            .bind(by)
            .bind(now)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(Error::Conflict);
            }
            close_tasks!(tx, id, Some(by), now);
            let constituent = case_constituent!(tx, office_id, e.case_id);
            let mut entry = NewEntry::new(
                "enquiry_answered",
                Some(by),
                format!("{} replied ({answered_on}). {note}", e.agency_name)
                    .trim_end()
                    .to_owned(),
            );
            entry.correspondence_id = answer_id;
            append_entry!(
                tx,
                office_id,
                Some(constituent),
                Some(e.case_id),
                now,
                &entry
            );
            Ok(())
        })
    }

    /// Records a chase of an enquiry written at `version`: one more chase,
    /// a new due date (and the next chase task on it), its open chase task
    /// done, the message kept with the enquiry.
    pub async fn record_chase(
        &self,
        id: i64,
        version: i64,
        due_on: &str,
        correspondence_id: Option<i64>,
        note: &str,
        by: i64,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        let e = self.enquiry(id).await?;
        in_transaction!(self, |tx| {
            let done = sqlx::query(
                "UPDATE enquiries SET chases = chases + 1, due_on = $3, chase_on = $3, updated_at = $4, \
                 version = version + 1 WHERE id = $1 AND office_id = $2 AND version = $5 AND answered_on IS NULL \
                 AND escalated_to IS NULL",
            )
            .bind(id)
            .bind(office_id)
            .bind(due_on)
            .bind(now)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(Error::Conflict);
            }
            if let Some(m) = correspondence_id {
                sqlx::query(
                    "INSERT INTO enquiry_messages (enquiry_id, correspondence_id, kind) VALUES ($1, $2, 'chase')",
                )
                .bind(id)
                .bind(m)
                .execute(&mut *tx)
                .await?;
            }
            close_tasks!(tx, id, Some(by), now);
            let constituent = case_constituent!(tx, office_id, e.case_id);
            let mut entry = NewEntry::new("enquiry_chased", Some(by), note);
            entry.correspondence_id = correspondence_id;
            append_entry!(
                tx,
                office_id,
                Some(constituent),
                Some(e.case_id),
                now,
                &entry
            );
            Ok(())
        })
    }

    /// Records consent on a case, with an entry in its history.
    pub async fn create_consent(&self, c: &NewConsent, note: &str, now: i64) -> Result<i64> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let constituent = case_constituent!(tx, office_id, c.case_id);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO consents (office_id, case_id, given_by, for_whom, all_agencies, method, note, \
                 given_on, expires_on, document_id, recorded_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(office_id)
            .bind(c.case_id)
            .bind(&c.given_by)
            .bind(&c.for_whom)
            .bind(c.all_agencies)
            .bind(&c.method)
            .bind(&c.note)
            .bind(&c.given_on)
            .bind(&c.expires_on)
            .bind(c.document_id)
            .bind(c.by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for a in &c.agencies {
                sqlx::query("INSERT INTO consent_agencies (consent_id, agency_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(*a)
                    .execute(&mut *tx)
                    .await?;
            }
            let mut entry = NewEntry::new("consent", Some(c.by), note);
            entry.correspondence_id = c.document_id;
            append_entry!(
                tx,
                office_id,
                Some(constituent),
                Some(c.case_id),
                now,
                &entry
            );
            Ok(id)
        })
    }

    /// A case's consents, newest first (the case must be one the reader may see).
    pub async fn case_consents(&self, case_id: i64) -> Result<Vec<Consent>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.case_condition("c");
        let names = match &self.db {
            crate::Db::Sqlite { .. } => {
                "COALESCE((SELECT group_concat(a.name, '; ') FROM consent_agencies ca \
                 JOIN agencies a ON a.id = ca.agency_id WHERE ca.consent_id = k.id), '') AS agency_names, \
                 COALESCE((SELECT group_concat(ca.agency_id, ',') FROM consent_agencies ca WHERE ca.consent_id = k.id), '') AS agency_ids"
            }
            crate::Db::Postgres(_) => {
                "COALESCE((SELECT string_agg(a.name, '; ' ORDER BY a.name) FROM consent_agencies ca \
                 JOIN agencies a ON a.id = ca.agency_id WHERE ca.consent_id = k.id), '') AS agency_names, \
                 COALESCE((SELECT string_agg(ca.agency_id::text, ',') FROM consent_agencies ca WHERE ca.consent_id = k.id), '') AS agency_ids"
            }
        };
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT k.id, k.case_id, k.given_by, k.for_whom, k.all_agencies, k.method, k.note, k.given_on, \
                 k.expires_on, k.document_id, k.withdrawn_on, k.recorded_by, {names} \
                 FROM consents k JOIN cases c ON c.id = k.case_id \
                 WHERE k.case_id = $1 AND k.office_id = $2{visible} ORDER BY k.given_on DESC, k.id DESC"
            )))
            .bind(case_id)
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Marks a consent withdrawn from `on`, with an entry in the case's history.
    pub async fn withdraw_consent(
        &self,
        case_id: i64,
        consent_id: i64,
        on: &str,
        by: i64,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let constituent = case_constituent!(tx, office_id, case_id);
            let done = sqlx::query(
                "UPDATE consents SET withdrawn_on = $4 WHERE id = $1 AND case_id = $2 AND office_id = $3 \
                 AND withdrawn_on IS NULL",
            )
            .bind(consent_id)
            .bind(case_id)
            .bind(office_id)
            .bind(on)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(Error::NotFound);
            }
            let entry = NewEntry::new("consent", Some(by), format!("Consent withdrawn from {on}."));
            append_entry!(tx, office_id, Some(constituent), Some(case_id), now, &entry);
            Ok(())
        })
    }

    /// Per agency: enquiries sent from `from` until before `until` (dates),
    /// answered, overdue on `today`, chase tasks open; only enquiries on
    /// cases the reader may see.
    pub async fn agency_counts(
        &self,
        from: &str,
        until: &str,
        today: &str,
    ) -> Result<Vec<AgencyCounts>> {
        let office_id = self.scope.office_id;
        let (join, visible) = self.enquiry_case_filter();
        // Three grouped counts, each read from an index of its own
        // (enquiries_sent, enquiries_overdue, tasks_chases), merged here.
        // SQLite is told which: with fresh statistics it preferred indexes
        // that made it read every open task or enquiry.
        let (sent_ix, overdue_ix, chases_ix) = (
            self.sqlite_index("enquiries_sent"),
            self.sqlite_index("enquiries_overdue"),
            self.sqlite_index("tasks_chases"),
        );
        let sent = format!(
            "SELECT e.agency_id, COUNT(*), CAST(SUM(CASE WHEN e.answered_on IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) \
             FROM enquiries e{sent_ix}{join} WHERE e.office_id = $1{visible} AND e.sent_on >= $2 AND e.sent_on < $3 \
             GROUP BY e.agency_id"
        );
        let overdue = format!(
            // (`+`: grouped by hashing, so SQLite reads the overdue ones from
            // their index rather than every enquiry in agency order)
            "SELECT +e.agency_id, COUNT(*) FROM enquiries e{overdue_ix}{join} WHERE e.office_id = $1{visible} \
             AND e.answered_on IS NULL AND e.escalated_to IS NULL AND e.due_on < $2 GROUP BY 1"
        );
        let chases = format!(
            "SELECT e.agency_id, COUNT(*) FROM tasks t{chases_ix} JOIN enquiries e ON e.id = t.enquiry_id{join} \
             WHERE t.office_id = $1{visible} AND t.done_at IS NULL AND t.kind IN ('chase', 'escalate') \
             AND e.answered_on IS NULL GROUP BY e.agency_id"
        );
        // (agency, sent, answered); (agency, overdue); (agency, chases waiting)
        type Counts = (Vec<(i64, i64, i64)>, Vec<(i64, i64)>, Vec<(i64, i64)>);
        // The three at once, each on a connection of its own.
        let (sent, overdue, chases): Counts = on_read!(self, |pool| {
            tokio::try_join!(
                sqlx::query_as(sqlx::AssertSqlSafe(sent))
                    .bind(office_id)
                    .bind(from)
                    .bind(until)
                    .fetch_all(pool),
                sqlx::query_as(sqlx::AssertSqlSafe(overdue))
                    .bind(office_id)
                    .bind(today)
                    .fetch_all(pool),
                sqlx::query_as(sqlx::AssertSqlSafe(chases))
                    .bind(office_id)
                    .fetch_all(pool),
            )?
        });
        let mut by: std::collections::BTreeMap<i64, AgencyCounts> = Default::default();
        for (agency_id, n, answered) in sent {
            let c = by
                .entry(agency_id)
                .or_insert_with(|| AgencyCounts::none(agency_id));
            c.sent = n;
            c.answered = answered;
        }
        for (agency_id, n) in overdue {
            by.entry(agency_id)
                .or_insert_with(|| AgencyCounts::none(agency_id))
                .overdue = n;
        }
        for (agency_id, n) in chases {
            by.entry(agency_id)
                .or_insert_with(|| AgencyCounts::none(agency_id))
                .chases_needed = n;
        }
        Ok(by.into_values().collect())
    }

    /// For a person's calendar: reply dates of the unanswered enquiries and
    /// the review dates of the cases they hold that are still going:
    /// (uid, summary, date, path).
    pub async fn calendar_dates(
        &self,
        user_id: i64,
    ) -> Result<Vec<(String, String, String, String)>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.case_condition("c");
        on_read!(self, |pool| {
            let mut out: Vec<(String, String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT 'enquiry-' || e.id || '-due', 'Reply due: ' || a.name || ' (' || c.reference || ')', \
                 e.due_on, '/enquiries/' || e.id FROM enquiries e JOIN cases c ON c.id = e.case_id \
                 JOIN agencies a ON a.id = e.agency_id \
                 WHERE e.office_id = $1 AND c.assignee_id = $2 AND e.answered_on IS NULL AND e.escalated_to IS NULL \
                 AND c.status NOT IN {ENDED}{visible} ORDER BY e.due_on LIMIT 1000"
            )))
            .bind(office_id)
            .bind(user_id)
            .fetch_all(pool)
            .await?;
            out.extend(
                sqlx::query_as::<_, (String, String, String, String)>(sqlx::AssertSqlSafe(format!(
                    "SELECT 'review-' || c.id || '-' || c.review_date, 'Review ' || c.reference, c.review_date, \
                     '/cases/' || c.id FROM cases c WHERE c.office_id = $1 AND c.assignee_id = $2 \
                     AND c.review_date IS NOT NULL AND c.status NOT IN {ENDED}{visible} ORDER BY c.review_date LIMIT 1000"
                )))
                .bind(office_id)
                .bind(user_id)
                .fetch_all(pool)
                .await?,
            );
            Ok(out)
        })
    }

    /// Enquiries by filter, on cases the reader may see, newest first (by
    /// the day sent, then id).
    pub async fn enquiries(&self, f: &EnquiryFilter) -> Result<Vec<Enquiry>> {
        let office_id = self.scope.office_id;
        let mut sql = format!("{ENQUIRY_COLUMNS} WHERE e.office_id = $1");
        sql.push_str(&self.scope.case_condition("c"));
        if f.agency_id.is_some() {
            sql.push_str(" AND e.agency_id = $2");
        }
        if f.sent_from.is_some() {
            sql.push_str(" AND e.sent_on >= $3");
        }
        if f.sent_until.is_some() {
            sql.push_str(" AND e.sent_on < $4");
        }
        match f.state.as_deref() {
            Some("answered") => sql.push_str(" AND e.answered_on IS NOT NULL AND $5 = $5"),
            Some("open") => sql.push_str(" AND e.answered_on IS NULL AND $5 = $5"),
            Some("overdue") => sql.push_str(
                " AND e.answered_on IS NULL AND e.escalated_to IS NULL AND e.due_on < $5",
            ),
            Some("due_soon") => sql.push_str(
                " AND e.answered_on IS NULL AND e.escalated_to IS NULL AND e.due_on >= $5 AND e.due_on < $7",
            ),
            Some("chase") => sql.push_str(
                " AND e.answered_on IS NULL AND $5 = $5 AND EXISTS (SELECT 1 FROM tasks t WHERE t.enquiry_id = e.id \
                 AND t.done_at IS NULL AND t.kind IN ('chase', 'escalate'))",
            ),
            _ => sql.push_str(" AND $5 = $5"),
        }
        if let Some(p) = f.assignee {
            sql.push_str(&format!(" AND c.assignee_id = {p}"));
        }
        if f.state.as_deref() != Some("due_soon") {
            sql.push_str(" AND $7 = $7");
        }
        if f.after.is_some() {
            sql.push_str(" AND (e.sent_on < $8 OR (e.sent_on = $8 AND e.id < $9))");
        } else {
            sql.push_str(" AND $8 = $8 AND $9 = $9");
        }
        sql.push_str(" ORDER BY e.sent_on DESC, e.id DESC LIMIT $6");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(f.agency_id.unwrap_or(0))
                .bind(f.sent_from.as_deref().unwrap_or(""))
                .bind(f.sent_until.as_deref().unwrap_or(""))
                .bind(f.today.as_str())
                .bind(if f.limit > 0 { f.limit } else { 500 })
                .bind(casework_domain::dates::add_days(&f.today, 7))
                .bind(f.after.as_ref().map_or("", |c| c.key.as_str()))
                .bind(f.after.as_ref().map_or(0, |c| c.id))
                .fetch_all(pool)
                .await?)
        })
    }

    /// The join and condition that keep enquiries to the cases the reader
    /// may see: none at all for those who see every case, else each
    /// enquiry's case checked against the set of those they may not see
    /// (no join: a period's enquiries are many, the hidden cases few).
    fn enquiry_case_filter(&self) -> (&'static str, String) {
        ("", self.scope.case_id_not_hidden("e.case_id"))
    }

    /// Per agency, the days each enquiry sent in the period waited for its
    /// reply (answered ones only), on cases the reader may see.
    pub async fn agency_reply_days(&self, from: &str, until: &str) -> Result<Vec<(i64, i64)>> {
        let office_id = self.scope.office_id;
        let (join, visible) = self.enquiry_case_filter();
        let days = match &self.db {
            crate::Db::Sqlite { .. } => {
                "CAST(julianday(e.answered_on) - julianday(e.sent_on) AS INTEGER)"
            }
            crate::Db::Postgres(_) => "(e.answered_on::date - e.sent_on::date)::BIGINT",
        };
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT e.agency_id, {days} FROM enquiries e{join} \
                 WHERE e.office_id = $1{visible} AND e.sent_on >= $2 AND e.sent_on < $3 \
                 AND e.answered_on IS NOT NULL"
            )))
            .bind(office_id)
            .bind(from)
            .bind(until)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Adds a task (on a case the reader may see, or on its own).
    pub async fn create_task(&self, t: &NewTask, now: i64) -> Result<i64> {
        let office_id = self.scope.office_id;
        if let Some(case_id) = t.case_id {
            self.case_visible(case_id).await?;
        }
        in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO tasks (office_id, case_id, kind, title, note, assignee_id, due_on, created_by, \
                 created_at, updated_at) VALUES ($1, $2, 'task', $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(office_id)
            .bind(t.case_id)
            .bind(&t.title)
            .bind(&t.note)
            .bind(t.assignee_id)
            .bind(&t.due_on)
            .bind(t.by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            Ok(id)
        })
    }

    /// One task the reader may see.
    pub async fn task(&self, id: i64) -> Result<Task> {
        let office_id = self.scope.office_id;
        let visible = self.scope.optional_case_condition("t.case_id", "c");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{TASK_COLUMNS} WHERE t.id = $1 AND t.office_id = $2{visible}"
            )))
            .bind(id)
            .bind(office_id)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Tasks the reader may see, by due date (then newest first).
    pub async fn tasks(&self, f: &TaskFilter) -> Result<Vec<Task>> {
        let mut sql = format!("{TASK_COLUMNS} WHERE t.office_id = $1");
        sql.push_str(&self.task_conditions(f));
        sql.push_str(if f.after.is_some() {
            " AND (t.due_on > $7 OR (t.due_on = $7 AND t.id > $8))"
        } else {
            " AND $7 = $7 AND $8 = $8"
        });
        sql.push_str(" ORDER BY t.due_on, t.id LIMIT $5");
        self.bind_task_filter(sql, f, if f.limit > 0 { f.limit } else { 500 })
            .await
    }

    /// How many tasks a filter finds, counting up to `cap` (a count past it
    /// says "at least").
    pub async fn count_tasks(&self, f: &TaskFilter, cap: i64) -> Result<i64> {
        let mut sql = String::from(
            "SELECT COUNT(*) FROM (SELECT 1 FROM tasks t LEFT JOIN cases c ON c.id = t.case_id \
             WHERE t.office_id = $1",
        );
        sql.push_str(&self.task_conditions(f));
        sql.push_str(" LIMIT $5) x");
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(f.assignee.flatten().unwrap_or(0))
                .bind(f.case_id.unwrap_or(0))
                .bind(f.due_by.as_deref().unwrap_or(""))
                .bind(cap)
                .bind(f.due_from.as_deref().unwrap_or(""))
                .fetch_one(pool)
                .await?)
        })
    }

    /// The conditions of a task filter ($2 assignee, $3 case, $4 due by,
    /// $6 due from), with the reader's visibility of cases.
    fn task_conditions(&self, f: &TaskFilter) -> String {
        let mut sql = self.scope.optional_case_condition("t.case_id", "c");
        match f.assignee {
            Some(Some(_)) => sql.push_str(" AND t.assignee_id = $2"),
            Some(None) => sql.push_str(" AND t.assignee_id IS NULL"),
            None => {}
        }
        if f.case_id.is_some() {
            sql.push_str(" AND t.case_id = $3");
        }
        if f.open_only {
            sql.push_str(" AND t.done_at IS NULL");
        }
        if f.due_by.is_some() {
            sql.push_str(" AND t.due_on <= $4");
        }
        if f.due_from.is_some() {
            sql.push_str(" AND t.due_on >= $6");
        }
        sql
    }

    async fn bind_task_filter(&self, sql: String, f: &TaskFilter, limit: i64) -> Result<Vec<Task>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(f.assignee.flatten().unwrap_or(0))
                .bind(f.case_id.unwrap_or(0))
                .bind(f.due_by.as_deref().unwrap_or(""))
                .bind(limit)
                .bind(f.due_from.as_deref().unwrap_or(""))
                .bind(f.after.as_ref().map_or("", |c| c.key.as_str()))
                .bind(f.after.as_ref().map_or(0, |c| c.id))
                .fetch_all(pool)
                .await?)
        })
    }

    /// Changes a task written at `version`; a task on a case leaves an
    /// entry in the case's history when it is done.
    pub async fn change_task(
        &self,
        id: i64,
        version: i64,
        change: &TaskChange,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        let task = self.task(id).await?;
        in_transaction!(self, |tx| {
            let q = match change {
                TaskChange::Complete { by } => sqlx::query(
                    "UPDATE tasks SET done_at = $3, done_by = $4, updated_at = $3, version = version + 1 \
                     WHERE id = $1 AND office_id = $2 AND version = $5 AND done_at IS NULL",
                )
                .bind(id)
                .bind(office_id)
                .bind(now)
                .bind(*by)
                .bind(version),
                TaskChange::Snooze { until, reason } => sqlx::query(
                    "UPDATE tasks SET due_on = $4, snoozed = $6, updated_at = $3, version = version + 1 \
                     WHERE id = $1 AND office_id = $2 AND version = $5 AND done_at IS NULL",
                )
                .bind(id)
                .bind(office_id)
                .bind(now)
                .bind(until.as_str())
                .bind(version)
                .bind(reason.as_str()),
                TaskChange::Reassign { to } => sqlx::query(
                    "UPDATE tasks SET assignee_id = $4, updated_at = $3, version = version + 1 \
                     WHERE id = $1 AND office_id = $2 AND version = $5",
                )
                .bind(id)
                .bind(office_id)
                .bind(now)
                .bind(*to)
                .bind(version),
                TaskChange::Reopen => sqlx::query(
                    "UPDATE tasks SET done_at = NULL, done_by = NULL, updated_at = $3, version = version + 1 \
                     WHERE id = $1 AND office_id = $2 AND version = $4",
                )
                .bind(id)
                .bind(office_id)
                .bind(now)
                .bind(version),
            };
            if q.execute(&mut *tx).await?.rows_affected() == 0 {
                return Err(Error::Conflict);
            }
            if let (TaskChange::Complete { by }, Some(case_id)) = (change, task.case_id) {
                let constituent = case_constituent!(tx, office_id, case_id);
                let entry = NewEntry::new("task_done", Some(*by), task.title.clone());
                append_entry!(tx, office_id, Some(constituent), Some(case_id), now, &entry);
            }
            Ok(())
        })
    }

    /// Errors with `NotFound` unless the reader may see the case.
    pub(crate) async fn case_visible(&self, case_id: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        let visible = self.scope.case_condition("c");
        let found: Option<i64> = on_read!(self, |pool| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT c.id FROM cases c WHERE c.id = $1 AND c.office_id = $2{visible}"
            )))
            .bind(case_id)
            .bind(office_id)
            .fetch_optional(pool)
            .await?
        });
        found.map(|_| ()).ok_or(Error::NotFound)
    }
}

/// Marks the open tasks Casework made for an enquiry done, inside the
/// transaction `$tx`.
macro_rules! close_tasks {
    ($tx:ident, $enquiry_id:expr, $by:expr, $now:expr) => {
        sqlx::query(
            "UPDATE tasks SET done_at = $2, done_by = $3, updated_at = $2, version = version + 1 \
             WHERE enquiry_id = $1 AND done_at IS NULL AND kind IN ('chase', 'escalate')",
        )
        .bind($enquiry_id)
        .bind($now)
        .bind($by)
        .execute(&mut *$tx)
        .await?
    };
}
pub(crate) use close_tasks;

/// Inside the transaction `$tx` that stores a reply filed on a case: marks
/// answered the case's open enquiries whose messages it replies to, closes
/// their chase tasks and notes each in the case's history.
macro_rules! answer_by_reply {
    ($tx:ident, $office:expr, $case:expr, $constituent:expr, $replied_to:expr, $answer:expr, $day:expr, $now:expr) => {{
        let mut qb = sqlx::QueryBuilder::new(
            "SELECT e.id, a.name FROM enquiries e JOIN agencies a ON a.id = e.agency_id \
             WHERE e.answered_on IS NULL AND e.office_id = ",
        );
        qb.push_bind($office)
            .push(" AND e.case_id = ")
            .push_bind($case)
            .push(" AND e.id IN (SELECT enquiry_id FROM enquiry_messages WHERE correspondence_id IN (");
        let mut sep = qb.separated(", ");
        for m in $replied_to.iter().take(50) {
            sep.push_bind(*m);
        }
        qb.push("))");
        let open: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *$tx).await?;
        let today: &str = $day;
        for (enquiry, agency) in open {
            sqlx::query(
                "UPDATE enquiries SET answered_on = $2, answer_id = $3, chase_on = NULL, updated_at = $4, \
                 version = version + 1 WHERE id = $1 AND answered_on IS NULL",
            )
            .bind(enquiry)
            .bind(&today)
            .bind($answer)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
            $crate::follow_up::close_tasks!($tx, enquiry, None::<i64>, $now);
            let mut entry = $crate::NewEntry::new("enquiry_answered", None, format!("{agency} replied."));
            entry.correspondence_id = Some($answer);
            $crate::common::append_entry!($tx, $office, $constituent, Some($case), $now, &entry);
        }
    }};
}
pub(crate) use answer_by_reply;

impl Store {
    /// A new calendar feed for a person (their earlier one revoked).
    pub async fn create_calendar_feed(
        &self,
        office_id: i64,
        user_id: i64,
        token_hash: &str,
        now: i64,
    ) -> Result<()> {
        in_transaction!(self, |tx| {
            sqlx::query(
                "UPDATE calendar_feeds SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
            )
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO calendar_feeds (office_id, user_id, token_hash, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(office_id)
            .bind(user_id)
            .bind(token_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Ok(())
        })
    }

    /// Revokes a person's calendar feed; how many were live (0 or 1).
    pub async fn revoke_calendar_feed(&self, user_id: i64, now: i64) -> Result<u64> {
        on_write!(self, |pool| {
            Ok(sqlx::query(
                "UPDATE calendar_feeds SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
            )
            .bind(user_id)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected())
        })
    }

    /// When a person's live calendar feed was made, if they have one.
    pub async fn calendar_feed_since(&self, user_id: i64) -> Result<Option<i64>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT created_at FROM calendar_feeds WHERE user_id = $1 AND revoked_at IS NULL",
            )
            .bind(user_id)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// The active person whose live calendar feed has this token hash.
    pub async fn calendar_feed_user(&self, token_hash: &str) -> Result<crate::User> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT u.id, u.office_id, u.email, u.display_name, u.role, u.password_hash, u.active, \
                 u.created_at, u.version FROM calendar_feeds f JOIN users u ON u.id = f.user_id \
                 WHERE f.token_hash = $1 AND f.revoked_at IS NULL AND u.active = TRUE",
            )
            .bind(token_hash)
            .fetch_one(pool)
            .await?)
        })
    }

    /// One pass of the follow-up job over every office, as of the day
    /// `today`: a chase task (or, after the office's number of chases, an
    /// escalation task) for each enquiry whose reply is due and has not
    /// come, on a case still going; a review task for each such case whose
    /// review date has come. Each is made once: its occasion is unique, so
    /// a second server or a second pass adds nothing.
    pub async fn follow_up_pass(
        &self,
        office_id: i64,
        today: &str,
        now: i64,
    ) -> Result<FollowUpMade> {
        let chases = format!(
            "INSERT INTO tasks (office_id, case_id, enquiry_id, kind, occasion, title, assignee_id, due_on, \
             created_at, updated_at) \
             SELECT e.office_id, e.case_id, e.id, \
             CASE WHEN e.chases >= o.chases_before_escalation THEN 'escalate' ELSE 'chase' END, \
             'enquiry:' || e.id || ':' || e.chases, \
             CASE WHEN e.chases >= o.chases_before_escalation THEN 'Escalate: no reply from ' ELSE 'Chase ' END \
             || a.name || ' (' || c.reference || ')', {ASSIGNEE}, e.due_on, $2, $2 \
             FROM enquiries e JOIN cases c ON c.id = e.case_id JOIN agencies a ON a.id = e.agency_id \
             JOIN offices o ON o.id = e.office_id LEFT JOIN users u ON u.id = c.assignee_id \
             WHERE e.chase_on IS NOT NULL AND e.chase_on <= $1 AND e.answered_on IS NULL \
             AND e.office_id = $3 AND c.status NOT IN {ENDED} \
             ON CONFLICT (office_id, occasion) WHERE occasion <> '' DO NOTHING RETURNING enquiry_id"
        );
        let reviews = format!(
            "INSERT INTO tasks (office_id, case_id, kind, occasion, title, assignee_id, due_on, created_at, updated_at) \
             SELECT c.office_id, c.id, 'review', 'review:' || c.id || ':' || c.review_date, \
             'Review ' || c.reference || ': ' || c.title, {ASSIGNEE}, c.review_date, $2, $2 \
             FROM cases c LEFT JOIN users u ON u.id = c.assignee_id WHERE c.review_date IS NOT NULL AND c.review_date <= $1 AND c.office_id = $3 \
             AND c.status NOT IN {ENDED} \
             AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.office_id = c.office_id \
             AND t.occasion <> '' AND t.occasion = 'review:' || c.id || ':' || c.review_date) \
             ON CONFLICT (office_id, occasion) WHERE occasion <> '' DO NOTHING"
        );
        in_transaction!(self, |tx| {
            let made: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(chases))
                .bind(today)
                .bind(now)
                .bind(office_id)
                .fetch_all(&mut *tx)
                .await?;
            // Their chase is made: no more until the next chase sets a date.
            // (A task already there for the same chase was made by another
            // server's pass, which clears its own.)
            for chunk in made.chunks(1000) {
                let mut qb = sqlx::QueryBuilder::new(
                    "UPDATE enquiries SET chase_on = NULL WHERE office_id = ",
                );
                qb.push_bind(office_id).push(" AND id IN (");
                let mut ids = qb.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                qb.push(")");
                qb.build().execute(&mut *tx).await?;
            }
            let chases = made.len() as u64;
            let reviews = sqlx::query(sqlx::AssertSqlSafe(reviews))
                .bind(today)
                .bind(now)
                .bind(office_id)
                .execute(&mut *tx)
                .await?;
            Ok(FollowUpMade {
                chases,
                reviews: reviews.rows_affected(),
                quiet: 0,
            })
        })
    }
}
