//! `kb export`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::ExportArgs;

pub fn run(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let corpus = crate::corpus::load(&args.articles)?;
    for p in &corpus.problems {
        tracing::warn!("{p}");
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    crate::export::write_jsonl(&corpus.articles, &mut out).context("writing the export")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
