//! Letters: merge fields filled into a template (with `minijinja`, strict:
//! a field without a value is an error, not a blank), and a letter laid out
//! on the office's letterhead as PDF (with `pdf-writer`), in fonts that
//! print every script (see `fonts`), embedded and cut down to the
//! characters used.

use serde::Serialize;
use std::collections::BTreeMap;

mod embed;
mod fonts;
mod logo;
mod page;
mod report;
mod shape;
pub use fonts::{FONT_DIRS_VAR, warm_up};
pub use logo::{Logo, MAX_LOGO_BYTES};
use page::{Style, Writer};
pub use report::{Report, Section, render_report};
use shape::wrap;

/// The values a template can use, e.g. `{{ constituent.first_name }}`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MergeFields {
    pub constituent: PersonFields,
    pub case: CaseFields,
    pub caseworker: NameField,
    pub representative: NameField,
    pub office: OfficeFields,
    /// The third party written to (empty outside an enquiry).
    pub agency: AgencyFields,
    /// The enquiry being made or chased (empty outside one).
    pub enquiry: EnquiryFields,
    /// Who signs: the representative for a template signed by them, else
    /// the caseworker (and under the name, their title).
    pub signer: SignerFields,
    /// Today's date, written out ("26 November 2026").
    pub today: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SignerFields {
    pub name: String,
    /// "Member of Parliament for Riverside" (the office's setting) under
    /// the representative's name; "on behalf of Dana Whitfield" under a
    /// caseworker's.
    pub title: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AgencyFields {
    pub name: String,
    /// The contact written to, or the agency's name.
    pub contact: String,
    /// Their postal address, one line each.
    pub address: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EnquiryFields {
    /// What was asked.
    pub asked: String,
    /// When it was first sent, written out.
    pub sent: String,
    /// When the reply is (or was) due, written out.
    pub due: String,
    /// How many times it has been chased.
    pub chases: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PersonFields {
    pub first_name: String,
    pub last_name: String,
    pub full_name: String,
    pub email: String,
    pub address: String,
    pub postcode: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CaseFields {
    pub reference: String,
    pub title: String,
    pub agency: String,
    pub category: String,
    /// When the case was opened, written out ("26 November 2026").
    pub opened: String,
    /// The case's review date, written out; empty if none is set.
    pub review_date: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct NameField {
    pub name: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct OfficeFields {
    pub name: String,
}

/// The merge fields offered to people writing templates.
pub const FIELD_NAMES: &[&str] = &[
    "constituent.first_name",
    "constituent.last_name",
    "constituent.full_name",
    "constituent.email",
    "constituent.address",
    "constituent.postcode",
    "case.reference",
    "case.title",
    "case.agency",
    "case.category",
    "case.opened",
    "case.review_date",
    "caseworker.name",
    "representative.name",
    "office.name",
    "agency.name",
    "agency.contact",
    "agency.address",
    "enquiry.asked",
    "enquiry.sent",
    "enquiry.due",
    "enquiry.chases",
    "signer.name",
    "signer.title",
    "today",
];

/// The work a template may do, in minijinja's units (about one per
/// operation): a long letter with every field and a few conditions uses a
/// few hundred; a loop of a million turns never finishes within it.
pub const TEMPLATE_FUEL: u64 = 50_000;
/// The longest text a template may produce.
pub const MAX_MERGED_CHARS: usize = 1_000_000;

/// Refuses anything in `text` but plain merge fields (`{{ case.reference }}`):
/// text from people who may not edit templates is filled, never run. Loops,
/// conditions, filters and expressions belong in templates.
pub fn check_merge_fields_only(text: &str) -> Result<(), String> {
    let refuse = || {
        "Only merge fields such as {{ constituent.first_name }} can be used here. Loops, conditions and filters belong in a template, which an office manager edits.".to_owned()
    };
    if text.contains("{%") || text.contains("{#") {
        return Err(refuse());
    }
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(refuse());
        };
        let inner = after[..end]
            .trim()
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        if !FIELD_NAMES.contains(&inner) {
            return Err(format!(
                "{{{{ {} }}}} is not a merge field. The fields are: {}.",
                inner.chars().take(60).collect::<String>(),
                FIELD_NAMES
                    .iter()
                    .map(|f| format!("{{{{ {f} }}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        rest = &after[end + 2..];
    }
    Ok(())
}

/// Fills a template. Unknown fields, and fields with no value for this
/// person, are errors naming the field, so nothing goes out with a gap.
/// The template runs with a limit on its work ([`TEMPLATE_FUEL`]) and on
/// the length of what it makes ([`MAX_MERGED_CHARS`]).
pub fn merge(template: &str, fields: &MergeFields) -> Result<String, String> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_fuel(Some(TEMPLATE_FUEL));
    env.set_recursion_limit(20);
    // Plain text: no HTML escaping.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let tmpl = env.template_from_str(template).map_err(|e| {
        format!(
            "The template cannot be read: {}",
            e.detail().unwrap_or("syntax error")
        )
    })?;
    let text = tmpl.render(minijinja::value::Serde(fields)).map_err(|e| match e.kind() {
        minijinja::ErrorKind::UndefinedError => "The template uses a merge field that does not exist; the fields are: {{ constituent.first_name }}, {{ case.reference }}, … (see the list beside the editor).".to_owned(),
        minijinja::ErrorKind::OutOfFuel => "The template does too much work (a loop that runs too long?) and was stopped.".to_owned(),
        _ => format!("The template could not be filled: {}", e.detail().unwrap_or("error")),
    })?;
    if text.chars().count() > MAX_MERGED_CHARS {
        return Err("The template makes a text longer than a million characters.".to_owned());
    }
    // A field that exists but is empty for this person leaves a gap: name it.
    for name in FIELD_NAMES {
        let used = template.contains(&format!("{{{{ {name} }}}}"))
            || template.contains(&format!("{{{{{name}}}}}"));
        if used && value_of(fields, name).is_empty() {
            return Err(format!(
                "The merge field {{{{ {name} }}}} has no value for this letter."
            ));
        }
    }
    Ok(text)
}

fn value_of<'a>(f: &'a MergeFields, name: &str) -> &'a str {
    match name {
        "constituent.first_name" => &f.constituent.first_name,
        "constituent.last_name" => &f.constituent.last_name,
        "constituent.full_name" => &f.constituent.full_name,
        "constituent.email" => &f.constituent.email,
        "constituent.address" => &f.constituent.address,
        "constituent.postcode" => &f.constituent.postcode,
        "case.reference" => &f.case.reference,
        "case.title" => &f.case.title,
        "case.agency" => &f.case.agency,
        "case.category" => &f.case.category,
        "case.opened" => &f.case.opened,
        "case.review_date" => &f.case.review_date,
        "caseworker.name" => &f.caseworker.name,
        "representative.name" => &f.representative.name,
        "office.name" => &f.office.name,
        "agency.name" => &f.agency.name,
        "agency.contact" => &f.agency.contact,
        "agency.address" => &f.agency.address,
        "enquiry.asked" => &f.enquiry.asked,
        "enquiry.sent" => &f.enquiry.sent,
        "enquiry.due" => &f.enquiry.due,
        "enquiry.chases" => &f.enquiry.chases,
        "signer.name" => &f.signer.name,
        "signer.title" => &f.signer.title,
        "today" => &f.today,
        _ => "",
    }
}

/// What goes on the page. Kept with the letter (as JSON) so that letters
/// can be printed again together in one document.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Letter {
    /// Office name, then address lines, at the top.
    pub letterhead: Vec<String>,
    pub date: String,
    /// Recipient's name and address lines.
    pub recipient: Vec<String>,
    pub reference: String,
    /// The text, its sign-off included (it belongs to the template).
    pub body: String,
    /// Letters made before the sign-off moved into templates: "Yours
    /// sincerely," is printed after the body, then these lines (name,
    /// title). Empty for letters made since.
    #[serde(default)]
    pub signature: Vec<String>,
    /// The office's logo when the letter was made (its key in the blob
    /// store), shown at the top right; the caller supplies the image.
    #[serde(default)]
    pub logo: Option<String>,
    /// The paper, and with it where the address sits.
    #[serde(default)]
    pub paper: Paper,
    /// Marked DRAFT on every page (waiting for approval). Not kept with
    /// the letter: it is a state of the letter, not of its layout.
    #[serde(default, skip_serializing)]
    pub draft: bool,
}

/// The paper an office prints on, and the window envelope its letters go
/// in: the address is placed where the window shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    /// A4 (UK, Europe, Australia…), for DL and C5 window envelopes: the
    /// window is 20 mm from the left, its top about 50 mm from the top of
    /// the folded sheet.
    #[default]
    A4,
    /// US Letter (United States, Canada), for No. 10 window envelopes:
    /// the window is 7/8 in from the left, its top about 2 in from the top
    /// of the sheet folded in three.
    Letter,
}

impl Paper {
    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }

    /// The address block: its left edge, its top (from the top of the
    /// sheet) and the height the window shows, in points.
    fn window(self) -> (f32, f32, f32) {
        const MM: f32 = 72.0 / 25.4;
        match self {
            Paper::A4 => (25.0 * MM, 52.0 * MM, 33.0 * MM),
            Paper::Letter => (72.0, 2.125 * 72.0, 1.0 * 72.0),
        }
    }

    /// Settings' words for it.
    pub fn name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }

    pub fn from_name(name: &str) -> Option<Paper> {
        match name {
            "a4" => Some(Paper::A4),
            "letter" => Some(Paper::Letter),
            _ => None,
        }
    }
}

/// Logos by their key, for [`render_pdf`] and [`render_batch`].
pub type Logos = BTreeMap<String, Logo>;

const BODY_SIZE: f32 = 11.0;
const LEADING: f32 = 15.0;
/// Space above the letterhead.
const TOP: f32 = 36.0;

/// Lays out a letter as a PDF. `logos` holds the letter's logo, if it has
/// one; a logo that is not there is left out.
pub fn render_pdf(letter: &Letter, logos: &Logos) -> Vec<u8> {
    render_batch(std::slice::from_ref(letter), logos)
}

/// Lays out several letters as one PDF for printing, each starting on a
/// new page.
pub fn render_batch(letters: &[Letter], logos: &Logos) -> Vec<u8> {
    let mut w = Writer::new();
    for letter in letters {
        lay_out(&mut w, letter, logos);
    }
    w.finish(logos)
}

/// The characters of `text` that no font on this machine can print (a
/// letter would show an empty box for each).
pub fn unprintable(text: &str) -> Vec<char> {
    shape::unprintable(text)
}

fn lay_out(w: &mut Writer, letter: &Letter, logos: &Logos) {
    w.paper = letter.paper;
    w.draft = letter.draft;
    let (left, window_top, window_height) = letter.paper.window();
    w.margin = left;
    w.new_page();
    let (page_w, page_h) = letter.paper.size();
    let width = page_w - 2.0 * left;
    if let Some((key, logo)) = letter.logo.as_ref().and_then(|k| logos.get_key_value(k)) {
        w.logo(key, logo, page_w - left, page_h - TOP + 6.0);
    }
    // The letterhead above the window; lines that would reach into it are
    // run together.
    w.y = page_h - TOP - 16.0;
    if let Some((name, rest)) = letter.letterhead.split_first() {
        w.line(Style::Bold, 16.0, left, name);
        let room = ((window_top - TOP - 16.0 * 1.35 - 12.0) / (9.5 * 1.35)).max(1.0) as usize;
        let mut lines: Vec<String> = rest.to_vec();
        if lines.len() > room {
            let tail = lines.split_off(room - 1).join(" · ");
            lines.push(tail);
        }
        for l in &lines {
            for l in wrap(l, 9.5, width, false) {
                w.line(Style::Regular, 9.5, left, &l);
            }
        }
    }
    // The address in the window; the date and reference on its right.
    let top = page_h - window_top - BODY_SIZE;
    w.y = w.y.min(top);
    let address_top = w.y;
    for l in &letter.recipient {
        w.line(Style::Regular, BODY_SIZE, left, l);
    }
    let below_address = w.y;
    let right = page_w - left;
    let date_w = shape::width(&letter.date, BODY_SIZE, false);
    w.text_at(
        Style::Regular,
        BODY_SIZE,
        right - date_w,
        address_top,
        &letter.date,
    );
    if !letter.reference.is_empty() {
        let r = format!("Our reference: {}", letter.reference);
        let r_w = shape::width(&r, BODY_SIZE, false);
        w.text_at(
            Style::Regular,
            BODY_SIZE,
            (right - r_w).max(left),
            address_top - BODY_SIZE * 1.35,
            &r,
        );
    }
    w.y = below_address.min(page_h - window_top - window_height) - 20.0;
    for paragraph in letter.body.replace("\r\n", "\n").split("\n\n") {
        for raw_line in paragraph.split('\n') {
            for l in wrap(raw_line, BODY_SIZE, width, false) {
                w.line(Style::Regular, BODY_SIZE, left, &l);
            }
        }
        w.gap(LEADING - BODY_SIZE * 0.35);
    }
    if !letter.signature.is_empty() {
        w.gap(6.0);
        w.line(Style::Regular, BODY_SIZE, left, "Yours sincerely,");
        w.gap(34.0);
        for (n, l) in letter.signature.iter().enumerate() {
            let style = if n == 0 { Style::Bold } else { Style::Regular };
            w.line(style, BODY_SIZE, left, l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> MergeFields {
        MergeFields {
            constituent: PersonFields {
                first_name: "Jane".into(),
                last_name: "Doe".into(),
                full_name: "Jane Doe".into(),
                ..Default::default()
            },
            case: CaseFields {
                reference: "CW-2026-00001".into(),
                ..Default::default()
            },
            today: "26 November 2026".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_template_that_does_too_much_is_stopped_quickly() {
        let started = std::time::Instant::now();
        for bomb in [
            "{% for i in range(17000) %}{% for j in range(17000) %}{% endfor %}{% endfor %}x",
            "{% for i in range(100000) %}{% for j in range(100000) %}{% for k in range(100000) %}{% endfor %}{% endfor %}{% endfor %}",
            "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
        ] {
            let e = merge(bomb, &fields()).unwrap_err();
            assert!(
                e.contains("too much work") || e.contains("could not be filled"),
                "{e}"
            );
        }
        // Text that grows: refused before it is all made.
        assert!(merge("{{ 'x' * 10000000000 }}", &fields()).is_err());
        let long = merge("{{ 'x' * 2000000 }}", &fields());
        assert!(long.is_err(), "{long:?}");
        let growing = "{% set s = 'xxxxxxxxxx' %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}{{ s }}";
        assert!(
            merge(growing, &fields())
                .map(|t| t.len() < 1_000)
                .unwrap_or(true)
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // An ordinary letter is well within the limit.
        let letter = "Dear {{ constituent.first_name }},\n{% if case.reference %}Re {{ case.reference }}{% endif %}\n".repeat(200);
        assert!(merge(&letter, &fields()).is_ok());
    }

    #[test]
    fn text_from_people_who_may_not_edit_templates_is_filled_never_run() {
        assert!(
            check_merge_fields_only("Dear {{ constituent.first_name }}, re {{case.reference}}")
                .is_ok()
        );
        assert!(check_merge_fields_only("No fields at all").is_ok());
        for bad in [
            "{% for i in range(3) %}x{% endfor %}",
            "{# comment #}",
            "{{ constituent.first_name | upper }}",
            "{{ range(10) }}",
            "{{ 'x' * 3 }}",
            "{{ unclosed",
        ] {
            assert!(check_merge_fields_only(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn merge_fields_are_filled_and_missing_ones_refused() {
        assert_eq!(
            merge(
                "Dear {{ constituent.first_name }}, re {{ case.reference }}",
                &fields()
            )
            .unwrap(),
            "Dear Jane, re CW-2026-00001"
        );
        let unknown = merge("Dear {{ constituent.nickname }}", &fields()).unwrap_err();
        assert!(unknown.contains("does not exist"), "{unknown}");
        let empty = merge("At {{ constituent.address }}", &fields()).unwrap_err();
        assert!(empty.contains("constituent.address"), "{empty}");
        assert!(merge("{{ broken", &fields()).is_err());
    }

    /// The text of a PDF as `pdftotext` reads it (poppler-utils).
    pub(crate) fn pdftotext(pdf: &[u8], args: &[&str]) -> String {
        let dir = std::env::temp_dir().join(format!(
            "casework-letters-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("letter.pdf");
        std::fs::write(&path, pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(args)
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (apt-get install poppler-utils)");
        std::fs::remove_dir_all(&dir).ok();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn rand_suffix() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        N.fetch_add(1, Ordering::Relaxed)
    }

    /// The page contents, inflated.
    fn contents(pdf: &[u8]) -> String {
        let mut out = String::new();
        let mut rest = pdf;
        while let Some(at) = find(rest, b"stream\n") {
            let body = &rest[at + 7..];
            let end = find(body, b"\nendstream").unwrap_or(body.len());
            if let Ok(data) = miniz_oxide::inflate::decompress_to_vec_zlib(&body[..end]) {
                out.push_str(&String::from_utf8_lossy(&data));
            }
            rest = &body[(end + 10).min(body.len())..];
        }
        out
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    fn letter_to(names: &[&str]) -> Letter {
        Letter {
            letterhead: vec!["Office of Dana Whitfield".into(), "1 Main St".into()],
            date: "26 November 2026".into(),
            recipient: names.iter().map(|n| n.to_string()).collect(),
            reference: "CW-2026-00001".into(),
            body: names
                .iter()
                .map(|n| format!("Dear {n},\n\nThank you."))
                .collect::<Vec<_>>()
                .join("\n\n"),
            ..Letter::default()
        }
    }

    /// Names in the scripts constituency offices write to, and what
    /// `pdftotext` must give back for each.
    const NAMES: &[(&str, &str)] = &[
        ("Latin Extended", "Łukasz Wróblewski-Żółć"),
        ("Vietnamese", "Nguyễn Thị Minh Khai"),
        ("Greek", "Αλέξανδρος Παπαδόπουλος"),
        ("Cyrillic", "Александр Иванович Щербаков"),
        ("Arabic", "محمد عبد الرحمن"),
        ("Arabic with lam-alef", "صلاح الدين"),
        ("Hebrew", "דוד בן גוריון"),
        ("Chinese", "王秀英"),
        ("Japanese", "山田 はなこ カタカナ"),
        ("Korean", "김민준"),
    ];

    #[test]
    fn every_script_prints_and_reads_back_exactly() {
        let letter = letter_to(&NAMES.iter().map(|n| n.1).collect::<Vec<_>>());
        let pdf = render_pdf(&letter, &Logos::new());
        // pdftotext wraps right-to-left runs in directional marks (RLE …
        // PDF), invisible formatting characters; the names inside must be
        // exact.
        let text: String = pdftotext(&pdf, &[])
            .chars()
            .filter(|c| !('\u{202a}'..='\u{202e}').contains(c))
            .collect();
        for (script, name) in NAMES {
            assert!(
                text.lines().any(|l| l.trim() == *name),
                "{script}: {name} not read back from:\n{text}"
            );
            assert!(
                text.contains(&format!("Dear {name},")),
                "{script}: Dear {name}, not read back"
            );
        }
        assert!(!text.contains('?'), "{text}");
        // Fonts are embedded, cut down: nothing is left to a viewer's own.
        let raw = String::from_utf8_lossy(&pdf);
        assert!(raw.contains("/FontFile2"));
        assert!(!raw.contains("/Helvetica"));
        assert!(
            pdf.len() < 400_000,
            "subset fonts stay small: {}",
            pdf.len()
        );
    }

    /// Where `pdftotext -bbox` puts a word: (left, top, bottom) in points
    /// from the top left of the page.
    fn word_box(pdf: &[u8], word: &str) -> (f32, f32, f32) {
        let html = pdftotext(pdf, &["-bbox"]);
        let line = html
            .lines()
            .find(|l| l.ends_with(&format!(">{word}</word>")))
            .unwrap_or_else(|| panic!("{word} in {html}"));
        let attr = |name: &str| -> f32 {
            let at = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            line[at..].split('"').next().unwrap().parse().unwrap()
        };
        (attr("xMin"), attr("yMin"), attr("yMax"))
    }

    #[test]
    fn the_address_sits_in_the_window_of_the_office_envelope() {
        const MM: f32 = 72.0 / 25.4;
        let letter = Letter {
            letterhead: (0..8).map(|n| format!("Letterhead line {n}")).collect(),
            recipient: vec![
                "Zedname Quill".into(),
                "12 Elm Street".into(),
                "Riverside".into(),
                "Postcodeword".into(),
            ],
            date: "26 November 2026".into(),
            body: "Dear Zed,".into(),
            ..Letter::default()
        };
        // A4, DL or C5: window 20 mm from the left, about 50–85 mm down.
        let a4 = render_pdf(&letter, &Logos::new());
        let (x, top, _) = word_box(&a4, "Zedname");
        let (_, _, bottom) = word_box(&a4, "Postcodeword");
        assert!((20.0 * MM..30.0 * MM).contains(&x), "left {x}");
        assert!(top >= 50.0 * MM && bottom <= 85.0 * MM, "{top}..{bottom}");
        // The letterhead, however long, stays above the window.
        let (_, _, head) = word_box(&a4, "7");
        assert!(head < 50.0 * MM, "letterhead ends at {head}");
        // US Letter, No. 10: window 7/8 in from the left, about 2–3.17 in down.
        let us = render_pdf(
            &Letter {
                paper: Paper::Letter,
                ..letter
            },
            &Logos::new(),
        );
        let (x, top, _) = word_box(&us, "Zedname");
        let (_, _, bottom) = word_box(&us, "Postcodeword");
        assert!((0.875 * 72.0..1.25 * 72.0).contains(&x), "left {x}");
        assert!(
            top >= 2.0 * 72.0 && bottom <= 3.17 * 72.0,
            "{top}..{bottom}"
        );
    }

    #[test]
    fn long_paragraphs_wrap_within_the_margins() {
        let width = Paper::A4.size().0 - 2.0 * 64.0;
        let lines = wrap(&"word ".repeat(200), BODY_SIZE, width, false);
        assert!(lines.len() > 5);
        assert!(
            lines
                .iter()
                .all(|l| shape::width(l, BODY_SIZE, false) <= width)
        );
    }

    #[test]
    fn the_logo_is_drawn_once_per_letter_and_embedded_once() {
        let logo = Logo::read(&logo::tests::png(30, 12)).unwrap();
        let logos = Logos::from([("k1".to_owned(), logo)]);
        let letter = Letter {
            letterhead: vec!["Office".into()],
            body: "Dear Jane,".into(),
            logo: Some("k1".into()),
            ..Letter::default()
        };
        let pdf = render_batch(&[letter.clone(), letter.clone()], &logos);
        let text = String::from_utf8_lossy(&pdf);
        assert_eq!(
            text.matches("/Subtype /Image").count(),
            2,
            "the image and its mask"
        );
        assert_eq!(
            contents(&pdf).matches("/Im0 Do").count(),
            2,
            "drawn on both letters"
        );
        assert!(text.contains("/Width 30") && text.contains("/Height 12"));
        // A letter whose logo is not supplied is laid out without it.
        let none = render_pdf(&letter, &Logos::new());
        assert!(!String::from_utf8_lossy(&none).contains("/Subtype /Image"));
    }

    #[test]
    fn a_letter_is_a_pdf_and_long_ones_get_more_pages() {
        let letter = Letter {
            letterhead: vec!["Office of Dana Whitfield".into(), "1 Main St".into()],
            date: "26 November 2026".into(),
            recipient: vec!["Jane Doe".into()],
            reference: "CW-2026-00001".into(),
            body: "Dear Jane,\n\nThank you.".into(),
            signature: vec!["Dana Whitfield".into()],
            ..Letter::default()
        };
        let pdf = render_pdf(&letter, &Logos::new());
        assert!(pdf.starts_with(b"%PDF-"));
        let long = Letter {
            body: "A paragraph of text.\n\n".repeat(120),
            ..letter
        };
        let pdf2 = render_pdf(&long, &Logos::new());
        let pages = String::from_utf8_lossy(&pdf2)
            .matches("/Type /Page\n")
            .count()
            + String::from_utf8_lossy(&pdf2)
                .matches("/Type /Page ")
                .count();
        assert!(pages >= 2 || pdf2.len() > pdf.len() * 2);
    }

    #[test]
    fn a_batch_puts_each_letter_on_its_own_pages() {
        let one = Letter {
            letterhead: vec!["Office".into()],
            recipient: vec!["Jane Doe".into()],
            body: "Dear Jane,".into(),
            ..Default::default()
        };
        let two = Letter {
            recipient: vec!["John Roe".into()],
            ..one.clone()
        };
        let pdf = String::from_utf8_lossy(&render_batch(&[one, two], &Logos::new())).into_owned();
        assert!(pdf.contains("/Count 2"), "two letters, two pages");
    }
}
