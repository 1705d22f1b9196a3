//! Reading correspondence: one message (as visible as its case), its
//! original and attachments, and a case's mail.

use casework_store::{AttachmentRecord, Correspondence, CorrespondenceSummary};

use crate::{Actor, App, AppError, AppResult};

/// One message, if the actor may see it (a message on a case is as visible as the case).
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<Correspondence> {
    let c = app.data_for(actor).correspondence(id).await?;
    if let Some(case_id) = c.case_id {
        crate::cases::get(app, actor, case_id).await?;
    }
    Ok(c)
}

/// Opens a message: marks it read for the office.
pub async fn open(
    app: &App,
    actor: &Actor,
    id: i64,
) -> AppResult<(Correspondence, Vec<AttachmentRecord>)> {
    let c = get(app, actor, id).await?;
    if c.unread {
        app.data_for(actor).mark_read(c.id).await?;
    }
    let attachments = app.data_for(actor).attachments(c.id).await?;
    Ok((c, attachments))
}

/// The original message (or letter PDF), byte for byte, with its record.
pub async fn original(app: &App, actor: &Actor, id: i64) -> AppResult<(Correspondence, Vec<u8>)> {
    let c = get(app, actor, id).await?;
    let bytes = read_blob(app, c.raw_blob.clone()).await?;
    Ok((c, bytes))
}

async fn read_blob(app: &App, key: Option<String>) -> AppResult<Vec<u8>> {
    let Some(key) = key else {
        return Err(AppError::NotFound);
    };
    app.files
        .get(&key)
        .await
        .map_err(|e| AppError::Internal(format!("reading a stored original: {e}")))
}

/// The original message, byte for byte.
pub async fn raw(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<u8>> {
    Ok(original(app, actor, id).await?.1)
}

/// An attachment's bytes, with its name and type, if the actor may see the message.
pub async fn attachment(
    app: &App,
    actor: &Actor,
    correspondence_id: i64,
    attachment_id: i64,
) -> AppResult<(AttachmentRecord, Vec<u8>)> {
    let c = get(app, actor, correspondence_id).await?;
    let a = app
        .data_for(actor)
        .attachments(c.id)
        .await?
        .into_iter()
        .find(|a| a.id == attachment_id)
        .ok_or(AppError::NotFound)?;
    let bytes = app
        .files
        .get(&a.blob)
        .await
        .map_err(|e| AppError::Internal(format!("reading a stored attachment: {e}")))?;
    Ok((a, bytes))
}

/// Which of these cases have unread incoming mail ("new reply" markers).
pub async fn unread_cases(app: &App, actor: &Actor, case_ids: &[i64]) -> AppResult<Vec<i64>> {
    Ok(app.data_for(actor).unread_cases(case_ids).await?)
}

pub async fn for_case(
    app: &App,
    actor: &Actor,
    case_id: i64,
) -> AppResult<Vec<CorrespondenceSummary>> {
    let case = crate::cases::get(app, actor, case_id).await?;
    Ok(app.data_for(actor).case_correspondence(case.id).await?)
}
