//! Tasks and "my day": tasks on a case or on their own, with an assignee
//! and a due date; completed, put off with a reason, or reassigned. Casework
//! makes some itself (chase-ups, escalations, reviews) in the follow-up job.

use casework_domain::{FieldErrors, Permission, dates};
use casework_store::{NewTask, Task, TaskChange, TaskFilter};
use serde::Deserialize;

use crate::{Actor, App, AppError, AppResult, check};

/// A task to add.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TaskInput {
    /// What is to be done, in a line.
    pub title: String,
    pub note: String,
    /// The case it is about (its id), if any.
    pub case_id: Option<i64>,
    /// Who does it (a user's id); default: the writer.
    pub assignee_id: Option<i64>,
    /// When, `YYYY-MM-DD`; default today.
    pub due_on: String,
}

/// A change to a task.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TaskUpdate {
    /// `complete`, `snooze` (with `until` and `reason`), `reassign` (with
    /// `assignee_id`) or `reopen`.
    pub action: String,
    /// Snooze: the new due date, `YYYY-MM-DD`.
    pub until: String,
    /// Snooze: why it is put off.
    pub reason: String,
    /// Reassign: to whom (a user's id).
    pub assignee_id: Option<i64>,
    /// The task's version as read.
    pub version: Option<i64>,
}

/// What "my day" shows: open tasks overdue, due today and due in the next
/// seven days (each list complete; its length is the count shown).
#[derive(Debug, Clone, Default)]
pub struct Day {
    pub today: String,
    pub overdue: Vec<Task>,
    pub due_today: Vec<Task>,
    pub this_week: Vec<Task>,
}

/// Whose tasks to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    Mine,
    /// One person's (office managers).
    Person(i64),
    /// Nobody's yet (office managers).
    Unassigned,
    /// Everyone's (office managers).
    Everyone,
}

/// The most tasks a list holds.
const MOST: i64 = 500;

fn filter_for(actor: &Actor, whose: Whose) -> AppResult<Option<Option<i64>>> {
    if whose != Whose::Mine && !actor.can(Permission::OverseeTasks) {
        return Err(AppError::Forbidden(
            "Only an office manager sees other people's tasks.".into(),
        ));
    }
    Ok(match whose {
        Whose::Mine => Some(Some(actor.user_id)),
        Whose::Person(p) => Some(Some(p)),
        Whose::Unassigned => Some(None),
        Whose::Everyone => None,
    })
}

/// "My day": the open tasks overdue, due today and due this week.
pub async fn day(app: &App, actor: &Actor, whose: Whose) -> AppResult<Day> {
    let assignee = filter_for(actor, whose)?;
    let today = dates::iso_date(app.now());
    let week = dates::add_days(&today, 7);
    let list = app
        .data_for(actor)
        .tasks(&TaskFilter {
            assignee,
            open_only: true,
            due_by: Some(week),
            limit: MOST,
            ..Default::default()
        })
        .await?;
    let mut d = Day {
        today: today.clone(),
        ..Default::default()
    };
    for t in list {
        if t.due_on < today {
            d.overdue.push(t);
        } else if t.due_on == today {
            d.due_today.push(t);
        } else {
            d.this_week.push(t);
        }
    }
    Ok(d)
}

/// Tasks by filter: a person's (or everyone's, office managers), on a case,
/// open only or all.
pub async fn list(
    app: &App,
    actor: &Actor,
    whose: Whose,
    case_id: Option<i64>,
    open_only: bool,
) -> AppResult<Vec<Task>> {
    // On a case, everyone who sees the case sees its tasks.
    let assignee = if case_id.is_some() && whose == Whose::Everyone {
        None
    } else {
        filter_for(actor, whose)?
    };
    if let Some(c) = case_id {
        crate::cases::get(app, actor, c).await?;
    }
    Ok(app
        .data_for(actor)
        .tasks(&TaskFilter {
            assignee,
            case_id,
            open_only,
            due_by: None,
            limit: MOST,
        })
        .await?)
}

/// One task: the reader's own, one on a case they see, or any (office managers).
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<Task> {
    let t = app.data_for(actor).task(id).await?;
    let mine = t.assignee_id == Some(actor.user_id) || t.created_by == Some(actor.user_id);
    if mine || t.case_id.is_some() || actor.can(Permission::OverseeTasks) {
        Ok(t)
    } else {
        Err(AppError::NotFound)
    }
}

/// Checks that a task can go to this person: an active user of the office.
async fn check_assignee(app: &App, actor: &Actor, e: &mut FieldErrors, id: i64) -> AppResult<()> {
    match app.data_for(actor).user(id).await {
        Ok(u) if u.active => {}
        Ok(u) => e.add(
            "assignee_id",
            format!("{} is deactivated: choose someone else.", u.display_name),
        ),
        Err(casework_store::Error::NotFound) => {
            e.add("assignee_id", "Choose someone in this office.")
        }
        Err(other) => return Err(other.into()),
    }
    if id != actor.user_id && !actor.can(Permission::AssignCases) {
        return Err(AppError::Forbidden(
            "Your role may not give tasks to other people.".into(),
        ));
    }
    Ok(())
}

/// Adds a task.
pub async fn create(app: &App, actor: &Actor, input: &TaskInput) -> AppResult<i64> {
    let mut e = FieldErrors::new();
    let title = e.required("title", "What is to be done", &input.title, 300);
    let note = e.optional("note", "The note", &input.note, 5000);
    let today = dates::iso_date(app.now());
    let due_on = e
        .date("due_on", "The due date", &input.due_on)
        .unwrap_or(today);
    let assignee = input.assignee_id.unwrap_or(actor.user_id);
    check_assignee(app, actor, &mut e, assignee).await?;
    if let Some(c) = input.case_id {
        match crate::cases::get(app, actor, c).await {
            Ok(_) => {}
            Err(AppError::NotFound) => e.add("case_id", "There is no such case."),
            Err(other) => return Err(other),
        }
    }
    check(e)?;
    Ok(app
        .data_for(actor)
        .create_task(
            &NewTask {
                case_id: input.case_id,
                title,
                note,
                assignee_id: Some(assignee),
                due_on,
                by: actor.user_id,
            },
            app.now(),
        )
        .await?)
}

/// Completes, puts off, reassigns or reopens a task: the assignee's own,
/// or anyone's for an office manager.
pub async fn change(app: &App, actor: &Actor, id: i64, u: &TaskUpdate) -> AppResult<()> {
    let t = get(app, actor, id).await?;
    let own = t.assignee_id == Some(actor.user_id)
        || t.assignee_id.is_none()
        || t.created_by == Some(actor.user_id);
    if !own && !actor.can(Permission::OverseeTasks) {
        return Err(AppError::Forbidden(
            "This task is someone else's: they or an office manager can change it.".into(),
        ));
    }
    let mut e = FieldErrors::new();
    let today = dates::iso_date(app.now());
    let change = match u.action.as_str() {
        "complete" => {
            if t.done_at.is_some() {
                e.add("action", "This task is already done.");
            }
            TaskChange::Complete { by: actor.user_id }
        }
        "snooze" => {
            if t.done_at.is_some() {
                e.add("action", "This task is already done.");
            }
            let until = e.date("until", "The new date", &u.until);
            if until.is_none() && u.until.trim().is_empty() {
                e.add("until", "Choose the day to put it off to.");
            }
            if until.as_deref().is_some_and(|d| *d <= *today.as_str()) {
                e.add("until", "Put it off to a day after today.");
            }
            let reason = e.required("reason", "Why it is put off", &u.reason, 300);
            TaskChange::Snooze {
                until: until.unwrap_or_default(),
                reason,
            }
        }
        "reassign" => {
            match u.assignee_id {
                Some(to) => check_assignee(app, actor, &mut e, to).await?,
                None => e.add("assignee_id", "Choose who takes it over."),
            }
            TaskChange::Reassign { to: u.assignee_id }
        }
        "reopen" => {
            if t.done_at.is_none() {
                e.add("action", "This task is not done.");
            }
            TaskChange::Reopen
        }
        _ => {
            e.add(
                "action",
                "Choose what to do: complete, snooze, reassign or reopen.",
            );
            TaskChange::Reopen
        }
    };
    let version = crate::enquiries::version_of(&mut e, u.version);
    check(e)?;
    app.data_for(actor)
        .change_task(id, version, &change, app.now())
        .await?;
    Ok(())
}

/// One pass of the follow-up job: the chase, escalation and review tasks
/// that have come due, each made once.
pub async fn follow_up(app: &App) -> AppResult<casework_store::FollowUpMade> {
    let now = app.now();
    let made = app.store.follow_up_pass(&dates::iso_date(now), now).await?;
    if made != Default::default() {
        tracing::info!(
            chases = made.chases,
            reviews = made.reviews,
            "follow-up tasks made"
        );
    }
    Ok(made)
}
