//! A bulk load drops the loaded tables' secondary indexes and foreign keys
//! (PostgreSQL) and builds them again at the end. When a loaded row breaks
//! a key, the restore still builds every other index and key, so the
//! database is left whole but for that key, and reports the failure.

mod common;

use casework_store::Scope;
use common::postgres;

/// The schema's indexes and constraints, by name.
async fn names(pool: &sqlx::PgPool) -> (Vec<String>, Vec<String>) {
    let indexes = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let constraints = sqlx::query_scalar(
        "SELECT c.conname::text FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
         WHERE t.relnamespace = current_schema()::regnamespace ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    (indexes, constraints)
}

#[tokio::test]
async fn postgres_restore_carries_on_past_a_key_the_rows_break() {
    let pg = postgres("bulk_restore").await;
    let data = pg.store.office_data(Scope::office(pg.office));
    let (indexes, constraints) = names(&pg.pool).await;
    let key = "constituent_terms_constituent_id_fkey";
    assert!(constraints.iter().any(|c| c == key), "{constraints:?}");

    let dropped = data.bulk_start().await.unwrap();
    let (fewer_indexes, fewer_constraints) = names(&pg.pool).await;
    assert!(fewer_indexes.len() < indexes.len(), "indexes were dropped");
    assert!(
        !fewer_constraints.iter().any(|c| c == key),
        "the foreign keys were dropped"
    );

    // A search term of nobody: its foreign key cannot be added back.
    sqlx::query(
        "INSERT INTO constituent_terms (office_id, term, constituent_id) VALUES ($1, 'ghost', 987654321)",
    )
    .bind(pg.office)
    .execute(&pg.pool)
    .await
    .unwrap();
    let err = data
        .bulk_restore(dropped)
        .await
        .expect_err("the broken key is reported");
    assert!(err.to_string().contains(key), "{err}");

    // Everything else is back, whatever came after the failure.
    let (after_indexes, after_constraints) = names(&pg.pool).await;
    assert_eq!(after_indexes, indexes);
    let expected: Vec<String> = constraints.into_iter().filter(|c| c != key).collect();
    assert_eq!(after_constraints, expected);
    pg.close().await;
}
