//! The history of a constituent or a case, as shown on their pages.

use casework_app::cases::NOTE_KINDS;
use casework_app::views::TimelineEntry;

use crate::fmt::{iso, when};

pub(crate) struct TimelineRow {
    pub(crate) kind: String,
    pub(crate) kind_label: &'static str,
    pub(crate) iso: String,
    pub(crate) when: String,
    pub(crate) actor: String,
    pub(crate) case_link: Option<(i64, String)>,
    pub(crate) body: String,
    pub(crate) changes: Vec<(String, String, String)>,
    pub(crate) correspondence: Option<i64>,
    /// A note, call, meeting, post or document kept with files: its text is
    /// shown in full, with a link to the files.
    pub(crate) record: bool,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "created" => "Record created",
        "updated" => "Details changed",
        "case_opened" => "Case opened",
        "status" => "Status",
        "assigned" => "Assignment",
        "note" => "Note",
        "call" => "Phone call",
        "meeting" => "Meeting",
        "visit" => "Visit",
        "post" => "Post received",
        "document" => "Document",
        "person_added" => "Person added",
        "email_in" => "Email received",
        "email_out" => "Email sent",
        "letter_out" => "Letter",
        "tags" => "Tags",
        "transfer" => "Transferred",
        _ => "Entry",
    }
}

pub(crate) fn timeline_rows(entries: Vec<TimelineEntry>, show_case: bool) -> Vec<TimelineRow> {
    entries
        .into_iter()
        .map(|t| {
            let changes = t
                .changes
                .as_deref()
                .and_then(|c| {
                    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(c).ok()
                })
                .map(|m| {
                    m.into_iter()
                        .map(|(k, v)| {
                            let part = |i: usize| {
                                v.get(i).and_then(|x| x.as_str()).unwrap_or("").to_owned()
                            };
                            (k.replace('_', " "), part(0), part(1))
                        })
                        .collect()
                })
                .unwrap_or_default();
            TimelineRow {
                record: t.correspondence_id.is_some()
                    && NOTE_KINDS.iter().any(|(k, _)| *k == t.kind),
                kind_label: kind_label(&t.kind),
                kind: t.kind,
                iso: iso(t.at),
                when: when(t.at),
                actor: t.actor_name.unwrap_or_default(),
                case_link: if show_case {
                    t.case_id.zip(t.case_reference)
                } else {
                    None
                },
                body: t.body,
                changes,
                correspondence: t.correspondence_id,
            }
        })
        .collect()
}
