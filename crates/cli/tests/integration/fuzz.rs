//! A bounded mutation fuzzer for the ingestion path: corpus messages with
//! flipped bytes, cut short, spliced together, with headers duplicated or
//! boundaries broken, all pushed through `mail::ingest` into a real
//! database. Every batch must be accounted for (stored, skipped or rejected
//! with a reason) and nothing may panic. Runs for `CASEWORK_FUZZ_SECONDS`
//! (default 15); the seed is printed so a failure can be replayed with
//! `CASEWORK_FUZZ_SEED`.

use crate::harness::{Backend, TestApp};
use crate::mail::corpus_dir;
use casework_app::intake::{RawMessage, ingest};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

fn mutate(rng: &mut StdRng, pool: &[Vec<u8>]) -> Vec<u8> {
    let mut m = pool.choose(rng).cloned().unwrap_or_default();
    for _ in 0..rng.random_range(1..6) {
        if m.is_empty() {
            m = b"Subject: x\r\n\r\n".to_vec();
        }
        let at = rng.random_range(0..m.len());
        match rng.random_range(0..9) {
            0 => m[at] ^= 1 << rng.random_range(0..8),
            1 => m.truncate(at),
            2 => {
                let other = pool.choose(rng).cloned().unwrap_or_default();
                let from = rng.random_range(0..other.len().max(1));
                m.splice(
                    at..at,
                    other[from.min(other.len())..].iter().copied().take(4096),
                );
            }
            3 => m
                .splice(
                    at..at,
                    b"\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n"
                        .iter()
                        .copied(),
                )
                .for_each(drop),
            4 => m
                .splice(
                    at..at,
                    b"=?utf-8?B?////?= =?x-unknown?Q?=FF=FE?=".iter().copied(),
                )
                .for_each(drop),
            5 => m
                .splice(at..at, std::iter::repeat_n(b'\n', rng.random_range(1..50)))
                .for_each(drop),
            6 => m
                .splice(at..at, b"\x00\xff\xfe\r\r\n--".iter().copied())
                .for_each(drop),
            7 => {
                let end = (at + rng.random_range(1..200)).min(m.len());
                let chunk = m[at..end].to_vec();
                for _ in 0..rng.random_range(1..20) {
                    m.extend_from_slice(&chunk);
                }
            }
            _ => m
                .splice(
                    at..at,
                    b"Content-Transfer-Encoding: base64\r\n\r\n!!!!===="
                        .iter()
                        .copied(),
                )
                .for_each(drop),
        }
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_mail_never_breaks_ingestion() {
    let seconds: u64 = std::env::var("CASEWORK_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let seed: u64 = std::env::var("CASEWORK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        });
    println!("fuzzing ingestion for {seconds}s with CASEWORK_FUZZ_SEED={seed}");
    let mut pool = Vec::new();
    for entry in std::fs::read_dir(corpus_dir()).unwrap().flatten() {
        let p = entry.path();
        if p.extension().is_some_and(|e| e == "eml") {
            let bytes = std::fs::read(&p).unwrap();
            if bytes.len() < 200_000 {
                pool.push(bytes);
            }
        }
    }
    assert!(pool.len() > 300);
    let t = TestApp::spawn(Backend::Sqlite).await;
    let office = t.office("Fuzz").await;
    let mut rng = StdRng::seed_from_u64(seed);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let (mut batches, mut messages) = (0, 0);
    while std::time::Instant::now() < deadline {
        let batch: Vec<RawMessage> = (0..20)
            .map(|n| RawMessage {
                source: format!("fuzz-{batches}-{n}"),
                bytes: mutate(&mut rng, &pool),
            })
            .collect();
        let size = batch.len();
        let report = ingest(&t.app, office, batch)
            .await
            .unwrap_or_else(|e| panic!("seed {seed}, batch {batches}: {e:?}"));
        assert_eq!(
            report.imported + report.skipped + report.rejected.len(),
            size,
            "seed {seed}: every message accounted for"
        );
        batches += 1;
        messages += size;
    }
    println!("{messages} mutated messages in {batches} batches");
    assert!(messages > 0);
}
