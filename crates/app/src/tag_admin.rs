//! Keeping the framework (admins and office managers): values added,
//! renamed, moved and retired, dimensions added and made required, tags
//! merged (with a preview and an undo), and the near-duplicates that call
//! for a merge.

use casework_domain::tags::{self as rules, Likeness, fold};
use casework_domain::{FieldErrors, Permission};
use casework_store::{MergeCounts, NewTag, TagEvent, TagMerge};
use serde::{Deserialize, Serialize};

use crate::tags::{Framework, framework};
use crate::{Actor, App, AppError, AppResult, check};

/// One value on the tags page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TagRow {
    pub id: i64,
    pub dimension: String,
    pub dimension_name: String,
    pub name: String,
    pub path: String,
    pub parent_id: Option<i64>,
    pub retired: bool,
    pub effect: String,
    /// Cases and messages carrying it, among those the reader may see.
    pub cases: i64,
    pub messages: i64,
    pub last_used_at: Option<i64>,
    /// Old names that still lead to it.
    pub aliases: Vec<String>,
}

/// Two tags that look like one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NearDuplicate {
    pub a: i64,
    pub a_name: String,
    pub b: i64,
    pub b_name: String,
    pub dimension: String,
    /// Why: "same words (punctuation, spacing or plural)", "spelt almost
    /// the same" or "used together on the same cases".
    pub why: String,
}

/// The tags page.
#[derive(Debug, Clone)]
pub struct Overview {
    pub framework: Framework,
    pub rows: Vec<TagRow>,
    pub near_duplicates: Vec<NearDuplicate>,
    pub merges: Vec<TagMerge>,
    pub events: Vec<TagEvent>,
    /// What the set-up carried over from the old case fields.
    pub report: String,
    /// The name of every tag, merged ones included (for the list of merges).
    pub names: std::collections::HashMap<i64, String>,
    /// Postcodes in the office's ward table.
    pub ward_postcodes: i64,
}

/// A new value of a dimension.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NewValue {
    /// The dimension's key (`category`, `urgency`, …, `free`).
    #[schema(min_length = 1)]
    pub dimension: String,
    /// Unique in its place whatever its case and spacing.
    #[schema(min_length = 1, max_length = 60, pattern = r"\S")]
    pub name: String,
    /// The parent value's id (Category only: one level of children).
    pub parent_id: Option<i64>,
}

/// A change of a value: any of its name, its parent, retired or not.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ValuePatch {
    #[schema(min_length = 1, max_length = 60, pattern = r"\S")]
    pub name: Option<String>,
    /// Move under another value (`0` makes it top-level).
    pub parent_id: Option<i64>,
    /// Retired values are hidden from pickers and cannot be applied; their
    /// history stays.
    pub retired: Option<bool>,
}

/// A new dimension, or a change of one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DimensionInput {
    /// Required for a new dimension.
    #[schema(min_length = 1, max_length = 60, pattern = r"\S")]
    pub name: Option<String>,
    pub required: Option<bool>,
}

/// Everything the tags page shows.
pub async fn overview(app: &App, actor: &Actor) -> AppResult<Overview> {
    actor.require(Permission::ManageTags)?;
    // Read afresh: the page shows each value's last use.
    let f = crate::tags::framework_now(app, actor).await?;
    let data = app.data_for(actor);
    let uses = data.tag_uses().await?;
    let aliases = data.tag_aliases().await?;
    let mut rows = Vec::new();
    for d in &f.dimensions {
        for v in &d.values {
            let u = uses.iter().find(|u| u.tag_id == v.id);
            rows.push(TagRow {
                id: v.id,
                dimension: d.dim.key.clone(),
                dimension_name: d.dim.name.clone(),
                name: v.name.clone(),
                path: v.path.clone(),
                parent_id: v.parent_id,
                retired: v.retired,
                effect: v.effect.clone(),
                cases: u.map(|u| u.cases).unwrap_or(0),
                messages: u.map(|u| u.messages).unwrap_or(0),
                last_used_at: v.last_used_at,
                aliases: aliases
                    .iter()
                    .filter(|a| a.tag_id == v.id)
                    .map(|a| a.name.clone())
                    .collect(),
            });
        }
    }
    let mut near = Vec::new();
    for d in &f.dimensions {
        let live: Vec<_> = d.values.iter().filter(|v| !v.retired).collect();
        let names: Vec<&str> = live.iter().map(|v| v.name.as_str()).collect();
        for (a, b, why) in rules::near_duplicates(&names) {
            // Two children of different parents may share a name on purpose
            // ("Housing › Other", "Tax › Other").
            if why == Likeness::SameWords
                && fold(names[a]) == fold(names[b])
                && live[a].parent_id != live[b].parent_id
            {
                continue;
            }
            near.push(NearDuplicate {
                a: live[a].id,
                a_name: live[a].path.clone(),
                b: live[b].id,
                b_name: live[b].path.clone(),
                dimension: d.dim.name.clone(),
                why: why.label().to_owned(),
            });
        }
    }
    for (a, b) in data.free_tags_used_together(3).await? {
        if let (Some((d, va)), Some((_, vb))) = (f.value(a), f.value(b)) {
            near.push(NearDuplicate {
                a,
                a_name: va.path.clone(),
                b,
                b_name: vb.path.clone(),
                dimension: d.dim.name.clone(),
                why: "used together on the same cases".into(),
            });
        }
    }
    let mut names: std::collections::HashMap<i64, String> = data
        .tags()
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    for r in &rows {
        names.insert(r.id, r.path.clone());
    }
    let report = data
        .tag_framework_report()
        .await?
        .map(|(_, r)| r)
        .unwrap_or_default();
    Ok(Overview {
        framework: f,
        rows,
        near_duplicates: near,
        merges: data.tag_merges(20).await?,
        events: data.tag_events(50).await?,
        report,
        names,
        ward_postcodes: data.postcode_ward_count().await?,
    })
}

/// Checks a name is free in its place (dimension and parent), whatever
/// its case and spacing, and is not an old name of another value.
fn check_name_free(
    f: &Framework,
    dimension_id: i64,
    parent_id: Option<i64>,
    name: &str,
    except: Option<i64>,
    e: &mut FieldErrors,
) {
    let Some(d) = f.dimensions.iter().find(|d| d.dim.id == dimension_id) else {
        return;
    };
    let wanted = fold(name);
    if let Some(v) = d
        .values
        .iter()
        .find(|v| v.parent_id == parent_id && fold(&v.name) == wanted && Some(v.id) != except)
    {
        e.add(
            "name",
            format!("{} already has \"{}\".", d.dim.name, v.path),
        );
    } else if let Ok(v) = f.resolve(d, name)
        && Some(v.id) != except
        && fold(&v.name) != wanted
    {
        e.add(
            "name",
            format!(
                "\"{name}\" is an old name of \"{}\"; use that value.",
                v.path
            ),
        );
    }
}

/// Adds a value to a dimension.
pub async fn add_value(app: &App, actor: &Actor, input: &NewValue) -> AppResult<i64> {
    actor.require(Permission::ManageTags)?;
    let f = framework(app, actor).await?;
    let mut e = FieldErrors::new();
    let d = f.dimension(input.dimension.trim());
    if d.is_none() {
        e.add("dimension", "There is no such dimension in this office.");
    }
    let name = match rules::clean_tag_name(&input.name) {
        Ok(n) => n,
        Err(msg) => {
            e.add("name", msg);
            String::new()
        }
    };
    let mut parent_id = input.parent_id.filter(|p| *p != 0);
    if let Some(d) = d {
        if let Some(p) = parent_id {
            match d.values.iter().find(|v| v.id == p) {
                Some(v) if !d.dim.hierarchical => {
                    let _ = v;
                    e.add("parent_id", format!("{} has no levels.", d.dim.name));
                }
                Some(v) if v.parent_id.is_some() => e.add(
                    "parent_id",
                    "Values go at most two levels deep: choose a top-level value.",
                ),
                Some(_) => {}
                None => {
                    e.add("parent_id", format!("{} has no such value.", d.dim.name));
                    parent_id = None;
                }
            }
        }
        if !name.is_empty() {
            check_name_free(&f, d.dim.id, parent_id, &name, None, &mut e);
        }
    }
    check(e)?;
    let d = d.ok_or(AppError::NotFound)?;
    let position = d.values.len() as i64 + 1;
    let id = app
        .data_for(actor)
        .create_tag(
            &NewTag {
                dimension_id: d.dim.id,
                parent_id,
                name,
                effect: String::new(),
                position,
            },
            Some(actor.user_id),
            app.now(),
        )
        .await
        .map_err(name_taken)?;
    Ok(id)
}

fn name_taken(e: casework_store::Error) -> AppError {
    match e {
        casework_store::Error::Duplicate(_) => AppError::field(
            "name",
            "That name was taken meanwhile; reload and try again.",
        ),
        other => other.into(),
    }
}

/// Renames, moves, retires or restores a value.
pub async fn change_value(app: &App, actor: &Actor, id: i64, patch: &ValuePatch) -> AppResult<()> {
    actor.require(Permission::ManageTags)?;
    let f = framework(app, actor).await?;
    let Some((d, v)) = f.value(id) else {
        return Err(AppError::NotFound);
    };
    let mut e = FieldErrors::new();
    let mut name = v.name.clone();
    if let Some(n) = &patch.name {
        match rules::clean_tag_name(n) {
            Ok(n) => name = n,
            Err(msg) => e.add("name", msg),
        }
    }
    let mut parent = v.parent_id;
    if let Some(p) = patch.parent_id {
        parent = (p != 0).then_some(p);
        if let Some(p) = parent {
            match d.values.iter().find(|x| x.id == p) {
                None => e.add("parent_id", format!("{} has no such value.", d.dim.name)),
                Some(_) if !d.dim.hierarchical => {
                    e.add("parent_id", format!("{} has no levels.", d.dim.name))
                }
                Some(x) if x.id == id => e.add("parent_id", "A value cannot be under itself."),
                Some(x) if x.parent_id.is_some() => e.add(
                    "parent_id",
                    "Values go at most two levels deep: choose a top-level value.",
                ),
                Some(_) if d.values.iter().any(|c| c.parent_id == Some(id)) => e.add(
                    "parent_id",
                    "This value has values under it; move or merge those first.",
                ),
                Some(_) => {}
            }
        }
    }
    if e.is_empty() && (fold(&name) != fold(&v.name) || parent != v.parent_id) {
        check_name_free(&f, d.dim.id, parent, &name, Some(id), &mut e);
    }
    // Retiring the value that restricts access would leave no way to
    // restrict a case.
    if patch.retired == Some(true) && v.effect == casework_domain::tags::effect::RESTRICTED {
        e.add(
            "retired",
            "The value that restricts access cannot be retired; rename it instead.",
        );
    }
    check(e)?;
    let now = app.now();
    let retired_at = match patch.retired {
        Some(true) => Some(now),
        Some(false) => None,
        None => v.retired.then_some(now),
    };
    let (kind, detail) = if patch.retired == Some(true) && !v.retired {
        ("retired", v.path.clone())
    } else if patch.retired == Some(false) && v.retired {
        ("restored", v.path.clone())
    } else if parent != v.parent_id {
        let under = parent
            .and_then(|p| f.value(p))
            .map(|(_, p)| p.path.clone())
            .unwrap_or_else(|| "the top level".into());
        ("moved", format!("{} moved under {under}", v.path))
    } else {
        ("renamed", format!("{} renamed {name}", v.path))
    };
    app.data_for(actor)
        .update_tag(
            id,
            &name,
            parent,
            retired_at,
            kind,
            &detail,
            actor.user_id,
            now,
        )
        .await
        .map_err(name_taken)?;
    tracing::info!(tag_id = id, by = actor.user_id, kind, "tag changed");
    Ok(())
}

/// Checks a merge of `from` into `into` is allowed; returns their names.
fn check_merge(f: &Framework, from: i64, into: i64) -> AppResult<(String, String)> {
    let (Some((df, vf)), Some((di, vi))) = (f.value(from), f.value(into)) else {
        return Err(AppError::NotFound);
    };
    if from == into {
        return Err(AppError::field(
            "into",
            "A tag cannot be merged into itself.",
        ));
    }
    if df.dim.id != di.dim.id {
        return Err(AppError::field(
            "into",
            format!(
                "\"{}\" is a {} value and \"{}\" a {} value: tags merge only within one dimension.",
                vf.path, df.dim.name, vi.path, di.dim.name
            ),
        ));
    }
    if vi.parent_id == Some(from) {
        return Err(AppError::field(
            "into",
            format!(
                "\"{}\" is under \"{}\": a tag cannot be merged into its own descendant.",
                vi.path, vf.path
            ),
        ));
    }
    if vi.parent_id.is_some() && df.values.iter().any(|c| c.parent_id == Some(from)) {
        return Err(AppError::field(
            "into",
            format!(
                "\"{}\" has values under it, and \"{}\" is itself under another: merge into a top-level value.",
                vf.path, vi.path
            ),
        ));
    }
    if !vf.effect.is_empty() && vf.effect != vi.effect {
        return Err(AppError::field(
            "into",
            format!(
                "\"{}\" changes who may see or transfer a case, and \"{}\" does not do the same: they cannot be merged.",
                vf.path, vi.path
            ),
        ));
    }
    if vi.retired {
        return Err(AppError::field(
            "into",
            format!(
                "\"{}\" is retired: restore it first, or merge into another.",
                vi.path
            ),
        ));
    }
    Ok((vf.path.clone(), vi.path.clone()))
}

/// What a merge would change, before it is done.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MergePreview {
    pub from: String,
    pub into: String,
    /// Cases, messages and values under it that would move (of those the
    /// reader may see).
    #[schema(value_type = Object)]
    pub changes: MergeCounts,
}

pub async fn preview_merge(
    app: &App,
    actor: &Actor,
    from: i64,
    into: i64,
) -> AppResult<MergePreview> {
    actor.require(Permission::ManageTags)?;
    let f = framework(app, actor).await?;
    let (from_name, into_name) = check_merge(&f, from, into)?;
    Ok(MergePreview {
        from: from_name,
        into: into_name,
        changes: app.data_for(actor).merge_preview(from).await?,
    })
}

/// Merges `from` into `into`; returns the merge's id (for undo).
pub async fn merge(app: &App, actor: &Actor, from: i64, into: i64) -> AppResult<i64> {
    actor.require(Permission::ManageTags)?;
    let f = framework(app, actor).await?;
    let (from_name, into_name) = check_merge(&f, from, into)?;
    let (id, counts) = app
        .data_for(actor)
        .merge_tags(
            from,
            into,
            actor.user_id,
            &format!("{from_name} merged into {into_name}"),
            app.now(),
        )
        .await
        .map_err(|e| match e {
            casework_store::Error::NotFound => AppError::Conflict,
            other => other.into(),
        })?;
    tracing::info!(
        merge_id = id,
        cases = counts.cases,
        messages = counts.messages,
        by = actor.user_id,
        "tags merged"
    );
    Ok(id)
}

/// Undoes a merge.
pub async fn undo_merge(app: &App, actor: &Actor, merge_id: i64) -> AppResult<()> {
    actor.require(Permission::ManageTags)?;
    let data = app.data_for(actor);
    let m = data.tag_merge(merge_id).await?;
    let name = data.tag(m.from_tag_id).await?.name;
    match data
        .undo_tag_merge(
            merge_id,
            actor.user_id,
            &format!("merge of {name} undone"),
            app.now(),
        )
        .await
    {
        Ok(()) => Ok(()),
        Err(casework_store::Error::Conflict) => Err(AppError::field(
            "merge",
            "This merge cannot be undone: it was undone already, or the tag it went into has since been merged too (undo that first).",
        )),
        Err(casework_store::Error::Duplicate(_)) => Err(AppError::field(
            "merge",
            format!("A value called \"{name}\" has been made since; rename it before undoing."),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Adds a dimension (e.g. Policy area).
pub async fn add_dimension(app: &App, actor: &Actor, input: &DimensionInput) -> AppResult<i64> {
    actor.require(Permission::ManageTags)?;
    let f = framework(app, actor).await?;
    let mut e = FieldErrors::new();
    let name = match rules::clean_tag_name(input.name.as_deref().unwrap_or("")) {
        Ok(n) => n,
        Err(msg) => {
            e.add("name", msg.replace("tag", "dimension"));
            String::new()
        }
    };
    let key: String = fold(&name)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    if !name.is_empty()
        && f.dimensions
            .iter()
            .any(|d| d.dim.key == key || fold(&d.dim.name) == fold(&name))
    {
        e.add(
            "name",
            format!("There is already a dimension called \"{name}\"."),
        );
    }
    if f.dimensions.len() >= 12 {
        e.add(
            "name",
            "An office can have at most 12 dimensions: a framework stays small to stay useful.",
        );
    }
    check(e)?;
    let id = app
        .data_for(actor)
        .create_tag_dimension(
            &key,
            &name,
            input.required.unwrap_or(false),
            false,
            actor.user_id,
            app.now(),
        )
        .await
        .map_err(|e| match e {
            casework_store::Error::Duplicate(_) => {
                AppError::field("name", "There is already a dimension of that name.")
            }
            other => other.into(),
        })?;
    Ok(id)
}

/// Renames a dimension or says whether it is required.
pub async fn change_dimension(
    app: &App,
    actor: &Actor,
    key: &str,
    input: &DimensionInput,
) -> AppResult<()> {
    actor.require(Permission::ManageTags)?;
    let f = framework(app, actor).await?;
    let d = f.dimension(key).ok_or(AppError::NotFound)?;
    let mut e = FieldErrors::new();
    let mut name = d.dim.name.clone();
    if let Some(n) = &input.name {
        match rules::clean_tag_name(n) {
            Ok(n) => name = n,
            Err(msg) => e.add("name", msg.replace("tag", "dimension")),
        }
    }
    let required = input.required.unwrap_or(d.dim.required);
    if required && d.dim.is_free() {
        e.add("required", "Free tags cannot be required.");
    }
    check(e)?;
    let detail = format!(
        "{}{}",
        name,
        if required {
            " (required)"
        } else {
            " (optional)"
        }
    );
    app.data_for(actor)
        .update_tag_dimension(d.dim.id, &name, required, &detail, actor.user_id, app.now())
        .await?;
    Ok(())
}
