//! Ranking quality of every kind of query (`selfhelp_kb::eval::kinds`) for kb and the two
//! baselines, on exactly the same queries: MRR@10, success@1 and the latency of each engine,
//! printed as a table of its own beside the speed table.

use anyhow::Result;
use selfhelp_kb::eval::{Kind, KindReport, Query, kb_paths, rank_kind};
use selfhelp_kb::search::Searcher;
use serde::Serialize;

use crate::fts5::Fts5;
use crate::plain::Plain;

/// One kind, three engines.
#[derive(Debug, Serialize)]
pub struct QualityRow {
    pub kind: Kind,
    pub queries: usize,
    pub kb: Engine,
    pub fts5: Engine,
    pub plain_tantivy: Engine,
}

/// What one engine scored on one kind.
#[derive(Debug, Serialize)]
pub struct Engine {
    pub mrr10: f64,
    pub success1: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl From<KindReport> for Engine {
    fn from(r: KindReport) -> Engine {
        Engine {
            mrr10: r.mrr10,
            success1: r.success1,
            p50_ms: r.p50_ms,
            p99_ms: r.p99_ms,
        }
    }
}

/// Ranks every set with the three engines, kind by kind.
pub fn run(
    kb: &Searcher,
    fts5: &Fts5,
    plain: &Plain,
    sets: &[(Kind, Vec<Query>)],
) -> Result<Vec<QualityRow>> {
    let mut rows = Vec::new();
    for (kind, queries) in sets {
        crate::say(&format!(
            "ranking quality: {kind} ({} queries)",
            queries.len()
        ));
        let ours = rank_kind(*kind, queries, |q| kb_paths(kb, q))?;
        let theirs = rank_kind(*kind, queries, |q| -> Result<Vec<String>> {
            Ok(fts5.text(q)?.hits.into_iter().map(|h| h.path).collect())
        })?;
        let tantivy = rank_kind(*kind, queries, |q| plain.paths(q))?;
        rows.push(QualityRow {
            kind: *kind,
            queries: queries.len(),
            kb: ours.into(),
            fts5: theirs.into(),
            plain_tantivy: tantivy.into(),
        });
    }
    Ok(rows)
}

/// The table, Markdown.
pub fn render(rows: &[QualityRow]) -> String {
    let mut out = String::from(
        "| kind (queries) | kb MRR@10 / s@1 | FTS5 | plain tantivy | kb p50 / p99 ms | FTS5 p50 / p99 | tantivy p50 / p99 | target | ok |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    let q = |e: &Engine| format!("{:.3} / {:.3}", e.mrr10, e.success1);
    let t = |e: &Engine| format!("{:.2} / {:.2}", e.p50_ms, e.p99_ms);
    for r in rows {
        let target = r.kind.target_mrr10();
        let ok = r.kb.mrr10 >= target && r.kb.p99_ms < 10.0;
        out.push_str(&format!(
            "| {} ({}) | {} | {} | {} | {} | {} | {} | MRR ≥ {target:.2}, p99 < 10 | {} |\n",
            r.kind,
            r.queries,
            q(&r.kb),
            q(&r.fts5),
            q(&r.plain_tantivy),
            t(&r.kb),
            t(&r.fts5),
            t(&r.plain_tantivy),
            if ok { "pass" } else { "FAIL" }
        ));
    }
    out
}
