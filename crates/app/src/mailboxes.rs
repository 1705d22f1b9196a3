//! Office mailboxes over IMAP: connecting one, polling it in the
//! background, and showing the office how it is going.

use casework_domain::FieldErrors;
use casework_mail::imap::{ImapSettings, fetch_new};
use casework_store::{Mailbox, NewMailbox};

use crate::intake::{ImportReport, RawMessage, ingest_at};
use crate::{Actor, App, AppError, AppResult, check};

/// Messages fetched per round trip (and stored per transaction).
const BATCH: usize = 200;

/// The most mail one batch holds in memory, by the server's sizes: a folder
/// of large attachments is read a few messages at a time, and a message
/// larger than this alone comes on its own.
const BATCH_BYTES: u64 = 16 << 20;

/// Connects a mailbox to an office (command line: `casework mailbox add`).
/// The connection is tried first, so a wrong password is reported now.
pub async fn add(
    app: &App,
    office_id: i64,
    s: &ImapSettings,
    check_connection: bool,
) -> AppResult<i64> {
    let mut e = FieldErrors::new();
    if s.host.trim().is_empty() {
        e.add("host", "Give the mail server's host name.");
    }
    if s.username.trim().is_empty() {
        e.add("username", "Give the mailbox's user name.");
    }
    if !["none", "starttls", "tls"].contains(&s.tls.as_str()) {
        e.add("tls", "Choose none, starttls or tls.");
    }
    check(e)?;
    if check_connection {
        let s = &ImapSettings {
            ca_pem: app.settings.mail_ca_pem.clone(),
            ..s.clone()
        };
        fetch_new(s, None, u32::MAX - 1, 0, 0)
            .await
            .map_err(|m| AppError::field("host", m))?;
    }
    let folder = if s.folder.trim().is_empty() {
        "INBOX"
    } else {
        s.folder.trim()
    };
    let new = NewMailbox {
        office_id,
        host: s.host.trim(),
        port: i64::from(s.port),
        username: s.username.trim(),
        password: &s.password,
        tls: &s.tls,
        folder,
    };
    match app.store.create_mailbox(&new, app.now()).await {
        Ok(id) => {
            tracing::info!(mailbox_id = id, office_id, "mailbox connected");
            // Its poller; the servers' start-up adds it too, should this fail.
            crate::schedule::schedule_mailbox(app, id, Some(office_id)).await?;
            Ok(id)
        }
        Err(casework_store::Error::Duplicate(_)) => Err(AppError::field(
            "username",
            "This mailbox is already connected to the office.",
        )),
        Err(e) => Err(e.into()),
    }
}

fn settings_of(app: &App, m: &Mailbox) -> ImapSettings {
    ImapSettings {
        ca_pem: app.settings.mail_ca_pem.clone(),
        host: m.host.clone(),
        port: u16::try_from(m.port).unwrap_or(993),
        username: m.username.clone(),
        password: m.password.clone(),
        tls: m.tls.clone(),
        folder: m.folder.clone(),
    }
}

/// Polls one mailbox if no one else is: fetches new messages in batches and
/// stores each batch with the mailbox position in one transaction. `None`
/// when another poller holds the mailbox (or takes it over meanwhile).
///
/// The mailbox is leased for `job_lease_seconds`, renewed every third of
/// that while the poll goes on: a poller that dies is replaced within one
/// lease. Exactly-once rests on the position stored with the messages and
/// on deduplication, not on the lease.
pub async fn poll_one(app: &App, mailbox_id: i64) -> AppResult<Option<ImportReport>> {
    let owner = crate::schedule::lease_token();
    let lease = crate::schedule::lease_ms(app);
    let now = app.now();
    let Some(m) = app
        .store
        .claim_mailbox(mailbox_id, &owner, now, now + lease)
        .await?
    else {
        return Ok(None);
    };
    let renew = || {
        app.store
            .renew_mailbox(mailbox_id, &owner, app.now() + lease)
    };
    match Box::pin(crate::schedule::with_heartbeat(
        lease,
        renew,
        fetch(app, m, &owner),
    ))
    .await
    {
        Some(result) => result.map(Some),
        None => {
            tracing::warn!(
                mailbox_id,
                "lost the lease on a mailbox; another poller has it"
            );
            Ok(None)
        }
    }
}

/// Fetches and stores until the mailbox has nothing new, then releases it.
async fn fetch(app: &App, mut m: Mailbox, owner: &str) -> AppResult<ImportReport> {
    let mailbox_id = m.id;
    let mut report = ImportReport::default();
    let s = settings_of(app, &m);
    loop {
        let known = m.uid_validity.and_then(|v| u32::try_from(v).ok());
        let after = u32::try_from(m.last_uid).unwrap_or(0);
        let fetched = match fetch_new(&s, known, after, BATCH, BATCH_BYTES).await {
            Ok(f) => f,
            Err(error) => {
                tracing::warn!(mailbox_id, error = %error, "mailbox poll failed");
                app.store
                    .release_mailbox(mailbox_id, owner, Some(&error))
                    .await?;
                return Ok(report);
            }
        };
        let restarted = known.is_some() && known != Some(fetched.uid_validity);
        if restarted {
            tracing::warn!(
                mailbox_id,
                "UIDVALIDITY changed: re-reading the folder (stored messages are skipped)"
            );
        }
        let last = fetched
            .messages
            .last()
            .map(|(u, _)| i64::from(*u))
            .unwrap_or(if restarted { 0 } else { m.last_uid });
        let batch: Vec<RawMessage> = fetched
            .messages
            .into_iter()
            .map(|(uid, bytes)| RawMessage {
                source: format!("imap:{}/{}#{uid}", m.username, m.folder),
                bytes,
            })
            .collect();
        let position = Some((m.id, i64::from(fetched.uid_validity), last));
        match ingest_at(app, m.office_id, batch, position).await {
            Ok(r) => report.add(r),
            Err(e) => {
                app.store
                    .release_mailbox(
                        mailbox_id,
                        owner,
                        Some(&format!("Storing messages failed: {e}")),
                    )
                    .await?;
                return Err(e);
            }
        }
        m.uid_validity = Some(i64::from(fetched.uid_validity));
        m.last_uid = last;
        if !fetched.more {
            break;
        }
    }
    app.store.release_mailbox(mailbox_id, owner, None).await?;
    Ok(report)
}

/// Polls every active mailbox once (the background worker calls this).
pub async fn poll_all(app: &App) -> AppResult<ImportReport> {
    let mut total = ImportReport::default();
    for id in app.store.active_mailbox_ids().await? {
        if let Some(r) = Box::pin(poll_one(app, id)).await? {
            total.add(r);
        }
    }
    Ok(total)
}

/// The office's mailboxes and how their polling goes (no passwords).
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<Mailbox>> {
    without_passwords(app.data_for(actor).mailboxes().await?)
}

/// An office's mailboxes, for the command line on the server (no passwords).
pub async fn list_for_office(app: &App, office_id: i64) -> AppResult<Vec<Mailbox>> {
    without_passwords(app.system_data(office_id).mailboxes().await?)
}

fn without_passwords(mut boxes: Vec<Mailbox>) -> AppResult<Vec<Mailbox>> {
    for b in &mut boxes {
        b.password.clear();
    }
    Ok(boxes)
}
