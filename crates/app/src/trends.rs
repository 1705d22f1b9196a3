//! Trends: counts of cases or messages by a dimension's values (or by
//! location) per week or month, with the change against the previous period
//! and the trailing average, counting only what the reader may see.

use casework_domain::FieldErrors;
use casework_store::{TrendBy, TrendKind};
use serde::{Deserialize, Serialize};

use crate::{Actor, App, AppResult, check};

const DAY_MS: i64 = 86_400_000;

pub(crate) use casework_domain::dates::{civil_from_days, day_of, days_from_civil, iso_day};

/// The office's time zone (UTC if it names none Casework knows).
pub(crate) async fn office_zone(app: &App, office_id: i64) -> AppResult<jiff::tz::TimeZone> {
    let tz = crate::memo::office_settings(app, office_id)
        .await?
        .time_zone;
    Ok(jiff::tz::TimeZone::get(&tz).unwrap_or(jiff::tz::TimeZone::UTC))
}

/// The first moment (Unix ms) of `day` (days since 1970-01-01) in `tz`:
/// its midnight, or the first moment after a gap where clocks skip it.
pub(crate) fn midnight(tz: &jiff::tz::TimeZone, day: i64) -> i64 {
    let (y, m, d) = civil_from_days(day);
    let start = i16::try_from(y)
        .ok()
        .and_then(|y| jiff::civil::Date::new(y, m as i8, d as i8).ok())
        .and_then(|date| date.to_zoned(tz.clone()).ok())
        .and_then(|z| z.start_of_day().ok());
    match start {
        Some(z) => z.timestamp().as_millisecond(),
        None => day * DAY_MS,
    }
}

/// The day (days since 1970-01-01) that `ms` falls on in `tz`.
pub(crate) fn local_day(tz: &jiff::tz::TimeZone, ms: i64) -> i64 {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => {
            let z = t.to_zoned(tz.clone());
            days_from_civil(
                i64::from(z.year()),
                i64::from(z.month()),
                i64::from(z.day()),
            )
        }
        Err(_) => ms.div_euclid(DAY_MS),
    }
}

/// The start (Unix ms) of the day a query names as `YYYY-MM-DD`, in the
/// office's time zone `tz`; anything else is an error on `field`.
pub(crate) fn day_start(
    e: &mut FieldErrors,
    tz: &jiff::tz::TimeZone,
    field: &str,
    label: &str,
    text: &str,
) -> Option<i64> {
    e.date(field, label, text).map(|d| midnight(tz, day_of(&d)))
}

/// The paging cursor a query sends, if any; a broken one is an error.
pub(crate) fn page_cursor(
    e: &mut FieldErrors,
    text: Option<&str>,
) -> Option<casework_store::Cursor> {
    let text = text.filter(|c| !c.is_empty())?;
    let cursor = casework_store::Cursor::decode(text);
    if cursor.is_none() {
        e.add("cursor", "This paging cursor is not valid.");
    }
    cursor
}

/// A page of `size` from `items` read one past it (`size + 1` asked for):
/// if that one came, the next page starts after the last kept
/// (`cursor_of`).
pub(crate) fn page_of<T>(
    mut items: Vec<T>,
    size: i64,
    cursor_of: impl Fn(&T) -> casework_store::Cursor,
) -> casework_store::Page<T> {
    let next = if items.len() as i64 > size {
        items.truncate(size.max(0) as usize);
        items.last().map(cursor_of)
    } else {
        None
    };
    casework_store::Page { items, next }
}

/// How many a list page holds: 50 unless asked, 1–200.
pub(crate) fn page_size(limit: Option<i64>) -> i64 {
    limit.unwrap_or(50).clamp(1, 200)
}

pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// What to count, and over which periods.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct TrendsQuery {
    /// A dimension's key (default `category`), or `location` (the
    /// constituent's ward or postcode district).
    pub dimension: String,
    /// `month` (default) or `week` (weeks start on the office's day,
    /// Monday unless set).
    pub period: String,
    /// How many periods, ending with the one holding `until`: 1–60 months
    /// or 1–104 weeks; default 12.
    pub periods: Option<i64>,
    /// `YYYY-MM-DD`; default today.
    pub until: String,
    /// `cases` (by the day they were opened; default), `messages` (by the
    /// day they arrived or were sent) or `transfers` (cases transferred to
    /// another office or level of government, by the day of the transfer,
    /// split by the case's values).
    pub kind: String,
    /// Count a Category child on its own instead of under its parent.
    pub detail: bool,
}

/// One period of the table.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Period {
    /// "Mar 2026", or "Week of 2 Mar 2026".
    pub label: String,
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Day after the last, `YYYY-MM-DD`.
    pub to: String,
}

/// One value's counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendRow {
    /// The value's tag id (none for a location or for "no value").
    pub tag_id: Option<i64>,
    /// The value ("Housing"), the location, or "No value".
    pub value: String,
    /// The count in each period, oldest first.
    pub counts: Vec<i64>,
    pub total: i64,
    /// The last period against the one before.
    pub change: i64,
    /// The mean of the (up to) three periods before the last.
    pub trailing_average: f64,
    /// The last period against that average, in per cent (none when the
    /// average is 0).
    pub change_against_average_percent: Option<i64>,
}

/// The figures of the Trends page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Trends {
    pub dimension: String,
    pub dimension_name: String,
    pub kind: String,
    pub period: String,
    pub periods: Vec<Period>,
    /// Most used first; "No value" last.
    pub rows: Vec<TrendRow>,
    /// Every item in each period (with or without a value).
    pub totals: Vec<i64>,
}

/// Parses the query into (kind, by, bounds in days).
struct Plan {
    kind: TrendKind,
    key: String,
    name: String,
    by: TrendBy,
    monthly: bool,
    days: Vec<i64>,
}

async fn plan(
    app: &App,
    office_id: i64,
    f: &crate::tags::Framework,
    q: &TrendsQuery,
) -> AppResult<Plan> {
    let mut e = FieldErrors::new();
    let kind = match q.kind.as_str() {
        "" | "cases" => TrendKind::Cases,
        "messages" => TrendKind::Messages,
        "transfers" => TrendKind::Transfers,
        _ => {
            e.add("kind", "Choose cases, messages or transfers.");
            TrendKind::Cases
        }
    };
    let monthly = match q.period.as_str() {
        "" | "month" => true,
        "week" => false,
        _ => {
            e.add("period", "Choose month or week.");
            true
        }
    };
    let max = if monthly { 60 } else { 104 };
    let n = q.periods.unwrap_or(12);
    if !(1..=max).contains(&n) {
        e.add(
            "periods",
            format!(
                "Choose between 1 and {max} {}.",
                if monthly { "months" } else { "weeks" }
            ),
        );
    }
    let today = day_of(&app.today(office_id).await?);
    let until = if q.until.trim().is_empty() {
        today
    } else {
        e.date("until", "Until", &q.until)
            .map(|d| day_of(&d))
            .unwrap_or(today)
    };
    let key = if q.dimension.trim().is_empty() {
        "category".to_owned()
    } else {
        q.dimension.trim().to_owned()
    };
    let (by, name) = if key == "location" {
        (TrendBy::Location, "Location".to_owned())
    } else {
        match f.dimension(&key) {
            Some(d) => (
                TrendBy::Dimension {
                    id: d.dim.id,
                    rollup: d.dim.hierarchical && !q.detail,
                },
                d.dim.name.clone(),
            ),
            None => {
                e.add("dimension", "There is no such dimension in this office.");
                (TrendBy::Everything, String::new())
            }
        }
    };
    check(e)?;
    let n = n.clamp(1, max);
    let mut days = Vec::new();
    if monthly {
        let (y, m, _) = civil_from_days(until);
        // The month after `until`'s, then n months back.
        let mut months: Vec<(i64, i64)> = Vec::new();
        let (mut yy, mut mm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        for _ in 0..=n {
            months.push((yy, mm));
            if mm == 1 {
                yy -= 1;
                mm = 12;
            } else {
                mm -= 1;
            }
        }
        months.reverse();
        days = months
            .into_iter()
            .map(|(y, m)| days_from_civil(y, m, 1))
            .collect();
    } else {
        // Weeks start on the office's day (as its weekly review's).
        let (starts, _) = app.store.office_review_settings(office_id).await?;
        let first = casework_domain::dates::week_start(until, starts);
        for i in (0..=n).rev() {
            days.push(first + 7 - 7 * i);
        }
    }
    Ok(Plan {
        kind,
        key,
        name,
        by,
        monthly,
        days,
    })
}

/// The Trends figures.
pub async fn trends(app: &App, actor: &Actor, q: &TrendsQuery) -> AppResult<Trends> {
    let f = crate::tags::framework(app, actor).await?;
    let p = plan(app, actor.office_id, &f, q).await?;
    let tz = office_zone(app, actor.office_id).await?;
    let bounds: Vec<i64> = p.days.iter().map(|d| midnight(&tz, *d)).collect();
    let data = app.data_for(actor);
    let counts = data.trend_counts(p.kind, p.by, &bounds).await?;
    let all = data
        .trend_counts(p.kind, TrendBy::Everything, &bounds)
        .await?;
    let n = bounds.len() - 1;
    let mut totals = vec![0i64; n];
    for c in &all {
        if let Some(slot) = totals.get_mut(c.bucket as usize) {
            *slot += c.n;
        }
    }
    let mut by_key: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for c in counts {
        let row = by_key.entry(c.key).or_insert_with(|| vec![0; n]);
        if let Some(slot) = row.get_mut(c.bucket as usize) {
            *slot += c.n;
        }
    }
    let mut rows: Vec<TrendRow> = by_key
        .into_iter()
        .map(|(key, counts)| {
            let tag_id = match p.by {
                TrendBy::Dimension { .. } => key.parse().ok(),
                _ => None,
            };
            let value = match tag_id {
                Some(id) => f
                    .value(id)
                    .map(|(_, v)| v.path.clone())
                    .unwrap_or_else(|| format!("tag {id}")),
                None => key,
            };
            row(tag_id, value, counts)
        })
        .collect();
    rows.sort_by(|a, b| b.total.cmp(&a.total).then(a.value.cmp(&b.value)));
    // What has no value in a single-valued dimension (or no postcode).
    if !matches!(p.by, TrendBy::Everything) && p.key != "free" {
        let mut none = totals.clone();
        for r in &rows {
            for (slot, c) in none.iter_mut().zip(&r.counts) {
                *slot -= c;
            }
        }
        if none.iter().any(|c| *c > 0) {
            rows.push(row(
                None,
                "No value".into(),
                none.into_iter().map(|c| c.max(0)).collect(),
            ));
        }
    }
    let periods = p
        .days
        .windows(2)
        .map(|w| {
            let (y, m, d) = civil_from_days(w[0]);
            Period {
                label: if p.monthly {
                    format!("{} {y}", MONTHS[(m - 1) as usize])
                } else {
                    format!("Week of {d} {} {y}", MONTHS[(m - 1) as usize])
                },
                from: iso_day(w[0]),
                to: iso_day(w[1]),
            }
        })
        .collect();
    Ok(Trends {
        dimension: p.key,
        dimension_name: p.name,
        kind: match p.kind {
            TrendKind::Cases => "cases",
            TrendKind::Messages => "messages",
            TrendKind::Transfers => "transfers",
        }
        .into(),
        period: if p.monthly { "month" } else { "week" }.into(),
        periods,
        rows,
        totals,
    })
}

fn row(tag_id: Option<i64>, value: String, counts: Vec<i64>) -> TrendRow {
    let n = counts.len();
    let last = counts.last().copied().unwrap_or(0);
    let previous = if n >= 2 { counts[n - 2] } else { 0 };
    let before: Vec<i64> = counts[..n.saturating_sub(1)]
        .iter()
        .rev()
        .take(3)
        .copied()
        .collect();
    let trailing_average = if before.is_empty() {
        0.0
    } else {
        before.iter().sum::<i64>() as f64 / before.len() as f64
    };
    TrendRow {
        tag_id,
        value,
        total: counts.iter().sum(),
        change: last - previous,
        change_against_average_percent: (trailing_average > 0.0)
            .then(|| ((last as f64 - trailing_average) / trailing_average * 100.0).round() as i64),
        trailing_average: (trailing_average * 10.0).round() / 10.0,
        counts,
    }
}

/// The messages behind a count of the Trends page, as people write it in a
/// URL or API call.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// A tag's id: messages with it or a value under it.
    pub tag: Option<i64>,
    /// With `tag`: only that value, not the values under it.
    pub exact: bool,
    /// Arrived (or sent) on or after this day, `YYYY-MM-DD`.
    pub received_from: String,
    /// Arrived (or sent) before this day, `YYYY-MM-DD`.
    pub received_before: String,
    /// The constituent's ward, or postcode district (as Trends shows it).
    pub location: String,
    /// `in`, `out` or `internal`.
    #[param(pattern = "^(|in|out|internal)$")]
    pub direction: String,
    /// `email`, `letter`, `call`, `meeting`, … (as the message's channel).
    pub channel: String,
    /// `intake`, `filed` or `no_action`.
    #[param(pattern = "^(|intake|filed|no_action)$")]
    pub state: String,
    /// `yes`: campaign copies only; `no`: none of them.
    #[param(pattern = "^(|yes|no)$")]
    pub campaign: String,
    /// Letters printed on or after this day, `YYYY-MM-DD`.
    pub printed_from: String,
    /// Letters printed before this day, `YYYY-MM-DD`.
    pub printed_before: String,
    /// Only letters and emails waiting for approval.
    pub awaiting_approval: bool,
    /// Only messages on cases assigned to this person.
    pub assignee_id: Option<i64>,
    /// Only incoming mail not yet opened.
    pub unread: bool,
    /// `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// How many to answer, default 50; taken as 1–200.
    pub limit: Option<i64>,
}

/// The messages the reader may see behind a Trends count, newest first.
pub async fn messages(
    app: &App,
    actor: &Actor,
    q: &MessagesQuery,
) -> AppResult<casework_store::Page<casework_store::CorrespondenceSummary>> {
    let mut e = FieldErrors::new();
    let mut filter = casework_store::MessageFilter::default();
    if let Some(tag) = q.tag {
        let f = crate::tags::framework(app, actor).await?;
        if f.value(tag).is_some() {
            filter.tags = f.with_children(tag, q.exact);
        } else {
            e.add("tag", "There is no such tag in this office.");
        }
    }
    let tz = office_zone(app, actor.office_id).await?;
    filter.from = day_start(
        &mut e,
        &tz,
        "received_from",
        "Received from",
        &q.received_from,
    );
    filter.before = day_start(
        &mut e,
        &tz,
        "received_before",
        "Received before",
        &q.received_before,
    );
    filter.location = Some(q.location.trim().to_owned()).filter(|l| !l.is_empty());
    filter.printed_from = day_start(&mut e, &tz, "printed_from", "Printed from", &q.printed_from);
    filter.printed_before = day_start(
        &mut e,
        &tz,
        "printed_before",
        "Printed before",
        &q.printed_before,
    );
    let word = |e: &mut FieldErrors, field: &str, text: &str, allowed: &[&str]| {
        let t = text.trim();
        if t.is_empty() {
            None
        } else if allowed.is_empty() || allowed.contains(&t) {
            Some(t.to_owned())
        } else {
            e.add(field, format!("Choose one of: {}.", allowed.join(", ")));
            None
        }
    };
    filter.direction = word(
        &mut e,
        "direction",
        &q.direction,
        &["in", "out", "internal"],
    );
    filter.channel = word(&mut e, "channel", &q.channel, &[]);
    filter.state = word(&mut e, "state", &q.state, &["intake", "filed", "no_action"]);
    filter.campaign = word(&mut e, "campaign", &q.campaign, &["yes", "no"]).map(|c| c == "yes");
    filter.awaiting_approval = q.awaiting_approval;
    filter.assignee = q.assignee_id;
    filter.unread = q.unread;
    let cursor = page_cursor(&mut e, q.cursor.as_deref());
    check(e)?;
    Ok(app
        .data_for(actor)
        .list_messages(&filter, cursor.as_ref(), page_size(q.limit))
        .await?)
}

/// The figures as CSV: one row per value, one column per period.
pub fn to_csv(t: &Trends) -> AppResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![t.dimension_name.clone()];
    header.extend(t.periods.iter().map(|p| p.from.clone()));
    header.extend(["Total".into(), "Change".into(), "Trailing average".into()]);
    let internal = |e: csv::Error| crate::AppError::Internal(e.to_string());
    w.write_record(&header).map_err(internal)?;
    for r in &t.rows {
        let mut rec = vec![crate::csv_out::csv_safe(&r.value)];
        rec.extend(r.counts.iter().map(|c| c.to_string()));
        rec.extend([
            r.total.to_string(),
            r.change.to_string(),
            r.trailing_average.to_string(),
        ]);
        w.write_record(&rec).map_err(internal)?;
    }
    let mut rec = vec!["All".to_owned()];
    rec.extend(t.totals.iter().map(|c| c.to_string()));
    rec.push(t.totals.iter().sum::<i64>().to_string());
    rec.extend([String::new(), String::new()]);
    w.write_record(&rec).map_err(internal)?;
    w.into_inner()
        .map_err(|e| crate::AppError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for d in [-1000, 0, 1, 59, 10_957, 20_000, 20_792] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2026, 12, 5)), (2026, 12, 5));
        assert_eq!(iso_day(days_from_civil(2024, 2, 29)), "2024-02-29");
    }

    #[test]
    fn a_row_knows_its_change_and_trailing_average() {
        let r = row(Some(1), "Housing".into(), vec![1, 2, 3, 4, 10]);
        assert_eq!(r.total, 20);
        assert_eq!(r.change, 6);
        assert_eq!(r.trailing_average, 3.0);
        assert_eq!(r.change_against_average_percent, Some(233));
        let flat = row(None, "x".into(), vec![0, 0]);
        assert_eq!(flat.change_against_average_percent, None);
    }

    #[test]
    fn csv_cells_cannot_become_formulas() {
        assert_eq!(crate::csv_out::csv_safe("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(crate::csv_out::csv_safe("Housing"), "Housing");
    }
}

/// Reads an office's postcode → ward table (CSV with the header
/// `postcode,ward`): every bad line is reported with its number, and
/// nothing is kept unless every line is good.
pub fn parse_wards(bytes: &[u8]) -> Result<Vec<(String, String)>, Vec<String>> {
    let (rows, mut errors) = crate::tag_bulk::csv_rows(bytes, &["postcode", "ward"])?;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen: std::collections::HashMap<String, (usize, String)> = Default::default();
    for (line, cells) in rows {
        let postcode: String = cells[0]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if postcode.is_empty()
            || postcode.chars().count() > 10
            || !postcode.chars().all(|c| c.is_ascii_alphanumeric())
        {
            errors.push(format!(
                "Line {line}: \"{}\" is not a postcode or postcode district.",
                cells[0].chars().take(20).collect::<String>()
            ));
            continue;
        }
        let ward = cells[1].split_whitespace().collect::<Vec<_>>().join(" ");
        if ward.is_empty()
            || ward.chars().count() > 100
            || ward
                .chars()
                .any(|c| c.is_control() || casework_domain::is_bidi_control(c))
        {
            errors.push(format!(
                "Line {line}: give the ward a name of at most 100 characters."
            ));
            continue;
        }
        match seen.get(&postcode) {
            Some((first, w)) if *w != ward => {
                errors.push(format!(
                    "Line {line}: {postcode} is in ward \"{w}\" on line {first} already."
                ));
            }
            Some(_) => {}
            None => {
                seen.insert(postcode.clone(), (line, ward.clone()));
                out.push((postcode, ward));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn wards_error(errors: Vec<String>) -> crate::AppError {
    crate::tag_bulk::lines_error("file", errors)
}

/// Replaces the office's postcode → ward table (admins and office
/// managers); returns how many postcodes it holds.
pub async fn load_postcode_wards(app: &App, actor: &Actor, bytes: &[u8]) -> AppResult<usize> {
    actor.require(casework_domain::Permission::ManageTags)?;
    let rows = parse_wards(bytes).map_err(wards_error)?;
    let n = app.data_for(actor).set_postcode_wards(&rows).await?;
    tracing::info!(rows = n, by = actor.user_id, "postcode wards loaded");
    Ok(n)
}

/// The same from the command line on the server, for an office.
pub async fn load_postcode_wards_for_office(
    app: &App,
    office_id: i64,
    bytes: &[u8],
) -> AppResult<usize> {
    let rows = parse_wards(bytes).map_err(wards_error)?;
    Ok(app.system_data(office_id).set_postcode_wards(&rows).await?)
}

#[cfg(test)]
mod ward_tests {
    use super::parse_wards;

    #[test]
    fn a_good_table_is_read_and_normalised() {
        let rows =
            parse_wards(b"\xef\xbb\xbfPostcode,Ward\nr2c 0a1, Riverside \nR2E,North End\n\n")
                .unwrap();
        assert_eq!(
            rows,
            [
                ("R2C0A1".to_owned(), "Riverside".to_owned()),
                ("R2E".to_owned(), "North End".to_owned())
            ]
        );
    }

    #[test]
    fn every_bad_line_is_reported_and_nothing_kept() {
        let e = parse_wards(b"postcode,ward\nR2C,A\n???,B\nR2C,C\nR2E\n").unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e.iter().any(|l| l.starts_with("Line 3:")));
        assert!(
            e.iter()
                .any(|l| l.starts_with("Line 4:") && l.contains("line 2"))
        );
        assert!(e.iter().any(|l| l.starts_with("Line 5:")));
        assert!(parse_wards(b"zip,area\nR2C,A\n").unwrap_err()[0].starts_with("Line 1:"));
        assert!(parse_wards(b"postcode,ward\n\xff\xfe,A\n").unwrap_err()[0].contains("UTF-8"));
        assert!(parse_wards(b"postcode,ward\n").is_err());
    }
}
