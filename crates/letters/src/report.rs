//! A document of several sections on the office's letterhead (a handover
//! package): a title, then each section's heading, its labelled facts and
//! its text, over as many pages as it needs, with page numbers.

use serde::Serialize;

use crate::{BODY_SIZE, LEADING, Logos, Style, Writer, wrap};

/// A document to lay out.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Office name, then address lines, at the top of the first page.
    pub letterhead: Vec<String>,
    /// The office's logo (its key in `Logos`), top right of the first page.
    pub logo: Option<String>,
    pub title: String,
    /// Lines under the title ("Prepared on 5 December 2026 by …").
    pub subtitle: Vec<String>,
    pub sections: Vec<Section>,
    /// A line at the foot of every page, before its number.
    pub footer: String,
}

/// One part of a report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Section {
    pub heading: String,
    /// Labelled facts ("Status", "Open"), one per line.
    pub facts: Vec<(String, String)>,
    /// Text below the facts; blank lines separate paragraphs.
    pub text: String,
}

const SMALL: f32 = 8.5;

/// Lays out a report as a PDF (A4).
pub fn render_report(report: &Report, logos: &Logos) -> Vec<u8> {
    let mut w = Writer::new();
    w.new_page();
    let (page_w, page_h) = w.paper.size();
    let margin = w.margin;
    let width = page_w - 2.0 * margin;
    if let Some((key, logo)) = report.logo.as_ref().and_then(|k| logos.get_key_value(k)) {
        w.logo(key, logo, page_w - margin, page_h - margin + 12.0);
    }
    if let Some((name, rest)) = report.letterhead.split_first() {
        w.line(Style::Bold, 14.0, margin, name);
        for l in rest {
            w.line(Style::Regular, 9.0, margin, l);
        }
    }
    w.gap(18.0);
    for l in wrap(&report.title, 15.0, width, true) {
        w.line(Style::Bold, 15.0, margin, &l);
    }
    for l in &report.subtitle {
        for l in wrap(l, 9.5, width, false) {
            w.line(Style::Regular, 9.5, margin, &l);
        }
    }
    for section in &report.sections {
        w.gap(12.0);
        // A heading is not left alone at the foot of a page.
        if w.y < margin + 4.0 * LEADING {
            w.new_page();
        }
        for l in wrap(&section.heading, 12.0, width, true) {
            w.line(Style::Bold, 12.0, margin, &l);
        }
        w.gap(2.0);
        for (label, value) in &section.facts {
            let label = format!("{label}:");
            let indent = 110.0;
            let lines = wrap(value, BODY_SIZE - 1.0, width - indent, false);
            for (n, l) in lines.iter().enumerate() {
                if n == 0 {
                    w.same_line(Style::Bold, BODY_SIZE - 1.0, margin, &label);
                }
                w.line(Style::Regular, BODY_SIZE - 1.0, margin + indent, l);
            }
        }
        if !section.text.trim().is_empty() {
            w.gap(4.0);
            for paragraph in section.text.replace("\r\n", "\n").split("\n\n") {
                for raw in paragraph.split('\n') {
                    for l in wrap(raw, BODY_SIZE - 1.0, width, false) {
                        w.line(Style::Regular, BODY_SIZE - 1.0, margin, &l);
                    }
                }
                w.gap(4.0);
            }
        }
    }
    number_pages(&mut w, &report.footer);
    w.finish(logos)
}

/// "footer · Page n of N" at the foot of each page.
fn number_pages(w: &mut Writer, footer: &str) {
    let total = w.pages.len();
    let margin = w.margin;
    for n in 0..total {
        let text = if footer.is_empty() {
            format!("Page {} of {total}", n + 1)
        } else {
            format!("{footer} · Page {} of {total}", n + 1)
        };
        w.text_on(n, Style::Regular, SMALL, margin, margin - 28.0, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(pdf: &[u8]) -> String {
        String::from_utf8_lossy(pdf).into_owned()
    }

    #[test]
    fn a_long_report_runs_over_pages_each_numbered() {
        let mut report = Report {
            letterhead: vec!["Riverside Office".into(), "1 High Street".into()],
            title: "Handover package: CW-2026-00001".into(),
            subtitle: vec!["Prepared on 5 December 2026".into()],
            sections: (0..40)
                .map(|n| Section {
                    heading: format!("Email {n}"),
                    facts: vec![("From".into(), "someone@example.org".into())],
                    text: "A line of text that goes on. ".repeat(20),
                })
                .collect(),
            footer: String::new(),
            logo: None,
        };
        let pdf = render_report(&report, &Logos::new());
        assert!(pdf.starts_with(b"%PDF-"));
        let raw = text_of(&pdf);
        let total: usize = raw
            .split("/Count ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(total > 3, "forty long sections take several pages: {total}");
        let text = crate::tests::pdftotext(&pdf, &[]);
        for n in [1, total] {
            assert!(text.contains(&format!("Page {n} of {total}")), "page {n}");
        }
        // With a footer (written in the page's encoding, not plain ASCII).
        report.footer = "CW-2026-00001 · Riverside Office".into();
        let with = render_report(&report, &Logos::new());
        let text = crate::tests::pdftotext(&with, &[]);
        assert!(text.contains(&format!(
            "CW-2026-00001 · Riverside Office · Page {total} of {total}"
        )));
    }
}
