//! The scheduler: overdue work runs once, two app servers run each job
//! once, and a killed mailbox poller is replaced within a lease, with every
//! message stored exactly once.

use crate::harness::{ImapServer, TestApp, unique};
use crate::on_both_backends;
use casework_app::ManualClock;
use casework_app::jobs::{self, JobKind, probe_runs, run_due};
use std::time::{Duration, Instant};

on_both_backends!(
    a_recurring_job_overdue_for_hours_runs_once_when_the_scheduler_is_back,
    a_job_whose_runner_died_is_taken_over_when_its_lease_runs_out,
    the_background_work_is_registered_once_and_runs_on_its_schedule,
    two_app_servers_on_one_database_run_each_due_job_once,
    a_killed_mailbox_poller_is_replaced_within_a_lease_and_no_message_is_lost_or_doubled
);

const HOUR: i64 = 3_600_000;

async fn a_recurring_job_overdue_for_hours_runs_once_when_the_scheduler_is_back(t: TestApp) {
    let clock = ManualClock::new(t.app.now());
    let app = t.app_with_clock(clock.clone());
    let key = format!("hourly-{}", unique());
    jobs::schedule(&app, JobKind::Probe, &key, None, Some(HOUR))
        .await
        .unwrap();
    assert_eq!(run_due(&app).await.unwrap(), 1, "a new job is due at once");
    assert_eq!(run_due(&app).await.unwrap(), 0, "then not for an hour");
    // The server was down for five hours.
    clock.advance(5 * HOUR);
    assert_eq!(run_due(&app).await.unwrap(), 1);
    assert_eq!(run_due(&app).await.unwrap(), 0);
    assert_eq!(probe_runs(&key), 2, "once for the five missed hours");
    let job = jobs::list(&app)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.job_key == key)
        .unwrap();
    assert_eq!(job.due_at, app.now() + HOUR, "an hour after the run");
    // Registering it again (a restart) does not make it due early.
    jobs::schedule(&app, JobKind::Probe, &key, None, Some(HOUR))
        .await
        .unwrap();
    clock.advance(HOUR - 1);
    assert_eq!(run_due(&app).await.unwrap(), 0);
    clock.advance(1);
    assert_eq!(run_due(&app).await.unwrap(), 1);
    assert_eq!(probe_runs(&key), 3);
    // A one-off job runs once and is gone.
    let once = format!("once-{}", unique());
    jobs::schedule(&app, JobKind::Probe, &once, None, None)
        .await
        .unwrap();
    assert_eq!(run_due(&app).await.unwrap(), 1);
    clock.advance(10 * HOUR);
    let left: Vec<String> = jobs::list(&app)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.job_key)
        .collect();
    assert_eq!(left, vec![key.clone()]);
    assert_eq!(run_due(&app).await.unwrap(), 1, "only the hourly one");
    assert_eq!(probe_runs(&once), 1);
}

async fn a_job_whose_runner_died_is_taken_over_when_its_lease_runs_out(t: TestApp) {
    let clock = ManualClock::new(t.app.now());
    let app = t.app_with_clock(clock.clone());
    let lease = app.settings.job_lease_seconds * 1000;
    let key = format!("taken-over-{}", unique());
    jobs::schedule(&app, JobKind::Probe, &key, None, Some(HOUR))
        .await
        .unwrap();
    // Another server claims it and dies without a word.
    let now = app.now();
    let dead = t
        .store
        .claim_job("a server that died", now, now + lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dead.job_key, key);
    assert_eq!(run_due(&app).await.unwrap(), 0, "held while the lease runs");
    clock.advance(lease - 1);
    assert_eq!(run_due(&app).await.unwrap(), 0);
    clock.advance(2);
    assert_eq!(run_due(&app).await.unwrap(), 1, "taken over");
    assert_eq!(probe_runs(&key), 1);
    // The dead server's late word changes nothing.
    assert!(
        !t.store
            .renew_job(dead.id, "a server that died", app.now() + lease)
            .await
            .unwrap()
    );
    assert!(
        !t.store
            .finish_job(dead.id, "a server that died", app.now(), Some(0))
            .await
            .unwrap()
    );
    assert_eq!(run_due(&app).await.unwrap(), 0);
}

async fn the_background_work_is_registered_once_and_runs_on_its_schedule(t: TestApp) {
    let clock = ManualClock::new(t.app.now());
    let app = t.app_with_clock(clock.clone());
    // Two app servers starting: the jobs are there once.
    jobs::register(&app).await.unwrap();
    jobs::register(&t.app).await.unwrap();
    let kinds = |jobs: Vec<casework_store::Job>| {
        let mut k: Vec<String> = jobs.into_iter().map(|j| j.kind).collect();
        k.sort();
        k
    };
    assert_eq!(
        kinds(jobs::list(&app).await.unwrap()),
        ["campaign_upkeep", "follow_up", "outbox", "session_sweep"]
    );
    assert_eq!(run_due(&app).await.unwrap(), 4);
    assert_eq!(run_due(&app).await.unwrap(), 0);
    clock.advance(2_000);
    assert_eq!(run_due(&app).await.unwrap(), 1, "the outbox, every 2 s");
    clock.advance(HOUR);
    assert_eq!(
        run_due(&app).await.unwrap(),
        4,
        "the outbox, the hourly two and follow-up (every 10 minutes)"
    );
    // A mailbox brings its poller; one no longer active loses it at start-up.
    let office = t.office("Office").await;
    let imap = ImapServer::start().await;
    let mailbox = casework_app::mailboxes::add(&app, office, &imap.settings(), false)
        .await
        .unwrap();
    let poller = jobs::list(&app)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.kind == "mailbox_poll")
        .unwrap();
    assert_eq!(poller.job_key, mailbox.to_string());
    assert_eq!(poller.office_id, Some(office));
    assert_eq!(poller.every_ms, Some(60_000));
    t.store
        .drop_job("mailbox_poll", &mailbox.to_string())
        .await
        .unwrap();
    jobs::register(&app).await.unwrap();
    assert_eq!(
        kinds(jobs::list(&app).await.unwrap()),
        [
            "campaign_upkeep",
            "follow_up",
            "mailbox_poll",
            "outbox",
            "session_sweep"
        ],
        "start-up adds the poller of an active mailbox"
    );
}

async fn two_app_servers_on_one_database_run_each_due_job_once(t: TestApp) {
    let first = t.app.clone();
    let (second, second_store) = t.second_app().await;
    let tag = unique();
    let keys: Vec<String> = (0..40).map(|i| format!("{tag}-{i}")).collect();
    for (i, key) in keys.iter().enumerate() {
        let every = (i % 4 == 0).then_some(HOUR);
        jobs::schedule(&first, JobKind::Probe, key, None, every)
            .await
            .unwrap();
    }
    let (a, b) = tokio::join!(
        tokio::spawn(async move { run_due(&first).await.unwrap() }),
        tokio::spawn({
            let second = second.clone();
            async move { run_due(&second).await.unwrap() }
        }),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    // A claim that lost a race may come back empty early; whatever is left
    // runs now (and nothing may be left to run twice).
    let rest = run_due(&t.app).await.unwrap();
    assert_eq!(a + b + rest, keys.len(), "{a} + {b} + {rest}");
    assert!(a > 0 && b > 0, "both servers took work: {a} and {b}");
    for key in &keys {
        assert_eq!(probe_runs(key), 1, "{key} ran once");
    }
    assert_eq!(run_due(&second).await.unwrap(), 0);
    second_store.close().await;
}

/// A `casework serve` process, killed when dropped (also when a test fails).
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn message(i: usize) -> Vec<u8> {
    // Words that differ from message to message, so none groups with another.
    let words: Vec<String> = (0..12)
        .map(|w| {
            format!(
                "{:x}",
                (i * 7919 + w * 104_729) * 2_654_435_761 % 4_294_967_291
            )
        })
        .collect();
    format!(
        "From: person{i}@example.net\r\nTo: office@riverside.example\r\nSubject: Question {i}\r\n\
         Message-ID: <kill-{i}@example.net>\r\n\r\nDear office, about {}.\r\n",
        words.join(" ")
    )
    .into_bytes()
}

async fn a_killed_mailbox_poller_is_replaced_within_a_lease_and_no_message_is_lost_or_doubled(
    t: TestApp,
) {
    const MESSAGES: usize = 3000;
    // Long enough that a batch commits within a lease while the rest of the
    // suite loads both cores (3 s was too short there: the renewal waits for
    // the batch on SQLite's one writer), short enough to wait for.
    const LEASE_SECONDS: u64 = 10;
    let imap = ImapServer::start().await;
    imap.append_all(&(0..MESSAGES).map(message).collect::<Vec<_>>());
    let office = t.office("Office").await;
    let mailbox = casework_app::mailboxes::add(&t.app, office, &imap.settings(), false)
        .await
        .unwrap();
    let data = std::env::temp_dir().join(format!("casework-kill-{}", unique()));
    std::fs::create_dir_all(&data).unwrap();
    let server = |name: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_casework"))
            .args(["--database-url", &t.database_url(), "--data-dir"])
            .arg(&data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("CASEWORK_JOB_LEASE_SECONDS", LEASE_SECONDS.to_string())
            .env("CASEWORK_MAIL_POLL_SECONDS", "5")
            .env("CASEWORK_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(data.join(format!("{name}.log"))).unwrap())
            .spawn()
            .map(Server)
            .unwrap()
    };
    let fetched = || async { t.data(office).count_fetched().await.unwrap() as usize };
    let log = |name: &str| std::fs::read_to_string(data.join(format!("{name}.log"))).unwrap();

    // The first server starts fetching; it is killed mid-fetch.
    let mut first = server("first");
    let started = Instant::now();
    while fetched().await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "nothing fetched: {}",
            log("first")
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.0.kill().unwrap(); // SIGKILL: no goodbye, the leases stay taken
    first.0.wait().unwrap();
    let at_kill = fetched().await;
    assert!(at_kill < MESSAGES, "killed too late: {at_kill} fetched");

    // Another server (or the same one restarted) takes over within a lease.
    let killed = Instant::now();
    let second = server("second");
    let mut resumed = None;
    loop {
        let n = fetched().await;
        if n > at_kill && resumed.is_none() {
            resumed = Some(killed.elapsed());
        }
        if n >= MESSAGES {
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(180),
            "{n} of {MESSAGES} after {:?}: {}",
            killed.elapsed(),
            log("second")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let resumed = resumed.unwrap();
    let done = killed.elapsed();
    drop(second);
    assert!(
        resumed < Duration::from_secs(LEASE_SECONDS + 10),
        "mail flowed again after {resumed:?}"
    );
    assert_eq!(fetched().await, MESSAGES, "every message once");
    let status = &t.data(office).mailboxes().await.unwrap()[0];
    assert_eq!((status.id, status.last_uid), (mailbox, MESSAGES as i64));
    assert!(status.last_error.is_empty(), "{}", status.last_error);
    eprintln!(
        "killed after {at_kill} messages; mail flowed again after {resumed:?}, all {MESSAGES} after {done:?}"
    );
    let _ = std::fs::remove_dir_all(&data);
}
