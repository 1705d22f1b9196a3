//! Campaign pages: the list, one campaign with its messages (flagged
//! personal casework first), the tools to rename, merge, split and close
//! it, and the reply to everyone who wrote.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use casework_app::campaign_replies::ReplyRequest;
use casework_app::domain::{CampaignState, FieldErrors, Permission, ReplyState};
use casework_app::views::{Campaign, CampaignSummary, ReplyProgress};
use casework_app::{AppError, campaign_replies, campaigns, letters};
use serde::Deserialize;

use crate::error::{PageError, PageResult, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::fmt::when;
use crate::layout::{Nav, nav};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list_page))
        .route("/campaigns/{id}", get(campaign_page))
        .route("/campaigns/{id}/rename", post(rename))
        .route("/campaigns/{id}/state", post(set_state))
        .route("/campaigns/{id}/merge", post(merge))
        .route("/campaigns/{id}/split", post(split))
        .route("/campaigns/{id}/reply", post(save_reply))
        .route("/campaigns/{id}/reply/approve", post(approve))
        .route("/campaigns/{id}/reply/send", post(send))
        .route("/campaigns/{id}/export.csv", get(export))
        .route("/campaigns/{id}/comments", post(comment))
}

/// A campaign as a line of a list (also on the intake page).
pub(crate) struct CampaignRow {
    pub id: i64,
    pub name: String,
    pub state: String,
    pub count: i64,
    pub today: i64,
    pub flagged: i64,
    pub first_seen: String,
    pub last_seen: String,
    pub sample: String,
    pub reply: &'static str,
}

fn reply_label(state: ReplyState) -> &'static str {
    match state {
        ReplyState::Approved => "Reply approved, not sent",
        other => other.label(),
    }
}

impl From<CampaignSummary> for CampaignRow {
    fn from(c: CampaignSummary) -> Self {
        CampaignRow {
            id: c.id,
            name: c.name,
            state: c.state.to_string(),
            count: c.message_count,
            today: c.today_count,
            flagged: c.flagged_count,
            first_seen: when(c.first_seen),
            last_seen: when(c.last_seen),
            sample: c.sample_subject.unwrap_or_default(),
            reply: reply_label(c.reply_state),
        }
    }
}

/// The open campaigns, for the intake page.
pub(crate) async fn open_rows(
    s: &AppState,
    who: &PageActor,
) -> Result<Vec<CampaignRow>, PageError> {
    Ok(campaigns::list(&s.app, &who.actor, true)
        .await?
        .into_iter()
        .map(CampaignRow::from)
        .collect())
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    nav: Option<Nav>,
    notice: Option<String>,
    rows: Vec<CampaignRow>,
}

async fn list_page(State(s): State<AppState>, who: PageActor) -> PageResult {
    let rows = campaigns::list(&s.app, &who.actor, false)
        .await?
        .into_iter()
        .map(CampaignRow::from)
        .collect();
    let view = ListPage {
        nav: nav(&who, "campaigns"),
        notice: None,
        rows,
    };
    Ok(render(&view)?.into_response())
}

struct MessageRow {
    id: i64,
    from: String,
    from_name: String,
    subject: String,
    received: String,
    addition: String,
    flagged: bool,
    state: String,
    postcode: String,
    /// Where "open a case" goes for this sender.
    open_case: String,
    case_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    c: Campaign,
    sample_text: String,
    rows: Vec<MessageRow>,
    offset: i64,
    more: bool,
    others: Vec<(i64, String)>,
    templates: Vec<String>,
    progress: ReplyProgress,
    errors: FieldErrors,
    can_reply: bool,
    can_approve: bool,
    reply_label: &'static str,
    subject: String,
    body: String,
    fields: &'static [&'static str],
    comments: Vec<crate::pages::correspondence::CommentRow>,
    /// Messages on this page flagged as possible casework.
    flagged: usize,
    /// A paragraph most copies carry on top of the letter that looks like
    /// casework: the campaign is flagged for it.
    shared_casework: Option<String>,
}

const PAGE: i64 = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
struct CampaignQuery {
    offset: i64,
    notice: Option<String>,
}

fn notice(code: &Option<String>) -> Option<String> {
    let text = match code.as_deref()? {
        "renamed" => "Campaign renamed.",
        "no_action" => {
            "Marked as needing no action: its copies leave the inbox; flagged messages stay."
        }
        "open" => "The campaign is open again.",
        "merged" => "Campaigns merged.",
        "split" => "The message was taken out of the campaign and is back in the intake inbox.",
        "saved" => "Reply saved.",
        "submitted" => "Reply saved and sent for approval.",
        "approved" => "Reply approved.",
        "sent" => "Replies queued: they go out through the outbox at the mail server's pace.",
        "comment" => "Comment added.",
        _ => return None,
    };
    Some(text.to_owned())
}

async fn view(
    s: &AppState,
    who: &PageActor,
    id: i64,
    offset: i64,
    notice_code: &Option<String>,
    errors: FieldErrors,
    draft: Option<(String, String)>,
) -> Result<CampaignPage, PageError> {
    let actor = &who.actor;
    let c = campaigns::get(&s.app, actor, id).await?;
    let offset = offset.max(0);
    let mut messages = campaigns::messages(&s.app, actor, c.id, offset, PAGE + 1).await?;
    let more = messages.len() as i64 > PAGE;
    messages.truncate(PAGE as usize);
    let sample_text = match c.sample_id {
        Some(m) => casework_app::correspondence::get(&s.app, actor, m)
            .await
            .map(|m| m.body_text)
            .unwrap_or_default(),
        None => String::new(),
    };
    let others = campaigns::list(&s.app, actor, false)
        .await?
        .into_iter()
        .filter(|o| o.id != c.id)
        .map(|o| (o.id, format!("{} ({})", o.name, o.message_count)))
        .collect();
    let templates = letters::templates(&s.app, actor)
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    let progress = campaign_replies::progress(&s.app, actor, c.id).await?;
    let shared_casework =
        casework_app::campaign_grouping::casework_in_template(&s.app, actor, c.id).await?;
    let (subject, body) = draft.unwrap_or_else(|| (c.reply_subject.clone(), c.reply_body.clone()));
    let rows: Vec<MessageRow> = messages
        .into_iter()
        .map(|m| MessageRow {
            open_case: match m.constituent_id {
                Some(k) => format!("/constituents/{k}/cases/new?message={}", m.id),
                None => format!("/constituents/new?message={}", m.id),
            },
            id: m.id,
            from: m.from_address,
            from_name: m.from_name,
            subject: m.subject,
            received: when(m.received_at),
            addition: m.personal_addition,
            flagged: m.flagged,
            state: m.state.to_string(),
            postcode: m.sender_postcode,
            case_id: m.case_id,
        })
        .collect();
    Ok(CampaignPage {
        nav: nav(who, "campaigns"),
        notice: notice(notice_code),
        csrf: who.csrf.clone(),
        sample_text,
        flagged: rows.iter().filter(|r| r.flagged).count(),
        shared_casework,
        rows,
        offset,
        more,
        others,
        templates,
        progress,
        errors,
        can_reply: actor.can(Permission::SendEmail),
        can_approve: actor.can(Permission::ApproveOutgoing),
        reply_label: reply_label(c.reply_state),
        subject,
        body,
        fields: casework_app::letters::FIELD_NAMES,
        comments: casework_app::comments::on_campaign(&s.app, actor, id)
            .await?
            .into_iter()
            .map(crate::pages::correspondence::CommentRow::from)
            .collect(),
        c,
    })
}

async fn campaign_page(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<CampaignQuery>,
) -> PageResult {
    // A merged campaign lives on in the one it went into.
    if let Some(target) = campaigns::get(&s.app, &who.actor, id).await?.merged_into {
        return Ok(Redirect::to(&format!("/campaigns/{target}")).into_response());
    }
    let page = view(&s, &who, id, q.offset, &q.notice, FieldErrors::new(), None).await?;
    Ok(render(&page)?.into_response())
}

/// After a write: back to the campaign with a notice, or the page again
/// with the errors (422).
async fn outcome(
    s: &AppState,
    who: &PageActor,
    id: i64,
    result: Result<(), AppError>,
    done: &str,
    draft: Option<(String, String)>,
) -> PageResult {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/campaigns/{id}?notice={done}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = view(s, who, id, 0, &None, errors, draft).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RenameForm {
    name: String,
    version: i64,
}

async fn rename(State(s): State<AppState>, Id(id): Id, form: CsrfForm<RenameForm>) -> PageResult {
    let r = campaigns::rename(
        &s.app,
        &form.who.actor,
        id,
        &form.data.name,
        form.data.version,
    )
    .await;
    outcome(&s, &form.who, id, r, "renamed", None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StateForm {
    state: String,
}

async fn set_state(State(s): State<AppState>, Id(id): Id, form: CsrfForm<StateForm>) -> PageResult {
    let no_action = form.data.state == "no_action";
    let r = campaigns::set_no_action(&s.app, &form.who.actor, id, no_action).await;
    outcome(
        &s,
        &form.who,
        id,
        r,
        if no_action { "no_action" } else { "open" },
        None,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MergeForm {
    into: String,
}

async fn merge(State(s): State<AppState>, Id(id): Id, form: CsrfForm<MergeForm>) -> PageResult {
    let into = form.data.into.trim().parse::<i64>().unwrap_or(0);
    match campaigns::merge_into(&s.app, &form.who.actor, id, into).await {
        Ok(()) => Ok(Redirect::to(&format!("/campaigns/{into}?notice=merged")).into_response()),
        other => outcome(&s, &form.who, id, other, "merged", None).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SplitForm {
    message: String,
}

async fn split(State(s): State<AppState>, Id(id): Id, form: CsrfForm<SplitForm>) -> PageResult {
    let message = form.data.message.trim().parse::<i64>().unwrap_or(0);
    let r = campaigns::split(&s.app, &form.who.actor, id, message).await;
    outcome(&s, &form.who, id, r, "split", None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReplyForm {
    subject: String,
    body: String,
    template: String,
    outside: String,
    outside_subject: String,
    outside_body: String,
    auto: Option<String>,
    submit: Option<String>,
    version: i64,
}

async fn save_reply(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<ReplyForm>,
) -> PageResult {
    let f = &form.data;
    let req = ReplyRequest {
        subject: f.subject.clone(),
        body: f.body.clone(),
        template: Some(f.template.clone()).filter(|t| !t.is_empty()),
        outside: f.outside.clone(),
        outside_subject: f.outside_subject.clone(),
        outside_body: f.outside_body.clone(),
        auto: f.auto.is_some(),
        submit: f.submit.is_some(),
        version: f.version,
    };
    let r = campaign_replies::save_reply(&s.app, &form.who.actor, id, &req).await;
    let approver = form.who.actor.can(Permission::ApproveOutgoing);
    let done = match (req.submit, approver) {
        (true, true) => "approved",
        (true, false) => "submitted",
        _ => "saved",
    };
    outcome(
        &s,
        &form.who,
        id,
        r,
        done,
        Some((f.subject.clone(), f.body.clone())),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VersionForm {
    version: i64,
}

async fn approve(State(s): State<AppState>, Id(id): Id, form: CsrfForm<VersionForm>) -> PageResult {
    let r = campaign_replies::approve(&s.app, &form.who.actor, id, form.data.version).await;
    outcome(&s, &form.who, id, r, "approved", None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SendForm {
    /// `yes` from the confirmation page; without it, the page asks first.
    confirm: String,
    /// The campaign's version as the confirmation page showed it.
    version: i64,
}

/// "Send this reply to N people?": what the send button leads to.
#[derive(Template)]
#[template(path = "campaign_send.html")]
struct SendPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    id: i64,
    name: String,
    version: i64,
    subject: String,
    /// The first lines of the reply, merge fields as written.
    opening: String,
    /// Whether the reply goes on after `opening`.
    more: bool,
    recipients: usize,
    outside_other: usize,
    outside_subject: String,
    do_not_email: usize,
    outside_skipped: usize,
}

/// Lines of the reply shown on the confirmation page.
const OPENING_LINES: usize = 6;

/// The send button asks first, with the number of people the reply will
/// go to (counted by the rule the send uses); only the confirmed form,
/// carrying the version it showed, sends.
async fn send(State(s): State<AppState>, Id(id): Id, form: CsrfForm<SendForm>) -> PageResult {
    let actor = &form.who.actor;
    if form.data.confirm == "yes" {
        let r = campaign_replies::send_reply_as_read(&s.app, actor, id, form.data.version)
            .await
            .map(|_| ());
        return outcome(&s, &form.who, id, r, "sent", None).await;
    }
    let p = match campaign_replies::send_preview(&s.app, actor, id).await {
        Ok(p) => p,
        Err(e) => return outcome(&s, &form.who, id, Err(e), "sent", None).await,
    };
    let c = p.campaign;
    let lines: Vec<&str> = c.reply_body.trim().lines().collect();
    let page = SendPage {
        nav: nav(&form.who, "campaigns"),
        notice: None,
        csrf: form.who.csrf.clone(),
        id: c.id,
        name: c.name.clone(),
        version: c.version,
        subject: c.reply_subject.clone(),
        opening: lines
            .iter()
            .take(OPENING_LINES)
            .copied()
            .collect::<Vec<_>>()
            .join("\n"),
        more: lines.len() > OPENING_LINES,
        recipients: p.recipients,
        outside_other: p.outside_other,
        outside_subject: c.reply_outside_subject.clone(),
        do_not_email: p.do_not_email,
        outside_skipped: p.outside_skipped,
    };
    Ok(render(&page)?.into_response())
}

async fn export(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    let (name, bytes) = campaigns::export_csv(&s.app, &who.actor, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CommentForm {
    comment: String,
}

async fn comment(State(s): State<AppState>, Id(id): Id, form: CsrfForm<CommentForm>) -> PageResult {
    let r =
        casework_app::comments::add_to_campaign(&s.app, &form.who.actor, id, &form.data.comment)
            .await;
    outcome(&s, &form.who, id, r, "comment", None).await
}
