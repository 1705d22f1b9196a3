//! The review meeting: recording a week's review with its actions (each a
//! task on its case), reading past reviews, raising a case with the
//! representative, and the day the office's weeks start.

use casework_domain::dates::{add_days, day_of, iso_day};
use casework_domain::{FieldErrors, Permission};
use serde::{Deserialize, Serialize};

use crate::review::{ActionView, Review, ReviewQuery, actions, review, whose};
use crate::review_week::pick_week;
use crate::trends::office_zone;
use crate::{Actor, App, AppError, AppResult, check};

/// The kinds of action a review decides on a case, with their task's title.
pub const ACTION_KINDS: &[(&str, &str)] = &[
    ("follow_up", "Follow up"),
    ("reassign", "Reassign"),
    ("escalate", "Escalate"),
    ("review_date", "Set a review date for"),
    ("raise", "Raise with the representative:"),
];

/// An action decided at the review: a task on the case.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ActionInput {
    /// The case's reference (or its id).
    pub case: String,
    /// `follow_up`, `reassign`, `escalate`, `review_date` or `raise`.
    pub kind: String,
    pub note: String,
    /// Who does it; default the case's caseworker (or the recorder).
    pub assignee_id: Option<i64>,
    /// `YYYY-MM-DD`; default a week from today.
    pub due_on: String,
}

/// A review to record.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RecordInput {
    /// Any day of the week reviewed; default the last whole week.
    pub week: String,
    /// A caseworker's own review; none for the office's.
    pub person_id: Option<i64>,
    /// Who attended, one name each.
    pub attendees: Vec<String>,
    /// What was decided.
    pub decisions: String,
    pub actions: Vec<ActionInput>,
}

/// A recorded review.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub id: i64,
    /// The week's first day, `YYYY-MM-DD`.
    pub week: String,
    pub person_id: Option<i64>,
    pub attendees: Vec<String>,
    pub decisions: String,
    pub recorded_by: String,
    /// `YYYY-MM-DD`.
    pub recorded_on: String,
    pub actions_total: i64,
    pub actions_done: i64,
}

/// A recorded review with its actions and the figures as they stood.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecordedReview {
    #[serde(flatten)]
    pub review: Recorded,
    pub actions: Vec<ActionView>,
    /// The figures when it was recorded.
    pub figures: Option<Review>,
}

fn recorded_of(r: casework_store::ReviewRow, tz: &jiff::tz::TimeZone) -> Recorded {
    Recorded {
        id: r.id,
        week: r.week_start,
        person_id: r.person_id,
        attendees: r
            .attendees
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        decisions: r.decisions,
        recorded_by: r.recorded_by_name,
        recorded_on: iso_day(crate::trends::local_day(tz, r.recorded_at)),
        actions_total: r.actions,
        actions_done: r.done,
    }
}

/// Records the review of a week with its actions, each a task on its case
/// (all or nothing), keeping the figures as they stand.
pub async fn record(app: &App, actor: &Actor, input: &RecordInput) -> AppResult<i64> {
    let person = whose(app, actor, input.person_id).await?;
    let p = person.as_ref().map(|(id, _)| *id);
    let mut e = FieldErrors::new();
    let today_text = app.today(actor.office_id).await?;
    let today = day_of(&today_text);
    let (starts, _) = app.store.office_review_settings(actor.office_id).await?;
    let week = pick_week(&mut e, &input.week, today, starts);
    let mut attendees = Vec::new();
    if input.attendees.len() > 50 {
        e.add("attendees", "List at most 50 people.");
    }
    for a in &input.attendees {
        let a = a.trim();
        if a.is_empty() {
            continue;
        }
        if a.chars().count() > 100 || a.contains(['\n', '\r']) {
            e.add(
                "attendees",
                "Write each person's name on its own, in at most 100 characters.",
            );
            break;
        }
        attendees.push(a.to_owned());
    }
    let decisions = e.optional("decisions", "What was decided", &input.decisions, 10_000);
    if input.actions.len() > 100 {
        e.add("actions", "Record at most 100 actions at once.");
    }
    let data = app.data_for(actor);
    let mut actions = Vec::new();
    for (i, a) in input.actions.iter().enumerate() {
        let field = format!("actions[{i}]");
        let case = a.case.trim();
        if case.is_empty() && a.note.trim().is_empty() && a.kind.trim().is_empty() {
            continue;
        }
        let found = if case.is_empty() {
            None
        } else {
            match data.case_by_reference(case).await {
                Ok(c) => Some(c),
                Err(casework_store::Error::NotFound) => match case.parse::<i64>() {
                    Ok(id) => crate::cases::get(app, actor, id).await.ok(),
                    Err(_) => None,
                },
                Err(other) => return Err(other.into()),
            }
        };
        let Some(c) = found else {
            e.add(
                &format!("{field}.case"),
                if case.is_empty() {
                    format!("Action {}: give the case's reference.", i + 1)
                } else {
                    format!("Action {}: there is no case {case:?} you may see.", i + 1)
                },
            );
            continue;
        };
        let Some((kind, verb)) = ACTION_KINDS.iter().find(|(k, _)| *k == a.kind.trim()) else {
            e.add(
                &format!("{field}.kind"),
                format!("Action {}: choose follow up, reassign, escalate, set a review date or raise with the representative.", i + 1),
            );
            continue;
        };
        let note = e.optional(
            &format!("{field}.note"),
            &format!("Action {}'s note", i + 1),
            &a.note,
            1000,
        );
        let due_on = e
            .date(
                &format!("{field}.due_on"),
                &format!("Action {}'s due date", i + 1),
                &a.due_on,
            )
            .unwrap_or_else(|| add_days(&today_text, 7));
        let assignee = a.assignee_id.or(c.assignee_id).unwrap_or(actor.user_id);
        let mut ae = FieldErrors::new();
        // The review decides who does what: anyone who may see the case.
        crate::tasks::assignee_may_see(app, actor, &mut ae, assignee, Some(c.id)).await?;
        for (_, msg) in ae.0.iter() {
            e.add(
                &format!("{field}.assignee_id"),
                format!("Action {}: {msg}", i + 1),
            );
        }
        let mut title = format!("{verb} {}", c.reference);
        if !note.is_empty() {
            title = format!("{title}: {}", note.lines().next().unwrap_or(""));
        }
        let title: String = title.chars().take(300).collect();
        actions.push(casework_store::NewReviewAction {
            case_id: c.id,
            kind: (*kind).to_owned(),
            title,
            note,
            assignee_id: Some(assignee),
            due_on,
        });
    }
    check(e)?;
    let figures = review(
        app,
        actor,
        &ReviewQuery {
            week: iso_day(week),
            person_id: p,
        },
    )
    .await?;
    let figures = serde_json::to_string(&figures).map_err(|e| AppError::Internal(e.to_string()))?;
    let id = data
        .record_review(
            &casework_store::NewReview {
                week_start: iso_day(week),
                person_id: p,
                attendees: attendees.join("\n"),
                decisions,
                figures,
                by: actor.user_id,
                actions,
            },
            app.now(),
        )
        .await?;
    tracing::info!(office = actor.office_id, review = id, "review recorded");
    Ok(id)
}

/// Whether the reader may read a review of `person` (none: the office's).
fn may_read(actor: &Actor, person: Option<i64>) -> bool {
    actor.can(Permission::RunReview)
        || (person == Some(actor.user_id) && actor.can(Permission::SeeReview))
}

/// The reviews recorded that the reader may read, newest week first.
pub async fn history(app: &App, actor: &Actor) -> AppResult<Vec<Recorded>> {
    let whose = if actor.can(Permission::RunReview) {
        None
    } else {
        actor.require(Permission::SeeReview)?;
        Some(Some(actor.user_id))
    };
    let tz = office_zone(app, actor.office_id).await?;
    Ok(app
        .data_for(actor)
        .reviews(whose, 200)
        .await?
        .into_iter()
        .map(|r| recorded_of(r, &tz))
        .collect())
}

/// One recorded review. Its figures as recorded are shown to those who see
/// every case and to whoever recorded it (a narrower reader gets none: the
/// figures as they are now are theirs to open); cases raised and actions
/// on cases the reader may not see (now) are left out.
pub async fn recorded(app: &App, actor: &Actor, id: i64) -> AppResult<RecordedReview> {
    let (row, mut figures) = read(app, actor, id).await?;
    if let Some(f) = figures.as_mut() {
        let mut flagged = Vec::new();
        for x in std::mem::take(&mut f.flagged) {
            if visible(app, actor, x.case_id).await? {
                flagged.push(x);
            }
        }
        f.flagged = flagged;
        let mut last = Vec::new();
        for x in std::mem::take(&mut f.last_actions) {
            if visible(app, actor, x.case_id).await? {
                last.push(x);
            }
        }
        f.last_actions = last;
    }
    let tz = office_zone(app, actor.office_id).await?;
    Ok(RecordedReview {
        actions: actions(app, actor, id).await?,
        review: recorded_of(row, &tz),
        figures,
    })
}

/// A recorded review the reader may read, with its figures as recorded
/// when the reader sees every case or recorded it (as stored: the caller
/// leaves out what the reader may not see now).
pub(crate) async fn read(
    app: &App,
    actor: &Actor,
    id: i64,
) -> AppResult<(casework_store::ReviewRow, Option<Review>)> {
    let row = app.data_for(actor).review(id).await?;
    if !may_read(actor, row.person_id) {
        return Err(AppError::NotFound);
    }
    let sees_all = actor.scope().visibility == casework_store::CaseVisibility::All;
    let figures = if sees_all || row.recorded_by == actor.user_id {
        serde_json::from_str(&row.figures).ok()
    } else {
        None
    };
    Ok((row, figures))
}

/// Whether the reader may open this case now.
pub(crate) async fn visible(app: &App, actor: &Actor, case_id: i64) -> AppResult<bool> {
    match crate::cases::get(app, actor, case_id).await {
        Ok(_) => Ok(true),
        Err(AppError::NotFound) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Raises a case with the representative, with one line for the briefing.
pub async fn flag(app: &App, actor: &Actor, case_id: i64, summary: &str) -> AppResult<i64> {
    actor.require(Permission::EditCases)?;
    crate::cases::get(app, actor, case_id).await?;
    let mut e = FieldErrors::new();
    let summary = e.required("summary", "The line for the representative", summary, 300);
    if summary.contains(['\n', '\r']) {
        e.add("summary", "Keep it to one line.");
    }
    check(e)?;
    Ok(app
        .data_for(actor)
        .flag_case(case_id, &summary, actor.user_id, app.now())
        .await?)
}

/// The times a case was raised with the representative, newest first.
pub async fn case_flags(
    app: &App,
    actor: &Actor,
    case_id: i64,
) -> AppResult<Vec<crate::review::Flag>> {
    let tz = office_zone(app, actor.office_id).await?;
    Ok(app
        .data_for(actor)
        .case_flags(case_id)
        .await?
        .into_iter()
        .map(|x| crate::review::flag_of(x, &tz))
        .collect())
}

/// Sets the day the office's weeks start and the day the briefing is
/// emailed to the representative (1 = Monday … 7 = Sunday; 0: never).
pub async fn set_review_settings(
    app: &App,
    actor: &Actor,
    week_starts: Option<i64>,
    briefing_day: Option<i64>,
) -> AppResult<()> {
    actor.require(Permission::RunReview)?;
    let mut e = FieldErrors::new();
    let week_starts = week_starts.filter(|d| (1..=7).contains(d));
    if week_starts.is_none() {
        e.add("week_starts", "Choose the day the office's week starts.");
    }
    let briefing_day = briefing_day.filter(|d| (0..=7).contains(d));
    if briefing_day.is_none() {
        e.add(
            "briefing_day",
            "Choose the day the briefing is emailed, or never.",
        );
    }
    check(e)?;
    app.store
        .set_office_review_settings(
            actor.office_id,
            week_starts.unwrap_or(1),
            briefing_day.unwrap_or(0),
        )
        .await?;
    Ok(())
}
