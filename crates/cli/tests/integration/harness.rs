//! Starts the real server on a random port with a fresh database per test,
//! on SQLite or PostgreSQL, and drives it over HTTP.

use casework_app::domain::Role;
use casework_app::staff::NewAccount;
use casework_app::{App, Settings, auth, staff};
use casework_store::{
    ConnectOptions, OfficeData, Scope, Store, create_postgres_schema, drop_postgres_schema,
};
use reqwest::StatusCode;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the tests use; each test gets its own schema in it.
pub fn postgres_url() -> String {
    std::env::var("CASEWORK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub app: App,
    /// The database under the app, for tests that look behind the services.
    pub store: Store,
    pub backend: Backend,
    /// How the database was opened (for a second app server on it).
    opts: ConnectOptions,
    dir: Option<PathBuf>,
    blob_dir: PathBuf,
    schema: Option<String>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    counter: std::sync::atomic::AtomicUsize,
}

/// A staff member with an API token and their password.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i64,
    pub office_id: i64,
    pub email: String,
    pub token: String,
    pub role: Role,
}

/// A name no other test of this run uses (for temporary folders).
pub fn unique() -> String {
    format!("{:x}{:016x}", std::process::id(), rand::random::<u64>())
}

impl TestApp {
    /// A test app whose office has a sending address but no mail server:
    /// email is queued and waits (tests that send use [`SmtpSink`]).
    pub async fn spawn(backend: Backend) -> TestApp {
        let mut settings = Settings::default();
        settings.smtp.from = "Office <office@casework.test>".into();
        Self::spawn_with(backend, settings).await
    }

    pub async fn spawn_with(backend: Backend, settings: Settings) -> TestApp {
        Self::spawn_web(backend, settings, casework_web::WebConfig::default()).await
    }

    /// With web settings of the test's own (trusted proxies, connection limits).
    pub async fn spawn_web(
        backend: Backend,
        settings: Settings,
        web: casework_web::WebConfig,
    ) -> TestApp {
        let (opts, dir, schema) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("casework-test-{}", unique()));
                std::fs::create_dir_all(&dir).unwrap();
                (
                    ConnectOptions::new(format!("sqlite:{}", dir.join("casework.db").display())),
                    Some(dir),
                    None,
                )
            }
            Backend::Postgres => {
                let schema = format!("test_{}", unique());
                create_postgres_schema(&postgres_url(), &schema)
                    .await
                    .expect("PostgreSQL must be running for the tests (see README: Tests)");
                let mut o = ConnectOptions::new(postgres_url());
                o.schema = Some(schema.clone());
                o.max_connections = 8;
                (o, None, Some(schema))
            }
        };
        let store = Store::open(&opts).await.expect("open the test database");
        let opened = opts.clone();
        // `blobs/` in a data folder, where the binary looks for it.
        let blob_dir = std::env::temp_dir()
            .join(format!("casework-data-{}", unique()))
            .join("blobs");
        // As deployed: files in a folder on SQLite, in the database on PostgreSQL.
        let files = match backend {
            Backend::Sqlite => casework_store::blobs::Files::folder(&blob_dir),
            Backend::Postgres => casework_store::blobs::Files::database(store.clone(), None),
        };
        let app = App::new(store.clone(), files, settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = app.clone();
        tokio::spawn(async move {
            casework_web::serve(served, web, listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        let t = TestApp {
            base: format!("http://{addr}"),
            app,
            store,
            backend,
            opts: opened,
            dir,
            blob_dir,
            schema,
            shutdown: Some(tx),
            counter: Default::default(),
        };
        // Ready when /healthz answers: the readiness signal, no sleeping.
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = client.get(t.url("/healthz")).send().await
                && r.status() == StatusCode::OK
            {
                return t;
            }
            tokio::task::yield_now().await;
        }
        panic!("the server did not become ready");
    }

    /// All of an office's data, as background work sees it (for checks).
    pub fn data(&self, office_id: i64) -> OfficeData {
        self.store.office_data(Scope::office(office_id))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The PostgreSQL schema the test's tables are in.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The data folder as the `casework` binary is told it (`--data-dir`):
    /// it holds `blobs/`, the files' folder on SQLite.
    pub fn data_dir(&self) -> PathBuf {
        self.blob_dir
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| self.blob_dir.clone())
    }

    /// The database as the `casework` binary is told it (`--database-url`).
    pub fn database_url(&self) -> String {
        match &self.opts.schema {
            Some(schema) => format!("{}?options=-c%20search_path%3D{schema}", postgres_url()),
            None => self.opts.url.clone(),
        }
    }

    /// Another app server on the same database (its own connections),
    /// with the same settings and attachment store.
    pub async fn second_app(&self) -> (App, Store) {
        let store = Store::open(&self.opts)
            .await
            .expect("open the test database again");
        let app = App::new(
            store.clone(),
            self.app.files.clone(),
            self.app.settings.clone(),
        );
        (app, store)
    }

    /// This app on the same database, with time from `clock`.
    pub fn app_with_clock(&self, clock: casework_app::ManualClock) -> App {
        App::with_clock(
            self.store.clone(),
            self.app.files.clone(),
            self.app.settings.clone(),
            std::sync::Arc::new(clock),
        )
    }

    /// Creates an office with a unique name.
    pub async fn office(&self, name: &str) -> i64 {
        staff::create_office(
            &self.app,
            &format!("{name} {}", unique()),
            casework_app::domain::tags::Starter::Federal,
        )
        .await
        .unwrap()
        .id
    }

    /// Creates a user of `role` in `office_id`, with an API token.
    pub async fn user(&self, office_id: i64, role: Role) -> TestUser {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let email = format!("{}-{n}-{}@example.org", role.as_str(), unique());
        let u = staff::create_user(
            &self.app,
            None,
            office_id,
            &NewAccount {
                email: email.clone(),
                display_name: format!("{} {n}", role.label()),
                role: role.as_str().into(),
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
        let token = auth::create_api_token_for(&self.app, &email, "tests")
            .await
            .unwrap();
        TestUser {
            id: u.id,
            office_id,
            email,
            token,
            role,
        }
    }

    /// The application's view of a user (for calling services directly).
    pub async fn actor(&self, user: &TestUser) -> casework_app::Actor {
        casework_app::auth::token_actor(&self.app, &user.token)
            .await
            .unwrap()
    }

    /// Saves a letter template as `by` (an office manager); returns its id.
    pub async fn template(
        &self,
        by: &TestUser,
        name: &str,
        subject: &str,
        body: &str,
        signed_by_representative: bool,
    ) -> i64 {
        let actor = self.actor(by).await;
        casework_app::letters::save_template(
            &self.app,
            &actor,
            None,
            0,
            name,
            subject,
            body,
            signed_by_representative,
        )
        .await
        .unwrap()
    }

    pub fn api(&self, user: &TestUser) -> Api {
        Api {
            base: self.base.clone(),
            token: user.token.clone(),
            client: reqwest::Client::new(),
        }
    }

    /// A browser-like client with a cookie jar that does not follow redirects.
    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            client: cookie_client(),
        }
    }
}

/// An HTTP client with a cookie jar that does not follow redirects.
pub fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        let _ = std::fs::remove_dir_all(self.data_dir());
        if let Some(schema) = self.schema.take() {
            // Drop the schema from a separate thread: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let _ = rt.block_on(drop_postgres_schema(&postgres_url(), &schema));
            })
            .join();
        }
    }
}

/// A JSON API client authenticated with a bearer token.
pub struct Api {
    pub base: String,
    pub token: String,
    pub client: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    /// The error code of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl Api {
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body }
    }
    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None, &[]).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body), &[])
            .await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::PATCH, path, Some(body), &[])
            .await
    }

    /// Creates a constituent and returns its id.
    pub async fn constituent(&self, first: &str, last: &str) -> i64 {
        let r = self
            .post("/api/v1/constituents", serde_json::json!({"first_name": first, "last_name": last, "email": format!("{}.{}@example.net", first.to_lowercase(), last.to_lowercase()), "postcode": "R2C 1A1", "address": "1 Elm Street"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.body["id"].as_i64().unwrap()
    }

    /// Makes a letter on a case (`{"body": …}` or `{"template": …}`) and
    /// returns its id.
    pub async fn letter(&self, case_id: impl std::fmt::Display, body: Value) -> i64 {
        let r = self
            .post(&format!("/api/v1/cases/{case_id}/letters"), body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.body["id"].as_i64().unwrap()
    }

    /// Opens a case and returns its JSON.
    pub async fn case(&self, constituent_id: i64, extra: Value) -> Value {
        let mut body = serde_json::json!({"constituent_id": constituent_id, "title": "Passport delayed", "category": "Passports", "level": "federal", "agency": "Passport Program"});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        let r = self.post("/api/v1/cases", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.body
    }
}

/// A cookie-keeping HTML client.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
}

pub struct Page {
    pub status: StatusCode,
    pub location: String,
    pub content_type: String,
    pub html: String,
}

impl Page {
    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self
            .html
            .find(marker)
            .map(|i| i + marker.len())
            .expect("a csrf field");
        self.html[start..start + 64].to_owned()
    }
}

impl Browser {
    pub async fn get(&self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .unwrap();
        Self::page(res).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let res = self
            .client
            .post(format!("{}{}", self.base, path))
            .form(form)
            .send()
            .await
            .unwrap();
        Self::page(res).await
    }

    /// Posts a page form with one file (`multipart/form-data`, the CSRF
    /// token first as the pages send it).
    pub async fn post_file(
        &self,
        path: &str,
        csrf: &str,
        field: &str,
        name: &str,
        bytes: &[u8],
    ) -> Page {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_owned())
            .part(
                field.to_owned(),
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
            );
        self.send_multipart(path, form).await
    }

    /// Posts a page form as `multipart/form-data` (as forms that may carry
    /// files are sent), text fields only.
    pub async fn post_multipart(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        self.send_multipart(path, form).await
    }

    async fn send_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Page {
        let res = self
            .client
            .post(format!("{}{}", self.base, path))
            .multipart(form)
            .send()
            .await
            .unwrap();
        Self::page(res).await
    }

    pub async fn page(res: reqwest::Response) -> Page {
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let (location, content_type) = (header("location"), header("content-type"));
        Page {
            status: res.status(),
            location,
            content_type,
            html: res.text().await.unwrap(),
        }
    }

    /// Signs in through the login form; returns the response to the post.
    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = form.csrf();
        self.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    /// The CSRF token of the signed-in session (read from any page's forms).
    pub async fn csrf(&self) -> String {
        self.get("/account").await.csrf()
    }
}

/// Runs each named `async fn(TestApp)` on SQLite and on PostgreSQL, as
/// `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::harness::{Backend, TestApp};
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(TestApp::spawn(Backend::Sqlite).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(TestApp::spawn(Backend::Postgres).await).await;
            }
        }
    )*};
}

/// A test app that sends through this SMTP sink.
pub async fn app_with_sink(sink: &SmtpSink, backend: Backend) -> TestApp {
    TestApp::spawn_with(
        backend,
        Settings {
            smtp: sink.settings(),
            ..Settings::default()
        },
    )
    .await
}

/// Runs each named `async fn(TestApp, SmtpSink)` on SQLite and on
/// PostgreSQL, each with its own SMTP sink.
#[macro_export]
macro_rules! with_sink {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::harness::{Backend, SmtpSink, app_with_sink};
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let sink = SmtpSink::start().await;
                super::$name(app_with_sink(&sink, Backend::Sqlite).await, sink).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let sink = SmtpSink::start().await;
                super::$name(app_with_sink(&sink, Backend::Postgres).await, sink).await;
            }
        }
    )*};
}

/// A throwaway certificate authority and a certificate for `localhost`
/// signed by it (with `openssl`), for mail servers with a private certificate.
pub struct TestCerts {
    pub dir: PathBuf,
    /// The authority's certificate, PEM: what Casework is told to trust.
    pub ca_pem: String,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TestCerts {
    pub fn make() -> TestCerts {
        let dir = std::env::temp_dir().join(format!("casework-certs-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        let openssl = |args: &[&str]| {
            let out = std::process::Command::new("openssl")
                .args(args)
                .current_dir(&dir)
                .output()
                .expect("openssl");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Casework Test CA",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ]);
        TestCerts {
            ca_pem: std::fs::read_to_string(dir.join("ca.pem")).unwrap(),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
            dir,
        }
    }
}

impl Drop for TestCerts {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real SMTP server (Python's aiosmtpd) that stores what it receives in
/// a Maildir, for tests of sending.
pub struct SmtpSink {
    pub port: u16,
    pub dir: PathBuf,
    child: std::process::Child,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::start_with(None).await
    }

    /// With certificates, the server offers STARTTLS and requires it.
    pub async fn start_with(tls: Option<&TestCerts>) -> SmtpSink {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("casework-smtp-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = std::process::Command::new("python3");
        cmd.args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")]);
        if let Some(c) = tls {
            cmd.arg("--tlscert")
                .arg(&c.cert)
                .arg("--tlskey")
                .arg(&c.key);
        }
        cmd.args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.join("Maildir"));
        Self::run(cmd, port, dir).await
    }

    /// A server that requires STARTTLS and then a login as `user` with
    /// `password` before it takes any mail.
    pub async fn start_with_login(tls: &TestCerts, user: &str, password: &str) -> SmtpSink {
        const SERVER: &str = r#"
import ssl, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword
port, maildir, cert, key, user, password = sys.argv[1:7]
def check(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login == user.encode() and data.password == password.encode()
    # An explicit refusal: without one, aiosmtpd 1.4 leaves the client waiting.
    return AuthResult(success=ok, handled=False, message=None if ok else "535 5.7.8 Authentication credentials invalid")
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), tls_context=ctx,
           require_starttls=True, authenticator=check, auth_required=True).start()
threading.Event().wait()
"#;
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("casework-smtp-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = std::process::Command::new("python3");
        cmd.args(["-c", SERVER, &port.to_string()])
            .arg(dir.join("Maildir"))
            .arg(&tls.cert)
            .arg(&tls.key)
            .args([user, password]);
        Self::run(cmd, port, dir).await
    }

    /// A server that keeps each message's bytes exactly as they came over
    /// the wire (after SMTP's dot-unstuffing), for tests of line endings.
    pub async fn start_raw() -> SmtpSink {
        const SERVER: &str = r#"
import os, sys, threading
from aiosmtpd.controller import Controller
port, out = sys.argv[1:3]
os.makedirs(out, exist_ok=True)
class Raw:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Raw.n += 1
        with open(os.path.join(out, "%06d.eml" % Raw.n), "wb") as f:
            f.write(envelope.original_content)
        return "250 OK"
Controller(Raw(), hostname="127.0.0.1", port=int(port)).start()
threading.Event().wait()
"#;
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("casework-smtp-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = std::process::Command::new("python3");
        cmd.args(["-c", SERVER, &port.to_string()])
            .arg(dir.join("raw"));
        Self::run(cmd, port, dir).await
    }

    /// What [`Self::start_raw`] received, oldest first.
    pub fn raw_messages(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.join("raw"))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort();
        files.iter().map(|f| std::fs::read(f).unwrap()).collect()
    }

    async fn run(mut cmd: std::process::Command, port: u16, dir: PathBuf) -> SmtpSink {
        let mut child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd; .ci/run installs it)");
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return SmtpSink { port, dir, child };
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the SMTP sink did not start");
    }

    pub fn settings(&self) -> casework_mail::outgoing::SmtpSettings {
        casework_app::mail_settings(
            "127.0.0.1",
            self.port,
            "",
            "",
            "none",
            "Riverside Office <office@riverside.example>",
        )
    }

    /// Every message received so far, as raw bytes, oldest first.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<_> = ["new", "cur"]
            .iter()
            .flat_map(|d| {
                std::fs::read_dir(self.dir.join("Maildir").join(d))
                    .into_iter()
                    .flatten()
            })
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A real IMAP server (Debian's Dovecot) with one mailbox, configured in a
/// temporary folder on a free port, for tests of fetching.
pub struct ImapServer {
    pub port: u16,
    /// With certificates: the port that speaks TLS from the start (IMAPS);
    /// `port` then offers STARTTLS.
    pub tls_port: u16,
    pub username: String,
    pub password: String,
    dir: PathBuf,
    child: std::process::Child,
}

impl ImapServer {
    pub async fn start() -> ImapServer {
        Self::start_with(None).await
    }

    pub async fn start_with(tls: Option<&TestCerts>) -> ImapServer {
        let port = free_port();
        let tls_port = if tls.is_some() { free_port() } else { 0 };
        let dir = std::env::temp_dir().join(format!("casework-imap-{}", unique()));
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        // Mail belongs to Dovecot's own user: it refuses to run mail processes as root.
        let _ = std::process::Command::new("chown")
            .args(["dovecot:dovecot"])
            .arg(dir.join("mail"))
            .status();
        let d = dir.display();
        let ssl = match tls {
            Some(c) => format!(
                "ssl = yes\nssl_cert = <{}\nssl_key = <{}",
                c.cert.display(),
                c.key.display()
            ),
            None => "ssl = no".to_owned(),
        };
        let imaps = if tls.is_some() {
            format!(
                "  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n    ssl = yes\n  }}"
            )
        } else {
            "  inet_listener imaps {\n    port = 0\n  }".to_owned()
        };
        let config = format!(
            "protocols = imap\nlisten = 127.0.0.1\nbase_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/dovecot.log\n\
             {ssl}\ndisable_plaintext_auth = no\nfirst_valid_uid = 1\nauth_mechanisms = plain login\nmail_location = maildir:{d}/mail/%u\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid=dovecot gid=dovecot home={d}/mail/%u\n}}\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  {imaps}\n}}\n\
             service anvil {{\n  chroot =\n}}\n"
        );
        std::fs::write(dir.join("dovecot.conf"), config).unwrap();
        let (username, password) = ("office".to_owned(), "imap-secret-1".to_owned());
        std::fs::write(
            dir.join("passwd"),
            format!("{username}:{{PLAIN}}{password}\n"),
        )
        .unwrap();
        let mut child = std::process::Command::new("dovecot")
            .args(["-F", "-c"])
            .arg(dir.join("dovecot.conf"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("Dovecot (apt-get install dovecot-imapd; .ci/run installs it)");
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return ImapServer {
                    port,
                    tls_port,
                    username,
                    password,
                    dir,
                    child,
                };
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "Dovecot did not start: {}",
            std::fs::read_to_string(dir.join("dovecot.log")).unwrap_or_default()
        );
    }

    pub fn settings(&self) -> casework_mail::imap::ImapSettings {
        casework_mail::imap::ImapSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            username: self.username.clone(),
            password: self.password.clone(),
            tls: "none".into(),
            folder: "INBOX".into(),
            ca_pem: String::new(),
        }
    }

    /// Delivers a message into the mailbox with IMAP APPEND (Python's imaplib).
    pub fn append(&self, raw: &[u8]) {
        let script = "import imaplib,sys\nm=imaplib.IMAP4('127.0.0.1',int(sys.argv[1]))\nm.login(sys.argv[2],sys.argv[3])\nr=m.append('INBOX',None,None,sys.stdin.buffer.read())\nassert r[0]=='OK',r\nm.logout()\n";
        let mut child = std::process::Command::new("python3")
            .args([
                "-c",
                script,
                &self.port.to_string(),
                &self.username,
                &self.password,
            ])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), raw).unwrap();
        assert!(child.wait().unwrap().success(), "IMAP APPEND failed");
    }

    /// Delivers many messages in one IMAP session (thousands in seconds).
    pub fn append_all(&self, messages: &[Vec<u8>]) {
        let dir = std::env::temp_dir().join(format!("casework-append-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        for (i, m) in messages.iter().enumerate() {
            std::fs::write(dir.join(format!("{i:08}.eml")), m).unwrap();
        }
        let script = "import imaplib,os,sys\nm=imaplib.IMAP4('127.0.0.1',int(sys.argv[1]))\nm.login(sys.argv[2],sys.argv[3])\n\
            for f in sorted(os.listdir(sys.argv[4])):\n  r=m.append('INBOX',None,None,open(os.path.join(sys.argv[4],f),'rb').read())\n  assert r[0]=='OK',r\nm.logout()\n";
        let status = std::process::Command::new("python3")
            .args([
                "-c",
                script,
                &self.port.to_string(),
                &self.username,
                &self.password,
            ])
            .arg(&dir)
            .status()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(status.success(), "IMAP APPEND failed");
    }
}

impl Drop for ImapServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
