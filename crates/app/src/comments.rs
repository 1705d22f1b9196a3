//! Comments on drafts: anyone who can see an outgoing email, a letter or a
//! campaign's reply can comment on it, so drafting and approval happen in
//! one place rather than in side emails.

use casework_domain::FieldErrors;
use casework_store::{Comment, CommentOn};

use crate::{Actor, App, AppResult, check};

fn body(text: &str) -> AppResult<String> {
    let mut e = FieldErrors::new();
    let body = e.required("comment", "The comment", text, 5_000);
    check(e)?;
    Ok(body)
}

/// Comments on a piece of correspondence the actor can see.
pub async fn on_correspondence(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<Comment>> {
    let c = crate::correspondence::get(app, actor, id).await?;
    Ok(app
        .data_for(actor)
        .comments(CommentOn::Correspondence(c.id))
        .await?)
}

pub async fn add_to_correspondence(app: &App, actor: &Actor, id: i64, text: &str) -> AppResult<()> {
    let c = crate::correspondence::get(app, actor, id).await?;
    let body = body(text)?;
    app.data_for(actor)
        .add_comment(
            CommentOn::Correspondence(c.id),
            actor.user_id,
            &body,
            app.now(),
        )
        .await?;
    tracing::info!(
        correspondence_id = c.id,
        by = actor.user_id,
        "comment added"
    );
    if let Some(author) = c.filed_by {
        let what = if c.channel == casework_domain::Channel::Letter {
            "your letter"
        } else {
            "your email"
        };
        let about = match c.case_id {
            Some(k) => format!(
                "{what} on case {}",
                app.system_data(actor.office_id).case(k).await?.reference
            ),
            None => what.to_owned(),
        };
        crate::notifications::notify(
            app,
            actor.office_id,
            Some(actor.user_id),
            vec![crate::notifications::comment(
                author,
                format!("/correspondence/{}", c.id),
                &about,
                format!("comment:{}:{}", c.id, app.now()),
                actor,
            )],
        )
        .await;
    }
    Ok(())
}

pub async fn on_campaign(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<Comment>> {
    let c = crate::campaigns::get(app, actor, id).await?;
    Ok(app
        .data_for(actor)
        .comments(CommentOn::Campaign(c.id))
        .await?)
}

pub async fn add_to_campaign(app: &App, actor: &Actor, id: i64, text: &str) -> AppResult<()> {
    let c = crate::campaigns::get(app, actor, id).await?;
    let body = body(text)?;
    app.data_for(actor)
        .add_comment(CommentOn::Campaign(c.id), actor.user_id, &body, app.now())
        .await?;
    tracing::info!(campaign = c.id, by = actor.user_id, "comment added");
    Ok(())
}
