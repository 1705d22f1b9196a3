//! Cases: reference numbers, the status lifecycle, urgency and sensitivity.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A case's human-friendly reference, e.g. `CW-2026-00417`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CaseRef(String);

impl CaseRef {
    pub fn new(year: i32, number: i64) -> Self {
        CaseRef(format!("CW-{year}-{number:05}"))
    }

    /// Parses a reference written by a person: case and surrounding space do not matter.
    pub fn parse(text: &str) -> Option<Self> {
        let upper = text.trim().to_ascii_uppercase();
        let rest = upper.strip_prefix("CW-")?;
        let (year, number) = rest.split_once('-')?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if number.len() < 5 || number.len() > 9 || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(CaseRef(upper))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name used in the database, the API and forms.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The name shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text.trim() { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Reading a stored value: anything but one of the names is an error.
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(text: String) -> Result<Self, String> {
                $name::parse(&text)
                    .ok_or_else(|| format!("{text:?} is not a {}", stringify!($name)))
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// Where a case is in its life.
    Status {
        New => "new" / "New",
        Open => "open" / "Open",
        AwaitingThirdParty => "awaiting_third_party" / "Awaiting third party",
        AwaitingConstituent => "awaiting_constituent" / "Awaiting constituent",
        Resolved => "resolved" / "Resolved",
        Closed => "closed" / "Closed",
        Transferred => "transferred" / "Transferred",
    }
}

impl Status {
    /// The statuses a case may move to from this one.
    ///
    /// Work moves forward through open and the two waiting states; a resolved
    /// or closed case can be reopened, which is the only way back. A case
    /// becomes transferred only by a transfer (which records where it went),
    /// never by a plain change of status.
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            New => &[
                Open,
                AwaitingThirdParty,
                AwaitingConstituent,
                Resolved,
                Closed,
            ],
            Open => &[AwaitingThirdParty, AwaitingConstituent, Resolved, Closed],
            AwaitingThirdParty => &[Open, AwaitingConstituent, Resolved, Closed],
            AwaitingConstituent => &[Open, AwaitingThirdParty, Resolved, Closed],
            Resolved => &[Closed, Open],
            Closed => &[Open],
            Transferred => &[Open, Closed],
        }
    }

    pub fn can_move_to(self, to: Status) -> bool {
        self.next().contains(&to)
    }

    /// Whether the case still needs work (counts towards a caseworker's load).
    pub fn is_active(self) -> bool {
        !matches!(
            self,
            Status::Resolved | Status::Closed | Status::Transferred
        )
    }
}

string_enum! {
    /// How soon a case needs attention.
    Urgency {
        Low => "low" / "Low",
        Normal => "normal" / "Normal",
        High => "high" / "High",
        Critical => "critical" / "Critical",
    }
}

string_enum! {
    /// Whether a case is restricted to its assignee, office managers and the representative.
    Sensitivity {
        Normal => "normal" / "Normal",
        Sensitive => "sensitive" / "Sensitive",
    }
}

string_enum! {
    /// The level of government that can resolve the problem.
    Level {
        Federal => "federal" / "Federal",
        Provincial => "provincial" / "Provincial / state",
        Municipal => "municipal" / "Municipal",
        Other => "other" / "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_zero_padded_and_parse_back() {
        let r = CaseRef::new(2026, 417);
        assert_eq!(r.as_str(), "CW-2026-00417");
        assert_eq!(CaseRef::parse(" cw-2026-00417 "), Some(r));
        assert_eq!(
            CaseRef::parse("CW-2026-123456").unwrap().as_str(),
            "CW-2026-123456"
        );
    }

    #[test]
    fn malformed_references_are_refused() {
        for bad in [
            "",
            "CW-26-00417",
            "CW-2026-417",
            "XX-2026-00417",
            "CW-2026-00a17",
        ] {
            assert_eq!(CaseRef::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn closed_cases_only_reopen() {
        assert_eq!(Status::Closed.next(), &[Status::Open]);
        assert!(!Status::Closed.can_move_to(Status::Resolved));
        assert!(Status::Resolved.can_move_to(Status::Open));
    }

    #[test]
    fn only_a_transfer_makes_a_case_transferred() {
        for s in Status::ALL {
            assert!(!s.can_move_to(Status::Transferred));
        }
        assert!(Status::Transferred.can_move_to(Status::Open));
        assert!(!Status::Transferred.is_active());
    }

    #[test]
    fn nothing_moves_back_to_new_or_to_itself() {
        for s in Status::ALL {
            assert!(!s.can_move_to(Status::New));
            assert!(!s.can_move_to(*s));
        }
    }

    #[test]
    fn enums_round_trip_through_their_names() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(*s));
        }
        assert_eq!(Urgency::parse("urgent"), None);
    }
}
