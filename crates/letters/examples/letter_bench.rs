//! How long one letter takes: merge a template and lay out a one-page
//! letter as PDF. `cargo run --release -p casework-letters --example letter_bench`
//! prints the median and 95th percentile over many runs.

use casework_letters::{
    CaseFields, Letter, MergeFields, NameField, OfficeFields, PersonFields, merge, render_pdf,
};
use std::time::Instant;

fn main() {
    let fields = MergeFields {
        constituent: PersonFields {
            first_name: "Jane".into(),
            last_name: "Sample".into(),
            full_name: "Jane Sample".into(),
            email: "jane@example.org".into(),
            address: "12 Elm Street, Riverside".into(),
            postcode: "R2C 1A1".into(),
        },
        case: CaseFields {
            reference: "CW-2026-00417".into(),
            title: "Passport delayed".into(),
            agency: "Passport Program".into(),
            category: "Passports".into(),
            ..Default::default()
        },
        caseworker: NameField {
            name: "Sam Caseworker".into(),
        },
        representative: NameField {
            name: "Dana Whitfield".into(),
        },
        office: OfficeFields {
            name: "Office of Dana Whitfield".into(),
        },
        today: "26 November 2026".into(),
    };
    let template = "Dear {{ constituent.first_name }},\n\nThank you for contacting me about {{ case.title }}. I have written to the {{ case.agency }} on your behalf and asked them to review your file urgently. They usually reply within three weeks; my office will let you know as soon as we hear back.\n\nIf anything changes in the meantime, please quote your reference {{ case.reference }} when you contact my office.\n\nWith best wishes,";
    let runs = 2000;
    let mut times = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let body = merge(template, &fields).expect("template");
        let letter = Letter {
            letterhead: vec![
                fields.office.name.clone(),
                "100 Main Street".into(),
                "Riverside, MB R2C 0A1".into(),
            ],
            date: fields.today.clone(),
            recipient: vec![
                fields.constituent.full_name.clone(),
                "12 Elm Street".into(),
                "Riverside".into(),
                "R2C 1A1".into(),
            ],
            reference: fields.case.reference.clone(),
            body,
            signature: vec![
                "Dana Whitfield".into(),
                "Member for Riverside Centre".into(),
            ],
            logo: None,
        };
        bytes = render_pdf(&letter, &Default::default()).len();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "one-page letter ({bytes} bytes), {runs} runs: median {:.3} ms, p95 {:.3} ms, max {:.3} ms",
        pct(0.5),
        pct(0.95),
        times[times.len() - 1]
    );
}
