//! The stylesheet, the script and the icon, compiled into the binary so that the server works
//! offline and from any directory. Pages link them with a `?v=` of their content's hash: a
//! versioned URL can be cached for a year, and a new build changes the URL.

use std::sync::LazyLock;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::Uri;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::error::WebError;
use super::params::Params;
use super::state::AppState;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: [Asset; 3] = [
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("static/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("static/app.js"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("static/icon.svg"),
    },
];

/// The first hex digits of each asset's hash, by position in [`ASSETS`].
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| blake3::hash(a.bytes).to_hex().as_str()[..12].to_owned())
        .collect()
});

/// The versioned URLs of the assets, as templates link them.
#[derive(Debug, Clone)]
pub struct AssetUrls {
    pub css: String,
    pub js: String,
    pub icon: String,
}

/// The URLs of this build's assets.
pub fn urls() -> &'static AssetUrls {
    static URLS: LazyLock<AssetUrls> = LazyLock::new(|| AssetUrls {
        css: url("app.css"),
        js: url("app.js"),
        icon: url("icon.svg"),
    });
    &URLS
}

fn url(name: &str) -> String {
    let version = ASSETS
        .iter()
        .position(|a| a.name == name)
        .and_then(|i| VERSIONS.get(i))
        .map_or("", String::as_str);
    format!("/static/{name}?v={version}")
}

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{name}", get(asset))
}

async fn asset(uri: Uri, params: Params) -> Result<Response, WebError> {
    let name = super::params::relative_path(super::params::after(&uri, "/static/"))?;
    let Some(i) = ASSETS.iter().position(|a| a.name == name) else {
        return Err(WebError::not_found(format!(
            "no static file `{}`; there are {}",
            super::params::clip(&name),
            ASSETS.map(|a| a.name).join(", ")
        )));
    };
    let asset = &ASSETS[i];
    // Only the current version may be cached for good: an old page asking for an old
    // version gets today's file, revalidated.
    let current = params.get("v") == VERSIONS.get(i).map(String::as_str);
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        asset.bytes,
    )
        .into_response())
}
