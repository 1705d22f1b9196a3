//! Both backends' migrations must describe the same tables and columns.

use casework_store::{ConnectOptions, Store, create_postgres_schema, drop_postgres_schema};

#[tokio::test]
async fn sqlite_and_postgres_schemas_have_the_same_tables_and_columns() {
    let dir = std::env::temp_dir().join(format!("casework-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = Store::open(&ConnectOptions::new(format!(
        "sqlite:{}",
        dir.join("s.db").display()
    )))
    .await
    .unwrap();
    let pg_url = std::env::var("CASEWORK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("schema_check_{}", std::process::id());
    create_postgres_schema(&pg_url, &schema)
        .await
        .expect("PostgreSQL must be running for the tests");
    let mut opts = ConnectOptions::new(pg_url.clone());
    opts.schema = Some(schema.clone());
    let pg = Store::open(&opts).await.unwrap();
    let a = sqlite.schema_columns().await.unwrap();
    let b = pg.schema_columns().await.unwrap();
    pg.close().await;
    drop_postgres_schema(&pg_url, &schema).await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
    assert!(a.len() > 50, "the schema has its tables: {a:?}");
    assert_eq!(
        a, b,
        "the SQLite and PostgreSQL migrations have drifted apart"
    );
}

#[tokio::test]
async fn opening_twice_applies_migrations_once() {
    let dir = std::env::temp_dir().join(format!("casework-migrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("m.db").display());
    let first = Store::open(&ConnectOptions::new(url.clone()))
        .await
        .unwrap();
    first.create_office("Office", "federal", 1).await.unwrap();
    first.close().await;
    let again = Store::open(&ConnectOptions::new(url)).await.unwrap();
    assert_eq!(
        again.offices().await.unwrap().len(),
        1,
        "data survives reopening"
    );
    again.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_url_that_is_neither_sqlite_nor_postgres_is_refused_clearly() {
    let err = Store::open(&ConnectOptions::new("mysql://localhost/x"))
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("must start with sqlite: or postgres://")
    );
}
