//! Casework's use cases. One function per use case, each taking the [`Actor`]
//! who asks; the HTML and JSON handlers both call these, so the rules —
//! authorization, validation, audit — live here once.

pub mod agencies;
pub mod agency_starters;
pub mod approvals;
pub mod auth;
pub mod briefing;
pub mod bulk;
pub mod calendar;
pub mod campaign_grouping;
pub mod campaign_replies;
pub mod campaigns;
pub mod cases;
mod clock;
pub mod comments;
pub mod constituents;
pub mod correspondence;
mod csv_out;
pub mod demo;
mod demo_data;
mod demo_history;
pub mod enquiries;
mod error;
mod files;
pub mod intake;
pub mod jobs;
pub mod letters;
pub mod mailboxes;
pub mod memo;
pub mod notifications;
pub mod outbox;
pub mod review;
pub mod review_csv;
pub mod review_meeting;
pub mod review_week;
pub mod saved_views;
pub mod schedule;
pub mod search;
pub mod status;
pub(crate) use error::check;
pub mod security_keys;
pub mod sso;
pub mod staff;
pub mod tag_admin;
pub mod tag_bulk;
pub mod tag_suggest;
pub mod tags;
pub mod tasks;
pub mod template_starters;
pub mod transfers;
pub mod trends;
pub mod two_factor;

use casework_store::{OfficeData, Scope, Store};

pub use casework_domain as domain;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{AppError, AppResult};

/// What the services hand to the web layer: records without secrets. The
/// web crate cannot name the store; these are the only storage types it sees.
pub mod views {
    pub use crate::staff::StaffMember;
    pub use casework_store::{
        Agency, AgencyContact, AttachmentRecord, Campaign, CampaignMessage, CampaignSummary, Case,
        CasePerson, Comment, Constituent, Correspondence, CorrespondenceSummary, LetterSettings,
        Office, OutboxItem, PrintItem, ReplyProgress, SecurityEvent, TagDimension, TagEvent,
        TagMerge, Task, Template, TimelineEntry, Waiting,
    };
}

/// Settings the services need.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A session ends after this long without a request.
    pub session_idle_minutes: i64,
    /// And this long after sign-in, whatever happens.
    pub session_absolute_hours: i64,
    /// Failed sign-ins per email address allowed within `throttle_window_minutes`.
    pub max_failed_logins: i64,
    pub throttle_window_minutes: i64,
    /// Largest message accepted into the mailbox; bigger ones are kept aside and reported.
    pub max_message_bytes: usize,
    /// The office's SMTP server and sending address.
    pub smtp: casework_mail::outgoing::SmtpSettings,
    /// Certificate authorities (PEM) trusted for IMAP and SMTP besides the
    /// public ones: for mail servers with a private certificate.
    pub mail_ca_pem: String,
    /// Most messages handed to the SMTP server per minute (0: no limit), across
    /// all app servers; a campaign reply to thousands goes out at this pace.
    pub smtp_per_minute: i64,
    /// How long a worker may take to send a claimed message before another
    /// may claim it (after a crash, the wait before sending resumes).
    pub outbox_lease_seconds: i64,
    /// How often each office mailbox is polled.
    pub mail_poll_seconds: i64,
    /// How long a background job (a mailbox poll, say) is held without its
    /// runner renewing the lease: after a crash, the wait before another
    /// runner takes the work over. Renewed every third of it while it runs.
    pub job_lease_seconds: i64,
    /// Single sign-on with the office's identity provider (unset: none).
    pub sso: sso::SsoSettings,
    /// How many searches (`/search`) this server runs at once; the rest
    /// wait their turn, in order (0: one per core).
    pub searches_at_once: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_idle_minutes: 12 * 60,
            session_absolute_hours: 7 * 24,
            max_failed_logins: 5,
            throttle_window_minutes: 15,
            max_message_bytes: 64 * 1024 * 1024,
            smtp: Default::default(),
            mail_ca_pem: String::new(),
            smtp_per_minute: 0,
            outbox_lease_seconds: 120,
            mail_poll_seconds: 60,
            job_lease_seconds: 60,
            sso: Default::default(),
            searches_at_once: 0,
        }
    }
}

/// The application: storage, the attachment store and settings. Cheap to clone.
#[derive(Clone)]
pub struct App {
    /// Reached only through [`App::data_for`] (what a person may see of
    /// their office) or, for background work, [`App::system_data`].
    pub(crate) store: Store,
    /// Where messages' originals, attachments, letters and logos are kept.
    pub files: casework_store::blobs::Files,
    pub settings: Settings,
    /// Categories and agencies in use per office and case visibility (what
    /// one reader may see), for filter menus: kept for a minute.
    pub(crate) facets: std::sync::Arc<std::sync::Mutex<FacetCache>>,
    /// Campaign templates per office, for grouping mail as it arrives.
    pub(crate) campaigns: campaign_grouping::Cache,
    /// Tagging frameworks per office, while current (see `tags::kept`).
    pub(crate) frameworks: std::sync::Arc<std::sync::Mutex<tags::FrameworkCache>>,
    /// Where "now" comes from (tests move a [`ManualClock`]).
    clock: std::sync::Arc<dyn Clock>,
    /// The searches that may run at once (see [`search::turn`]).
    pub(crate) searches: std::sync::Arc<tokio::sync::Semaphore>,
}

/// Agencies in use.
pub type Facets = Vec<String>;

/// Filter menus by (office, what the reader may see of its cases), with
/// when they were read.
pub(crate) type FacetCache =
    std::collections::HashMap<(i64, casework_store::CaseVisibility), (std::time::Instant, Facets)>;

impl App {
    pub fn new(store: Store, files: casework_store::blobs::Files, settings: Settings) -> Self {
        Self::with_clock(store, files, settings, std::sync::Arc::new(SystemClock))
    }

    /// An application whose time comes from `clock`.
    pub fn with_clock(
        store: Store,
        files: casework_store::blobs::Files,
        settings: Settings,
        clock: std::sync::Arc<dyn Clock>,
    ) -> Self {
        // At most 1,024: a semaphore refuses (panics on) absurd counts.
        let searches = match settings.searches_at_once {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n.min(1024),
        };
        App {
            searches: std::sync::Arc::new(tokio::sync::Semaphore::new(searches)),
            store,
            files,
            settings,
            facets: Default::default(),
            campaigns: Default::default(),
            frameworks: Default::default(),
            clock,
        }
    }

    /// The door to the data for a person: their office, and only the cases
    /// (with their correspondence, letters, outgoing mail and campaign
    /// messages) their role lets them see — in lists and counts alike.
    pub fn data_for(&self, actor: &Actor) -> OfficeData {
        self.store.office_data(actor.scope())
    }

    /// The door for background work done for an office (mail ingest, the
    /// outbox, campaign upkeep, the demo): no person is asking, so every case
    /// of the office is in reach. Never use it to answer a person's request.
    pub(crate) fn system_data(&self, office_id: i64) -> OfficeData {
        self.store.office_data(Scope::office(office_id))
    }

    /// Which database this is (for the start-up log and diagnostics).
    pub fn backend(&self) -> casework_store::Backend {
        self.store.backend()
    }

    /// Answers once the database takes queries (for `/healthz`).
    pub async fn ping(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }

    /// Now, in Unix milliseconds, by the application's clock.
    pub fn now(&self) -> i64 {
        self.clock.now_millis()
    }

    /// Today's date (`YYYY-MM-DD`) in the office's time zone: "due today",
    /// "overdue" and reply windows turn over at the office's midnight.
    pub async fn today(&self, office_id: i64) -> AppResult<String> {
        let tz = crate::memo::office_settings(self, office_id)
            .await?
            .time_zone;
        Ok(crate::tasks::local_day_hour(&tz, self.now()).0)
    }
}

/// Who is asking: a signed-in staff member of one office.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub office_id: i64,
    pub role: domain::Role,
    pub display_name: String,
    pub email: String,
}

impl Actor {
    /// What this person may see of their office.
    pub fn scope(&self) -> Scope {
        Scope::person(self.office_id, self.user_id, self.role)
    }

    /// Whether the actor's role has `permission`.
    pub fn can(&self, permission: domain::Permission) -> bool {
        self.role.can(permission)
    }

    /// Refuses with 403 unless the actor's role has `permission`.
    pub fn require(&self, permission: domain::Permission) -> AppResult<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "Your role ({}) does not allow this.",
                self.role.label()
            )))
        }
    }
}

/// SMTP settings from their parts (so callers need not depend on the mail crate).
pub fn mail_settings(
    host: &str,
    port: u16,
    username: &str,
    password: &str,
    tls: &str,
    from: &str,
) -> casework_mail::outgoing::SmtpSettings {
    casework_mail::outgoing::SmtpSettings {
        host: host.to_owned(),
        port,
        username: username.to_owned(),
        password: password.to_owned(),
        tls: tls.to_owned(),
        from: from.to_owned(),
        ca_pem: String::new(),
    }
}

/// Now, in Unix milliseconds.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The civil date (year, month 1–12, day 1–31) of a time in Unix
/// milliseconds, UTC (Howard Hinnant's days-to-civil algorithm).
pub fn civil_date(ms: i64) -> (i64, i64, i64) {
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The current calendar year (UTC), for case references.
pub fn current_year(now_ms: i64) -> i32 {
    civil_date(now_ms).0 as i32
}

/// "2026-11-26T14:05:09Z" for a time in Unix milliseconds.
pub fn iso_time(ms: i64) -> String {
    let (y, m, d) = civil_date(ms);
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn years_come_out_right() {
        assert_eq!(super::current_year(0), 1970);
        // 2026-11-26T00:00:00Z
        assert_eq!(super::current_year(1_795_651_200_000), 2026);
        // 2024-12-31T23:59:59Z and a second later
        assert_eq!(super::current_year(1_735_689_599_000), 2024);
        assert_eq!(super::current_year(1_735_689_600_000), 2025);
        assert_eq!(super::iso_time(1_735_689_599_000), "2024-12-31T23:59:59Z");
    }
}
