//! Images of the articles tree (`/files/{path}`), the one route that reads the file system
//! with a name from a request. The name is decoded once and refused if it has `..`, `.` or
//! empty segments; only image extensions are served; and the file's canonical path (symbolic
//! links resolved) must lie under the canonical articles root, so that neither a crafted name
//! nor a link inside the tree reaches anything else.

use axum::Router;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::error::WebError;
use super::params::{after, clip, relative_path};
use super::state::AppState;

/// Larger files are no article image.
const MAX_FILE: u64 = 20 * 1024 * 1024;

/// Image extensions served, with their content types.
const IMAGE_TYPES: [(&str, &str); 8] = [
    ("png", "image/png"),
    ("gif", "image/gif"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("webp", "image/webp"),
    ("svg", "image/svg+xml"),
    ("ico", "image/x-icon"),
    ("bmp", "image/bmp"),
];

pub fn router() -> Router<AppState> {
    Router::new().route("/files/{*path}", get(file))
}

fn content_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    IMAGE_TYPES.iter().find(|(e, _)| *e == ext).map(|(_, t)| *t)
}

async fn file(State(state): State<AppState>, uri: Uri) -> Result<Response, WebError> {
    let rel = relative_path(after(&uri, "/files/"))?;
    let Some(content_type) = content_type(&rel) else {
        return Err(WebError::not_found(format!(
            "`{}` is not an image; /files/ serves only {} files of the articles folder",
            clip(&rel),
            IMAGE_TYPES.map(|(e, _)| e).join(", ")
        )));
    };
    let missing = format!("no image `{}` in the articles folder", clip(&rel));
    let root = state.articles_root().to_owned();
    let bytes = tokio::task::spawn_blocking(move || read_under(&root, &rel))
        .await
        .map_err(|e| WebError::Internal(e.into()))?;
    let Some(bytes) = bytes else {
        return Err(WebError::not_found(missing));
    };
    let mut response = (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // Images change rarely; the ETag revalidates them after five minutes.
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        bytes,
    )
        .into_response();
    if content_type == "image/svg+xml" {
        // An SVG opened on its own is a document that could run script: sandbox it.
        response.headers_mut().insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        );
    }
    Ok(response)
}

/// The bytes of `root/rel` when it is a regular file under `root` once both are
/// canonicalized; `None` for anything else (missing, a folder, outside, unreadable).
fn read_under(root: &std::path::Path, rel: &str) -> Option<Vec<u8>> {
    let root = std::fs::canonicalize(root).ok()?;
    let file = std::fs::canonicalize(root.join(rel)).ok()?;
    if !file.starts_with(&root) {
        tracing::warn!(
            "refused {}: it resolves outside the articles folder",
            file.display()
        );
        return None;
    }
    let meta = std::fs::metadata(&file).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE {
        return None;
    }
    match std::fs::read(&file) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            tracing::warn!("reading {}: {e}", file.display());
            None
        }
    }
}
