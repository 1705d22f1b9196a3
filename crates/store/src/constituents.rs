//! Constituents: people, households and the search terms that find them.

use sqlx::QueryBuilder;

use crate::common::*;
use crate::model::*;
use crate::{Db, Error, OfficeData, Result, in_transaction, on_read};

/// How far [`OfficeData::search_constituents`] counts a prefix's terms to
/// choose the rarest: past this, every prefix is as common as any other.
const DRIVER_COUNT_CAP: i64 = 5_000;

/// Binds a person's fields, in the order of the columns of
/// [`UPDATE_CONSTITUENT`] (`$1` to `$12`, the household key last).
macro_rules! bind_person {
    ($q:expr, $f:expr, $household_key:expr) => {{
        let f: &ConstituentFields = $f;
        $q.bind(&f.first_name)
            .bind(&f.last_name)
            .bind(&f.email)
            .bind(&f.phone)
            .bind(&f.postcode)
            .bind(&f.address)
            .bind(&f.mailing_address)
            .bind(f.do_not_email)
            .bind(f.do_not_mail)
            .bind(f.do_not_phone)
            .bind(&f.notes)
            .bind($household_key)
    }};
}

/// A person's edit: the fields, then id `$14`, office `$15` and the version
/// the editor saw `$16`; the person as saved comes back.
const UPDATE_CONSTITUENT: &str = "UPDATE constituents SET first_name = $1, last_name = $2, email = $3, phone = $4, postcode = $5, \
     address = $6, mailing_address = $7, do_not_email = $8, do_not_mail = $9, do_not_phone = $10, \
     notes = $11, household_key = $12, updated_at = $13, version = version + 1 \
     WHERE id = $14 AND office_id = $15 AND version = $16 RETURNING *";

impl OfficeData {
    // ----- constituents -----

    /// Creates a constituent with their search terms and the timeline entry
    /// recording it, in one transaction.
    pub async fn create_constituent(
        &self,
        f: &ConstituentFields,
        household_key: Option<&str>,
        terms: &[String],
        entry: &NewEntry,
        now: i64,
    ) -> Result<i64> {
        let office_id = self.scope.office_id;
        let id = in_transaction!(self, |tx| {
            let id: i64 = bind_person!(
                sqlx::query_scalar(
                    "INSERT INTO constituents (office_id, first_name, last_name, email, phone, postcode, address, \
                     mailing_address, do_not_email, do_not_mail, do_not_phone, notes, household_key, created_at, updated_at, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, 1) RETURNING id",
                )
                .bind(office_id),
                f,
                household_key
            )
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            write_terms!(tx, office_id, id, terms);
            append_entry!(tx, office_id, Some(id), None::<i64>, now, entry);
            id
        });
        Ok(id)
    }

    /// Saves edited fields if nobody changed the constituent since
    /// `expected_version`; otherwise [`Error::Conflict`]. `terms` are the
    /// person's search terms as the fields now give them, `None` when no
    /// searched field changed (their terms are left as they are). Returns
    /// the person as saved (from the update itself, not read again).
    #[allow(clippy::too_many_arguments)]
    pub async fn update_constituent(
        &self,
        id: i64,
        expected_version: i64,
        f: &ConstituentFields,
        household_key: Option<&str>,
        terms: Option<&[String]>,
        entry: &NewEntry,
        now: i64,
    ) -> Result<Constituent> {
        let office_id = self.scope.office_id;
        macro_rules! bind_update {
            ($q:expr) => {
                bind_person!($q, f, household_key)
                    .bind(now)
                    .bind(id)
                    .bind(office_id)
                    .bind(expected_version)
            };
        }
        if let (Db::Postgres(pool), None) = (&self.db, terms) {
            // Nothing searched changed (most edits: a note, a preference):
            // the update and its history entry are one statement, with no
            // transaction around them. The search terms' rewrite needs
            // statements of its own, and SQLite cannot write inside a WITH:
            // they take the transaction below.
            let saved: Option<Constituent> = bind_entry!(
                bind_update!(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "WITH u AS ({UPDATE_CONSTITUENT}), e AS (INSERT INTO timeline \
                     (office_id, constituent_id, case_id, at, kind, actor_id, body, changes, correspondence_id) \
                     SELECT $15, u.id, CAST(NULL AS BIGINT), $13, $17, $18, $19, $20, $21 FROM u) \
                     SELECT * FROM u"
                )))),
                entry
            )
            .fetch_optional(pool)
            .await?;
            return match saved {
                Some(saved) => Ok(saved),
                None => Err(self.why_not_updated(id).await?),
            };
        }
        let saved = in_transaction!(self, |tx| {
            // The person as saved comes back from the update itself.
            let saved: Option<Constituent> = bind_update!(sqlx::query_as(UPDATE_CONSTITUENT))
                .fetch_optional(&mut *tx)
                .await?;
            if saved.is_some() {
                if let Some(terms) = terms {
                    write_terms!(tx, office_id, id, terms);
                }
                append_entry!(tx, office_id, Some(id), None::<i64>, now, entry);
            }
            saved
        });
        match saved {
            Some(saved) => Ok(saved),
            None => Err(self.why_not_updated(id).await?),
        }
    }

    /// Why an edit of a person changed nothing: they are there (someone
    /// else saved first: Conflict) or not (Not found).
    async fn why_not_updated(&self, id: i64) -> Result<Error> {
        let office_id = self.scope.office_id;
        let exists: Option<i64> = on_read!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM constituents WHERE id = $1 AND office_id = $2")
                .bind(id)
                .bind(office_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(if exists.is_some() {
            Error::Conflict
        } else {
            Error::NotFound
        })
    }

    pub async fn constituent(&self, id: i64) -> Result<Constituent> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(
                sqlx::query_as("SELECT * FROM constituents WHERE id = $1 AND office_id = $2")
                    .bind(id)
                    .bind(office_id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    /// A constituent and the other people at their address (at most 50, by
    /// name), in one statement: a person's page shows both.
    pub async fn constituent_and_household(
        &self,
        id: i64,
    ) -> Result<(Constituent, Vec<Constituent>)> {
        let office_id = self.scope.office_id;
        let rows: Vec<Constituent> = on_read!(self, |pool| {
            sqlx::query_as(
                "SELECT u.* FROM (\
                 SELECT p.* FROM constituents p WHERE p.id = $1 AND p.office_id = $2 \
                 UNION ALL SELECT * FROM (SELECT h.* FROM constituents p \
                 JOIN constituents h ON h.office_id = p.office_id AND h.household_key = p.household_key AND h.id <> p.id \
                 WHERE p.id = $1 AND p.office_id = $2 ORDER BY h.last_name, h.first_name LIMIT 50) hh\
                 ) u ORDER BY u.id <> $1, u.last_name, u.first_name",
            )
            .bind(id)
            .bind(office_id)
            .fetch_all(pool)
            .await?
        });
        let mut rows = rows.into_iter();
        match rows.next() {
            Some(c) if c.id == id => Ok((c, rows.collect())),
            _ => Err(Error::NotFound),
        }
    }

    /// Constituents of an office with this email address.
    pub async fn constituents_by_email(&self, email: &str) -> Result<Vec<Constituent>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as("SELECT * FROM constituents WHERE office_id = $1 AND email = $2 AND email <> '' ORDER BY id LIMIT 20")
                .bind(office_id)
                .bind(email)
                .fetch_all(pool)
                .await?)
        })
    }

    /// For each address, the constituents who have it (for filing a batch
    /// of incoming mail with one query): (email, constituent id) pairs.
    pub async fn constituent_ids_by_emails(&self, emails: &[String]) -> Result<Vec<(String, i64)>> {
        let office_id = self.scope.office_id;
        if emails.is_empty() {
            return Ok(Vec::new());
        }
        let rows = match &self.db {
            Db::Sqlite { read, .. } => {
                let mut qb =
                    QueryBuilder::new("SELECT email, id FROM constituents WHERE office_id = ");
                qb.push_bind(office_id).push(" AND email <> '' AND email IN (");
                let mut sep = qb.separated(", ");
                for e in emails {
                    sep.push_bind(e.as_str());
                }
                qb.push(") ORDER BY id");
                qb.build_query_as().fetch_all(read).await?
            }
            // One array parameter: a long IN list is slow to plan on PostgreSQL.
            Db::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT email, id FROM constituents WHERE office_id = $1 AND email <> '' AND email = ANY($2) ORDER BY id",
                )
                .bind(office_id)
                .bind(emails)
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows)
    }

    /// Newest first, paged by id.
    pub async fn list_constituents(
        &self,
        after: Option<&Cursor>,
        limit: i64,
    ) -> Result<Page<Constituent>> {
        let office_id = self.scope.office_id;
        let items: Vec<Constituent> = on_read!(self, |pool| {
            let mut qb = QueryBuilder::new("SELECT * FROM constituents WHERE office_id = ");
            qb.push_bind(office_id);
            if let Some(c) = after {
                qb.push(" AND id < ").push_bind(c.id);
            }
            qb.push(" ORDER BY id DESC");
            crate::common::push_limit(&mut qb, limit + 1);
            qb.build_query_as().fetch_all(pool).await?
        });
        Ok(page(items, limit as usize, |c| Cursor {
            key: String::new(),
            id: c.id,
        }))
    }

    /// Prefix search over names, email, phone, postcode and address, in term
    /// order. Every prefix must match some term of the constituent. The
    /// prefix that matches fewest terms drives the index scan (each is
    /// counted up to [`DRIVER_COUNT_CAP`]), so a query with one rare word
    /// reads few rows however common its other words are; a later page
    /// keeps its first page's driver (the cursor's term starts with it).
    pub async fn search_constituents(
        &self,
        prefixes: &[String],
        after: Option<&Cursor>,
        limit: i64,
    ) -> Result<Page<Constituent>> {
        let office_id = self.scope.office_id;
        let upper = |p: &str| format!("{p}\u{10FFFF}");
        let driver = match (prefixes, after) {
            ([], _) => None,
            ([only], _) => Some(only),
            (_, Some(c)) => prefixes
                .iter()
                .filter(|p| c.key.starts_with(p.as_str()))
                .max_by_key(|p| p.len()),
            (_, None) => {
                let counts = self.term_counts(prefixes).await?;
                prefixes
                    .iter()
                    .zip(counts)
                    .min_by_key(|(p, n)| (*n, std::cmp::Reverse(p.len())))
                    .map(|(p, _)| p)
            }
        };
        let Some(driver) = driver else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let others: Vec<&String> = prefixes.iter().filter(|p| *p != driver).collect();
        // A person matches several terms ("smith", "smith@…"): read extra rows and keep the first of each.
        let fetch = limit * 4 + 1;
        let hits: Vec<(String, i64)> = on_read!(self, |pool| {
            let mut qb = QueryBuilder::new(
                "SELECT t.term, t.constituent_id FROM constituent_terms t WHERE t.office_id = ",
            );
            qb.push_bind(office_id);
            qb.push(" AND t.term >= ").push_bind(driver.as_str());
            qb.push(" AND t.term < ").push_bind(upper(driver));
            // One word finds single terms; whole-name terms are for several words.
            if !driver.contains(' ') {
                qb.push(" AND t.term NOT LIKE '% %'");
            }
            if let Some(c) = after {
                qb.push(" AND (t.term > ").push_bind(c.key.as_str());
                qb.push(" OR (t.term = ").push_bind(c.key.as_str());
                qb.push(" AND t.constituent_id > ")
                    .push_bind(c.id)
                    .push("))");
            }
            // Each other word checked row by row, in the order given, on
            // PostgreSQL kept apart (`OFFSET 0`) so that the planner does not
            // turn the checks into a join of many tables to order: for ten
            // words it spent 7.5 ms planning a join that then ran 4–6 ms,
            // where the checks in turn take 0.3 ms to plan and 0.04 to run.
            let apart = if self.store().backend() == crate::Backend::Postgres {
                " OFFSET 0"
            } else {
                ""
            };
            for o in &others {
                qb.push(" AND EXISTS (SELECT 1 FROM constituent_terms o WHERE o.constituent_id = t.constituent_id AND o.term >= ");
                qb.push_bind(o.as_str())
                    .push(" AND o.term < ")
                    .push_bind(upper(o))
                    .push(apart)
                    .push(")");
            }
            qb.push(" ORDER BY t.term, t.constituent_id");
            crate::common::push_limit(&mut qb, fetch);
            qb.build_query_as().fetch_all(pool).await?
        });
        let mut ids: Vec<i64> = Vec::new();
        let mut last: Option<Cursor> = None;
        for (term, id) in &hits {
            if ids.len() as i64 == limit {
                break;
            }
            last = Some(Cursor {
                key: term.clone(),
                id: *id,
            });
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
        let more =
            hits.len() as i64 == fetch || (ids.len() as i64 == limit && hits.len() > ids.len());
        let found = self.constituents_by_ids(&ids).await?;
        let items = ids
            .iter()
            .filter_map(|id| found.iter().find(|c| c.id == *id).cloned())
            .collect();
        Ok(Page {
            items,
            next: if more { last } else { None },
        })
    }

    /// How many terms each prefix matches, counting no further than
    /// [`DRIVER_COUNT_CAP`]: one statement, each count an index range scan.
    async fn term_counts(&self, prefixes: &[String]) -> Result<Vec<i64>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            let mut qb = QueryBuilder::new("SELECT ");
            for (n, p) in prefixes.iter().enumerate() {
                if n > 0 {
                    qb.push(" UNION ALL SELECT ");
                }
                qb.push(format_args!("CAST({n} AS BIGINT), (SELECT COUNT(*) FROM (SELECT 1 FROM constituent_terms WHERE office_id = "));
                qb.push_bind(office_id);
                qb.push(" AND term >= ").push_bind(p.as_str());
                qb.push(" AND term < ").push_bind(format!("{p}\u{10FFFF}"));
                if !p.contains(' ') {
                    qb.push(" AND term NOT LIKE '% %'");
                }
                qb.push(format_args!(" LIMIT {DRIVER_COUNT_CAP}) AS t)"));
            }
            let rows: Vec<(i64, i64)> = qb.build_query_as().fetch_all(pool).await?;
            let mut counts = vec![0; prefixes.len()];
            for (n, c) in rows {
                counts[n as usize] = c;
            }
            Ok(counts)
        })
    }

    pub async fn constituents_by_ids(&self, ids: &[i64]) -> Result<Vec<Constituent>> {
        let office_id = self.scope.office_id;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        on_read!(self, |pool| {
            let mut qb = QueryBuilder::new("SELECT * FROM constituents WHERE office_id = ");
            qb.push_bind(office_id).push(" AND id IN (");
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            qb.push(")");
            Ok(qb.build_query_as().fetch_all(pool).await?)
        })
    }
}
