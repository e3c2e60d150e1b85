//! The `kb` command line: argument definitions (clap derive) and dispatch to one module per
//! subcommand under `cmd/`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::cmd;

/// A searchable knowledge base of Azure self-help support articles.
#[derive(Debug, Parser)]
#[command(name = "kb", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check articles for problems: `path:line: severity[code]: message`. Exits 1 on errors.
    Check(CheckArgs),
    /// Write every article as one JSON object per line, sorted by path.
    Export(ExportArgs),
    /// Build or update the search index (incremental unless --full).
    Index(IndexArgs),
}

/// Output format of `kb check`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Folder of articles, read recursively.
    #[arg(long, default_value = "articles")]
    pub articles: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Folder of articles, read recursively.
    #[arg(long, default_value = "articles")]
    pub articles: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// Folder of articles, read recursively.
    #[arg(long, default_value = "articles")]
    pub articles: PathBuf,
    /// Index directory.
    #[arg(long, default_value = "index")]
    pub index: PathBuf,
    /// Rebuild every article instead of only new and changed ones.
    #[arg(long)]
    pub full: bool,
    /// No progress bar and no summary line.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the report as JSON on standard output instead of the summary line.
    #[arg(long)]
    pub json: bool,
}

/// Runs a parsed command line; the exit code is the command's verdict (1: `kb check` found
/// errors).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => cmd::check::run(&args),
        Command::Export(args) => cmd::export::run(&args),
        Command::Index(args) => cmd::index::run(&args),
    }
}
