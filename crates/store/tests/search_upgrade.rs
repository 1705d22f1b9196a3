//! An installation whose constituents' search terms were made before
//! search folded accents and punctuation: opening it rebuilds every
//! person's terms once, so "chloe" finds Chloé and "obrien" O'Brien.

mod common;

use casework_store::{ConnectOptions, Scope, Store};
use common::postgres;

/// A person with the terms the previous version made (accents kept, the
/// apostrophe splitting the name, no domain), and the version set back.
macro_rules! seed_old {
    ($pool:expr, $office:expr) => {{
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO constituents (office_id, first_name, last_name, email, created_at, updated_at) \
             VALUES ($1, 'Chloé', 'O''Brien', 'chloe@gmail.com', 1, 1) RETURNING id",
        )
        .bind($office)
        .fetch_one($pool)
        .await
        .unwrap();
        for term in ["chloé", "o", "brien", "chloe", "chloe@gmail.com"] {
            sqlx::query("INSERT INTO constituent_terms (office_id, term, constituent_id) VALUES ($1, $2, $3)")
                .bind($office)
                .bind(term)
                .bind(id)
                .execute($pool)
                .await
                .unwrap();
        }
        sqlx::query("UPDATE search_versions SET version = 1 WHERE name = 'constituent_terms'")
            .execute($pool)
            .await
            .unwrap();
        id
    }};
}

async fn finds(store: &Store, office: i64, prefix: &str) -> Vec<i64> {
    store
        .office_data(Scope::office(office))
        .search_constituents(&[prefix.to_owned()], None, 10)
        .await
        .unwrap()
        .items
        .iter()
        .map(|c| c.id)
        .collect()
}

async fn check(after: &Store, office: i64, id: i64) {
    for q in ["obrien", "chloe", "gmail", "brien"] {
        assert_eq!(finds(after, office, q).await, [id], "{q}");
    }
    assert!(
        finds(after, office, "chloé").await.is_empty(),
        "the old terms, with their accents, are gone"
    );
}

#[tokio::test]
async fn old_search_terms_are_rebuilt_once_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("casework-terms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("t.db").display());
    let store = Store::open(&ConnectOptions::new(url.clone()))
        .await
        .unwrap();
    let office = store.create_office("Old office", "", 1).await.unwrap().id;
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let id = seed_old!(&pool, office);
    pool.close().await;
    assert!(
        finds(&store, office, "obrien").await.is_empty(),
        "old terms"
    );
    let reopened = Store::open(&ConnectOptions::new(url)).await.unwrap();
    check(&reopened, office, id).await;
    store.close().await;
    reopened.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn old_search_terms_are_rebuilt_once_on_postgres() {
    let pg = postgres("terms_upgrade").await;
    let id = seed_old!(&pg.pool, pg.office);
    assert!(
        finds(&pg.store, pg.office, "obrien").await.is_empty(),
        "old terms"
    );
    let reopened = Store::open(&pg.opts).await.unwrap();
    check(&reopened, pg.office, id).await;
    reopened.close().await;
    pg.close().await;
}
