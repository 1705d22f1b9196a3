//! One search over people, cases, mail (with the text of attachments) and
//! notes: each kind found, accents, punctuation and email domains folded,
//! a case reference opening its case, filters and paging, and a sensitive
//! case never found (nor counted) by a reader who may not see it. The same
//! assertions run on both databases, so both find the same things.

use crate::harness::{Backend, PASSWORD, TestApp, TestUser};
use crate::on_both_backends;
use base64::Engine;
use casework_app::Settings;
use casework_app::domain::Role;
use casework_app::intake::{RawMessage, ingest};
use casework_app::search::{Found, Results, SearchQuery, search, turn};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    one_search_finds_each_kind_under_the_readers_permissions,
    people_are_found_as_caseworkers_type_them,
    filters_and_pages_narrow_a_search,
    mail_is_indexed_exactly_once_and_found_by_its_attachment,
);

async fn run(t: &TestApp, who: &TestUser, q: SearchQuery) -> Found {
    let actor = t.actor(who).await;
    search(&t.app, &actor, &q).await.unwrap()
}

async fn results(t: &TestApp, who: &TestUser, q: &str) -> Results {
    match run(
        t,
        who,
        SearchQuery {
            q: q.into(),
            ..SearchQuery::default()
        },
    )
    .await
    {
        Found::Results(r) => r,
        Found::Case { reference, .. } => panic!("{q}: opened case {reference}"),
    }
}

/// The ids each kind found.
fn ids(r: &Results) -> (Vec<i64>, Vec<i64>, Vec<i64>, Vec<i64>) {
    (
        r.people.items.iter().map(|c| c.id).collect(),
        r.cases.items.iter().map(|c| c.hit.id).collect(),
        r.mail.items.iter().map(|m| m.id).collect(),
        r.notes.items.iter().map(|m| m.id).collect(),
    )
}

fn email(from: &str, subject: &str, id: &str, body: &str) -> RawMessage {
    RawMessage {
        source: format!("test/{id}"),
        bytes: format!(
            "From: {from}\r\nTo: office@example.gov\r\nSubject: {subject}\r\nMessage-ID: <{id}@example.net>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
        )
        .into_bytes(),
    }
}

/// An email with a PDF attached whose only text is `words`.
fn email_with_pdf(from: &str, subject: &str, id: &str, words: &str) -> RawMessage {
    let pdf = casework_letters::render_report(
        &casework_letters::Report {
            title: words.into(),
            ..Default::default()
        },
        &Default::default(),
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(&pdf);
    let wrapped: Vec<String> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    RawMessage {
        source: format!("test/{id}"),
        bytes: format!(
            "From: {from}\r\nTo: office@example.gov\r\nSubject: {subject}\r\nMessage-ID: <{id}@example.net>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease see the form attached.\r\n--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"form.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
            wrapped.join("\r\n")
        )
        .into_bytes(),
    }
}

async fn one_search_finds_each_kind_under_the_readers_permissions(t: TestApp) {
    let office = t.office("Search").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let holder = t.user(office, Role::Caseworker).await;
    let colleague = t.user(office, Role::Caseworker).await;
    let api = t.api(&manager);
    let person = api.constituent("Chloé", "Marchetti").await; // chloé.marchetti@example.net
    let case = api
        .case(
            person,
            json!({"title": "Passport renewal stuck", "summary": "Needs her passport before flying to Québec"}),
        )
        .await;
    let case_id = case["id"].as_i64().unwrap();
    let reference = case["reference"].as_str().unwrap().to_owned();
    let hidden = api
        .case(
            person,
            json!({"title": "Asylum interview zanzibarite", "sensitivity": "sensitive", "assignee_id": holder.id}),
        )
        .await;
    let hidden_id = hidden["id"].as_i64().unwrap();
    let hidden_ref = hidden["reference"].as_str().unwrap().to_owned();

    // Mail filed on each case by the reference in its subject.
    let report = ingest(
        &t.app,
        office,
        vec![
            email(
                "Chloé Marchetti <chloé.marchetti@example.net>",
                &format!("Re: {reference}"),
                "m1",
                "My passport number is GB7781234 if you need it.",
            ),
            email(
                "Chloé Marchetti <chloé.marchetti@example.net>",
                &format!("Re: {hidden_ref}"),
                "m2",
                "More about the zanzibarite interview.",
            ),
        ],
    )
    .await
    .unwrap();
    assert_eq!(report.imported, 2, "{report:?}");
    let manager_actor = t.actor(&manager).await;
    // A note and a logged call on the cases, and a note on the person.
    casework_app::cases::add_note(
        &t.app,
        &manager_actor,
        case_id,
        "meeting",
        "Met about the passport office and the wobblestone form.",
    )
    .await
    .unwrap();
    // A visit kept with a file: a record, searched apart from the mail.
    let record = casework_app::cases::add_record(
        &t.app,
        &manager_actor,
        case_id,
        "visit",
        "Home visit: took copies of the passport photos.",
        vec![casework_app::cases::CaseFile {
            filename: "photos.txt".into(),
            content_type: "text/plain".into(),
            data: b"two photos, signed on the back".to_vec(),
        }],
    )
    .await
    .unwrap();
    let holder_actor = t.actor(&holder).await;
    casework_app::cases::add_note(
        &t.app,
        &holder_actor,
        hidden_id,
        "note",
        "Interpreter booked: zanzibarite dialect.",
    )
    .await
    .unwrap();
    casework_app::constituents::add_note(
        &t.app,
        &manager_actor,
        person,
        "Prefers the phone; mentioned glimmerfen.",
    )
    .await
    .unwrap();

    // Each kind, for the manager.
    let r = results(&t, &manager, "passport").await;
    let (_, cases, mail, notes) = ids(&r);
    assert_eq!(cases, [case_id], "the case by its title and summary");
    assert_eq!(mail.len(), 1, "the email by its body");
    assert_eq!(r.mail.items[0].case.as_ref().unwrap().1, reference);
    assert_eq!(
        notes.len(),
        2,
        "the visit kept with a file, the meeting noted"
    );
    assert_eq!(notes[0], record, "records kept with files come first");
    assert_eq!(r.notes.items[0].note_on, None);
    assert_eq!(r.notes.items[1].channel, "meeting");
    assert_eq!(r.notes.items[1].case.as_ref().unwrap().0, case_id);
    assert!(!mail.contains(&record), "a record is not mail: {mail:?}");
    let by_file = results(&t, &manager, "signed back").await;
    assert_eq!(ids(&by_file).3, [record], "by the text of its file");
    let marked = r.mail.items[0].passage.matched();
    assert_eq!(marked, ["passport"], "the matching word is shown");
    let r = results(&t, &manager, "GB7781234").await;
    assert_eq!(ids(&r).2, mail, "a passport number in an email");
    // That email has no "the": a little word beside others is left out,
    // but in quotes it counts.
    let r = results(&t, &manager, "the GB7781234").await;
    assert_eq!(ids(&r).2, mail, "\"the\" is left out");
    assert!(
        ids(&results(&t, &manager, "\"the GB7781234\"").await)
            .2
            .is_empty()
    );
    let r = results(&t, &manager, "glimmerfen").await;
    assert_eq!(r.notes.items.len(), 1, "a note on a person's record");
    assert_eq!(r.notes.items[0].note_on.as_ref().unwrap().0, person);
    // Accents either way round, and a phrase.
    for q in ["quebec", "QUÉBEC", "\"flying to quebec\"", "passp*"] {
        assert_eq!(ids(&results(&t, &manager, q).await).1, [case_id], "{q}");
    }
    assert!(
        ids(&results(&t, &manager, "\"quebec to flying\"").await)
            .1
            .is_empty()
    );
    // Every word must appear.
    assert!(results(&t, &manager, "passport unicorn").await.is_empty());

    // A reference opens its case, typed any way.
    for q in [
        reference.clone(),
        reference.to_lowercase(),
        format!("  {reference} "),
    ] {
        match run(
            &t,
            &manager,
            SearchQuery {
                q,
                ..SearchQuery::default()
            },
        )
        .await
        {
            Found::Case { id, .. } => assert_eq!(id, case_id),
            Found::Results(_) => panic!("the reference did not open the case"),
        }
    }

    // The sensitive case, its mail and its note: found by those who may see
    // it, and by nobody else, not even by its reference.
    for (reader, sees) in [(&manager, true), (&holder, true), (&colleague, false)] {
        let r = results(&t, reader, "zanzibarite").await;
        let (_, cases, mail, notes) = ids(&r);
        let expect = |n: usize| if sees { n } else { 0 };
        assert_eq!(cases.len(), expect(1), "{:?} cases", reader.role);
        assert_eq!(mail.len(), expect(1), "{:?} mail", reader.role);
        assert_eq!(notes.len(), expect(1), "{:?} notes", reader.role);
        assert!(
            !r.cases.more && !r.mail.more && !r.notes.more,
            "nothing more hidden behind"
        );
        let by_reference = run(
            &t,
            reader,
            SearchQuery {
                q: hidden_ref.clone(),
                ..SearchQuery::default()
            },
        )
        .await;
        assert_eq!(
            matches!(by_reference, Found::Case { id, .. } if id == hidden_id),
            sees,
            "{:?} by reference",
            reader.role
        );
    }

    // The page: the header's box, results with the matched word marked, a
    // reference answered with the case.
    let b = t.browser();
    b.sign_in(&colleague.email, PASSWORD).await;
    let home = b.get("/").await;
    assert!(home.html.contains("action=\"/search\" role=\"search\""));
    let page = b.get("/search?q=passport").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("<mark>passport</mark>"), "{}", page.html);
    assert!(page.html.contains(&format!("href=\"/cases/{case_id}\"")));
    let page = b.get("/search?q=zanzibarite").await;
    assert!(page.html.contains("Nothing matches"));
    assert!(!page.html.contains("Asylum"));
    let res = b
        .client
        .get(format!("{}/search?q={reference}", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        format!("/cases/{case_id}").as_str()
    );
    let page = b.get("/search?q=passport&from=2026-13-01").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("error-summary"));

    // The API.
    let capi = t.api(&colleague);
    let found = capi.get("/api/v1/search?q=passport").await;
    assert_eq!(found.status, StatusCode::OK, "{:?}", found.body);
    assert_eq!(found.body["cases"][0]["id"], case_id);
    assert_eq!(found.body["cases"][0]["passage"]["matched"][0], "Passport");
    assert_eq!(found.body["mail"][0]["case_reference"], reference.as_str());
    let hidden_found = capi.get("/api/v1/search?q=zanzibarite").await;
    assert_eq!(hidden_found.body["cases"], json!([]));
    assert_eq!(hidden_found.body["mail"], json!([]));
    assert_eq!(hidden_found.body["notes"], json!([]));
    assert_eq!(hidden_found.body["more"], json!([]));
    let jump = capi.get(&format!("/api/v1/search?q={reference}")).await;
    assert_eq!(jump.body["case"]["id"], case_id);
    let bad = capi.get("/api/v1/search?q=x&kind=planets").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long = capi
        .get(&format!("/api/v1/search?q={}", "a".repeat(201)))
        .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn people_are_found_as_caseworkers_type_them(t: TestApp) {
    let office = t.office("People").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let mut made = Vec::new();
    for (first, last, email) in [
        ("Chloé", "Dubois", "chloe.d@gmail.com"),
        ("Seán", "O'Brien", "sob@example.org"),
        ("João", "Da Silva", "jds@mail.example.org"),
        ("Łukasz", "Nowak", "ln@example.net"),
    ] {
        let r = api
            .post(
                "/api/v1/constituents",
                json!({"first_name": first, "last_name": last, "email": email, "postcode": "K1A 0B1"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        made.push(r.body["id"].as_i64().unwrap());
    }
    let [chloe, sean, joao, lukasz] = made[..] else {
        unreachable!()
    };
    for (q, want) in [
        ("chloe", vec![chloe]),
        ("CHLOÉ dubois", vec![chloe]),
        ("obrien", vec![sean]),
        ("o'brien", vec![sean]),
        ("O’Brien sean", vec![sean]),
        ("dasilva", vec![joao]),
        ("da silva", vec![joao]),
        ("joao", vec![joao]),
        ("gmail", vec![chloe]),
        ("@example.org", vec![joao, sean]),
        ("@mail.example.org", vec![joao]),
        ("łukasz", vec![lukasz]),
        ("k1a0b1 nowak", vec![lukasz]),
        ("nobody-at-all", vec![]),
    ] {
        let mut found = ids(&results(&t, &cw, q).await).0;
        found.sort();
        let mut want = want;
        want.sort();
        assert_eq!(found, want, "{q}");
        // The constituents' own list answers the same.
        let listed = api
            .get(&format!(
                "/api/v1/constituents?{}",
                serde_urlencoded::to_string([("q", q)]).unwrap()
            ))
            .await;
        let mut listed: Vec<i64> = listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        listed.sort();
        assert_eq!(listed, want, "list: {q}");
    }
    // A change keeps the terms it leaves alone and replaces the others: a
    // note changes nothing found, a new surname is found and the old one
    // no longer is, and the email still finds its person.
    for patch in [
        json!({"notes": "Prefers calls after five."}),
        json!({"last_name": "Kowalski-Nowak"}),
        json!({"last_name": "Kowalski"}),
    ] {
        let r = api
            .patch(&format!("/api/v1/constituents/{lukasz}"), patch.clone())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{patch}: {:?}", r.body);
    }
    for (q, want) in [
        ("nowak", vec![]),
        ("kowalskinowak", vec![]),
        ("kowalski", vec![lukasz]),
        ("łukasz kowalski", vec![lukasz]),
        ("ln@example.net", vec![lukasz]),
        ("k1a0b1", vec![chloe, sean, joao, lukasz]),
    ] {
        let mut found = ids(&results(&t, &cw, q).await).0;
        found.sort();
        let mut want = want;
        want.sort();
        assert_eq!(found, want, "after the changes: {q}");
    }
}

async fn filters_and_pages_narrow_a_search(t: TestApp) {
    let office = t.office("Filters").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Ama", "Mensah").await;
    let case = api.case(person, json!({"title": "Pension query"})).await;
    let reference = case["reference"].as_str().unwrap().to_owned();
    let batch: Vec<RawMessage> = (0..5)
        .map(|n| {
            email(
                "Ama Mensah <ama.mensah@example.net>",
                &format!("Re: {reference} letter {n}"),
                &format!("p{n}"),
                "About my pension arrears again.",
            )
        })
        .collect();
    ingest(&t.app, office, batch).await.unwrap();

    // The best of each: five at most, with a way to all of them.
    let r = results(&t, &cw, "pension").await;
    assert_eq!(r.cases.items.len(), 1);
    assert_eq!(r.mail.items.len(), 5);
    assert!(!r.mail.more);
    // Mail only, two a page, newest first, every message once.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let found = run(
            &t,
            &cw,
            SearchQuery {
                q: "pension".into(),
                kind: "mail".into(),
                limit: Some(2),
                cursor: cursor.clone(),
                ..SearchQuery::default()
            },
        )
        .await;
        let Found::Results(r) = found else {
            panic!("not a reference")
        };
        assert!(r.cases.items.is_empty(), "mail only");
        assert!(r.mail.items.len() <= 2);
        seen.extend(r.mail.items.iter().map(|m| m.id));
        match r.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(seen, sorted, "newest first, none twice");
    assert_eq!(seen.len(), 5);

    // Status and dates narrow cases and the mail on them.
    let with = |status: &str, from: &str, before: &str| SearchQuery {
        q: "pension".into(),
        status: status.into(),
        from: from.into(),
        before: before.into(),
        ..SearchQuery::default()
    };
    let Found::Results(r) = run(&t, &cw, with("closed", "", "")).await else {
        panic!()
    };
    assert!(r.is_empty(), "no closed case matches");
    let Found::Results(r) = run(&t, &cw, with("new", "", "")).await else {
        panic!()
    };
    assert_eq!((r.cases.items.len(), r.mail.items.len()), (1, 5));
    assert!(r.people.items.is_empty(), "people have no status");
    let Found::Results(r) = run(&t, &cw, with("", "2099-01-01", "")).await else {
        panic!()
    };
    assert!(r.is_empty(), "nothing from 2099");
    let Found::Results(r) = run(&t, &cw, with("", "", "2099-01-01")).await else {
        panic!()
    };
    assert_eq!(r.cases.items.len(), 1);
    // Broken filters are refused with the field named.
    let actor = t.actor(&cw).await;
    for (q, field) in [
        (with("sideways", "", ""), "status"),
        (with("", "yesterday", ""), "from"),
        (
            SearchQuery {
                q: "pension".into(),
                cursor: Some("zz".into()),
                kind: "cases".into(),
                ..SearchQuery::default()
            },
            "cursor",
        ),
    ] {
        match search(&t.app, &actor, &q).await {
            Err(casework_app::AppError::Invalid(e)) => {
                assert!(e.0.contains_key(field), "{field}: {e:?}")
            }
            other => panic!("{field}: {other:?}"),
        }
    }
}

async fn mail_is_indexed_exactly_once_and_found_by_its_attachment(t: TestApp) {
    let office = t.office("Attachments").await;
    let cw = t.user(office, Role::Caseworker).await;
    let batch = || {
        vec![
            email_with_pdf(
                "Kofi Boateng <kofi@example.net>",
                "My form",
                "a1",
                "Benefit claim kumquatvoucher",
            ),
            email(
                "Kofi Boateng <kofi@example.net>",
                "Another",
                "a2",
                "Nothing about fruit.",
            ),
        ]
    };
    let first = ingest(&t.app, office, batch()).await.unwrap();
    assert_eq!(first.imported, 2, "{first:?}");
    // The same mail again (a re-run import): stored and indexed once.
    let again = ingest(&t.app, office, batch()).await.unwrap();
    assert_eq!(again.imported, 0, "{again:?}");
    let r = results(&t, &cw, "kumquatvoucher").await;
    assert_eq!(r.mail.items.len(), 1, "found once, by the PDF's text");
    let m = &r.mail.items[0];
    assert_eq!(m.subject, "My form");
    assert_eq!(m.attachment.as_ref().unwrap().1, "form.pdf");
    assert!(
        m.passage.text().contains("kumquatvoucher"),
        "{:?}",
        m.passage
    );
    // By the file's name too, and the message once when both match.
    let r = results(&t, &cw, "form").await;
    assert_eq!(r.mail.items.len(), 1);
    assert_eq!(results(&t, &cw, "kofi").await.mail.items.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_take_turns_sqlite() {
    searches_take_turns(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_take_turns_postgres() {
    searches_take_turns(Backend::Postgres).await;
}

/// A server runs only so many searches at once (one here): the next waits
/// while one runs and goes on when it ends; one that waits more than ten
/// seconds is answered that the server is busy, not with an error page.
async fn searches_take_turns(backend: Backend) {
    let t = TestApp::spawn_with(
        backend,
        Settings {
            searches_at_once: 1,
            ..Settings::default()
        },
    )
    .await;
    let office = t.office("Turns").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    api.constituent("Odile", "Quennell").await;
    let actor = t.actor(&cw).await;
    let held = turn(&t.app).await.unwrap();
    let waiting = tokio::spawn({
        let (app, actor) = (t.app.clone(), actor.clone());
        async move {
            let q = SearchQuery {
                q: "quennell".into(),
                ..SearchQuery::default()
            };
            search(&app, &actor, &q).await
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "a search ran beside the one running"
    );
    drop(held);
    let found = tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
        .await
        .expect("the search went on when the other ended")
        .unwrap();
    match found.unwrap() {
        Found::Results(r) => assert_eq!(r.people.items.len(), 1),
        Found::Case { .. } => panic!("opened a case"),
    }
    // Held past the wait: the reader is told to search again (a field
    // error), on the API and on the page.
    let held = turn(&t.app).await.unwrap();
    let started = std::time::Instant::now();
    let (reply, page) = tokio::join!(api.get("/api/v1/search?q=quennell"), async {
        let b = t.browser();
        b.sign_in(&cw.email, PASSWORD).await;
        b.get("/search?q=quennell").await
    });
    assert!(started.elapsed() >= std::time::Duration::from_secs(10));
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(
        reply.body["error"]["fields"]["q"]
            .to_string()
            .contains("busy with other searches"),
        "{}",
        reply.body
    );
    assert!(
        page.html.contains("busy with other searches"),
        "{}",
        page.status
    );
    drop(held);
    assert_eq!(
        api.get("/api/v1/search?q=quennell").await.status,
        StatusCode::OK
    );
}
