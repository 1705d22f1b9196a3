//! Cases: open, view, edit, assign, move through the lifecycle, add notes.

use std::collections::{BTreeMap, HashMap};

use casework_domain::{Channel, Direction, FieldErrors, Permission, Status};
use casework_store::{
    Case, CaseFields, CaseFilter, CasePerson, CaseSort, NewEntry, Page, TagChange, Tagged,
    TimelineEntry,
};
use serde::{Deserialize, Deserializer};

use crate::constituents::changes_json;
use crate::tags::{Framework, ItemTagOut, TagsInput};
use crate::{Actor, App, AppError, AppResult, check, current_year};

/// A new case as typed into a form or sent to the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CaseInput {
    pub constituent_id: i64,
    pub title: String,
    pub summary: String,
    /// The case's tags: dimension key → value (see `TagsInput`).
    pub tags: BTreeMap<String, String>,
    /// Shorthand for `tags.category`.
    pub category: String,
    /// The level of government that can resolve it (`federal`,
    /// `provincial`, `municipal`, `other`): shorthand for
    /// `tags.transferability` ("Ours" at the office's own level).
    pub level: String,
    pub agency: String,
    /// Shorthand for `tags.urgency`; the old names (`low`, `normal`,
    /// `high`, `critical`) still resolve.
    pub urgency: String,
    /// Shorthand for `tags.sensitivity`; `sensitive` is "Highly sensitive".
    pub sensitivity: String,
    pub assignee_id: Option<i64>,
    pub review_date: Option<String>,
}

/// A partial change of a case. For `assignee_id` and `review_date`, an
/// explicit `null` clears the value and an absent field keeps it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CasePatch {
    pub title: Option<String>,
    pub summary: Option<String>,
    /// Tags to change: dimension key → value; "" clears.
    pub tags: Option<BTreeMap<String, String>>,
    pub category: Option<String>,
    pub level: Option<String>,
    pub agency: Option<String>,
    pub status: Option<String>,
    #[serde(deserialize_with = "present")]
    pub assignee_id: Option<Option<i64>>,
    pub urgency: Option<String>,
    pub sensitivity: Option<String>,
    #[serde(deserialize_with = "present")]
    pub review_date: Option<Option<String>>,
    pub version: Option<i64>,
}

/// Distinguishes `"field": null` (Some(None)) from an absent field (None).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

fn names<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> String {
    all.iter().map(|x| f(*x)).collect::<Vec<_>>().join(", ")
}

/// Checks an assignee: an active colleague whose role can hold cases.
pub(crate) async fn check_assignee(
    app: &App,
    actor: &Actor,
    e: &mut FieldErrors,
    id: Option<i64>,
) -> AppResult<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    match app.data_for(actor).user(id).await {
        Ok(u) if u.active && u.role().can_hold_cases() => Ok(Some(u.display_name)),
        Ok(_) => {
            e.add("assignee_id", "Cases can be assigned only to active caseworkers, office managers and administrators.");
            Ok(None)
        }
        Err(casework_store::Error::NotFound) => {
            e.add("assignee_id", "There is no such colleague in this office.");
            Ok(None)
        }
        Err(other) => Err(other.into()),
    }
}

/// Opens a case for a constituent of the actor's office.
pub async fn open(app: &App, actor: &Actor, input: &CaseInput) -> AppResult<Case> {
    actor.require(Permission::OpenCases)?;
    let mut e = FieldErrors::new();
    let constituent = match app.data_for(actor).constituent(input.constituent_id).await {
        Ok(c) => Some(c),
        Err(casework_store::Error::NotFound) => {
            e.add("constituent_id", "Choose a constituent of this office.");
            None
        }
        Err(other) => return Err(other.into()),
    };
    let framework = crate::tags::framework(app, actor).await?;
    let wanted = tag_shorthands(
        &framework,
        &input.tags,
        [
            ("category", Some(&input.category)),
            ("urgency", Some(&input.urgency)),
            ("sensitivity", Some(&input.sensitivity)),
        ],
        Some(&input.level),
        &mut e,
    );
    let (mut tags, new_free) = framework.parse_change(&wanted, &[], &mut e);
    crate::tags::with_defaults(&framework, &mut tags);
    for d in framework.required() {
        if !tags
            .set
            .iter()
            .any(|(dim, v)| *dim == d.dim.id && v.is_some())
        {
            e.add(
                &format!("tags.{}", d.dim.key),
                crate::tags::required_message(std::slice::from_ref(&d.dim.name)),
            );
        }
    }
    let f = CaseFields {
        title: e.required("title", "Title", &input.title, 200),
        summary: e.optional("summary", "Summary", &input.summary, 20_000),
        agency: e.optional("agency", "Agency", &input.agency, 200),
        status: Status::New,
        assignee_id: input.assignee_id,
        review_date: e.date(
            "review_date",
            "Review date",
            input.review_date.as_deref().unwrap_or(""),
        ),
    };
    if f.assignee_id.is_some() && !actor.can(Permission::AssignCases) {
        e.add(
            "assignee_id",
            "Your role cannot assign cases; leave the case unassigned.",
        );
    }
    let assignee = check_assignee(app, actor, &mut e, f.assignee_id).await?;
    check(e)?;
    if framework.restricts(tags.set.iter().filter_map(|(_, v)| *v)) {
        actor.require(Permission::OpenSensitiveCases)?;
    }
    crate::tags::make_free_tags(app, actor, &framework, &new_free, &mut tags).await?;
    let Some(constituent) = constituent else {
        return Err(AppError::NotFound);
    };
    let now = app.now();
    let mut body = format!("Case opened: {}", f.title);
    if let Some(name) = assignee {
        body.push_str(&format!(" (assigned to {name})"));
    }
    let entry = NewEntry::new("case_opened", Some(actor.user_id), body);
    let id = app
        .data_for(actor)
        .create_case(constituent.id, current_year(now), &f, &tags, &entry, now)
        .await?;
    tracing::info!(case_id = id, by = actor.user_id, "case opened");
    forget_facets(app, actor.office_id);
    // Read back as the office: a caseworker may open a sensitive case for a
    // colleague, which they will not see afterwards but are shown once.
    let case = app.system_data(actor.office_id).case(id).await?;
    if let Some(to) = case.assignee_id {
        crate::notifications::notify(
            app,
            actor.office_id,
            Some(actor.user_id),
            vec![crate::notifications::assigned(
                case.id,
                &case.reference,
                to,
                actor,
                case.version,
            )],
        )
        .await;
    }
    Ok(case)
}

/// A case the actor may see; anything else is "not found", so that a
/// restricted case's existence does not leak.
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<Case> {
    // The door leaves out cases the actor may not see: "not found".
    crate::memo::case(app, actor, id).await
}

/// A case by its reference (e.g. `CW-2026-00417`), if the actor may see it.
pub async fn by_reference(app: &App, actor: &Actor, reference: &str) -> AppResult<Case> {
    let Some(r) = casework_domain::CaseRef::parse(reference) else {
        return Err(AppError::field(
            "reference",
            "Write the reference like CW-2026-00417.",
        ));
    };
    let case = match app.data_for(actor).case_by_reference(r.as_str()).await {
        Ok(c) => c,
        Err(casework_store::Error::NotFound) => {
            return Err(AppError::field(
                "reference",
                format!("There is no case {r} in this office."),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(case)
}

/// Changes a case: details need the right to edit, the assignee the right to
/// assign, a new status must follow the lifecycle. Stale versions are refused.
pub async fn update(app: &App, actor: &Actor, id: i64, patch: &CasePatch) -> AppResult<Case> {
    let case = get(app, actor, id).await?;
    if patch.version.is_some_and(|v| v != case.version) {
        return Err(AppError::Conflict);
    }
    // Refuse what the role may not do before judging the values sent.
    let touches_details = patch.title.is_some()
        || patch.summary.is_some()
        || patch.tags.is_some()
        || patch.category.is_some()
        || patch.level.is_some()
        || patch.agency.is_some()
        || patch.status.is_some()
        || patch.urgency.is_some()
        || patch.sensitivity.is_some()
        || patch.review_date.is_some();
    if touches_details {
        actor.require(Permission::EditCases)?;
    }
    if patch.assignee_id.is_some() {
        actor.require(Permission::AssignCases)?;
    }
    let before = CaseFields::from(&case);
    let mut e = FieldErrors::new();
    let mut after = before.clone();
    if let Some(t) = &patch.title {
        after.title = e.required("title", "Title", t, 200);
    }
    if let Some(s) = &patch.summary {
        after.summary = e.optional("summary", "Summary", s, 20_000);
    }
    if let Some(a) = &patch.agency {
        after.agency = e.optional("agency", "Agency", a, 200);
    }
    let framework = crate::tags::framework(app, actor).await?;
    let empty = BTreeMap::new();
    let wanted = tag_shorthands(
        &framework,
        patch.tags.as_ref().unwrap_or(&empty),
        [
            ("category", patch.category.as_ref()),
            ("urgency", patch.urgency.as_ref()),
            ("sensitivity", patch.sensitivity.as_ref()),
        ],
        patch.level.as_ref(),
        &mut e,
    );
    let current = app.data_for(actor).item_tags(Tagged::Case, &[id]).await?;
    let (mut tag_change, new_free) = framework.parse_change(&wanted, &current, &mut e);
    let missing = framework.missing_required(&current, &tag_change);
    if !missing.is_empty() && tag_change.set.iter().any(|(_, v)| v.is_none()) {
        e.add("tags", crate::tags::required_message(&missing));
    }
    tag_change.set.retain(|(dim, v)| {
        current
            .iter()
            .find(|t| t.dimension_id == *dim)
            .map(|t| t.tag_id)
            != *v
    });
    if let Some(d) = &patch.review_date {
        after.review_date = e.date("review_date", "Review date", d.as_deref().unwrap_or(""));
    }
    if let Some(s) = &patch.status {
        match Status::parse(s) {
            Some(to) if to == before.status => {}
            Some(to) if before.status.can_move_to(to) => after.status = to,
            Some(to) => e.add(
                "status",
                format!(
                    "A case that is {} cannot move to {}. It can move to: {}.",
                    before.status.label(),
                    to.label(),
                    before
                        .status
                        .next()
                        .iter()
                        .map(|s| s.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            None => e.add(
                "status",
                format!("Choose one of: {}.", names(Status::ALL, Status::as_str)),
            ),
        }
    }
    let mut assignee_name = None;
    if let Some(a) = patch.assignee_id {
        after.assignee_id = a;
        if a != before.assignee_id {
            assignee_name = check_assignee(app, actor, &mut e, a).await?;
        }
    }
    check(e)?;
    if framework.restricts(tag_change.set.iter().filter_map(|(_, v)| *v)) {
        actor.require(Permission::OpenSensitiveCases)?;
    }
    crate::tags::make_free_tags(app, actor, &framework, &new_free, &mut tag_change).await?;
    if after == before && tag_change.is_empty() {
        return Ok(case);
    }
    let details_changed = CaseFields {
        assignee_id: before.assignee_id,
        ..after.clone()
    } != before;
    if details_changed {
        actor.require(Permission::EditCases)?;
    }
    if after.assignee_id != before.assignee_id {
        actor.require(Permission::AssignCases)?;
    }
    let now = app.now();
    let closed_at = match (before.status, after.status) {
        (_, Status::Closed) if before.status != Status::Closed => Some(now),
        (_, s) if s.is_active() => None,
        _ => case.closed_at,
    };
    let mut entries = case_entries(actor, &case, &before, &after, assignee_name);
    if !tag_change.is_empty() {
        entries.insert(
            0,
            NewEntry::new(
                "tags",
                Some(actor.user_id),
                crate::tags::describe_change(&framework, &current, &tag_change),
            ),
        );
    }
    // Fields and tags together: a stale version changes neither.
    app.data_for(actor)
        .update_case(
            id,
            case.version,
            &after,
            closed_at,
            &entries,
            &tag_change,
            None,
            now,
        )
        .await?;
    tracing::info!(case_id = id, by = actor.user_id, "case updated");
    forget_facets(app, actor.office_id);
    if let Some(to) = after
        .assignee_id
        .filter(|_| after.assignee_id != before.assignee_id)
    {
        crate::notifications::notify(
            app,
            actor.office_id,
            Some(actor.user_id),
            vec![crate::notifications::assigned(
                id,
                &case.reference,
                to,
                actor,
                case.version + 1,
            )],
        )
        .await;
    }
    Ok(app.data_for(actor).case(id).await?)
}

/// Folds the old single fields of a case (category, urgency, sensitivity,
/// level) into its tags: a named tag wins over its shorthand.
fn tag_shorthands(
    f: &Framework,
    tags: &BTreeMap<String, String>,
    shorthands: [(&str, Option<&String>); 3],
    level: Option<&String>,
    e: &mut FieldErrors,
) -> TagsInput {
    let mut wanted = TagsInput {
        tags: tags.clone(),
        ..TagsInput::default()
    };
    for (key, value) in shorthands {
        if let Some(v) = value.filter(|v| !v.trim().is_empty())
            && f.dimension(key).is_some()
        {
            wanted
                .tags
                .entry(key.to_owned())
                .or_insert_with(|| v.clone());
        }
    }
    if let Some(level) = level.map(|l| l.trim()).filter(|l| !l.is_empty())
        && let Some(d) = f.dimension("transferability")
    {
        let effect = match level {
            "other" => None,
            "federal" | "provincial" | "municipal" if f.office_level.is_empty() => None,
            "federal" | "provincial" | "municipal" if level == f.office_level => {
                Some(casework_domain::tags::effect::OURS)
            }
            "federal" | "provincial" | "municipal" => Some(casework_domain::tags::effect::TRANSFER),
            _ => {
                e.add(
                    "level",
                    "Choose one of: federal, provincial, municipal, other.",
                );
                None
            }
        };
        if let Some(effect) = effect
            && let Some(v) = d.values.iter().find(|v| v.effect == effect && !v.retired)
        {
            wanted
                .tags
                .entry(d.dim.key.clone())
                .or_insert_with(|| v.id.to_string());
        }
    }
    wanted
}

/// The tags of some cases the actor may see, by case.
pub async fn tags_of(
    app: &App,
    actor: &Actor,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<ItemTagOut>>> {
    let f = crate::tags::framework(app, actor).await?;
    let rows = app.data_for(actor).item_tags(Tagged::Case, ids).await?;
    Ok(by_case(&f, rows))
}

/// Tag rows described, by case.
fn by_case(
    f: &crate::tags::Framework,
    rows: Vec<casework_store::ItemTag>,
) -> HashMap<i64, Vec<ItemTagOut>> {
    let mut by_case: HashMap<i64, Vec<casework_store::ItemTag>> = HashMap::new();
    for r in rows {
        by_case.entry(r.item_id).or_default().push(r);
    }
    by_case
        .into_iter()
        .map(|(id, tags)| (id, f.describe(&tags)))
        .collect()
}

/// What the case list shows beside a page of cases: their tags, and which
/// have unread replies (one statement for both).
pub async fn list_marks(
    app: &App,
    actor: &Actor,
    ids: &[i64],
) -> AppResult<(HashMap<i64, Vec<ItemTagOut>>, Vec<i64>)> {
    let f = crate::tags::framework(app, actor).await?;
    let marks = app.data_for(actor).case_marks(ids).await?;
    Ok((by_case(&f, marks.tags), marks.unread))
}

/// The tags of a case just opened by the actor, read as the office (the
/// case itself is shown to its author once, whatever its sensitivity).
pub async fn opened_tags(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<ItemTagOut>> {
    let f = crate::tags::framework(app, actor).await?;
    let rows = app
        .system_data(actor.office_id)
        .item_tags(Tagged::Case, &[id])
        .await?;
    Ok(f.describe(&rows))
}

/// The value of one dimension among an item's tags ("" when none).
pub fn tag_value<'a>(tags: &'a [ItemTagOut], dimension: &str) -> &'a str {
    tags.iter()
        .find(|t| t.dimension == dimension)
        .map(|t| t.value.as_str())
        .unwrap_or("")
}

/// The timeline entries for a change: a status entry, an assignment entry,
/// and an audit entry for the other fields, each with before and after.
fn case_entries(
    actor: &Actor,
    case: &Case,
    before: &CaseFields,
    after: &CaseFields,
    assignee_name: Option<String>,
) -> Vec<NewEntry> {
    let mut entries = Vec::new();
    let who = Some(actor.user_id);
    if before.status != after.status {
        let mut e = NewEntry::new(
            "status",
            who,
            format!(
                "Status changed from {} to {}",
                before.status.label(),
                after.status.label()
            ),
        );
        e.changes = Some(changes_json(&[(
            "status",
            before.status.as_str().into(),
            after.status.as_str().into(),
        )]));
        entries.push(e);
    }
    if before.assignee_id != after.assignee_id {
        let from = case
            .assignee_name
            .clone()
            .unwrap_or_else(|| "nobody".into());
        let to = assignee_name.unwrap_or_else(|| "nobody".into());
        let mut e = NewEntry::new("assigned", who, format!("Reassigned from {from} to {to}"));
        let id = |v: Option<i64>| v.map(|i| i.to_string()).unwrap_or_default();
        e.changes = Some(changes_json(&[(
            "assignee_id",
            id(before.assignee_id),
            id(after.assignee_id),
        )]));
        entries.push(e);
    }
    let mut changes = Vec::new();
    macro_rules! cmp {
        ($($f:ident => $show:expr),* $(,)?) => {$(
            if before.$f != after.$f {
                let show = $show;
                changes.push((stringify!($f), show(&before.$f), show(&after.$f)));
            }
        )*};
    }
    cmp!(
        title => |v: &String| v.clone(),
        summary => |v: &String| v.clone(),
        agency => |v: &String| v.clone(),
        review_date => |v: &Option<String>| v.clone().unwrap_or_default(),
    );
    if !changes.is_empty() {
        let names: Vec<&str> = changes.iter().map(|c| c.0).collect();
        let mut e = NewEntry::new(
            "updated",
            who,
            format!("Changed {}", names.join(", ").replace('_', " ")),
        );
        e.changes = Some(changes_json(&changes));
        entries.push(e);
    }
    entries
}

/// Kinds of entry a person can add to a case by hand.
pub const NOTE_KINDS: &[(&str, &str)] = &[
    ("note", "Note"),
    ("call", "Phone call"),
    ("meeting", "Meeting"),
    ("visit", "In-person visit"),
    ("post", "Letter received by post"),
    ("document", "Document"),
];

/// At most this many files with one entry.
pub const MAX_RECORD_FILES: usize = 20;

/// A file kept on a case with a note, a logged call or meeting, or post.
pub use casework_mail::outgoing::OutgoingAttachment as CaseFile;

fn note_kind(kind: &str, e: &mut FieldErrors) -> &'static str {
    match NOTE_KINDS.iter().find(|(k, _)| *k == kind.trim()) {
        Some((k, _)) => k,
        None if kind.trim().is_empty() => "note",
        None => {
            e.add(
                "kind",
                "Choose note, call, meeting, visit, post or document.",
            );
            "note"
        }
    }
}

/// A call is logged on a case that carries every required dimension.
async fn require_tags_for_call(
    app: &App,
    actor: &Actor,
    case_id: i64,
    e: &mut FieldErrors,
) -> AppResult<()> {
    let f = crate::tags::framework(app, actor).await?;
    let tags = app
        .data_for(actor)
        .item_tags(Tagged::Case, &[case_id])
        .await?;
    let missing = f.missing_required(&tags, &TagChange::default());
    if !missing.is_empty() {
        e.add(
            "kind",
            format!(
                "{} Set it on the case before logging a call.",
                crate::tags::required_message(&missing)
            ),
        );
    }
    Ok(())
}

/// Adds a note (or a logged call, meeting or visit) to a case.
pub async fn add_note(app: &App, actor: &Actor, id: i64, kind: &str, body: &str) -> AppResult<()> {
    let case = get(app, actor, id).await?;
    actor.require(Permission::AddCaseNotes)?;
    let mut e = FieldErrors::new();
    let body = e.required("body", "The note", body, 20_000);
    let kind = note_kind(kind, &mut e);
    if kind == "call" {
        require_tags_for_call(app, actor, case.id, &mut e).await?;
    }
    check(e)?;
    app.data_for(actor)
        .add_case_entry(
            case.id,
            &NewEntry::new(kind, Some(actor.user_id), body),
            app.now(),
        )
        .await?;
    tracing::info!(case_id = id, by = actor.user_id, kind, "case note added");
    Ok(())
}

/// A file name safe to store and offer for download: no folders, no
/// control characters, not empty, at most 200 characters.
fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

/// Keeps files on a case with a note, a logged call, meeting or visit, a
/// letter that came by post (scanned) or a document, and adds the entry to
/// the case's history. The files are stored first; the record, its files and
/// the history entry are then written in one transaction. Returns the
/// record's id (its page is `/correspondence/{id}`).
pub async fn add_record(
    app: &App,
    actor: &Actor,
    id: i64,
    kind: &str,
    body: &str,
    files: Vec<CaseFile>,
) -> AppResult<i64> {
    let case = get(app, actor, id).await?;
    actor.require(Permission::AddCaseNotes)?;
    let mut e = FieldErrors::new();
    let kind = note_kind(kind, &mut e);
    let body = e.optional("body", "The note", body, 20_000);
    if files.is_empty() {
        e.add("files", "Choose at least one file to keep on the case.");
    }
    if files.len() > MAX_RECORD_FILES {
        e.add(
            "files",
            format!("Send at most {MAX_RECORD_FILES} files at a time."),
        );
    }
    if files.iter().any(|f| f.data.is_empty()) {
        e.add("files", "One of the files is empty.");
    }
    let total: usize = files.iter().map(|f| f.data.len()).sum();
    let max = app.settings.max_message_bytes;
    if total > max {
        e.add(
            "files",
            format!(
                "The files come to more than {} MB, the limit. Nothing was kept.",
                max / (1024 * 1024)
            ),
        );
    }
    check(e)?;
    let label = NOTE_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or("Note");
    let names: Vec<String> = files.iter().map(|f| clean_filename(&f.filename)).collect();
    let first_line = body.lines().map(str::trim).find(|l| !l.is_empty());
    let subject: String = match first_line {
        Some(l) => l.chars().take(120).collect(),
        None => format!("{label}: {}", names.join(", ")),
    };
    let mut attachments = Vec::with_capacity(files.len());
    let mut to_keep = Vec::with_capacity(files.len());
    for (f, name) in files.into_iter().zip(names) {
        let key = casework_mail::sha256_hex(&f.data);
        let ctype = if f.content_type.trim().is_empty() {
            "application/octet-stream".to_owned()
        } else {
            f.content_type.chars().take(100).collect()
        };
        attachments.push(crate::files::kept_file(&name, &ctype, &f.data, key.clone()));
        to_keep.push(casework_store::blobs::NewFile { key, bytes: f.data });
    }
    let kept = app
        .files
        .keep(to_keep)
        .await
        .map_err(|e| AppError::Internal(format!("saving files on a case: {e}")))?;
    let file_list: Vec<&str> = attachments.iter().map(|a| a.filename.as_str()).collect();
    let mut note = if body.is_empty() {
        String::new()
    } else {
        format!("{body}\n")
    };
    note.push_str(&format!("Files: {}", file_list.join(", ")));
    let now = app.now();
    let record = casework_store::NewRecord {
        channel: Channel::parse(kind).unwrap_or(Channel::Note),
        direction: if matches!(kind, "post" | "document") {
            Direction::In
        } else {
            Direction::Internal
        },
        subject,
        body_text: body,
        recorded_by: actor.user_id,
        recorded_by_name: actor.display_name.clone(),
        dedupe_key: format!(
            "record:{}:{now}:{}",
            case.id,
            hex::encode(rand::random::<[u8; 8]>())
        ),
        attachments,
    };
    let entry = NewEntry::new(kind, Some(actor.user_id), note);
    let rid = app
        .data_for(actor)
        .with_files(kept)
        .add_case_record(case.id, &record, &entry, now)
        .await?;
    tracing::info!(
        case_id = id,
        by = actor.user_id,
        kind,
        record = rid,
        "files kept on a case"
    );
    Ok(rid)
}

/// Puts another constituent (a family member, a carer) on a case.
pub async fn add_person(
    app: &App,
    actor: &Actor,
    id: i64,
    constituent_id: i64,
    relationship: &str,
) -> AppResult<()> {
    let case = get(app, actor, id).await?;
    actor.require(Permission::EditCases)?;
    let mut e = FieldErrors::new();
    let relationship = e.optional("relationship", "Relationship", relationship, 100);
    let person = match app.data_for(actor).constituent(constituent_id).await {
        Ok(p) => Some(p),
        Err(casework_store::Error::NotFound) => {
            e.add("constituent_id", "Choose a constituent of this office.");
            None
        }
        Err(other) => return Err(other.into()),
    };
    if constituent_id == case.constituent_id {
        e.add(
            "constituent_id",
            "This person is already the case's main constituent.",
        );
    }
    check(e)?;
    let Some(person) = person else {
        return Err(AppError::NotFound);
    };
    let entry = NewEntry::new(
        "person_added",
        Some(actor.user_id),
        format!("Added {} to the case", person.full_name()),
    );
    match app
        .data_for(actor)
        .add_case_person(id, constituent_id, &relationship, &entry, app.now())
        .await
    {
        Ok(()) => Ok(()),
        Err(casework_store::Error::Duplicate(_)) => Err(AppError::field(
            "constituent_id",
            "This person is already on the case.",
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn people(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<CasePerson>> {
    let case = get(app, actor, id).await?;
    Ok(app.data_for(actor).case_people(case.id).await?)
}

pub async fn timeline(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<TimelineEntry>> {
    let case = get(app, actor, id).await?;
    Ok(app.data_for(actor).case_timeline(case.id, 2000).await?)
}

/// The case-list query as people write it in a URL or API call.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// `mine`, `unassigned` or empty for all.
    pub view: String,
    pub status: String,
    /// A Category value (name or "Parent › Child"): cases with it or a
    /// value under it.
    pub category: String,
    /// A tag's id: cases with it or a value under it (the Trends page's
    /// drill-down).
    pub tag: Option<i64>,
    /// With `tag`: only that value, not the values under it.
    pub exact: bool,
    /// Opened on or after this day (`YYYY-MM-DD`).
    pub opened_from: String,
    /// Opened before this day (`YYYY-MM-DD`).
    pub opened_before: String,
    /// Transferred on or after this day (`YYYY-MM-DD`).
    pub transferred_from: String,
    /// Transferred before this day (`YYYY-MM-DD`).
    pub transferred_before: String,
    /// The constituent's ward, or postcode district (as Trends shows it).
    pub location: String,
    pub agency: String,
    pub assignee_id: Option<i64>,
    /// Only cases assigned to nobody (whatever their status).
    pub unassigned: bool,
    pub constituent_id: Option<i64>,
    /// Resolved (or closed while open) on or after this day (`YYYY-MM-DD`).
    pub resolved_from: String,
    /// Resolved (or closed while open) before this day (`YYYY-MM-DD`).
    pub resolved_before: String,
    /// Closed on or after this day (`YYYY-MM-DD`).
    pub closed_from: String,
    /// Closed before this day (`YYYY-MM-DD`).
    pub closed_before: String,
    /// Whose review date is before this day (`YYYY-MM-DD`).
    pub review_before: String,
    /// Not changed since before this day (`YYYY-MM-DD`).
    pub updated_before: String,
    /// Only sensitive cases (with a Sensitivity value that restricts who
    /// sees them).
    pub sensitive: bool,
    /// `updated` (default), `oldest` or `newest`.
    pub sort: String,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// The cases the actor may see, filtered, one page at a time.
pub async fn list(app: &App, actor: &Actor, q: &CaseQuery) -> AppResult<Page<Case>> {
    let mut e = FieldErrors::new();
    let mut filter = CaseFilter::default();
    match q.view.as_str() {
        "" | "all" => {}
        "mine" => {
            filter.assignee = Some(actor.user_id);
            filter.active_only = true;
        }
        "unassigned" => {
            filter.unassigned = true;
            filter.active_only = true;
        }
        "active" => filter.active_only = true,
        _ => e.add("view", "Choose mine, unassigned, active or all."),
    }
    match q.status.as_str() {
        "" => {}
        s => match Status::parse(s) {
            Some(s) => filter.status = Some(s),
            None => e.add(
                "status",
                format!("Choose one of: {}.", names(Status::ALL, Status::as_str)),
            ),
        },
    }
    let framework = crate::tags::framework(app, actor).await?;
    if !q.category.trim().is_empty()
        && let Some(d) = framework.dimension("category")
    {
        match framework.resolve(d, &q.category) {
            Ok(v) => filter.categories = framework.with_children(v.id, false),
            Err(msg) => e.add("category", msg),
        }
    }
    if let Some(tag) = q.tag {
        if framework.value(tag).is_some() {
            // A tag asked for by id stands instead of the category.
            filter.categories.clear();
            filter.tags = framework.with_children(tag, q.exact);
        } else {
            e.add("tag", "There is no such tag in this office.");
        }
    }
    let tz = crate::trends::office_zone(app, actor.office_id).await?;
    let mut day = |field: &str, label: &str, text: &str| {
        crate::trends::day_start(&mut e, &tz, field, label, text)
    };
    filter.opened_from = day("opened_from", "Opened from", &q.opened_from);
    filter.opened_before = day("opened_before", "Opened before", &q.opened_before);
    filter.transferred_from = day("transferred_from", "Transferred from", &q.transferred_from);
    filter.transferred_before = day(
        "transferred_before",
        "Transferred before",
        &q.transferred_before,
    );
    filter.resolved_from = day("resolved_from", "Resolved from", &q.resolved_from);
    filter.resolved_before = day("resolved_before", "Resolved before", &q.resolved_before);
    filter.closed_from = day("closed_from", "Closed from", &q.closed_from);
    filter.closed_before = day("closed_before", "Closed before", &q.closed_before);
    filter.updated_before = day("updated_before", "Not changed since", &q.updated_before);
    filter.review_before = e.date("review_before", "Review date before", &q.review_before);
    if q.unassigned {
        filter.unassigned = true;
    }
    filter.sensitive_only = q.sensitive;
    filter.location = Some(q.location.trim().to_owned()).filter(|l| !l.is_empty());
    filter.agency = Some(q.agency.trim().to_owned()).filter(|s| !s.is_empty());
    if q.assignee_id.is_some() {
        filter.assignee = q.assignee_id;
    }
    filter.constituent_id = q.constituent_id;
    filter.sort = match q.sort.as_str() {
        "" => CaseSort::Updated,
        s => CaseSort::parse(s).unwrap_or_else(|| {
            e.add("sort", "Choose updated, oldest or newest.");
            CaseSort::Updated
        }),
    };
    let cursor = crate::trends::page_cursor(&mut e, q.cursor.as_deref());
    check(e)?;
    Ok(app
        .data_for(actor)
        .list_cases(&filter, cursor.as_ref(), crate::trends::page_size(q.limit))
        .await?)
}

/// Forgets the office's filter menus after a change that may add to them.
fn forget_facets(app: &App, office_id: i64) {
    if let Ok(mut cache) = app.facets.lock() {
        cache.retain(|(office, _), _| *office != office_id);
    }
}

/// Agencies in use, for filter menus (kept for a minute).
pub async fn facets(app: &App, actor: &Actor) -> AppResult<crate::Facets> {
    let fresh = |t: &std::time::Instant| t.elapsed() < std::time::Duration::from_secs(60);
    let key = (actor.office_id, actor.scope().visibility);
    if let Ok(cache) = app.facets.lock()
        && let Some((at, f)) = cache.get(&key)
        && fresh(at)
    {
        return Ok(f.clone());
    }
    let f = app.data_for(actor).case_facets().await?;
    if let Ok(mut cache) = app.facets.lock() {
        cache.insert(key, (std::time::Instant::now(), f.clone()));
    }
    Ok(f)
}
