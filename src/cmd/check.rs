//! `kb check`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::article::Severity;
use crate::check::CheckReport;
use crate::cli::{CheckArgs, Format};

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let corpus = crate::corpus::load(&args.articles)?;
    let report = CheckReport::new(&corpus);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            serde_json::to_writer(&mut out, &report).context("writing the report")?;
            writeln!(out)?;
        }
        Format::Text => {
            for p in &report.problems {
                writeln!(out, "{p}")?;
            }
            let (errors, warnings) = (
                report.count(Severity::Error),
                report.count(Severity::Warning),
            );
            eprintln!(
                "checked {} files: {} articles, {errors} errors, {warnings} warnings",
                report.files, report.articles
            );
        }
    }
    out.flush()?;
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
