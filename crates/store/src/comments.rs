//! Comments on drafts: on an outgoing email or letter, or on a campaign's reply.

use crate::{OfficeData, Result, on_read, on_write};

/// What a comment is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentOn {
    Correspondence(i64),
    Campaign(i64),
}

impl CommentOn {
    fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            CommentOn::Correspondence(id) => (Some(id), None),
            CommentOn::Campaign(id) => (None, Some(id)),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Comment {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub at: i64,
}

impl OfficeData {
    pub async fn add_comment(
        &self,
        on: CommentOn,
        author_id: i64,
        body: &str,
        now: i64,
    ) -> Result<i64> {
        let office_id = self.scope.office_id;
        let (correspondence, campaign) = on.ids();
        on_write!(self, |pool| {
            Ok(sqlx::query_scalar(
                "INSERT INTO comments (office_id, correspondence_id, campaign_id, author_id, body, at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(office_id)
            .bind(correspondence)
            .bind(campaign)
            .bind(author_id)
            .bind(body)
            .bind(now)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Comments on one thing, oldest first.
    pub async fn comments(&self, on: CommentOn) -> Result<Vec<Comment>> {
        let office_id = self.scope.office_id;
        let visible = self.scope.message_condition("m");
        let (sql, id) = match on {
            CommentOn::Correspondence(id) => (
                "SELECT c.id, c.author_id, u.display_name AS author_name, c.body, c.at FROM comments c \
                 JOIN users u ON u.id = c.author_id JOIN correspondence m ON m.id = c.correspondence_id \
                 WHERE c.office_id = $1 AND c.correspondence_id = $2 {visible} ORDER BY c.at, c.id",
                id,
            ),
            CommentOn::Campaign(id) => (
                "SELECT c.id, c.author_id, u.display_name AS author_name, c.body, c.at FROM comments c \
                 JOIN users u ON u.id = c.author_id WHERE c.office_id = $1 AND c.campaign_id = $2 ORDER BY c.at, c.id",
                id,
            ),
        };
        on_read!(self, |pool| {
            Ok(
                sqlx::query_as(sqlx::AssertSqlSafe(sql.replace("{visible}", &visible)))
                    .bind(office_id)
                    .bind(id)
                    .fetch_all(pool)
                    .await?,
            )
        })
    }
}
