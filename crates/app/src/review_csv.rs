//! The weekly review's tables as CSV.

use casework_domain::FieldErrors;

use crate::review::{Breakdown, Figure, Review};
use crate::{AppError, AppResult};

/// The review's tables that export as CSV.
pub const TABLES: &[(&str, &str)] = &[
    ("in", "What came in"),
    ("out", "What went out and closed"),
    ("action", "What needs action"),
    ("workload", "Workload"),
    ("ages", "Open cases by age"),
    ("agencies", "Slowest agencies"),
    ("flagged", "For the representative"),
];

/// One of the review's tables (`TABLES`) as CSV.
pub fn to_csv(r: &Review, table: &str) -> AppResult<Vec<u8>> {
    let safe = crate::csv_out::csv_safe;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let figures = |rows: &mut Vec<Vec<String>>, list: &[Figure]| {
        rows.push(vec!["What".into(), "Number".into()]);
        for f in list {
            rows.push(vec![safe(&f.label), f.n.to_string()]);
        }
    };
    match table {
        "in" => {
            rows.push(vec![
                "By".into(),
                "Value".into(),
                "This week".into(),
                "Average of the 4 weeks before".into(),
                "Change (%)".into(),
            ]);
            let total = Breakdown {
                by: "Total".into(),
                rows: r.came_in.totals.clone(),
            };
            for b in std::iter::once(&total).chain(&r.came_in.breakdowns) {
                for x in &b.rows {
                    rows.push(vec![
                        safe(&b.by),
                        safe(&x.value),
                        x.n.to_string(),
                        x.average.to_string(),
                        x.change_percent.map(|c| c.to_string()).unwrap_or_default(),
                    ]);
                }
            }
        }
        "out" => {
            figures(&mut rows, &r.went_out.figures);
            let o = &r.went_out;
            for (label, m) in [
                (
                    "Median days to first response, this week",
                    &o.first_response,
                ),
                (
                    "Median days to first response, the 13 weeks before",
                    &o.first_response_quarter,
                ),
                ("Median days to resolution, this week", &o.resolution),
                (
                    "Median days to resolution, the 13 weeks before",
                    &o.resolution_quarter,
                ),
            ] {
                rows.push(vec![
                    label.into(),
                    m.days.map(|d| d.to_string()).unwrap_or_default(),
                ]);
            }
        }
        "action" => figures(&mut rows, &r.needs_action),
        "ages" => figures(&mut rows, &r.ages),
        "workload" => {
            rows.push(vec![
                "Caseworker".into(),
                "Open cases".into(),
                "New this week".into(),
                "Overdue tasks".into(),
            ]);
            for l in &r.workload {
                rows.push(vec![
                    safe(&l.name),
                    l.open.n.to_string(),
                    l.new_this_week.n.to_string(),
                    l.overdue_tasks.n.to_string(),
                ]);
            }
        }
        "agencies" => {
            rows.push(vec![
                "Agency".into(),
                "Median days to reply".into(),
                "Enquiries answered".into(),
            ]);
            for a in &r.agencies {
                rows.push(vec![
                    safe(&a.name),
                    a.median_days.to_string(),
                    a.answered.n.to_string(),
                ]);
            }
        }
        "flagged" => {
            rows.push(vec![
                "Case".into(),
                "Title".into(),
                "Summary".into(),
                "Raised by".into(),
                "On".into(),
            ]);
            for f in &r.flagged {
                rows.push(vec![
                    safe(&f.case_reference),
                    safe(&f.case_title),
                    safe(&f.summary),
                    safe(&f.flagged_by),
                    f.flagged_on.clone(),
                ]);
            }
        }
        _ => {
            let mut e = FieldErrors::new();
            e.add(
                "table",
                "Choose in, out, action, workload, ages, agencies or flagged.",
            );
            return Err(AppError::Invalid(e));
        }
    }
    let internal = |e: csv::Error| AppError::Internal(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(&row).map_err(internal)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}
