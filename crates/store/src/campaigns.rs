//! Campaigns: near-identical incoming messages grouped as one, the
//! candidates that may yet form one, and the reply sent to every sender.

use casework_domain::{CampaignState, MailState, ReplyState};
use sqlx::QueryBuilder;

use crate::common::append_entry;
use crate::model::NewEntry;
use crate::{Db, Error, OfficeData, Result, Store, in_transaction, on_read, on_write};

/// Brings a campaign's count and first/last seen up to date inside `$tx`.
macro_rules! recount {
    ($tx:ident, $id:expr) => {{
        sqlx::query(
            "UPDATE campaigns SET message_count = (SELECT COUNT(*) FROM correspondence WHERE campaign_id = $1), \
             first_seen = COALESCE((SELECT MIN(received_at) FROM correspondence WHERE campaign_id = $1), first_seen), \
             last_seen = COALESCE((SELECT MAX(received_at) FROM correspondence WHERE campaign_id = $1), last_seen) WHERE id = $1",
        )
        .bind($id)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// What the grouping code keeps in memory of a campaign.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignTemplate {
    pub id: i64,
    /// The campaign messages go to: itself, or the one it was merged into.
    pub target_id: i64,
    /// The state of the target campaign.
    #[sqlx(try_from = "String")]
    pub state: CampaignState,
    pub template: Vec<u8>,
    pub template_basis: i64,
    pub message_count: i64,
    pub reply_auto: bool,
    #[sqlx(try_from = "String")]
    pub reply_state: ReplyState,
}

/// A line of the campaign list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignSummary {
    pub id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub state: CampaignState,
    pub message_count: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    pub today_count: i64,
    pub flagged_count: i64,
    pub sample_subject: Option<String>,
    #[sqlx(try_from = "String")]
    pub reply_state: ReplyState,
}

/// A campaign with everything its page shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Campaign {
    pub id: i64,
    pub office_id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub state: CampaignState,
    pub merged_into: Option<i64>,
    pub sample_id: Option<i64>,
    pub message_count: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    pub reply_subject: String,
    pub reply_body: String,
    #[sqlx(try_from = "String")]
    pub reply_state: ReplyState,
    pub reply_outside: String,
    pub reply_outside_subject: String,
    pub reply_outside_body: String,
    pub reply_auto: bool,
    pub reply_approved_by: Option<i64>,
    pub reply_updated_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// One message of a campaign.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignMessage {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub state: MailState,
    pub from_address: String,
    pub from_name: String,
    pub subject: String,
    pub received_at: i64,
    pub personal_addition: String,
    pub flagged: bool,
    pub constituent_id: Option<i64>,
    pub case_id: Option<i64>,
    pub sender_postcode: String,
}

/// A person who wrote to a campaign, with what the reply needs to know.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignSender {
    pub email: String,
    pub from_name: String,
    pub sender_postcode: String,
    pub copies: i64,
    pub first_at: i64,
    pub last_message_id: String,
    pub constituent_id: Option<i64>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub postcode: Option<String>,
    pub address: Option<String>,
    pub do_not_email: Option<bool>,
}

/// A member's personal addition, as computed against its campaign's template.
#[derive(Debug, Clone)]
pub struct MemberAddition {
    pub id: i64,
    pub addition: String,
    pub flagged: bool,
}

/// A campaign about to be formed from messages already stored.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub template: Vec<u8>,
    pub sample_id: i64,
    pub members: Vec<MemberAddition>,
}

/// The reply to a campaign as a person edits it.
#[derive(Debug, Clone)]
pub struct CampaignReply {
    pub subject: String,
    pub body: String,
    pub outside: String,
    /// The reply for people outside the district, when `outside` is `other`.
    pub outside_subject: String,
    pub outside_body: String,
    pub auto: bool,
    /// 'draft' or 'awaiting_approval'.
    pub state: ReplyState,
}

/// One recipient's outcome when a reply is sent to a campaign.
#[derive(Debug, Clone)]
pub struct ReplyRecipient {
    pub email: String,
    /// `queued`, `do_not_email` or `outside_district`.
    pub outcome: String,
    pub message: Option<QueuedReply>,
}

/// An outgoing reply ready to queue; its bytes are already in the blob store.
#[derive(Debug, Clone)]
pub struct QueuedReply {
    pub constituent_id: Option<i64>,
    pub dedupe_key: String,
    pub message_id: String,
    pub in_reply_to: String,
    pub from_address: String,
    pub subject: String,
    pub body_text: String,
    pub raw_blob: String,
    pub raw_size: i64,
}

/// How far a campaign's reply has gone.
#[derive(Debug, Clone, Default)]
pub struct ReplyProgress {
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub do_not_email: i64,
    pub outside_district: i64,
}

/// A row of the campaign's CSV export.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignExportRow {
    pub id: i64,
    pub from_address: String,
    pub from_name: String,
    pub sender_postcode: String,
    pub received_at: i64,
    pub constituent_id: Option<i64>,
    pub flagged: bool,
    #[sqlx(try_from = "String")]
    pub state: MailState,
}

const SUMMARY: &str = "SELECT c.id, c.name, c.state, c.message_count, c.first_seen, c.last_seen, \
    (SELECT COUNT(*) FROM correspondence m WHERE m.campaign_id = c.id AND m.received_at >= $2) AS today_count, \
    (SELECT COUNT(*) FROM correspondence m WHERE m.campaign_id = c.id AND m.flagged AND m.state = 'intake') AS flagged_count, \
    (SELECT s.subject FROM correspondence s WHERE s.id = c.sample_id) AS sample_subject, c.reply_state \
    FROM campaigns c WHERE c.office_id = $1 ";

const CAMPAIGN: &str = "SELECT id, office_id, name, state, merged_into, sample_id, message_count, first_seen, last_seen, \
    reply_subject, reply_body, reply_state, reply_outside, reply_outside_subject, reply_outside_body, reply_auto, reply_approved_by, reply_updated_by, created_at, \
    updated_at, version FROM campaigns ";

impl Store {
    /// The shingles of waiting messages.
    pub async fn candidate_shingles(&self, ids: &[i64]) -> Result<Vec<(i64, Vec<u8>)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = match &self.db {
            Db::Sqlite { read, .. } => {
                let mut qb = QueryBuilder::new(
                    "SELECT correspondence_id, shingles FROM campaign_pending WHERE correspondence_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in ids {
                    sep.push_bind(*id);
                }
                qb.push(")");
                qb.build_query_as().fetch_all(read).await?
            }
            Db::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT correspondence_id, shingles FROM campaign_pending WHERE correspondence_id = ANY($1)",
                )
                .bind(ids)
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows)
    }

    /// Drops waiting messages older than `before` from the candidates, in
    /// every office (they stay in the intake inbox; they just no longer
    /// start campaigns).
    pub async fn expire_campaign_candidates(&self, before: i64) -> Result<u64> {
        on_write!(self, |pool| {
            Ok(
                sqlx::query("DELETE FROM campaign_pending WHERE received_at < $1")
                    .bind(before)
                    .execute(pool)
                    .await?
                    .rows_affected(),
            )
        })
    }

    /// Messages sent in the last minute, for throttling to the SMTP server's limit.
    pub async fn sent_since(&self, since: i64) -> Result<i64> {
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND sent_at > $1",
            )
            .bind(since)
            .fetch_one(pool)
            .await?)
        })
    }
}

impl OfficeData {
    /// A cheap stamp that changes whenever any campaign of the office is
    /// formed, merged, re-templated, changes state or grows, so caches know to reload.
    pub async fn campaign_stamp(&self) -> Result<(i64, i64, i64)> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            let (n, v, m): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), CAST(SUM(version) AS BIGINT), CAST(SUM(message_count) AS BIGINT) FROM campaigns WHERE office_id = $1",
            )
            .bind(office_id)
            .fetch_one(pool)
            .await?;
            Ok((n, v.unwrap_or(0), m.unwrap_or(0)))
        })
    }

    /// Every campaign's template, merged ones pointing at where they went.
    pub async fn campaign_templates(&self) -> Result<Vec<CampaignTemplate>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT c.id, COALESCE(t.id, c.id) AS target_id, COALESCE(t.state, c.state) AS state, c.template, \
                 c.template_basis, c.message_count, COALESCE(t.reply_auto, c.reply_auto) AS reply_auto, \
                 COALESCE(t.reply_state, c.reply_state) AS reply_state \
                 FROM campaigns c LEFT JOIN campaigns t ON t.id = c.merged_into WHERE c.office_id = $1 ORDER BY c.id",
            )
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// (waiting message, anchor) for every waiting message holding one of these anchors.
    pub async fn anchor_holders(&self, anchors: &[i64]) -> Result<Vec<(i64, i64)>> {
        let office_id = self.scope.office_id;
        if anchors.is_empty() {
            return Ok(Vec::new());
        }
        let rows = match &self.db {
            Db::Sqlite { read, .. } => {
                let mut qb = QueryBuilder::new(
                    "SELECT correspondence_id, anchor FROM campaign_anchors WHERE office_id = ",
                );
                qb.push_bind(office_id).push(" AND anchor IN (");
                let mut sep = qb.separated(", ");
                for a in anchors {
                    sep.push_bind(*a);
                }
                qb.push(")");
                qb.build_query_as().fetch_all(read).await?
            }
            // One array parameter: a long IN list is slow to plan on PostgreSQL.
            Db::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT correspondence_id, anchor FROM campaign_anchors WHERE office_id = $1 AND anchor = ANY($2)",
                )
                .bind(office_id)
                .bind(anchors)
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows)
    }

    /// The most recent waiting messages of the office, with their shingles.
    pub async fn recent_candidates(&self, limit: i64) -> Result<Vec<(i64, Vec<u8>)>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT correspondence_id, shingles FROM campaign_pending WHERE office_id = $1 \
                 ORDER BY received_at DESC, correspondence_id DESC LIMIT $2",
            )
            .bind(office_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Forms a campaign from stored messages that are not yet in one; those
    /// taken meanwhile by another campaign are left where they are. Returns
    /// the new campaign's id and how many messages it took.
    pub async fn form_campaign(&self, c: &NewCampaign, now: i64) -> Result<(i64, u64)> {
        let office_id = self.scope.office_id;
        let out = in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO campaigns (office_id, name, template, template_basis, sample_id, first_seen, last_seen, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $6, $6) RETURNING id",
            )
            .bind(office_id)
            .bind(&c.name)
            .bind(&c.template)
            .bind(c.members.len() as i64)
            .bind(c.sample_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let mut taken = 0;
            for m in &c.members {
                taken += sqlx::query(
                    "UPDATE correspondence SET campaign_id = $1, personal_addition = $2, flagged = $3 \
                     WHERE id = $4 AND office_id = $5 AND campaign_id IS NULL",
                )
                .bind(id)
                .bind(&m.addition)
                .bind(m.flagged)
                .bind(m.id)
                .bind(office_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::query("DELETE FROM campaign_pending WHERE correspondence_id = $1")
                    .bind(m.id)
                    .execute(&mut *tx)
                    .await?;
            }
            recount!(tx, id);
            (id, taken)
        });
        Ok(out)
    }

    /// Puts waiting messages into an existing campaign.
    pub async fn join_campaign(
        &self,
        campaign_id: i64,
        members: &[MemberAddition],
        quiet: bool,
    ) -> Result<u64> {
        let office_id = self.scope.office_id;
        let n = in_transaction!(self, |tx| {
            let mut taken = 0;
            for m in members {
                taken += sqlx::query(
                    "UPDATE correspondence SET campaign_id = $1, personal_addition = $2, flagged = $3, \
                     state = CASE WHEN $6 AND NOT $3 AND state = 'intake' THEN 'no_action' ELSE state END \
                     WHERE id = $4 AND office_id = $5 AND campaign_id IS NULL",
                )
                .bind(campaign_id)
                .bind(&m.addition)
                .bind(m.flagged)
                .bind(m.id)
                .bind(office_id)
                .bind(quiet)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::query("DELETE FROM campaign_pending WHERE correspondence_id = $1")
                    .bind(m.id)
                    .execute(&mut *tx)
                    .await?;
            }
            recount!(tx, campaign_id);
            taken
        });
        Ok(n)
    }

    /// Replaces a campaign's template (made from more copies) and the
    /// personal additions computed against it.
    pub async fn retemplate_campaign(
        &self,
        campaign_id: i64,
        template: &[u8],
        basis: i64,
        additions: &[MemberAddition],
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            sqlx::query(
                "UPDATE campaigns SET template = $1, template_basis = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND office_id = $5",
            )
            .bind(template)
            .bind(basis)
            .bind(now)
            .bind(campaign_id)
            .bind(office_id)
            .execute(&mut *tx)
            .await?;
            for m in additions {
                sqlx::query(
                    "UPDATE correspondence SET personal_addition = $1, flagged = $2 WHERE id = $3 AND campaign_id = $4 AND office_id = $5",
                )
                .bind(&m.addition)
                .bind(m.flagged)
                .bind(m.id)
                .bind(campaign_id)
                .bind(office_id)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    /// The sender and text of a campaign's messages, oldest first, for its template.
    pub async fn campaign_texts(
        &self,
        campaign_id: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String)>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, from_address, body_text FROM correspondence WHERE campaign_id = $1 AND office_id = $3 ORDER BY received_at, id LIMIT $2",
            )
            .bind(campaign_id)
            .bind(limit)
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The text of some messages of the office, by id.
    pub async fn correspondence_texts(&self, ids: &[i64]) -> Result<Vec<(i64, String)>> {
        let office_id = self.scope.office_id;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        on_read!(self, |pool| {
            let mut qb =
                QueryBuilder::new("SELECT id, body_text FROM correspondence WHERE office_id = ");
            qb.push_bind(office_id).push(" AND id IN (");
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            qb.push(") ORDER BY id");
            let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(pool).await?;
            Ok(rows)
        })
    }

    /// How many messages wait as candidates, and the bytes of their shingles.
    pub async fn campaign_candidate_size(&self) -> Result<(i64, i64)> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            let (n, b): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), CAST(SUM(LENGTH(shingles)) AS BIGINT) FROM campaign_pending WHERE office_id = $1",
            )
            .bind(office_id)
            .fetch_one(pool)
            .await?;
            Ok((n, b.unwrap_or(0)))
        })
    }

    /// The office's campaigns (merged ones left out), busiest first.
    /// `today` is the start of the day, for the "today" count.
    pub async fn campaigns(&self, today: i64, open_only: bool) -> Result<Vec<CampaignSummary>> {
        let office_id = self.scope.office_id;
        // Counts leave out messages on cases the reader may not see, as the
        // campaign's list of messages does.
        let summary = SUMMARY
            .replace(
                "c.message_count,",
                &format!(
                    "c.message_count - {} AS message_count,",
                    self.scope.hidden_campaign_messages("c.id")
                ),
            )
            .replace(
                "m.campaign_id = c.id AND",
                &format!(
                    "m.campaign_id = c.id{} AND",
                    self.scope.message_condition("m")
                ),
            )
            // The sample's subject only when its message may be seen.
            .replace(
                "WHERE s.id = c.sample_id)",
                &format!(
                    "WHERE s.id = c.sample_id{})",
                    self.scope.message_condition("s")
                ),
            );
        on_read!(self, |pool| {
            let sql = format!(
                "{summary} AND c.state {} ORDER BY c.last_seen DESC, c.id DESC LIMIT 500",
                if open_only { "= 'open'" } else { "<> 'merged'" }
            );
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(today)
                .fetch_all(pool)
                .await?)
        })
    }

    pub async fn campaign(&self, id: i64) -> Result<Campaign> {
        let office_id = self.scope.office_id;
        let columns = CAMPAIGN.replace(
            " message_count,",
            &format!(
                " message_count - {} AS message_count,",
                self.scope.hidden_campaign_messages("campaigns.id")
            ),
        );
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{columns} WHERE id = $1 AND office_id = $2"
            )))
            .bind(id)
            .bind(office_id)
            .fetch_one(pool)
            .await?)
        })
    }

    /// A campaign's messages: flagged ones first, then newest first.
    pub async fn campaign_messages(
        &self,
        campaign_id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<CampaignMessage>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("m");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT m.id, m.state, m.from_address, m.from_name, m.subject, m.received_at, m.personal_addition, \
                 m.flagged, m.constituent_id, m.case_id, m.sender_postcode \
                 FROM correspondence m LEFT JOIN cases c ON c.id = m.case_id \
                 WHERE m.campaign_id = $1 AND m.office_id = $4{visible} \
                 ORDER BY m.flagged DESC, m.received_at DESC, m.id DESC LIMIT $2 OFFSET $3",
            )))
            .bind(campaign_id)
            .bind(limit)
            .bind(offset)
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Every message of a campaign for the CSV export, oldest first.
    pub async fn campaign_export(&self, campaign_id: i64) -> Result<Vec<CampaignExportRow>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("m");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT m.id, m.from_address, m.from_name, m.sender_postcode, m.received_at, m.constituent_id, m.flagged, m.state \
                 FROM correspondence m LEFT JOIN cases c ON c.id = m.case_id \
                 WHERE m.campaign_id = $1 AND m.office_id = $2{visible} ORDER BY m.received_at, m.id",
            )))
            .bind(campaign_id)
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn rename_campaign(&self, id: i64, name: &str, version: i64, now: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            let n = sqlx::query(
                "UPDATE campaigns SET name = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND office_id = $4 AND version = $5",
            )
            .bind(name)
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
        });
        Ok(())
    }

    /// Marks a campaign "no action" (its unflagged intake messages leave the
    /// inbox, and so will later copies) or opens it again.
    pub async fn set_campaign_state(
        &self,
        id: i64,
        state: CampaignState,
        actor_id: i64,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let n = sqlx::query(
                "UPDATE campaigns SET state = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND office_id = $4 AND state <> 'merged'",
            )
            .bind(state.as_str())
            .bind(now)
            .bind(id)
            .bind(office_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::Conflict);
            }
            if state == CampaignState::NoAction {
                sqlx::query(
                    "UPDATE correspondence SET state = 'no_action', filed_by = $1, filed_at = $2 \
                     WHERE campaign_id = $3 AND state = 'intake' AND NOT flagged",
                )
                .bind(actor_id)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    /// Moves every message of `from` into `into`; `from` is kept as an alias
    /// so its later copies go to `into` too.
    pub async fn merge_campaigns(&self, from: i64, into: i64, now: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        if from == into {
            return Err(Error::Conflict);
        }
        in_transaction!(self, |tx| {
            let both: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM campaigns WHERE office_id = $1 AND id IN ($2, $3) AND state <> 'merged'",
            )
            .bind(office_id)
            .bind(from)
            .bind(into)
            .fetch_one(&mut *tx)
            .await?;
            if both != 2 {
                return Err(Error::Conflict);
            }
            sqlx::query("UPDATE correspondence SET campaign_id = $1 WHERE campaign_id = $2")
                .bind(into)
                .bind(from)
                .execute(&mut *tx)
                .await?;
            // Earlier aliases of `from` follow it.
            sqlx::query("UPDATE campaigns SET merged_into = $1 WHERE merged_into = $2")
                .bind(into)
                .bind(from)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE campaigns SET state = 'merged', merged_into = $1, message_count = 0, updated_at = $2, version = version + 1 WHERE id = $3",
            )
            .bind(into)
            .bind(now)
            .bind(from)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE campaigns SET updated_at = $1, version = version + 1 WHERE id = $2",
            )
            .bind(now)
            .bind(into)
            .execute(&mut *tx)
            .await?;
            recount!(tx, into);
        });
        Ok(())
    }

    /// Takes a message out of its campaign and back to the intake inbox.
    pub async fn split_from_campaign(&self, campaign_id: i64, message_id: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let n = sqlx::query(
                "UPDATE correspondence SET campaign_id = NULL, personal_addition = '', flagged = FALSE, \
                 state = CASE WHEN state = 'no_action' THEN 'intake' ELSE state END, \
                 filed_by = CASE WHEN state = 'no_action' THEN NULL ELSE filed_by END \
                 WHERE id = $1 AND office_id = $2 AND campaign_id = $3",
            )
            .bind(message_id)
            .bind(office_id)
            .bind(campaign_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::NotFound);
            }
            recount!(tx, campaign_id);
        });
        Ok(())
    }

    /// Saves the reply being written for a campaign; any change needs a new approval.
    pub async fn save_campaign_reply(
        &self,
        id: i64,
        r: &CampaignReply,
        actor_id: i64,
        version: i64,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            let n = sqlx::query(
                "UPDATE campaigns SET reply_subject = $1, reply_body = $2, reply_outside = $3, reply_auto = $4, reply_state = $5, \
                 reply_approved_by = NULL, reply_updated_by = $6, updated_at = $7, version = version + 1, \
                 reply_outside_subject = $11, reply_outside_body = $12 \
                 WHERE id = $8 AND office_id = $9 AND version = $10 AND reply_state <> 'sending'",
            )
            .bind(&r.subject)
            .bind(&r.body)
            .bind(&r.outside)
            .bind(r.auto)
            .bind(r.state.as_str())
            .bind(actor_id)
            .bind(now)
            .bind(id)
            .bind(office_id)
            .bind(version)
            .bind(&r.outside_subject)
            .bind(&r.outside_body)
            .execute(pool)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::Conflict);
            }
        });
        Ok(())
    }

    /// Approves the reply exactly as it was when `version` was read.
    pub async fn approve_campaign_reply(
        &self,
        id: i64,
        actor_id: i64,
        version: i64,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            let n = sqlx::query(
                "UPDATE campaigns SET reply_state = 'approved', reply_approved_by = $1, updated_at = $2, version = version + 1 \
                 WHERE id = $3 AND office_id = $4 AND version = $5 AND reply_state IN ('draft', 'awaiting_approval') AND reply_body <> ''",
            )
            .bind(actor_id)
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
        });
        Ok(())
    }

    /// Everyone who wrote to a campaign, once per address, with their
    /// constituent record when the address matches exactly one.
    pub async fn campaign_senders(&self, campaign_id: i64) -> Result<Vec<CampaignSender>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT s.email, s.from_name, s.sender_postcode, s.copies, s.first_at, s.last_message_id, k.id AS constituent_id, \
                 k.first_name, k.last_name, k.postcode, k.address, k.do_not_email FROM \
                 (SELECT from_address AS email, MAX(from_name) AS from_name, MAX(sender_postcode) AS sender_postcode, \
                  COUNT(*) AS copies, MIN(received_at) AS first_at, MAX(message_id) AS last_message_id, \
                  MAX(constituent_id) AS constituent_id FROM correspondence \
                  WHERE campaign_id = $1 AND office_id = $2 AND direction = 'in' AND from_address <> '' GROUP BY from_address) s \
                 LEFT JOIN constituents k ON k.id = COALESCE(s.constituent_id, \
                   (SELECT MIN(x.id) FROM constituents x WHERE x.office_id = $2 AND x.email = s.email \
                    AND NOT EXISTS (SELECT 1 FROM constituents y WHERE y.office_id = $2 AND y.email = s.email AND y.id <> x.id))) \
                 ORDER BY s.first_at, s.email",
            )
            .bind(campaign_id)
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Addresses already answered (or deliberately not) for a campaign.
    pub async fn campaign_answered(&self, campaign_id: i64) -> Result<Vec<String>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT r.email FROM campaign_recipients r JOIN campaigns k ON k.id = r.campaign_id \
                     WHERE r.campaign_id = $1 AND k.office_id = $2")
                    .bind(campaign_id)
                    .bind(office_id)
                    .fetch_all(pool)
                    .await?,
            )
        })
    }

    /// Records each recipient once and queues their reply, all in one
    /// transaction: a recipient already recorded is skipped, so running this
    /// twice (or after a crash) never answers anyone twice. Marks the reply
    /// as sending. Returns how many replies were queued.
    pub async fn queue_campaign_replies(
        &self,
        campaign_id: i64,
        recipients: &[ReplyRecipient],
        actor_id: Option<i64>,
        now: i64,
    ) -> Result<usize> {
        let office_id = self.scope.office_id;
        let queued = in_transaction!(self, |tx| {
            let state: String = sqlx::query_scalar(
                "SELECT reply_state FROM campaigns WHERE id = $1 AND office_id = $2",
            )
            .bind(campaign_id)
            .bind(office_id)
            .fetch_one(&mut *tx)
            .await?;
            if state != "approved" && state != "sending" {
                return Err(Error::Conflict);
            }
            let mut queued = 0;
            for r in recipients {
                let fresh = sqlx::query(
                    "INSERT INTO campaign_recipients (campaign_id, email, outcome, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(campaign_id)
                .bind(&r.email)
                .bind(&r.outcome)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let (1, Some(m)) = (fresh, &r.message) else {
                    continue;
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO correspondence (office_id, direction, channel, state, case_id, constituent_id, dedupe_key, message_id, \
                     in_reply_to, reference_ids, from_address, from_name, to_addresses, cc_addresses, subject, sent_at, received_at, \
                     body_text, body_html, raw_blob, raw_size, source, problems, filed_by, filed_at, unread, campaign_id) \
                     VALUES ($1, 'out', 'email', 'filed', NULL, $2, $3, $4, $5, $5, $6, '', $7, '', $8, NULL, $9, $10, NULL, $11, $12, \
                     'campaign', '', $13, $9, FALSE, NULL) RETURNING id",
                )
                .bind(office_id)
                .bind(m.constituent_id)
                .bind(&m.dedupe_key)
                .bind(&m.message_id)
                .bind(&m.in_reply_to)
                .bind(&m.from_address)
                .bind(&r.email)
                .bind(&m.subject)
                .bind(now)
                .bind(&m.body_text)
                .bind(&m.raw_blob)
                .bind(m.raw_size)
                .bind(actor_id)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO outbox (office_id, correspondence_id, state, envelope_from, envelope_to, attempts, next_attempt_at, \
                     created_by, created_at) VALUES ($1, $2, 'queued', $3, $4, 0, $5, $6, $5)",
                )
                .bind(office_id)
                .bind(id)
                .bind(&m.from_address)
                .bind(&r.email)
                .bind(now)
                .bind(actor_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE campaign_recipients SET correspondence_id = $1 WHERE campaign_id = $2 AND email = $3",
                )
                .bind(id)
                .bind(campaign_id)
                .bind(&r.email)
                .execute(&mut *tx)
                .await?;
                if let Some(c) = m.constituent_id {
                    let entry = NewEntry {
                        correspondence_id: Some(id),
                        ..NewEntry::new(
                            "email_out",
                            actor_id,
                            format!("Campaign reply: {}", m.subject),
                        )
                    };
                    append_entry!(tx, office_id, Some(c), None::<i64>, now, &entry);
                }
                queued += 1;
            }
            sqlx::query("UPDATE campaigns SET reply_state = 'sending' WHERE id = $1")
                .bind(campaign_id)
                .execute(&mut *tx)
                .await?;
            queued
        });
        Ok(queued)
    }

    /// Where a campaign's reply has got to.
    pub async fn campaign_reply_progress(&self, campaign_id: i64) -> Result<ReplyProgress> {
        let office_id = self.scope.office_id;
        let rows: Vec<(String, Option<String>, i64)> = on_read!(self, |pool| {
            sqlx::query_as(
                "SELECT r.outcome, o.state, COUNT(*) FROM campaign_recipients r LEFT JOIN outbox o ON o.correspondence_id = r.correspondence_id \
                 JOIN campaigns k ON k.id = r.campaign_id \
                 WHERE r.campaign_id = $1 AND k.office_id = $2 GROUP BY r.outcome, o.state",
            )
            .bind(campaign_id)
            .bind(office_id)
            .fetch_all(pool)
            .await?
        });
        let mut p = ReplyProgress::default();
        for (outcome, state, n) in rows {
            match (outcome.as_str(), state.as_deref()) {
                ("do_not_email", _) => p.do_not_email += n,
                ("outside_district", _) => p.outside_district += n,
                (_, Some("sent")) => p.sent += n,
                (_, Some("failed")) => p.failed += n,
                (_, Some("sending")) => p.sending += n,
                _ => p.queued += n,
            }
        }
        Ok(p)
    }

    pub async fn district_postcodes(&self) -> Result<String> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT district_postcodes FROM offices WHERE id = $1")
                    .bind(office_id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    pub async fn set_district_postcodes(&self, postcodes: &str) -> Result<()> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            sqlx::query("UPDATE offices SET district_postcodes = $1 WHERE id = $2")
                .bind(postcodes)
                .bind(office_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
