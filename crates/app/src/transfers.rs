//! Transfer of a case to another office or level of government: a referral
//! email (with the handover package attached) or letter, the case marked
//! transferred with its Transferability value, and the handover package
//! itself, as one PDF and as documented JSON.

use casework_domain::{FieldErrors, Permission, Status, tags::effect};
use casework_letters::{Report, Section, render_report};
use casework_store::{CaseFields, NewEntry, NewTransfer, TagChange};
use serde::{Deserialize, Serialize};

use crate::outbox::{EmailRequest, OutgoingAttachment};
use crate::{Actor, App, AppError, AppResult, check, iso_time};

/// How a case is handed over.
pub const CHANNELS: &[(&str, &str)] = &[
    (
        "email",
        "A referral email, with the handover package attached",
    ),
    ("letter", "A referral letter, printed and posted"),
    ("none", "Handed over another way (recorded only)"),
];

/// A transfer to make, from the form or the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TransferRequest {
    /// Who takes the case over ("Office of the MPP for Riverside North").
    pub to: String,
    /// `email` (default): a referral email to `email`, with the handover
    /// package attached as PDF unless `attach_package` is false; `letter`: a
    /// referral letter addressed to `to` and `address`, kept on the case
    /// for printing; `none`: handed over another way, recorded only.
    pub send: String,
    /// The referral email's address.
    pub email: String,
    /// The referral letter's postal address, one line each.
    pub address: String,
    /// The Transferability value (its id or name): where the case goes.
    /// Empty: the case's own value when it is one that transfers, or the
    /// only such value.
    pub destination: String,
    /// Why the case is transferred (kept on the case; written into the
    /// standard referral).
    pub reason: String,
    /// A template's name for the referral; empty: the standard referral,
    /// unless `body` is written.
    pub template: String,
    /// The referral's own text (merge fields allowed), instead of a
    /// template or the standard referral.
    pub body: String,
    /// Attach the handover package to a referral email (default true).
    pub attach_package: Option<bool>,
    /// Put the case's notes (calls, meetings, notes) in the package
    /// attached to the referral (default false: correspondence only).
    pub include_notes: bool,
    /// The case's version as read; a case changed since is a conflict.
    pub version: Option<i64>,
}

/// A transfer as the case shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TransferOut {
    pub id: i64,
    pub case_id: i64,
    pub to: String,
    /// The referral email's address, or empty.
    pub email: String,
    /// `email`, `letter` or `none`.
    pub send: String,
    /// The referral email or letter on the case.
    pub correspondence_id: Option<i64>,
    /// The Transferability value it went as.
    pub destination: String,
    pub reason: String,
    /// The case's status before it was transferred.
    pub previous_status: String,
    pub by: String,
    /// RFC 3339, UTC.
    pub at: String,
    #[serde(skip)]
    pub at_ms: i64,
}

impl From<casework_store::Transfer> for TransferOut {
    fn from(t: casework_store::Transfer) -> Self {
        TransferOut {
            id: t.id,
            case_id: t.case_id,
            to: t.recipient,
            email: t.recipient_email,
            send: t.channel,
            correspondence_id: t.correspondence_id,
            destination: t.destination,
            reason: t.reason,
            previous_status: t.previous_status,
            by: t.by_name,
            at: iso_time(t.transferred_at),
            at_ms: t.transferred_at,
        }
    }
}

/// A case's transfers, oldest first.
pub async fn of_case(app: &App, actor: &Actor, case_id: i64) -> AppResult<Vec<TransferOut>> {
    let case = crate::cases::get(app, actor, case_id).await?;
    Ok(app
        .data_for(actor)
        .case_transfers(case.id)
        .await?
        .into_iter()
        .map(TransferOut::from)
        .collect())
}

/// The Transferability values a case can be transferred as: (id, name).
pub async fn destinations(app: &App, actor: &Actor) -> AppResult<Vec<(i64, String)>> {
    let f = crate::tags::framework(app, actor).await?;
    Ok(f.dimension("transferability")
        .map(|d| {
            d.values
                .iter()
                .filter(|v| v.effect == effect::TRANSFER && !v.retired)
                .map(|v| (v.id, v.path.clone()))
                .collect()
        })
        .unwrap_or_default())
}

/// The standard referral: (subject, text without a sign-off).
fn standard_referral(
    fields: &casework_letters::MergeFields,
    to: &str,
    reason: &str,
    with_package: bool,
) -> (String, String) {
    let subject = format!("Referral: {}", fields.case.title);
    let mut body = format!(
        "Dear colleagues at {to},\n\n{} contacted {} about the matter below, which falls to you rather than to us. We are referring it to you with their knowledge.\n\nConstituent: {}\nAddress: {}{}\nOur reference: {}\nMatter: {}",
        fields.constituent.full_name,
        fields.office.name,
        fields.constituent.full_name,
        fields.constituent.address,
        if fields.constituent.postcode.is_empty() {
            String::new()
        } else {
            format!(", {}", fields.constituent.postcode)
        },
        fields.case.reference,
        fields.case.title,
    );
    if !reason.trim().is_empty() {
        body.push_str(&format!("\n\nWhy we are referring it: {}", reason.trim()));
    }
    body.push_str(if with_package {
        "\n\nThe attached handover package holds the case and its correspondence so far."
    } else {
        "\n\nWe can send the case and its correspondence so far on request."
    });
    body.push_str(&format!(
        "\n\nPlease quote our reference {} if you write to us about it. Thank you for taking it on.",
        fields.case.reference
    ));
    (subject, body)
}

/// Transfers a case: makes the referral (email or letter), then marks the
/// case transferred, sets its Transferability value and records where it
/// went, in one transaction. Nothing is marked when the referral cannot be
/// made; every field is checked before anything is made.
pub async fn transfer(
    app: &App,
    actor: &Actor,
    case_id: i64,
    req: &TransferRequest,
) -> AppResult<TransferOut> {
    let case = crate::cases::get(app, actor, case_id).await?;
    actor.require(Permission::EditCases)?;
    if req.version.is_some_and(|v| v != case.version) {
        return Err(AppError::Conflict);
    }
    let mut e = FieldErrors::new();
    let before = case.status();
    if !before.is_active() {
        e.add(
            "status",
            format!(
                "This case is {}: reopen it before transferring it.",
                before.label().to_lowercase()
            ),
        );
    }
    let to = e.required("to", "Who takes the case over", &req.to, 200);
    let reason = e.optional("reason", "The reason", &req.reason, 2000);
    let send = match req.send.trim() {
        "" | "email" => "email",
        "letter" => "letter",
        "none" => "none",
        _ => {
            e.add("send", "Choose email, letter or none.");
            "none"
        }
    };
    let email = req.email.trim().to_owned();
    if send == "email" {
        if email.is_empty() {
            e.add("email", "Enter the email address to send the referral to.");
        } else if casework_domain::normalise_email(&email).is_none() {
            e.add("email", format!("\"{email}\" is not an email address."));
        }
        actor.require(Permission::SendEmail)?;
    }
    if send == "letter" {
        actor.require(Permission::WriteLetters)?;
    }
    let address: Vec<String> = req
        .address
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if address.len() > 9 || address.iter().any(|l| l.chars().count() > 200) {
        e.add(
            "address",
            "An address has at most 9 lines of 200 characters.",
        );
    }
    if !req.body.trim().is_empty() {
        crate::letters::check_author(actor, &mut e, "body", &req.body);
    }
    let template = req.template.trim();
    if !template.is_empty() && send == "none" {
        e.add(
            "template",
            "A referral template is for an email or a letter; nothing is sent when the case is handed over another way.",
        );
    } else if !template.is_empty() {
        match app.data_for(actor).template_by_name(template).await {
            Ok(_) => {}
            Err(casework_store::Error::NotFound) => e.add(
                "template",
                format!("There is no template called \"{template}\"."),
            ),
            Err(other) => return Err(other.into()),
        }
    }
    // Where it goes: a Transferability value that transfers.
    let f = crate::tags::framework(app, actor).await?;
    let current = app
        .data_for(actor)
        .item_tags(casework_store::Tagged::Case, &[case.id])
        .await?;
    let mut change = TagChange::default();
    let mut destination = String::new();
    match f.dimension("transferability") {
        None => e.add(
            "destination",
            "This office has no Transferability dimension.",
        ),
        Some(d) => {
            let transfers: Vec<&crate::tags::Value> = d
                .values
                .iter()
                .filter(|v| v.effect == effect::TRANSFER && !v.retired)
                .collect();
            let own = current
                .iter()
                .find(|t| t.dimension_id == d.dim.id)
                .map(|t| t.tag_id);
            let chosen = if req.destination.trim().is_empty() {
                match own.and_then(|id| transfers.iter().find(|v| v.id == id)) {
                    Some(v) => Ok(*v),
                    None if transfers.len() == 1 => Ok(transfers[0]),
                    None => Err(format!(
                        "Choose where the case goes: {}.",
                        transfers
                            .iter()
                            .map(|v| format!("\"{}\"", v.path))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )),
                }
            } else {
                f.resolve(d, &req.destination).and_then(|v| {
                    if v.effect == effect::TRANSFER {
                        Ok(v)
                    } else {
                        Err(format!(
                            "\"{}\" keeps the case here; choose one of: {}.",
                            v.path,
                            transfers
                                .iter()
                                .map(|v| format!("\"{}\"", v.path))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    }
                })
            };
            match chosen {
                Ok(v) => {
                    destination = v.path.clone();
                    if own != Some(v.id) {
                        change.set.push((d.dim.id, Some(v.id)));
                    }
                }
                Err(m) => e.add("destination", m),
            }
        }
    }
    check(e)?;

    // The referral.
    let with_package = send == "email" && req.attach_package.unwrap_or(true);
    let fields = crate::letters::merge_fields(app, actor, &case).await?;
    let (standard_subject, standard_body) = standard_referral(&fields, &to, &reason, with_package);
    let template = req.template.trim();
    let correspondence_id = match send {
        "email" => {
            let mut uploads = Vec::new();
            if with_package {
                let (_, pdf) = package_pdf(app, actor, case.id, req.include_notes).await?;
                uploads.push(OutgoingAttachment {
                    filename: format!("Handover {}.pdf", case.reference),
                    content_type: "application/pdf".into(),
                    data: pdf,
                });
            }
            let (subject, body) = if !template.is_empty() {
                (String::new(), String::new())
            } else if !req.body.trim().is_empty() {
                let body = crate::letters::merge_off_thread(&req.body, &fields)
                    .await
                    .map_err(|m| AppError::field("body", m))?;
                (standard_subject, body)
            } else {
                let sign_off = format!(
                    "\n\nYours sincerely,\n\n{}\n{}",
                    fields.caseworker.name, fields.office.name
                );
                (standard_subject, standard_body + &sign_off)
            };
            let email_req = EmailRequest {
                to: vec![email.clone()],
                subject,
                body,
                template: Some(template.to_owned()).filter(|t| !t.is_empty()),
                uploads,
                ..EmailRequest::default()
            };
            Some(crate::outbox::send_email(app, actor, case.id, &email_req).await?)
        }
        "letter" => {
            let mut lines = vec![to.clone()];
            lines.extend(address);
            let id = if !template.is_empty() || !req.body.trim().is_empty() {
                let letter = crate::letters::LetterRequest {
                    template: Some(template.to_owned()).filter(|t| !t.is_empty()),
                    body: Some(req.body.clone()).filter(|b| !b.trim().is_empty()),
                    to: lines,
                    replaces: None,
                };
                crate::letters::create(app, actor, case.id, &letter).await?
            } else {
                crate::letters::make(
                    app,
                    actor,
                    &case,
                    standard_subject,
                    standard_body,
                    false,
                    &lines,
                )
                .await?
            };
            Some(id)
        }
        _ => None,
    };

    // The case, marked.
    let mut after = CaseFields::from(&case);
    after.status = Status::Transferred;
    let how = match send {
        "email" => format!(" by email to {email}"),
        "letter" => " by letter".to_owned(),
        _ => String::new(),
    };
    let mut note = format!("Transferred to {to} ({destination}){how}");
    if !reason.is_empty() {
        note.push_str(&format!(": {reason}"));
    }
    let mut entry = NewEntry::new("transfer", Some(actor.user_id), note);
    entry.correspondence_id = correspondence_id;
    entry.changes = Some(
        serde_json::json!({"status": [before.as_str(), Status::Transferred.as_str()]}).to_string(),
    );
    let record = NewTransfer {
        recipient: to.clone(),
        recipient_email: if send == "email" {
            email.clone()
        } else {
            String::new()
        },
        channel: send.to_owned(),
        correspondence_id,
        destination,
        reason,
        previous_status: before.as_str().to_owned(),
        by: actor.user_id,
    };
    let now = app.now();
    // The referral was made from the case as read: a version changed since
    // (someone edited the case meanwhile) is reported, the referral kept.
    match app
        .data_for(actor)
        .update_case(
            case.id,
            case.version,
            &after,
            case.closed_at,
            &[entry],
            &change,
            Some(&record),
            now,
        )
        .await
    {
        Ok(()) => {}
        Err(casework_store::Error::Conflict) => {
            return Err(AppError::field(
                "version",
                "Someone changed the case while it was being transferred: the referral was made and is on the case, but the case is not marked transferred. Check the case and transfer it again with \"Handed over another way\".",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(
        case_id = case.id,
        by = actor.user_id,
        send,
        "case transferred"
    );
    let mut all = of_case(app, actor, case.id).await?;
    all.pop()
        .ok_or_else(|| AppError::Internal("the transfer was not recorded".into()))
}

/// The handover package as documented JSON (docs/handover.md).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Handover {
    /// Always `casework-handover`.
    pub format: String,
    /// The layout's version: 1.
    pub version: i64,
    /// RFC 3339, UTC.
    pub produced_at: String,
    pub produced_by: String,
    pub office: HandoverOffice,
    pub case: HandoverCase,
    pub constituent: HandoverPerson,
    /// Others on the case (family members, carers), with how they relate.
    pub people: Vec<HandoverRelated>,
    /// Emails, letters and records on the case, oldest first (at most
    /// 5,000), that the reader may see.
    pub correspondence: Vec<HandoverItem>,
    /// The case's notes (calls, meetings, notes), oldest first; empty
    /// unless asked for.
    pub notes: Vec<HandoverNote>,
    pub transfers: Vec<TransferOut>,
    /// True when the case has more correspondence than the package holds.
    pub truncated: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverOffice {
    pub name: String,
    /// The letterhead's address lines.
    pub address: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverCase {
    pub reference: String,
    pub title: String,
    pub summary: String,
    pub status: String,
    pub agency: String,
    pub assignee: String,
    /// RFC 3339, UTC.
    pub opened_at: String,
    /// `YYYY-MM-DD`, or empty.
    pub review_date: String,
    /// One per dimension (and each free tag): `{"dimension": "Category",
    /// "value": "Housing › Disrepair"}`.
    pub tags: Vec<HandoverTag>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverTag {
    pub dimension: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverPerson {
    pub full_name: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    /// Where post goes when it is not `address`; often empty.
    pub mailing_address: String,
    pub postcode: String,
    pub do_not_email: bool,
    pub do_not_mail: bool,
    pub do_not_phone: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverRelated {
    pub full_name: String,
    pub relationship: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverItem {
    pub id: i64,
    /// RFC 3339, UTC: when it arrived or was sent.
    pub at: String,
    /// `in`, `out` or `internal`.
    pub direction: String,
    /// `email`, `letter`, `call`, `meeting`, `visit`, `post`, `document` or `note`.
    pub channel: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    /// The text (for an email, its plain text).
    pub text: String,
    /// The attachments' names, types, sizes and SHA-256 (not their content).
    pub attachments: Vec<HandoverFile>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverFile {
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverNote {
    /// RFC 3339, UTC.
    pub at: String,
    /// `note`, `call`, `meeting`, `visit`, `post` or `document`.
    pub kind: String,
    pub by: String,
    pub text: String,
}

/// The handover package of a case the reader may see.
pub async fn handover(
    app: &App,
    actor: &Actor,
    case_id: i64,
    include_notes: bool,
) -> AppResult<Handover> {
    let case = crate::cases::get(app, actor, case_id).await?;
    let data = app.data_for(actor);
    let person = data.constituent(case.constituent_id).await?;
    let office = app.store.office(actor.office_id).await?;
    let letterhead = data.letterhead().await?;
    let tags = crate::cases::tags_of(app, actor, &[case.id])
        .await?
        .remove(&case.id)
        .unwrap_or_default();
    let people = data.case_people(case.id).await?;
    let (messages, files) = data.handover_messages(case.id).await?;
    let truncated = messages.len() as i64 >= casework_store::HANDOVER_MAX_MESSAGES;
    let notes = if include_notes {
        crate::cases::timeline(app, actor, case.id)
            .await?
            .into_iter()
            .filter(|t| crate::cases::NOTE_KINDS.iter().any(|(k, _)| *k == t.kind))
            .rev()
            .map(|t| HandoverNote {
                at: iso_time(t.at),
                kind: t.kind,
                by: t.actor_name.unwrap_or_default(),
                text: t.body,
            })
            .collect()
    } else {
        Vec::new()
    };
    let transfers = data
        .case_transfers(case.id)
        .await?
        .into_iter()
        .map(TransferOut::from)
        .collect();
    Ok(Handover {
        format: "casework-handover".into(),
        version: 1,
        produced_at: iso_time(app.now()),
        produced_by: actor.display_name.clone(),
        office: HandoverOffice {
            name: office.name,
            address: letterhead
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        },
        case: HandoverCase {
            reference: case.reference.clone(),
            title: case.title.clone(),
            summary: case.summary.clone(),
            status: case.status.clone(),
            agency: case.agency.clone(),
            assignee: case.assignee_name.clone().unwrap_or_default(),
            opened_at: iso_time(case.opened_at),
            review_date: case.review_date.clone().unwrap_or_default(),
            tags: tags
                .into_iter()
                .map(|t| HandoverTag {
                    dimension: if t.dimension == "free" {
                        "Tag".into()
                    } else {
                        t.dimension_name
                    },
                    value: t.value,
                })
                .collect(),
        },
        constituent: HandoverPerson {
            full_name: person.full_name(),
            first_name: person.first_name,
            last_name: person.last_name,
            email: person.email,
            phone: person.phone,
            address: person.address,
            mailing_address: person.mailing_address,
            postcode: person.postcode,
            do_not_email: person.do_not_email,
            do_not_mail: person.do_not_mail,
            do_not_phone: person.do_not_phone,
        },
        people: people
            .into_iter()
            .map(|p| HandoverRelated {
                full_name: p.name,
                relationship: p.relationship,
            })
            .collect(),
        correspondence: messages
            .into_iter()
            .map(|m| HandoverItem {
                id: m.id,
                at: iso_time(m.received_at),
                direction: m.direction.as_str().into(),
                channel: m.channel.as_str().into(),
                from: match (m.from_name.is_empty(), m.from_address.is_empty()) {
                    (false, false) => format!("{} <{}>", m.from_name, m.from_address),
                    (true, _) => m.from_address,
                    (false, true) => m.from_name,
                },
                to: m.to_addresses,
                subject: m.subject,
                text: m.body_text,
                attachments: files
                    .iter()
                    .filter(|a| a.correspondence_id == m.id)
                    .map(|a| HandoverFile {
                        filename: a.filename.clone(),
                        content_type: a.content_type.clone(),
                        size: a.size,
                        sha256: a.blob.clone(),
                    })
                    .collect(),
            })
            .collect(),
        notes,
        transfers,
        truncated,
    })
}

/// The handover package as one PDF on the office's letterhead, with the
/// case's reference (for the file's name).
pub async fn package_pdf(
    app: &App,
    actor: &Actor,
    case_id: i64,
    include_notes: bool,
) -> AppResult<(String, Vec<u8>)> {
    let h = handover(app, actor, case_id, include_notes).await?;
    let logo = app.data_for(actor).letterhead_logo().await?;
    let logos = crate::letters::load_logos(app, logo.iter().cloned().collect()).await;
    let report = report_of(&h, logo);
    let pdf = tokio::task::spawn_blocking(move || render_report(&report, &logos))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((h.case.reference, pdf))
}

fn report_of(h: &Handover, logo: Option<String>) -> Report {
    let when = |iso: &str| {
        // "2026-12-05T16:30:00Z" → "2026-12-05 16:30 UTC"
        iso.get(..16)
            .map(|s| format!("{} UTC", s.replace('T', " ")))
            .unwrap_or_default()
    };
    let c = &h.case;
    let mut case_facts = vec![
        ("Title".to_owned(), c.title.clone()),
        ("Status".to_owned(), c.status.clone()),
        ("Opened".to_owned(), when(&c.opened_at)),
    ];
    for t in &c.tags {
        case_facts.push((t.dimension.clone(), t.value.clone()));
    }
    for (label, v) in [
        ("Agency", &c.agency),
        ("Caseworker", &c.assignee),
        ("Review date", &c.review_date),
    ] {
        if !v.is_empty() {
            case_facts.push((label.to_owned(), v.clone()));
        }
    }
    let p = &h.constituent;
    let mut person = vec![("Name".to_owned(), p.full_name.clone())];
    for (label, v) in [
        ("Address", &p.address),
        ("Postcode", &p.postcode),
        ("Mailing address", &p.mailing_address),
        ("Email", &p.email),
        ("Phone", &p.phone),
    ] {
        if !v.is_empty() {
            person.push((label.to_owned(), v.clone()));
        }
    }
    let asked: Vec<&str> = [
        (p.do_not_email, "no email"),
        (p.do_not_mail, "no post"),
        (p.do_not_phone, "no calls"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, t)| *t)
    .collect();
    if !asked.is_empty() {
        person.push(("Asked for".to_owned(), asked.join(", ")));
    }
    for r in &h.people {
        person.push((
            "Also on the case".to_owned(),
            if r.relationship.is_empty() {
                r.full_name.clone()
            } else {
                format!("{} ({})", r.full_name, r.relationship)
            },
        ));
    }
    let mut sections = vec![
        Section {
            heading: "The case".into(),
            facts: case_facts,
            text: c.summary.clone(),
        },
        Section {
            heading: "The constituent".into(),
            facts: person,
            text: String::new(),
        },
    ];
    for t in &h.transfers {
        sections.push(Section {
            heading: format!("Transferred to {}", t.to),
            facts: vec![
                ("When".into(), when(&t.at)),
                ("As".into(), t.destination.clone()),
                ("By".into(), t.by.clone()),
            ],
            text: t.reason.clone(),
        });
    }
    for m in &h.correspondence {
        let what = match (m.direction.as_str(), m.channel.as_str()) {
            ("in", "email") => "Email received",
            ("out", "email") => "Email sent",
            ("out", "letter") => "Letter sent",
            ("in", _) => "Received",
            _ => "Record",
        };
        let mut facts = vec![("Date".to_owned(), when(&m.at))];
        if !m.from.is_empty() {
            facts.push(("From".into(), m.from.clone()));
        }
        if !m.to.is_empty() {
            facts.push(("To".into(), m.to.clone()));
        }
        if !m.attachments.is_empty() {
            facts.push((
                "Attachments".into(),
                m.attachments
                    .iter()
                    .map(|a| a.filename.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        sections.push(Section {
            heading: format!(
                "{what}: {}",
                if m.subject.is_empty() {
                    "(no subject)"
                } else {
                    &m.subject
                }
            ),
            facts,
            text: m.text.clone(),
        });
    }
    for n in &h.notes {
        sections.push(Section {
            heading: format!("Note ({})", n.kind),
            facts: vec![("Date".into(), when(&n.at)), ("By".into(), n.by.clone())],
            text: n.text.clone(),
        });
    }
    if h.truncated {
        sections.push(Section {
            heading: "More correspondence".into(),
            facts: Vec::new(),
            text: "The case has more correspondence than one package holds; the oldest 5,000 items are above.".into(),
        });
    }
    let mut letterhead = vec![h.office.name.clone()];
    letterhead.extend(h.office.address.iter().cloned());
    Report {
        letterhead,
        logo,
        title: format!("Handover package: {} {}", c.reference, c.title),
        subtitle: vec![format!(
            "Prepared on {} by {}. Personal information: keep it safe and use it only for this case.",
            when(&h.produced_at),
            h.produced_by
        )],
        sections,
        footer: format!("{} · {}", c.reference, h.office.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_referral_names_the_case_and_the_reason() {
        let mut f = casework_letters::MergeFields::default();
        f.constituent.full_name = "Jane Sample".into();
        f.constituent.address = "12 Elm Street".into();
        f.constituent.postcode = "R2C 1A1".into();
        f.case.reference = "CW-2026-00001".into();
        f.case.title = "Bin collection".into();
        f.office.name = "Riverside Office".into();
        let (subject, body) = standard_referral(&f, "City Council", "A council service", true);
        assert_eq!(subject, "Referral: Bin collection");
        assert!(body.starts_with("Dear colleagues at City Council,"));
        assert!(body.contains("Address: 12 Elm Street, R2C 1A1"));
        assert!(body.contains("Why we are referring it: A council service"));
        assert!(body.contains("attached handover package"));
        let (_, body) = standard_referral(&f, "City Council", "", false);
        assert!(!body.contains("Why we are"));
        assert!(!body.contains("attached"));
    }
}
