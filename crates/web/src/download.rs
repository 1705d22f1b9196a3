//! Stored files sent back as downloads, for the pages and the API alike.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use casework_app::domain::Channel;

/// The stored original of a piece of correspondence, as a download: an
/// email as `message/rfc822`, a letter as its PDF.
pub(crate) fn original_response(channel: Channel, bytes: Vec<u8>) -> Response {
    let (kind, name) = if channel == Channel::Letter {
        ("application/pdf", "letter.pdf")
    } else {
        ("message/rfc822", "message.eml")
    };
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// A stored file as a download: always `application/octet-stream` with its
/// name, never rendered in the site's origin.
pub(crate) fn file_download(filename: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        filename.replace(['"', '\\'], "_")
    );
    let disposition = axum::http::HeaderValue::from_str(&disposition)
        .unwrap_or(axum::http::HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// The `{attachment}` segment of a path, as a number.
pub(crate) fn attachment_param(raw: &axum::extract::RawPathParams) -> Option<i64> {
    raw.iter()
        .find(|(k, _)| *k == "attachment")
        .and_then(|(_, v)| v.parse().ok())
}

/// A CSV file made here (a table of figures, a framework), as a download.
pub(crate) fn csv_download(filename: &str, bytes: Vec<u8>) -> Response {
    made_download("text/csv; charset=utf-8", filename, bytes)
}

/// A file made here (a CSV table, a handover package), as a download of
/// `content_type`; the name keeps letters, digits, `-` and `.`.
pub(crate) fn made_download(content_type: &str, filename: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        filename.replace(
            |c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'),
            "_"
        )
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
