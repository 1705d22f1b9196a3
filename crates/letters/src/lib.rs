//! Letters: merge fields filled into a template (with `minijinja`, strict:
//! a field without a value is an error, not a blank), and a letter laid out
//! on the office's letterhead as PDF (with `pdf-writer`, the standard
//! Helvetica fonts, so nothing has to be embedded).

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
use serde::Serialize;
use std::collections::BTreeMap;

mod logo;
mod report;
use logo::Pixels;
pub use logo::{Logo, MAX_LOGO_BYTES};
pub use report::{Report, Section, render_report};

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
    /// Today's date, written out ("26 November 2026").
    pub today: String,
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
    pub body: String,
    /// "Yours sincerely," is followed by these lines (name, title).
    pub signature: Vec<String>,
    /// The office's logo when the letter was made (its key in the blob
    /// store), shown at the top right; the caller supplies the image.
    #[serde(default)]
    pub logo: Option<String>,
}

/// Logos by their key, for [`render_pdf`] and [`render_batch`].
pub type Logos = BTreeMap<String, Logo>;

/// The logo's box at the top right: at most this high and wide (points).
const LOGO_MAX_H: f32 = 56.0;
const LOGO_MAX_W: f32 = 170.0;

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 64.0;
const BODY_SIZE: f32 = 11.0;
const LEADING: f32 = 15.0;

/// Approximate Helvetica advance widths (per 1000 em) for wrapping.
fn char_width(c: char) -> f32 {
    match c {
        'i' | 'j' | 'l' | '\'' | '|' | '.' | ',' | ':' | ';' | '!' => 222.0,
        'f' | 't' | 'r' | 'I' | ' ' | '(' | ')' | '[' | ']' | '/' | '-' => 300.0,
        'm' | 'M' => 833.0,
        'w' | 'W' => 760.0,
        'A'..='Z' => 680.0,
        '0'..='9' => 556.0,
        _ => 530.0,
    }
}

fn text_width(s: &str, size: f32) -> f32 {
    s.chars().map(char_width).sum::<f32>() * size / 1000.0
}

/// Breaks a paragraph into lines no wider than `width`.
fn wrap(paragraph: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in paragraph.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, size) <= width || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_owned();
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Windows-1252 bytes for the standard fonts; characters it lacks become '?'.
fn winansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c as u32 {
            0x20..=0x7e | 0xa0..=0xff => c as u32 as u8,
            0x20ac => 0x80,
            0x2018 => 0x91,
            0x2019 => 0x92,
            0x201c => 0x93,
            0x201d => 0x94,
            0x2022 => 0x95,
            0x2013 => 0x96,
            0x2014 => 0x97,
            0x2026 => 0x85,
            _ => b'?',
        })
        .collect()
}

struct Writer {
    pages: Vec<Content>,
    y: f32,
    /// Logos placed so far, in the order their images are written.
    images: Vec<String>,
}

impl Writer {
    fn new() -> Self {
        Writer {
            pages: vec![Content::new()],
            y: PAGE_H - MARGIN,
            images: Vec::new(),
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_H - MARGIN;
    }

    fn line(&mut self, font: &[u8], size: f32, x: f32, text: &str) {
        self.same_line(font, size, x, text);
        self.y -= size * 1.35;
    }

    /// Draws text on the current line without moving down (a label with
    /// its value beside it), starting a new page at the foot of one.
    fn same_line(&mut self, font: &[u8], size: f32, x: f32, text: &str) {
        if self.y < MARGIN + LEADING {
            self.new_page();
        }
        let page = self.pages.last_mut().unwrap_or_else(|| unreachable!());
        page.begin_text();
        page.set_font(Name(font), size);
        page.next_line(x, self.y);
        page.show(Str(&winansi(text)));
        page.end_text();
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// Draws a logo with its top right corner at the page's top margin.
    fn logo(&mut self, key: &str, logo: &Logo) {
        let index = match self.images.iter().position(|k| k == key) {
            Some(i) => i,
            None => {
                self.images.push(key.to_owned());
                self.images.len() - 1
            }
        };
        let (w, h) = (logo.width as f32, logo.height as f32);
        let scale = (LOGO_MAX_H / h).min(LOGO_MAX_W / w);
        let (w, h) = (w * scale, h * scale);
        let page = self.pages.last_mut().unwrap_or_else(|| unreachable!());
        page.save_state();
        page.transform([
            w,
            0.0,
            0.0,
            h,
            PAGE_W - MARGIN - w,
            PAGE_H - MARGIN + 12.0 - h,
        ]);
        page.x_object(Name(format!("Im{index}").as_bytes()));
        page.restore_state();
    }
}

/// Lays out a letter as a PDF (A4). `logos` holds the letter's logo, if it
/// has one; a logo that is not there is left out.
pub fn render_pdf(letter: &Letter, logos: &Logos) -> Vec<u8> {
    render_batch(std::slice::from_ref(letter), logos)
}

/// Lays out several letters as one PDF for printing, each starting on a
/// new page.
pub fn render_batch(letters: &[Letter], logos: &Logos) -> Vec<u8> {
    let mut w = Writer::new();
    for (n, letter) in letters.iter().enumerate() {
        if n > 0 {
            w.new_page();
        }
        lay_out(&mut w, letter, logos);
    }
    finish(w, logos)
}

fn lay_out(w: &mut Writer, letter: &Letter, logos: &Logos) {
    let width = PAGE_W - 2.0 * MARGIN;
    if let Some((key, logo)) = letter.logo.as_ref().and_then(|k| logos.get_key_value(k)) {
        w.logo(key, logo);
    }
    if let Some((name, rest)) = letter.letterhead.split_first() {
        w.line(b"F2", 16.0, MARGIN, name);
        for l in rest {
            w.line(b"F1", 9.5, MARGIN, l);
        }
    }
    w.gap(24.0);
    for l in &letter.recipient {
        w.line(b"F1", BODY_SIZE, MARGIN, l);
    }
    w.gap(14.0);
    let date_x = PAGE_W - MARGIN - text_width(&letter.date, BODY_SIZE);
    w.line(b"F1", BODY_SIZE, date_x.max(MARGIN), &letter.date);
    if !letter.reference.is_empty() {
        w.line(
            b"F1",
            BODY_SIZE,
            MARGIN,
            &format!("Our reference: {}", letter.reference),
        );
    }
    w.gap(14.0);
    for paragraph in letter.body.replace("\r\n", "\n").split("\n\n") {
        for raw_line in paragraph.split('\n') {
            for l in wrap(raw_line, BODY_SIZE, width) {
                w.line(b"F1", BODY_SIZE, MARGIN, &l);
            }
        }
        w.gap(LEADING - BODY_SIZE * 0.35);
    }
    w.gap(6.0);
    w.line(b"F1", BODY_SIZE, MARGIN, "Yours sincerely,");
    w.gap(34.0);
    for (n, l) in letter.signature.iter().enumerate() {
        w.line(if n == 0 { b"F2" } else { b"F1" }, BODY_SIZE, MARGIN, l);
    }
}

fn finish(w: Writer, logos: &Logos) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let first_page = 10;
    let page_ids: Vec<Ref> = (0..w.pages.len())
        .map(|n| Ref::new(first_page + 2 * n as i32))
        .collect();
    // Each image and its soft mask after the pages.
    let image_ids: Vec<(Ref, Ref)> = (0..w.images.len())
        .map(|n| {
            let id = first_page + 2 * w.pages.len() as i32 + 2 * n as i32;
            (Ref::new(id), Ref::new(id + 1))
        })
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for (n, content) in w.pages.into_iter().enumerate() {
        let page_id = page_ids[n];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
        fonts.finish();
        if !image_ids.is_empty() {
            let mut xobjects = resources.x_objects();
            for (n, (id, _)) in image_ids.iter().enumerate() {
                xobjects.pair(Name(format!("Im{n}").as_bytes()), *id);
            }
            xobjects.finish();
        }
        resources.finish();
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    for (key, (id, mask_id)) in w.images.iter().zip(&image_ids) {
        let Some(logo) = logos.get(key) else { continue };
        let (width, height) = (logo.width as i32, logo.height as i32);
        match &logo.pixels {
            Pixels::Jpeg { data, components } => {
                let mut image = pdf.image_xobject(*id, data);
                image.filter(Filter::DctDecode);
                image.width(width).height(height).bits_per_component(8);
                match components {
                    1 => image.color_space().device_gray(),
                    4 => image.color_space().device_cmyk(),
                    _ => image.color_space().device_rgb(),
                }
            }
            Pixels::Flate { data, rgb, alpha } => {
                let mut image = pdf.image_xobject(*id, data);
                image.filter(Filter::FlateDecode);
                image.width(width).height(height).bits_per_component(8);
                if alpha.is_some() {
                    image.s_mask(*mask_id);
                }
                if *rgb {
                    image.color_space().device_rgb();
                } else {
                    image.color_space().device_gray();
                }
                image.finish();
                if let Some(a) = alpha {
                    let mut mask = pdf.image_xobject(*mask_id, a);
                    mask.filter(Filter::FlateDecode);
                    mask.width(width).height(height).bits_per_component(8);
                    mask.color_space().device_gray();
                }
            }
        }
    }
    pdf.finish()
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

    #[test]
    fn long_paragraphs_wrap_within_the_margins() {
        let lines = wrap(&"word ".repeat(200), BODY_SIZE, PAGE_W - 2.0 * MARGIN);
        assert!(lines.len() > 5);
        assert!(
            lines
                .iter()
                .all(|l| text_width(l, BODY_SIZE) <= PAGE_W - 2.0 * MARGIN)
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
        assert_eq!(text.matches("/Im0 Do").count(), 2, "drawn on both letters");
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
            logo: None,
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
