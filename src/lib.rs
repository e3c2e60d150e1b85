//! selfhelp-kb: a searchable knowledge base of Azure self-help support articles.
//!
//! The data flows one way: [`article`] reads one file, [`corpus`] reads a folder of them,
//! [`check`] and [`export`] report on and hand out what was read.

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
