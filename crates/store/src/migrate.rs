//! Forward-only migrations, one folder per backend. A migration that has
//! landed is never edited: add a new one.

use crate::{Db, Error, Result, Store};
use sqlx::QueryBuilder;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "correspondence",
        sqlite: include_str!("../migrations/sqlite/0002_correspondence.sql"),
        postgres: include_str!("../migrations/postgres/0002_correspondence.sql"),
    },
    Migration {
        version: 3,
        name: "outbox",
        sqlite: include_str!("../migrations/sqlite/0003_outbox.sql"),
        postgres: include_str!("../migrations/postgres/0003_outbox.sql"),
    },
    Migration {
        version: 4,
        name: "mailboxes",
        sqlite: include_str!("../migrations/sqlite/0004_mailboxes.sql"),
        postgres: include_str!("../migrations/postgres/0004_mailboxes.sql"),
    },
    Migration {
        version: 5,
        name: "letters",
        sqlite: include_str!("../migrations/sqlite/0005_letters.sql"),
        postgres: include_str!("../migrations/postgres/0005_letters.sql"),
    },
    Migration {
        version: 6,
        name: "campaigns",
        sqlite: include_str!("../migrations/sqlite/0006_campaigns.sql"),
        postgres: include_str!("../migrations/postgres/0006_campaigns.sql"),
    },
    Migration {
        version: 7,
        name: "letter approval",
        sqlite: include_str!("../migrations/sqlite/0007_letter_approval.sql"),
        postgres: include_str!("../migrations/postgres/0007_letter_approval.sql"),
    },
    Migration {
        version: 8,
        name: "comments",
        sqlite: include_str!("../migrations/sqlite/0008_comments.sql"),
        postgres: include_str!("../migrations/postgres/0008_comments.sql"),
    },
    Migration {
        version: 9,
        name: "printed letters",
        sqlite: include_str!("../migrations/sqlite/0009_printed_letters.sql"),
        postgres: include_str!("../migrations/postgres/0009_printed_letters.sql"),
    },
    Migration {
        version: 10,
        name: "letterhead logo",
        sqlite: include_str!("../migrations/sqlite/0010_letterhead_logo.sql"),
        postgres: include_str!("../migrations/postgres/0010_letterhead_logo.sql"),
    },
    Migration {
        version: 11,
        name: "jobs",
        sqlite: include_str!("../migrations/sqlite/0011_jobs.sql"),
        postgres: include_str!("../migrations/postgres/0011_jobs.sql"),
    },
    Migration {
        version: 12,
        name: "sign-in security",
        sqlite: include_str!("../migrations/sqlite/0012_sign_in.sql"),
        postgres: include_str!("../migrations/postgres/0012_sign_in.sql"),
    },
    Migration {
        version: 13,
        name: "tags",
        sqlite: include_str!("../migrations/sqlite/0013_tags.sql"),
        postgres: include_str!("../migrations/postgres/0013_tags.sql"),
    },
    Migration {
        version: 14,
        name: "transfers",
        sqlite: include_str!("../migrations/sqlite/0014_transfers.sql"),
        postgres: include_str!("../migrations/postgres/0014_transfers.sql"),
    },
    Migration {
        version: 15,
        name: "framework_version",
        sqlite: include_str!("../migrations/sqlite/0015_framework_version.sql"),
        postgres: include_str!("../migrations/postgres/0015_framework_version.sql"),
    },
    Migration {
        version: 16,
        name: "third_parties",
        sqlite: include_str!("../migrations/sqlite/0016_third_parties.sql"),
        postgres: include_str!("../migrations/postgres/0016_third_parties.sql"),
    },
    Migration {
        version: 17,
        name: "quiet_cases",
        sqlite: include_str!("../migrations/sqlite/0017_quiet_cases.sql"),
        postgres: include_str!("../migrations/postgres/0017_quiet_cases.sql"),
    },
    Migration {
        version: 18,
        name: "reviews",
        sqlite: include_str!("../migrations/sqlite/0018_reviews.sql"),
        postgres: include_str!("../migrations/postgres/0018_reviews.sql"),
    },
    Migration {
        version: 19,
        name: "review_counts",
        sqlite: include_str!("../migrations/sqlite/0019_review_counts.sql"),
        postgres: include_str!("../migrations/postgres/0019_review_counts.sql"),
    },
    Migration {
        version: 20,
        name: "review_enquiry_counts",
        sqlite: include_str!("../migrations/sqlite/0020_review_enquiry_counts.sql"),
        postgres: include_str!("../migrations/postgres/0020_review_enquiry_counts.sql"),
    },
    Migration {
        version: 21,
        name: "review_open_case_counts",
        sqlite: include_str!("../migrations/sqlite/0021_review_open_case_counts.sql"),
        postgres: include_str!("../migrations/postgres/0021_review_open_case_counts.sql"),
    },
    Migration {
        version: 22,
        name: "search",
        sqlite: include_str!("../migrations/sqlite/0022_search.sql"),
        postgres: include_str!("../migrations/postgres/0022_search.sql"),
    },
    Migration {
        version: 23,
        name: "search_records",
        sqlite: include_str!("../migrations/sqlite/0023_search_records.sql"),
        postgres: include_str!("../migrations/postgres/0023_search_records.sql"),
    },
    Migration {
        version: 24,
        name: "search_faster",
        sqlite: include_str!("../migrations/sqlite/0024_search_faster.sql"),
        postgres: include_str!("../migrations/postgres/0024_search_faster.sql"),
    },
    Migration {
        version: 25,
        name: "letter_paper_sign_off",
        sqlite: include_str!("../migrations/sqlite/0025_letter_paper_sign_off.sql"),
        postgres: include_str!("../migrations/postgres/0025_letter_paper_sign_off.sql"),
    },
    Migration {
        version: 26,
        name: "notifications",
        sqlite: include_str!("../migrations/sqlite/0026_notifications.sql"),
        postgres: include_str!("../migrations/postgres/0026_notifications.sql"),
    },
    Migration {
        version: 27,
        name: "saved_views",
        sqlite: include_str!("../migrations/sqlite/0027_saved_views.sql"),
        postgres: include_str!("../migrations/postgres/0027_saved_views.sql"),
    },
    Migration {
        version: 28,
        name: "stored_files",
        sqlite: include_str!("../migrations/sqlite/0028_stored_files.sql"),
        postgres: include_str!("../migrations/postgres/0028_stored_files.sql"),
    },
    Migration {
        version: 29,
        name: "unread_and_word_statistics",
        sqlite: include_str!("../migrations/sqlite/0029_unread_and_word_statistics.sql"),
        postgres: include_str!("../migrations/postgres/0029_unread_and_word_statistics.sql"),
    },
    Migration {
        version: 30,
        name: "case_tags_cover",
        sqlite: include_str!("../migrations/sqlite/0030_case_tags_cover.sql"),
        postgres: include_str!("../migrations/postgres/0030_case_tags_cover.sql"),
    },
    Migration {
        version: 31,
        name: "case_category",
        sqlite: include_str!("../migrations/sqlite/0031_case_category.sql"),
        postgres: include_str!("../migrations/postgres/0031_case_category.sql"),
    },
    Migration {
        version: 32,
        name: "outbox_handed",
        sqlite: include_str!("../migrations/sqlite/0032_outbox_handed.sql"),
        postgres: include_str!("../migrations/postgres/0032_outbox_handed.sql"),
    },
];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/// Applies every migration not yet recorded, each in its own transaction.
pub(crate) async fn run(store: &Store) -> Result<()> {
    let now = now_millis();
    // The same steps on both backends; only the SQL file and the lock differ.
    macro_rules! apply {
        ($pool:expr, $sql:ident, $lock:expr) => {{
            for m in MIGRATIONS {
                let mut tx = $pool.begin().await?;
                if let Some(lock) = $lock {
                    // App servers starting together take turns.
                    sqlx::query(lock).execute(&mut *tx).await?;
                }
                sqlx::query(CREATE_TABLE).execute(&mut *tx).await?;
                let done: Option<i64> =
                    sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                        .bind(m.version)
                        .fetch_optional(&mut *tx)
                        .await?;
                if done.is_some() {
                    continue;
                }
                sqlx::raw_sql(sqlx::AssertSqlSafe(m.$sql))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| Error::Migration(format!("{} {}: {e}", m.version, m.name)))?;
                sqlx::query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                )
                .bind(m.version)
                .bind(m.name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                tracing::info!(version = m.version, name = m.name, "applied migration");
            }
        }};
    }
    match &store.db {
        Db::Sqlite { write, .. } => apply!(write, sqlite, None::<&'static str>),
        Db::Postgres(pool) => apply!(
            pool,
            postgres,
            Some("SELECT pg_advisory_xact_lock(7211302)")
        ),
    }
    Ok(())
}

/// The version of the constituents' search terms this build makes
/// ([`casework_domain::search_terms`]): 2 folds accents, writes names
/// together and keeps email domains; 3 keeps the whole address as a phrase.
pub(crate) const TERMS_VERSION: i64 = 3;

/// Rebuilds every constituent's search terms when those stored were made by
/// an older version, and records the new version, in one transaction. On PostgreSQL app servers starting together take turns (an
/// advisory lock) and the second finds the work done.
pub(crate) async fn rebuild_terms(store: &Store) -> Result<()> {
    macro_rules! rebuild {
        ($pool:expr, $lock:expr, $clear:expr) => {{
            let lock = match $lock {
                Some(l) => {
                    let mut c = $pool.acquire().await?;
                    sqlx::query(l).execute(&mut *c).await?;
                    Some(c)
                }
                None => None,
            };
            let version: Option<i64> = sqlx::query_scalar(
                "SELECT version FROM search_versions WHERE name = 'constituent_terms'",
            )
            .fetch_optional($pool)
            .await?;
            if version.unwrap_or(0) < TERMS_VERSION {
                // One transaction: the old terms stay until the new are all
                // written. Emptying the table and writing it again in key
                // order is several times faster than replacing each
                // person's terms (the server is not yet answering).
                let started = std::time::Instant::now();
                let mut tx = $pool.begin().await?;
                sqlx::query($clear).execute(&mut *tx).await?;
                let mut after = 0i64;
                let mut done = 0usize;
                loop {
                    let people: Vec<(i64, i64, String, String, String, String, String, String)> =
                        sqlx::query_as(
                            "SELECT id, office_id, first_name, last_name, email, phone, postcode, address \
                             FROM constituents WHERE id > $1 ORDER BY id LIMIT 2000",
                        )
                        .bind(after)
                        .fetch_all(&mut *tx)
                        .await?;
                    let Some(last) = people.last() else { break };
                    after = last.0;
                    done += people.len();
                    let rows: Vec<(i64, String, i64)> = people
                        .iter()
                        .flat_map(|(id, office_id, first, last, email, phone, postcode, address)| {
                            casework_domain::search_terms(first, last, email, phone, postcode, address)
                                .into_iter()
                                .map(move |t| (*office_id, t, *id))
                        })
                        .collect();
                    for chunk in rows.chunks(5000) {
                        let mut qb = QueryBuilder::new(
                            "INSERT INTO constituent_terms (office_id, term, constituent_id) ",
                        );
                        qb.push_values(chunk, |mut b, (office, term, id)| {
                            b.push_bind(*office).push_bind(term.as_str()).push_bind(*id);
                        });
                        qb.build().execute(&mut *tx).await?;
                    }
                }
                sqlx::query(
                    "UPDATE search_versions SET version = $1 WHERE name = 'constituent_terms'",
                )
                .bind(TERMS_VERSION)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                tracing::info!(
                    people = done,
                    ms = started.elapsed().as_millis() as u64,
                    "rebuilt the constituents' search terms"
                );
            }
            if let Some(mut c) = lock {
                sqlx::query("SELECT pg_advisory_unlock(7211303)")
                    .execute(&mut *c)
                    .await?;
            }
        }};
    }
    match &store.db {
        Db::Sqlite { write, .. } => {
            rebuild!(write, None::<&'static str>, "DELETE FROM constituent_terms")
        }
        Db::Postgres(pool) => rebuild!(
            pool,
            Some("SELECT pg_advisory_lock(7211303)"),
            "TRUNCATE constituent_terms"
        ),
    }
    Ok(())
}

pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
