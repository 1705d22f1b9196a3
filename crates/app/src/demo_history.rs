//! Two years of the demo office's history, made through the real services
//! on a clock moved from one event to the next: people come to the office,
//! their cases are opened, noted, written about, wait on agencies (chased
//! when late), hear from the constituent, and are resolved and closed
//! after weeks or months; some run for over a year, and recent ones are
//! mostly still open. History, audit and the figures of the trends and
//! review pages are then what the product itself records. Deterministic
//! for a given size and seed; the clock never passes the real now.

use std::collections::HashMap;
use std::sync::Arc;

use casework_domain::{Direction, Level, Permission, Role, Status, dates};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use crate::cases::{CaseInput, CasePatch};
use crate::constituents::ConstituentInput;
use crate::demo_data::{CASE_KINDS, DEMO_TASKS, NOTES, Report, fake_person};
use crate::enquiries::{AnswerRequest, ChaseRequest, EnquiryRequest};
use crate::{Actor, App, AppResult, ManualClock};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;
/// How far back the history goes.
const SPAN_DAYS: i64 = 730;

/// What agencies answered, as noted on the enquiry.
const AGENCY_REPLIES: &[&str] = &[
    "Decision made in the constituent's favour; the letter is in the post.",
    "The file is with a senior officer, who expects to decide within four weeks.",
    "Payment reinstated; the arrears will be paid within ten working days.",
    "They need further documents from the constituent before they can go on.",
    "Application approved and the documents sent out.",
    "Work booked; their contractor will call the constituent to arrange a visit.",
];

/// Constituents writing in about their case.
const REPLIES: &[&str] = &[
    "Is there any news? It has been a few weeks and I have not heard anything from them.",
    "I had a letter from them this morning asking for more documents. What should I send?",
    "Thank you so much for your help so far. Please tell me if you need anything else from me.",
    "They phoned me today and said my file is being looked at. I thought you should know.",
];

/// Constituents sending what the office asked them for.
const ANSWERS: &[&str] = &[
    "Here is the reference number you asked for: it is on the letter they sent me in the spring.",
    "I have signed the consent form and put it in the post to your office today.",
    "The name of my case officer is on their last letter: it is Ms Laurent, on 1-800-555-0142.",
];

const WITHDRAWN: &str =
    "The constituent sorted this out and no longer needs our help; closing the case.";

/// A kind of case: (Category, level, agency, title), as in `CASE_KINDS`.
type Kind = (&'static str, Level, &'static str, &'static str);

/// One thing that happens on a case.
#[derive(Clone, Copy)]
enum Step {
    Open,
    Status(Status),
    Note(&'static str),
    /// A letter from this template, printed (approved first if it must be).
    Letter(&'static str),
    Enquiry,
    Chase,
    /// The agency replied (the note); the case is worked again.
    Answer(&'static str),
    /// An email from the constituent, filed on the case by its reference.
    Reply(&'static str),
    /// A task with this title, due so many days later.
    Task(&'static str, i64),
    TaskDone,
    /// The review date is set so many days ahead.
    Review(i64),
}

/// One case's life: what happens when, and how far it has got.
struct Run {
    person: usize,
    kind: Kind,
    assignee: Option<i64>,
    by_manager: bool,
    urgency: &'static str,
    sensitive: bool,
    /// Enquiries are recorded as made by phone (else "another way").
    phone: bool,
    /// When it was opened, before moving into office hours.
    t0: i64,
    notes: Vec<&'static str>,
    steps: Vec<(i64, Step)>,
    next: usize,
    last: i64,
    case_id: i64,
    reference: String,
    status: Status,
    enquiry: Option<i64>,
    task: Option<i64>,
    replies: usize,
}

impl Run {
    fn new(
        h: &mut StdRng,
        person: usize,
        kind: Kind,
        assignee: Option<i64>,
        urgency: &'static str,
        sensitive: bool,
        t0: i64,
        notes: Vec<&'static str>,
    ) -> Run {
        Run {
            person,
            kind,
            assignee,
            by_manager: h.random_bool(0.4),
            urgency,
            sensitive,
            phone: h.random_bool(0.35),
            t0,
            notes,
            steps: Vec::new(),
            next: 0,
            last: 0,
            case_id: 0,
            reference: String::new(),
            status: Status::New,
            enquiry: None,
            task: None,
            replies: 0,
        }
    }
}

/// What every step needs: the time-travelling application and its clock.
struct Ctx<'a> {
    app: App,
    clock: ManualClock,
    /// Before this, letters are printed and mail read; after it (the last
    /// few days), some of the office's work is still waiting.
    settled: i64,
    office_id: i64,
    manager: &'a Actor,
    holders: Vec<&'a Actor>,
    people: Vec<ConstituentInput>,
    ids: Vec<i64>,
    /// Directory entries by name: (id, reply window in days).
    agencies: HashMap<String, (i64, i64)>,
}

impl Ctx<'_> {
    /// Who works a case: its assignee, or the office manager.
    fn worker(&self, assignee: Option<i64>) -> &Actor {
        self.holders
            .iter()
            .find(|a| Some(a.user_id) == assignee)
            .copied()
            .unwrap_or(self.manager)
    }
}

/// Fills an office with `count` people and two years of casework. The
/// people, their cases' kinds, assignees and notes are drawn from `rng`
/// as they always were (so the mail drawn after them is the same); when
/// things happen comes from a generator of its own.
pub(crate) async fn populate(
    app: &App,
    staff: &[Actor],
    count: usize,
    rng: &mut StdRng,
    seed: u64,
) -> AppResult<Report> {
    let mut report = Report {
        constituents: 0,
        cases: 0,
        entries: 0,
        messages: 0,
    };
    let mut h = StdRng::seed_from_u64(seed.rotate_left(29) ^ 0x0517_0e11);
    let now = app.now();
    let start = now - SPAN_DAYS * DAY;
    let settled = now - 3 * DAY;
    let office_id = staff[0].office_id;
    let holders: Vec<&Actor> = staff.iter().filter(|a| a.role.can_hold_cases()).collect();
    let manager = staff
        .iter()
        .find(|a| a.role == Role::OfficeManager)
        .unwrap_or(&staff[0]);
    let mut people: Vec<ConstituentInput> = Vec::with_capacity(count);
    for n in 0..count {
        let mut person = fake_person(rng, n);
        // Some households: every seventh person lives with the previous one.
        if n % 7 == 6
            && let Some(prev) = people.last()
        {
            person.address = prev.address.clone();
            person.postcode = prev.postcode.clone();
            person.last_name = prev.last_name.clone();
        }
        people.push(person);
    }
    // Three people in ten have a case; some of them a second one later.
    let mut runs = Vec::new();
    for n in (0..count).filter(|n| n % 10 < 3) {
        let kind: Kind = *CASE_KINDS.choose(rng).unwrap_or(&CASE_KINDS[0]);
        let assignee = if n.is_multiple_of(9) {
            None
        } else {
            holders.choose(rng).map(|a| a.user_id)
        };
        let steps: i32 = rng.random_range(0..4);
        let mut notes = Vec::new();
        for _ in 0..steps {
            notes.push(*NOTES.choose(rng).unwrap_or(&NOTES[0]));
        }
        let urgency = ["low", "normal", "normal", "high", "critical"][n % 5];
        let t0 = opening(&mut h, start, now);
        runs.push(Run::new(
            &mut h,
            n,
            kind,
            assignee,
            urgency,
            n.is_multiple_of(13),
            t0,
            notes,
        ));
        if h.random_bool(0.12) {
            let other = opening(&mut h, start, now);
            if (other - t0).abs() > 30 * DAY {
                let kind: Kind = *CASE_KINDS.choose(&mut h).unwrap_or(&CASE_KINDS[0]);
                let assignee = holders.choose(&mut h).map(|a| a.user_id);
                let mut notes = Vec::new();
                for _ in 0..h.random_range(0..3) {
                    notes.push(*NOTES.choose(&mut h).unwrap_or(&NOTES[0]));
                }
                runs.push(Run::new(
                    &mut h, n, kind, assignee, "normal", false, other, notes,
                ));
            }
        }
    }
    // The application on a clock of its own, sharing everything else.
    let clock = ManualClock::new(start - DAY);
    let shared: Arc<dyn crate::Clock> = Arc::new(clock.clone());
    let mut travel = app.clone();
    travel.clock = shared;
    let agencies = directory(&travel, office_id).await?;
    for r in &mut runs {
        let window = agencies
            .get(r.kind.2)
            .map_or(crate::agencies::DEFAULT_REPLY_DAYS, |a| a.1);
        let has_email = !people[r.person].email.is_empty();
        let steps = plan(&mut h, r, has_email, window, now);
        r.steps = steps;
    }
    // Each person is known to the office from their first case (most came
    // with it; some had been in touch before), or from some other day.
    let mut first: Vec<Option<i64>> = vec![None; count];
    for r in &runs {
        let opened = office_hours(r.t0);
        let f = &mut first[r.person];
        *f = Some(f.map_or(opened, |x| x.min(opened)));
    }
    let mut order = Vec::with_capacity(count);
    for (n, f) in first.iter().enumerate() {
        let created = match *f {
            Some(opened) if h.random_bool(0.7) => opened - h.random_range(5..40) * MINUTE,
            Some(opened) => office_hours(opened - h.random_range(1..400) * DAY)
                .max(start)
                .min(opened - 5 * MINUTE),
            None => office_hours(opening(&mut h, start, now)),
        };
        order.push((created, n));
    }
    order.sort_unstable();
    let authors: Vec<&Actor> = staff
        .iter()
        .filter(|a| a.can(Permission::EditConstituents))
        .collect();
    let mut ids = vec![0i64; count];
    for &(created, n) in &order {
        clock.set(created);
        let author = authors.get(n % 4).copied().unwrap_or(manager);
        ids[n] = crate::constituents::create(&travel, author, &people[n])
            .await?
            .id;
        report.constituents += 1;
        report.entries += 1;
    }
    // The cases in the order they were opened (so are their references):
    // everything up to a few days ago, when the staff read their
    // notifications, then the last few days.
    runs.sort_by_key(|r| office_hours(r.t0));
    let ctx = Ctx {
        app: travel,
        clock,
        settled,
        office_id,
        manager,
        holders,
        people,
        ids,
        agencies,
    };
    for until in [settled, now] {
        for r in &mut runs {
            advance(&ctx, r, until, &mut report).await?;
        }
        if until == settled {
            ctx.clock.set(settled);
            for person in staff {
                crate::notifications::mark_read(&ctx.app, person, None).await?;
            }
        }
    }
    ctx.clock.set(now);
    Ok(report)
}

/// The office's directory: the agencies of the demo's cases, carried over
/// as an upgraded office's are, at the start of the history.
async fn directory(app: &App, office_id: i64) -> AppResult<HashMap<String, (i64, i64)>> {
    let data = app.system_data(office_id);
    let texts: Vec<(String, i64)> = CASE_KINDS
        .iter()
        .map(|(_, _, agency, _)| ((*agency).to_owned(), 1))
        .collect();
    let (list, report) = crate::agencies::carried_over(&texts);
    data.carry_over_agencies(&list, &report, app.now()).await?;
    Ok(data
        .agencies()
        .await?
        .into_iter()
        .map(|a| (a.name, (a.id, a.reply_days)))
        .collect())
}

/// What happens on a case and when (times before moving into office
/// hours): how long it runs depends on its kind, with a few that run for
/// over a year and a few never resolved.
fn plan(h: &mut StdRng, r: &Run, has_email: bool, window: i64, now: i64) -> Vec<(i64, Step)> {
    let (category, level, _, _) = r.kind;
    let t0 = r.t0;
    let pace = if category.starts_with("Immigration") {
        1.6
    } else if category == "Veterans" {
        1.5
    } else if category.starts_with("Passports") {
        0.35
    } else if level == Level::Municipal {
        0.6
    } else {
        1.0
    };
    let long_odds = if category.starts_with("Immigration") {
        0.2
    } else {
        0.03
    };
    let luck: f64 = h.random();
    // Days until it is resolved; None: not in these two years.
    let length = if luck < 0.03 {
        None
    } else if luck < 0.03 + long_odds {
        Some(h.random_range(380.0..700.0))
    } else {
        Some(lognormal(h, 40.0 * pace, 0.75).clamp(2.0, 330.0))
    };
    let end = length.map(|l| t0 + days(l));
    let length = length.unwrap_or(10_000.0);
    // The work falls over the case's life (its first 400 days at most).
    let life = end.map_or(days(400.0), |e| (e - t0).min(days(400.0)));
    let at = |f: f64| t0 + (life as f64 * f) as i64;
    let mut steps = vec![
        (t0, Step::Open),
        (
            t0 + days(h.random_range(0.05..0.9)),
            Step::Status(Status::Open),
        ),
    ];
    if h.random_bool(0.4) {
        let sent = t0 + days(h.random_range(0.5..4.0)).min(life / 2);
        steps.push((sent, Step::Letter("Acknowledgement")));
    }
    for &text in &r.notes {
        steps.push((at(h.random_range(0.05..0.95)), Step::Note(text)));
    }
    let odds = if level == Level::Municipal { 0.5 } else { 0.8 };
    if length > 6.0 && h.random_bool(odds) {
        let sent = t0 + days(h.random_range(1.0..(length * 0.25).clamp(1.5, 10.0)));
        let answered =
            end.map(|e| sent + ((e - DAY - sent) as f64 * h.random_range(0.5..0.9)) as i64);
        steps.push((sent, Step::Enquiry));
        // Chased a few days after each reply date that passes unanswered.
        let mut due = sent + window * DAY;
        for _ in 0..3 {
            let chase = due + days(h.random_range(1.0..6.0));
            if answered.is_some_and(|a| chase >= a - DAY) {
                break;
            }
            steps.push((chase, Step::Chase));
            due = chase + window * DAY;
        }
        if let Some(a) = answered {
            steps.push((a, Step::Answer(pick(h, AGENCY_REPLIES))));
        }
    }
    if has_email && length > 10.0 && h.random_bool(0.2) {
        let asked = at(h.random_range(0.1..0.5)).max(t0 + DAY);
        steps.push((asked, Step::Status(Status::AwaitingConstituent)));
        let answer = asked + days(h.random_range(2.0..15.0));
        steps.push((answer, Step::Reply(pick(h, ANSWERS))));
    }
    if has_email && h.random_bool(0.3) {
        steps.push((at(h.random_range(0.2..0.9)), Step::Reply(pick(h, REPLIES))));
    }
    if length > 50.0 && h.random_bool(0.5) {
        let sent = t0 + days(h.random_range(28.0..50.0));
        steps.push((sent, Step::Letter("Update on your case")));
    }
    // Long-running cases: a further update every few months.
    for k in 1_i32..=4 {
        let due = 120.0 * f64::from(k) + 30.0;
        if length > due + 30.0 && h.random_bool(0.6) {
            let sent = t0 + days(due + h.random_range(0.0..30.0));
            steps.push((sent, Step::Letter("Update on your case")));
        }
    }
    if length > 5.0 && h.random_bool(0.35) {
        let set = t0 + days(h.random_range(0.5..3.0));
        steps.push((set, Step::Task(pick(h, DEMO_TASKS), h.random_range(2..10))));
        let done = set + days(h.random_range(1.0..12.0));
        steps.push((end.map_or(done, |e| done.min(e - HOUR)), Step::TaskDone));
    }
    // Still open now: a review date (often passed) and a task of late.
    if end.is_none_or(|e| e > now) {
        let recent = |back: f64| (now - days(back)).max(t0 + DAY);
        if h.random_bool(0.5) {
            let set = recent(h.random_range(0.0..40.0));
            steps.push((set, Step::Review(h.random_range(7..35))));
        }
        if h.random_bool(0.4) {
            let set = recent(h.random_range(0.5..25.0));
            steps.push((set, Step::Task(pick(h, DEMO_TASKS), h.random_range(2..10))));
        }
    }
    if let Some(end) = end {
        if h.random_bool(0.9) {
            steps.push((end, Step::Status(Status::Resolved)));
            let closed = end + days(h.random_range(1.0..20.0));
            steps.push((closed, Step::Status(Status::Closed)));
        } else {
            steps.push((end - HOUR, Step::Note(WITHDRAWN)));
            steps.push((end, Step::Status(Status::Closed)));
        }
    }
    steps[1..].sort_by_key(|s| s.0);
    steps
}

/// Carries a case forward through the steps due by `until`, each at its
/// time in office hours (and after the one before).
async fn advance(ctx: &Ctx<'_>, r: &mut Run, until: i64, report: &mut Report) -> AppResult<()> {
    while let Some(&(planned, what)) = r.steps.get(r.next) {
        let at = office_hours(planned).max(r.last + 5 * MINUTE);
        if at > until {
            break;
        }
        ctx.clock.set(at);
        // Boxed: a step's future holds the largest service's.
        let last = Box::pin(step(ctx, r, at, what, report)).await?;
        r.last = last;
        r.next += 1;
    }
    Ok(())
}

/// Does one step at `at` (the clock is there); returns the time of the
/// last thing it did.
async fn step(
    ctx: &Ctx<'_>,
    r: &mut Run,
    at: i64,
    what: Step,
    report: &mut Report,
) -> AppResult<i64> {
    let app = &ctx.app;
    let worker = ctx.worker(r.assignee);
    match what {
        Step::Open => {
            let (category, level, agency, title) = r.kind;
            let opener = if r.by_manager { ctx.manager } else { worker };
            let input = CaseInput {
                constituent_id: ctx.ids[r.person],
                title: title.into(),
                summary: format!(
                    "{} contacted the office about: {}.",
                    ctx.people[r.person].first_name,
                    title.to_lowercase()
                ),
                tags: Default::default(),
                category: category.into(),
                level: level.as_str().into(),
                agency: agency.into(),
                urgency: r.urgency.into(),
                sensitivity: if r.sensitive { "sensitive" } else { "normal" }.into(),
                assignee_id: r.assignee,
                review_date: None,
            };
            let case = crate::cases::open(app, opener, &input).await?;
            r.case_id = case.id;
            r.sensitive = case.sensitive;
            r.reference = case.reference;
            report.cases += 1;
            report.entries += 1;
        }
        Step::Status(to) => Box::pin(set_status(app, worker, r, to, report)).await?,
        Step::Note(text) => {
            crate::cases::add_note(app, worker, r.case_id, "note", text).await?;
            report.entries += 1;
        }
        Step::Letter(template) => {
            report.entries += 1;
            return Box::pin(letter(ctx, r, worker, template, at)).await;
        }
        Step::Enquiry => {
            if let Some(&(agency_id, _)) = ctx.agencies.get(r.kind.2) {
                let req = EnquiryRequest {
                    agency_id: Some(agency_id),
                    send: if r.phone { "phone" } else { "other" }.into(),
                    asked: format!(
                        "Please look into this for our constituent: {}.",
                        r.kind.3.to_lowercase()
                    ),
                    ..EnquiryRequest::default()
                };
                r.enquiry = Some(crate::enquiries::open(app, worker, r.case_id, &req).await?);
                report.entries += 1;
                // As the service does: the case now waits on the agency.
                if matches!(r.status, Status::New | Status::Open) {
                    r.status = Status::AwaitingThirdParty;
                    report.entries += 1;
                }
            }
        }
        Step::Chase => {
            if let Some(id) = r.enquiry {
                let x = crate::enquiries::get(app, worker, id).await?.enquiry;
                if x.answered_on.is_none() && x.escalated_to.is_none() && r.status.is_active() {
                    let req = ChaseRequest {
                        send: "phone".into(),
                        version: Some(x.version),
                        ..ChaseRequest::default()
                    };
                    crate::enquiries::chase(app, worker, id, &req).await?;
                    report.entries += 1;
                }
            }
        }
        Step::Answer(note) => {
            if let Some(id) = r.enquiry {
                let x = crate::enquiries::get(app, worker, id).await?.enquiry;
                if x.answered_on.is_none() {
                    let req = AnswerRequest {
                        note: note.to_owned(),
                        version: Some(x.version),
                        ..AnswerRequest::default()
                    };
                    crate::enquiries::answer(app, worker, id, &req).await?;
                    report.entries += 1;
                }
                if r.status == Status::AwaitingThirdParty {
                    Box::pin(set_status(app, worker, r, Status::Open, report)).await?;
                }
            }
        }
        Step::Reply(text) => {
            let person = &ctx.people[r.person];
            if !person.email.is_empty() {
                r.replies += 1;
                let message = reply_message(r, person, text, at);
                let filed = crate::intake::ingest(app, ctx.office_id, vec![message])
                    .await?
                    .filed;
                report.messages += filed;
                report.entries += filed;
                // Read by the caseworker, unless it came in the last few days.
                if filed > 0 && at <= ctx.settled {
                    let mail = crate::correspondence::for_case(app, worker, r.case_id).await?;
                    let newest = mail
                        .iter()
                        .filter(|m| m.unread && m.direction == Direction::In)
                        .map(|m| m.id)
                        .max();
                    if let Some(id) = newest {
                        crate::correspondence::open(app, worker, id).await?;
                    }
                }
                if r.status == Status::AwaitingConstituent {
                    Box::pin(set_status(app, worker, r, Status::Open, report)).await?;
                }
            }
        }
        Step::Task(title, due) => {
            let today = app.today(ctx.office_id).await?;
            let input = crate::tasks::TaskInput {
                title: title.to_owned(),
                note: String::new(),
                case_id: Some(r.case_id),
                assignee_id: None,
                due_on: dates::add_days(&today, due),
            };
            let id = crate::tasks::create(app, worker, &input).await?;
            if r.task.is_none() {
                r.task = Some(id);
            }
        }
        Step::TaskDone => {
            if let Some(id) = r.task.take() {
                let task = crate::tasks::get(app, worker, id).await?;
                if task.done_at.is_none() {
                    let done = crate::tasks::TaskUpdate {
                        action: "complete".into(),
                        version: Some(task.version),
                        ..crate::tasks::TaskUpdate::default()
                    };
                    crate::tasks::change(app, worker, id, &done).await?;
                }
            }
        }
        Step::Review(ahead) => {
            let today = app.today(ctx.office_id).await?;
            let patch = CasePatch {
                review_date: Some(Some(dates::add_days(&today, ahead))),
                ..CasePatch::default()
            };
            crate::cases::update(app, worker, r.case_id, &patch).await?;
            report.entries += 1;
        }
    }
    Ok(at)
}

/// Moves a case to `to` where its lifecycle allows (else leaves it).
async fn set_status(
    app: &App,
    worker: &Actor,
    r: &mut Run,
    to: Status,
    report: &mut Report,
) -> AppResult<()> {
    if r.status == to || !r.status.can_move_to(to) {
        return Ok(());
    }
    let patch = CasePatch {
        status: Some(to.as_str().into()),
        ..CasePatch::default()
    };
    match crate::cases::update(app, worker, r.case_id, &patch).await {
        Ok(case) => {
            r.status = case.status();
            report.entries += 1;
        }
        // Not where it was thought to be: go on from where it is.
        Err(crate::AppError::Invalid(_)) => {
            r.status = crate::cases::get(app, worker, r.case_id).await?.status();
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Makes a letter on the case and, unless it is from the last few days,
/// prints it a little later (approved first by the office manager when it
/// must be). Returns the time of the last of these.
async fn letter(ctx: &Ctx<'_>, r: &Run, worker: &Actor, template: &str, at: i64) -> AppResult<i64> {
    let app = &ctx.app;
    let req = crate::letters::LetterRequest {
        template: Some(template.to_owned()),
        ..crate::letters::LetterRequest::default()
    };
    let id = crate::letters::create(app, worker, r.case_id, &req).await?;
    let mut last = at;
    if r.sensitive && !worker.can(Permission::ApproveOutgoing) {
        let approved = office_hours(at + DAY).max(at + 5 * MINUTE);
        if approved > ctx.settled {
            return Ok(last);
        }
        ctx.clock.set(approved);
        // Refused only if it was not waiting after all: then it prints as is.
        match crate::letters::approve(app, ctx.manager, id).await {
            Ok(()) | Err(crate::AppError::Invalid(_)) => last = approved,
            Err(e) => return Err(e),
        }
    }
    let printed = last + 2 * HOUR;
    if printed <= ctx.settled {
        ctx.clock.set(printed);
        // A letter still waiting for approval stays in the print queue.
        match crate::letters::print(app, worker, &[id]).await {
            Ok(_) => last = printed,
            Err(crate::AppError::Invalid(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(last)
}

/// An email from the case's constituent quoting its reference.
fn reply_message(
    r: &Run,
    person: &ConstituentInput,
    text: &str,
    at: i64,
) -> crate::intake::RawMessage {
    let body = format!(
        "Hello,\n\n{text}\n\nThank you,\n{} {}\n",
        person.first_name, person.last_name
    );
    let raw = format!(
        "From: {} {} <{}>\r\nTo: office@riverside.example\r\nSubject: Re: {} [{}]\r\n\
         Message-ID: <demo-reply-{}-{}@example.net>\r\nDate: {}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{}",
        person.first_name,
        person.last_name,
        person.email,
        r.kind.3,
        r.reference,
        r.case_id,
        r.replies,
        mail_date(at),
        body.replace('\n', "\r\n")
    );
    crate::intake::RawMessage {
        source: format!("demo:reply:{}:{}", r.case_id, r.replies),
        bytes: raw.into_bytes(),
    }
}

/// A time moved into office hours: 9:00 to 17:00 (UTC, the demo office's
/// zone) on a weekday, keeping the order of times within a day.
fn office_hours(t: i64) -> i64 {
    let day = t.div_euclid(DAY);
    // 1970-01-01 was a Thursday; 0 is a Monday.
    let shift = match (day + 3).rem_euclid(7) {
        5 => 2,
        6 => 1,
        _ => 0,
    };
    (day + shift) * DAY + 9 * HOUR + t.rem_euclid(DAY) / 3
}

/// When a case comes in (before moving into office hours), at or before
/// `now`: the later months busier than the earlier ones, more in late
/// winter, fewer in August and over the winter holidays.
fn opening(h: &mut StdRng, start: i64, now: i64) -> i64 {
    loop {
        let x: f64 = h.random();
        let t = start + ((now - start) as f64 * x) as i64;
        let (_, month, day) = crate::civil_date(t);
        let year_day = (month - 1) as f64 * 30.4 + day as f64;
        let season = 1.0 + 0.15 * (std::f64::consts::TAU * (year_day - 40.0) / 365.0).cos();
        let quiet = if (month == 12 && day >= 20) || (month == 1 && day <= 2) {
            0.4
        } else if month == 8 {
            0.8
        } else {
            1.0
        };
        let weight = (0.55 + 0.9 * x) * season * quiet;
        if h.random::<f64>() * 1.7 < weight && office_hours(t) <= now - HOUR {
            return t;
        }
    }
}

/// Milliseconds in `n` days.
fn days(n: f64) -> i64 {
    (n * DAY as f64) as i64
}

/// A log-normal draw: `median`, spread `sigma`.
fn lognormal(h: &mut StdRng, median: f64, sigma: f64) -> f64 {
    let u: f64 = 1.0 - h.random::<f64>();
    let v: f64 = h.random();
    let z = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
    median * (sigma * z).exp()
}

fn pick(h: &mut StdRng, from: &[&'static str]) -> &'static str {
    from.choose(h).copied().unwrap_or("")
}

/// "Tue, 24 Nov 2026 10:05:00 +0000" (RFC 5322) for a time in Unix ms.
fn mail_date(ms: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (year, month, day) = crate::civil_date(ms);
    let weekday = WEEKDAYS[(ms.div_euclid(DAY) + 3).rem_euclid(7) as usize];
    let month = MONTHS[(month - 1).clamp(0, 11) as usize];
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{weekday}, {day} {month} {year} {:02}:{:02}:{:02} +0000",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_hours_are_on_weekdays_between_nine_and_five() {
        // 2026-11-28 was a Saturday; 14:00 UTC.
        let saturday = 1_795_651_200_000 + 2 * DAY + 14 * HOUR;
        let moved = office_hours(saturday);
        assert_eq!(crate::iso_time(moved), "2026-11-30T13:40:00Z");
        for t in [0, 5 * HOUR, 23 * HOUR + 59 * MINUTE] {
            let at = office_hours(1_795_651_200_000 + t).rem_euclid(DAY);
            assert!((9 * HOUR..17 * HOUR).contains(&at));
        }
    }

    #[test]
    fn mail_dates_are_written_as_mail_writes_them() {
        assert_eq!(
            mail_date(1_795_651_200_000 + 10 * HOUR + 5 * MINUTE),
            "Thu, 26 Nov 2026 10:05:00 +0000"
        );
    }

    #[test]
    fn openings_fall_within_the_two_years() {
        let mut h = StdRng::seed_from_u64(7);
        let now = 1_795_651_200_000;
        let start = now - SPAN_DAYS * DAY;
        for _ in 0..500 {
            let t = opening(&mut h, start, now);
            assert!(t >= start && office_hours(t) <= now);
        }
    }
}
