//! Start-up of the `casework` binary: configuration, opening the database,
//! and running the web server. Kept in a library so the integration tests
//! start the server exactly as the binary does.

pub mod backup;
pub mod config;

use casework_app::Settings;
use casework_store::{ConnectOptions, Store};

pub use config::Config;

/// Opens the database named by the configuration (applying migrations).
pub async fn open_store(config: &Config) -> Result<Store, String> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            format!(
                "cannot create the data directory {}: {e}",
                config.data_dir.display()
            )
        })?;
    }
    let mut opts = ConnectOptions::new(url);
    opts.max_connections = config.max_connections;
    Store::open(&opts)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))
}

/// Where files are kept (`files` in the configuration): in the database or
/// an object store, reading any not yet moved in from the old folder; or
/// in the folder.
pub fn file_store(config: &Config, store: &Store) -> Result<casework_store::blobs::Files, String> {
    shared_files(config, store, Some(config.files_folder()))
}

/// The file store without the old folder to fall back on (`None`) or with
/// it: `files move` checks what it wrote in the shared store alone.
pub fn shared_files(
    config: &Config,
    store: &Store,
    old_folder: Option<std::path::PathBuf>,
) -> Result<casework_store::blobs::Files, String> {
    use casework_store::blobs::Files;
    if config.files_in_s3() {
        let bucket = casework_store::s3::S3Files::new(&config.s3_settings())
            .map_err(|e| format!("configuration error: {e}"))?;
        // Files kept in the database before are read there until moved out.
        let database = old_folder.is_some().then(|| store.clone());
        Ok(Files::s3(bucket, old_folder, database))
    } else if config.files_in_database() {
        let s3 = config.s3_settings();
        if s3.endpoint.trim().is_empty() {
            Ok(Files::database(store.clone(), old_folder))
        } else {
            // Files kept in a bucket before are read there until moved in
            // (`casework files move`).
            let bucket = casework_store::s3::S3Files::new(&s3)
                .map_err(|e| format!("configuration error: {e}"))?;
            Ok(Files::database_after_bucket(
                store.clone(),
                old_folder,
                bucket,
            ))
        }
    } else {
        Ok(Files::folder(config.files_folder()))
    }
}

/// The services' settings from the configuration.
pub fn settings(config: &Config) -> Settings {
    let smtp = casework_app::mail_settings(
        &config.smtp.host,
        config.smtp.port,
        &config.smtp.username,
        &config.smtp.password,
        &config.smtp.tls,
        &config.smtp.from,
    );
    Settings {
        session_idle_minutes: config.session_idle_minutes,
        session_absolute_hours: config.session_absolute_hours,
        max_message_bytes: config.max_message_mb.saturating_mul(1024 * 1024),
        smtp: casework_mail::outgoing::SmtpSettings {
            ca_pem: config.tls_ca_pem.clone(),
            ..smtp
        },
        mail_ca_pem: config.tls_ca_pem.clone(),
        smtp_per_minute: config.smtp.max_per_minute.max(0),
        outbox_lease_seconds: config.outbox_lease_seconds.clamp(5, 3600),
        mail_poll_seconds: i64::try_from(config.mail_poll_seconds)
            .unwrap_or(i64::MAX)
            .max(5),
        job_lease_seconds: config.job_lease_seconds.clamp(3, 3600),
        searches_at_once: config.searches_at_once,
        sso: casework_app::sso::SsoSettings {
            issuer: config.sso.issuer.clone(),
            client_id: config.sso.client_id.clone(),
            client_secret: config.sso.client_secret.clone(),
            label: config.sso.label.clone(),
        },
        ..Settings::default()
    }
}
