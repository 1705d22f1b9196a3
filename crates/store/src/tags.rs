//! The tagging framework: dimensions, their values, aliases, and the tags
//! of cases and correspondence (one value per dimension, free tags beside).

use sqlx::QueryBuilder;

use crate::{Error, OfficeData, Result, in_transaction, on_read};

/// A dimension of an office's framework (Category, Urgency, …).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TagDimension {
    pub id: i64,
    pub key: String,
    pub name: String,
    /// `standard`, `location` (filled from the constituent's postcode) or
    /// `free` (tags outside the framework, several per item).
    pub kind: String,
    pub hierarchical: bool,
    pub required: bool,
    pub position: i64,
}

impl TagDimension {
    pub fn is_free(&self) -> bool {
        self.kind == "free"
    }
}

/// A value of a dimension (a tag).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Tag {
    pub id: i64,
    pub dimension_id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub effect: String,
    pub position: i64,
    pub retired_at: Option<i64>,
    pub merged_into: Option<i64>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A name that resolves to a tag although it is not the tag's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TagAlias {
    pub dimension_id: i64,
    pub name: String,
    pub tag_id: i64,
}

/// A tag on a case or a piece of correspondence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct ItemTag {
    pub item_id: i64,
    pub dimension_id: i64,
    pub tag_id: i64,
}

/// A page of cases' tags and the cases among them with unread replies
/// (see [`OfficeData::case_marks`]).
#[derive(Debug, Clone, Default)]
pub struct CaseMarks {
    pub tags: Vec<ItemTag>,
    pub unread: Vec<i64>,
}

/// How often a tag is used, counting only what the reader may see.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct TagUse {
    pub tag_id: i64,
    pub cases: i64,
    pub messages: i64,
}

/// A new tag value.
#[derive(Debug, Clone)]
pub struct NewTag {
    pub dimension_id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub effect: String,
    pub position: i64,
}

/// What an item's tags become: for each dimension touched, its new value
/// (`None` clears it); free tags added and removed.
#[derive(Debug, Clone, Default)]
pub struct TagChange {
    pub set: Vec<(i64, Option<i64>)>,
    pub add_free: Vec<(i64, i64)>,
    pub remove_free: Vec<i64>,
}

impl TagChange {
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.add_free.is_empty() && self.remove_free.is_empty()
    }
}

/// An entry of the framework's audit.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TagEvent {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub kind: String,
    pub tag_id: Option<i64>,
    pub detail: String,
    pub at: i64,
}

/// Which kind of item a tag is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tagged {
    Case,
    Correspondence,
}

impl Tagged {
    pub(crate) fn table(self) -> &'static str {
        match self {
            Tagged::Case => "case_tags",
            Tagged::Correspondence => "correspondence_tags",
        }
    }
    pub(crate) fn column(self) -> &'static str {
        match self {
            Tagged::Case => "case_id",
            Tagged::Correspondence => "correspondence_id",
        }
    }
}

/// Writes one audit entry of the framework inside transaction `$tx`.
macro_rules! tag_event {
    ($tx:ident, $office:expr, $actor:expr, $kind:expr, $tag:expr, $detail:expr, $at:expr) => {{
        sqlx::query(
            "INSERT INTO tag_events (office_id, actor_id, kind, tag_id, detail, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($office)
        .bind($actor)
        .bind($kind)
        .bind($tag)
        .bind($detail)
        .bind($at)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use tag_event;

/// Recomputes a case's `sensitive` flag (what the visibility rule reads,
/// one column) from its Sensitivity value, for the cases matching
/// `$condition`, inside transaction `$tx`. Only cases whose flag changes
/// are written.
macro_rules! sync_sensitive {
    ($tx:ident, $condition:expr) => {{
        const RESTRICTED: &str = "EXISTS (SELECT 1 FROM case_tags x JOIN tags t ON t.id = x.tag_id \
             WHERE x.case_id = cases.id AND t.effect = 'restricted')";
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE cases SET sensitive = {RESTRICTED} WHERE ({}) AND sensitive <> {RESTRICTED}",
            $condition
        )))
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use sync_sensitive;

/// A message's `restricted` flag, from its tags, and its `hidden` flag
/// (restricted, or on a sensitive case: what Trends keeps out of the
/// counts everyone sees).
macro_rules! sync_restricted {
    ($tx:ident, $condition:expr) => {{
        const RESTRICTED: &str = "EXISTS (SELECT 1 FROM correspondence_tags x JOIN tags t ON t.id = x.tag_id \
             WHERE x.correspondence_id = correspondence.id AND t.effect = 'restricted')";
        const ON_SENSITIVE: &str = "EXISTS (SELECT 1 FROM cases hc WHERE hc.id = correspondence.case_id AND hc.sensitive = TRUE)";
        // Only messages whose flags change are written.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE correspondence SET restricted = {RESTRICTED}, hidden = {RESTRICTED} OR {ON_SENSITIVE} \
             WHERE ({}) AND (restricted <> {RESTRICTED} OR hidden <> ({RESTRICTED} OR {ON_SENSITIVE}))",
            $condition
        )))
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use sync_restricted;

/// Applies a [`TagChange`] to one item inside transaction `$tx`.
macro_rules! write_item_tags {
    ($tx:ident, $office:expr, $table:expr, $column:expr, $item:expr, $change:expr, $now:expr) => {{
        let change: &$crate::TagChange = $change;
        for (dimension, tag) in &change.set {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {} WHERE {} = $1 AND dimension_id = $2 AND free = FALSE",
                $table, $column
            )))
            .bind($item)
            .bind(*dimension)
            .execute(&mut *$tx)
            .await?;
            if let Some(tag) = tag {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO {} ({}, tag_id, dimension_id, free, office_id) VALUES ($1, $2, $3, FALSE, $4)",
                    $table, $column
                )))
                .bind($item)
                .bind(*tag)
                .bind(*dimension)
                .bind($office)
                .execute(&mut *$tx)
                .await?;
            }
        }
        for tag in &change.remove_free {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {} WHERE {} = $1 AND tag_id = $2 AND free = TRUE",
                $table, $column
            )))
            .bind($item)
            .bind(*tag)
            .execute(&mut *$tx)
            .await?;
        }
        for (dimension, tag) in &change.add_free {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {} ({}, tag_id, dimension_id, free, office_id) VALUES ($1, $2, $3, TRUE, $4) \
                 ON CONFLICT DO NOTHING",
                $table, $column
            )))
            .bind($item)
            .bind(*tag)
            .bind(*dimension)
            .bind($office)
            .execute(&mut *$tx)
            .await?;
        }
        let used: Vec<i64> = change
            .set
            .iter()
            .filter_map(|(_, t)| *t)
            .chain(change.add_free.iter().map(|(_, t)| *t))
            .collect();
        for tag in used {
            sqlx::query("UPDATE tags SET last_used_at = $1 WHERE id = $2")
                .bind($now)
                .bind(tag)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(crate) use write_item_tags;

const TAG_COLUMNS: &str = "SELECT id, dimension_id, parent_id, name, effect, position, retired_at, merged_into, created_at, last_used_at FROM tags";

impl OfficeData {
    /// The office's dimensions, in their order.
    pub async fn tag_dimensions(&self) -> Result<Vec<TagDimension>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, key, name, kind, hierarchical, required, position FROM tag_dimensions \
                 WHERE office_id = $1 ORDER BY position, id",
            )
            .bind(self.scope.office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Every tag of the office, retired and merged ones included.
    pub async fn tags(&self) -> Result<Vec<Tag>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{TAG_COLUMNS} WHERE office_id = $1 ORDER BY dimension_id, position, name"
            )))
            .bind(self.scope.office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// One tag of the office; another office's is "not found".
    pub async fn tag(&self, id: i64) -> Result<Tag> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{TAG_COLUMNS} WHERE id = $1 AND office_id = $2"
            )))
            .bind(id)
            .bind(self.scope.office_id)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn tag_aliases(&self) -> Result<Vec<TagAlias>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT dimension_id, name, tag_id FROM tag_aliases WHERE office_id = $1 ORDER BY name",
            )
            .bind(self.scope.office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Adds a dimension at the end of the office's list.
    pub async fn create_tag_dimension(
        &self,
        key: &str,
        name: &str,
        required: bool,
        hierarchical: bool,
        actor: i64,
        now: i64,
    ) -> Result<i64> {
        let office_id = self.scope.office_id;
        let id = in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO tag_dimensions (office_id, key, name, kind, hierarchical, required, position, created_at) \
                 VALUES ($1, $2, $3, 'standard', $4, $5, \
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM tag_dimensions WHERE office_id = $1 AND kind <> 'free'), $6) RETURNING id",
            )
            .bind(office_id)
            .bind(key)
            .bind(name)
            .bind(hierarchical)
            .bind(required)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tag_event!(
                tx,
                office_id,
                Some(actor),
                "dimension_added",
                None::<i64>,
                name,
                now
            );
            id
        });
        Ok(id)
    }

    /// Renames a dimension or changes whether it is required.
    pub async fn update_tag_dimension(
        &self,
        id: i64,
        name: &str,
        required: bool,
        detail: &str,
        actor: i64,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let n = sqlx::query(
                "UPDATE tag_dimensions SET name = $1, required = $2 WHERE id = $3 AND office_id = $4",
            )
            .bind(name)
            .bind(required)
            .bind(id)
            .bind(office_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::NotFound);
            }
            tag_event!(
                tx,
                office_id,
                Some(actor),
                "dimension_changed",
                None::<i64>,
                detail,
                now
            );
        });
        Ok(())
    }

    /// Adds a value; a duplicate name (folded) in the same place is
    /// `Error::Duplicate`.
    pub async fn create_tag(&self, t: &NewTag, actor: Option<i64>, now: i64) -> Result<i64> {
        let office_id = self.scope.office_id;
        let norm = casework_domain::tags::fold(&t.name);
        let id = in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO tags (office_id, dimension_id, parent_id, name, norm, effect, position, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(office_id)
            .bind(t.dimension_id)
            .bind(t.parent_id)
            .bind(&t.name)
            .bind(&norm)
            .bind(&t.effect)
            .bind(t.position)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tag_event!(tx, office_id, actor, "tag_added", Some(id), &t.name, now);
            id
        });
        Ok(id)
    }

    /// Renames, moves (new parent) or retires/restores a tag, audited with
    /// `detail`.
    pub async fn update_tag(
        &self,
        id: i64,
        name: &str,
        parent_id: Option<i64>,
        retired_at: Option<i64>,
        kind: &str,
        detail: &str,
        actor: i64,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        let norm = casework_domain::tags::fold(name);
        in_transaction!(self, |tx| {
            let n = sqlx::query(
                "UPDATE tags SET name = $1, norm = $2, parent_id = $3, retired_at = $4 \
                 WHERE id = $5 AND office_id = $6 AND merged_into IS NULL",
            )
            .bind(name)
            .bind(&norm)
            .bind(parent_id)
            .bind(retired_at)
            .bind(id)
            .bind(office_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::NotFound);
            }
            tag_event!(tx, office_id, Some(actor), kind, Some(id), detail, now);
        });
        Ok(())
    }

    /// The tags of some items of one kind, for those the reader may see.
    pub async fn item_tags(&self, kind: Tagged, ids: &[i64]) -> Result<Vec<ItemTag>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        on_read!(self, |pool| {
            let mut qb = QueryBuilder::new("");
            self.push_item_tags(&mut qb, kind, ids);
            Ok(qb.build_query_as().fetch_all(pool).await?)
        })
    }

    /// The tags of a page of cases and which of them have unread replies,
    /// in one statement (the case list shows both), each under the reader's
    /// scope as [`OfficeData::item_tags`] and [`OfficeData::unread_cases`].
    pub async fn case_marks(&self, ids: &[i64]) -> Result<CaseMarks> {
        let mut marks = CaseMarks::default();
        if ids.is_empty() {
            return Ok(marks);
        }
        let rows: Vec<ItemTag> = on_read!(self, |pool| {
            let mut qb = QueryBuilder::new("");
            self.push_item_tags(&mut qb, Tagged::Case, ids);
            // An unread mark is a row without a tag (ids start at 1).
            qb.push(" UNION ALL SELECT DISTINCT case_id, 0, 0 FROM (");
            self.push_unread_cases(&mut qb, ids);
            qb.push(") u");
            qb.build_query_as().fetch_all(pool).await?
        });
        for r in rows {
            if r.tag_id == 0 {
                marks.unread.push(r.item_id);
            } else {
                marks.tags.push(r);
            }
        }
        Ok(marks)
    }

    /// `SELECT item_id, dimension_id, tag_id` of the items' tags the reader
    /// may see.
    fn push_item_tags<DB: sqlx::Database>(
        &self,
        qb: &mut QueryBuilder<DB>,
        kind: Tagged,
        ids: &[i64],
    ) where
        i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        let (table, column) = (kind.table(), kind.column());
        let listed = format!("x.{column}");
        // A case's visibility is checked once per case, not once per tag
        // row (a page of 50 cases has about 200 tags): the ids select the
        // cases, and each visible case's tags are read by the join.
        let (join, listed, visible) = match kind {
            Tagged::Case if self.scope.visibility == crate::CaseVisibility::All => {
                ("", listed, String::new())
            }
            Tagged::Case => (
                " JOIN cases vc ON vc.id = x.case_id",
                "vc.id".to_owned(),
                self.scope.case_condition("vc"),
            ),
            Tagged::Correspondence => (
                " JOIN correspondence co ON co.id = x.correspondence_id",
                listed,
                self.scope.message_condition("co"),
            ),
        };
        qb.push(format!(
            "SELECT x.{column} AS item_id, x.dimension_id, x.tag_id FROM {table} x{join} \
             WHERE x.office_id = "
        ));
        qb.push_bind(self.scope.office_id);
        qb.push(format!(" AND {listed} IN ("));
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        qb.push(")");
        qb.push(visible);
    }

    /// Changes the tags of a case or a piece of correspondence in one
    /// transaction, with its timeline entry. The item must belong to the
    /// office (and, for the caller, have been checked visible); a case's
    /// `sensitive` flag follows its Sensitivity value.
    pub async fn change_item_tags(
        &self,
        kind: Tagged,
        item_id: i64,
        change: &TagChange,
        entry: Option<&crate::NewEntry>,
        expected_version: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        let (table, column) = (kind.table(), kind.column());
        in_transaction!(self, |tx| {
            let owner: Option<(Option<i64>, Option<i64>)> = match kind {
                Tagged::Case => sqlx::query_as(
                    "SELECT constituent_id, id FROM cases WHERE id = $1 AND office_id = $2",
                ),
                Tagged::Correspondence => sqlx::query_as(
                    "SELECT constituent_id, case_id FROM correspondence WHERE id = $1 AND office_id = $2",
                ),
            }
            .bind(item_id)
            .bind(office_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((constituent, case)) = owner else {
                return Err(Error::NotFound);
            };
            write_item_tags!(tx, office_id, table, column, item_id, change, now);
            if kind == Tagged::Case {
                let n = sqlx::query(
                    "UPDATE cases SET updated_at = $1, version = version + 1 WHERE id = $2 AND ($3 IS NULL OR version = $3)",
                )
                .bind(now)
                .bind(item_id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(Error::Conflict);
                }
                sync_sensitive!(tx, format!("id = {item_id}"));
            } else {
                sync_restricted!(tx, format!("id = {item_id}"));
            }
            if let Some(e) = entry {
                crate::common::append_entry!(tx, office_id, constituent, case, now, e);
            }
        });
        Ok(())
    }

    /// The framework's audit, newest first.
    pub async fn tag_events(&self, limit: i64) -> Result<Vec<TagEvent>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT e.id, e.actor_id, u.display_name AS actor_name, e.kind, e.tag_id, e.detail, e.at \
                 FROM tag_events e LEFT JOIN users u ON u.id = e.actor_id \
                 WHERE e.office_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT $2",
            )
            .bind(self.scope.office_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Use counts of every tag, counting only cases and messages the reader
    /// may see (a tag used only on hidden cases shows 0).
    pub async fn tag_uses(&self) -> Result<Vec<TagUse>> {
        let office_id = self.scope.office_id;
        let cases_visible = self.scope.case_id_condition("x.case_id");
        let mail_visible = self.scope.message_condition("co");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT tag_id, CAST(SUM(cases) AS BIGINT) AS cases, CAST(SUM(messages) AS BIGINT) AS messages FROM ( \
                   SELECT x.tag_id, COUNT(*) AS cases, 0 AS messages FROM case_tags x \
                   WHERE x.office_id = $1{cases_visible} GROUP BY x.tag_id \
                   UNION ALL \
                   SELECT x.tag_id, 0 AS cases, COUNT(*) AS messages FROM correspondence_tags x \
                   JOIN correspondence co ON co.id = x.correspondence_id \
                   WHERE x.office_id = $1{mail_visible} GROUP BY x.tag_id) u GROUP BY tag_id"
            )))
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Pairs of free tags often used together on the same cases (at least
    /// `min_together` cases, and half the uses of the rarer one).
    pub async fn free_tags_used_together(&self, min_together: i64) -> Result<Vec<(i64, i64)>> {
        let visible = self.scope.case_id_condition("a.case_id");
        let inner = self.scope.case_id_condition("x.case_id");
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT a.tag_id, b.tag_id FROM case_tags a JOIN case_tags b \
                   ON b.case_id = a.case_id AND b.tag_id > a.tag_id AND b.free = TRUE \
                 WHERE a.office_id = $1 AND a.free = TRUE{visible} \
                 GROUP BY a.tag_id, b.tag_id HAVING COUNT(*) >= $2 \
                 AND 2 * COUNT(*) >= (SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM case_tags x \
                   WHERE x.tag_id IN (a.tag_id, b.tag_id){inner} GROUP BY x.tag_id) m) \
                 LIMIT 200"
            )))
            .bind(self.scope.office_id)
            .bind(min_together)
            .fetch_all(pool)
            .await?)
        })
    }
}
