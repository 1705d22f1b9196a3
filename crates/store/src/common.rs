//! What the rooms of the store share: the column lists of cases and the
//! timeline, the macros that append to the timeline and write search terms
//! inside a transaction, the case-visibility restriction for query builders,
//! and keyset paging.

use sqlx::QueryBuilder;

use crate::model::*;
use crate::scope::{CaseVisibility, Scope};

pub(crate) const CASE_COLUMNS: &str = "SELECT c.id, c.office_id, c.reference, c.constituent_id, c.title, \
    c.summary, c.agency, c.status, c.assignee_id, c.sensitive, \
    c.review_date, c.opened_at, c.closed_at, c.updated_at, c.version, \
    (p.first_name || ' ' || p.last_name) AS constituent_name, u.display_name AS assignee_name \
    FROM cases c JOIN constituents p ON p.id = c.constituent_id \
    LEFT JOIN users u ON u.id = c.assignee_id ";

/// The columns of a timeline row that [`ENTRY_SELECT`] reads from `t`,
/// each prefixed with `alias`.
pub(crate) fn entry_fields(alias: &str) -> String {
    [
        "id",
        "office_id",
        "constituent_id",
        "case_id",
        "kind",
        "actor_id",
        "at",
        "body",
        "changes",
        "correspondence_id",
    ]
    .map(|f| format!("{alias}.{f}"))
    .join(", ")
}
/// A timeline entry as [`TimelineEntry`] reads it, from the entries `t`,
/// their cases `c` and the users `u` (the statement adds the `FROM`).
pub(crate) const ENTRY_SELECT: &str = "SELECT t.id, t.constituent_id, t.case_id, c.reference AS case_reference, \
    t.kind, t.actor_id, u.display_name AS actor_name, t.at, t.body, t.changes, t.correspondence_id";

/// Appends `$entry` to the timeline inside transaction `$tx`.
macro_rules! append_entry {
    ($tx:ident, $office:expr, $constituent:expr, $case:expr, $at:expr, $entry:expr) => {{
        $crate::common::bind_entry!(
            sqlx::query(
                "INSERT INTO timeline (office_id, constituent_id, case_id, at, kind, actor_id, body, changes, correspondence_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind($office)
            .bind($constituent)
            .bind($case)
            .bind($at),
            $entry
        )
        .execute(&mut *$tx)
        .await?;
    }};
}

pub(crate) use append_entry;

/// Binds a new history entry's own values, in this order: kind, actor,
/// body, changes, message (the columns after `at` in [`append_entry!`]).
macro_rules! bind_entry {
    ($q:expr, $entry:expr) => {{
        let e: &$crate::NewEntry = $entry;
        $q.bind(e.kind)
            .bind(e.actor_id)
            .bind(&e.body)
            .bind(&e.changes)
            .bind(e.correspondence_id)
    }};
}

pub(crate) use bind_entry;

/// The constituent of an office's case, inside transaction `$tx`; returns
/// `Err(Error::NotFound)` from the enclosing function if there is no such case.
macro_rules! case_constituent {
    ($tx:ident, $office:expr, $case:expr) => {{
        let constituent: Option<i64> =
            sqlx::query_scalar("SELECT constituent_id FROM cases WHERE id = $1 AND office_id = $2")
                .bind($case)
                .bind($office)
                .fetch_optional(&mut *$tx)
                .await?;
        match constituent {
            Some(c) => c,
            None => return Err(Error::NotFound),
        }
    }};
}

pub(crate) use case_constituent;

/// Records files (already in the blob store) as attachments of
/// correspondence `$id`, inside transaction `$tx`.
macro_rules! insert_attachments {
    ($tx:ident, $id:expr, $files:expr) => {{
        let files: &[$crate::NewAttachment] = $files;
        if !files.is_empty() {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO attachments (correspondence_id, filename, content_type, size, blob, text) ",
            );
            qb.push_values(files, |mut b, a| {
                b.push_bind($id)
                    .push_bind(a.filename.as_str())
                    .push_bind(a.content_type.as_str())
                    .push_bind(a.size)
                    .push_bind(a.blob.as_str())
                    .push_bind(a.text.as_str());
            });
            qb.build().execute(&mut *$tx).await?;
        }
    }};
}

pub(crate) use insert_attachments;

/// Replaces a constituent's search terms inside transaction `$tx`: deletes
/// the terms they no longer have and adds the new ones, so a change that
/// leaves the terms as they were (a note, a do-not-contact flag) writes
/// none. Each term written is a leaf of a large index read from disk in a
/// big office: rewriting the twenty terms of a person at every change made
/// it the slowest write of a 10,000,000-person office.
macro_rules! write_terms {
    ($tx:ident, $office:expr, $id:expr, $terms:expr) => {{
        let old: Vec<String> =
            sqlx::query_scalar("SELECT term FROM constituent_terms WHERE constituent_id = $1")
                .bind($id)
                .fetch_all(&mut *$tx)
                .await?;
        let new: &[String] = $terms;
        let gone: Vec<&String> = old.iter().filter(|t| !new.contains(t)).collect();
        if !gone.is_empty() {
            let mut qb = QueryBuilder::new("DELETE FROM constituent_terms WHERE constituent_id = ");
            qb.push_bind($id).push(" AND term IN (");
            let mut list = qb.separated(", ");
            for t in &gone {
                list.push_bind(t.as_str());
            }
            qb.push(")");
            qb.build().execute(&mut *$tx).await?;
        }
        let mut added: Vec<&String> = Vec::new();
        for t in new {
            if !old.contains(t) && !added.contains(&t) {
                added.push(t);
            }
        }
        if !added.is_empty() {
            let mut qb = QueryBuilder::new(
                "INSERT INTO constituent_terms (office_id, term, constituent_id) ",
            );
            qb.push_values(added, |mut b, t| {
                b.push_bind($office).push_bind(t.as_str()).push_bind($id);
            });
            qb.build().execute(&mut *$tx).await?;
        }
    }};
}

pub(crate) use write_terms;

/// Adds the sensitive-case restriction for `scope` to a query on `cases c`.
pub(crate) fn push_case_scope<DB: sqlx::Database>(qb: &mut QueryBuilder<DB>, scope: &Scope)
where
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    qb.push(" AND c.office_id = ").push_bind(scope.office_id);
    match scope.visibility {
        CaseVisibility::All => {}
        CaseVisibility::AssignedSensitive(user) => {
            qb.push(" AND (c.sensitive = FALSE OR c.assignee_id = ")
                .push_bind(user)
                .push(")");
        }
        CaseVisibility::NoSensitive => {
            qb.push(" AND c.sensitive = FALSE");
        }
    }
}

/// Keeps the items (cases or messages: `outer` is their id column, `table`
/// and `column` their tags) that carry one of `tags`. Within a period the
/// period's items are few, and each is probed in its own tags (their
/// primary key); otherwise the items are found from the tags (the
/// `tag_id` index), which is fast for a tag used rarely.
pub(crate) fn push_tags_filter<DB: sqlx::Database>(
    qb: &mut QueryBuilder<DB>,
    tags: &[i64],
    (table, column, outer): (&str, &str, &str),
    within: bool,
) where
    i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    if tags.is_empty() {
        return;
    }
    if within {
        // `+` keeps SQLite on the item's own key (one seek, its few tags
        // read in order) instead of one seek per tag in the tag index.
        qb.push(format_args!(
            " AND EXISTS (SELECT 1 FROM {table} it WHERE it.{column} = {outer} AND +it.tag_id IN ("
        ));
    } else {
        qb.push(format_args!(
            " AND {outer} IN (SELECT it.{column} FROM {table} it WHERE it.tag_id IN ("
        ));
    }
    let mut ids = qb.separated(", ");
    for t in tags {
        ids.push_bind(*t);
    }
    qb.push("))");
}

/// ` LIMIT n`, written into the statement, not bound. A prepared statement
/// with a bound limit is planned afresh on every call on PostgreSQL: a plan
/// made for any limit is costed as if every row were wanted, so the plan
/// made for the value given always looks cheaper (0.5–2 ms a call, more
/// than running most of these). Limits are pages' sizes set in code, so
/// the statements stay few.
pub(crate) fn push_limit<DB: sqlx::Database>(qb: &mut QueryBuilder<DB>, n: i64) {
    qb.push(format_args!(" LIMIT {n}"));
}

/// Cuts a `limit + 1` result to `limit` rows and says where the next page starts.
pub(crate) fn page<T>(mut items: Vec<T>, limit: usize, cursor: impl Fn(&T) -> Cursor) -> Page<T> {
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(&cursor)
    } else {
        None
    };
    Page { items, next }
}
