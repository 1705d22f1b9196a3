//! An installation from before the tagging framework: its cases' free-text
//! category, urgency, sensitive flag and level carry over into tags, once,
//! with a report of what was done (spelling variants reported, not merged).

mod common;

use casework_domain::tags::Starter;
use casework_store::{CaseFilter, ConnectOptions, Scope, Store, Tagged};
use common::postgres;

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
    // Each case's Category is kept on the case too: the case list's
    // category view finds the carried-over values.
    let tag = |n: &str| {
        tags.iter()
            .find(|t| t.name == n && t.dimension_id == dim("category"))
            .unwrap()
            .id
    };
    let listed = |categories: Vec<i64>| {
        let filter = CaseFilter {
            categories,
            ..CaseFilter::default()
        };
        let data = &data;
        async move {
            let mut v: Vec<i64> = data
                .list_cases(&filter, None, 50)
                .await
                .unwrap()
                .items
                .iter()
                .map(|c| c.id)
                .collect();
            v.sort();
            v
        }
    };
    assert_eq!(listed(vec![tag("Housing")]).await, [ids[0], ids[1]]);
    assert_eq!(listed(vec![tag("Passports")]).await, [ids[4]]);
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
    // Nor its tags; the tags of the cases they may see are all there.
    let volunteer = store.office_data(Scope::person(office, 99, casework_domain::Role::Volunteer));
    let theirs = volunteer.item_tags(Tagged::Case, ids).await.unwrap();
    assert!(theirs.iter().all(|t| t.item_id != ids[2]), "{theirs:?}");
    assert_eq!(
        theirs.len(),
        on.iter().filter(|t| t.item_id != ids[2]).count()
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
    let pg = postgres("tag_upgrade").await;
    let ids = seed!(&pg.pool, pg.office);
    check_upgrade(&pg.store, pg.office, &ids).await;
    pg.close().await;
}

/// The day counts Trends reads are kept by triggers; after every kind of
/// change (tagging, a case made sensitive and back, mail filed, a merge and
/// its undo, a mapping) they equal a count made from the rows.
macro_rules! day_counts_match {
    ($store:expr, $pool:expr, $office:expr) => {{
        let store: &Store = $store;
        let office: i64 = $office;
        let data = store.office_data(Scope::office(office));
        data.set_up_tag_framework(Starter::Federal, Some("federal"), 2)
            .await
            .unwrap();
        let tags = data.tags().await.unwrap();
        let dims = data.tag_dimensions().await.unwrap();
        let dim = |key: &str| dims.iter().find(|d| d.key == key).unwrap().id;
        let tag = |name: &str| tags.iter().find(|t| t.name == name).unwrap().id;
        let who: i64 = sqlx::query_scalar(
            "INSERT INTO users (office_id, email, display_name, role, password_hash, created_at) \
             VALUES ($1, 'counter@example.org', 'Counter', 'admin', 'x', 1) RETURNING id",
        )
        .bind(office)
        .fetch_one($pool)
        .await
        .unwrap();
        let person: i64 = sqlx::query_scalar(
            "INSERT INTO constituents (office_id, first_name, last_name, created_at, updated_at) VALUES ($1, 'A', 'B', 1, 1) RETURNING id",
        )
        .bind(office)
        .fetch_one($pool)
        .await
        .unwrap();
        let mut cases = Vec::new();
        for n in 0..3i64 {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO cases (office_id, reference, constituent_id, title, status, urgency, opened_at, updated_at) \
                 VALUES ($1, $2, $3, 't', 'open', '', $4, $4) RETURNING id",
            )
            .bind(office)
            .bind(format!("CW-2026-{:05}", n + 1))
            .bind(person)
            .bind(1_000_000_000_000 + n * 86_400_000)
            .fetch_one($pool)
            .await
            .unwrap();
            cases.push(id);
        }
        let message = |case: Option<i64>, n: i64| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO correspondence (office_id, direction, channel, state, case_id, dedupe_key, received_at) \
                 VALUES ($1, 'in', 'email', 'filed', $2, $3, $4) RETURNING id",
            )
            .bind(office)
            .bind(case)
            .bind(format!("k{n}"))
            .bind(1_000_000_000_000 + n * 3_600_000 * 7)
        };
        let set = |d: &str, t: &str| casework_store::TagChange {
            set: vec![(dim(d), Some(tag(t)))],
            ..Default::default()
        };
        for (i, c) in cases.iter().enumerate() {
            data.change_item_tags(Tagged::Case, *c, &set("category", if i == 0 { "Housing" } else { "Tax" }), None, None, 5)
                .await
                .unwrap();
        }
        let m1 = message(Some(cases[0]), 1).fetch_one($pool).await.unwrap();
        let _m2 = message(Some(cases[1]), 2).fetch_one($pool).await.unwrap();
        let intake = message(None, 3).fetch_one($pool).await.unwrap();
        // A case made highly sensitive, a message of another marked so.
        data.change_item_tags(Tagged::Case, cases[0], &set("sensitivity", "Highly sensitive"), None, None, 6)
            .await
            .unwrap();
        data.change_item_tags(Tagged::Correspondence, intake, &set("sensitivity", "Highly sensitive"), None, None, 6)
            .await
            .unwrap();
        // Mail filed on the sensitive case, and arriving on it.
        sqlx::query("UPDATE correspondence SET case_id = $1 WHERE id = $2")
            .bind(cases[0])
            .bind(intake)
            .execute($pool)
            .await
            .unwrap();
        message(Some(cases[0]), 4).fetch_one($pool).await.unwrap();
        // A merge and its undo, the case back to normal, a merge kept.
        let (merge, _) = data.merge_tags(tag("Housing"), tag("Tax"), who, "m", 7).await.unwrap();
        data.undo_tag_merge(merge, who, "u", 8).await.unwrap();
        data.change_item_tags(Tagged::Case, cases[0], &set("sensitivity", "Normal"), None, None, 9)
            .await
            .unwrap();
        data.change_item_tags(Tagged::Correspondence, m1, &set("urgency", "Urgent"), None, None, 9)
            .await
            .unwrap();
        data.merge_tags(tag("Tax"), tag("Housing"), who, "m", 10).await.unwrap();

        let kept: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT kind, dimension_id, tag_id, day, n FROM tag_day_counts WHERE office_id = $1 AND n <> 0 \
             ORDER BY kind, dimension_id, tag_id, day",
        )
        .bind(office)
        .fetch_all($pool)
        .await
        .unwrap();
        let counted: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT kind, dimension_id, tag_id, day, n FROM ( \
               SELECT CASE WHEN c.sensitive THEN 'case_hidden' ELSE 'case' END AS kind, ct.dimension_id, ct.tag_id, \
               c.opened_at / 86400000 AS day, COUNT(*) AS n \
               FROM case_tags ct JOIN cases c ON c.id = ct.case_id WHERE c.office_id = $1 \
               GROUP BY c.sensitive, ct.dimension_id, ct.tag_id, c.opened_at / 86400000 \
               UNION ALL SELECT CASE WHEN sensitive THEN 'case_hidden' ELSE 'case' END, 0, 0, opened_at / 86400000, COUNT(*) \
               FROM cases WHERE office_id = $1 GROUP BY sensitive, opened_at / 86400000 \
               UNION ALL SELECT CASE WHEN m.hidden THEN 'message_hidden' ELSE 'message' END, x.dimension_id, x.tag_id, \
               m.received_at / 86400000, COUNT(*) \
               FROM correspondence_tags x JOIN correspondence m ON m.id = x.correspondence_id \
               WHERE m.office_id = $1 GROUP BY m.hidden, x.dimension_id, x.tag_id, m.received_at / 86400000 \
               UNION ALL SELECT CASE WHEN hidden THEN 'message_hidden' ELSE 'message' END, 0, 0, received_at / 86400000, COUNT(*) \
               FROM correspondence WHERE office_id = $1 GROUP BY hidden, received_at / 86400000) q \
             ORDER BY kind, dimension_id, tag_id, day",
        )
        .bind(office)
        .fetch_all($pool)
        .await
        .unwrap();
        assert_eq!(kept, counted);
        assert!(kept.iter().any(|r| r.0 == "message" && r.1 != 0), "messages were tagged");
        assert!(kept.iter().any(|r| r.0 == "message_hidden"), "a message was hidden");
        let wrong: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM correspondence m WHERE m.office_id = $1 AND m.hidden <> (m.restricted OR \
             EXISTS (SELECT 1 FROM cases c WHERE c.id = m.case_id AND c.sensitive = TRUE))",
        )
        .bind(office)
        .fetch_one($pool)
        .await
        .unwrap();
        assert_eq!(wrong, 0, "hidden is restricted or on a sensitive case");
    }};
}

#[tokio::test]
async fn day_counts_follow_every_change_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("casework-day-counts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("d.db").display());
    let store = Store::open(&ConnectOptions::new(url.clone()))
        .await
        .unwrap();
    let office = store.create_office("Counted", "", 1).await.unwrap().id;
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    day_counts_match!(&store, &pool, office);
    pool.close().await;
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn day_counts_follow_every_change_on_postgres() {
    let pg = postgres("day_counts").await;
    day_counts_match!(&pg.store, &pg.pool, pg.office);
    pg.close().await;
}
