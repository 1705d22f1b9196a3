//! Security: what an attacker with an account (or without one) tried, and
//! what must hold: no request stalls the server or takes its memory, nobody
//! locks a colleague out, sign-in goes only to this site, outgoing mail has
//! no bare line ends, names cannot disguise themselves, signing out
//! everywhere ends API access too; and two-factor sign-in.

use crate::harness::{Backend, PASSWORD, TestApp, TestUser};
use crate::on_both_backends;
use casework_app::Settings;
use casework_app::domain::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_backends!(
    failures_from_elsewhere_never_lock_out_the_right_password_from_a_known_device,
    the_forwarded_address_counts_only_from_a_trusted_proxy,
    after_sign_in_only_a_path_on_this_site_is_followed,
    a_runaway_template_is_stopped_and_the_server_keeps_answering,
    a_big_form_is_refused_as_it_arrives_and_a_forged_one_before_it_is_read,
    api_documents_up_to_the_message_limit_are_accepted,
    signing_out_everywhere_revokes_api_tokens_too,
    bidirectional_controls_are_removed_from_names,
    two_factor_sign_in_with_an_app_and_recovery_codes,
    security_keys_come_after_the_app_and_need_a_host_name,
    an_office_that_requires_two_factor_has_everyone_set_it_up,
);

async fn failures_from_elsewhere_never_lock_out_the_right_password_from_a_known_device(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    // Their own browser: signed in before, so it is a known device.
    let own = t.browser();
    assert_eq!(
        own.sign_in(&cw.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let csrf = own.csrf().await;
    own.post("/logout", &[("csrf", &csrf)]).await;

    // Someone else guesses their password, and many made-up accounts, from
    // the same address (an office behind one NAT, or behind the proxy).
    let attacker = t.browser();
    let mut slowed = 0;
    for i in 0..12 {
        let p = attacker.sign_in(&cw.email, "guess guess guess").await;
        if p.status == StatusCode::TOO_MANY_REQUESTS {
            slowed += 1;
        } else {
            assert_eq!(p.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        }
    }
    assert!(
        slowed >= 7,
        "the guessing is slowed after five ({slowed} slowed)"
    );
    for i in 0..60 {
        attacker
            .sign_in(&format!("made-up-{i}@example.org"), "guess guess guess")
            .await;
    }
    let p = attacker.sign_in("made-up-new@example.org", "guess").await;
    assert_eq!(
        p.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address is slowed"
    );
    assert!(p.html.contains("Too many failed attempts"), "{}", p.html);

    // The real person, on their own browser, is not.
    let back = own.sign_in(&cw.email, PASSWORD).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.html);
    assert_eq!(own.get("/cases?view=mine").await.status, StatusCode::OK);
    // A colleague on a browser new to this slowed address waits, for a
    // while that ends (at most the 15 minutes of the window), never locked.
    let colleague = t.user(office, Role::Caseworker).await;
    let fresh = t.browser().sign_in(&colleague.email, PASSWORD).await;
    assert_eq!(fresh.status, StatusCode::TOO_MANY_REQUESTS);
    let minutes: i64 = fresh
        .html
        .split("try again in ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the wait is said in minutes: {}", fresh.html));
    assert!((1..=15).contains(&minutes), "{minutes} minutes");
}

async fn the_forwarded_address_counts_only_from_a_trusted_proxy(t: TestApp) {
    let backend = t.backend;
    drop(t);
    let web = casework_web::WebConfig {
        trusted_proxies: casework_web::parse_trusted_proxies(&["127.0.0.1".into()]).unwrap(),
        ..Default::default()
    };
    let proxied = TestApp::spawn_web(backend, Settings::default(), web).await;
    let office = proxied.office("Office").await;
    let cw = proxied.user(office, Role::Caseworker).await;
    for _ in 0..6 {
        sign_in_from(
            &proxied,
            &cw.email,
            Some("203.0.113.1"),
            "wrong wrong wrong",
        )
        .await;
    }
    assert_eq!(
        sign_in_from(&proxied, &cw.email, Some("203.0.113.1"), PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser's address is slowed"
    );
    assert_eq!(
        sign_in_from(&proxied, &cw.email, Some("198.51.100.2"), PASSWORD).await,
        StatusCode::SEE_OTHER,
        "the real person elsewhere, behind the same proxy, is not"
    );

    // Without a trusted proxy the header is the client's word: ignored, so
    // changing it does not escape the throttle.
    let direct = TestApp::spawn(backend).await;
    let office = direct.office("Office").await;
    let cw2 = direct.user(office, Role::Caseworker).await;
    let b = direct.browser();
    for _ in 0..6 {
        b.sign_in(&cw2.email, "wrong wrong wrong").await;
    }
    let status = sign_in_from(&direct, &cw2.email, Some("192.0.2.99"), PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

/// Signs in from a fresh browser, with `X-Forwarded-For: from` on both the
/// form and the post; returns the status of the post.
async fn sign_in_from(
    app: &TestApp,
    email: &str,
    from: Option<&str>,
    password: &str,
) -> StatusCode {
    let client = crate::harness::cookie_client();
    let with = |r: reqwest::RequestBuilder| match from {
        Some(f) => r.header("x-forwarded-for", f),
        None => r,
    };
    let form = with(client.get(app.url("/login")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf\" value=\"";
    let i = form.find(marker).unwrap() + marker.len();
    with(client.post(app.url("/login")))
        .form(&[
            ("csrf", &form[i..i + 64]),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

async fn after_sign_in_only_a_path_on_this_site_is_followed(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    for (next, expected) in [
        ("/\t/evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\u{b}x", "/"),
        ("/\nx", "/"),
        ("/\u{7f}x", "/"),
        ("https://evil.example/", "/"),
        ("/cases?view=mine", "/cases?view=mine"),
    ] {
        let b = t.browser();
        let login = b.get("/login").await;
        let res = b
            .post(
                "/login",
                &[
                    ("csrf", &login.csrf()),
                    ("email", &cw.email),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{next:?}: {}", res.html);
        assert_eq!(res.location, expected, "{next:?}");
        // The form never offers it either.
        let mut url = reqwest::Url::parse("http://x/login").unwrap();
        url.query_pairs_mut().append_pair("next", next);
        let page = b.get(&format!("/login?{}", url.query().unwrap())).await;
        assert!(
            page.html.contains(&format!(
                "name=\"next\" value=\"{}\"",
                expected.replace('&', "&#38;")
            )) || page.html.contains(&format!(
                "name=\"next\" value=\"{}\"",
                expected.replace('&', "&amp;")
            )),
            "{next:?}"
        );
    }
}

async fn a_runaway_template_is_stopped_and_the_server_keeps_answering(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let manager = t.user(office, Role::OfficeManager).await;
    let volunteer = t.user(office, Role::Volunteer).await;
    let api = t.api(&cw);
    let c = api.constituent("Ada", "Example").await;
    let k = api.case(c, json!({})).await["id"].as_i64().unwrap();
    let bomb = "{% for i in range(17000) %}{% for j in range(17000) %}{% endfor %}{% endfor %}x";

    // A caseworker's letter text is filled, never run.
    let started = Instant::now();
    let r = api
        .post(&format!("/api/v1/cases/{k}/letters"), json!({"body": bomb}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(
        r.body.to_string().contains("Only merge fields"),
        "{:?}",
        r.body
    );
    // Plain merge fields still work for them.
    let ok = api
        .post(
            &format!("/api/v1/cases/{k}/letters"),
            json!({"body": "Dear {{ constituent.first_name }}, about {{ case.reference }}."}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{:?}", ok.body);

    // An office manager may write templates, but not endless ones: two at
    // once are both stopped, and the server answers meanwhile.
    let mapi = t.api(&manager);
    let path = format!("/api/v1/cases/{k}/letters");
    let (a, b, health) = tokio::join!(
        mapi.post(&path, json!({"body": bomb})),
        mapi.post(&path, json!({"body": bomb})),
        async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let at = Instant::now();
            let r = reqwest::get(t.url("/healthz")).await.unwrap();
            (r.status(), at.elapsed())
        }
    );
    for r in [a, b] {
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
        assert!(r.body.to_string().contains("too much work"), "{:?}", r.body);
    }
    assert_eq!(health.0, StatusCode::OK);
    assert!(
        health.1 < Duration::from_secs(2),
        "healthz took {:?}",
        health.1
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );

    // A volunteer cannot try out template text in the editor.
    let b = t.browser();
    b.sign_in(&volunteer.email, PASSWORD).await;
    let csrf = b.csrf().await;
    let preview = b
        .post(
            "/templates",
            &[
                ("csrf", &csrf),
                ("name", "x"),
                ("subject", ""),
                ("body", bomb),
                ("version", "0"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(preview.status, StatusCode::FORBIDDEN, "{}", preview.html);
}

async fn a_big_form_is_refused_as_it_arrives_and_a_forged_one_before_it_is_read(t: TestApp) {
    let office = t.office("Office").await;
    let volunteer = t.user(office, Role::Volunteer).await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let c = api.constituent("Ada", "Example").await;
    let k = api.case(c, json!({})).await["id"].as_i64().unwrap();
    let b = t.browser();
    b.sign_in(&volunteer.email, PASSWORD).await;
    let csrf = b.csrf().await;
    let url = t.url(&format!("/cases/{k}/emails"));
    let big = "x".repeat(5 * 1024 * 1024);

    // No CSRF token first: refused before the rest is read.
    let forged = b
        .client
        .post(&url)
        .multipart(
            Form::new()
                .text("body", big.clone())
                .text("csrf", csrf.clone()),
        )
        .send()
        .await;
    refused_early(forged, StatusCode::FORBIDDEN).await;

    // With the token, a text field of 5 MB is refused as it streams.
    let long = b
        .client
        .post(&url)
        .multipart(
            Form::new()
                .text("csrf", csrf.clone())
                .text("subject", "Hello")
                .text("body", big),
        )
        .send()
        .await;
    let text = refused_early(long, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(text.is_empty() || text.contains("more than 1 MB"), "{text}");

    // A body over the limit for a message is refused too, whatever its parts.
    let backend = t.backend;
    let settings = Settings {
        max_message_bytes: 1024 * 1024,
        ..Settings::default()
    };
    let small = TestApp::spawn_with(backend, settings).await;
    let office = small.office("Office").await;
    let cw = small.user(office, Role::Caseworker).await;
    let api = small.api(&cw);
    let c = api.constituent("Ada", "Example").await;
    let k = api.case(c, json!({})).await["id"].as_i64().unwrap();
    let b = small.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let csrf = b.csrf().await;
    let huge = b
        .client
        .post(small.url(&format!("/cases/{k}/emails")))
        .multipart(
            Form::new()
                .text("csrf", csrf)
                .text("subject", "Hello")
                .text("body", "Hello")
                .part(
                    "files",
                    Part::bytes(vec![7u8; 4 * 1024 * 1024]).file_name("big.bin"),
                ),
        )
        .send()
        .await;
    let text = refused_early(huge, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        text.is_empty() || text.contains("Nothing was kept or sent"),
        "{text}"
    );
    let sent = api
        .get(&format!("/api/v1/cases/{k}/correspondence"))
        .await
        .body;
    assert_eq!(sent["items"].as_array().map(Vec::len), Some(0), "{sent}");
}

/// The server refused with `status`, or stopped reading the body and
/// closed the connection before the client had sent it all (it answers as
/// soon as it knows; the client may still be writing).
async fn refused_early(res: reqwest::Result<reqwest::Response>, status: StatusCode) -> String {
    match res {
        Ok(r) => {
            assert_eq!(r.status(), status);
            r.text().await.unwrap_or_default()
        }
        Err(e) => {
            assert!(e.is_request(), "{e:?}");
            String::new()
        }
    }
}

/// An email whose text holds a bare CR (the shape of SMTP smuggling:
/// "\r.\r\n" then a command) reaches a real SMTP server with CRLF line
/// endings only, its smuggled "command" plain text inside the one message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outgoing_mail_reaches_the_server_with_crlf_line_endings_only() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let sink = crate::harness::SmtpSink::start_raw().await;
        let t = crate::harness::app_with_sink(&sink, backend).await;
        let office = t.office("Office").await;
        let cw = t.user(office, Role::Caseworker).await;
        let api = t.api(&cw);
        let c = api
            .post(
                "/api/v1/constituents",
                json!({"first_name": "Ada", "last_name": "Example", "email": "ada@example.org"}),
            )
            .await
            .body["id"]
            .as_i64()
            .unwrap();
        let k = api.case(c, json!({})).await["id"].as_i64().unwrap();
        let body = "hello\r.\r\nMAIL FROM:<x@evil.example>\r\nRCPT TO:<y@evil.example>\rlast\nline";
        let sent = api
            .post(
                &format!("/api/v1/cases/{k}/emails"),
                json!({"subject": "Hello\r\nBcc: y@evil.example", "body": body}),
            )
            .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
        assert_eq!(casework_app::outbox::deliver_due(&t.app).await.unwrap(), 1);
        let received = sink.raw_messages();
        assert_eq!(received.len(), 1, "one message, nothing smuggled beside it");
        let raw = &received[0];
        for (i, b) in raw.iter().enumerate() {
            if *b == b'\r' {
                assert_eq!(raw.get(i + 1), Some(&b'\n'), "bare CR at byte {i}");
            }
            if *b == b'\n' {
                assert_eq!(
                    i.checked_sub(1).map(|j| raw[j]),
                    Some(b'\r'),
                    "bare LF at byte {i}"
                );
            }
        }
        let text = String::from_utf8_lossy(raw);
        assert!(!text.contains("\r\nBcc:"), "{text}");
        assert!(
            text.contains("MAIL FROM:<x@evil.example>"),
            "the text is kept, as text: {text}"
        );
    }
}

async fn api_documents_up_to_the_message_limit_are_accepted(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let c = api.constituent("Ada", "Example").await;
    let k = api.case(c, json!({})).await["id"].as_i64().unwrap();
    let scan = vec![42u8; 5 * 1024 * 1024];
    let res = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/cases/{k}/documents")))
        .bearer_auth(&cw.token)
        .multipart(
            Form::new()
                .text("kind", "post")
                .text("body", "The signed consent form, scanned.")
                .part("file", Part::bytes(scan.clone()).file_name("consent.pdf")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
}

async fn signing_out_everywhere_revokes_api_tokens_too(t: TestApp) {
    let office = t.office("Office").await;
    let admin = t.user(office, Role::Admin).await;
    let cw = t.user(office, Role::Caseworker).await;
    assert_eq!(t.api(&cw).get("/api/v1/cases").await.status, StatusCode::OK);
    let b = t.browser();
    b.sign_in(&admin.email, PASSWORD).await;
    let csrf = b.csrf().await;
    let done = b
        .post(
            &format!("/admin/users/{}/sessions/revoke", cw.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = b.get(&done.location).await;
    assert!(
        page.html.contains("every API token revoked"),
        "{}",
        page.html
    );
    assert!(
        page.html.contains("Signed out everywhere"),
        "recorded: {}",
        page.html
    );
    assert_eq!(
        t.api(&cw).get("/api/v1/cases").await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn bidirectional_controls_are_removed_from_names(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let api = t.api(&cw);
    let r = api
        .post(
            "/api/v1/constituents",
            json!({"first_name": "\u{202E}fdp.exe", "last_name": "Had\u{2067}dad\u{2069}"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["first_name"], "fdp.exe");
    assert_eq!(r.body["last_name"], "Haddad");
    let c = r.body["id"].as_i64().unwrap();
    let k = api.case(c, json!({})).await["id"].as_i64().unwrap();
    let res = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/cases/{k}/documents")))
        .bearer_auth(&cw.token)
        .multipart(Form::new().text("kind", "post").text("body", "Scan").part(
            "file",
            Part::bytes(b"MZ".to_vec()).file_name("invoice\u{202E}fdp.exe"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let m = api.get(&format!("/api/v1/correspondence/{id}")).await.body;
    assert_eq!(m["attachments"][0]["filename"], "invoicefdp.exe");
}

/// The secret shown on the set-up page (grouped by four).
fn secret_on(html: &str) -> String {
    let marker = "id=\"secret\">";
    let i = html.find(marker).expect("the secret is shown") + marker.len();
    let end = html[i..].find('<').unwrap();
    html[i..i + end].replace(' ', "")
}

fn code(secret: &str, shift_seconds: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    casework_app::two_factor::code_at(secret, now + shift_seconds * 1000).unwrap()
}

async fn sign_in_with_code(t: &TestApp, user: &TestUser, code: &str) -> crate::harness::Page {
    let b = t.browser();
    let first = b.sign_in(&user.email, PASSWORD).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert!(
        first.location.starts_with("/login/two-factor"),
        "{}",
        first.location
    );
    // Not signed in yet.
    assert!(b.get("/cases").await.location.starts_with("/login"));
    let form = b.get(&first.location).await;
    b.post(
        "/login/two-factor",
        &[("csrf", &form.csrf()), ("code", code), ("next", "/cases")],
    )
    .await
}

async fn two_factor_sign_in_with_an_app_and_recovery_codes(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let admin = t.user(office, Role::Admin).await;
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let setup = b.get("/account/two-factor").await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(setup.html.contains("<svg"), "a QR code");
    let secret = secret_on(&setup.html);
    let wrong = b
        .post(
            "/account/two-factor",
            &[("csrf", &setup.csrf()), ("code", "123456")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        secret_on(&wrong.html),
        secret,
        "the same secret, to try again"
    );
    let done = b
        .post(
            "/account/two-factor",
            &[("csrf", &setup.csrf()), ("code", &code(&secret, 0))],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    let codes: Vec<String> = done
        .html
        .match_indices("<li><code>")
        .map(|(i, _)| done.html[i + 10..i + 21].to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{}", done.html);

    // Signing in now needs a code: a wrong one is refused, the right one works.
    let wrong = sign_in_with_code(&t, &cw, "000000").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("That code is not right"));
    // The code used to set up was of this time step: the next step's works.
    let ok = sign_in_with_code(&t, &cw, &code(&secret, 30)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
    assert_eq!(ok.location, "/cases");
    // The same code twice is refused (it could have been seen).
    let replay = sign_in_with_code(&t, &cw, &code(&secret, 30)).await;
    assert_eq!(replay.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A lost phone: a recovery code signs in once, and is recorded.
    let rescue = sign_in_with_code(&t, &cw, &codes[0].to_uppercase()).await;
    assert_eq!(rescue.status, StatusCode::SEE_OTHER, "{}", rescue.html);
    let again = sign_in_with_code(&t, &cw, &codes[0]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "used up");

    // New recovery codes need a current code (a minute on, so a step not
    // yet used): the old ones stop working, the new ones work.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let later = t.app_with_clock(casework_app::ManualClock::new(now + 90_000));
    let actor = t.actor(&cw).await;
    let current = casework_app::two_factor::code_at(&secret, now + 90_000).unwrap();
    let renewed = casework_app::two_factor::renew_recovery_codes(&later, &actor, &current)
        .await
        .unwrap();
    assert_eq!(renewed.len(), 10);
    // Four wrong codes so far (one while setting up, a wrong one, a
    // replay, a used recovery code); the old recovery code is the fifth.
    let old = sign_in_with_code(&t, &cw, &codes[2]).await;
    assert_eq!(
        old.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "old codes stop working"
    );
    // Guessing is slowed: after five wrong codes, the next attempt waits.
    let slowed = sign_in_with_code(&t, &cw, &renewed[0]).await;
    assert_eq!(
        slowed.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        slowed.html
    );

    // The administrator resets it; it is recorded with who did it.
    let a = t.browser();
    a.sign_in(&admin.email, PASSWORD).await;
    let csrf = a.csrf().await;
    let reset = a
        .post(
            &format!("/admin/users/{}/two-factor/reset", cw.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    let page = a.get(&format!("/admin/users/{}", cw.id)).await;
    for event in [
        "Two-factor sign-in set up",
        "Signed in with a recovery code",
        "Two-factor sign-in reset",
    ] {
        assert!(page.html.contains(event), "{event}: {}", page.html);
    }
    assert!(page.html.contains(&admin_name(&t, &admin).await));
    // And the password alone signs in again.
    assert_eq!(t.browser().sign_in(&cw.email, PASSWORD).await.location, "/");
}

/// The ceremony itself needs a browser's authenticator: the browser test
/// adds a key and signs in with it. Here, the refusals.
async fn security_keys_come_after_the_app_and_need_a_host_name(t: TestApp) {
    let office = t.office("Office").await;
    let cw = t.user(office, Role::Caseworker).await;
    let b = t.browser();
    b.sign_in(&cw.email, PASSWORD).await;
    let csrf = b.csrf().await;
    let first = b
        .post("/account/security-keys/begin", &[("csrf", &csrf)])
        .await;
    assert_eq!(first.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        first.html.contains("Set up the authenticator app first"),
        "{}",
        first.html
    );

    let setup = b.get("/account/two-factor").await;
    let secret = secret_on(&setup.html);
    b.post(
        "/account/two-factor",
        &[("csrf", &setup.csrf()), ("code", &code(&secret, 0))],
    )
    .await;
    // This test server is reached as 127.0.0.1: keys are bound to names.
    let by_address = b
        .post("/account/security-keys/begin", &[("csrf", &csrf)])
        .await;
    assert_eq!(by_address.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        by_address.html.contains("reached by a name"),
        "{}",
        by_address.html
    );
    // A made-up answer, with no ceremony under way, adds nothing.
    let forged = b
        .post(
            "/account/security-keys/finish",
            &[("csrf", &csrf), ("name", "Mine"), ("credential", "{}")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(forged.html.contains("was not accepted"), "{}", forged.html);
    assert!(!b.get("/account").await.html.contains("Mine: added"));
    // A forged script request without the session's token is refused.
    let no_token = b
        .post("/account/security-keys/begin", &[("csrf", "x")])
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
}

async fn admin_name(t: &TestApp, admin: &TestUser) -> String {
    t.actor(admin).await.display_name
}

async fn an_office_that_requires_two_factor_has_everyone_set_it_up(t: TestApp) {
    let office = t.office("Office").await;
    let admin = t.user(office, Role::Admin).await;
    let cw = t.user(office, Role::Caseworker).await;
    let a = t.browser();
    a.sign_in(&admin.email, PASSWORD).await;
    let csrf = a.csrf().await;
    let saved = a
        .post("/admin/two-factor", &[("csrf", &csrf), ("require", "on")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);

    let b = t.browser();
    let first = b.sign_in(&cw.email, PASSWORD).await;
    assert!(
        first.location.starts_with("/login/enrol"),
        "{}",
        first.location
    );
    assert!(
        b.get("/cases").await.location.starts_with("/login"),
        "not signed in yet"
    );
    let setup = b.get(&first.location).await;
    assert!(setup.html.contains("Your office requires"));
    let secret = secret_on(&setup.html);
    let done = b
        .post(
            "/login/enrol",
            &[
                ("csrf", &setup.csrf()),
                ("code", &code(&secret, 0)),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(done.html.contains("recovery codes"));
    assert_eq!(
        b.get("/cases?view=mine").await.status,
        StatusCode::OK,
        "signed in"
    );
    // It cannot be turned off while the office requires it.
    let csrf = b.csrf().await;
    let off = b
        .post(
            "/account/two-factor/off",
            &[("csrf", &csrf), ("code", &code(&secret, 30))],
        )
        .await;
    assert_eq!(off.status, StatusCode::FORBIDDEN);
}

/// Silent connections, half-sent headers and stalled bodies are closed, and
/// no more than the cap are open at once: the server keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_half_open_connections_are_closed() {
    let web = casework_web::WebConfig {
        limits: casework_web::ConnectionLimits {
            max_connections: 8,
            header_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(1),
            body_timeout: Duration::from_secs(1),
        },
        ..Default::default()
    };
    let t = TestApp::spawn_web(Backend::Sqlite, Settings::default(), web).await;
    let addr = t.base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for i in 0..30 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        match i % 3 {
            0 => {}
            1 => s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap(),
            _ => s
                .write_all(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nemail=")
                .await
                .unwrap(),
        }
        held.push(s);
    }
    // Three times the cap are held open; the server still answers within a
    // few seconds, as the silent ones are closed.
    let started = Instant::now();
    let health = tokio::time::timeout(Duration::from_secs(10), reqwest::get(t.url("/healthz")))
        .await
        .expect("healthz answers while silent connections are held")
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // And each held connection has been closed by the server.
    for (i, mut s) in held.into_iter().enumerate() {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await;
        assert!(read.is_ok(), "connection {i} was left open");
    }
}

/// No more than the cap are served at once: with both slots held by silent
/// connections, a request waits until the header timeout frees one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_for_a_slot() {
    let web = casework_web::WebConfig {
        limits: casework_web::ConnectionLimits {
            max_connections: 2,
            header_timeout: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
        },
        ..Default::default()
    };
    let t = TestApp::spawn_web(Backend::Sqlite, Settings::default(), web).await;
    let addr = t.base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    // Let the server take both into its slots.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let health = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
        .get(t.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1200) && waited < Duration::from_secs(6),
        "answered after {waited:?}: it should wait for a slot, freed by the 2 s header timeout"
    );
}
