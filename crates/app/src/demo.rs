//! The demo office: synthetic constituents, cases and history so a new
//! installation has something realistic to look at. Every name, address and
//! number here is made up; the generator is deterministic for a given size.

use casework_domain::{Level, Role, Status};
use casework_store::Office;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use crate::demo_data::DEMO_TASKS;
pub use crate::demo_data::{
    CASE_KINDS, FIRST_NAMES, LAST_NAMES, NOTES, POSTCODE_AREAS, Report, STREETS, fake_person,
};
use crate::staff::NewAccount;
use crate::{Actor, App, AppResult};

pub const DEMO_OFFICE: &str = "Riverside Centre Constituency Office";
/// The demo staff share this password; it is printed at start-up.
pub const DEMO_PASSWORD: &str = "casework-demo";

/// Staff of the demo office: (email, name, role).
pub const DEMO_STAFF: &[(&str, &str, Role)] = &[
    ("admin@demo.casework.test", "Avery Admin", Role::Admin),
    ("admin2@demo.casework.test", "Riley Support", Role::Admin),
    (
        "manager@demo.casework.test",
        "Morgan Okafor",
        Role::OfficeManager,
    ),
    (
        "manager2@demo.casework.test",
        "Nia Achebe",
        Role::OfficeManager,
    ),
    (
        "caseworker@demo.casework.test",
        "Sam Lindqvist",
        Role::Caseworker,
    ),
    (
        "caseworker2@demo.casework.test",
        "Priya Raman",
        Role::Caseworker,
    ),
    (
        "caseworker3@demo.casework.test",
        "Tomás Ferreira",
        Role::Caseworker,
    ),
    (
        "volunteer@demo.casework.test",
        "Jo Volunteer",
        Role::Volunteer,
    ),
    (
        "volunteer2@demo.casework.test",
        "Kit Intern",
        Role::Volunteer,
    ),
    (
        "representative@demo.casework.test",
        "Hon. Dana Whitfield",
        Role::Representative,
    ),
];

/// Builds a synthetic office named `name` with `constituents` people and
/// staff of every role (emails `ROLE@SLUG.casework.test`, password
/// [`DEMO_PASSWORD`]). An existing office of that name is an error.
/// Above [`LARGE`] people the office is loaded in bulk, and each case has
/// `emails_per_case` emails on average (none when 0).
pub async fn build_office(
    app: &App,
    name: &str,
    constituents: usize,
    emails_per_case: f64,
) -> AppResult<Report> {
    if !(0.0..=1000.0).contains(&emails_per_case) {
        return Err(crate::AppError::field(
            "emails_per_case",
            "Emails per case must be between 0 and 1,000.",
        ));
    }
    if app.store.office_by_name(name.trim()).await.is_ok() {
        return Err(crate::AppError::field(
            "office",
            format!("An office called \"{}\" already exists.", name.trim()),
        ));
    }
    let office =
        crate::staff::create_office(app, name, casework_domain::tags::Starter::Federal).await?;
    let slug: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(30)
        .collect();
    let mut staff = Vec::new();
    for (email, display, role) in DEMO_STAFF {
        let email = if name.trim() == DEMO_OFFICE {
            (*email).to_owned()
        } else {
            format!(
                "{}@{slug}.casework.test",
                email.split('@').next().unwrap_or("staff")
            )
        };
        let u = crate::staff::create_user(
            app,
            None,
            office.id,
            &NewAccount {
                email,
                display_name: (*display).into(),
                role: role.as_str().into(),
                password: DEMO_PASSWORD.into(),
            },
        )
        .await?;
        staff.push(Actor {
            user_id: u.id,
            office_id: office.id,
            role: *role,
            display_name: u.display_name,
            email: u.email,
        });
    }
    if constituents > LARGE {
        populate_bulk(app, &staff, (constituents, emails_per_case), 0x5eed).await
    } else {
        populate(app, &staff, constituents, 0x5eed).await
    }
}

/// Emails a case has on average in a bulk-loaded office, unless told
/// otherwise: 5,000,000 at 1,000,000 constituents.
pub const EMAILS_PER_CASE: f64 = 16.5;

/// Above this size the demo is loaded in bulk rather than through the
/// services one record at a time (same shapes of data, minutes instead of hours).
const LARGE: usize = 5_000;

/// Loads a large office in batches: constituents with their search terms,
/// about 30% with a case, a history of notes and status changes, and a few
/// people with 200 history entries (for the page-speed benchmark).
async fn populate_bulk(
    app: &App,
    staff: &[Actor],
    (count, emails_per_case): (usize, f64),
    seed: u64,
) -> AppResult<Report> {
    use casework_domain::{constituent::household_key, search_terms};
    use casework_store::{
        BulkBatch, BulkCase, BulkConstituent, BulkEntry, BulkMessage, CaseFields, ConstituentFields,
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let office_id = staff[0].office_id;
    let holders: Vec<i64> = staff
        .iter()
        .filter(|a| a.role.can_hold_cases())
        .map(|a| a.user_id)
        .collect();
    let now = app.now();
    let year = crate::current_year(now);
    let three_years = 3 * 365 * 86_400_000i64;
    let (mut next_person, mut next_case, next_enquiry) = app.store.next_ids().await?;
    let mut follow = FollowUpGen::new(app, office_id, next_enquiry, staff[0].user_id).await?;
    let tagger = DemoTags::new(&crate::tags::load(app, office_id).await?);
    let mut report = Report {
        constituents: 0,
        cases: 0,
        entries: 0,
        messages: 0,
    };
    let mut case_number = 0i64;
    let statuses = [
        Status::New,
        Status::Open,
        Status::AwaitingThirdParty,
        Status::AwaitingConstituent,
        Status::Resolved,
        Status::Closed,
    ];
    const BATCH: usize = 5_000;
    // From a third of the mean (at least one) to as far above it: 5..=28
    // for 16.5, 1..=3 for 2.
    let emails = (emails_per_case > 0.0).then(|| {
        let low = ((emails_per_case / 3.0) as i64).max(1);
        low..((2.0 * emails_per_case).round() as i64 - low + 1).max(low + 1)
    });
    let data = app.system_data(office_id);
    // Batches being stored while the next one is made: two at once on
    // PostgreSQL (a server process each), one on SQLite (one writer).
    let at_once = match app.store.backend() {
        casework_store::Backend::Postgres => 2,
        casework_store::Backend::Sqlite => 1,
    };
    let mut storing = std::collections::VecDeque::new();
    let mut analyse_at = 50_000;
    let indexes = data.bulk_start().await?;
    let mut done = 0;
    let loaded: AppResult<()> = async {
        while done < count {
            let size = BATCH.min(count - done);
            let mut batch = BulkBatch::default();
            let BulkBatch {
                people,
                cases,
                entries,
                messages,
                enquiries,
                tasks,
            } = &mut batch;
            for i in 0..size {
                let n = done + i;
                let input = fake_person(&mut rng, n);
                let created = now - rng.random_range(0..three_years);
                let id = next_person;
                next_person += 1;
                let fields = ConstituentFields {
                    first_name: input.first_name,
                    last_name: input.last_name,
                    email: input.email,
                    phone: input.phone,
                    postcode: input.postcode,
                    address: input.address,
                    do_not_email: input.do_not_email,
                    do_not_phone: input.do_not_phone,
                    ..ConstituentFields::default()
                };
                let terms = search_terms(
                    &fields.first_name,
                    &fields.last_name,
                    &fields.email,
                    &fields.phone,
                    &fields.postcode,
                    &fields.address,
                );
                entries.push(BulkEntry {
                    constituent_id: id,
                    case_id: None,
                    kind: "created",
                    actor_id: Some(staff[n % staff.len()].user_id),
                    at: created,
                    body: "Constituent record created".into(),
                });
                // 30% have a case; the first ten have a long-running one with 200 entries.
                let long = n < 10;
                if long || n % 10 < 3 {
                    let (category, level, agency, title) =
                        *CASE_KINDS.choose(&mut rng).unwrap_or(&CASE_KINDS[0]);
                    let opened = created + rng.random_range(0..(now - created).max(1));
                    let status = statuses[rng.random_range(0..statuses.len())];
                    let assignee = if n % 9 == 0 {
                        None
                    } else {
                        holders.choose(&mut rng).copied()
                    };
                    let case_id = next_case;
                    next_case += 1;
                    case_number += 1;
                    let steps = if long { 199 } else { rng.random_range(1..5) };
                    let mut at = opened;
                    entries.push(BulkEntry {
                        constituent_id: id,
                        case_id: Some(case_id),
                        kind: "case_opened",
                        actor_id: assignee,
                        at,
                        body: format!("Case opened: {title}"),
                    });
                    for _ in 0..steps {
                        at += rng.random_range(60_000..((now - at) / 4).max(120_000));
                        entries.push(BulkEntry {
                            constituent_id: id,
                            case_id: Some(case_id),
                            kind: "note",
                            actor_id: assignee,
                            at: at.min(now),
                            body: NOTES.choose(&mut rng).unwrap_or(&NOTES[0]).to_string(),
                        });
                    }
                    if status != Status::New {
                        entries.push(BulkEntry {
                            constituent_id: id,
                            case_id: Some(case_id),
                            kind: "status",
                            actor_id: assignee,
                            at: at.min(now),
                            body: format!("Status changed from New to {}", status.label()),
                        });
                    }
                    // Emails in and out since it opened, `emails_per_case` on average.
                    for k in 0..emails.as_ref().map_or(0, |r| rng.random_range(r.clone())) {
                        messages.push(BulkMessage {
                            case_id,
                            constituent_id: id,
                            inbound: k % 2 == 0,
                            subject: if k == 0 {
                                title.to_owned()
                            } else {
                                format!("Re: {title}")
                            },
                            // A note, the person's name and a file number
                            // of their own: words shared by many messages,
                            // and words only one message has (as a passport
                            // or benefit number would be).
                            body: format!(
                                "{}\n\n{} {}, file {}",
                                NOTES.choose(&mut rng).unwrap_or(&NOTES[0]),
                                fields.first_name,
                                fields.last_name,
                                rng.random_range(10_000_000..100_000_000u64)
                            ),
                            at: opened + rng.random_range(0..(now - opened).max(1)),
                            n: k,
                        });
                    }
                    report.cases += 1;
                    let review_date = follow.case(
                        &mut rng,
                        (case_id, agency, title),
                        status,
                        assignee,
                        (opened, now),
                        (enquiries, tasks),
                    );
                    cases.push(BulkCase {
                        id: case_id,
                        reference: casework_domain::CaseRef::new(year, case_number).to_string(),
                        constituent_id: id,
                        fields: CaseFields {
                            title: title.into(),
                            summary: format!(
                                "{} contacted the office about: {}.",
                                fields.first_name,
                                title.to_lowercase()
                            ),
                            agency: agency.into(),
                            status,
                            assignee_id: assignee,
                            review_date,
                        },
                        tags: tagger.tags(category, level, n),
                        category_id: tagger.category(category),
                        sensitive: n % 13 == 0,
                        opened_at: opened,
                        closed_at: (status == Status::Closed).then_some(at.min(now)),
                        resolved_at: matches!(status, Status::Resolved | Status::Closed)
                            .then_some(at.min(now)),
                        updated_at: at.min(now),
                    });
                }
                people.push(BulkConstituent {
                    id,
                    household_key: household_key(&fields.address, &fields.postcode),
                    terms,
                    fields,
                    created_at: created,
                });
            }
            report.constituents += people.len();
            report.entries += entries.len();
            report.messages += messages.len();
            if storing.len() >= at_once {
                stored(storing.pop_front()).await?;
            }
            let d = data.clone();
            storing.push_back(tokio::spawn(async move { d.bulk_insert(&batch).await }));
            done += size;
            if done % 100_000 < BATCH {
                tracing::info!(done, total = count, "demo office loading");
            }
            // Fresh statistics each time the tables have doubled, so the
            // triggers' plans follow their size (analysing every 100,000
            // people took a fifth of the time of a 500,000-person load).
            if done >= analyse_at {
                analyse_at = done * 2;
                while let Some(h) = storing.pop_front() {
                    stored(Some(h)).await?;
                }
                data.bulk_analyze().await?;
            }
        }
        while let Some(h) = storing.pop_front() {
            stored(Some(h)).await?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = loaded {
        // Batches still being stored finish (or fail) first.
        while let Some(h) = storing.pop_front() {
            if let Err(other) = stored(Some(h)).await {
                tracing::error!(error = %other, "another batch of the failed load");
            }
        }
        // Leave the database whole: the indexes come back even so.
        if let Err(restore) = data.bulk_restore(indexes).await {
            tracing::error!(error = %restore, "rebuilding indexes after a failed load");
        }
        return Err(e);
    }
    tracing::info!("demo office loaded; building indexes and statistics");
    data.bulk_finish(year, case_number, indexes).await?;
    Ok(report)
}

/// Waits for a batch being stored, if there is one.
async fn stored(
    storing: Option<tokio::task::JoinHandle<casework_store::Result<()>>>,
) -> AppResult<()> {
    if let Some(h) = storing {
        h.await
            .map_err(|e| crate::AppError::Internal(e.to_string()))??;
    }
    Ok(())
}

/// Creates the demo office with `constituents` people (about 30% with a
/// case) unless an office of that name exists. Returns the office and
/// whether it was created now.
pub async fn ensure_demo_office(app: &App, constituents: usize) -> AppResult<(Office, bool)> {
    if let Ok(o) = app.store.office_by_name(DEMO_OFFICE).await {
        return Ok((o, false));
    }
    let office =
        crate::staff::create_office(app, DEMO_OFFICE, casework_domain::tags::Starter::Federal)
            .await?;
    let mut staff = Vec::new();
    for (email, name, role) in DEMO_STAFF {
        let u = crate::staff::create_user(
            app,
            None,
            office.id,
            &NewAccount {
                email: (*email).into(),
                display_name: (*name).into(),
                role: role.as_str().into(),
                password: DEMO_PASSWORD.into(),
            },
        )
        .await?;
        staff.push(Actor {
            user_id: u.id,
            office_id: office.id,
            role: *role,
            display_name: u.display_name,
            email: u.email,
        });
    }
    populate(app, &staff, constituents, 0x5eed).await?;
    // Its cases' agencies make its directory, as an upgraded office's do.
    crate::agencies::upgrade_offices(app).await?;
    Ok((office, true))
}

/// Fills an office through the real services, so the history and audit are
/// exactly what using the product produces: two years of casework (see
/// `demo_history`), then this week's intake mail.
async fn populate(app: &App, staff: &[Actor], count: usize, seed: u64) -> AppResult<Report> {
    let mut rng = StdRng::seed_from_u64(seed);
    let report = Box::pin(crate::demo_history::populate(
        app, staff, count, &mut rng, seed,
    ))
    .await?;
    demo_mail(app, staff[0].office_id, &mut rng).await?;
    Ok(report)
}

/// The text of the demo office's campaign (an advocacy platform's letter).
const DEMO_CAMPAIGN: &str = "I am writing to ask you to oppose the proposal by Riverside Transit to withdraw \
the number 14 bus service between Eastbank and the town centre from January. For many households the 14 is \
the only way to get to work, to college, to the shops and to the hospital. People who cannot drive, including \
pensioners, disabled residents and students, rely on it every single day. The consultation ran for only three \
weeks and most passengers did not know it was happening. Please speak up for us, ask Riverside Transit to \
publish the figures behind the decision, and press for the route to be kept.";

/// Personal additions some senders put above the campaign text.
const DEMO_ADDITIONS: &[&str] = &[
    "My mother's pension credit payments were stopped three weeks ago and she has no money for her rent. \
     We have phoned the helpline many times and nobody calls back. Can you help us?",
    "I have been waiting eight months for a decision on my husband's spouse visa application and the Home \
     Office will not answer my letters. Could your office look into it?",
    "I feel very strongly about this and so do my neighbours.",
];

/// Intake mail for the demo office: a campaign of near-identical emails
/// (a few with personal casework in them) and some single messages.
async fn demo_mail(app: &App, office_id: i64, rng: &mut StdRng) -> AppResult<()> {
    let greetings = ["Dear Ms Whitfield,", "Dear Dana,", "Hello,", "Dear MP,"];
    let signoffs = [
        "Yours sincerely,",
        "Kind regards,",
        "Thanks,",
        "Best wishes,",
    ];
    let mut batch = Vec::new();
    for i in 0..36 {
        let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
        let width = rng.random_range(58..78);
        let mut text = String::new();
        let mut line = String::new();
        for w in DEMO_CAMPAIGN.split_whitespace() {
            if line.len() + w.len() >= width {
                text.push_str(line.trim_end());
                text.push('\n');
                line.clear();
            }
            line.push_str(w);
            line.push(' ');
        }
        text.push_str(line.trim_end());
        let addition = match i {
            7 | 23 => DEMO_ADDITIONS[if i == 7 { 0 } else { 1 }],
            15 => DEMO_ADDITIONS[2],
            _ => "",
        };
        let body = format!(
            "{}\n\n{}{}\n\n{}\n{first} {last}\n{} {}\nRiverside {} {}{}{}\n",
            greetings[i % greetings.len()],
            if addition.is_empty() {
                String::new()
            } else {
                format!("{addition}\n\n")
            },
            text,
            signoffs[i % signoffs.len()],
            rng.random_range(1..300),
            STREETS[rng.random_range(0..STREETS.len())],
            POSTCODE_AREAS[rng.random_range(0..POSTCODE_AREAS.len())],
            rng.random_range(0..10),
            (b'A' + rng.random_range(0..26u8)) as char,
            rng.random_range(0..10),
        );
        batch.push(demo_message(i, first, last, "Save the 14 bus", &body));
    }
    let singles = [
        (
            "Pothole outside 12 Elm Street",
            "Hello,\n\nThere is a deep pothole outside 12 Elm Street that has damaged two cars this week. Who should I report it to?\n\nThanks,\n",
        ),
        (
            "Passport application stuck",
            "Dear Ms Whitfield,\n\nI applied to renew my passport nine weeks ago and I travel for my sister's wedding next month. The tracking page has said 'in progress' since October.\n\nYours sincerely,\n",
        ),
        (
            "Invitation: Eastbank residents' meeting",
            "Dear Dana,\n\nThe Eastbank Residents' Association would be delighted if you could join our meeting on the 12th at the community hall.\n\nBest wishes,\n",
        ),
    ];
    for (k, (subject, start)) in singles.iter().enumerate() {
        let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
        let body = format!("{start}{first} {last}\n");
        batch.push(demo_message(100 + k, first, last, subject, &body));
    }
    crate::intake::ingest(app, office_id, batch).await?;
    Ok(())
}

fn demo_message(
    n: usize,
    first: &str,
    last: &str,
    subject: &str,
    body: &str,
) -> crate::intake::RawMessage {
    let email = format!(
        "{}.{}{n}@example.net",
        first.to_lowercase(),
        last.to_lowercase().replace(' ', "")
    );
    let raw = format!(
        "From: {first} {last} <{email}>\r\nTo: office@riverside.example\r\nSubject: {subject}\r\n\
         Message-ID: <demo-{n}@example.net>\r\nDate: Tue, 24 Nov 2026 {:02}:{:02}:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{}",
        8 + n % 10,
        n % 60,
        body.replace('\n', "\r\n")
    );
    crate::intake::RawMessage {
        source: format!("demo:{n}"),
        bytes: raw.into_bytes(),
    }
}

/// The tag ids the bulk loader gives its cases: Category from the kind,
/// Transferability from its level, Urgency by turns, one case in 13 highly
/// sensitive.
struct DemoTags {
    categories: Vec<(String, i64, i64)>,
    transfer: Option<(i64, i64, i64)>,
    urgency: Vec<(i64, i64)>,
    sensitivity: Option<(i64, i64, i64)>,
}

impl DemoTags {
    fn new(f: &crate::tags::Framework) -> DemoTags {
        use casework_domain::tags::effect;
        let values = |key: &str| {
            f.dimension(key)
                .map(|d| (d.dim.id, d.values.clone()))
                .unwrap_or((0, Vec::new()))
        };
        let (cat_dim, cats) = values("category");
        let (t_dim, t) = values("transferability");
        let (u_dim, u) = values("urgency");
        let (s_dim, sv) = values("sensitivity");
        let pick =
            |v: &[crate::tags::Value], e: &str| v.iter().find(|x| x.effect == e).map(|x| x.id);
        DemoTags {
            categories: cats
                .iter()
                .map(|v| (v.path.clone(), cat_dim, v.id))
                .collect(),
            transfer: pick(&t, effect::OURS)
                .zip(pick(&t, effect::TRANSFER))
                .map(|(o, x)| (t_dim, o, x)),
            urgency: u.iter().map(|v| (u_dim, v.id)).collect(),
            sensitivity: sv
                .first()
                .map(|v| v.id)
                .zip(pick(&sv, effect::RESTRICTED))
                .map(|(n, r)| (s_dim, n, r)),
        }
    }

    /// The Category value of `category` (a path), if the office has it.
    fn category(&self, category: &str) -> Option<i64> {
        self.categories
            .iter()
            .find(|(p, _, _)| p == category)
            .map(|(_, _, id)| *id)
    }

    fn tags(&self, category: &str, level: Level, n: usize) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        if let Some((_, dim, id)) = self.categories.iter().find(|(p, _, _)| p == category) {
            out.push((*dim, *id));
        }
        if let Some((dim, ours, other)) = self.transfer {
            out.push((dim, if level == Level::Federal { ours } else { other }));
        }
        if !self.urgency.is_empty() {
            out.push(self.urgency[n % self.urgency.len()]);
        }
        if let Some((dim, normal, restricted)) = self.sensitivity {
            out.push((
                dim,
                if n.is_multiple_of(13) {
                    restricted
                } else {
                    normal
                },
            ));
        }
        out
    }
}

/// The third-party work of a large synthetic office: each case has written
/// to its agency (answered, for cases that ended; one enquiry still open,
/// for those going on, about half of them past their reply date with the
/// chase task Casework would have made), people's own tasks (mostly done),
/// and review dates, so that "my day", the agency turnaround and the
/// follow-up pass have the volumes: at 1,000,000 constituents about
/// 200,000 open enquiries and 500,000 tasks.
struct FollowUpGen {
    agencies: std::collections::HashMap<String, (i64, i64)>,
    next_enquiry: i64,
    today: String,
    by: i64,
}

impl FollowUpGen {
    /// Puts the agencies the demo cases name into the directory (as an
    /// upgraded office's cases' agencies are carried over).
    async fn new(app: &App, office_id: i64, next_enquiry: i64, by: i64) -> AppResult<FollowUpGen> {
        let data = app.system_data(office_id);
        let texts: Vec<(String, i64)> = CASE_KINDS
            .iter()
            .map(|(_, _, agency, _)| ((*agency).to_owned(), 1))
            .collect();
        let (list, report) = crate::agencies::carried_over(&texts);
        data.carry_over_agencies(&list, &report, app.now()).await?;
        let agencies = data
            .agencies()
            .await?
            .into_iter()
            .map(|a| (a.name, (a.id, a.reply_days)))
            .collect();
        Ok(FollowUpGen {
            agencies,
            next_enquiry,
            today: app.today(office_id).await?,
            by,
        })
    }

    /// Adds one case's enquiries and tasks; returns its review date.
    fn case(
        &mut self,
        rng: &mut StdRng,
        (case_id, agency, title): (i64, &str, &str),
        status: Status,
        assignee: Option<i64>,
        (opened, now): (i64, i64),
        (enquiries, tasks): (
            &mut Vec<casework_store::BulkEnquiry>,
            &mut Vec<casework_store::BulkTask>,
        ),
    ) -> Option<String> {
        use casework_domain::dates::{add_days, iso_date};
        use casework_store::{BulkEnquiry, BulkTask};
        let &(agency_id, window) = self.agencies.get(agency)?;
        let ended = matches!(status, Status::Resolved | Status::Closed);
        let today = self.today.clone();
        let opened_on = iso_date(opened);
        let by = assignee.unwrap_or(self.by);
        // An answered enquiry: every case that ended, half of the others.
        if ended || rng.random_bool(0.5) {
            let sent = add_days(&opened_on, rng.random_range(0..10));
            let answered = add_days(&sent, rng.random_range(3..70)).min(today.clone());
            if sent < answered {
                enquiries.push(BulkEnquiry {
                    id: self.next_enquiry,
                    case_id,
                    agency_id,
                    asked: format!("{title}: please look into it"),
                    due_on: add_days(&sent, window),
                    sent_on: sent,
                    chase_on: None,
                    answered_on: Some(answered),
                    by,
                    at: opened,
                });
                self.next_enquiry += 1;
            }
        }
        // One done task for each case, two for a sixth.
        for _ in 0..1 + usize::from(rng.random_range(0..6) == 0) {
            tasks.push(BulkTask {
                case_id,
                enquiry_id: None,
                kind: "task",
                occasion: String::new(),
                title: DEMO_TASKS.choose(rng).unwrap_or(&DEMO_TASKS[0]).to_string(),
                assignee_id: assignee,
                due_on: add_days(&opened_on, rng.random_range(1..30)).min(today.clone()),
                done_at: Some((opened + rng.random_range(0..(now - opened).max(1))).min(now)),
                created_by: assignee,
                at: opened,
            });
        }
        if ended {
            return None;
        }
        // The open enquiry: sent in the last six weeks, due after the window.
        let id = self.next_enquiry;
        self.next_enquiry += 1;
        let sent = add_days(&today, -rng.random_range(0..42));
        let due = add_days(&sent, window);
        let overdue = due <= today;
        enquiries.push(BulkEnquiry {
            id,
            case_id,
            agency_id,
            asked: format!("{title}: where does it stand?"),
            sent_on: sent,
            due_on: due.clone(),
            chase_on: (!overdue).then(|| due.clone()),
            answered_on: None,
            by,
            at: now,
        });
        if overdue {
            tasks.push(BulkTask {
                case_id,
                enquiry_id: Some(id),
                kind: "chase",
                occasion: format!("enquiry:{id}:0"),
                title: format!("Chase {agency}"),
                assignee_id: assignee,
                due_on: due,
                done_at: None,
                created_by: None,
                at: now,
            });
        }
        // A person's own open task on three cases in ten.
        if rng.random_range(0..10) < 3 {
            tasks.push(BulkTask {
                case_id,
                enquiry_id: None,
                kind: "task",
                occasion: String::new(),
                title: DEMO_TASKS.choose(rng).unwrap_or(&DEMO_TASKS[0]).to_string(),
                assignee_id: assignee,
                due_on: add_days(&today, rng.random_range(-14..15)),
                done_at: None,
                created_by: assignee,
                at: now,
            });
        }
        // A review date on one case in five, its task made once it came.
        if rng.random_range(0..5) == 0 {
            let review = add_days(&today, rng.random_range(-10..31));
            if review <= today {
                tasks.push(BulkTask {
                    case_id,
                    enquiry_id: None,
                    kind: "review",
                    occasion: format!("review:{case_id}:{review}"),
                    title: format!("Review: {title}"),
                    assignee_id: assignee,
                    due_on: review.clone(),
                    done_at: None,
                    created_by: None,
                    at: now,
                });
            }
            return Some(review);
        }
        None
    }
}
