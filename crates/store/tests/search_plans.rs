//! On PostgreSQL a search chooses how to read from the statistics ANALYZE
//! keeps of each word's share of rows: every match through the GIN index
//! for rare words; for common ones, newest first among the newest rows,
//! then the GIN index below them (for common words that never meet, or
//! whose matches are all older). Whichever way it reads, it finds the
//! same, newest first. The newest rows are the newest 1,000 here (the
//! newest 100 first; this test is a process of its own), so that every way
//! is taken.

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
