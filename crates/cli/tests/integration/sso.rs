//! Single sign-on through the office's identity provider: a real OpenID
//! Connect provider (the certified `oidc-provider` from npm, in
//! tests/oidc) started by the test, on both databases.

use crate::harness::{Backend, TestApp, TestUser, cookie_client as browser, free_port};
use crate::on_both_backends;
use casework_app::Settings;
use casework_app::domain::Role;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

on_both_backends!(staff_sign_in_through_the_office_identity_provider);

/// The test provider, stopped when dropped.
struct Provider {
    _child: tokio::process::Child,
}

impl Provider {
    async fn start(port: u16, redirect_uri: &str, accounts: serde_json::Value) -> Provider {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/oidc");
        assert!(
            std::path::Path::new(dir)
                .join("node_modules/oidc-provider")
                .exists(),
            "the test identity provider is not installed: run `npm ci` in tests/oidc (scripts/test does)"
        );
        let mut child = tokio::process::Command::new("node")
            .arg(format!("{dir}/provider.mjs"))
            .env("OIDC_PORT", port.to_string())
            .env("OIDC_CLIENT_ID", "casework-test")
            .env("OIDC_CLIENT_SECRET", "casework-test-secret")
            .env("OIDC_REDIRECT_URI", redirect_uri)
            .env("OIDC_ACCOUNTS", accounts.to_string())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs the test identity provider");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the provider starts within 30 s")
            .unwrap()
            .unwrap_or_default();
        assert!(ready.starts_with("READY "), "{ready}");
        Provider { _child: child }
    }
}

/// Follows redirects from `start` through the provider until it sends the
/// browser back to Casework's callback; returns that callback address.
async fn to_callback(client: &reqwest::Client, app: &TestApp, start: &str) -> String {
    let mut url = reqwest::Url::parse(&app.url(start)).unwrap();
    for _ in 0..10 {
        let res = client.get(url.clone()).send().await.unwrap();
        assert!(res.status().is_redirection(), "{url}: {}", res.status());
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        url = url.join(&location).unwrap();
        if url.path() == "/login/sso/callback" {
            return url.to_string();
        }
    }
    panic!("the provider never sent the browser back");
}

async fn sign_in_via_provider(app: &TestApp, hint: &str) -> (reqwest::Client, reqwest::Response) {
    let client = browser();
    let callback = to_callback(
        &client,
        app,
        &format!("/login/sso?next=%2Fcases%3Fview%3Dmine&login_hint={hint}"),
    )
    .await;
    let res = client.get(callback).send().await.unwrap();
    (client, res)
}

async fn staff_sign_in_through_the_office_identity_provider(t: TestApp) {
    let backend = t.backend;
    drop(t);
    let port = free_port();
    let settings = Settings {
        sso: casework_app::sso::SsoSettings {
            issuer: format!("http://127.0.0.1:{port}"),
            client_id: "casework-test".into(),
            client_secret: "casework-test-secret".into(),
            label: "Sign in with Office 365".into(),
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with(backend, settings).await;
    let office = app.office("Office").await;
    let cw: TestUser = app.user(office, Role::Caseworker).await;
    let _provider = Provider::start(
        port,
        &app.url("/login/sso/callback"),
        json!([
            {"sub": "1", "email": cw.email.to_uppercase(), "email_verified": true, "name": "Case Worker"},
            {"sub": "2", "email": "stranger@example.org", "email_verified": true, "name": "Stranger"},
            {"sub": "3", "email": "unverified@example.org", "email_verified": false, "name": "Unverified"},
        ]),
    )
    .await;

    // The sign-in page offers it.
    let login = app.browser().get("/login").await;
    assert!(
        login.html.contains("Sign in with Office 365"),
        "{}",
        login.html
    );

    // A member of staff: matched by email (whatever its case), signed in,
    // and sent where they were going.
    let (client, res) = sign_in_via_provider(&app, &cw.email).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
    assert_eq!(res.headers()["location"], "/cases?view=mine");
    let mine = client
        .get(app.url("/cases?view=mine"))
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), StatusCode::OK);
    let account = client
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        account.contains("Signed in through the identity provider"),
        "{account}"
    );

    // Someone the provider knows and Casework does not: refused, saying why.
    let (_, res) = sign_in_via_provider(&app, "stranger@example.org").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("No active Casework account has the email stranger@example.org")
    );

    // An email the provider has not verified: refused.
    let (_, res) = sign_in_via_provider(&app, "unverified@example.org").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.unwrap().contains("not verified"));

    // The provider refuses (no such account there): back to the sign-in page.
    let (_, res) = sign_in_via_provider(&app, "nobody@example.org").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.unwrap().contains("did not let you in"));

    // A return delivered to another browser (a sign-in slipped into someone
    // else's) is refused; the one that set out can still use it, once.
    let mine = browser();
    let callback = to_callback(&mine, &app, &format!("/login/sso?login_hint={}", cw.email)).await;
    let other = browser().get(&callback).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
    assert!(other.text().await.unwrap().contains("was not started here"));
    let ok = mine.get(&callback).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let again = mine.get(&callback).send().await.unwrap();
    assert_eq!(
        again.status(),
        StatusCode::UNAUTHORIZED,
        "a return is used once"
    );

    // Without single sign-on set up, its addresses do not exist.
    let plain = TestApp::spawn(backend).await;
    assert_eq!(
        plain.browser().get("/login/sso").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !plain
            .browser()
            .get("/login")
            .await
            .html
            .contains("/login/sso")
    );
}

/// An unreachable provider is a clear message on the sign-in page, not a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_identity_provider_is_a_clear_message() {
    let settings = Settings {
        sso: casework_app::sso::SsoSettings {
            issuer: format!("http://127.0.0.1:{}", free_port()),
            client_id: "casework-test".into(),
            client_secret: "x".into(),
            label: String::new(),
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, settings).await;
    let page = app.browser().get("/login/sso").await;
    assert_eq!(page.status, StatusCode::BAD_GATEWAY);
    assert!(
        page.html.contains("did not answer as expected"),
        "{}",
        page.html
    );
}
