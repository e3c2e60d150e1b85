//! `kb feedback` and `kb insights`: what the store holds, for content owners and scripts.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{DataExportArgs, FeedbackArgs, FeedbackFormat, InsightsArgs, PurgeArgs};
use crate::store::Store;

/// Writes every piece of feedback, grouped by owning team, then article.
pub fn feedback(args: &FeedbackArgs) -> anyhow::Result<ExitCode> {
    let store = Store::at(&args.store.place())?;
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
    let store = Store::at(&args.store.place())?;
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

/// `kb data purge`: deletes every stored search and piece of feedback, or those stored
/// before `--before`.
pub fn purge(args: &PurgeArgs) -> anyhow::Result<ExitCode> {
    let before = match &args.before {
        None => i64::MAX,
        Some(day) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let date = time::Date::parse(day, format).map_err(|e| {
                anyhow::anyhow!("--before takes a day as 2026-01-31; got `{day}`: {e}")
            })?;
            date.midnight().assume_utc().unix_timestamp()
        }
    };
    let store = Store::at(&args.store.place())?;
    let (searches, feedback) = store.purge_before(before)?;
    if args.json {
        return super::print_json(
            &serde_json::json!({ "searches": searches, "feedback": feedback }),
            false,
        );
    }
    println!(
        "deleted {searches} searches and {feedback} pieces of feedback from {}",
        store.describe()
    );
    Ok(ExitCode::SUCCESS)
}

/// `kb data export`: everything stored, as one JSON document.
pub fn export(args: &DataExportArgs) -> anyhow::Result<ExitCode> {
    let store = Store::at(&args.store.place())?;
    super::print_json(&store.export()?, true)
}
