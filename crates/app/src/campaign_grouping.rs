//! Campaign mail as it arrives: grouping near-identical messages into
//! campaigns inside ingestion.
//!
//! A message first tries the office's campaigns (their templates are kept in
//! memory, reloaded when the stamp in the database changes). One that joins
//! none, and is waiting in the intake inbox, is kept as a *candidate* with its
//! shingles and anchors; when a new message finds [`FORM_AT`]` - 1` similar
//! candidates, they become a campaign. Memory holds only the templates;
//! candidates live in the database. People's work on a campaign is in
//! [`crate::campaigns`], its one reply to all in [`crate::campaign_replies`].
//!
//! A campaign's template is what most of its copies share (`common_text`):
//! text in more than half of them, and the other wordings of a passage the
//! campaign offers. A paragraph several copies carry on top of the letter,
//! but not most (the same passport problem from a family, say), stays out of
//! it, so it is each of those senders' personal addition and flagged if it
//! looks like casework; one that most copies carry is in the template, and
//! the campaign itself is checked for casework in it (`shared_casework`).

use casework_domain::{CampaignState, ReplyState};
use casework_mail::campaign::{
    Fingerprint, from_bytes, looks_like_casework, personal_addition, to_bytes,
};
use casework_store::{CampaignLink, Candidate, MemberAddition, NewCampaign};
use std::collections::HashMap;
use std::sync::Arc;

use crate::{Actor, App, AppError, AppResult};

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
        match crate::campaign_replies::queue_replies(app, office_id, campaign, None, Some(&senders))
            .await
        {
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
    let shingles = common_text(&fps).template;
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

/// Remakes a growing campaign's template from its copies, one per sender
/// (`common_text`: what most of them carry, and the campaign's other
/// wordings), and recomputes their personal additions.
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
    let shingles = common_text(&fps).template;
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

// ----- a campaign's common text -----

/// Copies of `n` (one per sender) that "most" means: more than half.
fn most_of(n: usize) -> usize {
    n / 2 + 1
}

/// Text fewer copies share than most, but at least this share of them (and
/// two), may be another wording of a passage that the campaign offers.
const WORDING_SHARE: f64 = 0.05;

/// Shared shingles whose sets of copies are this alike (Jaccard) belong to
/// one passage: a word changed in a few copies splits a passage's shingles
/// among slightly different sets of copies.
const SAME_PASSAGE: f64 = 0.75;

/// Above this many sets of copies, passages are not pieced together (each
/// set counts alone): comparing every set with every other would be slow.
const MAX_PASSAGE_SETS: usize = 4_000;

/// A campaign's common text, worked out from its copies (one per sender).
#[derive(Debug, Default)]
pub(crate) struct CommonText {
    /// The template (sorted): the shingles more than half the copies carry,
    /// and the other wordings of a passage the campaign offers, that is text
    /// several copies carry *in place of* text the others carry. Text several
    /// copies carry *on top of* the letter, but not most, is left out: it is
    /// each of those senders' personal addition.
    pub template: Vec<u64>,
    /// The part of the template (sorted) that most copies, though clearly not
    /// all, carry on top of the letter: a paragraph people added, the same
    /// in most copies. It is nobody's personal addition, so the campaign is
    /// checked for casework in it instead ([`shared_casework`]).
    pub added_by_most: Vec<u64>,
}

/// Which copies carry a shingle: bit `i` for copy `i`.
type CopySet = Vec<u64>;

fn copies_in(set: &CopySet) -> usize {
    set.iter().map(|b| b.count_ones() as usize).sum()
}

fn carries(set: &CopySet, copy: usize) -> bool {
    (set[copy / 64] >> (copy % 64)) & 1 == 1
}

/// How alike two sets of copies are: shared copies over all copies of either.
fn alike(a: &CopySet, b: &CopySet) -> f64 {
    let (mut both, mut either) = (0u32, 0u32);
    for (x, y) in a.iter().zip(b) {
        both += (x & y).count_ones();
        either += (x | y).count_ones();
    }
    if either == 0 {
        0.0
    } else {
        f64::from(both) / f64::from(either)
    }
}

fn median(mut lengths: Vec<usize>) -> usize {
    lengths.sort_unstable();
    lengths
        .get(lengths.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0)
}

/// Whether the copies in `set` carry their shared passage (`passage`
/// shingles long) on top of the letter: they are longer than the other
/// copies by about its length. Copies carrying another wording of a passage
/// are about as long as the rest. `lengths` are the copies' shingle counts.
fn on_top(set: &CopySet, lengths: &[usize], passage: usize) -> bool {
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for (i, len) in lengths.iter().enumerate() {
        if carries(set, i) {
            with.push(*len);
        } else {
            without.push(*len);
        }
    }
    if with.is_empty() || without.is_empty() {
        return false;
    }
    let longer = median(with) as i64 - median(without) as i64;
    longer > 0 && longer * 2 >= passage as i64
}

/// A campaign's common text from its copies (one per sender): see
/// [`CommonText`]. Copies are compared by shingle; a shingle's copies and
/// the copies' lengths tell a passage offered in several wordings (each
/// copy carries one, as long as the others) from a paragraph some senders
/// added (their copies are longer by it).
pub(crate) fn common_text(copies: &[Fingerprint]) -> CommonText {
    let n = copies.len();
    let blocks = n.div_ceil(64);
    let mut carriers: HashMap<u64, CopySet> = HashMap::new();
    for (i, copy) in copies.iter().enumerate() {
        for h in &copy.shingles {
            carriers.entry(*h).or_insert_with(|| vec![0; blocks])[i / 64] |= 1u64 << (i % 64);
        }
    }
    let most = most_of(n).max(2);
    let several = ((n as f64 * WORDING_SHARE).ceil() as usize).max(2);
    // Shared shingles by the copies that carry them.
    let mut by_copies: HashMap<CopySet, Vec<u64>> = HashMap::new();
    for (h, set) in carriers {
        if copies_in(&set) >= several {
            by_copies.entry(set).or_default().push(h);
        }
    }
    let sets: Vec<(CopySet, Vec<u64>)> = by_copies.into_iter().collect();
    let lengths: Vec<usize> = copies.iter().map(|c| c.shingles.len()).collect();
    let mut out = CommonText::default();
    for (set, shingles) in &sets {
        let carried = copies_in(set);
        let passage: usize = if sets.len() > MAX_PASSAGE_SETS {
            shingles.len()
        } else {
            sets.iter()
                .filter(|(other, _)| alike(set, other) >= SAME_PASSAGE)
                .map(|(_, s)| s.len())
                .sum()
        };
        let added = on_top(set, &lengths, passage);
        if carried >= most {
            out.template.extend(shingles);
            // Lacking from a fifth of the copies or more: not the letter
            // with a sentence someone dropped, but a paragraph most added.
            let lacking = n - carried;
            if added && lacking >= several && lacking * 5 >= n {
                out.added_by_most.extend(shingles);
            }
        } else if !added {
            out.template.extend(shingles);
        }
    }
    out.template.sort_unstable();
    out.added_by_most.sort_unstable();
    out
}

/// Copies read (one per sender, the earliest) to check a campaign's shared
/// text for casework when its page is shown.
const SHARED_CHECK: i64 = 200;

/// A paragraph most of the campaign's copies carry on top of its letter,
/// if it looks like casework (the same passport problem, say). It is in the
/// campaign's template, so no copy is flagged for it: the campaign is, and
/// each of those senders may need help (`shared_casework`).
pub async fn casework_in_template(app: &App, actor: &Actor, id: i64) -> AppResult<Option<String>> {
    let c = crate::campaigns::get(app, actor, id).await?;
    let texts = app
        .data_for(actor)
        .campaign_texts(c.id, SHARED_CHECK)
        .await?;
    let mut seen = std::collections::HashSet::new();
    let texts: Vec<&str> = texts
        .iter()
        .filter(|(_, from, _)| seen.insert(from.as_str()))
        .map(|(_, _, text)| text.as_str())
        .collect();
    Ok(shared_casework(&texts))
}

/// The paragraph most copies of a campaign carry on top of its letter, as
/// one copy words it, if it looks like casework. None of those copies is
/// flagged for it (it is in the template, not their personal addition), so
/// the campaign is: each of those senders may need help. `texts` are the
/// copies, one per sender.
pub(crate) fn shared_casework(texts: &[&str]) -> Option<String> {
    let copies: Vec<Fingerprint> = texts
        .iter()
        .map(|t| casework_mail::campaign::fingerprint(t))
        .collect();
    let common = common_text(&copies);
    if common.added_by_most.is_empty() {
        return None;
    }
    let (text, copy) = texts
        .iter()
        .zip(&copies)
        .max_by_key(|(_, c)| casework_mail::campaign::shared(&c.shingles, &common.added_by_most))?;
    // The words only the added paragraph covers: everything else the copy
    // says counts as known text.
    let rest: Vec<u64> = copy
        .shingles
        .iter()
        .copied()
        .filter(|h| common.added_by_most.binary_search(h).is_err())
        .collect();
    let paragraph = personal_addition(text, &rest);
    looks_like_casework(&paragraph).then_some(paragraph)
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

    /// The campaign's letter, with its second paragraph in one of the two
    /// wordings the campaign offers.
    fn letter(wording: usize) -> String {
        let second = [
            "For many households in Eastbank, Hollin and Northgate the 14 is the only way to get anywhere. \
             People who cannot drive, including pensioners, disabled residents and students, rely on it every \
             single day to reach jobs, college, the supermarket and the hospital.",
            "The 14 is the only public transport link for thousands of people in Eastbank, Hollin and Northgate. \
             Many of us do not drive, and for older residents, disabled people and young people the 14 is how \
             we get to work, to school, to the shops and to our medical appointments.",
        ][wording];
        format!(
            "I am writing to ask you to oppose the proposal by Riverside Transit to withdraw the number 14 bus \
             service between Eastbank and the town centre from January.\n\n{second}\n\n\
             The consultation ran for only three weeks and most passengers did not know it was happening. The \
             replacement minibus has to be booked a day in advance and would not run in the evenings.\n\n\
             Please speak to Riverside Transit and the transport committee, ask for the decision to be paused, \
             and support a proper consultation with the people who actually use the service."
        )
    }

    /// The same personal paragraph, as a family might each send it.
    const PASSPORT: &str = "My son applied to renew his passport in March and it still has not arrived. He \
        flies to his grandmother's funeral on 12 December and nobody at the Passport Office answers our \
        letters. Can you help us?";

    /// Copy `n` as sent: a greeting, the sender's own paragraph if any, the
    /// letter, a sign-off and a name and address.
    fn copy(n: usize, own: &str, wording: usize) -> String {
        let greeting = ["Dear Ms Rivera,", "Hello,", "Dear Maria,"][n % 3];
        let own = if own.is_empty() {
            String::new()
        } else {
            format!("{own}\n\n")
        };
        format!(
            "{greeting}\n\n{own}{}\n\nKind regards,\nWriter {n}\n{} Elm Road\nRiverside RV1 2AB\n",
            letter(wording),
            n + 1
        )
    }

    /// Ten copies, the first `with` of them carrying the passport paragraph.
    fn campaign(with: usize) -> Vec<String> {
        (0..10)
            .map(|n| copy(n, if n < with { PASSPORT } else { "" }, 0))
            .collect()
    }

    fn template_of(texts: &[String]) -> Vec<u64> {
        let copies: Vec<Fingerprint> = texts
            .iter()
            .map(|t| casework_mail::campaign::fingerprint(t))
            .collect();
        common_text(&copies).template
    }

    #[test]
    fn a_paragraph_most_copies_carry_is_in_the_template_and_flags_none_of_them() {
        assert!(looks_like_casework(PASSPORT), "the test's premise");
        let texts = campaign(6);
        let template = template_of(&texts);
        for (n, text) in texts.iter().enumerate() {
            let (addition, flagged) = addition_of(text, &template);
            assert!(
                !flagged,
                "copy {n} is not flagged for the shared paragraph: {addition}"
            );
            assert!(!addition.contains("passport"), "copy {n}: {addition}");
        }
    }

    #[test]
    fn a_paragraph_several_copies_carry_but_not_most_is_each_senders_own() {
        // Three of ten, and five of ten (half is not most).
        for with in [3, 5] {
            let texts = campaign(with);
            let template = template_of(&texts);
            for (n, text) in texts.iter().enumerate() {
                let (addition, flagged) = addition_of(text, &template);
                if n < with {
                    assert!(flagged, "{with} of 10, copy {n} is flagged: {addition}");
                    assert!(addition.starts_with("My son applied"), "{addition}");
                    assert!(addition.ends_with("Can you help us?"), "{addition}");
                } else {
                    assert_eq!(addition, "", "{with} of 10, copy {n}");
                    assert!(!flagged);
                }
            }
        }
    }

    #[test]
    fn casework_in_the_template_flags_the_campaign() {
        let texts = campaign(6);
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let found = shared_casework(&texts).expect("the campaign is flagged");
        assert!(found.starts_with("My son applied"), "{found}");
        assert!(found.ends_with("Can you help us?"), "{found}");
        // Its own letter (the same in every copy) is the campaign, not a case,
        // whatever it is about; a paragraph only some carry flags those copies.
        for with in [0, 3] {
            let texts = campaign(with);
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            assert_eq!(shared_casework(&texts), None, "{with} of 10");
        }
    }

    #[test]
    fn other_wordings_of_a_passage_are_the_campaigns_text() {
        // Half the copies word the second paragraph one way, half the other;
        // the second wording reads like casework on its own.
        assert!(looks_like_casework(&letter(1)), "the test's premise");
        let texts: Vec<String> = (0..10).map(|n| copy(n, "", n % 2)).collect();
        let template = template_of(&texts);
        for (n, text) in texts.iter().enumerate() {
            assert_eq!(
                addition_of(text, &template),
                (String::new(), false),
                "copy {n}"
            );
        }
        // A paragraph added to some of them is still theirs.
        let mut texts = texts;
        texts[0] = copy(0, PASSPORT, 0);
        texts[3] = copy(3, PASSPORT, 1);
        let template = template_of(&texts);
        assert!(addition_of(&texts[0], &template).1);
        assert!(addition_of(&texts[3], &template).1);
        assert!(!addition_of(&texts[1], &template).1);
    }
}
