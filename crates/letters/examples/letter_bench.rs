//! How long one letter takes: merge a template and lay out a one-page
//! letter as PDF. `cargo run --release -p casework-letters --example letter_bench`
//! prints the median and 95th percentile over many runs.

use casework_letters::{
    CaseFields, Letter, Logo, Logos, MergeFields, NameField, OfficeFields, PersonFields, merge,
    render_pdf,
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
        ..Default::default()
    };
    let template = "Dear {{ constituent.first_name }},\n\nThank you for contacting me about {{ case.title }}. I have written to the {{ case.agency }} on your behalf and asked them to review your file urgently. They usually reply within three weeks; my office will let you know as soon as we hear back.\n\nIf anything changes in the meantime, please quote your reference {{ case.reference }} when you contact my office.\n\nYours sincerely,\n\n\nDana Whitfield\nMember for Riverside Centre";
    // A logo of a usual size: 600 × 200 pixels, RGBA.
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, 600, 200);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("png");
        let pixels: Vec<u8> = (0..600 * 200 * 4).map(|i| (i % 253) as u8).collect();
        w.write_image_data(&pixels).expect("png");
    }
    // A name in each script letters must print (Chinese, Japanese and
    // Korean come from the machine's fonts: fonts-noto-cjk).
    let every_script =
        "Łukasz Nguyễn Αλέξανδρος Александр محمد عبد الرحمن דוד 王秀英 山田はなこ 김민준";
    for (label, logo, name) in [
        ("without a logo", None, "Jane Sample"),
        ("with a 600 x 200 PNG logo", Some(png), "Jane Sample"),
        ("to names in every script", None, every_script),
    ] {
        let runs = 2000;
        let mut times = Vec::with_capacity(runs);
        let mut bytes = 0;
        for _ in 0..runs {
            let start = Instant::now();
            let body = merge(template, &fields)
                .expect("template")
                .replace("Dear Jane", &format!("Dear {name}"));
            let letter = Letter {
                letterhead: vec![
                    fields.office.name.clone(),
                    "100 Main Street".into(),
                    "Riverside, MB R2C 0A1".into(),
                ],
                date: fields.today.clone(),
                recipient: vec![
                    name.to_owned(),
                    "12 Elm Street".into(),
                    "Riverside".into(),
                    "R2C 1A1".into(),
                ],
                reference: fields.case.reference.clone(),
                body,
                logo: logo.as_ref().map(|_| "logo".to_owned()),
                ..Letter::default()
            };
            // As the app does for each letter: read the stored logo, then lay out.
            let logos: Logos = logo
                .iter()
                .map(|png| ("logo".to_owned(), Logo::read(png).expect("logo")))
                .collect();
            bytes = render_pdf(&letter, &logos).len();
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.total_cmp(b));
        let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
        println!(
            "one-page letter {label} ({bytes} bytes), {runs} runs: median {:.3} ms, p95 {:.3} ms, max {:.3} ms",
            pct(0.5),
            pct(0.95),
            times[times.len() - 1]
        );
    }
}
