//! The tagging framework: reading it, resolving what people type to a tag,
//! tagging cases and correspondence, and the rules that keep tags few.
//! Keeping the framework itself (values, merges) is in `tag_admin`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use casework_domain::tags::{self as rules, Starter, effect, fold};
use casework_domain::{FieldErrors, Permission};
pub use casework_store::Tagged;
use casework_store::{ItemTag, NewEntry, Tag, TagAlias, TagChange, TagDimension};
use serde::{Deserialize, Serialize};

use crate::{Actor, App, AppError, AppResult, check};

/// The office's framework as one reader sees it.
#[derive(Debug, Clone)]
pub struct Framework {
    pub dimensions: Vec<Dimension>,
    aliases: Vec<TagAlias>,
    /// The office's own level of government ('' when not said).
    pub office_level: String,
}

#[derive(Debug, Clone)]
pub struct Dimension {
    pub dim: TagDimension,
    /// Live values (merged ones left out), parents first, each followed by
    /// its children.
    pub values: Vec<Value>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Value {
    pub id: i64,
    pub name: String,
    /// "Parent › Child" for a child, the name otherwise.
    pub path: String,
    pub parent_id: Option<i64>,
    pub retired: bool,
    /// `restricted` (hides from roles that may not see sensitive cases),
    /// `ours`, `transfer`, or empty.
    pub effect: String,
    pub last_used_at: Option<i64>,
}

/// One tag of an item as shown and sent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemTagOut {
    /// The dimension's key: `category`, `urgency`, `sensitivity`,
    /// `transferability`, an office's own, or `free`.
    pub dimension: String,
    pub dimension_name: String,
    pub tag_id: i64,
    /// The value's full name ("Housing › Disrepair").
    pub value: String,
}

/// A change of an item's tags, from a form or the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TagsInput {
    /// Dimension key → value: its name, "Parent › Child", an old name
    /// (alias) or its id; an empty string clears the dimension. Dimensions
    /// not named keep their value.
    pub tags: BTreeMap<String, String>,
    /// Free tags (outside the dimensions) to add, by name.
    pub add: Vec<String>,
    /// Free tags to remove, by name or id.
    pub remove: Vec<String>,
    /// Make a new free tag even though a similar one exists (otherwise the
    /// similar ones are offered first).
    pub create_new: bool,
}

impl Framework {
    pub fn dimension(&self, key: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.dim.key == key)
    }

    fn dimension_by_id(&self, id: i64) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.dim.id == id)
    }

    /// A live value by id, with its dimension.
    pub fn value(&self, id: i64) -> Option<(&Dimension, &Value)> {
        self.dimensions
            .iter()
            .find_map(|d| d.values.iter().find(|v| v.id == id).map(|v| (d, v)))
    }

    /// A value and, unless `exact`, the values under it: what a list "with
    /// this value" holds (a Category parent counts its children, as in
    /// Trends).
    pub fn with_children(&self, id: i64, exact: bool) -> Vec<i64> {
        let mut ids = vec![id];
        if !exact && let Some((d, _)) = self.value(id) {
            ids.extend(
                d.values
                    .iter()
                    .filter(|v| v.parent_id == Some(id))
                    .map(|v| v.id),
            );
        }
        ids
    }

    /// The dimensions an office set as required.
    pub fn required(&self) -> impl Iterator<Item = &Dimension> {
        self.dimensions.iter().filter(|d| d.dim.required)
    }

    /// Finds the value meant by `text` in `d`: an id, a full name
    /// ("Housing › Disrepair", also with ">" or "/"), a name that only one
    /// value has, or an old name (alias). A message naming the choices
    /// otherwise.
    pub fn resolve<'a>(&'a self, d: &'a Dimension, text: &str) -> Result<&'a Value, String> {
        let text = text.trim();
        if let Ok(id) = text.parse::<i64>()
            && let Some(v) = d.values.iter().find(|v| v.id == id)
        {
            return Ok(v);
        }
        // As typed (a name may hold "/" or ">"), or with "/" and ">" read
        // as the separator of "Parent › Child".
        let plain = fold(text);
        let as_path = fold(&text.replace(['>', '/'], "›").replace('›', " › "));
        let wanted = |name: &str| {
            let f = fold(name);
            f == plain || f == as_path
        };
        let by_path = d.values.iter().find(|v| wanted(&v.path));
        let found = match by_path {
            Some(v) => Some(v),
            None => {
                let by_name: Vec<&Value> = d.values.iter().filter(|v| wanted(&v.name)).collect();
                match by_name.as_slice() {
                    [one] => Some(*one),
                    [] => self
                        .aliases
                        .iter()
                        .find(|a| a.dimension_id == d.dim.id && wanted(&a.name))
                        .and_then(|a| d.values.iter().find(|v| v.id == a.tag_id)),
                    many => {
                        return Err(format!(
                            "{} has more than one \"{text}\": choose {}.",
                            d.dim.name,
                            many.iter()
                                .map(|v| format!("\"{}\"", v.path))
                                .collect::<Vec<_>>()
                                .join(" or ")
                        ));
                    }
                }
            }
        };
        match found {
            Some(v) if v.retired => Err(format!(
                "\"{}\" is retired and can no longer be applied; choose another {}.",
                v.path, d.dim.name
            )),
            Some(v) => Ok(v),
            None => Err(format!(
                "{} has no value \"{}\". Choose one of: {}.",
                d.dim.name,
                text.chars().take(80).collect::<String>(),
                d.values
                    .iter()
                    .filter(|v| !v.retired)
                    .map(|v| v.path.as_str())
                    .take(30)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// An item's tags, in the order of the dimensions.
    pub fn describe(&self, tags: &[ItemTag]) -> Vec<ItemTagOut> {
        let mut out: Vec<(i64, ItemTagOut)> = tags
            .iter()
            .filter_map(|t| {
                let (d, v) = self.value(t.tag_id)?;
                Some((
                    d.dim.position,
                    ItemTagOut {
                        dimension: d.dim.key.clone(),
                        dimension_name: d.dim.name.clone(),
                        tag_id: v.id,
                        value: v.path.clone(),
                    },
                ))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.value.cmp(&b.1.value)));
        out.into_iter().map(|(_, t)| t).collect()
    }

    /// Whether a set of tags makes an item highly sensitive.
    pub fn restricts(&self, tag_ids: impl IntoIterator<Item = i64>) -> bool {
        tag_ids.into_iter().any(|id| {
            self.value(id)
                .is_some_and(|(_, v)| v.effect == effect::RESTRICTED)
        })
    }

    /// Turns what was typed into a change, with a message per bad field
    /// (`tags.<dimension>`, `add`, `remove`). Free tags that do not exist
    /// yet come back in the second list, to be made once the rest is valid.
    pub fn parse_change(
        &self,
        input: &TagsInput,
        current: &[ItemTag],
        e: &mut FieldErrors,
    ) -> (TagChange, Vec<String>) {
        let mut change = TagChange::default();
        for (key, text) in &input.tags {
            let field = format!("tags.{key}");
            let Some(d) = self.dimension(key).filter(|d| !d.dim.is_free()) else {
                e.add(
                    &field,
                    format!(
                        "There is no dimension \"{key}\". The office's dimensions are: {}.",
                        self.dimensions
                            .iter()
                            .filter(|d| !d.dim.is_free())
                            .map(|d| d.dim.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            };
            if text.trim().is_empty() {
                change.set.push((d.dim.id, None));
                continue;
            }
            match self.resolve(d, text) {
                Ok(v) => change.set.push((d.dim.id, Some(v.id))),
                Err(msg) => e.add(&field, msg),
            }
        }
        let mut new_free = Vec::new();
        if let Some(free) = self.dimension("free") {
            for name in &input.add {
                let name = match rules::clean_tag_name(name) {
                    Ok(n) => n,
                    Err(msg) => {
                        e.add("add", msg);
                        continue;
                    }
                };
                match self.resolve(free, &name) {
                    Ok(v) => change.add_free.push((free.dim.id, v.id)),
                    Err(msg) if msg.contains("retired") => e.add("add", msg),
                    Err(_) => {
                        let close = self.close_matches(&name);
                        if !close.is_empty() && !input.create_new {
                            e.add(
                                "add",
                                format!(
                                    "\"{name}\" is new, and close to {}. Use one of those, or confirm that a new tag is needed.",
                                    close.join(", ")
                                ),
                            );
                        } else {
                            new_free.push(name);
                        }
                    }
                }
            }
            for text in &input.remove {
                match self.resolve(free, text) {
                    Ok(v) => change.remove_free.push(v.id),
                    Err(_) => {
                        if let Some(t) = current.iter().find(|t| {
                            t.dimension_id == free.dim.id && text.trim() == t.tag_id.to_string()
                        }) {
                            change.remove_free.push(t.tag_id);
                        } else {
                            e.add(
                                "remove",
                                format!("This item has no tag \"{}\".", text.trim()),
                            );
                        }
                    }
                }
            }
        }
        (change, new_free)
    }

    /// Existing tags (in any dimension) whose name is close to `name`,
    /// shown as "Dimension: value".
    pub fn close_matches(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for d in &self.dimensions {
            let live: Vec<&Value> = d.values.iter().filter(|v| !v.retired).collect();
            let mut names: Vec<&str> = live.iter().map(|v| v.name.as_str()).collect();
            names.push(name);
            let me = names.len() - 1;
            for (a, b, _) in rules::near_duplicates(&names) {
                if b == me {
                    out.push(format!("\"{}\" ({})", live[a].path, d.dim.name));
                }
            }
        }
        out.truncate(8);
        out
    }

    /// The names of required dimensions an item would leave empty.
    pub fn missing_required(&self, tags: &[ItemTag], change: &TagChange) -> Vec<String> {
        self.required()
            .filter(|d| {
                let set = change.set.iter().find(|(dim, _)| *dim == d.dim.id);
                match set {
                    Some((_, value)) => value.is_none(),
                    None => !tags.iter().any(|t| t.dimension_id == d.dim.id),
                }
            })
            .map(|d| d.dim.name.clone())
            .collect()
    }
}

/// The message for required dimensions left empty.
pub fn required_message(missing: &[String]) -> String {
    if missing.len() == 1 {
        format!("Choose a {}: this office requires it.", missing[0])
    } else {
        format!(
            "Choose a value for {}: this office requires them.",
            missing.join(" and ")
        )
    }
}

/// Builds the framework from its rows.
pub(crate) fn assemble(
    dims: Vec<TagDimension>,
    tags: Vec<Tag>,
    aliases: Vec<TagAlias>,
    office_level: String,
) -> Framework {
    let live: Vec<&Tag> = tags.iter().filter(|t| t.merged_into.is_none()).collect();
    let name_of = |id: i64| live.iter().find(|t| t.id == id).map(|t| t.name.clone());
    let dimensions = dims
        .into_iter()
        .map(|dim| {
            let mut parents: Vec<&&Tag> = live
                .iter()
                .filter(|t| t.dimension_id == dim.id && t.parent_id.is_none())
                .collect();
            parents.sort_by(|a, b| a.position.cmp(&b.position).then(a.name.cmp(&b.name)));
            let mut values = Vec::new();
            let to_value = |t: &Tag, path: String| Value {
                id: t.id,
                name: t.name.clone(),
                path,
                parent_id: t.parent_id,
                retired: t.retired_at.is_some(),
                effect: t.effect.clone(),
                last_used_at: t.last_used_at,
            };
            for p in parents {
                values.push(to_value(p, p.name.clone()));
                let mut children: Vec<&&Tag> =
                    live.iter().filter(|t| t.parent_id == Some(p.id)).collect();
                children.sort_by(|a, b| a.position.cmp(&b.position).then(a.name.cmp(&b.name)));
                for c in children {
                    let path = format!(
                        "{}{}{}",
                        name_of(p.id).unwrap_or_default(),
                        rules::PATH_SEPARATOR,
                        c.name
                    );
                    values.push(to_value(c, path));
                }
            }
            Dimension { dim, values }
        })
        .collect();
    Framework {
        dimensions,
        aliases,
        office_level,
    }
}

/// The office's framework, as this app server keeps it in memory.
pub async fn framework(app: &App, actor: &Actor) -> AppResult<Arc<Framework>> {
    kept(app, actor.office_id).await
}

/// The office's framework read from the database now, with each value's
/// last use as it is now (for the tags page and the API's list).
pub async fn framework_now(app: &App, actor: &Actor) -> AppResult<Framework> {
    load(app, actor.office_id).await
}

/// The frameworks this app server has read, by office, with the version
/// each was read at.
pub(crate) type FrameworkCache = HashMap<i64, (Option<i64>, Arc<Framework>)>;

/// The office's framework from memory while its version in the database is
/// the one it was read at (one small query), else read again. Every change
/// raises the version in its own transaction, so each app server sees it
/// at its next request. Values' last use is as of the read: the tags page
/// reads afresh ([`load`]).
pub(crate) async fn kept(app: &App, office_id: i64) -> AppResult<Arc<Framework>> {
    // The version before the framework: a change landing between the two
    // only makes the next request read the framework again.
    let version = crate::memo::framework_version(app, office_id).await?;
    let held = app
        .frameworks
        .lock()
        .ok()
        .and_then(|c| c.get(&office_id).cloned());
    if let Some((v, f)) = held
        && v == version
    {
        return Ok(f);
    }
    let f = Arc::new(load(app, office_id).await?);
    if let Ok(mut c) = app.frameworks.lock() {
        c.insert(office_id, (version, f.clone()));
    }
    Ok(f)
}

/// The office's framework read from the database now.
pub(crate) async fn load(app: &App, office_id: i64) -> AppResult<Framework> {
    let data = app.system_data(office_id);
    let dims = data.tag_dimensions().await?;
    let tags = data.tags().await?;
    let aliases = data.tag_aliases().await?;
    let level = app.store.office(office_id).await?.level;
    Ok(assemble(dims, tags, aliases, level))
}

/// Sets up a new office's framework from the starter for its level.
pub(crate) async fn set_up(app: &App, office_id: i64, starter: Starter) -> AppResult<()> {
    app.system_data(office_id)
        .set_up_tag_framework(starter, Some(starter.as_str()), app.now())
        .await?;
    Ok(())
}

/// Gives every office that has no framework yet (an installation upgraded
/// to this version) its framework, carrying over the old free-text fields
/// of its cases; the office's level, when it never said, is the level most
/// of its cases carry, and the report says so. Safe to run on several app
/// servers at once: each office is set up exactly once.
pub async fn upgrade_offices(app: &App) -> AppResult<()> {
    for office in app.store.offices().await? {
        let data = app.system_data(office.id);
        if data.tag_framework_report().await?.is_some() {
            continue;
        }
        let level = if office.level.is_empty() {
            app.store.most_common_case_level(office.id).await?
        } else {
            Some(office.level.clone())
        };
        let starter = level
            .as_deref()
            .and_then(Starter::parse)
            .unwrap_or(Starter::Federal);
        if let Some(report) = data
            .set_up_tag_framework(starter, level.as_deref(), app.now())
            .await?
        {
            tracing::info!(
                office_id = office.id,
                starter = starter.as_str(),
                lines = report.lines().count(),
                "tagging framework set up; old case fields carried over"
            );
        }
    }
    Ok(())
}

/// Whether the actor may change the tags of an item of this kind.
fn require_tagging(actor: &Actor, kind: Tagged, in_intake: bool) -> AppResult<()> {
    match kind {
        Tagged::Case => actor.require(Permission::EditCases),
        Tagged::Correspondence if in_intake => actor.require(Permission::TriageIntake),
        Tagged::Correspondence => actor.require(Permission::EditCases),
    }
}

/// The tags of a case or a piece of correspondence the actor may see.
pub async fn of_item(
    app: &App,
    actor: &Actor,
    kind: Tagged,
    id: i64,
) -> AppResult<Vec<ItemTagOut>> {
    see_item(app, actor, kind, id).await?;
    let f = framework(app, actor).await?;
    let tags = app.data_for(actor).item_tags(kind, &[id]).await?;
    Ok(f.describe(&tags))
}

/// Checks the actor may see the item; returns whether it is in intake.
async fn see_item(app: &App, actor: &Actor, kind: Tagged, id: i64) -> AppResult<bool> {
    match kind {
        Tagged::Case => {
            app.data_for(actor).case(id).await?;
            Ok(false)
        }
        Tagged::Correspondence => {
            let c = app.data_for(actor).correspondence(id).await?;
            Ok(c.case_id.is_none() && c.state == casework_domain::MailState::Intake)
        }
    }
}

/// Changes the tags of a case or a piece of correspondence, recorded on
/// the timeline. A required dimension cannot be cleared; "highly
/// sensitive" on a case needs the right to open sensitive cases.
pub async fn change(
    app: &App,
    actor: &Actor,
    kind: Tagged,
    id: i64,
    input: &TagsInput,
) -> AppResult<Vec<ItemTagOut>> {
    let in_intake = see_item(app, actor, kind, id).await?;
    require_tagging(actor, kind, in_intake)?;
    let f = framework(app, actor).await?;
    let data = app.data_for(actor);
    let current = data.item_tags(kind, &[id]).await?;
    let mut e = FieldErrors::new();
    let (mut change, new_free) = f.parse_change(input, &current, &mut e);
    // Clearing what has no value is no change (a form's empty select).
    change
        .set
        .retain(|(dim, value)| value.is_some() || current.iter().any(|t| t.dimension_id == *dim));
    let missing = f.missing_required(&current, &change);
    if !missing.is_empty() && change.set.iter().any(|(_, v)| v.is_none()) {
        e.add("tags", required_message(&missing));
    }
    check(e)?;
    if kind == Tagged::Case && f.restricts(change.set.iter().filter_map(|(_, v)| *v)) {
        actor.require(Permission::OpenSensitiveCases)?;
    }
    make_free_tags(app, actor, &f, &new_free, &mut change).await?;
    // Only what changes is written and recorded.
    change.set.retain(|(dim, value)| {
        let now = current
            .iter()
            .find(|t| t.dimension_id == *dim)
            .map(|t| t.tag_id);
        now != *value
    });
    change
        .add_free
        .retain(|(_, tag)| !current.iter().any(|t| t.tag_id == *tag));
    change
        .remove_free
        .retain(|tag| current.iter().any(|t| t.tag_id == *tag));
    if !change.is_empty() {
        let entry = NewEntry::new(
            "tags",
            Some(actor.user_id),
            describe_change(&f, &current, &change),
        );
        let entry = match kind {
            Tagged::Case => entry,
            Tagged::Correspondence => NewEntry {
                correspondence_id: Some(id),
                ..entry
            },
        };
        data.change_item_tags(kind, id, &change, Some(&entry), None, app.now())
            .await?;
        tracing::info!(item = id, by = actor.user_id, "tags changed");
    }
    let tags = app.data_for(actor).item_tags(kind, &[id]).await;
    // Read again: free tags made just now are in it.
    let f = framework(app, actor).await?;
    match tags {
        Ok(tags) => Ok(f.describe(&tags)),
        // Marked highly sensitive by someone who will not see it now.
        Err(casework_store::Error::NotFound) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// Makes the free tags that are new, adding them to `change`.
pub(crate) async fn make_free_tags(
    app: &App,
    actor: &Actor,
    f: &Framework,
    names: &[String],
    change: &mut TagChange,
) -> AppResult<()> {
    let Some(free) = f.dimension("free") else {
        return Ok(());
    };
    for name in names {
        let id = match app
            .data_for(actor)
            .create_tag(
                &casework_store::NewTag {
                    dimension_id: free.dim.id,
                    parent_id: None,
                    name: name.clone(),
                    effect: String::new(),
                    position: 0,
                },
                Some(actor.user_id),
                app.now(),
            )
            .await
        {
            Ok(id) => id,
            Err(casework_store::Error::Duplicate(_)) => {
                return Err(AppError::Conflict);
            }
            Err(e) => return Err(e.into()),
        };
        change.add_free.push((free.dim.id, id));
    }
    Ok(())
}

/// "Category: Housing → Housing › Disrepair; added Leaseholders".
pub(crate) fn describe_change(f: &Framework, current: &[ItemTag], change: &TagChange) -> String {
    let name = |id: i64| {
        f.value(id)
            .map(|(_, v)| v.path.clone())
            .unwrap_or_else(|| format!("tag {id}"))
    };
    let mut parts = Vec::new();
    for (dim, value) in &change.set {
        let Some(d) = f.dimension_by_id(*dim) else {
            continue;
        };
        let before = current
            .iter()
            .find(|t| t.dimension_id == *dim)
            .map(|t| name(t.tag_id))
            .unwrap_or_else(|| "none".into());
        let after = value.map(name).unwrap_or_else(|| "none".into());
        parts.push(format!("{}: {before} → {after}", d.dim.name));
    }
    for (_, tag) in &change.add_free {
        parts.push(format!("added {}", name(*tag)));
    }
    for tag in &change.remove_free {
        parts.push(format!("removed {}", name(*tag)));
    }
    format!("Tags changed: {}", parts.join("; "))
}

/// The tags a new case starts with: what was chosen, and for Urgency and
/// Sensitivity the first value when nothing was.
pub(crate) fn with_defaults(f: &Framework, change: &mut TagChange) {
    for key in ["urgency", "sensitivity"] {
        let Some(d) = f.dimension(key) else { continue };
        if change.set.iter().any(|(dim, _)| *dim == d.dim.id) {
            continue;
        }
        if let Some(v) = d
            .values
            .iter()
            .find(|v| !v.retired && v.parent_id.is_none())
        {
            change.set.push((d.dim.id, Some(v.id)));
        }
    }
    change.set.retain(|(_, v)| v.is_some());
}
