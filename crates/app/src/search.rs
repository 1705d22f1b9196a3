//! One search over people, cases, correspondence and notes, under the
//! reader's permissions: what the search box in every page's header asks.
//!
//! Without a kind, a search shows the best few of each kind: the newest
//! matches of each are read and ranked (words in a title, subject or name
//! before words only in a body, then newest), with a link to all of that
//! kind. With a kind it lists every match, newest first, a page at a time.
//! A case reference typed on its own opens the case.

use casework_domain::search::{Passage, TextQuery, passage};
use casework_domain::{CaseRef, FieldErrors, Status};
use casework_store::{CaseHit, Constituent, Cursor, Hits, MailHit, NoteHit, SearchFilter};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::{Actor, App, check};

/// The longest query read, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// How many of each kind a search without a kind shows.
pub const TOP: usize = 5;
/// How many newest matches of each kind are ranked for that view.
const RANKED: i64 = 40;
/// How long a passage is, in characters.
const PASSAGE_CHARS: usize = 180;

/// The kinds of thing a search finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    People,
    Cases,
    Mail,
    Notes,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::People, Kind::Cases, Kind::Mail, Kind::Notes];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::People => "people",
            Kind::Cases => "cases",
            Kind::Mail => "mail",
            Kind::Notes => "notes",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::People => "People",
            Kind::Cases => "Cases",
            Kind::Mail => "Mail and letters",
            Kind::Notes => "Notes, calls and meetings",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A search as typed, with its filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to look for: words (all must appear, accents and case do not
    /// matter), `word*` for words starting so, `"a phrase"`, or a case
    /// reference (which opens the case).
    #[param(max_length = 200)]
    pub q: String,
    /// `people`, `cases`, `mail` or `notes`; empty for the best of each.
    pub kind: String,
    /// On or after this day (`YYYY-MM-DD`, the office's time zone): when a
    /// case was opened, a message received, a note written.
    pub from: String,
    /// Before this day (`YYYY-MM-DD`).
    pub before: String,
    /// A case status: cases with it, and mail and notes on such cases.
    pub status: String,
    /// With a kind: the page after this cursor.
    pub cursor: Option<String>,
    /// With a kind: how many per page, taken as 1–100 (default 25).
    pub limit: Option<i64>,
}

/// One search's answer.
#[derive(Debug, Clone)]
pub enum Found {
    /// The query was the reference of a case the reader may see.
    Case {
        id: i64,
        reference: String,
    },
    Results(Results),
}

/// What a search found, kind by kind (each empty when not asked for).
#[derive(Debug, Clone, Default)]
pub struct Results {
    pub kind: Option<Kind>,
    pub people: Section<Constituent>,
    pub cases: Section<CaseResult>,
    pub mail: Section<MailResult>,
    pub notes: Section<MailResult>,
    /// With a kind: the next page's cursor.
    pub next: Option<String>,
}

impl Results {
    pub fn is_empty(&self) -> bool {
        self.people.items.is_empty()
            && self.cases.items.is_empty()
            && self.mail.items.is_empty()
            && self.notes.items.is_empty()
    }
}

/// Some of one kind's matches, and whether there are more than shown.
#[derive(Debug, Clone)]
pub struct Section<T> {
    pub items: Vec<T>,
    pub more: bool,
}

impl<T> Default for Section<T> {
    fn default() -> Self {
        Section {
            items: Vec::new(),
            more: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CaseResult {
    pub hit: CaseHit,
    /// From the title, or the summary when only it matched.
    pub passage: Passage,
}

/// A message, or a note of the office's own: a record kept with files is
/// correspondence; a note, call, meeting or visit written without files is
/// an entry of a case's or a person's history (`note_on` set).
#[derive(Debug, Clone)]
pub struct MailResult {
    pub id: i64,
    /// Set for a history entry (then `id` is the entry's): the person
    /// (id and name) whose record or case it is on.
    pub note_on: Option<(i64, String)>,
    pub case: Option<(i64, String)>,
    pub channel: String,
    pub direction: String,
    pub state: String,
    pub subject: String,
    pub from: String,
    pub at: i64,
    pub passage: Passage,
    /// The attachment whose text matched: (id, file name).
    pub attachment: Option<(i64, String)>,
}

/// Runs a search for `actor`.
pub async fn search(app: &App, actor: &Actor, sq: &SearchQuery) -> AppResult<Found> {
    let mut e = FieldErrors::new();
    let typed = sq.q.trim();
    if typed.chars().count() > MAX_QUERY_CHARS {
        e.add(
            "q",
            format!("Search for at most {MAX_QUERY_CHARS} characters."),
        );
    }
    let kind = match sq.kind.trim() {
        "" | "all" => None,
        k => {
            let kind = Kind::parse(k);
            if kind.is_none() {
                e.add("kind", "Choose people, cases, mail or notes.");
            }
            kind
        }
    };
    let tz = crate::trends::office_zone(app, actor.office_id).await?;
    let mut filter = SearchFilter {
        from: crate::trends::day_start(&mut e, &tz, "from", "From", &sq.from),
        to: crate::trends::day_start(&mut e, &tz, "before", "Before", &sq.before),
        ..SearchFilter::default()
    };
    match sq.status.trim() {
        "" => {}
        s => match Status::parse(s) {
            Some(s) => filter.status = Some(s.as_str().to_owned()),
            None => e.add("status", "Choose a case status from the list."),
        },
    }
    let cursor = crate::trends::page_cursor(&mut e, sq.cursor.as_deref());
    if cursor.is_some() && kind.is_none() {
        e.add("cursor", "Choose a kind to page through its results.");
    }
    check(e)?;
    if let Some(r) = CaseRef::parse(typed) {
        match app.data_for(actor).case_by_reference(r.as_str()).await {
            Ok(c) => {
                return Ok(Found::Case {
                    id: c.id,
                    reference: c.reference,
                });
            }
            Err(casework_store::Error::NotFound) => {}
            Err(err) => return Err(err.into()),
        }
    }
    let q = TextQuery::parse(typed);
    let mut out = Results {
        kind,
        ..Results::default()
    };
    if q.is_empty() {
        return Ok(Found::Results(out));
    }
    let _turn = turn(app).await?;
    let Some(kind) = kind else {
        let data = app.data_for(actor);
        let (people, cases, mail, notes) = tokio::try_join!(
            crate::constituents::search(app, actor, typed, None, TOP as i64),
            async { Ok(Box::pin(data.search_cases(&q, &filter, RANKED)).await?) },
            async { Ok(Box::pin(data.search_mail(&q, false, &filter, RANKED)).await?) },
            Box::pin(note_hits(app, actor, &q, &filter, RANKED, None)),
        )?;
        out.people = if filter.status.is_some() || filter.from.is_some() || filter.to.is_some() {
            // People have no status or date of their own.
            Section::default()
        } else {
            Section {
                more: people.next.is_some(),
                items: people.items,
            }
        };
        // Ranked first, so that only the shown few have their passages made.
        out.cases = top(
            cases,
            |c| q.words_found(&format!("{} {}", c.reference, c.title)),
            |c| case_result(c, &q),
        );
        out.mail = top(
            mail,
            |m| q.words_found(&format!("{} {} {}", m.subject, m.from_name, m.from_address)),
            |m| mail_result(m, &q),
        );
        out.notes = top(
            notes.0,
            |n| match n {
                NoteFound::Record(m) => q.words_found(&m.subject),
                NoteFound::Entry(_) => 0,
            },
            |n| n.result(&q),
        );
        return Ok(Found::Results(out));
    };
    let limit = sq.limit.unwrap_or(25).clamp(1, 100);
    filter.before = cursor.as_ref().map(|c| c.id);
    let next = |more: bool, last: Option<i64>| {
        last.filter(|_| more).map(|id| {
            Cursor {
                key: String::new(),
                id,
            }
            .encode()
        })
    };
    match kind {
        Kind::People => {
            if filter.status.is_some() || filter.from.is_some() || filter.to.is_some() {
                return Err(AppError::field(
                    "kind",
                    "People have no status or dates: search them without those filters.",
                ));
            }
            let page =
                crate::constituents::search(app, actor, typed, sq.cursor.as_deref(), limit).await?;
            out.next = page.next.map(|c| c.encode());
            out.people = Section {
                items: page.items,
                more: out.next.is_some(),
            };
        }
        Kind::Cases => {
            let found = Box::pin(app.data_for(actor).search_cases(&q, &filter, limit)).await?;
            out.next = next(found.more, found.items.last().map(|c| c.id));
            out.cases = section(found, |c| case_result(c, &q));
        }
        Kind::Mail => {
            let data = app.data_for(actor);
            let found = Box::pin(data.search_mail(&q, false, &filter, limit)).await?;
            out.next = next(found.more, found.items.last().map(|m| m.id));
            out.mail = section(found, |m| mail_result(m, &q));
        }
        Kind::Notes => {
            let (found, after) = note_hits(app, actor, &q, &filter, limit, cursor.as_ref()).await?;
            out.next = after.map(|c| c.encode());
            out.notes = section(found, |n| n.result(&q));
        }
    }
    Ok(Found::Results(out))
}

/// How long a search waits for its turn before the reader is asked to
/// search again.
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Waits for this search's turn: a server runs only so many at once
/// ([`crate::Settings::searches_at_once`], by default one per core), and the
/// rest wait in the order they came. Run all at once, ten searches on two
/// cores each went at a fifth of its speed, so one that reads much (common
/// words that never meet) took five times its own time; in turn, each
/// takes its own time and its wait.
pub async fn turn(app: &App) -> AppResult<tokio::sync::OwnedSemaphorePermit> {
    match tokio::time::timeout(TURN_WAIT, app.searches.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        // Timed out, or (never) closed.
        _ => Err(AppError::field(
            "q",
            "The server is busy with other searches; search again in a moment.",
        )),
    }
}

/// The best `TOP` of newest-first matches: by `score`, then newest; only
/// those are made into results.
fn top<T, U>(h: Hits<T>, score: impl Fn(&T) -> usize, f: impl Fn(T) -> U) -> Section<U> {
    let more = h.more || h.items.len() > TOP;
    let mut ranked: Vec<(usize, usize, T)> = h
        .items
        .into_iter()
        .enumerate()
        .map(|(i, t)| (score(&t), i, t))
        .collect();
    ranked.sort_by_key(|(score, i, _)| (std::cmp::Reverse(*score), *i));
    Section {
        items: ranked.into_iter().take(TOP).map(|(_, _, t)| f(t)).collect(),
        more,
    }
}

fn section<T, U>(h: Hits<T>, f: impl Fn(T) -> U) -> Section<U> {
    Section {
        more: h.more,
        items: h.items.into_iter().map(f).collect(),
    }
}

fn case_result(hit: CaseHit, q: &TextQuery) -> CaseResult {
    let title = passage(&hit.title, q, PASSAGE_CHARS);
    let passage = if title.matched().is_empty() && !hit.summary.is_empty() {
        passage(&hit.summary, q, PASSAGE_CHARS)
    } else {
        title
    };
    CaseResult { hit, passage }
}

fn mail_result(m: MailHit, q: &TextQuery) -> MailResult {
    let from = if m.from_name.is_empty() {
        m.from_address.clone()
    } else if m.from_address.is_empty() {
        m.from_name.clone()
    } else {
        format!("{} <{}>", m.from_name, m.from_address)
    };
    let body = passage(&m.body, q, PASSAGE_CHARS);
    let in_file = m.attachment_text.as_deref().map(|t| {
        let p = passage(t, q, PASSAGE_CHARS);
        if p.matched().is_empty() {
            // Found by the file's name.
            passage(m.attachment_name.as_deref().unwrap_or(""), q, PASSAGE_CHARS)
        } else {
            p
        }
    });
    let passage = match in_file {
        Some(p) if body.matched().is_empty() => p,
        _ => body,
    };
    MailResult {
        id: m.id,
        note_on: None,
        case: m.case_id.zip(m.case_reference),
        channel: m.channel,
        direction: m.direction,
        state: m.state,
        subject: m.subject,
        from,
        at: m.received_at,
        passage,
        attachment: m.attachment_id.zip(m.attachment_name),
    }
}

fn note_result(n: NoteHit, q: &TextQuery) -> MailResult {
    let name = format!(
        "{} {}",
        n.first_name.unwrap_or_default(),
        n.last_name.unwrap_or_default()
    );
    MailResult {
        id: n.id,
        note_on: Some((n.constituent_id.unwrap_or(0), name.trim().to_owned())),
        case: n.case_id.zip(n.case_reference),
        channel: n.kind,
        direction: "internal".to_owned(),
        state: String::new(),
        subject: String::new(),
        from: String::new(),
        at: n.at,
        passage: passage(&n.body, q, PASSAGE_CHARS),
        attachment: None,
    }
}

/// A record kept with files (correspondence) or a note written in a
/// history without files (a timeline entry).
enum NoteFound {
    Record(MailHit),
    Entry(NoteHit),
}

impl NoteFound {
    fn result(self, q: &TextQuery) -> MailResult {
        match self {
            NoteFound::Record(m) => mail_result(m, q),
            NoteFound::Entry(n) => note_result(n, q),
        }
    }
}

/// Records kept with files (notes, calls, meetings, visits), newest first,
/// then the same written in a history without files, newest first: two
/// lists of ids, so a cursor in the second carries the key `p`. Returns the
/// next page's cursor.
async fn note_hits(
    app: &App,
    actor: &Actor,
    q: &TextQuery,
    f: &SearchFilter,
    limit: i64,
    cursor: Option<&Cursor>,
) -> AppResult<(Hits<NoteFound>, Option<Cursor>)> {
    let data = app.data_for(actor);
    let on_people = cursor.is_some_and(|c| c.key == "p");
    let mut out = Hits {
        items: Vec::new(),
        more: false,
    };
    if !on_people {
        let f = SearchFilter {
            before: cursor.map(|c| c.id),
            ..f.clone()
        };
        let on_cases = Box::pin(data.search_mail(q, true, &f, limit)).await?;
        let next = on_cases.items.last().map(|m| Cursor {
            key: String::new(),
            id: m.id,
        });
        out.more = on_cases.more;
        out.items = on_cases.items.into_iter().map(NoteFound::Record).collect();
        if out.more {
            return Ok((out, next));
        }
    }
    let f = SearchFilter {
        before: cursor.filter(|_| on_people).map(|c| c.id),
        ..f.clone()
    };
    let room = limit - out.items.len() as i64;
    let people = Box::pin(data.search_notes(q, &f, room)).await?;
    out.more = people.more;
    let last_shown = people.items.last().map(|n| n.id);
    out.items
        .extend(people.items.into_iter().map(NoteFound::Entry));
    let next = if !people.more {
        None
    } else {
        Some(Cursor {
            key: "p".to_owned(),
            // None shown yet from this list: start at its newest.
            id: last_shown.unwrap_or(i64::MAX),
        })
    };
    Ok((out, next))
}
