//! Intake: new mail not yet filed, with the open campaigns and the
//! state of the mailboxes.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use casework_app::intake;
use serde::Deserialize;

use crate::error::{PageResult, render};
use crate::extract::{PageActor, PageQuery};
use crate::fmt::when;
use crate::layout::{Nav, nav, notice};
use crate::pages::correspondence::MailRow;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/intake", get(intake_page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct MessageQuery {
    pub(crate) message: Option<i64>,
}

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    nav: Option<Nav>,
    notice: Option<String>,
    campaigns: Vec<crate::pages::campaigns::CampaignRow>,
    rows: Vec<MailRow>,
    next: Option<String>,
    mailboxes: Vec<MailboxStatus>,
    csrf: String,
    tag_choices: crate::pages::tag_bulk::TagChoices,
    bulk: crate::pages::bulk::BulkBar,
}

/// How an office mailbox's polling is going, in words.
struct MailboxStatus {
    name: String,
    status: String,
    ok: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IntakeQuery {
    cursor: String,
    notice: Option<String>,
}

async fn intake_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<IntakeQuery>,
) -> PageResult {
    let page = intake::intake(&s.app, &who.actor, Some(&q.cursor), 50).await?;
    let view = IntakePage {
        csrf: who.csrf.clone(),
        tag_choices: crate::pages::tag_bulk::tag_choices(&s, &who).await?,
        bulk: crate::pages::bulk::BulkBar::new(&s, &who, "intake").await?,
        nav: nav(&who, "intake"),
        notice: notice(&q.notice),
        campaigns: if q.cursor.is_empty() {
            crate::pages::campaigns::open_rows(&s, &who).await?
        } else {
            Vec::new()
        },
        rows: page.items.iter().map(MailRow::from).collect(),
        next: page.next.map(|c| c.encode()),
        mailboxes: casework_app::mailboxes::list(&s.app, &who.actor)
            .await?
            .into_iter()
            .map(|m| {
                let ok = m.last_error.is_empty();
                let status = if !ok {
                    format!("not reachable — {} (the server keeps trying)", m.last_error)
                } else if let Some(t) = m.last_success_at {
                    format!("checked {}", when(t))
                } else {
                    "waiting for the first check".to_owned()
                };
                MailboxStatus {
                    name: format!("{}@{}", m.username, m.host),
                    status,
                    ok,
                }
            })
            .collect(),
    };
    Ok(render(&view)?.into_response())
}
