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
/// seven days, each list its [`DAY_SHOWN`] oldest, with how many there are
/// (counted up to [`COUNT_CAP`]).
#[derive(Debug, Clone, Default)]
pub struct Day {
    pub today: String,
    pub overdue: Vec<Task>,
    pub due_today: Vec<Task>,
    pub this_week: Vec<Task>,
    /// How many are overdue, due today and due this week (at most
    /// [`COUNT_CAP`]: that many or more).
    pub counts: [i64; 3],
}

/// How many tasks of each of my day's lists are shown (the oldest first).
pub const DAY_SHOWN: i64 = 20;
/// My day counts each list up to this many ("100 or more").
pub const COUNT_CAP: i64 = 100;

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
pub const MOST: i64 = 500;

/// How many overdue tasks a page of their list holds.
pub const OVERDUE_PAGE: i64 = 100;

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

/// Every open task overdue of one person, of nobody or of everyone, the
/// oldest first, a page ([`OVERDUE_PAGE`]) at a time from `cursor`: the
/// list behind the weekly review's overdue counts. Office managers, and the
/// representative (to read), see others'.
pub async fn overdue(
    app: &App,
    actor: &Actor,
    whose: Whose,
    cursor: Option<&str>,
) -> AppResult<casework_store::Page<Task>> {
    let assignee = if actor.can(Permission::RunReview) {
        match whose {
            Whose::Mine => Some(Some(actor.user_id)),
            Whose::Person(p) => Some(Some(p)),
            Whose::Unassigned => Some(None),
            Whose::Everyone => None,
        }
    } else {
        filter_for(actor, whose)?
    };
    let mut e = FieldErrors::new();
    let after = crate::trends::page_cursor(&mut e, cursor);
    check(e)?;
    let today = app.today(actor.office_id).await?;
    let items = app
        .data_for(actor)
        .tasks(&TaskFilter {
            assignee,
            open_only: true,
            due_by: Some(dates::add_days(&today, -1)),
            after,
            limit: OVERDUE_PAGE + 1,
            ..Default::default()
        })
        .await?;
    Ok(crate::trends::page_of(items, OVERDUE_PAGE, |t| {
        casework_store::Cursor {
            key: t.due_on.clone(),
            id: t.id,
        }
    }))
}

/// "My day": the open tasks overdue, due today and due this week.
pub async fn day(app: &App, actor: &Actor, whose: Whose) -> AppResult<Day> {
    let assignee = filter_for(actor, whose)?;
    let today = app.today(actor.office_id).await?;
    let week = dates::add_days(&today, 7);
    let data = app.data_for(actor);
    let yesterday = dates::add_days(&today, -1);
    let bucket = |from: Option<String>, by: String| TaskFilter {
        assignee,
        open_only: true,
        due_from: from,
        due_by: Some(by),
        limit: DAY_SHOWN,
        ..Default::default()
    };
    let buckets = [
        bucket(None, yesterday),
        bucket(Some(today.clone()), today.clone()),
        bucket(Some(dates::add_days(&today, 1)), week),
    ];
    let mut counts = [0; 3];
    for (n, f) in counts.iter_mut().zip(&buckets) {
        *n = data.count_tasks(f, COUNT_CAP).await?;
    }
    let [overdue, due_today, this_week] = buckets;
    Ok(Day {
        today: today.clone(),
        overdue: data.tasks(&overdue).await?,
        due_today: data.tasks(&due_today).await?,
        this_week: data.tasks(&this_week).await?,
        counts,
    })
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
            limit: MOST,
            ..Default::default()
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

/// Checks that a task can go to this person: an active user of the office
/// who may see its case (a restricted case is not everyone's), given by
/// someone who may give tasks to others.
async fn check_assignee(
    app: &App,
    actor: &Actor,
    e: &mut FieldErrors,
    id: i64,
    case_id: Option<i64>,
) -> AppResult<()> {
    assignee_may_see(app, actor, e, id, case_id).await?;
    if id != actor.user_id && !actor.can(Permission::AssignCases) {
        return Err(AppError::Forbidden(
            "Your role may not give tasks to other people.".into(),
        ));
    }
    Ok(())
}

/// Checks that a task on `case_id` can go to this person: an active user of
/// the office who may see the case.
pub(crate) async fn assignee_may_see(
    app: &App,
    actor: &Actor,
    e: &mut FieldErrors,
    id: i64,
    case_id: Option<i64>,
) -> AppResult<()> {
    match app.data_for(actor).user(id).await {
        Ok(u) if u.active => {
            if let Some(case) = case_id {
                match crate::cases::get(app, &crate::auth::actor_of(&u), case).await {
                    Ok(_) => {}
                    Err(AppError::NotFound | AppError::Forbidden(_)) => e.add(
                        "assignee_id",
                        format!(
                            "{} may not see this case: choose someone who may.",
                            u.display_name
                        ),
                    ),
                    Err(other) => return Err(other),
                }
            }
        }
        Ok(u) => e.add(
            "assignee_id",
            format!("{} is deactivated: choose someone else.", u.display_name),
        ),
        Err(casework_store::Error::NotFound) => {
            e.add("assignee_id", "Choose someone in this office.")
        }
        Err(other) => return Err(other.into()),
    }
    Ok(())
}

/// Adds a task.
pub async fn create(app: &App, actor: &Actor, input: &TaskInput) -> AppResult<i64> {
    let mut e = FieldErrors::new();
    let title = e.required("title", "What is to be done", &input.title, 300);
    let note = e.optional("note", "The note", &input.note, 5000);
    let today = app.today(actor.office_id).await?;
    let due_on = e
        .date("due_on", "The due date", &input.due_on)
        .unwrap_or(today);
    let assignee = input.assignee_id.unwrap_or(actor.user_id);
    // The writer's own access to the case first: someone who may not see it
    // learns nothing of who may.
    let mut case_id = None;
    if let Some(c) = input.case_id {
        match crate::cases::get(app, actor, c).await {
            Ok(_) => case_id = Some(c),
            Err(AppError::NotFound) => e.add("case_id", "There is no such case."),
            Err(other) => return Err(other),
        }
    }
    check_assignee(app, actor, &mut e, assignee, case_id).await?;
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
    // One's own task; an unassigned one only for those who work cases.
    let own = t.assignee_id == Some(actor.user_id)
        || t.created_by == Some(actor.user_id)
        || (t.assignee_id.is_none() && actor.can(Permission::EditCases));
    if !own && !actor.can(Permission::OverseeTasks) {
        return Err(AppError::Forbidden(
            "This task is someone else's: they or an office manager can change it.".into(),
        ));
    }
    let mut e = FieldErrors::new();
    let today = app.today(actor.office_id).await?;
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
                Some(to) => check_assignee(app, actor, &mut e, to, t.case_id).await?,
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
    follow_up_on(app, None).await
}

/// The follow-up pass of every office, each on its own day (its time
/// zone's), or on the day given (`casework follow-up --on`).
pub async fn follow_up_on(app: &App, on: Option<&str>) -> AppResult<casework_store::FollowUpMade> {
    let now = app.now();
    let mut made = casework_store::FollowUpMade::default();
    for (office_id, s) in app.store.offices_settings().await? {
        let today = match on {
            Some(day) => day.to_owned(),
            None => local_day_hour(&s.time_zone, now).0,
        };
        let m = app.store.follow_up_pass(office_id, &today, now).await?;
        made.chases += m.chases;
        made.reviews += m.reviews;
        made.quiet += app.store.quiet_pass(office_id, &today, now).await?;
    }
    if made != Default::default() {
        tracing::info!(
            chases = made.chases,
            reviews = made.reviews,
            quiet = made.quiet,
            "follow-up tasks made"
        );
    }
    Ok(made)
}

/// The date (`YYYY-MM-DD`) and hour in time zone `tz` (an IANA name; UTC
/// if unknown) at `now` (Unix ms).
pub fn local_day_hour(tz: &str, now: i64) -> (String, i64) {
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_millisecond(now) {
        Ok(t) => {
            let z = t.to_zoned(zone);
            (
                format!("{:04}-{:02}-{:02}", z.year(), z.month(), z.day()),
                i64::from(z.hour()),
            )
        }
        Err(_) => (dates::iso_date(now), 0),
    }
}

/// Whether `tz` is a time zone Casework knows (IANA names, e.g. Europe/London).
pub fn known_time_zone(tz: &str) -> bool {
    jiff::tz::TimeZone::get(tz).is_ok()
}

/// Sends a message of Casework's own (a digest, a briefing) to one person
/// straight away, not through the outbox: the caller has claimed it once
/// and gives the claim back when sending fails.
pub(crate) async fn send_now(
    app: &App,
    to: &str,
    subject: &str,
    body: &str,
    attachments: &[casework_mail::outgoing::OutgoingAttachment],
) -> Result<(), String> {
    let smtp = &app.settings.smtp;
    let to = vec![to.to_owned()];
    let domain = smtp
        .from
        .rsplit('@')
        .next()
        .unwrap_or("casework.invalid")
        .trim_end_matches('>')
        .to_owned();
    let built = casework_mail::outgoing::build(&casework_mail::outgoing::Draft {
        from: &smtp.from,
        to: &to,
        subject,
        body,
        in_reply_to: None,
        references: &[],
        domain: &domain,
        attachments,
    })?;
    casework_mail::outgoing::send(smtp, &built.from, &built.to, &built.raw).await
}

/// The office's follow-up settings.
pub async fn settings(app: &App, actor: &Actor) -> AppResult<casework_store::OfficeSettings> {
    crate::memo::office_settings(app, actor.office_id).await
}

/// Changes the office's follow-up settings (office managers and administrators).
pub async fn save_settings(
    app: &App,
    actor: &Actor,
    chases_before_escalation: Option<i64>,
    time_zone: &str,
    digest_hour: Option<i64>,
    quiet_days: Option<i64>,
) -> AppResult<()> {
    actor.require(Permission::ManageAgencies)?;
    let mut e = FieldErrors::new();
    let chases = chases_before_escalation.unwrap_or(-1);
    if !(0..=10).contains(&chases) {
        e.add(
            "chases_before_escalation",
            "The number of chases before escalation is from 0 to 10.",
        );
    }
    let tz = time_zone.trim();
    if !known_time_zone(tz) {
        e.add(
            "time_zone",
            "Write the time zone as its name, like Europe/London or America/Toronto.",
        );
    }
    let hour = digest_hour.unwrap_or(-1);
    if !(0..=23).contains(&hour) {
        e.add("digest_hour", "The digest's hour is from 0 to 23.");
    }
    let quiet = quiet_days.unwrap_or(-1);
    if quiet != 0 && !casework_store::QUIET_DAYS.contains(&quiet) {
        e.add(
            "quiet_days",
            "Days without news before a reminder are from 7 to 365, or 0 for none.",
        );
    }
    check(e)?;
    app.store
        .set_office_settings(
            actor.office_id,
            &casework_store::OfficeSettings {
                chases_before_escalation: chases,
                time_zone: tz.to_owned(),
                digest_hour: hour,
                quiet_days: quiet,
            },
        )
        .await?;
    Ok(())
}

/// The office's Category values with their own days without news before a
/// reminder (None: the parent's, then the office's; 0: never).
pub async fn category_quiet(
    app: &App,
    actor: &Actor,
) -> AppResult<Vec<casework_store::CategoryQuiet>> {
    actor.require(Permission::ManageAgencies)?;
    Ok(app.store.category_quiet(actor.office_id).await?)
}

/// Sets Category values' days without news (tag id, what was written:
/// empty for the parent's or the office's, 0 for never, else 7 to 365).
/// Nothing changes unless every value is good.
pub async fn save_category_quiet(
    app: &App,
    actor: &Actor,
    values: &[(i64, String)],
) -> AppResult<()> {
    let known = category_quiet(app, actor).await?;
    let mut e = FieldErrors::new();
    let mut list = Vec::new();
    for (tag, text) in values {
        let Some(c) = known.iter().find(|c| c.tag_id == *tag) else {
            e.add("quiet", "That is not one of the office's categories.");
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            list.push((*tag, None));
            continue;
        }
        match text.parse::<i64>() {
            Ok(d) if d == 0 || casework_store::QUIET_DAYS.contains(&d) => list.push((*tag, Some(d))),
            _ => e.add(
                &format!("quiet_{tag}"),
                format!(
                    "Days without news for {} are from 7 to 365, 0 for never, or empty for the usual.",
                    c.name
                ),
            ),
        }
    }
    check(e)?;
    app.store.set_category_quiet(actor.office_id, &list).await?;
    Ok(())
}

/// Whether the reader gets the daily digest.
pub async fn digest_enabled(app: &App, actor: &Actor) -> AppResult<bool> {
    Ok(app.store.digest_enabled(actor.user_id).await?)
}

/// Turns the reader's daily digest on or off.
pub async fn set_digest(app: &App, actor: &Actor, enabled: bool) -> AppResult<()> {
    Ok(app.store.set_digest(actor.user_id, enabled).await?)
}

/// The digest's text for one person's tasks due by `day`: (subject, body),
/// or none when nothing is due.
pub(crate) fn digest_text(name: &str, day: &str, tasks: &[Task]) -> Option<(String, String)> {
    let overdue: Vec<&Task> = tasks.iter().filter(|t| t.due_on.as_str() < day).collect();
    let today: Vec<&Task> = tasks.iter().filter(|t| t.due_on == day).collect();
    if overdue.is_empty() && today.is_empty() {
        return None;
    }
    let line = |t: &Task| {
        let what = match (t.kind.as_str(), &t.case_reference) {
            ("chase", Some(r)) => format!("Chase-up due ({r})"),
            ("escalate", Some(r)) => format!("Escalation due ({r})"),
            ("review", Some(r)) => format!("Review {r}"),
            ("quiet", _) => t.title.clone(),
            (_, Some(r)) => format!("{} ({r})", t.title),
            (_, None) => t.title.clone(),
        };
        format!("- {what}, due {}", t.due_on)
    };
    let mut body = format!("Good morning {name},\n\nYour day in Casework, {day}:\n");
    if !overdue.is_empty() {
        body.push_str(&format!("\nOverdue ({}):\n", overdue.len()));
        for t in &overdue {
            body.push_str(&line(t));
            body.push('\n');
        }
    }
    if !today.is_empty() {
        body.push_str(&format!("\nDue today ({}):\n", today.len()));
        for t in &today {
            body.push_str(&line(t));
            body.push('\n');
        }
    }
    body.push_str("\nOpen Casework and go to My day to deal with them.\nTo stop these emails, untick \"Email me a daily digest\" on My day.\n");
    Some((
        format!(
            "Casework: {} overdue, {} due today",
            overdue.len(),
            today.len()
        ),
        body,
    ))
}

/// Sends each person who wants it their digest of tasks overdue and due
/// today, once a day, at the office's digest hour (office time) or the
/// first pass after it: a day is claimed in the database before sending,
/// so a second server or a restart sends nothing twice; a failed send
/// gives the day back to be tried at the next pass. Nobody gets an empty
/// digest. Returns how many went.
pub async fn send_digests(app: &App) -> AppResult<usize> {
    let smtp = &app.settings.smtp;
    if !smtp.is_configured() {
        return Ok(0);
    }
    let now = app.now();
    let mut sent = 0;
    for (office_id, s) in app.store.offices_settings().await? {
        let (day, hour) = local_day_hour(&s.time_zone, now);
        if hour < s.digest_hour {
            continue;
        }
        for user in app.store.digest_users(office_id).await? {
            let actor = crate::auth::actor_of(&user);
            let tasks = app
                .data_for(&actor)
                .tasks(&TaskFilter {
                    assignee: Some(Some(actor.user_id)),
                    open_only: true,
                    due_by: Some(day.clone()),
                    limit: MOST,
                    ..Default::default()
                })
                .await?;
            // The day is claimed at the first pass after the hour, with
            // something to say or not: nobody gets a digest later in the day.
            if !app.store.claim_digest(actor.user_id, &day, now).await? {
                continue;
            }
            let Some((subject, body)) = digest_text(&actor.display_name, &day, &tasks) else {
                continue;
            };
            let result = send_now(app, &actor.email, &subject, &body, &[]).await;
            match result {
                Ok(()) => sent += 1,
                Err(e) => {
                    tracing::warn!(user = actor.user_id, error = %e, "a daily digest could not be sent; trying again later");
                    app.store.release_digest(actor.user_id, &day).await?;
                }
            }
        }
    }
    Ok(sent)
}

/// Notifications older than this are not emailed (someone who turns email
/// on is not sent the past).
const EMAIL_WITHIN_MS: i64 = 24 * 3_600_000;

/// Emails each person who asked for it their new, unread notifications in
/// one message: claimed in the database first, so two servers send each
/// once; a failed send gives them back for the next pass. Returns how many
/// emails went.
pub async fn send_notification_emails(app: &App) -> AppResult<usize> {
    if !app.settings.smtp.is_configured() {
        return Ok(0);
    }
    let now = app.now();
    let mut sent = 0;
    for person in app
        .store
        .claim_notification_emails(now - EMAIL_WITHIN_MS, now)
        .await?
    {
        let subject = if person.items.len() == 1 {
            format!("Casework: {}", person.items[0].text)
        } else {
            format!("Casework: {} things need you", person.items.len())
        };
        let mut body = format!("Hello {},\n\n", person.name);
        for n in &person.items {
            body.push_str(&format!("- {} ({})\n", n.text, n.link));
        }
        body.push_str("\nThe links are pages of Casework: open them signed in.\nTo stop these emails, untick \"Email me my notifications\" on the Notifications page.\n");
        match send_now(app, &person.email, &subject, &body, &[]).await {
            Ok(()) => sent += 1,
            Err(e) => {
                tracing::warn!(user = person.user_id, error = %e, "notifications could not be emailed; trying again later");
                let ids: Vec<i64> = person.items.iter().map(|n| n.id).collect();
                app.store.release_notification_emails(&ids).await?;
            }
        }
    }
    Ok(sent)
}
