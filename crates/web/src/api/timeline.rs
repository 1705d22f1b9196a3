//! History entries of a constituent or a case, as the API answers them.

use casework_app::views::TimelineEntry;
use serde::Serialize;
use utoipa::ToSchema;

use crate::fmt::iso;

/// One entry of a history: a note, a status change, an audit record, …
#[derive(Serialize, ToSchema)]
pub struct TimelineOut {
    id: i64,
    /// `created`, `updated`, `case_opened`, `status`, `assigned`, `note`, `call`, `meeting`, `visit`, `post`, `document`, `person_added`, `email_in`, `email_out`, `letter_out`.
    kind: String,
    at: String,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    constituent_id: Option<i64>,
    case_id: Option<i64>,
    case_reference: Option<String>,
    body: String,
    /// For changes: `{"field": [before, after]}`.
    #[schema(value_type = Option<Object>)]
    changes: Option<serde_json::Value>,
    /// For `email_in` and other correspondence entries: the correspondence.
    correspondence_id: Option<i64>,
}

impl From<TimelineEntry> for TimelineOut {
    fn from(t: TimelineEntry) -> Self {
        TimelineOut {
            id: t.id,
            kind: t.kind,
            at: iso(t.at),
            actor_id: t.actor_id,
            actor_name: t.actor_name,
            constituent_id: t.constituent_id,
            case_id: t.case_id,
            case_reference: t.case_reference,
            body: t.body,
            changes: t.changes.and_then(|c| serde_json::from_str(&c).ok()),
            correspondence_id: t.correspondence_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TimelineList {
    pub(crate) items: Vec<TimelineOut>,
}
