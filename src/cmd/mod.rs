//! One module per `kb` subcommand: each turns its arguments into calls to the library and
//! writes the output.

use std::process::ExitCode;

pub mod check;
pub mod desk;
pub mod eval;
pub mod export;
pub mod index;
mod progress;
pub mod search;
pub mod serve;
pub mod show;

/// Writes `value` as JSON and a newline on standard output (pretty: indented).
fn print_json(value: &impl serde::Serialize, pretty: bool) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if pretty {
        serde_json::to_writer_pretty(&mut out, value)?;
    } else {
        serde_json::to_writer(&mut out, value)?;
    }
    writeln!(out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A searcher over the index in `index`, with the synonyms of `synonyms` or, by default, of
/// the articles folder the index was built from.
fn searcher(
    index: &std::path::Path,
    synonyms: Option<&std::path::Path>,
) -> anyhow::Result<crate::search::Searcher> {
    let index = crate::index::KbIndex::open(index)?;
    let file = synonyms.map(std::path::Path::to_owned).or_else(|| {
        index
            .articles()
            .map(|a| crate::search::synonyms::default_file(&a))
    });
    let searcher = crate::search::Searcher::new(index);
    Ok(match file {
        Some(file) => searcher.with_synonyms_file(file),
        None => searcher,
    })
}
