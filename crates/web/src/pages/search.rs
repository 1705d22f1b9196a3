//! The search box in every page's header and its results page.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use casework_app::AppError;
use casework_app::domain::Status;
use casework_app::search::{self, Found, Kind, MailResult, Results, SearchQuery};

use crate::error::{PageResult, render};
use crate::extract::{PageActor, PageQuery};
use crate::fmt;
use crate::layout::{Nav, nav, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search_page))
}

/// One result as the page shows it.
struct Row {
    href: String,
    title: String,
    meta: String,
    /// The passage: text and whether each piece is a matched word.
    pieces: Vec<(String, bool)>,
    /// "Found in report.pdf" for a match in an attachment.
    file: Option<(String, String)>,
}

struct SectionView {
    kind: &'static str,
    label: &'static str,
    rows: Vec<Row>,
    /// A link to every match of this kind (the best-of view only).
    all_href: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    nav: Option<Nav>,
    notice: Option<String>,
    q: SearchQuery,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(String, String)>,
    sections: Vec<SectionView>,
    searched: bool,
    /// Searched and found nothing; `filtered`: with filters set.
    nothing: bool,
    filtered: bool,
    next_href: Option<String>,
    error: Option<String>,
}

/// The query string of `q` with `kind` and `cursor` set (the rest kept).
fn href(q: &SearchQuery, kind: &str, cursor: Option<&str>) -> String {
    let mut pairs: Vec<(&str, &str)> = vec![("q", &q.q)];
    for (name, value) in [
        ("kind", kind),
        ("from", &q.from),
        ("before", &q.before),
        ("status", &q.status),
        ("cursor", cursor.unwrap_or("")),
    ] {
        if !value.is_empty() {
            pairs.push((name, value));
        }
    }
    format!(
        "/search?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

fn mail_row(m: MailResult) -> Row {
    let channel = casework_app::domain::Channel::parse(&m.channel)
        .map_or(m.channel.as_str(), |c| c.label())
        .to_owned();
    let mut meta = vec![fmt::when(m.at)];
    let (href, title) = match (&m.note_on, &m.case) {
        (Some(_), Some((case, reference))) => (
            format!("/cases/{case}"),
            format!("{channel} on {reference}"),
        ),
        (Some((person, name)), None) => (
            format!("/constituents/{person}"),
            format!("{channel} on the record of {name}"),
        ),
        (None, case) => {
            meta.insert(0, channel);
            if !m.from.is_empty() {
                meta.push(m.from.clone());
            }
            match case {
                Some((_, reference)) => meta.push(reference.clone()),
                None if m.state == "intake" => meta.push("In intake".to_owned()),
                None => {}
            }
            let subject = if m.subject.is_empty() {
                "(no subject)".to_owned()
            } else {
                m.subject.clone()
            };
            (format!("/correspondence/{}", m.id), subject)
        }
    };
    let file = m.attachment.as_ref().map(|(id, name)| {
        (
            format!("/correspondence/{}/attachments/{id}", m.id),
            name.clone(),
        )
    });
    Row {
        href,
        title,
        meta: meta.join(" · "),
        pieces: m.passage.pieces,
        file,
    }
}

fn sections(r: Results, q: &SearchQuery) -> Vec<SectionView> {
    let best_of = r.kind.is_none();
    let all = |kind: Kind, more: bool| (best_of && more).then(|| href(q, kind.as_str(), None));
    let mut out = Vec::new();
    let mut push = |kind: Kind, rows: Vec<Row>, more: bool| {
        if r.kind.is_none_or(|k| k == kind) {
            out.push(SectionView {
                kind: kind.as_str(),
                label: kind.label(),
                rows,
                all_href: all(kind, more),
            });
        }
    };
    let people = r
        .people
        .items
        .into_iter()
        .map(|c| {
            let meta: Vec<&str> = [c.email.as_str(), c.phone.as_str(), c.postcode.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            Row {
                href: format!("/constituents/{}", c.id),
                title: c.full_name(),
                meta: meta.join(" · "),
                pieces: Vec::new(),
                file: None,
            }
        })
        .collect();
    push(Kind::People, people, r.people.more);
    let cases = r
        .cases
        .items
        .into_iter()
        .map(|c| {
            let status = Status::parse(&c.hit.status).map_or("", |s| s.label());
            Row {
                href: format!("/cases/{}", c.hit.id),
                title: format!("{} · {}", c.hit.reference, c.hit.title),
                meta: format!(
                    "{status} · {} {} · opened {}",
                    c.hit.first_name,
                    c.hit.last_name,
                    fmt::day(c.hit.opened_at)
                ),
                pieces: c.passage.pieces,
                file: None,
            }
        })
        .collect();
    push(Kind::Cases, cases, r.cases.more);
    push(
        Kind::Mail,
        r.mail.items.into_iter().map(mail_row).collect(),
        r.mail.more,
    );
    push(
        Kind::Notes,
        r.notes.items.into_iter().map(mail_row).collect(),
        r.notes.more,
    );
    out
}

async fn search_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<SearchQuery>,
) -> PageResult {
    let searched = !q.q.trim().is_empty();
    let (sections, next_href, error) = match search::search(&s.app, &who.actor, &q).await {
        Ok(Found::Case { id, .. }) => return Ok(see(format!("/cases/{id}"))),
        Ok(Found::Results(r)) => {
            let next = r.next.as_deref().map(|c| href(&q, &q.kind, Some(c)));
            (sections(r, &q), next, None)
        }
        Err(AppError::Invalid(f)) => (Vec::new(), None, f.0.values().next().cloned()),
        Err(e) => return Err(e.into()),
    };
    let nothing = sections.iter().all(|s| s.rows.is_empty());
    let filtered = [&q.kind, &q.from, &q.before, &q.status]
        .iter()
        .any(|v| !v.trim().is_empty());
    let page = SearchPage {
        nothing,
        filtered,
        nav: nav(&who, "search"),
        notice: None,
        kinds: Kind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        statuses: Status::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
            .collect(),
        sections,
        searched,
        next_href,
        error,
        q,
    };
    Ok(render(&page)?.into_response())
}
