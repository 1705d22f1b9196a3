//! An installation from before the tagging framework: its cases' free-text
//! category, urgency, sensitive flag and level carry over into tags, once,
//! with a report of what was done (spelling variants reported, not merged).

use casework_domain::tags::Starter;
use casework_store::{
    ConnectOptions, Scope, Store, Tagged, create_postgres_schema, drop_postgres_schema,
};

/// Old-style cases, written as the previous version wrote them.
const OLD_CASES: &[(&str, &str, bool, &str)] = &[
    ("Housing", "high", false, "provincial"),
    ("housing ", "normal", false, "federal"),
    ("Housing repair", "low", true, "federal"),
    ("Housing repairs", "critical", false, "other"),
    ("Passports", "normal", false, "federal"),
    ("", "normal", false, "federal"),
];

macro_rules! seed {
    ($pool:expr, $office:expr) => {{
        let person: i64 = sqlx::query_scalar(
            "INSERT INTO constituents (office_id, first_name, last_name, created_at, updated_at) \
             VALUES ($1, 'Old', 'Record', 1, 1) RETURNING id",
        )
        .bind($office)
        .fetch_one($pool)
        .await
        .unwrap();
        let mut ids = Vec::new();
        for (n, (category, urgency, sensitive, level)) in OLD_CASES.iter().enumerate() {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO cases (office_id, reference, constituent_id, title, category, level, status, urgency, sensitive, opened_at, updated_at) \
                 VALUES ($1, $2, $3, 'Old case', $4, $5, 'open', $6, $7, 1, 1) RETURNING id",
            )
            .bind($office)
            .bind(format!("CW-2025-{:05}", n + 1))
            .bind(person)
            .bind(*category)
            .bind(*level)
            .bind(*urgency)
            .bind(*sensitive)
            .fetch_one($pool)
            .await
            .unwrap();
            ids.push(id);
        }
        ids
    }};
}

async fn check_upgrade(store: &Store, office: i64, ids: &[i64]) {
    let data = store.office_data(Scope::office(office));
    let report = data
        .set_up_tag_framework(Starter::Federal, Some("federal"), 2)
        .await
        .unwrap()
        .expect("the first set-up happens");
    assert!(
        data.set_up_tag_framework(Starter::Federal, Some("federal"), 3)
            .await
            .unwrap()
            .is_none(),
        "and only once"
    );
    let tags = data.tags().await.unwrap();
    let dims = data.tag_dimensions().await.unwrap();
    let name = |id: i64| tags.iter().find(|t| t.id == id).unwrap().name.clone();
    let dim = |key: &str| dims.iter().find(|d| d.key == key).unwrap().id;
    let on = data.item_tags(Tagged::Case, ids).await.unwrap();
    let value = |case: i64, key: &str| {
        on.iter()
            .find(|t| t.item_id == case && t.dimension_id == dim(key))
            .map(|t| name(t.tag_id))
    };
    // Case and spacing fold into the starter's value; other spellings stay
    // apart and are reported.
    assert_eq!(value(ids[0], "category").as_deref(), Some("Housing"));
    assert_eq!(value(ids[1], "category").as_deref(), Some("Housing"));
    assert_eq!(value(ids[2], "category").as_deref(), Some("Housing repair"));
    assert_eq!(
        value(ids[3], "category").as_deref(),
        Some("Housing repairs")
    );
    assert_eq!(value(ids[4], "category").as_deref(), Some("Passports"));
    assert_eq!(value(ids[5], "category"), None);
    assert!(
        report.contains("\"Housing repair\" and \"Housing repairs\" look like one"),
        "{report}"
    );
    assert_eq!(value(ids[0], "urgency").as_deref(), Some("Urgent"));
    assert_eq!(value(ids[1], "urgency").as_deref(), Some("Routine"));
    assert_eq!(value(ids[3], "urgency").as_deref(), Some("Emergency"));
    // The sensitive flag becomes Highly sensitive, with the same effect.
    assert_eq!(
        value(ids[2], "sensitivity").as_deref(),
        Some("Highly sensitive")
    );
    assert_eq!(value(ids[0], "sensitivity").as_deref(), Some("Normal"));
    let hidden = store
        .office_data(Scope::person(office, 99, casework_domain::Role::Volunteer))
        .case(ids[2])
        .await;
    assert!(
        hidden.is_err(),
        "a volunteer still cannot see the sensitive case"
    );
    // Level becomes Transferability where it says so.
    assert_eq!(
        value(ids[0], "transferability").as_deref(),
        Some("Another level of government")
    );
    assert_eq!(value(ids[1], "transferability").as_deref(), Some("Ours"));
    assert_eq!(value(ids[3], "transferability"), None);
    assert!(report.contains("1 cases have no value"), "{report}");
}

#[tokio::test]
async fn old_case_fields_carry_over_once_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("casework-tag-upgrade-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("u.db").display());
    let store = Store::open(&ConnectOptions::new(url.clone()))
        .await
        .unwrap();
    let office = store.create_office("Old office", "", 1).await.unwrap().id;
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let ids = seed!(&pool, office);
    pool.close().await;
    check_upgrade(&store, office, &ids).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn old_case_fields_carry_over_once_on_postgres() {
    let pg_url = std::env::var("CASEWORK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("tag_upgrade_{}", std::process::id());
    create_postgres_schema(&pg_url, &schema)
        .await
        .expect("PostgreSQL must be running for the tests");
    let mut opts = ConnectOptions::new(pg_url.clone());
    opts.schema = Some(schema.clone());
    let store = Store::open(&opts).await.unwrap();
    let office = store.create_office("Old office", "", 1).await.unwrap().id;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_with(
            pg_url
                .parse::<sqlx::postgres::PgConnectOptions>()
                .unwrap()
                .options([("search_path", schema.as_str())]),
        )
        .await
        .unwrap();
    let ids = seed!(&pool, office);
    pool.close().await;
    check_upgrade(&store, office, &ids).await;
    store.close().await;
    drop_postgres_schema(&pg_url, &schema).await.unwrap();
}
