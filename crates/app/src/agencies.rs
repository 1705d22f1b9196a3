//! The office's directory of third parties: departments, ministers'
//! offices, local authorities, housing providers… with their contacts, the
//! days they have to reply and whether written consent is needed before
//! writing to them; starter lists, CSV import and export, and the carrying
//! over of the cases' old free-text agency.

use casework_domain::{FieldErrors, Permission, tags::fold};
use casework_store::{Agency, AgencyContact, AgencyFields, ContactFields};
use serde::Deserialize;

use crate::{Actor, App, AppError, AppResult, check};

/// The kinds of third party, as stored and as shown.
pub const KINDS: &[(&str, &str)] = &[
    ("department", "Government department"),
    ("agency", "Government agency"),
    ("ministry", "Ministry"),
    ("minister", "Minister's office"),
    ("local_authority", "Local authority"),
    ("housing_provider", "Housing provider"),
    ("health", "Health body"),
    ("representative", "Another representative's office"),
    ("other", "Other"),
];

/// Levels of government, as stored and as shown.
pub const LEVELS: &[(&str, &str)] = &[
    ("", "Not said"),
    ("federal", "Federal / national"),
    ("provincial", "Provincial / state / devolved"),
    ("municipal", "Municipal / local"),
    ("other", "Not government"),
];

/// The reply window when none is set, in days.
pub const DEFAULT_REPLY_DAYS: i64 = 21;

/// An agency as written in a form or the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AgencyInput {
    /// Its name, unique in the office (case and spacing do not count).
    pub name: String,
    /// One of `department`, `agency`, `ministry`, `minister`,
    /// `local_authority`, `housing_provider`, `health`, `representative`,
    /// `other` (default `department`).
    pub kind: String,
    /// `federal`, `provincial`, `municipal`, `other` or empty.
    pub level: String,
    /// Its general email address for enquiries.
    pub email: String,
    pub phone: String,
    /// Its postal address, one line each.
    pub address: String,
    /// Days it has to reply before Casework chases (1–365; default 21).
    pub reply_days: Option<i64>,
    /// Whether the constituent's written consent is needed before writing.
    pub needs_consent: bool,
    /// Where to escalate when it does not reply (another agency's id).
    pub escalate_to: Option<i64>,
    pub notes: String,
    /// No longer written to (kept for the enquiries made to it).
    pub retired: bool,
}

/// A contact as written in a form or the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ContactInput {
    pub name: String,
    /// Their role ("Caseworker, MP enquiries").
    pub role: String,
    pub email: String,
    pub phone: String,
    /// Their postal address, one line each (empty: the agency's).
    pub address: String,
}

/// The label of a kind.
pub fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("Other", |(_, l)| l)
}

/// Checks a postal address: at most 10 lines of 200 characters.
fn address(e: &mut FieldErrors, field: &str, text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() > 10 || lines.iter().any(|l| l.chars().count() > 200) {
        e.add(
            field,
            "An address can have at most 10 lines of 200 characters.",
        );
    }
    lines.join("\n")
}

/// Checks an agency's fields (the escalation target is checked against the
/// office's agencies by the caller).
fn fields(input: &AgencyInput, e: &mut FieldErrors) -> AgencyFields {
    let name = e.required("name", "Name", &input.name, 200);
    let kind = if input.kind.trim().is_empty() {
        "department".to_owned()
    } else {
        input.kind.trim().to_owned()
    };
    if !KINDS.iter().any(|(k, _)| *k == kind) {
        e.add(
            "kind",
            format!(
                "Choose a kind: {}.",
                KINDS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
            ),
        );
    }
    let level = input.level.trim().to_owned();
    if !LEVELS.iter().any(|(k, _)| *k == level) {
        e.add(
            "level",
            "Choose a level: federal, provincial, municipal, other, or none.",
        );
    }
    let reply_days = input.reply_days.unwrap_or(DEFAULT_REPLY_DAYS);
    if !(1..=365).contains(&reply_days) {
        e.add(
            "reply_days",
            "The reply window is a number of days from 1 to 365.",
        );
    }
    AgencyFields {
        norm: fold(&name),
        name,
        kind,
        level,
        email: e.email("email", &input.email),
        phone: e.phone("phone", &input.phone),
        address: address(e, "address", &input.address),
        reply_days,
        needs_consent: input.needs_consent,
        escalate_to: input.escalate_to,
        notes: e.optional("notes", "Notes", &input.notes, 2000),
        retired: input.retired,
    }
}

/// The office's agencies (everyone in the office may read the directory).
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<Agency>> {
    Ok(app.data_for(actor).agencies().await?)
}

/// What was carried over from the cases' free-text agency (office managers).
pub async fn report(app: &App, actor: &Actor) -> AppResult<Option<String>> {
    if !actor.can(Permission::ManageAgencies) {
        return Ok(None);
    }
    Ok(app.data_for(actor).agency_report().await?)
}

/// One agency with its contacts.
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<(Agency, Vec<AgencyContact>)> {
    let data = app.data_for(actor);
    let agency = data.agency(id).await?;
    let contacts = data.agency_contacts(id).await?;
    Ok((agency, contacts))
}

async fn check_escalation(
    app: &App,
    actor: &Actor,
    own: Option<i64>,
    f: &AgencyFields,
    e: &mut FieldErrors,
) -> AppResult<()> {
    if let Some(to) = f.escalate_to {
        if Some(to) == own {
            e.add("escalate_to", "An agency cannot be escalated to itself.");
        } else if matches!(
            app.data_for(actor).agency(to).await,
            Err(casework_store::Error::NotFound)
        ) {
            e.add(
                "escalate_to",
                "Choose an agency from the office's directory to escalate to.",
            );
        }
    }
    Ok(())
}

fn duplicate(name: &str) -> AppError {
    let mut e = FieldErrors::new();
    e.add(
        "name",
        format!("The directory already has \"{name}\" (case and spacing do not count)."),
    );
    AppError::Invalid(e)
}

/// Adds an agency to the directory.
pub async fn create(app: &App, actor: &Actor, input: &AgencyInput) -> AppResult<i64> {
    actor.require(Permission::ManageAgencies)?;
    let mut e = FieldErrors::new();
    let f = fields(input, &mut e);
    check_escalation(app, actor, None, &f, &mut e).await?;
    check(e)?;
    match app.data_for(actor).create_agency(&f, app.now()).await {
        Err(casework_store::Error::Duplicate(_)) => Err(duplicate(&f.name)),
        other => Ok(other?),
    }
}

/// Changes an agency read at `version`.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i64,
    input: &AgencyInput,
) -> AppResult<()> {
    actor.require(Permission::ManageAgencies)?;
    let data = app.data_for(actor);
    data.agency(id).await?;
    let mut e = FieldErrors::new();
    let f = fields(input, &mut e);
    check_escalation(app, actor, Some(id), &f, &mut e).await?;
    check(e)?;
    match data.update_agency(id, version, &f, app.now()).await {
        Err(casework_store::Error::Duplicate(_)) => Err(duplicate(&f.name)),
        other => Ok(other?),
    }
}

/// Adds a contact to an agency.
pub async fn add_contact(
    app: &App,
    actor: &Actor,
    agency_id: i64,
    input: &ContactInput,
) -> AppResult<i64> {
    actor.require(Permission::ManageAgencies)?;
    app.data_for(actor).agency(agency_id).await?;
    let mut e = FieldErrors::new();
    let f = ContactFields {
        name: e.required("name", "Name", &input.name, 200),
        role: e.optional("role", "Role", &input.role, 200),
        email: e.email("email", &input.email),
        phone: e.phone("phone", &input.phone),
        address: address(&mut e, "address", &input.address),
    };
    check(e)?;
    Ok(app
        .data_for(actor)
        .add_agency_contact(agency_id, &f, app.now())
        .await?)
}

/// Marks a contact as gone.
pub async fn retire_contact(
    app: &App,
    actor: &Actor,
    agency_id: i64,
    contact_id: i64,
) -> AppResult<()> {
    actor.require(Permission::ManageAgencies)?;
    Ok(app
        .data_for(actor)
        .retire_agency_contact(agency_id, contact_id)
        .await?)
}

/// The columns of the directory's CSV file.
pub const CSV_HEADER: &[&str] = &[
    "name",
    "kind",
    "level",
    "email",
    "phone",
    "address",
    "reply_days",
    "needs_consent",
];

/// The directory as CSV (the columns of [`CSV_HEADER`]; an address's lines
/// joined by " / ").
pub async fn export_csv(app: &App, actor: &Actor) -> AppResult<String> {
    let agencies = list(app, actor).await?;
    let safe = crate::csv_out::csv_safe;
    crate::csv_out::write(
        CSV_HEADER,
        agencies.iter().filter(|a| !a.retired).map(|a| {
            vec![
                safe(&a.name),
                a.kind.clone(),
                a.level.clone(),
                safe(&a.email),
                safe(&a.phone),
                safe(&a.address.replace('\n', " / ")),
                a.reply_days.to_string(),
                if a.needs_consent { "yes" } else { "no" }.to_owned(),
            ]
        }),
    )
}

/// What an import did.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Agencies added.
    pub added: u64,
    /// Rows skipped because the directory already had that name.
    pub already_there: u64,
}

/// Reads a directory CSV (header [`CSV_HEADER`]; only `name` needs a value):
/// every bad line is reported with its number, and nothing is added unless
/// every line is good.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<AgencyFields>, Vec<String>> {
    let (rows, mut errors) = crate::tag_bulk::csv_rows(bytes, CSV_HEADER)?;
    let mut out: Vec<AgencyFields> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (line, cells) in rows {
        let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
        let reply_days = match cell(6) {
            "" => None,
            d => match d.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => Some(0),
            },
        };
        let needs_consent = match cell(7).to_lowercase().as_str() {
            "" | "no" | "false" | "0" | "n" => false,
            "yes" | "true" | "1" | "y" => true,
            other => {
                errors.push(format!(
                    "Line {line}: needs_consent is \"{}\"; write yes or no.",
                    other.chars().take(20).collect::<String>()
                ));
                false
            }
        };
        let input = AgencyInput {
            name: cell(0).to_owned(),
            kind: cell(1).to_owned(),
            level: cell(2).to_owned(),
            email: cell(3).to_owned(),
            phone: cell(4).to_owned(),
            address: cell(5).replace(" / ", "\n"),
            reply_days,
            needs_consent,
            ..Default::default()
        };
        let mut e = FieldErrors::new();
        let f = fields(&input, &mut e);
        for (field, message) in e.0.iter() {
            errors.push(format!("Line {line}: {field}: {message}"));
        }
        if let Some(first) = seen.insert(f.norm.clone(), line) {
            errors.push(format!(
                "Line {line}: \"{}\" is already on line {first}.",
                f.name
            ));
        }
        out.push(f);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Adds the agencies of a directory CSV (see [`parse_csv`]); those the
/// directory already has are left as they are.
pub async fn import_csv(app: &App, actor: &Actor, bytes: &[u8]) -> AppResult<ImportReport> {
    actor.require(Permission::ManageAgencies)?;
    let list = parse_csv(bytes).map_err(|lines| {
        let mut e = FieldErrors::new();
        e.add("file", lines.join("\n"));
        AppError::Invalid(e)
    })?;
    let added = app
        .data_for(actor)
        .import_agencies(&list, app.now())
        .await?;
    Ok(ImportReport {
        added,
        already_there: list.len() as u64 - added,
    })
}

/// Adds a starter list (by its key in [`crate::agency_starters::STARTERS`]).
pub async fn add_starter(app: &App, actor: &Actor, key: &str) -> AppResult<ImportReport> {
    actor.require(Permission::ManageAgencies)?;
    let Some(starter) = crate::agency_starters::STARTERS
        .iter()
        .find(|s| s.key == key)
    else {
        let mut e = FieldErrors::new();
        e.add("starter", "Choose one of the starter lists.");
        return Err(AppError::Invalid(e));
    };
    let list: Vec<AgencyFields> = starter
        .agencies
        .iter()
        .map(|(name, kind)| AgencyFields {
            name: (*name).to_owned(),
            norm: fold(name),
            kind: (*kind).to_owned(),
            level: starter.level.to_owned(),
            reply_days: DEFAULT_REPLY_DAYS,
            ..Default::default()
        })
        .collect();
    let added = app
        .data_for(actor)
        .import_agencies(&list, app.now())
        .await?;
    Ok(ImportReport {
        added,
        already_there: list.len() as u64 - added,
    })
}

/// On first start after the upgrade, for each office: its cases' free-text
/// agencies become directory entries, one per name folded (case and
/// spacing), spelled as most cases spell it; the other spellings are
/// reported, not guessed. Done once per office, whatever the number of
/// servers starting.
pub async fn upgrade_offices(app: &App) -> AppResult<()> {
    for office in app.store.offices().await? {
        let data = app.system_data(office.id);
        if data.agency_report().await?.is_some() {
            continue;
        }
        let (list, report) = carried_over(&data.case_agency_texts().await?);
        if data.carry_over_agencies(&list, &report, app.now()).await? && !list.is_empty() {
            tracing::info!(
                office = office.id,
                agencies = list.len(),
                "free-text agencies carried into the directory"
            );
        }
    }
    Ok(())
}

/// The directory entries and the report made from (free text, cases).
pub(crate) fn carried_over(texts: &[(String, i64)]) -> (Vec<AgencyFields>, String) {
    let mut groups: std::collections::BTreeMap<String, Vec<(String, i64)>> = Default::default();
    for (text, n) in texts {
        let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            continue;
        }
        let name: String = name.chars().take(200).collect();
        groups.entry(fold(&name)).or_default().push((name, *n));
    }
    let mut list = Vec::new();
    let mut lines = Vec::new();
    for (norm, mut spellings) in groups {
        // Most cases first; ties by the spelling, for a stable choice.
        spellings.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut merged: Vec<(String, i64)> = Vec::new();
        for (s, n) in spellings {
            match merged.iter_mut().find(|(m, _)| *m == s) {
                Some((_, k)) => *k += n,
                None => merged.push((s, n)),
            }
        }
        let total: i64 = merged.iter().map(|(_, n)| n).sum();
        let name = merged[0].0.clone();
        if merged.len() > 1 {
            let others: Vec<String> = merged[1..]
                .iter()
                .map(|(s, n)| format!("\"{s}\" ({n})"))
                .collect();
            lines.push(format!(
                "\"{name}\" ({total} cases) was also written {}.",
                others.join(", ")
            ));
        }
        list.push(AgencyFields {
            name,
            norm,
            kind: "department".into(),
            reply_days: DEFAULT_REPLY_DAYS,
            ..Default::default()
        });
    }
    let mut report = format!(
        "{} agencies were carried over from the cases' agency field.",
        list.len()
    );
    if !lines.is_empty() {
        report.push_str(" Spellings that differ only in case or spacing were kept as one:\n");
        report.push_str(&lines.join("\n"));
    }
    (list, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_variants_become_one_entry_and_are_reported() {
        let (list, report) = carried_over(&[
            ("Home Office".into(), 5),
            ("home office".into(), 2),
            ("Home  Office ".into(), 1),
            ("HMRC".into(), 3),
            ("  ".into(), 4),
        ]);
        let names: Vec<&str> = list.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["HMRC", "Home Office"]);
        assert!(
            report.contains("\"Home Office\" (8 cases) was also written \"home office\" (2)"),
            "{report}"
        );
        assert!(!report.contains("HMRC\" ("), "{report}");
    }

    #[test]
    fn a_directory_file_is_checked_line_by_line() {
        let good = b"name,kind,level,email,phone,address,reply_days,needs_consent\n\
            Home Office,department,federal,mp.enquiries@example.org,,2 Marsham Street / London,28,yes\n\
            Riverside Council,local_authority,municipal,,,,,\n";
        let list = parse_csv(good).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].reply_days, 28);
        assert!(list[0].needs_consent);
        assert_eq!(list[0].address, "2 Marsham Street\nLondon");
        assert_eq!(list[1].reply_days, DEFAULT_REPLY_DAYS);
        let bad = b"name,kind,level,email,phone,address,reply_days,needs_consent\n\
            ,department,,,,,,\n\
            X,castle,,,,,,\n\
            Y,,,not-an-email,,,0,perhaps\n\
            x,,,,,,,\n";
        let errors = parse_csv(bad).unwrap_err();
        let all = errors.join("\n");
        for want in [
            "Line 2: name",
            "Line 3: kind",
            "Line 4: email",
            "Line 4: reply_days",
            "Line 4: needs_consent",
            "Line 5: \"x\" is already on line 3",
        ] {
            assert!(all.contains(want), "{want} in {all}");
        }
        assert!(parse_csv(b"nom,kind\n").is_err());
    }
}

/// How an agency answered over a period: what the representative can take
/// to a minister.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Turnaround {
    pub agency_id: i64,
    pub name: String,
    /// Enquiries sent in the period.
    pub sent: i64,
    /// Of those, answered.
    pub answered: i64,
    /// Median days to reply, of those answered (none answered: null).
    pub median_days: Option<i64>,
    /// 90th percentile of days to reply (nearest rank).
    pub p90_days: Option<i64>,
    /// Unanswered past their due date today, whenever sent.
    pub overdue: i64,
    /// Chase and escalation tasks waiting to be done.
    pub chases_needed: i64,
}

/// The value at `q` (0–1) of sorted `v`, by nearest rank.
fn nearest_rank(v: &[i64], q: f64) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    let rank = (q * v.len() as f64).ceil().max(1.0) as usize;
    v.get(rank.min(v.len()) - 1).copied()
}

/// A period of dates, checked: `from` (default 90 days before `until`) up
/// to before `until` (default tomorrow: today included).
pub fn period(today: &str, from: &str, until: &str) -> AppResult<(String, String)> {
    let mut e = FieldErrors::new();
    let until = e
        .date("until", "The end of the period", until)
        .unwrap_or_else(|| casework_domain::dates::add_days(today, 1));
    let from = e
        .date("from", "The start of the period", from)
        .unwrap_or_else(|| casework_domain::dates::add_days(&until, -90));
    if from >= until {
        e.add("from", "The period must start before it ends.");
    }
    check(e)?;
    Ok((from, until))
}

/// Per agency, over enquiries sent from `from` until before `until`: sent,
/// answered, median and 90th-percentile days to reply, overdue now and
/// chases needed; counting only enquiries on cases the reader may see.
/// Agencies with nothing in the period are left out; the slowest first.
pub async fn turnaround(
    app: &App,
    actor: &Actor,
    from: &str,
    until: &str,
) -> AppResult<Vec<Turnaround>> {
    let today = app.today(actor.office_id).await?;
    let (from, until) = period(&today, from, until)?;
    let data = app.data_for(actor);
    // The counts and the days to reply, read at once.
    let (counts, reply_days) = tokio::try_join!(
        data.agency_counts(&from, &until, &today),
        data.agency_reply_days(&from, &until),
    )?;
    let mut days: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    for (agency, d) in reply_days {
        days.entry(agency).or_default().push(d.max(0));
    }
    let names: std::collections::HashMap<i64, String> = data
        .agencies()
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let mut out: Vec<Turnaround> = counts
        .into_iter()
        .filter(|c| c.sent + c.overdue + c.chases_needed > 0)
        .map(|c| {
            let mut d = days.remove(&c.agency_id).unwrap_or_default();
            d.sort_unstable();
            Turnaround {
                name: names.get(&c.agency_id).cloned().unwrap_or_default(),
                agency_id: c.agency_id,
                sent: c.sent,
                answered: c.answered,
                median_days: nearest_rank(&d, 0.5),
                p90_days: nearest_rank(&d, 0.9),
                overdue: c.overdue,
                chases_needed: c.chases_needed,
            }
        })
        .collect();
    // The slowest first: those that answered nothing sent, then by median.
    let slowness = |t: &Turnaround| match t.median_days {
        None if t.sent > 0 => i64::MAX,
        m => m.unwrap_or(-1),
    };
    out.sort_by(|a, b| {
        slowness(b)
            .cmp(&slowness(a))
            .then(b.overdue.cmp(&a.overdue))
            .then(a.name.cmp(&b.name))
    });
    Ok(out)
}

/// The turnaround table as CSV.
pub fn turnaround_csv(rows: &[Turnaround]) -> AppResult<String> {
    let opt = |v: Option<i64>| v.map(|d| d.to_string()).unwrap_or_default();
    crate::csv_out::write(
        &[
            "agency",
            "sent",
            "answered",
            "median_days",
            "p90_days",
            "overdue_now",
            "chases_needed",
        ],
        rows.iter().map(|r| {
            vec![
                crate::csv_out::csv_safe(&r.name),
                r.sent.to_string(),
                r.answered.to_string(),
                opt(r.median_days),
                opt(r.p90_days),
                r.overdue.to_string(),
                r.chases_needed.to_string(),
            ]
        }),
    )
}

#[cfg(test)]
mod turnaround_tests {
    #[test]
    fn percentiles_by_nearest_rank() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(super::nearest_rank(&v, 0.5), Some(5));
        assert_eq!(super::nearest_rank(&v, 0.9), Some(9));
        assert_eq!(super::nearest_rank(&[7], 0.9), Some(7));
        assert_eq!(super::nearest_rank(&[], 0.5), None);
    }
}
