//! Counts of cases and messages per period, by a dimension's values or by
//! location, counting only what the reader may see.

use crate::{OfficeData, Result, on_read};

const DAY_MS: i64 = 86_400_000;

/// What is counted: cases by the day they were opened, messages by the
/// day they arrived (or were sent), or transfers of cases by the day they
/// were made (split by the case's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrendKind {
    Cases,
    Messages,
    Transfers,
}

/// What the counts are split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrendBy {
    /// A dimension's values; `rollup` counts a child value under its parent.
    Dimension { id: i64, rollup: bool },
    /// The constituent's ward (from the office's postcode table) or else
    /// postcode district.
    Location,
    /// Nothing: one row, every item (for the "no value" row).
    Everything,
}

/// One cell: `key` (a tag id, a location, or `*`) in period `bucket`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TrendCount {
    pub key: String,
    pub bucket: i64,
    pub n: i64,
}

/// The postcode district of the constituent aliased `p`: the postcode
/// without its last three characters (the inward part of a UK or Canadian
/// postcode), spaces removed, upper case.
pub(crate) const DISTRICT: &str = "SUBSTR(REPLACE(UPPER(p.postcode), ' ', ''), 1, LENGTH(REPLACE(UPPER(p.postcode), ' ', '')) - 3)";

/// The location of the constituent aliased `p`: the ward the office's table
/// gives for the full postcode or its district, else the district.
pub(crate) fn location_sql(office_id: i64) -> String {
    format!(
        "COALESCE((SELECT w.ward FROM postcode_wards w WHERE w.office_id = {office_id} \
         AND w.postcode IN (REPLACE(UPPER(p.postcode), ' ', ''), {DISTRICT}) \
         ORDER BY LENGTH(w.postcode) DESC LIMIT 1), {DISTRICT})"
    )
}

/// The periods between consecutive `bounds`.
fn periods(bounds: &[i64]) -> Vec<(i64, i64)> {
    bounds.windows(2).map(|w| (w[0], w[1])).collect()
}

/// `CASE WHEN at >= s0 AND at < e0 THEN 0 … END` for `ranges` (numbers
/// only, written into the SQL): NULL outside them.
pub(crate) fn range_sql(column: &str, ranges: &[(i64, i64)]) -> String {
    let mut sql = String::from("CAST(CASE");
    for (i, (start, end)) in ranges.iter().enumerate() {
        sql.push_str(&format!(
            " WHEN {column} >= {start} AND {column} < {end} THEN {i}"
        ));
    }
    sql.push_str(" END AS BIGINT)");
    sql
}

/// `CASE WHEN at < b1 THEN 0 … END` for the period starts `bounds`
/// (numbers only, written into the SQL).
pub(crate) fn bucket_sql(column: &str, bounds: &[i64]) -> String {
    let mut sql = String::from("CAST(CASE");
    for (i, b) in bounds.iter().enumerate().skip(1) {
        sql.push_str(&format!(" WHEN {column} < {b} THEN {}", i - 1));
    }
    sql.push_str(" END AS BIGINT)");
    sql
}

/// The UTC days a day count reads for the periods between `bounds`: from
/// the first day starting at or after the first bound to the first day
/// starting at or after the last (a UTC day falls in the period its first
/// moment falls in).
pub(crate) fn utc_days(bounds: &[i64]) -> (i64, i64) {
    let day = |b: i64| b.div_euclid(DAY_MS) + i64::from(b.rem_euclid(DAY_MS) != 0);
    (day(bounds[0]), day(bounds[bounds.len() - 1]))
}

/// The period of each UTC day of a day count (`day` its column).
pub(crate) fn day_bucket_sql(day: &str, bounds: &[i64]) -> String {
    bucket_sql(&format!("{day} * {DAY_MS}"), bounds)
}

/// Where a bound falls inside a UTC day (an office not on UTC): the bound's
/// index and the rest of that day, from the bound to the next UTC midnight,
/// which the day counts put in the period before the bound but which
/// belongs to the period after it.
pub(crate) fn day_edges(bounds: &[i64]) -> Vec<(usize, (i64, i64))> {
    bounds
        .iter()
        .enumerate()
        .filter(|(_, b)| b.rem_euclid(DAY_MS) != 0)
        .map(|(i, b)| (i, (*b, (b.div_euclid(DAY_MS) + 1) * DAY_MS)))
        .collect()
}

/// Adds `c` (times `sign`) to the cell of its key and period in `counts`.
fn add_count(counts: &mut Vec<TrendCount>, c: TrendCount, sign: i64) {
    match counts
        .iter_mut()
        .find(|x| x.key == c.key && x.bucket == c.bucket)
    {
        Some(x) => x.n += sign * c.n,
        None => counts.push(TrendCount { n: sign * c.n, ..c }),
    }
}

/// Moves what was counted from the rows of each edge slice (`sliced`, its
/// `bucket` the slice's index in `edges`) from the period before its bound
/// to the period after it, in day counts for the periods between `bounds`.
pub(crate) fn move_edges(
    counts: &mut Vec<TrendCount>,
    edges: &[(usize, (i64, i64))],
    sliced: Vec<TrendCount>,
    bounds: &[i64],
) {
    for c in sliced {
        let i = edges[c.bucket as usize].0;
        if i > 0 {
            let before = TrendCount {
                bucket: i as i64 - 1,
                ..c.clone()
            };
            add_count(counts, before, -1);
        }
        if i + 1 < bounds.len() {
            let after = TrendCount {
                bucket: i as i64,
                ..c
            };
            add_count(counts, after, 1);
        }
    }
}

/// Which rows a count from the rows takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// What the reader may see.
    Visible,
    /// Only the sensitive cases and hidden messages of the reader's own
    /// cases (what a caseworker adds to the day counts everyone sees).
    HiddenOwn,
    /// What the day counts hold for this reader: everything for those who
    /// see every case, else what is neither sensitive nor hidden.
    Shared,
    /// What the reader may see on one person's cases.
    Person(i64),
}

impl OfficeData {
    /// Counts per period: `bounds` are the starts of the periods followed by
    /// the end of the last (Unix ms: the office's midnights), at most a few
    /// hundred.
    ///
    /// By a dimension (or everything): what anyone may see comes from the
    /// day counts the triggers keep (a few thousand rows a year), and what
    /// only some may see (sensitive cases, hidden messages) from its own
    /// rows, under the reader's scope. The day counts are by UTC day: where
    /// a bound falls inside one (an office not on UTC), the part of that
    /// day on the bound's far side is counted from the rows and moved
    /// across. By location: from the rows.
    pub async fn trend_counts(
        &self,
        kind: TrendKind,
        by: TrendBy,
        bounds: &[i64],
    ) -> Result<Vec<TrendCount>> {
        if bounds.len() < 2 {
            return Ok(Vec::new());
        }
        // Locations, and transfers (a few a week), are counted from the rows.
        if by == TrendBy::Location || kind == TrendKind::Transfers {
            return self
                .trend_rows(kind, by, &periods(bounds), Rows::Visible)
                .await;
        }
        let office_id = self.scope.office_id;
        let (dimension, key, join) = match by {
            TrendBy::Dimension { id, rollup } => (
                id,
                if rollup {
                    "CAST(COALESCE(t.parent_id, t.id) AS TEXT)"
                } else {
                    "CAST(t.id AS TEXT)"
                },
                " JOIN tags t ON t.id = tc.tag_id",
            ),
            _ => (0, "'*'", ""),
        };
        // Managers and the representative count hidden items from the day
        // counts too; a caseworker adds only those on their own cases.
        let base = match kind {
            TrendKind::Cases | TrendKind::Transfers => "case",
            TrendKind::Messages => "message",
        };
        let all = self.scope.visibility == crate::CaseVisibility::All;
        let kinds = if all {
            format!("'{base}', '{base}_hidden'")
        } else {
            format!("'{base}'")
        };
        let (first, last) = utc_days(bounds);
        let sql = format!(
            "SELECT key, bucket, CAST(SUM(n) AS BIGINT) AS n FROM (SELECT {key} AS key, {} AS bucket, tc.n FROM tag_day_counts tc{join} \
             WHERE tc.office_id = $1 AND tc.kind IN ({kinds}) AND tc.dimension_id = $2 AND tc.tag_id {} 0 \
             AND tc.day >= $3 AND tc.day < $4) q GROUP BY key, bucket",
            day_bucket_sql("tc.day", bounds),
            if dimension == 0 { "=" } else { "<>" }
        );
        let mut counts: Vec<TrendCount> = on_read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(dimension)
                .bind(first)
                .bind(last)
                .fetch_all(pool)
                .await?
        });
        // The edges of UTC days inside periods, all in one query.
        let edges = day_edges(bounds);
        if !edges.is_empty() {
            let slices: Vec<(i64, i64)> = edges.iter().map(|(_, r)| *r).collect();
            let sliced = self.trend_rows(kind, by, &slices, Rows::Shared).await?;
            move_edges(&mut counts, &edges, sliced, bounds);
        }
        if let crate::CaseVisibility::AssignedSensitive(_) = self.scope.visibility {
            for c in self
                .trend_rows(kind, by, &periods(bounds), Rows::HiddenOwn)
                .await?
            {
                add_count(&mut counts, c, 1);
            }
        }
        counts.retain(|c| c.n != 0);
        Ok(counts)
    }

    /// Counts per period of what the reader may see on one person's cases
    /// (the cases assigned to them, and the messages on those), from the
    /// rows.
    pub async fn trend_counts_of(
        &self,
        kind: TrendKind,
        by: TrendBy,
        bounds: &[i64],
        person: i64,
    ) -> Result<Vec<TrendCount>> {
        if bounds.len() < 2 {
            return Ok(Vec::new());
        }
        self.trend_rows(kind, by, &periods(bounds), Rows::Person(person))
            .await
    }

    /// Counts from the rows themselves, of the rows `rows` says, in each
    /// of `ranges` (start, end; in order, not overlapping).
    async fn trend_rows(
        &self,
        kind: TrendKind,
        by: TrendBy,
        ranges: &[(i64, i64)],
        rows: Rows,
    ) -> Result<Vec<TrendCount>> {
        let office_id = self.scope.office_id;
        let (Some(first), Some(last)) = (ranges.first(), ranges.last()) else {
            return Ok(Vec::new());
        };
        let (from, to) = (first.0, last.1);
        let user = match self.scope.visibility {
            crate::CaseVisibility::AssignedSensitive(u) => u,
            _ => 0,
        };
        let all = self.scope.visibility == crate::CaseVisibility::All;
        // Cases by the index of their opening, which holds what is counted
        // (a caseworker's own sensitive cases have a smaller one).
        let cases_opened = match rows {
            Rows::HiddenOwn => "cases x".to_owned(),
            _ => format!("cases x{}", self.sqlite_index("cases_office_opened")),
        };
        let (table, at, visible, person, hidden, shared, of) = match kind {
            TrendKind::Cases => (
                cases_opened.as_str(),
                "x.opened_at",
                self.scope.case_condition("x"),
                "x.constituent_id",
                format!(" AND x.sensitive = TRUE AND x.assignee_id = {user}"),
                " AND x.sensitive = FALSE",
                " AND x.assignee_id = {p}",
            ),
            TrendKind::Messages => (
                "correspondence x",
                "x.received_at",
                self.scope.message_condition("x"),
                "x.constituent_id",
                format!(
                    " AND x.hidden = TRUE AND x.case_id IN (SELECT id FROM cases WHERE office_id = {office_id} AND assignee_id = {user})"
                ),
                " AND x.hidden = FALSE",
                " AND x.case_id IN (SELECT id FROM cases WHERE office_id = {o} AND assignee_id = {p})",
            ),
            TrendKind::Transfers => (
                "case_transfers tr JOIN cases x ON x.id = tr.case_id",
                "tr.transferred_at",
                self.scope.case_condition("x"),
                "x.constituent_id",
                format!(" AND x.sensitive = TRUE AND x.assignee_id = {user}"),
                " AND x.sensitive = FALSE",
                " AND x.assignee_id = {p}",
            ),
        };
        let condition = match rows {
            Rows::Visible => visible,
            Rows::HiddenOwn => format!("{hidden}{visible}"),
            Rows::Shared if all => String::new(),
            Rows::Shared => shared.to_owned(),
            Rows::Person(p) => format!(
                "{}{visible}",
                of.replace("{p}", &p.to_string())
                    .replace("{o}", &office_id.to_string())
            ),
        };
        let bucket = range_sql(at, ranges);
        // Slices apart (the edges of days): each read by its own range.
        let apart = ranges.windows(2).any(|w| w[0].1 != w[1].0);
        let condition = if apart {
            let each: Vec<String> = ranges
                .iter()
                .map(|(s, e)| format!("({at} >= {s} AND {at} < {e})"))
                .collect();
            format!(" AND ({}){condition}", each.join(" OR "))
        } else {
            condition
        };
        let (key, join) = match by {
            TrendBy::Dimension { id, rollup } => {
                let (tags, column) = match kind {
                    TrendKind::Cases | TrendKind::Transfers => ("case_tags", "case_id"),
                    TrendKind::Messages => ("correspondence_tags", "correspondence_id"),
                };
                let key = if rollup {
                    "CAST(COALESCE(t.parent_id, t.id) AS TEXT)"
                } else {
                    "CAST(t.id AS TEXT)"
                };
                (
                    key.to_owned(),
                    format!(
                        " JOIN {tags} it ON it.{column} = x.id AND it.dimension_id = {id} JOIN tags t ON t.id = it.tag_id"
                    ),
                )
            }
            TrendBy::Location => (
                // Without a ward table every location is the district: the
                // same answer, without looking for a ward row by row.
                if self.postcode_ward_count().await? == 0 {
                    DISTRICT.to_owned()
                } else {
                    location_sql(office_id)
                },
                format!(
                    " JOIN constituents p{} ON p.id = {person}",
                    self.sqlite_index("constituents_postcode_of")
                ),
            ),
            TrendBy::Everything => ("'*'".to_owned(), String::new()),
        };
        let sql = format!(
            "SELECT key, bucket, COUNT(*) AS n FROM (SELECT {key} AS key, {bucket} AS bucket FROM {table}{join} \
             WHERE x.office_id = $1 AND {at} >= $2 AND {at} < $3{condition}) q \
             WHERE key IS NOT NULL AND key <> '' AND bucket IS NOT NULL GROUP BY key, bucket"
        );
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?)
        })
    }

    /// How many postcodes the office's ward table holds.
    pub async fn postcode_ward_count(&self) -> Result<i64> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT COUNT(*) FROM postcode_wards WHERE office_id = $1")
                    .bind(self.scope.office_id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    /// Replaces the office's postcode → ward table; returns the rows kept.
    pub async fn set_postcode_wards(&self, rows: &[(String, String)]) -> Result<usize> {
        let office_id = self.scope.office_id;
        crate::in_transaction!(self, |tx| {
            sqlx::query("DELETE FROM postcode_wards WHERE office_id = $1")
                .bind(office_id)
                .execute(&mut *tx)
                .await?;
            for chunk in rows.chunks(1000) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO postcode_wards (office_id, postcode, ward) ",
                );
                qb.push_values(chunk, |mut b, (postcode, ward)| {
                    b.push_bind(office_id)
                        .push_bind(postcode.as_str())
                        .push_bind(ward.as_str());
                });
                qb.build().execute(&mut *tx).await?;
            }
        });
        Ok(rows.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_bounds() {
        assert_eq!(
            bucket_sql("x.at", &[0, 10, 20, 30]),
            "CAST(CASE WHEN x.at < 10 THEN 0 WHEN x.at < 20 THEN 1 WHEN x.at < 30 THEN 2 END AS BIGINT)"
        );
    }
}
