//! "My day", the home page: one's tasks overdue, due today and this
//! week, adding and changing tasks, the daily digest's opt-out, and the
//! calendar feed.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use casework_app::AppError;
use casework_app::domain::{FieldErrors, Permission};
use casework_app::tasks::{self, TaskInput, TaskUpdate, Whose};
use casework_app::views::Task;
use serde::Deserialize;

use crate::error::{PageError, PageResult, refused, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::layout::{Nav, nav, notice, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(my_day))
        .route("/tasks", get(overdue_page).post(task_add))
        .route("/tasks/{id}", post(task_change))
        .route("/digest", post(digest_set))
        .route("/calendar", get(calendar_page).post(calendar_create))
        .route("/calendar/revoke", post(calendar_revoke))
        .route("/calendar/{file}", get(calendar_feed))
}

// ----- my day -----

/// A task as lists show it.
pub(crate) struct TaskRow {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub case_id: Option<i64>,
    pub case_label: String,
    pub enquiry_id: Option<i64>,
    pub assignee: String,
    pub due_on: String,
    pub snoozed: String,
    pub note: String,
    pub done: bool,
    pub version: i64,
}

pub(crate) fn task_row(t: Task) -> TaskRow {
    TaskRow {
        kind: match t.kind.as_str() {
            "chase" => "Chase-up",
            "escalate" => "Escalation",
            "review" => "Review",
            "quiet" => "Update due",
            _ => "Task",
        },
        case_label: match (&t.case_reference, &t.case_title) {
            (Some(r), Some(title)) => format!("{r} {title}"),
            _ => String::new(),
        },
        assignee: t.assignee_name.unwrap_or_else(|| "Nobody yet".into()),
        id: t.id,
        title: t.title,
        case_id: t.case_id,
        enquiry_id: t.enquiry_id,
        due_on: crate::fmt::day_label(&t.due_on),
        snoozed: t.snoozed,
        note: t.note,
        done: t.done_at.is_some(),
        version: t.version,
    }
}

#[derive(Template)]
#[template(path = "my_day.html")]
struct DayPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    today: String,
    heading: String,
    whose: String,
    oversee: bool,
    people: Vec<(String, String)>,
    overdue: Vec<TaskRow>,
    due_today: Vec<TaskRow>,
    this_week: Vec<TaskRow>,
    /// How many each list has ("1,000 or more" past the cap), and how many
    /// of each are shown.
    counts: [String; 3],
    shown: i64,
    more: bool,
    digest: bool,
    f: TaskForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DayQuery {
    notice: Option<String>,
    /// `everyone`, `unassigned` or a user's id (office managers).
    whose: String,
    /// The overdue list's next page.
    cursor: String,
}

fn whose_of(text: &str, actor: &casework_app::Actor) -> Whose {
    match text {
        "everyone" => Whose::Everyone,
        "unassigned" => Whose::Unassigned,
        "" | "mine" => Whose::Mine,
        id => match id.parse::<i64>() {
            Ok(i) if i == actor.user_id => Whose::Mine,
            Ok(i) => Whose::Person(i),
            Err(_) => Whose::Mine,
        },
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct TaskForm {
    title: String,
    note: String,
    due_on: String,
    assignee_id: String,
    case_id: String,
    back: String,
}

async fn day_view(
    s: &AppState,
    who: &PageActor,
    whose_text: &str,
    f: TaskForm,
    errors: FieldErrors,
) -> Result<DayPage, PageError> {
    let whose = whose_of(whose_text, &who.actor);
    let day = tasks::day(&s.app, &who.actor, whose).await?;
    let oversee = who.actor.can(Permission::OverseeTasks);
    let staff = casework_app::staff::list_users(&s.app, &who.actor)
        .await
        .unwrap_or_default();
    let heading = match whose {
        Whose::Mine => "My day".to_owned(),
        Whose::Everyone => "Everyone's day".to_owned(),
        Whose::Unassigned => "Tasks nobody has".to_owned(),
        Whose::Person(p) => staff.iter().find(|m| m.id == p).map_or_else(
            || "Their day".to_owned(),
            |m| format!("{}'s day", m.display_name),
        ),
    };
    Ok(DayPage {
        nav: nav(who, "home"),
        notice: None,
        csrf: who.csrf.clone(),
        today: day.today,
        heading,
        whose: whose_text.to_owned(),
        oversee,
        people: staff
            .iter()
            .filter(|m| m.active)
            .map(|m| (m.id.to_string(), m.display_name.clone()))
            .collect(),
        overdue: day.overdue.into_iter().map(task_row).collect(),
        due_today: day.due_today.into_iter().map(task_row).collect(),
        this_week: day.this_week.into_iter().map(task_row).collect(),
        counts: day.counts.map(|n| {
            if n >= tasks::COUNT_CAP {
                format!("{n} or more")
            } else {
                n.to_string()
            }
        }),
        shown: tasks::DAY_SHOWN,
        more: day.counts.iter().any(|n| *n > tasks::DAY_SHOWN),
        digest: tasks::digest_enabled(&s.app, &who.actor).await?,
        f,
        errors,
    })
}

async fn my_day(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<DayQuery>,
) -> PageResult {
    let mut page = day_view(&s, &who, &q.whose, TaskForm::default(), FieldErrors::new()).await?;
    page.notice = notice(&q.notice);
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct OverduePage {
    nav: Option<Nav>,
    notice: Option<String>,
    heading: String,
    rows: Vec<TaskRow>,
    /// The next page's address, if there is one.
    next: Option<String>,
    first_page: bool,
}

/// Every open task overdue of one person (or nobody, or everyone): the list
/// behind the weekly review's counts.
async fn overdue_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<DayQuery>,
) -> PageResult {
    let whose = whose_of(&q.whose, &who.actor);
    let heading = match whose {
        tasks::Whose::Mine => "My overdue tasks".to_owned(),
        tasks::Whose::Unassigned => "Overdue tasks nobody has".to_owned(),
        tasks::Whose::Everyone => "Everyone's overdue tasks".to_owned(),
        tasks::Whose::Person(p) => {
            let name = casework_app::staff::list_users(&s.app, &who.actor)
                .await?
                .into_iter()
                .find(|u| u.id == p)
                .map(|u| u.display_name)
                .unwrap_or_else(|| format!("User {p}"));
            format!("Overdue tasks of {name}")
        }
    };
    let list = tasks::overdue(&s.app, &who.actor, whose, Some(&q.cursor)).await?;
    let next = list.next.map(|c| {
        let cursor = c.encode();
        let kept: Vec<(&str, &str)> = [
            ("state", "overdue"),
            ("whose", q.whose.trim()),
            ("cursor", &cursor),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        format!(
            "/tasks?{}",
            serde_urlencoded::to_string(kept).unwrap_or_default()
        )
    });
    let page = OverduePage {
        nav: nav(&who, "home"),
        notice: None,
        heading,
        first_page: q.cursor.trim().is_empty(),
        next,
        rows: list.items.into_iter().map(task_row).collect(),
    };
    Ok(render(&page)?.into_response())
}

fn task_input(f: &TaskForm) -> TaskInput {
    TaskInput {
        title: f.title.clone(),
        note: f.note.clone(),
        case_id: f.case_id.trim().parse().ok(),
        assignee_id: f.assignee_id.trim().parse().ok(),
        due_on: f.due_on.clone(),
    }
}

async fn task_add(State(s): State<AppState>, form: CsrfForm<TaskForm>) -> PageResult {
    let f = &form.data;
    match tasks::create(&s.app, &form.who.actor, &task_input(f)).await {
        Ok(_) => Ok(see(with_notice(
            &super::auth::safe_next(&f.back),
            "task_added",
        ))),
        Err(AppError::Invalid(errors)) => {
            let page = day_view(&s, &form.who, "", form.data.clone(), errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

fn with_notice(path: &str, code: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}notice={code}")
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct TaskChangeForm {
    action: String,
    until: String,
    reason: String,
    assignee_id: String,
    version: String,
    back: String,
}

async fn task_change(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<TaskChangeForm>,
) -> PageResult {
    let f = &form.data;
    let u = TaskUpdate {
        action: f.action.clone(),
        until: f.until.clone(),
        reason: f.reason.clone(),
        assignee_id: f.assignee_id.trim().parse().ok(),
        version: f.version.trim().parse().ok(),
    };
    let to = super::auth::safe_next(&f.back);
    match tasks::change(&s.app, &form.who.actor, id, &u).await {
        Ok(()) => Ok(see(with_notice(&to, "task_changed"))),
        Err(AppError::Invalid(errors)) => {
            // Shown on the day page, with the message of each field.
            let page = day_view(&s, &form.who, "", TaskForm::default(), errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DigestForm {
    digest: String,
}

async fn digest_set(State(s): State<AppState>, form: CsrfForm<DigestForm>) -> PageResult {
    let on = form.data.digest == "on";
    tasks::set_digest(&s.app, &form.who.actor, on).await?;
    Ok(see(format!(
        "/?notice={}",
        if on { "digest_on" } else { "digest_off" }
    )))
}

// ----- calendar feed -----

/// The address the browser used, for showing full links (the scheme from
/// a proxy's X-Forwarded-Proto, else http).
pub(crate) fn origin(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    since: Option<String>,
    /// The new address, shown once.
    url: Option<String>,
}

async fn calendar_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<crate::layout::NoticeQuery>,
) -> PageResult {
    let since = casework_app::calendar::feed_since(&s.app, &who.actor).await?;
    Ok(render(&CalendarPage {
        nav: nav(&who, "home"),
        notice: notice(&q.notice),
        csrf: who.csrf.clone(),
        since: since.map(crate::fmt::day),
        url: None,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoFields {}

async fn calendar_create(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    form: CsrfForm<NoFields>,
) -> PageResult {
    let path = casework_app::calendar::create_feed(&s.app, &form.who.actor).await?;
    let since = casework_app::calendar::feed_since(&s.app, &form.who.actor).await?;
    Ok(render(&CalendarPage {
        nav: nav(&form.who, "home"),
        notice: Some("Your calendar address is made. Copy it now: it is shown only once.".into()),
        csrf: form.who.csrf.clone(),
        since: since.map(crate::fmt::day),
        url: Some(format!("{}{path}", origin(&headers))),
    })?
    .into_response())
}

async fn calendar_revoke(State(s): State<AppState>, form: CsrfForm<NoFields>) -> PageResult {
    casework_app::calendar::revoke_feed(&s.app, &form.who.actor).await?;
    Ok(see("/calendar?notice=calendar_revoked".into()))
}

/// The feed itself: no sign-in, the secret address is the key.
async fn calendar_feed(
    State(s): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    let token = file.strip_suffix(".ics").unwrap_or("");
    match casework_app::calendar::feed(&s.app, token).await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            text,
        )
            .into_response(),
        Err(AppError::NotFound) => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "This calendar address is not valid (it may have been revoked).\n",
        )
            .into_response(),
        Err(e) => crate::error::PageError(e).into_response(),
    }
}
