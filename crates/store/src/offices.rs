//! Offices: the installation's tenants.

use crate::model::*;
use crate::{Result, Store, on_read, on_write};

impl Store {
    // ----- offices -----

    pub async fn create_office(&self, name: &str, now: i64) -> Result<Office> {
        on_write!(self, |pool| {
            Ok(sqlx::query_as(
                "INSERT INTO offices (name, created_at) VALUES ($1, $2) RETURNING id, name, created_at",
            )
            .bind(name)
            .bind(now)
            .fetch_one(pool)
            .await?)
        })
    }

    pub async fn office_by_name(&self, name: &str) -> Result<Office> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_as("SELECT id, name, created_at FROM offices WHERE name = $1")
                    .bind(name)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    pub async fn office(&self, id: i64) -> Result<Office> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_as("SELECT id, name, created_at FROM offices WHERE id = $1")
                    .bind(id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    pub async fn offices(&self) -> Result<Vec<Office>> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_as("SELECT id, name, created_at FROM offices ORDER BY name")
                    .fetch_all(pool)
                    .await?,
            )
        })
    }
}
