//! Keeping the framework: setting it up for an office (carrying over the
//! old free-text fields), and merging tags with a way back.

use casework_domain::tags::{Starter, default_value, fold, near_duplicates};

use crate::tags::{Tagged, sync_restricted, sync_sensitive, tag_event};
use crate::{Error, OfficeData, Result, in_transaction, on_read};

/// What a merge did, or would do.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MergeCounts {
    pub cases: i64,
    pub messages: i64,
    /// Values under the merged tag, moved under the tag it is merged into.
    pub children: i64,
}

/// A merge, for the list of recent merges and their undo.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TagMerge {
    pub id: i64,
    pub from_tag_id: i64,
    pub into_tag_id: i64,
    pub by_user: Option<i64>,
    pub at: i64,
    pub cases: i64,
    pub messages: i64,
    pub undone_at: Option<i64>,
}

/// Returns `Error::NotFound` from the enclosing function unless tags
/// `$a` and `$b` are both the office's and not merged away, inside `$tx`.
macro_rules! both_live {
    ($tx:ident, $office:expr, $a:expr, $b:expr) => {{
        let live: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tags WHERE id IN ($1, $2) AND office_id = $3 AND merged_into IS NULL",
        )
        .bind($a)
        .bind($b)
        .bind($office)
        .fetch_one(&mut *$tx)
        .await?;
        if live != 2 {
            return Err(Error::NotFound);
        }
    }};
}

/// Whether either of two tags restricts access (only then can moving uses
/// between them change who may see an item), inside `$tx`.
macro_rules! restricts {
    ($tx:ident, $a:expr, $b:expr) => {{
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tags WHERE id IN ($1, $2) AND effect = 'restricted'",
        )
        .bind($a)
        .bind($b)
        .fetch_one(&mut *$tx)
        .await?;
        n > 0
    }};
}

/// Runs `$sql` (a `format!` pattern whose `{list}` takes the ids) for the
/// ids a thousand at a time, the ids written into the statement: a planner
/// with no statistics yet on rows just written (the moves of a merge, a
/// value just split) cannot turn the work into a scan per row.
macro_rules! by_key {
    ($tx:ident, $ids:expr, $sql:literal, $($bind:expr),*) => {
        for chunk in $ids.chunks(1000) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            sqlx::query(sqlx::AssertSqlSafe(format!($sql, list = list)))
                $(.bind($bind))*
                .execute(&mut *$tx)
                .await?;
        }
    };
}

const NEW_TAG: &str = "INSERT INTO tags (office_id, dimension_id, parent_id, name, norm, effect, position, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";

impl OfficeData {
    /// Whether the office's framework is set up.
    pub async fn tag_framework_report(&self) -> Result<Option<(String, String)>> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_as("SELECT starter, report FROM tag_frameworks WHERE office_id = $1")
                    .bind(self.scope.office_id)
                    .fetch_optional(pool)
                    .await?,
            )
        })
    }

    /// The version of the office's framework, raised by the database with
    /// every change to its dimensions, values, aliases or level (`None`
    /// before it is set up).
    pub async fn tag_framework_version(&self) -> Result<Option<i64>> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT version FROM tag_frameworks WHERE office_id = $1")
                    .bind(self.scope.office_id)
                    .fetch_optional(pool)
                    .await?,
            )
        })
    }

    /// Sets up the office's framework from `starter`, once: the four
    /// dimensions with their values, and the old free-text fields of its
    /// cases carried over (category, urgency, the sensitive flag, level),
    /// with the messages filed on them. Returns the report of what was
    /// carried over, or `None` when the framework was already there (another
    /// app server did it first).
    pub async fn set_up_tag_framework(
        &self,
        starter: Starter,
        office_level: Option<&str>,
        now: i64,
    ) -> Result<Option<String>> {
        let office_id = self.scope.office_id;
        let report = in_transaction!(self, |tx| {
            let claimed = sqlx::query(
                "INSERT INTO tag_frameworks (office_id, starter, report, created_at) VALUES ($1, $2, '', $3) \
                 ON CONFLICT (office_id) DO NOTHING",
            )
            .bind(office_id)
            .bind(starter.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                return Ok(None);
            }
            let mut report: Vec<String> = Vec::new();
            let mut dims: Vec<(&'static str, i64)> = Vec::new();
            for (pos, d) in starter.dimensions().iter().enumerate() {
                let dim: i64 = sqlx::query_scalar(
                    "INSERT INTO tag_dimensions (office_id, key, name, kind, hierarchical, required, position, created_at) \
                     VALUES ($1, $2, $3, 'standard', $4, $5, $6, $7) RETURNING id",
                )
                .bind(office_id)
                .bind(d.key)
                .bind(d.name)
                .bind(d.hierarchical)
                .bind(false)
                .bind(pos as i64 + 1)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                dims.push((d.key, dim));
                for (vpos, v) in d.values.iter().enumerate() {
                    let id: i64 = sqlx::query_scalar(NEW_TAG)
                        .bind(office_id)
                        .bind(dim)
                        .bind(None::<i64>)
                        .bind(v.name)
                        .bind(fold(v.name))
                        .bind(v.effect)
                        .bind(vpos as i64 + 1)
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await?;
                    for (cpos, child) in v.children.iter().enumerate() {
                        sqlx::query(NEW_TAG)
                            .bind(office_id)
                            .bind(dim)
                            .bind(id)
                            .bind(*child)
                            .bind(fold(child))
                            .bind("")
                            .bind(cpos as i64 + 1)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                    }
                    for alias in v.aliases {
                        sqlx::query(
                            "INSERT INTO tag_aliases (office_id, dimension_id, norm, name, tag_id) VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(office_id)
                        .bind(dim)
                        .bind(fold(alias))
                        .bind(*alias)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            sqlx::query(
                "INSERT INTO tag_dimensions (office_id, key, name, kind, hierarchical, required, position, created_at) \
                 VALUES ($1, 'free', 'Other tags', 'free', FALSE, FALSE, 100, $2)",
            )
            .bind(office_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let dim = |key: &str| {
                dims.iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, id)| *id)
                    .unwrap_or(0)
            };

            // Category: each distinct value becomes a value of its own,
            // matched to a starter value when only case and spacing differ;
            // spelling variants are reported, not guessed.
            let category = dim("category");
            let values: Vec<(String, i64)> = sqlx::query_as(
                "SELECT category, COUNT(*) FROM cases WHERE office_id = $1 AND category <> '' \
                 GROUP BY category ORDER BY COUNT(*) DESC, category",
            )
            .bind(office_id)
            .fetch_all(&mut *tx)
            .await?;
            let mut made: Vec<String> = Vec::new();
            let mut carried = 0i64;
            for (raw, _) in &values {
                let Ok(name) = casework_domain::tags::clean_tag_name(raw) else {
                    report.push(format!(
                        "Category \"{}\" is not a usable tag name (too long or holding control characters): those cases have no Category.",
                        raw.chars().take(80).collect::<String>()
                    ));
                    continue;
                };
                let norm = fold(&name);
                let existing: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM tags WHERE dimension_id = $1 AND norm = $2 AND merged_into IS NULL \
                     ORDER BY parent_id IS NOT NULL, id LIMIT 1",
                )
                .bind(category)
                .bind(&norm)
                .fetch_optional(&mut *tx)
                .await?;
                let tag = match existing {
                    Some(id) => id,
                    None => {
                        made.push(name.clone());
                        sqlx::query_scalar(NEW_TAG)
                            .bind(office_id)
                            .bind(category)
                            .bind(None::<i64>)
                            .bind(&name)
                            .bind(&norm)
                            .bind("")
                            .bind(1000 + made.len() as i64)
                            .bind(now)
                            .fetch_one(&mut *tx)
                            .await?
                    }
                };
                carried += sqlx::query(
                    "INSERT INTO case_tags (case_id, tag_id, dimension_id, free, office_id) \
                     SELECT id, $1, $2, FALSE, $3 FROM cases WHERE office_id = $3 AND category = $4 \
                     ON CONFLICT DO NOTHING",
                )
                .bind(tag)
                .bind(category)
                .bind(office_id)
                .bind(raw)
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64;
            }
            if !values.is_empty() {
                report.push(format!(
                    "Category: {carried} cases carried over from {} different spellings; {} new values made: {}.",
                    values.len(),
                    made.len(),
                    if made.is_empty() { "none".to_owned() } else { made.join(", ") }
                ));
                let all: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM tags WHERE dimension_id = $1 ORDER BY name",
                )
                .bind(category)
                .fetch_all(&mut *tx)
                .await?;
                let names: Vec<&str> = all.iter().map(String::as_str).collect();
                for (a, b, likeness) in near_duplicates(&names) {
                    report.push(format!(
                        "Category values \"{}\" and \"{}\" look like one ({}): merge them on the tags page if they are.",
                        names[a], names[b], likeness.label()
                    ));
                }
            }

            // Urgency and Sensitivity: through the aliases of the old values.
            let urgency = dim("urgency");
            let n = sqlx::query(
                "INSERT INTO case_tags (case_id, tag_id, dimension_id, free, office_id) \
                 SELECT c.id, a.tag_id, a.dimension_id, FALSE, c.office_id FROM cases c \
                 JOIN tag_aliases a ON a.dimension_id = $1 AND a.norm = c.urgency WHERE c.office_id = $2 \
                 ON CONFLICT DO NOTHING",
            )
            .bind(urgency)
            .bind(office_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                report.push(format!(
                    "Urgency: {n} cases carried over (low and normal became Routine, high Urgent, critical Emergency)."
                ));
            }
            let sensitivity = dim("sensitivity");
            let mut sensitive_cases = 0;
            for (flag, value) in [(true, "highly sensitive"), (false, "normal")] {
                let n = sqlx::query(
                    "INSERT INTO case_tags (case_id, tag_id, dimension_id, free, office_id) \
                     SELECT c.id, t.id, t.dimension_id, FALSE, c.office_id FROM cases c \
                     JOIN tags t ON t.dimension_id = $1 AND t.norm = $2 AND t.parent_id IS NULL \
                     WHERE c.office_id = $3 AND c.sensitive = $4 ON CONFLICT DO NOTHING",
                )
                .bind(sensitivity)
                .bind(value)
                .bind(office_id)
                .bind(flag)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if flag {
                    sensitive_cases = n;
                }
            }
            if sensitive_cases > 0 {
                report.push(format!(
                    "Sensitivity: {sensitive_cases} cases marked sensitive are Highly sensitive, seen by the same people as before."
                ));
            }

            // Transferability, where the old level says so: the office's own
            // level is "Ours", another level "Another level of government".
            let transfer = dim("transferability");
            if let Some(own) = office_level.filter(|l| !l.is_empty()) {
                for (same, value) in [(true, "ours"), (false, "another level of government")] {
                    let n = sqlx::query(
                        "INSERT INTO case_tags (case_id, tag_id, dimension_id, free, office_id) \
                         SELECT c.id, t.id, t.dimension_id, FALSE, c.office_id FROM cases c \
                         JOIN tags t ON t.dimension_id = $1 AND t.norm = $2 \
                         WHERE c.office_id = $3 AND c.level IN ('federal', 'provincial', 'municipal') \
                         AND (c.level = $4) = $5 ON CONFLICT DO NOTHING",
                    )
                    .bind(transfer)
                    .bind(value)
                    .bind(office_id)
                    .bind(own)
                    .bind(same)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n > 0 {
                        report.push(format!(
                            "Transferability: {n} cases whose level {} the office's ({own}) are \"{}\".",
                            if same { "is" } else { "is not" },
                            if same { "Ours" } else { "Another level of government" }
                        ));
                    }
                }
                sqlx::query("UPDATE offices SET level = $1 WHERE id = $2 AND level = ''")
                    .bind(own)
                    .bind(office_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let unsaid: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM cases WHERE office_id = $1 AND NOT EXISTS \
                 (SELECT 1 FROM case_tags ct WHERE ct.case_id = cases.id AND ct.dimension_id = $2)",
            )
            .bind(office_id)
            .bind(transfer)
            .fetch_one(&mut *tx)
            .await?;
            if unsaid > 0 {
                report.push(format!(
                    "Transferability: {unsaid} cases have no value (their level was \"other\" or not known)."
                ));
            }
            // The defaults for cases that had nothing to carry over.
            for key in ["urgency", "sensitivity"] {
                let Some(value) = default_value(key) else {
                    continue;
                };
                sqlx::query(
                    "INSERT INTO case_tags (case_id, tag_id, dimension_id, free, office_id) \
                     SELECT c.id, t.id, t.dimension_id, FALSE, c.office_id FROM cases c \
                     JOIN tags t ON t.dimension_id = $1 AND t.norm = $2 WHERE c.office_id = $3 \
                     ON CONFLICT DO NOTHING",
                )
                .bind(dim(key))
                .bind(fold(value))
                .bind(office_id)
                .execute(&mut *tx)
                .await?;
            }
            // Messages already filed take their case's tags.
            sqlx::query(
                "INSERT INTO correspondence_tags (correspondence_id, tag_id, dimension_id, free, office_id) \
                 SELECT co.id, ct.tag_id, ct.dimension_id, ct.free, ct.office_id FROM correspondence co \
                 JOIN case_tags ct ON ct.case_id = co.case_id WHERE co.office_id = $1 ON CONFLICT DO NOTHING",
            )
            .bind(office_id)
            .execute(&mut *tx)
            .await?;
            sync_restricted!(
                tx,
                format!(
                    "office_id = {office_id} AND case_id IN (SELECT id FROM cases WHERE office_id = {office_id} AND sensitive = TRUE)"
                )
            );
            let text = report.join("\n");
            sqlx::query("UPDATE tag_frameworks SET report = $1 WHERE office_id = $2")
                .bind(&text)
                .bind(office_id)
                .execute(&mut *tx)
                .await?;
            tag_event!(
                tx,
                office_id,
                None::<i64>,
                "framework_set_up",
                None::<i64>,
                starter.as_str(),
                now
            );
            Some(text)
        });
        Ok(report)
    }

    /// What merging `from` into another tag would change, counting only
    /// the cases and messages the reader may see.
    pub async fn merge_preview(&self, from: i64) -> Result<MergeCounts> {
        let cases_visible = self.scope.case_id_condition("x.case_id");
        let mail_visible = self.scope.message_condition("co");
        on_read!(self, |pool| {
            let (cases, messages, children): (i64, i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT (SELECT COUNT(*) FROM case_tags x WHERE x.tag_id = $1{cases_visible}), \
                 (SELECT COUNT(*) FROM correspondence_tags x JOIN correspondence co ON co.id = x.correspondence_id \
                  WHERE x.tag_id = $1{mail_visible}), \
                 (SELECT COUNT(*) FROM tags WHERE parent_id = $1 AND merged_into IS NULL)"
            )))
            .bind(from)
            .fetch_one(pool)
            .await?;
            Ok(MergeCounts {
                cases,
                messages,
                children,
            })
        })
    }

    /// Merges tag `from` into `into` (same dimension, checked by the
    /// caller) in one transaction: every use re-pointed, its values moved
    /// under `into`, its name kept as an alias, recorded so that it can be
    /// undone. Returns the merge's id.
    pub async fn merge_tags(
        &self,
        from: i64,
        into: i64,
        actor: i64,
        detail: &str,
        now: i64,
    ) -> Result<(i64, MergeCounts)> {
        let office_id = self.scope.office_id;
        let out = in_transaction!(self, |tx| {
            both_live!(tx, office_id, from, into);
            let merge: i64 = sqlx::query_scalar(
                "INSERT INTO tag_merges (office_id, from_tag_id, into_tag_id, by_user, at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(office_id)
            .bind(from)
            .bind(into)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let mut counts = MergeCounts::default();
            for kind in [Tagged::Case, Tagged::Correspondence] {
                let (table, column) = (kind.table(), kind.column());
                let label = match kind {
                    Tagged::Case => "case",
                    Tagged::Correspondence => "correspondence",
                };
                // Items that already carry `into` (free tags) lose `from`;
                // the others have it re-pointed.
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO tag_merge_moves (merge_id, kind, item_id, dropped) \
                     SELECT $1, '{label}', x.{column}, EXISTS (SELECT 1 FROM {table} y WHERE y.{column} = x.{column} AND y.tag_id = $3) \
                     FROM {table} x WHERE x.tag_id = $2"
                )))
                .bind(merge)
                .bind(from)
                .bind(into)
                .execute(&mut *tx)
                .await?;
                let dropped: Vec<i64> = sqlx::query_scalar(
                    "SELECT item_id FROM tag_merge_moves WHERE merge_id = $1 AND kind = $2 AND dropped = TRUE",
                )
                .bind(merge)
                .bind(label)
                .fetch_all(&mut *tx)
                .await?;
                by_key!(
                    tx,
                    dropped,
                    "DELETE FROM {table} WHERE tag_id = $1 AND {column} IN ({list})",
                    from
                );
                let n = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE {table} SET tag_id = $1 WHERE tag_id = $2"
                )))
                .bind(into)
                .bind(from)
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64;
                match kind {
                    Tagged::Case => counts.cases = n,
                    Tagged::Correspondence => counts.messages = n,
                }
            }
            sqlx::query(
                "INSERT INTO tag_merge_moves (merge_id, kind, item_id) \
                 SELECT $1, 'child', id FROM tags WHERE parent_id = $2 AND merged_into IS NULL",
            )
            .bind(merge)
            .bind(from)
            .execute(&mut *tx)
            .await?;
            counts.children = sqlx::query(
                "UPDATE tags SET parent_id = $1 WHERE parent_id = $2 AND merged_into IS NULL",
            )
            .bind(into)
            .bind(from)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
            sqlx::query("UPDATE tags SET merged_into = $1, retired_at = $2 WHERE id = $3")
                .bind(into)
                .bind(now)
                .bind(from)
                .execute(&mut *tx)
                .await?;
            // The old name, and the names that led to it, now lead to `into`.
            sqlx::query("UPDATE tag_aliases SET tag_id = $1 WHERE tag_id = $2")
                .bind(into)
                .bind(from)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO tag_aliases (office_id, dimension_id, norm, name, tag_id, merge_id) \
                 SELECT office_id, dimension_id, norm, name, $1, $2 FROM tags WHERE id = $3 \
                 ON CONFLICT (dimension_id, norm) DO UPDATE SET tag_id = excluded.tag_id, merge_id = excluded.merge_id",
            )
            .bind(into)
            .bind(merge)
            .bind(from)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE tag_merges SET cases = $1, messages = $2 WHERE id = $3")
                .bind(counts.cases)
                .bind(counts.messages)
                .bind(merge)
                .execute(&mut *tx)
                .await?;
            if restricts!(tx, from, into) {
                sync_sensitive!(
                    tx,
                    format!(
                        "id IN (SELECT item_id FROM tag_merge_moves WHERE merge_id = {merge} AND kind = 'case')"
                    )
                );
                sync_restricted!(
                    tx,
                    format!(
                        "id IN (SELECT item_id FROM tag_merge_moves WHERE merge_id = {merge} AND kind = 'correspondence')"
                    )
                );
            }
            tag_event!(
                tx,
                office_id,
                Some(actor),
                "merged",
                Some(into),
                detail,
                now
            );
            (merge, counts)
        });
        Ok(out)
    }

    /// The office's merges, newest first.
    pub async fn tag_merges(&self, limit: i64) -> Result<Vec<TagMerge>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, from_tag_id, into_tag_id, by_user, at, cases, messages, undone_at FROM tag_merges \
                 WHERE office_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
            )
            .bind(self.scope.office_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn tag_merge(&self, id: i64) -> Result<TagMerge> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, from_tag_id, into_tag_id, by_user, at, cases, messages, undone_at FROM tag_merges \
                 WHERE id = $1 AND office_id = $2",
            )
            .bind(id)
            .bind(self.scope.office_id)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Undoes a merge: the old tag back with its name, its uses and its
    /// values. Refused (`Conflict`) when it was undone already, when the tag
    /// merged into has since been merged itself, or when the old name has
    /// been taken meanwhile.
    pub async fn undo_tag_merge(&self, id: i64, actor: i64, detail: &str, now: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let row: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
                "SELECT from_tag_id, into_tag_id, undone_at FROM tag_merges WHERE id = $1 AND office_id = $2",
            )
            .bind(id)
            .bind(office_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((from, into, undone)) = row else {
                return Err(Error::NotFound);
            };
            let into_live: Option<i64> =
                sqlx::query_scalar("SELECT id FROM tags WHERE id = $1 AND merged_into IS NULL")
                    .bind(into)
                    .fetch_optional(&mut *tx)
                    .await?;
            if undone.is_some() || into_live.is_none() {
                return Err(Error::Conflict);
            }
            // Restoring the name may collide with a tag made since: the
            // unique index refuses it and the whole undo rolls back.
            sqlx::query("UPDATE tags SET merged_into = NULL, retired_at = NULL WHERE id = $1")
                .bind(from)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM tag_aliases WHERE merge_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for kind in [Tagged::Case, Tagged::Correspondence] {
                let (table, column) = (kind.table(), kind.column());
                let label = match kind {
                    Tagged::Case => "case",
                    Tagged::Correspondence => "correspondence",
                };
                // The items the merge moved, read first and re-pointed a
                // thousand at a time by key: a planner that has no
                // statistics on the moves yet cannot turn this into a scan
                // per row.
                let moved: Vec<i64> = sqlx::query_scalar(
                    "SELECT item_id FROM tag_merge_moves WHERE merge_id = $1 AND kind = $2 AND dropped = FALSE",
                )
                .bind(id)
                .bind(label)
                .fetch_all(&mut *tx)
                .await?;
                by_key!(
                    tx,
                    moved,
                    "UPDATE {table} SET tag_id = $1 WHERE tag_id = $2 AND {column} IN ({list})",
                    from,
                    into
                );
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO {table} ({column}, tag_id, dimension_id, free, office_id) \
                     SELECT m.item_id, t.id, t.dimension_id, TRUE, t.office_id FROM tag_merge_moves m JOIN tags t ON t.id = $1 \
                     WHERE m.merge_id = $2 AND m.kind = '{label}' AND m.dropped = TRUE ON CONFLICT DO NOTHING"
                )))
                .bind(from)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "UPDATE tags SET parent_id = $1 WHERE id IN \
                 (SELECT item_id FROM tag_merge_moves WHERE merge_id = $2 AND kind = 'child') AND parent_id = $3",
            )
            .bind(from)
            .bind(id)
            .bind(into)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE tag_merges SET undone_at = $1, undone_by = $2 WHERE id = $3")
                .bind(now)
                .bind(actor)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if restricts!(tx, from, into) {
                sync_sensitive!(
                    tx,
                    format!(
                        "id IN (SELECT item_id FROM tag_merge_moves WHERE merge_id = {id} AND kind = 'case')"
                    )
                );
                sync_restricted!(
                    tx,
                    format!(
                        "id IN (SELECT item_id FROM tag_merge_moves WHERE merge_id = {id} AND kind = 'correspondence')"
                    )
                );
            }
            tag_event!(
                tx,
                office_id,
                Some(actor),
                "merge_undone",
                Some(from),
                detail,
                now
            );
        });
        Ok(())
    }

    /// Moves every use of tag `from` (a free tag) to `into`, a value of
    /// dimension `dimension`: items with no value there take it, items with
    /// one keep theirs; `from` is retired and its name kept as an alias of
    /// `into`. Returns (cases, messages, kept).
    pub async fn remap_tag(
        &self,
        from: i64,
        into: i64,
        dimension: i64,
        actor: i64,
        detail: &str,
        now: i64,
    ) -> Result<(i64, i64, i64)> {
        let office_id = self.scope.office_id;
        let out = in_transaction!(self, |tx| {
            both_live!(tx, office_id, from, into);
            let mut moved = [0i64; 2];
            let mut kept = 0i64;
            for (i, kind) in [Tagged::Case, Tagged::Correspondence]
                .into_iter()
                .enumerate()
            {
                let (table, column) = (kind.table(), kind.column());
                let all: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM {table} WHERE tag_id = $1"
                )))
                .bind(from)
                .fetch_one(&mut *tx)
                .await?;
                moved[i] = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO {table} ({column}, tag_id, dimension_id, free, office_id) \
                     SELECT x.{column}, $1, $2, FALSE, x.office_id FROM {table} x WHERE x.tag_id = $3 \
                     AND NOT EXISTS (SELECT 1 FROM {table} y WHERE y.{column} = x.{column} AND y.dimension_id = $2 AND y.free = FALSE)"
                )))
                .bind(into)
                .bind(dimension)
                .bind(from)
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64;
                kept += all - moved[i];
                if kind == Tagged::Case {
                    sync_sensitive!(
                        tx,
                        format!("id IN (SELECT case_id FROM case_tags WHERE tag_id = {from})")
                    );
                } else {
                    sync_restricted!(
                        tx,
                        format!(
                            "id IN (SELECT correspondence_id FROM correspondence_tags WHERE tag_id = {from})"
                        )
                    );
                }
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE tag_id = $1"
                )))
                .bind(from)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE tags SET merged_into = $1, retired_at = $2 WHERE id = $3")
                .bind(into)
                .bind(now)
                .bind(from)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE tag_aliases SET tag_id = $1, dimension_id = $2 WHERE tag_id = $3")
                .bind(into)
                .bind(dimension)
                .bind(from)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO tag_aliases (office_id, dimension_id, norm, name, tag_id) \
                 SELECT office_id, $1, norm, name, $2 FROM tags WHERE id = $3 \
                 ON CONFLICT (dimension_id, norm) DO UPDATE SET tag_id = excluded.tag_id",
            )
            .bind(dimension)
            .bind(into)
            .bind(from)
            .execute(&mut *tx)
            .await?;
            tag_event!(
                tx,
                office_id,
                Some(actor),
                "mapped",
                Some(into),
                detail,
                now
            );
            (moved[0], moved[1], kept)
        });
        Ok(out)
    }
}
