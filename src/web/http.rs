//! The middleware every response goes through, outermost first:
//!
//! 1. request tracing (one span and one line per request);
//! 2. security headers: a Content-Security-Policy that allows no inline script or style
//!    (everything is served from `/static/`), `nosniff`, no framing, a same-origin referrer;
//! 3. a panic becomes a generic 500 instead of a dropped connection;
//! 4. a time-out, so that a slow request cannot hold a connection for ever;
//! 5. error pages: an error of a page route is rendered as HTML (the API keeps JSON);
//! 6. limits on the URI, the headers and the body (the server only answers GETs);
//! 7. compression;
//! 8. conditional requests: a weak `ETag` from the body's hash, `304 Not Modified` for a
//!    matching `If-None-Match`, and `Cache-Control: no-cache` unless a route chose otherwise
//!    (pages change with every sync, so they are revalidated; static assets are versioned
//!    and say `immutable`).

use std::time::Duration;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, ETAG, IF_NONE_MATCH, REFERRER_POLICY, VARY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use super::error::{ErrorInfo, error_response};

/// No page or search takes this long; past it the request is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest request target (path and query), in bytes.
pub const MAX_URI: usize = 8 * 1024;
/// Most header bytes (names and values) and headers in a request.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
pub const MAX_HEADERS: usize = 100;
/// Every route is a GET; a body is never needed.
pub const MAX_BODY: usize = 16 * 1024;
/// Bodies larger than this get no ETag (they would have to be held in memory to hash).
const MAX_ETAG_BODY: u64 = 32 * 1024 * 1024;

/// The policy of every page: scripts, styles, images and fetches from this server only,
/// nothing inline, no plugins, no framing, forms only to this server.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                       img-src 'self' data:; connect-src 'self'; font-src 'self'; \
                       manifest-src 'self'; form-action 'self'; base-uri 'none'; \
                       frame-ancestors 'none'";

/// Wraps the routes in the middleware stack.
pub fn layers(routes: Router) -> Router {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    routes
        .layer(middleware::from_fn(conditional))
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(middleware::from_fn(limits))
        .layer(middleware::from_fn(error_pages))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side; it has been logged.".to_owned(),
            )
        }))
        .layer(header(CONTENT_SECURITY_POLICY, CSP))
        .layer(header(X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(X_FRAME_OPTIONS, "DENY"))
        .layer(header(REFERRER_POLICY, "same-origin"))
        .layer(header(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
        .layer(header(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(path_only_span)
                .on_response(DefaultOnResponse::new().level(Level::DEBUG)),
        )
}

/// The span of a request: its method and path, never its query string, which holds what
/// the agent typed (and so, before redaction, a customer's personal data).
fn path_only_span(req: &Request) -> tracing::Span {
    tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
}

/// True for routes that answer JSON, errors included.
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/healthz"
}

/// Renders the error of a page route as an HTML page with the same status.
async fn error_pages(req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let response = next.run(req).await;
    if api {
        return response;
    }
    match response.extensions().get::<ErrorInfo>() {
        Some(info) => super::pages::error_page(response.status(), &info.message),
        None => response,
    }
}

/// Refuses requests larger than any this server needs, before a handler sees them.
async fn limits(req: Request, next: Next) -> Response {
    let uri_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_len > MAX_URI {
        return error_response(
            StatusCode::URI_TOO_LONG,
            format!("the URL is {uri_len} bytes long; at most {MAX_URI} are accepted"),
        );
    }
    let headers = req.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len())
        .sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return error_response(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the request has {} headers of {header_bytes} bytes; at most {MAX_HEADERS} \
                 headers of {MAX_HEADER_BYTES} bytes are accepted",
                headers.len()
            ),
        )
        .into_response();
    }
    next.run(req).await
}

/// ETag, `304 Not Modified` and a default `Cache-Control`.
async fn conditional(req: Request, next: Next) -> Response {
    let cacheable = matches!(*req.method(), Method::GET | Method::HEAD);
    let if_none_match = req.headers().get(IF_NONE_MATCH).cloned();
    let mut response = next.run(req).await;
    let status = response.status();
    if !response.headers().contains_key(CACHE_CONTROL) {
        // Errors may be fixed by the next sync: never keep them.
        let value = if status.is_client_error() || status.is_server_error() {
            "no-store"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(value));
    }
    if !cacheable || status != StatusCode::OK {
        return response;
    }
    let etag = match response.headers().get(ETAG) {
        Some(tag) => tag.clone(),
        None => {
            let small = response
                .body()
                .size_hint()
                .upper()
                .is_some_and(|n| n <= MAX_ETAG_BODY);
            if !small {
                return response;
            }
            let (mut parts, body) = response.into_parts();
            let bytes = match axum::body::to_bytes(body, MAX_ETAG_BODY as usize).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!("reading a response body: {e}");
                    return error_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Something went wrong on our side; it has been logged.".to_owned(),
                    );
                }
            };
            let hash = blake3::hash(&bytes).to_hex();
            let tag = format!("W/\"{}\"", &hash.as_str()[..24]);
            // A hex digest is always a valid header value.
            let tag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("W/\"\""));
            parts.headers.insert(ETAG, tag.clone());
            response = Response::from_parts(parts, Body::from(bytes));
            tag
        }
    };
    if let Some(inm) = if_none_match
        && etag_matches(&inm, &etag)
    {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        for name in [ETAG, CACHE_CONTROL, VARY] {
            if let Some(v) = response.headers().get(&name) {
                not_modified.headers_mut().insert(name, v.clone());
            }
        }
        return not_modified;
    }
    response
}

/// Weak comparison (RFC 9110 13.1.2): `W/` prefixes are ignored, lists and `*` understood.
fn etag_matches(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let (Ok(list), Ok(tag)) = (if_none_match.to_str(), etag.to_str()) else {
        return false;
    };
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let tag = opaque(tag);
    list.split(',').any(|t| t.trim() == "*" || opaque(t) == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_etags_match_in_lists() {
        let tag = HeaderValue::from_static("W/\"abc\"");
        for inm in ["W/\"abc\"", "\"abc\"", "\"x\", W/\"abc\"", "*"] {
            assert!(etag_matches(&HeaderValue::from_static(inm), &tag), "{inm}");
        }
        assert!(!etag_matches(&HeaderValue::from_static("\"abd\""), &tag));
    }
}
