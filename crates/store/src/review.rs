//! The weekly review's figures: what came in, what went out and closed,
//! what needs action, each caseworker's load, and the cases raised with the
//! representative. Every count is taken under the reader's scope, and for
//! one person's review (`person`) on the cases assigned to them only, with
//! the same conditions as the list it opens.

use crate::trends::{TrendCount, day_bucket_sql, day_edges, move_edges, range_sql, utc_days};
use crate::{Error, OfficeData, Result, on_read};

/// The statuses of a case that still needs work.
pub const ACTIVE: &str = "('new', 'open', 'awaiting_third_party', 'awaiting_constituent')";

/// What went out of the office and what closed in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WentOut {
    /// Emails written to send (replies and new emails), not campaign replies.
    pub emails: i64,
    pub letters_printed: i64,
    /// Cases resolved (or closed while still open).
    pub resolved: i64,
    pub closed: i64,
}

/// Where the review's "needs action" counts are taken.
#[derive(Debug, Clone, Default)]
pub struct ActionAt {
    /// Today in the office's time zone (`YYYY-MM-DD`).
    pub today: String,
    /// A week from today (`YYYY-MM-DD`).
    pub week_ahead: String,
    /// Cases not changed since (Unix ms) are quiet.
    pub quiet_before: i64,
    /// Mail in intake since before this (Unix ms) has waited too long.
    pub intake_before: i64,
}

/// What needs action now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NeedsAction {
    pub overdue_enquiries: i64,
    pub enquiries_due_soon: i64,
    pub review_date_passed: i64,
    pub quiet: i64,
    /// Open cases that are sensitive (a restricting Sensitivity value).
    pub sensitive: i64,
    /// Emails and letters waiting for approval.
    pub awaiting_approval: i64,
    pub intake_waiting: i64,
}

/// Open cases of one caseworker (or of nobody) in one age bracket.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenCount {
    pub assignee_id: Option<i64>,
    pub bucket: i64,
    pub sensitive: bool,
    pub n: i64,
}

/// A case raised with the representative.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseFlag {
    pub id: i64,
    pub case_id: i64,
    pub case_reference: String,
    pub case_title: String,
    pub summary: String,
    pub flagged_by: i64,
    pub flagged_by_name: String,
    pub flagged_at: i64,
}

/// Where counts come from: the key of each, the table (or `FROM` clause),
/// and the conditions on its rows (each starting with ` AND`).
struct Kept<'a> {
    key: &'a str,
    table: &'a str,
    conditions: String,
}

/// `AND` a case aliased `x` is one person's, when the review is theirs.
fn assigned_to(person: Option<i64>) -> String {
    person
        .map(|p| format!(" AND x.assignee_id = {p}"))
        .unwrap_or_default()
}

impl OfficeData {
    /// The rows of `sql`, which binds the office as `$1` and a period as
    /// `$2` and `$3`.
    async fn fetch_between<T>(&self, sql: String, from: i64, to: i64) -> Result<Vec<T>>
    where
        T: Send + Unpin,
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(self.scope.office_id)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?)
        })
    }

    /// The messages aliased `x` a review counts: all of the office's, or
    /// those on one person's cases, read from their cases (`FROM` clause,
    /// then the `AND` conditions that join them).
    fn messages_of(&self, person: Option<i64>) -> (&'static str, String) {
        match person {
            // CROSS JOIN: SQLite reads the person's cases first, then each
            // one's messages by its index, not every message of the office.
            Some(p) => (
                "cases pc CROSS JOIN correspondence x",
                format!(
                    " AND x.case_id = pc.id AND pc.office_id = {} AND pc.assignee_id = {p}",
                    self.scope.office_id
                ),
            ),
            None => ("correspondence x", String::new()),
        }
    }

    /// A message's visibility, quick for the many that anyone may see
    /// (`hidden` false: on no sensitive case and not highly sensitive).
    fn message_visible(&self, alias: &str) -> String {
        let rule = self.scope.message_condition(alias);
        if rule.is_empty() {
            rule
        } else {
            format!(" AND ({alias}.hidden = FALSE OR (1 = 1{rule}))")
        }
    }

    /// Of the counts the triggers keep (`mail_day_counts`,
    /// `open_tag_counts`, `open_enquiry_counts`, `open_case_counts`), the
    /// rows the reader counts (`hidden` names their
    /// column for hidden messages or sensitive cases), and for one person's
    /// review only those of their cases.
    fn kept_counts(&self, hidden: &str, person: Option<i64>) -> String {
        let scope = match self.scope.visibility {
            crate::CaseVisibility::All => String::new(),
            crate::CaseVisibility::NoSensitive => format!(" AND {hidden} = FALSE"),
            crate::CaseVisibility::AssignedSensitive(u) => {
                format!(" AND ({hidden} = FALSE OR assignee_id = {u})")
            }
        };
        let mine = person
            .map(|p| format!(" AND assignee_id = {p}"))
            .unwrap_or_default();
        format!("{scope}{mine}")
    }

    /// Mail in `direction` in each period (`bounds` as for Trends), by
    /// channel, campaign copies under the key `campaign`: from the day
    /// counts, with the parts of UTC days on the far side of a bound (an
    /// office not on UTC) counted from the rows and moved across.
    async fn mail_counts(
        &self,
        bounds: &[i64],
        direction: &str,
        person: Option<i64>,
    ) -> Result<Vec<TrendCount>> {
        let (from, mine) = self.messages_of(person);
        self.kept_by_day(
            bounds,
            Kept {
                key: "key",
                table: "mail_day_counts",
                conditions: format!(
                    " AND direction = '{direction}'{}",
                    self.kept_counts("hidden", person)
                ),
            },
            Kept {
                key: "CASE WHEN x.campaign_id IS NULL THEN x.channel ELSE 'campaign' END",
                table: from,
                conditions: format!(
                    " AND x.direction = '{direction}'{}{mine}",
                    self.message_visible("x")
                ),
            },
            "x.received_at",
        )
        .await
    }

    /// Counts per period (`bounds` as for Trends) from a table of counts
    /// by UTC day the triggers keep (`kept`: its key, the table, and the
    /// conditions on its rows), with the part of a UTC day on the far side
    /// of a bound (an office not on UTC) counted from the rows themselves
    /// (`rows`, aliased `x`, timed by `at`) and moved across.
    async fn kept_by_day(
        &self,
        bounds: &[i64],
        kept: Kept<'_>,
        rows: Kept<'_>,
        at: &str,
    ) -> Result<Vec<TrendCount>> {
        let (first, last) = utc_days(bounds);
        let sql = format!(
            "SELECT key, bucket, CAST(SUM(n) AS BIGINT) AS n FROM (SELECT {} AS key, {} AS bucket, n FROM {} \
             WHERE office_id = $1 AND day >= $2 AND day < $3{}) q WHERE bucket IS NOT NULL GROUP BY key, bucket",
            kept.key,
            day_bucket_sql("day", bounds),
            kept.table,
            kept.conditions,
        );
        let mut counts: Vec<TrendCount> = self.fetch_between(sql, first, last).await?;
        let edges = day_edges(bounds);
        if !edges.is_empty() {
            let slices: Vec<(i64, i64)> = edges.iter().map(|(_, r)| *r).collect();
            let each: Vec<String> = slices
                .iter()
                .map(|(s, e)| format!("({at} >= {s} AND {at} < {e})"))
                .collect();
            let sql = format!(
                "SELECT key, bucket, COUNT(*) AS n FROM (SELECT {} AS key, {} AS bucket FROM {} \
                 WHERE x.office_id = $1 AND {at} >= $2 AND {at} < $3 AND ({}){}) q GROUP BY key, bucket",
                rows.key,
                range_sql(at, &slices),
                rows.table,
                each.join(" OR "),
                rows.conditions,
            );
            let (from, to) = (slices[0].0, slices[slices.len() - 1].1);
            let sliced = self.fetch_between(sql, from, to).await?;
            move_edges(&mut counts, &edges, sliced, bounds);
        }
        counts.retain(|c| c.n != 0);
        Ok(counts)
    }

    /// How many of the office's kept review counts (`mail_day_counts`,
    /// `open_tag_counts`, `open_enquiry_counts`, `open_case_counts`) differ from what their rows give now: 0 when the
    /// triggers have kept them on every path.
    pub async fn review_count_drift(&self) -> Result<i64> {
        let kept = [
            "SELECT day, assignee_id, direction, key, hidden, n FROM mail_day_counts WHERE office_id = $1 AND n <> 0",
            "SELECT tag_id, assignee_id, sensitive, n FROM open_tag_counts WHERE office_id = $1 AND n <> 0",
            "SELECT due_on, assignee_id, sensitive, n FROM open_enquiry_counts WHERE office_id = $1 AND n <> 0",
            "SELECT day, assignee_id, sensitive, n FROM open_case_counts WHERE office_id = $1 AND n <> 0",
        ];
        let rows = [
            "SELECT m.received_at / 86400000, COALESCE(c.assignee_id, 0), m.direction, \
             CASE WHEN m.campaign_id IS NULL THEN m.channel ELSE 'campaign' END, m.hidden, COUNT(*) \
             FROM correspondence m LEFT JOIN cases c ON c.id = m.case_id WHERE m.office_id = $1 GROUP BY 1, 2, 3, 4, 5",
            "SELECT ct.tag_id, COALESCE(c.assignee_id, 0), c.sensitive, COUNT(*) FROM case_tags ct \
             JOIN cases c ON c.id = ct.case_id WHERE c.office_id = $1 AND c.status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent') \
             GROUP BY 1, 2, 3",
            "SELECT e.due_on, COALESCE(c.assignee_id, 0), c.sensitive, COUNT(*) FROM enquiries e \
             JOIN cases c ON c.id = e.case_id WHERE e.office_id = $1 AND e.answered_on IS NULL AND e.escalated_to IS NULL \
             GROUP BY 1, 2, 3",
            "SELECT opened_at / 86400000, COALESCE(assignee_id, 0), sensitive, COUNT(*) FROM cases \
             WHERE office_id = $1 AND status IN ('new', 'open', 'awaiting_third_party', 'awaiting_constituent') GROUP BY 1, 2, 3",
        ];
        let mut drift = 0;
        for (kept, rows) in kept.iter().zip(rows) {
            let sql = format!(
                "SELECT (SELECT COUNT(*) FROM ({kept} EXCEPT {rows}) a) + (SELECT COUNT(*) FROM ({rows} EXCEPT {kept}) b)"
            );
            drift += on_read!(self, |pool| {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                    .bind(self.scope.office_id)
                    .fetch_one(pool)
                    .await?
            });
        }
        Ok(drift)
    }

    /// Mail received in each period (`bounds` as for Trends), by channel;
    /// campaign copies are counted apart under the key `campaign`.
    pub async fn review_mail_in(
        &self,
        bounds: &[i64],
        person: Option<i64>,
    ) -> Result<Vec<TrendCount>> {
        self.mail_counts(bounds, "in", person).await
    }

    /// What went out and what closed in [from, to).
    pub async fn review_went_out(
        &self,
        from: i64,
        to: i64,
        person: Option<i64>,
    ) -> Result<WentOut> {
        let office_id = self.scope.office_id;
        let cases_mine = assigned_to(person);
        let visible_case = self.scope.case_condition("x");
        // Letters printed are few: read by when they were printed.
        let printed = format!(
            "SELECT COUNT(*) FROM correspondence x WHERE x.office_id = $1 AND x.channel = 'letter' \
             AND x.printed_at >= $2 AND x.printed_at < $3{}{}",
            self.message_visible("x"),
            match person {
                Some(p) => format!(
                    " AND x.case_id IN (SELECT id FROM cases WHERE office_id = {office_id} AND assignee_id = {p})"
                ),
                None => String::new(),
            }
        );
        let resolved = format!(
            "SELECT COUNT(*) FROM cases x WHERE x.office_id = $1 AND x.resolved_at >= $2 AND x.resolved_at < $3{visible_case}{cases_mine}"
        );
        let closed = format!(
            "SELECT COUNT(*) FROM cases x WHERE x.office_id = $1 AND x.closed_at >= $2 AND x.closed_at < $3 \
             AND x.status = 'closed'{visible_case}{cases_mine}"
        );
        // Emails written to send: not campaign replies.
        let emails = self
            .mail_counts(&[from, to], "out", person)
            .await?
            .iter()
            .filter(|c| c.key == "email")
            .map(|c| c.n)
            .sum();
        let mut out = [emails, 0, 0, 0];
        for (slot, sql) in out.iter_mut().skip(1).zip([printed, resolved, closed]) {
            *slot = on_read!(self, |pool| {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(office_id)
                    .bind(from)
                    .bind(to)
                    .fetch_one(pool)
                    .await?
            });
        }
        Ok(WentOut {
            emails: out[0],
            letters_printed: out[1],
            resolved: out[2],
            closed: out[3],
        })
    }

    /// How long cases waited: the median (ms) and how many cases, from
    /// opening to the office's first reply for cases first answered in
    /// [from, to), and from opening to resolution for cases resolved in it.
    /// The median is read in the database (a count, then the middle rows).
    pub async fn review_medians(
        &self,
        from: i64,
        to: i64,
        person: Option<i64>,
    ) -> Result<[(i64, Option<f64>); 2]> {
        let mine = assigned_to(person);
        let visible = self.scope.case_condition("x");
        let mut out = [(0, None); 2];
        for (slot, column) in out.iter_mut().zip(["first_response_at", "resolved_at"]) {
            let rows = format!(
                "FROM cases x WHERE x.office_id = $1 AND x.{column} >= $2 AND x.{column} < $3{visible}{mine}"
            );
            let n: Vec<(i64,)> = self
                .fetch_between(format!("SELECT COUNT(*) {rows}"), from, to)
                .await?;
            let n = n.first().map_or(0, |(n,)| *n);
            if n == 0 {
                continue;
            }
            let (take, skip) = if n % 2 == 0 {
                (2, n / 2 - 1)
            } else {
                (1, n / 2)
            };
            let middle: Vec<(i64,)> = self
                .fetch_between(
                    format!(
                        "SELECT d FROM (SELECT CASE WHEN x.{column} > x.opened_at THEN x.{column} - x.opened_at ELSE 0 END AS d \
                         {rows}) q ORDER BY d LIMIT {take} OFFSET {skip}"
                    ),
                    from,
                    to,
                )
                .await?;
            let sum: i64 = middle.iter().map(|(d,)| d).sum();
            *slot = (n, Some(sum as f64 / middle.len().max(1) as f64));
        }
        Ok(out)
    }

    /// What needs action now.
    pub async fn review_needs_action(
        &self,
        at: &ActionAt,
        person: Option<i64>,
    ) -> Result<NeedsAction> {
        let office_id = self.scope.office_id;
        let visible_case = self.scope.case_condition("x");
        let cases_mine = assigned_to(person);
        // Waiting enquiries by due day, kept by the triggers.
        let enquiries = self.kept_counts("sensitive", person);
        // Few wait for approval (or in intake): those first, then whether
        // on the person's cases.
        let mine = match person {
            Some(p) => format!(
                " AND x.case_id IN (SELECT id FROM cases WHERE office_id = {office_id} AND assignee_id = {p})"
            ),
            None => String::new(),
        };
        let visible_message = self.message_visible("x");
        let queries = [
            format!(
                "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM open_enquiry_counts WHERE office_id = $1 \
                 AND due_on < $2 AND $3 = $3 AND $4 = $4{enquiries}"
            ),
            format!(
                "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM open_enquiry_counts WHERE office_id = $1 \
                 AND due_on >= $2 AND due_on < $3 AND $4 = $4{enquiries}"
            ),
            format!(
                "SELECT COUNT(*) FROM cases x WHERE x.office_id = $1 AND x.review_date < $2 AND x.status IN {ACTIVE} \
                 AND $3 = $3 AND $4 = $4{visible_case}{cases_mine}"
            ),
            format!(
                "SELECT COUNT(*) FROM cases x WHERE x.office_id = $1 AND x.status IN {ACTIVE} AND x.updated_at < $4 \
                 AND $2 = $2 AND $3 = $3{visible_case}{cases_mine}"
            ),
            format!(
                "SELECT COUNT(*) FROM outbox o JOIN correspondence x ON x.id = o.correspondence_id \
                 WHERE o.office_id = $1 AND o.state = 'awaiting_approval' AND $2 = $2 AND $3 = $3 AND $4 = $4{visible_message}{mine}"
            ),
            format!(
                "SELECT COUNT(*) FROM correspondence x WHERE x.office_id = $1 AND x.approval = 'awaiting' \
                 AND $2 = $2 AND $3 = $3 AND $4 = $4{visible_message}{mine}"
            ),
            format!(
                "SELECT COUNT(*) FROM correspondence x WHERE x.office_id = $1 AND x.state = 'intake' AND x.campaign_id IS NULL \
                 AND x.received_at < $4 AND $2 = $2 AND $3 = $3{visible_message}{mine}"
            ),
            format!(
                "SELECT COUNT(*) FROM cases x WHERE x.office_id = $1 AND x.status IN {ACTIVE} AND x.sensitive = TRUE \
                 AND $2 = $2 AND $3 = $3 AND $4 = $4{visible_case}{cases_mine}"
            ),
        ];
        // Each count on its own connection, all at once.
        let count = |i: usize, sql: String| async move {
            // Intake is nobody's until filed: one person's review has none.
            if i == 6 && person.is_some() {
                return Ok(0);
            }
            let fourth = if i == 3 {
                at.quiet_before
            } else {
                at.intake_before
            };
            Ok::<i64, crate::Error>(on_read!(self, |pool| {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(office_id)
                    .bind(at.today.as_str())
                    .bind(at.week_ahead.as_str())
                    .bind(fourth)
                    .fetch_one(pool)
                    .await?
            }))
        };
        let [q0, q1, q2, q3, q4, q5, q6, q7] = queries;
        let n = tokio::try_join!(
            count(0, q0),
            count(1, q1),
            count(2, q2),
            count(3, q3),
            count(4, q4),
            count(5, q5),
            count(6, q6),
            count(7, q7),
        )?;
        let n = [n.0, n.1, n.2, n.3, n.4, n.5, n.6, n.7];
        Ok(NeedsAction {
            overdue_enquiries: n[0],
            enquiries_due_soon: n[1],
            review_date_passed: n[2],
            quiet: n[3],
            awaiting_approval: n[4] + n[5],
            intake_waiting: n[6],
            sensitive: n[7],
        })
    }

    /// Open cases with each of `tags`, per tag.
    pub async fn review_open_with_tags(
        &self,
        tags: &[i64],
        person: Option<i64>,
    ) -> Result<Vec<(i64, i64)>> {
        if tags.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = tags.iter().map(i64::to_string).collect();
        // Kept by the triggers: a handful of rows, not every open case.
        let sql = format!(
            "SELECT tag_id, CAST(SUM(n) AS BIGINT) FROM open_tag_counts WHERE office_id = $1 AND tag_id IN ({}){} \
             GROUP BY tag_id HAVING SUM(n) <> 0",
            ids.join(", "),
            self.kept_counts("sensitive", person),
        );
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(self.scope.office_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// The open cases by caseworker, age bracket (`bounds` on the opening
    /// time, oldest first) and whether sensitive: from the day counts the
    /// triggers keep, with the parts of UTC days on the far side of a bound
    /// (an office not on UTC) counted from the cases and moved across.
    pub async fn review_open_cases(
        &self,
        bounds: &[i64],
        person: Option<i64>,
    ) -> Result<Vec<OpenCount>> {
        // Each cell keyed by caseworker (0: nobody) and sensitivity.
        let key = |assignee: &str, sensitive: &str| {
            format!(
                "CAST(COALESCE({assignee}, 0) AS TEXT) || CASE WHEN {sensitive} THEN ':1' ELSE ':0' END"
            )
        };
        let counts = self
            .kept_by_day(
                bounds,
                Kept {
                    key: &key("assignee_id", "sensitive"),
                    table: "open_case_counts",
                    conditions: self.kept_counts("sensitive", person),
                },
                Kept {
                    key: &key("x.assignee_id", "x.sensitive"),
                    table: "cases x",
                    conditions: format!(
                        " AND x.status IN {ACTIVE}{}{}",
                        self.scope.case_condition("x"),
                        assigned_to(person)
                    ),
                },
                "x.opened_at",
            )
            .await?;
        Ok(counts
            .into_iter()
            .filter_map(|c| {
                let (assignee, sensitive) = c.key.split_once(':')?;
                let assignee: i64 = assignee.parse().ok()?;
                Some(OpenCount {
                    assignee_id: (assignee != 0).then_some(assignee),
                    bucket: c.bucket,
                    sensitive: sensitive == "1",
                    n: c.n,
                })
            })
            .collect())
    }

    /// Cases opened in [from, to) per caseworker (`None`: nobody's).
    pub async fn review_opened_by_assignee(
        &self,
        from: i64,
        to: i64,
        person: Option<i64>,
    ) -> Result<Vec<(Option<i64>, i64)>> {
        let mine = assigned_to(person);
        let sql = format!(
            "SELECT x.assignee_id, COUNT(*) FROM cases x WHERE x.office_id = $1 AND x.opened_at >= $2 AND x.opened_at < $3{}{mine} \
             GROUP BY x.assignee_id",
            self.scope.case_condition("x"),
        );
        self.fetch_between(sql, from, to).await
    }

    /// Open tasks due before `today` per assignee, on cases the reader may
    /// see (or on no case).
    pub async fn review_overdue_tasks(
        &self,
        today: &str,
        person: Option<i64>,
    ) -> Result<Vec<(Option<i64>, i64)>> {
        let mine = person
            .map(|p| format!(" AND t.assignee_id = {p}"))
            .unwrap_or_default();
        // Each task's case checked against the few the reader may not see.
        let visible = self.scope.case_id_not_hidden("t.case_id");
        let sql = format!(
            "SELECT t.assignee_id, COUNT(*) FROM tasks t{} \
             WHERE t.office_id = $1 AND t.done_at IS NULL AND t.due_on < $2{visible}{mine} GROUP BY t.assignee_id",
            // One person's from their own index, the office's from its.
            self.sqlite_index(if person.is_some() {
                "tasks_open"
            } else {
                "tasks_office_open"
            })
        );
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(self.scope.office_id)
                .bind(today)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Cases raised with the representative in [from, to), oldest first.
    pub async fn case_flags_between(
        &self,
        from: i64,
        to: i64,
        person: Option<i64>,
    ) -> Result<Vec<CaseFlag>> {
        let mine = assigned_to(person);
        let sql = format!(
            "{FLAG_COLUMNS} WHERE f.office_id = $1 AND f.flagged_at >= $2 AND f.flagged_at < $3{}{mine} ORDER BY f.flagged_at, f.id",
            self.scope.case_condition("x"),
        );
        self.fetch_between(sql, from, to).await
    }

    /// A case's flags, newest first.
    pub async fn case_flags(&self, case_id: i64) -> Result<Vec<CaseFlag>> {
        let sql = format!(
            "{FLAG_COLUMNS} WHERE f.office_id = $1 AND f.case_id = $2{} ORDER BY f.flagged_at DESC, f.id DESC",
            self.scope.case_condition("x"),
        );
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(self.scope.office_id)
                .bind(case_id)
                .fetch_all(pool)
                .await?)
        })
    }
}

const FLAG_COLUMNS: &str = "SELECT f.id, f.case_id, x.reference AS case_reference, x.title AS case_title, f.summary, \
    f.flagged_by, u.display_name AS flagged_by_name, f.flagged_at \
    FROM case_flags f JOIN cases x ON x.id = f.case_id JOIN users u ON u.id = f.flagged_by";

/// A review to record, with its actions (checked by the caller).
#[derive(Debug, Clone)]
pub struct NewReview {
    pub week_start: String,
    pub person_id: Option<i64>,
    pub attendees: String,
    pub decisions: String,
    /// The figures as they stood (JSON).
    pub figures: String,
    pub by: i64,
    pub actions: Vec<NewReviewAction>,
}

/// An action decided on a case: a task for `assignee_id`, due `due_on`.
#[derive(Debug, Clone)]
pub struct NewReviewAction {
    pub case_id: i64,
    pub kind: String,
    pub title: String,
    pub note: String,
    pub assignee_id: Option<i64>,
    pub due_on: String,
}

/// A recorded review.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewRow {
    pub id: i64,
    pub week_start: String,
    pub person_id: Option<i64>,
    pub attendees: String,
    pub decisions: String,
    pub figures: String,
    pub recorded_by: i64,
    pub recorded_by_name: String,
    pub recorded_at: i64,
    /// Its actions, and how many of their tasks are done.
    pub actions: i64,
    pub done: i64,
}

/// An action of a recorded review, with its task.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewActionRow {
    pub id: i64,
    pub review_id: i64,
    pub case_id: i64,
    pub case_reference: String,
    pub case_title: String,
    pub kind: String,
    pub note: String,
    pub task_id: i64,
    pub task_title: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub due_on: String,
    pub done_at: Option<i64>,
}

impl OfficeData {
    /// A review's columns, with its actions (and those done) on cases the
    /// reader may see.
    fn review_columns(&self) -> String {
        let visible = self.scope.case_condition("x");
        format!(
            "SELECT r.id, r.week_start, r.person_id, r.attendees, r.decisions, r.figures, r.recorded_by, \
             u.display_name AS recorded_by_name, r.recorded_at, \
             (SELECT COUNT(*) FROM review_actions a JOIN cases x ON x.id = a.case_id WHERE a.review_id = r.id{visible}) AS actions, \
             (SELECT COUNT(*) FROM review_actions a JOIN cases x ON x.id = a.case_id JOIN tasks t ON t.id = a.task_id \
              WHERE a.review_id = r.id AND t.done_at IS NOT NULL{visible}) AS done \
             FROM reviews r JOIN users u ON u.id = r.recorded_by"
        )
    }

    /// Records a review and makes each action a task on its case, in one
    /// transaction; every case must be one the reader may see.
    pub async fn record_review(&self, r: &NewReview, now: i64) -> Result<i64> {
        let office_id = self.scope.office_id;
        for a in &r.actions {
            self.case_visible(a.case_id).await?;
        }
        crate::in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO reviews (office_id, week_start, person_id, attendees, decisions, figures, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(office_id)
            .bind(&r.week_start)
            .bind(r.person_id)
            .bind(&r.attendees)
            .bind(&r.decisions)
            .bind(&r.figures)
            .bind(r.by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for a in &r.actions {
                let task: i64 = sqlx::query_scalar(
                    "INSERT INTO tasks (office_id, case_id, kind, title, note, assignee_id, due_on, created_by, \
                     created_at, updated_at) VALUES ($1, $2, 'task', $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                )
                .bind(office_id)
                .bind(a.case_id)
                .bind(&a.title)
                .bind(&a.note)
                .bind(a.assignee_id)
                .bind(&a.due_on)
                .bind(r.by)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO review_actions (review_id, case_id, kind, note, task_id) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(a.case_id)
                .bind(&a.kind)
                .bind(&a.note)
                .bind(task)
                .execute(&mut *tx)
                .await?;
            }
            Ok(id)
        })
    }

    /// The office's recorded reviews (or one person's), newest week first.
    pub async fn reviews(&self, person: Option<Option<i64>>, limit: i64) -> Result<Vec<ReviewRow>> {
        let whose = match person {
            None => String::new(),
            Some(None) => " AND r.person_id IS NULL".to_owned(),
            Some(Some(p)) => format!(" AND r.person_id = {p}"),
        };
        let sql = format!(
            "{} WHERE r.office_id = $1{whose} ORDER BY r.week_start DESC, r.id DESC LIMIT $2",
            self.review_columns()
        );
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(self.scope.office_id)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }

    /// The latest review of the same kind (the office's, or the person's)
    /// for a week before `week_start`.
    pub async fn review_before(
        &self,
        week_start: &str,
        person: Option<i64>,
    ) -> Result<Option<ReviewRow>> {
        let whose = match person {
            None => " AND r.person_id IS NULL".to_owned(),
            Some(p) => format!(" AND r.person_id = {p}"),
        };
        let sql = format!(
            "{} WHERE r.office_id = $1 AND r.week_start < $2{whose} ORDER BY r.week_start DESC, r.id DESC LIMIT 1",
            self.review_columns()
        );
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(self.scope.office_id)
                .bind(week_start)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// One recorded review of the office.
    pub async fn review(&self, id: i64) -> Result<ReviewRow> {
        let sql = format!(
            "{} WHERE r.office_id = $1 AND r.id = $2",
            self.review_columns()
        );
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(self.scope.office_id)
                .bind(id)
                .fetch_one(pool)
                .await?)
        })
    }

    /// A review's actions on cases the reader may see, in the order made.
    pub async fn review_actions(&self, review_id: i64) -> Result<Vec<ReviewActionRow>> {
        let sql = format!(
            "SELECT a.id, a.review_id, a.case_id, x.reference AS case_reference, x.title AS case_title, a.kind, a.note, \
             a.task_id, t.title AS task_title, t.assignee_id, u.display_name AS assignee_name, t.due_on, t.done_at \
             FROM review_actions a JOIN reviews r ON r.id = a.review_id JOIN cases x ON x.id = a.case_id \
             JOIN tasks t ON t.id = a.task_id LEFT JOIN users u ON u.id = t.assignee_id \
             WHERE r.office_id = $1 AND a.review_id = $2{} ORDER BY a.id",
            self.scope.case_condition("x")
        );
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(self.scope.office_id)
                .bind(review_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Raises a case with the representative: the flag and a history entry,
    /// in one transaction.
    pub async fn flag_case(&self, case_id: i64, summary: &str, by: i64, now: i64) -> Result<i64> {
        let office_id = self.scope.office_id;
        self.case_visible(case_id).await?;
        crate::in_transaction!(self, |tx| {
            let constituent = crate::common::case_constituent!(tx, office_id, case_id);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO case_flags (office_id, case_id, summary, flagged_by, flagged_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(office_id)
            .bind(case_id)
            .bind(summary)
            .bind(by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let entry = crate::NewEntry::new("flagged", Some(by), summary);
            crate::common::append_entry!(
                tx,
                office_id,
                Some(constituent),
                Some(case_id),
                now,
                &entry
            );
            Ok(id)
        })
    }
}
