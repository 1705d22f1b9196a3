//! Extractors that make authentication and CSRF checks structural: a handler
//! that takes a `PageActor`, `CsrfForm` or `ApiActor` cannot run for someone
//! who is not signed in, or for a forged form.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use casework_app::{Actor, AppError, auth};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, PageError, page_error_response};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "casework_session";
pub const LOGIN_CSRF_COOKIE: &str = "casework_login";
/// Largest form or JSON body accepted (attachments have their own limit).
const MAX_BODY: usize = 1024 * 1024;

pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub use casework_app::domain::same_secret as same_token;

// ----- text from people -----
//
// A NUL character (U+0000) is refused wherever text comes in: PostgreSQL
// cannot store it in a text column (SQLite would), and no one types it on
// purpose. Checked here, once, so both databases answer the same: a 422 that
// names the field. (Mail is cleaned instead, in `casework_mail::parse`.)

/// Holds a NUL character?
fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

/// The refusal of a field that holds a NUL character, named in the message
/// too, since an error page shows only the messages.
fn nul_refused(field: &str) -> AppError {
    AppError::field(
        field,
        format!(
            "“{field}” contains a NUL character (U+0000), which Casework cannot store. Remove it and try again."
        ),
    )
}

/// How a field whose name holds a NUL is named: with the NUL written out.
fn printable(name: &str) -> String {
    name.replace('\0', "\\u0000")
}

/// The first field (by name) of a form or query whose name or text holds a
/// NUL character.
fn field_with_nul<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<String> {
    pairs
        .into_iter()
        .filter(|(k, v)| has_nul(k) || has_nul(v))
        .map(|(k, _)| printable(k))
        .min()
}

/// Refuses a form or query with a NUL character in it.
fn refuse_nul_in_pairs<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), AppError> {
    match field_with_nul(pairs) {
        Some(field) => Err(nul_refused(&field)),
        None => Ok(()),
    }
}

/// Refuses a query string with a NUL character in a parameter.
fn refuse_nul_in_query(query: &str) -> Result<(), AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    refuse_nul_in_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// The path of the first string in a JSON value that holds a NUL character
/// (in a key or a value): `notes`, `to[1]`, `people[2].name`; `body` for the
/// whole body.
fn json_path_with_nul(value: &serde_json::Value) -> Option<String> {
    fn walk(value: &serde_json::Value, path: &mut String) -> bool {
        match value {
            serde_json::Value::String(s) => has_nul(s),
            serde_json::Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            serde_json::Value::Object(map) => map.iter().any(|(key, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&printable(key));
                let found = has_nul(key) || walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    let mut path = String::new();
    walk(value, &mut path).then(|| if path.is_empty() { "body".into() } else { path })
}

/// Refuses a JSON body with a NUL character in it. In JSON a NUL can only
/// be written `\u0000`, so bodies without that text are not looked at twice.
fn refuse_nul_in_json(bytes: &[u8]) -> Result<(), AppError> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return Ok(());
    }
    // A body that is not JSON at all is refused by the caller, as before.
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    match json_path_with_nul(&value) {
        Some(path) => Err(nul_refused(&path)),
        None => Ok(()),
    }
}

/// Refuses a form with files whose text fields or file names hold a NUL
/// character.
fn refuse_nul_in_form_with_files(fields: &Fields, files: &[Upload]) -> Result<(), AppError> {
    refuse_nul_in_pairs(
        fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).chain(
            files
                .iter()
                .map(|f| (f.field.as_str(), f.filename.as_str())),
        ),
    )
}

/// The signed-in person behind an API bearer token.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or_else(|| {
                ApiError(AppError::Unauthorized(
                    "Send an API token as \"Authorization: Bearer TOKEN\".".into(),
                ))
            })?;
        Ok(ApiActor(auth::token_actor(&state.app, token).await?))
    }
}

/// The signed-in person behind a session cookie, with the session's CSRF token.
pub struct PageActor {
    pub actor: Actor,
    pub csrf: String,
    pub token: String,
    /// The menu's counts, read for pages (GET), not for form posts.
    pub counts: Option<casework_app::approvals::MenuCounts>,
}

impl crate::layout::SignedIn for PageActor {
    fn actor(&self) -> &Actor {
        &self.actor
    }
    fn csrf(&self) -> &str {
        &self.csrf
    }
    fn counts(&self) -> Option<casework_app::approvals::MenuCounts> {
        self.counts.clone()
    }
}

impl FromRequestParts<AppState> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = cookie(parts, SESSION_COOKIE)
            .filter(|t| t.len() == 64)
            .map(str::to_owned);
        // A page reads the menu's numbers with the session; a form's post
        // shows no menu.
        let page = parts.method == axum::http::Method::GET;
        let result = match &token {
            Some(t) if page => auth::page_actor(&state.app, t)
                .await
                .map(|(actor, csrf, counts)| (actor, csrf, Some(counts))),
            Some(t) => auth::session_actor(&state.app, t)
                .await
                .map(|(actor, csrf)| (actor, csrf, None)),
            None => Err(AppError::Unauthorized("Please sign in.".into())),
        };
        match (result, token) {
            (Ok((actor, csrf, counts)), Some(token)) => Ok(PageActor {
                actor,
                csrf,
                token,
                counts,
            }),
            (Err(AppError::Unauthorized(_)), _) | (Ok(_), None) => {
                // Back to where they were going once signed in (GET pages only).
                let target = if parts.method == axum::http::Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                let location = if target.is_empty() || target == "/" {
                    "/login".to_owned()
                } else {
                    format!(
                        "/login?{}",
                        serde_urlencoded::to_string([("next", target)]).unwrap_or_default()
                    )
                };
                Err(axum::response::Redirect::to(&location).into_response())
            }
            (Err(e), _) => Err(PageError(e).into_response()),
        }
    }
}

/// Refuses a form whose `csrf` field is not the session's token.
fn check_csrf(who: &PageActor, sent: &str) -> Result<(), PageError> {
    if same_token(sent, &who.csrf) {
        return Ok(());
    }
    tracing::info!(
        user_id = who.actor.user_id,
        "form with a wrong CSRF token refused"
    );
    Err(PageError(AppError::Forbidden(
        "This form has expired or did not come from Casework. Go back, reload the page and try again.".into(),
    )))
}

/// A submitted form whose `csrf` field matches the session's token, from a
/// signed-in person. `T` is the rest of the form.
pub struct CsrfForm<T> {
    pub who: PageActor,
    pub data: T,
}

async fn body_bytes(req: Request) -> Result<axum::body::Bytes, AppError> {
    axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| AppError::field("body", "The request is too large (at most 1 MB)."))
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let who = PageActor::from_request_parts(&mut parts, state).await?;
        let bytes = body_bytes(Request::from_parts(parts, body))
            .await
            .map_err(|e| PageError(e).into_response())?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let sent = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        check_csrf(&who, sent).map_err(IntoResponse::into_response)?;
        refuse_nul_in_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| PageError(e).into_response())?;
        let data = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            PageError(AppError::field(
                "form",
                format!("The form could not be read ({e})."),
            ))
            .into_response()
        })?;
        Ok(CsrfForm { who, data })
    }
}

/// A file sent with a form.
pub struct Upload {
    /// The name of the form field it came in.
    pub field: String,
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

impl Upload {
    /// As a file to send with an email or keep on a case.
    pub fn into_file(self) -> casework_app::outbox::OutgoingAttachment {
        casework_app::outbox::OutgoingAttachment {
            filename: self.filename,
            content_type: self.content_type,
            data: self.data,
        }
    }
}

/// A form that may carry files (`multipart/form-data`) or not (urlencoded),
/// its CSRF token checked either way. Files together may not exceed the
/// configured message size; a bigger upload is refused as it arrives.
pub struct UploadForm {
    pub who: PageActor,
    pub fields: std::collections::HashMap<String, String>,
    pub files: Vec<Upload>,
}

fn unreadable(e: impl std::fmt::Display) -> AppError {
    AppError::field("form", format!("The form could not be read ({e})."))
}

type Fields = std::collections::HashMap<String, String>;

/// Reads a `multipart/form-data` body (or, for a page form without files,
/// an urlencoded one): its text fields and its files. Nothing is read whole
/// before it is counted: the body as a whole is limited as it streams (the
/// router's [`body_limit`]), text fields together to 1 MB, files together to
/// the configured message size.
///
/// With `csrf_of`, a page form's CSRF token is checked before the rest of
/// the body is read: the first part must be the `csrf` field (every form
/// puts it first), so a forged or stale form costs the server one small read.
async fn read_form_with_files(
    req: Request,
    state: &AppState,
    csrf_of: Option<&PageActor>,
) -> Result<(Fields, Vec<Upload>), AppError> {
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut fields = Fields::new();
    let mut files = Vec::new();
    if !multipart {
        let bytes = body_bytes(req).await?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(unreadable)?;
        fields.extend(pairs);
        if let Some(who) = csrf_of {
            check_csrf(who, fields.get("csrf").map(String::as_str).unwrap_or(""))
                .map_err(|e| e.0)?;
        }
        return Ok((fields, files));
    }
    let max = state.app.settings.max_message_bytes;
    let mut mp = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(unreadable)?;
    let mut total = 0usize;
    let mut text_total = 0usize;
    let mut first = true;
    while let Some(mut field) = mp.next_field().await.map_err(too_large_or_unreadable)? {
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        if std::mem::take(&mut first)
            && let Some(who) = csrf_of
            && (name != "csrf" || file_name.is_some())
        {
            check_csrf(who, "").map_err(|e| e.0)?;
        }
        let Some(raw_name) = file_name else {
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(too_large_or_unreadable)? {
                text_total += chunk.len();
                if text_total > MAX_BODY {
                    return Err(AppError::field(
                        "form",
                        "The text of this form comes to more than 1 MB. Nothing was kept or sent.",
                    ));
                }
                text.extend_from_slice(&chunk);
            }
            let text = String::from_utf8(text)
                .map_err(|_| unreadable(format!("the field \"{name}\" is not UTF-8 text")))?;
            if name == "csrf"
                && let Some(who) = csrf_of
            {
                check_csrf(who, &text).map_err(|e| e.0)?;
            }
            fields.insert(name, text);
            continue;
        };
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let mut data = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(too_large_or_unreadable)? {
            total += chunk.len();
            if total > max {
                return Err(files_too_large(max));
            }
            data.extend_from_slice(&chunk);
        }
        // An empty file input still sends a part with no name and no bytes.
        if raw_name.is_empty() && data.is_empty() {
            continue;
        }
        files.push(Upload {
            field: name,
            filename: casework_domain::safe_filename(&raw_name),
            content_type,
            data,
        });
    }
    Ok((fields, files))
}

fn files_too_large(max: usize) -> AppError {
    AppError::field(
        "upload",
        format!(
            "The files come to more than {}, the limit for a message. Nothing was kept or sent.",
            casework_app::intake::size_in_words(max)
        ),
    )
}

/// A multipart body that broke off: over the router's [`body_limit`] (the
/// files are too large), or malformed.
fn too_large_or_unreadable(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::field(
            "upload",
            "The form is larger than the limit for a message. Nothing was kept or sent.",
        )
    } else {
        unreadable(e.body_text())
    }
}

/// The largest body any request may have: a message's worth of files and
/// the text of its form. Enforced as the body streams in, by the extractors
/// that read bodies (`axum::extract::DefaultBodyLimit`).
pub(crate) fn body_limit(max_message_bytes: usize) -> usize {
    max_message_bytes.saturating_add(2 * MAX_BODY)
}

impl FromRequest<AppState> for UploadForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let who = PageActor::from_request_parts(&mut parts, state).await?;
        let (fields, files) =
            read_form_with_files(Request::from_parts(parts, body), state, Some(&who))
                .await
                .map_err(|e| PageError(e).into_response())?;
        refuse_nul_in_form_with_files(&fields, &files).map_err(|e| PageError(e).into_response())?;
        Ok(UploadForm { who, fields, files })
    }
}

/// A `multipart/form-data` API request from a bearer-token holder: text
/// fields and files, under the same size limit as page uploads.
pub struct ApiUpload {
    pub actor: Actor,
    pub fields: Fields,
    pub files: Vec<Upload>,
}

impl FromRequest<AppState> for ApiUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let ApiActor(actor) = ApiActor::from_request_parts(&mut parts, state).await?;
        let is_multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !is_multipart {
            return Err(ApiError(AppError::field(
                "body",
                "Send the files as multipart/form-data.",
            )));
        }
        let (fields, files) =
            read_form_with_files(Request::from_parts(parts, body), state, None).await?;
        refuse_nul_in_form_with_files(&fields, &files)?;
        Ok(ApiUpload {
            actor,
            fields,
            files,
        })
    }
}

/// A JSON body; anything unreadable is a 422 with the reason.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req).await?;
        refuse_nul_in_json(&bytes)?;
        // serde reads a struct from a JSON array too (its fields in order, an
        // empty one as all defaults); every API body is documented as an
        // object, so an array is refused like any other unreadable body.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(ApiError(AppError::field(
                "body",
                "The JSON body could not be read: expected an object, not an array.",
            )));
        }
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|e| {
            ApiError(AppError::field(
                "body",
                format!("The JSON body could not be read: {e}."),
            ))
        })
    }
}

/// Query parameters of an API call; unreadable ones are a 422.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        refuse_nul_in_query(query)?;
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|e| {
                ApiError(AppError::field(
                    "query",
                    format!("The query could not be read: {e}."),
                ))
            })
    }
}

/// Query parameters of a page; unreadable ones show a 422 page.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        refuse_nul_in_query(query)?;
        serde_urlencoded::from_str(query)
            .map(PageQuery)
            .map_err(|_| {
                PageError(AppError::field(
                    "query",
                    "The address has parameters Casework cannot read.",
                ))
            })
    }
}

/// A numeric id from the path. Anything else is "not found" (JSON under
/// `/api`, a page elsewhere), never a 400 with framework text.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Inside a nested router the path is shortened; the original tells where we are.
        let is_api = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map(|u| u.0.path())
            .unwrap_or(parts.uri.path())
            .starts_with("/api/");
        let raw = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .ok();
        let id = raw
            .as_ref()
            .and_then(|p| {
                p.iter()
                    .find(|(k, _)| *k == "id")
                    .map(|(_, v)| v.to_owned())
            })
            .and_then(|v| v.parse::<i64>().ok());
        match id {
            Some(id) => Ok(Id(id)),
            None if is_api => Err(ApiError(AppError::NotFound).into_response()),
            None => Err(page_error_response(
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing at this address.",
                None,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_nul_in_json_is_found_by_its_path() {
        let path = |v: serde_json::Value| json_path_with_nul(&v);
        assert_eq!(path(json!({"notes": "a\u{0}b"})), Some("notes".into()));
        assert_eq!(
            path(json!({"to": ["a@example.org", "b\u{0}@example.org"]})),
            Some("to[1]".into())
        );
        assert_eq!(
            path(json!({"people": [{}, {"name": "x"}, {"name": "\u{0}"}]})),
            Some("people[2].name".into())
        );
        assert_eq!(path(json!({"a\u{0}": 1})), Some("a\\u0000".into()));
        assert_eq!(path(json!("\u{0}")), Some("body".into()));
        assert_eq!(path(json!([1, "\u{0}"])), Some("[1]".into()));
        assert_eq!(path(json!({"notes": "C:\\u0000", "n": null})), None);
    }

    #[test]
    fn only_a_real_nul_in_a_json_body_is_refused() {
        assert!(refuse_nul_in_json(br#"{"notes":"a\u0000"}"#).is_err());
        assert!(refuse_nul_in_json(br#"{"notes":"C:\\u0000"}"#).is_ok());
        assert!(refuse_nul_in_json(br#"not json \u0000"#).is_ok());
    }

    #[test]
    fn a_nul_in_a_query_is_found_by_its_parameter() {
        let field = |q: &str| match refuse_nul_in_query(q) {
            Err(AppError::Invalid(f)) => f.0.keys().cloned().collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        assert_eq!(field("agency=%00&status=open"), vec!["agency"]);
        assert_eq!(field("z=%00&a=b%00"), vec!["a"]);
        assert!(field("agency=Passport%20Program").is_empty());
    }
}
