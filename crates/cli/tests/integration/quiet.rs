//! Follow-up, continued: cases with no activity for the office's (or their
//! category's) number of days raise a task to update the constituent, once
//! per quiet period; escalation writes its own letter and stops the
//! escalated enquiry being chased or counted overdue; and "today" is the
//! office's own day, in its time zone.

use std::sync::Arc;

use crate::follow_up::{DAY, field, noon, office_with_case, phone_enquiry};
use crate::harness::TestApp;
use crate::on_both_backends;
use casework_app::agencies::{self, AgencyInput};
use casework_app::domain::Role;
use casework_app::enquiries::{self, ChaseRequest, EnquiryRequest};
use casework_app::tasks::{self, TaskInput, TaskUpdate, Whose};
use casework_app::{App, AppError, ManualClock};
use serde_json::json;

on_both_backends!(
    a_quiet_case_raises_an_update_task_once_per_quiet_period,
    an_escalation_writes_its_own_letter_and_the_first_enquiry_stops_counting,
    today_is_the_office_s_own_day,
    tasks_go_to_people_who_may_see_their_case_and_to_nobody_once_they_leave,
    my_day_lists_the_oldest_and_counts_up_to_its_cap,
);

async fn quiet_tasks(app: &App, actor: &casework_app::Actor, case: i64) -> Vec<(String, bool)> {
    tasks::list(app, actor, Whose::Everyone, Some(case), false)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.kind == "quiet")
        .map(|t| (t.title, t.done_at.is_some()))
        .collect()
}

async fn a_quiet_case_raises_an_update_task_once_per_quiet_period(t: TestApp) {
    // The case is made now (the server's clock); the pass runs on this one,
    // within half a day of it, so 27 days are short of 28 and 29 past it.
    let clock = ManualClock::new(noon(&t));
    let app = t.app_with_clock(clock.clone());
    let (_, manager, cw_user, _, case) = office_with_case(&t, &app).await;
    let m = t.actor(&manager).await;
    let cw = t.actor(&cw_user).await;
    // A second case, in a category the office never wants reminders for.
    let api = t.api(&cw_user);
    let person = api.constituent("Tomas", "Reyes").await;
    let other = api
        .case(
            person,
            json!({"title": "Visa refused", "category": "Immigration", "assignee_id": cw_user.id}),
        )
        .await["id"]
        .as_i64()
        .unwrap();

    // Bad settings are refused, naming the field; caseworkers cannot set them.
    for bad in [Some(3), Some(366), Some(-1), None] {
        let e = tasks::save_settings(&app, &m, Some(2), "UTC", Some(7), bad)
            .await
            .unwrap_err();
        assert_eq!(field(e), "quiet_days", "{bad:?}");
    }
    assert!(matches!(
        tasks::save_settings(&app, &cw, Some(2), "UTC", Some(7), Some(28)).await,
        Err(AppError::Forbidden(_))
    ));
    let categories = tasks::category_quiet(&app, &m).await.unwrap();
    let immigration = categories
        .iter()
        .find(|c| c.name == "Immigration" && c.parent_id.is_none())
        .unwrap()
        .tag_id;
    let e = tasks::save_category_quiet(&app, &m, &[(immigration, "3".into())])
        .await
        .unwrap_err();
    assert_eq!(field(e), format!("quiet_{immigration}"));
    let e = tasks::save_category_quiet(&app, &m, &[(i64::MAX, "30".into())])
        .await
        .unwrap_err();
    assert_eq!(field(e), "quiet");
    assert!(
        tasks::category_quiet(&app, &m)
            .await
            .unwrap()
            .iter()
            .all(|c| c.quiet_days.is_none()),
        "nothing changed"
    );

    tasks::save_settings(&app, &m, Some(2), "UTC", Some(7), Some(28))
        .await
        .unwrap();
    tasks::save_category_quiet(&app, &m, &[(immigration, "0".into())])
        .await
        .unwrap();
    tasks::follow_up(&app).await.unwrap();
    assert!(quiet_tasks(&app, &m, case).await.is_empty());

    // 27 days: not yet. 29 days: one task, however many passes and servers.
    clock.advance(27 * DAY);
    tasks::follow_up(&app).await.unwrap();
    assert!(quiet_tasks(&app, &m, case).await.is_empty());
    clock.advance(2 * DAY);
    let (_, second_store) = t.second_app().await;
    let second = App::with_clock(
        second_store,
        t.app.files.clone(),
        t.app.settings.clone(),
        Arc::new(clock.clone()),
    );
    let (a, b) = tokio::join!(tasks::follow_up(&app), tasks::follow_up(&second));
    a.unwrap();
    b.unwrap();
    tasks::follow_up(&app).await.unwrap();
    let made = quiet_tasks(&app, &m, case).await;
    assert_eq!(made.len(), 1, "{made:?}");
    assert!(made[0].0.contains("No news for 28 days"), "{made:?}");
    assert!(
        quiet_tasks(&app, &m, other).await.is_empty(),
        "the category says never"
    );
    // It is the caseworker's, on their day.
    let day = tasks::day(&app, &cw, Whose::Mine).await.unwrap();
    let task = day
        .due_today
        .iter()
        .find(|t| t.kind == "quiet")
        .expect("on today's list");
    assert_eq!(task.case_id, Some(case));

    // Four more weeks without news: a second reminder for the same silence.
    clock.advance(28 * DAY);
    tasks::follow_up(&app).await.unwrap();
    assert_eq!(quiet_tasks(&app, &m, case).await.len(), 2);

    // A note is news: the reminders are done, the next comes 28 days after it.
    casework_app::cases::add_note(&app, &cw, case, "call", "Rang with an update.")
        .await
        .unwrap();
    for t in tasks::list(&app, &cw, Whose::Everyone, Some(case), true)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.kind == "quiet")
    {
        tasks::change(
            &app,
            &cw,
            t.id,
            &TaskUpdate {
                action: "complete".into(),
                version: Some(t.version),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    clock.advance(27 * DAY);
    tasks::follow_up(&app).await.unwrap();
    assert!(
        quiet_tasks(&app, &m, case)
            .await
            .iter()
            .all(|(_, done)| *done)
    );
    clock.advance(2 * DAY);
    tasks::follow_up(&app).await.unwrap();
    let all = quiet_tasks(&app, &m, case).await;
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all.iter().filter(|(_, done)| !done).count(), 1);

    // Turned off, nothing more.
    tasks::save_settings(&app, &m, Some(2), "UTC", Some(7), Some(0))
        .await
        .unwrap();
    clock.advance(60 * DAY);
    tasks::follow_up(&app).await.unwrap();
    assert_eq!(quiet_tasks(&app, &m, case).await.len(), 3);
}

async fn an_escalation_writes_its_own_letter_and_the_first_enquiry_stops_counting(t: TestApp) {
    let clock = ManualClock::new(noon(&t));
    let app = t.app_with_clock(clock.clone());
    let (_, manager, cw_user, agency, case) = office_with_case(&t, &app).await;
    let m = t.actor(&manager).await;
    let cw = t.actor(&cw_user).await;
    let minister = agencies::create(
        &app,
        &m,
        &AgencyInput {
            name: "Office of the Minister of Foreign Affairs".into(),
            address: "125 Sussex Drive\nOttawa ON".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let first = phone_enquiry(&app, &cw, case, agency, "When will the passport be issued?").await;
    for _ in 0..2 {
        clock.advance(22 * DAY);
        let v = enquiries::get(&app, &cw, first)
            .await
            .unwrap()
            .enquiry
            .version;
        enquiries::chase(
            &app,
            &cw,
            first,
            &ChaseRequest {
                send: "phone".into(),
                version: Some(v),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    clock.advance(22 * DAY);
    tasks::follow_up(&app).await.unwrap();
    let view = enquiries::get(&app, &cw, first).await.unwrap();
    assert!(view.overdue && view.escalate_next, "{view:?}");

    // Escalated as a letter with neither template nor text: the standard
    // escalation letter, naming the first agency and what was asked.
    let second = enquiries::open(
        &app,
        &cw,
        case,
        &EnquiryRequest {
            agency_id: Some(minister),
            send: "letter".into(),
            asked: "Please help: no reply from the Passport Program".into(),
            escalates: Some(first),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let letter_id = enquiries::get(&app, &cw, second)
        .await
        .unwrap()
        .enquiry
        .escalated_from;
    assert_eq!(letter_id, Some(first));
    let history = casework_app::cases::timeline(&app, &cw, case)
        .await
        .unwrap();
    let letter = history
        .iter()
        .filter_map(|e| e.correspondence_id)
        .next_back()
        .expect("the escalation letter is on the case");
    let text = casework_app::correspondence::get(&app, &cw, letter)
        .await
        .unwrap()
        .body_text;
    for part in [
        "Passport Program",
        "When will the passport be issued?",
        "our letter and 2 reminders",
        "Amara Okafor",
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }

    // The first is no longer overdue, chased or on the turnaround's overdue
    // count; the escalation carries the waiting on.
    let view = enquiries::get(&app, &cw, first).await.unwrap();
    assert!(!view.overdue && !view.escalate_next, "{view:?}");
    assert_eq!(view.enquiry.escalated_to, Some(second));
    let e = enquiries::chase(
        &app,
        &cw,
        first,
        &ChaseRequest {
            send: "phone".into(),
            version: Some(view.enquiry.version),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field(e), "version");
    let rows = agencies::turnaround(&app, &m, "", "").await.unwrap();
    let passport = rows.iter().find(|r| r.agency_id == agency).unwrap();
    assert_eq!(passport.overdue, 0, "{rows:?}");
    let overdue = enquiries::list(
        &app,
        &m,
        &enquiries::ListQuery {
            state: "overdue".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .items;
    assert!(overdue.is_empty(), "{overdue:?}");
    // It cannot be escalated twice.
    let e = enquiries::open(
        &app,
        &cw,
        case,
        &EnquiryRequest {
            agency_id: Some(minister),
            send: "phone".into(),
            asked: "Again".into(),
            escalates: Some(first),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field(e), "escalates");
    // A reply from the first agency still answers it.
    let v = enquiries::get(&app, &cw, first)
        .await
        .unwrap()
        .enquiry
        .version;
    enquiries::answer(
        &app,
        &cw,
        first,
        &enquiries::AnswerRequest {
            note: "Issued after all.".into(),
            version: Some(v),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

async fn today_is_the_office_s_own_day(t: TestApp) {
    // Noon UTC is already tomorrow in Auckland (UTC+13 in December).
    let eleven = t.app.now().div_euclid(DAY) * DAY + 12 * 3_600_000;
    let clock = ManualClock::new(eleven);
    let app = t.app_with_clock(clock.clone());
    let (_, manager, cw_user, agency, case) = office_with_case(&t, &app).await;
    let m = t.actor(&manager).await;
    let cw = t.actor(&cw_user).await;
    let utc_today = casework_app::domain::dates::iso_date(eleven);
    let tomorrow = casework_app::domain::dates::add_days(&utc_today, 1);
    assert_eq!(app.today(m.office_id).await.unwrap(), utc_today);
    tasks::save_settings(&app, &m, Some(2), "Pacific/Auckland", Some(7), Some(0))
        .await
        .unwrap();
    assert_eq!(app.today(m.office_id).await.unwrap(), tomorrow);
    let id = phone_enquiry(&app, &cw, case, agency, "When?").await;
    let e = enquiries::get(&app, &cw, id).await.unwrap();
    assert_eq!(e.enquiry.sent_on, tomorrow, "sent on the office's day");
    let day = tasks::day(&app, &cw, Whose::Mine).await.unwrap();
    assert_eq!(day.today, tomorrow);
    // Its reply date comes on the office's day, not UTC's (still the day
    // before there).
    clock.advance(21 * DAY);
    tasks::follow_up(&app).await.unwrap();
    assert_eq!(
        tasks::list(&app, &cw, Whose::Everyone, Some(case), true)
            .await
            .unwrap()
            .len(),
        1,
        "21 days after the office's sent date is today in Auckland"
    );
    let e = tasks::save_settings(&app, &m, Some(2), "Nowhere/Atlantis", Some(7), Some(0))
        .await
        .unwrap_err();
    assert_eq!(field(e), "time_zone");
}

async fn tasks_go_to_people_who_may_see_their_case_and_to_nobody_once_they_leave(t: TestApp) {
    let clock = ManualClock::new(noon(&t));
    let app = t.app_with_clock(clock.clone());
    let (office, manager, cw_user, _, _) = office_with_case(&t, &app).await;
    let m = t.actor(&manager).await;
    let other_user = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw_user);
    let person = api.constituent("Leila", "Haddad").await;
    let secret = api
        .case(
            person,
            json!({"title": "Asylum claim", "sensitivity": "sensitive", "assignee_id": cw_user.id,
                   "review_date": casework_app::domain::dates::add_days(&casework_app::domain::dates::iso_date(app.now()), 3)}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    // A task on the highly sensitive case cannot go to a colleague who may
    // not see it, made or handed over; nothing is made.
    let e = tasks::create(
        &app,
        &m,
        &TaskInput {
            title: "Send the file".into(),
            case_id: Some(secret),
            assignee_id: Some(other_user.id),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field(e), "assignee_id");
    let id = tasks::create(
        &app,
        &m,
        &TaskInput {
            title: "Send the file".into(),
            case_id: Some(secret),
            assignee_id: Some(cw_user.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e = tasks::change(
        &app,
        &m,
        id,
        &TaskUpdate {
            action: "reassign".into(),
            assignee_id: Some(other_user.id),
            version: Some(1),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field(e), "assignee_id");
    assert_eq!(
        tasks::get(&app, &m, id).await.unwrap().assignee_id,
        Some(cw_user.id)
    );

    // The caseworker leaves: the review task Casework makes goes to nobody,
    // where an office manager sees it, not to the deactivated account.
    let u = app.data_for(&m).user(cw_user.id).await.unwrap();
    let admin = t.actor(&t.user(office, Role::Admin).await).await;
    casework_app::staff::update_user(&app, &admin, cw_user.id, u.version, "caseworker", false)
        .await
        .unwrap();
    clock.advance(4 * DAY);
    tasks::follow_up(&app).await.unwrap();
    let review: Vec<_> = tasks::list(&app, &m, Whose::Unassigned, Some(secret), true)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.kind == "review")
        .collect();
    assert_eq!(review.len(), 1, "{review:?}");
    assert_eq!(review[0].assignee_id, None);
}

async fn my_day_lists_the_oldest_and_counts_up_to_its_cap(t: TestApp) {
    let clock = ManualClock::new(noon(&t));
    let app = t.app_with_clock(clock.clone());
    let (_, _, cw_user, _, _) = office_with_case(&t, &app).await;
    let cw = t.actor(&cw_user).await;
    let today = app.today(cw.office_id).await.unwrap();
    let yesterday = casework_app::domain::dates::add_days(&today, -1);
    let add = |title: String, due_on: String| {
        let (app, cw) = (&app, &cw);
        async move {
            tasks::create(
                app,
                cw,
                &TaskInput {
                    title,
                    due_on,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };
    let mut overdue = Vec::new();
    for i in 0..=tasks::COUNT_CAP {
        overdue.push(add(format!("Overdue {i}"), yesterday.clone()).await);
    }
    for i in 0..=tasks::DAY_SHOWN {
        add(format!("Today {i}"), today.clone()).await;
    }
    let day = tasks::day(&app, &cw, Whose::Mine).await.unwrap();
    // Lists hold the oldest first, up to what the page shows.
    assert_eq!(day.overdue.len() as i64, tasks::DAY_SHOWN);
    assert_eq!(day.overdue[0].id, overdue[0], "the oldest first");
    assert_eq!(day.due_today.len() as i64, tasks::DAY_SHOWN);
    // Counts are exact below the cap and stop at it.
    assert_eq!(day.counts, [tasks::COUNT_CAP, tasks::DAY_SHOWN + 1, 0]);
    // The page says so.
    let b = t.browser();
    b.sign_in(&cw_user.email, crate::harness::PASSWORD).await;
    let page = b.get("/").await;
    assert!(page.html.contains("Overdue: 100 or more"), "{}", page.html);
    assert!(page.html.contains("Due today: 21<"), "{}", page.html);
    assert!(page.html.contains("shows its 20 oldest first"));
}
