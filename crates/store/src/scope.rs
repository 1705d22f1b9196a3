//! The one door to an office's data.
//!
//! [`OfficeData`] is a handle made from a [`Scope`]: who is asking, in which
//! office, and which cases they may see. Every query on it is limited to the
//! office, and every query that returns or counts cases, correspondence,
//! letters, outgoing mail or campaign messages also applies the
//! case-visibility rule in its SQL, so a new list or report cannot forget it.
//! Queries that are not about one office's casework (sign-in, sessions,
//! tokens, the workers' leases) stay on [`Store`].

use casework_domain::Role;

use crate::{Db, Store};

/// Which of an office's cases a reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseVisibility {
    /// Every case, sensitive ones included (office managers, the
    /// representative, and background work done for the office).
    All,
    /// Cases that are not sensitive, and sensitive cases assigned to this user.
    AssignedSensitive(i64),
    /// Cases that are not sensitive.
    NoSensitive,
}

/// What a reader may see of one office: applied inside the SQL.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub office_id: i64,
    /// The person asking; 0 for background work.
    pub user_id: i64,
    pub visibility: CaseVisibility,
}

impl Scope {
    /// A staff member: the office's cases their role lets them see.
    pub fn person(office_id: i64, user_id: i64, role: Role) -> Scope {
        let visibility = if role.can_see_case(true, false) {
            CaseVisibility::All
        } else if role.can_see_case(true, true) {
            CaseVisibility::AssignedSensitive(user_id)
        } else {
            CaseVisibility::NoSensitive
        };
        Scope {
            office_id,
            user_id,
            visibility,
        }
    }

    /// Background work for the office (mail ingest, the outbox, campaign
    /// upkeep): no person is asking, so every case of the office is in reach.
    pub fn office(office_id: i64) -> Scope {
        Scope {
            office_id,
            user_id: 0,
            visibility: CaseVisibility::All,
        }
    }

    /// An SQL condition (starting with ` AND`) limiting the case aliased
    /// `case_alias` to those this scope may see; empty when all are visible.
    /// Only numbers are written into the SQL.
    pub fn case_condition(&self, case_alias: &str) -> String {
        match self.visibility {
            CaseVisibility::All => String::new(),
            CaseVisibility::AssignedSensitive(user) => format!(
                " AND ({case_alias}.sensitive = FALSE OR {case_alias}.assignee_id = {user})"
            ),
            CaseVisibility::NoSensitive => format!(" AND {case_alias}.sensitive = FALSE"),
        }
    }

    /// Like [`Scope::case_condition`] for a row that may have no case
    /// (`case_id_column` NULL, e.g. mail in intake), with its case LEFT
    /// JOINed as `case_alias`: rows without a case stay visible.
    pub fn optional_case_condition(&self, case_id_column: &str, case_alias: &str) -> String {
        match self.visibility {
            CaseVisibility::All => String::new(),
            CaseVisibility::AssignedSensitive(user) => format!(
                " AND ({case_id_column} IS NULL OR {case_alias}.sensitive = FALSE OR {case_alias}.assignee_id = {user})"
            ),
            CaseVisibility::NoSensitive => {
                format!(" AND ({case_id_column} IS NULL OR {case_alias}.sensitive = FALSE)")
            }
        }
    }
}

impl Scope {
    /// How many of a campaign's messages (the campaign's id in
    /// `campaign_id_column`) sit on cases this scope may not see: an SQL
    /// expression to subtract from a stored count, `0` when all are visible.
    pub fn hidden_campaign_messages(&self, campaign_id_column: &str) -> String {
        let visible = match self.visibility {
            CaseVisibility::All => return "0".to_owned(),
            CaseVisibility::AssignedSensitive(user) => {
                format!(
                    "((hc.id IS NULL OR hc.sensitive = FALSE OR hc.assignee_id = {user}) AND (h.restricted = FALSE OR hc.assignee_id = {user}))"
                )
            }
            CaseVisibility::NoSensitive => {
                "((hc.id IS NULL OR hc.sensitive = FALSE) AND h.restricted = FALSE)".to_owned()
            }
        };
        format!(
            "(SELECT COUNT(*) FROM correspondence h LEFT JOIN cases hc ON hc.id = h.case_id \
             WHERE h.campaign_id = {campaign_id_column} AND NOT COALESCE({visible}, FALSE))"
        )
    }

    /// Like [`Scope::case_id_condition`], read the other way round for rows
    /// that are many: the office's sensitive cases this scope may not see
    /// are read once, as one small set (index `cases_sensitive_of`), and
    /// each row checked against it instead of looking up its case.
    pub fn case_id_not_hidden(&self, case_id_column: &str) -> String {
        let others = match self.visibility {
            CaseVisibility::All => return String::new(),
            CaseVisibility::AssignedSensitive(user) => {
                format!(" AND (hc.assignee_id IS NULL OR hc.assignee_id <> {user})")
            }
            CaseVisibility::NoSensitive => String::new(),
        };
        format!(
            " AND ({case_id_column} IS NULL OR {case_id_column} NOT IN (SELECT hc.id FROM cases hc \
             WHERE hc.office_id = {} AND hc.sensitive = TRUE{others}))",
            self.office_id
        )
    }

    /// An SQL condition (starting with ` AND`) for a row whose case is in
    /// `case_id_column` (a qualified column, NULL when the row has no case):
    /// rows without a case, and rows of a case this scope may see, pass.
    /// Needs no join in the outer query; empty when all cases are visible.
    pub fn case_id_condition(&self, case_id_column: &str) -> String {
        let visible = match self.visibility {
            CaseVisibility::All => return String::new(),
            CaseVisibility::AssignedSensitive(user) => {
                format!("(vc.sensitive = FALSE OR vc.assignee_id = {user})")
            }
            CaseVisibility::NoSensitive => "vc.sensitive = FALSE".to_owned(),
        };
        format!(
            " AND ({case_id_column} IS NULL OR EXISTS (SELECT 1 FROM cases vc WHERE vc.id = {case_id_column} AND {visible}))"
        )
    }
}

impl Scope {
    /// An SQL condition (starting with ` AND`) for a correspondence row
    /// aliased `alias`: its case visible (or no case), and, when the
    /// message itself is highly sensitive (`restricted`), a reader who sees
    /// every sensitive case or whose case it is on. Empty when all is
    /// visible.
    pub fn message_condition(&self, alias: &str) -> String {
        let case = self.case_id_condition(&format!("{alias}.case_id"));
        match self.visibility {
            CaseVisibility::All => String::new(),
            CaseVisibility::AssignedSensitive(user) => format!(
                "{case} AND ({alias}.restricted = FALSE OR EXISTS (SELECT 1 FROM cases rc WHERE rc.id = {alias}.case_id AND rc.assignee_id = {user}))"
            ),
            CaseVisibility::NoSensitive => format!("{case} AND {alias}.restricted = FALSE"),
        }
    }

    /// For a timeline entry aliased `alias` about a message: the message
    /// visible to this scope (entries about no message pass).
    pub fn timeline_message_condition(&self, alias: &str) -> String {
        if self.visibility == CaseVisibility::All {
            return String::new();
        }
        format!(
            " AND ({alias}.correspondence_id IS NULL OR EXISTS (SELECT 1 FROM correspondence tm WHERE tm.id = {alias}.correspondence_id{}))",
            self.message_condition("tm")
        )
    }
}

/// The reader's id as written into a condition that [`Scope::push_bound`]
/// then binds (no office, case or reader has a negative id).
pub(crate) const READER_MARK: i64 = i64::MIN;

impl Scope {
    /// Pushes `condition` (one of this scope's conditions, made by the
    /// closure) onto `qb` with the reader's id bound, not written: the
    /// statement's text is then the same for every reader who sees as much
    /// (every caseworker, say), so PostgreSQL prepares and plans it once per
    /// connection for them all, not once per reader (the searches, whose
    /// planning took longer than their running).
    pub fn push_bound<DB: sqlx::Database>(
        &self,
        qb: &mut sqlx::QueryBuilder<DB>,
        condition: impl Fn(&Scope) -> String,
    ) where
        i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        let CaseVisibility::AssignedSensitive(user) = self.visibility else {
            qb.push(condition(self));
            return;
        };
        let marked = Scope {
            visibility: CaseVisibility::AssignedSensitive(READER_MARK),
            ..*self
        };
        let text = condition(&marked);
        let mark = READER_MARK.to_string();
        let mut parts = text.split(mark.as_str());
        qb.push(parts.next().unwrap_or_default());
        for part in parts {
            qb.push_bind(user).push(part);
        }
    }
}

/// One office's data as one reader may see it. Made by [`Store::office_data`];
/// cheap to clone.
#[derive(Clone)]
pub struct OfficeData {
    pub(crate) db: Db,
    pub(crate) scope: Scope,
    /// Files the next transaction writes (see `files`).
    pub(crate) files: crate::blobs::Kept,
}

impl Store {
    /// The door to one office's data for `scope`.
    pub fn office_data(&self, scope: Scope) -> OfficeData {
        OfficeData {
            db: self.db.clone(),
            scope,
            files: Default::default(),
        }
    }
}

impl OfficeData {
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    pub fn office_id(&self) -> i64 {
        self.scope.office_id
    }

    /// The store behind the handle, for the few installation-wide queries an
    /// office's work needs (the crate's own code only).
    pub(crate) fn store(&self) -> Store {
        Store {
            db: self.db.clone(),
        }
    }

    /// ` INDEXED BY index` on SQLite (nothing on PostgreSQL), for a count
    /// that must read the index that holds it: with fresh statistics SQLite
    /// may prefer one that makes it read the rows.
    pub(crate) fn sqlite_index(&self, index: &str) -> String {
        match self.db {
            crate::Db::Sqlite { .. } => format!(" INDEXED BY {index}"),
            crate::Db::Postgres(_) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_gets_its_case_visibility() {
        assert_eq!(
            Scope::person(1, 7, Role::OfficeManager).visibility,
            CaseVisibility::All
        );
        assert_eq!(
            Scope::person(1, 7, Role::Representative).visibility,
            CaseVisibility::All
        );
        assert_eq!(
            Scope::person(1, 7, Role::Caseworker).visibility,
            CaseVisibility::AssignedSensitive(7)
        );
        assert_eq!(
            Scope::person(1, 7, Role::Admin).visibility,
            CaseVisibility::AssignedSensitive(7)
        );
        assert_eq!(
            Scope::person(1, 7, Role::Volunteer).visibility,
            CaseVisibility::NoSensitive
        );
        assert_eq!(Scope::office(1).case_condition("c"), "");
        assert_eq!(
            Scope::person(1, 7, Role::Caseworker).case_condition("c"),
            " AND (c.sensitive = FALSE OR c.assignee_id = 7)"
        );
    }

    #[test]
    fn a_bound_condition_is_the_same_text_for_every_reader_who_sees_as_much() {
        let sql = |scope: Scope| {
            let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new("SELECT 1 WHERE TRUE");
            scope.push_bound(&mut qb, |s| s.message_condition("a"));
            qb.into_string()
        };
        let seven = sql(Scope::person(1, 7, Role::Caseworker));
        assert_eq!(seven, sql(Scope::person(1, 8, Role::Caseworker)));
        // Both of the condition's places for the reader are bound.
        assert!(seven.contains("assignee_id = $1") && seven.contains("assignee_id = $2"));
        assert!(!seven.contains("-9223372036854775808"));
        assert_eq!(
            sql(Scope::person(1, 7, Role::OfficeManager)),
            "SELECT 1 WHERE TRUE"
        );
        assert_eq!(
            sql(Scope::person(1, 7, Role::Volunteer)),
            format!(
                "SELECT 1 WHERE TRUE{}",
                Scope::person(1, 7, Role::Volunteer).message_condition("a")
            )
        );
    }
}
