//! The weekly review: the week's figures in one page (charts with their
//! tables, every number a link to its list, each table as CSV), the form
//! that records the meeting, past reviews, the office's first day of the
//! week, and raising a case with the representative.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::AppError;
use casework_app::briefing::{self, Briefing};
use casework_app::domain::{FieldErrors, Permission};
use casework_app::review::{self, Review, ReviewQuery};
use casework_app::review_meeting::{self, ActionInput, RecordInput, Recorded, RecordedReview};
use serde::Deserialize;

use crate::chart::{Series, bar_chart, line_chart};
use crate::download::{csv_download, made_download};
use crate::error::{PageResult, refused, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::layout::{Nav, nav, notice, pair, see};
use crate::state::AppState;

/// Empty action rows the form offers.
const ACTION_ROWS: usize = 5;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/review", get(review_page).post(review_record))
        .route("/review.csv", get(review_csv))
        .route("/review/settings", post(settings_save))
        .route("/reviews", get(history_page))
        .route("/reviews/{id}", get(recorded_page))
        .route("/cases/{id}/flag", post(flag_case))
        .route("/review/briefing", get(live_briefing_page))
        .route("/review/briefing.pdf", get(live_briefing_pdf))
        .route("/reviews/{id}/briefing", get(briefing_page))
        .route("/reviews/{id}/briefing.pdf", get(briefing_pdf))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct PageReviewQuery {
    week: String,
    person_id: String,
    notice: Option<String>,
}

impl PageReviewQuery {
    fn app(&self) -> Result<ReviewQuery, AppError> {
        Ok(ReviewQuery {
            week: self.week.clone(),
            person_id: person_of(&self.person_id)?,
        })
    }
}

/// Whose review a form or address names: nobody's (the office's) when
/// empty; anything but a number is refused, naming the field.
fn person_of(text: &str) -> Result<Option<i64>, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| AppError::field("person_id", "Choose whose review from the list."))
}

/// One action row of the form, as typed.
#[derive(Clone, Default)]
struct ActionRow {
    case: String,
    kind: String,
    assignee: String,
    due: String,
    note: String,
}

/// The record form, as typed.
#[derive(Clone, Default)]
struct RecordForm {
    attendees: Vec<String>,
    others: String,
    decisions: String,
    actions: Vec<ActionRow>,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    r: Review,
    /// `&person_id=…` for links to other weeks, or empty.
    person_query: String,
    person_value: String,
    /// Whose review to show (for those who review the office).
    people: Vec<(String, String)>,
    chart_in: String,
    chart_ages: String,
    csv: Option<String>,
    staff: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    form: RecordForm,
    errors: FieldErrors,
    can_settings: bool,
    weekdays: Vec<(String, String)>,
}

/// The charts of a review: mail and cases per week, open cases by age.
fn charts(r: &Review) -> (String, String) {
    let labels: Vec<String> = r.came_in.weeks.iter().map(|w| w.label.clone()).collect();
    let cases: Vec<i64> = r.came_in.weeks.iter().map(|w| w.cases).collect();
    let mail: Vec<i64> = r.came_in.weeks.iter().map(|w| w.mail).collect();
    let campaign: Vec<i64> = r.came_in.weeks.iter().map(|w| w.campaign).collect();
    let mut series = vec![
        Series {
            name: "New cases",
            values: &cases,
        },
        Series {
            name: "Mail in (not campaigns)",
            values: &mail,
        },
    ];
    if r.person_id.is_none() {
        series.push(Series {
            name: "Campaign mail",
            values: &campaign,
        });
    }
    let chart_in = line_chart(
        "review-in",
        "What came in each week",
        "New cases and mail in each of the last five weeks, this week last.",
        &labels,
        &series,
    );
    let ages: Vec<(String, i64)> = r.ages.iter().map(|f| (f.label.clone(), f.n)).collect();
    let chart_ages = bar_chart(
        "review-ages",
        "Open cases by age",
        "How many open cases have been open for how long.",
        &ages,
    );
    (chart_in, chart_ages)
}

fn person_query(r: &Review) -> (String, String) {
    match r.person_id {
        Some(p) => (format!("&person_id={p}"), p.to_string()),
        None => (String::new(), String::new()),
    }
}

async fn review_view(
    s: &AppState,
    who: &PageActor,
    q: &PageReviewQuery,
    form: RecordForm,
    errors: FieldErrors,
) -> Result<ReviewPage, crate::error::PageError> {
    let r = review::review(&s.app, &who.actor, &q.app()?).await?;
    let (chart_in, chart_ages) = charts(&r);
    let (person_query, person_value) = person_query(&r);
    let staff: Vec<(String, String)> = casework_app::staff::list_users(&s.app, &who.actor)
        .await?
        .into_iter()
        .filter(|u| u.active)
        .map(|u| (u.id.to_string(), u.display_name))
        .collect();
    let reviews_office = who.actor.can(Permission::RunReview);
    let people = if reviews_office {
        casework_app::staff::list_users(&s.app, &who.actor)
            .await?
            .into_iter()
            .filter(|u| u.active && u.role.can_hold_cases())
            .map(|u| (u.id.to_string(), u.display_name))
            .collect()
    } else {
        Vec::new()
    };
    let mut form = form;
    if form.actions.len() < ACTION_ROWS {
        form.actions.resize(ACTION_ROWS, ActionRow::default());
    }
    Ok(ReviewPage {
        nav: nav(who, "review"),
        notice: notice(&q.notice),
        csrf: who.csrf.clone(),
        csv: Some(format!("week={}{person_query}", r.week.from)),
        person_query,
        person_value,
        people,
        chart_in,
        chart_ages,
        staff,
        kinds: review_meeting::ACTION_KINDS
            .iter()
            .map(|(k, _)| pair(k, kind_label(k)))
            .collect(),
        form,
        errors,
        can_settings: reviews_office,
        weekdays: casework_app::review_week::weekdays()
            .into_iter()
            .map(|(n, d)| (n.to_string(), d.to_owned()))
            .collect(),
        r,
    })
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "reassign" => "Reassign",
        "escalate" => "Escalate",
        "review_date" => "Set a review date",
        "raise" => "Raise with the representative",
        _ => "Follow up",
    }
}

async fn review_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<PageReviewQuery>,
) -> PageResult {
    let page = review_view(&s, &who, &q, RecordForm::default(), FieldErrors::new()).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsvQuery {
    week: String,
    person_id: String,
    table: String,
}

async fn review_csv(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<CsvQuery>,
) -> PageResult {
    let r = review::review(
        &s.app,
        &who.actor,
        &ReviewQuery {
            week: q.week.clone(),
            person_id: person_of(&q.person_id)?,
        },
    )
    .await?;
    let bytes = casework_app::review_csv::to_csv(&r, &q.table)?;
    Ok(csv_download(
        &format!("review-{}-{}.csv", r.week.from, q.table),
        bytes,
    ))
}

/// The record form's fields, from the posted pairs.
fn record_input(pairs: &[(String, String)]) -> Result<(RecordInput, RecordForm), AppError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let attendees: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "attendee")
        .map(|(_, v)| v.clone())
        .collect();
    let others = get("others");
    let mut form = RecordForm {
        attendees: attendees.clone(),
        others: others.clone(),
        decisions: get("decisions"),
        actions: Vec::new(),
    };
    let mut input = RecordInput {
        week: get("week"),
        person_id: person_of(&get("person_id"))?,
        attendees,
        decisions: form.decisions.clone(),
        actions: Vec::new(),
    };
    input.attendees.extend(others.lines().map(str::to_owned));
    for i in 0..ACTION_ROWS {
        let row = ActionRow {
            case: get(&format!("case_{i}")),
            kind: get(&format!("kind_{i}")),
            assignee: get(&format!("assignee_{i}")),
            due: get(&format!("due_{i}")),
            note: get(&format!("note_{i}")),
        };
        // A row with no case and no note is left out (its kind has a default).
        let empty = row.case.trim().is_empty() && row.note.trim().is_empty();
        input.actions.push(ActionInput {
            case: row.case.clone(),
            kind: if empty {
                String::new()
            } else {
                row.kind.clone()
            },
            note: row.note.clone(),
            assignee_id: row.assignee.trim().parse().ok(),
            due_on: if empty {
                String::new()
            } else {
                row.due.clone()
            },
        });
        form.actions.push(row);
    }
    Ok((input, form))
}

async fn review_record(
    State(s): State<AppState>,
    form: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let (input, typed) = record_input(&form.data)?;
    match review_meeting::record(&s.app, &form.who.actor, &input).await {
        Ok(id) => Ok(see(format!("/reviews/{id}?notice=review_recorded"))),
        Err(AppError::Invalid(errors)) => {
            let q = PageReviewQuery {
                week: input.week.clone(),
                person_id: input.person_id.map(|p| p.to_string()).unwrap_or_default(),
                notice: None,
            };
            let page = review_view(&s, &form.who, &q, typed, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SettingsForm {
    week_starts: String,
    briefing_day: String,
}

async fn settings_save(State(s): State<AppState>, form: CsrfForm<SettingsForm>) -> PageResult {
    review_meeting::set_review_settings(
        &s.app,
        &form.who.actor,
        form.data.week_starts.trim().parse().ok(),
        form.data.briefing_day.trim().parse().ok(),
    )
    .await?;
    Ok(see("/review?notice=saved".to_owned()))
}

#[derive(Template)]
#[template(path = "briefing.html")]
struct BriefingPage {
    nav: Option<Nav>,
    notice: Option<String>,
    b: Briefing,
    pdf: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WeekQuery {
    week: String,
}

async fn show_briefing(s: &AppState, who: &PageActor, id: Option<i64>, week: &str) -> PageResult {
    let b = briefing::briefing(&s.app, &who.actor, id, week).await?;
    let pdf = match id {
        Some(id) => format!("/reviews/{id}/briefing.pdf"),
        None => format!("/review/briefing.pdf?week={}", b.week_from),
    };
    let page = BriefingPage {
        nav: nav(who, "review"),
        notice: None,
        b,
        pdf,
    };
    Ok(render(&page)?.into_response())
}

async fn live_briefing_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<WeekQuery>,
) -> PageResult {
    show_briefing(&s, &who, None, &q.week).await
}

async fn briefing_page(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    show_briefing(&s, &who, Some(id), "").await
}

async fn live_briefing_pdf(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<WeekQuery>,
) -> PageResult {
    let (name, pdf) = briefing::pdf(&s.app, &who.actor, None, &q.week).await?;
    Ok(made_download("application/pdf", &name, pdf))
}

async fn briefing_pdf(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    let (name, pdf) = briefing::pdf(&s.app, &who.actor, Some(id), "").await?;
    Ok(made_download("application/pdf", &name, pdf))
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct HistoryPage {
    nav: Option<Nav>,
    notice: Option<String>,
    /// Each review with whose it is, in words.
    rows: Vec<(Recorded, String)>,
}

async fn history_page(State(s): State<AppState>, who: PageActor) -> PageResult {
    let list = review_meeting::history(&s.app, &who.actor).await?;
    let names: Vec<(i64, String)> = casework_app::staff::list_users(&s.app, &who.actor)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let rows = list
        .into_iter()
        .map(|r| {
            let whose = match r.person_id {
                None => "The office".to_owned(),
                Some(p) => names
                    .iter()
                    .find(|(id, _)| *id == p)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_else(|| format!("User {p}")),
            };
            (r, whose)
        })
        .collect();
    let page = HistoryPage {
        nav: nav(&who, "review"),
        notice: None,
        rows,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "reviews_one.html")]
struct RecordedPage {
    nav: Option<Nav>,
    notice: Option<String>,
    rec: RecordedReview,
    figures: Option<Review>,
    person_query: String,
    chart_in: String,
    chart_ages: String,
    csv: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn recorded_page(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult {
    let mut rec = review_meeting::recorded(&s.app, &who.actor, id).await?;
    let figures = rec.figures.take();
    let (chart_in, chart_ages) = figures.as_ref().map(charts).unwrap_or_default();
    let page = RecordedPage {
        nav: nav(&who, "review"),
        notice: notice(&q.notice),
        person_query: rec
            .review
            .person_id
            .map(|p| format!("&person_id={p}"))
            .unwrap_or_default(),
        rec,
        figures,
        chart_in,
        chart_ages,
        csv: None,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FlagForm {
    summary: String,
}

async fn flag_case(State(s): State<AppState>, Id(id): Id, form: CsrfForm<FlagForm>) -> PageResult {
    match review_meeting::flag(&s.app, &form.who.actor, id, &form.data.summary).await {
        Ok(_) => Ok(see(format!("/cases/{id}?notice=flagged#flags-h"))),
        Err(e) => super::cases::case_with_errors(&s, &form.who, id, e).await,
    }
}
