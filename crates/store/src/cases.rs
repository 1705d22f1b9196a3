//! Cases: opening, changing, listing (scoped to what the reader may see).

use casework_domain::CaseRef;
use sqlx::QueryBuilder;

use crate::common::*;
use crate::model::*;
use crate::{Db, Error, OfficeData, Result, in_transaction, on_read};

impl OfficeData {
    // ----- cases -----

    /// Opens a case with the next reference of the year, and records it on
    /// the timeline, in one transaction. Returns its id.
    pub async fn create_case(
        &self,
        constituent_id: i64,
        year: i32,
        f: &CaseFields,
        tags: &crate::TagChange,
        entry: &NewEntry,
        now: i64,
    ) -> Result<i64> {
        let office_id = self.scope.office_id;
        let id = in_transaction!(self, |tx| {
            let number: i64 = sqlx::query_scalar(
                "INSERT INTO case_counters (office_id, year, last) VALUES ($1, $2, 1) \
                 ON CONFLICT (office_id, year) DO UPDATE SET last = case_counters.last + 1 RETURNING last",
            )
            .bind(office_id)
            .bind(year as i64)
            .fetch_one(&mut *tx)
            .await?;
            let reference = CaseRef::new(year, number);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO cases (office_id, reference, constituent_id, title, summary, agency, status, \
                 assignee_id, urgency, review_date, opened_at, closed_at, updated_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $10, NULL, $10, 1) RETURNING id",
            )
            .bind(office_id)
            .bind(reference.as_str())
            .bind(constituent_id)
            .bind(&f.title)
            .bind(&f.summary)
            .bind(&f.agency)
            .bind(f.status.as_str())
            .bind(f.assignee_id)
            .bind(&f.review_date)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            crate::tags::write_item_tags!(tx, office_id, "case_tags", "case_id", id, tags, now);
            crate::tags::sync_sensitive!(tx, format!("id = {id}"));
            append_entry!(tx, office_id, Some(constituent_id), Some(id), now, entry);
            id
        });
        Ok(id)
    }

    /// A case of `office_id`, whatever its sensitivity: the caller decides
    /// whether the person may see it.
    /// A case the reader may see; any other is "not found", so that a
    /// restricted case's existence does not leak.
    pub async fn case(&self, id: i64) -> Result<Case> {
        on_read!(self, |pool| {
            let mut qb = QueryBuilder::new(CASE_COLUMNS);
            qb.push(" WHERE c.id = ").push_bind(id);
            push_case_scope(&mut qb, &self.scope);
            Ok(qb.build_query_as().fetch_one(pool).await?)
        })
    }

    /// A case by reference, if the reader may see it.
    pub async fn case_by_reference(&self, reference: &str) -> Result<Case> {
        on_read!(self, |pool| {
            let mut qb = QueryBuilder::new(CASE_COLUMNS);
            qb.push(" WHERE c.reference = ").push_bind(reference);
            push_case_scope(&mut qb, &self.scope);
            Ok(qb.build_query_as().fetch_one(pool).await?)
        })
    }

    /// Saves a case's fields and tag changes if unchanged since
    /// `expected_version`, with the timeline entries describing the change,
    /// in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_case(
        &self,
        id: i64,
        expected_version: i64,
        f: &CaseFields,
        closed_at: Option<i64>,
        entries: &[NewEntry],
        tags: &crate::TagChange,
        transfer: Option<&crate::NewTransfer>,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let n = sqlx::query(
                "UPDATE cases SET title = $1, summary = $2, agency = $3, status = $4, \
                 assignee_id = $5, review_date = $6, closed_at = $7, updated_at = $8, \
                 version = version + 1 WHERE id = $9 AND office_id = $10 AND version = $11",
            )
            .bind(&f.title)
            .bind(&f.summary)
            .bind(&f.agency)
            .bind(f.status.as_str())
            .bind(f.assignee_id)
            .bind(&f.review_date)
            .bind(closed_at)
            .bind(now)
            .bind(id)
            .bind(office_id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let constituent = case_constituent!(tx, office_id, id);
            if n == 0 {
                return Err(Error::Conflict);
            }
            if !tags.is_empty() {
                crate::tags::write_item_tags!(tx, office_id, "case_tags", "case_id", id, tags, now);
                crate::tags::sync_sensitive!(tx, format!("id = {id}"));
            }
            if let Some(t) = transfer {
                crate::transfers::insert_transfer!(tx, office_id, id, t, now);
            }
            for e in entries {
                append_entry!(tx, office_id, Some(constituent), Some(id), now, e);
            }
        });
        Ok(())
    }

    /// Adds a note (or call, meeting, …) to a case and marks the case active.
    pub async fn add_case_entry(&self, case_id: i64, entry: &NewEntry, now: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        if let Db::Postgres(pool) = &self.db {
            // One statement holds the case's update and the entry, so no
            // transaction (BEGIN, COMMIT) is wrapped around them: the
            // busiest write there is, in one round trip. SQLite cannot
            // update inside a WITH, and takes the two statements below.
            let added: Option<i64> = bind_entry!(
                sqlx::query_scalar(
                    "WITH k AS (UPDATE cases SET updated_at = $1 WHERE id = $2 AND office_id = $3 RETURNING constituent_id) \
                     INSERT INTO timeline (office_id, constituent_id, case_id, at, kind, actor_id, body, changes, correspondence_id) \
                     SELECT $3, k.constituent_id, $2, $1, $4, $5, $6, $7, $8 FROM k RETURNING id",
                )
                .bind(now)
                .bind(case_id)
                .bind(office_id),
                entry
            )
            .fetch_optional(pool)
            .await?;
            return added.map(|_| ()).ok_or(Error::NotFound);
        }
        in_transaction!(self, |tx| {
            // The case's person comes back from the update: one statement
            // less on the busiest write there is.
            let constituent: Option<i64> = sqlx::query_scalar(
                "UPDATE cases SET updated_at = $1 WHERE id = $2 AND office_id = $3 RETURNING constituent_id",
            )
            .bind(now)
            .bind(case_id)
            .bind(office_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(constituent) = constituent else {
                return Err(Error::NotFound);
            };
            append_entry!(tx, office_id, Some(constituent), Some(case_id), now, entry);
        });
        Ok(())
    }

    /// Adds an entry to a constituent's own timeline (not about one case).
    pub async fn add_constituent_entry(
        &self,
        constituent_id: i64,
        entry: &NewEntry,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM constituents WHERE id = $1 AND office_id = $2")
                    .bind(constituent_id)
                    .bind(office_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_none() {
                return Err(Error::NotFound);
            }
            append_entry!(tx, office_id, Some(constituent_id), None::<i64>, now, entry);
        });
        Ok(())
    }

    /// Puts another constituent on a case, recorded on the case's timeline.
    pub async fn add_case_person(
        &self,
        case_id: i64,
        constituent_id: i64,
        relationship: &str,
        entry: &NewEntry,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let owner: Option<i64> = sqlx::query_scalar(
                "SELECT constituent_id FROM cases WHERE id = $1 AND office_id = $2",
            )
            .bind(case_id)
            .bind(office_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(owner) = owner else {
                return Err(Error::NotFound);
            };
            sqlx::query(
                "INSERT INTO case_people (case_id, constituent_id, relationship, added_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(case_id)
            .bind(constituent_id)
            .bind(relationship)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            append_entry!(tx, office_id, Some(owner), Some(case_id), now, entry);
        });
        Ok(())
    }

    pub async fn case_people(&self, case_id: i64) -> Result<Vec<CasePerson>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.case_condition("c");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT p.id AS constituent_id, (p.first_name || ' ' || p.last_name) AS name, cp.relationship \
                 FROM case_people cp JOIN constituents p ON p.id = cp.constituent_id JOIN cases c ON c.id = cp.case_id \
                 WHERE cp.case_id = $1 AND c.office_id = $2{visible} ORDER BY cp.added_at",
            )))
            .bind(case_id)
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The cases `scope` may see, filtered and sorted, one page at a time.
    pub async fn list_cases(
        &self,
        filter: &CaseFilter,
        after: Option<&Cursor>,
        limit: i64,
    ) -> Result<Page<Case>> {
        let scope = &self.scope;
        let (column, descending) = match filter.sort {
            CaseSort::Updated => ("c.updated_at", true),
            CaseSort::Oldest => ("c.opened_at", false),
            CaseSort::Newest => ("c.opened_at", true),
        };
        // Within a period (a Trends drill-down), the cases opened (or
        // transferred) in it are each checked for the tags.
        let within = filter.opened_from.is_some()
            || filter.opened_before.is_some()
            || filter.transferred_from.is_some()
            || filter.transferred_before.is_some();
        // A drill-down picks its page of ids first, from the indexes alone
        // where it can, then reads those cases: the many candidates the tags
        // turn away are never read from the table (on SQLite, those reads
        // were most of the page's time).
        let ids_first = within && !filter.tags.is_empty();
        let items: Vec<Case> = on_read!(self, |pool| {
            let mut qb = QueryBuilder::new(CASE_COLUMNS);
            if ids_first {
                qb.push(" WHERE c.id IN (SELECT c.id FROM cases c");
                if filter.location.is_some() {
                    qb.push(" JOIN constituents p ON p.id = c.constituent_id");
                }
            }
            qb.push(" WHERE 1 = 1");
            push_case_scope(&mut qb, scope);
            if let Some(a) = filter.assignee {
                qb.push(" AND c.assignee_id = ").push_bind(a);
            }
            if filter.unassigned {
                qb.push(" AND c.assignee_id IS NULL");
            }
            if let Some(s) = filter.status {
                qb.push(" AND c.status = ").push_bind(s.as_str());
            } else if filter.active_only {
                qb.push(" AND c.status NOT IN ('resolved', 'closed', 'transferred')");
            }
            crate::common::push_tags_filter(
                &mut qb,
                &filter.tags,
                ("case_tags", "case_id", "c.id"),
                within,
            );
            if !filter.categories.is_empty() {
                qb.push(" AND c.category_id IN (");
                let mut ids = qb.separated(", ");
                for t in &filter.categories {
                    ids.push_bind(*t);
                }
                qb.push(")");
            }
            if filter.transferred_from.is_some() || filter.transferred_before.is_some() {
                qb.push(" AND EXISTS (SELECT 1 FROM case_transfers tr WHERE tr.case_id = c.id AND tr.transferred_at >= ")
                    .push_bind(filter.transferred_from.unwrap_or(i64::MIN))
                    .push(" AND tr.transferred_at < ")
                    .push_bind(filter.transferred_before.unwrap_or(i64::MAX))
                    .push(")");
            }
            if let Some(from) = filter.opened_from {
                qb.push(" AND c.opened_at >= ").push_bind(from);
            }
            if let Some(before) = filter.opened_before {
                qb.push(" AND c.opened_at < ").push_bind(before);
            }
            if let Some(place) = &filter.location {
                qb.push(format_args!(
                    " AND {} = ",
                    crate::trends::location_sql(scope.office_id)
                ))
                .push_bind(place.as_str());
            }
            if let Some(agency) = &filter.agency {
                qb.push(" AND c.agency = ").push_bind(agency.as_str());
            }
            for (column, from, before) in [
                (
                    "c.resolved_at",
                    filter.resolved_from,
                    filter.resolved_before,
                ),
                ("c.closed_at", filter.closed_from, filter.closed_before),
            ] {
                if from.is_some() || before.is_some() {
                    qb.push(format_args!(" AND {column} >= "))
                        .push_bind(from.unwrap_or(i64::MIN))
                        .push(format_args!(" AND {column} < "))
                        .push_bind(before.unwrap_or(i64::MAX));
                }
            }
            if filter.closed_from.is_some() || filter.closed_before.is_some() {
                qb.push(" AND c.status = 'closed'");
            }
            if let Some(day) = &filter.review_before {
                qb.push(" AND c.review_date < ").push_bind(day.as_str());
            }
            if let Some(before) = filter.updated_before {
                qb.push(" AND c.updated_at < ").push_bind(before);
            }
            if filter.sensitive_only {
                qb.push(" AND c.sensitive = TRUE");
            }
            if let Some(p) = filter.constituent_id {
                // An IN over a small set of ids, not an OR: the planner then starts
                // from the person's few cases instead of scanning all cases in order.
                qb.push(" AND c.id IN (SELECT id FROM cases WHERE constituent_id = ")
                    .push_bind(p);
                qb.push(" UNION SELECT case_id FROM case_people WHERE constituent_id = ")
                    .push_bind(p)
                    .push(")");
            }
            if let Some(c) = after {
                let key: i64 = c.key.parse().unwrap_or(0);
                let op = if descending { "<" } else { ">" };
                qb.push(format_args!(" AND ({column} {op} ")).push_bind(key);
                qb.push(format_args!(" OR ({column} = ")).push_bind(key);
                qb.push(format_args!(" AND c.id {op} "))
                    .push_bind(c.id)
                    .push("))");
            }
            let dir = if descending { "DESC" } else { "ASC" };
            // Planning had been a quarter of a case list's database time.
            qb.push(format_args!(" ORDER BY {column} {dir}, c.id {dir}"));
            crate::common::push_limit(&mut qb, limit + 1);
            if ids_first {
                qb.push(format_args!(") ORDER BY {column} {dir}, c.id {dir}"));
            }
            qb.build_query_as().fetch_all(pool).await?
        });
        let sort = filter.sort;
        Ok(page(items, limit as usize, |c| Cursor {
            key: match sort {
                CaseSort::Updated => c.updated_at.to_string(),
                CaseSort::Oldest | CaseSort::Newest => c.opened_at.to_string(),
            },
            id: c.id,
        }))
    }

    /// Distinct agencies in use, for filter menus.
    ///
    /// A loose index scan: one index probe per distinct value ("the next
    /// agency after this one"), so the cost follows the number of values,
    /// not of cases. A plain `SELECT DISTINCT` reads every case on
    /// PostgreSQL (80 ms alone, over a second under load, at 300,000 cases);
    /// this takes about 1 ms on both backends.
    pub async fn case_facets(&self) -> Result<Vec<String>> {
        let office_id = self.scope.office_id;
        // Only values of cases the reader may see: an agency named on
        // nobody's case but a sensitive one is not in a volunteer's menu.
        let visible = self.scope.case_condition("cases");
        let column = "agency";
        let distinct = sqlx::AssertSqlSafe(format!(
            "WITH RECURSIVE f(v) AS ( \
               SELECT * FROM (SELECT {column} FROM cases WHERE office_id = $1 AND {column} > ''{visible} ORDER BY {column} LIMIT 1) AS seed \
               UNION ALL \
               SELECT (SELECT {column} FROM cases WHERE office_id = $1 AND {column} > f.v{visible} ORDER BY {column} LIMIT 1) \
               FROM f WHERE f.v IS NOT NULL) \
             SELECT v FROM f WHERE v IS NOT NULL LIMIT 200"
        ));
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar(distinct)
                .bind(office_id)
                .fetch_all(pool)
                .await?)
        })
    }
}
