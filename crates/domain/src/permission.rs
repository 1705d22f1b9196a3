//! Roles and what each may do. The one place these rules live: services ask
//! [`Role::can`] about a named [`Permission`], pages ask the same to decide
//! what to show, and list queries are scoped with [`Role::sees_all_sensitive`].
//! No other code compares roles.

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

/// Something a person may be allowed to do, whatever the record. Whether a
/// particular case can be seen is decided by [`Role::can_see_case`], from
/// [`Permission::SeeAllSensitiveCases`] and
/// [`Permission::SeeAssignedSensitiveCases`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Create or edit constituents and add notes to them.
    EditConstituents,
    /// Open a new case.
    OpenCases,
    /// Open a case marked sensitive.
    OpenSensitiveCases,
    /// Change a case's details or status, and the people on it.
    EditCases,
    /// Assign or reassign a case.
    AssignCases,
    /// Add a note or keep a file on a case the person can see.
    AddCaseNotes,
    /// Deal with mail in the intake inbox: file it on a case or a
    /// constituent, or take it out as needing no action.
    TriageIntake,
    /// Rename, merge and split campaigns, and mark them as needing no action.
    ManageCampaigns,
    /// Write an email from a case, retry one that failed, and write and send
    /// a campaign's reply.
    SendEmail,
    /// Make a letter on a case.
    WriteLetters,
    /// See the letters waiting to be printed (and those printed lately) and
    /// print them.
    PrintLetters,
    /// Approve what waits for approval before it goes out: emails and
    /// letters on sensitive cases, letters signed by the representative,
    /// campaign replies. What such a person writes is approved as they
    /// write it.
    ApproveOutgoing,
    /// Change letter templates and the letterhead.
    EditTemplates,
    /// Create, deactivate and re-role staff accounts; revoke their sessions.
    ManageStaff,
    /// See every sensitive case of the office, not only those assigned to
    /// the person.
    SeeAllSensitiveCases,
    /// See a sensitive case assigned to the person.
    SeeAssignedSensitiveCases,
    /// Keep the office's tagging framework: dimensions and values, merging,
    /// renaming, retiring, bulk mapping.
    ManageTags,
    /// Keep the office's list of agencies and their contacts.
    ManageAgencies,
    /// See everyone's tasks and act on them (complete, put off, reassign),
    /// not only one's own.
    OverseeTasks,
    /// Write to an agency that needs the constituent's written consent
    /// when the case has none that covers it (recorded, with the reason).
    OverrideConsent,
    /// Run the weekly review of the whole office (or of any one
    /// caseworker's cases), record it, and set the office's first day of
    /// the week.
    RunReview,
    /// Open a weekly review: the office's for those who run it, the
    /// review of one's own cases for anyone else who holds cases.
    SeeReview,
}

impl Permission {
    pub const ALL: &'static [Permission] = &[
        Permission::EditConstituents,
        Permission::OpenCases,
        Permission::OpenSensitiveCases,
        Permission::EditCases,
        Permission::AssignCases,
        Permission::AddCaseNotes,
        Permission::TriageIntake,
        Permission::ManageCampaigns,
        Permission::SendEmail,
        Permission::WriteLetters,
        Permission::PrintLetters,
        Permission::ApproveOutgoing,
        Permission::EditTemplates,
        Permission::ManageStaff,
        Permission::SeeAllSensitiveCases,
        Permission::SeeAssignedSensitiveCases,
        Permission::ManageTags,
        Permission::ManageAgencies,
        Permission::OverseeTasks,
        Permission::OverrideConsent,
        Permission::RunReview,
        Permission::SeeReview,
    ];

    /// The roles that have this permission, in the order of [`Role::ALL`].
    /// This match is the whole table of who may do what.
    pub fn roles(self) -> &'static [Role] {
        use Permission::*;
        use Role::*;
        match self {
            // Intake: everyone but the representative, who reads and approves.
            EditConstituents | OpenCases | AddCaseNotes | TriageIntake | ManageCampaigns => {
                &[Admin, OfficeManager, Caseworker, Volunteer]
            }
            // Casework: not volunteers, who do intake only.
            OpenSensitiveCases | EditCases | AssignCases | SendEmail | WriteLetters
            | PrintLetters => &[Admin, OfficeManager, Caseworker],
            // Those who answer for what the office sends and for its sensitive cases.
            ApproveOutgoing | SeeAllSensitiveCases | RunReview => &[OfficeManager, Representative],
            // Who keeps the office's work moving.
            OverseeTasks | OverrideConsent => &[OfficeManager],
            // Volunteers never see sensitive cases, even when assigned one by mistake.
            SeeAssignedSensitiveCases => &[Admin, OfficeManager, Caseworker, Representative],
            // Those who hold cases review their own; the rest run the office's.
            SeeReview => &[Admin, OfficeManager, Caseworker, Representative],
            // The office's set-up.
            EditTemplates | ManageTags | ManageAgencies => &[Admin, OfficeManager],
            ManageStaff => &[Admin],
        }
    }
}

impl Role {
    /// Whether this role has `permission`.
    pub fn can(self, permission: Permission) -> bool {
        permission.roles().contains(&self)
    }

    /// Whether this role sees every sensitive case of the office, not only
    /// those assigned to the person.
    pub fn sees_all_sensitive(self) -> bool {
        self.can(Permission::SeeAllSensitiveCases)
    }

    /// Whether this role sees a sensitive case assigned to the person.
    pub fn may_see_sensitive_when_assigned(self) -> bool {
        self.can(Permission::SeeAssignedSensitiveCases)
    }

    pub fn can_see_case(self, sensitive: bool, is_assignee: bool) -> bool {
        !sensitive
            || self.sees_all_sensitive()
            || (is_assignee && self.may_see_sensitive_when_assigned())
    }

    /// Whether cases may be assigned to someone with this role (a fact about
    /// the role, not something the person does).
    pub fn can_hold_cases(self) -> bool {
        matches!(self, Role::Admin | Role::OfficeManager | Role::Caseworker)
    }

    /// Whether letters "signed by the representative" carry the name of the
    /// office's active member with this role.
    pub fn signs_letters(self) -> bool {
        self == Role::Representative
    }
}

/// Whether an email written on a case by someone with this role waits for
/// approval before it is sent: anything on a sensitive case, unless the
/// writer may approve outgoing mail (theirs is approved as they send it).
pub fn email_waits_for_approval(writer: Role, case_sensitive: bool) -> bool {
    case_sensitive && !writer.can(Permission::ApproveOutgoing)
}

/// Whether a letter goes out only once approved: one signed by the
/// representative, or any letter on a sensitive case.
pub fn letter_needs_approval(signed_by_representative: bool, case_sensitive: bool) -> bool {
    signed_by_representative || case_sensitive
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table, so that any change to who may do what shows here
    /// (and in review) rather than only in the matrix of routes.
    #[test]
    fn who_may_do_what() {
        let table: String = Permission::ALL
            .iter()
            .map(|p| {
                let roles: Vec<&str> = p.roles().iter().map(|r| r.as_str()).collect();
                format!("{p:?}: {}\n", roles.join(", "))
            })
            .collect();
        println!("{table}");
        assert_eq!(
            table,
            "\
EditConstituents: admin, office_manager, caseworker, volunteer
OpenCases: admin, office_manager, caseworker, volunteer
OpenSensitiveCases: admin, office_manager, caseworker
EditCases: admin, office_manager, caseworker
AssignCases: admin, office_manager, caseworker
AddCaseNotes: admin, office_manager, caseworker, volunteer
TriageIntake: admin, office_manager, caseworker, volunteer
ManageCampaigns: admin, office_manager, caseworker, volunteer
SendEmail: admin, office_manager, caseworker
WriteLetters: admin, office_manager, caseworker
PrintLetters: admin, office_manager, caseworker
ApproveOutgoing: office_manager, representative
EditTemplates: admin, office_manager
ManageStaff: admin
SeeAllSensitiveCases: office_manager, representative
SeeAssignedSensitiveCases: admin, office_manager, caseworker, representative
ManageTags: admin, office_manager
ManageAgencies: admin, office_manager
OverseeTasks: office_manager
OverrideConsent: office_manager
RunReview: office_manager, representative
SeeReview: admin, office_manager, caseworker, representative
"
        );
    }

    #[test]
    fn roles_are_listed_in_order_without_repeats() {
        for p in Permission::ALL {
            let positions: Vec<usize> = p
                .roles()
                .iter()
                .map(|r| Role::ALL.iter().position(|x| x == r).unwrap())
                .collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "{p:?}");
        }
    }

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
        assert!(!r.can(Permission::EditCases));
        assert!(!r.can(Permission::AddCaseNotes));
        assert!(!r.can(Permission::EditConstituents));
    }

    #[test]
    fn volunteers_do_intake_only() {
        let v = Role::Volunteer;
        assert!(v.can(Permission::EditConstituents));
        assert!(v.can(Permission::OpenCases));
        assert!(!v.can(Permission::OpenSensitiveCases));
        assert!(!v.can(Permission::EditCases));
        assert!(!v.can(Permission::AssignCases));
    }

    #[test]
    fn what_waits_for_approval() {
        assert!(email_waits_for_approval(Role::Caseworker, true));
        assert!(!email_waits_for_approval(Role::Caseworker, false));
        assert!(!email_waits_for_approval(Role::OfficeManager, true));
        assert!(!email_waits_for_approval(Role::Representative, true));
        assert!(email_waits_for_approval(Role::Admin, true));
        assert!(letter_needs_approval(true, false));
        assert!(letter_needs_approval(false, true));
        assert!(!letter_needs_approval(false, false));
    }
}
