//! Correspondence in the JSON API: one message or letter, its original
//! and files, a case's correspondence, sending an email and adding a
//! document.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use casework_app::domain::OutboxState;
use casework_app::views::{AttachmentRecord, Correspondence, CorrespondenceSummary};
use casework_app::{AppError, cases, correspondence};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::common::{
    ApiResult, Forbidden, Invalid, NotFound, NoteKind, Unauthorized, created,
};
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, Id};
use crate::fmt::iso;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/cases/{id}/documents",
            axum::routing::post(add_case_document),
        )
        .route("/cases/{id}/correspondence", get(case_correspondence))
        .route("/cases/{id}/emails", axum::routing::post(send_case_email))
        .route("/correspondence/{id}", get(get_correspondence))
        .route("/correspondence/{id}/raw", get(raw_correspondence))
        .route(
            "/correspondence/{id}/attachments/{attachment}",
            get(correspondence_attachment),
        )
}

/// A piece of correspondence in a list.
#[derive(Serialize, ToSchema)]
pub struct CorrespondenceSummaryOut {
    id: i64,
    /// `in` or `out`; `internal` for the office's own record of a call,
    /// meeting or visit kept with files.
    direction: String,
    /// `email`, `letter`, or for files kept on a case `post`, `document`,
    /// `note`, `call`, `meeting` or `visit`.
    channel: String,
    /// `intake` (waiting to be filed), `filed` or `no_action`.
    state: String,
    case_id: Option<i64>,
    constituent_id: Option<i64>,
    from: String,
    from_name: String,
    subject: String,
    received_at: String,
    unread: bool,
    /// What was wrong with the message when it arrived, if anything.
    problems: String,
    /// For email sent from a case: `awaiting_approval`, `queued`,
    /// `sending`, `sent` or `failed`. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery: Option<String>,
    /// For email sent from a case: the mail server's last refusal, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery_error: Option<String>,
}

impl From<CorrespondenceSummary> for CorrespondenceSummaryOut {
    fn from(c: CorrespondenceSummary) -> Self {
        CorrespondenceSummaryOut {
            id: c.id,
            direction: c.direction.to_string(),
            channel: c.channel.to_string(),
            state: c.state.to_string(),
            case_id: c.case_id,
            constituent_id: c.constituent_id,
            from: c.from_address,
            from_name: c.from_name,
            subject: c.subject,
            received_at: iso(c.received_at),
            unread: c.unread,
            problems: c.problems,
            delivery: None,
            delivery_error: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentOut {
    id: i64,
    filename: String,
    content_type: String,
    size: i64,
}

impl From<AttachmentRecord> for AttachmentOut {
    fn from(a: AttachmentRecord) -> Self {
        AttachmentOut {
            id: a.id,
            filename: a.filename,
            content_type: a.content_type,
            size: a.size,
        }
    }
}

/// A piece of correspondence with its content.
#[derive(Serialize, ToSchema)]
pub struct CorrespondenceOut {
    id: i64,
    direction: String,
    channel: String,
    state: String,
    case_id: Option<i64>,
    constituent_id: Option<i64>,
    message_id: String,
    in_reply_to: String,
    references: String,
    from: String,
    from_name: String,
    to: String,
    cc: String,
    subject: String,
    sent_at: Option<String>,
    received_at: String,
    /// The text of the message.
    text: String,
    /// The HTML of the message, sanitised: no scripts, no remote images.
    html: Option<String>,
    /// Size of the original in bytes (fetch it from `/raw`).
    raw_size: i64,
    problems: String,
    /// A letter's approval: empty (none needed), `awaiting`, `approved`,
    /// `returned` (to its author) or `replaced` (by an edited version).
    approval: String,
    attachments: Vec<AttachmentOut>,
}

impl CorrespondenceOut {
    pub(crate) fn new(c: Correspondence, attachments: Vec<AttachmentRecord>) -> Self {
        CorrespondenceOut {
            id: c.id,
            direction: c.direction.to_string(),
            channel: c.channel.to_string(),
            state: c.state.to_string(),
            case_id: c.case_id,
            constituent_id: c.constituent_id,
            message_id: c.message_id,
            in_reply_to: c.in_reply_to,
            references: c.reference_ids,
            from: c.from_address,
            from_name: c.from_name,
            to: c.to_addresses,
            cc: c.cc_addresses,
            subject: c.subject,
            sent_at: c.sent_at.map(iso),
            received_at: iso(c.received_at),
            text: c.body_text,
            html: c.body_html,
            raw_size: c.raw_size,
            problems: c.problems,
            approval: c.approval.to_string(),
            attachments: attachments.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CorrespondenceList {
    pub(crate) items: Vec<CorrespondenceSummaryOut>,
    pub(crate) next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/correspondence/{id}", tag = "correspondence", params(("id" = i64, Path)),
    responses((status = 200, body = CorrespondenceOut), Unauthorized, NotFound))]
pub(crate) async fn get_correspondence(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<CorrespondenceOut>> {
    let (c, att) = correspondence::open(&s.app, &a, id).await?;
    Ok(axum::Json(CorrespondenceOut::new(c, att)))
}

#[utoipa::path(get, path = "/api/v1/correspondence/{id}/raw", tag = "correspondence", params(("id" = i64, Path)),
    responses((status = 200, description = "The original, byte for byte: an email as received or sent (message/rfc822), or a letter's PDF (application/pdf)",
        content(("message/rfc822"), ("application/pdf"))), Unauthorized, NotFound))]
pub(crate) async fn raw_correspondence(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<Response> {
    let (c, bytes) = correspondence::original(&s.app, &a, id).await?;
    Ok(crate::download::original_response(c.channel, bytes))
}

#[utoipa::path(get, path = "/api/v1/correspondence/{id}/attachments/{attachment}", tag = "correspondence",
    params(("id" = i64, Path), ("attachment" = i64, Path, description = "An attachment id from `GET /api/v1/correspondence/{id}`")),
    responses((status = 200, description = "The file, byte for byte", content_type = "application/octet-stream"), Unauthorized, NotFound))]
pub(crate) async fn correspondence_attachment(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    raw: axum::extract::RawPathParams,
) -> ApiResult<Response> {
    let attachment = crate::download::attachment_param(&raw).ok_or(ApiError(AppError::NotFound))?;
    let (att, bytes) = correspondence::attachment(&s.app, &a, id, attachment).await?;
    Ok(crate::download::file_download(&att.filename, bytes))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/correspondence", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CorrespondenceList), Unauthorized, NotFound))]
pub(crate) async fn case_correspondence(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<CorrespondenceList>> {
    let items = correspondence::for_case(&s.app, &a, id).await?;
    let outbox = casework_app::outbox::for_case(&s.app, &a, id).await?;
    Ok(axum::Json(CorrespondenceList {
        items: items
            .into_iter()
            .map(|c| {
                let mut out = CorrespondenceSummaryOut::from(c);
                if let Some(o) = outbox.iter().find(|o| o.correspondence_id == out.id) {
                    out.delivery = Some(o.state.to_string());
                    out.delivery_error = Some(o.last_error.clone()).filter(|e| !e.is_empty());
                }
                out
            })
            .collect(),
        next_cursor: None,
    }))
}

/// An email to send from a case (`casework_app::outbox::EmailRequest` as
/// the API reads it). Text is trimmed; lengths count characters.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default)]
#[schema(as = EmailRequest)]
#[allow(dead_code)]
pub(crate) struct EmailRequestDoc {
    /// Recipients' email addresses; empty means the case's constituent.
    to: Vec<String>,
    /// Needed unless `template` gives one.
    #[schema(max_length = 300)]
    subject: String,
    /// Needed unless `template` gives one.
    #[schema(max_length = 100_000)]
    body: String,
    /// The correspondence this answers (sets In-Reply-To and References).
    reply_to: Option<i64>,
    /// Send even though the constituent asked not to be emailed (recorded on the case).
    send_anyway: bool,
    /// A template's name: its subject and text, with merge fields filled, are used
    /// where `subject` or `body` is empty. An email from a template signed
    /// by the representative waits for approval, as a letter from it does.
    template: Option<String>,
    /// Attachments of the case's correspondence to send with it (their ids).
    attachment_ids: Vec<i64>,
    /// Letters on the case to send with it, as PDF (their correspondence ids).
    letter_ids: Vec<i64>,
    /// An email on this case waiting for approval that this one replaces
    /// (its edited version, by an approver or its author): it answers what
    /// the old one answered and waits for approval as it did unless an
    /// approver writes it. A draft no longer waiting is a 422.
    replaces: Option<i64>,
}

/// The result of sending: the new correspondence and its outbox state.
#[derive(Serialize, ToSchema)]
pub struct EmailQueued {
    /// The correspondence id of the outgoing email.
    id: i64,
    /// `queued` or `awaiting_approval`.
    state: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/emails", tag = "correspondence", params(("id" = i64, Path)),
    request_body = EmailRequestDoc,
    responses((status = 201, body = EmailQueued), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn send_case_email(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(req): ApiJson<casework_app::outbox::EmailRequest>,
) -> ApiResult<Response> {
    let cid = casework_app::outbox::send_email(&s.app, &a, id, &req).await?;
    let state = casework_app::outbox::for_case(&s.app, &a, id)
        .await?
        .into_iter()
        .find(|o| o.correspondence_id == cid)
        .map_or(OutboxState::Queued, |o| o.state)
        .to_string();
    Ok(created(EmailQueued { id: cid, state }))
}

/// The form of `POST /api/v1/cases/{id}/documents` (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// `post` (a letter that came on paper, scanned), `document`, `note`,
    /// `call`, `meeting` or `visit`; `note` if absent.
    #[schema(value_type = NoteKind, required = false)]
    kind: String,
    /// What the files are (optional).
    #[schema(max_length = 20_000, required = false)]
    body: String,
    /// One to 20 files (any part with a file name), none empty; together at
    /// most the configured message size.
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1, max_items = 20)]
    files: Vec<Vec<u8>>,
}

/// Files kept on a case.
#[derive(Serialize, ToSchema)]
pub struct DocumentCreated {
    /// The record's correspondence id: `GET /api/v1/correspondence/{id}` lists its files.
    id: i64,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/documents", tag = "correspondence", params(("id" = i64, Path)),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentCreated), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn add_case_document(
    State(s): State<AppState>,
    Id(id): Id,
    up: crate::extract::ApiUpload,
) -> ApiResult<Response> {
    let field = |k: &str| up.fields.get(k).cloned().unwrap_or_default();
    let files = up
        .files
        .into_iter()
        .map(crate::extract::Upload::into_file)
        .collect();
    let rid =
        cases::add_record(&s.app, &up.actor, id, &field("kind"), &field("body"), files).await?;
    Ok(created(DocumentCreated { id: rid }))
}
