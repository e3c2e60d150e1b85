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
//! - [`history`]: the git history of the articles folder when it lies in a git work tree
//!   (each file's last change and number of changes, one file's log with diffs), read with
//!   gix in-process.
//! - [`index`]: articles -> a tantivy index, kept in line with the folder; the read side.
//! - [`search`]: a [`search::SearchRequest`] -> hits, facet counts, lookups by ID or topic.
//! - [`render`]: an article -> the sanitized HTML of its page, its filled text, and the text
//!   of a reply to a customer ([`render::reply`]), read back from that same rendering.
//! - [`web`]: the axum app, pages and JSON API, over search and render.
//! - [`store`]: what the app itself keeps (feedback, the search log, insights), in SQLite
//!   beside the index.
//! - [`eval`]: search quality and speed against ground-truth queries.
//! - [`cli`], [`logging`] and the private `cmd`: the `kb` binary's edge.

pub mod article;
pub mod check;
pub mod cli;
mod cmd;
pub mod corpus;
pub mod eval;
pub mod export;
pub mod history;
pub mod index;
pub mod logging;
pub mod render;
pub mod search;
pub mod store;
pub mod web;

pub use article::{Article, Code, Problem, Severity};
pub use corpus::Corpus;
