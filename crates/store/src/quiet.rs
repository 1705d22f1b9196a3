//! "No activity for N days": a task to update the constituent when an open
//! case has been quiet that long, and again every N days it stays quiet.
//! A case's last activity is its `updated_at`, which filing mail, a note,
//! a letter, an email sent or an edit move on.
//!
//! Each pass looks only at the cases that became quiet since the last one
//! (`offices.quiet_checked_at`): for N days, those whose last activity is
//! k·N days before a moment in (last pass, now], for k = 1, 2, …, each an
//! index range on `cases(office_id, updated_at)`. After a change of the
//! setting it looks at every open case once. The task's occasion names the
//! case, its last activity, the period's days and k, so it is made once per
//! quiet period, whatever the number of servers or passes.

use crate::{Result, Store, in_transaction};

const DAY_MS: i64 = 86_400_000;
const ENDED: &str = "('resolved', 'closed', 'transferred')";

/// Reminders stop after this long without activity (the case is surely
/// stale by then and has had its share of them).
const QUIET_HORIZON_DAYS: i64 = 730;

/// The shortest and longest quiet period an office or a category may set.
pub const QUIET_DAYS: std::ops::RangeInclusive<i64> = 7..=365;

/// A Category value with its own quiet period (None: its parent's, then the
/// office's; Some(0): never).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryQuiet {
    pub tag_id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub quiet_days: Option<i64>,
}

impl Store {
    /// Makes the quiet-case tasks of one office due `today`, in one
    /// transaction; returns how many.
    pub async fn quiet_pass(&self, office_id: i64, today: &str, now: i64) -> Result<u64> {
        in_transaction!(self, |tx| {
            // A write first: SQLite takes its write lock now (a read first
            // could not upgrade while another server's pass writes), and
            // PostgreSQL locks the office's row, so two passes take turns
            // and the second sees what the first looked at.
            sqlx::query("UPDATE offices SET quiet_checked_at = quiet_checked_at WHERE id = $1")
                .bind(office_id)
                .execute(&mut *tx)
                .await?;
            let (office_days, since): (i64, Option<i64>) =
                sqlx::query_as("SELECT quiet_days, quiet_checked_at FROM offices WHERE id = $1")
                    .bind(office_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let category: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM tag_dimensions WHERE office_id = $1 AND key = 'category'",
            )
            .bind(office_id)
            .fetch_optional(&mut *tx)
            .await?;
            let mut periods: Vec<i64> = match category {
                Some(dim) => {
                    sqlx::query_scalar(
                        "SELECT DISTINCT quiet_days FROM tags WHERE dimension_id = $1 \
                         AND quiet_days IS NOT NULL AND quiet_days > 0",
                    )
                    .bind(dim)
                    .fetch_all(&mut *tx)
                    .await?
                }
                None => Vec::new(),
            };
            if office_days > 0 {
                periods.push(office_days);
            }
            periods.sort_unstable();
            periods.dedup();
            let mut made = 0;
            for days in periods.into_iter().filter(|d| QUIET_DAYS.contains(d)) {
                let period = days * DAY_MS;
                // The last-activity ranges that became quiet since the last pass.
                let ranges: Vec<(i64, i64)> = match since {
                    None => vec![(i64::MIN / 2, now - period)],
                    Some(since) => (1..=(QUIET_HORIZON_DAYS + days - 1) / days)
                        .map(|k| (since - k * period, now - k * period))
                        .filter(|(lo, hi)| lo < hi)
                        .collect(),
                };
                if ranges.is_empty() {
                    continue;
                }
                let values: Vec<String> = ranges
                    .iter()
                    .map(|(lo, hi)| format!("({lo}, {hi})"))
                    .collect();
                // The case's period: its Category value's, else that value's
                // parent's, else the office's.
                let own = match category {
                    Some(dim) => format!(
                        "COALESCE((SELECT COALESCE(t.quiet_days, p.quiet_days) FROM case_tags ct \
                         JOIN tags t ON t.id = ct.tag_id LEFT JOIN tags p ON p.id = t.parent_id \
                         WHERE ct.case_id = c.id AND ct.dimension_id = {dim} LIMIT 1), {office_days})"
                    ),
                    None => office_days.to_string(),
                };
                let sql = format!(
                    // The open cases in the ranges first (materialised, so
                    // the ranges are read from cases(office_id, updated_at)
                    // before each case's period is looked up).
                    "WITH r(lo, hi) AS (VALUES {ranges}), \
                     q AS MATERIALIZED (SELECT c.id, c.office_id, c.reference, c.updated_at, c.assignee_id \
                     FROM r JOIN cases c ON c.office_id = $1 AND c.updated_at > r.lo AND c.updated_at <= r.hi \
                     WHERE c.status NOT IN {ENDED}) \
                     INSERT INTO tasks (office_id, case_id, kind, occasion, title, assignee_id, due_on, created_at, updated_at) \
                     SELECT c.office_id, c.id, 'quiet', \
                     'quiet:' || c.id || ':' || c.updated_at || ':{days}:' || (($3 - c.updated_at) / $4), \
                     'No news for {days} days: update the constituent (' || c.reference || ')', \
                     {assignee}, $2, $3, $3 \
                     FROM q c LEFT JOIN users u ON u.id = c.assignee_id WHERE {own} = {days} \
                     ON CONFLICT (office_id, occasion) WHERE occasion <> '' DO NOTHING",
                    ranges = values.join(", "),
                    assignee = crate::follow_up::ASSIGNEE,
                );
                made += sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(office_id)
                    .bind(today)
                    .bind(now)
                    .bind(period)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            sqlx::query("UPDATE offices SET quiet_checked_at = $2 WHERE id = $1")
                .bind(office_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            Ok(made)
        })
    }

    /// The office's Category values with their quiet periods, parents first.
    pub async fn category_quiet(&self, office_id: i64) -> Result<Vec<CategoryQuiet>> {
        crate::on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT t.id AS tag_id, t.name, t.parent_id, t.quiet_days FROM tags t \
                 JOIN tag_dimensions d ON d.id = t.dimension_id \
                 WHERE d.office_id = $1 AND d.key = 'category' AND t.merged_into IS NULL AND t.retired_at IS NULL \
                 ORDER BY COALESCE((SELECT p.position FROM tags p WHERE p.id = t.parent_id), t.position), \
                 COALESCE(t.parent_id, t.id), t.parent_id IS NOT NULL, t.position, t.name",
            )
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Sets Category values' quiet periods (tag, days); a change has the
    /// next pass look at every open case.
    pub async fn set_category_quiet(
        &self,
        office_id: i64,
        list: &[(i64, Option<i64>)],
    ) -> Result<()> {
        in_transaction!(self, |tx| {
            let mut changed = 0;
            for (tag, days) in list {
                changed += sqlx::query(
                    "UPDATE tags SET quiet_days = $3 WHERE id = $2 AND office_id = $1 \
                     AND quiet_days IS DISTINCT FROM $3",
                )
                .bind(office_id)
                .bind(tag)
                .bind(days)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            if changed > 0 {
                sqlx::query("UPDATE offices SET quiet_checked_at = NULL WHERE id = $1")
                    .bind(office_id)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }
}
