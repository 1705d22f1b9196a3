//! Files as Casework keeps them: in the blob store, with their words for
//! search where they can be read.

/// An attachment as stored, its file already in the blob store under
/// `blob`, with its words for search where they can be read.
pub(crate) fn kept_file(
    filename: &str,
    content_type: &str,
    data: &[u8],
    blob: String,
) -> casework_store::NewAttachment {
    casework_store::NewAttachment {
        filename: filename.to_owned(),
        content_type: content_type.to_owned(),
        size: data.len() as i64,
        blob,
        text: casework_mail::attachment_text(content_type, filename, data),
    }
}
