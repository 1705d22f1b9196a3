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
            let mut qb = QueryBuilder::new(TIMELINE_COLUMNS);
            qb.push(" WHERE t.case_id = ").push_bind(case_id);
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
            let mut qb = QueryBuilder::new(TIMELINE_COLUMNS);
            qb.push(" WHERE t.office_id = ").push_bind(scope.office_id);
            // The ids first, from the two indexes, rather than an OR that
            // would make the planner scan the whole timeline.
            qb.push(" AND t.id IN (SELECT id FROM timeline WHERE constituent_id = ")
                .push_bind(constituent_id);
            qb.push(" UNION SELECT tl.id FROM timeline tl JOIN case_people cp ON cp.case_id = tl.case_id WHERE cp.constituent_id = ")
                .push_bind(constituent_id);
            qb.push(")");
            qb.push(scope.optional_case_condition("t.case_id", "c"));
            qb.push(scope.timeline_message_condition("t"));
            qb.push(" ORDER BY t.at DESC, t.id DESC");
            crate::common::push_limit(&mut qb, limit);
            Ok(qb.build_query_as().fetch_all(pool).await?)
        })
    }
}
