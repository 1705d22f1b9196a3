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
                sqlx::query_as(
                    "SELECT chases_before_escalation, time_zone, digest_hour, quiet_days FROM offices WHERE id = $1",
                )
                    .bind(id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    /// Changes the office's follow-up settings. A change of the quiet days
    /// has the next pass look at every open case.
    pub async fn set_office_settings(&self, id: i64, s: &crate::OfficeSettings) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query(
                "UPDATE offices SET chases_before_escalation = $2, time_zone = $3, digest_hour = $4, \
                 quiet_checked_at = CASE WHEN quiet_days = $5 THEN quiet_checked_at END, quiet_days = $5 \
                 WHERE id = $1",
            )
                .bind(id)
                .bind(s.chases_before_escalation)
                .bind(&s.time_zone)
                .bind(s.digest_hour)
                .bind(s.quiet_days)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The office's review settings: the day its week starts and the day
    /// the briefing is emailed (1 = Monday … 7 = Sunday; 0: never).
    pub async fn office_review_settings(&self, id: i64) -> Result<(i64, i64)> {
        on_read!(self, |pool| {
            Ok(
                sqlx::query_as("SELECT week_starts, briefing_day FROM offices WHERE id = $1")
                    .bind(id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    /// Sets the office's review settings (see [`Store::office_review_settings`]).
    pub async fn set_office_review_settings(
        &self,
        id: i64,
        week_starts: i64,
        briefing_day: i64,
    ) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query("UPDATE offices SET week_starts = $2, briefing_day = $3 WHERE id = $1")
                .bind(id)
                .bind(week_starts)
                .bind(briefing_day)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The offices that email a briefing: (office, time zone, digest hour,
    /// briefing day, first day of the week).
    pub async fn briefing_offices(&self) -> Result<Vec<(i64, String, i64, i64, i64)>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, time_zone, digest_hour, briefing_day, week_starts FROM offices WHERE briefing_day > 0 ORDER BY id",
            )
            .fetch_all(pool)
            .await?)
        })
    }

    /// The office's active representatives.
    pub async fn representatives(&self, office_id: i64) -> Result<Vec<User>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, office_id, email, display_name, role, password_hash, active, created_at, version \
                 FROM users WHERE office_id = $1 AND active = TRUE AND role = 'representative' ORDER BY id",
            )
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Every office with its follow-up settings (for the digest pass).
    pub async fn offices_settings(&self) -> Result<Vec<(i64, crate::OfficeSettings)>> {
        let rows: Vec<(i64, i64, String, i64, i64)> = on_read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, chases_before_escalation, time_zone, digest_hour, quiet_days FROM offices ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, c, tz, h, q)| {
                (
                    id,
                    crate::OfficeSettings {
                        chases_before_escalation: c,
                        time_zone: tz,
                        digest_hour: h,
                        quiet_days: q,
                    },
                )
            })
            .collect())
    }

    /// The active people of an office who get the daily digest.
    pub async fn digest_users(&self, office_id: i64) -> Result<Vec<User>> {
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, office_id, email, display_name, role, password_hash, active, created_at, version \
                 FROM users WHERE office_id = $1 AND active = TRUE AND digest = TRUE ORDER BY id",
            )
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Claims a person's digest for a day: true the first time only.
    pub async fn claim_digest(&self, user_id: i64, day: &str, now: i64) -> Result<bool> {
        on_write!(self, |pool| {
            Ok(sqlx::query(
                "INSERT INTO digests (user_id, day, sent_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, day) DO NOTHING",
            )
            .bind(user_id)
            .bind(day)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
                == 1)
        })
    }

    /// Gives a claimed digest back (its sending failed: the next pass tries again).
    pub async fn release_digest(&self, user_id: i64, day: &str) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query("DELETE FROM digests WHERE user_id = $1 AND day = $2")
                .bind(user_id)
                .bind(day)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Whether a person gets the daily digest.
    pub async fn digest_enabled(&self, user_id: i64) -> Result<bool> {
        on_read!(self, |pool| {
            Ok(sqlx::query_scalar("SELECT digest FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_one(pool)
                .await?)
        })
    }

    /// Turns a person's daily digest on or off.
    pub async fn set_digest(&self, user_id: i64, enabled: bool) -> Result<()> {
        on_write!(self, |pool| {
            sqlx::query("UPDATE users SET digest = $2 WHERE id = $1")
                .bind(user_id)
                .bind(enabled)
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
