//! Full-text search over cases, correspondence (with the text of its
//! attachments) and notes, under the reader's scope.
//!
//! On SQLite each kind has an FTS5 table (migration 0022) and a search reads
//! it newest first, stopping at the page's end; on PostgreSQL each searched
//! table has a `search` tsvector column with a GIN index, and the planner
//! chooses between that index and reading newest first. Results are newest
//! first on both, paged by id; the app ranks a first page.

use std::sync::atomic::{AtomicI64, Ordering};

use casework_domain::search::TextQuery;
use sqlx::QueryBuilder;

use crate::{Db, OfficeData, Result, on_read};

/// What narrows a search besides its words.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Milliseconds since the epoch, inclusive.
    pub from: Option<i64>,
    /// Milliseconds since the epoch, exclusive.
    pub to: Option<i64>,
    /// A case status: cases with it, and mail and notes on such cases.
    pub status: Option<String>,
    /// Only items with an id below this (the next page).
    pub before: Option<i64>,
}

/// A case found by its reference, title or summary.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseHit {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub summary: String,
    pub status: String,
    pub opened_at: i64,
    pub constituent_id: i64,
    pub first_name: String,
    pub last_name: String,
}

/// Correspondence found by its subject, people, body or an attachment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailHit {
    pub id: i64,
    pub case_id: Option<i64>,
    pub case_reference: Option<String>,
    pub constituent_id: Option<i64>,
    pub direction: String,
    pub channel: String,
    pub state: String,
    pub subject: String,
    pub from_name: String,
    pub from_address: String,
    pub received_at: i64,
    /// The start of the body (at most 20,000 characters).
    pub body: String,
    /// The attachment whose text matched, if one did.
    pub attachment_id: Option<i64>,
    pub attachment_name: Option<String>,
    pub attachment_text: Option<String>,
}

/// A note, call, meeting or visit written on a case or a person's record
/// (an entry of the timeline).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoteHit {
    pub id: i64,
    pub kind: String,
    pub case_id: Option<i64>,
    pub case_reference: Option<String>,
    pub constituent_id: Option<i64>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub at: i64,
    pub body: String,
}

/// One page of hits, newest first, and whether more follow.
#[derive(Debug, Clone)]
pub struct Hits<T> {
    pub items: Vec<T>,
    pub more: bool,
}

/// How much of a body a hit carries, for its passage and its ranking.
const BODY_CHARS: i64 = 20_000;

/// The head of a search query on one kind: the rows of `table` (aliased
/// `a`) whose text matches `q`, then `joins`, ending in an open WHERE.
/// Returns the column the rows are ordered and paged by.
fn push_match<DB: sqlx::Database>(
    qb: &mut QueryBuilder<DB>,
    sqlite: bool,
    (select, table, alias, fts, joins): (&str, &str, &str, &str, &str),
    q: &TextQuery,
) -> String
where
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    qb.push(format_args!("SELECT {select} FROM "));
    if sqlite {
        qb.push(format_args!(
            "{fts} f JOIN {table} {alias} ON {alias}.id = f.rowid{joins} WHERE {fts} MATCH "
        ));
        qb.push_bind(q.fts5());
        return "f.rowid".to_owned();
    }
    qb.push(format_args!(
        "{table} {alias}{joins} WHERE {alias}.search @@ ("
    ));
    let mut parts = 0;
    let mut and = |qb: &mut QueryBuilder<DB>| {
        if parts > 0 {
            qb.push(" && ");
        }
        parts += 1;
    };
    if !q.words.is_empty() {
        and(qb);
        qb.push("plainto_tsquery('simple', casework_words(")
            .push_bind(q.words.join(" "))
            .push("))");
    }
    for p in &q.prefixes {
        and(qb);
        qb.push("to_tsquery('simple', ")
            .push_bind(format!("{p}:*"))
            .push(")");
    }
    for p in &q.phrases {
        and(qb);
        qb.push("phraseto_tsquery('simple', casework_words(")
            .push_bind(p.join(" "))
            .push("))");
    }
    qb.push(")");
    format!("{alias}.id")
}

/// The filters every kind shares: office, dates, the page's start; then
/// newest first, one more row than the page to tell whether more follow.
fn push_tail<DB: sqlx::Database>(
    qb: &mut QueryBuilder<DB>,
    (office_id, date_column, order): (i64, &str, &str),
    f: &SearchFilter,
    limit: i64,
) where
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    qb.push(" AND a.office_id = ").push_bind(office_id);
    if let Some(from) = f.from {
        qb.push(format_args!(" AND {date_column} >= "))
            .push_bind(from);
    }
    if let Some(to) = f.to {
        qb.push(format_args!(" AND {date_column} < ")).push_bind(to);
    }
    if let Some(before) = f.before {
        qb.push(format_args!(" AND {order} < ")).push_bind(before);
    }
    qb.push(format_args!(" ORDER BY {order} DESC LIMIT "))
        .push_bind(limit + 1);
}

fn hits<T>(mut items: Vec<T>, limit: i64) -> Hits<T> {
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    Hits { items, more }
}

/// How many matching rows the PostgreSQL probe reads at most.
const PROBE_ROWS: i64 = 2_000;
/// How long (ms) the probe may take when the words may be common.
const PROBE_MS: u32 = 15;
/// How many of the newest rows (by id) a PostgreSQL search of common words
/// reads newest first before it reads the rest through the GIN index. A
/// test narrows it to see that both ways find the same.
#[doc(hidden)]
pub static WINDOW: AtomicI64 = AtomicI64::new(20_000);
/// How long (ms) any search statement may take at most.
const SEARCH_MS: u32 = 5_000;

/// What PostgreSQL's statistics of a `search` column say of a query.
#[derive(Debug, Clone, Copy)]
struct Estimate {
    /// At most how many rows hold every word (the rarest word's rows);
    /// unknown for a query of prefixes only.
    most: Option<f64>,
    /// Whether every word, and some word starting with each prefix, is
    /// among the column's most common words in more than [`PROBE_ROWS`]
    /// rows.
    common: bool,
}

/// The statistics ANALYZE keeps of a table's `search` column: its most
/// common words, each with the share of rows holding it, and the least of
/// those shares, above which no unlisted word is. Read from `pg_stats`
/// (1–2 ms a time, six times a search) once a minute per table and kept.
#[derive(Debug)]
struct WordStats {
    /// Rows with a `search` value.
    rows: f64,
    shares: std::collections::HashMap<String, f64>,
    least: f64,
}

impl WordStats {
    fn share(&self, word: &str) -> Option<f64> {
        self.shares.get(word).copied()
    }

    /// The greatest share of a listed word starting with `prefix`.
    fn starting(&self, prefix: &str) -> Option<f64> {
        self.shares
            .iter()
            .filter(|(w, _)| w.starts_with(prefix))
            .map(|(_, f)| *f)
            .reduce(f64::max)
    }
}

type StatsKey = (usize, String);

/// Statistics as read, and when (none for a table not yet analysed).
type KeptStats = (std::time::Instant, Option<std::sync::Arc<WordStats>>);

/// Kept statistics, by pool (its options' address: a pool of another
/// schema or database is another) and table.
static WORD_STATS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<StatsKey, KeptStats>>,
> = std::sync::LazyLock::new(Default::default);

/// How long kept statistics are used before they are read again.
const STATS_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// The word statistics of `table` (one of this module's), kept for a
/// minute. None when the table has not been analysed.
async fn word_stats(pool: &sqlx::PgPool, table: &str) -> Result<Option<std::sync::Arc<WordStats>>> {
    let key = (
        std::sync::Arc::as_ptr(&pool.connect_options()) as usize,
        table.to_owned(),
    );
    let kept = WORD_STATS
        .lock()
        .ok()
        .and_then(|m| m.get(&key).cloned())
        .filter(|(read_at, _)| read_at.elapsed() < STATS_FOR);
    if let Some((_, stats)) = kept {
        return Ok(stats);
    }
    // A tsvector's statistics hold its most common words, their shares,
    // then the least and the greatest share.
    let row: Option<(f64, Vec<String>, Vec<f32>)> = sqlx::query_as(
        "SELECT (c.reltuples * (1 - s.null_frac))::float8, s.most_common_elems::text::text[], \
                s.most_common_elem_freqs \
         FROM pg_stats s \
         JOIN pg_class c ON c.oid = to_regclass(quote_ident(s.schemaname) || '.' || quote_ident(s.tablename)) \
         WHERE s.schemaname = current_schema() AND s.tablename = $1 AND s.attname = 'search' \
           AND s.most_common_elems IS NOT NULL AND c.reltuples >= 0",
    )
    .bind(table)
    .fetch_optional(pool)
    .await?;
    let stats = row
        .filter(|(_, words, freqs)| freqs.len() >= words.len() + 2)
        .map(|(rows, words, freqs)| {
            std::sync::Arc::new(WordStats {
                rows,
                least: f64::from(freqs[words.len()]),
                shares: words
                    .into_iter()
                    .zip(freqs.iter().map(|f| f64::from(*f)))
                    .collect(),
            })
        });
    if let Ok(mut m) = WORD_STATS.lock() {
        m.insert(key, (std::time::Instant::now(), stats.clone()));
    }
    Ok(stats)
}

/// Whether a PostgreSQL error is a statement's timeout.
fn timed_out(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("57014"))
}

/// Runs `$run` (a statement on `$conn`, giving a `Result<_, sqlx::Error>`)
/// in a transaction of its own under the settings `$set` (`SET LOCAL`s of
/// this module's names and numbers only). A statement timeout also times
/// the statements after it in the transaction: after success it is lifted
/// before the COMMIT; after a failure the connection is closed rather than
/// rolled back under it. A search dropped midway (its request gone) leaves
/// the transaction to be rolled back as the connection is returned.
macro_rules! settled {
    ($pool:expr, $set:expr, |$conn:ident| $run:expr) => {{
        let mut pooled = $pool.acquire().await?;
        let mut $conn = sqlx::Connection::begin(&mut *pooled).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe($set))
            .execute(&mut *$conn)
            .await?;
        let out = $run;
        match &out {
            Ok(_) => {
                sqlx::query("SET LOCAL statement_timeout = 0")
                    .execute(&mut *$conn)
                    .await?;
                $conn.commit().await?;
            }
            Err(_) => {
                drop($conn);
                pooled.close_on_drop();
            }
        }
        out
    }};
}

impl OfficeData {
    /// On PostgreSQL, what the statistics ANALYZE keeps of the `search`
    /// column of `table` say of `q` (see [`WordStats`]). None without
    /// statistics.
    async fn estimate(&self, q: &TextQuery, table: &str) -> Result<Option<Estimate>> {
        let Db::Postgres(pool) = &self.db else {
            return Ok(None);
        };
        let Some(stats) = word_stats(pool, table).await? else {
            return Ok(None);
        };
        let words: Vec<&String> = q.words.iter().chain(q.phrases.iter().flatten()).collect();
        let rows = |share: f64| share * stats.rows;
        let common = |share: Option<f64>| share.is_some_and(|f| rows(f) > PROBE_ROWS as f64);
        let listed: Vec<Option<f64>> = words.iter().map(|w| stats.share(w)).collect();
        // Each word's rows, or at most the least listed share's when unlisted.
        let most = listed
            .iter()
            .map(|f| f.unwrap_or(stats.least))
            .reduce(f64::min);
        // Each prefix: the most common listed word it starts.
        let prefixed = q
            .prefixes
            .iter()
            .map(|p| stats.starting(p))
            .reduce(|a, b| a.zip(b).map(|(a, b)| a.min(b)));
        Ok(Some(Estimate {
            most: most.map(rows),
            common: !q.is_empty()
                && listed.iter().all(|f| common(*f))
                && (q.prefixes.is_empty() || common(prefixed.flatten())),
        }))
    }

    /// How a PostgreSQL search of `table` (aliased `alias`, with `condition`)
    /// for `q` is best made. The planner cannot tell a rare word from an
    /// absent one and, to honour `ORDER BY id DESC LIMIT n`, reads the table
    /// backwards for both (2.4 s for a word found nowhere among 5,000,000
    /// emails); and it multiplies words' shares as if they were
    /// independent, so words that go together are thought rare. So:
    /// - words the statistics show rare: every match's id through the GIN
    ///   index, then a few key lookups;
    /// - words all common: newest first, where their page is found at once;
    /// - otherwise a probe through the GIN index alone, given up after a
    ///   moment (then newest first).
    async fn probe(
        &self,
        q: &TextQuery,
        (table, alias, condition): (&str, &str, &str),
    ) -> Result<Probe> {
        let Db::Postgres(pool) = &self.db else {
            return Ok(Probe::NotProbed);
        };
        let limit_ms = match self.estimate(q, table).await? {
            Some(e) if e.most.is_some_and(|rows| rows <= PROBE_ROWS as f64) => SEARCH_MS,
            Some(e) if e.common => return self.many(pool, table).await,
            _ => PROBE_MS,
        };
        let mut qb = QueryBuilder::new("");
        push_match(
            &mut qb,
            false,
            (&format!("{alias}.id"), table, alias, "", ""),
            q,
        );
        qb.push(condition);
        qb.push(format_args!(" LIMIT {}", PROBE_ROWS + 1));
        // Only the GIN index can answer: no table scan, no scan in id order.
        // Words that many rows share make a large bitmap: past the time
        // limit the probe gives up, and reading newest first finds the page
        // at once.
        let set = format!(
            "SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = off; SET LOCAL statement_timeout = {limit_ms}"
        );
        let found = settled!(pool, set, |conn| qb
            .build_query_scalar()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await);
        let ids: Vec<i64> = match found {
            Ok(ids) => ids,
            Err(e) if timed_out(&e) => return self.many(pool, table).await,
            Err(e) => return Err(e.into()),
        };
        if ids.len() as i64 <= PROBE_ROWS {
            Ok(Probe::Ids(ids))
        } else {
            self.many(pool, table).await
        }
    }

    /// [`Probe::Many`], with the newest id of `table` (one of this
    /// module's table names).
    async fn many(&self, pool: &sqlx::PgPool, table: &str) -> Result<Probe> {
        let top: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COALESCE(max(id), 0) FROM {table}"
        )))
        .fetch_one(pool)
        .await?;
        Ok(Probe::Many { top })
    }
}

/// What the PostgreSQL probe found.
enum Probe {
    /// Every matching row's id.
    Ids(Vec<i64>),
    /// Too many to read at once. The search reads newest first, and the
    /// planner is told so (its estimate for several words that go together
    /// can be a hundred times too low, and a bitmap of 94,000 notes sorted
    /// took 3.2 s); but only among the newest [`WINDOW`] rows (ids above
    /// `top` less that), which bounds its cost. Common words that never
    /// meet find nothing there, and reading on would read every row: the
    /// rest of the page is read through the GIN index, which intersects
    /// the words' lists.
    Many { top: i64 },
    /// SQLite: FTS5 reads newest first by itself.
    NotProbed,
}

impl Probe {
    /// Narrows a search to the probe's ids, if it found them all (only
    /// numbers are written into the SQL).
    fn condition(&self, column: &str) -> String {
        match self {
            Probe::Ids(ids) if ids.is_empty() => " AND 1 = 0".to_owned(),
            Probe::Ids(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(" AND {column} IN ({})", list.join(", "))
            }
            Probe::Many { .. } | Probe::NotProbed => String::new(),
        }
    }
}

/// Runs a search: `$build` makes it, given the condition `$window` to add
/// to its others (empty but on PostgreSQL's newest-first path). With
/// [`Probe::Many`] it is read newest first among the newest [`WINDOW`] rows
/// (below `$upper`, the page's start, when the search is paged by its
/// order column), then, if that did not fill `$limit` rows and one more,
/// through the GIN index below them; each of those past [`SEARCH_MS`] is
/// [`Error::SearchTooBroad`](crate::Error::SearchTooBroad).
macro_rules! fetch_planned {
    ($pool:expr, $probe:expr, ($limit:expr, $upper:expr, $order:expr), |$window:ident| $build:block) => {{
        let probe: &Probe = $probe;
        let fetch = |rows: std::result::Result<Vec<_>, sqlx::Error>| match rows {
            Ok(rows) => Ok(rows),
            Err(e) if timed_out(&e) => Err($crate::Error::SearchTooBroad),
            Err(e) => Err($crate::Error::from(e)),
        };
        match probe {
            // SQLite reads newest first by itself; the probe's ids are a few
            // key lookups.
            Probe::NotProbed | Probe::Ids(_) => {
                let $window = String::new();
                let mut qb = $build;
                qb.build_query_as()
                    .persistent(false)
                    .fetch_all($pool)
                    .await?
            }
            Probe::Many { top } => {
                let upper: Option<i64> = $upper;
                let top = upper.map_or(*top, |u| (*top).min(u - 1));
                let floor = top - WINDOW.load(Ordering::Relaxed);
                let mut rows = {
                    let $window = format!(" AND {} > {floor}", $order);
                    let mut qb = $build;
                    let set =
                        format!("SET LOCAL enable_bitmapscan = off; SET LOCAL statement_timeout = {SEARCH_MS}");
                    fetch(settled!($pool, set, |conn| qb
                        .build_query_as()
                        .persistent(false)
                        .fetch_all(&mut *conn)
                        .await))?
                };
                if (rows.len() as i64) <= $limit && floor > 0 {
                    let $window = format!(" AND {} <= {floor}", $order);
                    let mut qb = $build;
                    let set =
                        format!("SET LOCAL enable_indexscan = off; SET LOCAL statement_timeout = {SEARCH_MS}");
                    rows.extend(fetch(settled!($pool, set, |conn| qb
                        .build_query_as()
                        .persistent(false)
                        .fetch_all(&mut *conn)
                        .await))?);
                }
                rows
            }
        }
    }};
}

const MAIL_COLUMNS: &str = "a.id, a.case_id, k.reference AS case_reference, a.constituent_id, a.direction, \
     a.channel, a.state, a.subject, a.from_name, a.from_address, a.received_at";

impl OfficeData {
    fn is_sqlite(&self) -> bool {
        matches!(self.db, Db::Sqlite { .. })
    }

    /// Cases whose reference, title or summary hold every word of `q`.
    pub async fn search_cases(
        &self,
        q: &TextQuery,
        f: &SearchFilter,
        limit: i64,
    ) -> Result<Hits<CaseHit>> {
        let sqlite = self.is_sqlite();
        let office = format!(" AND a.office_id = {}", self.scope.office_id);
        let ids = self.probe(q, ("cases", "a", &office)).await?;
        let scope = format!(
            "{}{}",
            self.scope.case_condition("a"),
            ids.condition("a.id")
        );
        let items = on_read!(self, |pool| {
            fetch_planned!(pool, &ids, (limit, f.before, "a.id"), |window| {
                let mut qb = QueryBuilder::new("");
                let order = push_match(
                    &mut qb,
                    sqlite,
                    (
                        "a.id, a.reference, a.title, a.summary, a.status, a.opened_at, \
                         a.constituent_id, p.first_name, p.last_name",
                        "cases",
                        "a",
                        "case_fts",
                        " JOIN constituents p ON p.id = a.constituent_id",
                    ),
                    q,
                );
                qb.push(&scope);
                qb.push(&window);
                if let Some(s) = &f.status {
                    qb.push(" AND a.status = ").push_bind(s.clone());
                }
                push_tail(
                    &mut qb,
                    (self.scope.office_id, "a.opened_at", &order),
                    f,
                    limit,
                );
                qb
            })
        });
        Ok(hits(items, limit))
    }

    /// Mail (`records` false: emails, letters, post, documents) or records
    /// kept with files (`records` true: notes, calls, meetings, visits)
    /// whose subject, people (sender and recipients), body or an
    /// attachment's name or text hold every word of `q`. A message found
    /// both ways is found once, with its matching attachment. Each has its
    /// own index (FTS5 table, or partial GIN index on PostgreSQL), so that
    /// the few records are not looked for among the many emails.
    pub async fn search_mail(
        &self,
        q: &TextQuery,
        records: bool,
        f: &SearchFilter,
        limit: i64,
    ) -> Result<Hits<MailHit>> {
        let sqlite = self.is_sqlite();
        let visible = self.scope.message_condition("a");
        let office_id = self.scope.office_id;
        // As the indexes' own conditions are written (migration 0023).
        let (fts, channels) = if records {
            (
                "record_fts",
                " AND a.channel IN ('note', 'call', 'meeting', 'visit')",
            )
        } else {
            (
                "correspondence_fts",
                " AND a.channel NOT IN ('note', 'call', 'meeting', 'visit')",
            )
        };
        let conditions = format!("{visible}{channels}");
        let body = format!("substr(a.body_text, 1, {BODY_CHARS}) AS body");
        // The messages whose own text matches, then those with an attachment
        // that does. Both page by the message's id: an attachment's row is
        // written with its message, so their ids run in the same order.
        let sources = [
            (
                format!(
                    "{MAIL_COLUMNS}, {body}, CAST(NULL AS BIGINT) AS attachment_id, \
                     CAST(NULL AS TEXT) AS attachment_name, CAST(NULL AS TEXT) AS attachment_text"
                ),
                "correspondence",
                "a",
                fts,
                " LEFT JOIN cases k ON k.id = a.case_id",
            ),
            (
                format!(
                    "{MAIL_COLUMNS}, {body}, t.id AS attachment_id, t.filename AS attachment_name, \
                     substr(t.text, 1, {BODY_CHARS}) AS attachment_text"
                ),
                "attachments",
                "t",
                "attachment_fts",
                " JOIN correspondence a ON a.id = t.correspondence_id LEFT JOIN cases k ON k.id = a.case_id",
            ),
        ];
        let unpaged = SearchFilter {
            before: None,
            ..f.clone()
        };
        let mut found: Vec<Vec<MailHit>> = Vec::new();
        for (select, table, alias, fts, joins) in &sources {
            let own = if *table == "correspondence" {
                format!("{channels} AND a.office_id = {office_id}")
            } else {
                String::new()
            };
            let ids = self.probe(q, (table, alias, &own)).await?;
            let conditions = format!("{conditions}{}", ids.condition(&format!("{alias}.id")));
            let rows: Vec<MailHit> = on_read!(self, |pool| {
                // Messages page by their own id; attachments by their message's.
                let upper = f.before.filter(|_| *alias == "a");
                let order = format!("{alias}.id");
                fetch_planned!(pool, &ids, (limit, upper, order), |window| {
                    let mut qb = QueryBuilder::new("");
                    let order = push_match(&mut qb, sqlite, (select, table, alias, fts, joins), q);
                    qb.push(&conditions);
                    qb.push(&window);
                    if let Some(s) = &f.status {
                        qb.push(" AND k.status = ").push_bind(s.clone());
                    }
                    if let Some(before) = f.before {
                        qb.push(" AND a.id < ").push_bind(before);
                    }
                    push_tail(
                        &mut qb,
                        (office_id, "a.received_at", &order),
                        &unpaged,
                        limit,
                    );
                    qb
                })
            });
            found.push(rows);
        }
        let attached = found.pop().unwrap_or_default();
        let messages = found.pop().unwrap_or_default();
        // Merge the two, newest first, each message once.
        let mut all = messages;
        for a in attached {
            match all.iter_mut().find(|m| m.id == a.id) {
                Some(m) if m.attachment_id.is_none() => {
                    m.attachment_id = a.attachment_id;
                    m.attachment_name = a.attachment_name;
                    m.attachment_text = a.attachment_text;
                }
                Some(_) => {}
                None => all.push(a),
            }
        }
        all.sort_by_key(|m| std::cmp::Reverse(m.id));
        Ok(hits(all, limit))
    }

    /// Notes, calls, meetings and visits written on a case or a person's
    /// record that hold every word of `q`.
    pub async fn search_notes(
        &self,
        q: &TextQuery,
        f: &SearchFilter,
        limit: i64,
    ) -> Result<Hits<NoteHit>> {
        let sqlite = self.is_sqlite();
        let kinds = format!(
            " AND a.kind IN ('note', 'call', 'meeting', 'visit') AND a.office_id = {}",
            self.scope.office_id
        );
        let ids = self.probe(q, ("timeline", "a", &kinds)).await?;
        let visible = format!(
            "{}{}",
            self.scope.case_id_condition("a.case_id"),
            ids.condition("a.id")
        );
        let items = on_read!(self, |pool| {
            fetch_planned!(pool, &ids, (limit, f.before, "a.id"), |window| {
                let mut qb = QueryBuilder::new("");
                let order = push_match(
                    &mut qb,
                    sqlite,
                    (
                        "a.id, a.kind, a.case_id, k.reference AS case_reference, a.constituent_id, \
                         p.first_name, p.last_name, a.at, a.body",
                        "timeline",
                        "a",
                        "note_fts",
                        " LEFT JOIN constituents p ON p.id = a.constituent_id LEFT JOIN cases k ON k.id = a.case_id",
                    ),
                    q,
                );
                // An entry about a record kept with files is found as the record.
                qb.push(" AND a.kind IN ('note', 'call', 'meeting', 'visit') AND a.correspondence_id IS NULL");
                qb.push(&visible);
                qb.push(&window);
                if let Some(s) = &f.status {
                    qb.push(" AND k.status = ").push_bind(s.clone());
                }
                push_tail(&mut qb, (self.scope.office_id, "a.at", &order), f, limit);
                qb
            })
        });
        Ok(hits(items, limit))
    }
}
