//! One search over people, cases, mail and notes (`/api/v1/search`).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use casework_app::domain::search::Passage;
use casework_app::search::{self, Found, Kind, MailResult, SearchQuery};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::common::{ApiResult, Invalid, Unauthorized};
use crate::extract::{ApiActor, ApiQuery};
use crate::fmt::iso;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search_all))
}

/// A passage of the text that matched, and the words in it that did.
#[derive(Serialize, ToSchema)]
pub struct PassageOut {
    text: String,
    matched: Vec<String>,
}

impl From<Passage> for PassageOut {
    fn from(p: Passage) -> Self {
        PassageOut {
            text: p.text(),
            matched: p.matched(),
        }
    }
}

/// A case the reference typed names.
#[derive(Serialize, ToSchema)]
pub struct CaseJump {
    id: i64,
    reference: String,
}

/// A person found by name, email, phone, postcode or address.
#[derive(Serialize, ToSchema)]
pub struct PersonHit {
    id: i64,
    name: String,
    email: String,
    phone: String,
    postcode: String,
}

/// A case found by its reference, title or summary.
#[derive(Serialize, ToSchema)]
pub struct CaseHitOut {
    id: i64,
    reference: String,
    title: String,
    status: String,
    constituent_id: i64,
    constituent_name: String,
    opened_at: String,
    passage: PassageOut,
}

/// The attachment whose name or text matched.
#[derive(Serialize, ToSchema)]
pub struct FileHit {
    id: i64,
    filename: String,
}

/// A message, letter or note found by its words. `correspondence_id` is
/// set for correspondence (a record kept with files is correspondence too);
/// `note_id` and `constituent_id` for a note, call, meeting or visit
/// written in a case's or a person's history (`case_id` set for a case's).
#[derive(Serialize, ToSchema)]
pub struct MessageHit {
    correspondence_id: Option<i64>,
    note_id: Option<i64>,
    constituent_id: Option<i64>,
    case_id: Option<i64>,
    case_reference: Option<String>,
    channel: String,
    direction: String,
    subject: String,
    from: String,
    at: String,
    passage: PassageOut,
    attachment: Option<FileHit>,
}

impl From<MailResult> for MessageHit {
    fn from(m: MailResult) -> Self {
        let note = m.note_on.as_ref().map(|(person, _)| (m.id, *person));
        MessageHit {
            correspondence_id: note.is_none().then_some(m.id),
            note_id: note.map(|n| n.0),
            constituent_id: note.map(|n| n.1),
            case_id: m.case.as_ref().map(|c| c.0),
            case_reference: m.case.map(|c| c.1),
            channel: m.channel,
            direction: m.direction,
            subject: m.subject,
            from: m.from,
            at: iso(m.at),
            passage: m.passage.into(),
            attachment: m.attachment.map(|(id, filename)| FileHit { id, filename }),
        }
    }
}

/// What a search found. Without `kind`, the best few of each kind (ranked:
/// words in a name, title or subject first, then newest) and, in `more`,
/// the kinds with more to see (ask again with that `kind`). With `kind`,
/// that kind's matches newest first, a page at a time.
#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    /// Set when `q` was the reference of a case the reader may see:
    /// nothing else is searched.
    case: Option<CaseJump>,
    people: Vec<PersonHit>,
    cases: Vec<CaseHitOut>,
    mail: Vec<MessageHit>,
    notes: Vec<MessageHit>,
    more: Vec<String>,
    /// With `kind`: pass as `cursor` for the next page; absent on the last.
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = SearchResults), Unauthorized, Invalid))]
pub(crate) async fn search_all(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<axum::Json<SearchResults>> {
    let mut out = SearchResults {
        case: None,
        people: Vec::new(),
        cases: Vec::new(),
        mail: Vec::new(),
        notes: Vec::new(),
        more: Vec::new(),
        next_cursor: None,
    };
    match search::search(&s.app, &a, &q).await? {
        Found::Case { id, reference } => out.case = Some(CaseJump { id, reference }),
        Found::Results(r) => {
            for (kind, more) in [
                (Kind::People, r.people.more),
                (Kind::Cases, r.cases.more),
                (Kind::Mail, r.mail.more),
                (Kind::Notes, r.notes.more),
            ] {
                if more {
                    out.more.push(kind.as_str().to_owned());
                }
            }
            out.next_cursor = r.next;
            out.people = r
                .people
                .items
                .into_iter()
                .map(|c| PersonHit {
                    id: c.id,
                    name: c.full_name(),
                    email: c.email,
                    phone: c.phone,
                    postcode: c.postcode,
                })
                .collect();
            out.cases = r
                .cases
                .items
                .into_iter()
                .map(|c| CaseHitOut {
                    id: c.hit.id,
                    reference: c.hit.reference,
                    title: c.hit.title,
                    status: c.hit.status,
                    constituent_id: c.hit.constituent_id,
                    constituent_name: format!("{} {}", c.hit.first_name, c.hit.last_name)
                        .trim()
                        .to_owned(),
                    opened_at: iso(c.hit.opened_at),
                    passage: c.passage.into(),
                })
                .collect();
            out.mail = r.mail.items.into_iter().map(Into::into).collect();
            out.notes = r.notes.items.into_iter().map(Into::into).collect();
        }
    }
    Ok(axum::Json(out))
}
