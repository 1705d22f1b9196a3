//! The timeline: a case's and a constituent's whole history.

use sqlx::QueryBuilder;

use crate::common::*;
use crate::model::*;
use crate::{OfficeData, Result, on_read};

impl OfficeData {
    // ----- timeline -----

    /// A case's history, oldest first.
    pub async fn case_timeline(&self, case_id: i64, limit: i64) -> Result<Vec<TimelineEntry>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            let mut qb = QueryBuilder::new(format!(
                "{ENTRY_SELECT} FROM timeline t LEFT JOIN cases c ON c.id = t.case_id \
                 LEFT JOIN users u ON u.id = t.actor_id WHERE t.case_id = "
            ));
            qb.push_bind(case_id);
            qb.push(" AND t.office_id = ").push_bind(office_id);
            qb.push(self.scope.case_condition("c"));
            qb.push(self.scope.timeline_message_condition("t"));
            qb.push(" ORDER BY t.at, t.id");
            crate::common::push_limit(&mut qb, limit);
            Ok(qb.build_query_as().fetch_all(pool).await?)
        })
    }

    /// A constituent's whole history — their own entries and those of every
    /// case they are on — newest first, without cases `scope` may not see.
    pub async fn constituent_timeline(
        &self,
        constituent_id: i64,
        limit: i64,
    ) -> Result<Vec<TimelineEntry>> {
        let scope = &self.scope;
        on_read!(self, |pool| {
            // The entries first, read along the two indexes: the person's
            // own, then those of the cases they are on that are not theirs
            // (so none comes twice). The cases are then looked up once
            // each, not once per entry: a person with 200 entries on one
            // case read 1,600 pages for this, and now reads about 20.
            let mut qb = QueryBuilder::new(format!(
                "WITH t AS (SELECT {} FROM timeline tc WHERE tc.constituent_id = ",
                entry_fields("tc")
            ));
            qb.push_bind(constituent_id);
            qb.push(" AND tc.office_id = ").push_bind(scope.office_id);
            qb.push(format!(
                " UNION ALL SELECT {} FROM timeline tl JOIN case_people cp ON cp.case_id = tl.case_id \
                 WHERE cp.constituent_id = ",
                entry_fields("tl")
            ));
            qb.push_bind(constituent_id);
            qb.push(" AND tl.office_id = ").push_bind(scope.office_id);
            qb.push(" AND (tl.constituent_id IS NULL OR tl.constituent_id <> ")
                .push_bind(constituent_id);
            qb.push(")) ");
            qb.push(ENTRY_SELECT);
            qb.push(
                " FROM t LEFT JOIN (SELECT id, reference, sensitive, assignee_id FROM cases \
                 WHERE id IN (SELECT case_id FROM t)) c ON c.id = t.case_id \
                 LEFT JOIN users u ON u.id = t.actor_id WHERE 1 = 1",
            );
            qb.push(scope.optional_case_condition("t.case_id", "c"));
            qb.push(scope.timeline_message_condition("t"));
            qb.push(" ORDER BY t.at DESC, t.id DESC");
            crate::common::push_limit(&mut qb, limit);
            Ok(qb.build_query_as().fetch_all(pool).await?)
        })
    }
}
