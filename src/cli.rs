//! The `kb` command line: argument definitions (clap derive) and dispatch to one module per
//! subcommand under `cmd/`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::cmd;
use crate::render::reply::{PublicBase, ReplyFormat};
use crate::search::{ByFacet, Facet};

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
    /// Search the index: a table, or the SearchResponse as JSON.
    Search(SearchArgs),
    /// Print an article from the index: its Markdown, or with --reply the text to paste
    /// into a reply to the customer.
    Show(ShowArgs),
    /// Measure search quality and latency against ground-truth query sets.
    Eval(EvalArgs),
    /// Serve the web pages and the JSON API (building or updating the index first).
    Serve(ServeArgs),
    /// Export agents' feedback, grouped by the owning team (ownershipId).
    Feedback(FeedbackArgs),
    /// What agents searched for and did not find, opened and flagged.
    Insights(InsightsArgs),
    /// The stored searches and feedback: delete them or export them all.
    Data(DataArgsCommand),
}

/// Where feedback and the search log are kept.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Data folder (feedback and the search log, in SQLite). Never inside the index, so
    /// `kb index --full` leaves it alone.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
}

/// Where feedback and the search log are kept: SQLite in the data folder, or PostgreSQL.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// PostgreSQL instead of SQLite (`postgres://user@host:port/database`), so that several
    /// servers share one store. The data folder still keeps the git history's summaries.
    #[arg(long, env = "KB_DATABASE")]
    pub database: Option<String>,
}

impl StoreArgs {
    /// Where the store is.
    pub fn place(&self) -> crate::store::Place {
        match &self.database {
            Some(url) => crate::store::Place::Postgres(url.clone()),
            None => crate::store::Place::Folder(self.data.data.clone()),
        }
    }
}

/// `kb data`: what a data-protection request needs.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Delete stored searches and feedback: all of them, or those before a date.
    Purge(PurgeArgs),
    /// Write everything stored (feedback and the search log) as JSON.
    Export(DataExportArgs),
}

#[derive(Debug, clap::Args)]
pub struct DataArgsCommand {
    #[command(subcommand)]
    pub command: DataCommand,
}

#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Delete only what was stored before this day (`2026-01-31`, UTC midnight).
    #[arg(long)]
    pub before: Option<String>,
    /// Print what was deleted as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct DataExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Output format of `kb feedback`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum FeedbackFormat {
    #[default]
    Csv,
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct FeedbackArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// csv (with a header row) or jsonl (one JSON object per line).
    #[arg(long, value_enum, default_value_t = FeedbackFormat::Csv)]
    pub format: FeedbackFormat,
}

#[derive(Debug, clap::Args)]
pub struct InsightsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Over how many days.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Rows in each list.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print the insights as JSON.
    #[arg(long)]
    pub json: bool,
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
    /// Where the summaries of the articles' git history are kept between runs.
    #[command(flatten)]
    pub data: DataArgs,
    /// No progress bar and no summary line.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the report as JSON on standard output instead of the summary line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Index directory.
    #[arg(long, default_value = "index")]
    pub index: PathBuf,
    /// Only articles listing this support topic ID.
    #[arg(long)]
    pub topic: Option<String>,
    /// One flag per facet (`--service`, `--type`, ...), each repeatable: any of its values.
    #[command(flatten)]
    pub filters: FacetFlags,
    /// Hits per page (at most 100).
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Page number, from 1.
    #[arg(long, default_value_t = 1)]
    pub page: usize,
    /// Print the SearchResponse as JSON.
    #[arg(long)]
    pub json: bool,
    /// Synonyms file (one group of equivalent forms per line; see the README). Default:
    /// `synonyms.txt` in the articles folder. Read again whenever it changes.
    #[arg(long)]
    pub synonyms: Option<PathBuf>,
    /// The query: words, "phrases", -exclusions, field:value filters. None: browse.
    pub query: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Index directory.
    #[arg(long, default_value = "index")]
    pub index: PathBuf,
    /// Print the article as text for a reply to a customer (tokens filled, portal steps in
    /// words, links kept) instead of its Markdown.
    #[arg(long)]
    pub reply: bool,
    /// Only this section: a heading's anchor on the article page (`what-happened`) or a
    /// named section's name (`issueDescription`).
    #[arg(long, requires = "reply")]
    pub section: Option<String>,
    /// The reply's format: `text` or `markdown`.
    #[arg(long, requires = "reply", default_value = "text")]
    pub format: ReplyFormat,
    /// A replacement token's value, as NAME=VALUE (`--token vmname=web01`); repeatable.
    #[arg(long = "token", value_name = "NAME=VALUE", value_parser = token_value, requires = "reply")]
    pub tokens: Vec<(String, String)>,
    /// The public address of the knowledge base's pages (`https://kb.example.com`): links to
    /// other articles and to images keep their address under it. Without it they keep only
    /// their label.
    #[arg(long, value_name = "URL", requires = "reply")]
    pub public_base: Option<PublicBase>,
    /// The article's path, as `kb search` shows it (with `.md`).
    pub path: String,
}

/// `NAME=VALUE` of `--token`.
fn token_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!(
            "`{s}` is not a token value; give NAME=VALUE, such as vmname=web01"
        )),
    }
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Index directory (built from the corpus the queries were made for).
    #[arg(long, default_value = "index")]
    pub index: PathBuf,
    /// Folder with topics.tsv, services.tsv, known_items.tsv, typo_items.tsv, freetext.txt.
    #[arg(long)]
    pub queries: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// List every query whose target is not the first hit.
    #[arg(long)]
    pub misses: bool,
    /// The articles the index was built from: generates the query kinds (symptom, acronym,
    /// error_code, heading, description) that have no `KIND.tsv` in --queries.
    #[arg(long)]
    pub articles: Option<PathBuf>,
    /// Seed of the generated sets: one seed, one set of queries.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Queries per generated kind (fewer when the corpus has fewer).
    #[arg(long, default_value_t = 500)]
    pub per_kind: usize,
    /// Write the generated sets as KIND.tsv files into this folder.
    #[arg(long)]
    pub write_sets: Option<PathBuf>,
    /// Synonyms file (one group of equivalent forms per line; see the README). Default:
    /// `synonyms.txt` in the articles folder. Read again whenever it changes.
    #[arg(long)]
    pub synonyms: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Folder of articles, read recursively (images under it are served too).
    #[arg(long, default_value = "articles")]
    pub articles: PathBuf,
    /// Index directory; built or updated from the articles before serving.
    #[arg(long, default_value = "index")]
    pub index: PathBuf,
    /// Address to listen on. The default serves this machine only.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Keep the index in line with the articles folder while serving.
    #[arg(long)]
    pub watch: bool,
    /// The public address of these pages (`https://kb.example.com`), where customers can
    /// open them: the reply text of an article keeps its links to other articles and to
    /// images under it. Without it they keep only their label.
    #[arg(long, value_name = "URL")]
    pub public_base: Option<PublicBase>,
    /// Synonyms file (one group of equivalent forms per line; see the README). Default:
    /// `synonyms.txt` in the articles folder. Read again whenever it changes.
    #[arg(long)]
    pub synonyms: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Days after an article's last change past which its page marks it stale.
    #[arg(long, default_value_t = crate::web::freshness::DEFAULT_STALE_DAYS)]
    pub stale_after: u32,
    /// Do not log searches (feedback is still kept).
    #[arg(long)]
    pub no_search_log: bool,
    /// Days a logged search is kept; older ones are deleted at start and every hour.
    #[arg(long, default_value_t = crate::store::DEFAULT_RETENTION_DAYS)]
    pub search_log_days: u32,
    /// Days feedback is kept (0: for ever); older feedback is deleted at start and every
    /// hour.
    #[arg(long, default_value_t = crate::store::DEFAULT_FEEDBACK_RETENTION_DAYS)]
    pub feedback_days: u32,
}

/// Runs a parsed command line; the exit code is the command's verdict (1: `kb check` found
/// errors).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => cmd::check::run(&args),
        Command::Export(args) => cmd::export::run(&args),
        Command::Index(args) => cmd::index::run(&args),
        Command::Search(args) => cmd::search::run(&args),
        Command::Show(args) => cmd::show::run(&args),
        Command::Eval(args) => cmd::eval::run(&args),
        Command::Serve(args) => cmd::serve::run(&args),
        Command::Feedback(args) => cmd::desk::feedback(&args),
        Command::Insights(args) => cmd::desk::insights(&args),
        Command::Data(args) => match &args.command {
            DataCommand::Purge(a) => cmd::desk::purge(a),
            DataCommand::Export(a) => cmd::desk::export(a),
        },
    }
}

/// The facet filters of `kb search`: a repeatable `--NAME` per [`Facet`], made from the
/// facets themselves so that a new facet has its flag.
#[derive(Debug, Clone, Default)]
pub struct FacetFlags(pub ByFacet<Vec<String>>);

impl clap::FromArgMatches for FacetFlags {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        Ok(FacetFlags(ByFacet::from_fn(|f| {
            m.get_many::<String>(f.name())
                .map(|v| v.cloned().collect())
                .unwrap_or_default()
        })))
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = FacetFlags::from_arg_matches(m)?;
        Ok(())
    }
}

impl clap::Args for FacetFlags {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        Facet::ALL.into_iter().fold(cmd, |cmd, f| {
            cmd.arg(
                clap::Arg::new(f.name())
                    .long(f.name())
                    .value_name("VALUE")
                    .action(clap::ArgAction::Append)
                    .help(f.help()),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        FacetFlags::augment_args(cmd)
    }
}
