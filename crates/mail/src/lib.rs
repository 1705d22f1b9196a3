//! Mail handling: parsing real-world MIME (with `mail-parser`, defended
//! against panics and absurd structures), sanitising HTML (with `ammonia`),
//! splitting mbox files, reading a sender's signature, and building and
//! sending outgoing mail over SMTP (with `lettre`).

pub mod campaign;
mod html;
pub mod imap;
mod mbox;
pub mod outgoing;
mod signature;
pub mod text;
pub use text::attachment_text;

pub use html::sanitise_html;
pub use mbox::{looks_like_mbox, split_mbox};
pub use signature::{SignatureGuess, guess_signature};

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

/// Most attachments kept per message; the rest are listed as a problem.
pub const MAX_ATTACHMENTS: usize = 200;
/// Longest text body stored for display and search (the raw message is kept whole).
pub const MAX_TEXT: usize = 512 * 1024;

/// An attachment as found in a message.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// What Casework keeps of a parsed message. Every field is present even for
/// a message that could not be parsed at all (then `problems` says why).
#[derive(Debug, Clone, Default)]
pub struct ParsedMail {
    pub message_id: String,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from_address: String,
    pub from_name: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    /// The Date header, in Unix milliseconds.
    pub date: Option<i64>,
    pub text: String,
    /// Sanitised HTML (no scripts, no remote content), if the message has HTML.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Things wrong with the message, in words a caseworker understands.
    pub problems: Vec<String>,
    /// Identity for exactly-once storage: see [`dedupe_key`].
    pub dedupe_key: String,
    /// Sent to a list (`List-Id`, `List-Unsubscribe`, `Precedence: bulk`):
    /// newsletters and mailing lists, never grouped as a campaign.
    pub bulk: bool,
    /// Sent by a machine, not a person: an auto-reply or out-of-office
    /// (`Auto-Submitted` other than `no`, `X-Autoreply`, `X-Autorespond`),
    /// or a delivery report (`multipart/report`, an empty return path).
    pub automatic: bool,
}

/// The key that makes a message "the same message" however it arrived: the
/// SHA-256 of its Message-ID and its bytes with line endings normalised and
/// any mbox `From ` line removed. Different messages that share a
/// Message-ID get different keys; the same bytes fetched by IMAP or exported
/// to mbox get the same key.
pub fn dedupe_key(message_id: &str, raw: &[u8]) -> String {
    let mut body = raw;
    if body.starts_with(b"From ") {
        body = match body.iter().position(|b| *b == b'\n') {
            Some(i) => &body[i + 1..],
            None => &[],
        };
    }
    let mut h = Sha256::new();
    h.update(message_id.trim().as_bytes());
    h.update([0u8]);
    let mut start = 0;
    for (i, b) in body.iter().enumerate() {
        if *b == b'\r' && body.get(i + 1) == Some(&b'\n') {
            h.update(&body[start..i]);
            start = i + 1;
        }
    }
    h.update(&body[start..]);
    hex::encode(h.finalize())
}

/// SHA-256 of bytes, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn header_ids(v: &HeaderValue<'_>) -> Vec<String> {
    let clean = |s: &str| s.trim().trim_matches(|c| c == '<' || c == '>').to_owned();
    match v {
        HeaderValue::Text(t) => t
            .split_whitespace()
            .map(clean)
            .filter(|s| !s.is_empty())
            .collect(),
        HeaderValue::TextList(list) => list
            .iter()
            .map(|s| clean(s))
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    let Some(a) = a else { return Vec::new() };
    a.iter()
        .filter_map(|x| x.address.as_ref().map(|s| s.trim().to_lowercase()))
        .filter(|s| !s.is_empty())
        .collect()
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("\n[… the rest of this message is in the original]");
    }
    s
}

/// Parses a message. Never panics and never fails: what cannot be read is
/// reported in `problems`, and the caller keeps the raw bytes regardless.
pub fn parse(raw: &[u8]) -> ParsedMail {
    let parsed = std::panic::catch_unwind(|| parse_inner(raw));
    let mut p = match parsed {
        Ok(Some(p)) => p,
        Ok(None) => unreadable(
            raw,
            "The message could not be read as email (no headers found).",
        ),
        Err(_) => unreadable(
            raw,
            "The message is malformed in a way the mail parser could not handle.",
        ),
    };
    p.remove_nul();
    p
}

impl ParsedMail {
    /// NUL characters cannot be stored as text (PostgreSQL refuses them) and
    /// mean nothing to a reader; the original keeps them.
    fn remove_nul(&mut self) {
        let strip = |s: &mut String| {
            if s.contains('\0') {
                *s = s.replace('\0', "");
            }
        };
        for s in [
            &mut self.message_id,
            &mut self.from_address,
            &mut self.from_name,
            &mut self.subject,
            &mut self.text,
        ] {
            strip(s);
        }
        if let Some(h) = &mut self.html {
            strip(h);
        }
        for list in [
            &mut self.in_reply_to,
            &mut self.references,
            &mut self.to,
            &mut self.cc,
        ] {
            list.iter_mut().for_each(strip);
        }
        self.from_name = casework_domain::without_bidi_controls(&self.from_name);
        for a in &mut self.attachments {
            strip(&mut a.filename);
            strip(&mut a.content_type);
        }
    }
}

fn unreadable(raw: &[u8], why: &str) -> ParsedMail {
    ParsedMail {
        subject: "(unreadable message)".into(),
        text: truncate(String::from_utf8_lossy(raw).into_owned(), MAX_TEXT),
        problems: vec![why.to_owned()],
        dedupe_key: dedupe_key("", raw),
        ..ParsedMail::default()
    }
}

fn parse_inner(raw: &[u8]) -> Option<ParsedMail> {
    let msg = MessageParser::default().parse(raw)?;
    let mut problems = Vec::new();
    let message_id = msg
        .message_id()
        .unwrap_or("")
        .trim()
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned();
    if message_id.is_empty() {
        problems.push("The message has no Message-ID.".to_owned());
    }
    let from = msg.from().and_then(|a| a.first());
    let from_address = from
        .and_then(|f| f.address.as_ref())
        .map(|s| s.trim().to_lowercase())
        .unwrap_or_default();
    let from_name = from
        .and_then(|f| f.name.as_ref())
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    if from_address.is_empty() {
        problems.push("The sender's address is missing or unreadable.".to_owned());
    }
    let html = msg.body_html(0).map(|h| sanitise_html(&h));
    let text = msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let mut attachments = Vec::new();
    let mut skipped = 0;
    for part in msg.attachments() {
        if attachments.len() >= MAX_ATTACHMENTS {
            skipped += 1;
            continue;
        }
        let content_type = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(s) => format!("{}/{}", c.ctype(), s),
                None => c.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_lowercase();
        let data: Vec<u8> = match &part.body {
            PartType::Message(m) => m.raw_message().to_vec(),
            _ => part.contents().to_vec(),
        };
        let filename = part
            .attachment_name()
            .map(str::to_owned)
            .unwrap_or_else(|| {
                if content_type == "message/rfc822" {
                    "attached-message.eml".into()
                } else {
                    format!("attachment-{}", attachments.len() + 1)
                }
            });
        attachments.push(Attachment {
            filename: safe_filename(&filename),
            content_type,
            data,
        });
    }
    if skipped > 0 {
        problems.push(format!("{skipped} further attachments were not extracted (they remain in the original message)."));
    }
    Some(ParsedMail {
        dedupe_key: dedupe_key(&message_id, raw),
        in_reply_to: header_ids(msg.in_reply_to()),
        references: header_ids(msg.references()),
        to: addresses(msg.to()),
        cc: addresses(msg.cc()),
        subject: msg
            .subject()
            .unwrap_or("")
            .trim()
            .chars()
            .take(500)
            .collect(),
        date: msg.date().map(|d| d.to_timestamp() * 1000),
        bulk: msg.header("List-Id").is_some()
            || msg.header("List-Unsubscribe").is_some()
            || msg
                .header("Precedence")
                .and_then(|h| h.as_text())
                .is_some_and(|p| {
                    let p = p.trim().to_ascii_lowercase();
                    p == "bulk" || p == "list" || p == "junk"
                }),
        automatic: msg
            .header("Auto-Submitted")
            .and_then(|h| h.as_text())
            .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"))
            || msg.header("X-Autoreply").is_some()
            || msg.header("X-Autorespond").is_some()
            || msg.content_type().is_some_and(|c| {
                c.ctype().eq_ignore_ascii_case("multipart")
                    && c.subtype()
                        .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            })
            || msg
                .header("Return-Path")
                .and_then(|h| h.as_address())
                .is_some_and(|a| {
                    a.first()
                        .is_some_and(|a| a.address().is_none_or(str::is_empty))
                }),
        text: truncate(text, MAX_TEXT),
        html,
        attachments,
        problems,
        message_id,
        from_address,
        from_name,
    })
}

pub use casework_domain::safe_filename;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_message_with_other_line_endings_or_an_mbox_line_has_one_key() {
        let lf = b"Message-ID: <a@b>\nSubject: hi\n\nbody\n";
        let crlf = b"Message-ID: <a@b>\r\nSubject: hi\r\n\r\nbody\r\n";
        let mbox = b"From someone@example.org Mon Jan  1 00:00:00 2026\nMessage-ID: <a@b>\nSubject: hi\n\nbody\n";
        let k = dedupe_key("a@b", lf);
        assert_eq!(k, dedupe_key("a@b", crlf));
        assert_eq!(k, dedupe_key("a@b", mbox));
        assert_ne!(
            k,
            dedupe_key("a@b", b"Message-ID: <a@b>\nSubject: hi\n\nother body\n")
        );
    }

    #[test]
    fn a_plain_message_is_read_with_threading_headers() {
        let raw = b"From: \"Jane Doe\" <Jane@Example.org>\r\nTo: office@example.gov\r\nSubject: =?utf-8?q?Caf=C3=A9_permit?=\r\nMessage-ID: <m1@example.org>\r\nIn-Reply-To: <out1@office>\r\nReferences: <root@office> <out1@office>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nHello\r\n";
        let p = parse(raw);
        assert_eq!(p.message_id, "m1@example.org");
        assert_eq!(p.from_address, "jane@example.org");
        assert_eq!(p.from_name, "Jane Doe");
        assert_eq!(p.subject, "Café permit");
        assert_eq!(p.in_reply_to, vec!["out1@office"]);
        assert_eq!(p.references, vec!["root@office", "out1@office"]);
        assert!(p.text.contains("Hello"));
        assert!(p.date.is_some());
        assert!(p.problems.is_empty());
    }

    #[test]
    fn garbage_is_kept_with_a_reason() {
        let p = parse(b"\x00\x01\x02 not mail at all");
        assert!(!p.problems.is_empty());
        assert!(!p.dedupe_key.is_empty());
    }

    #[test]
    fn file_names_cannot_escape() {
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(safe_filename("C:\\temp\\a<b>.pdf"), "ab.pdf");
        assert_eq!(safe_filename("..."), "attachment");
    }
}

#[cfg(test)]
mod display_name_tests {
    #[test]
    fn quoted_display_names_are_read() {
        let p = super::parse(b"From: \"Wen Xu\" <wen.xu@example.net>\r\nSubject: x\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n");
        assert_eq!(p.from_name, "Wen Xu");
        let g = super::guess_signature(
            &p.from_name,
            "Thanks\r\nWen Xu\r\n44 Willow Lane\r\nRiverside, MB R2M 3K3\r\nTel: 204-555-0199",
        );
        assert_eq!(g.first_name, "Wen");
        assert_eq!(g.postcode, "R2M 3K3");
    }
}
