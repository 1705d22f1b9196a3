//! A person's calendar feed: their open tasks, the reply dates of the
//! enquiries on their cases and their cases' review dates, as all-day
//! events in an iCalendar (RFC 5545) file at a secret address that Outlook,
//! Google Calendar and Apple Calendar can subscribe to. Only the address's
//! hash is kept; revoking it stops it at once. Events Casework makes name
//! case references and agencies, not constituents, so little personal data
//! leaves the office in a calendar service; a task someone wrote shows its
//! title as written.

use casework_store::TaskFilter;
use icalendar::{Calendar, Component, EventLike};

use crate::auth::token_hash;
use crate::{Actor, App, AppError, AppResult};

/// The path of a feed (its token in it).
pub fn feed_path(token: &str) -> String {
    format!("/calendar/{token}.ics")
}

/// Makes the person a new feed address, revoking the earlier one; returns
/// the secret path (shown once).
pub async fn create_feed(app: &App, actor: &Actor) -> AppResult<String> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    app.store
        .create_calendar_feed(
            actor.office_id,
            actor.user_id,
            &token_hash(&token),
            app.now(),
        )
        .await?;
    Ok(feed_path(&token))
}

/// Revokes the person's feed; whether there was one.
pub async fn revoke_feed(app: &App, actor: &Actor) -> AppResult<bool> {
    Ok(app
        .store
        .revoke_calendar_feed(actor.user_id, app.now())
        .await?
        > 0)
}

/// When the person's live feed was made, if they have one.
pub async fn feed_since(app: &App, actor: &Actor) -> AppResult<Option<i64>> {
    Ok(app.store.calendar_feed_since(actor.user_id).await?)
}

fn date(d: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()
}

/// The feed behind a token: "not found" for a revoked or unknown one, or
/// one whose person is deactivated.
pub async fn feed(app: &App, token: &str) -> AppResult<String> {
    let token = token.trim();
    if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let user = match app.store.calendar_feed_user(&token_hash(token)).await {
        Ok(u) => u,
        Err(casework_store::Error::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let actor = crate::auth::actor_of(&user);
    let data = app.data_for(&actor);
    let mut cal = Calendar::new();
    cal.name("Casework")
        .description("Tasks, reply dates and review dates from Casework");
    let tasks = data
        .tasks(&TaskFilter {
            assignee: Some(Some(actor.user_id)),
            open_only: true,
            limit: 1000,
            ..Default::default()
        })
        .await?;
    // Review tasks are left out: the review date is there as its own event.
    for t in tasks.into_iter().filter(|t| t.kind != "review") {
        let Some(day) = date(&t.due_on) else { continue };
        let summary = match (t.kind.as_str(), &t.case_reference) {
            ("task", _) => format!("Task: {}", t.title),
            ("chase", Some(r)) => format!("Chase-up due ({r})"),
            ("escalate", Some(r)) => format!("Escalation due ({r})"),
            ("review", Some(r)) => format!("Review {r}"),
            ("quiet", _) => t.title.clone(),
            _ => format!("Task: {}", t.title),
        };
        cal.push(
            icalendar::Event::new()
                .uid(&format!("task-{}@casework", t.id))
                .summary(&summary)
                .all_day(day)
                .done(),
        );
    }
    for (uid, summary, day, _) in data.calendar_dates(actor.user_id).await? {
        let Some(day) = date(&day) else { continue };
        cal.push(
            icalendar::Event::new()
                .uid(&format!("{uid}@casework"))
                .summary(&summary)
                .all_day(day)
                .done(),
        );
    }
    Ok(cal.done().to_string())
}
