//! The Trends page: counts by a dimension or by location per week or
//! month, as a chart with its table, every number a link to the cases or
//! messages behind it, and the table as CSV.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use casework_app::AppError;
use casework_app::trends::{self, MessagesQuery, Trends, TrendsQuery};

use crate::chart::{Series, line_chart, style};
use crate::error::{PageResult, render};
use crate::extract::{PageActor, PageQuery};
use crate::layout::{Nav, nav, pair};
use crate::pages::correspondence::MailRow;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/trends", get(trends_page))
        .route("/trends.csv", get(trends_csv))
        .route("/messages", get(messages_page))
}

#[derive(Template)]
#[template(path = "messages.html")]
struct MessagesPage {
    nav: Option<Nav>,
    notice: Option<String>,
    rows: Vec<MailRow>,
    /// What the list holds, in words.
    heading: String,
    next: Option<String>,
    error: Option<String>,
}

/// The messages behind a Trends count.
async fn messages_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<MessagesQuery>,
) -> PageResult {
    let mut page = MessagesPage {
        nav: nav(&who, "trends"),
        notice: None,
        rows: Vec::new(),
        heading: String::new(),
        next: None,
        error: None,
    };
    let framework = casework_app::tags::framework(&s.app, &who.actor).await?;
    let mut what = vec![
        match (q.direction.as_str(), q.state.as_str()) {
            (_, "intake") => "Messages waiting in intake",
            ("in", _) => "Messages received",
            ("out", _) => "Messages sent",
            _ => "Messages",
        }
        .to_owned(),
    ];
    if let Some(c) = casework_app::domain::Channel::parse(q.channel.trim()) {
        what.push(format!("by {}", c.label().to_lowercase()));
    }
    match q.campaign.as_str() {
        "yes" => what.push("from campaigns".into()),
        "no" => what.push("outside campaigns".into()),
        _ => {}
    }
    if q.awaiting_approval {
        what.push("waiting for approval".into());
    }
    if q.unread {
        what.push("not yet opened".into());
    }
    if q.assignee_id == Some(who.actor.user_id) {
        what.push("on your cases".into());
    }
    if !q.printed_from.is_empty() || !q.printed_before.is_empty() {
        what.push(format!(
            "printed from {} before {}",
            q.printed_from.trim(),
            q.printed_before.trim()
        ));
    }
    if let Some((d, v)) = q.tag.and_then(|t| framework.value(t)) {
        what.push(format!("with {} {}", d.dim.name, v.path));
    }
    if !q.location.trim().is_empty() {
        what.push(format!("from {}", q.location.trim()));
    }
    match (q.received_from.trim(), q.received_before.trim()) {
        ("", "") => {}
        (from, "") => what.push(format!("since {from}")),
        ("", before) => what.push(format!("before {before}")),
        (from, before) => what.push(format!("from {from}, before {before}")),
    }
    page.heading = what.join(" ");
    match trends::messages(&s.app, &who.actor, &q).await {
        Ok(p) => {
            page.rows = p.items.iter().map(MailRow::from).collect();
            page.next = p.next.map(|c| {
                let mut next = q.clone();
                next.cursor = Some(c.encode());
                messages_query(&next)
            });
        }
        Err(AppError::Invalid(f)) => {
            page.error = Some(f.0.values().cloned().collect::<Vec<_>>().join(" "));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(render(&page)?.into_response())
}

fn messages_query(q: &MessagesQuery) -> String {
    let pairs: Vec<(&str, String)> = vec![
        ("tag", q.tag.map(|t| t.to_string()).unwrap_or_default()),
        (
            "exact",
            if q.exact {
                "true".into()
            } else {
                String::new()
            },
        ),
        ("received_from", q.received_from.clone()),
        ("received_before", q.received_before.clone()),
        ("location", q.location.clone()),
        ("direction", q.direction.clone()),
        ("channel", q.channel.clone()),
        ("state", q.state.clone()),
        ("campaign", q.campaign.clone()),
        ("printed_from", q.printed_from.clone()),
        ("printed_before", q.printed_before.clone()),
        (
            "awaiting_approval",
            if q.awaiting_approval {
                "true".into()
            } else {
                String::new()
            },
        ),
        (
            "assignee_id",
            q.assignee_id.map(|a| a.to_string()).unwrap_or_default(),
        ),
        (
            "unread",
            if q.unread {
                "true".into()
            } else {
                String::new()
            },
        ),
        ("cursor", q.cursor.clone().unwrap_or_default()),
    ];
    let kept: Vec<(&str, String)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

struct Cell {
    n: i64,
    /// The list behind the number, when there is one to open.
    link: Option<String>,
}

struct Row {
    value: String,
    cells: Vec<Cell>,
    total: i64,
    change: String,
    against_average: String,
    key: Option<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "trends.html")]
struct TrendsPage {
    nav: Option<Nav>,
    notice: Option<String>,
    q: TrendsQuery,
    dimensions: Vec<(String, String)>,
    hierarchical: bool,
    error: Option<String>,
    heading: String,
    periods: Vec<String>,
    rows: Vec<Row>,
    totals: Vec<i64>,
    grand_total: i64,
    chart: String,
    csv: String,
    periods_value: String,
}

fn query_string(q: &TrendsQuery) -> String {
    serde_urlencoded::to_string([
        ("dimension", q.dimension.as_str()),
        ("kind", q.kind.as_str()),
        ("period", q.period.as_str()),
        (
            "periods",
            &q.periods.map(|p| p.to_string()).unwrap_or_default(),
        ),
        ("until", q.until.as_str()),
        ("detail", if q.detail { "true" } else { "false" }),
    ])
    .unwrap_or_default()
}

/// The list behind a count: cases opened (or transferred) in the period,
/// or messages received in it, with the value (or in the location).
fn drill_down(
    t: &Trends,
    tag_id: Option<i64>,
    value: &str,
    from: &str,
    to: &str,
    exact: bool,
) -> Option<String> {
    let (list, after, before) = match t.kind.as_str() {
        "cases" => ("/cases", "opened_from", "opened_before"),
        "transfers" => ("/cases", "transferred_from", "transferred_before"),
        _ => ("/messages", "received_from", "received_before"),
    };
    let mut params: Vec<(&str, String)> = vec![(after, from.to_owned()), (before, to.to_owned())];
    if list == "/cases" {
        // Newest first: the list reads the month by the opening index.
        params.push(("sort", "newest".to_owned()));
    }
    match tag_id {
        Some(id) => {
            params.push(("tag", id.to_string()));
            if exact {
                params.push(("exact", "true".into()));
            }
        }
        None if t.dimension == "location" && value != "No value" => {
            params.push(("location", value.to_owned()));
        }
        None => return None,
    }
    Some(format!(
        "{list}?{}",
        serde_urlencoded::to_string(&params).unwrap_or_default()
    ))
}

async fn trends_page(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<TrendsQuery>,
) -> PageResult {
    let framework = casework_app::tags::framework(&s.app, &who.actor).await?;
    let mut dimensions: Vec<(String, String)> = framework
        .dimensions
        .iter()
        .map(|d| (d.dim.key.clone(), d.dim.name.clone()))
        .collect();
    dimensions.push(pair("location", "Location (ward or postcode district)"));
    let wanted = if q.dimension.is_empty() {
        "category"
    } else {
        q.dimension.as_str()
    };
    let hierarchical = framework
        .dimension(wanted)
        .is_some_and(|d| d.dim.hierarchical);
    let mut page = TrendsPage {
        nav: nav(&who, "trends"),
        notice: None,
        dimensions,
        hierarchical,
        error: None,
        heading: String::new(),
        periods: Vec::new(),
        rows: Vec::new(),
        totals: Vec::new(),
        grand_total: 0,
        chart: String::new(),
        csv: format!("/trends.csv?{}", query_string(&q)),
        periods_value: q
            .periods
            .map(|p| p.to_string())
            .unwrap_or_else(|| "12".into()),
        q,
    };
    let t = match trends::trends(&s.app, &who.actor, &page.q).await {
        Ok(t) => t,
        Err(AppError::Invalid(f)) => {
            page.error = Some(f.0.values().cloned().collect::<Vec<_>>().join(" "));
            return Ok(render(&page)?.into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let what = match t.kind.as_str() {
        "cases" => "Cases opened",
        "transfers" => "Cases transferred",
        _ => "Messages",
    };
    page.heading = format!(
        "{what} by {} per {}",
        t.dimension_name.to_lowercase(),
        t.period
    );
    page.periods = t.periods.iter().map(|p| p.label.clone()).collect();
    let shown: Vec<&trends::TrendRow> = t
        .rows
        .iter()
        .filter(|r| r.value != "No value")
        .take(6)
        .collect();
    let labels: Vec<String> = t
        .periods
        .iter()
        .map(|p| p.label.replace("Week of ", ""))
        .collect();
    let series: Vec<Series<'_>> = shown
        .iter()
        .map(|r| Series {
            name: &r.value,
            values: &r.counts,
        })
        .collect();
    let rising: Vec<String> = shown
        .iter()
        .filter(|r| r.change_against_average_percent.is_some_and(|p| p >= 25))
        .map(|r| r.value.clone())
        .collect();
    let description = format!(
        "{} values with the most {} over {} periods, {} to {}.{} The table below gives every figure.",
        shown.len(),
        t.kind,
        t.periods.len(),
        t.periods.first().map(|p| p.label.as_str()).unwrap_or(""),
        t.periods.last().map(|p| p.label.as_str()).unwrap_or(""),
        if rising.is_empty() {
            String::new()
        } else {
            format!(" Rising against their average: {}.", rising.join(", "))
        }
    );
    page.chart = line_chart("trend", &page.heading, &description, &labels, &series);
    let exact = page.q.detail && hierarchical;
    page.rows = t
        .rows
        .iter()
        .map(|r| Row {
            key: shown.iter().position(|s| s.value == r.value).map(style),
            value: r.value.clone(),
            cells: r
                .counts
                .iter()
                .zip(&t.periods)
                .map(|(n, p)| Cell {
                    n: *n,
                    link: drill_down(&t, r.tag_id, &r.value, &p.from, &p.to, exact),
                })
                .collect(),
            total: r.total,
            change: format!("{:+}", r.change),
            against_average: r
                .change_against_average_percent
                .map(|p| format!("{p:+}%"))
                .unwrap_or_else(|| "—".into()),
        })
        .collect();
    page.grand_total = t.totals.iter().sum();
    page.totals = t.totals;
    Ok(render(&page)?.into_response())
}

async fn trends_csv(
    State(s): State<AppState>,
    who: PageActor,
    PageQuery(q): PageQuery<TrendsQuery>,
) -> PageResult {
    let t = trends::trends(&s.app, &who.actor, &q).await?;
    let bytes = trends::to_csv(&t)?;
    Ok(crate::download::csv_download(
        &format!("trends-{}-{}.csv", t.dimension, t.period),
        bytes,
    ))
}
