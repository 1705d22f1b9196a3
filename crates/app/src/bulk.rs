//! Work on many rows at once: the case list (assign, change status), the
//! intake inbox (mark no action), the outbox (approve, retry), and the
//! selection of any of them, or of the constituent list, as a CSV file.
//! Each row is changed through the same service as by hand, so it is
//! refused for the same reasons and recorded on its own history.

use casework_domain::dates::iso_date;
use casework_domain::{FieldErrors, Permission, Status};
use serde::Deserialize;

use crate::cases::CasePatch;
use crate::csv_out::{csv_safe, write};
use crate::tag_bulk::{BulkResult, MAX_BULK, Refusal, reason};
use crate::{Actor, App, AppError, AppResult, check};

/// The list a selection was made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Cases,
    Constituents,
    /// The intake inbox (correspondence ids).
    Intake,
    /// The outbox (outbox ids).
    Outbox,
}

impl List {
    /// The list named in an address: `cases`, `constituents`, `intake`
    /// or `outbox`.
    pub fn parse(name: &str) -> Option<List> {
        Some(match name {
            "cases" => List::Cases,
            "constituents" => List::Constituents,
            "intake" => List::Intake,
            "outbox" => List::Outbox,
            _ => return None,
        })
    }

    /// The file's name when the selection is exported.
    pub fn file_name(self) -> &'static str {
        match self {
            List::Cases => "cases.csv",
            List::Constituents => "constituents.csv",
            List::Intake => "intake.csv",
            List::Outbox => "outbox.csv",
        }
    }
}

/// One change to make on every selected row.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BulkRequest {
    /// Cases: `assign` (to `assignee_id`; none to unassign) or `status`
    /// (to `status`). Intake: `no_action`. Outbox: `approve` (held for
    /// approval) or `retry` (failed).
    pub action: String,
    /// The rows, at most 500.
    pub ids: Vec<i64>,
    pub assignee_id: Option<i64>,
    pub status: String,
}

/// The actions each list offers, as (value, label) for a form.
pub fn actions(list: List, actor: &Actor) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    match list {
        List::Cases => {
            if actor.can(Permission::AssignCases) {
                out.push(("assign", "Assign to"));
            }
            if actor.can(Permission::EditCases) {
                out.push(("status", "Change status to"));
            }
        }
        List::Intake => {
            if actor.can(Permission::TriageIntake) {
                out.push(("no_action", "Mark as needing no action"));
            }
        }
        List::Outbox => {
            if actor.can(Permission::ApproveOutgoing) {
                out.push(("approve", "Approve"));
            }
            if actor.can(Permission::SendEmail) {
                out.push(("retry", "Try sending again"));
            }
        }
        List::Constituents => {}
    }
    out
}

fn selection(ids: &[i64]) -> AppResult<Vec<i64>> {
    let mut e = FieldErrors::new();
    if ids.is_empty() {
        e.add("ids", "Select at least one row.");
    } else if ids.len() > MAX_BULK {
        e.add("ids", format!("Select at most {MAX_BULK} at once."));
    }
    check(e)?;
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Makes one change on every selected row, each as if done by hand:
/// what one row may not have is refused for that row alone, with why.
pub async fn apply(
    app: &App,
    actor: &Actor,
    list: List,
    req: &BulkRequest,
) -> AppResult<BulkResult> {
    let ids = selection(&req.ids)?;
    let offered = actions(list, actor);
    if !offered.iter().any(|(a, _)| *a == req.action) {
        let known: &[&str] = match list {
            List::Cases => &["assign", "status"],
            List::Intake => &["no_action"],
            List::Outbox => &["approve", "retry"],
            List::Constituents => &[],
        };
        return Err(if known.contains(&req.action.as_str()) {
            AppError::Forbidden("Your role cannot do this.".into())
        } else if known.is_empty() {
            AppError::field("action", "This list can only be exported.")
        } else {
            AppError::field(
                "action",
                format!("Choose what to do: {}.", known.join(", ")),
            )
        });
    }
    let status = if req.action == "status" {
        match Status::parse(req.status.trim()) {
            Some(s) => Some(s),
            None => return Err(AppError::field("status", "Choose a status.")),
        }
    } else {
        None
    };
    if req.action == "assign"
        && let Some(u) = req.assignee_id
    {
        // Checked once, so an unknown person is one clear error, not 500 refusals.
        let mut e = FieldErrors::new();
        crate::cases::check_assignee(app, actor, &mut e, Some(u)).await?;
        check(e)?;
    }
    let mut out = BulkResult::default();
    for id in ids {
        let done = match (list, req.action.as_str()) {
            (List::Cases, "assign") => {
                set_case(
                    app,
                    actor,
                    id,
                    |c| c.assignee_id == req.assignee_id,
                    || CasePatch {
                        assignee_id: Some(req.assignee_id),
                        ..CasePatch::default()
                    },
                )
                .await
            }
            (List::Cases, "status") => {
                let s = status.unwrap_or(Status::Open);
                set_case(
                    app,
                    actor,
                    id,
                    |c| c.status() == s,
                    || CasePatch {
                        status: Some(s.as_str().to_owned()),
                        ..CasePatch::default()
                    },
                )
                .await
            }
            (List::Intake, _) => crate::intake::no_action(app, actor, id)
                .await
                .map(|()| true),
            (List::Outbox, "approve") => {
                crate::outbox::approve(app, actor, id).await.map(|()| true)
            }
            (List::Outbox, _) => crate::outbox::retry(app, actor, id).await.map(|()| true),
            _ => Err(AppError::Forbidden("Not offered for this list.".into())),
        };
        match done {
            Ok(true) => out.changed += 1,
            Ok(false) => out.unchanged += 1,
            Err(e @ (AppError::Storage(_) | AppError::Internal(_))) => return Err(e),
            Err(e) => out.refused.push(Refusal {
                id,
                reason: reason(&e),
            }),
        }
    }
    tracing::info!(
        by = actor.user_id,
        action = req.action.as_str(),
        changed = out.changed,
        unchanged = out.unchanged,
        refused = out.refused.len(),
        "bulk change"
    );
    Ok(out)
}

/// Changes one case unless it already is as asked: whether it changed.
async fn set_case(
    app: &App,
    actor: &Actor,
    id: i64,
    already: impl Fn(&casework_store::Case) -> bool,
    patch: impl Fn() -> CasePatch,
) -> AppResult<bool> {
    let case = crate::cases::get(app, actor, id).await?;
    if already(&case) {
        return Ok(false);
    }
    let mut p = patch();
    p.version = Some(case.version);
    crate::cases::update(app, actor, id, &p).await?;
    Ok(true)
}

/// The selected rows as a CSV file, in the order given; rows the reader
/// cannot see are left out.
pub async fn export(app: &App, actor: &Actor, list: List, ids: &[i64]) -> AppResult<String> {
    let ids = selection(ids)?;
    let mut rows = Vec::with_capacity(ids.len());
    let header: &[&str] = match list {
        List::Cases => &[
            "Reference",
            "Title",
            "Constituent",
            "Status",
            "Assigned to",
            "Agency",
            "Sensitive",
            "Review date",
            "Opened",
            "Closed",
            "Last activity",
        ],
        List::Constituents => &[
            "First name",
            "Last name",
            "Email",
            "Phone",
            "Address",
            "Postcode",
            "Do not email",
            "Do not mail",
            "Do not phone",
            "Added",
        ],
        List::Intake => &["Received", "From", "Address", "Subject", "Where"],
        List::Outbox => &[
            "Written", "To", "Subject", "Case", "State", "Attempts", "Sent",
        ],
    };
    let yes = |b: bool| if b { "yes" } else { "" }.to_owned();
    for id in &ids {
        let row = match list {
            List::Cases => crate::cases::get(app, actor, *id).await.map(|c| {
                vec![
                    c.reference.clone(),
                    csv_safe(&c.title),
                    csv_safe(&c.constituent_name),
                    c.status().label().to_owned(),
                    csv_safe(c.assignee_name.as_deref().unwrap_or("")),
                    csv_safe(&c.agency),
                    yes(c.sensitive),
                    c.review_date.clone().unwrap_or_default(),
                    iso_date(c.opened_at),
                    c.closed_at.map(iso_date).unwrap_or_default(),
                    iso_date(c.updated_at),
                ]
            }),
            List::Constituents => crate::constituents::get(app, actor, *id).await.map(|c| {
                vec![
                    csv_safe(&c.first_name),
                    csv_safe(&c.last_name),
                    csv_safe(&c.email),
                    csv_safe(&c.phone),
                    csv_safe(&c.address),
                    csv_safe(&c.postcode),
                    yes(c.do_not_email),
                    yes(c.do_not_mail),
                    yes(c.do_not_phone),
                    iso_date(c.created_at),
                ]
            }),
            List::Intake => crate::correspondence::get(app, actor, *id).await.map(|m| {
                vec![
                    iso_date(m.received_at),
                    csv_safe(&m.from_name),
                    csv_safe(&m.from_address),
                    csv_safe(&m.subject),
                    m.state.label().to_owned(),
                ]
            }),
            List::Outbox => outbox_row(app, actor, *id).await,
        };
        match row {
            Ok(r) => rows.push(r),
            Err(AppError::NotFound | AppError::Forbidden(_)) => {}
            Err(e) => return Err(e),
        }
    }
    // How many, by whom; never what.
    tracing::info!(
        by = actor.user_id,
        rows = rows.len(),
        file = list.file_name(),
        "selection exported"
    );
    write(header, rows)
}

async fn outbox_row(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<String>> {
    let o = app.data_for(actor).outbox_item(id).await?;
    // Of a case the reader cannot see, nothing.
    if let Some(k) = o.case_id {
        crate::cases::get(app, actor, k).await?;
    }
    Ok(vec![
        iso_date(o.created_at),
        csv_safe(&o.envelope_to),
        csv_safe(&o.subject),
        o.case_reference.unwrap_or_default(),
        o.state.label().to_owned(),
        o.attempts.to_string(),
        o.sent_at.map(iso_date).unwrap_or_default(),
    ])
}
