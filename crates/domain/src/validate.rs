//! Validation of what people type, and the search terms derived from it.

use serde::Serialize;
use std::collections::BTreeMap;

/// Constant-time comparison of secrets (tokens, codes), so one cannot be
/// guessed byte by byte from how long a refusal takes.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Is `c` a bidirectional formatting control (U+202A–U+202E embeddings and
/// overrides, U+2066–U+2069 isolates, the marks U+200E, U+200F, U+061C)?
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `text` without bidirectional controls. In a name they serve only to
/// disguise it: "\u{202E}fdp.exe" shows as "exe.pdf". Right-to-left scripts
/// need none of them to display correctly.
pub fn without_bidi_controls(text: &str) -> String {
    text.chars().filter(|c| !is_bidi_control(*c)).collect()
}

/// A file name safe to offer for download: no paths, no control characters,
/// no bidirectional controls (which disguise "\u{202E}fdp.exe" as "exe.pdf").
pub fn safe_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c) && !"<>:\"|?*".contains(*c))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "attachment".into()
    } else {
        cleaned
    }
}

/// Problems with individual fields of a form or API body, keyed by field name,
/// each with a message a caseworker understands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Trims `value` and checks it is present and not longer than `max` characters.
    pub fn required(&mut self, field: &str, label: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.add(field, format!("{label} is required."));
        } else if v.chars().count() > max {
            self.add(field, format!("{label} must be at most {max} characters."));
        }
        v.to_owned()
    }

    /// Trims `value` and checks its length; empty is allowed.
    pub fn optional(&mut self, field: &str, label: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.chars().count() > max {
            self.add(field, format!("{label} must be at most {max} characters."));
        }
        v.to_owned()
    }

    /// A person's or a file's name: like [`Self::required`] or
    /// [`Self::optional`], with bidirectional controls removed (see
    /// [`without_bidi_controls`]).
    pub fn name(
        &mut self,
        field: &str,
        label: &str,
        value: &str,
        max: usize,
        required: bool,
    ) -> String {
        let cleaned = without_bidi_controls(value);
        if required {
            self.required(field, label, &cleaned, max)
        } else {
            self.optional(field, label, &cleaned, max)
        }
    }

    /// Checks an optional email address; returns it lower-cased.
    pub fn email(&mut self, field: &str, value: &str) -> String {
        let v = value.trim();
        if v.is_empty() {
            return String::new();
        }
        match normalise_email(v) {
            Some(e) => e,
            None => {
                self.add(field, "Enter an email address like name@example.org.");
                v.to_owned()
            }
        }
    }

    /// Checks an optional phone number: digits with the usual punctuation.
    pub fn phone(&mut self, field: &str, value: &str) -> String {
        let v = value.trim();
        if v.is_empty() {
            return String::new();
        }
        let digits = v.chars().filter(char::is_ascii_digit).count();
        let allowed = v
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c) || c == 'x');
        if !allowed || !(6..=20).contains(&digits) {
            self.add(
                field,
                "Enter a phone number of 6 to 20 digits, like 613-555-0142.",
            );
        }
        v.to_owned()
    }

    /// Checks an optional calendar date written as YYYY-MM-DD.
    pub fn date(&mut self, field: &str, label: &str, value: &str) -> Option<String> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        if is_valid_date(v) {
            Some(v.to_owned())
        } else {
            self.add(field, format!("{label} must be a date like 2026-12-31."));
            None
        }
    }
}

/// Whether `v` is a real calendar day written `YYYY-MM-DD` (digits only).
pub fn is_valid_date(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return false;
    }
    if ![y, m, d]
        .iter()
        .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2200).contains(&y) && (1..=days).contains(&d)
}

/// Lower-cases and checks the shape of an email address (one `@`, a dotted
/// domain, no spaces). Deliverability is not our business here.
pub fn normalise_email(text: &str) -> Option<String> {
    let e = text.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && domain.len() <= 253
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c));
    ok.then_some(e)
}

/// Splits free text into search tokens: runs of letters and digits,
/// lower-cased and without accents ("Chloé" → "chloe").
pub fn tokens(text: &str) -> Vec<String> {
    crate::search::words(text)
}

/// The prefix-searchable terms of a constituent: each name token and the
/// name written together, the whole email, its local part and domains, the
/// phone's digits (whole and the last seven), the postcode without spaces,
/// address tokens, and the whole name and the whole address (with and
/// without its house number) as phrases.
pub fn search_terms(
    first_name: &str,
    last_name: &str,
    email: &str,
    phone: &str,
    postcode: &str,
    address: &str,
) -> Vec<String> {
    let mut terms = Vec::new();
    for name in [first_name, last_name] {
        let t = tokens(name);
        // Written together as well: "O'Brien" is found by "obrien", "Da
        // Silva" by "dasilva", "Mary-Jane" by "maryjane".
        if t.len() > 1 {
            terms.push(t.concat());
        }
        terms.extend(t);
    }
    let email = crate::search::fold(email.trim());
    if !email.is_empty() {
        if let Some((local, domain)) = email.split_once('@') {
            terms.push(local.to_owned());
            // The domain and each shorter one it ends with ("mail.example.org",
            // "example.org"), so "gmail" or "@example.org" finds its people.
            let mut d = domain;
            while d.contains('.') {
                terms.push(d.to_owned());
                d = &d[d.find('.').map_or(d.len(), |i| i + 1)..];
            }
        }
        terms.push(email);
    }
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        if digits.len() > 7 {
            terms.push(digits[digits.len() - 7..].to_owned());
            // Without a leading country code 1 as well, so "613…" finds "+1 613…".
            if let Some(rest) = digits.strip_prefix('1') {
                terms.push(rest.to_owned());
            }
        }
        terms.push(digits);
    }
    let pc: String = tokens(postcode).concat();
    if !pc.is_empty() {
        terms.push(pc);
    }
    let address = tokens(address);
    // The whole address, and the street without its house number, as one
    // term each: "12 maple avenue" and "maple ave" are one range scan, not
    // an intersection of words every other person shares.
    if address.len() > 1 {
        terms.push(address.join(" "));
        let street: Vec<&String> = address
            .iter()
            .skip_while(|t| t.chars().all(|c| c.is_ascii_digit()))
            .collect();
        if street.len() > 1 && street.len() < address.len() {
            terms.push(
                street
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    terms.extend(address.into_iter().filter(|t| t.len() > 1));
    // Whole names both ways round, so "mei chen" and "chen mei" are one range
    // scan rather than an intersection of two common prefixes.
    let (first, last) = (tokens(first_name).join(" "), tokens(last_name).join(" "));
    if !first.is_empty() && !last.is_empty() {
        terms.push(format!("{first} {last}"));
        terms.push(format!("{last} {first}"));
    }
    terms.sort();
    terms.dedup();
    terms.retain(|t| t.len() <= 120);
    terms
}

/// Turns a person's search text into the prefixes to look up: tokens of the
/// text, with a phone number or postcode typed with spaces kept together.
pub fn query_prefixes(q: &str) -> Vec<String> {
    let q = crate::search::fold(q.trim());
    if q.is_empty() {
        return Vec::new();
    }
    // "@example.org": everyone at that domain.
    if let Some(domain) = q.strip_prefix('@') {
        let domain = domain.trim();
        return if domain.is_empty() {
            Vec::new()
        } else {
            vec![domain.to_owned()]
        };
    }
    if q.contains('@') {
        return vec![q];
    }
    let compact: String = q.chars().filter(|c| c.is_alphanumeric()).collect();
    let digits = q.chars().filter(char::is_ascii_digit).count();
    // Mostly digits: a phone number, however it is punctuated.
    if digits >= 3 && digits * 2 >= compact.len() && compact.chars().all(|c| c.is_ascii_digit()) {
        return vec![compact];
    }
    // A postcode typed with a space ("K1A 0B1"): letters and digits mixed in short parts.
    let parts = tokens(&q);
    if parts.len() == 2
        && parts
            .iter()
            .all(|p| p.len() <= 4 && p.chars().any(|c| c.is_ascii_digit()))
    {
        return vec![compact];
    }
    parts
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_digits_only() {
        let mut e = super::FieldErrors::new();
        assert_eq!(e.date("d", "D", "2026-02-28"), Some("2026-02-28".into()));
        for bad in ["2026-+1-+5", "2026-02-30", "+026-01-01", "2026-1-01"] {
            let mut e = super::FieldErrors::new();
            assert_eq!(e.date("d", "D", bad), None, "{bad}");
        }
    }

    use super::*;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            normalise_email(" Jo@Example.ORG "),
            Some("jo@example.org".into())
        );
        for bad in [
            "jo",
            "jo@",
            "@x.org",
            "jo@example",
            "jo smith@x.org",
            "a@b@c.org",
        ] {
            assert_eq!(normalise_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_are_checked_for_real_days() {
        let mut e = FieldErrors::new();
        assert_eq!(e.date("d", "Date", "2028-02-29"), Some("2028-02-29".into()));
        assert_eq!(e.date("d", "Date", "2027-02-29"), None);
        assert!(e.get("d").is_some());
    }

    #[test]
    fn search_terms_cover_names_email_phone_and_postcode() {
        let t = search_terms(
            "Amélie",
            "O'Neil",
            "A.Oneil@Example.org",
            "+1 (613) 555-0142",
            "K1A 0B1",
            "12 Elm Street",
        );
        for want in [
            "amelie",
            "o",
            "neil",
            "oneil",
            "example.org",
            "a.oneil@example.org",
            "a.oneil",
            "16135550142",
            "6135550142",
            "5550142",
            "k1a0b1",
            "elm",
            "street",
            "12",
            "12 elm street",
            "elm street",
        ] {
            assert!(t.contains(&want.to_string()), "missing {want} in {t:?}");
        }
    }

    #[test]
    fn queries_keep_phone_numbers_and_postcodes_together() {
        assert_eq!(query_prefixes("613-555"), vec!["613555"]);
        assert_eq!(query_prefixes("k1a 0b1"), vec!["k1a0b1"]);
        assert_eq!(query_prefixes("Jane  Smith"), vec!["jane", "smith"]);
        assert_eq!(query_prefixes("  "), Vec::<String>::new());
        assert_eq!(query_prefixes("Chloé"), vec!["chloe"]);
        assert_eq!(query_prefixes("@Example.org"), vec!["example.org"]);
        assert_eq!(query_prefixes("@"), Vec::<String>::new());
    }

    #[test]
    fn names_lose_bidi_controls_but_keep_right_to_left_letters() {
        let mut e = FieldErrors::new();
        assert_eq!(
            e.name("n", "Name", " \u{202E}fdp.exe ", 100, true),
            "fdp.exe"
        );
        assert_eq!(
            e.name("n", "Name", "\u{2067}مريم\u{2069} Haddad", 100, true),
            "مريم Haddad"
        );
        assert_eq!(e.name("n", "Name", "\u{202E}", 100, true), "");
        assert!(e.get("n").is_some(), "a name of controls only is empty");
    }

    #[test]
    fn required_fields_report_missing_and_too_long() {
        let mut e = FieldErrors::new();
        e.required("a", "Title", "  ", 10);
        e.required("b", "Title", "12345678901", 10);
        assert_eq!(e.get("a"), Some("Title is required."));
        assert!(e.get("b").unwrap().contains("at most 10"));
    }
}
