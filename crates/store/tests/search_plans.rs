//! On PostgreSQL a search chooses how to read from the statistics ANALYZE
//! keeps of each word's share of rows: every match through the GIN index
//! for rare words; for common ones, newest first among the newest rows,
//! then the GIN index below them (for common words that never meet, or
//! whose matches are all older). Whichever way it reads, it finds the
//! same, newest first. The newest rows are the newest 1,000 here (the
//! newest 100 first; this test is a process of its own), so that every way
//! is taken. On SQLite a search of several words lists its few matches
//! oldest first, or reads FTS5 newest first when they are many: the same
//! again.

mod common;

use std::sync::atomic::Ordering;

use casework_domain::search::TextQuery;
use casework_store::{SEARCH_WINDOW, Scope, SearchFilter};
use common::postgres;

#[tokio::test]
async fn postgres_finds_the_same_whichever_way_it_reads() {
    SEARCH_WINDOW.store(1_000, Ordering::Relaxed);
    let pg = postgres("search_plans").await;
    // 30,000 emails: `alpha` in the odd ones and `beta` in the even ones
    // (never together), `gamma` in all, `old` in the older half, `twelfth`
    // in one in twelve (too few for the newest 100 to fill a page, enough
    // that the newest 1,000 will), `w0`…`w99` each in one in a hundred,
    // `rare42` in one.
    sqlx::query(
        "INSERT INTO correspondence (office_id, direction, channel, state, dedupe_key, subject, received_at, body_text) \
         SELECT $1, 'in', 'email', 'intake', 'k' || g, 'Message', g, \
                CASE WHEN g % 2 = 1 THEN 'alpha' ELSE 'beta' END || ' gamma w' || (g % 100) \
                || CASE WHEN g <= 15000 THEN ' old' ELSE '' END \
                || CASE WHEN g % 12 = 0 THEN ' twelfth' ELSE '' END \
                || CASE WHEN g = 777 THEN ' rare42' ELSE '' END \
         FROM generate_series(1, 30000) g",
    )
    .bind(pg.office)
    .execute(&pg.pool)
    .await
    .unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM correspondence ORDER BY received_at")
        .fetch_all(&pg.pool)
        .await
        .unwrap();
    sqlx::query("ANALYZE correspondence")
        .execute(&pg.pool)
        .await
        .unwrap();
    let data = pg.store.office_data(Scope::office(pg.office));
    // The ids of the emails numbered `g` that `keep` keeps, newest first.
    let expect = |keep: &dyn Fn(usize) -> bool, n: usize| -> Vec<i64> {
        (1..=30_000)
            .rev()
            .filter(|g| keep(*g))
            .take(n)
            .map(|g| ids[g - 1])
            .collect()
    };
    let cases: [(&str, &dyn Fn(usize) -> bool); 17] = [
        ("alpha beta", &|_| false),
        // No email holds "the": beside other words it is left out.
        ("the gamma", &|_| true),
        ("old gamma", &|g| g <= 15_000),
        ("old alpha", &|g| g <= 15_000 && g % 2 == 1),
        ("the alpha beta", &|_| false),
        ("gamma", &|_| true),
        ("alpha gamma", &|g| g % 2 == 1),
        ("w42 beta", &|g| g % 100 == 42),
        ("w42 alpha", &|_| false),
        ("rare42 gamma", &|g| g == 777),
        ("twelfth", &|g| g % 12 == 0),
        ("twelfth beta", &|g| g % 12 == 0),
        ("twelfth alpha", &|_| false),
        // Through the GIN index, each part of the query is its own
        // condition: a prefix, a phrase, and a character PostgreSQL's parser
        // drops (it stands for the whole query, as it would within it).
        ("rare4* gamma", &|g| g == 777),
        ("\"beta gamma\" w42", &|g| g % 100 == 42),
        ("\"alpha gamma\" w42", &|_| false),
        ("w42 ²", &|g| g % 100 == 42),
    ];
    for (q, keep) in cases {
        let found = data
            .search_mail(&TextQuery::parse(q), false, &SearchFilter::default(), 10)
            .await
            .unwrap_or_else(|e| panic!("{q}: {e}"));
        let got: Vec<i64> = found.items.iter().map(|m| m.id).collect();
        assert_eq!(got, expect(keep, 10), "{q}");
        assert_eq!(found.more, expect(keep, 11).len() > 10, "{q}: more");
    }
    // The next page starts below the cursor, whichever way it is read.
    let pages: [(&str, &dyn Fn(usize) -> bool); 4] = [
        ("beta w42", &|g| g % 100 == 42),
        ("gamma", &|_| true),
        ("old beta", &|g| g <= 15_000 && g % 2 == 0),
        ("twelfth gamma", &|g| g % 12 == 0),
    ];
    for (q, keep) in pages {
        let page = data
            .search_mail(
                &TextQuery::parse(q),
                false,
                &SearchFilter {
                    before: Some(expect(keep, 10)[9]),
                    ..SearchFilter::default()
                },
                10,
            )
            .await
            .unwrap();
        let got: Vec<i64> = page.items.iter().map(|m| m.id).collect();
        assert_eq!(got, expect(keep, 20)[10..], "{q}: page 2");
    }
    pg.close().await;
}

/// On SQLite a search of several words first looks for a few matches
/// oldest first (FTS5 skips through a word's list only that way); when it
/// finds them all it reads their rows by id, otherwise FTS5 newest first.
/// Either way it finds the same, newest first, a page at a time.
#[tokio::test]
async fn sqlite_finds_the_same_whichever_way_it_reads() {
    let dir = std::env::temp_dir().join(format!("casework-search-plans-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("casework.db").display());
    let store = casework_store::Store::open(&casework_store::ConnectOptions::new(url.clone()))
        .await
        .unwrap();
    let office = store.create_office("Office", "", 1).await.unwrap().id;
    // 1,000 emails: `alpha` in the odd ones and `beta` in the even ones,
    // `gamma` in all, `tenth` in one in ten (more than the first look
    // takes), `ninety` in one in ninety (fewer), `rare7` in one.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query(
        "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 1000) \
         INSERT INTO correspondence (office_id, direction, channel, state, dedupe_key, subject, received_at, body_text) \
         SELECT ?1, 'in', 'email', 'intake', 'k' || g, 'Message', g, \
                CASE WHEN g % 2 = 1 THEN 'alpha' ELSE 'beta' END || ' gamma' \
                || CASE WHEN g % 10 = 0 THEN ' tenth' ELSE '' END \
                || CASE WHEN g % 90 = 0 THEN ' ninety' ELSE '' END \
                || CASE WHEN g = 707 THEN ' rare7' ELSE '' END \
         FROM s",
    )
    .bind(office)
    .execute(&pool)
    .await
    .unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM correspondence ORDER BY received_at")
        .fetch_all(&pool)
        .await
        .unwrap();
    let data = store.office_data(Scope::office(office));
    let expect = |keep: &dyn Fn(usize) -> bool| -> Vec<i64> {
        (1..=1_000)
            .rev()
            .filter(|g| keep(*g))
            .map(|g| ids[g - 1])
            .collect()
    };
    let cases: [(&str, &dyn Fn(usize) -> bool); 8] = [
        ("rare7 gamma", &|g| g == 707),
        ("ninety gamma", &|g| g % 90 == 0),
        ("ninety alpha", &|_| false),
        ("\"beta gamma\" ninety", &|g| g % 90 == 0),
        ("\"alpha gamma\" ninety", &|_| false),
        ("alpha beta", &|_| false),
        ("tenth beta", &|g| g % 10 == 0),
        ("gamma", &|_| true),
    ];
    for (q, keep) in cases {
        let all = expect(keep);
        let mut got = Vec::new();
        let mut before = None;
        // Pages of 4, down to the oldest.
        loop {
            let page = data
                .search_mail(
                    &TextQuery::parse(q),
                    false,
                    &SearchFilter {
                        before,
                        ..SearchFilter::default()
                    },
                    4,
                )
                .await
                .unwrap_or_else(|e| panic!("{q}: {e}"));
            got.extend(page.items.iter().map(|m| m.id));
            assert_eq!(page.more, got.len() < all.len(), "{q}: more");
            if !page.more || got.len() >= 12 {
                break;
            }
            before = got.last().copied();
        }
        assert_eq!(got, all[..got.len()], "{q}");
        assert_eq!(got.len(), all.len().min(12), "{q}: found");
    }
    pool.close().await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
