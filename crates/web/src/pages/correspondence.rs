//! Correspondence: one message or letter with its files and comments,
//! filing it, and writing an email from a case.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use casework_app::cases::{CaseQuery, NOTE_KINDS};
use casework_app::domain::{Channel, Direction, FieldErrors, MailState, Permission};
use casework_app::{AppError, cases, constituents, correspondence, intake};
use serde::Deserialize;

use crate::error::{PageError, PageResult, refused, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::fmt::when;
use crate::layout::{Nav, nav, notice, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/emails/new", get(email_new))
        // Files may come with it, up to the router's body limit.
        .route("/cases/{id}/emails", post(email_send))
        .route("/correspondence/{id}", get(correspondence_page))
        .route(
            "/correspondence/{id}/people/choices",
            get(correspondence_person_choices),
        )
        .route("/correspondence/{id}/html", get(correspondence_html))
        .route("/correspondence/{id}/raw", get(correspondence_raw))
        .route(
            "/correspondence/{id}/attachments/{attachment}",
            get(correspondence_attachment),
        )
        .route("/correspondence/{id}/file", post(correspondence_file))
        .route("/correspondence/{id}/tags", post(correspondence_tags))
        .route(
            "/correspondence/{id}/no-action",
            post(correspondence_no_action),
        )
        .route("/correspondence/{id}/comments", post(comment))
        .route("/correspondence/{id}/return", post(return_draft))
}

/// A message in a list.
pub(crate) struct MailRow {
    pub(crate) id: i64,
    pub(crate) from: String,
    pub(crate) from_name: String,
    pub(crate) subject: String,
    pub(crate) received: String,
    pub(crate) unread: bool,
    pub(crate) problems: String,
    /// For email sent from a case: its outbox state, what that means, and
    /// the mail server's last refusal.
    pub(crate) delivery: Option<(String, String, String)>,
}

impl From<&casework_app::views::CorrespondenceSummary> for MailRow {
    fn from(c: &casework_app::views::CorrespondenceSummary) -> Self {
        MailRow {
            id: c.id,
            from: c.from_address.clone(),
            from_name: c.from_name.clone(),
            subject: c.subject.clone(),
            received: when(c.received_at),
            unread: c.unread,
            problems: c.problems.clone(),
            delivery: None,
        }
    }
}

struct MessageDetail {
    id: i64,
    subject: String,
    from: String,
    from_name: String,
    to: String,
    cc: String,
    received: String,
    sent: String,
    state: String,
    state_label: &'static str,
    problems: String,
    text: String,
    has_html: bool,
    raw_size: String,
    constituent_id: i64,
    is_letter: bool,
    /// For a note, call, meeting, post or document kept with files: what it
    /// is ("Letter received by post"); empty for email and letters.
    record_label: &'static str,
    printed: String,
}

struct AttachmentRow {
    id: i64,
    filename: String,
    content_type: String,
    size: String,
}

pub(crate) fn human_size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} bytes"),
    }
}

#[derive(Template)]
#[template(path = "correspondence.html")]
pub(crate) struct CorrespondencePage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    m: MessageDetail,
    attachments: Vec<AttachmentRow>,
    back: Option<(String, String)>,
    can_triage: bool,
    matches: Vec<(i64, String)>,
    open_cases: Vec<(i64, String)>,
    errors: FieldErrors,
    /// The case a reply would be written from, if the person may write.
    reply_case: Option<i64>,
    /// Comments on an outgoing email or letter (drafting and approval).
    comments: Vec<CommentRow>,
    is_out: bool,
    /// The message's tags, with a form to change them when the person may.
    tag_fields: Vec<crate::pages::tag_fields::DimensionField>,
    free_tags: String,
    can_tag: bool,
    tags_shown: Vec<casework_app::tags::ItemTagOut>,
    /// Filing by name: what was typed, and the people it could mean.
    person_query: String,
    person_choices: Vec<super::person_choice::PersonChoice>,
    /// An outgoing letter or email on a case, and where it is on its way.
    draft: Option<DraftView>,
}

/// Where an outgoing letter or email is, and what the reader may do with
/// it while it waits for approval or after it was returned.
pub(crate) struct DraftView {
    pub label: &'static str,
    pub awaiting: bool,
    pub returned: bool,
    /// Where the approve button posts, for those who approve.
    pub approve: Option<String>,
    pub can_return: bool,
    /// The form to edit it (a new version replacing it) while it waits.
    pub edit: Option<String>,
    /// The form to write it again, from its text, once returned.
    pub again: Option<String>,
}

async fn draft_view(
    s: &AppState,
    who: &PageActor,
    m: &casework_app::views::Correspondence,
) -> Result<Option<DraftView>, PageError> {
    use casework_app::domain::{Approval, OutboxState};
    let Some(case_id) = m.case_id.filter(|_| m.direction == Direction::Out) else {
        return Ok(None);
    };
    let (label, awaiting, returned, approve, write) = match m.channel {
        Channel::Letter => (
            m.approval.label(),
            m.approval == Approval::Awaiting,
            m.approval == Approval::Returned,
            format!("/correspondence/{}/approve", m.id),
            (Permission::WriteLetters, "letters"),
        ),
        Channel::Email => {
            let Some(o) = casework_app::outbox::for_case(&s.app, &who.actor, case_id)
                .await?
                .into_iter()
                .find(|o| o.correspondence_id == m.id)
            else {
                return Ok(None);
            };
            (
                o.state.label(),
                o.state == OutboxState::AwaitingApproval,
                o.state == OutboxState::Returned,
                format!("/approvals/emails/{}", o.id),
                (Permission::SendEmail, "emails"),
            )
        }
        _ => return Ok(None),
    };
    let approver = who.actor.can(Permission::ApproveOutgoing);
    let writer = who.actor.can(write.0);
    let form = format!("/cases/{case_id}/{}/new?from={}", write.1, m.id);
    Ok(Some(DraftView {
        label,
        awaiting,
        returned,
        approve: Some(approve).filter(|_| awaiting && approver),
        can_return: awaiting && approver,
        edit: Some(form.clone())
            .filter(|_| awaiting && writer && (approver || m.filed_by == Some(who.actor.user_id))),
        again: Some(form).filter(|_| returned && writer),
    }))
}

/// The message page's query: a notice, or a person looked for to file on.
#[derive(Deserialize, Default)]
#[serde(default)]
struct MessageQuery {
    notice: Option<String>,
    person: String,
}

/// A comment as shown.
pub(crate) struct CommentRow {
    pub author: String,
    pub body: String,
    pub at: String,
}

impl From<casework_app::views::Comment> for CommentRow {
    fn from(c: casework_app::views::Comment) -> Self {
        CommentRow {
            author: c.author_name,
            body: c.body,
            at: when(c.at),
        }
    }
}

pub(crate) async fn correspondence_view(
    s: &AppState,
    who: &PageActor,
    id: i64,
    notice_code: &Option<String>,
    errors: FieldErrors,
) -> Result<CorrespondencePage, PageError> {
    let (m, attachments) = correspondence::open(&s.app, &who.actor, id).await?;
    let back = match (m.case_id, m.constituent_id) {
        (Some(k), _) => Some((format!("/cases/{k}"), "Back to the case".to_owned())),
        (None, Some(c)) => Some((
            format!("/constituents/{c}"),
            "Back to the constituent".to_owned(),
        )),
        _ => Some(match m.campaign_id {
            Some(c) => (format!("/campaigns/{c}"), "Back to the campaign".to_owned()),
            None => ("/intake".to_owned(), "Back to the intake inbox".to_owned()),
        }),
    };
    let open_to_filing =
        m.state == MailState::Intake || (m.state == MailState::Filed && m.case_id.is_none());
    let can_triage = open_to_filing && who.actor.can(Permission::TriageIntake);
    let mut matches = Vec::new();
    let mut open_cases = Vec::new();
    if can_triage {
        if m.state == MailState::Intake && !m.from_address.is_empty() {
            let q = constituents::search(&s.app, &who.actor, &m.from_address, None, 10).await?;
            matches = q
                .items
                .iter()
                .filter(|c| c.email == m.from_address)
                .map(|c| (c.id, c.full_name()))
                .collect();
        }
        if let Some(c) = m.constituent_id {
            let q = CaseQuery {
                constituent_id: Some(c),
                view: "active".into(),
                ..CaseQuery::default()
            };
            open_cases = cases::list(&s.app, &who.actor, &q)
                .await?
                .items
                .iter()
                .map(|k| (k.id, format!("{} {}", k.reference, k.title)))
                .collect();
        }
    }
    let is_out = m.direction == Direction::Out;
    let draft = draft_view(s, who, &m).await?;
    let comments = if is_out {
        casework_app::comments::on_correspondence(&s.app, &who.actor, m.id)
            .await?
            .into_iter()
            .map(CommentRow::from)
            .collect()
    } else {
        Vec::new()
    };
    let reply_case = m.case_id.filter(|_| {
        m.direction == Direction::In
            && m.channel == Channel::Email
            && who.actor.can(Permission::SendEmail)
    });
    let can_tag = if m.case_id.is_none() && m.state == MailState::Intake {
        who.actor.can(Permission::TriageIntake)
    } else {
        who.actor.can(Permission::EditCases)
    };
    let framework = casework_app::tags::framework(&s.app, &who.actor).await?;
    let tags_shown = casework_app::tags::of_item(
        &s.app,
        &who.actor,
        casework_app::tags::Tagged::Correspondence,
        m.id,
    )
    .await?;
    let mut chosen: std::collections::BTreeMap<String, String> = tags_shown
        .iter()
        .filter(|t| t.dimension != "free")
        .map(|t| (t.dimension.clone(), t.tag_id.to_string()))
        .collect();
    let mut hints = std::collections::BTreeMap::new();
    if can_tag {
        for (key, sug) in casework_app::tag_suggest::for_message(&s.app, &who.actor, m.id).await? {
            if !chosen.contains_key(&key) {
                chosen.insert(key.clone(), sug.tag_id.to_string());
                hints.insert(key, sug.why);
            }
        }
    }
    let tag_fields = crate::pages::tag_fields::dimension_fields(&framework, &chosen)
        .into_iter()
        .map(|mut d| {
            d.hint = hints.remove(&d.key).unwrap_or_default();
            d
        })
        .collect();
    let free_tags = tags_shown
        .iter()
        .filter(|t| t.dimension == "free")
        .map(|t| t.value.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let state_label = match m.state {
        MailState::Intake | MailState::NoAction => m.state.label(),
        _ if m.case_id.is_some() => "On a case",
        _ => "On a constituent's record",
    };
    Ok(CorrespondencePage {
        nav: nav(who, "intake"),
        notice: notice(notice_code),
        csrf: who.csrf.clone(),
        attachments: attachments
            .into_iter()
            .map(|a| AttachmentRow {
                id: a.id,
                filename: a.filename,
                content_type: a.content_type,
                size: human_size(a.size),
            })
            .collect(),
        back,
        can_triage,
        matches,
        open_cases,
        errors,
        reply_case,
        m: MessageDetail {
            id: m.id,
            subject: m.subject,
            from: m.from_address,
            from_name: m.from_name,
            to: m.to_addresses,
            cc: m.cc_addresses,
            received: when(m.received_at),
            sent: m.sent_at.map(when).unwrap_or_default(),
            state: m.state.to_string(),
            state_label,
            problems: m.problems,
            text: m.body_text,
            has_html: m.body_html.is_some(),
            raw_size: human_size(m.raw_size),
            is_letter: m.channel == Channel::Letter,
            record_label: NOTE_KINDS
                .iter()
                .find(|(k, _)| *k == m.channel.as_str())
                .map(|(_, l)| *l)
                .unwrap_or(""),
            constituent_id: m.constituent_id.unwrap_or(0),
            printed: m.printed_at.map(when).unwrap_or_default(),
        },
        comments,
        is_out,
        tag_fields,
        free_tags,
        can_tag,
        tags_shown,
        person_query: String::new(),
        person_choices: Vec::new(),
        draft,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TagsForm {
    free_tags: String,
    create_new: String,
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

/// Saves the tags chosen on a message's page: each select sets its
/// dimension (empty clears it), the free tags become the listed ones.
async fn correspondence_tags(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<TagsForm>,
) -> PageResult {
    use casework_app::tags::{Tagged, TagsInput};
    let f = &form.data;
    let actor = &form.who.actor;
    let current = casework_app::tags::of_item(&s.app, actor, Tagged::Correspondence, id).await?;
    let listed: Vec<String> = f
        .free_tags
        .split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    let fold = casework_app::domain::tags::fold;
    let input = TagsInput {
        tags: f
            .rest
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("tag_")?.to_owned(), v.clone())))
            .collect(),
        add: listed
            .iter()
            .filter(|n| {
                !current
                    .iter()
                    .any(|t| t.dimension == "free" && fold(&t.value) == fold(n))
            })
            .cloned()
            .collect(),
        remove: current
            .iter()
            .filter(|t| t.dimension == "free" && !listed.iter().any(|n| fold(n) == fold(&t.value)))
            .map(|t| t.tag_id.to_string())
            .collect(),
        create_new: f.create_new == "yes",
    };
    match casework_app::tags::change(&s.app, actor, Tagged::Correspondence, id, &input).await {
        Ok(_) => match correspondence::get(&s.app, actor, id).await {
            Ok(_) => Ok(see(format!("/correspondence/{id}?notice=tags"))),
            // Made highly sensitive by someone who may not see it now.
            Err(AppError::NotFound) => Ok(see("/intake?notice=hidden".into())),
            Err(e) => Err(e.into()),
        },
        Err(AppError::Invalid(errors)) => {
            let page = correspondence_view(&s, &form.who, id, &None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

/// The people to file the message on, as one types (people.js).
async fn correspondence_person_choices(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<MessageQuery>,
) -> PageResult {
    correspondence::get(&s.app, &who.actor, id).await?;
    who.actor.require(Permission::TriageIntake)?;
    super::person_choice::fragment(
        &s,
        &who,
        &q.person,
        format!("/correspondence/{id}/file"),
        "File on",
    )
    .await
}

async fn correspondence_page(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<MessageQuery>,
) -> PageResult {
    let mut page = correspondence_view(&s, &who, id, &q.notice, FieldErrors::new()).await?;
    let person = q.person.trim();
    if page.can_triage && !person.is_empty() {
        page.person_choices = constituents::matches(&s.app, &who.actor, person, 10)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        page.person_query = person.to_owned();
    }
    Ok(render(&page)?.into_response())
}

/// The message's own HTML, already sanitised, as a page of its own with a
/// policy that forbids scripts, forms and anything remote.
async fn correspondence_html(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    let m = correspondence::get(&s.app, &who.actor, id).await?;
    let Some(html) = m.body_html else {
        return Err(PageError(AppError::NotFound));
    };
    let doc = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Formatted message</title></head><body><main>{html}</main></body></html>"
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
            ),
        ],
        doc,
    )
        .into_response())
}

async fn correspondence_raw(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    let (c, bytes) = correspondence::original(&s.app, &who.actor, id).await?;
    Ok(crate::download::original_response(c.channel, bytes))
}

async fn correspondence_attachment(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    raw: axum::extract::RawPathParams,
) -> PageResult {
    let attachment =
        crate::download::attachment_param(&raw).ok_or(PageError(AppError::NotFound))?;
    let (a, bytes) = correspondence::attachment(&s.app, &who.actor, id, attachment).await?;
    Ok(crate::download::file_download(&a.filename, bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FileForm {
    reference: String,
    case_id: String,
    constituent_id: String,
    /// `tag_<dimension>` selects and `free_tags` (comma-separated).
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

/// The tags chosen on a form: `tag_<dimension>` fields, empty ones left
/// out (they keep the case's value), and `free_tags` separated by commas.
pub(crate) fn form_tags(
    rest: &std::collections::BTreeMap<String, String>,
) -> casework_app::tags::TagsInput {
    casework_app::tags::TagsInput {
        tags: rest
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .filter_map(|(k, v)| Some((k.strip_prefix("tag_")?.to_owned(), v.clone())))
            .collect(),
        add: rest
            .get("free_tags")
            .map(|t| {
                t.split(',')
                    .map(|x| x.trim().to_owned())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        create_new: rest.get("create_new").is_some_and(|v| v == "yes"),
        ..Default::default()
    }
}

async fn correspondence_file(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<FileForm>,
) -> PageResult {
    let f = &form.data;
    let actor = &form.who.actor;
    let tags = form_tags(&f.rest);
    let mut case_id: Option<i64> = f.case_id.trim().parse().ok();
    let constituent_id: Option<i64> = f.constituent_id.trim().parse().ok();
    let result = if !f.reference.trim().is_empty() {
        match cases::by_reference(&s.app, actor, &f.reference).await {
            Ok(k) => {
                case_id = Some(k.id);
                intake::file(&s.app, actor, id, case_id, None, &tags).await
            }
            Err(e) => Err(e),
        }
    } else {
        intake::file(&s.app, actor, id, case_id, constituent_id, &tags).await
    };
    match result {
        Ok(()) => Ok(see(match case_id {
            Some(k) => format!("/cases/{k}?notice=filed"),
            None => format!("/correspondence/{id}?notice=filed"),
        })),
        Err(AppError::Invalid(errors)) => {
            let page = correspondence_view(&s, &form.who, id, &None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn correspondence_no_action(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<serde_json::Value>,
) -> PageResult {
    match intake::no_action(&s.app, &form.who.actor, id).await {
        Ok(()) => Ok(see("/intake?notice=no_action".into())),
        Err(AppError::Invalid(errors)) => {
            let page = correspondence_view(&s, &form.who, id, &None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "email_form.html")]
struct EmailFormPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    case_id: i64,
    reference: String,
    case_title: String,
    constituent: String,
    do_not_email: bool,
    needs_approval: bool,
    reply_to: Option<i64>,
    to: String,
    subject: String,
    body: String,
    errors: FieldErrors,
    /// Files on the case that can go with it: (field name, label, ticked).
    documents: Vec<(String, String, bool)>,
    /// Said before writing when this server cannot send email yet.
    not_set_up: Option<String>,
    /// The office's templates, and the one chosen.
    templates: Vec<String>,
    template: String,
    /// Editing a draft waiting for approval: the new version replaces it.
    replaces: Option<i64>,
    /// Said above the form when it starts from another email.
    from_note: Option<String>,
    /// The template whose text the message was started from (sent back
    /// with it: one signed by the representative makes it wait for approval).
    used_template: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReplyQuery {
    reply_to: Option<i64>,
    /// An email on the case to start from (edit, or write again).
    from: Option<i64>,
}

async fn email_form(
    s: &AppState,
    who: &PageActor,
    case_id: i64,
    reply_to: Option<i64>,
    form: Option<&EmailForm>,
    errors: FieldErrors,
) -> Result<EmailFormPage, PageError> {
    let k = cases::get(&s.app, &who.actor, case_id).await?;
    let c = constituents::get(&s.app, &who.actor, k.constituent_id).await?;
    let (mut to, mut subject, mut body) = (c.email.clone(), k.title.clone(), String::new());
    if let Some(mid) = reply_to {
        let m = correspondence::get(&s.app, &who.actor, mid).await?;
        if m.direction == Direction::In && !m.from_address.is_empty() {
            to = m.from_address.clone();
        }
        subject = if m.subject.to_lowercase().starts_with("re:") {
            m.subject.clone()
        } else {
            format!("Re: {}", m.subject)
        };
        let quoted: String = m
            .body_text
            .lines()
            .take(200)
            .map(|l| format!("> {l}\n"))
            .collect();
        body = format!(
            "\n\nOn {}, {} wrote:\n{quoted}",
            when(m.received_at),
            if m.from_name.is_empty() {
                &m.from_address
            } else {
                &m.from_name
            }
        );
    }
    if let Some(f) = form {
        to = f.to.clone();
        subject = f.subject.clone();
        body = f.body.clone();
    }
    let documents = casework_app::outbox::case_documents(&s.app, &who.actor, k.id)
        .await?
        .into_iter()
        .map(|d| {
            let field = format!(
                "attach_{}{}",
                if d.kind == "letter" { "l" } else { "a" },
                d.id
            );
            let label = format!(
                "{} ({}{})",
                d.name,
                human_size(d.size),
                if d.kind == "letter" { ", letter" } else { "" }
            );
            let ticked = form.is_some_and(|f| f.files.contains_key(&field));
            (field, label, ticked)
        })
        .collect();
    Ok(EmailFormPage {
        nav: nav(who, "cases"),
        notice: None,
        csrf: who.csrf.clone(),
        case_id: k.id,
        reference: k.reference.clone(),
        case_title: k.title.clone(),
        constituent: c.full_name(),
        do_not_email: c.do_not_email,
        needs_approval: casework_app::outbox::needs_approval(&who.actor, k.sensitive),
        reply_to,
        to,
        subject,
        body,
        errors,
        documents,
        not_set_up: casework_app::outbox::not_set_up(&s.app, &who.actor).await?,
        templates: casework_app::letters::templates(&s.app, &who.actor)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        template: form.map(|f| f.template.clone()).unwrap_or_default(),
        replaces: None,
        from_note: None,
        used_template: form.map(|f| f.used_template.clone()).unwrap_or_default(),
    })
}

async fn email_new(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<ReplyQuery>,
) -> PageResult {
    who.actor.require(Permission::SendEmail)?;
    let Some(from) = q.from else {
        let page = email_form(&s, &who, id, q.reply_to, None, FieldErrors::new()).await?;
        return Ok(render(&page)?.into_response());
    };
    // Starting from a draft: its recipients, subject, text and files.
    let d = casework_app::approvals::draft_to_edit(&s.app, &who.actor, id, from).await?;
    let f = EmailForm {
        to: d.to.join(", "),
        subject: d.subject.clone(),
        body: d.body.clone(),
        files: d
            .attachment_ids
            .iter()
            .map(|a| (format!("attach_a{a}"), "on".to_owned()))
            .collect(),
        ..EmailForm::default()
    };
    let mut page = email_form(&s, &who, id, None, Some(&f), FieldErrors::new()).await?;
    page.from_note = Some(crate::layout::from_note("email", &d));
    page.replaces = d.replaces;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailForm {
    to: String,
    subject: String,
    body: String,
    reply_to: String,
    send_anyway: Option<String>,
    /// The template chosen, and `template` when the form asks to use it.
    template: String,
    action: String,
    /// A draft waiting for approval that this email replaces.
    replaces: String,
    /// The template the text was started from ("Use this template").
    used_template: String,
    /// Ticked case files: `attach_a{attachment id}` and `attach_l{letter id}`.
    #[serde(flatten)]
    files: std::collections::HashMap<String, String>,
}

/// The ids of ticked checkboxes named `{prefix}{id}`.
pub(crate) fn ticked(fields: &std::collections::HashMap<String, String>, prefix: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = fields
        .keys()
        .filter_map(|k| k.strip_prefix(prefix)?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

async fn email_send(
    State(s): State<AppState>,
    Id(id): Id,
    form: crate::extract::UploadForm,
) -> PageResult {
    let field = |k: &str| form.fields.get(k).cloned().unwrap_or_default();
    let f = EmailForm {
        to: field("to"),
        subject: field("subject"),
        body: field("body"),
        reply_to: field("reply_to"),
        send_anyway: form.fields.get("send_anyway").cloned(),
        template: field("template"),
        action: field("action"),
        replaces: field("replaces"),
        used_template: field("used_template"),
        files: form
            .fields
            .iter()
            .filter(|(k, _)| k.starts_with("attach_"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    let reply_to: Option<i64> = f.reply_to.trim().parse().ok();
    let replaces: Option<i64> = f.replaces.trim().parse().ok();
    if f.action == "template" {
        // The template's text, filled for this case, above what is written
        // (a reply keeps the message it quotes); nothing is sent.
        let mut f = f;
        let errors =
            match casework_app::outbox::fill_template(&s.app, &form.who.actor, id, &f.template)
                .await
            {
                Ok((subject, body)) => {
                    f.used_template = f.template.clone();
                    if reply_to.is_none() && !subject.trim().is_empty() {
                        f.subject = subject;
                    }
                    f.body = if f.body.trim().is_empty() {
                        body
                    } else {
                        format!("{}\n{}", body.trim_end(), f.body)
                    };
                    FieldErrors::new()
                }
                Err(AppError::Invalid(errors)) => errors,
                Err(e) => return Err(e.into()),
            };
        let mut page = email_form(&s, &form.who, id, reply_to, Some(&f), errors).await?;
        page.replaces = replaces;
        return if page.errors.is_empty() {
            Ok(render(&page)?.into_response())
        } else {
            refused(&page)
        };
    }
    let req = casework_app::outbox::EmailRequest {
        to: f
            .to
            .split([',', ';'])
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        subject: f.subject.clone(),
        body: f.body.clone(),
        reply_to,
        send_anyway: f.send_anyway.is_some(),
        // Its text is in the body already; named, so its signer counts.
        template: Some(f.used_template.clone()).filter(|t| !t.trim().is_empty()),
        attachment_ids: ticked(&f.files, "attach_a"),
        letter_ids: ticked(&f.files, "attach_l"),
        replaces,
        uploads: form
            .files
            .into_iter()
            .map(crate::extract::Upload::into_file)
            .collect(),
    };
    match casework_app::outbox::send_email(&s.app, &form.who.actor, id, &req).await {
        Ok(cid) => {
            // Held for approval, or on its way: the notice says which.
            let held = casework_app::outbox::for_case(&s.app, &form.who.actor, id)
                .await?
                .iter()
                .any(|o| {
                    o.correspondence_id == cid
                        && o.state == casework_app::domain::OutboxState::AwaitingApproval
                });
            let code = if held { "email_held" } else { "email" };
            Ok(see(format!("/cases/{id}?notice={code}")))
        }
        Err(AppError::Invalid(errors)) => {
            let mut page = email_form(&s, &form.who, id, reply_to, Some(&f), errors).await?;
            page.replaces = replaces;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CommentForm {
    comment: String,
}

/// An approver returns a draft to its author with what should change.
async fn return_draft(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<CommentForm>,
) -> PageResult {
    match casework_app::approvals::return_draft(&s.app, &form.who.actor, id, &form.data.comment)
        .await
    {
        Ok(()) => Ok(see(format!("/correspondence/{id}?notice=returned"))),
        Err(AppError::Invalid(errors)) => {
            let page = correspondence_view(&s, &form.who, id, &None, errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn comment(State(s): State<AppState>, Id(id): Id, form: CsrfForm<CommentForm>) -> PageResult {
    match casework_app::comments::add_to_correspondence(
        &s.app,
        &form.who.actor,
        id,
        &form.data.comment,
    )
    .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/correspondence/{id}?notice=comment#comments-h"))
                .into_response(),
        ),
        Err(AppError::Invalid(errors)) => {
            let page = correspondence_view(&s, &form.who, id, &None, errors).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
