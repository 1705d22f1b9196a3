//! Outgoing email: building the exact bytes that are sent (and kept), and
//! sending them over SMTP with `lettre`.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// How to reach the office's SMTP server.
#[derive(Clone, Default)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    /// `none`, `starttls` or `tls`.
    pub tls: String,
    /// The office's sending address, e.g. `"Office of Dana Whitfield" <office@example.org>`.
    pub from: String,
    /// Certificate authorities to trust besides the public ones (PEM), for
    /// a mail server with a private certificate; usually empty.
    pub ca_pem: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field(
                "password",
                &if self.password.is_empty() { "" } else { "***" },
            )
            .field("tls", &self.tls)
            .field("from", &self.from)
            .finish()
    }
}

impl SmtpSettings {
    pub fn is_configured(&self) -> bool {
        !self.host.trim().is_empty() && !self.from.trim().is_empty()
    }
}

/// A message ready to queue: its bytes are what will be sent.
#[derive(Debug, Clone)]
pub struct Built {
    pub message_id: String,
    pub raw: Vec<u8>,
    pub from: String,
    pub to: Vec<String>,
}

/// What to write.
pub struct Draft<'a> {
    pub from: &'a str,
    pub to: &'a [String],
    pub subject: &'a str,
    pub body: &'a str,
    pub in_reply_to: Option<&'a str>,
    pub references: &'a [String],
    /// The domain for the Message-ID (the sending address's domain).
    pub domain: &'a str,
    /// Files sent with the message.
    pub attachments: &'a [OutgoingAttachment],
}

/// A file attached to an outgoing email.
#[derive(Debug, Clone)]
pub struct OutgoingAttachment {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

fn mailbox(text: &str) -> Result<Mailbox, String> {
    text.trim()
        .parse::<Mailbox>()
        .map_err(|_| format!("\"{}\" is not an email address.", text.trim()))
}

/// Builds the RFC 5322 message with threading headers and a fresh Message-ID.
pub fn build(d: &Draft<'_>) -> Result<Built, String> {
    let from = mailbox(d.from)?;
    let id = format!(
        "cw.{}@{}",
        hex::encode(rand::random::<[u8; 12]>()),
        d.domain
    );
    // A subject is one line: line breaks in it would start new headers.
    let subject: String = d
        .subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut b = Message::builder()
        .from(from.clone())
        .subject(subject)
        .message_id(Some(format!("<{id}>")));
    for to in d.to {
        b = b.to(mailbox(to)?);
    }
    if let Some(parent) = d.in_reply_to {
        b = b.in_reply_to(format!("<{parent}>"));
    }
    if !d.references.is_empty() {
        let refs: Vec<String> = d.references.iter().map(|r| format!("<{r}>")).collect();
        b = b.references(refs.join(" "));
    }
    // Every line break in the text becomes one break (a bare CR too), so
    // the message on the wire has CRLF line endings only: a bare CR or LF
    // is what SMTP smuggling rides on.
    let text = SinglePart::plain(d.body.replace("\r\n", "\n").replace('\r', "\n"));
    let msg = if d.attachments.is_empty() {
        b.singlepart(text)
    } else {
        let mut parts = lettre::message::MultiPart::mixed().singlepart(text);
        for a in d.attachments {
            let ctype = lettre::message::header::ContentType::parse(&a.content_type)
                .or_else(|_| {
                    lettre::message::header::ContentType::parse("application/octet-stream")
                })
                .map_err(|e| format!("The attachment {} could not be added: {e}.", a.filename))?;
            parts = parts.singlepart(
                lettre::message::Attachment::new(a.filename.clone()).body(a.data.clone(), ctype),
            );
        }
        b.multipart(parts)
    }
    .map_err(|e| format!("The message could not be built: {e}."))?;
    let mut msg = msg;
    msg.headers_mut().insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("X-Mailer"),
        "Casework".to_owned(),
    ));
    Ok(Built {
        message_id: id,
        raw: crlf_only(&msg.formatted()),
        from: from.email.to_string(),
        to: d
            .to
            .iter()
            .filter_map(|t| mailbox(t).ok())
            .map(|m| m.email.to_string())
            .collect(),
    })
}

/// `raw` with every line ending CRLF: a bare CR or a bare LF becomes CRLF.
pub fn crlf_only(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 50);
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if raw.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Sends already-built bytes (their line endings made CRLF, whatever they
/// were when queued). Errors are sentences for the outbox page.
pub async fn send(
    settings: &SmtpSettings,
    from: &str,
    to: &[String],
    raw: &[u8],
) -> Result<(), String> {
    let tls_params = || {
        let mut b = TlsParameters::builder(settings.host.trim().to_owned());
        if !settings.ca_pem.trim().is_empty() {
            let ca = Certificate::from_pem(settings.ca_pem.as_bytes())
                .map_err(|e| format!("The extra certificate authority cannot be read: {e}."))?;
            b = b.add_root_certificate(ca);
        }
        b.build().map_err(|e| format!("TLS set-up failed: {e}"))
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.trim())
        .port(settings.port)
        .timeout(Some(Duration::from_secs(30)));
    builder = match settings.tls.as_str() {
        "tls" => builder.tls(Tls::Wrapper(tls_params()?)),
        "starttls" => builder.tls(Tls::Required(tls_params()?)),
        _ => builder.tls(Tls::None),
    };
    if !settings.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            settings.username.clone(),
            settings.password.clone(),
        ));
    }
    let transport = builder.build();
    let from: Address = from
        .parse()
        .map_err(|_| format!("The sending address {from} is not valid."))?;
    let to: Vec<Address> = to.iter().filter_map(|t| t.parse().ok()).collect();
    if to.is_empty() {
        return Err("There is no valid recipient.".into());
    }
    let envelope = lettre::address::Envelope::new(Some(from), to)
        .map_err(|e| format!("The envelope is invalid: {e}"))?;
    // However the server behaves (some stall after a refused login), one
    // attempt ends in bounded time, so the outbox moves on and retries.
    let raw = crlf_only(raw);
    match tokio::time::timeout(SEND_LIMIT, transport.send_raw(&envelope, &raw)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!(
            "The mail server at {}:{} did not accept the message: {e}",
            settings.host, settings.port
        )),
        Err(_) => Err(format!(
            "The mail server at {}:{} did not finish taking the message within {} seconds (check the user name and password).",
            settings.host,
            settings.port,
            SEND_LIMIT.as_secs()
        )),
    }
}

/// The longest one attempt to hand a message to the SMTP server may take.
const SEND_LIMIT: Duration = Duration::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_carry_threading_headers_and_a_message_id() {
        let to = vec!["Jane <jane@example.org>".to_owned()];
        let refs = vec!["root@x".to_owned(), "parent@x".to_owned()];
        let b = build(&Draft {
            from: "Office <office@example.gov>",
            to: &to,
            subject: "Re: [CW-2026-00001] Passport",
            body: "Dear Jane,\n\nWe have written to the passport office.",
            in_reply_to: Some("parent@x"),
            references: &refs,
            domain: "example.gov",
            attachments: &[],
        })
        .unwrap();
        let text = String::from_utf8(b.raw.clone()).unwrap();
        assert!(text.contains(&format!("Message-ID: <{}>", b.message_id)));
        assert!(text.contains("In-Reply-To: <parent@x>"));
        assert!(text.contains("References: <root@x> <parent@x>"));
        assert!(text.contains("[CW-2026-00001]"));
        assert_eq!(b.to, vec!["jane@example.org"]);
        let parsed = crate::parse(&b.raw);
        assert_eq!(parsed.message_id, b.message_id);
        assert_eq!(parsed.in_reply_to, vec!["parent@x"]);
    }

    #[test]
    fn outgoing_mail_has_crlf_line_endings_only() {
        assert_eq!(
            crlf_only(b"a\rb\nc\r\nd\r\r\n"),
            b"a\r\nb\r\nc\r\nd\r\n\r\n"
        );
        let to = vec!["jane@example.org".to_owned()];
        let d = Draft {
            from: "office@example.org",
            to: &to,
            subject: "Hello\r\nBcc: x@evil.example",
            body: "hello\r.\r\nMAIL FROM:<x@evil.example>\rmore\nend",
            in_reply_to: None,
            references: &[],
            attachments: &[],
            domain: "example.org",
        };
        let raw = build(&d).unwrap().raw;
        for (i, b) in raw.iter().enumerate() {
            if *b == b'\r' {
                assert_eq!(raw.get(i + 1), Some(&b'\n'), "bare CR at {i}");
            }
            if *b == b'\n' {
                assert_eq!(raw.get(i.wrapping_sub(1)), Some(&b'\r'), "bare LF at {i}");
            }
        }
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("\r\nBcc:"), "{text}");
    }

    #[test]
    fn a_bad_address_is_a_clear_error() {
        let to = vec!["not an address".to_owned()];
        let e = build(&Draft {
            from: "office@example.gov",
            to: &to,
            subject: "x",
            body: "x",
            in_reply_to: None,
            references: &[],
            domain: "example.gov",
            attachments: &[],
        })
        .unwrap_err();
        assert!(e.contains("is not an email address"));
    }
}
