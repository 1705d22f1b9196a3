//! Sending email from a case: the reference in the subject, threading
//! headers so replies come back to the case, do-not-email respected,
//! approval for sensitive cases, and a durable outbox with retries.

use casework_domain::{
    Approval, Channel, Direction, FieldErrors, Permission, email_waits_for_approval,
};
pub use casework_mail::outgoing::OutgoingAttachment;
use casework_mail::outgoing::{Draft, build, send};
use casework_mail::sha256_hex;
use casework_store::blobs::NewFile;
use casework_store::{NewEntry, OutboxItem, Outgoing};
use serde::Deserialize;

use crate::{Actor, App, AppError, AppResult, check};

/// An email to send from a case.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EmailRequest {
    /// Recipients; empty means the case's constituent.
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
    /// The correspondence this answers (sets In-Reply-To and References).
    pub reply_to: Option<i64>,
    /// Send even though the constituent asked not to be emailed (recorded on the case).
    pub send_anyway: bool,
    /// A template's name: its subject and text, with merge fields filled, are used
    /// where `subject` or `body` is empty. An email from a template signed
    /// by the representative waits for approval, as a letter from it does.
    pub template: Option<String>,
    /// Attachments of the case's correspondence to send with it (their ids).
    pub attachment_ids: Vec<i64>,
    /// Letters on the case to send with it, as PDF (their correspondence ids).
    pub letter_ids: Vec<i64>,
    /// An email on this case waiting for approval that this one replaces:
    /// its edited version, by an approver or by its author. It answers
    /// what the old one answered, and waits for approval as it did (an
    /// approver's goes as it is made).
    pub replaces: Option<i64>,
    /// Files uploaded with the form (not part of the JSON API).
    #[serde(skip)]
    #[schema(ignore)]
    pub uploads: Vec<OutgoingAttachment>,
}

/// Files on a case that can be sent with an email from it.
pub async fn case_documents(
    app: &App,
    actor: &Actor,
    case_id: i64,
) -> AppResult<Vec<casework_store::CaseDocument>> {
    let case = crate::cases::get(app, actor, case_id).await?;
    Ok(app.data_for(actor).case_documents(case.id).await?)
}

/// The case's files chosen for an email, read from the attachment store.
async fn chosen_files(
    app: &App,
    actor: &Actor,
    case_id: i64,
    req: &EmailRequest,
    e: &mut FieldErrors,
) -> AppResult<Vec<OutgoingAttachment>> {
    if req.attachment_ids.is_empty() && req.letter_ids.is_empty() {
        return Ok(Vec::new());
    }
    let docs = app.data_for(actor).case_documents(case_id).await?;
    let mut chosen = Vec::new();
    let wanted = req
        .attachment_ids
        .iter()
        .map(|id| ("attachment", *id))
        .chain(req.letter_ids.iter().map(|id| ("letter", *id)));
    for (kind, id) in wanted {
        match docs.iter().find(|d| d.kind == kind && d.id == id) {
            None => e.add(
                "attachments",
                format!("The {kind} {id} is not on this case."),
            ),
            Some(d) if d.approval == Approval::Awaiting => e.add(
                "attachments",
                format!(
                    "The letter \"{}\" is waiting for approval and cannot be sent yet.",
                    d.name
                ),
            ),
            Some(d) if matches!(d.approval, Approval::Returned | Approval::Replaced) => e.add(
                "attachments",
                format!(
                    "The letter \"{}\" was not approved ({}) and cannot be sent.",
                    d.name,
                    d.approval.label().to_lowercase()
                ),
            ),
            Some(d) if d.blob.is_empty() => {
                e.add("attachments", format!("\"{}\" has no stored file.", d.name))
            }
            Some(d) => chosen.push(d.clone()),
        }
    }
    let total: i64 = chosen.iter().map(|d| d.size).sum();
    let max = app.settings.max_message_bytes as i64;
    if total > max {
        e.add(
            "attachments",
            format!(
                "The attachments come to {} MB, over the {} MB limit for a message.",
                total / (1024 * 1024),
                max / (1024 * 1024)
            ),
        );
    }
    if !e.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(chosen.len());
    for d in chosen {
        let data = app
            .files
            .get(&d.blob)
            .await
            .map_err(|e| AppError::Internal(format!("reading an attachment: {e}")))?;
        let filename = if d.kind == "letter" {
            let stem: String = d
                .name
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == ' ' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .take(60)
                .collect();
            format!("{}.pdf", stem.trim())
        } else {
            d.name
        };
        out.push(OutgoingAttachment {
            filename,
            content_type: d.content_type,
            data,
        });
    }
    Ok(out)
}

/// Most attempts before a message is marked failed and left for a person.
pub const MAX_ATTEMPTS: i64 = 8;

fn domain_of(address: &str) -> String {
    let a = address.trim().trim_end_matches('>');
    a.rsplit('@')
        .next()
        .filter(|d| !d.is_empty() && !d.contains(' '))
        .unwrap_or("casework.invalid")
        .to_owned()
}

/// Whether an email from `actor` on this case waits for approval: anything
/// on a sensitive case, unless someone who may approve outgoing mail sends
/// it. Pages call this to say so on the form.
pub fn needs_approval(actor: &Actor, sensitive: bool) -> bool {
    email_waits_for_approval(actor.role, sensitive)
}

/// Writes an email from a case and queues it. Returns the correspondence id.
pub async fn send_email(
    app: &App,
    actor: &Actor,
    case_id: i64,
    req: &EmailRequest,
) -> AppResult<i64> {
    let case = crate::cases::get(app, actor, case_id).await?;
    actor.require(Permission::SendEmail)?;
    let constituent = app.data_for(actor).constituent(case.constituent_id).await?;
    let smtp = &app.settings.smtp;
    let mut e = FieldErrors::new();
    if smtp.from.trim().is_empty() {
        e.add("from", "The office's sending address is not set up (CASEWORK_SMTP_FROM or [smtp] from in the configuration).");
    }
    let mut to: Vec<String> = req
        .to
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if to.is_empty() {
        if constituent.email.is_empty() {
            e.add("to", "This constituent has no email address; enter one.");
        } else {
            to.push(constituent.email.clone());
        }
    }
    for t in &to {
        if casework_domain::normalise_email(t.rsplit('<').next().unwrap_or(t).trim_end_matches('>'))
            .is_none()
        {
            e.add("to", format!("\"{t}\" is not an email address."));
        }
    }
    // The constituent's own addresses: the one on record and, when this
    // answers a message they sent, the address they wrote from.
    let mut theirs: Vec<String> = vec![constituent.email.clone()];
    if let Some(id) = req.reply_to
        && let Ok(parent) = app.data_for(actor).correspondence(id).await
        && parent.direction == Direction::In
        && parent.constituent_id == Some(constituent.id)
    {
        theirs.push(parent.from_address.clone());
    }
    theirs.retain(|a| !a.is_empty());
    let address_of = |t: &str| {
        t.rsplit('<')
            .next()
            .unwrap_or(t)
            .trim_end_matches('>')
            .trim()
            .to_lowercase()
    };
    let writes_to_constituent = to.iter().any(|t| theirs.contains(&address_of(t)));
    if constituent.do_not_email && writes_to_constituent && !req.send_anyway {
        e.add("to", format!("{} asked not to be emailed. Tick \"send anyway\" to override; the override is recorded on the case.", constituent.full_name()));
    }
    let (mut req_subject, mut req_body) = (req.subject.clone(), req.body.clone());
    // A template signed by the representative: the email waits for
    // approval, as a letter from it does (unless an approver writes it).
    let mut signed_by_rep = false;
    if let Some(t) = req.template.as_deref().filter(|t| !t.trim().is_empty()) {
        match crate::letters::fill(app, actor, &case, t).await {
            Ok((subject, body, signed)) => {
                signed_by_rep = signed;
                if req_subject.trim().is_empty() {
                    req_subject = subject;
                }
                if req_body.trim().is_empty() {
                    req_body = body;
                }
            }
            Err(AppError::Invalid(fields)) => {
                for (k, v) in fields.0 {
                    e.add(&k, v);
                }
            }
            Err(other) => return Err(other),
        }
    }
    let mut files = chosen_files(app, actor, case.id, req, &mut e).await?;
    files.extend(req.uploads.iter().cloned());
    let total: usize = files.iter().map(|f| f.data.len()).sum();
    if total > app.settings.max_message_bytes {
        e.add(
            "upload",
            format!(
                "The attachments come to {} MB, over the {} MB limit for a message.",
                total / (1024 * 1024),
                app.settings.max_message_bytes / (1024 * 1024)
            ),
        );
    }
    for f in &req.uploads {
        if f.filename.trim().is_empty() {
            e.add("upload", "A file without a name cannot be attached.");
        }
    }
    let body = e.required("body", "The message", &req_body, 100_000);
    let mut subject = e.required("subject", "The subject", &req_subject, 300);
    check(e)?;
    // The reference in the subject brings replies back to this case.
    let tag = format!("[{}]", case.reference);
    if !subject.contains(&tag) {
        subject = format!("{subject} {tag}");
    }
    let replaced = match req.replaces {
        Some(old) => {
            Some(crate::approvals::may_replace(app, actor, &case, old, Channel::Email).await?)
        }
        None => None,
    };
    let (in_reply_to, references) = match req.reply_to {
        Some(id) => {
            let parent = crate::correspondence::get(app, actor, id).await?;
            if parent.case_id != Some(case.id) {
                return Err(AppError::field(
                    "reply_to",
                    "That message is not on this case.",
                ));
            }
            let mut refs: Vec<String> = parent
                .reference_ids
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            if !parent.message_id.is_empty() {
                refs.push(parent.message_id.clone());
            }
            (Some(parent.message_id).filter(|m| !m.is_empty()), refs)
        }
        None => match &replaced {
            Some(old) => (
                Some(old.in_reply_to.clone()).filter(|m| !m.is_empty()),
                old.reference_ids
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            ),
            None => (None, Vec::new()),
        },
    };
    let built = build(&Draft {
        from: &smtp.from,
        to: &to,
        subject: &subject,
        body: &body,
        in_reply_to: in_reply_to.as_deref(),
        references: &references,
        domain: &domain_of(&smtp.from),
        attachments: &files,
    })
    .map_err(|m| AppError::field("to", m))?;
    let raw_key = sha256_hex(&built.raw);
    // The message and each attached file are kept, so the case keeps what was sent.
    let mut to_keep = vec![NewFile {
        key: raw_key.clone(),
        bytes: built.raw.clone(),
    }];
    let mut attachments = Vec::with_capacity(files.len());
    for f in &files {
        let k = sha256_hex(&f.data);
        attachments.push(crate::files::kept_file(
            &f.filename,
            &f.content_type,
            &f.data,
            k.clone(),
        ));
        to_keep.push(NewFile {
            key: k,
            bytes: f.data.clone(),
        });
    }
    let kept = app
        .files
        .keep(to_keep)
        .await
        .map_err(|e| AppError::Internal(format!("saving an outgoing message: {e}")))?;
    let hold = needs_approval(actor, case.sensitive)
        || ((replaced.is_some() || signed_by_rep) && !actor.can(Permission::ApproveOutgoing));
    let mut body_note = format!("Email to {}: {subject}", built.to.join(", "));
    if !files.is_empty() {
        let names: Vec<&str> = files.iter().map(|f| f.filename.as_str()).collect();
        body_note.push_str(&format!(" (with {})", names.join(", ")));
    }
    if constituent.do_not_email && writes_to_constituent {
        body_note.push_str(" (sent despite the constituent's do-not-email preference)");
    }
    if hold {
        body_note.push_str(if signed_by_rep && !case.sensitive {
            " — signed by the representative: waiting for approval"
        } else {
            " — waiting for approval"
        });
    }
    let entry = NewEntry::new("email_out", Some(actor.user_id), body_note);
    let out = Outgoing {
        case_id: case.id,
        constituent_id: case.constituent_id,
        dedupe_key: casework_mail::dedupe_key(&built.message_id, &built.raw),
        message_id: built.message_id.clone(),
        in_reply_to: in_reply_to.unwrap_or_default(),
        reference_ids: references.join(" "),
        from_address: built.from.clone(),
        to_addresses: built.to.clone(),
        subject,
        body_text: body,
        raw_blob: raw_key,
        raw_size: built.raw.len() as i64,
        needs_approval: hold,
        created_by: actor.user_id,
        attachments,
        replaces: req.replaces,
    };
    let id = match app
        .data_for(actor)
        .with_files(kept)
        .queue_email(&out, &entry, app.now())
        .await
    {
        Err(casework_store::Error::Conflict) => return Err(crate::approvals::not_waiting()),
        other => other?,
    };
    if let Some(old) = req.replaces {
        crate::approvals::tell_replaced(app, actor, &case, old, id).await;
    }
    tracing::info!(
        case_id = case.id,
        correspondence_id = id,
        by = actor.user_id,
        held = hold,
        "email queued"
    );
    Ok(id)
}

/// A template filled for this case, to start an email from: (subject,
/// text). Nothing is kept.
pub async fn fill_template(
    app: &App,
    actor: &Actor,
    case_id: i64,
    template: &str,
) -> AppResult<(String, String)> {
    let case = crate::cases::get(app, actor, case_id).await?;
    actor.require(Permission::SendEmail)?;
    let (subject, body, _) = crate::letters::fill(app, actor, &case, template).await?;
    Ok((subject, body))
}

/// When this server cannot send email yet: a sentence for the person
/// about to write one, naming who to ask (the office's administrators).
pub async fn not_set_up(app: &App, actor: &Actor) -> AppResult<Option<String>> {
    if app.settings.smtp.is_configured() {
        return Ok(None);
    }
    let admins: Vec<String> = app
        .system_data(actor.office_id)
        .users()
        .await?
        .into_iter()
        .filter(|u| u.active && u.role() == casework_domain::Role::Admin)
        .map(|u| u.display_name)
        .collect();
    let ask = if admins.is_empty() {
        "the person who runs Casework for the office".to_owned()
    } else {
        admins.join(" or ")
    };
    Ok(Some(format!(
        "Email is not set up on this server yet: what you write waits in the outbox and goes out once it is. Ask {ask} to set up sending."
    )))
}

/// Office managers and the representative release held messages.
pub async fn approve(app: &App, actor: &Actor, outbox_id: i64) -> AppResult<()> {
    if !actor.can(Permission::ApproveOutgoing) {
        return Err(AppError::Forbidden(
            "Only an office manager or the representative can approve messages.".into(),
        ));
    }
    let item = app.data_for(actor).outbox_item(outbox_id).await?;
    match app
        .data_for(actor)
        .approve_outbox(outbox_id, actor.user_id, app.now())
        .await
    {
        Ok(()) => {
            let message = crate::correspondence::get(app, actor, item.correspondence_id).await?;
            if let Some(author) = message.filed_by {
                crate::notifications::notify(
                    app,
                    actor.office_id,
                    Some(actor.user_id),
                    vec![crate::notifications::approved(
                        "email",
                        item.case_id.zip(item.case_reference.as_deref()),
                        author,
                        item.correspondence_id,
                        actor,
                    )],
                )
                .await;
            }
            Ok(())
        }
        Err(casework_store::Error::Conflict) => Err(AppError::field(
            "id",
            "This message is not waiting for approval.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Why a message is set aside when its sender stopped mid-handover.
pub const UNSURE: &str = "Casework stopped while handing this message to the mail server, so it may or may not have gone. \
    It is not sent again by itself, so that nobody gets it twice: check the mail server's log or ask the recipient, \
    then choose Try again, or It was sent.";

/// Whether a message's last error is [`UNSURE`]: set aside because its
/// sender stopped mid-handover, so it may have gone.
pub fn is_unsure(last_error: &str) -> bool {
    last_error == UNSURE
}

/// A person found that a failed message went after all (one set aside
/// because its sender stopped mid-handover, say): it is recorded as sent.
pub async fn mark_sent(app: &App, actor: &Actor, outbox_id: i64) -> AppResult<()> {
    failed_message(app, actor, outbox_id).await?;
    match app
        .data_for(actor)
        .outbox_mark_sent(outbox_id, app.now())
        .await
    {
        Ok(()) => Ok(()),
        Err(casework_store::Error::Conflict) => Err(AppError::field(
            "id",
            "Only a failed message can be marked as sent.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// The checks before a person acts on a failed message: the case is one
/// they may see, and they may send email.
async fn failed_message(app: &App, actor: &Actor, outbox_id: i64) -> AppResult<()> {
    let item = app.data_for(actor).outbox_item(outbox_id).await?;
    // An email on a case the actor may not see does not exist for them.
    if let Some(k) = item.case_id {
        crate::cases::get(app, actor, k).await?;
    }
    actor.require(Permission::SendEmail)
}

pub async fn retry(app: &App, actor: &Actor, outbox_id: i64) -> AppResult<()> {
    failed_message(app, actor, outbox_id).await?;
    match app.data_for(actor).retry_outbox(outbox_id, app.now()).await {
        Ok(()) => Ok(()),
        Err(casework_store::Error::Conflict) => Err(AppError::field(
            "id",
            "Only a failed message can be retried.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// The office's outbox (messages on cases the actor cannot see are left out
/// by the door).
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<OutboxItem>> {
    Ok(app.data_for(actor).outbox(500).await?)
}

pub async fn for_case(app: &App, actor: &Actor, case_id: i64) -> AppResult<Vec<OutboxItem>> {
    let case = crate::cases::get(app, actor, case_id).await?;
    Ok(app.data_for(actor).case_outbox(case.id).await?)
}

/// Sends what is due. Returns how many were sent. Called by the background
/// worker; safe to run on several app servers at once.
pub async fn deliver_due(app: &App) -> AppResult<usize> {
    let smtp = &app.settings.smtp;
    if !smtp.is_configured() {
        return Ok(0);
    }
    let now = app.now();
    let mut limit = 20;
    let per_minute = app.settings.smtp_per_minute;
    if per_minute > 0 {
        // The worker ticks every two seconds: spread the minute's allowance.
        let left = per_minute - app.store.sent_since(now - 60_000).await?;
        limit = left.min((per_minute + 29) / 30).min(limit);
        if limit <= 0 {
            return Ok(0);
        }
    }
    let unsure = app.store.set_aside_unsure(now, UNSURE).await?;
    if !unsure.is_empty() {
        tracing::warn!(outbox_ids = ?unsure, "a sender stopped while handing these to the mail server: set aside, not sent again");
    }
    let lease = app.settings.outbox_lease_seconds.max(5) * 1000;
    let jobs = app.store.claim_outbox(now, now + lease, limit).await?;
    let mut sent = 0;
    for job in jobs {
        let c = app
            .system_data(job.office_id)
            .correspondence(job.correspondence_id)
            .await?;
        let raw = match c.raw_blob {
            Some(key) => app.files.get(&key).await,
            None => Err(std::io::Error::other("no stored message")),
        };
        let to: Vec<String> = job
            .envelope_to
            .split(',')
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
            .collect();
        let result = match raw {
            Ok(bytes) => {
                // From here the mail server may take it: if this server
                // stops before the outcome is recorded, it is not resent.
                // Claimed since by another worker (this one was slow past
                // its lease): theirs to send.
                if !app
                    .store
                    .outbox_handing(job.id, job.attempts, app.now())
                    .await?
                {
                    tracing::warn!(
                        outbox_id = job.id,
                        "lease ran out before sending: left to the worker that claimed it since"
                    );
                    continue;
                }
                send(smtp, &job.envelope_from, &to, &bytes).await
            }
            Err(e) => Err(format!("The stored message could not be read: {e}")),
        };
        match result {
            Ok(()) => {
                app.store.outbox_sent(job.id, app.now()).await?;
                sent += 1;
                tracing::info!(outbox_id = job.id, "email sent");
            }
            Err(error) => {
                // 1, 2, 4, … minutes, then a person decides.
                let retry_at = (job.attempts < MAX_ATTEMPTS)
                    .then(|| app.now() + 60_000 * (1i64 << (job.attempts - 1).clamp(0, 6)));
                tracing::warn!(outbox_id = job.id, attempts = job.attempts, error = %error, "email not sent");
                app.store
                    .outbox_failed(job.id, job.attempts, &error, retry_at)
                    .await?;
            }
        }
    }
    Ok(sent)
}
