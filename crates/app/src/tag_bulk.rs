//! Tags in bulk: one value set on many cases or messages at once, an old
//! tag set mapped onto the framework from a CSV file, and a framework
//! exported and imported as CSV so offices can share theirs.

use casework_domain::tags::{clean_tag_name, fold};
use casework_domain::{FieldErrors, Permission};
use casework_store::{NewTag, Tagged};
use serde::{Deserialize, Serialize};

use crate::tags::{Framework, TagsInput, framework};
use crate::{Actor, App, AppError, AppResult, check};

/// At most this many items in one bulk change.
pub const MAX_BULK: usize = 500;

/// What a bulk change did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct BulkResult {
    /// Items that now carry the value and did not before.
    pub changed: usize,
    /// Items that carried it already.
    pub unchanged: usize,
    /// Items left as they were, with why (not found, not allowed, …).
    pub refused: Vec<Refusal>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Refusal {
    pub id: i64,
    pub reason: String,
}

/// Which items to tag.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BulkApply {
    /// Case ids.
    pub cases: Vec<i64>,
    /// Correspondence ids.
    pub correspondence: Vec<i64>,
}

pub(crate) fn reason(e: &AppError) -> String {
    match e {
        AppError::NotFound => "not found".into(),
        AppError::Forbidden(m) => m.clone(),
        AppError::Invalid(f) => f.0.values().cloned().collect::<Vec<_>>().join(" "),
        AppError::Conflict => "changed by someone else meanwhile".into(),
        other => other.to_string(),
    }
}

/// Sets one value on many items: each is changed (and recorded on its
/// timeline) as if tagged one by one, under the same rules.
pub async fn apply(
    app: &App,
    actor: &Actor,
    tag_id: i64,
    items: &BulkApply,
) -> AppResult<BulkResult> {
    let f = framework(app, actor).await?;
    let Some((d, v)) = f.value(tag_id) else {
        return Err(AppError::field(
            "tag",
            "There is no such tag in this office.",
        ));
    };
    let mut e = FieldErrors::new();
    if v.retired {
        e.add(
            "tag",
            format!("\"{}\" is retired and can no longer be applied.", v.path),
        );
    }
    let n = items.cases.len() + items.correspondence.len();
    if n == 0 {
        e.add("items", "Select at least one case or message.");
    } else if n > MAX_BULK {
        e.add("items", format!("Select at most {MAX_BULK} at once."));
    }
    check(e)?;
    let input = if d.dim.is_free() {
        TagsInput {
            add: vec![v.name.clone()],
            ..TagsInput::default()
        }
    } else {
        TagsInput {
            tags: [(d.dim.key.clone(), v.id.to_string())].into(),
            ..TagsInput::default()
        }
    };
    let mut out = BulkResult::default();
    let all = items.cases.iter().map(|id| (Tagged::Case, *id)).chain(
        items
            .correspondence
            .iter()
            .map(|id| (Tagged::Correspondence, *id)),
    );
    for (kind, id) in all {
        let before = match crate::tags::of_item(app, actor, kind, id).await {
            Ok(t) => t,
            Err(e) => {
                out.refused.push(Refusal {
                    id,
                    reason: reason(&e),
                });
                continue;
            }
        };
        if before.iter().any(|t| t.tag_id == tag_id) {
            out.unchanged += 1;
            continue;
        }
        match crate::tags::change(app, actor, kind, id, &input).await {
            Ok(_) => out.changed += 1,
            Err(e @ (AppError::Storage(_) | AppError::Internal(_))) => return Err(e),
            Err(e) => out.refused.push(Refusal {
                id,
                reason: reason(&e),
            }),
        }
    }
    tracing::info!(
        tag_id,
        changed = out.changed,
        by = actor.user_id,
        "tag applied in bulk"
    );
    Ok(out)
}

/// Reads a CSV file as rows of cells under the header `header`: the good
/// rows, and a message per bad line (wrong number of cells, unreadable).
/// A file that is not UTF-8 text, or has another header, is refused whole.
pub(crate) type CsvRows = (Vec<(usize, Vec<String>)>, Vec<String>);

pub(crate) fn csv_rows(bytes: &[u8], header: &[&str]) -> Result<CsvRows, Vec<String>> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(vec![
            "The file is not UTF-8 text: save it from the spreadsheet as \"CSV UTF-8\".".into(),
        ]);
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 1;
        let cells: Vec<String> = match record {
            Err(e) => {
                errors.push(format!("Line {line}: {e}."));
                continue;
            }
            Ok(r) => r.iter().map(|c| c.trim().to_owned()).collect(),
        };
        if line == 1 {
            let got: Vec<String> = cells.iter().map(|c| c.to_lowercase()).collect();
            if got.iter().map(String::as_str).collect::<Vec<_>>() != header {
                return Err(vec![format!(
                    "Line 1: the first line must be the header {}.",
                    header.join(",")
                )]);
            }
        } else if cells.iter().any(|c| !c.is_empty()) {
            if cells.len() == header.len() {
                rows.push((line, cells));
            } else {
                errors.push(format!(
                    "Line {line}: give {} values ({}).",
                    header.len(),
                    header.join(", ")
                ));
            }
        }
    }
    if errors.is_empty() && rows.is_empty() {
        errors.push("The file has no rows under its header.".into());
    }
    Ok((rows, errors))
}

/// A file refused line by line, as the error of form field `field`: the
/// first twenty lines' messages, and how many more.
pub(crate) fn lines_error(field: &str, mut errors: Vec<String>) -> AppError {
    // In the order of the file.
    errors.sort_by_key(|e| {
        e.trim_start_matches("Line ")
            .split(':')
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
    });
    let more = errors.len().saturating_sub(20);
    errors.truncate(20);
    let mut msg = format!("Nothing was changed. {}", errors.join(" "));
    if more > 0 {
        msg.push_str(&format!(" And {more} more."));
    }
    AppError::field(field, msg)
}

fn file_error(errors: Vec<String>) -> AppError {
    lines_error("csv", errors)
}

/// One validated row of a mapping.
struct Mapping {
    line: usize,
    from: i64,
    from_name: String,
    into: i64,
    into_path: String,
    into_dimension: i64,
    same_dimension: bool,
}

fn plan_mapping(f: &Framework, rows: &[(usize, Vec<String>)]) -> Result<Vec<Mapping>, Vec<String>> {
    let mut plan = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (line, cells) in rows {
        let (old, dim_text, new) = (&cells[0], &cells[1], &cells[2]);
        let Some(d) = f
            .dimensions
            .iter()
            .find(|d| d.dim.key == fold(dim_text) || fold(&d.dim.name) == fold(dim_text))
            .filter(|d| d.dim.kind == "standard")
        else {
            errors.push(format!(
                "Line {line}: there is no dimension \"{dim_text}\"."
            ));
            continue;
        };
        let into = match f.resolve(d, new) {
            Ok(v) => v,
            Err(msg) => {
                errors.push(format!("Line {line}: {msg}"));
                continue;
            }
        };
        // The old tag: a free tag, or a value of the same dimension.
        let candidates: Vec<(&crate::tags::Dimension, &crate::tags::Value)> = f
            .dimensions
            .iter()
            .filter(|x| x.dim.is_free() || x.dim.id == d.dim.id)
            .flat_map(|x| x.values.iter().map(move |v| (x, v)))
            .filter(|(_, v)| fold(&v.name) == fold(old) || fold(&v.path) == fold(old))
            .collect();
        let Some((od, ov)) = candidates.first() else {
            errors.push(format!(
                "Line {line}: there is no free tag or {} value \"{old}\".",
                d.dim.name
            ));
            continue;
        };
        if ov.id == into.id {
            errors.push(format!(
                "Line {line}: \"{old}\" is already \"{}\".",
                into.path
            ));
            continue;
        }
        if into.parent_id == Some(ov.id) {
            errors.push(format!(
                "Line {line}: \"{old}\" cannot be mapped onto a value under itself."
            ));
            continue;
        }
        if !seen.insert(ov.id) {
            errors.push(format!("Line {line}: \"{old}\" is mapped twice."));
            continue;
        }
        plan.push(Mapping {
            line: *line,
            from: ov.id,
            from_name: ov.path.clone(),
            into: into.id,
            into_path: into.path.clone(),
            into_dimension: d.dim.id,
            same_dimension: od.dim.id == d.dim.id,
        });
    }
    // A tag mapped away cannot also be a target.
    for m in &plan {
        if plan.iter().any(|x| x.from == m.into) {
            errors.push(format!(
                "Line {}: \"{}\" is itself mapped away in this file.",
                m.line, m.into_path
            ));
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// Applies a CSV of `old,dimension,new` rows: every use of each old tag
/// (a free tag, or a value of the same dimension) moves to the new value,
/// the old name kept as an alias of it. Every row is checked before any is
/// applied. Returns a line of report per row.
pub async fn map_from_csv(app: &App, actor: &Actor, bytes: &[u8]) -> AppResult<Vec<String>> {
    actor.require(Permission::ManageTags)?;
    let (rows, mut errors) = csv_rows(bytes, &["old", "dimension", "new"]).map_err(file_error)?;
    let f = framework(app, actor).await?;
    let plan = match plan_mapping(&f, &rows) {
        Ok(plan) if errors.is_empty() => plan,
        Ok(_) => return Err(file_error(errors)),
        Err(more) => {
            errors.extend(more);
            return Err(file_error(errors));
        }
    };
    let mut report = Vec::new();
    for m in plan {
        let detail = format!("{} mapped to {}", m.from_name, m.into_path);
        let data = app.data_for(actor);
        let (cases, messages, kept) = if m.same_dimension {
            let (_, c) = data
                .merge_tags(m.from, m.into, actor.user_id, &detail, app.now())
                .await?;
            (c.cases, c.messages, 0)
        } else {
            data.remap_tag(
                m.from,
                m.into,
                m.into_dimension,
                actor.user_id,
                &detail,
                app.now(),
            )
            .await?
        };
        report.push(format!(
            "Line {}: \"{}\" → \"{}\": {cases} cases and {messages} messages{}.",
            m.line,
            m.from_name,
            m.into_path,
            if kept > 0 {
                format!(" ({kept} already had a value and kept it)")
            } else {
                String::new()
            }
        ));
    }
    tracing::info!(
        rows = report.len(),
        by = actor.user_id,
        "tag mapping applied"
    );
    Ok(report)
}

/// The framework as CSV: `dimension,value,parent,required`, one row per
/// value (retired ones left out), for another office to import.
pub async fn export_csv(app: &App, actor: &Actor) -> AppResult<Vec<u8>> {
    let f = framework(app, actor).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record(["dimension", "value", "parent", "required"])
        .map_err(internal)?;
    for d in f.dimensions.iter().filter(|d| d.dim.kind == "standard") {
        for v in d.values.iter().filter(|v| !v.retired) {
            let parent = v
                .parent_id
                .and_then(|p| f.value(p))
                .map(|(_, p)| p.name.clone())
                .unwrap_or_default();
            w.write_record([
                d.dim.name.as_str(),
                v.name.as_str(),
                parent.as_str(),
                if d.dim.required { "yes" } else { "no" },
            ])
            .map_err(internal)?;
        }
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Adds what a shared framework has and this office lacks: dimensions and
/// values (matched by name whatever the case and spacing); nothing is
/// removed or renamed. Every row is checked before any is added.
pub async fn import_csv(app: &App, actor: &Actor, bytes: &[u8]) -> AppResult<String> {
    actor.require(Permission::ManageTags)?;
    let (rows, mut errors) =
        csv_rows(bytes, &["dimension", "value", "parent", "required"]).map_err(file_error)?;
    let f = framework(app, actor).await?;
    for (line, cells) in &rows {
        for (i, what) in [(0, "dimension"), (1, "value")] {
            if let Err(msg) = clean_tag_name(&cells[i]) {
                errors.push(format!("Line {line}: the {what}: {msg}"));
            }
        }
        if !cells[2].is_empty() {
            if let Err(msg) = clean_tag_name(&cells[2]) {
                errors.push(format!("Line {line}: the parent: {msg}"));
            }
            let parent_listed = rows.iter().any(|(_, c)| {
                fold(&c[0]) == fold(&cells[0]) && fold(&c[1]) == fold(&cells[2]) && c[2].is_empty()
            });
            let parent_exists = f
                .dimensions
                .iter()
                .find(|d| fold(&d.dim.name) == fold(&cells[0]))
                .is_some_and(|d| {
                    d.values
                        .iter()
                        .any(|v| v.parent_id.is_none() && fold(&v.name) == fold(&cells[2]))
                });
            if !parent_listed && !parent_exists {
                errors.push(format!(
                    "Line {line}: the parent \"{}\" is neither in the file nor in the office's {}.",
                    cells[2], cells[0]
                ));
            }
        }
        if !matches!(cells[3].to_lowercase().as_str(), "yes" | "no" | "") {
            errors.push(format!("Line {line}: required must be yes or no."));
        }
        if fold(&cells[0]) == "other tags" || fold(&cells[0]) == "location" {
            errors.push(format!("Line {line}: \"{}\" cannot be imported.", cells[0]));
        }
    }
    if !errors.is_empty() {
        return Err(file_error(errors));
    }
    let data = app.data_for(actor);
    let (mut dims_added, mut values_added, mut already) = (0, 0, 0);
    // Parents before children, in the order of the file.
    let mut ordered: Vec<&(usize, Vec<String>)> =
        rows.iter().filter(|(_, c)| c[2].is_empty()).collect();
    ordered.extend(rows.iter().filter(|(_, c)| !c[2].is_empty()));
    for (_, cells) in ordered {
        let f = framework(app, actor).await?;
        let name = clean_tag_name(&cells[0]).unwrap_or_default();
        let dim = match f
            .dimensions
            .iter()
            .find(|d| fold(&d.dim.name) == fold(&name))
        {
            Some(d) => d.dim.id,
            None => {
                let key: String = fold(&name)
                    .chars()
                    .map(|c| if c.is_alphanumeric() { c } else { '_' })
                    .collect();
                let hierarchical = rows
                    .iter()
                    .any(|(_, c)| fold(&c[0]) == fold(&name) && !c[2].is_empty());
                dims_added += 1;
                data.create_tag_dimension(
                    &key,
                    &name,
                    cells[3].eq_ignore_ascii_case("yes"),
                    hierarchical,
                    actor.user_id,
                    app.now(),
                )
                .await?
            }
        };
        let f = framework(app, actor).await?;
        let d = f
            .dimensions
            .iter()
            .find(|d| d.dim.id == dim)
            .ok_or(AppError::NotFound)?;
        let parent = if cells[2].is_empty() {
            None
        } else {
            d.values
                .iter()
                .find(|v| v.parent_id.is_none() && fold(&v.name) == fold(&cells[2]))
                .map(|v| v.id)
        };
        let value = clean_tag_name(&cells[1]).unwrap_or_default();
        if d.values
            .iter()
            .any(|v| v.parent_id == parent && fold(&v.name) == fold(&value))
        {
            already += 1;
            continue;
        }
        data.create_tag(
            &NewTag {
                dimension_id: dim,
                parent_id: parent,
                name: value,
                effect: String::new(),
                position: d.values.len() as i64 + 1,
            },
            Some(actor.user_id),
            app.now(),
        )
        .await?;
        values_added += 1;
    }
    Ok(format!(
        "{dims_added} dimensions and {values_added} values added; {already} values were there already."
    ))
}
