//! The two error faces of the web layer: a JSON body for the API and an HTML
//! page for people. Both come from `AppError`, mapped here once.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use casework_app::AppError;
use serde_json::json;

/// An error answered as `{"error":{"code":…,"message":…,"fields":{…}}}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

/// A short random reference that ties a 500 page to the log line.
fn error_reference() -> String {
    hex::encode(rand::random::<[u8; 4]>())
}

fn log_internal(detail: &str) -> String {
    let reference = error_reference();
    tracing::error!(reference = %reference, error = %detail, "internal error");
    reference
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, fields) = match &self.0 {
            AppError::Unauthorized(m) => {
                (StatusCode::UNAUTHORIZED, "unauthorized", m.clone(), None)
            }
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Not found.".to_owned(),
                None,
            ),
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m.clone(), None),
            AppError::Invalid(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "Some fields are invalid.".to_owned(),
                Some(f.clone()),
            ),
            AppError::Conflict => (StatusCode::CONFLICT, "conflict", self.0.to_string(), None),
            AppError::Throttled { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                self.0.to_string(),
                None,
            ),
            AppError::Internal(_) | AppError::Storage(_) => {
                let r = log_internal(&self.0.cause_chain());
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    format!("Something went wrong on the server (reference {r})."),
                    None,
                )
            }
        };
        let mut body = json!({"error": {"code": code, "message": message}});
        if let Some(f) = fields {
            body["error"]["fields"] = json!(f.0);
        }
        let mut res = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

/// An error answered as a page. A missing session sends the person to sign in.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    nav: Option<crate::layout::Nav>,
    notice: Option<String>,
    heading: &'a str,
    message: &'a str,
    reference: Option<String>,
}

pub(crate) fn page_error_response(
    status: StatusCode,
    heading: &str,
    message: &str,
    reference: Option<String>,
) -> Response {
    let page = ErrorPage {
        nav: None,
        notice: None,
        heading,
        message,
        reference,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_owned()).into_response(),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self.0 {
            AppError::Unauthorized(_) => Redirect::to("/login").into_response(),
            AppError::NotFound => page_error_response(
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing here, or it is restricted to the people working on it.",
                None,
            ),
            AppError::Forbidden(m) => {
                page_error_response(StatusCode::FORBIDDEN, "Not allowed", &m, None)
            }
            AppError::Invalid(f) => {
                let text = f.0.values().cloned().collect::<Vec<_>>().join(" ");
                page_error_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Please check what you entered",
                    &text,
                    None,
                )
            }
            AppError::Conflict => page_error_response(
                StatusCode::CONFLICT,
                "Changed by someone else",
                "Someone else changed this record while you were working on it. Go back, reload the page and make your change again.",
                None,
            ),
            e @ AppError::Throttled { .. } => page_error_response(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                &e.to_string(),
                None,
            ),
            e @ (AppError::Internal(_) | AppError::Storage(_)) => {
                let r = log_internal(&e.cause_chain());
                page_error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The server could not complete this. Nothing was saved by the failed step.",
                    Some(r),
                )
            }
        }
    }
}

/// Renders a template, turning a rendering failure into a logged 500.
pub(crate) fn render<T: Template>(t: &T) -> Result<Html<String>, PageError> {
    t.render()
        .map(Html)
        .map_err(|e| PageError(AppError::Internal(format!("template: {e}"))))
}

/// What a page handler answers.
pub(crate) type PageResult = Result<Response, PageError>;

/// The same page again with the problems shown, as 422.
pub(crate) fn refused<T: Template>(page: &T) -> PageResult {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
}

pub(crate) fn unprocessable(html: Html<String>, status: StatusCode) -> Response {
    (status, html).into_response()
}

/// The answer to the security-key script: JSON, or `{"error": …}` with the
/// status of the failure and a message a person understands.
pub(crate) fn script_answer(r: Result<serde_json::Value, AppError>) -> Response {
    use axum::http::StatusCode;
    match r {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => {
            let (status, message) = match &e {
                AppError::Invalid(errors) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    errors.0.values().next().cloned().unwrap_or_default(),
                ),
                AppError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, m.clone()),
                AppError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
                AppError::Throttled { .. } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("Too many failed attempts: {e}."),
                ),
                AppError::NotFound => (StatusCode::NOT_FOUND, "Not found.".into()),
                _ => return PageError(e).into_response(),
            };
            (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
        }
    }
}
