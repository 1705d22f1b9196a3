//! Sending email from a case through a real SMTP server, with threading,
//! do-not-email, approval on sensitive cases, retries and exactly one send,
//! and a message that may have gone set aside for a person to decide.

use crate::harness::{PASSWORD, SmtpSink, TestApp};
use casework_app::Settings;
use casework_app::domain::{OutboxState, Role};
use casework_app::intake::{RawMessage, ingest};
use casework_app::outbox::deliver_due;
use reqwest::StatusCode;
use serde_json::json;

crate::with_sink!(
    a_constituent_writes_the_office_replies_and_the_answer_comes_back_to_the_case,
    do_not_email_is_refused_unless_overridden_and_the_override_is_recorded,
    mail_on_a_sensitive_case_waits_for_approval,
    an_unreachable_server_is_retried_and_shown_and_nothing_is_sent_twice,
    a_message_whose_sender_stopped_while_handing_it_over_is_set_aside_not_sent_twice,
    a_letter_on_the_case_goes_with_an_email_and_files_of_other_cases_do_not,
);

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.lines()
        .find(|l| {
            l.to_lowercase()
                .starts_with(&format!("{}:", name.to_lowercase()))
        })
        .map(|l| l[name.len() + 1..].trim())
}

async fn a_constituent_writes_the_office_replies_and_the_answer_comes_back_to_the_case(
    t: TestApp,
    sink: SmtpSink,
) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Ximena", "Vasquez").await; // ximena.vasquez@example.net
    let case = api.case(person, json!({"title": "Passport delayed"})).await;
    let reference = case["reference"].as_str().unwrap().to_owned();
    let case_id = case["id"].as_i64().unwrap();
    // 1. She writes about her case.
    let first = format!(
        "From: Ximena Vasquez <ximena.vasquez@example.net>\r\nTo: office@riverside.example\r\nSubject: My passport [{reference}]\r\nMessage-ID: <x1@example.net>\r\n\r\nAny news?\r\n"
    );
    ingest(
        &t.app,
        office,
        vec![RawMessage {
            source: "in1".into(),
            bytes: first.into_bytes(),
        }],
    )
    .await
    .unwrap();
    let incoming = api
        .get(&format!("/api/v1/cases/{case_id}/correspondence"))
        .await
        .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    // 2. The caseworker replies from the case.
    // The bare reference in the subject still gets its [CW-…] tag.
    let sent = api.post(&format!("/api/v1/cases/{case_id}/emails"), json!({"subject": format!("Re: My passport ({reference})"), "body": "We have asked the passport office.", "reply_to": incoming})).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    assert_eq!(sent.body["state"], "queued");
    assert_eq!(deliver_due(&t.app).await.unwrap(), 1);
    // 3. It arrives with the reference and threading headers.
    let received = sink.messages();
    assert_eq!(received.len(), 1);
    let text = String::from_utf8_lossy(&received[0]).into_owned();
    assert!(
        header(&text, "Subject")
            .unwrap()
            .contains(&format!("[{reference}]")),
        "{text}"
    );
    assert_eq!(header(&text, "In-Reply-To"), Some("<x1@example.net>"));
    assert!(
        header(&text, "References")
            .unwrap()
            .contains("<x1@example.net>")
    );
    assert!(
        header(&text, "To")
            .unwrap()
            .contains("ximena.vasquez@example.net")
    );
    let our_id = header(&text, "Message-ID")
        .unwrap()
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned();
    assert!(text.contains("We have asked the passport office."));
    // Nothing more to send: it went exactly once.
    assert_eq!(deliver_due(&t.app).await.unwrap(), 0);
    assert_eq!(sink.messages().len(), 1);
    // 4. She replies to our message, without the reference: the thread files it.
    let reply = format!(
        "From: ximena.vasquez@example.net\r\nTo: office@riverside.example\r\nSubject: Re: thanks\r\nMessage-ID: <x2@example.net>\r\nIn-Reply-To: <{our_id}>\r\nReferences: <x1@example.net> <{our_id}>\r\n\r\nThank you!\r\n"
    );
    let r = ingest(
        &t.app,
        office,
        vec![RawMessage {
            source: "in2".into(),
            bytes: reply.into_bytes(),
        }],
    )
    .await
    .unwrap();
    assert_eq!(r.filed, 1);
    let on_case = api
        .get(&format!("/api/v1/cases/{case_id}/correspondence"))
        .await;
    let items = on_case.body["items"].as_array().unwrap();
    let directions: Vec<&str> = items
        .iter()
        .map(|m| m["direction"].as_str().unwrap())
        .collect();
    assert_eq!(directions, vec!["in", "out", "in"]);
    let timeline = api.get(&format!("/api/v1/cases/{case_id}/timeline")).await;
    let kinds: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["case_opened", "email_in", "email_out", "email_in"]
    );
    // The sent message is kept byte for byte as the original of the outgoing record.
    let out_id = items[1]["id"].as_i64().unwrap();
    let raw = api
        .client
        .get(format!("{}/api/v1/correspondence/{out_id}/raw", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&raw).contains(&our_id));
}

async fn do_not_email_is_refused_unless_overridden_and_the_override_is_recorded(
    t: TestApp,
    sink: SmtpSink,
) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Yusuf", "Yilmaz").await;
    api.patch(
        &format!("/api/v1/constituents/{person}"),
        json!({"do_not_email": true}),
    )
    .await;
    let case = api.case(person, json!({})).await;
    let path = format!("/api/v1/cases/{}/emails", case["id"]);
    let refused = api
        .post(&path, json!({"subject": "Update", "body": "Hello"}))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body["error"]["fields"]["to"]
            .as_str()
            .unwrap()
            .contains("asked not to be emailed")
    );
    let named = api.post(&path, json!({"to": ["Yusuf <Yusuf.Yilmaz@example.net>"], "subject": "Update", "body": "Hello"})).await;
    assert_eq!(
        named.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the address is recognised however it is written"
    );
    deliver_due(&t.app).await.unwrap();
    assert!(sink.messages().is_empty(), "nothing was queued");
    // A different address that merely contains theirs is someone else.
    let other = api.post(&path, json!({"to": ["not.yusuf.yilmaz@example.net"], "subject": "To the agency", "body": "Hello"})).await;
    assert_eq!(other.status, StatusCode::CREATED, "{:?}", other.body);
    deliver_due(&t.app).await.unwrap();
    assert_eq!(sink.messages().len(), 1);
    let sent = api
        .post(
            &path,
            json!({"subject": "Update", "body": "Hello", "send_anyway": true}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED);
    deliver_due(&t.app).await.unwrap();
    assert_eq!(sink.messages().len(), 2);
    let timeline = api
        .get(&format!("/api/v1/cases/{}/timeline", case["id"]))
        .await;
    let out = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["kind"] == "email_out")
        .unwrap()
        .clone();
    assert!(
        out["body"]
            .as_str()
            .unwrap()
            .contains("despite the constituent's do-not-email preference")
    );
    // A volunteer cannot send at all.
    let volunteer = t.user(office, Role::Volunteer).await;
    assert_eq!(
        t.api(&volunteer)
            .post(&path, json!({"subject": "x", "body": "y"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

async fn mail_on_a_sensitive_case_waits_for_approval(t: TestApp, sink: SmtpSink) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let manager = t.user(office, Role::OfficeManager).await;
    let api = t.api(&cw);
    let person = api.constituent("Nadia", "Sokolov").await;
    let case = api
        .case(
            person,
            json!({"sensitivity": "sensitive", "assignee_id": cw.id}),
        )
        .await;
    let sent = api
        .post(
            &format!("/api/v1/cases/{}/emails", case["id"]),
            json!({"subject": "Safe housing", "body": "Details"}),
        )
        .await;
    assert_eq!(sent.body["state"], "awaiting_approval");
    deliver_due(&t.app).await.unwrap();
    assert!(sink.messages().is_empty(), "held until approved");
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let page = b.get("/outbox").await;
    assert!(page.html.contains("Waiting for approval"));
    assert!(
        !page.html.contains("/approve"),
        "a caseworker cannot approve"
    );
    // The draft is discussed on its page before it is approved.
    let draft = sent.body["id"].as_i64().unwrap();
    let page = b.get(&format!("/correspondence/{draft}")).await;
    let empty = b
        .post(
            &format!("/correspondence/{draft}/comments"),
            &[("csrf", &page.csrf()), ("comment", " ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let said = b
        .post(
            &format!("/correspondence/{draft}/comments"),
            &[
                ("csrf", &page.csrf()),
                (
                    "comment",
                    "Please check the address <b>before</b> approving.",
                ),
            ],
        )
        .await;
    assert_eq!(said.status, StatusCode::SEE_OTHER);
    let m = t.browser();
    m.sign_in(&manager.email, PASSWORD).await;
    let seen = m.get(&format!("/correspondence/{draft}")).await;
    assert!(
        seen.html
            .contains("Please check the address &#60;b&#62;before&#60;/b&#62; approving."),
        "{}",
        seen.html
    );
    // Another office cannot see or comment on it.
    let other = t.office("Other").await;
    let stranger = t.user(other, Role::OfficeManager).await;
    let sb = t.browser();
    sb.sign_in(&stranger.email, PASSWORD).await;
    let theirs = sb.get("/outbox").await;
    let refused = sb
        .post(
            &format!("/correspondence/{draft}/comments"),
            &[("csrf", &theirs.csrf()), ("comment", "hi")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let page = m.get("/outbox").await;
    let outbox_id = t.data(office).outbox(10).await.unwrap()[0].id;
    let approved = m
        .post(
            &format!("/outbox/{outbox_id}/approve"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    assert_eq!(deliver_due(&t.app).await.unwrap(), 1);
    assert_eq!(sink.messages().len(), 1);
}

async fn an_unreachable_server_is_retried_and_shown_and_nothing_is_sent_twice(
    t: TestApp,
    sink: SmtpSink,
) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Oscar", "Moreau").await;
    let case = api.case(person, json!({})).await;
    api.post(
        &format!("/api/v1/cases/{}/emails", case["id"]),
        json!({"subject": "Hello", "body": "Hi"}),
    )
    .await;
    // The same app, pointed at a port where nothing listens.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut broken = t.app.clone();
    broken.settings.smtp = casework_app::mail_settings(
        "127.0.0.1",
        dead_port,
        "",
        "",
        "none",
        "Office <office@riverside.example>",
    );
    assert_eq!(deliver_due(&broken).await.unwrap(), 0);
    let item = &t.data(office).outbox(10).await.unwrap()[0];
    assert_eq!(item.state, casework_app::domain::OutboxState::Queued);
    assert_eq!(item.attempts, 1);
    assert!(
        item.last_error.contains("did not accept"),
        "{}",
        item.last_error
    );
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let page = b.get("/outbox").await;
    assert!(
        page.html.contains("Not sent yet: will try again"),
        "the office sees the status"
    );
    // On the case too, in words for staff: the server's own refusal
    // ("os error", its address) is for administrators.
    let case_page = b.get(&format!("/cases/{}", case["id"])).await;
    assert!(
        case_page.html.contains("Not sent yet: will try again")
            && case_page.html.contains("The mail server did not take it"),
        "{}",
        case_page.html
    );
    assert!(!case_page.html.contains("did not accept"));
    assert!(!page.html.contains("did not accept") && !page.html.contains("os error"));
    let admin = t.user(office, Role::Admin).await;
    let a = t.browser();
    a.sign_in(&admin.email, PASSWORD).await;
    assert!(a.get("/outbox").await.html.contains("did not accept"));
    // The administrators' status page names it with the server's words
    // (beside the backup no one has made yet).
    let status = a.get("/admin/status").await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(
        status.html.contains("did not accept")
            && status.html.contains("2 things need attention")
            && status.html.contains("A backup is due"),
        "{}",
        status.html
    );
    assert_eq!(b.get("/admin/status").await.status, StatusCode::FORBIDDEN);
    let listed = api
        .get(&format!("/api/v1/cases/{}/correspondence", case["id"]))
        .await
        .body;
    assert_eq!(listed["items"][0]["delivery"], "queued");
    assert!(
        listed["items"][0]["delivery_error"]
            .as_str()
            .unwrap()
            .contains("did not accept")
    );
    // Not due yet: the working server sends nothing until the retry time.
    assert_eq!(deliver_due(&t.app).await.unwrap(), 0);
    // Claim it with a clock ten minutes on, when the retry is due.
    let store = &t.store;
    let jobs = store
        .claim_outbox(
            casework_app::now_millis() + 10 * 60_000,
            casework_app::now_millis() + 20 * 60_000,
            10,
        )
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    // A worker that died while sending: its lease runs out and the message is claimed once more, not twice at once.
    let again = store
        .claim_outbox(
            casework_app::now_millis() + 10 * 60_000,
            casework_app::now_millis() + 20 * 60_000,
            10,
        )
        .await
        .unwrap();
    assert!(
        again.is_empty(),
        "a message being sent is not claimed by another worker"
    );
    let after_lease = store
        .claim_outbox(
            casework_app::now_millis() + 30 * 60_000,
            casework_app::now_millis() + 40 * 60_000,
            10,
        )
        .await
        .unwrap();
    assert_eq!(after_lease.len(), 1);
    // The first worker, slow past its lease, finds the message claimed by
    // the other and leaves it to them; the other hands it over.
    let now = casework_app::now_millis() + 30 * 60_000;
    assert!(
        !store
            .outbox_handing(jobs[0].id, jobs[0].attempts, now)
            .await
            .unwrap()
    );
    assert!(
        store
            .outbox_handing(after_lease[0].id, after_lease[0].attempts, now)
            .await
            .unwrap()
    );
    // Nor does its failure count once the message is another's.
    store
        .outbox_failed(jobs[0].id, jobs[0].attempts, "late", None)
        .await
        .unwrap();
    let item = &t.data(office).outbox(10).await.unwrap()[0];
    assert_eq!(item.state, casework_app::domain::OutboxState::Sending);
    store
        .outbox_sent(after_lease[0].id, casework_app::now_millis())
        .await
        .unwrap();
    assert_eq!(deliver_due(&t.app).await.unwrap(), 0);
    assert!(sink.messages().is_empty());
}

async fn a_message_whose_sender_stopped_while_handing_it_over_is_set_aside_not_sent_twice(
    t: TestApp,
    sink: SmtpSink,
) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Oscar", "Moreau").await;
    let case = api.case(person, json!({})).await;
    for subject in ["Handed over", "Only claimed"] {
        let queued = api
            .post(
                &format!("/api/v1/cases/{}/emails", case["id"]),
                json!({"subject": subject, "body": "Hi"}),
            )
            .await;
        assert_eq!(queued.status, StatusCode::CREATED, "{:?}", queued.body);
    }
    // A server claims both and begins handing one to a mail server that
    // takes the whole message and then says nothing; the server is killed
    // there (its work dropped: nothing more is recorded).
    let (port, taken) = stalling_smtp().await;
    let mut stalled = t.app.clone();
    stalled.settings.smtp = casework_app::mail_settings(
        "127.0.0.1",
        port,
        "",
        "",
        "none",
        "Office <office@riverside.example>",
    );
    let sending = tokio::spawn(async move { deliver_due(&stalled).await });
    let data = tokio::time::timeout(std::time::Duration::from_secs(30), taken)
        .await
        .expect("the message reached the mail server")
        .unwrap();
    sending.abort();
    let _ = sending.await;
    let now = casework_app::now_millis();
    let subject = if data.contains("Subject: Handed over") {
        "Handed over"
    } else {
        "Only claimed"
    };
    let unsent = if subject == "Handed over" {
        "Only claimed"
    } else {
        "Handed over"
    };
    let items = t.data(office).outbox(10).await.unwrap();
    assert!(items.iter().all(|i| i.state == OutboxState::Sending));
    let handed = items
        .iter()
        .find(|i| i.subject.contains(subject))
        .unwrap()
        .id;
    let lease = t.app.settings.outbox_lease_seconds * 1000;
    assert_eq!(
        deliver_due(&t.app).await.unwrap(),
        0,
        "held while the lease runs"
    );
    // When the lease has run out, the one never handed over is sent; the
    // other may have gone, so it is set aside, not sent again.
    let later = t.app_with_clock(casework_app::ManualClock::new(now + lease + 1));
    assert_eq!(deliver_due(&later).await.unwrap(), 1);
    assert_eq!(deliver_due(&later).await.unwrap(), 0);
    let received = sink.messages();
    assert_eq!(received.len(), 1);
    assert!(String::from_utf8_lossy(&received[0]).contains(&format!("Subject: {unsent}")));
    let item = |items: Vec<casework_app::views::OutboxItem>| {
        items.into_iter().find(|i| i.id == handed).unwrap()
    };
    let set_aside = item(t.data(office).outbox(10).await.unwrap());
    assert_eq!(set_aside.state, OutboxState::Failed);
    assert_eq!(set_aside.last_error, casework_app::outbox::UNSURE);
    // The outbox says so, in Casework's words for everyone (a mail
    // server's own refusal is for administrators), and offers both ways on.
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let page = b.get("/outbox").await;
    assert!(
        page.html.contains(&format!("/outbox/{handed}/retry"))
            && page.html.contains(&format!("/outbox/{handed}/sent"))
            && page.html.contains("It was sent")
            && page.html.contains("Perhaps sent: check")
            && page.html.contains("may or may not have gone"),
        "{}",
        page.html
    );
    let case_page = b.get(&format!("/cases/{}", case["id"])).await;
    assert!(
        case_page.html.contains("Perhaps sent: check")
            && case_page.html.contains("may or may not have gone"),
        "{}",
        case_page.html
    );
    // The caseworker checks the mail server's log, finds it went, says so.
    let marked = b
        .post(&format!("/outbox/{handed}/sent"), &[("csrf", &page.csrf())])
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER);
    let done = item(t.data(office).outbox(10).await.unwrap());
    assert_eq!(done.state, OutboxState::Sent);
    assert!(done.sent_at.is_some() && done.last_error.is_empty());
    assert!(
        b.get("/outbox?notice=marked_sent")
            .await
            .html
            .contains("Recorded as sent."),
        "the notice"
    );
    // Only a failed message can be marked sent: again is refused, and
    // nothing goes out.
    let again = b
        .post(&format!("/outbox/{handed}/sent"), &[("csrf", &page.csrf())])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(deliver_due(&later).await.unwrap(), 0);
    assert_eq!(sink.messages().len(), 1);
}

async fn a_letter_on_the_case_goes_with_an_email_and_files_of_other_cases_do_not(
    t: TestApp,
    sink: SmtpSink,
) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let person = api.constituent("Lena", "Park").await;
    let case = api.case(person, json!({"title": "Pension"})).await;
    let other = api.case(person, json!({"title": "Parking"})).await;
    let letter = api
        .letter(&case["id"], json!({"body": "Dear Lena,\n\nEnclosed."}))
        .await;
    let elsewhere = api
        .letter(
            &other["id"],
            json!({"body": "Dear Lena,\n\nAbout parking."}),
        )
        .await;
    // The compose page offers the case's letter, not the other case's.
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let form = b.get(&format!("/cases/{}/emails/new", case["id"])).await;
    assert!(
        form.html.contains(&format!("attach_l{letter}")),
        "{}",
        form.html
    );
    assert!(!form.html.contains(&format!("attach_l{elsewhere}")));
    let refused = api
        .post(
            &format!("/api/v1/cases/{}/emails", case["id"]),
            json!({"subject": "Your letter", "body": "Attached.", "letter_ids": [elsewhere]}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        refused.body
    );
    // Sent from the page with the box ticked.
    let field = format!("attach_l{letter}");
    let sent = b
        .post(
            &format!("/cases/{}/emails", case["id"]),
            &[
                ("csrf", &form.csrf()),
                ("to", "lena.park@example.net"),
                ("subject", "Your letter"),
                ("body", "Attached."),
                (&field, "on"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    assert_eq!(deliver_due(&t.app).await.unwrap(), 1);
    let raw = String::from_utf8_lossy(&sink.messages()[0]).into_owned();
    assert!(raw.contains("multipart/mixed"), "{raw}");
    assert!(raw.contains("application/pdf"), "{raw}");
    assert!(raw.contains("Attached."));
    let parsed = casework_mail::parse(&sink.messages()[0]);
    assert_eq!(parsed.attachments.len(), 1);
    assert!(parsed.attachments[0].data.starts_with(b"%PDF-"));

    // A file from the caseworker's computer, sent with the form, goes too and
    // is kept with the email on the case.
    let form = b.get(&format!("/cases/{}/emails/new", case["id"])).await;
    let upload = |name: &str, bytes: Vec<u8>| {
        reqwest::multipart::Form::new()
            .text("csrf", form.csrf())
            .text("to", "lena.park@example.net")
            .text("subject", "Signed consent")
            .text("body", "Here is the consent form.")
            .part(
                "upload",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(name.to_owned())
                    .mime_str("text/plain")
                    .unwrap(),
            )
    };
    let res = b
        .client
        .post(format!("{}/cases/{}/emails", b.base, case["id"]))
        .multipart(upload(
            "consent.txt",
            b"I consent to the office acting for me.".to_vec(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(deliver_due(&t.app).await.unwrap(), 1);
    let second = casework_mail::parse(&sink.messages()[1]);
    assert_eq!(second.attachments.len(), 1);
    assert_eq!(second.attachments[0].filename, "consent.txt");
    assert_eq!(
        second.attachments[0].data,
        b"I consent to the office acting for me."
    );
    let mail = api
        .get(&format!("/api/v1/cases/{}/correspondence", case["id"]))
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .unwrap_or("")
                .starts_with("Signed consent")
        })
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let kept = api
        .get(&format!("/api/v1/correspondence/{mail}"))
        .await
        .body;
    assert_eq!(kept["attachments"][0]["filename"], "consent.txt");

    // Over the configured size: refused as it arrives, with the limit named,
    // and nothing queued.
    let small = TestApp::spawn_with(
        t.backend,
        Settings {
            smtp: sink.settings(),
            max_message_bytes: 1024,
            ..Settings::default()
        },
    )
    .await;
    let o = small.office("Small").await;
    let w = small.user(o, Role::Caseworker).await;
    let sapi = small.api(&w);
    let p = sapi.constituent("Max", "Size").await;
    let k = sapi.case(p, json!({})).await;
    let sb = small.browser();
    sb.sign_in(&w.email, PASSWORD).await;
    let page = sb.get(&format!("/cases/{}/emails/new", k["id"])).await;
    let big = reqwest::multipart::Form::new()
        .text("csrf", page.csrf())
        .text("to", "max.size@example.net")
        .text("subject", "Too big")
        .text("body", "See attached.")
        .part(
            "upload",
            reqwest::multipart::Part::bytes(vec![b'x'; 4096]).file_name("big.txt"),
        );
    let res = sb
        .client
        .post(format!("{}/cases/{}/emails", sb.base, k["id"]))
        .multipart(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("the limit for a message")
    );
    assert!(small.data(o).outbox(10).await.unwrap().is_empty());
}

/// An SMTP server that takes one whole message and then never answers, as
/// a mail server looks to a sender killed mid-handover. Sends what it took.
async fn stalling_smtp() -> (u16, tokio::sync::oneshot::Receiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 stalling ESMTP\r\n").await.unwrap();
        let (mut data, mut in_data, mut tx) = (String::new(), false, Some(tx));
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    // The whole message is here; the answer never comes.
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(std::mem::take(&mut data));
                    }
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 stalling\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go ahead\r\n"
                }
                _ => b"250 OK\r\n",
            };
            if write.write_all(reply).await.is_err() {
                break;
            }
        }
    });
    (port, rx)
}
