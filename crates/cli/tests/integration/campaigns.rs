//! Campaign mail end to end: a generated flood (bench/campaigngen.py) is
//! imported, grouped and checked against its labels; one approved reply
//! goes to every sender exactly once through a real SMTP server, also when
//! the server is killed half way through sending.

use crate::harness::{Backend, SmtpSink, TestApp, postgres_url, unique};
use casework_app::domain::Role;
use casework_app::intake::{RawMessage, import_path, ingest};
use casework_app::outbox::deliver_due;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A labelled corpus: the Maildir and, per Message-ID, (group, kind, casework, sender).
struct Corpus {
    dir: PathBuf,
    labels: BTreeMap<String, (String, String, bool, String)>,
}

impl Corpus {
    fn generate(scale: &str) -> Corpus {
        let dir = std::env::temp_dir().join(format!("casework-corpus-{}", unique()));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/campaigngen.py");
        let out = Command::new("python3")
            .arg(script)
            .arg(&dir)
            .args(["--scale", scale, "--seed", "11"])
            .output()
            .expect("python3 runs the corpus generator");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
        let mut labels = BTreeMap::new();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            labels.insert(
                f[0].to_owned(),
                (
                    f[1].to_owned(),
                    f[2].to_owned(),
                    f[3] == "1",
                    f[5].to_owned(),
                ),
            );
        }
        Corpus { dir, labels }
    }

    fn maildir(&self) -> PathBuf {
        self.dir.join("Maildir")
    }

    /// The distinct senders of a labelled campaign.
    fn senders(&self, group: &str) -> BTreeSet<String> {
        self.labels
            .values()
            .filter(|l| l.0 == group)
            .map(|l| l.3.clone())
            .collect()
    }
}

impl Drop for Corpus {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

crate::with_sink!(
    a_flood_is_grouped_and_one_approved_reply_reaches_every_sender_once,
    a_reply_with_merge_fields_missing_for_some_is_refused_listing_who,
    campaigns_can_be_renamed_merged_split_and_closed,
);

/// The recipients of everything in the sink, one entry per message.
fn recipients(sink: &SmtpSink) -> Vec<String> {
    sink.messages()
        .iter()
        .map(|raw| {
            let text = String::from_utf8_lossy(raw).into_owned();
            let to = text
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("to:"))
                .unwrap_or("")
                .to_owned();
            to[3..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_lowercase()
        })
        .collect()
}

async fn drain(t: &TestApp) {
    while deliver_due(&t.app).await.unwrap() > 0 {}
}

/// Campaigns by name → (id, message_count).
async fn campaigns(api: &crate::harness::Api) -> Vec<Value> {
    let r = api.get("/api/v1/campaigns").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn a_flood_is_grouped_and_one_approved_reply_reaches_every_sender_once(
    t: TestApp,
    sink: SmtpSink,
) {
    let corpus = Corpus::generate("tiny");
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let manager = t.user(office, Role::OfficeManager).await;
    let api = t.api(&cw);
    // Small batches, as mail arrives from a mailbox.
    let report = import_path(&t.app, office, &corpus.maildir(), 7)
        .await
        .unwrap();
    assert_eq!(report.imported, corpus.labels.len());

    // Grouping against the labels: each labelled campaign is one campaign,
    // nothing else is in one, and every personal casework addition is flagged.
    let list = campaigns(&api).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let mut by_group: BTreeMap<String, i64> = BTreeMap::new();
    let mut flagged_ids = BTreeSet::new();
    for c in &list {
        let id = c["id"].as_i64().unwrap();
        let msgs = api
            .get(&format!("/api/v1/campaigns/{id}/messages?limit=1000"))
            .await;
        assert_eq!(msgs.status, StatusCode::OK);
        let items = msgs.body["items"].as_array().unwrap();
        assert_eq!(items.len() as i64, c["message_count"].as_i64().unwrap());
        let mut groups = BTreeSet::new();
        for m in items {
            let full = api
                .get(&format!("/api/v1/correspondence/{}", m["id"]))
                .await
                .body;
            let label = &corpus.labels[full["message_id"].as_str().unwrap()];
            groups.insert(label.0.clone());
            assert_eq!(
                m["flagged"].as_bool().unwrap(),
                label.2,
                "flag of {} ({}): {}",
                full["message_id"],
                m["personal_addition"],
                full["text"]
            );
            if label.2 {
                assert!(!m["personal_addition"].as_str().unwrap().is_empty());
                flagged_ids.insert(m["id"].as_i64().unwrap());
            }
            assert!(m["from"].as_str().unwrap().contains('@'));
            assert!(m.get("subject").is_some());
        }
        assert_eq!(groups.len(), 1, "one campaign mixes {groups:?}");
        let group = groups.into_iter().next().unwrap();
        let expected = corpus.labels.values().filter(|l| l.0 == group).count() as i64;
        assert_eq!(c["message_count"].as_i64().unwrap(), expected, "{group}");
        by_group.insert(group, id);
        // Flagged messages come first.
        let first_plain = items.iter().position(|m| !m["flagged"].as_bool().unwrap());
        let last_flagged = items.iter().rposition(|m| m["flagged"].as_bool().unwrap());
        if let (Some(p), Some(f)) = (first_plain, last_flagged) {
            assert!(f < p, "flagged messages are listed first");
        }
    }
    assert!(flagged_ids.len() >= 4);
    // The intake inbox shows single messages only.
    let intake = api.get("/api/v1/intake?limit=200").await;
    let singles = corpus.labels.values().filter(|l| l.1 != "campaign").count();
    assert_eq!(intake.body["items"].as_array().unwrap().len(), singles);

    // The reply: drafted by a caseworker, approved by the manager.
    let c1 = by_group["c1"];
    let campaign = api.get(&format!("/api/v1/campaigns/{c1}")).await.body;
    let reply = json!({
        "subject": "Your message about the bus",
        "body": "Dear {{ constituent.first_name }},\n\nThank you for writing to {{ office.name }}.",
        "submit": true,
        "auto": true,
        "version": campaign["version"],
    });
    let saved = api
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/campaigns/{c1}/reply"),
            Some(reply),
            &[],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    assert_eq!(saved.body["reply_state"], "awaiting_approval");
    let early = api
        .post(&format!("/api/v1/campaigns/{c1}/reply/send"), json!({}))
        .await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        early.body
    );
    let refused = api
        .post(
            &format!("/api/v1/campaigns/{c1}/reply/approve"),
            json!({"version": saved.body["version"]}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let mgr = t.api(&manager);
    let approved = mgr
        .post(
            &format!("/api/v1/campaigns/{c1}/reply/approve"),
            json!({"version": saved.body["version"]}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(approved.body["reply_state"], "approved");

    // Sent to all: one reply per sender, however many copies they sent.
    let senders = corpus.senders("c1");
    assert!(senders.len() < corpus.labels.values().filter(|l| l.0 == "c1").count());
    let sent = api
        .post(&format!("/api/v1/campaigns/{c1}/reply/send"), json!({}))
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
    assert_eq!(
        sent.body["queued"].as_u64().unwrap() as usize,
        senders.len()
    );
    drain(&t).await;
    let got = recipients(&sink);
    assert_eq!(got.iter().cloned().collect::<BTreeSet<_>>(), senders);
    assert_eq!(got.len(), senders.len(), "nobody is answered twice");
    let one = String::from_utf8_lossy(&sink.messages()[0]).into_owned();
    assert!(one.contains("Thank you for writing to"), "{one}");
    assert!(
        one.contains("In-Reply-To:"),
        "replies thread to what they answer"
    );
    // Sending again answers nobody twice.
    let again = api
        .post(&format!("/api/v1/campaigns/{c1}/reply/send"), json!({}))
        .await;
    assert_eq!(again.body["queued"], 0);
    drain(&t).await;
    assert_eq!(recipients(&sink).len(), senders.len());
    let progress = api.get(&format!("/api/v1/campaigns/{c1}")).await.body["progress"].clone();
    assert_eq!(progress["sent"].as_u64().unwrap() as usize, senders.len());

    // Someone who writes later gets the same reply automatically; a sender
    // already answered does not get another.
    let sample = corpus
        .labels
        .iter()
        .find(|(_, l)| l.0 == "c1")
        .map(|(id, _)| id.clone())
        .unwrap();
    let sample_id = api
        .get(&format!("/api/v1/campaigns/{c1}/messages?limit=1000"))
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect::<Vec<_>>();
    let mut text = String::new();
    for id in sample_id {
        let m = api.get(&format!("/api/v1/correspondence/{id}")).await.body;
        if m["message_id"] == sample.as_str() {
            text = m["text"].as_str().unwrap().to_owned();
        }
    }
    assert!(!text.is_empty());
    let late = |who: &str, n: u32| {
        RawMessage {
        source: format!("late{n}"),
        bytes: format!(
            "From: Late Writer <{who}>\r\nTo: office@riverside.example\r\nSubject: Save the bus\r\nMessage-ID: <late{n}@example.net>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
        )
        .into_bytes(),
    }
    };
    let first_sender = senders.iter().next().unwrap().clone();
    ingest(
        &t.app,
        office,
        vec![late("late.writer@example.net", 1), late(&first_sender, 2)],
    )
    .await
    .unwrap();
    drain(&t).await;
    let got = recipients(&sink);
    assert_eq!(got.len(), senders.len() + 1, "{got:?}");
    assert!(got.contains(&"late.writer@example.net".to_owned()));
}

async fn a_reply_with_merge_fields_missing_for_some_is_refused_listing_who(
    t: TestApp,
    sink: SmtpSink,
) {
    let corpus = Corpus::generate("tiny");
    let office = t.office("Office").await;
    let manager = t.user(office, Role::OfficeManager).await;
    let api = t.api(&manager);
    import_path(&t.app, office, &corpus.maildir(), 500)
        .await
        .unwrap();
    let list = campaigns(&api).await;
    let c = list
        .iter()
        .max_by_key(|c| c["message_count"].as_i64())
        .unwrap();
    let id = c["id"].as_i64().unwrap();
    let version = api.get(&format!("/api/v1/campaigns/{id}")).await.body["version"].clone();
    // The address is known only for people on record: nobody here.
    let saved = api
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/campaigns/{id}/reply"),
            Some(json!({"subject": "Thank you", "body": "Dear {{ constituent.full_name }}, of {{ constituent.address }}", "submit": true, "version": version})),
            &[],
        )
        .await;
    assert_eq!(
        saved.body["reply_state"], "approved",
        "a manager's reply is approved as saved"
    );
    let sent = api
        .post(&format!("/api/v1/campaigns/{id}/reply/send"), json!({}))
        .await;
    assert_eq!(sent.status, StatusCode::UNPROCESSABLE_ENTITY);
    let msg = sent.body["error"]["message"].to_string() + &sent.body.to_string();
    assert!(msg.contains("constituent.address"), "{msg}");
    let someone = corpus.senders(
        &corpus
            .labels
            .values()
            .find(|l| l.1 == "campaign")
            .unwrap()
            .0,
    );
    assert!(
        someone.iter().any(|s| msg.contains(s.as_str())),
        "lists who: {msg}"
    );
    drain(&t).await;
    assert!(sink.messages().is_empty(), "nothing was sent");

    // A template the data can fill: do-not-email and people outside the
    // district are respected.
    let senders = campaign_senders(&api, id).await;
    let (quiet, _) = senders.iter().next().unwrap();
    let person = api
        .post(
            "/api/v1/constituents",
            json!({"first_name": "Quiet", "last_name": "Person", "email": quiet, "do_not_email": true}),
        )
        .await;
    assert_eq!(person.status, StatusCode::CREATED, "{:?}", person.body);
    casework_app::campaigns::set_district(&t.app, office, "RV1")
        .await
        .unwrap();
    let version = api.get(&format!("/api/v1/campaigns/{id}")).await.body["version"].clone();
    let saved = api
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/campaigns/{id}/reply"),
            Some(json!({"subject": "Thank you", "body": "Thank you for writing.", "outside": "other",
                "outside_subject": "Your message", "outside_body": "Please write to your own representative.",
                "submit": true, "version": version})),
            &[],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    let sent = api
        .post(&format!("/api/v1/campaigns/{id}/reply/send"), json!({}))
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
    drain(&t).await;
    let got: BTreeSet<String> = recipients(&sink).into_iter().collect();
    assert!(!got.contains(quiet.as_str()), "do-not-email is respected");
    let outside: Vec<&String> = senders
        .iter()
        .filter(|(e, p)| e != &quiet && !p.is_empty() && !p.replace(' ', "").starts_with("RV1"))
        .map(|(e, _)| e)
        .collect();
    assert!(!outside.is_empty(), "the corpus has senders outside RV1");
    // People outside the district get the other reply; the rest the main one.
    for raw in sink.messages() {
        let text = String::from_utf8_lossy(&raw).into_owned();
        let to = text
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("to:"))
            .unwrap()[3..]
            .trim()
            .trim_matches(['<', '>'])
            .to_lowercase();
        let other = outside.iter().any(|o| **o == to);
        assert_eq!(
            text.contains("your own representative"),
            other,
            "{to}: {text}"
        );
        assert_eq!(text.contains("Thank you for writing."), !other, "{to}");
    }
    assert_eq!(sent.body["progress"]["do_not_email"], 1);
    assert_eq!(got.len() + 1, senders.len());
}

/// (sender, postcode found in their message) for each sender of a campaign.
async fn campaign_senders(api: &crate::harness::Api, id: i64) -> BTreeMap<String, String> {
    api.get(&format!("/api/v1/campaigns/{id}/messages?limit=1000"))
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["from"].as_str().unwrap().to_owned(),
                m["postcode"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn campaigns_can_be_renamed_merged_split_and_closed(t: TestApp, _sink: SmtpSink) {
    let corpus = Corpus::generate("tiny");
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    import_path(&t.app, office, &corpus.maildir(), 500)
        .await
        .unwrap();
    let list = campaigns(&api).await;
    let (a, b) = (
        list[0]["id"].as_i64().unwrap(),
        list[1]["id"].as_i64().unwrap(),
    );
    let total = list
        .iter()
        .map(|c| c["message_count"].as_i64().unwrap())
        .sum::<i64>();
    // Rename, with the version read.
    let v = api.get(&format!("/api/v1/campaigns/{a}")).await.body["version"].clone();
    let r = api
        .post(
            &format!("/api/v1/campaigns/{a}/rename"),
            json!({"name": "Buses", "version": v}),
        )
        .await;
    assert_eq!(r.body["name"], "Buses");
    let stale = api
        .post(
            &format!("/api/v1/campaigns/{a}/rename"),
            json!({"name": "Trains", "version": v}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Split one message off: back in the intake inbox.
    let m = api
        .get(&format!("/api/v1/campaigns/{a}/messages"))
        .await
        .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let before = api.get("/api/v1/intake?limit=200").await.body["items"]
        .as_array()
        .unwrap()
        .len();
    let r = api
        .post(
            &format!("/api/v1/campaigns/{a}/split"),
            json!({"message_id": m}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let after = api.get("/api/v1/intake?limit=200").await.body["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, before + 1);
    let r = api
        .post(
            &format!("/api/v1/campaigns/{a}/split"),
            json!({"message_id": m}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not in it any more"
    );
    // Merge b into a: one campaign with everything but the split message.
    let r = api
        .post(&format!("/api/v1/campaigns/{b}/merge"), json!({"into": a}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["message_count"].as_i64().unwrap(), total - 1);
    let list = campaigns(&api).await;
    assert_eq!(list.len(), 1);
    let merged = api.get(&format!("/api/v1/campaigns/{b}")).await.body;
    assert_eq!(merged["merged_into"], a);
    // No action: plain copies leave the inbox, flagged ones stay.
    let r = api
        .post(
            &format!("/api/v1/campaigns/{a}/no-action"),
            json!({"no_action": true}),
        )
        .await;
    assert_eq!(r.body["state"], "no_action");
    let msgs = api
        .get(&format!("/api/v1/campaigns/{a}/messages?limit=1000"))
        .await
        .body;
    for m in msgs["items"].as_array().unwrap() {
        let expected = if m["flagged"].as_bool().unwrap() {
            "intake"
        } else {
            "no_action"
        };
        assert_eq!(m["state"], expected);
    }
    // The reply is discussed on the campaign's page: an empty comment is
    // refused, a comment is shown (escaped) under the reply.
    let b = t.browser();
    b.sign_in(&cw.email, crate::harness::PASSWORD).await;
    let page = b.get(&format!("/campaigns/{a}")).await;
    assert!(page.html.contains("No comments yet."), "{}", page.html);
    assert!(
        page.html
            .contains(&format!("action=\"/campaigns/{a}/comments\""))
    );
    let empty = b
        .post(
            &format!("/campaigns/{a}/comments"),
            &[("csrf", &page.csrf()), ("comment", " ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.html.contains("id=\"comment-error\""),
        "{}",
        empty.html
    );
    let said = b
        .post(
            &format!("/campaigns/{a}/comments"),
            &[
                ("csrf", &page.csrf()),
                ("comment", "Say <i>thanks</i> first."),
            ],
        )
        .await;
    assert_eq!(said.status, StatusCode::SEE_OTHER);
    let page = b.get(&format!("/campaigns/{a}")).await;
    assert!(
        page.html
            .contains("Say &#60;i&#62;thanks&#60;/i&#62; first."),
        "{}",
        page.html
    );
    // Another office sees none of it.
    let other = t.office("Other").await;
    let stranger = t.user(other, Role::OfficeManager).await;
    let s = t.api(&stranger);
    assert!(campaigns(&s).await.is_empty());
    assert_eq!(
        s.get(&format!("/api/v1/campaigns/{a}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.post(
            &format!("/api/v1/campaigns/{a}/no-action"),
            json!({"no_action": false})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

crate::on_both_backends!(exact_copies_arriving_together_form_one_campaign);

/// Forty exact copies in one batch (a platform's burst) and three single
/// messages: one campaign of forty, the singles left in the inbox.
async fn exact_copies_arriving_together_form_one_campaign(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let letter = "Please vote against the closure of the Riverside swimming pool. Hundreds of children, \
        older people and clubs use it every week and the nearest other pool is an hour away by bus.";
    let mut batch: Vec<RawMessage> = (0..40)
        .map(|n| RawMessage {
            source: format!("copy{n}"),
            bytes: format!(
                "From: Writer {n} <writer{n}@example.net>\r\nSubject: Save our pool\r\nMessage-ID: <pool{n}@example.net>\r\n\r\n{letter}\r\n"
            )
            .into_bytes(),
        })
        .collect();
    let singles = [
        "The bins on Mill Street have not been collected for three weeks. Who do I call about it?",
        "Could the office help my father get a blue badge? His application was sent in March.",
        "I would like to invite the councillor to our school's open day on the twelfth of May.",
    ];
    for (n, text) in singles.iter().enumerate() {
        batch.push(RawMessage {
            source: format!("single{n}"),
            bytes: format!(
                "From: Person {n} <person{n}@example.net>\r\nSubject: Question\r\nMessage-ID: <single{n}@example.net>\r\n\r\n{text}\r\n"
            )
            .into_bytes(),
        });
    }
    let report = ingest(&t.app, office, batch).await.unwrap();
    assert_eq!(report.imported, 43);
    let api = t.api(&cw);
    let list = campaigns(&api).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["message_count"], 40);
    let intake = api.get("/api/v1/intake?limit=200").await;
    assert_eq!(intake.body["items"].as_array().unwrap().len(), 3);
}

// ----- the binary, killed while sending -----

fn casework(target: &[String], args: &[&str], stdin: Option<&str>) -> String {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_casework"))
        .args(target)
        .args(args)
        .env("CASEWORK_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn serve(target: &[String], sink: &SmtpSink) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut server = Command::new(env!("CARGO_BIN_EXE_casework"))
        .args(target)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CASEWORK_LOG", "warn")
        .env("CASEWORK_SMTP_HOST", "127.0.0.1")
        .env("CASEWORK_SMTP_PORT", sink.port.to_string())
        .env("CASEWORK_SMTP_TLS", "none")
        .env("CASEWORK_SMTP_FROM", "Office <office@riverside.example>")
        // 150 a minute: five every two seconds, so a kill lands mid-way.
        .env("CASEWORK_SMTP_MAX_PER_MINUTE", "150")
        .env("CASEWORK_OUTBOX_LEASE_SECONDS", "5")
        // Killed in the middle of the outbox job, the restarted server takes
        // that job over when its lease runs out: 5 s here, not the default
        // minute (which, on a loaded machine, outlasted the wait below).
        .env("CASEWORK_JOB_LEASE_SECONDS", "5")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .trim_start_matches("Casework is running at ")
        .trim_end_matches('/')
        .to_owned();
    assert!(base.starts_with("http://"), "{line}");
    (server, base)
}

async fn killed_while_sending_every_sender_gets_one_reply_and_nobody_two(backend: Backend) {
    let sink = SmtpSink::start().await;
    let corpus = Corpus::generate("tiny");
    let dir = std::env::temp_dir().join(format!("casework-kill-{}", unique()));
    let schema = format!("kill_{}", unique());
    let target: Vec<String> = match backend {
        Backend::Sqlite => vec!["--data-dir".into(), dir.display().to_string()],
        Backend::Postgres => {
            casework_store::create_postgres_schema(&postgres_url(), &schema)
                .await
                .unwrap();
            vec![
                "--database-url".into(),
                format!("{}?options=-c%20search_path%3D{schema}", postgres_url()),
                "--data-dir".into(),
                dir.display().to_string(),
            ]
        }
    };
    casework(&target, &["office", "add", "Kill Office"], None);
    casework(
        &target,
        &[
            "user",
            "add",
            "--office",
            "Kill Office",
            "--role",
            "office_manager",
            "--email",
            "m@example.org",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    );
    let token = casework(
        &target,
        &["token", "create", "--email", "m@example.org"],
        None,
    )
    .lines()
    .last()
    .unwrap()
    .trim()
    .to_owned();
    let maildir = corpus.maildir().display().to_string();
    let out = casework(
        &target,
        &["mail", "import", &maildir, "--office", "Kill Office"],
        None,
    );
    assert!(out.contains("grouped into campaigns"), "{out}");

    let (mut server, base) = serve(&target, &sink);
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String, body: Value| {
        client
            .request(method, format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let list: Value = call(
        reqwest::Method::GET,
        "/api/v1/campaigns".into(),
        json!(null),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let c = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|c| c["message_count"].as_i64())
        .unwrap()
        .clone();
    let id = c["id"].as_i64().unwrap();
    let detail: Value = call(
        reqwest::Method::GET,
        format!("/api/v1/campaigns/{id}"),
        json!(null),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let saved = call(
        reqwest::Method::PUT,
        format!("/api/v1/campaigns/{id}/reply"),
        json!({"subject": "Thank you", "body": "Dear {{ constituent.first_name }}, thank you.", "submit": true, "version": detail["version"]}),
    )
    .await
    .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let sent: Value = call(
        reqwest::Method::POST,
        format!("/api/v1/campaigns/{id}/reply/send"),
        json!({}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let expected = sent["queued"].as_u64().unwrap() as usize;
    assert!(expected >= 10, "{sent}");

    // Kill it once some, not all, have gone.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while recipients(&sink).is_empty() {
        assert!(std::time::Instant::now() < deadline, "nothing was sent");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    server.kill().unwrap();
    let _ = server.wait();
    let halfway = recipients(&sink).len();
    assert!(
        halfway < expected,
        "killed half way: {halfway} of {expected}"
    );

    // Restarted, it finishes the job: every reply is sent, except one the
    // killed server was handing to the mail server at that instant, which
    // may have gone and is set aside for a person (failed), not resent.
    let (mut server, base) = serve(&target, &sink);
    let failed = || async {
        let detail: Value = client
            .get(format!("{base}/api/v1/campaigns/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        detail["progress"]["failed"].as_u64().unwrap() as usize
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    while recipients(&sink).len() + failed().await < expected
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // A little longer, to catch anything sent twice.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let set_aside = failed().await;
    server.kill().unwrap();
    let _ = server.wait();
    let got = recipients(&sink);
    let distinct: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(got.len(), distinct.len(), "nobody answered twice: {got:?}");
    assert!(
        set_aside <= 1,
        "only the one in hand is unsure: {set_aside}"
    );
    assert!(
        distinct.len() + set_aside >= expected && distinct.len() <= expected,
        "everyone answered after the restart, but for one set aside: {} sent, {set_aside} set aside, {expected} expected",
        distinct.len()
    );
    let group = corpus
        .labels
        .values()
        .find(|l| corpus.senders(&l.0).contains(got[0].as_str()))
        .unwrap()
        .0
        .clone();
    let senders = corpus.senders(&group);
    assert!(distinct.is_subset(&senders), "only the campaign's senders");
    assert_eq!(senders.len(), expected);
    let _ = std::fs::remove_dir_all(dir);
    if backend == Backend::Postgres {
        casework_store::drop_postgres_schema(&postgres_url(), &schema)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_sending_every_sender_gets_one_reply_and_nobody_two_on_sqlite() {
    killed_while_sending_every_sender_gets_one_reply_and_nobody_two(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_sending_every_sender_gets_one_reply_and_nobody_two_on_postgres() {
    killed_while_sending_every_sender_gets_one_reply_and_nobody_two(Backend::Postgres).await;
}
