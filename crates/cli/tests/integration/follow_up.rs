//! Third parties and follow-up: the agency directory, enquiries with their
//! reply window, chase-up and escalation tasks made exactly once by the
//! scheduler (two servers, a restart), replies that thread back, review
//! dates, tasks and "my day", and bad input refused with nothing changed.

use std::sync::Arc;

use crate::harness::{SmtpSink, TestApp, TestUser};
use crate::on_both_backends;
use casework_app::agencies::{self, AgencyInput};
use casework_app::domain::Role;
use casework_app::enquiries::{self, AnswerRequest, ChaseRequest, ConsentRequest, EnquiryRequest};
use casework_app::intake::{RawMessage, ingest};
use casework_app::jobs::{self, run_due};
use casework_app::tasks::{self, TaskInput, TaskUpdate, Whose};
use casework_app::{App, AppError, ManualClock};
use serde_json::json;

crate::with_sink!(
    an_emailed_enquiry_is_chased_and_answered_by_the_reply_that_threads_back,
    the_daily_digest_goes_once_a_day_at_the_office_hour,
);

on_both_backends!(
    three_weeks_after_an_enquiry_exactly_one_chase_task_appears,
    review_dates_raise_a_task_once,
    bad_input_is_refused_and_nothing_is_half_done,
    tasks_are_seen_by_their_people_and_office_managers,
    the_directory_imports_exports_and_carries_over_free_text,
    consent_is_needed_before_writing_to_an_agency_that_asks_for_it,
    agency_turnaround_counts_what_the_reader_may_see,
    the_calendar_feed_reads_back_as_rfc_5545_and_stops_when_revoked,
    the_task_forms_go_back_only_to_this_site,
);

pub(crate) const DAY: i64 = 86_400_000;

/// Noon today (UTC): moving the clock by whole days and a few minutes
/// never crosses midnight.
pub(crate) fn noon(t: &TestApp) -> i64 {
    t.app.now().div_euclid(DAY) * DAY + DAY / 2
}

pub(crate) fn field(e: AppError) -> String {
    match e {
        AppError::Invalid(f) => f.0.keys().cloned().collect::<Vec<_>>().join(","),
        other => panic!("expected a field error, got {other:?}"),
    }
}

/// An office with a manager and a caseworker, an agency (21 days), and a
/// case assigned to the caseworker; returns (office, manager, caseworker,
/// agency, case).
pub(crate) async fn office_with_case(
    t: &TestApp,
    app: &App,
) -> (i64, TestUser, TestUser, i64, i64) {
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let cw = t.user(office, Role::Caseworker).await;
    let agency = agencies::create(
        app,
        &t.actor(&manager).await,
        &AgencyInput {
            name: "Passport Program".into(),
            email: "mp-enquiries@passport.example".into(),
            address: "22 de Varennes Street\nGatineau QC".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let api = t.api(&cw);
    let person = api.constituent("Amara", "Okafor").await;
    let case = api
        .case(
            person,
            json!({"title": "Passport delayed", "assignee_id": cw.id}),
        )
        .await;
    (office, manager, cw, agency, case["id"].as_i64().unwrap())
}

/// Opens an enquiry made by phone to `agency` on `case`; returns its id.
pub(crate) async fn phone_enquiry(
    app: &App,
    actor: &casework_app::Actor,
    case: i64,
    agency: i64,
    asked: &str,
) -> i64 {
    enquiries::open(
        app,
        actor,
        case,
        &EnquiryRequest {
            agency_id: Some(agency),
            send: "phone".into(),
            asked: asked.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn open_tasks(app: &App, actor: &casework_app::Actor, case: i64) -> Vec<(String, String)> {
    tasks::list(app, actor, Whose::Everyone, Some(case), true)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.kind, t.due_on))
        .collect()
}

async fn three_weeks_after_an_enquiry_exactly_one_chase_task_appears(t: TestApp) {
    let clock = ManualClock::new(noon(&t));
    let app = t.app_with_clock(clock.clone());
    let (_, _, cw_user, agency, case) = office_with_case(&t, &app).await;
    let cw_id = cw_user.id;
    let cw = t.actor(&cw_user).await;
    jobs::register(&app).await.unwrap();
    let id = phone_enquiry(&app, &cw, case, agency, "When will the passport be issued?").await;
    let e = enquiries::get(&app, &cw, id).await.unwrap();
    let sent = casework_app::domain::dates::iso_date(app.now());
    assert_eq!(e.enquiry.sent_on, sent);
    assert_eq!(
        e.enquiry.due_on,
        casework_app::domain::dates::add_days(&sent, 21)
    );
    // The case now waits on the third party.
    let k = casework_app::cases::get(&app, &cw, case).await.unwrap();
    assert_eq!(k.status, "awaiting_third_party");

    // Twenty days on: nothing yet.
    clock.advance(20 * DAY);
    run_due(&app).await.unwrap();
    assert!(open_tasks(&app, &cw, case).await.is_empty());
    // Three weeks: one chase task, for the caseworker, whatever runs after.
    clock.advance(DAY + 60_000);
    run_due(&app).await.unwrap();
    run_due(&app).await.unwrap();
    let (_, second_store) = t.second_app().await;
    let second = App::with_clock(
        second_store,
        t.app.files.clone(),
        t.app.settings.clone(),
        Arc::new(clock.clone()),
    );
    jobs::register(&second).await.unwrap();
    clock.advance(11 * 60_000);
    let (a, b) = tokio::join!(run_due(&app), run_due(&second));
    a.unwrap();
    b.unwrap();
    // A restart: a new process on the same database, registering again.
    let (_, restarted_store) = t.second_app().await;
    let restarted = App::with_clock(
        restarted_store,
        t.app.files.clone(),
        t.app.settings.clone(),
        Arc::new(clock.clone()),
    );
    jobs::register(&restarted).await.unwrap();
    clock.advance(11 * 60_000);
    run_due(&restarted).await.unwrap();
    casework_app::tasks::follow_up(&restarted).await.unwrap();
    let due = casework_app::domain::dates::add_days(&sent, 21);
    assert_eq!(
        open_tasks(&app, &cw, case).await,
        [("chase".to_owned(), due.clone())]
    );
    // It is on the caseworker's day, overdue or due today.
    let day = tasks::day(&app, &cw, Whose::Mine).await.unwrap();
    assert_eq!(day.overdue.len() + day.due_today.len(), 1, "{day:?}");
    let task = day.overdue.iter().chain(&day.due_today).next().unwrap();
    assert_eq!(task.assignee_id, Some(cw_id));
    assert_eq!(task.enquiry_id, Some(id));
    assert!(
        task.title.contains("Chase Passport Program"),
        "{}",
        task.title
    );
    let view = enquiries::get(&app, &cw, id).await.unwrap();
    assert!(
        !view.overdue,
        "on its reply date it is due, not yet overdue"
    );
    assert_eq!(view.days_waited, 21);

    // Chasing closes the task and moves the reply date; the next chase task
    // comes only when that passes, and after two chases it is escalation.
    enquiries::chase(
        &app,
        &cw,
        id,
        &ChaseRequest {
            send: "phone".into(),
            version: Some(view.enquiry.version),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(open_tasks(&app, &cw, case).await.is_empty());
    let view = enquiries::get(&app, &cw, id).await.unwrap();
    assert_eq!(view.enquiry.chases, 1);
    assert!(!view.overdue);
    clock.advance(21 * DAY);
    run_due(&app).await.unwrap();
    assert_eq!(open_tasks(&app, &cw, case).await.len(), 1);
    enquiries::chase(
        &app,
        &cw,
        id,
        &ChaseRequest {
            send: "phone".into(),
            version: Some(enquiries::get(&app, &cw, id).await.unwrap().enquiry.version),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    clock.advance(21 * DAY);
    run_due(&app).await.unwrap();
    let now = open_tasks(&app, &cw, case).await;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].0, "escalate", "after two chases: {now:?}");
    assert!(enquiries::get(&app, &cw, id).await.unwrap().escalate_next);

    // A reply logged by hand answers it and closes its task.
    let v = enquiries::get(&app, &cw, id).await.unwrap().enquiry.version;
    enquiries::answer(
        &app,
        &cw,
        id,
        &AnswerRequest {
            note: "Issued; in the post.".into(),
            version: Some(v),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(open_tasks(&app, &cw, case).await.is_empty());
    let done = enquiries::get(&app, &cw, id).await.unwrap();
    assert!(done.enquiry.answered_on.is_some());
    assert_eq!(done.days_waited, 63);
    clock.advance(60 * DAY);
    run_due(&app).await.unwrap();
    assert!(
        open_tasks(&app, &cw, case).await.is_empty(),
        "no chase once answered"
    );
    let history = casework_app::cases::timeline(&app, &cw, case)
        .await
        .unwrap();
    let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
    for k in ["enquiry", "enquiry_chased", "enquiry_answered"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
}

async fn an_emailed_enquiry_is_chased_and_answered_by_the_reply_that_threads_back(
    t: TestApp,
    sink: SmtpSink,
) {
    let clock = ManualClock::new(noon(&t));
    let app = t.app_with_clock(clock.clone());
    let (office, _, cw_user, agency, case) = office_with_case(&t, &app).await;
    let cw = t.actor(&cw_user).await;
    let id = enquiries::open(
        &app,
        &cw,
        case,
        &EnquiryRequest {
            agency_id: Some(agency),
            asked: "Passport application status".into(),
            body: "Dear {{ agency.contact }},\n\nPlease tell us where {{ constituent.full_name }}'s application stands. We would be grateful for a reply by {{ enquiry.due }}.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(casework_app::outbox::deliver_due(&app).await.unwrap(), 1);
    let sent = sink.messages();
    assert_eq!(sent.len(), 1);
    let first = casework_mail::parse(&sent[0]);
    assert!(
        first
            .to
            .iter()
            .any(|a| a.contains("mp-enquiries@passport.example")),
        "{:?}",
        first.to
    );
    assert!(
        first.text.contains("Dear Passport Program,"),
        "{}",
        first.text
    );
    assert!(
        first.text.contains("Amara Okafor's application"),
        "{}",
        first.text
    );
    // The standard chase goes to them too, naming the date first sent.
    clock.advance(21 * DAY);
    let v = enquiries::get(&app, &cw, id).await.unwrap().enquiry.version;
    enquiries::chase(
        &app,
        &cw,
        id,
        &ChaseRequest {
            version: Some(v),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(casework_app::outbox::deliver_due(&app).await.unwrap(), 1);
    let sent = sink.messages();
    assert_eq!(sent.len(), 2);
    let chase = casework_mail::parse(&sent[1]);
    assert!(
        chase
            .subject
            .starts_with("Chasing: Passport application status"),
        "{}",
        chase.subject
    );
    assert!(
        chase.text.contains("We have not yet had a reply"),
        "{}",
        chase.text
    );
    assert!(chase.text.contains("Amara Okafor"), "{}", chase.text);
    // An out-of-office reply threads back too, but answers nothing.
    let auto = format!(
        "From: MP Enquiries <mp-enquiries@passport.example>\r\nTo: office@riverside.example\r\nSubject: Automatic reply: {}\r\nMessage-ID: <auto-{}@passport.example>\r\nIn-Reply-To: <{}>\r\nAuto-Submitted: auto-replied\r\n\r\nThe office is closed until Monday.\r\n",
        chase.subject,
        crate::harness::unique(),
        chase.message_id.trim_matches(|c| c == '<' || c == '>')
    );
    ingest(
        &app,
        office,
        vec![RawMessage {
            source: "in".into(),
            bytes: auto.into_bytes(),
        }],
    )
    .await
    .unwrap();
    assert!(
        enquiries::get(&app, &cw, id)
            .await
            .unwrap()
            .enquiry
            .answered_on
            .is_none(),
        "an auto-reply is not the answer"
    );
    // Their reply to the chase threads back and answers the enquiry.
    let reply = format!(
        "From: MP Enquiries <mp-enquiries@passport.example>\r\nTo: office@riverside.example\r\nSubject: Re: {}\r\nMessage-ID: <reply-{}@passport.example>\r\nIn-Reply-To: <{}>\r\n\r\nThe passport was issued yesterday.\r\n",
        chase.subject,
        crate::harness::unique(),
        chase.message_id.trim_matches(|c| c == '<' || c == '>')
    );
    ingest(
        &app,
        office,
        vec![RawMessage {
            source: "in".into(),
            bytes: reply.into_bytes(),
        }],
    )
    .await
    .unwrap();
    let done = enquiries::get(&app, &cw, id).await.unwrap();
    assert!(done.enquiry.answered_on.is_some(), "{:?}", done.enquiry);
    let answer = done.enquiry.answer_id.expect("the reply is kept with it");
    let reply = casework_app::correspondence::get(&app, &cw, answer)
        .await
        .unwrap();
    assert_eq!(reply.case_id, Some(case));
    assert!(reply.body_text.contains("issued yesterday"));
}

async fn review_dates_raise_a_task_once(t: TestApp) {
    let clock = ManualClock::new(noon(&t));
    let app = t.app_with_clock(clock.clone());
    let (_, _, cw_user, _, case) = office_with_case(&t, &app).await;
    let cw = t.actor(&cw_user).await;
    let review = casework_app::domain::dates::add_days(
        &casework_app::domain::dates::iso_date(app.now()),
        10,
    );
    let k = casework_app::cases::get(&app, &cw, case).await.unwrap();
    casework_app::cases::update(
        &app,
        &cw,
        case,
        &casework_app::cases::CasePatch {
            review_date: Some(Some(review.clone())),
            version: Some(k.version),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    jobs::register(&app).await.unwrap();
    clock.advance(9 * DAY);
    run_due(&app).await.unwrap();
    assert!(open_tasks(&app, &cw, case).await.is_empty());
    clock.advance(DAY);
    run_due(&app).await.unwrap();
    tasks::follow_up(&app).await.unwrap();
    assert_eq!(
        open_tasks(&app, &cw, case).await,
        [("review".to_owned(), review.clone())]
    );
    // Done, it stays done; a new review date brings a new one.
    let task = tasks::list(&app, &cw, Whose::Mine, None, true)
        .await
        .unwrap()[0]
        .clone();
    tasks::change(
        &app,
        &cw,
        task.id,
        &TaskUpdate {
            action: "complete".into(),
            version: Some(task.version),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    clock.advance(DAY);
    run_due(&app).await.unwrap();
    tasks::follow_up(&app).await.unwrap();
    assert!(open_tasks(&app, &cw, case).await.is_empty());
}

async fn bad_input_is_refused_and_nothing_is_half_done(t: TestApp) {
    let app = t.app.clone();
    let (office, manager_user, cw_user, agency, case) = office_with_case(&t, &app).await;
    let cw = t.actor(&cw_user).await;
    let manager = t.actor(&manager_user).await;
    let today = casework_app::domain::dates::iso_date(app.now());
    let ask = |agency_id: Option<i64>, extra: &dyn Fn(&mut EnquiryRequest)| {
        let mut r = EnquiryRequest {
            agency_id,
            send: "phone".into(),
            asked: "Status".into(),
            ..Default::default()
        };
        extra(&mut r);
        r
    };
    // A due date before the sent date.
    let r = ask(Some(agency), &|r| {
        r.sent_on = "2026-03-10".into();
        r.due_on = "2026-03-01".into();
    });
    assert_eq!(
        field(enquiries::open(&app, &cw, case, &r).await.unwrap_err()),
        "due_on"
    );
    // A sent date in the future.
    let r = ask(Some(agency), &|r| r.sent_on = "2999-01-01".into());
    assert!(field(enquiries::open(&app, &cw, case, &r).await.unwrap_err()).contains("sent_on"));
    // An unknown agency, and another office's.
    let r = ask(Some(999_999), &|_| {});
    assert_eq!(
        field(enquiries::open(&app, &cw, case, &r).await.unwrap_err()),
        "agency_id"
    );
    let other = t.office("Other").await;
    let other_manager = t.user(other, Role::OfficeManager).await;
    let theirs = agencies::create(
        &app,
        &t.actor(&other_manager).await,
        &AgencyInput {
            name: "Their Council".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = ask(Some(theirs), &|_| {});
    assert_eq!(
        field(enquiries::open(&app, &cw, case, &r).await.unwrap_err()),
        "agency_id"
    );
    // Email to an agency without an address; nothing is queued.
    let bare = agencies::create(
        &app,
        &manager,
        &AgencyInput {
            name: "Housing Board".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = ask(Some(bare), &|r| {
        r.send = "email".into();
        r.body = "Hello".into();
    });
    assert_eq!(
        field(enquiries::open(&app, &cw, case, &r).await.unwrap_err()),
        "send"
    );
    assert!(
        enquiries::for_case(&app, &cw, case)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        casework_app::outbox::for_case(&app, &cw, case)
            .await
            .unwrap()
            .is_empty()
    );
    // A volunteer may not write to agencies.
    let volunteer = t.user(office, Role::Volunteer).await;
    let r = ask(Some(agency), &|_| {});
    assert!(matches!(
        enquiries::open(&app, &t.actor(&volunteer).await, case, &r).await,
        Err(AppError::Forbidden(_) | AppError::NotFound)
    ));
    // A chase on a closed case.
    let id = enquiries::open(&app, &cw, case, &ask(Some(agency), &|_| {}))
        .await
        .unwrap();
    let k = casework_app::cases::get(&app, &cw, case).await.unwrap();
    casework_app::cases::update(
        &app,
        &cw,
        case,
        &casework_app::cases::CasePatch {
            status: Some("closed".into()),
            version: Some(k.version),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let before = enquiries::get(&app, &cw, id).await.unwrap().enquiry;
    let e = enquiries::chase(
        &app,
        &cw,
        id,
        &ChaseRequest {
            send: "phone".into(),
            version: Some(before.version),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field(e), "case");
    assert_eq!(
        enquiries::get(&app, &cw, id).await.unwrap().enquiry.chases,
        0
    );
    // A reply dated before the enquiry was sent.
    let e = enquiries::answer(
        &app,
        &cw,
        id,
        &AnswerRequest {
            answered_on: "2000-01-01".into(),
            version: Some(before.version),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field(e), "answered_on");
    // A stale version.
    let e = enquiries::answer(
        &app,
        &cw,
        id,
        &AnswerRequest {
            version: Some(before.version + 5),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(e, AppError::Conflict), "{e:?}");
    assert!(
        enquiries::get(&app, &cw, id)
            .await
            .unwrap()
            .enquiry
            .answered_on
            .is_none()
    );
    // A task for a deactivated user.
    let gone = t.user(office, Role::Caseworker).await;
    let admin = t.actor(&t.user(office, Role::Admin).await).await;
    let version = casework_app::staff::get_user(&app, &admin, gone.id)
        .await
        .unwrap()
        .version;
    casework_app::staff::update_user(&app, &admin, gone.id, version, "caseworker", false)
        .await
        .unwrap();
    let e = tasks::create(
        &app,
        &manager,
        &TaskInput {
            title: "Ring back".into(),
            assignee_id: Some(gone.id),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field(e), "assignee_id");
    // Snoozing without a reason or into the past; an unknown action.
    let task = tasks::create(
        &app,
        &cw,
        &TaskInput {
            title: "Ring back".into(),
            due_on: today.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let v = tasks::get(&app, &cw, task).await.unwrap().version;
    for (u, want) in [
        (
            TaskUpdate {
                action: "snooze".into(),
                until: casework_app::domain::dates::add_days(&today, 3),
                version: Some(v),
                ..Default::default()
            },
            "reason",
        ),
        (
            TaskUpdate {
                action: "snooze".into(),
                until: today.clone(),
                reason: "Waiting for a call".into(),
                version: Some(v),
                ..Default::default()
            },
            "until",
        ),
        (
            TaskUpdate {
                action: "explode".into(),
                version: Some(v),
                ..Default::default()
            },
            "action",
        ),
    ] {
        assert_eq!(
            field(tasks::change(&app, &cw, task, &u).await.unwrap_err()),
            want
        );
    }
    assert_eq!(tasks::get(&app, &cw, task).await.unwrap().due_on, today);
    // A duplicate agency name (case and spacing do not count).
    let e = agencies::create(
        &app,
        &manager,
        &AgencyInput {
            name: "  passport   PROGRAM ".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field(e), "name");
    // A caseworker may not change the directory.
    assert!(matches!(
        agencies::create(
            &app,
            &cw,
            &AgencyInput {
                name: "X".into(),
                ..Default::default()
            }
        )
        .await,
        Err(AppError::Forbidden(_))
    ));
}

async fn tasks_are_seen_by_their_people_and_office_managers(t: TestApp) {
    let app = t.app.clone();
    let (office, manager_user, cw_user, _, case) = office_with_case(&t, &app).await;
    let cw_id = cw_user.id;
    let cw = t.actor(&cw_user).await;
    let manager = t.actor(&manager_user).await;
    let other = t.user(office, Role::Caseworker).await;
    let other_actor = t.actor(&other).await;
    let today = casework_app::domain::dates::iso_date(app.now());
    // The manager gives the caseworker two tasks: one today, one overdue.
    for (title, due) in [
        ("Call the constituent", today.clone()),
        (
            "Send the form",
            casework_app::domain::dates::add_days(&today, -2),
        ),
    ] {
        tasks::create(
            &app,
            &manager,
            &TaskInput {
                title: title.into(),
                case_id: Some(case),
                assignee_id: Some(cw_id),
                due_on: due,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let day = tasks::day(&app, &cw, Whose::Mine).await.unwrap();
    assert_eq!((day.overdue.len(), day.due_today.len()), (1, 1));
    // Another caseworker sees none of them and may not look at others'.
    let theirs = tasks::day(&app, &other_actor, Whose::Mine).await.unwrap();
    assert_eq!(theirs.overdue.len() + theirs.due_today.len(), 0);
    assert!(matches!(
        tasks::day(&app, &other_actor, Whose::Everyone).await,
        Err(AppError::Forbidden(_))
    ));
    // They may add a task of their own.
    tasks::create(
        &app,
        &other_actor,
        &TaskInput {
            title: "x".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // The office manager sees everyone's, and the caseworker's alone.
    let all = tasks::day(&app, &manager, Whose::Everyone).await.unwrap();
    assert_eq!(all.overdue.len() + all.due_today.len(), 3);
    let hers = tasks::day(&app, &manager, Whose::Person(cw_id))
        .await
        .unwrap();
    assert_eq!(hers.overdue.len() + hers.due_today.len(), 2);
    // A volunteer may not take or complete a task nobody has on a case.
    let nobody = tasks::create(
        &app,
        &manager,
        &TaskInput {
            title: "Unclaimed".into(),
            case_id: Some(case),
            assignee_id: None,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let volunteer = t.actor(&t.user(office, Role::Volunteer).await).await;
    let v = tasks::get(&app, &manager, nobody).await.unwrap().version;
    assert!(matches!(
        tasks::change(
            &app,
            &volunteer,
            nobody,
            &TaskUpdate {
                action: "complete".into(),
                version: Some(v),
                ..Default::default()
            }
        )
        .await,
        Err(AppError::Forbidden(_))
    ));
    // Reassigned to the other caseworker, it moves to their day.
    let task = day.overdue[0].clone();
    tasks::change(
        &app,
        &manager,
        task.id,
        &TaskUpdate {
            action: "reassign".into(),
            assignee_id: Some(other.id),
            version: Some(task.version),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        tasks::day(&app, &other_actor, Whose::Mine)
            .await
            .unwrap()
            .overdue
            .len(),
        1
    );
    // Put off with a reason, it leaves today for the week.
    let t2 = tasks::day(&app, &cw, Whose::Mine).await.unwrap().due_today[0].clone();
    tasks::change(
        &app,
        &cw,
        t2.id,
        &TaskUpdate {
            action: "snooze".into(),
            until: casework_app::domain::dates::add_days(&today, 2),
            reason: "Constituent away until Monday".into(),
            version: Some(t2.version),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let day = tasks::day(&app, &cw, Whose::Mine).await.unwrap();
    assert_eq!(day.this_week.len(), 1);
    assert_eq!(day.this_week[0].snoozed, "Constituent away until Monday");
    // A task on a sensitive case is not seen by a caseworker it is not for.
    let k = casework_app::cases::get(&app, &cw, case).await.unwrap();
    casework_app::cases::update(
        &app,
        &manager,
        case,
        &casework_app::cases::CasePatch {
            sensitivity: Some("Highly sensitive".into()),
            version: Some(k.version),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        tasks::day(&app, &other_actor, Whose::Mine)
            .await
            .unwrap()
            .overdue
            .len(),
        0,
        "the reassigned task is on a case they may not see now"
    );
    assert!(matches!(
        tasks::get(&app, &other_actor, task.id).await,
        Err(AppError::NotFound)
    ));
}

async fn the_directory_imports_exports_and_carries_over_free_text(t: TestApp) {
    let app = t.app.clone();
    let office = t.office("Office").await;
    let manager = t.actor(&t.user(office, Role::OfficeManager).await).await;
    // Starter list, twice: the second adds nothing.
    let first = agencies::add_starter(&app, &manager, "ca-federal")
        .await
        .unwrap();
    assert!(first.added > 10);
    let again = agencies::add_starter(&app, &manager, "ca-federal")
        .await
        .unwrap();
    assert_eq!((again.added, again.already_there), (0, first.added));
    // A file with a bad line adds nothing.
    let bad = b"name,kind,level,email,phone,address,reply_days,needs_consent\nRiverside Council,local_authority,municipal,,,,14,no\nBroken,castle,,,,,,\n";
    let before = agencies::list(&app, &manager).await.unwrap().len();
    assert_eq!(
        field(agencies::import_csv(&app, &manager, bad).await.unwrap_err()),
        "file"
    );
    assert_eq!(agencies::list(&app, &manager).await.unwrap().len(), before);
    let good = b"name,kind,level,email,phone,address,reply_days,needs_consent\nRiverside Council,local_authority,municipal,casework@council.example,,City Hall / 1 Main St,14,yes\n";
    let r = agencies::import_csv(&app, &manager, good).await.unwrap();
    assert_eq!(r.added, 1);
    let csv = agencies::export_csv(&app, &manager).await.unwrap();
    assert!(
        csv.contains("Riverside Council,local_authority,municipal,casework@council.example,,City Hall / 1 Main St,14,yes"),
        "{csv}"
    );
    // The export reads back as the same directory.
    let parsed = agencies::parse_csv(csv.as_bytes()).unwrap();
    assert_eq!(parsed.len(), before + 1);

    // Free-text agencies on cases of an office from before the directory.
    let old = t.office("Old").await;
    let cw = t.user(old, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Noor", "Haddad").await;
    for agency in ["Home Office", "home  office", "HMRC"] {
        api.case(person, json!({"agency": agency})).await;
    }
    agencies::upgrade_offices(&app).await.unwrap();
    agencies::upgrade_offices(&app).await.unwrap();
    let old_manager = t.actor(&t.user(old, Role::OfficeManager).await).await;
    let names: Vec<String> = agencies::list(&app, &old_manager)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["HMRC", "Home Office"]);
    let report = agencies::report(&app, &old_manager).await.unwrap().unwrap();
    assert!(
        report.contains("\"Home Office\" (2 cases) was also written \"home office\" (1)"),
        "{report}"
    );
}

async fn consent_is_needed_before_writing_to_an_agency_that_asks_for_it(t: TestApp) {
    let app = t.app.clone();
    let (_, manager_user, cw_user, plain, case) = office_with_case(&t, &app).await;
    let cw = t.actor(&cw_user).await;
    let manager = t.actor(&manager_user).await;
    let guarded = agencies::create(
        &app,
        &manager,
        &AgencyInput {
            name: "Immigration Department".into(),
            needs_consent: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let ask = |override_consent: &str| EnquiryRequest {
        agency_id: Some(guarded),
        send: "phone".into(),
        asked: "Where is the visa application?".into(),
        override_consent: override_consent.into(),
        ..Default::default()
    };
    let refusal = |e: AppError| match e {
        AppError::Invalid(f) => f.get("consent").expect("a consent error").to_owned(),
        other => panic!("expected the consent refusal, got {other:?}"),
    };
    // None on the case.
    let why = refusal(
        enquiries::open(&app, &cw, case, &ask(""))
            .await
            .unwrap_err(),
    );
    assert!(why.contains("there is none on this case"), "{why}");
    let consent = |r: ConsentRequest| {
        let app = app.clone();
        let cw = cw.clone();
        async move { enquiries::record_consent(&app, &cw, case, &r).await }
    };
    // Consent that has expired.
    let c = consent(ConsentRequest {
        all_agencies: true,
        method: "signed_form".into(),
        given_on: "2025-01-10".into(),
        expires_on: "2025-07-10".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(c > 0);
    let why = refusal(
        enquiries::open(&app, &cw, case, &ask(""))
            .await
            .unwrap_err(),
    );
    assert!(why.contains("expired on 2025-07-10"), "{why}");
    // Consent that covers another agency only.
    consent(ConsentRequest {
        all_agencies: false,
        agency_ids: vec![plain],
        method: "email".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let why = refusal(
        enquiries::open(&app, &cw, case, &ask(""))
            .await
            .unwrap_err(),
    );
    assert!(why.contains("covers only Passport Program"), "{why}");
    assert!(
        enquiries::for_case(&app, &cw, case)
            .await
            .unwrap()
            .is_empty()
    );
    // A caseworker may not override; an office manager may, and it is recorded.
    assert!(matches!(
        enquiries::open(&app, &cw, case, &ask("Urgent: removal date tomorrow")).await,
        Err(AppError::Forbidden(_))
    ));
    let id = enquiries::open(&app, &manager, case, &ask("Urgent: removal date tomorrow"))
        .await
        .unwrap();
    let e = enquiries::get(&app, &manager, id).await.unwrap().enquiry;
    assert_eq!(e.consent_override, "Urgent: removal date tomorrow");
    let history = casework_app::cases::timeline(&app, &manager, case)
        .await
        .unwrap();
    assert!(
        history.iter().any(|h| h
            .body
            .contains("without the constituent's consent on record")),
        "the override is in the case's history"
    );
    // Bad consent is refused, field by field.
    for (r, want) in [
        (
            ConsentRequest {
                all_agencies: true,
                ..Default::default()
            },
            "method",
        ),
        (
            ConsentRequest {
                all_agencies: true,
                method: "phone".into(),
                ..Default::default()
            },
            "note",
        ),
        (
            ConsentRequest {
                all_agencies: true,
                method: "email".into(),
                given_on: "2026-01-10".into(),
                expires_on: "2026-01-01".into(),
                ..Default::default()
            },
            "expires_on",
        ),
        (
            ConsentRequest {
                agency_ids: vec![999_999],
                method: "email".into(),
                ..Default::default()
            },
            "agency_ids",
        ),
        (
            ConsentRequest {
                all_agencies: true,
                method: "email".into(),
                given_on: "2999-01-01".into(),
                ..Default::default()
            },
            "given_on",
        ),
    ] {
        assert_eq!(field(consent(r).await.unwrap_err()), want);
    }
    // Valid consent for every agency lets the caseworker write.
    consent(ConsentRequest {
        all_agencies: true,
        method: "in_person".into(),
        note: "Signed at the surgery on Friday.".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    enquiries::open(&app, &cw, case, &ask("")).await.unwrap();
    let list = enquiries::consents(&app, &cw, case).await.unwrap();
    assert_eq!(
        list.iter().filter(|c| c.valid).count(),
        2,
        "the listed one and the new one"
    );
    // Withdrawn, it no longer covers the agency.
    for c in list.iter().filter(|c| c.valid) {
        enquiries::withdraw_consent(&app, &cw, case, c.consent.id)
            .await
            .unwrap();
    }
    let why = refusal(
        enquiries::open(&app, &cw, case, &ask(""))
            .await
            .unwrap_err(),
    );
    assert!(
        why.contains("needs the constituent's written consent"),
        "{why}"
    );
    // Nor may it be chased now.
    let open = enquiries::for_case(&app, &cw, case)
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.enquiry.answered_on.is_none())
        .unwrap();
    let why = refusal(
        enquiries::chase(
            &app,
            &cw,
            open.enquiry.id,
            &ChaseRequest {
                send: "phone".into(),
                version: Some(open.enquiry.version),
                ..Default::default()
            },
        )
        .await
        .unwrap_err(),
    );
    assert!(why.contains("before chasing"), "{why}");
    // The consent form: a letter on the case, pre-filled, ready to sign.
    let letter = enquiries::consent_form(&app, &cw, case).await.unwrap();
    let c = casework_app::correspondence::get(&app, &cw, letter)
        .await
        .unwrap();
    assert_eq!(c.case_id, Some(case));
    assert!(c.body_text.contains("AUTHORITY TO ACT"), "{}", c.body_text);
    assert!(c.body_text.contains("I, Amara Okafor"), "{}", c.body_text);
    assert!(c.body_text.contains("Signed: ____"), "{}", c.body_text);
}

async fn agency_turnaround_counts_what_the_reader_may_see(t: TestApp) {
    use casework_app::domain::dates::add_days;
    let app = t.app.clone();
    let (office, manager_user, cw_user, slow, case) = office_with_case(&t, &app).await;
    let cw = t.actor(&cw_user).await;
    let manager = t.actor(&manager_user).await;
    let quick = agencies::create(
        &app,
        &manager,
        &AgencyInput {
            name: "Quick Council".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let today = casework_domain_today(&app);
    // Three to the passport office, answered after 10, 20 and 30 days.
    for wait in [10, 20, 30] {
        let sent = add_days(&today, -40);
        let id = enquiries::open(
            &app,
            &cw,
            case,
            &EnquiryRequest {
                agency_id: Some(slow),
                send: "phone".into(),
                asked: format!("Wait {wait}"),
                sent_on: sent.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let v = enquiries::get(&app, &cw, id).await.unwrap().enquiry.version;
        enquiries::answer(
            &app,
            &cw,
            id,
            &AnswerRequest {
                answered_on: add_days(&sent, wait),
                version: Some(v),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    // One to the council, overdue, with its chase task made.
    enquiries::open(
        &app,
        &cw,
        case,
        &EnquiryRequest {
            agency_id: Some(quick),
            send: "phone".into(),
            asked: "Bins".into(),
            sent_on: add_days(&today, -30),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tasks::follow_up(&app).await.unwrap();
    // One on a highly sensitive case of the manager's: not the caseworker's to count.
    let api = t.api(&manager_user);
    let person = api.constituent("Lena", "Fischer").await;
    let hidden = api
        .case(person, json!({"title": "Private", "sensitivity": "Highly sensitive", "assignee_id": manager_user.id}))
        .await["id"]
        .as_i64()
        .unwrap();
    enquiries::open(
        &app,
        &manager,
        hidden,
        &EnquiryRequest {
            agency_id: Some(quick),
            send: "phone".into(),
            asked: "Private".into(),
            sent_on: add_days(&today, -30),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let _ = office;
    let rows = agencies::turnaround(&app, &cw, "", "").await.unwrap();
    let by = |id: i64| rows.iter().find(|r| r.agency_id == id).unwrap().clone();
    let p = by(slow);
    assert_eq!(
        (p.sent, p.answered, p.median_days, p.p90_days),
        (3, 3, Some(20), Some(30))
    );
    assert_eq!(p.overdue, 0);
    let c = by(quick);
    assert_eq!(
        (
            c.sent,
            c.answered,
            c.median_days,
            c.overdue,
            c.chases_needed
        ),
        (1, 0, None, 1, 1)
    );
    assert_eq!(
        (rows[0].agency_id, rows[1].agency_id),
        (quick, slow),
        "the slowest first: one that answered nothing, then by median"
    );
    // Each count is the length of the list behind it.
    let list = |agency: i64, state: &str| {
        let app = app.clone();
        let cw = cw.clone();
        let state = state.to_owned();
        async move {
            enquiries::list(
                &app,
                &cw,
                &enquiries::ListQuery {
                    agency_id: Some(agency),
                    state,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .items
            .len() as i64
        }
    };
    assert_eq!(list(quick, "overdue").await, c.overdue);
    assert_eq!(list(quick, "chase").await, c.chases_needed);
    assert_eq!(list(slow, "answered").await, p.answered);
    // The office manager sees the sensitive case's enquiry too.
    let all = agencies::turnaround(&app, &manager, "", "").await.unwrap();
    let c = all.iter().find(|r| r.agency_id == quick).unwrap();
    assert_eq!((c.sent, c.overdue), (2, 2));
    let csv = agencies::turnaround_csv(&rows).unwrap();
    assert!(csv.contains("Passport Program,3,3,20,30,0,0"), "{csv}");
    // A period that ends before it starts is refused.
    assert_eq!(
        field(
            agencies::turnaround(&app, &cw, "2026-05-01", "2026-04-01")
                .await
                .unwrap_err()
        ),
        "from"
    );
}

fn casework_domain_today(app: &App) -> String {
    casework_app::domain::dates::iso_date(app.now())
}

/// Reads an iCalendar file with Python's `icalendar` (an independent
/// parser): each event's (UID, summary, start date).
fn read_calendar(text: &str) -> Vec<(String, String, String)> {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, json, icalendar\n\
cal = icalendar.Calendar.from_ical(sys.stdin.read())\n\
assert cal.name == 'VCALENDAR'\n\
print(json.dumps([[str(e['UID']), str(e['SUMMARY']), e.decoded('DTSTART').isoformat(), 'DTSTAMP' in e] for e in cal.walk('VEVENT')]))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 with icalendar (.ci/run installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python icalendar refused the feed:\n{text}"
    );
    let rows: Vec<(String, String, String, bool)> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.iter().all(|r| r.3), "every event has a DTSTAMP");
    rows.into_iter().map(|(u, s, d, _)| (u, s, d)).collect()
}

async fn the_calendar_feed_reads_back_as_rfc_5545_and_stops_when_revoked(t: TestApp) {
    let app = t.app.clone();
    let (_, _, cw_user, agency, case) = office_with_case(&t, &app).await;
    let cw = t.actor(&cw_user).await;
    let today = casework_domain_today(&app);
    let review = casework_app::domain::dates::add_days(&today, 14);
    let k = casework_app::cases::get(&app, &cw, case).await.unwrap();
    casework_app::cases::update(
        &app,
        &cw,
        case,
        &casework_app::cases::CasePatch {
            review_date: Some(Some(review.clone())),
            version: Some(k.version),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    phone_enquiry(&app, &cw, case, agency, "Status").await;
    tasks::create(
        &app,
        &cw,
        &TaskInput {
            title: "Call back about the form".into(),
            due_on: casework_app::domain::dates::add_days(&today, 2),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Made through the API; read without signing in.
    let api = t.api(&cw_user);
    let r = api.post("/api/v1/me/calendar-feed", json!({})).await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{:?}", r.body);
    let url = r.body["url"].as_str().unwrap().to_owned();
    let path = url[url.find("/calendar/").unwrap()..].to_owned();
    let client = reqwest::Client::new();
    let fetch = |path: String| {
        let client = client.clone();
        let base = api.base.clone();
        async move {
            let r = client.get(format!("{base}{path}")).send().await.unwrap();
            let kind = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (r.status(), kind, r.text().await.unwrap())
        }
    };
    let (status, kind, text) = fetch(path.clone()).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(kind.starts_with("text/calendar"), "{kind}");
    let events = read_calendar(&text);
    let due = casework_app::domain::dates::add_days(&today, 21);
    let find = |prefix: &str| {
        events
            .iter()
            .find(|e| e.1.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix} in {events:?}"))
            .clone()
    };
    assert_eq!(
        find("Task: Call back about the form").2,
        casework_app::domain::dates::add_days(&today, 2)
    );
    assert_eq!(find("Reply due: Passport Program").2, due);
    assert_eq!(find("Review CW-").2, review);
    let uids: std::collections::HashSet<&String> = events.iter().map(|e| &e.0).collect();
    assert_eq!(uids.len(), events.len(), "each event has its own UID");
    assert!(
        !text.contains("Amara"),
        "no constituent's name leaves in the feed"
    );
    // Another token, or a revoked one, is not found.
    let (status, _, _) = fetch(format!("/calendar/{}.ics", "0".repeat(64))).await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);
    let r = api
        .send(
            reqwest::Method::DELETE,
            "/api/v1/me/calendar-feed",
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::NO_CONTENT);
    let (status, _, body) = fetch(path.clone()).await;
    assert_eq!(
        status,
        reqwest::StatusCode::NOT_FOUND,
        "revoked at once: {body}"
    );
    assert!(
        !api.get("/api/v1/me/calendar-feed").await.body["active"]
            .as_bool()
            .unwrap()
    );
}

async fn the_daily_digest_goes_once_a_day_at_the_office_hour(t: TestApp, sink: SmtpSink) {
    // 11:30 UTC on a winter day is 06:30 in Toronto.
    let start = casework_app::domain::dates::days_from_civil(2027, 1, 14) * DAY
        + 11 * 3_600_000
        + 1_800_000;
    let clock = ManualClock::new(start);
    let app = t.app_with_clock(clock.clone());
    let (office, manager_user, cw_user, _, case) = office_with_case(&t, &app).await;
    let manager = t.actor(&manager_user).await;
    let cw = t.actor(&cw_user).await;
    tasks::save_settings(&app, &manager, Some(2), "America/Toronto", Some(7), Some(0))
        .await
        .unwrap();
    assert_eq!(
        field(
            tasks::save_settings(&app, &manager, Some(2), "Mars/Olympus", Some(7), Some(0))
                .await
                .unwrap_err()
        ),
        "time_zone"
    );
    for (title, due, case_id) in [
        ("Send the form back", "2027-01-13", None),
        ("Ring the constituent", "2027-01-14", Some(case)),
        ("Next week's visit", "2027-01-20", None),
    ] {
        tasks::create(
            &app,
            &cw,
            &TaskInput {
                title: title.into(),
                due_on: due.into(),
                case_id,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    // A colleague who turned the digest off gets none, though a task is due.
    let quiet = t.user(office, Role::Caseworker).await;
    let quiet_actor = t.actor(&quiet).await;
    tasks::create(
        &app,
        &quiet_actor,
        &TaskInput {
            title: "Quiet".into(),
            due_on: "2027-01-14".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tasks::set_digest(&app, &quiet_actor, false).await.unwrap();
    // 06:30 in Toronto: not yet.
    assert_eq!(tasks::send_digests(&app).await.unwrap(), 0);
    // 07:15: one, to the caseworker (the manager has nothing due).
    clock.advance(45 * 60_000);
    jobs::register(&app).await.unwrap();
    run_due(&app).await.unwrap();
    let (_, second_store) = t.second_app().await;
    let second = App::with_clock(
        second_store,
        t.app.files.clone(),
        t.app.settings.clone(),
        Arc::new(clock.clone()),
    );
    assert_eq!(
        tasks::send_digests(&second).await.unwrap(),
        0,
        "once a day, whichever server"
    );
    assert_eq!(tasks::send_digests(&app).await.unwrap(), 0);
    let sent = sink.messages();
    assert_eq!(sent.len(), 1, "one digest");
    let d = casework_mail::parse(&sent[0]);
    assert!(
        d.to.iter().any(|a| a.contains(&cw_user.email)),
        "{:?}",
        d.to
    );
    assert_eq!(d.subject, "Casework: 1 overdue, 1 due today");
    assert!(
        d.text.contains("- Send the form back, due 2027-01-13"),
        "{}",
        d.text
    );
    assert!(d.text.contains("- Ring the constituent (CW-"), "{}", d.text);
    assert!(!d.text.contains("Next week"), "{}", d.text);
    assert!(
        !d.text.contains("Amara"),
        "no constituent's name in the digest"
    );
    // The next morning, another.
    clock.advance(DAY);
    assert_eq!(tasks::send_digests(&app).await.unwrap(), 1);
    assert_eq!(sink.messages().len(), 2);
}

async fn the_task_forms_go_back_only_to_this_site(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let b = t.browser();
    b.sign_in(&cw.email, crate::harness::PASSWORD).await;
    let day = b.get("/").await;
    assert!(day.html.contains("<h1>My day</h1>"));
    let csrf = day.csrf();
    for (back, want) in [
        ("//evil.example/", "/?notice=task_added"),
        ("https://evil.example/", "/?notice=task_added"),
        ("/cases?view=mine", "/cases?view=mine&notice=task_added"),
    ] {
        let r = b
            .post(
                "/tasks",
                &[
                    ("csrf", csrf.as_str()),
                    ("title", "Ring back"),
                    ("back", back),
                ],
            )
            .await;
        assert_eq!(r.status, reqwest::StatusCode::SEE_OTHER, "{}", r.html);
        assert_eq!(r.location, want, "back={back}");
    }
}
