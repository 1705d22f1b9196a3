//! Full-text search: how text is folded into words (the same way for what is
//! indexed and what is typed), how a typed query is read, and how the words
//! it matched are shown in a passage of the text.
//!
//! The databases index text with their own tokenisers (SQLite FTS5's
//! `unicode61 remove_diacritics 2`; on PostgreSQL, `casework_words` and the
//! `simple` configuration). Both lower-case, drop accents and split on
//! everything that is not a letter or a digit, as [`fold`] does here, so a
//! query's words are the index's words on both.

use unicode_normalization::UnicodeNormalization;

/// Lower-cases `text` and drops its accents ("Chloé" → "chloe",
/// "Nguyễn" → "nguyen"). Letters that are not a base letter plus an accent
/// in Unicode (ł, ø, ß) stay as they are, as in both databases' indexes.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The folded words of `text`: runs of letters and digits.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What a person typed into the search box, read as words that must all
/// appear: plain words, words typed with a trailing `*` (any word starting
/// so), and phrases (in double quotes, or one typed word that folds into
/// several, such as `o'brien` or `jo@example.org`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextQuery {
    pub words: Vec<String>,
    pub prefixes: Vec<String>,
    pub phrases: Vec<Vec<String>>,
}

/// Words too common to search by (English and French function words),
/// left out of a query that has other words.
const LITTLE_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "au", "aux", "be", "by", "ce", "dans", "de", "des", "du",
    "en", "est", "et", "for", "from", "had", "has", "have", "in", "is", "it", "its", "la", "le",
    "les", "of", "on", "or", "par", "pour", "que", "qui", "sur", "that", "the", "this", "to", "un",
    "une", "was", "were", "with",
];

fn is_little(word: &str) -> bool {
    LITTLE_WORDS.binary_search(&word).is_ok()
}

/// A query may name at most this many words, so that no query costs more
/// than a bounded number of index lookups.
pub const MAX_QUERY_WORDS: usize = 12;

impl TextQuery {
    /// Reads a typed query. Words past [`MAX_QUERY_WORDS`] are dropped; a
    /// prefix needs at least three letters before its `*` (shorter ones are
    /// read as whole words).
    pub fn parse(q: &str) -> TextQuery {
        let mut out = TextQuery::default();
        let mut count = 0;
        for (i, part) in q.split('"').enumerate() {
            if count >= MAX_QUERY_WORDS {
                break;
            }
            if i % 2 == 1 {
                let w: Vec<String> = words(part)
                    .into_iter()
                    .take(MAX_QUERY_WORDS - count)
                    .collect();
                count += w.len();
                out.push_phrase(w);
                continue;
            }
            for typed in part.split_whitespace() {
                if count >= MAX_QUERY_WORDS {
                    break;
                }
                let prefix = typed.ends_with('*');
                let mut w = words(typed);
                w.truncate(MAX_QUERY_WORDS - count);
                count += w.len();
                match w.len() {
                    0 => {}
                    1 if prefix && w[0].chars().count() >= 3 => out.prefixes.push(w.remove(0)),
                    1 => out.words.push(w.remove(0)),
                    _ => out.push_phrase(w),
                }
            }
        }
        out.words.sort();
        out.words.dedup();
        // Little words say nothing a search can use, and each is in nearly
        // every message: `the agency replied` read the whole list of `the`
        // to learn that nothing matched. They are left out when the query
        // has anything else (quoted, they stay in the phrase).
        if out.words.iter().any(|w| !is_little(w))
            || !out.prefixes.is_empty()
            || !out.phrases.is_empty()
        {
            out.words.retain(|w| !is_little(w));
        }
        out.prefixes.sort();
        out.prefixes.dedup();
        out
    }

    fn push_phrase(&mut self, w: Vec<String>) {
        match w.len() {
            0 => {}
            1 => self.words.extend(w),
            _ => {
                if !self.phrases.contains(&w) {
                    self.phrases.push(w)
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.prefixes.is_empty() && self.phrases.is_empty()
    }

    /// The query as an FTS5 match expression: every part quoted (so nothing
    /// typed is read as FTS5 syntax), joined by AND.
    pub fn fts5(&self) -> String {
        let quote = |w: &str| format!("\"{}\"", w.replace('"', "\"\""));
        let mut parts: Vec<String> = self.words.iter().map(|w| quote(w)).collect();
        parts.extend(self.prefixes.iter().map(|p| format!("{}*", quote(p))));
        parts.extend(self.phrases.iter().map(|p| quote(&p.join(" "))));
        parts.join(" AND ")
    }

    /// Every word the query looks for, for showing matches.
    fn all_words(&self) -> impl Iterator<Item = (&str, bool)> {
        self.words
            .iter()
            .map(|w| (w.as_str(), false))
            .chain(self.prefixes.iter().map(|p| (p.as_str(), true)))
            .chain(self.phrases.iter().flatten().map(|w| (w.as_str(), false)))
    }

    /// Whether the folded word `w` is one the query looks for.
    pub fn matches_word(&self, w: &str) -> bool {
        self.all_words()
            .any(|(q, prefix)| if prefix { w.starts_with(q) } else { w == q })
    }

    /// How many of the query's words appear in `text` (for ranking).
    pub fn words_found(&self, text: &str) -> usize {
        let found = words(text);
        self.all_words()
            .filter(|(q, prefix)| {
                found
                    .iter()
                    .any(|w| if *prefix { w.starts_with(q) } else { w == q })
            })
            .count()
    }

    pub fn word_count(&self) -> usize {
        self.all_words().count()
    }
}

/// A passage of text with the words a query matched marked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Passage {
    /// Plain text and whether each piece is a matched word, in order.
    pub pieces: Vec<(String, bool)>,
}

impl Passage {
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// The passage as plain text (for the API and CSV).
    pub fn text(&self) -> String {
        self.pieces.iter().map(|(t, _)| t.as_str()).collect()
    }

    /// The matched words as first written, each once whatever its case
    /// and accents (for the API).
    pub fn matched(&self) -> Vec<String> {
        let mut m: Vec<String> = Vec::new();
        for (t, hit) in &self.pieces {
            if *hit && !m.iter().any(|seen| fold(seen) == fold(t)) {
                m.push(t.clone());
            }
        }
        m
    }
}

/// About `width` characters of `text` around the first word `q` matches,
/// with each matched word marked; the start of the text (unmarked) when no
/// word matches; empty for empty text.
pub fn passage(text: &str, q: &TextQuery, width: usize) -> Passage {
    // Words of the text with their byte ranges.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    // Words are looked at one by one only if the text holds one somewhere
    // (one pass over the whole, folded): a long body matched by its
    // subject costs no more than that pass.
    let folded = fold(text);
    let present = q.all_words().any(|(w, _)| folded.contains(w));
    let is_hit = |&(s, e): &(usize, usize)| words(&text[s..e]).iter().any(|w| q.matches_word(w));
    let first = if present {
        spans.iter().find(|s| is_hit(s)).map_or(0, |h| h.0)
    } else {
        0
    };
    // Start a third of the width before the first match, at a word's start.
    let mut from = first.saturating_sub(width / 3);
    while from > 0 && !text.is_char_boundary(from) {
        from -= 1;
    }
    if from > 0
        && let Some(space) = text[from..first].find(char::is_whitespace)
    {
        from += space + 1;
    }
    let mut to = (from + width).min(text.len());
    while to < text.len() && !text.is_char_boundary(to) {
        to += 1;
    }
    if to < text.len()
        && let Some(space) = text[from..to].rfind(char::is_whitespace)
        && from + space > first
    {
        to = from + space;
    }
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut push = |t: &str, hit: bool| {
        let t: String = t
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect();
        if t.is_empty() {
            return;
        }
        match pieces.last_mut() {
            Some((last, false)) if !hit => last.push_str(&t),
            _ => pieces.push((t, hit)),
        }
    };
    if from > 0 {
        push("… ", false);
    }
    let mut at = from;
    let hits = spans
        .iter()
        .filter(|&&(s, e)| present && s >= from && e <= to)
        .filter(|s| is_hit(s));
    for &(s, e) in hits {
        push(&text[at..s], false);
        push(&text[s..e], true);
        at = e;
    }
    push(&text[at..to], false);
    if to < text.len() {
        push(" …", false);
    }
    // Runs of spaces (line breaks) read as one.
    for (t, _) in pieces.iter_mut() {
        let mut squeezed = String::with_capacity(t.len());
        for c in t.chars() {
            if !(c == ' ' && squeezed.ends_with(' ')) {
                squeezed.push(c);
            }
        }
        *t = squeezed;
    }
    Passage { pieces }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_accents_and_case() {
        assert_eq!(
            fold("Chloé ÉLODIE Nguyễn Müller"),
            "chloe elodie nguyen muller"
        );
        assert_eq!(
            words("O'Brien, jo@Example.org"),
            ["o", "brien", "jo", "example", "org"]
        );
        assert_eq!(words("Łukasz 東京 мир"), ["łukasz", "東京", "мир"]);
    }

    #[test]
    fn queries_read_words_prefixes_and_phrases() {
        let q = TextQuery::parse(r#"Passport renew* "housing benefit" O'Brien x* "#);
        assert_eq!(q.words, ["passport", "x"]);
        assert_eq!(q.prefixes, ["renew"]);
        assert_eq!(q.phrases, [vec!["housing", "benefit"], vec!["o", "brien"]]);
        assert_eq!(
            q.fts5(),
            r#""passport" AND "x" AND "renew"* AND "housing benefit" AND "o brien""#
        );
        assert!(TextQuery::parse(" ,;- \"\" ").is_empty());
        let many = TextQuery::parse(&"ab ".repeat(40));
        assert_eq!(many.words, ["ab"]);
        let long: String = (0..40).map(|i| format!("w{i} ")).collect();
        assert_eq!(TextQuery::parse(&long).word_count(), MAX_QUERY_WORDS);
    }

    #[test]
    fn little_words_are_left_out_beside_others_but_kept_in_phrases() {
        assert!(LITTLE_WORDS.windows(2).all(|w| w[0] < w[1]), "kept sorted");
        let q = TextQuery::parse("The agency REPLIED to it");
        assert_eq!(q.words, ["agency", "replied"]);
        // Nothing else typed: they are the query.
        assert_eq!(TextQuery::parse("to be or").words, ["be", "or", "to"]);
        assert_eq!(TextQuery::parse("to be or not").words, ["not"]);
        assert_eq!(TextQuery::parse("the and").words, ["and", "the"]);
        let q = TextQuery::parse(r#"the "letter to follow""#);
        assert!(q.words.is_empty());
        assert_eq!(q.phrases, [vec!["letter", "to", "follow"]]);
        let q = TextQuery::parse("of renew*");
        assert!(q.words.is_empty());
        assert_eq!(q.prefixes, ["renew"]);
    }

    #[test]
    fn passages_mark_matched_words_around_the_first() {
        let q = TextQuery::parse("passport");
        let text = format!(
            "{} My passport number is 123. The Passport office",
            "Dear office, ".repeat(20)
        );
        let p = passage(&text, &q, 80);
        assert!(p.text().starts_with("… "), "{p:?}");
        assert!(p.text().contains("passport number"));
        assert_eq!(p.matched(), ["passport"]);
        let accents = passage("Écrit par Chloé", &TextQuery::parse("chloe"), 80);
        assert_eq!(
            accents.pieces,
            [("Écrit par ".into(), false), ("Chloé".into(), true)]
        );
        assert_eq!(passage("", &q, 80), Passage::default());
        let none = passage("nothing here", &q, 80);
        assert_eq!(none.pieces, [("nothing here".into(), false)]);
    }
}
