//! The counts the triggers keep for the weekly review (mail by day and
//! caseworker, open cases by value, waiting enquiries by due day) stay
//! equal to what their rows give on every path that moves them: mail filed
//! from intake, an enquiry made and one answered, a case given to someone
//! else, made sensitive, resolved and reopened, a value changed;
//! and after each, every number of the review is still the length of its
//! list, for the office and for each caseworker, in an office on UTC and in
//! one whose days start mid-way through a UTC day.

use std::collections::BTreeMap;

use casework_app::cases::{self, CasePatch};
use casework_app::domain::Role;
use casework_app::intake::{self, RawMessage};
use casework_app::review::{self, ReviewQuery};
use casework_app::tags::TagsInput;
use casework_app::{Actor, App};
use casework_app::{demo, tasks};

use crate::harness::TestApp;
use crate::on_both_backends;
use crate::review::{Office, figures, list_len, office};

on_both_backends!(
    kept_counts_follow_every_change_and_agree_with_the_lists,
    a_generated_office_s_review_agrees_with_its_lists,
);

/// The kept counts agree with the rows, and every figure of each review
/// (the office's, and each caseworker's own) with its list.
async fn check(t: &TestApp, o: &Office, step: &str) {
    let drift = t
        .data(o.manager.office_id)
        .review_count_drift()
        .await
        .unwrap();
    assert_eq!(drift, 0, "{step}: kept counts differ from the rows");
    let reviews: [(&Actor, Option<i64>); 4] = [
        (&o.manager, None),
        (&o.manager, Some(o.cw1.user_id)),
        (&o.cw1, None),
        (&o.cw2, None),
    ];
    for (actor, person_id) in reviews {
        let r = review::review(
            &o.app,
            actor,
            &ReviewQuery {
                person_id,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        for (what, n, link) in figures(&r) {
            assert_eq!(
                list_len(&o.app, actor, &link).await,
                n,
                "{step}: {what} for user {} ({person_id:?}): {link}",
                actor.user_id
            );
        }
    }
}

async fn patch(app: &App, by: &Actor, case: i64, p: CasePatch) {
    cases::update(app, by, case, &p).await.unwrap();
}

async fn kept_counts_follow_every_change_and_agree_with_the_lists(t: TestApp) {
    let o = office(&t).await;
    let (app, m) = (&o.app, &o.manager);
    check(&t, &o, "as made").await;
    let (a, _) = o.case("A");
    let (b, _) = o.case("B");

    // A message in intake during the week, filed on case A.
    o.clock.set(crate::review::at(-3, 11));
    let raw = format!(
        "From: Resident <late@example.org>\r\nTo: office@casework.test\r\nSubject: Damp again\r\nMessage-ID: <{}@example.org>\r\n\r\nThe damp is back in the bedroom.\r\n",
        crate::harness::unique()
    );
    intake::ingest(
        app,
        m.office_id,
        vec![RawMessage {
            source: "late".into(),
            bytes: raw.into_bytes(),
        }],
    )
    .await
    .unwrap();
    let waiting = intake::intake(app, m, None, 50).await.unwrap();
    let late = waiting
        .items
        .iter()
        .find(|x| x.subject == "Damp again")
        .unwrap()
        .id;
    intake::file(app, m, late, Some(a), None, &TagsInput::default())
        .await
        .unwrap();
    check(&t, &o, "mail filed").await;

    // An enquiry on case P1, waiting for its reply (due in three weeks),
    // and one on the sensitive case S answered at once.
    let agency = casework_app::agencies::create(
        app,
        m,
        &casework_app::agencies::AgencyInput {
            name: "Passport Office".into(),
            email: "enquiries@passports.example".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (p1, _) = o.case("P1");
    crate::follow_up::phone_enquiry(app, m, p1, agency, "Where is the passport?").await;
    let (s, _) = o.case("S");
    let answered = crate::follow_up::phone_enquiry(app, m, s, agency, "Is the form in?").await;
    crate::review::answer(app, m, answered, "2026-12-06", "Received.").await;
    check(&t, &o, "enquiries").await;

    // Cases A (with mail) and P1 (with enquiries) given to the other
    // caseworker, then to nobody, then back.
    for (name, case) in [("A", a), ("P1", p1)] {
        for to in [Some(o.cw2.user_id), None, Some(o.cw1.user_id)] {
            patch(
                app,
                m,
                case,
                CasePatch {
                    assignee_id: Some(to),
                    ..Default::default()
                },
            )
            .await;
            check(&t, &o, &format!("{name} given to {to:?}")).await;
        }
    }

    // Cases B (its mail hidden with it) and P1 (its enquiries) made highly
    // sensitive, and back.
    for (name, case) in [("B", b), ("P1", p1)] {
        for sensitivity in ["Highly sensitive", ""] {
            patch(
                app,
                m,
                case,
                CasePatch {
                    sensitivity: Some(sensitivity.into()),
                    ..Default::default()
                },
            )
            .await;
            check(&t, &o, &format!("{name} sensitivity {sensitivity:?}")).await;
        }
    }

    // Case A resolved and reopened; its Urgency changed while open.
    for status in ["resolved", "open"] {
        patch(
            app,
            m,
            a,
            CasePatch {
                status: Some(status.into()),
                ..Default::default()
            },
        )
        .await;
        check(&t, &o, &format!("A {status}")).await;
    }
    let mut tags = BTreeMap::new();
    tags.insert("urgency".to_owned(), "Emergency".to_owned());
    patch(
        app,
        m,
        a,
        CasePatch {
            tags: Some(tags),
            ..Default::default()
        },
    )
    .await;
    check(&t, &o, "A's urgency changed").await;

    // An office twelve hours ahead of UTC: its week's edges fall inside
    // UTC days, whose counts are corrected from the rows.
    tasks::save_settings(app, m, Some(2), "Pacific/Auckland", Some(7), Some(0))
        .await
        .unwrap();
    check(&t, &o, "Auckland").await;
}

/// The office the large benchmark generates, built in bulk (above 5,000
/// constituents the bulk loader is used): its kept counts agree with its
/// rows, its resolved cases count as resolved, and every number of its
/// review is the length of its list.
async fn a_generated_office_s_review_agrees_with_its_lists(t: TestApp) {
    let app = &t.app;
    demo::build_office(app, "Bulk Review", 6000, demo::EMAILS_PER_CASE)
        .await
        .unwrap();
    let office = t.store.office_by_name("Bulk Review").await.unwrap().id;
    let drift = t.data(office).review_count_drift().await.unwrap();
    assert_eq!(drift, 0, "kept counts differ from the rows");
    let m = t.actor(&t.user(office, Role::OfficeManager).await).await;
    let r = review::review(app, &m, &ReviewQuery::default())
        .await
        .unwrap();
    assert!(
        r.went_out.resolution_quarter.cases > 0,
        "generated cases resolved in the last quarter count as resolved"
    );
    // A paging cursor that is not one is refused with a message, on both
    // lists that page.
    let bad = casework_app::enquiries::list(
        app,
        &m,
        &casework_app::enquiries::ListQuery {
            cursor: Some("not-a-cursor".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(crate::follow_up::field(bad), "cursor");
    let bad = tasks::overdue(app, &m, tasks::Whose::Everyone, Some("zz.1"))
        .await
        .unwrap_err();
    assert_eq!(crate::follow_up::field(bad), "cursor");
    let all = figures(&r);
    assert!(all.iter().any(|(_, n, _)| *n > 0));
    for (what, n, link) in all {
        assert_eq!(list_len(app, &m, &link).await, n, "{what}: {link}");
    }
}
