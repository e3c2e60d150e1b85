//! The app in-process: its state over an index built for a test, and requests sent with
//! `oneshot` (no socket).

use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use selfhelp_kb::index::{Indexer, KbIndex};
use selfhelp_kb::web::AppState;

/// The state over an index of `articles` built in `index_dir`, its reader taken from the
/// writer's index, and the health report computed (pages show "being checked" until then).
pub fn app_state(articles: &Path, index_dir: &Path) -> AppState {
    let mut indexer = Indexer::open(index_dir).expect("the index opens for writing");
    super::index::sync(&mut indexer, articles, false);
    let index = KbIndex::from_index(indexer.index().clone(), index_dir).expect("the reader opens");
    indexer.finish().expect("the writer finishes");
    let state = AppState::new(index, articles);
    state.refresh_check().expect("the articles are checked");
    state
}

/// An answer of the app, read to its end.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("the body is UTF-8")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: HeaderName) -> &str {
        self.headers
            .get(&name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .expect("a text header")
    }
}

/// Sends `req` to the app and reads the whole answer; `Err` says what failed on the way.
pub async fn try_send(app: &Router, req: Request<Body>) -> Result<Reply, String> {
    let resp = app.clone().oneshot(req).await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("reading the body: {e}"))?
        .to_bytes()
        .to_vec();
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// [`try_send`] that must succeed.
pub async fn send(app: &Router, req: Request<Body>) -> Reply {
    let what = req.uri().to_string();
    try_send(app, req)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// `GET uri`.
pub async fn get(app: &Router, uri: &str) -> Reply {
    send(
        app,
        Request::get(uri)
            .body(Body::empty())
            .unwrap_or_else(|e| panic!("{uri}: {e}")),
    )
    .await
}

/// A relative article path as a URL path: each segment percent-encoded (everything but RFC
/// 3986's unreserved characters), `/` kept.
pub fn enc_path(path: &str) -> String {
    path.split('/').map(enc).collect::<Vec<_>>().join("/")
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn enc(s: &str) -> String {
    enc_bytes(s.as_bytes())
}

/// Percent-encodes bytes (which need not be UTF-8).
pub fn enc_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
