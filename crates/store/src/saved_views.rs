//! A person's saved views: a list's filters under a name of their own.

use crate::{Error, OfficeData, Result, on_read, on_write};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    /// The list it filters (`cases`).
    pub list: String,
    /// The list's filters, as its address's query.
    pub query: String,
    pub created_at: i64,
}

impl OfficeData {
    /// A person's saved views, by name.
    pub async fn saved_views(&self, user_id: i64) -> Result<Vec<SavedView>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, name, list, query, created_at FROM saved_views \
                 WHERE office_id = $1 AND user_id = $2 ORDER BY name, id",
            )
            .bind(office_id)
            .bind(user_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Saves a view under its name; a view of the same name is replaced.
    pub async fn save_view(
        &self,
        user_id: i64,
        name: &str,
        list: &str,
        query: &str,
        now: i64,
    ) -> Result<i64> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            Ok(sqlx::query_scalar(
                "INSERT INTO saved_views (office_id, user_id, name, list, query, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (user_id, name) DO UPDATE SET list = excluded.list, query = excluded.query \
                 RETURNING id",
            )
            .bind(office_id)
            .bind(user_id)
            .bind(name)
            .bind(list)
            .bind(query)
            .bind(now)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Deletes one of a person's saved views.
    pub async fn delete_view(&self, user_id: i64, id: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            let n = sqlx::query(
                "DELETE FROM saved_views WHERE id = $1 AND user_id = $2 AND office_id = $3",
            )
            .bind(id)
            .bind(user_id)
            .bind(office_id)
            .execute(pool)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::NotFound);
            }
        });
        Ok(())
    }
}
