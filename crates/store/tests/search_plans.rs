//! On PostgreSQL a search chooses how to read from the statistics ANALYZE
//! keeps of each word's share of rows: every match through the GIN index
//! for rare words, newest first for common ones, and the GIN index again
//! when common words never meet (reading newest first would read
//! everything). Whichever way it reads, it finds the same, newest first.
//! Reading newest first is given 1 ms here (this test is a process of its
//! own), so that the last way is taken.

mod common;

use std::sync::atomic::Ordering;

use casework_domain::search::TextQuery;
use casework_store::{SEARCH_NEWEST_FIRST_MS, Scope, SearchFilter};
use common::postgres;

#[tokio::test]
async fn postgres_finds_the_same_whichever_way_it_reads() {
    SEARCH_NEWEST_FIRST_MS.store(1, Ordering::Relaxed);
    let pg = postgres("search_plans").await;
    // 30,000 emails: `alpha` in the odd ones and `beta` in the even ones
    // (never together), `gamma` in all, `w0`…`w99` each in one in a hundred,
    // `rare42` in one.
    sqlx::query(
        "INSERT INTO correspondence (office_id, direction, channel, state, dedupe_key, subject, received_at, body_text) \
         SELECT $1, 'in', 'email', 'intake', 'k' || g, 'Message', g, \
                CASE WHEN g % 2 = 1 THEN 'alpha' ELSE 'beta' END || ' gamma w' || (g % 100) \
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
    let cases: [(&str, &dyn Fn(usize) -> bool); 7] = [
        ("alpha beta", &|_| false),
        ("the alpha beta", &|_| false),
        ("gamma", &|_| true),
        ("alpha gamma", &|g| g % 2 == 1),
        ("w42 beta", &|g| g % 100 == 42),
        ("w42 alpha", &|_| false),
        ("rare42 gamma", &|g| g == 777),
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
    // The next page of a common pair starts below the cursor.
    let page = data
        .search_mail(
            &TextQuery::parse("beta w42"),
            false,
            &SearchFilter {
                before: Some(expect(&|g| g % 100 == 42, 10)[9]),
                ..SearchFilter::default()
            },
            10,
        )
        .await
        .unwrap();
    let got: Vec<i64> = page.items.iter().map(|m| m.id).collect();
    assert_eq!(got, expect(&|g| g % 100 == 42, 20)[10..]);
    pg.close().await;
}
