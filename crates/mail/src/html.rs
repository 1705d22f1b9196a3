//! Sanitising the HTML of incoming mail: no scripts, no styles that can
//! phone home, no remote images (tracking pixels), links that open safely.

use std::borrow::Cow;
use std::collections::HashSet;

/// Cleans HTML for display. Remote images are removed (only inline `cid:`
/// and `data:` images stay), so opening a message never tells the sender.
pub fn sanitise_html(html: &str) -> String {
    let tags: HashSet<&str> = [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "font",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]
    .into_iter()
    .collect();
    let cleaned = ammonia::Builder::default()
        .tags(tags)
        .add_tag_attributes("img", ["src", "alt", "width", "height"])
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .add_tag_attributes("th", ["colspan", "rowspan"])
        .url_schemes(
            ["http", "https", "mailto", "tel", "cid", "data"]
                .into_iter()
                .collect(),
        )
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(|element, attribute, value| {
            if element == "img" && attribute == "src" {
                let v = value.trim_start().to_ascii_lowercase();
                return if v.starts_with("cid:") || v.starts_with("data:image/") {
                    Some(Cow::Borrowed(value))
                } else {
                    None
                };
            }
            if element == "a"
                && attribute == "href"
                && value.trim_start().to_ascii_lowercase().starts_with("data:")
            {
                return None;
            }
            Some(Cow::Borrowed(value))
        })
        .clean(html)
        .to_string();
    with_empty_alt(&cleaned)
}

/// Images without `alt` (often the tracking pixels whose source was removed)
/// get an empty one, so screen readers skip them instead of reading file names.
fn with_empty_alt(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("<img") {
        let (before, tag_start) = rest.split_at(i);
        out.push_str(before);
        let end = tag_start
            .find('>')
            .map(|e| e + 1)
            .unwrap_or(tag_start.len());
        let tag = &tag_start[..end];
        if tag.contains(" alt=") {
            out.push_str(tag);
        } else {
            out.push_str("<img alt=\"\"");
            out.push_str(&tag[4..]);
        }
        rest = &tag_start[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::sanitise_html;

    #[test]
    fn scripts_handlers_and_remote_images_are_removed() {
        let dirty = r#"<p onclick="x()">Hi<script>alert(1)</script></p><img src="https://track.example/p.gif"><img src="cid:logo"><a href="javascript:evil()">x</a><a href="https://ok.example">ok</a><style>body{background:url(https://t.example)}</style>"#;
        let clean = sanitise_html(dirty);
        assert!(!clean.contains("script"));
        assert!(!clean.contains("onclick"));
        assert!(!clean.contains("track.example"));
        assert!(clean.contains("cid:logo"));
        assert!(!clean.contains("javascript"));
        assert!(clean.contains("https://ok.example"));
        assert!(clean.contains("noopener"));
        assert!(!clean.contains("t.example"));
        assert!(clean.contains("<img alt=\"\""), "{clean}");
    }
}
