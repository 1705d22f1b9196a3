//! What the store's tests share: a PostgreSQL schema of their own with an
//! office, a store on it and a plain pool for writing as an older version
//! did.

#![allow(dead_code)]

use casework_store::{ConnectOptions, Store, create_postgres_schema, drop_postgres_schema};

pub struct Pg {
    pub url: String,
    pub schema: String,
    /// How the store was opened (to open it again).
    pub opts: ConnectOptions,
    pub store: Store,
    pub pool: sqlx::PgPool,
    pub office: i64,
}

/// A fresh schema named after `name` (and this process), migrated, with
/// one office.
pub async fn postgres(name: &str) -> Pg {
    let url = std::env::var("CASEWORK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("{name}_{}", std::process::id());
    create_postgres_schema(&url, &schema)
        .await
        .expect("PostgreSQL must be running for the tests");
    let mut opts = ConnectOptions::new(url.clone());
    opts.schema = Some(schema.clone());
    let store = Store::open(&opts).await.unwrap();
    let office = store.create_office("Old office", "", 1).await.unwrap().id;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_with(
            url.parse::<sqlx::postgres::PgConnectOptions>()
                .unwrap()
                .options([("search_path", schema.as_str())]),
        )
        .await
        .unwrap();
    Pg {
        url,
        schema,
        opts,
        store,
        pool,
        office,
    }
}

impl Pg {
    pub async fn close(self) {
        self.pool.close().await;
        self.store.close().await;
        drop_postgres_schema(&self.url, &self.schema).await.unwrap();
    }
}
