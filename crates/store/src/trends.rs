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

/// `CASE WHEN at < b1 THEN 0 … END` for the period starts `bounds`
/// (numbers only, written into the SQL).
fn bucket_sql(column: &str, bounds: &[i64]) -> String {
    let mut sql = String::from("CAST(CASE");
    for (i, b) in bounds.iter().enumerate().skip(1) {
        sql.push_str(&format!(" WHEN {column} < {b} THEN {}", i - 1));
    }
    sql.push_str(" END AS BIGINT)");
    sql
}

impl OfficeData {
    /// Counts per period: `bounds` are the starts of the periods followed by
    /// the end of the last (Unix ms at midnight UTC), at most a few hundred.
    ///
    /// By a dimension (or everything): what anyone may see comes from the
    /// day counts the triggers keep (a few thousand rows a year), and what
    /// only some may see (sensitive cases, hidden messages) from its own
    /// rows, under the reader's scope. By location: from the rows.
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
            return self.trend_rows(kind, by, bounds, false).await;
        }
        let office_id = self.scope.office_id;
        let days: Vec<i64> = bounds.iter().map(|b| b.div_euclid(DAY_MS)).collect();
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
        let sql = format!(
            "SELECT key, bucket, CAST(SUM(n) AS BIGINT) AS n FROM (SELECT {key} AS key, {} AS bucket, tc.n FROM tag_day_counts tc{join} \
             WHERE tc.office_id = $1 AND tc.kind IN ({kinds}) AND tc.dimension_id = $2 AND tc.tag_id {} 0 \
             AND tc.day >= $3 AND tc.day < $4) q GROUP BY key, bucket",
            bucket_sql("tc.day", &days),
            if dimension == 0 { "=" } else { "<>" }
        );
        let mut counts: Vec<TrendCount> = on_read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(office_id)
                .bind(dimension)
                .bind(days[0])
                .bind(days[days.len() - 1])
                .fetch_all(pool)
                .await?
        });
        if let crate::CaseVisibility::AssignedSensitive(_) = self.scope.visibility {
            for c in self.trend_rows(kind, by, bounds, true).await? {
                match counts
                    .iter_mut()
                    .find(|x| x.key == c.key && x.bucket == c.bucket)
                {
                    Some(x) => x.n += c.n,
                    None => counts.push(c),
                }
            }
        }
        counts.retain(|c| c.n != 0);
        Ok(counts)
    }

    /// Counts from the rows themselves; with `hidden_only`, only the
    /// sensitive cases and hidden messages of the reader's own cases (what
    /// a caseworker adds to the day counts everyone sees).
    async fn trend_rows(
        &self,
        kind: TrendKind,
        by: TrendBy,
        bounds: &[i64],
        hidden_only: bool,
    ) -> Result<Vec<TrendCount>> {
        let office_id = self.scope.office_id;
        let (from, to) = (bounds[0], bounds[bounds.len() - 1]);
        let user = match self.scope.visibility {
            crate::CaseVisibility::AssignedSensitive(u) => u,
            _ => 0,
        };
        let (table, at, visible, person, hidden) = match kind {
            TrendKind::Cases => (
                "cases x",
                "x.opened_at",
                self.scope.case_condition("x"),
                "x.constituent_id",
                format!(" AND x.sensitive = TRUE AND x.assignee_id = {user}"),
            ),
            TrendKind::Messages => (
                "correspondence x",
                "x.received_at",
                self.scope.message_condition("x"),
                "x.constituent_id",
                format!(
                    " AND x.hidden = TRUE AND x.case_id IN (SELECT id FROM cases WHERE office_id = {office_id} AND assignee_id = {user})"
                ),
            ),
            TrendKind::Transfers => (
                "case_transfers tr JOIN cases x ON x.id = tr.case_id",
                "tr.transferred_at",
                self.scope.case_condition("x"),
                "x.constituent_id",
                format!(" AND x.sensitive = TRUE AND x.assignee_id = {user}"),
            ),
        };
        let bucket = bucket_sql(at, bounds);
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
                location_sql(office_id),
                format!(" JOIN constituents p ON p.id = {person}"),
            ),
            TrendBy::Everything => ("'*'".to_owned(), String::new()),
        };
        let sql = format!(
            "SELECT key, bucket, COUNT(*) AS n FROM (SELECT {key} AS key, {bucket} AS bucket FROM {table}{join} \
             WHERE x.office_id = $1 AND {at} >= $2 AND {at} < $3{}{visible}) q \
             WHERE key IS NOT NULL AND key <> '' GROUP BY key, bucket",
            if hidden_only { hidden.as_str() } else { "" }
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
