//! Casework's web layer: server-rendered HTML pages and the JSON API under
//! `/api/v1`. Handlers are thin: parse, call a service in `casework_app`,
//! render. Nothing here touches storage directly.

mod api;
mod chart;
mod download;
mod error;
mod extract;
mod fmt;
mod layout;
mod pages;
mod serve;
mod state;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use casework_app::App;
use std::sync::Arc;

pub use api::openapi_json;
pub use serve::ConnectionLimits;
pub use state::{WebConfig, parse_trusted_proxies};

use state::AppState;

/// The whole web application.
pub fn router(app: App, config: WebConfig) -> Router {
    let body_limit = extract::body_limit(app.settings.max_message_bytes);
    let state = AppState {
        app,
        config: Arc::new(config),
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/static/app.css", get(stylesheet))
        .route("/static/webauthn.js", get(webauthn_script))
        .route("/static/people.js", get(people_script))
        .route("/static/keys.js", get(keys_script))
        .route("/static/menu.js", get(menu_script))
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        // Every body is limited as it streams (a message's worth of files
        // and its form), whatever extractor reads it.
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(read_once))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .with_state(state)
}

/// A request that changes nothing (GET, HEAD) reads what several parts of
/// its page need only once (`casework_app::memo`).
async fn read_once(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        casework_app::memo::reading(next.run(req)).await
    } else {
        next.run(req).await
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.app.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// A file of the app's own (style sheet, script), cached for an hour.
fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn stylesheet() -> Response {
    static_file("text/css; charset=utf-8", include_str!("../static/app.css"))
}

async fn webauthn_script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../static/webauthn.js"),
    )
}

async fn people_script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../static/people.js"),
    )
}

async fn keys_script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../static/keys.js"),
    )
}

async fn menu_script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../static/menu.js"),
    )
}

/// Security headers on every response, and the cross-site check for forms:
/// a state-changing request from another origin is refused outright.
async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let is_api = req.uri().path().starts_with("/api/");
    if unsafe_method && !is_api && !same_origin(&req) {
        tracing::info!(path = req.uri().path(), "cross-site form post refused");
        return error::page_error_response(
            StatusCode::FORBIDDEN,
            "Request refused",
            "This form was sent from another website, so it was not accepted.",
            None,
        );
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    // A handler may set a stricter policy of its own (the view of a message's HTML does).
    // Scripts only as files of this site, never inline: keys.js and menu.js run
    // on every signed-in page and people.js asks this site for choices as one types.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(
            h,
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        );
    }
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(
        h,
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    set(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages carry personal data: keep them out of shared and back-button caches.
        set(h, header::CACHE_CONTROL, "no-store");
    }
    if state.config.secure_cookies {
        set(h, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    res
}

/// True when the request's `Origin` (or, failing that, `Referer`) is this
/// site, or when neither header is present (old browsers, scripts).
fn same_origin(req: &Request) -> bool {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    let source = req
        .headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match (host, source) {
        (_, None) => true,
        (Some(host), Some(src)) => {
            let rest = src.split_once("://").map(|(_, r)| r).unwrap_or(src);
            let origin_host = rest.split('/').next().unwrap_or("");
            origin_host.eq_ignore_ascii_case(host)
        }
        (None, Some(_)) => false,
    }
}

/// Serves the application on `listener` until `shutdown` resolves, then
/// finishes the requests in flight.
pub async fn serve(
    app: App,
    config: WebConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = config.limits.clone();
    serve::serve(router(app, config), listener, limits, shutdown).await
}
