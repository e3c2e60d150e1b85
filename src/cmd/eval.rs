//! `kb eval`.

use std::process::ExitCode;

use crate::cli::EvalArgs;
use crate::eval::{QuerySets, evaluate};
use crate::index::KbIndex;
use crate::search::Searcher;

pub fn run(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let searcher = Searcher::new(KbIndex::open(&args.index)?);
    let sets = QuerySets::load(&args.queries)?;
    let r = evaluate(&searcher, &sets)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "topic exact-set rate   {:.4} ({} of {})",
        r.topic_exact_rate, r.topics_exact, r.topics
    );
    println!(
        "known-item MRR@10      {:.4}   success@1 {:.4} ({} queries)",
        r.known_mrr10, r.known_success1, r.known_items
    );
    println!(
        "typo MRR@10            {:.4}   success@1 {:.4} ({} queries)",
        r.typo_mrr10, r.typo_success1, r.typo_items
    );
    println!(
        "free-text latency      p50 {:.3} ms   p99 {:.3} ms ({} queries x 5)",
        r.freetext_p50_ms, r.freetext_p99_ms, r.freetext_queries
    );
    println!(
        "service facet = services.tsv: {}",
        if r.services_equal { "yes" } else { "NO" }
    );
    for (s, e, f) in &r.service_differences {
        println!("  service {s}: expected {e}, found {f}");
    }
    if args.misses {
        for (label, misses) in [("known", &r.known_misses), ("typo", &r.typo_misses)] {
            for m in misses {
                println!(
                    "{label} miss: {:?} -> expected {} at {:?}, first {}",
                    m.query,
                    m.expected,
                    m.rank,
                    m.first.as_deref().unwrap_or("-")
                );
            }
        }
        for t in &r.topic_mismatches {
            println!("topic mismatch: {t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
