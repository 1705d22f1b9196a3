//! Configuration: defaults, then a TOML file, then `CASEWORK_*` environment
//! variables, then command-line flags.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Where the SQLite database and attachments live.
    pub data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://…`; empty means SQLite in `data_dir`.
    pub database_url: String,
    /// Address the web server listens on.
    pub listen: String,
    /// Set when served over HTTPS (directly or behind a proxy): cookies get `Secure`, pages HSTS.
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` header is believed, as
    /// addresses or networks (`["127.0.0.1", "10.0.0.0/8"]`). Empty: the
    /// header is ignored and the client is the connecting address.
    pub trusted_proxies: Vec<String>,
    /// Most HTTP connections open at once; more wait in the listen queue.
    pub max_http_connections: usize,
    /// Seconds a client has to send a request's headers.
    pub header_timeout_seconds: u64,
    /// Seconds an open connection may sit with nothing happening.
    pub idle_timeout_seconds: u64,
    /// Seconds a request body may stall between two pieces.
    pub body_timeout_seconds: u64,
    /// Largest number of database connections per app server (on SQLite,
    /// readers are also capped at two per core, at most 8, plus one writer).
    pub max_connections: u32,
    /// Searches (`/search`) run at once per app server; more wait their
    /// turn, in order (0: one per core).
    pub searches_at_once: usize,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Log filter, e.g. `info` or `casework=debug,info`.
    pub log: String,
    /// Largest email accepted, in MB; bigger ones are kept aside and reported.
    pub max_message_mb: usize,
    /// How often office mailboxes are polled, in seconds.
    pub mail_poll_seconds: u64,
    /// The office's outgoing mail server (`[smtp]` in the file, `CASEWORK_SMTP_*` variables).
    pub smtp: SmtpConfig,
    /// Single sign-on with the office's identity provider (`[sso]`,
    /// `CASEWORK_SSO_*`); empty issuer: none.
    pub sso: SsoConfig,
    /// Seconds a sender may hold a claimed outgoing message before another
    /// server may send it (so, after a crash, the wait before it is resent).
    pub outbox_lease_seconds: i64,
    /// Seconds a background job (a mailbox poll, say) stays claimed without
    /// its runner renewing the claim (renewed every third of it while it
    /// runs): after a crash, the wait before another server takes it over.
    pub job_lease_seconds: i64,
    /// A PEM file of certificate authorities to trust for IMAP and SMTP
    /// besides the public ones (a mail server with a private certificate).
    pub tls_ca_file: String,
    /// Its contents, read when the configuration is loaded.
    #[serde(skip)]
    pub tls_ca_pem: String,
    /// Where messages' originals, attachments, letters and logos are kept:
    /// `database` (in the database, so that every app server on it reads
    /// them and a dump holds them: the default on PostgreSQL) or `folder`
    /// (`blobs/` in `data_dir`: the default on SQLite) or `s3` (an
    /// S3-compatible object store, `[s3]`). Empty: the default.
    pub files: String,
    /// The object store for `files = "s3"` (`[s3]`, `CASEWORK_S3_*`).
    pub s3: casework_store::s3::S3Settings,
}

/// `[smtp]`: where outgoing email goes.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    /// `none`, `starttls` or `tls`.
    pub tls: String,
    /// The office's sending address, e.g. `Office of Dana Whitfield <office@example.org>`.
    pub from: String,
    /// Most messages per minute the server accepts from us (0: no limit).
    pub max_per_minute: i64,
}

/// `[sso]`: the office's OpenID Connect identity provider.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SsoConfig {
    /// E.g. `https://login.microsoftonline.com/TENANT/v2.0` or `https://accounts.google.com`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The button's words on the sign-in page.
    pub label: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: String::new(),
            port: 587,
            username: String::new(),
            password: String::new(),
            tls: "starttls".into(),
            from: String::new(),
            max_per_minute: 0,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            database_url: String::new(),
            listen: "127.0.0.1:8080".into(),
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            max_http_connections: 1024,
            header_timeout_seconds: 10,
            idle_timeout_seconds: 60,
            body_timeout_seconds: 60,
            max_connections: 16,
            searches_at_once: 0,
            session_idle_minutes: 12 * 60,
            session_absolute_hours: 7 * 24,
            log: "info".into(),
            max_message_mb: 64,
            smtp: SmtpConfig::default(),
            sso: SsoConfig::default(),
            mail_poll_seconds: 60,
            outbox_lease_seconds: 120,
            job_lease_seconds: 60,
            tls_ca_file: String::new(),
            tls_ca_pem: String::new(),
            files: String::new(),
            s3: Default::default(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The database URL may carry a password.
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact(&self.database_url))
            .field("listen", &self.listen)
            .field("secure_cookies", &self.secure_cookies)
            .field("smtp_host", &self.smtp.host)
            .field(
                "smtp_password",
                &if self.smtp.password.is_empty() {
                    ""
                } else {
                    "***"
                },
            )
            .field("sso_issuer", &self.sso.issuer)
            .finish_non_exhaustive()
    }
}

/// Hides the password in a URL like `postgres://user:secret@host/db`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Config {
    /// Loads the layers; `file` defaults to `casework.toml` when it exists.
    pub fn load(file: Option<&Path>) -> Result<Config, String> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => {
                if !f.exists() {
                    return Err(format!(
                        "the configuration file {} does not exist",
                        f.display()
                    ));
                }
                fig = fig.merge(Toml::file(f));
            }
            None => fig = fig.merge(Toml::file("casework.toml")),
        }
        fig = fig.merge(Env::prefixed("CASEWORK_").only(&[
            "data_dir",
            "database_url",
            "listen",
            "secure_cookies",
            "trusted_proxies",
            "max_http_connections",
            "header_timeout_seconds",
            "idle_timeout_seconds",
            "body_timeout_seconds",
            "max_connections",
            "searches_at_once",
            "session_idle_minutes",
            "session_absolute_hours",
            "log",
            "max_message_mb",
            "mail_poll_seconds",
            "outbox_lease_seconds",
            "job_lease_seconds",
            "tls_ca_file",
            "files",
        ]));
        fig = fig.merge(
            Env::prefixed("CASEWORK_SMTP_")
                .map(|k| format!("smtp.{}", k.as_str().to_lowercase()).into()),
        );
        fig = fig.merge(
            Env::prefixed("CASEWORK_S3_")
                .map(|k| format!("s3.{}", k.as_str().to_lowercase()).into()),
        );
        fig = fig.merge(
            Env::prefixed("CASEWORK_SSO_")
                .map(|k| format!("sso.{}", k.as_str().to_lowercase()).into()),
        );
        let mut config: Config = fig
            .extract()
            .map_err(|e| format!("configuration error: {e}"))?;
        if !config.tls_ca_file.trim().is_empty() {
            let path = config.tls_ca_file.trim();
            config.tls_ca_pem = std::fs::read_to_string(path).map_err(|e| {
                format!("configuration error: tls_ca_file {path} cannot be read: {e}")
            })?;
            if !config.tls_ca_pem.contains("-----BEGIN CERTIFICATE-----") {
                return Err(format!(
                    "configuration error: tls_ca_file {path} holds no PEM certificate"
                ));
            }
        }
        casework_web::parse_trusted_proxies(&config.trusted_proxies)
            .map_err(|e| format!("configuration error: {e}"))?;
        if !["none", "starttls", "tls"].contains(&config.smtp.tls.as_str()) {
            return Err(format!(
                "configuration error: smtp.tls must be none, starttls or tls, not \"{}\"",
                config.smtp.tls
            ));
        }
        if !["", "database", "folder", "s3"].contains(&config.files.trim()) {
            return Err(format!(
                "configuration error: files must be database, folder or s3, not \"{}\"",
                config.files
            ));
        }
        if config.files.trim() == "s3"
            && (config.s3.endpoint.trim().is_empty() || config.s3.bucket.trim().is_empty())
        {
            return Err(
                "configuration error: files = \"s3\" needs s3.endpoint and s3.bucket".into(),
            );
        }
        Ok(config)
    }

    /// Whether files are kept in the database (`files`, or the default for
    /// the database: yes on PostgreSQL, no on SQLite).
    pub fn files_in_database(&self) -> bool {
        match self.files.trim() {
            "database" => true,
            "folder" | "s3" => false,
            _ => !self.database_url().starts_with("sqlite:"),
        }
    }

    /// Whether files are kept in an object store (`files = "s3"`).
    pub fn files_in_s3(&self) -> bool {
        self.files.trim() == "s3"
    }

    /// The object store's settings.
    pub fn s3_settings(&self) -> casework_store::s3::S3Settings {
        self.s3.clone()
    }

    /// The folder of files kept locally (`blobs/` in `data_dir`).
    pub fn files_folder(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }

    pub fn database_url(&self) -> String {
        if self.database_url.trim().is_empty() {
            format!("sqlite:{}", self.data_dir.join("casework.db").display())
        } else {
            self.database_url.trim().to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_hidden() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/cw"),
            "postgres://app:***@db:5432/cw"
        );
        assert_eq!(redact("sqlite:data/casework.db"), "sqlite:data/casework.db");
    }

    /// casework.example.toml names every setting and gives the defaults,
    /// so it can be copied as it is.
    #[test]
    fn the_example_file_names_every_setting_with_its_default() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../casework.example.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let read: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(path))
            .extract()
            .unwrap();
        let defaults = serde_json::to_value(Config::default()).unwrap();
        assert_eq!(serde_json::to_value(&read).unwrap(), defaults);
        for (key, value) in defaults.as_object().unwrap() {
            match value.as_object() {
                Some(table) => {
                    assert!(text.contains(&format!("\n[{key}]\n")), "[{key}]");
                    for sub in table.keys() {
                        assert!(text.contains(&format!("\n{sub} =")), "{key}.{sub}");
                    }
                }
                None => assert!(text.contains(&format!("\n{key} =")), "{key}"),
            }
        }
    }

    #[test]
    fn a_certificate_authority_file_is_read_or_refused_clearly() {
        let dir = std::env::temp_dir().join(format!("casework-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let load = |ca: &Path| {
            let file = dir.join("casework.toml");
            std::fs::write(&file, format!("tls_ca_file = \"{}\"\n", ca.display())).unwrap();
            Config::load(Some(&file))
        };
        let missing = load(&dir.join("missing.pem")).err().unwrap();
        assert!(missing.contains("cannot be read"), "{missing}");
        std::fs::write(dir.join("junk.pem"), "not a certificate").unwrap();
        let junk = load(&dir.join("junk.pem")).err().unwrap();
        assert!(junk.contains("no PEM certificate"), "{junk}");
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        std::fs::write(dir.join("ca.pem"), pem).unwrap();
        assert_eq!(load(&dir.join("ca.pem")).unwrap().tls_ca_pem, pem);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn sqlite_in_the_data_dir_is_the_default() {
        let c = Config::default();
        assert_eq!(c.database_url(), "sqlite:data/casework.db");
    }
}
