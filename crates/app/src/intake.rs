//! Incoming mail: ingestion (parse, keep the original, file, index) and the
//! intake inbox where a person files what could not be filed automatically.

use casework_domain::{CaseRef, FieldErrors, MailState, Permission};
use casework_mail::{ParsedMail, guess_signature, parse, sha256_hex};
use casework_store::blobs::{Kept, NewFile};
use casework_store::{Correspondence, CorrespondenceSummary, Cursor, Filing, Incoming, Page};
use std::path::{Path, PathBuf};

use crate::{Actor, App, AppError, AppResult, check};

/// What happened to each message of an import.
#[derive(Debug, Default, Clone)]
pub struct ImportReport {
    pub imported: usize,
    pub skipped: usize,
    /// (where the message came from, why it was not stored)
    pub rejected: Vec<(String, String)>,
    /// How many of the imported were filed on a case or constituent.
    pub filed: usize,
    /// How many of the rest were grouped into campaigns.
    pub campaign: usize,
}

impl ImportReport {
    pub fn add(&mut self, other: ImportReport) {
        self.imported += other.imported;
        self.skipped += other.skipped;
        self.filed += other.filed;
        self.campaign += other.campaign;
        self.rejected.extend(other.rejected);
    }
}

/// A raw message and where it came from (a file path, `mbox:path#3`, `imap:…`).
pub struct RawMessage {
    pub source: String,
    pub bytes: Vec<u8>,
}

/// Finds a case reference like `CW-2026-00417` anywhere in a subject line.
pub fn reference_in(subject: &str) -> Option<CaseRef> {
    let upper = subject.to_ascii_uppercase();
    let mut from = 0;
    while let Some(pos) = upper[from..].find("CW-") {
        let start = from + pos;
        let tail: String = upper[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if let Some(r) = CaseRef::parse(&tail) {
            return Some(r);
        }
        from = start + 3;
    }
    None
}

/// What filing a batch needs to know, looked up with one query each:
/// stored messages by Message-ID, cases by reference, constituents by address.
#[derive(Default)]
struct Lookups {
    /// Message-ID → (id, case, constituent) of stored messages on a constituent.
    threads: std::collections::HashMap<String, (i64, Option<i64>, i64)>,
    /// Case reference → (case, constituent).
    references: std::collections::HashMap<String, (i64, i64)>,
    /// Sender address → constituents with it.
    senders: std::collections::HashMap<String, Vec<i64>>,
}

/// The Message-IDs a message's thread is found by (newest reference first).
fn thread_ids(p: &ParsedMail) -> Vec<String> {
    let mut thread: Vec<String> = p.in_reply_to.clone();
    thread.extend(p.references.iter().rev().cloned());
    thread.truncate(50);
    thread
}

async fn lookups(app: &App, office_id: i64, batch: &[&ParsedMail]) -> AppResult<Lookups> {
    fn distinct(mut v: Vec<String>) -> Vec<String> {
        v.retain(|s| !s.is_empty());
        v.sort_unstable();
        v.dedup();
        v
    }
    let mut l = Lookups::default();
    let ids = distinct(batch.iter().flat_map(|p| thread_ids(p)).collect());
    for chunk in ids.chunks(500) {
        for (mid, id, case, constituent) in app.system_data(office_id).thread_cases(chunk).await? {
            let e = l.threads.entry(mid).or_insert((id, case, constituent));
            if id > e.0 {
                *e = (id, case, constituent);
            }
        }
    }
    let refs = distinct(
        batch
            .iter()
            .filter_map(|p| reference_in(&p.subject))
            .map(|r| r.as_str().to_owned())
            .collect(),
    );
    for chunk in refs.chunks(500) {
        for (reference, case, constituent) in app
            .system_data(office_id)
            .cases_by_references(chunk)
            .await?
        {
            l.references.insert(reference, (case, constituent));
        }
    }
    let addresses = distinct(batch.iter().map(|p| p.from_address.clone()).collect());
    for chunk in addresses.chunks(500) {
        for (email, id) in app
            .system_data(office_id)
            .constituent_ids_by_emails(chunk)
            .await?
        {
            l.senders.entry(email).or_default().push(id);
        }
    }
    Ok(l)
}

/// Where a message goes: the case of the message it answers, the case whose
/// reference its subject carries, the one constituent with its sender's
/// address, or the intake inbox.
/// The stored messages (ids) a message replies to, by its thread.
fn replied_to(l: &Lookups, p: &ParsedMail) -> Vec<i64> {
    let mut ids: Vec<i64> = thread_ids(p)
        .iter()
        .filter_map(|m| l.threads.get(m))
        .map(|t| t.0)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn decide_filing(l: &Lookups, p: &ParsedMail) -> Filing {
    let newest = thread_ids(p)
        .iter()
        .filter_map(|m| l.threads.get(m))
        .max_by_key(|t| t.0)
        .copied();
    if let Some((_, case, constituent)) = newest {
        return match case {
            Some(case_id) => Filing::Case {
                case_id,
                constituent_id: constituent,
            },
            None => Filing::Constituent(constituent),
        };
    }
    if let Some(&(case_id, constituent_id)) =
        reference_in(&p.subject).and_then(|r| l.references.get(r.as_str()))
    {
        return Filing::Case {
            case_id,
            constituent_id,
        };
    }
    if let Some([only]) = l.senders.get(&p.from_address).map(Vec::as_slice) {
        return Filing::Constituent(*only);
    }
    Filing::Intake
}

/// A message read and its files kept: (source, size, original's key,
/// parsed, attachments, fingerprint, postcode in the signature), or why it
/// was refused (source, reason, original's key if kept).
type Prepared = Result<
    (
        String,
        usize,
        String,
        ParsedMail,
        Vec<casework_store::NewAttachment>,
        casework_mail::campaign::Fingerprint,
        String,
    ),
    (String, String, Option<String>),
>;

/// Parses messages and keeps their originals and attachments (written to
/// a folder now; for the database, returned with each message, to be
/// written with its record).
fn prepare(
    batch: Vec<RawMessage>,
    files: &casework_store::blobs::Files,
    max: usize,
) -> Vec<(Prepared, Kept)> {
    let mut out = Vec::with_capacity(batch.len());
    for m in batch {
        if m.bytes.iter().all(|b| b.is_ascii_whitespace()) {
            out.push((
                Err((m.source, "The message is empty.".to_owned(), None)),
                Kept::default(),
            ));
            continue;
        }
        let raw_key = sha256_hex(&m.bytes);
        let size = m.bytes.len();
        // Parsed before its bytes go to the file store; one too big is not.
        let parsed = (size <= max).then(|| parse(&m.bytes));
        // The original first: a refusal keeps it, if it could be kept.
        let raw = NewFile {
            key: raw_key.clone(),
            bytes: m.bytes,
        };
        let raw_kept = match files.keep_now(vec![raw]) {
            Ok(kept) => kept,
            Err(e) => {
                let reason = format!("The original could not be saved: {e}.");
                out.push((Err((m.source, reason, None)), Kept::default()));
                continue;
            }
        };
        let Some(mut parsed) = parsed else {
            let reason = format!(
                "The message is {}, over the {} limit; the original is kept aside.",
                size_in_words(size),
                size_in_words(max)
            );
            out.push((Err((m.source, reason, Some(raw_key))), raw_kept));
            continue;
        };
        let fingerprint = casework_mail::campaign::fingerprint(&parsed.text);
        let postcode = guess_signature(&parsed.from_name, &parsed.text).postcode;
        let mut attachments = Vec::with_capacity(parsed.attachments.len());
        let mut to_keep = Vec::with_capacity(parsed.attachments.len());
        // The attachments' bytes move to the file store (nothing reads them
        // from the parsed message after this).
        for a in &mut parsed.attachments {
            let key = sha256_hex(&a.data);
            attachments.push(crate::files::kept_file(
                &a.filename,
                &a.content_type,
                &a.data,
                key.clone(),
            ));
            to_keep.push(NewFile {
                key,
                bytes: std::mem::take(&mut a.data),
            });
        }
        match files.keep_now(to_keep) {
            Err(e) => out.push((
                Err((
                    m.source,
                    format!("An attachment could not be saved: {e}."),
                    Some(raw_key),
                )),
                raw_kept,
            )),
            Ok(kept) => out.push((
                Ok((
                    m.source,
                    size,
                    raw_key,
                    parsed,
                    attachments,
                    fingerprint,
                    postcode,
                )),
                Kept::join([raw_kept, kept]),
            )),
        }
    }
    out
}

/// Stores a batch of raw messages for an office: each is kept byte for byte,
/// parsed, filed where it can be, and stored exactly once. Nothing here can
/// make a message disappear: an unreadable one is stored with its problems,
/// an empty or oversized one is reported (the oversized kept aside).
pub async fn ingest(app: &App, office_id: i64, batch: Vec<RawMessage>) -> AppResult<ImportReport> {
    ingest_at(app, office_id, batch, None).await
}

/// As [`ingest`], moving a mailbox's position `(mailbox, UIDVALIDITY, last
/// UID)` in the same transaction as the messages it covers.
pub async fn ingest_at(
    app: &App,
    office_id: i64,
    batch: Vec<RawMessage>,
    position: Option<(i64, i64, i64)>,
) -> AppResult<ImportReport> {
    let prepared = prepare_batch(app, batch).await?;
    store_prepared(app, office_id, prepared, position).await
}

/// A batch parsed, with its originals and attachments kept, ready to store.
struct PreparedBatch {
    items: Vec<(Prepared, Kept)>,
    parsed_in: std::time::Duration,
}

/// Parses a batch and keeps its originals and attachments: CPU and disk
/// work, off the async threads and split over the cores. It reads nothing
/// from the database, so the next batch can be prepared while one is
/// stored.
async fn prepare_batch(app: &App, batch: Vec<RawMessage>) -> AppResult<PreparedBatch> {
    let max = app.settings.max_message_bytes;
    let files = app.files.clone();
    let started = std::time::Instant::now();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let per = batch.len().div_ceil(threads).max(16);
    let mut batch = batch;
    let mut chunks = Vec::new();
    while !batch.is_empty() {
        let rest = batch.split_off(per.min(batch.len()));
        chunks.push(std::mem::replace(&mut batch, rest));
    }
    let tasks: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let files = files.clone();
            tokio::task::spawn_blocking(move || prepare(chunk, &files, max))
        })
        .collect();
    let mut items = Vec::new();
    for t in tasks {
        items.extend(
            t.await
                .map_err(|e| AppError::Internal(format!("mail parsing task: {e}")))?,
        );
    }
    Ok(PreparedBatch {
        items,
        parsed_in: started.elapsed(),
    })
}

/// Files, groups and stores a prepared batch in one transaction (see
/// [`ingest_at`]).
async fn store_prepared(
    app: &App,
    office_id: i64,
    batch: PreparedBatch,
    position: Option<(i64, i64, i64)>,
) -> AppResult<ImportReport> {
    let mut report = ImportReport::default();
    let PreparedBatch {
        items: prepared,
        parsed_in,
    } = batch;
    let started = std::time::Instant::now();
    let now = app.now();
    let parsed: Vec<&ParsedMail> = prepared
        .iter()
        .filter_map(|(p, _)| p.as_ref().ok())
        .map(|p| &p.3)
        .collect();
    let lookups = lookups(app, office_id, &parsed).await?;
    let known = crate::campaign_grouping::templates(app, office_id).await?;
    let common = crate::campaign_grouping::common_for(office_id);
    let mut incoming = Vec::new();
    let office_day = app.today(office_id).await?;
    // The fingerprint of each message kept as a campaign candidate.
    let mut fingerprints: Vec<Option<casework_mail::campaign::Fingerprint>> = Vec::new();
    // The files of the messages stored, written with them.
    let mut kept = Vec::new();
    for (item, files) in prepared {
        match item {
            Err((source, reason, blob)) => {
                app.system_data(office_id)
                    .with_files(files)
                    .record_mail_rejection(&source, &reason, blob.as_deref(), now)
                    .await?;
                report.rejected.push((source, reason));
            }
            Ok((source, size, raw_key, parsed, attachments, fingerprint, sender_postcode)) => {
                kept.push(files);
                let filing = decide_filing(&lookups, &parsed);
                let on_case = matches!(filing, Filing::Case { .. });
                let (campaign, candidate) = crate::campaign_grouping::link(
                    &known,
                    &common,
                    &fingerprint,
                    &parsed.text,
                    parsed.bulk,
                    on_case,
                );
                fingerprints.push(candidate.as_ref().map(|_| fingerprint));
                // An auto-reply or a bounce answers nothing.
                let replied_to = if parsed.automatic {
                    Vec::new()
                } else {
                    replied_to(&lookups, &parsed)
                };
                incoming.push(Incoming {
                    replied_to,
                    office_day: office_day.clone(),
                    dedupe_key: parsed.dedupe_key.clone(),
                    in_reply_to: parsed.in_reply_to.join(" "),
                    reference_ids: parsed.references.join(" "),
                    to_addresses: parsed.to.join(", "),
                    cc_addresses: parsed.cc.join(", "),
                    sent_at: parsed.date,
                    problems: parsed.problems.join(" "),
                    raw_blob: raw_key,
                    raw_size: size as i64,
                    message_id: parsed.message_id,
                    from_address: parsed.from_address,
                    from_name: parsed.from_name,
                    subject: parsed.subject,
                    body_text: parsed.text,
                    body_html: parsed.html,
                    source,
                    attachments,
                    filing,
                    sender_postcode,
                    campaign,
                    candidate,
                });
            }
        }
    }
    if incoming.is_empty() && position.is_none() {
        return Ok(report);
    }
    let filed_in = started.elapsed();
    let ids = app
        .system_data(office_id)
        .with_files(Kept::join(kept))
        .store_incoming_at(&incoming, now, position)
        .await?;
    let stored_in = started.elapsed();
    let mut candidates = Vec::new();
    let mut joined = Vec::new();
    for ((id, m), fp) in ids.iter().zip(&incoming).zip(fingerprints) {
        if let (Some(id), Some(fingerprint)) = (id, fp) {
            candidates.push(crate::campaign_grouping::Stored {
                id: *id,
                fingerprint,
                subject: m.subject.clone(),
            });
        }
        if let (Some(_), Some(c)) = (id, &m.campaign) {
            joined.push((c.id, m.from_address.clone()));
            if m.filing == Filing::Intake {
                report.campaign += 1;
            }
        }
        match id {
            Some(_) => {
                report.imported += 1;
                if m.filing != Filing::Intake {
                    report.filed += 1;
                }
            }
            None => report.skipped += 1,
        }
    }
    let replies: Vec<(i64, i64)> = ids
        .iter()
        .zip(&incoming)
        .filter_map(|(id, m)| match (id, &m.filing) {
            (Some(id), Filing::Case { case_id, .. }) => Some((*id, *case_id)),
            _ => None,
        })
        .collect();
    crate::notifications::replies(app, office_id, &replies).await;
    if !candidates.is_empty() || !joined.is_empty() {
        report.campaign +=
            crate::campaign_grouping::after_store(app, office_id, candidates, joined).await?;
    }
    tracing::debug!(
        parse_ms = parsed_in.as_millis() as u64,
        file_ms = filed_in.as_millis() as u64,
        store_ms = (stored_in - filed_in).as_millis() as u64,
        group_ms = (started.elapsed() - stored_in).as_millis() as u64,
        "ingest phases"
    );
    tracing::info!(
        office_id,
        imported = report.imported,
        skipped = report.skipped,
        rejected = report.rejected.len(),
        "mail stored"
    );
    Ok(report)
}

/// What `casework mail import` reads: a `.eml` file, an mbox file, a
/// Maildir (a folder with `cur`/`new`), or a folder of `.eml`/`.mbox` files.
pub fn collect_sources(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if path.is_file() {
        out.push(path.to_owned());
        return Ok(out);
    }
    let is_maildir = path.join("cur").is_dir() || path.join("new").is_dir();
    let dirs: Vec<PathBuf> = if is_maildir {
        vec![path.join("new"), path.join("cur")]
    } else {
        vec![path.to_owned()]
    };
    for dir in dirs {
        if !dir.is_dir() {
            continue;
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            // In a plain folder only .eml and .mbox files are mail; in a Maildir every file is.
            let mail_file = is_maildir
                || p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    e.eq_ignore_ascii_case("eml") || e.eq_ignore_ascii_case("mbox")
                });
            if p.is_file() && mail_file {
                out.push(p);
            } else if p.is_dir() && !is_maildir {
                out.extend(collect_sources(&p)?);
            }
        }
    }
    Ok(out)
}

/// Reads one source file into messages: an mbox is split, anything else is one message.
pub fn read_source(path: &Path) -> std::io::Result<Vec<RawMessage>> {
    let bytes = std::fs::read(path)?;
    let name = path.display().to_string();
    let is_mbox = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("mbox"))
        || casework_mail::looks_like_mbox(&bytes);
    if is_mbox {
        Ok(casework_mail::split_mbox(&bytes)
            .into_iter()
            .enumerate()
            .map(|(n, b)| RawMessage {
                source: format!("{name}#{}", n + 1),
                bytes: b,
            })
            .collect())
    } else {
        Ok(vec![RawMessage {
            source: name,
            bytes,
        }])
    }
}

/// Imports everything under `path` into an office, in batches.
pub async fn import_path(
    app: &App,
    office_id: i64,
    path: &Path,
    batch_size: usize,
) -> AppResult<ImportReport> {
    let sources = collect_sources(path)
        .map_err(|e| AppError::field("path", format!("Cannot read {}: {e}.", path.display())))?;
    let mut report = ImportReport::default();
    // While one batch is stored (the database's work), the next is read
    // and parsed (this process's): on PostgreSQL the two run side by side.
    let mut waiting: Option<PreparedBatch> = None;
    let mut batch = Vec::new();
    let mut batch_bytes = 0usize;
    let mut sources = sources.into_iter().peekable();
    while let Some(src) = sources.next() {
        match read_source(&src) {
            Ok(messages) => {
                for m in messages {
                    batch_bytes += m.bytes.len();
                    batch.push(m);
                }
            }
            Err(e) => report.rejected.push((
                src.display().to_string(),
                format!("The file could not be read: {e}."),
            )),
        }
        let full = batch.len() >= batch_size.max(1) || batch_bytes > 64 * 1024 * 1024;
        if full || sources.peek().is_none() {
            let store = async {
                match waiting.take() {
                    Some(w) => store_prepared(app, office_id, w, None).await.map(Some),
                    None => Ok(None),
                }
            };
            let (next, stored) =
                tokio::join!(prepare_batch(app, std::mem::take(&mut batch)), store);
            if let Some(r) = stored? {
                report.add(r);
            }
            waiting = Some(next?);
            batch_bytes = 0;
        }
    }
    if let Some(w) = waiting {
        report.add(store_prepared(app, office_id, w, None).await?);
    }
    Ok(report)
}

// ----- the intake inbox -----

pub async fn intake(
    app: &App,
    actor: &Actor,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<CorrespondenceSummary>> {
    let cursor = match cursor.filter(|c| !c.is_empty()) {
        Some(c) => Some(
            Cursor::decode(c)
                .ok_or_else(|| AppError::field("cursor", "This paging cursor is not valid."))?,
        ),
        None => None,
    };
    Ok(app
        .data_for(actor)
        .intake(cursor.as_ref(), limit.clamp(1, 200))
        .await?)
}

/// "3 MB", or "40 KB" below a megabyte (rounded up, so never "0").
pub fn size_in_words(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB {
        format!("{} MB", bytes.div_ceil(MB))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Files an intake message on a case, or on a constituent without a case.
pub async fn file(
    app: &App,
    actor: &Actor,
    id: i64,
    case_id: Option<i64>,
    constituent_id: Option<i64>,
    tags: &crate::tags::TagsInput,
) -> AppResult<()> {
    actor.require(Permission::TriageIntake)?;
    // Through `get`: mail on a case the actor may not see does not exist for them.
    let msg = crate::correspondence::get(app, actor, id).await?;
    let open_to_filing =
        msg.state == MailState::Intake || (msg.state == MailState::Filed && msg.case_id.is_none());
    if !open_to_filing {
        return Err(AppError::field(
            "id",
            "This message has already been dealt with.",
        ));
    }
    let mut e = FieldErrors::new();
    let (constituent, case) = match (case_id, constituent_id) {
        (Some(k), _) => match crate::cases::get(app, actor, k).await {
            Ok(c) => (c.constituent_id, Some(c.id)),
            Err(AppError::NotFound) => {
                e.add("case_id", "There is no such case in this office.");
                (0, None)
            }
            Err(other) => return Err(other),
        },
        (None, Some(p)) => match app.data_for(actor).constituent(p).await {
            Ok(c) => (c.id, None),
            Err(casework_store::Error::NotFound) => {
                e.add(
                    "constituent_id",
                    "There is no such constituent in this office.",
                );
                (0, None)
            }
            Err(other) => return Err(other.into()),
        },
        (None, None) => {
            e.add(
                "case_id",
                "Choose a case or a constituent to file this message on.",
            );
            (0, None)
        }
    };
    if msg.state == MailState::Filed && msg.constituent_id != Some(constituent) && constituent != 0
    {
        e.add(
            "case_id",
            "This message is filed on another constituent; choose one of their cases.",
        );
    }
    // The message keeps what it was tagged with in intake, takes the case's
    // tags for the rest, and what was chosen now over both.
    use casework_store::Tagged;
    let framework = crate::tags::framework(app, actor).await?;
    let data = app.data_for(actor);
    let mut current = data.item_tags(Tagged::Correspondence, &[id]).await?;
    if let Some(k) = case {
        for t in data.item_tags(Tagged::Case, &[k]).await? {
            if !current.iter().any(|c| c.dimension_id == t.dimension_id) {
                current.push(t);
            }
        }
    }
    let (mut change, new_free) = framework.parse_change(tags, &current, &mut e);
    let missing = framework.missing_required(&current, &change);
    if !missing.is_empty() {
        e.add("tags", crate::tags::required_message(&missing));
    }
    check(e)?;
    crate::tags::make_free_tags(app, actor, &framework, &new_free, &mut change).await?;
    let entry = casework_store::NewEntry {
        correspondence_id: Some(id),
        ..casework_store::NewEntry::new(
            "tags",
            Some(actor.user_id),
            crate::tags::describe_change(&framework, &current, &change),
        )
    };
    // Filed and tagged in one transaction.
    match data
        .file_correspondence(
            id,
            constituent,
            case,
            actor.user_id,
            &change,
            Some(&entry),
            app.now(),
        )
        .await
    {
        Ok(()) => {}
        Err(casework_store::Error::Conflict) => {
            return Err(AppError::field(
                "id",
                "Someone else dealt with this message first.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    if let Some(k) = case
        && msg.direction == casework_domain::Direction::In
    {
        let mut items = Vec::new();
        let c = app.system_data(actor.office_id).case(k).await?;
        if let Some(assignee) = c.assignee_id {
            items.push(crate::notifications::reply(k, &c.reference, assignee, id));
        }
        crate::notifications::notify(app, actor.office_id, Some(actor.user_id), items).await;
    }
    Ok(())
}

/// Takes a message out of the intake inbox: no action needed.
pub async fn no_action(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    actor.require(Permission::TriageIntake)?;
    crate::correspondence::get(app, actor, id).await?;
    match app
        .data_for(actor)
        .mark_no_action(id, actor.user_id, app.now())
        .await
    {
        Ok(()) => Ok(()),
        Err(casework_store::Error::Conflict) => Err(AppError::field(
            "id",
            "This message has already been dealt with.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Details for a new constituent record guessed from an intake message.
pub fn prefill(c: &Correspondence) -> crate::constituents::ConstituentInput {
    let g = guess_signature(&c.from_name, &c.body_text);
    crate::constituents::ConstituentInput {
        first_name: g.first_name,
        last_name: g.last_name,
        email: c.from_address.clone(),
        phone: g.phone,
        postcode: g.postcode,
        address: g.address,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::reference_in;

    #[test]
    fn references_are_found_in_subjects() {
        assert_eq!(
            reference_in("Re: [CW-2026-00417] Passport")
                .unwrap()
                .as_str(),
            "CW-2026-00417"
        );
        assert_eq!(
            reference_in("re: about cw-2026-00012, again")
                .unwrap()
                .as_str(),
            "CW-2026-00012"
        );
        assert!(reference_in("CW-26-1 nothing").is_none());
        assert!(reference_in("no reference").is_none());
    }
}
