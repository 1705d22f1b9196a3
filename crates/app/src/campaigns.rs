//! Campaign mail: what a caseworker does with a campaign (list, read,
//! rename, merge, split, no action, export) and the office's district.
//! Grouping as mail arrives is in [`crate::campaign_grouping`]; the one
//! approved reply to every sender in [`crate::campaign_replies`].

use casework_domain::{CampaignState, FieldErrors, Permission};
use casework_store::{Campaign, CampaignExportRow, CampaignMessage, CampaignSummary};

use crate::{Actor, App, AppError, AppResult, check};

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
pub(crate) async fn get_to_change(app: &App, actor: &Actor, id: i64) -> AppResult<Campaign> {
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

pub(crate) fn conflict(what: &str) -> impl FnOnce(casework_store::Error) -> AppError + '_ {
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
            crate::csv_out::csv_safe(&r.from_name),
            crate::csv_out::csv_safe(&r.from_address),
            crate::csv_out::csv_safe(&r.sender_postcode),
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
