//! The weekly review: every figure of a fixed office on a fixed clock
//! against hand-counted numbers, each one the length of the list it links
//! to, under each reader's permissions; recording a review whose actions
//! become tasks and come back at the next review; past reviews; CSV.

use casework_app::briefing;
use casework_app::cases::{self, CaseInput, CasePatch, CaseQuery};
use casework_app::constituents::{self, ConstituentInput};
use casework_app::domain::Role;
use casework_app::domain::dates::day_of;
use casework_app::enquiries::{self, ListQuery};
use casework_app::intake::{self, RawMessage};
use casework_app::letters::{self, LetterRequest};
use casework_app::outbox::{self, EmailRequest};
use casework_app::review::{self, Figure, Review, ReviewQuery};
use casework_app::review_csv;
use casework_app::review_meeting::{self, ActionInput, RecordInput};
use casework_app::tasks::{self, TaskInput, TaskUpdate, Whose};
use casework_app::trends::{self, MessagesQuery};
use casework_app::{Actor, App, AppError, ManualClock};

use crate::follow_up::{DAY, field, phone_enquiry};
use crate::harness::TestApp;
use crate::on_both_backends;

on_both_backends!(
    every_figure_is_hand_counted_and_the_length_of_its_list,
    a_recorded_review_makes_tasks_and_the_next_one_opens_with_them,
    trends_and_date_filters_count_the_office_s_own_days,
);
crate::with_sink!(
    the_briefing_reads_back_leaves_out_what_the_reader_may_not_see_and_is_emailed_once
);

/// 2026-12-09 (a Wednesday) at `hour`:00 UTC, moved by `days`.
pub(crate) fn at(days: i64, hour: i64) -> i64 {
    day_of("2026-12-09") * DAY + days * DAY + hour * 3_600_000
}

/// Records the reply to enquiry `id`, received on `day`.
pub(crate) async fn answer(app: &App, by: &Actor, id: i64, day: &str, note: &str) {
    let version = enquiries::get(app, by, id).await.unwrap().enquiry.version;
    enquiries::answer(
        app,
        by,
        id,
        &enquiries::AnswerRequest {
            answered_on: day.into(),
            note: note.into(),
            version: Some(version),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

pub(crate) struct Office {
    pub(crate) app: App,
    pub(crate) clock: ManualClock,
    pub(crate) manager: Actor,
    pub(crate) cw1: Actor,
    pub(crate) cw2: Actor,
    /// P1 … P4 (the four weeks before), A, B, S (the week reviewed).
    cases: Vec<(String, i64, String)>,
}

impl Office {
    pub(crate) fn case(&self, name: &str) -> (i64, String) {
        let (_, id, reference) = self.cases.iter().find(|(n, _, _)| n == name).unwrap();
        (*id, reference.clone())
    }
}

async fn open_case(
    app: &App,
    by: &Actor,
    name: &str,
    category: &str,
    urgency: &str,
    sensitivity: &str,
    assignee: Option<i64>,
    review_date: Option<&str>,
) -> (String, i64, String) {
    let person = constituents::create(
        app,
        by,
        &ConstituentInput {
            first_name: name.into(),
            last_name: "Example".into(),
            postcode: "RV1 2AB".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let k = cases::open(
        app,
        by,
        &CaseInput {
            constituent_id: person.id,
            title: format!("Case {name}"),
            category: category.into(),
            urgency: urgency.into(),
            sensitivity: sensitivity.into(),
            assignee_id: assignee,
            review_date: review_date.map(str::to_owned),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    (name.to_owned(), k.id, k.reference)
}

/// The office: its history over five weeks, "today" 2026-12-09 noon UTC.
///
/// Weeks start on Monday: the week reviewed is 30 Nov – 6 Dec.
/// - P1 (Mon 2 Nov, Housing, caseworker 1): an enquiry by phone, due
///   23 Nov, unanswered (overdue); nothing since (quiet).
/// - P2 (Tue 3 Nov, Housing, caseworker 1, review date 1 Dec): quiet.
/// - P3 (Tue 10 Nov, Immigration, nobody's): an enquiry sent 20 Nov, due
///   11 Dec (due within a week); not quiet (the enquiry is activity).
/// - P4 (Wed 25 Nov, Housing, Urgent, caseworker 2): an enquiry sent
///   25 Nov, answered 3 Dec (8 days).
/// - A (Mon 30 Nov 09:00, Housing, Urgent, caseworker 1): an email on
///   1 Dec 09:00 (first reply after 1 day), resolved 3 Dec 09:00 (3 days);
///   raised with the representative on 2 Dec.
/// - B (Tue 1 Dec 09:00, Immigration, Emergency, caseworker 1): a letter
///   on 3 Dec 09:00 (2 days), printed 3 Dec; closed 5 Dec 09:00 (4 days).
/// - S (Wed 2 Dec 09:00, Housing, Highly sensitive, caseworker 2): an
///   email waiting for approval; raised with the representative on 4 Dec.
/// - Mail into intake on Sat 5 Dec (waiting over two days by 9 Dec) and
///   on Tue 8 Dec (the week after, and not yet two days).
/// - A task of caseworker 1 due 1 Dec, not done (overdue).
pub(crate) async fn office(t: &TestApp) -> Office {
    let clock = ManualClock::new(at(-37, 12));
    let app = t.app_with_clock(clock.clone());
    let office = t.office("Review").await;
    let manager = t.actor(&t.user(office, Role::OfficeManager).await).await;
    let cw1 = t.actor(&t.user(office, Role::Caseworker).await).await;
    let cw2 = t.actor(&t.user(office, Role::Caseworker).await).await;
    let agency = casework_app::agencies::create(
        &app,
        &manager,
        &casework_app::agencies::AgencyInput {
            name: "Housing Authority".into(),
            email: "enquiries@housing.example".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut cases = Vec::new();
    let m = &manager;
    // Mon 2 Nov
    clock.set(at(-37, 12));
    cases.push(open_case(&app, m, "P1", "Housing", "", "", Some(cw1.user_id), None).await);
    phone_enquiry(
        &app,
        m,
        cases[0].1,
        agency,
        "When will the repairs be made?",
    )
    .await;
    clock.set(at(-36, 12));
    cases.push(
        open_case(
            &app,
            m,
            "P2",
            "Housing",
            "",
            "",
            Some(cw1.user_id),
            Some("2026-12-01"),
        )
        .await,
    );
    clock.set(at(-29, 12));
    cases.push(open_case(&app, m, "P3", "Immigration", "", "", None, None).await);
    clock.set(at(-19, 12));
    phone_enquiry(&app, m, cases[2].1, agency, "Is the visa decided?").await;
    clock.set(at(-14, 12));
    cases.push(
        open_case(
            &app,
            m,
            "P4",
            "Housing",
            "urgent",
            "",
            Some(cw2.user_id),
            None,
        )
        .await,
    );
    let asked = phone_enquiry(&app, m, cases[3].1, agency, "Can the family be moved?").await;
    clock.set(at(-6, 12));
    answer(&app, m, asked, "2026-12-03", "Moved on Friday.").await;

    clock.set(at(-9, 9));
    cases.push(
        open_case(
            &app,
            m,
            "A",
            "Housing",
            "urgent",
            "",
            Some(cw1.user_id),
            None,
        )
        .await,
    );
    clock.set(at(-8, 9));
    cases.push(
        open_case(
            &app,
            m,
            "B",
            "Immigration",
            "emergency",
            "",
            Some(cw1.user_id),
            None,
        )
        .await,
    );
    outbox::send_email(
        &app,
        &cw1,
        cases[4].1,
        &EmailRequest {
            to: vec!["a@example.org".into()],
            subject: "Your repairs".into(),
            body: "We have written to the council.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tasks::create(
        &app,
        &cw1,
        &TaskInput {
            title: "Ring the council".into(),
            due_on: "2026-12-01".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    clock.set(at(-7, 9));
    cases.push(
        open_case(
            &app,
            m,
            "S",
            "Housing",
            "",
            "Highly sensitive",
            Some(cw2.user_id),
            None,
        )
        .await,
    );
    review_meeting::flag(&app, &cw1, cases[4].1, "Council ignoring repairs")
        .await
        .unwrap();
    outbox::send_email(
        &app,
        &cw2,
        cases[6].1,
        &EmailRequest {
            to: vec!["s@example.org".into()],
            subject: "Your hearing".into(),
            body: "We will be there.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    clock.set(at(-6, 9));
    let letter = letters::create(
        &app,
        &cw1,
        cases[5].1,
        &LetterRequest {
            body: Some("Dear constituent, we have written to the department.".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    cases::update(
        &app,
        &cw1,
        cases[4].1,
        &CasePatch {
            status: Some("resolved".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    clock.set(at(-6, 10));
    letters::print(&app, &cw1, &[letter]).await.unwrap();
    clock.set(at(-5, 9));
    review_meeting::flag(&app, &cw2, cases[6].1, "Eviction hearing on Friday")
        .await
        .unwrap();
    clock.set(at(-4, 9));
    cases::update(
        &app,
        &cw1,
        cases[5].1,
        &CasePatch {
            status: Some("closed".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for (day, subject, body) in [
        (
            -4,
            "Bins not collected",
            "The bins on Mill Lane have not been emptied for three weeks.",
        ),
        (
            -1,
            "Noise at night",
            "A generator runs all night behind the station car park.",
        ),
    ] {
        clock.set(at(day, 15));
        let raw = format!(
            "From: Resident <resident{day}@example.org>\r\nTo: office@casework.test\r\nSubject: {subject}\r\nMessage-ID: <{}@example.org>\r\n\r\n{body}\r\n",
            crate::harness::unique()
        );
        let office_id = manager.office_id;
        intake::ingest(
            &app,
            office_id,
            vec![RawMessage {
                source: "test".into(),
                bytes: raw.into_bytes(),
            }],
        )
        .await
        .unwrap();
    }
    clock.set(at(0, 12));
    Office {
        app,
        clock,
        manager,
        cw1,
        cw2,
        cases,
    }
}

/// How many items the list at `link` holds for `actor`, read through the
/// same services the pages use, page after page.
pub(crate) async fn list_len(app: &App, actor: &Actor, link: &str) -> i64 {
    let (path, query) = link.split_once('?').unwrap_or((link, ""));
    match path {
        "/cases" => {
            let mut q: CaseQuery = serde_urlencoded::from_str(query).unwrap();
            let mut n = 0;
            loop {
                let page = cases::list(app, actor, &q).await.unwrap();
                n += page.items.len() as i64;
                match page.next {
                    Some(c) => q.cursor = Some(c.encode()),
                    None => return n,
                }
            }
        }
        "/messages" => {
            let mut q: MessagesQuery = serde_urlencoded::from_str(query).unwrap();
            let mut n = 0;
            loop {
                let page = trends::messages(app, actor, &q).await.unwrap();
                n += page.items.len() as i64;
                match page.next {
                    Some(c) => q.cursor = Some(c.encode()),
                    None => return n,
                }
            }
        }
        "/enquiries" => {
            let mut q: ListQuery = serde_urlencoded::from_str(query).unwrap();
            let mut n = 0;
            loop {
                let page = enquiries::list(app, actor, &q).await.unwrap();
                n += page.items.len() as i64;
                match page.next {
                    Some(c) => q.cursor = Some(c.encode()),
                    None => return n,
                }
            }
        }
        "/tasks" => {
            let whose = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("whose="))
                .unwrap_or("mine");
            let whose = match whose {
                "mine" => Whose::Mine,
                "unassigned" => Whose::Unassigned,
                id => Whose::Person(id.parse().unwrap()),
            };
            let mut cursor: Option<String> = None;
            let mut n = 0;
            loop {
                let page = tasks::overdue(app, actor, whose, cursor.as_deref())
                    .await
                    .unwrap();
                n += page.items.len() as i64;
                match page.next {
                    Some(c) => cursor = Some(c.encode()),
                    None => return n,
                }
            }
        }
        other => panic!("no list checker for {other}"),
    }
}

async fn open_tasks(app: &App, actor: &Actor, case: i64) -> Vec<casework_app::views::Task> {
    tasks::list(app, actor, Whose::Everyone, Some(case), true)
        .await
        .unwrap()
}

/// Every number of the review with a list: (what, number, list).
pub(crate) fn figures(r: &Review) -> Vec<(String, i64, String)> {
    let mut out = Vec::new();
    let mut add = |what: String, f: &Figure| {
        if let Some(l) = &f.list {
            out.push((what, f.n, l.clone()));
        }
    };
    for f in r
        .went_out
        .figures
        .iter()
        .chain(&r.needs_action)
        .chain(&r.ages)
    {
        add(f.label.clone(), f);
    }
    for l in &r.workload {
        add(format!("{} open", l.name), &l.open);
        add(format!("{} new", l.name), &l.new_this_week);
        add(format!("{} overdue", l.name), &l.overdue_tasks);
    }
    for a in &r.agencies {
        add(format!("{} answered", a.name), &a.answered);
    }
    for x in r
        .came_in
        .totals
        .iter()
        .chain(r.came_in.breakdowns.iter().flat_map(|b| &b.rows))
    {
        if let Some(l) = &x.list {
            out.push((x.value.clone(), x.n, l.clone()));
        }
    }
    out
}

fn n(list: &[Figure], label: &str) -> i64 {
    list.iter()
        .find(|f| f.label == label)
        .unwrap_or_else(|| panic!("no figure {label:?} in {list:?}"))
        .n
}

fn row(r: &Review, by: &str, value: &str) -> (i64, f64) {
    let rows = if by == "Total" {
        &r.came_in.totals
    } else {
        &r.came_in
            .breakdowns
            .iter()
            .find(|b| b.by == by)
            .unwrap()
            .rows
    };
    rows.iter()
        .find(|x| x.value == value)
        .map(|x| (x.n, x.average))
        .unwrap_or((0, 0.0))
}

async fn every_figure_is_hand_counted_and_the_length_of_its_list(t: TestApp) {
    let o = office(&t).await;
    let (app, m) = (&o.app, &o.manager);
    let r = review::review(app, m, &ReviewQuery::default())
        .await
        .unwrap();
    assert_eq!(r.week.from, "2026-11-30");
    assert_eq!(r.week.to, "2026-12-07");
    assert_eq!(r.week.next.as_deref(), Some("2026-12-07"));
    assert_eq!(r.today, "2026-12-09");

    // What came in: 3 new cases against 1 a week before; by Category.
    assert_eq!(row(&r, "Total", "New cases"), (3, 1.0));
    assert_eq!(row(&r, "Total", "Mail in (not campaigns)"), (1, 0.0));
    assert_eq!(row(&r, "Total", "Campaign mail"), (0, 0.0));
    assert_eq!(row(&r, "Category", "Housing"), (2, 0.8));
    assert_eq!(row(&r, "Category", "Immigration"), (1, 0.3));
    assert_eq!(row(&r, "Urgency", "Urgent").0, 1);
    assert_eq!(row(&r, "Urgency", "Emergency").0, 1);
    assert_eq!(row(&r, "Location", "RV1").0, 3);
    assert_eq!(row(&r, "Channel", "Email"), (1, 0.0));
    let weeks: Vec<i64> = r.came_in.weeks.iter().map(|w| w.cases).collect();
    assert_eq!(weeks, [2, 1, 0, 1, 3]);

    // What went out and closed.
    let out = &r.went_out;
    assert_eq!(n(&out.figures, "Emails sent"), 2);
    assert_eq!(n(&out.figures, "Letters printed"), 1);
    assert_eq!(n(&out.figures, "Cases resolved"), 2);
    assert_eq!(n(&out.figures, "Cases closed"), 1);
    // First replies: A after 1 day, B after 2, S (waiting) after 0.
    assert_eq!(out.first_response.cases, 3);
    assert_eq!(out.first_response.days, Some(1.0));
    assert_eq!(out.resolution.cases, 2);
    assert_eq!(out.resolution.days, Some(3.5));
    assert_eq!(out.resolution_quarter.cases, 0);

    // What needs action (as of 9 Dec).
    let act = &r.needs_action;
    assert_eq!(n(act, "Enquiries overdue for a reply"), 1);
    assert_eq!(n(act, "Enquiries due within a week"), 1);
    assert_eq!(n(act, "Cases past their review date"), 1);
    assert_eq!(n(act, "Cases with no activity for 28 days"), 2);
    assert_eq!(n(act, "Urgent cases open"), 1);
    assert_eq!(n(act, "Emergency cases open"), 0);
    assert_eq!(n(act, "Highly sensitive cases open"), 1);
    assert_eq!(n(act, "Drafts waiting for approval"), 1);
    assert_eq!(n(act, "Mail in intake for over 2 days"), 1);

    // Workload and ages.
    let load = |id: Option<i64>| r.workload.iter().find(|l| l.person_id == id).unwrap();
    let w1 = load(Some(o.cw1.user_id));
    assert_eq!(
        (w1.open.n, w1.new_this_week.n, w1.overdue_tasks.n),
        (2, 2, 1)
    );
    let w2 = load(Some(o.cw2.user_id));
    assert_eq!(
        (w2.open.n, w2.new_this_week.n, w2.overdue_tasks.n),
        (2, 1, 0)
    );
    let nobody = load(None);
    assert_eq!((nobody.open.n, nobody.new_this_week.n), (1, 0));
    assert_eq!(n(&r.ages, "Under 2 weeks"), 2);
    assert_eq!(n(&r.ages, "2 to 6 weeks"), 3);
    assert_eq!(n(&r.ages, "Over a year"), 0);

    // The slowest agencies this quarter: the one that answered, in 8 days.
    assert_eq!(r.agencies.len(), 1);
    assert_eq!(r.agencies[0].name, "Housing Authority");
    assert_eq!(r.agencies[0].median_days, 8.0);
    assert_eq!(r.agencies[0].answered.n, 1);

    // For the representative: both raised cases, in order.
    let flagged: Vec<&str> = r.flagged.iter().map(|f| f.summary.as_str()).collect();
    assert_eq!(
        flagged,
        ["Council ignoring repairs", "Eviction hearing on Friday"]
    );

    // Every number is the length of the list it opens, for the manager.
    for (what, count, link) in figures(&r) {
        assert_eq!(list_len(app, m, &link).await, count, "{what}: {link}");
    }

    // A caseworker's review is of their own cases, and never counts the
    // sensitive case they may not see.
    let c = review::review(app, &o.cw1, &ReviewQuery::default())
        .await
        .unwrap();
    assert_eq!(c.person_id, Some(o.cw1.user_id));
    assert_eq!(row(&c, "Total", "New cases"), (2, 0.5));
    assert_eq!(row(&c, "Total", "Mail in (not campaigns)").0, 0);
    assert_eq!(n(&c.went_out.figures, "Emails sent"), 1);
    assert_eq!(n(&c.needs_action, "Enquiries overdue for a reply"), 1);
    assert_eq!(n(&c.needs_action, "Enquiries due within a week"), 0);
    assert_eq!(n(&c.needs_action, "Cases with no activity for 28 days"), 2);
    assert_eq!(n(&c.needs_action, "Highly sensitive cases open"), 0);
    assert_eq!(n(&c.needs_action, "Drafts waiting for approval"), 0);
    assert_eq!(c.workload.len(), 1);
    let flagged: Vec<&str> = c.flagged.iter().map(|f| f.summary.as_str()).collect();
    assert_eq!(flagged, ["Council ignoring repairs"]);
    for (what, count, link) in figures(&c) {
        assert_eq!(list_len(app, &o.cw1, &link).await, count, "{what}: {link}");
    }
    // Someone else's review is refused to a caseworker; a manager may look
    // at caseworker 2's, which counts the sensitive case on it.
    assert!(matches!(
        review::review(
            app,
            &o.cw1,
            &ReviewQuery {
                person_id: Some(o.cw2.user_id),
                ..Default::default()
            }
        )
        .await,
        Err(AppError::Forbidden(_))
    ));
    let c2 = review::review(
        app,
        m,
        &ReviewQuery {
            person_id: Some(o.cw2.user_id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(n(&c2.needs_action, "Highly sensitive cases open"), 1);
    assert_eq!(c2.flagged.len(), 1);

    // Another week, chosen by any of its days; a week not begun is refused.
    let before = review::review(
        app,
        m,
        &ReviewQuery {
            week: "2026-11-26".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(before.week.from, "2026-11-23");
    assert_eq!(row(&before, "Total", "New cases").0, 1);
    for bad in ["2026-12-14", "soon"] {
        let e = review::review(
            app,
            m,
            &ReviewQuery {
                week: bad.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(field(e), "week", "{bad}");
    }

    // Weeks starting on Sunday: the week reviewed is 29 Nov – 5 Dec.
    assert!(matches!(
        review_meeting::set_review_settings(app, &o.cw1, Some(7), Some(0)).await,
        Err(AppError::Forbidden(_))
    ));
    assert_eq!(
        field(
            review_meeting::set_review_settings(app, m, Some(8), Some(0))
                .await
                .unwrap_err()
        ),
        "week_starts"
    );
    review_meeting::set_review_settings(app, m, Some(7), Some(0))
        .await
        .unwrap();
    let sunday = review::review(app, m, &ReviewQuery::default())
        .await
        .unwrap();
    assert_eq!(sunday.week.from, "2026-11-29");
    assert_eq!(sunday.week.starts_on, "Sunday");

    // Each table as CSV, with its figures.
    for (table, _) in review_csv::TABLES {
        let csv = String::from_utf8(review_csv::to_csv(&r, table).unwrap()).unwrap();
        assert!(csv.lines().count() >= 2, "{table}: {csv}");
    }
    let csv = String::from_utf8(review_csv::to_csv(&r, "workload").unwrap()).unwrap();
    assert!(
        csv.contains(&format!("{},2,2,1", o.cw1.display_name)),
        "{csv}"
    );
    assert_eq!(field(review_csv::to_csv(&r, "nope").unwrap_err()), "table");
    let _ = &o.clock;
}

async fn a_recorded_review_makes_tasks_and_the_next_one_opens_with_them(t: TestApp) {
    let o = office(&t).await;
    let (app, m) = (&o.app, &o.manager);
    let (p1, p1_ref) = o.case("P1");
    let (s, s_ref) = o.case("S");

    // A case nobody may see or a bad kind is refused, naming the action,
    // and nothing is recorded.
    let bad = RecordInput {
        attendees: vec!["Office manager".into()],
        actions: vec![
            ActionInput {
                case: "CW-1999-99999".into(),
                kind: "escalate".into(),
                ..Default::default()
            },
            ActionInput {
                case: p1_ref.clone(),
                kind: "dance".into(),
                ..Default::default()
            },
            // A note with no case.
            ActionInput {
                kind: "follow_up".into(),
                note: "Ring them".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let e = review_meeting::record(app, m, &bad).await.unwrap_err();
    let AppError::Invalid(f) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        f.0.get("actions[2].case").map(String::as_str),
        Some("Action 3: give the case's reference.")
    );
    assert_eq!(field(e), "actions[0].case,actions[1].kind,actions[2].case");
    assert!(review_meeting::history(app, m).await.unwrap().is_empty());
    // A caseworker records only their own review, and may not act on a
    // case they cannot see.
    let theirs = RecordInput {
        actions: vec![ActionInput {
            case: s_ref.clone(),
            kind: "follow_up".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_eq!(
        field(
            review_meeting::record(app, &o.cw1, &theirs)
                .await
                .unwrap_err()
        ),
        "actions[0].case"
    );

    let id = review_meeting::record(
        app,
        m,
        &RecordInput {
            attendees: vec!["Office manager".into(), "Caseworker one".into()],
            decisions: "Chase the housing authority; brief the member on S.".into(),
            actions: vec![
                ActionInput {
                    case: p1_ref.clone(),
                    kind: "escalate".into(),
                    note: "To the chief executive".into(),
                    ..Default::default()
                },
                ActionInput {
                    case: s_ref.clone(),
                    kind: "raise".into(),
                    assignee_id: Some(o.cw2.user_id),
                    due_on: "2026-12-11".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Each action is a task on its case, for the case's caseworker unless
    // another was chosen, due a week on unless a day was given.
    let t1 = open_tasks(app, m, p1).await;
    assert_eq!(t1.len(), 1, "{t1:?}");
    assert_eq!(
        t1[0].title,
        format!("Escalate {p1_ref}: To the chief executive")
    );
    assert_eq!(t1[0].assignee_id, Some(o.cw1.user_id));
    assert_eq!(t1[0].due_on, "2026-12-16");
    let t2 = open_tasks(app, m, s).await;
    assert_eq!(t2[0].assignee_id, Some(o.cw2.user_id));
    assert_eq!(t2[0].due_on, "2026-12-11");

    // The representative records one too: the review decides who does what,
    // though the representative gives no tasks otherwise.
    let rep = t
        .actor(&t.user(m.office_id, Role::Representative).await)
        .await;
    review_meeting::record(
        app,
        &rep,
        &RecordInput {
            week: "2026-11-23".into(),
            actions: vec![ActionInput {
                case: p1_ref.clone(),
                kind: "follow_up".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(open_tasks(app, m, p1).await.len(), 2);

    // The review reads back with its figures as they stood.
    let rec = review_meeting::recorded(app, m, id).await.unwrap();
    assert_eq!(rec.review.week, "2026-11-30");
    assert_eq!(rec.review.attendees, ["Office manager", "Caseworker one"]);
    assert_eq!(rec.actions.len(), 2);
    assert!(rec.actions.iter().all(|a| !a.done));
    let figures = rec.figures.unwrap();
    assert_eq!(row(&figures, "Total", "New cases").0, 3);
    // A caseworker cannot read the office's review.
    assert!(matches!(
        review_meeting::recorded(app, &o.cw1, id).await,
        Err(AppError::NotFound)
    ));
    assert!(
        review_meeting::history(app, &o.cw1)
            .await
            .unwrap()
            .is_empty()
    );
    // A caseworker's review recorded by the manager: the caseworker reads
    // it, but not the figures as the manager saw them.
    let theirs = review_meeting::record(
        app,
        m,
        &RecordInput {
            person_id: Some(o.cw1.user_id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        review_meeting::recorded(app, &o.cw1, theirs)
            .await
            .unwrap()
            .figures
            .is_none()
    );
    assert!(
        review_meeting::recorded(app, m, theirs)
            .await
            .unwrap()
            .figures
            .is_some()
    );
    assert_eq!(review_meeting::history(app, &o.cw1).await.unwrap().len(), 1);

    // The next week's review opens with them, and says which are done.
    tasks::change(
        app,
        &o.cw1,
        t1[0].id,
        &TaskUpdate {
            action: "complete".into(),
            version: Some(t1[0].version),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    o.clock.set(at(6, 9));
    let next = review::review(app, m, &ReviewQuery::default())
        .await
        .unwrap();
    assert_eq!(next.week.from, "2026-12-07");
    assert_eq!(next.last_review_id, Some(id));
    let done: Vec<(String, bool)> = next
        .last_actions
        .iter()
        .map(|a| (a.case_reference.clone(), a.done))
        .collect();
    assert_eq!(done, [(p1_ref.clone(), true), (s_ref.clone(), false)]);
    let listed = review_meeting::history(app, m).await.unwrap();
    let weeks: Vec<(&str, Option<i64>)> = listed
        .iter()
        .map(|r| (r.week.as_str(), r.person_id))
        .collect();
    assert_eq!(
        weeks,
        [
            ("2026-11-30", Some(o.cw1.user_id)),
            ("2026-11-30", None),
            ("2026-11-23", None)
        ]
    );
    assert_eq!((listed[1].actions_total, listed[1].actions_done), (2, 1));
}

async fn the_briefing_reads_back_leaves_out_what_the_reader_may_not_see_and_is_emailed_once(
    t: TestApp,
    sink: crate::harness::SmtpSink,
) {
    let o = office(&t).await;
    let (app, m) = (&o.app, &o.manager);
    let rep_user = t.user(m.office_id, Role::Representative).await;
    let rep = t.actor(&rep_user).await;
    let id = review_meeting::record(
        app,
        m,
        &RecordInput {
            decisions: "Write to the housing minister about repairs.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    // A line for the representative is required, and one line; a refused
    // one is not kept.
    let (a, _) = o.case("A");
    for bad in ["", "   ", "First line\nsecond line"] {
        let e = review_meeting::flag(app, &o.cw1, a, bad).await.unwrap_err();
        assert_eq!(field(e), "summary", "{bad:?}");
    }
    assert_eq!(
        review_meeting::case_flags(app, m, a).await.unwrap().len(),
        1,
        "only the flag of the office's history"
    );

    // The representative's briefing, from the recorded review.
    let b = briefing::briefing(app, &rep, Some(id), "").await.unwrap();
    let top: Vec<(&str, i64)> = b
        .top_issues
        .iter()
        .map(|x| (x.value.as_str(), x.n))
        .collect();
    assert_eq!(top, [("Housing", 2), ("Immigration", 1)]);
    let rising: Vec<&str> = b.rising.iter().map(|x| x.value.as_str()).collect();
    assert_eq!(rising, ["Housing", "Immigration"]);
    assert_eq!(b.notable.len(), 2);
    assert!(b.notable.iter().all(|n| n.summary.is_some()));
    assert!(b.counts.contains(&("New cases".to_owned(), 3)));
    let (name, pdf) = briefing::pdf(app, &rep, Some(id), "").await.unwrap();
    assert_eq!(name, "briefing-2026-11-30.pdf");
    let text = crate::letters::pdf_text(&pdf);
    for want in [
        "Briefing for the representative: 30 Nov",
        "Housing",
        "Council ignoring repairs",
        "Eviction hearing on Friday",
        "Housing Authority",
        "Write to the housing minister about repairs.",
    ] {
        assert!(text.contains(want), "{want:?} not in {text}");
    }

    // Caseworker 1 records their own review; then the case they raised
    // becomes highly sensitive and another's: their briefing says a case
    // was raised, and nothing of it.
    let own = review_meeting::record(app, &o.cw1, &RecordInput::default())
        .await
        .unwrap();
    let (a, _) = o.case("A");
    cases::update(
        app,
        m,
        a,
        &CasePatch {
            assignee_id: Some(Some(o.cw2.user_id)),
            tags: Some(
                [("sensitivity".to_owned(), "Highly sensitive".to_owned())]
                    .into_iter()
                    .collect(),
            ),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let b = briefing::briefing(app, &o.cw1, Some(own), "")
        .await
        .unwrap();
    assert_eq!(b.notable.len(), 1);
    assert!(b.notable[0].case_id.is_none() && b.notable[0].summary.is_none());
    let (_, pdf) = briefing::pdf(app, &o.cw1, Some(own), "").await.unwrap();
    let text = crate::letters::pdf_text(&pdf);
    assert!(text.contains("A case you may not see"), "{text}");
    assert!(!text.contains("Council ignoring repairs"), "{text}");
    // Nor may a caseworker read the office's briefing.
    assert!(matches!(
        briefing::briefing(app, &o.cw1, Some(id), "").await,
        Err(AppError::NotFound)
    ));

    // Emailed on the office's day (Wednesday), at the digest hour: once
    // per representative and week, whichever pass or server.
    assert_eq!(briefing::send_due(app).await.unwrap(), 0, "not asked for");
    review_meeting::set_review_settings(app, m, Some(1), Some(3))
        .await
        .unwrap();
    assert_eq!(briefing::send_due(app).await.unwrap(), 1);
    assert_eq!(briefing::send_due(app).await.unwrap(), 0);
    let sent = sink.messages();
    assert_eq!(sent.len(), 1);
    let mail = casework_mail::parse(&sent[0]);
    assert!(
        mail.to.iter().any(|x| x.contains(&rep.email)),
        "{:?}",
        mail.to
    );
    assert_eq!(mail.subject, "Briefing: 30 Nov – 6 Dec 2026");
    assert!(mail.text.contains("New cases: 3"), "{}", mail.text);
    let attached = &mail.attachments[0];
    assert_eq!(attached.filename, "briefing-2026-11-30.pdf");
    let text = crate::letters::pdf_text(&attached.data);
    assert!(
        text.contains("Write to the housing minister about repairs."),
        "{text}"
    );
    // Thursday: not the office's day.
    o.clock.set(at(1, 12));
    assert_eq!(briefing::send_due(app).await.unwrap(), 0);
}

/// Trends of cases by week for the two weeks up to Monday 7 December.
async fn two_weeks(app: &App, m: &Actor) -> trends::Trends {
    trends::trends(
        app,
        m,
        &trends::TrendsQuery {
            period: "week".into(),
            periods: Some(2),
            until: "2026-12-07".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// An office in Auckland (UTC+13 in December): a case opened at 23:30 on a
/// Sunday there and one at 00:30 on the Monday fall in different weeks,
/// though both are on the same UTC day; Trends (which reads UTC day counts)
/// and the case list's date filters agree with the office's calendar.
async fn trends_and_date_filters_count_the_office_s_own_days(t: TestApp) {
    let clock = ManualClock::new(day_of("2026-12-06") * DAY + 10 * 3_600_000 + 1_800_000);
    let app = t.app_with_clock(clock.clone());
    let office = t.office("Auckland").await;
    let m = t.actor(&t.user(office, Role::OfficeManager).await).await;
    tasks::save_settings(&app, &m, Some(2), "Pacific/Auckland", Some(7), Some(0))
        .await
        .unwrap();
    // Sun 6 Dec 23:30, Mon 7 Dec 00:30 and 22:00, Auckland time.
    open_case(&app, &m, "Sunday", "Housing", "", "", None, None).await;
    clock.advance(3_600_000);
    open_case(&app, &m, "Monday", "Housing", "", "", None, None).await;
    clock.advance(21 * 3_600_000 + 1_800_000);
    open_case(&app, &m, "Monday night", "Immigration", "", "", None, None).await;
    clock.advance(3 * 3_600_000);
    let tr = two_weeks(&app, &m).await;
    let weeks: Vec<&str> = tr.periods.iter().map(|p| p.from.as_str()).collect();
    assert_eq!(weeks, ["2026-11-30", "2026-12-07"]);
    assert_eq!(tr.totals, [1, 2]);
    let housing = tr.rows.iter().find(|r| r.value == "Housing").unwrap();
    assert_eq!(housing.counts, [1, 1]);
    for (from, before, n) in [
        ("2026-11-30", "2026-12-07", 1),
        ("2026-12-07", "2026-12-14", 2),
    ] {
        let link = format!("/cases?opened_from={from}&opened_before={before}");
        assert_eq!(list_len(&app, &m, &link).await, n, "{link}");
    }
    // Weeks that start on Sunday, as the office's review's do: all three
    // fall in the week of Sunday 6 December.
    review_meeting::set_review_settings(&app, &m, Some(7), Some(0))
        .await
        .unwrap();
    let tr = two_weeks(&app, &m).await;
    let weeks: Vec<&str> = tr.periods.iter().map(|p| p.from.as_str()).collect();
    assert_eq!(weeks, ["2026-11-29", "2026-12-06"]);
    assert_eq!(tr.totals, [0, 3]);
}
