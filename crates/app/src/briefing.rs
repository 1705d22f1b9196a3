//! The representative's briefing for a week, made from its review: the top
//! issues and how they moved, the cases raised with the representative
//! (details of any the reader may not see left out), the agencies slow to
//! reply, and the counts; as a printable page, a PDF on the letterhead,
//! and an email to the representative on the office's chosen day.

use casework_domain::dates::{day_of, iso_day};
use casework_letters::{Report, Section, render_report};
use serde::Serialize;

use crate::review::{Review, ReviewQuery, Row, SlowAgency};
use crate::{Actor, App, AppError, AppResult};

/// How many issues the briefing names.
const TOP: usize = 5;

/// A case raised with the representative, as the briefing tells it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notable {
    /// The case's id, reference and title: none when the reader may not
    /// see the case (only that one was raised is said).
    pub case_id: Option<i64>,
    pub reference: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub raised_by: String,
}

/// The briefing of a week.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Briefing {
    pub office: String,
    /// "30 Nov – 6 Dec 2026".
    pub week: String,
    pub week_from: String,
    /// The recorded review it was made from (none: the week's figures now).
    pub review_id: Option<i64>,
    /// The Category values with the most new cases this week.
    pub top_issues: Vec<Row>,
    /// Those rising most against the four weeks before.
    pub rising: Vec<Row>,
    pub notable: Vec<Notable>,
    pub agencies: Vec<SlowAgency>,
    /// The week's counts, as (what, number).
    pub counts: Vec<(String, i64)>,
    /// What the review decided, as recorded.
    pub decisions: String,
}

/// The briefing made from a recorded review (`review_id`) or, without one,
/// from the week's figures as they stand now, for `actor` to read.
pub async fn briefing(
    app: &App,
    actor: &Actor,
    review_id: Option<i64>,
    week: &str,
) -> AppResult<Briefing> {
    let (r, decisions) = match review_id {
        Some(id) => {
            let (row, figures) = crate::review_meeting::read(app, actor, id).await?;
            let figures = match figures {
                Some(f) => f,
                None => {
                    crate::review::review(
                        app,
                        actor,
                        &ReviewQuery {
                            week: row.week_start.clone(),
                            person_id: row.person_id,
                        },
                    )
                    .await?
                }
            };
            (figures, row.decisions)
        }
        None => (
            crate::review::review(
                app,
                actor,
                &ReviewQuery {
                    week: week.to_owned(),
                    person_id: None,
                },
            )
            .await?,
            String::new(),
        ),
    };
    let office = app.store.office(actor.office_id).await?.name;
    made(app, actor, r, review_id, decisions, office).await
}

async fn made(
    app: &App,
    actor: &Actor,
    r: Review,
    review_id: Option<i64>,
    decisions: String,
    office: String,
) -> AppResult<Briefing> {
    let category = r
        .came_in
        .breakdowns
        .iter()
        .find(|b| b.by == "Category")
        .map(|b| b.rows.clone())
        .unwrap_or_default();
    let named: Vec<Row> = category.into_iter().filter(|x| x.list.is_some()).collect();
    let top_issues: Vec<Row> = named
        .iter()
        .filter(|x| x.n > 0)
        .take(TOP)
        .cloned()
        .collect();
    let mut rising: Vec<Row> = named
        .into_iter()
        .filter(|x| x.n > 0 && x.n as f64 > x.average)
        .collect();
    rising.sort_by(|a, b| {
        (b.n as f64 - b.average)
            .total_cmp(&(a.n as f64 - a.average))
            .then(a.value.cmp(&b.value))
    });
    rising.truncate(TOP);
    // A figure recorded by someone who saw more than the reader: what the
    // reader may not see is named only as a case raised.
    let mut notable = Vec::new();
    for f in r.flagged {
        let visible = crate::review_meeting::visible(app, actor, f.case_id).await?;
        notable.push(if visible {
            Notable {
                case_id: Some(f.case_id),
                reference: Some(f.case_reference),
                title: Some(f.case_title),
                summary: Some(f.summary),
                raised_by: f.flagged_by,
            }
        } else {
            Notable {
                case_id: None,
                reference: None,
                title: None,
                summary: None,
                raised_by: f.flagged_by,
            }
        });
    }
    let mut counts: Vec<(String, i64)> = r
        .came_in
        .totals
        .iter()
        .map(|x| (x.value.clone(), x.n))
        .collect();
    counts.extend(r.went_out.figures.iter().map(|f| (f.label.clone(), f.n)));
    counts.extend(
        r.needs_action
            .iter()
            .filter(|f| f.label.starts_with("Enquiries overdue") || f.label.contains("open"))
            .map(|f| (format!("{} (now)", f.label), f.n)),
    );
    Ok(Briefing {
        office,
        week: r.week.label.clone(),
        week_from: r.week.from.clone(),
        review_id,
        top_issues,
        rising,
        notable,
        agencies: r.agencies,
        counts,
        decisions,
    })
}

fn change(x: &Row) -> String {
    format!(
        "{} this week ({} a week before; {})",
        x.n,
        x.average,
        x.change_text()
    )
}

/// The briefing laid out as a report on the letterhead.
pub fn report_of(b: &Briefing, letterhead: Vec<String>, logo: Option<String>) -> Report {
    let mut sections = Vec::new();
    let facts = |rows: &[Row]| -> Vec<(String, String)> {
        rows.iter().map(|x| (x.value.clone(), change(x))).collect()
    };
    sections.push(Section {
        heading: "Top issues".into(),
        facts: facts(&b.top_issues),
        text: if b.top_issues.is_empty() {
            "No new case this week.".into()
        } else {
            "New cases by Category, against the average of the four weeks before.".into()
        },
    });
    if !b.rising.is_empty() {
        sections.push(Section {
            heading: "Rising".into(),
            facts: facts(&b.rising),
            text: String::new(),
        });
    }
    let mut text = String::new();
    for n in &b.notable {
        match (&n.reference, &n.title, &n.summary) {
            (Some(r), Some(t), Some(s)) => {
                text.push_str(&format!("{r} {t}: {s} (raised by {})\n\n", n.raised_by))
            }
            _ => text.push_str(&format!(
                "A case you may not see (details left out; raised by {})\n\n",
                n.raised_by
            )),
        }
    }
    sections.push(Section {
        heading: "Cases for the representative".into(),
        facts: Vec::new(),
        text: if text.is_empty() {
            "No case was raised with the representative this week.".into()
        } else {
            text.trim_end().to_owned()
        },
    });
    sections.push(Section {
        heading: "Agencies slow to reply this quarter".into(),
        facts: b
            .agencies
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    format!(
                        "median {} days to reply ({} answered)",
                        a.median_days, a.answered.n
                    ),
                )
            })
            .collect(),
        text: if b.agencies.is_empty() {
            "No enquiry sent this quarter has been answered yet.".into()
        } else {
            String::new()
        },
    });
    sections.push(Section {
        heading: "The week in numbers".into(),
        facts: b
            .counts
            .iter()
            .map(|(what, n)| (what.clone(), n.to_string()))
            .collect(),
        text: String::new(),
    });
    if !b.decisions.trim().is_empty() {
        sections.push(Section {
            heading: "What the review decided".into(),
            facts: Vec::new(),
            text: b.decisions.clone(),
        });
    }
    Report {
        letterhead,
        logo,
        title: format!("Briefing for the representative: {}", b.week),
        subtitle: vec![
            "Casework of the week, from the office's weekly review. Personal information: keep it safe."
                .into(),
        ],
        sections,
        footer: format!("Briefing {} · {}", b.week_from, b.office),
    }
}

/// The briefing as a PDF on the office's letterhead, with its file name.
pub async fn pdf(
    app: &App,
    actor: &Actor,
    review_id: Option<i64>,
    week: &str,
) -> AppResult<(String, Vec<u8>)> {
    let b = briefing(app, actor, review_id, week).await?;
    render(app, actor, &b).await
}

async fn render(app: &App, actor: &Actor, b: &Briefing) -> AppResult<(String, Vec<u8>)> {
    let data = app.data_for(actor);
    let logo = data.letterhead_logo().await?;
    let logos = crate::letters::load_logos(app, logo.iter().cloned().collect()).await;
    let mut letterhead = vec![b.office.clone()];
    letterhead.extend(
        crate::letters::letterhead(app, actor)
            .await?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned),
    );
    let report = report_of(b, letterhead, logo);
    let pdf = tokio::task::spawn_blocking(move || render_report(&report, &logos))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((format!("briefing-{}.pdf", b.week_from), pdf))
}

/// Emails each office's representatives the briefing for the week before,
/// on the office's chosen day once its digest hour has come: once per
/// representative and week, with the PDF attached. Made under each
/// representative's own permissions, from the week's recorded review if
/// there is one. Returns how many were sent.
pub async fn send_due(app: &App) -> AppResult<usize> {
    let smtp = &app.settings.smtp;
    if !smtp.is_configured() {
        return Ok(0);
    }
    let now = app.now();
    let mut sent = 0;
    for (office_id, tz, hour, day, starts) in app.store.briefing_offices().await? {
        let (today, now_hour) = crate::tasks::local_day_hour(&tz, now);
        let today = day_of(&today);
        if crate::review_week::weekday(today) != day || now_hour < hour {
            continue;
        }
        let week = iso_day(crate::review_week::week_start(today, starts) - 7);
        for user in app.store.representatives(office_id).await? {
            let actor = crate::auth::actor_of(&user);
            let key = format!("briefing:{week}");
            if !app.store.claim_digest(actor.user_id, &key, now).await? {
                continue;
            }
            let review = app
                .data_for(&actor)
                .reviews(Some(None), 200)
                .await?
                .into_iter()
                .find(|r| r.week_start == week)
                .map(|r| r.id);
            let result = async {
                let b = briefing(app, &actor, review, &week).await?;
                let (name, bytes) = render(app, &actor, &b).await?;
                let body = format!(
                    "Dear {},\n\nThe office's briefing for {} is attached.\n\n{}\n",
                    actor.display_name,
                    b.week,
                    b.counts
                        .iter()
                        .map(|(what, n)| format!("{what}: {n}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
                let attachment = casework_mail::outgoing::OutgoingAttachment {
                    filename: name,
                    content_type: "application/pdf".into(),
                    data: bytes,
                };
                crate::tasks::send_now(
                    app,
                    &actor.email,
                    &format!("Briefing: {}", b.week),
                    &body,
                    std::slice::from_ref(&attachment),
                )
                .await
                .map_err(AppError::Internal)
            }
            .await;
            match result {
                Ok(()) => sent += 1,
                Err(e) => {
                    tracing::warn!(user = actor.user_id, error = %e, "a briefing could not be sent; trying again later");
                    app.store.release_digest(actor.user_id, &key).await?;
                }
            }
        }
    }
    Ok(sent)
}
