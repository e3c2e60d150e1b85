//! `kb feedback` and `kb insights`: what the store holds, for content owners and scripts.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{FeedbackArgs, FeedbackFormat, InsightsArgs};
use crate::store::Store;

/// Writes every piece of feedback, grouped by owning team, then article.
pub fn feedback(args: &FeedbackArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(&args.data.data)?;
    let rows = store.feedback()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        FeedbackFormat::Csv => {
            let mut csv = csv::Writer::from_writer(&mut out);
            for row in &rows {
                csv.serialize(row)?;
            }
            if rows.is_empty() {
                // The header alone, so that an empty export still says its columns.
                csv.write_record([
                    "id",
                    "time",
                    "ownership_id",
                    "path",
                    "article_id",
                    "title",
                    "kind",
                    "comment",
                ])?;
            }
            csv.flush()?;
        }
        FeedbackFormat::Jsonl => {
            for row in &rows {
                serde_json::to_writer(&mut out, row)?;
                writeln!(out)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the insights: a short report, or the JSON `/insights` is made from.
pub fn insights(args: &InsightsArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(&args.data.data)?;
    let i = store.insights(args.days, args.limit)?;
    if args.json {
        return super::print_json(&i, true);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    writeln!(
        out,
        "last {} days: {} searches, {} pieces of feedback",
        i.days, i.searches, i.feedback
    )?;
    for (title, list) in [
        ("no results", &i.zero_results),
        ("nothing opened", &i.no_click),
        ("top queries", &i.top_queries),
    ] {
        writeln!(out, "\n{title}:")?;
        for q in list {
            writeln!(out, "  {:>6}  {}", q.count, q.q)?;
        }
    }
    writeln!(out, "\nmost opened:")?;
    for o in &i.most_opened {
        writeln!(out, "  {:>6}  {}", o.count, o.path)?;
    }
    writeln!(out, "\nflagged by owner:")?;
    for o in &i.flagged_by_owner {
        let owner = if o.ownership_id.is_empty() {
            "(no owner)"
        } else {
            &o.ownership_id
        };
        writeln!(out, "  {owner}: {} flags", o.flags)?;
        for a in &o.articles {
            writeln!(
                out,
                "    {}  outdated {} wrong {} missing {}",
                a.path, a.outdated, a.wrong, a.missing
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
