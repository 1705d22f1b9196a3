//! Letters and templates: merge fields filled per constituent and case,
//! letters laid out on the office's letterhead as PDF and kept on the case.

use casework_domain::{Approval, Channel, FieldErrors, Permission, letter_needs_approval};
pub use casework_letters::MAX_LOGO_BYTES;
use casework_letters::{
    CaseFields, Letter, Logo, MergeFields, NameField, OfficeFields, Paper, PersonFields,
    SignerFields, merge, render_pdf,
};
use casework_store::blobs::{Kept, NewFile};
use casework_store::{Case, LetterSettings, NewEntry, NewLetter, PrintItem, Template};
use serde::Deserialize;

use crate::{Actor, App, AppError, AppResult, check};

pub use casework_letters::FIELD_NAMES;

/// A letter to write on a case: a template's name, or a body of its own.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LetterRequest {
    pub template: Option<String>,
    pub body: Option<String>,
    /// Whom the letter is addressed to, one line each (name, then address);
    /// empty: the case's constituent at their postal address.
    pub to: Vec<String>,
    /// A letter on this case waiting for approval that this one replaces:
    /// its edited version, by an approver or by its author. The new
    /// version waits for approval as the old one did (an approver's is
    /// approved as it is made).
    pub replaces: Option<i64>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "26 November 2026" for a time in Unix milliseconds (UTC).
pub fn date_in_words(ms: i64) -> String {
    let (year, month, day) = crate::civil_date(ms);
    format!("{day} {} {year}", MONTHS[(month - 1) as usize])
}

/// "7 December 2026" for "2026-12-07"; anything else as it is.
pub(crate) fn iso_date_in_words(d: &str) -> String {
    let parts: Vec<u32> = d.split('-').filter_map(|p| p.parse().ok()).collect();
    match parts[..] {
        [year, month @ 1..=12, day @ 1..=31] => {
            format!("{day} {} {year}", MONTHS[(month - 1) as usize])
        }
        _ => d.to_owned(),
    }
}

pub(crate) async fn representative_name(app: &App, office_id: i64) -> AppResult<String> {
    Ok(app
        .system_data(office_id)
        .users()
        .await?
        .into_iter()
        .find(|u| u.active && u.role().signs_letters())
        .map(|u| u.display_name)
        .unwrap_or_default())
}

/// The third party a letter or email goes to, and the enquiry it makes or
/// chases: their merge fields (`agency.*`, `enquiry.*`).
#[derive(Debug, Clone, Default)]
pub struct ThirdParty {
    pub agency: casework_letters::AgencyFields,
    pub enquiry: casework_letters::EnquiryFields,
}

/// Everything a template can use for this case.
pub async fn merge_fields(app: &App, actor: &Actor, case: &Case) -> AppResult<MergeFields> {
    merge_fields_with(app, actor, case, None).await
}

/// Everything a template can use for this case, and for the third party
/// written to, if any.
pub(crate) async fn merge_fields_with(
    app: &App,
    actor: &Actor,
    case: &Case,
    third: Option<&ThirdParty>,
) -> AppResult<MergeFields> {
    let c = app.data_for(actor).constituent(case.constituent_id).await?;
    let office = app.store.office(actor.office_id).await?;
    let representative = representative_name(app, actor.office_id).await?;
    let caseworker = case
        .assignee_name
        .clone()
        .unwrap_or_else(|| actor.display_name.clone());
    let tags = crate::cases::tags_of(app, actor, &[case.id]).await?;
    let category = crate::cases::tag_value(
        tags.get(&case.id).map(Vec::as_slice).unwrap_or(&[]),
        "category",
    );
    Ok(MergeFields {
        constituent: PersonFields {
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            full_name: c.full_name(),
            email: c.email.clone(),
            address: if c.mailing_address.is_empty() {
                c.address.clone()
            } else {
                c.mailing_address.clone()
            },
            postcode: c.postcode.clone(),
        },
        case: CaseFields {
            reference: case.reference.clone(),
            title: case.title.clone(),
            agency: case.agency.clone(),
            category: category.to_owned(),
            opened: date_in_words(case.opened_at),
            review_date: case
                .review_date
                .as_deref()
                .map(iso_date_in_words)
                .unwrap_or_default(),
        },
        signer: SignerFields {
            title: format!(
                "on behalf of {}",
                if representative.is_empty() {
                    &office.name
                } else {
                    &representative
                }
            ),
            name: caseworker.clone(),
        },
        caseworker: NameField { name: caseworker },
        representative: NameField {
            name: representative,
        },
        office: OfficeFields { name: office.name },
        agency: third.map(|t| t.agency.clone()).unwrap_or_default(),
        enquiry: third.map(|t| t.enquiry.clone()).unwrap_or_default(),
        today: iso_date_in_words(&app.today(actor.office_id).await?),
    })
}

pub async fn templates(app: &App, actor: &Actor) -> AppResult<Vec<Template>> {
    Ok(app.data_for(actor).templates().await?)
}

pub async fn template(app: &App, actor: &Actor, id: i64) -> AppResult<Template> {
    Ok(app.data_for(actor).template(id).await?)
}

/// Creates or updates a template (office managers and administrators).
pub async fn save_template(
    app: &App,
    actor: &Actor,
    id: Option<i64>,
    version: i64,
    name: &str,
    subject: &str,
    body: &str,
    signed: bool,
) -> AppResult<i64> {
    if !actor.can(Permission::EditTemplates) {
        return Err(AppError::Forbidden(
            "Only an office manager or an administrator can change templates.".into(),
        ));
    }
    // Another office's template is "not found", not a conflict.
    if let Some(id) = id {
        app.data_for(actor).template(id).await?;
    }
    let mut e = FieldErrors::new();
    let name = e.required("name", "The template's name", name, 100);
    let subject = e.optional("subject", "The subject", subject, 300);
    let body = e.required("body", "The text", body, 50_000);
    // Check the syntax against sample values, so a broken template is caught now.
    let sample = sample_fields(app);
    for (field, text) in [("subject", &subject), ("body", &body)] {
        if let Err(m) = merge_off_thread(text, &sample).await {
            e.add(field, m);
        }
    }
    check(e)?;
    match app
        .data_for(actor)
        .save_template(id, version, &name, &subject, &body, signed, app.now())
        .await
    {
        Ok(id) => Ok(id),
        Err(casework_store::Error::Duplicate(_)) => Err(AppError::field(
            "name",
            "A template with that name already exists.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Fills `text` on a blocking thread: a template's work is bounded (see
/// `casework_letters::TEMPLATE_FUEL`), but it is work the request threads
/// should not wait on.
pub(crate) async fn merge_off_thread(text: &str, fields: &MergeFields) -> Result<String, String> {
    let (text, fields) = (text.to_owned(), fields.clone());
    tokio::task::spawn_blocking(move || merge(&text, &fields))
        .await
        .unwrap_or_else(|_| Err("The template could not be filled.".to_owned()))
}

/// Text someone wrote to be filled for a person (a letter's body, a campaign
/// reply): only plain merge fields, unless they may edit templates.
pub(crate) fn check_author(actor: &Actor, e: &mut FieldErrors, field: &str, text: &str) {
    if !actor.can(Permission::EditTemplates)
        && let Err(m) = casework_letters::check_merge_fields_only(text)
    {
        e.add(field, m);
    }
}

/// A template being edited, filled with sample values: (subject, text).
/// Only those who may edit templates may try out text of their own.
pub async fn preview(
    app: &App,
    actor: &Actor,
    subject: &str,
    body: &str,
) -> AppResult<(String, String)> {
    actor.require(Permission::EditTemplates)?;
    preview_text(app, subject, body).await
}

/// A saved template of the reader's office, filled with sample values.
pub async fn preview_saved(app: &App, actor: &Actor, id: i64) -> AppResult<(String, String)> {
    let t = template(app, actor, id).await?;
    preview_text(app, &t.subject, &t.body).await
}

async fn preview_text(app: &App, subject: &str, body: &str) -> AppResult<(String, String)> {
    let sample = sample_fields(app);
    let mut e = FieldErrors::new();
    let s = merge_off_thread(subject, &sample)
        .await
        .unwrap_or_else(|m| {
            e.add("subject", m);
            String::new()
        });
    let b = merge_off_thread(body, &sample).await.unwrap_or_else(|m| {
        e.add("body", m);
        String::new()
    });
    check(e)?;
    Ok((s, b))
}

pub async fn letterhead(app: &App, actor: &Actor) -> AppResult<String> {
    Ok(app.data_for(actor).letterhead().await?)
}

/// Whether the office's letterhead has a logo.
pub async fn has_logo(app: &App, actor: &Actor) -> AppResult<bool> {
    Ok(app.data_for(actor).letterhead_logo().await?.is_some())
}

/// How the office's letters are laid out: letterhead lines, paper
/// (`a4` or `letter`) and the title under the representative's name.
pub async fn letter_settings(app: &App, actor: &Actor) -> AppResult<LetterSettings> {
    Ok(app.data_for(actor).letter_settings().await?)
}

pub async fn set_letterhead(app: &App, actor: &Actor, text: &str) -> AppResult<()> {
    let mut settings = letter_settings(app, actor).await?;
    settings.letterhead = text.to_owned();
    save_letterhead(app, actor, &settings, LogoChange::Keep).await
}

/// What to do with the letterhead's logo when the letterhead is saved.
pub enum LogoChange {
    Keep,
    Remove,
    /// A new logo: the bytes of a PNG or JPEG file.
    Set(Vec<u8>),
}

/// Saves the letterhead's address lines and its logo. Both are checked
/// before either is written; letters made afterwards carry the new ones,
/// earlier letters keep theirs.
pub async fn save_letterhead(
    app: &App,
    actor: &Actor,
    settings: &LetterSettings,
    logo: LogoChange,
) -> AppResult<()> {
    if !actor.can(Permission::EditTemplates) {
        return Err(AppError::Forbidden(
            "Only an office manager or an administrator can change the letterhead.".into(),
        ));
    }
    let mut e = FieldErrors::new();
    let text = e.optional("letterhead", "The letterhead", &settings.letterhead, 1000);
    let signature_title = e.optional(
        "signature_title",
        "The title under the representative's name",
        &settings.signature_title,
        200,
    );
    // A form without the paper keeps the office's.
    let paper = if settings.paper.trim().is_empty() {
        app.data_for(actor).letter_settings().await?.paper
    } else {
        settings.paper.trim().to_owned()
    };
    if Paper::from_name(&paper).is_none() {
        e.add("paper", "Choose A4 or US Letter.");
    }
    if let LogoChange::Set(bytes) = &logo
        && let Err(m) = Logo::read(bytes)
    {
        e.add("logo", m);
    }
    check(e)?;
    let (key, kept) = match logo {
        LogoChange::Keep => (None, Kept::default()),
        LogoChange::Remove => (Some(None), Kept::default()),
        LogoChange::Set(bytes) => {
            let file = NewFile::new(bytes);
            let key = file.key.clone();
            let kept = app
                .files
                .keep(vec![file])
                .await
                .map_err(|e| AppError::Internal(format!("saving a logo: {e}")))?;
            (Some(Some(key)), kept)
        }
    };
    app.data_for(actor)
        .with_files(kept)
        .set_letterhead(
            &LetterSettings {
                letterhead: text,
                paper,
                signature_title,
            },
            key.as_ref().map(|k| k.as_deref()),
        )
        .await?;
    if let Some(key) = key {
        tracing::info!(
            by = actor.user_id,
            set = key.is_some(),
            "letterhead logo changed"
        );
    }
    Ok(())
}

/// The logos with these blob keys, read and checked. One that cannot be
/// read any more is left out of the letter (and logged), not an error.
pub(crate) async fn load_logos(app: &App, mut keys: Vec<String>) -> casework_letters::Logos {
    keys.sort();
    keys.dedup();
    let mut out = casework_letters::Logos::default();
    for k in keys {
        let read = app
            .files
            .get(&k)
            .await
            .map_err(|e| e.to_string())
            .and_then(|b| Logo::read(&b));
        match read {
            Ok(logo) => {
                out.insert(k, logo);
            }
            Err(e) => {
                tracing::warn!(key = %k, error = %e, "a letterhead logo could not be read");
            }
        }
    }
    out
}

/// The office's logo as stored (PNG or JPEG bytes), for showing it.
pub async fn logo(app: &App, actor: &Actor) -> AppResult<Option<Vec<u8>>> {
    let Some(key) = app.data_for(actor).letterhead_logo().await? else {
        return Ok(None);
    };
    let bytes = app
        .files
        .get(&key)
        .await
        .map_err(|e| AppError::Internal(format!("reading the logo: {e}")))?;
    Ok(Some(bytes))
}

/// Values that fill every field, for checking and previewing templates.
pub fn sample_fields(app: &App) -> MergeFields {
    MergeFields {
        constituent: PersonFields {
            first_name: "Jane".into(),
            last_name: "Sample".into(),
            full_name: "Jane Sample".into(),
            email: "jane.sample@example.org".into(),
            address: "12 Elm Street, Riverside".into(),
            postcode: "R2C 1A1".into(),
        },
        case: CaseFields {
            reference: "CW-2026-00001".into(),
            title: "Passport delayed".into(),
            agency: "Passport Program".into(),
            category: "Passports".into(),
            opened: "2 November 2026".into(),
            review_date: "7 December 2026".into(),
        },
        caseworker: NameField {
            name: "Sam Caseworker".into(),
        },
        representative: NameField {
            name: "Dana Representative".into(),
        },
        office: OfficeFields {
            name: "Constituency Office".into(),
        },
        agency: casework_letters::AgencyFields {
            name: "Passport Program".into(),
            contact: "MP Enquiries Unit".into(),
            address: "22 de Varennes Street\nGatineau QC".into(),
        },
        enquiry: casework_letters::EnquiryFields {
            asked: "Status of a passport application".into(),
            sent: "2 November 2026".into(),
            due: "23 November 2026".into(),
            chases: "1".into(),
        },
        signer: SignerFields {
            name: "Sam Caseworker".into(),
            title: "on behalf of Dana Representative".into(),
        },
        today: date_in_words(app.now()),
    }
}

/// Fills a template for a case: (subject, body).
pub async fn fill(
    app: &App,
    actor: &Actor,
    case: &Case,
    template_name: &str,
) -> AppResult<(String, String, bool)> {
    fill_with(app, actor, case, template_name, None).await
}

/// Fills a template for a case and the third party written to:
/// (subject, body, signed by the representative).
pub(crate) async fn fill_with(
    app: &App,
    actor: &Actor,
    case: &Case,
    template_name: &str,
    third: Option<&ThirdParty>,
) -> AppResult<(String, String, bool)> {
    let t = match app
        .data_for(actor)
        .template_by_name(template_name.trim())
        .await
    {
        Ok(t) => t,
        Err(casework_store::Error::NotFound) => {
            return Err(AppError::field(
                "template",
                format!("There is no template called \"{}\".", template_name.trim()),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let mut fields = merge_fields_with(app, actor, case, third).await?;
    if t.signed_by_representative {
        sign_as_representative(app, actor, &mut fields).await?;
    }
    let subject = merge_off_thread(&t.subject, &fields)
        .await
        .map_err(|m| AppError::field("template", m))?;
    let body = merge_off_thread(&t.body, &fields)
        .await
        .map_err(|m| AppError::field("template", m))?;
    Ok((subject, body, t.signed_by_representative))
}

/// A template signed by the representative: `signer.*` are theirs, with
/// the title the office set (its name if none).
async fn sign_as_representative(
    app: &App,
    actor: &Actor,
    fields: &mut MergeFields,
) -> AppResult<()> {
    if fields.representative.name.is_empty() {
        return Ok(());
    }
    let settings = app.data_for(actor).letter_settings().await?;
    fields.signer = SignerFields {
        name: fields.representative.name.clone(),
        title: if settings.signature_title.trim().is_empty() {
            fields.office.name.clone()
        } else {
            settings.signature_title.trim().to_owned()
        },
    };
    Ok(())
}

/// Renders a letter for a case, keeps the PDF and records it on the case.
/// Returns the correspondence id.
pub async fn create(app: &App, actor: &Actor, case_id: i64, req: &LetterRequest) -> AppResult<i64> {
    let case = crate::cases::get(app, actor, case_id).await?;
    actor.require(Permission::WriteLetters)?;
    let (title, body, mut signed_by_rep) = letter_text(app, actor, &case, req).await?;
    if let Some(old) = req.replaces {
        crate::approvals::may_replace(app, actor, &case, old, Channel::Letter).await?;
        signed_by_rep = true;
    }
    let id = make_replacing(
        app,
        actor,
        &case,
        (title, body, signed_by_rep),
        &req.to,
        req.replaces,
    )
    .await?;
    if let Some(old) = req.replaces {
        crate::approvals::tell_replaced(app, actor, &case, old, id).await;
    }
    Ok(id)
}

/// A letter as it would be made, nothing kept: (title, text), filled for
/// this case, so the writer reads it before it exists.
pub async fn preview_letter(
    app: &App,
    actor: &Actor,
    case_id: i64,
    req: &LetterRequest,
) -> AppResult<(String, String)> {
    let case = crate::cases::get(app, actor, case_id).await?;
    actor.require(Permission::WriteLetters)?;
    let (title, body, _) = letter_text(app, actor, &case, req).await?;
    Ok((title, body))
}

/// A letter's title and text: its template's, or the writer's own text
/// with merge fields filled; and whether the representative signs it.
async fn letter_text(
    app: &App,
    actor: &Actor,
    case: &Case,
    req: &LetterRequest,
) -> AppResult<(String, String, bool)> {
    Ok(match (&req.template, &req.body) {
        (Some(t), _) if !t.trim().is_empty() => {
            let (subject, body, signed) = fill(app, actor, case, t).await?;
            (
                if subject.is_empty() {
                    t.trim().to_owned()
                } else {
                    subject
                },
                body,
                signed,
            )
        }
        (_, Some(b)) if !b.trim().is_empty() => {
            let mut e = FieldErrors::new();
            check_author(actor, &mut e, "body", b);
            check(e)?;
            let fields = merge_fields(app, actor, case).await?;
            let body = merge_off_thread(b, &fields)
                .await
                .map_err(|m| AppError::field("body", m))?;
            ("Letter".to_owned(), body, false)
        }
        _ => {
            return Err(AppError::field(
                "body",
                "Write the letter, or choose a template.",
            ));
        }
    })
}

/// The text of a letter or email to a third party: a template's (its
/// subject unless `subject` is written), or the writer's own `body` with
/// merge fields filled. Returns (subject, body, signed by the representative).
pub(crate) async fn compose(
    app: &App,
    actor: &Actor,
    case: &Case,
    template: &str,
    subject: &str,
    body: &str,
    third: &ThirdParty,
) -> AppResult<(String, String, bool)> {
    if !template.trim().is_empty() {
        let (t_subject, t_body, signed) =
            fill_with(app, actor, case, template, Some(third)).await?;
        let subject = if subject.trim().is_empty() {
            t_subject
        } else {
            subject.trim().to_owned()
        };
        return Ok((subject, t_body, signed));
    }
    if body.trim().is_empty() {
        return Err(AppError::field(
            "body",
            "Write the message, or choose a template.",
        ));
    }
    let mut e = FieldErrors::new();
    check_author(actor, &mut e, "body", body);
    check(e)?;
    let fields = merge_fields_with(app, actor, case, Some(third)).await?;
    let body = merge_off_thread(body, &fields)
        .await
        .map_err(|m| AppError::field("body", m))?;
    let subject = merge_off_thread(subject, &fields)
        .await
        .map_err(|m| AppError::field("subject", m))?;
    Ok((subject, body, false))
}

/// Lays out a letter whose text is final, keeps its PDF and records it on
/// the case; addressed to `to` (lines), or to the constituent when empty.
/// Returns the correspondence id.
pub(crate) async fn make(
    app: &App,
    actor: &Actor,
    case: &Case,
    title: String,
    body: String,
    signed_by_rep: bool,
    to: &[String],
) -> AppResult<i64> {
    make_replacing(app, actor, case, (title, body, signed_by_rep), to, None).await
}

/// Makes a letter (title, text, whether the representative signs it),
/// replacing the draft `replaces` if given, in the same transaction.
async fn make_replacing(
    app: &App,
    actor: &Actor,
    case: &Case,
    (title, body, signed_by_rep): (String, String, bool),
    to: &[String],
    replaces: Option<i64>,
) -> AppResult<i64> {
    let to: Vec<String> = to
        .iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    if to.len() > 10 || to.iter().any(|l| l.chars().count() > 200) {
        return Err(AppError::field(
            "to",
            "An address has at most 10 lines of 200 characters.",
        ));
    }
    let fields = merge_fields(app, actor, case).await?;
    let settings = app.data_for(actor).letter_settings().await?;
    let mut letterhead = vec![fields.office.name.clone()];
    letterhead.extend(
        settings
            .letterhead
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned),
    );
    let recipient = if to.is_empty() {
        let mut lines = vec![fields.constituent.full_name.clone()];
        lines.extend(
            fields
                .constituent
                .address
                .split([',', '\n'])
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        );
        if !fields.constituent.postcode.is_empty() {
            lines.push(fields.constituent.postcode.clone());
        }
        lines
    } else {
        to
    };
    // A letter signed by the representative, or any letter on a sensitive
    // case, goes out only once an office manager or the representative
    // has approved it (theirs are approved as they make them). Until then
    // its PDF is marked DRAFT on every page.
    let needs_approval = letter_needs_approval(signed_by_rep, case.sensitive);
    let approver = actor.can(Permission::ApproveOutgoing);
    let awaiting = needs_approval && !approver;
    let logo = app.data_for(actor).letterhead_logo().await?;
    let logos = load_logos(app, logo.iter().cloned().collect()).await;
    let letter = Letter {
        letterhead,
        date: fields.today.clone(),
        recipient: recipient.clone(),
        reference: case.reference.clone(),
        body: body.clone(),
        logo,
        paper: paper_of(&settings),
        draft: awaiting,
        ..Letter::default()
    };
    let unprintable =
        casework_letters::unprintable(&format!("{}\n{}", letter.recipient.join("\n"), letter.body));
    if !unprintable.is_empty() {
        // Which characters, not whose: the count is enough to act on.
        tracing::warn!(
            case_id = case.id,
            characters = unprintable.len(),
            "a letter has characters no installed font can print: install fonts-noto-core and fonts-noto-cjk, or add fonts to CASEWORK_FONT_DIRS"
        );
    }
    let layout = serde_json::to_string(&letter)
        .map_err(|e| AppError::Internal(format!("letter layout: {e}")))?;
    let (key, pdf_size, kept) = render_and_keep(app, letter, logos).await?;
    let mut note = format!("Letter: {title}");
    if !unprintable.is_empty() {
        note.push_str(&format!(
            " (no font on the server can print {}: they show as empty boxes; ask your administrator to install the Noto fonts)",
            unprintable.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
        ));
    }
    let (approval, approved_by) = match (needs_approval, approver) {
        (false, _) => (Approval::NotNeeded, None),
        (true, true) => (Approval::Approved, Some(actor.user_id)),
        (true, false) => {
            note.push_str(if signed_by_rep {
                " (signed by the representative: waiting for approval before it is printed)"
            } else {
                " (sensitive case: waiting for approval before it is printed)"
            });
            (Approval::Awaiting, None)
        }
    };
    let entry = NewEntry::new("letter_out", Some(actor.user_id), note);
    let record = NewLetter {
        case_id: case.id,
        constituent_id: case.constituent_id,
        // Every letter made is its own record, even when its PDF is the
        // same as an earlier one's (the same letter made twice on a case).
        dedupe_key: format!("letter:{}:{}", key, hex::encode(rand::random::<[u8; 8]>())),
        subject: title,
        body_text: body,
        pdf_blob: key,
        pdf_size,
        recipient: recipient.join(", "),
        created_by: actor.user_id,
        approval,
        approved_by,
        layout,
        replaces,
    };
    let id = match app
        .data_for(actor)
        .with_files(kept)
        .store_letter(&record, &entry, app.now())
        .await
    {
        Err(casework_store::Error::Conflict) => return Err(crate::approvals::not_waiting()),
        other => other?,
    };
    tracing::info!(
        case_id = case.id,
        correspondence_id = id,
        by = actor.user_id,
        "letter created"
    );
    Ok(id)
}

/// Reads the list of fonts installed on the machine (letters look there
/// for scripts the built-in font lacks); once, at start.
pub fn warm_up_fonts() {
    casework_letters::warm_up();
}

/// The paper an office's letters are printed on.
fn paper_of(settings: &LetterSettings) -> Paper {
    Paper::from_name(&settings.paper).unwrap_or_default()
}

/// Lays out a letter and keeps its PDF: (key, size, the file for the
/// write that records it).
async fn render_and_keep(
    app: &App,
    letter: Letter,
    logos: casework_letters::Logos,
) -> AppResult<(String, i64, Kept)> {
    let pdf = tokio::task::spawn_blocking(move || render_pdf(&letter, &logos))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let file = NewFile::new(pdf);
    let (key, size) = (file.key.clone(), file.bytes.len() as i64);
    let kept = app
        .files
        .keep(vec![file])
        .await
        .map_err(|e| AppError::Internal(format!("saving a letter: {e}")))?;
    Ok((key, size, kept))
}

/// The office manager or the representative approves a letter signed by
/// the representative. Its PDF is laid out again without the DRAFT mark.
pub async fn approve(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    let letter = crate::correspondence::get(app, actor, id).await?;
    if !actor.can(Permission::ApproveOutgoing) {
        return Err(AppError::Forbidden(
            "Only an office manager or the representative can approve a letter.".into(),
        ));
    }
    let layout = app
        .data_for(actor)
        .letter_layouts(&[letter.id])
        .await?
        .into_iter()
        .find(|l| l.approval == Approval::Awaiting)
        .and_then(|l| l.layout)
        .and_then(|l| serde_json::from_str::<Letter>(&l).ok());
    let pdf = match layout {
        Some(final_letter) => {
            let logos = load_logos(app, final_letter.logo.iter().cloned().collect()).await;
            Some(render_and_keep(app, final_letter, logos).await?)
        }
        None => None,
    };
    let kept = pdf.as_ref().map(|p| p.2.clone()).unwrap_or_default();
    let result = app
        .data_for(actor)
        .with_files(kept)
        .approve_letter(
            letter.id,
            actor.user_id,
            app.now(),
            pdf.as_ref().map(|(k, n, _)| (k.as_str(), *n)),
        )
        .await;
    if result.is_ok()
        && let Some(author) = letter.filed_by
    {
        let reference = match letter.case_id {
            Some(k) => Some((k, crate::cases::get(app, actor, k).await?.reference)),
            None => None,
        };
        crate::notifications::notify(
            app,
            actor.office_id,
            Some(actor.user_id),
            vec![crate::notifications::approved(
                "letter",
                reference.as_ref().map(|(k, r)| (*k, r.as_str())),
                author,
                letter.id,
                actor,
            )],
        )
        .await;
    }
    match result {
        Err(casework_store::Error::Conflict) => Err(AppError::field(
            "letter",
            "This letter is not waiting for approval.",
        )),
        other => Ok(other?),
    }
}

/// Letters not yet printed, on cases the actor can see.
pub async fn print_queue(app: &App, actor: &Actor) -> AppResult<Vec<PrintItem>> {
    actor.require(Permission::PrintLetters)?;
    Ok(app.data_for(actor).letters_to_print().await?)
}

/// The 50 letters printed most recently, newest first, on cases the actor
/// can see: a batch lost in the printer can be printed again.
pub async fn recently_printed(app: &App, actor: &Actor) -> AppResult<Vec<PrintItem>> {
    actor.require(Permission::PrintLetters)?;
    Ok(app.data_for(actor).letters_printed(50).await?)
}

/// Prints letters as one PDF (each on its own pages) and marks them
/// printed. Refuses, naming them, letters still waiting for approval.
pub async fn print(app: &App, actor: &Actor, ids: &[i64]) -> AppResult<Vec<u8>> {
    actor.require(Permission::PrintLetters)?;
    if ids.is_empty() {
        return Err(AppError::field("letters", "Choose the letters to print."));
    }
    if ids.len() > 500 {
        return Err(AppError::field(
            "letters",
            "Print at most 500 letters at a time.",
        ));
    }
    let found = app.data_for(actor).letter_layouts(ids).await?;
    if found.len() != ids.len() {
        return Err(AppError::NotFound);
    }
    let mut letters = Vec::with_capacity(found.len());
    let mut waiting = Vec::new();
    for l in &found {
        if l.approval == Approval::Awaiting {
            waiting.push(l.subject.clone());
            continue;
        }
        if matches!(l.approval, Approval::Returned | Approval::Replaced) {
            return Err(AppError::field(
                "letters",
                if l.approval == Approval::Returned {
                    format!(
                        "Nothing was printed: \"{}\" was returned to its author for changes.",
                        l.subject
                    )
                } else {
                    format!(
                        "Nothing was printed: \"{}\" was replaced by an edited version; print that one.",
                        l.subject
                    )
                },
            ));
        }
        let layout = l.layout.as_deref().ok_or_else(|| {
            AppError::field(
                "letters",
                format!(
                    "\"{}\" was made before batch printing; download it from its case.",
                    l.subject
                ),
            )
        })?;
        letters.push(
            serde_json::from_str::<casework_letters::Letter>(layout)
                .map_err(|e| AppError::Internal(format!("letter layout: {e}")))?,
        );
    }
    if !waiting.is_empty() {
        return Err(AppError::field(
            "letters",
            format!(
                "Nothing was printed: {} waiting for approval by an office manager or the representative: {}.",
                if waiting.len() == 1 {
                    "this letter is"
                } else {
                    "these letters are"
                },
                waiting.join("; ")
            ),
        ));
    }
    let keys: Vec<String> = letters.iter().filter_map(|l| l.logo.clone()).collect();
    let logos = load_logos(app, keys).await;
    let pdf = tokio::task::spawn_blocking(move || casework_letters::render_batch(&letters, &logos))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let ids: Vec<i64> = found.iter().map(|l| l.id).collect();
    app.data_for(actor).mark_printed(&ids, app.now()).await?;
    tracing::info!(letters = ids.len(), by = actor.user_id, "letters printed");
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_written_out() {
        assert_eq!(super::date_in_words(1_795_651_200_000), "26 November 2026");
        assert_eq!(super::date_in_words(0), "1 January 1970");
        assert_eq!(super::date_in_words(951_782_400_000), "29 February 2000");
        assert_eq!(super::iso_date_in_words("2026-12-07"), "7 December 2026");
        assert_eq!(super::iso_date_in_words("soon"), "soon");
    }
}
