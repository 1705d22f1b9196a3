//! Correspondence: storing incoming mail exactly once, filing it, and
//! reading it back for the intake inbox, cases and constituents.

use casework_domain::{Approval, Channel, Direction, MailState};
use sqlx::QueryBuilder;

use crate::common::append_entry;
use crate::model::{Cursor, NewEntry, Page};
use crate::{Error, OfficeData, Result, in_transaction, on_read, on_write};

/// A message as stored (without its body, for lists).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CorrespondenceSummary {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub direction: Direction,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    #[sqlx(try_from = "String")]
    pub state: MailState,
    pub case_id: Option<i64>,
    pub constituent_id: Option<i64>,
    pub from_address: String,
    pub from_name: String,
    pub subject: String,
    pub received_at: i64,
    pub unread: bool,
    pub problems: String,
}

/// A message with everything shown on its page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Correspondence {
    pub id: i64,
    pub office_id: i64,
    #[sqlx(try_from = "String")]
    pub direction: Direction,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    #[sqlx(try_from = "String")]
    pub state: MailState,
    pub case_id: Option<i64>,
    pub constituent_id: Option<i64>,
    pub message_id: String,
    pub in_reply_to: String,
    pub reference_ids: String,
    pub from_address: String,
    pub from_name: String,
    pub to_addresses: String,
    pub cc_addresses: String,
    pub subject: String,
    pub sent_at: Option<i64>,
    pub received_at: i64,
    pub body_text: String,
    pub body_html: Option<String>,
    pub raw_blob: Option<String>,
    pub raw_size: i64,
    pub source: String,
    pub problems: String,
    pub filed_by: Option<i64>,
    pub filed_at: Option<i64>,
    pub unread: bool,
    pub campaign_id: Option<i64>,
    pub personal_addition: String,
    pub flagged: bool,
    /// Letters: whether the letter waits for approval.
    #[sqlx(try_from = "String")]
    pub approval: Approval,
    pub printed_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRecord {
    pub id: i64,
    pub correspondence_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub blob: String,
}

/// Where an incoming message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    Case { case_id: i64, constituent_id: i64 },
    Constituent(i64),
    Intake,
}

/// An incoming message ready to store: its blobs are already written.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub dedupe_key: String,
    pub message_id: String,
    pub in_reply_to: String,
    pub reference_ids: String,
    pub from_address: String,
    pub from_name: String,
    pub to_addresses: String,
    pub cc_addresses: String,
    pub subject: String,
    pub sent_at: Option<i64>,
    pub body_text: String,
    pub body_html: Option<String>,
    pub raw_blob: String,
    pub raw_size: i64,
    pub source: String,
    pub problems: String,
    pub attachments: Vec<NewAttachment>,
    pub filing: Filing,
    /// The stored messages it replies to (by its thread): an enquiry among
    /// them is answered when it is filed on the enquiry's case.
    pub replied_to: Vec<i64>,
    /// The office's day (`YYYY-MM-DD`, its time zone) the message came:
    /// an enquiry it answers was answered that day.
    pub office_day: String,
    /// The postcode found in the sender's signature, if any.
    pub sender_postcode: String,
    /// The campaign the message belongs to, if it is a copy of one.
    pub campaign: Option<CampaignLink>,
    /// A message that may yet start a campaign with later ones: its shingles
    /// and anchors, kept as a candidate.
    pub candidate: Option<Candidate>,
}

/// An attachment to store, its file already in the blob store.
#[derive(Debug, Clone, Default)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// Its key in the blob store.
    pub blob: String,
    /// Its words for search, where they can be read (plain text, a PDF).
    pub text: String,
}

/// A campaign candidate: its shingles (as bytes) and its anchors.
pub type Candidate = (Vec<u8>, Vec<i64>);

/// A message's place in a campaign, decided before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignLink {
    pub id: i64,
    pub addition: String,
    pub flagged: bool,
    /// The campaign is marked "no action": the copy skips the inbox.
    pub quiet: bool,
}

/// Rows per multi-row statement (well under both backends' limits on
/// bound parameters: 28 columns × 200 rows).
const INSERT_ROWS: usize = 200;

/// Where an incoming message is put, from its filing and campaign.
struct Placed<'a> {
    state: &'static str,
    case_id: Option<i64>,
    constituent_id: Option<i64>,
    campaign_id: Option<i64>,
    addition: &'a str,
    flagged: bool,
}

fn placed(m: &Incoming) -> Placed<'_> {
    let (case_id, constituent_id, state) = match m.filing {
        Filing::Case {
            case_id,
            constituent_id,
        } => (Some(case_id), Some(constituent_id), "filed"),
        Filing::Constituent(c) => (None, Some(c), "filed"),
        Filing::Intake if m.campaign.as_ref().is_some_and(|c| c.quiet && !c.flagged) => {
            (None, None, "no_action")
        }
        Filing::Intake => (None, None, "intake"),
    };
    let (campaign_id, addition, flagged) = match &m.campaign {
        Some(c) => (Some(c.id), c.addition.as_str(), c.flagged),
        None => (None, "", false),
    };
    Placed {
        state,
        case_id,
        constituent_id,
        campaign_id,
        addition,
        flagged,
    }
}

/// Filters of the message list behind a Trends count. `None`: any.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    /// Messages with one of these tags (a value and those under it);
    /// empty: any.
    pub tags: Vec<i64>,
    /// Arrived (or sent) at or after, and before (Unix ms).
    pub from: Option<i64>,
    pub before: Option<i64>,
    /// The constituent's ward, or postcode district.
    pub location: Option<String>,
    /// `in`, `out` or `internal`.
    pub direction: Option<String>,
    pub channel: Option<String>,
    /// `intake`, `filed` or `no_action`.
    pub state: Option<String>,
    /// Campaign copies only (`true`) or none (`false`).
    pub campaign: Option<bool>,
    /// Letters printed at or after, and before (Unix ms).
    pub printed_from: Option<i64>,
    pub printed_before: Option<i64>,
    /// Only what waits for approval (letters, and emails held in the outbox).
    pub awaiting_approval: bool,
    /// Only those on cases assigned to this person.
    pub assignee: Option<i64>,
    /// Only incoming mail nobody has opened yet.
    pub unread: bool,
}

/// Newest first from after the cursor, one more than a page (to know
/// whether another follows).
fn newest_first<DB: sqlx::Database>(qb: &mut QueryBuilder<DB>, after: Option<&Cursor>, limit: i64)
where
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    if let Some(c) = after {
        let key: i64 = c.key.parse().unwrap_or(0);
        qb.push(" AND (received_at < ").push_bind(key);
        qb.push(" OR (received_at = ")
            .push_bind(key)
            .push(" AND id < ")
            .push_bind(c.id)
            .push("))");
    }
    qb.push(" ORDER BY received_at DESC, id DESC");
    crate::common::push_limit(qb, limit + 1);
}

fn newest_page(items: Vec<CorrespondenceSummary>, limit: i64) -> Page<CorrespondenceSummary> {
    crate::common::page(items, limit as usize, |m| Cursor {
        key: m.received_at.to_string(),
        id: m.id,
    })
}

const SUMMARY: &str = "SELECT id, direction, channel, state, case_id, constituent_id, from_address, from_name, subject, \
    received_at, unread, problems FROM correspondence ";

impl OfficeData {
    /// Stores a batch of incoming messages in one transaction. Returns, for
    /// each, its new id, or `None` when an identical message was already
    /// stored (exactly once: the unique dedupe key decides, inside the database).
    pub async fn store_incoming(&self, batch: &[Incoming], now: i64) -> Result<Vec<Option<i64>>> {
        self.store_incoming_at(batch, now, None).await
    }

    /// As [`Store::store_incoming`], also moving a mailbox's position
    /// `(mailbox id, UIDVALIDITY, last UID)` in the same transaction, so a
    /// crash can neither skip a message nor store one twice.
    pub async fn store_incoming_at(
        &self,
        batch: &[Incoming],
        now: i64,
        position: Option<(i64, i64, i64)>,
    ) -> Result<Vec<Option<i64>>> {
        let office_id = self.scope.office_id;
        // Where each message goes, decided before anything is written.
        let placed: Vec<Placed<'_>> = batch.iter().map(placed).collect();
        // A message twice in one batch is stored once (the first).
        let mut first_of: std::collections::HashMap<&str, usize> = Default::default();
        let unique: Vec<usize> = (0..batch.len())
            .filter(|&i| *first_of.entry(batch[i].dedupe_key.as_str()).or_insert(i) == i)
            .collect();
        let ids = in_transaction!(self, |tx| {
            // The messages, many to a statement; an identical message already
            // stored is skipped by the unique dedupe key, inside the database.
            let mut stored: std::collections::HashMap<String, i64> = Default::default();
            for chunk in unique.chunks(INSERT_ROWS) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO correspondence (office_id, direction, channel, state, case_id, constituent_id, dedupe_key, \
                     message_id, in_reply_to, reference_ids, from_address, from_name, to_addresses, cc_addresses, subject, \
                     sent_at, received_at, body_text, body_html, raw_blob, raw_size, source, problems, unread, campaign_id, \
                     personal_addition, flagged, sender_postcode) ",
                );
                qb.push_values(chunk, |mut b, &i| {
                    let (m, p) = (&batch[i], &placed[i]);
                    b.push_bind(office_id)
                        .push_bind("in")
                        .push_bind("email")
                        .push_bind(p.state)
                        .push_bind(p.case_id)
                        .push_bind(p.constituent_id)
                        .push_bind(m.dedupe_key.as_str())
                        .push_bind(m.message_id.as_str())
                        .push_bind(m.in_reply_to.as_str())
                        .push_bind(m.reference_ids.as_str())
                        .push_bind(m.from_address.as_str())
                        .push_bind(m.from_name.as_str())
                        .push_bind(m.to_addresses.as_str())
                        .push_bind(m.cc_addresses.as_str())
                        .push_bind(m.subject.as_str())
                        .push_bind(m.sent_at)
                        .push_bind(now)
                        .push_bind(m.body_text.as_str())
                        .push_bind(m.body_html.as_deref())
                        .push_bind(m.raw_blob.as_str())
                        .push_bind(m.raw_size)
                        .push_bind(m.source.as_str())
                        .push_bind(m.problems.as_str())
                        .push_bind(true)
                        .push_bind(p.campaign_id)
                        .push_bind(p.addition)
                        .push_bind(p.flagged)
                        .push_bind(m.sender_postcode.as_str());
                });
                qb.push(" ON CONFLICT (office_id, dedupe_key) DO NOTHING RETURNING id, dedupe_key");
                let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                stored.extend(rows.into_iter().map(|(id, key)| (key, id)));
            }
            let ids: Vec<Option<i64>> = (0..batch.len())
                .map(|i| {
                    let first = first_of.get(batch[i].dedupe_key.as_str()) == Some(&i);
                    first
                        .then(|| stored.get(&batch[i].dedupe_key).copied())
                        .flatten()
                })
                .collect();
            let new: Vec<(usize, i64)> = ids
                .iter()
                .enumerate()
                .filter_map(|(i, id)| id.map(|id| (i, id)))
                .collect();
            // Their attachments.
            let attachments: Vec<(i64, &NewAttachment)> = new
                .iter()
                .flat_map(|&(i, id)| batch[i].attachments.iter().map(move |a| (id, a)))
                .collect();
            for chunk in attachments.chunks(INSERT_ROWS) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO attachments (correspondence_id, filename, content_type, size, blob, text) ",
                );
                qb.push_values(chunk, |mut b, (id, a)| {
                    b.push_bind(*id)
                        .push_bind(a.filename.as_str())
                        .push_bind(a.content_type.as_str())
                        .push_bind(a.size)
                        .push_bind(a.blob.as_str())
                        .push_bind(a.text.as_str());
                });
                qb.build().execute(&mut *tx).await?;
            }
            // The history of the people and cases they were filed on.
            let filed: Vec<(usize, i64)> = new
                .iter()
                .copied()
                .filter(|&(i, _)| placed[i].constituent_id.is_some())
                .collect();
            for chunk in filed.chunks(INSERT_ROWS) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO timeline (office_id, constituent_id, case_id, kind, actor_id, at, body, changes, correspondence_id) ",
                );
                qb.push_values(chunk, |mut b, &(i, id)| {
                    let subject = if batch[i].subject.is_empty() {
                        "(no subject)"
                    } else {
                        batch[i].subject.as_str()
                    };
                    b.push_bind(office_id)
                        .push_bind(placed[i].constituent_id)
                        .push_bind(placed[i].case_id)
                        .push_bind("email_in")
                        .push_bind(None::<i64>)
                        .push_bind(now)
                        .push_bind(subject)
                        .push_bind(None::<String>)
                        .push_bind(id);
                });
                qb.build().execute(&mut *tx).await?;
            }
            for &(i, id) in &filed {
                if let (Some(case_id), false) = (placed[i].case_id, batch[i].replied_to.is_empty())
                {
                    let constituent = placed[i].constituent_id;
                    crate::follow_up::answer_by_reply!(
                        tx,
                        office_id,
                        case_id,
                        constituent,
                        &batch[i].replied_to,
                        id,
                        &batch[i].office_day,
                        now
                    );
                }
            }
            let mut cases: Vec<i64> = filed
                .iter()
                .filter_map(|&(i, _)| placed[i].case_id)
                .collect();
            cases.sort_unstable();
            cases.dedup();
            for chunk in cases.chunks(INSERT_ROWS) {
                let mut qb = QueryBuilder::new("UPDATE cases SET updated_at = ");
                qb.push_bind(now).push(" WHERE id IN (");
                let mut sep = qb.separated(", ");
                for k in chunk {
                    sep.push_bind(*k);
                }
                qb.push(")");
                qb.build().execute(&mut *tx).await?;
            }
            // Candidates that may yet start a campaign.
            let waiting: Vec<(i64, &Candidate)> = new
                .iter()
                .filter(|&&(i, _)| placed[i].campaign_id.is_none() && placed[i].state == "intake")
                .filter_map(|&(i, id)| batch[i].candidate.as_ref().map(|c| (id, c)))
                .collect();
            for chunk in waiting.chunks(INSERT_ROWS) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO campaign_pending (correspondence_id, office_id, received_at, shingles) ",
                );
                qb.push_values(chunk, |mut b, (id, (shingles, _))| {
                    b.push_bind(*id)
                        .push_bind(office_id)
                        .push_bind(now)
                        .push_bind(shingles.as_slice());
                });
                qb.build().execute(&mut *tx).await?;
            }
            let anchors: Vec<(i64, i64)> = waiting
                .iter()
                .flat_map(|(id, (_, anchors))| anchors.iter().map(move |a| (*id, *a)))
                .collect();
            for chunk in anchors.chunks(INSERT_ROWS * 2) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO campaign_anchors (office_id, anchor, correspondence_id) ",
                );
                qb.push_values(chunk, |mut b, (id, anchor)| {
                    b.push_bind(office_id).push_bind(*anchor).push_bind(*id);
                });
                qb.build().execute(&mut *tx).await?;
            }
            // Copies added to each campaign, counted once per batch.
            let mut joined: Vec<(i64, i64)> = Vec::new();
            for &(i, _) in &new {
                if let Some(c) = placed[i].campaign_id {
                    match joined.iter_mut().find(|(k, _)| *k == c) {
                        Some((_, n)) => *n += 1,
                        None => joined.push((c, 1)),
                    }
                }
            }
            for (campaign, n) in &joined {
                sqlx::query(
                    "UPDATE campaigns SET message_count = message_count + $1, last_seen = $2 WHERE id = $3",
                )
                .bind(n)
                .bind(now)
                .bind(campaign)
                .execute(&mut *tx)
                .await?;
            }
            if let Some((mailbox, validity, last_uid)) = position {
                sqlx::query(
                    "UPDATE mailboxes SET uid_validity = $1, last_uid = $2, last_success_at = $3, last_error = '' WHERE id = $4",
                )
                .bind(validity)
                .bind(last_uid)
                .bind(now)
                .bind(mailbox)
                .execute(&mut *tx)
                .await?;
            }
            ids
        });
        Ok(ids)
    }

    /// For a batch of incoming mail: the stored messages (on a constituent)
    /// with these Message-IDs: (Message-ID, id, case, constituent).
    pub async fn thread_cases(
        &self,
        message_ids: &[String],
    ) -> Result<Vec<(String, i64, Option<i64>, i64)>> {
        let office_id = self.scope.office_id;
        if message_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = match &self.db {
            crate::Db::Sqlite { read, .. } => {
                let mut qb = QueryBuilder::new(
                    "SELECT message_id, id, case_id, constituent_id FROM correspondence WHERE office_id = ",
                );
                qb.push_bind(office_id)
                    .push(" AND constituent_id IS NOT NULL AND message_id <> '' AND message_id IN (");
                let mut sep = qb.separated(", ");
                for m in message_ids {
                    sep.push_bind(m.as_str());
                }
                qb.push(")");
                qb.build_query_as().fetch_all(read).await?
            }
            crate::Db::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT message_id, id, case_id, constituent_id FROM correspondence WHERE office_id = $1 \
                     AND constituent_id IS NOT NULL AND message_id <> '' AND message_id = ANY($2)",
                )
                .bind(office_id)
                .bind(message_ids)
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows)
    }

    /// Cases by reference, for a batch: (reference, case id, constituent id).
    pub async fn cases_by_references(
        &self,
        references: &[String],
    ) -> Result<Vec<(String, i64, i64)>> {
        let office_id = self.scope.office_id;
        if references.is_empty() {
            return Ok(Vec::new());
        }
        let rows = match &self.db {
            crate::Db::Sqlite { read, .. } => {
                let mut qb = QueryBuilder::new(
                    "SELECT reference, id, constituent_id FROM cases WHERE office_id = ",
                );
                qb.push_bind(office_id).push(" AND reference IN (");
                let mut sep = qb.separated(", ");
                for r in references {
                    sep.push_bind(r.as_str());
                }
                qb.push(")");
                qb.build_query_as().fetch_all(read).await?
            }
            crate::Db::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT reference, id, constituent_id FROM cases WHERE office_id = $1 AND reference = ANY($2)",
                )
                .bind(office_id)
                .bind(references)
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows)
    }

    pub async fn record_mail_rejection(
        &self,
        source: &str,
        reason: &str,
        raw_blob: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        // A transaction, so that an original handed with `with_files` is kept with it.
        in_transaction!(self, |tx| {
            sqlx::query("INSERT INTO mail_rejections (office_id, source, reason, raw_blob, at) VALUES ($1, $2, $3, $4, $5)")
                .bind(office_id)
                .bind(source)
                .bind(reason)
                .bind(raw_blob)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Messages waiting in the intake inbox, newest first.
    pub async fn intake(
        &self,
        after: Option<&Cursor>,
        limit: i64,
    ) -> Result<Page<CorrespondenceSummary>> {
        let office_id = self.scope.office_id;
        let items: Vec<CorrespondenceSummary> = on_read!(self, |pool| {
            let mut qb = QueryBuilder::new(SUMMARY);
            qb.push(" WHERE office_id = ")
                .push_bind(office_id)
                .push(" AND state = 'intake' AND campaign_id IS NULL");
            qb.push(self.scope.message_condition("correspondence"));
            newest_first(&mut qb, after, limit);
            qb.build_query_as().fetch_all(pool).await?
        });
        Ok(newest_page(items, limit))
    }

    /// The messages the reader may see that arrived (or were sent) in a
    /// period with a tag, or from a location: the list behind a Trends
    /// count, newest first, one page at a time.
    pub async fn list_messages(
        &self,
        filter: &MessageFilter,
        after: Option<&Cursor>,
        limit: i64,
    ) -> Result<Page<CorrespondenceSummary>> {
        let office_id = self.scope.office_id;
        let items: Vec<CorrespondenceSummary> = on_read!(self, |pool| {
            let mut qb = QueryBuilder::new(SUMMARY);
            qb.push(" WHERE office_id = ").push_bind(office_id);
            qb.push(self.scope.message_condition("correspondence"));
            if let Some(from) = filter.from {
                qb.push(" AND received_at >= ").push_bind(from);
            }
            if let Some(before) = filter.before {
                qb.push(" AND received_at < ").push_bind(before);
            }
            crate::common::push_tags_filter(
                &mut qb,
                &filter.tags,
                (
                    "correspondence_tags",
                    "correspondence_id",
                    "correspondence.id",
                ),
                filter.from.is_some() || filter.before.is_some(),
            );
            if let Some(place) = &filter.location {
                qb.push(format_args!(
                    " AND EXISTS (SELECT 1 FROM constituents p WHERE p.id = correspondence.constituent_id AND {} = ",
                    crate::trends::location_sql(office_id)
                ))
                .push_bind(place.as_str())
                .push(")");
            }
            if let Some(d) = &filter.direction {
                qb.push(" AND direction = ").push_bind(d.as_str());
            }
            if let Some(c) = &filter.channel {
                qb.push(" AND channel = ").push_bind(c.as_str());
            }
            if let Some(st) = &filter.state {
                qb.push(" AND state = ").push_bind(st.as_str());
            }
            match filter.campaign {
                Some(true) => {
                    qb.push(" AND campaign_id IS NOT NULL");
                }
                Some(false) => {
                    qb.push(" AND campaign_id IS NULL");
                }
                None => {}
            }
            if filter.printed_from.is_some() || filter.printed_before.is_some() {
                qb.push(" AND channel = 'letter' AND printed_at >= ")
                    .push_bind(filter.printed_from.unwrap_or(i64::MIN))
                    .push(" AND printed_at < ")
                    .push_bind(filter.printed_before.unwrap_or(i64::MAX));
            }
            if filter.awaiting_approval {
                qb.push(" AND id IN (SELECT id FROM correspondence WHERE office_id = ")
                    .push_bind(office_id)
                    .push(" AND approval = 'awaiting' UNION SELECT correspondence_id FROM outbox WHERE office_id = ")
                    .push_bind(office_id)
                    .push(" AND state = 'awaiting_approval')");
            }
            if filter.unread {
                qb.push(" AND unread = TRUE AND direction = 'in'");
            }
            if let Some(p) = filter.assignee {
                qb.push(" AND case_id IN (SELECT id FROM cases WHERE office_id = ")
                    .push_bind(office_id)
                    .push(" AND assignee_id = ")
                    .push_bind(p)
                    .push(")");
            }
            newest_first(&mut qb, after, limit);
            qb.build_query_as().fetch_all(pool).await?
        });
        Ok(newest_page(items, limit))
    }

    /// One message of the office, if its case (when it has one) is one the
    /// reader may see; otherwise "not found".
    pub async fn correspondence(&self, id: i64) -> Result<Correspondence> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("correspondence");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, office_id, direction, channel, state, case_id, constituent_id, message_id, in_reply_to, reference_ids, \
                 from_address, from_name, to_addresses, cc_addresses, subject, sent_at, received_at, body_text, body_html, raw_blob, \
                 raw_size, source, problems, filed_by, filed_at, unread, campaign_id, personal_addition, flagged, approval, printed_at \
                 FROM correspondence WHERE id = $1 AND office_id = $2{visible}",
            )))
            .bind(id)
            .bind(office_id)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn attachments(&self, correspondence_id: i64) -> Result<Vec<AttachmentRecord>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("m");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT a.id, a.correspondence_id, a.filename, a.content_type, a.size, a.blob FROM attachments a \
                 JOIN correspondence m ON m.id = a.correspondence_id \
                 WHERE a.correspondence_id = $1 AND m.office_id = $2{visible} ORDER BY a.id",
            )))
            .bind(correspondence_id)
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// A case's correspondence, oldest first.
    pub async fn case_correspondence(&self, case_id: i64) -> Result<Vec<CorrespondenceSummary>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            let mut qb = QueryBuilder::new(SUMMARY);
            qb.push(" WHERE office_id = ")
                .push_bind(office_id)
                .push(" AND case_id = ")
                .push_bind(case_id);
            qb.push(self.scope.message_condition("correspondence"));
            qb.push(" ORDER BY received_at, id LIMIT 5000");
            Ok(qb.build_query_as().fetch_all(pool).await?)
        })
    }

    /// Files an intake message on a constituent (and perhaps a case), with a
    /// timeline entry, and changes its tags; a message filed on a constituent
    /// alone can later be put on one of their cases. Refuses if someone else
    /// filed it first.
    pub async fn file_correspondence(
        &self,
        id: i64,
        constituent_id: i64,
        case_id: Option<i64>,
        actor_id: i64,
        tags: &crate::TagChange,
        tags_entry: Option<&NewEntry>,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let n = sqlx::query(
                "UPDATE correspondence SET state = 'filed', constituent_id = $1, case_id = $2, filed_by = $3, filed_at = $4 \
                 WHERE id = $5 AND office_id = $6 AND (state = 'intake' OR (state = 'filed' AND case_id IS NULL AND constituent_id = $1))",
            )
            .bind(constituent_id)
            .bind(case_id)
            .bind(actor_id)
            .bind(now)
            .bind(id)
            .bind(office_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                let exists: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM correspondence WHERE id = $1 AND office_id = $2",
                )
                .bind(id)
                .bind(office_id)
                .fetch_optional(&mut *tx)
                .await?;
                return Err(if exists.is_some() {
                    Error::Conflict
                } else {
                    Error::NotFound
                });
            }
            sqlx::query("DELETE FROM campaign_pending WHERE correspondence_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let subject: String =
                sqlx::query_scalar("SELECT subject FROM correspondence WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            let mut entry = NewEntry::new(
                "email_in",
                Some(actor_id),
                if subject.is_empty() {
                    "(no subject)".to_owned()
                } else {
                    subject
                },
            );
            entry.correspondence_id = Some(id);
            append_entry!(tx, office_id, Some(constituent_id), case_id, now, &entry);
            if let Some(k) = case_id {
                sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(k)
                    .execute(&mut *tx)
                    .await?;
            }
            // The tags chosen while filing, in the same transaction: a
            // message is never filed with half its tags.
            if !tags.is_empty() {
                crate::tags::write_item_tags!(
                    tx,
                    office_id,
                    "correspondence_tags",
                    "correspondence_id",
                    id,
                    tags,
                    now
                );
                crate::tags::sync_restricted!(tx, format!("id = {id}"));
                if let Some(e) = tags_entry {
                    append_entry!(tx, office_id, Some(constituent_id), case_id, now, e);
                }
            }
        });
        Ok(())
    }

    /// Takes a message out of the intake inbox without filing it.
    pub async fn mark_no_action(&self, id: i64, actor_id: i64, now: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            let n = sqlx::query(
                "UPDATE correspondence SET state = 'no_action', filed_by = $1, filed_at = $2 WHERE id = $3 AND office_id = $4 AND state = 'intake'",
            )
            .bind(actor_id)
            .bind(now)
            .bind(id)
            .bind(office_id)
            .execute(pool)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::Conflict);
            }
            sqlx::query("DELETE FROM campaign_pending WHERE correspondence_id = $1")
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn mark_read(&self, id: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            sqlx::query("UPDATE correspondence SET unread = FALSE WHERE id = $1 AND office_id = $2 AND unread = TRUE")
                .bind(id)
                .bind(office_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Whether the case has unread incoming mail, for "new reply" markers.
    pub async fn unread_cases(&self, case_ids: &[i64]) -> Result<Vec<i64>> {
        if case_ids.is_empty() {
            return Ok(Vec::new());
        }
        on_read!(self, |pool| {
            let mut qb = QueryBuilder::new("SELECT DISTINCT case_id FROM (");
            self.push_unread_cases(&mut qb, case_ids);
            qb.push(") u");
            let rows: Vec<(i64,)> = qb.build_query_as().fetch_all(pool).await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        })
    }

    /// `SELECT case_id` of the reader's unread incoming mail on these cases
    /// (a case once per message).
    pub(crate) fn push_unread_cases<DB: sqlx::Database>(
        &self,
        qb: &mut QueryBuilder<DB>,
        case_ids: &[i64],
    ) where
        i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        qb.push("SELECT case_id FROM correspondence WHERE office_id = ");
        qb.push_bind(self.scope.office_id)
            .push(" AND unread = TRUE AND direction = 'in' AND case_id IN (");
        let mut sep = qb.separated(", ");
        for id in case_ids {
            sep.push_bind(*id);
        }
        qb.push(")");
        qb.push(self.scope.message_condition("correspondence"));
    }
}
