//! Enquiries: writing to a third party from a case opens one, with a reply
//! due from the agency's window; a reply that threads back, or one logged by
//! hand, answers it. Chasing resends and moves the due date; after the
//! office's number of chases Casework proposes escalation instead.

use casework_domain::{FieldErrors, Permission, Status, dates};
use casework_store::{Agency, AgencyContact, Case, Consent, Enquiry, NewConsent, NewEnquiry};
use serde::Deserialize;

use crate::letters::ThirdParty;
use crate::outbox::EmailRequest;
use crate::{Actor, App, AppError, AppResult, check};

/// How an enquiry goes (or went).
pub const CHANNELS: &[(&str, &str)] = &[
    ("email", "By email, from Casework"),
    ("letter", "By letter, printed here"),
    ("phone", "By phone (recorded only)"),
    ("other", "Sent another way (recorded only)"),
];

/// An enquiry to make, from the case page or the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EnquiryRequest {
    /// The agency written to (its id in the office's directory).
    pub agency_id: Option<i64>,
    /// One of its contacts (id), if writing to a person there.
    pub contact_id: Option<i64>,
    /// `email` (default), `letter`, `phone` or `other` (the last two are
    /// recorded only: the enquiry was made another way).
    pub send: String,
    /// What is asked, in a line (shown on the case and in chase-ups).
    pub asked: String,
    /// A template's name (merge fields include `agency.*` and `enquiry.*`).
    pub template: String,
    /// The email's subject (default: the template's, or what is asked).
    pub subject: String,
    /// The text of one's own, instead of a template (merge fields allowed).
    pub body: String,
    /// When it was sent, `YYYY-MM-DD` (default today; a letter posted
    /// earlier can be recorded with its real date).
    pub sent_on: String,
    /// When the reply is due, `YYYY-MM-DD` (default: the sent date plus
    /// the agency's reply window).
    pub due_on: String,
    /// The enquiry this escalates (its id), when writing to the agency
    /// that the unanswered one is escalated to.
    pub escalates: Option<i64>,
    /// Office managers only: why this goes to an agency that needs written
    /// consent although the case has none that covers it (recorded).
    pub override_consent: String,
}

/// A reply logged by hand.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AnswerRequest {
    /// When the reply came, `YYYY-MM-DD` (default today).
    pub answered_on: String,
    /// What they said, in short.
    pub note: String,
    /// The message on the case that is the reply, if any (its id).
    pub correspondence_id: Option<i64>,
    /// The enquiry's version as read.
    pub version: Option<i64>,
}

/// A chase of an unanswered enquiry.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ChaseRequest {
    /// `email` (default), `letter`, `phone` or `other`.
    pub send: String,
    /// A template's name; empty: the standard chase.
    pub template: String,
    pub subject: String,
    pub body: String,
    /// The new reply date, `YYYY-MM-DD` (default: today plus the agency's
    /// reply window).
    pub due_on: String,
    /// The enquiry's version as read.
    pub version: Option<i64>,
}

/// An enquiry with what the case page shows beside it.
#[derive(Debug, Clone)]
pub struct EnquiryView {
    pub enquiry: Enquiry,
    /// Days waited: from sent to the reply, or to today.
    pub days_waited: i64,
    /// Unanswered past its due date.
    pub overdue: bool,
    /// The office proposes escalation rather than another chase.
    pub escalate_next: bool,
}

/// The case's enquiries, oldest first.
pub async fn for_case(app: &App, actor: &Actor, case_id: i64) -> AppResult<Vec<EnquiryView>> {
    let case = crate::cases::get(app, actor, case_id).await?;
    let list = app.data_for(actor).case_enquiries(case.id).await?;
    let limit = chases_before_escalation(app, actor.office_id).await?;
    let today = app.today(actor.office_id).await?;
    Ok(list.into_iter().map(|e| view(e, &today, limit)).collect())
}

/// One enquiry the reader may see.
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<EnquiryView> {
    let e = app.data_for(actor).enquiry(id).await?;
    let limit = chases_before_escalation(app, actor.office_id).await?;
    Ok(view(e, &app.today(actor.office_id).await?, limit))
}

fn view(e: Enquiry, today: &str, limit: i64) -> EnquiryView {
    let until = e.answered_on.clone().unwrap_or_else(|| today.to_owned());
    EnquiryView {
        days_waited: dates::days_between(&e.sent_on, &until).max(0),
        overdue: e.answered_on.is_none() && e.escalated_to.is_none() && e.due_on.as_str() < today,
        escalate_next: e.chases >= limit && e.escalated_to.is_none(),
        enquiry: e,
    }
}

async fn chases_before_escalation(app: &App, office_id: i64) -> AppResult<i64> {
    Ok(crate::memo::office_settings(app, office_id)
        .await?
        .chases_before_escalation)
}

/// The version a change was read at: required.
pub(crate) fn version_of(e: &mut FieldErrors, version: Option<i64>) -> i64 {
    match version {
        Some(v) => v,
        None => {
            e.add(
                "version",
                "Send the version you read (the record's \"version\").",
            );
            0
        }
    }
}

fn channel(e: &mut FieldErrors, send: &str) -> String {
    let send = if send.trim().is_empty() {
        "email"
    } else {
        send.trim()
    };
    if !CHANNELS.iter().any(|(k, _)| *k == send) {
        e.add("send", "Choose how it goes: email, letter, phone or other.");
    }
    send.to_owned()
}

/// The agency (and contact) written to, checked: in the directory, not
/// retired, the contact theirs.
async fn recipient(
    app: &App,
    actor: &Actor,
    e: &mut FieldErrors,
    agency_id: Option<i64>,
    contact_id: Option<i64>,
) -> AppResult<Option<(Agency, Option<AgencyContact>)>> {
    let data = app.data_for(actor);
    let Some(id) = agency_id else {
        e.add("agency_id", "Choose the agency to write to.");
        return Ok(None);
    };
    let agency = match data.agency(id).await {
        Ok(a) => a,
        Err(casework_store::Error::NotFound) => {
            e.add(
                "agency_id",
                "That agency is not in this office's directory.",
            );
            return Ok(None);
        }
        Err(other) => return Err(other.into()),
    };
    if agency.retired {
        e.add(
            "agency_id",
            format!("{} is retired from the directory.", agency.name),
        );
    }
    let contact = match contact_id {
        None => None,
        Some(c) => {
            let found = data
                .agency_contacts(agency.id)
                .await?
                .into_iter()
                .find(|k| k.id == c && !k.retired);
            if found.is_none() {
                e.add(
                    "contact_id",
                    format!("That contact is not (or no longer) at {}.", agency.name),
                );
            }
            found
        }
    };
    Ok(Some((agency, contact)))
}

fn third_party(
    agency: &Agency,
    contact: Option<&AgencyContact>,
    asked: &str,
    sent_on: &str,
    due_on: &str,
    chases: i64,
) -> ThirdParty {
    let address = contact
        .map(|c| c.address.as_str())
        .filter(|a| !a.is_empty())
        .unwrap_or(&agency.address);
    ThirdParty {
        agency: casework_letters::AgencyFields {
            name: agency.name.clone(),
            contact: contact.map_or_else(|| agency.name.clone(), |c| c.name.clone()),
            address: address.to_owned(),
        },
        enquiry: casework_letters::EnquiryFields {
            asked: asked.to_owned(),
            sent: crate::letters::iso_date_in_words(sent_on),
            due: crate::letters::iso_date_in_words(due_on),
            chases: chases.to_string(),
        },
    }
}

/// Sends (or records) the message of an enquiry or a chase: the email
/// through the outbox, the letter into the print queue. Returns its
/// correspondence id (none when recorded only).
#[allow(clippy::too_many_arguments)]
async fn deliver(
    app: &App,
    actor: &Actor,
    case: &Case,
    send: &str,
    agency: &Agency,
    contact: Option<&AgencyContact>,
    (subject, body, signed): (String, String, bool),
) -> AppResult<Option<i64>> {
    match send {
        "email" => {
            let to = contact
                .map(|c| c.email.as_str())
                .filter(|m| !m.is_empty())
                .unwrap_or(&agency.email);
            let req = EmailRequest {
                to: vec![to.to_owned()],
                subject,
                body,
                ..Default::default()
            };
            Ok(Some(
                crate::outbox::send_email(app, actor, case.id, &req).await?,
            ))
        }
        "letter" => {
            let mut to: Vec<String> = Vec::new();
            if let Some(c) = contact {
                to.push(c.name.clone());
                if !c.role.is_empty() {
                    to.push(c.role.clone());
                }
            }
            to.push(agency.name.clone());
            let address = contact
                .map(|c| c.address.as_str())
                .filter(|a| !a.is_empty())
                .unwrap_or(&agency.address);
            to.extend(address.lines().map(str::to_owned));
            let title = if subject.trim().is_empty() {
                format!("Letter to {}", agency.name)
            } else {
                subject
            };
            Ok(Some(
                crate::letters::make(app, actor, case, title, body, signed, &to).await?,
            ))
        }
        _ => Ok(None),
    }
}

/// Checks that the chosen way of sending can reach the agency.
fn reachable(e: &mut FieldErrors, send: &str, agency: &Agency, contact: Option<&AgencyContact>) {
    let email = contact
        .map(|c| c.email.as_str())
        .filter(|m| !m.is_empty())
        .unwrap_or(&agency.email);
    let address = contact
        .map(|c| c.address.as_str())
        .filter(|a| !a.is_empty())
        .unwrap_or(&agency.address);
    if send == "email" && email.is_empty() {
        e.add(
            "send",
            format!(
                "{} has no email address in the directory: add one there, or send a letter.",
                agency.name
            ),
        );
    }
    let header = 1 + contact.map_or(0, |c| 1 + usize::from(!c.role.is_empty()));
    if send == "letter" && header + address.lines().filter(|l| !l.trim().is_empty()).count() > 10 {
        e.add(
            "send",
            format!(
                "The address of {} is too long for a letter (at most 10 lines with the name): shorten it in the directory.",
                agency.name
            ),
        );
    }
    if send == "letter" && address.is_empty() {
        e.add(
            "send",
            format!(
                "{} has no postal address in the directory: add one there, or send an email.",
                agency.name
            ),
        );
    }
}

fn permission_to_send(actor: &Actor, send: &str) -> AppResult<()> {
    match send {
        "email" => actor.require(Permission::SendEmail),
        "letter" => actor.require(Permission::WriteLetters),
        _ => actor.require(Permission::EditCases),
    }
}

fn still_going(case: &Case, what: &str) -> AppResult<()> {
    if case.status().is_active() {
        Ok(())
    } else {
        Err(AppError::field(
            "case",
            format!(
                "This case is {}: reopen it before {what}.",
                case.status().label().to_lowercase()
            ),
        ))
    }
}

/// Writes to a third party from a case (or records an enquiry made another
/// way) and opens an enquiry with its reply due. Everything is checked
/// before anything is sent; the enquiry is recorded once the message is.
pub async fn open(app: &App, actor: &Actor, case_id: i64, req: &EnquiryRequest) -> AppResult<i64> {
    let case = crate::cases::get(app, actor, case_id).await?;
    actor.require(Permission::EditCases)?;
    let mut e = FieldErrors::new();
    let send = channel(&mut e, &req.send);
    permission_to_send(actor, &send)?;
    still_going(&case, "writing to a third party")?;
    let asked = e.required("asked", "What is asked", &req.asked, 300);
    e.optional("subject", "The subject", &req.subject, 300);
    let today = app.today(actor.office_id).await?;
    let sent_on = e
        .date("sent_on", "The sent date", &req.sent_on)
        .unwrap_or_else(|| today.clone());
    if sent_on > today {
        e.add("sent_on", "The sent date cannot be in the future.");
    }
    let found = recipient(app, actor, &mut e, req.agency_id, req.contact_id).await?;
    let escalated = match req.escalates {
        None => None,
        Some(id) => match app.data_for(actor).enquiry(id).await {
            Ok(x)
                if x.case_id == case.id && x.answered_on.is_none() && x.escalated_to.is_none() =>
            {
                Some(x)
            }
            Ok(_) => {
                e.add(
                    "escalates",
                    "Only an unanswered enquiry of this case, not escalated already, can be escalated.",
                );
                None
            }
            Err(casework_store::Error::NotFound) => {
                e.add("escalates", "There is no such enquiry on this case.");
                None
            }
            Err(other) => return Err(other.into()),
        },
    };
    let Some((agency, contact)) = found else {
        return Err(AppError::Invalid(e));
    };
    if escalated.as_ref().is_some_and(|x| x.agency_id == agency.id) {
        e.add(
            "agency_id",
            "Escalate to another agency than the one that has not replied.",
        );
    }
    let due_on = match e.date("due_on", "The reply date", &req.due_on) {
        Some(d) => d,
        None => dates::add_days(&sent_on, agency.reply_days),
    };
    if due_on <= sent_on {
        e.add(
            "due_on",
            "The reply date must come after the date it was sent.",
        );
    }
    reachable(&mut e, &send, &agency, contact.as_ref());
    let mut consent_override = String::new();
    if agency.needs_consent {
        let consents = app.data_for(actor).case_consents(case.id).await?;
        if let Err(why) = consent_covers(&consents, agency.id, &agency.name, &sent_on) {
            let reason = req.override_consent.trim();
            if reason.is_empty() {
                e.add("consent", format!("{why} Record the constituent's consent on the case first (a signed form, an email, or by phone with a note); an office manager may send it anyway, giving the reason."));
            } else if !actor.can(Permission::OverrideConsent) {
                return Err(AppError::Forbidden(
                    "Only an office manager may write without the constituent's consent.".into(),
                ));
            } else {
                consent_override = e.required("override_consent", "The reason", reason, 500);
            }
        }
    }
    check(e)?;
    let third = third_party(&agency, contact.as_ref(), &asked, &sent_on, &due_on, 0);
    let message = if matches!(send.as_str(), "email" | "letter") {
        let subject = if req.subject.trim().is_empty() && req.template.trim().is_empty() {
            asked.clone()
        } else {
            req.subject.clone()
        };
        let text = match &escalated {
            // An escalation written from nothing: the office's template
            // called "Escalation", or the standard escalation letter.
            Some(x) if req.template.trim().is_empty() && req.body.trim().is_empty() => {
                let theirs = crate::letters::compose(
                    app,
                    actor,
                    &case,
                    ESCALATION_TEMPLATE,
                    &subject,
                    "",
                    &third,
                )
                .await;
                match theirs {
                    Err(AppError::Invalid(f))
                        if f.get("template")
                            .is_some_and(|m| m.starts_with("There is no template")) =>
                    {
                        let fields =
                            crate::letters::merge_fields_with(app, actor, &case, Some(&third))
                                .await?;
                        let filled = casework_letters::merge(&standard_escalation(x), &fields)
                            .map_err(|m| AppError::field("body", m))?;
                        (subject.clone(), filled, false)
                    }
                    other => other?,
                }
            }
            _ => {
                crate::letters::compose(
                    app,
                    actor,
                    &case,
                    &req.template,
                    &subject,
                    &req.body,
                    &third,
                )
                .await?
            }
        };
        deliver(app, actor, &case, &send, &agency, contact.as_ref(), text).await?
    } else {
        None
    };
    let to = contact.as_ref().map_or_else(
        || agency.name.clone(),
        |c| format!("{} ({})", c.name, agency.name),
    );
    let mut note = match (&escalated, send.as_str()) {
        (Some(x), _) => format!(
            "Escalated to {to} (no reply from {} since {}): {asked}. Reply due {due_on}.",
            x.agency_name, x.sent_on
        ),
        (None, "phone") => format!("Enquiry made by phone to {to}: {asked}. Reply due {due_on}."),
        (None, _) => format!("Enquiry to {to}: {asked}. Reply due {due_on}."),
    };
    if !consent_override.is_empty() {
        note.push_str(&format!(
            " Sent without the constituent's consent on record, by {}: {consent_override}",
            actor.display_name
        ));
    }
    let id = app
        .data_for(actor)
        .create_enquiry(
            &NewEnquiry {
                case_id: case.id,
                agency_id: agency.id,
                contact_id: contact.as_ref().map(|c| c.id),
                escalated_from: escalated.as_ref().map(|x| x.id),
                channel: send,
                asked,
                sent_on,
                due_on,
                correspondence_id: message,
                consent_override,
                by: actor.user_id,
            },
            &note,
            app.now(),
        )
        .await?;
    // The case now waits on the third party.
    if matches!(case.status(), Status::New | Status::Open) && actor.can(Permission::EditCases) {
        let patch = crate::cases::CasePatch {
            status: Some(Status::AwaitingThirdParty.as_str().to_owned()),
            ..Default::default()
        };
        if let Err(err) = crate::cases::update(app, actor, case.id, &patch).await {
            tracing::warn!(case = case.id, error = %err, "setting the case awaiting a third party");
        }
    }
    Ok(id)
}

/// Records the reply to an enquiry by hand.
pub async fn answer(app: &App, actor: &Actor, id: i64, req: &AnswerRequest) -> AppResult<()> {
    let x = get(app, actor, id).await?.enquiry;
    actor.require(Permission::EditCases)?;
    if x.answered_on.is_some() {
        return Err(AppError::field(
            "answered_on",
            "This enquiry is already answered.",
        ));
    }
    let mut e = FieldErrors::new();
    let today = app.today(actor.office_id).await?;
    let on = e
        .date("answered_on", "The reply date", &req.answered_on)
        .unwrap_or_else(|| today.clone());
    if on > today {
        e.add("answered_on", "The reply date cannot be in the future.");
    }
    if on < x.sent_on {
        e.add(
            "answered_on",
            format!(
                "The reply cannot come before the enquiry was sent ({}).",
                x.sent_on
            ),
        );
    }
    let note = e.optional("note", "The note", &req.note, 2000);
    let version = version_of(&mut e, req.version);
    if let Some(m) = req.correspondence_id {
        match crate::correspondence::get(app, actor, m).await {
            Ok(c) if c.case_id == Some(x.case_id) => {}
            Ok(_) | Err(AppError::NotFound) => {
                e.add("correspondence_id", "That message is not on this case.")
            }
            Err(other) => return Err(other),
        }
    }
    check(e)?;
    app.data_for(actor)
        .answer_enquiry(
            id,
            version,
            &on,
            req.correspondence_id,
            &note,
            actor.user_id,
            app.now(),
        )
        .await?;
    Ok(())
}

/// The standard chase: polite, with the reference, the date first sent and
/// what was asked.
const STANDARD_CHASE: &str = "Dear {{ agency.contact }},\n\n\
On {{ enquiry.sent }} we wrote to you on behalf of our constituent {{ constituent.full_name }} \
(our reference {{ case.reference }}) about: {{ enquiry.asked }}.\n\n\
We have not yet had a reply, which we had hoped for by {{ enquiry.due }}. \
We would be grateful for a response at your earliest convenience.\n\n\
Yours sincerely,\n\n{{ caseworker.name }}\n{{ office.name }}";

/// The name of the office's own escalation template, used when an
/// escalation is written without a template or text of its own.
pub const ESCALATION_TEMPLATE: &str = "Escalation";

/// The standard escalation letter: to the agency written to now, about the
/// enquiry that went unanswered (its details written in, not merged).
fn standard_escalation(x: &Enquiry) -> String {
    // The first agency's name and question are text, not merge fields.
    let plain = |s: &str| s.replace('{', "(").replace('}', ")");
    format!(
        "Dear {{{{ agency.contact }}}},\n\n\
We are writing on behalf of our constituent {{{{ constituent.full_name }}}} (our reference {{{{ case.reference }}}}).\n\n\
On {sent} we wrote to {first} about: {asked}. Despite {chases}, we have had no reply, \
and our constituent is still waiting for an answer.\n\n\
We would be grateful if you would look into this and let us know what is being done, \
if possible by {{{{ enquiry.due }}}}.\n\n\
Yours sincerely,\n\n{{{{ caseworker.name }}}}\n{{{{ office.name }}}}",
        sent = x.sent_on,
        first = plain(&x.agency_name),
        asked = plain(&x.asked),
        chases = match x.chases {
            0 => "our letter".to_owned(),
            1 => "our letter and a reminder".to_owned(),
            n => format!("our letter and {n} reminders"),
        },
    )
}

/// Chases an unanswered enquiry: sends (or records) the chase, counts it,
/// moves the reply date, and closes the chase task.
pub async fn chase(app: &App, actor: &Actor, id: i64, req: &ChaseRequest) -> AppResult<()> {
    let x = get(app, actor, id).await?.enquiry;
    let case = crate::cases::get(app, actor, x.case_id).await?;
    actor.require(Permission::EditCases)?;
    let mut e = FieldErrors::new();
    let send = channel(&mut e, &req.send);
    permission_to_send(actor, &send)?;
    still_going(&case, "chasing")?;
    if x.answered_on.is_some() {
        return Err(AppError::field(
            "version",
            "This enquiry is already answered.",
        ));
    }
    if let Some(to) = x.escalated_to {
        return Err(AppError::field(
            "version",
            format!("This enquiry was escalated: chase the escalation (enquiry {to}) instead."),
        ));
    }
    let data = app.data_for(actor);
    let agency = data.agency(x.agency_id).await?;
    if agency.needs_consent {
        let consents = data.case_consents(case.id).await?;
        let on = app.today(actor.office_id).await?;
        if let Err(why) = consent_covers(&consents, agency.id, &agency.name, &on) {
            e.add(
                "consent",
                format!("{why} Record the constituent's consent on the case before chasing."),
            );
        }
    }
    let contact = match x.contact_id {
        Some(c) => data
            .agency_contacts(agency.id)
            .await?
            .into_iter()
            .find(|k| k.id == c && !k.retired),
        None => None,
    };
    let today = app.today(actor.office_id).await?;
    let due_on = match e.date("due_on", "The reply date", &req.due_on) {
        Some(d) => d,
        None => dates::add_days(&today, agency.reply_days),
    };
    if due_on <= today {
        e.add("due_on", "The new reply date must come after today.");
    }
    reachable(&mut e, &send, &agency, contact.as_ref());
    let version = version_of(&mut e, req.version);
    check(e)?;
    // A stale version is refused before anything is sent (two people on
    // one chase task send one chase).
    if version != x.version {
        return Err(AppError::Conflict);
    }
    let third = third_party(
        &agency,
        contact.as_ref(),
        &x.asked,
        &x.sent_on,
        &x.due_on,
        x.chases,
    );
    let message = if matches!(send.as_str(), "email" | "letter") {
        let body = if req.template.trim().is_empty() && req.body.trim().is_empty() {
            STANDARD_CHASE
        } else {
            req.body.as_str()
        };
        let subject = if req.subject.trim().is_empty() {
            format!("Chasing: {}", x.asked.chars().take(280).collect::<String>())
        } else {
            req.subject.clone()
        };
        // The standard text is ours, not the writer's: fill it as a template.
        let text = if body == STANDARD_CHASE {
            let fields = crate::letters::merge_fields_with(app, actor, &case, Some(&third)).await?;
            let filled = casework_letters::merge(STANDARD_CHASE, &fields)
                .map_err(|m| AppError::field("body", m))?;
            (subject, filled, false)
        } else {
            crate::letters::compose(app, actor, &case, &req.template, &subject, body, &third)
                .await?
        };
        deliver(app, actor, &case, &send, &agency, contact.as_ref(), text).await?
    } else {
        None
    };
    let note = format!(
        "Chased {} ({}, chase {}). Reply now due {due_on}.",
        agency.name,
        CHANNELS
            .iter()
            .find(|(k, _)| *k == send)
            .map_or("", |(_, l)| *l)
            .to_lowercase(),
        x.chases + 1
    );
    data.record_chase(
        id,
        version,
        &due_on,
        message,
        &note,
        actor.user_id,
        app.now(),
    )
    .await?;
    Ok(())
}

/// Ways consent is given.
pub const CONSENT_METHODS: &[(&str, &str)] = &[
    ("signed_form", "A signed consent form"),
    ("email", "By email"),
    ("phone", "By phone (with a note of the call)"),
    ("in_person", "In person (with a note)"),
];

/// Consent to record on a case.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ConsentRequest {
    /// Who gave it (default: the case's constituent).
    pub given_by: String,
    /// For whom, when not themselves ("her son, Tomás Ruiz").
    pub for_whom: String,
    /// Every agency (true), or only `agency_ids`.
    pub all_agencies: bool,
    pub agency_ids: Vec<i64>,
    /// `signed_form`, `email`, `phone` or `in_person`.
    pub method: String,
    /// A note: of the call, or where the form is.
    pub note: String,
    /// When it was given, `YYYY-MM-DD` (default today).
    pub given_on: String,
    /// Until when, `YYYY-MM-DD` (empty: until withdrawn).
    pub expires_on: String,
    /// The signed form or the email on the case (its correspondence id).
    pub document_id: Option<i64>,
}

/// A consent with whether it holds today.
#[derive(Debug, Clone)]
pub struct ConsentView {
    pub consent: Consent,
    pub valid: bool,
}

fn holds(c: &Consent, on: &str) -> bool {
    c.withdrawn_on.as_deref().is_none_or(|w| w > on)
        && c.given_on.as_str() <= on
        && c.expires_on.as_deref().is_none_or(|x| x >= on)
}

/// Whether the case's consents cover writing to this agency on `on`; if
/// not, why not, in a sentence.
pub(crate) fn consent_covers(
    consents: &[Consent],
    agency_id: i64,
    agency_name: &str,
    on: &str,
) -> Result<(), String> {
    let covers = |c: &Consent| {
        c.all_agencies
            || c.agency_ids
                .split(',')
                .any(|a| a.trim().parse::<i64>().ok() == Some(agency_id))
    };
    if consents.iter().any(|c| holds(c, on) && covers(c)) {
        return Ok(());
    }
    let current: Vec<&Consent> = consents.iter().filter(|c| holds(c, on)).collect();
    if let Some(c) = current.first() {
        return Err(format!(
            "{agency_name} needs the constituent's written consent, and the consent on this case covers only {}.",
            c.agency_names
        ));
    }
    if let Some(x) = consents
        .iter()
        .filter(|c| c.withdrawn_on.is_none())
        .filter_map(|c| c.expires_on.as_deref())
        .filter(|x| *x < on)
        .max()
    {
        return Err(format!(
            "{agency_name} needs the constituent's written consent, and the consent on this case expired on {x}."
        ));
    }
    if consents.iter().any(|c| c.withdrawn_on.is_some()) {
        return Err(format!(
            "{agency_name} needs the constituent's written consent, and it was withdrawn."
        ));
    }
    Err(format!(
        "{agency_name} needs the constituent's written consent, and there is none on this case."
    ))
}

/// The case's consents, newest first, each with whether it holds today.
pub async fn consents(app: &App, actor: &Actor, case_id: i64) -> AppResult<Vec<ConsentView>> {
    let case = crate::cases::get(app, actor, case_id).await?;
    let today = app.today(actor.office_id).await?;
    Ok(app
        .data_for(actor)
        .case_consents(case.id)
        .await?
        .into_iter()
        .map(|c| ConsentView {
            valid: holds(&c, &today),
            consent: c,
        })
        .collect())
}

/// Records consent on a case.
pub async fn record_consent(
    app: &App,
    actor: &Actor,
    case_id: i64,
    req: &ConsentRequest,
) -> AppResult<i64> {
    record_consent_with_form(app, actor, case_id, req, Vec::new()).await
}

/// Records consent on a case, keeping the signed form (or the email that
/// gave it) uploaded with it as a document on the case. Everything is
/// checked before the file is kept.
pub async fn record_consent_with_form(
    app: &App,
    actor: &Actor,
    case_id: i64,
    req: &ConsentRequest,
    files: Vec<crate::cases::CaseFile>,
) -> AppResult<i64> {
    let case = crate::cases::get(app, actor, case_id).await?;
    actor.require(Permission::EditCases)?;
    let data = app.data_for(actor);
    let mut e = FieldErrors::new();
    let given_by = if req.given_by.trim().is_empty() {
        data.constituent(case.constituent_id).await?.full_name()
    } else {
        e.required("given_by", "Who gave it", &req.given_by, 200)
    };
    let for_whom = e.optional("for_whom", "For whom", &req.for_whom, 200);
    let method = req.method.trim().to_owned();
    if !CONSENT_METHODS.iter().any(|(k, _)| *k == method) {
        e.add(
            "method",
            "Choose how it was given: a signed form, by email, by phone or in person.",
        );
    }
    let note = e.optional("note", "The note", &req.note, 2000);
    if matches!(method.as_str(), "phone" | "in_person") && note.is_empty() {
        e.add("note", "Note what was said: who agreed, to what.");
    }
    let today = app.today(actor.office_id).await?;
    let given_on = e
        .date("given_on", "The date it was given", &req.given_on)
        .unwrap_or_else(|| today.clone());
    if given_on > today {
        e.add("given_on", "The date it was given cannot be in the future.");
    }
    let expires_on = e.date("expires_on", "The end date", &req.expires_on);
    if expires_on
        .as_deref()
        .is_some_and(|x| *x <= *given_on.as_str())
    {
        e.add(
            "expires_on",
            "The end date must come after the date it was given.",
        );
    }
    let mut agencies = req.agency_ids.clone();
    agencies.sort_unstable();
    agencies.dedup();
    if !req.all_agencies {
        if agencies.is_empty() {
            e.add(
                "agency_ids",
                "Choose the agencies it covers, or all of them.",
            );
        }
        for a in &agencies {
            if matches!(data.agency(*a).await, Err(casework_store::Error::NotFound)) {
                e.add(
                    "agency_ids",
                    "One of the agencies is not in this office's directory.",
                );
            }
        }
    } else {
        agencies.clear();
    }
    if let Some(d) = req.document_id {
        match crate::correspondence::get(app, actor, d).await {
            Ok(c) if c.case_id == Some(case.id) => {}
            Ok(_) | Err(AppError::NotFound) => {
                e.add("document_id", "That document is not on this case.")
            }
            Err(other) => return Err(other),
        }
    }
    if !files.is_empty() && req.document_id.is_some() {
        e.add(
            "document_id",
            "Upload the form or choose one on the case, not both.",
        );
    }
    check(e)?;
    let document_id = if files.is_empty() {
        req.document_id
    } else {
        let what = if for_whom.is_empty() {
            format!("Signed consent form: {given_by}")
        } else {
            format!("Signed consent form: {given_by} for {for_whom}")
        };
        Some(crate::cases::add_record(app, actor, case.id, "document", &what, files).await?)
    };
    let scope = if req.all_agencies {
        "all agencies".to_owned()
    } else {
        let mut names = Vec::new();
        for a in &agencies {
            names.push(data.agency(*a).await?.name);
        }
        names.join(", ")
    };
    let how = CONSENT_METHODS
        .iter()
        .find(|(k, _)| *k == method)
        .map_or("", |(_, l)| *l)
        .to_lowercase();
    let whom = if for_whom.is_empty() {
        String::new()
    } else {
        format!(" for {for_whom}")
    };
    let until = expires_on
        .as_deref()
        .map(|x| format!(" until {x}"))
        .unwrap_or_default();
    let history = format!(
        "Consent to act{whom} given by {given_by} ({how}) on {given_on}{until}, covering {scope}."
    );
    Ok(data
        .create_consent(
            &NewConsent {
                case_id: case.id,
                given_by,
                for_whom,
                all_agencies: req.all_agencies,
                agencies,
                method,
                note,
                given_on,
                expires_on,
                document_id,
                by: actor.user_id,
            },
            &history,
            app.now(),
        )
        .await?)
}

/// Withdraws a consent from today.
pub async fn withdraw_consent(
    app: &App,
    actor: &Actor,
    case_id: i64,
    consent_id: i64,
) -> AppResult<()> {
    let case = crate::cases::get(app, actor, case_id).await?;
    actor.require(Permission::EditCases)?;
    Ok(app
        .data_for(actor)
        .withdraw_consent(
            case.id,
            consent_id,
            &app.today(actor.office_id).await?,
            actor.user_id,
            app.now(),
        )
        .await?)
}

/// The standard consent form, when the office has no template called
/// "Consent form": filled from what is known, with lines to write on for
/// what is not.
fn standard_consent_form(f: &casework_letters::MergeFields) -> String {
    let blank = "______________________________";
    let or_blank = |v: &str| {
        if v.trim().is_empty() {
            blank.to_owned()
        } else {
            v.trim().to_owned()
        }
    };
    let address = [f.constituent.address.trim(), f.constituent.postcode.trim()]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let who = if f.representative.name.is_empty() {
        format!("{} and its staff", f.office.name)
    } else {
        format!(
            "{} and the staff of {}",
            f.representative.name, f.office.name
        )
    };
    format!(
        "AUTHORITY TO ACT\n\n\
I, {name}, of {address}, authorise {who} to act on my behalf about: {title} (reference {reference}).\n\n\
I agree that they may contact government departments, agencies and other organisations about this matter, \
share with them the information I have given, and receive information about me from them.\n\n\
This consent covers: all agencies / only these agencies (cross out one):\n\n\
{blank}{blank}\n\n\
It lasts until the matter is closed, unless I withdraw it in writing.\n\n\
Signed: {blank}   Date: ______________\n\n\
If you sign for someone else, your name and relationship to them:\n\n\
{blank}{blank}\n\n\
Please return this form to {office}.",
        name = or_blank(&f.constituent.full_name),
        address = or_blank(&address),
        title = f.case.title,
        reference = f.case.reference,
        office = f.office.name,
    )
}

/// Makes the consent form for a case, pre-filled, as a letter on the case
/// ready to print and sign: the office's template called "Consent form",
/// or the standard form. Returns the letter's correspondence id.
pub async fn consent_form(app: &App, actor: &Actor, case_id: i64) -> AppResult<i64> {
    let case = crate::cases::get(app, actor, case_id).await?;
    actor.require(Permission::WriteLetters)?;
    let (title, body, signed) = match crate::letters::fill(app, actor, &case, "Consent form").await
    {
        Ok((subject, body, signed)) => (
            if subject.is_empty() {
                "Consent form".to_owned()
            } else {
                subject
            },
            body,
            signed,
        ),
        Err(AppError::Invalid(f))
            if f.get("template")
                .is_some_and(|m| m.starts_with("There is no template")) =>
        {
            let fields = crate::letters::merge_fields(app, actor, &case).await?;
            (
                "Consent form".to_owned(),
                standard_consent_form(&fields),
                false,
            )
        }
        Err(other) => return Err(other),
    };
    crate::letters::make(app, actor, &case, title, body, signed, &[]).await
}

/// Which enquiries to list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ListQuery {
    /// One agency's (its id).
    pub agency_id: Option<i64>,
    /// Sent on or after, `YYYY-MM-DD`.
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: String,
    /// Sent before, `YYYY-MM-DD`.
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub until: String,
    /// `answered`, `open`, `overdue`, `due_soon` (due within a week) or
    /// `chase` (a chase task waiting); empty: all.
    #[param(pattern = "^(|answered|open|overdue|due_soon|chase)$")]
    pub state: String,
    /// Only those on cases assigned to this person.
    pub assignee_id: Option<i64>,
    /// `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// How many to answer, default 50; taken as 1–200.
    pub limit: Option<i64>,
}

/// Enquiries by agency, period and state, on cases the reader may see,
/// newest first, a page at a time.
pub async fn list(
    app: &App,
    actor: &Actor,
    q: &ListQuery,
) -> AppResult<casework_store::Page<EnquiryView>> {
    let mut e = FieldErrors::new();
    let from = e.date("from", "The start", &q.from);
    let until = e.date("until", "The end", &q.until);
    if !matches!(
        q.state.as_str(),
        "" | "answered" | "open" | "overdue" | "due_soon" | "chase"
    ) {
        e.add(
            "state",
            "The state is answered, open, overdue, due_soon or chase.",
        );
    }
    let after = crate::trends::page_cursor(&mut e, q.cursor.as_deref());
    check(e)?;
    let size = crate::trends::page_size(q.limit);
    let today = app.today(actor.office_id).await?;
    let list = app
        .data_for(actor)
        .enquiries(&casework_store::EnquiryFilter {
            agency_id: q.agency_id,
            sent_from: from,
            sent_until: until,
            state: (!q.state.is_empty()).then(|| q.state.clone()),
            today: today.clone(),
            assignee: q.assignee_id,
            after,
            limit: size + 1,
        })
        .await?;
    let page = crate::trends::page_of(list, size, |x| casework_store::Cursor {
        key: x.sent_on.clone(),
        id: x.id,
    });
    let limit = chases_before_escalation(app, actor.office_id).await?;
    Ok(casework_store::Page {
        items: page
            .items
            .into_iter()
            .map(|x| view(x, &today, limit))
            .collect(),
        next: page.next,
    })
}
