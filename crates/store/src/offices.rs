//! Offices: the installation's tenants.

use crate::model::*;
use crate::{Result, Store, on_read, on_write};

impl Store {
    // ----- offices -----

    pub async fn create_office(&self, name: &str, level: &str, now: i64) -> Result<Office> {
        on_write!(self, |pool| {
            Ok(sqlx::query_as(
                "INSERT INTO offices (name, created_at, level) VALUES ($1, $2, $3) RETURNING id, name, created_at, level",
            )
            .bind(name)
            .bind(now)
            .bind(level)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn office_by_name(&self, name: &str) -> Result<Office> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_as("SELECT id, name, created_at, level FROM offices WHERE name = $1")
                    .bind(name)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    pub async fn office(&self, id: i64) -> Result<Office> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_as("SELECT id, name, created_at, level FROM offices WHERE id = $1")
                    .bind(id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    /// The office's follow-up settings.
    pub async fn office_settings(&self, id: i64) -> Result<crate::OfficeSettings> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_as("SELECT chases_before_escalation FROM offices WHERE id = $1")
                    .bind(id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    /// Changes the office's follow-up settings.
    pub async fn set_office_settings(&self, id: i64, s: &crate::OfficeSettings) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query("UPDATE offices SET chases_before_escalation = $2 WHERE id = $1")
                .bind(id)
                .bind(s.chases_before_escalation)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The level of government most of an office's cases carry in the
    /// old free-text field, if any says one.
    pub async fn most_common_case_level(&self, office_id: i64) -> Result<Option<String>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT level FROM cases WHERE office_id = $1 AND level IN ('federal', 'provincial', 'municipal') \
                 GROUP BY level ORDER BY COUNT(*) DESC, level LIMIT 1",
            )
            .bind(office_id)
            .fetch_optional(pool)
            .await?)
        })
    }

    pub async fn offices(&self) -> Result<Vec<Office>> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_as("SELECT id, name, created_at, level FROM offices ORDER BY name")
                    .fetch_all(pool)
                    .await?,
            )
        })
    }
}
