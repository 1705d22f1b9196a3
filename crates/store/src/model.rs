//! Records as stored. Enumerations are kept as their stable names and parsed
//! into domain types by the accessors.

use casework_domain::{Role, Status};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Office {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    /// The office's level of government (`federal`, `provincial`,
    /// `municipal`), or empty while not said.
    pub level: String,
}

/// An office's settings for following up third parties.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct OfficeSettings {
    /// Chases of an unanswered enquiry before escalation is proposed.
    pub chases_before_escalation: i64,
    /// The office's time zone (IANA name, e.g. Europe/London).
    pub time_zone: String,
    /// The hour (0–23, office time) the daily digest goes out.
    pub digest_hour: i64,
    /// Days without activity on an open case before a task to update the
    /// constituent (0: off), unless its Category says otherwise.
    pub quiet_days: i64,
}

/// A fully signed-in session, its user, and their office's settings and
/// tag framework version (see [`crate::Store::session`]).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub user: User,
    pub office: OfficeSettings,
    /// `None` while the office has no tag framework yet.
    pub tag_framework_version: Option<i64>,
    /// The menu's numbers, when asked for (pages).
    pub menu: Option<crate::MenuNumbers>,
}

/// The role of someone whose stored role this version does not know (from
/// a newer version): the least rights.
pub const UNKNOWN_ROLE: Role = Role::Volunteer;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub office_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub created_at: i64,
    pub version: i64,
}

impl User {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(UNKNOWN_ROLE)
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub office_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// `full` (signed in), `second_factor` (a code awaited) or `enrol`
    /// (two-factor must be set up first).
    pub stage: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Constituent {
    pub id: i64,
    pub office_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub postcode: String,
    pub address: String,
    pub mailing_address: String,
    pub do_not_email: bool,
    pub do_not_mail: bool,
    pub do_not_phone: bool,
    pub notes: String,
    pub household_key: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

impl Constituent {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_owned()
    }
}

/// The editable fields of a constituent, already validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConstituentFields {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub postcode: String,
    pub address: String,
    pub mailing_address: String,
    pub do_not_email: bool,
    pub do_not_mail: bool,
    pub do_not_phone: bool,
    pub notes: String,
}

impl From<&Constituent> for ConstituentFields {
    fn from(c: &Constituent) -> Self {
        ConstituentFields {
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            postcode: c.postcode.clone(),
            address: c.address.clone(),
            mailing_address: c.mailing_address.clone(),
            do_not_email: c.do_not_email,
            do_not_mail: c.do_not_mail,
            do_not_phone: c.do_not_phone,
            notes: c.notes.clone(),
        }
    }
}

/// A case with the names the pages show beside it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Case {
    pub id: i64,
    pub office_id: i64,
    pub reference: String,
    pub constituent_id: i64,
    pub title: String,
    pub summary: String,
    pub agency: String,
    pub status: String,
    pub assignee_id: Option<i64>,
    /// Whether its Sensitivity value is "highly sensitive" (kept with the
    /// case so that the visibility rule is one column).
    pub sensitive: bool,
    pub review_date: Option<String>,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub updated_at: i64,
    pub version: i64,
    pub constituent_name: String,
    pub assignee_name: Option<String>,
}

impl Case {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Open)
    }
}

/// The editable fields of a case, already validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFields {
    pub title: String,
    pub summary: String,
    pub agency: String,
    pub status: Status,
    pub assignee_id: Option<i64>,
    pub review_date: Option<String>,
}

impl From<&Case> for CaseFields {
    fn from(c: &Case) -> Self {
        CaseFields {
            title: c.title.clone(),
            summary: c.summary.clone(),
            agency: c.agency.clone(),
            status: c.status(),
            assignee_id: c.assignee_id,
            review_date: c.review_date.clone(),
        }
    }
}

/// Someone on a case besides its main constituent.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct CasePerson {
    pub constituent_id: i64,
    pub name: String,
    pub relationship: String,
}

/// One entry of a constituent's or a case's history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TimelineEntry {
    pub id: i64,
    pub constituent_id: Option<i64>,
    pub case_id: Option<i64>,
    pub case_reference: Option<String>,
    pub kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub at: i64,
    pub body: String,
    /// JSON object `{"field": [before, after], …}` for audit entries.
    pub changes: Option<String>,
    /// The email, letter or call this entry is about.
    pub correspondence_id: Option<i64>,
}

/// An entry to append in the same transaction as the change it records.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub kind: &'static str,
    pub actor_id: Option<i64>,
    pub body: String,
    pub changes: Option<String>,
    /// The email, letter or call the entry is about.
    pub correspondence_id: Option<i64>,
}

impl NewEntry {
    pub fn new(kind: &'static str, actor_id: Option<i64>, body: impl Into<String>) -> Self {
        NewEntry {
            kind,
            actor_id,
            body: body.into(),
            changes: None,
            correspondence_id: None,
        }
    }
}

/// Ordering of the case list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseSort {
    /// Most recently active first.
    Updated,
    /// Oldest first (by date opened): what has waited longest.
    Oldest,
    /// Newest first (by date opened).
    Newest,
}

impl CaseSort {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "updated" => Some(CaseSort::Updated),
            "oldest" => Some(CaseSort::Oldest),
            "newest" => Some(CaseSort::Newest),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            CaseSort::Updated => "updated",
            CaseSort::Oldest => "oldest",
            CaseSort::Newest => "newest",
        }
    }
}

/// Filters of the case list. `None` means "any".
#[derive(Debug, Clone)]
pub struct CaseFilter {
    pub assignee: Option<i64>,
    pub unassigned: bool,
    pub status: Option<Status>,
    /// Only cases still needing work (not resolved, closed or transferred).
    pub active_only: bool,
    /// Cases with one of these tags (a value and those under it); empty:
    /// any.
    pub tags: Vec<i64>,
    /// Cases whose Category is one of these (a value and those under it);
    /// empty: any. Read from the value kept on the case, not its tags.
    pub categories: Vec<i64>,
    /// Opened at or after this time, and before that one (Unix ms).
    pub opened_from: Option<i64>,
    pub opened_before: Option<i64>,
    /// Transferred at or after this time, and before that one (Unix ms).
    pub transferred_from: Option<i64>,
    pub transferred_before: Option<i64>,
    /// The constituent's location: ward, or postcode district.
    pub location: Option<String>,
    pub agency: Option<String>,
    pub constituent_id: Option<i64>,
    /// Resolved (or closed while still open) at or after, and before (Unix ms).
    pub resolved_from: Option<i64>,
    pub resolved_before: Option<i64>,
    /// Closed at or after, and before (Unix ms).
    pub closed_from: Option<i64>,
    pub closed_before: Option<i64>,
    /// Whose review date is before this day (`YYYY-MM-DD`).
    pub review_before: Option<String>,
    /// Not changed since before this time (Unix ms).
    pub updated_before: Option<i64>,
    /// Only sensitive cases (a restricting Sensitivity value).
    pub sensitive_only: bool,
    pub sort: CaseSort,
}

impl Default for CaseFilter {
    fn default() -> Self {
        CaseFilter {
            assignee: None,
            unassigned: false,
            status: None,
            active_only: false,
            tags: Vec::new(),
            categories: Vec::new(),
            opened_from: None,
            opened_before: None,
            transferred_from: None,
            transferred_before: None,
            location: None,
            agency: None,
            constituent_id: None,
            resolved_from: None,
            resolved_before: None,
            closed_from: None,
            closed_before: None,
            review_before: None,
            updated_before: None,
            sensitive_only: false,
            sort: CaseSort::Updated,
        }
    }
}

/// A position in a list: the sort value and id of the last row already shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub key: String,
    pub id: i64,
}

impl Cursor {
    /// An opaque text form for URLs: hex of the key, a dot, the id.
    pub fn encode(&self) -> String {
        let hex: String = self.key.bytes().map(|b| format!("{b:02x}")).collect();
        format!("{hex}.{}", self.id)
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let (hex, id) = text.split_once('.')?;
        // Byte positions below are character positions only in ASCII.
        if !hex.is_ascii() || hex.len() % 2 != 0 || hex.len() > 600 {
            return None;
        }
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        Some(Cursor {
            key: String::from_utf8(bytes).ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// One page of a list and where the next begins.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::Cursor;

    #[test]
    fn a_cursor_that_is_not_ours_is_refused_not_a_panic() {
        let c = Cursor {
            key: "Smith".into(),
            id: 42,
        };
        let decoded = Cursor::decode(&c.encode()).unwrap();
        assert_eq!((decoded.key.as_str(), decoded.id), ("Smith", 42));
        for bad in ["0\u{80}0.", "\u{e9}\u{e9}.1", "zz.1", "abc.1", "41.x", ""] {
            assert!(Cursor::decode(bad).is_none(), "{bad:?}");
        }
    }
}

/// Something that happened to a person's sign-in: `signed_in`,
/// `two_factor_enrolled`, `recovery_code_used`, `two_factor_reset` …
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct SecurityEvent {
    pub office_id: i64,
    /// Whose account.
    pub user_id: i64,
    /// Who did it, when not the person themselves (an administrator's reset).
    pub actor_id: Option<i64>,
    #[sqlx(default)]
    pub actor_name: Option<String>,
    pub kind: String,
    /// The address it came from, where there was one.
    pub address: String,
    pub at: i64,
}
