//! The campaign part of the JSON API (`/api/v1/campaigns…`).

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use casework_app::views::{Campaign, CampaignMessage, CampaignSummary, ReplyProgress};
use casework_app::{campaign_replies, campaigns};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::common::{ApiResult, Forbidden, Invalid, NotFound, ReplyOutside, Unauthorized};
use crate::extract::{ApiActor, ApiJson, ApiQuery, Id};
use crate::fmt::iso;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list_campaigns))
        .route("/campaigns/{id}", get(get_campaign))
        .route("/campaigns/{id}/messages", get(campaign_messages))
        .route("/campaigns/{id}/rename", post(rename_campaign))
        .route("/campaigns/{id}/merge", post(merge_campaign))
        .route("/campaigns/{id}/split", post(split_campaign))
        .route("/campaigns/{id}/no-action", post(campaign_no_action))
        .route(
            "/campaigns/{id}/reply",
            axum::routing::put(save_campaign_reply),
        )
        .route(
            "/campaigns/{id}/reply/approve",
            post(approve_campaign_reply),
        )
        .route("/campaigns/{id}/reply/send", post(send_campaign_reply))
}

/// A campaign in the list.
#[derive(Serialize, ToSchema)]
pub struct CampaignSummaryOut {
    id: i64,
    name: String,
    /// `open` or `no_action`.
    state: String,
    message_count: i64,
    today_count: i64,
    /// Messages in the intake inbox whose personal addition looks like casework.
    flagged_count: i64,
    first_seen: String,
    last_seen: String,
    /// `none`, `draft`, `awaiting_approval`, `approved` or `sending`.
    reply_state: String,
}

impl From<CampaignSummary> for CampaignSummaryOut {
    fn from(c: CampaignSummary) -> Self {
        CampaignSummaryOut {
            id: c.id,
            name: c.name,
            state: c.state.to_string(),
            message_count: c.message_count,
            today_count: c.today_count,
            flagged_count: c.flagged_count,
            first_seen: iso(c.first_seen),
            last_seen: iso(c.last_seen),
            reply_state: c.reply_state.to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CampaignList {
    items: Vec<CampaignSummaryOut>,
}

/// How far the reply to a campaign has gone, in recipients.
#[derive(Serialize, ToSchema)]
pub struct ProgressOut {
    queued: i64,
    sending: i64,
    sent: i64,
    failed: i64,
    do_not_email: i64,
    outside_district: i64,
}

impl From<ReplyProgress> for ProgressOut {
    fn from(p: ReplyProgress) -> Self {
        ProgressOut {
            queued: p.queued,
            sending: p.sending,
            sent: p.sent,
            failed: p.failed,
            do_not_email: p.do_not_email,
            outside_district: p.outside_district,
        }
    }
}

/// A campaign with its reply.
#[derive(Serialize, ToSchema)]
pub struct CampaignOut {
    id: i64,
    name: String,
    state: String,
    /// Set when this campaign was merged into another.
    merged_into: Option<i64>,
    message_count: i64,
    first_seen: String,
    last_seen: String,
    reply_subject: String,
    reply_body: String,
    reply_state: String,
    /// `same`, `skip` or `other`: what senders outside the district get.
    reply_outside: String,
    /// The other reply's subject and text, for `other`.
    reply_outside_subject: String,
    reply_outside_body: String,
    reply_auto: bool,
    progress: ProgressOut,
    version: i64,
}

impl CampaignOut {
    fn new(c: Campaign, p: ReplyProgress) -> Self {
        CampaignOut {
            id: c.id,
            name: c.name,
            state: c.state.to_string(),
            merged_into: c.merged_into,
            message_count: c.message_count,
            first_seen: iso(c.first_seen),
            last_seen: iso(c.last_seen),
            reply_subject: c.reply_subject,
            reply_body: c.reply_body,
            reply_state: c.reply_state.to_string(),
            reply_outside: c.reply_outside,
            reply_outside_subject: c.reply_outside_subject,
            reply_outside_body: c.reply_outside_body,
            reply_auto: c.reply_auto,
            progress: p.into(),
            version: c.version,
        }
    }
}

/// A message of a campaign.
#[derive(Serialize, ToSchema)]
pub struct CampaignMessageOut {
    /// The correspondence id.
    id: i64,
    from: String,
    from_name: String,
    subject: String,
    received_at: String,
    /// The sender's own words, not part of the campaign's text (may be empty).
    personal_addition: String,
    /// True when the personal addition looks like casework.
    flagged: bool,
    /// `intake`, `filed` or `no_action`.
    state: String,
    constituent_id: Option<i64>,
    case_id: Option<i64>,
    /// The postcode found in the sender's signature, if any.
    postcode: String,
}

impl From<CampaignMessage> for CampaignMessageOut {
    fn from(m: CampaignMessage) -> Self {
        CampaignMessageOut {
            id: m.id,
            from: m.from_address,
            from_name: m.from_name,
            subject: m.subject,
            received_at: iso(m.received_at),
            personal_addition: m.personal_addition,
            flagged: m.flagged,
            state: m.state.to_string(),
            constituent_id: m.constituent_id,
            case_id: m.case_id,
            postcode: m.sender_postcode,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CampaignMessageList {
    items: Vec<CampaignMessageOut>,
    /// Pass as `offset` for the next page; absent on the last page.
    next_offset: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// Messages to skip, default 0 (below 0 is taken as 0).
    #[serde(default)]
    offset: Option<i64>,
    /// How many to answer, default 100; taken as 1–1000.
    #[serde(default)]
    limit: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignsQuery {
    /// Also list campaigns marked "no action".
    #[serde(default)]
    all: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", params(CampaignsQuery),
    responses((status = 200, body = CampaignList), Unauthorized, Invalid))]
pub(crate) async fn list_campaigns(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiQuery(q): ApiQuery<CampaignsQuery>,
) -> ApiResult<axum::Json<CampaignList>> {
    let items = campaigns::list(&s.app, &a, !q.all.unwrap_or(true)).await?;
    Ok(axum::Json(CampaignList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

async fn campaign_out(s: &AppState, a: &casework_app::Actor, id: i64) -> ApiResult<CampaignOut> {
    let c = campaigns::get(&s.app, a, id).await?;
    let p = campaign_replies::progress(&s.app, a, id).await?;
    Ok(CampaignOut::new(c, p))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignOut), Unauthorized, NotFound))]
pub(crate) async fn get_campaign(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<CampaignOut>> {
    Ok(axum::Json(campaign_out(&s, &a, id).await?))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/messages", tag = "campaigns", params(("id" = i64, Path), MessagesQuery),
    responses((status = 200, body = CampaignMessageList), Unauthorized, NotFound, Invalid))]
pub(crate) async fn campaign_messages(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiQuery(q): ApiQuery<MessagesQuery>,
) -> ApiResult<axum::Json<CampaignMessageList>> {
    let offset = q.offset.unwrap_or(0).max(0);
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let mut items = campaigns::messages(&s.app, &a, id, offset, limit + 1).await?;
    // Saturating: an offset near i64::MAX has no next page to point to.
    let next_offset = (items.len() as i64 > limit).then_some(offset.saturating_add(limit));
    items.truncate(limit as usize);
    Ok(axum::Json(CampaignMessageList {
        items: items.into_iter().map(Into::into).collect(),
        next_offset,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameIn {
    /// Not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    name: String,
    /// The campaign's version as read.
    version: i64,
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/rename", tag = "campaigns", params(("id" = i64, Path)), request_body = RenameIn,
    responses((status = 200, body = CampaignOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn rename_campaign(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(r): ApiJson<RenameIn>,
) -> ApiResult<axum::Json<CampaignOut>> {
    campaigns::rename(&s.app, &a, id, &r.name, r.version).await?;
    Ok(axum::Json(campaign_out(&s, &a, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The campaign this one is merged into.
    into: i64,
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/merge", tag = "campaigns", params(("id" = i64, Path)), request_body = MergeIn,
    responses((status = 200, body = CampaignOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn merge_campaign(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(m): ApiJson<MergeIn>,
) -> ApiResult<axum::Json<CampaignOut>> {
    campaigns::merge_into(&s.app, &a, id, m.into).await?;
    Ok(axum::Json(campaign_out(&s, &a, m.into).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitIn {
    /// The correspondence id of the message to take out.
    message_id: i64,
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/split", tag = "campaigns", params(("id" = i64, Path)), request_body = SplitIn,
    responses((status = 200, body = CampaignOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn split_campaign(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(m): ApiJson<SplitIn>,
) -> ApiResult<axum::Json<CampaignOut>> {
    campaigns::split(&s.app, &a, id, m.message_id).await?;
    Ok(axum::Json(campaign_out(&s, &a, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoActionIn {
    /// True to mark the campaign "no action", false to open it again.
    no_action: bool,
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/no-action", tag = "campaigns", params(("id" = i64, Path)), request_body = NoActionIn,
    responses((status = 200, body = CampaignOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn campaign_no_action(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(m): ApiJson<NoActionIn>,
) -> ApiResult<axum::Json<CampaignOut>> {
    campaigns::set_no_action(&s.app, &a, id, m.no_action).await?;
    Ok(axum::Json(campaign_out(&s, &a, id).await?))
}

#[utoipa::path(put, path = "/api/v1/campaigns/{id}/reply", tag = "campaigns", params(("id" = i64, Path)), request_body = ReplyRequestDoc,
    responses((status = 200, body = CampaignOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn save_campaign_reply(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(r): ApiJson<casework_app::campaign_replies::ReplyRequest>,
) -> ApiResult<axum::Json<CampaignOut>> {
    campaign_replies::save_reply(&s.app, &a, id, &r).await?;
    Ok(axum::Json(campaign_out(&s, &a, id).await?))
}

/// The reply to a campaign (`casework_app::campaign_replies::ReplyRequest` as the
/// API reads it). Text is trimmed; lengths count characters.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default)]
#[schema(as = ReplyRequest)]
#[allow(dead_code)]
pub(crate) struct ReplyRequestDoc {
    /// Needed unless `template` gives one.
    #[schema(max_length = 300)]
    subject: String,
    /// The text, with merge fields such as `{{ constituent.first_name }}`;
    /// needed unless `template` gives one.
    #[schema(max_length = 100_000)]
    body: String,
    /// A template's name: its subject and text are used where those are empty.
    template: Option<String>,
    #[schema(value_type = ReplyOutside)]
    outside: String,
    /// For `other`: needed, at most 300 characters.
    outside_subject: String,
    /// For `other`: needed, at most 100,000 characters.
    outside_body: String,
    /// Answer people who write later automatically.
    auto: bool,
    /// Ask for approval (a caseworker's draft); managers' replies are approved at once.
    submit: bool,
    /// The campaign's version as read (optimistic concurrency).
    #[schema(required = true)]
    version: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveIn {
    /// The campaign's version when the approver read the reply.
    version: i64,
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/reply/approve", tag = "campaigns", params(("id" = i64, Path)), request_body = ApproveIn,
    responses((status = 200, body = CampaignOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn approve_campaign_reply(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
    ApiJson(r): ApiJson<ApproveIn>,
) -> ApiResult<axum::Json<CampaignOut>> {
    campaign_replies::approve(&s.app, &a, id, r.version).await?;
    Ok(axum::Json(campaign_out(&s, &a, id).await?))
}

/// How many replies were queued.
#[derive(Serialize, ToSchema)]
pub struct SendOut {
    queued: usize,
    progress: ProgressOut,
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/reply/send", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = SendOut), Unauthorized, Forbidden, NotFound, Invalid))]
pub(crate) async fn send_campaign_reply(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Id(id): Id,
) -> ApiResult<axum::Json<SendOut>> {
    let queued = campaign_replies::send_reply(&s.app, &a, id).await?;
    let progress = campaign_replies::progress(&s.app, &a, id).await?.into();
    Ok(axum::Json(SendOut { queued, progress }))
}
