//! The text of an attachment, for search: plain text as it is, and the
//! words of a PDF where they can be read (a scanned page has none).

/// At most this many characters of an attachment's text are kept.
pub const MAX_TEXT_CHARS: usize = 100_000;
/// PDFs larger than this are not read for text (their reading is slow and
/// the file is kept either way).
pub const MAX_PDF_BYTES: usize = 10 * 1024 * 1024;

/// The searchable text of a file named `filename` of type `content_type`:
/// empty when it has none that can be read. Never panics.
pub fn attachment_text(content_type: &str, filename: &str, data: &[u8]) -> String {
    let ctype = content_type.trim().to_ascii_lowercase();
    let name = filename.to_ascii_lowercase();
    let text = if ctype == "application/pdf" || name.ends_with(".pdf") {
        pdf_text(data)
    } else if ctype.starts_with("text/plain")
        || ctype.starts_with("text/csv")
        || (ctype.is_empty() || ctype == "application/octet-stream")
            && (name.ends_with(".txt") || name.ends_with(".csv"))
    {
        String::from_utf8_lossy(data).into_owned()
    } else {
        String::new()
    };
    cap(text)
}

fn pdf_text(data: &[u8]) -> String {
    if data.len() > MAX_PDF_BYTES || !data.starts_with(b"%PDF") {
        return String::new();
    }
    // The PDF reader has panicked on malformed files: a file that it cannot
    // read has no text, and the message is kept as it is.
    std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(data))
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default()
}

/// Keeps the first [`MAX_TEXT_CHARS`] characters, without NULs (which
/// PostgreSQL text refuses), spaces squeezed.
fn cap(text: String) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_TEXT_CHARS));
    let mut n = 0;
    for c in text.chars() {
        if n >= MAX_TEXT_CHARS {
            break;
        }
        let c = if c == '\0' || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && out.ends_with(' ') {
            continue;
        }
        out.push(c);
        n += 1;
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_kept_and_other_files_have_none() {
        assert_eq!(
            attachment_text("text/plain; charset=utf-8", "a.txt", b"Passport\n\nGB123\0"),
            "Passport GB123"
        );
        assert_eq!(attachment_text("image/png", "a.png", b"\x89PNG"), "");
        assert_eq!(attachment_text("", "list.csv", b"a,b"), "a,b");
        let long = "word ".repeat(50_000);
        assert_eq!(
            attachment_text("text/plain", "", long.as_bytes())
                .chars()
                .count(),
            MAX_TEXT_CHARS - 1
        );
    }

    #[test]
    fn a_broken_pdf_has_no_text_and_does_not_panic() {
        assert_eq!(
            attachment_text("application/pdf", "x.pdf", b"%PDF-1.4 broken"),
            ""
        );
        assert_eq!(
            attachment_text("application/pdf", "x.pdf", b"not a pdf"),
            ""
        );
    }
}
