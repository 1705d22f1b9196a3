//! Full-text search over cases, correspondence (with the text of its
//! attachments) and notes, under the reader's scope.
//!
//! On SQLite each kind has an FTS5 table (migration 0022) and a search reads
//! it newest first, stopping at the page's end (a search of several words
//! first looks oldest first for all of a few matches: see
//! [`OfficeData::listed`]); on PostgreSQL each searched
//! table has a `search` tsvector column with a GIN index, and the word
//! statistics choose between that index and reading newest first, each
//! kind in one statement (see [`OfficeData::read_for`]). Results are newest
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

/// How a search of one kind reads its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// SQLite: the FTS5 table, which reads newest first by itself.
    Fts,
    /// SQLite: the rows whose ids a first look at the FTS5 table found, all
    /// of the matches (see [`OfficeData::listed`]), given beside as a JSON
    /// array.
    Listed,
    /// PostgreSQL: every matching row's id through the GIN index, then the
    /// newest of them; with `below`, only ids at or below it.
    Index { below: Option<i64> },
    /// PostgreSQL: newest first among the rows with an id above `floor`
    /// and, with `below`, at or below it (see [`Read::then`]).
    Newest { floor: i64, below: Option<i64> },
}

impl Read {
    /// How a search reads on after this way found `found` rows, `total`
    /// with the ways before, when a page is `limit` rows (and one more, to
    /// tell whether more follow). Common words are read newest first among
    /// the newest tenth of [`WINDOW`] rows. If those did not fill the page
    /// but held enough matches that the rest of the window likely will
    /// (words that go together), the rest of the window is read; otherwise
    /// (words that seldom meet, or whose matches are older) the GIN index
    /// below them, and so below the window when it did not fill the page.
    fn then(self, found: i64, total: i64, limit: i64) -> Option<Read> {
        let Read::Newest { floor, below } = self else {
            return None;
        };
        if total > limit || floor <= 0 {
            return None;
        }
        let window = WINDOW.load(Ordering::Relaxed);
        let first = first_window();
        if below.is_none() && found * (window / first) > limit {
            return Some(Read::Newest {
                floor: floor - (window - first),
                below: Some(floor),
            });
        }
        Some(Read::Index { below: Some(floor) })
    }
}

/// How many of the newest rows a search of common words reads first.
fn first_window() -> i64 {
    (WINDOW.load(Ordering::Relaxed) / 10).max(1)
}

/// The searched table of one kind: its name and alias, its FTS5 table, the
/// condition on its own rows (aliased; the partial indexes' conditions as
/// they are written, and the office), and the tables joined to it.
struct Searched<'a> {
    select: &'a str,
    table: &'a str,
    alias: &'a str,
    fts: &'a str,
    own: &'a str,
    /// The page's start: only rows with an id below it.
    before: Option<i64>,
    joins: &'a str,
}

/// `s`'s condition on its own rows, and the page's start.
fn push_own<DB: sqlx::Database>(qb: &mut QueryBuilder<DB>, s: &Searched<'_>)
where
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    qb.push(s.own);
    if let Some(before) = s.before {
        qb.push(format_args!(" AND {}.id < ", s.alias))
            .push_bind(before);
    }
}

/// The head of a search query on one kind: the rows of `s`'s table whose
/// text matches `q`, read as `read` says, then its joins, ending in an open
/// WHERE. Returns the column the rows are ordered and paged by.
fn push_match<DB: sqlx::Database>(
    qb: &mut QueryBuilder<DB>,
    (read, listed): (Read, &str),
    s: &Searched<'_>,
    q: &TextQuery,
) -> String
where
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let Searched {
        select,
        table,
        alias,
        fts,
        joins,
        ..
    } = s;
    match read {
        Read::Fts => {
            qb.push(format_args!(
                "SELECT {select} FROM {fts} f JOIN {table} {alias} ON {alias}.id = f.rowid{joins} \
                 WHERE {fts} MATCH "
            ));
            qb.push_bind(q.fts5());
            push_own(qb, s);
            return "f.rowid".to_owned();
        }
        // One JSON list bound, not one placeholder per id: the statement's
        // text stays the same whatever the count, and so prepared once.
        Read::Listed => {
            qb.push(format_args!(
                "SELECT {select} FROM {table} {alias}{joins} \
                 WHERE {alias}.id IN (SELECT value FROM json_each("
            ));
            qb.push_bind(listed.to_owned()).push("))");
            push_own(qb, s);
        }
        // The ids first, apart: the planner, told to give the newest few,
        // would otherwise read the table backwards for words it cannot
        // tell rare from absent.
        Read::Index { below } => {
            qb.push(format_args!(
                "WITH m AS MATERIALIZED (SELECT {alias}.id FROM {table} {alias} WHERE "
            ));
            push_index_tsquery(qb, alias, q);
            push_own(qb, s);
            if let Some(floor) = below {
                // `+ 0`: not through the primary key, whose every id below
                // the newest rows the planner ANDed with the words' (205 ms).
                qb.push(format_args!(" AND {alias}.id + 0 <= "))
                    .push_bind(floor);
            }
            // Each id's row looked up by its key, newest first, until the
            // page is full: joined plainly, the planner merged the list
            // with the whole table read backwards (7 s for a file number).
            // The ids are sorted before the lookups (a subquery with its
            // own order is kept apart, and its order serves the page's):
            // sorted after them, every match was looked up, 3,294 rows and
            // 15 ms for `chloe dubois`, to keep the newest 41.
            qb.push(format_args!(
                ") SELECT {select} FROM (SELECT id FROM m ORDER BY id DESC) m CROSS JOIN LATERAL \
                 (SELECT * FROM {table} {alias} WHERE {alias}.id = m.id OFFSET 0) {alias}{joins} WHERE TRUE"
            ));
            return "m.id".to_owned();
        }
        // The newest rows read backwards through the primary key (or a
        // partial index on the id), apart: the planner, which multiplies
        // the words' shares, would otherwise think words that go together
        // rare and read all their matches through the GIN index.
        Read::Newest { floor, below } => {
            qb.push(format_args!(
                "SELECT {select} FROM (SELECT * FROM {table} {alias} WHERE TRUE"
            ));
            push_own(qb, s);
            qb.push(format_args!(" AND {alias}.id > ")).push_bind(floor);
            if let Some(top) = below {
                qb.push(format_args!(" AND {alias}.id <= ")).push_bind(top);
            }
            qb.push(format_args!(
                " ORDER BY {alias}.id DESC LIMIT {}) {alias}{joins} WHERE ",
                WINDOW.load(Ordering::Relaxed)
            ));
            push_tsquery(qb, alias, q);
        }
    }
    format!("{alias}.id")
}

/// `alias.search @@ (…)`: the words, prefixes and phrases of `q`, as one
/// condition, for reading rows one by one (each condition reads the row's
/// words afresh).
fn push_tsquery<DB: sqlx::Database>(qb: &mut QueryBuilder<DB>, alias: &str, q: &TextQuery)
where
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    // Made once, before the rows are read: a plan made for no words in
    // particular (see `fetch_search!`) would otherwise fold the words for
    // every row it reads (30 ms for 10,000 rows).
    qb.push(format_args!("{alias}.search @@ (SELECT "));
    push_parts(qb, q, None);
    qb.push(")");
}

/// The same as [`push_tsquery`], for the GIN index: one condition for each
/// word, prefix and phrase. The index then tests each row's membership
/// word by word, the rarest word leading and the others skipping ahead to
/// it, where one condition of several words had each candidate row tested
/// against the whole query: `chloe dubois` among 4,900,000 emails took
/// 3.2 ms, not 8.5; three common words that never meet 35 ms, not 55. A
/// part that holds no word the database indexes (a character its parser
/// drops) stands for the whole query instead, as it would within it.
fn push_index_tsquery<DB: sqlx::Database>(qb: &mut QueryBuilder<DB>, alias: &str, q: &TextQuery)
where
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let parts = q.words.len() + q.prefixes.len() + q.phrases.len();
    if parts < 2 {
        return push_tsquery(qb, alias, q);
    }
    for part in 0..parts {
        if part > 0 {
            qb.push(" AND ");
        }
        qb.push(format_args!(
            "{alias}.search @@ (SELECT CASE WHEN numnode(p) > 0 THEN p ELSE "
        ));
        push_parts(qb, q, None);
        qb.push(" END FROM (SELECT ");
        push_parts(qb, q, Some(part));
        qb.push(" AS p) x)");
    }
}

/// The tsquery of `q`'s words, prefixes and phrases ANDed, or of only its
/// `only`th part (the words, then the prefixes, then the phrases).
fn push_parts<DB: sqlx::Database>(qb: &mut QueryBuilder<DB>, q: &TextQuery, only: Option<usize>)
where
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut parts = 0;
    let mut and = |qb: &mut QueryBuilder<DB>| {
        if parts > 0 {
            qb.push(" && ");
        }
        parts += 1;
    };
    let words = match only {
        None if !q.words.is_empty() => Some(q.words.join(" ")),
        Some(i) if i < q.words.len() => Some(q.words[i].clone()),
        _ => None,
    };
    let only_in = |i: usize, before: usize| only.is_none_or(|o| o == before + i);
    if let Some(words) = words {
        and(qb);
        qb.push("plainto_tsquery('simple', casework_words(")
            .push_bind(words)
            .push("))");
    }
    let before = q.words.len();
    for (i, p) in q.prefixes.iter().enumerate() {
        if only_in(i, before) {
            and(qb);
            qb.push("to_tsquery('simple', ")
                .push_bind(format!("{p}:*"))
                .push(")");
        }
    }
    let before = before + q.prefixes.len();
    for (i, p) in q.phrases.iter().enumerate() {
        if only_in(i, before) {
            and(qb);
            qb.push("phraseto_tsquery('simple', casework_words(")
                .push_bind(p.join(" "))
                .push("))");
        }
    }
}

/// The filters every kind shares: dates, the page's start; then newest
/// first, one more row than the page to tell whether more follow.
fn push_tail<DB: sqlx::Database>(
    qb: &mut QueryBuilder<DB>,
    (date_column, order): (&str, &str),
    f: &SearchFilter,
    limit: i64,
) where
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
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
    qb.push(format_args!(" ORDER BY {order} DESC"));
    crate::common::push_limit(qb, limit + 1);
}

/// Only mail and notes on a case with status `status`.
fn push_status<DB: sqlx::Database>(qb: &mut QueryBuilder<DB>, status: &str)
where
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    qb.push(" AND EXISTS (SELECT 1 FROM cases k WHERE k.id = a.case_id AND k.status = ")
        .push_bind(status.to_owned())
        .push(")");
}

fn hits<T>(mut items: Vec<T>, limit: i64) -> Hits<T> {
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    Hits { items, more }
}

/// Below how many matches a SQLite search of several words reads them by
/// id (see [`OfficeData::listed`]).
const LISTED: i64 = 64;

/// Above how many rows a word counts as common.
const COMMON_ROWS: f64 = 2_000.0;
/// How many of the newest rows (by id) a PostgreSQL search of common words
/// reads newest first, at most (a tenth of them first: see [`Read::then`]),
/// before it reads the rest through the GIN index. A test narrows it to see
/// that every way finds the same.
#[doc(hidden)]
pub static WINDOW: AtomicI64 = AtomicI64::new(10_000);
/// How long (ms) a search through the GIN index below the newest rows may
/// take at most (common words that seldom meet).
const SEARCH_MS: u32 = 5_000;

/// The statistics ANALYZE keeps of a table's `search` column: its most
/// common words, each with the share of rows holding it. Read from
/// `pg_stats` (1–2 ms a time, six times a search) once a minute per table
/// and kept.
#[derive(Debug)]
struct WordStats {
    /// Rows with a `search` value.
    rows: f64,
    shares: std::collections::HashMap<String, f64>,
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

impl OfficeData {
    /// How a search of `table` (one of this module's, its FTS5 table
    /// `fts`) for `q` is read, with the ids a [`Read::Listed`] reads.
    /// SQLite's FTS5 reads newest first by itself (or the few matches of
    /// several words are listed first: [`OfficeData::listed`]). On PostgreSQL the
    /// planner cannot tell a rare word from an absent one and, to honour
    /// `ORDER BY id DESC LIMIT n`, reads the table backwards for both (2.4 s
    /// for a word found nowhere among 5,000,000 emails); and it multiplies
    /// words' shares as if they were independent, so words that go together
    /// are thought rare (a bitmap of 94,000 notes sorted took 3.2 s). So the
    /// statistics ANALYZE keeps of the `search` column (see [`WordStats`])
    /// decide:
    /// - every word and prefix common: newest first, among the newest
    ///   [`WINDOW`] rows, where their page is found at once; then, if it
    ///   was not, through the GIN index below them (which intersects the
    ///   words' lists); see [`Read::then`];
    /// - otherwise, or without statistics: every match through the GIN
    ///   index, then the newest few (a rare word bounds the matches).
    ///
    /// The newest rows' floor is read here, once, for every statement: each
    /// working it out for itself, a message stored between them would have
    /// been found twice.
    async fn read_for(
        &self,
        q: &TextQuery,
        (table, fts): (&str, &str),
        before: Option<i64>,
    ) -> Result<(Read, String)> {
        let Db::Postgres(pool) = &self.db else {
            return Ok(match self.listed(q, fts, before).await? {
                Some(ids) => (Read::Listed, ids),
                None => (Read::Fts, String::new()),
            });
        };
        let read = self.read_on(pool, q, table, before).await?;
        Ok((read, String::new()))
    }

    /// SQLite: the ids of every row of the FTS5 table `fts` that `q`
    /// matches (below `before`), as a JSON array, when they are fewer than
    /// [`LISTED`]; None when they may be more, or when reading them oldest
    /// first would gain nothing (one word, or a prefix, which FTS5 gathers
    /// whole either way).
    ///
    /// FTS5 reads a word's list newest first only page by page, so a word
    /// in every email beside a word in one (`file 22392371`) read the whole
    /// of the first: 2–7 ms. Oldest first, it skips to the rare word's rows
    /// (0.2 ms), and words that never meet are told apart a quarter sooner.
    /// So a query of several words first looks oldest first for a few
    /// matches; if it finds them all, their rows are read by id.
    async fn listed(
        &self,
        q: &TextQuery,
        fts: &str,
        before: Option<i64>,
    ) -> Result<Option<String>> {
        let Db::Sqlite { read: pool, .. } = &self.db else {
            return Ok(None);
        };
        let words = q.words.len() + q.phrases.iter().map(Vec::len).sum::<usize>();
        if words < 2 || !q.prefixes.is_empty() {
            return Ok(None);
        }
        let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT rowid FROM {fts} WHERE {fts} MATCH ?1 AND rowid < ?2 ORDER BY rowid LIMIT {LISTED}"
        )))
        .bind(q.fts5())
        .bind(before.unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?;
        if ids.len() as i64 >= LISTED {
            return Ok(None);
        }
        let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
        Ok(Some(format!("[{}]", ids.join(","))))
    }

    /// How a PostgreSQL search is read (see [`OfficeData::read_for`]).
    async fn read_on(
        &self,
        pool: &sqlx::PgPool,
        q: &TextQuery,
        table: &str,
        before: Option<i64>,
    ) -> Result<Read> {
        let Some(stats) = word_stats(pool, table).await? else {
            return Ok(Read::Index { below: None });
        };
        let common = |share: Option<f64>| share.is_some_and(|f| f * stats.rows > COMMON_ROWS);
        let all_common = !q.is_empty()
            && q.words
                .iter()
                .chain(q.phrases.iter().flatten())
                .all(|w| common(stats.share(w)))
            && q.prefixes.iter().all(|p| common(stats.starting(p)));
        if !all_common {
            return Ok(Read::Index { below: None });
        }
        // The newest id (below the page's start), through the primary key.
        let top: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COALESCE(max(id), 0) FROM {table} WHERE id < $1"
        )))
        .bind(before.unwrap_or(i64::MAX))
        .fetch_one(pool)
        .await?;
        Ok(Read::Newest {
            floor: top - first_window(),
            below: None,
        })
    }
}

/// Runs a search on `$pool` read as `$read` says, then on as
/// [`Read::then`] says while the page is not full: `$build` makes each
/// statement, given the way of reading bound to `$r`. Its text holds no
/// value of the query's nor the reader's id (those are bound; see
/// [`Scope::push_bound`](crate::Scope::push_bound)) but the office's, so it
/// is prepared once per connection for every reader who sees as much, and
/// planned once:
/// planning these statements took longer than running them (1–2 ms each,
/// seven a search of everything, against 0.01–0.05 ms of running a rare
/// word's). Through the GIN index below the newest rows, a statement past
/// [`SEARCH_MS`] is [`Error::SearchTooBroad`](crate::Error::SearchTooBroad).
macro_rules! fetch_search {
    ($pool:expr, $read:expr, $limit:expr, |$r:ident| $build:block) => {{
        let mut read: Read = $read;
        let mut rows = Vec::new();
        loop {
            let found: Vec<_> = if let Read::Index { below: Some(_) } = read {
                let $r = read;
                let mut qb = $build;
                let mut pooled = $pool.acquire().await?;
                let mut tx = sqlx::Connection::begin_with(
                    &mut *pooled,
                    sqlx::AssertSqlSafe(format!(
                        "BEGIN; SET LOCAL statement_timeout = {SEARCH_MS}"
                    )),
                )
                .await?;
                match qb.build_query_as().fetch_all(&mut *tx).await {
                    Ok(found) => {
                        tx.commit().await?;
                        found
                    }
                    Err(e) => {
                        drop(tx);
                        pooled.close_on_drop();
                        return Err(if timed_out(&e) {
                            $crate::Error::SearchTooBroad
                        } else {
                            e.into()
                        });
                    }
                }
            } else {
                let $r = read;
                let mut qb = $build;
                qb.build_query_as().fetch_all($pool).await?
            };
            let found_n = found.len() as i64;
            rows.extend(found);
            match read.then(found_n, rows.len() as i64, $limit) {
                Some(next) => read = next,
                None => break,
            }
        }
        rows
    }};
}

// A hit's case reference and person's name are read by subqueries, for
// the rows given only, not joined: a statement is planned once per
// connection (see `fetch_search!`), and a plan made for no words in
// particular had joined every case by hashing (40 ms a search).
const MAIL_COLUMNS: &str = "a.id, a.case_id, (SELECT k.reference FROM cases k WHERE k.id = a.case_id) AS case_reference, \
     a.constituent_id, a.direction, \
     a.channel, a.state, a.subject, a.from_name, a.from_address, a.received_at";

impl OfficeData {
    /// Cases whose reference, title or summary hold every word of `q`.
    pub async fn search_cases(
        &self,
        q: &TextQuery,
        f: &SearchFilter,
        limit: i64,
    ) -> Result<Hits<CaseHit>> {
        let own = format!(" AND a.office_id = {}", self.scope.office_id);
        let searched = Searched {
            select: "a.id, a.reference, a.title, a.summary, a.status, a.opened_at, \
                     a.constituent_id, \
                     (SELECT p.first_name FROM constituents p WHERE p.id = a.constituent_id) AS first_name, \
                     (SELECT p.last_name FROM constituents p WHERE p.id = a.constituent_id) AS last_name",
            table: "cases",
            alias: "a",
            fts: "case_fts",
            own: &own,
            before: f.before,
            joins: "",
        };
        let read = self.read_for(q, ("cases", "case_fts"), f.before).await?;
        let items = on_read!(self, |pool| {
            fetch_search!(pool, read.0, limit, |r| {
                let mut qb = QueryBuilder::new("");
                let order = push_match(&mut qb, (r, &read.1), &searched, q);
                self.scope.push_bound(&mut qb, |s| s.case_condition("a"));
                if let Some(s) = &f.status {
                    qb.push(" AND a.status = ").push_bind(s.clone());
                }
                push_tail(&mut qb, ("a.opened_at", &order), f, limit);
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
        let body = format!("substr(a.body_text, 1, {BODY_CHARS}) AS body");
        // The messages whose own text matches, then those with an attachment
        // that does. Both page by the message's id: an attachment's row is
        // written with its message, so their ids run in the same order.
        let own_select = format!(
            "{MAIL_COLUMNS}, {body}, CAST(NULL AS BIGINT) AS attachment_id, \
             CAST(NULL AS TEXT) AS attachment_name, CAST(NULL AS TEXT) AS attachment_text"
        );
        let attached_select = format!(
            "{MAIL_COLUMNS}, {body}, t.id AS attachment_id, t.filename AS attachment_name, \
             substr(t.text, 1, {BODY_CHARS}) AS attachment_text"
        );
        let own = format!("{channels} AND a.office_id = {office_id}");
        let sources = [
            Searched {
                select: &own_select,
                table: "correspondence",
                alias: "a",
                fts,
                own: &own,
                before: f.before,
                joins: "",
            },
            Searched {
                select: &attached_select,
                table: "attachments",
                alias: "t",
                fts: "attachment_fts",
                own: "",
                before: None,
                joins: " JOIN correspondence a ON a.id = t.correspondence_id",
            },
        ];
        // Attachments page by their message's id, below.
        let unpaged = SearchFilter {
            before: None,
            ..f.clone()
        };
        let mut found: Vec<Vec<MailHit>> = Vec::new();
        for s in &sources {
            let read = self.read_for(q, (s.table, s.fts), s.before).await?;
            let rows: Vec<MailHit> = on_read!(self, |pool| {
                fetch_search!(pool, read.0, limit, |r| {
                    let mut qb = QueryBuilder::new("");
                    let order = push_match(&mut qb, (r, &read.1), s, q);
                    self.scope.push_bound(&mut qb, |s| s.message_condition("a"));
                    qb.push(format_args!("{channels} AND a.office_id = "))
                        .push_bind(office_id);
                    if let Some(st) = &f.status {
                        push_status(&mut qb, st);
                    }
                    if let Some(before) = f.before {
                        qb.push(" AND a.id < ").push_bind(before);
                    }
                    push_tail(&mut qb, ("a.received_at", &order), &unpaged, limit);
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
        // As the index's own condition is written (migration 0022).
        let own = format!(
            " AND a.kind IN ('note', 'call', 'meeting', 'visit') AND a.office_id = {}",
            self.scope.office_id
        );
        let searched = Searched {
            select: "a.id, a.kind, a.case_id, \
                     (SELECT k.reference FROM cases k WHERE k.id = a.case_id) AS case_reference, a.constituent_id, \
                     (SELECT p.first_name FROM constituents p WHERE p.id = a.constituent_id) AS first_name, \
                     (SELECT p.last_name FROM constituents p WHERE p.id = a.constituent_id) AS last_name, \
                     a.at, a.body",
            table: "timeline",
            alias: "a",
            fts: "note_fts",
            own: &own,
            before: f.before,
            joins: "",
        };
        let read = self.read_for(q, ("timeline", "note_fts"), f.before).await?;
        let items = on_read!(self, |pool| {
            fetch_search!(pool, read.0, limit, |r| {
                let mut qb = QueryBuilder::new("");
                let order = push_match(&mut qb, (r, &read.1), &searched, q);
                // An entry about a record kept with files is found as the record.
                qb.push(" AND a.kind IN ('note', 'call', 'meeting', 'visit') AND a.correspondence_id IS NULL");
                self.scope
                    .push_bound(&mut qb, |s| s.case_id_condition("a.case_id"));
                if let Some(s) = &f.status {
                    push_status(&mut qb, s);
                }
                push_tail(&mut qb, ("a.at", &order), f, limit);
                qb
            })
        });
        Ok(hits(items, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_words_read_the_newest_tenth_then_the_rest_or_the_index() {
        let window = WINDOW.load(Ordering::Relaxed);
        let first = Read::Newest {
            floor: 100_000,
            below: None,
        };
        // Nothing among the newest tenth: words that seldom meet go to the
        // index at once.
        assert_eq!(
            first.then(0, 0, 40),
            Some(Read::Index {
                below: Some(100_000)
            })
        );
        // A few, too few to be worth the rest of the window.
        assert_eq!(
            first.then(4, 4, 40),
            Some(Read::Index {
                below: Some(100_000)
            })
        );
        // Enough that the rest of the window likely fills the page.
        let rest = Read::Newest {
            floor: 100_000 - (window - window / 10),
            below: Some(100_000),
        };
        assert_eq!(first.then(5, 5, 40), Some(rest));
        // The rest did not: the index below the whole window.
        assert_eq!(
            rest.then(30, 35, 40),
            Some(Read::Index {
                below: Some(100_000 - (window - window / 10))
            })
        );
        // A full page (and one more), or a table that goes no lower, ends it.
        assert_eq!(first.then(41, 41, 40), None);
        assert_eq!(rest.then(36, 41, 40), None);
        let small = Read::Newest {
            floor: 0,
            below: None,
        };
        assert_eq!(small.then(3, 3, 40), None);
        assert_eq!(Read::Index { below: None }.then(0, 0, 40), None);
        assert_eq!(Read::Fts.then(0, 0, 40), None);
    }
}
