//! `kb eval`.

use std::process::ExitCode;

use crate::cli::EvalArgs;
use crate::eval::{QuerySets, evaluate};

pub fn run(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let searcher = super::searcher(&args.index, args.synonyms.as_deref())?;
    let mut sets = QuerySets::load(&args.queries)?;
    if let Some(articles) = &args.articles {
        let corpus = crate::corpus::load(articles)?;
        sets.generate(&corpus.articles, args.seed, args.per_kind);
    }
    if let Some(dir) = &args.write_sets {
        sets.write_kinds(dir)?;
    }
    let r = evaluate(&searcher, &sets)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "topic exact-set rate   {:.4} ({} of {})",
        r.topic_exact_rate, r.topics_exact, r.topics
    );
    println!("kind          queries   MRR@10  success@1   p50 ms   p99 ms");
    for k in &r.kinds {
        println!(
            "{:<12} {:>8}   {:.4}     {:.4}   {:>6.3}   {:>6.3}",
            k.kind.name(),
            k.queries,
            k.mrr10,
            k.success1,
            k.p50_ms,
            k.p99_ms
        );
    }
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
        for k in &r.kinds {
            for m in &k.misses {
                println!("{} miss: {m}", k.kind.name());
            }
        }
        for t in &r.topic_mismatches {
            println!("topic mismatch: {t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
