//! A campaign's one reply to all: drafted with merge fields, approved by an
//! office manager or the representative, and queued through the outbox to
//! every sender once (respecting do-not-email and the district). Who it goes
//! to is decided in one place (`plan_replies`), used both to send and to
//! count the people beforehand ([`send_preview`]), so the number a person
//! confirms is the number sent.

use casework_domain::{FieldErrors, Permission, ReplyState};
use casework_letters::{MergeFields, NameField, OfficeFields, PersonFields, merge};
use casework_mail::outgoing::{Draft, build};
use casework_mail::sha256_hex;
use casework_store::{
    Campaign, CampaignReply, CampaignSender, QueuedReply, ReplyProgress, ReplyRecipient,
};
use serde::Deserialize;

use crate::campaigns::{conflict, get};
use crate::{Actor, App, AppError, AppResult, check};

/// The reply to a campaign as submitted from the page or the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReplyRequest {
    pub subject: String,
    /// The text, with merge fields such as `{{ constituent.first_name }}`.
    pub body: String,
    /// A template's name: its subject and text are used where those are empty.
    pub template: Option<String>,
    /// Senders outside the district: the `same` reply, none (`skip`), or
    /// an `other` reply (`outside_subject`, `outside_body`).
    pub outside: String,
    pub outside_subject: String,
    pub outside_body: String,
    /// Answer people who write later automatically.
    pub auto: bool,
    /// Ask for approval (a caseworker's draft); managers' replies are approved at once.
    pub submit: bool,
    /// The campaign's version as read (optimistic concurrency).
    pub version: i64,
}

/// Saves the reply. Any change needs a fresh approval; an office manager or
/// the representative who submits it approves it at the same time.
pub async fn save_reply(app: &App, actor: &Actor, id: i64, req: &ReplyRequest) -> AppResult<()> {
    actor.require(Permission::SendEmail)?;
    let c = get(app, actor, id).await?;
    let (mut subject, mut body) = (req.subject.clone(), req.body.clone());
    if let Some(name) = req.template.as_deref().filter(|t| !t.trim().is_empty()) {
        match app.data_for(actor).template_by_name(name.trim()).await {
            Ok(t) => {
                if subject.trim().is_empty() {
                    subject = t.subject;
                }
                if body.trim().is_empty() {
                    body = t.body;
                }
            }
            Err(casework_store::Error::NotFound) => {
                return Err(AppError::field(
                    "template",
                    format!("There is no template called \"{}\".", name.trim()),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut e = FieldErrors::new();
    let subject = e.required("subject", "The subject", &subject, 300);
    let body = e.required("body", "The reply", &body, 100_000);
    let outside = match req.outside.trim() {
        "" | "same" => "same",
        "skip" => "skip",
        "other" => "other",
        _ => {
            e.add(
                "outside",
                "Choose whether people outside the district get the same reply, another one, or none.",
            );
            "same"
        }
    };
    let (outside_subject, outside_body) = if outside == "other" {
        let subject = e.required(
            "outside_subject",
            "The subject of the other reply",
            &req.outside_subject,
            300,
        );
        let body = e.required(
            "outside_body",
            "The other reply",
            &req.outside_body,
            100_000,
        );
        crate::letters::check_author(actor, &mut e, "outside_subject", &subject);
        crate::letters::check_author(actor, &mut e, "outside_body", &body);
        if !body.is_empty()
            && let Err(m) = crate::letters::merge_off_thread(&body, &sample_fields()).await
        {
            e.add("outside_body", m);
        }
        (subject, body)
    } else {
        (String::new(), String::new())
    };
    crate::letters::check_author(actor, &mut e, "subject", &subject);
    crate::letters::check_author(actor, &mut e, "body", &body);
    // The template must merge for a person with every field filled.
    if !body.is_empty()
        && let Err(m) = crate::letters::merge_off_thread(&body, &sample_fields()).await
    {
        e.add("body", m);
    }
    check(e)?;
    app.data_for(actor)
        .save_campaign_reply(
            c.id,
            &CampaignReply {
                subject,
                body,
                outside: outside.to_owned(),
                outside_subject,
                outside_body,
                auto: req.auto,
                state: if req.submit {
                    ReplyState::AwaitingApproval
                } else {
                    ReplyState::Draft
                },
            },
            actor.user_id,
            req.version,
            app.now(),
        )
        .await
        .map_err(conflict(
            "The campaign changed meanwhile (or its reply is being sent); reload and try again.",
        ))?;
    if req.submit && actor.can(Permission::ApproveOutgoing) {
        let fresh = app.data_for(actor).campaign(c.id).await?;
        approve(app, actor, c.id, fresh.version).await?;
    }
    Ok(())
}

fn sample_fields() -> MergeFields {
    let p = PersonFields {
        first_name: "A".into(),
        last_name: "B".into(),
        full_name: "A B".into(),
        email: "a@b".into(),
        address: "1 Street".into(),
        postcode: "X".into(),
    };
    // A campaign has no case: its fields stay empty, so using them is refused.
    MergeFields {
        constituent: p,
        caseworker: NameField { name: "C".into() },
        representative: NameField { name: "R".into() },
        office: OfficeFields { name: "O".into() },
        today: "1 January 2026".into(),
        ..Default::default()
    }
}

pub async fn approve(app: &App, actor: &Actor, id: i64, version: i64) -> AppResult<()> {
    if !actor.can(Permission::ApproveOutgoing) {
        return Err(AppError::Forbidden(
            "Only an office manager or the representative can approve a campaign reply.".into(),
        ));
    }
    let c = get(app, actor, id).await?;
    app.data_for(actor)
        .approve_campaign_reply(c.id, actor.user_id, version, app.now())
        .await
        .map_err(conflict(
            "The reply changed since you read it, or there is no reply waiting; reload and read it again.",
        ))
}

pub async fn progress(app: &App, actor: &Actor, id: i64) -> AppResult<ReplyProgress> {
    let c = get(app, actor, id).await?;
    Ok(app.data_for(actor).campaign_reply_progress(c.id).await?)
}

/// The campaign, if the actor may send its reply and it is approved.
async fn sendable(app: &App, actor: &Actor, id: i64) -> AppResult<Campaign> {
    actor.require(Permission::SendEmail)?;
    let c = get(app, actor, id).await?;
    if !matches!(c.reply_state, ReplyState::Approved | ReplyState::Sending) {
        return Err(AppError::field(
            "reply",
            "The reply must be approved by an office manager or the representative before it is sent.",
        ));
    }
    Ok(c)
}

/// Sends the approved reply to everyone who wrote (once each). Refuses,
/// listing who, when a merge field the reply uses is empty for some people.
/// Returns how many replies were queued.
pub async fn send_reply(app: &App, actor: &Actor, id: i64) -> AppResult<usize> {
    let c = sendable(app, actor, id).await?;
    queue_replies(app, actor.office_id, c.id, Some(actor), None).await
}

/// Sends the reply as it was when `version` was read (on the page that
/// asked "Send this reply to N people?"): refused if the campaign or its
/// reply changed since, so nobody confirms one reply and sends another.
pub async fn send_reply_as_read(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i64,
) -> AppResult<usize> {
    let c = sendable(app, actor, id).await?;
    if c.version != version {
        return Err(AppError::field(
            "version",
            "The reply or the campaign changed since you confirmed; nothing was sent. Read the reply again and send it again.",
        ));
    }
    queue_replies(app, actor.office_id, c.id, Some(actor), None).await
}

/// What sending the reply now would do, counted by the rule the send uses
/// (see `plan_replies`): asked before anything is sent.
#[derive(Debug, Clone)]
pub struct SendPreview {
    /// The campaign and its reply as read; its version goes with the send.
    pub campaign: Campaign,
    /// People the reply would be queued for: everyone who wrote and has not
    /// been answered, once per address, less those below.
    pub recipients: usize,
    /// Of the recipients, people outside the district who get the other reply.
    pub outside_other: usize,
    /// Not emailed: they asked not to be.
    pub do_not_email: usize,
    /// Not answered: outside the district, and the reply leaves them out.
    pub outside_skipped: usize,
}

/// Who the approved reply would go to if it were sent now. Refuses exactly
/// as the send would (not approved, no sending address, merge fields empty
/// for some people), and sends nothing.
pub async fn send_preview(app: &App, actor: &Actor, id: i64) -> AppResult<SendPreview> {
    let c = sendable(app, actor, id).await?;
    let plan = plan_replies(app, actor.office_id, &c, None).await?;
    let mut p = SendPreview {
        campaign: c,
        recipients: 0,
        outside_other: 0,
        do_not_email: 0,
        outside_skipped: 0,
    };
    for planned in &plan {
        match planned.outcome {
            "queued" => p.recipients += 1,
            "queued_other" => {
                p.recipients += 1;
                p.outside_other += 1;
            }
            "do_not_email" => p.do_not_email += 1,
            _ => p.outside_skipped += 1,
        }
    }
    Ok(p)
}

/// Whether a postcode is in the district (empty list: everyone is; an
/// unknown postcode is given the benefit of the doubt).
fn in_district(prefixes: &[String], postcode: &str) -> bool {
    let p: String = postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    prefixes.is_empty() || p.is_empty() || prefixes.iter().any(|x| p.starts_with(x.as_str()))
}

fn person_fields(s: &CampaignSender) -> PersonFields {
    let (first, last) = match (&s.first_name, &s.last_name) {
        (Some(f), Some(l)) => (f.clone(), l.clone()),
        _ => {
            let name = s.from_name.trim();
            match name.split_once(' ') {
                Some((f, l)) => (f.to_owned(), l.trim().to_owned()),
                None => (name.to_owned(), String::new()),
            }
        }
    };
    let full = format!("{first} {last}").trim().to_owned();
    PersonFields {
        first_name: first,
        last_name: last,
        full_name: full,
        email: s.email.clone(),
        address: s.address.clone().unwrap_or_default(),
        postcode: s
            .postcode
            .clone()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| s.sender_postcode.clone()),
    }
}

/// The reply a recipient gets: the other one for people outside the district.
fn reply_text<'a>(c: &'a Campaign, outcome: &str) -> (&'a str, &'a str) {
    if outcome == "queued_other" {
        (&c.reply_outside_subject, &c.reply_outside_body)
    } else {
        (&c.reply_subject, &c.reply_body)
    }
}

/// Person fields a template uses that are empty for this person.
fn missing_fields(template: &str, p: &PersonFields) -> Vec<&'static str> {
    [
        ("constituent.first_name", p.first_name.as_str()),
        ("constituent.last_name", p.last_name.as_str()),
        ("constituent.full_name", p.full_name.as_str()),
        ("constituent.address", p.address.as_str()),
        ("constituent.postcode", p.postcode.as_str()),
    ]
    .into_iter()
    .filter(|(name, value)| value.trim().is_empty() && template.contains(name))
    .map(|(name, _)| name)
    .collect()
}

/// One sender and what a send does for them.
struct Planned {
    sender: CampaignSender,
    person: PersonFields,
    /// `queued`, `queued_other` (the reply for people outside the district),
    /// `do_not_email` or `outside_district`.
    outcome: &'static str,
}

/// Whether a message can be addressed to `to` at all. The send skips a
/// sender it cannot build a message for (without recording them, so they
/// are tried again next time); the plan leaves them out, so that the count
/// asked about before sending is the count sent.
fn addressable(from: &str, to: &str) -> bool {
    let to = [to.to_owned()];
    build(&Draft {
        from,
        to: &to,
        subject: "",
        body: "",
        in_reply_to: None,
        references: &[],
        domain: "casework.invalid",
        attachments: &[],
    })
    .is_ok()
}

/// Who a send answers and how: the one rule for sending and for counting
/// before sending. Everyone who wrote and has not been answered yet (`only`:
/// those of them), once per address (the senders come grouped by address,
/// copies without one left out), respecting do-not-email and the district.
/// Refuses, listing who, when a merge field the reply uses is empty for
/// some of them.
async fn plan_replies(
    app: &App,
    office_id: i64,
    c: &Campaign,
    only: Option<&[String]>,
) -> AppResult<Vec<Planned>> {
    let smtp = &app.settings.smtp;
    if smtp.from.trim().is_empty() {
        return Err(AppError::field(
            "from",
            "The office's sending address is not set up (CASEWORK_SMTP_FROM or [smtp] from in the configuration).",
        ));
    }
    let answered: std::collections::HashSet<String> = app
        .system_data(office_id)
        .campaign_answered(c.id)
        .await?
        .into_iter()
        .collect();
    let mut senders = app.system_data(office_id).campaign_senders(c.id).await?;
    senders.retain(|s| !answered.contains(&s.email));
    if let Some(only) = only {
        senders.retain(|s| only.contains(&s.email));
    }
    let prefixes: Vec<String> = app
        .system_data(office_id)
        .district_postcodes()
        .await?
        .split(',')
        .map(|p| p.trim().replace(' ', "").to_uppercase())
        .filter(|p| !p.is_empty())
        .collect();
    let mut missing: Vec<String> = Vec::new();
    let mut plan = Vec::with_capacity(senders.len());
    for s in senders {
        let person = person_fields(&s);
        if s.do_not_email == Some(true) {
            plan.push(Planned {
                sender: s,
                person,
                outcome: "do_not_email",
            });
            continue;
        }
        let outsider = !in_district(&prefixes, &person.postcode);
        let outcome = match (outsider, c.reply_outside.as_str()) {
            (true, "skip") => {
                plan.push(Planned {
                    sender: s,
                    person,
                    outcome: "outside_district",
                });
                continue;
            }
            (true, "other") => "queued_other",
            _ => "queued",
        };
        let (subject, body) = reply_text(c, outcome);
        let gaps = missing_fields(&format!("{subject} {body}"), &person);
        if !gaps.is_empty() {
            missing.push(format!("{} ({})", s.email, gaps.join(", ")));
        }
        if !addressable(&smtp.from, &s.email) {
            continue;
        }
        plan.push(Planned {
            sender: s,
            person,
            outcome,
        });
    }
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(20).map(String::as_str).collect();
        let more = if missing.len() > 20 {
            format!(" and {} more", missing.len() - 20)
        } else {
            String::new()
        };
        return Err(AppError::field(
            "body",
            format!(
                "Nothing was sent: the reply uses merge fields that are empty for {} people: {}{more}. \
                 Remove those fields from the reply, or fill them in on the people's records.",
                missing.len(),
                shown.join("; ")
            ),
        ));
    }
    Ok(plan)
}

pub(crate) async fn queue_replies(
    app: &App,
    office_id: i64,
    campaign_id: i64,
    actor: Option<&Actor>,
    only: Option<&[String]>,
) -> AppResult<usize> {
    let c = app.system_data(office_id).campaign(campaign_id).await?;
    let plan = plan_replies(app, office_id, &c, only).await?;
    let smtp = &app.settings.smtp;
    let office = app.store.office(office_id).await?;
    let representative = crate::letters::representative_name(app, office_id).await?;
    let caseworker = actor.map(|a| a.display_name.clone()).unwrap_or_default();
    let domain = smtp
        .from
        .rsplit('@')
        .next()
        .map(|d| d.trim_end_matches('>').to_owned())
        .unwrap_or_else(|| "casework.invalid".into());
    let mut recipients = Vec::with_capacity(plan.len());
    let mut blobs_to_write = Vec::new();
    let today = crate::letters::iso_date_in_words(&app.today(office_id).await?);
    for Planned {
        sender: s,
        person,
        outcome,
    } in plan
    {
        if !outcome.starts_with("queued") {
            recipients.push(ReplyRecipient {
                email: s.email.clone(),
                outcome: outcome.to_owned(),
                message: None,
            });
            continue;
        }
        let fields = MergeFields {
            constituent: person,
            caseworker: NameField {
                name: caseworker.clone(),
            },
            representative: NameField {
                name: representative.clone(),
            },
            office: OfficeFields {
                name: office.name.clone(),
            },
            today: today.clone(),
            ..Default::default()
        };
        let (subject, body) = reply_text(&c, outcome);
        let subject = merge(subject, &fields).map_err(|m| AppError::field("subject", m))?;
        let body = merge(body, &fields).map_err(|m| AppError::field("body", m))?;
        let to = vec![s.email.clone()];
        let references: Vec<String> = if s.last_message_id.is_empty() {
            Vec::new()
        } else {
            vec![s.last_message_id.clone()]
        };
        let built = build(&Draft {
            from: &smtp.from,
            to: &to,
            subject: &subject,
            body: &body,
            in_reply_to: references.first().map(String::as_str),
            references: &references,
            domain: &domain,
            attachments: &[],
        });
        let built = match built {
            Ok(b) => b,
            // The reason names the address: not logged.
            Err(_) => {
                tracing::warn!(
                    campaign = c.id,
                    "a campaign reply could not be built for one sender's address"
                );
                continue;
            }
        };
        let key = sha256_hex(&built.raw);
        blobs_to_write.push(casework_store::blobs::NewFile {
            key: key.clone(),
            bytes: built.raw.clone(),
        });
        recipients.push(ReplyRecipient {
            email: s.email.clone(),
            outcome: "queued".to_owned(),
            message: Some(QueuedReply {
                constituent_id: s.constituent_id,
                dedupe_key: casework_mail::dedupe_key(&built.message_id, &built.raw),
                message_id: built.message_id.clone(),
                in_reply_to: references.join(" "),
                from_address: built.from.clone(),
                subject,
                body_text: body,
                raw_blob: key,
                raw_size: built.raw.len() as i64,
            }),
        });
    }
    let kept = app
        .files
        .keep(blobs_to_write)
        .await
        .map_err(|e| AppError::Internal(format!("saving campaign replies: {e}")))?;
    let queued = app
        .system_data(office_id)
        .with_files(kept)
        .queue_campaign_replies(c.id, &recipients, actor.map(|a| a.user_id), app.now())
        .await
        .map_err(|e| match e {
            casework_store::Error::Conflict => AppError::field(
                "reply",
                "The reply was changed and needs approval again before it is sent.",
            ),
            other => other.into(),
        })?;
    tracing::info!(campaign = c.id, queued, "campaign replies queued");
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn district_by_postcode_prefix() {
        let p = vec!["RV1".to_owned(), "RV2".to_owned()];
        assert!(in_district(&p, "rv1 2ab"));
        assert!(!in_district(&p, "LS1 4AB"));
        assert!(in_district(&p, ""));
        assert!(in_district(&[], "LS1"));
    }
}
