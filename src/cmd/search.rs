//! `kb search`.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::SearchArgs;
use crate::search::SearchRequest;

pub fn run(args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let searcher = super::searcher(&args.index, args.synonyms.as_deref())?;
    let req = SearchRequest {
        q: args.query.join(" "),
        topic: args.topic.clone(),
        filters: args.filters.0.clone(),
        page: args.page,
        per_page: args.limit,
        ..SearchRequest::default()
    };
    let resp = searcher.search(&req)?;
    if args.json {
        return super::print_json(&resp, false);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let first = (resp.page - 1) * resp.per_page;
    writeln!(
        out,
        "{} results{} ({:.2} ms), page {}",
        resp.total,
        if resp.relaxed {
            " matching any word"
        } else {
            ""
        },
        resp.took_ms,
        resp.page
    )?;
    for e in &resp.expanded {
        writeln!(out, "also searched for: {e}")?;
    }
    if let Some(s) = &resp.suggestion {
        writeln!(out, "did you mean: {s}")?;
    }
    for (i, hit) in resp.hits.iter().enumerate() {
        let kind = if hit.self_help_type.is_empty() {
            "-"
        } else {
            &hit.self_help_type
        };
        let service = if hit.service.is_empty() {
            "-"
        } else {
            &hit.service
        };
        writeln!(out, "{:>4}. {}", first + i + 1, hit.title)?;
        writeln!(out, "      {}  [{kind}, {service}]", hit.path)?;
        if let Some(section) = &hit.section {
            writeln!(out, "      § {} (#{})", section.heading, section.anchor)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
