//! The weekly casework review: for one week of the office (in its time
//! zone, from its chosen first day), what came in, what went out and
//! closed, what needs action now, each caseworker's load, the slowest
//! agencies and the cases raised with the representative; then the
//! meeting, recorded with its actions, each a task on its case.
//!
//! Every number is the count of a list one click away (`list`, the page
//! that lists exactly those), taken under the reader's scope. Office
//! managers and the representative review the office (or one caseworker);
//! anyone else who holds cases reviews their own.

use casework_domain::dates::{add_days, day_of, iso_day};
use casework_domain::{FieldErrors, Permission, Role};
use casework_store::{TrendBy, TrendCount, TrendKind};
use serde::{Deserialize, Serialize};

use crate::review_week::{add_months, long, pick_week, short, weekday_name};
use crate::trends::{midnight, office_zone};
use crate::{Actor, App, AppError, AppResult, check};

const DAY_MS: i64 = 86_400_000;
/// Weeks the "previous weeks" average is taken over.
const BASELINE_WEEKS: i64 = 4;
/// Weeks of the trailing quarter.
const QUARTER_WEEKS: i64 = 13;
/// Days without activity that make a case quiet when the office has set none.
const QUIET_DEFAULT: i64 = 28;
/// Days mail may wait in intake before it counts as waiting too long.
const INTAKE_DAYS: i64 = 2;
/// How many of the slowest agencies the review shows.
const SLOWEST: usize = 5;

/// Which review: a week, and whose.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// Any day of the week, `YYYY-MM-DD`; default the last whole week.
    pub week: String,
    /// One caseworker's review (office managers and the representative);
    /// anyone else always gets their own.
    pub person_id: Option<i64>,
}

/// A number and the list it counts.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Figure {
    pub label: String,
    pub n: i64,
    /// The page that lists exactly these (none for what has no list, such
    /// as "no value").
    pub list: Option<String>,
}

/// One row of a breakdown: this week against the weeks before.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Row {
    pub value: String,
    pub n: i64,
    pub list: Option<String>,
    /// The mean of the four weeks before.
    pub average: f64,
    /// This week against that average, in per cent (none when it is 0).
    pub change_percent: Option<i64>,
}

impl Row {
    /// The change against the average, in words: "+12%", "−5%" or "—".
    pub fn change_text(&self) -> String {
        match self.change_percent {
            Some(c) if c > 0 => format!("+{c}%"),
            Some(c) if c < 0 => format!("−{}%", -c),
            Some(_) => "0%".into(),
            None => "—".into(),
        }
    }
}

/// What came in, split one way.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Breakdown {
    /// "Category", "Urgency", "Location" or "Channel".
    pub by: String,
    pub rows: Vec<Row>,
}

/// The week reviewed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Week {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// The day after the last.
    pub to: String,
    /// "30 Nov – 6 Dec 2026".
    pub label: String,
    /// The first day of the week before, and of the week after (none when
    /// that has not begun).
    pub previous: String,
    pub next: Option<String>,
    /// Whether the week is still going on.
    pub current: bool,
    /// The day the office's weeks start ("Monday").
    pub starts_on: String,
    /// The day the representative's briefing is emailed, if it is.
    pub briefing_on: Option<String>,
}

/// Weekly counts for the chart: cases opened, mail in, campaign mail.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WeekCount {
    pub from: String,
    pub label: String,
    pub cases: i64,
    pub mail: i64,
    pub campaign: i64,
}

/// What came in during the week.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CameIn {
    /// New cases, new mail (not campaign copies), campaign copies: each
    /// as a row against the four weeks before.
    pub totals: Vec<Row>,
    /// New cases by Category, Urgency and location; mail by channel.
    pub breakdowns: Vec<Breakdown>,
    /// This week and the four before, oldest first.
    pub weeks: Vec<WeekCount>,
}

/// A median time in days, over how many cases.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Median {
    pub days: Option<f64>,
    pub cases: i64,
}

impl Median {
    /// "2.5 days (12 cases)", or "none" when no case counts.
    pub fn text(&self) -> String {
        match self.days {
            Some(d) => format!(
                "{d} days ({} case{})",
                self.cases,
                if self.cases == 1 { "" } else { "s" }
            ),
            None => "No case".into(),
        }
    }
}

/// What went out and what closed during the week.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WentOut {
    pub figures: Vec<Figure>,
    /// From opening to the office's first reply: this week, and the
    /// thirteen weeks before.
    pub first_response: Median,
    pub first_response_quarter: Median,
    /// From opening to resolution: this week, and the thirteen weeks before.
    pub resolution: Median,
    pub resolution_quarter: Median,
}

/// One caseworker's load (or nobody's: `person_id` none).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Load {
    pub person_id: Option<i64>,
    pub name: String,
    pub open: Figure,
    pub new_this_week: Figure,
    pub overdue_tasks: Figure,
}

/// An agency slow to reply.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SlowAgency {
    pub agency_id: i64,
    pub name: String,
    /// Median days to reply, over the enquiries answered.
    pub median_days: f64,
    pub answered: Figure,
}

/// A case raised with the representative during the week.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Flag {
    pub case_id: i64,
    pub case_reference: String,
    pub case_title: String,
    pub summary: String,
    pub flagged_by: String,
    /// `YYYY-MM-DD`.
    pub flagged_on: String,
}

/// An action of the last review, and whether it was done.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActionView {
    pub case_id: i64,
    pub case_reference: String,
    pub case_title: String,
    /// `reassign`, `escalate`, `review_date`, `raise` or `follow_up`.
    pub kind: String,
    pub note: String,
    pub task_id: i64,
    pub task_title: String,
    pub assignee: Option<String>,
    pub due_on: String,
    pub done: bool,
}

/// The review of one week.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Review {
    pub week: Week,
    /// Whose review: none for the office's.
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    /// Today in the office (what needs action is counted as of today).
    pub today: String,
    pub came_in: CameIn,
    pub went_out: WentOut,
    pub needs_action: Vec<Figure>,
    pub workload: Vec<Load>,
    /// Open cases by age.
    pub ages: Vec<Figure>,
    /// The slowest agencies to reply this quarter.
    pub agencies: Vec<SlowAgency>,
    pub flagged: Vec<Flag>,
    /// The last review recorded before this week's, with its actions.
    pub last_review_id: Option<i64>,
    pub last_actions: Vec<ActionView>,
}

/// Whose cases a review covers, decided from the reader's role.
pub(crate) async fn whose(
    app: &App,
    actor: &Actor,
    person_id: Option<i64>,
) -> AppResult<Option<(i64, String)>> {
    actor.require(Permission::SeeReview)?;
    let reviews_office = actor.can(Permission::RunReview);
    let person = match person_id {
        Some(p) if p != actor.user_id && !reviews_office => {
            return Err(AppError::Forbidden(
                "Only office managers and the representative review someone else's cases.".into(),
            ));
        }
        Some(p) => Some(p),
        None if reviews_office => None,
        None => Some(actor.user_id),
    };
    match person {
        None => Ok(None),
        Some(p) if p == actor.user_id => Ok(Some((p, actor.display_name.clone()))),
        Some(p) => match app.data_for(actor).user(p).await {
            Ok(u) => Ok(Some((p, u.display_name))),
            Err(casework_store::Error::NotFound) => {
                let mut e = FieldErrors::new();
                e.add("person_id", "There is no such person in this office.");
                Err(AppError::Invalid(e))
            }
            Err(other) => Err(other.into()),
        },
    }
}

/// A page address with its query.
struct Link {
    path: &'static str,
    query: Vec<(String, String)>,
}

impl Link {
    fn new(path: &'static str) -> Self {
        Link {
            path,
            query: Vec::new(),
        }
    }
    fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_owned(), value.to_string()));
        self
    }
    fn person(self, key: &str, person: Option<i64>) -> Self {
        match person {
            Some(p) => self.with(key, p),
            None => self,
        }
    }
    fn done(self) -> Option<String> {
        let mut out = String::from(self.path);
        for (i, (k, v)) in self.query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(k);
            out.push('=');
            out.push_str(&encode(v));
        }
        Some(out)
    }
}

fn figure(label: &str, n: i64, list: Option<String>) -> Figure {
    Figure {
        label: label.to_owned(),
        n,
        list,
    }
}

/// A row from the counts of five weeks (this week last).
fn row(value: String, counts: &[i64], list: Option<String>) -> Row {
    let n = counts.last().copied().unwrap_or(0);
    let before = &counts[..counts.len().saturating_sub(1)];
    let average = if before.is_empty() {
        0.0
    } else {
        before.iter().sum::<i64>() as f64 / before.len() as f64
    };
    Row {
        value,
        n,
        list,
        average: (average * 10.0).round() / 10.0,
        change_percent: (average > 0.0)
            .then(|| ((n as f64 - average) / average * 100.0).round() as i64),
    }
}

/// Counts by key into one vector of `weeks` per key.
fn by_key(counts: Vec<TrendCount>, weeks: usize) -> std::collections::BTreeMap<String, Vec<i64>> {
    let mut out: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for c in counts {
        let slot = out.entry(c.key).or_insert_with(|| vec![0; weeks]);
        if let Some(x) = slot.get_mut(c.bucket as usize) {
            *x += c.n;
        }
    }
    out
}

/// A median read in the database: (cases, ms), in days.
fn median_of((cases, ms): (i64, Option<f64>)) -> Median {
    Median {
        days: ms.map(|m| (m / DAY_MS as f64 * 10.0).round() / 10.0),
        cases,
    }
}

fn median_days(mut ms: Vec<i64>) -> Median {
    let cases = ms.len() as i64;
    if ms.is_empty() {
        return Median { days: None, cases };
    }
    ms.sort_unstable();
    let mid = ms.len() / 2;
    let m = if ms.len().is_multiple_of(2) {
        (ms[mid - 1] + ms[mid]) as f64 / 2.0
    } else {
        ms[mid] as f64
    };
    Median {
        days: Some((m / DAY_MS as f64 * 10.0).round() / 10.0),
        cases,
    }
}

/// What each part of a review needs.
struct Ctx<'a> {
    app: &'a App,
    actor: &'a Actor,
    data: casework_store::OfficeData,
    tz: jiff::tz::TimeZone,
    /// Whose cases (none: the office's).
    p: Option<i64>,
    /// The week's first day (days since 1970-01-01), and today.
    from: i64,
    today: i64,
    today_text: String,
    /// The week's first day and the day after its last, `YYYY-MM-DD`.
    s_from: String,
    s_to: String,
    /// The midnights starting the four weeks before and the week, then
    /// the one ending it.
    bounds: Vec<i64>,
}

impl Ctx<'_> {
    fn weeks(&self) -> usize {
        self.bounds.len() - 1
    }

    /// The week itself, as Unix ms.
    fn week_ms(&self) -> (i64, i64) {
        let n = self.bounds.len();
        (self.bounds[n - 2], self.bounds[n - 1])
    }

    /// Cases opened in each week, split `by`.
    async fn opened(&self, by: TrendBy) -> Result<Vec<TrendCount>, casework_store::Error> {
        match self.p {
            None => {
                self.data
                    .trend_counts(TrendKind::Cases, by, &self.bounds)
                    .await
            }
            Some(p) => {
                self.data
                    .trend_counts_of(TrendKind::Cases, by, &self.bounds, p)
                    .await
            }
        }
    }

    /// The cases opened in the week.
    fn cases_link(&self) -> Link {
        Link::new("/cases")
            .with("opened_from", &self.s_from)
            .with("opened_before", &self.s_to)
            .person("assignee_id", self.p)
    }

    /// Mail in during the week: campaign copies (`yes`) or the rest (`no`).
    fn mail_link(&self, campaign: &str) -> Link {
        Link::new("/messages")
            .with("direction", "in")
            .with("campaign", campaign)
            .with("received_from", &self.s_from)
            .with("received_before", &self.s_to)
            .person("assignee_id", self.p)
    }

    /// The open cases.
    fn active(&self) -> Link {
        Link::new("/cases")
            .with("view", "active")
            .person("assignee_id", self.p)
    }
}

/// The review of a week, counted under the reader's permissions.
pub async fn review(app: &App, actor: &Actor, q: &ReviewQuery) -> AppResult<Review> {
    // Its parts run at once: a large future, kept on the heap.
    Box::pin(figures(app, actor, q)).await
}

async fn figures(app: &App, actor: &Actor, q: &ReviewQuery) -> AppResult<Review> {
    let person = whose(app, actor, q.person_id).await?;
    let p = person.as_ref().map(|(id, _)| *id);
    let tz = office_zone(app, actor.office_id).await?;
    let today_text = app.today(actor.office_id).await?;
    let today = day_of(&today_text);
    let (starts, briefing_day) = app.store.office_review_settings(actor.office_id).await?;
    let mut e = FieldErrors::new();
    let from = pick_week(&mut e, &q.week, today, starts);
    check(e)?;
    let to = from + 7;
    let week = Week {
        from: iso_day(from),
        to: iso_day(to),
        label: format!("{} – {}", short(from), long(to - 1)),
        previous: iso_day(from - 7),
        next: (to <= today).then(|| iso_day(to)),
        current: to > today,
        starts_on: weekday_name(starts).to_owned(),
        briefing_on: (briefing_day > 0).then(|| weekday_name(briefing_day).to_owned()),
    };
    let bounds: Vec<i64> = (0..=BASELINE_WEEKS + 1)
        .map(|i| midnight(&tz, from - 7 * BASELINE_WEEKS + 7 * i))
        .collect();
    let c = Ctx {
        app,
        actor,
        data: app.data_for(actor),
        tz,
        p,
        from,
        today,
        today_text,
        s_from: iso_day(from),
        s_to: iso_day(to),
        bounds,
    };
    let f = crate::tags::framework(app, actor).await?;
    let (w_from, w_to) = c.week_ms();
    // The slowest agencies this quarter (by the day enquiries were sent).
    let quarter = iso_day(from + 7 - 7 * QUARTER_WEEKS);
    let last = async {
        match c.data.review_before(&c.s_from, p).await? {
            Some(r) => Ok((Some(r.id), actions(app, actor, r.id).await?)),
            None => Ok((None, Vec::new())),
        }
    };
    // The parts read at once, each on its own connection.
    let (
        came_in,
        went_out,
        needs_action,
        (workload, ages),
        agencies,
        flags,
        (last_id, last_actions),
    ) = tokio::try_join!(
        came_in(&c, &f),
        went_out(&c),
        needs_action(&c, &f),
        workload(&c, &person),
        slowest(app, actor, &quarter, &c.s_to),
        async { Ok::<_, AppError>(c.data.case_flags_between(w_from, w_to, p).await?) },
        last,
    )?;
    let flagged = flags.into_iter().map(|x| flag_of(x, &c.tz)).collect();
    Ok(Review {
        week,
        person_id: p,
        person_name: person.map(|(_, n)| n),
        today: c.today_text.clone(),
        came_in,
        went_out,
        needs_action,
        workload,
        ages,
        agencies,
        flagged,
        last_review_id: last_id,
        last_actions,
    })
}

/// What came in: new cases and mail against the four weeks before.
async fn came_in(c: &Ctx<'_>, f: &crate::tags::Framework) -> AppResult<CameIn> {
    let (data, p, from, weeks) = (&c.data, c.p, c.from, c.weeks());
    let dims: Vec<&crate::tags::Dimension> = ["category", "urgency"]
        .iter()
        .filter_map(|k| f.dimension(k))
        .collect();
    let by = |d: &crate::tags::Dimension| TrendBy::Dimension {
        id: d.dim.id,
        rollup: d.dim.hierarchical,
    };
    let none = TrendBy::Everything;
    // Read at once: the totals, mail, each dimension and the locations.
    let (total, mail, first, second, places) = tokio::try_join!(
        c.opened(TrendBy::Everything),
        data.review_mail_in(&c.bounds, p),
        c.opened(dims.first().map_or(none, |d| by(d))),
        c.opened(dims.get(1).map_or(none, |d| by(d))),
        c.opened(TrendBy::Location),
    )?;
    let mut split = vec![first, second].into_iter();
    let total = by_key(total, weeks)
        .remove("*")
        .unwrap_or_else(|| vec![0; weeks]);
    let mail = by_key(mail, weeks);
    let mut mail_total = vec![0i64; weeks];
    let mut campaign = vec![0i64; weeks];
    for (key, counts) in &mail {
        let slot = if key == "campaign" {
            &mut campaign
        } else {
            &mut mail_total
        };
        for (s, c) in slot.iter_mut().zip(counts) {
            *s += c;
        }
    }
    let mut totals = vec![
        row("New cases".into(), &total, c.cases_link().done()),
        row(
            "Mail in (not campaigns)".into(),
            &mail_total,
            c.mail_link("no").done(),
        ),
    ];
    if p.is_none() {
        totals.push(row(
            "Campaign mail".into(),
            &campaign,
            c.mail_link("yes").done(),
        ));
    }
    let mut breakdowns = Vec::new();
    for d in dims {
        let counted = split.next().unwrap_or_default();
        let mut none = total.clone();
        let mut rows: Vec<Row> = Vec::new();
        for (k, counts) in by_key(counted, weeks) {
            for (slot, c) in none.iter_mut().zip(&counts) {
                *slot -= c;
            }
            let Some(id) = k.parse::<i64>().ok() else {
                continue;
            };
            let name = f
                .value(id)
                .map(|(_, v)| v.path.clone())
                .unwrap_or_else(|| format!("tag {id}"));
            // A value and those under it where the count rolls them up.
            let mut link = c.cases_link().with("tag", id);
            if !d.dim.hierarchical {
                link = link.with("exact", "true");
            }
            rows.push(row(name, &counts, link.done()));
        }
        sort_rows(&mut rows);
        if none.iter().any(|c| *c > 0) {
            let none: Vec<i64> = none.into_iter().map(|c| c.max(0)).collect();
            rows.push(row("No value".into(), &none, None));
        }
        breakdowns.push(Breakdown {
            by: d.dim.name.clone(),
            rows,
        });
    }
    let mut places: Vec<Row> = by_key(places, weeks)
        .into_iter()
        .map(|(k, counts)| {
            let link = c.cases_link().with("location", &k).done();
            row(k, &counts, link)
        })
        .collect();
    sort_rows(&mut places);
    breakdowns.push(Breakdown {
        by: "Location".into(),
        rows: places,
    });
    let mut channels: Vec<Row> = mail
        .iter()
        .filter(|(k, _)| k.as_str() != "campaign")
        .map(|(k, counts)| {
            let label = casework_domain::Channel::parse(k)
                .map(|c| c.label().to_owned())
                .unwrap_or_else(|| k.clone());
            row(label, counts, c.mail_link("no").with("channel", k).done())
        })
        .collect();
    sort_rows(&mut channels);
    breakdowns.push(Breakdown {
        by: "Channel".into(),
        rows: channels,
    });
    let week_counts = (0..weeks)
        .map(|i| {
            let d = from - 7 * (BASELINE_WEEKS - i as i64);
            WeekCount {
                from: iso_day(d),
                label: short(d),
                cases: total[i],
                mail: mail_total[i],
                campaign: campaign[i],
            }
        })
        .collect();

    Ok(CameIn {
        totals,
        breakdowns,
        weeks: week_counts,
    })
}

/// What went out and what closed during the week.
async fn went_out(c: &Ctx<'_>) -> AppResult<WentOut> {
    let (data, p, from, tz) = (&c.data, c.p, c.from, &c.tz);
    let (s_from, s_to) = (&c.s_from, &c.s_to);
    let (w_from, w_to) = c.week_ms();
    // What went out and closed.
    let quarter_from = midnight(tz, from - 7 * QUARTER_WEEKS);
    let (out, [first, resolved], [first_q, resolved_q]) = tokio::try_join!(
        data.review_went_out(w_from, w_to, p),
        data.review_medians(w_from, w_to, p),
        data.review_medians(quarter_from, w_from, p),
    )?;
    let went_out = WentOut {
        figures: vec![
            figure(
                "Emails sent",
                out.emails,
                Link::new("/messages")
                    .with("direction", "out")
                    .with("channel", "email")
                    .with("campaign", "no")
                    .with("received_from", s_from)
                    .with("received_before", s_to)
                    .person("assignee_id", p)
                    .done(),
            ),
            figure(
                "Letters printed",
                out.letters_printed,
                Link::new("/messages")
                    .with("printed_from", s_from)
                    .with("printed_before", s_to)
                    .person("assignee_id", p)
                    .done(),
            ),
            figure(
                "Cases resolved",
                out.resolved,
                Link::new("/cases")
                    .with("resolved_from", s_from)
                    .with("resolved_before", s_to)
                    .person("assignee_id", p)
                    .done(),
            ),
            figure(
                "Cases closed",
                out.closed,
                Link::new("/cases")
                    .with("closed_from", s_from)
                    .with("closed_before", s_to)
                    .person("assignee_id", p)
                    .done(),
            ),
        ],
        first_response: median_of(first),
        first_response_quarter: median_of(first_q),
        resolution: median_of(resolved),
        resolution_quarter: median_of(resolved_q),
    };
    Ok(went_out)
}

/// What needs action now (as of today, whatever the week).
async fn needs_action(c: &Ctx<'_>, f: &crate::tags::Framework) -> AppResult<Vec<Figure>> {
    let (app, actor, data, p, tz) = (c.app, c.actor, &c.data, c.p, &c.tz);
    let (today, today_text) = (c.today, &c.today_text);
    // What needs action now.
    let settings = crate::memo::office_settings(app, actor.office_id).await?;
    let quiet_days = if settings.quiet_days > 0 {
        settings.quiet_days
    } else {
        QUIET_DEFAULT
    };
    let at = casework_store::ActionAt {
        today: today_text.clone(),
        week_ahead: add_days(today_text, 7),
        quiet_before: midnight(tz, today - quiet_days),
        intake_before: midnight(tz, today - INTAKE_DAYS),
    };
    // Urgent: the Urgency values from "Urgent" on (the upper half of the
    // scale).
    let mut flagged_tags: Vec<(i64, String)> = Vec::new();
    if let Some(d) = f.dimension("urgency") {
        let values: Vec<_> = d
            .values
            .iter()
            .filter(|v| !v.retired && v.parent_id.is_none())
            .collect();
        for v in values.iter().skip(values.len() / 2) {
            flagged_tags.push((v.id, format!("{} cases open", v.name)));
        }
    }
    let ids: Vec<i64> = flagged_tags.iter().map(|(id, _)| *id).collect();
    let (n, open_tagged) = tokio::try_join!(
        data.review_needs_action(&at, p),
        data.review_open_with_tags(&ids, p),
    )?;
    let mut needs_action = vec![
        figure(
            "Enquiries overdue for a reply",
            n.overdue_enquiries,
            Link::new("/enquiries")
                .with("state", "overdue")
                .person("assignee_id", p)
                .done(),
        ),
        figure(
            "Enquiries due within a week",
            n.enquiries_due_soon,
            Link::new("/enquiries")
                .with("state", "due_soon")
                .person("assignee_id", p)
                .done(),
        ),
        figure(
            "Cases past their review date",
            n.review_date_passed,
            c.active().with("review_before", today_text).done(),
        ),
        figure(
            &format!("Cases with no activity for {quiet_days} days"),
            n.quiet,
            c.active()
                .with("updated_before", iso_day(today - quiet_days))
                .done(),
        ),
    ];
    for (id, label) in flagged_tags {
        let n = open_tagged
            .iter()
            .find(|(t, _)| *t == id)
            .map(|(_, n)| *n)
            .unwrap_or(0);
        needs_action.push(figure(
            &label,
            n,
            c.active().with("tag", id).with("exact", "true").done(),
        ));
    }
    // Sensitive: whatever restricting value (the case's own flag).
    let sensitive = f
        .dimension("sensitivity")
        .and_then(|d| {
            d.values
                .iter()
                .find(|v| !v.retired && v.effect == casework_domain::tags::effect::RESTRICTED)
        })
        .map_or_else(|| "Sensitive".to_owned(), |v| v.name.clone());
    needs_action.push(figure(
        &format!("{sensitive} cases open"),
        n.sensitive,
        c.active().with("sensitive", "true").done(),
    ));
    needs_action.push(figure(
        "Drafts waiting for approval",
        n.awaiting_approval,
        Link::new("/messages")
            .with("awaiting_approval", "true")
            .person("assignee_id", p)
            .done(),
    ));
    if p.is_none() {
        needs_action.push(figure(
            &format!("Mail in intake for over {INTAKE_DAYS} days"),
            n.intake_waiting,
            Link::new("/messages")
                .with("state", "intake")
                .with("campaign", "no")
                .with("received_before", iso_day(today - INTAKE_DAYS))
                .done(),
        ));
    }
    Ok(needs_action)
}

/// Each caseworker's load, and the open cases by age.
async fn workload(
    c: &Ctx<'_>,
    person: &Option<(i64, String)>,
) -> AppResult<(Vec<Load>, Vec<Figure>)> {
    let (actor, data, p, tz, today) = (c.actor, &c.data, c.p, &c.tz, c.today);
    let (s_from, s_to) = (&c.s_from, &c.s_to);
    let (w_from, w_to) = c.week_ms();
    // Workload and ages.
    let age_days = [
        add_months(today, -12),
        add_months(today, -3),
        today - 42,
        today - 14,
    ];
    // From 1970 to a day far ahead, both UTC midnights (no part-day edge
    // to count from the rows).
    const FAR: i64 = i64::MAX / 2 / 86_400_000 * 86_400_000;
    let mut age_bounds = vec![0];
    age_bounds.extend(age_days.iter().map(|d| midnight(tz, *d)));
    age_bounds.push(FAR);
    let (open, opened_by, overdue) = tokio::try_join!(
        data.review_open_cases(&age_bounds, p),
        data.review_opened_by_assignee(w_from, w_to, p),
        data.review_overdue_tasks(&c.today_text, p),
    )?;
    let labels = [
        "Over a year",
        "3 to 12 months",
        "6 weeks to 3 months",
        "2 to 6 weeks",
        "Under 2 weeks",
    ];
    let ages = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let n = open
                .iter()
                .filter(|c| c.bucket == i as i64)
                .map(|c| c.n)
                .sum();
            let mut link = c.active();
            if i > 0 {
                link = link.with("opened_from", iso_day(age_days[i - 1]));
            }
            if i < age_days.len() {
                link = link.with("opened_before", iso_day(age_days[i]));
            }
            figure(label, n, link.done())
        })
        .collect();
    let mut people: Vec<(Option<i64>, String)> = match &person {
        Some((id, name)) => vec![(Some(*id), name.clone())],
        None => data
            .users()
            .await?
            .into_iter()
            .filter(|u| u.active && Role::parse(&u.role).is_some_and(Role::can_hold_cases))
            .map(|u| (Some(u.id), u.display_name))
            .collect(),
    };
    if person.is_none() {
        // Anyone else still holding cases (deactivated, or no longer a
        // role that holds them), and the cases of nobody.
        let mut others: Vec<Option<i64>> = open
            .iter()
            .map(|c| c.assignee_id)
            .chain(opened_by.iter().map(|(a, _)| *a))
            .chain(overdue.iter().map(|(a, _)| *a))
            .filter(|a| a.is_some() && !people.iter().any(|(id, _)| id == a))
            .collect();
        others.sort();
        others.dedup();
        for a in others.into_iter().flatten() {
            let name = data
                .user(a)
                .await
                .map(|u| u.display_name)
                .unwrap_or_else(|_| format!("User {a}"));
            people.push((Some(a), name));
        }
        people.push((None, "Nobody (unassigned)".into()));
    }
    let workload = people
        .into_iter()
        .map(|(id, name)| {
            let open_n = open
                .iter()
                .filter(|c| c.assignee_id == id)
                .map(|c| c.n)
                .sum();
            let new_n = opened_by
                .iter()
                .find(|(a, _)| *a == id)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            let overdue_n = overdue
                .iter()
                .find(|(a, _)| *a == id)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            let (open_link, new_link, tasks_link) = match id {
                Some(a) => (
                    Link::new("/cases")
                        .with("view", "active")
                        .with("assignee_id", a),
                    Link::new("/cases").with("assignee_id", a),
                    Link::new("/tasks").with("state", "overdue").with(
                        "whose",
                        if a == actor.user_id {
                            "mine".to_owned()
                        } else {
                            a.to_string()
                        },
                    ),
                ),
                None => (
                    Link::new("/cases").with("view", "unassigned"),
                    Link::new("/cases").with("unassigned", "true"),
                    Link::new("/tasks")
                        .with("state", "overdue")
                        .with("whose", "unassigned"),
                ),
            };
            Load {
                person_id: id,
                name,
                open: figure("Open cases", open_n, open_link.done()),
                new_this_week: figure(
                    "New this week",
                    new_n,
                    new_link
                        .with("opened_from", s_from)
                        .with("opened_before", s_to)
                        .done(),
                ),
                overdue_tasks: figure("Overdue tasks", overdue_n, tasks_link.done()),
            }
        })
        .filter(|l| l.person_id.is_some() || l.open.n + l.new_this_week.n + l.overdue_tasks.n > 0)
        .collect();
    Ok((workload, ages))
}

/// A flag as shown, its day in the office's time zone.
pub(crate) fn flag_of(x: casework_store::CaseFlag, tz: &jiff::tz::TimeZone) -> Flag {
    Flag {
        case_id: x.case_id,
        case_reference: x.case_reference,
        case_title: x.case_title,
        summary: x.summary,
        flagged_by: x.flagged_by_name,
        flagged_on: iso_day(crate::trends::local_day(tz, x.flagged_at)),
    }
}

/// Most this week first, then most before, then by name.
fn sort_rows(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        b.n.cmp(&a.n)
            .then(b.average.total_cmp(&a.average))
            .then(a.value.cmp(&b.value))
    });
}

/// A query value written into an address.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The agencies slowest to reply to enquiries sent in [from, until).
async fn slowest(app: &App, actor: &Actor, from: &str, until: &str) -> AppResult<Vec<SlowAgency>> {
    let data = app.data_for(actor);
    let days = data.agency_reply_days(from, until).await?;
    let mut per: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
    for (agency, d) in days {
        per.entry(agency).or_default().push(d);
    }
    let mut rows: Vec<(i64, f64, i64)> = per
        .into_iter()
        .map(|(agency, d)| {
            let m = median_days(d.iter().map(|x| x * DAY_MS).collect());
            (agency, m.days.unwrap_or(0.0), m.cases)
        })
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)));
    rows.truncate(SLOWEST);
    let mut out = Vec::new();
    for (agency, median, answered) in rows {
        let name = match data.agency(agency).await {
            Ok(a) => a.name,
            Err(_) => format!("Agency {agency}"),
        };
        out.push(SlowAgency {
            agency_id: agency,
            name,
            median_days: median,
            answered: figure(
                "Enquiries answered",
                answered,
                Link::new("/enquiries")
                    .with("agency_id", agency)
                    .with("from", from)
                    .with("until", until)
                    .with("state", "answered")
                    .done(),
            ),
        });
    }
    Ok(out)
}

/// A recorded review's actions, with whether each task was done.
pub async fn actions(app: &App, actor: &Actor, review_id: i64) -> AppResult<Vec<ActionView>> {
    Ok(app
        .data_for(actor)
        .review_actions(review_id)
        .await?
        .into_iter()
        .map(|a| ActionView {
            case_id: a.case_id,
            case_reference: a.case_reference,
            case_title: a.case_title,
            kind: a.kind,
            note: a.note,
            task_id: a.task_id,
            task_title: a.task_title,
            assignee: a.assignee_name,
            due_on: a.due_on,
            done: a.done_at.is_some(),
        })
        .collect())
}
