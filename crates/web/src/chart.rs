//! Line charts drawn on the server as SVG: no script, readable in print,
//! with a title and description for screen readers (the table beside the
//! chart is the full accessible form). Lines differ in colour and in dash
//! pattern, so colour is never the only difference.

/// Strokes with at least 3:1 contrast against white, and a dash pattern each.
const STYLES: [(&str, &str); 6] = [
    ("#1f4e99", ""),
    ("#b3261e", "8 4"),
    ("#1b6e3a", "2 3"),
    ("#6b3fa0", "10 3 2 3"),
    ("#8a5a00", "4 4"),
    ("#00677f", "12 6"),
];

/// One line: its name and a value per point.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: &'a [i64],
}

/// The legend entry of a line: its colour and dash pattern, for a key
/// drawn beside the chart.
pub fn style(i: usize) -> (&'static str, &'static str) {
    STYLES[i % STYLES.len()]
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A line chart of `series` over the points named `labels`, as an SVG
/// element. `id` makes the title and description ids unique on the page.
pub fn line_chart(
    id: &str,
    title: &str,
    description: &str,
    labels: &[String],
    series: &[Series<'_>],
) -> String {
    let (w, h) = (720.0_f64, 300.0_f64);
    let (left, right, top, bottom) = (48.0, 12.0, 12.0, 48.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    // A round top for the axis: 1, 2 or 5 times a power of ten.
    let mut step = 1i64;
    while step * 10 < max {
        step *= 10;
    }
    let top_value = [1, 2, 5, 10]
        .iter()
        .map(|m| m * step)
        .find(|v| *v >= max)
        .unwrap_or(max);
    let n = labels.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: i64| top + plot_h - plot_h * v as f64 / top_value as f64;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(description)
    );
    for g in 0..=4 {
        let v = top_value * g / 4;
        let gy = y(v);
        svg.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{gy:.1}\" y2=\"{gy:.1}\" stroke=\"#d0d4d9\" stroke-width=\"1\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" fill=\"#333\">{v}</text>",
            w - right,
            left - 6.0,
            gy + 4.0
        ));
    }
    // At most about 12 labels along the bottom.
    let every = n.div_ceil(12);
    for (i, label) in labels.iter().enumerate() {
        if i % every == 0 || i == n - 1 {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#333\">{}</text>",
                x(i),
                h - bottom + 18.0,
                escape(label)
            ));
        }
    }
    for (i, s) in series.iter().enumerate() {
        let (colour, dash) = style(i);
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(j, v)| format!("{:.1},{:.1}", x(j), y(*v)))
            .collect();
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\"{} points=\"{}\"><title>{}</title></polyline>",
            if dash.is_empty() {
                String::new()
            } else {
                format!(" stroke-dasharray=\"{dash}\"")
            },
            points.join(" "),
            escape(s.name)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A horizontal bar chart of `(label, value)` rows (at most 20 shown), as
/// an SVG element with a title and description.
pub fn bar_chart(id: &str, title: &str, description: &str, rows: &[(String, i64)]) -> String {
    let rows = &rows[..rows.len().min(20)];
    let (w, bar, gap, left, right, top) =
        (720.0_f64, 18.0_f64, 8.0_f64, 260.0_f64, 48.0_f64, 8.0_f64);
    let h = top * 2.0 + rows.len().max(1) as f64 * (bar + gap);
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(description)
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = top + i as f64 * (bar + gap);
        let len = (w - left - right) * *v as f64 / max;
        let short: String = label.chars().take(38).collect();
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" fill=\"#333\">{}</text>\
             <rect x=\"{left}\" y=\"{y:.1}\" width=\"{len:.1}\" height=\"{bar}\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#333\">{v}</text>",
            left - 6.0,
            y + bar - 5.0,
            escape(&short),
            STYLES[0].0,
            left + len + 4.0,
            y + bar - 5.0,
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_names_itself_and_escapes_text() {
        let labels = vec!["Jan".to_owned(), "Feb".to_owned()];
        let svg = line_chart(
            "t",
            "Cases <by> month",
            "Housing rose",
            &labels,
            &[Series {
                name: "A & B",
                values: &[1, 7],
            }],
        );
        assert!(svg.contains("aria-labelledby=\"t-title t-desc\""));
        assert!(svg.contains("Cases &lt;by&gt; month"));
        assert!(svg.contains("A &amp; B"));
        assert!(
            svg.contains(">10</text>"),
            "the axis rounds up to 10: {svg}"
        );
    }
}
