//! Roles and what each may do. The one place these rules live: services ask
//! here, and list queries are scoped with [`Role::sees_all_sensitive`].

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::case::string_enum;

string_enum! {
    /// A staff member's role in their office.
    Role {
        Admin => "admin" / "Administrator",
        OfficeManager => "office_manager" / "Office manager",
        Caseworker => "caseworker" / "Caseworker",
        Volunteer => "volunteer" / "Volunteer",
        Representative => "representative" / "Representative",
    }
}

/// Something a person may try to do. Case-specific visibility is decided by
/// [`Role::can_see_case`]; these are the role-wide rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create or edit constituents and their notes (intake).
    EditConstituent,
    /// Open a new case.
    OpenCase,
    /// Open a case marked sensitive.
    OpenSensitiveCase,
    /// Change a case's details or status.
    EditCase,
    /// Assign or reassign a case.
    AssignCase,
    /// Add a note to a case the person can see.
    AddCaseNote,
    /// Create, deactivate and re-role staff accounts; revoke sessions.
    ManageUsers,
}

impl Role {
    pub fn can(self, action: Action) -> bool {
        use Action::*;
        use Role::*;
        match action {
            EditConstituent | OpenCase | AddCaseNote => {
                matches!(self, Admin | OfficeManager | Caseworker | Volunteer)
            }
            OpenSensitiveCase | EditCase | AssignCase => {
                matches!(self, Admin | OfficeManager | Caseworker)
            }
            ManageUsers => self == Admin,
        }
    }

    /// Whether this role sees every sensitive case of the office, not only
    /// those assigned to the person.
    pub fn sees_all_sensitive(self) -> bool {
        matches!(self, Role::OfficeManager | Role::Representative)
    }

    /// Volunteers never see sensitive cases, even when assigned one by mistake.
    pub fn may_see_sensitive_when_assigned(self) -> bool {
        self != Role::Volunteer
    }

    pub fn can_see_case(self, sensitive: bool, is_assignee: bool) -> bool {
        !sensitive
            || self.sees_all_sensitive()
            || (is_assignee && self.may_see_sensitive_when_assigned())
    }

    /// Whether cases may be assigned to someone with this role.
    pub fn can_hold_cases(self) -> bool {
        matches!(self, Role::Admin | Role::OfficeManager | Role::Caseworker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_cases_are_seen_by_assignee_managers_and_representative_only() {
        assert!(Role::Caseworker.can_see_case(true, true));
        assert!(!Role::Caseworker.can_see_case(true, false));
        assert!(Role::OfficeManager.can_see_case(true, false));
        assert!(Role::Representative.can_see_case(true, false));
        assert!(!Role::Admin.can_see_case(true, false));
        assert!(!Role::Volunteer.can_see_case(true, true));
        for r in Role::ALL {
            assert!(r.can_see_case(false, false));
        }
    }

    #[test]
    fn representative_reads_but_does_not_edit() {
        let r = Role::Representative;
        assert!(!r.can(Action::EditCase));
        assert!(!r.can(Action::AddCaseNote));
        assert!(!r.can(Action::EditConstituent));
    }

    #[test]
    fn volunteers_do_intake_only() {
        let v = Role::Volunteer;
        assert!(v.can(Action::EditConstituent));
        assert!(v.can(Action::OpenCase));
        assert!(!v.can(Action::OpenSensitiveCase));
        assert!(!v.can(Action::EditCase));
        assert!(!v.can(Action::AssignCase));
    }
}
