//! Constituents: create, edit, find, view with household and history.

use casework_domain::constituent::{household_key, normalise_postcode};
use casework_domain::search::fold;
use casework_domain::validate::query_prefixes;
use casework_domain::{FieldErrors, Permission, search_terms};
use casework_store::{
    Case, CaseFilter, Constituent, ConstituentFields, Cursor, NewEntry, Page, TimelineEntry,
};
use serde::Deserialize;

use crate::{Actor, App, AppError, AppResult, check};

/// A constituent as typed into a form or sent to the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ConstituentInput {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub postcode: String,
    pub address: String,
    pub mailing_address: String,
    pub do_not_email: bool,
    pub do_not_mail: bool,
    pub do_not_phone: bool,
    pub notes: String,
}

/// A partial change: absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ConstituentPatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub postcode: Option<String>,
    pub address: Option<String>,
    pub mailing_address: Option<String>,
    pub do_not_email: Option<bool>,
    pub do_not_mail: Option<bool>,
    pub do_not_phone: Option<bool>,
    pub notes: Option<String>,
    /// The version the change was made against (or the `If-Match` header).
    pub version: Option<i64>,
}

impl From<ConstituentInput> for ConstituentPatch {
    fn from(i: ConstituentInput) -> Self {
        ConstituentPatch {
            first_name: Some(i.first_name),
            last_name: Some(i.last_name),
            email: Some(i.email),
            phone: Some(i.phone),
            postcode: Some(i.postcode),
            address: Some(i.address),
            mailing_address: Some(i.mailing_address),
            do_not_email: Some(i.do_not_email),
            do_not_mail: Some(i.do_not_mail),
            do_not_phone: Some(i.do_not_phone),
            notes: Some(i.notes),
            version: None,
        }
    }
}

fn validate(i: &ConstituentInput) -> Result<ConstituentFields, FieldErrors> {
    let mut e = FieldErrors::new();
    let first_name = e.name("first_name", "First name", &i.first_name, 100, false);
    let last_name = e.name("last_name", "Last name", &i.last_name, 100, false);
    if first_name.is_empty() && last_name.is_empty() {
        e.add("last_name", "Enter a first or last name.");
    }
    let email = e.email("email", &i.email);
    let phone = e.phone("phone", &i.phone);
    let postcode = e.optional("postcode", "Postcode", &i.postcode, 20);
    if postcode
        .chars()
        .any(|c| !(c.is_alphanumeric() || c == ' ' || c == '-'))
    {
        e.add(
            "postcode",
            "A postcode has only letters, digits, spaces and hyphens.",
        );
    }
    let f = ConstituentFields {
        first_name,
        last_name,
        email,
        phone,
        postcode: normalise_postcode(&postcode),
        address: e.optional("address", "Address", &i.address, 500),
        mailing_address: e.optional(
            "mailing_address",
            "Mailing address",
            &i.mailing_address,
            500,
        ),
        do_not_email: i.do_not_email,
        do_not_mail: i.do_not_mail,
        do_not_phone: i.do_not_phone,
        notes: e.optional("notes", "Notes", &i.notes, 10_000),
    };
    if e.is_empty() { Ok(f) } else { Err(e) }
}

fn derived(f: &ConstituentFields) -> (Option<String>, Vec<String>) {
    (
        household_key(&f.address, &f.postcode),
        search_terms(
            &f.first_name,
            &f.last_name,
            &f.email,
            &f.phone,
            &f.postcode,
            &f.address,
        ),
    )
}

/// The audit record of a change: `{"field": [before, after]}` for each changed field.
fn diff(
    before: &ConstituentFields,
    after: &ConstituentFields,
) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    macro_rules! cmp {
        ($($f:ident),*) => {$(
            if before.$f != after.$f {
                out.push((stringify!($f), before.$f.to_string(), after.$f.to_string()));
            }
        )*};
    }
    cmp!(
        first_name,
        last_name,
        email,
        phone,
        postcode,
        address,
        mailing_address,
        do_not_email,
        do_not_mail,
        do_not_phone,
        notes
    );
    out
}

pub(crate) fn changes_json(changes: &[(&'static str, String, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = changes
        .iter()
        .map(|(k, a, b)| (k.to_string(), serde_json::json!([a, b])))
        .collect();
    serde_json::Value::Object(map).to_string()
}

pub async fn create(app: &App, actor: &Actor, input: &ConstituentInput) -> AppResult<Constituent> {
    actor.require(Permission::EditConstituents)?;
    let f = validate(input).map_err(AppError::Invalid)?;
    let (key, terms) = derived(&f);
    let entry = NewEntry::new("created", Some(actor.user_id), "Constituent record created");
    let id = app
        .data_for(actor)
        .create_constituent(&f, key.as_deref(), &terms, &entry, app.now())
        .await?;
    tracing::info!(
        constituent_id = id,
        by = actor.user_id,
        "constituent created"
    );
    Ok(app.data_for(actor).constituent(id).await?)
}

pub async fn update(
    app: &App,
    actor: &Actor,
    id: i64,
    patch: &ConstituentPatch,
) -> AppResult<Constituent> {
    actor.require(Permission::EditConstituents)?;
    let current = app.data_for(actor).constituent(id).await?;
    let expected = patch.version.unwrap_or(current.version);
    if expected != current.version {
        return Err(AppError::Conflict);
    }
    let before = ConstituentFields::from(&current);
    let input = ConstituentInput {
        first_name: patch
            .first_name
            .clone()
            .unwrap_or(before.first_name.clone()),
        last_name: patch.last_name.clone().unwrap_or(before.last_name.clone()),
        email: patch.email.clone().unwrap_or(before.email.clone()),
        phone: patch.phone.clone().unwrap_or(before.phone.clone()),
        postcode: patch.postcode.clone().unwrap_or(before.postcode.clone()),
        address: patch.address.clone().unwrap_or(before.address.clone()),
        mailing_address: patch
            .mailing_address
            .clone()
            .unwrap_or(before.mailing_address.clone()),
        do_not_email: patch.do_not_email.unwrap_or(before.do_not_email),
        do_not_mail: patch.do_not_mail.unwrap_or(before.do_not_mail),
        do_not_phone: patch.do_not_phone.unwrap_or(before.do_not_phone),
        notes: patch.notes.clone().unwrap_or(before.notes.clone()),
    };
    let after = validate(&input).map_err(AppError::Invalid)?;
    let changes = diff(&before, &after);
    if changes.is_empty() {
        return Ok(current);
    }
    let (key, terms) = derived(&after);
    // A change that leaves every searched field as it was (a note, a flag)
    // leaves the search terms alone: in a large office, reading a person's
    // terms to compare them is a read from disk.
    let terms = (derived(&before).1 != terms).then_some(terms.as_slice());
    let names: Vec<&str> = changes.iter().map(|c| c.0).collect();
    let mut entry = NewEntry::new(
        "updated",
        Some(actor.user_id),
        format!("Changed {}", names.join(", ").replace('_', " ")),
    );
    entry.changes = Some(changes_json(&changes));
    let saved = app
        .data_for(actor)
        .update_constituent(
            id,
            expected,
            &after,
            key.as_deref(),
            terms,
            &entry,
            app.now(),
        )
        .await?;
    tracing::info!(
        constituent_id = id,
        by = actor.user_id,
        "constituent updated"
    );
    Ok(saved)
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<Constituent> {
    Ok(app.data_for(actor).constituent(id).await?)
}

/// A constituent with everything their page shows.
pub struct ConstituentView {
    pub constituent: Constituent,
    pub household: Vec<Constituent>,
    pub cases: Vec<Case>,
    pub timeline: Vec<TimelineEntry>,
}

pub async fn view(app: &App, actor: &Actor, id: i64) -> AppResult<ConstituentView> {
    let (constituent, household) = app.data_for(actor).constituent_and_household(id).await?;
    let filter = CaseFilter {
        constituent_id: Some(id),
        ..CaseFilter::default()
    };
    let cases = app
        .data_for(actor)
        .list_cases(&filter, None, 200)
        .await?
        .items;
    let timeline = app.data_for(actor).constituent_timeline(id, 500).await?;
    Ok(ConstituentView {
        constituent,
        household,
        cases,
        timeline,
    })
}

pub async fn timeline(
    app: &App,
    actor: &Actor,
    id: i64,
    limit: i64,
) -> AppResult<Vec<TimelineEntry>> {
    app.data_for(actor).constituent(id).await?;
    Ok(app
        .data_for(actor)
        .constituent_timeline(id, limit.clamp(1, 1000))
        .await?)
}

/// Finds constituents by the start of a name, email, phone number or
/// postcode; with no query, lists the newest.
pub async fn search(
    app: &App,
    actor: &Actor,
    q: &str,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<Constituent>> {
    let limit = limit.clamp(1, 200);
    let cursor = match cursor.filter(|c| !c.is_empty()) {
        Some(c) => Some(
            Cursor::decode(c)
                .ok_or_else(|| AppError::field("cursor", "This paging cursor is not valid."))?,
        ),
        None => None,
    };
    if q.chars().count() > 200 {
        return Err(AppError::field("q", "Search for at most 200 characters."));
    }
    let tokens = query_prefixes(q);
    if tokens.is_empty() {
        return Ok(app
            .data_for(actor)
            .list_constituents(cursor.as_ref(), limit)
            .await?);
    }
    // Cheaper readings of the query first: several words as a whole name
    // ("mei chen"), or punctuated text as typed ("aisha.ab" of an email);
    // then every word separately.
    let raw = casework_domain::search::fold(q.trim());
    let mut readings: Vec<Vec<String>> = Vec::new();
    if tokens.len() > 1 {
        readings.push(vec![tokens.join(" ")]);
    } else if !raw.contains(char::is_whitespace) && tokens != [raw.clone()] {
        readings.push(vec![raw]);
    }
    // Three or four words: the first two as a whole name and the rest as
    // they come ("noah patel riverside", "liam nguyen 2045550"), so that
    // common words alone do not drive the search.
    if (3..=4).contains(&tokens.len()) {
        let mut pair = vec![tokens[..2].join(" ")];
        pair.extend(tokens[2..].iter().cloned());
        readings.push(pair);
    }
    readings.push(tokens);
    // A later page continues the reading its cursor came from.
    if let Some(c) = &cursor {
        let reading = readings
            .iter()
            .find(|r| {
                r.iter().any(|p| {
                    c.key.starts_with(p.as_str()) && p.contains(|ch: char| !ch.is_alphanumeric())
                })
            })
            .unwrap_or(&readings[readings.len() - 1]);
        return Ok(app
            .data_for(actor)
            .search_constituents(reading, Some(c), limit)
            .await?);
    }
    let last = readings.len() - 1;
    for (n, reading) in readings.iter().enumerate() {
        let page = app
            .data_for(actor)
            .search_constituents(reading, None, limit)
            .await?;
        if !page.items.is_empty() || n == last {
            return Ok(page);
        }
    }
    unreachable!("the last reading always returns")
}

/// Adds a note to a constituent's own record (not about one case).
pub async fn add_note(app: &App, actor: &Actor, id: i64, body: &str) -> AppResult<()> {
    app.data_for(actor).constituent(id).await?;
    actor.require(Permission::EditConstituents)?;
    let mut e = FieldErrors::new();
    let body = e.required("body", "The note", body, 20_000);
    check(e)?;
    app.data_for(actor)
        .add_constituent_entry(
            id,
            &NewEntry::new("note", Some(actor.user_id), body),
            app.now(),
        )
        .await?;
    Ok(())
}

/// A constituent offered when choosing a person, and why (for a likely
/// duplicate: "the same email address", …).
#[derive(Debug, Clone)]
pub struct Match {
    pub constituent: Constituent,
    pub reasons: Vec<&'static str>,
}

/// People a name, email, phone number or postcode could mean, best first
/// (at most `limit`), for choosing a person by what one knows of them.
pub async fn matches(app: &App, actor: &Actor, q: &str, limit: i64) -> AppResult<Vec<Match>> {
    if q.trim().is_empty() {
        return Ok(Vec::new());
    }
    Ok(search(app, actor, q, None, limit)
        .await?
        .items
        .into_iter()
        .map(|constituent| Match {
            constituent,
            reasons: Vec::new(),
        })
        .collect())
}

/// The digits of a phone number.
fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// Whether two phone numbers are the same line: the same digits, one
/// perhaps with a country code or trunk prefix the other lacks.
fn same_phone(a: &str, b: &str) -> bool {
    let (a, b) = (digits(a), digits(b));
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= 7 && long.ends_with(short.trim_start_matches('0'))
}

/// A postcode compared without case and spacing: the form it has among a
/// constituent's search terms.
fn postcode_key(p: &str) -> String {
    casework_domain::validate::tokens(p).concat()
}

/// Constituents who may be the person about to be created: the same email
/// address, the same phone number, or the same name at the same postcode.
pub async fn likely_duplicates(
    app: &App,
    actor: &Actor,
    input: &ConstituentInput,
) -> AppResult<Vec<Match>> {
    let data = app.data_for(actor);
    let mut found: Vec<Match> = Vec::new();
    let mut note = |c: Constituent, reason: &'static str| match found
        .iter_mut()
        .find(|m| m.constituent.id == c.id)
    {
        Some(m) if !m.reasons.contains(&reason) => m.reasons.push(reason),
        Some(_) => {}
        None => found.push(Match {
            constituent: c,
            reasons: vec![reason],
        }),
    };
    let email = fold(input.email.trim());
    if email.contains('@') {
        for c in data
            .search_constituents(std::slice::from_ref(&email), None, 20)
            .await?
            .items
        {
            if fold(c.email.trim()) == email {
                note(c, "the same email address");
            }
        }
    }
    let phone = digits(&input.phone);
    if phone.len() >= 7 {
        let tail = phone[phone.len() - 7..].to_owned();
        for c in data.search_constituents(&[tail], None, 20).await?.items {
            if same_phone(&c.phone, &input.phone) {
                note(c, "the same phone number");
            }
        }
    }
    let (first, last, postcode) = (
        fold(input.first_name.trim()),
        fold(input.last_name.trim()),
        postcode_key(&input.postcode),
    );
    let mut reading = query_prefixes(&input.last_name);
    reading.truncate(1);
    if !last.is_empty() && !postcode.is_empty() && !reading.is_empty() {
        reading.push(postcode.clone());
        for c in data.search_constituents(&reading, None, 50).await?.items {
            if fold(c.first_name.trim()) == first
                && fold(c.last_name.trim()) == last
                && postcode_key(&c.postcode) == postcode
            {
                note(c, "the same name at the same postcode");
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod match_tests {
    #[test]
    fn phone_numbers_match_with_or_without_their_prefix() {
        assert!(super::same_phone("+1 (613) 555-0142", "613 555 0142"));
        assert!(super::same_phone("020 7946 0018", "+44 20 7946 0018"));
        assert!(!super::same_phone("613 555 0142", "613 555 0143"));
        assert!(
            !super::same_phone("0142", "613 555 0142"),
            "too short to say"
        );
    }
}
