//! Transferring a case to another office or level of government, and its
//! handover package as PDF and JSON.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use casework_app::domain::{FieldErrors, Permission};
use casework_app::transfers::{self, TransferRequest};
use casework_app::{AppError, cases, letters};
use serde::Deserialize;

use crate::download::made_download;
use crate::error::{PageResult, refused, render};
use crate::extract::{CsrfForm, Id, PageActor, PageQuery};
use crate::layout::{Nav, nav, pair, see};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/transfer", get(transfer_page).post(transfer_do))
        .route("/cases/{id}/handover.pdf", get(handover_pdf))
        .route("/cases/{id}/handover.json", get(handover_json))
}

/// The transfer form's values as text, for redisplay.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct TransferForm {
    to: String,
    send: String,
    email: String,
    address: String,
    destination: String,
    reason: String,
    template: String,
    body: String,
    attach_package: String,
    include_notes: String,
    version: String,
}

#[derive(Template)]
#[template(path = "transfer.html")]
struct TransferPage {
    nav: Option<Nav>,
    notice: Option<String>,
    csrf: String,
    case_id: i64,
    reference: String,
    case_title: String,
    version: i64,
    /// Why the case cannot be transferred now, if it cannot.
    blocked: Option<String>,
    destinations: Vec<(String, String)>,
    channels: Vec<(String, String)>,
    templates: Vec<String>,
    f: TransferForm,
    errors: FieldErrors,
}

async fn transfer_view(
    s: &AppState,
    who: &PageActor,
    id: i64,
    f: TransferForm,
    errors: FieldErrors,
) -> Result<TransferPage, crate::error::PageError> {
    let k = cases::get(&s.app, &who.actor, id).await?;
    who.actor.require(Permission::EditCases)?;
    let status = k.status();
    Ok(TransferPage {
        nav: nav(who, "cases"),
        notice: None,
        csrf: who.csrf.clone(),
        case_id: k.id,
        reference: k.reference.clone(),
        case_title: k.title.clone(),
        version: k.version,
        blocked: (!status.is_active()).then(|| {
            format!(
                "This case is {}: reopen it before transferring it.",
                status.label().to_lowercase()
            )
        }),
        destinations: transfers::destinations(&s.app, &who.actor)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect(),
        channels: transfers::CHANNELS
            .iter()
            .map(|(a, b)| pair(a, b))
            .collect(),
        templates: letters::templates(&s.app, &who.actor)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        f,
        errors,
    })
}

async fn transfer_page(State(s): State<AppState>, who: PageActor, Id(id): Id) -> PageResult {
    let f = TransferForm {
        send: "email".into(),
        attach_package: "on".into(),
        ..TransferForm::default()
    };
    let page = transfer_view(&s, &who, id, f, FieldErrors::new()).await?;
    Ok(render(&page)?.into_response())
}

async fn transfer_do(
    State(s): State<AppState>,
    Id(id): Id,
    form: CsrfForm<TransferForm>,
) -> PageResult {
    let f = &form.data;
    let req = TransferRequest {
        to: f.to.clone(),
        send: f.send.clone(),
        email: f.email.clone(),
        address: f.address.clone(),
        destination: f.destination.clone(),
        reason: f.reason.clone(),
        template: f.template.clone(),
        body: f.body.clone(),
        attach_package: Some(f.attach_package == "on"),
        include_notes: f.include_notes == "on",
        version: f.version.trim().parse().ok(),
    };
    match transfers::transfer(&s.app, &form.who.actor, id, &req).await {
        Ok(_) => Ok(see(format!("/cases/{id}?notice=transferred"))),
        Err(AppError::Invalid(errors)) => {
            let page = transfer_view(&s, &form.who, id, form.data.clone(), errors).await?;
            refused(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PackageQuery {
    /// `true`: the case's notes too.
    notes: bool,
}

async fn handover_pdf(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<PackageQuery>,
) -> PageResult {
    let (reference, pdf) = transfers::package_pdf(&s.app, &who.actor, id, q.notes).await?;
    Ok(made_download(
        "application/pdf",
        &format!("handover-{reference}.pdf"),
        pdf,
    ))
}

async fn handover_json(
    State(s): State<AppState>,
    who: PageActor,
    Id(id): Id,
    PageQuery(q): PageQuery<PackageQuery>,
) -> PageResult {
    let h = transfers::handover(&s.app, &who.actor, id, q.notes).await?;
    let bytes = serde_json::to_vec_pretty(&h)
        .map_err(|e| AppError::Internal(format!("handover JSON: {e}")))?;
    Ok(made_download(
        "application/json",
        &format!("handover-{}.json", h.case.reference),
        bytes,
    ))
}
