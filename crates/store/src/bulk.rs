//! Bulk loading for large synthetic offices (demo data and benchmarks):
//! `COPY` on PostgreSQL, many rows per statement and many statements per
//! transaction on SQLite, ids assigned by the caller. Only for loading into
//! an office nobody is using yet.

use sqlx::QueryBuilder;

use crate::model::{CaseFields, ConstituentFields};
use crate::{Db, OfficeData, Result, Store, in_transaction, on_read};

pub struct BulkConstituent {
    pub id: i64,
    pub fields: ConstituentFields,
    pub household_key: Option<String>,
    pub terms: Vec<String>,
    pub created_at: i64,
}

pub struct BulkCase {
    pub id: i64,
    pub reference: String,
    pub constituent_id: i64,
    pub fields: CaseFields,
    /// (dimension, tag) of each value the case carries.
    pub tags: Vec<(i64, i64)>,
    /// Its Category value among them (kept on the case; see migration 31),
    /// so that the triggers do not have to write every loaded case again.
    pub category_id: Option<i64>,
    pub sensitive: bool,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    /// When it was resolved or closed (the review's resolutions), if it was.
    pub resolved_at: Option<i64>,
    pub updated_at: i64,
}

pub struct BulkEntry {
    pub constituent_id: i64,
    pub case_id: Option<i64>,
    pub kind: &'static str,
    pub actor_id: Option<i64>,
    pub at: i64,
    pub body: String,
}

/// An email filed on a case, for a large synthetic office.
pub struct BulkMessage {
    pub case_id: i64,
    pub constituent_id: i64,
    /// From the constituent (else to them).
    pub inbound: bool,
    pub subject: String,
    pub body: String,
    pub at: i64,
    /// Its number on the case (makes its identity unique).
    pub n: i64,
}

/// An enquiry to a third party, for a large synthetic office. Dates are
/// `YYYY-MM-DD`.
pub struct BulkEnquiry {
    pub id: i64,
    pub case_id: i64,
    pub agency_id: i64,
    pub asked: String,
    pub sent_on: String,
    pub due_on: String,
    /// When Casework is to make its chase task (None once made).
    pub chase_on: Option<String>,
    pub answered_on: Option<String>,
    pub by: i64,
    pub at: i64,
}

/// A task, for a large synthetic office (`occasion` as Casework makes them,
/// or empty for a person's own).
pub struct BulkTask {
    pub case_id: i64,
    pub enquiry_id: Option<i64>,
    pub kind: &'static str,
    pub occasion: String,
    pub title: String,
    pub assignee_id: Option<i64>,
    pub due_on: String,
    pub done_at: Option<i64>,
    pub created_by: Option<i64>,
    pub at: i64,
}

/// Each loaded table with the columns the loader fills, in the order both
/// the SQLite `INSERT`s and the PostgreSQL `COPY`s send them.
const CONSTITUENTS: &str = "constituents (id, office_id, first_name, last_name, email, phone, postcode, address, mailing_address, do_not_email, do_not_mail, do_not_phone, notes, household_key, created_at, updated_at, version)";
const CONSTITUENT_TERMS: &str = "constituent_terms (office_id, term, constituent_id)";
const CASES: &str = "cases (id, office_id, reference, constituent_id, title, summary, agency, status, assignee_id, urgency, sensitive, review_date, opened_at, closed_at, resolved_at, updated_at, version, category_id)";
const CASE_TAGS: &str = "case_tags (case_id, dimension_id, tag_id, free, office_id)";
const CORRESPONDENCE: &str = "correspondence (office_id, direction, channel, state, case_id, constituent_id, dedupe_key, subject, received_at, body_text, unread)";
const TIMELINE: &str = "timeline (office_id, constituent_id, case_id, kind, actor_id, at, body)";
const ENQUIRIES: &str = "enquiries (id, office_id, case_id, agency_id, channel, asked, sent_on, due_on, chase_on, answered_on, created_by, created_at, updated_at)";
const TASKS: &str = "tasks (office_id, case_id, enquiry_id, kind, occasion, title, assignee_id, due_on, done_at, done_by, created_by, created_at, updated_at)";

/// One batch of a bulk load.
#[derive(Default)]
pub struct BulkBatch {
    pub people: Vec<BulkConstituent>,
    pub cases: Vec<BulkCase>,
    pub entries: Vec<BulkEntry>,
    pub messages: Vec<BulkMessage>,
    pub enquiries: Vec<BulkEnquiry>,
    pub tasks: Vec<BulkTask>,
}

/// Rows per INSERT: below SQLite's 32,766 bound parameters for the widest table.
const ROWS: usize = 1000;

impl Store {
    /// The next free constituent, case and enquiry ids.
    pub async fn next_ids(&self) -> Result<(i64, i64, i64)> {
        on_read!(self, |pool| {
            let c: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM constituents")
                .fetch_one(pool)
                .await?;
            let k: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM cases")
                .fetch_one(pool)
                .await?;
            let e: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM enquiries")
                .fetch_one(pool)
                .await?;
            Ok((c, k, e))
        })
    }
}

/// The tables whose secondary indexes (and foreign keys) a PostgreSQL bulk
/// load builds once at the end instead of row by row.
const BULK_TABLES: &[&str] = &[
    "constituents",
    "constituent_terms",
    "cases",
    "case_tags",
    "timeline",
    "correspondence",
    "correspondence_tags",
    "enquiries",
    "tasks",
];

/// Secondary indexes, foreign keys and the search terms' key dropped for
/// a bulk load: the statements that make them again, run by
/// [`OfficeData::bulk_finish`] or [`OfficeData::bulk_restore`].
#[derive(Debug, Default)]
#[must_use = "the dropped indexes must be built again"]
pub struct BulkIndexes(Vec<String>);

impl OfficeData {
    /// Prepares a bulk load. On PostgreSQL, when the database holds no other
    /// office's data, drops the non-unique secondary indexes of the loaded
    /// tables: keeping them up to date row by row is what slows a load of
    /// millions of rows (their pages outgrow the buffer cache). It drops
    /// the foreign keys and the search terms' key too, and they are added
    /// again (so every row is checked) at the end; other unique indexes and
    /// keys stay, checked as rows arrive.
    pub async fn bulk_start(&self) -> Result<BulkIndexes> {
        let Db::Postgres(pool) = &self.db else {
            return Ok(BulkIndexes::default());
        };
        let others: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM constituents WHERE office_id <> $1) \
             OR EXISTS (SELECT 1 FROM cases WHERE office_id <> $1)",
        )
        .bind(self.scope.office_id)
        .fetch_one(pool)
        .await?;
        if others {
            return Ok(BulkIndexes::default());
        }
        let tables: Vec<String> = BULK_TABLES.iter().map(|t| t.to_string()).collect();
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT c.relname::text, pg_get_indexdef(c.oid) FROM pg_index x \
             JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
             WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1) \
             AND NOT x.indisunique AND NOT x.indisprimary ORDER BY c.relname",
        )
        .bind(&tables)
        .fetch_all(pool)
        .await?;
        // Constraints checked row by row: each foreign key is a lookup per
        // row (the search terms' alone took a fifth of a load), and the
        // search terms arrive in no order of their key, so its B-tree,
        // touched at random, outgrows the cache as well. They are added
        // again at the end, which checks every row at once.
        let constraints: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT t.relname::text, c.conname::text, pg_get_constraintdef(c.oid) FROM pg_constraint c \
             JOIN pg_class t ON t.oid = c.conrelid \
             WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1) \
             AND (c.contype = 'f' OR (c.contype = 'p' AND t.relname = 'constituent_terms')) \
             ORDER BY c.contype DESC, t.relname, c.conname",
        )
        .bind(&tables)
        .fetch_all(pool)
        .await?;
        let mut tx = pool.begin().await?;
        for (table, name, _) in &constraints {
            let sql = format!("ALTER TABLE \"{table}\" DROP CONSTRAINT \"{name}\"");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await?;
        }
        for (name, _) in &indexes {
            let sql = format!("DROP INDEX \"{name}\"");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        // The key first, then the indexes, then the foreign keys.
        let (keys, foreign): (Vec<_>, Vec<_>) = constraints
            .into_iter()
            .map(|(table, name, def)| {
                let key = def.starts_with("PRIMARY KEY");
                (
                    key,
                    format!("ALTER TABLE \"{table}\" ADD CONSTRAINT \"{name}\" {def}"),
                )
            })
            .partition(|(key, _)| *key);
        Ok(BulkIndexes(
            keys.into_iter()
                .map(|(_, sql)| sql)
                .chain(indexes.into_iter().map(|(_, d)| d))
                .chain(foreign.into_iter().map(|(_, sql)| sql))
                .collect(),
        ))
    }

    /// Refreshes the planner's statistics of the loaded tables during a
    /// bulk load (PostgreSQL). Without it, where autovacuum is off or slow,
    /// the triggers' statements keep plans made for near-empty tables and
    /// scan the whole of `correspondence` for every batch: a 1,000,000-person
    /// load slowed from about 1,500 to about 200 emails a second, and ran at
    /// 3,800 again once the tables were analysed.
    pub async fn bulk_analyze(&self) -> Result<()> {
        if let Db::Postgres(pool) = &self.db {
            for table in BULK_TABLES {
                sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {table}")))
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// Builds again the indexes and keys [`OfficeData::bulk_start`] dropped
    /// (also after a failed load, so the database is left whole). One that
    /// fails (a foreign key the loaded rows break) does not stop the
    /// others; each failure is logged with its statement, and the first is
    /// returned.
    pub async fn bulk_restore(&self, indexes: BulkIndexes) -> Result<()> {
        let mut first = None;
        if let Db::Postgres(pool) = &self.db {
            for def in indexes.0 {
                // The full-text (GIN) indexes of millions of rows build in
                // minutes rather than tens of minutes with room to sort.
                let made: Result<()> = async {
                    let mut tx = pool.begin().await?;
                    sqlx::query("SET LOCAL maintenance_work_mem = '512MB'")
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(sqlx::AssertSqlSafe(def.clone()))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }
                .await;
                if let Err(e) = made {
                    tracing::error!(error = %e, statement = %def, "rebuilding after a bulk load");
                    first.get_or_insert(e);
                }
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// Inserts one batch: with `COPY` on PostgreSQL, each table's rows in a
    /// transaction of their own (parents first); with multi-row `INSERT`s
    /// in one transaction on SQLite. Either way the tables' triggers keep
    /// tags, flags and counts as for any other write.
    pub async fn bulk_insert(&self, batch: &BulkBatch) -> Result<()> {
        if let Db::Postgres(pool) = &self.db {
            return copy_batch(pool, self.scope.office_id, batch).await;
        }
        let office_id = self.scope.office_id;
        let BulkBatch {
            people,
            cases,
            entries,
            messages,
            enquiries,
            tasks,
        } = batch;
        in_transaction!(self, |tx| {
            for chunk in people.chunks(ROWS) {
                let mut qb = QueryBuilder::new(format!("INSERT INTO {CONSTITUENTS} "));
                qb.push_values(chunk, |mut b, p| {
                    let f = &p.fields;
                    b.push_bind(p.id)
                        .push_bind(office_id)
                        .push_bind(f.first_name.as_str())
                        .push_bind(f.last_name.as_str())
                        .push_bind(f.email.as_str())
                        .push_bind(f.phone.as_str())
                        .push_bind(f.postcode.as_str())
                        .push_bind(f.address.as_str())
                        .push_bind(f.mailing_address.as_str())
                        .push_bind(f.do_not_email)
                        .push_bind(f.do_not_mail)
                        .push_bind(f.do_not_phone)
                        .push_bind(f.notes.as_str())
                        .push_bind(p.household_key.as_deref())
                        .push_bind(p.created_at)
                        .push_bind(p.created_at)
                        .push_bind(1i64);
                });
                qb.build().execute(&mut *tx).await?;
            }
            let terms: Vec<(&str, i64)> = people
                .iter()
                .flat_map(|p| p.terms.iter().map(move |t| (t.as_str(), p.id)))
                .collect();
            for chunk in terms.chunks(ROWS * 10) {
                let mut qb = QueryBuilder::new(format!("INSERT INTO {CONSTITUENT_TERMS} "));
                qb.push_values(chunk, |mut b, (t, id)| {
                    b.push_bind(office_id).push_bind(*t).push_bind(*id);
                });
                qb.build().execute(&mut *tx).await?;
            }
            for chunk in cases.chunks(ROWS) {
                let mut qb = QueryBuilder::new(format!("INSERT INTO {CASES} "));
                qb.push_values(chunk, |mut b, k| {
                    let f = &k.fields;
                    b.push_bind(k.id)
                        .push_bind(office_id)
                        .push_bind(k.reference.as_str())
                        .push_bind(k.constituent_id)
                        .push_bind(f.title.as_str())
                        .push_bind(f.summary.as_str())
                        .push_bind(f.agency.as_str())
                        .push_bind(f.status.as_str())
                        .push_bind(f.assignee_id)
                        .push_bind("")
                        .push_bind(k.sensitive)
                        .push_bind(f.review_date.as_deref())
                        .push_bind(k.opened_at)
                        .push_bind(k.closed_at)
                        .push_bind(k.resolved_at)
                        .push_bind(k.updated_at)
                        .push_bind(1i64)
                        .push_bind(k.category_id);
                });
                qb.build().execute(&mut *tx).await?;
            }
            let tags: Vec<(i64, i64, i64)> = cases
                .iter()
                .flat_map(|k| k.tags.iter().map(move |(d, t)| (k.id, *d, *t)))
                .collect();
            for chunk in tags.chunks(ROWS * 5) {
                let mut qb = QueryBuilder::new(format!("INSERT INTO {CASE_TAGS} "));
                qb.push_values(chunk, |mut b, (case, dim, tag)| {
                    b.push_bind(*case)
                        .push_bind(*dim)
                        .push_bind(*tag)
                        .push_bind(false)
                        .push_bind(office_id);
                });
                qb.build().execute(&mut *tx).await?;
            }
            // Each message takes its case's tags (a trigger, as for any filed mail).
            for chunk in messages.chunks(ROWS) {
                let mut qb = QueryBuilder::new(format!("INSERT INTO {CORRESPONDENCE} "));
                qb.push_values(chunk, |mut b, m| {
                    b.push_bind(office_id)
                        .push_bind(if m.inbound { "in" } else { "out" })
                        .push_bind("email")
                        .push_bind("filed")
                        .push_bind(m.case_id)
                        .push_bind(m.constituent_id)
                        .push_bind(format!("bulk:{}:{}", m.case_id, m.n))
                        .push_bind(m.subject.as_str())
                        .push_bind(m.at)
                        .push_bind(m.body.as_str())
                        .push_bind(false);
                });
                qb.build().execute(&mut *tx).await?;
            }
            for chunk in entries.chunks(ROWS * 3) {
                let mut qb = QueryBuilder::new(format!("INSERT INTO {TIMELINE} "));
                qb.push_values(chunk, |mut b, e| {
                    b.push_bind(office_id)
                        .push_bind(e.constituent_id)
                        .push_bind(e.case_id)
                        .push_bind(e.kind)
                        .push_bind(e.actor_id)
                        .push_bind(e.at)
                        .push_bind(e.body.as_str());
                });
                qb.build().execute(&mut *tx).await?;
            }
            for chunk in enquiries.chunks(ROWS) {
                let mut qb = QueryBuilder::new(format!("INSERT INTO {ENQUIRIES} "));
                qb.push_values(chunk, |mut b, e| {
                    b.push_bind(e.id)
                        .push_bind(office_id)
                        .push_bind(e.case_id)
                        .push_bind(e.agency_id)
                        .push_bind("letter")
                        .push_bind(e.asked.as_str())
                        .push_bind(e.sent_on.as_str())
                        .push_bind(e.due_on.as_str())
                        .push_bind(e.chase_on.as_deref())
                        .push_bind(e.answered_on.as_deref())
                        .push_bind(e.by)
                        .push_bind(e.at)
                        .push_bind(e.at);
                });
                qb.build().execute(&mut *tx).await?;
            }
            for chunk in tasks.chunks(ROWS) {
                let mut qb = QueryBuilder::new(format!("INSERT INTO {TASKS} "));
                qb.push_values(chunk, |mut b, t| {
                    b.push_bind(office_id)
                        .push_bind(t.case_id)
                        .push_bind(t.enquiry_id)
                        .push_bind(t.kind)
                        .push_bind(t.occasion.as_str())
                        .push_bind(t.title.as_str())
                        .push_bind(t.assignee_id)
                        .push_bind(t.due_on.as_str())
                        .push_bind(t.done_at)
                        .push_bind(t.done_at.and(t.assignee_id))
                        .push_bind(t.created_by)
                        .push_bind(t.at)
                        .push_bind(t.at);
                });
                qb.build().execute(&mut *tx).await?;
            }
        });
        Ok(())
    }

    /// After a bulk load: the dropped indexes, the case counter of the year, identity sequences
    /// (PostgreSQL), and fresh planner statistics.
    pub async fn bulk_finish(
        &self,
        year: i32,
        last_case_number: i64,
        indexes: BulkIndexes,
    ) -> Result<()> {
        self.bulk_restore(indexes).await?;
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            sqlx::query(
                "INSERT INTO case_counters (office_id, year, last) VALUES ($1, $2, $3) \
                 ON CONFLICT (office_id, year) DO UPDATE SET last = $3",
            )
            .bind(office_id)
            .bind(year as i64)
            .bind(last_case_number)
            .execute(&mut *tx)
            .await?;
        });
        if let Db::Postgres(pool) = &self.db {
            for table in ["constituents", "cases", "enquiries", "tasks"] {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
            }
        }
        self.store().analyze().await
    }
}

/// Rows in PostgreSQL's `COPY` text format: values separated by tabs, rows
/// by newlines, `\N` for NULL, and backslash, tab, newline and carriage
/// return escaped in text.
#[derive(Default)]
struct CopyRows(Vec<u8>);

impl CopyRows {
    fn text(&mut self, s: &str) -> &mut Self {
        for b in s.bytes() {
            match b {
                b'\\' => self.0.extend_from_slice(b"\\\\"),
                b'\t' => self.0.extend_from_slice(b"\\t"),
                b'\n' => self.0.extend_from_slice(b"\\n"),
                b'\r' => self.0.extend_from_slice(b"\\r"),
                _ => self.0.push(b),
            }
        }
        self.0.push(b'\t');
        self
    }

    fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    fn int(&mut self, i: i64) -> &mut Self {
        self.0.extend_from_slice(i.to_string().as_bytes());
        self.0.push(b'\t');
        self
    }

    fn opt_int(&mut self, i: Option<i64>) -> &mut Self {
        match i {
            Some(i) => self.int(i),
            None => self.null(),
        }
    }

    fn flag(&mut self, b: bool) -> &mut Self {
        self.0.extend_from_slice(if b { b"t\t" } else { b"f\t" });
        self
    }

    fn null(&mut self) -> &mut Self {
        self.0.extend_from_slice(b"\\N\t");
        self
    }

    /// Ends the row (its last tab becomes the newline).
    fn end(&mut self) {
        if let Some(last) = self.0.last_mut() {
            *last = b'\n';
        }
    }
}

/// Sends `rows` to `COPY table (columns) FROM STDIN` (`target` is one of the
/// tables above), in a transaction of
/// its own committed without waiting for the disk (a crash may lose the
/// last batches; a generated office cut short is generated again). Two
/// loads at once could deadlock on the counts the triggers keep (none did
/// in a 10,000,000-person load); the one PostgreSQL stops is sent again
/// after a pause.
async fn copy_rows(pool: &sqlx::PgPool, target: &str, rows: CopyRows) -> Result<()> {
    if rows.0.is_empty() {
        return Ok(());
    }
    let sql = format!("COPY {target} FROM STDIN");
    let mut tries = 0;
    loop {
        let mut tx = pool.begin().await?;
        sqlx::query("SET LOCAL synchronous_commit = off")
            .execute(&mut *tx)
            .await?;
        let sent = async {
            let mut copy = tx.copy_in_raw(&sql).await?;
            copy.send(&rows.0[..]).await?;
            copy.finish().await
        }
        .await;
        match sent {
            Ok(_) => {
                tx.commit().await?;
                return Ok(());
            }
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("40P01") && tries < 50 => {
                tries += 1;
                tracing::warn!(
                    into = target,
                    tries,
                    "bulk load deadlocked; sending the rows again"
                );
                tokio::time::sleep(std::time::Duration::from_millis(20 * tries)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// One batch into PostgreSQL with `COPY`, one statement per table, parents
/// before children. Several batches may be loaded at once, on their own
/// connections.
async fn copy_batch(pool: &sqlx::PgPool, office_id: i64, batch: &BulkBatch) -> Result<()> {
    let mut rows = CopyRows::default();
    for p in &batch.people {
        let f = &p.fields;
        rows.int(p.id)
            .int(office_id)
            .text(&f.first_name)
            .text(&f.last_name)
            .text(&f.email)
            .text(&f.phone)
            .text(&f.postcode)
            .text(&f.address)
            .text(&f.mailing_address)
            .flag(f.do_not_email)
            .flag(f.do_not_mail)
            .flag(f.do_not_phone)
            .text(&f.notes)
            .opt_text(p.household_key.as_deref())
            .int(p.created_at)
            .int(p.created_at)
            .int(1)
            .end();
    }
    copy_rows(pool, CONSTITUENTS, rows).await?;
    let mut rows = CopyRows::default();
    for p in &batch.people {
        for t in &p.terms {
            rows.int(office_id).text(t).int(p.id).end();
        }
    }
    copy_rows(pool, CONSTITUENT_TERMS, rows).await?;
    let mut rows = CopyRows::default();
    for k in &batch.cases {
        let f = &k.fields;
        rows.int(k.id)
            .int(office_id)
            .text(&k.reference)
            .int(k.constituent_id)
            .text(&f.title)
            .text(&f.summary)
            .text(&f.agency)
            .text(f.status.as_str())
            .opt_int(f.assignee_id)
            .text("")
            .flag(k.sensitive)
            .opt_text(f.review_date.as_deref())
            .int(k.opened_at)
            .opt_int(k.closed_at)
            .opt_int(k.resolved_at)
            .int(k.updated_at)
            .int(1)
            .opt_int(k.category_id)
            .end();
    }
    copy_rows(pool, CASES, rows).await?;
    let mut rows = CopyRows::default();
    for k in &batch.cases {
        for (dim, tag) in &k.tags {
            rows.int(k.id)
                .int(*dim)
                .int(*tag)
                .flag(false)
                .int(office_id)
                .end();
        }
    }
    copy_rows(pool, CASE_TAGS, rows).await?;
    // Each message takes its case's tags (a trigger, as for any filed mail).
    let mut rows = CopyRows::default();
    for m in &batch.messages {
        rows.int(office_id)
            .text(if m.inbound { "in" } else { "out" })
            .text("email")
            .text("filed")
            .int(m.case_id)
            .int(m.constituent_id)
            .text(&format!("bulk:{}:{}", m.case_id, m.n))
            .text(&m.subject)
            .int(m.at)
            .text(&m.body)
            .flag(false)
            .end();
    }
    copy_rows(pool, CORRESPONDENCE, rows).await?;
    let mut rows = CopyRows::default();
    for e in &batch.entries {
        rows.int(office_id)
            .int(e.constituent_id)
            .opt_int(e.case_id)
            .text(e.kind)
            .opt_int(e.actor_id)
            .int(e.at)
            .text(&e.body)
            .end();
    }
    copy_rows(pool, TIMELINE, rows).await?;
    let mut rows = CopyRows::default();
    for e in &batch.enquiries {
        rows.int(e.id)
            .int(office_id)
            .int(e.case_id)
            .int(e.agency_id)
            .text("letter")
            .text(&e.asked)
            .text(&e.sent_on)
            .text(&e.due_on)
            .opt_text(e.chase_on.as_deref())
            .opt_text(e.answered_on.as_deref())
            .int(e.by)
            .int(e.at)
            .int(e.at)
            .end();
    }
    copy_rows(pool, ENQUIRIES, rows).await?;
    let mut rows = CopyRows::default();
    for t in &batch.tasks {
        rows.int(office_id)
            .int(t.case_id)
            .opt_int(t.enquiry_id)
            .text(t.kind)
            .text(&t.occasion)
            .text(&t.title)
            .opt_int(t.assignee_id)
            .text(&t.due_on)
            .opt_int(t.done_at)
            .opt_int(t.done_at.and(t.assignee_id))
            .opt_int(t.created_by)
            .int(t.at)
            .int(t.at)
            .end();
    }
    copy_rows(pool, TASKS, rows).await
}

#[cfg(test)]
mod tests {
    use super::CopyRows;

    #[test]
    fn copy_rows_escape_text_and_mark_nulls() {
        let mut rows = CopyRows::default();
        rows.int(-7)
            .text("a\tb\\c\nd\re")
            .opt_text(None)
            .flag(true)
            .opt_int(Some(3))
            .end();
        rows.text("").flag(false).end();
        assert_eq!(
            String::from_utf8(rows.0).unwrap(),
            "-7\ta\\tb\\\\c\\nd\\re\t\\N\tt\t3\n\tf\n"
        );
    }
}
