//! The door to the data hides sensitive cases by construction: every query
//! of `OfficeData` that returns or counts cases, correspondence, letters,
//! outgoing mail, comments or case people leaves out a sensitive case (and
//! everything on it) from a reader who may not see it, and shows it to those
//! who may. Checked at the service level, on both databases, for every role.

use crate::harness::{TestApp, TestUser};
use crate::on_both_backends;
use casework_app::domain::{Permission, Role};
use casework_store::CaseFilter;
use reqwest::StatusCode;
use serde_json::json;

/// One case's worth of records: the ids the door must hide or show.
struct OnCase {
    case: i64,
    reference: String,
    /// A file kept on the case (a correspondence row with an attachment).
    record: i64,
    /// A letter made on the case.
    letter: i64,
    /// An email written on the case (in the outbox).
    email: i64,
}

async fn fill_case(
    t: &TestApp,
    manager: &TestUser,
    constituent: i64,
    extra: serde_json::Value,
) -> OnCase {
    let api = t.api(manager);
    let case = api.case(constituent, extra).await;
    let id = case["id"].as_i64().unwrap();
    let actor = t.actor(manager).await;
    let file = casework_app::cases::CaseFile {
        filename: "scan.pdf".into(),
        content_type: "application/pdf".into(),
        data: b"%PDF-1.4 scanned".to_vec(),
    };
    let record =
        casework_app::cases::add_record(&t.app, &actor, id, "post", "Scanned letter", vec![file])
            .await
            .unwrap();
    let letter = api
        .letter(
            id,
            json!({"body": "Dear constituent, we have written to the agency."}),
        )
        .await;
    let sent = api
        .post(
            &format!("/api/v1/cases/{id}/emails"),
            json!({"subject": "Your passport", "body": "We have asked the passport office."}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let email = sent.body["id"].as_i64().unwrap();
    casework_app::comments::add_to_correspondence(&t.app, &actor, email, "Looks right to me.")
        .await
        .unwrap();
    OnCase {
        case: id,
        reference: case["reference"].as_str().unwrap().to_owned(),
        record,
        letter,
        email,
    }
}

/// What one reader's door shows of one case, query by query: `true` where
/// the query returned the case or something on it.
async fn seen_through_the_door(
    t: &TestApp,
    reader: &TestUser,
    on: &OnCase,
    constituent: i64,
) -> Vec<(&'static str, bool)> {
    let actor = t.actor(reader).await;
    let data = t.app.data_for(&actor);
    let k = on.case;
    let cases = data
        .list_cases(&CaseFilter::default(), None, 1000)
        .await
        .unwrap()
        .items;
    let person_cases = data
        .list_cases(
            &CaseFilter {
                constituent_id: Some(constituent),
                ..CaseFilter::default()
            },
            None,
            1000,
        )
        .await
        .unwrap()
        .items;
    let outbox = data.outbox(1000).await.unwrap();
    let to_print = data.letters_to_print().await.unwrap();
    let person_history = data.constituent_timeline(constituent, 1000).await.unwrap();
    vec![
        ("list_cases", cases.iter().any(|c| c.id == k)),
        (
            "list_cases by constituent",
            person_cases.iter().any(|c| c.id == k),
        ),
        ("case", data.case(k).await.is_ok()),
        (
            "case_by_reference",
            data.case_by_reference(&on.reference).await.is_ok(),
        ),
        (
            "case_timeline",
            !data.case_timeline(k, 1000).await.unwrap().is_empty(),
        ),
        (
            "constituent_timeline",
            person_history.iter().any(|e| e.case_id == Some(k)),
        ),
        (
            "case_people",
            !data.case_people(k).await.unwrap().is_empty(),
        ),
        (
            "case_correspondence",
            !data.case_correspondence(k).await.unwrap().is_empty(),
        ),
        (
            "correspondence",
            data.correspondence(on.record).await.is_ok(),
        ),
        (
            "attachments",
            !data.attachments(on.record).await.unwrap().is_empty(),
        ),
        (
            "comments",
            !data
                .comments(casework_store::CommentOn::Correspondence(on.email))
                .await
                .unwrap()
                .is_empty(),
        ),
        ("outbox", outbox.iter().any(|o| o.case_id == Some(k))),
        (
            "case_outbox",
            !data.case_outbox(k).await.unwrap().is_empty(),
        ),
        (
            "letters_to_print",
            to_print.iter().any(|l| l.case_id == Some(k)),
        ),
        (
            "letter_layouts",
            !data.letter_layouts(&[on.letter]).await.unwrap().is_empty(),
        ),
        (
            "case_documents",
            !data.case_documents(k).await.unwrap().is_empty(),
        ),
    ]
}

async fn every_query_hides_a_sensitive_case_from_those_who_may_not_see_it(t: TestApp) {
    let office = t.office("Visibility").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let holder = t.user(office, Role::Caseworker).await;
    let colleague = t.user(office, Role::Caseworker).await;
    let volunteer = t.user(office, Role::Volunteer).await;
    let admin = t.user(office, Role::Admin).await;
    let representative = t.user(office, Role::Representative).await;
    let person = t.api(&manager).constituent("Ada", "Quinn").await;
    let relative = t.api(&manager).constituent("Bea", "Quinn").await;
    let sensitive = fill_case(
        &t,
        &manager,
        person,
        json!({"sensitivity": "sensitive", "assignee_id": holder.id, "title": "Asylum claim", "category": "Immigration › Asylum and refugees", "agency": "Home Office"}),
    )
    .await;
    let normal = fill_case(&t, &manager, person, json!({"title": "Pothole"})).await;
    for on in [&sensitive, &normal] {
        let actor = t.actor(&manager).await;
        casework_app::cases::add_person(&t.app, &actor, on.case, relative, "daughter")
            .await
            .unwrap();
    }

    // A reply comes in on each case, unread.
    for (i, on) in [&sensitive, &normal].into_iter().enumerate() {
        let mail = format!(
            "From: someone@elsewhere.org\r\nTo: office@example.gov\r\nSubject: Re: [{}] update\r\nMessage-ID: <reply{i}@x>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain\r\n\r\nAbout the case.\r\n",
            on.reference
        );
        let report = casework_app::intake::ingest(
            &t.app,
            office,
            vec![casework_app::intake::RawMessage {
                source: format!("reply{i}"),
                bytes: mail.into_bytes(),
            }],
        )
        .await
        .unwrap();
        assert_eq!(report.filed, 1);
    }

    // The holder's email on the sensitive case waits for approval.
    let waiting = t
        .api(&holder)
        .post(
            &format!("/api/v1/cases/{}/emails", sensitive.case),
            json!({"subject": "About your claim", "body": "Dear Ada,"}),
        )
        .await;
    assert!(waiting.status.is_success(), "{:?}", waiting.body);

    // And a question on no case, waiting in intake.
    let report = casework_app::intake::ingest(
        &t.app,
        office,
        vec![casework_app::intake::RawMessage {
            source: "question".into(),
            bytes: b"From: asker@elsewhere.org\r\nTo: office@example.gov\r\nSubject: A question\r\nMessage-ID: <question@x>\r\nDate: Tue, 24 Nov 2026 11:00:00 +0000\r\nContent-Type: text/plain\r\n\r\nWho do I ask?\r\n".to_vec(),
        }],
    )
    .await
    .unwrap();
    assert_eq!((report.imported, report.filed), (1, 0));

    for (reader, sees_sensitive) in [
        (&manager, true),
        (&representative, true),
        (&holder, true),
        (&colleague, false),
        (&admin, false),
        (&volunteer, false),
    ] {
        // The case list's tags and unread marks, read together, are what
        // the two reads apart give: the hidden case's are left out.
        let actor = t.actor(reader).await;
        let data = t.app.data_for(&actor);
        let ids = [sensitive.case, normal.case];
        let marks = data.case_marks(&ids).await.unwrap();
        let mut unread = marks.unread.clone();
        unread.sort_unstable();
        let mut apart = data.unread_cases(&ids).await.unwrap();
        apart.sort_unstable();
        assert_eq!(unread, apart, "{:?}", reader.role);
        let expected: Vec<i64> = if sees_sensitive {
            vec![sensitive.case, normal.case]
        } else {
            vec![normal.case]
        };
        let mut expected = expected;
        expected.sort_unstable();
        assert_eq!(unread, expected, "a {:?}'s unread marks", reader.role);
        let key = |r: &casework_store::ItemTag| (r.item_id, r.dimension_id, r.tag_id);
        let mut tags: Vec<_> = marks.tags.iter().map(key).collect();
        tags.sort_unstable();
        let mut apart: Vec<_> = data
            .item_tags(casework_store::Tagged::Case, &ids)
            .await
            .unwrap()
            .iter()
            .map(key)
            .collect();
        apart.sort_unstable();
        assert_eq!(tags, apart, "{:?}", reader.role);
        assert_eq!(
            tags.iter().any(|t| t.0 == sensitive.case),
            sees_sensitive,
            "a {:?}'s tags of the sensitive case",
            reader.role
        );

        // The menu's numbers, read with a page's session in one statement
        // (a CASE on the role), are those read apart for the reader; only
        // the holder has a new reply (on the sensitive case).
        let signed_in = casework_app::auth::sign_in(
            &t.app,
            casework_app::auth::Attempt {
                email: &reader.email,
                password: crate::harness::PASSWORD,
                client: "127.0.0.1",
                device: None,
            },
        )
        .await
        .unwrap();
        let (_, _, menu) = casework_app::auth::page_actor(&t.app, &signed_in.session.token)
            .await
            .unwrap();
        let apart = data
            .menu_numbers(reader.id, casework_store::MenuAsk::for_role(reader.role))
            .await
            .unwrap();
        assert_eq!(
            (
                menu.intake,
                menu.approvals,
                menu.replies,
                menu.notifications
            ),
            (
                apart.intake,
                apart.approvals,
                apart.replies,
                Some(apart.notifications)
            ),
            "a {:?}'s menu",
            reader.role
        );
        // Each number only for a role that has its list.
        let replies = if std::ptr::eq(reader, &holder) { 1 } else { 0 };
        for (what, permission, got, want) in [
            ("intake", Permission::TriageIntake, menu.intake, 1),
            ("approvals", Permission::ApproveOutgoing, menu.approvals, 1),
            ("new replies", Permission::EditCases, menu.replies, replies),
        ] {
            let want = reader.role.can(permission).then_some(want);
            assert_eq!(got, want, "a {:?}'s {what}", reader.role);
        }

        for (query, seen) in seen_through_the_door(&t, reader, &sensitive, person).await {
            assert_eq!(
                seen,
                sees_sensitive,
                "{query}: a {:?} {} the sensitive case",
                reader.role,
                if seen { "sees" } else { "does not see" }
            );
        }
        // The ordinary case is in every list for everyone.
        for (query, seen) in seen_through_the_door(&t, reader, &normal, person).await {
            assert!(
                seen,
                "{query}: a {:?} does not see an ordinary case",
                reader.role
            );
        }
        // The relative is on both cases (not their main person): their
        // history holds each visible case's whole history, once, newest
        // first, and nothing of a case hidden from the reader.
        let actor = t.actor(reader).await;
        let data = t.app.data_for(&actor);
        let history = data.constituent_timeline(relative, 1000).await.unwrap();
        let mut ids: Vec<i64> = history.iter().map(|e| e.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), history.len(), "an entry came twice");
        assert!(
            history
                .windows(2)
                .all(|w| (w[0].at, w[0].id) > (w[1].at, w[1].id)),
            "not newest first"
        );
        for (on, visible) in [(&sensitive, sees_sensitive), (&normal, true)] {
            let mut of_case: Vec<i64> = history
                .iter()
                .filter(|e| e.case_id == Some(on.case))
                .map(|e| e.id)
                .collect();
            of_case.sort_unstable();
            let mut whole: Vec<i64> = if visible {
                data.case_timeline(on.case, 1000)
                    .await
                    .unwrap()
                    .iter()
                    .map(|e| e.id)
                    .collect()
            } else {
                Vec::new()
            };
            whole.sort_unstable();
            assert!(!visible || !whole.is_empty());
            assert_eq!(of_case, whole, "a {:?}'s view of the relative", reader.role);
            if visible {
                let reference = history
                    .iter()
                    .find(|e| e.case_id == Some(on.case))
                    .and_then(|e| e.case_reference.clone());
                assert_eq!(reference.as_deref(), Some(on.reference.as_str()));
            }
        }
    }

    // Counts follow the lists: the colleague's list of the person's cases
    // has one case, the holder's two.
    for (reader, expected) in [
        (&colleague, 1),
        (&holder, 2),
        (&volunteer, 1),
        (&manager, 2),
    ] {
        let actor = t.actor(reader).await;
        let page = t
            .app
            .data_for(&actor)
            .list_cases(
                &CaseFilter {
                    constituent_id: Some(person),
                    ..CaseFilter::default()
                },
                None,
                1000,
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), expected, "{:?}", reader.role);
    }

    // The case list's filter menus offer only values of cases the reader
    // may see.
    for (reader, sees_sensitive) in [
        (&holder, true),
        (&colleague, false),
        (&volunteer, false),
        (&manager, true),
    ] {
        let actor = t.actor(reader).await;
        let agencies = casework_app::cases::facets(&t.app, &actor).await.unwrap();
        assert_eq!(
            agencies.contains(&"Home Office".to_owned()),
            sees_sensitive,
            "{:?}",
            reader.role
        );
    }

    // A campaign's counts are the length of the list each reader gets: a
    // copy filed on the sensitive case is neither listed nor counted for
    // those who may not see the case.
    let letter = "Please keep the Riverside swimming pool open: hundreds of children, older people and \
        clubs use it every week, the nearest other pool is an hour away by bus, and nobody who uses it \
        was asked before the council decided to close it.";
    let copies = (0..5)
        .map(|n| casework_app::intake::RawMessage {
            source: format!("visibility{n}"),
            bytes: format!(
                "From: Writer {n} <writer{n}.{office}@example.net>\r\nSubject: Save the pool\r\n\
                 Message-ID: <pool{n}.{office}@example.net>\r\n\r\nDear Councillor,\r\n\r\n{letter}\r\n\r\nRegards,\r\nWriter {n}\r\n"
            )
            .into_bytes(),
        })
        .collect();
    casework_app::intake::ingest(&t.app, office, copies)
        .await
        .unwrap();
    let manager_actor = t.actor(&manager).await;
    let all = t.app.data_for(&manager_actor);
    let campaign = all.campaigns(0, false).await.unwrap()[0].id;
    let copy = all.campaign_messages(campaign, 0, 100).await.unwrap()[0].id;
    casework_app::intake::file(
        &t.app,
        &manager_actor,
        copy,
        Some(sensitive.case),
        None,
        &Default::default(),
    )
    .await
    .unwrap();
    for (reader, visible) in [
        (&manager, 5),
        (&holder, 5),
        (&colleague, 4),
        (&volunteer, 4),
    ] {
        let actor = t.actor(reader).await;
        let data = t.app.data_for(&actor);
        let listed = data
            .campaign_messages(campaign, 0, 100)
            .await
            .unwrap()
            .len();
        let one = data.campaign(campaign).await.unwrap().message_count;
        let summary = data.campaigns(0, false).await.unwrap()[0].message_count;
        let today = data.campaigns(0, false).await.unwrap()[0].today_count;
        assert_eq!(
            (listed, one, summary, today),
            (visible, visible as i64, visible as i64, visible as i64),
            "{:?}",
            reader.role
        );
    }

    // Another office's reader sees nothing of either case, whatever their role.
    let elsewhere = t.office("Elsewhere").await;
    let stranger = t.user(elsewhere, Role::OfficeManager).await;
    for on in [&sensitive, &normal] {
        for (query, seen) in seen_through_the_door(&t, &stranger, on, person).await {
            assert!(!seen, "{query}: another office's manager sees a case");
        }
    }
}
on_both_backends!(every_query_hides_a_sensitive_case_from_those_who_may_not_see_it);
