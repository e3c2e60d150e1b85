//! `kb index`.

use std::process::ExitCode;

use crate::cli::IndexArgs;
use crate::index::{IndexOptions, Indexer};

pub fn run(args: &IndexArgs) -> anyhow::Result<ExitCode> {
    let mut indexer = Indexer::open(&args.index)?;
    // Each article's last change comes from git when the articles are in a work tree.
    let history = crate::history::History::open(&args.articles, Some(&args.data.data));
    if history.repo().is_some() {
        indexer.set_history(std::sync::Arc::new(history));
    }
    let progress = super::progress::bar(args.quiet || args.json, "indexing");
    let report = indexer.sync(&args.articles, IndexOptions { full: args.full }, &progress)?;
    progress.finish_and_clear();
    if args.full || report.added > report.articles / 2 {
        indexer.merge_all()?;
    }
    indexer.finish()?;
    if let Some(reason) = &report.rebuilt {
        tracing::warn!("rebuilt the index: {reason}");
    }
    for p in &report.problems {
        tracing::debug!("{p}");
    }
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else if !args.quiet {
        println!("{report}");
    }
    Ok(ExitCode::SUCCESS)
}
