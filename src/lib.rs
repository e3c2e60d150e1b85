//! selfhelp-kb: a searchable knowledge base of Azure self-help support articles.
//!
//! The data flows one way, and each module owns one step of it:
//!
//! ```text
//!   files ──> article ──> corpus ──> index ──> search ──> web
//!             (one file)  (a folder) (tantivy)  (queries)  (pages, JSON API)
//!                │           └──> check, export                 ▲
//!                └──────────> render (article -> sanitized HTML) ┘
//! ```
//!
//! - [`article`]: bytes of one file -> [`Article`]: properties, sections, tokens, payload,
//!   plain text, problems. The one grammar of the format (its HTML tokenizer, its marker
//!   scanner, what names an article) lives here.
//! - [`corpus`]: a folder -> every article in it, with the problems across files.
//! - [`check`] and [`export`]: `kb check`'s report and `kb export`'s JSON lines.
//! - [`index`]: articles -> a tantivy index, kept in line with the folder; the read side.
//! - [`search`]: a [`search::SearchRequest`] -> hits, facet counts, lookups by ID or topic.
//! - [`render`]: an article -> the sanitized HTML of its page, its filled text, and the text
//!   of a reply to a customer ([`render::reply`]), read back from that same rendering.
//! - [`web`]: the axum app, pages and JSON API, over search and render.
//! - [`eval`]: search quality and speed against ground-truth queries.
//! - [`cli`], [`logging`] and the private `cmd`: the `kb` binary's edge.

pub mod article;
pub mod check;
pub mod cli;
mod cmd;
pub mod corpus;
pub mod eval;
pub mod export;
pub mod index;
pub mod logging;
pub mod render;
pub mod search;
pub mod web;

pub use article::{Article, Code, Problem, Severity};
pub use corpus::Corpus;
