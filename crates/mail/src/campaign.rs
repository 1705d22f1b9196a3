//! Campaign mail: recognising near-identical messages by the runs of words
//! they share, and finding what each sender added of their own.
//!
//! A message's *core* is its text without the greeting, the sign-off and
//! everything after it (names, addresses, signatures, disclaimers), quote
//! markers and forwarded-message headers. The core is cut into words and
//! every run of [`SHINGLE`] words is hashed; two messages are near-identical
//! when most of their hashes are shared. A campaign keeps the hashes its
//! copies have in common (its *template*); a new message joins it when it
//! carries most of that template, and the words of the message that the
//! template does not cover are the sender's *personal addition*.
//!
//! Hashes are FNV-1a, stable across Rust versions, because templates are
//! stored in the database.

/// Words per shingle.
pub const SHINGLE: usize = 4;
/// Fewer shingles than this and a message is too short to be told apart
/// from others; it is never grouped.
pub const MIN_SHINGLES: usize = 12;
/// MinHash bands per message, for finding similar ones.
pub const BANDS: usize = 8;
/// MinHash values per band.
pub const ROWS: usize = 3;
/// Share of a campaign's template a message must carry to join it.
pub const JOIN_CONTAINMENT: f64 = 0.6;
/// Runs of uncovered words shorter than this are small edits, not additions.
pub const MIN_ADDITION_RUN: usize = 3;

/// A word of the core text and where it sits in the original text.
#[derive(Debug, Clone)]
struct Word {
    hash: u64,
    start: usize,
    end: usize,
    /// The core range (a line, or its part after a greeting) it is in.
    range: usize,
}

/// What grouping needs to know about one message.
#[derive(Debug, Clone, Default)]
pub struct Fingerprint {
    /// Sorted, distinct shingle hashes of the core text.
    pub shingles: Vec<u64>,
}

impl Fingerprint {
    /// Whether the message has enough text to be grouped at all.
    pub fn groupable(&self) -> bool {
        self.shingles.len() >= MIN_SHINGLES
    }

    /// Keys to find near-identical messages by (locality-sensitive hashing):
    /// [`BANDS`] bands of [`ROWS`] MinHash values each. Two messages share a
    /// band with probability 1 − (1 − J³)⁸ for shingle overlap J: about 1
    /// for copies of one letter (J ≥ 0.8), 0.66 at J = 0.5, 0.2 at J = 0.3
    /// (messages sharing a stock sentence or two). `common` keys (found to be
    /// shared by many waiting messages) are left out.
    pub fn anchors(&self, common: &std::collections::HashSet<i64>) -> Vec<i64> {
        if self.shingles.is_empty() {
            return Vec::new();
        }
        let mut mins = [u64::MAX; BANDS * ROWS];
        for h in &self.shingles {
            for (i, m) in mins.iter_mut().enumerate() {
                let v = mix(h ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                if v < *m {
                    *m = v;
                }
            }
        }
        mins.chunks(ROWS)
            .enumerate()
            .map(|(b, rows)| {
                fnv(std::iter::once(b as u8).chain(rows.iter().flat_map(|r| r.to_le_bytes())))
                    as i64
            })
            .filter(|k| !common.contains(k))
            .collect()
    }

    /// Shingles shared with another (sorted) set.
    pub fn shared(&self, other: &[u64]) -> usize {
        shared(&self.shingles, other)
    }

    /// Near-identical: most of the smaller message is in the larger one, and
    /// the two overlap substantially (so one short message quoting a line of a
    /// long one does not count).
    pub fn similar(&self, other: &Fingerprint) -> bool {
        let (a, b) = (self.shingles.len(), other.shingles.len());
        let (small, big) = (a.min(b), a.max(b));
        if small < MIN_SHINGLES {
            return false;
        }
        let inter = self.shared(&other.shingles) as f64;
        inter / small as f64 >= 0.7 && inter / big as f64 >= 0.3
    }

    /// Whether the message carries enough of a campaign's template to join it.
    pub fn matches(&self, template: &[u64]) -> bool {
        if template.len() < MIN_SHINGLES || !self.groupable() {
            return false;
        }
        // A template may hold several alternative wordings offered by the
        // campaign, of which a copy carries one: most of the copy (or of the
        // template, if the copy is the longer) must be template, and a good
        // part of the template must be in the copy.
        let inter = self.shared(template);
        let smaller = template.len().min(self.shingles.len()) as f64;
        inter >= MIN_SHINGLES
            && inter as f64 / smaller >= JOIN_CONTAINMENT
            && inter as f64 / template.len() as f64 >= 0.3
    }

    /// Bytes for storage (little-endian u64s).
    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes(&self.shingles)
    }
}

pub fn to_bytes(hashes: &[u64]) -> Vec<u8> {
    hashes.iter().flat_map(|h| h.to_le_bytes()).collect()
}

pub fn from_bytes(bytes: &[u8]) -> Vec<u64> {
    bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect()
}

/// How many hashes two sorted sets share.
pub fn shared(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h = FNV_OFFSET;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// SplitMix64's finaliser: a well-mixed 64-bit hash of a 64-bit value.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn shingle_hash(words: &[Word]) -> u64 {
    let mut h = FNV_OFFSET;
    for w in words {
        for b in w.hash.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
    }
    h
}

/// Opening words of a greeting line, in the languages offices receive.
const GREETINGS: &[&str] = &[
    "dear",
    "hi",
    "hello",
    "hey",
    "greetings",
    "good morning",
    "good afternoon",
    "good evening",
    "to whom",
    "attn",
    "bonjour",
    "madame",
    "monsieur",
    "cher",
    "chère",
    "annwyl",
    "helo",
    "hola",
    "estimado",
    "estimada",
    "querido",
    "querida",
];

/// Sign-offs: the line where the signature starts.
const SIGN_OFFS: &[&str] = &[
    "sincerely",
    "yours sincerely",
    "yours faithfully",
    "yours truly",
    "yours",
    "regards",
    "kind regards",
    "best regards",
    "warm regards",
    "warmest regards",
    "with regards",
    "many thanks",
    "thanks",
    "thank you",
    "thanks again",
    "best",
    "best wishes",
    "all the best",
    "with best wishes",
    "respectfully",
    "cheers",
    "cordialement",
    "bien cordialement",
    "salutations",
    "cofion",
    "cofion gorau",
    "yn gywir",
    "atentamente",
    "saludos",
    "un saludo",
];

/// Words that mark a legal disclaimer paragraph.
const DISCLAIMER: &[&str] = &[
    "confidential",
    "intended recipient",
    "privileged",
    "disclaimer",
    "virus",
    "unauthorised",
    "unauthorized",
    "notify the sender",
    "delete it",
    "delete this",
    "legally",
    "prohibited",
];

fn squash(line: &str) -> String {
    line.trim_start_matches(|c: char| c == '>' || c.is_whitespace())
        .trim()
        .to_lowercase()
}

fn is_greeting(line: &str) -> bool {
    let l = squash(line);
    GREETINGS.iter().any(|g| {
        l.starts_with(g)
            && l[g.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric())
    })
}

fn is_sign_off(line: &str) -> bool {
    let l = squash(line);
    let l = l.trim_end_matches([',', '.', '!', '-', ':', ';']);
    if l.split_whitespace().count() > 4 {
        return false;
    }
    SIGN_OFFS.iter().any(|s| {
        l == *s
            || (l.starts_with(s)
                && l[s.len()..].starts_with(' ')
                && l.split_whitespace().count() <= 3)
    })
}

fn is_header_line(line: &str) -> bool {
    let l = squash(line);
    if l.chars()
        .all(|c| c == '-' || c == '_' || c == '=' || c == '*')
        && !l.is_empty()
    {
        return true;
    }
    if l.contains("forwarded message") || l.contains("original message") {
        return true;
    }
    // "On Thu, 19 Nov 2026, Ann Lee <ann@example.org> wrote:"
    if (l.ends_with("wrote:") || l.ends_with("a écrit :") || l.ends_with("escribió:"))
        && l.split_whitespace().count() <= 20
    {
        return true;
    }
    // A greeting line in the middle: the quoted or forwarded copy's own.
    if is_greeting(line) && l.split_whitespace().count() <= 5 && !ends_sentence(&l) {
        return true;
    }
    [
        "from:",
        "sent:",
        "date:",
        "to:",
        "subject:",
        "cc:",
        "de :",
        "envoyé :",
        "objet :",
    ]
    .iter()
    .any(|h| l.starts_with(h))
}

fn is_disclaimer(paragraph: &str) -> bool {
    let l = paragraph.to_lowercase();
    DISCLAIMER.iter().filter(|d| l.contains(*d)).count() >= 2
}

fn ends_sentence(line: &str) -> bool {
    line.trim_end()
        .ends_with(['.', '?', '!', ':', ';', '"', ')'])
}

/// Byte ranges of the original text that make up the core.
fn core_ranges(text: &str) -> Vec<(usize, usize)> {
    // Lines with their byte offsets.
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut at = 0;
    for l in text.split_inclusive('\n') {
        lines.push((at, l.trim_end_matches(['\n', '\r'])));
        at += l.len();
    }
    // The signature starts at "-- " or at the last sign-off line in the
    // second half of the message (a "Thank you" near the top is text).
    let mut end = lines.len();
    let non_empty: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].1.trim().is_empty())
        .collect();
    if let Some(i) = (0..lines.len()).find(|&i| {
        let l = lines[i].1.trim_start_matches('>');
        l == "-- " || l.trim() == "--"
    }) {
        end = i;
    }
    let half = non_empty.get(non_empty.len() / 2).copied().unwrap_or(0);
    if let Some(i) = (half..end).rev().find(|&i| is_sign_off(lines[i].1)) {
        end = i;
    }
    // A name and address straight after the text (no sign-off, perhaps no
    // blank line): short lines that are not sentences, after a sentence.
    let mut tail = end;
    let mut short = 0;
    while tail > 0 && short < 7 {
        let l = squash(lines[tail - 1].1);
        if l.is_empty() {
            tail -= 1;
            continue;
        }
        if l.split_whitespace().count() > 6 || ends_sentence(&l) {
            break;
        }
        tail -= 1;
        short += 1;
    }
    if short > 0
        && (0..tail)
            .rev()
            .find(|&i| !squash(lines[i].1).is_empty())
            .is_some_and(|i| ends_sentence(lines[i].1))
    {
        end = tail;
    }
    // Paragraphs (split at blank lines) before the signature.
    let mut paragraphs: Vec<Vec<usize>> = Vec::new();
    let mut current = Vec::new();
    for (i, (_, line)) in lines.iter().enumerate().take(end) {
        if squash(line).is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
        } else if !is_header_line(line) {
            current.push(i);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs.retain(|p| {
        let joined: String = p.iter().map(|&i| lines[i].1).collect::<Vec<_>>().join(" ");
        !is_disclaimer(&joined)
    });
    // A last paragraph of short lines without sentences is a name and address.
    if paragraphs.len() > 1
        && let Some(last) = paragraphs.last()
        && last.len() <= 7
        && last.iter().all(|&i| {
            let l = lines[i].1;
            l.split_whitespace().count() <= 6 && !ends_sentence(l)
        })
    {
        paragraphs.pop();
    }
    let mut ranges = Vec::new();
    for (n, p) in paragraphs.iter().enumerate() {
        for (k, &i) in p.iter().enumerate() {
            let (off, line) = lines[i];
            let mut start = off;
            if n <= 2 && k == 0 && is_greeting(line) {
                // "Dear Ms Rivera," alone, or "Dear Ms Rivera, I am writing…".
                match line.find([',', ':']) {
                    Some(c) if line[..c].split_whitespace().count() <= 5 => start = off + c + 1,
                    _ if line.split_whitespace().count() <= 6 => continue,
                    _ => {}
                }
            }
            ranges.push((start, off + line.len()));
        }
    }
    ranges
}

fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for (range, (start, end)) in core_ranges(text).into_iter().enumerate() {
        let slice = &text[start..end];
        let mut word_start: Option<usize> = None;
        let push = |s: usize, e: usize, out: &mut Vec<Word>| {
            let w = &text[start + s..start + e];
            let lower = w.to_lowercase();
            out.push(Word {
                hash: fnv(lower.bytes()),
                start: start + s,
                end: start + e,
                range,
            });
        };
        for (i, c) in slice.char_indices() {
            let part_of_word =
                c.is_alphanumeric() || ((c == '\'' || c == '’') && word_start.is_some());
            match (part_of_word, word_start) {
                (true, None) => word_start = Some(i),
                (false, Some(s)) => {
                    push(s, i, &mut out);
                    word_start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = word_start {
            push(s, slice.len(), &mut out);
        }
    }
    out
}

/// The fingerprint of a message's text.
pub fn fingerprint(text: &str) -> Fingerprint {
    let w = words(text);
    let mut shingles: Vec<u64> = w.windows(SHINGLE).map(shingle_hash).collect();
    shingles.sort_unstable();
    shingles.dedup();
    Fingerprint { shingles }
}

/// The shingles present in at least `share` of the messages, and in at
/// least `at_least` of them: a campaign's common text.
pub fn template(members: &[Fingerprint], share: f64, at_least: u32) -> Vec<u64> {
    let mut counts: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
    for m in members {
        for h in &m.shingles {
            *counts.entry(*h).or_default() += 1;
        }
    }
    let need = ((members.len() as f64 * share).ceil() as u32).max(at_least);
    let mut t: Vec<u64> = counts
        .into_iter()
        .filter(|(_, n)| *n >= need)
        .map(|(h, _)| h)
        .collect();
    t.sort_unstable();
    t
}

/// The text of a message that its campaign's template does not cover: runs
/// of at least [`MIN_ADDITION_RUN`] words, joined with " … ", whitespace and
/// quote markers tidied.
pub fn personal_addition(text: &str, template: &[u64]) -> String {
    let w = words(text);
    if w.is_empty() {
        return String::new();
    }
    let mut covered = vec![false; w.len()];
    for (s, window) in w.windows(SHINGLE).enumerate() {
        if template.binary_search(&shingle_hash(window)).is_ok() {
            for c in &mut covered[s..s + SHINGLE] {
                *c = true;
            }
        }
    }
    let mut runs: Vec<String> = Vec::new();
    let mut i = 0;
    while i < w.len() {
        if covered[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < w.len() && !covered[i] {
            i += 1;
        }
        if i - start >= MIN_ADDITION_RUN {
            runs.push(run_text(text, &w[start..i]));
        }
    }
    runs.join(" … ")
}

/// The text of a run of words, line by line (lines left out of the core,
/// such as forwarded headers, stay out), with each line's sentence
/// punctuation and tidy whitespace.
fn run_text(text: &str, run: &[Word]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut k = 0;
    while k < run.len() {
        let mut j = k;
        while j + 1 < run.len() && run[j + 1].range == run[k].range {
            j += 1;
        }
        let mut end = run[j].end;
        end += text[end..]
            .char_indices()
            .take_while(|(_, c)| matches!(c, '.' | '?' | '!' | '"' | ')' | '\'' | '”' | '’'))
            .last()
            .map(|(n, c)| n + c.len_utf8())
            .unwrap_or(0);
        parts.extend(
            text[run[k].start..end]
                .split_whitespace()
                .map(str::to_owned),
        );
        k = j + 1;
    }
    parts.join(" ")
}

/// Words a person uses about themselves (English, French, Spanish, Welsh).
const FIRST_PERSON: &[&str] = &[
    "i", "i'm", "i’m", "i've", "i’ve", "i'd", "my", "me", "myself", "we", "our", "us", "mine",
    "je", "moi", "mon", "ma", "mes", "nous", "notre", "nos", "yo", "mi", "mis", "nuestro",
    "nuestra", "fy", "ni",
];

/// Stems of words about a person's own situation: family, money, health,
/// housing, status, and dealing with officials. Stems of five letters or
/// more also match longer words ("benefit" matches "benefits").
const SITUATION: &[&str] = &[
    // family
    "mother",
    "mum",
    "mom",
    "father",
    "dad",
    "son",
    "daughter",
    "husband",
    "wife",
    "partner",
    "family",
    "child",
    "children",
    "baby",
    "grandmother",
    "grandfather",
    "brother",
    "sister",
    "carer",
    "caring",
    "mère",
    "père",
    "fils",
    "fille",
    "mari",
    "femme",
    "famille",
    "enfant",
    "madre",
    "padre",
    "hijo",
    "hija",
    "marido",
    "esposa",
    "familia",
    "mam",
    "tad",
    "mab",
    "merch",
    "teulu",
    // money and benefits
    "benefit",
    "pension",
    "pip",
    "allowance",
    "credit",
    "payment",
    "stopped",
    "sanction",
    "debt",
    "arrears",
    "bills",
    "money",
    "afford",
    "allocation",
    "retraite",
    "pensión",
    "ayuda",
    "budd",
    // housing
    "housing",
    "landlord",
    "evict",
    "rent",
    "repair",
    "damp",
    "mould",
    "mold",
    "leak",
    "roof",
    "flat",
    "homeless",
    "logement",
    "loyer",
    "vivienda",
    "alquiler",
    "tenancy",
    // health and care
    "hospital",
    "doctor",
    "gp",
    "appointment",
    "operation",
    "surgery",
    "treatment",
    "disab",
    "care",
    "assessment",
    "waiting",
    "médecin",
    "hôpital",
    "médico",
    "cita",
    "ysbyty",
    "meddyg",
    // status and papers
    "visa",
    "passport",
    "immigration",
    "residence",
    "permit",
    "application",
    "claim",
    "appeal",
    "tribunal",
    "tax",
    "titre",
    "séjour",
    "permiso",
    "residencia",
    "solicitud",
    "dossier",
    "demande",
    // dealing with officials
    "refused",
    "denied",
    "rejected",
    "cancelled",
    "delay",
    "weeks",
    "months",
    "phoned",
    "called",
    "complain",
    "nobody",
    "ignored",
    "letter",
    "deadline",
    "help",
    "urgent",
    "desperate",
    "lost",
    "cut",
    "job",
    "school",
    "fixed",
    "suspend",
    "mois",
    "semaines",
    "meses",
    "semanas",
    "bloqueado",
    "denegado",
    "aider",
    "aide",
    "urgence",
    "misoedd",
    "wythnosau",
    "appli",
    "pain",
    "bailiff",
    "underpaid",
    "overpaid",
    "heating",
    "elderly",
    "bill",
    "redundan",
    "unemploy",
    "injur",
];

fn is_first_person(w: &str) -> bool {
    FIRST_PERSON.contains(&w) || ["m'", "m’", "j'", "j’"].iter().any(|p| w.starts_with(p))
}

fn is_situation(w: &str) -> bool {
    let mut w = w.trim_end_matches("'s").trim_end_matches("’s");
    // French elisions: l'allocation, d'aide, m'aider.
    for p in ["l'", "l’", "d'", "d’", "m'", "m’", "j'", "j’", "qu'", "qu’"] {
        if let Some(rest) = w.strip_prefix(p) {
            w = rest;
        }
    }
    SITUATION
        .iter()
        .any(|s| w == *s || (s.chars().count() >= 5 && w.starts_with(s)))
}

/// Whether a personal addition looks like casework: long enough, and a
/// question or several words about the sender's own situation.
pub fn looks_like_casework(addition: &str) -> bool {
    let words: Vec<String> = addition
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.len() < 8 {
        return false;
    }
    let first = words.iter().filter(|w| is_first_person(w)).count();
    let situation = words.iter().filter(|w| is_situation(w)).count();
    let mut score = 0;
    if words.len() >= 25 {
        score += 1;
    }
    if addition.contains('?') || addition.contains('¿') {
        score += 1;
    }
    if first >= 2 {
        score += 1;
    }
    if situation >= 2 {
        score += 1;
    }
    if situation >= 4 {
        score += 1;
    }
    score >= 3 || (score >= 2 && situation >= 1 && first >= 1) || (situation >= 3 && first >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAMPAIGN: &str = "I am writing to ask you to oppose the closure of the Riverside bus route 12. \
        The route is the only way many older residents can reach the hospital and the town centre. \
        Cutting it would leave whole streets without public transport and push more cars onto roads \
        that are already congested. Please speak up for us in the council and vote against the cut.";

    fn copy(greeting: &str, middle: &str, name: &str, width: usize) -> String {
        let mut wrapped = String::new();
        let mut line = String::new();
        for w in CAMPAIGN.split_whitespace() {
            if line.len() + w.len() > width {
                wrapped.push_str(line.trim_end());
                wrapped.push('\n');
                line.clear();
            }
            line.push_str(w);
            line.push(' ');
        }
        wrapped.push_str(line.trim_end());
        format!(
            "{greeting}\n\n{middle}{wrapped}\n\nKind regards,\n{name}\n14 Elm Road\nRiverside RV1 2AB\n"
        )
    }

    #[test]
    fn copies_match_whatever_the_greeting_wrapping_and_signature() {
        let a = fingerprint(&copy("Dear Councillor Rivera,", "", "Ann Lee", 60));
        let b = fingerprint(&copy("Hi Maria,", "", "Bob Stone", 75));
        assert!(a.groupable());
        assert_eq!(a.shingles, b.shingles);
        assert!(a.similar(&b));
    }

    #[test]
    fn a_personal_addition_is_found_and_flagged() {
        let plain: Vec<Fingerprint> = ["A", "B", "C"]
            .iter()
            .map(|n| fingerprint(&copy("Dear Maria,", "", n, 70)))
            .collect();
        let t = template(&plain, 0.5, 2);
        let extra = "My mother's pension payments were stopped three weeks ago and she cannot pay her rent. Can you help us?\n\n";
        let text = copy("Dear Maria,", extra, "Dee", 70);
        let f = fingerprint(&text);
        assert!(f.matches(&t));
        let add = personal_addition(&text, &t);
        assert!(add.starts_with("My mother's pension"), "{add}");
        assert!(add.ends_with("help us?"), "{add}");
        assert!(looks_like_casework(&add));
        assert_eq!(personal_addition(&copy("Hello,", "", "Eve", 50), &t), "");
    }

    #[test]
    fn opinions_are_not_casework() {
        assert!(!looks_like_casework(
            "I feel very strongly about this and so do my neighbours."
        ));
        assert!(!looks_like_casework("really do"));
    }

    #[test]
    fn a_shared_disclaimer_or_signature_does_not_make_messages_similar() {
        let disclaimer = "This email and any attachments are confidential and may be legally privileged. \
            If you are not the intended recipient please notify the sender and delete it. \
            Any unauthorised use is prohibited. We scan for viruses but accept no liability.";
        let a = fingerprint(&format!(
            "Hello,\n\nCould you tell me when the library reopens after the flood repairs?\n\nThanks,\nJo\n\n{disclaimer}\n"
        ));
        let b = fingerprint(&format!(
            "Hi,\n\nMy neighbour's fence has been down for a month and the council have not replied.\n\n{disclaimer}\n"
        ));
        assert!(!a.similar(&b));
        let sig = "\n--\nSam Green\nDirector, Green Consulting\n+44 20 7946 0000\n\"Onwards and upwards\"\n";
        let c = fingerprint(&format!(
            "Please send me the minutes of the planning meeting held on Tuesday evening at the hall.{sig}"
        ));
        let d = fingerprint(&format!(
            "I would like to book a surgery appointment with the councillor next week if possible.{sig}"
        ));
        assert!(!c.similar(&d));
    }

    #[test]
    fn quoted_copies_match() {
        let quoted: String = copy("Dear Maria,", "", "Fay", 65)
            .lines()
            .map(|l| format!("> {l}\n"))
            .collect();
        let text = format!(
            "See below.\n\n---------- Forwarded message ---------\nFrom: Fay <f@x.example>\n\n{quoted}"
        );
        let a = fingerprint(&text);
        let b = fingerprint(&copy("Dear Maria,", "", "Gus", 70));
        assert!(
            a.similar(&b),
            "{} vs {}",
            a.shingles.len(),
            b.shingles.len()
        );
    }

    #[test]
    fn copies_share_a_band_and_unrelated_messages_do_not() {
        let none = std::collections::HashSet::new();
        let a = fingerprint(&copy("Dear Maria,", "", "A", 60)).anchors(&none);
        let b = fingerprint(&copy("Hello,", "I agree with every word. ", "B", 75)).anchors(&none);
        let c = fingerprint("Could you tell me when the library reopens after the flood repairs last month? My son has exams.").anchors(&none);
        assert_eq!(a.len(), BANDS);
        assert!(a.iter().any(|k| b.contains(k)));
        assert!(!a.iter().any(|k| c.contains(k)));
    }

    #[test]
    fn bytes_round_trip() {
        let f = fingerprint(&copy("Hi", "", "H", 70));
        assert_eq!(from_bytes(&f.to_bytes()), f.shingles);
    }
}
