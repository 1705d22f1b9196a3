//! Campaign mail: grouping near-identical messages as they arrive, the
//! caseworker's tools for a campaign (rename, merge, split, no action), and
//! one approved reply sent to every sender through the outbox.
//!
//! Grouping happens inside ingestion. A message first tries the office's
//! campaigns (their templates are kept in memory, reloaded when the stamp in
//! the database changes). One that joins none, and is waiting in the intake
//! inbox, is kept as a *candidate* with its shingles and anchors; when a new
//! message finds [`FORM_AT`]` - 1` similar candidates, they become a campaign.
//! Memory holds only the templates; candidates live in the database.

use casework_domain::{CampaignState, FieldErrors, Permission, ReplyState};
use casework_letters::{MergeFields, NameField, OfficeFields, PersonFields, merge};
use casework_mail::campaign::{
    Fingerprint, from_bytes, looks_like_casework, personal_addition, template, to_bytes,
};
use casework_mail::outgoing::{Draft, build};
use casework_mail::sha256_hex;
use casework_store::{
    Campaign, CampaignExportRow, CampaignLink, CampaignMessage, CampaignReply, CampaignSender,
    CampaignSummary, Candidate, MemberAddition, NewCampaign, QueuedReply, ReplyProgress,
    ReplyRecipient,
};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

use crate::{Actor, App, AppError, AppResult, check};

/// Similar messages needed before a campaign forms.
pub const FORM_AT: usize = 5;
/// Waiting messages checked against a newly formed campaign's template.
const SWEEP: i64 = 5_000;
/// Templates are remade from more copies as a campaign doubles, up to this size.
pub const RETEMPLATE_UNTIL: i64 = 640;
/// Candidates older than this no longer start campaigns.
pub const CANDIDATE_DAYS: i64 = 30;

/// An office's campaign templates as the grouping code uses them.
#[derive(Debug, Default)]
pub struct OfficeCampaigns {
    stamp: (i64, i64, i64),
    templates: Vec<Template>,
}

#[derive(Debug, Clone)]
struct Template {
    id: i64,
    target: i64,
    state: CampaignState,
    shingles: Vec<u64>,
    basis: i64,
    count: i64,
    auto_reply: bool,
}

pub(crate) type Cache = Arc<std::sync::Mutex<HashMap<i64, Arc<OfficeCampaigns>>>>;

pub(crate) async fn templates(app: &App, office_id: i64) -> AppResult<Arc<OfficeCampaigns>> {
    let stamp = app.system_data(office_id).campaign_stamp().await?;
    if let Some(t) = app.campaigns.lock().map_err(poisoned)?.get(&office_id)
        && t.stamp == stamp
    {
        return Ok(t.clone());
    }
    let rows = app.system_data(office_id).campaign_templates().await?;
    let loaded = Arc::new(OfficeCampaigns {
        stamp,
        templates: rows
            .into_iter()
            .map(|r| Template {
                id: r.id,
                target: r.target_id,
                state: r.state,
                shingles: from_bytes(&r.template),
                basis: r.template_basis,
                count: r.message_count,
                auto_reply: r.reply_auto && r.reply_state == ReplyState::Sending,
            })
            .collect(),
    });
    app.campaigns
        .lock()
        .map_err(poisoned)?
        .insert(office_id, loaded.clone());
    Ok(loaded)
}

fn poisoned<T>(_: T) -> AppError {
    AppError::Internal("campaign cache poisoned".into())
}

/// The campaign a message belongs to: the template it carries most of.
fn best_match<'a>(t: &'a OfficeCampaigns, fp: &Fingerprint) -> Option<&'a Template> {
    t.templates
        .iter()
        .filter(|c| fp.matches(&c.shingles))
        .max_by(|a, b| {
            let sa = fp.shared(&a.shingles) as f64 / a.shingles.len() as f64;
            let sb = fp.shared(&b.shingles) as f64 / b.shingles.len() as f64;
            sa.total_cmp(&sb)
        })
}

/// Puts message `id` in the campaign whose template it carries most of,
/// with its personal addition. Returns the campaign, or `None` if it
/// matches none.
async fn join_best(
    app: &App,
    office_id: i64,
    t: &OfficeCampaigns,
    id: i64,
    fp: &Fingerprint,
) -> AppResult<Option<i64>> {
    let Some(m) = best_match(t, fp) else {
        return Ok(None);
    };
    let text = member_texts(app, office_id, &[id]).await?;
    let members = additions(&text, &m.shingles);
    app.system_data(office_id)
        .join_campaign(m.target, &members, m.state == CampaignState::NoAction)
        .await?;
    Ok(Some(m.target))
}

fn addition_of(text: &str, template: &[u64]) -> (String, bool) {
    let a = personal_addition(text, template);
    let flagged = looks_like_casework(&a);
    (a, flagged)
}

/// Anchors held by more than this many messages waiting from earlier
/// batches are stock phrases ("thank you for your"), not a campaign forming
/// (a campaign forms at [`FORM_AT`] copies and its copies stop waiting):
/// they are no longer used.
const COMMON_ANCHOR: usize = 25;

/// Bands a waiting message must share with a new one to be compared with it.
const SHARED_ANCHORS: u32 = 1;

/// Per office, the anchors found to be common. Bounded: at most this many.
const MAX_COMMON: usize = 100_000;

fn common_anchors() -> &'static std::sync::Mutex<HashMap<i64, std::collections::HashSet<i64>>> {
    static COMMON: std::sync::OnceLock<
        std::sync::Mutex<HashMap<i64, std::collections::HashSet<i64>>>,
    > = std::sync::OnceLock::new();
    COMMON.get_or_init(Default::default)
}

/// The office's common anchors (a copy, to use without holding the lock).
pub(crate) fn common_for(office_id: i64) -> std::collections::HashSet<i64> {
    common_anchors()
        .lock()
        .map(|m| m.get(&office_id).cloned().unwrap_or_default())
        .unwrap_or_default()
}

/// Decides, before a message is stored, whether it joins one of the
/// office's campaigns (`known`) or waits as a candidate. Mailing-list mail
/// and replies on a case are never grouped.
pub(crate) fn link(
    known: &OfficeCampaigns,
    common: &std::collections::HashSet<i64>,
    fp: &Fingerprint,
    text: &str,
    bulk: bool,
    on_case: bool,
) -> (Option<CampaignLink>, Option<Candidate>) {
    if bulk || on_case || !fp.groupable() {
        return (None, None);
    }
    if let Some(c) = best_match(known, fp) {
        let (addition, flagged) = addition_of(text, &c.shingles);
        let link = CampaignLink {
            id: c.target,
            addition,
            flagged,
            quiet: c.state == CampaignState::NoAction,
        };
        return (Some(link), None);
    }
    (None, Some((fp.to_bytes(), fp.anchors(common))))
}

/// A message just stored as a candidate.
pub(crate) struct Stored {
    pub id: i64,
    pub fingerprint: Fingerprint,
    pub subject: String,
}

/// After a batch is stored: candidates that now have enough similar
/// company form campaigns (or join one formed meanwhile), growing campaigns
/// get better templates, and later senders get the automatic reply.
pub(crate) async fn after_store(
    app: &App,
    office_id: i64,
    candidates: Vec<Stored>,
    joined: Vec<(i64, String)>,
) -> AppResult<usize> {
    let mut changed: Vec<i64> = joined.iter().map(|(c, _)| *c).collect();
    let batch: std::collections::HashSet<i64> = candidates.iter().map(|c| c.id).collect();
    // Messages of this batch already taken into a campaign by an earlier one.
    let mut grouped: std::collections::HashSet<i64> = std::collections::HashSet::new();
    // Reloaded only when this loop forms a campaign.
    let mut t = templates(app, office_id).await?;
    // Waiting messages that share anchors with this batch's candidates, found
    // with one query for the anchors and one for their shingles.
    let common = common_for(office_id);
    let mut anchors: Vec<i64> = candidates
        .iter()
        .flat_map(|c| c.fingerprint.anchors(&common))
        .collect();
    anchors.sort_unstable();
    anchors.dedup();
    let mut holders: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in anchors.chunks(1000) {
        for (id, anchor) in app.system_data(office_id).anchor_holders(chunk).await? {
            holders.entry(anchor).or_default().push(id);
        }
    }
    // Held by many messages that waited from earlier batches without forming
    // a campaign: a stock phrase. (Copies arriving together in this batch
    // do not count: they are how a campaign forms.)
    let newly_common: Vec<i64> = holders
        .iter()
        .filter(|(_, ids)| ids.iter().filter(|id| !batch.contains(id)).count() > COMMON_ANCHOR)
        .map(|(a, _)| *a)
        .collect();
    if !newly_common.is_empty() {
        for a in &newly_common {
            holders.remove(a);
        }
        if let Ok(mut m) = common_anchors().lock() {
            let set = m.entry(office_id).or_default();
            if set.len() + newly_common.len() <= MAX_COMMON {
                set.extend(newly_common);
            }
        }
    }
    let mut near: HashMap<i64, Vec<i64>> = HashMap::new();
    for c in &candidates {
        let mut shared: HashMap<i64, u32> = HashMap::new();
        for a in c.fingerprint.anchors(&common) {
            for id in holders.get(&a).into_iter().flatten() {
                if *id != c.id {
                    *shared.entry(*id).or_default() += 1;
                }
            }
        }
        let mut ids: Vec<(i64, u32)> = shared
            .into_iter()
            .filter(|(_, n)| *n >= SHARED_ANCHORS)
            .collect();
        ids.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ids.truncate(100);
        near.insert(c.id, ids.into_iter().map(|(id, _)| id).collect());
    }
    let mut wanted: Vec<i64> = near.values().flatten().copied().collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut shingles: HashMap<i64, Fingerprint> = HashMap::new();
    for chunk in wanted.chunks(500) {
        for (id, bytes) in app.store.candidate_shingles(chunk).await? {
            shingles.insert(
                id,
                Fingerprint {
                    shingles: from_bytes(&bytes),
                },
            );
        }
    }
    tracing::debug!(
        candidates = candidates.len(),
        anchors = anchors.len(),
        holders = holders.values().map(Vec::len).sum::<usize>(),
        compared = shingles.len(),
        common = common.len(),
        "campaign candidates"
    );
    // Messages taken into a campaign by this loop (of this batch or earlier).
    let mut taken: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut candidates_again = Vec::new();
    for c in candidates {
        if grouped.contains(&c.id) {
            continue;
        }
        if let Some(id) = join_best(app, office_id, &t, c.id, &c.fingerprint).await? {
            grouped.insert(c.id);
            changed.push(id);
            continue;
        }
        let similar: Vec<(i64, Fingerprint)> = near
            .get(&c.id)
            .into_iter()
            .flatten()
            .filter(|id| !taken.contains(*id))
            .filter_map(|id| shingles.get(id).map(|f| (*id, f)))
            .filter(|(_, f)| f.similar(&c.fingerprint))
            .map(|(id, f)| (id, f.clone()))
            .collect();
        if let Some((id, members)) = try_form(app, office_id, &c, similar).await? {
            taken.extend(members.iter().copied());
            grouped.extend(members.into_iter().filter(|m| batch.contains(m)));
            changed.push(id);
            t = templates(app, office_id).await?;
        }
        candidates_again.push(c);
    }
    // A campaign formed late in the loop may take candidates passed over
    // before it existed.
    if !changed.is_empty() {
        for c in &candidates_again {
            if grouped.contains(&c.id) || taken.contains(&c.id) {
                continue;
            }
            if join_best(app, office_id, &t, c.id, &c.fingerprint)
                .await?
                .is_some()
            {
                grouped.insert(c.id);
            }
        }
    }
    changed.sort_unstable();
    changed.dedup();
    let t = templates(app, office_id).await?;
    for id in &changed {
        if let Some(c) = t
            .templates
            .iter()
            .find(|c| c.target == *id && c.state != CampaignState::Merged)
            && c.basis < RETEMPLATE_UNTIL
            && c.count >= c.basis * 2
        {
            retemplate(app, office_id, *id, c.count).await?;
        }
    }
    let mut auto: HashMap<i64, Vec<String>> = HashMap::new();
    for (campaign, sender) in joined {
        if t.templates
            .iter()
            .any(|c| c.target == campaign && c.auto_reply)
        {
            auto.entry(campaign).or_default().push(sender);
        }
    }
    for (campaign, senders) in auto {
        match queue_replies(app, office_id, campaign, None, Some(&senders)).await {
            Ok(_) => {}
            // The reason may name senders: it is not logged, only its kind.
            Err(AppError::Invalid(_)) => tracing::warn!(
                campaign,
                "automatic campaign reply not queued: it does not fit some new senders (send it from the campaign page to see who)"
            ),
            Err(e) => tracing::warn!(campaign, error = %e, "automatic campaign reply not queued"),
        }
    }
    Ok(grouped.len())
}

async fn member_texts(app: &App, office_id: i64, ids: &[i64]) -> AppResult<Vec<(i64, String)>> {
    Ok(app.system_data(office_id).correspondence_texts(ids).await?)
}

fn additions(texts: &[(i64, String)], template: &[u64]) -> Vec<MemberAddition> {
    texts
        .iter()
        .map(|(id, text)| {
            let (addition, flagged) = addition_of(text, template);
            MemberAddition {
                id: *id,
                addition,
                flagged,
            }
        })
        .collect()
}

/// Forms a campaign around a candidate if enough similar ones wait (or
/// adds them to the campaign they are another wording of). Returns the
/// campaign and the messages taken.
async fn try_form(
    app: &App,
    office_id: i64,
    c: &Stored,
    similar: Vec<(i64, Fingerprint)>,
) -> AppResult<Option<(i64, Vec<i64>)>> {
    if similar.len() + 1 < FORM_AT {
        return Ok(None);
    }
    let mut fps: Vec<Fingerprint> = vec![c.fingerprint.clone()];
    fps.extend(similar.iter().map(|(_, f)| f.clone()));
    let shingles = template(&fps, 0.5, 2);
    if shingles.len() < casework_mail::campaign::MIN_SHINGLES {
        return Ok(None);
    }
    let mut ids: Vec<i64> = vec![c.id];
    ids.extend(similar.iter().map(|(id, _)| *id));
    // Copies that arrived earlier but were not close enough to this one
    // (another wording, a long addition): the most recent waiting messages
    // are checked against the new template. Forming is rare, so this is too.
    for (id, bytes) in app.system_data(office_id).recent_candidates(SWEEP).await? {
        if ids.contains(&id) {
            continue;
        }
        let f = Fingerprint {
            shingles: from_bytes(&bytes),
        };
        if f.matches(&shingles) {
            ids.push(id);
        }
    }
    let texts = member_texts(app, office_id, &ids).await?;
    // The same campaign in another of its wordings: join it, and let its
    // template take in this wording.
    let known = templates(app, office_id).await?;
    if let Some(existing) = known.templates.iter().find(|t| {
        t.state != CampaignState::Merged
            && t.target == t.id
            && shared_share(&shingles, &t.shingles) >= 0.5
    }) {
        let mut union = existing.shingles.clone();
        union.extend(&shingles);
        union.sort_unstable();
        union.dedup();
        let members = additions(&texts, &union);
        app.system_data(office_id)
            .retemplate_campaign(
                existing.target,
                &to_bytes(&union),
                existing.basis,
                &[],
                app.now(),
            )
            .await?;
        app.system_data(office_id)
            .join_campaign(
                existing.target,
                &members,
                existing.state == CampaignState::NoAction,
            )
            .await?;
        return Ok(Some((existing.target, ids)));
    }
    let members = additions(&texts, &shingles);
    let sample_id = members
        .iter()
        .min_by_key(|m| (m.addition.len(), m.id))
        .map(|m| m.id)
        .unwrap_or(c.id);
    let name = campaign_name(&c.subject, texts.first().map(|(_, t)| t.as_str()));
    let (id, taken) = app
        .system_data(office_id)
        .form_campaign(
            &NewCampaign {
                name,
                template: to_bytes(&shingles),
                sample_id,
                members,
            },
            app.now(),
        )
        .await?;
    tracing::info!(
        office_id,
        campaign = id,
        messages = taken,
        "campaign formed"
    );
    // Formed from many at once (a whole batch of a flood): make the template
    // from all of them now rather than when the campaign has doubled.
    if taken >= 10 {
        retemplate(app, office_id, id, taken as i64).await?;
    }
    Ok(Some((id, ids)))
}

/// Shared shingles as a share of the smaller set.
fn shared_share(a: &[u64], b: &[u64]) -> f64 {
    casework_mail::campaign::shared(a, b) as f64 / a.len().min(b.len()).max(1) as f64
}

/// A name for a new campaign: its subject without "Re:"/"Fwd:", or its first words.
fn campaign_name(subject: &str, text: Option<&str>) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_ascii_lowercase();
        let cut = ["re:", "fw:", "fwd:", "tr:", "aw:"]
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| p.len());
        match cut {
            Some(n) => s = s[n..].trim_start(),
            None => break,
        }
    }
    if !s.is_empty() {
        return s.chars().take(120).collect();
    }
    let words: Vec<&str> = text.unwrap_or("").split_whitespace().take(8).collect();
    if words.is_empty() {
        "Campaign".to_owned()
    } else {
        format!("{}…", words.join(" "))
    }
}

/// Remakes a growing campaign's template from its copies (shingles in at
/// one in twenty senders and at least two, so alternative wordings offered
/// by a campaign count as common text, while one person's words do not) and
/// recomputes their personal additions.
async fn retemplate(app: &App, office_id: i64, campaign_id: i64, count: i64) -> AppResult<()> {
    let texts = app
        .system_data(office_id)
        .campaign_texts(campaign_id, RETEMPLATE_UNTIL * 2 + 10)
        .await?;
    // One copy per sender: someone who sent twenty copies is one voice.
    let mut seen = std::collections::HashSet::new();
    let fps: Vec<Fingerprint> = texts
        .iter()
        .filter(|(_, from, _)| seen.insert(from.as_str()))
        .take(400)
        .map(|(_, _, t)| casework_mail::campaign::fingerprint(t))
        .collect();
    let shingles = template(&fps, 0.05, 2);
    let texts: Vec<(i64, String)> = texts.into_iter().map(|(id, _, t)| (id, t)).collect();
    if shingles.len() < casework_mail::campaign::MIN_SHINGLES {
        return Ok(());
    }
    let members = additions(&texts, &shingles);
    app.system_data(office_id)
        .retemplate_campaign(
            campaign_id,
            &to_bytes(&shingles),
            count,
            &members,
            app.now(),
        )
        .await?;
    Ok(())
}

/// Start of today (UTC), for "today" counts.
fn start_of_today(app: &App) -> i64 {
    let now = app.now();
    now - now.rem_euclid(86_400_000)
}

/// The office's campaigns. Everyone in the office may read campaigns (they
/// hold no case details); changing them is intake work.
pub async fn list(app: &App, actor: &Actor, open_only: bool) -> AppResult<Vec<CampaignSummary>> {
    Ok(app
        .data_for(actor)
        .campaigns(start_of_today(app), open_only)
        .await?)
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<Campaign> {
    Ok(app.data_for(actor).campaign(id).await?)
}

/// A campaign the actor may change (intake work).
async fn get_to_change(app: &App, actor: &Actor, id: i64) -> AppResult<Campaign> {
    let c = get(app, actor, id).await?;
    actor.require(Permission::ManageCampaigns)?;
    Ok(c)
}

pub async fn messages(
    app: &App,
    actor: &Actor,
    id: i64,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<CampaignMessage>> {
    let c = get(app, actor, id).await?;
    Ok(app
        .data_for(actor)
        .campaign_messages(c.id, offset.max(0), limit.clamp(1, 1000))
        .await?)
}

fn conflict(what: &str) -> impl FnOnce(casework_store::Error) -> AppError + '_ {
    move |e| match e {
        casework_store::Error::Conflict => AppError::field("version", what.to_owned()),
        other => other.into(),
    }
}

pub async fn rename(app: &App, actor: &Actor, id: i64, name: &str, version: i64) -> AppResult<()> {
    let c = get_to_change(app, actor, id).await?;
    let mut e = FieldErrors::new();
    let name = e.required("name", "The name", name, 200);
    check(e)?;
    app.data_for(actor)
        .rename_campaign(c.id, &name, version, app.now())
        .await
        .map_err(conflict(
            "Someone changed this campaign meanwhile; reload the page and try again.",
        ))
}

/// "No action" for the whole campaign (flagged messages stay in the inbox),
/// or back to open.
pub async fn set_no_action(app: &App, actor: &Actor, id: i64, no_action: bool) -> AppResult<()> {
    let c = get_to_change(app, actor, id).await?;
    app.data_for(actor)
        .set_campaign_state(
            c.id,
            if no_action {
                CampaignState::NoAction
            } else {
                CampaignState::Open
            },
            actor.user_id,
            app.now(),
        )
        .await
        .map_err(conflict("This campaign was merged into another."))
}

pub async fn merge_into(app: &App, actor: &Actor, id: i64, into: i64) -> AppResult<()> {
    let from = get_to_change(app, actor, id).await?;
    let target = match app.data_for(actor).campaign(into).await {
        Ok(t) => t,
        Err(casework_store::Error::NotFound) => {
            return Err(AppError::field("into", "Choose a campaign to merge into."));
        }
        Err(e) => return Err(e.into()),
    };
    if from.id == target.id {
        return Err(AppError::field(
            "into",
            "A campaign cannot be merged into itself.",
        ));
    }
    app.data_for(actor)
        .merge_campaigns(from.id, target.id, app.now())
        .await
        .map_err(conflict("One of the two campaigns was merged meanwhile."))?;
    tracing::info!(
        from = from.id,
        into = target.id,
        by = actor.user_id,
        "campaigns merged"
    );
    Ok(())
}

/// Takes a message that was grouped wrongly out of the campaign.
pub async fn split(app: &App, actor: &Actor, id: i64, message_id: i64) -> AppResult<()> {
    let c = get_to_change(app, actor, id).await?;
    match app
        .data_for(actor)
        .split_from_campaign(c.id, message_id)
        .await
    {
        Err(casework_store::Error::NotFound) => Err(AppError::field(
            "message",
            "That message is not in this campaign.",
        )),
        other => Ok(other?),
    }
}

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
        if !body.is_empty()
            && let Err(m) = merge(&body, &sample_fields())
        {
            e.add("outside_body", m);
        }
        (subject, body)
    } else {
        (String::new(), String::new())
    };
    // The template must merge for a person with every field filled.
    if !body.is_empty()
        && let Err(m) = merge(&body, &sample_fields())
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

/// Sends the approved reply to everyone who wrote (once each). Refuses,
/// listing who, when a merge field the reply uses is empty for some people.
/// Returns how many replies were queued.
pub async fn send_reply(app: &App, actor: &Actor, id: i64) -> AppResult<usize> {
    actor.require(Permission::SendEmail)?;
    let c = get(app, actor, id).await?;
    if !matches!(c.reply_state, ReplyState::Approved | ReplyState::Sending) {
        return Err(AppError::field(
            "reply",
            "The reply must be approved by an office manager or the representative before it is sent.",
        ));
    }
    queue_replies(app, actor.office_id, c.id, Some(actor), None).await
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

async fn queue_replies(
    app: &App,
    office_id: i64,
    campaign_id: i64,
    actor: Option<&Actor>,
    only: Option<&[String]>,
) -> AppResult<usize> {
    let c = app.system_data(office_id).campaign(campaign_id).await?;
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
    let office = app.store.office(office_id).await?;
    let representative = crate::letters::representative_name(app, office_id).await?;
    let caseworker = actor.map(|a| a.display_name.clone()).unwrap_or_default();
    let mut missing: Vec<String> = Vec::new();
    let mut plan = Vec::with_capacity(senders.len());
    for s in &senders {
        let person = person_fields(s);
        if s.do_not_email == Some(true) {
            plan.push((s, person, "do_not_email"));
            continue;
        }
        let outsider = !in_district(&prefixes, &person.postcode);
        let outcome = match (outsider, c.reply_outside.as_str()) {
            (true, "skip") => {
                plan.push((s, person, "outside_district"));
                continue;
            }
            (true, "other") => "queued_other",
            _ => "queued",
        };
        let (subject, body) = reply_text(&c, outcome);
        let gaps = missing_fields(&format!("{subject} {body}"), &person);
        if !gaps.is_empty() {
            missing.push(format!("{} ({})", s.email, gaps.join(", ")));
        }
        plan.push((s, person, outcome));
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
    let domain = smtp
        .from
        .rsplit('@')
        .next()
        .map(|d| d.trim_end_matches('>').to_owned())
        .unwrap_or_else(|| "casework.invalid".into());
    let mut recipients = Vec::with_capacity(plan.len());
    let mut blobs_to_write = Vec::new();
    for (s, person, outcome) in plan {
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
            today: crate::letters::date_in_words(app.now()),
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
        blobs_to_write.push((key.clone(), built.raw.clone()));
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
    let blobs = app.blobs.clone();
    tokio::task::spawn_blocking(move || {
        for (k, raw) in blobs_to_write {
            blobs.put(&k, &raw)?;
        }
        Ok::<_, std::io::Error>(())
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(format!("saving campaign replies: {e}")))?;
    let queued = app
        .system_data(office_id)
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

/// Every message of the campaign as CSV: who wrote, from where, when.
pub async fn export_csv(app: &App, actor: &Actor, id: i64) -> AppResult<(String, Vec<u8>)> {
    let c = get(app, actor, id).await?;
    let rows: Vec<CampaignExportRow> = app.data_for(actor).campaign_export(c.id).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| AppError::Internal(format!("writing CSV: {e}"));
    w.write_record([
        "message_id",
        "received_at",
        "from_name",
        "from_address",
        "postcode",
        "constituent_id",
        "flagged",
        "state",
    ])
    .map_err(io)?;
    for r in rows {
        w.write_record([
            r.id.to_string(),
            crate::iso_time(r.received_at),
            csv_safe(&r.from_name),
            csv_safe(&r.from_address),
            csv_safe(&r.sender_postcode),
            r.constituent_id.map(|c| c.to_string()).unwrap_or_default(),
            r.flagged.to_string(),
            r.state.as_str().to_owned(),
        ])
        .map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(format!("writing CSV: {e}")))?;
    let slug: String = c
        .name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() {
                ch.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    Ok((format!("campaign-{}-{slug}.csv", c.id), bytes))
}

/// Spreadsheet programs run cells starting with these as formulas.
fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// Sets the district's postcode prefixes; returns them tidied.
pub async fn set_district(app: &App, office_id: i64, postcodes: &str) -> AppResult<String> {
    let list: Vec<String> = postcodes
        .split([',', ';', '\n'])
        .map(|p| p.trim().replace(' ', "").to_uppercase())
        .filter(|p| !p.is_empty())
        .collect();
    if let Some(bad) = list
        .iter()
        .find(|p| p.len() > 10 || !p.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(AppError::field(
            "postcodes",
            format!("\"{bad}\" is not a postcode or the start of one."),
        ));
    }
    let joined = list.join(", ");
    app.system_data(office_id)
        .set_district_postcodes(&joined)
        .await?;
    Ok(joined)
}

/// Drops candidates older than [`CANDIDATE_DAYS`] (they stay in the intake
/// inbox; they no longer start campaigns). Run hourly by the scheduler
/// (`jobs::JobKind::CampaignUpkeep`).
pub async fn expire_candidates(app: &App) -> AppResult<u64> {
    Ok(app
        .store
        .expire_campaign_candidates(app.now() - CANDIDATE_DAYS * 86_400_000)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_drop_reply_prefixes() {
        assert_eq!(campaign_name("Re: Fwd: Save bus 12", None), "Save bus 12");
        assert_eq!(
            campaign_name("", Some("Please save the bus")),
            "Please save the bus…"
        );
        assert_eq!(campaign_name("", None), "Campaign");
    }

    #[test]
    fn district_by_postcode_prefix() {
        let p = vec!["RV1".to_owned(), "RV2".to_owned()];
        assert!(in_district(&p, "rv1 2ab"));
        assert!(!in_district(&p, "LS1 4AB"));
        assert!(in_district(&p, ""));
        assert!(in_district(&[], "LS1"));
    }

    #[test]
    fn csv_cells_cannot_be_formulas() {
        assert_eq!(csv_safe("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_safe("Ann"), "Ann");
    }
}
