//! The HTTP face of the knowledge base: server-rendered pages for support agents and a JSON
//! API, over the same search core as `kb search`.
//!
//! [`app`] builds the whole application from an [`AppState`] and nothing else, so tests drive
//! it in-process with `oneshot` and no socket; `kb serve` binds it. Each area (pages, API,
//! static assets, article files) has its own `router()`, merged here under one stack of
//! middleware (tracing, security headers, time-out, limits, compression, conditional
//! requests, error pages); [`server::serve`] puts it on a socket with the limits hyper must
//! enforce itself. The web layer never touches tantivy types: it calls
//! [`crate::search`] and [`crate::search::lookup`].

mod api;
mod assets;
mod desk;
mod error;
mod files;
pub mod freshness;
mod http;
mod links;
mod openapi;
mod pages;
mod params;
pub mod server;
mod state;
mod views;
mod vocab;
pub mod watch;

use axum::Router;

pub use error::WebError;
pub use state::{AppState, CheckSnapshot, Desk, lower_priority};

/// The whole application: every route, with the middleware stack.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .merge(pages::router())
        .merge(api::router())
        .merge(desk::router())
        .merge(assets::router())
        .merge(files::router())
        .fallback(pages::not_found)
        .with_state(state);
    http::layers(routes)
}
